//! What the reproductions share outside a run's arithmetic.
//!
//! Nothing here can change a number a run computes, which is why this crate is not part of any
//! run key (the key hashes `repro-kit` and the paper's crate, see `repro-source-hash`):
//!
//! - [`alloc::tune_allocator`]: the allocator setting the harness applies at start-up and the
//!   benchmarks apply before timing, so that a benchmark measures what a run pays;
//! - [`fixtures`]: the small datasets shipped for tests and the `ResolvedDataset` the harness
//!   would hand a reproduction for them.
//!
//! The harness depends on this crate. Reproduction crates do not: their `Cargo.toml` is part of
//! their run key, so their tests and benches include the module files directly
//! (`#[path = "../../support/src/fixtures.rs"] mod fixtures;`), which changes no key.

pub mod alloc;
pub mod fixtures;

pub use alloc::tune_allocator;
pub use fixtures::{fixture_root, resolve_folder, uci_yacht};

#[cfg(test)]
mod tests {
    use super::*;
    use std::path::Path;

    #[test]
    fn the_yacht_fixture_resolves_with_declared_paths() {
        let ds = uci_yacht();
        assert_eq!(ds.name, "uci-yacht");
        assert!(ds.environment.is_none());
        for k in [0, 1, 3, 4, 7] {
            let p = ds
                .file(&format!("uci-regression/yacht/index_train_{k}.txt"))
                .unwrap();
            assert!(p.is_file(), "{}", p.display());
        }
        assert!(ds.file("uci-regression/yacht/index_train_2.txt").is_err());
    }

    #[test]
    fn a_missing_folder_is_an_error_naming_it() {
        let e = resolve_folder("x", Path::new("/nonexistent-root"), "a/b").unwrap_err();
        assert!(e.to_string().contains("/nonexistent-root/a/b"), "{e}");
    }

    #[test]
    fn tuning_the_allocator_is_accepted_on_glibc() {
        assert_eq!(
            tune_allocator(),
            cfg!(all(target_os = "linux", target_env = "gnu"))
        );
    }
}
