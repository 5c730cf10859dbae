//! Sparse matrices: one CSR type ([`CsrMatrix`]) that serves the pruning work (inference with
//! pruned fully connected layers, [`CsrMatrix::affine_into`], with size and FLOP accounting)
//! and the graph models (a differentiable sparse × dense product, [`SparseMatmul`]).
//!
//! No maintained sparse-matrix crate (`sprs`, `nalgebra-sparse`) is in the workspace's
//! registry, so the kernels are the kit's own.
//!
//! A kit extension crate (`repro-kit-sparse`, ARCHITECTURE.md "Kit extension crates"). The CSR
//! type began as `repro_kit::prune`'s, which still has its own copy for the pruned inference of
//! the lottery-ticket records: moving `prune` onto this crate is left for the next batched kit
//! change, which recomputes every record anyway.

mod csr;
mod spmm;

/// The kit's finite-difference checks (`reproductions/kit/src/nn/gradcheck.rs`, test-only
/// there), shared by path; it names `crate::init` and `crate::rng`, hence the test-only
/// re-exports beside it.
#[cfg(test)]
#[path = "../../kit/src/nn/gradcheck.rs"]
#[allow(dead_code)] // the checks this crate's tests do not call
mod gradcheck;
#[cfg(test)]
use repro_kit::{init, rng};

pub use csr::{dense_bytes, linear_flops, CsrMatrix};
pub use spmm::SparseMatmul;
