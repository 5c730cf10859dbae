//! The overfit check of an RL reproduction: a one-step two-armed bandit that PPO must solve.
//!
//! The supervised "overfit a tiny batch" check has no direct RL analogue; the closest is an
//! environment so small that any working policy-gradient loop must learn it exactly: one
//! observation (always `[1]`), two actions, action 1 pays 1 and action 0 pays 0, every episode
//! one step long. A correct PPO drives P(action 1) towards 1 within a few iterations; a broken
//! sign in the objective, advantage or gradient step drives it towards 0 or leaves it at ½.

use crate::train::train;
use crate::Hyperparameters;
use candle_core::{Device, Tensor};
use repro_kit::env::vector::{AutoresetMode, SyncVectorEnv};
use repro_kit::env::{BoxSpace, Dynamics, Env, EnvSpec, TimeLimit};
use repro_kit::reproduction::Overfit;
use repro_kit::rng::Rng;
use repro_kit::{NoProgress, Result};

/// A one-step bandit: action 1 pays 1, action 0 pays 0; the observation is always `[1]`.
pub struct Bandit {
    spec: EnvSpec,
}

impl Bandit {
    /// The bandit (observation space `[1, 1]`, 2 actions, episodes of 1 step).
    pub fn new() -> Self {
        Bandit {
            spec: EnvSpec {
                id: "Bandit",
                observation_space: BoxSpace {
                    low: vec![1.0],
                    high: vec![1.0],
                },
                action_count: 2,
                max_episode_steps: 1,
                reward_threshold: None,
            },
        }
    }
}

impl Default for Bandit {
    fn default() -> Self {
        Self::new()
    }
}

impl Dynamics for Bandit {
    fn spec(&self) -> &EnvSpec {
        &self.spec
    }
    fn reset_state(&mut self, _rng: &mut Rng) {}
    fn advance(&mut self, action: usize) -> (f64, bool) {
        (if action == 1 { 1.0 } else { 0.0 }, true)
    }
    fn observation(&self) -> Vec<f32> {
        vec![1.0]
    }
}

/// What [`solve_bandit`] measured: the final policy's P(action 1) and the mean return of the
/// last 40 logged episodes (each 0 or 1).
#[derive(Debug, Clone, Copy, PartialEq)]
pub struct BanditResult {
    /// P(action 1 | [1]) of the trained policy, a probability in [0, 1].
    pub p_best: f64,
    /// Mean episodic return of the last 40 training episodes, in [0, 1].
    pub last_returns: f64,
}

/// Trains PPO with `h` (its network, objective and optimizer) on 4 bandits for 10 iterations
/// of 32 steps at learning rate 0.01, seed 0. Errors: as [`train`].
pub fn solve_bandit(h: &Hyperparameters) -> Result<BanditResult> {
    let mut h = h.clone();
    h.num_envs = 4;
    h.num_steps = 32;
    h.total_timesteps = 4 * 32 * 10;
    h.learning_rate = 0.01;
    h.eval_episodes = h.eval_episodes.min(3);
    let envs: Vec<Box<dyn Env>> = (0..h.num_envs)
        .map(|_| Box::new(TimeLimit::new(Bandit::new())) as Box<dyn Env>)
        .collect();
    let envs = SyncVectorEnv::from_envs(envs, AutoresetMode::SameStep)?;
    let t = train(&h, envs, 0, &Device::Cpu, &NoProgress)?;
    let x = Tensor::new(&[[1.0f32]], &Device::Cpu)?;
    let p_best = f64::from(t.agent.log_probs(&x)?.to_vec2::<f32>()?[0][1].exp());
    let last: Vec<f64> = t
        .episodes
        .iter()
        .rev()
        .take(40)
        .map(|e| e.episodic_return)
        .collect();
    let last_returns = last.iter().sum::<f64>() / last.len().max(1) as f64;
    Ok(BanditResult {
        p_best,
        last_returns,
    })
}

/// `harness check`'s overfit check for PPO: [`solve_bandit`] must reach P(best arm) > 0.95 and
/// a mean return above 0.9 over the last 40 episodes. Errors: as [`train`].
pub fn overfit(h: &Hyperparameters) -> Result<Overfit> {
    let r = solve_bandit(h)?;
    Ok(Overfit {
        description: format!(
            "one-step bandit after 1,280 steps: P(best arm) = {:.3} (target > 0.95), mean return \
             of the last 40 episodes = {:.2} (target > 0.9)",
            r.p_best, r.last_returns
        ),
        passed: r.p_best > 0.95 && r.last_returns > 0.9,
    })
}
