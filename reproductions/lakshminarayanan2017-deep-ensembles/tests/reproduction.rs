//! Whole-reproduction tests on the UCI yacht fixture shipped in `reproductions/support/fixtures/` (run in release
//! mode: `cargo test --release -p lakshminarayanan2017-deep-ensembles`): a byte-identical subset
//! of the declared dataset, so no mirror, environment variable or network is needed.

#[path = "../../support/src/fixtures.rs"]
mod fixtures;

use lakshminarayanan2017_deep_ensembles::train::{self, RunSettings};
use lakshminarayanan2017_deep_ensembles::{Hyperparameters, Lakshminarayanan2017};
use repro_kit::{NoProgress, Reproduction, ResolvedDataset, RunContext, RunOutput, RunStatus};

/// The yacht dataset as the harness would resolve it: the fixture shipped in `reproductions/support/fixtures/`
/// (splits 0, 1, 3, 4, 7).
fn yacht() -> ResolvedDataset {
    fixtures::uci_yacht()
}

fn table(epochs: usize, lr: f64) -> toml::Table {
    toml::from_str(&format!(
        "ensemble_size = 5\nhidden_units = 50\nepochs = {epochs}\nbatch_size = 100\n\
         learning_rate = {lr:?}\nmin_variance = 1e-6\n[per_dataset.uci-protein]\nhidden_units = 100\n"
    ))
    .unwrap()
}

fn run(seed: u64, epochs: usize, lr: f64) -> RunOutput {
    let ds = yacht();
    let t = table(epochs, lr);
    let ctx = RunContext {
        variant: "ml5",
        hyperparameters: &t,
        dataset: &ds,
        seed,
        device: &candle_core::Device::Cpu,
        progress: &NoProgress,
    };
    Lakshminarayanan2017.run(&ctx).unwrap()
}

#[test]
fn same_seed_gives_bitwise_identical_metrics_and_other_seeds_differ() {
    let a = run(3, 5, 0.1);
    let b = run(3, 5, 0.1);
    assert_eq!(a.status, RunStatus::Ok);
    for m in train::METRICS {
        let (x, y) = (a.metrics[*m], b.metrics[*m]);
        assert_eq!(x.to_bits(), y.to_bits(), "{m}: {x} vs {y}");
    }
    assert_eq!(a.curves, b.curves);
    // split 4 is another split (and other streams): different numbers
    let c = run(4, 5, 0.1);
    assert_ne!(a.metrics["rmse"].to_bits(), c.metrics["rmse"].to_bits());
}

#[test]
fn one_yacht_split_at_lr_0_01_is_sane() {
    // (at the printed lr 0.1 single members can blow up: that is a finding, not a test)
    let out = run(0, 40, 0.01);
    assert_eq!(out.status, RunStatus::Ok);
    let m = &out.metrics;
    assert_eq!(m.len(), train::METRICS.len());
    assert!((m["test_ll"] + m["nll"]).abs() < 1e-15);
    // 5 members × (6·50 + 50 + 50·2 + 2)
    assert_eq!(out.parameter_count, 5 * 452);
    // Table 1 (yacht) is RMSE 1.58 ± 0.48, NLL 1.18 ± 0.21 (sd over splits): one split must at
    // least be in the range of a working model, far better than predicting the mean (≈ 15).
    assert!(m["rmse"] > 0.0 && m["rmse"] < 6.0, "{m:?}");
    assert!(m["nll"] < 3.5, "{m:?}");
    // the ensemble's variance includes the members' disagreement: its NLL should not be far
    // worse than one member's
    assert!(m["nll"] < m["nll_member0"] + 1.0, "{m:?}");
    assert_eq!(out.curves.len(), 5);
    assert_eq!(out.curves["train_loss/member0"].len(), 40);
}

/// The model can fit a tiny batch: 8 points of y = 2x, trained on their own, reach a training
/// NLL (½ ln 2π included) far below that at the start (the variance shrinks as the mean fits).
#[test]
fn overfits_a_tiny_batch() {
    // The check `harness check` runs (one member, 8 rows of y = 2x, 3000 steps).
    let o = train::overfit(50, 1e-6).unwrap();
    assert!(o.passed, "{}", o.description);
    // Through the reproduction contract, with the config's variant.
    let ds = yacht();
    let t = table(40, 0.1);
    let ctx = RunContext {
        variant: "ml5",
        hyperparameters: &t,
        dataset: &ds,
        seed: 0,
        device: &candle_core::Device::Cpu,
        progress: &NoProgress,
    };
    let via = Lakshminarayanan2017.overfit(&ctx).unwrap().unwrap();
    assert_eq!(via, o);
}

#[test]
fn bad_hyperparameters_are_rejected_with_the_field_name() {
    let mut t = table(40, 0.1);
    t.insert("learning_rate".into(), toml::Value::Float(-1.0));
    let e = Lakshminarayanan2017
        .validate_variant("ml5", &t)
        .unwrap_err()
        .to_string();
    assert!(e.contains("learning_rate"), "{e}");
    let mut t = table(40, 0.1);
    t.insert("ensemble_size".into(), toml::Value::Integer(0));
    assert!(Lakshminarayanan2017.validate_variant("ml5", &t).is_err());
    let mut t = table(40, 0.1);
    t.insert("dropout".into(), toml::Value::Float(0.1));
    assert!(Lakshminarayanan2017.validate_variant("ml5", &t).is_err());
    let h: Hyperparameters = repro_kit::hyperparameters("ml5", &table(40, 0.1)).unwrap();
    let s: RunSettings = h.for_dataset("uci-protein");
    assert_eq!(s.train.hidden_units, 100);
    assert_eq!(h.for_dataset("uci-yacht").train.hidden_units, 50);
}
