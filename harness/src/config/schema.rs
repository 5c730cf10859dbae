//! Serde schema of the config files. Field docs are the user-facing reference (see also
//! CONTRIBUTING.md).

use serde::{Deserialize, Serialize};
use std::collections::BTreeMap;
use toml::Spanned;

/// Which direction of a metric is better.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "lowercase")]
pub enum Better {
    /// Larger values are better (accuracy, log-likelihood).
    Higher,
    /// Smaller values are better (error, RMSE).
    Lower,
}

/// How the paper obtained its number, as far as the paper says: the statistics crate's type,
/// deserialised directly (`reported_as = { kind = "mean_of", n = 20 }`; kinds `single_run`,
/// `mean_of`, `best_of`, `unknown`).
pub use repro_stats::verdict::ReportedAs;

/// Deserialises `reported_as` strictly: a field other than `kind` and `n` is an error naming it
/// (as every other table of the config rejects unknown fields), then the table is read as a
/// [`ReportedAs`].
fn reported_as_strict<'de, D: serde::Deserializer<'de>>(d: D) -> Result<ReportedAs, D::Error> {
    use serde::de::Error as _;
    let table = toml::Table::deserialize(d)?;
    if let Some(k) = table.keys().find(|k| !matches!(k.as_str(), "kind" | "n")) {
        return Err(D::Error::custom(format!(
            "unknown field `{k}` in `reported_as`, expected `kind` and (for mean_of or best_of) `n`"
        )));
    }
    ReportedAs::deserialize(toml::Value::Table(table)).map_err(D::Error::custom)
}

#[cfg(test)]
mod reported_as_tests {
    use super::{reported_as_strict, ReportedAs};

    #[derive(serde::Deserialize)]
    struct Holder {
        #[serde(deserialize_with = "reported_as_strict")]
        reported_as: ReportedAs,
    }

    fn parse(text: &str) -> Result<ReportedAs, String> {
        toml::from_str::<Holder>(text)
            .map(|h| h.reported_as)
            .map_err(|e| e.to_string())
    }

    #[test]
    fn every_kind_reads_as_the_statistics_type_and_unknown_fields_are_refused() {
        assert_eq!(
            parse("reported_as = { kind = \"mean_of\", n = 20 }"),
            Ok(ReportedAs::MeanOf { n: 20 })
        );
        assert_eq!(
            parse("reported_as = { kind = \"best_of\", n = 30 }"),
            Ok(ReportedAs::BestOf { n: 30 })
        );
        assert_eq!(
            parse("reported_as = { kind = \"single_run\" }"),
            Ok(ReportedAs::SingleRun)
        );
        assert_eq!(
            parse("reported_as = { kind = \"unknown\" }"),
            Ok(ReportedAs::Unknown)
        );
        let e = parse("reported_as = { kind = \"mean_of\", n = 5, seeds = 3 }").unwrap_err();
        assert!(e.contains("unknown field `seeds`"), "{e}");
        assert!(parse("reported_as = { kind = \"mean_of\" }").is_err());
        assert!(parse("reported_as = { kind = \"median_of\", n = 3 }").is_err());
    }
}

// ---------------------------------------------------------------------------------------------
// configs/datasets.toml

/// `configs/datasets.toml`: every dataset the project knows, by name.
#[derive(Debug, Clone, Default, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct DatasetRegistry {
    /// `[datasets.<name>]` tables.
    pub datasets: BTreeMap<String, DatasetSpec>,
}

/// What a declared dataset is.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq, Deserialize, Serialize)]
#[serde(rename_all = "lowercase")]
pub enum DatasetKind {
    /// Files with checksums (the default).
    #[default]
    Files,
    /// A simulated environment (reinforcement learning): no files; `environment` names it.
    Environment,
}

impl DatasetKind {
    fn is_files(&self) -> bool {
        *self == DatasetKind::Files
    }
}

/// One dataset: its files with checksums, and where it comes from; or, with
/// `kind = "environment"`, a simulated environment the reproduction builds itself.
#[derive(Debug, Clone, Deserialize, Serialize)]
#[serde(deny_unknown_fields)]
pub struct DatasetSpec {
    /// `"files"` (default) or `"environment"`.
    #[serde(default, skip_serializing_if = "DatasetKind::is_files")]
    pub kind: DatasetKind,
    /// For `kind = "environment"`: the environment id passed to the run (e.g. `CartPole-v1`);
    /// absent otherwise.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub environment: Option<String>,
    /// Human-readable title.
    pub title: String,
    /// Citation of the dataset's paper or source.
    pub citation: String,
    /// License (SPDX id or a short statement).
    pub license: String,
    /// Home page or upstream repository.
    pub homepage: String,
    /// Free-text notes (provenance of a converted copy, caveats).
    #[serde(default)]
    pub notes: Option<String>,
    /// The files; a run receives all of them, verified. None for an environment.
    #[serde(default)]
    pub files: Vec<DatasetFile>,
}

/// One file of a dataset.
#[derive(Debug, Clone, Deserialize, Serialize)]
#[serde(deny_unknown_fields)]
pub struct DatasetFile {
    /// Relative path, the same under the cache, the repository's `data/` directory and every
    /// mirror directory (e.g. `fashion-mnist/train-images-idx3-ubyte.gz`).
    pub path: String,
    /// Lower-case hex SHA-256 of the file's bytes.
    pub sha256: String,
    /// Size in bytes (downloads are refused beyond it).
    pub size: u64,
    /// Upstream URLs, tried in order when no local copy exists. Empty for files that only exist
    /// in the repository (generated copies, see `notes`).
    #[serde(default)]
    pub urls: Vec<String>,
}

// ---------------------------------------------------------------------------------------------
// configs/papers/<paper>.toml

/// `configs/papers/<paper>.toml`: one paper's pinned reproduction config.
#[derive(Debug, Clone, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct PaperConfig {
    /// Bibliographic metadata; `paper.id` selects the reproduction crate.
    pub paper: PaperMeta,
    /// Which seeds each (variant, dataset) runs.
    pub seeds: Seeds,
    /// The datasets of the run matrix (names from `configs/datasets.toml`), including those the
    /// paper did not report (the held-out ones of dataset-selection tests).
    pub datasets: Vec<Spanned<String>>,
    /// The metrics claims and comparisons may name, with their direction and unit.
    pub metrics: BTreeMap<String, MetricSpec>,
    /// Named hyperparameter tables; each reproduction deserializes its own typed version.
    pub variants: BTreeMap<String, Spanned<toml::Table>>,
    /// The paper's published numbers.
    #[serde(default)]
    pub claims: Vec<ClaimSpec>,
    /// "method beats baseline" statements across datasets.
    #[serde(default)]
    pub comparisons: Vec<ComparisonSpec>,
    /// Declared trainable parameter counts, keyed by `<variant>` or `<variant>/<dataset>`
    /// (when the count depends on the dataset); `harness check` compares each with the
    /// `parameter_count` of a smoke run. Not part of any run key.
    #[serde(default)]
    pub parameter_counts: BTreeMap<String, usize>,
    /// Rankings of k ≥ 2 methods across datasets (Friedman, Nemenyi, critical-difference diagram).
    #[serde(default)]
    pub multi_comparisons: Vec<MultiComparisonSpec>,
    /// `[variant_datasets]`: the datasets a variant runs on, where not every dataset of the paper
    /// (`gcmc = ["movielens-100k-u1", …]`): a protocol that has no meaning on the others (a
    /// learning curve over training-set sizes beyond a small dataset's rows, a model the paper
    /// never ran under another dataset's cross-validation). The run matrix leaves the other
    /// pairs out; claims may not name them, and a comparison's held-out datasets are those where
    /// both arms run. A planning rule only: not part of any run key.
    #[serde(default)]
    pub variant_datasets: BTreeMap<String, Vec<Spanned<String>>>,
    /// Trade-off views: one metric against another across variants (e.g. accuracy against
    /// sparsity, with latency and size beside). Not part of any run key.
    #[serde(default)]
    pub tradeoffs: Vec<TradeoffSpec>,
}

/// `[[tradeoffs]]`: what a variant buys and what it costs, e.g. accuracy against sparsity for a
/// compression paper (Greydanus 2020 lottery tickets; issue 25). The report draws one point per
/// (variant, dataset) at the runs' means of `x` and `y` with their t-intervals, and tabulates
/// them with the means of the `beside` metrics (latency, size). Reads the records only.
#[derive(Debug, Clone, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct TradeoffSpec {
    /// Unique id within the paper (the section's anchor).
    pub id: String,
    /// What the view shows, in words (the section's title).
    pub title: String,
    /// Metric on the horizontal axis (a key of `[metrics]`), e.g. `sparsity`.
    pub x: Spanned<String>,
    /// Metric on the vertical axis, e.g. `test_accuracy`.
    pub y: Spanned<String>,
    /// Metrics tabulated beside each point (their runs' means), e.g. latencies and sizes.
    #[serde(default)]
    pub beside: Vec<Spanned<String>>,
    /// The variants shown, in this order (default: every variant of the config).
    #[serde(default)]
    pub variants: Vec<Spanned<String>>,
}

/// Bibliographic metadata of a paper.
#[derive(Debug, Clone, Deserialize, Serialize)]
#[serde(deny_unknown_fields)]
pub struct PaperMeta {
    /// Registry id, equal to the reproduction crate's name (e.g. `greydanus2020-mnist1d`).
    pub id: String,
    /// Title.
    pub title: String,
    /// Authors.
    pub authors: Vec<String>,
    /// Year of publication.
    pub year: u32,
    /// Full citation.
    pub citation: String,
    /// Where to read it (arXiv, DOI).
    pub url: String,
    /// Reference code the protocol follows, if any.
    #[serde(default)]
    pub code: Option<String>,
    /// Notes on the protocol and deviations.
    #[serde(default)]
    pub notes: Option<String>,
}

/// Seeds of the run matrix: `start, start+1, …, start+count−1`.
#[derive(Debug, Clone, Deserialize, Serialize)]
#[serde(deny_unknown_fields)]
pub struct Seeds {
    /// Number of seeds per (variant, dataset).
    pub count: usize,
    /// First seed (default 0).
    #[serde(default)]
    pub start: u64,
    /// Per-dataset override of `count` (e.g. a benchmark with only 5 fixed splits for one
    /// dataset, where the split index is the seed).
    #[serde(default)]
    pub per_dataset: BTreeMap<String, usize>,
    /// What a seed means for this paper (e.g. "the split index").
    #[serde(default)]
    pub meaning: Option<String>,
}

/// A metric that runs report.
#[derive(Debug, Clone, Deserialize, Serialize)]
#[serde(deny_unknown_fields)]
pub struct MetricSpec {
    /// Which direction is better.
    pub better: Better,
    /// Unit, e.g. `fraction` (0–1), `percent`, `nats`, the target's unit.
    pub unit: String,
    /// What the number is.
    pub description: String,
    /// Practical margin, in the metric's unit (> 0): the largest shortfall from a claim that
    /// still counts as reproducing it, and the largest effect that counts as no effect in a
    /// comparison. `reproduced` needs the runs to exclude a shortfall of this size with the
    /// power to detect one; `no effect` needs every dataset's effect interval inside ± it.
    /// Default (omitted): 1% of |tested value| for a claim, of |baseline mean| for a comparison
    /// (`repro_stats::rules::Rules::relative_margin`).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub margin: Option<f64>,
    /// The protocol the metric measures (`final`, `best_val_epoch` or `best_test_epoch`, see
    /// [`Protocol`]), when the runs record the same quantity under several protocols; the
    /// report then says which of them each claim on this quantity is consistent with.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub protocol: Option<Spanned<Protocol>>,
    /// The metric that is the same quantity under another protocol (the group's root: a metric
    /// with a `protocol` and no `same_quantity_as` of its own), e.g. `best_test_accuracy` →
    /// `test_accuracy`. Needs `protocol` here and there, the same direction and unit, and one
    /// metric per protocol in the group.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub same_quantity_as: Option<Spanned<String>>,
    /// What the x of this metric's learning curve counts (e.g. `"optimizer step (0-based)"`,
    /// `"epoch"`), the x-axis title of its curves on the HTML page. Runs record curves as bare
    /// (x, y) points, so only the config can say; omitted, the page says that x is as recorded.
    /// Presentation only: not part of any run record's key.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub curve_x: Option<String>,
}

/// How a metric's number is selected from training: the statistics crate's type, deserialised
/// directly (`protocol = "best_test_epoch"`).
pub use repro_stats::protocol::Protocol;

/// A published number to check.
#[derive(Debug, Clone, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct ClaimSpec {
    /// Unique id within the paper.
    pub id: String,
    /// Variant that reproduces it.
    pub variant: Spanned<String>,
    /// Dataset it is about.
    pub dataset: Spanned<String>,
    /// Metric it is about (a key of `[metrics]`), in that metric's unit.
    pub metric: Spanned<String>,
    /// The claimed value, in the metric's unit.
    pub value: f64,
    /// The claimed value's standard error if the paper prints one (e.g. "2.97 ± 0.19" as mean ±
    /// SE over splits).
    #[serde(default)]
    pub standard_error: Option<f64>,
    /// The resolution the number is printed to, in the metric's unit (e.g. 0.01 for "32%" stored
    /// as the fraction 0.32). The claim is then tested at the least demanding value that rounds
    /// to the printed one, so that rounding alone never makes a claim "not reproduced".
    #[serde(default)]
    pub resolution: Option<f64>,
    /// How the paper obtained the number.
    #[serde(deserialize_with = "reported_as_strict")]
    pub reported_as: ReportedAs,
    /// Where the number is printed: table, row, page — quoted.
    pub source: String,
    /// Per-run values the authors published behind the claim (e.g. a log of every seed), in the
    /// metric's unit, with where they are printed: the report compares the reproduction's runs
    /// with them (`repro_stats::faithfulness`).
    #[serde(default)]
    pub published_runs: Option<PublishedRuns>,
    /// Notes (which variant and why, caveats).
    #[serde(default)]
    pub notes: Option<String>,
}

/// Per-run values published by the authors: `published_runs = { values = [...], source = "..." }`.
#[derive(Debug, Clone, Deserialize, Serialize)]
#[serde(deny_unknown_fields)]
pub struct PublishedRuns {
    /// One value per published run, in the claim metric's unit (at least 2, all finite).
    pub values: Vec<f64>,
    /// Where the values are printed (file, log, table) — quoted.
    pub source: String,
    /// A faithfulness search (issue 23): other variants of this paper, each a plausible reading
    /// of the authors' setup, whose runs on the claim's dataset are compared with these values as
    /// the claim's own variant's are; the report tabulates every one, Holm-adjusted across the
    /// claim's variant and these. Each must be a declared variant other than the claim's.
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub candidates: Vec<Spanned<String>>,
}

/// "method beats baseline" across datasets.
#[derive(Debug, Clone, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct ComparisonSpec {
    /// Unique id within the paper.
    pub id: String,
    /// The method: a variant of this paper (`"ml5"`), or runs of another paper
    /// (`{ paper = "gal2016-mc-dropout", variant = "grid", metric = "rmse" }`).
    pub method: Spanned<MethodRef>,
    /// The baseline, as `method` (may equal `method` when the two differ only in the metric).
    pub baseline: Spanned<MethodRef>,
    /// Metric compared (a key of `[metrics]`).
    pub metric: Spanned<String>,
    /// Metric read from the baseline's runs, when it differs from `metric` (e.g. the same trained
    /// network evaluated another way). Must have the same direction and unit.
    #[serde(default)]
    pub baseline_metric: Option<Spanned<String>>,
    /// Runs of method and baseline with the same seed are paired (same split / same network).
    #[serde(default)]
    pub paired: bool,
    /// The datasets the paper chose to show this comparison on; the others of `datasets` are
    /// the held-out ones.
    pub reported_datasets: Vec<Spanned<String>>,
    /// Where the comparison is made in the paper.
    pub source: String,
    /// The same baseline tuned with a declared budget: the comparison is assessed against it
    /// too, and the report reads the two verdicts together (issue 26 item 5).
    #[serde(default)]
    pub tuned_baseline: Option<TunedBaselineSpec>,
}

impl ComparisonSpec {
    /// Every set of runs the comparison reads: method, baseline and, if declared, the tuned
    /// baseline.
    pub fn run_refs(&self) -> impl Iterator<Item = &Spanned<MethodRef>> {
        [&self.method, &self.baseline]
            .into_iter()
            .chain(self.tuned_baseline.as_ref().map(|t| &t.method))
    }
}

/// `tuned_baseline = { method = "svd-tuned", budget = "…" }`: the comparison's baseline with its
/// hyperparameters searched inside each run on a validation split of the training data only
/// (Rendle, Zhang & Koren 2019). The search's cost is what the tuned runs record as their
/// model-selection time (`selection_seconds`, as gal2016's grid search records it), or a
/// metric named by `cost_metric`.
#[derive(Debug, Clone, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct TunedBaselineSpec {
    /// Its runs: a variant of this paper, or runs of another paper (as `baseline`), read through
    /// the comparison's `baseline_metric` (or `metric`).
    pub method: Spanned<MethodRef>,
    /// The tuning budget in words: search space, trials, validation split, selection metric.
    pub budget: String,
    /// A metric of the tuned runs that records the search's cost (e.g. `search_fits`), printed
    /// beside the verdict instead of their `selection_seconds` timing.
    #[serde(default)]
    pub cost_metric: Option<Spanned<String>>,
}

/// Whose runs a comparison reads: a variant of this paper, or the records of a variant of
/// another paper (never re-run for the comparison: `harness run --paper <this>` only reads them).
#[derive(Debug, Clone, PartialEq, Deserialize)]
#[serde(untagged)]
pub enum MethodRef {
    /// `"grid"`: a variant of this paper, read through the comparison's metric.
    Variant(String),
    /// `{ paper = "...", variant = "...", metric = "...", label = "..." }`.
    Runs(RunsRef),
}

/// The runs of one variant, possibly of another paper, read through one metric.
#[derive(Debug, Clone, PartialEq, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct RunsRef {
    /// Paper id (default: this paper). Its config must declare the same datasets by name for
    /// the per-dataset pairing to mean the same data (e.g. the same fixed splits).
    #[serde(default)]
    pub paper: Option<String>,
    /// Variant of that paper.
    pub variant: String,
    /// Metric of that paper's `[metrics]` (default: the comparison's metric); same direction
    /// and unit as the comparison's metric.
    #[serde(default)]
    pub metric: Option<String>,
    /// Display name (default: `paper/variant (metric)`).
    #[serde(default)]
    pub label: Option<String>,
}

impl MethodRef {
    /// The paper whose records are read (`own` when not given).
    pub fn paper<'a>(&'a self, own: &'a str) -> &'a str {
        match self {
            MethodRef::Runs(RunsRef { paper: Some(p), .. }) => p,
            _ => own,
        }
    }

    /// The variant whose records are read.
    pub fn variant(&self) -> &str {
        match self {
            MethodRef::Variant(v) => v,
            MethodRef::Runs(r) => &r.variant,
        }
    }

    /// The metric read from the records, when it differs from the comparison's.
    pub fn metric(&self) -> Option<&str> {
        match self {
            MethodRef::Variant(_) => None,
            MethodRef::Runs(r) => r.metric.as_deref(),
        }
    }

    /// A display name: the label, else `variant` (own paper) or `paper/variant`, with the metric
    /// when it is not `default_metric`.
    pub fn label(&self, own: &str, default_metric: &str) -> String {
        if let MethodRef::Runs(RunsRef { label: Some(l), .. }) = self {
            return l.clone();
        }
        let p = self.paper(own);
        let base = if p == own {
            self.variant().to_string()
        } else {
            format!("{p}/{}", self.variant())
        };
        match self.metric() {
            Some(m) if m != default_metric => format!("{base} ({m})"),
            _ => base,
        }
    }
}

impl std::fmt::Display for MethodRef {
    /// `variant`, or `paper/variant (metric)` for the runs of another paper.
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        match self {
            MethodRef::Variant(v) => write!(f, "{v}"),
            MethodRef::Runs(r) => {
                if let Some(p) = &r.paper {
                    write!(f, "{p}/")?;
                }
                write!(f, "{}", r.variant)?;
                match &r.metric {
                    Some(m) => write!(f, " ({m})"),
                    None => Ok(()),
                }
            }
        }
    }
}

/// `[[multi_comparisons]]`: k ≥ 2 methods ranked on each dataset and across datasets — Friedman
/// with Iman–Davenport, Nemenyi critical difference and average ranks (Demšar 2006, §3.2.2), and a
/// critical-difference diagram.
#[derive(Debug, Clone, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct MultiComparisonSpec {
    /// Unique id within the paper (also names `results/<paper>-<id>-cd.svg`).
    pub id: String,
    /// A metric of this paper's `[metrics]`: its direction ranks the methods, its unit labels
    /// the tables; every method's metric must have the same direction and unit.
    pub metric: Spanned<String>,
    /// The methods (at least 2), each a [`MethodRef`]; give each a `label`.
    pub methods: Vec<Spanned<MethodRef>>,
    /// Significance level of the Friedman test and the Nemenyi critical difference (0.05 or
    /// 0.10, the levels of Demšar's Table 5; default 0.05).
    #[serde(default)]
    pub alpha: Option<f64>,
    /// What the paper says about these methods, quoted.
    pub source: String,
}

// ---------------------------------------------------------------------------------------------
// configs/suites/<suite>.toml

/// `configs/suites/<suite>.toml`: a named selection of runs.
#[derive(Debug, Clone, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct SuiteConfig {
    /// What the suite is for and roughly how long it takes.
    pub description: String,
    /// The selected papers.
    pub papers: Vec<SuiteEntry>,
}

/// One paper of a suite, optionally restricted.
#[derive(Debug, Clone, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct SuiteEntry {
    /// Paper id.
    pub id: Spanned<String>,
    /// Variants to run (default: all).
    #[serde(default)]
    pub variants: Option<Vec<Spanned<String>>>,
    /// Datasets to run (default: all of the paper's).
    #[serde(default)]
    pub datasets: Option<Vec<Spanned<String>>>,
    /// Override of the paper's seed count.
    #[serde(default)]
    pub seeds: Option<usize>,
}
