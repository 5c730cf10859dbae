//! The "right for the right reasons" loss (the paper's loss function L(θ, X, y, A); `objective` inside
//! `MultilayerPerceptron.fit`, `rrr/multilayer_perceptron.py`).

use super::{Explained, MultilayerPerceptron};
use candle_core::{DType, Tensor};
use repro_kit::loss::log_softmax;
use repro_kit::nn::Parameters;
use repro_kit::{KitError, Result};

/// The loss's weights, as `MultilayerPerceptron(l2_params, l2_grads)` and `fit(normalize=…)`
/// take them.
///
/// ```text
/// crossentropy = −Σ_n Σ_k y_nk log p_nk / lenX
/// rightreasons = l2_grads · Σ_n Σ_d (A_nd · ∂f_n/∂x_nd)² / sumA      f = explained (Σ_k log p_k)
/// smallparams  = l2_params · Σ_i θ_i²                                 (every weight and bias)
/// ```
/// with `lenX = sumA = 1` unless `normalize` (then `lenX = max(1, batch)`,
/// `sumA = max(1, Σ A)`). The repository writes the penalty `l2_norm(grads[A])` with a boolean
/// `A`, which equals `Σ (A ⊙ grads)²` for A ∈ {0, 1}.
#[derive(Debug, Clone, Copy, PartialEq)]
pub struct RightReasons {
    /// λ₁, the weight of the input-gradient penalty (`l2_grads`; repository default 1e-4, the
    /// notebooks pass 1000 or 1e6 with an annotation).
    pub l2_grads: f64,
    /// λ₂, the weight of the squared parameter norm (`l2_params`; default 1e-4).
    pub l2_params: f64,
    /// Divide the cross-entropy by the batch size and the penalty by Σ A (`normalize`;
    /// default false: sums).
    pub normalize: bool,
    /// The per-example function whose input gradient is penalised (`input_grad_kwargs`;
    /// default `scale='log', y='sum'`: [`Explained::SumLogProbabilities`]).
    pub explained: Explained,
}

impl Default for RightReasons {
    /// The repository's defaults: `l2_grads = l2_params = 1e-4`, `normalize = False`,
    /// Σ_k log p_k.
    fn default() -> Self {
        Self {
            l2_grads: 1e-4,
            l2_params: 1e-4,
            normalize: false,
            explained: Explained::SumLogProbabilities,
        }
    }
}

/// The three terms of [`RightReasons::loss`] and their sum, each a scalar tensor (rank 0) in
/// the model's dtype, differentiable with respect to the model's parameters.
#[derive(Debug, Clone)]
pub struct RightReasonsLoss {
    /// `crossentropy` (nats; summed over the batch unless `normalize`).
    pub cross_entropy: Tensor,
    /// `rightreasons`: λ₁ · Σ (A ⊙ ∂f/∂x)² (/ sumA); exactly 0 without an annotation or
    /// with λ₁ = 0 (then not computed).
    pub right_reasons: Tensor,
    /// `smallparams`: λ₂ · Σ θ².
    pub small_params: Tensor,
    /// The sum of the three: what to minimise.
    pub total: Tensor,
}

impl RightReasons {
    /// The loss of `mlp` on `x` [batch, inputs] (the parameters' dtype) with class labels
    /// `labels` [batch] (U8/U32/I64 in `0..classes`) and the annotation `annotations` [batch,
    /// inputs] (1 where the input gradient should be small, 0 elsewhere; any dtype, converted;
    /// `None` for A = 0). One forward pass serves the cross-entropy and the input gradient.
    ///
    /// Errors: λ's negative or not finite, shapes, a label out of range, an annotation not the
    /// shape of `x`.
    pub fn loss(
        &self,
        mlp: &MultilayerPerceptron,
        x: &Tensor,
        labels: &Tensor,
        annotations: Option<&Tensor>,
    ) -> Result<RightReasonsLoss> {
        self.check()?;
        let trace = mlp.trace(x)?;
        let batch = x.dims()[0];
        let labels = checked_labels(labels, batch, mlp.classes())?;
        let log_p = log_softmax(&trace.logits)?;
        let len_x = if self.normalize {
            batch.max(1) as f64
        } else {
            1.0
        };
        let cross_entropy = log_p
            .gather(&labels.unsqueeze(1)?, 1)?
            .sum_all()?
            .affine(-1.0 / len_x, 0.0)?;
        let right_reasons = match annotations {
            Some(a) if self.l2_grads > 0.0 => {
                let a = checked_annotations(a, x)?;
                let sum_a = if self.normalize {
                    a.sum_all()?
                        .to_dtype(DType::F64)?
                        .to_scalar::<f64>()?
                        .max(1.0)
                } else {
                    1.0
                };
                mlp.input_gradients_of(&trace, self.explained)?
                    .mul(&a)?
                    .sqr()?
                    .sum_all()?
                    .affine(self.l2_grads / sum_a, 0.0)?
            }
            _ => Tensor::zeros((), x.dtype(), x.device())?,
        };
        let small_params = squared_norm(mlp, x)?.affine(self.l2_params, 0.0)?;
        let total = ((&cross_entropy + &right_reasons)? + &small_params)?;
        Ok(RightReasonsLoss {
            cross_entropy,
            right_reasons,
            small_params,
            total,
        })
    }

    /// Checks the weights: finite and ≥ 0; the class of `explained` is checked by the model.
    fn check(&self) -> Result<()> {
        for (field, value) in [("l2_grads", self.l2_grads), ("l2_params", self.l2_params)] {
            if !(value.is_finite() && value >= 0.0) {
                return Err(KitError::hyperparameter(
                    field,
                    value,
                    "must be finite and ≥ 0",
                ));
            }
        }
        Ok(())
    }
}

/// Σ θ² over every parameter of `mlp` (the repository's `l2_norm(params)`), a scalar in `x`'s
/// dtype.
fn squared_norm(mlp: &MultilayerPerceptron, x: &Tensor) -> Result<Tensor> {
    let mut total = Tensor::zeros((), x.dtype(), x.device())?;
    for v in mlp.vars() {
        total = (total + v.as_tensor().sqr()?.sum_all()?)?;
    }
    Ok(total)
}

/// Class labels [batch] as U32 in `0..classes`.
fn checked_labels(labels: &Tensor, batch: usize, classes: usize) -> Result<Tensor> {
    if labels.dims() != [batch] {
        return Err(KitError::shape(
            "right-reasons labels",
            &[batch],
            labels.dims(),
        ));
    }
    if !matches!(labels.dtype(), DType::U8 | DType::U32 | DType::I64) {
        return Err(KitError::Invalid(format!(
            "right-reasons labels must be U8, U32 or I64, got {:?}",
            labels.dtype()
        )));
    }
    let wide = labels.to_dtype(DType::I64)?.to_vec1::<i64>()?;
    if let Some(bad) = wide.iter().find(|&&c| c < 0 || c as usize >= classes) {
        return Err(KitError::Invalid(format!(
            "right-reasons label {bad} out of range for {classes} classes"
        )));
    }
    Ok(labels.to_dtype(DType::U32)?)
}

/// The annotation A in `x`'s dtype, checked to have `x`'s shape.
fn checked_annotations(a: &Tensor, x: &Tensor) -> Result<Tensor> {
    if a.dims() != x.dims() {
        return Err(KitError::shape(
            "right-reasons annotation A [batch, inputs]",
            x.dims(),
            a.dims(),
        ));
    }
    Ok(a.to_dtype(x.dtype())?)
}
