//! Reproduction of Ross, Hughes & Doshi-Velez (2017), "Right for the Right Reasons: Training
//! Differentiable Models by Constraining their Explanations" (IJCAI), from the authors' code
//! dtak/rrr at d83a16ee4a989ba47ef1b1a43acc5f528a899b1f (MIT): the single-run numbers its
//! notebooks print for the toy colours dataset (`experiments/Toy Colors.ipynb`) and Decoy MNIST
//! (`experiments/Decoy MNIST.ipynb`), and the repeated-run means for Iris-Cancer
//! (`experiments/Iris-Cancer.ipynb`).
//!
//! The model and loss are the repository's (`rrr/multilayer_perceptron.py`), in the kit
//! ([`repro_kit_explain`]): an MLP `[features] + hidden + [classes]` with ReLU, weights and
//! biases `0.1·N(0, 1)`, trained with Adam (step 0.001) on in-order batches of 256 for
//! `num_epochs` epochs, minimising `crossentropy + l2_grads·Σ(A ⊙ ∂Σ_k log p_k/∂x)² +
//! l2_params·Σθ²` (sums over the batch, `normalize=False`). Explanations (metrics, and the
//! find-another-explanation annotations) are the repository's default `input_gradients`, the
//! gradient of the largest class probability.
//!
//! Every variant runs on every dataset unless `[variant_datasets]` keeps it to some:
//! `toy-colors` (declared as simulated: the images are generated from the run's seed,
//! [`toy_colors`]), `iris-cancer` (built from scikit-learn's two files, [`iris_cancer`]),
//! `decoy-mnist` (MNIST's files with the swatches drawn from the run's seed, [`decoy_mnist`])
//! and `mnist` (the same files without swatches, the Decoy MNIST notebook's baseline), with each
//! notebook's budget ([`config`]); the learning curves of "learning from less data" are
//! [`less_data`]. Annotations and metrics name two input regions: region 1 is the toy images'
//! four corner pixels (rule 1), Iris-Cancer's Iris block (features 0–3, the confound) or the
//! MNIST images' four 4×4 corner blocks where swatches go (the annotation of a Decoy MNIST
//! image is its own swatch, 16 of those 64 pixels); region 2 the top-middle pixels (rule 2), the
//! breast-cancer block or everything but the corner blocks.

pub mod config;
pub mod decoy_mnist;
pub mod iris_cancer;
pub mod less_data;
pub mod toy_colors;
pub mod train;

pub use config::{Annotation, Hyperparameters, Settings, Task};

use candle_core::{Device, Tensor};
use repro_kit::fit::FitReport;
use repro_kit::reproduction::Overfit;
use repro_kit::rng;
use repro_kit::{Paper, Progress, Result, RunContext, RunOutput, RunOutputBuilder};
use repro_kit_explain::largest_gradient_mask;
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
    "region1_train_mask_fraction",
    "region1_top10_count",
    "final_train_loss",
    "explanation_seconds",
    "extra_data_vs_anti_rule2_at_80",
    "extra_data_vs_anti_rule2_at_90",
    "extra_data_vs_anti_rule2_at_95",
    "extra_data_vs_anti_rule2_at_99",
    "extra_data_vs_pro_rule1_at_80",
    "extra_data_vs_pro_rule1_at_90",
    "extra_data_vs_pro_rule1_at_95",
    "extra_data_vs_pro_rule1_at_99",
    "extra_data_vs_pro_rule2_at_90",
    "extra_data_vs_pro_rule2_at_95",
    "extra_data_vs_pro_rule2_at_97",
    "extra_data_vs_anti_rule1_at_70",
    "extra_data_vs_anti_rule1_at_80",
    "extra_data_vs_anti_rule1_at_90",
    "less_data_censored_ratios",
];

/// The metrics only the learning curves (`annotation = "less-data"`) compute: NaN (not
/// applicable, stored as null) in every other variant's runs.
pub fn less_data_only(metric: &str) -> bool {
    metric == "less_data_censored_ratios" || metric.starts_with("extra_data_vs_")
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
    /// Region 1 of each training row [n, features] where it differs between rows (Decoy
    /// MNIST: each image's own swatch, the notebook's `E`), the annotation of `Region1`; None:
    /// `region1` in every row.
    pub region1_train_rows: Option<Tensor>,
}

/// Builds a run's data for `s.task` from the run's seed (toy colours: streams
/// `"toy-colors/train"` and `"toy-colors/test"`; Iris-Cancer: the split from `"split"`; Decoy
/// MNIST: the swatches from `"decoy-mnist"`; MNIST: no randomness). Errors: a dataset file that
/// cannot be read (the error names it).
pub fn load(s: &Settings, ctx: &RunContext) -> Result<Data> {
    let dev = ctx.device;
    match s.task {
        Task::ToyColors => {
            let n = s.images;
            let (xtr, ytr) =
                toy_colors::generate(n, &mut rng::stream(ctx.seed, "toy-colors/train"));
            let (xte, yte) = toy_colors::generate(n, &mut rng::stream(ctx.seed, "toy-colors/test"));
            let region1 = toy_colors::feature_mask(&toy_colors::CORNERS).to_vec();
            let region2 = toy_colors::feature_mask(&toy_colors::TOP_MIDDLE).to_vec();
            assemble(&xtr, ytr, &xte, yte, region1, region2, dev)
        }
        Task::IrisCancer => {
            let d = iris_cancer::load(ctx.dataset, ctx.seed)?;
            let region1 = iris_cancer::iris_mask(d.features);
            let region2 = region1.iter().map(|r| 1.0 - r).collect();
            assemble(
                &d.x_train, d.y_train, &d.x_test, d.y_test, region1, region2, dev,
            )
        }
        Task::DecoyMnist | Task::Mnist => {
            let mut raw = decoy_mnist::Mnist::load(ctx.dataset)?;
            raw.truncate(s.images);
            let region1 = decoy_mnist::corner_blocks();
            let region2 = region1.iter().map(|r| 1.0 - r).collect();
            let (ytr, yte) = (
                decoy_mnist::labels_u32(&raw.train_labels),
                decoy_mnist::labels_u32(&raw.test_labels),
            );
            if s.task == Task::Mnist {
                let (xtr, xte) = (
                    decoy_mnist::to_f32(&raw.train_images),
                    decoy_mnist::to_f32(&raw.test_images),
                );
                return assemble(&xtr, ytr, &xte, yte, region1, region2, dev);
            }
            let decoy =
                decoy_mnist::DecoyMnist::generate(&raw, &mut rng::stream(ctx.seed, "decoy-mnist"));
            let (xtr, xte) = (
                decoy_mnist::to_f32(&decoy.train_images),
                decoy_mnist::to_f32(&decoy.test_images),
            );
            let mut data = assemble(&xtr, ytr, &xte, yte, region1, region2, dev)?;
            let rows = decoy_mnist::annotation(&decoy.train_swatches);
            data.region1_train_rows = Some(Tensor::from_slice(
                &rows,
                (decoy.train_swatches.len(), decoy_mnist::PIXELS),
                dev,
            )?);
            Ok(data)
        }
    }
}

/// Tensors of a task's host arrays (features row-major, `region1.len()` per row).
fn assemble(
    x_train: &[f32],
    y_train: Vec<u32>,
    x_test: &[f32],
    y_test: Vec<u32>,
    region1: Vec<f32>,
    region2: Vec<f32>,
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
        region1_train_rows: None,
    })
}

/// The annotation [n, features] of a fixed region choice (None for A = 0).
fn region_annotation(h: &Settings, data: &Data) -> Result<Option<Tensor>> {
    let (n, f) = data.x_train.dims2()?;
    let every_row = |mask: &[f32]| -> Result<Tensor> {
        Ok(Tensor::from_slice(mask, (1, f), data.x_train.device())?
            .broadcast_as((n, f))?
            .contiguous()?)
    };
    let region1 = || match &data.region1_train_rows {
        Some(rows) => Ok(rows.clone()),
        None => every_row(&data.region1),
    };
    Ok(Some(match h.annotation {
        Annotation::None | Annotation::FindAnother | Annotation::LessData => return Ok(None),
        Annotation::Region1 => region1()?,
        Annotation::Region2 => every_row(&data.region2)?,
        Annotation::Both if data.region1_train_rows.is_none() => every_row(
            &data
                .region1
                .iter()
                .zip(&data.region2)
                .map(|(a, b)| a.max(*b))
                .collect::<Vec<f32>>(),
        )?,
        Annotation::Both => region1()?.maximum(&every_row(&data.region2)?)?,
    }))
}

/// Trains the variant's final model: one training with the fixed annotation, or for
/// find-another-explanation a plain model, then one model per λ of `find_another_l2_grads` and
/// `l2_grads`, each penalised on the union of the earlier models' largest-gradient masks.
pub fn fit_model(
    h: &Settings,
    data: &Data,
    seed: u64,
    progress: &dyn Progress,
) -> Result<(repro_kit_explain::MultilayerPerceptron, FitReport)> {
    let set = TrainingSet {
        x: &data.x_train,
        y: &data.y_train,
        classes: h.task.classes(),
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

/// One run: train, then score and explain the final model (the learning curves: [`run_less_data`]).
pub fn run(h: &Settings, data: &Data, seed: u64, progress: &dyn Progress) -> Result<RunOutput> {
    if h.annotation == Annotation::LessData {
        return run_less_data(h, data, seed, progress);
    }
    let (mlp, report) = fit_model(h, data, seed, progress)?;
    let out = RunOutput::builder(METRICS)
        .parameter_count(repro_kit::nn::Parameters::parameter_count(&mlp))
        .fit(&report);
    if report.divergence.is_some() {
        return out.build();
    }
    let out = METRICS
        .iter()
        .filter(|m| less_data_only(m))
        .fold(out, |out, m| out.metric(m, f64::NAN));
    score_and_explain(h, data, &mlp, report.last_loss, out)?.build()
}

/// "Learning from less data" ([`less_data`]): for each training-set size, the five annotations'
/// models on the first `size` training images (`normalize`, the size's epochs and batch), each
/// scored on the whole test set; the run records the five learning curves
/// (`less_data_test_accuracy/<arm>`: size, accuracy), the notebook's 14 extra-data ratios, how
/// many of them rest on a curve that never passed its cutoff (`less_data_censored_ratios`), and
/// the usual metrics of the unannotated model at the largest size (its training metrics over the
/// whole training set). A diverged training ends the run as diverged.
pub fn run_less_data(
    h: &Settings,
    data: &Data,
    seed: u64,
    progress: &dyn Progress,
) -> Result<RunOutput> {
    use less_data::{Arm, LearningCurve};
    let ld = h.less_data.as_ref().ok_or_else(|| {
        repro_kit::KitError::Invalid("annotation = \"less-data\" needs a less_data table".into())
    })?;
    if h.task != Task::ToyColors {
        return Err(repro_kit::KitError::Invalid(
            "the learning curves (annotation = \"less-data\") run on toy-colors only".into(),
        ));
    }
    let (n, features) = data.x_train.dims2()?;
    let mut out = RunOutput::builder(METRICS);
    let mut curves: Vec<(Arm, LearningCurve)> = Arm::ALL.iter().map(|a| (*a, Vec::new())).collect();
    let mut largest_normal = None;
    for &count in ld.counts.iter().filter(|c| **c <= n) {
        let at_size = Settings {
            epochs: less_data::epochs_for(ld, count),
            batch_size: h.batch_size.min(count),
            l2_grads: ld.l2_grads,
            normalize: true,
            ..h.clone()
        };
        let (x, y) = (
            data.x_train.narrow(0, 0, count)?,
            data.y_train.narrow(0, 0, count)?,
        );
        let set = TrainingSet {
            x: &x,
            y: &y,
            classes: h.task.classes(),
        };
        for (arm, curve) in curves.iter_mut() {
            let a = arm
                .annotation()
                .map(|m| {
                    Tensor::from_slice(&m, (1, features), x.device())?
                        .broadcast_as((count, features))?
                        .contiguous()
                })
                .transpose()?;
            let purpose = format!("init/less-data/{}/{count}", arm.name());
            let (mlp, report) = train::train(
                &at_size,
                &set,
                a.as_ref(),
                ld.l2_grads,
                seed,
                &purpose,
                progress,
            )?;
            out = out.add_train_seconds(report.train_seconds);
            if let Some(d) = report.divergence {
                return out.diverged(d).build();
            }
            curve.push((count, train::score(&mlp, &data.x_test, &data.y_test)?));
            if *arm == Arm::Normal {
                largest_normal = Some((mlp, at_size.clone(), report.last_loss));
            }
        }
    }
    let (mlp, at_size, final_loss) = largest_normal.ok_or_else(|| {
        repro_kit::KitError::Invalid(format!(
            "less_data.counts: no size fits the {n} training images"
        ))
    })?;
    let curve_of = |arm: Arm| &curves.iter().find(|(a, _)| *a == arm).expect("every arm").1;
    let normal = curve_of(Arm::Normal);
    let censor_at = 2 * normal.last().map_or(1, |p| p.0);
    let mut censored = 0usize;
    for (name, arm, cutoff) in less_data::RATIOS {
        let r = less_data::extra_data_ratio(normal, curve_of(arm), cutoff, censor_at);
        censored += usize::from(r.censored);
        out = out.metric(name, r.ratio);
    }
    out = out.metric("less_data_censored_ratios", censored as f64);
    for (arm, curve) in &curves {
        let points = curve.iter().map(|(c, a)| (*c as f64, *a)).collect();
        out = out.curve(&format!("less_data_test_accuracy/{}", arm.name()), points);
    }
    let out = out.parameter_count(repro_kit::nn::Parameters::parameter_count(&mlp));
    score_and_explain(&at_size, data, &mlp, final_loss, out)?.build()
}

/// The metrics of a trained model: accuracies, explanation shares and masks, the explanation
/// time (every metric but the learning curves').
fn score_and_explain(
    h: &Settings,
    data: &Data,
    mlp: &repro_kit_explain::MultilayerPerceptron,
    final_train_loss: f64,
    out: RunOutputBuilder,
) -> Result<RunOutputBuilder> {
    let test_grads = train::explanations(mlp, &data.x_test)?;
    let train_grads = train::explanations(mlp, &data.x_train)?;
    let test_mask = train::host(&largest_gradient_mask(&test_grads, h.mask_cutoff)?)?;
    let train_mask = train::host(&largest_gradient_mask(&train_grads, h.mask_cutoff)?)?;
    let (test_grads, train_grads) = (train::host(&test_grads)?, train::host(&train_grads)?);
    // what each notebook times: toy colours `input_gradients(Xt[:25])`, Iris-Cancer
    // `input_gradients(X)`, Decoy MNIST `mlp_normal.input_gradients(Xt)`
    let timing = match h.task {
        Task::ToyColors => data.x_test.narrow(0, 0, data.x_test.dims()[0].min(25))?,
        Task::IrisCancer => data.x_train.clone(),
        Task::DecoyMnist | Task::Mnist => data.x_test.clone(),
    };
    Ok(out
        .metric(
            "test_accuracy",
            train::score(mlp, &data.x_test, &data.y_test)?,
        )
        .metric(
            "test_accuracy_region1_zeroed",
            train::score(mlp, &data.x_test_region1_zeroed, &data.y_test)?,
        )
        .metric(
            "train_accuracy",
            train::score(mlp, &data.x_train, &data.y_train)?,
        )
        .metric(
            "region1_gradient_share",
            train::gradient_share(&test_grads, &data.region1),
        )
        .metric(
            "region2_gradient_share",
            train::gradient_share(&test_grads, &data.region2),
        )
        .metric(
            "region1_mask_fraction",
            mask_fraction(h.task, &test_mask, data, 1),
        )
        .metric(
            "region2_mask_fraction",
            mask_fraction(h.task, &test_mask, data, 2),
        )
        .metric(
            "region1_train_mask_fraction",
            mask_fraction(h.task, &train_mask, data, 1),
        )
        .metric(
            "region1_top10_count",
            train::region_in_top10(&train_grads, &data.region1),
        )
        .metric("final_train_loss", final_train_loss)
        .metric(
            "explanation_seconds",
            train::explanation_seconds(mlp, &timing, 21)?,
        ))
}

/// The notebooks' M_0.67 score of region `which` (1 or 2) for the 0/1 `mask` [n, features]:
/// toy colours `rule1_score`/`rule2_score` (per image, the share of lit pixels in the region,
/// averaged), Iris-Cancer `iris_usage` (pooled share of mask entries in the Iris block; region 2
/// is its complement); on the MNIST tasks (no notebook score) the pooled share of mask entries
/// in the corner blocks, or outside them.
fn mask_fraction(task: Task, mask: &[f32], data: &Data, which: u8) -> f64 {
    match (task, which) {
        (Task::DecoyMnist | Task::Mnist, 1) => train::pooled_mask_fraction(mask, &data.region1),
        (Task::DecoyMnist | Task::Mnist, _) => train::pooled_mask_fraction(mask, &data.region2),
        (Task::ToyColors, 1) => toy_colors::mask_fraction_inside(mask, &toy_colors::CORNERS),
        (Task::ToyColors, _) => toy_colors::mask_fraction_inside(mask, &toy_colors::TOP_MIDDLE),
        (Task::IrisCancer, 1) => iris_cancer::iris_mask_fraction(mask, data.region1.len()),
        (Task::IrisCancer, _) => 1.0 - iris_cancer::iris_mask_fraction(mask, data.region1.len()),
    }
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
        let settings = h.settings(Task::of_dataset(&ctx.dataset.name)?)?;
        let data = load(&settings, ctx)?;
        run(&settings, &data, ctx.seed, ctx.progress)
    }

    /// `harness check`: the same run with every training cut to `steps` optimizer steps (and
    /// toy colours and the MNIST tasks cut to 512 images per split).
    fn smoke_hyperparameters(&self, h: &Hyperparameters, steps: u64) -> Option<Hyperparameters> {
        let mut smoke = h.clone();
        smoke.step_limit = Some(steps.max(1));
        smoke.toy_colors.images = smoke.toy_colors.images.min(512);
        if let Some(m) = &mut smoke.mnist {
            m.images = Some(m.images.unwrap_or(512).min(512));
        }
        if let Some(l) = &mut smoke.less_data {
            // three sizes within the smoke run's images
            let images = smoke.toy_colors.images;
            l.counts.retain(|c| *c <= images);
            l.counts.truncate(3);
        }
        Some(smoke)
    }

    /// `harness check` and the crate's tests: the variant's model and loss (its annotation and
    /// λ's) fit 16 training rows: training accuracy 1 after [`OVERFIT_STEPS`] full-batch Adam
    /// steps at step size 0.01. Find-another-explanation variants are checked at their first
    /// iteration (one earlier model's mask, that iteration's λ₁): later iterations are meant to
    /// forbid every feature the earlier models used, and on 16 rows none useful may be left.
    /// The learning curves are checked with their normalised loss on the anti-rule-2 annotation.
    fn overfit(&self, h: &Hyperparameters, ctx: &RunContext) -> Result<Option<Overfit>> {
        let mut tiny = h.settings(Task::of_dataset(&ctx.dataset.name)?)?;
        tiny.images = 64;
        let data = load(&tiny, ctx)?;
        let n = data.x_train.dims()[0].min(16);
        let tiny_data = Data {
            x_train: data.x_train.narrow(0, 0, n)?,
            y_train: data.y_train.narrow(0, 0, n)?,
            region1_train_rows: data
                .region1_train_rows
                .as_ref()
                .map(|r| r.narrow(0, 0, n))
                .transpose()?,
            ..data
        };
        if let Some(&first) = tiny.find_another_l2_grads.first() {
            tiny.l2_grads = first;
        }
        if let Some(l) = tiny.less_data.take() {
            // the learning curves' loss: normalised, their λ₁, on the anti-rule-2 annotation
            tiny.annotation = Annotation::Region2;
            tiny.l2_grads = l.l2_grads;
            tiny.normalize = true;
        }
        tiny.find_another_l2_grads.clear();
        tiny.epochs = OVERFIT_STEPS;
        tiny.learning_rate = 0.01;
        tiny.batch_size = n;
        tiny.step_limit = None;
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
