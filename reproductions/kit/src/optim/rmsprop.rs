//! RMSprop (Tieleman & Hinton 2012) with PyTorch's semantics
//! (`torch/optim/rmsprop.py::_single_tensor_rmsprop`, PyTorch 2.x).
//!
//! For a parameter p with gradient g, state s = 0 (square average), a = 0 (gradient average,
//! centred only), b = 0 (momentum buffer): `g ← g + λ·p`; `s ← α·s + (1 − α)·g²`;
//! centred: `a ← lerp(a, g, 1 − α)`, `r = √(s − a²)`, else `r = √s`; `r ← r + ε`
//! (ε **outside** the root, unlike Keras/TensorFlow's `√(s + ε)`);
//! momentum μ > 0: `b ← μ·b + g/r`, `p ← p − lr·b`; else `p ← p − lr·g/r`.

use super::{
    check_gradients, check_range, fusable, fused_update, impl_optimizer, lerp, simd, Slots,
};
use crate::Result;
use candle_core::{backprop::GradStore, Tensor, Var};

/// Hyperparameters of [`RmsProp`] (PyTorch's names); `Default` is `torch.optim.RMSprop()`'s:
/// lr 1e-2, α 0.99, ε 1e-8, no weight decay, no momentum, not centred.
#[derive(Debug, Clone, Copy, PartialEq)]
pub struct RmsPropParams {
    /// Learning rate, ≥ 0.
    pub lr: f64,
    /// Smoothing constant α ≥ 0 of the square average.
    pub alpha: f64,
    /// Added to the root, ≥ 0.
    pub eps: f64,
    /// Coupled L2 weight decay λ ≥ 0.
    pub weight_decay: f64,
    /// Momentum μ ≥ 0.
    pub momentum: f64,
    /// Normalise by the estimated variance (Graves 2013) instead of the second moment.
    pub centered: bool,
}

impl Default for RmsPropParams {
    fn default() -> Self {
        Self {
            lr: 1e-2,
            alpha: 0.99,
            eps: 1e-8,
            weight_decay: 0.0,
            momentum: 0.0,
            centered: false,
        }
    }
}

impl RmsPropParams {
    fn validate(&self) -> Result<()> {
        check_range("lr", self.lr, 0.0, f64::MAX, true)?;
        check_range("alpha", self.alpha, 0.0, f64::MAX, true)?;
        check_range("eps", self.eps, 0.0, f64::MAX, true)?;
        check_range("weight_decay", self.weight_decay, 0.0, f64::MAX, true)?;
        check_range("momentum", self.momentum, 0.0, f64::MAX, true)
    }
}

struct HostSlot {
    square: Vec<f32>,
    grad_avg: Vec<f32>,
    buf: Vec<f32>,
}

struct TensorSlot {
    square: Tensor,
    grad_avg: Tensor,
    buf: Tensor,
}

type State = Slots<HostSlot, TensorSlot>;

/// RMSprop: `torch.optim.RMSprop(params, lr, alpha, eps, weight_decay, momentum, centered)`.
pub struct RmsProp {
    vars: Vec<Var>,
    state: State,
    params: RmsPropParams,
    steps: u64,
}

impl RmsProp {
    /// RMSprop over `vars` with hyperparameters `params`; errors on invalid values.
    pub fn with_params(vars: Vec<Var>, params: RmsPropParams) -> Result<Self> {
        params.validate()?;
        let state = State::new(
            &vars,
            fusable(&vars),
            |v| {
                let n = v.elem_count();
                let opt = |on: bool| vec![0.0; if on { n } else { 0 }];
                HostSlot {
                    square: vec![0.0; n],
                    grad_avg: opt(params.centered),
                    buf: opt(params.momentum > 0.0),
                }
            },
            |v| {
                let z = v.as_tensor().zeros_like()?;
                Ok(TensorSlot {
                    square: z.clone(),
                    grad_avg: z.clone(),
                    buf: z,
                })
            },
        )?;
        Ok(Self {
            vars,
            state,
            params,
            steps: 0,
        })
    }

    /// The hyperparameters in force (the learning rate as last set).
    pub fn params(&self) -> &RmsPropParams {
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
        let alpha = p.alpha as f32;
        let c = (1.0 - p.alpha) as f32;
        let small = c.abs() < 0.5;
        let eps = p.eps as f32;
        let wd = p.weight_decay as f32;
        let has_wd = p.weight_decay != 0.0;
        let mu = p.momentum as f32;
        let has_mu = p.momentum > 0.0;
        let neg_lr = (-p.lr) as f32;
        let centered = p.centered;
        self.state.update(
            &self.vars,
            grads,
            |var, g, slot| {
                let HostSlot {
                    square,
                    grad_avg,
                    buf,
                } = slot;
                let n = square.len();
                fused_update("rmsprop-update", var, g, n, |ps, gs| {
                    simd(|| {
                        for i in 0..ps.len() {
                            let g = if has_wd { gs[i] + wd * ps[i] } else { gs[i] };
                            let s = square[i] * alpha + c * g * g;
                            square[i] = s;
                            let r = if centered {
                                let a = lerp(grad_avg[i], g, c, small);
                                grad_avg[i] = a;
                                (s + -a * a).sqrt()
                            } else {
                                s.sqrt()
                            } + eps;
                            if has_mu {
                                let b = buf[i] * mu + g / r;
                                buf[i] = b;
                                ps[i] += neg_lr * b;
                            } else {
                                ps[i] += neg_lr * g / r;
                            }
                        }
                    })
                })
            },
            |var, g, slot| {
                let theta = var.as_tensor();
                let mut g = (*g).clone();
                if p.weight_decay != 0.0 {
                    g = (g + theta.affine(p.weight_decay, 0.0)?)?;
                }
                slot.square =
                    (slot.square.affine(p.alpha, 0.0)? + g.sqr()?.affine(1.0 - p.alpha, 0.0)?)?;
                let r = if p.centered {
                    slot.grad_avg =
                        (slot.grad_avg.affine(p.alpha, 0.0)? + g.affine(1.0 - p.alpha, 0.0)?)?;
                    (&slot.square - slot.grad_avg.sqr()?)?.sqrt()?
                } else {
                    slot.square.sqrt()?
                };
                let r = (r + p.eps)?;
                let next = if p.momentum > 0.0 {
                    slot.buf = (slot.buf.affine(p.momentum, 0.0)? + (&g / &r)?)?;
                    (theta - slot.buf.affine(p.lr, 0.0)?)?
                } else {
                    (theta - (g / r)?.affine(p.lr, 0.0)?)?
                };
                var.set(&next)?;
                Ok(())
            },
        )?;
        self.steps += 1;
        Ok(())
    }
}

impl_optimizer!(RmsProp, RmsPropParams);

#[cfg(test)]
mod tests {
    use super::*;
    use candle_core::{DType, Device};

    fn two_steps(params: RmsPropParams) -> (f64, f64) {
        let run = |dtype: DType| {
            let w = Var::from_tensor(
                &Tensor::new(&[1.0f64], &Device::Cpu)
                    .unwrap()
                    .to_dtype(dtype)
                    .unwrap(),
            )
            .unwrap();
            let mut opt = RmsProp::with_params(vec![w.clone()], params).unwrap();
            assert_eq!(matches!(opt.state, State::Host(_)), dtype == DType::F32);
            for _ in 0..2 {
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

    /// α 0.9, lr 0.01, ε 0, w₀ = 1, loss w²: g₁ = 2, s₁ = 0.4, w₁ = 1 − 0.01·2/√0.4;
    /// g₂ = 2w₁, s₂ = 0.36 + 0.1·g₂², w₂ = w₁ − 0.01·g₂/√s₂. Centred: a₁ = 0.2,
    /// r₁ = √(0.4 − 0.04); a₂ = 0.18 + 0.1·g₂, r₂ = √(s₂ − a₂²). Momentum 0.5 (not centred):
    /// b₁ = g₁/√s₁, b₂ = 0.5·b₁ + g₂/√s₂.
    #[test]
    fn plain_centred_and_momentum_by_hand() {
        let base = RmsPropParams {
            lr: 0.01,
            alpha: 0.9,
            eps: 0.0,
            ..RmsPropParams::default()
        };
        let w1 = 1.0 - 0.01 * 2.0 / 0.4f64.sqrt();
        let g2 = 2.0 * w1;
        let s2 = 0.36 + 0.1 * g2 * g2;
        let plain = w1 - 0.01 * g2 / s2.sqrt();
        let cw1 = 1.0 - 0.01 * 2.0 / (0.4f64 - 0.04).sqrt();
        let cg2 = 2.0 * cw1;
        let cs2 = 0.36 + 0.1 * cg2 * cg2;
        let ca2 = 0.18 + 0.1 * cg2;
        let centred = cw1 - 0.01 * cg2 / (cs2 - ca2 * ca2).sqrt();
        let b1 = 2.0 / 0.4f64.sqrt();
        let mw1 = 1.0 - 0.01 * b1;
        let mg2 = 2.0 * mw1;
        let ms2 = 0.36 + 0.1 * mg2 * mg2;
        let momentum = mw1 - 0.01 * (0.5 * b1 + mg2 / ms2.sqrt());
        for (params, want) in [
            (base, plain),
            (
                RmsPropParams {
                    centered: true,
                    ..base
                },
                centred,
            ),
            (
                RmsPropParams {
                    momentum: 0.5,
                    ..base
                },
                momentum,
            ),
        ] {
            let (fused, ops) = two_steps(params);
            assert!(
                (ops - want).abs() < 1e-12,
                "{params:?}: ops {ops} vs {want}"
            );
            assert!(
                (fused - want).abs() < 1e-6,
                "{params:?}: fused {fused} vs {want}"
            );
        }
    }

    #[test]
    fn rejects_invalid_values() {
        let p = RmsPropParams {
            alpha: -0.1,
            ..RmsPropParams::default()
        };
        assert!(RmsProp::with_params(vec![], p).is_err());
    }
}
