//! Calibration of the claim verdict rules by simulation (not a test).
//!
//! `CARGO_TARGET_DIR=/work/target-stats cargo run --release -p repro-stats --example calibration`
//!
//! Honest claims: the claim is one fresh draw from the run distribution, reported as a single
//! run; the share flagged as seed-picked and the share 'not reproduced' should be ≤ α.
//! Cherry-picked claims: the claim is the best of k draws but reported as a single run; the
//! share flagged is the power. Run distributions: N(0.80, 0.02²) and a left-skewed one
//! (0.85 − LogNormal(ln 0.04, 0.5), accuracy-like with a long bad tail).
//!
//! Second table (issue 23): the share of each verdict word — reproduced, consistent but
//! underpowered, better than claimed, not reproduced, inconclusive — and of each flag for honest,
//! best-of-3, best-of-10 and shifted claims, at n = 5, 10, 20 (normal runs, practical margin one
//! run SD = 0.02). A "shifted" claim is an honest mean of 10 runs of a setup whose mean is 2 run
//! SDs better than the reproduction's (a protocol that differs).

use rand::{RngExt, SeedableRng};
use rand_chacha::ChaCha8Rng;
use repro_stats::verdict::{
    assess_claims, Claim, ClaimAssessment, ClaimVerdict, Direction, Outcome, ReportedAs, Rules,
};

const REPS: usize = 2000;
/// Simulated claims per row of the verdict-share table.
const VERDICT_REPS: usize = 1000;

fn normal(rng: &mut ChaCha8Rng) -> f64 {
    // Box–Muller
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

fn main() {
    let start = std::time::Instant::now();
    let rules = Rules {
        bootstrap_resamples: 0,
        ..Rules::default()
    };
    let mut rng = ChaCha8Rng::seed_from_u64(2024);
    println!("| run distribution | reproduced seeds n | claim | flagged 'looks like best of k' | 'not reproduced' |");
    println!("|---|---|---|---|---|");
    for dist in ["normal", "skewed"] {
        for n in [5usize, 10, 20] {
            for k in [1usize, 5, 10, 30] {
                let (mut flagged, mut notrep) = (0usize, 0usize);
                for _ in 0..REPS {
                    let runs: Vec<Outcome> = (0..n)
                        .map(|_| Outcome::Value(draw(dist, &mut rng)))
                        .collect();
                    let claim = (0..k)
                        .map(|_| draw(dist, &mut rng))
                        .fold(f64::NEG_INFINITY, f64::max);
                    let c = Claim {
                        id: "sim".into(),
                        value: claim,
                        standard_error: None,
                        direction: Direction::Higher,
                        reported_as: ReportedAs::SingleRun,
                        resolution: None,
                        margin: None,
                    };
                    let a = &assess_claims(&[(c, runs)], &rules)[0];
                    flagged += a.looks_like_best_of.is_some() as usize;
                    notrep += (a.verdict == ClaimVerdict::NotReproduced) as usize;
                }
                let f = |c: usize| {
                    let p = c as f64 / REPS as f64;
                    format!("{:.3} ± {:.3}", p, (p * (1.0 - p) / REPS as f64).sqrt())
                };
                let what = if k == 1 {
                    "honest (one fresh draw)".to_string()
                } else {
                    format!("best of {k}")
                };
                println!("| {dist} | {n} | {what} | {} | {} |", f(flagged), f(notrep));
            }
        }
    }
    println!(
        "\nα = {}, Holm (one claim per call), {REPS} simulated claims per row, ± = Monte Carlo standard error; wall time {:.1} s.",
        rules.alpha,
        start.elapsed().as_secs_f64()
    );
    let start = std::time::Instant::now();
    verdict_shares(&rules, &mut rng);
    println!(
        "\nα = {}, power target {}, margin 0.02 (one run SD), {VERDICT_REPS} simulated claims per row; shares of the claims (flags may overlap the verdicts); wall time {:.1} s.",
        rules.alpha,
        rules.power,
        start.elapsed().as_secs_f64()
    );
}

/// One simulated claim of kind `kind` against `n` fresh runs of N(0.80, 0.02²).
fn simulate(kind: &str, n: usize, rules: &Rules, rng: &mut ChaCha8Rng) -> ClaimAssessment {
    let runs: Vec<Outcome> = (0..n)
        .map(|_| Outcome::Value(draw("normal", rng)))
        .collect();
    let best_of = |k: usize, rng: &mut ChaCha8Rng| {
        (0..k)
            .map(|_| draw("normal", rng))
            .fold(f64::NEG_INFINITY, f64::max)
    };
    let mean_of = |m: usize, shift: f64, rng: &mut ChaCha8Rng| {
        (0..m).map(|_| draw("normal", rng) + shift).sum::<f64>() / m as f64
    };
    let (value, reported_as) = match kind {
        "honest single run" => (best_of(1, rng), ReportedAs::SingleRun),
        "best of 3 (single run)" => (best_of(3, rng), ReportedAs::SingleRun),
        "best of 10 (single run)" => (best_of(10, rng), ReportedAs::SingleRun),
        "honest mean of 10" => (mean_of(10, 0.0, rng), ReportedAs::MeanOf { n: 10 }),
        _ => (mean_of(10, 0.04, rng), ReportedAs::MeanOf { n: 10 }),
    };
    let c = Claim {
        id: "sim".into(),
        value,
        standard_error: None,
        direction: Direction::Higher,
        reported_as,
        resolution: None,
        margin: Some(0.02),
    };
    assess_claims(&[(c, runs)], rules).remove(0)
}

/// The verdict-share table (see the module doc).
fn verdict_shares(rules: &Rules, rng: &mut ChaCha8Rng) {
    println!(
        "\n| claim | seeds n | reproduced | consistent, underpowered | better than claimed | not reproduced | inconclusive | atypical | looks like best of k | beyond seed selection |"
    );
    println!("|---|---|---|---|---|---|---|---|---|---|");
    let kinds = [
        "honest single run",
        "best of 3 (single run)",
        "best of 10 (single run)",
        "honest mean of 10",
        "shifted mean of 10 (+2 SD)",
    ];
    for kind in kinds {
        for n in [5usize, 10, 20] {
            let mut counts = [0usize; 8];
            for _ in 0..VERDICT_REPS {
                let a = simulate(kind, n, rules, rng);
                let v = match a.verdict {
                    ClaimVerdict::Reproduced => 0,
                    ClaimVerdict::ConsistentUnderpowered => 1,
                    ClaimVerdict::BetterThanClaimed => 2,
                    ClaimVerdict::NotReproduced => 3,
                    ClaimVerdict::Inconclusive => 4,
                };
                counts[v] += 1;
                counts[5] += a.atypical.is_some() as usize;
                counts[6] += a.looks_like_best_of.is_some() as usize;
                counts[7] += a.beyond_seed_selection.is_some() as usize;
            }
            let cells: Vec<String> = counts
                .iter()
                .map(|c| format!("{:.3}", *c as f64 / VERDICT_REPS as f64))
                .collect();
            println!("| {kind} | {n} | {} |", cells.join(" | "));
        }
    }
}
