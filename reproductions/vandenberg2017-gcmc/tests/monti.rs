//! The Monti et al. benchmarks read from MATLAB v7.3 (HDF5) files: a generated file in that
//! layout (each matrix stored transposed, as MATLAB's column-major order lands in HDF5), every
//! variant's smoke run on it, and the real files' rating counts when a mirror has them.

use candle_core::Device;
use repro_kit::{NoProgress, Reproduction, ResolvedDataset, RunContext, RunStatus};
use std::path::PathBuf;
use vandenberg2017_gcmc::monti::{self, Benchmark};
use vandenberg2017_gcmc::Vandenberg2017;

/// Writes `m` (rows × cols, row-major) as MATLAB would: an HDF5 dataset [cols, rows].
fn write_matlab(file: &hdf5_metno::File, name: &str, rows: usize, cols: usize, m: &[f64]) {
    let mut t = vec![0.0; rows * cols];
    for i in 0..rows {
        for j in 0..cols {
            t[j * rows + i] = m[i * cols + j];
        }
    }
    let ds = file
        .new_dataset::<f64>()
        .shape([cols, rows])
        .create(name)
        .unwrap();
    ds.write_raw(&t).unwrap();
}

/// A 12-user × 9-item Douban-like file: ratings 1–5 on about half the pairs, every fourth
/// rating in the test mask, a user graph.
fn fixture() -> ResolvedDataset {
    static PATH: std::sync::OnceLock<PathBuf> = std::sync::OnceLock::new();
    let path = PATH.get_or_init(|| {
        let dir = PathBuf::from(env!("CARGO_TARGET_TMPDIR")).join("vandenberg2017-gcmc-monti");
        std::fs::create_dir_all(&dir).unwrap();
        let p = dir.join("douban.mat");
        let (nu, ni) = (12, 9);
        let (mut m, mut otr, mut ote) =
            (vec![0.0; nu * ni], vec![0.0; nu * ni], vec![0.0; nu * ni]);
        let mut k = 0;
        for u in 0..nu {
            for v in 0..ni {
                if (u + 2 * v) % 2 == 0 {
                    m[u * ni + v] = ((u * 3 + v * 5) % 5 + 1) as f64;
                    if k % 4 == 3 {
                        ote[u * ni + v] = 1.0;
                    } else {
                        otr[u * ni + v] = 1.0;
                    }
                    k += 1;
                }
            }
        }
        let w: Vec<f64> = (0..nu * nu)
            .map(|i| if (i / nu + i % nu) % 3 == 0 { 1.0 } else { 0.0 })
            .collect();
        let f = hdf5_metno::File::create(&p).unwrap();
        write_matlab(&f, "M", nu, ni, &m);
        write_matlab(&f, "Otraining", nu, ni, &otr);
        write_matlab(&f, "Otest", nu, ni, &ote);
        write_matlab(&f, "W_users", nu, nu, &w);
        p
    });
    ResolvedDataset {
        environment: None,
        name: "monti-douban".into(),
        files: [(Benchmark::Douban.file().to_string(), path.clone())]
            .into_iter()
            .collect(),
    }
}

#[test]
fn ratings_and_splits_are_read_untransposed() {
    let ds = fixture();
    let m = monti::load(&ds, Benchmark::Douban).unwrap();
    assert_eq!((m.n_users, m.n_items), (12, 9));
    assert_eq!(m.train.len() + m.test.len(), 54);
    assert_eq!(m.test.len(), 13);
    // user 1, item 1: (1 + 2) is odd → no rating; user 2, item 1: rated (2·3 + 5) % 5 + 1 = 2
    let all: Vec<_> = m.train.iter().chain(&m.test).collect();
    assert!(!all.iter().any(|r| r.user == 1 && r.item == 1));
    let r = all.iter().find(|r| r.user == 2 && r.item == 1).unwrap();
    assert_eq!(r.value, 2.0);
    assert_eq!((m.scale.low(), m.scale.high()), (1.0, 5.0));
    let side = monti::side_features(&ds, Benchmark::Douban, &m).unwrap();
    assert_eq!(side.users[&0].len(), 12);
    assert_eq!(side.items[&4], {
        let mut v = vec![0.0; 9];
        v[4] = 1.0;
        v
    });
    let mut bad = ds.clone();
    bad.files.clear();
    assert!(monti::load(&bad, Benchmark::Douban).is_err());
}

#[test]
fn every_variant_runs_on_a_monti_benchmark() {
    let path = PathBuf::from(env!("CARGO_MANIFEST_DIR"))
        .join("../../configs/papers/vandenberg2017-gcmc.toml");
    let cfg: toml::Table = std::fs::read_to_string(path).unwrap().parse().unwrap();
    let ds = fixture();
    for (variant, table) in cfg["variants"].as_table().unwrap() {
        let table = table.as_table().unwrap();
        let ctx = RunContext {
            variant,
            hyperparameters: table,
            dataset: &ds,
            seed: 0,
            device: &Device::Cpu,
            progress: &NoProgress,
        };
        let o = Vandenberg2017.smoke(&ctx, 3).unwrap().unwrap();
        assert_eq!(o.status, RunStatus::Ok, "{variant}");
        assert!(o.metrics["test_rmse"].is_finite(), "{variant}");
    }
}

/// The real files, when a mirror has them: the rating counts of Monti et al.'s Table 1
/// (Douban 136,891, Flixster 26,173, YahooMusic 5,335).
#[test]
fn real_files_if_mirrored() {
    let dirs = std::env::var("HARNESS_DATA_DIRS").unwrap_or_default();
    for (b, want) in [
        (Benchmark::Douban, 136_891),
        (Benchmark::Flixster, 26_173),
        (Benchmark::YahooMusic, 5_335),
    ] {
        let found = dirs
            .split(':')
            .filter(|d| !d.is_empty())
            .chain(["/usr/share/datasets"])
            .map(|d| PathBuf::from(d).join(b.file()))
            .find(|p| p.exists());
        let Some(path) = found else {
            eprintln!(
                "{}: not in HARNESS_DATA_DIRS or /usr/share/datasets: skipping",
                b.file()
            );
            continue;
        };
        let ds = ResolvedDataset {
            environment: None,
            name: "monti".into(),
            files: [(b.file().to_string(), path)].into_iter().collect(),
        };
        let m = monti::load(&ds, b).unwrap();
        assert_eq!((m.n_users, m.n_items), (3000, 3000));
        assert_eq!(m.train.len() + m.test.len(), want, "{b:?}");
    }
}
