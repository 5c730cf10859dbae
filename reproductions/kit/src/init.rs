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

/// PyTorch's `torch.nn.init.orthogonal_(tensor, gain)` (Saxe et al. 2014) for a 2-D `shape`
/// `[rows, cols]` (e.g. a [`crate::nn::Linear`] weight [out, in]): a matrix of i.i.d. N(0, 1)
/// draws is QR-factorised (transposed first when rows < cols), `Q`'s columns are multiplied by
/// the signs of `R`'s diagonal so that the result is Haar-distributed, and the result is scaled
/// by `gain`. The rows (rows ≤ cols) or the columns (rows ≥ cols) are orthonormal · `gain`.
/// The QR is modified Gram–Schmidt with one re-orthogonalisation pass, in f64, which yields the
/// same `Q·sign(diag R)` as PyTorch's Householder QR.
///
/// # Errors
/// [`crate::KitError::Invalid`] for a shape that is not 2-D with both sides ≥ 1, or a
/// non-finite gain.
pub fn orthogonal(rng: &mut Rng, shape: &[usize], gain: f64, device: &Device) -> Result<Var> {
    let (rows, cols) = match shape {
        [r, c] if *r > 0 && *c > 0 => (*r, *c),
        _ => {
            return Err(crate::KitError::Invalid(format!(
                "orthogonal init needs a 2-D shape with both sides >= 1, got {shape:?}"
            )))
        }
    };
    if !gain.is_finite() {
        return Err(crate::KitError::Invalid(format!(
            "orthogonal init: gain must be finite, got {gain}"
        )));
    }
    // A [rows, cols] standard normal matrix, row-major, drawn in PyTorch's order.
    let a: Vec<f64> = (0..rows * cols)
        .map(|_| rand_distr::StandardNormal.sample(rng))
        .collect();
    // Work on the tall orientation m × n (m ≥ n), column vectors.
    let transpose = rows < cols;
    let (m, n) = if transpose {
        (cols, rows)
    } else {
        (rows, cols)
    };
    let at = |i: usize, j: usize| {
        if transpose {
            a[j * cols + i]
        } else {
            a[i * cols + j]
        }
    };
    let mut q: Vec<Vec<f64>> = (0..n).map(|j| (0..m).map(|i| at(i, j)).collect()).collect();
    for j in 0..n {
        for _pass in 0..2 {
            for k in 0..j {
                let (done, rest) = q.split_at_mut(j);
                let (qk, qj) = (&done[k], &mut rest[0]);
                let dot: f64 = qk.iter().zip(qj.iter()).map(|(a, b)| a * b).sum();
                for (x, y) in qj.iter_mut().zip(qk) {
                    *x -= dot * y;
                }
            }
        }
        let norm = q[j].iter().map(|v| v * v).sum::<f64>().sqrt();
        if norm == 0.0 || !norm.is_finite() {
            return Err(crate::KitError::Invalid(
                "orthogonal init: degenerate random matrix".into(),
            ));
        }
        for v in &mut q[j] {
            *v /= norm;
        }
    }
    // Back to [rows, cols], scaled by gain.
    let mut out = vec![0f32; rows * cols];
    for r in 0..rows {
        for c in 0..cols {
            let v = if transpose { q[r][c] } else { q[c][r] };
            out[r * cols + c] = (gain * v) as f32;
        }
    }
    Ok(Var::from_tensor(&Tensor::from_vec(out, shape, device)?)?)
}

/// A constant-filled F32 [`Var`] of `shape` (`torch.nn.init.constant_`).
pub fn constant(shape: &[usize], value: f64, device: &Device) -> Result<Var> {
    Ok(Var::from_tensor(
        &(Tensor::ones(shape, candle_core::DType::F32, device)? * value)?,
    )?)
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

    #[test]
    fn orthogonal_rows_or_columns_are_orthonormal_times_gain() {
        let d = Device::Cpu;
        for (rows, cols) in [(64, 4), (2, 64), (64, 64), (1, 64)] {
            let gain = 2f64.sqrt();
            let w = orthogonal(&mut stream(4, "o"), &[rows, cols], gain, &d).unwrap();
            let m: Vec<Vec<f32>> = w.as_tensor().to_vec2().unwrap();
            // Gram matrix of the shorter side must be gain² · I.
            let (k, len) = if rows <= cols {
                (rows, cols)
            } else {
                (cols, rows)
            };
            let get = |a: usize, i: usize| if rows <= cols { m[a][i] } else { m[i][a] } as f64;
            for a in 0..k {
                for b in 0..k {
                    let dot: f64 = (0..len).map(|i| get(a, i) * get(b, i)).sum();
                    let want = if a == b { gain * gain } else { 0.0 };
                    assert!((dot - want).abs() < 1e-5, "{rows}x{cols} ({a},{b}) {dot}");
                }
            }
        }
        assert!(orthogonal(&mut stream(4, "o"), &[3], 1.0, &d).is_err());
        assert!(orthogonal(&mut stream(4, "o"), &[0, 3], 1.0, &d).is_err());
    }
}
