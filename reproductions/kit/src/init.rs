//! Seeded initialisers with the schemes of PyTorch (`torch.nn.init`, the layers'
//! `reset_parameters`) and Keras 2 (`keras.initializers`), named as their libraries name them.
//!
//! Each returns a trainable [`candle_core::Var`] of dtype F32 filled from a [`crate::rng::Rng`]
//! (candle's own RNG cannot be seeded). The values are drawn i.i.d. in row-major order of
//! `shape` (orthogonal: from one normal matrix), so a seed gives the same tensor everywhere.
//!
//! Fans: the **PyTorch-named** functions (`xavier_*`, `kaiming_*`, `orthogonal`) compute fan-in
//! and fan-out from `shape` in PyTorch's layout as `torch.nn.init` does ([`torch_fans`]:
//! `[out, in, *kernel]`). The **Keras-named** functions (`glorot_*`, `he_*`, `lecun_*`) take
//! the fans explicitly, because Keras stores kernels transposed (`[in, out]`,
//! `[*kernel, in, out]`; [`keras_fans`] computes them from such a shape).
//!
//! Keras ≥ 2.2.3 draws its "normal" variance-scaling initialisers from a normal truncated at
//! ±2σ with σ divided by 0.87962566103423978 (the standard deviation of a unit normal truncated
//! at ±2), so that the drawn values have the intended variance; Keras ≤ 2.2.2 truncated without
//! that correction (values' standard deviation ≈ 0.88σ). See [`KerasDistribution`].

use crate::rng::Rng;
use crate::{KitError, Result};
use candle_core::{Device, Tensor, Var};
use rand::RngExt as _;
use rand_distr::{Distribution, Normal};

/// The standard deviation of a unit normal truncated at ±2 (Keras ≥ 2.2.3's correction).
pub const TRUNCATED_NORMAL_STD: f64 = 0.879_625_661_034_239_8;

/// Values drawn i.i.d. from U(−bound, bound), shaped `shape` (bound > 0).
pub fn uniform(rng: &mut Rng, shape: &[usize], bound: f64, device: &Device) -> Result<Var> {
    let bound = check_bound("uniform", bound)?;
    let n: usize = shape.iter().product();
    let v: Vec<f32> = (0..n)
        .map(|_| rng.random_range(-bound..bound) as f32)
        .collect();
    Ok(Var::from_tensor(&Tensor::from_vec(v, shape, device)?)?)
}

/// PyTorch's default weight init for `nn.Linear` and `nn.Conv1d/2d/3d`: `kaiming_uniform_(a = √5)`,
/// which is U(−1/√fan_in, 1/√fan_in) (PyTorch `torch/nn/modules/linear.py::reset_parameters`,
/// `conv.py::reset_parameters`; gain √(2/(1 + 5)) times √3/√fan_in).
/// `fan_in` = in_features (Linear) or in_channels · ∏kernel (Conv, groups 1).
pub fn torch_default_weight(
    rng: &mut Rng,
    shape: &[usize],
    fan_in: usize,
    device: &Device,
) -> Result<Var> {
    uniform(rng, shape, 1.0 / (fan_in as f64).sqrt(), device)
}

/// PyTorch's default bias init for `nn.Linear`/`nn.Conv*`: U(−1/√fan_in, 1/√fan_in), `len`
/// values (fan_in as for [`torch_default_weight`]).
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
    let sigma = (2.0 / fan_in as f64).sqrt() / TRUNCATED_NORMAL_STD;
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
/// `shape`; the error names σ if it is not a valid standard deviation (finite and > 0).
pub fn truncated_normal(
    rng: &mut Rng,
    shape: &[usize],
    sigma: f64,
    device: &Device,
) -> Result<Var> {
    if !(sigma.is_finite() && sigma > 0.0) {
        return Err(KitError::Invalid(format!("truncated normal sigma {sigma}")));
    }
    let normal = Normal::new(0.0, sigma)
        .map_err(|e| KitError::Invalid(format!("truncated normal sigma {sigma}: {e}")))?;
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

/// Values drawn i.i.d. from N(mean, std²), shaped `shape` (`torch.nn.init.normal_`); errors if
/// `std` is negative or not finite.
pub fn normal(rng: &mut Rng, shape: &[usize], mean: f64, std: f64, device: &Device) -> Result<Var> {
    let v = normal_values(rng, shape.iter().product(), mean, std)?;
    Ok(Var::from_tensor(&Tensor::from_vec(v, shape, device)?)?)
}

fn normal_values(rng: &mut Rng, n: usize, mean: f64, std: f64) -> Result<Vec<f32>> {
    if !(std.is_finite() && std >= 0.0 && mean.is_finite()) {
        return Err(KitError::Invalid(format!("normal mean {mean} std {std}")));
    }
    let normal = Normal::new(mean, std)
        .map_err(|e| KitError::Invalid(format!("normal mean {mean} std {std}: {e}")))?;
    Ok((0..n).map(|_| normal.sample(rng) as f32).collect())
}

/// Checks a bound of [`uniform`] (finite, > 0: `random_range` panics on an empty range).
fn check_bound(what: &str, bound: f64) -> Result<f64> {
    if bound.is_finite() && bound > 0.0 {
        Ok(bound)
    } else {
        Err(KitError::Invalid(format!(
            "{what}: bound {bound} must be finite and > 0"
        )))
    }
}

/// A [`Var`] of `shape` filled with `value` (`torch.nn.init.constant_`, Keras `Constant`).
pub fn constant(shape: &[usize], value: f64, device: &Device) -> Result<Var> {
    Ok(Var::from_tensor(&Tensor::full(
        value as f32,
        shape,
        device,
    )?)?)
}

/// A one-filled F32 [`Var`] of `shape` (`torch.nn.init.ones_`, Keras `Ones`; e.g. batch-norm
/// scales).
pub fn ones(shape: &[usize], device: &Device) -> Result<Var> {
    Ok(Var::ones(shape, candle_core::DType::F32, device)?)
}

/// PyTorch's `_calculate_fan_in_and_fan_out` for a tensor of `shape` in PyTorch's layout
/// (`[out, in, *kernel]`): `fan_in = shape[1]·∏kernel`, `fan_out = shape[0]·∏kernel`.
/// Errors for fewer than 2 dimensions, as PyTorch.
pub fn torch_fans(shape: &[usize]) -> Result<(usize, usize)> {
    if shape.len() < 2 {
        return Err(KitError::Invalid(format!(
            "fan in and fan out can not be computed for shape {shape:?} (fewer than 2 dimensions)"
        )));
    }
    let receptive: usize = shape[2..].iter().product();
    Ok((shape[1] * receptive, shape[0] * receptive))
}

/// Keras' `_compute_fans` for a kernel of `shape` in Keras' layout (`[in, out]` or
/// `[*kernel, in, out]`): `fan_in = shape[-2]·∏kernel`, `fan_out = shape[-1]·∏kernel`.
/// Errors for fewer than 2 dimensions.
pub fn keras_fans(shape: &[usize]) -> Result<(usize, usize)> {
    let r = shape.len();
    if r < 2 {
        return Err(KitError::Invalid(format!(
            "Keras fans of shape {shape:?}: need at least 2 dimensions"
        )));
    }
    let receptive: usize = shape[..r - 2].iter().product();
    Ok((shape[r - 2] * receptive, shape[r - 1] * receptive))
}

fn positive_fan(fan: usize) -> Result<f64> {
    if fan == 0 {
        Err(KitError::Invalid("fan of 0".into()))
    } else {
        Ok(fan as f64)
    }
}

/// The nonlinearity argument of PyTorch's `calculate_gain` and `kaiming_*`.
#[derive(Debug, Clone, Copy, PartialEq)]
pub enum Nonlinearity {
    /// Linear, identity, conv*, sigmoid: gain 1.
    Linear,
    /// Sigmoid: gain 1.
    Sigmoid,
    /// tanh: gain 5/3.
    Tanh,
    /// ReLU: gain √2.
    Relu,
    /// Leaky ReLU with negative slope `a`: gain √(2/(1 + a²)). PyTorch's `kaiming_*` default is
    /// `LeakyRelu(0.0)` (≡ ReLU); its layers' default init is `LeakyRelu(√5)`.
    LeakyRelu(f64),
    /// SELU: gain 3/4.
    Selu,
}

/// PyTorch's `torch.nn.init.calculate_gain(nonlinearity, param)`.
pub fn calculate_gain(nonlinearity: Nonlinearity) -> f64 {
    match nonlinearity {
        Nonlinearity::Linear | Nonlinearity::Sigmoid => 1.0,
        Nonlinearity::Tanh => 5.0 / 3.0,
        Nonlinearity::Relu => 2f64.sqrt(),
        Nonlinearity::LeakyRelu(a) => (2.0 / (1.0 + a * a)).sqrt(),
        Nonlinearity::Selu => 0.75,
    }
}

/// Which fan PyTorch's `kaiming_*` (`mode=`) and Keras' `VarianceScaling` (`mode=`) scale by.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum FanMode {
    /// Preserve the variance of activations in the forward pass.
    FanIn,
    /// Preserve the variance of gradients in the backward pass.
    FanOut,
    /// The mean of both (Keras `fan_avg`; Glorot).
    FanAvg,
}

fn pick_fan(mode: FanMode, fan_in: usize, fan_out: usize) -> Result<f64> {
    match mode {
        FanMode::FanIn => positive_fan(fan_in),
        FanMode::FanOut => positive_fan(fan_out),
        FanMode::FanAvg => Ok((positive_fan(fan_in)? + positive_fan(fan_out)?) / 2.0),
    }
}

/// PyTorch's `xavier_uniform_(tensor, gain)` (Glorot & Bengio 2010): U(±gain·√(6/(fan_in +
/// fan_out))), fans from `shape` in PyTorch's layout ([`torch_fans`]).
pub fn xavier_uniform(rng: &mut Rng, shape: &[usize], gain: f64, device: &Device) -> Result<Var> {
    let (fi, fo) = torch_fans(shape)?;
    let bound = gain * (6.0 / (positive_fan(fi)? + positive_fan(fo)?)).sqrt();
    uniform(rng, shape, check_bound("xavier_uniform", bound)?, device)
}

/// PyTorch's `xavier_normal_(tensor, gain)`: N(0, σ²) with σ = gain·√(2/(fan_in + fan_out)),
/// not truncated; fans from `shape` in PyTorch's layout.
pub fn xavier_normal(rng: &mut Rng, shape: &[usize], gain: f64, device: &Device) -> Result<Var> {
    let (fi, fo) = torch_fans(shape)?;
    let std = gain * (2.0 / (positive_fan(fi)? + positive_fan(fo)?)).sqrt();
    normal(rng, shape, 0.0, std, device)
}

/// PyTorch's `kaiming_uniform_(tensor, a, mode, nonlinearity)` (He et al. 2015):
/// U(±gain·√(3/fan)) with gain = [`calculate_gain`]`(nonlinearity)` and fan per `mode`
/// (fan-in or fan-out; `FanAvg` is not a PyTorch mode and is an error), fans from `shape` in
/// PyTorch's layout. `Nonlinearity::LeakyRelu(5f64.sqrt())` with `FanIn` is PyTorch's layer
/// default ([`torch_default_weight`]).
pub fn kaiming_uniform(
    rng: &mut Rng,
    shape: &[usize],
    mode: FanMode,
    nonlinearity: Nonlinearity,
    device: &Device,
) -> Result<Var> {
    let std = kaiming_std(shape, mode, nonlinearity)?;
    uniform(
        rng,
        shape,
        check_bound("kaiming_uniform", 3f64.sqrt() * std)?,
        device,
    )
}

/// PyTorch's `kaiming_normal_(tensor, a, mode, nonlinearity)`: N(0, σ²) with
/// σ = gain/√fan, **not** truncated (unlike Keras' [`he_normal`]); see [`kaiming_uniform`].
pub fn kaiming_normal(
    rng: &mut Rng,
    shape: &[usize],
    mode: FanMode,
    nonlinearity: Nonlinearity,
    device: &Device,
) -> Result<Var> {
    let std = kaiming_std(shape, mode, nonlinearity)?;
    normal(rng, shape, 0.0, std, device)
}

fn kaiming_std(shape: &[usize], mode: FanMode, nonlinearity: Nonlinearity) -> Result<f64> {
    if mode == FanMode::FanAvg {
        return Err(KitError::Invalid(
            "kaiming: mode must be fan_in or fan_out".into(),
        ));
    }
    let (fi, fo) = torch_fans(shape)?;
    Ok(calculate_gain(nonlinearity) / pick_fan(mode, fi, fo)?.sqrt())
}

/// PyTorch's default init of every `nn.RNN`/`nn.GRU`/`nn.LSTM` weight and bias:
/// U(±1/√hidden_size) (`torch/nn/modules/rnn.py::reset_parameters`).
pub fn torch_rnn_default(
    rng: &mut Rng,
    shape: &[usize],
    hidden: usize,
    device: &Device,
) -> Result<Var> {
    uniform(rng, shape, 1.0 / positive_fan(hidden)?.sqrt(), device)
}

/// The distributions of Keras' `VarianceScaling`.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum KerasDistribution {
    /// Keras ≥ 2.2.3 `"normal"`/`"truncated_normal"`: normal truncated at ±2σ with
    /// σ = √(scale/fan)/0.8796 (values have variance scale/fan).
    TruncatedNormal,
    /// Keras ≤ 2.2.2 `"normal"`: normal truncated at ±2σ with σ = √(scale/fan), uncorrected.
    TruncatedNormalKeras21,
    /// Keras ≥ 2.2.3 `"untruncated_normal"`: N(0, scale/fan).
    UntruncatedNormal,
    /// `"uniform"`: U(±√(3·scale/fan)).
    Uniform,
}

/// Keras' `VarianceScaling(scale, mode, distribution)` for a kernel with fans `fan_in`,
/// `fan_out` (see [`keras_fans`]), drawn in `shape`. The named Keras initialisers are special
/// cases: `glorot_*` (scale 1, fan_avg), `he_*` (2, fan_in), `lecun_*` (1, fan_in).
pub fn variance_scaling(
    rng: &mut Rng,
    shape: &[usize],
    scale: f64,
    mode: FanMode,
    distribution: KerasDistribution,
    (fan_in, fan_out): (usize, usize),
    device: &Device,
) -> Result<Var> {
    if !(scale.is_finite() && scale > 0.0) {
        return Err(KitError::Invalid(format!("variance_scaling scale {scale}")));
    }
    let var = scale / pick_fan(mode, fan_in, fan_out)?;
    match distribution {
        KerasDistribution::TruncatedNormal => {
            truncated_normal(rng, shape, var.sqrt() / TRUNCATED_NORMAL_STD, device)
        }
        KerasDistribution::TruncatedNormalKeras21 => {
            truncated_normal(rng, shape, var.sqrt(), device)
        }
        KerasDistribution::UntruncatedNormal => normal(rng, shape, 0.0, var.sqrt(), device),
        KerasDistribution::Uniform => uniform(rng, shape, (3.0 * var).sqrt(), device),
    }
}

/// Keras (≥ 2.2.3) `glorot_normal`: truncated normal with variance 2/(fan_in + fan_out)
/// ([`KerasDistribution::TruncatedNormal`]); PyTorch's untruncated one is [`xavier_normal`].
pub fn glorot_normal(
    rng: &mut Rng,
    shape: &[usize],
    fan_in: usize,
    fan_out: usize,
    device: &Device,
) -> Result<Var> {
    let d = KerasDistribution::TruncatedNormal;
    variance_scaling(
        rng,
        shape,
        1.0,
        FanMode::FanAvg,
        d,
        (fan_in, fan_out),
        device,
    )
}

/// Keras `he_uniform`: U(±√(6/fan_in)).
pub fn he_uniform(rng: &mut Rng, shape: &[usize], fan_in: usize, device: &Device) -> Result<Var> {
    uniform(rng, shape, (6.0 / positive_fan(fan_in)?).sqrt(), device)
}

/// Keras (≥ 2.2.3) `lecun_normal` (Klambauer et al. 2017, for SELU): truncated normal with
/// variance 1/fan_in ([`KerasDistribution::TruncatedNormal`]).
pub fn lecun_normal(rng: &mut Rng, shape: &[usize], fan_in: usize, device: &Device) -> Result<Var> {
    let d = KerasDistribution::TruncatedNormal;
    variance_scaling(rng, shape, 1.0, FanMode::FanIn, d, (fan_in, fan_in), device)
}

/// Keras `lecun_uniform` (LeCun et al. 1998): U(±√(3/fan_in)).
pub fn lecun_uniform(
    rng: &mut Rng,
    shape: &[usize],
    fan_in: usize,
    device: &Device,
) -> Result<Var> {
    uniform(rng, shape, (3.0 / positive_fan(fan_in)?).sqrt(), device)
}

/// PyTorch's `orthogonal_(tensor, gain)` (Saxe et al. 2014): with `rows = shape[0]` and
/// `cols = ∏shape[1..]`, a rows × cols matrix of N(0, 1) draws (row-major), transposed if
/// rows < cols, factored A = QR (Householder, f64), Q's columns multiplied by sign(diag R) (which
/// makes the factorisation unique, so any QR algorithm gives this Q), transposed back, times
/// `gain`. The result has orthonormal columns (rows ≥ cols: WᵀW = gain²·I) or rows
/// (WWᵀ = gain²·I). Errors for fewer than 2 dimensions, as PyTorch.
pub fn orthogonal(rng: &mut Rng, shape: &[usize], gain: f64, device: &Device) -> Result<Var> {
    if shape.len() < 2 {
        return Err(KitError::Invalid(format!(
            "orthogonal: shape {shape:?} has fewer than 2 dimensions"
        )));
    }
    let rows = shape[0];
    let cols: usize = shape[1..].iter().product();
    if rows == 0 || cols == 0 {
        return Err(KitError::Invalid(format!(
            "orthogonal: empty shape {shape:?}"
        )));
    }
    let flat: Vec<f64> = normal_values(rng, rows * cols, 0.0, 1.0)?
        .into_iter()
        .map(f64::from)
        .collect();
    // A: m × n with m ≥ n, row-major.
    let (m, n, a) = if rows < cols {
        let mut t = vec![0.0; rows * cols];
        for i in 0..rows {
            for j in 0..cols {
                t[j * rows + i] = flat[i * cols + j];
            }
        }
        (cols, rows, t)
    } else {
        (rows, cols, flat)
    };
    let q = householder_q(a, m, n);
    let mut out = vec![0f32; rows * cols];
    for i in 0..m {
        for j in 0..n {
            let v = (gain * q[i * n + j]) as f32;
            if rows < cols {
                out[j * cols + i] = v;
            } else {
                out[i * cols + j] = v;
            }
        }
    }
    Ok(Var::from_tensor(&Tensor::from_vec(out, shape, device)?)?)
}

/// The reduced Q (m × n, row-major) of the QR factorisation of `a` (m × n, m ≥ n), with its
/// columns signed so that diag(R) ≥ 0 (LAPACK's `geqrf`/`orgqr`, as `torch.linalg.qr`, do
/// not; PyTorch's `orthogonal_` multiplies by sign(diag R) to the same effect).
fn householder_q(mut a: Vec<f64>, m: usize, n: usize) -> Vec<f64> {
    let mut vs: Vec<Vec<f64>> = Vec::with_capacity(n);
    let mut diag = vec![0.0; n];
    for k in 0..n {
        let norm = (k..m).map(|i| a[i * n + k].powi(2)).sum::<f64>().sqrt();
        let x0 = a[k * n + k];
        let alpha = if x0 >= 0.0 { -norm } else { norm };
        let mut v: Vec<f64> = (k..m).map(|i| a[i * n + k]).collect();
        v[0] -= alpha;
        let vn = v.iter().map(|x| x * x).sum::<f64>().sqrt();
        if vn > 0.0 {
            v.iter_mut().for_each(|x| *x /= vn);
            for j in k..n {
                let dot: f64 = (k..m).map(|i| v[i - k] * a[i * n + j]).sum();
                for i in k..m {
                    a[i * n + j] -= 2.0 * v[i - k] * dot;
                }
            }
            diag[k] = alpha;
        } else {
            diag[k] = x0;
        }
        vs.push(v);
    }
    // Q = H₀ H₁ … H_{n−1} applied to the first n columns of the identity.
    let mut q = vec![0.0; m * n];
    for j in 0..n {
        q[j * n + j] = 1.0;
    }
    for k in (0..n).rev() {
        let v = &vs[k];
        for j in 0..n {
            let dot: f64 = (k..m).map(|i| v[i - k] * q[i * n + j]).sum();
            for i in k..m {
                q[i * n + j] -= 2.0 * v[i - k] * dot;
            }
        }
    }
    for j in 0..n {
        if diag[j] < 0.0 {
            for i in 0..m {
                q[i * n + j] = -q[i * n + j];
            }
        }
    }
    q
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

    fn values(v: &Var) -> Vec<f64> {
        v.as_tensor()
            .flatten_all()
            .unwrap()
            .to_vec1::<f32>()
            .unwrap()
            .into_iter()
            .map(f64::from)
            .collect()
    }

    /// (mean, variance, max |x|) of a draw.
    fn moments(v: &Var) -> (f64, f64, f64) {
        let x = values(v);
        let n = x.len() as f64;
        let mean = x.iter().sum::<f64>() / n;
        let var = x.iter().map(|a| (a - mean).powi(2)).sum::<f64>() / n;
        let max = x.iter().fold(0.0f64, |m, a| m.max(a.abs()));
        (mean, var, max)
    }

    /// Mean ≈ 0 (within 5 standard errors), variance within 3 % of `want_var`, |x| ≤ `bound`.
    fn check(v: &Var, want_var: f64, bound: f64, what: &str) {
        let (mean, var, max) = moments(v);
        let n = v.elem_count() as f64;
        assert!(
            mean.abs() < 5.0 * (want_var / n).sqrt(),
            "{what}: mean {mean}"
        );
        assert!(
            (var / want_var - 1.0).abs() < 0.03,
            "{what}: var {var} vs {want_var}"
        );
        assert!(max <= bound * (1.0 + 1e-6), "{what}: max {max} > {bound}");
    }

    const N: [usize; 2] = [300, 400]; // 120,000 draws; PyTorch fans: in 400, out 300

    #[test]
    fn pytorch_uniform_family_moments() {
        let d = Device::Cpu;
        let r = &mut stream(5, "init-test");
        let b = 1.5 * (6.0f64 / 700.0).sqrt();
        check(
            &xavier_uniform(r, &N, 1.5, &d).unwrap(),
            b * b / 3.0,
            b,
            "xavier_uniform",
        );
        let relu = kaiming_uniform(r, &N, FanMode::FanIn, Nonlinearity::Relu, &d).unwrap();
        check(
            &relu,
            2.0 / 400.0,
            (6.0f64 / 400.0).sqrt(),
            "kaiming_uniform relu fan_in",
        );
        let lr = Nonlinearity::LeakyRelu(0.2);
        let out = kaiming_uniform(r, &N, FanMode::FanOut, lr, &d).unwrap();
        let v = 2.0 / 1.04 / 300.0;
        check(&out, v, (3.0 * v).sqrt(), "kaiming_uniform leaky fan_out");
        let b = 1.0 / 20.0;
        check(
            &torch_default_weight(r, &N, 400, &d).unwrap(),
            b * b / 3.0,
            b,
            "torch default",
        );
        check(
            &torch_rnn_default(r, &N, 64, &d).unwrap(),
            1.0 / 64.0 / 3.0,
            0.125,
            "rnn",
        );
        check(
            &he_uniform(r, &N, 400, &d).unwrap(),
            2.0 / 400.0,
            (6.0f64 / 400.0).sqrt(),
            "he_u",
        );
        let b = (3.0f64 / 400.0).sqrt();
        check(
            &lecun_uniform(r, &N, 400, &d).unwrap(),
            1.0 / 400.0,
            b,
            "lecun_uniform",
        );
        let b = (6.0f64 / 700.0).sqrt();
        check(
            &glorot_uniform(r, &N, 400, 300, &d).unwrap(),
            2.0 / 700.0,
            b,
            "glorot_uniform",
        );
    }

    /// PyTorch's layer default is kaiming_uniform(a = √5, fan_in): the same bound 1/√fan_in,
    /// so the same seed gives the same values (up to the rounding of the bound).
    #[test]
    fn layer_default_is_kaiming_uniform_with_a_sqrt5() {
        let d = Device::Cpu;
        let shape = [8, 4, 5, 5]; // Conv2d(4, 8, 5): fan_in 100
        let a = torch_default_weight(&mut stream(1, "w"), &shape, 100, &d).unwrap();
        let lr = Nonlinearity::LeakyRelu(5f64.sqrt());
        let b = kaiming_uniform(&mut stream(1, "w"), &shape, FanMode::FanIn, lr, &d).unwrap();
        for (x, y) in values(&a).iter().zip(values(&b)) {
            assert!((x - y).abs() < 1e-7);
        }
        assert_eq!(torch_fans(&shape).unwrap(), (100, 200));
        assert_eq!(keras_fans(&[5, 5, 4, 8]).unwrap(), (100, 200));
        assert!(torch_fans(&[3]).is_err() && keras_fans(&[3]).is_err());
    }

    #[test]
    fn normal_family_moments_and_truncation() {
        let d = Device::Cpu;
        let r = &mut stream(6, "init-test");
        let s = 0.7 * (2.0f64 / 700.0).sqrt();
        check(
            &xavier_normal(r, &N, 0.7, &d).unwrap(),
            s * s,
            6.0 * s,
            "xavier_normal",
        );
        let k = kaiming_normal(r, &N, FanMode::FanOut, Nonlinearity::Tanh, &d).unwrap();
        let s = 5.0 / 3.0 / 300f64.sqrt();
        check(&k, s * s, 6.0 * s, "kaiming_normal tanh fan_out");
        // Keras ≥ 2.2.3: the corrected truncated normal has the intended variance and is cut at
        // 2σ/0.8796.
        let cut = |v: f64| 2.0 * v.sqrt() / TRUNCATED_NORMAL_STD;
        let v = 2.0 / 700.0;
        check(
            &glorot_normal(r, &N, 400, 300, &d).unwrap(),
            v,
            cut(v),
            "glorot_normal",
        );
        let v = 1.0 / 400.0;
        check(
            &lecun_normal(r, &N, 400, &d).unwrap(),
            v,
            cut(v),
            "lecun_normal",
        );
        let v = 2.0 / 400.0;
        check(&he_normal(r, &N, 400, &d).unwrap(), v, cut(v), "he_normal");
        // Keras ≤ 2.2.2: uncorrected, variance 0.8796²·2/fan_in, cut at 2√(2/fan_in).
        let old = he_normal_keras_2_1(r, &N, 400, &d).unwrap();
        let want = TRUNCATED_NORMAL_STD.powi(2) * v;
        check(&old, want, 2.0 * v.sqrt(), "he_normal_keras_2_1");
        let u = KerasDistribution::UntruncatedNormal;
        let w = variance_scaling(r, &N, 2.0, FanMode::FanAvg, u, (400, 300), &d).unwrap();
        check(
            &w,
            2.0 / 350.0,
            6.0 * (2.0f64 / 350.0).sqrt(),
            "untruncated fan_avg",
        );
        let plain = normal(r, &N, 0.0, 0.3, &d).unwrap();
        check(&plain, 0.09, 2.0, "normal");
        assert!(normal(r, &N, 0.0, -1.0, &d).is_err());
        assert!(uniform(r, &N, 0.0, &d).is_err());
        assert!(truncated_normal(r, &N, 0.0, &d).is_err());
        assert!(he_normal(r, &N, 0, &d).is_err());
        assert!(kaiming_normal(r, &N, FanMode::FanAvg, Nonlinearity::Relu, &d).is_err());
    }

    /// WᵀW = gain²·I (rows ≥ cols) or WWᵀ = gain²·I (rows < cols), including a conv shape
    /// flattened to [out, in·k·k]; seeded.
    #[test]
    fn orthogonal_is_orthogonal_with_gain() {
        let d = Device::Cpu;
        for (shape, gain) in [
            (vec![64usize, 48], 1.0),
            (vec![48, 64], 1.5),
            (vec![16, 4, 3, 3], 2f64.sqrt()),
            (vec![30, 30], 1.0),
        ] {
            let w = orthogonal(&mut stream(2, "orth"), &shape, gain, &d).unwrap();
            let w2 = orthogonal(&mut stream(2, "orth"), &shape, gain, &d).unwrap();
            assert_eq!(values(&w), values(&w2));
            let rows = shape[0];
            let cols: usize = shape[1..].iter().product();
            let m = w.as_tensor().reshape((rows, cols)).unwrap();
            let gram = if rows >= cols {
                m.t().unwrap().matmul(&m).unwrap()
            } else {
                m.matmul(&m.t().unwrap()).unwrap()
            };
            let g: Vec<Vec<f32>> = gram.to_vec2().unwrap();
            for (i, row) in g.iter().enumerate() {
                for (j, &x) in row.iter().enumerate() {
                    let want = if i == j { gain * gain } else { 0.0 };
                    assert!(
                        (f64::from(x) - want).abs() < 1e-5,
                        "{shape:?} [{i},{j}] {x}"
                    );
                }
            }
        }
        assert!(orthogonal(&mut stream(2, "orth"), &[5], 1.0, &d).is_err());
    }

    /// Householder QR with the sign fix is unique: Q·R reproduces A and diag(R) = QᵀA ≥ 0.
    #[test]
    fn householder_q_factors_the_matrix() {
        let a = vec![2.0, -1.0, 0.5, 3.0, -4.0, 1.0]; // 3 × 2
        let q = householder_q(a.clone(), 3, 2);
        // R = QᵀA must be upper triangular with a positive diagonal.
        let r = |i: usize, j: usize| (0..3).map(|k| q[k * 2 + i] * a[k * 2 + j]).sum::<f64>();
        assert!(r(0, 0) > 0.0 && r(1, 1) > 0.0 && r(1, 0).abs() < 1e-12);
        for i in 0..3 {
            for j in 0..2 {
                let qr: f64 = (0..2).map(|k| q[i * 2 + k] * r(k, j)).sum();
                assert!((qr - a[i * 2 + j]).abs() < 1e-12);
            }
        }
    }

    #[test]
    fn constants_and_gains() {
        let d = Device::Cpu;
        assert!(values(&constant(&[2, 3], 0.25, &d).unwrap())
            .iter()
            .all(|&x| x == 0.25));
        assert!(values(&ones(&[4], &d).unwrap()).iter().all(|&x| x == 1.0));
        assert!(values(&zeros(&[4], &d).unwrap()).iter().all(|&x| x == 0.0));
        assert_eq!(calculate_gain(Nonlinearity::Tanh), 5.0 / 3.0);
        assert_eq!(calculate_gain(Nonlinearity::Selu), 0.75);
        assert_eq!(calculate_gain(Nonlinearity::LeakyRelu(0.0)), 2f64.sqrt());
        assert!(
            (calculate_gain(Nonlinearity::LeakyRelu(5f64.sqrt())) - (1f64 / 3.0).sqrt()).abs()
                < 1e-15
        );
    }
}
