//! Compressed sparse row (CSR) matrices: inference with pruned fully connected layers
//! ([`CsrMatrix::affine_into`]), the size and FLOP accounting of dense and sparse layers, and the
//! constant operand of the differentiable sparse × dense product ([`super::SparseMatmul`]).
//!
//! No maintained sparse-matrix crate (`sprs`, `nalgebra-sparse`) is in the workspace's
//! registry, so the kernel is the kit's own: one thread, f32, `u32` column indices, a row-major
//! `x`; `benches/sparse.rs` times it against the dense [`crate::nn::Linear`] kernel.

use candle_core::{DType, Var};
use repro_kit::{KitError, Result};
use std::collections::BTreeMap;

/// Bytes of one f32 value or one u32 index.
const WORD: usize = 4;

/// A sparse matrix [rows, cols] in CSR form: the nonzeros of row r are
/// `values[indptr[r]..indptr[r + 1]]`, in columns `indices[…]` (ascending).
#[derive(Debug, Clone, PartialEq)]
pub struct CsrMatrix {
    rows: usize,
    cols: usize,
    indptr: Vec<u32>,
    indices: Vec<u32>,
    values: Vec<f32>,
}

impl CsrMatrix {
    /// The nonzeros (entries `!= 0.0`) of the row-major matrix `dense` [rows, cols], e.g. a
    /// pruned `nn::Linear` weight [out, in].
    ///
    /// Errors: `dense.len() != rows·cols`, or a dimension beyond `u32` indexing.
    pub fn from_dense(dense: &[f32], rows: usize, cols: usize) -> Result<Self> {
        if dense.len() != rows * cols {
            return Err(KitError::shape(
                "dense matrix",
                &[rows, cols],
                &[dense.len()],
            ));
        }
        if dense.len() > u32::MAX as usize {
            return Err(KitError::Invalid(format!(
                "CSR: {rows}×{cols} entries exceed u32 indexing"
            )));
        }
        let mut indptr = Vec::with_capacity(rows + 1);
        let (mut indices, mut values) = (Vec::new(), Vec::new());
        indptr.push(0u32);
        for row in dense.chunks_exact(cols.max(1)).take(rows) {
            for (c, v) in row.iter().enumerate() {
                if *v != 0.0 {
                    indices.push(c as u32);
                    values.push(*v);
                }
            }
            indptr.push(values.len() as u32);
        }
        indptr.resize(rows + 1, values.len() as u32);
        Ok(Self {
            rows,
            cols,
            indptr,
            indices,
            values,
        })
    }

    /// The current value of a 2-D F32 parameter (e.g. `Linear::weight` [out, in]) in CSR form.
    ///
    /// Errors: a parameter that is not 2-D.
    pub fn from_var(var: &Var) -> Result<Self> {
        let (rows, cols) = var.dims2()?;
        let dense = var
            .as_tensor()
            .to_dtype(DType::F32)?
            .flatten_all()?
            .to_vec1::<f32>()?;
        Self::from_dense(&dense, rows, cols)
    }

    /// Rows (outputs of a layer).
    pub fn rows(&self) -> usize {
        self.rows
    }

    /// Columns (inputs of a layer).
    pub fn cols(&self) -> usize {
        self.cols
    }

    /// Stored nonzeros.
    pub fn nnz(&self) -> usize {
        self.values.len()
    }

    /// Bytes of the CSR arrays: 4·nnz (f32 values) + 4·nnz (u32 columns) + 4·(rows + 1) (u32
    /// row pointers).
    pub fn bytes(&self) -> usize {
        WORD * (2 * self.nnz() + self.rows + 1)
    }

    /// The matrix back in dense row-major form.
    pub fn to_dense(&self) -> Vec<f32> {
        let mut d = vec![0.0; self.rows * self.cols];
        for r in 0..self.rows {
            for k in self.indptr[r] as usize..self.indptr[r + 1] as usize {
                d[r * self.cols + self.indices[k] as usize] = self.values[k];
            }
        }
        d
    }

    /// The matrix [rows, cols] with entries `(row_indices[k], col_indices[k]) = values[k]`
    /// (coordinate/COO form, any order); entries at the same position are summed, as SciPy's
    /// `sp.csr_matrix((values, (rows, cols)))` does, and explicit zeros are kept (e.g. the
    /// normalised adjacency of a graph, GC-MC's `preprocessing.py`).
    ///
    /// Errors: arrays of different lengths, an index outside `rows × cols`, a non-finite value,
    /// or more than `u32::MAX` rows, columns or entries.
    pub fn from_coo(
        rows: usize,
        cols: usize,
        row_indices: &[usize],
        col_indices: &[usize],
        values: &[f32],
    ) -> Result<Self> {
        let n = values.len();
        if row_indices.len() != n || col_indices.len() != n {
            return Err(KitError::Invalid(format!(
                "CSR from COO: {} row indices, {} column indices and {n} values must be of one length",
                row_indices.len(),
                col_indices.len()
            )));
        }
        if rows.max(cols).max(n) > u32::MAX as usize {
            return Err(KitError::Invalid(format!(
                "CSR: {rows}×{cols} with {n} entries exceeds u32 indexing"
            )));
        }
        let mut entries = BTreeMap::new();
        for k in 0..n {
            let (r, c, v) = (row_indices[k], col_indices[k], values[k]);
            if r >= rows || c >= cols {
                return Err(KitError::Invalid(format!(
                    "CSR from COO: entry {k} at ({r}, {c}) is outside the {rows}×{cols} matrix"
                )));
            }
            if !v.is_finite() {
                return Err(KitError::Invalid(format!(
                    "CSR from COO: entry {k} at ({r}, {c}) is {v}, not a finite value"
                )));
            }
            *entries.entry((r, c)).or_insert(0.0f32) += v;
        }
        let mut indptr = vec![0u32; rows + 1];
        let (mut indices, mut vals) = (Vec::with_capacity(entries.len()), Vec::new());
        for ((r, c), v) in entries {
            indptr[r + 1] += 1;
            indices.push(c as u32);
            vals.push(v);
        }
        for r in 0..rows {
            indptr[r + 1] += indptr[r];
        }
        Ok(Self {
            rows,
            cols,
            indptr,
            indices,
            values: vals,
        })
    }

    /// The transpose Aᵀ [cols, rows], columns again ascending within each row.
    pub fn transpose(&self) -> Self {
        let mut indptr = vec![0u32; self.cols + 1];
        for &c in &self.indices {
            indptr[c as usize + 1] += 1;
        }
        for c in 0..self.cols {
            indptr[c + 1] += indptr[c];
        }
        let mut next: Vec<u32> = indptr[..self.cols].to_vec();
        let mut indices = vec![0u32; self.nnz()];
        let mut values = vec![0.0f32; self.nnz()];
        for r in 0..self.rows {
            for k in self.indptr[r] as usize..self.indptr[r + 1] as usize {
                let c = self.indices[k] as usize;
                let dst = next[c] as usize;
                indices[dst] = r as u32;
                values[dst] = self.values[k];
                next[c] += 1;
            }
        }
        Self {
            rows: self.cols,
            cols: self.rows,
            indptr,
            indices,
            values,
        }
    }

    /// Row `r`'s stored entries: (column indices ascending, values). Errors: `r ≥ rows`.
    pub fn row(&self, r: usize) -> Result<(&[u32], &[f32])> {
        if r >= self.rows {
            return Err(KitError::Invalid(format!(
                "CSR row {r} of a matrix with {} rows",
                self.rows
            )));
        }
        let (a, b) = (self.indptr[r] as usize, self.indptr[r + 1] as usize);
        Ok((&self.indices[a..b], &self.values[a..b]))
    }

    /// `y = x·Aᵀ + bias` for `x` [n, cols] row-major → `y` [n, rows] row-major (a fully
    /// connected layer with weight A [out, in]); `bias` [rows] or none. Each output is its
    /// row's nonzeros multiplied and summed in column order, then the bias added.
    ///
    /// Errors: `x`, `bias` or `y` of the wrong length.
    pub fn affine_into(
        &self,
        x: &[f32],
        n: usize,
        bias: Option<&[f32]>,
        y: &mut [f32],
    ) -> Result<()> {
        if x.len() != n * self.cols {
            return Err(KitError::shape("CSR input", &[n, self.cols], &[x.len()]));
        }
        if y.len() != n * self.rows {
            return Err(KitError::shape("CSR output", &[n, self.rows], &[y.len()]));
        }
        if let Some(b) = bias {
            if b.len() != self.rows {
                return Err(KitError::shape("CSR bias", &[self.rows], &[b.len()]));
            }
        }
        if n == 1 {
            self.row_dots(x, bias, y);
        } else {
            self.column_sweeps(x, n, bias, y);
        }
        Ok(())
    }
}

/// Independent partial sums per output: the k-th nonzero of a row goes to lane k mod LANES,
/// which breaks the add-latency chain of one accumulator.
const LANES: usize = 8;

/// The lanes' total, in a fixed pairwise order.
#[inline(always)]
fn lane_sum(l: &[f32; LANES]) -> f32 {
    ((l[0] + l[1]) + (l[2] + l[3])) + ((l[4] + l[5]) + (l[6] + l[7]))
}

impl CsrMatrix {
    /// One example: each output is its row's nonzeros times `x` [cols], summed in
    /// [`LANES`] partial sums (nonzero k of the row into lane k mod 8), then the bias.
    fn row_dots(&self, x: &[f32], bias: Option<&[f32]>, y: &mut [f32]) {
        for (r, out) in y.iter_mut().enumerate() {
            let (a, b) = (self.indptr[r] as usize, self.indptr[r + 1] as usize);
            let (vals, cols) = (&self.values[a..b], &self.indices[a..b]);
            let mut lanes = [0.0f32; LANES];
            let (vc, cc) = (vals.chunks_exact(LANES), cols.chunks_exact(LANES));
            let (vr, cr) = (vc.remainder(), cc.remainder());
            for (v8, c8) in vc.zip(cc) {
                for j in 0..LANES {
                    lanes[j] += v8[j] * x[c8[j] as usize];
                }
            }
            for (j, (v, c)) in vr.iter().zip(cr).enumerate() {
                lanes[j] += v * x[*c as usize];
            }
            *out = lane_sum(&lanes) + bias.map_or(0.0, |b| b[r]);
        }
    }

    /// A batch: `x` transposed to [cols, n], then for each row r and its k-th nonzero (c, v)
    /// the contiguous sweep `lane[k mod 8][0..n] += v · xᵀ[c, 0..n]` (vectorised by the
    /// compiler): the same sums in the same order as [`Self::row_dots`], so both give
    /// bitwise-equal outputs.
    fn column_sweeps(&self, x: &[f32], n: usize, bias: Option<&[f32]>, y: &mut [f32]) {
        let mut xt = vec![0.0f32; self.cols * n];
        for (i, row) in x.chunks_exact(self.cols.max(1)).enumerate() {
            for (c, v) in row.iter().enumerate() {
                xt[c * n + i] = *v;
            }
        }
        let mut lanes = vec![0.0f32; LANES * n];
        for r in 0..self.rows {
            lanes.iter_mut().for_each(|a| *a = 0.0);
            let a = self.indptr[r] as usize;
            for k in a..self.indptr[r + 1] as usize {
                let (v, c) = (self.values[k], self.indices[k] as usize);
                let lane = &mut lanes[((k - a) % LANES) * n..][..n];
                for (acc, xv) in lane.iter_mut().zip(&xt[c * n..(c + 1) * n]) {
                    *acc += v * xv;
                }
            }
            let b = bias.map_or(0.0, |b| b[r]);
            for i in 0..n {
                let l: [f32; LANES] = std::array::from_fn(|j| lanes[j * n + i]);
                y[i * self.rows + r] = lane_sum(&l) + b;
            }
        }
    }
}

/// Bytes of `entries` dense f32 values.
pub fn dense_bytes(entries: usize) -> usize {
    WORD * entries
}

/// Multiply-add FLOPs (2 per multiply-add, bias additions not counted) of one example through
/// a fully connected layer with `nonzero_weights` nonzero weights: `rows·cols` for a dense
/// layer, `nnz` for a sparse kernel that skips the zeros.
pub fn linear_flops(nonzero_weights: usize) -> u64 {
    2 * nonzero_weights as u64
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn coo_sums_duplicates_and_transposes() {
        // [[0, 3], [1.5, 0], [0, 0]] with the 3 given as 1 + 2 at one position
        let m = CsrMatrix::from_coo(3, 2, &[0, 1, 0], &[1, 0, 1], &[1.0, 1.5, 2.0]).unwrap();
        assert_eq!(m.nnz(), 2);
        assert_eq!(m.to_dense(), vec![0.0, 3.0, 1.5, 0.0, 0.0, 0.0]);
        let t = m.transpose();
        assert_eq!((t.rows(), t.cols()), (2, 3));
        assert_eq!(t.to_dense(), vec![0.0, 1.5, 0.0, 3.0, 0.0, 0.0]);
        assert_eq!(t.transpose(), m);
        assert_eq!(m.row(2).unwrap().0.len(), 0);
        assert!(m.row(3).is_err());
        assert!(CsrMatrix::from_coo(3, 2, &[3], &[0], &[1.0]).is_err());
        assert!(CsrMatrix::from_coo(3, 2, &[0, 1], &[0], &[1.0]).is_err());
        assert!(CsrMatrix::from_coo(3, 2, &[0], &[0], &[f32::NAN]).is_err());
    }

    #[test]
    fn csr_round_trips_and_counts_bytes() {
        let d = [0.0, 2.0, 0.0, 1.0, 0.0, 0.0, 0.0, -3.0, 4.0];
        let m = CsrMatrix::from_dense(&d, 3, 3).unwrap();
        assert_eq!(m.nnz(), 4);
        assert_eq!(m.to_dense(), d.to_vec());
        assert_eq!(m.bytes(), 4 * (2 * 4 + 4));
        assert_eq!(dense_bytes(9), 36);
        assert_eq!(linear_flops(9), 18);
        assert!(CsrMatrix::from_dense(&d, 2, 3).is_err());
    }

    #[test]
    fn affine_matches_the_hand_computed_product() {
        // A = [[0, 2, 0], [1, 0, 0]], x = [[1, 2, 3], [-1, 0, 5]], b = [0.5, -1]
        let m = CsrMatrix::from_dense(&[0.0, 2.0, 0.0, 1.0, 0.0, 0.0], 2, 3).unwrap();
        let mut y = vec![0.0; 4];
        m.affine_into(
            &[1.0, 2.0, 3.0, -1.0, 0.0, 5.0],
            2,
            Some(&[0.5, -1.0]),
            &mut y,
        )
        .unwrap();
        assert_eq!(y, vec![4.5, 0.0, 0.5, -2.0]);
        assert!(m.affine_into(&[1.0; 5], 2, None, &mut y).is_err());
        // one example at a time (row dots) gives the batch's (column sweeps) bits
        let mut y0 = vec![0.0; 2];
        m.affine_into(&[-1.0, 0.0, 5.0], 1, Some(&[0.5, -1.0]), &mut y0)
            .unwrap();
        assert_eq!(y0, y[2..].to_vec());
        assert!(m.affine_into(&[1.0; 6], 2, Some(&[1.0]), &mut y).is_err());
    }

    #[test]
    fn one_example_and_a_batch_give_the_same_bits_and_the_product() {
        // 30 × 50 with every other entry zero: 25 nonzeros per row, more than the 8 lanes
        let dense: Vec<f32> = (0..1500)
            .map(|i| {
                if i % 2 == 0 {
                    ((i as f32) * 0.37).sin()
                } else {
                    0.0
                }
            })
            .collect();
        let m = CsrMatrix::from_dense(&dense, 30, 50).unwrap();
        let x: Vec<f32> = (0..150).map(|i| ((i as f32) * 0.11).cos()).collect();
        let bias: Vec<f32> = (0..30).map(|i| i as f32 * 0.01).collect();
        let mut batch = vec![0.0; 90];
        m.affine_into(&x, 3, Some(&bias), &mut batch).unwrap();
        for i in 0..3 {
            let mut one = vec![0.0; 30];
            m.affine_into(&x[i * 50..(i + 1) * 50], 1, Some(&bias), &mut one)
                .unwrap();
            assert_eq!(one, batch[i * 30..(i + 1) * 30].to_vec());
            for r in 0..30 {
                let exact: f64 = (0..50)
                    .map(|c| f64::from(dense[r * 50 + c]) * f64::from(x[i * 50 + c]))
                    .sum::<f64>()
                    + f64::from(bias[r]);
                assert!(
                    (f64::from(one[r]) - exact).abs() < 1e-5,
                    "{} vs {exact}",
                    one[r]
                );
            }
        }
    }
}
