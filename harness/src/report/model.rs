//! The report model of each paper: built from the run records and the configs, with no I/O
//! and no statistics of its own (every number comes from [`repro_stats`]); the renderers
//! (`terminal`, `markdown`, `csv`, `json`, `latex`, `html`) read only this model.

use super::curves::{self, CurvePanel};
use super::multi::{self, MultiComparisonRow};
use super::paper_level::{self, PaperLevel};
use super::referenced::referenced_note;
use super::rows::{
    direction, Cells, ClaimRow, ComparisonRow, RunValue, SearchCost, TimingRow, TunedComparison,
};
use crate::config::{Better, LoadedPaper, Project};
use crate::record::RunRecord;
use crate::run::RunSpec;
use repro_stats::summary::mean;
use repro_stats::verdict::{
    self, assess_claims, assess_comparison, Claim, ComparisonInput, DatasetResult, Outcome, Rules,
};
use serde::Serialize;
use std::collections::BTreeMap;

/// The report of one paper.
#[derive(Debug, Clone, Serialize)]
pub struct PaperReport {
    /// Paper id.
    pub paper: String,
    /// Title and citation.
    pub citation: String,
    /// Planned runs, records present, failed (diverged or error) records.
    pub planned_runs: usize,
    /// Records present with matching keys.
    pub recorded_runs: usize,
    /// Records that diverged or errored.
    pub failed_runs: usize,
    /// Claims.
    pub claims: Vec<ClaimRow>,
    /// Comparisons.
    pub comparisons: Vec<ComparisonRow>,
    /// Multi-method comparisons (Friedman, Nemenyi, critical-difference diagram).
    pub multi_comparisons: Vec<MultiComparisonRow>,
    /// Timing per (variant, dataset).
    pub timings: Vec<TimingRow>,
    /// Rules in force (text).
    pub claim_rules: String,
    /// Comparison rules in force (text).
    pub comparison_rules: String,
    /// Learning curves of the claimed metrics, for the HTML page (not in the JSON).
    #[serde(skip)]
    pub curves: Vec<CurvePanel>,
    /// The family the adjusted p-values were corrected over, in words: always the paper's
    /// claims ("Holm over the paper's 8 claims"), in every view, so that a claim has one
    /// adjusted p wherever it is printed.
    pub p_family: String,
    /// Paper-level test of the claims together, and faithfulness to published runs.
    pub paper_level: PaperLevel,
    /// Protocol attribution of the claims whose metric declares other protocols of the same
    /// quantity ([`super::protocol`]); empty (and absent from the JSON) otherwise.
    #[serde(skip_serializing_if = "Vec::is_empty")]
    pub protocols: Vec<super::protocol::ProtocolRow>,
    /// Trade-off views (`[[tradeoffs]]`, [`super::tradeoff`]); empty (and absent from the JSON)
    /// when the config declares none.
    #[serde(skip_serializing_if = "Vec::is_empty")]
    pub tradeoffs: Vec<super::tradeoff::TradeoffRow>,
    /// The rules every verdict of this report was reached under (their `alpha` sets the
    /// confidence of the printed intervals); not in the JSON, whose rule texts say the same.
    #[serde(skip)]
    pub rules: Rules,
}

impl PaperReport {
    /// Confidence of the printed intervals, in percent: `(1 − alpha) · 100`.
    pub fn confidence_percent(&self) -> f64 {
        (1.0 - self.rules.alpha) * 100.0
    }
}

fn outcome(rec: &RunRecord, metric: &str) -> Outcome {
    match rec.metric(metric) {
        Some(v) => Outcome::Value(v),
        None => Outcome::Failed,
    }
}

/// Builds the reports of every paper in `runs` from the matching `records` (same order; `None`
/// = not run yet, which is counted as missing, not as a failure). The correction family of a
/// claim is its paper: claims are corrected together within each paper (Holm by default),
/// never across papers.
pub fn build(
    project: &Project,
    runs: &[RunSpec],
    records: &[Option<RunRecord>],
    rules: &Rules,
) -> Vec<PaperReport> {
    build_with(project, runs, records, &[], rules)
}

/// The correction family in words: `"Holm over the paper's 8 claims"`; `scope` is a
/// possessive such as `"the paper's"`.
pub fn family_text(rules: &Rules, scope: &str, n: usize) -> String {
    let method = match rules.correction {
        verdict::Correction::Holm => "Holm",
        verdict::Correction::BenjaminiHochberg => "Benjamini–Hochberg",
        verdict::Correction::None => return "no correction".into(),
    };
    format!(
        "{method} over {scope} {}",
        crate::out::plural(n, "claim", "claims")
    )
}

/// Makes a view of part of a paper (a suite or selection that runs some of its variants or
/// datasets) print the same adjusted p-values, verdicts and paper-level line as the paper's
/// whole report `whole`: every claim whose runs are the same in both takes the whole report's
/// assessment, and the view takes its family and paper-level line. A claim whose runs differ
/// (a selection restricted to some seeds) keeps its own assessment, and the family then says
/// so. Returns the number of claims adopted.
pub fn adopt_paper_family(view: &mut PaperReport, whole: &PaperReport) -> usize {
    if view.paper != whole.paper {
        return 0;
    }
    let same_runs = |a: &ClaimRow, b: &ClaimRow| {
        a.runs.len() == b.runs.len()
            && a.runs.iter().zip(&b.runs).all(|(x, y)| {
                x.seed == y.seed && x.value.map(f64::to_bits) == y.value.map(f64::to_bits)
            })
    };
    let mut adopted = 0;
    for c in &mut view.claims {
        if let Some(w) = whole
            .claims
            .iter()
            .find(|w| w.id == c.id && same_runs(w, c))
        {
            c.assessment = w.assessment.clone();
            adopted += 1;
        }
    }
    if adopted == view.claims.len() {
        view.p_family = whole.p_family.clone();
        view.paper_level = whole.paper_level.clone();
    } else {
        view.p_family = format!(
            "{} (this selection's runs differ from the whole paper's: {} of {} claims as in the paper's tables)",
            view.p_family,
            adopted,
            view.claims.len()
        );
    }
    adopted
}

/// [`build`] with `referenced` runs (from [`super::referenced::referenced`]) available to the comparisons;
/// they get no report of their own.
pub fn build_with(
    project: &Project,
    runs: &[RunSpec],
    records: &[Option<RunRecord>],
    referenced: &[(RunSpec, Option<RunRecord>)],
    rules: &Rules,
) -> Vec<PaperReport> {
    // (paper, variant, dataset) → records by seed
    let mut cells: BTreeMap<(String, String, String), BTreeMap<u64, &RunRecord>> = BTreeMap::new();
    for (spec, rec) in referenced {
        if let Some(r) = rec {
            cells
                .entry((
                    spec.paper.clone(),
                    spec.variant.clone(),
                    spec.dataset.clone(),
                ))
                .or_default()
                .insert(spec.seed, r);
        }
    }
    let mut papers: Vec<String> = Vec::new();
    for (spec, rec) in runs.iter().zip(records) {
        if !papers.contains(&spec.paper) {
            papers.push(spec.paper.clone());
        }
        let cell = cells
            .entry((
                spec.paper.clone(),
                spec.variant.clone(),
                spec.dataset.clone(),
            ))
            .or_default();
        if let Some(r) = rec {
            cell.insert(spec.seed, r);
        }
    }
    // claims of each paper, assessed (and corrected) together within the paper
    let mut claims_by_paper: BTreeMap<String, Vec<ClaimRow>> = BTreeMap::new();
    let mut families: BTreeMap<String, String> = BTreeMap::new();
    for pid in &papers {
        let mut claim_inputs = Vec::new();
        let mut claim_meta = Vec::new();
        let paper = &project.papers[pid];
        for c in &paper.config.claims {
            let key = (
                pid.clone(),
                c.variant.get_ref().clone(),
                c.dataset.get_ref().clone(),
            );
            let Some(cell) = cells.get(&key) else {
                continue;
            };
            let metric = c.metric.get_ref();
            let spec = &paper.config.metrics[metric];
            let outcomes: Vec<Outcome> = cell.values().map(|r| outcome(r, metric)).collect();
            claim_inputs.push((
                Claim {
                    id: format!("{pid}/{}", c.id),
                    value: c.value,
                    standard_error: c.standard_error,
                    direction: direction(spec.better),
                    reported_as: c.reported_as,
                    resolution: c.resolution,
                    margin: spec.margin,
                },
                outcomes,
            ));
            let values: Vec<RunValue> = cell
                .iter()
                .map(|(seed, r)| RunValue {
                    seed: *seed,
                    value: r.metric(metric).filter(|v| v.is_finite()),
                })
                .collect();
            claim_meta.push((
                pid.clone(),
                c.clone(),
                spec.unit.clone(),
                values,
                spec.better,
            ));
        }
        let assessed = assess_claims(&claim_inputs, rules);
        families.insert(
            pid.clone(),
            family_text(
                rules,
                "the paper's",
                assessed.iter().filter(|a| a.p_value.is_some()).count(),
            ),
        );
        claims_by_paper
            .entry(pid.clone())
            .or_default()
            .extend(claim_rows(claim_meta, assessed));
    }
    papers
        .iter()
        .map(|pid| {
            let paper = &project.papers[pid];
            let comparisons = paper
                .config
                .comparisons
                .iter()
                .filter_map(|cmp| comparison(paper, cmp, &cells, rules))
                .collect();
            let mine: Vec<&RunSpec> = runs.iter().filter(|r| &r.paper == pid).collect();
            let recs: Vec<&RunRecord> = runs
                .iter()
                .zip(records)
                .filter(|(s, _)| &s.paper == pid)
                .filter_map(|(_, r)| r.as_ref())
                .collect();
            let claims = claims_by_paper.remove(pid).unwrap_or_default();
            let paper_level = paper_level::build(paper, &claims, &cells, rules);
            PaperReport {
                paper: pid.clone(),
                citation: paper.config.paper.citation.clone(),
                planned_runs: mine.len(),
                recorded_runs: recs.len(),
                failed_runs: recs.iter().filter(|r| r.status.word() != "ok").count(),
                claims,
                comparisons,
                multi_comparisons: paper
                    .config
                    .multi_comparisons
                    .iter()
                    .map(|m| multi::assess(paper, m, &cells, referenced_note(referenced)))
                    .collect(),
                timings: timings(pid, &cells),
                claim_rules: verdict::claim_rules_text(rules),
                comparison_rules: verdict::comparison_rules_text(rules),
                curves: curves::panels(
                    cells
                        .iter()
                        .filter(|((p, _, _), _)| p == pid)
                        .map(|((_, v, d), c)| (v.as_str(), d.as_str(), c)),
                    &curves::claimed_metrics(&paper.config),
                ),
                p_family: families.remove(pid).unwrap_or_default(),
                paper_level,
                protocols: super::protocol::build(paper, &cells, rules),
                tradeoffs: paper
                    .config
                    .tradeoffs
                    .iter()
                    .map(|t| super::tradeoff::build(paper, t, &cells, 1.0 - rules.alpha))
                    .collect(),
                rules: rules.clone(),
            }
        })
        .collect()
}

/// A claim's config facts before assessment: paper, spec, unit, runs by seed, direction.
type ClaimMeta = (
    String,
    crate::config::ClaimSpec,
    String,
    Vec<RunValue>,
    Better,
);

fn claim_rows(
    meta: Vec<ClaimMeta>,
    assessed: Vec<repro_stats::verdict::ClaimAssessment>,
) -> Vec<ClaimRow> {
    meta.into_iter()
        .zip(assessed)
        .map(|((pid, c, unit, values, dir), mut a)| {
            if values.is_empty() {
                // planned, never computed (e.g. a dataset not available where the records
                // were made): say how to compute them, not only that the runs are too few
                let (variant, dataset) = (c.variant.get_ref(), c.dataset.get_ref());
                a.note.push_str(&format!(
                    "; no run of {variant} on {dataset} is recorded yet: `harness run --paper \
                     {pid} --variant {variant} --dataset {dataset}` computes them"
                ));
            }
            ClaimRow {
                id: c.id.clone(),
                variant: c.variant.get_ref().clone(),
                dataset: c.dataset.get_ref().clone(),
                metric: c.metric.get_ref().clone(),
                unit,
                source: c.source.clone(),
                claimed_standard_error: c.standard_error,
                resolution: c.resolution,
                higher_is_better: matches!(dir, Better::Higher),
                runs: values,
                assessment: a,
            }
        })
        .collect()
}

fn timings(pid: &str, cells: &Cells) -> Vec<TimingRow> {
    cells
        .iter()
        .filter(|((p, _, _), c)| p == pid && !c.is_empty())
        .map(|((_, v, d), c)| {
            // the cell is not empty, so the means exist
            let seconds = |of: fn(&RunRecord) -> f64| {
                mean(&c.values().map(|r| of(r)).collect::<Vec<_>>()).unwrap_or(f64::NAN)
            };
            TimingRow {
                variant: v.clone(),
                dataset: d.clone(),
                runs: c.len(),
                mean_wall_seconds: seconds(|r| r.timings.wall_seconds),
                mean_train_seconds: seconds(|r| r.timings.train_seconds),
            }
        })
        .collect()
}

/// One arm-pair of a comparison: method and baseline runs with their metrics.
struct Arms<'a> {
    method: &'a crate::config::MethodRef,
    metric: &'a str,
    baseline: &'a crate::config::MethodRef,
    base_metric: &'a str,
}

/// The per-dataset outcomes of `arms` over the paper's datasets (paired by seed when the
/// comparison is paired); datasets where neither arm has records are left out.
fn dataset_results(
    paper: &LoadedPaper,
    cmp: &crate::config::ComparisonSpec,
    cells: &Cells,
    arms: &Arms,
) -> Vec<DatasetResult> {
    let own = paper.id();
    let mut datasets = Vec::new();
    for d in &paper.config.datasets {
        let d = d.get_ref();
        let key = |m: &crate::config::MethodRef| {
            (m.paper(own).to_string(), m.variant().to_string(), d.clone())
        };
        let (Some(m), Some(b)) = (cells.get(&key(arms.method)), cells.get(&key(arms.baseline)))
        else {
            continue;
        };
        let (method, baseline): (Vec<Outcome>, Vec<Outcome>) = if cmp.paired {
            m.iter()
                .filter_map(|(seed, r)| {
                    b.get(seed)
                        .map(|rb| (outcome(r, arms.metric), outcome(rb, arms.base_metric)))
                })
                .unzip()
        } else {
            (
                m.values().map(|r| outcome(r, arms.metric)).collect(),
                b.values().map(|r| outcome(r, arms.base_metric)).collect(),
            )
        };
        if method.is_empty() && baseline.is_empty() {
            continue;
        }
        datasets.push(DatasetResult {
            name: d.clone(),
            method,
            baseline,
            reported: cmp.reported_datasets.iter().any(|r| r.get_ref() == d),
        });
    }
    datasets
}

fn comparison(
    paper: &LoadedPaper,
    cmp: &crate::config::ComparisonSpec,
    cells: &Cells,
    rules: &Rules,
) -> Option<ComparisonRow> {
    let metric = cmp.metric.get_ref();
    let base_metric = cmp
        .baseline_metric
        .as_ref()
        .map(|m| m.get_ref())
        .unwrap_or(metric);
    let (own, method, baseline) = (paper.id(), cmp.method.get_ref(), cmp.baseline.get_ref());
    let metric = method.metric().unwrap_or(metric);
    let spec = &paper.config.metrics[cmp.metric.get_ref()];
    let arms = Arms {
        method,
        metric,
        baseline,
        base_metric: baseline.metric().unwrap_or(base_metric),
    };
    let datasets = dataset_results(paper, cmp, cells, &arms);
    if datasets.is_empty() {
        return None;
    }
    let input = |datasets| ComparisonInput {
        id: format!("{}/{}", paper.id(), cmp.id),
        direction: direction(spec.better),
        paired: cmp.paired,
        margin: spec.margin,
        datasets,
    };
    let assessment = assess_comparison(&input(datasets), rules);
    let tuned = cmp.tuned_baseline.as_ref().map(|t| {
        let tuned_ref = t.method.get_ref();
        let tuned_metric = tuned_ref.metric().unwrap_or(base_metric);
        let arms = Arms {
            baseline: tuned_ref,
            base_metric: tuned_metric,
            ..arms
        };
        let tuned_assessment =
            assess_comparison(&input(dataset_results(paper, cmp, cells, &arms)), rules);
        TunedComparison {
            baseline: tuned_ref.label(own, tuned_metric),
            budget: t.budget.clone(),
            search_cost: search_cost(
                paper,
                tuned_ref,
                t.cost_metric.as_ref().map(|m| m.get_ref().as_str()),
                cells,
                1.0 - rules.alpha,
            ),
            reading: repro_stats::verdict::tuned_baseline_reading(
                assessment.verdict,
                tuned_assessment.verdict,
            ),
            assessment: tuned_assessment,
        }
    });
    Some(ComparisonRow {
        id: cmp.id.clone(),
        description: format!(
            "{} ({metric}) vs {} ({}), {} is better",
            method.label(own, metric),
            baseline.label(own, arms.base_metric),
            arms.base_metric,
            match spec.better {
                Better::Higher => "higher",
                Better::Lower => "lower",
            }
        ),
        source: cmp.source.clone(),
        assessment,
        tuned,
    })
}

/// The mean cost of the tuned baseline's search over its runs (every dataset): metric
/// `cost_metric` when given, else the runs' model-selection time (`selection_seconds`);
/// `None` without a finite value.
fn search_cost(
    paper: &LoadedPaper,
    tuned: &crate::config::MethodRef,
    cost_metric: Option<&str>,
    cells: &Cells,
    confidence: f64,
) -> Option<SearchCost> {
    let own = paper.id();
    let cost_of = |r: &RunRecord| match cost_metric {
        Some(m) => r.metric(m),
        None => r.timings.selection_seconds,
    };
    let values: Vec<f64> = cells
        .iter()
        .filter(|((p, v, _), _)| p == tuned.paper(own) && v == tuned.variant())
        .flat_map(|(_, c)| c.values().filter_map(|r| cost_of(r)))
        .filter(|v| v.is_finite())
        .collect();
    let estimate = super::tradeoff::Estimate::of(&values, confidence)?;
    let (metric, unit) = match cost_metric {
        Some(m) => (
            m.to_string(),
            paper
                .config
                .metrics
                .get(m)
                .map(|s| s.unit.clone())
                .unwrap_or_default(),
        ),
        None => ("selection_seconds".to_string(), "seconds".to_string()),
    };
    Some(SearchCost {
        metric,
        unit,
        runs: values.len(),
        mean: estimate.mean,
    })
}

#[cfg(test)]
pub(crate) fn comparison_for_test(
    paper: &LoadedPaper,
    cmp: &crate::config::ComparisonSpec,
    cells: &Cells,
    rules: &Rules,
) -> Option<ComparisonRow> {
    comparison(paper, cmp, cells, rules)
}

#[cfg(test)]
pub(crate) mod fixtures {
    //! Model values for the renderers' tests.
    use super::*;
    use repro_stats::verdict::Direction;

    /// The record of `output` for run `id` (provenance of this machine, key `k`).
    pub(crate) fn record(id: crate::RunId, output: repro_kit::RunOutput) -> RunRecord {
        let env = crate::record::Environment::detect(std::path::Path::new("."), 1);
        let prov = env.provenance(
            "c".into(),
            std::collections::BTreeMap::new(),
            crate::registry::all()[0],
        );
        let meta = crate::record::RecordMeta {
            key: "k".into(),
            wall_seconds: 0.0,
            provenance: prov,
        };
        RunRecord::from_output(&id, output, meta)
    }

    /// The assessment of a claim of 1.0 ± 0.1 (lower is better, mean of 4) against `runs`.
    pub(crate) fn assess(runs: Vec<Outcome>) -> repro_stats::verdict::ClaimAssessment {
        let claim = Claim {
            id: "c".into(),
            value: 1.0,
            standard_error: Some(0.1),
            direction: Direction::Lower,
            reported_as: verdict::ReportedAs::MeanOf { n: 4 },
            resolution: None,
            margin: None,
        };
        assess_claims(&[(claim, runs)], &Rules::default()).remove(0)
    }

    /// A claim row `id` with claimed SE `claimed_se` over finite runs `values`.
    pub(crate) fn claim(id: &str, claimed_se: Option<f64>, values: &[f64]) -> ClaimRow {
        ClaimRow {
            id: id.into(),
            variant: "grid".into(),
            dataset: "uci-boston".into(),
            metric: "rmse".into(),
            unit: "target units".into(),
            source: "Table 1".into(),
            claimed_standard_error: claimed_se,
            resolution: None,
            higher_is_better: false,
            runs: vec![],
            assessment: assess(values.iter().map(|v| Outcome::Value(*v)).collect()),
        }
    }

    /// A report of paper `p` with these claims and nothing else.
    pub(crate) fn report(claims: Vec<ClaimRow>) -> PaperReport {
        PaperReport {
            paper: "p".into(),
            citation: "c".into(),
            planned_runs: 4,
            recorded_runs: 4,
            failed_runs: 0,
            claims,
            comparisons: vec![],
            multi_comparisons: vec![],
            timings: vec![],
            claim_rules: String::new(),
            comparison_rules: String::new(),
            curves: Vec::new(),
            p_family: "Holm over the paper's 1 claim".into(),
            paper_level: Default::default(),
            protocols: Vec::new(),
            tradeoffs: Vec::new(),
            rules: Rules::default(),
        }
    }
}
