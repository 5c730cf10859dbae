//! The ensemble's prediction (§2.4) and the test metrics (§3.1), in the target's units.
//!
//! "We treat the ensemble as a uniformly-weighted mixture model and combine the predictions as
//! p(y|x) = M⁻¹ Σ_m p_θm(y|x, θm). […] we further approximate the ensemble prediction as a
//! Gaussian whose mean and variance are respectively the mean and variance of the mixture. The
//! mean and variance of a mixture M⁻¹ Σ N(μ_θm(x), σ²_θm(x)) are given by
//! μ*(x) = M⁻¹ Σ_m μ_θm(x) and σ*²(x) = M⁻¹ Σ_m (σ²_θm(x) + μ²_θm(x)) − μ*²(x)."
//!
//! Table 1's NLL is the negative log-density of the test targets under that Gaussian,
//! `½ log(2π σ*²) + (y − μ*)² / (2σ*²)`, averaged over the test points (nats per point, constant
//! included, as PBP and MC dropout report it); Table 1's RMSE is that of μ*. Lower is better for
//! both. Gal & Ghahramani (2016) report the log-likelihood, the negative of this NLL.

use repro_kit::{KitError, Result};

/// One Gaussian prediction per test point, in target units.
#[derive(Debug, Clone, PartialEq)]
pub struct Gaussian {
    /// Predicted means [points].
    pub mean: Vec<f64>,
    /// Predicted variances [points], each > 0.
    pub variance: Vec<f64>,
}

impl Gaussian {
    /// A standardised prediction mapped to target units: `μ·s + m`, `σ²·s²` for a target
    /// standardised as `(y − m)/s`.
    pub fn to_target_units(&self, mean_y: f64, std_y: f64) -> Self {
        Self {
            mean: self.mean.iter().map(|m| m * std_y + mean_y).collect(),
            variance: self.variance.iter().map(|v| v * std_y * std_y).collect(),
        }
    }

    fn check(&self, points: usize, what: &str) -> Result<()> {
        if self.mean.len() != points || self.variance.len() != points {
            return Err(KitError::Invalid(format!(
                "{what}: {} means and {} variances for {points} points",
                self.mean.len(),
                self.variance.len()
            )));
        }
        Ok(())
    }
}

/// The mixture's mean and variance (§2.4): `μ* = M⁻¹ Σ μ_m`,
/// `σ*² = M⁻¹ Σ (σ²_m + μ²_m) − μ*²`, computed in the algebraically equal, cancellation-free
/// form `M⁻¹ Σ σ²_m + M⁻¹ Σ (μ_m − μ*)²`. Errors: no members, members of unequal length.
pub fn mixture_moments(members: &[Gaussian]) -> Result<Gaussian> {
    let Some(first) = members.first() else {
        return Err(KitError::Invalid("mixture of zero members".into()));
    };
    let n = first.mean.len();
    for (i, m) in members.iter().enumerate() {
        m.check(n, &format!("member {i}"))?;
    }
    let k = members.len() as f64;
    let mean: Vec<f64> = (0..n)
        .map(|j| members.iter().map(|m| m.mean[j]).sum::<f64>() / k)
        .collect();
    let variance = (0..n)
        .map(|j| {
            members
                .iter()
                .map(|m| m.variance[j] + (m.mean[j] - mean[j]).powi(2))
                .sum::<f64>()
                / k
        })
        .collect();
    Ok(Gaussian { mean, variance })
}

/// Mean over points of the Gaussian negative log-density
/// `½ log(2π σ²) + (y − μ)²/(2σ²)` (eq. 1 with its constant), nats per point.
/// Errors: lengths differ, no points, a variance ≤ 0 or non-finite.
pub fn mean_gaussian_nll(y: &[f64], p: &Gaussian) -> Result<f64> {
    p.check(y.len(), "gaussian nll")?;
    if y.is_empty() {
        return Err(KitError::Invalid("gaussian nll of zero points".into()));
    }
    if let Some(v) = p.variance.iter().find(|v| !(**v > 0.0 && v.is_finite())) {
        return Err(KitError::Invalid(format!(
            "gaussian nll: variance {v} is not a finite positive number"
        )));
    }
    let ln2pi = (2.0 * std::f64::consts::PI).ln();
    let total: f64 = y
        .iter()
        .zip(p.mean.iter().zip(&p.variance))
        .map(|(y, (m, v))| 0.5 * (ln2pi + v.ln()) + (y - m).powi(2) / (2.0 * v))
        .sum();
    Ok(total / y.len() as f64)
}

/// Mean over points of the exact mixture's negative log-density,
/// `−log(M⁻¹ Σ_m N(y; μ_m, σ²_m))` (log-sum-exp over members), nats per point. Not what Table 1
/// reports (it uses the Gaussian approximation, [`mixture_moments`]); kept beside it.
/// Errors as [`mixture_moments`] and [`mean_gaussian_nll`].
pub fn mixture_nll(y: &[f64], members: &[Gaussian]) -> Result<f64> {
    if members.is_empty() || y.is_empty() {
        return Err(KitError::Invalid(
            "mixture nll of zero members or points".into(),
        ));
    }
    for (i, m) in members.iter().enumerate() {
        m.check(y.len(), &format!("member {i}"))?;
        if m.variance.iter().any(|v| !(*v > 0.0 && v.is_finite())) {
            return Err(KitError::Invalid(format!(
                "mixture nll: member {i} has a variance that is not finite and positive"
            )));
        }
    }
    let ln2pi = (2.0 * std::f64::consts::PI).ln();
    let ln_m = (members.len() as f64).ln();
    let total: f64 = (0..y.len())
        .map(|j| {
            let logs: Vec<f64> = members
                .iter()
                .map(|m| {
                    let v = m.variance[j];
                    -0.5 * (ln2pi + v.ln()) - (y[j] - m.mean[j]).powi(2) / (2.0 * v)
                })
                .collect();
            let top = logs.iter().copied().fold(f64::NEG_INFINITY, f64::max);
            let lse = top + logs.iter().map(|l| (l - top).exp()).sum::<f64>().ln();
            ln_m - lse
        })
        .sum();
    Ok(total / y.len() as f64)
}

#[cfg(test)]
mod tests {
    use super::*;

    fn g(mean: &[f64], variance: &[f64]) -> Gaussian {
        Gaussian {
            mean: mean.to_vec(),
            variance: variance.to_vec(),
        }
    }

    /// Two members at one point: N(1, 1) and N(3, 4). μ* = 2;
    /// paper form: ((1 + 1) + (4 + 9))/2 − 4 = 3.5; the stable form: (1 + 4)/2 + (1 + 1)/2 = 3.5.
    #[test]
    fn mixture_moments_match_the_papers_equations_by_hand() {
        let m =
            mixture_moments(&[g(&[1.0, -2.0], &[1.0, 0.5]), g(&[3.0, -2.0], &[4.0, 0.5])]).unwrap();
        assert_eq!(m.mean, vec![2.0, -2.0]);
        assert!((m.variance[0] - 3.5).abs() < 1e-15);
        // equal members: the mixture is the member itself
        assert!((m.variance[1] - 0.5).abs() < 1e-15);
        // the paper's literal form on random-ish numbers
        let a = g(&[0.3, 10.0], &[0.2, 0.01]);
        let b = g(&[-0.7, 10.5], &[0.1, 0.02]);
        let c = g(&[1.1, 9.0], &[0.4, 0.03]);
        let mm = mixture_moments(&[a.clone(), b.clone(), c.clone()]).unwrap();
        for j in 0..2 {
            let mu = (a.mean[j] + b.mean[j] + c.mean[j]) / 3.0;
            let second = [&a, &b, &c]
                .iter()
                .map(|x| x.variance[j] + x.mean[j].powi(2))
                .sum::<f64>()
                / 3.0;
            assert!((mm.mean[j] - mu).abs() < 1e-12);
            assert!((mm.variance[j] - (second - mu * mu)).abs() < 1e-12);
        }
        assert!(mixture_moments(&[]).is_err());
        assert!(mixture_moments(&[g(&[1.0], &[1.0]), g(&[1.0, 2.0], &[1.0, 1.0])]).is_err());
    }

    /// y = 3 under N(1, 4): ½ ln(8π) + 4/8 = 2.112085713764618.
    #[test]
    fn gaussian_nll_by_hand_and_units() {
        let nll = mean_gaussian_nll(&[3.0], &g(&[1.0], &[4.0])).unwrap();
        assert!((nll - (0.5 * (8.0 * std::f64::consts::PI).ln() + 0.5)).abs() < 1e-14);
        assert!((nll - 2.112_085_713_764_618).abs() < 1e-12);
        // standardised (0, 1) prediction of y' = 1 mapped with s = 2, m = 1 is N(1, 4) for y = 3:
        // the NLL in target units is the standardised NLL + ln s.
        let std = g(&[0.0], &[1.0]);
        let t = std.to_target_units(1.0, 2.0);
        assert_eq!(t, g(&[1.0], &[4.0]));
        let nll_std = mean_gaussian_nll(&[1.0], &std).unwrap();
        assert!((nll - (nll_std + 2f64.ln())).abs() < 1e-14);
        assert!(mean_gaussian_nll(&[1.0], &g(&[0.0], &[0.0])).is_err());
        assert!(mean_gaussian_nll(&[], &g(&[], &[])).is_err());
    }

    /// One member: the mixture NLL is the Gaussian NLL. Two members N(0,1), N(2,1) at y = 1:
    /// density φ(1) each, so NLL = ½ ln 2π + ½.
    #[test]
    fn mixture_nll_by_hand() {
        let one = g(&[0.5], &[2.0]);
        let a = mixture_nll(&[1.5], std::slice::from_ref(&one)).unwrap();
        assert!((a - mean_gaussian_nll(&[1.5], &one).unwrap()).abs() < 1e-14);
        let b = mixture_nll(&[1.0], &[g(&[0.0], &[1.0]), g(&[2.0], &[1.0])]).unwrap();
        assert!((b - (0.5 * (2.0 * std::f64::consts::PI).ln() + 0.5)).abs() < 1e-14);
        // far tails do not underflow to ∞
        let c = mixture_nll(&[1e4], &[g(&[0.0], &[1e-6]), g(&[1.0], &[1e-6])]).unwrap();
        assert!(c.is_finite());
    }
}
