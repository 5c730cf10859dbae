//! Renders every published HTML page (`results/*.html`) in headless Chromium (Debian package
//! `chromium`) and fails on any console message (the pages carry no script, so any message is
//! an error: a broken resource, a parse problem). With `HARNESS_SCREENS_DIR` set, a full-width
//! screenshot of each page is saved there. Skipped, with the reason printed, when Chromium is
//! not installed.

use std::path::{Path, PathBuf};
use std::process::Command;

fn chromium() -> Option<PathBuf> {
    ["/usr/bin/chromium", "/usr/bin/chromium-browser"]
        .iter()
        .map(PathBuf::from)
        .find(|p| p.is_file())
}

/// Loads `page` headless; returns the console lines Chromium logged.
fn console_messages(chrome: &Path, page: &Path, screenshot: Option<&Path>) -> Vec<String> {
    let profile = tempfile::tempdir().unwrap();
    let mut cmd = Command::new(chrome);
    cmd.args([
        "--headless",
        "--no-sandbox",
        "--disable-gpu",
        "--disable-quic",
        "--no-first-run",
        "--disable-background-networking",
        "--disable-component-update",
        "--disable-sync",
        "--hide-scrollbars",
        "--enable-logging=stderr",
        "--v=0",
    ])
    .arg(format!("--user-data-dir={}", profile.path().display()));
    match screenshot {
        Some(png) => {
            cmd.arg("--window-size=1280,4000")
                .arg(format!("--screenshot={}", png.display()));
        }
        None => {
            cmd.arg("--dump-dom");
        }
    }
    let out = cmd
        .arg(format!("file://{}", page.display()))
        .output()
        .expect("running chromium");
    assert!(
        out.status.success(),
        "chromium failed on {}",
        page.display()
    );
    String::from_utf8_lossy(&out.stderr)
        .lines()
        .filter(|l| l.contains(":CONSOLE"))
        .map(String::from)
        .collect()
}

#[test]
fn every_published_page_renders_without_console_errors() {
    let Some(chrome) = chromium() else {
        eprintln!("skipped: chromium is not installed (apt-get install chromium)");
        return;
    };
    // the check can fail: a page that logs to the console is caught
    let dir = tempfile::tempdir().unwrap();
    let bad = dir.path().join("bad.html");
    std::fs::write(
        &bad,
        "<html><body><script>console.error('boom')</script></body></html>",
    )
    .unwrap();
    assert!(
        !console_messages(&chrome, &bad, None).is_empty(),
        "console capture does not work"
    );

    // cargo runs the tests in the package directory (tests/); the pages are in ../results
    let results = std::env::current_dir().unwrap().join("../results");
    let mut pages: Vec<PathBuf> = std::fs::read_dir(&results)
        .unwrap()
        .filter_map(|e| e.ok().map(|e| e.path()))
        .filter(|p| p.extension().is_some_and(|x| x == "html"))
        .collect();
    pages.sort();
    assert!(
        !pages.is_empty(),
        "no HTML page under {}",
        results.display()
    );
    let screens = std::env::var_os("HARNESS_SCREENS_DIR").map(PathBuf::from);
    for page in &pages {
        let page = page.canonicalize().unwrap();
        let msgs = console_messages(&chrome, &page, None);
        assert!(msgs.is_empty(), "{}: {msgs:#?}", page.display());
        let html = std::fs::read_to_string(&page).unwrap();
        assert!(
            !html.contains("-0.0000"),
            "{} prints -0.0000",
            page.display()
        );
        assert!(
            html.contains("id=\"summary\""),
            "{}: no summary block",
            page.display()
        );
        if let Some(dir) = &screens {
            std::fs::create_dir_all(dir).unwrap();
            let png = dir.join(format!(
                "{}.png",
                page.file_stem().unwrap().to_string_lossy()
            ));
            console_messages(&chrome, &page, Some(&png));
            assert!(png.is_file(), "no screenshot {}", png.display());
            eprintln!("screenshot: {}", png.display());
        }
    }
}
