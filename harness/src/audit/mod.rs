//! The `harness audit` and `harness stats` subcommands: argument structs (clap), reading the
//! numbers a reviewer brings (CSV / JSON files, stdin), rendering the results (Markdown / JSON)
//! and did-you-mean hints. The statistics live in `repro-stats` as typed functions; this module
//! only parses, calls and prints. The binary wires it: `Audit(audit::AuditArgs)` →
//! [`run_audit`], `Stats(audit::StatsArgs)` → [`run_stats`].
//!
//! Errors are [`repro_stats::StatsError`] values (`Input` for file and argument problems), so the
//! messages are the ones the statistics use for bad parameters.

pub mod hint;
pub mod input;
pub mod procedures;
pub mod render;
pub mod stats_cmd;
pub mod table;

pub use hint::closest;
pub use input::{
    parse_reported_as, read_comparison, read_comparison_with, read_outcomes, units_question,
};
pub use render::{claims_markdown, comparison_markdown};
pub use stats_cmd::{procedure_names, run_stats, StatsArgs};

use render::to_pretty;
use repro_stats::error::{Result, StatsError};
use repro_stats::verdict::{
    assess_claims, assess_comparison, claim_rules_text, comparison_rules_text, Claim,
    ComparisonInput, Direction, Rules,
};

const AUDIT_EXAMPLES: &str = "\
Examples (run from the repository root):
  # Is a claimed 0.953 accuracy (single run) consistent with 8 reproduced seeds?
  harness audit claim 0.953 harness/stats/examples/seeds.csv --column accuracy --higher-is-better --reported-as single

  # Does a method beat its baseline beyond the datasets the paper reported?
  harness audit comparison harness/stats/examples/comparison.csv --reported iris,wine,digits --higher-is-better

  # Are the claims of a whole table, together, on the favourable side of their runs?
  harness audit table harness/stats/examples/table.csv --higher-is-better

File formats:
  claim:      one value per line, or a CSV with a header row and --column NAME.
  comparison: CSV with header `dataset,seed,method,baseline` (one row per dataset and seed; wide format).
  Cells `nan`, `failed`, `diverged`, `crashed` (or empty method/baseline cells) are failed runs:
  they are kept and counted, never dropped.";

/// `harness audit`: check a claimed number, a method-vs-baseline comparison, or a whole table of
/// claims against reproduced runs, and print a verdict table with the rule used.
#[derive(Debug, Clone, clap::Args)]
#[command(
    about = "Audit a claimed number, a comparison or a table of claims against reproduced runs",
    long_about = "Audit a paper's claim against reproduced runs: `claim` tests one claimed value \
against per-seed results (t/prediction test, Holm, bootstrap CI, best-of-k seed-picking check); \
`comparison` tests a method-vs-baseline comparison over datasets (per-dataset Welch CIs, Wilcoxon \
signed-rank over datasets, subset-selection test of the reported datasets); `table` tests a whole \
table of claims together (are they, as a set, on the favourable side of their runs?). On a \
terminal `claim` prints a compact table; piped, or with `--plain`, the full Markdown table and \
the rules; `--json` for JSON (±∞ and NaN as \"Infinity\", \"-Infinity\", \"NaN\").",
    after_help = AUDIT_EXAMPLES
)]
pub struct AuditArgs {
    /// What to audit.
    #[command(subcommand)]
    pub command: AuditCommand,
}

/// Subcommands of `harness audit`.
#[derive(Debug, Clone, clap::Subcommand)]
pub enum AuditCommand {
    /// Audit one claimed value against per-seed results.
    #[command(after_help = AUDIT_EXAMPLES, allow_negative_numbers = true)]
    Claim(ClaimArgs),
    /// Audit a method-vs-baseline comparison over datasets.
    #[command(after_help = AUDIT_EXAMPLES)]
    Comparison(ComparisonArgs),
    /// Audit a whole table of claims: are they, together, on the favourable side of their runs?
    Table(table::TableArgs),
}

/// Options shared by both audits.
#[derive(Debug, Clone, clap::Args)]
pub struct CommonArgs {
    /// Print JSON instead of the Markdown table.
    #[arg(long)]
    pub json: bool,
    /// Significance level (and 1 − confidence of every interval).
    #[arg(long, default_value_t = 0.05)]
    pub alpha: f64,
    /// Bootstrap resamples.
    #[arg(long, default_value_t = 9999)]
    pub resamples: usize,
    /// Seed of the bootstrap / Monte Carlo streams.
    #[arg(long, default_value_t = 0)]
    pub seed: u64,
}

/// Which way is better (exactly one of the two flags).
#[derive(Debug, Clone, clap::Args)]
#[group(required = true, multiple = false)]
pub struct DirectionArgs {
    /// Larger values are better (accuracy, reward).
    #[arg(long)]
    pub higher_is_better: bool,
    /// Smaller values are better (error, loss).
    #[arg(long)]
    pub lower_is_better: bool,
}

impl DirectionArgs {
    fn direction(&self) -> Direction {
        if self.lower_is_better {
            Direction::Lower
        } else {
            Direction::Higher
        }
    }
}

/// `harness audit claim`.
#[derive(Debug, Clone, clap::Args)]
pub struct ClaimArgs {
    /// The claimed value (metric units).
    pub claimed: f64,
    /// File of per-seed results: one value per line, or a CSV with header (use --column).
    pub results: std::path::PathBuf,
    /// CSV column holding the metric (file must have a header row).
    #[arg(long)]
    pub column: Option<String>,
    /// How the paper reported the number: `single`, `mean-of:N`, `best-of:N` or `unknown`.
    #[arg(long, default_value = "unknown")]
    pub reported_as: String,
    /// Standard error printed with the claim (e.g. 0.19 for "2.97 ± 0.19" as mean ± SE).
    #[arg(long)]
    pub se: Option<f64>,
    /// Resolution the claim is printed to, in its units (e.g. 0.01 for "32%" given as 0.32): the
    /// claim is tested at the least demanding value that rounds to it.
    #[arg(long)]
    pub resolution: Option<f64>,
    /// Identifier shown in the table.
    #[arg(long, default_value = "claim")]
    pub id: String,
    /// Accept a claim outside the runs' scale (by default a claim such as 92.5 against runs in
    /// [0, 1] is refused with a question about units).
    #[arg(long)]
    pub units_ok: bool,
    /// Direction.
    #[command(flatten)]
    pub direction: DirectionArgs,
    /// Shared options.
    #[command(flatten)]
    pub common: CommonArgs,
}

/// `harness audit comparison`.
#[derive(Debug, Clone, clap::Args)]
pub struct ComparisonArgs {
    /// CSV with header `dataset,seed,method,baseline`.
    pub results: std::path::PathBuf,
    /// Comma-separated datasets the paper reported (the rest are held out).
    #[arg(long, value_delimiter = ',')]
    pub reported: Vec<String>,
    /// Pair method and baseline runs by seed (paired t-test per dataset).
    #[arg(long)]
    pub paired: bool,
    /// Identifier shown in the output.
    #[arg(long, default_value = "comparison")]
    pub id: String,
    /// Direction.
    #[command(flatten)]
    pub direction: DirectionArgs,
    /// Shared options.
    #[command(flatten)]
    pub common: CommonArgs,
}

fn rules_from(c: &CommonArgs) -> Result<Rules> {
    if !(c.alpha > 0.0 && c.alpha < 1.0) {
        return Err(StatsError::Input(format!(
            "--alpha {}: must lie strictly between 0 and 1",
            c.alpha
        )));
    }
    let rules = Rules {
        alpha: c.alpha,
        bootstrap_resamples: c.resamples,
        seed: c.seed,
        ..Rules::default()
    };
    rules.validate()?;
    Ok(rules)
}

/// Runs `harness audit ...` and returns the text to print: for a terminal console
/// (`console.terminal`) `audit claim` gives a compact table like `harness report`, fitted to
/// `console.width` and coloured when `console.colour`; otherwise Markdown (stable and
/// line-oriented); JSON with `--json` either way.
/// Errors name the file, line and field at fault and what to change.
pub fn run_audit(args: &AuditArgs, console: &crate::out::Console) -> Result<String> {
    match &args.command {
        AuditCommand::Table(t) => table::run(t),
        AuditCommand::Claim(c) => {
            let rules = rules_from(&c.common)?;
            if !c.claimed.is_finite() {
                return Err(StatsError::Input(format!(
                    "CLAIMED = {}: must be a finite number",
                    c.claimed
                )));
            }
            if let Some(se) = c.se {
                if !(se.is_finite() && se >= 0.0) {
                    return Err(StatsError::Input(format!(
                        "--se {se}: must be a finite number ≥ 0"
                    )));
                }
            }
            if let Some(r) = c.resolution {
                if !(r.is_finite() && r >= 0.0) {
                    return Err(StatsError::Input(format!(
                        "--resolution {r}: must be a finite number ≥ 0 (e.g. 0.01 for a claim printed as a whole percent)"
                    )));
                }
            }
            procedures::check_resolution(&c.id, c.claimed, c.resolution)
                .map_err(|e| StatsError::Input(format!("--resolution: {e}")))?;
            let runs = read_outcomes(&c.results, c.column.as_deref())?;
            if !c.units_ok {
                if let Some(q) = units_question(c.claimed, &runs) {
                    return Err(StatsError::Input(format!("{}: {q}", c.results.display())));
                }
            }
            let claim = Claim {
                id: c.id.clone(),
                value: c.claimed,
                standard_error: c.se,
                direction: c.direction.direction(),
                reported_as: parse_reported_as(&c.reported_as)?,
                resolution: c.resolution,
                margin: None,
            };
            let a = assess_claims(&[(claim, runs)], &rules);
            if c.common.json {
                // `to_json` keeps ±∞/NaN as strings ("Infinity"), as `harness stats` does.
                to_pretty(
                    &serde_json::json!({"assessments": procedures::to_json(&a), "rules": claim_rules_text(&rules)}),
                )
            } else if console.terminal {
                Ok(render::claims_terminal(&a, &rules, console))
            } else {
                Ok(claims_markdown(&a, &rules))
            }
        }
        AuditCommand::Comparison(c) => {
            let rules = rules_from(&c.common)?;
            let mut datasets = read_comparison_with(&c.results, c.paired)?;
            let names: Vec<String> = datasets.iter().map(|d| d.name.clone()).collect();
            for r in &c.reported {
                let r = r.trim();
                if r.is_empty() {
                    continue;
                }
                let d = datasets.iter_mut().find(|d| d.name == r).ok_or_else(|| {
                    let hint = closest(r, names.iter().map(String::as_str))
                        .map(|n| format!("did you mean {n:?}? "))
                        .unwrap_or_default();
                    StatsError::Input(format!(
                        "--reported: dataset {r:?} is not in {}; {hint}its datasets are: {}",
                        c.results.display(),
                        names.join(", ")
                    ))
                })?;
                d.reported = true;
            }
            let input = ComparisonInput {
                id: c.id.clone(),
                direction: c.direction.direction(),
                paired: c.paired,
                margin: None,
                datasets,
            };
            let a = assess_comparison(&input, &rules);
            if c.common.json {
                to_pretty(
                    &serde_json::json!({"assessment": procedures::to_json(&a), "rules": comparison_rules_text(&rules)}),
                )
            } else {
                Ok(comparison_markdown(&a, &rules))
            }
        }
    }
}
