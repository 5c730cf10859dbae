//! Comparisons that draw a method from another paper (`MethodRef`): each reference is checked
//! against the loaded papers once all are loaded; a paper with a bad reference is broken, and a
//! comparison that references a broken paper is left out of its (otherwise valid) paper.

use super::paper::LoadedPaper;
use super::schema::*;
use crate::Result;
use std::collections::{BTreeMap, BTreeSet};

/// Checks every method reference of `[[comparisons]]` and `[[multi_comparisons]]` against the
/// loaded papers: the paper, its variant and its metric exist, the metric has the direction and
/// unit of the comparison's metric, and the other paper declares every dataset of this one (the
/// per-dataset pairing needs the same data). A multi-comparison has ≥ 2 methods, a unique id and
/// alpha 0.05 or 0.10.
#[cfg(test)]
pub(super) fn check_method_refs(papers: &BTreeMap<String, LoadedPaper>) -> Result<()> {
    let none = BTreeMap::new();
    for p in papers.values() {
        check_paper_refs(p, papers, &none)?;
    }
    Ok(())
}

/// Moves every paper whose method references are invalid ([`check_paper_refs`]) from `papers`
/// to `broken` (repeatedly: a paper that referenced a newly broken one is checked again), then
/// leaves out of the remaining papers each comparison and multi-comparison that references a
/// broken paper. Returns one sentence per comparison left out, by referencing paper.
pub(super) fn settle(
    papers: &mut BTreeMap<String, LoadedPaper>,
    broken: &mut BTreeMap<String, String>,
) -> BTreeMap<String, Vec<String>> {
    loop {
        let failed: Vec<(String, String)> = papers
            .values()
            .filter_map(|p| {
                check_paper_refs(p, papers, broken)
                    .err()
                    .map(|e| (p.id().to_string(), e.to_string()))
            })
            .collect();
        if failed.is_empty() {
            break;
        }
        for (id, e) in failed {
            papers.remove(&id);
            broken.insert(id, e);
        }
    }
    let mut by_paper = BTreeMap::new();
    for p in papers.values_mut() {
        let mut notes = Vec::new();
        let own = p.config.paper.id.clone();
        let dead = |r: &toml::Spanned<MethodRef>| {
            let other = r.get_ref().paper(&own).to_string();
            broken.contains_key(&other).then_some(other)
        };
        let mut note = |what: String, other: String| {
            notes.push(format!(
                "paper `{own}`: {what} is unavailable, left out of this report: it references paper `{other}`, whose config is invalid (see its error above)"
            ))
        };
        p.config
            .comparisons
            .retain(|cmp| match cmp.run_refs().find_map(&dead) {
                Some(other) => {
                    note(format!("comparison `{}`", cmp.id), other);
                    false
                }
                None => true,
            });
        p.config
            .multi_comparisons
            .retain(|mc| match mc.methods.iter().find_map(&dead) {
                Some(other) => {
                    note(format!("multi_comparison `{}`", mc.id), other);
                    false
                }
                None => true,
            });
        if !notes.is_empty() {
            by_paper.insert(own, notes);
        }
    }
    by_paper
}

/// [`check_method_refs`] of one paper `p`; a reference to a paper in `broken` is not checked
/// (the comparison is left out by [`settle`]).
fn check_paper_refs(
    p: &LoadedPaper,
    papers: &BTreeMap<String, LoadedPaper>,
    broken: &BTreeMap<String, String>,
) -> Result<()> {
    let c = &p.config;
    let own = c.paper.id.as_str();
    let check = |r: &toml::Spanned<MethodRef>, metric: &str, what: &str| -> Result<()> {
        let m = r.get_ref();
        if broken.contains_key(m.paper(own)) {
            return Ok(());
        }
        let err = |msg: String| p.error(r.span(), format!("{what}: {msg}"));
        let other = papers.get(m.paper(own)).ok_or_else(|| {
            err(format!(
                "unknown paper `{}` (papers: {})",
                m.paper(own),
                papers.keys().cloned().collect::<Vec<_>>().join(", ")
            ))
        })?;
        let oc = &other.config;
        if !oc.variants.contains_key(m.variant()) {
            return Err(err(format!(
                "paper `{}` has no variant `{}`",
                other.id(),
                m.variant()
            )));
        }
        let want = &c.metrics[metric];
        let name = m.metric().unwrap_or(metric);
        let got = oc.metrics.get(name).ok_or_else(|| {
            err(format!(
                "paper `{}` declares no metric `{name}`",
                other.id()
            ))
        })?;
        if got.better != want.better || got.unit != want.unit {
            return Err(err(format!(
                "metric `{name}` of `{}` ({:?}, {}) must have the direction and unit of `{metric}` ({:?}, {})",
                other.id(),
                got.better,
                got.unit,
                want.better,
                want.unit
            )));
        }
        for d in &c.datasets {
            if !oc.datasets.iter().any(|o| o.get_ref() == d.get_ref()) {
                return Err(err(format!(
                    "paper `{}` does not declare dataset `{}`",
                    other.id(),
                    d.get_ref()
                )));
            }
        }
        Ok(())
    };
    for cmp in &c.comparisons {
        let f = format!("comparison `{}`", cmp.id);
        check(
            &cmp.method,
            cmp.metric.get_ref(),
            &format!("{f}, field `method`"),
        )?;
        let bm = cmp.baseline_metric.as_ref().unwrap_or(&cmp.metric);
        check(
            &cmp.baseline,
            bm.get_ref(),
            &format!("{f}, field `baseline`"),
        )?;
        if let Some(t) = &cmp.tuned_baseline {
            check(
                &t.method,
                bm.get_ref(),
                &format!("{f}, field `tuned_baseline.method`"),
            )?;
        }
    }
    let mut ids = BTreeSet::new();
    for mc in &c.multi_comparisons {
        let f = format!("multi_comparison `{}`", mc.id);
        if !ids.insert(mc.id.clone()) {
            return Err(p.error(mc.metric.span(), format!("{f}: duplicate id")));
        }
        if !c.metrics.contains_key(mc.metric.get_ref()) {
            return Err(p.error(
                mc.metric.span(),
                format!("{f}: unknown metric `{}`", mc.metric.get_ref()),
            ));
        }
        if mc.methods.len() < 2 {
            return Err(p.error(mc.metric.span(), format!("{f}: needs at least 2 methods")));
        }
        if mc.alpha.is_some_and(|a| a != 0.05 && a != 0.10) {
            return Err(p.error(
                mc.metric.span(),
                format!("{f}: alpha must be 0.05 or 0.10 (Demšar's Table 5)"),
            ));
        }
        for (i, m) in mc.methods.iter().enumerate() {
            check(m, mc.metric.get_ref(), &format!("{f}, methods[{i}]"))?;
        }
    }
    Ok(())
}
