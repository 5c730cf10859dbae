//! The MNIST-1D dataset as shipped in `data/mnist1d/mnist1d.safetensors`.

/// Number of input positions of an MNIST-1D example.
pub const INPUT_LEN: usize = 40;
/// Number of classes (digits 0–9).
pub const CLASSES: usize = 10;

use crate::data::{load_safetensors, take_tensor};
use crate::{KitError, ResolvedDataset, Result};
use candle_core::{DType, Device, Tensor};

/// The file name declared for this dataset in `configs/datasets.toml`.
pub const FILE: &str = "mnist1d/mnist1d.safetensors";
/// Training examples.
pub const TRAIN: usize = 4000;
/// Test examples.
pub const TEST: usize = 1000;

/// MNIST-1D in memory: inputs F32, labels U32.
#[derive(Debug, Clone)]
pub struct Mnist1d {
    /// Training inputs [4000, 40].
    pub x_train: Tensor,
    /// Training labels [4000], values 0..9.
    pub y_train: Tensor,
    /// Test inputs [1000, 40].
    pub x_test: Tensor,
    /// Test labels [1000].
    pub y_test: Tensor,
}

impl Mnist1d {
    /// Reads the verified safetensors file of `dataset` (tensors `x` F64 [4000, 40], `y` I64
    /// [4000], `x_test` F64 [1000, 40], `y_test` I64 [1000]); inputs are cast to F32 as the
    /// reference does (`torch.Tensor(x)`). Errors name the file and the tensor.
    pub fn load(dataset: &ResolvedDataset, device: &Device) -> Result<Self> {
        let path = dataset.file(FILE)?;
        let mut m = load_safetensors(path, device)?;
        let data = Self {
            x_train: take_tensor(&mut m, "x", &[TRAIN, INPUT_LEN], path)?.to_dtype(DType::F32)?,
            y_train: take_tensor(&mut m, "y", &[TRAIN], path)?.to_dtype(DType::U32)?,
            x_test: take_tensor(&mut m, "x_test", &[TEST, INPUT_LEN], path)?
                .to_dtype(DType::F32)?,
            y_test: take_tensor(&mut m, "y_test", &[TEST], path)?.to_dtype(DType::U32)?,
        };
        let max_label = data.y_train.max(0)?.to_scalar::<u32>()?;
        if max_label as usize >= CLASSES {
            return Err(KitError::Data {
                path: path.clone(),
                message: format!("label {max_label} out of range 0..{CLASSES}"),
            });
        }
        Ok(data)
    }

    /// The same data with input positions reordered: `x'[:, i] = x[:, perm[i]]`.
    pub fn permute_inputs(&self, perm: &[usize]) -> Result<Self> {
        let idx: Vec<u32> = perm.iter().map(|&i| i as u32).collect();
        let idx = Tensor::from_vec(idx, perm.len(), self.x_train.device())?;
        Ok(Self {
            x_train: self.x_train.index_select(&idx, 1)?,
            y_train: self.y_train.clone(),
            x_test: self.x_test.index_select(&idx, 1)?,
            y_test: self.y_test.clone(),
        })
    }

    /// The first `n` training examples (for the overfitting test).
    pub fn first_train(&self, n: usize) -> Result<(Tensor, Tensor)> {
        Ok((self.x_train.narrow(0, 0, n)?, self.y_train.narrow(0, 0, n)?))
    }
}
