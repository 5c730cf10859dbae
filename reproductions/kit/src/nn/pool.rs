//! 2-D pooling (PyTorch `nn.MaxPool2d` / `nn.AvgPool2d`, `ceil_mode = False`, dilation 1) on the
//! kit's CPU kernels with explicit backward passes (`nn::kernels`).

use super::kernels::{Pool2dOp, PoolKind};
use super::Layer;
use crate::{KitError, Result};
use candle_core::Tensor;

/// Window, stride and padding of a pooling layer, validated as PyTorch does.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
struct Window {
    kernel: (usize, usize),
    stride: (usize, usize),
    padding: (usize, usize),
}

impl Window {
    fn new(
        what: &str,
        kernel: (usize, usize),
        stride: (usize, usize),
        padding: (usize, usize),
    ) -> Result<Self> {
        for (name, v) in [("kernel", kernel), ("stride", stride)] {
            if v.0 == 0 || v.1 == 0 {
                return Err(KitError::hyperparameter(
                    format!("{what} {name}"),
                    format!("{v:?}"),
                    "must be ≥ 1 along both axes",
                ));
            }
        }
        if 2 * padding.0 > kernel.0 || 2 * padding.1 > kernel.1 {
            return Err(KitError::hyperparameter(
                format!("{what} padding"),
                format!("{padding:?}"),
                format!("must be at most half the kernel {kernel:?}"),
            ));
        }
        Ok(Self {
            kernel,
            stride,
            padding,
        })
    }

    /// The forward both pooling layers share: `x` [batch, channels, h, w] → [batch, channels,
    /// oh, ow] through the kit's pooling kernel of `kind` (F32 or F64 on the CPU).
    fn forward(&self, x: &Tensor, kind: PoolKind) -> Result<Tensor> {
        let op = Pool2dOp {
            kind,
            kernel: self.kernel,
            stride: self.stride,
            padding: self.padding,
        };
        Ok(x.contiguous()?.apply_op1(op)?)
    }

    /// ⌊(len + 2·p − k)/s⌋ + 1 per axis (0 where the window does not fit).
    fn output_size(&self, h: usize, w: usize) -> (usize, usize) {
        let out = |len: usize, p: usize, k: usize, s: usize| {
            (len + 2 * p).checked_sub(k).map_or(0, |span| span / s + 1)
        };
        (
            out(h, self.padding.0, self.kernel.0, self.stride.0),
            out(w, self.padding.1, self.kernel.1, self.stride.1),
        )
    }
}

/// Max pooling (PyTorch `nn.MaxPool2d(kernel_size, stride, padding)`): `y[n, c, i, j]` is the
/// maximum of `x[n, c, i·sh − ph + u, j·sw − pw + v]` over the `kh × kw` window, padding
/// counting as −∞. The gradient goes to the first maximum of each window in row-major order
/// (PyTorch's CPU kernel); NaN propagates.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct MaxPool2d(Window);

impl MaxPool2d {
    /// `kernel`, `stride` (PyTorch's default stride is the kernel: pass it explicitly) and
    /// `padding` as (rows, columns). Errors if a kernel or stride is 0 or the padding exceeds
    /// half the kernel (PyTorch's rule).
    pub fn new(
        kernel: (usize, usize),
        stride: (usize, usize),
        padding: (usize, usize),
    ) -> Result<Self> {
        Ok(Self(Window::new("max_pool2d", kernel, stride, padding)?))
    }

    /// Output size (rows, columns) for an input of `h × w`: ⌊(h + 2·ph − kh)/sh⌋ + 1, ….
    pub fn output_size(&self, h: usize, w: usize) -> (usize, usize) {
        self.0.output_size(h, w)
    }
}

impl Layer for MaxPool2d {
    /// `x` [batch, channels, h, w] → [batch, channels, oh, ow] ([`MaxPool2d::output_size`]);
    /// F32 or F64 on the CPU.
    fn forward(&self, x: &Tensor) -> Result<Tensor> {
        self.0.forward(x, PoolKind::Max)
    }
}

/// Average pooling (PyTorch `nn.AvgPool2d(kernel_size, stride, padding)` with its defaults
/// `count_include_pad = True`, `ceil_mode = False`): `y[n, c, i, j]` is the sum of the window
/// (padding counting as 0) divided by `kh·kw`.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct AvgPool2d(Window);

impl AvgPool2d {
    /// As [`MaxPool2d::new`].
    pub fn new(
        kernel: (usize, usize),
        stride: (usize, usize),
        padding: (usize, usize),
    ) -> Result<Self> {
        Ok(Self(Window::new("avg_pool2d", kernel, stride, padding)?))
    }

    /// Output size (rows, columns) for an input of `h × w`.
    pub fn output_size(&self, h: usize, w: usize) -> (usize, usize) {
        self.0.output_size(h, w)
    }
}

impl Layer for AvgPool2d {
    /// `x` [batch, channels, h, w] → [batch, channels, oh, ow]; F32 or F64 on the CPU.
    fn forward(&self, x: &Tensor) -> Result<Tensor> {
        self.0.forward(x, PoolKind::Avg)
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::nn::gradcheck::{check, squared, var, weighted_sum};
    use candle_core::{DType, Device, Var};

    /// (rows, columns).
    type Pair = (usize, usize);

    const CASES: [(Pair, Pair, Pair); 4] = [
        ((2, 2), (2, 2), (0, 0)),
        ((3, 3), (2, 2), (1, 1)),
        ((3, 2), (1, 2), (1, 0)),
        ((2, 3), (3, 1), (0, 1)),
    ];

    /// Hand-computed 2×2/2 pooling of a 4×4 ramp.
    #[test]
    fn pools_a_ramp_by_hand() {
        let x = Tensor::arange(0f32, 16.0, &Device::Cpu)
            .unwrap()
            .reshape((1, 1, 4, 4))
            .unwrap();
        let max = MaxPool2d::new((2, 2), (2, 2), (0, 0)).unwrap();
        let avg = AvgPool2d::new((2, 2), (2, 2), (0, 0)).unwrap();
        let m: Vec<f32> = max
            .forward(&x)
            .unwrap()
            .flatten_all()
            .unwrap()
            .to_vec1()
            .unwrap();
        let a: Vec<f32> = avg
            .forward(&x)
            .unwrap()
            .flatten_all()
            .unwrap()
            .to_vec1()
            .unwrap();
        assert_eq!(m, vec![5.0, 7.0, 13.0, 15.0]);
        assert_eq!(a, vec![2.5, 4.5, 10.5, 12.5]);
        // Padding 1, kernel 3, stride 2 on 4×4: output 2×2; the corner window averages
        // x[0..2, 0..2] = 0 + 1 + 4 + 5 = 10 over 9 (padding counted).
        let avg = AvgPool2d::new((3, 3), (2, 2), (1, 1)).unwrap();
        let y: Vec<f32> = avg
            .forward(&x)
            .unwrap()
            .flatten_all()
            .unwrap()
            .to_vec1()
            .unwrap();
        assert_eq!(y.len(), 4);
        assert!((y[0] - 10.0 / 9.0).abs() < 1e-6, "{y:?}");
        assert_eq!(avg.output_size(4, 4), (2, 2));
    }

    #[test]
    fn pools_match_candle_without_padding() {
        let x = var(1, &[2, 3, 9, 8], DType::F32);
        for (k, s) in [((2, 2), (2, 2)), ((3, 3), (2, 2)), ((3, 2), (1, 2))] {
            let ours = MaxPool2d::new(k, s, (0, 0)).unwrap().forward(&x).unwrap();
            let theirs = x.as_tensor().max_pool2d_with_stride(k, s).unwrap();
            assert_eq!(
                ours.flatten_all().unwrap().to_vec1::<f32>().unwrap(),
                theirs.flatten_all().unwrap().to_vec1::<f32>().unwrap()
            );
            let ours = AvgPool2d::new(k, s, (0, 0)).unwrap().forward(&x).unwrap();
            let theirs = x.as_tensor().avg_pool2d_with_stride(k, s).unwrap();
            let d = (ours - theirs).unwrap().abs().unwrap().max_all().unwrap();
            assert!(d.to_scalar::<f32>().unwrap() < 1e-6);
        }
    }

    #[test]
    fn bad_windows_are_errors() {
        assert!(MaxPool2d::new((0, 2), (1, 1), (0, 0)).is_err());
        assert!(MaxPool2d::new((2, 2), (0, 1), (0, 0)).is_err());
        assert!(AvgPool2d::new((2, 2), (1, 1), (2, 0)).is_err());
        let p = MaxPool2d::new((5, 5), (1, 1), (0, 0)).unwrap();
        let x = Tensor::zeros((1, 1, 3, 3), DType::F32, &Device::Cpu).unwrap();
        assert!(p.forward(&x).is_err());
        assert!(p.forward(&x.reshape((1, 9)).unwrap()).is_err());
    }

    /// Input gradients against finite differences, every case, F64 (squared loss) and F32
    /// (loss linear in the output). For max pooling the inputs are a shuffled grid of values
    /// 0.05 apart so that ±ε never changes a window's maximum.
    #[test]
    fn pool_gradients_match_finite_differences() {
        for (kernel, stride, padding) in CASES {
            for dtype in [DType::F64, DType::F32] {
                let (eps, tol) = if dtype == DType::F64 {
                    (1e-6, 1e-6)
                } else {
                    (1e-2, 2e-3)
                };
                let n = 2 * 2 * 6 * 7;
                let grid: Vec<f64> = crate::rng::permutation(&mut crate::rng::stream(7, "grid"), n)
                    .into_iter()
                    .map(|i| (i as f64) * 0.05 - 4.0)
                    .collect();
                let x = Var::from_tensor(
                    &Tensor::from_vec(grid, (2, 2, 6, 7), &Device::Cpu)
                        .unwrap()
                        .to_dtype(dtype)
                        .unwrap(),
                )
                .unwrap();
                let max = MaxPool2d::new(kernel, stride, padding).unwrap();
                let avg = AvgPool2d::new(kernel, stride, padding).unwrap();
                let loss = |y: Tensor| {
                    if dtype == DType::F64 {
                        squared(&y)
                    } else {
                        weighted_sum(&y)
                    }
                };
                check(
                    &|| loss(max.forward(x.as_tensor()).unwrap()),
                    &[("max input", &x)],
                    eps,
                    tol,
                );
                check(
                    &|| loss(avg.forward(x.as_tensor()).unwrap()),
                    &[("avg input", &x)],
                    eps,
                    tol,
                );
            }
        }
    }
}
