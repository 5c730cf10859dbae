//! The product `Y = A·X` of a constant sparse matrix A [n, m] (CSR, f32 values) and a dense
//! tensor X [m, k] that carries a gradient, as a candle custom op with its own backward:
//! `dX = Aᵀ·dY` (A is a constant, so it gets no gradient). This is the message passing of a
//! graph convolution, `Σ_j A_ij x_j` over the neighbours j of node i: GC-MC's
//! `tf.sparse_tensor_dense_matmul(support, tmp)` (van den Berg, Kipf & Welling 2017, eq. 2;
//! riannevdberg/gc-mc `gcmc/layers.py`, class `StackGCN`/`OrdinalMixtureGCN`).
//!
//! Kernel: row i of Y is `Σ_k A[i, c_k] · X[c_k, :]` over row i's stored entries in ascending
//! column order, accumulated in X's dtype (f32 or f64; the f32 values of A are widened exactly
//! for f64). Each output row is one thread's, so the result does not depend on the thread
//! count. Aᵀ is built once, in [`SparseMatmul::new`].

use super::CsrMatrix;
use candle_core::{bail, CpuStorage, CustomOp1, Layout, Shape, Tensor};
use rayon::prelude::*;
use repro_kit::{KitError, Result};
use std::ops::{AddAssign, Mul};
use std::sync::Arc;

/// Output entries above which the kernel splits its rows over rayon's pool (when
/// `RAYON_NUM_THREADS` allows more than one thread): below it, threading costs more than it
/// saves.
const PARALLEL_WORK: usize = 1 << 16;

/// A constant sparse matrix A [n, m] ready to multiply dense tensors X [m, k] with gradient
/// (see the module docs). Cheap to clone (the CSR arrays of A and Aᵀ are shared).
#[derive(Debug, Clone)]
pub struct SparseMatmul {
    a: Arc<CsrMatrix>,
    at: Arc<CsrMatrix>,
}

impl SparseMatmul {
    /// Prepares `a` [n, m] (and its transpose [m, n], for the backward pass).
    pub fn new(a: CsrMatrix) -> Self {
        let at = Arc::new(a.transpose());
        Self { a: Arc::new(a), at }
    }

    /// The sparse matrix A [n, m].
    pub fn matrix(&self) -> &CsrMatrix {
        &self.a
    }

    /// `A·x` for `x` [m, k] (f32 or f64, any layout) → [n, k] of x's dtype, differentiable
    /// with respect to `x` (`dx = Aᵀ·dy`). On a non-CPU device: the dense product `A·x`
    /// (A densified, same gradient).
    ///
    /// Errors ([`KitError::Shape`]): `x` not 2-D, or `x.dims()[0] ≠ m`; a dtype other than
    /// f32/f64 ([`KitError::Candle`]).
    pub fn forward(&self, x: &Tensor) -> Result<Tensor> {
        let (n, m) = (self.a.rows(), self.a.cols());
        let dims = x.dims();
        if dims.len() != 2 || dims[0] != m {
            let k = dims.last().copied().unwrap_or(0);
            return Err(KitError::shape(
                "sparse × dense product: dense operand",
                &[m, k],
                dims,
            ));
        }
        if !x.device().is_cpu() {
            let dense = Tensor::from_vec(self.a.to_dense(), (n, m), x.device())?;
            return Ok(dense.to_dtype(x.dtype())?.matmul(x)?);
        }
        let op = SpmmOp {
            a: self.a.clone(),
            at: self.at.clone(),
        };
        Ok(x.contiguous()?.apply_op1(op)?)
    }
}

/// The custom op: `a·x` forward, `at·dy` backward.
struct SpmmOp {
    a: Arc<CsrMatrix>,
    at: Arc<CsrMatrix>,
}

impl CustomOp1 for SpmmOp {
    fn name(&self) -> &'static str {
        "kit-spmm"
    }

    fn cpu_fwd(&self, s: &CpuStorage, l: &Layout) -> candle_core::Result<(CpuStorage, Shape)> {
        let dims = l.dims();
        if dims.len() != 2 || dims[0] != self.a.cols() {
            bail!(
                "{}: dense operand {:?} for a sparse matrix {}×{}",
                self.name(),
                dims,
                self.a.rows(),
                self.a.cols()
            );
        }
        let Some((lo, hi)) = l.contiguous_offsets() else {
            bail!("{}: the dense operand must be contiguous", self.name());
        };
        let k = dims[1];
        let out = match s {
            CpuStorage::F32(v) => CpuStorage::F32(product(&self.a, &v[lo..hi], k)),
            CpuStorage::F64(v) => CpuStorage::F64(product(&self.a, &v[lo..hi], k)),
            _ => bail!("{}: f32 or f64 expected", self.name()),
        };
        Ok((out, Shape::from((self.a.rows(), k))))
    }

    fn bwd(&self, _x: &Tensor, _y: &Tensor, dy: &Tensor) -> candle_core::Result<Option<Tensor>> {
        let back = SpmmOp {
            a: self.at.clone(),
            at: self.a.clone(),
        };
        Ok(Some(dy.contiguous()?.apply_op1(back)?))
    }
}

/// `a·x` for row-major `x` [a.cols, k] → row-major [a.rows, k] (module docs: row by row, in
/// ascending column order).
fn product<T>(a: &CsrMatrix, x: &[T], k: usize) -> Vec<T>
where
    T: Copy + Default + From<f32> + AddAssign + Mul<Output = T> + Send + Sync,
{
    let mut y = vec![T::default(); a.rows() * k];
    if k == 0 {
        return y;
    }
    let row = |r: usize, out: &mut [T]| {
        if let Ok((cols, vals)) = a.row(r) {
            for (&c, &v) in cols.iter().zip(vals) {
                let (v, xs) = (T::from(v), &x[c as usize * k..(c as usize + 1) * k]);
                for (o, &xv) in out.iter_mut().zip(xs) {
                    *o += v * xv;
                }
            }
        }
    };
    if candle_core::utils::get_num_threads() > 1 && a.nnz() * k > PARALLEL_WORK {
        y.par_chunks_mut(k).enumerate().for_each(|(r, o)| row(r, o));
    } else {
        y.chunks_mut(k).enumerate().for_each(|(r, o)| row(r, o));
    }
    y
}

#[cfg(test)]
mod tests;
