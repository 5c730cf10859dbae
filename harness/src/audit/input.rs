//! Reading the numbers of `harness audit claim|comparison`: per-seed results (one value per line,
//! or a CSV column), the comparison CSV (`dataset,seed,method,baseline`), `--reported-as`, and
//! the units check. Errors name the file, line and cell and say what to change.

use repro_stats::describe::fmt_sig;
use repro_stats::error::{Result, StatsError};
use repro_stats::verdict::{DatasetResult, Outcome, ReportedAs};
use std::io::Read;

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

/// The text of `path`, or of stdin for `-`, without a leading UTF-8 byte-order mark (spreadsheet
/// exports write one; every audit reader, `audit table` included, sees the same text). Errors
/// name the path.
pub(crate) fn read_text(path: &std::path::Path) -> Result<String> {
    let text = if path.as_os_str() == "-" {
        let mut s = String::new();
        std::io::stdin()
            .read_to_string(&mut s)
            .map_err(|e| StatsError::Input(format!("stdin: cannot read: {e}")))?;
        s
    } else {
        std::fs::read_to_string(path).map_err(|e| {
            StatsError::Input(format!(
                "{}: cannot read file: {e}; check the path",
                path.display()
            ))
        })?
    };
    Ok(match text.strip_prefix('\u{feff}') {
        Some(rest) => rest.to_string(),
        None => text,
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

/// A claim converted between percent and fraction, as the user would type it: 92.5 / 100 →
/// `0.925`, 0.015 × 100 → `1.5` (rounded to 12 significant digits first, so the conversion's
/// binary residue does not show).
fn converted(x: f64) -> String {
    let rounded: f64 = format!("{x:.11e}").parse().unwrap_or(x);
    crate::report::format::claim_number(rounded, None)
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
            converted(claim / 100.0)
        ));
    }
    if lo >= 1.0 && hi <= 100.0 && claim > 0.0 && claim < 1.0 {
        return Some(format!(
            "the claim {claim} is below 1 but every run lies in {range}: are the runs in percent \
             and the claim a fraction? Pass {} (the claim × 100), or --units-ok if the units really agree",
            converted(claim * 100.0)
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
