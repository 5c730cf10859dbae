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

/// Root-mean-square error between `pred` and `target` (same shape, F32/F64), in the targets' units.
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
}
