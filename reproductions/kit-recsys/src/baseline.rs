//! The baseline predictor `r̂_ui = μ + b_u + b_i` (Koren 2010, "Factor in the neighbors",
//! section 2.1), Surprise's `BaselineOnly` (`baseline_only.py`) with its two fitting methods
//! (`optimize_baselines.pyx`: `baseline_als` from line 13, `baseline_sgd` from line 56).

use super::{non_negative, Estimator, Ratings};
use repro_kit::Result;

/// How the biases are fitted (Surprise's `bsl_options`), with Surprise's defaults.
#[derive(Debug, Clone, Copy, PartialEq)]
pub enum BaselineMethod {
    /// Alternating least squares (`baseline_als`): each epoch sets every
    /// `b_i = Σ_{u∈U_i}(r_ui − μ − b_u) / (reg_i + |U_i|)`, then every
    /// `b_u = Σ_{i∈I_u}(r_ui − μ − b_i) / (reg_u + |I_u|)`. Defaults: 10 epochs, reg_i = 10,
    /// reg_u = 15.
    Als {
        /// Epochs (Surprise: 10).
        n_epochs: usize,
        /// Item regularisation (Surprise: 10).
        reg_i: f64,
        /// User regularisation (Surprise: 15).
        reg_u: f64,
    },
    /// Stochastic gradient descent (`baseline_sgd`): per rating in
    /// [`Ratings::iter`] order, `e = r − (μ + b_u + b_i)`, `b_u += lr·(e − reg·b_u)`, then
    /// `b_i += lr·(e − reg·b_i)`. Defaults: 20 epochs, reg = 0.02, learning rate 0.005.
    Sgd {
        /// Epochs (Surprise: 20).
        n_epochs: usize,
        /// Regularisation (Surprise: 0.02).
        reg: f64,
        /// Learning rate (Surprise: 0.005).
        learning_rate: f64,
    },
}

impl BaselineMethod {
    /// ALS with Surprise's defaults (`n_epochs = 10, reg_i = 10, reg_u = 15`).
    pub fn als() -> Self {
        Self::Als {
            n_epochs: 10,
            reg_i: 10.0,
            reg_u: 15.0,
        }
    }

    /// SGD with Surprise's defaults (`n_epochs = 20, reg = 0.02, learning_rate = 0.005`).
    pub fn sgd() -> Self {
        Self::Sgd {
            n_epochs: 20,
            reg: 0.02,
            learning_rate: 0.005,
        }
    }
}

/// Surprise's `BaselineOnly(bsl_options)`; the default is ALS with Surprise's defaults (the
/// configuration of Surprise's README benchmark row "Baseline").
#[derive(Debug, Clone, Copy, PartialEq)]
pub struct BaselineOnly {
    /// The fitting method.
    pub method: BaselineMethod,
}

impl Default for BaselineOnly {
    fn default() -> Self {
        Self {
            method: BaselineMethod::als(),
        }
    }
}

/// Fitted biases: `bu` [n_users], `bi` [n_items] (inner ids of the training set), in rating
/// units.
#[derive(Debug, Clone, PartialEq)]
pub struct BaselineModel {
    /// User biases b_u.
    pub bu: Vec<f64>,
    /// Item biases b_i.
    pub bi: Vec<f64>,
}

impl BaselineOnly {
    /// Fits the biases on `train` (deterministic: no random numbers).
    ///
    /// Errors: a regularisation term or learning rate that is negative or not finite.
    pub fn fit(&self, train: &Ratings) -> Result<BaselineModel> {
        let mu = train.global_mean();
        let mut bu = vec![0.0; train.n_users()];
        let mut bi = vec![0.0; train.n_items()];
        match self.method {
            BaselineMethod::Als {
                n_epochs,
                reg_i,
                reg_u,
            } => {
                non_negative("baseline_als", "reg_i", reg_i)?;
                non_negative("baseline_als", "reg_u", reg_u)?;
                for _ in 0..n_epochs {
                    for (i, b) in bi.iter_mut().enumerate() {
                        let rs = train.item_ratings(i);
                        let dev: f64 = rs.iter().fold(0.0, |s, &(u, r)| s + (r - mu - bu[u]));
                        *b = dev / (reg_i + rs.len() as f64);
                    }
                    for (u, b) in bu.iter_mut().enumerate() {
                        let rs = train.user_ratings(u);
                        let dev: f64 = rs.iter().fold(0.0, |s, &(i, r)| s + (r - mu - bi[i]));
                        *b = dev / (reg_u + rs.len() as f64);
                    }
                }
            }
            BaselineMethod::Sgd {
                n_epochs,
                reg,
                learning_rate: lr,
            } => {
                non_negative("baseline_sgd", "reg", reg)?;
                non_negative("baseline_sgd", "learning_rate", lr)?;
                for _ in 0..n_epochs {
                    for (u, i, r) in train.iter() {
                        let err = r - (mu + bu[u] + bi[i]);
                        bu[u] += lr * (err - reg * bu[u]);
                        bi[i] += lr * (err - reg * bi[i]);
                    }
                }
            }
        }
        Ok(BaselineModel { bu, bi })
    }
}

impl Estimator for BaselineModel {
    /// `μ + b_u + b_i`, a bias taken as 0 for an unknown user or item (`baseline_only.py`
    /// `estimate`).
    fn estimate(&self, train: &Ratings, user: Option<usize>, item: Option<usize>) -> Option<f64> {
        let mut est = train.global_mean();
        if let Some(u) = user {
            est += self.bu.get(u).copied().unwrap_or(0.0);
        }
        if let Some(i) = item {
            est += self.bi.get(i).copied().unwrap_or(0.0);
        }
        Some(est)
    }

    fn is_finite(&self) -> bool {
        self.bu.iter().chain(&self.bi).all(|v| v.is_finite())
    }
}
