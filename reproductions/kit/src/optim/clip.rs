//! Global gradient-norm clipping: PyTorch's `torch.nn.utils.clip_grad_norm_(parameters,
//! max_norm, norm_type=2.0, error_if_nonfinite=False)`.

use super::gradient;
use crate::{KitError, Result};
use candle_core::{backprop::GradStore, DType, Storage, Var};

/// PyTorch's ε in the clipping divisor: `clip_coef = max_norm / (total_norm + 1e-6)`.
pub const CLIP_EPS: f64 = 1e-6;

/// Σ g² of one gradient in f64: read in place for contiguous F32/F64 CPU tensors, by tensor ops
/// otherwise.
fn sum_of_squares(g: &candle_core::Tensor) -> Result<f64> {
    {
        let (storage, layout) = g.storage_and_layout();
        if let (Storage::Cpu(cpu), Some((a, b))) = (&*storage, layout.contiguous_offsets()) {
            match cpu {
                candle_core::CpuStorage::F32(v) => {
                    return Ok(v[a..b].iter().map(|&x| f64::from(x) * f64::from(x)).sum());
                }
                candle_core::CpuStorage::F64(v) => {
                    return Ok(v[a..b].iter().map(|&x| x * x).sum());
                }
                _ => {}
            }
        }
    }
    Ok(g.to_dtype(DType::F64)?
        .sqr()?
        .sum_all()?
        .to_scalar::<f64>()?)
}

/// Scales the gradients of `vars` in `grads` so that their joint L2 norm is at most
/// `max_norm`, and returns the joint norm **before** clipping,
/// `‖g‖ = √(Σ_params Σ_i g_i²)` (accumulated in f64).
///
/// As PyTorch: `clip_coef = max_norm / (‖g‖ + 1e-6)`, clamped to at most 1; every gradient is
/// multiplied by it (when it is 1 nothing changes, so the gradients are left as they are). A
/// non-finite norm is not an error (PyTorch's default `error_if_nonfinite=False`): with a NaN
/// norm the coefficient is NaN and every gradient becomes NaN; with an infinite norm it is 0
/// (finite entries become 0, infinite ones NaN) — the optimizer step then shows the divergence.
///
/// Errors: `max_norm` negative or NaN (PyTorch would flip or poison the gradients silently), or
/// a parameter of `vars` without a gradient (PyTorch skips it; here, as the optimizers, it is an
/// error since it would silently escape the clipping).
pub fn clip_grad_norm(grads: &mut GradStore, vars: &[Var], max_norm: f64) -> Result<f64> {
    if max_norm.is_nan() || max_norm < 0.0 {
        return Err(KitError::Invalid(format!(
            "clip_grad_norm: max_norm {max_norm} must be ≥ 0"
        )));
    }
    let mut total = 0.0;
    for var in vars {
        total += sum_of_squares(gradient(grads, var)?)?;
    }
    let total = total.sqrt();
    let coef = max_norm / (total + CLIP_EPS);
    // torch.clamp(max=1) propagates NaN; f64::min would not.
    let coef = if coef.is_nan() {
        f64::NAN
    } else {
        coef.min(1.0)
    };
    if coef != 1.0 {
        for var in vars {
            let scaled = gradient(grads, var)?.affine(coef, 0.0)?;
            grads.insert(var.as_tensor(), scaled);
        }
    }
    Ok(total)
}

#[cfg(test)]
mod tests {
    use super::*;
    use candle_core::{Device, Tensor};

    /// Gradients (3, 0) and (4,) have joint norm 5; max_norm 1 scales them by 1/(5 + 1e-6).
    fn setup() -> (Vec<Var>, GradStore) {
        let d = Device::Cpu;
        let a = Var::new(&[1.0f32, 1.0], &d).unwrap();
        let b = Var::new(&[1.0f64], &d).unwrap();
        let ca = Tensor::new(&[3.0f32, 0.0], &d).unwrap();
        let cb = Tensor::new(&[4.0f64], &d).unwrap();
        let loss = ((a.as_tensor() * &ca)
            .unwrap()
            .sum_all()
            .unwrap()
            .to_dtype(DType::F64))
        .unwrap()
            + (b.as_tensor() * &cb).unwrap().sum_all().unwrap();
        let grads = loss.unwrap().backward().unwrap();
        (vec![a, b], grads)
    }

    #[test]
    fn clips_to_max_norm_and_returns_the_norm_before() {
        let (vars, mut grads) = setup();
        let n = clip_grad_norm(&mut grads, &vars, 1.0).unwrap();
        assert!((n - 5.0).abs() < 1e-12);
        let ga: Vec<f32> = grads.get(vars[0].as_tensor()).unwrap().to_vec1().unwrap();
        let gb: Vec<f64> = grads.get(vars[1].as_tensor()).unwrap().to_vec1().unwrap();
        let c = 1.0 / (5.0 + 1e-6);
        assert!((f64::from(ga[0]) - 3.0 * c).abs() < 1e-7 && ga[1] == 0.0);
        assert!((gb[0] - 4.0 * c).abs() < 1e-12);
        // The clipped gradients now have norm just under 1.
        let n2 = clip_grad_norm(&mut grads, &vars, 1.0).unwrap();
        assert!((n2 - 5.0 * c).abs() < 1e-6);
    }

    #[test]
    fn leaves_small_gradients_alone() {
        let (vars, mut grads) = setup();
        assert!((clip_grad_norm(&mut grads, &vars, 10.0).unwrap() - 5.0).abs() < 1e-12);
        let gb: Vec<f64> = grads.get(vars[1].as_tensor()).unwrap().to_vec1().unwrap();
        assert_eq!(gb, [4.0]);
    }

    #[test]
    fn nan_norm_poisons_gradients_and_bad_input_errors() {
        let d = Device::Cpu;
        let a = Var::new(&[1.0f32, 1.0], &d).unwrap();
        let c = Tensor::new(&[f32::NAN, 1.0], &d).unwrap();
        let mut grads = (a.as_tensor() * &c)
            .unwrap()
            .sum_all()
            .unwrap()
            .backward()
            .unwrap();
        let vars = vec![a];
        assert!(clip_grad_norm(&mut grads, &vars, 1.0).unwrap().is_nan());
        let g: Vec<f32> = grads.get(vars[0].as_tensor()).unwrap().to_vec1().unwrap();
        assert!(g.iter().all(|x| x.is_nan()), "{g:?}");
        assert!(clip_grad_norm(&mut grads, &vars, -1.0).is_err());
        let other = Var::new(&[1.0f32], &d).unwrap();
        assert!(clip_grad_norm(&mut grads, &[other], 1.0).is_err());
    }
}
