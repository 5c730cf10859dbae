//! Batch normalisation (PyTorch `nn.BatchNorm1d` / `nn.BatchNorm2d`, Ioffe & Szegedy 2015).

use crate::init;
use crate::nn::{Mode, Parameters};
use crate::{KitError, Result};
use candle_core::{DType, Device, Tensor, Var};
use std::sync::Mutex;

/// Batch normalisation over the channel dimension 1 of [n, c] / [n, c, l] (`BatchNorm1d`) or
/// [n, c, h, w] (`BatchNorm2d`): `y = (x − μ) / √(σ² + eps) · weight + bias` per channel.
///
/// - [`Mode::Train`]: μ and σ² are the batch mean and *biased* variance over every dimension but
///   the channel; the running statistics move by `momentum` (PyTorch's 0.1):
///   `running_mean ← (1 − m)·running_mean + m·μ`, `running_var ← (1 − m)·running_var + m·σ²·N/(N − 1)`
///   (the *unbiased* variance, N = elements per channel).
/// - [`Mode::Eval`]: μ and σ² are the running statistics (initially 0 and 1).
///
/// weight (γ) starts at 1 and bias (β) at 0 (`affine = True`, `track_running_stats = True`).
#[derive(Debug)]
pub struct BatchNorm {
    /// γ, shape [c].
    pub weight: Var,
    /// β, shape [c].
    pub bias: Var,
    /// Running mean, shape [c] (not trained).
    pub running_mean: Mutex<Tensor>,
    /// Running (unbiased) variance, shape [c] (not trained).
    pub running_var: Mutex<Tensor>,
    /// Momentum of the running statistics (PyTorch 0.1).
    pub momentum: f64,
    /// Added to the variance (PyTorch 1e-5).
    pub eps: f64,
    /// Accepted input ranks (2 or 3 for 1-D, 4 for 2-D).
    ranks: &'static [usize],
}

impl Parameters for BatchNorm {
    /// γ, then β; the running statistics are not among them.
    fn vars(&self) -> Vec<Var> {
        vec![self.weight.clone(), self.bias.clone()]
    }
}

impl BatchNorm {
    fn new(channels: usize, ranks: &'static [usize], device: &Device) -> Result<Self> {
        if channels == 0 {
            return Err(KitError::hyperparameter(
                "batch norm channels",
                channels,
                "must be ≥ 1",
            ));
        }
        Ok(Self {
            weight: init::ones(&[channels], device)?,
            bias: init::zeros(&[channels], device)?,
            running_mean: Mutex::new(Tensor::zeros(channels, DType::F32, device)?),
            running_var: Mutex::new(Tensor::ones(channels, DType::F32, device)?),
            momentum: 0.1,
            eps: 1e-5,
            ranks,
        })
    }

    /// `nn.BatchNorm1d(channels)`: input [n, c] or [n, c, l].
    pub fn new_1d(channels: usize, device: &Device) -> Result<Self> {
        Self::new(channels, &[2, 3], device)
    }

    /// `nn.BatchNorm2d(channels)`: input [n, c, h, w].
    pub fn new_2d(channels: usize, device: &Device) -> Result<Self> {
        Self::new(channels, &[4], device)
    }

    /// Copies of the running (mean, variance), each [c].
    pub fn running_stats(&self) -> Result<(Tensor, Tensor)> {
        let lock = |m: &Mutex<Tensor>| {
            m.lock()
                .map(|t| t.clone())
                .map_err(|_| KitError::Invalid("batch norm: poisoned running statistics".into()))
        };
        Ok((lock(&self.running_mean)?, lock(&self.running_var)?))
    }

    /// `x` [n, c, …] → the same shape, normalised per channel as the type documents. Errors on
    /// a wrong rank or channel count, or a training batch with one element per channel
    /// (PyTorch: "Expected more than 1 value per channel when training").
    pub fn forward(&self, x: &Tensor, mode: Mode) -> Result<Tensor> {
        let dims = x.dims().to_vec();
        let c = self.weight.dim(0)?;
        if !self.ranks.contains(&dims.len()) || dims[1] != c {
            return Err(KitError::Invalid(format!(
                "batch norm: input {dims:?}, expected rank {:?} with {c} channels",
                self.ranks
            )));
        }
        let (n, s) = (dims[0], dims[2..].iter().product::<usize>());
        let x3 = x.reshape((n, c, s))?; // [n, c, s]
        let count = n * s;
        let (mean, var) = match mode {
            Mode::Train => {
                if count < 2 {
                    return Err(KitError::Invalid(
                        "batch norm: more than one value per channel is needed in training".into(),
                    ));
                }
                let mean = (x3.sum(2)?.sum(0)? / count as f64)?; // [c]
                let centred = x3.broadcast_sub(&mean.reshape((1, c, 1))?)?;
                let var = (centred.sqr()?.sum(2)?.sum(0)? / count as f64)?; // [c], biased
                let m = self.momentum;
                let unbiased = (var.detach() * (count as f64 / (count as f64 - 1.0)))?;
                let dtype = self
                    .running_mean
                    .lock()
                    .map(|t| t.dtype())
                    .unwrap_or(DType::F32);
                if let (Ok(mut rm), Ok(mut rv)) =
                    (self.running_mean.lock(), self.running_var.lock())
                {
                    *rm = ((&*rm * (1.0 - m))? + (mean.detach().to_dtype(dtype)? * m)?)?;
                    *rv = ((&*rv * (1.0 - m))? + (unbiased.to_dtype(dtype)? * m)?)?;
                }
                (mean, var)
            }
            Mode::Eval => {
                let (rm, rv) = self.running_stats()?;
                (rm.to_dtype(x.dtype())?, rv.to_dtype(x.dtype())?)
            }
        };
        let scale = (self.weight.as_tensor() / (var + self.eps)?.sqrt()?)?; // [c]
        let shift = (self.bias.as_tensor() - (&mean * &scale)?)?; // [c]
        let y = x3
            .broadcast_mul(&scale.reshape((1, c, 1))?)?
            .broadcast_add(&shift.reshape((1, c, 1))?)?;
        Ok(y.reshape(dims)?)
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::nn::gradcheck;

    /// One channel, batch [1, 2, 3, 6]: mean 3, biased variance 8/3, unbiased 3.2.
    #[test]
    fn train_and_eval_by_hand() {
        let d = Device::Cpu;
        let bn = BatchNorm::new_1d(1, &d).unwrap();
        let x = Tensor::new(&[[1f32], [2.0], [3.0], [6.0]], &d).unwrap();
        let y: Vec<f32> = bn
            .forward(&x, Mode::Train)
            .unwrap()
            .flatten_all()
            .unwrap()
            .to_vec1()
            .unwrap();
        let sd = (14.0f64 / 4.0 + 1e-5).sqrt(); // Σ(x−3)² = 4+1+0+9 = 14
        assert!((f64::from(y[0]) - (-2.0 / sd)).abs() < 1e-5, "{y:?}");
        let (rm, rv) = bn.running_stats().unwrap();
        assert!((rm.to_vec1::<f32>().unwrap()[0] - 0.3).abs() < 1e-6);
        // running var: 0.9·1 + 0.1·(14/3)
        assert!((rv.to_vec1::<f32>().unwrap()[0] - (0.9 + 1.4 / 3.0) as f32).abs() < 1e-5);
        // eval uses the running statistics
        let y: Vec<f32> = bn
            .forward(&x, Mode::Eval)
            .unwrap()
            .flatten_all()
            .unwrap()
            .to_vec1()
            .unwrap();
        let want = (1.0 - 0.3) / ((0.9 + 1.4 / 3.0) + 1e-5f64).sqrt();
        assert!((f64::from(y[0]) - want).abs() < 1e-5);
    }

    #[test]
    fn shapes_are_checked() {
        let d = Device::Cpu;
        let bn2 = BatchNorm::new_2d(3, &d).unwrap();
        let x = Tensor::zeros((2, 3, 4, 5), DType::F32, &d).unwrap();
        assert_eq!(bn2.forward(&x, Mode::Train).unwrap().dims(), &[2, 3, 4, 5]);
        assert!(bn2
            .forward(
                &Tensor::zeros((2, 4, 4, 5), DType::F32, &d).unwrap(),
                Mode::Train
            )
            .is_err());
        assert!(bn2
            .forward(
                &Tensor::zeros((2, 3, 4), DType::F32, &d).unwrap(),
                Mode::Eval
            )
            .is_err());
        let bn1 = BatchNorm::new_1d(3, &d).unwrap();
        assert!(bn1
            .forward(&Tensor::zeros((1, 3), DType::F32, &d).unwrap(), Mode::Train)
            .is_err());
        assert_eq!(
            bn1.forward(
                &Tensor::zeros((2, 3, 7), DType::F32, &d).unwrap(),
                Mode::Eval
            )
            .unwrap()
            .dims(),
            &[2, 3, 7]
        );
    }

    /// Gradients for input, γ and β in training mode against finite differences (F64).
    #[test]
    fn gradients_match_finite_differences() {
        let d = Device::Cpu;
        let bn = BatchNorm::new_2d(2, &d).unwrap();
        let bn = BatchNorm {
            weight: gradcheck::var(1, &[2], DType::F64),
            bias: gradcheck::var(2, &[2], DType::F64),
            ..bn
        };
        let x = gradcheck::var(3, &[3, 2, 2, 2], DType::F64);
        let loss = || gradcheck::squared(&bn.forward(x.as_tensor(), Mode::Train).unwrap());
        gradcheck::check(
            &loss,
            &[("input", &x), ("gamma", &bn.weight), ("beta", &bn.bias)],
            1e-6,
            1e-6,
        );
    }
}
