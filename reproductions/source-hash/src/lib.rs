//! Content hash of the code that trains a model.
//!
//! A run record is reused only while its key matches, and the key includes the hash of the
//! code that produced it: the sources of `repro-kit` and of the paper's reproduction crate, plus
//! the resolved versions of the numerical dependencies (candle, gemm, rand) that can change the
//! numbers. Each of those crates calls [`emit`] from its `build.rs`:
//!
//! ```text
//! // build.rs
//! fn main() {
//!     repro_source_hash::emit();
//! }
//! ```
//!
//! and reads the result with `env!("REPRO_SOURCE_HASH")`. Cargo re-runs the build script
//! whenever a file below `src/`, the crate's `Cargo.toml` or the workspace `Cargo.lock` changes,
//! so the hash compiled into the binary always describes the sources it was compiled from.
//!
//! What is hashed ([`source_hash`]): every file below `<crate>/src/` (relative path with `/`
//! separators, length and bytes, in sorted path order), the crate's `Cargo.toml`, and the
//! `name version` lines of the packages in [`NUMERICAL_DEPENDENCIES`] as resolved in the
//! workspace `Cargo.lock`. Tests, benches, examples and documentation outside `src/` are not
//! hashed: they cannot change what a run computes.

use sha2::{Digest, Sha256};
use std::fs;
use std::io;
use std::path::{Path, PathBuf};

/// Dependencies whose version can change a run's numbers (kernels, RNG streams, distributions).
/// A different resolved version of any of them changes every hash.
pub const NUMERICAL_DEPENDENCIES: &[&str] = &[
    "candle-core",
    "candle-nn",
    "gemm",
    "gemm-common",
    "gemm-f32",
    "gemm-f64",
    "rand",
    "rand_chacha",
    "rand_core",
    "rand_distr",
];

/// Hex SHA-256 (64 characters) of the crate rooted at `crate_dir` (its `src/` tree and its
/// `Cargo.toml`) and of the numerical dependencies' versions in `lockfile` (if given and
/// readable).
///
/// Errors: an unreadable `src/` directory or file (the error names the path).
pub fn source_hash(crate_dir: &Path, lockfile: Option<&Path>) -> io::Result<String> {
    let mut h = Sha256::new();
    let src = crate_dir.join("src");
    let mut files = Vec::new();
    collect_files(&src, &mut files)?;
    files.sort();
    for f in &files {
        let rel = f
            .strip_prefix(crate_dir)
            .unwrap_or(f)
            .components()
            .map(|c| c.as_os_str().to_string_lossy().into_owned())
            .collect::<Vec<_>>()
            .join("/");
        let bytes = fs::read(f).map_err(|e| with_path(e, f))?;
        feed(&mut h, rel.as_bytes(), &bytes);
    }
    let manifest = crate_dir.join("Cargo.toml");
    if let Ok(bytes) = fs::read(&manifest) {
        feed(&mut h, b"Cargo.toml", &bytes);
    }
    if let Some(lock) = lockfile {
        if let Ok(text) = fs::read_to_string(lock) {
            let versions = dependency_versions(&text).join("\n");
            feed(&mut h, b"Cargo.lock#numerical", versions.as_bytes());
        }
    }
    Ok(hex::encode(h.finalize()))
}

/// Hex SHA-256 of several hashes in order, e.g. the kit's and a paper crate's: the code hash of
/// a run.
pub fn combine(parts: &[&str]) -> String {
    let mut h = Sha256::new();
    for p in parts {
        feed(&mut h, b"part", p.as_bytes());
    }
    hex::encode(h.finalize())
}

/// `name version` of every package of [`NUMERICAL_DEPENDENCIES`] in a `Cargo.lock` text, sorted.
pub fn dependency_versions(lock: &str) -> Vec<String> {
    let mut out = Vec::new();
    for block in lock.split("[[package]]").skip(1) {
        let field = |key: &str| {
            block.lines().find_map(|l| {
                l.trim()
                    .strip_prefix(key)
                    .and_then(|r| r.trim().strip_prefix('='))
                    .map(|v| v.trim().trim_matches('"').to_string())
            })
        };
        if let (Some(name), Some(version)) = (field("name"), field("version")) {
            if NUMERICAL_DEPENDENCIES.contains(&name.as_str()) {
                out.push(format!("{name} {version}"));
            }
        }
    }
    out.sort();
    out
}

/// For `build.rs`: hashes the crate being built (`CARGO_MANIFEST_DIR`) with the workspace
/// `Cargo.lock` (the nearest one above it), sets `REPRO_SOURCE_HASH` for the crate's compilation
/// and tells Cargo when to re-run. Panics (failing the build with the message) only if `src/`
/// cannot be read, which cannot happen for a crate that compiles.
pub fn emit() {
    let dir = PathBuf::from(std::env::var_os("CARGO_MANIFEST_DIR").expect("run from build.rs"));
    let lock = dir
        .ancestors()
        .map(|a| a.join("Cargo.lock"))
        .find(|p| p.is_file());
    let hash = source_hash(&dir, lock.as_deref())
        .unwrap_or_else(|e| panic!("repro-source-hash: cannot hash {}: {e}", dir.display()));
    println!("cargo:rustc-env=REPRO_SOURCE_HASH={hash}");
    println!("cargo:rerun-if-changed=src");
    println!("cargo:rerun-if-changed=Cargo.toml");
    if let Some(l) = lock {
        println!("cargo:rerun-if-changed={}", l.display());
    }
}

fn feed(h: &mut Sha256, name: &[u8], bytes: &[u8]) {
    h.update((name.len() as u64).to_le_bytes());
    h.update(name);
    h.update((bytes.len() as u64).to_le_bytes());
    h.update(bytes);
}

fn collect_files(dir: &Path, out: &mut Vec<PathBuf>) -> io::Result<()> {
    for entry in fs::read_dir(dir).map_err(|e| with_path(e, dir))? {
        let path = entry.map_err(|e| with_path(e, dir))?.path();
        if path.is_dir() {
            collect_files(&path, out)?;
        } else {
            out.push(path);
        }
    }
    Ok(())
}

fn with_path(e: io::Error, p: &Path) -> io::Error {
    io::Error::new(e.kind(), format!("{}: {e}", p.display()))
}

#[cfg(test)]
mod tests {
    use super::*;

    fn tree() -> tempfile::TempDir {
        let t = tempfile::tempdir().unwrap();
        fs::create_dir_all(t.path().join("src/nn")).unwrap();
        fs::write(t.path().join("src/lib.rs"), "pub mod nn;\n").unwrap();
        fs::write(
            t.path().join("src/nn/mod.rs"),
            "pub fn f() -> f32 { 1.0 }\n",
        )
        .unwrap();
        fs::write(t.path().join("Cargo.toml"), "[package]\nname = \"x\"\n").unwrap();
        fs::create_dir_all(t.path().join("tests")).unwrap();
        fs::write(t.path().join("tests/t.rs"), "#[test] fn t() {}\n").unwrap();
        t
    }

    #[test]
    fn editing_a_source_file_changes_the_hash_and_tests_do_not() {
        let t = tree();
        let a = source_hash(t.path(), None).unwrap();
        assert_eq!(a, source_hash(t.path(), None).unwrap());
        fs::write(t.path().join("tests/t.rs"), "// edited\n").unwrap();
        assert_eq!(
            a,
            source_hash(t.path(), None).unwrap(),
            "tests/ is not hashed"
        );
        fs::write(
            t.path().join("src/nn/mod.rs"),
            "pub fn f() -> f32 { 2.0 }\n",
        )
        .unwrap();
        let b = source_hash(t.path(), None).unwrap();
        assert_ne!(a, b);
        fs::write(t.path().join("src/nn/extra.rs"), "").unwrap();
        assert_ne!(b, source_hash(t.path(), None).unwrap(), "a new file counts");
    }

    #[test]
    fn renaming_a_file_changes_the_hash() {
        let t = tree();
        let a = source_hash(t.path(), None).unwrap();
        fs::rename(
            t.path().join("src/nn/mod.rs"),
            t.path().join("src/nn/other.rs"),
        )
        .unwrap();
        assert_ne!(a, source_hash(t.path(), None).unwrap());
    }

    #[test]
    fn only_numerical_dependencies_of_the_lockfile_count() {
        let t = tree();
        let lock = t.path().join("Cargo.lock");
        let write = |candle: &str, serde: &str| {
            fs::write(
                &lock,
                format!(
                    "[[package]]\nname = \"candle-core\"\nversion = \"{candle}\"\n\n[[package]]\nname = \"serde\"\nversion = \"{serde}\"\n"
                ),
            )
            .unwrap();
        };
        write("0.11.1", "1.0.1");
        let a = source_hash(t.path(), Some(&lock)).unwrap();
        write("0.11.1", "1.0.2");
        assert_eq!(a, source_hash(t.path(), Some(&lock)).unwrap());
        write("0.11.2", "1.0.2");
        assert_ne!(a, source_hash(t.path(), Some(&lock)).unwrap());
        assert_eq!(
            dependency_versions(&fs::read_to_string(&lock).unwrap()),
            vec!["candle-core 0.11.2"]
        );
    }

    #[test]
    fn combine_is_order_sensitive() {
        assert_ne!(combine(&["a", "b"]), combine(&["b", "a"]));
        assert_ne!(combine(&["ab"]), combine(&["a", "b"]));
        assert_eq!(combine(&["a", "b"]).len(), 64);
    }
}
