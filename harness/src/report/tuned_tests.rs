//! Tests of a comparison against its tuned baseline (issue 26 item 5), through the report model.

use super::model::comparison_for_test as comparison;
use super::rows::Cells;
use crate::config::{LoadedPaper, PaperConfig};
use crate::record::RunRecord;
use repro_stats::verdict::{ComparisonVerdict, Rules, TunedBaselineReading};
use std::collections::BTreeMap;
use std::path::PathBuf;

const DATASETS: [&str; 6] = ["d1", "d2", "d3", "d4", "d5", "d6"];

fn paper() -> LoadedPaper {
    let text = r#"
datasets = ["d1", "d2", "d3", "d4", "d5", "d6"]
[paper]
id = "p"
title = "t"
authors = ["a"]
year = 2017
citation = "c"
url = "u"
[seeds]
count = 10
[metrics.rmse]
better = "lower"
unit = "stars"
description = "x"
[variants.gcmc]
a = 1
[variants.mf]
a = 1
[variants.mf-tuned]
a = 1
[[comparisons]]
id = "gcmc-vs-mf"
method = "gcmc"
baseline = "mf"
metric = "rmse"
paired = true
reported_datasets = ["d1", "d2", "d3"]
source = "s"
tuned_baseline = { method = "mf-tuned", budget = "24 trials of (factors, lr, reg) on a 10% validation split" }
"#;
    LoadedPaper {
        path: PathBuf::from("configs/papers/p.toml"),
        text: text.into(),
        config: toml::from_str::<PaperConfig>(text).unwrap(),
    }
}

/// One run's record with where it belongs: (variant, dataset, seed, record).
type Placed = (String, String, u64, RunRecord);

/// The report's cells over `all` records.
fn cells_of(all: &[Vec<Placed>]) -> Cells<'_> {
    let mut cells: Cells = BTreeMap::new();
    for (v, d, seed, r) in all.iter().flatten() {
        cells
            .entry(("p".into(), v.clone(), d.clone()))
            .or_default()
            .insert(*seed, r);
    }
    cells
}

/// Records of `variant` on every dataset, 10 seeds, RMSE `centre` + a seed-dependent wobble.
fn records(variant: &str, centre: f64) -> Vec<Placed> {
    let mut out = Vec::new();
    for d in DATASETS {
        for seed in 0..10u64 {
            let wobble = 0.002 * ((seed * 7 + d.len() as u64) % 5) as f64;
            let run = repro_kit::RunOutput::builder(&["rmse"]).metric("rmse", centre + wobble);
            let run = if variant == "mf-tuned" {
                run.selection_seconds(12.0)
            } else {
                run
            };
            let rec = super::model::fixtures::record(
                crate::RunId::new("p", variant, d, seed),
                run.build().unwrap(),
            );
            out.push((variant.to_string(), d.to_string(), seed, rec));
        }
    }
    out
}

#[test]
fn a_win_over_the_configured_baseline_that_a_tuned_one_erases_is_flagged() {
    let p = paper();
    // GC-MC 0.90 beats MF as configured (0.95) everywhere, but not MF tuned (0.90, the same)
    let all = [
        records("gcmc", 0.90),
        records("mf", 0.95),
        records("mf-tuned", 0.90),
    ];
    let cells = cells_of(&all);
    let row = comparison(&p, &p.config.comparisons[0], &cells, &Rules::default()).unwrap();
    assert_eq!(row.assessment.verdict, ComparisonVerdict::Generalizes);
    let t = row.tuned.as_ref().expect("the tuned baseline is assessed");
    assert_eq!(t.baseline, "mf-tuned");
    assert_ne!(t.assessment.verdict, ComparisonVerdict::Generalizes);
    assert_eq!(t.reading, TunedBaselineReading::WinDependsOnUntunedBaseline);
    assert!(t.reading.flags());
    let cost = t.search_cost.as_ref().unwrap();
    assert_eq!(
        (cost.mean, cost.runs, cost.unit.as_str()),
        (12.0, 60, "seconds")
    );
    // every renderer shows the two verdicts side by side and the flag
    let side = super::content::tuned_baseline_table(&row).unwrap();
    assert_eq!(side.rows.len(), 2);
    assert_eq!(side.rows[0][0], "as the paper configured it");
    assert_eq!(side.rows[1][0], "tuned: mf-tuned");
    assert_eq!(side.rows[0][4], "generalizes");
    let note = super::content::tuned_baseline_note(t);
    assert!(
        note.contains("FLAG: win depends on an untuned baseline"),
        "{note}"
    );
    assert!(
        note.contains("12.0 seconds per run (selection_seconds, mean over 60 runs)"),
        "{note}"
    );
    let mut report = super::model::fixtures::report(vec![]);
    report.comparisons = vec![row];
    let md = super::markdown::markdown(&report);
    assert!(md.contains("Against the tuned baseline (mf-tuned)"), "{md}");
    let html = super::html::html(&report).unwrap();
    assert!(html.contains("Flag: win depends on an untuned baseline."));
    let tex = super::latex::latex(&report);
    assert!(tex.contains("gcmc-vs-mf-tuned"), "{tex}");
    let json = serde_json::to_string(&report).unwrap();
    assert!(json.contains("\"reading\":\"win_depends_on_untuned_baseline\""));
}

#[test]
fn a_win_that_survives_tuning_is_not_flagged() {
    let p = paper();
    let all = [
        records("gcmc", 0.85),
        records("mf", 0.95),
        records("mf-tuned", 0.92),
    ];
    let cells = cells_of(&all);
    let row = comparison(&p, &p.config.comparisons[0], &cells, &Rules::default()).unwrap();
    let t = row.tuned.unwrap();
    assert_eq!(t.reading, TunedBaselineReading::WinSurvivesTuning);
    assert!(!t.reading.flags());
}
