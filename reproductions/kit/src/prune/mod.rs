//! Pruning: per-parameter masks, magnitude pruning (layer-wise or global), random masks of the
//! same per-layer sparsity, iterative magnitude pruning with rewinding (the lottery-ticket
//! procedure), masks enforced through every optimizer update, and CSR kernels with size and
//! FLOP accounting for the pruned model's inference.
//!
//! A typical chain (the MNIST-1D lottery-ticket notebook's, layer = weight + bias):
//! ```no_run
//! # use repro_kit::prune::*;
//! # use repro_kit::optim::Adam;
//! # fn demo(vars: Vec<candle_core::Var>) -> repro_kit::Result<()> {
//! let scope = Scope::Groups(vec![vec![0, 1], vec![2, 3]]);
//! let schedule = PruningSchedule::geometric(0.2, 10)?;
//! let rounds = iterative_magnitude_pruning(&vars, &scope, &schedule, Rewind::Init, |round| {
//!     let mut opt = Masked::new(Adam::new(vars.clone(), 1e-2, 0.0)?, vars.clone(), round.masks.clone())?;
//!     // ... train with `opt` (e.g. `repro_kit::fit::fit`) ...
//!     Ok(round.masks.sparsity())
//! })?;
//! # Ok(()) }
//! ```

mod csr;
mod imp;
mod mask;
mod masked;
#[cfg(test)]
mod tests;

pub use csr::{count_nonzero, dense_bytes, linear_flops, CsrMatrix};
pub use imp::{
    iterative_magnitude_pruning, PruningSchedule, Rewind, RewindPoint, Round, RoundResult, Snapshot,
};
pub use mask::{host_values, pruned_count, shapes, Mask, MaskSet, Scope};
pub use masked::{Masked, MaskedConfig};
