//! Stochastic gradient descent with PyTorch's semantics (`torch/optim/sgd.py::_single_tensor_sgd`,
//! PyTorch 2.x).
//!
//! For a parameter p with gradient g: `d = g + λ·p` (weight decay λ); with momentum μ ≠ 0 the
//! buffer b is `b ← d` at the **first** step (no dampening then) and
//! `b ← μ·b + (1 − dampening)·d` afterwards; `d ← d + μ·b` (Nesterov) or `d ← b`;
//! finally `p ← p − lr·d`. (Sutskever et al.'s and Keras' `v ← μ·v − lr·g; p ← p + v` differ
//! when the learning rate changes; see [`super::KerasSgd`].)

use super::{check_gradients, check_range, fusable, fused_update, impl_optimizer, simd, Slots};
use crate::{KitError, Result};
use candle_core::{backprop::GradStore, Tensor, Var};

/// Hyperparameters of [`Sgd`] (PyTorch's names); `Default` is `torch.optim.SGD()`'s (lr 1e-3,
/// no momentum, dampening, weight decay or Nesterov).
#[derive(Debug, Clone, Copy, PartialEq)]
pub struct SgdParams {
    /// Learning rate, ≥ 0.
    pub lr: f64,
    /// Momentum μ ≥ 0 (0: plain SGD, no buffer).
    pub momentum: f64,
    /// Dampening of the gradient in the momentum buffer, ≥ 0.
    pub dampening: f64,
    /// Coupled L2 weight decay λ ≥ 0 (added to the gradient).
    pub weight_decay: f64,
    /// Nesterov momentum; requires μ > 0 and dampening 0 (PyTorch raises otherwise).
    pub nesterov: bool,
}

impl Default for SgdParams {
    fn default() -> Self {
        Self {
            lr: 1e-3,
            momentum: 0.0,
            dampening: 0.0,
            weight_decay: 0.0,
            nesterov: false,
        }
    }
}

impl SgdParams {
    fn validate(&self) -> Result<()> {
        check_range("lr", self.lr, 0.0, f64::MAX, true)?;
        check_range("momentum", self.momentum, 0.0, f64::MAX, true)?;
        check_range("dampening", self.dampening, 0.0, f64::MAX, true)?;
        check_range("weight_decay", self.weight_decay, 0.0, f64::MAX, true)?;
        if self.nesterov && (self.momentum <= 0.0 || self.dampening != 0.0) {
            return Err(KitError::Invalid(
                "Nesterov momentum requires a momentum and zero dampening".into(),
            ));
        }
        Ok(())
    }
}

/// Momentum buffers: on the host, one per parameter (empty vectors when μ = 0); as tensors,
/// `None` until the first step (or always when μ = 0).
type Buffers = Slots<Vec<f32>, Option<Tensor>>;

/// SGD with momentum, dampening, Nesterov and weight decay: `torch.optim.SGD`.
pub struct Sgd {
    vars: Vec<Var>,
    buffers: Buffers,
    params: SgdParams,
    steps: u64,
}

impl Sgd {
    /// SGD over `vars` with hyperparameters `params`; errors on invalid values.
    pub fn with_params(vars: Vec<Var>, params: SgdParams) -> Result<Self> {
        params.validate()?;
        let momentum = params.momentum != 0.0;
        let buffers = Buffers::new(
            &vars,
            fusable(&vars),
            |v| vec![0.0; if momentum { v.elem_count() } else { 0 }],
            |_| Ok(None),
        )?;
        Ok(Self {
            vars,
            buffers,
            params,
            steps: 0,
        })
    }

    /// The hyperparameters in force (the learning rate as last set).
    pub fn params(&self) -> &SgdParams {
        &self.params
    }

    /// Steps taken so far.
    pub fn steps(&self) -> u64 {
        self.steps
    }

    fn lr(&self) -> f64 {
        self.params.lr
    }

    fn set_lr(&mut self, lr: f64) {
        self.params.lr = lr;
    }

    fn update(&mut self, grads: &GradStore) -> Result<()> {
        check_gradients(grads, &self.vars)?;
        let p = self.params;
        let first = self.steps == 0;
        let neg_lr = (-p.lr) as f32;
        let wd = p.weight_decay as f32;
        let has_wd = p.weight_decay != 0.0;
        let mu = p.momentum as f32;
        let damp = (1.0 - p.dampening) as f32;
        let has_mu = p.momentum != 0.0;
        let nesterov = p.nesterov;
        self.buffers.update(
            &self.vars,
            grads,
            |var, g, buf| {
                let n = var.elem_count();
                fused_update("sgd-update", var, g, n, |ps, gs| {
                    simd(|| match (has_mu, has_wd, nesterov, first) {
                        (false, false, _, _) => sgd_plain::<false>(ps, gs, neg_lr, wd),
                        (false, true, _, _) => sgd_plain::<true>(ps, gs, neg_lr, wd),
                        (true, w, n, f) => {
                            let k = (neg_lr, wd, mu, damp);
                            match (w, n, f) {
                                (false, false, false) => {
                                    sgd_mu::<false, false, false>(ps, gs, buf, k)
                                }
                                (false, false, true) => {
                                    sgd_mu::<false, false, true>(ps, gs, buf, k)
                                }
                                (false, true, false) => {
                                    sgd_mu::<false, true, false>(ps, gs, buf, k)
                                }
                                (false, true, true) => sgd_mu::<false, true, true>(ps, gs, buf, k),
                                (true, false, false) => {
                                    sgd_mu::<true, false, false>(ps, gs, buf, k)
                                }
                                (true, false, true) => sgd_mu::<true, false, true>(ps, gs, buf, k),
                                (true, true, false) => sgd_mu::<true, true, false>(ps, gs, buf, k),
                                (true, true, true) => sgd_mu::<true, true, true>(ps, gs, buf, k),
                            }
                        }
                    })
                })
            },
            |var, g, buf| {
                let theta = var.as_tensor();
                let mut d = (*g).clone();
                if p.weight_decay != 0.0 {
                    d = (d + theta.affine(p.weight_decay, 0.0)?)?;
                }
                if p.momentum != 0.0 {
                    let b = match buf.take() {
                        None => d.clone(),
                        Some(b) => {
                            (b.affine(p.momentum, 0.0)? + d.affine(1.0 - p.dampening, 0.0)?)?
                        }
                    };
                    d = if p.nesterov {
                        (d + b.affine(p.momentum, 0.0)?)?
                    } else {
                        b.clone()
                    };
                    *buf = Some(b);
                }
                var.set(&(theta - d.affine(p.lr, 0.0)?)?)?;
                Ok(())
            },
        )?;
        self.steps += 1;
        Ok(())
    }
}

impl_optimizer!(Sgd, SgdParams);

/// Plain SGD pass: `p ← p − lr·(g + λ·p)`.
#[inline(always)]
fn sgd_plain<const WD: bool>(ps: &mut [f32], gs: &[f32], neg_lr: f32, wd: f32) {
    for (p, &g) in ps.iter_mut().zip(gs) {
        let d = if WD { g + wd * *p } else { g };
        *p += neg_lr * d;
    }
}

/// SGD-momentum pass with the loop-invariant choices (weight decay, Nesterov, first step) as
/// constants; `k` = (−lr, λ, μ, 1 − dampening).
#[inline(always)]
fn sgd_mu<const WD: bool, const NESTEROV: bool, const FIRST: bool>(
    ps: &mut [f32],
    gs: &[f32],
    buf: &mut [f32],
    (neg_lr, wd, mu, damp): (f32, f32, f32, f32),
) {
    let n = ps.len();
    let (gs, buf) = (&gs[..n], &mut buf[..n]);
    for i in 0..n {
        let d = if WD { gs[i] + wd * ps[i] } else { gs[i] };
        let b = if FIRST { d } else { buf[i] * mu + damp * d };
        buf[i] = b;
        let d = if NESTEROV { d + mu * b } else { b };
        ps[i] += neg_lr * d;
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use candle_core::{DType, Device};

    /// Three steps on loss w² from w₀ = 1 (g = 2w), by the fused F32 path and the F64 tensor
    /// path; returns both.
    fn three_steps(params: SgdParams) -> (f64, f64) {
        let run = |dtype: DType| {
            let w = Var::from_tensor(
                &Tensor::new(&[1.0f64], &Device::Cpu)
                    .unwrap()
                    .to_dtype(dtype)
                    .unwrap(),
            )
            .unwrap();
            let mut opt = Sgd::with_params(vec![w.clone()], params).unwrap();
            assert_eq!(matches!(opt.buffers, Buffers::Host(_)), dtype == DType::F32);
            for _ in 0..3 {
                let loss = w.as_tensor().sqr().unwrap().sum_all().unwrap();
                opt.backward_step(&loss).unwrap();
            }
            w.as_tensor()
                .to_dtype(DType::F64)
                .unwrap()
                .to_vec1::<f64>()
                .unwrap()[0]
        };
        (run(DType::F32), run(DType::F64))
    }

    fn check(params: SgdParams, want: f64) {
        let (f32_, f64_) = three_steps(params);
        assert!((f64_ - want).abs() < 1e-12, "tensor ops {f64_} vs {want}");
        assert!((f32_ - want).abs() < 1e-6, "fused {f32_} vs {want}");
    }

    /// Plain: w ← w − 0.1·2w = 0.8w: 0.512.
    #[test]
    fn plain_sgd_by_hand() {
        check(
            SgdParams {
                lr: 0.1,
                ..SgdParams::default()
            },
            0.512,
        );
    }

    /// μ 0.9, lr 0.1: b₁ = 2 (first step: b = g, no dampening), w₁ = 0.8;
    /// g₂ = 1.6, b₂ = 1.8 + 1.6 = 3.4, w₂ = 0.46; g₃ = 0.92, b₃ = 3.06 + 0.92 = 3.98,
    /// w₃ = 0.062. With dampening 0.5: b₂ = 1.8 + 0.8 = 2.6, w₂ = 0.54; g₃ = 1.08,
    /// b₃ = 2.34 + 0.54 = 2.88, w₃ = 0.252.
    #[test]
    fn momentum_and_dampening_by_hand() {
        let m = SgdParams {
            lr: 0.1,
            momentum: 0.9,
            ..SgdParams::default()
        };
        check(m, 0.062);
        check(
            SgdParams {
                dampening: 0.5,
                ..m
            },
            0.252,
        );
    }

    /// Nesterov μ 0.9, lr 0.1: b₁ = 2, d = 2 + 1.8 = 3.8, w₁ = 0.62; g₂ = 1.24, b₂ = 1.8 + 1.24
    /// = 3.04, d = 1.24 + 2.736 = 3.976, w₂ = 0.2224; g₃ = 0.4448, b₃ = 2.736 + 0.4448 = 3.1808,
    /// d = 0.4448 + 2.86272 = 3.30752, w₃ = −0.108352. Weight decay 0.5 without momentum:
    /// w ← w − 0.1·(2w + 0.5w) = 0.75w: 0.421875.
    #[test]
    fn nesterov_and_weight_decay_by_hand() {
        check(
            SgdParams {
                lr: 0.1,
                momentum: 0.9,
                nesterov: true,
                ..SgdParams::default()
            },
            -0.108352,
        );
        check(
            SgdParams {
                lr: 0.1,
                weight_decay: 0.5,
                ..SgdParams::default()
            },
            0.421875,
        );
    }

    #[test]
    fn rejects_invalid_nesterov_and_values() {
        let bad = |p: SgdParams| Sgd::with_params(vec![], p).is_err();
        assert!(bad(SgdParams {
            nesterov: true,
            ..SgdParams::default()
        }));
        assert!(bad(SgdParams {
            nesterov: true,
            momentum: 0.9,
            dampening: 0.1,
            ..SgdParams::default()
        }));
        assert!(bad(SgdParams {
            lr: -0.1,
            ..SgdParams::default()
        }));
    }
}
