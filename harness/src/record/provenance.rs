//! Provenance of a run: code version (git2), config and dataset checksums, toolchain and machine.

use serde::{Deserialize, Serialize};
use std::collections::BTreeMap;
use std::path::Path;

/// Where, when and with what a run was made.
#[derive(Debug, Clone, Serialize, Deserialize)]
pub struct Provenance {
    /// Git commit of the repository (`None` outside a git checkout).
    pub git_commit: Option<String>,
    /// Whether tracked files outside `results/` differ from that commit.
    pub git_dirty: Option<bool>,
    /// SHA-256 of the run's defining config content (the canonical JSON hashed into the key).
    pub config_sha256: String,
    /// SHA-256 of every dataset file, by declared path.
    pub dataset_sha256: BTreeMap<String, String>,
    /// Crate versions: harness, repro-kit, the reproduction, and the numerical dependencies
    /// (candle-core, candle-nn, gemm, rand, ...) as resolved in Cargo.lock.
    pub versions: BTreeMap<String, String>,
    /// Hex SHA-256 of the code that trained the run (kit sources + reproduction sources +
    /// numerical dependency versions): the value hashed into the key. Empty in records written
    /// before it existed.
    #[serde(default)]
    pub code_hash: String,
    /// Hex SHA-256 of the kit's sources alone.
    #[serde(default)]
    pub kit_source_hash: String,
    /// Hex SHA-256 of the reproduction crate's sources alone.
    #[serde(default)]
    pub reproduction_source_hash: String,
    /// The SIMD level the CPU offers the kernels (e.g. "avx512f avx2 fma"): with the CPU model
    /// and the thread count, what decides whether two machines agree bitwise.
    #[serde(default)]
    pub simd: String,
    /// `rustc --version` of the compiler that built the harness.
    pub rustc: String,
    /// Operating system (e.g. "linux, Debian GNU/Linux 12 (bookworm)").
    pub os: String,
    /// CPU model name.
    pub cpu: String,
    /// Compute threads the run used.
    pub threads: usize,
    /// Device ("cpu").
    pub device: String,
    /// Host name.
    pub hostname: String,
    /// Start, UTC, RFC 3339.
    pub started_utc: String,
    /// End, UTC, RFC 3339.
    pub finished_utc: String,
}

/// Facts that are the same for every run of one harness invocation.
#[derive(Debug, Clone)]
pub struct Environment {
    git_commit: Option<String>,
    git_dirty: Option<bool>,
    os: String,
    cpu: String,
    hostname: String,
    threads: usize,
}

impl Environment {
    /// Whether the repository had uncommitted changes to tracked files outside `results/`
    /// (`None`: not a git repository). Records computed then carry `git_dirty = true`: their
    /// commit does not name the code that produced them.
    pub fn git_dirty(&self) -> Option<bool> {
        self.git_dirty
    }

    /// Reads git state of the repository at `root` (git2) and the machine's facts.
    pub fn detect(root: &Path, threads: usize) -> Self {
        let (git_commit, git_dirty) = git_state(root);
        Self {
            git_commit,
            git_dirty,
            os: os_name(),
            cpu: cpu_model(),
            hostname: std::fs::read_to_string("/etc/hostname")
                .map(|s| s.trim().to_string())
                .unwrap_or_else(|_| "unknown".into()),
            threads,
        }
    }

    /// The provenance of one run; start and end times are filled by [`Provenance::finish`] or
    /// default to now.
    pub fn provenance(
        &self,
        config_sha256: String,
        dataset_sha256: BTreeMap<String, String>,
        reproduction: &dyn repro_kit::Reproduction,
    ) -> Provenance {
        let now = now_utc();
        let mut versions = BTreeMap::new();
        versions.insert("harness".into(), env!("CARGO_PKG_VERSION").into());
        versions.insert("repro-kit".into(), repro_kit::KIT_VERSION.into());
        for dep in env!("HARNESS_NUMERICAL_DEPENDENCIES").split(',') {
            if let Some((name, version)) = dep.split_once(' ') {
                versions.insert(name.into(), version.into());
            }
        }
        versions.insert(reproduction.id().into(), reproduction.version().into());
        Provenance {
            git_commit: self.git_commit.clone(),
            git_dirty: self.git_dirty,
            config_sha256,
            dataset_sha256,
            versions,
            code_hash: reproduction.code_hash(),
            kit_source_hash: repro_kit::KIT_SOURCE_HASH.into(),
            reproduction_source_hash: reproduction.source_hash().into(),
            simd: simd_level(),
            rustc: env!("HARNESS_RUSTC_VERSION").into(),
            os: self.os.clone(),
            cpu: self.cpu.clone(),
            threads: self.threads,
            device: "cpu".into(),
            hostname: self.hostname.clone(),
            started_utc: now.clone(),
            finished_utc: now,
        }
    }
}

impl Provenance {
    /// Sets start and end times.
    pub fn finish(mut self, started_utc: String) -> Self {
        self.started_utc = started_utc;
        self.finished_utc = now_utc();
        self
    }
}

/// The SIMD extensions this CPU offers that the GEMM kernels dispatch on (x86-64: avx512f,
/// avx2, fma, sse4.1; aarch64: neon), space-separated, best first.
pub fn simd_level() -> String {
    #[allow(unused_mut)]
    let mut v: Vec<&str> = Vec::new();
    #[cfg(target_arch = "x86_64")]
    {
        if std::arch::is_x86_feature_detected!("avx512f") {
            v.push("avx512f");
        }
        if std::arch::is_x86_feature_detected!("avx2") {
            v.push("avx2");
        }
        if std::arch::is_x86_feature_detected!("fma") {
            v.push("fma");
        }
        if std::arch::is_x86_feature_detected!("sse4.1") {
            v.push("sse4.1");
        }
    }
    #[cfg(target_arch = "aarch64")]
    v.push("neon");
    v.join(" ")
}

/// Current UTC time, RFC 3339 with milliseconds.
pub fn now_utc() -> String {
    chrono::Utc::now().to_rfc3339_opts(chrono::SecondsFormat::Millis, true)
}

fn git_state(root: &Path) -> (Option<String>, Option<bool>) {
    let Ok(repo) = git2::Repository::discover(root) else {
        return (None, None);
    };
    let commit = repo
        .head()
        .ok()
        .and_then(|h| h.peel_to_commit().ok())
        .map(|c| c.id().to_string());
    let mut opts = git2::StatusOptions::new();
    opts.include_untracked(false).include_ignored(false);
    let dirty = repo.statuses(Some(&mut opts)).ok().map(|st| {
        st.iter().any(|e| {
            e.path().is_ok_and(|p| !p.starts_with("results/"))
                && e.status() != git2::Status::CURRENT
        })
    });
    (commit, dirty)
}

fn os_name() -> String {
    let pretty = std::fs::read_to_string("/etc/os-release")
        .ok()
        .and_then(|t| {
            t.lines()
                .find_map(|l| l.strip_prefix("PRETTY_NAME="))
                .map(|s| s.trim_matches('"').to_string())
        });
    match pretty {
        Some(p) => format!("{}, {p}", std::env::consts::OS),
        None => std::env::consts::OS.to_string(),
    }
}

fn cpu_model() -> String {
    std::fs::read_to_string("/proc/cpuinfo")
        .ok()
        .and_then(|t| {
            t.lines()
                .find_map(|l| l.strip_prefix("model name"))
                .map(|s| s.trim_start_matches([' ', '\t', ':']).trim().to_string())
        })
        .unwrap_or_else(|| std::env::consts::ARCH.to_string())
}
