//! Recurrent layers with PyTorch's equations, gate order and initialisation.
//!
//! A single-layer direction is one generic type, [`Direction`], over its cell ([`Gru`] or
//! [`Lstm`]): the stacked weights, PyTorch's initialisation, the shape checks, the input
//! projection of every position at once and the loop over positions are written once; a cell
//! supplies only its gate count, its state and one step of its equations.

use super::Parameters;
use crate::init;
use crate::nn::expect_shape;
use crate::rng::Rng;
use crate::{KitError, Result};
use candle_core::{Device, Tensor, Var};
use candle_nn::ops::sigmoid;
use std::marker::PhantomData;

/// The equations of one recurrent cell (module docs).
pub trait Cell {
    /// Lower-case name used in error messages (`"gru"`, `"lstm"`).
    const NAME: &'static str;
    /// Gates stacked in the weights (3 for a GRU, 4 for an LSTM).
    const GATES: usize;
    /// The recurrent state carried from one position to the next.
    type State;

    /// The zero state for `h0` [batch, hidden] (all zeros).
    fn zero_state(h0: Tensor) -> Self::State;

    /// One step: `gi` [batch, GATES·hidden] (input projection `W_ih x + b_ih`) and the state →
    /// the next state.
    fn step(dir: &Direction<Self>, gi: &Tensor, state: &Self::State) -> Result<Self::State>
    where
        Self: Sized;

    /// The hidden output `h` [batch, hidden] of a state.
    fn output(state: &Self::State) -> &Tensor;
}

/// One direction of a single-layer recurrent network with cell `C` ([`GruDirection`],
/// [`LstmDirection`]): weights stacked in the cell's gate order as PyTorch stores them
/// (`weight_ih_l0` [G·hidden, input], `weight_hh_l0` [G·hidden, hidden], biases [G·hidden],
/// G = [`Cell::GATES`]).
#[derive(Debug, Clone)]
pub struct Direction<C> {
    /// [G·hidden, input]
    pub w_ih: Var,
    /// [G·hidden, hidden]
    pub w_hh: Var,
    /// [G·hidden]
    pub b_ih: Var,
    /// [G·hidden]
    pub b_hh: Var,
    hidden: usize,
    cell: PhantomData<C>,
}

impl<C: Cell> Direction<C> {
    /// PyTorch's init: every weight and bias U(±1/√hidden), created in the order weight_ih,
    /// weight_hh, bias_ih, bias_hh (`torch/nn/modules/rnn.py::reset_parameters`). Errors if a
    /// size is 0.
    pub fn torch_default(
        rng: &mut Rng,
        input: usize,
        hidden: usize,
        device: &Device,
    ) -> Result<Self> {
        for (name, v) in [("input", input), ("hidden", hidden)] {
            if v == 0 {
                return Err(KitError::hyperparameter(
                    format!("{} {name}", C::NAME),
                    v,
                    "must be ≥ 1",
                ));
            }
        }
        let bound = 1.0 / (hidden as f64).sqrt();
        let g = C::GATES;
        Ok(Self {
            w_ih: init::uniform(rng, &[g * hidden, input], bound, device)?,
            w_hh: init::uniform(rng, &[g * hidden, hidden], bound, device)?,
            b_ih: init::uniform(rng, &[g * hidden], bound, device)?,
            b_hh: init::uniform(rng, &[g * hidden], bound, device)?,
            hidden,
            cell: PhantomData,
        })
    }

    /// A direction from given parameters (shapes as the fields document); the error names the
    /// parameter whose shape is wrong.
    pub fn from_parts(w_ih: Var, w_hh: Var, b_ih: Var, b_hh: Var) -> Result<Self> {
        let hidden = w_hh.dims().get(1).copied().unwrap_or(0);
        let input = w_ih.dims().get(1).copied().unwrap_or(0);
        let (g, name) = (C::GATES, C::NAME);
        expect_shape(&w_ih, &[g * hidden, input], &format!("{name} weight_ih"))?;
        expect_shape(&w_hh, &[g * hidden, hidden], &format!("{name} weight_hh"))?;
        expect_shape(&b_ih, &[g * hidden], &format!("{name} bias_ih"))?;
        expect_shape(&b_hh, &[g * hidden], &format!("{name} bias_hh"))?;
        Ok(Self {
            w_ih,
            w_hh,
            b_ih,
            b_hh,
            hidden,
            cell: PhantomData,
        })
    }

    /// Hidden units.
    pub fn hidden(&self) -> usize {
        self.hidden
    }

    /// `W_hh h + b_hh` for `h` [batch, hidden] → [batch, G·hidden].
    fn hidden_gates(&self, h: &Tensor) -> Result<Tensor> {
        Ok(h.matmul(&self.w_hh.t()?)?.broadcast_add(&self.b_hh)?)
    }

    /// Input projections of every position at once: `x` [batch, T, input] →
    /// [batch, T, G·hidden]; errors if `input` is not the weights'.
    fn input_gates(&self, x: &Tensor) -> Result<Tensor> {
        let (b, t, i) = x.dims3()?;
        let g = C::GATES * self.hidden;
        expect_shape(&self.w_ih, &[g, i], &format!("{} input size", C::NAME))?;
        let gates = x
            .reshape((b * t, i))?
            .matmul(&self.w_ih.t()?)?
            .broadcast_add(&self.b_ih)?;
        Ok(gates.reshape((b, t, g))?)
    }

    /// Runs over `x` [batch, T, input] from position 0 to T−1 (`reverse = false`) or back,
    /// from a zero state; returns the hidden state at every position, in position order:
    /// T × [batch, hidden].
    pub fn run(&self, x: &Tensor, reverse: bool) -> Result<Vec<Tensor>> {
        let (b, t, _) = x.dims3()?;
        let gates = self.input_gates(x)?;
        let mut state = C::zero_state(Tensor::zeros((b, self.hidden), x.dtype(), x.device())?);
        let mut out = vec![None; t];
        let order: Vec<usize> = if reverse {
            (0..t).rev().collect()
        } else {
            (0..t).collect()
        };
        for pos in order {
            let gi = gates.narrow(1, pos, 1)?.squeeze(1)?;
            state = C::step(self, &gi, &state)?;
            out[pos] = Some(C::output(&state).clone());
        }
        Ok(out.into_iter().flatten().collect())
    }
}

impl<C> Parameters for Direction<C> {
    /// weight_ih, weight_hh, bias_ih, bias_hh (PyTorch's order).
    fn vars(&self) -> Vec<Var> {
        vec![
            self.w_ih.clone(),
            self.w_hh.clone(),
            self.b_ih.clone(),
            self.b_hh.clone(),
        ]
    }
}

/// The GRU cell (PyTorch `nn.GRU` equations, gate order r, z, n):
/// `r = σ(W_ir x + b_ir + W_hr h + b_hr)`, `z = σ(W_iz x + b_iz + W_hz h + b_hz)`,
/// `n = tanh(W_in x + b_in + r ⊙ (W_hn h + b_hn))`, `h' = (1 − z) ⊙ n + z ⊙ h`.
#[derive(Debug, Clone, Copy)]
pub struct Gru;

/// One direction of a single-layer GRU ([`Gru`]): weights [3·hidden, ·].
pub type GruDirection = Direction<Gru>;

impl Cell for Gru {
    const NAME: &'static str = "gru";
    const GATES: usize = 3;
    /// `h` [batch, hidden].
    type State = Tensor;

    fn zero_state(h0: Tensor) -> Tensor {
        h0
    }

    fn step(dir: &Direction<Self>, gi: &Tensor, h: &Tensor) -> Result<Tensor> {
        dir.cell(gi, h)
    }

    fn output(h: &Tensor) -> &Tensor {
        h
    }
}

impl Direction<Gru> {
    /// One recurrence step: `gi` [batch, 3h] (input part), `h` [batch, h] → new `h` [batch, h].
    pub fn cell(&self, gi: &Tensor, h: &Tensor) -> Result<Tensor> {
        let hs = self.hidden;
        let gh = self.hidden_gates(h)?;
        let rz = sigmoid(&(gi.narrow(1, 0, 2 * hs)? + gh.narrow(1, 0, 2 * hs)?)?)?;
        let r = rz.narrow(1, 0, hs)?;
        let z = rz.narrow(1, hs, hs)?;
        let n = (gi.narrow(1, 2 * hs, hs)? + (r * gh.narrow(1, 2 * hs, hs)?)?)?.tanh()?;
        // h' = (1 − z) ⊙ n + z ⊙ h = n + z ⊙ (h − n)
        Ok((&n + (z * (h - &n)?)?)?)
    }
}

/// The LSTM cell (PyTorch `nn.LSTM` equations, gate order i, f, g, o):
/// `i = σ(W_ii x + b_ii + W_hi h + b_hi)`, `f = σ(W_if x + b_if + W_hf h + b_hf)`,
/// `g = tanh(W_ig x + b_ig + W_hg h + b_hg)`, `o = σ(W_io x + b_io + W_ho h + b_ho)`,
/// `c' = f ⊙ c + i ⊙ g`, `h' = o ⊙ tanh(c')`.
#[derive(Debug, Clone, Copy)]
pub struct Lstm;

/// One direction of a single-layer LSTM ([`Lstm`]): weights [4·hidden, ·].
pub type LstmDirection = Direction<Lstm>;

impl Cell for Lstm {
    const NAME: &'static str = "lstm";
    const GATES: usize = 4;
    /// `(h, c)`, each [batch, hidden].
    type State = (Tensor, Tensor);

    fn zero_state(h0: Tensor) -> (Tensor, Tensor) {
        (h0.clone(), h0)
    }

    fn step(
        dir: &Direction<Self>,
        gi: &Tensor,
        (h, c): &(Tensor, Tensor),
    ) -> Result<(Tensor, Tensor)> {
        dir.cell(gi, h, c)
    }

    fn output((h, _): &(Tensor, Tensor)) -> &Tensor {
        h
    }
}

impl Direction<Lstm> {
    /// One step: `gi` [batch, 4h] (input projection `W_ih x + b_ih`), state `(h, c)` each
    /// [batch, h] → new `(h, c)`.
    pub fn cell(&self, gi: &Tensor, h: &Tensor, c: &Tensor) -> Result<(Tensor, Tensor)> {
        let hs = self.hidden;
        let gates = (gi + self.hidden_gates(h)?)?; // [b, 4h]
        let i = sigmoid(&gates.narrow(1, 0, hs)?)?;
        let f = sigmoid(&gates.narrow(1, hs, hs)?)?;
        let g = gates.narrow(1, 2 * hs, hs)?.tanh()?;
        let o = sigmoid(&gates.narrow(1, 3 * hs, hs)?)?;
        let c = ((f * c)? + (i * g)?)?;
        let h = (o * c.tanh()?)?;
        Ok((h, c))
    }
}

/// Both directions of a bidirectional layer over `x` [batch, T, input]: the outputs
/// [batch, T, 2·hidden], forward features first at each position (PyTorch's
/// `bidirectional=True, batch_first=True` output layout). `run(x, reverse)` is
/// [`GruDirection::run`] or [`LstmDirection::run`].
pub fn bidirectional(forward: Vec<Tensor>, backward: Vec<Tensor>) -> Result<Tensor> {
    if forward.len() != backward.len() || forward.is_empty() {
        return Err(KitError::Invalid(format!(
            "bidirectional: {} forward and {} backward states",
            forward.len(),
            backward.len()
        )));
    }
    let per_pos = forward
        .iter()
        .zip(&backward)
        .map(|(f, r)| Tensor::cat(&[f, r], 1))
        .collect::<candle_core::Result<Vec<_>>>()?;
    Ok(Tensor::stack(&per_pos, 1)?)
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::rng::stream;
    use candle_core::DType;

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

#[cfg(test)]
mod lstm_tests {
    use super::*;
    use crate::nn::gradcheck;
    use crate::rng::stream;
    use candle_core::DType;

    /// hidden = 1, all weights 0.5, biases 0, x = 1, zero state: every gate pre-activation is
    /// 0.5, so c' = σ(.5)·tanh(.5), h' = σ(.5)·tanh(c').
    #[test]
    fn lstm_cell_matches_the_pytorch_equations() {
        let d = Device::Cpu;
        let half =
            |shape: &[usize]| Var::from_tensor(&Tensor::full(0.5f32, shape, &d).unwrap()).unwrap();
        let zero = |n: usize| Var::zeros(n, DType::F32, &d).unwrap();
        let l = LstmDirection::from_parts(half(&[4, 1]), half(&[4, 1]), zero(4), zero(4)).unwrap();
        let x = Tensor::new(&[[[1f32]]], &d).unwrap();
        let h: f32 = l.run(&x, false).unwrap()[0]
            .flatten_all()
            .unwrap()
            .to_vec1::<f32>()
            .unwrap()[0];
        let s = 1.0 / (1.0 + (-0.5f64).exp());
        let c = s * 0.5f64.tanh();
        assert!((f64::from(h) - s * c.tanh()).abs() < 1e-6);
        assert!(LstmDirection::from_parts(half(&[3, 1]), half(&[4, 1]), zero(4), zero(4)).is_err());
    }

    /// Gradients of every parameter and the input through 3 steps, F64, both directions,
    /// against finite differences; and the bidirectional layout.
    #[test]
    fn lstm_gradients_match_finite_differences() {
        let to64 =
            |v: &Var| Var::from_tensor(&v.as_tensor().to_dtype(DType::F64).unwrap()).unwrap();
        let l = LstmDirection::torch_default(&mut stream(1, "i"), 2, 3, &Device::Cpu).unwrap();
        let l =
            LstmDirection::from_parts(to64(&l.w_ih), to64(&l.w_hh), to64(&l.b_ih), to64(&l.b_hh))
                .unwrap();
        let x = gradcheck::var(4, &[2, 3, 2], DType::F64);
        for reverse in [false, true] {
            let loss = || {
                let hs = l.run(x.as_tensor(), reverse).unwrap();
                gradcheck::squared(&Tensor::stack(&hs, 1).unwrap())
            };
            gradcheck::check(
                &loss,
                &[
                    ("input", &x),
                    ("w_ih", &l.w_ih),
                    ("w_hh", &l.w_hh),
                    ("b_ih", &l.b_ih),
                    ("b_hh", &l.b_hh),
                ],
                1e-6,
                1e-6,
            );
        }
        let y = bidirectional(
            l.run(x.as_tensor(), false).unwrap(),
            l.run(x.as_tensor(), true).unwrap(),
        )
        .unwrap();
        assert_eq!(y.dims(), &[2, 3, 6]);
    }

    /// The GRU's gradients through 3 steps, F64, both directions, against finite differences.
    #[test]
    fn gru_gradients_match_finite_differences() {
        let to64 =
            |v: &Var| Var::from_tensor(&v.as_tensor().to_dtype(DType::F64).unwrap()).unwrap();
        let g = GruDirection::torch_default(&mut stream(2, "i"), 2, 3, &Device::Cpu).unwrap();
        let g =
            GruDirection::from_parts(to64(&g.w_ih), to64(&g.w_hh), to64(&g.b_ih), to64(&g.b_hh))
                .unwrap();
        let x = gradcheck::var(5, &[2, 3, 2], DType::F64);
        for reverse in [false, true] {
            let loss = || {
                let hs = g.run(x.as_tensor(), reverse).unwrap();
                gradcheck::squared(&Tensor::stack(&hs, 1).unwrap())
            };
            gradcheck::check(
                &loss,
                &[
                    ("input", &x),
                    ("w_ih", &g.w_ih),
                    ("w_hh", &g.w_hh),
                    ("b_ih", &g.b_ih),
                    ("b_hh", &g.b_hh),
                ],
                1e-6,
                1e-6,
            );
        }
    }
}
