//! Protocol attribution in the reports: for each claim whose metric declares other protocols of
//! the same quantity (`protocol` / `same_quantity_as` under `[metrics]`), which protocols the
//! claim is consistent with ([`repro_stats::protocol::attribute`]) — e.g. "matches selection of
//! the epoch on the test set; rejected under the final-epoch protocol".
//!
//! The model part ([`build`], [`ProtocolRow`]) and the small pieces each renderer prints: a
//! column of the claims table ([`add_column`], Markdown and HTML), a section with one line per
//! claim and a table of the fits ([`markdown`], [`html`], [`latex`]), a CSV column
//! ([`csv_cells`]) and a short terminal line per claim ([`terminal_lines`]). Papers without a
//! declared protocol group print nothing of it, so their reports are unchanged.

use super::format::{escape, f, latex_escape, p};
use super::rows::{direction, Cells, ClaimRow};
use super::table::Table;
use crate::config::{protocol_group, LoadedPaper};
use repro_stats::protocol::{
    attribute, Protocol, ProtocolAttribution, ProtocolFit, ProtocolSample, PROTOCOL_RULE,
};
use repro_stats::verdict::{Claim, Outcome, ReportedAs, Rules};
use serde::Serialize;
use std::fmt::Write as _;

/// One claim's protocol attribution.
#[derive(Debug, Clone, Serialize)]
pub struct ProtocolRow {
    /// Claim id within the paper.
    pub claim: String,
    /// The claim's metric.
    pub metric: String,
    /// The statistics: one fit per protocol and the protocols the claim is consistent with.
    pub attribution: ProtocolAttribution,
    /// The attribution in words ("matches …; rejected under …").
    pub summary: String,
}

/// The attributions of `paper`'s claims that have runs in `cells` and whose metric belongs to a
/// declared protocol group of at least two metrics (config order), under `rules`.
pub fn build(paper: &LoadedPaper, cells: &Cells, rules: &Rules) -> Vec<ProtocolRow> {
    let mut out = Vec::new();
    for c in &paper.config.claims {
        let metric = c.metric.get_ref();
        let group = protocol_group(&paper.config, metric);
        let key = (
            paper.id().to_string(),
            c.variant.get_ref().clone(),
            c.dataset.get_ref().clone(),
        );
        let (false, Some(cell)) = (group.is_empty(), cells.get(&key)) else {
            continue;
        };
        let samples: Vec<ProtocolSample> = group
            .iter()
            .map(|(protocol, m)| ProtocolSample {
                protocol: *protocol,
                metric: m.clone(),
                runs: cell
                    .values()
                    .map(|r| r.metric(m).map_or(Outcome::Failed, Outcome::Value))
                    .collect(),
            })
            .collect();
        let claim = Claim {
            id: c.id.clone(),
            value: c.value,
            standard_error: c.standard_error,
            direction: direction(paper.config.metrics[metric].better),
            reported_as: c.reported_as,
            resolution: c.resolution,
            margin: paper.config.metrics[metric].margin,
        };
        let attribution = attribute(&claim, &samples, rules);
        out.push(ProtocolRow {
            claim: c.id.clone(),
            metric: metric.clone(),
            summary: summary(&attribution, c.reported_as),
            attribution,
        });
    }
    out
}

/// A protocol's name in a sentence; best of k seeds with its k when it was tested at that k.
fn phrase(fit: &ProtocolFit) -> String {
    match (fit.protocol, fit.k) {
        (Protocol::BestOfKSeeds, Some(k)) if fit.p_value.is_some() => {
            format!("selection of the best of {k} seeds on the test set")
        }
        (pr, _) => pr.phrase().to_string(),
    }
}

/// A protocol's short name; best of k seeds with its k when it was tested at that k.
fn short(fit: &ProtocolFit) -> String {
    match (fit.protocol, fit.k) {
        (Protocol::BestOfKSeeds, Some(k)) if fit.p_value.is_some() => format!("best of {k} seeds"),
        (pr, _) => pr.short().to_string(),
    }
}

/// A fit that says nothing: the derived best of k seeds when the claim needs no selection.
fn silent(fit: &ProtocolFit) -> bool {
    fit.protocol == Protocol::BestOfKSeeds && fit.consistent.is_none()
}

/// `a, b and c`.
fn and_list(items: &[String]) -> String {
    match items {
        [] => String::new(),
        [one] => one.clone(),
        [head @ .., last] => format!("{} and {last}", head.join(", ")),
    }
}

/// "matches selection of the epoch on the test set (p = 0.62); rejected under the final-epoch
/// protocol (p = 0.0030)", with the untested protocols and why; prefixed with the claim's
/// declared model ("each protocol read as the best of 30 runs, as declared: ") when it is a
/// best or a mean of m runs.
pub fn summary(a: &ProtocolAttribution, model: ReportedAs) -> String {
    let list = |want: Option<bool>| -> Vec<String> {
        a.fits
            .iter()
            .filter(|x| x.consistent == want && !silent(x))
            .map(|x| match x.p_value {
                Some(pv) => format!("{} (p = {})", phrase(x), p(Some(pv))),
                None => format!("{} ({})", phrase(x), x.note),
            })
            .collect()
    };
    let (yes, no, untested) = (list(Some(true)), list(Some(false)), list(None));
    let mut parts = Vec::new();
    parts.push(if yes.is_empty() {
        "matches none of the recorded protocols".to_string()
    } else {
        format!("matches {}", and_list(&yes))
    });
    if !no.is_empty() {
        parts.push(format!("rejected under {}", and_list(&no)));
    }
    if !untested.is_empty() {
        parts.push(format!("untested under {}", and_list(&untested)));
    }
    let declared = match model {
        ReportedAs::BestOf { n } => {
            format!("each protocol read as the best of {n} runs, as declared: ")
        }
        ReportedAs::MeanOf { n } => {
            format!("each protocol read as a mean of {n} runs, as declared: ")
        }
        ReportedAs::SingleRun | ReportedAs::Unknown => String::new(),
    };
    format!("{declared}{}", parts.join("; "))
}

/// The claims-table cell of one claim: the protocols it matches (short names), `none`, or `—`
/// for a claim without a protocol group.
fn cell(rows: &[ProtocolRow], claim: &str) -> String {
    let Some(row) = rows.iter().find(|x| x.claim == claim) else {
        return "—".into();
    };
    let yes: Vec<String> = row
        .attribution
        .fits
        .iter()
        .filter(|x| x.consistent == Some(true))
        .map(short)
        .collect();
    if yes.is_empty() {
        "none".into()
    } else {
        yes.join(", ")
    }
}

/// Appends the column "matches protocol" to the claims table `t` (one row per claim of
/// `claims`) when `rows` holds an attribution (the table is unchanged otherwise).
pub fn add_column(t: &mut Table, rows: &[ProtocolRow], claims: &[ClaimRow]) {
    if rows.is_empty() {
        return;
    }
    t.header.push("matches protocol".into());
    for (row, c) in t.rows.iter_mut().zip(claims) {
        row.push(cell(rows, &c.id));
    }
}

/// The CSV column `protocol_attribution` (the summary sentence, empty for a claim without a
/// protocol group), one cell per claim of `claims`; `None` when `rows` is empty.
pub fn csv_cells(rows: &[ProtocolRow], claims: &[ClaimRow]) -> Option<Vec<String>> {
    if rows.is_empty() {
        return None;
    }
    Some(
        claims
            .iter()
            .map(|c| {
                rows.iter()
                    .find(|x| x.claim == c.id)
                    .map_or(String::new(), |x| x.summary.clone())
            })
            .collect(),
    )
}

/// The fits of every attribution as a table: claim, protocol, metric, runs, mean ± sd,
/// two-sided p, matches.
fn fits_table(rows: &[ProtocolRow]) -> Table {
    let mut t = Table::new(&[
        "claim",
        "protocol",
        "metric",
        "n",
        "mean (sd)",
        "p (two-sided)",
        "matches",
    ]);
    for row in rows {
        for x in &row.attribution.fits {
            t.rows.push(vec![
                row.claim.clone(),
                short(x),
                x.metric.clone(),
                x.n.to_string(),
                format!("{} ({})", f(x.mean), f(x.sd)),
                p(x.p_value),
                match x.consistent {
                    Some(true) => "yes".into(),
                    Some(false) if x.p_value.is_none() => format!("no: {}", x.note),
                    Some(false) => "no".into(),
                    None => format!("untested: {}", x.note),
                },
            ]);
        }
    }
    t
}

/// The rule with the α the attributions were tested at.
fn rule(rows: &[ProtocolRow]) -> String {
    match rows.first() {
        Some(row) => format!("{PROTOCOL_RULE} α = {}.", row.attribution.alpha),
        None => PROTOCOL_RULE.to_string(),
    }
}

/// The Markdown section (empty without attributions): one line per claim, the fits table and
/// the rule.
pub fn markdown(rows: &[ProtocolRow]) -> String {
    if rows.is_empty() {
        return String::new();
    }
    let mut s = String::from(
        "\n**Protocol attribution** — which protocol each claim is consistent with:\n\n",
    );
    for row in rows {
        let _ = writeln!(s, "- `{}` ({}): {}", row.claim, row.metric, row.summary);
    }
    s.push('\n');
    s.push_str(&fits_table(rows).markdown());
    let _ = writeln!(s, "\n*Protocol rule.* {}\n", rule(rows));
    s
}

/// The HTML section (empty without attributions), escaped.
pub fn html(rows: &[ProtocolRow]) -> String {
    if rows.is_empty() {
        return String::new();
    }
    let mut s = String::from("<p class=\"protocol\"><b>Protocol attribution</b> — which protocol each claim is consistent with:</p>\n<ul>\n");
    for row in rows {
        let _ = writeln!(
            s,
            "<li><code>{}</code> ({}): {}</li>",
            escape(&row.claim),
            escape(&row.metric),
            escape(&row.summary)
        );
    }
    s.push_str("</ul>\n");
    s.push_str(&fits_table(rows).html().into_string());
    let _ = writeln!(
        s,
        "\n<p class=\"note\"><b>Protocol rule.</b> {}</p>",
        escape(&rule(rows))
    );
    s
}

/// The LaTeX paragraph and table of paper `paper` (empty without attributions).
pub fn latex(rows: &[ProtocolRow], paper: &str) -> String {
    if rows.is_empty() {
        return String::new();
    }
    let mut s = String::from("\\paragraph{Protocol attribution.}");
    for row in rows {
        let _ = write!(
            s,
            " \\texttt{{{}}} ({}): {}.",
            latex_escape(&row.claim),
            latex_escape(&row.metric),
            latex_escape(&row.summary)
        );
    }
    s.push_str(" (Two-sided test of the claim under each protocol's runs; rule in the Markdown report.)\n\n");
    s.push_str("\\begin{table}[t]\n\\centering\n\\small\n");
    let _ = writeln!(
        s,
        "\\caption{{Protocol attribution of the claims of \\texttt{{{}}}: the claim placed on the runs of each protocol of its quantity.}}",
        latex_escape(paper)
    );
    let _ = writeln!(s, "\\label{{tab:{}-protocols}}", latex_escape(paper));
    s.push_str(&fits_table(rows).latex("lllrlrl"));
    s.push_str("\\end{table}\n\n");
    s
}

/// One short line per attribution for the terminal: `protocol of <claim>: matches best test
/// epoch; not final (p 0.0030)`.
pub fn terminal_lines(rows: &[ProtocolRow]) -> Vec<String> {
    rows.iter()
        .map(|row| {
            let fits = &row.attribution.fits;
            let yes: Vec<String> = fits
                .iter()
                .filter(|x| x.consistent == Some(true))
                .map(short)
                .collect();
            let no: Vec<String> = fits
                .iter()
                .filter(|x| x.consistent == Some(false))
                .map(|x| match (x.p_value, x.k) {
                    (Some(pv), _) => format!("{} (p {})", short(x), p(Some(pv))),
                    (None, Some(k)) => format!("{} (k = {k})", short(x)),
                    (None, None) => short(x),
                })
                .collect();
            let mut line = format!(
                "protocol of {}: matches {}",
                row.claim,
                if yes.is_empty() {
                    "none".to_string()
                } else {
                    yes.join(", ")
                }
            );
            if !no.is_empty() {
                let _ = write!(line, "; not {}", no.join(", "));
            }
            line
        })
        .collect()
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::report::model::fixtures::{claim, report};
    use repro_stats::verdict::Direction;

    fn row() -> ProtocolRow {
        let fin: Vec<f64> = (0..10).map(|i| 0.870 + 0.001 * i as f64).collect();
        let best: Vec<f64> = fin.iter().map(|v| v + 0.010).collect();
        let sample = |protocol: Protocol, v: &[f64]| ProtocolSample {
            protocol,
            metric: protocol.key().into(),
            runs: v.iter().map(|x| Outcome::Value(*x)).collect(),
        };
        let c = Claim {
            id: "c".into(),
            value: 0.8845,
            standard_error: None,
            direction: Direction::Higher,
            reported_as: ReportedAs::Unknown,
            resolution: None,
            margin: None,
        };
        let a = attribute(
            &c,
            &[
                sample(Protocol::Final, &fin),
                sample(Protocol::BestTestEpoch, &best),
            ],
            &Rules::default(),
        );
        ProtocolRow {
            claim: "c".into(),
            metric: "acc".into(),
            summary: summary(&a, ReportedAs::Unknown),
            attribution: a,
        }
    }

    #[test]
    fn the_summary_names_the_matching_and_the_rejected_protocols() {
        let s = row().summary;
        assert!(
            s.starts_with("matches selection of the epoch on the test set (p = "),
            "{s}"
        );
        assert!(
            s.contains("; rejected under the final-epoch protocol (p = "),
            "{s}"
        );
    }

    #[test]
    fn every_format_prints_it_only_when_there_is_an_attribution() {
        let mut r = report(vec![claim("c", None, &[1.0, 2.0, 3.0])]);
        let none: &[ProtocolRow] = &[];
        assert_eq!(markdown(none), "");
        assert_eq!(html(none), "");
        assert_eq!(latex(none, "p"), "");
        assert!(csv_cells(none, &r.claims).is_none());
        assert!(terminal_lines(none).is_empty());
        let mut t = Table::new(&["claim"]);
        t.rows.push(vec!["c".into()]);
        add_column(&mut t, none, &r.claims);
        assert_eq!(t.header.len(), 1);
        let rows = vec![row()];
        add_column(&mut t, &rows, &r.claims);
        assert_eq!(t.header.last().unwrap(), "matches protocol");
        assert!(
            t.rows[0].last().unwrap().starts_with("best test epoch"),
            "{:?}",
            t.rows
        );
        let md = markdown(&rows);
        assert!(
            md.contains("- `c` (acc): matches selection of the epoch on the test set"),
            "{md}"
        );
        assert!(md.contains("| c | final | final | 10 |"), "{md}");
        assert!(md.contains("α = 0.05."), "{md}");
        assert!(html(&rows).contains("<li><code>c</code> (acc): matches"));
        let tex = latex(&rows, "p");
        assert_eq!(tex.matches("\\begin{table}").count(), 1);
        assert!(
            tex.contains("rejected under the final-epoch protocol"),
            "{tex}"
        );
        assert_eq!(
            csv_cells(&rows, &r.claims).unwrap(),
            vec![rows[0].summary.clone()]
        );
        let lines = terminal_lines(&rows);
        assert!(
            lines[0].starts_with("protocol of c: matches best test epoch"),
            "{lines:?}"
        );
        assert!(lines[0].contains("; not final (p "), "{lines:?}");
        // the renderers print the model's attribution: terminal, Markdown, CSV
        r.protocols = rows;
        assert!(
            crate::report::terminal::table(&r, &crate::out::Console::lines())
                .contains("  protocol of c: matches best test epoch")
        );
        let md = crate::report::markdown(&r);
        assert!(md.contains("| flags | matches protocol |"), "{md}");
        assert!(md.contains("**Protocol attribution** — "), "{md}");
        let csv = crate::report::csv::csv(&r).unwrap();
        assert!(
            csv.lines()
                .next()
                .unwrap()
                .ends_with(",protocol_attribution"),
            "{csv}"
        );
    }
}
