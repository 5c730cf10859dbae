//! `harness audit table`: the paper-level test (`repro_stats::paper_level`) and the faithfulness check
//! (`repro_stats::faithfulness`) on numbers a reviewer brings, as one long-format CSV.

use super::input::{parse_reported_as, read_text};
use repro_stats::describe::fmt_sig;
use repro_stats::error::{Result, StatsError};
use repro_stats::faithfulness::{compare_with_published, Faithfulness, FAITHFULNESS_RULES};
use repro_stats::paper_level::{assess_table, table_rules_text, TableAssessment, TableClaim};
use repro_stats::verdict::{Claim, Direction, Outcome, ReportedAs, Rules};
use std::collections::BTreeMap;

/// The example and format shown by `harness audit table --help` (run by an end-to-end test).
pub const TABLE_EXAMPLES: &str = "\
Example (run from the repository root):
  harness audit table harness/stats/examples/table.csv --higher-is-better

File format: a CSV with a header row, one row per run of a claim (long format). Required columns:
  claim        claim id (rows of one claim are grouped by it)
  value        the claimed number (the same on every row of the claim)
  reported_as  single, mean-of:N, best-of:N or unknown (the same on every row of the claim)
  seed         the run's seed or split (any text)
  result       the run's metric value; nan/failed/diverged/crashed or empty = a failed run
Optional columns: direction (higher/lower, overrides the flag), resolution (the claim is printed
to this step), standard_error (printed with the claim), run_set (claims on the same runs, e.g. two
metrics of one experiment, share a run set and count once), origin (`reproduction`, the default,
or `published`: the authors' own per-run values behind the claim, compared with the
reproduction's runs by Welch's t and Mann-Whitney U).";

/// `harness audit table`.
#[derive(Debug, Clone, clap::Args)]
#[command(after_help = TABLE_EXAMPLES)]
pub struct TableArgs {
    /// Long-format CSV: claim,value,reported_as,seed,result (+ optional columns, see below).
    pub results: std::path::PathBuf,
    /// Direction of every claim without a `direction` cell.
    #[command(flatten)]
    pub direction: OptionalDirection,
    /// One-sided level of the combined test (and 1 − confidence of the intervals).
    #[arg(long, default_value_t = 0.05)]
    pub alpha: f64,
    /// Minimum independent run sets for a verdict.
    #[arg(long, default_value_t = 2)]
    pub min_run_sets: usize,
    /// Print JSON instead of Markdown.
    #[arg(long)]
    pub json: bool,
}

/// `--higher-is-better` / `--lower-is-better`, optional when the CSV has a `direction` column.
#[derive(Debug, Clone, clap::Args)]
#[group(required = false, multiple = false)]
pub struct OptionalDirection {
    /// Larger values are better (accuracy, reward).
    #[arg(long)]
    pub higher_is_better: bool,
    /// Smaller values are better (error, loss).
    #[arg(long)]
    pub lower_is_better: bool,
}

impl OptionalDirection {
    /// The direction given, if any.
    pub fn direction(&self) -> Option<Direction> {
        if self.lower_is_better {
            Some(Direction::Lower)
        } else if self.higher_is_better {
            Some(Direction::Higher)
        } else {
            None
        }
    }
}

/// A table read from the CSV: the claims with their runs, and the published runs by claim id.
#[derive(Debug, Clone, PartialEq)]
pub struct TableInput {
    /// Claims in order of first appearance.
    pub claims: Vec<TableClaim>,
    /// Published per-run values by claim id.
    pub published: BTreeMap<String, Vec<f64>>,
}

fn split_csv(line: &str) -> Vec<String> {
    line.split(',')
        .map(|c| c.trim().trim_matches('"').to_string())
        .collect()
}

/// Reads the long-format CSV (see [`TABLE_EXAMPLES`]). Errors name the file, line and column.
pub fn read_table(text: &str, file: &str, default_dir: Option<Direction>) -> Result<TableInput> {
    let mut lines = text
        .lines()
        .enumerate()
        .map(|(i, l)| (i + 1, l.trim()))
        .filter(|(_, l)| !l.is_empty() && !l.starts_with('#'));
    let (hl, header) = lines.next().ok_or_else(|| {
        StatsError::Input(format!(
            "{file}: file is empty; expected a header claim,value,reported_as,seed,result"
        ))
    })?;
    let cols = split_csv(header);
    let find = |name: &str| cols.iter().position(|c| c.eq_ignore_ascii_case(name));
    let need = |name: &str| {
        find(name).ok_or_else(|| {
            StatsError::Input(format!(
                "{file}:{hl}: header lacks column {name:?} (found: {}); required: claim,value,reported_as,seed,result",
                cols.join(", ")
            ))
        })
    };
    let (jc, jv, jr, js, jx) = (
        need("claim")?,
        need("value")?,
        need("reported_as")?,
        need("seed")?,
        need("result")?,
    );
    let (jd, jres, jse, jset, jo) = (
        find("direction"),
        find("resolution"),
        find("standard_error"),
        find("run_set"),
        find("origin"),
    );
    struct Acc {
        claim: Claim,
        run_set: Option<String>,
        runs: Vec<(String, Outcome)>,
        line: usize,
    }
    let mut order: Vec<String> = Vec::new();
    let mut acc: BTreeMap<String, Acc> = BTreeMap::new();
    let mut published: BTreeMap<String, Vec<f64>> = BTreeMap::new();
    for (ln, l) in lines {
        let c = split_csv(l);
        let cell = |j: usize, name: &str| -> Result<String> {
            c.get(j).cloned().ok_or_else(|| {
                StatsError::Input(format!(
                    "{file}:{ln}: missing field {name:?} (the row has {} cells)",
                    c.len()
                ))
            })
        };
        let opt = |j: Option<usize>| j.and_then(|j| c.get(j).cloned()).filter(|s| !s.is_empty());
        let num = |name: &str, s: &str| -> Result<f64> {
            s.parse::<f64>()
                .ok()
                .filter(|v| v.is_finite())
                .ok_or_else(|| {
                    StatsError::Input(format!(
                        "{file}:{ln}: field {name:?} = {s:?} is not a finite number"
                    ))
                })
        };
        let id = cell(jc, "claim")?;
        if id.is_empty() {
            return Err(StatsError::Input(format!("{file}:{ln}: empty claim id")));
        }
        let value = num("value", &cell(jv, "value")?)?;
        let reported_as: ReportedAs = parse_reported_as(&cell(jr, "reported_as")?)
            .map_err(|e| StatsError::Input(format!("{file}:{ln}: {e}")))?;
        let direction = match opt(jd).map(|s| s.to_ascii_lowercase()) {
            Some(d) if d == "higher" => Direction::Higher,
            Some(d) if d == "lower" => Direction::Lower,
            Some(d) => {
                return Err(StatsError::Input(format!(
                    "{file}:{ln}: direction {d:?}: use higher or lower"
                )))
            }
            None => default_dir.ok_or_else(|| {
                StatsError::Input(format!(
                    "{file}:{ln}: no direction: pass --higher-is-better or --lower-is-better, or add a direction column"
                ))
            })?,
        };
        let resolution = opt(jres).map(|s| num("resolution", &s)).transpose()?;
        let standard_error = opt(jse).map(|s| num("standard_error", &s)).transpose()?;
        if resolution.is_some_and(|r| r < 0.0) || standard_error.is_some_and(|s| s < 0.0) {
            return Err(StatsError::Input(format!(
                "{file}:{ln}: resolution and standard_error must be ≥ 0"
            )));
        }
        super::procedures::check_resolution(&id, value, resolution)
            .map_err(|e| StatsError::Input(format!("{file}:{ln}: {e}")))?;
        let seed = cell(js, "seed")?;
        let raw = cell(jx, "result")?;
        let result = if raw.is_empty() {
            Outcome::Failed
        } else {
            Outcome::parse_cell(&raw).ok_or_else(|| {
                StatsError::Input(format!(
                    "{file}:{ln}: field \"result\" = {raw:?} is not a number; write a number, or nan/failed/diverged for a failed run"
                ))
            })?
        };
        let claim = Claim {
            id: id.clone(),
            value,
            standard_error,
            direction,
            reported_as,
            resolution,
            margin: None,
        };
        let origin = opt(jo).map(|s| s.to_ascii_lowercase());
        match origin.as_deref() {
            None | Some("reproduction") => {}
            Some("published") => {
                let v = result.finite().ok_or_else(|| {
                    StatsError::Input(format!(
                        "{file}:{ln}: a published value must be a finite number"
                    ))
                })?;
                published.entry(id.clone()).or_default().push(v);
            }
            Some(o) => {
                return Err(StatsError::Input(format!(
                    "{file}:{ln}: origin {o:?}: use reproduction or published"
                )))
            }
        }
        match acc.get_mut(&id) {
            Some(a) => {
                if a.claim != claim {
                    return Err(StatsError::Input(format!(
                        "{file}:{ln}: claim {id:?} has a different value, reported_as, direction, resolution or standard_error than on line {}; they must be the same on every row of a claim",
                        a.line
                    )));
                }
                if a.run_set != opt(jset) {
                    return Err(StatsError::Input(format!(
                        "{file}:{ln}: claim {id:?} has a different run_set than on line {}",
                        a.line
                    )));
                }
                if origin.as_deref() != Some("published") {
                    a.runs.push((seed, result));
                }
            }
            None => {
                order.push(id.clone());
                let runs = if origin.as_deref() == Some("published") {
                    vec![]
                } else {
                    vec![(seed, result)]
                };
                acc.insert(
                    id.clone(),
                    Acc {
                        claim,
                        run_set: opt(jset),
                        runs,
                        line: ln,
                    },
                );
            }
        }
    }
    if order.is_empty() {
        return Err(StatsError::Input(format!(
            "{file}: no data rows after the header"
        )));
    }
    let claims = order
        .into_iter()
        .filter_map(|id| acc.remove(&id))
        .map(|a| TableClaim {
            claim: a.claim,
            run_set: a.run_set,
            runs: a.runs.into_iter().map(|(_, o)| o).collect(),
        })
        .collect();
    Ok(TableInput { claims, published })
}

fn o4(v: f64) -> String {
    if v.is_infinite() {
        "∞".into()
    } else {
        fmt_sig(v, 4)
    }
}

/// Markdown of a table assessment and its faithfulness checks, with the rules.
pub fn table_markdown(
    a: &TableAssessment,
    faithful: &[(String, Faithfulness)],
    rules: &Rules,
) -> String {
    let mut s = String::from(
        "| claim | run set | n (failed) | tested value | honest expected | runs' sd | optimism (sd) | t | p (one-sided) | favourable |\n|---|---|---|---|---|---|---|---|---|---|\n",
    );
    for c in &a.claims {
        s += &format!(
            "| {} | {} | {} ({}) | {} | {} | {} | {} | {} | {} | {} |\n",
            c.id,
            c.run_set,
            c.n,
            c.n_failed,
            o4(c.tested_value),
            o4(c.honest_expected),
            o4(c.sd),
            fmt_sig(c.optimism_sd, 3),
            fmt_sig(c.t, 3),
            fmt_sig(c.p_value, 3),
            if c.favourable { "yes" } else { "no" }
        );
    }
    for e in &a.excluded {
        s += &format!("\nNot placed: `{}`: {}", e.id, e.reason);
    }
    s += &format!("\n\n**Paper level** — {}\n", a.summary);
    for (id, f) in faithful {
        s += &format!("\n**Faithfulness of `{id}`** — {}\n", f.summary);
    }
    s += &format!("\nRule: {}\n", table_rules_text(rules));
    if !faithful.is_empty() {
        s += &format!("\nFaithfulness rule: {FAITHFULNESS_RULES}\n");
    }
    s
}

/// Runs `harness audit table` and returns the text to print (Markdown or JSON).
pub fn run(args: &TableArgs) -> Result<String> {
    if !(args.alpha > 0.0 && args.alpha < 1.0) {
        return Err(StatsError::Input(format!(
            "--alpha {}: must lie strictly between 0 and 1",
            args.alpha
        )));
    }
    let file = args.results.display().to_string();
    let text = read_text(&args.results)?;
    let input = read_table(&text, &file, args.direction.direction())?;
    if input.claims.len() > repro_stats::paper_level::MAX_TABLE_CLAIMS {
        return Err(StatsError::Input(format!(
            "{file}: {} claims exceed the ceiling of {}",
            input.claims.len(),
            repro_stats::paper_level::MAX_TABLE_CLAIMS
        )));
    }
    let rules = Rules {
        alpha: args.alpha,
        min_run_sets: args.min_run_sets,
        ..Rules::default()
    };
    let a = assess_table(&input.claims, &rules);
    let faithful: Vec<(String, Faithfulness)> = input
        .claims
        .iter()
        .filter_map(|c| {
            let p = input.published.get(&c.claim.id)?;
            Some((
                c.claim.id.clone(),
                compare_with_published(&c.runs, p, &format!("{file}, origin = published"), &rules),
            ))
        })
        .collect();
    if args.json {
        // Each part through `to_json`, so ±∞ and NaN are "Infinity"/"NaN" as in `harness stats`
        // (`json!` would turn them into null).
        use super::procedures::to_json;
        super::render::to_pretty(&serde_json::json!({
            "paper_level": to_json(&a),
            "faithfulness": faithful.iter().map(|(id, f)| serde_json::json!({"claim": id, "result": to_json(f)})).collect::<Vec<_>>(),
            "rules": table_rules_text(&rules),
        }))
    } else {
        Ok(table_markdown(&a, &faithful, &rules))
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn reads_long_format_with_optional_columns_and_published_rows() {
        let csv = "claim,value,reported_as,seed,result,run_set,origin\n\
                   a,0.9,single,0,0.8,s1,\n\
                   a,0.9,single,1,0.82,s1,\n\
                   a,0.9,single,p0,0.85,s1,published\n\
                   b,0.3,best-of:5,0,failed,s1,\n\
                   b,0.3,best-of:5,1,0.2,s1,\n";
        let t = read_table(csv, "t.csv", Some(Direction::Higher)).unwrap();
        assert_eq!(t.claims.len(), 2);
        assert_eq!(t.claims[0].runs.len(), 2);
        assert_eq!(t.claims[1].runs[0], Outcome::Failed);
        assert_eq!(t.claims[1].claim.reported_as, ReportedAs::BestOf { n: 5 });
        assert_eq!(t.claims[0].run_set.as_deref(), Some("s1"));
        assert_eq!(t.published["a"], vec![0.85]);
    }

    #[test]
    fn inconsistent_or_bad_rows_name_the_line() {
        let e = read_table(
            "claim,value,reported_as,seed,result\na,0.9,single,0,0.8\na,0.8,single,1,0.8\n",
            "t.csv",
            Some(Direction::Higher),
        )
        .unwrap_err()
        .to_string();
        assert!(e.contains("t.csv:3") && e.contains("line 2"), "{e}");
        let e = read_table("claim,value,seed,result\n", "t.csv", None)
            .unwrap_err()
            .to_string();
        assert!(e.contains("reported_as"), "{e}");
        let e = read_table(
            "claim,value,reported_as,seed,result\na,0.9,single,0,0.8\n",
            "t.csv",
            None,
        )
        .unwrap_err()
        .to_string();
        assert!(e.contains("--higher-is-better"), "{e}");
        let e = read_table(
            "claim,value,reported_as,seed,result\na,x,single,0,0.8\n",
            "t.csv",
            Some(Direction::Higher),
        )
        .unwrap_err()
        .to_string();
        assert!(e.contains("t.csv:2") && e.contains("\"value\""), "{e}");
    }
}
