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
