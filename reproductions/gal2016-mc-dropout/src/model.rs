//! The network of the paper (§5.3) and of the authors' Keras code (`net/net.py`):
//! `Dropout(p) → Dense(H, relu) → Dropout(p) → Dense(1)`, with the L2 penalty
//! `reg · (‖W₁‖² + ‖W₂‖²)` on the kernels only (Keras `W_regularizer=l2(reg)`), Keras default
//! initialisation (`glorot_uniform` kernels, zero biases).
//!
//! Weights are stored as PyTorch does ([out, in], `y = x Wᵀ + b`, [`repro_kit::nn::Linear`]);
//! the Glorot bound is symmetric in fan-in and fan-out, so the distribution is Keras'.

use candle_core::{Device, Module, Tensor, Var};
use repro_kit::nn::{expect_shape, parameter_count, Linear};
use repro_kit::rng::Rng;
use repro_kit::{init, Result};

/// Keras `glorot_uniform` for a Dense kernel of `inp` → `out` units, stored [out, in]
/// (the kit's [`init::glorot_uniform`]).
fn glorot_uniform(rng: &mut Rng, inp: usize, out: usize, device: &Device) -> Result<Var> {
    init::glorot_uniform(rng, &[out, inp], inp, out, device)
}

/// One hidden layer of `H` ReLU units with dropout on its input and on the hidden units.
#[derive(Debug, Clone)]
pub struct DropoutMlp {
    /// Dense(inputs → H), weight [H, inputs].
    pub hidden: Linear,
    /// Dense(H → 1), weight [1, H].
    pub output: Linear,
}

impl DropoutMlp {
    /// Glorot-uniform kernels (hidden first, as Keras builds them), zero biases.
    pub fn new(rng: &mut Rng, inputs: usize, hidden: usize, device: &Device) -> Result<Self> {
        let h_w = glorot_uniform(rng, inputs, hidden, device)?;
        let o_w = glorot_uniform(rng, hidden, 1, device)?;
        Ok(Self {
            hidden: Linear {
                weight: h_w,
                bias: init::zeros(&[hidden], device)?,
            },
            output: Linear {
                weight: o_w,
                bias: init::zeros(&[1], device)?,
            },
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

    /// All trainable parameters.
    pub fn vars(&self) -> Vec<Var> {
        [self.hidden.vars(), self.output.vars()].concat()
    }

    /// Number of trainable scalars: (inputs + 1)·H + H + 1.
    pub fn parameter_count(&self) -> usize {
        parameter_count(&self.vars())
    }

    /// One stochastic pass: `x_dropped` [b, inputs] is the input already multiplied by its
    /// inverted-dropout mask, `hidden_mask` [b, H] the hidden layer's multipliers
    /// ([`crate::dropout::fill_multipliers`]). Returns standardised predictions [b, 1].
    pub fn forward_masked(&self, x_dropped: &Tensor, hidden_mask: &Tensor) -> Result<Tensor> {
        let b = x_dropped.dim(0)?;
        expect_shape(x_dropped, &[b, self.inputs()], "masked input")?;
        expect_shape(hidden_mask, &[b, self.hidden_units()], "hidden mask")?;
        let h = self.hidden.forward(x_dropped)?.relu()?.mul(hidden_mask)?;
        let y = self.output.forward(&h)?;
        expect_shape(&y, &[b, 1], "prediction")?;
        Ok(y)
    }

    /// The deterministic network, dropout off ("standard dropout"): with inverted dropout this
    /// is exactly the weight-scaling rule of Srivastava et al. (2014). `x` [b, inputs] →
    /// standardised predictions [b, 1].
    pub fn forward_deterministic(&self, x: &Tensor) -> Result<Tensor> {
        let b = x.dim(0)?;
        expect_shape(x, &[b, self.inputs()], "input")?;
        let y = self.output.forward(&self.hidden.forward(x)?.relu()?)?;
        expect_shape(&y, &[b, 1], "prediction")?;
        Ok(y)
    }

    /// `‖W₁‖² + ‖W₂‖²` (kernels only, as Keras `l2` regularisers on Dense kernels), a scalar.
    pub fn kernel_sq_norm(&self) -> Result<Tensor> {
        Ok((self.hidden.weight.as_tensor().sqr()?.sum_all()?
            + self.output.weight.as_tensor().sqr()?.sum_all()?)?)
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use repro_kit::rng::stream;

    #[test]
    fn glorot_bound_shapes_and_zero_bias() {
        let d = Device::Cpu;
        let m = DropoutMlp::new(&mut stream(0, "init"), 13, 50, &d).unwrap();
        assert_eq!(m.parameter_count(), 13 * 50 + 50 + 50 + 1);
        let w: Vec<f32> = m
            .hidden
            .weight
            .as_tensor()
            .flatten_all()
            .unwrap()
            .to_vec1()
            .unwrap();
        let bound = (6.0f32 / 63.0).sqrt();
        assert!(w.iter().all(|v| v.abs() <= bound));
        assert!(w.iter().any(|v| v.abs() > 0.8 * bound));
        let b: Vec<f32> = m.hidden.bias.as_tensor().to_vec1().unwrap();
        assert!(b.iter().all(|v| *v == 0.0));
    }

    #[test]
    fn all_ones_masks_equal_the_deterministic_network() {
        let d = Device::Cpu;
        let m = DropoutMlp::new(&mut stream(1, "init"), 3, 7, &d).unwrap();
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
            .forward_deterministic(&x)
            .unwrap()
            .flatten_all()
            .unwrap()
            .to_vec1()
            .unwrap();
        assert_eq!(a, b);
        assert!(m
            .forward_masked(&x, &ones.narrow(1, 0, 6).unwrap())
            .is_err());
    }
}
