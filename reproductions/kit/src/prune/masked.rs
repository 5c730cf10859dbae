//! Masks enforced through training: [`Masked`] wraps any optimizer and zeroes the pruned
//! entries after every update.

use super::mask::MaskSet;
use crate::Result;
use candle_core::backprop::GradStore;
use candle_core::{Tensor, Var};
use candle_nn::Optimizer;

/// An optimizer whose updates never revive a pruned weight: after each step of the wrapped
/// optimizer `O` (any `candle_nn::Optimizer`: the kit's Adam, AdamW, SGD, Keras SGD,
/// RMSprop, or candle's own), every pruned entry is set to exactly `0.0`.
///
/// This is the semantics of the MNIST-1D lottery-ticket notebook (its `SparseLinear` zeroes
/// the pruned entries before every forward pass): the forward pass always sees zeros there,
/// while the optimizer's own state for pruned entries (Adam's moments, momentum) is left as
/// the update made it and never reaches the weights.
#[derive(Debug)]
pub struct Masked<O> {
    inner: O,
    vars: Vec<Var>,
    masks: MaskSet,
}

/// The configuration of a [`Masked`] optimizer built through [`Optimizer::new`].
#[derive(Debug, Clone)]
pub struct MaskedConfig<C> {
    /// The wrapped optimizer's configuration.
    pub inner: C,
    /// One mask per parameter, in the order of the `vars` given to `new`.
    pub masks: MaskSet,
}

impl<O: Optimizer> Masked<O> {
    /// Wraps `inner`, which updates `vars`, and zeroes the pruned entries of `vars` at once.
    ///
    /// Errors: `masks` not one per parameter of `vars` with its shape.
    pub fn new(inner: O, vars: Vec<Var>, masks: MaskSet) -> Result<Self> {
        masks.apply(&vars)?;
        Ok(Self { inner, vars, masks })
    }

    /// One update of the wrapped optimizer from `grads`, then the pruned entries back to 0.
    ///
    /// Errors: whatever the wrapped optimizer returns.
    pub fn step(&mut self, grads: &GradStore) -> Result<()> {
        self.inner.step(grads)?;
        self.masks.apply(&self.vars)
    }

    /// `loss.backward()` followed by [`Self::step`].
    ///
    /// Errors: a failed backward pass or step.
    pub fn backward_step(&mut self, loss: &Tensor) -> Result<()> {
        let grads = loss.backward()?;
        self.step(&grads)
    }

    /// The masks in force.
    pub fn masks(&self) -> &MaskSet {
        &self.masks
    }

    /// The wrapped optimizer.
    pub fn inner(&self) -> &O {
        &self.inner
    }
}

impl<O: Optimizer> Optimizer for Masked<O> {
    type Config = MaskedConfig<O::Config>;

    fn new(vars: Vec<Var>, config: Self::Config) -> candle_core::Result<Self> {
        let inner = O::new(vars.clone(), config.inner)?;
        Masked::new(inner, vars, config.masks).map_err(crate::optim::to_candle)
    }

    fn step(&mut self, grads: &GradStore) -> candle_core::Result<()> {
        Masked::step(self, grads).map_err(crate::optim::to_candle)
    }

    fn learning_rate(&self) -> f64 {
        self.inner.learning_rate()
    }

    fn set_learning_rate(&mut self, lr: f64) {
        self.inner.set_learning_rate(lr)
    }
}
