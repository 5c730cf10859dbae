//! Logic of the `harness audit` and `harness stats` subcommands (clap derive structs plus run
//! functions returning the text to print). The binary only wires them:
//! `Audit(repro_stats::AuditArgs)` → `run_audit(&args)?`, `Stats(repro_stats::StatsArgs)` →
//! `run_stats(&args)?`.

use crate::describe::fmt_sig;
use crate::error::{Result, StatsError};
use crate::procedures::{names, procedure_help, run_procedure, PROCEDURES};
use crate::verdict::{
    assess_claims, assess_comparison, claim_rules_text, comparison_rules_text, Claim,
    ClaimAssessment, ComparisonAssessment, ComparisonInput, DatasetResult, Direction, Outcome,
    ReportedAs, Rules,
};
use std::io::Read;

const AUDIT_EXAMPLES: &str = "\
Examples (run from the repository root):
  # Is a claimed 0.953 accuracy (single run) consistent with 8 reproduced seeds?
  harness audit claim 0.953 harness/stats/examples/seeds.csv --column accuracy --higher-is-better --reported-as single

  # Does a method beat its baseline beyond the datasets the paper reported?
  harness audit comparison harness/stats/examples/comparison.csv --reported iris,wine,digits --higher-is-better

File formats:
  claim:      one value per line, or a CSV with a header row and --column NAME.
  comparison: CSV with header `dataset,seed,method,baseline` (one row per dataset and seed; wide format).
  Cells `nan`, `failed`, `diverged`, `crashed` (or empty method/baseline cells) are failed runs:
  they are kept and counted, never dropped.";

/// `harness audit`: check a claimed number, or a method-vs-baseline comparison, against reproduced
/// runs, and print a verdict table with the rule used.
#[derive(Debug, Clone, clap::Args)]
#[command(
    about = "Audit a claimed number or a comparison against reproduced runs",
    long_about = "Audit a paper's claim against reproduced runs: `claim` tests one claimed value \
against per-seed results (t/prediction test, Holm, bootstrap CI, best-of-k seed-picking check); \
`comparison` tests a method-vs-baseline comparison over datasets (per-dataset Welch CIs, Wilcoxon \
signed-rank over datasets, subset-selection test of the reported datasets).",
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
    Table(crate::audit_table::TableArgs),
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

/// Parses `--reported-as`: `single`, `mean-of:N`, `best-of:N`, `unknown`.
pub fn parse_reported_as(s: &str) -> Result<ReportedAs> {
    let l = s.trim().to_ascii_lowercase();
    let num = |rest: &str| -> Result<usize> {
        rest.trim()
            .parse::<usize>()
            .ok()
            .filter(|n| *n >= 1)
            .ok_or_else(|| {
                StatsError::Input(format!(
                    "--reported-as {s:?}: expected a whole number ≥ 1 after ':' (e.g. mean-of:5)"
                ))
            })
    };
    match l.as_str() {
        "single" | "single-run" | "single_run" => Ok(ReportedAs::SingleRun),
        "unknown" => Ok(ReportedAs::Unknown),
        _ => {
            if let Some(r) = l
                .strip_prefix("mean-of:")
                .or_else(|| l.strip_prefix("mean_of:"))
            {
                Ok(ReportedAs::MeanOf { n: num(r)? })
            } else if let Some(r) = l
                .strip_prefix("best-of:")
                .or_else(|| l.strip_prefix("best_of:"))
            {
                Ok(ReportedAs::BestOf { n: num(r)? })
            } else {
                Err(StatsError::Input(format!(
                    "--reported-as {s:?}: use single, mean-of:N, best-of:N or unknown"
                )))
            }
        }
    }
}

fn read_text(path: &std::path::Path) -> Result<String> {
    if path.as_os_str() == "-" {
        let mut s = String::new();
        std::io::stdin()
            .read_to_string(&mut s)
            .map_err(|e| StatsError::Input(format!("stdin: cannot read: {e}")))?;
        return Ok(s);
    }
    std::fs::read_to_string(path).map_err(|e| {
        StatsError::Input(format!(
            "{}: cannot read file: {e}; check the path",
            path.display()
        ))
    })
}

/// One data row of a CSV file: its 1-based line number and its trimmed cells.
type Row = (usize, Vec<String>);

/// Reads `text` as CSV with the `csv` crate (quotes, embedded commas), after removing a UTF-8
/// byte-order mark; blank lines and `#` comments are skipped. Rows may differ in length (the
/// callers name the row that is too short).
fn csv_rows(text: &str, f: &str) -> Result<Vec<Row>> {
    let text = text.strip_prefix('\u{feff}').unwrap_or(text);
    let mut reader = csv::ReaderBuilder::new()
        .has_headers(false)
        .flexible(true)
        .comment(Some(b'#'))
        .trim(csv::Trim::All)
        .from_reader(text.as_bytes());
    let mut rows = Vec::new();
    for rec in reader.records() {
        let rec = rec.map_err(|e| {
            let line = e.position().map(|p| p.line()).unwrap_or(0);
            StatsError::Input(format!(
                "{f}:{line}: not valid CSV: {e}; check the quotes on that line"
            ))
        })?;
        if rec.iter().all(|c| c.is_empty()) {
            continue;
        }
        let line = rec.position().map(|p| p.line() as usize).unwrap_or(0);
        rows.push((line, rec.iter().map(|c| c.trim().to_string()).collect()));
    }
    Ok(rows)
}

/// `true` when `cells` look like one number written with a decimal comma that the CSV split in
/// two (`0,912` → `["0", "912"]`).
fn looks_like_decimal_comma(cells: &[String]) -> bool {
    cells.len() == 2
        && !cells[0].is_empty()
        && cells[0]
            .trim_start_matches('-')
            .chars()
            .all(|c| c.is_ascii_digit())
        && !cells[1].is_empty()
        && cells[1].chars().all(|c| c.is_ascii_digit())
}

fn decimal_comma_error(f: &str, line: usize, raw: &str) -> StatsError {
    StatsError::Input(format!(
        "{f}:{line}: {raw:?} looks like a number written with a decimal comma, which CSV reads as \
         two cells; write it with a decimal point ({}) — e.g. re-export the spreadsheet with a \
         point as decimal separator",
        raw.replacen(',', ".", 1)
    ))
}

/// A CSV header whose cells are separated by `;` (the spreadsheet convention where the comma is
/// the decimal separator).
fn semicolon_header(f: &str, line: usize, header: &[String]) -> Option<StatsError> {
    (header.len() == 1 && header[0].contains(';')).then(|| {
        StatsError::Input(format!(
            "{f}:{line}: the header {:?} is separated by ';', probably a spreadsheet export with \
             decimal commas; export it as CSV with ',' between cells and '.' as decimal point",
            header[0]
        ))
    })
}

/// Reads per-seed outcomes: one value per line, or column `column` of a CSV with a header.
/// Errors name the file, line and cell. A UTF-8 byte-order mark is ignored; a number written
/// with a decimal comma is explained.
pub fn read_outcomes(path: &std::path::Path, column: Option<&str>) -> Result<Vec<Outcome>> {
    let text = read_text(path)?;
    let f = path.display().to_string();
    let rows = csv_rows(&text, &f)?;
    let mut lines = rows.into_iter();
    let mut out = Vec::new();
    match column {
        Some(col) => {
            let (hl, cells) = lines.next().ok_or_else(|| {
                StatsError::Input(format!(
                    "{f}: file is empty; expected a header row with column {col:?}"
                ))
            })?;
            if let Some(e) = semicolon_header(&f, hl, &cells) {
                return Err(e);
            }
            let j = cells.iter().position(|c| c == col).ok_or_else(|| {
                StatsError::Input(format!("{f}:{hl}: header has no column {col:?} (columns: {}); pass --column with one of them", cells.join(", ")))
            })?;
            let width = cells.len();
            for (ln, row) in lines {
                if row.len() == width + 1 {
                    // one cell too many: a decimal comma splits a number in two
                    let raw = format!("{},{}", row[j], row[j + 1]);
                    if looks_like_decimal_comma(&row[j..j + 2]) {
                        return Err(decimal_comma_error(&f, ln, &raw));
                    }
                }
                let cell = row.get(j).ok_or_else(|| {
                    StatsError::Input(format!(
                        "{f}:{ln}: row has {} cells, column {col:?} is #{}; fix the row",
                        row.len(),
                        j + 1
                    ))
                })?;
                out.push(parse_outcome(cell, &f, ln, col)?);
            }
        }
        None => {
            for (ln, row) in lines {
                if row.len() > 1 {
                    let raw = row.join(",");
                    if looks_like_decimal_comma(&row) {
                        return Err(decimal_comma_error(&f, ln, &raw));
                    }
                    return Err(StatsError::Input(format!(
                        "{f}:{ln}: {raw:?} has several cells; for a CSV pass --column NAME"
                    )));
                }
                let cell = row.first().map(String::as_str).unwrap_or("");
                out.push(parse_outcome(cell, &f, ln, "value").map_err(|e| {
                    StatsError::Input(format!("{e}; if line {ln} is a header, pass --column NAME"))
                })?);
            }
        }
    }
    if out.is_empty() {
        return Err(StatsError::Input(format!(
            "{f}: no results found; put one value per line (or use --column)"
        )));
    }
    Ok(out)
}

fn parse_outcome(cell: &str, file: &str, line: usize, field: &str) -> Result<Outcome> {
    if cell.trim().is_empty() {
        return Ok(Outcome::Failed);
    }
    Outcome::parse_cell(cell).ok_or_else(|| {
        StatsError::Input(format!(
            "{file}:{line}: field {field:?} = {cell:?} is not a number; write a number, or nan/failed/diverged for a failed run"
        ))
    })
}

/// Reads the comparison CSV (`dataset,seed,method,baseline`) into datasets in order of first
/// appearance, rows sorted by seed within a dataset (unpaired: a repeated seed is kept).
pub fn read_comparison(path: &std::path::Path) -> Result<Vec<DatasetResult>> {
    read_comparison_with(path, false)
}

/// [`read_comparison`]; with `paired`, a (dataset, seed) pair that appears twice is an error
/// naming both lines (the pairs would be ambiguous).
pub fn read_comparison_with(path: &std::path::Path, paired: bool) -> Result<Vec<DatasetResult>> {
    let text = read_text(path)?;
    let f = path.display().to_string();
    let mut lines = csv_rows(&text, &f)?.into_iter();
    let (hl, cells) = lines.next().ok_or_else(|| {
        StatsError::Input(format!(
            "{f}: file is empty; expected header dataset,seed,method,baseline"
        ))
    })?;
    if let Some(e) = semicolon_header(&f, hl, &cells) {
        return Err(e);
    }
    let col = |name: &str| -> Result<usize> {
        cells.iter().position(|c| c.eq_ignore_ascii_case(name)).ok_or_else(|| {
            StatsError::Input(format!(
                "{f}:{hl}: header lacks column {name:?} (found: {}); the format is dataset,seed,method,baseline",
                cells.join(", ")
            ))
        })
    };
    let (jd, js, jm, jb) = (
        col("dataset")?,
        col("seed")?,
        col("method")?,
        col("baseline")?,
    );
    let width = cells.len();
    let mut order: Vec<String> = Vec::new();
    let mut rows: std::collections::HashMap<String, Vec<(String, Outcome, Outcome)>> =
        Default::default();
    let mut seen: std::collections::HashMap<(String, String), usize> = Default::default();
    for (ln, c) in lines {
        if c.len() > width {
            return Err(StatsError::Input(format!(
                "{f}:{ln}: {} cells for a header of {width}; a number with a decimal comma \
                 (0,912) splits into two cells: write decimal points (0.912), or quote the cell",
                c.len()
            )));
        }
        let get = |j: usize, name: &str| -> Result<String> {
            c.get(j).cloned().ok_or_else(|| StatsError::Input(format!("{f}:{ln}: missing field {name:?}; every row needs dataset,seed,method,baseline")))
        };
        let ds = get(jd, "dataset")?;
        if ds.is_empty() {
            return Err(StatsError::Input(format!("{f}:{ln}: empty dataset name")));
        }
        let seed = get(js, "seed")?;
        if paired {
            if let Some(first) = seen.insert((ds.clone(), seed.clone()), ln) {
                return Err(StatsError::Input(format!(
                    "{f}:{ln}: dataset {ds:?} seed {seed:?} appears twice (first on line {first}); \
                     with --paired every (dataset, seed) must be one row, pairing method and \
                     baseline of that seed; remove the duplicate"
                )));
            }
        }
        let m = parse_outcome(&get(jm, "method")?, &f, ln, "method")?;
        let b = parse_outcome(&get(jb, "baseline")?, &f, ln, "baseline")?;
        if !rows.contains_key(&ds) {
            order.push(ds.clone());
        }
        rows.entry(ds).or_default().push((seed, m, b));
    }
    if order.is_empty() {
        return Err(StatsError::Input(format!(
            "{f}: no data rows after the header"
        )));
    }
    Ok(order
        .into_iter()
        .map(|name| {
            let mut r = rows.remove(&name).unwrap_or_default();
            r.sort_by(|a, b| match (a.0.parse::<f64>(), b.0.parse::<f64>()) {
                (Ok(x), Ok(y)) => x.total_cmp(&y),
                _ => a.0.cmp(&b.0),
            });
            DatasetResult {
                name,
                method: r.iter().map(|x| x.1).collect(),
                baseline: r.iter().map(|x| x.2).collect(),
                reported: false,
            }
        })
        .collect())
}

/// Refuses a claim outside the scale of the runs (e.g. 92.5 against runs in [0, 1]): usually
/// a percent against fractions, or the other way round. `None` = plausible.
pub fn units_question(claim: f64, runs: &[Outcome]) -> Option<String> {
    let v: Vec<f64> = runs
        .iter()
        .filter_map(|o| match o {
            Outcome::Value(x) if x.is_finite() => Some(*x),
            _ => None,
        })
        .collect();
    if v.is_empty() {
        return None;
    }
    let lo = v.iter().cloned().fold(f64::INFINITY, f64::min);
    let hi = v.iter().cloned().fold(f64::NEG_INFINITY, f64::max);
    let range = format!("[{}, {}]", fmt_sig(lo, 4), fmt_sig(hi, 4));
    if lo >= 0.0 && hi <= 1.0 && claim > 1.0 && claim <= 100.0 {
        return Some(format!(
            "the claim {claim} is above 1 but every run lies in {range}: is the claim in percent \
             and the runs fractions? Pass {} (the claim / 100), or --units-ok if the units really agree",
            fmt_sig(claim / 100.0, 6)
        ));
    }
    if lo >= 1.0 && hi <= 100.0 && claim > 0.0 && claim < 1.0 {
        return Some(format!(
            "the claim {claim} is below 1 but every run lies in {range}: are the runs in percent \
             and the claim a fraction? Pass {} (the claim × 100), or --units-ok if the units really agree",
            fmt_sig(claim * 100.0, 6)
        ));
    }
    let scale = lo.abs().max(hi.abs());
    if scale > 0.0 && (claim.abs() > 10.0 * scale.max(hi - lo) && claim.abs() > 10.0 * scale) {
        return Some(format!(
            "the claim {claim} is more than 10 times larger than every run ({range}): are the \
             claim and the runs in the same units? Convert one of them, or pass --units-ok"
        ));
    }
    None
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
        Some(x) => crate::bestofk::format_k(x),
        None => "–".into(),
    }
}

/// The candidate closest to `name` (Jaro–Winkler similarity ≥ 0.8 or Levenshtein distance ≤ 2,
/// `strsim`), for "did you mean" hints.
pub fn closest<'a>(name: &str, candidates: impl IntoIterator<Item = &'a str>) -> Option<&'a str> {
    candidates
        .into_iter()
        .map(|c| {
            (
                c,
                strsim::jaro_winkler(&name.to_lowercase(), &c.to_lowercase()),
            )
        })
        .filter(|(c, score)| *score >= 0.8 || strsim::levenshtein(name, c) <= 2)
        .max_by(|a, b| a.1.total_cmp(&b.1))
        .map(|(c, _)| c)
}

/// Markdown table of claim assessments, followed by the verdicts and the rule text.
pub fn claims_markdown(a: &[ClaimAssessment], rules: &Rules) -> String {
    let conf = fmt_sig(100.0 * (1.0 - rules.alpha), 3);
    let mut s = format!(
        "| claim | claimed | runs | failed | mean | sd | {conf}% t-CI | {conf}% bootstrap CI | min | median | max | percentile | p | p adj. | best-of-k (normal) | best-of-k (empirical) | verdict |\n|---|---|---|---|---|---|---|---|---|---|---|---|---|---|---|---|---|\n"
    );
    for c in a {
        s += &format!(
            "| {} | {} | {} | {} | {} | {} | {} | {} | {} | {} | {} | {} | {} | {} | {} | {} | {} |\n",
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
            c.verdict
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

fn to_pretty<T: serde::Serialize>(v: &T) -> Result<String> {
    serde_json::to_string_pretty(&crate::procedures::to_json(v))
        .map_err(|e| StatsError::Input(format!("cannot serialise output: {e}")))
}

/// Runs `harness audit ...` and returns the text to print (Markdown or JSON).
/// Errors name the file, line and field at fault and what to change.
pub fn run_audit(args: &AuditArgs) -> Result<String> {
    match &args.command {
        AuditCommand::Table(t) => crate::audit_table::run(t),
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
            };
            let a = assess_claims(&[(claim, runs)], &rules);
            if c.common.json {
                to_pretty(&serde_json::json!({"assessments": a, "rules": claim_rules_text(&rules)}))
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
                datasets,
            };
            let a = assess_comparison(&input, &rules);
            if c.common.json {
                to_pretty(
                    &serde_json::json!({"assessment": a, "rules": comparison_rules_text(&rules)}),
                )
            } else {
                Ok(comparison_markdown(&a, &rules))
            }
        }
    }
}

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
