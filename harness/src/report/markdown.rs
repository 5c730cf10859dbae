//! The Markdown renderer: `results/<paper>.md` and the suite tables — claims table with the
//! paper-level lines, comparison tables, multi-method comparisons, rules and timings. Reads only
//! the model.

use super::content::{
    claims_note, claims_table, comparison_summary, comparison_table, comparison_table_of,
    faithfulness_search_table, multi_dataset_table, multi_summary, p_family_note, timing_table,
    tuned_baseline_note, tuned_baseline_table, TIMING_NOTE,
};
use super::model::PaperReport;
use super::multi::MultiComparisonRow;
use super::paper_level::PaperLevel;
use std::fmt::Write as _;

/// The Markdown report of one paper: claims table, comparison tables, rules, timings.
pub fn markdown(r: &PaperReport) -> String {
    let conf = r.confidence_percent();
    let mut s = String::new();
    let _ = writeln!(s, "# {}\n\n{}\n", r.paper, r.citation);
    let _ = writeln!(
        s,
        "Runs: {} planned, {} recorded, {} failed (diverged or error; counted as failures, never dropped).\n",
        r.planned_runs, r.recorded_runs, r.failed_runs
    );
    if !r.claims.is_empty() {
        let _ = writeln!(s, "## Claims\n");
        let _ = writeln!(s, "{}\n", claims_note(conf));
        s.push_str(&claims_table(r, conf).markdown());
        let _ = writeln!(s, "\n{}\n", p_family_note(r));
        s.push_str(&paper_level(&r.paper_level, r.confidence_percent()));
        s.push_str(&super::protocol::markdown(&r.protocols));
        let _ = writeln!(s, "How each verdict was reached (implied best-of-k: normal model / empirical, Dodge et al. 2019; ∞ = beyond every run):\n");
        for c in &r.claims {
            let _ = writeln!(s, "- `{}`: {}", c.id, c.assessment.note);
        }
        let _ = writeln!(s, "\nSources:\n");
        for c in &r.claims {
            let _ = writeln!(s, "- `{}`: {}", c.id, c.source);
        }
        let _ = writeln!(s, "\n**Rule.** {}\n", r.claim_rules);
    }
    for cmp in &r.comparisons {
        let a = &cmp.assessment;
        let _ = writeln!(s, "## Comparison `{}`: {}\n", cmp.id, cmp.description);
        let _ = writeln!(s, "Source: {}\n", cmp.source);
        s.push_str(&comparison_table(cmp, conf).markdown());
        let _ = writeln!(s, "\n{}", comparison_summary(a));
        let _ = writeln!(s, "\n**Verdict: {}.** {}\n", a.verdict_text(), a.note);
        if let (Some(t), Some(side)) = (&cmp.tuned, tuned_baseline_table(cmp)) {
            let _ = writeln!(
                s,
                "Against the tuned baseline ({}), side by side with the baseline as the paper configured it:\n",
                t.baseline
            );
            s.push_str(&side.markdown());
            let _ = writeln!(s, "\n{}\n", tuned_baseline_note(t));
            let _ = writeln!(s, "Per dataset, against the tuned baseline:\n");
            s.push_str(&comparison_table_of(&t.assessment, conf).markdown());
            let _ = writeln!(s, "\n{}\n", comparison_summary(&t.assessment));
        }
    }
    if !r.comparisons.is_empty() {
        let _ = writeln!(s, "**Rule.** {}\n", r.comparison_rules);
    }
    r.multi_comparisons
        .iter()
        .for_each(|m| s.push_str(&multi_comparison(m)));
    for t in &r.tradeoffs {
        let _ = writeln!(
            s,
            "## Trade-off `{}`: {}\n\n{} against {}, per variant: the runs' means with their {:.0}% t-intervals (beside: means).\n",
            t.id,
            t.title,
            t.y.name,
            t.x.name,
            t.confidence_percent
        );
        s.push_str(&super::tradeoff::table(t).markdown());
        s.push('\n');
    }
    if !r.timings.is_empty() {
        let _ = writeln!(s, "## Timing\n\n{TIMING_NOTE}\n");
        s.push_str(&timing_table(r).markdown());
    }
    s
}

/// The paper-level lines under the claims table (table test, faithfulness checks with their
/// searches, rules); `conf` = the confidence of the intervals, in percent.
pub fn paper_level(pl: &PaperLevel, conf: f64) -> String {
    let mut s = String::new();
    if let Some(t) = &pl.table {
        s += &format!(
            "\n**Paper level** — {}\n\n*Paper-level rule.* {}\n",
            t.summary, pl.rule
        );
    }
    for f in &pl.faithfulness {
        s += &format!(
            "\n**Faithfulness of `{}`** — {}\n",
            f.claim, f.result.summary
        );
        if let Some(t) = faithfulness_search_table(f, conf) {
            s += &format!(
                "\n*Faithfulness search of `{}`*: every variant tried as a reading of the authors' setup, against the same published runs.\n\n{}",
                f.claim,
                t.markdown()
            );
        }
    }
    if !pl.faithfulness.is_empty() {
        s += &format!("\n*Faithfulness rule.* {}\n", pl.faithfulness_rule);
    }
    s
}

/// The Markdown section of one multi-comparison.
pub fn multi_comparison(m: &MultiComparisonRow) -> String {
    let mut s = format!(
        "## Multi-method comparison `{}` ({}, {} is better, {})\n\nMethods: {}.\n\nSource: {}\n\nPer dataset (blocks = the splits every method has; ranks within each split, 1 = best):\n\n",
        m.id,
        m.metric,
        m.better,
        m.unit,
        m.methods.join("; "),
        m.source
    );
    s.push_str(&multi_dataset_table(m).markdown());
    let _ = writeln!(s, "\n{}\n", multi_summary(m));
    for r in &m.referenced {
        let _ = writeln!(s, "- Records read, not run: {r}.");
    }
    if !m.referenced.is_empty() {
        s.push('\n');
    }
    s
}
