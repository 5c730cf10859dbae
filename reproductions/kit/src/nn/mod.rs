//! Layers on seeded [`Var`]s, with the tensor layout of PyTorch.
//!
//! Each layer owns its parameters as [`Var`]s so that optimisers can update them and a model can
//! list them with `vars()`.

pub mod activation;
mod conv;
mod dense;
pub mod dropout;
mod embedding;
#[cfg(test)]
mod gradcheck;
mod kernels;
mod linear;
mod norm;
mod pool;
mod rnn;

pub use conv::{Conv1d, Conv2d};
pub use dense::Dense;
pub use dropout::{Dropout, Mode};
pub use embedding::{Embedding, Flatten};
pub use linear::Linear;
pub use norm::BatchNorm;
pub use pool::{AvgPool2d, MaxPool2d};
pub use rnn::{bidirectional, GruDirection, LstmDirection};

use crate::Result;
use candle_core::{Tensor, Var};

/// Total number of scalar parameters in `vars`.
pub fn parameter_count(vars: &[Var]) -> usize {
    vars.iter().map(|v| v.elem_count()).sum()
}

/// Checks that `t` has exactly the dimensions `dims`; the error names `what` and both shapes.
/// Models call this at every stage boundary so that a wrong reshape fails loudly.
pub fn expect_shape(t: &Tensor, dims: &[usize], what: &str) -> Result<()> {
    if t.dims() != dims {
        return Err(crate::KitError::Invalid(format!(
            "{what}: expected shape {dims:?}, got {:?}",
            t.dims()
        )));
    }
    Ok(())
}
