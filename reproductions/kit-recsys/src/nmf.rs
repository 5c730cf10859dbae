//! Non-negative matrix factorisation by multiplicative updates (Surprise's `NMF`, after Luo et
//! al. 2014, "An efficient non-negative matrix-factorization-based approach to collaborative
//! filtering", and Zhang et al. 2006), as `matrix_factorization.pyx` (2381fb11) lines 662–748
//! run it.

use super::{dot, non_negative, positive, Ratings};
use rand::RngExt as _;
use repro_kit::rng::Rng;
use repro_kit::{KitError, Result};

/// Surprise's `NMF` hyperparameters; [`Default`] gives Surprise's defaults (`n_factors=15,
/// n_epochs=50, biased=False, reg_pu=reg_qi=0.06, reg_bu=reg_bi=0.02, lr_bu=lr_bi=0.005,
/// init_low=0, init_high=1`).
#[derive(Debug, Clone, Copy, PartialEq)]
pub struct Nmf {
    /// Latent factors.
    pub n_factors: usize,
    /// Epochs (one multiplicative update of every factor each).
    pub n_epochs: usize,
    /// Whether the biases μ, b_u, b_i are used (fitted by SGD steps as in `SVD`).
    pub biased: bool,
    /// λ_u, regularisation of the user factors.
    pub reg_pu: f64,
    /// λ_i, regularisation of the item factors.
    pub reg_qi: f64,
    /// Regularisation of b_u (biased only).
    pub reg_bu: f64,
    /// Regularisation of b_i (biased only).
    pub reg_bi: f64,
    /// Learning rate of b_u (biased only).
    pub lr_bu: f64,
    /// Learning rate of b_i (biased only).
    pub lr_bi: f64,
    /// Lower bound of the uniform initial factors (≥ 0).
    pub init_low: f64,
    /// Upper bound of the uniform initial factors (> init_low).
    pub init_high: f64,
}

impl Default for Nmf {
    fn default() -> Self {
        Self {
            n_factors: 15,
            n_epochs: 50,
            biased: false,
            reg_pu: 0.06,
            reg_qi: 0.06,
            reg_bu: 0.02,
            reg_bi: 0.02,
            lr_bu: 0.005,
            lr_bi: 0.005,
            init_low: 0.0,
            init_high: 1.0,
        }
    }
}

/// A fitted [`Nmf`]: the same parameters as [`super::SvdModel`] (factors non-negative).
pub type NmfModel = super::SvdModel;

impl Nmf {
    /// Errors ([`KitError::Hyperparameter`]): `n_factors = 0`, a regularisation term or
    /// learning rate that is negative or not finite, `init_low < 0` (Surprise's "init_low
    /// should be greater than zero"), or `init_high ≤ init_low`.
    pub fn validate(&self) -> Result<()> {
        positive("NMF", "n_factors", self.n_factors)?;
        for (f, v) in [
            ("reg_pu", self.reg_pu),
            ("reg_qi", self.reg_qi),
            ("reg_bu", self.reg_bu),
            ("reg_bi", self.reg_bi),
            ("lr_bu", self.lr_bu),
            ("lr_bi", self.lr_bi),
            ("init_low", self.init_low),
        ] {
            non_negative("NMF", f, v)?;
        }
        if !(self.init_high.is_finite() && self.init_high > self.init_low) {
            return Err(KitError::hyperparameter(
                "NMF.init_high",
                self.init_high,
                format!("a finite number above init_low = {}", self.init_low),
            ));
        }
        Ok(())
    }

    /// Surprise's `NMF.sgd`: `pu` then `qi` drawn from U(init_low, init_high) with `rng`,
    /// b = 0; each epoch, over the ratings in [`Ratings::iter`] order with the factors of the
    /// previous epoch: `r̂ = μ + b_u + b_i + q_iᵀp_u` (μ = 0 when unbiased), the bias SGD steps
    /// (biased only), and the sums `num_uf += q_if·r`, `den_uf += q_if·r̂`, `num_if += p_uf·r`,
    /// `den_if += p_uf·r̂`; then every user factor `p_uf ← p_uf·num_uf / (den_uf + |I_u|·λ_u·p_uf)`
    /// and every item factor `q_if ← q_if·num_if / (den_if + |U_i|·λ_i·q_if)` (a factor that is
    /// exactly 0 stays 0), the user factors first. Both factor sets are updated from the same
    /// epoch's sums, so each scales r̂ by about (r/r̂)²: without regularisation (λ = 0) the
    /// updates overshoot and oscillate; the `|I_u|·λ_u·p_uf` terms damp them.
    ///
    /// Errors: invalid hyperparameters ([`Self::validate`]).
    pub fn fit(&self, train: &Ratings, rng: &mut Rng) -> Result<NmfModel> {
        self.validate()?;
        let k = self.n_factors;
        let (nu, ni) = (train.n_users(), train.n_items());
        let mut uniform = |n: usize| -> Vec<f64> {
            (0..n * k)
                .map(|_| self.init_low + (self.init_high - self.init_low) * rng.random::<f64>())
                .collect()
        };
        let pu = uniform(nu);
        let qi = uniform(ni);
        let mut m = NmfModel {
            n_factors: k,
            biased: self.biased,
            bu: vec![0.0; nu],
            bi: vec![0.0; ni],
            pu,
            qi,
        };
        let mu = if self.biased {
            train.global_mean()
        } else {
            0.0
        };
        let (mut user_num, mut user_den) = (vec![0.0; nu * k], vec![0.0; nu * k]);
        let (mut item_num, mut item_den) = (vec![0.0; ni * k], vec![0.0; ni * k]);
        for _ in 0..self.n_epochs {
            for v in [&mut user_num, &mut user_den, &mut item_num, &mut item_den] {
                v.iter_mut().for_each(|x| *x = 0.0);
            }
            for (u, i, r) in train.iter() {
                let (a, b) = (u * k, i * k);
                let est = mu + m.bu[u] + m.bi[i] + dot(&m.qi[b..b + k], &m.pu[a..a + k]);
                let err = r - est;
                if self.biased {
                    m.bu[u] += self.lr_bu * (err - self.reg_bu * m.bu[u]);
                    m.bi[i] += self.lr_bi * (err - self.reg_bi * m.bi[i]);
                }
                for f in 0..k {
                    user_num[a + f] += m.qi[b + f] * r;
                    user_den[a + f] += m.qi[b + f] * est;
                    item_num[b + f] += m.pu[a + f] * r;
                    item_den[b + f] += m.pu[a + f] * est;
                }
            }
            multiplicative_update(&mut m.pu, &user_num, &mut user_den, k, self.reg_pu, |u| {
                train.user_ratings(u).len()
            });
            multiplicative_update(&mut m.qi, &item_num, &mut item_den, k, self.reg_qi, |i| {
                train.item_ratings(i).len()
            });
        }
        Ok(m)
    }
}

/// `x_f ← x_f · num_f / (den_f + n·reg·x_f)` for every nonzero factor of every row (`n` =
/// the row's number of ratings).
fn multiplicative_update(
    x: &mut [f64],
    num: &[f64],
    den: &mut [f64],
    k: usize,
    reg: f64,
    n_ratings: impl Fn(usize) -> usize,
) {
    for (row, ((xs, ns), ds)) in x
        .chunks_mut(k)
        .zip(num.chunks(k))
        .zip(den.chunks_mut(k))
        .enumerate()
    {
        let n = n_ratings(row) as f64;
        for ((xf, nf), df) in xs.iter_mut().zip(ns).zip(ds) {
            if *xf != 0.0 {
                *df += n * reg * *xf;
                *xf *= nf / *df;
            }
        }
    }
}
