//! The two-layer ReLU regression network of the UCI benchmarks (Hernández-Lobato & Adams 2015,
//! and the papers that reuse their protocol: `gal2016-mc-dropout`,
//! `lakshminarayanan2017-deep-ensembles`): `Linear(inputs → H) → ReLU → Linear(H → outputs)`,
//! weights stored as PyTorch does ([out, in], `y = x Wᵀ + b`, [`Linear`]), and the training
//! protocol those papers share ([`UciMlpTraining`]: Adam without weight decay on batches of
//! rows reshuffled every epoch, for a fixed number of epochs).

use super::{expect_shape, vars_of, Layer, Linear, Parameters};
use crate::data::batching::ShuffledEpochs;
use crate::fit::FitPlan;
use crate::optim::Adam;
use crate::rng::Rng;
use crate::{init, Result};
use candle_core::{Device, Tensor, Var};

/// `Linear(inputs → H) → ReLU → Linear(H → outputs)`.
#[derive(Debug, Clone)]
pub struct ReluMlp {
    /// Linear(inputs → H), weight [H, inputs].
    pub hidden: Linear,
    /// Linear(H → outputs), weight [outputs, H].
    pub output: Linear,
}

impl ReluMlp {
    /// Keras' default initialisation of two `Dense` layers: `glorot_uniform` kernels drawn
    /// hidden first (the Glorot bound is symmetric in fan-in and fan-out, so storing them
    /// [out, in] keeps Keras' distribution), zero biases (no draws).
    pub fn keras_default(
        rng: &mut Rng,
        inputs: usize,
        hidden: usize,
        outputs: usize,
        device: &Device,
    ) -> Result<Self> {
        let h_w = init::glorot_uniform(rng, &[hidden, inputs], inputs, hidden, device)?;
        let o_w = init::glorot_uniform(rng, &[outputs, hidden], hidden, outputs, device)?;
        Ok(Self {
            hidden: Linear {
                weight: h_w,
                bias: init::zeros(&[hidden], device)?,
            },
            output: Linear {
                weight: o_w,
                bias: init::zeros(&[outputs], device)?,
            },
        })
    }

    /// Torch7's / PyTorch's default initialisation ([`Linear::torch_default`]: weight then
    /// bias, U(±1/√fan_in)), hidden layer first.
    pub fn torch_default(
        rng: &mut Rng,
        inputs: usize,
        hidden: usize,
        outputs: usize,
        device: &Device,
    ) -> Result<Self> {
        Ok(Self {
            hidden: Linear::torch_default(rng, inputs, hidden, device)?,
            output: Linear::torch_default(rng, hidden, outputs, device)?,
        })
    }

    /// Number of inputs.
    pub fn inputs(&self) -> usize {
        self.hidden.weight.dims()[1]
    }

    /// Number of hidden units H.
    pub fn hidden_units(&self) -> usize {
        self.hidden.weight.dims()[0]
    }

    /// Number of outputs.
    pub fn outputs(&self) -> usize {
        self.output.weight.dims()[0]
    }

    /// One pass with multipliers on the hidden units (e.g. inverted-dropout masks):
    /// `x` [b, inputs] (already multiplied by its own multipliers, if any), `hidden_mask`
    /// [b, H] → `output(relu(hidden(x)) ⊙ hidden_mask)` [b, outputs]. Errors on other shapes.
    pub fn forward_masked(&self, x: &Tensor, hidden_mask: &Tensor) -> Result<Tensor> {
        let b = x.dim(0)?;
        expect_shape(x, &[b, self.inputs()], "masked input")?;
        expect_shape(hidden_mask, &[b, self.hidden_units()], "hidden mask")?;
        let h = self.hidden.forward(x)?.relu()?.mul(hidden_mask)?;
        let y = self.output.forward(&h)?;
        expect_shape(&y, &[b, self.outputs()], "prediction")?;
        Ok(y)
    }

    /// `‖W₁‖² + ‖W₂‖²` (weights only, as Keras `l2` regularisers on Dense kernels), a scalar.
    pub fn kernel_sq_norm(&self) -> Result<Tensor> {
        Ok((self.hidden.weight.as_tensor().sqr()?.sum_all()?
            + self.output.weight.as_tensor().sqr()?.sum_all()?)?)
    }
}

impl Layer for ReluMlp {
    /// `x` [b, inputs] → `output(relu(hidden(x)))` [b, outputs]. Errors on other shapes.
    fn forward(&self, x: &Tensor) -> Result<Tensor> {
        let b = x.dim(0)?;
        expect_shape(x, &[b, self.inputs()], "input")?;
        let y = self.output.forward(&self.hidden.forward(x)?.relu()?)?;
        expect_shape(&y, &[b, self.outputs()], "prediction")?;
        Ok(y)
    }
}

impl Parameters for ReluMlp {
    /// Hidden weight, hidden bias, output weight, output bias: (inputs + 1)·H + (H + 1)·outputs
    /// scalars.
    fn vars(&self) -> Vec<Var> {
        vars_of(&[&self.hidden, &self.output])
    }
}

/// The settings and optimisation protocol the UCI regression MLPs share
/// (`gal2016-mc-dropout`, `lakshminarayanan2017-deep-ensembles`): a [`ReluMlp`] of
/// `hidden_units`, trained with Adam(`learning_rate`, β = (0.9, 0.999), ε = 1e-8, no weight
/// decay) for `epochs` passes over the rows, reshuffled every epoch, in batches of
/// `batch_size` (the last batch of an epoch may be smaller; Keras `fit(shuffle=True)`, Torch7's
/// shuffled minibatches).
#[derive(Debug, Clone, Copy, PartialEq)]
pub struct UciMlpTraining {
    /// Hidden units H.
    pub hidden_units: usize,
    /// Passes over the training rows.
    pub epochs: usize,
    /// Rows per Adam step.
    pub batch_size: usize,
    /// Adam learning rate.
    pub learning_rate: f64,
}

impl UciMlpTraining {
    /// The optimizer: the kit's Adam over `vars` (PyTorch defaults, no weight decay). Errors
    /// on an invalid learning rate.
    pub fn adam(&self, vars: Vec<Var>) -> Result<Adam> {
        Adam::new(vars, self.learning_rate, 0.0)
    }

    /// The batch order over `n` rows, drawn from `rng`.
    pub fn batches(&self, rng: Rng, n: usize) -> ShuffledEpochs {
        ShuffledEpochs::new(rng, n, self.batch_size)
    }

    /// `epochs` × the steps of an epoch of `batches`, the `train_loss` curve per epoch.
    pub fn plan(&self, batches: &ShuffledEpochs) -> FitPlan {
        FitPlan::epochs(self.epochs as u64, batches.steps_per_epoch())
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::rng::stream;

    #[test]
    fn keras_default_is_glorot_kernels_and_zero_biases() {
        let d = Device::Cpu;
        let m = ReluMlp::keras_default(&mut stream(0, "init"), 13, 50, 1, &d).unwrap();
        assert_eq!(m.parameter_count(), 13 * 50 + 50 + 50 + 1);
        assert_eq!((m.inputs(), m.hidden_units(), m.outputs()), (13, 50, 1));
        let w: Vec<f32> = m.hidden.weight.flatten_all().unwrap().to_vec1().unwrap();
        let bound = (6.0f32 / 63.0).sqrt();
        assert!(w.iter().all(|v| v.abs() <= bound));
        assert!(w.iter().any(|v| v.abs() > 0.8 * bound));
        let b: Vec<f32> = m.hidden.bias.as_tensor().to_vec1().unwrap();
        assert!(b.iter().all(|v| *v == 0.0));
    }

    #[test]
    fn all_ones_masks_equal_the_plain_forward_and_shapes_are_checked() {
        let d = Device::Cpu;
        let m = ReluMlp::torch_default(&mut stream(1, "init"), 3, 7, 2, &d).unwrap();
        assert_eq!(m.parameter_count(), 4 * 7 + 8 * 2);
        let x = Tensor::new(&[[0.5f32, -1.0, 2.0], [1.0, 0.0, -0.3]], &d).unwrap();
        let ones = Tensor::ones((2, 7), candle_core::DType::F32, &d).unwrap();
        let a: Vec<f32> = m
            .forward_masked(&x, &ones)
            .unwrap()
            .flatten_all()
            .unwrap()
            .to_vec1()
            .unwrap();
        let b: Vec<f32> = m
            .forward(&x)
            .unwrap()
            .flatten_all()
            .unwrap()
            .to_vec1()
            .unwrap();
        assert_eq!(a, b);
        assert!(m
            .forward_masked(&x, &ones.narrow(1, 0, 6).unwrap())
            .is_err());
        assert!(m.forward(&x.narrow(1, 0, 2).unwrap()).is_err());
    }

    /// The protocol's pieces follow its settings: epochs × ⌈n / batch⌉ steps with a curve point
    /// per epoch, batches of `batch_size` rows (the last one smaller), Adam at the given rate.
    #[test]
    fn uci_training_plans_epochs_of_shuffled_batches() {
        use candle_nn::Optimizer;
        let t = UciMlpTraining {
            hidden_units: 4,
            epochs: 3,
            batch_size: 4,
            learning_rate: 0.01,
        };
        let mut batches = t.batches(stream(0, "batches"), 10);
        let plan = t.plan(&batches);
        assert_eq!(plan, FitPlan::epochs(3, 3));
        let sizes: Vec<usize> = (0..3).map(|s| batches.batch(s).unwrap().len()).collect();
        assert_eq!(sizes, vec![4, 4, 2]);
        let m = ReluMlp::torch_default(&mut stream(0, "init"), 2, 4, 1, &Device::Cpu).unwrap();
        assert_eq!(t.adam(m.vars()).unwrap().learning_rate(), 0.01);
        let bad = UciMlpTraining {
            learning_rate: -1.0,
            ..t
        };
        assert!(bad.adam(m.vars()).is_err());
    }
}
