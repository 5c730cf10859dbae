//! Learning-rate schedules: the learning rate as a function of a step or epoch counter, set on
//! any [`Optimizer`] with [`Schedule::apply`].
//!
//! Each is the closed form of the named library schedule; the caller decides what the counter
//! counts (optimizer steps, epochs, PPO updates) and calls `apply` where the reference calls
//! `scheduler.step()` or sets the rate.

use super::Optimizer;
use crate::{KitError, Result};

/// A learning-rate schedule: `learning_rate(t)` for a counter `t`.
pub trait Schedule {
    /// The learning rate at counter value `t` (its meaning is documented per schedule).
    fn learning_rate(&self, t: u64) -> f64;

    /// Sets `optimizer`'s learning rate to `self.learning_rate(t)` and returns it.
    fn apply<O: Optimizer>(&self, optimizer: &mut O, t: u64) -> f64
    where
        Self: Sized,
    {
        let lr = self.learning_rate(t);
        optimizer.set_learning_rate(lr);
        lr
    }
}

fn check_lr(name: &str, lr: f64) -> Result<()> {
    if lr.is_finite() && lr >= 0.0 {
        Ok(())
    } else {
        Err(KitError::hyperparameter(name, lr, "must be finite and ≥ 0"))
    }
}

/// PyTorch's `StepLR(optimizer, step_size, gamma)`: `lr_t = lr₀ · γ^⌊t / step_size⌋`, with `t`
/// the number of `scheduler.step()` calls so far (epochs, usually; 0 before the first).
#[derive(Debug, Clone, Copy, PartialEq)]
pub struct StepLr {
    initial: f64,
    step_size: u64,
    gamma: f64,
}

impl StepLr {
    /// Errors unless `initial` ≥ 0, `step_size` ≥ 1 and `gamma` ≥ 0 (all finite).
    pub fn new(initial: f64, step_size: u64, gamma: f64) -> Result<Self> {
        check_lr("initial learning rate", initial)?;
        check_lr("gamma", gamma)?;
        if step_size == 0 {
            return Err(KitError::Invalid("StepLr step_size must be ≥ 1".into()));
        }
        Ok(Self {
            initial,
            step_size,
            gamma,
        })
    }
}

impl Schedule for StepLr {
    fn learning_rate(&self, t: u64) -> f64 {
        let k = (t / self.step_size).min(i32::MAX as u64) as i32;
        self.initial * self.gamma.powi(k)
    }
}

/// CleanRL's linear annealing (`ppo.py`, `--anneal-lr`): at update `u` = 1, …, `num_updates`,
/// `frac = 1 − (u − 1)/num_updates` and `lr = frac · lr₀`, so the first update uses lr₀ and the
/// last lr₀/num_updates (never 0). `u` is **1-based** as in CleanRL's loop; `u = 0` gives lr₀ and
/// `u > num_updates + 1` gives 0 (the fraction is clamped to [0, 1]).
#[derive(Debug, Clone, Copy, PartialEq)]
pub struct LinearAnneal {
    initial: f64,
    num_updates: u64,
}

impl LinearAnneal {
    /// Errors unless `initial` ≥ 0 (finite) and `num_updates` ≥ 1.
    pub fn new(initial: f64, num_updates: u64) -> Result<Self> {
        check_lr("initial learning rate", initial)?;
        if num_updates == 0 {
            return Err(KitError::Invalid(
                "LinearAnneal num_updates must be ≥ 1".into(),
            ));
        }
        Ok(Self {
            initial,
            num_updates,
        })
    }
}

impl Schedule for LinearAnneal {
    fn learning_rate(&self, u: u64) -> f64 {
        let frac = 1.0 - (u as f64 - 1.0) / self.num_updates as f64;
        frac.clamp(0.0, 1.0) * self.initial
    }
}

/// PyTorch's `CosineAnnealingLR(optimizer, T_max, eta_min)` in its closed form (SGDR without
/// restarts, Loshchilov & Hutter 2017, eq. 5):
/// `lr_t = η_min + (lr₀ − η_min)·(1 + cos(π·t/T_max))/2`, with `t` the number of
/// `scheduler.step()` calls so far. Like PyTorch's, it keeps following the cosine past `T_max`
/// (rising again). PyTorch's `step()` applies an equivalent recursive form, equal up to float
/// rounding.
#[derive(Debug, Clone, Copy, PartialEq)]
pub struct Cosine {
    initial: f64,
    t_max: u64,
    eta_min: f64,
}

impl Cosine {
    /// Errors unless `initial`, `eta_min` ≥ 0 (finite) and `t_max` ≥ 1.
    pub fn new(initial: f64, t_max: u64, eta_min: f64) -> Result<Self> {
        check_lr("initial learning rate", initial)?;
        check_lr("eta_min", eta_min)?;
        if t_max == 0 {
            return Err(KitError::Invalid("Cosine t_max must be ≥ 1".into()));
        }
        Ok(Self {
            initial,
            t_max,
            eta_min,
        })
    }
}

impl Schedule for Cosine {
    fn learning_rate(&self, t: u64) -> f64 {
        let x = std::f64::consts::PI * t as f64 / self.t_max as f64;
        self.eta_min + (self.initial - self.eta_min) * (1.0 + x.cos()) / 2.0
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::optim::{Sgd, SgdParams};

    #[test]
    fn step_lr_by_hand() {
        let s = StepLr::new(0.1, 30, 0.1).unwrap();
        assert_eq!(s.learning_rate(0), 0.1);
        assert_eq!(s.learning_rate(29), 0.1);
        assert!((s.learning_rate(30) - 0.01).abs() < 1e-15);
        assert!((s.learning_rate(95) - 1e-4).abs() < 1e-15);
        assert!(StepLr::new(0.1, 0, 0.1).is_err());
    }

    /// CleanRL with 2.5e-4 and 4 updates: 2.5e-4, 1.875e-4, 1.25e-4, 6.25e-5.
    #[test]
    fn linear_anneal_matches_cleanrl() {
        let s = LinearAnneal::new(2.5e-4, 4).unwrap();
        let got: Vec<f64> = (1..=4).map(|u| s.learning_rate(u)).collect();
        for (a, b) in got.iter().zip([2.5e-4, 1.875e-4, 1.25e-4, 6.25e-5]) {
            assert!((a - b).abs() < 1e-18, "{got:?}");
        }
        assert_eq!(s.learning_rate(100), 0.0);
        assert!(LinearAnneal::new(f64::NAN, 4).is_err());
    }

    /// T_max 10, lr 1, η_min 0.1: t = 0 → 1, t = 5 → 0.55, t = 10 → 0.1, t = 20 → 1 again.
    #[test]
    fn cosine_by_hand_and_apply() {
        let s = Cosine::new(1.0, 10, 0.1).unwrap();
        assert!((s.learning_rate(0) - 1.0).abs() < 1e-15);
        assert!((s.learning_rate(5) - 0.55).abs() < 1e-15);
        assert!((s.learning_rate(10) - 0.1).abs() < 1e-15);
        assert!((s.learning_rate(20) - 1.0).abs() < 1e-15);
        let mut opt = Sgd::with_params(vec![], SgdParams::default()).unwrap();
        assert!((s.apply(&mut opt, 5) - 0.55).abs() < 1e-15);
        assert!((opt.params().lr - 0.55).abs() < 1e-15);
    }
}
