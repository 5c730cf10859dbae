//! Reading dataset files that the harness has resolved and verified, the loaders shared by
//! several papers (MNIST-1D, IDX, Fashion-MNIST with its validation split, the UCI regression splits) and batching.

pub mod batching;
pub mod fashion_mnist;
pub mod idx;
pub mod mnist1d;
pub mod tabular;
pub mod uci;

use crate::{KitError, Result};
use candle_core::{safetensors, Device, Tensor};
use std::collections::HashMap;
use std::path::Path;

/// Loads every tensor of a safetensors file onto `device`. Errors name the file.
pub fn load_safetensors(path: &Path, device: &Device) -> Result<HashMap<String, Tensor>> {
    safetensors::load(path, device).map_err(|e| KitError::Data {
        path: path.to_path_buf(),
        message: format!("not a readable safetensors file: {e}"),
    })
}

/// Takes tensor `name` out of a loaded safetensors map and checks its shape; the error names the
/// file, the tensor, the expected and the actual shape.
pub fn take_tensor(
    map: &mut HashMap<String, Tensor>,
    name: &str,
    dims: &[usize],
    path: &Path,
) -> Result<Tensor> {
    let t = map.remove(name).ok_or_else(|| KitError::Data {
        path: path.to_path_buf(),
        message: format!("has no tensor `{name}`"),
    })?;
    if t.dims() != dims {
        return Err(KitError::Data {
            path: path.to_path_buf(),
            message: format!(
                "tensor `{name}` has shape {:?}, expected {dims:?}",
                t.dims()
            ),
        });
    }
    Ok(t)
}
