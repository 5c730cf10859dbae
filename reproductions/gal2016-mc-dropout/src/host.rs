//! The network of [`crate::model`] as plain loops over contiguous f32 buffers: the training
//! step's forward and backward pass, and the MC-dropout passes.
//!
//! Why not candle's ops: the network is 13 → 50 → 1 and a batch is 128 rows, so one training
//! step through candle's autograd is about 25 small ops, each paying an allocation, a dispatch
//! and a graph node (60 µs a step in `benches/small_mlp.rs`, little of it arithmetic). The same
//! step as loops over `[batch, inputs]` and `[batch, H]` buffers takes 22 µs. The loops vectorise
//! over the H
//! hidden units (independent lanes), so the sums run in a fixed order and results are bitwise
//! reproducible. The gradients are handed to the kit's [`fit`] loop as a
//! [`repro_kit::fit::PrecomputedLoss`], which steps the kit's Adam with them, so optimizer,
//! loop, divergence handling and timing stay the kit's.
//!
//! Both passes are checked against the candle network: the gradients against candle's autograd
//! of [`ReluMlp::forward_masked`](repro_kit::nn::ReluMlp::forward_masked) + `loss::mse` + the L2 penalty (and finite differences),
//! the MC passes against [`ReluMlp::forward_masked`](repro_kit::nn::ReluMlp::forward_masked).
//!
//! [`fit`]: repro_kit::fit::fit

use crate::model::DropoutMlp;
use candle_core::backprop::GradStore;
use candle_core::{Device, Storage, Tensor};
use repro_kit::simd::has_avx2;
use repro_kit::{KitError, Result};

/// Copies the f32 values of a contiguous CPU tensor into `out` (resized), without allocating
/// when `out` already has the capacity. Errors if the tensor is not contiguous f32 on the CPU.
fn read_f32(t: &Tensor, out: &mut Vec<f32>) -> Result<()> {
    let (storage, layout) = t.storage_and_layout();
    let Storage::Cpu(cpu) = &*storage else {
        return Err(KitError::Invalid(
            "host kernels: a parameter is not on the CPU".into(),
        ));
    };
    let Some((a, b)) = layout.contiguous_offsets() else {
        return Err(KitError::Invalid(
            "host kernels: a parameter is not contiguous".into(),
        ));
    };
    out.clear();
    out.extend_from_slice(&cpu.as_slice::<f32>()?[a..b]);
    Ok(())
}

/// The network's parameters on the host, in the layouts the loops want:
/// `w1t` `[inputs, H']` (the hidden kernel transposed, Keras' layout: row j is input j's weights
/// to every hidden unit), `b1` `[H']`, `w2` `[H]` (the output kernel), `b2`. `H'` is H rounded up to
/// a multiple of 8 (the stride of every `[·, H']` buffer here); the padding columns are zero,
/// so padded units have pre-activation 0, activation 0 and gradient 0, and every register
/// block of `combine_rows` is full.
#[derive(Debug, Clone, Default)]
pub struct HostWeights {
    w1t: Vec<f32>,
    b1: Vec<f32>,
    w2: Vec<f32>,
    b2: f32,
    inputs: usize,
    hidden: usize,
    /// H rounded up to a multiple of 8.
    stride: usize,
    /// Scratch for reading the `[H, inputs]` kernel before transposing it.
    w1: Vec<f32>,
}

impl HostWeights {
    /// A copy of `model`'s parameters. Errors if they are not contiguous f32 on the CPU.
    pub fn of(model: &DropoutMlp) -> Result<Self> {
        let mut w = Self::default();
        w.read(model)?;
        Ok(w)
    }

    /// Refreshes the copy from `model` (after an optimizer step), reusing the buffers.
    pub fn read(&mut self, model: &DropoutMlp) -> Result<()> {
        let (d, h) = (model.inputs(), model.hidden_units());
        read_f32(model.hidden.weight.as_tensor(), &mut self.w1)?;
        let hp = h.next_multiple_of(8);
        self.w1t.clear();
        self.w1t.resize(d * hp, 0.0);
        for k in 0..h {
            for j in 0..d {
                self.w1t[j * hp + k] = self.w1[k * d + j];
            }
        }
        read_f32(model.hidden.bias.as_tensor(), &mut self.b1)?;
        self.b1.resize(hp, 0.0);
        read_f32(model.output.bias.as_tensor(), &mut self.w2)?;
        self.b2 = self.w2[0];
        read_f32(model.output.weight.as_tensor(), &mut self.w2)?;
        (self.inputs, self.hidden, self.stride) = (d, h, hp);
        Ok(())
    }

    /// Number of inputs.
    pub fn inputs(&self) -> usize {
        self.inputs
    }

    /// Number of hidden units H.
    pub fn hidden_units(&self) -> usize {
        self.hidden
    }

    /// H rounded up to a multiple of 8: the length of a pre-activation row here.
    pub fn padded_hidden_units(&self) -> usize {
        self.stride
    }

    /// Hidden pre-activations of one row: `z = b1 + Σ_j x_j · w1t[j, :]` (in the order j = 0,
    /// 1, …), `x` `[inputs]` (already multiplied by its dropout multipliers), into `z` `[H']`.
    #[inline(always)]
    fn preactivation(&self, x: &[f32], z: &mut [f32]) {
        combine_rows(z, |k| self.b1[k], x.len(), |j| x[j], &self.w1t, self.stride);
    }

    /// The output of one row from its hidden pre-activations `z` `[H']` (the first H are read)
    /// and hidden dropout multipliers `mask` `[H]`: `b2 + Σ_k relu(z_k)·mask_k·w2_k`, summed in
    /// 8 interleaved partial sums (so that it vectorises) and then the tail, in a fixed order.
    #[inline(always)]
    fn output(&self, z: &[f32], mask: &[f32]) -> f32 {
        let mut lanes = [0f32; 8];
        let chunks = z
            .chunks_exact(8)
            .zip(mask.chunks_exact(8))
            .zip(self.w2.chunks_exact(8));
        for ((a, m), w) in chunks {
            for l in 0..8 {
                lanes[l] += a[l].max(0.0) * m[l] * w[l];
            }
        }
        let tail = self.hidden - self.hidden % 8;
        let mut out = lanes.iter().sum::<f32>() + self.b2;
        for k in tail..self.hidden {
            out += z[k].max(0.0) * mask[k] * self.w2[k];
        }
        out
    }

    /// One stochastic pass for one row, computed densely: `x_dropped` `[inputs]` (input × its
    /// multipliers), `hidden_mask` `[H]` → standardised prediction; `z` is scratch `[H']` (H
    /// rounded up to a multiple of 8, [`HostWeights::padded_hidden_units`]). The reference for
    /// [`McPasses`]; same arithmetic as [`ReluMlp::forward_masked`](repro_kit::nn::ReluMlp::forward_masked) up to float summation
    /// order. Errors if a buffer has the wrong length.
    pub fn forward_one(
        &self,
        x_dropped: &[f32],
        hidden_mask: &[f32],
        z: &mut [f32],
    ) -> Result<f32> {
        if x_dropped.len() != self.inputs
            || hidden_mask.len() != self.hidden
            || z.len() != self.stride
        {
            return Err(KitError::Invalid(format!(
                "forward_one: {} inputs, {} hidden multipliers and scratch of {} for a network of \
                 {} inputs and {} hidden units (scratch {})",
                x_dropped.len(),
                hidden_mask.len(),
                z.len(),
                self.inputs,
                self.hidden,
                self.stride
            )));
        }
        self.preactivation(x_dropped, z);
        Ok(self.output(z, hidden_mask))
    }
}

/// `out[k] = init(k) + Σ_{i < count} c(i)·m[i·stride + k]` for every `k < out.len()`, each
/// `out[k]` a chain of IEEE additions in the order i = 0, 1, …: bitwise what `count`
/// successive [`axpy`] calls into `out` give. `out.len()` is a multiple of 8 (every buffer here
/// has the padded width `H'`).
///
/// The outputs are taken in blocks of 32, then one block of the rest (24, 16 or 8), and a
/// block's sums stay in registers while the terms are added (one load of `m` per term instead
/// of a load and a store of `out`). A block of 32 is four independent 8-wide chains, so the adds
/// overlap instead of each waiting for the previous one's latency.
#[inline(always)]
fn combine_rows(
    out: &mut [f32],
    init: impl Fn(usize) -> f32,
    count: usize,
    c: impl Fn(usize) -> f32,
    m: &[f32],
    stride: usize,
) {
    let h = out.len();
    debug_assert!(
        h.is_multiple_of(8),
        "combine_rows: length {h} is not padded to 8"
    );
    let mut k0 = 0;
    while k0 + 32 <= h {
        combine_block::<32>(out, k0, &init, count, &c, m, stride);
        k0 += 32;
    }
    match h - k0 {
        24 => combine_block::<24>(out, k0, &init, count, &c, m, stride),
        16 => combine_block::<16>(out, k0, &init, count, &c, m, stride),
        8 => combine_block::<8>(out, k0, &init, count, &c, m, stride),
        _ => {}
    }
}

/// One block of [`combine_rows`]: outputs `k0..k0 + W`, their `W` sums in registers.
#[inline(always)]
fn combine_block<const W: usize>(
    out: &mut [f32],
    k0: usize,
    init: &impl Fn(usize) -> f32,
    count: usize,
    c: &impl Fn(usize) -> f32,
    m: &[f32],
    stride: usize,
) {
    let mut acc: [f32; W] = std::array::from_fn(|l| init(k0 + l));
    for i in 0..count {
        let ci = c(i);
        let row: &[f32; W] = m[i * stride + k0..i * stride + k0 + W]
            .try_into()
            .expect("a full block");
        for l in 0..W {
            acc[l] += ci * row[l];
        }
    }
    out[k0..k0 + W].copy_from_slice(&acc);
}

/// `y += a·x`, elementwise (vectorises).
#[inline(always)]
fn axpy(a: f32, x: &[f32], y: &mut [f32]) {
    for (yi, xi) in y.iter_mut().zip(x) {
        *yi += a * xi;
    }
}

/// MC-dropout passes over a fixed set of points, with the input layer computed sparsely.
///
/// Inverted dropout multiplies input j by `m_j ∈ {0, s}`, `s = 1/(1−p)`, so a pass's hidden
/// pre-activation is `z = b1 + Σ_j m_j x_j W1t[j,:] = kept − Σ_{j dropped} (s·x_j) W1t[j,:]`
/// with `kept = b1 + Σ_j (s·x_j) W1t[j,:]` the same for every pass. `kept` is computed once per
/// point; a pass subtracts the rows of the few dropped inputs (p·inputs of them on average,
/// 0.65 for p = 0.05 and 13 inputs) instead of recomputing 13 × 50 products. A pass that drops
/// no input uses `kept` as it is, bitwise the dense result; one that drops some differs from
/// the dense sum by float rounding only (terms are subtracted instead of never added). The
/// hidden layer stays dense (its mask is as long as the sum it would save).
pub struct McPasses<'a> {
    weights: &'a HostWeights,
    /// `s·x` `[n, inputs]`: the inputs times the kept multiplier.
    scaled: Vec<f32>,
    /// `kept` `[n, H']` (see above).
    kept: Vec<f32>,
    /// Scratch pre-activation `[H']`.
    z: Vec<f32>,
}

impl<'a> McPasses<'a> {
    /// Precomputes `kept` for the points `x` `[n, inputs]` (row-major) and dropout rate `p`
    /// (the multiplier `s = 1/(1−p)` is rounded to f32 as the kit's `fill_multipliers` does).
    /// Errors if `x` is empty or not a whole number of rows.
    pub fn new(weights: &'a HostWeights, x: &[f32], p: f64) -> Result<Self> {
        let (d, h) = (weights.inputs, weights.stride);
        if d == 0 || h == 0 || x.is_empty() || !x.len().is_multiple_of(d) {
            return Err(KitError::Invalid(format!(
                "MC passes: {} input values are not rows of {d} inputs (H = {})",
                x.len(),
                weights.hidden
            )));
        }
        let s = (1.0 / (1.0 - p)) as f32;
        let scaled: Vec<f32> = x.iter().map(|v| s * v).collect();
        let n = x.len() / d;
        let mut kept = vec![0f32; n * h];
        for (i, k) in kept.chunks_exact_mut(h).enumerate() {
            weights.preactivation(&scaled[i * d..(i + 1) * d], k);
        }
        Ok(Self {
            weights,
            scaled,
            kept,
            z: vec![0f32; h],
        })
    }

    /// One stochastic pass for point `i < n`: `input_mask` `[inputs]` and `hidden_mask` `[H]` are
    /// the pass's dropout multipliers (each 0 or s, as `fill_multipliers` draws them) → the
    /// standardised prediction. Shapes are the caller's to check ([`Self::pass_rows`]).
    #[inline(always)]
    fn pass(&mut self, i: usize, input_mask: &[f32], hidden_mask: &[f32]) -> f32 {
        let (d, h) = (self.weights.inputs, self.weights.stride);
        let kept = &self.kept[i * h..(i + 1) * h];
        if !input_mask.contains(&0.0) {
            return self.weights.output(kept, hidden_mask);
        }
        self.z.copy_from_slice(kept);
        for (j, _) in input_mask.iter().enumerate().filter(|(_, m)| **m == 0.0) {
            let sx = self.scaled[i * d + j];
            axpy(-sx, &self.weights.w1t[j * h..(j + 1) * h], &mut self.z);
        }
        self.weights.output(&self.z, hidden_mask)
    }

    /// One stochastic pass per pass-row of a block: passes run one after another over the `n`
    /// points, so pass-row `r` is point `r mod n`; the block starts at pass-row `first_row`.
    /// `input_masks` `[rows, inputs]`, `hidden_masks` `[rows, H]`; standardised predictions into
    /// `out` `[rows]`. Errors on ragged buffers.
    pub fn pass_rows(
        &mut self,
        first_row: usize,
        input_masks: &[f32],
        hidden_masks: &[f32],
        out: &mut [f32],
    ) -> Result<()> {
        let (d, h, rows) = (self.weights.inputs, self.weights.hidden, out.len());
        let n = self.kept.len() / self.weights.stride;
        if input_masks.len() != rows * d || hidden_masks.len() != rows * h {
            return Err(KitError::Invalid(format!(
                "MC passes: {} input and {} hidden multipliers for {rows} rows over {n} points",
                input_masks.len(),
                hidden_masks.len()
            )));
        }
        #[cfg(target_arch = "x86_64")]
        if has_avx2() {
            // SAFETY: the CPU supports AVX2, checked just above.
            unsafe { self.pass_rows_avx2(first_row, input_masks, hidden_masks, out) };
            return Ok(());
        }
        self.pass_rows_body(first_row, input_masks, hidden_masks, out);
        Ok(())
    }

    /// [`Self::pass_rows_body`] compiled for AVX2 (see [`repro_kit::simd`]).
    #[cfg(target_arch = "x86_64")]
    #[target_feature(enable = "avx2")]
    unsafe fn pass_rows_avx2(
        &mut self,
        first_row: usize,
        input_masks: &[f32],
        hidden_masks: &[f32],
        out: &mut [f32],
    ) {
        self.pass_rows_body(first_row, input_masks, hidden_masks, out)
    }

    /// The loop of [`Self::pass_rows`], shapes checked.
    #[inline(always)]
    fn pass_rows_body(
        &mut self,
        first_row: usize,
        input_masks: &[f32],
        hidden_masks: &[f32],
        out: &mut [f32],
    ) {
        let (d, h) = (self.weights.inputs, self.weights.hidden);
        let n = self.kept.len() / self.weights.stride;
        let mut i = first_row % n;
        for (r, o) in out.iter_mut().enumerate() {
            let (xm, hm) = (
                &input_masks[r * d..(r + 1) * d],
                &hidden_masks[r * h..(r + 1) * h],
            );
            *o = self.pass(i, xm, hm);
            i = if i + 1 == n { 0 } else { i + 1 };
        }
    }
}

/// Buffers and gradients of one training step of [`DropoutMlp`] on the host.
///
/// The step is the loss of [`crate::train::train`]:
/// `L = (1/b) Σ_r (ŷ_r − t_r)² + λ(‖W₁‖² + ‖W₂‖²)` with `ŷ_r = b2 + Σ_k relu(z_rk)·m_rk·w2_k`,
/// `z_r = b1 + Σ_j x̃_rj W1t[j,:]` (`x̃` the input times its dropout multipliers, `m` the hidden
/// multipliers), and its gradient by the chain rule:
/// - `δ_r = 2(ŷ_r − t_r)/b`;
/// - `∂L/∂w2 = Σ_r δ_r a_r + 2λ w2`, `a_r = relu(z_r)·m_r`; `∂L/∂b2 = Σ_r δ_r`;
/// - `g_r = δ_r · w2 · m_r · [z_r > 0]` (ReLU's derivative is taken as 0 at 0, as in PyTorch
///   and TensorFlow);
/// - `∂L/∂W1t[j,:] = Σ_r x̃_rj g_r + 2λ W1t[j,:]`; `∂L/∂b1 = Σ_r g_r`.
///
/// Rows are summed in batch order, so the gradients are bitwise reproducible.
#[derive(Debug, Default)]
pub struct TrainStep {
    weights: HostWeights,
    /// Pre-activations z `[b, H']` (H' = H rounded up to a multiple of 8, zero padding).
    z: Vec<f32>,
    /// Hidden activations after dropout a `[b, H']`.
    a: Vec<f32>,
    /// ∂L/∂W1 in candle's layout `[H, inputs]`.
    g_w1: Vec<f32>,
    /// ∂L/∂W1t `[inputs, H']` (accumulated in this layout, then transposed).
    g_w1t: Vec<f32>,
    /// ∂L/∂b1 `[H']`.
    g_b1: Vec<f32>,
    /// ∂L/∂w2 `[H']`.
    g_w2: Vec<f32>,
    /// ∂L/∂b2.
    g_b2: f32,
    /// ∂L/∂z per row `[b, H']`.
    g: Vec<f32>,
    /// ∂L/∂ŷ per row `[b]`.
    delta: Vec<f32>,
}

impl TrainStep {
    /// Empty buffers; they grow to the first batch's size.
    pub fn new() -> Self {
        Self::default()
    }

    /// The loss of one batch and its gradients (kept in `self` for [`Self::store`]):
    /// `model`'s current parameters, `x_dropped` `[b, inputs]` (inputs × dropout multipliers),
    /// `hidden_mask` `[b, H]`, `targets` `[b]` (standardised), weight decay `reg` (λ). Returns the
    /// loss (the batch's mean squared error, accumulated in f64, plus the penalty). Errors on
    /// ragged buffers or parameters not on the CPU.
    pub fn loss_and_gradients(
        &mut self,
        model: &DropoutMlp,
        x_dropped: &[f32],
        hidden_mask: &[f32],
        targets: &[f32],
        reg: f64,
    ) -> Result<f64> {
        self.weights.read(model)?;
        let (d, h, b) = (self.weights.inputs, self.weights.hidden, targets.len());
        if b == 0 || x_dropped.len() != b * d || hidden_mask.len() != b * h {
            return Err(KitError::Invalid(format!(
                "training step: {} inputs and {} hidden multipliers for {b} rows of {d} inputs \
                 and {h} hidden units",
                x_dropped.len(),
                hidden_mask.len()
            )));
        }
        #[cfg(target_arch = "x86_64")]
        if has_avx2() {
            // SAFETY: the CPU supports AVX2, checked just above.
            return Ok(unsafe { self.forward_backward_avx2(x_dropped, hidden_mask, targets, reg) });
        }
        Ok(self.forward_backward(x_dropped, hidden_mask, targets, reg))
    }

    /// [`Self::forward_backward`] compiled for AVX2 (see [`repro_kit::simd`]).
    #[cfg(target_arch = "x86_64")]
    #[target_feature(enable = "avx2")]
    unsafe fn forward_backward_avx2(
        &mut self,
        x_dropped: &[f32],
        hidden_mask: &[f32],
        targets: &[f32],
        reg: f64,
    ) -> f64 {
        self.forward_backward(x_dropped, hidden_mask, targets, reg)
    }

    /// The body of [`Self::loss_and_gradients`] once the weights are read and the shapes
    /// checked.
    #[inline(always)]
    fn forward_backward(
        &mut self,
        x_dropped: &[f32],
        hidden_mask: &[f32],
        targets: &[f32],
        reg: f64,
    ) -> f64 {
        let (d, h, b) = (self.weights.inputs, self.weights.hidden, targets.len());
        let hp = self.weights.stride;
        let w = &self.weights;
        self.z.resize(b * hp, 0.0);
        self.a.resize(b * hp, 0.0);
        // forward: z, a and the residuals
        let mut sse = 0f64;
        self.delta.resize(b, 0.0);
        let delta = &mut self.delta;
        let scale = 2.0 / b as f32;
        for r in 0..b {
            let (zr, ar) = (
                &mut self.z[r * hp..(r + 1) * hp],
                &mut self.a[r * hp..(r + 1) * hp],
            );
            let mr = &hidden_mask[r * h..(r + 1) * h];
            w.preactivation(&x_dropped[r * d..(r + 1) * d], zr);
            let y = w.output(zr, mr);
            for ((ak, zk), mk) in ar.iter_mut().zip(zr.iter()).zip(mr) {
                *ak = zk.max(0.0) * mk;
            }
            ar[h..].fill(0.0);
            let e = y - targets[r];
            sse += f64::from(e) * f64::from(e);
            delta[r] = scale * e;
        }
        let reg32 = reg as f32;
        let penalty: f64 = w
            .w1t
            .iter()
            .chain(&w.w2)
            .map(|v| f64::from(*v) * f64::from(*v))
            .sum();
        // backward: output layer
        self.g_w2.resize(hp, 0.0);
        combine_rows(&mut self.g_w2, |_| 0.0, b, |r| self.delta[r], &self.a, hp);
        axpy(2.0 * reg32, &w.w2, &mut self.g_w2[..h]);
        self.g_b2 = self.delta.iter().fold(0.0, |acc, d| acc + d);
        // backward: hidden layer, g_r = δ_r · w2 · m_r · [z_r > 0] for every row
        self.g.resize(b * hp, 0.0);
        for (r, &dr) in self.delta.iter().enumerate() {
            let (gr, zr, mr) = (
                &mut self.g[r * hp..(r + 1) * hp],
                &self.z[r * hp..(r + 1) * hp],
                &hidden_mask[r * h..(r + 1) * h],
            );
            for (((gk, zk), mk), wk) in gr.iter_mut().zip(zr).zip(mr).zip(&w.w2) {
                *gk = if *zk > 0.0 { dr * wk * mk } else { 0.0 };
            }
            gr[h..].fill(0.0);
        }
        self.g_b1.resize(hp, 0.0);
        combine_rows(&mut self.g_b1, |_| 0.0, b, |_| 1.0, &self.g, hp);
        self.g_w1t.resize(d * hp, 0.0);
        for (j, gj) in self.g_w1t.chunks_exact_mut(hp).enumerate() {
            combine_rows(gj, |_| 0.0, b, |r| x_dropped[r * d + j], &self.g, hp);
        }
        axpy(2.0 * reg32, &w.w1t, &mut self.g_w1t);
        self.g_w1.resize(d * h, 0.0);
        for j in 0..d {
            for k in 0..h {
                self.g_w1[k * d + j] = self.g_w1t[j * hp + k];
            }
        }
        sse / b as f64 + reg * penalty
    }

    /// Puts the gradients of the last [`Self::loss_and_gradients`] into `grads`, keyed by
    /// `model`'s parameters, as candle's `backward` would: W1 `[H, inputs]`, b1 `[H]`, W2 `[1, H]`,
    /// b2 `[1]`.
    pub fn store(&self, model: &DropoutMlp, grads: &mut GradStore) -> Result<()> {
        let (d, h) = (self.weights.inputs, self.weights.hidden);
        let dev = Device::Cpu;
        let put = |g: &mut GradStore, var: &candle_core::Var, v: &[f32], shape: &[usize]| {
            g.insert(var.as_tensor(), Tensor::from_slice(v, shape, &dev)?);
            Ok::<(), KitError>(())
        };
        put(grads, &model.hidden.weight, &self.g_w1, &[h, d])?;
        put(grads, &model.hidden.bias, &self.g_b1[..h], &[h])?;
        put(grads, &model.output.weight, &self.g_w2[..h], &[1, h])?;
        put(grads, &model.output.bias, &[self.g_b2], &[1])?;
        Ok(())
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::model::dropout_mlp;
    use repro_kit::nn::dropout::fill_multipliers;
    use repro_kit::nn::Parameters;
    use repro_kit::rng::stream;

    /// A model with non-zero biases, as after training.
    fn model(d: usize, h: usize, seed: u64) -> DropoutMlp {
        let dev = Device::Cpu;
        let m = dropout_mlp(&mut stream(seed, "init"), d, h, &dev).unwrap();
        let b1: Vec<f32> = (0..h).map(|k| 0.01 * k as f32 - 0.205).collect();
        m.hidden
            .bias
            .set(&Tensor::from_vec(b1, h, &dev).unwrap())
            .unwrap();
        m.output
            .bias
            .set(&Tensor::new(&[0.3f32], &dev).unwrap())
            .unwrap();
        m
    }

    /// Inputs × multipliers [b, d], hidden multipliers [b, h], targets `[b]`.
    fn batch(b: usize, d: usize, h: usize, p: f64, seed: u64) -> (Vec<f32>, Vec<f32>, Vec<f32>) {
        let mut rng = stream(seed, "batch");
        let mut xm = vec![0f32; b * d];
        let mut hm = vec![0f32; b * h];
        fill_multipliers(&mut rng, p, &mut xm);
        fill_multipliers(&mut rng, p, &mut hm);
        for (k, v) in xm.iter_mut().enumerate() {
            *v *= (k as f32 * 0.37).sin() * 2.0;
        }
        let t = (0..b).map(|r| (r as f32 * 0.7).cos()).collect();
        (xm, hm, t)
    }

    fn to_vec(t: &Tensor) -> Vec<f32> {
        t.flatten_all().unwrap().to_vec1().unwrap()
    }

    /// The candle reference: `mse(forward_masked) + reg·kernel_sq_norm` and its autograd.
    fn candle_loss(
        m: &DropoutMlp,
        (xm, hm, t): &(Vec<f32>, Vec<f32>, Vec<f32>),
        reg: f64,
    ) -> (f64, GradStore) {
        let dev = Device::Cpu;
        let (b, d, h) = (t.len(), m.inputs(), m.hidden_units());
        let pred = m
            .forward_masked(
                &Tensor::from_slice(xm, (b, d), &dev).unwrap(),
                &Tensor::from_slice(hm, (b, h), &dev).unwrap(),
            )
            .unwrap();
        let target = Tensor::from_slice(t, (b, 1), &dev).unwrap();
        let loss = (repro_kit::loss::mse(&pred, &target).unwrap()
            + m.kernel_sq_norm().unwrap().affine(reg, 0.0).unwrap())
        .unwrap();
        let v = f64::from(loss.to_scalar::<f32>().unwrap());
        (v, loss.backward().unwrap())
    }

    /// Loss and every gradient equal candle's autograd of the same network, for several shapes,
    /// dropout rates and penalties (to float rounding: the sums run in another order).
    #[test]
    fn gradients_equal_candle_autograd() {
        for (d, h, b, p, reg) in [
            (13, 50, 128, 0.05, 1e-3),
            (8, 50, 37, 0.1, 0.0),
            (3, 13, 5, 0.5, 0.3),
            (9, 100, 64, 0.005, 1e-6),
        ] {
            let m = model(d, h, d as u64);
            let data = batch(b, d, h, p, h as u64);
            let (want_loss, want) = candle_loss(&m, &data, reg);
            let mut step = TrainStep::new();
            let loss = step
                .loss_and_gradients(&m, &data.0, &data.1, &data.2, reg)
                .unwrap();
            assert!(
                (loss - want_loss).abs() < 1e-5 * want_loss.abs().max(1.0),
                "loss {loss} vs {want_loss}"
            );
            let mut got = GradStore::default();
            step.store(&m, &mut got).unwrap();
            for var in m.vars() {
                let (g, w) = (
                    to_vec(got.get(var.as_tensor()).unwrap()),
                    to_vec(want.get(var.as_tensor()).unwrap()),
                );
                assert_eq!(
                    got.get(var.as_tensor()).unwrap().dims(),
                    var.dims(),
                    "gradient shape"
                );
                let scale = w.iter().fold(1e-3f32, |a, v| a.max(v.abs()));
                for (gi, wi) in g.iter().zip(&w) {
                    assert!(
                        (gi - wi).abs() < 1e-5 * scale,
                        "d={d} h={h} p={p}: {gi} vs {wi}"
                    );
                }
            }
        }
    }

    /// Central finite differences of the loss (in f64 around f32 parameters) agree with the
    /// host gradients: an independent check of the chain rule above, ReLU kinks excepted
    /// (a step of 1e-3 crosses no kink for this seed; the test fails loudly if one does).
    #[test]
    fn gradients_match_finite_differences() {
        let (d, h, b, reg) = (4, 6, 7, 0.05);
        let m = model(d, h, 3);
        let data = batch(b, d, h, 0.2, 4);
        let mut step = TrainStep::new();
        step.loss_and_gradients(&m, &data.0, &data.1, &data.2, reg)
            .unwrap();
        let mut grads = GradStore::default();
        step.store(&m, &mut grads).unwrap();
        let eps = 1e-3f32;
        for var in m.vars() {
            let base = to_vec(var.as_tensor());
            let g = to_vec(grads.get(var.as_tensor()).unwrap());
            for i in 0..base.len() {
                let mut at = |delta: f32| {
                    let mut v = base.clone();
                    v[i] += delta;
                    var.set(&Tensor::from_vec(v, var.dims(), &Device::Cpu).unwrap())
                        .unwrap();
                    let l = step
                        .loss_and_gradients(&m, &data.0, &data.1, &data.2, reg)
                        .unwrap();
                    var.set(&Tensor::from_vec(base.clone(), var.dims(), &Device::Cpu).unwrap())
                        .unwrap();
                    l
                };
                let fd = (at(eps) - at(-eps)) / (2.0 * f64::from(eps));
                assert!(
                    (fd - f64::from(g[i])).abs() < 2e-3 * (1.0 + fd.abs()),
                    "parameter {:?}[{i}]: finite difference {fd}, gradient {}",
                    var.dims(),
                    g[i]
                );
            }
        }
    }

    /// Sparse MC passes equal the dense host pass and candle's `forward_masked`, for random masks
    /// including passes that drop no input (then bitwise equal to the dense pass).
    #[test]
    fn mc_passes_equal_the_dense_and_candle_forwards() {
        let dev = Device::Cpu;
        for (d, h, p) in [(8, 50, 0.3), (3, 13, 0.05), (9, 100, 0.1), (13, 50, 0.0)] {
            let m = model(d, h, d as u64 + 10);
            let n = 17;
            let x: Vec<f32> = (0..n * d).map(|k| (k as f32 * 0.37).sin() * 2.0).collect();
            let w = HostWeights::of(&m).unwrap();
            let mut passes = McPasses::new(&w, &x, p).unwrap();
            let mut rng = stream(9, "masks");
            let (mut xm, mut hm) = (vec![0f32; n * d], vec![0f32; n * h]);
            fill_multipliers(&mut rng, p, &mut xm);
            fill_multipliers(&mut rng, p, &mut hm);
            let xd: Vec<f32> = xm.iter().zip(&x).map(|(m, v)| m * v).collect();
            let want = to_vec(
                &m.forward_masked(
                    &Tensor::from_slice(&xd, (n, d), &dev).unwrap(),
                    &Tensor::from_slice(&hm, (n, h), &dev).unwrap(),
                )
                .unwrap(),
            );
            let mut z = vec![0f32; w.padded_hidden_units()];
            for i in 0..n {
                let (mi, hi) = (&xm[i * d..(i + 1) * d], &hm[i * h..(i + 1) * h]);
                let got = passes.pass(i, mi, hi);
                let dense = w.forward_one(&xd[i * d..(i + 1) * d], hi, &mut z).unwrap();
                assert!(
                    (got - want[i]).abs() < 1e-5 * (1.0 + want[i].abs()),
                    "point {i}: {got} vs candle {}",
                    want[i]
                );
                if !mi.contains(&0.0) {
                    assert_eq!(got.to_bits(), dense.to_bits(), "point {i}, nothing dropped");
                }
            }
        }
    }

    /// The AVX2 copies of the loops give bitwise the numbers of the portable ones (the paths a
    /// machine with and one without AVX2 take).
    #[cfg(target_arch = "x86_64")]
    #[test]
    fn avx2_and_portable_loops_agree_bitwise() {
        if !has_avx2() {
            return;
        }
        let (d, h, b) = (13, 50, 128);
        let m = model(d, h, 5);
        let (xd, hm, t) = batch(b, d, h, 0.1, 6);
        let mut portable = TrainStep::new();
        portable.weights.read(&m).unwrap();
        let mut avx2 = TrainStep::new();
        avx2.weights.read(&m).unwrap();
        let l1 = portable.forward_backward(&xd, &hm, &t, 1e-3);
        // SAFETY: AVX2 is present, checked above.
        let l2 = unsafe { avx2.forward_backward_avx2(&xd, &hm, &t, 1e-3) };
        assert_eq!(l1.to_bits(), l2.to_bits());
        for (a, b) in [
            (&portable.g_w1, &avx2.g_w1),
            (&portable.g_b1, &avx2.g_b1),
            (&portable.g_w2, &avx2.g_w2),
        ] {
            assert!(a
                .iter()
                .zip(b.iter())
                .all(|(x, y)| x.to_bits() == y.to_bits()));
        }
        assert_eq!(portable.g_b2.to_bits(), avx2.g_b2.to_bits());
        let x: Vec<f32> = (0..7 * d).map(|k| (k as f32 * 0.11).cos()).collect();
        let (xm, hm) = (batch(7 * 30, d, h, 0.1, 7).0, batch(7 * 30, d, h, 0.1, 8).1);
        let xm: Vec<f32> = xm
            .iter()
            .map(|v| if *v == 0.0 { 0.0 } else { 1.0 })
            .collect();
        let w = HostWeights::of(&m).unwrap();
        let (mut o1, mut o2) = (vec![0f32; 7 * 30], vec![0f32; 7 * 30]);
        McPasses::new(&w, &x, 0.1)
            .unwrap()
            .pass_rows_body(3, &xm, &hm, &mut o1);
        // SAFETY: as above.
        unsafe {
            McPasses::new(&w, &x, 0.1)
                .unwrap()
                .pass_rows_avx2(3, &xm, &hm, &mut o2)
        };
        assert!(o1.iter().zip(&o2).all(|(a, b)| a.to_bits() == b.to_bits()));
        assert!(o1.iter().all(|v| v.is_finite()));
    }

    /// Wrong buffer lengths are errors that name what is wrong, never panics.
    #[test]
    fn ragged_buffers_are_errors() {
        let m = model(3, 10, 1);
        let w = HostWeights::of(&m).unwrap();
        assert!(McPasses::new(&w, &[0.0; 7], 0.1).is_err());
        assert!(McPasses::new(&w, &[], 0.1).is_err());
        let mut net = McPasses::new(&w, &[0.5; 6], 0.1).unwrap();
        let mut out = vec![0f32; 4];
        let e = net
            .pass_rows(0, &[1.0; 12], &[1.0; 39], &mut out)
            .unwrap_err();
        assert!(e.to_string().contains("MC passes"), "{e}");
        assert!(net.pass_rows(5, &[1.0; 12], &[1.0; 40], &mut out).is_ok());
        let mut z = vec![0f32; w.padded_hidden_units()];
        assert!(w.forward_one(&[1.0; 3], &[1.0; 10], &mut z).is_ok());
        assert!(w.forward_one(&[1.0; 2], &[1.0; 10], &mut z).is_err());
        assert!(w.forward_one(&[1.0; 3], &[1.0; 10], &mut z[..10]).is_err());
        let mut step = TrainStep::new();
        let e = step
            .loss_and_gradients(&m, &[1.0; 6], &[1.0; 19], &[0.0; 2], 0.0)
            .unwrap_err();
        assert!(e.to_string().contains("training step"), "{e}");
    }
}
