//! The rules every file declared in `configs/datasets.toml` must follow: a relative path inside
//! the cache and mirrors, and an `https://` URL. Checked when the configs load, and again by the
//! fetcher before it downloads.

use std::path::Path;

/// Test-only escape: when this variable is `1`, plain `http://` URLs whose host is `127.0.0.1`
/// are accepted (in `configs/datasets.toml` and by the dataset fetcher), so the test suite can
/// exercise the download path against a local HTTP server. Everything else must be `https://`.
/// Never set it outside tests.
pub const LOOPBACK_HTTP_ENV: &str = "HARNESS_TEST_ALLOW_LOOPBACK_HTTP";

/// Whether [`LOOPBACK_HTTP_ENV`] is set to `1`.
pub fn loopback_http_allowed() -> bool {
    std::env::var(LOOPBACK_HTTP_ENV).is_ok_and(|v| v == "1")
}

/// Checks a declared dataset URL: `https://` only; with `allow_loopback_http`, also
/// `http://127.0.0.1[:port]/…` (the tests' local server). The error says what is allowed.
pub fn check_url(url: &str, allow_loopback_http: bool) -> std::result::Result<(), String> {
    let lower = url.to_ascii_lowercase();
    if let Some(rest) = lower.strip_prefix("https://") {
        if rest.is_empty() || rest.starts_with('/') {
            return Err(format!("URL `{url}` has no host"));
        }
        return Ok(());
    }
    if allow_loopback_http {
        if let Some(rest) = lower.strip_prefix("http://127.0.0.1") {
            if rest.is_empty() || rest.starts_with(':') || rest.starts_with('/') {
                return Ok(());
            }
        }
    }
    Err(format!(
        "URL `{url}` is not https:// — datasets are only downloaded over HTTPS; use the https:// address of the file"
    ))
}

/// Checks a declared file path: relative, not empty, no `.`/`..` components, not absolute, so
/// that `<cache>/<path>` is a file strictly inside the cache (and inside every mirror).
pub fn check_relative_path(path: &str) -> std::result::Result<(), String> {
    use std::path::Component;
    let p = Path::new(path);
    if path.trim().is_empty() {
        return Err("path is empty; give the file's relative path, e.g. `mnist1d/data.bin`".into());
    }
    if path.ends_with('/') || path.ends_with('\\') {
        return Err(format!("path `{path}` names a directory; give a file path"));
    }
    for c in p.components() {
        match c {
            Component::Normal(_) => {}
            Component::CurDir => {
                return Err(format!("path `{path}` must not contain `.` components"))
            }
            Component::ParentDir => return Err(format!("path `{path}` must not contain `..`")),
            Component::RootDir | Component::Prefix(_) => {
                return Err(format!("path `{path}` must be relative, not absolute"))
            }
        }
    }
    if path.split('/').any(|c| c == ".") {
        return Err(format!("path `{path}` must not contain `.` components"));
    }
    Ok(())
}
