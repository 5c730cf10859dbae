//! The notebook's `SparseMLP`: three fully connected layers with a residual hidden block,
//! `h = relu(l1(x)); h = h + relu(l2(h)); logits = l3(h)`, each layer's weight and bias
//! masked together, and its CSR twin for sparse inference.

use candle_core::{Device, Tensor, Var};
use repro_kit::data::mnist1d::{CLASSES, INPUT_LEN};
use repro_kit::nn::{expect_shape, Layer, Linear, Parameters};
use repro_kit::prune::{host_values, linear_flops, CsrMatrix, Scope};
use repro_kit::rng::Rng;
use repro_kit::Result;

/// `SparseMLP(40, 10, hidden_size)` of `notebooks/lottery-tickets.ipynb`.
pub struct Model {
    l1: Linear,
    l2: Linear,
    l3: Linear,
}

impl Model {
    /// PyTorch-default initialisation from `rng`, layers created in the notebook's order
    /// (linear1 40→hidden, linear2 hidden→hidden, linear3 hidden→10; weight then bias).
    ///
    /// Errors: a failed tensor allocation.
    pub fn new(hidden: usize, rng: &mut Rng, device: &Device) -> Result<Self> {
        Ok(Self {
            l1: Linear::torch_default(rng, INPUT_LEN, hidden, device)?,
            l2: Linear::torch_default(rng, hidden, hidden, device)?,
            l3: Linear::torch_default(rng, hidden, CLASSES, device)?,
        })
    }

    /// Logits [batch, 10] of `x` [batch, 40] (the dense kernel: the kit's GEMM).
    ///
    /// Errors: `x` not [batch, 40].
    pub fn forward(&self, x: &Tensor) -> Result<Tensor> {
        let batch = x.dim(0)?;
        expect_shape(x, &[batch, INPUT_LEN], "input")?;
        let h = self.l1.forward(x)?.relu()?;
        let h = (&h + self.l2.forward(&h)?.relu()?)?;
        let logits = self.l3.forward(&h)?;
        expect_shape(&logits, &[batch, CLASSES], "logits")?;
        Ok(logits)
    }

    /// Weight and bias of each layer, in layer order (6 tensors).
    pub fn vars(&self) -> Vec<Var> {
        [self.l1.vars(), self.l2.vars(), self.l3.vars()].concat()
    }

    /// Trainable scalars: 40·h + h + h·h + h + h·10 + 10 (276,010 for h = 500).
    pub fn parameter_count(&self) -> usize {
        self.vars().iter().map(|v| v.elem_count()).sum()
    }

    /// The notebook's pruning unit: each layer's weight and bias ranked together
    /// (`SparseLinear.mask` covers `torch.cat` of both), output layer included.
    pub fn scope() -> Scope {
        Scope::Groups(vec![vec![0, 1], vec![2, 3], vec![4, 5]])
    }

    /// The same network in CSR form (weights' nonzeros; biases dense).
    ///
    /// Errors: a failed host copy.
    pub fn to_sparse(&self) -> Result<SparseModel> {
        let layer = |l: &Linear| -> Result<(CsrMatrix, Vec<f32>)> {
            Ok((CsrMatrix::from_var(&l.weight)?, host_values(&l.bias)?))
        };
        Ok(SparseModel {
            layers: [layer(&self.l1)?, layer(&self.l2)?, layer(&self.l3)?],
        })
    }
}

/// [`Model`] for inference with the kit's CSR kernel, one thread.
pub struct SparseModel {
    layers: [(CsrMatrix, Vec<f32>); 3],
}

impl SparseModel {
    /// Bytes stored: each weight in CSR ([`CsrMatrix::bytes`]) plus each bias as dense f32.
    pub fn bytes(&self) -> usize {
        self.layers
            .iter()
            .map(|(w, b)| w.bytes() + repro_kit::prune::dense_bytes(b.len()))
            .sum()
    }

    /// Nonzero weights of the three layers.
    pub fn nonzero_weights(&self) -> usize {
        self.layers.iter().map(|(w, _)| w.nnz()).sum()
    }

    /// Multiply-add FLOPs per example of the weight products (biases and ReLUs not counted):
    /// (dense kernel, 2 per weight; CSR kernel, 2 per nonzero weight).
    pub fn flops_per_example(&self) -> (u64, u64) {
        let dense = self
            .layers
            .iter()
            .map(|(w, _)| linear_flops(w.rows() * w.cols()))
            .sum();
        let sparse = self.layers.iter().map(|(w, _)| linear_flops(w.nnz())).sum();
        (dense, sparse)
    }

    /// Logits [n·10] of `x` [n·40] (row-major), the same formula as [`Model::forward`].
    ///
    /// Errors: `x` not a multiple of 40 long.
    pub fn forward(&self, x: &[f32], n: usize) -> Result<Vec<f32>> {
        let [(w1, b1), (w2, b2), (w3, b3)] = &self.layers;
        let mut h = vec![0.0; n * w1.rows()];
        w1.affine_into(x, n, Some(b1), &mut h)?;
        h.iter_mut().for_each(|v| *v = v.max(0.0));
        let mut r = vec![0.0; n * w2.rows()];
        w2.affine_into(&h, n, Some(b2), &mut r)?;
        for (a, b) in h.iter_mut().zip(&r) {
            *a += b.max(0.0);
        }
        let mut out = vec![0.0; n * w3.rows()];
        w3.affine_into(&h, n, Some(b3), &mut out)?;
        Ok(out)
    }
}
