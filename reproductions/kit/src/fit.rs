//! The training loop and its pieces: divergence checks.

use crate::Result;
use candle_core::Tensor;

/// Reads a scalar loss as f64 and tells whether it is finite; a non-finite loss means the run
/// diverged and must be recorded as such (never dropped).
pub fn scalar_loss(loss: &Tensor) -> Result<(f64, bool)> {
    let v = f64::from(loss.to_dtype(candle_core::DType::F32)?.to_scalar::<f32>()?);
    Ok((v, v.is_finite()))
}
