//! Training and evaluation as `MultilayerPerceptron.fit` (`rrr/multilayer_perceptron.py`,
//! dtak/rrr at d83a16e) does them: batches taken in order without shuffling
//! (`batch_indices(iteration)`: slice `idx·batch_size .. (idx+1)·batch_size` of `iteration %
//! num_batches`), Adam (`autograd.optimizers.adam`: β = (0.9, 0.999), ε = 1e-8) for
//! `num_epochs · num_batches` iterations on the right-reasons objective.

use crate::Settings;
use candle_core::{DType, Tensor};
use repro_kit::fit::{fit, FitPlan, FitReport, StepLoss};
use repro_kit::metrics::accuracy;
use repro_kit::nn::{Layer, Parameters};
use repro_kit::optim::Adam;
use repro_kit::rng;
use repro_kit::{Progress, Result};
use repro_kit_explain::{
    input_gradients, largest_gradient_mask, Activation, Explained, MultilayerPerceptron,
    RightReasons,
};
use std::collections::BTreeMap;
use std::time::Instant;

/// One training set: inputs [n, features] (F32) and labels [n] (U32).
pub struct TrainingSet<'a> {
    /// Inputs [n, features].
    pub x: &'a Tensor,
    /// Labels [n].
    pub y: &'a Tensor,
    /// Number of classes.
    pub classes: usize,
}

/// Trains a fresh MLP (`[features] + hidden + [classes]`, weights and biases
/// `init_scale · N(0, 1)` from the stream `init_purpose`) on `data` with the annotation
/// `annotation` [n, features] (None: A = 0) and penalty weight `l2_grads`. Returns the model and
/// the kit's [`FitReport`] (a non-finite loss stops training and is recorded there).
pub fn train(
    h: &Settings,
    data: &TrainingSet,
    annotation: Option<&Tensor>,
    l2_grads: f64,
    seed: u64,
    init_purpose: &str,
    progress: &dyn Progress,
) -> Result<(MultilayerPerceptron, FitReport)> {
    let (n, features) = data.x.dims2()?;
    let sizes = [vec![features], h.hidden.clone(), vec![data.classes]].concat();
    let device = data.x.device();
    let mut init = rng::stream(seed, init_purpose);
    let mlp = MultilayerPerceptron::normal_init(
        &mut init,
        &sizes,
        h.init_scale,
        Activation::Relu,
        device,
    )?;
    let objective = RightReasons {
        l2_grads,
        l2_params: h.l2_params,
        normalize: h.normalize,
        explained: Explained::SumLogProbabilities,
    };
    let batch = h.batch_size.min(n);
    let num_batches = n.div_ceil(batch) as u64;
    let mut plan = FitPlan::epochs(h.epochs as u64, num_batches);
    if let Some(limit) = h.step_limit {
        plan.steps = plan.steps.min(limit.max(1));
    }
    let mut opt = Adam::new(mlp.vars(), h.learning_rate, 0.0)?;
    let report = fit(
        &plan,
        &mut opt,
        |s| {
            let start = (s % num_batches) as usize * batch;
            let len = batch.min(n - start);
            let a = annotation.map(|a| a.narrow(0, start, len)).transpose()?;
            Ok((
                data.x.narrow(0, start, len)?,
                data.y.narrow(0, start, len)?,
                a,
            ))
        },
        |(x, y, a)| {
            let terms = objective.loss(&mlp, x, y, a.as_ref())?;
            Ok(StepLoss {
                loss: terms.total,
                examples: x.dims()[0],
            })
        },
        |_| Ok(BTreeMap::new()),
        progress,
    )?;
    Ok((mlp, report))
}

/// Test accuracy of `mlp` on `x` [n, features] with labels `y` [n].
pub fn score(mlp: &MultilayerPerceptron, x: &Tensor, y: &Tensor) -> Result<f64> {
    accuracy(&mlp.forward(x)?, y)
}

/// The repository's explanation: `MultilayerPerceptron.input_gradients(X)`, the gradient of the
/// largest class probability with respect to the input, [n, features] for `x` [n, features].
pub fn explanations(mlp: &MultilayerPerceptron, x: &Tensor) -> Result<Tensor> {
    input_gradients(|x| mlp.forward(x), x, Explained::MaxProbability)
}

/// `largest_gradient_mask(X, cutoff)` of `mlp` on `x`: 1 where |∂max p/∂x| > cutoff · the row's
/// largest, [n, features].
pub fn gradient_mask(mlp: &MultilayerPerceptron, x: &Tensor, cutoff: f64) -> Result<Tensor> {
    largest_gradient_mask(&explanations(mlp, x)?, cutoff)
}

/// Seconds per example of one input-gradient explanation batch of `x` [n, features]
/// (candle autograd through the model, as the notebooks time `input_gradients(Xt[:25])`): the
/// median over `repeats` timed calls after one warm-up call, divided by n.
pub fn explanation_seconds(mlp: &MultilayerPerceptron, x: &Tensor, repeats: usize) -> Result<f64> {
    explanations(mlp, x)?;
    let mut times = Vec::with_capacity(repeats);
    for _ in 0..repeats.max(1) {
        let t = Instant::now();
        let g = explanations(mlp, x)?;
        g.sum_all()?.to_dtype(DType::F64)?.to_scalar::<f64>()?; // forces the computation
        times.push(t.elapsed().as_secs_f64());
    }
    times.sort_by(f64::total_cmp);
    Ok(times[times.len() / 2] / x.dims()[0].max(1) as f64)
}

/// Share of the gradient mass Σ|g| of `grads` [n, features] (host values) that lies on the
/// features where `region` [features] is 1, pooled over rows; NaN if every gradient is 0.
pub fn gradient_share(grads: &[f32], region: &[f32]) -> f64 {
    let (mut inside, mut all) = (0.0f64, 0.0f64);
    for row in grads.chunks(region.len()) {
        for (g, r) in row.iter().zip(region) {
            let m = f64::from(g.abs());
            all += m;
            inside += m * f64::from(*r);
        }
    }
    inside / all
}

/// Per row of `grads` [n, features], how many of the 10 largest |g| lie in `region`
/// [features]; averaged over rows (`np.mean([(np.argsort(np.abs(g))[-10:] < 4).sum() …])`
/// with the Iris block as the region). Ties rank by index as a stable sort of |g| does.
pub fn region_in_top10(grads: &[f32], region: &[f32]) -> f64 {
    let features = region.len();
    let mut total = 0usize;
    let mut rows = 0usize;
    for row in grads.chunks(features) {
        let mut order: Vec<usize> = (0..features).collect();
        order.sort_by(|&a, &b| row[a].abs().total_cmp(&row[b].abs()));
        total += order[features.saturating_sub(10)..]
            .iter()
            .filter(|&&j| region[j] > 0.0)
            .count();
        rows += 1;
    }
    total as f64 / rows.max(1) as f64
}

/// Of all entries of the 0/1 `mask` [n, features], pooled over rows, the share on the features
/// where `region` [features] is 1; NaN for an empty mask.
pub fn pooled_mask_fraction(mask: &[f32], region: &[f32]) -> f64 {
    let (mut inside, mut all) = (0.0f64, 0.0f64);
    for row in mask.chunks(region.len()) {
        for (m, r) in row.iter().zip(region) {
            all += f64::from(*m);
            inside += f64::from(*m) * f64::from(*r);
        }
    }
    inside / all
}

/// Host values of a rank-2 F32 tensor, row-major.
pub fn host(t: &Tensor) -> Result<Vec<f32>> {
    Ok(t.to_dtype(DType::F32)?.flatten_all()?.to_vec1()?)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn gradient_share_pools_absolute_mass() {
        let grads = [1.0, -1.0, 2.0, 0.0, 0.0, -4.0];
        let region = [1.0, 0.0, 0.0];
        // |g| on feature 0: 1 + 0 = 1 of 1 + 1 + 2 + 4 = 8.
        assert_eq!(gradient_share(&grads, &region), 1.0 / 8.0);
    }

    #[test]
    fn pooled_mask_fraction_counts_entries_in_the_region() {
        let mask = [1.0, 1.0, 0.0, 0.0, 1.0, 1.0];
        let region = [1.0, 0.0, 0.0];
        assert_eq!(pooled_mask_fraction(&mask, &region), 1.0 / 4.0);
        assert!(pooled_mask_fraction(&[0.0; 3], &region).is_nan());
    }

    #[test]
    fn top10_counts_region_features_among_the_largest() {
        // 12 features, region = features 0..4; row 0: features 0 and 1 are the two smallest
        // (outside the top 10), features 2 and 3 large; row 1: all four among the top 10.
        let mut region = [0f32; 12];
        region[..4].fill(1.0);
        let row0 = [0.1, -0.2, 5.0, -6.0, 1.0, 1.1, 1.2, 1.3, 1.4, 1.5, 1.6, 1.7];
        let row1 = [9.0, 9.0, -9.0, 9.0, 0.0, 0.0, 3.0, 3.0, 3.0, 3.0, 3.0, 3.0];
        let grads: Vec<f32> = row0.iter().chain(&row1).copied().collect();
        assert_eq!(region_in_top10(&grads, &region), (2.0 + 4.0) / 2.0);
    }
}
