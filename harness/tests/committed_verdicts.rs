//! Issue 23, over every committed paper (its config and the run records committed under
//! `results/runs/`, through the harness library, as `harness report` builds them):
//!
//! 1. no claim whose every run (n ≥ 5 finite runs, none failed) falls short of its tested value
//!    is labelled "reproduced" without qualification — a claim beyond nearly all its runs
//!    carries the "atypical" flag whatever its verdict;
//! 2. the correction family of a claim is its paper: the adjusted p-values say "Holm over the
//!    paper's … claims", and a suite's view of a paper prints the same adjusted p-value and
//!    verdict for every claim as the paper's own tables.

use harness::config::Project;
use harness::record::Store;
use harness::report::{self, PaperReport};
use harness::run::{self, Selection};
use repro_stats::verdict::{ClaimVerdict, Rules};
use std::path::{Path, PathBuf};

fn repo() -> PathBuf {
    Path::new(env!("CARGO_MANIFEST_DIR")).join("..")
}

/// The whole-paper report of `paper`, from the committed records.
fn whole_paper(project: &Project, store: &Store, paper: &str) -> PaperReport {
    let sel = [Selection {
        paper: paper.to_string(),
        variants: None,
        datasets: None,
        seeds: None,
    }];
    let runs = run::plan(project, &sel).unwrap();
    let records = run::existing_records(store, &runs).unwrap();
    let refs = report::referenced(project, store, &runs).unwrap();
    report::build_with(project, &runs, &records, &refs, &Rules::default()).remove(0)
}

#[test]
fn no_claim_short_of_every_run_is_reproduced_without_qualification() {
    let root = repo();
    let project = Project::load(&root).unwrap();
    let store = Store::new(root.join("results"));
    let mut checked = 0;
    for paper in project.papers.keys() {
        let r = whole_paper(&project, &store, paper);
        assert!(
            r.p_family.contains("the paper's"),
            "{paper}: family {}",
            r.p_family
        );
        for c in &r.claims {
            let a = &c.assessment;
            let finite: Vec<f64> = c.runs.iter().filter_map(|v| v.value).collect();
            if finite.len() < 5 || a.n_failed > 0 {
                continue;
            }
            let tested = match c.resolution.filter(|x| *x > 0.0) {
                Some(res) => c.tested_value(res),
                None => a.claimed,
            };
            let short = |v: f64| {
                if c.higher_is_better {
                    v < tested
                } else {
                    v > tested
                }
            };
            if finite.iter().all(|v| short(*v)) {
                checked += 1;
                assert!(
                    a.verdict != ClaimVerdict::Reproduced || a.atypical.is_some(),
                    "{paper}/{}: every one of {} runs falls short of {tested}, yet '{}' with no flag",
                    c.id,
                    finite.len(),
                    a.verdict_text()
                );
                if matches!(
                    a.verdict,
                    ClaimVerdict::Reproduced | ClaimVerdict::ConsistentUnderpowered
                ) {
                    assert!(
                        a.atypical.is_some(),
                        "{paper}/{}: not rejected, beyond every run, but not flagged atypical ({})",
                        c.id,
                        a.note
                    );
                }
            }
        }
    }
    // the committed records hold such claims (e.g. MNIST-1D `mlp`): the test is not vacuous
    assert!(checked > 0, "no claim below every run found");
}

#[test]
fn a_suite_view_prints_the_papers_own_adjusted_p_and_verdict() {
    let root = repo();
    let project = Project::load(&root).unwrap();
    let store = Store::new(root.join("results"));
    for suite in ["quick", "full"] {
        let sel = run::suite_selections(&project, suite).unwrap();
        let runs = run::plan(&project, &sel).unwrap();
        let records = run::existing_records(&store, &runs).unwrap();
        let refs = report::referenced(&project, &store, &runs).unwrap();
        let mut views = report::build_with(&project, &runs, &records, &refs, &Rules::default());
        for view in &mut views {
            let whole = whole_paper(&project, &store, &view.paper);
            report::adopt_paper_family(view, &whole);
            assert_eq!(view.p_family, whole.p_family, "{suite}: {}", view.paper);
            for c in &view.claims {
                let w = whole
                    .claims
                    .iter()
                    .find(|w| w.id == c.id)
                    .unwrap_or_else(|| panic!("{}/{} not in the paper's report", view.paper, c.id));
                assert_eq!(
                    c.assessment.p_adjusted.map(f64::to_bits),
                    w.assessment.p_adjusted.map(f64::to_bits),
                    "{suite}: {}/{}: two adjusted p-values",
                    view.paper,
                    c.id
                );
                assert_eq!(c.assessment.verdict, w.assessment.verdict);
            }
        }
    }
}
