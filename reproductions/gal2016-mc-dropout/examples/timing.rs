//! Times the parts of one run (training steps, MC passes) on one split of a UCI dataset:
//! `cargo run --release -p gal2016-mc-dropout --example timing -- <mirror dir> <folder> [epochs] [passes] [hidden]`
//! (e.g. `../shared/data yacht 400 10000 50`). Prints seconds per Adam step and per MC pass-row.

#[path = "../../support/src/alloc.rs"]
mod alloc;
use gal2016_mc_dropout::predict::mc_dropout;
use gal2016_mc_dropout::train::{train, Prepared, TrainSettings};
use repro_kit::data::uci::{Split, UciData};
use repro_kit::rng::stream;
use repro_kit::{NoProgress, ResolvedDataset};
use std::path::PathBuf;
use std::time::Instant;

fn main() {
    // The allocator setting of `harness` (`support/src/alloc.rs`).
    alloc::tune_allocator();
    // What `harness run` sets (one thread per run unless `--threads-per-run` says otherwise);
    // without it candle asks /proc/cpuinfo for the core count on every GEMM.
    if std::env::var_os("RAYON_NUM_THREADS").is_none() {
        std::env::set_var("RAYON_NUM_THREADS", "1");
    }
    let args: Vec<String> = std::env::args().collect();
    let (root, folder) = (PathBuf::from(&args[1]), args[2].clone());
    let arg = |i: usize, d: usize| args.get(i).map_or(d, |s| s.parse().unwrap());
    let (epochs, passes, hidden) = (arg(3, 40), arg(4, 10_000), arg(5, 50));
    let dir = format!("uci-regression/{folder}");
    let files = std::fs::read_dir(root.join(&dir))
        .unwrap()
        .map(|e| {
            let name = e.unwrap().file_name().into_string().unwrap();
            (format!("{dir}/{name}"), root.join(&dir).join(&name))
        })
        .collect();
    let ds = ResolvedDataset {
        name: folder.clone(),
        files,
        environment: None,
    };
    let data = UciData::load(&ds).unwrap();
    let split = Split::load(&ds, 0, data.rows()).unwrap();
    let prep = Prepared::new(&data, &split.train, &split.test);
    let s = TrainSettings {
        hidden_units: hidden,
        epochs,
        batch_size: 128,
        learning_rate: 1e-3,
        lengthscale: 1e-2,
        dropout: 0.05,
        tau: 1.0,
    };
    let t0 = Instant::now();
    let trained = train(&s, &prep.x_train, &prep.y_train, 0, "final", &NoProgress).unwrap();
    let train_s = t0.elapsed().as_secs_f64();
    let steps = epochs * split.train.len().div_ceil(128);
    let t1 = Instant::now();
    let sc = mc_dropout(
        &trained.model,
        &prep.x_eval,
        &prep.y_eval,
        &prep.standardizer,
        0.05,
        1.0,
        passes,
        &mut stream(0, "mc"),
        &NoProgress,
    )
    .unwrap();
    let mc_s = t1.elapsed().as_secs_f64();
    println!(
        "{folder}: n_train {} n_test {} | train {train_s:.2}s ({steps} steps, {:.1} us/step) | MC {mc_s:.2}s ({:.1} ns/pass-row) | rmse {:.4}",
        split.train.len(),
        split.test.len(),
        1e6 * train_s / steps as f64,
        1e9 * mc_s / (passes * split.test.len()) as f64,
        sc.rmse
    );
}
