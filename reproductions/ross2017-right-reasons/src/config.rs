//! A variant's hyperparameters (`[variants.<name>]`) and the settings of one run, resolved for
//! the run's dataset: a variant runs on the paper's datasets (`toy-colors`, `iris-cancer`,
//! `decoy-mnist`, `mnist`; `[variant_datasets]` keeps most variants to some of them), with the
//! notebooks' per-dataset budget (`toy_colors`, `iris_cancer`, `mnist` tables).

use repro_kit::{KitError, Result, Validate};
use serde::Deserialize;

/// Which of the notebooks' datasets a run trains on, from the dataset's name.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Task {
    /// `toy-colors` (`experiments/Toy Colors.ipynb`): generated 5×5×3 images, two classes.
    ToyColors,
    /// `iris-cancer` (`experiments/Iris-Cancer.ipynb`): Iris beside breast cancer, two classes.
    IrisCancer,
    /// `decoy-mnist` (`experiments/Decoy MNIST.ipynb`): MNIST with a swatch whose shade gives
    /// away the training label ([`crate::decoy_mnist`]), ten classes.
    DecoyMnist,
    /// `mnist` (the same notebook's baseline `mlp_nondecoy`): plain MNIST, ten classes.
    Mnist,
}

impl Task {
    /// The task of the dataset named `name` (`configs/datasets.toml`). Errors: any other name.
    pub fn of_dataset(name: &str) -> Result<Self> {
        match name {
            "toy-colors" => Ok(Task::ToyColors),
            "iris-cancer" => Ok(Task::IrisCancer),
            "decoy-mnist" => Ok(Task::DecoyMnist),
            "mnist" => Ok(Task::Mnist),
            other => Err(KitError::Invalid(format!(
                "ross2017-right-reasons runs on the datasets `toy-colors`, `iris-cancer`, `decoy-mnist` and `mnist`, not `{other}`"
            ))),
        }
    }

    /// Number of classes of the task's labels (2, or 10 for the MNIST tasks).
    pub fn classes(self) -> usize {
        match self {
            Task::ToyColors | Task::IrisCancer => 2,
            Task::DecoyMnist | Task::Mnist => crate::decoy_mnist::CLASSES,
        }
    }
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
    /// Region 2: the top-middle pixels (toy: `E1 = ignore_rule2`, the model learns rule 1) or
    /// the breast-cancer block (Iris-Cancer; not in the notebook).
    Region2,
    /// Both regions (toy: `E1 + E2`; Iris-Cancer: every feature, not in the notebook).
    Both,
    /// Find-another-explanation: A is the union of `largest_gradient_mask(X)` of a plain model
    /// and of each model trained with `find_another_l2_grads` in turn.
    FindAnother,
    /// "Learning from less data" (toy colours only): learning curves of five annotations over
    /// the training-set sizes of `less_data` ([`crate::less_data`]).
    LessData,
}

/// The learning curves' budget (`bin/check_color_data_requirements.py`): the training-set
/// sizes, λ₁, and the epochs rule `num_epochs = int((reference_count / l) * reference_epochs)`
/// with `batch_size = min(batch_size, l)`; the loss is normalised (`normalize=True`: the
/// cross-entropy over the batch size, the penalty over Σ A).
#[derive(Debug, Clone, Deserialize, PartialEq)]
#[serde(deny_unknown_fields)]
pub struct LessDataSettings {
    /// Training-set sizes, increasing (`np.logspace(1, 4, 32).astype(int)`).
    pub counts: Vec<usize>,
    /// λ₁ of every annotated model (`MultilayerPerceptron(l2_grads=10000)`).
    pub l2_grads: f64,
    /// The script's 10000 in `int((10000 / float(l)) * 32)`.
    pub reference_count: f64,
    /// The script's 32 in the same rule.
    pub reference_epochs: f64,
}

/// Toy colours' budget (`generate_dataset(N=20000)`, `fit`'s default `num_epochs=64`).
#[derive(Debug, Clone, Deserialize, PartialEq)]
#[serde(deny_unknown_fields)]
pub struct ToyColorsSettings {
    /// Epochs.
    pub epochs: usize,
    /// Images per split (training and test).
    pub images: usize,
}

/// Iris-Cancer's budget (`fit(..., num_epochs=200)`) and its own λ₁ where it differs.
#[derive(Debug, Clone, Deserialize, PartialEq)]
#[serde(deny_unknown_fields)]
pub struct IrisCancerSettings {
    /// Epochs.
    pub epochs: usize,
    /// λ₁ of the final model on Iris-Cancer, when not the variant's `l2_grads`.
    #[serde(default)]
    pub l2_grads: Option<f64>,
}

/// The MNIST tasks' budget (`experiments/Decoy MNIST.ipynb`: `fit`'s default `num_epochs=64`),
/// used on `decoy-mnist` and `mnist`.
#[derive(Debug, Clone, Deserialize, PartialEq)]
#[serde(deny_unknown_fields)]
pub struct MnistSettings {
    /// Epochs.
    pub epochs: usize,
    /// Cap on the images of each split (smoke runs and tests only; absent in configs: all
    /// 60,000 training and 10,000 test images).
    #[serde(default)]
    pub images: Option<usize>,
}

/// Typed hyperparameters of one variant (`[variants.<name>]`). Unknown keys are rejected.
#[derive(Debug, Clone, Deserialize, PartialEq)]
#[serde(deny_unknown_fields)]
pub struct Hyperparameters {
    /// Where the final model's input gradient is penalised.
    pub annotation: Annotation,
    /// λ₁ of the final model (`l2_grads`).
    pub l2_grads: f64,
    /// λ₁ of the intermediate find-another-explanation models (the toy notebook: [] for the
    /// first iteration, [1000] for the second); empty unless `annotation = "find-another"`.
    #[serde(default)]
    pub find_another_l2_grads: Vec<f64>,
    /// λ₂ (`l2_params`, default 1e-4).
    pub l2_params: f64,
    /// Hidden layer sizes (`layers=(50, 30)`).
    pub hidden: Vec<usize>,
    /// Batch size (`batch_size=256`, capped at the number of rows).
    pub batch_size: usize,
    /// Adam step size (`step_size=0.001`).
    pub learning_rate: f64,
    /// Initialisation scale (`init_random_params(0.1, …)`).
    pub init_scale: f64,
    /// `largest_gradient_mask` cutoff (0.67).
    pub mask_cutoff: f64,
    /// Budget on `toy-colors`.
    pub toy_colors: ToyColorsSettings,
    /// Budget on `iris-cancer`.
    pub iris_cancer: IrisCancerSettings,
    /// Budget on `decoy-mnist` and `mnist`; required by a variant that runs there.
    #[serde(default)]
    pub mnist: Option<MnistSettings>,
    /// The learning curves' budget; exactly with `annotation = "less-data"`.
    #[serde(default)]
    pub less_data: Option<LessDataSettings>,
    /// Cap on each training's optimizer steps (smoke runs only; absent in configs).
    #[serde(default)]
    pub step_limit: Option<u64>,
}

/// Everything one run uses, resolved for its task.
#[derive(Debug, Clone, PartialEq)]
pub struct Settings {
    /// The dataset.
    pub task: Task,
    /// Where the final model's input gradient is penalised.
    pub annotation: Annotation,
    /// λ₁ of the final model.
    pub l2_grads: f64,
    /// λ₁ of the intermediate find-another-explanation models.
    pub find_another_l2_grads: Vec<f64>,
    /// λ₂.
    pub l2_params: f64,
    /// Hidden layer sizes.
    pub hidden: Vec<usize>,
    /// Epochs.
    pub epochs: usize,
    /// Batch size.
    pub batch_size: usize,
    /// Adam step size.
    pub learning_rate: f64,
    /// Initialisation scale.
    pub init_scale: f64,
    /// `largest_gradient_mask` cutoff.
    pub mask_cutoff: f64,
    /// Toy colours: images per split; the MNIST tasks: a cap on each split's images (unused on
    /// Iris-Cancer).
    pub images: usize,
    /// `fit(normalize=…)`: divide the cross-entropy by the batch size and the penalty by Σ A
    /// (only the learning curves do).
    pub normalize: bool,
    /// The learning curves' budget (`annotation = "less-data"`).
    pub less_data: Option<LessDataSettings>,
    /// Cap on each training's optimizer steps.
    pub step_limit: Option<u64>,
}

impl Hyperparameters {
    /// The settings of a run on `task`'s dataset. Errors: an MNIST task for a variant without
    /// an `mnist` table.
    pub fn settings(&self, task: Task) -> Result<Settings> {
        let (epochs, l2_grads, images) = match task {
            Task::ToyColors => (
                self.toy_colors.epochs,
                self.l2_grads,
                self.toy_colors.images,
            ),
            Task::IrisCancer => (
                self.iris_cancer.epochs,
                self.iris_cancer.l2_grads.unwrap_or(self.l2_grads),
                self.toy_colors.images,
            ),
            Task::DecoyMnist | Task::Mnist => {
                let m = self.mnist.as_ref().ok_or_else(|| {
                    KitError::hyperparameter(
                        "mnist",
                        "absent",
                        "a table `mnist = { epochs = … }` in a variant that runs on decoy-mnist or mnist",
                    )
                })?;
                (m.epochs, self.l2_grads, m.images.unwrap_or(usize::MAX))
            }
        };
        Ok(Settings {
            task,
            annotation: self.annotation,
            l2_grads,
            find_another_l2_grads: self.find_another_l2_grads.clone(),
            l2_params: self.l2_params,
            hidden: self.hidden.clone(),
            epochs,
            batch_size: self.batch_size,
            learning_rate: self.learning_rate,
            init_scale: self.init_scale,
            mask_cutoff: self.mask_cutoff,
            images,
            normalize: false,
            less_data: self.less_data.clone(),
            step_limit: self.step_limit,
        })
    }
}

/// An error naming `field`, its value and what is allowed.
fn bad(field: &str, value: impl std::fmt::Debug, allowed: &str) -> Result<()> {
    Err(KitError::hyperparameter(
        field,
        format!("{value:?}"),
        allowed,
    ))
}

/// Finite and ≥ 0.
fn non_negative(v: f64) -> bool {
    v.is_finite() && v >= 0.0
}

impl Validate for Hyperparameters {
    /// Range checks; the error names the field and what is allowed.
    fn validate(&self) -> Result<()> {
        let lambdas = [self.l2_grads, self.iris_cancer.l2_grads.unwrap_or(0.0)];
        if !lambdas
            .into_iter()
            .chain(self.find_another_l2_grads.iter().copied())
            .all(non_negative)
        {
            return bad(
                "l2_grads",
                (
                    self.l2_grads,
                    &self.find_another_l2_grads,
                    self.iris_cancer.l2_grads,
                ),
                "finite and ≥ 0",
            );
        }
        if !non_negative(self.l2_params) {
            return bad("l2_params", self.l2_params, "finite and ≥ 0");
        }
        if self.annotation != Annotation::FindAnother && !self.find_another_l2_grads.is_empty() {
            return bad(
                "find_another_l2_grads",
                &self.find_another_l2_grads,
                "only with annotation = \"find-another\"",
            );
        }
        if (self.annotation == Annotation::LessData) != self.less_data.is_some() {
            return bad(
                "less_data",
                &self.less_data,
                "a table exactly when annotation = \"less-data\"",
            );
        }
        if let Some(l) = &self.less_data {
            if l.counts.is_empty() || l.counts[0] == 0 || l.counts.windows(2).any(|w| w[0] >= w[1])
            {
                return bad("less_data.counts", &l.counts, "increasing sizes, each ≥ 1");
            }
            if l.counts.last() > Some(&self.toy_colors.images) {
                return bad(
                    "less_data.counts",
                    &l.counts,
                    "at most toy_colors.images (the training set's size)",
                );
            }
            if !non_negative(l.l2_grads) {
                return bad("less_data.l2_grads", l.l2_grads, "finite and ≥ 0");
            }
            if ![l.reference_count, l.reference_epochs]
                .iter()
                .all(|v| v.is_finite() && *v > 0.0)
            {
                return bad(
                    "less_data.reference_count / reference_epochs",
                    (l.reference_count, l.reference_epochs),
                    "finite and > 0",
                );
            }
        }
        if self.hidden.is_empty() || self.hidden.contains(&0) {
            return bad("hidden", &self.hidden, "at least one layer, every size ≥ 1");
        }
        let counts = [
            self.batch_size,
            self.toy_colors.epochs,
            self.iris_cancer.epochs,
            self.mnist.as_ref().map_or(1, |m| m.epochs),
            self.mnist.as_ref().and_then(|m| m.images).unwrap_or(1),
        ];
        if counts.contains(&0) {
            return bad(
                "batch_size / toy_colors.epochs / iris_cancer.epochs / mnist.epochs / mnist.images",
                counts,
                "≥ 1",
            );
        }
        if self.toy_colors.images < 2 {
            return bad(
                "toy_colors.images",
                self.toy_colors.images,
                "≥ 2 images per split",
            );
        }
        if !(self.learning_rate > 0.0 && self.learning_rate.is_finite()) {
            return bad("learning_rate", self.learning_rate, "finite and > 0");
        }
        if !(self.init_scale > 0.0 && self.init_scale.is_finite()) {
            return bad("init_scale", self.init_scale, "finite and > 0");
        }
        if !(0.0..=1.0).contains(&self.mask_cutoff) {
            return bad("mask_cutoff", self.mask_cutoff, "in [0, 1]");
        }
        Ok(())
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn find_another_2() -> Hyperparameters {
        toml::from_str(
            r#"
            annotation = "find-another"
            l2_grads = 1e6
            find_another_l2_grads = [1000.0]
            l2_params = 0.0001
            hidden = [50, 30]
            batch_size = 256
            learning_rate = 0.001
            init_scale = 0.1
            mask_cutoff = 0.67
            toy_colors = { epochs = 64, images = 20000 }
            iris_cancer = { epochs = 200, l2_grads = 1000.0 }
            "#,
        )
        .unwrap()
    }

    #[test]
    fn settings_take_each_datasets_budget_and_lambda() {
        let h = find_another_2();
        h.validate().unwrap();
        let toy = h.settings(Task::of_dataset("toy-colors").unwrap()).unwrap();
        assert_eq!((toy.epochs, toy.l2_grads, toy.images), (64, 1e6, 20000));
        let iris = h
            .settings(Task::of_dataset("iris-cancer").unwrap())
            .unwrap();
        assert_eq!((iris.epochs, iris.l2_grads), (200, 1000.0));
        assert_eq!(iris.find_another_l2_grads, vec![1000.0]);
        assert!(Task::of_dataset("iris").is_err());
        // no mnist table: the MNIST tasks are refused by name
        let e = h.settings(Task::DecoyMnist).unwrap_err().to_string();
        assert!(e.contains("mnist"), "{e}");
        let mut h = h;
        h.mnist = Some(MnistSettings {
            epochs: 64,
            images: None,
        });
        let decoy = h
            .settings(Task::of_dataset("decoy-mnist").unwrap())
            .unwrap();
        assert_eq!((decoy.epochs, decoy.images), (64, usize::MAX));
        assert_eq!(Task::Mnist.classes(), 10);
        assert_eq!(Task::ToyColors.classes(), 2);
    }

    #[test]
    fn out_of_range_values_are_rejected_by_name() {
        let mut h = find_another_2();
        h.annotation = Annotation::Region1;
        assert!(h
            .validate()
            .unwrap_err()
            .to_string()
            .contains("find_another_l2_grads"));
        let mut h = find_another_2();
        h.iris_cancer.l2_grads = Some(-1.0);
        assert!(h.validate().unwrap_err().to_string().contains("l2_grads"));
        let mut h = find_another_2();
        h.toy_colors.images = 1;
        assert!(h
            .validate()
            .unwrap_err()
            .to_string()
            .contains("toy_colors.images"));
        let mut h = find_another_2();
        h.mask_cutoff = 1.5;
        assert!(h
            .validate()
            .unwrap_err()
            .to_string()
            .contains("mask_cutoff"));
    }
}
