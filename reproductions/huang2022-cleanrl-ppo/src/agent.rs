//! The agent of CleanRL's `ppo.py` (`class Agent`, vwxyzjn/cleanrl@b63315b9 lines 104–130):
//! separate actor and critic MLPs `obs → 64 → tanh → 64 → tanh → head`, every layer
//! initialised by `layer_init`: `torch.nn.init.orthogonal_(weight, std)` with std √2 for the
//! hidden layers, 0.01 for the actor head and 1 for the critic head, biases 0. The critic is
//! created first, as in `Agent.__init__`, so the seeded draws follow PyTorch's order.

use candle_core::{Device, Tensor, Var, D};
use repro_kit::nn::{expect_shape, vars_of, Layer, Linear, Parameters};
use repro_kit::rng::Rng;
use repro_kit::{init, Result};

/// Gain of the hidden layers, `np.sqrt(2)` (`layer_init`'s default `std`).
pub const HIDDEN_GAIN: f64 = std::f64::consts::SQRT_2;
/// Gain of the actor's output layer (`std=0.01`).
pub const ACTOR_HEAD_GAIN: f64 = 0.01;
/// Gain of the critic's output layer (`std=1.0`).
pub const CRITIC_HEAD_GAIN: f64 = 1.0;

/// `layer_init(nn.Linear(inp, out), std=gain)`: orthogonal weight [out, inp] times `gain`,
/// zero bias [out].
pub fn layer_init(
    rng: &mut Rng,
    inp: usize,
    out: usize,
    gain: f64,
    device: &Device,
) -> Result<Linear> {
    Ok(Linear {
        weight: init::orthogonal(rng, &[out, inp], gain, device)?,
        bias: init::zeros(&[out], device)?,
    })
}

/// `nn.Sequential(Linear, Tanh, Linear, Tanh, Linear)`.
#[derive(Debug, Clone)]
pub struct Mlp {
    /// The three layers, input first.
    pub layers: [Linear; 3],
}

impl Mlp {
    /// `inp → hidden → hidden → out`, hidden layers with gain √2, the head with `head_gain`.
    pub fn new(
        rng: &mut Rng,
        inp: usize,
        hidden: usize,
        out: usize,
        head_gain: f64,
        device: &Device,
    ) -> Result<Self> {
        Ok(Self {
            layers: [
                layer_init(rng, inp, hidden, HIDDEN_GAIN, device)?,
                layer_init(rng, hidden, hidden, HIDDEN_GAIN, device)?,
                layer_init(rng, hidden, out, head_gain, device)?,
            ],
        })
    }
}

impl Layer for Mlp {
    /// `x` [batch, inp] → [batch, out].
    fn forward(&self, x: &Tensor) -> Result<Tensor> {
        let h = self.layers[0].forward(x)?.tanh()?;
        let h = self.layers[1].forward(&h)?.tanh()?;
        self.layers[2].forward(&h)
    }
}

impl Parameters for Mlp {
    /// The parameters, layer by layer, weight before bias.
    fn vars(&self) -> Vec<Var> {
        self.layers.vars()
    }
}

/// Actor and critic.
#[derive(Debug, Clone)]
pub struct Agent {
    /// `self.critic`: obs → value.
    pub critic: Mlp,
    /// `self.actor`: obs → action logits.
    pub actor: Mlp,
    obs_dim: usize,
    actions: usize,
}

impl Agent {
    /// The agent for `obs_dim` observations and `actions` discrete actions with `hidden` units
    /// per hidden layer (64 in `ppo.py`); critic drawn first.
    pub fn new(
        rng: &mut Rng,
        obs_dim: usize,
        hidden: usize,
        actions: usize,
        device: &Device,
    ) -> Result<Self> {
        let critic = Mlp::new(rng, obs_dim, hidden, 1, CRITIC_HEAD_GAIN, device)?;
        let actor = Mlp::new(rng, obs_dim, hidden, actions, ACTOR_HEAD_GAIN, device)?;
        Ok(Self {
            critic,
            actor,
            obs_dim,
            actions,
        })
    }

    /// Observation size.
    pub fn obs_dim(&self) -> usize {
        self.obs_dim
    }

    /// Number of actions.
    pub fn actions(&self) -> usize {
        self.actions
    }

    /// Log-probabilities of the actions, `log_softmax(actor(x))`: `x` [batch, obs_dim] →
    /// [batch, actions] (`Categorical(logits=…)` normalises the logits this way).
    pub fn log_probs(&self, x: &Tensor) -> Result<Tensor> {
        let batch = x.dim(0)?;
        expect_shape(x, &[batch, self.obs_dim], "agent input")?;
        let logits = self.actor.forward(x)?;
        Ok(candle_nn::ops::log_softmax(&logits, D::Minus1)?)
    }

    /// State values `critic(x)`: `x` [batch, obs_dim] → [batch].
    pub fn value(&self, x: &Tensor) -> Result<Tensor> {
        let batch = x.dim(0)?;
        expect_shape(x, &[batch, self.obs_dim], "agent input")?;
        Ok(self.critic.forward(x)?.squeeze(1)?)
    }
}

impl Parameters for Agent {
    /// All parameters: critic, then actor (the order of `agent.parameters()`).
    fn vars(&self) -> Vec<Var> {
        vars_of(&[&self.critic, &self.actor])
    }
}

/// Draws an action from the categorical distribution with log-probabilities `log_probs`
/// (one row) by inverting its CDF at `u` ∈ [0, 1) (`probs.sample()`; PyTorch's multinomial
/// stream is not reproduced). Returns the action and its log-probability. Rounding that leaves
/// `u` beyond the last cumulative probability picks the last action with positive probability.
pub fn sample_action(log_probs: &[f32], u: f64) -> (usize, f32) {
    let mut cum = 0.0f64;
    let mut last = 0;
    for (a, lp) in log_probs.iter().enumerate() {
        let p = f64::from(*lp).exp();
        if p > 0.0 {
            last = a;
        }
        cum += p;
        if u < cum {
            return (a, *lp);
        }
    }
    (last, log_probs.get(last).copied().unwrap_or(f32::NAN))
}

#[cfg(test)]
mod tests {
    use super::*;
    use repro_kit::rng::stream;

    #[test]
    fn shapes_parameter_count_and_initial_heads() {
        let d = Device::Cpu;
        let a = Agent::new(&mut stream(0, "init"), 4, 64, 2, &d).unwrap();
        // critic 4·64+64 + 64·64+64 + 64+1, actor 4·64+64 + 64·64+64 + 64·2+2
        assert_eq!(a.parameter_count(), (320 + 4160 + 65) + (320 + 4160 + 130));
        let x = Tensor::new(&[[0.1f32, -0.2, 0.03, 0.4], [0.0, 0.0, 0.0, 0.0]], &d).unwrap();
        let lp: Vec<Vec<f32>> = a.log_probs(&x).unwrap().to_vec2().unwrap();
        // Actor head gain 0.01: the initial policy is almost uniform.
        for row in &lp {
            for v in row {
                assert!((v - 0.5f32.ln()).abs() < 0.02, "{row:?}");
            }
        }
        // Zero biases: a zero observation has value exactly 0.
        let v: Vec<f32> = a.value(&x).unwrap().to_vec1().unwrap();
        assert_eq!(v[1], 0.0);
        assert!(a
            .log_probs(&Tensor::zeros((2, 3), candle_core::DType::F32, &d).unwrap())
            .is_err());
    }

    #[test]
    fn sampling_inverts_the_cdf() {
        let lp = [0.25f32.ln(), 0.5f32.ln(), 0.25f32.ln()];
        assert_eq!(sample_action(&lp, 0.0).0, 0);
        assert_eq!(sample_action(&lp, 0.2499).0, 0);
        assert_eq!(sample_action(&lp, 0.2501).0, 1);
        assert_eq!(sample_action(&lp, 0.7501).0, 2);
        assert_eq!(sample_action(&lp, 0.999_999_9).0, 2);
        let (a, l) = sample_action(&[0.0, f32::NEG_INFINITY], 0.9999);
        assert_eq!((a, l), (0, 0.0));
    }
}
