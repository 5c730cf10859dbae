//! Multi-method comparisons (`[[multi_comparisons]]`): k ≥ 2 methods ranked on each dataset
//! (blocks = the splits every method has) and across datasets (blocks = datasets, scores = the
//! methods' mean per dataset), with the Friedman test, the Iman–Davenport F, average ranks and the
//! Nemenyi critical difference (Demšar 2006, §3.2.2; the procedures of [`repro_stats::friedman`]),
//! the groups of methods that are not significantly different (the bars of a critical-difference
//! diagram, [`super::cd_diagram`]).
//!
//! A failed run (diverged, error, non-finite metric) is ranked worst in its split, and a method
//! with any failed run on a dataset is ranked worst on that dataset in the across-datasets test:
//! failures are counted, never dropped.

use super::{f, p, Table};
use crate::config::{Better, LoadedPaper, MultiComparisonSpec};
use crate::record::RunRecord;
use repro_stats::friedman::{friedman, nemenyi_cd, nemenyi_p, CriticalDifference, FriedmanResult};
use repro_stats::verdict::Direction;
use serde::Serialize;
use std::collections::BTreeMap;
use std::fmt::Write as _;

/// The records of one (paper, variant, dataset) cell by seed.
pub(crate) type Cells<'a> = BTreeMap<(String, String, String), BTreeMap<u64, &'a RunRecord>>;

/// One dataset of a multi-comparison.
#[derive(Debug, Clone, Serialize)]
pub struct DatasetRanking {
    /// Dataset name.
    pub dataset: String,
    /// Mean of each method's finite runs (metric units; `None` = no finite run).
    pub means: Vec<Option<f64>>,
    /// Number of runs of each method.
    pub runs: Vec<usize>,
    /// Number of failed runs of each method.
    pub failed: Vec<usize>,
    /// Splits (seeds) that every method has a record of: the blocks of the per-dataset test.
    pub common_seeds: usize,
    /// Friedman over those splits (None with fewer than 2).
    pub friedman: Option<FriedmanResult>,
    /// Nemenyi critical difference over those splits.
    pub cd: Option<CriticalDifference>,
}

/// One pair of methods across datasets.
#[derive(Debug, Clone, Serialize)]
pub struct PairTest {
    /// First method (index into `methods`).
    pub a: usize,
    /// Second method.
    pub b: usize,
    /// `|R_a − R_b|`, rank units.
    pub rank_difference: f64,
    /// Nemenyi p-value.
    pub p_value: f64,
    /// `rank_difference > CD`.
    pub significant: bool,
}

/// The across-datasets ranking.
#[derive(Debug, Clone, Serialize)]
pub struct Across {
    /// Datasets used as blocks (every method has a run there).
    pub datasets: Vec<String>,
    /// Friedman / Iman–Davenport with the average ranks (1 = best).
    pub friedman: FriedmanResult,
    /// Nemenyi critical difference at `alpha`.
    pub cd: CriticalDifference,
    /// Every pair with its Nemenyi p-value.
    pub pairs: Vec<PairTest>,
    /// Maximal groups of methods (indices, best first) whose average ranks span no more than
    /// the CD: the bars of the critical-difference diagram (groups of one are left out).
    pub groups: Vec<Vec<usize>>,
}

/// A multi-comparison with its statistics.
#[derive(Debug, Clone, Serialize)]
pub struct MultiComparisonRow {
    /// Id within the paper.
    pub id: String,
    /// The metric whose direction ranks the methods.
    pub metric: String,
    /// Its unit.
    pub unit: String,
    /// "higher" or "lower".
    pub better: String,
    /// Method labels.
    pub methods: Vec<String>,
    /// Where the methods are compared in the paper.
    pub source: String,
    /// Significance level.
    pub alpha: f64,
    /// Per dataset.
    pub per_dataset: Vec<DatasetRanking>,
    /// Across datasets (None with fewer than 2 usable datasets).
    pub across: Option<Across>,
    /// Where the records of other papers came from ([`super::referenced_note`]).
    pub referenced: Vec<String>,
}

/// The value a failed run gets: worse than every finite score.
fn worst(d: Direction) -> f64 {
    match d {
        Direction::Higher => f64::MIN,
        Direction::Lower => f64::MAX,
    }
}

/// Maximal runs of consecutive methods in rank order whose rank span is ≤ `cd` (Demšar's
/// "groups of classifiers that are not significantly different"); indices into `ranks`, best
/// first; groups of one and groups inside another are dropped.
pub fn groups(ranks: &[f64], cd: f64) -> Vec<Vec<usize>> {
    let mut order: Vec<usize> = (0..ranks.len()).collect();
    order.sort_by(|&a, &b| ranks[a].total_cmp(&ranks[b]));
    let mut out: Vec<(usize, usize)> = Vec::new();
    for i in 0..order.len() {
        let mut j = i;
        while j + 1 < order.len() && ranks[order[j + 1]] - ranks[order[i]] <= cd {
            j += 1;
        }
        if j > i && !out.iter().any(|&(a, b)| a <= i && j <= b) {
            out.push((i, j));
        }
    }
    out.into_iter()
        .map(|(i, j)| order[i..=j].to_vec())
        .collect()
}

/// Computes one multi-comparison of `paper` from `cells` (records by (paper, variant, dataset)
/// and seed). Datasets are the paper's `datasets`.
pub(crate) fn assess(
    paper: &LoadedPaper,
    mc: &MultiComparisonSpec,
    cells: &Cells,
    referenced: Vec<((String, String), String)>,
) -> MultiComparisonRow {
    let referenced: Vec<String> = referenced
        .into_iter()
        .filter(|((p, v), _)| {
            mc.methods
                .iter()
                .any(|m| m.get_ref().paper(paper.id()) == p && m.get_ref().variant() == v)
        })
        .map(|(_, note)| note)
        .collect();
    let own = paper.id();
    let metric = mc.metric.get_ref();
    let spec = &paper.config.metrics[metric];
    let dir = match spec.better {
        Better::Higher => Direction::Higher,
        Better::Lower => Direction::Lower,
    };
    let alpha = mc.alpha.unwrap_or(0.05);
    let methods: Vec<String> = mc
        .methods
        .iter()
        .map(|m| m.get_ref().label(own, metric))
        .collect();
    let mut per_dataset = Vec::new();
    let mut across_rows: Vec<Vec<f64>> = Vec::new();
    let mut across_names = Vec::new();
    for d in &paper.config.datasets {
        let d = d.get_ref();
        let empty = BTreeMap::new();
        let cols: Vec<(&BTreeMap<u64, &RunRecord>, &str)> = mc
            .methods
            .iter()
            .map(|m| {
                let m = m.get_ref();
                let key = (m.paper(own).to_string(), m.variant().to_string(), d.clone());
                (
                    cells.get(&key).unwrap_or(&empty),
                    m.metric().unwrap_or(metric),
                )
            })
            .collect();
        let value = |r: &RunRecord, name: &str| r.metric(name).filter(|v| v.is_finite());
        let means: Vec<Option<f64>> = cols
            .iter()
            .map(|(c, name)| {
                let v: Vec<f64> = c.values().filter_map(|r| value(r, name)).collect();
                (!v.is_empty()).then(|| v.iter().sum::<f64>() / v.len() as f64)
            })
            .collect();
        let failed: Vec<usize> = cols
            .iter()
            .map(|(c, name)| c.values().filter(|r| value(r, name).is_none()).count())
            .collect();
        let runs: Vec<usize> = cols.iter().map(|(c, _)| c.len()).collect();
        let seeds: Vec<u64> = cols[0]
            .0
            .keys()
            .copied()
            .filter(|s| cols.iter().all(|(c, _)| c.contains_key(s)))
            .collect();
        let blocks: Vec<Vec<f64>> = seeds
            .iter()
            .map(|s| {
                cols.iter()
                    .map(|(c, name)| value(c[s], name).unwrap_or(worst(dir)))
                    .collect()
            })
            .collect();
        let fr = friedman(&blocks, dir).ok();
        let cd = fr
            .as_ref()
            .and_then(|_| nemenyi_cd(methods.len(), blocks.len(), alpha).ok());
        if runs.iter().all(|&n| n > 0) {
            across_names.push(d.clone());
            across_rows.push(
                means
                    .iter()
                    .zip(&failed)
                    .map(|(m, &nf)| match m {
                        Some(v) if nf == 0 => *v,
                        _ => worst(dir),
                    })
                    .collect(),
            );
        }
        per_dataset.push(DatasetRanking {
            dataset: d.clone(),
            means,
            runs,
            failed,
            common_seeds: seeds.len(),
            friedman: fr,
            cd,
        });
    }
    let across = friedman(&across_rows, dir).ok().and_then(|fr| {
        let k = methods.len();
        let n = across_rows.len();
        let cd = nemenyi_cd(k, n, alpha).ok()?;
        let mut pairs = Vec::new();
        for a in 0..k {
            for b in a + 1..k {
                let diff = (fr.average_ranks[a] - fr.average_ranks[b]).abs();
                pairs.push(PairTest {
                    a,
                    b,
                    rank_difference: diff,
                    p_value: nemenyi_p(fr.average_ranks[a], fr.average_ranks[b], k, n)
                        .unwrap_or(f64::NAN),
                    significant: diff > cd.cd_computed,
                });
            }
        }
        Some(Across {
            datasets: across_names,
            groups: groups(&fr.average_ranks, cd.cd_computed),
            friedman: fr,
            cd,
            pairs,
        })
    });
    MultiComparisonRow {
        id: mc.id.clone(),
        metric: metric.clone(),
        unit: spec.unit.clone(),
        better: match spec.better {
            Better::Higher => "higher".into(),
            Better::Lower => "lower".into(),
        },
        methods,
        source: mc.source.clone(),
        alpha,
        per_dataset,
        across,
        referenced,
    }
}

/// The per-dataset table: each method's mean (and failed runs), the split-level Friedman test
/// and the methods' average ranks over the splits.
pub(crate) fn dataset_table(m: &MultiComparisonRow) -> Table {
    let mut header: Vec<String> = vec!["dataset".into()];
    for l in &m.methods {
        header.push(format!("{l}: mean (avg rank)"));
    }
    header.extend([
        "splits".into(),
        "Friedman χ²_F".into(),
        "Iman–Davenport F_F".into(),
        "p (F_F)".into(),
        "Nemenyi CD".into(),
    ]);
    let h: Vec<&str> = header.iter().map(String::as_str).collect();
    let mut t = Table::new(&h);
    for d in &m.per_dataset {
        let mut row = vec![d.dataset.clone()];
        for i in 0..m.methods.len() {
            let rank = d
                .friedman
                .as_ref()
                .map_or("–".to_string(), |r| format!("{:.2}", r.average_ranks[i]));
            let fail = if d.failed[i] > 0 {
                format!(", {} failed", d.failed[i])
            } else {
                String::new()
            };
            row.push(format!("{} ({rank}{fail})", f(d.means[i])));
        }
        row.push(d.common_seeds.to_string());
        match &d.friedman {
            Some(r) => row.extend([
                f(Some(r.chi2_demsar)),
                f(Some(r.ff_demsar)),
                p(Some(r.p_ff_demsar)),
                d.cd.map_or("–".into(), |c| format!("{:.3}", c.cd_computed)),
            ]),
            None => row.extend(["–".into(), "–".into(), "–".into(), "–".into()]),
        }
        t.rows.push(row);
    }
    t
}

/// The across-datasets result as sentences (average ranks, Friedman/Iman–Davenport, CD, pairs).
pub(crate) fn summary(m: &MultiComparisonRow) -> String {
    let Some(a) = &m.across else {
        return "Across datasets: fewer than 2 datasets with runs of every method; no test.".into();
    };
    let r = &a.friedman;
    let ranks: Vec<String> = m
        .methods
        .iter()
        .zip(&r.average_ranks)
        .map(|(l, x)| format!("{l} {x:.3}"))
        .collect();
    let mut s = format!(
        "Across {} datasets ({}), ranking the methods' means ({} is better; a method with a failed run on a dataset ranks last there): average ranks {}.\n\
         Friedman χ²_F = {} (p = {}), Iman–Davenport F_F = {} with ({}, {}) df (p = {}); tie-corrected χ² = {} (p = {}).\n\
         Nemenyi critical difference at α = {}: CD = {:.3} (q = {:.3}; Demšar's table: {:.3}).",
        a.datasets.len(),
        a.datasets.join(", "),
        m.better,
        ranks.join(", "),
        f(Some(r.chi2_demsar)),
        p(Some(r.p_demsar)),
        f(Some(r.ff_demsar)),
        r.k - 1,
        (r.k - 1) * (r.n - 1),
        p(Some(r.p_ff_demsar)),
        f(Some(r.chi2_scipy)),
        p(Some(r.p_scipy)),
        m.alpha,
        a.cd.cd_computed,
        a.cd.q_computed,
        a.cd.cd_table,
    );
    for pr in &a.pairs {
        let _ = write!(
            s,
            "\n- {} vs {}: rank difference {:.3} {} CD, Nemenyi p = {}{}",
            m.methods[pr.a],
            m.methods[pr.b],
            pr.rank_difference,
            if pr.significant { ">" } else { "≤" },
            p(Some(pr.p_value)),
            if pr.significant {
                " (significantly different)"
            } else {
                ""
            }
        );
    }
    let rejected = r.p_ff_demsar < m.alpha;
    let _ = write!(
        s,
        "\n{}",
        if rejected {
            "The Friedman/Iman–Davenport test rejects equal performance; the pairs above beyond the CD differ (Nemenyi)."
        } else {
            "The Friedman/Iman–Davenport test does not reject equal performance of the methods (post-hoc pairs shown for completeness)."
        }
    );
    s
}

/// The Markdown section of one multi-comparison.
pub(crate) fn markdown(m: &MultiComparisonRow) -> String {
    let mut s = format!(
        "## Multi-method comparison `{}` ({}, {} is better, {})\n\nMethods: {}.\n\nSource: {}\n\nPer dataset (blocks = the splits every method has; ranks within each split, 1 = best):\n\n",
        m.id,
        m.metric,
        m.better,
        m.unit,
        m.methods.join("; "),
        m.source
    );
    s.push_str(&dataset_table(m).markdown());
    let _ = writeln!(s, "\n{}\n", summary(m));
    for r in &m.referenced {
        let _ = writeln!(s, "- Records read, not run: {r}.");
    }
    if !m.referenced.is_empty() {
        s.push('\n');
    }
    s
}

/// The HTML section of one multi-comparison: the per-dataset table, the across-datasets
/// result and the critical-difference diagram. Errors: a diagram that cannot be drawn.
pub(crate) fn html(m: &MultiComparisonRow) -> crate::Result<String> {
    let e = super::html::escape;
    let mut s = format!(
        "<h2>Multi-method comparison {} ({}, {} is better, {})</h2>\n<p class=\"note\">Methods: {}. Source: {}</p>\n",
        e(&m.id),
        e(&m.metric),
        e(&m.better),
        e(&m.unit),
        e(&m.methods.join("; ")),
        e(&m.source)
    );
    s.push_str(&dataset_table(m).html().into_string());
    let _ = writeln!(s, "<p>{}</p>", e(&summary(m)).replace('\n', "<br>"));
    for r in &m.referenced {
        let _ = writeln!(s, "<p class=\"note\">Records read, not run: {}.</p>", e(r));
    }
    if let Some(svg) = super::cd_diagram::comparison_svg(m)? {
        let _ = writeln!(
            s,
            "<figure><figcaption>Critical-difference diagram (Demšar 2006, Fig. 1 style): average ranks across datasets (1 = best), methods joined by a bar are not significantly different (Nemenyi, α = {}).</figcaption>{svg}</figure>",
            m.alpha
        );
    }
    Ok(s)
}

#[cfg(test)]
mod tests {
    use super::groups;

    /// Demšar (2006) Table 6 average ranks (C4.5, C4.5+m, C4.5+cf, C4.5+m+cf): at α = 0.10
    /// (CD 1.118) C4.5 is worse than C4.5+m and C4.5+m+cf, so two groups; at α = 0.05
    /// (CD 1.254) no pair differs: one group of all four.
    #[test]
    fn groups_of_demsars_example() {
        let r = [3.142857, 2.0, 2.892857, 1.964286];
        assert_eq!(groups(&r, 1.118060), vec![vec![3, 1, 2], vec![2, 0]]);
        assert_eq!(groups(&r, 1.253559), vec![vec![3, 1, 2, 0]]);
        assert!(groups(&r, 0.01).is_empty());
    }
}
