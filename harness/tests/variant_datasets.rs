//! `[variant_datasets]` (issue 26): a variant that runs on some of a paper's datasets only.
//! The run matrix leaves the other pairs out, `harness check` smoke-runs a dataset the variant
//! runs on, and a config that names a left-out pair, an unknown variant or dataset, a repeat or
//! an empty list is refused with its file and line.

use harness::config::{load_paper, Project};
use harness::run::{self, Selection};
use std::path::{Path, PathBuf};

fn repo() -> PathBuf {
    Path::new(env!("CARGO_MANIFEST_DIR")).join("..")
}

const GCMC: &str = "vandenberg2017-gcmc";

fn whole(paper: &str) -> Vec<Selection> {
    vec![Selection {
        paper: paper.to_string(),
        variants: None,
        datasets: None,
        seeds: Some(1),
    }]
}

#[test]
fn the_run_matrix_leaves_out_the_pairs_a_variant_does_not_run_on() {
    let project = Project::load(&repo()).unwrap();
    let paper = &project.papers[GCMC];
    assert!(!paper.runs_on("gcmc", "movielens-100k"));
    assert!(!paper.runs_on("gcmc", "monti-douban"));
    assert!(paper.runs_on("gcmc", "movielens-100k-u3"));
    assert!(!paper.runs_on("gcmc_feat", "movielens-100k-u2"));
    assert!(
        paper.runs_on("svd", "movielens-100k"),
        "a variant not listed runs everywhere"
    );
    let runs = run::plan(&project, &whole(GCMC)).unwrap();
    let pairs: std::collections::BTreeSet<(String, String)> = runs
        .iter()
        .map(|r| (r.id.variant.clone(), r.id.dataset.clone()))
        .collect();
    let datasets = paper.config.datasets.len();
    let variants = paper.config.variants.len();
    let left_out: usize = paper
        .config
        .variant_datasets
        .values()
        .map(|ds| datasets - ds.len())
        .sum();
    assert_eq!(pairs.len(), variants * datasets - left_out);
    assert!(!pairs.contains(&("gcmc".into(), "movielens-100k".into())));
    assert!(pairs.contains(&("gcmc".into(), "movielens-100k-u5".into())));
    assert!(pairs.contains(&("svd".into(), "movielens-100k".into())));

    // selecting only left-out pairs is an error naming the section, not an empty run
    let sel = vec![Selection {
        paper: GCMC.into(),
        variants: Some(vec!["gcmc".into()]),
        datasets: Some(vec!["movielens-100k".into()]),
        seeds: Some(1),
    }];
    let e = run::plan(&project, &sel).unwrap_err().to_string();
    assert!(e.contains("[variant_datasets]") && e.contains(GCMC), "{e}");
    // with another variant selected too, only the pairs that exist are planned
    let sel = vec![Selection {
        paper: GCMC.into(),
        variants: Some(vec!["gcmc".into(), "svd".into()]),
        datasets: Some(vec!["movielens-100k".into()]),
        seeds: Some(2),
    }];
    let runs = run::plan(&project, &sel).unwrap();
    assert_eq!(runs.len(), 2);
    assert!(runs.iter().all(|r| r.id.variant == "svd"));
}

/// The gcmc config with `edit` applied, loaded from a temporary copy: its error (if any).
fn load_edited(edit: impl Fn(&str) -> String) -> Result<(), String> {
    let root = repo();
    let project = Project::load(&root).unwrap();
    let text = std::fs::read_to_string(root.join(format!("configs/papers/{GCMC}.toml"))).unwrap();
    let edited = edit(&text);
    assert_ne!(edited, text, "the edit must change the config");
    let dir = tempfile::tempdir().unwrap();
    let path = dir.path().join(format!("{GCMC}.toml"));
    std::fs::write(&path, edited).unwrap();
    load_paper(&path, &project.datasets)
        .map(|_| ())
        .map_err(|e| e.to_string())
}

/// The 1-based number of the first line of `text` that is `line`.
fn line_of(text: &str, line: &str) -> usize {
    text.lines().position(|l| l == line).unwrap() + 1
}

#[test]
fn bad_variant_datasets_are_refused_with_their_line() {
    let header = "[variant_datasets]\n";
    // an unknown variant
    let e =
        load_edited(|t| t.replacen(header, "[variant_datasets]\ngcmx = [\"monti-douban\"]\n", 1))
            .unwrap_err();
    assert!(
        e.contains("variant_datasets.gcmx: unknown variant `gcmx`"),
        "{e}"
    );
    let text = std::fs::read_to_string(repo().join(format!("configs/papers/{GCMC}.toml"))).unwrap();
    let line = line_of(&text, "[variant_datasets]") + 1;
    assert!(e.contains(&format!(".toml:{line}:")), "line {line}: {e}");
    // a dataset the paper does not declare, and a repeat
    let e = load_edited(|t| {
        t.replacen(
            "gcmc_feat = [\"movielens-100k-u1\"",
            "gcmc_feat = [\"movielens-1m\"",
            1,
        )
    })
    .unwrap_err();
    assert!(
        e.contains("`movielens-1m` is not in this paper's `datasets`"),
        "{e}"
    );
    let e = load_edited(|t| {
        t.replacen(
            "gcmc_feat = [\"movielens-100k-u1\"",
            "gcmc_feat = [\"monti-douban\", \"movielens-100k-u1\"",
            1,
        )
    })
    .unwrap_err();
    assert!(e.contains("`monti-douban` is listed twice"), "{e}");
    // an empty list
    let e = load_edited(|t| {
        let start = t.find("gcmc_feat = [").unwrap();
        let end = start + t[start..].find('\n').unwrap();
        format!("{}gcmc_feat = []{}", &t[..start], &t[end..])
    })
    .unwrap_err();
    assert!(
        e.contains("variant_datasets.gcmc_feat: list at least one dataset"),
        "{e}"
    );
}

#[test]
fn claims_and_comparisons_may_not_name_a_pair_left_out() {
    // a claim on a dataset its variant does not run on
    let e = load_edited(|t| {
        t.replacen(
            "variant = \"gcmc_feat\"\ndataset = \"movielens-100k-u1\"",
            "variant = \"gcmc_feat\"\ndataset = \"movielens-100k-u2\"",
            1,
        )
    })
    .unwrap_err();
    assert!(
        e.contains("claim `gcmc-feat-u1-rmse`, field `dataset`: variant `gcmc_feat` does not run on `movielens-100k-u2`"),
        "{e}"
    );
    // a comparison reported on a dataset its method does not run on
    let e = load_edited(|t| {
        t.replacen(
            "reported_datasets = [\"movielens-100k-u1\"]",
            "reported_datasets = [\"movielens-100k\", \"movielens-100k-u1\"]",
            1,
        )
    })
    .unwrap_err();
    assert!(
        e.contains("comparison `gcmc-vs-svd`, field `reported_datasets`: variant `gcmc` does not run on `movielens-100k`"),
        "{e}"
    );
    // the committed config itself loads
    let root = repo();
    let project = Project::load(&root).unwrap();
    load_paper(
        &root.join(format!("configs/papers/{GCMC}.toml")),
        &project.datasets,
    )
    .unwrap();
}

/// `harness check` requires finite smoke-run values of the metrics the config reads for a
/// variant only: the learning curves' ratios are read for `less-data`, not for `plain` (whose
/// runs record them as not applicable).
#[test]
fn the_metrics_a_variant_must_compute_are_those_the_config_reads() {
    let project = Project::load(&repo()).unwrap();
    let rrr = &project.papers["ross2017-right-reasons"];
    let plain = rrr.metrics_read("plain");
    let less = rrr.metrics_read("less-data");
    assert!(plain.contains("test_accuracy"), "{plain:?}");
    assert!(
        plain.contains("test_accuracy_region1_zeroed"),
        "a comparison arm: {plain:?}"
    );
    assert!(
        !plain.iter().any(|m| m.starts_with("extra_data_vs_")),
        "{plain:?}"
    );
    assert!(less.contains("extra_data_vs_pro_rule1_at_80"), "{less:?}");
    let gcmc = &project.papers[GCMC];
    // the tuned baseline is a comparison arm: its metric is read
    assert!(gcmc.metrics_read("svd_tuned").contains("test_rmse"));
    assert!(
        gcmc.metrics_read("nmf").contains("test_mae"),
        "a claim's metric"
    );
}

/// A dataset with no copy here, offline: `harness run` computes the runs of the datasets that
/// are here and leaves that dataset's runs uncomputed, with no record, counted by dataset with
/// the command that fetches it (Decoy MNIST: MNIST's files are not in the offline mirror).
#[test]
fn runs_of_a_dataset_not_available_here_are_left_uncomputed_and_named() {
    let project = Project::load(&repo()).unwrap();
    let rrr = "ross2017-right-reasons";
    let sel = vec![Selection {
        paper: rrr.into(),
        variants: Some(vec!["plain".into()]),
        datasets: Some(vec!["toy-colors".into(), "mnist".into()]),
        seeds: Some(1),
    }];
    let runs = run::plan(&project, &sel).unwrap();
    assert_eq!(runs.len(), 2);
    let tmp = tempfile::tempdir().unwrap();
    let fetcher = harness::data::Fetcher {
        cache_dir: tmp.path().join("cache"),
        shipped_dir: tmp.path().join("data"),
        mirrors: vec![tmp.path().join("mirror")],
        offline: true,
        attempts: 1,
        timeout: std::time::Duration::from_secs(1),
        allow_loopback_http: false,
    };
    let store = harness::record::Store::new(tmp.path().join("results"));
    let opts = run::RunOptions {
        jobs: 1,
        threads_per_run: 1,
        rerun: false,
    };
    let summary = run::execute(
        &project,
        &runs,
        &fetcher,
        &store,
        &opts,
        &run::Ui::new(true),
    )
    .unwrap();
    assert_eq!(summary.computed, 1, "the toy-colors run is computed");
    assert!(summary.errors.is_empty(), "{:?}", summary.errors);
    let missing = &summary.unavailable["mnist"];
    assert_eq!(missing.runs, 1);
    assert_eq!(
        missing.fetch_command("mnist"),
        format!("harness fetch --paper {rrr} --dataset mnist")
    );
    let mnist_run = runs.iter().find(|r| r.id.dataset == "mnist").unwrap();
    assert!(
        !store.record_path(&mnist_run.id).exists(),
        "no record for it"
    );
    // the report says how to compute the claim's missing runs, not only that they are too few
    let records = run::existing_records(&store, &runs).unwrap();
    let rules = repro_stats::verdict::Rules::default();
    let reports = harness::report::build_with(&project, &runs, &records, &[], &rules);
    let claim = reports[0]
        .claims
        .iter()
        .find(|c| c.id == "mnist-baseline-accuracy")
        .expect("the Decoy MNIST notebook's baseline claim");
    assert!(
        claim.assessment.note.contains(&format!(
            "`harness run --paper {rrr} --variant plain --dataset mnist` computes them"
        )),
        "{}",
        claim.assessment.note
    );
    let toy = reports[0]
        .claims
        .iter()
        .find(|c| c.id == "toy-plain-accuracy")
        .unwrap();
    assert!(
        !toy.assessment.note.contains("computes them"),
        "a recorded cell"
    );
    let notes = summary.closing_notes();
    assert!(
        notes.contains("1 run not computed: dataset `mnist`")
            && notes.contains("harness fetch --paper ross2017-right-reasons --dataset mnist"),
        "{notes}"
    );
}
