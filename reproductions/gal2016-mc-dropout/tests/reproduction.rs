//! Whole-reproduction tests on the UCI yacht dataset (run in release mode:
//! `cargo test --release -p gal2016-mc-dropout`). The files come from the fixture shipped beside
//! `repro-support` (`reproductions/support/fixtures/uci-regression/yacht/`: a byte-identical
//! subset of the declared dataset, five of its twenty splits; see its `fixtures/README.md`), so no mirror, environment
//! variable or network is needed.

#[path = "../../support/src/fixtures.rs"]
mod fixtures;

use gal2016_mc_dropout::predict::{gaussian_log_likelihood, mc_log_likelihood, McAccumulator};
use gal2016_mc_dropout::train::{
    self, weight_decay, Prepared, RunSettings, Selection, TrainSettings,
};
use gal2016_mc_dropout::Gal2016;
use repro_kit::data::uci::{read_indices, Split, Standardizer, UciData};
use repro_kit::{NoProgress, Reproduction, ResolvedDataset, RunContext, RunOutput, RunStatus};
use sha2::{Digest, Sha256};
use std::path::PathBuf;

/// The yacht dataset as the harness would resolve it: the fixture shipped in `reproductions/support/fixtures/`.
fn yacht() -> ResolvedDataset {
    fixtures::uci_yacht()
}

/// Every fixture file is the declared file: its SHA-256 equals the one `configs/datasets.toml`
/// declares for the same path (the fixture cannot drift from the real dataset).
#[test]
fn fixture_files_match_the_declared_checksums() {
    let text = std::fs::read_to_string(
        PathBuf::from(env!("CARGO_MANIFEST_DIR")).join("../../configs/datasets.toml"),
    )
    .unwrap();
    let declared: toml::Table = text.parse().unwrap();
    let files = declared["datasets"]["uci-yacht"]["files"]
        .as_array()
        .unwrap();
    let ds = yacht();
    assert!(ds.files.len() >= 13, "{:?}", ds.files.keys());
    for (path, local) in &ds.files {
        let want = files
            .iter()
            .find(|f| f["path"].as_str() == Some(path.as_str()))
            .unwrap_or_else(|| panic!("{path} is not declared for uci-yacht"))["sha256"]
            .as_str()
            .unwrap()
            .to_string();
        let got = hex::encode(Sha256::digest(std::fs::read(local).unwrap()));
        assert_eq!(got, want, "{path}");
    }
}

// ---- the log-likelihood formula ------------------------------------------------------------

/// Hand-computed: y = (0, 1), τ = 2, T = 2 passes ŷ = (0, 1) and (1, 1).
/// Point 0: a = (0, −1) → logsumexp = ln(1 + e⁻¹); point 1: a = (0, 0) → ln 2.
/// Each minus ln 2, −½ ln 2π, +½ ln 2; averaged.
#[test]
fn mc_log_likelihood_matches_a_hand_computed_case() {
    let y = [0.0, 1.0];
    let samples = vec![vec![0.0, 1.0], vec![1.0, 1.0]];
    let tau = 2.0f64;
    let c = -2f64.ln() - 0.5 * (2.0 * std::f64::consts::PI).ln() + 0.5 * tau.ln();
    let p0 = (1.0 + (-1.0f64).exp()).ln() + c;
    let p1 = 2f64.ln() + c;
    let want = (p0 + p1) / 2.0; // (−0.952250 + −0.572365) / 2
    let got = mc_log_likelihood(&y, &samples, tau).unwrap();
    assert!((got - want).abs() < 1e-12, "{got} vs {want}");
    assert!((want - (-0.762308)).abs() < 1e-6, "hand value {want}");
    let mut acc = McAccumulator::new(&y, tau);
    samples.iter().for_each(|s| acc.add_pass(s));
    assert!((acc.scores().unwrap().log_likelihood - want).abs() < 1e-12);
    // T = 1 is the Gaussian log-density: y = 3, ŷ = 1, τ = 0.5 → −1 − ½ln2π + ½ln0.5
    let g = gaussian_log_likelihood(&[3.0], &[1.0], 0.5).unwrap();
    assert!((g - (-1.0 - 0.918_938_533_204_672_8 + 0.5 * 0.5f64.ln())).abs() < 1e-12);
}

#[test]
fn weight_decay_is_the_papers_formula() {
    // l²(1−p)/(2Nτ) with l = 1e-2, p = 0.05, N = 277, τ = 0.5
    let want = 1e-4 * 0.95 / (2.0 * 277.0 * 0.5);
    assert!((weight_decay(1e-2, 0.05, 277, 0.5) - want).abs() < 1e-18);
}

// ---- data: splits used exactly, standardisation from training rows only --------------------

/// Split 0 of yacht is read exactly as written in the files: same rows, same order.
#[test]
fn split_files_are_used_exactly() {
    let ds = yacht();
    let data = UciData::load(&ds).unwrap();
    assert_eq!((data.rows(), data.features), (308, 6));
    let split = Split::load(&ds, 0, data.rows()).unwrap();
    assert_eq!((split.train.len(), split.test.len()), (277, 31));
    assert_eq!(&split.train[..3], &[73, 304, 228]); // first lines of index_train_0.txt
    let raw_test: Vec<usize> =
        std::fs::read_to_string(ds.file("uci-regression/yacht/index_test_0.txt").unwrap())
            .unwrap()
            .split_whitespace()
            .map(|t| t.parse::<f64>().unwrap() as usize)
            .collect();
    assert_eq!(split.test, raw_test);
    // the rows a run evaluates on are those data.txt rows
    let prep = Prepared::new(&data, &split.train, &split.test);
    let y_test: Vec<f64> = raw_test.iter().map(|&i| data.y[i]).collect();
    assert_eq!(prep.y_eval, y_test);
    // row 73 of data.txt (0-based) is the first training row, target column 6
    let line = std::fs::read_to_string(ds.file("uci-regression/yacht/data.txt").unwrap())
        .unwrap()
        .lines()
        .nth(73)
        .unwrap()
        .split_whitespace()
        .map(|t| t.parse::<f64>().unwrap())
        .collect::<Vec<_>>();
    assert_eq!(data.row(73), &line[..6]);
    assert_eq!(data.y[73], line[6]);
    // other splits differ, and a split that does not exist is an error naming the file
    assert_ne!(Split::load(&ds, 1, data.rows()).unwrap(), split);
    let err = Split::load(&ds, 20, data.rows()).unwrap_err().to_string();
    assert!(err.contains("index_train_20.txt"), "{err}");
    assert_eq!(
        read_indices(ds.file("uci-regression/yacht/index_target.txt").unwrap()).unwrap(),
        vec![6]
    );
}

/// Standardisation statistics come from the training rows only: they equal hand-computed
/// training statistics, and poisoning every test row leaves them (and the training tensors)
/// unchanged. Fails if test rows leak into the statistics.
#[test]
fn standardization_uses_training_rows_only() {
    let ds = yacht();
    let data = UciData::load(&ds).unwrap();
    let split = Split::load(&ds, 0, data.rows()).unwrap();
    let clean = Prepared::new(&data, &split.train, &split.test);
    let n = split.train.len() as f64;
    let mean_y = split.train.iter().map(|&i| data.y[i]).sum::<f64>() / n;
    let sd_y = (split
        .train
        .iter()
        .map(|&i| (data.y[i] - mean_y).powi(2))
        .sum::<f64>()
        / n)
        .sqrt();
    assert!((clean.standardizer.mean_y - mean_y).abs() < 1e-9);
    assert!((clean.standardizer.std_y - sd_y).abs() < 1e-9);
    let mean_x0 = split.train.iter().map(|&i| data.row(i)[0]).sum::<f64>() / n;
    assert!((clean.standardizer.mean_x[0] - mean_x0).abs() < 1e-9);

    let mut poisoned = data.clone();
    for &i in &split.test {
        poisoned.y[i] = 1e6;
        for j in 0..poisoned.features {
            poisoned.x[i * poisoned.features + j] = -1e6;
        }
    }
    let dirty = Prepared::new(&poisoned, &split.train, &split.test);
    assert_eq!(dirty.standardizer, clean.standardizer);
    assert_eq!(dirty.x_train, clean.x_train);
    assert_eq!(dirty.y_train, clean.y_train);
    // …whereas statistics over all rows would differ
    let all: Vec<usize> = (0..poisoned.rows()).collect();
    assert_ne!(
        Standardizer::fit(&poisoned.select(&all)),
        clean.standardizer
    );
}

// ---- training --------------------------------------------------------------------------------

fn settings(epochs: usize, dropout: f64, tau: f64) -> TrainSettings {
    TrainSettings {
        hidden_units: 50,
        epochs,
        batch_size: 128,
        learning_rate: 1e-3,
        lengthscale: 1e-2,
        dropout,
        tau,
    }
}

/// 32 rows, dropout 0, no weight decay: the network fits them (standardised MSE near 0).
#[test]
fn overfits_a_tiny_batch() {
    let ds = yacht();
    let data = UciData::load(&ds).unwrap();
    let split = Split::load(&ds, 0, data.rows()).unwrap();
    let prep = Prepared::new(&data, &split.train[..32], &split.test);
    let mut s = settings(3000, 0.0, 1.0);
    s.lengthscale = 0.0; // λ = 0
    s.batch_size = 32;
    s.learning_rate = 1e-2;
    let t = train::train(&s, &prep.x_train, &prep.y_train, 0, "overfit", &NoProgress).unwrap();
    assert!(t.report.divergence.is_none());
    let mse = t.report.last_mean_loss;
    assert!(mse < 1e-3, "training MSE {mse}");
}

fn run_settings(selection: Selection, epochs: usize, passes: usize) -> RunSettings {
    RunSettings {
        train: settings(epochs, 0.0, 1.0),
        selection,
        mc_passes: passes,
    }
}

fn run_yacht(s: &RunSettings, split_k: u64) -> RunOutput {
    let ds = yacht();
    let data = UciData::load(&ds).unwrap();
    let split = Split::load(&ds, split_k, data.rows()).unwrap();
    train::run_split(s, &data, &split, split_k, "yacht", &NoProgress).unwrap()
}

/// A short fixed-(p, τ) run: finite metrics, MC ≈ standard RMSE, bitwise reproducible, and
/// p = 0 makes MC dropout identical to the deterministic network.
#[test]
fn fixed_run_is_sane_and_reproducible() {
    let s = run_settings(
        Selection::Fixed {
            dropout: 0.05,
            tau: 0.5,
        },
        200,
        500,
    );
    let a = run_yacht(&s, 3);
    let b = run_yacht(&s, 3);
    assert_eq!(a.status, RunStatus::Ok);
    let bits = |o: &RunOutput| o.metrics.values().map(|v| v.to_bits()).collect::<Vec<_>>();
    assert_eq!(bits(&a), bits(&b));
    assert_ne!(bits(&a), bits(&run_yacht(&s, 4)));
    let m = &a.metrics;
    // target sd ≈ 15: the network must beat predicting the mean by far after 200 epochs
    assert!(m["rmse"] < 6.0 && m["rmse_standard"] < 6.0, "{m:?}");
    assert!(
        m["test_ll"].is_finite() && m["test_ll_standard"].is_finite(),
        "{m:?}"
    );
    assert_eq!(a.extra["dropout"], serde_json::json!(0.05));
    let s0 = run_settings(
        Selection::Fixed {
            dropout: 0.0,
            tau: 0.5,
        },
        20,
        7,
    );
    let z = run_yacht(&s0, 0);
    assert!(
        (z.metrics["rmse"] - z.metrics["rmse_standard"]).abs() < 1e-4,
        "{:?}",
        z.metrics
    );
    assert!(
        (z.metrics["test_ll"] - z.metrics["test_ll_standard"]).abs() < 1e-3,
        "{:?}",
        z.metrics
    );
}

/// The grid protocol: every grid point is scored on the validation tail, the best one by
/// validation LL is the one retrained, and it is recorded.
#[test]
fn grid_search_picks_the_best_validation_ll() {
    let s = run_settings(
        Selection::Grid {
            dropout: vec![0.01, 0.1],
            tau: vec![0.05, 2.0],
            validation_fraction: 0.2,
            validation_passes: 100,
        },
        30,
        100,
    );
    let out = run_yacht(&s, 0);
    assert_eq!(out.status, RunStatus::Ok);
    let grid = out.extra["grid"].as_array().unwrap();
    assert_eq!(grid.len(), 4);
    let lls: Vec<f64> = grid
        .iter()
        .map(|g| g["validation_ll"].as_f64().unwrap())
        .collect();
    let best = (0..4).fold(0, |b, i| if lls[i] > lls[b] { i } else { b });
    assert_eq!(out.extra["dropout"], grid[best]["dropout"]);
    assert_eq!(out.extra["tau"], grid[best]["tau"]);
}

/// A blown-up learning rate is recorded as diverged with NaN metrics, not dropped.
#[test]
fn divergence_is_reported() {
    let mut s = run_settings(
        Selection::Fixed {
            dropout: 0.05,
            tau: 0.5,
        },
        50,
        10,
    );
    s.train.learning_rate = 1e30;
    let out = run_yacht(&s, 0);
    match out.status {
        RunStatus::Diverged { unit, reason, .. } => {
            // the kit's fit loop counts epochs for an epoch budget
            assert_eq!(unit, "epoch");
            assert_eq!(reason, repro_kit::DivergenceReason::NonFiniteLoss);
        }
        RunStatus::Ok => panic!("expected divergence, got {:?}", out.metrics),
    }
    assert!(out.metrics["rmse"].is_nan());
}

// ---- the Reproduction entry point -------------------------------------------------------------

fn variant_table() -> toml::Table {
    r#"
protocol = "fixed"
hidden_units = 50
epochs = 5
batch_size = 128
learning_rate = 0.001
lengthscale = 0.01
mc_samples = 20
[per_dataset.uci-yacht]
dropout = 0.05
tau = 0.5
"#
    .parse()
    .unwrap()
}

#[test]
fn run_through_the_trait_uses_the_seed_as_split() {
    let ds = yacht();
    let t = variant_table();
    let out = Gal2016
        .run(&RunContext {
            variant: "fixed",
            hyperparameters: &t,
            dataset: &ds,
            seed: 7,
            device: &candle_core::Device::Cpu,
            progress: &NoProgress,
        })
        .unwrap();
    let test7 = read_indices(ds.file("uci-regression/yacht/index_test_7.txt").unwrap()).unwrap();
    assert_eq!(out.extra["n_test"], serde_json::json!(test7.len()));
    for m in Gal2016.metrics() {
        assert!(out.metrics.contains_key(*m), "missing {m}");
    }
}

#[test]
fn bad_hyperparameters_are_rejected_with_their_names() {
    let mut t = variant_table();
    t.insert("learnin_rate".into(), 0.1.into());
    let err = Gal2016
        .validate_variant("fixed", &t)
        .unwrap_err()
        .to_string();
    assert!(
        err.contains("learnin_rate") && err.contains("fixed"),
        "{err}"
    );
    let mut t = variant_table();
    t.insert("protocol".into(), "grid".into());
    let err = Gal2016
        .validate_variant("grid", &t)
        .unwrap_err()
        .to_string();
    assert!(err.contains("grid"), "{err}");
    let mut t = variant_table();
    t["per_dataset"]["uci-yacht"]
        .as_table_mut()
        .unwrap()
        .insert("dropout".into(), 1.0.into());
    assert!(Gal2016.validate_variant("fixed", &t).is_err());
}
