//! The Nemenyi post-hoc results a critical-difference diagram shows: every pair of methods with
//! its rank difference and p-value, and the groups — maximal runs of methods, in order of
//! average rank, whose ranks span no more than the critical difference (Demšar 2006, §3.2.2 and
//! Fig. 1: "groups of classifiers that are not significantly different").

use crate::friedman::nemenyi_p;
use serde::Serialize;

/// One pair of methods compared after a Friedman test.
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct PairTest {
    /// First method (index into the ranks).
    pub a: usize,
    /// Second method (`b > a`).
    pub b: usize,
    /// `|R_a − R_b|`, rank units.
    pub rank_difference: f64,
    /// Nemenyi p-value ([`crate::friedman::nemenyi_p`]); NaN where it is undefined.
    pub p_value: f64,
    /// `rank_difference > cd`.
    pub significant: bool,
}

/// Every pair `a < b` of the methods with average ranks `average_ranks` (k of them, over
/// `n_blocks` blocks), in order (0, 1), (0, 2), …, (k−2, k−1), with its rank difference,
/// Nemenyi p-value and whether the difference exceeds the critical difference `cd` (rank
/// units).
///
/// ```
/// use repro_stats::nemenyi_groups::pairwise;
/// let pairs = pairwise(&[1.0, 2.0, 3.0], 10, 1.5);
/// assert_eq!(pairs.len(), 3);
/// assert!(pairs[1].significant && !pairs[0].significant);
/// ```
pub fn pairwise(average_ranks: &[f64], n_blocks: usize, cd: f64) -> Vec<PairTest> {
    let k = average_ranks.len();
    let mut pairs = Vec::new();
    for a in 0..k {
        for b in a + 1..k {
            let diff = (average_ranks[a] - average_ranks[b]).abs();
            pairs.push(PairTest {
                a,
                b,
                rank_difference: diff,
                p_value: nemenyi_p(average_ranks[a], average_ranks[b], k, n_blocks)
                    .unwrap_or(f64::NAN),
                significant: diff > cd,
            });
        }
    }
    pairs
}

/// Maximal runs of consecutive methods in rank order whose rank span is ≤ `cd` (rank units);
/// indices into `ranks` (average ranks, 1 = best), best first. Groups of one and groups inside
/// another are dropped. Non-finite ranks sort last (IEEE total order) and join no group.
///
/// ```
/// use repro_stats::nemenyi_groups::groups;
/// assert_eq!(groups(&[1.0, 1.5, 3.0], 0.6), vec![vec![0, 1]]);
/// ```
pub fn groups(ranks: &[f64], cd: f64) -> Vec<Vec<usize>> {
    let mut order: Vec<usize> = (0..ranks.len()).collect();
    order.sort_by(|&a, &b| ranks[a].total_cmp(&ranks[b]));
    let mut out: Vec<(usize, usize)> = Vec::new();
    for i in 0..order.len() {
        let mut j = i;
        while j + 1 < order.len() && ranks[order[j + 1]] - ranks[order[i]] <= cd {
            j += 1;
        }
        if j > i && !out.iter().any(|&(a, b)| a <= i && j <= b) {
            out.push((i, j));
        }
    }
    out.into_iter()
        .map(|(i, j)| order[i..=j].to_vec())
        .collect()
}

#[cfg(test)]
mod tests {
    use super::{groups, pairwise};

    /// Demšar (2006) Table 6 average ranks (C4.5, C4.5+m, C4.5+cf, C4.5+m+cf): at α = 0.10
    /// (CD 1.118) C4.5 is worse than C4.5+m and C4.5+m+cf, so two groups; at α = 0.05
    /// (CD 1.254) no pair differs: one group of all four.
    #[test]
    fn groups_of_demsars_example() {
        let r = [3.142857, 2.0, 2.892857, 1.964286];
        assert_eq!(groups(&r, 1.118060), vec![vec![3, 1, 2], vec![2, 0]]);
        assert_eq!(groups(&r, 1.253559), vec![vec![3, 1, 2, 0]]);
        assert!(groups(&r, 0.01).is_empty());
    }

    #[test]
    fn equal_ranks_form_one_group_and_too_few_none() {
        assert_eq!(groups(&[2.0, 2.0], 0.0), vec![vec![0, 1]]);
        assert!(groups(&[1.0], 5.0).is_empty());
        assert!(groups(&[], 1.0).is_empty());
    }

    #[test]
    fn every_pair_once_with_its_difference_and_a_p_value_that_falls_with_it() {
        let pairs = pairwise(&[1.2, 2.0, 2.8, 4.0], 20, 1.0);
        assert_eq!(pairs.len(), 6);
        assert_eq!(
            (pairs[0].a, pairs[0].b, pairs[5].a, pairs[5].b),
            (0, 1, 2, 3)
        );
        assert!((pairs[2].rank_difference - 2.8).abs() < 1e-12);
        assert!(pairs[2].significant && !pairs[0].significant);
        assert!(pairs[2].p_value < pairs[0].p_value);
        assert!(pairs.iter().all(|p| (0.0..=1.0).contains(&p.p_value)));
        // undefined p-value (no block): NaN, never a panic
        assert!(pairwise(&[1.0, 2.0], 0, 1.0)[0].p_value.is_nan());
    }
}
