//! Dataset resolution: cache → files shipped in the repository (`data/`) → local mirror
//! directories → download from the upstream URLs. Every file's SHA-256 is checked before use;
//! downloads go to `<file>.partial` in the cache directory and are renamed into place only after
//! size and checksum match, so a failed download never leaves a file under the dataset's name; a
//! cut connection is resumed with an HTTP `Range` request (in the same or a later invocation).

use crate::config::{DatasetFile, DatasetSpec};
// The rules of a declared file (checked when configs load, and again before a download) live
// with the configs; re-exported here where the fetcher applies them.
pub use crate::config::{check_relative_path, check_url, loopback_http_allowed, LOOPBACK_HTTP_ENV};
use crate::error::HarnessError;
use crate::Result;
use repro_kit::ResolvedDataset;
use sha2::{Digest, Sha256};
use std::collections::BTreeMap;
use std::io::{Read, Write};
use std::path::{Path, PathBuf};
use std::time::Duration;

/// The environment variable holding extra mirror directories (separated by `:`).
pub const MIRRORS_ENV: &str = "HARNESS_DATA_DIRS";
/// The environment variable overriding the cache directory.
pub const CACHE_ENV: &str = "HARNESS_CACHE_DIR";
/// How a place searched without finding the file is listed in the "tried" lines of a
/// resolution error.
pub const ABSENT: &str = "absent";

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

impl std::fmt::Display for Source {
    /// In words, for `harness fetch`: `cache`, `data/`, `mirror DIR`, `downloaded from URL`.
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        match self {
            Source::Cache => f.write_str("cache"),
            Source::Shipped => f.write_str("data/"),
            Source::Mirror(m) => write!(f, "mirror {}", m.display()),
            Source::Download(u) => write!(f, "downloaded from {u}"),
        }
    }
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
    /// Accept `http://127.0.0.1` URLs (tests only; default from [`LOOPBACK_HTTP_ENV`]).
    pub allow_loopback_http: bool,
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
            allow_loopback_http: loopback_http_allowed(),
        }
    }

    /// `harness fetch`: resolves (downloading if needed) every file of each dataset in `names`
    /// (all declared in `datasets`), calling `line` with one line per dataset — or, with
    /// `verbose`, also one per file saying where it was found. Returns how many files were
    /// downloaded.
    ///
    /// Errors: the first file that cannot be resolved, with every place searched
    /// (each place searched, in order, as `resolve_file` lists them); a name that is not declared.
    pub fn fetch_datasets(
        &self,
        datasets: &BTreeMap<String, DatasetSpec>,
        names: &[String],
        verbose: bool,
        line: &mut dyn FnMut(&str),
    ) -> Result<usize> {
        let mut downloaded = 0usize;
        for name in names {
            let spec = datasets.get(name).ok_or_else(|| HarnessError::Data {
                dataset: name.clone(),
                file: "-".into(),
                message: "not declared in configs/datasets.toml".into(),
            })?;
            let mut sources: Vec<String> = Vec::new();
            let mut bytes = 0u64;
            for file in &spec.files {
                // the error lists every place searched, in order (resolve_file)
                let (path, source) = self.resolve_file(name, file)?;
                bytes += file.size;
                if matches!(source, Source::Download(_)) {
                    downloaded += 1;
                }
                let word = source.to_string();
                if verbose {
                    line(&format!(
                        "{name}: {} ← {word} ({})",
                        file.path,
                        path.display()
                    ));
                }
                if !sources.contains(&word) {
                    sources.push(word);
                }
            }
            line(&format!(
                "{name}: {} verified ({:.1} MB; from {})",
                crate::out::plural(spec.files.len(), "file", "files"),
                bytes as f64 / 1e6,
                sources.join(", ")
            ));
        }
        Ok(downloaded)
    }

    /// Resolves every file of dataset `name` (none for an environment, whose id is passed on).
    /// Errors: the first file that could not be found or verified, listing every place tried and
    /// what to do.
    pub fn resolve(&self, name: &str, spec: &DatasetSpec) -> Result<ResolvedDataset> {
        let mut files = std::collections::BTreeMap::new();
        for f in &spec.files {
            let (path, _) = self.resolve_file(name, f)?;
            files.insert(f.path.clone(), path);
        }
        Ok(ResolvedDataset {
            name: name.to_string(),
            files,
            environment: spec.environment.clone(),
        })
    }

    /// Resolves one file: the first verified copy in cache, shipped data, mirrors; else a
    /// download. A copy whose checksum does not match is never used; a corrupt cache entry is
    /// deleted.
    pub fn resolve_file(&self, dataset: &str, f: &DatasetFile) -> Result<(PathBuf, Source)> {
        check_relative_path(&f.path).map_err(|m| HarnessError::Data {
            dataset: dataset.to_string(),
            file: f.path.clone(),
            message: m,
        })?;
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
        } else {
            tried.push(format!("cache {}: {ABSENT}", cached.display()));
        }
        let locals = std::iter::once((self.shipped_dir.clone(), Source::Shipped, "data/")).chain(
            self.mirrors
                .iter()
                .map(|m| (m.clone(), Source::Mirror(m.clone()), "mirror")),
        );
        for (dir, source, kind) in locals {
            let p = dir.join(&f.path);
            if !p.is_file() {
                tried.push(format!("{kind} {}: {ABSENT}", p.display()));
                continue;
            }
            match verify(&p, f) {
                Ok(()) => return Ok((p, source)),
                Err(m) => tried.push(format!("{kind} {}: {m}", p.display())),
            }
        }
        // nothing found anywhere, nothing wrong with anything found
        let absent_everywhere = tried.iter().all(|l| l.ends_with(&format!(": {ABSENT}")));
        if self.offline {
            tried.push(format!(
                "download: skipped (offline){}",
                match f.urls.as_slice() {
                    [] => " — and no upstream URL is declared".to_string(),
                    urls => format!("; would try {}", urls.join(", ")),
                }
            ));
        } else {
            for url in &f.urls {
                match self.download(url, f, &cached) {
                    Ok(()) => return Ok((cached, Source::Download(url.clone()))),
                    Err(m) => tried.push(format!("download {url}: failed: {m}")),
                }
            }
            if f.urls.is_empty() {
                tried.push("download: no upstream URL declared".into());
            }
        }
        let (dataset, file) = (dataset.to_string(), f.path.clone());
        let message = format!(
            "no verified copy found.\n  tried, in order:\n    - {}\n  what to do: put the file (sha256 {}) under a mirror directory as `{}` and pass \
             `--data-dir DIR` or set {MIRRORS_ENV}; or go online so it can be downloaded",
            tried.join("\n    - "),
            f.sha256,
            f.path
        );
        Err(if self.offline && absent_everywhere {
            HarnessError::Unavailable {
                dataset,
                file,
                message,
            }
        } else {
            HarnessError::Data {
                dataset,
                file,
                message,
            }
        })
    }

    /// Downloads `url` into `dest` through `<dest>.partial` in the same directory: streams with
    /// a size cap of the declared size, checks size and SHA-256, then renames. A connection cut
    /// mid-body keeps the bytes received so far, and the next attempt (or the next invocation)
    /// asks only for the rest with an HTTP `Range` request; a server that ignores `Range` sends
    /// the whole file again, which replaces the partial one. Retries transient failures up to
    /// `attempts` times. Bytes that fail the checksum are deleted, never kept or used. The
    /// partial file is locked while in use, so processes sharing a cache (shards) never write
    /// it at the same time.
    fn download(&self, url: &str, f: &DatasetFile, dest: &Path) -> std::result::Result<(), String> {
        check_url(url, self.allow_loopback_http)?;
        let dir = dest.parent().ok_or("bad cache path")?;
        let created = first_missing_ancestor(dir);
        std::fs::create_dir_all(dir).map_err(|e| format!("creating {}: {e}", dir.display()))?;
        let result = self.download_into(url, f, dest);
        if result.is_err() {
            // leave no empty directories behind (a kept partial file keeps its directory)
            if let Some(top) = created {
                remove_empty_dirs(dir, &top);
            }
        }
        result
    }

    fn download_into(
        &self,
        url: &str,
        f: &DatasetFile,
        dest: &Path,
    ) -> std::result::Result<(), String> {
        let partial = partial_path(dest);
        let mut file = std::fs::OpenOptions::new()
            .read(true)
            .write(true)
            .create(true)
            .truncate(false)
            .open(&partial)
            .map_err(|e| format!("opening {}: {e}", partial.display()))?;
        file.lock()
            .map_err(|e| format!("locking {}: {e}", partial.display()))?;
        // Another process may have finished this file while we waited for the lock.
        if dest.is_file() && verify(dest, f).is_ok() {
            let _ = std::fs::remove_file(&partial);
            return Ok(());
        }
        // TLS through rustls' ring provider (reqwest is built without a provider of its own);
        // a provider another part of the process installed first is kept
        let _ = rustls::crypto::ring::default_provider().install_default();
        let client = reqwest::blocking::Client::builder()
            .timeout(self.timeout)
            .connect_timeout(Duration::from_secs(30))
            .user_agent(concat!("repro-harness/", env!("CARGO_PKG_VERSION")))
            .build()
            .map_err(|e| format!("HTTP client: {e}"))?;
        let mut last = String::new();
        for attempt in 1..=self.attempts.max(1) {
            match download_once(&client, url, f, &mut file) {
                Ok(()) => {
                    file.sync_all().map_err(|e| format!("sync: {e}"))?;
                    std::fs::rename(&partial, dest).map_err(|e| {
                        format!("renaming {} to {}: {e}", partial.display(), dest.display())
                    })?;
                    return Ok(());
                }
                Err(Failure { message, retry }) => {
                    last = format!("attempt {attempt}: {message}");
                    if !retry {
                        break;
                    }
                    std::thread::sleep(Duration::from_millis(200 * u64::from(attempt)));
                }
            }
        }
        if file.metadata().map(|m| m.len() == 0).unwrap_or(true) {
            let _ = std::fs::remove_file(&partial);
        }
        Err(last)
    }
}

/// The outermost directory of `dir`'s ancestry that does not exist yet (what
/// `create_dir_all(dir)` would create first), or `None` when `dir` exists.
fn first_missing_ancestor(dir: &Path) -> Option<PathBuf> {
    let mut top = None;
    for a in dir.ancestors() {
        if a.as_os_str().is_empty() || a.exists() {
            break;
        }
        top = Some(a.to_path_buf());
    }
    top
}

/// Removes `dir` and its parents up to and including `top` while they are empty.
fn remove_empty_dirs(dir: &Path, top: &Path) {
    for a in dir.ancestors() {
        if std::fs::remove_dir(a).is_err() || a == top {
            break;
        }
    }
}

/// Where a download in progress lives: `<dest>.partial`, beside the final file (same file
/// system, so the final rename is atomic). Never read as a dataset file.
pub fn partial_path(dest: &Path) -> PathBuf {
    let mut name = dest.file_name().unwrap_or_default().to_os_string();
    name.push(".partial");
    dest.with_file_name(name)
}

/// Why one download attempt failed, and whether another attempt may help.
struct Failure {
    message: String,
    retry: bool,
}

fn fail(message: impl Into<String>, retry: bool) -> Failure {
    Failure {
        message: message.into(),
        retry,
    }
}

/// Empties the partial file (its bytes are not the start of the declared file).
fn restart(file: &mut std::fs::File) -> std::result::Result<(), Failure> {
    file.set_len(0)
        .map_err(|e| fail(format!("truncating the partial file: {e}"), false))
}

/// One attempt: continues the partial file `file` from its length (HTTP `Range`) or starts it
/// over; on success the file holds exactly the declared bytes.
fn download_once(
    client: &reqwest::blocking::Client,
    url: &str,
    f: &DatasetFile,
    file: &mut std::fs::File,
) -> std::result::Result<(), Failure> {
    use std::io::{Seek, SeekFrom};
    let io = |what: &str, e: std::io::Error| fail(format!("{what} the partial file: {e}"), false);
    let mut have = file.metadata().map_err(|e| io("reading", e))?.len();
    if have > f.size {
        restart(file)?;
        have = 0;
    }
    let mut req = client.get(url);
    if have > 0 {
        req = req.header(reqwest::header::RANGE, format!("bytes={have}-"));
    }
    let mut resp = req
        .send()
        .map_err(|e| fail(format!("request failed: {e}"), true))?;
    let status = resp.status();
    let resumed = have > 0 && status == reqwest::StatusCode::PARTIAL_CONTENT;
    if resumed {
        let range = resp
            .headers()
            .get(reqwest::header::CONTENT_RANGE)
            .and_then(|v| v.to_str().ok())
            .unwrap_or("")
            .to_string();
        if !range.starts_with(&format!("bytes {have}-")) {
            restart(file)?;
            return Err(fail(
                format!(
                    "asked for bytes {have}- but the server sent range `{range}`; starting over"
                ),
                true,
            ));
        }
    } else if status == reqwest::StatusCode::RANGE_NOT_SATISFIABLE {
        restart(file)?;
        return Err(fail(
            "HTTP 416 for the rest of a partial download; starting over",
            true,
        ));
    } else if !status.is_success() || status == reqwest::StatusCode::PARTIAL_CONTENT {
        return Err(fail(format!("HTTP {status}"), status.is_server_error()));
    } else {
        // 200: the whole file (the server ignored Range, or nothing was there yet).
        restart(file)?;
        have = 0;
    }
    let mut hasher = Sha256::new();
    file.seek(SeekFrom::Start(0))
        .map_err(|e| io("seeking", e))?;
    let mut buf = vec![0u8; 1 << 16];
    if have > 0 {
        let mut left = have;
        while left > 0 {
            let want = (buf.len() as u64).min(left) as usize;
            file.read_exact(&mut buf[..want])
                .map_err(|e| io("re-reading", e))?;
            hasher.update(&buf[..want]);
            left -= want as u64;
        }
    }
    file.seek(SeekFrom::Start(have))
        .map_err(|e| io("seeking", e))?;
    let mut total = have;
    loop {
        let n = match resp.read(&mut buf) {
            Ok(n) => n,
            Err(e) => {
                // keep what arrived: the next attempt resumes from here
                let _ = file.flush();
                return Err(fail(
                    format!("connection broken after {total} bytes (kept for resuming): {e}"),
                    true,
                ));
            }
        };
        if n == 0 {
            break;
        }
        total += n as u64;
        if total > f.size {
            restart(file)?;
            return Err(fail(
                format!("server sent more than the declared {} bytes", f.size),
                false,
            ));
        }
        hasher.update(&buf[..n]);
        file.write_all(&buf[..n]).map_err(|e| io("writing", e))?;
    }
    if total != f.size {
        return Err(fail(
            format!(
                "got {total} bytes, expected {} (truncated; kept for resuming)",
                f.size
            ),
            true,
        ));
    }
    let got = hex::encode(hasher.finalize());
    if got != f.sha256 {
        restart(file)?;
        if resumed {
            // the kept bytes may be what was wrong: one more try from scratch
            return Err(fail(
                format!("SHA-256 mismatch after resuming a partial download (got {got}); discarded it, starting over"),
                true,
            ));
        }
        return Err(fail(
            format!(
                "SHA-256 mismatch: expected {}, got {got}; the server sent different bytes — check the URL or update the checksum only after verifying the new file",
                f.sha256
            ),
            false,
        ));
    }
    Ok(())
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

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn an_unavailable_file_lists_every_place_searched_in_order() {
        let dir = tempfile::tempdir().unwrap();
        let d = dir.path();
        let fetcher = Fetcher {
            cache_dir: d.join("cache"),
            shipped_dir: d.join("repo/data"),
            mirrors: vec![d.join("m1"), d.join("m2")],
            offline: true,
            attempts: 1,
            timeout: Duration::from_secs(1),
            allow_loopback_http: false,
        };
        std::fs::create_dir_all(d.join("m2/sk")).unwrap();
        std::fs::write(d.join("m2/sk/iris.csv"), b"other bytes").unwrap();
        let f = DatasetFile {
            path: "sk/iris.csv".into(),
            sha256: "0".repeat(64),
            size: 11,
            urls: vec!["https://example.org/iris.csv".into()],
        };
        let e = fetcher.resolve_file("iris", &f).unwrap_err();
        // a copy with the wrong bytes is a fault, not an absence
        assert!(matches!(e, HarnessError::Data { .. }), "{e:?}");
        let e = e.to_string();
        let want = [
            format!("cache {}: absent", d.join("cache/sk/iris.csv").display()),
            format!(
                "data/ {}: absent",
                d.join("repo/data/sk/iris.csv").display()
            ),
            format!("mirror {}: absent", d.join("m1/sk/iris.csv").display()),
            format!(
                "mirror {}: SHA-256 mismatch",
                d.join("m2/sk/iris.csv").display()
            ),
            "download: skipped (offline); would try https://example.org/iris.csv".into(),
        ];
        let mut at = 0;
        for w in &want {
            let found = e[at..].find(w.as_str());
            assert!(found.is_some(), "`{w}` missing or out of order in:\n{e}");
            at += found.unwrap();
        }
        // with the bad copy gone, nothing is found anywhere: unavailable, offline only
        std::fs::remove_file(d.join("m2/sk/iris.csv")).unwrap();
        let e = fetcher.resolve_file("iris", &f).unwrap_err();
        assert!(matches!(e, HarnessError::Unavailable { .. }), "{e:?}");
        assert!(e.to_string().contains("no verified copy found"), "{e}");
        let online = Fetcher {
            offline: false,
            ..fetcher
        };
        let f = DatasetFile { urls: vec![], ..f };
        let e = online.resolve_file("iris", &f).unwrap_err();
        assert!(matches!(e, HarnessError::Data { .. }), "{e:?}");
    }
}
