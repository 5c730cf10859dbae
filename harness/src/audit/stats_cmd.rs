//! `harness stats <procedure> --input FILE.json`: one statistical procedure on a JSON object,
//! answered as pretty JSON (dispatch in [`super::procedures`]).

use super::hint::closest;
use super::input::read_text;
use super::procedures::{names, procedure_help, run_procedure, PROCEDURES};
use super::render::to_pretty;
use repro_stats::error::{Result, StatsError};

const STATS_HELP: &str = "\
Example (run from the repository root):
  echo '{\"x\": [0.005, -0.008, 0.017, 0.033, 0.006, -0.005, 0.007, 0, 0.063, 0, 0.022, 0.047, 0.009, 0.021], \"zero_method\": \"zsplit\"}' | harness stats wilcoxon --input -
  harness stats list      # every procedure with its input fields

Output is one JSON object; NaN and ±infinity are written as the strings \"NaN\", \"Infinity\", \"-Infinity\".";

fn stats_help() -> String {
    format!("Procedures: {}\n\n{STATS_HELP}", names().join(", "))
}

/// `harness stats <procedure> --input FILE.json`: run one statistical procedure on JSON input.
#[derive(Debug, Clone, clap::Args)]
#[command(
    about = "Run one statistical procedure on JSON input and print JSON",
    long_about = "Run any single procedure of the statistics engine (t-tests, bootstrap, Wilcoxon, \
sign test, Friedman, Holm/BH, best-of-k, subset selection, excess significance, power, verdicts) \
on a JSON object and print the JSON result. `harness stats list` lists the procedures and fields.",
    after_help = stats_help()
)]
pub struct StatsArgs {
    /// Procedure name (`list` to show all).
    pub procedure: String,
    /// JSON input file, or `-` for stdin.
    #[arg(long, short, default_value = "-")]
    pub input: std::path::PathBuf,
}

/// Names of every procedure reachable through `harness stats`.
pub fn procedure_names() -> &'static [&'static str] {
    names()
}

/// Runs `harness stats ...` and returns pretty JSON (or the procedure list for `list`).
/// Errors: unknown procedure (lists the names), unreadable file, invalid JSON (with line/column),
/// a missing/invalid field (named), or the procedure's own error.
pub fn run_stats(args: &StatsArgs) -> Result<String> {
    if args.procedure == "list" {
        return Ok(PROCEDURES
            .iter()
            .map(|(n, h)| format!("{n}: {h}"))
            .collect::<Vec<_>>()
            .join("\n")
            + "\n");
    }
    if procedure_help(&args.procedure).is_none() {
        let hint = closest(&args.procedure, names().iter().copied())
            .map(|n| format!("did you mean `{n}`? "))
            .unwrap_or_default();
        return Err(StatsError::Input(format!(
            "unknown procedure `{}`; {hint}valid names: {}",
            args.procedure,
            names().join(", ")
        )));
    }
    let text = read_text(&args.input)?;
    let v: serde_json::Value = serde_json::from_str(&text).map_err(|e| {
        StatsError::Input(format!(
            "{}: invalid JSON at line {} column {}: {e}; the input must be one JSON object",
            args.input.display(),
            e.line(),
            e.column()
        ))
    })?;
    let out = run_procedure(&args.procedure, &v)?;
    to_pretty(&out)
}
