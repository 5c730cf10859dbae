//! The download path against a real HTTP server on 127.0.0.1: correct file, wrong bytes, 404,
//! connection cut mid-body, resuming a cut download with `Range` (in the same and in a later
//! invocation, and from a server that ignores `Range`), server errors then success; and the local
//! resolution order. After every failure nothing may be left under the dataset file's name.

use harness::config::DatasetFile;
use harness::data::{sha256_file, Fetcher, Source};
use sha2::{Digest, Sha256};
use std::io::{Read, Write};
use std::net::{TcpListener, TcpStream};
use std::path::Path;
use std::sync::atomic::{AtomicUsize, Ordering};
use std::sync::{Arc, Mutex};
use std::time::Duration;

const BODY: &[u8] = b"0123456789abcdefghijklmnopqrstuvwxyz-the-real-dataset-bytes\n";

fn sha(bytes: &[u8]) -> String {
    hex::encode(Sha256::digest(bytes))
}

/// A tiny HTTP/1.1 server: `/good` serves BODY, `/wrong` serves other bytes of the same length,
/// `/missing` 404, `/cut` announces the full length but closes after half (ignoring `Range`),
/// `/flaky` answers 503 twice then BODY, `/resume` cuts its first answer after half and honours
/// `Range: bytes=N-` with a 206, `/cut-then-full` cuts its first answer and then ignores `Range`
/// (200 with the whole body), `/range` always honours `Range`. Serves `max` connections, then stops. The counter counts `/flaky`
/// and `/resume`/`/cut-then-full` requests; `ranges` collects the `Range` headers received.
fn serve(max: usize) -> (String, Arc<AtomicUsize>) {
    let (base, counter, _) = serve_logged(max);
    (base, counter)
}

fn serve_logged(max: usize) -> (String, Arc<AtomicUsize>, Arc<Mutex<Vec<String>>>) {
    let listener = TcpListener::bind("127.0.0.1:0").unwrap();
    let addr = listener.local_addr().unwrap();
    let flaky = Arc::new(AtomicUsize::new(0));
    let ranges = Arc::new(Mutex::new(Vec::new()));
    let (f2, r2) = (flaky.clone(), ranges.clone());
    std::thread::spawn(move || {
        for stream in listener.incoming().take(max) {
            let Ok(s) = stream else { continue };
            handle(s, &f2, &r2);
        }
    });
    (format!("http://{addr}"), flaky, ranges)
}

fn handle(mut s: TcpStream, flaky: &AtomicUsize, ranges: &Mutex<Vec<String>>) {
    s.set_read_timeout(Some(Duration::from_secs(5))).ok();
    let mut buf = [0u8; 2048];
    let mut req = Vec::new();
    while !req.windows(4).any(|w| w == b"\r\n\r\n") {
        match s.read(&mut buf) {
            Ok(0) | Err(_) => return,
            Ok(n) => req.extend_from_slice(&buf[..n]),
        }
    }
    let line = String::from_utf8_lossy(&req);
    let path = line.split_whitespace().nth(1).unwrap_or("/").to_string();
    let range_from: Option<usize> = line.lines().find_map(|l| {
        let (k, v) = l.split_once(':')?;
        if !k.eq_ignore_ascii_case("range") {
            return None;
        }
        ranges.lock().unwrap().push(v.trim().to_string());
        v.trim()
            .strip_prefix("bytes=")?
            .strip_suffix('-')?
            .parse()
            .ok()
    });
    let ok = |s: &mut TcpStream, body: &[u8], len: usize| {
        let _ = write!(
            s,
            "HTTP/1.1 200 OK\r\nContent-Length: {len}\r\nConnection: close\r\n\r\n"
        );
        let _ = s.write_all(body);
    };
    match path.as_str() {
        "/good" => ok(&mut s, BODY, BODY.len()),
        "/wrong" => {
            let mut other = BODY.to_vec();
            other[3] ^= 0xff;
            ok(&mut s, &other, other.len())
        }
        "/cut" => ok(&mut s, &BODY[..BODY.len() / 2], BODY.len()),
        "/flaky" => {
            if flaky.fetch_add(1, Ordering::SeqCst) < 2 {
                let _ = write!(s, "HTTP/1.1 503 Service Unavailable\r\nContent-Length: 0\r\nConnection: close\r\n\r\n");
            } else {
                ok(&mut s, BODY, BODY.len())
            }
        }
        "/range" => match range_from {
            Some(from) if from < BODY.len() => {
                let rest = &BODY[from..];
                let _ = write!(
                    s,
                    "HTTP/1.1 206 Partial Content\r\nContent-Range: bytes {from}-{}/{}\r\nContent-Length: {}\r\nConnection: close\r\n\r\n",
                    BODY.len() - 1,
                    BODY.len(),
                    rest.len()
                );
                let _ = s.write_all(rest);
            }
            _ => ok(&mut s, BODY, BODY.len()),
        },
        "/resume" | "/cut-then-full" => {
            let first = flaky.fetch_add(1, Ordering::SeqCst) == 0;
            match range_from {
                _ if first => ok(&mut s, &BODY[..BODY.len() / 2], BODY.len()),
                Some(from) if path == "/resume" && from < BODY.len() => {
                    let rest = &BODY[from..];
                    let _ = write!(
                        s,
                        "HTTP/1.1 206 Partial Content\r\nContent-Range: bytes {from}-{}/{}\r\nContent-Length: {}\r\nConnection: close\r\n\r\n",
                        BODY.len() - 1,
                        BODY.len(),
                        rest.len()
                    );
                    let _ = s.write_all(rest);
                }
                _ => ok(&mut s, BODY, BODY.len()),
            }
        }
        _ => {
            let _ = write!(
                s,
                "HTTP/1.1 404 Not Found\r\nContent-Length: 9\r\nConnection: close\r\n\r\nnot found"
            );
        }
    }
    let _ = s.flush();
}

fn file(urls: Vec<String>) -> DatasetFile {
    DatasetFile {
        path: "demo/data.bin".into(),
        sha256: sha(BODY),
        size: BODY.len() as u64,
        urls,
    }
}

fn fetcher(root: &Path, cache: &Path) -> Fetcher {
    let mut f = Fetcher::new(root, &[], Some(cache.to_path_buf()));
    f.mirrors.clear(); // isolate from /usr/share/datasets and the environment
    f.timeout = Duration::from_secs(10);
    // the local test server is plain HTTP on 127.0.0.1: the test-only escape
    f.allow_loopback_http = true;
    f
}

/// Nothing in the cache at all (not even a partial download).
fn cache_is_empty(cache: &Path) -> bool {
    let dir = cache.join("demo");
    !dir.exists() || std::fs::read_dir(&dir).unwrap().next().is_none()
}

fn partial(cache: &Path) -> std::path::PathBuf {
    cache.join("demo/data.bin.partial")
}

#[test]
fn downloads_verifies_and_caches_the_correct_file() {
    let (base, _) = serve(4);
    let root = tempfile::tempdir().unwrap();
    let cache = tempfile::tempdir().unwrap();
    let f = fetcher(root.path(), cache.path());
    let (path, source) = f
        .resolve_file("demo", &file(vec![format!("{base}/good")]))
        .unwrap();
    assert_eq!(source, Source::Download(format!("{base}/good")));
    assert_eq!(std::fs::read(&path).unwrap(), BODY);
    assert_eq!(sha256_file(&path).unwrap(), sha(BODY));
    // second time: from the cache, no network needed
    let (_, source) = f.resolve_file("demo", &file(vec![])).unwrap();
    assert_eq!(source, Source::Cache);
}

#[test]
fn wrong_bytes_are_rejected_and_nothing_is_cached() {
    let (base, _) = serve(4);
    let root = tempfile::tempdir().unwrap();
    let cache = tempfile::tempdir().unwrap();
    let err = fetcher(root.path(), cache.path())
        .resolve_file("demo", &file(vec![format!("{base}/wrong")]))
        .unwrap_err()
        .to_string();
    assert!(
        err.contains("SHA-256 mismatch") && err.contains(&sha(BODY)),
        "{err}"
    );
    assert!(
        err.contains("demo/data.bin") && err.contains("what to do"),
        "{err}"
    );
    assert!(cache_is_empty(cache.path()));
}

#[test]
fn not_found_is_reported_without_retrying_and_nothing_is_cached() {
    let (base, _) = serve(4);
    let root = tempfile::tempdir().unwrap();
    let cache = tempfile::tempdir().unwrap();
    let err = fetcher(root.path(), cache.path())
        .resolve_file("demo", &file(vec![format!("{base}/missing")]))
        .unwrap_err()
        .to_string();
    assert!(err.contains("404"), "{err}");
    assert!(
        err.contains("attempt 1"),
        "a 404 must not be retried: {err}"
    );
    assert!(cache_is_empty(cache.path()));
}

#[test]
fn connection_cut_mid_body_fails_cleanly_and_keeps_the_bytes_for_resuming() {
    let (base, _) = serve(8);
    let root = tempfile::tempdir().unwrap();
    let cache = tempfile::tempdir().unwrap();
    let err = fetcher(root.path(), cache.path())
        .resolve_file("demo", &file(vec![format!("{base}/cut")]))
        .unwrap_err()
        .to_string();
    assert!(
        err.contains("attempt 3"),
        "a cut connection is retried: {err}"
    );
    assert!(
        !cache.path().join("demo/data.bin").exists(),
        "partial download left under the dataset's name"
    );
    // the bytes received are kept aside, and only there
    assert_eq!(
        std::fs::read(partial(cache.path())).unwrap(),
        &BODY[..BODY.len() / 2]
    );
    // a later invocation resumes them from a server that honours Range
    let (base2, _, ranges) = serve_logged(4);
    let f = fetcher(root.path(), cache.path());
    // `/resume` cuts only its first answer: make that one happen before
    let _ = std::net::TcpStream::connect(base2.trim_start_matches("http://")).map(|mut s| {
        let _ = s.write_all(b"GET /resume HTTP/1.1\r\nHost: x\r\n\r\n");
        let mut sink = Vec::new();
        let _ = s.read_to_end(&mut sink);
    });
    let (path, source) = f
        .resolve_file("demo", &file(vec![format!("{base2}/resume")]))
        .unwrap();
    assert_eq!(source, Source::Download(format!("{base2}/resume")));
    assert_eq!(std::fs::read(&path).unwrap(), BODY);
    assert_eq!(
        *ranges.lock().unwrap(),
        vec![format!("bytes={}-", BODY.len() / 2)]
    );
    assert!(!partial(cache.path()).exists());
}

#[test]
fn a_cut_download_is_resumed_with_range_in_the_next_attempt() {
    let (base, requests, ranges) = serve_logged(4);
    let root = tempfile::tempdir().unwrap();
    let cache = tempfile::tempdir().unwrap();
    let (path, _) = fetcher(root.path(), cache.path())
        .resolve_file("demo", &file(vec![format!("{base}/resume")]))
        .unwrap();
    assert_eq!(std::fs::read(&path).unwrap(), BODY);
    assert_eq!(requests.load(Ordering::SeqCst), 2);
    assert_eq!(
        *ranges.lock().unwrap(),
        vec![format!("bytes={}-", BODY.len() / 2)]
    );
    assert!(!partial(cache.path()).exists());
}

#[test]
fn a_server_ignoring_range_sends_the_whole_file_which_replaces_the_partial_one() {
    let (base, requests, ranges) = serve_logged(4);
    let root = tempfile::tempdir().unwrap();
    let cache = tempfile::tempdir().unwrap();
    let (path, _) = fetcher(root.path(), cache.path())
        .resolve_file("demo", &file(vec![format!("{base}/cut-then-full")]))
        .unwrap();
    assert_eq!(std::fs::read(&path).unwrap(), BODY);
    assert_eq!(requests.load(Ordering::SeqCst), 2);
    assert_eq!(
        ranges.lock().unwrap().len(),
        1,
        "the second request asked for the rest"
    );
    assert!(!partial(cache.path()).exists());
}

#[test]
fn kept_bytes_that_do_not_match_are_discarded_and_the_file_fetched_whole() {
    let (base, _, ranges) = serve_logged(4);
    let root = tempfile::tempdir().unwrap();
    let cache = tempfile::tempdir().unwrap();
    // a partial file from some other version of the file
    std::fs::create_dir_all(cache.path().join("demo")).unwrap();
    std::fs::write(partial(cache.path()), b"XXXXXXXXXX").unwrap();
    let (path, _) = fetcher(root.path(), cache.path())
        .resolve_file("demo", &file(vec![format!("{base}/good")]))
        .unwrap();
    // `/good` ignores Range and sends everything: the stale bytes are replaced
    assert_eq!(std::fs::read(&path).unwrap(), BODY);
    assert_eq!(*ranges.lock().unwrap(), vec!["bytes=10-".to_string()]);

    // a server that honours Range completes the stale bytes: the checksum fails, the partial
    // file is discarded and the next attempt fetches the whole file
    let (base, _, ranges) = serve_logged(4);
    let cache = tempfile::tempdir().unwrap();
    std::fs::create_dir_all(cache.path().join("demo")).unwrap();
    std::fs::write(partial(cache.path()), b"XXXXXXXXXX").unwrap();
    let (path, _) = fetcher(root.path(), cache.path())
        .resolve_file("demo", &file(vec![format!("{base}/range")]))
        .unwrap();
    assert_eq!(std::fs::read(&path).unwrap(), BODY);
    assert_eq!(*ranges.lock().unwrap(), vec!["bytes=10-".to_string()]);
    assert!(!partial(cache.path()).exists());
}

#[test]
fn server_errors_are_retried_then_the_next_url_wins() {
    let (base, flaky) = serve(8);
    let root = tempfile::tempdir().unwrap();
    let cache = tempfile::tempdir().unwrap();
    let (path, source) = fetcher(root.path(), cache.path())
        .resolve_file(
            "demo",
            &file(vec![format!("{base}/missing"), format!("{base}/flaky")]),
        )
        .unwrap();
    assert_eq!(source, Source::Download(format!("{base}/flaky")));
    assert_eq!(flaky.load(Ordering::SeqCst), 3);
    assert_eq!(std::fs::read(path).unwrap(), BODY);
}

#[test]
fn local_copies_come_before_downloads_and_bad_ones_are_skipped() {
    let root = tempfile::tempdir().unwrap();
    let cache = tempfile::tempdir().unwrap();
    let mirror = tempfile::tempdir().unwrap();
    let bad_mirror = tempfile::tempdir().unwrap();
    std::fs::create_dir_all(mirror.path().join("demo")).unwrap();
    std::fs::write(mirror.path().join("demo/data.bin"), BODY).unwrap();
    std::fs::create_dir_all(bad_mirror.path().join("demo")).unwrap();
    std::fs::write(bad_mirror.path().join("demo/data.bin"), b"corrupt").unwrap();
    let mut f = fetcher(root.path(), cache.path());
    f.mirrors = vec![bad_mirror.path().to_path_buf(), mirror.path().to_path_buf()];
    f.offline = true;
    let (path, source) = f.resolve_file("demo", &file(vec![])).unwrap();
    assert_eq!(source, Source::Mirror(mirror.path().to_path_buf()));
    assert_eq!(path, mirror.path().join("demo/data.bin"));
    // shipped data/ wins over mirrors
    std::fs::create_dir_all(root.path().join("data/demo")).unwrap();
    std::fs::write(root.path().join("data/demo/data.bin"), BODY).unwrap();
    assert_eq!(
        f.resolve_file("demo", &file(vec![])).unwrap().1,
        Source::Shipped
    );
    // nothing anywhere: an error listing what was tried
    f.mirrors = vec![bad_mirror.path().to_path_buf()];
    std::fs::remove_file(root.path().join("data/demo/data.bin")).unwrap();
    let err = f
        .resolve_file("demo", &file(vec![]))
        .unwrap_err()
        .to_string();
    assert!(
        err.contains("size 7 bytes") && err.contains("offline"),
        "{err}"
    );
}

#[test]
fn a_corrupt_cache_entry_is_deleted_and_replaced() {
    let (base, _) = serve(4);
    let root = tempfile::tempdir().unwrap();
    let cache = tempfile::tempdir().unwrap();
    std::fs::create_dir_all(cache.path().join("demo")).unwrap();
    let mut corrupt = BODY.to_vec();
    corrupt[0] = b'X';
    std::fs::write(cache.path().join("demo/data.bin"), &corrupt).unwrap();
    let (path, source) = fetcher(root.path(), cache.path())
        .resolve_file("demo", &file(vec![format!("{base}/good")]))
        .unwrap();
    assert!(matches!(source, Source::Download(_)));
    assert_eq!(std::fs::read(path).unwrap(), BODY);
}

#[test]
fn plain_http_is_refused_and_leaves_nothing_behind() {
    let (base, _) = serve(4);
    let tmp = tempfile::tempdir().unwrap();
    let cache = tmp.path().join("cache");
    let mut f = fetcher(tmp.path(), &cache);
    f.allow_loopback_http = false;
    let err = f
        .resolve_file("demo", &file(vec![format!("{base}/good")]))
        .unwrap_err()
        .to_string();
    assert!(err.contains("https"), "{err}");
    assert!(
        !cache.exists(),
        "a refused download created {}",
        cache.display()
    );
    // and with the escape, only 127.0.0.1 qualifies
    assert!(harness::data::check_url("http://127.0.0.1:8000/x", true).is_ok());
    assert!(harness::data::check_url("http://example.org/x", true).is_err());
    assert!(harness::data::check_url("http://127.0.0.1.evil.org/x", true).is_err());
    assert!(harness::data::check_url("https://example.org/x", false).is_ok());
}

#[test]
fn failed_download_leaves_no_empty_cache_directories() {
    let (base, _) = serve(4);
    let tmp = tempfile::tempdir().unwrap();
    let cache = tmp.path().join("cache");
    let f = fetcher(tmp.path(), &cache);
    assert!(f
        .resolve_file("demo", &file(vec![format!("{base}/missing")]))
        .is_err());
    assert!(
        !cache.join("demo").exists(),
        "empty cache directory left behind"
    );
}

#[test]
fn paths_outside_the_cache_are_refused() {
    let tmp = tempfile::tempdir().unwrap();
    let cache = tmp.path().join("cache");
    let f = fetcher(tmp.path(), &cache);
    for bad in [
        "",
        ".",
        "./",
        "../x",
        "a/../../x",
        "/etc/passwd",
        "a/./b",
        "dir/",
    ] {
        let mut spec = file(vec!["https://example.org/x".to_string()]);
        spec.path = bad.to_string();
        let err = f.resolve_file("demo", &spec).unwrap_err().to_string();
        assert!(err.contains("path"), "{bad:?}: {err}");
        assert!(harness::data::check_relative_path(bad).is_err(), "{bad:?}");
    }
    assert!(!tmp.path().join("cache.partial").exists());
    assert!(harness::data::check_relative_path("mnist1d/mnist1d.safetensors").is_ok());
}
