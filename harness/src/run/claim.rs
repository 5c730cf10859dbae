//! Claims on runs, so that two `harness run`s on one results directory (two terminals, two
//! overlapping jobs) compute each run once: before computing a run, a process takes an exclusive
//! lock on the run's claim file `<results>/.claims/<paper>/<dataset>/<variant>/seed-NNNN.lock`,
//! then reads the run's record again; a record another process has written meanwhile is reused
//! instead of computed. A claim held by another process is skipped for now and waited for at
//! the end ([`Claim::wait`]). The lock dies with its process, so a killed run never blocks the
//! next one.

use crate::error::io_err;
use crate::record::Store;
use crate::{Result, RunId};
use std::fs::{File, OpenOptions};
use std::path::PathBuf;

/// The directory of the claim files, under the results directory (not committed).
pub const CLAIMS_DIR: &str = ".claims";

/// An exclusive claim on one run, held until dropped (the claim file is then removed).
#[derive(Debug)]
pub struct Claim {
    file: File,
    path: PathBuf,
}

/// Path of the claim file of run `id` in `store`.
pub fn claim_path(store: &Store, id: &RunId) -> PathBuf {
    store
        .results_dir
        .join(CLAIMS_DIR)
        .join(&id.paper)
        .join(&id.dataset)
        .join(&id.variant)
        .join(format!("seed-{:04}.lock", id.seed))
}

fn open(store: &Store, id: &RunId) -> Result<(File, PathBuf)> {
    let path = claim_path(store, id);
    if let Some(dir) = path.parent() {
        std::fs::create_dir_all(dir).map_err(io_err(dir))?;
    }
    let file = OpenOptions::new()
        .create(true)
        .truncate(false)
        .write(true)
        .open(&path)
        .map_err(io_err(&path))?;
    Ok((file, path))
}

impl Claim {
    /// Claims run `id` if no other process holds it; `Ok(None)` when one does. Errors: the
    /// claim file cannot be created or locked (the message names it).
    pub fn try_take(store: &Store, id: &RunId) -> Result<Option<Self>> {
        let (file, path) = open(store, id)?;
        match file.try_lock() {
            Ok(()) => Ok(Some(Self { file, path })),
            Err(std::fs::TryLockError::WouldBlock) => Ok(None),
            Err(std::fs::TryLockError::Error(e)) => Err(io_err(&path)(e)),
        }
    }

    /// Claims run `id`, waiting while another process holds it. Errors: as
    /// [`Claim::try_take`].
    pub fn wait(store: &Store, id: &RunId) -> Result<Self> {
        let (file, path) = open(store, id)?;
        file.lock().map_err(io_err(&path))?;
        Ok(Self { file, path })
    }
}

impl Drop for Claim {
    /// Removes the claim file, then releases the lock. A process that opened the file before
    /// the removal gets the lock afterwards and reads the record written under this claim, so
    /// it does not compute the run again.
    fn drop(&mut self) {
        let _ = std::fs::remove_file(&self.path);
        let _ = self.file.unlock();
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_claim_is_exclusive_until_dropped_and_leaves_no_file() {
        let dir = tempfile::tempdir().unwrap();
        let store = Store::new(dir.path());
        let id = RunId::new("p", "v", "d", 3);
        let first = Claim::try_take(&store, &id).unwrap().expect("free claim");
        assert!(claim_path(&store, &id).ends_with("p/d/v/seed-0003.lock"));
        // flock locks are per open file description: a second open in this process conflicts
        assert!(Claim::try_take(&store, &id).unwrap().is_none());
        drop(first);
        assert!(!claim_path(&store, &id).exists());
        assert!(Claim::try_take(&store, &id).unwrap().is_some());
    }
}
