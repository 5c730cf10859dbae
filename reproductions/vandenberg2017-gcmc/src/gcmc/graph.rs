//! The bipartite rating graph of GC-MC (riannevdberg/gc-mc `gcmc/preprocessing.py`,
//! `load_official_trainvaltest_split` and `globally_normalize_bipartite_adjacency`; `train.py`
//! lines building `support`/`support_t`).
//!
//! Nodes: the users and items of the training and test ratings together, each numbered in
//! ascending raw id (`data_utils.map_data`: `sorted(set(ids))`). Rating classes: the distinct
//! rating values, ascending (`class_values = np.sort(np.unique(ratings))`). One support per
//! class r: the binary user × item matrix M_r of the training ratings of class r, normalised
//! with the degrees of `Σ_r M_r` — left (`-nleft`, the ML-100K command): `D_u⁻¹ M_r` for the
//! users' messages and `D_v⁻¹ M_rᵀ` for the items' (a mean over neighbours); symmetric
//! (`-nsym`): `D_u^{-½} M_r D_v^{-½}` and its transpose.

use candle_core::{Device, Tensor};
use repro_kit::{KitError, Result};
use repro_kit_recsys::Rating;
use repro_kit_sparse::{CsrMatrix, SparseMatmul};
use std::collections::BTreeMap;

/// How the supports are normalised (`train.py` `-nleft` / `-nsym`).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Normalization {
    /// Row normalisation by the receiving node's degree (`symmetric=False`).
    Left,
    /// `D^{-½} M D^{-½}` (`symmetric=True`).
    Symmetric,
}

/// One edge: user node, item node, class index.
pub type Edge = (usize, usize, usize);

/// The graph of one run.
pub struct Graph {
    /// Users (rows of the supports).
    pub n_users: usize,
    /// Items.
    pub n_items: usize,
    /// The rating value of each class, ascending (ML-100K: 1, 2, 3, 4, 5).
    pub class_values: Vec<f64>,
    /// Training edges.
    pub train: Vec<Edge>,
    /// Test edges.
    pub test: Vec<Edge>,
    /// Per class: users ← items messages, `[n_users, n_items]`.
    pub support: Vec<SparseMatmul>,
    /// Per class: items ← users messages, `[n_items, n_users]`.
    pub support_t: Vec<SparseMatmul>,
    /// Raw user id of each user node.
    pub user_ids: Vec<u64>,
    /// Raw item id of each item node.
    pub item_ids: Vec<u64>,
    /// Side features (users [n_users, F], items [n_items, F], f32), when the model uses them
    /// ([`Graph::set_side_features`]).
    pub side: Option<(Tensor, Tensor)>,
}

/// `sorted(set(ids))` → position.
fn index(ids: impl Iterator<Item = u64>) -> BTreeMap<u64, usize> {
    let mut m: BTreeMap<u64, usize> = ids.map(|i| (i, 0)).collect();
    for (k, v) in m.values_mut().enumerate() {
        *v = k;
    }
    m
}

/// Class index of a rating value (exact match; values come from the same file).
fn class_of(values: &[f64], v: f64) -> usize {
    values.iter().position(|c| *c == v).unwrap_or(0)
}

impl Graph {
    /// The graph of `train` and `test` ratings with `normalization`; `empty_classes_allowed`
    /// lets a rating class have no training rating (an empty support), as the reference allows
    /// for YahooMusic only.
    ///
    /// Errors: no training ratings, or (unless allowed) a class with no training rating (the
    /// reference exits: "normalized bipartite adjacency matrix has only zero entries").
    pub fn new(
        train: &[Rating],
        test: &[Rating],
        normalization: Normalization,
        empty_classes_allowed: bool,
    ) -> Result<Self> {
        if train.is_empty() {
            return Err(KitError::Invalid("GC-MC: no training ratings".into()));
        }
        let all = || train.iter().chain(test);
        let users = index(all().map(|r| r.user));
        let items = index(all().map(|r| r.item));
        let mut class_values: Vec<f64> = all().map(|r| r.value).collect();
        class_values.sort_by(f64::total_cmp);
        class_values.dedup();
        let edges = |rs: &[Rating]| -> Vec<Edge> {
            rs.iter()
                .map(|r| {
                    (
                        users[&r.user],
                        items[&r.item],
                        class_of(&class_values, r.value),
                    )
                })
                .collect()
        };
        let (train_e, test_e) = (edges(train), edges(test));
        let (nu, ni) = (users.len(), items.len());
        let (mut deg_u, mut deg_v) = (vec![0.0f64; nu], vec![0.0f64; ni]);
        for &(u, v, _) in &train_e {
            deg_u[u] += 1.0;
            deg_v[v] += 1.0;
        }
        let mut support = Vec::new();
        let mut support_t = Vec::new();
        for (c, value) in class_values.iter().enumerate() {
            let e: Vec<&Edge> = train_e.iter().filter(|x| x.2 == c).collect();
            if e.is_empty() && !empty_classes_allowed {
                return Err(KitError::Invalid(format!(
                    "GC-MC: rating class {value} has no training rating (the reference stops here)"
                )));
            }
            let (us, vs): (Vec<usize>, Vec<usize>) = e.iter().map(|x| (x.0, x.1)).unzip();
            let (a, at): (Vec<f32>, Vec<f32>) = e
                .iter()
                .map(|&&(u, v, _)| match normalization {
                    Normalization::Left => ((1.0 / deg_u[u]) as f32, (1.0 / deg_v[v]) as f32),
                    Normalization::Symmetric => {
                        let s = (1.0 / (deg_u[u].sqrt() * deg_v[v].sqrt())) as f32;
                        (s, s)
                    }
                })
                .unzip();
            support.push(SparseMatmul::new(CsrMatrix::from_coo(
                nu, ni, &us, &vs, &a,
            )?));
            support_t.push(SparseMatmul::new(CsrMatrix::from_coo(
                ni, nu, &vs, &us, &at,
            )?));
        }
        Ok(Self {
            n_users: nu,
            n_items: ni,
            class_values,
            train: train_e,
            test: test_e,
            support,
            support_t,
            user_ids: users.keys().copied().collect(),
            item_ids: items.keys().copied().collect(),
            side: None,
        })
    }

    /// Side features as `train.py --features` prepares them: each node's raw vector (zeros for
    /// a node without one) divided by its sum (`normalize_features`; an all-zero row stays
    /// zero), then the users' [n_users, F_u] and items' [n_items, F_v] stacked into one width
    /// F = F_u + F_v (`preprocess_user_item_features`: users `[x_u, 0]`, items `[0, x_v]`).
    ///
    /// Errors: vectors of unequal lengths within users or within items.
    pub fn set_side_features(
        &mut self,
        users: &BTreeMap<u64, Vec<f32>>,
        items: &BTreeMap<u64, Vec<f32>>,
        device: &Device,
    ) -> Result<()> {
        let width = |m: &BTreeMap<u64, Vec<f32>>, what: &str| -> Result<usize> {
            let w = m.values().next().map_or(0, Vec::len);
            if m.values().any(|v| v.len() != w) {
                return Err(KitError::Invalid(format!(
                    "{what} side features of unequal lengths"
                )));
            }
            Ok(w)
        };
        let (fu, fv) = (width(users, "user")?, width(items, "item")?);
        let rows = |ids: &[u64], m: &BTreeMap<u64, Vec<f32>>, offset: usize| {
            let mut out = vec![0f32; ids.len() * (fu + fv)];
            for (k, id) in ids.iter().enumerate() {
                if let Some(v) = m.get(id) {
                    let sum: f32 = v.iter().sum();
                    if sum != 0.0 {
                        for (j, x) in v.iter().enumerate() {
                            out[k * (fu + fv) + offset + j] = x / sum;
                        }
                    }
                }
            }
            Tensor::from_vec(out, (ids.len(), fu + fv), device)
        };
        self.side = Some((
            rows(&self.user_ids, users, 0)?,
            rows(&self.item_ids, items, fu)?,
        ));
        Ok(())
    }

    /// Width F of the side features (0 without them).
    pub fn side_width(&self) -> usize {
        self.side.as_ref().map_or(0, |(u, _)| u.dims()[1])
    }

    /// Number of rating classes (supports).
    pub fn classes(&self) -> usize {
        self.class_values.len()
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn r(user: u64, item: u64, value: f64) -> Rating {
        Rating { user, item, value }
    }

    #[test]
    fn left_normalisation_averages_over_the_receiving_nodes_neighbours() {
        // user 7 rated items 3 (1 star) and 9 (2 stars); user 5 rated item 9 (2 stars).
        let train = [r(7, 3, 1.0), r(7, 9, 2.0), r(5, 9, 2.0)];
        let g = Graph::new(&train, &[r(5, 3, 1.0)], Normalization::Left, false).unwrap();
        assert_eq!((g.n_users, g.n_items, g.classes()), (2, 2, 2));
        // users sorted: 5 → 0, 7 → 1; items: 3 → 0, 9 → 1
        assert_eq!(g.train, vec![(1, 0, 0), (1, 1, 1), (0, 1, 1)]);
        assert_eq!(g.test, vec![(0, 0, 0)]);
        // class 2 stars: user 7 (degree 2) gets 1/2 from item 9; user 5 (degree 1) gets 1
        assert_eq!(g.support[1].matrix().to_dense(), vec![0.0, 1.0, 0.0, 0.5]);
        // items ← users, class 2 stars: item 9 (degree 2) gets 1/2 from each user
        assert_eq!(g.support_t[1].matrix().to_dense(), vec![0.0, 0.0, 0.5, 0.5]);
        let s = Graph::new(&train, &[], Normalization::Symmetric, false).unwrap();
        let want = (1.0 / (2.0f64.sqrt() * 2.0f64.sqrt())) as f32;
        assert_eq!(s.support[1].matrix().to_dense()[3], want);
    }

    #[test]
    fn side_features_are_row_normalised_and_stacked() {
        let mut g = Graph::new(
            &[r(7, 3, 1.0), r(5, 3, 1.0)],
            &[],
            Normalization::Left,
            false,
        )
        .unwrap();
        let users: BTreeMap<u64, Vec<f32>> = [(5, vec![1.0, 3.0]), (7, vec![0.0, 0.0])].into();
        let items: BTreeMap<u64, Vec<f32>> = [(3, vec![2.0])].into();
        g.set_side_features(&users, &items, &Device::Cpu).unwrap();
        let (u, v) = g.side.as_ref().unwrap();
        let u: Vec<Vec<f32>> = u.to_vec2().unwrap();
        let v: Vec<Vec<f32>> = v.to_vec2().unwrap();
        assert_eq!(u, vec![vec![0.25, 0.75, 0.0], vec![0.0, 0.0, 0.0]]);
        assert_eq!(v, vec![vec![0.0, 0.0, 1.0]]);
        assert_eq!(g.side_width(), 3);
        let bad: BTreeMap<u64, Vec<f32>> = [(5, vec![1.0]), (7, vec![1.0, 2.0])].into();
        assert!(g.set_side_features(&bad, &items, &Device::Cpu).is_err());
    }

    #[test]
    fn a_class_without_training_ratings_is_an_error() {
        let e = Graph::new(&[r(1, 1, 1.0)], &[r(1, 2, 2.0)], Normalization::Left, false);
        assert!(e.is_err());
        assert!(Graph::new(&[], &[], Normalization::Left, false).is_err());
        // YahooMusic's exemption: an empty support.
        let g = Graph::new(&[r(1, 1, 1.0)], &[r(1, 2, 2.0)], Normalization::Left, true).unwrap();
        assert_eq!(g.support[1].matrix().nnz(), 0);
    }
}
