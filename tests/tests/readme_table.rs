//! The README's paper table is the one `harness list --markdown` generates from the configs.

use harness_e2e::{harness, repo_root, text};

#[test]
fn readme_paper_table_is_generated_from_the_configs() {
    let root = repo_root();
    let out = harness(&root, &["list", "--markdown"]);
    assert!(out.status.success(), "{}", text(&out));
    let table = String::from_utf8_lossy(&out.stdout).to_string();
    assert!(table.starts_with("| paper id |"), "{table}");
    for id in ["greydanus2020-mnist1d", "gal2016-mc-dropout"] {
        assert!(table.contains(&format!("| `{id}` |")), "{table}");
    }
    let readme = std::fs::read_to_string(root.join("README.md")).unwrap();
    assert!(
        readme.contains(table.trim_end()),
        "README.md's paper table is stale: replace it with the output of \
         `cargo run --release -p harness -- list --markdown`:\n{table}"
    );
}
