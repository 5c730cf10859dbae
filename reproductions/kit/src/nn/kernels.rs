//! CPU kernels of the convolution and pooling layers, registered as candle custom ops with their
//! own backward passes.
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
fn threads() -> usize {
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

/// im2col of samples `n0 .. n0 + nb` of `x` [n, c, h, w] into `cols` [c·kh·kw, nb·oh·ow]
/// (row-major): `cols[(ci·kh + i)·kw + j, s·P + oy·ow + ox] = x[n0 + s, ci, oy·sh + i − ph,
/// ox·sw + j − pw]`, 0 where that index falls in the padding.
fn im2col<T: WithDType>(g: &Geom, x: &[T], n0: usize, nb: usize, cols: &mut [T]) {
    let (p, hw) = (g.p(), g.hw());
    for_each_chunk(&mut cols[..g.ck() * nb * p], nb * p, |r, row| {
        let (ci, i, j) = (r / (g.kh * g.kw), (r / g.kw) % g.kh, r % g.kw);
        let (ylo, yhi) = g.oy_range(i);
        let (xlo, xhi) = g.ox_range(j);
        for s in 0..nb {
            let plane = &x[((n0 + s) * g.c + ci) * hw..][..hw];
            let out = &mut row[s * p..][..p];
            for oy in 0..g.oh {
                let dst = &mut out[oy * g.ow..][..g.ow];
                if oy < ylo || oy >= yhi {
                    dst.fill(T::zero());
                    continue;
                }
                let src = &plane[(oy * g.sh + i - g.ph) * g.w..][..g.w];
                dst[..xlo].fill(T::zero());
                dst[xhi..].fill(T::zero());
                let x0 = xlo * g.sw + j - g.pw;
                if g.sw == 1 {
                    dst[xlo..xhi].copy_from_slice(&src[x0..x0 + (xhi - xlo)]);
                } else {
                    for (d, &v) in dst[xlo..xhi].iter_mut().zip(src[x0..].iter().step_by(g.sw)) {
                        *d = v;
                    }
                }
            }
        }
    });
}

/// The adjoint of [`im2col`]: adds `dcols` [c·kh·kw, nb·oh·ow] into `dx` [nb, c, h, w] (the
/// chunk's samples), each sample's sum in a fixed order (rows, then positions).
fn col2im<T: WithDType>(g: &Geom, dcols: &[T], nb: usize, dx: &mut [T]) {
    let (p, hw, ck) = (g.p(), g.hw(), g.ck());
    let np = nb * p;
    for_each_chunk(&mut dx[..nb * g.c * hw], g.c * hw, |s, sample| {
        for r in 0..ck {
            let (ci, i, j) = (r / (g.kh * g.kw), (r / g.kw) % g.kh, r % g.kw);
            let (ylo, yhi) = g.oy_range(i);
            let (xlo, xhi) = g.ox_range(j);
            let src = &dcols[r * np + s * p..][..p];
            let plane = &mut sample[ci * hw..][..hw];
            for oy in ylo..yhi {
                let d = &mut plane[(oy * g.sh + i - g.ph) * g.w..][..g.w];
                let sr = &src[oy * g.ow..][..g.ow];
                let x0 = xlo * g.sw + j - g.pw;
                for (v, &gv) in d[x0..].iter_mut().step_by(g.sw).zip(&sr[xlo..xhi]) {
                    *v += gv;
                }
            }
        }
    });
}

/// Convolution geometry from `x` [n, c, h, w] and weight [o, c, kh, kw]; the error names the
/// mismatch.
fn conv_geom(
    x: &[usize],
    w: &[usize],
    stride: (usize, usize),
    pad: (usize, usize),
) -> Result<(Geom, usize)> {
    let (&[n, c, h, wd], &[o, cw, kh, kw]) = (x, w) else {
        bail!("conv: expected input [n, c, h, w] and weight [o, c, kh, kw], got {x:?} and {w:?}");
    };
    if c != cw {
        bail!("conv: input has {c} channels, weight expects {cw}");
    }
    Ok((Geom::new("conv", (n, c, h, wd), (kh, kw), stride, pad)?, o))
}

/// Forward: `y[n, o, p] = b[o] + Σ_r W[o, r] · cols_n[r, p]`, one GEMM per chunk of samples.
/// Returns `y` and, when the whole batch was one chunk, its im2col matrix (for the backward).
fn conv_fwd<T: WithDType>(
    g: &Geom,
    o: usize,
    chunk: usize,
    x: &[T],
    w: &[T],
    b: &[T],
) -> Result<(Vec<T>, Option<Vec<T>>)> {
    let (p, ck) = (g.p(), g.ck());
    let mut y = vec![T::zero(); g.n * o * p];
    let mut cols = vec![T::zero(); ck * chunk * p];
    let mut ybuf = vec![T::zero(); if chunk > 1 { o * chunk * p } else { 0 }];
    for n0 in (0..g.n).step_by(chunk) {
        let nb = chunk.min(g.n - n0);
        let np = nb * p;
        im2col(g, x, n0, nb, &mut cols); // [ck, nb·p]
        if nb == 1 {
            // y[n0] [o, p] is itself a row-major o×p matrix: start from the bias and accumulate.
            let yn = &mut y[n0 * o * p..][..o * p];
            for (row, &bo) in yn.chunks_mut(p).zip(b) {
                row.fill(bo);
            }
            gemm((o, p, ck), yn, true, w, (ck, 1), &cols, (np, 1))?;
        } else {
            gemm((o, np, ck), &mut ybuf, false, w, (ck, 1), &cols, (np, 1))?; // [o, nb·p]
            for s in 0..nb {
                let yn = &mut y[(n0 + s) * o * p..][..o * p];
                for (oi, row) in yn.chunks_mut(p).enumerate() {
                    let src = &ybuf[oi * np + s * p..][..p];
                    for (d, &v) in row.iter_mut().zip(src) {
                        *d = v + b[oi];
                    }
                }
            }
        }
    }
    Ok((y, (chunk >= g.n).then_some(cols)))
}

/// The chunk `n0 .. n0 + nb` of `dy` [n, o, p] as an `[o, nb·p]` matrix: borrowed when
/// `nb = 1`, gathered into `buf` otherwise.
fn dy_chunk<'a, T: WithDType>(
    dy: &'a [T],
    o: usize,
    p: usize,
    n0: usize,
    nb: usize,
    buf: &'a mut [T],
) -> &'a [T] {
    if nb == 1 {
        return &dy[n0 * o * p..][..o * p];
    }
    let np = nb * p;
    for s in 0..nb {
        let src = &dy[(n0 + s) * o * p..][..o * p];
        for oi in 0..o {
            buf[oi * np + s * p..][..p].copy_from_slice(&src[oi * p..][..p]);
        }
    }
    &buf[..o * np]
}

/// `dW [o, ck] = Σ_chunks dY_chunk [o, nb·p] · cols_chunkᵀ [nb·p, ck]`, chunks in batch order.
/// `cached`: the forward's im2col of the whole batch, if it kept it (one chunk).
fn conv_bwd_weight<T: WithDType>(
    g: &Geom,
    o: usize,
    chunk: usize,
    x: &[T],
    dy: &[T],
    cached: Option<Vec<T>>,
) -> Result<Vec<T>> {
    let (p, ck) = (g.p(), g.ck());
    let mut dw = vec![T::zero(); o * ck];
    let reuse = chunk >= g.n && cached.as_ref().is_some_and(|c| c.len() == ck * g.n * p);
    let mut cols = match cached {
        Some(c) if reuse => c,
        _ => vec![T::zero(); ck * chunk * p],
    };
    let mut buf = vec![T::zero(); if chunk > 1 { o * chunk * p } else { 0 }];
    for (ci, n0) in (0..g.n).step_by(chunk).enumerate() {
        let nb = chunk.min(g.n - n0);
        let np = nb * p;
        if !reuse {
            im2col(g, x, n0, nb, &mut cols);
        }
        let d = dy_chunk(dy, o, p, n0, nb, &mut buf);
        // lhs dY [o × np] (rs np), rhs colsᵀ [np × ck]: element (l, r) = cols[r·np + l].
        gemm((o, ck, np), &mut dw, ci > 0, d, (np, 1), &cols, (1, np))?;
    }
    Ok(dw)
}

/// `dX = col2im(Wᵀ [ck, o] · dY_chunk [o, nb·p])`, chunk by chunk.
fn conv_bwd_input<T: WithDType>(
    g: &Geom,
    o: usize,
    chunk: usize,
    w: &[T],
    dy: &[T],
) -> Result<Vec<T>> {
    let (p, ck, chw) = (g.p(), g.ck(), g.c * g.hw());
    let mut dx = vec![T::zero(); g.n * chw];
    let mut dcols = vec![T::zero(); ck * chunk * p];
    let mut buf = vec![T::zero(); if chunk > 1 { o * chunk * p } else { 0 }];
    for n0 in (0..g.n).step_by(chunk) {
        let nb = chunk.min(g.n - n0);
        let np = nb * p;
        let d = dy_chunk(dy, o, p, n0, nb, &mut buf);
        // lhs Wᵀ [ck × o]: element (r, oi) = w[oi·ck + r].
        gemm((ck, np, o), &mut dcols, false, w, (1, ck), d, (np, 1))?;
        col2im(g, &dcols, nb, &mut dx[n0 * chw..]);
    }
    Ok(dx)
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

/// `db[o] = Σ_n Σ_p dY[n, o, p]`, summed in batch order.
fn bias_grad<T: WithDType>(n: usize, o: usize, p: usize, dy: &[T]) -> Vec<T> {
    let mut db = vec![T::zero(); o];
    for sample in dy.chunks(o * p).take(n) {
        for (acc, row) in db.iter_mut().zip(sample.chunks(p)) {
            *acc += sum(row);
        }
    }
    db
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

/// `y = conv(x, w) + b`: x [n, c, h, w], w [o, c, kh, kw], b [o] → y [n, o, oh, ow].
pub(crate) struct Conv2dOp {
    pub stride: (usize, usize),
    pub padding: (usize, usize),
    /// Largest im2col chunk in elements ([`CHUNK_ELEMS`]; tests make it small to exercise the
    /// one-sample and multi-chunk paths).
    pub chunk_elems: usize,
    /// The forward's im2col matrix when the batch fitted in one chunk, taken by the backward
    /// (which then skips recomputing it).
    pub cache: std::sync::Mutex<Option<CpuStorage>>,
}

impl Conv2dOp {
    /// The op with the default chunk size.
    pub fn new(stride: (usize, usize), padding: (usize, usize)) -> Self {
        Self {
            stride,
            padding,
            chunk_elems: CHUNK_ELEMS,
            cache: Default::default(),
        }
    }
}

impl CustomOp3 for Conv2dOp {
    fn name(&self) -> &'static str {
        "kit-conv2d"
    }

    fn cpu_fwd(
        &self,
        s1: &CpuStorage,
        l1: &Layout,
        s2: &CpuStorage,
        l2: &Layout,
        s3: &CpuStorage,
        l3: &Layout,
    ) -> Result<(CpuStorage, Shape)> {
        let (g, o) = conv_geom(l1.dims(), l2.dims(), self.stride, self.padding)?;
        if l3.dims() != [o] {
            bail!("conv: bias shape {:?}, expected [{o}]", l3.dims());
        }
        let shape = Shape::from((g.n, o, g.oh, g.ow));
        by_dtype!(s1, self.name(), |T| {
            let (y, cols) = conv_fwd::<T>(
                &g,
                o,
                g.chunk(self.chunk_elems),
                slice(s1, l1, self.name())?,
                slice(s2, l2, self.name())?,
                slice(s3, l3, self.name())?,
            )?;
            if let Ok(mut c) = self.cache.lock() {
                *c = cols.map(T::to_cpu_storage_owned);
            }
            Ok((T::to_cpu_storage_owned(y), shape))
        })
    }

    fn bwd(
        &self,
        x: &Tensor,
        w: &Tensor,
        b: &Tensor,
        _res: &Tensor,
        dy: &Tensor,
    ) -> Result<(Option<Tensor>, Option<Tensor>, Option<Tensor>)> {
        let dy = dy.contiguous()?;
        // The input of a first layer is data: skip its gradient.
        let dx = if x.track_op() {
            Some(dy.apply_op2_no_bwd(
                w,
                &Conv2dBwdInput {
                    stride: self.stride,
                    padding: self.padding,
                    chunk_elems: self.chunk_elems,
                    input: x.dims4()?,
                },
            )?)
        } else {
            None
        };
        let dw = if w.track_op() {
            Some(x.apply_op2_no_bwd(
                &dy,
                &Conv2dBwdWeight {
                    stride: self.stride,
                    padding: self.padding,
                    chunk_elems: self.chunk_elems,
                    kernel: (w.dim(2)?, w.dim(3)?),
                    cols: std::sync::Mutex::new(self.cache.lock().ok().and_then(|mut c| c.take())),
                },
            )?)
        } else {
            None
        };
        let db = if b.track_op() {
            Some(dy.apply_op1_no_bwd(&BiasGrad)?)
        } else {
            None
        };
        Ok((dx, dw, db))
    }
}

/// `dX` from (`dy` [n, o, oh, ow], `w` [o, c, kh, kw]) for an input of dims `input`.
struct Conv2dBwdInput {
    stride: (usize, usize),
    padding: (usize, usize),
    chunk_elems: usize,
    input: (usize, usize, usize, usize),
}

impl CustomOp2 for Conv2dBwdInput {
    fn name(&self) -> &'static str {
        "kit-conv2d-bwd-input"
    }

    fn cpu_fwd(
        &self,
        s1: &CpuStorage,
        l1: &Layout,
        s2: &CpuStorage,
        l2: &Layout,
    ) -> Result<(CpuStorage, Shape)> {
        let (n, c, h, wd) = self.input;
        let (g, o) = conv_geom(&[n, c, h, wd], l2.dims(), self.stride, self.padding)?;
        if l1.dims() != [n, o, g.oh, g.ow] {
            bail!(
                "conv backward: gradient shape {:?} does not match the output",
                l1.dims()
            );
        }
        by_dtype!(s1, self.name(), |T| {
            let dx = conv_bwd_input::<T>(
                &g,
                o,
                g.chunk(self.chunk_elems),
                slice(s2, l2, self.name())?,
                slice(s1, l1, self.name())?,
            )?;
            Ok((T::to_cpu_storage_owned(dx), Shape::from(self.input)))
        })
    }
}

/// `dW` from (`x` [n, c, h, w], `dy` [n, o, oh, ow]) for a kernel `kh × kw`.
struct Conv2dBwdWeight {
    stride: (usize, usize),
    padding: (usize, usize),
    chunk_elems: usize,
    /// The forward's im2col matrix, if it kept it.
    cols: std::sync::Mutex<Option<CpuStorage>>,
    kernel: (usize, usize),
}

impl CustomOp2 for Conv2dBwdWeight {
    fn name(&self) -> &'static str {
        "kit-conv2d-bwd-weight"
    }

    fn cpu_fwd(
        &self,
        s1: &CpuStorage,
        l1: &Layout,
        s2: &CpuStorage,
        l2: &Layout,
    ) -> Result<(CpuStorage, Shape)> {
        let x = l1.dims();
        let Ok([n, o, _, _]) = <[usize; 4]>::try_from(l2.dims()) else {
            bail!("conv backward: gradient must be 4-D, got {:?}", l2.dims());
        };
        let c = x.get(1).copied().unwrap_or(0);
        let (kh, kw) = self.kernel;
        let (g, _) = conv_geom(x, &[o, c, kh, kw], self.stride, self.padding)?;
        if l2.dims() != [n, o, g.oh, g.ow] || g.n != n {
            bail!(
                "conv backward: gradient shape {:?} does not match the output",
                l2.dims()
            );
        }
        by_dtype!(s1, self.name(), |T| {
            let cached = self
                .cols
                .lock()
                .ok()
                .and_then(|mut c| c.take())
                .and_then(|c| T::cpu_storage_data(c).ok());
            let dw = conv_bwd_weight::<T>(
                &g,
                o,
                g.chunk(self.chunk_elems),
                slice(s1, l1, self.name())?,
                slice(s2, l2, self.name())?,
                cached,
            )?;
            Ok((T::to_cpu_storage_owned(dw), Shape::from((o, c, kh, kw))))
        })
    }
}

/// `db[o] = Σ_{n, y, x} dy[n, o, y, x]` from `dy` [n, o, …].
struct BiasGrad;

impl CustomOp1 for BiasGrad {
    fn name(&self) -> &'static str {
        "kit-conv-bias-grad"
    }

    fn cpu_fwd(&self, s: &CpuStorage, l: &Layout) -> Result<(CpuStorage, Shape)> {
        let dims = l.dims();
        if dims.len() < 2 {
            bail!("conv bias gradient: expected [n, o, …], got {dims:?}");
        }
        let (n, o) = (dims[0], dims[1]);
        let p: usize = dims[2..].iter().product();
        by_dtype!(s, self.name(), |T| {
            let db = bias_grad::<T>(n, o, p, slice(s, l, self.name())?);
            Ok((T::to_cpu_storage_owned(db), Shape::from(o)))
        })
    }
}

/// `y = x Wᵀ + b`: x [n, in], W [out, in], b [out] → y [n, out] (PyTorch `nn.Linear`), or with
/// `keras` the kernel K [in, out] and `y = x K + b` (Keras `Dense`), with an explicit backward:
/// `dX = dY W`, `dW = dYᵀ X` (one GEMM each, no transposed copies) and `db = Σ_rows dY` (rows in
/// order).
#[derive(Debug, Clone, Copy)]
pub(crate) struct LinearOp {
    /// Weight stored [in, out] (Keras) rather than [out, in] (PyTorch).
    pub keras: bool,
}

impl LinearOp {
    /// Strides (row, column) of the weight read as the [in, out] matrix Wᵀ.
    fn wt_strides(&self, i: usize, o: usize) -> (usize, usize) {
        if self.keras {
            (o, 1)
        } else {
            (1, i)
        }
    }
}

/// `(n, in, out)` of a linear layer from the layouts of x, W and b.
fn linear_dims(
    keras: bool,
    x: &[usize],
    w: &[usize],
    b: &[usize],
) -> Result<(usize, usize, usize)> {
    let (&[n, i], &[w0, w1]) = (x, w) else {
        bail!("linear: expected x [n, in] and a 2-D weight, got {x:?} and {w:?}");
    };
    let (o, iw) = if keras { (w1, w0) } else { (w0, w1) };
    if i != iw || b != [o] {
        bail!("linear: x {x:?}, weight {w:?} and bias {b:?} do not match");
    }
    Ok((n, i, o))
}

impl CustomOp3 for LinearOp {
    fn name(&self) -> &'static str {
        "kit-linear"
    }

    fn cpu_fwd(
        &self,
        s1: &CpuStorage,
        l1: &Layout,
        s2: &CpuStorage,
        l2: &Layout,
        s3: &CpuStorage,
        l3: &Layout,
    ) -> Result<(CpuStorage, Shape)> {
        let (n, i, o) = linear_dims(self.keras, l1.dims(), l2.dims(), l3.dims())?;
        let wt = self.wt_strides(i, o);
        by_dtype!(s1, self.name(), |T| {
            let (x, w, b) = (
                slice::<T>(s1, l1, self.name())?,
                slice::<T>(s2, l2, self.name())?,
                slice::<T>(s3, l3, self.name())?,
            );
            let mut y = Vec::with_capacity(n * o);
            for _ in 0..n {
                y.extend_from_slice(b);
            }
            // rhs Wᵀ [in × out]: element (l, j) = w[j·in + l] (PyTorch) or w[l·out + j] (Keras).
            gemm((n, o, i), &mut y, true, x, (i, 1), w, wt)?;
            Ok((T::to_cpu_storage_owned(y), Shape::from((n, o))))
        })
    }

    fn bwd(
        &self,
        x: &Tensor,
        w: &Tensor,
        b: &Tensor,
        _res: &Tensor,
        dy: &Tensor,
    ) -> Result<(Option<Tensor>, Option<Tensor>, Option<Tensor>)> {
        let dy = dy.contiguous()?;
        let dx = if x.track_op() {
            Some(dy.apply_op2_no_bwd(w, &LinearBwd::Input(self.keras))?)
        } else {
            None
        };
        let dw = if w.track_op() {
            Some(dy.apply_op2_no_bwd(x, &LinearBwd::Weight(self.keras))?)
        } else {
            None
        };
        let db = if b.track_op() {
            Some(dy.apply_op1_no_bwd(&LinearBiasGrad)?)
        } else {
            None
        };
        Ok((dx, dw, db))
    }
}

/// The three gradients of [`LinearOp`], each from `dy` [n, out] and (for the first two) the
/// other operand.
enum LinearBwd {
    /// `dX [n, in] = dY [n, out] · W [out, in]` (Keras: `dY · Kᵀ`).
    Input(bool),
    /// `dW [out, in] = dYᵀ [out, n] · X [n, in]` (Keras: `dK [in, out] = Xᵀ · dY`).
    Weight(bool),
}

/// `db [out] = Σ_n dY[n, ·]` of [`LinearOp`], rows in order.
struct LinearBiasGrad;

impl CustomOp2 for LinearBwd {
    fn name(&self) -> &'static str {
        "kit-linear-bwd"
    }

    fn cpu_fwd(
        &self,
        s1: &CpuStorage,
        l1: &Layout,
        s2: &CpuStorage,
        l2: &Layout,
    ) -> Result<(CpuStorage, Shape)> {
        let (&[n, o], &[r, c]) = (l1.dims(), l2.dims()) else {
            bail!(
                "linear backward: unexpected shapes {:?}, {:?}",
                l1.dims(),
                l2.dims()
            );
        };
        let name = "kit-linear-bwd";
        by_dtype!(s1, name, |T| {
            let (dy, other) = (slice::<T>(s1, l1, name)?, slice::<T>(s2, l2, name)?);
            match *self {
                LinearBwd::Input(keras) => {
                    // other: W [out, in] or K [in, out]; c = in.
                    let (i, strides) = if keras { (r, (1, c)) } else { (c, (c, 1)) };
                    if (keras && c != o) || (!keras && r != o) {
                        bail!(
                            "linear backward: weight {:?} for gradient {:?}",
                            l2.dims(),
                            l1.dims()
                        );
                    }
                    let mut dx = vec![T::from_f64(0.0); n * i];
                    // rhs W [out × in]: PyTorch row-major; Keras element (l, j) = k[j·out + l].
                    gemm((n, i, o), &mut dx, false, dy, (o, 1), other, strides)?;
                    Ok((T::to_cpu_storage_owned(dx), Shape::from((n, i))))
                }
                LinearBwd::Weight(keras) => {
                    if r != n {
                        bail!(
                            "linear backward: input {:?} for gradient {:?}",
                            l2.dims(),
                            l1.dims()
                        );
                    }
                    let mut dw = vec![T::from_f64(0.0); o * c];
                    if keras {
                        // dK [in × out] = Xᵀ · dY: lhs element (j, l) = x[l·in + j].
                        gemm((c, o, n), &mut dw, false, other, (1, c), dy, (o, 1))?;
                        Ok((T::to_cpu_storage_owned(dw), Shape::from((c, o))))
                    } else {
                        // lhs dYᵀ [out × n]: element (j, l) = dy[l·out + j].
                        gemm((o, c, n), &mut dw, false, dy, (1, o), other, (c, 1))?;
                        Ok((T::to_cpu_storage_owned(dw), Shape::from((o, c))))
                    }
                }
            }
        })
    }
}

impl CustomOp1 for LinearBiasGrad {
    fn name(&self) -> &'static str {
        "kit-linear-bias-grad"
    }

    fn cpu_fwd(&self, s: &CpuStorage, l: &Layout) -> Result<(CpuStorage, Shape)> {
        let &[_, o] = l.dims() else {
            bail!(
                "linear bias gradient: expected [n, out], got {:?}",
                l.dims()
            );
        };
        by_dtype!(s, "kit-linear-bias-grad", |T| {
            let dy = slice::<T>(s, l, "kit-linear-bias-grad")?;
            let mut db = vec![T::from_f64(0.0); o];
            for row in dy.chunks(o) {
                for (a, &v) in db.iter_mut().zip(row) {
                    *a += v;
                }
            }
            Ok((T::to_cpu_storage_owned(db), Shape::from(o)))
        })
    }
}

/// Pooling kind (PyTorch `nn.MaxPool2d` / `nn.AvgPool2d`, `ceil_mode = False`).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(crate) enum PoolKind {
    /// Maximum over the window; padding counts as −∞; NaN propagates; the gradient goes to the
    /// first maximum in row-major window order (PyTorch's CPU kernel).
    Max,
    /// Mean over the window with `count_include_pad = True` (padding counts as 0 in the sum
    /// and in the divisor kh·kw).
    Avg,
}

/// 2-D pooling `x` [n, c, h, w] → [n, c, oh, ow].
pub(crate) struct Pool2dOp {
    pub kind: PoolKind,
    pub kernel: (usize, usize),
    pub stride: (usize, usize),
    pub padding: (usize, usize),
}

impl Pool2dOp {
    fn geom(&self, dims: &[usize]) -> Result<Geom> {
        let Ok([n, c, h, w]) = <[usize; 4]>::try_from(dims) else {
            bail!("pool2d: expected [n, c, h, w], got {dims:?}");
        };
        let (kh, kw) = self.kernel;
        if 2 * self.padding.0 > kh || 2 * self.padding.1 > kw {
            bail!(
                "pool2d: padding {:?} must be at most half the kernel {:?}",
                self.padding,
                self.kernel
            );
        }
        Geom::new(
            "pool2d",
            (n, c, h, w),
            self.kernel,
            self.stride,
            self.padding,
        )
    }
}

/// For output row `oy` (or column), the input range `[lo, hi)` of the window, clipped to the
/// input.
fn window(o: usize, s: usize, p: usize, k: usize, len: usize) -> (usize, usize) {
    let start = o * s;
    let lo = start.saturating_sub(p);
    let hi = (start + k).saturating_sub(p).min(len);
    (lo.min(hi), hi)
}

/// Index (in the plane, row length `w`) of the maximum of the window rows `ys` × columns `xs`:
/// the first strictly greater value in row-major order, a NaN replacing the running maximum
/// (PyTorch's `val > max || isnan(val)`); `None` for an empty window.
#[inline]
fn argmax<T: WithDType>(
    plane: &[T],
    w: usize,
    (y0, y1): (usize, usize),
    (x0, x1): (usize, usize),
) -> Option<usize> {
    if y0 >= y1 || x0 >= x1 {
        return None;
    }
    let mut best = y0 * w + x0;
    let mut max = plane[best];
    for iy in y0..y1 {
        let row = iy * w;
        for (ix, &v) in plane[row + x0..row + x1].iter().enumerate() {
            #[allow(clippy::eq_op)]
            if v > max || v != v {
                max = v;
                best = row + x0 + ix;
            }
        }
    }
    Some(best)
}

/// The input windows of every output row and column: `(rows, columns)`, each `[lo, hi)`.
type Windows = (Vec<(usize, usize)>, Vec<(usize, usize)>);

fn windows(g: &Geom) -> Windows {
    (
        (0..g.oh)
            .map(|o| window(o, g.sh, g.ph, g.kh, g.h))
            .collect(),
        (0..g.ow)
            .map(|o| window(o, g.sw, g.pw, g.kw, g.w))
            .collect(),
    )
}

fn pool_fwd<T: WithDType>(op: &Pool2dOp, g: &Geom, x: &[T]) -> Vec<T> {
    let (p, hw) = (g.p(), g.hw());
    let mut y = vec![T::zero(); g.n * g.c * p];
    let div = T::from_f64((g.kh * g.kw) as f64);
    let neg_inf = T::from_f64(f64::NEG_INFINITY);
    let (ys, xs) = windows(g);
    for_each_chunk(&mut y, p, |plane_i, out| {
        let plane = &x[plane_i * hw..][..hw];
        for (row, &yw) in out.chunks_mut(g.ow).zip(&ys) {
            for (o, &xw) in row.iter_mut().zip(&xs) {
                *o = match op.kind {
                    PoolKind::Max => argmax(plane, g.w, yw, xw).map_or(neg_inf, |i| plane[i]),
                    PoolKind::Avg => {
                        let mut s = T::zero();
                        for iy in yw.0..yw.1 {
                            for &v in &plane[iy * g.w + xw.0..iy * g.w + xw.1] {
                                s += v;
                            }
                        }
                        s / div
                    }
                };
            }
        }
    });
    y
}

fn pool_bwd<T: WithDType>(op: &Pool2dOp, g: &Geom, x: &[T], dy: &[T]) -> Vec<T> {
    let (p, hw) = (g.p(), g.hw());
    let mut dx = vec![T::zero(); g.n * g.c * hw];
    let div = T::from_f64((g.kh * g.kw) as f64);
    let (ys, xs) = windows(g);
    for_each_chunk(&mut dx, hw, |plane_i, d| {
        let plane = &x[plane_i * hw..][..hw];
        let gy = &dy[plane_i * p..][..p];
        for (grow, &yw) in gy.chunks(g.ow).zip(&ys) {
            for (&gv, &xw) in grow.iter().zip(&xs) {
                match op.kind {
                    PoolKind::Max => {
                        if let Some(i) = argmax(plane, g.w, yw, xw) {
                            d[i] += gv;
                        }
                    }
                    PoolKind::Avg => {
                        let share = gv / div;
                        for iy in yw.0..yw.1 {
                            for v in &mut d[iy * g.w + xw.0..iy * g.w + xw.1] {
                                *v += share;
                            }
                        }
                    }
                }
            }
        }
    });
    dx
}

impl CustomOp1 for Pool2dOp {
    fn name(&self) -> &'static str {
        match self.kind {
            PoolKind::Max => "kit-maxpool2d",
            PoolKind::Avg => "kit-avgpool2d",
        }
    }

    fn cpu_fwd(&self, s: &CpuStorage, l: &Layout) -> Result<(CpuStorage, Shape)> {
        let g = self.geom(l.dims())?;
        let shape = Shape::from((g.n, g.c, g.oh, g.ow));
        by_dtype!(s, self.name(), |T| {
            let y = pool_fwd::<T>(self, &g, slice(s, l, self.name())?);
            Ok((T::to_cpu_storage_owned(y), shape))
        })
    }

    fn bwd(&self, x: &Tensor, _res: &Tensor, dy: &Tensor) -> Result<Option<Tensor>> {
        let dy = dy.contiguous()?;
        Ok(Some(x.apply_op2_no_bwd(
            &dy,
            &Pool2dBwd {
                kind: self.kind,
                kernel: self.kernel,
                stride: self.stride,
                padding: self.padding,
            },
        )?))
    }
}

/// Pooling backward from (`x`, `dy`).
struct Pool2dBwd {
    kind: PoolKind,
    kernel: (usize, usize),
    stride: (usize, usize),
    padding: (usize, usize),
}

impl CustomOp2 for Pool2dBwd {
    fn name(&self) -> &'static str {
        "kit-pool2d-bwd"
    }

    fn cpu_fwd(
        &self,
        s1: &CpuStorage,
        l1: &Layout,
        s2: &CpuStorage,
        l2: &Layout,
    ) -> Result<(CpuStorage, Shape)> {
        let op = Pool2dOp {
            kind: self.kind,
            kernel: self.kernel,
            stride: self.stride,
            padding: self.padding,
        };
        let g = op.geom(l1.dims())?;
        if l2.dims() != [g.n, g.c, g.oh, g.ow] {
            bail!(
                "pool2d backward: gradient shape {:?} does not match the output",
                l2.dims()
            );
        }
        by_dtype!(s1, self.name(), |T| {
            let dx = pool_bwd::<T>(
                &op,
                &g,
                slice(s1, l1, self.name())?,
                slice(s2, l2, self.name())?,
            );
            Ok((T::to_cpu_storage_owned(dx), l1.shape().clone()))
        })
    }
}

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
