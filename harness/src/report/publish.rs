//! Publishing a paper's tables (`<paper>.md`, `.csv`, `.json`, `.tex`, `.html`) as one set.
//!
//! Every file is rendered first and written, synced, into a fresh temporary directory beside
//! the tables (`<results>/.publish-XXXX/`), so a rendering error or a kill leaves the published
//! set untouched. Then, under an exclusive lock on `<results>/.publish.lock` (so two publishers —
//! a `report` and a `run`, or two shards' reports — never interleave), each file is renamed into
//! place and the manifest `<paper>.manifest.json` (every file's SHA-256) is written last. A
//! reader that finds every file's hash equal to the manifest's has one consistent set; a kill
//! between two renames is visible as a mismatch ([`inconsistent_sets`], warned about by `list`
//! and `report`) and repaired by the next publish. Beside each staging directory lies its owner
//! file (`<results>/.publish-XXXX.owner`), locked while its publisher lives: created and locked
//! before the directory and removed after it ([`Staging`]), so a kill at any instant leaves
//! either nothing or an unlocked owner file, and the next `report` or `run` removes what it names
//! ([`clean_stale_staging`]).

use crate::error::{io_err, HarnessError};
use crate::Result;
use sha2::{Digest, Sha256};
use std::collections::BTreeMap;
use std::io::Write;
use std::path::{Path, PathBuf};

/// The name of the lock file guarding publication in a results directory.
pub const LOCK_FILE: &str = ".publish.lock";

/// Prefix of the staging directories of publishers (`<results>/.publish-XXXX/`).
pub const STAGING_PREFIX: &str = ".publish-";

/// Suffix of a staging directory's owner file, which lies beside it
/// (`<results>/.publish-XXXX.owner` for `<results>/.publish-XXXX/`) and is locked by its
/// publisher for the directory's whole life.
const OWNER_SUFFIX: &str = ".owner";

/// The owner lock inside a staging directory, as harnesses before the owner file beside it wrote
/// it: still honoured by [`clean_stale_staging`] for directories such a harness left.
const LEGACY_OWNER_LOCK: &str = ".owner.lock";

/// How many times [`Staging::create`] takes a new name when a concurrent cleaner removed its
/// owner file between its creation and its lock.
const STAGING_ATTEMPTS: usize = 8;

/// A publisher's staging directory (`<results>/.publish-XXXX/`) with its owner file beside it.
///
/// The owner file is created and locked before the directory exists and removed after the
/// directory is gone (on drop, still locked: the lock is released when the file closes), so at
/// every instant of a publisher's life a kill leaves either nothing, or an unlocked owner file
/// (with the directory, whole or partly removed, or without it), which
/// [`clean_stale_staging`] removes. A live publisher's owner file is locked, and never touched.
struct Staging {
    /// `<results>/.publish-XXXX`.
    dir: PathBuf,
    /// `<results>/.publish-XXXX.owner`.
    owner_path: PathBuf,
    /// Open and locked for the staging directory's life.
    _owner: std::fs::File,
}

impl Staging {
    /// Creates and locks a fresh owner file in `results`, then its staging directory. Errors: the
    /// file or directory cannot be created or locked (the message names the path), or a
    /// concurrent cleaner removed [`STAGING_ATTEMPTS`] fresh owner files in a row.
    fn create(results: &Path) -> Result<Staging> {
        for _ in 0..STAGING_ATTEMPTS {
            let (owner, owner_path) = tempfile::Builder::new()
                .prefix(STAGING_PREFIX)
                .suffix(OWNER_SUFFIX)
                .tempfile_in(results)
                .map_err(io_err(results))?
                .keep()
                .map_err(|e| HarnessError::Io {
                    path: results.to_path_buf(),
                    error: e.error,
                })?;
            owner.lock().map_err(io_err(&owner_path))?;
            // A cleaner that found the file unlocked, between its creation and the lock above,
            // took it for a dead publisher's and removed it: take a new name.
            if !owner_path.exists() {
                continue;
            }
            let staging = Staging {
                dir: staging_dir_of(&owner_path),
                owner_path,
                _owner: owner,
            };
            std::fs::create_dir(&staging.dir).map_err(io_err(&staging.dir))?;
            return Ok(staging);
        }
        Err(HarnessError::Other(format!(
            "publishing in {}: {STAGING_ATTEMPTS} fresh staging owner files were removed by \
             another process before they could be locked; run the command again",
            results.display()
        )))
    }

    /// The staging directory.
    fn path(&self) -> &Path {
        &self.dir
    }
}

impl Drop for Staging {
    fn drop(&mut self) {
        let _ = std::fs::remove_dir_all(&self.dir);
        let _ = std::fs::remove_file(&self.owner_path);
    }
}

/// The staging directory an owner file belongs to: its path without [`OWNER_SUFFIX`].
fn staging_dir_of(owner_path: &Path) -> PathBuf {
    let name = owner_path
        .file_name()
        .map(|n| n.to_string_lossy().into_owned())
        .unwrap_or_default();
    owner_path.with_file_name(name.strip_suffix(OWNER_SUFFIX).unwrap_or(&name))
}

/// The owner file beside staging directory `dir`.
fn owner_path_of(dir: &Path) -> PathBuf {
    let name = dir
        .file_name()
        .map(|n| n.to_string_lossy().into_owned())
        .unwrap_or_default();
    dir.with_file_name(format!("{name}{OWNER_SUFFIX}"))
}

/// The manifest of one published set: file name → SHA-256 (hex).
#[derive(Debug, Clone, PartialEq, Eq, serde::Serialize, serde::Deserialize)]
pub struct Manifest {
    /// The paper (or set) name.
    pub name: String,
    /// File name (relative to the results directory) → SHA-256 of its bytes.
    pub files: BTreeMap<String, String>,
}

/// Path of the manifest of set `name` in `dir`.
pub fn manifest_path(dir: &Path, name: &str) -> PathBuf {
    dir.join(format!("{name}.manifest.json"))
}

fn sha256_hex(bytes: &[u8]) -> String {
    hex::encode(Sha256::digest(bytes))
}

/// Publishes `files` (file name → bytes) into `dir` as one set named `name` (see the module
/// doc). Returns the manifest's path. Errors: the directory cannot be created or written, the
/// lock cannot be taken; the message names the path.
pub fn publish_set(dir: &Path, name: &str, files: &[(String, Vec<u8>)]) -> Result<PathBuf> {
    std::fs::create_dir_all(dir).map_err(io_err(dir))?;
    // locked until this function returns and the directory is removed, so that no other
    // process takes the directory for a dead publisher's
    let staging = Staging::create(dir)?;
    let mut manifest = Manifest {
        name: name.to_string(),
        files: BTreeMap::new(),
    };
    for (file, bytes) in files {
        if file.contains('/') || file.starts_with('.') {
            return Err(HarnessError::Other(format!(
                "publishing {name}: file name {file:?} must be a plain name inside the results directory"
            )));
        }
        let p = staging.path().join(file);
        let mut fh = std::fs::File::create(&p).map_err(io_err(&p))?;
        fh.write_all(bytes).map_err(io_err(&p))?;
        fh.sync_all().map_err(io_err(&p))?;
        set_readable(&p)?;
        manifest.files.insert(file.clone(), sha256_hex(bytes));
    }
    let mp = staging.path().join(format!("{name}.manifest.json"));
    let json = serde_json::to_vec_pretty(&manifest)
        .map_err(|e| HarnessError::Other(format!("serializing the manifest of {name}: {e}")))?;
    std::fs::write(&mp, &json).map_err(io_err(&mp))?;
    std::fs::File::open(&mp)
        .and_then(|f| f.sync_all())
        .map_err(io_err(&mp))?;
    set_readable(&mp)?;

    let lock_path = dir.join(LOCK_FILE);
    let lock = std::fs::OpenOptions::new()
        .create(true)
        .truncate(false)
        .write(true)
        .open(&lock_path)
        .map_err(io_err(&lock_path))?;
    lock.lock().map_err(io_err(&lock_path))?;
    for (file, _) in files {
        let to = dir.join(file);
        std::fs::rename(staging.path().join(file), &to).map_err(io_err(&to))?;
    }
    let final_manifest = manifest_path(dir, name);
    std::fs::rename(&mp, &final_manifest).map_err(io_err(&final_manifest))?;
    if let Ok(d) = std::fs::File::open(dir) {
        let _ = d.sync_all();
    }
    drop(lock); // unlocks
    drop(staging); // removes the directory, then its owner file, then releases the owner lock
    Ok(final_manifest)
}

/// Removes the staging directories (`.publish-*`) in `dir` whose publisher is gone: its owner
/// file beside it ([`Staging`]) is not locked by any process (the owner file goes too, also when
/// the directory is already gone). A directory with no owner file beside it was left by an older
/// harness: it is removed when the `.owner.lock` inside it is not locked, or when it has none and
/// is older than a minute (killed between creating the directory and locking it). A live
/// publisher's directory is never touched. Returns how many directories were removed;
/// unreadable entries are left alone.
pub fn clean_stale_staging(dir: &Path) -> usize {
    let Ok(entries) = std::fs::read_dir(dir) else {
        return 0;
    };
    let mut removed = 0;
    for e in entries.flatten() {
        let name = e.file_name().to_string_lossy().into_owned();
        if !name.starts_with(STAGING_PREFIX) {
            continue;
        }
        let path = e.path();
        let is_dir = e.file_type().is_ok_and(|t| t.is_dir());
        if !is_dir && name.ends_with(OWNER_SUFFIX) {
            let Ok(owner) = std::fs::File::open(&path) else {
                continue;
            };
            if owner.try_lock().is_ok() {
                let staged = staging_dir_of(&path);
                if staged.is_dir() && std::fs::remove_dir_all(&staged).is_ok() {
                    removed += 1;
                }
                let _ = std::fs::remove_file(&path);
            }
        } else if is_dir
            && !owner_path_of(&path).exists()
            && legacy_staging_is_stale(&e)
            && std::fs::remove_dir_all(&path).is_ok()
        {
            removed += 1;
        }
    }
    removed
}

/// Whether a staging directory of an older harness (owner lock inside it) was left by a dead
/// publisher: its `.owner.lock` is not locked, or it has none and is older than a minute.
fn legacy_staging_is_stale(entry: &std::fs::DirEntry) -> bool {
    match std::fs::File::open(entry.path().join(LEGACY_OWNER_LOCK)) {
        Ok(f) => f.try_lock().is_ok(),
        Err(_) => entry
            .metadata()
            .and_then(|m| m.modified())
            .ok()
            .and_then(|t| t.elapsed().ok())
            .is_some_and(|age| age > std::time::Duration::from_secs(60)),
    }
}

/// The sets in `dir` whose files disagree with their manifest (`<name>.manifest.json`): by set
/// name, the files whose SHA-256 differs from the manifest's or that are missing. Read under the
/// shared publication lock (a publisher in progress is waited for). An unreadable manifest
/// counts as every file disagreeing; no manifest, no set.
pub fn inconsistent_sets(dir: &Path) -> Vec<(String, Vec<String>)> {
    let Ok(entries) = std::fs::read_dir(dir) else {
        return Vec::new();
    };
    let mut names: Vec<String> = entries
        .flatten()
        .filter_map(|e| {
            let f = e.file_name().to_string_lossy().into_owned();
            f.strip_suffix(".manifest.json").map(str::to_string)
        })
        .collect();
    names.sort();
    let _shared = shared_lock(dir);
    names
        .into_iter()
        .filter_map(|name| {
            let bad = disagreeing_files(dir, &name);
            (!bad.is_empty()).then_some((name, bad))
        })
        .collect()
}

/// The shared publication lock of `dir`, if it can be taken (`None`: read without it).
fn shared_lock(dir: &Path) -> Option<std::fs::File> {
    let f = std::fs::OpenOptions::new()
        .create(true)
        .truncate(false)
        .write(true)
        .open(dir.join(LOCK_FILE))
        .ok()?;
    f.lock_shared().ok()?;
    Some(f)
}

/// The files of set `name` in `dir` that do not have their manifest's SHA-256 (or
/// `<name>.manifest.json` itself when it cannot be read).
fn disagreeing_files(dir: &Path, name: &str) -> Vec<String> {
    let mp = manifest_path(dir, name);
    let manifest: Option<Manifest> = std::fs::read(&mp)
        .ok()
        .and_then(|t| serde_json::from_slice(&t).ok());
    let Some(m) = manifest else {
        return vec![format!("{name}.manifest.json")];
    };
    m.files
        .iter()
        .filter(|(file, hash)| {
            !std::fs::read(dir.join(file)).is_ok_and(|b| sha256_hex(&b) == **hash)
        })
        .map(|(file, _)| file.clone())
        .collect()
}

/// Checks that every file of the manifest of `name` in `dir` has the manifest's hash, under the
/// publication lock (so a publisher in progress is waited for). `Ok(false)` = inconsistent or
/// missing; errors: unreadable manifest or lock.
pub fn verify_set(dir: &Path, name: &str) -> Result<bool> {
    let lock_path = dir.join(LOCK_FILE);
    let lock = std::fs::OpenOptions::new()
        .create(true)
        .truncate(false)
        .write(true)
        .open(&lock_path)
        .map_err(io_err(&lock_path))?;
    lock.lock_shared().map_err(io_err(&lock_path))?;
    let mp = manifest_path(dir, name);
    let Ok(text) = std::fs::read(&mp) else {
        return Ok(false);
    };
    let m: Manifest = serde_json::from_slice(&text)
        .map_err(|e| HarnessError::Other(format!("{}: {e}", mp.display())))?;
    Ok(m.files
        .iter()
        .all(|(file, hash)| std::fs::read(dir.join(file)).is_ok_and(|b| sha256_hex(&b) == *hash)))
}

fn set_readable(p: &Path) -> Result<()> {
    #[cfg(unix)]
    {
        use std::os::unix::fs::PermissionsExt;
        std::fs::set_permissions(p, std::fs::Permissions::from_mode(0o644)).map_err(io_err(p))?;
    }
    let _ = p;
    Ok(())
}

#[cfg(test)]
mod tests {
    use super::*;

    fn set(tag: &str) -> Vec<(String, Vec<u8>)> {
        ["md", "csv", "json", "tex", "html"]
            .iter()
            .map(|ext| (format!("p.{ext}"), format!("{tag} {ext}").into_bytes()))
            .collect()
    }

    #[test]
    fn a_set_is_published_with_its_manifest_and_no_leftovers() {
        let dir = tempfile::tempdir().unwrap();
        publish_set(dir.path(), "p", &set("one")).unwrap();
        assert!(verify_set(dir.path(), "p").unwrap());
        assert_eq!(
            std::fs::read_to_string(dir.path().join("p.tex")).unwrap(),
            "one tex"
        );
        let leftovers: Vec<_> = std::fs::read_dir(dir.path())
            .unwrap()
            .filter_map(|e| e.ok())
            .filter(|e| e.file_name().to_string_lossy().starts_with(".publish-"))
            .collect();
        assert!(leftovers.is_empty());
        // a tampered file is detected
        std::fs::write(dir.path().join("p.md"), "other").unwrap();
        assert!(!verify_set(dir.path(), "p").unwrap());
    }

    /// Eight publishers race, each publishing its own consistent set many times: afterwards (and
    /// at every check in between) the five files all come from one publisher.
    #[test]
    fn concurrent_publishers_never_mix_their_sets() {
        let dir = tempfile::tempdir().unwrap();
        let d = dir.path();
        std::thread::scope(|s| {
            for t in 0..8 {
                s.spawn(move || {
                    for i in 0..25 {
                        publish_set(d, "p", &set(&format!("w{t}i{i}"))).unwrap();
                        assert!(verify_set(d, "p").unwrap(), "inconsistent set seen");
                    }
                });
            }
        });
        let tags: std::collections::BTreeSet<String> = ["md", "csv", "json", "tex", "html"]
            .iter()
            .map(|ext| {
                let t = std::fs::read_to_string(d.join(format!("p.{ext}"))).unwrap();
                t.split(' ').next().unwrap().to_string()
            })
            .collect();
        assert_eq!(tags.len(), 1, "files of different publishers: {tags:?}");
        assert!(verify_set(d, "p").unwrap());
    }

    #[test]
    fn a_bad_file_name_publishes_nothing() {
        let dir = tempfile::tempdir().unwrap();
        publish_set(dir.path(), "p", &set("one")).unwrap();
        let mut bad = set("two");
        bad.push(("../escape".into(), b"x".to_vec()));
        assert!(publish_set(dir.path(), "p", &bad).is_err());
        assert_eq!(
            std::fs::read_to_string(dir.path().join("p.md")).unwrap(),
            "one md"
        );
        assert!(verify_set(dir.path(), "p").unwrap());
    }

    /// Issue 28 item 10: a staging directory left by a killed publisher is removed with its owner
    /// file, a live publisher's is not.
    #[test]
    fn a_stale_staging_directory_is_cleaned_and_a_live_one_kept() {
        let dir = tempfile::tempdir().unwrap();
        let dead = dir.path().join(".publish-dead");
        std::fs::create_dir(&dead).unwrap();
        std::fs::write(owner_path_of(&dead), "").unwrap();
        std::fs::write(dead.join("p.md"), "half").unwrap();
        let live = Staging::create(dir.path()).unwrap();
        std::fs::write(live.path().join("p.md"), "in progress").unwrap();
        assert_eq!(clean_stale_staging(dir.path()), 1);
        assert!(!dead.exists() && !owner_path_of(&dead).exists());
        assert!(live.path().join("p.md").exists() && live.owner_path.exists());
        assert_eq!(
            clean_stale_staging(dir.path()),
            0,
            "a live publisher's directory is kept"
        );
        drop(live);
        assert_eq!(std::fs::read_dir(dir.path()).unwrap().count(), 0);
    }

    /// Every state a kill can leave, in the order of a publisher's life (owner file created,
    /// locked, directory created and filled, directory removed, owner file removed): the next
    /// clean-up leaves nothing. And a directory of an older harness, with the owner lock inside it,
    /// is still cleaned when that lock is free and kept while it is held.
    #[test]
    fn every_state_a_killed_publisher_leaves_is_cleaned_and_older_layouts_too() {
        let dir = tempfile::tempdir().unwrap();
        let d = dir.path();
        // owner file only (killed before the directory was created, or after it was removed)
        std::fs::write(d.join(".publish-a.owner"), "").unwrap();
        // owner file and a directory with staged files
        std::fs::create_dir(d.join(".publish-b")).unwrap();
        std::fs::write(d.join(".publish-b/p.md"), "x").unwrap();
        std::fs::write(d.join(".publish-b.owner"), "").unwrap();
        // owner file and an empty directory (killed during the directory's removal)
        std::fs::create_dir(d.join(".publish-c")).unwrap();
        std::fs::write(d.join(".publish-c.owner"), "").unwrap();
        // older layouts: lock inside, free; lock inside, held; no lock, young
        std::fs::create_dir(d.join(".publish-old")).unwrap();
        std::fs::write(d.join(".publish-old").join(LEGACY_OWNER_LOCK), "").unwrap();
        std::fs::create_dir(d.join(".publish-oldlive")).unwrap();
        let held =
            std::fs::File::create(d.join(".publish-oldlive").join(LEGACY_OWNER_LOCK)).unwrap();
        held.lock().unwrap();
        std::fs::create_dir(d.join(".publish-young")).unwrap();
        assert_eq!(clean_stale_staging(d), 3, "b, c and old");
        let mut left: Vec<String> = std::fs::read_dir(d)
            .unwrap()
            .map(|e| e.unwrap().file_name().to_string_lossy().into_owned())
            .collect();
        left.sort();
        assert_eq!(left, [".publish-oldlive", ".publish-young"]);
        drop(held);
        assert_eq!(clean_stale_staging(d), 1);
    }

    /// A staging directory and its owner file name each other, and a publisher's own clean-up
    /// leaves neither behind.
    #[test]
    fn staging_names_and_their_owner_files_pair_up() {
        let dir = tempfile::tempdir().unwrap();
        let s = Staging::create(dir.path()).unwrap();
        assert!(s.path().is_dir());
        assert_eq!(owner_path_of(s.path()), s.owner_path);
        assert_eq!(staging_dir_of(&s.owner_path), s.dir);
        let name = s.path().file_name().unwrap().to_string_lossy().into_owned();
        assert!(name.starts_with(STAGING_PREFIX) && !name.ends_with(OWNER_SUFFIX));
        drop(s);
        assert_eq!(std::fs::read_dir(dir.path()).unwrap().count(), 0);
    }

    /// Issue 28 item 10: a table that differs from its manifest is found, naming the file, and
    /// the next publish repairs it.
    #[test]
    fn a_table_that_disagrees_with_its_manifest_is_found_and_republishing_fixes_it() {
        let dir = tempfile::tempdir().unwrap();
        publish_set(dir.path(), "p", &set("one")).unwrap();
        publish_set(
            dir.path(),
            "q",
            &set("one")
                .into_iter()
                .map(|(f, b)| (f.replace("p.", "q."), b))
                .collect::<Vec<_>>(),
        )
        .unwrap();
        assert!(inconsistent_sets(dir.path()).is_empty());
        std::fs::write(dir.path().join("p.csv"), "from an interrupted publish").unwrap();
        assert_eq!(
            inconsistent_sets(dir.path()),
            [("p".to_string(), vec!["p.csv".to_string()])]
        );
        publish_set(dir.path(), "p", &set("two")).unwrap();
        assert!(inconsistent_sets(dir.path()).is_empty());
    }
}
