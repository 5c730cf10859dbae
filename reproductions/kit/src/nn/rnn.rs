//! Recurrent layers with PyTorch's equations, gate order and initialisation.

use crate::init;
use crate::nn::expect_shape;
use crate::rng::Rng;
use crate::Result;
use candle_core::{DType, Device, Tensor, Var};
use candle_nn::ops::sigmoid;

/// One direction of a single-layer GRU (PyTorch `nn.GRU` equations):
/// `r = σ(W_ir x + b_ir + W_hr h + b_hr)`, `z = σ(W_iz x + b_iz + W_hz h + b_hz)`,
/// `n = tanh(W_in x + b_in + r ⊙ (W_hn h + b_hn))`, `h' = (1 − z) ⊙ n + z ⊙ h`.
/// Weights are stacked in gate order (r, z, n) as PyTorch stores them
/// (`weight_ih_l0` [3·hidden, input], `weight_hh_l0` [3·hidden, hidden]).
#[derive(Debug, Clone)]
pub struct GruDirection {
    /// [3·hidden, input]
    pub w_ih: Var,
    /// [3·hidden, hidden]
    pub w_hh: Var,
    /// [3·hidden]
    pub b_ih: Var,
    /// [3·hidden]
    pub b_hh: Var,
    hidden: usize,
}

impl GruDirection {
    /// PyTorch's GRU init: every weight and bias U(±1/√hidden), created in the order
    /// weight_ih, weight_hh, bias_ih, bias_hh (`torch/nn/modules/rnn.py::reset_parameters`).
    pub fn torch_default(
        rng: &mut Rng,
        input: usize,
        hidden: usize,
        device: &Device,
    ) -> Result<Self> {
        let bound = 1.0 / (hidden as f64).sqrt();
        Ok(Self {
            w_ih: init::uniform(rng, &[3 * hidden, input], bound, device)?,
            w_hh: init::uniform(rng, &[3 * hidden, hidden], bound, device)?,
            b_ih: init::uniform(rng, &[3 * hidden], bound, device)?,
            b_hh: init::uniform(rng, &[3 * hidden], bound, device)?,
            hidden,
        })
    }

    /// A direction from given parameters (shapes as the fields document); the error names the
    /// parameter whose shape is wrong.
    pub fn from_parts(w_ih: Var, w_hh: Var, b_ih: Var, b_hh: Var) -> Result<Self> {
        let hidden = w_hh.dims().get(1).copied().unwrap_or(0);
        let input = w_ih.dims().get(1).copied().unwrap_or(0);
        expect_shape(&w_ih, &[3 * hidden, input], "gru weight_ih")?;
        expect_shape(&w_hh, &[3 * hidden, hidden], "gru weight_hh")?;
        expect_shape(&b_ih, &[3 * hidden], "gru bias_ih")?;
        expect_shape(&b_hh, &[3 * hidden], "gru bias_hh")?;
        Ok(Self {
            w_ih,
            w_hh,
            b_ih,
            b_hh,
            hidden,
        })
    }

    /// Hidden units.
    pub fn hidden(&self) -> usize {
        self.hidden
    }

    /// The trainable parameters in PyTorch's order.
    pub fn vars(&self) -> Vec<Var> {
        vec![
            self.w_ih.clone(),
            self.w_hh.clone(),
            self.b_ih.clone(),
            self.b_hh.clone(),
        ]
    }

    /// Input projections of every position at once: `x` [batch, T, input] → [batch, T, 3·hidden].
    fn input_gates(&self, x: &Tensor) -> Result<Tensor> {
        let (b, t, i) = x.dims3()?;
        let g = x
            .reshape((b * t, i))?
            .matmul(&self.w_ih.t()?)?
            .broadcast_add(&self.b_ih)?;
        Ok(g.reshape((b, t, 3 * self.hidden))?)
    }

    /// One recurrence step: `gi` [batch, 3h] (input part), `h` [batch, h] → new `h` [batch, h].
    pub fn cell(&self, gi: &Tensor, h: &Tensor) -> Result<Tensor> {
        let hs = self.hidden;
        let gh = h.matmul(&self.w_hh.t()?)?.broadcast_add(&self.b_hh)?;
        let rz = sigmoid(&(gi.narrow(1, 0, 2 * hs)? + gh.narrow(1, 0, 2 * hs)?)?)?;
        let r = rz.narrow(1, 0, hs)?;
        let z = rz.narrow(1, hs, hs)?;
        let n = (gi.narrow(1, 2 * hs, hs)? + (r * gh.narrow(1, 2 * hs, hs)?)?)?.tanh()?;
        // h' = (1 − z) ⊙ n + z ⊙ h = n + z ⊙ (h − n)
        Ok((&n + (z * (h - &n)?)?)?)
    }

    /// Runs over `x` [batch, T, input] from position 0 to T−1 (`reverse = false`) or back,
    /// from a zero state; returns the hidden state at every position, in position order:
    /// T × [batch, hidden].
    pub fn run(&self, x: &Tensor, reverse: bool) -> Result<Vec<Tensor>> {
        let (b, t, _) = x.dims3()?;
        let gates = self.input_gates(x)?;
        let mut h = Tensor::zeros((b, self.hidden), DType::F32, x.device())?;
        let mut out = vec![None; t];
        let order: Vec<usize> = if reverse {
            (0..t).rev().collect()
        } else {
            (0..t).collect()
        };
        for pos in order {
            let gi = gates.narrow(1, pos, 1)?.squeeze(1)?;
            h = self.cell(&gi, &h)?;
            out[pos] = Some(h.clone());
        }
        Ok(out.into_iter().flatten().collect())
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::rng::stream;

    /// Hand-computed GRU step with hidden = 1: all weights 0.5, biases 0, x = 1, h = 0:
    /// r = z = σ(0.5), n = tanh(0.5 + r·0) = tanh(0.5), h' = (1 − z)·n.
    #[test]
    fn gru_cell_matches_the_pytorch_equations() {
        let d = Device::Cpu;
        let half =
            |shape: &[usize]| Var::from_tensor(&Tensor::full(0.5f32, shape, &d).unwrap()).unwrap();
        let zero = |n: usize| Var::zeros(n, DType::F32, &d).unwrap();
        let g = GruDirection::from_parts(half(&[3, 1]), half(&[3, 1]), zero(3), zero(3)).unwrap();
        let x = Tensor::new(&[[[1f32]]], &d).unwrap();
        let out = g.run(&x, false).unwrap();
        let h: f32 = out[0].flatten_all().unwrap().to_vec1::<f32>().unwrap()[0];
        let s = 1.0 / (1.0 + (-0.5f64).exp());
        let want = (1.0 - s) * 0.5f64.tanh();
        assert!((f64::from(h) - want).abs() < 1e-6, "{h} vs {want}");
    }

    #[test]
    fn backward_direction_reads_positions_in_reverse() {
        let d = Device::Cpu;
        let g = GruDirection::torch_default(&mut stream(1, "init"), 1, 2, &d).unwrap();
        let x = Tensor::new(&[[[1f32], [-1.0], [0.5]]], &d).unwrap();
        let rev = g.run(&x, true).unwrap();
        // Reversing the input and running forward gives the same states, mirrored.
        let xr = Tensor::new(&[[[0.5f32], [-1.0], [1.0]]], &d).unwrap();
        let fwd = g.run(&xr, false).unwrap();
        for i in 0..3 {
            let a: Vec<f32> = rev[i].flatten_all().unwrap().to_vec1().unwrap();
            let b: Vec<f32> = fwd[2 - i].flatten_all().unwrap().to_vec1().unwrap();
            assert_eq!(a, b);
        }
    }
}
