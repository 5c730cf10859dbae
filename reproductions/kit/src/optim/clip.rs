//! Gradient clipping.

use crate::Result;
use candle_core::{backprop::GradStore, Var};

/// PyTorch's `torch.nn.utils.clip_grad_norm_(params, max_norm)` (norm type 2): the total norm
/// `‖g‖ = √(Σ_params ‖g_p‖²)` over the gradients of `vars` present in `grads`; every gradient is
/// multiplied by `min(1, max_norm / (‖g‖ + 1e-6))`. Returns the total norm before clipping
/// (non-finite if any gradient is, in which case the gradients are left as they are).
///
/// # Errors
/// [`crate::KitError::Invalid`] for a `max_norm` that is not positive and finite.
pub fn clip_grad_norm(grads: &mut GradStore, vars: &[Var], max_norm: f64) -> Result<f64> {
    if !(max_norm > 0.0 && max_norm.is_finite()) {
        return Err(crate::KitError::Invalid(format!(
            "max_norm must be positive and finite, got {max_norm}"
        )));
    }
    let mut sq = 0f64;
    for v in vars {
        if let Some(g) = grads.get(v.as_tensor()) {
            let n = g
                .sqr()?
                .sum_all()?
                .to_dtype(candle_core::DType::F64)?
                .to_scalar::<f64>()?;
            sq += n;
        }
    }
    let total = sq.sqrt();
    if !total.is_finite() {
        return Ok(total);
    }
    let coef = (max_norm / (total + 1e-6)).min(1.0);
    if coef < 1.0 {
        for v in vars {
            if let Some(g) = grads.get(v.as_tensor()) {
                let scaled = (g * coef)?;
                grads.insert(v.as_tensor(), scaled);
            }
        }
    }
    Ok(total)
}

#[cfg(test)]
mod tests {
    use super::*;
    use candle_core::{Device, Tensor};

    #[test]
    fn clips_to_max_norm_and_reports_the_total() {
        let d = Device::Cpu;
        let a = Var::new(&[1.0f32, 2.0], &d).unwrap();
        let b = Var::new(&[2.0f32], &d).unwrap();
        // loss = 1.5·Σa² + Σb²/2... use a linear loss: grads are the coefficients.
        let loss = (a.as_tensor() * &Tensor::new(&[3.0f32, 0.0], &d).unwrap())
            .unwrap()
            .sum_all()
            .unwrap()
            .add(&(b.as_tensor() * 4.0).unwrap().sum_all().unwrap())
            .unwrap();
        let mut g = loss.backward().unwrap();
        let total = clip_grad_norm(&mut g, &[a.clone(), b.clone()], 1.0).unwrap();
        assert!((total - 5.0).abs() < 1e-6);
        let ga: Vec<f32> = g.get(a.as_tensor()).unwrap().to_vec1().unwrap();
        let gb: Vec<f32> = g.get(b.as_tensor()).unwrap().to_vec1().unwrap();
        let c = 1.0 / (5.0 + 1e-6);
        assert!((ga[0] as f64 - 3.0 * c).abs() < 1e-6 && ga[1] == 0.0);
        assert!((gb[0] as f64 - 4.0 * c).abs() < 1e-6);
        // Below the threshold nothing changes.
        let mut g = loss.backward().unwrap();
        clip_grad_norm(&mut g, &[a.clone(), b], 10.0).unwrap();
        assert_eq!(
            g.get(a.as_tensor()).unwrap().to_vec1::<f32>().unwrap(),
            vec![3.0, 0.0]
        );
        assert!(clip_grad_norm(&mut g, &[a], 0.0).is_err());
    }
}
