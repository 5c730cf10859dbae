//! A training set of explicit ratings with Surprise's indexing (`surprise/dataset.py`
//! `construct_trainset`, `surprise/trainset.py`), prediction with Surprise's fallbacks and
//! clipping (`surprise/prediction_algorithms/algo_base.py` `predict`), and RMSE/MAE
//! (`surprise/accuracy.py`).

use repro_kit::{KitError, Result};
use std::collections::HashMap;

/// One observed rating: raw user and item ids (as in the data file, e.g. MovieLens' `u.data`)
/// and the rating value in the dataset's units (stars for MovieLens).
#[derive(Debug, Clone, Copy, PartialEq)]
pub struct Rating {
    /// Raw user id.
    pub user: u64,
    /// Raw item id.
    pub item: u64,
    /// The rating.
    pub value: f64,
}

/// The closed interval `[low, high]` of valid ratings (Surprise's `Reader(rating_scale=…)`,
/// `(1, 5)` for MovieLens-100K); predictions are clipped into it.
#[derive(Debug, Clone, Copy, PartialEq)]
pub struct RatingScale {
    low: f64,
    high: f64,
}

impl RatingScale {
    /// `[low, high]`. Errors: a bound that is not finite, or `low ≥ high`.
    pub fn new(low: f64, high: f64) -> Result<Self> {
        if !(low.is_finite() && high.is_finite() && low < high) {
            return Err(KitError::Invalid(format!(
                "rating scale [{low}, {high}]: finite bounds with low < high expected"
            )));
        }
        Ok(Self { low, high })
    }

    /// The lowest valid rating.
    pub fn low(&self) -> f64 {
        self.low
    }

    /// The highest valid rating.
    pub fn high(&self) -> f64 {
        self.high
    }

    /// `value` clipped into the scale as Surprise does (`min(high, est)` then `max(low, ·)`,
    /// `algo_base.py` lines 115–119): a NaN estimate becomes `high`, as Python's `min`
    /// returns its first argument when the comparison is false.
    pub fn clip(&self, value: f64) -> f64 {
        let capped = if value < self.high { value } else { self.high };
        if self.low > capped {
            self.low
        } else {
            capped
        }
    }

    /// Whether `value` lies in `[low, high]`.
    pub fn contains(&self, value: f64) -> bool {
        value >= self.low && value <= self.high
    }
}

/// A fitted model's raw estimate, Surprise's `estimate(u, i)`.
pub trait Estimator {
    /// The estimate for inner user `user` and inner item `item` of `train` (`None`: not in the
    /// training set), before clipping; `None` is Surprise's `PredictionImpossible` (the
    /// prediction falls back to the global mean).
    fn estimate(&self, train: &Ratings, user: Option<usize>, item: Option<usize>) -> Option<f64>;

    /// Whether every learned parameter is finite (false after a diverged SGD).
    fn is_finite(&self) -> bool;
}

/// RMSE and MAE of a set of predictions, in rating units (`surprise/accuracy.py`:
/// `sqrt(mean((r − r̂)²))`, `mean(|r − r̂|)`).
#[derive(Debug, Clone, Copy, PartialEq)]
pub struct Accuracy {
    /// Root-mean-square error.
    pub rmse: f64,
    /// Mean absolute error.
    pub mae: f64,
    /// Predictions averaged over.
    pub count: usize,
}

impl Accuracy {
    /// The accuracy of `(estimate, truth)` pairs. Errors: no pairs.
    pub fn of(pairs: &[(f64, f64)]) -> Result<Self> {
        if pairs.is_empty() {
            return Err(KitError::Invalid(
                "accuracy of an empty test set: at least one rating needed".into(),
            ));
        }
        let n = pairs.len() as f64;
        let (mut se, mut ae) = (0.0, 0.0);
        for (est, truth) in pairs {
            se += (truth - est).powi(2);
            ae += (truth - est).abs();
        }
        Ok(Self {
            rmse: (se / n).sqrt(),
            mae: ae / n,
            count: pairs.len(),
        })
    }
}

/// A training set (Surprise's `Trainset`): users and items get inner ids `0..n` in order of
/// first appearance; each user's and item's ratings are kept in input order.
///
/// Invariants (checked by [`Ratings::new`]): at least one rating, every rating finite and
/// within the scale. Repeated (user, item) pairs are kept, as Surprise keeps them.
#[derive(Debug, Clone)]
pub struct Ratings {
    scale: RatingScale,
    user_ids: Vec<u64>,
    item_ids: Vec<u64>,
    user_index: HashMap<u64, usize>,
    item_index: HashMap<u64, usize>,
    by_user: Vec<Vec<(usize, f64)>>,
    by_item: Vec<Vec<(usize, f64)>>,
    global_mean: f64,
    len: usize,
}

impl Ratings {
    /// The training set of `ratings` on `scale`.
    ///
    /// Errors: no ratings; a rating that is not finite or outside the scale (the message
    /// gives its position, user and item).
    pub fn new(ratings: &[Rating], scale: RatingScale) -> Result<Self> {
        if ratings.is_empty() {
            return Err(KitError::Invalid(
                "ratings: an empty training set (at least one rating needed)".into(),
            ));
        }
        let mut s = Self {
            scale,
            user_ids: Vec::new(),
            item_ids: Vec::new(),
            user_index: HashMap::new(),
            item_index: HashMap::new(),
            by_user: Vec::new(),
            by_item: Vec::new(),
            global_mean: 0.0,
            len: ratings.len(),
        };
        for (k, r) in ratings.iter().enumerate() {
            if !r.value.is_finite() || !scale.contains(r.value) {
                return Err(KitError::Invalid(format!(
                    "rating {k} (user {}, item {}) is {}, outside the rating scale [{}, {}]",
                    r.user,
                    r.item,
                    r.value,
                    scale.low(),
                    scale.high()
                )));
            }
            let u = intern(&mut s.user_index, &mut s.user_ids, &mut s.by_user, r.user);
            let i = intern(&mut s.item_index, &mut s.item_ids, &mut s.by_item, r.item);
            s.by_user[u].push((i, r.value));
            s.by_item[i].push((u, r.value));
        }
        s.global_mean = s.iter().map(|(_, _, r)| r).sum::<f64>() / s.len as f64;
        Ok(s)
    }

    /// The rating scale.
    pub fn scale(&self) -> RatingScale {
        self.scale
    }

    /// Distinct users.
    pub fn n_users(&self) -> usize {
        self.user_ids.len()
    }

    /// Distinct items.
    pub fn n_items(&self) -> usize {
        self.item_ids.len()
    }

    /// Ratings (≥ 1).
    pub fn len(&self) -> usize {
        self.len
    }

    /// Always false: a training set has at least one rating.
    pub fn is_empty(&self) -> bool {
        self.len == 0
    }

    /// Mean of all ratings (μ of Koren's baseline `μ + b_u + b_i`).
    pub fn global_mean(&self) -> f64 {
        self.global_mean
    }

    /// Inner id of raw user `user`, `None` if the user has no rating here.
    pub fn user_index(&self, user: u64) -> Option<usize> {
        self.user_index.get(&user).copied()
    }

    /// Inner id of raw item `item`, `None` if the item has no rating here.
    pub fn item_index(&self, item: u64) -> Option<usize> {
        self.item_index.get(&item).copied()
    }

    /// Raw id of inner user `u` (panics-free: `None` if out of range).
    pub fn user_id(&self, u: usize) -> Option<u64> {
        self.user_ids.get(u).copied()
    }

    /// Raw id of inner item `i` (`None` if out of range).
    pub fn item_id(&self, i: usize) -> Option<u64> {
        self.item_ids.get(i).copied()
    }

    /// (inner item, rating) of inner user `u` in input order (Surprise's `ur[u]`, the set
    /// I_u of SVD++); empty for an out-of-range `u`.
    pub fn user_ratings(&self, u: usize) -> &[(usize, f64)] {
        self.by_user.get(u).map_or(&[], Vec::as_slice)
    }

    /// (inner user, rating) of inner item `i` in input order (Surprise's `ir[i]`); empty for
    /// an out-of-range `i`.
    pub fn item_ratings(&self, i: usize) -> &[(usize, f64)] {
        self.by_item.get(i).map_or(&[], Vec::as_slice)
    }

    /// Every rating as (inner user, inner item, rating), users in inner-id order and each
    /// user's ratings in input order: Surprise's `all_ratings()`, the order of every SGD epoch.
    pub fn iter(&self) -> impl Iterator<Item = (usize, usize, f64)> + '_ {
        self.by_user
            .iter()
            .enumerate()
            .flat_map(|(u, rs)| rs.iter().map(move |&(i, r)| (u, i, r)))
    }

    /// Surprise's `predict(uid, iid)`: the model's estimate for raw ids (unknown ones passed as
    /// `None`), the global mean where the model cannot estimate, clipped into the scale.
    pub fn predict(&self, model: &dyn Estimator, user: u64, item: u64) -> f64 {
        let est = model
            .estimate(self, self.user_index(user), self.item_index(item))
            .unwrap_or(self.global_mean);
        self.scale.clip(est)
    }

    /// RMSE and MAE of [`Self::predict`] on `test` (Surprise's `algo.test(testset)` and
    /// `accuracy.rmse`/`mae`). Errors: an empty test set.
    pub fn evaluate(&self, model: &dyn Estimator, test: &[Rating]) -> Result<Accuracy> {
        let pairs: Vec<(f64, f64)> = test
            .iter()
            .map(|r| (self.predict(model, r.user, r.item), r.value))
            .collect();
        Accuracy::of(&pairs)
    }
}

/// The inner id of `raw`, assigning the next one (and an empty rating list) on first sight.
fn intern(
    index: &mut HashMap<u64, usize>,
    ids: &mut Vec<u64>,
    lists: &mut Vec<Vec<(usize, f64)>>,
    raw: u64,
) -> usize {
    *index.entry(raw).or_insert_with(|| {
        ids.push(raw);
        lists.push(Vec::new());
        ids.len() - 1
    })
}
