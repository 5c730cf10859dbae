//! Speed of one PPO update of `ppo.py`'s defaults (4 epochs × 4 minibatches of 128 from a
//! 512-step CartPole rollout: 16 forward/backward/clip/Adam steps), single-threaded, and of one
//! rollout of 128 vector steps. `cargo bench -p huang2022-cleanrl-ppo`.

#[path = "../../support/src/alloc.rs"]
mod alloc;
use candle_core::Device;
use criterion::{criterion_group, criterion_main, Criterion};
use huang2022_cleanrl_ppo::agent::Agent;
use huang2022_cleanrl_ppo::gae::gae;
use huang2022_cleanrl_ppo::rollout::{collect, RolloutState};
use huang2022_cleanrl_ppo::train::{update, Batch};
use huang2022_cleanrl_ppo::Hyperparameters;
use repro_kit::env::vector::{AutoresetMode, SyncVectorEnv};
use repro_kit::nn::Parameters;
use repro_kit::optim::{Adam, AdamParams};
use repro_kit::rng::stream;

fn bench(c: &mut Criterion) {
    // The allocator setting the harness runs with (`support/src/alloc.rs`).
    alloc::tune_allocator();
    std::env::set_var("RAYON_NUM_THREADS", "1");
    let d = Device::Cpu;
    let h = Hyperparameters::cleanrl_defaults();
    let mut envs = SyncVectorEnv::new("CartPole-v1", 4, AutoresetMode::SameStep).unwrap();
    let agent = Agent::new(&mut stream(0, "init"), 4, 64, 2, &d).unwrap();
    let params = AdamParams {
        lr: 2.5e-4,
        eps: 1e-5,
        ..AdamParams::default()
    };
    let mut opt = Adam::with_params(agent.vars(), params).unwrap();
    let mut state = RolloutState {
        next_obs: envs.reset(0).unwrap(),
        next_done: vec![0.0; 4],
        global_step: 0,
    };
    let mut rng = stream(0, "actions");
    let mut episodes = Vec::new();
    let rollout = collect(
        &agent,
        &mut envs,
        &mut state,
        128,
        &mut rng,
        &mut episodes,
        &d,
    )
    .unwrap();
    let (adv, ret) = gae(
        &rollout.rewards,
        &rollout.values,
        &rollout.dones,
        &[0.0; 4],
        &state.next_done,
        4,
        0.99,
        0.95,
    )
    .unwrap();
    let batch = Batch::new(&rollout, &adv, &ret, 4, &d).unwrap();
    let mut mb_rng = stream(0, "minibatches");
    let mut group = c.benchmark_group("ppo_cartpole");
    group.sample_size(20);
    group.bench_function("update_4x4_minibatches_of_128", |b| {
        b.iter(|| update(&agent, &mut opt, &batch, &h, &mut mb_rng).unwrap())
    });
    group.bench_function("rollout_128_steps_4_envs", |b| {
        b.iter(|| {
            collect(
                &agent,
                &mut envs,
                &mut state,
                128,
                &mut rng,
                &mut episodes,
                &d,
            )
            .unwrap()
        })
    });
    group.finish();
}

criterion_group!(benches, bench);
criterion_main!(benches);
