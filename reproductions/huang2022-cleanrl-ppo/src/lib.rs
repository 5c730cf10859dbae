//! Reproduction of CleanRL's `ppo.py` (Huang, Dossa, Ye, Braga, Chakraborty, Mehta & Araújo
//! 2022, "CleanRL: High-quality Single-file Implementations of Deep Reinforcement Learning
//! Algorithms", JMLR 23(274)) on the classic-control tasks CartPole-v1, Acrobot-v1 and
//! MountainCar-v0, against the documentation's table of average episodic returns
//! (`docs/rl-algorithms/ppo.md` at vwxyzjn/cleanrl@b63315b9, PR #120).
//!
//! Protocol: `ppo.py` at vwxyzjn/cleanrl@b63315b9 with the benchmark's command line
//! (`benchmark/ppo/cleanrl/classic_control.sh`: `--total-timesteps 500000`, seeds 1–3) —
//! 4 synchronous environments with same-step auto-reset (gym 0.21's `SyncVectorEnv`,
//! [`repro_kit::env::vector`]), 128 steps per rollout, GAE (γ 0.99, λ 0.95), 4 epochs of 4
//! shuffled minibatches, normalised advantages, clipped surrogate (ε 0.2) and clipped value
//! loss, entropy 0.01, value 0.5, global gradient clipping 0.5, Adam (lr 2.5e-4, ε 1e-5)
//! annealed linearly; separate actor and critic MLPs 64-64 tanh with orthogonal init.
//! The environments are the kit's Rust versions of Gymnasium's ([`repro_kit::env`]), whose
//! dynamics equal gym 0.21's.
//!
//! Modules: [`agent`] (networks, action sampling), [`rollout`], [`gae`], [`objective`] (the
//! loss), [`train`] (the loop, evaluation, metrics), [`bandit`] (the overfit check).

pub mod agent;
pub mod bandit;
pub mod gae;
pub mod objective;
pub mod rollout;
pub mod train;

use repro_kit::env::vector::AutoresetMode;
use repro_kit::{KitError, Paper, Result, RunContext, RunOutput, Validate};
use serde::Deserialize;

/// Typed hyperparameters of a variant (`[variants.<name>]` of
/// `configs/papers/huang2022-cleanrl-ppo.toml`), named as `ppo.py`'s arguments. Unknown keys
/// are rejected.
#[derive(Debug, Clone, Deserialize, PartialEq)]
#[serde(deny_unknown_fields)]
pub struct Hyperparameters {
    /// `--num-envs`: parallel environments (4).
    pub num_envs: usize,
    /// `--num-steps`: steps per environment per rollout (128).
    pub num_steps: usize,
    /// `--total-timesteps`: environment steps over all environments (500,000 in the benchmark).
    pub total_timesteps: usize,
    /// `--learning-rate` of Adam (2.5e-4).
    pub learning_rate: f64,
    /// Adam ε (`optim.Adam(..., eps=1e-5)`).
    pub adam_eps: f64,
    /// `--anneal-lr`: linear decay of the learning rate over the iterations (true).
    pub anneal_lr: bool,
    /// `--gamma` (0.99).
    pub gamma: f64,
    /// `--gae-lambda` (0.95).
    pub gae_lambda: f64,
    /// `--num-minibatches` (4).
    pub num_minibatches: usize,
    /// `--update-epochs` (4).
    pub update_epochs: usize,
    /// `--norm-adv` (true).
    pub norm_adv: bool,
    /// `--clip-coef` (0.2).
    pub clip_coef: f64,
    /// `--clip-vloss` (true).
    pub clip_vloss: bool,
    /// `--ent-coef` (0.01).
    pub ent_coef: f64,
    /// `--vf-coef` (0.5).
    pub vf_coef: f64,
    /// `--max-grad-norm` (0.5).
    pub max_grad_norm: f64,
    /// `--target-kl` (None: no early stopping).
    #[serde(default)]
    pub target_kl: Option<f64>,
    /// Units per hidden layer of actor and critic (64).
    pub hidden: usize,
    /// Vector-environment auto-reset (`"same_step"`: gym 0.21, the benchmark's).
    #[serde(default)]
    pub autoreset: AutoresetMode,
    /// Training episodes averaged into `episodic_return` (the last 100).
    pub return_window: usize,
    /// Episodes of the final policy played for `eval_return`.
    pub eval_episodes: usize,
}

impl Hyperparameters {
    /// `ppo.py`'s defaults with the benchmark's `--total-timesteps 500000`, the kit's
    /// same-step auto-reset, a 100-episode return window and 10 evaluation episodes (the values
    /// pinned in the config; for tests, benches and examples).
    pub fn cleanrl_defaults() -> Self {
        Self {
            num_envs: 4,
            num_steps: 128,
            total_timesteps: 500_000,
            learning_rate: 2.5e-4,
            adam_eps: 1e-5,
            anneal_lr: true,
            gamma: 0.99,
            gae_lambda: 0.95,
            num_minibatches: 4,
            update_epochs: 4,
            norm_adv: true,
            clip_coef: 0.2,
            clip_vloss: true,
            ent_coef: 0.01,
            vf_coef: 0.5,
            max_grad_norm: 0.5,
            target_kl: None,
            hidden: 64,
            autoreset: AutoresetMode::SameStep,
            return_window: 100,
            eval_episodes: 10,
        }
    }

    /// `num_envs · num_steps` (512).
    pub fn batch_size(&self) -> usize {
        self.num_envs * self.num_steps
    }

    /// `batch_size / num_minibatches` (128).
    pub fn minibatch_size(&self) -> usize {
        self.batch_size() / self.num_minibatches.max(1)
    }

    /// `total_timesteps / batch_size` (976 for 500,000).
    pub fn num_iterations(&self) -> usize {
        self.total_timesteps / self.batch_size().max(1)
    }
}

impl Validate for Hyperparameters {
    /// Range checks; the error names the field and what is allowed.
    fn validate(&self) -> Result<()> {
        let bad = |m: String| Err(KitError::Invalid(m));
        for (name, v) in [
            ("num_envs", self.num_envs),
            ("num_steps", self.num_steps),
            ("num_minibatches", self.num_minibatches),
            ("update_epochs", self.update_epochs),
            ("hidden", self.hidden),
            ("return_window", self.return_window),
            ("eval_episodes", self.eval_episodes),
        ] {
            if v == 0 {
                return bad(format!("{name} must be at least 1"));
            }
        }
        if self.num_envs > 1024
            || self.num_steps > 1_000_000
            || self.hidden > 4096
            || self.eval_episodes > 100_000
        {
            return bad(
                "num_envs <= 1024, num_steps <= 1e6, hidden <= 4096, eval_episodes <= 1e5".into(),
            );
        }
        if self.minibatch_size() < 2 || !self.batch_size().is_multiple_of(self.num_minibatches) {
            return bad(format!(
                "num_minibatches ({}) must divide num_envs·num_steps ({}) into minibatches of at least 2",
                self.num_minibatches,
                self.batch_size()
            ));
        }
        if self.num_iterations() == 0 || self.total_timesteps > 1_000_000_000 {
            return bad(format!(
                "total_timesteps must be in [num_envs·num_steps = {}, 1e9], got {}",
                self.batch_size(),
                self.total_timesteps
            ));
        }
        let positive = [
            ("learning_rate", self.learning_rate),
            ("adam_eps", self.adam_eps),
            ("clip_coef", self.clip_coef),
            ("max_grad_norm", self.max_grad_norm),
        ];
        for (name, v) in positive {
            if !(v > 0.0 && v.is_finite()) {
                return bad(format!("{name} must be > 0 and finite, got {v}"));
            }
        }
        for (name, v) in [("gamma", self.gamma), ("gae_lambda", self.gae_lambda)] {
            if !(0.0..=1.0).contains(&v) {
                return bad(format!("{name} must be in [0, 1], got {v}"));
            }
        }
        for (name, v) in [("ent_coef", self.ent_coef), ("vf_coef", self.vf_coef)] {
            if !(v >= 0.0 && v.is_finite()) {
                return bad(format!("{name} must be >= 0 and finite, got {v}"));
            }
        }
        if let Some(kl) = self.target_kl {
            if !(kl > 0.0 && kl.is_finite()) {
                return bad(format!("target_kl must be > 0 when set, got {kl}"));
            }
        }
        Ok(())
    }
}

/// The registry entry of this paper.
pub struct Huang2022;

/// The Gymnasium environment id of a run's dataset: the `environment` of a dataset declared
/// with `kind = "environment"` in `configs/datasets.toml`.
///
/// # Errors
/// [`KitError::Data`] if the dataset is not an environment, or not one [`repro_kit::env::make`]
/// knows.
pub fn environment_id(dataset: &repro_kit::ResolvedDataset) -> Result<String> {
    let err = |message: String| KitError::Data {
        path: dataset.name.clone().into(),
        message,
    };
    let id = dataset.environment.as_deref().ok_or_else(|| {
        err(format!(
            "dataset `{}` is not an environment (declare it with kind = \"environment\")",
            dataset.name
        ))
    })?;
    if !repro_kit::env::ENV_IDS.contains(&id) {
        return Err(err(format!(
            "unknown environment `{id}` (known: {})",
            repro_kit::env::ENV_IDS.join(", ")
        )));
    }
    Ok(id.to_string())
}

impl Paper for Huang2022 {
    const ID: &'static str = "huang2022-cleanrl-ppo";
    const METRICS: &'static [&'static str] = train::METRICS;
    type Hyperparameters = Hyperparameters;

    fn run(&self, h: &Hyperparameters, ctx: &RunContext) -> Result<RunOutput> {
        let env_id = environment_id(ctx.dataset)?;
        train::run(h, &env_id, ctx.seed, ctx.device, ctx.progress)
    }

    /// `harness check`'s smoke budget: `steps` PPO iterations (rollout + update; at least one)
    /// of the variant's settings, and at most 2 evaluation episodes.
    fn smoke_hyperparameters(&self, h: &Hyperparameters, steps: u64) -> Option<Hyperparameters> {
        let mut short = h.clone();
        let iteration = h.num_envs * h.num_steps;
        short.total_timesteps = h.total_timesteps.min(iteration * steps.max(1) as usize);
        short.eval_episodes = h.eval_episodes.min(2);
        Some(short)
    }

    /// The RL form of "overfit a tiny batch": PPO must solve a one-step bandit
    /// ([`bandit::overfit`]).
    fn overfit(
        &self,
        h: &Hyperparameters,
        _ctx: &RunContext,
    ) -> Result<Option<repro_kit::reproduction::Overfit>> {
        bandit::overfit(h).map(Some)
    }
}

repro_kit::reproduction!(Huang2022);
