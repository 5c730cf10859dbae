//! Keras' `Dense` layer (kernel in Keras' [in, out] layout).

use crate::Result;
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

impl Dense {
    /// `x` [batch, in] → [batch, out].
    pub fn forward(&self, x: &Tensor) -> Result<Tensor> {
        Ok(x.matmul(self.kernel.as_tensor())?
            .broadcast_add(self.bias.as_tensor())?)
    }

    /// Kernel then bias (Keras' `trainable_weights` order).
    pub fn vars(&self) -> Vec<Var> {
        vec![self.kernel.clone(), self.bias.clone()]
    }

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
}
