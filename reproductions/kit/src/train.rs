//! Training-loop pieces: batches, the Adam optimiser, divergence checks, timing.

use crate::Result;
use candle_core::{backprop::GradStore, Tensor, Var};
use candle_nn::{AdamW, Optimizer, ParamsAdamW};

/// The `[start, end)` row range of batch `step` when batches are taken **in order** from a
/// training set of `n` rows with wrap-around, as the MNIST-1D reference code does
/// (`bix = (step·batch) mod n; x[bix : bix+batch]`). Like Python slicing, the last batch before
/// the wrap may be shorter than `batch`.
pub fn batch_in_order(step: usize, batch: usize, n: usize) -> (usize, usize) {
    let start = (step * batch) % n;
    (start, (start + batch).min(n))
}

/// Row-index batches of one epoch over `order` (a permutation of the training rows), each of
/// `batch` rows except possibly the last (Keras/PyTorch `drop_last=False`).
pub fn epoch_batches(order: &[usize], batch: usize) -> Vec<Vec<u32>> {
    order
        .chunks(batch.max(1))
        .map(|c| c.iter().map(|&i| i as u32).collect())
        .collect()
}

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

/// Reads a scalar loss as f64 and tells whether it is finite; a non-finite loss means the run
/// diverged and must be recorded as such (never dropped).
pub fn scalar_loss(loss: &Tensor) -> Result<(f64, bool)> {
    let v = f64::from(loss.to_dtype(candle_core::DType::F32)?.to_scalar::<f32>()?);
    Ok((v, v.is_finite()))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn in_order_batches_wrap_like_the_reference() {
        assert_eq!(batch_in_order(0, 100, 4000), (0, 100));
        assert_eq!(batch_in_order(39, 100, 4000), (3900, 4000));
        assert_eq!(batch_in_order(40, 100, 4000), (0, 100));
        assert_eq!(batch_in_order(6000, 100, 4000), (0, 100));
        assert_eq!(batch_in_order(3, 128, 400), (384, 400));
    }

    #[test]
    fn epoch_batches_cover_every_row_once() {
        let order: Vec<usize> = (0..10).rev().collect();
        let b = epoch_batches(&order, 4);
        assert_eq!(b.len(), 3);
        assert_eq!(b[2], vec![1, 0]);
        let mut all: Vec<u32> = b.concat();
        all.sort_unstable();
        assert_eq!(all, (0..10).collect::<Vec<_>>());
    }

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
