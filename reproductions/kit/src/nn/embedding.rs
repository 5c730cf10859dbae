//! Embedding table and flattening (PyTorch `nn.Embedding`, `nn.Flatten`).

use super::{Layer, Parameters};
use crate::init;
use crate::rng::Rng;
use crate::{KitError, Result};
use candle_core::{DType, Device, Tensor, Var};

/// A lookup table `weight` [num_embeddings, dim] (PyTorch `nn.Embedding`, no padding index, no
/// max-norm): ids of any shape [d₁, …] → [d₁, …, dim]. Gradients flow to the rows looked up
/// (candle's `index_select` backward, a scatter-add).
#[derive(Debug, Clone)]
pub struct Embedding {
    /// Table, shape [num_embeddings, dim].
    pub weight: Var,
}

impl Embedding {
    /// PyTorch's default init: every entry N(0, 1) (`nn.Embedding.reset_parameters`:
    /// `init.normal_`), from the kit's seeded stream. Errors if a size is 0.
    pub fn torch_default(rng: &mut Rng, num: usize, dim: usize, device: &Device) -> Result<Self> {
        for (field, v) in [("embedding num_embeddings", num), ("embedding dim", dim)] {
            if v == 0 {
                return Err(KitError::hyperparameter(field, v, "must be ≥ 1"));
            }
        }
        Ok(Self {
            weight: init::normal(rng, &[num, dim], 0.0, 1.0, device)?,
        })
    }
}

impl Parameters for Embedding {
    /// The table.
    fn vars(&self) -> Vec<Var> {
        vec![self.weight.clone()]
    }
}

impl Layer for Embedding {
    /// `ids` (U8/U32/I64, any shape [d₁, …]) → [d₁, …, dim]. Errors if an id is ≥
    /// num_embeddings (or negative).
    fn forward(&self, ids: &Tensor) -> Result<Tensor> {
        let (num, dim) = self.weight.dims2()?;
        let flat = ids.flatten_all()?; // [d₁·…]
        let ids64: Vec<i64> = flat.to_dtype(DType::I64)?.to_vec1()?;
        if let Some(bad) = ids64.iter().find(|&&i| i < 0 || i as usize >= num) {
            return Err(KitError::Invalid(format!(
                "embedding: id {bad} outside 0..{num}"
            )));
        }
        let idx = flat.to_dtype(DType::U32)?;
        let rows = self.weight.index_select(&idx, 0)?; // [d₁·…, dim]
        let mut shape = ids.dims().to_vec();
        shape.push(dim);
        Ok(rows.reshape(shape)?)
    }
}

/// Flattens dimensions `start_dim ..= end_dim` into one (PyTorch `nn.Flatten`, defaults
/// `start_dim = 1`, `end_dim = −1`): [n, c, h, w] → [n, c·h·w].
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Flatten {
    /// First dimension flattened (PyTorch default 1).
    pub start_dim: usize,
    /// Last dimension flattened, `None` for the last one (PyTorch's −1).
    pub end_dim: Option<usize>,
}

impl Default for Flatten {
    /// `nn.Flatten()`: from dimension 1 to the last.
    fn default() -> Self {
        Self {
            start_dim: 1,
            end_dim: None,
        }
    }
}

impl Layer for Flatten {
    /// `x` [d₀, …, d_{r−1}] → the same with `d_start … d_end` multiplied into one dimension;
    /// errors if the range is outside the rank.
    fn forward(&self, x: &Tensor) -> Result<Tensor> {
        let dims = x.dims();
        let end = self.end_dim.unwrap_or(dims.len().saturating_sub(1));
        if self.start_dim > end || end >= dims.len() {
            return Err(KitError::Invalid(format!(
                "flatten: dims {}..={end} of a rank-{} tensor",
                self.start_dim,
                dims.len()
            )));
        }
        let mut shape = dims[..self.start_dim].to_vec();
        shape.push(dims[self.start_dim..=end].iter().product());
        shape.extend_from_slice(&dims[end + 1..]);
        Ok(x.reshape(shape)?)
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::rng::stream;

    #[test]
    fn embedding_looks_up_rows_and_rejects_bad_ids() {
        let d = Device::Cpu;
        let e = Embedding::torch_default(&mut stream(0, "e"), 5, 3, &d).unwrap();
        let ids = Tensor::new(&[[4u32, 0], [2, 2]], &d).unwrap();
        let y = e.forward(&ids).unwrap();
        assert_eq!(y.dims(), &[2, 2, 3]);
        let w: Vec<Vec<f32>> = e.weight.as_tensor().to_vec2().unwrap();
        let y: Vec<Vec<Vec<f32>>> = y.to_vec3().unwrap();
        assert_eq!(y[0][0], w[4]);
        assert_eq!(y[1][1], w[2]);
        assert!(e.forward(&Tensor::new(&[5u32], &d).unwrap()).is_err());
        assert!(Embedding::torch_default(&mut stream(0, "e"), 0, 3, &d).is_err());
        // N(0, 1) entries: the sample variance of a large table is near 1.
        let big = Embedding::torch_default(&mut stream(1, "e"), 1000, 50, &d).unwrap();
        let v: Vec<f32> = big
            .weight
            .as_tensor()
            .flatten_all()
            .unwrap()
            .to_vec1()
            .unwrap();
        let var = v.iter().map(|x| (*x as f64).powi(2)).sum::<f64>() / v.len() as f64;
        assert!((var - 1.0).abs() < 0.03, "{var}");
    }

    #[test]
    fn embedding_gradient_accumulates_per_row() {
        let d = Device::Cpu;
        let e = Embedding::torch_default(&mut stream(0, "e"), 4, 2, &d).unwrap();
        let ids = Tensor::new(&[1u32, 3, 1], &d).unwrap();
        let g = e
            .forward(&ids)
            .unwrap()
            .sum_all()
            .unwrap()
            .backward()
            .unwrap();
        let gw: Vec<Vec<f32>> = g.get(e.weight.as_tensor()).unwrap().to_vec2().unwrap();
        assert_eq!(
            gw,
            vec![
                vec![0.0, 0.0],
                vec![2.0, 2.0],
                vec![0.0, 0.0],
                vec![1.0, 1.0]
            ]
        );
    }

    #[test]
    fn flatten_matches_pytorch_defaults() {
        let x = Tensor::zeros((2, 3, 4, 5), DType::F32, &Device::Cpu).unwrap();
        assert_eq!(Flatten::default().forward(&x).unwrap().dims(), &[2, 60]);
        let f = Flatten {
            start_dim: 1,
            end_dim: Some(2),
        };
        assert_eq!(f.forward(&x).unwrap().dims(), &[2, 12, 5]);
        let bad = Flatten {
            start_dim: 3,
            end_dim: Some(4),
        };
        assert!(bad.forward(&x).is_err());
    }
}
