//! Optimizers as `candle_nn::Optimizer`s: PyTorch and Keras semantics.

mod adam;
mod clip;
mod keras_sgd;

pub use adam::Adam;
pub use clip::clip_grad_norm;
pub use keras_sgd::{KerasSgd, KerasSgdParams};
