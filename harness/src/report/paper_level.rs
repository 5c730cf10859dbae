//! The paper-level line of every report: are the paper's claims, taken together, on the
//! favourable side of their reproductions ([`repro_stats::paper_level`])? And, where the config
//! holds the authors' own per-run values (`published_runs`), does the reproduction match them
//! ([`repro_stats::faithfulness`])? The model part: the renderers print it under the claims
//! table in Markdown, HTML and LaTeX, and it is serialised in the JSON report.

use super::rows::Cells;
use super::rows::{direction, ClaimRow};
use crate::config::LoadedPaper;
use repro_stats::faithfulness::{
    compare_with_published, Faithfulness, FaithfulnessVerdict, FAITHFULNESS_RULES,
};
use repro_stats::paper_level::{assess_table, table_rules_text, TableAssessment, TableClaim};
use repro_stats::verdict::{Claim, Outcome, Rules};
use serde::Serialize;

/// The faithfulness check of one claim against the authors' published runs.
#[derive(Debug, Clone, Serialize)]
pub struct FaithfulnessRow {
    /// Claim id within the paper.
    pub claim: String,
    /// The comparison.
    pub result: Faithfulness,
    /// The faithfulness search, when the config lists `published_runs.candidates`: the claim's
    /// own variant first, then each candidate, every one compared with the same published runs
    /// (empty without candidates, and then left out of the JSON report).
    #[serde(skip_serializing_if = "Vec::is_empty")]
    pub search: Vec<CandidateRow>,
}

/// One variant of a faithfulness search ([`FaithfulnessRow::search`]).
#[derive(Debug, Clone, Serialize)]
pub struct CandidateRow {
    /// The variant.
    pub variant: String,
    /// Its runs on the claim's dataset against the published runs.
    pub result: Faithfulness,
    /// Its faithfulness p (`min(1, 2·min(p_Welch, p_MWU))`) Holm-adjusted across the variants of
    /// the search that have one; `None` when it has none (fewer than 2 finite values).
    pub p_adjusted: Option<f64>,
    /// `differs` when `p_adjusted` < alpha, `matches` otherwise, `inconclusive` without one.
    pub verdict: FaithfulnessVerdict,
}

/// Paper-level results of one paper's report.
#[derive(Debug, Clone, Serialize, Default)]
pub struct PaperLevel {
    /// The table test over the paper's claims that have runs (`None` when no claim has any).
    pub table: Option<TableAssessment>,
    /// The table rule in force.
    pub rule: String,
    /// Claims whose config holds published per-run values.
    pub faithfulness: Vec<FaithfulnessRow>,
    /// The faithfulness rule (empty when there is no published run).
    pub faithfulness_rule: String,
}

impl PaperLevel {
    /// The faithfulness result of claim `id`, if its published runs are known.
    pub fn faithfulness_of(&self, id: &str) -> Option<&Faithfulness> {
        self.faithfulness
            .iter()
            .find(|f| f.claim == id)
            .map(|f| &f.result)
    }
}

fn outcomes(c: &ClaimRow) -> Vec<Outcome> {
    c.runs
        .iter()
        .map(|r| r.value.map_or(Outcome::Failed, Outcome::Value))
        .collect()
}

/// The faithfulness search of claim `row` over `candidates`: the claim's own variant (`own`,
/// already compared) and each candidate's runs of the claim's metric on its dataset (from
/// `cells`; a candidate without records has no finite run and is inconclusive), Holm across the
/// variants with a p-value.
fn search(
    paper: &str,
    row: &ClaimRow,
    own: &Faithfulness,
    candidates: &[String],
    published: &crate::config::PublishedRuns,
    cells: &Cells,
    rules: &Rules,
) -> Vec<CandidateRow> {
    if candidates.is_empty() {
        return Vec::new();
    }
    let mut results = vec![(row.variant.clone(), own.clone())];
    for v in candidates {
        let runs: Vec<Outcome> = cells
            .get(&(paper.to_string(), v.clone(), row.dataset.clone()))
            .map(|cell| {
                cell.values()
                    .map(|r| {
                        r.metric(&row.metric)
                            .map_or(Outcome::Failed, Outcome::Value)
                    })
                    .collect()
            })
            .unwrap_or_default();
        results.push((
            v.clone(),
            compare_with_published(&runs, &published.values, &published.source, rules),
        ));
    }
    let ps: Vec<f64> = results.iter().filter_map(|(_, f)| f.p_holm).collect();
    let mut adjusted = repro_stats::multitest::holm(&ps)
        .unwrap_or_default()
        .into_iter();
    let alpha = rules.effective_alpha();
    results
        .into_iter()
        .map(|(variant, result)| {
            let p_adjusted = result.p_holm.and_then(|_| adjusted.next());
            let verdict = match p_adjusted {
                Some(p) if p < alpha => FaithfulnessVerdict::Differs,
                Some(_) => FaithfulnessVerdict::Matches,
                None => FaithfulnessVerdict::Inconclusive,
            };
            CandidateRow {
                variant,
                result,
                p_adjusted,
                verdict,
            }
        })
        .collect()
}

/// Computes the paper-level test and the faithfulness checks for `claims` (the report's rows of
/// `paper`) under `rules` (their `alpha` is the level of the table test and of the
/// faithfulness checks), with the faithfulness searches over the records in `cells`. Claims on
/// the same variant and dataset share their runs and form one run set.
pub fn build(paper: &LoadedPaper, claims: &[ClaimRow], cells: &Cells, rules: &Rules) -> PaperLevel {
    let mut table = Vec::new();
    let mut keys: Vec<[String; 2]> = Vec::new();
    let mut labels: Vec<String> = Vec::new();
    let mut faithfulness = Vec::new();
    for row in claims {
        let Some(spec) = paper.config.claims.iter().find(|c| c.id == row.id) else {
            continue;
        };
        let Some(metric) = paper.config.metrics.get(spec.metric.get_ref()) else {
            continue;
        };
        let runs = outcomes(row);
        if let Some(pr) = &spec.published_runs {
            let result = compare_with_published(&runs, &pr.values, &pr.source, rules);
            let candidates: Vec<String> =
                pr.candidates.iter().map(|c| c.get_ref().clone()).collect();
            let search = search(
                &paper.config.paper.id,
                row,
                &result,
                &candidates,
                pr,
                cells,
                rules,
            );
            faithfulness.push(FaithfulnessRow {
                claim: row.id.clone(),
                result,
                search,
            });
        }
        if runs.is_empty() {
            continue;
        }
        table.push(TableClaim {
            claim: Claim {
                id: row.id.clone(),
                value: spec.value,
                standard_error: spec.standard_error,
                direction: direction(metric.better),
                reported_as: spec.reported_as,
                resolution: spec.resolution,
                margin: None,
            },
            run_set: None,
            runs,
        });
        keys.push([
            format!("runs {} on {}", row.variant, row.dataset),
            format!(
                "number {} {} {} {}",
                row.dataset,
                spec.metric.get_ref(),
                spec.value.to_bits(),
                spec.source
            ),
        ]);
        labels.push(format!("{} on {}", row.variant, row.dataset));
    }
    for (tc, set) in table.iter_mut().zip(run_sets(&keys, &labels)) {
        tc.run_set = Some(set);
    }
    PaperLevel {
        table: if table.is_empty() {
            None
        } else {
            Some(assess_table(&table, rules))
        },
        rule: table_rules_text(rules),
        faithfulness_rule: if faithfulness.is_empty() {
            String::new()
        } else {
            FAITHFULNESS_RULES.to_string()
        },
        faithfulness,
    }
}

/// The run set of each claim: claims are joined (transitively) when they share the reproduction's
/// runs (same variant and dataset) or the paper's (the same printed number — dataset, metric,
/// value and quoted source — tested against two protocol variants). Two cells of a table that
/// merely print the same value (different sources) stay apart. Labelled by the sorted `variant on dataset`
/// cells of the group, joined by ` + `.
fn run_sets(keys: &[[String; 2]], labels: &[String]) -> Vec<String> {
    let n = keys.len();
    let mut parent: Vec<usize> = (0..n).collect();
    fn root(p: &mut [usize], mut i: usize) -> usize {
        while p[i] != i {
            p[i] = p[p[i]];
            i = p[i];
        }
        i
    }
    let mut first: std::collections::HashMap<&str, usize> = Default::default();
    for (i, ks) in keys.iter().enumerate() {
        for k in ks {
            match first.get(k.as_str()) {
                Some(&j) => {
                    let (a, b) = (root(&mut parent, i), root(&mut parent, j));
                    parent[a] = b;
                }
                None => {
                    first.insert(k, i);
                }
            }
        }
    }
    let mut members: std::collections::BTreeMap<usize, std::collections::BTreeSet<&str>> =
        Default::default();
    for (i, l) in labels.iter().enumerate() {
        let r = root(&mut parent, i);
        members.entry(r).or_default().insert(l);
    }
    (0..n)
        .map(|i| {
            let r = root(&mut parent, i);
            members[&r].iter().cloned().collect::<Vec<_>>().join(" + ")
        })
        .collect()
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::record::RunRecord;
    use std::collections::BTreeMap;

    /// A record of paper `p`, `variant` on dataset `uci-boston`, seed `seed`, metric `rmse`.
    fn record(variant: &str, seed: u64, rmse: f64) -> RunRecord {
        let out = repro_kit::RunOutput::builder(&["rmse"])
            .metric("rmse", rmse)
            .build()
            .unwrap();
        crate::report::model::fixtures::record(
            crate::RunId::new("p", variant, "uci-boston", seed),
            out,
        )
    }

    #[test]
    fn a_faithfulness_search_tests_every_variant_against_the_published_runs_with_holm() {
        let published: Vec<f64> = (0..30).map(|i| 3.0 + 0.01 * (i % 10) as f64).collect();
        let pr = crate::config::PublishedRuns {
            values: published.clone(),
            source: "log".into(),
            candidates: Vec::new(),
        };
        // the claim's own variant is far off; "close" matches; "missing" has no records
        let far: Vec<RunRecord> = (0..10)
            .map(|s| record("grid", s, 3.5 + 0.01 * s as f64))
            .collect();
        let close: Vec<RunRecord> = (0..10)
            .map(|s| record("close", s, 3.0 + 0.01 * s as f64))
            .collect();
        let mut cells: Cells = BTreeMap::new();
        for (v, recs) in [("grid", &far), ("close", &close)] {
            cells.insert(
                ("p".into(), v.into(), "uci-boston".into()),
                recs.iter()
                    .enumerate()
                    .map(|(i, r)| (i as u64, r))
                    .collect(),
            );
        }
        let mut row = crate::report::model::fixtures::claim("c", None, &[]);
        let own_runs: Vec<Outcome> = far
            .iter()
            .map(|r| Outcome::Value(r.metric("rmse").unwrap()))
            .collect();
        let rules = Rules::default();
        let own = compare_with_published(&own_runs, &pr.values, &pr.source, &rules);
        row.variant = "grid".into();
        let rows = search(
            "p",
            &row,
            &own,
            &["close".to_string(), "missing".to_string()],
            &pr,
            &cells,
            &rules,
        );
        let by: BTreeMap<&str, &CandidateRow> =
            rows.iter().map(|r| (r.variant.as_str(), r)).collect();
        assert_eq!(
            rows[0].variant, "grid",
            "the claim's own variant comes first"
        );
        assert_eq!(by["grid"].verdict, FaithfulnessVerdict::Differs);
        assert_eq!(by["close"].verdict, FaithfulnessVerdict::Matches);
        assert_eq!(by["missing"].verdict, FaithfulnessVerdict::Inconclusive);
        assert_eq!(by["missing"].p_adjusted, None);
        // Holm over the two variants with a p-value: the smaller is doubled
        let (pg, pc) = (
            by["grid"].result.p_holm.unwrap(),
            by["close"].result.p_holm.unwrap(),
        );
        assert!(pg < pc);
        assert!((by["grid"].p_adjusted.unwrap() - (2.0 * pg).min(1.0)).abs() < 1e-15);
        assert!(by["close"].p_adjusted.unwrap() >= by["grid"].p_adjusted.unwrap());
        // no candidates: no search
        assert!(search("p", &row, &own, &[], &pr, &cells, &rules).is_empty());
    }

    #[test]
    fn claims_sharing_runs_or_the_printed_number_form_one_run_set() {
        let k = |v: &str, d: &str, m: &str, x: f64| {
            [
                format!("runs {v} on {d}"),
                format!("number {d} {m} {}", x.to_bits()),
            ]
        };
        let keys = vec![
            k("grid", "boston", "rmse", 2.97),
            k("grid", "boston", "ll", -2.46),
            k("fixed", "boston", "rmse", 2.97),
            k("fixed", "boston", "ll", -2.46),
            k("grid", "yacht", "rmse", 1.11),
            k("fixed", "energy", "rmse", 1.66),
        ];
        let labels: Vec<String> = keys
            .iter()
            .map(|k| k[0].trim_start_matches("runs ").to_string())
            .collect();
        let sets = run_sets(&keys, &labels);
        assert_eq!(sets[0], "fixed on boston + grid on boston");
        assert!(sets[..4].iter().all(|s| s == &sets[0]));
        assert_eq!(sets[4], "grid on yacht");
        assert_eq!(sets[5], "fixed on energy");
    }
}
