//! The fully connected kernel of [`crate::nn::Linear`] (PyTorch layout) and
//! [`crate::nn::Dense`] (Keras layout): one GEMM forward, one GEMM per gradient backward.

use super::*;

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
