//! Rendering of audit results: the Markdown tables of `harness audit claim|comparison` and the
//! pretty JSON of every `harness audit` / `harness stats` answer (non-finite numbers written as
//! `"NaN"`, `"Infinity"`, `"-Infinity"`).

use super::procedures::to_json;
use crate::out::Console;
use repro_stats::describe::fmt_sig;
use repro_stats::error::{Result, StatsError};
use repro_stats::verdict::{
    claim_rules_text, comparison_rules_text, ClaimAssessment, ComparisonAssessment, Rules,
};

fn o(v: Option<f64>) -> String {
    v.map(|x| fmt_sig(x, 4)).unwrap_or_else(|| "–".into())
}
fn oi(v: Option<(f64, f64)>) -> String {
    v.map(|(a, b)| format!("[{}, {}]", fmt_sig(a, 4), fmt_sig(b, 4)))
        .unwrap_or_else(|| "–".into())
}
fn ok(v: Option<f64>) -> String {
    match v {
        Some(x) if x.is_infinite() => "not attainable".into(),
        Some(x) => repro_stats::bestofk::format_k(x),
        None => "–".into(),
    }
}

/// The flags of a claim, as `harness report` shows them: the seed-picking flag, beyond what
/// seed selection explains, atypical, and the failed runs ("" for none).
pub fn claim_flags(c: &ClaimAssessment) -> String {
    let mut v = c.flags();
    if c.n_failed > 0 {
        v.push(format!(
            "{} failed",
            crate::out::plural(c.n_failed, "run", "runs")
        ));
    }
    v.join("; ")
}

/// The compact claim table for a terminal, in the style of `harness report`
/// (`crate::report::terminal`): claim, claimed, reproduced mean ± SE, n, p adj., verdict, flags,
/// as a [`Grid`] fitted to `console.width` and coloured when `console.colour`; then each
/// verdict's note, wrapped to the width, and where the rest is. The full table (intervals,
/// best-of-k, percentile) and the rules are in `--plain` (Markdown) and `--json`.
pub fn claims_terminal(a: &[ClaimAssessment], rules: &Rules, console: &Console) -> String {
    use crate::report::format::claim_number;
    use crate::report::terminal::{claim_cells, claims_grid};
    let mut g = claims_grid();
    for c in a {
        g.push(claim_cells(
            &c.id,
            c,
            claim_number(c.claimed, None),
            claim_flags(c),
        ));
    }
    let mut s = g.render(console.width, console.colour);
    s += &console.wrap(&format!(
        "  p adj. = one-sided p at alpha {}, {} over {}",
        rules.effective_alpha(),
        match rules.correction {
            repro_stats::verdict::Correction::Holm => "Holm",
            repro_stats::verdict::Correction::BenjaminiHochberg => "Benjamini–Hochberg",
            repro_stats::verdict::Correction::None => "no correction",
        },
        crate::out::plural(a.len(), "claim", "claims")
    ));
    s += "\n\n";
    for c in a {
        s += &console.wrap(&format!("{}: {}. {}", c.id, c.verdict, c.note));
        s += "\n";
    }
    s + "\nIntervals, best-of-k and the rules: add --plain (Markdown) or --json.\n"
}

/// Markdown table of claim assessments (with a flags column), followed by the verdicts and the
/// rule text.
pub fn claims_markdown(a: &[ClaimAssessment], rules: &Rules) -> String {
    let conf = fmt_sig(100.0 * (1.0 - rules.alpha), 3);
    let mut s = format!(
        "| claim | claimed | runs | failed | mean | sd | {conf}% t-CI | {conf}% bootstrap CI | min | median | max | percentile | p | p adj. | best-of-k (normal) | best-of-k (empirical) | verdict | flags |\n|---|---|---|---|---|---|---|---|---|---|---|---|---|---|---|---|---|---|\n"
    );
    for c in a {
        s += &format!(
            "| {} | {} | {} | {} | {} | {} | {} | {} | {} | {} | {} | {} | {} | {} | {} | {} | {} | {} |\n",
            c.id,
            fmt_sig(c.claimed, 4),
            c.n_runs,
            c.n_failed,
            o(c.mean),
            o(c.sd),
            oi(c.t_ci),
            oi(c.bootstrap_ci),
            o(c.min),
            o(c.median),
            o(c.max),
            c.percentile.map(|p| format!("{p:.0}%")).unwrap_or_else(|| "–".into()),
            o(c.p_value),
            o(c.p_adjusted),
            ok(c.best_of_k_normal),
            ok(c.best_of_k_empirical),
            c.verdict,
            claim_flags(c)
        );
    }
    s += "\n";
    for c in a {
        s += &format!("**{}: {}**", c.id, c.verdict);
        s += &format!(". {}\n", c.note);
    }
    s + "\nRule: " + &claim_rules_text(rules) + "\n"
}

/// Markdown table of a comparison assessment, followed by the verdict and the rule text.
pub fn comparison_markdown(a: &ComparisonAssessment, rules: &Rules) -> String {
    let conf = fmt_sig(100.0 * (1.0 - rules.alpha), 3);
    let mut s = format!(
        "| dataset | reported | n method | n baseline | effect | {conf}% CI | p | outcome |\n|---|---|---|---|---|---|---|---|\n"
    );
    for d in &a.per_dataset {
        s += &format!(
            "| {} | {} | {} | {} | {} | {} | {} | {} |\n",
            d.name,
            if d.reported { "yes" } else { "no" },
            d.n_method,
            d.n_baseline,
            o(d.effect),
            oi(d.ci),
            o(d.p_value),
            d.outcome
        );
    }
    s += &format!(
        "\nWins / ties / losses: {} / {} / {}\n",
        a.wins, a.ties, a.losses
    );
    if let Some(w) = &a.wilcoxon {
        s += &format!(
            "Wilcoxon signed-rank over datasets: statistic {}, p = {} ({:?}, n = {})\n",
            fmt_sig(w.statistic, 4),
            fmt_sig(w.p_value, 3),
            w.method,
            w.n
        );
    }
    if let Some(sel) = &a.selection {
        s += &format!(
            "Subset selection: reported mean effect {} vs all {}; p = {} ({})\n",
            fmt_sig(sel.reported_mean_effect, 4),
            fmt_sig(sel.all_mean_effect, 4),
            fmt_sig(sel.p_value, 3),
            if sel.exact {
                "exact enumeration"
            } else {
                "Monte Carlo"
            }
        );
    }
    s += &format!("\n**{}: {}**. {}\n", a.id, a.verdict, a.note);
    s + "\nRule: " + &comparison_rules_text(rules) + "\n"
}

/// `v` as pretty JSON through [`to_json`] (non-finite numbers as strings).
pub(crate) fn to_pretty<T: serde::Serialize>(v: &T) -> Result<String> {
    serde_json::to_string_pretty(&to_json(v))
        .map_err(|e| StatsError::Input(format!("cannot serialise output: {e}")))
}
