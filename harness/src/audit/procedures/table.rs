//! The paper-level procedures of `harness stats`: `mann_whitney_u`, `faithfulness`,
//! `paper_level` and `best_of_pivot_sf`.

use super::inputs::{check_resolution, check_rules, RulesIn};
use super::json::to_json as to;
use repro_stats::describe::{check_finite, Alternative};
use repro_stats::error::{Result, StatsError};
use repro_stats::mannwhitney::{mann_whitney_u, MannWhitneyMethod};
use repro_stats::paper_level::{
    assess_table, best_of_pivot_sf, table_rules_text, TableClaim, MAX_TABLE_CLAIMS, MAX_TABLE_RUNS,
};
use repro_stats::verdict::{Outcome, Rules};
use serde::Deserialize;

fn parse<T: serde::de::DeserializeOwned>(v: &serde_json::Value) -> Result<T> {
    serde_json::from_value(v.clone()).map_err(|e| StatsError::Input(e.to_string()))
}
fn yes() -> bool {
    true
}
fn a05() -> f64 {
    0.05
}

/// Runs one of this module's procedures on `input` (called by [`super::run_procedure`], which
/// adds the expected fields to an input error). Errors: an invalid input
/// ([`StatsError::Input`], naming the field) or the procedure's own error.
pub(super) fn run_procedure(name: &str, input: &serde_json::Value) -> Result<serde_json::Value> {
    match name {
        "mann_whitney_u" => {
            #[derive(Deserialize)]
            #[serde(deny_unknown_fields)]
            struct In {
                x: Vec<f64>,
                y: Vec<f64>,
                #[serde(default = "yes")]
                use_continuity: bool,
                #[serde(default)]
                alternative: Alternative,
                #[serde(default)]
                method: MannWhitneyMethod,
            }
            let i: In = parse(input)?;
            let r = mann_whitney_u(&i.x, &i.y, i.use_continuity, i.alternative, i.method)?;
            Ok(to(&r))
        }
        "faithfulness" => {
            #[derive(Deserialize)]
            #[serde(deny_unknown_fields)]
            struct In {
                reproduced: Vec<Outcome>,
                published: Vec<f64>,
                #[serde(default)]
                source: String,
                #[serde(default = "a05")]
                alpha: f64,
            }
            let i: In = parse(input)?;
            check_finite(&i.published, "published")?;
            repro_stats::describe::check_alpha(i.alpha)?;
            let r = repro_stats::faithfulness::compare_with_published(
                &i.reproduced,
                &i.published,
                &i.source,
                &Rules {
                    alpha: i.alpha,
                    ..Rules::default()
                },
            );
            Ok(to(&r))
        }
        "paper_level" => {
            #[derive(Deserialize)]
            #[serde(deny_unknown_fields)]
            struct In {
                claims: Vec<TableClaim>,
                #[serde(default)]
                rules: RulesIn,
            }
            let i: In = parse(input)?;
            check_rules(&i.rules.0)?;
            for c in &i.claims {
                c.claim.validate()?;
                check_resolution(&c.claim.id, c.claim.value, c.claim.resolution)?;
            }
            if i.claims.len() > MAX_TABLE_CLAIMS {
                return Err(StatsError::param(
                    "claims",
                    i.claims.len(),
                    &format!("a table of more than {MAX_TABLE_CLAIMS} claims exceeds the ceiling"),
                ));
            }
            let runs: usize = i.claims.iter().map(|c| c.runs.len()).sum();
            if runs > MAX_TABLE_RUNS {
                return Err(StatsError::param(
                    "runs",
                    runs,
                    &format!("more than {MAX_TABLE_RUNS} runs in all exceeds the ceiling"),
                ));
            }
            let rules = i.rules.0;
            let mut out = to(&assess_table(&i.claims, &rules));
            if let Some(o) = out.as_object_mut() {
                o.insert("rules".into(), table_rules_text(&rules).into());
            }
            Ok(out)
        }
        "best_of_pivot_sf" => {
            #[derive(Deserialize)]
            #[serde(deny_unknown_fields)]
            struct In {
                q: f64,
                m: f64,
                n: usize,
            }
            let i: In = parse(input)?;
            if !(i.q.is_finite() && i.m >= 1.0 && i.m.is_finite() && i.n >= 3) {
                return Err(StatsError::param(
                    "q/m/n",
                    format!("{}/{}/{}", i.q, i.m, i.n),
                    "need a finite q, a finite m ≥ 1 and n ≥ 3",
                ));
            }
            Ok(serde_json::json!({"p_value": best_of_pivot_sf(i.q, i.m, i.n)}))
        }
        other => Err(StatsError::Input(format!(
            "`{other}` is not a procedure of paper_level"
        ))),
    }
}
