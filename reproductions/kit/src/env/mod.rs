//! Reinforcement-learning environments: the classic-control tasks of Gymnasium, written from
//! Gymnasium's source equations (`gymnasium/envs/classic_control/*.py`, Gymnasium 1.4.0; the
//! dynamics are unchanged since gym 0.21, the version CleanRL's 2022 PPO benchmark ran on), and
//! a synchronous vector environment with Gymnasium's auto-reset ([`vector`]).
//!
//! - [`Env`]: reset with a seed → observation; step(action) → observation, reward,
//!   terminated, truncated ([`Step`]), as Gymnasium's `Env.reset`/`Env.step` under
//!   `gymnasium.make` (which adds the `TimeLimit` wrapper: [`TimeLimit`]).
//! - [`cartpole::CartPole`] (`CartPole-v1`, Euler, 500 steps), [`acrobot::Acrobot`]
//!   (`Acrobot-v1`, RK4, book dynamics, 500 steps), [`mountain_car::MountainCar`]
//!   (`MountainCar-v0`, 200 steps), each a [`Dynamics`] wrapped in [`TimeLimit`]; [`make`]
//!   builds one by its Gymnasium id.
//!
//! Physics is f64, as in Gymnasium (NumPy float64 state); observations are f32, as Gymnasium
//! returns them (`np.array(state, dtype=np.float32)`). Randomness (initial states) comes only
//! from [`crate::rng::stream`]`(seed, "env-reset")`: the same seed gives the same episodes, but
//! not Gymnasium's episodes (its NumPy PCG64 stream is not reproduced). Validated against
//! Gymnasium 1.4.0 trajectories by `reproductions/kit/tests/gym_vectors.rs`.

pub mod acrobot;
pub mod cartpole;
pub mod mountain_car;
pub mod vector;

use crate::rng::{self, Rng};
use crate::{KitError, Result};

/// The ids [`make`] knows, as Gymnasium spells them.
pub const ENV_IDS: &[&str] = &["CartPole-v1", "Acrobot-v1", "MountainCar-v0"];

/// A box observation space: element-wise bounds (Gymnasium `spaces.Box(low, high, float32)`).
#[derive(Debug, Clone, PartialEq)]
pub struct BoxSpace {
    /// Lower bounds, one per observation element (may be `-inf`).
    pub low: Vec<f32>,
    /// Upper bounds, one per observation element (may be `inf`).
    pub high: Vec<f32>,
}

impl BoxSpace {
    /// Number of observation elements.
    pub fn dim(&self) -> usize {
        self.low.len()
    }

    /// Whether `x` has the right length and lies within the bounds (inclusive).
    pub fn contains(&self, x: &[f32]) -> bool {
        x.len() == self.dim()
            && x.iter()
                .zip(self.low.iter().zip(&self.high))
                .all(|(v, (lo, hi))| v >= lo && v <= hi)
    }
}

/// What an environment is: its Gymnasium id, spaces and time limit (Gymnasium's `EnvSpec` and
/// the env's `observation_space`/`action_space`).
#[derive(Debug, Clone, PartialEq)]
pub struct EnvSpec {
    /// Gymnasium id, e.g. `"CartPole-v1"`.
    pub id: &'static str,
    /// Observation space (`Box`, float32).
    pub observation_space: BoxSpace,
    /// Number of discrete actions (`spaces.Discrete(n)`): actions are `0..n`.
    pub action_count: usize,
    /// `max_episode_steps` of the registration: the `TimeLimit` truncates at this step.
    pub max_episode_steps: usize,
    /// Gymnasium's `reward_threshold` of the registration, if any (informational).
    pub reward_threshold: Option<f64>,
}

/// The result of one [`Env::step`].
#[derive(Debug, Clone, PartialEq)]
pub struct Step {
    /// Observation after the step (f32, Gymnasium's dtype), `[observation_space.dim()]`.
    pub observation: Vec<f32>,
    /// Reward of the step.
    pub reward: f64,
    /// The episode ended in a terminal state of the MDP (no bootstrapping past it).
    pub terminated: bool,
    /// The episode was cut by the time limit (the state is not terminal). Both flags can be
    /// true on the same step, as in Gymnasium.
    pub truncated: bool,
}

/// A reinforcement-learning environment with a discrete action space (Gymnasium's `Env` API
/// after `gymnasium.make`, i.e. with the time limit applied).
pub trait Env: Send {
    /// Id, spaces and time limit.
    fn spec(&self) -> &EnvSpec;

    /// Starts a new episode and returns its first observation. `Some(seed)` (re)seeds the
    /// environment's initial-state generator from [`crate::rng::stream`]`(seed, "env-reset")`;
    /// `None` continues the current generator (Gymnasium's `reset()` without a seed).
    ///
    /// # Errors
    /// [`KitError::Invalid`] for `None` before the environment was ever seeded (Gymnasium would
    /// draw OS entropy; a reproduction never does).
    fn reset(&mut self, seed: Option<u64>) -> Result<Vec<f32>>;

    /// Applies `action` (in `0..spec().action_count`) for one time step.
    ///
    /// # Errors
    /// [`KitError::Invalid`] for an action out of range, a step before the first reset, or a
    /// step after the episode ended (Gymnasium calls that undefined behaviour).
    fn step(&mut self, action: usize) -> Result<Step>;
}

/// The physics of one classic-control task, without time limit or episode bookkeeping.
pub trait Dynamics: Send {
    /// Id, spaces and time limit of the task.
    fn spec(&self) -> &EnvSpec;
    /// Draws an initial state from `rng` (the task's `reset`).
    fn reset_state(&mut self, rng: &mut Rng);
    /// Advances the state by one step under `action` (already range-checked) and returns
    /// `(reward, terminated)`.
    fn advance(&mut self, action: usize) -> (f64, bool);
    /// The observation of the current state (f32, as Gymnasium returns it).
    fn observation(&self) -> Vec<f32>;
}

/// Gymnasium's `TimeLimit` wrapper (`gymnasium/wrappers/common.py`, `TimeLimit.step`):
/// `truncated = elapsed_steps >= max_episode_steps` after each step, with the episode
/// bookkeeping and the seeded initial-state generator. What [`make`] returns.
pub struct TimeLimit<D: Dynamics> {
    inner: D,
    rng: Option<Rng>,
    elapsed_steps: usize,
    /// `None` before the first reset, `Some(true)` once the episode has ended.
    done: Option<bool>,
}

impl<D: Dynamics> TimeLimit<D> {
    /// Wraps `inner`; call [`Env::reset`] with a seed before stepping.
    pub fn new(inner: D) -> Self {
        Self {
            inner,
            rng: None,
            elapsed_steps: 0,
            done: None,
        }
    }

    /// The wrapped dynamics (to read or set the state, as `env.unwrapped.state` in Gymnasium).
    pub fn unwrapped(&self) -> &D {
        &self.inner
    }

    /// The wrapped dynamics, mutable (tests set the state after a reset, as
    /// `env.unwrapped.state = …` in Gymnasium; the step counter is not touched).
    pub fn unwrapped_mut(&mut self) -> &mut D {
        &mut self.inner
    }

    /// Steps taken in the current episode.
    pub fn elapsed_steps(&self) -> usize {
        self.elapsed_steps
    }
}

impl<D: Dynamics> Env for TimeLimit<D> {
    fn spec(&self) -> &EnvSpec {
        self.inner.spec()
    }

    fn reset(&mut self, seed: Option<u64>) -> Result<Vec<f32>> {
        if let Some(seed) = seed {
            self.rng = Some(rng::stream(seed, "env-reset"));
        }
        let rng = self.rng.as_mut().ok_or_else(|| {
            KitError::Invalid(format!(
                "{}: the first reset needs a seed (reset(Some(seed)))",
                self.inner.spec().id
            ))
        })?;
        self.inner.reset_state(rng);
        self.elapsed_steps = 0;
        self.done = Some(false);
        Ok(self.inner.observation())
    }

    fn step(&mut self, action: usize) -> Result<Step> {
        let spec = self.inner.spec();
        if action >= spec.action_count {
            return Err(KitError::Invalid(format!(
                "{}: action {action} out of range 0..{}",
                spec.id, spec.action_count
            )));
        }
        match self.done {
            None => {
                return Err(KitError::Invalid(format!(
                    "{}: step() before reset()",
                    spec.id
                )))
            }
            Some(true) => {
                return Err(KitError::Invalid(format!(
                    "{}: step() after the episode ended (terminated or truncated); call reset()",
                    spec.id
                )))
            }
            Some(false) => {}
        }
        let max = spec.max_episode_steps;
        let (reward, terminated) = self.inner.advance(action);
        self.elapsed_steps += 1;
        let truncated = self.elapsed_steps >= max;
        self.done = Some(terminated || truncated);
        Ok(Step {
            observation: self.inner.observation(),
            reward,
            terminated,
            truncated,
        })
    }
}

/// Builds the environment registered under the Gymnasium id `id` (one of [`ENV_IDS`]) with its
/// default parameters and time limit, as `gymnasium.make(id)`.
///
/// # Errors
/// [`KitError::Invalid`] naming the known ids if `id` is not one of them.
pub fn make(id: &str) -> Result<Box<dyn Env>> {
    match id {
        "CartPole-v1" => Ok(Box::new(TimeLimit::new(cartpole::CartPole::new()))),
        "Acrobot-v1" => Ok(Box::new(TimeLimit::new(acrobot::Acrobot::new()))),
        "MountainCar-v0" => Ok(Box::new(TimeLimit::new(mountain_car::MountainCar::new()))),
        _ => Err(KitError::Invalid(format!(
            "unknown environment `{id}` (known: {})",
            ENV_IDS.join(", ")
        ))),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn make_knows_the_three_tasks_and_rejects_others() {
        for id in ENV_IDS {
            assert_eq!(make(id).unwrap().spec().id, *id);
        }
        let err = make("Pendulum-v1").err().unwrap().to_string();
        assert!(err.contains("CartPole-v1"), "{err}");
    }

    #[test]
    fn misuse_is_an_error_not_a_panic() {
        let mut env = make("CartPole-v1").unwrap();
        assert!(env.step(0).is_err(), "step before reset");
        assert!(env.reset(None).is_err(), "unseeded reset");
        env.reset(Some(1)).unwrap();
        assert!(env.step(2).is_err(), "action out of range");
        loop {
            let s = env.step(1).unwrap();
            if s.terminated || s.truncated {
                break;
            }
        }
        assert!(env.step(1).is_err(), "step after the end");
        env.reset(None).unwrap();
        env.step(0).unwrap();
    }

    #[test]
    fn same_seed_same_initial_observations() {
        for id in ENV_IDS {
            let mut a = make(id).unwrap();
            let mut b = make(id).unwrap();
            assert_eq!(a.reset(Some(5)).unwrap(), b.reset(Some(5)).unwrap());
            assert_eq!(a.reset(None).unwrap(), b.reset(None).unwrap());
            assert_ne!(a.reset(Some(5)).unwrap(), a.reset(Some(6)).unwrap());
        }
    }

    #[test]
    fn initial_observations_lie_in_the_observation_space() {
        for id in ENV_IDS {
            let mut env = make(id).unwrap();
            let space = env.spec().observation_space.clone();
            env.reset(Some(0)).unwrap();
            for _ in 0..200 {
                let o = env.reset(None).unwrap();
                assert!(space.contains(&o), "{id}: {o:?}");
            }
        }
    }
}
