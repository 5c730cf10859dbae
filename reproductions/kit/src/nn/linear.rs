//! Fully connected layer (PyTorch `nn.Linear` layout).

use crate::init;
use crate::rng::Rng;
use crate::Result;
use candle_core::{Device, Module, Tensor, Var};

/// Fully connected layer `y = x Wᵀ + b` with `W` [out, in] and `b` [out] (PyTorch `nn.Linear`).
#[derive(Debug, Clone)]
pub struct Linear {
    /// Weight, shape [out, in].
    pub weight: Var,
    /// Bias, shape [out].
    pub bias: Var,
}

impl Linear {
    /// A layer initialised like PyTorch's `nn.Linear` (U(±1/√in) for weight and bias).
    pub fn torch_default(rng: &mut Rng, inp: usize, out: usize, device: &Device) -> Result<Self> {
        let weight = init::torch_default_weight(rng, &[out, inp], inp, device)?;
        let bias = init::torch_default_bias(rng, out, inp, device)?;
        Ok(Self { weight, bias })
    }

    /// A layer initialised like Keras `Dense(kernel_initializer="he_normal")`, zero bias.
    pub fn he_normal(rng: &mut Rng, inp: usize, out: usize, device: &Device) -> Result<Self> {
        let weight = init::he_normal(rng, &[out, inp], inp, device)?;
        let bias = init::zeros(&[out], device)?;
        Ok(Self { weight, bias })
    }

    /// The trainable parameters, weight first.
    pub fn vars(&self) -> Vec<Var> {
        vec![self.weight.clone(), self.bias.clone()]
    }

    /// Number of scalar parameters (out·in + out).
    pub fn parameter_count(&self) -> usize {
        self.weight.elem_count() + self.bias.elem_count()
    }
}

impl Module for Linear {
    /// `x` [batch, in] → [batch, out].
    fn forward(&self, x: &Tensor) -> candle_core::Result<Tensor> {
        x.matmul(&self.weight.t()?)?.broadcast_add(&self.bias)
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::rng::stream;

    #[test]
    fn linear_matches_manual_product() {
        let d = Device::Cpu;
        let l = Linear::torch_default(&mut stream(0, "t"), 3, 2, &d).unwrap();
        let x = Tensor::new(&[[1f32, 2., 3.]], &d).unwrap();
        let y: Vec<f32> = l
            .forward(&x)
            .unwrap()
            .flatten_all()
            .unwrap()
            .to_vec1()
            .unwrap();
        let w: Vec<Vec<f32>> = l.weight.as_tensor().to_vec2().unwrap();
        let b: Vec<f32> = l.bias.as_tensor().to_vec1().unwrap();
        for o in 0..2 {
            let want = w[o][0] + 2.0 * w[o][1] + 3.0 * w[o][2] + b[o];
            assert!((y[o] - want).abs() < 1e-6);
        }
        assert_eq!(l.parameter_count(), 8);
    }
}
