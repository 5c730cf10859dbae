//! CPU kernels of the convolution, fully connected and pooling layers, registered as candle
//! custom ops with their own backward passes: [`conv`] (im2col + GEMM convolution), [`linear`]
//! (the GEMM of `Linear`/`Dense`), [`pool`] (max and average pooling); this module holds what
//! they share (the GEMM call, threading, slice access, window geometry, fixed-order sums).
//!
//! A convolution is im2col + one GEMM per chunk of the batch (the `gemm` crate, the same GEMM
//! that candle's CPU `matmul` calls), with the bias added while the product is copied to the
//! PyTorch layout. Its backward is three explicit kernels: `dW = dY · colsᵀ` (GEMM, summed over
//! the chunks in batch order), `dX = col2im(Wᵀ · dY)` (GEMM + scatter-add, sample by sample) and
//! `db = Σ dY`. Every sum runs in a fixed order, so results are bitwise reproducible for a given
//! thread count (the GEMM splits its output, never its reduction, across threads).
//!
//! A 1-D convolution is the 2-D case with `h = kh = 1`, unit vertical stride and no vertical
//! padding.
//!
//! Threads: the GEMM and the per-sample loops use rayon's global pool when
//! [`candle_core::utils::get_num_threads`] (`RAYON_NUM_THREADS`, which `harness run
//! --threads-per-run N` sets) is above 1, and run on the calling thread otherwise.

use candle_core::{
    bail, CpuStorage, CustomOp1, CustomOp2, CustomOp3, Layout, Result, Shape, Tensor, WithDType,
};
use rayon::prelude::*;

/// Upper bound on the elements of one im2col chunk (4 MiB of f32): small enough to stay in the
/// L2/L3 cache, large enough that the small MNIST-1D convolutions run as one GEMM per batch.
const CHUNK_ELEMS: usize = 1 << 20;

/// Threads the kernels may use (`RAYON_NUM_THREADS`, default: all cores).
pub(crate) fn threads() -> usize {
    candle_core::utils::get_num_threads()
}

/// Runs `f(i, chunk)` over `data.chunks_mut(len)`, on rayon's pool when more than one thread is
/// allowed. Each call writes only its own chunk, so the result does not depend on the schedule.
fn for_each_chunk<T: Send, F>(data: &mut [T], len: usize, f: F)
where
    F: Fn(usize, &mut [T]) + Send + Sync,
{
    if len == 0 {
        return;
    }
    if threads() > 1 {
        data.par_chunks_mut(len)
            .enumerate()
            .for_each(|(i, c)| f(i, c));
    } else {
        data.chunks_mut(len).enumerate().for_each(|(i, c)| f(i, c));
    }
}

/// `dst[m×n]` (row-major, row stride `n`) `= (acc ? dst : 0) + lhs · rhs`, where `lhs` is
/// `m×k` with element `(i, l)` at `lhs[i·lhs_rs + l·lhs_cs]` and `rhs` is `k×n` with `(l, j)` at
/// `rhs[l·rhs_rs + j·rhs_cs]`. Bounds are checked before the unsafe call.
#[allow(clippy::too_many_arguments)]
fn gemm<T: WithDType>(
    (m, n, k): (usize, usize, usize),
    dst: &mut [T],
    acc: bool,
    lhs: &[T],
    (lhs_rs, lhs_cs): (usize, usize),
    rhs: &[T],
    (rhs_rs, rhs_cs): (usize, usize),
) -> Result<()> {
    if m == 0 || n == 0 {
        return Ok(());
    }
    if k == 0 {
        if !acc {
            dst[..m * n].fill(T::zero());
        }
        return Ok(());
    }
    let last = |rs: usize, cs: usize, rows: usize, cols: usize| (rows - 1) * rs + (cols - 1) * cs;
    if dst.len() < m * n
        || lhs.len() <= last(lhs_rs, lhs_cs, m, k)
        || rhs.len() <= last(rhs_rs, rhs_cs, k, n)
    {
        bail!("gemm: operand too short for a {m}×{k} · {k}×{n} product");
    }
    let par = match threads() {
        t if t > 1 => gemm::Parallelism::Rayon(t),
        _ => gemm::Parallelism::None,
    };
    // SAFETY: every index the product touches is within the slices (checked above), dst does
    // not alias lhs or rhs (a &mut and two & borrows), and T is f32 or f64 (the callers match
    // on the storage dtype).
    unsafe {
        gemm::gemm(
            m,
            n,
            k,
            dst.as_mut_ptr(),
            1,
            n as isize,
            acc,
            lhs.as_ptr(),
            lhs_cs as isize,
            lhs_rs as isize,
            rhs.as_ptr(),
            rhs_cs as isize,
            rhs_rs as isize,
            T::one(),
            T::one(),
            false,
            false,
            false,
            par,
        );
    }
    Ok(())
}

/// The contiguous data of an F32 or F64 storage as `&[T]`, or an error naming `op`.
pub(crate) fn slice<'a, T: WithDType>(s: &'a CpuStorage, l: &Layout, op: &str) -> Result<&'a [T]> {
    let Some((a, b)) = l.contiguous_offsets() else {
        bail!("{op}: operands must be contiguous");
    };
    Ok(&T::cpu_storage_as_slice(s)?[a..b])
}

/// Geometry of a 2-D convolution or pooling window over `x` [n, c, h, w] (a 1-D convolution is
/// `h = kh = 1`): kernel `kh × kw`, stride `sh, sw`, zero padding `ph, pw` on each side, output
/// `oh × ow` with `oh = ⌊(h + 2·ph − kh)/sh⌋ + 1` (PyTorch's formula, dilation 1).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(crate) struct Geom {
    pub n: usize,
    pub c: usize,
    pub h: usize,
    pub w: usize,
    pub kh: usize,
    pub kw: usize,
    pub sh: usize,
    pub sw: usize,
    pub ph: usize,
    pub pw: usize,
    pub oh: usize,
    pub ow: usize,
}

impl Geom {
    /// Checks the window fits and computes the output size; the error names `what`.
    #[allow(clippy::too_many_arguments)]
    pub fn new(
        what: &str,
        (n, c, h, w): (usize, usize, usize, usize),
        (kh, kw): (usize, usize),
        (sh, sw): (usize, usize),
        (ph, pw): (usize, usize),
    ) -> Result<Self> {
        if kh == 0 || kw == 0 || sh == 0 || sw == 0 {
            bail!("{what}: kernel {kh}×{kw} and stride {sh}×{sw} must be ≥ 1");
        }
        if h + 2 * ph < kh || w + 2 * pw < kw {
            bail!("{what}: kernel {kh}×{kw} larger than the padded input {h}×{w} (+{ph}, +{pw})");
        }
        Ok(Self {
            n,
            c,
            h,
            w,
            kh,
            kw,
            sh,
            sw,
            ph,
            pw,
            oh: (h + 2 * ph - kh) / sh + 1,
            ow: (w + 2 * pw - kw) / sw + 1,
        })
    }

    /// Rows of the im2col matrix: c·kh·kw.
    fn ck(&self) -> usize {
        self.c * self.kh * self.kw
    }

    /// Output positions per sample and channel: oh·ow.
    fn p(&self) -> usize {
        self.oh * self.ow
    }

    /// Input elements per sample and channel: h·w.
    fn hw(&self) -> usize {
        self.h * self.w
    }

    /// Samples per im2col chunk of at most `elems` elements (≥ 1).
    fn chunk(&self, elems: usize) -> usize {
        (elems / (self.ck() * self.p()).max(1)).clamp(1, self.n.max(1))
    }

    /// For kernel column `j`: the output columns `ox` whose input column `ox·sw + j − pw` lies
    /// inside `[0, w)`, as a half-open range.
    fn ox_range(&self, j: usize) -> (usize, usize) {
        axis_range(self.ow, self.sw, self.pw, self.w, j)
    }

    /// As [`Geom::ox_range`] for rows.
    fn oy_range(&self, i: usize) -> (usize, usize) {
        axis_range(self.oh, self.sh, self.ph, self.h, i)
    }
}

/// Output indices `o ∈ [lo, hi)` with `0 ≤ o·s + k − p < len`, for output size `out`.
fn axis_range(out: usize, s: usize, p: usize, len: usize, k: usize) -> (usize, usize) {
    let lo = if p > k { (p - k).div_ceil(s) } else { 0 };
    // o·s + k − p ≤ len − 1  ⇔  o ≤ (len − 1 + p − k)/s
    let hi = if len + p > k {
        ((len - 1 + p - k) / s + 1).min(out)
    } else {
        0
    };
    (lo.min(hi), hi)
}

/// `Σ v` in a fixed order that vectorises: eight interleaved partial sums, then the tail, then
/// the partial sums pairwise.
fn sum<T: WithDType>(v: &[T]) -> T {
    let mut lanes = [T::zero(); 8];
    let mut it = v.chunks_exact(8);
    for c in &mut it {
        for (l, &x) in lanes.iter_mut().zip(c) {
            *l += x;
        }
    }
    let mut tail = T::zero();
    for &x in it.remainder() {
        tail += x;
    }
    ((lanes[0] + lanes[4]) + (lanes[2] + lanes[6]))
        + ((lanes[1] + lanes[5]) + (lanes[3] + lanes[7]))
        + tail
}

/// Dispatches `$body` on the dtype of `$s` (F32 or F64), binding the element type to `$t`.
macro_rules! by_dtype {
    ($s:expr, $op:expr, |$t:ident| $body:expr) => {
        match $s {
            CpuStorage::F32(_) => {
                type $t = f32;
                $body
            }
            CpuStorage::F64(_) => {
                type $t = f64;
                $body
            }
            _ => bail!("{}: only F32 and F64 are supported", $op),
        }
    };
}

mod conv;
mod linear;
mod pool;

pub(crate) use conv::Conv2dOp;
pub(crate) use linear::LinearOp;
pub(crate) use pool::{Pool2dOp, PoolKind};

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn axis_ranges_cover_exactly_the_valid_outputs() {
        for (out, s, p, len, k) in [
            (19, 2, 1, 40, 0),
            (19, 2, 1, 40, 4),
            (5, 3, 2, 9, 1),
            (28, 1, 2, 28, 4),
        ] {
            let (lo, hi) = axis_range(out, s, p, len, k);
            for o in 0..out {
                let i = (o * s + k) as isize - p as isize;
                assert_eq!((lo..hi).contains(&o), (0..len as isize).contains(&i), "{o}");
            }
        }
    }
}
