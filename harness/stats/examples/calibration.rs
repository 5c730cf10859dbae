//! Calibration of the claim verdict rules by simulation (not a test).
//!
//! `CARGO_TARGET_DIR=/work/target-stats cargo run --release -p repro-stats --example calibration`
//!
//! Honest claims: the claim is one fresh draw from the run distribution, reported as a single
//! run; the share flagged as seed-picked and the share 'not reproduced' should be ≤ α.
//! Cherry-picked claims: the claim is the best of k draws but reported as a single run; the
//! share flagged is the power. Run distributions: N(0.80, 0.02²) and a left-skewed one
//! (0.85 − LogNormal(ln 0.04, 0.5), accuracy-like with a long bad tail).

use rand::{RngExt, SeedableRng};
use rand_chacha::ChaCha8Rng;
use repro_stats::verdict::{
    assess_claims, Claim, ClaimVerdict, Direction, Outcome, ReportedAs, Rules,
};

const REPS: usize = 2000;

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
}
