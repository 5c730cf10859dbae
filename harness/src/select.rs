//! Which runs a command acts on: the `--paper`/`--suite`/`--variant`/`--dataset`/`--seeds`
//! options turned into [`Selection`]s, with every name checked against the configs (a near miss
//! gets a suggestion, and the error lists the valid names).

use crate::config::Project;
use crate::error::HarnessError;
use crate::run::{self, Selection};
use crate::Result;

/// The suite used when neither a paper nor a suite is named.
pub const DEFAULT_SUITE: &str = "quick";

/// What the command line asked for (the selection options of `run`, `report` and `fetch`).
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct SelectRequest {
    /// Paper ids (`--paper`, repeatable). Without papers and suite: [`DEFAULT_SUITE`].
    pub papers: Vec<String>,
    /// Suite name (`configs/suites/<name>.toml`).
    pub suite: Option<String>,
    /// Only these variants (empty = the selection's own).
    pub variants: Vec<String>,
    /// Only these datasets (empty = the selection's own).
    pub datasets: Vec<String>,
    /// At most this many seeds per (variant, dataset).
    pub seeds: Option<usize>,
}

impl SelectRequest {
    /// The suite the selection comes from: `--suite`, or [`DEFAULT_SUITE`] when neither
    /// `--paper` nor `--suite` is given; `None` for whole papers.
    pub fn suite_name(&self) -> Option<&str> {
        match (&self.suite, self.papers.is_empty()) {
            (Some(n), _) => Some(n.as_str()),
            (None, true) => Some(DEFAULT_SUITE),
            (None, false) => None,
        }
    }
}

/// `"; did you mean `x`?"` when `name` is close to one of `candidates`, else `""`.
pub fn did_you_mean<'a>(name: &str, candidates: impl IntoIterator<Item = &'a str>) -> String {
    crate::audit::closest(name, candidates)
        .map(|c| format!("; did you mean `{c}`?"))
        .unwrap_or_default()
}

/// Suite names under `configs/suites/` (the `.toml` file stems), sorted; empty when the
/// directory cannot be read.
pub fn suite_names(project: &Project) -> Vec<String> {
    let mut v: Vec<String> = std::fs::read_dir(project.root.join("configs/suites"))
        .map(|rd| {
            rd.filter_map(|e| e.ok())
                .map(|e| e.path())
                .filter(|p| p.extension().is_some_and(|x| x == "toml"))
                .filter_map(|p| p.file_stem().map(|s| s.to_string_lossy().into_owned()))
                .collect()
        })
        .unwrap_or_default();
    v.sort();
    v
}

/// Checks the paper and suite names of `req` against the configs.
///
/// Errors ([`HarnessError::Selection`]): an unknown paper or suite, with a suggestion for a
/// near miss and the list of valid names; [`HarnessError::BrokenPaper`] (its own config error)
/// for a paper whose config is invalid.
fn check_names(project: &Project, req: &SelectRequest) -> Result<()> {
    let papers: Vec<&str> = project.papers.keys().map(String::as_str).collect();
    for p in &req.papers {
        if project.broken.contains_key(p) {
            // its own config error, not "no paper"
            project.paper(p)?;
        }
        if !project.papers.contains_key(p) {
            return Err(HarnessError::Selection(format!(
                "no paper `{p}`{}; papers: {}",
                did_you_mean(p, papers.iter().copied()),
                papers.join(", ")
            )));
        }
    }
    if let Some(name) = &req.suite {
        let suites = suite_names(project);
        if !suites.contains(name) {
            return Err(HarnessError::Selection(format!(
                "no suite `{name}` (configs/suites/{name}.toml){}; suites: {}",
                did_you_mean(name, suites.iter().map(String::as_str)),
                suites.join(", ")
            )));
        }
    }
    Ok(())
}

/// Checks that every name in `wanted` is one of `known` (a `what` of paper `paper`).
fn check_known(paper: &str, what: &str, wanted: &[String], known: &[&str]) -> Result<()> {
    for w in wanted {
        if !known.contains(&w.as_str()) {
            return Err(HarnessError::Selection(format!(
                "paper `{paper}` has no {what} `{w}`{}; its {what}s: {}",
                did_you_mean(w, known.iter().copied()),
                known.join(", ")
            )));
        }
    }
    Ok(())
}

/// The selections `req` asks for. `--paper` alone: whole papers; otherwise the suite (default
/// [`DEFAULT_SUITE`]), restricted to the `--paper` ids when both are given (keeping the suite's
/// own restrictions for them); then `--variant`, `--dataset` and `--seeds` narrow each.
///
/// Errors: an unknown paper, suite, variant or dataset ([`HarnessError::Selection`], naming the
/// valid ones); a suite with none of the papers; a suite file that does not load.
pub fn selections(project: &Project, req: &SelectRequest) -> Result<Vec<Selection>> {
    check_names(project, req)?;
    let mut sel = match (&req.suite, req.papers.is_empty()) {
        (None, false) => req
            .papers
            .iter()
            .map(|p| {
                project.paper(p)?;
                Ok(Selection::whole_paper(p.as_str()))
            })
            .collect::<Result<Vec<_>>>()?,
        (suite, _) => {
            let name = suite.as_deref().unwrap_or(DEFAULT_SUITE);
            let all = run::suite_selections(project, name)?;
            if req.papers.is_empty() {
                all
            } else {
                let kept: Vec<Selection> = all
                    .into_iter()
                    .filter(|x| req.papers.contains(&x.paper))
                    .collect();
                if kept.is_empty() {
                    return Err(HarnessError::Selection(format!(
                        "suite `{name}` has none of the papers {:?}",
                        req.papers
                    )));
                }
                kept
            }
        }
    };
    for x in &mut sel {
        let paper = project.paper(&x.paper)?;
        if !req.variants.is_empty() {
            let known: Vec<&str> = paper.config.variants.keys().map(String::as_str).collect();
            check_known(&x.paper, "variant", &req.variants, &known)?;
            let mut v = req.variants.clone();
            v.dedup();
            x.variants = Some(v);
        }
        if !req.datasets.is_empty() {
            let known: Vec<&str> = paper
                .config
                .datasets
                .iter()
                .map(|d| d.get_ref().as_str())
                .collect();
            check_known(&x.paper, "dataset", &req.datasets, &known)?;
            let mut d = req.datasets.clone();
            d.dedup();
            x.datasets = Some(d);
        }
        if let Some(n) = req.seeds {
            x.seeds = Some(x.seeds.map_or(n, |m| m.min(n)));
        }
    }
    Ok(sel)
}

#[cfg(test)]
mod tests {
    use super::*;

    fn req(papers: &[&str], suite: Option<&str>) -> SelectRequest {
        SelectRequest {
            papers: papers.iter().map(|s| s.to_string()).collect(),
            suite: suite.map(str::to_string),
            ..Default::default()
        }
    }

    #[test]
    fn the_suite_name_follows_the_options() {
        assert_eq!(req(&[], None).suite_name(), Some(DEFAULT_SUITE));
        assert_eq!(req(&["p"], None).suite_name(), None);
        assert_eq!(req(&["p"], Some("full")).suite_name(), Some("full"));
        assert_eq!(req(&[], Some("grid")).suite_name(), Some("grid"));
    }

    #[test]
    fn a_near_miss_gets_a_suggestion() {
        let s = did_you_mean("quik", ["quick", "full"]);
        assert_eq!(s, "; did you mean `quick`?");
        assert_eq!(did_you_mean("zzzzzzzz", ["quick", "full"]), "");
    }

    #[test]
    fn an_unknown_variant_names_the_valid_ones() {
        let err = check_known("p", "variant", &["mpl".into()], &["mlp", "cnn"]).unwrap_err();
        let msg = err.to_string();
        assert!(matches!(err, HarnessError::Selection(_)));
        assert!(msg.starts_with("paper `p` has no variant `mpl`"), "{msg}");
        assert!(msg.ends_with("its variants: mlp, cnn"), "{msg}");
        assert!(check_known("p", "dataset", &["a".into()], &["a"]).is_ok());
    }
}
