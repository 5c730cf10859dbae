//! Calibration of the paper-level test (`repro_stats::paper_level`) by simulation (not a test).
//!
//! `CARGO_TARGET_DIR=/work/target cargo run --release -p repro-stats --example paper_level_calibration`
//!
//! A simulated table has `m` claims on `m` separate run sets; each claim's reproduction is `n`
//! fresh runs, and the claim is reported as a single run. Honest: the claim is one fresh draw;
//! best of k: the maximum of k fresh draws. Run distributions: N(0.80, 0.02²) and a left-skewed
//! one (0.85 − LogNormal(ln 0.04, 0.5), accuracy-like with a long bad tail). The share of tables
//! flagged `table looks optimistic` is the false-flag rate (honest) or the power; a sign test on
//! the number of favourable claims (one-sided binomial, p = 1/2) is shown for comparison. A table
//! of one claim is `uninformative` by rule; its column shows how often the combined p alone
//! (= the claim's own prediction-interval test) would fall below α. The second table checks the
//! coverage of the optimism and implied-k intervals.

use rand::{RngExt, SeedableRng};
use rand_chacha::ChaCha8Rng;
use repro_stats::bestofk::expected_max_std_normal;
use repro_stats::paper_level::{assess_table, TableClaim, TableVerdict};
use repro_stats::verdict::{Claim, Direction, Outcome, ReportedAs, Rules};
use repro_stats::wilcoxon::binom_half_tails;

const REPS: usize = 2000;
const COVERAGE_REPS: usize = 300;

fn normal(rng: &mut ChaCha8Rng) -> f64 {
    let u1: f64 = rng.random::<f64>().max(1e-300);
    let u2: f64 = rng.random();
    (-2.0 * u1.ln()).sqrt() * (2.0 * std::f64::consts::PI * u2).cos()
}

fn draw(dist: &str, rng: &mut ChaCha8Rng) -> f64 {
    match dist {
        "normal" => 0.80 + 0.02 * normal(rng),
        _ => 0.85 - (0.04f64.ln() + 0.5 * normal(rng)).exp(),
    }
}

fn table(dist: &str, m: usize, n: usize, k: usize, rng: &mut ChaCha8Rng) -> Vec<TableClaim> {
    (0..m)
        .map(|i| {
            let runs = (0..n).map(|_| Outcome::Value(draw(dist, rng))).collect();
            let value = (0..k)
                .map(|_| draw(dist, rng))
                .fold(f64::NEG_INFINITY, f64::max);
            TableClaim {
                claim: Claim {
                    id: format!("c{i}"),
                    value,
                    standard_error: None,
                    direction: Direction::Higher,
                    reported_as: ReportedAs::SingleRun,
                    resolution: None,
                    margin: None,
                },
                run_set: None,
                runs,
            }
        })
        .collect()
}

fn rate(c: usize, reps: usize) -> String {
    let p = c as f64 / reps as f64;
    format!("{:.3} ± {:.3}", p, (p * (1.0 - p) / reps as f64).sqrt())
}

fn main() {
    let start = std::time::Instant::now();
    let rules = Rules {
        estimate_optimism: false,
        estimate_k: false,
        ..Rules::default()
    };
    let alpha = rules.alpha;
    let mut rng = ChaCha8Rng::seed_from_u64(2025);
    println!("| run distribution | claims in the table | seeds n | every claim is | flagged 'table looks optimistic' (Stouffer) | sign test on the sides |");
    println!("|---|---|---|---|---|---|");
    let cases: Vec<(&str, Vec<usize>)> =
        vec![("normal", vec![1, 3, 5, 10]), ("skewed", vec![1, 10])];
    for (dist, ks) in cases {
        for m in [1usize, 4, 9, 18] {
            for n in [5usize, 10, 20] {
                if dist == "skewed" && n != 10 {
                    continue;
                }
                for &k in &ks {
                    let (mut flagged, mut sign) = (0usize, 0usize);
                    for _ in 0..REPS {
                        let t = table(dist, m, n, k, &mut rng);
                        let a = assess_table(&t, &rules);
                        let hit = if m == 1 {
                            a.p_value.is_some_and(|p| p < alpha)
                        } else {
                            a.verdict == TableVerdict::LooksOptimistic
                        };
                        flagged += hit as usize;
                        let (_, upper) = binom_half_tails(a.favourable as u64, a.n_tested as u64);
                        sign += (upper < alpha) as usize;
                    }
                    let what = if k == 1 {
                        "honest (one fresh draw)".to_string()
                    } else {
                        format!("best of {k}")
                    };
                    let claims = if m == 1 {
                        "1 (uninformative by rule; combined p < α shown)".to_string()
                    } else {
                        m.to_string()
                    };
                    println!(
                        "| {dist} | {claims} | {n} | {what} | {} | {} |",
                        rate(flagged, REPS),
                        rate(sign, REPS)
                    );
                }
            }
        }
    }
    println!(
        "\nα = {alpha} (one-sided), {REPS} simulated tables per row, one run set per claim, claims reported as single runs; ± = Monte Carlo standard error.\n"
    );
    // Coverage of the estimates.
    let est = Rules::default();
    println!("| claims | seeds n | every claim is | true optimism (sd) | mean estimate | 95% CI covers | true k | median k̂ | 95% k-CI covers |");
    println!("|---|---|---|---|---|---|---|---|---|");
    for (m, k) in [(9usize, 1usize), (9, 3), (4, 10), (18, 5)] {
        let n = 10;
        let truth = expected_max_std_normal(k as f64).unwrap_or(f64::NAN);
        let (mut sum, mut cov, mut kcov) = (0.0, 0usize, 0usize);
        let mut ks = Vec::new();
        for _ in 0..COVERAGE_REPS {
            let t = table("normal", m, n, k, &mut rng);
            let a = assess_table(&t, &est);
            let d = a.optimism_sd.unwrap_or(f64::NAN);
            sum += d;
            if let Some((l, h)) = a.optimism_ci {
                cov += (l <= truth && truth <= h) as usize;
            }
            if let Some((l, h)) = a.implied_k_ci {
                kcov += (l <= k as f64 && k as f64 <= h) as usize;
            }
            ks.push(a.implied_k.unwrap_or(f64::NAN));
        }
        ks.sort_by(f64::total_cmp);
        println!(
            "| {m} | {n} | {} | {:.3} | {:.3} | {} | {k} | {:.2} | {} |",
            if k == 1 {
                "honest".to_string()
            } else {
                format!("best of {k}")
            },
            truth,
            sum / COVERAGE_REPS as f64,
            rate(cov, COVERAGE_REPS),
            ks[ks.len() / 2],
            rate(kcov, COVERAGE_REPS)
        );
    }
    println!(
        "\n{COVERAGE_REPS} simulated tables per row (normal runs). Wall time {:.1} s.",
        start.elapsed().as_secs_f64()
    );
}
