//! A synchronous vector environment with auto-reset and per-episode statistics: Gymnasium's
//! `SyncVectorEnv` over `RecordEpisodeStatistics`-wrapped environments, as CleanRL's `ppo.py`
//! builds it (`make_env`: `gym.make(env_id)` then `gym.wrappers.RecordEpisodeStatistics`).
//!
//! # Auto-reset mode
//! Gymnasium's vector environments have two auto-reset modes:
//! - [`AutoresetMode::SameStep`]: when sub-environment `i` terminates or truncates, it is reset
//!   inside the same `step`; the returned observation is the new episode's first one and the
//!   last observation of the old episode goes to `infos["final_obs"]` (Gymnasium 0.26–0.29:
//!   `final_observation`; gym ≤ 0.25: `terminal_observation`). This is how `SyncVectorEnv`
//!   behaved in gym 0.21 (CleanRL's poetry.lock at vwxyzjn/cleanrl@b63315b9, the commit whose
//!   documentation prints the claimed numbers), in Gymnasium 0.28/0.29 (the versions CleanRL's
//!   `ppo.py` with its `"final_info" in infos` loop was written for), and it is
//!   `AutoresetMode.SAME_STEP` of Gymnasium ≥ 1.0 (`gymnasium/vector/sync_vector_env.py`,
//!   `SyncVectorEnv.step`, line 275 in 1.4.0). CleanRL's benchmark numbers were produced
//!   with it: the default here.
//! - [`AutoresetMode::NextStep`]: Gymnasium ≥ 1.0's default. The step that ends an episode
//!   returns its last observation; the *next* call ignores the action of that sub-environment,
//!   resets it and returns the reset observation with reward 0 and both flags false.
//!   `ppo.py` run unchanged on Gymnasium 1.x would store those reset transitions as training
//!   data; it is implemented for comparison only.
//!
//! Seeding: [`SyncVectorEnv::reset`]`(seed)` draws one sub-seed per environment from
//! [`crate::rng::stream`]`(seed, "vector-env-seeds")` (Gymnasium seeds sub-environment `i`
//! with `seed + i`, which would make run `s`'s environment 1 equal run `s+1`'s environment 0);
//! later auto-resets continue each environment's own generator, as in Gymnasium.

use super::{make, Env, EnvSpec};
use crate::rng;
use crate::{KitError, Result};
use rand::RngExt as _;

/// When a finished sub-environment is reset (see the module documentation).
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default, serde::Deserialize, serde::Serialize)]
#[serde(rename_all = "snake_case")]
pub enum AutoresetMode {
    /// Reset within the step that ends the episode (gym 0.21, Gymnasium 0.26–0.29,
    /// `AutoresetMode.SAME_STEP`); CleanRL's benchmark setting.
    #[default]
    SameStep,
    /// Reset on the following step (Gymnasium ≥ 1.0's default, `AutoresetMode.NEXT_STEP`).
    NextStep,
}

/// One finished episode, as `RecordEpisodeStatistics` reports it in `info["episode"]`.
#[derive(Debug, Clone, PartialEq)]
pub struct EpisodeEnd {
    /// Index of the sub-environment.
    pub env: usize,
    /// Sum of the episode's rewards (`info["episode"]["r"]`).
    pub episodic_return: f64,
    /// Number of steps of the episode (`info["episode"]["l"]`).
    pub length: usize,
    /// The episode's last observation (`final_obs`); in [`AutoresetMode::NextStep`] it is also
    /// the observation returned by this step.
    pub final_observation: Vec<f32>,
    /// Whether it ended in a terminal state (otherwise the time limit truncated it).
    pub terminated: bool,
    /// Whether the time limit cut it (can be true together with `terminated`).
    pub truncated: bool,
}

/// The batched result of one [`SyncVectorEnv::step`].
#[derive(Debug, Clone, PartialEq)]
pub struct VecStep {
    /// Observations, row-major `[num_envs, obs_dim]` (after auto-reset in `SameStep` mode).
    pub observations: Vec<f32>,
    /// Rewards, `[num_envs]`.
    pub rewards: Vec<f64>,
    /// Terminated flags, `[num_envs]`.
    pub terminated: Vec<bool>,
    /// Truncated flags, `[num_envs]`.
    pub truncated: Vec<bool>,
    /// Episodes that ended in this step, in sub-environment order.
    pub episodes: Vec<EpisodeEnd>,
}

/// `num_envs` copies of one environment stepped in lock-step, with auto-reset.
pub struct SyncVectorEnv {
    envs: Vec<Box<dyn Env>>,
    mode: AutoresetMode,
    spec: EnvSpec,
    /// NextStep mode: sub-environments whose episode ended on the previous step.
    pending_reset: Vec<bool>,
    episode_return: Vec<f64>,
    episode_length: Vec<usize>,
    observations: Vec<f32>,
    started: bool,
}

impl SyncVectorEnv {
    /// `num_envs` environments made by [`make`]`(id)`.
    ///
    /// # Errors
    /// [`KitError::Invalid`] for an unknown id or `num_envs == 0`.
    pub fn new(id: &str, num_envs: usize, mode: AutoresetMode) -> Result<Self> {
        if num_envs == 0 {
            return Err(KitError::Invalid("num_envs must be at least 1".into()));
        }
        let envs = (0..num_envs)
            .map(|_| make(id))
            .collect::<Result<Vec<_>>>()?;
        Self::from_envs(envs, mode)
    }

    /// A vector environment over the given environments, which must share one spec.
    ///
    /// # Errors
    /// [`KitError::Invalid`] if `envs` is empty or the specs differ.
    pub fn from_envs(envs: Vec<Box<dyn Env>>, mode: AutoresetMode) -> Result<Self> {
        let spec = envs
            .first()
            .ok_or_else(|| KitError::Invalid("a vector environment needs an environment".into()))?
            .spec()
            .clone();
        if envs.iter().any(|e| *e.spec() != spec) {
            return Err(KitError::Invalid(
                "all sub-environments of a vector environment must have the same spec".into(),
            ));
        }
        let n = envs.len();
        Ok(Self {
            envs,
            mode,
            spec,
            pending_reset: vec![false; n],
            episode_return: vec![0.0; n],
            episode_length: vec![0; n],
            observations: Vec::new(),
            started: false,
        })
    }

    /// Number of sub-environments.
    pub fn num_envs(&self) -> usize {
        self.envs.len()
    }

    /// The sub-environments' spec (`single_observation_space`, `single_action_space`).
    pub fn spec(&self) -> &EnvSpec {
        &self.spec
    }

    /// The auto-reset mode.
    pub fn mode(&self) -> AutoresetMode {
        self.mode
    }

    /// Resets every sub-environment, seeding each from `seed` (module docs), and returns the
    /// observations `[num_envs, obs_dim]` row-major.
    pub fn reset(&mut self, seed: u64) -> Result<Vec<f32>> {
        let mut seeds = rng::stream(seed, "vector-env-seeds");
        let mut obs = Vec::with_capacity(self.num_envs() * self.spec.observation_space.dim());
        for env in &mut self.envs {
            obs.extend(env.reset(Some(seeds.random::<u64>()))?);
        }
        self.pending_reset.fill(false);
        self.episode_return.fill(0.0);
        self.episode_length.fill(0);
        self.observations = obs.clone();
        self.started = true;
        Ok(obs)
    }

    /// Steps every sub-environment with its action (`actions[i]` in `0..action_count`), with
    /// auto-reset per [`AutoresetMode`] and episode statistics.
    ///
    /// # Errors
    /// [`KitError::Invalid`] before [`SyncVectorEnv::reset`], for `actions.len() != num_envs`,
    /// or for an action out of range.
    pub fn step(&mut self, actions: &[usize]) -> Result<VecStep> {
        let n = self.num_envs();
        if !self.started {
            return Err(KitError::Invalid("SyncVectorEnv::step before reset".into()));
        }
        if actions.len() != n {
            return Err(KitError::Invalid(format!(
                "{} actions for {n} environments",
                actions.len()
            )));
        }
        if let Some(a) = actions.iter().find(|a| **a >= self.spec.action_count) {
            return Err(KitError::Invalid(format!(
                "{}: action {a} out of range 0..{}",
                self.spec.id, self.spec.action_count
            )));
        }
        let dim = self.spec.observation_space.dim();
        let mut out = VecStep {
            observations: Vec::with_capacity(n * dim),
            rewards: vec![0.0; n],
            terminated: vec![false; n],
            truncated: vec![false; n],
            episodes: Vec::new(),
        };
        for (i, env) in self.envs.iter_mut().enumerate() {
            if self.mode == AutoresetMode::NextStep && self.pending_reset[i] {
                out.observations.extend(env.reset(None)?);
                self.pending_reset[i] = false;
                continue;
            }
            let s = env.step(actions[i])?;
            self.episode_return[i] += s.reward;
            self.episode_length[i] += 1;
            out.rewards[i] = s.reward;
            out.terminated[i] = s.terminated;
            out.truncated[i] = s.truncated;
            if s.terminated || s.truncated {
                out.episodes.push(EpisodeEnd {
                    env: i,
                    episodic_return: self.episode_return[i],
                    length: self.episode_length[i],
                    final_observation: s.observation.clone(),
                    terminated: s.terminated,
                    truncated: s.truncated,
                });
                self.episode_return[i] = 0.0;
                self.episode_length[i] = 0;
                match self.mode {
                    AutoresetMode::SameStep => out.observations.extend(env.reset(None)?),
                    AutoresetMode::NextStep => {
                        self.pending_reset[i] = true;
                        out.observations.extend(s.observation);
                    }
                }
            } else {
                out.observations.extend(s.observation);
            }
        }
        self.observations.clone_from(&out.observations);
        Ok(out)
    }

    /// The observations last returned by [`SyncVectorEnv::reset`] or [`SyncVectorEnv::step`].
    pub fn observations(&self) -> &[f32] {
        &self.observations
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    /// Runs CartPole always pushing right (episodes end within ~10 steps) and returns the steps.
    fn run(mode: AutoresetMode, steps: usize) -> Vec<VecStep> {
        let mut v = SyncVectorEnv::new("CartPole-v1", 3, mode).unwrap();
        v.reset(9).unwrap();
        (0..steps).map(|_| v.step(&[1, 1, 1]).unwrap()).collect()
    }

    #[test]
    fn same_step_resets_in_the_step_that_ends_the_episode() {
        let steps = run(AutoresetMode::SameStep, 40);
        let mut ended = 0;
        for s in &steps {
            for e in &s.episodes {
                ended += 1;
                let i = e.env;
                assert!(s.terminated[i]);
                assert_eq!(
                    e.episodic_return, e.length as f64,
                    "CartPole pays 1 per step"
                );
                // The returned observation is a fresh initial state, not the final one.
                let o = &s.observations[i * 4..i * 4 + 4];
                assert!(o.iter().all(|x| x.abs() <= 0.05), "{o:?}");
                assert_ne!(o, &e.final_observation[..]);
            }
            assert!(
                s.rewards.iter().all(|r| *r == 1.0),
                "no zero-reward reset steps"
            );
        }
        assert!(ended >= 6, "{ended}");
    }

    #[test]
    fn next_step_resets_on_the_following_step_with_zero_reward() {
        let steps = run(AutoresetMode::NextStep, 40);
        let mut checked = 0;
        for t in 0..steps.len() - 1 {
            for e in &steps[t].episodes {
                let i = e.env;
                assert_eq!(
                    &steps[t].observations[i * 4..i * 4 + 4],
                    &e.final_observation[..]
                );
                let next = &steps[t + 1];
                assert_eq!(next.rewards[i], 0.0);
                assert!(!next.terminated[i] && !next.truncated[i]);
                assert!(next.observations[i * 4..i * 4 + 4]
                    .iter()
                    .all(|x| x.abs() <= 0.05));
                checked += 1;
            }
        }
        assert!(checked >= 4, "{checked}");
    }

    #[test]
    fn the_two_modes_see_the_same_episodes() {
        // Same seeds, same actions: the episodes' lengths agree in both modes (NextStep only
        // spends one extra call per reset).
        let a: Vec<usize> = run(AutoresetMode::SameStep, 30)
            .iter()
            .flat_map(|s| s.episodes.iter().filter(|e| e.env == 0).map(|e| e.length))
            .collect();
        let b: Vec<usize> = run(AutoresetMode::NextStep, 40)
            .iter()
            .flat_map(|s| s.episodes.iter().filter(|e| e.env == 0).map(|e| e.length))
            .collect();
        assert!(a.len() >= 2);
        assert_eq!(a[..2], b[..2]);
    }

    #[test]
    fn truncation_is_reported_with_the_episode() {
        let mut v = SyncVectorEnv::new("MountainCar-v0", 2, AutoresetMode::SameStep).unwrap();
        v.reset(0).unwrap();
        let mut ends = Vec::new();
        for t in 1..=400 {
            let s = v.step(&[1, 1]).unwrap();
            for e in s.episodes {
                ends.push((t, e.truncated, e.terminated, e.episodic_return));
            }
        }
        assert_eq!(ends.len(), 4);
        for (k, (t, trunc, term, ret)) in ends.iter().enumerate() {
            assert_eq!(*t, 200 * (k / 2 + 1));
            assert!(*trunc && !*term);
            assert_eq!(*ret, -200.0);
        }
    }

    #[test]
    fn bad_calls_are_errors() {
        let mut v = SyncVectorEnv::new("Acrobot-v1", 2, AutoresetMode::SameStep).unwrap();
        assert!(v.step(&[0, 0]).is_err());
        v.reset(1).unwrap();
        assert!(v.step(&[0]).is_err());
        assert!(v.step(&[0, 3]).is_err());
        assert!(SyncVectorEnv::new("Acrobot-v1", 0, AutoresetMode::SameStep).is_err());
    }

    #[test]
    fn sub_environments_get_different_initial_states() {
        let mut v = SyncVectorEnv::new("CartPole-v1", 4, AutoresetMode::SameStep).unwrap();
        let o = v.reset(3).unwrap();
        assert_ne!(o[0..4], o[4..8]);
        let mut w = SyncVectorEnv::new("CartPole-v1", 4, AutoresetMode::SameStep).unwrap();
        assert_eq!(w.reset(3).unwrap(), o);
    }
}
