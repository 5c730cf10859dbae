//! Keras' `Dense` layer (kernel in Keras' [in, out] layout).

use super::linear::affine;
use super::{Layer, Parameters};
use crate::{KitError, Result};
use candle_core::{Tensor, Var};

/// A Keras `Dense` layer without its activation: `y = x · kernel + bias`, kernel [in, out] (the
/// Keras layout, so that neither the product nor its gradients need a transpose), bias [out]
/// (Keras 2 `keras/layers/core.py::Dense.call`: `K.dot(inputs, kernel)` then `K.bias_add`).
/// For PyTorch's [out, in] layout use [`crate::nn::Linear`].
#[derive(Debug, Clone)]
pub struct Dense {
    /// Kernel, shape [in, out].
    pub kernel: Var,
    /// Bias, shape [out].
    pub bias: Var,
}

impl Layer for Dense {
    /// `x` [batch, in] → [batch, out]. F32/F64 on the CPU run the kit's GEMM kernel with an
    /// explicit backward (`nn::kernels::LinearOp` in Keras layout: `dX = dY Kᵀ`,
    /// `dK = Xᵀ dY`); other devices/dtypes use candle's `matmul` + `broadcast_add`. Errors if
    /// `x` is not [batch, in].
    fn forward(&self, x: &Tensor) -> Result<Tensor> {
        let (i, _) = self.kernel.dims2()?;
        if x.rank() != 2 || x.dims()[1] != i {
            let batch = x.dims().first().copied().unwrap_or(0);
            return Err(KitError::shape("dense input", &[batch, i], x.dims()));
        }
        affine(x, &self.kernel, &self.bias, true)
    }
}

impl Parameters for Dense {
    /// Kernel then bias (Keras' `trainable_weights` order).
    fn vars(&self) -> Vec<Var> {
        vec![self.kernel.clone(), self.bias.clone()]
    }
}

impl Dense {
    /// Output units.
    pub fn units(&self) -> usize {
        self.bias.dims()[0]
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use candle_core::Device;

    #[test]
    fn dense_is_x_times_kernel_plus_bias() {
        let d = Device::Cpu;
        let layer = Dense {
            kernel: Var::new(&[[1f32, 2.0], [3.0, 4.0], [5.0, 6.0]], &d).unwrap(),
            bias: Var::new(&[0.5f32, -1.0], &d).unwrap(),
        };
        let x = Tensor::new(&[[1f32, 0.0, -1.0]], &d).unwrap();
        let y: Vec<Vec<f32>> = layer.forward(&x).unwrap().to_vec2().unwrap();
        assert_eq!(y, vec![vec![1.0 - 5.0 + 0.5, 2.0 - 6.0 - 1.0]]);
        assert_eq!(layer.units(), 2);
    }

    /// Gradients of the Keras-layout kernel against finite differences (F64 and F32).
    #[test]
    fn dense_gradients_match_finite_differences() {
        use crate::nn::gradcheck;
        use candle_core::DType;
        for dtype in [DType::F64, DType::F32] {
            let (eps, tol) = if dtype == DType::F64 {
                (1e-6, 1e-6)
            } else {
                (1e-2, 2e-3)
            };
            let layer = Dense {
                kernel: gradcheck::var(1, &[6, 4], dtype),
                bias: gradcheck::var(2, &[4], dtype),
            };
            let x = gradcheck::var(3, &[5, 6], dtype);
            let loss = || {
                let y = layer.forward(x.as_tensor()).unwrap();
                if dtype == DType::F64 {
                    gradcheck::squared(&y)
                } else {
                    gradcheck::weighted_sum(&y)
                }
            };
            gradcheck::check(
                &loss,
                &[
                    ("input", &x),
                    ("kernel", &layer.kernel),
                    ("bias", &layer.bias),
                ],
                eps,
                tol,
            );
        }
    }
}
