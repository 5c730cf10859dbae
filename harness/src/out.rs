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

/// `--color`: when standard output is coloured.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq, clap::ValueEnum)]
pub enum ColorChoice {
    /// On a terminal, unless `NO_COLOR` is set to a non-empty value (<https://no-color.org>).
    #[default]
    Auto,
    /// Always, even into a pipe or file.
    Always,
    /// Never.
    Never,
}

/// How standard output is laid out for whoever reads it: compact tables fitted to a terminal's
/// width, or stable line output (Markdown) for pipes, files and `--plain`; with or without ANSI
/// colours.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Console {
    /// Compact tables for a person (stdout is a terminal and `--plain` was not given);
    /// otherwise Markdown and plain lines.
    pub terminal: bool,
    /// ANSI colours ([`ColorChoice`]; never with `--plain`).
    pub colour: bool,
    /// The width to fit, in terminal columns: `COLUMNS` when set to a positive number, else the
    /// terminal's own; `None` for line output or when neither is known.
    pub width: Option<usize>,
}

impl Console {
    /// Line output, no colours, no width (pipes, files, tests).
    pub fn lines() -> Self {
        Self {
            terminal: false,
            colour: false,
            width: None,
        }
    }

    /// `text` wrapped to the width (terminal layout only; each `\n`-separated line on its own,
    /// at spaces, never inside a word or after a hyphen, so a path stays whole), so a long line
    /// never breaks mid-word on the screen.
    pub fn wrap(&self, text: &str) -> String {
        match self.width {
            Some(w) if self.terminal => text
                .split('\n')
                .map(|l| {
                    let opts = textwrap::Options::new(w)
                        .break_words(false)
                        .word_splitter(textwrap::WordSplitter::NoHyphenation);
                    textwrap::fill(l, opts)
                })
                .collect::<Vec<_>>()
                .join("\n"),
            _ => text.to_string(),
        }
    }

    /// Prints `text` ([`Console::wrap`]ped) and a newline to stdout, tolerating a closed pipe.
    pub fn print(&self, text: &str) {
        line(format_args!("{}", self.wrap(text)));
    }

    /// The console of this process: stdout's kind, `--plain`, `--color`, `NO_COLOR`, `COLUMNS`
    /// and the terminal's size.
    pub fn detect(plain: bool, choice: ColorChoice) -> Self {
        use std::io::IsTerminal;
        let tty = std::io::stdout().is_terminal();
        let size = || {
            console::Term::stdout()
                .size_checked()
                .map(|(_, c)| c as usize)
        };
        Self::decide(
            plain,
            choice,
            tty,
            anstyle_query::no_color(),
            std::env::var("COLUMNS").ok().as_deref(),
            size,
        )
    }

    /// [`Console::detect`] from its inputs: `--plain`, `--color`, stdout is a terminal,
    /// `NO_COLOR` is set (non-empty), the `COLUMNS` variable, and the terminal's width.
    pub fn decide(
        plain: bool,
        choice: ColorChoice,
        tty: bool,
        no_color: bool,
        columns: Option<&str>,
        terminal_width: impl FnOnce() -> Option<usize>,
    ) -> Self {
        let terminal = tty && !plain;
        let colour = !plain
            && match choice {
                ColorChoice::Always => true,
                ColorChoice::Never => false,
                ColorChoice::Auto => tty && !no_color,
            };
        let width = if terminal {
            columns
                .and_then(|c| c.trim().parse::<usize>().ok())
                .filter(|c| *c > 0)
                .or_else(terminal_width)
        } else {
            None
        };
        Self {
            terminal,
            colour,
            width,
        }
    }
}

/// `n word` with the plural `words` unless `n == 1`: `plural(1, "run", "runs")` = "1 run".
pub fn plural(n: usize, one: &str, many: &str) -> String {
    format!("{n} {}", if n == 1 { one } else { many })
}

#[cfg(test)]
mod tests {
    use super::{ColorChoice, Console};

    #[test]
    fn colour_follows_color_no_color_and_plain() {
        let c = |plain, choice, tty, no_color| {
            Console::decide(plain, choice, tty, no_color, None, || Some(100)).colour
        };
        assert!(c(false, ColorChoice::Auto, true, false));
        assert!(!c(false, ColorChoice::Auto, true, true), "NO_COLOR");
        assert!(!c(false, ColorChoice::Auto, false, false), "a pipe");
        assert!(
            c(false, ColorChoice::Always, false, true),
            "--color always wins"
        );
        assert!(!c(false, ColorChoice::Never, true, false));
        assert!(
            !c(true, ColorChoice::Always, true, false),
            "--plain: no colours"
        );
    }

    #[test]
    fn the_width_is_columns_else_the_terminals_and_none_for_lines() {
        let w = |tty, columns| {
            Console::decide(false, ColorChoice::Auto, tty, false, columns, || Some(100)).width
        };
        assert_eq!(w(true, Some("80")), Some(80));
        assert_eq!(w(true, None), Some(100));
        assert_eq!(w(true, Some("0")), Some(100), "COLUMNS=0 is ignored");
        assert_eq!(w(true, Some("wide")), Some(100));
        assert_eq!(w(false, Some("80")), None, "line output is never wrapped");
    }

    #[test]
    fn wrapping_keeps_paths_and_words_whole() {
        let c = Console {
            terminal: true,
            colour: false,
            width: Some(30),
        };
        let text = "tables: /tmp/x/results/gal2016-mc-dropout.md (also .csv .json)";
        let wrapped = c.wrap(text);
        assert!(
            wrapped.contains("/tmp/x/results/gal2016-mc-dropout.md"),
            "{wrapped}"
        );
        assert!(wrapped.lines().count() > 1, "{wrapped}");
        assert_eq!(
            Console::lines().wrap(text),
            text,
            "line output is never wrapped"
        );
    }

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
