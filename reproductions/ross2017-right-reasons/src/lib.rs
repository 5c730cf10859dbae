//! Reproduction of Ross, Hughes & Doshi-Velez (2017), "Right for the Right Reasons: Training
//! Differentiable Models by Constraining their Explanations" (IJCAI), from the authors' code
//! dtak/rrr at d83a16ee4a989ba47ef1b1a43acc5f528a899b1f (MIT): the single-run numbers its
//! notebooks print for the toy colours dataset (`experiments/Toy Colors.ipynb`) and the
//! repeated-run means for Iris-Cancer (`experiments/Iris-Cancer.ipynb`).
//!
//! The model and loss are the repository's (`rrr/multilayer_perceptron.py`), in the kit
//! ([`repro_kit::explain`]): an MLP `[features] + hidden + [classes]` with ReLU, weights and
//! biases `0.1·N(0, 1)`, trained with Adam (step 0.001) on in-order batches of 256 for
//! `num_epochs` epochs, minimising `crossentropy + l2_grads·Σ(A ⊙ ∂Σ_k log p_k/∂x)² +
//! l2_params·Σθ²` (sums over the batch, `normalize=False`). Explanations (metrics, and the
//! find-another-explanation annotations) are the repository's default `input_gradients`, the
//! gradient of the largest class probability.
//!
//! Two tasks share one dataset entry (`toy-colors-iris-cancer`): the toy colours images are
//! generated from the run's seed ([`toy_colors`]), Iris-Cancer is built from scikit-learn's two
//! files ([`iris_cancer`]). Metrics name two input regions: region 1 is the toy images' four
//! corner pixels (rule 1) or Iris-Cancer's Iris block (features 0–3, the confound); region 2 the
//! top-middle pixels (rule 2) or the breast-cancer block.

pub mod iris_cancer;
pub mod toy_colors;
pub mod train;

use candle_core::{Device, Tensor};
use repro_kit::fit::FitReport;
use repro_kit::reproduction::Overfit;
use repro_kit::rng;
use repro_kit::{KitError, Paper, Progress, Result, RunContext, RunOutput, Validate};
use serde::Deserialize;
use train::TrainingSet;

/// Metrics every run returns (declared in `configs/papers/ross2017-right-reasons.toml`).
pub const METRICS: &[&str] = &[
    "test_accuracy",
    "test_accuracy_region1_zeroed",
    "train_accuracy",
    "region1_gradient_share",
    "region2_gradient_share",
    "region1_mask_fraction",
    "region2_mask_fraction",
    "region1_top10_count",
    "final_train_loss",
    "explanation_seconds",
];

/// Which of the notebooks' datasets a variant trains on.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Deserialize)]
#[serde(rename_all = "kebab-case")]
pub enum Task {
    /// `experiments/Toy Colors.ipynb`: generated 5×5×3 images, two classes.
    ToyColors,
    /// `experiments/Iris-Cancer.ipynb`: Iris beside breast cancer, two classes.
    IrisCancer,
}

/// The annotation A of the final model (where its input gradient is penalised).
#[derive(Debug, Clone, Copy, PartialEq, Eq, Deserialize)]
#[serde(rename_all = "kebab-case")]
pub enum Annotation {
    /// A = 0 (`mlp.fit(X, y)`).
    None,
    /// Region 1: the corners (toy: `E2 = ignore_rule1`, so the model learns rule 2) or the Iris
    /// block (Iris-Cancer: `A[:, :4] = True`).
    Region1,
    /// Region 2: the top-middle pixels (toy: `E1 = ignore_rule2`, the model learns rule 1).
    Region2,
    /// Both regions (toy: `E1 + E2`).
    Both,
    /// Find-another-explanation: A is the union of `largest_gradient_mask(X)` of a plain model
    /// and of each model trained with `find_another_l2_grads` in turn.
    FindAnother,
}

/// Typed hyperparameters of one variant (`[variants.<name>]`). Unknown keys are rejected.
#[derive(Debug, Clone, Deserialize, PartialEq)]
#[serde(deny_unknown_fields)]
pub struct Hyperparameters {
    /// The dataset.
    pub task: Task,
    /// Where the final model's input gradient is penalised.
    pub annotation: Annotation,
    /// λ₁ of the final model (`l2_grads`).
    pub l2_grads: f64,
    /// λ₁ of the intermediate find-another-explanation models (the notebook: [] for the first
    /// iteration, [1000] for the second); empty unless `annotation = "find-another"`.
    #[serde(default)]
    pub find_another_l2_grads: Vec<f64>,
    /// λ₂ (`l2_params`, default 1e-4).
    pub l2_params: f64,
    /// Hidden layer sizes (`layers=(50, 30)`).
    pub hidden: Vec<usize>,
    /// Epochs (`num_epochs`: 64 default, 200 for Iris-Cancer).
    pub epochs: usize,
    /// Batch size (`batch_size=256`, capped at the number of rows).
    pub batch_size: usize,
    /// Adam step size (`step_size=0.001`).
    pub learning_rate: f64,
    /// Initialisation scale (`init_random_params(0.1, …)`).
    pub init_scale: f64,
    /// `largest_gradient_mask` cutoff (0.67).
    pub mask_cutoff: f64,
    /// Toy colours: images per split (`generate_dataset(N=20000)`); absent for Iris-Cancer.
    #[serde(default)]
    pub images: Option<usize>,
    /// Cap on each training's optimizer steps (smoke runs only; absent in configs).
    #[serde(default)]
    pub step_limit: Option<u64>,
}

impl Validate for Hyperparameters {
    /// Range checks; the error names the field and what is allowed.
    fn validate(&self) -> Result<()> {
        let bad = |field: &str, value: String, allowed: &str| {
            Err(KitError::hyperparameter(field, value, allowed))
        };
        let finite_nonneg = |v: f64| v.is_finite() && v >= 0.0;
        if !finite_nonneg(self.l2_grads)
            || !self.find_another_l2_grads.iter().all(|&v| finite_nonneg(v))
        {
            return bad(
                "l2_grads",
                format!("{} / {:?}", self.l2_grads, self.find_another_l2_grads),
                "finite and ≥ 0",
            );
        }
        if !finite_nonneg(self.l2_params) {
            return bad("l2_params", self.l2_params.to_string(), "finite and ≥ 0");
        }
        if self.annotation != Annotation::FindAnother && !self.find_another_l2_grads.is_empty() {
            return bad(
                "find_another_l2_grads",
                format!("{:?}", self.find_another_l2_grads),
                "only with annotation = \"find-another\"",
            );
        }
        if self.hidden.is_empty() || self.hidden.contains(&0) {
            return bad(
                "hidden",
                format!("{:?}", self.hidden),
                "at least one layer, every size ≥ 1",
            );
        }
        if self.epochs == 0 || self.batch_size == 0 {
            return bad(
                "epochs/batch_size",
                format!("{}/{}", self.epochs, self.batch_size),
                "≥ 1",
            );
        }
        if !(self.learning_rate > 0.0 && self.learning_rate.is_finite()) {
            return bad(
                "learning_rate",
                self.learning_rate.to_string(),
                "finite and > 0",
            );
        }
        if !(self.init_scale > 0.0 && self.init_scale.is_finite()) {
            return bad("init_scale", self.init_scale.to_string(), "finite and > 0");
        }
        if !(0.0..=1.0).contains(&self.mask_cutoff) {
            return bad("mask_cutoff", self.mask_cutoff.to_string(), "in [0, 1]");
        }
        match (self.task, self.images) {
            (Task::ToyColors, Some(n)) if n >= 2 => Ok(()),
            (Task::ToyColors, _) => bad(
                "images",
                format!("{:?}", self.images),
                "≥ 2 images per split for toy-colors",
            ),
            (Task::IrisCancer, None)
                if matches!(
                    self.annotation,
                    Annotation::None | Annotation::Region1 | Annotation::FindAnother
                ) =>
            {
                Ok(())
            }
            (Task::IrisCancer, None) => bad(
                "annotation",
                format!("{:?}", self.annotation),
                "none, region1 (the Iris block) or find-another for iris-cancer",
            ),
            (Task::IrisCancer, Some(_)) => bad(
                "images",
                format!("{:?}", self.images),
                "absent for iris-cancer (its rows come from the files)",
            ),
        }
    }
}

/// One run's data: training and test tensors and the two regions' feature masks.
pub struct Data {
    /// Training inputs [n, features] (F32, raw: pixel values 0–255, unscaled measurements).
    pub x_train: Tensor,
    /// Training labels [n] (U32).
    pub y_train: Tensor,
    /// Test inputs [m, features].
    pub x_test: Tensor,
    /// Test inputs with region 1 set to 0 (Iris-Cancer's `Xt`).
    pub x_test_region1_zeroed: Tensor,
    /// Test labels [m].
    pub y_test: Tensor,
    /// Region 1 as a 0/1 feature mask [features].
    pub region1: Vec<f32>,
    /// Region 2 as a 0/1 feature mask [features].
    pub region2: Vec<f32>,
    /// Rows of the explanation-timing batch: the first 25 test images (toy colours, as the
    /// notebook's `input_gradients(Xt[:25])`) or the training rows (Iris-Cancer, `X`).
    pub timing_rows: usize,
}

/// Builds a run's data for `h.task` from the run's seed (toy colours: streams
/// `"toy-colors/train"` and `"toy-colors/test"`; Iris-Cancer: the split from `"split"`).
pub fn load(h: &Hyperparameters, ctx: &RunContext) -> Result<Data> {
    let dev = ctx.device;
    match h.task {
        Task::ToyColors => {
            let n = h.images.unwrap_or(0);
            let (xtr, ytr) =
                toy_colors::generate(n, &mut rng::stream(ctx.seed, "toy-colors/train"));
            let (xte, yte) = toy_colors::generate(n, &mut rng::stream(ctx.seed, "toy-colors/test"));
            let region1 = toy_colors::feature_mask(&toy_colors::CORNERS).to_vec();
            let region2 = toy_colors::feature_mask(&toy_colors::TOP_MIDDLE).to_vec();
            assemble(&xtr, ytr, &xte, yte, region1, region2, 25.min(n), dev)
        }
        Task::IrisCancer => {
            let d = iris_cancer::load(ctx.dataset, ctx.seed)?;
            let region1 = iris_cancer::iris_mask(d.features);
            let region2 = region1.iter().map(|r| 1.0 - r).collect();
            let rows = d.y_train.len();
            assemble(
                &d.x_train, d.y_train, &d.x_test, d.y_test, region1, region2, rows, dev,
            )
        }
    }
}

/// Tensors of a task's host arrays (features row-major, `region1.len()` per row).
#[allow(clippy::too_many_arguments)]
fn assemble(
    x_train: &[f32],
    y_train: Vec<u32>,
    x_test: &[f32],
    y_test: Vec<u32>,
    region1: Vec<f32>,
    region2: Vec<f32>,
    timing_rows: usize,
    dev: &Device,
) -> Result<Data> {
    let f = region1.len();
    let zeroed: Vec<f32> = x_test
        .iter()
        .enumerate()
        .map(|(i, &v)| if region1[i % f] > 0.0 { 0.0 } else { v })
        .collect();
    let matrix = |v: &[f32]| Tensor::from_slice(v, (v.len() / f, f), dev);
    Ok(Data {
        x_train: matrix(x_train)?,
        y_train: Tensor::new(y_train, dev)?,
        x_test: matrix(x_test)?,
        x_test_region1_zeroed: matrix(&zeroed)?,
        y_test: Tensor::new(y_test, dev)?,
        region1,
        region2,
        timing_rows,
    })
}

/// The annotation [n, features] of a fixed region choice (None for A = 0).
fn region_annotation(h: &Hyperparameters, data: &Data) -> Result<Option<Tensor>> {
    let (n, f) = data.x_train.dims2()?;
    let mask: Vec<f32> = match h.annotation {
        Annotation::None | Annotation::FindAnother => return Ok(None),
        Annotation::Region1 => data.region1.clone(),
        Annotation::Region2 => data.region2.clone(),
        Annotation::Both => data
            .region1
            .iter()
            .zip(&data.region2)
            .map(|(a, b)| a.max(*b))
            .collect(),
    };
    Ok(Some(
        Tensor::from_slice(&mask, (1, f), data.x_train.device())?
            .broadcast_as((n, f))?
            .contiguous()?,
    ))
}

/// Trains the variant's final model: one training with the fixed annotation, or for
/// find-another-explanation a plain model, then one model per λ of `find_another_l2_grads` and
/// `l2_grads`, each penalised on the union of the earlier models' largest-gradient masks.
pub fn fit_model(
    h: &Hyperparameters,
    data: &Data,
    seed: u64,
    progress: &dyn Progress,
) -> Result<(repro_kit::explain::MultilayerPerceptron, FitReport)> {
    let set = TrainingSet {
        x: &data.x_train,
        y: &data.y_train,
        classes: 2,
    };
    if h.annotation != Annotation::FindAnother {
        let a = region_annotation(h, data)?;
        return train::train(h, &set, a.as_ref(), h.l2_grads, seed, "init", progress);
    }
    let mut last = train::train(h, &set, None, h.l2_grads, seed, "init", progress)?;
    let mut a = data.x_train.zeros_like()?;
    let rounds: Vec<f64> = h
        .find_another_l2_grads
        .iter()
        .copied()
        .chain([h.l2_grads])
        .collect();
    for (i, l2) in rounds.into_iter().enumerate() {
        if last.1.divergence.is_some() {
            break;
        }
        a = a.maximum(&train::gradient_mask(
            &last.0,
            &data.x_train,
            h.mask_cutoff,
        )?)?;
        last = train::train(
            h,
            &set,
            Some(&a),
            l2,
            seed,
            &format!("init/fae{}", i + 1),
            progress,
        )?;
    }
    Ok(last)
}

/// One run: train, then score and explain the final model.
pub fn run(
    h: &Hyperparameters,
    data: &Data,
    seed: u64,
    progress: &dyn Progress,
) -> Result<RunOutput> {
    let (mlp, report) = fit_model(h, data, seed, progress)?;
    let out = RunOutput::builder(METRICS)
        .parameter_count(repro_kit::nn::Parameters::parameter_count(&mlp))
        .fit(&report);
    if report.divergence.is_some() {
        return out.build();
    }
    let test_grads = train::host(&train::explanations(&mlp, &data.x_test)?)?;
    let test_mask = train::host(&train::gradient_mask(&mlp, &data.x_test, h.mask_cutoff)?)?;
    let train_grads = train::host(&train::explanations(&mlp, &data.x_train)?)?;
    let (m1, m2) = match h.task {
        Task::ToyColors => (
            toy_colors::mask_fraction_inside(&test_mask, &toy_colors::CORNERS),
            toy_colors::mask_fraction_inside(&test_mask, &toy_colors::TOP_MIDDLE),
        ),
        Task::IrisCancer => {
            let f = data.region1.len();
            let iris = iris_cancer::iris_mask_fraction(&test_mask, f);
            (iris, 1.0 - iris)
        }
    };
    let timing = data
        .x_test
        .narrow(0, 0, data.timing_rows.min(data.x_test.dims()[0]))?;
    let timing = if h.task == Task::IrisCancer {
        data.x_train.clone()
    } else {
        timing
    };
    out.metric(
        "test_accuracy",
        train::score(&mlp, &data.x_test, &data.y_test)?,
    )
    .metric(
        "test_accuracy_region1_zeroed",
        train::score(&mlp, &data.x_test_region1_zeroed, &data.y_test)?,
    )
    .metric(
        "train_accuracy",
        train::score(&mlp, &data.x_train, &data.y_train)?,
    )
    .metric(
        "region1_gradient_share",
        train::gradient_share(&test_grads, &data.region1),
    )
    .metric(
        "region2_gradient_share",
        train::gradient_share(&test_grads, &data.region2),
    )
    .metric("region1_mask_fraction", m1)
    .metric("region2_mask_fraction", m2)
    .metric(
        "region1_top10_count",
        train::region_in_top10(&train_grads, &data.region1),
    )
    .metric("final_train_loss", report.last_loss)
    .metric(
        "explanation_seconds",
        train::explanation_seconds(&mlp, &timing, 21)?,
    )
    .build()
}

/// Full-batch steps of the overfit check.
pub const OVERFIT_STEPS: usize = 500;

/// The registry entry of this paper.
pub struct Ross2017RightReasons;

impl Paper for Ross2017RightReasons {
    const ID: &'static str = "ross2017-right-reasons";
    const METRICS: &'static [&'static str] = METRICS;
    type Hyperparameters = Hyperparameters;

    fn run(&self, h: &Hyperparameters, ctx: &RunContext) -> Result<RunOutput> {
        let data = load(h, ctx)?;
        run(h, &data, ctx.seed, ctx.progress)
    }

    /// `harness check`: the same run with every training cut to `steps` optimizer steps (and
    /// toy colours cut to 512 images per split).
    fn smoke_hyperparameters(&self, h: &Hyperparameters, steps: u64) -> Option<Hyperparameters> {
        Some(Hyperparameters {
            step_limit: Some(steps.max(1)),
            images: h.images.map(|n| n.min(512)),
            ..h.clone()
        })
    }

    /// `harness check` and the crate's tests: the variant's model and loss (its annotation and
    /// λ's) fit 16 training rows: training accuracy 1 after [`OVERFIT_STEPS`] full-batch Adam
    /// steps at step size 0.01.
    fn overfit(&self, h: &Hyperparameters, ctx: &RunContext) -> Result<Option<Overfit>> {
        let small = Hyperparameters {
            images: h.images.map(|_| 64),
            ..h.clone()
        };
        let data = load(&small, ctx)?;
        let n = data.x_train.dims()[0].min(16);
        let tiny_data = Data {
            x_train: data.x_train.narrow(0, 0, n)?,
            y_train: data.y_train.narrow(0, 0, n)?,
            ..data
        };
        let tiny = Hyperparameters {
            epochs: OVERFIT_STEPS,
            learning_rate: 0.01,
            batch_size: n,
            step_limit: None,
            ..small
        };
        let (mlp, _) = fit_model(&tiny, &tiny_data, 0, &repro_kit::NoProgress)?;
        let acc = train::score(&mlp, &tiny_data.x_train, &tiny_data.y_train)?;
        Ok(Some(Overfit {
            description: format!(
                "training accuracy on {n} rows after {OVERFIT_STEPS} full-batch steps = {acc} (target 1)"
            ),
            passed: acc == 1.0,
        }))
    }
}

repro_kit::reproduction!(Ross2017RightReasons);
