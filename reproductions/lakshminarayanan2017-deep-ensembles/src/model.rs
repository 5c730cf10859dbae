//! One ensemble member (§2.2.1 and §3.3): a network with one hidden layer of `H` ReLU units
//! (50; 100 for protein) and two outputs, the predicted mean `μ(x)` and variance `σ²(x) > 0`
//! of a Gaussian over the (standardised) target. Footnote 2: "We enforce the positivity
//! constraint on the variance by passing the second output through the softplus function
//! log(1 + exp(·)), and add a minimum variance (e.g. 10⁻⁶) for numerical stability."
//!
//! Initialisation (§3.1): "We used the default weight initialization in Torch": Torch7's
//! `nn.Linear:reset()` draws weight and bias from U(±1/√fan_in), which is
//! [`repro_kit::nn::Linear::torch_default`]. Weights are stored [out, in], `y = x Wᵀ + b`.
//! The network is the kit's [`ReluMlp`] with two outputs.

use candle_core::{Device, Tensor, Var};
use repro_kit::nn::{Layer, Parameters, ReluMlp};
use repro_kit::rng::Rng;
use repro_kit::Result;

/// The minimum variance added after the softplus (footnote 2: "e.g. 10⁻⁶"), in standardised
/// target units squared.
pub const MIN_VARIANCE: f64 = 1e-6;

/// `softplus(z) = log(1 + exp(z))`, computed as `max(z, 0) + log(1 + exp(−|z|))` so that it
/// neither overflows for large `z` nor loses the value for very negative `z` (elementwise, any
/// shape).
pub fn softplus(z: &Tensor) -> Result<Tensor> {
    let tail = (z.abs()?.neg()?.exp()? + 1.0)?.log()?;
    Ok((z.relu()? + tail)?)
}

/// One member: `Linear(inputs → H) → ReLU → Linear(H → 2)` (the kit's two-layer UCI
/// regression MLP, [`ReluMlp`], shared with `gal2016-mc-dropout`); output column 0 is the
/// mean, column 1 goes through softplus + `min_variance`.
#[derive(Debug, Clone)]
pub struct GaussianMlp {
    /// The network: hidden Linear(inputs → H), weight [H, inputs]; output Linear(H → 2),
    /// weight [2, H]: row 0 the mean, row 1 the variance's pre-activation.
    pub net: ReluMlp,
    /// Added to the softplus output (paper: 1e-6).
    pub min_variance: f64,
}

impl Parameters for GaussianMlp {
    /// Hidden weight, hidden bias, output weight, output bias: `(inputs + 1)·H + (H + 1)·2`
    /// scalars.
    fn vars(&self) -> Vec<Var> {
        self.net.vars()
    }
}

impl GaussianMlp {
    /// Torch7 default initialisation, hidden layer first (the order in which the network is
    /// built), each layer weight then bias ([`ReluMlp::torch_default`]).
    pub fn new(
        rng: &mut Rng,
        inputs: usize,
        hidden: usize,
        min_variance: f64,
        device: &Device,
    ) -> Result<Self> {
        Ok(Self {
            net: ReluMlp::torch_default(rng, inputs, hidden, 2, device)?,
            min_variance,
        })
    }

    /// Number of inputs.
    pub fn inputs(&self) -> usize {
        self.net.inputs()
    }

    /// Number of hidden units H.
    pub fn hidden_units(&self) -> usize {
        self.net.hidden_units()
    }

    /// `x` [b, inputs] (standardised) → (mean [b, 1], variance [b, 1]), both in standardised
    /// target units (variance ≥ `min_variance`). Errors: `x` of the wrong width.
    pub fn forward(&self, x: &Tensor) -> Result<(Tensor, Tensor)> {
        let out = self.net.forward(x)?; // [b, 2]
        let mean = out.narrow(1, 0, 1)?;
        let var = softplus(&out.narrow(1, 1, 1)?)?.affine(1.0, self.min_variance)?;
        Ok((mean, var))
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use repro_kit::rng::stream;

    #[test]
    fn parameter_count_matches_the_architecture() {
        let m =
            GaussianMlp::new(&mut stream(0, "init"), 13, 50, MIN_VARIANCE, &Device::Cpu).unwrap();
        // Boston: 13 inputs, 50 hidden: 13·50 + 50 + 50·2 + 2 = 802
        assert_eq!(m.parameter_count(), 802);
        let p =
            GaussianMlp::new(&mut stream(0, "init"), 9, 100, MIN_VARIANCE, &Device::Cpu).unwrap();
        // protein: 9 inputs, 100 hidden: 900 + 100 + 200 + 2 = 1202
        assert_eq!(p.parameter_count(), 1202);
    }

    #[test]
    fn torch7_bounds_and_positive_variance() {
        let d = Device::Cpu;
        let m = GaussianMlp::new(&mut stream(3, "init"), 4, 50, MIN_VARIANCE, &d).unwrap();
        let w: Vec<f32> = m
            .net
            .hidden
            .weight
            .as_tensor()
            .flatten_all()
            .unwrap()
            .to_vec1()
            .unwrap();
        assert!(w.iter().all(|v| v.abs() <= 0.5 + 1e-7)); // 1/√4
        let ob: Vec<f32> = m.net.output.bias.as_tensor().to_vec1().unwrap();
        assert!(ob.iter().all(|v| v.abs() <= 1.0 / 50f32.sqrt() + 1e-7));
        let x = Tensor::new(&[[100f32, -100., 50., 0.], [0., 0., 0., 0.]], &d).unwrap();
        let (mu, var) = m.forward(&x).unwrap();
        assert_eq!(mu.dims(), &[2, 1]);
        let v: Vec<f32> = var.flatten_all().unwrap().to_vec1().unwrap();
        assert!(v.iter().all(|v| *v >= 1e-6 && v.is_finite()), "{v:?}");
        assert!(m.forward(&x.narrow(1, 0, 3).unwrap()).is_err());
    }

    #[test]
    fn softplus_is_stable_and_exact() {
        let z = Tensor::new(&[-100f64, -1.0, 0.0, 2.0, 100.0], &Device::Cpu).unwrap();
        let s: Vec<f64> = softplus(&z).unwrap().to_vec1().unwrap();
        let want = [
            (-100f64).exp(),
            (1.0 + (-1f64).exp()).ln(),
            2f64.ln(),
            (1.0 + 2f64.exp()).ln(),
            100.0,
        ];
        for (a, b) in s.iter().zip(want) {
            assert!(
                (a - b).abs() <= 1e-12 * b.abs().max(1e-30) + 1e-300,
                "{a} vs {b}"
            );
        }
    }
}
