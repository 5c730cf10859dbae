//! Compiles the hash of this crate's sources into it (`REPRO_SOURCE_HASH`): part of every run key.
fn main() {
    repro_source_hash::emit();
}
