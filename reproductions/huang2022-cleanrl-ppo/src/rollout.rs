//! Rollout collection (`ppo.py` lines 193–216 at vwxyzjn/cleanrl@b63315b9): `num_steps`
//! lock-step steps of the vector environment under the current policy, storing
//! observations, actions, log-probabilities, rewards, episode-start flags and values.

use crate::agent::{sample_action, Agent};
use candle_core::{Device, Tensor};
use rand::RngExt as _;
use repro_kit::env::vector::SyncVectorEnv;
use repro_kit::rng::Rng;
use repro_kit::{KitError, Result};

/// One finished training episode as CleanRL logs it (`charts/episodic_return` at
/// `global_step`).
#[derive(Debug, Clone, Copy, PartialEq)]
pub struct LoggedEpisode {
    /// `global_step` when the episode ended (counted before the step, `+= num_envs`).
    pub global_step: u64,
    /// Sum of the episode's rewards.
    pub episodic_return: f64,
    /// Episode length in steps.
    pub length: usize,
    /// Whether `ppo.py` at vwxyzjn/cleanrl@b63315b9 logged it: its loop over `info` `break`s
    /// after the first sub-environment with an `"episode"` entry, so of several episodes ending
    /// in the same vector step only the lowest-index environment's one is logged.
    pub logged_by_reference: bool,
}

/// Where the rollout continues from: `next_obs` [num_envs · obs_dim] and `next_done`
/// [num_envs] (1.0 where the previous step ended an episode).
pub struct RolloutState {
    /// Observations to act on.
    pub next_obs: Vec<f32>,
    /// Episode-start flags of `next_obs`.
    pub next_done: Vec<f32>,
    /// Environment steps so far, over all sub-environments.
    pub global_step: u64,
}

/// The stored rollout, time-major `[num_steps, num_envs, …]` flattened row-major.
#[derive(Debug, Clone, Default)]
pub struct Rollout {
    /// Observations [num_steps · num_envs · obs_dim].
    pub obs: Vec<f32>,
    /// Actions [num_steps · num_envs].
    pub actions: Vec<u32>,
    /// Log-probabilities of the actions [num_steps · num_envs].
    pub logprobs: Vec<f32>,
    /// Rewards [num_steps · num_envs].
    pub rewards: Vec<f32>,
    /// `dones[t]`: observation `t` starts a new episode [num_steps · num_envs].
    pub dones: Vec<f32>,
    /// Critic values of the observations [num_steps · num_envs].
    pub values: Vec<f32>,
}

/// Runs `num_steps` steps of `envs` from `state` under `agent`, drawing actions with `rng`;
/// appends finished episodes to `episodes`. Returns the rollout.
pub fn collect(
    agent: &Agent,
    envs: &mut SyncVectorEnv,
    state: &mut RolloutState,
    num_steps: usize,
    rng: &mut Rng,
    episodes: &mut Vec<LoggedEpisode>,
    device: &Device,
) -> Result<Rollout> {
    let n = envs.num_envs();
    let dim = agent.obs_dim();
    let mut r = Rollout {
        obs: Vec::with_capacity(num_steps * n * dim),
        actions: Vec::with_capacity(num_steps * n),
        logprobs: Vec::with_capacity(num_steps * n),
        rewards: Vec::with_capacity(num_steps * n),
        dones: Vec::with_capacity(num_steps * n),
        values: Vec::with_capacity(num_steps * n),
    };
    for _ in 0..num_steps {
        state.global_step += n as u64;
        r.obs.extend_from_slice(&state.next_obs);
        r.dones.extend_from_slice(&state.next_done);
        let x = Tensor::from_slice(&state.next_obs, (n, dim), device)?;
        let (actions, logprobs, values) = act(agent, &x, rng)?;
        r.values.extend_from_slice(&values);
        r.logprobs.extend_from_slice(&logprobs);
        r.actions.extend(actions.iter().map(|a| *a as u32));
        let step = envs.step(&actions)?;
        r.rewards.extend(step.rewards.iter().map(|x| *x as f32));
        for (i, e) in step.episodes.iter().enumerate() {
            episodes.push(LoggedEpisode {
                global_step: state.global_step,
                episodic_return: e.episodic_return,
                length: e.length,
                logged_by_reference: i == 0,
            });
        }
        state.next_done = step
            .terminated
            .iter()
            .zip(&step.truncated)
            .map(|(a, b)| if *a || *b { 1.0 } else { 0.0 })
            .collect();
        state.next_obs = step.observations;
    }
    Ok(r)
}

/// `agent.get_action_and_value(x)` without gradients: sampled actions, their log-probabilities
/// and the values of `x` [num_envs, obs_dim]; one uniform draw from `rng` per row.
pub fn act(agent: &Agent, x: &Tensor, rng: &mut Rng) -> Result<(Vec<usize>, Vec<f32>, Vec<f32>)> {
    let lp: Vec<Vec<f32>> = agent.log_probs(x)?.to_vec2()?;
    let values: Vec<f32> = agent.value(x)?.to_vec1()?;
    let mut actions = Vec::with_capacity(lp.len());
    let mut logprobs = Vec::with_capacity(lp.len());
    for row in &lp {
        if row.iter().any(|v| v.is_nan()) {
            return Err(KitError::Invalid(
                "policy produced NaN log-probabilities".into(),
            ));
        }
        let (a, l) = sample_action(row, rng.random::<f64>());
        actions.push(a);
        logprobs.push(l);
    }
    Ok((actions, logprobs, values))
}
