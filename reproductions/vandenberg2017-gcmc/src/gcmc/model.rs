//! The GC-MC graph auto-encoder as riannevdberg/gc-mc (722f37d) builds it for the commands of
//! `README.md` with `--accum stack` and no side features (`model.py` `RecommenderGAE`,
//! `layers.py` `StackGCN`, `Dense`, `BilinearMixture`; van den Berg, Kipf & Welling 2017,
//! eqs. 2–6):
//!
//! 1. **Encoder, graph convolution** (`StackGCN`, eq. 2 with stacking, eq. 3): the input
//!    features are one-hot node ids (`sp.identity`, users' and items' stacked,
//!    `preprocess_user_item_features`), so `x·W` is W's rows; W [n_users + n_items, hidden₀] is
//!    shared by users and items and split into one column block per rating class r. Node
//!    dropout (`dropout_sparse` on the one-hot inputs): each node's row is kept with
//!    probability 1 − p and scaled by 1/(1 − p), one mask for all classes. Then
//!    `z_u = relu(concat_r(A_r · (x_v W_r)))`, `z_v = relu(concat_r(A_rᵀ · (x_u W_r)))`
//!    ([`repro_kit_sparse::SparseMatmul`]).
//! 2. **Dense layer** (`Dense`, eq. 3's second part): dropout p on z, one weight W₂
//!    [hidden₀, hidden₁] shared by users and items, no bias, identity activation.
//! 3. **Bilinear decoder with basis decomposition** (`BilinearMixture`, eqs. 4–5, 8): for an
//!    edge (u, v), `logit_r = Σ_s a_{s,r} · h_uᵀ Q_s h_v` with `num_basis` matrices Q_s
//!    [hidden₁, hidden₁] (orthogonal × 1.1 at init) and the coefficients a [num_basis, classes];
//!    no dropout there.
//! 4. **Loss and prediction**: mean softmax cross-entropy over the training edges (eq. 7);
//!    the predicted rating is the expectation `Σ_r softmax(logit)_r · value_r` (eq. 6), scored
//!    by RMSE (`metrics.py` `expected_rmse`).
//!
//! With side features (`--features`, `model.py` `RecommenderSideInfoGAE`): the node's side
//! feature vector (row-normalised, users' and items' stacked into one width F,
//! `preprocess_user_item_features`) goes through its own dense layer (`Dense(bias=True,
//! share_user_item_weights=False)`, separate user and item weights [F, feat_hidden], ReLU, and
//! the bias added after the ReLU as `Dense._call` does), is concatenated with the graph
//! convolution's output, and the dense layer of step 2 then has separate user and item weights
//! [hidden₀ + feat_hidden, hidden₁] (`share_user_item_weights=False`).
//!
//! Initialisation (`initializations.py`): W, W₂ and a are `weight_variable_random_uniform`
//! (U(−√(6/(in+out)), +√(6/(in+out)))); the Q_s `orthogonal(scale=1.1)`; the side-feature
//! biases `bias_variable_truncated_normal` (σ = 0.5, truncated at 2σ). All from the run's
//! `"init"` stream, in the order the reference creates them.

use super::graph::{Edge, Graph};
use candle_core::{DType, Device, Tensor, Var, D};
use candle_nn::ops::softmax_last_dim;
use repro_kit::init;
use repro_kit::nn::dropout::fill_multipliers;
use repro_kit::rng::Rng;
use repro_kit::Result;

/// Sizes of the model.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Sizes {
    /// Users.
    pub n_users: usize,
    /// Items.
    pub n_items: usize,
    /// Rating classes (supports).
    pub classes: usize,
    /// Width of the graph-convolution output (a multiple of `classes`).
    pub hidden0: usize,
    /// Width of the dense layer's output.
    pub hidden1: usize,
    /// Basis matrices of the decoder.
    pub num_basis: usize,
    /// Width F of the side-feature vectors (0: no side features).
    pub side: usize,
    /// Width of the side-feature dense layer (`--feat_hidden`; unused when `side` is 0).
    pub feat_hidden: usize,
}

impl Sizes {
    /// Whether the model has the side-feature layers.
    pub fn with_side(&self) -> bool {
        self.side > 0
    }

    /// Trainable scalars: (n_users + n_items)·hidden₀ + hidden₀·hidden₁ + num_basis·hidden₁² +
    /// num_basis·classes; with side features the dense layer is doubled and widened,
    /// 2·(hidden₀ + feat_hidden)·hidden₁, and the side layer adds 2·(F·feat_hidden + feat_hidden).
    pub fn parameter_count(&self) -> usize {
        let decoder = self.num_basis * self.hidden1 * self.hidden1 + self.num_basis * self.classes;
        let gcn = (self.n_users + self.n_items) * self.hidden0;
        if self.with_side() {
            let fh = self.feat_hidden;
            gcn + 2 * (self.side * fh + fh) + 2 * (self.hidden0 + fh) * self.hidden1 + decoder
        } else {
            gcn + self.hidden0 * self.hidden1 + decoder
        }
    }

    /// Position of Q₀ in [`Gcmc::vars`] (after W and W₂, or after W, the side layer's four and
    /// the two dense weights).
    fn decoder_start(&self) -> usize {
        if self.with_side() {
            7
        } else {
            2
        }
    }
}

/// The parameters, in the reference's creation order: W, W₂, Q_0 … Q_{B−1}, a; with side
/// features W, W_fu, W_fv, b_u, b_v, W₂u, W₂v, Q_0 … Q_{B−1}, a.
pub struct Gcmc {
    /// Sizes.
    pub sizes: Sizes,
    /// All trainable variables (W, W₂, Q_s…, a).
    pub vars: Vec<Var>,
}

/// Where the dropout masks come from: `None` at evaluation (no dropout).
pub struct Dropout<'a> {
    /// The rate p.
    pub p: f64,
    /// The `"dropout"` stream.
    pub rng: &'a mut Rng,
}

/// Inverted-dropout multipliers of `shape` from `d` (f32 tensor).
fn mask(d: &mut Dropout, shape: &[usize], device: &Device) -> Result<Tensor> {
    let n: usize = shape.iter().product();
    let mut m = vec![0f32; n];
    fill_multipliers(d.rng, d.p, &mut m);
    Ok(Tensor::from_vec(m, shape, device)?)
}

impl Gcmc {
    /// Draws the parameters from `rng` (the `"init"` stream).
    pub fn new(sizes: Sizes, rng: &mut Rng, device: &Device) -> Result<Self> {
        let glorot = |rng: &mut Rng, i: usize, o: usize| {
            init::uniform(rng, &[i, o], (6.0 / (i + o) as f64).sqrt(), device)
        };
        let mut vars = vec![glorot(rng, sizes.n_users + sizes.n_items, sizes.hidden0)?];
        if sizes.with_side() {
            let (f, fh) = (sizes.side, sizes.feat_hidden);
            vars.push(glorot(rng, f, fh)?);
            vars.push(glorot(rng, f, fh)?);
            vars.push(init::truncated_normal(rng, &[fh], 0.5, device)?);
            vars.push(init::truncated_normal(rng, &[fh], 0.5, device)?);
            vars.push(glorot(rng, sizes.hidden0 + fh, sizes.hidden1)?);
            vars.push(glorot(rng, sizes.hidden0 + fh, sizes.hidden1)?);
        } else {
            vars.push(glorot(rng, sizes.hidden0, sizes.hidden1)?);
        }
        for _ in 0..sizes.num_basis {
            vars.push(init::orthogonal(
                rng,
                &[sizes.hidden1, sizes.hidden1],
                1.1,
                device,
            )?);
        }
        vars.push(glorot(rng, sizes.num_basis, sizes.classes)?);
        Ok(Self { sizes, vars })
    }

    /// Logits [edges, classes] of `edges` under the parameters `p` (the live variables or their
    /// moving averages, in [`Self::vars`] order); `dropout` is `None` at evaluation.
    pub fn logits(
        &self,
        p: &[Tensor],
        graph: &Graph,
        edges: &Tensor,
        mut dropout: Option<Dropout>,
    ) -> Result<Tensor> {
        let s = self.sizes;
        let dev = p[0].device();
        let (w_u, w_v) = (
            p[0].narrow(0, 0, s.n_users)?,
            p[0].narrow(0, s.n_users, s.n_items)?,
        );
        let (w_u, w_v) = match dropout.as_mut() {
            Some(d) => (
                w_u.broadcast_mul(&mask(d, &[s.n_users, 1], dev)?)?,
                w_v.broadcast_mul(&mask(d, &[s.n_items, 1], dev)?)?,
            ),
            None => (w_u, w_v),
        };
        let block = s.hidden0 / s.classes;
        let (mut zu, mut zv) = (Vec::new(), Vec::new());
        for r in 0..s.classes {
            zu.push(graph.support[r].forward(&w_v.narrow(1, r * block, block)?.contiguous()?)?);
            zv.push(graph.support_t[r].forward(&w_u.narrow(1, r * block, block)?.contiguous()?)?);
        }
        let (mut zu, mut zv) = (Tensor::cat(&zu, 1)?.relu()?, Tensor::cat(&zv, 1)?.relu()?);
        if let Some((u_side, v_side)) = &graph.side {
            // Dense(act=relu, bias=True): the bias is added after the activation.
            let fu = u_side.matmul(&p[1])?.relu()?.broadcast_add(&p[3])?;
            let fv = v_side.matmul(&p[2])?.relu()?.broadcast_add(&p[4])?;
            zu = Tensor::cat(&[&zu, &fu], 1)?;
            zv = Tensor::cat(&[&zv, &fv], 1)?;
        }
        if let Some(d) = dropout.as_mut() {
            zu = zu.mul(&mask(d, zu.dims(), dev)?)?;
            zv = zv.mul(&mask(d, zv.dims(), dev)?)?;
        }
        let (hu, hv) = if s.with_side() {
            (zu.matmul(&p[5])?, zv.matmul(&p[6])?)
        } else {
            (zu.matmul(&p[1])?, zv.matmul(&p[1])?)
        };
        let (us, vs) = (
            edges.narrow(1, 0, 1)?.squeeze(1)?,
            edges.narrow(1, 1, 1)?.squeeze(1)?,
        );
        let hv_e = hv.index_select(&vs, 0)?;
        let mut basis = Vec::with_capacity(s.num_basis);
        let q0 = s.decoder_start();
        for q in &p[q0..q0 + s.num_basis] {
            let hu_q = hu.matmul(q)?.index_select(&us, 0)?;
            basis.push((hu_q * &hv_e)?.sum_keepdim(1)?);
        }
        Ok(Tensor::cat(&basis, 1)?.matmul(&p[q0 + s.num_basis])?)
    }
}

/// Edges as a U32 tensor [n, 2] of (user, item) and their class labels [n].
pub fn edge_tensors(edges: &[Edge], device: &Device) -> Result<(Tensor, Tensor)> {
    let pairs: Vec<u32> = edges
        .iter()
        .flat_map(|e| [e.0 as u32, e.1 as u32])
        .collect();
    let labels: Vec<u32> = edges.iter().map(|e| e.2 as u32).collect();
    Ok((
        Tensor::from_vec(pairs, (edges.len(), 2), device)?,
        Tensor::from_vec(labels, edges.len(), device)?,
    ))
}

/// Expected ratings `Σ_r softmax(logits)_r · value_r` [n] (eq. 6).
pub fn expected_ratings(logits: &Tensor, class_values: &[f64]) -> Result<Vec<f64>> {
    let probs = softmax_last_dim(&logits.to_dtype(DType::F64)?)?;
    let values = Tensor::from_vec(
        class_values.to_vec(),
        (class_values.len(), 1),
        logits.device(),
    )?;
    Ok(probs.matmul(&values)?.squeeze(D::Minus1)?.to_vec1()?)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn expected_rating_is_the_probability_weighted_value() {
        let logits = Tensor::new(&[[0.0f32, 0.0], [0.0, 2.0f32.ln()]], &Device::Cpu).unwrap();
        let e = expected_ratings(&logits, &[1.0, 4.0]).unwrap();
        assert!(
            (e[0] - 2.5).abs() < 1e-6 && (e[1] - 3.0).abs() < 1e-6,
            "{e:?}"
        );
    }

    #[test]
    fn logits_match_the_hand_computation() {
        use crate::gcmc::graph::{Graph, Normalization};
        use repro_kit_recsys::Rating;
        // user 1 rated item 1 (class 0, 1 star) and item 2 (class 1, 2 stars).
        let r = |item, value| Rating {
            user: 1,
            item,
            value,
        };
        let g = Graph::new(&[r(1, 1.0), r(2, 2.0)], &[], Normalization::Left, false).unwrap();
        let sizes = Sizes {
            n_users: 1,
            n_items: 2,
            classes: 2,
            hidden0: 2,
            hidden1: 1,
            num_basis: 1,
            side: 0,
            feat_hidden: 0,
        };
        let model = Gcmc {
            sizes,
            vars: Vec::new(),
        };
        let d = Device::Cpu;
        let p = [
            Tensor::new(&[[1.0f32, 2.0], [3.0, 4.0], [5.0, 6.0]], &d).unwrap(), // W: user, item 1, item 2
            Tensor::new(&[[1.0f32], [2.0]], &d).unwrap(),                       // W₂
            Tensor::new(&[[0.5f32]], &d).unwrap(),                              // Q₀
            Tensor::new(&[[1.0f32, -1.0]], &d).unwrap(),                        // a
        ];
        let (edges, _) = edge_tensors(&g.train, &d).unwrap();
        let l: Vec<Vec<f32>> = model
            .logits(&p, &g, &edges, None)
            .unwrap()
            .to_vec2()
            .unwrap();
        // z_u = relu([½·W[item 1, block 0], ½·W[item 2, block 1]]) = [1.5, 3], h_u = 1.5 + 6 = 7.5
        // z_item1 = [W[user, 0], 0] → h = 1; z_item2 = [0, W[user, 1]] → h = 4
        // logit = h_u · Q · h_v · a = 3.75·[1, −1] and 15·[1, −1]
        assert_eq!(l, vec![vec![3.75, -3.75], vec![15.0, -15.0]]);
    }

    #[test]
    fn parameter_count_of_the_ml100k_command() {
        let s = Sizes {
            n_users: 943,
            n_items: 1682,
            classes: 5,
            hidden0: 500,
            hidden1: 75,
            num_basis: 2,
            side: 0,
            feat_hidden: 0,
        };
        assert_eq!(
            s.parameter_count(),
            2625 * 500 + 500 * 75 + 2 * 75 * 75 + 2 * 5
        );
        // --features --feat_hidden 10: F = 23 user + 19 item columns
        let f = Sizes {
            side: 42,
            feat_hidden: 10,
            ..s
        };
        let want = 2625 * 500 + 2 * (42 * 10 + 10) + 2 * 510 * 75 + 2 * 75 * 75 + 2 * 5;
        assert_eq!(f.parameter_count(), want);
        let small = Sizes {
            n_users: 3,
            n_items: 4,
            hidden0: 10,
            hidden1: 3,
            side: 6,
            feat_hidden: 2,
            ..f
        };
        let m = Gcmc::new(small, &mut repro_kit::rng::stream(0, "init"), &Device::Cpu).unwrap();
        let n: usize = m.vars.iter().map(|v| v.elem_count()).sum();
        assert_eq!(n, small.parameter_count());
    }
}
