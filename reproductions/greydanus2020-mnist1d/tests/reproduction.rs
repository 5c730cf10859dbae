//! Whole-reproduction tests on the shipped MNIST-1D data (run them in release mode:
//! `cargo test --release -p greydanus2020-mnist1d`).

use candle_core::Device;
use greydanus2020_mnist1d::models::ModelSpec;
use greydanus2020_mnist1d::{train, Greydanus2020, Hyperparameters};
use repro_kit::data::mnist1d::{Mnist1d, FILE};
use repro_kit::{NoProgress, Reproduction, ResolvedDataset, RunContext, RunStatus};
use std::path::PathBuf;

fn dataset() -> ResolvedDataset {
    let path =
        PathBuf::from(env!("CARGO_MANIFEST_DIR")).join("../../data/mnist1d/mnist1d.safetensors");
    ResolvedDataset {
        name: "mnist1d".into(),
        files: [(FILE.to_string(), path)].into_iter().collect(),
        environment: None,
    }
}

fn hyper(model: ModelSpec, total_steps: usize) -> Hyperparameters {
    Hyperparameters {
        model,
        learning_rate: 1e-2,
        weight_decay: 0.0,
        batch_size: 100,
        total_steps,
        eval_every: 50,
        input_permutation: None,
    }
}

/// Every model reaches 100% training accuracy on 32 training examples (one batch of 32).
#[test]
fn every_model_overfits_32_examples() {
    let data = Mnist1d::load(&dataset(), &Device::Cpu).unwrap();
    let (x, y) = data.first_train(32).unwrap();
    for (spec, steps) in [
        (ModelSpec::Logistic, 1500),
        (ModelSpec::Mlp { hidden: 100 }, 300),
        (ModelSpec::Cnn { channels: 25 }, 1500),
        (ModelSpec::Gru { hidden: 6 }, 1500),
    ] {
        let mut h = hyper(spec.clone(), 0);
        h.batch_size = 32;
        let acc = train::fit_accuracy(&h, &x, &y, steps, 0).unwrap();
        assert_eq!(acc, 1.0, "{spec:?} reached only {acc} training accuracy");
    }
}

fn table(h: &Hyperparameters) -> toml::Table {
    let mut t = toml::Table::new();
    let model = match &h.model {
        ModelSpec::Mlp { hidden } => format!("kind = \"mlp\"\nhidden = {hidden}"),
        ModelSpec::Cnn { channels } => format!("kind = \"cnn\"\nchannels = {channels}"),
        ModelSpec::Gru { hidden } => format!("kind = \"gru\"\nhidden = {hidden}"),
        ModelSpec::Logistic => "kind = \"logistic\"".to_string(),
    };
    t.insert("model".into(), toml::Value::Table(model.parse().unwrap()));
    t.insert("learning_rate".into(), h.learning_rate.into());
    t.insert("weight_decay".into(), h.weight_decay.into());
    t.insert("batch_size".into(), (h.batch_size as i64).into());
    t.insert("total_steps".into(), (h.total_steps as i64).into());
    t.insert("eval_every".into(), (h.eval_every as i64).into());
    t
}

fn run(h: &Hyperparameters, seed: u64) -> repro_kit::RunOutput {
    let ds = dataset();
    let tbl = table(h);
    Greydanus2020
        .run(&RunContext {
            variant: "test",
            hyperparameters: &tbl,
            dataset: &ds,
            seed,
            device: &Device::Cpu,
            progress: &NoProgress,
        })
        .unwrap()
}

/// Same seed ⇒ bitwise-identical metrics and curves; another seed ⇒ different numbers.
#[test]
fn same_seed_gives_bitwise_identical_metrics() {
    for spec in [
        ModelSpec::Mlp { hidden: 100 },
        ModelSpec::Cnn { channels: 25 },
    ] {
        let h = hyper(spec, 200);
        let a = run(&h, 3);
        let b = run(&h, 3);
        let c = run(&h, 4);
        assert_eq!(a.status, RunStatus::Ok);
        let bits =
            |o: &repro_kit::RunOutput| o.metrics.values().map(|v| v.to_bits()).collect::<Vec<_>>();
        assert_eq!(bits(&a), bits(&b));
        assert_eq!(a.curves["test_accuracy"].len(), 5); // steps 0, 50, 100, 150, 200
        assert_ne!(bits(&a), bits(&c));
        assert!(a.metrics["test_accuracy"] > 0.2, "{:?}", a.metrics);
    }
}

/// A learning rate that blows up is recorded as diverged with NaN metrics, not dropped.
#[test]
fn divergence_is_reported() {
    let mut h = hyper(ModelSpec::Mlp { hidden: 100 }, 300);
    h.learning_rate = 1e12;
    let out = run(&h, 0);
    match out.status {
        RunStatus::Diverged { unit, .. } => assert_eq!(unit, "step"),
        RunStatus::Ok => panic!("expected divergence, got {:?}", out.metrics),
    }
    assert!(out.metrics["test_accuracy"].is_nan());
}

#[test]
fn unknown_hyperparameter_is_rejected_with_its_name() {
    let mut t = table(&hyper(ModelSpec::Logistic, 10));
    t.insert("learnin_rate".into(), 0.1.into());
    let err = Greydanus2020
        .validate_variant("logistic", &t)
        .unwrap_err()
        .to_string();
    assert!(
        err.contains("learnin_rate") && err.contains("logistic"),
        "{err}"
    );
}
