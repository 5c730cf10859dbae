//! `Acrobot-v1`: Sutton (1996) acrobot, as Gymnasium 1.4.0 implements it
//! (`gymnasium/envs/classic_control/acrobot.py`: `AcrobotEnv.reset` line 199, `step` line 216,
//! `_terminal` line 253, `_dsdt` line 258, `wrap` line 389, `bound` line 410, `rk4` line 429;
//! registered with `max_episode_steps=500`, `reward_threshold=-100.0`).
//!
//! State `[θ1, θ2, θ̇1, θ̇2]` (rad, rad/s), f64 after the first step (the reset draws
//! U(−0.1, 0.1)⁴ and casts it to float32, as Gymnasium does). Actions 0, 1, 2 apply torque
//! −1, 0, +1 at the joint between the links. One step integrates the equations of motion
//! (`book_or_nips = "book"`: the dynamics of Sutton & Barto's book, with the
//! `m2·l1·lc2·θ̇1²·sin θ2` term the NIPS paper omits) over dt = 0.2 s with one step of
//! Gymnasium's classical fourth-order Runge–Kutta ([`rk4`]), then wraps the angles into
//! [−π, π] and bounds the velocities to ±4π and ±9π. Terminated when
//! `−cos θ1 − cos(θ2 + θ1) > 1`; reward −1 per step, 0 on the terminating step. No torque
//! noise (`torque_noise_max = 0`).
//!
//! Observation `[cos θ1, sin θ1, cos θ2, sin θ2, θ̇1, θ̇2]` (float32).

use super::cartpole::finite_state;
use super::{BoxSpace, Dynamics, EnvSpec};
use crate::rng::Rng;
use crate::Result;
use rand::RngExt as _;
use std::f64::consts::PI;

/// Integration time step (s), `dt`.
pub const DT: f64 = 0.2;
/// Link 1 length (m), `LINK_LENGTH_1`.
pub const LINK_LENGTH_1: f64 = 1.0;
/// Link 1 mass (kg), `LINK_MASS_1`.
pub const LINK_MASS_1: f64 = 1.0;
/// Link 2 mass (kg), `LINK_MASS_2`.
pub const LINK_MASS_2: f64 = 1.0;
/// Position of link 1's centre of mass (m), `LINK_COM_POS_1`.
pub const LINK_COM_POS_1: f64 = 0.5;
/// Position of link 2's centre of mass (m), `LINK_COM_POS_2`.
pub const LINK_COM_POS_2: f64 = 0.5;
/// Moment of inertia of both links, `LINK_MOI`.
pub const LINK_MOI: f64 = 1.0;
/// Velocity bound of joint 1 (rad/s), `MAX_VEL_1 = 4π`.
pub const MAX_VEL_1: f64 = 4.0 * PI;
/// Velocity bound of joint 2 (rad/s), `MAX_VEL_2 = 9π`.
pub const MAX_VEL_2: f64 = 9.0 * PI;
/// Torque of each action, `AVAIL_TORQUE`.
pub const AVAIL_TORQUE: [f64; 3] = [-1.0, 0.0, 1.0];

/// The acrobot dynamics (no time limit: use [`super::make`]`("Acrobot-v1")`).
pub struct Acrobot {
    spec: EnvSpec,
    state: [f64; 4],
}

impl Default for Acrobot {
    fn default() -> Self {
        Self::new()
    }
}

impl Acrobot {
    /// The task with Gymnasium's defaults; the state is zero until a reset.
    pub fn new() -> Self {
        let high = [1.0, 1.0, 1.0, 1.0, MAX_VEL_1 as f32, MAX_VEL_2 as f32];
        Self {
            spec: EnvSpec {
                id: "Acrobot-v1",
                observation_space: BoxSpace {
                    low: high.iter().map(|h| -h).collect(),
                    high: high.to_vec(),
                },
                action_count: 3,
                max_episode_steps: 500,
                reward_threshold: Some(-100.0),
            },
            state: [0.0; 4],
        }
    }

    /// The state `[θ1, θ2, θ̇1, θ̇2]` (f64).
    pub fn state(&self) -> [f64; 4] {
        self.state
    }

    /// Sets the state (Gymnasium: `env.unwrapped.state = …`).
    ///
    /// # Errors
    /// [`crate::KitError::Invalid`] unless `state` has 4 finite elements.
    pub fn set_state(&mut self, state: &[f64]) -> Result<()> {
        self.state = finite_state(state, "Acrobot-v1")?;
        Ok(())
    }
}

/// The time derivative of the augmented state `[θ1, θ2, θ̇1, θ̇2, torque]`
/// (`AcrobotEnv._dsdt`, book dynamics), in Gymnasium's order of operations.
pub fn dsdt(s: &[f64; 5]) -> [f64; 5] {
    let (m1, m2) = (LINK_MASS_1, LINK_MASS_2);
    let l1 = LINK_LENGTH_1;
    let (lc1, lc2) = (LINK_COM_POS_1, LINK_COM_POS_2);
    let (i1, i2) = (LINK_MOI, LINK_MOI);
    let g = 9.8;
    let a = s[4];
    let (theta1, theta2, dtheta1, dtheta2) = (s[0], s[1], s[2], s[3]);
    let d1 = m1 * lc1.powi(2)
        + m2 * (l1.powi(2) + lc2.powi(2) + 2.0 * l1 * lc2 * theta2.cos())
        + i1
        + i2;
    let d2 = m2 * (lc2.powi(2) + l1 * lc2 * theta2.cos()) + i2;
    let phi2 = m2 * lc2 * g * (theta1 + theta2 - PI / 2.0).cos();
    let phi1 = -m2 * l1 * lc2 * dtheta2.powi(2) * theta2.sin()
        - 2.0 * m2 * l1 * lc2 * dtheta2 * dtheta1 * theta2.sin()
        + (m1 * lc1 + m2 * l1) * g * (theta1 - PI / 2.0).cos()
        + phi2;
    // book_or_nips == "book"
    let ddtheta2 = (a + d2 / d1 * phi1 - m2 * l1 * lc2 * dtheta1.powi(2) * theta2.sin() - phi2)
        / (m2 * lc2.powi(2) + i2 - d2.powi(2) / d1);
    let ddtheta1 = -(d2 * ddtheta2 + phi1) / d1;
    [dtheta1, dtheta2, ddtheta1, ddtheta2, 0.0]
}

/// One classical Runge–Kutta step of size `dt` of `y' = derivs(y)` from `y0`: Gymnasium's
/// `rk4(derivs, y0, [0, dt])` (acrobot.py line 429), with its evaluation order
/// `y0 + dt/6·(k1 + 2k2 + 2k3 + k4)`.
pub fn rk4<const N: usize>(
    derivs: impl Fn(&[f64; N]) -> [f64; N],
    y0: &[f64; N],
    dt: f64,
) -> [f64; N] {
    let dt2 = dt / 2.0;
    let axpy = |a: f64, k: &[f64; N]| -> [f64; N] { std::array::from_fn(|i| y0[i] + a * k[i]) };
    let k1 = derivs(y0);
    let k2 = derivs(&axpy(dt2, &k1));
    let k3 = derivs(&axpy(dt2, &k2));
    let k4 = derivs(&axpy(dt, &k3));
    std::array::from_fn(|i| y0[i] + dt / 6.0 * (k1[i] + 2.0 * k2[i] + 2.0 * k3[i] + k4[i]))
}

/// Gymnasium's `wrap(x, m, M)`: adds or subtracts `M − m` until `m ≤ x ≤ M`.
pub fn wrap(mut x: f64, m: f64, big_m: f64) -> f64 {
    let diff = big_m - m;
    if !x.is_finite() || diff <= 0.0 {
        return x;
    }
    while x > big_m {
        x -= diff;
    }
    while x < m {
        x += diff;
    }
    x
}

/// Gymnasium's `bound(x, m, M)`: `min(max(x, m), M)`.
pub fn bound(x: f64, m: f64, big_m: f64) -> f64 {
    x.max(m).min(big_m)
}

impl Dynamics for Acrobot {
    fn spec(&self) -> &EnvSpec {
        &self.spec
    }

    /// `self.np_random.uniform(low=-0.1, high=0.1, size=(4,)).astype(np.float32)`
    /// (acrobot.py line 208).
    fn reset_state(&mut self, rng: &mut Rng) {
        for v in &mut self.state {
            *v = f64::from(rng.random_range(-0.1f64..0.1) as f32);
        }
    }

    /// acrobot.py lines 217–245.
    fn advance(&mut self, action: usize) -> (f64, bool) {
        let torque = AVAIL_TORQUE[action];
        let s = self.state;
        let augmented = [s[0], s[1], s[2], s[3], torque];
        let ns = rk4(dsdt, &augmented, DT);
        self.state = [
            wrap(ns[0], -PI, PI),
            wrap(ns[1], -PI, PI),
            bound(ns[2], -MAX_VEL_1, MAX_VEL_1),
            bound(ns[3], -MAX_VEL_2, MAX_VEL_2),
        ];
        let terminated = self.terminal();
        (if terminated { 0.0 } else { -1.0 }, terminated)
    }

    fn observation(&self) -> Vec<f32> {
        let s = self.state;
        [s[0].cos(), s[0].sin(), s[1].cos(), s[1].sin(), s[2], s[3]]
            .iter()
            .map(|v| *v as f32)
            .collect()
    }
}

impl Acrobot {
    /// `-cos(θ1) - cos(θ2 + θ1) > 1.0` (`_terminal`): the tip is a link length above the pivot.
    fn terminal(&self) -> bool {
        let s = self.state;
        -s[0].cos() - (s[1] + s[0]).cos() > 1.0
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn rk4_integrates_exponential_growth_to_fourth_order() {
        // y' = y from 1 over dt: RK4 gives 1 + dt + dt²/2 + dt³/6 + dt⁴/24 exactly.
        let dt = 0.2;
        let y = rk4(|y: &[f64; 1]| [y[0]], &[1.0], dt);
        let expect = 1.0 + dt + dt * dt / 2.0 + dt.powi(3) / 6.0 + dt.powi(4) / 24.0;
        assert!((y[0] - expect).abs() < 1e-15, "{} vs {expect}", y[0]);
    }

    #[test]
    fn hanging_at_rest_stays_at_rest_without_torque() {
        let mut a = Acrobot::new();
        a.set_state(&[0.0; 4]).unwrap();
        let (r, done) = a.advance(1);
        assert!(a.state().iter().all(|v| v.abs() < 1e-12), "{:?}", a.state());
        assert_eq!((r, done), (-1.0, false));
    }

    #[test]
    fn wrap_and_bound_as_gymnasium() {
        assert!((wrap(4.0, -PI, PI) - (4.0 - 2.0 * PI)).abs() < 1e-15);
        assert!((wrap(-7.0, -PI, PI) - (-7.0 + 2.0 * PI)).abs() < 1e-15);
        assert!((wrap(-10.0, -PI, PI) - (-10.0 + 2.0 * PI + 2.0 * PI)).abs() < 1e-15);
        assert_eq!(wrap(1.0, -PI, PI), 1.0);
        assert_eq!(bound(50.0, -MAX_VEL_2, MAX_VEL_2), MAX_VEL_2);
        assert!(
            wrap(f64::INFINITY, -PI, PI).is_infinite(),
            "no endless loop"
        );
    }

    #[test]
    fn upright_is_terminal() {
        let mut a = Acrobot::new();
        a.set_state(&[PI, 0.0, 0.0, 0.0]).unwrap();
        assert!(a.terminal());
        a.set_state(&[0.0, 0.0, 0.0, 0.0]).unwrap();
        assert!(!a.terminal());
    }
}
