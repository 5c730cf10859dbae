//! Dataset resolution: cache → files shipped in the repository (`data/`) → local mirror
//! directories → download from the upstream URLs. Every file's SHA-256 is checked before use;
//! downloads go to a temporary file in the cache directory and are renamed into place only after
//! size and checksum match, so a failed download leaves nothing behind.

use crate::config::{DatasetFile, DatasetSpec};
use crate::error::HarnessError;
use crate::Result;
use repro_kit::ResolvedDataset;
use sha2::{Digest, Sha256};
use std::io::{Read, Write};
use std::path::{Path, PathBuf};
use std::time::Duration;

/// The environment variable holding extra mirror directories (separated by `:`).
pub const MIRRORS_ENV: &str = "HARNESS_DATA_DIRS";
/// The environment variable overriding the cache directory.
pub const CACHE_ENV: &str = "HARNESS_CACHE_DIR";
/// System-wide directories searched after the user's mirrors: where Debian's data packages
/// (e.g. `dataset-fashion-mnist`) install their files.
pub const SYSTEM_MIRRORS: &[&str] = &["/usr/share/datasets"];

/// Where a file was found.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Source {
    /// The download cache.
    Cache,
    /// The repository's own `data/` directory.
    Shipped,
    /// A mirror directory.
    Mirror(PathBuf),
    /// Downloaded from this URL.
    Download(String),
}

/// Resolves declared dataset files to verified local paths.
#[derive(Debug, Clone)]
pub struct Fetcher {
    /// Download cache; files live at `<cache>/<declared path>`.
    pub cache_dir: PathBuf,
    /// The repository's `data/` directory.
    pub shipped_dir: PathBuf,
    /// Mirror directories, searched in order (user's first, then the system ones).
    pub mirrors: Vec<PathBuf>,
    /// Never download.
    pub offline: bool,
    /// Attempts per URL for transient failures (connection errors, 5xx, truncated bodies).
    pub attempts: u32,
    /// Per-request timeout.
    pub timeout: Duration,
}

impl Fetcher {
    /// A fetcher for the project at `root` with the user's extra `mirrors` (from `--data-dir`),
    /// followed by those of [`MIRRORS_ENV`] and [`SYSTEM_MIRRORS`]. The cache is
    /// [`CACHE_ENV`], else `$XDG_CACHE_HOME/repro-harness`, else `~/.cache/repro-harness`.
    pub fn new(root: &Path, mirrors: &[PathBuf], cache_dir: Option<PathBuf>) -> Self {
        let mut all: Vec<PathBuf> = mirrors.to_vec();
        if let Ok(v) = std::env::var(MIRRORS_ENV) {
            all.extend(v.split(':').filter(|s| !s.is_empty()).map(PathBuf::from));
        }
        all.extend(SYSTEM_MIRRORS.iter().map(PathBuf::from));
        Self {
            cache_dir: cache_dir.unwrap_or_else(default_cache_dir),
            shipped_dir: root.join("data"),
            mirrors: all,
            offline: false,
            attempts: 3,
            timeout: Duration::from_secs(600),
        }
    }

    /// Resolves every file of dataset `name`. Errors: the first file that could not be found or
    /// verified, listing every place tried and what to do.
    pub fn resolve(&self, name: &str, spec: &DatasetSpec) -> Result<ResolvedDataset> {
        let mut files = std::collections::BTreeMap::new();
        for f in &spec.files {
            let (path, _) = self.resolve_file(name, f)?;
            files.insert(f.path.clone(), path);
        }
        Ok(ResolvedDataset {
            name: name.to_string(),
            files,
        })
    }

    /// Resolves one file: the first verified copy in cache, shipped data, mirrors; else a
    /// download. A copy whose checksum does not match is never used; a corrupt cache entry is
    /// deleted.
    pub fn resolve_file(&self, dataset: &str, f: &DatasetFile) -> Result<(PathBuf, Source)> {
        let mut tried: Vec<String> = Vec::new();
        let cached = self.cache_dir.join(&f.path);
        if cached.is_file() {
            match verify(&cached, f) {
                Ok(()) => return Ok((cached, Source::Cache)),
                Err(m) => {
                    tried.push(format!("cache {}: {m} (deleted)", cached.display()));
                    let _ = std::fs::remove_file(&cached);
                }
            }
        }
        let locals = std::iter::once((self.shipped_dir.clone(), Source::Shipped)).chain(
            self.mirrors
                .iter()
                .map(|m| (m.clone(), Source::Mirror(m.clone()))),
        );
        for (dir, source) in locals {
            let p = dir.join(&f.path);
            if !p.is_file() {
                continue;
            }
            match verify(&p, f) {
                Ok(()) => return Ok((p, source)),
                Err(m) => tried.push(format!("{}: {m}", p.display())),
            }
        }
        if self.offline {
            tried.push("download: skipped (offline)".into());
        } else {
            for url in &f.urls {
                match self.download(url, f, &cached) {
                    Ok(()) => return Ok((cached, Source::Download(url.clone()))),
                    Err(m) => tried.push(format!("{url}: {m}")),
                }
            }
            if f.urls.is_empty() {
                tried.push("download: no upstream URL declared".into());
            }
        }
        Err(HarnessError::Data {
            dataset: dataset.to_string(),
            file: f.path.clone(),
            message: format!(
                "no verified copy found.\n  tried:\n    - {}\n  what to do: put the file (sha256 {}) under a mirror directory as `{}` and pass \
                 `--data-dir DIR` or set {MIRRORS_ENV}; or go online so it can be downloaded",
                if tried.is_empty() { "no copy in the cache, data/ or any mirror".to_string() } else { tried.join("\n    - ") },
                f.sha256,
                f.path
            ),
        })
    }

    /// Downloads `url` into `dest` through a temporary file in `dest`'s directory: streams with
    /// a size cap of the declared size, checks size and SHA-256, then renames. Retries transient
    /// failures up to `attempts` times. On failure the temporary file is removed.
    fn download(&self, url: &str, f: &DatasetFile, dest: &Path) -> std::result::Result<(), String> {
        let dir = dest.parent().ok_or("bad cache path")?;
        std::fs::create_dir_all(dir).map_err(|e| format!("creating {}: {e}", dir.display()))?;
        let client = reqwest::blocking::Client::builder()
            .timeout(self.timeout)
            .connect_timeout(Duration::from_secs(30))
            .user_agent(concat!("repro-harness/", env!("CARGO_PKG_VERSION")))
            .build()
            .map_err(|e| format!("HTTP client: {e}"))?;
        let mut last = String::new();
        for attempt in 1..=self.attempts.max(1) {
            match self.download_once(&client, url, f, dir, dest) {
                Ok(()) => return Ok(()),
                Err((msg, transient)) => {
                    last = format!("attempt {attempt}: {msg}");
                    if !transient {
                        break;
                    }
                    std::thread::sleep(Duration::from_millis(200 * u64::from(attempt)));
                }
            }
        }
        Err(last)
    }

    /// One attempt; the error says whether retrying may help.
    fn download_once(
        &self,
        client: &reqwest::blocking::Client,
        url: &str,
        f: &DatasetFile,
        dir: &Path,
        dest: &Path,
    ) -> std::result::Result<(), (String, bool)> {
        let mut resp = client
            .get(url)
            .send()
            .map_err(|e| (format!("request failed: {e}"), true))?;
        let status = resp.status();
        if !status.is_success() {
            return Err((format!("HTTP {status}"), status.is_server_error()));
        }
        let mut tmp = tempfile::NamedTempFile::new_in(dir)
            .map_err(|e| (format!("temporary file in {}: {e}", dir.display()), false))?;
        let mut hasher = Sha256::new();
        let mut total: u64 = 0;
        let mut buf = vec![0u8; 1 << 16];
        loop {
            let n = resp
                .read(&mut buf)
                .map_err(|e| (format!("connection broken after {total} bytes: {e}"), true))?;
            if n == 0 {
                break;
            }
            total += n as u64;
            if total > f.size {
                return Err((
                    format!("server sent more than the declared {} bytes", f.size),
                    false,
                ));
            }
            hasher.update(&buf[..n]);
            tmp.write_all(&buf[..n])
                .map_err(|e| (format!("writing temporary file: {e}"), false))?;
        }
        if total != f.size {
            return Err((
                format!("got {total} bytes, expected {} (truncated?)", f.size),
                true,
            ));
        }
        let got = hex::encode(hasher.finalize());
        if got != f.sha256 {
            return Err((
                format!(
                    "SHA-256 mismatch: expected {}, got {got}; the server sent different bytes — check the URL or update the checksum only after verifying the new file",
                    f.sha256
                ),
                false,
            ));
        }
        tmp.as_file()
            .sync_all()
            .map_err(|e| (format!("sync: {e}"), false))?;
        tmp.persist(dest)
            .map_err(|e| (format!("renaming into {}: {e}", dest.display()), false))?;
        Ok(())
    }
}

/// Checks size and SHA-256 of `path` against the declaration; the error gives both hashes.
pub fn verify(path: &Path, f: &DatasetFile) -> std::result::Result<(), String> {
    let meta = std::fs::metadata(path).map_err(|e| e.to_string())?;
    if meta.len() != f.size {
        return Err(format!(
            "size {} bytes, expected {} — the file is truncated or a different version",
            meta.len(),
            f.size
        ));
    }
    let got = sha256_file(path).map_err(|e| e.to_string())?;
    if got != f.sha256 {
        return Err(format!(
            "SHA-256 mismatch: expected {}, got {got} — the file is corrupt or a different version; replace it",
            f.sha256
        ));
    }
    Ok(())
}

/// SHA-256 (lower-case hex) of a file's bytes, streamed.
pub fn sha256_file(path: &Path) -> std::io::Result<String> {
    let mut file = std::fs::File::open(path)?;
    let mut hasher = Sha256::new();
    std::io::copy(&mut file, &mut hasher)?;
    Ok(hex::encode(hasher.finalize()))
}

fn default_cache_dir() -> PathBuf {
    if let Ok(v) = std::env::var(CACHE_ENV) {
        return PathBuf::from(v);
    }
    if let Ok(v) = std::env::var("XDG_CACHE_HOME") {
        return PathBuf::from(v).join("repro-harness");
    }
    match std::env::var("HOME") {
        Ok(h) => PathBuf::from(h).join(".cache/repro-harness"),
        Err(_) => std::env::temp_dir().join("repro-harness-cache"),
    }
}
