//! Optimizers as `candle_nn::Optimizer`s, with the update rules of PyTorch (`torch.optim`) and
//! Keras 2, plus learning-rate schedules ([`schedule`]) and global gradient-norm clipping
//! ([`clip_grad_norm`]).
//!
//! Every optimizer here:
//! - implements [`Optimizer`] (so `backward_step`, `learning_rate` and `set_learning_rate`
//!   work), and also has inherent `step`/`backward_step` returning the kit's [`crate::Result`];
//! - updates F32 parameters on the CPU in **one fused in-place pass** per parameter (a candle
//!   `InplaceOp2` over parameter and gradient, with the optimizer state in host buffers: no
//!   temporaries per step), and falls back to tensor ops for other devices and dtypes; both
//!   paths compute the same formula (tests compare them);
//! - evaluates its formula in the order of PyTorch's CPU kernels (`_single_tensor_*` in
//!   `torch/optim/*.py`), scalars rounded to float32 as PyTorch does for float32 tensors, so that
//!   it matches PyTorch to float32 rounding (PyTorch's vectorised kernels use fused multiply-adds
//!   in places, so results agree to a few ulps, not bitwise);
//! - treats a parameter without a gradient as an error (PyTorch skips it silently; here it would
//!   silently stay frozen), and rejects invalid hyperparameters as PyTorch's constructors do.

mod adam;
mod clip;
mod keras_sgd;
mod rmsprop;
pub mod schedule;
mod sgd;

pub use adam::{Adam, AdamParams, AdamW};
pub use candle_nn::Optimizer;
pub use clip::clip_grad_norm;
pub use keras_sgd::{KerasSgd, KerasSgdParams};
pub use rmsprop::{RmsProp, RmsPropParams};
pub use schedule::Schedule;
pub use sgd::{Sgd, SgdParams};

use crate::{KitError, Result};
use candle_core::{backprop::GradStore, CpuStorage, DType, InplaceOp2, Layout, Tensor, Var};
use std::cell::RefCell;

/// The gradient of `var` in `grads`, checked to have the parameter's shape; a missing gradient is
/// an error naming the parameter's shape.
pub(crate) fn gradient<'a>(grads: &'a GradStore, var: &Var) -> Result<&'a Tensor> {
    let g = grads
        .get(var.as_tensor())
        .ok_or_else(|| KitError::MissingGradient {
            shape: var.dims().to_vec(),
        })?;
    if g.dims() != var.dims() {
        return Err(KitError::shape("gradient", var.dims(), g.dims()));
    }
    Ok(g)
}

/// Checks that every parameter has a gradient of its shape before an optimizer changes anything
/// (so that a failed step leaves parameters and state untouched), without allocating.
pub(crate) fn check_gradients(grads: &GradStore, vars: &[Var]) -> Result<()> {
    for v in vars {
        gradient(grads, v)?;
    }
    Ok(())
}

/// Per-parameter optimizer state, one shape for every optimizer here: host buffers `H` for the
/// fused F32 CPU path ([`fused_update`]), tensors `T` for the tensor-op fallback (other devices
/// and dtypes). [`Slots::new`] chooses the path once; [`Slots::update`] is the one loop over
/// the parameters both paths share.
pub(crate) enum Slots<H, T> {
    /// Host state, one entry per parameter.
    Host(Vec<H>),
    /// Tensor state, one entry per parameter.
    Tensors(Vec<T>),
}

impl<H, T> Slots<H, T> {
    /// Host slots `host(var)` when `fused` (the caller checks [`fusable`]), otherwise tensor
    /// slots `tensor(var)`, in the order of `vars`.
    pub(crate) fn new(
        vars: &[Var],
        fused: bool,
        host: impl Fn(&Var) -> H,
        tensor: impl Fn(&Var) -> Result<T>,
    ) -> Result<Self> {
        Ok(if fused {
            Slots::Host(vars.iter().map(host).collect())
        } else {
            Slots::Tensors(vars.iter().map(tensor).collect::<Result<_>>()?)
        })
    }

    /// For each parameter in order, its gradient ([`gradient`]) and its slot go to `host` (fused
    /// path) or `tensor` (fallback). The caller runs [`check_gradients`] first, so that a missing
    /// gradient leaves everything untouched.
    pub(crate) fn update(
        &mut self,
        vars: &[Var],
        grads: &GradStore,
        mut host: impl FnMut(&Var, &Tensor, &mut H) -> Result<()>,
        mut tensor: impl FnMut(&Var, &Tensor, &mut T) -> Result<()>,
    ) -> Result<()> {
        match self {
            Slots::Host(slots) => {
                for (var, slot) in vars.iter().zip(slots.iter_mut()) {
                    host(var, gradient(grads, var)?, slot)?;
                }
            }
            Slots::Tensors(slots) => {
                for (var, slot) in vars.iter().zip(slots.iter_mut()) {
                    tensor(var, gradient(grads, var)?, slot)?;
                }
            }
        }
        Ok(())
    }

    /// Whether the fused host path is in use.
    #[cfg(test)]
    pub(crate) fn is_host(&self) -> bool {
        matches!(self, Slots::Host(_))
    }
}

/// Whether the fused host path applies to every parameter: F32, contiguous, on the CPU.
pub(crate) fn fusable(vars: &[Var]) -> bool {
    vars.iter()
        .all(|v| v.device().is_cpu() && v.dtype() == DType::F32 && v.is_contiguous())
}

/// Checks that a hyperparameter is finite and within `[lo, hi)` (or `[lo, hi]` if `closed`).
pub(crate) fn check_range(name: &str, value: f64, lo: f64, hi: f64, closed: bool) -> Result<()> {
    let ok = value.is_finite() && value >= lo && if closed { value <= hi } else { value < hi };
    if ok {
        Ok(())
    } else {
        let close = if closed { ']' } else { ')' };
        Err(KitError::hyperparameter(
            name,
            value,
            format!("outside [{lo}, {hi}{close}"),
        ))
    }
}

/// Maps a kit error into candle's error type for the [`Optimizer`] trait (a tensor error stays
/// itself; others keep their message).
pub(crate) fn to_candle(e: KitError) -> candle_core::Error {
    match e {
        KitError::Candle(e) => e,
        other => candle_core::Error::msg(other),
    }
}

/// A fused in-place update of one F32 parameter: `kernel(param, grad)` runs once over the
/// parameter's storage with the contiguous gradient; the kernel closes over the optimizer's
/// host state buffers for this parameter, which are borrowed for the duration of the op.
struct HostUpdate<F> {
    name: &'static str,
    len: usize,
    kernel: RefCell<F>,
}

impl<F: FnMut(&mut [f32], &[f32])> InplaceOp2 for HostUpdate<F> {
    fn name(&self) -> &'static str {
        self.name
    }

    fn cpu_fwd(
        &self,
        s1: &mut CpuStorage,
        l1: &Layout,
        s2: &CpuStorage,
        l2: &Layout,
    ) -> candle_core::Result<()> {
        let (CpuStorage::F32(p), CpuStorage::F32(g)) = (s1, s2) else {
            candle_core::bail!("{}: parameters and gradients must be F32", self.name);
        };
        let (Some((p0, p1)), Some((g0, g1))) = (l1.contiguous_offsets(), l2.contiguous_offsets())
        else {
            candle_core::bail!("{}: parameter and gradient must be contiguous", self.name);
        };
        let (p, g) = (&mut p[p0..p1], &g[g0..g1]);
        if p.len() != g.len() || p.len() != self.len {
            candle_core::bail!(
                "{}: {} parameters, {} gradients, {} state entries",
                self.name,
                p.len(),
                g.len(),
                self.len
            );
        }
        (self.kernel.borrow_mut())(p, g);
        Ok(())
    }
}

/// Runs `kernel(param, grad)` in place over `var`'s F32 CPU storage (see [`HostUpdate`]);
/// `len` is the length of the state buffers the kernel uses, checked against the parameter.
pub(crate) fn fused_update<F: FnMut(&mut [f32], &[f32])>(
    name: &'static str,
    var: &Var,
    grad: &Tensor,
    len: usize,
    kernel: F,
) -> Result<()> {
    let op = HostUpdate {
        name,
        len,
        kernel: RefCell::new(kernel),
    };
    var.as_tensor().inplace_op2(&grad.contiguous()?, &op)?;
    Ok(())
}

/// The kit's runtime AVX2 dispatch ([`crate::simd::with_simd`]), under the name the fused
/// kernels use.
pub(crate) use crate::simd::with_simd as simd;

/// PyTorch's CPU `lerp(start, end, weight)`: `start + w·(end − start)` for |w| < 0.5, else
/// `end − (end − start)·(1 − w)` (`aten/src/ATen/native/Lerp.h`).
#[inline(always)]
pub(crate) fn lerp(start: f32, end: f32, weight: f32, small: bool) -> f32 {
    if small {
        start + weight * (end - start)
    } else {
        end - (end - start) * (1.0 - weight)
    }
}

/// Implements [`Optimizer`] for `$t` (config `$cfg`) on its inherent `with_params`, `update`,
/// `learning_rate` and `set_lr`, and adds inherent `step`/`backward_step` returning the kit's
/// [`crate::Result`].
macro_rules! impl_optimizer {
    ($t:ty, $cfg:ty) => {
        impl candle_nn::Optimizer for $t {
            type Config = $cfg;

            fn new(vars: Vec<candle_core::Var>, config: $cfg) -> candle_core::Result<Self> {
                <$t>::with_params(vars, config).map_err($crate::optim::to_candle)
            }

            fn step(
                &mut self,
                grads: &candle_core::backprop::GradStore,
            ) -> candle_core::Result<()> {
                self.update(grads).map_err($crate::optim::to_candle)
            }

            fn learning_rate(&self) -> f64 {
                self.lr()
            }

            fn set_learning_rate(&mut self, lr: f64) {
                self.set_lr(lr)
            }
        }

        impl $t {
            /// One update from `grads` (from `loss.backward()`); every parameter must have a
            /// gradient.
            pub fn step(&mut self, grads: &candle_core::backprop::GradStore) -> $crate::Result<()> {
                self.update(grads)
            }

            /// `loss.backward()` followed by [`Self::step`].
            pub fn backward_step(&mut self, loss: &candle_core::Tensor) -> $crate::Result<()> {
                let grads = loss.backward()?;
                self.update(&grads)
            }
        }
    };
}
pub(crate) use impl_optimizer;
