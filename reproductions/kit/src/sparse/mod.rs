//! Sparse matrices: one CSR type ([`CsrMatrix`]) that serves the pruning work (inference with
//! pruned fully connected layers, [`CsrMatrix::affine_into`], with size and FLOP accounting)
//! and the graph models (a differentiable sparse × dense product, [`SparseMatmul`]).
//!
//! No maintained sparse-matrix crate (`sprs`, `nalgebra-sparse`) is in the workspace's
//! registry, so the kernels are the kit's own.

mod csr;
mod spmm;

pub use csr::{dense_bytes, linear_flops, CsrMatrix};
pub use spmm::SparseMatmul;
