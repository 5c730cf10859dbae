//! Runtime CPU-feature dispatch for hand-written host loops (the kit's fused optimizer updates,
//! paper crates' host kernels).
//!
//! A hot loop is written once as an `#[inline(always)]` body and compiled twice: as it is
//! (SSE2 on x86-64, 4 floats wide) and inside a `#[target_feature(enable = "avx2")]` function
//! (8 wide). The arithmetic is the same IEEE operations in the same order on either path (Rust
//! never reassociates float operations or contracts `a·b + c` into a fused multiply-add), so
//! both give bitwise the same numbers; only the speed differs.

/// Whether the CPU has AVX2 (x86-64 runtime detection, cached by std; `false` on other
/// targets). Callers branch on it to call their `#[target_feature(enable = "avx2")]` copy of a
/// loop.
#[inline(always)]
pub fn has_avx2() -> bool {
    #[cfg(target_arch = "x86_64")]
    {
        std::arch::is_x86_feature_detected!("avx2")
    }
    #[cfg(not(target_arch = "x86_64"))]
    {
        false
    }
}

/// Runs `f` compiled with AVX2 enabled where the CPU has it ([`has_avx2`]), otherwise as is.
/// `f` is inlined into an AVX2 function, so plain loops in it are vectorised 8 wide; the
/// numbers are bitwise those of the portable path (module docs).
#[inline(always)]
pub fn with_simd<R>(f: impl FnOnce() -> R) -> R {
    #[cfg(target_arch = "x86_64")]
    {
        if has_avx2() {
            // SAFETY: the CPU supports AVX2, checked just above.
            return unsafe { with_avx2(f) };
        }
    }
    f()
}

/// `f()` in a function compiled for AVX2, so that `f`, inlined here, is too.
#[cfg(target_arch = "x86_64")]
#[target_feature(enable = "avx2")]
unsafe fn with_avx2<R>(f: impl FnOnce() -> R) -> R {
    f()
}
