//! `harness verify`: recompute a seeded random sample of the committed run records on this
//! machine and say, per record, whether the numbers are bitwise-equal, equal within a stated
//! relative tolerance, or different — and, when different, which of the provenance facts that
//! decide bitwise equality differ (CPU model, SIMD level, thread count, code hash, commit) and
//! whether the recomputed values still fall within the spread of the committed runs of the same
//! (paper, variant, dataset) (statistical equivalence across machines). Speed metrics
//! ([`crate::record::is_timing_metric`]) are not compared.
//!
//! Exit status of the command (see [`Outcome::exit_code`]): 0 every sampled record reproduced
//! (bitwise or within tolerance), 2 some differ but lie within the committed spread, 3 some lie
//! outside it, 1 the command itself failed. Records whose dataset is unavailable are skipped.

use crate::config::Project;
use crate::data::Fetcher;
use crate::record::provenance::{Environment, Provenance};
use crate::record::{RunRecord, Store};
use crate::run::{self, RunSpec, Selection};
use crate::{registry, Result};
use candle_core::Device;
use repro_kit::{NoProgress, ResolvedDataset, RunContext};
use std::collections::BTreeMap;
use std::time::Instant;

/// What to verify.
#[derive(Debug, Clone)]
pub struct VerifyOptions {
    /// Only these papers (all when empty).
    pub papers: Vec<String>,
    /// Records to recompute in all; `None`: [`VerifyOptions::per_paper`] per paper.
    pub sample: Option<usize>,
    /// Records per paper when no total sample size is given.
    pub per_paper: usize,
    /// Seed of the random choice of records.
    pub seed: u64,
    /// Only records whose recorded wall time is at most this many seconds are eligible.
    pub max_run_seconds: f64,
    /// Relative tolerance of "equal within tolerance": `|a − b| ≤ tol · max(|a|, |b|)`.
    pub tolerance: f64,
}

impl Default for VerifyOptions {
    fn default() -> Self {
        Self {
            papers: Vec::new(),
            sample: None,
            per_paper: 2,
            seed: 0,
            max_run_seconds: 30.0,
            tolerance: 1e-9,
        }
    }
}

/// The verdict on one recomputed record.
#[derive(Debug, Clone, PartialEq)]
pub enum Verdict {
    /// Every metric bitwise-equal (speed metrics, `…_seconds` / `…_per_second`, are not
    /// compared: they measure the machine's load, not the seed).
    BitwiseEqual,
    /// Every metric equal within the relative tolerance, some not bitwise.
    WithinTolerance,
    /// Some metric differs beyond the tolerance, but every recomputed value lies within the
    /// range of the committed runs of the same (paper, variant, dataset).
    DifferentWithinSpread,
    /// Some recomputed value lies outside the committed runs' range.
    DifferentOutsideSpread,
    /// Not recomputed (dataset unavailable, …); the text says why.
    Skipped(String),
    /// The recomputation failed; the text is the error.
    Error(String),
}

impl Verdict {
    /// The words printed in the table.
    pub fn words(&self) -> String {
        match self {
            Verdict::BitwiseEqual => "bitwise-equal".into(),
            Verdict::WithinTolerance => "equal within tolerance".into(),
            Verdict::DifferentWithinSpread => "DIFFERENT (within committed spread)".into(),
            Verdict::DifferentOutsideSpread => "DIFFERENT (outside committed spread)".into(),
            Verdict::Skipped(why) => format!("skipped: {why}"),
            Verdict::Error(e) => format!("error: {e}"),
        }
    }
}

/// One verified record.
#[derive(Debug, Clone)]
pub struct Checked {
    /// `paper variant dataset seed N`.
    pub label: String,
    /// The verdict.
    pub verdict: Verdict,
    /// Largest relative difference over the metrics (0 when bitwise-equal).
    pub max_relative_difference: f64,
    /// Whether the committed record's key equals the key this code computes (false: the code,
    /// config or dataset changed since the record was written).
    pub key_matches: bool,
    /// The committed record's provenance: the facts that decide bitwise equality.
    pub committed: Facts,
    /// Provenance facts that differ between the committed record and this machine.
    pub differs_in: Vec<String>,
    /// Seconds the recomputation took.
    pub seconds: f64,
}

/// The whole verification.
#[derive(Debug, Clone, Default)]
pub struct Outcome {
    /// One entry per sampled record.
    pub records: Vec<Checked>,
    /// This machine's provenance (its `code` is that of the first recomputed paper; see
    /// [`Outcome::code_here`] for each paper's); `None` when no record was recomputed.
    pub here: Option<Facts>,
    /// The code hash each recomputed paper has here (the hash covers the kit and that paper's
    /// crate, so it differs between papers), by paper.
    pub code_here: BTreeMap<String, String>,
}

/// The provenance facts that decide whether a recomputation can be bitwise-equal, shortened for
/// the table: CPU model, SIMD level, compute threads, the first 8 hex digits of the code hash
/// and of the git commit (with "(uncommitted changes)" when the tree was dirty); `?` when unknown.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct Facts {
    /// CPU model.
    pub cpu: String,
    /// SIMD level.
    pub simd: String,
    /// Compute threads of the run.
    pub threads: String,
    /// Code hash, first 8 hex digits.
    pub code: String,
    /// Git commit, first 8 hex digits, and whether the tree had uncommitted changes.
    pub commit: String,
}

impl Facts {
    /// The facts of provenance `p`.
    pub fn of(p: &Provenance) -> Self {
        Self {
            cpu: p.cpu.clone(),
            simd: if p.simd.is_empty() {
                "?".into()
            } else {
                p.simd.clone()
            },
            threads: p.threads.to_string(),
            code: p.code_hash.get(..8).unwrap_or("?").to_string(),
            commit: format!(
                "{}{}",
                p.git_commit
                    .as_deref()
                    .and_then(|c| c.get(..8))
                    .unwrap_or("?"),
                if p.git_dirty == Some(true) {
                    " (uncommitted changes)"
                } else {
                    ""
                }
            ),
        }
    }
}

impl Outcome {
    /// 0: every sampled record reproduced (bitwise or within tolerance; skipped ones aside);
    /// 2: some differ, all within the committed spread; 3: some lie outside it or errored.
    pub fn exit_code(&self) -> i32 {
        let v = |f: fn(&Verdict) -> bool| self.records.iter().any(|c| f(&c.verdict));
        if v(|x| matches!(x, Verdict::DifferentOutsideSpread | Verdict::Error(_))) {
            3
        } else if v(|x| matches!(x, Verdict::DifferentWithinSpread)) {
            2
        } else {
            0
        }
    }
}

/// A small seeded generator (SplitMix64) for the sample: no dependency, stable across versions.
struct SplitMix(u64);

impl SplitMix {
    fn next(&mut self) -> u64 {
        self.0 = self.0.wrapping_add(0x9E37_79B9_7F4A_7C15);
        let mut z = self.0;
        z = (z ^ (z >> 30)).wrapping_mul(0xBF58_476D_1CE4_E5B9);
        z = (z ^ (z >> 27)).wrapping_mul(0x94D0_49BB_1331_11EB);
        z ^ (z >> 31)
    }

    /// `k` distinct indices of `0..n` (partial Fisher–Yates), in drawn order.
    fn choose(&mut self, n: usize, k: usize) -> Vec<usize> {
        let mut idx: Vec<usize> = (0..n).collect();
        let k = k.min(n);
        for i in 0..k {
            let j = i + (self.next() % (n - i) as u64) as usize;
            idx.swap(i, j);
        }
        idx.truncate(k);
        idx
    }
}

/// Committed records by (paper, variant, dataset): the spread a recomputed value is compared with.
type Cells = BTreeMap<(String, String, String), Vec<RunRecord>>;

/// What [`sample`] chose and counted.
struct Sampled {
    /// The records to recompute.
    chosen: Vec<Candidate>,
    /// Committed records by cell (the spreads).
    by_cell: Cells,
    /// Committed records (errors aside).
    committed: usize,
    /// Committed records within the time bound whose dataset is on this machine.
    eligible: usize,
    /// Records within the time bound left out because their dataset is not on this machine, by
    /// paper (the `harness fetch --paper` that would add them).
    unavailable: BTreeMap<String, usize>,
    /// The datasets found on this machine while sampling, by name (resolved once, reused for
    /// the recomputation).
    resolved: BTreeMap<String, ResolvedDataset>,
}

/// A committed record with the run it belongs to.
struct Candidate {
    spec: RunSpec,
    record: RunRecord,
}

/// Chooses the sample among the committed records that are within the time bound and whose
/// dataset is on this machine already (shipped, cached or in a mirror, checksums verified; no
/// download), so that every sampled record is recomputed rather than skipped.
fn sample(
    project: &Project,
    store: &Store,
    fetcher: &Fetcher,
    opts: &VerifyOptions,
) -> Result<Sampled> {
    let mut local = fetcher.clone();
    local.offline = true;
    let mut here: BTreeMap<String, Option<ResolvedDataset>> = BTreeMap::new();
    let mut available = |name: &str| -> bool {
        here.entry(name.to_string())
            .or_insert_with(|| {
                let spec = project.datasets.datasets.get(name)?;
                local.resolve(name, spec).ok()
            })
            .is_some()
    };
    let mut unavailable: BTreeMap<String, usize> = BTreeMap::new();
    let papers: Vec<String> = if opts.papers.is_empty() {
        project.papers.keys().cloned().collect()
    } else {
        for p in &opts.papers {
            project.paper(p)?;
        }
        opts.papers.clone()
    };
    let mut by_cell: Cells = BTreeMap::new();
    let mut eligible_by_paper: Vec<Vec<Candidate>> = Vec::new();
    let mut committed = 0;
    for paper in &papers {
        let sel = [Selection::whole_paper(paper.as_str())];
        let mut eligible = Vec::new();
        for spec in run::plan(project, &sel)? {
            let path = store.record_path(&spec.id);
            let Some(record) = store.load(&path)? else {
                continue;
            };
            if record.status.is_error() {
                continue;
            }
            committed += 1;
            by_cell
                .entry((
                    spec.paper.clone(),
                    spec.variant.clone(),
                    spec.dataset.clone(),
                ))
                .or_default()
                .push(record.clone());
            if record.timings.wall_seconds <= opts.max_run_seconds {
                if available(&spec.dataset) {
                    eligible.push(Candidate { spec, record });
                } else {
                    *unavailable.entry(spec.paper.clone()).or_default() += 1;
                }
            }
        }
        eligible_by_paper.push(eligible);
    }
    let n_eligible = eligible_by_paper.iter().map(Vec::len).sum();
    let mut rng = SplitMix(opts.seed ^ 0x005E_ED0F_7E1F);
    let mut chosen = Vec::new();
    match opts.sample {
        Some(n) => {
            let mut all: Vec<Candidate> = eligible_by_paper.into_iter().flatten().collect();
            let mut picks = rng.choose(all.len(), n);
            picks.sort_unstable_by(|a, b| b.cmp(a));
            for i in picks {
                chosen.push(all.swap_remove(i));
            }
        }
        None => {
            for mut e in eligible_by_paper {
                let mut picks = rng.choose(e.len(), opts.per_paper);
                picks.sort_unstable_by(|a, b| b.cmp(a));
                for i in picks {
                    chosen.push(e.swap_remove(i));
                }
            }
        }
    }
    chosen.sort_by_key(|a| a.spec.label());
    Ok(Sampled {
        chosen,
        by_cell,
        committed,
        eligible: n_eligible,
        unavailable,
        resolved: here
            .into_iter()
            .filter_map(|(name, d)| d.map(|d| (name, d)))
            .collect(),
    })
}

fn differences(a: &Provenance, b: &Provenance) -> Vec<String> {
    let mut d = Vec::new();
    if a.cpu != b.cpu {
        d.push("cpu".to_string());
    }
    if a.simd != b.simd {
        d.push("simd".into());
    }
    if a.threads != b.threads {
        d.push("threads".into());
    }
    if a.code_hash != b.code_hash {
        d.push("code_hash".into());
    }
    if a.git_commit != b.git_commit {
        d.push("commit".into());
    }
    if a.rustc != b.rustc {
        d.push("rustc".into());
    }
    d
}

/// Chooses the sample, prints the estimate (`announce`), recomputes each record (calling
/// `each` after each one) and returns the outcome.
pub fn verify(
    project: &Project,
    store: &Store,
    fetcher: &Fetcher,
    opts: &VerifyOptions,
    announce: &mut dyn FnMut(&str),
    each: &mut dyn FnMut(&Checked),
) -> Result<Outcome> {
    let Sampled {
        chosen,
        by_cell,
        committed,
        eligible,
        unavailable,
        resolved,
    } = sample(project, store, fetcher, opts)?;
    let estimate: f64 = chosen.iter().map(|c| c.record.timings.wall_seconds).sum();
    announce(&format!(
        "verify: {} of {committed} committed records ({eligible} with a recorded wall time ≤ {} s \
         and their dataset on this machine), seed {}; estimated {:.0} s from their recorded timings",
        chosen.len(),
        opts.max_run_seconds,
        opts.seed,
        estimate
    ));
    if !unavailable.is_empty() {
        let n: usize = unavailable.values().sum();
        let fetch: Vec<String> = unavailable
            .iter()
            .map(|(p, k)| format!("`harness fetch --paper {p}` ({k})"))
            .collect();
        announce(&format!(
            "  {n} more records need a dataset that is not on this machine; to include them: {}",
            fetch.join(", ")
        ));
    }
    let env = Environment::detect(&project.root, 1);
    let device = Device::Cpu;
    let mut out = Outcome::default();
    for c in &chosen {
        let spec = &c.spec;
        let repro =
            registry::find(&spec.paper).ok_or_else(|| crate::HarnessError::NotRegistered {
                paper: spec.paper.clone(),
            })?;
        let here = env.provenance(String::new(), spec.dataset_sha256.clone(), repro);
        let facts = Facts::of(&here);
        out.code_here.insert(spec.paper.clone(), facts.code.clone());
        out.here.get_or_insert(facts);
        let mut checked = Checked {
            label: spec.label(),
            verdict: Verdict::Skipped(String::new()),
            max_relative_difference: 0.0,
            key_matches: c.record.key == spec.key(),
            committed: Facts::of(&c.record.provenance),
            differs_in: differences(&c.record.provenance, &here),
            seconds: 0.0,
        };
        let Some(dataset) = resolved.get(&spec.dataset) else {
            checked.verdict = Verdict::Skipped(format!(
                "dataset unavailable; `harness fetch --paper {}`",
                spec.paper
            ));
            each(&checked);
            out.records.push(checked);
            continue;
        };
        let t0 = Instant::now();
        let result = repro.run(&RunContext {
            variant: &spec.variant,
            hyperparameters: &spec.hyperparameters,
            dataset,
            seed: spec.seed,
            device: &device,
            progress: &NoProgress,
        });
        checked.seconds = t0.elapsed().as_secs_f64();
        checked.verdict = match result {
            Err(e) => Verdict::Error(e.to_string()),
            Ok(o) => {
                let cell = &by_cell[&(
                    spec.paper.clone(),
                    spec.variant.clone(),
                    spec.dataset.clone(),
                )];
                let values = |name: &str| -> Vec<f64> {
                    cell.iter().filter_map(|r| r.metric(name)).collect()
                };
                let (verdict, max_rel) =
                    compare_metrics(&c.record.metrics, &o.metrics, values, opts.tolerance);
                checked.max_relative_difference = max_rel;
                verdict
            }
        };
        each(&checked);
        out.records.push(checked);
    }
    Ok(out)
}

/// The verdict on recomputed metrics `new` against a record's `committed` ones, and the largest
/// relative difference: bitwise-equal, within the relative `tolerance`, different but within
/// the committed spread of the cell (`cell_values(metric)`: the committed values of that metric
/// in the record's (paper, variant, dataset)), or outside it. A metric missing from `new` counts
/// as NaN. Speed metrics ([`crate::record::is_timing_metric`]) are not compared: they measure
/// the machine's load, not the seed.
fn compare_metrics(
    committed: &BTreeMap<String, Option<f64>>,
    new: &BTreeMap<String, f64>,
    cell_values: impl Fn(&str) -> Vec<f64>,
    tolerance: f64,
) -> (Verdict, f64) {
    let mut bitwise = true;
    let mut within_tol = true;
    let mut within_spread = true;
    let mut max_rel = 0.0f64;
    let compared = committed
        .iter()
        .filter(|(name, _)| !crate::record::is_timing_metric(name));
    for (name, committed) in compared {
        let new = new.get(name).copied().unwrap_or(f64::NAN);
        let old = committed.unwrap_or(f64::NAN);
        if old.to_bits() == new.to_bits() || (old.is_nan() && new.is_nan()) {
            continue;
        }
        bitwise = false;
        let rel = (old - new).abs() / old.abs().max(new.abs()).max(f64::MIN_POSITIVE);
        let rel = if rel.is_nan() { f64::INFINITY } else { rel };
        max_rel = max_rel.max(rel);
        if rel > tolerance {
            within_tol = false;
            if !within_committed_spread(new, &cell_values(name), tolerance) {
                within_spread = false;
            }
        }
    }
    let verdict = if bitwise {
        Verdict::BitwiseEqual
    } else if within_tol {
        Verdict::WithinTolerance
    } else if within_spread {
        Verdict::DifferentWithinSpread
    } else {
        Verdict::DifferentOutsideSpread
    };
    (verdict, max_rel)
}

/// Whether a recomputed value `new` lies within the spread of the committed values of its cell
/// (same paper, variant, dataset; finite values only): inside `[min − slack, max + slack]` with
/// `slack = tolerance · max(|min|, |max|)`, so that a value that differs from the extreme
/// committed value only by the verification tolerance is not called "outside". Needs at least 2
/// finite committed values (one value has no spread); a non-finite `new` is never within.
pub fn within_committed_spread(new: f64, committed: &[f64], tolerance: f64) -> bool {
    let finite: Vec<f64> = committed
        .iter()
        .copied()
        .filter(|v| v.is_finite())
        .collect();
    if finite.len() < 2 || !new.is_finite() {
        return false;
    }
    let lo = finite.iter().copied().fold(f64::INFINITY, f64::min);
    let hi = finite.iter().copied().fold(f64::NEG_INFINITY, f64::max);
    let slack = tolerance * lo.abs().max(hi.abs());
    new >= lo - slack && new <= hi + slack
}

/// A Markdown table cell: `|` escaped and line breaks flattened, so a value never adds a column.
fn cell(text: &str) -> String {
    text.replace('|', "\\|").replace(['\n', '\r'], " ")
}

/// The result table (Markdown, one column per field) with the committed provenance of each
/// record, the provenance of this machine (the code hash per paper) and a legend.
pub fn table(o: &Outcome, opts: &VerifyOptions) -> String {
    use std::fmt::Write as _;
    let mut s = String::from(
        "| record | verdict | largest relative difference | recorded with today's code and config | \
         recorded on CPU | SIMD | threads | code | commit | differs here in | seconds |\n\
         |---|---|---|---|---|---|---|---|---|---|---|\n",
    );
    for c in &o.records {
        let f = &c.committed;
        let row = [
            c.label.clone(),
            c.verdict.words(),
            if c.max_relative_difference == 0.0 {
                "0".to_string()
            } else {
                format!("{:.2e}", c.max_relative_difference)
            },
            if c.key_matches {
                "yes".to_string()
            } else {
                "no (the code or config changed since)".to_string()
            },
            f.cpu.clone(),
            f.simd.clone(),
            f.threads.clone(),
            f.code.clone(),
            f.commit.clone(),
            if c.differs_in.is_empty() {
                "—".to_string()
            } else {
                c.differs_in.join(", ")
            },
            format!("{:.1}", c.seconds),
        ];
        let cells: Vec<String> = row.iter().map(|x| cell(x)).collect();
        let _ = writeln!(s, "| {} |", cells.join(" | "));
    }
    match &o.here {
        Some(h) => {
            let codes: Vec<String> = o
                .code_here
                .iter()
                .map(|(paper, code)| format!("{paper} {code}"))
                .collect();
            let _ = writeln!(
                s,
                "\nrecomputed here on: CPU {}, SIMD {}, {} threads, commit {}; code hash by paper: {}",
                h.cpu,
                h.simd,
                h.threads,
                h.commit,
                codes.join(", ")
            );
        }
        None => {
            let _ = writeln!(s, "\nrecomputed here on: no record recomputed");
        }
    }
    let _ = writeln!(
        s,
        "tolerance: relative {:e}; 'within committed spread' = inside [min, max] of the committed \
         runs of the same paper/variant/dataset, widened at each end by the tolerance. Bitwise equality is promised on the same CPU, \
         SIMD level, thread count and code; elsewhere, statistical equivalence (README, \
         \"Reproducibility\").",
        opts.tolerance
    );
    s
}

#[cfg(test)]
mod tests {
    #[test]
    fn speed_metrics_are_not_compared_and_other_metrics_are_bitwise() {
        let committed: BTreeMap<String, Option<f64>> = [
            ("test_accuracy".to_string(), Some(0.875)),
            ("train_examples_per_second".to_string(), Some(5000.0)),
            ("latency_p50_seconds".to_string(), Some(1e-5)),
        ]
        .into();
        let mut new: BTreeMap<String, f64> = [
            ("test_accuracy".to_string(), 0.875),
            ("train_examples_per_second".to_string(), 7123.0),
            ("latency_p50_seconds".to_string(), 3e-5),
        ]
        .into();
        let none = |_: &str| Vec::new();
        assert_eq!(
            compare_metrics(&committed, &new, none, 1e-6),
            (Verdict::BitwiseEqual, 0.0)
        );
        new.insert("test_accuracy".into(), 0.8751);
        let (v, rel) = compare_metrics(&committed, &new, |_| vec![0.87, 0.88], 1e-6);
        assert_eq!(v, Verdict::DifferentWithinSpread);
        assert!(rel > 1e-4 && rel < 2e-4, "{rel}");
        let (v, _) = compare_metrics(&committed, &new, none, 1e-3);
        assert_eq!(v, Verdict::WithinTolerance);
        new.remove("test_accuracy");
        let (v, rel) = compare_metrics(&committed, &new, none, 1e-3);
        assert_eq!((v, rel), (Verdict::DifferentOutsideSpread, f64::INFINITY));
    }

    #[test]
    fn the_committed_spread_is_widened_by_the_tolerance_only() {
        use super::within_committed_spread as w;
        let c = [0.93, 0.95, 0.951];
        assert!(w(0.94, &c, 1e-9));
        assert!(w(0.951, &c, 1e-9));
        // Beyond the maximum by less than the tolerance: within; by more: outside.
        assert!(w(0.951 * (1.0 + 5e-10), &c, 1e-9));
        assert!(!w(0.951 * (1.0 + 5e-9), &c, 1e-9));
        assert!(!w(0.9299, &c, 1e-9));
        // One committed value has no spread; NaN is never within; NaN committed values are
        // ignored.
        assert!(!w(0.95, &[0.95], 1e-9));
        assert!(!w(f64::NAN, &c, 1e-9));
        assert!(w(0.94, &[0.93, f64::NAN, 0.95], 1e-9));
        assert!(!w(0.94, &[0.93, f64::NAN], 1e-9));
    }

    use super::*;

    #[test]
    fn the_sample_is_seeded_distinct_and_bounded() {
        let a = SplitMix(7).choose(50, 5);
        assert_eq!(a, SplitMix(7).choose(50, 5));
        assert_ne!(a, SplitMix(8).choose(50, 5));
        let mut s = a.clone();
        s.sort_unstable();
        s.dedup();
        assert_eq!(s.len(), 5);
        assert!(a.iter().all(|&i| i < 50));
        assert_eq!(SplitMix(1).choose(3, 10).len(), 3);
    }

    #[test]
    fn exit_codes_rank_findings() {
        let rec = |v: Verdict| Checked {
            label: String::new(),
            verdict: v,
            max_relative_difference: 0.0,
            key_matches: true,
            committed: Facts::default(),
            differs_in: vec![],
            seconds: 0.0,
        };
        let mut o = Outcome::default();
        o.records.push(rec(Verdict::BitwiseEqual));
        o.records.push(rec(Verdict::Skipped("x".into())));
        assert_eq!(o.exit_code(), 0);
        o.records.push(rec(Verdict::DifferentWithinSpread));
        assert_eq!(o.exit_code(), 2);
        o.records.push(rec(Verdict::DifferentOutsideSpread));
        assert_eq!(o.exit_code(), 3);
    }

    /// Issue 28 item 7: one column per field (no pipe inside a cell), plain words, and the code
    /// hash of each recomputed paper.
    #[test]
    fn the_table_is_well_formed_with_the_code_hash_per_paper() {
        let rec = |label: &str, key: bool| Checked {
            label: label.into(),
            verdict: Verdict::Error("a | b".into()),
            max_relative_difference: 0.0,
            key_matches: key,
            committed: Facts {
                cpu: "Some CPU".into(),
                simd: "avx2".into(),
                threads: "1".into(),
                code: "abcdef01".into(),
                commit: "12345678".into(),
            },
            differs_in: vec!["cpu".into()],
            seconds: 1.0,
        };
        let mut o = Outcome::default();
        o.records.push(rec("p1 v d seed 0", true));
        o.records.push(rec("p2 v d seed 0", false));
        o.here = Some(Facts::default());
        o.code_here.insert("p1".into(), "11111111".into());
        o.code_here.insert("p2".into(), "22222222".into());
        let t = table(&o, &VerifyOptions::default());
        let unescaped = |line: &str| line.replace("\\|", "").matches('|').count();
        let rows: Vec<&str> = t.lines().filter(|l| l.starts_with('|')).collect();
        assert_eq!(rows.len(), 4, "{t}");
        let header = unescaped(rows[0]);
        assert!(rows.iter().all(|r| unescaped(r) == header), "{t}");
        assert!(!t.contains("key current"), "{t}");
        assert!(
            t.contains("code hash by paper: p1 11111111, p2 22222222"),
            "{t}"
        );
    }
}
