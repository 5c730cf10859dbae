//! Input-gradient explanations and explanation-constrained ("right for the right reasons")
//! training: Ross, Hughes & Doshi-Velez (2017), "Right for the Right Reasons: Training
//! Differentiable Models by Constraining their Explanations" (IJCAI; code dtak/rrr at
//! d83a16ee4a989ba47ef1b1a43acc5f528a899b1f, MIT; IJCAI-17 proceedings pp. 2662–2670). Section
//! and equation numbers of the paper are not cited: its text was not available when this was
//! written; every formula follows the repository's code, quoted by file and function.
//!
//! - [`input_gradients`]: the gradient of a function of a classifier's (log-)probabilities
//!   ([`Explained`]) with respect to its input, `[batch, features]` in and out, for **any**
//!   classifier given as a closure from an input tensor to logits (candle's autograd with the
//!   input as a [`candle_core::Var`]; first order only, the result is detached). The
//!   repository's `input_gradients(params, y, scale)` in `rrr/multilayer_perceptron.py`.
//! - [`MultilayerPerceptron`]: the repository's MLP (`feed_forward`, `init_random_params`), whose
//!   [`MultilayerPerceptron::input_gradients`] writes the backward pass from the log-probabilities
//!   down to the input as explicit tensor operations, so that candle's autograd can differentiate
//!   an input gradient with respect to the weights (candle's own backward detaches the gradients
//!   it returns: no double backward).
//! - [`RightReasons`]: the paper's loss function (`MultilayerPerceptron.fit`'s `objective`):
//!   cross-entropy + λ₁·Σ (A ⊙ ∂(Σ_k log p_k)/∂x)² + λ₂·Σ θ², each term returned separately.
//! - [`largest_gradient_mask`]: the paper's `M_c[f_X]` (`largest_gradient_mask`), the
//!   annotation of find-another-explanation.
//!
//! A kit extension crate (`repro-kit-explain`, ARCHITECTURE.md "Kit extension crates"): the
//! papers that depend on it hash its sources into their code hash; the others' records do not
//! depend on it.

mod loss;
mod mlp;
#[cfg(test)]
mod tests;

/// The kit's finite-difference checks (`reproductions/kit/src/nn/gradcheck.rs`, test-only
/// there), shared by path so that one implementation serves both crates; it names
/// `crate::init` and `crate::rng`, hence the test-only re-exports beside it.
#[cfg(test)]
#[path = "../../kit/src/nn/gradcheck.rs"]
#[allow(dead_code)] // the checks this crate's tests do not call
mod gradcheck;
#[cfg(test)]
use repro_kit::{init, rng};

pub use loss::{RightReasons, RightReasonsLoss};
pub use mlp::{Activation, MultilayerPerceptron};

use candle_core::{DType, Tensor, Var, D};
use repro_kit::loss::log_softmax;
use repro_kit::{KitError, Result};

/// The scalar per example whose input gradient is the explanation. The repository's
/// `input_gradients(params, y=…, scale=…)`: `scale='log'` differentiates log-probabilities,
/// anything else probabilities; `y='sum'` the sum over classes, `y='max'` the largest, an
/// integer that class.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Explained {
    /// `Σ_k log p_k` (`scale='log', y='sum'`): the term the right-reasons penalty constrains
    /// (the default of `fit`'s `input_grad_kwargs`; paper Eq. 1).
    SumLogProbabilities,
    /// `log p_c` for class `c` (`scale='log', y=c`).
    LogProbability(usize),
    /// `p_c` for class `c` (`scale=None, y=c`; the Iris notebook's `input_gradients(X, y=0)`).
    Probability(usize),
    /// `max_k p_k` (`scale=None, y='max'`): the default of the repository's
    /// `MultilayerPerceptron.input_gradients`, hence of `grad_explain`, `largest_gradient_mask`,
    /// `rule1_score`/`rule2_score` and `iris_usage`. The arg-max is taken on the logits and held
    /// fixed (ties go to the first class).
    MaxProbability,
    /// `max_k log p_k` (`scale='log', y='max'`), arg-max as for [`Explained::MaxProbability`].
    MaxLogProbability,
}

impl Explained {
    /// Checks a class index against the number of classes `classes` (errors name the variant).
    fn check(self, classes: usize) -> Result<()> {
        match self {
            Explained::LogProbability(c) | Explained::Probability(c) if c >= classes => {
                Err(KitError::Invalid(format!(
                    "explained {self:?}: class {c} out of range for {classes} classes"
                )))
            }
            _ => Ok(()),
        }
    }
}

/// Input gradients of any classifier: `logits_of(x)` must map `x` [batch, features] to logits
/// [batch, classes] (unnormalised scores; log-softmax is applied here), each row depending on
/// its own input row only (evaluation mode: no batch statistics). Returns ∂f/∂x [batch,
/// features] with f = `explained` of row n's (log-)probabilities, for every row n (one backward
/// pass of Σ_n f_n; the repository's `elementwise_grad`). The result is detached (first order);
/// for a gradient that is itself differentiable with respect to the weights use
/// [`MultilayerPerceptron::input_gradients`].
///
/// Source: `input_gradients` in `rrr/multilayer_perceptron.py` (the paper's input-gradient
/// explanations).
///
/// Errors: `x` not rank 2 or not F32/F64, logits not [batch, classes] with classes ≥ 1, a class
/// of `explained` out of range, or an error of `logits_of`. A classifier whose logits do not
/// depend on `x` gets zeros.
pub fn input_gradients<F>(logits_of: F, x: &Tensor, explained: Explained) -> Result<Tensor>
where
    F: FnOnce(&Tensor) -> Result<Tensor>,
{
    let (batch, _) = check_input(x, "input_gradients input")?;
    let input = Var::from_tensor(&x.detach())?;
    let logits = logits_of(input.as_tensor())?;
    let classes = check_logits(&logits, batch)?;
    explained.check(classes)?;
    let objective = row_objective(&log_softmax(&logits)?, &logits, explained)?; // [batch, 1]
    let grads = objective.sum_all()?.backward()?;
    match grads.get(input.as_tensor()) {
        Some(g) => Ok(g.detach()),
        None => Ok(x.zeros_like()?),
    }
}

/// The paper's `M_c[f_X]` (find-another-explanation's annotation): for each row of `grads`
/// [batch, features], 1 where `|g| > cutoff · max_j |g_j|` of that row, else 0; [batch,
/// features] in the dtype of `grads` (a row of zeros gives zeros). The repository uses
/// `cutoff = 0.67` (`largest_gradient_mask`, `rrr/multilayer_perceptron.py`; the paper's
/// find-another-explanation).
///
/// Errors: `grads` not rank 2 or not F32/F64, `cutoff` outside [0, 1].
pub fn largest_gradient_mask(grads: &Tensor, cutoff: f64) -> Result<Tensor> {
    check_input(grads, "largest_gradient_mask gradients")?;
    if !(0.0..=1.0).contains(&cutoff) {
        return Err(KitError::hyperparameter(
            "largest_gradient_mask cutoff",
            cutoff,
            "must lie in [0, 1] (the repository uses 0.67)",
        ));
    }
    let magnitude = grads.abs()?;
    let threshold = magnitude.max_keepdim(D::Minus1)?.affine(cutoff, 0.0)?;
    Ok(magnitude
        .broadcast_gt(&threshold)?
        .to_dtype(grads.dtype())?)
}

/// Checks that `x` is [rows, columns] in F32/F64; returns the two sizes.
fn check_input(x: &Tensor, what: &str) -> Result<(usize, usize)> {
    if x.rank() != 2 {
        return Err(KitError::Invalid(format!(
            "{what}: expected [batch, features], got shape {:?}",
            x.dims()
        )));
    }
    if !matches!(x.dtype(), DType::F32 | DType::F64) {
        return Err(KitError::Invalid(format!(
            "{what}: expected F32 or F64, got {:?}",
            x.dtype()
        )));
    }
    Ok(x.dims2()?)
}

/// Checks that `logits` is [batch, classes] with classes ≥ 1; returns `classes`.
fn check_logits(logits: &Tensor, batch: usize) -> Result<usize> {
    let classes = logits.dims().get(1).copied().unwrap_or(0);
    if logits.rank() != 2 || logits.dims()[0] != batch || classes == 0 {
        return Err(KitError::shape(
            "classifier logits [batch, classes]",
            &[batch, classes.max(1)],
            logits.dims(),
        ));
    }
    Ok(classes)
}

/// The explained scalar of each row, [batch, 1], from the log-probabilities `log_p` [batch,
/// classes] (differentiable) and the `logits` (for the arg-max, held fixed).
fn row_objective(log_p: &Tensor, logits: &Tensor, explained: Explained) -> Result<Tensor> {
    Ok(match explained {
        Explained::SumLogProbabilities => log_p.sum_keepdim(1)?,
        Explained::LogProbability(c) => log_p.narrow(1, c, 1)?,
        Explained::Probability(c) => log_p.narrow(1, c, 1)?.exp()?,
        Explained::MaxLogProbability => log_p.gather(&arg_max(logits)?, 1)?,
        Explained::MaxProbability => log_p.gather(&arg_max(logits)?, 1)?.exp()?,
    })
}

/// ∂f_n/∂logits_n for every row, [batch, classes], written with differentiable tensor
/// operations of `log_p` [batch, classes] (p = exp(log p); the arg-max of `logits` is fixed):
/// `Σ_k log p_k` → 1 − K·p; `log p_c` → e_c − p; `p_c` → p_c·(e_c − p); `max log p` →
/// e_m − p; `max p` → p_m·(e_m − p).
fn logit_gradient(log_p: &Tensor, logits: &Tensor, explained: Explained) -> Result<Tensor> {
    let (batch, classes) = log_p.dims2()?;
    let p = log_p.exp()?;
    let minus_p = |basis: Tensor| -> Result<Tensor> { Ok(basis.broadcast_sub(&p)?) };
    Ok(match explained {
        Explained::SumLogProbabilities => p.affine(-(classes as f64), 1.0)?,
        Explained::LogProbability(c) => minus_p(one_hot(&[c], classes, log_p)?)?,
        Explained::Probability(c) => {
            minus_p(one_hot(&[c], classes, log_p)?)?.broadcast_mul(&p.narrow(1, c, 1)?)?
        }
        Explained::MaxLogProbability | Explained::MaxProbability => {
            let m = arg_max(logits)?;
            let rows: Vec<usize> = m
                .flatten_all()?
                .to_vec1::<u32>()?
                .into_iter()
                .map(|c| c as usize)
                .collect();
            debug_assert_eq!(rows.len(), batch);
            let basis = minus_p(one_hot(&rows, classes, log_p)?)?;
            if explained == Explained::MaxProbability {
                basis.broadcast_mul(&p.gather(&m, 1)?)?
            } else {
                basis
            }
        }
    })
}

/// The row-wise arg-max of `logits` [batch, classes] as U32 [batch, 1], detached.
fn arg_max(logits: &Tensor) -> Result<Tensor> {
    Ok(logits.detach().argmax_keepdim(1)?)
}

/// One-hot rows [rows.len(), classes] (a constant, in `like`'s dtype and device).
fn one_hot(rows: &[usize], classes: usize, like: &Tensor) -> Result<Tensor> {
    let mut v = vec![0f64; rows.len() * classes];
    for (i, &c) in rows.iter().enumerate() {
        v[i * classes + c] = 1.0;
    }
    Ok(Tensor::from_vec(v, (rows.len(), classes), like.device())?.to_dtype(like.dtype())?)
}
