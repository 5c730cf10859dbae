//! Subnormal floats flushed to zero during training, as TensorFlow does (used by the Keras-era
//! reproductions, e.g. `xiao2017-fashion-mnist`).
//!
//! TensorFlow runs its CPU kernels with denormals flushed: every thread of its thread pools
//! starts with `port::ScopedFlushDenormal` ("Set the processor flag to flush denormals to zero",
//! `EigenEnvironment::CreateThread` in `tensorflow/core/lib/core/threadpool.cc`, TF 1.x), which
//! turns on the x86 MXCSR bits FTZ (results that would be subnormal become ±0) and DAZ
//! (subnormal inputs read as ±0; `tensorflow/core/platform/denormal.cc`). The reference Keras
//! model therefore never computed with subnormals.
//!
//! Why here: faithfulness first (the reference never saw a subnormal), and speed second — x86
//! cores take a microcode assist for every subnormal operand, and a tanh/sigmoid network
//! trained with momentum 0.975 can produce them once units saturate.
//!
//! Only the calling thread's MXCSR is changed, and only when the kit's kernels run on one compute
//! thread ([`crate::nn::compute_threads`]: `RAYON_NUM_THREADS`, which the harness always sets,
//! 1 by default; all cores when unset): with several threads the
//! kit's kernels run part of the work on rayon's shared pool, whose threads other runs use too,
//! so flushing there could not be confined to this run and would make results depend on which
//! thread took which block. With more threads nothing is flushed (documented deviation).
//! On targets other than x86-64 the guard does nothing.

/// MXCSR bit 15: flush-to-zero (subnormal results become ±0).
#[cfg(target_arch = "x86_64")]
const FTZ: u32 = 1 << 15;
/// MXCSR bit 6: denormals-are-zero (subnormal inputs read as ±0).
#[cfg(target_arch = "x86_64")]
const DAZ: u32 = 1 << 6;

#[cfg(target_arch = "x86_64")]
fn read_mxcsr() -> u32 {
    let mut v: u32 = 0;
    // SAFETY: stmxcsr stores the 32-bit MXCSR register to the given address (SSE, always present
    // on x86-64); `v` is a valid, aligned u32.
    unsafe {
        std::arch::asm!("stmxcsr [{}]", in(reg) &mut v, options(nostack, preserves_flags));
    }
    v
}

#[cfg(target_arch = "x86_64")]
fn write_mxcsr(v: u32) {
    // SAFETY: ldmxcsr loads MXCSR from a valid u32; only the FTZ/DAZ bits differ from the value
    // read before, and reserved bits are kept as read.
    unsafe {
        std::arch::asm!("ldmxcsr [{}]", in(reg) &v, options(nostack, readonly, preserves_flags));
    }
}

/// Flushes subnormals on this thread while alive; restores the previous mode when dropped.
#[derive(Debug)]
pub struct FlushDenormals {
    /// The MXCSR value to restore (`None`: nothing was changed).
    #[cfg(target_arch = "x86_64")]
    previous: Option<u32>,
}

impl FlushDenormals {
    /// Turns on FTZ and DAZ for the calling thread if the kernels use at most one compute
    /// thread ([`crate::nn::compute_threads`], module docs); otherwise, and on other targets,
    /// changes nothing.
    pub fn new() -> Self {
        #[cfg(target_arch = "x86_64")]
        {
            if crate::nn::compute_threads() > 1 {
                return Self { previous: None };
            }
            let before = read_mxcsr();
            write_mxcsr(before | FTZ | DAZ);
            Self {
                previous: Some(before),
            }
        }
        #[cfg(not(target_arch = "x86_64"))]
        {
            Self {}
        }
    }

    /// Whether this guard flushes subnormals (x86-64 with one compute thread).
    pub fn active(&self) -> bool {
        #[cfg(target_arch = "x86_64")]
        {
            self.previous.is_some()
        }
        #[cfg(not(target_arch = "x86_64"))]
        {
            false
        }
    }
}

impl Default for FlushDenormals {
    fn default() -> Self {
        Self::new()
    }
}

impl Drop for FlushDenormals {
    fn drop(&mut self) {
        #[cfg(target_arch = "x86_64")]
        if let Some(v) = self.previous {
            write_mxcsr(v);
        }
    }
}

#[cfg(all(test, target_arch = "x86_64"))]
mod tests {
    use super::*;

    /// Multiplies through a black box so the compiler cannot fold it at compile time.
    fn mul(a: f32, b: f32) -> f32 {
        std::hint::black_box(a) * std::hint::black_box(b)
    }

    #[test]
    fn subnormals_flush_inside_the_guard_and_not_after() {
        // 1e-20 · 1e-20 = 1e-40, a subnormal f32 (smallest normal ≈ 1.18e-38).
        let before = mul(1e-20, 1e-20);
        assert!(before > 0.0 && !before.is_normal(), "{before}");
        {
            let g = FlushDenormals::new();
            if g.active() {
                assert_eq!(mul(1e-20, 1e-20), 0.0);
                // DAZ: a subnormal input reads as zero.
                assert_eq!(mul(std::hint::black_box(before), 1e30), 0.0);
                // Normal arithmetic is untouched.
                assert_eq!(mul(1.5, 2.0), 3.0);
            }
        }
        let after = mul(1e-20, 1e-20);
        assert_eq!(after.to_bits(), before.to_bits());
    }
}
