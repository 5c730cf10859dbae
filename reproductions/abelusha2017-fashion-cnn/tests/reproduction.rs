//! The tests every reproduction has (run in release mode: `cargo test --release -p abelusha2017-fashion-cnn`):
//! it overfits a tiny batch, the same seed gives bitwise-identical metrics, and the parameter
//! count equals the one declared in `configs/papers/abelusha2017-fashion-cnn.toml`. They never need the mirror,
//! the download cache or the network (CONTRIBUTING.md, "Test data").

use candle_core::Device;
use repro_kit::{NoProgress, Reproduction, ResolvedDataset, RunContext, RunOutput, RunStatus};
use std::path::PathBuf;

use abelusha2017_fashion_cnn::Abelusha2017;

#[path = "../../support/src/generated.rs"]
mod generated;

/// A generated stand-in for the declared `fashion-mnist` files (the real ones are in a mirror,
/// not in a fresh clone): 400 training and 100 test 28×28 images of 10 separable classes in the
/// four gzipped IDX files, written once under this crate's `CARGO_TARGET_TMPDIR` and resolved
/// under the declared paths.
fn dataset() -> ResolvedDataset {
    static DIR: std::sync::OnceLock<PathBuf> = std::sync::OnceLock::new();
    let dir = DIR.get_or_init(|| {
        let d = PathBuf::from(env!("CARGO_TARGET_TMPDIR"))
            .join("abelusha2017-fashion-cnn/fashion-mnist");
        generated::idx_images(&d, 400, 100, 28, 10, 1).expect("writing the generated fixture");
        d
    });
    ResolvedDataset {
        environment: None,
        name: "fashion-mnist".into(),
        files: abelusha2017_fashion_cnn::FILES
            .iter()
            .map(|f| {
                (
                    f.to_string(),
                    dir.join(f.trim_start_matches("fashion-mnist/")),
                )
            })
            .collect(),
    }
}

/// The paper's config (`configs/papers/abelusha2017-fashion-cnn.toml`).
fn config() -> toml::Table {
    let path = PathBuf::from(env!("CARGO_MANIFEST_DIR"))
        .join("../../configs/papers")
        .join("abelusha2017-fashion-cnn.toml");
    std::fs::read_to_string(&path)
        .unwrap_or_else(|e| panic!("{}: {e}", path.display()))
        .parse()
        .unwrap_or_else(|e| panic!("{}: {e}", path.display()))
}

/// Every `[variants.<name>]` table of the config.
fn variants() -> Vec<(String, toml::Table)> {
    config()["variants"]
        .as_table()
        .expect("[variants]")
        .iter()
        .map(|(k, v)| (k.clone(), v.as_table().expect("a variant table").clone()))
        .collect()
}

/// A run of `variant` cut to `steps` optimizer steps (the smoke budget).
fn short_run(variant: &str, table: &toml::Table, seed: u64, steps: u64) -> RunOutput {
    let ds = dataset();
    let ctx = RunContext {
        variant,
        hyperparameters: table,
        dataset: &ds,
        seed,
        device: &Device::Cpu,
        progress: &NoProgress,
    };
    Abelusha2017
        .smoke(&ctx, steps)
        .expect("smoke run")
        .expect("the crate provides a smoke budget")
}

/// A timing metric (`…_seconds`, `…_per_second`): it measures the machine, not the model, so it
/// is left out of the equality checks (as `harness verify` does).
fn is_timing(name: &str) -> bool {
    name.ends_with("_seconds") || name.ends_with("_per_second")
}

/// The bit patterns of the run's non-timing metrics.
fn bits(o: &RunOutput) -> Vec<(String, u64)> {
    o.metrics
        .iter()
        .filter(|(k, _)| !is_timing(k))
        .map(|(k, v)| (k.clone(), v.to_bits()))
        .collect()
}

#[test]
fn overfits_a_tiny_batch() {
    let ds = dataset();
    for (variant, table) in variants() {
        let ctx = RunContext {
            variant: &variant,
            hyperparameters: &table,
            dataset: &ds,
            seed: 0,
            device: &Device::Cpu,
            progress: &NoProgress,
        };
        let o = Abelusha2017
            .overfit(&ctx)
            .unwrap()
            .expect("an overfit check");
        assert!(o.passed, "{variant}: {}", o.description);
    }
}

#[test]
fn same_seed_gives_bitwise_identical_metrics() {
    for (variant, table) in variants() {
        let a = short_run(&variant, &table, 3, 50);
        let b = short_run(&variant, &table, 3, 50);
        assert_eq!(a.status, RunStatus::Ok, "{variant}");
        assert_eq!(
            bits(&a),
            bits(&b),
            "{variant}: same seed, different metrics"
        );
        assert!(
            bits(&a).len() >= 6,
            "{variant}: the accuracies and the loss are compared"
        );
        let c = short_run(&variant, &table, 4, 50);
        assert_ne!(bits(&a), bits(&c), "{variant}: the seed changes nothing");
        for m in Abelusha2017.metrics() {
            assert!(
                a.metrics[*m].is_finite(),
                "{variant}: {m} = {}",
                a.metrics[*m]
            );
        }
    }
}

#[test]
fn parameter_count_matches_the_config() {
    let cfg = config();
    let declared = cfg
        .get("parameter_counts")
        .and_then(|t| t.as_table())
        .expect("configs/papers/abelusha2017-fashion-cnn.toml declares [parameter_counts]");
    for (variant, table) in variants() {
        let want = declared
            .get(&variant)
            .and_then(|v| v.as_integer())
            .unwrap_or_else(|| panic!("[parameter_counts] has no `{variant}`"));
        let got = short_run(&variant, &table, 0, 1).parameter_count;
        assert_eq!(got as i64, want, "{variant}");
    }
}

#[test]
fn unknown_and_out_of_range_hyperparameters_are_rejected() {
    let (variant, table) = variants().remove(0);
    let mut t = table.clone();
    t.insert("learnin_rate".into(), 0.1.into());
    let err = Abelusha2017
        .validate_variant(&variant, &t)
        .unwrap_err()
        .to_string();
    assert!(err.contains("learnin_rate"), "{err}");
    let mut t = table;
    t.insert("learning_rate".into(), (-1.0).into());
    let err = Abelusha2017
        .validate_variant(&variant, &t)
        .unwrap_err()
        .to_string();
    assert!(err.contains("learning_rate"), "{err}");
}
