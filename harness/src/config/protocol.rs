//! Protocol declarations of a paper's metrics: `protocol` (which selection from training the
//! metric measures) and `same_quantity_as` (the metric that is the same quantity under another
//! protocol). Checked with the file and line of the offending value; read by the report's
//! protocol attribution ([`protocol_group`]).
//!
//! ```toml
//! [metrics.test_accuracy]
//! protocol = "final"
//! [metrics.best_test_accuracy]
//! protocol = "best_test_epoch"
//! same_quantity_as = "test_accuracy"
//! ```

use super::schema::{MetricSpec, PaperConfig, Protocol};
use crate::error::HarnessError;
use crate::Result;
use std::collections::BTreeMap;
use std::ops::Range;

/// Checks every metric's `protocol` and `same_quantity_as`: `best_of_k_seeds` is not declared
/// (it is derived from the `final` metric's runs); `same_quantity_as` names another declared
/// metric that is a group's root (a `protocol` and no `same_quantity_as` of its own), both
/// metrics declare a `protocol`, share direction and unit, and no two metrics of a group declare
/// the same protocol. Errors: `error(span, message)`, the config error at the line of the
/// offending value's byte span in the file.
pub fn check_protocols(
    metrics: &BTreeMap<String, MetricSpec>,
    error: &dyn Fn(Range<usize>, String) -> HarnessError,
) -> Result<()> {
    for (name, m) in metrics {
        let f = format!("[metrics.{name}]");
        if let Some(pr) = &m.protocol {
            if *pr.get_ref() == Protocol::BestOfKSeeds {
                return Err(error(
                    pr.span(),
                    format!("{f}: `protocol = \"best_of_k_seeds\"` is derived from the runs of the metric whose protocol is `final`, not recorded as a metric; declare `final`, `best_val_epoch` or `best_test_epoch`"),
                ));
            }
        }
        let Some(root) = &m.same_quantity_as else {
            continue;
        };
        let r = root.get_ref();
        let at = |msg: String| {
            Err(error(
                root.span(),
                format!("{f}: `same_quantity_as`: {msg}"),
            ))
        };
        let Some(target) = metrics.get(r) else {
            return at(format!(
                "unknown metric `{r}` (declared: {})",
                metrics.keys().cloned().collect::<Vec<_>>().join(", ")
            ));
        };
        if r == name {
            return at("names the metric itself; name the metric measuring the same quantity under another protocol".into());
        }
        if m.protocol.is_none() {
            return Err(error(
                root.span(),
                format!("{f}: declares `same_quantity_as` but no `protocol`; add `protocol = \"final\"`, `\"best_val_epoch\"` or `\"best_test_epoch\"`"),
            ));
        }
        if target.protocol.is_none() {
            return at(format!(
                "`{r}` declares no `protocol`; add one under [metrics.{r}]"
            ));
        }
        if let Some(up) = &target.same_quantity_as {
            return at(format!(
                "`{r}` is itself the same quantity as `{}`; name `{}` (the group's root) here",
                up.get_ref(),
                up.get_ref()
            ));
        }
        if target.better != m.better || target.unit != m.unit {
            return at(format!(
                "`{r}` must have the same direction and unit ({:?}, {}) as this metric ({:?}, {})",
                target.better, target.unit, m.better, m.unit
            ));
        }
    }
    for (root, group) in groups(metrics) {
        let mut seen: BTreeMap<Protocol, &str> = BTreeMap::new();
        for (name, m) in group {
            let Some(pr) = &m.protocol else { continue };
            if let Some(first) = seen.insert(*pr.get_ref(), name) {
                return Err(error(
                    pr.span(),
                    format!(
                        "[metrics.{name}]: `protocol = \"{}\"` is already the protocol of `{first}`, the same quantity (group of `{root}`); each protocol names one metric",
                        pr.get_ref()
                    ),
                ));
            }
        }
    }
    Ok(())
}

/// The groups of metrics that are one quantity, by root: the root first, then the metrics
/// naming it in `same_quantity_as` (in name order).
fn groups(metrics: &BTreeMap<String, MetricSpec>) -> BTreeMap<&str, Vec<(&str, &MetricSpec)>> {
    let mut out: BTreeMap<&str, Vec<(&str, &MetricSpec)>> = BTreeMap::new();
    for (name, m) in metrics {
        match &m.same_quantity_as {
            Some(r) => out.entry(r.get_ref().as_str()).or_default().push((name, m)),
            None if m.protocol.is_some() => {
                out.entry(name.as_str()).or_default().insert(0, (name, m))
            }
            None => {}
        }
    }
    out
}

/// The metrics measuring the same quantity as `metric` under a declared protocol, `metric`
/// included, as (protocol, metric name) in [`Protocol::ALL`] order; empty when `metric`
/// declares no protocol or no other metric shares its quantity (nothing to attribute).
pub fn protocol_group(c: &PaperConfig, metric: &str) -> Vec<(Protocol, String)> {
    let Some(m) = c.metrics.get(metric) else {
        return Vec::new();
    };
    if m.protocol.is_none() {
        return Vec::new();
    }
    let root = m
        .same_quantity_as
        .as_ref()
        .map_or(metric, |r| r.get_ref().as_str());
    let mut v: Vec<(Protocol, String)> = groups(&c.metrics)
        .remove(root)
        .unwrap_or_default()
        .into_iter()
        .filter_map(|(name, m)| {
            m.protocol
                .as_ref()
                .map(|p| (*p.get_ref(), name.to_string()))
        })
        .collect();
    if v.len() < 2 {
        return Vec::new();
    }
    v.sort();
    v
}

#[cfg(test)]
mod tests {
    use super::*;
    use std::path::PathBuf;

    const BASE: &str = r#"datasets = ["d"]
[paper]
id = "p"
title = "t"
authors = ["a"]
year = 2000
citation = "c"
url = "u"
[seeds]
count = 3
[variants.v]
a = 1
[metrics.acc]
better = "higher"
unit = "fraction"
description = "final"
protocol = "final"
[metrics.best_acc]
better = "higher"
unit = "fraction"
description = "best test epoch"
protocol = "best_test_epoch"
same_quantity_as = "acc"
[metrics.loss]
better = "lower"
unit = "nats"
description = "loss"
"#;

    fn load(tail: &str) -> Result<PaperConfig> {
        let text = format!("{BASE}{tail}");
        let path = PathBuf::from("configs/papers/p.toml");
        let config: PaperConfig = super::super::parse_toml(&path, &text)?;
        check_protocols(&config.metrics, &|span, m| {
            super::super::error_at(&path, &text, span, m)
        })?;
        Ok(config)
    }

    fn error(tail: &str) -> String {
        match load(tail) {
            Ok(_) => panic!("accepted: {tail}"),
            Err(e) => e.to_string(),
        }
    }

    #[test]
    fn a_declared_group_lists_its_protocols_in_order() {
        let p = load(
            "[metrics.val_acc]\nbetter = \"higher\"\nunit = \"fraction\"\ndescription = \"es\"\nprotocol = \"best_val_epoch\"\nsame_quantity_as = \"acc\"\n",
        )
        .unwrap();
        let g = protocol_group(&p, "best_acc");
        assert_eq!(
            g,
            vec![
                (Protocol::Final, "acc".to_string()),
                (Protocol::BestValEpoch, "val_acc".to_string()),
                (Protocol::BestTestEpoch, "best_acc".to_string()),
            ]
        );
        assert_eq!(protocol_group(&p, "acc"), g);
        assert!(protocol_group(&p, "loss").is_empty());
        assert!(protocol_group(&p, "nope").is_empty());
    }

    #[test]
    fn bad_declarations_are_errors_at_their_line() {
        let cases = [
            ("[metrics.x]\nbetter = \"higher\"\nunit = \"fraction\"\ndescription = \"d\"\nprotocol = \"best_test_epoch\"\nsame_quantity_as = \"acx\"\n", "unknown metric `acx`", 6),
            ("[metrics.x]\nbetter = \"higher\"\nunit = \"fraction\"\ndescription = \"d\"\nsame_quantity_as = \"acc\"\n", "no `protocol`", 5),
            ("[metrics.x]\nbetter = \"higher\"\nunit = \"fraction\"\ndescription = \"d\"\nprotocol = \"best_val_epoch\"\nsame_quantity_as = \"best_acc\"\n", "name `acc` (the group's root)", 6),
            ("[metrics.x]\nbetter = \"lower\"\nunit = \"fraction\"\ndescription = \"d\"\nprotocol = \"best_val_epoch\"\nsame_quantity_as = \"acc\"\n", "same direction and unit", 6),
            ("[metrics.x]\nbetter = \"higher\"\nunit = \"fraction\"\ndescription = \"d\"\nprotocol = \"best_test_epoch\"\nsame_quantity_as = \"acc\"\n", "already the protocol of `best_acc`", 5),
            ("[metrics.x]\nbetter = \"higher\"\nunit = \"fraction\"\ndescription = \"d\"\nprotocol = \"best_of_k_seeds\"\n", "derived from the runs", 5),
            ("[metrics.x]\nbetter = \"lower\"\nunit = \"nats\"\ndescription = \"d\"\nprotocol = \"final\"\nsame_quantity_as = \"loss\"\n", "`loss` declares no `protocol`", 6),
            ("[metrics.x]\nbetter = \"higher\"\nunit = \"fraction\"\ndescription = \"d\"\nprotocol = \"final\"\nsame_quantity_as = \"x\"\n", "names the metric itself", 6),
        ];
        for (tail, want, at) in cases {
            let e = error(tail);
            assert!(e.contains(want), "{want:?} not in {e}");
            // the offending value's line: line `at` of the case
            let expect = BASE.lines().count() + at;
            assert!(
                e.contains(&format!("p.toml:{expect}")),
                "line {expect} not in {e}"
            );
        }
        // an unknown protocol is refused by the parser, at its line
        let e = error("[metrics.x]\nbetter = \"higher\"\nunit = \"fraction\"\ndescription = \"d\"\nprotocol = \"best_epoch\"\n");
        assert!(
            e.contains("best_epoch") && e.contains("best_test_epoch"),
            "{e}"
        );
        assert!(
            e.contains(&format!("p.toml:{}", BASE.lines().count() + 5)),
            "{e}"
        );
    }
}
