//! One training run from the command line, for timing and inspection:
//! `cargo run --release -p huang2022-cleanrl-ppo --example one_run -- CartPole-v1 0 [total_timesteps]`.

use candle_core::Device;
use huang2022_cleanrl_ppo::{train, Hyperparameters};
use repro_kit::NoProgress;

fn main() -> Result<(), Box<dyn std::error::Error>> {
    let args: Vec<String> = std::env::args().collect();
    let env_id = args.get(1).map(String::as_str).unwrap_or("CartPole-v1");
    let seed: u64 = args.get(2).map(|s| s.parse()).transpose()?.unwrap_or(0);
    let mut h = Hyperparameters::cleanrl_defaults();
    if let Some(t) = args.get(3) {
        h.total_timesteps = t.parse()?;
    }
    let out = train::run(&h, env_id, seed, &Device::Cpu, &NoProgress)?;
    println!("{}", serde_json::to_string_pretty(&out.metrics)?);
    println!("{}", serde_json::to_string_pretty(&out.extra)?);
    println!("train_seconds {:.1}", out.train_seconds);
    Ok(())
}
