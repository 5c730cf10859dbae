//! Batches: in-order with wrap-around (MNIST-1D reference) and shuffled epochs (Keras/PyTorch).

use crate::rng::{permutation, Rng};
use crate::{KitError, Result};

/// The `[start, end)` row range of batch `step` when batches are taken **in order** from a
/// training set of `n` rows with wrap-around, as the MNIST-1D reference code does
/// (`bix = (step·batch) mod n; x[bix : bix+batch]`). Like Python slicing, the last batch before
/// the wrap may be shorter than `batch`.
pub fn batch_in_order(step: usize, batch: usize, n: usize) -> (usize, usize) {
    let start = (step * batch) % n;
    (start, (start + batch).min(n))
}

/// Row-index batches of one epoch over `order` (a permutation of the training rows), each of
/// `batch` rows except possibly the last (Keras/PyTorch `drop_last=False`).
pub fn epoch_batches(order: &[usize], batch: usize) -> Vec<Vec<u32>> {
    order
        .chunks(batch.max(1))
        .map(|c| c.iter().map(|&i| i as u32).collect())
        .collect()
}

/// Row batches of shuffled epochs, drawn as the training loop asks for them (Keras
/// `fit(shuffle=True)`, PyTorch `DataLoader(shuffle=True, drop_last=False)`): at the first step
/// of every epoch a fresh permutation of the `n` rows is drawn from the stream, then cut into
/// batches of `batch` rows (the last one possibly shorter).
pub struct ShuffledEpochs {
    rng: Rng,
    n: usize,
    batch: usize,
    epoch: Option<u64>,
    batches: Vec<Vec<u32>>,
}

impl ShuffledEpochs {
    /// Batches of `batch` rows (at least 1) over `n` rows, shuffled by `rng`.
    pub fn new(rng: Rng, n: usize, batch: usize) -> Self {
        Self {
            rng,
            n,
            batch: batch.max(1),
            epoch: None,
            batches: Vec::new(),
        }
    }

    /// Optimizer steps per epoch, ⌈n / batch⌉.
    pub fn steps_per_epoch(&self) -> u64 {
        self.n.div_ceil(self.batch) as u64
    }

    /// The rows of optimizer step `step` (0-based, counted across epochs). Steps must be asked
    /// for in order (the permutations are drawn from one stream).
    ///
    /// Errors: a step of an epoch before the current one, or one that skips an epoch.
    pub fn batch(&mut self, step: u64) -> Result<Vec<u32>> {
        let spe = self.steps_per_epoch().max(1);
        let (epoch, i) = (step / spe, (step % spe) as usize);
        let next = self.epoch.map_or(0, |e| e + 1);
        if self.epoch != Some(epoch) {
            if epoch != next {
                return Err(KitError::Invalid(format!(
                    "shuffled batches: step {step} is in epoch {epoch}, but the next epoch to draw is {next}"
                )));
            }
            self.batches = epoch_batches(&permutation(&mut self.rng, self.n), self.batch);
            self.epoch = Some(epoch);
        }
        self.batches.get(i).cloned().ok_or_else(|| {
            KitError::Invalid(format!("shuffled batches: no batch {i} of {} rows", self.n))
        })
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::rng::stream;

    #[test]
    fn shuffled_epochs_draw_one_permutation_per_epoch() {
        let mut s = ShuffledEpochs::new(stream(1, "b"), 10, 4);
        assert_eq!(s.steps_per_epoch(), 3);
        let mut reference = stream(1, "b");
        for epoch in 0..2u64 {
            let want = epoch_batches(&permutation(&mut reference, 10), 4);
            for (i, w) in want.iter().enumerate() {
                assert_eq!(&s.batch(epoch * 3 + i as u64).unwrap(), w);
            }
        }
        assert!(s.batch(0).is_err(), "going back to epoch 0");
        assert!(s.batch(12).is_err(), "skipping epoch 2");
    }

    #[test]
    fn in_order_batches_wrap_like_the_reference() {
        assert_eq!(batch_in_order(0, 100, 4000), (0, 100));
        assert_eq!(batch_in_order(39, 100, 4000), (3900, 4000));
        assert_eq!(batch_in_order(40, 100, 4000), (0, 100));
        assert_eq!(batch_in_order(6000, 100, 4000), (0, 100));
        assert_eq!(batch_in_order(3, 128, 400), (384, 400));
    }

    #[test]
    fn epoch_batches_cover_every_row_once() {
        let order: Vec<usize> = (0..10).rev().collect();
        let b = epoch_batches(&order, 4);
        assert_eq!(b.len(), 3);
        assert_eq!(b[2], vec![1, 0]);
        let mut all: Vec<u32> = b.concat();
        all.sort_unstable();
        assert_eq!(all, (0..10).collect::<Vec<_>>());
    }
}
