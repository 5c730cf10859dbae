//! The paper-level rule in words, and the one-line summary of a table assessment.

use super::types::{TableAssessment, TableVerdict};
use crate::rules::Rules;

/// The rule of the paper-level verdict, with the default thresholds.
pub const PAPER_LEVEL_RULES: &str = "\
Paper-level verdict (defaults: alpha = 0.05, min_runs = 3 finite runs with a positive sd per \
claim, min_run_sets = 2). Each claim is placed on its own reproduced distribution with the claim \
verdicts' one-sided test read in the favourable direction (rounded claims at the least favourable \
value they round from; single-run/unknown as one fresh run, mean of m, best of m, printed SE as in \
the claim rule): p = P(T >= t), z = Phi^-1(1 - p); 'favourable' = the claim lies beyond its honest \
expected value (t > 0). Claims that share runs on either side (in the reports: the same variant \
and dataset, or the same printed number tested against two protocol variants) form one run set, \
which contributes the mean of its claims' z, each z first clipped to [-3, 3] (conservative for \
dependent claims; one claim moves Z by at most 3/sqrt(G)). Winsorized Stouffer: Z = sum of the \
run sets' z / sqrt(G x 0.99501), G = number of run sets, 0.99501 = the variance of a standard \
normal clipped to [-3, 3]; combined p = 1 - Phi(Z). \
UNINFORMATIVE if fewer than min_run_sets run sets hold a testable claim; otherwise TABLE LOOKS \
OPTIMISTIC if the combined p < alpha, else TABLE LOOKS HONEST. Optimism = the common shift of \
every claim, in run sd, that makes Z = 0, with the interval {delta : |Z(delta)| <= \
Phi^-1(1 - alpha/2)}; implied common k = the same for 'every claim is the best of k draws of what \
it reports'. The null includes 'the reproduction matches the paper's setup': a flag means the \
claims sit on the favourable side of these runs (selection, or a reproduction that falls short).";

fn num(x: f64) -> String {
    if x.is_infinite() {
        "∞".into()
    } else if x.abs() >= 100.0 {
        format!("{x:.0}")
    } else {
        format!("{x:.2}")
    }
}

fn pval(p: f64) -> String {
    if p < 1e-4 {
        format!("{p:.1e}")
    } else {
        format!("{p:.4}")
    }
}

/// The one-line summary of `a` (favourable/total, combined p, optimism, k, verdict).
pub(super) fn summary_line(a: &TableAssessment, min_sets: usize) -> String {
    let mut s = format!(
        "{}/{} claims on the favourable side",
        a.favourable, a.n_tested
    );
    if a.n_run_sets != a.n_tested {
        s += &format!(
            " ({} independent run set{})",
            a.n_run_sets,
            if a.n_run_sets == 1 { "" } else { "s" }
        );
    }
    if let Some(p) = a.p_value {
        s += &format!(
            "; combined p = {} (Stouffer Z = {})",
            pval(p),
            num(a.stouffer_z.unwrap_or(f64::NAN))
        );
    }
    let conf = format!("{:.0}%", 100.0 * (1.0 - a.alpha));
    if let Some(d) = a.optimism_sd {
        s += &format!("; optimism {} sd", num(d));
        if let Some((l, h)) = a.optimism_ci {
            s += &format!(" ({conf} CI [{}, {}])", num(l), num(h));
        }
    }
    if let Some(k) = a.implied_k {
        s += &format!("; implied common best-of-k {}", num(k));
        if let Some((l, h)) = a.implied_k_ci {
            s += &format!(" ({conf} CI [{}, {}])", num(l), num(h));
        }
    }
    if !a.excluded.is_empty() {
        s += &format!("; {} claim(s) not placed", a.excluded.len());
    }
    match a.verdict {
        TableVerdict::Uninformative => {
            s += &format!(
                ": uninformative — {} independent run set{}, fewer than {min_sets}; a single claim is one draw and its own verdict says what can be said",
                a.n_run_sets,
                if a.n_run_sets == 1 { "" } else { "s" }
            );
        }
        v => {
            s += &format!(
                ": {v} (combined p {} alpha = {})",
                if v == TableVerdict::LooksOptimistic {
                    "<"
                } else {
                    ">="
                },
                a.alpha
            )
        }
    }
    s
}

/// [`PAPER_LEVEL_RULES`] followed by the thresholds in force.
pub fn table_rules_text(rules: &Rules) -> String {
    format!(
        "{PAPER_LEVEL_RULES}\nIn force: alpha = {}, min_runs = {}, min_run_sets = {}.",
        rules.alpha, rules.min_runs, rules.min_run_sets
    )
}
