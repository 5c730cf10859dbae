//! Splitting the run matrix into shards for a cluster scheduler (DESIGN.md, "Scale"): every
//! shard runs on its own machine, all write records into one results directory, and
//! `harness report` merges them afterwards.
//!
//! The shard of a run is its position in the planned matrix modulo the shard count
//! (round-robin), so the seeds of one expensive (variant, dataset) cell are spread over all
//! shards instead of landing on one. The plan order is fixed by the configs (paper, variant,
//! dataset, seed), so every shard of one job computes the same partition.

use crate::error::HarnessError;
use crate::Result;
use std::fmt;

/// Shard `index` of `count` (0-based index).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Shard {
    /// 0-based shard index, `< count`.
    pub index: usize,
    /// Number of shards, ≥ 1.
    pub count: usize,
}

impl fmt::Display for Shard {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "{}/{}", self.index, self.count)
    }
}

impl Shard {
    /// Checks `index < count` and `count ≥ 1`. Errors name `what` (the flag or variable the
    /// numbers came from).
    pub fn new(index: usize, count: usize, what: &str) -> Result<Self> {
        if count == 0 {
            return Err(HarnessError::Shard(format!(
                "{what}: the shard count must be at least 1"
            )));
        }
        if index >= count {
            return Err(HarnessError::Shard(format!(
                "{what}: shard index {index} is out of range for {count} shards (indices are 0-based: 0..{})",
                count - 1
            )));
        }
        Ok(Self { index, count })
    }

    /// Parses `--shard INDEX/COUNT` (0-based index, e.g. `0/4` … `3/4`).
    ///
    /// # Errors
    /// A value that is not two non-negative integers separated by `/`, or an index out of range.
    pub fn parse(s: &str) -> Result<Self> {
        let bad = || {
            HarnessError::Shard(format!(
                "--shard `{s}`: expected INDEX/COUNT with a 0-based index, e.g. `--shard 0/4`"
            ))
        };
        let (i, n) = s.split_once('/').ok_or_else(bad)?;
        let i: usize = i.trim().parse().map_err(|_| bad())?;
        let n: usize = n.trim().parse().map_err(|_| bad())?;
        Self::new(i, n, "--shard")
    }

    /// The shard index of this process from a scheduler's environment, for `count` shards
    /// (`--shards COUNT`):
    /// - Slurm job arrays: `SLURM_ARRAY_TASK_ID` minus `SLURM_ARRAY_TASK_MIN` (arrays may start
    ///   at 1, e.g. `--array=1-8`);
    /// - Kubernetes indexed jobs: `JOB_COMPLETION_INDEX` (0-based).
    ///
    /// `get` reads a variable (`std::env::var` in the binary; injectable for tests).
    ///
    /// # Errors
    /// Neither variable set, a variable that is not a non-negative integer, or an index out of
    /// range for `count`.
    pub fn from_scheduler(count: usize, get: impl Fn(&str) -> Option<String>) -> Result<Self> {
        let num = |name: &str| -> Result<Option<usize>> {
            match get(name) {
                None => Ok(None),
                Some(v) => v.trim().parse().map(Some).map_err(|_| {
                    HarnessError::Shard(format!(
                        "{name}=`{v}` is not a non-negative integer; unset it or fix the job script"
                    ))
                }),
            }
        };
        if let Some(id) = num("SLURM_ARRAY_TASK_ID")? {
            let min = num("SLURM_ARRAY_TASK_MIN")?.unwrap_or(0);
            let index = id.checked_sub(min).ok_or_else(|| {
                HarnessError::Shard(format!(
                    "SLURM_ARRAY_TASK_ID {id} is below SLURM_ARRAY_TASK_MIN {min}"
                ))
            })?;
            return Self::new(index, count, "SLURM_ARRAY_TASK_ID");
        }
        if let Some(index) = num("JOB_COMPLETION_INDEX")? {
            return Self::new(index, count, "JOB_COMPLETION_INDEX");
        }
        Err(HarnessError::Shard(format!(
            "--shards {count}: neither SLURM_ARRAY_TASK_ID (Slurm job array) nor JOB_COMPLETION_INDEX \
             (Kubernetes indexed job) is set; outside a scheduler pass the shard as --shard INDEX/{count}"
        )))
    }

    /// The items of this shard: positions `index, index + count, index + 2·count, …` of `all`.
    pub fn select<T: Clone>(&self, all: &[T]) -> Vec<T> {
        all.iter()
            .skip(self.index)
            .step_by(self.count)
            .cloned()
            .collect()
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use std::collections::HashMap;

    fn env(pairs: &[(&str, &str)]) -> impl Fn(&str) -> Option<String> {
        let m: HashMap<String, String> = pairs
            .iter()
            .map(|(k, v)| (k.to_string(), v.to_string()))
            .collect();
        move |k| m.get(k).cloned()
    }

    #[test]
    fn parse_accepts_index_over_count_and_rejects_the_rest() {
        assert_eq!(Shard::parse("2/5").unwrap(), Shard { index: 2, count: 5 });
        assert_eq!(
            Shard::parse(" 0 / 1 ").unwrap(),
            Shard { index: 0, count: 1 }
        );
        for bad in ["5/5", "1/0", "3", "a/b", "-1/4", "1/2/3", ""] {
            let e = Shard::parse(bad).unwrap_err().to_string();
            assert!(e.contains("--shard"), "{bad}: {e}");
        }
    }

    #[test]
    fn shards_partition_the_matrix_and_balance_it() {
        let all: Vec<usize> = (0..103).collect();
        for count in [1, 2, 7, 103, 200] {
            let parts: Vec<Vec<usize>> = (0..count)
                .map(|i| Shard::new(i, count, "t").unwrap().select(&all))
                .collect();
            let mut union: Vec<usize> = parts.concat();
            union.sort();
            assert_eq!(union, all, "count {count}: every run in exactly one shard");
            let (lo, hi) = (
                parts.iter().map(Vec::len).min().unwrap(),
                parts.iter().map(Vec::len).max().unwrap(),
            );
            assert!(hi - lo <= 1, "count {count}: sizes {lo}..{hi}");
        }
    }

    #[test]
    fn slurm_and_kubernetes_indices() {
        // Slurm arrays may start at 1: --array=1-4
        let s = Shard::from_scheduler(
            4,
            env(&[("SLURM_ARRAY_TASK_ID", "3"), ("SLURM_ARRAY_TASK_MIN", "1")]),
        )
        .unwrap();
        assert_eq!(s, Shard { index: 2, count: 4 });
        let k = Shard::from_scheduler(3, env(&[("JOB_COMPLETION_INDEX", "2")])).unwrap();
        assert_eq!(k, Shard { index: 2, count: 3 });
        for (count, vars) in [
            (4, vec![]),
            (2, vec![("JOB_COMPLETION_INDEX", "2")]),
            (2, vec![("SLURM_ARRAY_TASK_ID", "x")]),
            (
                4,
                vec![("SLURM_ARRAY_TASK_ID", "0"), ("SLURM_ARRAY_TASK_MIN", "1")],
            ),
        ] {
            assert!(
                Shard::from_scheduler(count, env(&vars)).is_err(),
                "{count:?} {vars:?}"
            );
        }
    }
}
