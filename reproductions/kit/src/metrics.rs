//! Metrics computed from model outputs.

use crate::Result;
use candle_core::{DType, Tensor};

/// Classification accuracy as a fraction in [0, 1]: share of rows of `logits` [n, classes] whose
/// arg-max equals `labels` [n] (U32 or I64). Ties in the arg-max go to the lowest index, as
/// `torch.argmax`.
pub fn accuracy(logits: &Tensor, labels: &Tensor) -> Result<f64> {
    let n = logits.dim(0)?;
    if n == 0 {
        return Err(crate::KitError::Invalid("accuracy of zero examples".into()));
    }
    let pred = logits.argmax(1)?.to_dtype(DType::U32)?;
    let correct = pred
        .eq(&labels.to_dtype(DType::U32)?)?
        .to_dtype(DType::F32)?
        .sum_all()?
        .to_scalar::<f32>()?;
    Ok(f64::from(correct) / n as f64)
}

/// Root-mean-square error `√(mean((pred − target)²))` between `pred` and `target` (equal
/// lengths, at least one), in the targets' units; errors otherwise.
pub fn rmse(pred: &[f64], target: &[f64]) -> Result<f64> {
    if pred.len() != target.len() || pred.is_empty() {
        return Err(crate::KitError::Invalid(format!(
            "rmse: {} predictions for {} targets",
            pred.len(),
            target.len()
        )));
    }
    let mse = pred
        .iter()
        .zip(target)
        .map(|(p, t)| (p - t).powi(2))
        .sum::<f64>()
        / pred.len() as f64;
    Ok(mse.sqrt())
}

/// Mean Gaussian log-likelihood (nats per point) of `target` under N(`mean`, `var`):
/// `mean_i[−½·(ln(2π σ²_i) + (y_i − μ_i)²/σ²_i)]`, the test log-likelihood of Deep Ensembles
/// (Lakshminarayanan et al. 2017) and the negative of [`crate::loss::gaussian_nll`] (constant
/// ½·ln 2π included, no variance clamp). `var` holds variances σ², in squared target units.
///
/// Errors on unequal or zero lengths and on a variance that is not > 0 (the density is not
/// defined); a NaN mean or target gives NaN.
pub fn gaussian_log_likelihood(mean: &[f64], var: &[f64], target: &[f64]) -> Result<f64> {
    if mean.len() != var.len() || mean.len() != target.len() || mean.is_empty() {
        return Err(crate::KitError::Invalid(format!(
            "gaussian_log_likelihood: {} means, {} variances, {} targets",
            mean.len(),
            var.len(),
            target.len()
        )));
    }
    if let Some(v) = var.iter().find(|v| v.is_nan() || **v <= 0.0) {
        return Err(crate::KitError::Invalid(format!(
            "gaussian_log_likelihood: variance {v} is not > 0"
        )));
    }
    let sum: f64 = mean
        .iter()
        .zip(var)
        .zip(target)
        .map(|((m, v), y)| -0.5 * (crate::loss::LN_2PI + v.ln() + (y - m).powi(2) / v))
        .sum();
    Ok(sum / mean.len() as f64)
}

#[cfg(test)]
mod tests {
    use super::*;
    use candle_core::Device;

    #[test]
    fn accuracy_counts_argmax_hits() {
        let d = Device::Cpu;
        let logits = Tensor::new(&[[0.1f32, 0.9], [0.8, 0.2], [0.3, 0.7], [0.5, 0.5]], &d).unwrap();
        let labels = Tensor::new(&[1i64, 0, 0, 0], &d).unwrap();
        // rows: hit, hit, miss, tie → index 0 → hit
        assert!((accuracy(&logits, &labels).unwrap() - 0.75).abs() < 1e-12);
    }

    #[test]
    fn rmse_is_root_mean_square() {
        assert!((rmse(&[1.0, 2.0], &[1.0, 4.0]).unwrap() - 2f64.sqrt()).abs() < 1e-12);
        assert!(rmse(&[], &[]).is_err());
    }

    /// μ = 0, σ² = 1, y = 0: −½ ln 2π = −0.9189385; μ = 1, σ² = 4, y = 3: −½(ln 2π + ln 4 + 1).
    #[test]
    fn gaussian_log_likelihood_by_hand() {
        let ll = gaussian_log_likelihood(&[0.0, 1.0], &[1.0, 4.0], &[0.0, 3.0]).unwrap();
        let want = (-0.918_938_533_204_672_7 - 0.5 * (crate::loss::LN_2PI + 4f64.ln() + 1.0)) / 2.0;
        assert!((ll - want).abs() < 1e-12, "{ll}");
        assert!(gaussian_log_likelihood(&[0.0], &[0.0], &[0.0]).is_err());
        assert!(gaussian_log_likelihood(&[0.0], &[f64::NAN], &[0.0]).is_err());
        assert!(gaussian_log_likelihood(&[0.0], &[1.0], &[]).is_err());
        assert!(gaussian_log_likelihood(&[f64::NAN], &[1.0], &[0.0])
            .unwrap()
            .is_nan());
    }
}
