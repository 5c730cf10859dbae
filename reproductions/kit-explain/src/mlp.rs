//! The repository's multilayer perceptron (`rrr/multilayer_perceptron.py`: `feed_forward`,
//! `init_random_params`, `MultilayerPerceptron`) with an input gradient that autograd can
//! differentiate with respect to the weights.

use super::{check_input, logit_gradient, Explained};
use candle_core::{DType, Device, Tensor, Var};
use repro_kit::loss::log_softmax;
use repro_kit::nn::{relu, vars_of, Layer, Linear, Parameters};
use repro_kit::rng::Rng;
use repro_kit::{init, KitError, Result};

/// The hidden layers' nonlinearity. The repository's default is ReLU (`relu`, `fit(...,
/// nonlinearity=relu)`); tanh is offered because its derivative is smooth (1 − tanh²).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Activation {
    /// `max(z, 0)` (the kit's [`relu`]); its derivative, the indicator `z > 0`, enters the input
    /// gradient as a constant mask (its own derivative is 0 almost everywhere).
    Relu,
    /// `tanh(z)` (candle's `Tensor::tanh`); its derivative `1 − tanh(z)²` enters the input
    /// gradient as a differentiable tensor expression.
    Tanh,
}

/// `x` → Linear → activation → … → Linear → logits (no activation on the last layer; the
/// repository returns `outputs − logsumexp(outputs)`, here [`MultilayerPerceptron::
/// log_probabilities`]). Layer `l` maps `sizes[l]` → `sizes[l+1]` with the kit's [`Linear`]
/// (weight [out, in], `z = h Wᵀ + b`; the repository stores W as [in, out] and computes
/// `h W + b`: the same function).
///
/// Source: `feed_forward` and `MultilayerPerceptron` in `rrr/multilayer_perceptron.py`
/// (default hidden sizes (50, 30), ReLU).
#[derive(Debug, Clone)]
pub struct MultilayerPerceptron {
    layers: Vec<Linear>,
    activation: Activation,
}

/// The forward pass kept for the explicit backward: each hidden layer's pre-activation `z` and
/// activation `h` [batch, width], and the logits [batch, classes].
pub(super) struct Trace {
    pub(super) hidden: Vec<(Tensor, Tensor)>,
    pub(super) logits: Tensor,
}

impl MultilayerPerceptron {
    /// An MLP from its layers, input side first. Errors: no layer, a weight that is not
    /// [out, in], a bias that is not [out], consecutive layers whose sizes do not chain, or
    /// layers of different dtypes.
    pub fn new(layers: Vec<Linear>, activation: Activation) -> Result<Self> {
        if layers.is_empty() {
            return Err(KitError::Invalid(
                "MultilayerPerceptron needs at least one layer".into(),
            ));
        }
        let dtype = layers[0].weight.dtype();
        let mut previous: Option<usize> = None;
        for (l, layer) in layers.iter().enumerate() {
            let (out, inp) = layer.weight.dims2().map_err(|_| {
                KitError::Invalid(format!(
                    "MultilayerPerceptron layer {l}: weight must be [out, in], got {:?}",
                    layer.weight.dims()
                ))
            })?;
            if layer.bias.dims() != [out] {
                return Err(KitError::shape(
                    format!("MultilayerPerceptron layer {l} bias"),
                    &[out],
                    layer.bias.dims(),
                ));
            }
            if previous.is_some_and(|p| p != inp) {
                return Err(KitError::shape(
                    format!("MultilayerPerceptron layer {l} weight [out, in]"),
                    &[out, previous.unwrap_or(0)],
                    layer.weight.dims(),
                ));
            }
            if layer.weight.dtype() != dtype || layer.bias.dtype() != dtype {
                return Err(KitError::Invalid(format!(
                    "MultilayerPerceptron layer {l}: dtype differs from layer 0's {dtype:?}"
                )));
            }
            previous = Some(out);
        }
        Ok(Self { layers, activation })
    }

    /// The repository's `init_random_params(scale, layer_sizes)`: every weight and bias drawn
    /// i.i.d. `scale · N(0, 1)`, layer by layer (weight then bias) from `rng`; F32. `sizes` is
    /// `[inputs, hidden…, classes]` (the repository: `[D] + [50, 30] + [K]`, scale 0.1).
    ///
    /// Errors: fewer than two sizes, a zero size, `scale` negative or not finite.
    pub fn normal_init(
        rng: &mut Rng,
        sizes: &[usize],
        scale: f64,
        activation: Activation,
        device: &Device,
    ) -> Result<Self> {
        if sizes.len() < 2 || sizes.contains(&0) {
            return Err(KitError::hyperparameter(
                "MultilayerPerceptron sizes",
                format!("{sizes:?}"),
                "need [inputs, hidden…, classes], at least two sizes, all ≥ 1",
            ));
        }
        let mut layers = Vec::with_capacity(sizes.len() - 1);
        for pair in sizes.windows(2) {
            let weight = init::normal(rng, &[pair[1], pair[0]], 0.0, scale, device)?;
            let bias = init::normal(rng, &[pair[1]], 0.0, scale, device)?;
            layers.push(Linear { weight, bias });
        }
        Self::new(layers, activation)
    }

    /// A copy with every parameter converted to `dtype` (new [`Var`]s; e.g. F64 for
    /// finite-difference checks).
    pub fn to_dtype(&self, dtype: DType) -> Result<Self> {
        let convert =
            |v: &Var| -> Result<Var> { Ok(Var::from_tensor(&v.as_tensor().to_dtype(dtype)?)?) };
        let layers = self
            .layers
            .iter()
            .map(|l| {
                Ok(Linear {
                    weight: convert(&l.weight)?,
                    bias: convert(&l.bias)?,
                })
            })
            .collect::<Result<Vec<_>>>()?;
        Self::new(layers, self.activation)
    }

    /// The layers, input side first.
    pub fn layers(&self) -> &[Linear] {
        &self.layers
    }

    /// The hidden layers' nonlinearity.
    pub fn activation(&self) -> Activation {
        self.activation
    }

    /// Number of input features (the first layer's `in`).
    pub fn inputs(&self) -> usize {
        self.layers[0].weight.dims()[1]
    }

    /// Number of classes (the last layer's `out`).
    pub fn classes(&self) -> usize {
        self.layers[self.layers.len() - 1].weight.dims()[0]
    }

    /// Log-probabilities [batch, classes] of `x` [batch, inputs]: the repository's
    /// `feed_forward` (`outputs − logsumexp(outputs)`). Errors as [`Layer::forward`].
    pub fn log_probabilities(&self, x: &Tensor) -> Result<Tensor> {
        log_softmax(&self.forward(x)?)
    }

    /// The input gradient ∂f/∂x [batch, inputs] of `explained` for every row of `x` [batch,
    /// inputs], written as explicit tensor operations (module docs), so that it is itself
    /// differentiable with respect to every weight and bias (what [`super::RightReasons`]
    /// needs). Equal to [`super::input_gradients`] of this model (a test checks both against
    /// each other and against finite differences).
    ///
    /// The chain, for layers l = L … 1 with `g_L = ∂f/∂logits` (e.g. `1 − K·softmax` for
    /// [`Explained::SumLogProbabilities`]): `∂f/∂h_{l−1} = g_l · W_l` ([batch, out]·[out, in]),
    /// `g_{l−1} = ∂f/∂h_{l−1} ⊙ σ'(z_{l−1})`, ending with `∂f/∂x = g_1 · W_1`.
    ///
    /// Errors: `x` not [batch, inputs] in the parameters' dtype, or a class of `explained` out
    /// of range.
    pub fn input_gradients(&self, x: &Tensor, explained: Explained) -> Result<Tensor> {
        explained.check(self.classes())?;
        let trace = self.trace(x)?;
        self.input_gradients_of(&trace, explained)
    }

    /// The forward pass of `x` [batch, inputs], keeping what the explicit backward needs.
    pub(super) fn trace(&self, x: &Tensor) -> Result<Trace> {
        self.check_x(x)?;
        let last = self.layers.len() - 1;
        let mut hidden = Vec::with_capacity(last);
        let mut h = x.clone();
        for layer in &self.layers[..last] {
            let z = layer.forward(&h)?;
            h = match self.activation {
                Activation::Relu => relu(&z)?,
                Activation::Tanh => z.tanh()?,
            };
            hidden.push((z, h.clone()));
        }
        let logits = self.layers[last].forward(&h)?;
        Ok(Trace { hidden, logits })
    }

    /// The explicit backward of [`Self::input_gradients`] over a kept forward pass.
    pub(super) fn input_gradients_of(&self, trace: &Trace, explained: Explained) -> Result<Tensor> {
        let log_p = log_softmax(&trace.logits)?;
        let mut g = logit_gradient(&log_p, &trace.logits, explained)?; // [batch, classes]
        for l in (0..self.layers.len()).rev() {
            g = g.matmul(self.layers[l].weight.as_tensor())?; // [batch, in_l]
            if l > 0 {
                let (z, h) = &trace.hidden[l - 1];
                g = (g * self.derivative(z, h)?)?;
            }
        }
        Ok(g)
    }

    /// σ'(z) of a hidden layer from its pre-activation `z` and activation `h = σ(z)`: ReLU's
    /// `1[z > 0]` as a constant, tanh's `1 − h²` as a differentiable expression.
    fn derivative(&self, z: &Tensor, h: &Tensor) -> Result<Tensor> {
        Ok(match self.activation {
            Activation::Relu => z.detach().gt(0.0)?.to_dtype(z.dtype())?,
            Activation::Tanh => h.sqr()?.affine(-1.0, 1.0)?,
        })
    }

    /// Checks that `x` is [batch, inputs] in the parameters' dtype.
    fn check_x(&self, x: &Tensor) -> Result<()> {
        let (_, features) = check_input(x, "MultilayerPerceptron input")?;
        if features != self.inputs() {
            return Err(KitError::shape(
                "MultilayerPerceptron input [batch, inputs]",
                &[x.dims()[0], self.inputs()],
                x.dims(),
            ));
        }
        let dtype = self.layers[0].weight.dtype();
        if x.dtype() != dtype {
            return Err(KitError::Invalid(format!(
                "MultilayerPerceptron input is {:?}, parameters are {dtype:?}",
                x.dtype()
            )));
        }
        Ok(())
    }
}

impl Layer for MultilayerPerceptron {
    /// `x` [batch, inputs] → logits [batch, classes]. Errors: `x` not [batch, inputs] in the
    /// parameters' dtype.
    fn forward(&self, x: &Tensor) -> Result<Tensor> {
        Ok(self.trace(x)?.logits)
    }
}

impl Parameters for MultilayerPerceptron {
    /// Weight then bias of each layer, input side first (the repository's `params` order).
    fn vars(&self) -> Vec<Var> {
        let parts: Vec<&dyn Parameters> =
            self.layers.iter().map(|l| l as &dyn Parameters).collect();
        vars_of(&parts)
    }
}
