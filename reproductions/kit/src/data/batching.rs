//! Batches: in-order with wrap-around (MNIST-1D reference) and shuffled epochs (Keras/PyTorch).

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

#[cfg(test)]
mod tests {
    use super::*;

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
