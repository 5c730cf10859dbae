//! Funk's biased matrix factorisation trained by SGD (Surprise's `SVD`, Koren, Bell & Volinsky
//! 2009, eq. 5) and its implicit-feedback extension (`SVDpp`, Koren 2008, section 4, eq. 15),
//! as `surprise/prediction_algorithms/matrix_factorization.pyx` (2381fb11) runs them.

use super::{dot, non_negative, positive, Estimator, Ratings};
use rand_distr::{Distribution, StandardNormal};
use repro_kit::rng::Rng;
use repro_kit::Result;

/// `rows × n_factors` draws of N(`mean`, `std_dev`²), row-major (numpy's
/// `rng.normal(mean, std_dev, size=(rows, n_factors))`).
fn normal_matrix(
    rng: &mut Rng,
    rows: usize,
    n_factors: usize,
    mean: f64,
    std_dev: f64,
) -> Vec<f64> {
    (0..rows * n_factors)
        .map(|_| {
            let z: f64 = StandardNormal.sample(rng);
            mean + std_dev * z
        })
        .collect()
}

/// Surprise's `SVD` hyperparameters; [`Default`] gives Surprise's defaults (`n_factors=100,
/// n_epochs=20, biased=True, init_mean=0, init_std_dev=0.1, lr_all=0.005, reg_all=0.02`).
#[derive(Debug, Clone, Copy, PartialEq)]
pub struct Svd {
    /// Latent factors per user and item.
    pub n_factors: usize,
    /// Passes over the training ratings.
    pub n_epochs: usize,
    /// Whether the model has the biases μ, b_u, b_i (false: probabilistic MF, `r̂ = q_iᵀp_u`).
    pub biased: bool,
    /// Mean of the normal initial factors.
    pub init_mean: f64,
    /// Standard deviation of the normal initial factors.
    pub init_std_dev: f64,
    /// Learning rate of b_u.
    pub lr_bu: f64,
    /// Learning rate of b_i.
    pub lr_bi: f64,
    /// Learning rate of p_u.
    pub lr_pu: f64,
    /// Learning rate of q_i.
    pub lr_qi: f64,
    /// Regularisation of b_u.
    pub reg_bu: f64,
    /// Regularisation of b_i.
    pub reg_bi: f64,
    /// Regularisation of p_u.
    pub reg_pu: f64,
    /// Regularisation of q_i.
    pub reg_qi: f64,
}

impl Default for Svd {
    fn default() -> Self {
        Self {
            n_factors: 100,
            n_epochs: 20,
            biased: true,
            init_mean: 0.0,
            init_std_dev: 0.1,
            lr_bu: 0.005,
            lr_bi: 0.005,
            lr_pu: 0.005,
            lr_qi: 0.005,
            reg_bu: 0.02,
            reg_bi: 0.02,
            reg_pu: 0.02,
            reg_qi: 0.02,
        }
    }
}

/// A fitted [`Svd`]: biases `bu` [n_users], `bi` [n_items] and factors `pu` [n_users ×
/// n_factors], `qi` [n_items × n_factors], row-major, indexed by the training set's inner ids.
#[derive(Debug, Clone, PartialEq)]
pub struct SvdModel {
    /// Factors per user and item.
    pub n_factors: usize,
    /// Whether the biases are used.
    pub biased: bool,
    /// User biases b_u (zeros when unbiased).
    pub bu: Vec<f64>,
    /// Item biases b_i (zeros when unbiased).
    pub bi: Vec<f64>,
    /// User factors p_u, row-major.
    pub pu: Vec<f64>,
    /// Item factors q_i, row-major.
    pub qi: Vec<f64>,
}

impl Svd {
    /// Surprise's `lr_all`: every learning rate set to `lr`.
    pub fn lr_all(mut self, lr: f64) -> Self {
        (self.lr_bu, self.lr_bi, self.lr_pu, self.lr_qi) = (lr, lr, lr, lr);
        self
    }

    /// Surprise's `reg_all`: every regularisation term set to `reg`.
    pub fn reg_all(mut self, reg: f64) -> Self {
        (self.reg_bu, self.reg_bi, self.reg_pu, self.reg_qi) = (reg, reg, reg, reg);
        self
    }

    /// Errors ([`repro_kit::KitError::Hyperparameter`]): `n_factors = 0`, or a learning rate,
    /// regularisation term or `init_std_dev` that is negative or not finite, or a non-finite
    /// `init_mean`.
    pub fn validate(&self) -> Result<()> {
        positive("SVD", "n_factors", self.n_factors)?;
        for (f, v) in [
            ("init_std_dev", self.init_std_dev),
            ("lr_bu", self.lr_bu),
            ("lr_bi", self.lr_bi),
            ("lr_pu", self.lr_pu),
            ("lr_qi", self.lr_qi),
            ("reg_bu", self.reg_bu),
            ("reg_bi", self.reg_bi),
            ("reg_pu", self.reg_pu),
            ("reg_qi", self.reg_qi),
            ("|init_mean|", self.init_mean.abs()),
        ] {
            non_negative("SVD", f, v)?;
        }
        Ok(())
    }

    /// Surprise's `SVD.sgd` (`matrix_factorization.pyx` lines 159–250; `estimate` lines 253–277): b = 0; `pu` then `qi`
    /// drawn from N(init_mean, init_std_dev²) with `rng` (e.g. `rng::stream(seed, "init")`);
    /// then each epoch, for each rating in [`Ratings::iter`] order,
    /// `e = r − (μ + b_u + b_i + q_iᵀp_u)` (μ = 0 when unbiased), `b_u += lr_bu·(e − reg_bu·b_u)`,
    /// `b_i += lr_bi·(e − reg_bi·b_i)` (biased only), and for each factor f, from the values
    /// before the step, `p_uf += lr_pu·(e·q_if − reg_pu·p_uf)`, `q_if += lr_qi·(e·p_uf − reg_qi·q_if)`.
    ///
    /// Errors: invalid hyperparameters ([`Self::validate`]).
    pub fn fit(&self, train: &Ratings, rng: &mut Rng) -> Result<SvdModel> {
        self.validate()?;
        let k = self.n_factors;
        let mut m = SvdModel {
            n_factors: k,
            biased: self.biased,
            bu: vec![0.0; train.n_users()],
            bi: vec![0.0; train.n_items()],
            pu: normal_matrix(rng, train.n_users(), k, self.init_mean, self.init_std_dev),
            qi: normal_matrix(rng, train.n_items(), k, self.init_mean, self.init_std_dev),
        };
        let mu = if self.biased {
            train.global_mean()
        } else {
            0.0
        };
        for _ in 0..self.n_epochs {
            for (u, i, r) in train.iter() {
                self.step(&mut m, mu, u, i, r);
            }
        }
        Ok(m)
    }

    /// One SGD update on rating `r` of inner user `u` and item `i` (see [`Self::fit`]).
    #[inline]
    fn step(&self, m: &mut SvdModel, mu: f64, u: usize, i: usize, r: f64) {
        let k = self.n_factors;
        let (pu, qi) = (&mut m.pu[u * k..(u + 1) * k], &mut m.qi[i * k..(i + 1) * k]);
        let err = r - (mu + m.bu[u] + m.bi[i] + dot(qi, pu));
        if self.biased {
            m.bu[u] += self.lr_bu * (err - self.reg_bu * m.bu[u]);
            m.bi[i] += self.lr_bi * (err - self.reg_bi * m.bi[i]);
        }
        for (p, q) in pu.iter_mut().zip(qi.iter_mut()) {
            let (puf, qif) = (*p, *q);
            *p += self.lr_pu * (err * qif - self.reg_pu * puf);
            *q += self.lr_qi * (err * puf - self.reg_qi * qif);
        }
    }
}

impl Estimator for SvdModel {
    /// Biased: `μ + b_u + b_i + q_iᵀp_u`, with b_u, p_u (b_i, q_i) taken as 0 for an unknown
    /// user (item). Unbiased: `q_iᵀp_u` when both are known, else impossible (global mean).
    fn estimate(&self, train: &Ratings, user: Option<usize>, item: Option<usize>) -> Option<f64> {
        let k = self.n_factors;
        let both = match (user, item) {
            (Some(u), Some(i)) => Some(dot(
                self.qi.get(i * k..(i + 1) * k)?,
                self.pu.get(u * k..(u + 1) * k)?,
            )),
            _ => None,
        };
        if !self.biased {
            return both;
        }
        let mut est = train.global_mean();
        est += user.and_then(|u| self.bu.get(u)).copied().unwrap_or(0.0);
        est += item.and_then(|i| self.bi.get(i)).copied().unwrap_or(0.0);
        Some(est + both.unwrap_or(0.0))
    }

    fn is_finite(&self) -> bool {
        [&self.bu, &self.bi, &self.pu, &self.qi]
            .iter()
            .all(|v| v.iter().all(|x| x.is_finite()))
    }
}

/// Surprise's `SVDpp` hyperparameters; [`Default`] gives Surprise's defaults (`n_factors=20,
/// n_epochs=20, init_mean=0, init_std_dev=0.1, lr_all=0.007, reg_all=0.02`). Always biased.
#[derive(Debug, Clone, Copy, PartialEq)]
pub struct SvdPp {
    /// Latent factors.
    pub n_factors: usize,
    /// Passes over the training ratings.
    pub n_epochs: usize,
    /// Mean of the normal initial factors.
    pub init_mean: f64,
    /// Standard deviation of the normal initial factors.
    pub init_std_dev: f64,
    /// Learning rates of b_u, b_i, p_u, q_i, y_j.
    pub lr: [f64; 5],
    /// Regularisation of b_u, b_i, p_u, q_i, y_j.
    pub reg: [f64; 5],
}

impl Default for SvdPp {
    fn default() -> Self {
        Self {
            n_factors: 20,
            n_epochs: 20,
            init_mean: 0.0,
            init_std_dev: 0.1,
            lr: [0.007; 5],
            reg: [0.02; 5],
        }
    }
}

/// A fitted [`SvdPp`]: [`SvdModel`]'s parameters (biased) plus the implicit item factors `yj`
/// [n_items × n_factors], row-major.
#[derive(Debug, Clone, PartialEq)]
pub struct SvdPpModel {
    /// b_u, b_i, p_u, q_i.
    pub svd: SvdModel,
    /// Implicit factors y_j, row-major.
    pub yj: Vec<f64>,
}

/// Names of the five parameter groups, for errors.
const SVDPP_GROUPS: [&str; 5] = ["bu", "bi", "pu", "qi", "yj"];

impl SvdPp {
    /// Errors ([`repro_kit::KitError::Hyperparameter`]): `n_factors = 0`, or a learning rate,
    /// regularisation term or `init_std_dev` that is negative or not finite, or a non-finite
    /// `init_mean`.
    pub fn validate(&self) -> Result<()> {
        positive("SVDpp", "n_factors", self.n_factors)?;
        non_negative("SVDpp", "init_std_dev", self.init_std_dev)?;
        non_negative("SVDpp", "|init_mean|", self.init_mean.abs())?;
        for (g, (lr, reg)) in SVDPP_GROUPS.iter().zip(self.lr.iter().zip(&self.reg)) {
            non_negative("SVDpp", &format!("lr_{g}"), *lr)?;
            non_negative("SVDpp", &format!("reg_{g}"), *reg)?;
        }
        Ok(())
    }

    /// Surprise's `SVDpp.sgd` (`matrix_factorization.pyx` lines 404–520; `estimate` lines 522–538): b = 0; `pu`, `qi`,
    /// `yj` drawn in that order from N(init_mean, init_std_dev²); each epoch, for each rating
    /// in [`Ratings::iter`] order: the implicit feedback `z = |I_u|^{-½} Σ_{j∈I_u} y_j` (from
    /// the current y), `e = r − (μ + b_u + b_i + q_iᵀ(p_u + z))`, the bias steps as in
    /// [`Svd::fit`], then for each factor f, from `p_uf`, `q_if` before the step:
    /// `p_uf += lr·(e·q_if − reg·p_uf)`, `q_if += lr·(e·(p_uf + z_f) − reg·q_if)` and, for every
    /// j ∈ I_u, `y_jf += lr·(e·q_if/√|I_u| − reg·y_jf)`.
    ///
    /// Errors: invalid hyperparameters ([`Self::validate`]).
    pub fn fit(&self, train: &Ratings, rng: &mut Rng) -> Result<SvdPpModel> {
        self.validate()?;
        let k = self.n_factors;
        let (nu, ni) = (train.n_users(), train.n_items());
        let (mean, sd) = (self.init_mean, self.init_std_dev);
        let pu = normal_matrix(rng, nu, k, mean, sd);
        let qi = normal_matrix(rng, ni, k, mean, sd);
        let mut m = SvdPpModel {
            svd: SvdModel {
                n_factors: k,
                biased: true,
                bu: vec![0.0; nu],
                bi: vec![0.0; ni],
                pu,
                qi,
            },
            yj: normal_matrix(rng, ni, k, mean, sd),
        };
        let mut z = vec![0.0; k];
        for _ in 0..self.n_epochs {
            for (u, i, r) in train.iter() {
                self.step(&mut m, train, &mut z, (u, i, r));
            }
        }
        Ok(m)
    }

    /// One SGD update (see [`Self::fit`]); `z` [n_factors] is scratch for the implicit feedback.
    fn step(
        &self,
        m: &mut SvdPpModel,
        train: &Ratings,
        z: &mut [f64],
        (u, i, r): (usize, usize, f64),
    ) {
        let k = self.n_factors;
        let [lr_bu, lr_bi, lr_pu, lr_qi, lr_yj] = self.lr;
        let [reg_bu, reg_bi, reg_pu, reg_qi, reg_yj] = self.reg;
        let iu = train.user_ratings(u);
        let sqrt_iu = (iu.len() as f64).sqrt();
        implicit_feedback(&m.yj, iu, k, sqrt_iu, z);
        let s = &mut m.svd;
        let (pu, qi) = (&mut s.pu[u * k..(u + 1) * k], &mut s.qi[i * k..(i + 1) * k]);
        let mut d = 0.0;
        for f in 0..k {
            d += qi[f] * (pu[f] + z[f]);
        }
        let err = r - (train.global_mean() + s.bu[u] + s.bi[i] + d);
        s.bu[u] += lr_bu * (err - reg_bu * s.bu[u]);
        s.bi[i] += lr_bi * (err - reg_bi * s.bi[i]);
        for f in 0..k {
            let (puf, qif) = (pu[f], qi[f]);
            pu[f] += lr_pu * (err * qif - reg_pu * puf);
            qi[f] += lr_qi * (err * (puf + z[f]) - reg_qi * qif);
            let err_qif_sqrt = err * qif / sqrt_iu;
            for &(j, _) in iu {
                let y = &mut m.yj[j * k + f];
                *y += lr_yj * (err_qif_sqrt - reg_yj * *y);
            }
        }
    }
}

/// `z = Σ_{j∈I_u} y_j / √|I_u|`, summed in I_u's order, each term divided as Surprise does
/// (`u_impl_fdb[f] += yj[j, f] / sqrt_Iu`).
fn implicit_feedback(yj: &[f64], iu: &[(usize, f64)], k: usize, sqrt_iu: f64, z: &mut [f64]) {
    z.iter_mut().for_each(|v| *v = 0.0);
    for &(j, _) in iu {
        for (zf, y) in z.iter_mut().zip(&yj[j * k..(j + 1) * k]) {
            *zf += y / sqrt_iu;
        }
    }
}

impl Estimator for SvdPpModel {
    /// `μ + b_u + b_i + q_iᵀ(p_u + |I_u|^{-½} Σ_{j∈I_u} y_j)`, with the user (item) terms taken
    /// as 0 for an unknown user (item) (`SVDpp.estimate`).
    fn estimate(&self, train: &Ratings, user: Option<usize>, item: Option<usize>) -> Option<f64> {
        let s = &self.svd;
        let k = s.n_factors;
        let mut est = train.global_mean();
        est += user.and_then(|u| s.bu.get(u)).copied().unwrap_or(0.0);
        est += item.and_then(|i| s.bi.get(i)).copied().unwrap_or(0.0);
        if let (Some(u), Some(i)) = (user, item) {
            // Surprise's estimate sums first and divides once: `sum(yj[j] …) / np.sqrt(Iu)`.
            let iu = train.user_ratings(u);
            let mut z = vec![0.0; k];
            for &(j, _) in iu {
                for (zf, y) in z.iter_mut().zip(self.yj.get(j * k..(j + 1) * k)?) {
                    *zf += y;
                }
            }
            let sqrt_iu = (iu.len() as f64).sqrt();
            z.iter_mut().for_each(|zf| *zf /= sqrt_iu);
            let (pu, qi) = (s.pu.get(u * k..(u + 1) * k)?, s.qi.get(i * k..(i + 1) * k)?);
            est += qi
                .iter()
                .zip(pu.iter().zip(&z))
                .map(|(q, (p, zf))| q * (p + zf))
                .sum::<f64>();
        }
        Some(est)
    }

    fn is_finite(&self) -> bool {
        self.svd.is_finite() && self.yj.iter().all(|x| x.is_finite())
    }
}
