//! The four MNIST-1D models of the reference code (`mnist1d/models.py`), built on seeded
//! PyTorch-default initialisation. Every forward takes `x` [batch, 40] and returns logits
//! [batch, 10].

use crate::{CLASSES, INPUT_LEN};
use candle_core::{Device, Tensor, Var, D};
use repro_kit::nn::{expect_shape, vars_of, Conv1d, GruDirection, Layer, Linear, Parameters};
use repro_kit::rng::Rng;
use repro_kit::{KitError, Result};
use serde::Deserialize;

/// Which model, with its size: the `[variants.<v>.model]` table (`kind = "mlp"`, ...).
#[derive(Debug, Clone, Deserialize, PartialEq)]
#[serde(tag = "kind", rename_all = "lowercase", deny_unknown_fields)]
pub enum ModelSpec {
    /// Logistic regression, Linear(40 → 10): 410 parameters.
    Logistic,
    /// Residual MLP, `hidden` units (reference 100 → 15,210 parameters).
    Mlp { hidden: usize },
    /// Three strided Conv1d layers of `channels` channels (reference 25 → 5,210 parameters).
    Cnn { channels: usize },
    /// Bidirectional GRU of `hidden` units per direction (reference 6 → 5,134 parameters).
    Gru { hidden: usize },
}

impl ModelSpec {
    /// Sizes must be at least 1.
    pub fn validate(&self) -> Result<()> {
        let size = match self {
            ModelSpec::Logistic => 1,
            ModelSpec::Mlp { hidden } | ModelSpec::Gru { hidden } => *hidden,
            ModelSpec::Cnn { channels } => *channels,
        };
        if size == 0 {
            return Err(KitError::Invalid(
                "model size (hidden/channels) must be ≥ 1".into(),
            ));
        }
        Ok(())
    }
}

/// A built model with its parameters.
pub enum Model {
    /// See [`ModelSpec::Logistic`].
    Logistic(Linear),
    /// See [`Mlp`].
    Mlp(Mlp),
    /// See [`Cnn`].
    Cnn(Cnn),
    /// See [`Gru`].
    Gru(Gru),
}

impl Model {
    /// Builds `spec` with parameters drawn from `rng` in the order PyTorch creates them.
    pub fn new(spec: &ModelSpec, rng: &mut Rng, device: &Device) -> Result<Self> {
        Ok(match spec {
            ModelSpec::Logistic => {
                Model::Logistic(Linear::torch_default(rng, INPUT_LEN, CLASSES, device)?)
            }
            ModelSpec::Mlp { hidden } => Model::Mlp(Mlp::new(rng, *hidden, device)?),
            ModelSpec::Cnn { channels } => Model::Cnn(Cnn::new(rng, *channels, device)?),
            ModelSpec::Gru { hidden } => Model::Gru(Gru::new(rng, *hidden, device)?),
        })
    }
}

impl Parameters for Model {
    /// The model's parameters in the order PyTorch creates them.
    fn vars(&self) -> Vec<Var> {
        match self {
            Model::Logistic(l) => l.vars(),
            Model::Mlp(m) => m.vars(),
            Model::Cnn(c) => c.vars(),
            Model::Gru(g) => g.vars(),
        }
    }
}

impl Layer for Model {
    /// `x` [batch, 40] → logits [batch, 10].
    fn forward(&self, x: &Tensor) -> Result<Tensor> {
        let batch = x.dim(0)?;
        expect_shape(x, &[batch, INPUT_LEN], "model input")?;
        let logits = match self {
            Model::Logistic(l) => l.forward(x)?,
            Model::Mlp(m) => m.forward(x)?,
            Model::Cnn(c) => c.forward(x)?,
            Model::Gru(g) => g.forward(x)?,
        };
        expect_shape(&logits, &[batch, CLASSES], "logits")?;
        Ok(logits)
    }
}

/// `h = relu(L1 x); h = h + relu(L2 h); logits = L3 h` (reference `MLP`).
pub struct Mlp {
    l1: Linear,
    l2: Linear,
    l3: Linear,
}

impl Mlp {
    fn new(rng: &mut Rng, hidden: usize, device: &Device) -> Result<Self> {
        Ok(Self {
            l1: Linear::torch_default(rng, INPUT_LEN, hidden, device)?,
            l2: Linear::torch_default(rng, hidden, hidden, device)?,
            l3: Linear::torch_default(rng, hidden, CLASSES, device)?,
        })
    }
}

impl Parameters for Mlp {
    fn vars(&self) -> Vec<Var> {
        vars_of(&[&self.l1, &self.l2, &self.l3])
    }
}

impl Layer for Mlp {
    /// `x` [batch, 40] → [batch, 10].
    fn forward(&self, x: &Tensor) -> Result<Tensor> {
        let h = self.l1.forward(x)?.relu()?;
        let h = (&h + self.l2.forward(&h)?.relu()?)?;
        self.l3.forward(&h)
    }
}

/// Conv1d(1→c, k5, s2, p1) → relu → Conv1d(c→c, k3, s2, p1) → relu → Conv1d(c→c, k3, s2, p1)
/// → relu → flatten (c·5) → Linear(c·5 → 10) (reference `ConvBase`). Lengths 40 → 19 → 10 → 5.
pub struct Cnn {
    conv1: Conv1d,
    conv2: Conv1d,
    conv3: Conv1d,
    linear: Linear,
    channels: usize,
}

/// Length of the last convolution's output for a 40-long input.
pub const CNN_FINAL_LEN: usize = 5;

impl Cnn {
    fn new(rng: &mut Rng, channels: usize, device: &Device) -> Result<Self> {
        let c = channels;
        Ok(Self {
            conv1: Conv1d::torch_default(rng, 1, c, 5, 2, 1, device)?,
            conv2: Conv1d::torch_default(rng, c, c, 3, 2, 1, device)?,
            conv3: Conv1d::torch_default(rng, c, c, 3, 2, 1, device)?,
            linear: Linear::torch_default(rng, c * CNN_FINAL_LEN, CLASSES, device)?,
            channels,
        })
    }
}

impl Parameters for Cnn {
    fn vars(&self) -> Vec<Var> {
        vars_of(&[&self.conv1, &self.conv2, &self.conv3, &self.linear])
    }
}

impl Layer for Cnn {
    /// `x` [batch, 40] → [batch, 10].
    fn forward(&self, x: &Tensor) -> Result<Tensor> {
        let b = x.dim(0)?;
        let h = x.reshape((b, 1, INPUT_LEN))?;
        let h1 = self.conv1.forward(&h)?.relu()?;
        expect_shape(&h1, &[b, self.channels, 19], "cnn conv1")?;
        let h2 = self.conv2.forward(&h1)?.relu()?;
        expect_shape(&h2, &[b, self.channels, 10], "cnn conv2")?;
        let h3 = self.conv3.forward(&h2)?.relu()?;
        expect_shape(&h3, &[b, self.channels, CNN_FINAL_LEN], "cnn conv3")?;
        let flat = h3.reshape((b, self.channels * CNN_FINAL_LEN))?;
        self.linear.forward(&flat)
    }
}

/// Bidirectional GRU (input size 1) over the 40 positions, zero initial state; all outputs
/// `[batch, 40, 2·hidden]` flattened (position-major, forward then backward features) →
/// Linear(40·2·hidden → 10) (reference `GRU`, `batch_first=True, bidirectional=True`).
pub struct Gru {
    forward_dir: GruDirection,
    backward_dir: GruDirection,
    linear: Linear,
    hidden: usize,
}

impl Gru {
    fn new(rng: &mut Rng, hidden: usize, device: &Device) -> Result<Self> {
        Ok(Self {
            forward_dir: GruDirection::torch_default(rng, 1, hidden, device)?,
            backward_dir: GruDirection::torch_default(rng, 1, hidden, device)?,
            linear: Linear::torch_default(rng, 2 * hidden * INPUT_LEN, CLASSES, device)?,
            hidden,
        })
    }
}

impl Parameters for Gru {
    fn vars(&self) -> Vec<Var> {
        vars_of(&[&self.forward_dir, &self.backward_dir, &self.linear])
    }
}

impl Layer for Gru {
    /// `x` [batch, 40] → [batch, 10].
    fn forward(&self, x: &Tensor) -> Result<Tensor> {
        let b = x.dim(0)?;
        let seq_in = x.reshape((b, INPUT_LEN, 1))?; // [batch, 40, input 1]
        let fwd = self.forward_dir.run(&seq_in, false)?;
        let bwd = self.backward_dir.run(&seq_in, true)?;
        let per_pos: Vec<Tensor> = fwd
            .iter()
            .zip(&bwd)
            .map(|(f, r)| Tensor::cat(&[f, r], D::Minus1))
            .collect::<candle_core::Result<_>>()?;
        let seq = Tensor::stack(&per_pos, 1)?;
        expect_shape(&seq, &[b, INPUT_LEN, 2 * self.hidden], "gru outputs")?;
        let flat = seq.reshape((b, INPUT_LEN * 2 * self.hidden))?;
        self.linear.forward(&flat)
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use repro_kit::rng::stream;

    fn build(spec: ModelSpec) -> Model {
        Model::new(&spec, &mut stream(0, "init"), &Device::Cpu).unwrap()
    }

    #[test]
    fn parameter_counts_match_the_paper() {
        assert_eq!(build(ModelSpec::Logistic).parameter_count(), 410);
        assert_eq!(
            build(ModelSpec::Mlp { hidden: 100 }).parameter_count(),
            15_210
        );
        assert_eq!(
            build(ModelSpec::Cnn { channels: 25 }).parameter_count(),
            5_210
        );
        assert_eq!(build(ModelSpec::Gru { hidden: 6 }).parameter_count(), 5_134);
    }

    #[test]
    fn forward_shapes() {
        let x = Tensor::zeros((3, INPUT_LEN), candle_core::DType::F32, &Device::Cpu).unwrap();
        for spec in [
            ModelSpec::Logistic,
            ModelSpec::Mlp { hidden: 8 },
            ModelSpec::Cnn { channels: 4 },
            ModelSpec::Gru { hidden: 3 },
        ] {
            assert_eq!(build(spec).forward(&x).unwrap().dims(), &[3, CLASSES]);
        }
        let wrong = Tensor::zeros((3, 39), candle_core::DType::F32, &Device::Cpu).unwrap();
        assert!(build(ModelSpec::Logistic).forward(&wrong).is_err());
    }
}
