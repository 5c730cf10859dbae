//! The explicit registry: paper id → reproduction. Adding a paper means adding its crate to
//! `harness/Cargo.toml` and one line to [`all`].

use repro_kit::Reproduction;

/// Every reproduction the harness can run.
pub fn all() -> Vec<&'static dyn Reproduction> {
    vec![
        &greydanus2020_mnist1d::Greydanus2020,
        &gal2016_mc_dropout::Gal2016,
        &xiao2017_fashion_mnist::Xiao2017,
        &lakshminarayanan2017_deep_ensembles::Lakshminarayanan2017,
    ]
}

/// The reproduction registered under `id`.
pub fn find(id: &str) -> Option<&'static dyn Reproduction> {
    all().into_iter().find(|r| r.id() == id)
}

/// Registered ids, sorted.
pub fn ids() -> Vec<&'static str> {
    let mut v: Vec<_> = all().iter().map(|r| r.id()).collect();
    v.sort_unstable();
    v
}
