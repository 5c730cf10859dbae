//! The committed run records under `results/runs/` are the record format's reference: each must
//! load, and saving what was loaded must give back the committed bytes (so a refactoring of the
//! record types cannot silently change the format, its keys or its field order).

use harness::record::Store;
use std::path::{Path, PathBuf};

fn json_files(dir: &Path, out: &mut Vec<PathBuf>) {
    let Ok(rd) = std::fs::read_dir(dir) else {
        return;
    };
    for e in rd.flatten() {
        let p = e.path();
        if p.is_dir() {
            json_files(&p, out);
        } else if p.extension().is_some_and(|x| x == "json") {
            out.push(p);
        }
    }
}

#[test]
fn committed_records_load_and_save_back_byte_identically() {
    let results = Path::new(env!("CARGO_MANIFEST_DIR")).join("../results");
    let mut files = Vec::new();
    json_files(&results.join("runs"), &mut files);
    files.sort();
    assert!(!files.is_empty(), "no records under {}", results.display());
    let store = Store::new(&results);
    let copy = tempfile::tempdir().unwrap();
    let out = Store::new(copy.path());
    let mut statuses = std::collections::BTreeMap::<&str, usize>::new();
    for path in &files {
        let rec = store
            .load(path)
            .unwrap_or_else(|e| panic!("{}: {e}", path.display()))
            .unwrap();
        assert_eq!(store.record_path(&rec.id()), *path);
        *statuses.entry(rec.status.word()).or_default() += 1;
        let saved = out.save(&rec).unwrap();
        assert_eq!(
            std::fs::read(&saved).unwrap(),
            std::fs::read(path).unwrap(),
            "{} does not save back byte-identically",
            path.display()
        );
    }
    assert!(statuses.get("ok").is_some_and(|n| *n > 0), "{statuses:?}");
}
