//! The tests every reproduction has (run in release mode: `cargo test --release -p ross2017-right-reasons`):
//! it overfits a tiny batch, the same seed gives bitwise-identical metrics, and the parameter
//! count equals the one declared in `configs/papers/ross2017-right-reasons.toml`. They never need the mirror,
//! the download cache or the network (CONTRIBUTING.md, "Test data").

use candle_core::Device;
use repro_kit::{NoProgress, Reproduction, ResolvedDataset, RunContext, RunOutput, RunStatus};
use std::path::PathBuf;

use ross2017_right_reasons::{decoy_mnist, iris_cancer, Ross2017RightReasons};

#[path = "../../support/src/generated.rs"]
mod generated;

/// The four datasets as the harness resolves them, without the mirror: `toy-colors` is
/// simulated (no files); `iris-cancer` gets generated stand-ins for its two declared files (the
/// real ones are in a mirror, not in a fresh clone), in scikit-learn's CSV layout, written once
/// under this crate's `CARGO_TARGET_TMPDIR`: "Iris" with 3 separable classes of 50 rows and 4
/// features, "breast cancer" with 2 classes of 50 rows and 30 features; `decoy-mnist` and
/// `mnist` share stand-ins for MNIST's four IDX files (not in the mirror either): 300 training
/// and 100 test 28×28 images of 10 separable classes.
fn datasets() -> Vec<ResolvedDataset> {
    static PATHS: std::sync::OnceLock<(PathBuf, PathBuf, PathBuf)> = std::sync::OnceLock::new();
    let (iris, cancer, mnist) = PATHS.get_or_init(|| {
        let dir = PathBuf::from(env!("CARGO_TARGET_TMPDIR")).join("ross2017-right-reasons");
        let (iris, cancer) = (dir.join("iris.csv"), dir.join("breast_cancer.csv"));
        generated::sklearn_csv(&iris, 50, 4, 3, 1).expect("writing the generated fixture");
        generated::sklearn_csv(&cancer, 50, 30, 2, 2).expect("writing the generated fixture");
        let mnist = dir.join("mnist");
        generated::idx_images(&mnist, 300, 100, 28, 10, 3).expect("writing the generated fixture");
        (iris, cancer, mnist)
    });
    let mnist_files = || {
        [
            decoy_mnist::TRAIN_IMAGES,
            decoy_mnist::TRAIN_LABELS,
            decoy_mnist::TEST_IMAGES,
            decoy_mnist::TEST_LABELS,
        ]
        .into_iter()
        .map(|declared| {
            let file = declared.rsplit('/').next().expect("a file name");
            (declared.to_string(), mnist.join(file))
        })
        .collect()
    };
    vec![
        ResolvedDataset {
            environment: Some("toy-colors".into()),
            name: "toy-colors".into(),
            files: Default::default(),
        },
        ResolvedDataset {
            environment: None,
            name: "iris-cancer".into(),
            files: [
                (iris_cancer::IRIS_FILE.to_string(), iris.clone()),
                (iris_cancer::CANCER_FILE.to_string(), cancer.clone()),
            ]
            .into_iter()
            .collect(),
        },
        ResolvedDataset {
            environment: None,
            name: "decoy-mnist".into(),
            files: mnist_files(),
        },
        ResolvedDataset {
            environment: None,
            name: "mnist".into(),
            files: mnist_files(),
        },
    ]
}

/// The paper's config (`configs/papers/ross2017-right-reasons.toml`).
fn config() -> toml::Table {
    let path = PathBuf::from(env!("CARGO_MANIFEST_DIR"))
        .join("../../configs/papers")
        .join("ross2017-right-reasons.toml");
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

/// The variants that run on dataset `ds` (`[variant_datasets]` keeps some to one dataset).
fn variants_on(ds: &str) -> Vec<(String, toml::Table)> {
    let cfg = config();
    variants()
        .into_iter()
        .filter(|(v, _)| {
            cfg.get("variant_datasets")
                .and_then(|t| t.get(v.as_str()))
                .and_then(|l| l.as_array())
                .is_none_or(|l| l.iter().any(|d| d.as_str() == Some(ds)))
        })
        .collect()
}

/// A run of `variant` on `ds` cut to `steps` optimizer steps (the smoke budget).
fn short_run(
    variant: &str,
    table: &toml::Table,
    ds: &ResolvedDataset,
    seed: u64,
    steps: u64,
) -> RunOutput {
    let ctx = RunContext {
        variant,
        hyperparameters: table,
        dataset: ds,
        seed,
        device: &Device::Cpu,
        progress: &NoProgress,
    };
    Ross2017RightReasons
        .smoke(&ctx, steps)
        .expect("smoke run")
        .expect("the crate provides a smoke budget")
}

/// The metrics' bit patterns, speed metrics (`*_seconds`) left out: they measure the machine.
fn bits(o: &RunOutput) -> Vec<(String, u64)> {
    o.metrics
        .iter()
        .filter(|(k, _)| !k.ends_with("_seconds"))
        .map(|(k, v)| (k.clone(), v.to_bits()))
        .collect()
}

#[test]
fn overfits_a_tiny_batch() {
    for ds in datasets() {
        for (variant, table) in variants_on(&ds.name) {
            let ctx = RunContext {
                variant: &variant,
                hyperparameters: &table,
                dataset: &ds,
                seed: 0,
                device: &Device::Cpu,
                progress: &NoProgress,
            };
            let o = Ross2017RightReasons
                .overfit(&ctx)
                .unwrap()
                .expect("an overfit check");
            assert!(o.passed, "{variant}/{}: {}", ds.name, o.description);
        }
    }
}

#[test]
fn same_seed_gives_bitwise_identical_metrics() {
    for ds in datasets() {
        same_seed_same_metrics(&ds);
    }
}

fn same_seed_same_metrics(ds: &ResolvedDataset) {
    for (name, table) in variants_on(&ds.name) {
        let variant = format!("{name}/{}", ds.name);
        let a = short_run(&variant, &table, ds, 3, 50);
        let b = short_run(&variant, &table, ds, 3, 50);
        assert_eq!(a.status, RunStatus::Ok, "{variant}");
        assert_eq!(
            bits(&a),
            bits(&b),
            "{variant}: same seed, different metrics"
        );
        let c = short_run(&variant, &table, ds, 4, 50);
        assert_ne!(bits(&a), bits(&c), "{variant}: the seed changes nothing");
        for m in Ross2017RightReasons.metrics() {
            // the learning curves' metrics apply to the less-data variant only (NaN elsewhere)
            let applies = name == "less-data" || !ross2017_right_reasons::less_data_only(m);
            assert_eq!(
                a.metrics[*m].is_finite(),
                applies,
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
        .expect("configs/papers/ross2017-right-reasons.toml declares [parameter_counts]");
    for ds in datasets() {
        for (variant, table) in variants_on(&ds.name) {
            let key = format!("{variant}/{}", ds.name);
            let want = declared
                .get(&key)
                .and_then(|v| v.as_integer())
                .unwrap_or_else(|| panic!("[parameter_counts] has no `{key}`"));
            let got = short_run(&variant, &table, &ds, 0, 1).parameter_count;
            assert_eq!(got as i64, want, "{key}");
        }
    }
}

#[test]
fn unknown_and_out_of_range_hyperparameters_are_rejected() {
    let (variant, table) = variants().remove(0);
    let mut t = table.clone();
    t.insert("learnin_rate".into(), 0.1.into());
    let err = Ross2017RightReasons
        .validate_variant(&variant, &t)
        .unwrap_err()
        .to_string();
    assert!(err.contains("learnin_rate"), "{err}");
    let mut t = table;
    t.insert("learning_rate".into(), (-1.0).into());
    let err = Ross2017RightReasons
        .validate_variant(&variant, &t)
        .unwrap_err()
        .to_string();
    assert!(err.contains("learning_rate"), "{err}");
}
