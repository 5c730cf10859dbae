//! Generated listings for `harness list`: the README's paper table (`--markdown`) and the key of
//! every planned run (`--keys`, to see which records a code or config change invalidates).

use crate::config::{load_suite, Project};
use crate::run::{self, Selection};
use crate::Result;
use std::fmt::Write as _;

/// Every planned run of every paper (each paper's whole config): `paper variant dataset seed N
/// key` lines, in plan order.
pub fn keys(project: &Project) -> Result<String> {
    let sel: Vec<Selection> = project
        .papers
        .keys()
        .map(|id| Selection::whole_paper(id.as_str()))
        .collect();
    let mut out = String::new();
    for r in run::plan(project, &sel)? {
        let _ = writeln!(out, "{} {}", r.label(), r.key());
    }
    Ok(out)
}

/// The README's paper table, generated from `configs/papers/*.toml`, `configs/datasets.toml` and
/// `configs/suites/*.toml`: one row per paper with its claims, datasets and suites.
pub fn markdown_table(project: &Project) -> Result<String> {
    let mut suites: Vec<String> = std::fs::read_dir(project.root.join("configs/suites"))
        .map(|rd| {
            rd.filter_map(|e| e.ok())
                .filter_map(|e| {
                    let p = e.path();
                    (p.extension()? == "toml")
                        .then(|| p.file_stem()?.to_str().map(str::to_string))
                        .flatten()
                })
                .collect()
        })
        .unwrap_or_default();
    suites.sort();
    let mut loaded = Vec::new();
    for s in &suites {
        loaded.push((s.clone(), load_suite(project, s)?));
    }
    let mut out =
        String::from("| paper id | paper | claims | datasets | suites |\n|---|---|---|---|---|\n");
    for (id, paper) in &project.papers {
        let c = &paper.config;
        let first_author = c
            .paper
            .authors
            .first()
            .map(|a| a.split_whitespace().last().unwrap_or(a).to_string())
            .unwrap_or_default();
        let who = match c.paper.authors.len() {
            0 | 1 => first_author,
            2 => format!(
                "{first_author} & {}",
                c.paper.authors[1]
                    .split_whitespace()
                    .last()
                    .unwrap_or_default()
            ),
            _ => format!("{first_author} et al."),
        };
        let mut metrics: Vec<&str> = c
            .claims
            .iter()
            .map(|x| x.metric.get_ref().as_str())
            .collect();
        metrics.sort_unstable();
        metrics.dedup();
        let mut variants: Vec<&str> = c
            .claims
            .iter()
            .map(|x| x.variant.get_ref().as_str())
            .collect();
        variants.sort_unstable();
        variants.dedup();
        let claims = format!(
            "{} claim{} ({}) on {} variant{}{}",
            c.claims.len(),
            if c.claims.len() == 1 { "" } else { "s" },
            metrics
                .iter()
                .map(|m| format!("`{m}`"))
                .collect::<Vec<_>>()
                .join(", "),
            variants.len(),
            if variants.len() == 1 { "" } else { "s" },
            match c.comparisons.len() {
                0 => String::new(),
                n => format!("; {n} comparison{}", if n == 1 { "" } else { "s" }),
            }
        );
        let datasets = c
            .datasets
            .iter()
            .map(|d| {
                let name = d.get_ref();
                let spec = project.datasets.datasets.get(name);
                let simulated = spec.is_some_and(|s| s.environment.is_some());
                let shipped = spec.is_some_and(|s| {
                    s.files
                        .iter()
                        .all(|f| project.root.join("data").join(&f.path).is_file())
                });
                if simulated {
                    format!("{name} (simulated)")
                } else if shipped {
                    format!("{name} (shipped)")
                } else {
                    name.clone()
                }
            })
            .collect::<Vec<_>>()
            .join(", ");
        let in_suites: Vec<String> = loaded
            .iter()
            .filter_map(|(name, s)| {
                let e = s.papers.iter().find(|e| e.id.get_ref() == id)?;
                let partial = e.variants.is_some() || e.datasets.is_some() || e.seeds.is_some();
                Some(if partial {
                    format!("{name} (part)")
                } else {
                    name.clone()
                })
            })
            .collect();
        let _ = writeln!(
            out,
            "| `{id}` | {who} ({}), *{}* | {claims} | {datasets} | {} |",
            c.paper.year,
            c.paper.title,
            if in_suites.is_empty() {
                "—".to_string()
            } else {
                in_suites.join(", ")
            }
        );
    }
    Ok(out)
}
