//! Standard output that survives a closed pipe (`harness report | head -1`, quitting a pager):
//! the first write that fails with `BrokenPipe` marks stdout closed, and every later write is
//! dropped silently, so the process finishes its work (records, tables) and exits quietly
//! instead of panicking like `println!`.

use std::io::Write;
use std::sync::atomic::{AtomicBool, Ordering};

static CLOSED: AtomicBool = AtomicBool::new(false);

/// Writes `args` and a newline to stdout; after a broken pipe, does nothing.
/// Other write errors (a full disk behind a redirect) are reported once on stderr.
pub fn line(args: std::fmt::Arguments) {
    if CLOSED.load(Ordering::Relaxed) {
        return;
    }
    let mut out = std::io::stdout().lock();
    let res = out
        .write_fmt(args)
        .and_then(|_| out.write_all(b"\n"))
        .and_then(|_| out.flush());
    if let Err(e) = res {
        CLOSED.store(true, Ordering::Relaxed);
        if e.kind() != std::io::ErrorKind::BrokenPipe {
            eprintln!("warning: cannot write to standard output: {e}; output dropped");
        }
    }
}

/// Writes `text` as is (no newline added); after a broken pipe, does nothing.
pub fn text(text: &str) {
    if text.is_empty() {
        return;
    }
    let t = text.strip_suffix('\n').unwrap_or(text);
    line(format_args!("{t}"));
}

/// `true` once a write to stdout has failed (the reader went away).
pub fn closed() -> bool {
    CLOSED.load(Ordering::Relaxed)
}

/// `println!` that tolerates a closed stdout (see the module doc).
#[macro_export]
macro_rules! outln {
    () => { $crate::out::line(format_args!("")) };
    ($($arg:tt)*) => { $crate::out::line(format_args!($($arg)*)) };
}

/// `n word` with the plural `words` unless `n == 1`: `plural(1, "run", "runs")` = "1 run".
pub fn plural(n: usize, one: &str, many: &str) -> String {
    format!("{n} {}", if n == 1 { one } else { many })
}

#[cfg(test)]
mod tests {
    #[test]
    fn plurals() {
        assert_eq!(super::plural(1, "file", "files"), "1 file");
        assert_eq!(super::plural(0, "file", "files"), "0 files");
        assert_eq!(
            super::plural(2, "parallel run", "parallel runs"),
            "2 parallel runs"
        );
    }
}
