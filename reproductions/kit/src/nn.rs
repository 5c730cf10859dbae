//! Small layers on seeded [`Var`]s, with the tensor layout of PyTorch.
//!
//! Each layer owns its parameters as [`Var`]s so that optimisers can update them and a model can
//! list them with `vars()`.

use crate::init;
use crate::rng::Rng;
use crate::Result;
use candle_core::{Device, Module, Tensor, Var};

/// Fully connected layer `y = x Wᵀ + b` with `W` [out, in] and `b` [out] (PyTorch `nn.Linear`).
#[derive(Debug, Clone)]
pub struct Linear {
    /// Weight, shape [out, in].
    pub weight: Var,
    /// Bias, shape [out].
    pub bias: Var,
}

impl Linear {
    /// A layer initialised like PyTorch's `nn.Linear` (U(±1/√in) for weight and bias).
    pub fn torch_default(rng: &mut Rng, inp: usize, out: usize, device: &Device) -> Result<Self> {
        let weight = init::torch_default_weight(rng, &[out, inp], inp, device)?;
        let bias = init::torch_default_bias(rng, out, inp, device)?;
        Ok(Self { weight, bias })
    }

    /// A layer initialised like Keras `Dense(kernel_initializer="he_normal")`, zero bias.
    pub fn he_normal(rng: &mut Rng, inp: usize, out: usize, device: &Device) -> Result<Self> {
        let weight = init::he_normal(rng, &[out, inp], inp, device)?;
        let bias = init::zeros(&[out], device)?;
        Ok(Self { weight, bias })
    }

    /// The trainable parameters, weight first.
    pub fn vars(&self) -> Vec<Var> {
        vec![self.weight.clone(), self.bias.clone()]
    }

    /// Number of scalar parameters (out·in + out).
    pub fn parameter_count(&self) -> usize {
        self.weight.elem_count() + self.bias.elem_count()
    }
}

impl Module for Linear {
    /// `x` [batch, in] → [batch, out].
    fn forward(&self, x: &Tensor) -> candle_core::Result<Tensor> {
        x.matmul(&self.weight.t()?)?.broadcast_add(&self.bias)
    }
}

/// 1-D convolution (PyTorch `nn.Conv1d`, groups 1, dilation 1): weight [out, in, k], bias [out].
#[derive(Debug, Clone)]
pub struct Conv1d {
    /// Weight, shape [out_channels, in_channels, kernel].
    pub weight: Var,
    /// Bias, shape [out_channels].
    pub bias: Var,
    /// Stride.
    pub stride: usize,
    /// Zero padding on each side.
    pub padding: usize,
}

impl Conv1d {
    /// A layer initialised like PyTorch's `nn.Conv1d` (U(±1/√(in·k)) for weight and bias).
    pub fn torch_default(
        rng: &mut Rng,
        in_channels: usize,
        out_channels: usize,
        kernel: usize,
        stride: usize,
        padding: usize,
        device: &Device,
    ) -> Result<Self> {
        let fan_in = in_channels * kernel;
        let weight =
            init::torch_default_weight(rng, &[out_channels, in_channels, kernel], fan_in, device)?;
        let bias = init::torch_default_bias(rng, out_channels, fan_in, device)?;
        Ok(Self {
            weight,
            bias,
            stride,
            padding,
        })
    }

    /// The trainable parameters, weight first.
    pub fn vars(&self) -> Vec<Var> {
        vec![self.weight.clone(), self.bias.clone()]
    }

    /// Number of scalar parameters.
    pub fn parameter_count(&self) -> usize {
        self.weight.elem_count() + self.bias.elem_count()
    }

    /// Output length for an input of length `len`: ⌊(len + 2·padding − k)/stride⌋ + 1.
    pub fn output_len(&self, len: usize) -> usize {
        let k = self.weight.dims()[2];
        (len + 2 * self.padding - k) / self.stride + 1
    }
}

impl Module for Conv1d {
    /// `x` [batch, in_channels, len] → [batch, out_channels, output_len(len)].
    fn forward(&self, x: &Tensor) -> candle_core::Result<Tensor> {
        let y = x.conv1d(self.weight.as_tensor(), self.padding, self.stride, 1, 1)?;
        y.broadcast_add(&self.bias.reshape((1, (), 1))?)
    }
}

/// Total number of scalar parameters in `vars`.
pub fn parameter_count(vars: &[Var]) -> usize {
    vars.iter().map(|v| v.elem_count()).sum()
}

/// Checks that `t` has exactly the dimensions `dims`; the error names `what` and both shapes.
/// Models call this at every stage boundary so that a wrong reshape fails loudly.
pub fn expect_shape(t: &Tensor, dims: &[usize], what: &str) -> Result<()> {
    if t.dims() != dims {
        return Err(crate::KitError::Invalid(format!(
            "{what}: expected shape {dims:?}, got {:?}",
            t.dims()
        )));
    }
    Ok(())
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::rng::stream;

    #[test]
    fn linear_matches_manual_product() {
        let d = Device::Cpu;
        let l = Linear::torch_default(&mut stream(0, "t"), 3, 2, &d).unwrap();
        let x = Tensor::new(&[[1f32, 2., 3.]], &d).unwrap();
        let y: Vec<f32> = l.forward(&x).unwrap().flatten_all().unwrap().to_vec1().unwrap();
        let w: Vec<Vec<f32>> = l.weight.as_tensor().to_vec2().unwrap();
        let b: Vec<f32> = l.bias.as_tensor().to_vec1().unwrap();
        for o in 0..2 {
            let want = w[o][0] + 2.0 * w[o][1] + 3.0 * w[o][2] + b[o];
            assert!((y[o] - want).abs() < 1e-6);
        }
        assert_eq!(l.parameter_count(), 8);
    }

    #[test]
    fn conv1d_output_length_and_shape() {
        let d = Device::Cpu;
        let c = Conv1d::torch_default(&mut stream(0, "t"), 1, 25, 5, 2, 1, &d).unwrap();
        assert_eq!(c.output_len(40), 19);
        let x = Tensor::zeros((4, 1, 40), candle_core::DType::F32, &d).unwrap();
        let y = c.forward(&x).unwrap();
        assert_eq!(y.dims(), &[4, 25, 19]);
        expect_shape(&y, &[4, 25, 19], "conv").unwrap();
        assert!(expect_shape(&y, &[4, 25, 20], "conv").is_err());
    }
}
