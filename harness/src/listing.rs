//! Generated listings for `harness list`: the overview of papers, datasets and records (plain
//! `list`), the README's paper table (`--markdown`) and the key of every planned run (`--keys`,
//! to see which records a code or config change invalidates).

use crate::config::{load_suite, Project, ReportedAs};
use crate::record::Store;
use crate::run::{self, Selection};
use crate::{registry, Result};
use std::fmt::Write as _;

/// The overview `harness list` prints: each paper (title, authors, year) with its datasets,
/// seeds, variants and claims, and how many of their planned runs have a matching record in
/// `store`; its comparisons; then every declared dataset and the registered reproductions.
/// Unreadable records are warned about on stderr and counted as missing, and so is every set
/// of published tables that disagrees with its manifest ([`table_warnings`]).
///
/// Errors: a paper whose runs cannot be planned (a broken config).
pub fn overview(project: &Project, store: &Store) -> Result<String> {
    let mut out = String::new();
    for (id, paper) in &project.papers {
        let c = &paper.config;
        let _ = writeln!(
            out,
            "{id} — {} ({} {})",
            c.paper.title,
            c.paper.authors.join(", "),
            c.paper.year
        );
        let runs = run::plan(project, &[Selection::whole_paper(id.as_str())])?;
        let records = run::existing_records(store, &runs)?;
        let recorded = |keep: &dyn Fn(&run::RunSpec) -> bool| {
            runs.iter()
                .zip(&records)
                .filter(|(r, rec)| keep(r) && rec.is_some())
                .count()
        };
        let _ = writeln!(
            out,
            "  datasets: {}",
            c.datasets
                .iter()
                .map(|d| d.get_ref().as_str())
                .collect::<Vec<_>>()
                .join(", ")
        );
        let _ = writeln!(out, "  seeds: {} from {}", c.seeds.count, c.seeds.start);
        let _ = writeln!(out, "  variants (records present / planned):");
        for v in c.variants.keys() {
            let planned = runs.iter().filter(|r| &r.variant == v).count();
            let have = recorded(&|r| &r.variant == v);
            let _ = writeln!(out, "    {v}: {have}/{planned}");
        }
        let _ = writeln!(out, "  claims:");
        for cl in &c.claims {
            let have = recorded(&|r| {
                r.variant == *cl.variant.get_ref() && r.dataset == *cl.dataset.get_ref()
            });
            let how = match cl.reported_as {
                ReportedAs::SingleRun => "single run".to_string(),
                ReportedAs::MeanOf { n } => format!("mean of {n}"),
                ReportedAs::BestOf { n } => format!("best of {n}"),
                ReportedAs::Unknown => "reported as: unknown".to_string(),
            };
            let _ = writeln!(
                out,
                "    {}: {} {} on {} = {} ({how}); {have} records",
                cl.id,
                cl.variant.get_ref(),
                cl.metric.get_ref(),
                cl.dataset.get_ref(),
                cl.value
            );
        }
        for cmp in &c.comparisons {
            let _ = writeln!(
                out,
                "  comparison {}: {} vs {} on {}{}",
                cmp.id,
                cmp.method.get_ref(),
                cmp.baseline.get_ref(),
                cmp.metric.get_ref(),
                cmp.tuned_baseline
                    .as_ref()
                    .map(|t| format!(" (and vs the tuned baseline {})", t.method.get_ref()))
                    .unwrap_or_default()
            );
        }
    }
    let _ = writeln!(out, "datasets:");
    for (name, d) in &project.datasets.datasets {
        let bytes: u64 = d.files.iter().map(|f| f.size).sum();
        let _ = writeln!(
            out,
            "  {name} — {} ({} files, {:.1} MB, {})",
            d.title,
            d.files.len(),
            bytes as f64 / 1e6,
            d.license
        );
    }
    let _ = writeln!(
        out,
        "reproductions registered: {}",
        registry::ids().join(", ")
    );
    for w in table_warnings(&store.results_dir, &[]) {
        eprintln!("warning: {w}");
    }
    Ok(out)
}

/// One sentence per published set in `results_dir` whose tables disagree with their manifest
/// (`<paper>.manifest.json`; a publish was interrupted), naming the files and what repairs them:
/// the publish now under way for the papers in `republishing`, else `harness report --paper`.
pub fn table_warnings(results_dir: &std::path::Path, republishing: &[&str]) -> Vec<String> {
    crate::report::publish::inconsistent_sets(results_dir)
        .into_iter()
        .map(|(name, files)| {
            let fix = if republishing.contains(&name.as_str()) {
                "they are republished now".to_string()
            } else {
                format!("republish them with `harness report --paper {name}`")
            };
            format!(
                "the published tables of {name} disagree with {}: {} (a publish was interrupted); {fix}",
                results_dir.join(format!("{name}.manifest.json")).display(),
                files.join(", ")
            )
        })
        .collect()
}

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
            .map(|a| surname(a))
            .unwrap_or_default();
        let who = match c.paper.authors.len() {
            0 | 1 => first_author,
            2 => format!("{first_author} & {}", surname(&c.paper.authors[1])),
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

/// The surname of a full name as citations print it: the last word with the lowercase
/// particles before it (`Rianne van den Berg` → `van den Berg`, `Yarin Gal` → `Gal`).
pub fn surname(full: &str) -> String {
    let words: Vec<&str> = full.split_whitespace().collect();
    let Some(last) = words.len().checked_sub(1) else {
        return full.to_string();
    };
    let mut start = last;
    while start > 1
        && words[start - 1]
            .chars()
            .next()
            .is_some_and(char::is_lowercase)
    {
        start -= 1;
    }
    words[start..].join(" ")
}

#[cfg(test)]
mod surname_tests {
    #[test]
    fn a_surname_keeps_its_particles() {
        assert_eq!(super::surname("Rianne van den Berg"), "van den Berg");
        assert_eq!(super::surname("Yarin Gal"), "Gal");
        assert_eq!(super::surname("abelusha"), "abelusha");
        assert_eq!(super::surname("Ludwig van Beethoven"), "van Beethoven");
    }
}
