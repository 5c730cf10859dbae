//! Small summaries that the report prints next to the verdicts: the standard error of a mean,
//! the value a rounded claim is tested at, and the plain arithmetic mean the report's tables
//! use. Each is the textbook formula, kept here so that the report computes no statistic of its
//! own.

/// Standard error of the mean of `n_finite` finite runs whose sample standard deviation
/// (ddof 1) is `sd`: `sd / √n_finite` (same units as the runs). `None` when `sd` is `None` or
/// there are fewer than 2 finite runs (no spread to estimate).
///
/// ```
/// use repro_stats::summary::standard_error_of_mean;
/// assert_eq!(standard_error_of_mean(Some(2.0), 4), Some(1.0));
/// assert_eq!(standard_error_of_mean(Some(2.0), 1), None);
/// ```
pub fn standard_error_of_mean(sd: Option<f64>, n_finite: usize) -> Option<f64> {
    sd.filter(|_| n_finite >= 2)
        .map(|sd| sd / (n_finite as f64).sqrt())
}

/// The value a claim printed as `claimed` to resolution `resolution` (a step in the metric's
/// units, e.g. 0.01) is tested at: half a step towards "worse", the value in the rounding
/// interval least favourable to rejecting the claim (`claimed − resolution/2` when higher is
/// better, `claimed + resolution/2` when lower is better).
///
/// ```
/// use repro_stats::summary::tested_value;
/// assert_eq!(tested_value(0.32, 0.01, true), 0.315);
/// assert_eq!(tested_value(2.5, 0.1, false), 2.55);
/// ```
pub fn tested_value(claimed: f64, resolution: f64, higher_is_better: bool) -> f64 {
    let worse = if higher_is_better { -1.0 } else { 1.0 };
    claimed + worse * resolution / 2.0
}

/// Arithmetic mean of `values`, summed left to right (so that a table's numbers do not depend
/// on a summation scheme); `None` for an empty slice.
///
/// ```
/// use repro_stats::summary::mean;
/// assert_eq!(mean(&[1.0, 2.0, 6.0]), Some(3.0));
/// assert_eq!(mean(&[]), None);
/// ```
pub fn mean(values: &[f64]) -> Option<f64> {
    (!values.is_empty()).then(|| values.iter().sum::<f64>() / values.len() as f64)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn standard_error_is_sd_over_root_n() {
        // runs 1, 2, 3, 4: sd (ddof 1) = 1.2909944487358056, SE = sd / 2
        let se = standard_error_of_mean(Some(1.290_994_448_735_805_6), 4).unwrap();
        assert!((se - 0.645_497_224_367_902_8).abs() < 1e-15, "{se}");
        assert_eq!(standard_error_of_mean(None, 10), None);
        assert_eq!(standard_error_of_mean(Some(1.0), 0), None);
    }

    #[test]
    fn tested_value_moves_half_a_step_towards_worse() {
        let hi = tested_value(1.0, 0.5, true);
        let lo = tested_value(1.0, 0.5, false);
        assert!(hi < 1.0 && lo > 1.0);
        assert_eq!(lo - hi, 0.5);
    }

    #[test]
    fn mean_sums_in_order() {
        let v = [1e16, 1.0, -1e16];
        // left to right: (1e16 + 1) − 1e16 = 0 in binary64
        assert_eq!(mean(&v), Some(0.0));
        assert_eq!(mean(&[4.0]), Some(4.0));
    }
}
