//! What a pruned model costs at inference: nonzero parameters, bytes (dense f32 and CSR), and
//! wall-clock latency (batch 1, p50/p99) and throughput (batch 256) of the dense kernel (the
//! kit's GEMM through `nn::Linear`) and of the kit's CSR kernel. Timings depend on the machine
//! and its load; their names end in `_seconds` / `_per_second`, so `harness check`'s
//! determinism check skips them.

use crate::model::Model;
use candle_core::Tensor;
use repro_kit::prune::{count_nonzero, dense_bytes};
use repro_kit::{KitError, Result};
use std::time::Instant;

/// Rows per throughput call.
pub const THROUGHPUT_BATCH: usize = 256;
/// Untimed calls before each timing.
const WARMUP: usize = 10;

/// The measured cost of one model.
#[derive(Debug, Clone, PartialEq)]
pub struct Cost {
    /// Parameters that are not exactly 0.0.
    pub nonzero_parameters: usize,
    /// Bytes of all parameters as dense f32.
    pub dense_bytes: usize,
    /// Bytes in CSR form (weights CSR, biases dense f32).
    pub csr_bytes: usize,
    /// Weight-product FLOPs per example: (dense kernel, CSR kernel).
    pub flops_per_example: (u64, u64),
    /// Median and 99th percentile of one batch-1 forward pass, dense kernel, seconds.
    pub dense_latency: (f64, f64),
    /// The same for the CSR kernel.
    pub sparse_latency: (f64, f64),
    /// Examples per second at batch 256, dense kernel.
    pub dense_throughput: f64,
    /// Examples per second at batch 256, CSR kernel.
    pub sparse_throughput: f64,
}

/// Measures `model` on the rows of `x` [n ≥ 256, 40]: `calls` batch-1 forward passes per
/// kernel (cycling through the rows) and `batches` batch-256 passes per kernel.
///
/// Errors: fewer than 256 rows, `calls` or `batches` of 0, a failed forward pass.
pub fn measure(model: &Model, x: &Tensor, calls: usize, batches: usize) -> Result<Cost> {
    let n = x.dim(0)?;
    if n < THROUGHPUT_BATCH || calls == 0 || batches == 0 {
        return Err(KitError::Invalid(format!(
            "cost: need ≥ {THROUGHPUT_BATCH} rows (got {n}), latency_calls ≥ 1 and throughput_batches ≥ 1"
        )));
    }
    let sparse = model.to_sparse()?;
    let host: Vec<f32> = x.flatten_all()?.to_vec1()?;
    let width = host.len() / n;
    let rows: Vec<Tensor> = (0..n)
        .map(|i| x.narrow(0, i, 1))
        .collect::<candle_core::Result<_>>()?;
    let dense_latency = percentiles(&time_calls(calls, |i| {
        model.forward(&rows[i % n]).map(drop)
    })?);
    let sparse_latency = percentiles(&time_calls(calls, |i| {
        let r = i % n;
        sparse
            .forward(&host[r * width..(r + 1) * width], 1)
            .map(drop)
    })?);
    let big = x.narrow(0, 0, THROUGHPUT_BATCH)?;
    let big_host = &host[..THROUGHPUT_BATCH * width];
    let per_second = |t: Vec<f64>| (THROUGHPUT_BATCH * t.len()) as f64 / t.iter().sum::<f64>();
    let dense_throughput = per_second(time_calls(batches, |_| model.forward(&big).map(drop))?);
    let sparse_throughput = per_second(time_calls(batches, |_| {
        sparse.forward(big_host, THROUGHPUT_BATCH).map(drop)
    })?);
    let vars = model.vars();
    Ok(Cost {
        nonzero_parameters: count_nonzero(&vars)?,
        dense_bytes: dense_bytes(model.parameter_count()),
        csr_bytes: sparse.bytes(),
        flops_per_example: sparse.flops_per_example(),
        dense_latency,
        sparse_latency,
        dense_throughput,
        sparse_throughput,
    })
}

/// Seconds of each of `calls` calls of `f(i)`, after [`WARMUP`] untimed ones.
fn time_calls(calls: usize, mut f: impl FnMut(usize) -> Result<()>) -> Result<Vec<f64>> {
    for i in 0..WARMUP {
        f(i)?;
    }
    let mut t = Vec::with_capacity(calls);
    for i in 0..calls {
        let t0 = Instant::now();
        f(i)?;
        t.push(t0.elapsed().as_secs_f64());
    }
    Ok(t)
}

/// (p50, p99) by nearest rank: the ⌈p·n⌉-th smallest value.
pub fn percentiles(times: &[f64]) -> (f64, f64) {
    let mut s = times.to_vec();
    s.sort_by(f64::total_cmp);
    let rank = |p: f64| s[((p * s.len() as f64).ceil() as usize).clamp(1, s.len()) - 1];
    (rank(0.5), rank(0.99))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn nearest_rank_percentiles() {
        let t: Vec<f64> = (1..=200).map(f64::from).collect();
        assert_eq!(percentiles(&t), (100.0, 198.0));
        assert_eq!(percentiles(&[3.0, 1.0, 2.0]), (2.0, 3.0));
    }
}
