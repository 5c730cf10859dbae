//! Layers on seeded [`Var`]s, with the tensor layout of PyTorch.
//!
//! Each layer owns its parameters as [`Var`]s so that optimisers can update them and a model can
//! list them with `vars()`.

mod conv;
mod dense;
pub mod dropout;
mod linear;
mod rnn;

pub use conv::Conv1d;
pub use dense::Dense;
pub use dropout::{Dropout, Mode};
pub use linear::Linear;
pub use rnn::GruDirection;

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
