//! The text the renderers share: the claims, comparison, timing and multi-comparison tables as
//! format-neutral [`Table`]s, the sentences under them, and the cells built from one claim
//! (claimed value, flags, implied best-of-k, faithfulness suffix). Reads only the model.

use super::format::{f, interval, p};
use super::model::PaperReport;
use super::multi::MultiComparisonRow;
use super::paper_level::{FaithfulnessRow, PaperLevel};
use super::rows::{ClaimRow, ComparisonRow, TunedComparison};
use super::table::Table;
use repro_stats::faithfulness::FaithfulnessVerdict;
use repro_stats::verdict::{ClaimAssessment, ComparisonAssessment};
use std::fmt::Write as _;

/// The claimed value as printed: `value ± SE (SE)` when the paper gave a standard error, and the
/// resolution it is printed to when declared.
pub fn claimed_cell(c: &ClaimRow) -> String {
    let mut claimed = match c.claimed_standard_error {
        Some(se) => format!("{} ± {} (SE)", c.claimed_text(), c.claimed_se_text(se)),
        None => c.claimed_text(),
    };
    if let Some(r) = c.resolution.filter(|r| *r > 0.0) {
        claimed.push_str(&format!(
            " (printed to {r}; tested at {})",
            c.tested_text(r)
        ));
    }
    claimed
}

/// Every flag of a claim, in words: the seed-picking flag, beyond what seed selection
/// explains, atypical, failed runs.
pub fn claim_flags(c: &ClaimRow) -> Vec<String> {
    let a = &c.assessment;
    let mut v = a.flags();
    if a.n_failed > 0 {
        v.push(format!(
            "{} failed",
            crate::out::plural(a.n_failed, "run", "runs")
        ));
    }
    v
}

/// The implied best-of-k of a claim in words: "≈ 40 (normal) / ∞ (empirical)".
pub fn best_of_k_cell(a: &ClaimAssessment) -> String {
    let k = |v: Option<f64>| match v {
        Some(x) => repro_stats::bestofk::format_k(x),
        None => "—".into(),
    };
    match a.best_of_k_empirical {
        Some(_) => format!("{} / {}", k(a.best_of_k_normal), k(a.best_of_k_empirical)),
        None => k(a.best_of_k_normal),
    }
}

/// The claims table: each claim against its runs (Markdown and HTML).
pub fn claims_table(r: &PaperReport, conf: f64) -> Table {
    let ci = format!("{conf:.0}% t-interval");
    let mut t = Table::new(&[
        "claim",
        "variant",
        "dataset",
        "metric",
        "claimed",
        "tested at",
        "n (failed)",
        "mean ± SE (sd)",
        &ci,
        "claim percentile",
        "p (adj.)",
        "implied best-of-k (normal / empirical)",
        "verdict",
        "flags",
    ]);
    t.bold = Some(12);
    t.anchor = Some("claim-");
    for c in &r.claims {
        let a = &c.assessment;
        let tested = match c.resolution.filter(|x| *x > 0.0) {
            Some(res) => format!("{} (printed to {res})", c.tested_text(res)),
            None => "as printed".into(),
        };
        let mean = match a.mean {
            None => "no finite run".into(),
            Some(_) if a.sd.is_none() => f(a.mean),
            Some(_) => format!("{} ± {} ({})", f(a.mean), f(c.standard_error()), f(a.sd)),
        };
        let flags = claim_flags(c);
        t.rows.push(vec![
            c.id.clone(),
            c.variant.clone(),
            c.dataset.clone(),
            c.metric.clone(),
            match c.claimed_standard_error {
                Some(se) => format!("{} ± {} (SE)", c.claimed_text(), c.claimed_se_text(se)),
                None => c.claimed_text(),
            },
            tested,
            format!("{} ({})", a.n_runs, a.n_failed),
            mean,
            interval(a.t_ci),
            a.percentile
                .map(|x| format!("{x:.0}%"))
                .unwrap_or_else(|| "—".into()),
            p(a.p_adjusted),
            best_of_k_cell(a),
            format!(
                "{}{}",
                a.verdict_text(),
                verdict_suffix(&r.paper_level, &c.id)
            ),
            if flags.is_empty() {
                "none".into()
            } else {
                flags.join("; ")
            },
        ]);
    }
    super::protocol::add_column(&mut t, &r.protocols, &r.claims);
    t
}

/// The per-dataset table of one comparison (every format).
pub fn comparison_table(cmp: &ComparisonRow, conf: f64) -> Table {
    comparison_table_of(&cmp.assessment, conf)
}

/// The per-dataset table of one assessment (the comparison's, or its assessment against the
/// tuned baseline).
pub fn comparison_table_of(a: &ComparisonAssessment, conf: f64) -> Table {
    let ci = format!("{conf:.0}% CI");
    let mut t = Table::new(&[
        "dataset",
        "reported",
        "n (method/baseline)",
        "effect (positive = method better)",
        &ci,
        "p",
        "outcome",
    ]);
    for d in &a.per_dataset {
        t.rows.push(vec![
            d.name.clone(),
            if d.reported { "yes" } else { "held out" }.into(),
            format!("{}/{}", d.n_method, d.n_baseline),
            f(d.effect),
            interval(d.ci),
            p(d.p_value),
            d.outcome.to_string(),
        ]);
    }
    t
}

/// The comparison's verdict against the baseline as the paper configured it and against the
/// tuned baseline, side by side (every format): baseline, wins/ties/losses, mean effect over
/// the usable datasets, Wilcoxon p, verdict. `None` without a tuned baseline.
pub fn tuned_baseline_table(cmp: &ComparisonRow) -> Option<Table> {
    let tuned = cmp.tuned.as_ref()?;
    let mut t = Table::new(&[
        "baseline",
        "wins/ties/losses",
        "mean effect (positive = method better)",
        "Wilcoxon p",
        "verdict",
    ]);
    t.bold = Some(4);
    for (label, a) in [
        ("as the paper configured it".to_string(), &cmp.assessment),
        (format!("tuned: {}", tuned.baseline), &tuned.assessment),
    ] {
        let effects: Vec<f64> = a
            .per_dataset
            .iter()
            .filter_map(|d| d.effect)
            .filter(|e| e.is_finite())
            .collect();
        let mean_effect = repro_stats::summary::mean(&effects);
        t.rows.push(vec![
            label,
            format!("{}/{}/{}", a.wins, a.ties, a.losses),
            f(mean_effect),
            p(a.wilcoxon.as_ref().map(|w| w.p_value)),
            a.verdict_text(),
        ]);
    }
    Some(t)
}

/// The tuned baseline's budget, search cost and the reading of the two verdicts, as one
/// paragraph (every format).
pub fn tuned_baseline_note(t: &TunedComparison) -> String {
    let mut s = format!("Tuning budget of the tuned baseline: {}.", t.budget);
    if let Some(c) = &t.search_cost {
        let _ = write!(
            s,
            " Search cost: {} {} per run ({}, mean over {} runs).",
            repro_stats::describe::fmt_sig(c.mean, 3),
            c.unit,
            c.metric,
            c.runs
        );
    }
    let _ = write!(
        s,
        " Reading: {}{}.",
        if t.reading.flags() { "FLAG: " } else { "" },
        t.reading
    );
    s
}

/// Wins/ties/losses, the Wilcoxon test and the selection test of a comparison, as sentences.
pub fn comparison_summary(a: &ComparisonAssessment) -> String {
    let mut s = format!("Wins/ties/losses: {}/{}/{}.", a.wins, a.ties, a.losses);
    if let Some(w) = &a.wilcoxon {
        let _ = write!(
            s,
            "\nWilcoxon signed-rank over datasets: statistic {}, R+ {}, R− {}, n {}, p = {}.",
            f(Some(w.statistic)),
            f(Some(w.r_plus)),
            f(Some(w.r_minus)),
            w.n,
            p(Some(w.p_value))
        );
    }
    if let Some(sel) = &a.selection {
        let _ = write!(
            s,
            "\nDataset selection: reported mean effect {} vs all {} (held out {}); p = {} ({}, {} subsets).",
            f(Some(sel.reported_mean_effect)),
            f(Some(sel.all_mean_effect)),
            f(sel.heldout_mean_effect),
            p(Some(sel.p_value)),
            if sel.exact { "exact" } else { "Monte Carlo" },
            sel.n_subsets
        );
    }
    s
}

/// Seconds per run and per (variant, dataset) cell (every format).
pub fn timing_table(r: &PaperReport) -> Table {
    let mut t = Table::new(&[
        "variant",
        "dataset",
        "runs",
        "wall s/run",
        "train s/run",
        "total wall s",
    ]);
    for x in &r.timings {
        t.rows.push(vec![
            x.variant.clone(),
            x.dataset.clone(),
            x.runs.to_string(),
            format!("{:.2}", x.mean_wall_seconds),
            format!("{:.2}", x.mean_train_seconds),
            format!("{:.0}", x.mean_wall_seconds * x.runs as f64),
        ]);
    }
    t
}

/// The faithfulness search of one claim as a table (Markdown, HTML, LaTeX): per variant tried,
/// its runs (n, failed), mean ± sd, the difference of means from the published runs with its
/// Welch interval, the Welch and Mann–Whitney p-values, the faithfulness p Holm-adjusted across
/// the variants, and the verdict. `None` when the claim has no search.
pub fn faithfulness_search_table(row: &FaithfulnessRow, conf: f64) -> Option<Table> {
    if row.search.is_empty() {
        return None;
    }
    let ci = format!("reproduction − published ({conf:.0}% Welch interval)");
    let holm = format!("p (Holm over {} variants)", row.search.len());
    let mut t = Table::new(&[
        "variant",
        "n (failed)",
        "mean ± sd",
        &ci,
        "Welch p",
        "Mann–Whitney p",
        &holm,
        "verdict",
    ]);
    t.bold = Some(7);
    for c in &row.search {
        let r = &c.result;
        t.rows.push(vec![
            c.variant.clone(),
            format!("{} ({})", r.n_reproduced, r.n_failed),
            match (r.mean_reproduced, r.sd_reproduced) {
                (Some(m), Some(s)) => format!("{} ± {}", f(Some(m)), f(Some(s))),
                (m, _) => f(m),
            },
            match &r.welch {
                Some(w) => format!("{} {}", f(Some(w.estimate)), interval(Some(w.ci))),
                None => "—".into(),
            },
            p(r.welch.as_ref().map(|w| w.p_value)),
            p(r.mann_whitney.as_ref().map(|u| u.p_value)),
            p(c.p_adjusted),
            c.verdict.to_string(),
        ]);
    }
    Some(t)
}

/// Which family the adjusted p-values belong to, as a sentence.
pub fn p_family_note(r: &PaperReport) -> String {
    format!(
        "p (adj.): one-sided p-value of each claim, adjusted by {}.",
        r.p_family
    )
}

/// How the timing table is to be read.
pub const TIMING_NOTE: &str = "Seconds of one run as recorded (one thread per run; other runs may have shared the machine). Total = the sum over the runs, i.e. CPU-seconds of the cell, not the wall time of a parallel invocation.";

/// What the claims table compares.
pub fn claims_note(conf: f64) -> String {
    format!("Each row compares the runs' mean ± its standard error (SE = sd/√n over the n finite runs; sd in brackets) with the claimed value ± the standard error the paper printed, if any. The t-interval is the {conf:.0}% interval of the runs' mean; the test behind p is given under the table.")
}

/// `; <faithfulness verdict>` for the claims table's verdict cell, or empty. The faithfulness
/// verdict is named as such when it is "inconclusive", so that a claim without runs reads
/// `inconclusive; faithfulness to the authors' runs inconclusive`, not the same word twice.
pub fn verdict_suffix(pl: &PaperLevel, id: &str) -> String {
    pl.faithfulness_of(id)
        .map(|f| faithfulness_suffix(f.verdict))
        .unwrap_or_default()
}

/// The verdict-cell suffix of one faithfulness verdict (see [`verdict_suffix`]).
fn faithfulness_suffix(v: FaithfulnessVerdict) -> String {
    match v {
        FaithfulnessVerdict::Inconclusive => {
            "; faithfulness to the authors' runs inconclusive".into()
        }
        other => format!("; {other}"),
    }
}

/// The per-dataset table: each method's mean (and failed runs), the split-level Friedman test
/// and the methods' average ranks over the splits.
pub fn multi_dataset_table(m: &MultiComparisonRow) -> Table {
    let mut header: Vec<String> = vec!["dataset".into()];
    for l in &m.methods {
        header.push(format!("{l}: mean (avg rank)"));
    }
    header.extend([
        "splits".into(),
        "Friedman χ²_F".into(),
        "Iman–Davenport F_F".into(),
        "p (F_F)".into(),
        "Nemenyi CD".into(),
    ]);
    let h: Vec<&str> = header.iter().map(String::as_str).collect();
    let mut t = Table::new(&h);
    for d in &m.per_dataset {
        let mut row = vec![d.dataset.clone()];
        for i in 0..m.methods.len() {
            let rank = d
                .friedman
                .as_ref()
                .map_or("–".to_string(), |r| format!("{:.2}", r.average_ranks[i]));
            let fail = if d.failed[i] > 0 {
                format!(", {} failed", d.failed[i])
            } else {
                String::new()
            };
            row.push(format!("{} ({rank}{fail})", f(d.means[i])));
        }
        row.push(d.common_seeds.to_string());
        match &d.friedman {
            Some(r) => row.extend([
                f(Some(r.chi2_demsar)),
                f(Some(r.ff_demsar)),
                p(Some(r.p_ff_demsar)),
                d.cd.map_or("–".into(), |c| format!("{:.3}", c.cd_computed)),
            ]),
            None => row.extend(["–".into(), "–".into(), "–".into(), "–".into()]),
        }
        t.rows.push(row);
    }
    t
}

/// The across-datasets result of a multi-comparison as sentences (average ranks, Friedman/Iman–Davenport, CD, pairs).
pub fn multi_summary(m: &MultiComparisonRow) -> String {
    let Some(a) = &m.across else {
        return "Across datasets: fewer than 2 datasets with runs of every method; no test.".into();
    };
    let r = &a.friedman;
    let ranks: Vec<String> = m
        .methods
        .iter()
        .zip(&r.average_ranks)
        .map(|(l, x)| format!("{l} {x:.3}"))
        .collect();
    let mut s = format!(
        "Across {} datasets ({}), ranking the methods' means ({} is better; a method with a failed run on a dataset ranks last there): average ranks {}.\n\
         Friedman χ²_F = {} (p = {}), Iman–Davenport F_F = {} with ({}, {}) df (p = {}); tie-corrected χ² = {} (p = {}).\n\
         Nemenyi critical difference at α = {}: CD = {:.3} (q = {:.3}; Demšar's table: {:.3}).",
        a.datasets.len(),
        a.datasets.join(", "),
        m.better,
        ranks.join(", "),
        f(Some(r.chi2_demsar)),
        p(Some(r.p_demsar)),
        f(Some(r.ff_demsar)),
        r.k - 1,
        (r.k - 1) * (r.n - 1),
        p(Some(r.p_ff_demsar)),
        f(Some(r.chi2_scipy)),
        p(Some(r.p_scipy)),
        m.alpha,
        a.cd.cd_computed,
        a.cd.q_computed,
        a.cd.cd_table,
    );
    for pr in &a.pairs {
        let _ = write!(
            s,
            "\n- {} vs {}: rank difference {:.3} {} CD, Nemenyi p = {}{}",
            m.methods[pr.a],
            m.methods[pr.b],
            pr.rank_difference,
            if pr.significant { ">" } else { "≤" },
            p(Some(pr.p_value)),
            if pr.significant {
                " (significantly different)"
            } else {
                ""
            }
        );
    }
    let rejected = r.p_ff_demsar < m.alpha;
    let _ = write!(
        s,
        "\n{}",
        if rejected {
            "The Friedman/Iman–Davenport test rejects equal performance; the pairs above beyond the CD differ (Nemenyi)."
        } else {
            "The Friedman/Iman–Davenport test does not reject equal performance of the methods (post-hoc pairs shown for completeness)."
        }
    );
    s
}

#[cfg(test)]
mod tests {
    use super::faithfulness_suffix;
    use repro_stats::faithfulness::FaithfulnessVerdict;

    #[test]
    fn an_inconclusive_faithfulness_verdict_is_named_not_repeated() {
        assert_eq!(
            faithfulness_suffix(FaithfulnessVerdict::Inconclusive),
            "; faithfulness to the authors' runs inconclusive"
        );
        assert_eq!(
            faithfulness_suffix(FaithfulnessVerdict::Matches),
            "; reproduction matches the authors' runs"
        );
    }
}
