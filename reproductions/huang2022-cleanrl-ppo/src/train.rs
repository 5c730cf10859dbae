//! The training loop of CleanRL's `ppo.py` (vwxyzjn/cleanrl@b63315b9, `__main__`): per
//! iteration, anneal the learning rate, collect a rollout, compute GAE, then `update_epochs`
//! passes over the batch in `num_minibatches` shuffled minibatches with gradient clipping.

use crate::agent::Agent;
use crate::gae::gae;
use crate::objective::{ppo_loss, LossConfig, Minibatch};
use crate::rollout::{act, collect, LoggedEpisode, Rollout, RolloutState};
use crate::Hyperparameters;
use candle_core::{Device, Tensor};
use repro_kit::env::make;
use repro_kit::env::vector::SyncVectorEnv;
use repro_kit::fit::{Divergence, Unit};
use repro_kit::nn::Parameters;
use repro_kit::optim::schedule::LinearAnneal;
use repro_kit::optim::{clip_grad_norm, Adam, AdamParams, Schedule};
use repro_kit::rng::{self, Rng};
use repro_kit::{DivergenceReason, KitError, Progress, Result, RunOutput, Validate};
use std::time::Instant;

/// Metrics a run returns (returns are sums of rewards per episode):
/// - `episodic_return`: mean of the last `return_window` (100) training episodes that
///   `ppo.py` logs as `charts/episodic_return` (at vwxyzjn/cleanrl@b63315b9: one per vector
///   step, the lowest-index environment finishing) — the claims' statistic;
/// - `episodic_return_all_envs`: the same over every finished training episode;
/// - `eval_return`: mean return of `eval_episodes` fresh episodes of the final policy
///   (actions sampled, environment seeds from the `"eval"` stream);
/// - `episodes`: number of training episodes finished.
pub const METRICS: &[&str] = &[
    "episodic_return",
    "episodic_return_all_envs",
    "eval_return",
    "episodes",
];

/// The batch tensors of one rollout: `b_obs`, `b_actions`, … (`ppo.py` lines 245–251).
pub struct Batch {
    /// [batch, obs_dim]
    pub obs: Tensor,
    /// [batch] u32
    pub actions: Tensor,
    /// [batch]
    pub logprobs: Tensor,
    /// [batch]
    pub advantages: Tensor,
    /// [batch]
    pub returns: Tensor,
    /// [batch]
    pub values: Tensor,
}

impl Batch {
    /// Flattens `rollout` with its `advantages` and `returns` into tensors.
    pub fn new(
        rollout: &Rollout,
        advantages: &[f32],
        returns: &[f32],
        obs_dim: usize,
        device: &Device,
    ) -> Result<Self> {
        let b = rollout.actions.len();
        Ok(Self {
            obs: Tensor::from_slice(&rollout.obs, (b, obs_dim), device)?,
            actions: Tensor::from_slice(&rollout.actions, b, device)?,
            logprobs: Tensor::from_slice(&rollout.logprobs, b, device)?,
            advantages: Tensor::from_slice(advantages, b, device)?,
            returns: Tensor::from_slice(returns, b, device)?,
            values: Tensor::from_slice(&rollout.values, b, device)?,
        })
    }

    /// The rows `idx` (`b_obs[mb_inds]`, …).
    pub fn select(&self, idx: &[u32]) -> Result<Minibatch> {
        let i = Tensor::from_slice(idx, idx.len(), self.obs.device())?;
        Ok(Minibatch {
            obs: self.obs.index_select(&i, 0)?,
            actions: self.actions.index_select(&i, 0)?,
            logprobs: self.logprobs.index_select(&i, 0)?,
            advantages: self.advantages.index_select(&i, 0)?,
            returns: self.returns.index_select(&i, 0)?,
            values: self.values.index_select(&i, 0)?,
        })
    }
}

/// What one update (all epochs and minibatches of one iteration) reports.
#[derive(Debug, Clone, Copy, Default)]
pub struct UpdateStats {
    /// Last minibatch's policy loss.
    pub policy_loss: f64,
    /// Last minibatch's value loss.
    pub value_loss: f64,
    /// Last minibatch's mean entropy.
    pub entropy: f64,
    /// Last minibatch's approximate KL.
    pub approx_kl: f64,
    /// Mean clip fraction over the minibatches.
    pub clipfrac: f64,
    /// Number of optimizer steps taken.
    pub optimizer_steps: usize,
    /// `Some((reason, value))` if a loss or the gradient norm was non-finite at the minibatch
    /// after `optimizer_steps` steps (no step was taken with it; training must stop).
    pub non_finite: Option<(DivergenceReason, f64)>,
}

/// The optimisation phase of one iteration (`ppo.py` lines 253–306): `update_epochs` epochs,
/// each a fresh permutation of the batch (from `rng`) cut into `num_minibatches` minibatches;
/// per minibatch: loss, backward, `clip_grad_norm_(max_grad_norm)`, Adam step; an epoch loop
/// stops early when `target_kl` is set and exceeded.
pub fn update(
    agent: &Agent,
    opt: &mut Adam,
    batch: &Batch,
    h: &Hyperparameters,
    rng: &mut Rng,
) -> Result<UpdateStats> {
    let batch_size = h.batch_size();
    let mb_size = h.minibatch_size();
    let cfg = LossConfig {
        norm_adv: h.norm_adv,
        clip_coef: h.clip_coef,
        clip_vloss: h.clip_vloss,
        ent_coef: h.ent_coef,
        vf_coef: h.vf_coef,
    };
    let vars = agent.vars();
    let mut stats = UpdateStats::default();
    let mut clipfracs = Vec::new();
    for _epoch in 0..h.update_epochs {
        let perm: Vec<u32> = rng::permutation(rng, batch_size)
            .into_iter()
            .map(|i| i as u32)
            .collect();
        let mut approx_kl = 0.0;
        for start in (0..batch_size).step_by(mb_size) {
            let end = (start + mb_size).min(batch_size);
            let mb = batch.select(&perm[start..end])?;
            let loss = ppo_loss(agent, &mb, &cfg)?;
            let total = f64::from(loss.total.to_scalar::<f32>()?);
            if !total.is_finite() {
                stats.non_finite = Some((DivergenceReason::NonFiniteLoss, total));
                return Ok(stats);
            }
            let mut grads = loss.total.backward()?;
            let norm = clip_grad_norm(&mut grads, &vars, h.max_grad_norm)?;
            if !norm.is_finite() {
                stats.non_finite = Some((DivergenceReason::NonFiniteGradient, norm));
                return Ok(stats);
            }
            opt.step(&grads)?;
            stats.optimizer_steps += 1;
            clipfracs.push(loss.clipfrac);
            approx_kl = loss.approx_kl;
            stats.policy_loss = loss.policy;
            stats.value_loss = loss.value;
            stats.entropy = loss.entropy;
            stats.approx_kl = loss.approx_kl;
        }
        if let Some(kl) = h.target_kl {
            if approx_kl > kl {
                break;
            }
        }
    }
    stats.clipfrac = clipfracs.iter().sum::<f64>() / clipfracs.len().max(1) as f64;
    Ok(stats)
}

/// Mean of the last `window` values (all if fewer); NaN if there are none.
pub fn mean_of_last(values: &[f64], window: usize) -> f64 {
    let tail = &values[values.len().saturating_sub(window)..];
    if tail.is_empty() {
        f64::NAN
    } else {
        tail.iter().sum::<f64>() / tail.len() as f64
    }
}

/// Plays `episodes` episodes of `env_id` with `agent`'s stochastic policy (actions sampled
/// from `rng`), the environment seeded with `env_seed`; returns the episodes' returns and the
/// number of steps played.
pub fn evaluate(
    agent: &Agent,
    env_id: &str,
    episodes: usize,
    env_seed: u64,
    rng: &mut Rng,
    device: &Device,
) -> Result<(Vec<f64>, usize)> {
    let mut env = make(env_id)?;
    let mut steps = 0usize;
    let mut returns = Vec::with_capacity(episodes);
    let mut obs = env.reset(Some(env_seed))?;
    for _ in 0..episodes {
        let mut ret = 0.0;
        loop {
            let x = Tensor::from_slice(&obs, (1, obs.len()), device)?;
            let (a, _, _) = act(agent, &x, rng)?;
            let s = env.step(a[0])?;
            steps += 1;
            ret += s.reward;
            obs = s.observation;
            if s.terminated || s.truncated {
                break;
            }
        }
        returns.push(ret);
        obs = env.reset(None)?;
    }
    Ok((returns, steps))
}

/// A trained agent and what training recorded.
pub struct Trained {
    /// The final agent.
    pub agent: Agent,
    /// Every finished training episode, in order.
    pub episodes: Vec<LoggedEpisode>,
    /// (global step, mean return of the logged episodes that ended in the iteration), one point
    /// per iteration with at least one.
    pub return_curve: Vec<(f64, f64)>,
    /// (global step, last minibatch's mean policy entropy) per iteration.
    pub entropy_curve: Vec<(f64, f64)>,
    /// `Some` if training stopped at a non-finite loss or gradient, at the 0-based index of
    /// the optimizer step that would have used it.
    pub divergence: Option<Divergence>,
    /// Environment steps taken over all sub-environments.
    pub global_steps: u64,
    /// Iterations (`num_updates`) completed.
    pub iterations: usize,
    /// Optimizer steps taken.
    pub optimizer_steps: usize,
    /// Seconds spent collecting rollouts (policy forward + environment).
    pub rollout_seconds: f64,
    /// Seconds spent in GAE and the optimisation phase.
    pub update_seconds: f64,
}

/// Trains `ppo.py`'s agent on `envs` (reset here with `seed`) for `h.num_iterations()`
/// iterations; all randomness from `seed`'s streams `"init"`, `"actions"`, `"minibatches"`
/// and the environments' `"vector-env-seeds"`.
pub fn train(
    h: &Hyperparameters,
    mut envs: SyncVectorEnv,
    seed: u64,
    device: &Device,
    progress: &dyn Progress,
) -> Result<Trained> {
    h.validate()?;
    if envs.num_envs() != h.num_envs {
        return Err(KitError::Invalid(format!(
            "{} environments given, num_envs = {}",
            envs.num_envs(),
            h.num_envs
        )));
    }
    let spec = envs.spec().clone();
    let obs_dim = spec.observation_space.dim();
    let agent = Agent::new(
        &mut rng::stream(seed, "init"),
        obs_dim,
        h.hidden,
        spec.action_count,
        device,
    )?;
    // optim.Adam(agent.parameters(), lr=args.learning_rate, eps=1e-5)
    let mut opt = Adam::with_params(
        agent.vars(),
        AdamParams {
            lr: h.learning_rate,
            eps: h.adam_eps,
            ..AdamParams::default()
        },
    )?;
    let num_iterations = h.num_iterations();
    // frac = 1 - (update - 1) / num_updates; lrnow = frac * lr (ppo.py lines 188-191)
    let anneal = LinearAnneal::new(h.learning_rate, num_iterations as u64)?;
    let mut action_rng = rng::stream(seed, "actions");
    let mut minibatch_rng = rng::stream(seed, "minibatches");
    let mut state = RolloutState {
        next_obs: envs.reset(seed)?,
        next_done: vec![0.0; h.num_envs],
        global_step: 0,
    };
    let mut t = Trained {
        agent,
        episodes: Vec::new(),
        return_curve: Vec::new(),
        entropy_curve: Vec::new(),
        divergence: None,
        global_steps: 0,
        iterations: 0,
        optimizer_steps: 0,
        rollout_seconds: 0.0,
        update_seconds: 0.0,
    };
    progress.phase(&format!("training {}", spec.id));
    for iteration in 1..=num_iterations {
        if h.anneal_lr {
            anneal.apply(&mut opt, iteration as u64);
        }
        let t0 = Instant::now();
        let first_new = t.episodes.len();
        let rollout = collect(
            &t.agent,
            &mut envs,
            &mut state,
            h.num_steps,
            &mut action_rng,
            &mut t.episodes,
            device,
        )?;
        let next_obs = Tensor::from_slice(&state.next_obs, (h.num_envs, obs_dim), device)?;
        let next_value: Vec<f32> = t.agent.value(&next_obs)?.to_vec1()?;
        t.rollout_seconds += t0.elapsed().as_secs_f64();
        let t1 = Instant::now();
        let (adv, ret) = gae(
            &rollout.rewards,
            &rollout.values,
            &rollout.dones,
            &next_value,
            &state.next_done,
            h.num_envs,
            h.gamma as f32,
            h.gae_lambda as f32,
        )
        .map_err(KitError::Invalid)?;
        let batch = Batch::new(&rollout, &adv, &ret, obs_dim, device)?;
        let stats = update(&t.agent, &mut opt, &batch, h, &mut minibatch_rng)?;
        t.update_seconds += t1.elapsed().as_secs_f64();
        t.optimizer_steps += stats.optimizer_steps;
        t.global_steps = state.global_step;
        if let Some((reason, value)) = stats.non_finite {
            t.divergence = Some(Divergence {
                step: t.optimizer_steps as u64,
                unit: Unit::Step,
                reason,
                value,
            });
            break;
        }
        t.iterations = iteration;
        let new: Vec<f64> = t.episodes[first_new..]
            .iter()
            .filter(|e| e.logged_by_reference)
            .map(|e| e.episodic_return)
            .collect();
        if !new.is_empty() {
            t.return_curve.push((
                state.global_step as f64,
                new.iter().sum::<f64>() / new.len() as f64,
            ));
        }
        t.entropy_curve
            .push((state.global_step as f64, stats.entropy));
        progress.step(iteration as u64, num_iterations as u64);
    }
    Ok(t)
}

/// Trains `ppo.py`'s agent on `env_id` with seed `seed`, evaluates the final policy and
/// returns the run's metrics ([`METRICS`]), the `episodic_return` curve (vs global step; the
/// entropy curve stays in [`Trained`]) and throughput in `extra`.
pub fn run(
    h: &Hyperparameters,
    env_id: &str,
    seed: u64,
    device: &Device,
    progress: &dyn Progress,
) -> Result<RunOutput> {
    let t_run = Instant::now();
    let envs = SyncVectorEnv::new(env_id, h.num_envs, h.autoreset)?;
    let t = train(h, envs, seed, device, progress)?;
    let train_seconds = t_run.elapsed().as_secs_f64();
    let logged: Vec<f64> = t
        .episodes
        .iter()
        .filter(|e| e.logged_by_reference)
        .map(|e| e.episodic_return)
        .collect();
    let all: Vec<f64> = t.episodes.iter().map(|e| e.episodic_return).collect();
    let steps = t.global_steps as f64;
    let mut out = RunOutput::builder(METRICS)
        .parameter_count(t.agent.parameter_count())
        .add_train_seconds(train_seconds)
        .curve("episodic_return", t.return_curve.clone())
        .extra("env_id", serde_json::json!(env_id))
        .extra("global_steps", serde_json::json!(t.global_steps))
        .extra("iterations", serde_json::json!(t.iterations))
        .extra("optimizer_steps", serde_json::json!(t.optimizer_steps))
        .extra(
            "env_steps_per_second",
            serde_json::json!(steps / train_seconds.max(1e-9)),
        )
        // ppo.py@b63315b9 calls an iteration an "update" (`num_updates`): rollout + all epochs.
        .extra(
            "updates_per_second",
            serde_json::json!(t.iterations as f64 / train_seconds.max(1e-9)),
        )
        .extra(
            "optimizer_steps_per_second",
            serde_json::json!(t.optimizer_steps as f64 / t.update_seconds.max(1e-9)),
        )
        .extra("rollout_seconds", serde_json::json!(t.rollout_seconds))
        .extra("update_seconds", serde_json::json!(t.update_seconds))
        .extra(
            "episodes_logged_by_reference",
            serde_json::json!(logged.len()),
        )
        .extra("autoreset", serde_json::json!(h.autoreset));
    match t.divergence.clone() {
        Some(d) => out = out.diverged(d),
        None => {
            progress.phase("evaluating");
            let mut eval_seeds = rng::stream(seed, "eval");
            let env_seed = rand::RngExt::random::<u64>(&mut eval_seeds);
            let t0 = Instant::now();
            let (eval, eval_steps) = evaluate(
                &t.agent,
                env_id,
                h.eval_episodes,
                env_seed,
                &mut eval_seeds,
                device,
            )?;
            out = out
                .inference_seconds_per_example(
                    t0.elapsed().as_secs_f64() / eval_steps.max(1) as f64,
                )
                .metric("episodic_return", mean_of_last(&logged, h.return_window))
                .metric(
                    "episodic_return_all_envs",
                    mean_of_last(&all, h.return_window),
                )
                .metric(
                    "eval_return",
                    eval.iter().sum::<f64>() / eval.len().max(1) as f64,
                )
                .metric("episodes", all.len() as f64);
        }
    }
    out.build()
}
