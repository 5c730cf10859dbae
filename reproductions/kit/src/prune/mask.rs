//! Per-parameter pruning masks ([`Mask`], [`MaskSet`]) and the rules that make them: magnitude
//! pruning layer-wise or global ([`Scope`]), random masks, random masks with another mask's
//! per-group sparsity.

use crate::rng::{self, Rng};
use crate::{KitError, Result};
use candle_core::{CpuStorage, DType, InplaceOp1, Layout, Tensor, Var};

/// Which entries of one parameter tensor are kept (`true`) or pruned (`false`), in the tensor's
/// row-major order.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Mask {
    shape: Vec<usize>,
    keep: Vec<bool>,
}

impl Mask {
    /// A mask that keeps every entry of a tensor of `shape`.
    pub fn ones(shape: &[usize]) -> Self {
        Self {
            shape: shape.to_vec(),
            keep: vec![true; shape.iter().product()],
        }
    }

    /// A mask from its entries (row-major). Errors: `keep.len()` is not the product of `shape`.
    pub fn from_keep(shape: &[usize], keep: Vec<bool>) -> Result<Self> {
        let n: usize = shape.iter().product();
        if keep.len() != n {
            return Err(KitError::shape("mask entries", &[n], &[keep.len()]));
        }
        Ok(Self {
            shape: shape.to_vec(),
            keep,
        })
    }

    /// The shape of the parameter this mask is for.
    pub fn shape(&self) -> &[usize] {
        &self.shape
    }

    /// The entries, row-major: `true` = kept.
    pub fn keep(&self) -> &[bool] {
        &self.keep
    }

    /// Number of entries (kept and pruned).
    pub fn len(&self) -> usize {
        self.keep.len()
    }

    /// Whether the mask has no entries.
    pub fn is_empty(&self) -> bool {
        self.keep.is_empty()
    }

    /// Number of kept entries.
    pub fn kept(&self) -> usize {
        self.keep.iter().filter(|k| **k).count()
    }

    /// Number of pruned entries.
    pub fn pruned(&self) -> usize {
        self.len() - self.kept()
    }

    /// Pruned entries / all entries (0 for an empty mask).
    pub fn sparsity(&self) -> f64 {
        ratio(self.pruned(), self.len())
    }

    /// Sets every pruned entry of `values` (row-major, same length) to exactly `0.0`.
    ///
    /// Errors: `values` has another length than the mask.
    pub fn apply_to_slice(&self, values: &mut [f32]) -> Result<()> {
        if values.len() != self.len() {
            return Err(KitError::shape(
                "masked values",
                &self.shape,
                &[values.len()],
            ));
        }
        zero_pruned(values, &self.keep);
        Ok(())
    }
}

fn ratio(a: usize, b: usize) -> f64 {
    if b == 0 {
        0.0
    } else {
        a as f64 / b as f64
    }
}

fn zero_pruned(values: &mut [f32], keep: &[bool]) {
    for (v, k) in values.iter_mut().zip(keep) {
        if !*k {
            *v = 0.0;
        }
    }
}

/// How a target sparsity is shared among the parameters of a model.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Scope {
    /// Layer-wise, one layer per parameter tensor: each tensor loses the target fraction of
    /// its own entries.
    PerTensor,
    /// Layer-wise over groups of parameter indices (e.g. `[[0, 1], [2, 3]]`: weight and bias of
    /// each layer ranked together, as the MNIST-1D lottery-ticket notebook's `SparseLinear`
    /// does). Parameters in no group are never pruned (e.g. an output layer left dense).
    Groups(Vec<Vec<usize>>),
    /// Global: all parameters ranked together, so layers end with different sparsities.
    Global,
}

impl Scope {
    /// The groups of parameter indices for a model of `n` parameter tensors.
    ///
    /// Errors: a group names an index `>= n` or an index that another group also names.
    pub fn groups(&self, n: usize) -> Result<Vec<Vec<usize>>> {
        match self {
            Scope::PerTensor => Ok((0..n).map(|i| vec![i]).collect()),
            Scope::Global => Ok(vec![(0..n).collect()]),
            Scope::Groups(g) => {
                let mut seen = vec![false; n];
                for &i in g.iter().flatten() {
                    if i >= n || seen[i] {
                        return Err(KitError::Invalid(format!(
                            "pruning scope: parameter index {i} is out of range 0..{n} or in two groups"
                        )));
                    }
                    seen[i] = true;
                }
                Ok(g.clone())
            }
        }
    }
}

/// The number of entries a group of `len` entries loses at `sparsity`: ⌊sparsity·len⌋, the
/// notebook's `int(percent_sparse * len(scores))`.
///
/// Errors: `sparsity` is not in [0, 1].
pub fn pruned_count(len: usize, sparsity: f64) -> Result<usize> {
    if !(0.0..=1.0).contains(&sparsity) {
        return Err(KitError::hyperparameter(
            "sparsity",
            sparsity,
            "must be a fraction in [0, 1]",
        ));
    }
    Ok(((sparsity * len as f64).floor() as usize).min(len))
}

/// One mask per parameter tensor of a model, in the order of its `vars()`.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct MaskSet {
    masks: Vec<Mask>,
}

impl MaskSet {
    /// Masks that keep everything, one per parameter of `vars`.
    pub fn ones(vars: &[Var]) -> Self {
        Self {
            masks: vars.iter().map(|v| Mask::ones(v.dims())).collect(),
        }
    }

    /// A set from its masks (one per parameter, in order).
    pub fn from_masks(masks: Vec<Mask>) -> Self {
        Self { masks }
    }

    /// The masks, in parameter order.
    pub fn masks(&self) -> &[Mask] {
        &self.masks
    }

    /// Number of masked parameter tensors.
    pub fn len(&self) -> usize {
        self.masks.len()
    }

    /// Whether the set has no masks.
    pub fn is_empty(&self) -> bool {
        self.masks.is_empty()
    }

    /// Entries over all parameters.
    pub fn entries(&self) -> usize {
        self.masks.iter().map(Mask::len).sum()
    }

    /// Kept entries over all parameters (the pruned model's nonzero-parameter budget).
    pub fn kept(&self) -> usize {
        self.masks.iter().map(Mask::kept).sum()
    }

    /// Pruned entries / all entries over all parameters.
    pub fn sparsity(&self) -> f64 {
        ratio(self.entries() - self.kept(), self.entries())
    }

    /// Pruned / all entries within each group of `scope` (in the scope's group order).
    ///
    /// Errors: an invalid scope for this many parameters ([`Scope::groups`]).
    pub fn group_sparsity(&self, scope: &Scope) -> Result<Vec<f64>> {
        Ok(scope
            .groups(self.len())?
            .iter()
            .map(|g| {
                let n: usize = g.iter().map(|&i| self.masks[i].len()).sum();
                let p: usize = g.iter().map(|&i| self.masks[i].pruned()).sum();
                ratio(p, n)
            })
            .collect())
    }

    /// Prunes by score: within each group of `scope`, the ⌊sparsity·len⌋ entries with the
    /// lowest score are pruned ([`pruned_count`]); ties go to the earlier entry (parameter
    /// order, then row-major), so the result is deterministic. `scores[i]` is row-major over
    /// `shapes[i]`.
    ///
    /// Errors: lengths that do not match the shapes, a NaN score, a sparsity outside [0, 1], an
    /// invalid scope.
    pub fn from_scores(
        scores: &[Vec<f32>],
        shapes: &[Vec<usize>],
        scope: &Scope,
        sparsity: f64,
    ) -> Result<Self> {
        if scores.len() != shapes.len() {
            return Err(KitError::shape("scores", &[shapes.len()], &[scores.len()]));
        }
        let mut masks = Vec::with_capacity(shapes.len());
        for (s, shape) in scores.iter().zip(shapes) {
            let mask = Mask::ones(shape);
            if s.len() != mask.len() {
                return Err(KitError::shape("scores", shape, &[s.len()]));
            }
            if s.iter().any(|x| x.is_nan()) {
                return Err(KitError::Invalid("pruning scores contain NaN".into()));
            }
            masks.push(mask);
        }
        for group in scope.groups(shapes.len())? {
            let mut entries: Vec<(f32, usize, usize)> = group
                .iter()
                .flat_map(|&p| scores[p].iter().enumerate().map(move |(j, s)| (*s, p, j)))
                .collect();
            let drop = pruned_count(entries.len(), sparsity)?;
            entries.sort_by(|a, b| a.0.total_cmp(&b.0).then((a.1, a.2).cmp(&(b.1, b.2))));
            for &(_, p, j) in &entries[..drop] {
                masks[p].keep[j] = false;
            }
        }
        Ok(Self { masks })
    }

    /// Magnitude pruning: [`Self::from_scores`] with score |w| of the current values of `vars`.
    /// Entries that `previous` already prunes score −1, so they stay pruned (masks of an
    /// iterative chain are nested); pass `None` for one-shot pruning.
    ///
    /// Errors: as [`Self::from_scores`]; `previous` not shaped like `vars`.
    pub fn magnitude(
        vars: &[Var],
        scope: &Scope,
        sparsity: f64,
        previous: Option<&MaskSet>,
    ) -> Result<Self> {
        if let Some(p) = previous {
            p.check_matches(vars)?;
        }
        let mut scores = Vec::with_capacity(vars.len());
        for (i, v) in vars.iter().enumerate() {
            let mut s: Vec<f32> = host_values(v)?.iter().map(|w| w.abs()).collect();
            if let Some(p) = previous {
                for (x, k) in s.iter_mut().zip(p.masks[i].keep()) {
                    if !*k {
                        *x = -1.0;
                    }
                }
            }
            scores.push(s);
        }
        Self::from_scores(&scores, &shapes(vars), scope, sparsity)
    }

    /// A uniformly random mask with the same number of pruned entries as `self` in each group
    /// of `scope` (a random ticket of the same per-layer sparsity), drawn from `rng`.
    ///
    /// Errors: an invalid scope for this many parameters.
    pub fn random_like(&self, scope: &Scope, rng: &mut Rng) -> Result<Self> {
        let mut masks: Vec<Mask> = self.masks.iter().map(|m| Mask::ones(&m.shape)).collect();
        for group in scope.groups(self.len())? {
            let slots: Vec<(usize, usize)> = group
                .iter()
                .flat_map(|&p| (0..self.masks[p].len()).map(move |j| (p, j)))
                .collect();
            let drop: usize = group.iter().map(|&p| self.masks[p].pruned()).sum();
            for &k in rng::permutation(rng, slots.len()).iter().take(drop) {
                let (p, j) = slots[k];
                masks[p].keep[j] = false;
            }
        }
        Ok(Self { masks })
    }

    /// Sets every pruned entry of every parameter in `vars` to exactly `0.0`, in place (one
    /// pass over F32 CPU storage; a `where` + `set` elsewhere).
    ///
    /// Errors: `vars` not shaped like the masks.
    pub fn apply(&self, vars: &[Var]) -> Result<()> {
        self.check_matches(vars)?;
        for (v, m) in vars.iter().zip(&self.masks) {
            if m.pruned() == 0 {
                continue;
            }
            if v.device().is_cpu() && v.dtype() == DType::F32 {
                v.as_tensor().inplace_op1(&ZeroPruned { keep: &m.keep })?;
            } else {
                let keep: Vec<u8> = m.keep.iter().map(|k| u8::from(*k)).collect();
                let keep = Tensor::from_vec(keep, m.shape.clone(), v.device())?;
                let zeros = v.as_tensor().zeros_like()?;
                v.set(&keep.where_cond(v.as_tensor(), &zeros)?)?;
            }
        }
        Ok(())
    }

    /// Checks that there is one mask per parameter of `vars`, each of its parameter's shape.
    ///
    /// Errors: [`KitError::Shape`] naming the first mismatch.
    pub fn check_matches(&self, vars: &[Var]) -> Result<()> {
        if vars.len() != self.masks.len() {
            return Err(KitError::shape(
                "masks (one per parameter)",
                &[vars.len()],
                &[self.masks.len()],
            ));
        }
        for (v, m) in vars.iter().zip(&self.masks) {
            if v.dims() != m.shape() {
                return Err(KitError::shape("parameter mask", v.dims(), m.shape()));
            }
        }
        Ok(())
    }
}

/// The shapes of `vars`, in order.
pub fn shapes(vars: &[Var]) -> Vec<Vec<usize>> {
    vars.iter().map(|v| v.dims().to_vec()).collect()
}

/// The current values of `var`, row-major, as f32 on the host.
///
/// Errors: a failed tensor copy or cast.
pub fn host_values(var: &Var) -> Result<Vec<f32>> {
    Ok(var
        .as_tensor()
        .flatten_all()?
        .to_dtype(DType::F32)?
        .to_vec1::<f32>()?)
}

/// In-place `x[i] = 0.0` where `keep[i]` is false, over F32 CPU storage.
struct ZeroPruned<'a> {
    keep: &'a [bool],
}

impl InplaceOp1 for ZeroPruned<'_> {
    fn name(&self) -> &'static str {
        "zero-pruned"
    }

    fn cpu_fwd(&self, storage: &mut CpuStorage, layout: &Layout) -> candle_core::Result<()> {
        let CpuStorage::F32(v) = storage else {
            candle_core::bail!("zero-pruned: parameters must be F32");
        };
        let Some((a, b)) = layout.contiguous_offsets() else {
            candle_core::bail!("zero-pruned: parameter must be contiguous");
        };
        if b - a != self.keep.len() {
            candle_core::bail!(
                "zero-pruned: {} values, {} mask entries",
                b - a,
                self.keep.len()
            );
        }
        zero_pruned(&mut v[a..b], self.keep);
        Ok(())
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use candle_core::Device;

    fn var(values: &[f32], shape: &[usize]) -> Var {
        Var::from_tensor(&Tensor::from_slice(values, shape, &Device::Cpu).unwrap()).unwrap()
    }

    #[test]
    fn magnitude_prunes_the_smallest_per_tensor_and_globally() {
        let a = var(&[0.5, -0.1, 0.3, -0.9], &[2, 2]);
        let b = var(&[0.05, 2.0], &[2]);
        let vars = [a, b];
        // per tensor, 50 %: a loses -0.1 and 0.3, b loses 0.05
        let m = MaskSet::magnitude(&vars, &Scope::PerTensor, 0.5, None).unwrap();
        assert_eq!(m.masks()[0].keep(), &[true, false, false, true]);
        assert_eq!(m.masks()[1].keep(), &[false, true]);
        // global, 50 % of 6 = 3: 0.05, -0.1, 0.3
        let g = MaskSet::magnitude(&vars, &Scope::Global, 0.5, None).unwrap();
        assert_eq!(g.masks()[0].keep(), &[true, false, false, true]);
        assert_eq!(g.masks()[1].keep(), &[false, true]);
        // global, 1/3 of 6 = 2: 0.05 and -0.1 only; a keeps 3 of 4
        let g = MaskSet::magnitude(&vars, &Scope::Global, 1.0 / 3.0, None).unwrap();
        assert_eq!(g.masks()[0].pruned(), 1);
        assert_eq!(g.kept(), 4);
        assert!((g.sparsity() - 2.0 / 6.0).abs() < 1e-12);
    }

    #[test]
    fn groups_rank_weight_and_bias_together_and_skip_ungrouped() {
        let vars = [
            var(&[0.5, -0.1, 0.3, -0.9], &[2, 2]),
            var(&[0.05, 2.0], &[2]),
            var(&[0.0, 0.0], &[2]),
        ];
        let scope = Scope::Groups(vec![vec![0, 1]]);
        let m = MaskSet::magnitude(&vars, &scope, 0.5, None).unwrap();
        assert_eq!(m.masks()[0].keep(), &[true, false, false, true]);
        assert_eq!(m.masks()[1].keep(), &[false, true]);
        assert_eq!(m.masks()[2].pruned(), 0, "not in a group: never pruned");
        assert_eq!(m.group_sparsity(&scope).unwrap(), vec![0.5]);
        assert!(Scope::Groups(vec![vec![0], vec![0]]).groups(3).is_err());
        assert!(Scope::Groups(vec![vec![3]]).groups(3).is_err());
    }

    #[test]
    fn previous_masks_stay_pruned_and_counts_floor() {
        let vars = [var(&[0.0, 0.0, 1.0, 2.0, 3.0], &[5])];
        let first = Mask::from_keep(&[5], vec![true, false, true, true, true]).unwrap();
        let prev = MaskSet::from_masks(vec![first]);
        let m = MaskSet::magnitude(&vars, &Scope::PerTensor, 0.3, Some(&prev)).unwrap();
        // ⌊0.3·5⌋ = 1: the previously pruned entry, not the earlier exact zero
        assert_eq!(m.masks()[0].keep(), &[true, false, true, true, true]);
        assert_eq!(pruned_count(5, 0.3).unwrap(), 1);
        assert_eq!(pruned_count(20500, 90.0 / 99.0).unwrap(), 18636);
        assert!(pruned_count(5, 1.5).is_err());
    }

    #[test]
    fn random_like_keeps_per_group_counts_and_apply_zeroes_in_place() {
        let vars = [var(&[1.0; 100], &[10, 10]), var(&[1.0; 10], &[10])];
        let m = MaskSet::magnitude(&vars, &Scope::PerTensor, 0.7, None).unwrap();
        let r = m
            .random_like(&Scope::PerTensor, &mut rng::stream(1, "mask"))
            .unwrap();
        assert_eq!(r.masks()[0].pruned(), 70);
        assert_eq!(r.masks()[1].pruned(), 7);
        assert_ne!(r, m, "a random mask, not the magnitude one");
        r.apply(&vars).unwrap();
        let v = host_values(&vars[0]).unwrap();
        for (x, k) in v.iter().zip(r.masks()[0].keep()) {
            assert_eq!(x.to_bits(), if *k { 1.0f32 } else { 0.0f32 }.to_bits());
        }
        assert!(m.apply(&vars[..1]).is_err(), "one mask per parameter");
    }

    #[test]
    fn nan_scores_and_wrong_lengths_are_errors() {
        let shapes = vec![vec![2]];
        assert!(
            MaskSet::from_scores(&[vec![f32::NAN, 1.0]], &shapes, &Scope::Global, 0.5).is_err()
        );
        assert!(MaskSet::from_scores(&[vec![1.0]], &shapes, &Scope::Global, 0.5).is_err());
        assert!(Mask::from_keep(&[3], vec![true]).is_err());
    }
}
