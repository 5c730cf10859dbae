//! Reproduction of the lottery-ticket experiments of Greydanus (2020), "Scaling down Deep
//! Learning" (arXiv:2011.14439), as run in `notebooks/lottery-tickets.ipynb` of
//! github.com/greydanus/mnist1d (commit 7878d96): an MLP 40-500-500-10 with a residual hidden
//! block ([`model::Model`]) trained on MNIST-1D with Adam (lr 0.02, batches in order), pruned
//! layer-wise by weight magnitude, rewound to its initial weights and retrained
//! ([`repro_kit::prune::iterative_magnitude_pruning`]), and compared with the dense network and
//! with random masks of the same per-layer sparsity, under the original or a new
//! initialisation.
//!
//! One run = one variant and seed: its mask (none, the lottery ticket found by the chain on the
//! `"init"` stream, or a random mask), then one training from the original (`"init"`) or a new
//! (`"new-init"`) initialisation under the mask, recording the test accuracy under three
//! protocols ([`train::Trained`]) and the pruned model's inference cost ([`cost::Cost`]).
//! Deviations from the notebook are listed in the config's `[paper] notes`.

pub mod cost;
pub mod model;
pub mod train;

use candle_core::Tensor;
use model::Model;
use rand::RngExt as _;
use repro_kit::data::mnist1d::Mnist1d;
use repro_kit::fit::Divergence;
use repro_kit::prune::{
    iterative_magnitude_pruning, shapes, MaskSet, PruningSchedule, Rewind, Snapshot,
};
use repro_kit::reproduction::Overfit;
use repro_kit::rng;
use repro_kit::{KitError, Paper, Progress, Result, RunContext, RunOutput, Validate};
use serde::Deserialize;
use train::{train, Protocol, Split};

/// Metrics every run returns (declared under `[metrics.<name>]` in
/// `configs/papers/greydanus2020-lottery-tickets.toml`): accuracies are fractions in [0, 1].
pub const METRICS: &[&str] = &[
    "test_accuracy",
    "best_val_epoch_test_accuracy",
    "max_test_accuracy",
    "final_train_loss",
    "sparsity",
    "nonzero_parameters",
    "dense_bytes",
    "csr_bytes",
    "dense_flops_per_example",
    "sparse_flops_per_example",
    "dense_latency_p50_seconds",
    "dense_latency_p99_seconds",
    "sparse_latency_p50_seconds",
    "sparse_latency_p99_seconds",
    "dense_examples_per_second",
    "sparse_examples_per_second",
];

/// Which mask the final training runs under.
#[derive(Debug, Clone, Copy, Deserialize, PartialEq, Eq)]
#[serde(rename_all = "kebab-case")]
pub enum Ticket {
    /// No mask (the notebook's `dense` model: a `SparseMLP` with an all-ones mask).
    Dense,
    /// The lottery ticket: iterative magnitude pruning along `prune_schedule`.
    Lottery,
    /// A uniformly random layer-wise mask at `prune_schedule`'s only sparsity (the notebook's
    /// random chain draws a fresh `torch.rand` score per round, so its mask at a round is this).
    Random,
}

/// The weights the final training starts from.
#[derive(Debug, Clone, Copy, Deserialize, PartialEq, Eq)]
#[serde(rename_all = "kebab-case")]
pub enum Init {
    /// The initial weights the mask was found from (`"init"` stream; the lottery-ticket rewind).
    Original,
    /// A fresh draw (`"new-init"` stream: the notebook's `set_seed(seed + t + 1)`).
    New,
}

/// Typed hyperparameters of one variant (`[variants.<name>]`); unknown keys are rejected.
#[derive(Debug, Clone, Deserialize, PartialEq)]
#[serde(deny_unknown_fields)]
pub struct Hyperparameters {
    /// Hidden units of both hidden layers (the notebook: 500).
    pub hidden: usize,
    /// Adam learning rate (the notebook: 2e-2).
    pub learning_rate: f64,
    /// Training rows held out (the last ones) for the best-validation-epoch protocol.
    pub validation_rows: usize,
    /// The mask.
    pub ticket: Ticket,
    /// The final training's initial weights.
    pub init: Init,
    /// Sparsities (fraction of each layer's weights + bias pruned): for `lottery` the pruning
    /// chain's rounds, the last one the ticket's; for `random` one value; empty for `dense`.
    #[serde(default)]
    pub prune_schedule: Vec<f64>,
    /// The protocol of every training in the pruning chain (`lottery` only).
    #[serde(default)]
    pub chain: Option<Protocol>,
    /// The protocol of the final, measured training.
    pub train: Protocol,
    /// Batch-1 forward passes timed per kernel (≥ 1000 for the p99 to mean something).
    pub latency_calls: usize,
    /// Batch-256 forward passes timed per kernel.
    pub throughput_batches: usize,
}

impl Validate for Hyperparameters {
    /// Range checks; the error names the field and what is allowed.
    fn validate(&self) -> Result<()> {
        let bad = |m: &str| Err(KitError::Invalid(m.to_string()));
        if !(1..=4096).contains(&self.hidden) {
            return bad("hidden must be in 1..=4096");
        }
        if !(self.learning_rate > 0.0 && self.learning_rate.is_finite()) {
            return Err(KitError::hyperparameter(
                "learning_rate",
                self.learning_rate,
                "must be a finite number > 0",
            ));
        }
        if !(1..=2000).contains(&self.validation_rows) {
            return bad("validation_rows must be in 1..=2000 (of the 4000 training rows)");
        }
        PruningSchedule::new(self.prune_schedule.clone())?;
        let (n, chain) = (self.prune_schedule.len(), self.chain.is_some());
        match self.ticket {
            Ticket::Dense if n > 0 || chain => {
                return bad("ticket = \"dense\" takes no prune_schedule and no chain")
            }
            Ticket::Random if n != 1 || chain => {
                return bad("ticket = \"random\" takes one prune_schedule value and no chain")
            }
            Ticket::Lottery if n == 0 || !chain => {
                return bad("ticket = \"lottery\" needs a prune_schedule and a chain protocol")
            }
            _ => {}
        }
        if let Some(c) = &self.chain {
            c.validate("chain")?;
            if c.score_step.is_none() {
                return bad("chain.score_step: the step whose weights are pruned is required");
            }
        }
        self.train.validate("train")?;
        if self.train.score_step.is_some() {
            return bad("train.score_step: only the chain scores weights");
        }
        if !(1..=1_000_000).contains(&self.latency_calls)
            || !(1..=10_000).contains(&self.throughput_batches)
        {
            return bad("latency_calls must be in 1..=1e6 and throughput_batches in 1..=1e4");
        }
        Ok(())
    }
}

/// The mask of a run and what finding it recorded.
struct Found {
    masks: MaskSet,
    /// Per chain round: (sparsity, max test accuracy, final test accuracy).
    rounds: Vec<(f64, f64, f64)>,
    /// Seconds of optimisation in the chain's trainings.
    train_seconds: f64,
    divergence: Option<Divergence>,
}

/// The mask of `h.ticket` for `model` (whose weights are the original initialisation; they are
/// left changed by a lottery chain).
fn find_mask(
    h: &Hyperparameters,
    model: &Model,
    data: &Split,
    seed: u64,
    progress: &dyn Progress,
) -> Result<Found> {
    let vars = model.vars();
    let found = |masks| Found {
        masks,
        rounds: Vec::new(),
        train_seconds: 0.0,
        divergence: None,
    };
    match h.ticket {
        Ticket::Dense => Ok(found(MaskSet::ones(&vars))),
        Ticket::Random => {
            let mut r = rng::stream(seed, "random-mask");
            let scores: Vec<Vec<f32>> = vars
                .iter()
                .map(|v| (0..v.elem_count()).map(|_| r.random::<f32>()).collect())
                .collect();
            let s = h.prune_schedule[0];
            Ok(found(MaskSet::from_scores(
                &scores,
                &shapes(&vars),
                &Model::scope(),
                s,
            )?))
        }
        Ticket::Lottery => lottery_chain(h, model, data, progress),
    }
}

/// Iterative magnitude pruning with rewinding to the initial weights: round 0 dense, then each
/// `prune_schedule` value but the last; the ticket is the magnitude mask at the last value of
/// the weights the last round left at `chain.score_step`.
fn lottery_chain(
    h: &Hyperparameters,
    model: &Model,
    data: &Split,
    progress: &dyn Progress,
) -> Result<Found> {
    let vars = model.vars();
    let chain = h
        .chain
        .as_ref()
        .ok_or_else(|| KitError::Invalid("ticket = \"lottery\" needs a chain protocol".into()))?;
    let (last, earlier) = h
        .prune_schedule
        .split_last()
        .ok_or_else(|| KitError::Invalid("lottery: empty prune_schedule".into()))?;
    let schedule = PruningSchedule::new(earlier.to_vec())?;
    let init = Snapshot::capture(&vars)?;
    let mut divergence = None;
    let mut train_seconds = 0.0;
    let rounds =
        iterative_magnitude_pruning(&vars, &Model::scope(), &schedule, Rewind::Init, |round| {
            if divergence.is_some() {
                return Ok((f64::NAN, f64::NAN));
            }
            let t = train(model, round.masks, chain, h.learning_rate, data, progress)?;
            train_seconds += t.report.train_seconds;
            match (&t.report.divergence, &t.scored) {
                (Some(d), _) => {
                    divergence = Some(d.clone());
                    init.restore(&vars)?; // finite weights for the remaining (skipped) rounds
                }
                (None, Some(s)) => s.restore(&vars)?,
                (None, None) => return Err(KitError::Invalid("chain: no scored weights".into())),
            }
            Ok((t.test_max, t.test_final))
        })?;
    let previous = rounds.last().map(|r| &r.masks);
    let masks = MaskSet::magnitude(&vars, &Model::scope(), *last, previous)?;
    Ok(Found {
        masks,
        rounds: rounds
            .iter()
            .map(|r| (r.sparsity, r.outcome.0, r.outcome.1))
            .collect(),
        train_seconds,
        divergence,
    })
}

/// One run: find the mask, train from the chosen initialisation under it, measure accuracy
/// under three protocols and the model's inference cost.
///
/// Errors: a failed tensor operation or invalid data.
pub fn run(
    h: &Hyperparameters,
    data: &Mnist1d,
    seed: u64,
    progress: &dyn Progress,
) -> Result<RunOutput> {
    let split = Split::new(data, h.validation_rows)?;
    let device = data.x_train.device();
    let original = Model::new(h.hidden, &mut rng::stream(seed, "init"), device)?;
    let init = Snapshot::capture(&original.vars())?;
    let found = find_mask(h, &original, &split, seed, progress)?;
    let model = match h.init {
        Init::Original => {
            init.restore(&original.vars())?;
            original
        }
        Init::New => Model::new(h.hidden, &mut rng::stream(seed, "new-init"), device)?,
    };
    let t = train(
        &model,
        &found.masks,
        &h.train,
        h.learning_rate,
        &split,
        progress,
    )?;
    let chain: Vec<serde_json::Value> = found
        .rounds
        .iter()
        .map(|(s, max, last)| {
            serde_json::json!({ "sparsity": s, "max_test_accuracy": max, "test_accuracy": last })
        })
        .collect();
    let out = RunOutput::builder(METRICS)
        .parameter_count(model.parameter_count())
        .fit(&t.report)
        .add_train_seconds(found.train_seconds)
        .extra("chain_rounds", serde_json::json!(chain));
    if let Some(d) = found.divergence {
        return out.diverged(d).build(); // every metric NaN: the run counts as a failure
    }
    if t.report.divergence.is_some() {
        return out.build();
    }
    let c = cost::measure(&model, &data.x_test, h.latency_calls, h.throughput_batches)?;
    out.metric("test_accuracy", t.test_final)
        .metric("best_val_epoch_test_accuracy", t.test_at_best_val)
        .metric("max_test_accuracy", t.test_max)
        .metric("final_train_loss", t.report.last_loss)
        .metric("sparsity", found.masks.sparsity())
        .metric("nonzero_parameters", c.nonzero_parameters as f64)
        .metric("dense_bytes", c.dense_bytes as f64)
        .metric("csr_bytes", c.csr_bytes as f64)
        .metric("dense_flops_per_example", c.flops_per_example.0 as f64)
        .metric("sparse_flops_per_example", c.flops_per_example.1 as f64)
        .metric("dense_latency_p50_seconds", c.dense_latency.0)
        .metric("dense_latency_p99_seconds", c.dense_latency.1)
        .metric("sparse_latency_p50_seconds", c.sparse_latency.0)
        .metric("sparse_latency_p99_seconds", c.sparse_latency.1)
        .metric("dense_examples_per_second", c.dense_throughput)
        .metric("sparse_examples_per_second", c.sparse_throughput)
        .build()
}

/// The registry entry of this paper.
pub struct Greydanus2020LotteryTickets;

impl Paper for Greydanus2020LotteryTickets {
    const ID: &'static str = "greydanus2020-lottery-tickets";
    const METRICS: &'static [&'static str] = METRICS;
    type Hyperparameters = Hyperparameters;

    fn run(&self, h: &Hyperparameters, ctx: &RunContext) -> Result<RunOutput> {
        let data = Mnist1d::load(ctx.dataset, ctx.device)?;
        run(h, &data, ctx.seed, ctx.progress)
    }

    /// `harness check`: every training of the run (chain rounds and the final one) cut to
    /// `steps` steps with four evaluations, the chain scoring the weights of step 0, and 20
    /// latency calls and 2 throughput batches per kernel.
    fn smoke_hyperparameters(&self, h: &Hyperparameters, steps: u64) -> Option<Hyperparameters> {
        let steps = steps.max(1) as usize;
        let cut = |p: &Protocol, score: Option<usize>| Protocol {
            steps,
            eval_every: (steps / 4).max(1),
            score_step: score,
            ..p.clone()
        };
        Some(Hyperparameters {
            chain: h.chain.as_ref().map(|c| cut(c, Some(0))),
            train: cut(&h.train, None),
            latency_calls: 20,
            throughput_batches: 2,
            ..h.clone()
        })
    }

    /// `harness check` and the crate's tests: the variant's network (dense, or under a random
    /// mask at the variant's final sparsity: the chain is not run) fits the first 32 training
    /// examples (training accuracy 1 after 300 full-batch steps).
    fn overfit(&self, h: &Hyperparameters, ctx: &RunContext) -> Result<Option<Overfit>> {
        let data = Mnist1d::load(ctx.dataset, ctx.device)?;
        let (x, y) = data.first_train(32)?;
        let tiny = Split {
            x_train: x.clone(),
            y_train: y.clone(),
            x_val: x.clone(),
            y_val: y.clone(),
            x_test: x.clone(),
            y_test: y.clone(),
        };
        let model = Model::new(h.hidden, &mut rng::stream(0, "init"), ctx.device)?;
        let probe = Hyperparameters {
            ticket: if h.ticket == Ticket::Dense {
                Ticket::Dense
            } else {
                Ticket::Random
            },
            prune_schedule: h
                .prune_schedule
                .last()
                .map(|s| vec![*s])
                .unwrap_or_default(),
            chain: None,
            ..h.clone()
        };
        let masks = find_mask(&probe, &model, &tiny, 0, &repro_kit::NoProgress)?.masks;
        let p = Protocol {
            batch_size: 32,
            steps: 300,
            eval_every: 300,
            score_step: None,
        };
        train(
            &model,
            &masks,
            &p,
            h.learning_rate,
            &tiny,
            &repro_kit::NoProgress,
        )?;
        let acc = repro_kit::metrics::accuracy(&model.forward(&x)?, &y)?;
        Ok(Some(Overfit {
            description: format!(
                "training accuracy on 32 examples after 300 steps at sparsity {:.3} = {acc} (target 1)",
                masks.sparsity()
            ),
            passed: acc == 1.0,
        }))
    }
}

/// Logits of `x` through the dense and the CSR kernel (for tests: they must agree).
///
/// Errors: a failed forward pass.
pub fn both_kernels(model: &Model, x: &Tensor) -> Result<(Vec<f32>, Vec<f32>)> {
    let dense = model.forward(x)?.flatten_all()?.to_vec1()?;
    let host: Vec<f32> = x.flatten_all()?.to_vec1()?;
    let sparse = model.to_sparse()?.forward(&host, x.dim(0)?)?;
    Ok((dense, sparse))
}

repro_kit::reproduction!(Greydanus2020LotteryTickets);
