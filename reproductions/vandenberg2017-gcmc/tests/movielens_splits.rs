//! The official MovieLens-100K splits regenerated from `u.data` (`mku.sh`'s procedure,
//! `src/movielens.rs`) against the published SHA-256 of `u2.base` and `u2.test`
//! (`../shared/data/README.md`, section movielens-100k).
//!
//! `u.data` is research-use data that the repository does not ship: the test looks for
//! `movielens-100k/u.data` in the harness's mirror directories (`HARNESS_DATA_DIRS`, then
//! `/usr/share/datasets`) and, like the other real-data tests here
//! (`xiao2017-fashion-mnist`'s `real_data_if_installed`), says so and passes when it is absent.

use sha2::{Digest, Sha256};
use std::path::PathBuf;
use vandenberg2017_gcmc::movielens;

const U2_BASE: &str = "6c06f0b5df4b256da1a994f3ac66edc8da4d3f09bc9282df6b14d893366d703e";
const U2_TEST: &str = "4de658d1e04ed9104629509a2e2528fce833ac8e048280183f1df167632038c3";

/// `movielens-100k/u.data` in the first mirror that has it.
fn u_data() -> Option<PathBuf> {
    let dirs = std::env::var("HARNESS_DATA_DIRS").unwrap_or_default();
    let found = dirs
        .split(':')
        .filter(|d| !d.is_empty())
        .chain(["/usr/share/datasets"])
        .map(|d| PathBuf::from(d).join(movielens::FILE))
        .find(|p| p.exists());
    found
}

#[test]
fn regenerated_u2_matches_the_published_checksums() {
    let Some(path) = u_data() else {
        eprintln!(
            "movielens-100k/u.data not in HARNESS_DATA_DIRS or /usr/share/datasets: skipping"
        );
        return;
    };
    let text = std::fs::read_to_string(&path).unwrap();
    let lines = movielens::parse(&text, &path).unwrap();
    assert_eq!(lines.len(), 100_000);
    let (base, test) = movielens::official_split(&lines, 2).unwrap();
    assert_eq!((base.len(), test.len()), (80_000, 20_000));
    let sha = |l: &[movielens::Line]| hex::encode(Sha256::digest(movielens::file_bytes(l)));
    assert_eq!(sha(&base), U2_BASE, "u2.base");
    assert_eq!(sha(&test), U2_TEST, "u2.test");
    // The five test sets partition u.data.
    let total: usize = (1..=5)
        .map(|i| movielens::official_split(&lines, i).unwrap().1.len())
        .sum();
    assert_eq!(total, 100_000);
}
