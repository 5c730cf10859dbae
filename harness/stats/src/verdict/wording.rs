//! The verdict rules in words: printed under every verdict table, with the thresholds in force.

use crate::rules::Rules;

/// The claim rule in words, with the default thresholds (see [`claim_rules_text`] for the
/// thresholds actually in force).
pub const CLAIM_RULES: &str = "\
Claim verdicts (defaults: alpha = 0.05, Holm across the paper's claims, min_runs = 3, failed share <= 25%, \
CI half-width <= 0.5 x |claim|, best-of-k flag <= 100, practical margin = the metric's declared margin \
or 1% of |claim|, power 0.8, atypical at the 90th percentile). Values are oriented so that 'worse' follows \
the metric's direction. A claim printed to a limited resolution (e.g. '32%') is tested at the \
value within half a step of it that is least favourable to rejection (0.315). Failed runs are kept: they count in n_runs and as the worst values in the \
percentile, and are excluded only from the mean, SD and intervals. \
Test: one-sided t-test of H0 'the runs' expected value is at least as good as the claim'. The \
claim's own noise is included: single-run or unknown claims are compared like one fresh run \
(t = (mean - claim)/(s*sqrt(1 + 1/n)), df = n-1, a prediction interval); mean-of-m claims use \
s*sqrt(1/n + 1/m); best-of-m claims are compared with the expected best of m runs, \
mean + s*e_m (normal model), with variance s^2(1/n + v_m); a printed standard error SE replaces \
the claim's variance by SE^2 with Welch-Satterthwaite df (df of the claim = m-1 for mean-of-m, \
infinite otherwise). Rules, in order: \
(1) INCONCLUSIVE if fewer than min_runs finite runs; \
(2) NOT REPRODUCED if the adjusted p-value < alpha; \
(3) NOT REPRODUCED if more than max_failed_share of the runs failed; \
(4) INCONCLUSIVE if the t-interval half-width exceeds max_relative_half_width x |claim|; \
(5) BETTER THAN CLAIMED if the two-sided (1-alpha) interval of (runs - claim) from the same test \
lies entirely on the better side (for a rounded claim: beyond the most favourable value it rounds \
from); \
(6) REPRODUCED if the claim is not rejected AND the runs positively support it: the lower end of \
that interval lies above -margin (a shortfall of the practical margin is excluded) AND the test had \
power >= 0.8 to detect a shortfall of the margin (noncentral t at n and s, with the claim's own \
variance: the one-sample power at the gap margin/sqrt(1 + n*c), c = 1 single run, 1/m mean of m, \
v_m best of m, SE^2/s^2 printed SE); \
(7) otherwise CONSISTENT, UNDERPOWERED: not rejected is not reproduced; the verdict gives the number \
of seeds at which that power would be reached, or says that no number does (a single-run claim's own \
noise bounds the power: a margin under ~2.5 run SDs is never resolved). \
'Atypical: beyond X% of runs' is flagged on a claim that was not rejected (>= 5 runs) when the claim \
beats or ties at least 90% of the runs. \
'Looks like best of ~k' is flagged when the verdict is NOT REPRODUCED by rule (2), the claim is not \
declared best-of-m, the claim lies beyond the runs' mean, and the normal-model implied k (the \
smallest integer k with mean + s*e_k >= claim) is between 2 and max_best_of_k; k is that integer. \
Beyond max_best_of_k (or not attainable) the same conditions raise a separate flag, 'beyond what \
seed selection explains: protocol or report differs' (no plausible selection of seeds produces the \
claim), so a more extreme claim is never less suspicious than a milder one. \
For a claim declared as the mean of m runs, k counts whole experiments of m runs (the best of k \
means): s is replaced by s/sqrt(m) and the empirical k is not computed. \
Because the flag needs a significant rejection of the honest claim, honest claims are flagged at \
most at rate alpha. The empirical implied k (Dodge et al. 2019) is reported beside it; it is \
infinite when the claim exceeds every run, which is common for a best-of-30 claim with few seeds.";

/// The comparison rule in words, with the default thresholds.
pub const COMPARISON_RULES: &str = "\
Comparison verdicts (defaults: alpha = 0.05, min_runs = 3 finite runs per arm, failed share <= 25%, \
practical margin 1% of |baseline mean| unless the metric declares one, power 0.8). \
Per dataset: effect = mean(method) - mean(baseline), sign flipped when lower is better so that \
positive = method better; (1-alpha) CI and two-sided p from Welch's t-test (paired t-test on the \
per-index differences when runs are paired). WIN if the CI lies above 0, LOSS if below, TIE \
otherwise (no multiplicity correction for the counts); an arm whose failed share exceeds \
max_failed_share and is larger than the other arm's loses that dataset. A dataset is usable if both \
arms have at least min_runs finite runs (pairs when paired); unusable datasets are reported as ties \
and excluded from the tests below. Across usable datasets: Wilcoxon signed-rank test of the \
per-dataset effects (SciPy defaults: two-sided, zero_method wilcox, method auto) and, when some but \
not all datasets were reported, the subset-selection permutation test (exact when C(m,s) <= \
100,000, else 20,000 Monte Carlo draws) of the reported datasets' mean effect. Rules, in order: \
(1) INCONCLUSIVE if fewer than 2 usable datasets; \
(2) ONLY ON REPORTED DATASETS if there are reported and held-out usable datasets, the reported \
ones win more often than they lose, and the held-out ones do not win more often than they lose; \
(3) if the Wilcoxon test can reach alpha (2/2^m <= alpha, i.e. m >= 6 datasets at 0.05): \
GENERALIZES if its p < alpha with R+ > R- and wins >= losses on the held-out datasets (on all \
datasets when none is held out); otherwise NO EFFECT if every usable dataset is equivalent (its \
effect interval lies inside +- the practical margin: the metric's declared margin, else 1% of \
|baseline mean|), else NOT SHOWN; \
(4) with fewer datasets: GENERALIZES if every usable dataset is a win, NO EFFECT if every usable \
dataset is equivalent, NOT SHOWN if there is no win and at least one loss, otherwise INCONCLUSIVE. \
'No effect' asserts absence and needs that equivalence; 'not shown' says the evidence does not \
decide at this n, with the runs per arm at which every tied, non-equivalent dataset would detect an \
effect of the margin with power 0.8 (two-sided t-test; the largest over those datasets). \
Whatever the verdict, 'reported subset favourable' is flagged when the selection test gives \
p < alpha: the reported datasets' mean effect is larger than that of a random subset of the same \
size, i.e. the paper's choice of datasets overstates the effect even where it holds.";

/// [`CLAIM_RULES`] followed by the thresholds actually in force.
pub fn claim_rules_text(rules: &Rules) -> String {
    format!(
        "{CLAIM_RULES}\nIn force: alpha = {}, correction = {:?}, min_runs = {}, max_failed_share = {}, \
         max_relative_half_width = {}, max_best_of_k = {}, relative_margin = {}, power = {}, \
         atypical_percentile = {}, bootstrap resamples = {}, seed = {}.",
        rules.alpha,
        rules.correction,
        rules.min_runs,
        rules.max_failed_share,
        rules.max_relative_half_width,
        rules.max_best_of_k,
        rules.relative_margin,
        rules.power,
        rules.atypical_percentile,
        rules.bootstrap_resamples,
        rules.seed
    )
}

/// [`COMPARISON_RULES`] followed by the thresholds actually in force.
pub fn comparison_rules_text(rules: &Rules) -> String {
    format!(
        "{COMPARISON_RULES}\nIn force: alpha = {}, min_runs = {}, max_failed_share = {}, relative_margin = {}, \
         power = {}, seed = {}.",
        rules.alpha, rules.min_runs, rules.max_failed_share, rules.relative_margin, rules.power, rules.seed
    )
}
