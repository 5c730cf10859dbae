//! ReLU as one fused CPU op with TensorFlow's semantics (`tf.nn.relu` and its `ReluGrad`), for
//! models whose reference ran on TensorFlow (Keras `activation='relu'`).
//!
//! Forward: `y = max(x, 0)` elementwise, a NaN passing through (a diverged run stays visible).
//! Backward: TensorFlow's `ReluGrad`, `dx = dy · (x > 0)`: the gradient at exactly 0 is 0 (as in
//! TensorFlow and PyTorch; candle's `Tensor::relu` passes it, `x ≥ 0`), and a negative `dy` on
//! an inactive unit gives −0, as the product does.
//!
//! Why not candle's `Tensor::relu`: its backward builds the mask through `zeros_like`, `ge`,
//! `to_dtype` and a product (four passes and three temporaries over the activation); this is one
//! pass forward and one backward, which the compiler vectorises. On a non-CPU device [`relu`]
//! falls back to candle's op (with its gradient at 0).

use super::kernels::slice;
use crate::Result;
use candle_core::{bail, CpuStorage, CustomOp1, CustomOp2, Layout, Shape, Tensor};

/// Forward: `y = max(x, 0)`, NaN kept; any shape.
struct ReluOp;

/// `max(x, 0)` of one value, NaN kept (`x > 0` is false for NaN, so it is tested first).
#[inline(always)]
#[allow(clippy::eq_op)]
fn relu1<T: PartialOrd + Copy + Default>(x: T) -> T {
    if x > T::default() || x != x {
        x
    } else {
        T::default()
    }
}

impl CustomOp1 for ReluOp {
    fn name(&self) -> &'static str {
        "kit-relu"
    }

    fn cpu_fwd(&self, s: &CpuStorage, l: &Layout) -> candle_core::Result<(CpuStorage, Shape)> {
        let out = match s {
            CpuStorage::F32(_) => CpuStorage::F32(
                slice::<f32>(s, l, self.name())?
                    .iter()
                    .map(|&v| relu1(v))
                    .collect(),
            ),
            CpuStorage::F64(_) => CpuStorage::F64(
                slice::<f64>(s, l, self.name())?
                    .iter()
                    .map(|&v| relu1(v))
                    .collect(),
            ),
            _ => bail!("{}: f32 or f64 expected", self.name()),
        };
        Ok((out, l.shape().clone()))
    }

    fn bwd(&self, _x: &Tensor, y: &Tensor, dy: &Tensor) -> candle_core::Result<Option<Tensor>> {
        Ok(Some(y.apply_op2_no_bwd(&dy.contiguous()?, &ReluGradOp)?))
    }
}

/// Backward from (`y`, `dy`): `dx = dy · (y > 0)` (`y > 0` exactly where `x > 0`).
struct ReluGradOp;

impl CustomOp2 for ReluGradOp {
    fn name(&self) -> &'static str {
        "kit-relu-grad"
    }

    fn cpu_fwd(
        &self,
        ys: &CpuStorage,
        yl: &Layout,
        gs: &CpuStorage,
        gl: &Layout,
    ) -> candle_core::Result<(CpuStorage, Shape)> {
        if yl.shape() != gl.shape() {
            bail!(
                "{}: output {:?} and gradient {:?} differ in shape",
                self.name(),
                yl.dims(),
                gl.dims()
            );
        }
        let out = match (ys, gs) {
            (CpuStorage::F32(_), CpuStorage::F32(_)) => {
                let (y, g) = (
                    slice::<f32>(ys, yl, self.name())?,
                    slice::<f32>(gs, gl, self.name())?,
                );
                CpuStorage::F32(
                    y.iter()
                        .zip(g)
                        .map(|(&y, &g)| g * if y > 0.0 { 1.0 } else { 0.0 })
                        .collect(),
                )
            }
            (CpuStorage::F64(_), CpuStorage::F64(_)) => {
                let (y, g) = (
                    slice::<f64>(ys, yl, self.name())?,
                    slice::<f64>(gs, gl, self.name())?,
                );
                CpuStorage::F64(
                    y.iter()
                        .zip(g)
                        .map(|(&y, &g)| g * if y > 0.0 { 1.0 } else { 0.0 })
                        .collect(),
                )
            }
            _ => bail!("{}: f32 or f64 operands of one dtype expected", self.name()),
        };
        Ok((out, yl.shape().clone()))
    }
}

/// `max(x, 0)` elementwise, any shape (e.g. a convolution's output [batch, channels, h, w]),
/// differentiable with TensorFlow's gradient (`dy · (x > 0)`; module docs). On a non-CPU
/// device: candle's `Tensor::relu`. Errors: a dtype other than f32/f64 on the CPU.
pub fn relu(x: &Tensor) -> Result<Tensor> {
    if !x.device().is_cpu() {
        return Ok(x.relu()?);
    }
    Ok(x.contiguous()?.apply_op1(ReluOp)?)
}

#[cfg(test)]
mod tests {
    use super::*;
    use candle_core::{Device, Var};

    #[test]
    fn forward_is_max_with_zero_and_keeps_nan() {
        let d = Device::Cpu;
        let x = Tensor::new(&[[-3.0f32, -0.0, 0.0], [0.25, f32::NAN, 12.0]], &d).unwrap();
        let y: Vec<f32> = relu(&x).unwrap().flatten_all().unwrap().to_vec1().unwrap();
        assert_eq!(&y[..4], &[0.0, 0.0, 0.0, 0.25]);
        assert!(y[4].is_nan());
        assert_eq!(y[5], 12.0);
        // Non-contiguous input: the transposed result.
        let yt: Vec<f32> = relu(&x.t().unwrap())
            .unwrap()
            .t()
            .unwrap()
            .flatten_all()
            .unwrap()
            .to_vec1()
            .unwrap();
        assert_eq!(yt[5], 12.0);
        assert_eq!(yt[3], 0.25);
    }

    #[test]
    fn gradient_is_tensorflows_relu_grad_and_matches_finite_differences() {
        let d = Device::Cpu;
        let xs = [-2.5f64, -0.7, 0.0, 0.3, 1.1, 4.0];
        let w = [0.5f64, -1.0, 2.0, 1.5, -0.25, 3.0];
        let x = Var::new(&xs[..], &d).unwrap();
        let loss = relu(x.as_tensor())
            .unwrap()
            .mul(&Tensor::new(&w[..], &d).unwrap())
            .unwrap()
            .sum_all()
            .unwrap();
        let g: Vec<f64> = loss.backward().unwrap().get(&x).unwrap().to_vec1().unwrap();
        for (i, &xi) in xs.iter().enumerate() {
            if xi == 0.0 {
                assert_eq!(g[i], 0.0, "the gradient at 0 is 0, as TensorFlow's");
                continue;
            }
            let h = 1e-6;
            let fd = ((xi + h).max(0.0) - (xi - h).max(0.0)) / (2.0 * h) * w[i];
            assert!((g[i] - fd).abs() < 1e-8, "x = {xi}: {} vs {fd}", g[i]);
        }
        // Away from 0 the gradient equals candle's relu's, bit for bit.
        let x32 = Var::new(&[0.8f32, -1.7, 3.0], &d).unwrap();
        let dy = Tensor::new(&[0.3f32, -0.9, 1.25], &d).unwrap();
        let ours = relu(x32.as_tensor())
            .unwrap()
            .mul(&dy)
            .unwrap()
            .sum_all()
            .unwrap();
        let theirs = x32
            .as_tensor()
            .relu()
            .unwrap()
            .mul(&dy)
            .unwrap()
            .sum_all()
            .unwrap();
        let a: Vec<f32> = ours
            .backward()
            .unwrap()
            .get(&x32)
            .unwrap()
            .to_vec1()
            .unwrap();
        let b: Vec<f32> = theirs
            .backward()
            .unwrap()
            .get(&x32)
            .unwrap()
            .to_vec1()
            .unwrap();
        assert_eq!(a, b);
    }
}
