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
//!
//! Kit extension crates (`repro-kit-<module>`, [`KIT_EXTENSION_PREFIX`]) hold kit modules that
//! only some papers use. A paper crate that depends on one hashes it with its own sources
//! ([`code_hash_with_extensions`]), so a change to an extension invalidates exactly the records
//! of the papers that use it, where a change to `repro-kit` invalidates every record.

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

/// Prefix of the names of the kit's extension crates (`repro-kit-<module>`, e.g.
/// `repro-kit-explain`): kit modules that only some papers use, kept out of `repro-kit` so that
/// adding or changing one does not change the code hash of the papers that do not depend on it.
pub const KIT_EXTENSION_PREFIX: &str = "repro-kit-";

/// The kit extension crates a crate depends on: every `[dependencies]` entry of
/// `<crate_dir>/Cargo.toml` whose name starts with [`KIT_EXTENSION_PREFIX`], with its directory
/// (from `path = "…"`, or from the workspace's `[workspace.dependencies]` for
/// `workspace = true`), sorted by name.
///
/// Errors: an unreadable or unparsable manifest, or an extension dependency whose directory
/// cannot be found (the error names the manifest and the dependency).
pub fn kit_extensions(crate_dir: &Path) -> io::Result<Vec<(String, PathBuf)>> {
    let manifest = crate_dir.join("Cargo.toml");
    let table = read_manifest(&manifest)?;
    let mut out = Vec::new();
    let Some(deps) = table.get("dependencies").and_then(|d| d.as_table()) else {
        return Ok(out);
    };
    for (name, spec) in deps {
        if !name.starts_with(KIT_EXTENSION_PREFIX) {
            continue;
        }
        let dir = if let Some(p) = spec.get("path").and_then(|p| p.as_str()) {
            crate_dir.join(p)
        } else if spec.get("workspace").and_then(|w| w.as_bool()) == Some(true) {
            workspace_path(crate_dir, name)?
        } else {
            return Err(invalid(format!(
                "{}: dependency `{name}` is a kit extension: give it as `path = \"…\"` or \
                 `workspace = true` (a path dependency of the workspace)",
                manifest.display()
            )));
        };
        out.push((name.clone(), dir));
    }
    out.sort();
    Ok(out)
}

/// The code hash of a crate with its kit extensions: [`source_hash`] of the crate alone when it
/// depends on none (so crates without extensions keep their hash), else [`combine`] of it with
/// each extension's name and [`source_hash`] (its `src/` and `Cargo.toml`), in name order.
///
/// Errors: as [`source_hash`] and [`kit_extensions`].
pub fn code_hash_with_extensions(crate_dir: &Path, lockfile: Option<&Path>) -> io::Result<String> {
    let own = source_hash(crate_dir, lockfile)?;
    let extensions = kit_extensions(crate_dir)?;
    if extensions.is_empty() {
        return Ok(own);
    }
    let mut parts = vec![own];
    for (name, dir) in &extensions {
        parts.push(name.clone());
        parts.push(source_hash(dir, None)?);
    }
    let refs: Vec<&str> = parts.iter().map(String::as_str).collect();
    Ok(combine(&refs))
}

/// For `build.rs`: hashes the crate being built (`CARGO_MANIFEST_DIR`) and the kit extension
/// crates it depends on ([`code_hash_with_extensions`]) with the workspace `Cargo.lock` (the
/// nearest one above it), sets `REPRO_SOURCE_HASH` for the crate's compilation and tells Cargo
/// when to re-run. Panics (failing the build with the message) only if a source or manifest
/// cannot be read, which cannot happen for a crate that compiles.
pub fn emit() {
    let dir = PathBuf::from(std::env::var_os("CARGO_MANIFEST_DIR").expect("run from build.rs"));
    let lock = dir
        .ancestors()
        .map(|a| a.join("Cargo.lock"))
        .find(|p| p.is_file());
    let hash = code_hash_with_extensions(&dir, lock.as_deref())
        .unwrap_or_else(|e| panic!("repro-source-hash: cannot hash {}: {e}", dir.display()));
    println!("cargo:rustc-env=REPRO_SOURCE_HASH={hash}");
    println!("cargo:rerun-if-changed=src");
    println!("cargo:rerun-if-changed=Cargo.toml");
    for (_, ext) in kit_extensions(&dir).unwrap_or_default() {
        println!("cargo:rerun-if-changed={}", ext.join("src").display());
        println!(
            "cargo:rerun-if-changed={}",
            ext.join("Cargo.toml").display()
        );
    }
    if let Some(l) = lock {
        println!("cargo:rerun-if-changed={}", l.display());
    }
}

fn read_manifest(path: &Path) -> io::Result<toml::Table> {
    let text = fs::read_to_string(path).map_err(|e| with_path(e, path))?;
    text.parse::<toml::Table>()
        .map_err(|e| invalid(format!("{}: {e}", path.display())))
}

/// The directory of workspace dependency `name`: the nearest ancestor manifest with a
/// `[workspace]` table, its `[workspace.dependencies.<name>] path`.
fn workspace_path(crate_dir: &Path, name: &str) -> io::Result<PathBuf> {
    for root in crate_dir.ancestors().skip(1) {
        let manifest = root.join("Cargo.toml");
        if !manifest.is_file() {
            continue;
        }
        let table = read_manifest(&manifest)?;
        let Some(ws) = table.get("workspace") else {
            continue;
        };
        return ws
            .get("dependencies")
            .and_then(|d| d.get(name))
            .and_then(|d| d.get("path"))
            .and_then(|p| p.as_str())
            .map(|p| root.join(p))
            .ok_or_else(|| {
                invalid(format!(
                    "{}: `[workspace.dependencies] {name}` has no `path`: a kit extension is a \
                     crate of this workspace",
                    manifest.display()
                ))
            });
    }
    Err(invalid(format!(
        "{}: `{name}.workspace = true` but no workspace manifest above it",
        crate_dir.join("Cargo.toml").display()
    )))
}

fn invalid(message: String) -> io::Error {
    io::Error::new(io::ErrorKind::InvalidData, message)
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

    /// A workspace `root` with a paper crate `paper` depending on `repro-kit-x` (workspace
    /// dependency) and a crate `plain` depending on nothing of the kit's extensions.
    fn workspace() -> tempfile::TempDir {
        let t = tempfile::tempdir().unwrap();
        let root = t.path();
        fs::write(
            root.join("Cargo.toml"),
            "[workspace]\nmembers = []\n[workspace.dependencies]\nrepro-kit-x = { path = \"kit-x\" }\n",
        )
        .unwrap();
        for (dir, manifest) in [
            ("kit-x", "[package]\nname = \"repro-kit-x\"\n"),
            (
                "paper",
                "[package]\nname = \"paper\"\n[dependencies]\nrepro-kit-x.workspace = true\nserde = \"1\"\n",
            ),
            (
                "plain",
                "[package]\nname = \"plain\"\n[dependencies]\nserde = \"1\"\n",
            ),
        ] {
            fs::create_dir_all(root.join(dir).join("src")).unwrap();
            fs::write(root.join(dir).join("Cargo.toml"), manifest).unwrap();
            fs::write(root.join(dir).join("src/lib.rs"), "pub fn f() {}\n").unwrap();
        }
        t
    }

    #[test]
    fn a_kit_extension_is_part_of_its_users_hash_only() {
        let t = workspace();
        let (paper, plain) = (t.path().join("paper"), t.path().join("plain"));
        let ext = kit_extensions(&paper).unwrap();
        assert_eq!(
            ext,
            vec![("repro-kit-x".to_string(), t.path().join("kit-x"))]
        );
        assert!(kit_extensions(&plain).unwrap().is_empty());
        assert_eq!(
            code_hash_with_extensions(&plain, None).unwrap(),
            source_hash(&plain, None).unwrap(),
            "no extension: the crate's own hash, unchanged"
        );
        let (a, p) = (
            code_hash_with_extensions(&paper, None).unwrap(),
            code_hash_with_extensions(&plain, None).unwrap(),
        );
        assert_ne!(a, source_hash(&paper, None).unwrap());
        fs::write(t.path().join("kit-x/src/lib.rs"), "pub fn f() { }\n").unwrap();
        assert_ne!(a, code_hash_with_extensions(&paper, None).unwrap());
        assert_eq!(p, code_hash_with_extensions(&plain, None).unwrap());
    }

    #[test]
    fn an_unresolvable_extension_is_an_error_naming_the_manifest() {
        let t = workspace();
        let paper = t.path().join("paper");
        fs::write(
            paper.join("Cargo.toml"),
            "[package]\nname = \"paper\"\n[dependencies]\nrepro-kit-y = \"1\"\n",
        )
        .unwrap();
        let e = kit_extensions(&paper).unwrap_err().to_string();
        assert!(e.contains("Cargo.toml") && e.contains("repro-kit-y"), "{e}");
    }

    #[test]
    fn combine_is_order_sensitive() {
        assert_ne!(combine(&["a", "b"]), combine(&["b", "a"]));
        assert_ne!(combine(&["ab"]), combine(&["a", "b"]));
        assert_eq!(combine(&["a", "b"]).len(), 64);
    }
}
