//! What a person sees in the terminal: per paper a compact verdict table (claim, claimed,
//! reproduced mean ± SE, n, p with its correction family, verdict, flags), coloured on a TTY,
//! then one summary line over everything shown. The rules, intervals and plots live in the
//! published files; the terminal says where they are.
//!
//! [`Summary`] is the shared count of verdicts; it is built from the reports and rendered as one
//! line (terminal) or a block (HTML). New kinds of lines (e.g. a paper-level verdict) are added
//! as fields of [`Summary`] and a clause in [`Summary::line`].

use super::content::claim_flags;
use super::format::{f, p};
use super::grid::{Cell, Grid};
use super::model::PaperReport;
use super::rows::ClaimRow;
use crate::out::Console;
use anstyle::{AnsiColor, Style};
use repro_stats::verdict::{ClaimVerdict, ComparisonVerdict};
use std::fmt::Write as _;

/// The colour of a claim verdict (green reproduced, cyan better than claimed, red not
/// reproduced, yellow inconclusive).
pub fn claim_style(v: ClaimVerdict) -> Style {
    let c = match v {
        ClaimVerdict::Reproduced => AnsiColor::Green,
        ClaimVerdict::ConsistentUnderpowered => AnsiColor::Yellow,
        ClaimVerdict::BetterThanClaimed => AnsiColor::Cyan,
        ClaimVerdict::NotReproduced => AnsiColor::Red,
        ClaimVerdict::Inconclusive => AnsiColor::Yellow,
    };
    Style::new().fg_color(Some(c.into())).bold()
}

/// The colour of a comparison verdict.
pub fn comparison_style(v: ComparisonVerdict) -> Style {
    let c = match v {
        ComparisonVerdict::Generalizes => AnsiColor::Green,
        ComparisonVerdict::OnlyOnReportedDatasets => AnsiColor::Red,
        ComparisonVerdict::NoEffect => AnsiColor::Red,
        ComparisonVerdict::NotShown => AnsiColor::Yellow,
        ComparisonVerdict::Inconclusive => AnsiColor::Yellow,
    };
    Style::new().fg_color(Some(c.into())).bold()
}

/// Counts of verdicts over a set of reports.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct Summary {
    /// Claims assessed.
    pub claims: usize,
    /// Claims per verdict: reproduced, consistent but underpowered, better than claimed, not
    /// reproduced, inconclusive.
    pub reproduced: usize,
    /// See `reproduced`.
    pub underpowered: usize,
    /// See `reproduced`.
    pub better: usize,
    /// See `reproduced`.
    pub not_reproduced: usize,
    /// See `reproduced`.
    pub inconclusive: usize,
    /// Claims carrying a seed-picking flag.
    pub flagged: usize,
    /// Claims beyond what seed selection explains (protocol or report differs).
    pub beyond_selection: usize,
    /// Comparisons assessed.
    pub comparisons: usize,
    /// Comparisons per verdict: generalizes, only on the reported datasets, no effect, not
    /// shown, inconclusive.
    pub generalizes: usize,
    /// See `generalizes`.
    pub only_on_reported: usize,
    /// See `generalizes`.
    pub no_effect: usize,
    /// See `generalizes`.
    pub not_shown: usize,
    /// See `generalizes`.
    pub comparisons_inconclusive: usize,
    /// Comparisons with the favourable-subset flag.
    pub favourable_subset: usize,
}

impl Summary {
    /// Counts the claims and comparisons of `reports`.
    pub fn of(reports: &[PaperReport]) -> Self {
        let mut s = Summary::default();
        for r in reports {
            for c in &r.claims {
                s.claims += 1;
                match c.assessment.verdict {
                    ClaimVerdict::Reproduced => s.reproduced += 1,
                    ClaimVerdict::ConsistentUnderpowered => s.underpowered += 1,
                    ClaimVerdict::BetterThanClaimed => s.better += 1,
                    ClaimVerdict::NotReproduced => s.not_reproduced += 1,
                    ClaimVerdict::Inconclusive => s.inconclusive += 1,
                }
                s.flagged += c.assessment.seed_picking_flag().is_some() as usize;
                s.beyond_selection += c.assessment.beyond_seed_selection.is_some() as usize;
            }
            for cmp in &r.comparisons {
                s.comparisons += 1;
                match cmp.assessment.verdict {
                    ComparisonVerdict::Generalizes => s.generalizes += 1,
                    ComparisonVerdict::OnlyOnReportedDatasets => s.only_on_reported += 1,
                    ComparisonVerdict::NoEffect => s.no_effect += 1,
                    ComparisonVerdict::NotShown => s.not_shown += 1,
                    ComparisonVerdict::Inconclusive => s.comparisons_inconclusive += 1,
                }
                s.favourable_subset += cmp.assessment.reported_subset_favourable as usize;
            }
        }
        s
    }

    /// One line: `18 claims: 2 reproduced, 10 consistent, underpowered, 2 better than
    /// claimed, 4 not reproduced, 0 inconclusive; 2 flagged as seed-picked, 1 beyond what seed
    /// selection explains`, and a second one for the comparisons when there are any
    /// (`3 comparisons: 1 generalizes, 0 only on reported datasets, 0 no effect, 2 not shown,
    /// 0 inconclusive; 0 with a favourable reported subset`).
    pub fn line(&self) -> String {
        let mut s = format!(
            "{}: {} reproduced, {} consistent, underpowered, {} better than claimed, {} not reproduced, {} inconclusive; {} flagged as seed-picked, {} beyond what seed selection explains",
            crate::out::plural(self.claims, "claim", "claims"),
            self.reproduced,
            self.underpowered,
            self.better,
            self.not_reproduced,
            self.inconclusive,
            self.flagged,
            self.beyond_selection
        );
        if self.comparisons > 0 {
            let _ = write!(
                s,
                "\n{}: {} {}, {} only on reported datasets, {} no effect, {} not shown, {} inconclusive; {} with a favourable reported subset",
                crate::out::plural(self.comparisons, "comparison", "comparisons"),
                self.generalizes,
                if self.generalizes == 1 {
                    "generalizes"
                } else {
                    "generalize"
                },
                self.only_on_reported,
                self.no_effect,
                self.not_shown,
                self.comparisons_inconclusive,
                self.favourable_subset
            );
        }
        s
    }
}

fn paint(s: &str, style: Style, colour: bool) -> String {
    if colour {
        format!("{style}{s}{style:#}")
    } else {
        s.to_string()
    }
}

/// The claimed value as printed (± its printed SE), and for a rounded claim the value tested:
/// `0.32 (≥ 0.315)` when higher is better — each at the claim's own precision.
fn claimed(c: &ClaimRow) -> String {
    let mut s = match c.claimed_standard_error {
        Some(se) => format!("{} ± {}", c.claimed_text(), c.claimed_se_text(se)),
        None => c.claimed_text(),
    };
    if let Some(r) = c.resolution.filter(|r| *r > 0.0) {
        let op = if c.higher_is_better { "≥" } else { "≤" };
        let _ = write!(s, " ({op} {})", c.tested_text(r));
    }
    s
}

/// The terminal's short form of the flag "beyond what seed selection explains (more than the
/// best of …): protocol or report differs"; the full text is printed once under the table.
const BEYOND_SHORT: &str = "beyond seed selection";

/// A claim's flags as the terminal prints them: [`claim_flags`] with the long
/// beyond-seed-selection flag in its short form ([`BEYOND_SHORT`]).
fn short_flags(c: &ClaimRow) -> Vec<String> {
    let full = c.assessment.beyond_seed_selection.as_deref();
    claim_flags(c)
        .into_iter()
        .map(|f| {
            if Some(f.as_str()) == full {
                format!("{BEYOND_SHORT}: protocol or report differs")
            } else {
                f
            }
        })
        .collect()
}

/// The style of the flags column (magenta).
pub fn flag_style() -> Style {
    Style::new().fg_color(Some(AnsiColor::Magenta.into()))
}

/// The compact verdict table of one paper for a terminal: the claims as a [`Grid`] fitted to
/// `console.width` (cells wrap, rows never do), the correction family and protocol notes, then
/// the comparisons as a second grid with the family of their p-values; coloured when
/// `console.colour`.
pub fn table(r: &PaperReport, console: &Console) -> String {
    let colour = console.colour;
    let dim = Style::new().dimmed();
    let note = |text: &str| -> String {
        let width = console
            .width
            .unwrap_or(usize::MAX)
            .saturating_sub(2)
            .max(20);
        textwrap::wrap(text, width)
            .iter()
            .map(|l| format!("  {}\n", paint(l, dim, colour)))
            .collect()
    };
    let mut out = console.wrap(&format!(
        "{}  {}",
        paint(&r.paper, Style::new().bold(), colour),
        paint(
            &format!(
                "{} of {} planned runs recorded, {} failed",
                r.recorded_runs, r.planned_runs, r.failed_runs
            ),
            dim,
            colour
        )
    ));
    out.push('\n');
    if !r.claims.is_empty() {
        let mut g = claims_grid();
        for c in &r.claims {
            g.push(claim_cells(
                &c.id,
                &c.assessment,
                claimed(c),
                short_flags(c).join("; "),
            ));
        }
        out.push_str(&g.render(console.width, colour));
        out.push_str(&note(&format!("p adj. = one-sided p, {}", r.p_family)));
        if let Some(full) = r
            .claims
            .iter()
            .find_map(|c| c.assessment.beyond_seed_selection.as_ref())
        {
            out.push_str(&note(&format!("{BEYOND_SHORT} = {full}")));
        }
        for line in super::protocol::terminal_lines(&r.protocols) {
            out.push_str(&note(&line));
        }
    }
    if !r.comparisons.is_empty() {
        let mut g = Grid::new(&[
            "comparison",
            "verdict",
            "wins/ties/losses",
            "Wilcoxon p",
            "selection p",
            "flags",
        ])
        .prose(&[1, 5]);
        for cmp in &r.comparisons {
            let a = &cmp.assessment;
            let mut flags: Vec<&str> = Vec::new();
            if a.reported_subset_favourable {
                flags.push("favourable reported subset");
            }
            if cmp.tuned.as_ref().is_some_and(|t| t.reading.flags()) {
                flags.push("win depends on an untuned baseline");
            }
            g.push(vec![
                Cell::plain(cmp.id.clone()),
                Cell::styled(a.verdict_text(), comparison_style(a.verdict)),
                Cell::plain(format!("{}/{}/{}", a.wins, a.ties, a.losses)),
                Cell::plain(p(a.wilcoxon.as_ref().map(|w| w.p_value))),
                Cell::plain(p(a.selection.as_ref().map(|s| s.p_value))),
                Cell::styled(flags.join("; "), flag_style()),
            ]);
            if let Some(t) = &cmp.tuned {
                let a = &t.assessment;
                g.push(vec![
                    Cell::plain(format!("{} vs tuned baseline", cmp.id)),
                    Cell::styled(a.verdict_text(), comparison_style(a.verdict)),
                    Cell::plain(format!("{}/{}/{}", a.wins, a.ties, a.losses)),
                    Cell::plain(p(a.wilcoxon.as_ref().map(|w| w.p_value))),
                    Cell::plain(p(a.selection.as_ref().map(|s| s.p_value))),
                    Cell::styled(t.reading.to_string(), flag_style()),
                ]);
            }
        }
        out.push_str(&g.render(console.width, colour));
        out.push_str(&note(COMPARISON_P_NOTE));
    }
    out
}

/// The family of the comparisons' p-values, as the terminal states it under their table.
pub const COMPARISON_P_NOTE: &str = "Wilcoxon p = two-sided signed-rank test over the datasets' effects, unadjusted (each comparison is its own test at alpha, outside the claims' family); selection p = share of equally sized random subsets of the datasets run whose mean effect is at least the reported datasets' (small: the paper reported a favourable subset).";

/// The compact claims table of the terminal (`run`/`report`, `audit claim`), empty: claim,
/// claimed, reproduced mean ± SE, n, p adj., verdict, flags; verdict and flags wrap first.
pub fn claims_grid() -> Grid {
    Grid::new(&[
        "claim",
        "claimed",
        "reproduced (mean ± SE)",
        "n",
        "p adj.",
        "verdict",
        "flags",
    ])
    .prose(&[5, 6])
}

/// One row of [`claims_grid`]: claim `id`, its assessment `a` with its claimed value as printed (`claimed`) and
/// its flags in words (`; `-separated). n counts the finite runs, with the failed ones as `+k✗`; the SE is the
/// runs' standard error of the mean ([`repro_stats::summary::standard_error_of_mean`]).
pub fn claim_cells(
    id: &str,
    a: &repro_stats::verdict::ClaimAssessment,
    claimed: String,
    flags: String,
) -> Vec<Cell> {
    let n = a.n_runs - a.n_failed;
    let se = repro_stats::summary::standard_error_of_mean(a.sd, n);
    vec![
        Cell::plain(id),
        Cell::plain(claimed),
        Cell::plain(format!("{} ± {}", f(a.mean), f(se))),
        Cell::plain(if a.n_failed > 0 {
            format!("{n}+{}✗", a.n_failed)
        } else {
            n.to_string()
        }),
        Cell::plain(p(a.p_adjusted)),
        Cell::styled(short_verdict(a), claim_style(a.verdict)),
        Cell::styled(flags, flag_style()),
    ]
}

/// The verdict as the compact table prints it: the word, and for `consistent, underpowered`
/// the seeds that would decide (`≈ 34 seeds`) or `seeds cannot decide`.
fn short_verdict(a: &repro_stats::verdict::ClaimAssessment) -> String {
    use repro_stats::verdict::SeedsToDecide;
    match (a.verdict, a.seeds_to_decide) {
        (ClaimVerdict::ConsistentUnderpowered, Some(SeedsToDecide::Seeds(n))) => {
            format!("{} (≈ {n} seeds)", a.verdict)
        }
        (ClaimVerdict::ConsistentUnderpowered, Some(SeedsToDecide::Never)) => {
            format!("{} (seeds cannot decide)", a.verdict)
        }
        _ => a.verdict.to_string(),
    }
}

/// The summary line, coloured: the counts of each verdict in that verdict's colour.
pub fn summary_line(s: &Summary, colour: bool) -> String {
    if !colour {
        return s.line();
    }
    let mut line = s.line();
    for (word, v) in [
        ("reproduced,", ClaimVerdict::Reproduced),
        (
            "consistent, underpowered,",
            ClaimVerdict::ConsistentUnderpowered,
        ),
        ("better than claimed,", ClaimVerdict::BetterThanClaimed),
        ("not reproduced,", ClaimVerdict::NotReproduced),
        ("inconclusive;", ClaimVerdict::Inconclusive),
    ] {
        // colour the first occurrence of "<count> <word>" (not "not reproduced" for "reproduced")
        let count = match v {
            ClaimVerdict::Reproduced => s.reproduced,
            ClaimVerdict::ConsistentUnderpowered => s.underpowered,
            ClaimVerdict::BetterThanClaimed => s.better,
            ClaimVerdict::NotReproduced => s.not_reproduced,
            ClaimVerdict::Inconclusive => s.inconclusive,
        };
        let plain = format!(" {count} {word}");
        if let Some(i) = line.find(&plain) {
            // colour "<count> <verdict>", not the space before or the punctuation after
            let inner = &plain[1..plain.len() - 1];
            let styled = format!(
                " {}{}",
                paint(inner, claim_style(v), true),
                &plain[plain.len() - 1..]
            );
            line.replace_range(i..i + plain.len(), &styled);
        }
    }
    line
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_summary_line_counts_and_pluralises() {
        let s = Summary {
            claims: 18,
            reproduced: 2,
            underpowered: 10,
            better: 2,
            not_reproduced: 4,
            inconclusive: 0,
            flagged: 2,
            beyond_selection: 1,
            ..Default::default()
        };
        // issue 23: the underpowered claims and the beyond-selection flag are counted apart
        assert_eq!(
            s.line(),
            "18 claims: 2 reproduced, 10 consistent, underpowered, 2 better than claimed, 4 not reproduced, 0 inconclusive; 2 flagged as seed-picked, 1 beyond what seed selection explains"
        );
        let one = Summary {
            claims: 1,
            reproduced: 1,
            comparisons: 1,
            generalizes: 1,
            ..Default::default()
        };
        assert!(
            one.line().starts_with("1 claim: 1 reproduced"),
            "{}",
            one.line()
        );
        assert!(
            one.line().contains("1 comparison: 1 generalizes"),
            "{}",
            one.line()
        );
        let coloured = summary_line(&s, true);
        assert!(coloured.contains("\u{1b}["), "{coloured}");
        // colour codes only wrap the words: stripping them gives the plain line back
        let stripped: String = {
            let mut out = String::new();
            let mut in_esc = false;
            for ch in coloured.chars() {
                match (in_esc, ch) {
                    (false, '\u{1b}') => in_esc = true,
                    (true, 'm') => in_esc = false,
                    (true, _) => {}
                    (false, c) => out.push(c),
                }
            }
            out
        };
        assert_eq!(stripped, s.line());
    }
}
