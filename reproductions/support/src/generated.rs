//! Generated test fixtures: small synthetic files laid out like a declared dataset, for the tests
//! of a reproduction whose real data a fresh clone does not have (it lives in a mirror, or may
//! not be redistributed). Deterministic (a fixed SplitMix64 stream, no dependency beyond
//! `std` and `repro_kit`), so the same test always sees the same bytes.
//!
//! Included by reproduction tests as a module file, like [`crate::fixtures`]
//! (`#[path = "../../support/src/generated.rs"] mod generated;`), so that no reproduction's
//! `Cargo.toml` (part of its run key) names this crate.
//!
//! The policy (CONTRIBUTING.md, "Test data"): tests use the data shipped under `data/` (declared
//! in `configs/datasets.toml` with source, license and SHA-256), a fixture shipped under
//! `reproductions/support/fixtures/` (with its source and license), or a fixture generated here;
//! never a mirror, the cache or the network.

#![allow(dead_code)] // each including test uses some of the generators

use std::path::Path;

/// SplitMix64: a tiny deterministic generator for fixture values (not for runs: those draw from
/// `repro_kit::rng`).
struct SplitMix(u64);

impl SplitMix {
    fn next(&mut self) -> u64 {
        self.0 = self.0.wrapping_add(0x9e37_79b9_7f4a_7c15);
        let mut z = self.0;
        z = (z ^ (z >> 30)).wrapping_mul(0xbf58_476d_1ce4_e5b9);
        z = (z ^ (z >> 27)).wrapping_mul(0x94d0_49bb_1331_11eb);
        z ^ (z >> 31)
    }

    /// Uniform in [0, 1).
    fn unit(&mut self) -> f64 {
        (self.next() >> 11) as f64 / (1u64 << 53) as f64
    }
}

/// Writes `path` in the layout of scikit-learn's bundled CSVs (as `sklearn-datasets/iris.csv`):
/// the line `<rows>,<features>,class0,class1,…`, then `per_class` rows of each class, each
/// `features` values then the integer class. Class `c`'s rows scatter uniformly within ±0.5
/// around `c` in every feature (clearly separable), rounded to 2 decimals; rows are interleaved
/// by class. Errors: the file cannot be written.
pub fn sklearn_csv(
    path: &Path,
    per_class: usize,
    features: usize,
    classes: usize,
    seed: u64,
) -> std::io::Result<()> {
    let mut rng = SplitMix(seed);
    let names: Vec<String> = (0..classes).map(|c| format!("class{c}")).collect();
    let mut text = format!("{},{features},{}\n", per_class * classes, names.join(","));
    for _ in 0..per_class {
        for c in 0..classes {
            for _ in 0..features {
                text.push_str(&format!("{:.2},", c as f64 + rng.unit() - 0.5));
            }
            text.push_str(&format!("{c}\n"));
        }
    }
    write(path, text.as_bytes())
}

/// Writes the four gzipped IDX files of an image-classification dataset laid out like
/// Fashion-MNIST under `dir` (`train-images-idx3-ubyte.gz`, `train-labels-idx1-ubyte.gz`,
/// `t10k-images-idx3-ubyte.gz`, `t10k-labels-idx1-ubyte.gz`): `train` and `test` images of
/// `side`×`side` pixels, labels cycling through `classes`; an image of class `c` is noise
/// (0..64) plus a bright horizontal band at rows proportional to `c`, so classes are separable.
/// Errors: a file cannot be written.
pub fn idx_images(
    dir: &Path,
    train: usize,
    test: usize,
    side: usize,
    classes: usize,
    seed: u64,
) -> std::io::Result<()> {
    use repro_kit::data::idx::{encode, gzip};
    let mut rng = SplitMix(seed);
    for (prefix, n) in [("train", train), ("t10k", test)] {
        let labels: Vec<u8> = (0..n).map(|i| (i % classes) as u8).collect();
        let mut pixels = Vec::with_capacity(n * side * side);
        for &l in &labels {
            let band = usize::from(l) * side / classes.max(1);
            for r in 0..side {
                for _ in 0..side {
                    let noise = (rng.next() % 64) as u8;
                    pixels.push(if r == band { 255 - noise } else { noise });
                }
            }
        }
        write(
            &dir.join(format!("{prefix}-images-idx3-ubyte.gz")),
            &gzip(&encode(&[n, side, side], &pixels)),
        )?;
        write(
            &dir.join(format!("{prefix}-labels-idx1-ubyte.gz")),
            &gzip(&encode(&[n], &labels)),
        )?;
    }
    Ok(())
}

/// Writes `bytes` to `path` (creating its directory) through a temporary file renamed into
/// place, so tests running in parallel never read a half-written fixture.
fn write(path: &Path, bytes: &[u8]) -> std::io::Result<()> {
    if let Some(dir) = path.parent() {
        std::fs::create_dir_all(dir)?;
    }
    let tmp = path.with_extension(format!(
        "tmp-{}-{:?}",
        std::process::id(),
        std::thread::current().id()
    ));
    std::fs::write(&tmp, bytes)?;
    std::fs::rename(&tmp, path)
}
