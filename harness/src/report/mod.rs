//! Result tables: per claim (estimate, interval, percentile, corrected p, verdict, seed-picking
//! flag) and per comparison (per-dataset effect, win/tie/loss, Wilcoxon, dataset-selection test),
//! printed and written to `results/<paper>.md`, `.csv` and `.json`. All statistics come from
//! [`repro_stats::verdict`]; the rules are printed under every table.

pub mod cd_diagram;
pub mod curves;
pub mod html;
pub mod multi;
pub mod paper_level;
pub mod publish;
pub mod terminal;

use crate::config::{Better, LoadedPaper, Project, ReportedAs};
use crate::record::RunRecord;
use crate::run::RunSpec;
use crate::Result;
use repro_stats::verdict::{
    self, assess_claims, assess_comparison, Claim, ClaimAssessment, ComparisonAssessment,
    ComparisonInput, DatasetResult, Direction, Outcome, Rules,
};
use serde::Serialize;
use std::collections::BTreeMap;
use std::fmt::Write as _;
use std::path::{Path, PathBuf};

/// One claim with its config facts and its assessment.
#[derive(Debug, Clone, Serialize)]
pub struct ClaimRow {
    /// Claim id within the paper.
    pub id: String,
    /// Variant reproducing it.
    pub variant: String,
    /// Dataset.
    pub dataset: String,
    /// Metric and its unit.
    pub metric: String,
    /// Unit of the metric.
    pub unit: String,
    /// Where the number is printed.
    pub source: String,
    /// Claimed standard error, if printed.
    pub claimed_standard_error: Option<f64>,
    /// Resolution the claim is printed to, if declared.
    pub resolution: Option<f64>,
    /// Larger values of the metric are better.
    pub higher_is_better: bool,
    /// Every recorded run of the claim's cell, by seed: the metric value, `None` for a failed
    /// (diverged/error/non-finite) run.
    pub runs: Vec<RunValue>,
    /// The statistics.
    pub assessment: ClaimAssessment,
}

/// One run's value of a claim's metric.
#[derive(Debug, Clone, Serialize)]
pub struct RunValue {
    /// The run's seed.
    pub seed: u64,
    /// The metric (metric units); `None` = failed run.
    pub value: Option<f64>,
}

/// One comparison with its assessment.
#[derive(Debug, Clone, Serialize)]
pub struct ComparisonRow {
    /// Comparison id.
    pub id: String,
    /// "method (metric) vs baseline (metric)".
    pub description: String,
    /// Where the paper makes it.
    pub source: String,
    /// The statistics.
    pub assessment: ComparisonAssessment,
}

/// Mean timings of a variant's runs.
#[derive(Debug, Clone, Serialize)]
pub struct TimingRow {
    /// Variant.
    pub variant: String,
    /// Dataset.
    pub dataset: String,
    /// Records.
    pub runs: usize,
    /// Mean wall seconds per run.
    pub mean_wall_seconds: f64,
    /// Mean training seconds per run.
    pub mean_train_seconds: f64,
}

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
    pub multi_comparisons: Vec<multi::MultiComparisonRow>,
    /// Timing per (variant, dataset).
    pub timings: Vec<TimingRow>,
    /// Rules in force (text).
    pub claim_rules: String,
    /// Comparison rules in force (text).
    pub comparison_rules: String,
    /// Learning curves of the claimed metrics, for the HTML page (not in the JSON).
    #[serde(skip)]
    pub curves: Vec<curves::CurvePanel>,
    /// The family the adjusted p-values were corrected over, in words (e.g. "Holm over the
    /// quick suite's 16 claims"), so that two tables of the same claim can be told apart.
    pub p_family: String,
    /// Paper-level test of the claims together, and faithfulness to published runs.
    pub paper_level: paper_level::PaperLevel,
}

fn direction(b: Better) -> Direction {
    match b {
        Better::Higher => Direction::Higher,
        Better::Lower => Direction::Lower,
    }
}

fn reported_as(r: ReportedAs) -> verdict::ReportedAs {
    match r {
        ReportedAs::SingleRun => verdict::ReportedAs::SingleRun,
        ReportedAs::MeanOf { n } => verdict::ReportedAs::MeanOf { n },
        ReportedAs::BestOf { n } => verdict::ReportedAs::BestOf { n },
        ReportedAs::Unknown => verdict::ReportedAs::Unknown,
    }
}

fn outcome(rec: &RunRecord, metric: &str) -> Outcome {
    match rec.metric(metric) {
        Some(v) => Outcome::Value(v),
        None => Outcome::Failed,
    }
}

/// Builds the reports of every paper in `runs` from the matching `records` (same order; `None`
/// = not run yet, which is counted as missing, not as a failure). Claims are corrected together
/// across all papers of the call (Holm by default); the family is called "the selection".
pub fn build(
    project: &Project,
    runs: &[RunSpec],
    records: &[Option<RunRecord>],
    rules: &Rules,
) -> Vec<PaperReport> {
    build_scoped(project, runs, records, rules, "the selection's")
}

/// The correction family in words: `"Holm over the quick suite's 16 claims"`.
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

/// [`build`] with the correction family named: `scope` is a possessive such as
/// `"the quick suite's"` or `"the paper's"`.
pub fn build_scoped(
    project: &Project,
    runs: &[RunSpec],
    records: &[Option<RunRecord>],
    rules: &Rules,
    scope: &str,
) -> Vec<PaperReport> {
    build_with(project, runs, records, &[], rules, scope)
}

/// The runs of other papers (or variants) that the comparisons of the papers in `runs` read and
/// that `runs` does not hold, with their stored records (`None` = missing). They are only read,
/// never run, and read as stored: a record whose key differs from today's (computed by other code
/// or config of that paper) is still used, and [`referenced_note`] counts such records.
pub fn referenced(
    project: &Project,
    store: &crate::record::Store,
    runs: &[RunSpec],
) -> Result<Vec<(RunSpec, Option<RunRecord>)>> {
    let have: std::collections::BTreeSet<(&str, &str)> = runs
        .iter()
        .map(|r| (r.paper.as_str(), r.variant.as_str()))
        .collect();
    let mut want: Vec<(String, String)> = Vec::new();
    let mut papers: Vec<&str> = runs.iter().map(|r| r.paper.as_str()).collect();
    papers.dedup();
    for pid in papers {
        let c = &project.paper(pid)?.config;
        let refs = c
            .comparisons
            .iter()
            .flat_map(|x| [&x.method, &x.baseline])
            .chain(c.multi_comparisons.iter().flat_map(|m| &m.methods));
        for r in refs {
            let key = (
                r.get_ref().paper(pid).to_string(),
                r.get_ref().variant().to_string(),
            );
            if !have.contains(&(key.0.as_str(), key.1.as_str())) && !want.contains(&key) {
                want.push(key);
            }
        }
    }
    let sel: Vec<crate::run::Selection> = want
        .into_iter()
        .map(|(paper, v)| crate::run::Selection {
            paper,
            variants: Some(vec![v]),
            datasets: None,
            seeds: None,
        })
        .collect();
    let specs = crate::run::plan(project, &sel)?;
    let recs = specs
        .iter()
        .map(|r| store.load(&store.record_path(&r.id)))
        .collect::<Result<Vec<_>>>()?;
    Ok(specs.into_iter().zip(recs).collect())
}

/// One sentence per referenced (paper, variant), by (paper, variant): records read, and how many of them have a key
/// other than today's (computed by other code, config or data of that paper).
pub fn referenced_note(
    referenced: &[(RunSpec, Option<RunRecord>)],
) -> Vec<((String, String), String)> {
    let mut by: BTreeMap<(&str, &str), (usize, usize, usize)> = BTreeMap::new();
    for (spec, rec) in referenced {
        let e = by.entry((&spec.paper, &spec.variant)).or_default();
        e.0 += 1;
        if let Some(r) = rec {
            e.1 += 1;
            if r.key != spec.key() {
                e.2 += 1;
            }
        }
    }
    by.into_iter()
        .map(|((p, v), (planned, read, stale))| {
            (
                (p.to_string(), v.to_string()),
                format!(
                    "{p}/{v}: {read} of {planned} stored records read as stored (reused, not re-run here); {stale} of them carry a key other than today's (computed by an earlier version of that paper's code or config)"
                ),
            )
        })
        .collect()
}

/// [`build_scoped`] with `referenced` runs (from [`referenced`]) available to the comparisons;
/// they get no report of their own.
pub fn build_with(
    project: &Project,
    runs: &[RunSpec],
    records: &[Option<RunRecord>],
    referenced: &[(RunSpec, Option<RunRecord>)],
    rules: &Rules,
    scope: &str,
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
    // claims of all papers, assessed together
    let mut claim_inputs = Vec::new();
    let mut claim_meta = Vec::new();
    for pid in &papers {
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
                    reported_as: reported_as(c.reported_as),
                    resolution: c.resolution,
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
    }
    let assessed = assess_claims(&claim_inputs, rules);
    let family = family_text(
        rules,
        scope,
        assessed.iter().filter(|a| a.p_value.is_some()).count(),
    );
    let mut claims_by_paper: BTreeMap<String, Vec<ClaimRow>> = BTreeMap::new();
    for ((pid, c, unit, values, dir), a) in claim_meta.into_iter().zip(assessed) {
        claims_by_paper.entry(pid).or_default().push(ClaimRow {
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
        });
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
            let paper_level = paper_level::build(paper, &claims, rules.alpha);
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
                    &paper
                        .config
                        .claims
                        .iter()
                        .map(|c| c.metric.get_ref().clone())
                        .collect::<std::collections::BTreeSet<_>>()
                        .into_iter()
                        .collect::<Vec<_>>(),
                ),
                p_family: family.clone(),
                paper_level,
            }
        })
        .collect()
}

type Cells<'a> = BTreeMap<(String, String, String), BTreeMap<u64, &'a RunRecord>>;

fn timings(pid: &str, cells: &Cells) -> Vec<TimingRow> {
    cells
        .iter()
        .filter(|((p, _, _), c)| p == pid && !c.is_empty())
        .map(|((_, v, d), c)| {
            let n = c.len() as f64;
            TimingRow {
                variant: v.clone(),
                dataset: d.clone(),
                runs: c.len(),
                mean_wall_seconds: c.values().map(|r| r.timings.wall_seconds).sum::<f64>() / n,
                mean_train_seconds: c.values().map(|r| r.timings.train_seconds).sum::<f64>() / n,
            }
        })
        .collect()
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
    let base_metric = baseline.metric().unwrap_or(base_metric);
    let spec = &paper.config.metrics[cmp.metric.get_ref()];
    let mut datasets = Vec::new();
    for d in &paper.config.datasets {
        let d = d.get_ref();
        let key = |m: &crate::config::MethodRef| {
            (m.paper(own).to_string(), m.variant().to_string(), d.clone())
        };
        let (Some(m), Some(b)) = (cells.get(&key(method)), cells.get(&key(baseline))) else {
            continue;
        };
        let (method, baseline): (Vec<Outcome>, Vec<Outcome>) = if cmp.paired {
            m.iter()
                .filter_map(|(seed, r)| {
                    b.get(seed)
                        .map(|rb| (outcome(r, metric), outcome(rb, base_metric)))
                })
                .unzip()
        } else {
            (
                m.values().map(|r| outcome(r, metric)).collect(),
                b.values().map(|r| outcome(r, base_metric)).collect(),
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
    if datasets.is_empty() {
        return None;
    }
    let input = ComparisonInput {
        id: format!("{}/{}", paper.id(), cmp.id),
        direction: direction(spec.better),
        paired: cmp.paired,
        datasets,
    };
    Some(ComparisonRow {
        id: cmp.id.clone(),
        description: format!(
            "{} ({metric}) vs {} ({base_metric}), {} is better",
            method.label(own, metric),
            baseline.label(own, base_metric),
            match spec.better {
                Better::Higher => "higher",
                Better::Lower => "lower",
            }
        ),
        source: cmp.source.clone(),
        assessment: assess_comparison(&input, rules),
    })
}

/// A number for the tables: 1 decimal from 100, 4 decimals down to 0.001, then 2 significant
/// digits in scientific form (so 0.0001 is not printed as 0.0000); never "-0.0000".
pub(crate) fn f(v: Option<f64>) -> String {
    match v {
        Some(x) if x.is_nan() => "—".into(),
        Some(x) if x.is_infinite() => if x > 0.0 { "∞" } else { "−∞" }.into(),
        Some(x) if x.abs() == 0.0 => "0".into(),
        Some(x) if x.abs() >= 100.0 => format!("{x:.1}"),
        Some(x) if x.abs() < 0.001 => format!("{x:.1e}"),
        Some(x) => {
            let s = format!("{x:.4}");
            if s.trim_start_matches('-')
                .chars()
                .all(|c| c == '0' || c == '.')
            {
                "0".into()
            } else {
                s
            }
        }
        None => "—".into(),
    }
}

pub(crate) fn p(v: Option<f64>) -> String {
    match v {
        Some(x) if x < 1e-4 => format!("{x:.1e}"),
        Some(x) => format!("{x:.4}"),
        None => "—".into(),
    }
}

/// The claimed value as printed: `value ± SE (SE)` when the paper gave a standard error, and the
/// resolution it is printed to when declared.
pub(crate) fn claimed_cell(c: &ClaimRow) -> String {
    let a = &c.assessment;
    let mut claimed = match c.claimed_standard_error {
        Some(se) => format!("{} ± {} (SE)", f(Some(a.claimed)), f(Some(se))),
        None => f(Some(a.claimed)),
    };
    if let Some(r) = c.resolution.filter(|r| *r > 0.0) {
        claimed.push_str(&format!(
            " (printed to {r}; tested at {})",
            f(Some(tested_value(c, r)))
        ));
    }
    claimed
}

/// Every flag of a claim, in words: the seed-picking flag, failed runs, a declared best-of-m.
pub fn claim_flags(c: &ClaimRow) -> Vec<String> {
    let a = &c.assessment;
    let mut v = Vec::new();
    if let Some(flag) = a.seed_picking_flag() {
        v.push(flag);
    }
    if a.n_failed > 0 {
        v.push(format!(
            "{} failed",
            crate::out::plural(a.n_failed, "run", "runs")
        ));
    }
    v
}

/// The value a claim printed to resolution `r` is tested at: half a step towards "worse".
pub fn tested_value(c: &ClaimRow, r: f64) -> f64 {
    let worse = if c.higher_is_better { -1.0 } else { 1.0 };
    c.assessment.claimed + worse * r / 2.0
}

/// The implied best-of-k of a claim in words: "≈ 40 (normal) / ∞ (empirical)".
pub fn best_of_k_cell(a: &ClaimAssessment) -> String {
    let k = |v: Option<f64>| match v {
        Some(x) => repro_stats::bestofk::format_k(x),
        None => "—".into(),
    };
    match a.best_of_k_empirical {
        Some(_) => format!("{} / {}", k(a.best_of_k_normal), k(a.best_of_k_empirical)),
        None => k(a.best_of_k_normal),
    }
}

/// Standard error of the runs' mean: sd / √n over the finite runs (`n_runs − n_failed`); `None`
/// with fewer than 2 finite runs.
pub(crate) fn standard_error(a: &ClaimAssessment) -> Option<f64> {
    let n = a.n_runs.saturating_sub(a.n_failed);
    a.sd.filter(|_| n >= 2).map(|sd| sd / (n as f64).sqrt())
}

fn interval(v: Option<(f64, f64)>) -> String {
    match v {
        Some((a, b)) => format!("[{}, {}]", f(Some(a)), f(Some(b))),
        None => "—".into(),
    }
}

/// A table in no particular format: a header and rows of plain-text cells, rendered as
/// Markdown, HTML or LaTeX by the same code, so that the three published formats cannot drift
/// apart.
pub(crate) struct Table {
    header: Vec<String>,
    rows: Vec<Vec<String>>,
    /// Column shown in bold (the verdict).
    bold: Option<usize>,
    /// In HTML, the first column links to `#<prefix><cell>` (the claim's figure).
    anchor: Option<&'static str>,
}

impl Table {
    fn new(header: &[&str]) -> Self {
        Self {
            header: header.iter().map(|h| h.to_string()).collect(),
            rows: Vec::new(),
            bold: None,
            anchor: None,
        }
    }

    pub(crate) fn markdown(&self) -> String {
        let mut s = format!(
            "| {} |\n|{}\n",
            self.header.join(" | "),
            "---|".repeat(self.header.len())
        );
        for row in &self.rows {
            let cells: Vec<String> = row
                .iter()
                .enumerate()
                .map(|(i, c)| match self.bold {
                    Some(b) if b == i => format!("**{c}**"),
                    _ => c.clone(),
                })
                .collect();
            let _ = writeln!(s, "| {} |", cells.join(" | "));
        }
        s
    }

    /// The table as HTML (maud template; every cell escaped). The bold column is the verdict,
    /// coloured by its class (`v-reproduced`, …); with `anchor`, the first column links to the
    /// claim's figure.
    pub(crate) fn html(&self) -> maud::Markup {
        maud::html! {
            table {
                tr { @for h in &self.header { th { (h) } } }
                @for row in &self.rows {
                    tr {
                        @for (i, c) in row.iter().enumerate() {
                            @if i == 0 && self.anchor.is_some() {
                                td { a href=(format!("#{}{c}", self.anchor.unwrap_or(""))) { (c) } }
                            } @else if self.bold == Some(i) {
                                td class=(format!("verdict {}", html::verdict_class(c))) { (c) }
                            } @else {
                                td { (c) }
                            }
                        }
                    }
                }
            }
        }
    }

    pub(crate) fn latex(&self, align: &str) -> String {
        let line = |cells: &[String]| {
            cells
                .iter()
                .map(|c| latex_escape(c))
                .collect::<Vec<_>>()
                .join(" & ")
        };
        let mut s = format!(
            "\\begin{{tabular}}{{{align}}}\n\\toprule\n{} \\\\\n\\midrule\n",
            line(&self.header)
        );
        for row in &self.rows {
            let _ = writeln!(s, "{} \\\\", line(row));
        }
        s.push_str("\\bottomrule\n\\end{tabular}\n");
        s
    }
}

/// The claims table: each claim against its runs (Markdown and HTML).
pub(crate) fn claims_table(r: &PaperReport, conf: f64) -> Table {
    let ci = format!("{conf:.0}% t-interval");
    let mut t = Table::new(&[
        "claim",
        "variant",
        "dataset",
        "metric",
        "claimed",
        "tested at",
        "n (failed)",
        "mean ± SE (sd)",
        &ci,
        "claim percentile",
        "p (adj.)",
        "implied best-of-k (normal / empirical)",
        "verdict",
        "flags",
    ]);
    t.bold = Some(12);
    t.anchor = Some("claim-");
    for c in &r.claims {
        let a = &c.assessment;
        let tested = match c.resolution.filter(|x| *x > 0.0) {
            Some(res) => format!("{} (printed to {res})", f(Some(tested_value(c, res)))),
            None => "as printed".into(),
        };
        let mean = match a.mean {
            None => "no finite run".into(),
            Some(_) if a.sd.is_none() => f(a.mean),
            Some(_) => format!("{} ± {} ({})", f(a.mean), f(standard_error(a)), f(a.sd)),
        };
        let flags = claim_flags(c);
        t.rows.push(vec![
            c.id.clone(),
            c.variant.clone(),
            c.dataset.clone(),
            c.metric.clone(),
            match c.claimed_standard_error {
                Some(se) => format!("{} ± {} (SE)", f(Some(a.claimed)), f(Some(se))),
                None => f(Some(a.claimed)),
            },
            tested,
            format!("{} ({})", a.n_runs, a.n_failed),
            mean,
            interval(a.t_ci),
            a.percentile
                .map(|x| format!("{x:.0}%"))
                .unwrap_or_else(|| "—".into()),
            p(a.p_adjusted),
            best_of_k_cell(a),
            format!(
                "{}{}",
                a.verdict,
                paper_level::verdict_suffix(&r.paper_level, &c.id)
            ),
            if flags.is_empty() {
                "none".into()
            } else {
                flags.join("; ")
            },
        ]);
    }
    t
}

/// The per-dataset table of one comparison (every format).
pub(crate) fn comparison_table(cmp: &ComparisonRow, conf: f64) -> Table {
    let ci = format!("{conf:.0}% CI");
    let mut t = Table::new(&[
        "dataset",
        "reported",
        "n (method/baseline)",
        "effect (positive = method better)",
        &ci,
        "p",
        "outcome",
    ]);
    for d in &cmp.assessment.per_dataset {
        t.rows.push(vec![
            d.name.clone(),
            if d.reported { "yes" } else { "held out" }.into(),
            format!("{}/{}", d.n_method, d.n_baseline),
            f(d.effect),
            interval(d.ci),
            p(d.p_value),
            d.outcome.to_string(),
        ]);
    }
    t
}

/// Wins/ties/losses, the Wilcoxon test and the selection test of a comparison, as sentences.
pub(crate) fn comparison_summary(a: &ComparisonAssessment) -> String {
    let mut s = format!("Wins/ties/losses: {}/{}/{}.", a.wins, a.ties, a.losses);
    if let Some(w) = &a.wilcoxon {
        let _ = write!(
            s,
            "\nWilcoxon signed-rank over datasets: statistic {}, R+ {}, R− {}, n {}, p = {}.",
            f(Some(w.statistic)),
            f(Some(w.r_plus)),
            f(Some(w.r_minus)),
            w.n,
            p(Some(w.p_value))
        );
    }
    if let Some(sel) = &a.selection {
        let _ = write!(
            s,
            "\nDataset selection: reported mean effect {} vs all {} (held out {}); p = {} ({}, {} subsets).",
            f(Some(sel.reported_mean_effect)),
            f(Some(sel.all_mean_effect)),
            f(sel.heldout_mean_effect),
            p(Some(sel.p_value)),
            if sel.exact { "exact" } else { "Monte Carlo" },
            sel.n_subsets
        );
    }
    s
}

/// Seconds per run and per (variant, dataset) cell (every format).
pub(crate) fn timing_table(r: &PaperReport) -> Table {
    let mut t = Table::new(&[
        "variant",
        "dataset",
        "runs",
        "wall s/run",
        "train s/run",
        "total wall s",
    ]);
    for x in &r.timings {
        t.rows.push(vec![
            x.variant.clone(),
            x.dataset.clone(),
            x.runs.to_string(),
            format!("{:.2}", x.mean_wall_seconds),
            format!("{:.2}", x.mean_train_seconds),
            format!("{:.0}", x.mean_wall_seconds * x.runs as f64),
        ]);
    }
    t
}

/// Which family the adjusted p-values belong to, as a sentence.
pub(crate) fn p_family_note(r: &PaperReport) -> String {
    format!(
        "p (adj.): one-sided p-value of each claim, adjusted by {}.",
        r.p_family
    )
}

/// How the timing table is to be read.
pub(crate) const TIMING_NOTE: &str = "Seconds of one run as recorded (one thread per run; other runs may have shared the machine). Total = the sum over the runs, i.e. CPU-seconds of the cell, not the wall time of a parallel invocation.";

/// What the claims table compares.
pub(crate) fn claims_note(conf: f64) -> String {
    format!("Each row compares the runs' mean ± its standard error (SE = sd/√n over the n finite runs; sd in brackets) with the claimed value ± the standard error the paper printed, if any. The t-interval is the {conf:.0}% interval of the runs' mean; the test behind p is given under the table.")
}

/// The Markdown report of one paper: claims table, comparison tables, rules, timings.
pub fn markdown(r: &PaperReport, rules: &Rules) -> String {
    let conf = (1.0 - rules.alpha) * 100.0;
    let mut s = String::new();
    let _ = writeln!(s, "# {}\n\n{}\n", r.paper, r.citation);
    let _ = writeln!(
        s,
        "Runs: {} planned, {} recorded, {} failed (diverged or error; counted as failures, never dropped).\n",
        r.planned_runs, r.recorded_runs, r.failed_runs
    );
    if !r.claims.is_empty() {
        let _ = writeln!(s, "## Claims\n");
        let _ = writeln!(s, "{}\n", claims_note(conf));
        s.push_str(&claims_table(r, conf).markdown());
        let _ = writeln!(s, "\n{}\n", p_family_note(r));
        s.push_str(&paper_level::markdown(&r.paper_level));
        let _ = writeln!(s, "How each verdict was reached (implied best-of-k: normal model / empirical, Dodge et al. 2019; ∞ = beyond every run):\n");
        for c in &r.claims {
            let _ = writeln!(s, "- `{}`: {}", c.id, c.assessment.note);
        }
        let _ = writeln!(s, "\nSources:\n");
        for c in &r.claims {
            let _ = writeln!(s, "- `{}`: {}", c.id, c.source);
        }
        let _ = writeln!(s, "\n**Rule.** {}\n", r.claim_rules);
    }
    for cmp in &r.comparisons {
        let a = &cmp.assessment;
        let _ = writeln!(s, "## Comparison `{}`: {}\n", cmp.id, cmp.description);
        let _ = writeln!(s, "Source: {}\n", cmp.source);
        s.push_str(&comparison_table(cmp, conf).markdown());
        let _ = writeln!(s, "\n{}", comparison_summary(a));
        let _ = writeln!(s, "\n**Verdict: {}.** {}\n", a.verdict, a.note);
    }
    if !r.comparisons.is_empty() {
        let _ = writeln!(s, "**Rule.** {}\n", r.comparison_rules);
    }
    r.multi_comparisons
        .iter()
        .for_each(|m| s.push_str(&multi::markdown(m)));
    if !r.timings.is_empty() {
        let _ = writeln!(s, "## Timing\n\n{TIMING_NOTE}\n");
        s.push_str(&timing_table(r).markdown());
    }
    s
}

/// Escapes LaTeX's special characters in `s` (text mode).
pub fn latex_escape(s: &str) -> String {
    let mut out = String::with_capacity(s.len());
    for c in s.chars() {
        match c {
            '\\' => out.push_str("\\textbackslash{}"),
            '&' | '%' | '$' | '#' | '_' | '{' | '}' => {
                out.push('\\');
                out.push(c);
            }
            '~' => out.push_str("\\textasciitilde{}"),
            '^' => out.push_str("\\textasciicircum{}"),
            '−' => out.push('-'),
            '—' | '–' => out.push_str("--"),
            '±' => out.push_str("$\\pm$"),
            '∞' => out.push_str("$\\infty$"),
            '√' => out.push_str("$\\surd$"),
            _ => out.push(c),
        }
    }
    out
}

/// A number for a LaTeX table (math mode minus sign, `--` for none).
fn tex_num(v: Option<f64>) -> String {
    match v {
        Some(x) if x.is_infinite() => if x > 0.0 { "$\\infty$" } else { "$-\\infty$" }.into(),
        Some(_) => format!("${}$", f(v)),
        None => "--".into(),
    }
}

fn tex_p(v: Option<f64>) -> String {
    match v {
        Some(x) if x < 1e-4 => {
            let e = format!("{x:.1e}");
            match e.split_once('e') {
                Some((m, ex)) => format!("${m}\\times 10^{{{ex}}}$"),
                None => e,
            }
        }
        Some(x) => format!("${x:.4}$"),
        None => "--".into(),
    }
}

/// The claims and comparison tables as LaTeX (`booktabs`; one `table` float each), for papers
/// and reviews that quote the reproduction. Same numbers as [`markdown`]; the rules are cited,
/// not repeated.
pub fn latex(r: &PaperReport, rules: &Rules) -> String {
    let conf = (1.0 - rules.alpha) * 100.0;
    let mut s = String::new();
    let _ = writeln!(
        s,
        "% Generated by repro-harness from results/runs/{}; requires \\usepackage{{booktabs}}.",
        r.paper
    );
    if !r.claims.is_empty() {
        let _ = writeln!(s, "\\begin{{table}}[t]\n\\centering\n\\small");
        let _ = writeln!(
            s,
            "\\caption{{Claims of \\texttt{{{}}} against the reproduced runs: mean $\\pm$ SE (sd/$\\sqrt{{n}}$) over $n$ finite runs, {conf:.0}\\% $t$-interval, one-sided $p$ adjusted by {}; best-of-$k$: the implied number of runs whose expected best reaches the claim (normal model / empirical).}}",
            latex_escape(&r.paper),
            latex_escape(&r.p_family)
        );
        let _ = writeln!(s, "\\label{{tab:{}-claims}}", latex_escape(&r.paper));
        let _ = writeln!(s, "\\begin{{tabular}}{{llllrllrll}}\n\\toprule");
        let _ = writeln!(
            s,
            "Claim & Variant & Dataset & Claimed & $n$ (failed) & Mean $\\pm$ SE & {conf:.0}\\% CI & $p_{{\\mathrm{{adj}}}}$ & Best-of-$k$ & Verdict \\\\\n\\midrule"
        );
        for c in &r.claims {
            let a = &c.assessment;
            let claimed = match c.claimed_standard_error {
                Some(se) => format!("{} $\\pm$ {}", tex_num(Some(a.claimed)), tex_num(Some(se))),
                None => tex_num(Some(a.claimed)),
            };
            let ci = a
                .t_ci
                .map(|(lo, hi)| format!("[{}, {}]", tex_num(Some(lo)), tex_num(Some(hi))))
                .unwrap_or_else(|| "--".into());
            let _ = writeln!(
                s,
                "{} & {} & {} & {} & {} ({}) & {} $\\pm$ {} & {} & {} & {} & {} \\\\",
                latex_escape(&c.id),
                latex_escape(&c.variant),
                latex_escape(&c.dataset),
                claimed,
                a.n_runs,
                a.n_failed,
                tex_num(a.mean),
                tex_num(standard_error(a)),
                ci,
                tex_p(a.p_adjusted),
                latex_escape(&best_of_k_cell(a))
                    .replace('≈', "$\\approx$")
                    .replace("10⁶", "$10^6$"),
                latex_escape(&match a.seed_picking_flag() {
                    Some(flag) => format!("{} ({flag})", a.verdict),
                    None => a.verdict.to_string(),
                })
            );
        }
        let _ = writeln!(s, "\\bottomrule\n\\end{{tabular}}\n\\end{{table}}\n");
        s.push_str(&paper_level::latex(&r.paper_level));
    }
    for cmp in &r.comparisons {
        let a = &cmp.assessment;
        let _ = writeln!(s, "\\begin{{table}}[t]\n\\centering\n\\small");
        let mut caption = format!(
            "Comparison \\texttt{{{}}}: {}. Effect = method $-$ baseline, positive = method better; {conf:.0}\\% CI. Wins/ties/losses {}/{}/{}",
            latex_escape(&cmp.id),
            latex_escape(&cmp.description),
            a.wins,
            a.ties,
            a.losses
        );
        if let Some(w) = &a.wilcoxon {
            caption.push_str(&format!(
                "; Wilcoxon signed-rank over {} datasets $p = {}$",
                w.n,
                tex_p(Some(w.p_value)).trim_matches('$')
            ));
        }
        if let Some(sel) = &a.selection {
            caption.push_str(&format!(
                "; dataset-selection test $p = {}$",
                tex_p(Some(sel.p_value)).trim_matches('$')
            ));
        }
        let _ = writeln!(
            s,
            "\\caption{{{caption}. Verdict: {}{}.}}",
            latex_escape(&a.verdict.to_string()),
            if a.reported_subset_favourable {
                "; the reported datasets are a favourable subset"
            } else {
                ""
            }
        );
        let _ = writeln!(
            s,
            "\\label{{tab:{}-{}}}",
            latex_escape(&r.paper),
            latex_escape(&cmp.id)
        );
        s.push_str(&comparison_table(cmp, conf).latex("llrllrl"));
        s.push_str("\\end{table}\n\n");
    }
    s
}

/// One CSV row per claim: the numbers of the claims table, written with the `csv` crate (cells
/// holding commas, quotes or newlines are quoted).
pub fn csv(r: &PaperReport) -> Result<String> {
    let header = [
        "paper",
        "claim",
        "variant",
        "dataset",
        "metric",
        "claimed",
        "claimed_se",
        "n_runs",
        "n_failed",
        "mean",
        "sd",
        "se",
        "t_ci_low",
        "t_ci_high",
        "bootstrap_ci_low",
        "bootstrap_ci_high",
        "min",
        "median",
        "max",
        "percentile",
        "p_value",
        "p_adjusted",
        "p_family",
        "best_of_k_normal",
        "best_of_k_empirical",
        "looks_like_best_of",
        "beyond_best_of",
        "verdict",
    ];
    let err = |e: csv::Error| crate::error::HarnessError::Other(format!("writing CSV: {e}"));
    let mut w = csv::Writer::from_writer(Vec::new());
    w.write_record(header).map_err(err)?;
    let o = |v: Option<f64>| v.map(|x| x.to_string()).unwrap_or_default();
    let u = |v: Option<u64>| v.map(|x| x.to_string()).unwrap_or_default();
    for c in &r.claims {
        let a = &c.assessment;
        w.write_record([
            r.paper.clone(),
            c.id.clone(),
            c.variant.clone(),
            c.dataset.clone(),
            c.metric.clone(),
            a.claimed.to_string(),
            o(c.claimed_standard_error),
            a.n_runs.to_string(),
            a.n_failed.to_string(),
            o(a.mean),
            o(a.sd),
            o(standard_error(a)),
            o(a.t_ci.map(|x| x.0)),
            o(a.t_ci.map(|x| x.1)),
            o(a.bootstrap_ci.map(|x| x.0)),
            o(a.bootstrap_ci.map(|x| x.1)),
            o(a.min),
            o(a.median),
            o(a.max),
            o(a.percentile),
            o(a.p_value),
            o(a.p_adjusted),
            r.p_family.clone(),
            o(a.best_of_k_normal),
            o(a.best_of_k_empirical),
            u(a.looks_like_best_of),
            u(a.beyond_best_of),
            a.verdict.to_string(),
        ])
        .map_err(err)?;
    }
    let bytes = w
        .into_inner()
        .map_err(|e| crate::error::HarnessError::Other(format!("writing CSV: {e}")))?;
    String::from_utf8(bytes)
        .map_err(|e| crate::error::HarnessError::Other(format!("writing CSV: {e}")))
}

/// Renders and publishes `<dir>/<paper>.md`, `.csv`, `.json`, `.tex` and `.html` as one set
/// (see [`publish`]: all rendered first, then renamed into place under a lock, with a
/// manifest); returns the Markdown path. Errors: a file that cannot be written, a plot that
/// cannot be drawn (nothing is published then).
pub fn write(dir: &Path, r: &PaperReport, rules: &Rules) -> Result<PathBuf> {
    let json = serde_json::to_string_pretty(r)
        .map_err(|e| crate::error::HarnessError::Other(format!("serializing report: {e}")))?;
    let mut files = vec![
        (format!("{}.md", r.paper), markdown(r, rules).into_bytes()),
        (format!("{}.csv", r.paper), csv(r)?.into_bytes()),
        (format!("{}.tex", r.paper), latex(r, rules).into_bytes()),
        (
            format!("{}.html", r.paper),
            curves::insert(html::html(r, rules)?, &r.curves)?.into_bytes(),
        ),
        (format!("{}.json", r.paper), json.into_bytes()),
    ];
    if let Some(svg) = cd_diagram::paper_svg(r)? {
        files.push((format!("{}-cd.svg", r.paper), svg.into_bytes()));
    }
    publish::publish_set(dir, &r.paper, &files)?;
    Ok(dir.join(format!("{}.md", r.paper)))
}

#[cfg(test)]
mod tests {
    use super::*;
    use repro_stats::verdict::ReportedAs;

    fn assess(runs: Vec<Outcome>) -> ClaimAssessment {
        let claim = Claim {
            id: "c".into(),
            value: 1.0,
            standard_error: Some(0.1),
            direction: Direction::Lower,
            reported_as: ReportedAs::MeanOf { n: 4 },
            resolution: None,
        };
        assess_claims(&[(claim, runs)], &Rules::default()).remove(0)
    }

    #[test]
    fn latex_escapes_specials_and_tables_are_balanced() {
        assert_eq!(
            latex_escape(r"a_b & 50% $x$ #1 {y} ~ ^ \ −"),
            r"a\_b \& 50\% \$x\$ \#1 \{y\} \textasciitilde{} \textasciicircum{} \textbackslash{} -"
        );
        let v = |x: f64| Outcome::Value(x);
        let claim = ClaimRow {
            id: "boston_rmse".into(),
            variant: "grid".into(),
            dataset: "uci-boston".into(),
            metric: "rmse".into(),
            unit: "target units".into(),
            source: "Table 1".into(),
            claimed_standard_error: Some(0.1),
            resolution: None,
            higher_is_better: false,
            runs: vec![],
            assessment: assess(vec![v(1.0), v(2.0), v(3.0), v(4.0)]),
        };
        let r = PaperReport {
            paper: "p".into(),
            citation: "c".into(),
            planned_runs: 4,
            recorded_runs: 4,
            failed_runs: 0,
            claims: vec![claim],
            comparisons: vec![],
            multi_comparisons: vec![],
            timings: vec![],
            claim_rules: String::new(),
            comparison_rules: String::new(),
            curves: Vec::new(),
            p_family: "Holm over the paper's 1 claim".into(),
            paper_level: Default::default(),
        };
        let t = latex(&r, &Rules::default());
        assert_eq!(t.matches("\\begin{table}").count(), 1);
        assert_eq!(t.matches("\\end{table}").count(), 1);
        assert!(t.contains(r"boston\_rmse & grid & uci-boston & $1.0000$ $\pm$ $0.1000$ & 4 (0) & $2.5000$ $\pm$ $0.6455$"), "{t}");
        // every body row has as many cells as the header
        let rows: Vec<&str> = t.lines().filter(|l| l.ends_with(r"\\")).collect();
        assert_eq!(rows.len(), 2);
        assert!(
            rows.iter().all(|l| l.matches(" & ").count() == 9),
            "{rows:?}"
        );
    }

    /// A claim id holding a comma and a quote survives the CSV round trip in one cell.
    #[test]
    fn csv_quotes_commas_and_quotes() {
        let v = |x: f64| Outcome::Value(x);
        let claim = ClaimRow {
            id: "top-1, \"clean\" test".into(),
            variant: "v".into(),
            dataset: "d".into(),
            metric: "m".into(),
            unit: "u".into(),
            source: "s".into(),
            claimed_standard_error: None,
            resolution: None,
            higher_is_better: false,
            runs: vec![],
            assessment: assess(vec![v(1.0), v(2.0), v(3.0)]),
        };
        let r = PaperReport {
            paper: "p".into(),
            citation: "c".into(),
            planned_runs: 3,
            recorded_runs: 3,
            failed_runs: 0,
            claims: vec![claim],
            comparisons: vec![],
            multi_comparisons: vec![],
            timings: vec![],
            claim_rules: String::new(),
            comparison_rules: String::new(),
            p_family: "Holm over the paper's 1 claim".into(),
            paper_level: Default::default(),
            curves: Vec::new(),
        };
        let text = csv(&r).unwrap();
        assert!(text.contains("\"top-1, \"\"clean\"\" test\""), "{text}");
        let mut rd = ::csv::Reader::from_reader(text.as_bytes());
        let headers = rd.headers().unwrap().clone();
        let rows: Vec<::csv::StringRecord> = rd.records().map(|x| x.unwrap()).collect();
        assert_eq!(rows.len(), 1);
        assert_eq!(rows[0].len(), headers.len());
        assert_eq!(&rows[0][1], "top-1, \"clean\" test");
        assert_eq!(&rows[0][22], "Holm over the paper's 1 claim");
    }

    #[test]
    fn numbers_never_print_as_negative_zero() {
        assert_eq!(f(Some(-0.00001)), "-1.0e-5");
        assert_eq!(f(Some(-0.0)), "0");
        assert_eq!(f(Some(0.00012)), "1.2e-4");
        assert_eq!(f(Some(-0.123456)), "-0.1235");
        assert!(!f(Some(-0.00004)).contains("0.0000"));
    }

    #[test]
    fn standard_error_is_sd_over_root_n_of_the_finite_runs() {
        let v = |x: f64| Outcome::Value(x);
        // finite runs 1, 2, 3, 4: sd (ddof 1) = 1.2909944, SE = sd / 2
        let a = assess(vec![v(1.0), v(2.0), v(3.0), v(4.0), Outcome::Failed]);
        let se = standard_error(&a).unwrap();
        assert!((se - 1.290_994_448_735_805_6 / 2.0).abs() < 1e-12, "{se}");
        // one finite run: no SE
        assert_eq!(standard_error(&assess(vec![v(1.0), Outcome::Failed])), None);
    }
}
