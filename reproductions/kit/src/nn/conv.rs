//! Convolutions (PyTorch layout).

use crate::init;
use crate::rng::Rng;
use crate::Result;
use candle_core::{Device, Module, Tensor, Var};

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

impl Conv1d {
    /// Column indices of the im2col gather for a padded input: for output position `t` and tap
    /// `j`, the padded input position `t·stride + j`; `out_len · k` indices.
    fn gather_indices(&self, out_len: usize, device: &Device) -> candle_core::Result<Tensor> {
        let k = self.weight.dims()[2];
        let idx: Vec<u32> = (0..out_len)
            .flat_map(|t| (0..k).map(move |j| (t * self.stride + j) as u32))
            .collect();
        Tensor::from_vec(idx, out_len * k, device)
    }
}

impl Module for Conv1d {
    /// `x` [batch, in_channels, len] → [batch, out_channels, output_len(len)].
    ///
    /// Computed as im2col + matrix product (zero-pad, gather the `k` taps of every output
    /// position with `index_select`, multiply by the weight viewed as [out, in·k]) rather than
    /// candle's `conv1d`: the result is the same cross-correlation as PyTorch's `nn.Conv1d`, and
    /// its backward pass is a matrix product plus a scatter-add, which is exact for every stride
    /// and much faster on the CPU than candle's transposed-convolution backward.
    fn forward(&self, x: &Tensor) -> candle_core::Result<Tensor> {
        let (b, c, len) = x.dims3()?;
        let (o, c_w, k) = self.weight.dims3()?;
        if c != c_w {
            candle_core::bail!("conv1d: input has {c} channels, weight expects {c_w}");
        }
        let out_len = self.output_len(len);
        let padded = if self.padding > 0 {
            x.pad_with_zeros(2, self.padding, self.padding)?
        } else {
            x.clone()
        };
        let cols = padded
            .index_select(&self.gather_indices(out_len, x.device())?, 2)? // [b, c, out_len·k]
            .reshape((b, c, out_len, k))?
            .permute((0, 2, 1, 3))? // [b, out_len, c, k]
            .contiguous()?
            .reshape((b * out_len, c * k))?;
        let w = self.weight.reshape((o, c * k))?;
        cols.matmul(&w.t()?)? // [b·out_len, o]
            .broadcast_add(&self.bias)?
            .reshape((b, out_len, o))?
            .transpose(1, 2)?
            .contiguous()
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::nn::expect_shape;
    use crate::rng::stream;

    /// The im2col forward equals candle's direct `conv1d` (+ bias), for several strides/paddings.
    #[test]
    fn conv1d_matches_direct_convolution() {
        let d = Device::Cpu;
        for (stride, padding, k) in [(1, 0, 3), (2, 1, 5), (2, 1, 3), (3, 2, 4)] {
            let c =
                Conv1d::torch_default(&mut stream(1, "t"), 3, 4, k, stride, padding, &d).unwrap();
            let x = crate::init::uniform(&mut stream(2, "x"), &[2, 3, 17], 1.0, &d).unwrap();
            let got = c.forward(x.as_tensor()).unwrap();
            let want = x
                .as_tensor()
                .conv1d(c.weight.as_tensor(), padding, stride, 1, 1)
                .unwrap()
                .broadcast_add(&c.bias.reshape((1, (), 1)).unwrap())
                .unwrap();
            assert_eq!(got.dims(), want.dims());
            let diff = (got - want)
                .unwrap()
                .abs()
                .unwrap()
                .max_all()
                .unwrap()
                .to_scalar::<f32>()
                .unwrap();
            assert!(diff < 1e-5, "stride {stride} padding {padding}: {diff}");
        }
    }

    /// Gradients of a scalar loss w.r.t. weight, bias and input agree with central finite
    /// differences (in f64).
    #[test]
    fn conv1d_gradients_match_finite_differences() {
        let d = Device::Cpu;
        let c = Conv1d::torch_default(&mut stream(1, "t"), 2, 3, 3, 2, 1, &d).unwrap();
        let to64 = |v: &Var| {
            Var::from_tensor(&v.as_tensor().to_dtype(candle_core::DType::F64).unwrap()).unwrap()
        };
        let c = Conv1d {
            weight: to64(&c.weight),
            bias: to64(&c.bias),
            stride: 2,
            padding: 1,
        };
        let x = to64(&crate::init::uniform(&mut stream(2, "x"), &[2, 2, 9], 1.0, &d).unwrap());
        let target = crate::init::uniform(&mut stream(3, "y"), &[2, 3, 5], 1.0, &d).unwrap();
        let target = target
            .as_tensor()
            .to_dtype(candle_core::DType::F64)
            .unwrap();
        let loss = |c: &Conv1d, x: &Tensor| -> Tensor {
            (c.forward(x).unwrap() - &target)
                .unwrap()
                .sqr()
                .unwrap()
                .sum_all()
                .unwrap()
        };
        let grads = loss(&c, x.as_tensor()).backward().unwrap();
        for (name, var) in [("weight", &c.weight), ("bias", &c.bias), ("input", &x)] {
            let g: Vec<f64> = grads
                .get(var.as_tensor())
                .unwrap()
                .flatten_all()
                .unwrap()
                .to_vec1()
                .unwrap();
            let base: Vec<f64> = var.as_tensor().flatten_all().unwrap().to_vec1().unwrap();
            for i in 0..base.len() {
                let eps = 1e-6;
                let eval = |delta: f64| {
                    let mut v = base.clone();
                    v[i] += delta;
                    var.set(&Tensor::from_vec(v, var.shape(), &d).unwrap())
                        .unwrap();
                    let l = loss(&c, x.as_tensor()).to_scalar::<f64>().unwrap();
                    var.set(&Tensor::from_vec(base.clone(), var.shape(), &d).unwrap())
                        .unwrap();
                    l
                };
                let num = (eval(eps) - eval(-eps)) / (2.0 * eps);
                assert!(
                    (num - g[i]).abs() < 1e-6 * (1.0 + num.abs()),
                    "{name}[{i}]: autograd {} vs numeric {num}",
                    g[i]
                );
            }
        }
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
