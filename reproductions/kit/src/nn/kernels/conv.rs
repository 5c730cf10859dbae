//! The 2-D convolution kernel (1-D is the case `h = kh = 1`): im2col + GEMM forward, explicit
//! backward for input, weight and bias (module docs of [`super`]).

use super::*;

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
                if g.sw == 1 {
                    // Contiguous: the same additions, in a loop the compiler vectorises.
                    for (v, &gv) in d[x0..x0 + (xhi - xlo)].iter_mut().zip(&sr[xlo..xhi]) {
                        *v += gv;
                    }
                } else {
                    for (v, &gv) in d[x0..].iter_mut().step_by(g.sw).zip(&sr[xlo..xhi]) {
                        *v += gv;
                    }
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
