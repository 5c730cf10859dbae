//! Tests of comparison methods drawn from other papers' records (`MethodRef`) and of
//! `[[multi_comparisons]]` validation.

use super::*;
use std::collections::BTreeMap;
use std::path::PathBuf;

const BASE: &str = r#"
datasets = ["d1", "d2"]
[paper]
id = "PID"
title = "t"
authors = ["a"]
year = 2000
citation = "c"
url = "u"
[seeds]
count = 3
[metrics.ll]
better = "higher"
unit = "nats"
description = "x"
[metrics.err]
better = "lower"
unit = "nats"
description = "x"
[variants.v]
a = 1
"#;

fn paper(id: &str, tail: &str) -> LoadedPaper {
    let text = BASE.replace("PID", id) + tail;
    let config: PaperConfig = toml::from_str(&text).unwrap();
    LoadedPaper {
        path: PathBuf::from(format!("configs/papers/{id}.toml")),
        text,
        config,
    }
}

fn check(tail: &str) -> crate::Result<()> {
    let mut papers = BTreeMap::new();
    papers.insert("other".to_string(), paper("other", ""));
    papers.insert("me".to_string(), paper("me", tail));
    super::method_refs::check_method_refs(&papers)
}

#[test]
fn method_refs_parse_as_a_variant_or_a_table() {
    let p = paper(
        "me",
        r#"
[[comparisons]]
id = "c"
method = "v"
baseline = { paper = "other", variant = "v", metric = "ll", label = "Other" }
metric = "ll"
reported_datasets = ["d1"]
source = "s"
"#,
    );
    let c = &p.config.comparisons[0];
    assert_eq!(c.method.get_ref(), &MethodRef::Variant("v".into()));
    let b = c.baseline.get_ref();
    assert_eq!(
        (b.paper("me"), b.variant(), b.metric()),
        ("other", "v", Some("ll"))
    );
    assert_eq!(b.label("me", "ll"), "Other");
    assert_eq!(c.method.get_ref().label("me", "ll"), "v");
    assert_eq!(b.to_string(), "other/v (ll)");
    // an unknown key in the table is rejected
    let bad = BASE.replace("PID", "me")
        + "[[comparisons]]\nid = \"c\"\nmethod = { variant = \"v\", colour = 1 }\nbaseline = \"v\"\nmetric = \"ll\"\nreported_datasets = [\"d1\"]\nsource = \"s\"\n";
    assert!(toml::from_str::<PaperConfig>(&bad).is_err());
}

#[test]
fn references_to_other_papers_are_checked() {
    let cmp = |baseline: &str| {
        format!(
            "[[comparisons]]\nid = \"c\"\nmethod = \"v\"\nbaseline = {baseline}\nmetric = \"ll\"\nreported_datasets = [\"d1\"]\nsource = \"s\"\n"
        )
    };
    assert!(check(&cmp(r#"{ paper = "other", variant = "v" }"#)).is_ok());
    let e = check(&cmp(r#"{ paper = "nope", variant = "v" }"#))
        .unwrap_err()
        .to_string();
    assert!(
        e.contains("unknown paper `nope`") && e.contains("me.toml:"),
        "{e}"
    );
    let e = check(&cmp(r#"{ paper = "other", variant = "w" }"#))
        .unwrap_err()
        .to_string();
    assert!(e.contains("no variant `w`"), "{e}");
    let e = check(&cmp(
        r#"{ paper = "other", variant = "v", metric = "err" }"#,
    ))
    .unwrap_err()
    .to_string();
    assert!(e.contains("direction and unit"), "{e}");
    let e = check(&cmp(r#"{ paper = "other", variant = "v", metric = "zz" }"#))
        .unwrap_err()
        .to_string();
    assert!(e.contains("no metric `zz`"), "{e}");
}

#[test]
fn multi_comparisons_are_checked() {
    let multi = |methods: &str, alpha: &str| {
        format!("[[multi_comparisons]]\nid = \"m\"\nmetric = \"ll\"\n{alpha}methods = [{methods}]\nsource = \"s\"\n")
    };
    let two = r#"{ variant = "v", label = "A" }, { paper = "other", variant = "v", label = "B" }"#;
    assert!(check(&multi(two, "")).is_ok());
    assert!(check(&multi(two, "alpha = 0.1\n")).is_ok());
    let e = check(&multi(two, "alpha = 0.2\n")).unwrap_err().to_string();
    assert!(e.contains("alpha"), "{e}");
    let e = check(&multi(r#"{ variant = "v" }"#, ""))
        .unwrap_err()
        .to_string();
    assert!(e.contains("at least 2 methods"), "{e}");
    let e = check(&multi(
        r#"{ variant = "v" }, { paper = "other", variant = "v", metric = "err" }"#,
        "",
    ))
    .unwrap_err()
    .to_string();
    assert!(
        e.contains("methods[1]") && e.contains("direction and unit"),
        "{e}"
    );
}

/// Issue 28 item 3: a comparison that references a broken paper is left out (with a note
/// naming it and the broken paper), its paper stays usable; a paper whose own reference is bad
/// becomes broken instead of stopping every other paper.
#[test]
fn a_reference_to_a_broken_paper_is_left_out_and_a_bad_reference_breaks_only_its_paper() {
    let cmp = |id: &str, baseline: &str| {
        format!(
            "[[comparisons]]\nid = \"{id}\"\nmethod = \"v\"\nbaseline = {baseline}\nmetric = \"ll\"\nreported_datasets = [\"d1\"]\nsource = \"s\"\n"
        )
    };
    let mut papers = BTreeMap::new();
    papers.insert(
        "me".to_string(),
        paper(
            "me",
            &(cmp("to-broken", "{ paper = \"gone\", variant = \"v\" }") + &cmp("own", "\"v\"")),
        ),
    );
    papers.insert(
        "bad".to_string(),
        paper("bad", &cmp("c", "{ paper = \"me\", variant = \"nope\" }")),
    );
    papers.insert("fine".to_string(), paper("fine", ""));
    let mut broken = BTreeMap::new();
    broken.insert("gone".to_string(), "gone.toml:3: bad".to_string());
    let notes = super::method_refs::settle(&mut papers, &mut broken);
    assert_eq!(
        papers.keys().collect::<Vec<_>>(),
        ["fine", "me"],
        "{broken:?}"
    );
    assert!(
        broken["bad"].contains("has no variant `nope`"),
        "{broken:?}"
    );
    let me = &papers["me"].config.comparisons;
    assert_eq!(me.len(), 1);
    assert_eq!(me[0].id, "own");
    assert_eq!(notes.keys().collect::<Vec<_>>(), ["me"]);
    let notes = &notes["me"];
    assert_eq!(notes.len(), 1);
    assert!(
        notes[0].contains("comparison `to-broken`") && notes[0].contains("paper `gone`"),
        "{notes:?}"
    );
}

#[test]
fn a_tuned_baseline_of_another_paper_is_checked_like_the_baseline() {
    let tail = |tuned: &str| {
        format!(
            "[[comparisons]]\nid = \"c\"\nmethod = \"v\"\nbaseline = {{ paper = \"other\", variant = \"v\" }}\nmetric = \"ll\"\nreported_datasets = [\"d1\"]\nsource = \"s\"\ntuned_baseline = {{ method = {tuned}, budget = \"b\" }}\n"
        )
    };
    assert!(check(&tail(
        "{ paper = \"other\", variant = \"v\", metric = \"ll\" }"
    ))
    .is_ok());
    let e = check(&tail("{ paper = \"other\", variant = \"tuned\" }"))
        .unwrap_err()
        .to_string();
    assert!(
        e.contains("comparison `c`, field `tuned_baseline.method`")
            && e.contains("no variant `tuned`"),
        "{e}"
    );
    // the tuned baseline is one of the runs the comparison reads
    let p = paper(
        "me",
        &tail("{ paper = \"other\", variant = \"v\", metric = \"err\" }"),
    );
    assert_eq!(p.config.comparisons[0].run_refs().count(), 3);
}
