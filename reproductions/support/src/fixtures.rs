//! The small datasets shipped for tests (`reproductions/support/fixtures/`, each with its source
//! and license in `fixtures/README.md`) and the [`ResolvedDataset`] the harness would hand a
//! reproduction for them, so that `cargo test --workspace --release` needs no mirror, no
//! environment variable and no network.
//!
//! Depends on `repro_kit` only, so that the tests of a reproduction crate can include it with
//! `#[path = "../../support/src/fixtures.rs"] mod fixtures;` without a dev-dependency (a
//! reproduction crate's `Cargo.toml` is part of its run key; a test helper must not change it).

use repro_kit::ResolvedDataset;
use std::path::{Path, PathBuf};

/// The directory holding the shipped fixtures (`reproductions/support/fixtures/`), laid out as a
/// data mirror: `uci-regression/yacht/…` as in `configs/datasets.toml`. Resolved from the
/// including crate's manifest directory, a sibling of `support/` under `reproductions/`.
pub fn fixture_root() -> PathBuf {
    PathBuf::from(env!("CARGO_MANIFEST_DIR")).join("../support/fixtures")
}

/// The [`ResolvedDataset`] named `name` whose files are every file of `root/dir`, keyed by their
/// declared path `dir/<file name>` (what the harness passes a reproduction once the files are
/// found and their SHA-256 checked). Errors: `root/dir` missing or unreadable, or a file name
/// that is not UTF-8 (the message names the path).
pub fn resolve_folder(name: &str, root: &Path, dir: &str) -> std::io::Result<ResolvedDataset> {
    let folder = root.join(dir);
    let mut files = std::collections::BTreeMap::new();
    let entries = std::fs::read_dir(&folder)
        .map_err(|e| std::io::Error::new(e.kind(), format!("{}: {e}", folder.display())))?;
    for entry in entries {
        let entry = entry?;
        let file = entry.file_name().into_string().map_err(|n| {
            std::io::Error::new(
                std::io::ErrorKind::InvalidData,
                format!("{}: file name {n:?} is not UTF-8", folder.display()),
            )
        })?;
        files.insert(format!("{dir}/{file}"), folder.join(&file));
    }
    Ok(ResolvedDataset {
        name: name.to_string(),
        files,
        environment: None,
    })
}

/// The shipped UCI yacht fixture as the dataset `uci-yacht`: the data, its feature/target
/// indices and the fixed splits K = 0, 1, 3, 4, 7 (a byte-identical subset of the declared
/// dataset; see `fixtures/README.md`). A run whose seed selects another split fails with the
/// kit's missing-file error.
///
/// # Panics
/// If the fixture folder is missing: that is a broken checkout, and this is test-only code.
pub fn uci_yacht() -> ResolvedDataset {
    resolve_folder("uci-yacht", &fixture_root(), "uci-regression/yacht")
        .expect("the shipped fixture reproductions/support/fixtures/uci-regression/yacht")
}
