//! The tests every reproduction has (run in release mode: `cargo test --release -p greydanus2020-lottery-tickets`):
//! it overfits a tiny batch, the same seed gives bitwise-identical metrics, and the parameter
//! count equals the one declared in `configs/papers/greydanus2020-lottery-tickets.toml`. They never need the mirror,
//! the download cache or the network (CONTRIBUTING.md, "Test data").

use candle_core::Device;
use repro_kit::{NoProgress, Reproduction, ResolvedDataset, RunContext, RunOutput, RunStatus};
use std::path::PathBuf;

use greydanus2020_lottery_tickets::Greydanus2020LotteryTickets;

/// The shipped MNIST-1D copy (`data/mnist1d/`, declared in `configs/datasets.toml`), as the
/// harness resolves it.
fn dataset() -> ResolvedDataset {
    let path =
        PathBuf::from(env!("CARGO_MANIFEST_DIR")).join("../../data/mnist1d/mnist1d.safetensors");
    ResolvedDataset {
        environment: None,
        name: "mnist1d".into(),
        files: [(repro_kit::data::mnist1d::FILE.to_string(), path)]
            .into_iter()
            .collect(),
    }
}

/// The paper's config (`configs/papers/greydanus2020-lottery-tickets.toml`).
fn config() -> toml::Table {
    let path = PathBuf::from(env!("CARGO_MANIFEST_DIR"))
        .join("../../configs/papers")
        .join("greydanus2020-lottery-tickets.toml");
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
    Greydanus2020LotteryTickets
        .smoke(&ctx, steps)
        .expect("smoke run")
        .expect("the crate provides a smoke budget")
}

/// The metrics' bits, timings left out (`…_seconds`, `…_per_second` measure the machine, not
/// the seed: `harness check` skips them too).
fn bits(o: &RunOutput) -> Vec<(String, u64)> {
    o.metrics
        .iter()
        .filter(|(k, _)| !k.ends_with("_seconds") && !k.ends_with("_per_second"))
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
        let o = Greydanus2020LotteryTickets
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
        let c = short_run(&variant, &table, 4, 50);
        assert_ne!(bits(&a), bits(&c), "{variant}: the seed changes nothing");
        for m in Greydanus2020LotteryTickets.metrics() {
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
        .expect("configs/papers/greydanus2020-lottery-tickets.toml declares [parameter_counts]");
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
    let err = Greydanus2020LotteryTickets
        .validate_variant(&variant, &t)
        .unwrap_err()
        .to_string();
    assert!(err.contains("learnin_rate"), "{err}");
    let mut t = table;
    t.insert("learning_rate".into(), (-1.0).into());
    let err = Greydanus2020LotteryTickets
        .validate_variant(&variant, &t)
        .unwrap_err()
        .to_string();
    assert!(err.contains("learning_rate"), "{err}");
}

/// The pruned model's CSR kernel computes the dense kernel's logits (to float rounding).
#[test]
fn sparse_and_dense_kernels_agree() {
    use greydanus2020_lottery_tickets::{both_kernels, model::Model};
    use repro_kit::prune::{MaskSet, Scope};
    let m = Model::new(60, &mut repro_kit::rng::stream(0, "init"), &Device::Cpu).unwrap();
    let vars = m.vars();
    let masks = MaskSet::magnitude(&vars, &Scope::PerTensor, 0.9, None).unwrap();
    masks.apply(&vars).unwrap();
    let data = repro_kit::data::mnist1d::Mnist1d::load(&dataset(), &Device::Cpu).unwrap();
    for n in [1, 7] {
        let (x, _) = data.first_train(n).unwrap();
        let (dense, sparse) = both_kernels(&m, &x).unwrap();
        assert_eq!(dense.len(), n * 10);
        for (a, b) in dense.iter().zip(&sparse) {
            assert!((a - b).abs() <= 1e-4 * (1.0 + a.abs()), "{a} vs {b}");
        }
    }
}

/// A short lottery run: the ticket has the schedule's layer-wise sparsity (⌊s·n⌋ of each layer's
/// weights and bias), its pruned weights are still zero after training, and the chain recorded
/// one round per schedule value but the last, plus the dense round.
#[test]
fn a_short_lottery_run_has_the_schedules_sparsity() {
    let mut table = variants()
        .into_iter()
        .find(|(v, _)| v == "lottery-new-init")
        .expect("a lottery-new-init variant")
        .1;
    table.insert("hidden".into(), 30.into());
    let out = short_run("lottery-new-init", &table, 1, 20);
    let h: greydanus2020_lottery_tickets::Hyperparameters = toml::Value::Table(table.clone())
        .try_into()
        .expect("typed hyperparameters");
    let s = *h.prune_schedule.last().unwrap();
    let groups = [40 * 30 + 30, 30 * 30 + 30, 30 * 10 + 10];
    let pruned: usize = groups
        .iter()
        .map(|n| (s * *n as f64).floor() as usize)
        .sum();
    let total: usize = groups.iter().sum();
    assert_eq!(out.metrics["sparsity"], pruned as f64 / total as f64);
    assert!(out.metrics["nonzero_parameters"] <= (total - pruned) as f64);
    assert_eq!(out.metrics["dense_bytes"], 4.0 * total as f64);
    assert!(out.metrics["csr_bytes"] < out.metrics["dense_bytes"]);
    let weights = (40 * 30 + 30 * 30 + 30 * 10) as f64;
    assert_eq!(out.metrics["dense_flops_per_example"], 2.0 * weights);
    assert!(out.metrics["sparse_flops_per_example"] <= 2.0 * out.metrics["nonzero_parameters"]);
    let rounds = out.extra["chain_rounds"].as_array().unwrap();
    assert_eq!(rounds.len(), h.prune_schedule.len());
}
