//! Input sanity of `harness audit`: units, decimal commas, unknown names, duplicate pairs, BOM,
//! and CSV quoting.

use clap::Parser;
use harness::audit::{read_comparison, read_comparison_with, read_outcomes};
use harness::audit::{run_audit, AuditArgs};
use harness::out::Console;
use std::path::PathBuf;

#[derive(Parser)]
struct Cli {
    #[command(flatten)]
    audit: AuditArgs,
}

fn file(name: &str, text: &str) -> PathBuf {
    let dir = std::env::temp_dir().join(format!("audit-input-{}", std::process::id()));
    std::fs::create_dir_all(&dir).unwrap();
    let p = dir.join(name);
    std::fs::write(&p, text).unwrap();
    p
}

fn audit(args: &[&str]) -> Result<String, String> {
    let cli = Cli::try_parse_from(std::iter::once("audit").chain(args.iter().copied()))
        .map_err(|e| e.to_string())?;
    run_audit(&cli.audit, &Console::lines()).map_err(|e| e.to_string())
}

const SEEDS: &str = "0.912\n0.905\n0.915\n0.909\n0.911\n0.907\n0.913\n0.910\n";

#[test]
fn a_claim_in_percent_against_fractions_is_questioned_unless_units_ok() {
    let f = file("seeds.txt", SEEDS);
    let p = f.to_str().unwrap();
    let e = audit(&["claim", "92.5", p, "--higher-is-better"]).unwrap_err();
    assert!(
        e.contains("percent") && e.contains("Pass 0.925 (") && e.contains("--units-ok"),
        "{e}"
    );
    // issue 28 item 5: the hint is the number to type, not 0.925000
    assert!(!e.contains("0.925000"), "{e}");
    let pct = file("pct.txt", "91.2\n90.5\n91.5\n");
    let e = audit(&[
        "claim",
        "0.015",
        pct.to_str().unwrap(),
        "--higher-is-better",
    ])
    .unwrap_err();
    assert!(e.contains("Pass 1.5 (") && !e.contains("1.50000"), "{e}");
    let ok = audit(&["claim", "92.5", p, "--higher-is-better", "--units-ok"]).unwrap();
    assert!(ok.contains("not reproduced"), "{ok}");
    // the plausible claim passes without the flag
    assert!(audit(&["claim", "0.91", p, "--higher-is-better"]).is_ok());
}

#[test]
fn decimal_commas_are_detected_and_explained() {
    let f = file("comma.txt", "0,912\n0,905\n0,915\n");
    let e = read_outcomes(&f, None).unwrap_err().to_string();
    assert!(
        e.contains("decimal comma") && e.contains("0.912") && e.contains(":1:"),
        "{e}"
    );
    let f = file("comma.csv", "seed,accuracy\n1,0,912\n2,0,905\n");
    let e = read_outcomes(&f, Some("accuracy")).unwrap_err().to_string();
    assert!(e.contains("decimal comma") && e.contains(":2:"), "{e}");
    let f = file("semi.csv", "seed;accuracy\n1;0,912\n");
    let e = read_outcomes(&f, Some("accuracy")).unwrap_err().to_string();
    assert!(e.contains("';'") && e.contains("decimal"), "{e}");
}

#[test]
fn a_byte_order_mark_and_quoted_cells_are_read() {
    let f = file(
        "bom.csv",
        "\u{feff}accuracy,note\n0.91,\"a, b\"\n0.92,\"say \"\"hi\"\"\"\n0.93,x\n",
    );
    let v = read_outcomes(&f, Some("accuracy")).unwrap();
    assert_eq!(v.len(), 3);
}

#[test]
fn an_unknown_reported_dataset_lists_the_valid_ones() {
    let f = file(
        "cmp.csv",
        "dataset,seed,method,baseline\ncifar-10,0,0.9,0.8\ncifar-10,1,0.91,0.81\ncifar100,0,0.7,0.6\ncifar100,1,0.71,0.6\n",
    );
    let e = audit(&[
        "comparison",
        f.to_str().unwrap(),
        "--reported",
        "cifar-100",
        "--higher-is-better",
    ])
    .unwrap_err();
    assert!(
        e.contains("did you mean \"cifar100\"") && e.contains("cifar-10, cifar100"),
        "{e}"
    );
}

#[test]
fn duplicate_pairs_are_an_error_when_paired() {
    let f = file(
        "dup.csv",
        "dataset,seed,method,baseline\na,0,0.9,0.8\na,1,0.91,0.81\na,1,0.92,0.82\n",
    );
    let e = read_comparison_with(&f, true).unwrap_err().to_string();
    assert!(
        e.contains("appears twice") && e.contains(":4:") && e.contains("line 3"),
        "{e}"
    );
    assert!(read_comparison(&f).is_ok());
}

#[test]
fn an_unknown_procedure_gets_a_suggestion() {
    let args = harness::audit::StatsArgs {
        procedure: "wilcoxn".into(),
        input: "-".into(),
    };
    let e = harness::audit::run_stats(&args).unwrap_err().to_string();
    assert!(e.contains("did you mean `wilcoxon`"), "{e}");
}
