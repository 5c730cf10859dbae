//! End-to-end tests of the PPO reproduction: it learns (a one-step bandit, and CartPole within
//! 20k steps), it is deterministic, and it rejects bad hyperparameters.

use candle_core::Device;
use huang2022_cleanrl_ppo::agent::Agent;
use huang2022_cleanrl_ppo::bandit::solve_bandit;
use huang2022_cleanrl_ppo::train::run;
use huang2022_cleanrl_ppo::{environment_id, Huang2022, Hyperparameters};
use repro_kit::{NoProgress, Reproduction, ResolvedDataset};

fn small(total: usize) -> Hyperparameters {
    let mut h = Hyperparameters::cleanrl_defaults();
    h.total_timesteps = total;
    h.eval_episodes = 3;
    h
}

#[test]
fn ppo_solves_a_one_step_bandit() {
    // The check `harness check` runs as this paper's overfit check.
    let r = solve_bandit(&Hyperparameters::cleanrl_defaults()).unwrap();
    assert!(r.p_best > 0.95, "P(best arm) = {}", r.p_best);
    assert!(r.last_returns > 0.9, "last returns {}", r.last_returns);
    let o = huang2022_cleanrl_ppo::bandit::overfit(&Hyperparameters::cleanrl_defaults()).unwrap();
    assert!(o.passed, "{}", o.description);
}

#[test]
fn cartpole_learns_within_20k_steps() {
    let out = run(&small(20_480), "CartPole-v1", 0, &Device::Cpu, &NoProgress).unwrap();
    let r = out.metrics["episodic_return"];
    // A uniformly random policy balances about 22 steps.
    assert!(r > 50.0, "episodic return {r}");
    let curve = &out.curves["episodic_return"];
    assert!(curve.len() > 30 && curve.last().unwrap().0 == 20_480.0);
    assert_eq!(out.extra["global_steps"], 20_480);
    assert_eq!(out.extra["iterations"], 40);
}

#[test]
fn same_seed_same_numbers_other_seed_other_numbers() {
    let h = small(2048);
    let a = run(&h, "CartPole-v1", 3, &Device::Cpu, &NoProgress).unwrap();
    let b = run(&h, "CartPole-v1", 3, &Device::Cpu, &NoProgress).unwrap();
    let c = run(&h, "CartPole-v1", 4, &Device::Cpu, &NoProgress).unwrap();
    for (k, v) in &a.metrics {
        assert_eq!(v.to_bits(), b.metrics[k].to_bits(), "{k}");
    }
    assert_eq!(a.curves, b.curves);
    assert_ne!(a.curves["episodic_return"], c.curves["episodic_return"]);
}

#[test]
fn reproduction_contract() {
    let r = Huang2022;
    let table: toml::Table = toml::from_str(
        r#"
        num_envs = 4
        num_steps = 128
        total_timesteps = 500000
        learning_rate = 2.5e-4
        adam_eps = 1e-5
        anneal_lr = true
        gamma = 0.99
        gae_lambda = 0.95
        num_minibatches = 4
        update_epochs = 4
        norm_adv = true
        clip_coef = 0.2
        clip_vloss = true
        ent_coef = 0.01
        vf_coef = 0.5
        max_grad_norm = 0.5
        hidden = 64
        return_window = 100
        eval_episodes = 10
        "#,
    )
    .unwrap();
    r.validate_variant("ppo", &table).unwrap();
    let parsed: Hyperparameters = repro_kit::hyperparameters("ppo", &table).unwrap();
    assert_eq!(parsed, Hyperparameters::cleanrl_defaults());
    let mut bad = table.clone();
    bad.insert("num_minibatches".into(), toml::Value::Integer(3));
    assert!(r.validate_variant("ppo", &bad).is_err());
    let mut bad = table.clone();
    bad.insert("gamma".into(), toml::Value::Float(1.5));
    assert!(r.validate_variant("ppo", &bad).is_err());
    let mut bad = table;
    bad.insert("lr".into(), toml::Value::Float(1.0));
    assert!(r.validate_variant("ppo", &bad).is_err(), "unknown key");
    let ds = |name: &str, env: Option<&str>| ResolvedDataset {
        name: name.into(),
        files: Default::default(),
        environment: env.map(str::to_string),
    };
    assert_eq!(
        environment_id(&ds("acrobot-v1", Some("Acrobot-v1"))).unwrap(),
        "Acrobot-v1"
    );
    assert!(environment_id(&ds("mnist1d", None)).is_err());
    assert!(environment_id(&ds("pendulum", Some("Pendulum-v1"))).is_err());
    for m in ["episodic_return", "eval_return"] {
        assert!(r.metrics().contains(&m));
    }
    let _ = Agent::new(
        &mut repro_kit::rng::stream(0, "init"),
        6,
        64,
        3,
        &Device::Cpu,
    )
    .unwrap();
}
