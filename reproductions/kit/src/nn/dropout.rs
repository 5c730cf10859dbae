//! Seeded inverted-dropout masks (Keras `Dropout(rate = p)`: each unit is zeroed with probability
//! `p` and the survivors are scaled by `1/(1−p)`), drawn from a [`crate::rng::Rng`].
//!
//! The dropped positions of a mask are an i.i.d. Bernoulli(p) process; instead of one uniform
//! per unit we draw the gaps between dropped units, which are Geometric(p):
//! `gap = ⌊ln U / ln(1−p)⌋`, `U ~ U(0, 1]`. This is the same distribution with about `p·len`
//! random numbers instead of `len` — what makes 10,000 MC passes over thousands of test points
//! cheap (p ≤ 0.1 in every grid of the benchmark).

use crate::rng::Rng;
use crate::{KitError, Result};
use candle_core::{Device, Tensor};
use rand::RngExt as _;

/// Whether a layer behaves as in training (dropout active, batch statistics) or evaluation.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Mode {
    /// Training: dropout masks drawn, batch norm uses batch statistics.
    Train,
    /// Evaluation: dropout is the identity, batch norm uses running statistics.
    Eval,
}

/// Inverted dropout with rate `p` (PyTorch `nn.Dropout(p)`, Keras `Dropout(rate=p)`): in
/// [`Mode::Train`] every element is zeroed with probability `p` and the survivors are scaled by
/// `1/(1−p)`; in [`Mode::Eval`] the input passes unchanged (the weight-scaling rule of
/// Srivastava et al. 2014). Masks come from the caller's seeded stream, never candle's RNG.
#[derive(Debug, Clone, Copy, PartialEq)]
pub struct Dropout {
    rate: f64,
}

impl Dropout {
    /// A dropout layer of rate `p`; the error names the rate unless `0 ≤ p < 1`.
    pub fn new(p: f64) -> Result<Self> {
        if !(0.0..1.0).contains(&p) {
            return Err(KitError::hyperparameter(
                "dropout rate",
                p,
                "must be in [0, 1)",
            ));
        }
        Ok(Self { rate: p })
    }

    /// The rate p (probability of zeroing an element).
    pub fn rate(&self) -> f64 {
        self.rate
    }

    /// A fresh F32 mask of `shape` (entries 0 or `1/(1−p)`), or `None` when `p = 0` (no draws).
    pub fn mask(&self, rng: &mut Rng, shape: &[usize], device: &Device) -> Result<Option<Tensor>> {
        if self.rate == 0.0 {
            return Ok(None);
        }
        let mut v = vec![0f32; shape.iter().product()];
        fill_multipliers(rng, self.rate, &mut v);
        Ok(Some(Tensor::from_vec(v, shape, device)?))
    }

    /// `x` (any shape) → the same shape: `x ⊙ mask` in [`Mode::Train`] (mask drawn from `rng`),
    /// `x` in [`Mode::Eval`].
    pub fn forward(&self, x: &Tensor, mode: Mode, rng: &mut Rng) -> Result<Tensor> {
        match (mode, self.mask(rng, x.dims(), x.device())?) {
            (Mode::Train, Some(m)) => Ok(x.mul(&m)?),
            _ => Ok(x.clone()),
        }
    }
}

/// Fills `out` with inverted-dropout multipliers: 0 with probability `p`, `1/(1−p)` otherwise,
/// independently per element. `p = 0` gives all ones and draws nothing. Requires `0 ≤ p < 1`
/// (checked by the hyperparameter validation).
pub fn fill_multipliers(rng: &mut Rng, p: f64, out: &mut [f32]) {
    debug_assert!((0.0..1.0).contains(&p), "dropout rate {p}");
    if p == 0.0 {
        out.fill(1.0);
        return;
    }
    out.fill((1.0 / (1.0 - p)) as f32);
    let log_keep = (1.0 - p).ln();
    let mut pos = geometric_gap(rng, log_keep);
    while pos < out.len() {
        out[pos] = 0.0;
        pos = pos
            .saturating_add(1)
            .saturating_add(geometric_gap(rng, log_keep));
    }
}

/// Number of kept units before the next dropped one: `⌊ln U / ln(1−p)⌋` with `U ∈ (0, 1]`
/// (`log_keep = ln(1−p) < 0`), saturating at `usize::MAX`.
fn geometric_gap(rng: &mut Rng, log_keep: f64) -> usize {
    gap_of(1.0 - rng.random::<f64>(), log_keep) // U ∈ (0, 1]
}

/// `⌊ln u / log_keep⌋` for `u ∈ (0, 1]`, `log_keep < 0`, saturating at `usize::MAX`. The quotient
/// is ≥ 0 (or −0), so truncation is the floor, and `as` saturates (it cannot meet a NaN: u > 0).
/// No call to `floor`, which x86-64's baseline (no SSE4.1 `roundsd`) compiles to a libm call.
#[inline]
fn gap_of(u: f64, log_keep: f64) -> usize {
    (u.ln() / log_keep) as usize
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::rng::stream;

    #[test]
    fn layer_masks_in_training_only() {
        let d = Device::Cpu;
        let x = Tensor::ones((4, 50), candle_core::DType::F32, &d).unwrap();
        let drop = Dropout::new(0.5).unwrap();
        let eval = drop.forward(&x, Mode::Eval, &mut stream(0, "d")).unwrap();
        assert_eq!(eval.to_vec2::<f32>().unwrap(), x.to_vec2::<f32>().unwrap());
        let train: Vec<f32> = drop
            .forward(&x, Mode::Train, &mut stream(0, "d"))
            .unwrap()
            .flatten_all()
            .unwrap()
            .to_vec1()
            .unwrap();
        assert!(train.iter().all(|v| *v == 0.0 || *v == 2.0));
        assert!(train.contains(&0.0) && train.contains(&2.0));
        assert!(Dropout::new(1.0).is_err() && Dropout::new(-0.1).is_err());
    }

    #[test]
    fn drop_rate_and_scale_match_p() {
        for p in [0.005, 0.05, 0.1, 0.5] {
            let mut v = vec![0f32; 400_000];
            fill_multipliers(&mut stream(1, "mask"), p, &mut v);
            let dropped = v.iter().filter(|x| **x == 0.0).count() as f64 / v.len() as f64;
            let se = (p * (1.0 - p) / v.len() as f64).sqrt();
            assert!((dropped - p).abs() < 5.0 * se, "p {p}: dropped {dropped}");
            let keep = (1.0 / (1.0 - p)) as f32;
            assert!(v.iter().all(|x| *x == 0.0 || *x == keep));
            // inverted dropout keeps the expectation: mean multiplier ≈ 1
            let mean = v.iter().map(|x| *x as f64).sum::<f64>() / v.len() as f64;
            assert!(
                (mean - 1.0).abs() < 6.0 * se / (1.0 - p),
                "p {p}: mean {mean}"
            );
        }
    }

    #[test]
    fn gaps_are_geometric_so_drops_are_independent() {
        // P(two consecutive drops) = p² for an i.i.d. Bernoulli process.
        let p = 0.1;
        let mut v = vec![0f32; 1_000_000];
        fill_multipliers(&mut stream(2, "mask"), p, &mut v);
        let pairs = v.windows(2).filter(|w| w[0] == 0.0 && w[1] == 0.0).count() as f64;
        let rate = pairs / (v.len() - 1) as f64;
        assert!((rate - p * p).abs() < 0.001, "pair rate {rate}");
    }

    #[test]
    fn gap_is_the_floor_of_the_quotient() {
        // The formula as first written (floor, then an explicit saturation): the masks, and so
        // every record that uses them, must not change with the faster form.
        let reference = |u: f64, log_keep: f64| {
            let g = (u.ln() / log_keep).floor();
            if g >= usize::MAX as f64 {
                usize::MAX
            } else {
                g as usize
            }
        };
        let mut rng = crate::rng::stream(3, "gaps");
        for p in [1e-300, 1e-9, 0.005, 0.05, 0.4, 0.9, 1.0 - 1e-12] {
            let log_keep = (1.0f64 - p).ln();
            for u in [
                1.0,
                f64::EPSILON,
                1e-300,
                f64::MIN_POSITIVE,
                0.5,
                1.0 - f64::EPSILON,
            ] {
                assert_eq!(gap_of(u, log_keep), reference(u, log_keep), "p {p} u {u}");
            }
            for _ in 0..20_000 {
                let u = 1.0 - rng.random::<f64>();
                assert_eq!(gap_of(u, log_keep), reference(u, log_keep), "p {p} u {u}");
            }
        }
    }

    #[test]
    fn zero_rate_keeps_everything_and_is_seeded() {
        let mut v = vec![0f32; 100];
        fill_multipliers(&mut stream(0, "m"), 0.0, &mut v);
        assert!(v.iter().all(|x| *x == 1.0));
        let mut a = vec![0f32; 1000];
        let mut b = vec![0f32; 1000];
        fill_multipliers(&mut stream(5, "m"), 0.1, &mut a);
        fill_multipliers(&mut stream(5, "m"), 0.1, &mut b);
        assert_eq!(a, b);
    }
}
