//! Multi-method comparisons (`[[multi_comparisons]]`): k ≥ 2 methods ranked on each dataset
//! (blocks = the splits every method has) and across datasets (blocks = datasets, scores = the
//! methods' mean per dataset), with the Friedman test, the Iman–Davenport F, average ranks and the
//! Nemenyi critical difference (Demšar 2006, §3.2.2; the procedures of [`repro_stats::friedman`]),
//! the groups of methods that are not significantly different (the bars of a critical-difference
//! diagram, drawn by the `cd_diagram` renderer). The model part: every number comes from
//! [`repro_stats`]; the renderers print it.
//!
//! A failed run (diverged, error, non-finite metric) is ranked worst in its split, and a method
//! with any failed run on a dataset is ranked worst on that dataset in the across-datasets test:
//! failures are counted, never dropped.

use super::rows::{direction, Cells};
use crate::config::{Better, LoadedPaper, MultiComparisonSpec};
use crate::record::RunRecord;
use repro_stats::friedman::{friedman, nemenyi_cd, CriticalDifference, FriedmanResult};
pub use repro_stats::nemenyi_groups::PairTest;
use repro_stats::nemenyi_groups::{groups, pairwise};
use repro_stats::summary::mean;
use repro_stats::verdict::Direction;
use serde::Serialize;
use std::collections::BTreeMap;

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
    /// Where the records of other papers came from ([`super::referenced::referenced_note`]).
    pub referenced: Vec<String>,
}

/// The value a failed run gets: worse than every finite score.
fn worst(d: Direction) -> f64 {
    match d {
        Direction::Higher => f64::MIN,
        Direction::Lower => f64::MAX,
    }
}

/// Computes one multi-comparison of `paper` from `cells` (records by (paper, variant, dataset)
/// and seed). Datasets are the paper's `datasets`.
pub fn assess(
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
    let dir = direction(spec.better);
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
                mean(&v)
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
        let cd = nemenyi_cd(methods.len(), across_rows.len(), alpha).ok()?;
        let pairs = pairwise(&fr.average_ranks, across_rows.len(), cd.cd_computed);
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
