//! The records that a paper's comparisons read from other papers (or variants) without running
//! them, and a sentence per (paper, variant) saying how many were read and how many carry a key
//! other than today's. Part of the model: it only reads the store.

use crate::config::Project;
use crate::record::RunRecord;
use crate::run::RunSpec;
use crate::Result;
use std::collections::BTreeMap;

/// The runs of other papers (or variants) that the comparisons of the papers in `runs` read and
/// that `runs` does not hold, with their stored records (`None` = missing). They are only read,
/// never run, and read as stored: a record whose key differs from today's (computed by other code
/// or config of that paper) is still used, and [`referenced_note`] counts such records. Errors: a paper
/// that is not in the project, a stored record that cannot be read.
pub fn referenced(
    project: &Project,
    store: &crate::record::Store,
    runs: &[RunSpec],
) -> Result<Vec<(RunSpec, Option<RunRecord>)>> {
    let have: std::collections::BTreeSet<(&str, &str)> = runs
        .iter()
        .map(|r| (r.paper.as_str(), r.variant.as_str()))
        .collect();
    let mut want: Vec<(String, String)> = Vec::new();
    let mut papers: Vec<&str> = runs.iter().map(|r| r.paper.as_str()).collect();
    papers.dedup();
    for pid in papers {
        let c = &project.paper(pid)?.config;
        let refs = c
            .comparisons
            .iter()
            .flat_map(|x| x.run_refs())
            .chain(c.multi_comparisons.iter().flat_map(|m| &m.methods));
        for r in refs {
            let key = (
                r.get_ref().paper(pid).to_string(),
                r.get_ref().variant().to_string(),
            );
            if !have.contains(&(key.0.as_str(), key.1.as_str())) && !want.contains(&key) {
                want.push(key);
            }
        }
    }
    let sel: Vec<crate::run::Selection> = want
        .into_iter()
        .map(|(paper, v)| crate::run::Selection {
            paper,
            variants: Some(vec![v]),
            datasets: None,
            seeds: None,
        })
        .collect();
    let specs = crate::run::plan(project, &sel)?;
    let recs = specs
        .iter()
        .map(|r| store.load(&store.record_path(&r.id)))
        .collect::<Result<Vec<_>>>()?;
    Ok(specs.into_iter().zip(recs).collect())
}

/// One sentence per referenced (paper, variant), by (paper, variant): records read, and how
/// many of them have a key other than today's (computed by other code, config or data of that paper).
pub fn referenced_note(
    referenced: &[(RunSpec, Option<RunRecord>)],
) -> Vec<((String, String), String)> {
    let mut by: BTreeMap<(&str, &str), (usize, usize, usize)> = BTreeMap::new();
    for (spec, rec) in referenced {
        let e = by.entry((&spec.paper, &spec.variant)).or_default();
        e.0 += 1;
        if let Some(r) = rec {
            e.1 += 1;
            if r.key != spec.key() {
                e.2 += 1;
            }
        }
    }
    by.into_iter()
        .map(|((p, v), (planned, read, stale))| {
            (
                (p.to_string(), v.to_string()),
                format!(
                    "{p}/{v}: {read} of {planned} stored records read as stored (reused, not re-run here); {stale} of them carry a key other than today's (computed by an earlier version of that paper's code or config)"
                ),
            )
        })
        .collect()
}
