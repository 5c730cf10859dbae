//! GC-MC (van den Berg, Kipf & Welling 2017): the rating graph ([`graph`]), the graph
//! auto-encoder ([`model`]) and its full-batch training with Adam and Polyak (exponential
//! moving) averages of the parameters, as `gcmc/train.py` runs it with `--testing`.

pub mod graph;
pub mod model;

use crate::movielens::SideFeatures;
use candle_core::{backprop::GradStore, Device, Tensor};
use candle_nn::loss::cross_entropy;
use graph::{Graph, Normalization};
use model::{edge_tensors, expected_ratings, Dropout, Gcmc, Sizes};
use repro_kit::fit::{Divergence, Unit};
use repro_kit::optim::{Adam, AdamParams};
use repro_kit::rng::stream;
use repro_kit::{DivergenceReason, KitError, Progress, Result};
use repro_kit_recsys::{Accuracy, Rating};
use std::time::Instant;

/// Training settings (the command's flags).
#[derive(Debug, Clone, PartialEq)]
pub struct Settings {
    /// `--hidden` (graph-convolution width, dense width); the first is rounded down to a
    /// multiple of the number of classes, as `train.py` does for `--accum stack`.
    pub hidden: [usize; 2],
    /// `--dropout`: node dropout of the inputs and dropout of the dense layer's input.
    pub dropout: f64,
    /// `--num_basis_functions`.
    pub num_basis: usize,
    /// `--epochs`: full-batch Adam steps.
    pub epochs: usize,
    /// `--learning_rate`.
    pub learning_rate: f64,
    /// `-nleft` / `-nsym`.
    pub normalization: Normalization,
    /// `tf.train.ExponentialMovingAverage` decay (`model.py`: 0.995).
    pub ema_decay: f64,
    /// `--features --feat_hidden N`: the side-feature layer's width; `None` without features.
    pub feat_hidden: Option<usize>,
    /// Whether a rating class may have no training rating (the reference's YahooMusic case).
    pub empty_classes_allowed: bool,
}

/// What a GC-MC run measured.
#[derive(Debug, Clone)]
pub struct Outcome {
    /// Test accuracy with the Polyak-averaged parameters (the reference's last printed
    /// "polyak test rmse").
    pub test: Accuracy,
    /// Test accuracy with the parameters after the last step ("test rmse").
    pub raw_test: Accuracy,
    /// Training accuracy of the averaged parameters, without dropout.
    pub train: Accuracy,
    /// Trainable scalars.
    pub parameter_count: usize,
    /// Loss of the last step (nats).
    pub last_loss: f64,
    /// Seconds of training.
    pub train_seconds: f64,
    /// Set when the loss became non-finite.
    pub divergence: Option<Divergence>,
    /// Training loss per epoch.
    pub loss_curve: Vec<(f64, f64)>,
}

/// Trains on `train`, tests on `test` (module docs), seeded by `seed` (`"init"`, `"dropout"`);
/// `side` holds the users' and items' raw side features when `s.feat_hidden` is set.
///
/// Errors: a rating class with no training rating, side features asked for but not given,
/// invalid sizes, a failed tensor op.
pub fn run(
    s: &Settings,
    train: &[Rating],
    test: &[Rating],
    side: Option<&SideFeatures>,
    seed: u64,
    progress: &dyn Progress,
) -> Result<Outcome> {
    let dev = Device::Cpu;
    let mut graph = Graph::new(train, test, s.normalization, s.empty_classes_allowed)?;
    if s.feat_hidden.is_some() {
        let f = side.ok_or_else(|| {
            KitError::Invalid("GC-MC with feat_hidden needs the side features".into())
        })?;
        graph.set_side_features(&f.users, &f.items, &dev)?;
    }
    let classes = graph.classes();
    let sizes = Sizes {
        n_users: graph.n_users,
        n_items: graph.n_items,
        classes,
        hidden0: (s.hidden[0] / classes) * classes,
        hidden1: s.hidden[1],
        num_basis: s.num_basis,
        side: graph.side_width(),
        feat_hidden: s.feat_hidden.unwrap_or(0),
    };
    let model = Gcmc::new(sizes, &mut stream(seed, "init"), &dev)?;
    let mut opt = Adam::with_params(
        model.vars.clone(),
        AdamParams {
            lr: s.learning_rate,
            ..AdamParams::default()
        },
    )?;
    let (train_edges, train_labels) = edge_tensors(&graph.train, &dev)?;
    let mut ema: Vec<Tensor> = model
        .vars
        .iter()
        .map(|v| v.as_tensor().copy())
        .collect::<std::result::Result<_, _>>()?;
    let mut drop_rng = stream(seed, "dropout");
    let (mut last_loss, mut divergence, mut curve) = (f64::NAN, None, Vec::new());
    let start = Instant::now();
    progress.phase("training");
    for epoch in 1..=s.epochs {
        let p: Vec<Tensor> = model.vars.iter().map(|v| v.as_tensor().clone()).collect();
        let d = Dropout {
            p: s.dropout,
            rng: &mut drop_rng,
        };
        let logits = model.logits(&p, &graph, &train_edges, Some(d))?;
        let loss = cross_entropy(&logits, &train_labels)?;
        last_loss = f64::from(loss.to_scalar::<f32>()?);
        curve.push((epoch as f64, last_loss));
        if !last_loss.is_finite() {
            divergence = Some(Divergence {
                step: epoch as u64,
                unit: Unit::Epoch,
                reason: DivergenceReason::NonFiniteLoss,
                value: last_loss,
            });
            break;
        }
        let grads: GradStore = loss.backward()?;
        opt.step(&grads)?;
        update_ema(&mut ema, &model, s.ema_decay, epoch)?;
        progress.step(epoch as u64, s.epochs as u64);
    }
    let train_seconds = start.elapsed().as_secs_f64();
    let live: Vec<Tensor> = model.vars.iter().map(|v| v.as_tensor().clone()).collect();
    let score = |p: &[Tensor], edges: &[graph::Edge]| -> Result<Accuracy> {
        let (e, _) = edge_tensors(edges, &dev)?;
        let pred = expected_ratings(&model.logits(p, &graph, &e, None)?, &graph.class_values)?;
        let pairs: Vec<(f64, f64)> = pred
            .iter()
            .zip(edges)
            .map(|(p, e)| (*p, graph.class_values[e.2]))
            .collect();
        Accuracy::of(&pairs)
    };
    Ok(Outcome {
        test: score(&ema, &graph.test)?,
        raw_test: score(&live, &graph.test)?,
        train: score(&ema, &graph.train)?,
        parameter_count: sizes.parameter_count(),
        last_loss,
        train_seconds,
        divergence,
        loss_curve: curve,
    })
}

/// `tf.train.ExponentialMovingAverage(decay, num_updates=global_step)` after step `step`
/// (1-based; the average runs after the optimizer's update has incremented the global step):
/// `shadow ← d·shadow + (1 − d)·var` with `d = min(decay, (1 + step)/(10 + step))`.
fn update_ema(ema: &mut [Tensor], model: &Gcmc, decay: f64, step: usize) -> Result<()> {
    let d = decay.min((1.0 + step as f64) / (10.0 + step as f64));
    for (shadow, var) in ema.iter_mut().zip(&model.vars) {
        *shadow = ((&*shadow * d)? + (var.as_tensor() * (1.0 - d))?)?.detach();
    }
    Ok(())
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn moving_average_follows_tensorflow_with_num_updates() {
        let d = Device::Cpu;
        let sizes = Sizes {
            n_users: 1,
            n_items: 1,
            classes: 1,
            hidden0: 1,
            hidden1: 1,
            num_basis: 1,
            side: 0,
            feat_hidden: 0,
        };
        let model = Gcmc::new(sizes, &mut stream(0, "init"), &d).unwrap();
        let mut ema: Vec<Tensor> = model
            .vars
            .iter()
            .map(|_| Tensor::new(&[[0.0f32]], &d).unwrap())
            .collect();
        ema[0] = Tensor::new(&[[0.0f32], [0.0]], &d).unwrap();
        model.vars[1]
            .set(&Tensor::new(&[[1.0f32]], &d).unwrap())
            .unwrap();
        // step 1: d = min(0.995, 2/11) = 2/11, shadow = 0·2/11 + 1·9/11
        update_ema(&mut ema, &model, 0.995, 1).unwrap();
        let s1 = ema[1].flatten_all().unwrap().to_vec1::<f32>().unwrap()[0];
        assert!((s1 - 9.0 / 11.0).abs() < 1e-6, "{s1}");
        // a late step: d = 0.995
        update_ema(&mut ema, &model, 0.995, 10_000).unwrap();
        let s2 = ema[1].flatten_all().unwrap().to_vec1::<f32>().unwrap()[0];
        let want = 0.995 * 9.0 / 11.0 + 0.005;
        assert!((s2 - want).abs() < 1e-6, "{s2} vs {want}");
    }
}
