//! The groups of a critical-difference diagram: maximal runs of methods, in order of average
//! rank, whose ranks span no more than the Nemenyi critical difference (Demšar 2006, §3.2.2 and
//! Fig. 1: "groups of classifiers that are not significantly different").

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
    use super::groups;

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
}
