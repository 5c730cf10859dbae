//! Times one split of each UCI dataset at the paper's protocol and prints its metrics:
//! `cargo run --release -p lakshminarayanan2017-deep-ensembles --example ensemble_timing [-- SPLIT [LR]]`
//! (data from the first `HARNESS_DATA_DIRS` entry holding `uci-regression/`).

use lakshminarayanan2017_deep_ensembles::train::{
    run_split, RunSettings, TrainSettings, DEFAULT_ADAM_EPSILON,
};
use repro_kit::data::uci::{Split, UciData};
use repro_kit::{NoProgress, ResolvedDataset};
use std::path::PathBuf;
use std::time::Instant;

const DATASETS: [(&str, &str, usize); 9] = [
    ("uci-boston", "bostonHousing", 50),
    ("uci-concrete", "concrete", 50),
    ("uci-energy", "energy", 50),
    ("uci-kin8nm", "kin8nm", 50),
    ("uci-naval", "naval-propulsion-plant", 50),
    ("uci-power", "power-plant", 50),
    ("uci-protein", "protein-tertiary-structure", 100),
    ("uci-wine-red", "wine-quality-red", 50),
    ("uci-yacht", "yacht", 50),
];

fn main() -> Result<(), Box<dyn std::error::Error>> {
    let args: Vec<String> = std::env::args().collect();
    let split: u64 = args.get(1).map_or(Ok(0), |s| s.parse())?;
    let lr: f64 = args.get(2).map_or(Ok(0.1), |s| s.parse())?;
    let root = std::env::var("HARNESS_DATA_DIRS")
        .unwrap_or_default()
        .split(':')
        .map(PathBuf::from)
        .find(|d| d.join("uci-regression").is_dir())
        .ok_or("set HARNESS_DATA_DIRS to the directory holding uci-regression/")?;
    for (name, folder, hidden) in DATASETS {
        let dir = format!("uci-regression/{folder}");
        let files = std::fs::read_dir(root.join(&dir))?
            .map(|e| {
                let n = e?.file_name().into_string().unwrap_or_default();
                Ok((format!("{dir}/{n}"), root.join(&dir).join(n)))
            })
            .collect::<std::io::Result<_>>()?;
        let ds = ResolvedDataset {
            environment: None,
            name: name.into(),
            files,
        };
        let data = UciData::load(&ds)?;
        let sp = Split::load(&ds, split, data.rows())?;
        let s = RunSettings {
            train: TrainSettings {
                hidden_units: hidden,
                epochs: 40,
                batch_size: 100,
                learning_rate: lr,
                min_variance: 1e-6,
                adam_epsilon: DEFAULT_ADAM_EPSILON,
            },
            members: 5,
            standardise_targets: true,
        };
        let t = Instant::now();
        let out = run_split(&s, &data, &sp, split, name, &NoProgress)?;
        let m = &out.metrics;
        println!(
            "{name:14} {:7.2} s  rmse {:.4}  nll {:.4}  rmse_member0 {:.4}  nll_member0 {:.4}  nll_mixture {:.4}",
            t.elapsed().as_secs_f64(),
            m["rmse"],
            m["nll"],
            m["rmse_member0"],
            m["nll_member0"],
            m["nll_mixture"]
        );
    }
    Ok(())
}
