//! The 2-D max and average pooling kernels with their backward passes.

use super::*;

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

/// Whether `op` is the common 2×2 max pooling with stride 2 and no padding, which
/// [`max2x2_fwd`] and [`max2x2_bwd`] compute without the generic window loops.
fn is_max2x2(op: &Pool2dOp) -> bool {
    op.kind == PoolKind::Max && op.kernel == (2, 2) && op.stride == (2, 2) && op.padding == (0, 0)
}

/// Position (0..4, row-major) and value of the maximum of the 2×2 window `a b / c d`, with
/// [`argmax`]'s rule (the first strictly greater value; a NaN replaces the running maximum).
#[inline(always)]
#[allow(clippy::eq_op)]
fn max4<T: WithDType>(a: T, b: T, c: T, d: T) -> (usize, T) {
    let (mut best, mut max) = (0usize, a);
    for (i, v) in [(1usize, b), (2, c), (3, d)] {
        if v > max || v != v {
            (best, max) = (i, v);
        }
    }
    (best, max)
}

/// The input rows `2·oy`, `2·oy + 1` of a plane (row length `w`).
#[inline(always)]
fn row_pair<T>(plane: &[T], w: usize, oy: usize) -> (&[T], &[T]) {
    let (r0, rest) = plane[2 * oy * w..].split_at(w);
    (r0, &rest[..w])
}

/// 2×2/2 max pooling forward, bitwise equal to the generic path (same comparisons, same order).
fn max2x2_fwd<T: WithDType>(g: &Geom, x: &[T]) -> Vec<T> {
    let (p, hw) = (g.p(), g.hw());
    let mut y = vec![T::zero(); g.n * g.c * p];
    for_each_chunk(&mut y, p, |plane_i, out| {
        let plane = &x[plane_i * hw..][..hw];
        for (oy, row) in out.chunks_mut(g.ow).enumerate() {
            let (r0, r1) = row_pair(plane, g.w, oy);
            for (ox, o) in row.iter_mut().enumerate() {
                let j = 2 * ox;
                *o = max4(r0[j], r0[j + 1], r1[j], r1[j + 1]).1;
            }
        }
    });
    y
}

/// 2×2/2 max pooling backward from the input `x`, the forward's output `y` and `dy`: each
/// output's gradient goes to its window's maximum (the windows do not overlap), bitwise equal
/// to the generic path (the chosen element gets `0 + dy`, as the generic `+=` onto zeros, the
/// others +0). Without a NaN the maximum [`max4`] picks is the first element of the window
/// equal to the forward's output `m` (an earlier element is strictly smaller: ±0 compare equal
/// and the first of them is kept), so a plane without NaN is routed by equality compares with
/// no data-dependent branch; a plane whose output has a NaN or whose gradient is not finite
/// (where `v·0` would not be 0) takes the generic window scan. (Recomputing the maximum from `x`
/// with branches ran 10× slower than the forward.)
fn max2x2_bwd<T: WithDType>(g: &Geom, x: &[T], y: &[T], dy: &[T]) -> Vec<T> {
    let (p, hw) = (g.p(), g.hw());
    let mut dx = vec![T::zero(); g.n * g.c * hw];
    let op = Pool2dOp {
        kind: PoolKind::Max,
        kernel: (2, 2),
        stride: (2, 2),
        padding: (0, 0),
    };
    let one_plane = Geom { n: 1, c: 1, ..*g };
    for_each_chunk(&mut dx, hw, |plane_i, d| {
        let plane = &x[plane_i * hw..][..hw];
        let (ym, gy) = (&y[plane_i * p..][..p], &dy[plane_i * p..][..p]);
        #[allow(clippy::eq_op)]
        if ym.iter().any(|&m| m != m) || gy.iter().any(|&v| (v - v) != (v - v)) {
            d.copy_from_slice(&pool_bwd_generic(&op, &one_plane, plane, gy));
            return;
        }
        for (oy, (mrow, grow)) in ym.chunks(g.ow).zip(gy.chunks(g.ow)).enumerate() {
            let (r0, r1) = row_pair(plane, g.w, oy);
            let (d0, rest) = d[2 * oy * g.w..].split_at_mut(g.w);
            let d1 = &mut rest[..g.w];
            route_row(r0, r1, mrow, grow, d0, d1);
        }
    });
    dx
}

/// One output row of [`max2x2_bwd`] (no NaN): input rows `r0`, `r1`, outputs `m`, gradients
/// `gy`, gradient rows `d0`, `d1` (fully written over the windows).
#[inline(always)]
fn route_row<T: WithDType>(r0: &[T], r1: &[T], m: &[T], gy: &[T], d0: &mut [T], d1: &mut [T]) {
    let z = T::zero();
    let windows = r0.chunks_exact(2).zip(r1.chunks_exact(2));
    let grads = d0.chunks_exact_mut(2).zip(d1.chunks_exact_mut(2));
    for (((top, bottom), (&m, &gv)), (g0, g1)) in windows.zip(m.iter().zip(gy)).zip(grads) {
        let v = z + gv;
        let ea = top[0] == m;
        let eb = !ea & (top[1] == m);
        let ec = !(ea | eb) & (bottom[0] == m);
        let ed = !(ea | eb | ec);
        // `z + v·[pick]`: v where picked, +0 elsewhere (v·0 may be −0; +0 + −0 = +0), without a
        // branch (a select compiles to one, and the pick is data-dependent).
        let pick = |b: bool| z + v * T::from_f64(f64::from(u8::from(b)));
        g0[0] = pick(ea);
        g0[1] = pick(eb);
        g1[0] = pick(ec);
        g1[1] = pick(ed);
    }
}

fn pool_fwd<T: WithDType>(op: &Pool2dOp, g: &Geom, x: &[T]) -> Vec<T> {
    if is_max2x2(op) {
        max2x2_fwd(g, x)
    } else {
        pool_fwd_generic(op, g, x)
    }
}

/// Any window, stride and padding: the window of every output scanned in row-major order.
fn pool_fwd_generic<T: WithDType>(op: &Pool2dOp, g: &Geom, x: &[T]) -> Vec<T> {
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

/// Any window, stride and padding (the adjoint of [`pool_fwd_generic`]).
fn pool_bwd_generic<T: WithDType>(op: &Pool2dOp, g: &Geom, x: &[T], dy: &[T]) -> Vec<T> {
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

    fn bwd(&self, x: &Tensor, res: &Tensor, dy: &Tensor) -> Result<Option<Tensor>> {
        let dy = dy.contiguous()?;
        if is_max2x2(self) {
            return Ok(Some(x.apply_op3_no_bwd(
                &res.contiguous()?,
                &dy,
                &MaxPool2x2Bwd,
            )?));
        }
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

/// 2×2/2 max pooling backward from (`x`, `y`, `dy`): [`max2x2_bwd`].
struct MaxPool2x2Bwd;

impl CustomOp3 for MaxPool2x2Bwd {
    fn name(&self) -> &'static str {
        "kit-maxpool2x2-bwd"
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
        let op = Pool2dOp {
            kind: PoolKind::Max,
            kernel: (2, 2),
            stride: (2, 2),
            padding: (0, 0),
        };
        let g = op.geom(l1.dims())?;
        let out = [g.n, g.c, g.oh, g.ow];
        if l2.dims() != out || l3.dims() != out {
            bail!(
                "maxpool2d backward: output {:?} or gradient {:?} does not match {out:?}",
                l2.dims(),
                l3.dims()
            );
        }
        by_dtype!(s1, self.name(), |T| {
            let dx = max2x2_bwd::<T>(
                &g,
                slice(s1, l1, self.name())?,
                slice(s2, l2, self.name())?,
                slice(s3, l3, self.name())?,
            );
            Ok((T::to_cpu_storage_owned(dx), l1.shape().clone()))
        })
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
            let dx = pool_bwd_generic::<T>(
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
    use rand::RngExt as _;

    /// The 2×2/2 fast path equals the generic window loop bit for bit, forward and backward,
    /// on odd sizes (a dropped last row and column), ties, ±0, with and without NaNs.
    #[test]
    fn max2x2_fast_path_equals_the_generic_path() {
        let op = Pool2dOp {
            kind: PoolKind::Max,
            kernel: (2, 2),
            stride: (2, 2),
            padding: (0, 0),
        };
        let mut rng = crate::rng::stream(7, "pool");
        // Without NaNs (the equality routing) and with them (planes with a NaN output take the
        // generic scan).
        let cases = [(2, 3, 11, 11), (1, 2, 8, 6), (3, 1, 5, 4)];
        for ((n, c, h, w), first) in cases.iter().flat_map(|&s| [(s, 1), (s, 0)]) {
            let g = op.geom(&[n, c, h, w]).unwrap();
            let x: Vec<f32> = (0..n * c * h * w)
                .map(|_| match rng.random_range(first..10) {
                    0 => f32::NAN,
                    1 => 0.0,
                    2 => -0.0,
                    3 => 1.0,
                    _ => rng.random_range(-2.0f32..2.0),
                })
                .collect();
            let dy: Vec<f32> = (0..n * c * g.p())
                .map(|_| rng.random_range(-1.0f32..1.0))
                .collect();
            let bits = |v: &[f32]| v.iter().map(|f| f.to_bits()).collect::<Vec<_>>();
            assert_eq!(
                bits(&max2x2_fwd(&g, &x)),
                bits(&pool_fwd_generic(&op, &g, &x))
            );
            let y = max2x2_fwd(&g, &x);
            assert_eq!(
                bits(&max2x2_bwd(&g, &x, &y, &dy)),
                bits(&pool_bwd_generic(&op, &g, &x, &dy))
            );
        }
    }
}
