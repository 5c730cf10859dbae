//! The network of the paper (§5.3) and of the authors' Keras code (`net/net.py`):
//! `Dropout(p) → Dense(H, relu) → Dropout(p) → Dense(1)`, with the L2 penalty
//! `reg · (‖W₁‖² + ‖W₂‖²)` on the kernels only (Keras `W_regularizer=l2(reg)`,
//! [`ReluMlp::kernel_sq_norm`]), Keras default initialisation (`glorot_uniform` kernels, zero
//! biases, [`ReluMlp::keras_default`]).
//!
//! The network is the kit's two-layer UCI regression MLP ([`ReluMlp`], shared with
//! `lakshminarayanan2017-deep-ensembles`): weights stored as PyTorch does ([out, in],
//! `y = x Wᵀ + b`); the Glorot bound is symmetric in fan-in and fan-out, so the distribution is
//! Keras'. Dropout is applied outside it: the input is multiplied by its inverted-dropout
//! multipliers before [`ReluMlp::forward_masked`], which multiplies the hidden units by theirs
//! ([`repro_kit::nn::dropout::fill_multipliers`]); the deterministic network ("standard
//! dropout", the weight-scaling rule of Srivastava et al. 2014 under inverted dropout) is the
//! plain forward ([`repro_kit::nn::Layer::forward`]).

use candle_core::Device;
use repro_kit::nn::ReluMlp;
use repro_kit::rng::Rng;
use repro_kit::Result;

/// One hidden layer of `H` ReLU units and one output, with dropout on its input and on the
/// hidden units (module docs).
pub type DropoutMlp = ReluMlp;

/// A fresh network: `inputs` → `hidden` ReLU units → 1 output, Glorot-uniform kernels drawn
/// from `rng` (hidden first, as Keras builds them), zero biases.
pub fn dropout_mlp(
    rng: &mut Rng,
    inputs: usize,
    hidden: usize,
    device: &Device,
) -> Result<DropoutMlp> {
    ReluMlp::keras_default(rng, inputs, hidden, 1, device)
}

#[cfg(test)]
mod tests {
    use super::*;
    use repro_kit::nn::{Layer, Parameters};
    use repro_kit::rng::stream;

    #[test]
    fn one_output_glorot_kernels_and_zero_biases() {
        let d = Device::Cpu;
        let m = dropout_mlp(&mut stream(0, "init"), 13, 50, &d).unwrap();
        assert_eq!(m.parameter_count(), 13 * 50 + 50 + 50 + 1);
        let bound = (6.0f32 / 63.0).sqrt();
        let w: Vec<f32> = m.hidden.weight.flatten_all().unwrap().to_vec1().unwrap();
        assert!(w.iter().all(|v| v.abs() <= bound));
        let x = candle_core::Tensor::new(&[[0.5f32; 13]], &d).unwrap();
        assert_eq!(m.forward(&x).unwrap().dims(), &[1, 1]);
    }
}
