//! Run records: one JSON file per run under
//! `results/runs/<paper>/<dataset>/<variant>/seed-<seed>.json`, written atomically (temporary
//! file in the same directory, then rename), with provenance.

pub mod provenance;

pub use provenance::{Environment, Provenance};

use crate::error::{io_err, HarnessError};
use crate::{Result, RunId};
use repro_kit::{Curve, RunOutput, RunStatus};
use serde::{Deserialize, Serialize};
use std::collections::BTreeMap;
use std::io::Write;
use std::path::{Path, PathBuf};

/// Version of the record format.
pub const SCHEMA_VERSION: u32 = 1;

/// How a run ended, as stored: the status the reproduction returned (the kit's
/// [`RunStatus`]: trained to the end, or diverged), or the harness-only error case.
///
/// Stored flattened into the record exactly as before the two were one type:
/// `"status": "ok"`, `"status": "diverged"` with `step`, `unit`, `loss`, `reason`, or
/// `"status": "error"` with `message` (the private `StoredStatus` is that format).
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(from = "StoredStatus", into = "StoredStatus")]
pub enum RecordStatus {
    /// The reproduction returned: [`RunStatus::Ok`] (trained to the end) or
    /// [`RunStatus::Diverged`] (a non-finite loss, gradient or metric; the run counts as a
    /// failure in every statistic).
    Finished(RunStatus),
    /// The reproduction returned an error or panicked. Such records are retried on the next
    /// run (the error may be an environment problem) but count as failures until then.
    Error {
        /// The error message.
        message: String,
    },
}

/// The stored (JSON) form of [`RecordStatus`], one flat tagged enum: the record format. Changing
/// it changes every record file; [`RecordStatus`] converts to and from it.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(tag = "status", rename_all = "snake_case")]
enum StoredStatus {
    /// Trained to the end.
    Ok,
    /// Loss became non-finite.
    Diverged {
        /// Step or epoch of divergence.
        step: u64,
        /// "step" or "epoch".
        unit: String,
        /// The loss value as text.
        loss: String,
        /// What was non-finite (older records: the loss).
        #[serde(default)]
        reason: repro_kit::DivergenceReason,
    },
    /// The reproduction returned an error or panicked.
    Error {
        /// The error message.
        message: String,
    },
}

impl From<StoredStatus> for RecordStatus {
    fn from(s: StoredStatus) -> Self {
        match s {
            StoredStatus::Ok => RecordStatus::Finished(RunStatus::Ok),
            StoredStatus::Diverged {
                step,
                unit,
                loss,
                reason,
            } => RecordStatus::Finished(RunStatus::Diverged {
                step,
                unit,
                loss,
                reason,
            }),
            StoredStatus::Error { message } => RecordStatus::Error { message },
        }
    }
}

impl From<RecordStatus> for StoredStatus {
    fn from(s: RecordStatus) -> Self {
        match s {
            RecordStatus::Finished(RunStatus::Ok) => StoredStatus::Ok,
            RecordStatus::Finished(RunStatus::Diverged {
                step,
                unit,
                loss,
                reason,
            }) => StoredStatus::Diverged {
                step,
                unit,
                loss,
                reason,
            },
            RecordStatus::Error { message } => StoredStatus::Error { message },
        }
    }
}

impl RecordStatus {
    /// The run trained to the end ([`RunStatus::Ok`]).
    pub const OK: RecordStatus = RecordStatus::Finished(RunStatus::Ok);

    /// Short word for tables: `ok`, `diverged`, `error`.
    pub fn word(&self) -> &'static str {
        match self {
            RecordStatus::Finished(RunStatus::Ok) => "ok",
            RecordStatus::Finished(RunStatus::Diverged { .. }) => "diverged",
            RecordStatus::Error { .. } => "error",
        }
    }

    /// `true` when the run trained to the end (its metrics count).
    pub fn is_ok(&self) -> bool {
        matches!(self, RecordStatus::Finished(RunStatus::Ok))
    }

    /// `true` for [`RecordStatus::Error`]: the reproduction failed and the run is retried by
    /// the next `harness run` (an ok or diverged run is final).
    pub fn is_error(&self) -> bool {
        matches!(self, RecordStatus::Error { .. })
    }
}

impl From<RunStatus> for RecordStatus {
    fn from(s: RunStatus) -> Self {
        RecordStatus::Finished(s)
    }
}

/// Timings of a run, in seconds.
#[derive(Debug, Clone, Serialize, Deserialize)]
pub struct Timings {
    /// Seconds of optimisation of the final model(s) (forward, backward, updates; evaluation and
    /// model selection excluded — the same meaning for every paper).
    pub train_seconds: f64,
    /// Seconds of model selection before the final training (grid search), if any.
    #[serde(default)]
    pub selection_seconds: Option<f64>,
    /// Seconds of inference per test example, if measured.
    pub inference_seconds_per_example: Option<f64>,
    /// Wall-clock seconds of the whole run including data loading and evaluation.
    pub wall_seconds: f64,
}

/// One run, as stored. Non-finite metric values are stored as `null` (JSON has no NaN).
#[derive(Debug, Clone, Serialize, Deserialize)]
pub struct RunRecord {
    /// Record format version.
    pub schema: u32,
    /// Hex SHA-256 of the run's defining content (see [`crate::run::RunSpec::key`]).
    pub key: String,
    /// Paper id.
    pub paper: String,
    /// Variant name.
    pub variant: String,
    /// Dataset name.
    pub dataset: String,
    /// Seed.
    pub seed: u64,
    /// How the run ended.
    #[serde(flatten)]
    pub status: RecordStatus,
    /// Final metrics (`null` = non-finite).
    pub metrics: BTreeMap<String, Option<f64>>,
    /// Curves, e.g. test accuracy vs step (`null` y = non-finite).
    pub curves: BTreeMap<String, Vec<(f64, Option<f64>)>>,
    /// Trainable parameters.
    pub parameter_count: usize,
    /// Timings.
    pub timings: Timings,
    /// Reproduction-specific facts (chosen hyperparameters, throughput…).
    #[serde(default)]
    pub extra: BTreeMap<String, serde_json::Value>,
    /// Where, when and with what the run was made.
    pub provenance: Provenance,
}

fn finite(v: f64) -> Option<f64> {
    v.is_finite().then_some(v)
}

fn curve_to_record(c: &Curve) -> Vec<(f64, Option<f64>)> {
    c.iter().map(|(x, y)| (*x, finite(*y))).collect()
}

/// What a record says about a run besides its id and outcome: its key, wall time and
/// provenance (the arguments [`RunRecord::from_output`] and [`RunRecord::from_error`] share).
#[derive(Debug, Clone)]
pub struct RecordMeta {
    /// Hex SHA-256 of the run's defining content ([`crate::run::RunSpec::key`]).
    pub key: String,
    /// Wall-clock seconds of the whole run, data loading and evaluation included.
    pub wall_seconds: f64,
    /// Where, when and with what the run was made.
    pub provenance: Provenance,
}

impl RunRecord {
    /// The id of the run this record is of.
    pub fn id(&self) -> RunId {
        RunId::new(
            self.paper.as_str(),
            self.variant.as_str(),
            self.dataset.as_str(),
            self.seed,
        )
    }

    /// A record of run `id` that returned `out` (trained to the end or diverged).
    pub fn from_output(id: &RunId, out: RunOutput, meta: RecordMeta) -> Self {
        let RecordMeta {
            key,
            wall_seconds,
            provenance,
        } = meta;
        Self {
            schema: SCHEMA_VERSION,
            key,
            paper: id.paper.clone(),
            variant: id.variant.clone(),
            dataset: id.dataset.clone(),
            seed: id.seed,
            status: out.status.into(),
            metrics: out
                .metrics
                .into_iter()
                .map(|(k, v)| (k, finite(v)))
                .collect(),
            curves: out
                .curves
                .iter()
                .map(|(k, c)| (k.clone(), curve_to_record(c)))
                .collect(),
            parameter_count: out.parameter_count,
            timings: Timings {
                train_seconds: out.train_seconds,
                selection_seconds: out.selection_seconds,
                inference_seconds_per_example: out.inference_seconds_per_example,
                wall_seconds,
            },
            extra: out.extra,
            provenance,
        }
    }

    /// A record of run `id` that failed with an error (or a panic) saying `message`.
    pub fn from_error(id: &RunId, message: String, meta: RecordMeta) -> Self {
        let RecordMeta {
            key,
            wall_seconds,
            provenance,
        } = meta;
        Self {
            schema: SCHEMA_VERSION,
            key,
            paper: id.paper.clone(),
            variant: id.variant.clone(),
            dataset: id.dataset.clone(),
            seed: id.seed,
            status: RecordStatus::Error { message },
            metrics: BTreeMap::new(),
            curves: BTreeMap::new(),
            parameter_count: 0,
            timings: Timings {
                train_seconds: 0.0,
                selection_seconds: None,
                inference_seconds_per_example: None,
                wall_seconds,
            },
            extra: BTreeMap::new(),
            provenance,
        }
    }

    /// The value of `metric` if the run finished and the value is finite; `None` means the run
    /// counts as a failure for that metric.
    pub fn metric(&self, metric: &str) -> Option<f64> {
        if self.status.is_ok() {
            self.metrics.get(metric).copied().flatten()
        } else {
            None
        }
    }
}

/// The records directory of a results root.
#[derive(Debug, Clone)]
pub struct Store {
    /// `results/` (tables go here, records under `runs/`).
    pub results_dir: PathBuf,
}

impl Store {
    /// A store rooted at `results_dir`.
    pub fn new(results_dir: impl Into<PathBuf>) -> Self {
        Self {
            results_dir: results_dir.into(),
        }
    }

    /// Path of the record of run `id`: `<results>/runs/<paper>/<dataset>/<variant>/seed-<seed>.json`
    /// (the seed zero-padded to 4 digits).
    pub fn record_path(&self, id: &RunId) -> PathBuf {
        self.results_dir
            .join("runs")
            .join(&id.paper)
            .join(&id.dataset)
            .join(&id.variant)
            .join(format!("seed-{:04}.json", id.seed))
    }

    /// Reads a record; `Ok(None)` if the file does not exist. A file that exists but does not
    /// parse, or whose `schema` is not [`SCHEMA_VERSION`], is an error naming it (the run is
    /// recomputed by the next `harness run`, or delete the file).
    pub fn load(&self, path: &Path) -> Result<Option<RunRecord>> {
        let text = match std::fs::read_to_string(path) {
            Ok(t) => t,
            Err(e) if e.kind() == std::io::ErrorKind::NotFound => return Ok(None),
            Err(e) => return Err(io_err(path)(e)),
        };
        let bad = |message: String| {
            HarnessError::Record {
            path: path.to_path_buf(),
            message: format!(
                "{message}; it is ignored and recomputed by the next `harness run` of its selection (or delete the file)"
            ),
        }
        };
        let value: serde_json::Value =
            serde_json::from_str(&text).map_err(|e| bad(format!("not valid JSON ({e})")))?;
        match value.get("schema").and_then(|v| v.as_u64()) {
            Some(v) if v == u64::from(SCHEMA_VERSION) => {}
            Some(v) => {
                return Err(bad(format!(
                    "record schema version {v}, this harness reads version {SCHEMA_VERSION}"
                )))
            }
            None => return Err(bad("no `schema` version number".into())),
        }
        serde_json::from_value(value)
            .map(Some)
            .map_err(|e| bad(format!("not a run record ({e})")))
    }

    /// Deletes orphan temporary files (`.tmp-*`, left by a process killed while writing a
    /// record) under `runs/`. A temporary file still being written is locked by its writer and
    /// is never touched; an unlocked one younger than `min_age` is left too (its writer may be
    /// between creating and locking it). Returns how many were removed.
    pub fn clean_orphans(&self, min_age: std::time::Duration) -> usize {
        let mut removed = 0;
        let mut stack = vec![self.results_dir.join("runs")];
        while let Some(dir) = stack.pop() {
            let Ok(entries) = std::fs::read_dir(&dir) else {
                continue;
            };
            for e in entries.flatten() {
                let path = e.path();
                let Ok(ft) = e.file_type() else { continue };
                if ft.is_dir() {
                    stack.push(path);
                } else if ft.is_file()
                    && e.file_name().to_string_lossy().starts_with(TMP_PREFIX)
                    && remove_if_orphan(&path, min_age)
                {
                    removed += 1;
                }
            }
        }
        removed
    }

    /// Writes `record` atomically to its path: a temporary file in the same directory, flushed
    /// and synced, then renamed over the target.
    pub fn save(&self, record: &RunRecord) -> Result<PathBuf> {
        let path = self.record_path(&record.id());
        let json = serde_json::to_string_pretty(record)
            .map_err(|e| HarnessError::Other(format!("serializing record: {e}")))?;
        write_atomic(&path, json.as_bytes())?;
        Ok(path)
    }
}

/// Prefix of the temporary files of [`write_atomic`].
pub const TMP_PREFIX: &str = ".tmp-";

/// Removes `path` if no process holds its lock and it is at least `min_age` old.
fn remove_if_orphan(path: &Path, min_age: std::time::Duration) -> bool {
    let Ok(file) = std::fs::OpenOptions::new().read(true).open(path) else {
        return false;
    };
    if file.try_lock().is_err() {
        return false; // a live writer holds it
    }
    let old = file
        .metadata()
        .and_then(|m| m.modified())
        .ok()
        .and_then(|t| t.elapsed().ok())
        .is_some_and(|age| age >= min_age);
    old && std::fs::remove_file(path).is_ok()
}

/// Writes `bytes` to `path` atomically: a temporary file (`.tmp-*`, locked while written) in
/// the same directory, synced, renamed over the target, then the directory synced so the
/// rename itself is durable. Creates missing parent directories. A crash leaves either the old
/// file or the new one, and at worst an unlocked `.tmp-*` that [`Store::clean_orphans`]
/// removes.
pub fn write_atomic(path: &Path, bytes: &[u8]) -> Result<()> {
    let dir = path.parent().ok_or_else(|| HarnessError::Io {
        path: path.to_path_buf(),
        error: std::io::Error::other("no parent directory"),
    })?;
    std::fs::create_dir_all(dir).map_err(io_err(dir))?;
    let mut builder = tempfile::Builder::new();
    builder.prefix(TMP_PREFIX);
    // Published tables and records are for everyone: rw-r--r-- (less the umask), not the
    // owner-only mode temporary files get by default.
    #[cfg(unix)]
    {
        use std::os::unix::fs::PermissionsExt;
        builder.permissions(std::fs::Permissions::from_mode(0o644));
    }
    let mut tmp = builder.tempfile_in(dir).map_err(io_err(dir))?;
    tmp.as_file().lock().map_err(io_err(tmp.path()))?;
    tmp.write_all(bytes).map_err(io_err(tmp.path()))?;
    tmp.as_file().sync_all().map_err(io_err(tmp.path()))?;
    let file = tmp.persist(path).map_err(|e| io_err(path)(e.error))?;
    drop(file); // releases the lock
    sync_dir(dir)?;
    Ok(())
}

/// `fsync` of a directory, so that a rename inside it survives a power loss (POSIX; a no-op
/// elsewhere).
fn sync_dir(dir: &Path) -> Result<()> {
    #[cfg(unix)]
    {
        std::fs::File::open(dir)
            .and_then(|d| d.sync_all())
            .map_err(io_err(dir))?;
    }
    #[cfg(not(unix))]
    let _ = dir;
    Ok(())
}

/// Metrics that measure speed (`…_per_second`, `…_seconds`) depend on the machine's load, not
/// on the seed: the determinism check (`harness check`) and the bitwise comparison of
/// `harness verify` leave them out.
pub fn is_timing_metric(name: &str) -> bool {
    name.ends_with("_per_second") || name.ends_with("_seconds")
}

#[cfg(test)]
mod tests {
    use super::*;

    #[cfg(unix)]
    #[test]
    fn atomic_writes_are_readable_by_others() {
        use std::os::unix::fs::PermissionsExt;
        let dir = tempfile::tempdir().unwrap();
        let p = dir.path().join("t.md");
        write_atomic(&p, b"x").unwrap();
        let mode = std::fs::metadata(&p).unwrap().permissions().mode();
        assert_eq!(mode & 0o044, 0o044, "mode {mode:o}");
        assert_eq!(std::fs::read(&p).unwrap(), b"x");
    }

    #[test]
    fn nan_metrics_round_trip_as_failures() {
        let dir = tempfile::tempdir().unwrap();
        let store = Store::new(dir.path());
        let out = RunOutput {
            metrics: [("acc".to_string(), f64::NAN)].into_iter().collect(),
            curves: [("acc".to_string(), vec![(0.0, 0.5), (1.0, f64::NAN)])]
                .into_iter()
                .collect(),
            parameter_count: 3,
            train_seconds: 1.0,
            selection_seconds: None,
            inference_seconds_per_example: None,
            status: RunStatus::Diverged {
                step: 1,
                unit: "step".into(),
                loss: "NaN".into(),
                reason: repro_kit::DivergenceReason::NonFiniteLoss,
            },
            extra: BTreeMap::new(),
        };
        let env = Environment::detect(dir.path(), 1);
        let id = RunId::new("p", "v", "d", 7);
        let meta = RecordMeta {
            key: "k".into(),
            wall_seconds: 2.0,
            provenance: env.provenance("c".into(), BTreeMap::new(), crate::registry::all()[0]),
        };
        let rec = RunRecord::from_output(&id, out, meta);
        assert_eq!(rec.id(), id);
        let path = store.save(&rec).unwrap();
        assert_eq!(path, store.record_path(&id));
        assert!(
            path.ends_with("runs/p/d/v/seed-0007.json"),
            "{}",
            path.display()
        );
        let back = store.load(&path).unwrap().unwrap();
        assert_eq!(back.metrics["acc"], None);
        assert_eq!(back.metric("acc"), None);
        assert_eq!(back.status.word(), "diverged");
        assert_eq!(back.curves["acc"][1].1, None);
        // no temporary files left behind
        let left: Vec<_> = std::fs::read_dir(path.parent().unwrap()).unwrap().collect();
        assert_eq!(left.len(), 1);
    }

    /// The one status type is stored exactly as the record format says: each case round-trips
    /// through the same flat JSON as before (`"status"` tag plus the case's fields).
    #[test]
    fn statuses_are_stored_in_the_record_format() {
        #[derive(Serialize, Deserialize)]
        struct Holder {
            seed: u64,
            #[serde(flatten)]
            status: RecordStatus,
        }
        let cases = [
            (RecordStatus::OK, r#"{"seed":1,"status":"ok"}"#),
            (
                RunStatus::Diverged {
                    step: 3,
                    unit: "epoch".into(),
                    loss: "NaN".into(),
                    reason: repro_kit::DivergenceReason::NonFiniteGradient,
                }
                .into(),
                r#"{"seed":1,"status":"diverged","step":3,"unit":"epoch","loss":"NaN","reason":"non_finite_gradient"}"#,
            ),
            (
                RecordStatus::Error {
                    message: "boom".into(),
                },
                r#"{"seed":1,"status":"error","message":"boom"}"#,
            ),
        ];
        for (status, json) in cases {
            let text = serde_json::to_string(&Holder {
                seed: 1,
                status: status.clone(),
            })
            .unwrap();
            assert_eq!(text, json);
            let back: Holder = serde_json::from_str(json).unwrap();
            assert_eq!(back.status, status);
        }
        // older diverged records have no `reason`: the loss
        let old: Holder = serde_json::from_str(
            r#"{"seed":1,"status":"diverged","step":3,"unit":"step","loss":"inf"}"#,
        )
        .unwrap();
        assert_eq!(old.status.word(), "diverged");
        assert!(!old.status.is_ok() && !old.status.is_error());
    }

    #[test]
    fn corrupt_record_is_an_error_naming_the_file() {
        let dir = tempfile::tempdir().unwrap();
        let p = dir.path().join("r.json");
        std::fs::write(&p, "{not json").unwrap();
        let err = Store::new(dir.path()).load(&p).unwrap_err().to_string();
        assert!(
            err.contains("r.json") && err.contains("recomputed"),
            "{err}"
        );
    }

    #[test]
    fn a_record_of_another_schema_version_is_refused() {
        let dir = tempfile::tempdir().unwrap();
        let p = dir.path().join("r.json");
        std::fs::write(&p, r#"{"schema": 99, "key": "k"}"#).unwrap();
        let err = Store::new(dir.path()).load(&p).unwrap_err().to_string();
        assert!(err.contains("schema version 99"), "{err}");
        std::fs::write(&p, r#"{"key": "k"}"#).unwrap();
        let err = Store::new(dir.path()).load(&p).unwrap_err().to_string();
        assert!(err.contains("schema"), "{err}");
    }

    #[test]
    fn orphan_temporary_files_are_cleaned_but_live_ones_are_not() {
        let dir = tempfile::tempdir().unwrap();
        let store = Store::new(dir.path());
        let d = dir.path().join("runs/p/d/v");
        std::fs::create_dir_all(&d).unwrap();
        let orphan = d.join(".tmp-orphan");
        std::fs::write(&orphan, "{\"trunc").unwrap();
        let live = d.join(".tmp-live");
        std::fs::write(&live, "x").unwrap();
        let held = std::fs::File::open(&live).unwrap();
        held.lock().unwrap();
        let young = d.join(".tmp-young");
        std::fs::write(&young, "x").unwrap();
        std::thread::sleep(std::time::Duration::from_millis(300));
        std::fs::write(&young, "y").unwrap();
        let removed = store.clean_orphans(std::time::Duration::from_millis(200));
        assert_eq!(removed, 1);
        assert!(!orphan.exists() && live.exists() && young.exists());
        drop(held);
        std::thread::sleep(std::time::Duration::from_millis(250));
        assert_eq!(
            store.clean_orphans(std::time::Duration::from_millis(200)),
            2
        );
    }
}
