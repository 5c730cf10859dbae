//! Optimizers as `candle_nn::Optimizer`s: PyTorch and Keras semantics.

mod adam;
mod keras_sgd;

pub use adam::Adam;
pub use keras_sgd::{KerasSgd, KerasSgdParams};
