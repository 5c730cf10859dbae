//! Keras 2's legacy `SGD(lr, momentum, decay, nesterov)` (`keras/optimizers.py`, Keras
//! 2.0–2.3), which the reference uses as `SGD(lr=0.01, momentum=0.975, decay=2e-6,
//! nesterov=True)`.
//!
//! At optimizer step `t` (0-based, counted across epochs):
//! `lr_t = lr / (1 + decay · t)`; for every parameter `p` with gradient `g` and velocity `v`
//! (initially 0): `v ← momentum · v − lr_t · g`; then `p ← p + momentum · v − lr_t · g`
//! (Nesterov) or `p ← p + v` (classical momentum).

use super::{check_range, impl_optimizer, Slots};
use crate::Result;
use candle_core::{backprop::GradStore, CpuStorage, InplaceOp2, Layout, Tensor, Var};
use std::cell::RefCell;

/// The [`candle_nn::Optimizer`] configuration of [`KerasSgd`]: the arguments of
/// [`KerasSgd::new`].
#[derive(Debug, Clone, Copy, PartialEq)]
pub struct KerasSgdParams {
    /// Base learning rate (Keras `lr`), ≥ 0.
    pub lr: f64,
    /// Momentum, ≥ 0.
    pub momentum: f64,
    /// Legacy inverse-time decay per iteration, ≥ 0.
    pub decay: f64,
    /// Nesterov momentum.
    pub nesterov: bool,
    /// Use the fused in-place CPU update where the parameters allow it.
    pub fused: bool,
}

impl Default for KerasSgdParams {
    /// Keras 2's `SGD()` defaults: lr 0.01, no momentum, no decay, no Nesterov; fused.
    fn default() -> Self {
        Self {
            lr: 0.01,
            momentum: 0.0,
            decay: 0.0,
            nesterov: false,
            fused: true,
        }
    }
}

/// Velocities: on the CPU a host buffer per parameter, updated together with the parameter in
/// one fused in-place pass ([`FusedUpdate`]); elsewhere a tensor per parameter (tensor ops).
type Velocities = Slots<Vec<f32>, Tensor>;

/// The optimizer state: parameters, their velocities and the step counter.
pub struct KerasSgd {
    vars: Vec<Var>,
    velocities: Velocities,
    lr: f64,
    momentum: f64,
    decay: f64,
    nesterov: bool,
    iterations: u64,
}

/// One parameter's update in place on the CPU, in float32 and in the order of Keras'
/// expressions: `v = (momentum·v) − (lr·g)`, then `p = (p + momentum·v) − lr·g` (Nesterov) or
/// `p = p + v`. The velocity buffer is borrowed for the duration of the op.
struct FusedUpdate<'a> {
    velocity: RefCell<&'a mut [f32]>,
    lr: f32,
    momentum: f32,
    nesterov: bool,
}

impl InplaceOp2 for FusedUpdate<'_> {
    fn name(&self) -> &'static str {
        "keras-sgd-update"
    }

    fn cpu_fwd(
        &self,
        s1: &mut CpuStorage,
        l1: &Layout,
        s2: &CpuStorage,
        l2: &Layout,
    ) -> candle_core::Result<()> {
        let (CpuStorage::F32(p), CpuStorage::F32(g)) = (s1, s2) else {
            candle_core::bail!("keras-sgd-update: parameters and gradients must be F32");
        };
        let (Some((p0, p1)), Some((g0, g1))) = (l1.contiguous_offsets(), l2.contiguous_offsets())
        else {
            candle_core::bail!("keras-sgd-update: parameter and gradient must be contiguous");
        };
        let mut v = self.velocity.borrow_mut();
        let (p, g) = (&mut p[p0..p1], &g[g0..g1]);
        if p.len() != g.len() || p.len() != v.len() {
            candle_core::bail!(
                "keras-sgd-update: {} parameters, {} gradients, {} velocities",
                p.len(),
                g.len(),
                v.len()
            );
        }
        let (lr, m) = (self.lr, self.momentum);
        for ((p, v), &g) in p.iter_mut().zip(v.iter_mut()).zip(g) {
            let lr_g = lr * g;
            *v = m * *v - lr_g;
            *p = if self.nesterov {
                (*p + m * *v) - lr_g
            } else {
                *p + *v
            };
        }
        Ok(())
    }
}

impl KerasSgd {
    /// SGD over `vars` with base learning rate `lr`, `momentum`, legacy inverse-time `decay`
    /// and Nesterov momentum if `nesterov`. Errors on a negative or non-finite lr, momentum or
    /// decay (Keras 2 accepted them silently).
    ///
    /// With `fused` and F32 parameters on the CPU, each update is one in-place pass over
    /// parameter, velocity and gradient; otherwise it is built from tensor ops (any device and
    /// dtype). Both compute the same formula.
    pub fn new(
        vars: Vec<Var>,
        lr: f64,
        momentum: f64,
        decay: f64,
        nesterov: bool,
        fused: bool,
    ) -> Result<Self> {
        Self::with_params(
            vars,
            KerasSgdParams {
                lr,
                momentum,
                decay,
                nesterov,
                fused,
            },
        )
    }

    /// [`KerasSgd::new`] from a [`KerasSgdParams`].
    pub fn with_params(vars: Vec<Var>, params: KerasSgdParams) -> Result<Self> {
        let KerasSgdParams {
            lr,
            momentum,
            decay,
            nesterov,
            fused,
        } = params;
        check_range("lr", lr, 0.0, f64::MAX, true)?;
        check_range("momentum", momentum, 0.0, f64::MAX, true)?;
        check_range("decay", decay, 0.0, f64::MAX, true)?;
        let host = fused && super::fusable(&vars);
        let velocities = Velocities::new(
            &vars,
            host,
            |v| vec![0f32; v.elem_count()],
            |v| Ok(v.as_tensor().zeros_like()?),
        )?;
        Ok(Self {
            vars,
            velocities,
            lr,
            momentum,
            decay,
            nesterov,
            iterations: 0,
        })
    }

    /// The base learning rate (Keras `optimizer.lr`; the decayed rate of the next step is
    /// [`Self::current_lr`]).
    fn lr(&self) -> f64 {
        self.lr
    }

    /// Sets the base learning rate (as `K.set_value(optimizer.lr, lr)`; the decay still applies).
    fn set_lr(&mut self, lr: f64) {
        self.lr = lr;
    }

    /// The learning rate of the next step, `lr · (1 / (1 + decay · iterations))`, evaluated in
    /// float32 as Keras does.
    pub fn current_lr(&self) -> f64 {
        let (lr, decay, it) = (self.lr as f32, self.decay as f32, self.iterations as f32);
        f64::from(lr * (1.0 / (1.0 + decay * it)))
    }

    /// Optimizer steps taken so far (Keras `optimizer.iterations`).
    pub fn iterations(&self) -> u64 {
        self.iterations
    }

    /// One update from `grads` (from `loss.backward()`). A parameter without a gradient is an
    /// error (it would silently stay frozen); it is detected before anything changes.
    fn update(&mut self, grads: &GradStore) -> Result<()> {
        let lr = self.current_lr();
        let m = self.momentum;
        super::check_gradients(grads, &self.vars)?;
        let nesterov = self.nesterov;
        self.velocities.update(
            &self.vars,
            grads,
            |var, g, velocity| {
                let op = FusedUpdate {
                    velocity: RefCell::new(velocity.as_mut_slice()),
                    lr: lr as f32,
                    momentum: m as f32,
                    nesterov,
                };
                var.as_tensor().inplace_op2(&g.contiguous()?, &op)?;
                Ok(())
            },
            |var, g, velocity| {
                let lr_g = g.affine(lr, 0.0)?;
                let v = (velocity.affine(m, 0.0)? - &lr_g)?;
                let p = if nesterov {
                    ((var.as_tensor() + v.affine(m, 0.0)?)? - &lr_g)?
                } else {
                    (var.as_tensor() + &v)?
                };
                var.set(&p)?;
                *velocity = v;
                Ok(())
            },
        )?;
        self.iterations += 1;
        Ok(())
    }
}

impl_optimizer!(KerasSgd, KerasSgdParams);

#[cfg(test)]
mod tests {
    use super::*;
    use candle_core::{DType, Device};

    /// Two steps on loss w² from w₀ = 1 with lr 0.1 and momentum 0.9, by both implementations
    /// (F64 tensor ops, and the fused F32 CPU pass, which must agree to float32 precision);
    /// returns the tensor-op result.
    fn two_steps(decay: f64, nesterov: bool) -> f64 {
        let run = |dtype: DType, fused: bool| {
            let w0 = Tensor::new(&[1.0f64], &Device::Cpu).unwrap();
            let w = Var::from_tensor(&w0.to_dtype(dtype).unwrap()).unwrap();
            let mut opt = KerasSgd::new(vec![w.clone()], 0.1, 0.9, decay, nesterov, fused).unwrap();
            assert_eq!(matches!(opt.velocities, Velocities::Host(_)), fused);
            for _ in 0..2 {
                // loss = w², gradient 2w
                let loss = w.as_tensor().sqr().unwrap().sum_all().unwrap();
                opt.step(&loss.backward().unwrap()).unwrap();
            }
            assert_eq!(opt.iterations(), 2);
            let v = w.as_tensor().to_dtype(DType::F64).unwrap();
            v.to_vec1::<f64>().unwrap()[0]
        };
        let ops = run(DType::F64, false);
        let fused = run(DType::F32, true);
        assert!(
            (ops - fused).abs() < 1e-6,
            "tensor ops {ops}, fused {fused}"
        );
        ops
    }

    /// By hand, lr 0.1, momentum 0.9, w₀ = 1, loss w²:
    /// step 1: g = 2, v = −0.2, w = 1 + 0.9·(−0.2) − 0.2 = 0.62;
    /// step 2: g = 1.24, v = −0.18 − 0.124 = −0.304, w = 0.62 − 0.2736 − 0.124 = 0.2224.
    #[test]
    fn nesterov_two_steps_by_hand() {
        assert!((two_steps(0.0, true) - 0.2224).abs() < 1e-7);
    }

    /// With decay 0.5 the second step uses lr 0.1/1.5: v = −0.18 − 0.08267 = −0.26267,
    /// w = 0.62 + 0.9·(−0.26267) − 0.08267 = 0.300933.
    #[test]
    fn legacy_decay_counts_iterations() {
        let lr2 = 0.1 / 1.5;
        let v2 = -0.18 - lr2 * 1.24;
        let want = 0.62 + 0.9 * v2 - lr2 * 1.24;
        assert!((two_steps(0.5, true) - want).abs() < 1e-7);
        assert!((want - 0.300933).abs() < 1e-6);
    }

    /// Classical momentum: w₁ = 1 − 0.2 = 0.8; g = 1.6, v = −0.18 − 0.16 = −0.34, w₂ = 0.46.
    #[test]
    fn classical_momentum_two_steps() {
        assert!((two_steps(0.0, false) - 0.46).abs() < 1e-7);
    }

    /// The reference schedule: lr 0.01 · 1/(1 + 2e-6 · 75,000) after 100 epochs of 750 steps.
    #[test]
    fn reference_learning_rate_after_100_epochs() {
        let mut opt = KerasSgd::new(vec![], 0.01, 0.975, 2e-6, true, true).unwrap();
        opt.iterations = 75_000;
        assert!((opt.current_lr() - 0.01 / 1.15).abs() < 1e-8);
    }
}
