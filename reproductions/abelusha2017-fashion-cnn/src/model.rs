//! The notebook's network (`model_architecture`), Keras 2 `Sequential`:
//! `Convolution2D(32, (3, 3), activation='relu')` → `MaxPooling2D((2, 2))` →
//! `Convolution2D(32, (3, 3), activation='relu')` → `MaxPooling2D((2, 2))` → `Dropout(0.25)` →
//! `Flatten()` → `Dense(128, activation='relu')` → `Dropout(0.5)` →
//! `Dense(10, activation='softmax')`; 'valid' padding, stride 1, Keras' default
//! initialisation (`glorot_uniform` kernels, zero biases); ReLU with TensorFlow's gradient
//! (`repro_kit::nn::relu`: 0 at 0). 113,386 parameters, as the notebook's
//! `model.summary()` prints.
//!
//! Layout: the kit's convolutions are NCHW (PyTorch's); Keras' are NHWC. Before `Flatten` the
//! activations are permuted to NHWC, so the first dense kernel's rows are in Keras' order
//! ((row, column, channel)). Dropout masks are i.i.d., so their layout does not matter.

use crate::{Hyperparameters, CLASSES, SIDE};
use candle_core::{Device, Tensor, Var};
use repro_kit::init;
use repro_kit::nn::{expect_shape, relu, vars_of, Conv2d, Dense, Dropout, Layer, MaxPool2d};
use repro_kit::rng::Rng;
use repro_kit::Result;

/// The two dropout masks of one training batch: after the second pooling ([batch, filters,
/// p2, p2]) and after the first dense layer ([batch, dense]); entries 0 or 1/(1 − rate).
pub struct Masks {
    /// Mask of `Dropout(0.25)` (shape of the pooled feature maps), `None` at rate 0.
    pub conv: Option<Tensor>,
    /// Mask of `Dropout(0.5)` ([batch, dense]), `None` at rate 0.
    pub dense: Option<Tensor>,
}

/// The network: input [batch, 1, 28, 28] (pixels / 255) → logits [batch, 10].
pub struct Cnn {
    conv1: Conv2d,
    conv2: Conv2d,
    dense1: Dense,
    dense2: Dense,
    pool: MaxPool2d,
    conv_dropout: Dropout,
    dense_dropout: Dropout,
    /// Side of the feature maps after the second pooling (5 for the notebook).
    pooled: usize,
    filters: usize,
}

/// A Keras `Conv2D` with default initialisation: `glorot_uniform` kernel drawn first (Keras'
/// fans for a [kh, kw, in, out] kernel: fan_in = kh·kw·in, fan_out = kh·kw·out), zero bias.
fn keras_conv(rng: &mut Rng, inp: usize, out: usize, k: usize, d: &Device) -> Result<Conv2d> {
    let field = k * k;
    let w = init::glorot_uniform(rng, &[out, inp, k, k], field * inp, field * out, d)?;
    Conv2d::from_parts(w, init::zeros(&[out], d)?, (1, 1), (0, 0))
}

/// A Keras `Dense` with default initialisation: `glorot_uniform` kernel [in, out], zero bias.
fn keras_dense(rng: &mut Rng, inp: usize, out: usize, d: &Device) -> Result<Dense> {
    Ok(Dense {
        kernel: init::glorot_uniform(rng, &[inp, out], inp, out, d)?,
        bias: init::zeros(&[out], d)?,
    })
}

/// Side after a 'valid' k×k convolution and a 2×2/2 'valid' pooling of a `side`² map.
fn conv_pool_side(side: usize, k: usize, pool: usize) -> usize {
    (side + 1).saturating_sub(k) / pool
}

impl Cnn {
    /// Builds the network with `h`'s sizes, kernels drawn from `rng` in Keras' order (layer by
    /// layer, kernel before bias). Errors if a size is 0 or the maps vanish.
    pub fn new(h: &Hyperparameters, rng: &mut Rng, device: &Device) -> Result<Self> {
        let (f, k, p) = (h.filters, h.kernel_size, h.pool_size);
        let pooled = conv_pool_side(conv_pool_side(SIDE, k, p), k, p);
        if pooled == 0 {
            return Err(repro_kit::KitError::Invalid(format!(
                "kernel_size {k} with pool_size {p} leaves no feature map of a {SIDE}×{SIDE} image"
            )));
        }
        Ok(Self {
            conv1: keras_conv(rng, 1, f, k, device)?,
            conv2: keras_conv(rng, f, f, k, device)?,
            dense1: keras_dense(rng, pooled * pooled * f, h.dense, device)?,
            dense2: keras_dense(rng, h.dense, CLASSES, device)?,
            pool: MaxPool2d::new((p, p), (p, p), (0, 0))?,
            conv_dropout: Dropout::new(h.conv_dropout)?,
            dense_dropout: Dropout::new(h.dense_dropout)?,
            pooled,
            filters: f,
        })
    }

    /// Fresh dropout masks for a batch of `batch` images (conv mask drawn first, as the layers
    /// come).
    pub fn masks(&self, rng: &mut Rng, batch: usize, device: &Device) -> Result<Masks> {
        let (f, s) = (self.filters, self.pooled);
        Ok(Masks {
            conv: self.conv_dropout.mask(rng, &[batch, f, s, s], device)?,
            dense: self
                .dense_dropout
                .mask(rng, &[batch, self.dense1.units()], device)?,
        })
    }

    /// Logits [batch, 10] of `x` [batch, 1, 28, 28]; `masks` in training, `None` to evaluate.
    pub fn forward(&self, x: &Tensor, masks: Option<&Masks>) -> Result<Tensor> {
        let batch = x.dim(0)?;
        expect_shape(x, &[batch, 1, SIDE, SIDE], "input")?;
        let h = self.pool.forward(&relu(&self.conv1.forward(x)?)?)?;
        let mut h = self.pool.forward(&relu(&self.conv2.forward(&h)?)?)?;
        expect_shape(
            &h,
            &[batch, self.filters, self.pooled, self.pooled],
            "pooled",
        )?;
        if let Some(m) = masks.and_then(|m| m.conv.as_ref()) {
            h = h.mul(m)?;
        }
        // Keras' Flatten on NHWC maps.
        let h = h.permute((0, 2, 3, 1))?.flatten_from(1)?;
        let mut h = relu(&self.dense1.forward(&h)?)?;
        if let Some(m) = masks.and_then(|m| m.dense.as_ref()) {
            h = h.mul(m)?;
        }
        let logits = self.dense2.forward(&h)?;
        expect_shape(&logits, &[batch, CLASSES], "logits")?;
        Ok(logits)
    }

    /// All trainable parameters, in Keras' `trainable_weights` order.
    pub fn vars(&self) -> Vec<Var> {
        vars_of(&[&self.conv1, &self.conv2, &self.dense1, &self.dense2])
    }

    /// Trainable scalars: (9·1+1)·32 + (9·32+1)·32 + (800+1)·128 + (128+1)·10 = 113,386 for the
    /// notebook's sizes.
    pub fn parameter_count(&self) -> usize {
        self.vars().iter().map(|v| v.elem_count()).sum()
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use repro_kit::rng::stream;

    fn notebook() -> Hyperparameters {
        crate::tests::notebook()
    }

    #[test]
    fn parameter_count_is_the_notebooks_summary() {
        let m = Cnn::new(&notebook(), &mut stream(0, "init"), &Device::Cpu).unwrap();
        assert_eq!(m.parameter_count(), 113_386);
        assert_eq!(conv_pool_side(28, 3, 2), 13);
        assert_eq!(conv_pool_side(13, 3, 2), 5);
    }

    #[test]
    fn glorot_bounds_and_zero_biases() {
        let m = Cnn::new(&notebook(), &mut stream(0, "init"), &Device::Cpu).unwrap();
        let max = |v: &Var| {
            let t = v
                .as_tensor()
                .flatten_all()
                .unwrap()
                .to_vec1::<f32>()
                .unwrap();
            t.iter().fold(0f32, |a, b| a.max(b.abs()))
        };
        // conv1: fans 9 and 288; conv2: 288 and 288; dense1: 800 and 128.
        let b1 = (6.0f32 / (9.0 + 288.0)).sqrt();
        let b2 = (6.0f32 / 576.0).sqrt();
        let b3 = (6.0f32 / 928.0).sqrt();
        let v = m.vars();
        assert!(max(&v[0]) <= b1 && max(&v[0]) > 0.9 * b1);
        assert!(max(&v[2]) <= b2 && max(&v[2]) > 0.9 * b2);
        assert!(max(&v[4]) <= b3 && max(&v[4]) > 0.9 * b3);
        for b in [&v[1], &v[3], &v[5], &v[7]] {
            assert_eq!(max(b), 0.0);
        }
    }

    #[test]
    fn forward_shapes_and_eval_ignores_masks() {
        let d = Device::Cpu;
        let m = Cnn::new(&notebook(), &mut stream(0, "init"), &d).unwrap();
        let x = Tensor::ones((3, 1, 28, 28), candle_core::DType::F32, &d).unwrap();
        let y = m.forward(&x, None).unwrap();
        assert_eq!(y.dims(), &[3, 10]);
        let masks = m.masks(&mut stream(0, "dropout"), 3, &d).unwrap();
        assert_eq!(masks.conv.as_ref().unwrap().dims(), &[3, 32, 5, 5]);
        assert_eq!(masks.dense.as_ref().unwrap().dims(), &[3, 128]);
        let yt = m.forward(&x, Some(&masks)).unwrap();
        assert_eq!(yt.dims(), &[3, 10]);
        assert!(m
            .forward(
                &Tensor::ones((3, 784), candle_core::DType::F32, &d).unwrap(),
                None
            )
            .is_err());
    }
}
