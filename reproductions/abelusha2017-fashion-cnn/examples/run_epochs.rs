//! One run of the notebook's configuration cut to EPOCHS epochs, on the real data, printing its
//! metrics (timings included): `RAYON_NUM_THREADS=1 /usr/bin/time -v cargo run --release -p
//! abelusha2017-fashion-cnn --example run_epochs -- [DIR] [EPOCHS] [SEED]` (DIR defaults to
//! /usr/share/datasets/fashion-mnist, the Debian package; EPOCHS to 1; SEED to 0). Measures
//! the CPU time of a run without writing a record.

use abelusha2017_fashion_cnn::{train, Hyperparameters, FILES};
use candle_core::Device;
use repro_kit::data::fashion_mnist::FashionMnist;
use repro_kit::{NoProgress, ResolvedDataset};

fn main() -> repro_kit::Result<()> {
    let arg = |i: usize| std::env::args().nth(i);
    let dir = arg(1).unwrap_or_else(|| "/usr/share/datasets/fashion-mnist".into());
    let epochs: usize = arg(2).and_then(|s| s.parse().ok()).unwrap_or(1);
    let seed: u64 = arg(3).and_then(|s| s.parse().ok()).unwrap_or(0);
    let files = FILES
        .iter()
        .map(|f| {
            let name = f.trim_start_matches("fashion-mnist/");
            (f.to_string(), std::path::Path::new(&dir).join(name))
        })
        .collect();
    let ds = ResolvedDataset {
        name: "fashion-mnist".into(),
        files,
        environment: None,
    };
    let h = Hyperparameters {
        filters: 32,
        kernel_size: 3,
        pool_size: 2,
        dense: 128,
        conv_dropout: 0.25,
        dense_dropout: 0.5,
        learning_rate: 1e-3,
        adam_epsilon: 1e-8,
        batch_size: 64,
        epochs,
        validation_fraction: 0.2,
        split_seed: Some(101),
    };
    let data = FashionMnist::load(&ds, &Device::Cpu)?;
    let out = train::run(&h, &data, seed, &NoProgress)?;
    for (k, v) in &out.metrics {
        println!("{k} = {v}");
    }
    for (k, c) in &out.curves {
        let v: Vec<String> = c.iter().map(|p| format!("{:.4}", p.1)).collect();
        println!("curve {k}: {}", v.join(" "));
    }
    Ok(())
}
