//! `MountainCar-v0`: Moore (1990) mountain car, as Gymnasium 1.4.0 implements it
//! (`gymnasium/envs/classic_control/mountain_car.py`, `MountainCarEnv.step` line 132, `reset`
//! line 156; registered with `max_episode_steps=200`, `reward_threshold=-110.0`).
//!
//! State `[position, velocity]`, f64. Actions 0 (accelerate left), 1 (none), 2 (right).
//! `velocity += (action − 1)·0.001 + cos(3·position)·(−0.0025)`, clipped to ±0.07;
//! `position += velocity`, clipped to [−1.2, 0.6]; at the left wall a negative velocity is set
//! to 0. Terminated when position ≥ 0.5 and velocity ≥ 0 (`goal_velocity = 0`); reward −1 on
//! every step. Initial state `[U(−0.6, −0.4), 0]`.

use super::cartpole::finite_state;
use super::{BoxSpace, Dynamics, EnvSpec};
use crate::rng::Rng;
use crate::Result;
use rand::RngExt as _;

/// Left end of the track, `self.min_position`.
pub const MIN_POSITION: f64 = -1.2;
/// Right end of the track, `self.max_position`.
pub const MAX_POSITION: f64 = 0.6;
/// Speed limit, `self.max_speed`.
pub const MAX_SPEED: f64 = 0.07;
/// Goal position, `self.goal_position`.
pub const GOAL_POSITION: f64 = 0.5;
/// Minimum velocity at the goal, `goal_velocity` (default 0).
pub const GOAL_VELOCITY: f64 = 0.0;
/// Engine force per step, `self.force`.
pub const FORCE: f64 = 0.001;
/// Gravity term, `self.gravity`.
pub const GRAVITY: f64 = 0.0025;

/// The mountain-car dynamics (no time limit: use [`super::make`]`("MountainCar-v0")`).
pub struct MountainCar {
    spec: EnvSpec,
    state: [f64; 2],
}

impl Default for MountainCar {
    fn default() -> Self {
        Self::new()
    }
}

impl MountainCar {
    /// The task with Gymnasium's defaults; the state is zero until a reset.
    pub fn new() -> Self {
        Self {
            spec: EnvSpec {
                id: "MountainCar-v0",
                observation_space: BoxSpace {
                    low: vec![MIN_POSITION as f32, -MAX_SPEED as f32],
                    high: vec![MAX_POSITION as f32, MAX_SPEED as f32],
                },
                action_count: 3,
                max_episode_steps: 200,
                reward_threshold: Some(-110.0),
            },
            state: [0.0; 2],
        }
    }

    /// The state `[position, velocity]` (f64).
    pub fn state(&self) -> [f64; 2] {
        self.state
    }

    /// Sets the state (Gymnasium: `env.unwrapped.state = …`).
    ///
    /// # Errors
    /// [`crate::KitError::Invalid`] unless `state` has 2 finite elements.
    pub fn set_state(&mut self, state: &[f64]) -> Result<()> {
        self.state = finite_state(state, "MountainCar-v0")?;
        Ok(())
    }
}

impl Dynamics for MountainCar {
    fn spec(&self) -> &EnvSpec {
        &self.spec
    }

    /// `np.array([self.np_random.uniform(low=-0.6, high=-0.4), 0])` (mountain_car.py line 166).
    fn reset_state(&mut self, rng: &mut Rng) {
        self.state = [rng.random_range(-0.6..-0.4), 0.0];
    }

    /// mountain_car.py lines 137–150, operation for operation.
    fn advance(&mut self, action: usize) -> (f64, bool) {
        let [mut position, mut velocity] = self.state;
        velocity += (action as f64 - 1.0) * FORCE + (3.0 * position).cos() * (-GRAVITY);
        velocity = velocity.clamp(-MAX_SPEED, MAX_SPEED);
        position += velocity;
        position = position.clamp(MIN_POSITION, MAX_POSITION);
        if position == MIN_POSITION && velocity < 0.0 {
            velocity = 0.0;
        }
        let terminated = position >= GOAL_POSITION && velocity >= GOAL_VELOCITY;
        self.state = [position, velocity];
        (-1.0, terminated)
    }

    fn observation(&self) -> Vec<f32> {
        self.state.iter().map(|v| *v as f32).collect()
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn one_step_by_hand_and_the_left_wall() {
        let mut m = MountainCar::new();
        m.set_state(&[-0.5, 0.0]).unwrap();
        let (r, done) = m.advance(2);
        let v = 0.001 + (-1.5f64).cos() * -0.0025;
        assert_eq!(m.state(), [-0.5 + v, v]);
        assert_eq!((r, done), (-1.0, false));
        m.set_state(&[-1.19, -0.07]).unwrap();
        m.advance(0);
        assert_eq!(m.state(), [MIN_POSITION, 0.0]);
    }

    #[test]
    fn goal_needs_position_and_nonnegative_velocity() {
        let mut m = MountainCar::new();
        m.set_state(&[0.49, 0.02]).unwrap();
        assert!(m.advance(2).1);
        m.set_state(&[0.55, -0.07]).unwrap();
        assert!(!m.advance(0).1);
    }
}
