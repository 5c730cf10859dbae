//! Adam (Kingma & Ba 2015) and AdamW (Loshchilov & Hutter 2019) with PyTorch's semantics
//! (`torch/optim/adam.py::_single_tensor_adam`, PyTorch 2.x; `AdamW` is Adam with
//! `decoupled_weight_decay=True`).
//!
//! At step t = 1, 2, … for a parameter p with gradient g, state m = v = 0 (and v_max = 0):
//! - `Adam` (coupled L2): `g ← g + λ·p`; `AdamW` (decoupled): `p ← p·(1 − lr·λ)`;
//! - `m ← lerp(m, g, 1 − β₁)` = β₁·m + (1 − β₁)·g; `v ← β₂·v + (1 − β₂)·g²`;
//! - with `amsgrad`: `v_max ← max(v_max, v)` and v_max replaces v below;
//! - `p ← p − (lr / (1 − β₁ᵗ)) · m / (√v / √(1 − β₂ᵗ) + ε)`.
//!
//! **ε placement**: ε is added *after* the square root of the bias-corrected second moment,
//! `√v̂ + ε` with `v̂ = v/(1 − β₂ᵗ)`, as in PyTorch and Algorithm 1 of the paper. (Keras 2 and
//! the paper's "efficient version" add ε̂ to `√v` before the bias correction, which equals
//! `ε = ε̂/√(1 − β₂ᵗ)` here; TensorFlow's ε = 1e-7 default also differs.)

use super::{
    check_gradients, check_range, fusable, fused_update, impl_optimizer, lerp, simd, Slots,
};
use crate::Result;
use candle_core::{backprop::GradStore, Tensor, Var};

/// Hyperparameters of [`Adam`] and [`AdamW`] (PyTorch's names). `Default` is
/// `torch.optim.Adam()`'s: lr 1e-3, β = (0.9, 0.999), ε = 1e-8, weight decay 0, no AMSGrad;
/// [`AdamParams::adamw`] is `torch.optim.AdamW()`'s (weight decay 1e-2).
#[derive(Debug, Clone, Copy, PartialEq)]
pub struct AdamParams {
    /// Learning rate, ≥ 0.
    pub lr: f64,
    /// Decay rate of the first moment, in [0, 1).
    pub beta1: f64,
    /// Decay rate of the second moment, in [0, 1).
    pub beta2: f64,
    /// Added to √v̂ (after the square root and the bias correction), ≥ 0.
    pub eps: f64,
    /// Weight decay λ ≥ 0: coupled L2 (added to the gradient) for [`Adam`], decoupled
    /// (`p ← p·(1 − lr·λ)`) for [`AdamW`].
    pub weight_decay: f64,
    /// Use the maximum of past second moments (Reddi et al. 2018, PyTorch `amsgrad=True`).
    pub amsgrad: bool,
}

impl Default for AdamParams {
    fn default() -> Self {
        Self {
            lr: 1e-3,
            beta1: 0.9,
            beta2: 0.999,
            eps: 1e-8,
            weight_decay: 0.0,
            amsgrad: false,
        }
    }
}

impl AdamParams {
    /// `torch.optim.AdamW()`'s defaults: as [`Default`] with weight decay 1e-2.
    pub fn adamw() -> Self {
        Self {
            weight_decay: 1e-2,
            ..Self::default()
        }
    }

    /// Errors as PyTorch's constructor does (negative lr, ε or λ; β outside [0, 1)), and on
    /// non-finite values.
    fn validate(&self) -> Result<()> {
        check_range("lr", self.lr, 0.0, f64::MAX, true)?;
        check_range("beta1", self.beta1, 0.0, 1.0, false)?;
        check_range("beta2", self.beta2, 0.0, 1.0, false)?;
        check_range("eps", self.eps, 0.0, f64::MAX, true)?;
        check_range("weight_decay", self.weight_decay, 0.0, f64::MAX, true)
    }
}

/// One parameter's state on the fused host path: m, v and (AMSGrad) v_max.
struct HostSlot {
    m: Vec<f32>,
    v: Vec<f32>,
    v_max: Vec<f32>,
}

/// One parameter's state on the tensor-op path.
struct TensorSlot {
    m: Tensor,
    v: Tensor,
    v_max: Option<Tensor>,
}

type State = Slots<HostSlot, TensorSlot>;

/// The shared implementation; `decoupled` selects AdamW's weight decay.
struct Core {
    vars: Vec<Var>,
    state: State,
    params: AdamParams,
    decoupled: bool,
    /// Steps taken (PyTorch's `state["step"]`, equal for all parameters here since every
    /// parameter must have a gradient at every step).
    t: u64,
}

impl Core {
    fn new(vars: Vec<Var>, params: AdamParams, decoupled: bool) -> Result<Self> {
        params.validate()?;
        let state = State::new(
            &vars,
            fusable(&vars),
            |v| {
                let n = v.elem_count();
                HostSlot {
                    m: vec![0.0; n],
                    v: vec![0.0; n],
                    v_max: if params.amsgrad { vec![0.0; n] } else { vec![] },
                }
            },
            |var| {
                let z = var.as_tensor().zeros_like()?;
                Ok(TensorSlot {
                    m: z.clone(),
                    v: z.clone(),
                    v_max: params.amsgrad.then_some(z),
                })
            },
        )?;
        Ok(Self {
            vars,
            state,
            params,
            decoupled,
            t: 0,
        })
    }

    fn update(&mut self, grads: &GradStore) -> Result<()> {
        // Every gradient is looked up before anything changes, so a missing one leaves the
        // parameters and the state untouched.
        check_gradients(grads, &self.vars)?;
        self.t += 1;
        let p = self.params;
        let t = self.t as i32;
        let bc1 = 1.0 - p.beta1.powi(t);
        let bc2 = 1.0 - p.beta2.powi(t);
        let step_size = p.lr / bc1;
        let bc2_sqrt = bc2.sqrt();
        let decoupled = self.decoupled;
        let k = Consts {
            w1: (1.0 - p.beta1) as f32,
            small: (1.0 - p.beta1).abs() < 0.5,
            b2: p.beta2 as f32,
            c2: (1.0 - p.beta2) as f32,
            neg_step: (-step_size) as f32,
            bc2s: bc2_sqrt as f32,
            eps: p.eps as f32,
            wd: p.weight_decay as f32,
            coupled: p.weight_decay != 0.0 && !self.decoupled,
            decay: (1.0 - p.lr * p.weight_decay) as f32,
            decoupled: p.weight_decay != 0.0 && decoupled,
        };
        let ams = p.amsgrad;
        self.state.update(
            &self.vars,
            grads,
            |var, g, slot| {
                let HostSlot { m, v, v_max } = slot;
                let n = m.len();
                fused_update("adam-update", var, g, n, |ps, gs| {
                    if ams {
                        amsgrad_kernel(ps, gs, m, v, v_max, &k);
                    } else {
                        simd(|| adam_dispatch(ps, gs, m, v, &k));
                    }
                })
            },
            |var, g, slot| {
                let mut theta = var.as_tensor().clone();
                let mut g = (*g).clone();
                if p.weight_decay != 0.0 {
                    if decoupled {
                        theta = theta.affine(1.0 - p.lr * p.weight_decay, 0.0)?;
                    } else {
                        g = (g + theta.affine(p.weight_decay, 0.0)?)?;
                    }
                }
                let m = (slot.m.affine(p.beta1, 0.0)? + g.affine(1.0 - p.beta1, 0.0)?)?;
                let v = (slot.v.affine(p.beta2, 0.0)? + g.sqr()?.affine(1.0 - p.beta2, 0.0)?)?;
                let second = match &slot.v_max {
                    Some(vm) => {
                        let vm = vm.maximum(&v)?;
                        slot.v_max = Some(vm.clone());
                        vm
                    }
                    None => v.clone(),
                };
                let denom = second.sqrt()?.affine(1.0 / bc2_sqrt, p.eps)?;
                let next = (theta - (m.affine(step_size, 0.0)? / denom)?)?;
                var.set(&next)?;
                slot.m = m;
                slot.v = v;
                Ok(())
            },
        )
    }

    /// Whether the fused host path is in use.
    #[cfg(test)]
    fn is_fused(&self) -> bool {
        self.state.is_host()
    }
}

/// The per-step scalars of the fused update, rounded to float32 as PyTorch does for float32
/// tensors.
struct Consts {
    /// 1 − β₁ (the lerp weight) and whether it is < 0.5 (PyTorch's lerp branch).
    w1: f32,
    small: bool,
    b2: f32,
    c2: f32,
    /// −lr/(1 − β₁ᵗ).
    neg_step: f32,
    /// √(1 − β₂ᵗ).
    bc2s: f32,
    eps: f32,
    wd: f32,
    coupled: bool,
    /// 1 − lr·λ.
    decay: f32,
    decoupled: bool,
}

/// One Adam/AdamW pass (no AMSGrad) with the loop-invariant choices as constants, so that the
/// loop has no branches and vectorises.
#[inline(always)]
fn adam_kernel<const COUPLED: bool, const DECOUPLED: bool, const SMALL: bool>(
    ps: &mut [f32],
    gs: &[f32],
    m: &mut [f32],
    v: &mut [f32],
    k: &Consts,
) {
    let n = ps.len();
    let (gs, m, v) = (&gs[..n], &mut m[..n], &mut v[..n]);
    for i in 0..n {
        let mut p = ps[i];
        let g = if COUPLED { gs[i] + k.wd * p } else { gs[i] };
        if DECOUPLED {
            p *= k.decay;
        }
        let mi = lerp(m[i], g, k.w1, SMALL);
        let vi = v[i] * k.b2 + k.c2 * g * g;
        let denom = vi.sqrt() / k.bc2s + k.eps;
        ps[i] = p + k.neg_step * mi / denom;
        m[i] = mi;
        v[i] = vi;
    }
}

#[inline(always)]
fn adam_dispatch(ps: &mut [f32], gs: &[f32], m: &mut [f32], v: &mut [f32], k: &Consts) {
    match (k.coupled, k.decoupled, k.small) {
        (true, _, true) => adam_kernel::<true, false, true>(ps, gs, m, v, k),
        (true, _, false) => adam_kernel::<true, false, false>(ps, gs, m, v, k),
        (false, true, true) => adam_kernel::<false, true, true>(ps, gs, m, v, k),
        (false, true, false) => adam_kernel::<false, true, false>(ps, gs, m, v, k),
        (false, false, true) => adam_kernel::<false, false, true>(ps, gs, m, v, k),
        (false, false, false) => adam_kernel::<false, false, false>(ps, gs, m, v, k),
    }
}

/// The AMSGrad pass (not specialised: rarely used).
fn amsgrad_kernel(
    ps: &mut [f32],
    gs: &[f32],
    m: &mut [f32],
    v: &mut [f32],
    v_max: &mut [f32],
    k: &Consts,
) {
    for ((((p, &g), m), v), vm) in ps
        .iter_mut()
        .zip(gs)
        .zip(m.iter_mut())
        .zip(v.iter_mut())
        .zip(v_max.iter_mut())
    {
        let g = if k.coupled { g + k.wd * *p } else { g };
        if k.decoupled {
            *p *= k.decay;
        }
        *m = lerp(*m, g, k.w1, k.small);
        *v = *v * k.b2 + k.c2 * g * g;
        // torch.maximum propagates NaN.
        *vm = if v.is_nan() || *v > *vm { *v } else { *vm };
        let denom = vm.sqrt() / k.bc2s + k.eps;
        *p += k.neg_step * *m / denom;
    }
}

/// Adam with PyTorch's semantics, `torch.optim.Adam(params, lr, betas, eps, weight_decay,
/// amsgrad)`: weight decay is **coupled** L2 (λ·p added to the gradient). See the module doc
/// for the update and the placement of ε.
pub struct Adam {
    core: Core,
}

impl Adam {
    /// `torch.optim.Adam(vars, lr=lr, weight_decay=weight_decay)`: β = (0.9, 0.999), ε = 1e-8,
    /// coupled L2 weight decay `weight_decay` (0 for plain Adam). Errors on invalid values.
    ///
    /// (Before the kit's own Adam this wrapped candle-nn's AdamW, whose decay is decoupled;
    /// every caller passed 0, for which both are the same.)
    pub fn new(vars: Vec<Var>, lr: f64, weight_decay: f64) -> Result<Self> {
        Self::with_params(
            vars,
            AdamParams {
                lr,
                weight_decay,
                ..AdamParams::default()
            },
        )
    }

    /// Adam over `vars` with every hyperparameter given (β, ε, AMSGrad).
    pub fn with_params(vars: Vec<Var>, params: AdamParams) -> Result<Self> {
        Ok(Self {
            core: Core::new(vars, params, false)?,
        })
    }

    /// The hyperparameters in force (the learning rate as last set).
    pub fn params(&self) -> &AdamParams {
        &self.core.params
    }

    /// Steps taken so far.
    pub fn steps(&self) -> u64 {
        self.core.t
    }

    fn update(&mut self, grads: &GradStore) -> Result<()> {
        self.core.update(grads)
    }

    fn lr(&self) -> f64 {
        self.core.params.lr
    }

    fn set_lr(&mut self, lr: f64) {
        self.core.params.lr = lr;
    }
}

impl_optimizer!(Adam, AdamParams);

/// AdamW with PyTorch's semantics, `torch.optim.AdamW(params, lr, betas, eps, weight_decay,
/// amsgrad)`: weight decay is **decoupled**, `p ← p·(1 − lr·λ)` before the Adam update
/// (Loshchilov & Hutter 2019; PyTorch multiplies by the learning rate, the paper's schedule
/// multiplier η_t = lr here). PyTorch's default λ is 1e-2 ([`AdamParams::adamw`]).
pub struct AdamW {
    core: Core,
}

impl AdamW {
    /// AdamW over `vars` with hyperparameters `params`. Errors on invalid values.
    pub fn with_params(vars: Vec<Var>, params: AdamParams) -> Result<Self> {
        Ok(Self {
            core: Core::new(vars, params, true)?,
        })
    }

    /// The hyperparameters in force (the learning rate as last set).
    pub fn params(&self) -> &AdamParams {
        &self.core.params
    }

    /// Steps taken so far.
    pub fn steps(&self) -> u64 {
        self.core.t
    }

    fn update(&mut self, grads: &GradStore) -> Result<()> {
        self.core.update(grads)
    }

    fn lr(&self) -> f64 {
        self.core.params.lr
    }

    fn set_lr(&mut self, lr: f64) {
        self.core.params.lr = lr;
    }
}

impl_optimizer!(AdamW, AdamParams);

#[cfg(test)]
mod tests {
    use super::*;
    use candle_core::{DType, Device};

    #[test]
    fn adam_reduces_a_quadratic() {
        let d = Device::Cpu;
        let x = Var::new(&[3.0f32, -2.0], &d).unwrap();
        let mut opt = Adam::new(vec![x.clone()], 0.1, 0.0).unwrap();
        assert!(opt.core.is_fused());
        for _ in 0..200 {
            let loss = x.as_tensor().sqr().unwrap().sum_all().unwrap();
            opt.backward_step(&loss).unwrap();
        }
        let v: Vec<f32> = x.as_tensor().to_vec1().unwrap();
        assert!(v.iter().all(|a| a.abs() < 0.05), "{v:?}");
    }

    /// By hand, lr 0.1, β = (0.9, 0.999), ε = 1e-8, w₀ = 1, loss w² (g = 2w):
    /// step 1: m = 0.2, v = 0.004, m̂ = 2, v̂ = 4, w₁ = 1 − 0.1·2/(2 + 1e-8) ≈ 0.9;
    /// step 2: g = 2w₁, m = 0.18 + 0.1·g, v = 0.003996 + 0.001·g², m̂ = m/0.19,
    /// v̂ = v/(1 − 0.999²), w₂ = w₁ − 0.1·m̂/(√v̂ + 1e-8).
    #[test]
    fn two_steps_by_hand_fused_and_tensor_ops() {
        let w1 = 1.0 - 0.1 * 2.0 / (2.0 + 1e-8);
        let g = 2.0 * w1;
        let m_hat = (0.18 + 0.1 * g) / 0.19;
        let v_hat: f64 = (0.003996 + 0.001 * g * g) / (1.0 - 0.999f64.powi(2));
        let want = w1 - 0.1 * m_hat / (v_hat.sqrt() + 1e-8);
        for dtype in [DType::F32, DType::F64] {
            let w = Var::from_tensor(
                &Tensor::new(&[1.0f64], &Device::Cpu)
                    .unwrap()
                    .to_dtype(dtype)
                    .unwrap(),
            )
            .unwrap();
            let mut opt = Adam::new(vec![w.clone()], 0.1, 0.0).unwrap();
            assert_eq!(opt.core.is_fused(), dtype == DType::F32);
            for _ in 0..2 {
                let loss = w.as_tensor().sqr().unwrap().sum_all().unwrap();
                opt.backward_step(&loss).unwrap();
            }
            let got = w
                .as_tensor()
                .to_dtype(DType::F64)
                .unwrap()
                .to_vec1::<f64>()
                .unwrap()[0];
            let tol = if dtype == DType::F32 { 1e-6 } else { 1e-12 };
            assert!((got - want).abs() < tol, "{dtype:?}: {got} vs {want}");
            assert_eq!(opt.steps(), 2);
        }
    }

    /// Coupled vs decoupled decay, one step from w = 1 with g = 0 (loss 0·w), lr 0.1, λ 0.5:
    /// Adam: g' = 0.5, m̂ = 0.5, v̂ = 0.25, w = 1 − 0.1·0.5/(0.5 + ε) ≈ 0.9;
    /// AdamW: w = 1·(1 − 0.05) = 0.95, then the update of g = 0 is 0.
    #[test]
    fn weight_decay_coupled_and_decoupled() {
        let d = Device::Cpu;
        let params = AdamParams {
            lr: 0.1,
            weight_decay: 0.5,
            ..AdamParams::default()
        };
        let run = |decoupled: bool| {
            let w = Var::new(&[1.0f32], &d).unwrap();
            let mut core = Core::new(vec![w.clone()], params, decoupled).unwrap();
            let zero = Tensor::new(&[0.0f32], &d).unwrap();
            let loss = (w.as_tensor() * zero).unwrap().sum_all().unwrap();
            core.update(&loss.backward().unwrap()).unwrap();
            w.as_tensor().to_vec1::<f32>().unwrap()[0]
        };
        assert!((run(false) - 0.9).abs() < 1e-6);
        assert!((run(true) - 0.95).abs() < 1e-7);
    }

    #[test]
    fn rejects_invalid_hyperparameters_and_missing_gradients() {
        let d = Device::Cpu;
        let w = Var::new(&[1.0f32], &d).unwrap();
        assert!(Adam::new(vec![w.clone()], -1.0, 0.0).is_err());
        assert!(Adam::new(vec![w.clone()], f64::NAN, 0.0).is_err());
        let bad_beta = AdamParams {
            beta2: 1.0,
            ..AdamParams::default()
        };
        assert!(AdamW::with_params(vec![w.clone()], bad_beta).is_err());
        let other = Var::new(&[2.0f32], &d).unwrap();
        let mut opt = Adam::new(vec![w.clone(), other.clone()], 0.1, 0.0).unwrap();
        let loss = w.as_tensor().sqr().unwrap().sum_all().unwrap();
        assert!(opt.backward_step(&loss).is_err());
        // Nothing changed: neither parameter nor step count.
        assert_eq!(w.as_tensor().to_vec1::<f32>().unwrap(), [1.0]);
        assert_eq!(opt.steps(), 0);
    }

    #[test]
    fn optimizer_trait_and_learning_rate() {
        use candle_nn::Optimizer;
        let d = Device::Cpu;
        let w = Var::new(&[1.0f32], &d).unwrap();
        let mut opt = <AdamW as Optimizer>::new(vec![w.clone()], AdamParams::adamw()).unwrap();
        assert_eq!(opt.learning_rate(), 1e-3);
        opt.set_learning_rate(0.5);
        assert_eq!(opt.params().lr, 0.5);
        let loss = w.as_tensor().sqr().unwrap().sum_all().unwrap();
        Optimizer::backward_step(&mut opt, &loss).unwrap();
        // First Adam step moves by lr (m̂/√v̂ = 1), after the decoupled decay 1 − 0.5·0.01.
        let got = w.as_tensor().to_vec1::<f32>().unwrap()[0];
        assert!((got - (0.995 - 0.5)).abs() < 1e-6, "{got}");
    }

    /// 10 steps on 4,099 random parameters (vector body and tail) with random gradients: the
    /// fused F32 pass equals the tensor-op formula (run in F64) to float32 rounding, for Adam
    /// with coupled decay and AdamW.
    #[test]
    fn fused_equals_the_tensor_op_formula_on_a_large_draw() {
        use crate::init::uniform;
        use crate::rng::stream;
        let d = Device::Cpu;
        for decoupled in [false, true] {
            let w0 = uniform(&mut stream(1, "w"), &[4099], 1.0, &d).unwrap();
            let w32 = Var::from_tensor(w0.as_tensor()).unwrap();
            let w64 = Var::from_tensor(&w0.as_tensor().to_dtype(DType::F64).unwrap()).unwrap();
            let params = AdamParams {
                lr: 0.01,
                weight_decay: 0.05,
                ..AdamParams::default()
            };
            let mut a = Core::new(vec![w32.clone()], params, decoupled).unwrap();
            let mut b = Core::new(vec![w64.clone()], params, decoupled).unwrap();
            assert!(a.is_fused() && !b.is_fused());
            for step in 0..10 {
                let c = uniform(&mut stream(step, "g"), &[4099], 1.0, &d).unwrap();
                let c = c.as_tensor();
                let ga = (w32.as_tensor() * c)
                    .unwrap()
                    .sum_all()
                    .unwrap()
                    .backward()
                    .unwrap();
                let c64 = c.to_dtype(DType::F64).unwrap();
                let gb = (w64.as_tensor() * c64)
                    .unwrap()
                    .sum_all()
                    .unwrap()
                    .backward()
                    .unwrap();
                a.update(&ga).unwrap();
                b.update(&gb).unwrap();
            }
            let x: Vec<f32> = w32.as_tensor().to_vec1().unwrap();
            let y: Vec<f64> = w64.as_tensor().to_vec1().unwrap();
            for (i, (p, q)) in x.iter().zip(&y).enumerate() {
                assert!(
                    (f64::from(*p) - q).abs() < 2e-6,
                    "{decoupled} [{i}] {p} vs {q}"
                );
            }
        }
    }

    /// The AVX2-compiled kernel and the baseline one give bitwise the same numbers.
    #[test]
    fn simd_and_scalar_kernels_agree_bitwise() {
        let k = Consts {
            w1: 0.1,
            small: true,
            b2: 0.999,
            c2: 0.001,
            neg_step: -0.01,
            bc2s: 0.1,
            eps: 1e-8,
            wd: 0.01,
            coupled: true,
            decay: 1.0,
            decoupled: false,
        };
        let n = 1031;
        let g: Vec<f32> = (0..n)
            .map(|i| ((i * 7919) % 1000) as f32 / 500.0 - 1.0)
            .collect();
        let p0: Vec<f32> = (0..n)
            .map(|i| ((i * 104729) % 997) as f32 / 997.0 - 0.5)
            .collect();
        let run = |vector: bool| {
            let (mut p, mut m, mut v) = (p0.clone(), vec![0.1f32; n], vec![0.01f32; n]);
            for _ in 0..3 {
                if vector {
                    super::simd(|| adam_dispatch(&mut p, &g, &mut m, &mut v, &k));
                } else {
                    adam_dispatch(&mut p, &g, &mut m, &mut v, &k);
                }
            }
            p.iter().map(|x| x.to_bits()).collect::<Vec<_>>()
        };
        assert_eq!(run(true), run(false));
    }
}
