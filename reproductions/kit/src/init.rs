//! Seeded initialisers with the default schemes of PyTorch and Keras.
//!
//! Each returns a trainable [`candle_core::Var`] of dtype F32 filled from a [`crate::rng::Rng`].

use crate::rng::Rng;
use crate::Result;
use candle_core::{Device, Tensor, Var};
use rand::RngExt as _;
use rand_distr::{Distribution, Normal};

/// Values drawn i.i.d. from U(−bound, bound), shaped `shape`.
pub fn uniform(rng: &mut Rng, shape: &[usize], bound: f64, device: &Device) -> Result<Var> {
    let n: usize = shape.iter().product();
    let v: Vec<f32> = (0..n)
        .map(|_| rng.random_range(-bound..bound) as f32)
        .collect();
    Ok(Var::from_tensor(&Tensor::from_vec(v, shape, device)?)?)
}

/// PyTorch's default weight init for `nn.Linear`/`nn.Conv1d`: `kaiming_uniform_(a = √5)`, which
/// is U(−1/√fan_in, 1/√fan_in) (PyTorch `torch/nn/modules/linear.py::reset_parameters`).
/// `fan_in` = in_features (Linear) or in_channels · kernel_size (Conv1d).
pub fn torch_default_weight(
    rng: &mut Rng,
    shape: &[usize],
    fan_in: usize,
    device: &Device,
) -> Result<Var> {
    uniform(rng, shape, 1.0 / (fan_in as f64).sqrt(), device)
}

/// PyTorch's default bias init for `nn.Linear`/`nn.Conv1d`: U(−1/√fan_in, 1/√fan_in).
pub fn torch_default_bias(
    rng: &mut Rng,
    len: usize,
    fan_in: usize,
    device: &Device,
) -> Result<Var> {
    uniform(rng, &[len], 1.0 / (fan_in as f64).sqrt(), device)
}

/// Keras `he_normal`: truncated normal with σ = √(2/fan_in), values beyond 2σ redrawn
/// (Keras `VarianceScaling(scale=2, mode="fan_in", distribution="truncated_normal")`; since
/// Keras 2.2.3 σ is divided by 0.87962566103423978 to correct for the truncation).
pub fn he_normal(rng: &mut Rng, shape: &[usize], fan_in: usize, device: &Device) -> Result<Var> {
    let sigma = (2.0 / fan_in as f64).sqrt() / 0.879_625_661_034_239_8;
    truncated_normal(rng, shape, sigma, device)
}

/// Keras `glorot_uniform` (Glorot & Bengio 2010, eq. 16): U(±√(6/(fan_in + fan_out))), the
/// same distribution as PyTorch's `xavier_uniform_` with gain 1. `shape` is the layout the
/// caller stores (e.g. [out, in] for [`crate::nn::Linear`]); the bound is symmetric in the fans.
pub fn glorot_uniform(
    rng: &mut Rng,
    shape: &[usize],
    fan_in: usize,
    fan_out: usize,
    device: &Device,
) -> Result<Var> {
    uniform(rng, shape, (6.0 / (fan_in + fan_out) as f64).sqrt(), device)
}

/// A normal N(0, σ²) truncated at ±2σ by redrawing (TensorFlow `truncated_normal`), shaped
/// `shape`; the error names σ if it is not a valid standard deviation.
pub fn truncated_normal(
    rng: &mut Rng,
    shape: &[usize],
    sigma: f64,
    device: &Device,
) -> Result<Var> {
    let normal = Normal::new(0.0, sigma)
        .map_err(|e| crate::KitError::Invalid(format!("truncated normal sigma {sigma}: {e}")))?;
    let n: usize = shape.iter().product();
    let mut v = Vec::with_capacity(n);
    while v.len() < n {
        let x: f64 = normal.sample(rng);
        if x.abs() <= 2.0 * sigma {
            v.push(x as f32);
        }
    }
    Ok(Var::from_tensor(&Tensor::from_vec(v, shape, device)?)?)
}

/// Keras ≤ 2.2.2 `he_normal` (the 2017–Oct 2018 Keras): a normal with σ = √(2/fan_in) truncated at
/// 2σ **without** the truncation correction, so the drawn weights have standard deviation
/// ≈ 0.88·√(2/fan_in). Keras ≥ 2.2.3 is [`he_normal`].
pub fn he_normal_keras_2_1(
    rng: &mut Rng,
    shape: &[usize],
    fan_in: usize,
    device: &Device,
) -> Result<Var> {
    truncated_normal(rng, shape, (2.0 / fan_in as f64).sqrt(), device)
}

/// A zero-filled F32 [`Var`] of `shape` (Keras' default bias init).
pub fn zeros(shape: &[usize], device: &Device) -> Result<Var> {
    Ok(Var::zeros(shape, candle_core::DType::F32, device)?)
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::rng::stream;

    #[test]
    fn uniform_is_within_bounds_and_seeded() {
        let d = Device::Cpu;
        let a = uniform(&mut stream(3, "t"), &[10, 40], 0.25, &d).unwrap();
        let b = uniform(&mut stream(3, "t"), &[10, 40], 0.25, &d).unwrap();
        let va: Vec<f32> = a.as_tensor().flatten_all().unwrap().to_vec1().unwrap();
        let vb: Vec<f32> = b.as_tensor().flatten_all().unwrap().to_vec1().unwrap();
        assert_eq!(va, vb);
        assert!(va.iter().all(|x| x.abs() < 0.25));
        let mean = va.iter().map(|x| *x as f64).sum::<f64>() / va.len() as f64;
        assert!(mean.abs() < 0.03, "mean {mean}");
    }

    #[test]
    fn he_normal_has_the_keras_spread() {
        let d = Device::Cpu;
        let w = he_normal(&mut stream(1, "t"), &[200, 100], 100, &d).unwrap();
        let v: Vec<f32> = w.as_tensor().flatten_all().unwrap().to_vec1().unwrap();
        let sd = (v.iter().map(|x| (*x as f64).powi(2)).sum::<f64>() / v.len() as f64).sqrt();
        // Keras' corrected truncated normal has standard deviation √(2/fan_in) = 0.1414.
        assert!((sd - 0.1414).abs() < 0.005, "sd {sd}");
        let bound = 2.0 * (2.0f64 / 100.0).sqrt() / 0.879_625_661_034_239_8;
        assert!(v.iter().all(|x| (*x as f64).abs() <= bound + 1e-6));
    }
}
