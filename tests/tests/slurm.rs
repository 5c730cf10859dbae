//! Slurm for real: starts a single-node Slurm cluster on this machine
//! (`scripts/slurm-local-cluster.sh`: munged, slurmctld and slurmd in a temp dir), submits a
//! tiny project's quick suite as `harness run --shards 4` in an `sbatch --array=0-3 --wait` job
//! array with `scripts/slurm-run.sh` (which then runs `harness report`), and checks that the
//! merged table and every record equal those of an unsharded run.
//!
//! Runs only where it can: as root with the Debian packages `slurmctld slurmd slurm-client
//! munge` installed (`.ci/run` installs them); otherwise it prints why it was skipped.

use harness_e2e::{files_under, harness, harness_bin, repo_root, text, tiny_project};
use std::path::Path;
use std::process::Command;
use std::time::Instant;

const SHARDS: usize = 4;

fn skip_reason() -> Option<String> {
    let uid = Command::new("id").arg("-u").output().ok()?;
    if String::from_utf8_lossy(&uid.stdout).trim() != "0" {
        return Some("not root (slurmd must run jobs as their user)".into());
    }
    for b in [
        "slurmctld",
        "slurmd",
        "sbatch",
        "sinfo",
        "munged",
        "setpriv",
    ] {
        let found = Command::new("sh")
            .args(["-c", &format!("command -v {b}")])
            .output()
            .map(|o| o.status.success())
            .unwrap_or(false);
        if !found {
            return Some(format!(
                "`{b}` not installed (apt-get install --no-install-recommends slurmctld slurmd slurm-client munge)"
            ));
        }
    }
    None
}

/// Stops the cluster's daemons (by the PIDs the script recorded) when dropped.
struct Cluster<'a>(&'a Path);

impl Drop for Cluster<'_> {
    fn drop(&mut self) {
        let _ = Command::new(repo_root().join("scripts/slurm-local-cluster.sh"))
            .arg("stop")
            .arg(self.0)
            .status();
    }
}

fn project() -> tempfile::TempDir {
    let dir = tiny_project(300, &["logistic", "mlp"], "");
    std::fs::write(
        dir.path().join("configs/suites/quick.toml"),
        "description = \"slurm test\"\n[[papers]]\nid = \"greydanus2020-mnist1d\"\nvariants = [\"logistic\", \"mlp\"]\nseeds = 10\n",
    )
    .unwrap();
    dir
}

fn metrics_by_run(root: &Path) -> Vec<(String, String)> {
    files_under(&root.join("results/runs"))
        .iter()
        .map(|p| {
            let v: serde_json::Value =
                serde_json::from_str(&std::fs::read_to_string(p).unwrap()).unwrap();
            (
                p.strip_prefix(root).unwrap().display().to_string(),
                v["metrics"].to_string(),
            )
        })
        .collect()
}

#[test]
fn sharded_job_array_on_a_real_slurm_cluster_equals_an_unsharded_run() {
    if let Some(why) = skip_reason() {
        eprintln!("SKIPPED slurm e2e test: {why}");
        return;
    }
    let t0 = Instant::now();
    let state = tempfile::tempdir().unwrap();
    let cluster_dir = state.path().join("cluster");
    let out = Command::new(repo_root().join("scripts/slurm-local-cluster.sh"))
        .arg("start")
        .arg(&cluster_dir)
        .output()
        .unwrap();
    let _cluster = Cluster(&cluster_dir);
    let t = text(&out);
    assert!(out.status.success(), "cluster did not start:\n{t}");
    let conf = cluster_dir.join("slurm.conf");
    let up = t0.elapsed().as_secs_f64();
    eprintln!(
        "slurm e2e: single-node cluster up in {up:.1} s ({})",
        conf.display()
    );

    let sharded = project();
    let root = sharded.path();
    let logs = state.path().join("logs");
    let t1 = Instant::now();
    let out = Command::new(repo_root().join("scripts/slurm-run.sh"))
        .args(["-n", &SHARDS.to_string(), "--", "--root"])
        .arg(root)
        .args(["--offline", "--"])
        .env("SLURM_CONF", &conf)
        .env("HARNESS", harness_bin())
        .env("LOG_DIR", &logs)
        .env("HARNESS_CACHE_DIR", root.join("cache"))
        .env_remove("HARNESS_DATA_DIRS")
        .output()
        .unwrap();
    let t = text(&out);
    assert!(out.status.success(), "slurm-run.sh failed:\n{t}");
    assert!(t.contains(&format!("all {SHARDS} shards finished")), "{t}");
    let array_s = t1.elapsed().as_secs_f64();
    let task_logs: Vec<_> = files_under(&logs);
    assert_eq!(
        task_logs.len(),
        SHARDS,
        "one log per array task: {task_logs:?}"
    );
    for (i, log) in task_logs.iter().enumerate() {
        let l = std::fs::read_to_string(log).unwrap();
        assert!(
            l.contains(&format!("shard {i}/{SHARDS} done")),
            "{}:\n{l}",
            log.display()
        );
    }

    let single = project();
    let out = harness(single.path(), &[]);
    assert!(out.status.success(), "{}", text(&out));

    let table =
        |r: &Path| std::fs::read_to_string(r.join("results/greydanus2020-mnist1d.csv")).unwrap();
    assert_eq!(
        table(root),
        table(single.path()),
        "merged table differs from the unsharded run's"
    );
    let (a, b) = (metrics_by_run(root), metrics_by_run(single.path()));
    assert_eq!(a.len(), 20);
    assert_eq!(a, b, "sharded records differ from the unsharded run's");
    eprintln!(
        "slurm e2e: array of {SHARDS} tasks completed and merged in {array_s:.1} s; merged table equal to the unsharded run's ({} rows, {} records); total {:.1} s",
        table(root).lines().count() - 1,
        a.len(),
        t0.elapsed().as_secs_f64()
    );
}
