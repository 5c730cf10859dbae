//! The registry: paper id → reproduction. Generated at build time from the reproduction crates
//! among the harness's dependencies (`harness/build.rs`): adding a crate's dependency line, which
//! `harness new` writes, is the only wiring.

use repro_kit::Reproduction;

include!(concat!(env!("OUT_DIR"), "/registry.rs"));

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
