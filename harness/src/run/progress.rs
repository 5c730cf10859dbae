//! Progress display: indicatif bars on a terminal, plain lines otherwise.

use super::RunSpec;
use crate::record::RunRecord;
use indicatif::{MultiProgress, ProgressBar, ProgressDrawTarget, ProgressStyle};
use std::io::IsTerminal;
use std::sync::atomic::{AtomicUsize, Ordering};

/// The progress display of one harness invocation.
pub struct Ui {
    results_dir: Option<std::path::PathBuf>,
    multi: Option<MultiProgress>,
    overall: ProgressBar,
    done: AtomicUsize,
}

impl Ui {
    /// Bars when stderr is a terminal (and `plain` is false); plain lines on stdout otherwise.
    pub fn new(plain: bool) -> Self {
        let fancy = !plain && std::io::stderr().is_terminal();
        let multi = fancy.then(|| MultiProgress::with_draw_target(ProgressDrawTarget::stderr()));
        let overall = match &multi {
            Some(m) => m.add(ProgressBar::new(0)),
            None => ProgressBar::hidden(),
        };
        overall.set_style(
            ProgressStyle::with_template(
                "runs {bar:40.cyan/blue} {pos}/{len} [{elapsed_precise}, eta {eta}] {msg}",
            )
            .unwrap_or_else(|_| ProgressStyle::default_bar()),
        );
        Self {
            results_dir: None,
            multi,
            overall,
            done: AtomicUsize::new(0),
        }
    }

    /// Names the results directory in the messages ("… reused from `<dir>`").
    pub fn with_results_dir(mut self, dir: &std::path::Path) -> Self {
        self.results_dir = Some(dir.to_path_buf());
        self
    }

    /// Prints a line above the bars (or plainly; a closed stdout is tolerated).
    pub fn line(&self, msg: &str) {
        match &self.multi {
            Some(m) => {
                let _ = m.println(msg);
            }
            None => crate::outln!("{msg}"),
        }
    }

    /// Announces `total` runs to compute (`reused` already stored).
    pub fn start(&self, total: usize, reused: usize) {
        self.overall.set_length(total as u64);
        let dir = self
            .results_dir
            .as_ref()
            .map(|d| d.display().to_string())
            .unwrap_or_else(|| "the results directory".into());
        self.line(&format!(
            "{} to compute, {reused} reused from {dir}",
            crate::out::plural(total, "run", "runs")
        ));
    }

    /// A progress sink for one run on worker `worker`.
    pub fn run_bar(&self, worker: usize, spec: &RunSpec) -> RunBar {
        let label = format!("{} {} seed {}", spec.variant, spec.dataset, spec.seed);
        match &self.multi {
            Some(m) => {
                let bar = m.add(ProgressBar::new(1));
                bar.set_style(
                    ProgressStyle::with_template("  [{prefix}] {bar:30} {pos}/{len} {msg}")
                        .unwrap_or_else(|_| ProgressStyle::default_bar()),
                );
                bar.set_prefix(format!("{worker}"));
                bar.set_message(label.clone());
                RunBar {
                    bar: Some(bar),
                    label,
                    plain: false,
                }
            }
            None => RunBar {
                bar: None,
                label,
                plain: true,
            },
        }
    }

    /// Reports a finished run (`index` of `total`).
    pub fn finished(&self, _index: usize, total: usize, spec: &RunSpec, rec: &RunRecord) {
        let n = self.done.fetch_add(1, Ordering::SeqCst) + 1;
        self.overall.inc(1);
        // a run that ended well shows its first three metrics with values (a null there is a
        // metric that does not apply to the variant); a failed run shows why
        let ok = matches!(
            rec.status,
            crate::record::RecordStatus::Finished(repro_kit::RunStatus::Ok)
        );
        let metrics: Vec<String> = rec
            .metrics
            .iter()
            .filter(|(_, v)| !ok || v.is_some())
            .take(3)
            .map(|(k, v)| match v {
                Some(v) => format!("{k}={v:.4}"),
                None => format!("{k}=NaN"),
            })
            .collect();
        let extra = match &rec.status {
            crate::record::RecordStatus::Error { message } => format!(" — {message}"),
            _ => String::new(),
        };
        self.line(&format!(
            "[{n:>4}/{total}] {}: {} {} ({:.1} s){extra}",
            spec.label(),
            rec.status.word(),
            metrics.join(" "),
            rec.timings.wall_seconds
        ));
    }

    /// Clears the bars.
    pub fn finish(&self) {
        self.overall.finish_and_clear();
        if let Some(m) = &self.multi {
            let _ = m.clear();
        }
    }
}

/// Progress of one run: an indicatif bar, or phase lines in plain mode.
pub struct RunBar {
    bar: Option<ProgressBar>,
    label: String,
    plain: bool,
}

impl repro_kit::Progress for RunBar {
    fn phase(&self, message: &str) {
        if let Some(b) = &self.bar {
            b.set_message(format!("{} — {message}", self.label));
        } else if self.plain && message != "training" {
            crate::outln!("      {}: {message}", self.label);
        }
    }

    fn step(&self, done: u64, total: u64) {
        if let Some(b) = &self.bar {
            b.set_length(total);
            b.set_position(done);
        }
    }
}

impl Drop for RunBar {
    fn drop(&mut self) {
        if let Some(b) = &self.bar {
            b.finish_and_clear();
        }
    }
}
