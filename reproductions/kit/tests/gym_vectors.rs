//! Replays Gymnasium 1.4.0 classic-control trajectories (`tests/vectors/gymnasium/gym_classic_control.json`,
//! written by `tests/vectors/gymnasium/make_gym_vectors.py`) through the Rust environments: same initial
//! state, same actions ⇒ every observation and state within 1e-6 (f64), the same rewards, and
//! `terminated`/`truncated` on exactly the same steps.

use repro_kit::env::acrobot::Acrobot;
use repro_kit::env::cartpole::CartPole;
use repro_kit::env::mountain_car::MountainCar;
use repro_kit::env::{Dynamics, Env, TimeLimit};
use serde_json::Value;

const TOLERANCE: f64 = 1e-6;

/// The environment of a case, with access to its state.
enum Task {
    CartPole(TimeLimit<CartPole>),
    Acrobot(TimeLimit<Acrobot>),
    MountainCar(TimeLimit<MountainCar>),
}

impl Task {
    fn new(id: &str) -> Task {
        match id {
            "CartPole-v1" => Task::CartPole(TimeLimit::new(CartPole::new())),
            "Acrobot-v1" => Task::Acrobot(TimeLimit::new(Acrobot::new())),
            "MountainCar-v0" => Task::MountainCar(TimeLimit::new(MountainCar::new())),
            other => panic!("no environment {other}"),
        }
    }
    fn env(&mut self) -> &mut dyn Env {
        match self {
            Task::CartPole(e) => e,
            Task::Acrobot(e) => e,
            Task::MountainCar(e) => e,
        }
    }
    fn set_state(&mut self, s: &[f64]) {
        match self {
            Task::CartPole(e) => e.unwrapped_mut().set_state(s).unwrap(),
            Task::Acrobot(e) => e.unwrapped_mut().set_state(s).unwrap(),
            Task::MountainCar(e) => e.unwrapped_mut().set_state(s).unwrap(),
        }
    }
    fn state(&self) -> Vec<f64> {
        match self {
            Task::CartPole(e) => e.unwrapped().state().to_vec(),
            Task::Acrobot(e) => e.unwrapped().state().to_vec(),
            Task::MountainCar(e) => e.unwrapped().state().to_vec(),
        }
    }
    fn observation(&self) -> Vec<f32> {
        match self {
            Task::CartPole(e) => e.unwrapped().observation(),
            Task::Acrobot(e) => e.unwrapped().observation(),
            Task::MountainCar(e) => e.unwrapped().observation(),
        }
    }
}

fn floats(v: &Value) -> Vec<f64> {
    v.as_array()
        .unwrap()
        .iter()
        .map(|x| x.as_f64().unwrap())
        .collect()
}

fn assert_close(case: &str, step: usize, what: &str, got: &[f64], want: &[f64]) -> f64 {
    assert_eq!(got.len(), want.len(), "{case} step {step}: {what} length");
    let mut worst = 0.0f64;
    for (g, w) in got.iter().zip(want) {
        let d = (g - w).abs();
        worst = worst.max(d);
        assert!(
            d <= TOLERANCE,
            "{case} step {step}: {what} {got:?} vs Gymnasium {want:?}"
        );
    }
    worst
}

fn load() -> Value {
    let path = concat!(
        env!("CARGO_MANIFEST_DIR"),
        "/tests/vectors/gymnasium/gym_classic_control.json"
    );
    serde_json::from_str(&std::fs::read_to_string(path).unwrap()).unwrap()
}

#[test]
fn trajectories_match_gymnasium() {
    let data = load();
    assert_eq!(data["gymnasium"], "1.4.0");
    let cases = data["cases"].as_object().unwrap();
    assert!(cases.len() >= 12);
    let (mut terminated_cases, mut truncated_cases) = (0, 0);
    for (name, case) in cases {
        let mut task = Task::new(case["env_id"].as_str().unwrap());
        task.env().reset(Some(0)).unwrap();
        task.set_state(&floats(&case["initial_state"]));
        let obs0: Vec<f64> = task.observation().iter().map(|v| f64::from(*v)).collect();
        assert_close(
            name,
            0,
            "initial observation",
            &obs0,
            &floats(&case["initial_observation"]),
        );
        let steps = case["steps"].as_array().unwrap();
        let mut worst = 0.0f64;
        for (t, want) in steps.iter().enumerate() {
            let action = want["action"].as_u64().unwrap() as usize;
            let got = task.env().step(action).unwrap();
            let obs: Vec<f64> = got.observation.iter().map(|v| f64::from(*v)).collect();
            worst = worst.max(assert_close(
                name,
                t + 1,
                "observation",
                &obs,
                &floats(&want["observation"]),
            ));
            worst = worst.max(assert_close(
                name,
                t + 1,
                "state",
                &task.state(),
                &floats(&want["state"]),
            ));
            assert_eq!(
                got.reward,
                want["reward"].as_f64().unwrap(),
                "{name} step {}",
                t + 1
            );
            assert_eq!(
                got.terminated,
                want["terminated"].as_bool().unwrap(),
                "{name} step {}: terminated",
                t + 1
            );
            assert_eq!(
                got.truncated,
                want["truncated"].as_bool().unwrap(),
                "{name} step {}: truncated",
                t + 1
            );
        }
        let last = steps.last().unwrap();
        terminated_cases += usize::from(last["terminated"].as_bool().unwrap());
        truncated_cases += usize::from(last["truncated"].as_bool().unwrap());
        eprintln!(
            "{name}: {} steps, largest difference {worst:.3e}",
            steps.len()
        );
    }
    // The vectors cover both ways an episode ends, in every task.
    assert!(
        terminated_cases >= 6 && truncated_cases >= 4,
        "{terminated_cases} {truncated_cases}"
    );
}

#[test]
fn a_wrong_action_changes_the_trajectory() {
    // The comparison can fail: replaying one case with its first action flipped leaves the
    // tolerance at once.
    let data = load();
    let case = &data["cases"]["cartpole_pd_truncated"];
    let mut task = Task::new("CartPole-v1");
    task.env().reset(Some(0)).unwrap();
    task.set_state(&floats(&case["initial_state"]));
    let first = &case["steps"][0];
    let flipped = 1 - first["action"].as_u64().unwrap() as usize;
    task.env().step(flipped).unwrap();
    let want = floats(&first["state"]);
    let got = task.state();
    assert!(got
        .iter()
        .zip(&want)
        .any(|(g, w)| (g - w).abs() > TOLERANCE));
}
