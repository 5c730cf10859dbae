//! TensorFlow's CPU `tanh` for float32, as Keras models on the TensorFlow backend computed it
//! (used by `xiao2017-fashion-mnist`).
//!
//! The reference (Keras 2 on the TensorFlow 1.x backend, 2017) evaluates `Activation('tanh')` as
//! `tf.tanh`, whose CPU kernel is Eigen's `scalar_tanh_op<float>`. With Eigen 3.3's default
//! `EIGEN_FAST_MATH`, that op is not the C library's `tanhf` but Eigen's
//! `internal::generic_fast_tanh_float` (`Eigen/src/Core/MathFunctionsImpl.h`): the input is
//! clamped to [−9, 9] and `tanh(x) ≈ x·P(x²)/Q(x²)`, a 13/6-degree rational interpolant
//! "accurate up to a couple of ulp in the range [−9, 9]", both polynomials evaluated by Horner's
//! rule with separate multiply and add (`pmadd` without FMA, as in the AVX builds of that era).
//! Its gradient is TensorFlow's `TanhGrad`: `dx = dy · (1 − y·y)` with `y` the forward output
//! (Eigen `scalar_tanh_gradient_op`).
//!
//! Why not candle's `Tensor::tanh`: it calls `tanhf` one element at a time (about 15 % of a
//! training step in a profile of the 256-128-100 MLP) and its backward builds `1 − y²` through
//! four temporaries. This op is one pass over contiguous storage that the compiler vectorises,
//! and it is closer to the reference: `tanhf` and Eigen differ in the last bits. Float64 inputs
//! use `f64::tanh` (Eigen 3.3 has no fast path for double). On a non-CPU device [`tanh`] falls
//! back to candle's op.

use super::kernels::slice;
use crate::Result;
use candle_core::{bail, CpuStorage, CustomOp1, CustomOp2, Layout, Shape, Tensor};

/// Eigen 3.3 `generic_fast_tanh_float` numerator coefficients α₁, α₃, …, α₁₃ (odd powers).
const ALPHA: [f32; 7] = [
    4.893_524_6e-3,
    6.372_619_3e-4,
    1.485_722_4e-5,
    5.122_297e-8,
    -8.604_672e-11,
    2.000_188e-13,
    -2.760_768_5e-16,
];

/// Eigen 3.3 `generic_fast_tanh_float` denominator coefficients β₀, β₂, β₄, β₆ (even powers).
const BETA: [f32; 4] = [4.893_525e-3, 2.268_434_6e-3, 1.185_347e-4, 1.198_258_4e-6];

/// Eigen's float `tanh` of one value: clamp to [−9, 9], then `x·P(x²) / Q(x²)` by Horner's
/// rule, each step a multiply then an add (two roundings, as `pmadd` without FMA). A NaN input
/// passes the clamp unchanged and gives NaN (a diverged run stays visible).
#[inline]
pub fn eigen_tanh_f32(a: f32) -> f32 {
    let x = a.clamp(-9.0, 9.0);
    let x2 = x * x;
    let mut p = x2 * ALPHA[6] + ALPHA[5];
    p = x2 * p + ALPHA[4];
    p = x2 * p + ALPHA[3];
    p = x2 * p + ALPHA[2];
    p = x2 * p + ALPHA[1];
    p = x2 * p + ALPHA[0];
    p *= x;
    let mut q = x2 * BETA[3] + BETA[2];
    q = x2 * q + BETA[1];
    q = x2 * q + BETA[0];
    p / q
}

/// Forward: `y = tanh(x)` elementwise (Eigen float / `f64::tanh`), any shape.
struct TanhOp;

impl CustomOp1 for TanhOp {
    fn name(&self) -> &'static str {
        "kit-eigen-tanh"
    }

    fn cpu_fwd(&self, s: &CpuStorage, l: &Layout) -> candle_core::Result<(CpuStorage, Shape)> {
        let out = match s {
            CpuStorage::F32(_) => CpuStorage::F32(
                slice::<f32>(s, l, self.name())?
                    .iter()
                    .map(|&v| eigen_tanh_f32(v))
                    .collect(),
            ),
            CpuStorage::F64(_) => CpuStorage::F64(
                slice::<f64>(s, l, self.name())?
                    .iter()
                    .map(|v| v.tanh())
                    .collect(),
            ),
            _ => bail!("{}: only f32 and f64 are supported", self.name()),
        };
        Ok((out, l.shape().clone()))
    }

    fn bwd(&self, _x: &Tensor, y: &Tensor, dy: &Tensor) -> candle_core::Result<Option<Tensor>> {
        Ok(Some(y.apply_op2_no_bwd(&dy.contiguous()?, &TanhGrad)?))
    }
}

/// Backward: `dx = dy · (1 − y·y)` (TensorFlow `TanhGrad`), `y` and `dy` of one shape.
struct TanhGrad;

impl CustomOp2 for TanhGrad {
    fn name(&self) -> &'static str {
        "kit-eigen-tanh-grad"
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
                CpuStorage::F32(y.iter().zip(g).map(|(&y, &g)| g * (1.0 - y * y)).collect())
            }
            (CpuStorage::F64(_), CpuStorage::F64(_)) => {
                let (y, g) = (
                    slice::<f64>(ys, yl, self.name())?,
                    slice::<f64>(gs, gl, self.name())?,
                );
                CpuStorage::F64(y.iter().zip(g).map(|(&y, &g)| g * (1.0 - y * y)).collect())
            }
            _ => bail!("{}: f32 or f64 operands of one dtype expected", self.name()),
        };
        Ok((out, yl.shape().clone()))
    }
}

/// `tanh(x)` elementwise, any shape (e.g. a hidden layer's pre-activation [batch, width]), as
/// TensorFlow's CPU kernel computes it (module docs), differentiable (TensorFlow's `TanhGrad`).
/// On a non-CPU device: candle's `Tensor::tanh`. Errors: a dtype other than f32/f64 on the CPU.
pub fn tanh(x: &Tensor) -> Result<Tensor> {
    if !x.device().is_cpu() {
        return Ok(x.tanh()?);
    }
    Ok(x.contiguous()?.apply_op1(TanhOp)?)
}

#[cfg(test)]
mod tests {
    use super::*;
    use candle_core::{Device, Var};

    #[test]
    fn eigen_tanh_is_within_a_few_ulp_of_tanh() {
        // The interpolant's documented accuracy: a couple of ulp on [−9, 9]; exactly ±1 beyond.
        let mut worst = 0.0f64;
        for i in -90_000..=90_000 {
            let x = i as f32 * 1e-4;
            let e = f64::from(eigen_tanh_f32(x));
            let t = f64::from(x).tanh();
            let ulp = f64::from(f32::EPSILON) * t.abs().max(f64::from(f32::MIN_POSITIVE));
            worst = worst.max((e - t).abs() / ulp);
        }
        assert!(worst < 4.0, "worst error {worst} ulp");
        assert_eq!(eigen_tanh_f32(20.0), eigen_tanh_f32(9.0));
        assert!((eigen_tanh_f32(9.0) - 1.0).abs() <= f32::EPSILON);
        assert_eq!(eigen_tanh_f32(0.0), 0.0);
        assert_eq!(eigen_tanh_f32(-0.3), -eigen_tanh_f32(0.3));
        assert!(eigen_tanh_f32(f32::NAN).is_nan());
    }

    #[test]
    fn forward_matches_the_scalar_and_keeps_the_shape() {
        let d = Device::Cpu;
        let x = Tensor::new(&[[-3.0f32, -0.5, 0.0], [0.25, 1.5, 12.0]], &d).unwrap();
        let y = tanh(&x).unwrap();
        assert_eq!(y.dims(), &[2, 3]);
        let got: Vec<f32> = y.flatten_all().unwrap().to_vec1().unwrap();
        let want: Vec<f32> = [-3.0f32, -0.5, 0.0, 0.25, 1.5, 12.0]
            .iter()
            .map(|&v| eigen_tanh_f32(v))
            .collect();
        assert_eq!(got, want);
        // A non-contiguous input (a transpose) gives the transposed result.
        let yt: Vec<f32> = tanh(&x.t().unwrap())
            .unwrap()
            .t()
            .unwrap()
            .flatten_all()
            .unwrap()
            .to_vec1()
            .unwrap();
        assert_eq!(yt, want);
    }

    #[test]
    fn gradient_is_one_minus_y_squared_and_matches_finite_differences() {
        let d = Device::Cpu;
        let xs = [-2.5f64, -0.7, 0.0, 0.3, 1.1, 4.0];
        let x = Var::new(&xs[..], &d).unwrap();
        let w = Tensor::new(&[0.5f64, -1.0, 2.0, 1.5, -0.25, 3.0], &d).unwrap();
        let loss = tanh(x.as_tensor())
            .unwrap()
            .mul(&w)
            .unwrap()
            .sum_all()
            .unwrap();
        let g: Vec<f64> = loss.backward().unwrap().get(&x).unwrap().to_vec1().unwrap();
        let wv: Vec<f64> = w.to_vec1().unwrap();
        for (i, &xi) in xs.iter().enumerate() {
            let h = 1e-6;
            let fd = ((xi + h).tanh() - (xi - h).tanh()) / (2.0 * h) * wv[i];
            assert!((g[i] - fd).abs() < 1e-8, "x = {xi}: {} vs {fd}", g[i]);
        }
        // f32: the gradient is exactly dy·(1 − y·y) with y the op's own output.
        let x32 = Var::new(&[0.8f32, -1.7], &d).unwrap();
        let y = tanh(x32.as_tensor()).unwrap();
        let g32: Vec<f32> = y
            .sum_all()
            .unwrap()
            .backward()
            .unwrap()
            .get(&x32)
            .unwrap()
            .to_vec1()
            .unwrap();
        let yv: Vec<f32> = y.to_vec1().unwrap();
        assert_eq!(g32, vec![1.0 - yv[0] * yv[0], 1.0 - yv[1] * yv[1]]);
    }
}
