//! Multiple-testing adjustment, as statsmodels 0.15.0 `multipletests(method='holm'|'fdr_bh')`
//! (STATISTICS.md §5). Holm (1979), *Scand. J. Statist.* 6:65-70; Benjamini & Hochberg (1995),
//! *JRSS-B* 57:289-300.

use crate::error::{Result, StatsError};

fn validate(p: &[f64]) -> Result<()> {
    for (i, &v) in p.iter().enumerate() {
        if !(0.0..=1.0).contains(&v) {
            return Err(StatsError::InvalidParameter {
                name: format!("p_values[{i}]"),
                value: v.to_string(),
                reason: "every p-value must be a number in [0, 1] (NaN is rejected: drop or fix that test)"
                    .into(),
            });
        }
    }
    Ok(())
}

fn order(p: &[f64]) -> Vec<usize> {
    let mut idx: Vec<usize> = (0..p.len()).collect();
    idx.sort_by(|&a, &b| p[a].total_cmp(&p[b]));
    idx
}

/// Holm step-down adjusted p-values, in input order: `adj_(i) = min(1, max_{j≤i} (m−j+1)p_(j))`.
/// `adj ≤ α` ⇔ Holm rejects at family-wise level α. Errors: a p-value that is NaN or outside [0,1].
pub fn holm(p: &[f64]) -> Result<Vec<f64>> {
    validate(p)?;
    let m = p.len();
    let idx = order(p);
    let mut out = vec![0.0; m];
    let mut run: f64 = 0.0;
    for (i, &k) in idx.iter().enumerate() {
        run = run.max((m - i) as f64 * p[k]);
        out[k] = run.min(1.0);
    }
    Ok(out)
}

/// Benjamini–Hochberg step-up adjusted p-values (FDR), input order:
/// `adj_(i) = min(1, min_{j≥i} p_(j)·m/j)`. Errors: a p-value that is NaN or outside [0,1].
pub fn benjamini_hochberg(p: &[f64]) -> Result<Vec<f64>> {
    validate(p)?;
    let m = p.len();
    let idx = order(p);
    let mut out = vec![0.0; m];
    let mut run = f64::INFINITY;
    for i in (0..m).rev() {
        let k = idx[i];
        run = run.min(p[k] * m as f64 / (i + 1) as f64);
        out[k] = run.min(1.0);
    }
    Ok(out)
}
