//! Keras' `categorical_crossentropy` as the reference applies it: to **sigmoid** outputs, not a
//! softmax.
//!
//! Keras 2 (TensorFlow backend, `keras/backend/tensorflow_backend.py::categorical_crossentropy`
//! with `from_logits=False`):
//! `output /= reduce_sum(output, axis=-1, keepdims=True)`;
//! `output = clip_by_value(output, ε, 1 − ε)` with ε = 1e-7 (`K.epsilon()`);
//! `loss = −reduce_sum(target · log(output), axis=-1)`; the batch loss is the mean over rows.

use crate::nn::expect_shape;
use crate::Result;
use candle_core::{Tensor, D};

/// Keras' fuzz factor `K.epsilon()`.
pub const EPSILON: f64 = 1e-7;

/// Mean over the batch of Keras' categorical cross-entropy (nats) of `y_pred` [batch, classes]
/// (positive outputs, here sigmoids; each row is divided by its sum, then clipped to
/// [ε, 1 − ε]) against `y_true` [batch, classes] (one-hot). Returns a scalar tensor that can be
/// differentiated; where the clip is active its gradient is zero, as TensorFlow's
/// `clip_by_value`.
pub fn keras_categorical_crossentropy(y_pred: &Tensor, y_true: &Tensor) -> Result<Tensor> {
    let (batch, classes) = y_pred.dims2()?;
    expect_shape(y_true, &[batch, classes], "targets")?;
    let p = y_pred.broadcast_div(&y_pred.sum_keepdim(D::Minus1)?)?;
    let p = p.clamp(EPSILON as f32, (1.0 - EPSILON) as f32)?;
    let per_row = (y_true * p.log()?)?.sum(D::Minus1)?;
    Ok(per_row.mean_all()?.neg()?)
}

/// A detached scalar that is non-finite exactly when Keras' loss on `y_pred` [batch, classes]
/// would be: the sum of the row-normalised outputs `y_pred / Σ y_pred`. TensorFlow's
/// `clip_by_value` propagates NaN (from NaN outputs or an all-zero row, 0/0), but candle's
/// `clamp` maps NaN to a bound, so [`keras_categorical_crossentropy`] alone can stay finite where
/// Keras reports `loss: nan`; training loops add this probe to their divergence check.
pub fn nan_probe(y_pred: &Tensor) -> Result<Tensor> {
    let y = y_pred.detach();
    Ok(y.broadcast_div(&y.sum_keepdim(D::Minus1)?)?.sum_all()?)
}

#[cfg(test)]
mod tests {
    use super::*;
    use candle_core::{Device, Var};

    /// Row 1: outputs (0.5, 0.25, 0.25), class 0: p = 0.5, loss ln 2.
    /// Row 2: outputs (0.6, 0.2, 0.2) sum to 1, class 2: loss −ln 0.2.
    /// Row 3: outputs (0.9, 0, 0), class 1: p = 0 is clipped to 1e-7, loss −ln 1e-7 = 16.118.
    #[test]
    fn matches_a_hand_computed_batch() {
        let d = Device::Cpu;
        let y_pred = Tensor::new(
            &[[0.5f32, 0.25, 0.25], [0.6, 0.2, 0.2], [0.9, 0.0, 0.0]],
            &d,
        )
        .unwrap();
        let y_true = Tensor::new(&[[1f32, 0., 0.], [0., 0., 1.], [0., 1., 0.]], &d).unwrap();
        let l = keras_categorical_crossentropy(&y_pred, &y_true)
            .unwrap()
            .to_scalar::<f32>()
            .unwrap() as f64;
        let want = (2f64.ln() - 0.2f64.ln() - (1e-7f32 as f64).ln()) / 3.0;
        assert!((l - want).abs() < 1e-5, "{l} vs {want}");
    }

    /// Outputs that do not sum to one are normalised first: (0.8, 0.8) is (0.5, 0.5).
    #[test]
    fn normalises_sigmoid_outputs() {
        let d = Device::Cpu;
        let y_pred = Tensor::new(&[[0.8f32, 0.8]], &d).unwrap();
        let y_true = Tensor::new(&[[0f32, 1.]], &d).unwrap();
        let l = keras_categorical_crossentropy(&y_pred, &y_true)
            .unwrap()
            .to_scalar::<f32>()
            .unwrap();
        assert!((l - 2f32.ln()).abs() < 1e-6);
    }

    #[test]
    fn nan_probe_flags_zero_rows_and_nan_outputs() {
        let d = Device::Cpu;
        let ok = Tensor::new(&[[0.5f32, 0.25], [0.9, 0.1]], &d).unwrap();
        let v = nan_probe(&ok).unwrap().to_scalar::<f32>().unwrap();
        assert!((v - 2.0).abs() < 1e-6);
        let zero_row = Tensor::new(&[[0.5f32, 0.25], [0.0, 0.0]], &d).unwrap();
        assert!(nan_probe(&zero_row)
            .unwrap()
            .to_scalar::<f32>()
            .unwrap()
            .is_nan());
        let nan = Tensor::new(&[[f32::NAN, 0.25]], &d).unwrap();
        assert!(nan_probe(&nan)
            .unwrap()
            .to_scalar::<f32>()
            .unwrap()
            .is_nan());
    }

    /// d/ds_t of −ln(s_t / Σs) is −1/s_t + 1/Σs; d/ds_j (j ≠ t) is 1/Σs. A clipped row gets zero.
    #[test]
    fn gradient_matches_the_formula_and_vanishes_when_clipped() {
        let d = Device::Cpu;
        let s = Var::new(&[[0.5f32, 0.25, 0.25], [0.9, 0.0, 0.0]], &d).unwrap();
        let y = Tensor::new(&[[1f32, 0., 0.], [0., 1., 0.]], &d).unwrap();
        let loss = keras_categorical_crossentropy(s.as_tensor(), &y).unwrap();
        let g: Vec<Vec<f32>> = loss
            .backward()
            .unwrap()
            .get(s.as_tensor())
            .unwrap()
            .to_vec2()
            .unwrap();
        // Mean over 2 rows: factor 1/2. Row 1: Σs = 1.
        let want = [(-1.0 / 0.5 + 1.0) / 2.0, 0.5, 0.5];
        for (a, b) in g[0].iter().zip(want) {
            assert!((f64::from(*a) - b).abs() < 1e-5, "{:?}", g[0]);
        }
        assert!(g[1].iter().all(|&a| a == 0.0), "{:?}", g[1]);
    }
}
