//! The tests every reproduction has (run in release mode: `cargo test --release -p vandenberg2017-gcmc`):
//! it overfits a tiny batch, the same seed gives bitwise-identical metrics, and the parameter
//! count equals the one declared in `configs/papers/vandenberg2017-gcmc.toml`. They never need the mirror,
//! the download cache or the network (CONTRIBUTING.md, "Test data").

use candle_core::Device;
use repro_kit::{NoProgress, Reproduction, ResolvedDataset, RunContext, RunOutput, RunStatus};
use std::path::PathBuf;

use vandenberg2017_gcmc::{movielens, Vandenberg2017};

/// A generated stand-in for `movielens-100k/u.data` (the real file is research-use data in a
/// mirror, not in a fresh clone): 40 users × 25 items, about half of the pairs rated from a
/// rank-one interaction plus user and item effects, rounded to 1–5 stars, 500 lines (a multiple of
/// 5, so the official-split procedure applies), written once under `CARGO_TARGET_TMPDIR`.
fn u_data() -> PathBuf {
    static PATH: std::sync::OnceLock<PathBuf> = std::sync::OnceLock::new();
    PATH.get_or_init(|| {
        let p = PathBuf::from(env!("CARGO_TARGET_TMPDIR")).join("vandenberg2017-gcmc/u.data");
        let mut lines = Vec::new();
        for u in 1..=40u64 {
            for i in 1..=25u64 {
                if (u * 7 + i * 11) % 2 == 0 {
                    continue;
                }
                let (x, y) = ((u as f64 * 0.9).sin(), (i as f64 * 1.3).cos());
                let (a, b) = ((u as f64).cos(), (i as f64 * 0.7).sin());
                let r = (3.0 + 1.2 * x * y + 0.8 * a + 0.8 * b)
                    .round()
                    .clamp(1.0, 5.0);
                lines.push(format!("{u}\t{i}\t{r}\t{}", 880_000_000 + u * 100 + i));
            }
        }
        lines.truncate(lines.len() / 5 * 5);
        std::fs::create_dir_all(p.parent().unwrap()).unwrap();
        std::fs::write(&p, lines.join("\n") + "\n").expect("writing the generated fixture");
        p
    })
    .clone()
}

/// Generated stand-ins for `u.user` (40 users: age, gender, one of 3 occupations) and `u.item`
/// (25 movies, 19 genre flags, a Latin-1 title byte), in the files' layouts.
fn side_files() -> (PathBuf, PathBuf) {
    static PATHS: std::sync::OnceLock<(PathBuf, PathBuf)> = std::sync::OnceLock::new();
    PATHS
        .get_or_init(|| {
            let dir = PathBuf::from(env!("CARGO_TARGET_TMPDIR")).join("vandenberg2017-gcmc");
            std::fs::create_dir_all(&dir).unwrap();
            let occupations = ["artist", "engineer", "student"];
            let users: String = (1..=40u64)
                .map(|u| {
                    let g = if u % 2 == 0 { "F" } else { "M" };
                    let o = occupations[(u % 3) as usize];
                    format!("{u}|{}|{g}|{o}|0{u:04}\n", 18 + u)
                })
                .collect();
            let mut items: Vec<u8> = Vec::new();
            for i in 1..=25u64 {
                let flags: Vec<&str> = (0..19)
                    .map(|g| if (i + g) % 4 == 0 { "1" } else { "0" })
                    .collect();
                items.extend_from_slice(format!("{i}|Film ").as_bytes());
                items.push(0xe9); // Latin-1 'é'
                let rest = format!(" (1995)|01-Jan-1995||http://x|{}\n", flags.join("|"));
                items.extend_from_slice(rest.as_bytes());
            }
            let (u, i) = (dir.join("u.user"), dir.join("u.item"));
            std::fs::write(&u, users).unwrap();
            std::fs::write(&i, items).unwrap();
            (u, i)
        })
        .clone()
}

/// The generated files resolved as dataset `name` (`movielens-100k-u1` by default).
fn dataset_named(name: &str) -> ResolvedDataset {
    let (users, items) = side_files();
    ResolvedDataset {
        environment: None,
        name: name.into(),
        files: [
            (movielens::FILE.to_string(), u_data()),
            (movielens::USER_FILE.to_string(), users),
            (movielens::ITEM_FILE.to_string(), items),
        ]
        .into_iter()
        .collect(),
    }
}

fn dataset() -> ResolvedDataset {
    dataset_named("movielens-100k-u1")
}

/// The paper's config (`configs/papers/vandenberg2017-gcmc.toml`).
fn config() -> toml::Table {
    let path = PathBuf::from(env!("CARGO_MANIFEST_DIR"))
        .join("../../configs/papers")
        .join("vandenberg2017-gcmc.toml");
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
    Vandenberg2017
        .smoke(&ctx, steps)
        .expect("smoke run")
        .expect("the crate provides a smoke budget")
}

fn bits(o: &RunOutput) -> Vec<(String, u64)> {
    o.metrics
        .iter()
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
        let o = Vandenberg2017
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
        // The baseline predictor has no random numbers: on a fixed split the seed changes
        // nothing (under cross-validation it draws the folds).
        if variant != "baseline" {
            let c = short_run(&variant, &table, 4, 50);
            assert_ne!(bits(&a), bits(&c), "{variant}: the seed changes nothing");
        }
        for m in Vandenberg2017.metrics() {
            assert!(
                a.metrics[*m].is_finite(),
                "{variant}: {m} = {}",
                a.metrics[*m]
            );
        }
    }
}

/// GC-MC's declared count is the model's on ML-100K (943 users, 1,682 items, 5 classes, on
/// every split); the factorisation models' counts depend on the training set, so the config
/// declares them per dataset and `harness check` compares them with runs on the real data.
#[test]
fn parameter_count_matches_the_config() {
    let cfg = config();
    let declared = cfg
        .get("parameter_counts")
        .and_then(|t| t.as_table())
        .expect("configs/papers/vandenberg2017-gcmc.toml declares [parameter_counts]");
    let sizes = vandenberg2017_gcmc::gcmc::model::Sizes {
        n_users: 943,
        n_items: 1682,
        classes: 5,
        hidden0: 500,
        hidden1: 75,
        num_basis: 2,
        side: 0,
        feat_hidden: 0,
    };
    assert_eq!(
        declared["gcmc"].as_integer(),
        Some(sizes.parameter_count() as i64)
    );
    // --features: 2 + 21 occupations user columns, 19 genre columns, feat_hidden 10
    let feat = vandenberg2017_gcmc::gcmc::model::Sizes {
        side: 42,
        feat_hidden: 10,
        ..sizes
    };
    assert_eq!(
        declared["gcmc_feat"].as_integer(),
        Some(feat.parameter_count() as i64)
    );
    let datasets: Vec<String> = cfg["datasets"]
        .as_array()
        .unwrap()
        .iter()
        .map(|d| d.as_str().unwrap().to_string())
        .collect();
    for (variant, _) in variants() {
        if variant.starts_with("gcmc") {
            continue;
        }
        for d in &datasets {
            assert!(
                declared.contains_key(&format!("{variant}/{d}")),
                "[parameter_counts] has no `{variant}/{d}`"
            );
        }
    }
    // On the fixture: GC-MC's count is the formula on the fixture's sizes.
    let gcmc = variants().into_iter().find(|(v, _)| v == "gcmc").unwrap();
    let got = short_run(&gcmc.0, &gcmc.1, 0, 1).parameter_count;
    let fixture = vandenberg2017_gcmc::gcmc::model::Sizes {
        n_users: 40,
        n_items: 25,
        ..sizes
    };
    assert_eq!(got, fixture.parameter_count());
}

/// Cross-validation (`movielens-100k`) runs every model's five folds.
#[test]
fn cross_validation_runs_on_the_whole_file() {
    let ds = dataset_named("movielens-100k");
    for (variant, table) in variants() {
        let ctx = RunContext {
            variant: &variant,
            hyperparameters: &table,
            dataset: &ds,
            seed: 1,
            device: &Device::Cpu,
            progress: &NoProgress,
        };
        let o = Vandenberg2017.smoke(&ctx, 2).unwrap().unwrap();
        assert_eq!(o.status, RunStatus::Ok, "{variant}");
        assert!(
            o.metrics["test_rmse"] > 0.0 && o.metrics["test_rmse"] < 3.0,
            "{variant}"
        );
    }
    let bad = dataset_named("iris");
    let (variant, table) = variants().remove(0);
    let ctx = RunContext {
        variant: &variant,
        hyperparameters: &table,
        dataset: &bad,
        seed: 1,
        device: &Device::Cpu,
        progress: &NoProgress,
    };
    assert!(Vandenberg2017.smoke(&ctx, 1).is_err());
}

#[test]
fn unknown_and_out_of_range_hyperparameters_are_rejected() {
    let (variant, table) = variants().into_iter().find(|(v, _)| v == "gcmc").unwrap();
    let mut t = table.clone();
    t.insert("learnin_rate".into(), 0.1.into());
    let err = Vandenberg2017
        .validate_variant(&variant, &t)
        .unwrap_err()
        .to_string();
    assert!(err.contains("learnin_rate"), "{err}");
    let mut t = table.clone();
    t.insert("learning_rate".into(), (-1.0).into());
    let err = Vandenberg2017
        .validate_variant(&variant, &t)
        .unwrap_err()
        .to_string();
    assert!(err.contains("learning_rate"), "{err}");
    let mut t = table;
    t.insert("normalization".into(), "right".into());
    assert!(Vandenberg2017.validate_variant(&variant, &t).is_err());
    let (variant, mut t) = variants().into_iter().find(|(v, _)| v == "svd").unwrap();
    t.insert("n_factors".into(), 0.into());
    let err = Vandenberg2017
        .validate_variant(&variant, &t)
        .unwrap_err()
        .to_string();
    assert!(err.contains("n_factors"), "{err}");
}
