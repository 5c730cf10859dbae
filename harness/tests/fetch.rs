//! The download path against a real HTTP server on 127.0.0.1: correct file, wrong bytes, 404,
//! connection cut mid-body, server errors then success; and the local resolution order.
//! After every failure nothing may be left in the cache.

use harness::config::DatasetFile;
use harness::data::{sha256_file, Fetcher, Source};
use sha2::{Digest, Sha256};
use std::io::{Read, Write};
use std::net::{TcpListener, TcpStream};
use std::path::Path;
use std::sync::atomic::{AtomicUsize, Ordering};
use std::sync::Arc;
use std::time::Duration;

const BODY: &[u8] = b"0123456789abcdefghijklmnopqrstuvwxyz-the-real-dataset-bytes\n";

fn sha(bytes: &[u8]) -> String {
    hex::encode(Sha256::digest(bytes))
}

/// A tiny HTTP/1.1 server: `/good` serves BODY, `/wrong` serves other bytes of the same length,
/// `/missing` 404, `/cut` announces the full length but closes after half, `/flaky` answers 503
/// twice then BODY. Serves `max` connections, then stops.
fn serve(max: usize) -> (String, Arc<AtomicUsize>) {
    let listener = TcpListener::bind("127.0.0.1:0").unwrap();
    let addr = listener.local_addr().unwrap();
    let flaky = Arc::new(AtomicUsize::new(0));
    let f2 = flaky.clone();
    std::thread::spawn(move || {
        for stream in listener.incoming().take(max) {
            let Ok(s) = stream else { continue };
            handle(s, &f2);
        }
    });
    (format!("http://{addr}"), flaky)
}

fn handle(mut s: TcpStream, flaky: &AtomicUsize) {
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
    f
}

fn cache_is_empty(cache: &Path) -> bool {
    let dir = cache.join("demo");
    !dir.exists() || std::fs::read_dir(&dir).unwrap().next().is_none()
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
fn connection_cut_mid_body_fails_cleanly() {
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
        cache_is_empty(cache.path()),
        "partial download left in the cache"
    );
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
