//! Iterative magnitude pruning with rewinding (Frankle & Carbin 2019, "The Lottery Ticket
//! Hypothesis", ICLR; rewinding to step k: Frankle et al. 2020, "Linear Mode Connectivity and
//! the Lottery Ticket Hypothesis", ICML): train, prune the smallest weights, rewind the kept
//! weights, retrain, repeat to a schedule of sparsities.

use super::mask::{MaskSet, Scope};
use crate::{KitError, Result};
use candle_core::{Tensor, Var};

/// A copy of a model's parameter values, to rewind to.
#[derive(Debug, Clone)]
pub struct Snapshot {
    values: Vec<Tensor>,
}

impl Snapshot {
    /// Deep copies of the current values of `vars` (not views: later updates leave them as
    /// they are).
    ///
    /// Errors: a failed tensor copy.
    pub fn capture(vars: &[Var]) -> Result<Self> {
        let values = vars
            .iter()
            .map(|v| v.as_tensor().copy())
            .collect::<candle_core::Result<_>>()?;
        Ok(Self { values })
    }

    /// Writes the captured values back into `vars`, bitwise.
    ///
    /// Errors: `vars` not shaped like the snapshot.
    pub fn restore(&self, vars: &[Var]) -> Result<()> {
        if vars.len() != self.values.len() {
            return Err(KitError::shape(
                "snapshot (one value per parameter)",
                &[vars.len()],
                &[self.values.len()],
            ));
        }
        for (v, t) in vars.iter().zip(&self.values) {
            if v.dims() != t.dims() {
                return Err(KitError::shape("snapshot parameter", v.dims(), t.dims()));
            }
            v.set(t)?;
        }
        Ok(())
    }

    /// The captured values, in parameter order.
    pub fn values(&self) -> &[Tensor] {
        &self.values
    }
}

/// The target sparsities of the pruning rounds after the first (dense) training.
#[derive(Debug, Clone, PartialEq)]
pub struct PruningSchedule {
    sparsities: Vec<f64>,
}

impl PruningSchedule {
    /// An explicit schedule: round r ≥ 1 trains at `sparsities[r - 1]`.
    ///
    /// Errors: a value outside [0, 1) or a decreasing sequence (masks are nested).
    pub fn new(sparsities: Vec<f64>) -> Result<Self> {
        for (i, s) in sparsities.iter().enumerate() {
            if !(0.0..1.0).contains(s) {
                return Err(KitError::hyperparameter(
                    format!("pruning schedule[{i}]"),
                    s,
                    "must be a sparsity in [0, 1)",
                ));
            }
            if i > 0 && *s < sparsities[i - 1] {
                return Err(KitError::hyperparameter(
                    format!("pruning schedule[{i}]"),
                    s,
                    "must not be below the round before (masks are nested)",
                ));
            }
        }
        Ok(Self { sparsities })
    }

    /// `rounds` rounds each pruning `rate` of the weights still kept: sparsity
    /// 1 − (1 − rate)^r after round r (Frankle & Carbin's p % per round).
    ///
    /// Errors: `rate` outside (0, 1).
    pub fn geometric(rate: f64, rounds: usize) -> Result<Self> {
        if !(rate > 0.0 && rate < 1.0) {
            return Err(KitError::hyperparameter(
                "pruning rate",
                rate,
                "must be in (0, 1)",
            ));
        }
        let s = (1..=rounds)
            .map(|r| 1.0 - (1.0 - rate).powi(r as i32))
            .collect();
        Self::new(s)
    }

    /// The sparsity of each pruning round, in order.
    pub fn sparsities(&self) -> &[f64] {
        &self.sparsities
    }
}

/// Where the kept weights go back to before each retraining.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Rewind {
    /// The initial weights (the original lottery-ticket procedure).
    Init,
    /// The weights after optimizer step `k` of the first (dense) training ("late rewinding").
    Step(u64),
}

/// The weights to rewind to, captured when they pass by: at the start for [`Rewind::Init`], at
/// step k of round 0 for [`Rewind::Step`] (the training loop calls [`Self::observe`]).
#[derive(Debug, Clone)]
pub struct RewindPoint {
    rewind: Rewind,
    snapshot: Option<Snapshot>,
}

impl RewindPoint {
    /// A rewind point for `vars` as they are now (captured at once for [`Rewind::Init`]).
    ///
    /// Errors: a failed copy.
    pub fn new(rewind: Rewind, vars: &[Var]) -> Result<Self> {
        let snapshot = match rewind {
            Rewind::Init => Some(Snapshot::capture(vars)?),
            Rewind::Step(_) => None,
        };
        Ok(Self { rewind, snapshot })
    }

    /// Called by a training loop after optimizer step `step` (1-based count of steps done):
    /// captures `vars` if this is the rewind step and nothing was captured yet.
    ///
    /// Errors: a failed copy.
    pub fn observe(&mut self, steps_done: u64, vars: &[Var]) -> Result<()> {
        if self.rewind == Rewind::Step(steps_done) && self.snapshot.is_none() {
            self.snapshot = Some(Snapshot::capture(vars)?);
        }
        Ok(())
    }

    /// The captured weights, if any.
    pub fn snapshot(&self) -> Option<&Snapshot> {
        self.snapshot.as_ref()
    }

    /// Rewinds `vars` to the captured weights.
    ///
    /// Errors: nothing captured (the first training never reached step k), or a shape mismatch.
    pub fn restore(&self, vars: &[Var]) -> Result<()> {
        match &self.snapshot {
            Some(s) => s.restore(vars),
            None => Err(KitError::Invalid(format!(
                "rewind {:?}: the first training never reported that step (call RewindPoint::observe after each step)",
                self.rewind
            ))),
        }
    }
}

/// One round handed to the training closure of [`iterative_magnitude_pruning`].
pub struct Round<'a> {
    /// 0 for the dense training, r for the r-th pruning round.
    pub index: usize,
    /// The round's target sparsity (0 for round 0).
    pub sparsity: f64,
    /// The masks to train under (already applied to the parameters).
    pub masks: &'a MaskSet,
    /// Where rewinding goes back to: a loop with [`Rewind::Step`] calls
    /// [`RewindPoint::observe`] after each step of round 0.
    pub rewind: &'a mut RewindPoint,
}

/// What one round produced.
#[derive(Debug, Clone)]
pub struct RoundResult<T> {
    /// The round's target sparsity.
    pub sparsity: f64,
    /// The masks it trained under.
    pub masks: MaskSet,
    /// What the training closure returned.
    pub outcome: T,
}

/// Iterative magnitude pruning: round 0 trains `vars` dense from their current (initial)
/// values; each round r ≥ 1 prunes the weights the previous training left to the schedule's
/// sparsity by magnitude within `scope` (previously pruned weights stay pruned), rewinds the
/// parameters ([`Rewind`]), zeroes the pruned ones and trains again under the masks.
/// `train` must keep the masks through its updates (e.g. with [`super::Masked`]) and leave in
/// `vars` the weights the next round scores.
///
/// Errors: whatever `train` returns; an invalid scope or a rewind step never observed.
pub fn iterative_magnitude_pruning<T>(
    vars: &[Var],
    scope: &Scope,
    schedule: &PruningSchedule,
    rewind: Rewind,
    mut train: impl FnMut(Round<'_>) -> Result<T>,
) -> Result<Vec<RoundResult<T>>> {
    scope.groups(vars.len())?;
    let mut point = RewindPoint::new(rewind, vars)?;
    let mut masks = MaskSet::ones(vars);
    let mut out = Vec::with_capacity(schedule.sparsities().len() + 1);
    for (index, &sparsity) in std::iter::once(&0.0)
        .chain(schedule.sparsities())
        .enumerate()
    {
        if index > 0 {
            masks = MaskSet::magnitude(vars, scope, sparsity, Some(&masks))?;
            point.restore(vars)?;
            masks.apply(vars)?;
        }
        let outcome = train(Round {
            index,
            sparsity,
            masks: &masks,
            rewind: &mut point,
        })?;
        out.push(RoundResult {
            sparsity,
            masks: masks.clone(),
            outcome,
        });
    }
    Ok(out)
}
