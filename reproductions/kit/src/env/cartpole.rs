//! `CartPole-v1`: Barto, Sutton & Anderson (1983) cart-pole, as Gymnasium 1.4.0 implements it
//! (`gymnasium/envs/classic_control/cartpole.py`, `CartPoleEnv.step` line 165, `reset` line
//! 229; registered in `gymnasium/envs/__init__.py` with `max_episode_steps=500`,
//! `reward_threshold=475.0`).
//!
//! State `[x, x_dot, theta, theta_dot]` (m, m/s, rad, rad/s), f64. Explicit Euler with
//! τ = 0.02 s (`kinematics_integrator = "euler"`). Terminated when |x| > 2.4 or
//! |θ| > 12·2π/360; reward +1 on every step including the terminating one. Initial state
//! U(−0.05, 0.05)⁴. Actions: 0 pushes left, 1 pushes right (force 10 N).

use super::{BoxSpace, Dynamics, EnvSpec};
use crate::rng::Rng;
use crate::{KitError, Result};
use rand::RngExt as _;

/// Gravity (m/s²), `self.gravity`.
pub const GRAVITY: f64 = 9.8;
/// Cart mass (kg), `self.masscart`.
pub const MASS_CART: f64 = 1.0;
/// Pole mass (kg), `self.masspole`.
pub const MASS_POLE: f64 = 0.1;
/// Half the pole's length (m), `self.length`.
pub const HALF_LENGTH: f64 = 0.5;
/// Magnitude of the applied force (N), `self.force_mag`.
pub const FORCE_MAG: f64 = 10.0;
/// Seconds between state updates, `self.tau`.
pub const TAU: f64 = 0.02;
/// Termination angle (rad): `12 * 2 * math.pi / 360`.
pub const THETA_THRESHOLD: f64 = 12.0 * 2.0 * std::f64::consts::PI / 360.0;
/// Termination cart position (m), `self.x_threshold`.
pub const X_THRESHOLD: f64 = 2.4;

/// The cart-pole dynamics (no time limit: use [`super::make`]`("CartPole-v1")`).
pub struct CartPole {
    spec: EnvSpec,
    state: [f64; 4],
}

impl Default for CartPole {
    fn default() -> Self {
        Self::new()
    }
}

impl CartPole {
    /// The task with Gymnasium's defaults; the state is zero until a reset.
    pub fn new() -> Self {
        let high = [
            (X_THRESHOLD * 2.0) as f32,
            f32::INFINITY,
            (THETA_THRESHOLD * 2.0) as f32,
            f32::INFINITY,
        ];
        Self {
            spec: EnvSpec {
                id: "CartPole-v1",
                observation_space: BoxSpace {
                    low: high.iter().map(|h| -h).collect(),
                    high: high.to_vec(),
                },
                action_count: 2,
                max_episode_steps: 500,
                reward_threshold: Some(475.0),
            },
            state: [0.0; 4],
        }
    }

    /// The state `[x, x_dot, theta, theta_dot]` (f64).
    pub fn state(&self) -> [f64; 4] {
        self.state
    }

    /// Sets the state (Gymnasium: `env.unwrapped.state = …`).
    ///
    /// # Errors
    /// [`KitError::Invalid`] unless `state` has 4 finite elements.
    pub fn set_state(&mut self, state: &[f64]) -> Result<()> {
        self.state = finite_state(state, "CartPole-v1")?;
        Ok(())
    }
}

/// `state` as a fixed-size array of finite numbers; the error names the environment.
pub(crate) fn finite_state<const N: usize>(state: &[f64], id: &str) -> Result<[f64; N]> {
    let s: [f64; N] = state.try_into().map_err(|_| {
        KitError::Invalid(format!(
            "{id}: a state has {N} elements, got {}",
            state.len()
        ))
    })?;
    if s.iter().any(|v| !v.is_finite()) {
        return Err(KitError::Invalid(format!(
            "{id}: state must be finite, got {s:?}"
        )));
    }
    Ok(s)
}

impl Dynamics for CartPole {
    fn spec(&self) -> &EnvSpec {
        &self.spec
    }

    /// `self.np_random.uniform(low=-0.05, high=0.05, size=(4,))` (cartpole.py line 243).
    fn reset_state(&mut self, rng: &mut Rng) {
        for v in &mut self.state {
            *v = rng.random_range(-0.05..0.05);
        }
    }

    /// cartpole.py lines 169–209, operation for operation.
    fn advance(&mut self, action: usize) -> (f64, bool) {
        let [x, x_dot, theta, theta_dot] = self.state;
        let total_mass = MASS_POLE + MASS_CART;
        let polemass_length = MASS_POLE * HALF_LENGTH;
        let force = if action == 1 { FORCE_MAG } else { -FORCE_MAG };
        let costheta = theta.cos();
        let sintheta = theta.sin();
        let temp = (force + polemass_length * (theta_dot * theta_dot) * sintheta) / total_mass;
        let thetaacc = (GRAVITY * sintheta - costheta * temp)
            / (HALF_LENGTH * (4.0 / 3.0 - MASS_POLE * (costheta * costheta) / total_mass));
        let xacc = temp - polemass_length * thetaacc * costheta / total_mass;
        // kinematics_integrator == "euler"
        let x = x + TAU * x_dot;
        let x_dot = x_dot + TAU * xacc;
        let theta = theta + TAU * theta_dot;
        let theta_dot = theta_dot + TAU * thetaacc;
        self.state = [x, x_dot, theta, theta_dot];
        // Gymnasium's comparisons verbatim (a NaN state does not terminate, unlike
        // `!range.contains`).
        #[allow(clippy::manual_range_contains)]
        let terminated = x < -X_THRESHOLD
            || x > X_THRESHOLD
            || theta < -THETA_THRESHOLD
            || theta > THETA_THRESHOLD;
        (1.0, terminated)
    }

    fn observation(&self) -> Vec<f32> {
        self.state.iter().map(|v| *v as f32).collect()
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn one_euler_step_by_hand() {
        // From rest, upright, pushing left: temp = -10/1.1, thetaacc = 10/1.1 / (0.5·(4/3 − 0.1/1.1)),
        // xacc = temp − 0.05·thetaacc/1.1; Euler moves only the velocities.
        let mut c = CartPole::new();
        c.set_state(&[0.0; 4]).unwrap();
        let (r, done) = c.advance(0);
        let temp = -10.0 / 1.1;
        let thetaacc = (0.0 - temp) / (0.5 * (4.0 / 3.0 - 0.1 / 1.1));
        let xacc = temp - 0.05 * thetaacc / 1.1;
        assert_eq!(c.state(), [0.0, 0.02 * xacc, 0.0, 0.02 * thetaacc]);
        assert_eq!((r, done), (1.0, false));
    }

    #[test]
    fn terminates_beyond_the_thresholds() {
        let mut c = CartPole::new();
        c.set_state(&[2.399, 1.0, 0.0, 0.0]).unwrap();
        assert!(c.advance(1).1);
        c.set_state(&[0.0, 0.0, -0.2094, -1.0]).unwrap();
        assert!(c.advance(0).1);
        assert!(c.set_state(&[0.0; 3]).is_err());
        assert!(c.set_state(&[0.0, f64::NAN, 0.0, 0.0]).is_err());
    }
}
