//! Adam (Kingma & Ba 2015) with PyTorch semantics.

use crate::Result;
use candle_core::{backprop::GradStore, Tensor, Var};
use candle_nn::{AdamW, Optimizer, ParamsAdamW};

/// Adam (Kingma & Ba 2015) with PyTorch's defaults β = (0.9, 0.999), ε = 1e-8 and **no** weight
/// decay unless asked for: `torch.optim.Adam(lr)`. Wraps candle-nn's `AdamW` with
/// `weight_decay = 0` (candle-nn's default is 0.01, which would silently change the protocol).
pub struct Adam {
    inner: AdamW,
}

impl Adam {
    /// Adam over `vars` with learning rate `lr` and decoupled weight decay `weight_decay`
    /// (0 for plain Adam).
    pub fn new(vars: Vec<Var>, lr: f64, weight_decay: f64) -> Result<Self> {
        let params = ParamsAdamW {
            lr,
            beta1: 0.9,
            beta2: 0.999,
            eps: 1e-8,
            weight_decay,
        };
        Ok(Self {
            inner: AdamW::new(vars, params)?,
        })
    }

    /// One optimiser step from the gradients of `loss` (backward + update).
    pub fn backward_step(&mut self, loss: &Tensor) -> Result<()> {
        Ok(self.inner.backward_step(loss)?)
    }

    /// One optimiser step from precomputed gradients.
    pub fn step(&mut self, grads: &GradStore) -> Result<()> {
        Ok(self.inner.step(grads)?)
    }
}

impl Optimizer for Adam {
    type Config = ParamsAdamW;

    fn new(vars: Vec<Var>, config: ParamsAdamW) -> candle_core::Result<Self> {
        Ok(Self {
            inner: AdamW::new(vars, config)?,
        })
    }

    fn step(&mut self, grads: &GradStore) -> candle_core::Result<()> {
        self.inner.step(grads)
    }

    fn learning_rate(&self) -> f64 {
        self.inner.learning_rate()
    }

    fn set_learning_rate(&mut self, lr: f64) {
        self.inner.set_learning_rate(lr)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn adam_reduces_a_quadratic() {
        let d = candle_core::Device::Cpu;
        let x = Var::new(&[3.0f32, -2.0], &d).unwrap();
        let mut opt = Adam::new(vec![x.clone()], 0.1, 0.0).unwrap();
        for _ in 0..200 {
            let loss = x.as_tensor().sqr().unwrap().sum_all().unwrap();
            opt.backward_step(&loss).unwrap();
        }
        let v: Vec<f32> = x.as_tensor().to_vec1().unwrap();
        assert!(v.iter().all(|a| a.abs() < 0.05), "{v:?}");
    }
}
