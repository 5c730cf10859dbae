//! The reference model (`fashion_mnist_mlp.py`): Keras `Sequential` of
//! `Flatten → Dense(256, tanh) → Dropout(0.4) → Dense(128, tanh) → Dropout(0.4) →
//! Dense(100, tanh) → Dropout(0.4) → Dense(10, sigmoid)`, every kernel `he_normal`, biases zero.
//! 784·256+256 + 256·128+128 + 128·100+100 + 100·10+10 = 247,766 parameters. The tanh is
//! TensorFlow's CPU float kernel (Eigen's rational interpolant, [`repro_kit::nn::activation::tanh`]).

use crate::{CLASSES, INPUT_LEN};
use candle_core::{Device, Tensor, Var};
use candle_nn::ops::sigmoid;
use repro_kit::nn::{expect_shape, Dense, Dropout, Layer, Parameters};
use repro_kit::rng::Rng;
use repro_kit::{init, KitError, Result};
use serde::Deserialize;

/// Which Keras `he_normal` the kernels are drawn from. Both are a normal truncated at two
/// standard deviations (values beyond are redrawn, TensorFlow `truncated_normal`); they differ in
/// the standard deviation before truncation.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Deserialize)]
pub enum Init {
    /// Keras ≤ 2.2.2 (2017–Oct 2018, the reference's era): σ = √(2/fan_in) before truncation,
    /// so the drawn weights have standard deviation ≈ 0.88·√(2/fan_in).
    #[serde(rename = "he_normal_keras_2.1")]
    HeNormalKeras21,
    /// Keras ≥ 2.2.3: σ = √(2/fan_in) / 0.8796 before truncation, so the drawn weights have
    /// standard deviation √(2/fan_in) ([`repro_kit::init::he_normal`]).
    #[serde(rename = "he_normal_keras_2.2.3")]
    HeNormalKeras223,
}

/// A kernel of Keras' shape [in, out] (fan_in = `inp`) drawn as `init` prescribes, row-major.
fn he_kernel(rng: &mut Rng, init: Init, inp: usize, out: usize, device: &Device) -> Result<Var> {
    match init {
        Init::HeNormalKeras223 => init::he_normal(rng, &[inp, out], inp, device),
        Init::HeNormalKeras21 => init::he_normal_keras_2_1(rng, &[inp, out], inp, device),
    }
}

/// The MLP: `hidden.len()` tanh layers with dropout after each, then a sigmoid output layer of
/// 10 units.
pub struct Mlp {
    /// Hidden layers then the output layer.
    layers: Vec<Dense>,
}

impl Parameters for Mlp {
    /// All trainable parameters, layer by layer, kernel before bias (247,766 scalars for
    /// 256-128-100).
    fn vars(&self) -> Vec<Var> {
        self.layers.vars()
    }
}

impl Mlp {
    /// Builds the network 784 → `hidden[0]` → … → 10, drawing the kernels in layer order from
    /// `rng`; biases are zero.
    pub fn new(hidden: &[usize], init: Init, rng: &mut Rng, device: &Device) -> Result<Self> {
        let mut sizes = vec![INPUT_LEN];
        sizes.extend_from_slice(hidden);
        sizes.push(CLASSES);
        let layers = sizes
            .windows(2)
            .map(|w| {
                Ok(Dense {
                    kernel: he_kernel(rng, init, w[0], w[1], device)?,
                    bias: init::zeros(&[w[1]], device)?,
                })
            })
            .collect::<Result<Vec<_>>>()?;
        Ok(Self { layers })
    }

    /// Widths of the hidden layers.
    pub fn hidden(&self) -> Vec<usize> {
        let n = self.layers.len();
        self.layers[..n - 1]
            .iter()
            .map(|l| l.bias.dims()[0])
            .collect()
    }

    /// `x` [batch, 784] → sigmoid outputs [batch, 10] (the Keras model's output, in (0, 1)).
    ///
    /// `masks`: `None` at inference (Keras `Dropout` is the identity outside training), or one
    /// mask per hidden layer, [batch, width], holding 0 or 1/keep (inverted dropout, as
    /// TensorFlow's `tf.nn.dropout`); see [`Mlp::dropout_masks`].
    pub fn forward(&self, x: &Tensor, masks: Option<&[Tensor]>) -> Result<Tensor> {
        let batch = x.dim(0)?;
        expect_shape(x, &[batch, INPUT_LEN], "mlp input")?;
        let n = self.layers.len();
        if let Some(m) = masks {
            if m.len() != n - 1 {
                return Err(KitError::Invalid(format!(
                    "{} dropout masks for {} hidden layers",
                    m.len(),
                    n - 1
                )));
            }
        }
        let mut h = x.clone();
        for (i, layer) in self.layers[..n - 1].iter().enumerate() {
            h = repro_kit::nn::activation::tanh(&layer.forward(&h)?)?;
            if let Some(m) = masks {
                h = h.mul(&m[i])?;
            }
        }
        let out = sigmoid(&self.layers[n - 1].forward(&h)?)?;
        expect_shape(&out, &[batch, CLASSES], "mlp output")?;
        Ok(out)
    }

    /// Fresh dropout masks for one training batch: for every hidden layer a [batch, width] F32
    /// tensor whose entries are independently `1/(1 − rate)` with probability `1 − rate` and 0
    /// otherwise (Keras `Dropout(rate)`, the kit's [`Dropout`]). All draws come from `rng`.
    /// `rate = 0` gives `None` (no masks, no draws).
    pub fn dropout_masks(
        &self,
        rng: &mut Rng,
        batch: usize,
        rate: f64,
        device: &Device,
    ) -> Result<Option<Vec<Tensor>>> {
        let dropout = Dropout::new(rate)?;
        if dropout.rate() == 0.0 {
            return Ok(None);
        }
        let masks = self
            .hidden()
            .into_iter()
            .map(|w| {
                dropout.mask(rng, &[batch, w], device).and_then(|m| {
                    m.ok_or_else(|| KitError::Invalid("dropout gave no mask for rate > 0".into()))
                })
            })
            .collect::<Result<Vec<_>>>()?;
        Ok(Some(masks))
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use repro_kit::rng::stream;

    #[test]
    fn reference_size_has_247766_parameters() {
        let m = Mlp::new(
            &[256, 128, 100],
            Init::HeNormalKeras21,
            &mut stream(0, "init"),
            &Device::Cpu,
        )
        .unwrap();
        assert_eq!(m.parameter_count(), 247_766);
        assert_eq!(m.hidden(), vec![256, 128, 100]);
        let x = Tensor::zeros((3, INPUT_LEN), candle_core::DType::F32, &Device::Cpu).unwrap();
        let y = m.forward(&x, None).unwrap();
        // Zero input and zero biases: every output is sigmoid(0) = 0.5.
        let v: Vec<f32> = y.flatten_all().unwrap().to_vec1().unwrap();
        assert!(v.iter().all(|&a| a == 0.5));
    }

    #[test]
    fn keras_2_1_he_normal_is_narrower_than_2_2_3() {
        let sd = |init| {
            let w = he_kernel(&mut stream(1, "t"), init, 100, 200, &Device::Cpu).unwrap();
            let v: Vec<f32> = w.as_tensor().flatten_all().unwrap().to_vec1().unwrap();
            let bound = v.iter().fold(0f32, |a, b| a.max(b.abs()));
            let sd = (v.iter().map(|x| (*x as f64).powi(2)).sum::<f64>() / v.len() as f64).sqrt();
            (sd, bound)
        };
        let (old, old_bound) = sd(Init::HeNormalKeras21);
        let (new, _) = sd(Init::HeNormalKeras223);
        let s = (2.0f64 / 100.0).sqrt();
        assert!((old - 0.8796 * s).abs() < 0.005, "{old}");
        assert!((new - s).abs() < 0.005, "{new}");
        assert!(f64::from(old_bound) <= 2.0 * s + 1e-6);
    }

    #[test]
    fn dropout_masks_keep_sixty_percent_scaled() {
        let m = Mlp::new(
            &[256, 128, 100],
            Init::HeNormalKeras21,
            &mut stream(0, "i"),
            &Device::Cpu,
        )
        .unwrap();
        let masks = m
            .dropout_masks(&mut stream(0, "dropout"), 64, 0.4, &Device::Cpu)
            .unwrap()
            .unwrap();
        assert_eq!(masks.len(), 3);
        assert_eq!(masks[1].dims(), &[64, 128]);
        let v: Vec<f32> = masks[0].flatten_all().unwrap().to_vec1().unwrap();
        let kept = v.iter().filter(|&&a| a != 0.0).count() as f64 / v.len() as f64;
        assert!((kept - 0.6).abs() < 0.02, "{kept}");
        assert!(v.iter().all(|&a| a == 0.0 || a == (1.0 / 0.6) as f32));
        assert!(m
            .dropout_masks(&mut stream(0, "d"), 4, 0.0, &Device::Cpu)
            .unwrap()
            .is_none());
    }
}
