//! Seeded randomness. Every random number of a run comes from here.
//!
//! A run has one `u64` seed. Independent purposes (initialisation, data order, dropout masks, the
//! validation split) draw from independent ChaCha8 streams derived from that seed and a label, so
//! that adding a draw for one purpose never shifts another purpose's numbers.

use rand::SeedableRng;
use rand_chacha::ChaCha8Rng;

/// The generator used everywhere: ChaCha8 (rand_chacha), portable and reproducible across
/// platforms for the same seed.
pub type Rng = ChaCha8Rng;

/// A generator for `purpose` (e.g. `"init"`, `"batches"`, `"dropout"`) under the run's `seed`.
///
/// The seed selects the key and the purpose label the ChaCha stream (FNV-1a hash of the label),
/// so the streams of different purposes never overlap.
pub fn stream(seed: u64, purpose: &str) -> Rng {
    let mut rng = ChaCha8Rng::seed_from_u64(seed);
    rng.set_stream(fnv1a(purpose.as_bytes()));
    rng
}

/// 64-bit FNV-1a hash (Fowler–Noll–Vo), used to turn a purpose label into a stream number.
pub fn fnv1a(bytes: &[u8]) -> u64 {
    let mut h: u64 = 0xcbf2_9ce4_8422_2325;
    for b in bytes {
        h ^= u64::from(*b);
        h = h.wrapping_mul(0x0000_0100_0000_01b3);
    }
    h
}

/// A uniformly random permutation of `0..n` (Fisher–Yates, via `rand::seq::SliceRandom`).
pub fn permutation(rng: &mut Rng, n: usize) -> Vec<usize> {
    use rand::seq::SliceRandom;
    let mut v: Vec<usize> = (0..n).collect();
    v.shuffle(rng);
    v
}

#[cfg(test)]
mod tests {
    use super::*;
    use rand::RngExt as _;

    #[test]
    fn same_seed_and_purpose_give_same_numbers() {
        let a: Vec<u32> = (0..8).map(|_| stream(7, "init").random()).collect();
        let b: Vec<u32> = (0..8).map(|_| stream(7, "init").random()).collect();
        assert_eq!(a.len(), b.len());
        let mut r1 = stream(7, "init");
        let mut r2 = stream(7, "init");
        for _ in 0..100 {
            assert_eq!(r1.random::<u64>(), r2.random::<u64>());
        }
    }

    #[test]
    fn purposes_and_seeds_are_independent() {
        let x: u64 = stream(7, "init").random();
        assert_ne!(x, stream(7, "batches").random::<u64>());
        assert_ne!(x, stream(8, "init").random::<u64>());
    }

    #[test]
    fn permutation_is_a_permutation() {
        let mut r = stream(1, "perm");
        let mut p = permutation(&mut r, 100);
        p.sort_unstable();
        assert_eq!(p, (0..100).collect::<Vec<_>>());
    }
}
