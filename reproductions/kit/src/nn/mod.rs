//! Layers on seeded [`Var`]s, with the tensor layout of PyTorch.
//!
//! Two traits give every layer and model one interface:
//! - [`Layer`]: `forward(&self, x) -> crate::Result<Tensor>` for every layer whose output
//!   depends on its input and parameters only ([`Linear`], [`Dense`], [`Conv1d`], [`Conv2d`],
//!   [`MaxPool2d`], [`AvgPool2d`], [`Embedding`], [`Flatten`], and the UCI network
//!   [`ReluMlp`]). It is the kit's own trait, not
//!   candle's `Module`, because the layers check their inputs and report a wrong shape or an
//!   out-of-range id as a [`crate::KitError`] that names the layer; candle's `Module` would
//!   flatten those into a string inside `candle_core::Error`, and every model already returns
//!   the kit's `Result`. Layers whose output also depends on the training mode or on random
//!   numbers ([`Dropout`], [`BatchNorm`]) and the recurrent cells (which carry a state) keep
//!   their own `forward`/`run` with those extra arguments.
//! - [`Parameters`]: `vars(&self)` lists a layer's or a model's trainable [`Var`]s, in a fixed
//!   order (the order optimizers, gradient clipping and checkpoints see them). A model
//!   implements it once by listing its parts with [`vars_of`].

pub mod activation;
mod conv;
mod dense;
pub mod dropout;
mod embedding;
#[cfg(test)]
mod gradcheck;
mod kernels;
mod linear;
mod mlp;
mod norm;
mod pool;
mod relu;
mod rnn;

pub use conv::{Conv1d, Conv2d};
pub use dense::Dense;
pub use dropout::{Dropout, Mode};
pub use embedding::{Embedding, Flatten};
pub use linear::Linear;
pub use mlp::{ReluMlp, UciMlpTraining};
pub use norm::BatchNorm;
pub use pool::{AvgPool2d, MaxPool2d};
pub use relu::relu;
pub use rnn::{bidirectional, Cell, Direction, Gru, GruDirection, Lstm, LstmDirection};

use crate::Result;
use candle_core::{Tensor, Var};

/// A layer whose output depends only on its input and its parameters (module docs).
pub trait Layer {
    /// `x` → the layer's output; each implementation documents its shapes.
    ///
    /// Errors: an input of the wrong rank, size or dtype for the layer (naming the layer and
    /// both shapes), or a failed tensor operation.
    fn forward(&self, x: &Tensor) -> Result<Tensor>;
}

/// A layer or model that owns trainable parameters.
pub trait Parameters {
    /// Every trainable parameter, in the layer's documented order (e.g. weight then bias).
    /// The [`Var`]s share storage with the layer: updating them updates the layer.
    fn vars(&self) -> Vec<Var>;

    /// Number of trainable scalars.
    fn parameter_count(&self) -> usize {
        parameter_count(&self.vars())
    }
}

/// The parameters of `parts`, concatenated in the order given: how a model implements
/// [`Parameters::vars`] from its layers.
pub fn vars_of(parts: &[&dyn Parameters]) -> Vec<Var> {
    parts.iter().flat_map(|p| p.vars()).collect()
}

impl<P: Parameters> Parameters for [P] {
    /// The elements' parameters, in order.
    fn vars(&self) -> Vec<Var> {
        self.iter().flat_map(|p| p.vars()).collect()
    }
}

impl<P: Parameters> Parameters for Vec<P> {
    /// The elements' parameters, in order.
    fn vars(&self) -> Vec<Var> {
        self.as_slice().vars()
    }
}

/// Compute threads the kit's layer kernels use: candle's `get_num_threads` (`RAYON_NUM_THREADS`,
/// which `harness run --threads-per-run N` sets; all cores when unset). Anything whose behaviour
/// must follow the kernels' threading (e.g. [`crate::denormal::FlushDenormals`]) asks here.
pub fn compute_threads() -> usize {
    kernels::threads()
}

/// Total number of scalar parameters in `vars`.
pub fn parameter_count(vars: &[Var]) -> usize {
    vars.iter().map(|v| v.elem_count()).sum()
}

/// Checks that `t` has exactly the dimensions `dims`; the error ([`crate::KitError::Shape`])
/// names `what` and both shapes.
/// Models call this at every stage boundary so that a wrong reshape fails loudly.
pub fn expect_shape(t: &Tensor, dims: &[usize], what: &str) -> Result<()> {
    if t.dims() != dims {
        return Err(crate::KitError::shape(what, dims, t.dims()));
    }
    Ok(())
}
