//! The allocator setting of the harness and of the benchmarks.
//!
//! Self-contained (no crate dependencies) so that the benches of reproduction crates can include
//! it with `#[path = "../../support/src/alloc.rs"] mod alloc;` without a dev-dependency: a
//! reproduction crate's `Cargo.toml` is part of its run key, and a bench helper must not make
//! every record of the paper stale.

/// glibc `malloc` thresholds for training: serve every block up to 256 MiB from the heap
/// (`M_MMAP_THRESHOLD`) and give freed memory back to the system only above 1 GiB of free top
/// (`M_TRIM_THRESHOLD`).
///
/// Why: candle allocates a fresh buffer for every op result. With glibc's defaults (mmap from
/// 128 KiB, a threshold that adapts up to 32 MiB, trimming at twice that), the buffers of a
/// training step — a [64, 784] batch is 196 KiB, a 784 × 256 kernel gradient 784 KiB — are
/// mapped and unmapped, or the heap top trimmed and re-grown, every step, and each new page is a
/// page fault plus a page clear. Measured on the Fashion-MNIST MLP step (batch 64, one thread,
/// `cargo bench -p xiao2017-fashion-mnist`): 3.3 ms with the defaults, 2.2 ms with these
/// thresholds (page faults and `clear_page` were 12–15 % of the profile). That bench runs on the
/// main thread (glibc's main arena, trimmed through `brk`); a harness run trains on a worker
/// thread's arena and was barely affected (2-epoch Fashion run: 2.87 s of training with the
/// defaults, 2.80 s with these thresholds), so the point of the setting is that a benchmark
/// measures what a run pays, whichever thread it runs on. The cost is memory held between steps
/// (at most 1 GiB of free heap per arena). The allocator never changes a computed value.
///
/// Call once at process start, before other threads allocate. Elsewhere than Linux with glibc
/// this does nothing. Returns whether both settings were accepted.
pub fn tune_allocator() -> bool {
    #[cfg(all(target_os = "linux", target_env = "gnu"))]
    {
        // glibc <malloc.h>: `int mallopt(int param, int value)`, M_TRIM_THRESHOLD = -1,
        // M_MMAP_THRESHOLD = -3; returns 1 on success.
        extern "C" {
            fn mallopt(param: i32, value: i32) -> i32;
        }
        const M_TRIM_THRESHOLD: i32 = -1;
        const M_MMAP_THRESHOLD: i32 = -3;
        // SAFETY: mallopt only changes allocator parameters and takes plain integers.
        unsafe {
            let mmap = mallopt(M_MMAP_THRESHOLD, 256 << 20);
            let trim = mallopt(M_TRIM_THRESHOLD, 1 << 30);
            mmap == 1 && trim == 1
        }
    }
    #[cfg(not(all(target_os = "linux", target_env = "gnu")))]
    {
        false
    }
}
