//! Compiles the hash of the kit's own sources into the crate (`KIT_SOURCE_HASH`): part of every
//! run's key, so a change to any layer, optimizer or loop invalidates the records it could
//! change.
fn main() {
    repro_source_hash::emit();
}
