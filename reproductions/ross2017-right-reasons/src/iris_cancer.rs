//! Iris-Cancer, built as `rrr/iris_cancer.py` (dtak/rrr at d83a16e) builds it: Iris rows of
//! classes 1 and 2 (versicolor, virginica; 50 each, 4 features) placed beside the first 50
//! malignant and the first 50 benign Wisconsin breast-cancer rows (30 features), label 0 for the
//! first 50 rows and 1 for the last 50, so the Iris block is a spurious, "somewhat-separable"
//! confound. A random 67/33 train/test split (`train_test_split(test_size=0.33)`, no stratifying);
//! the test rows are evaluated twice, with the Iris features intact (`Xtr`) and zeroed (`Xt`).

use repro_kit::data::tabular::Table;
use repro_kit::rng::{self, Rng};
use repro_kit::{KitError, ResolvedDataset, Result};

/// The declared Iris file (scikit-learn's `iris.csv`).
pub const IRIS_FILE: &str = "sklearn-datasets/iris.csv";
/// The declared breast-cancer file (scikit-learn's `breast_cancer.csv`).
pub const CANCER_FILE: &str = "sklearn-datasets/breast_cancer.csv";
/// Iris features (the spurious block, columns 0–3).
pub const IRIS_FEATURES: usize = 4;
/// Rows taken per class from each source.
const PER_CLASS: usize = 50;
/// `test_size` of the split.
pub const TEST_FRACTION: f64 = 0.33;

/// One split of Iris-Cancer, features row-major.
#[derive(Debug, Clone)]
pub struct IrisCancer {
    /// Features per row (4 Iris + the cancer file's 30 = 34).
    pub features: usize,
    /// Training rows [67, features] (`X`).
    pub x_train: Vec<f32>,
    /// Training labels [67] (`y`).
    pub y_train: Vec<u32>,
    /// Test rows, Iris block intact [33, features] (`Xtr`).
    pub x_test: Vec<f32>,
    /// Test rows with the Iris block zeroed (`Xt`).
    pub x_test_iris_zeroed: Vec<f32>,
    /// Test labels [33] (`yt`).
    pub y_test: Vec<u32>,
}

/// The features of the first `n` rows of `table` whose label is `class`
/// (`data[np.argwhere(target == class)][:n]`). Errors: fewer than `n` such rows.
fn rows_of_class(table: &Table, class: u32, n: usize) -> Result<Vec<&[f32]>> {
    let rows: Vec<&[f32]> = (0..table.rows())
        .filter(|&i| table.labels[i] == class)
        .take(n)
        .map(|i| table.row(i))
        .collect();
    if rows.len() < n {
        return Err(KitError::Data {
            path: table.path.clone(),
            message: format!(
                "Iris-Cancer needs {n} rows of class {class}, the file has {}",
                rows.len()
            ),
        });
    }
    Ok(rows)
}

/// The 100 joined rows [100, 4 + cancer features] and their labels (`full_X`, `full_y`).
/// Errors: a file with too few rows of a class, or an Iris file without 4 features.
pub fn joined(iris: &Table, cancer: &Table) -> Result<(Vec<f32>, Vec<u32>, usize)> {
    if iris.columns != IRIS_FEATURES {
        return Err(KitError::Data {
            path: iris.path.clone(),
            message: format!(
                "Iris has {IRIS_FEATURES} features, the file {}",
                iris.columns
            ),
        });
    }
    let iris_rows = [
        rows_of_class(iris, 1, PER_CLASS)?,
        rows_of_class(iris, 2, PER_CLASS)?,
    ]
    .concat();
    let cancer_rows = [
        rows_of_class(cancer, 0, PER_CLASS)?,
        rows_of_class(cancer, 1, PER_CLASS)?,
    ]
    .concat();
    let features = IRIS_FEATURES + cancer.columns;
    let mut x = Vec::with_capacity(2 * PER_CLASS * features);
    for (a, b) in iris_rows.iter().zip(&cancer_rows) {
        x.extend_from_slice(a);
        x.extend_from_slice(b);
    }
    let y = (0..2 * PER_CLASS)
        .map(|i| u32::from(i >= PER_CLASS))
        .collect();
    Ok((x, y, features))
}

/// scikit-learn's `train_test_split(X, y, test_size)` without a `random_state`: a random
/// permutation, its first `ceil(test_size·n)` rows to test and the rest to training (the
/// permutation comes from `rng`, not numpy's global state).
pub fn split(x: &[f32], y: &[u32], features: usize, rng: &mut Rng) -> IrisCancer {
    let n = y.len();
    let n_test = (TEST_FRACTION * n as f64).ceil() as usize;
    let perm = rng::permutation(rng, n);
    let (test, train) = perm.split_at(n_test);
    let take = |rows: &[usize]| -> (Vec<f32>, Vec<u32>) {
        let mut xs = Vec::with_capacity(rows.len() * features);
        for &r in rows {
            xs.extend_from_slice(&x[r * features..(r + 1) * features]);
        }
        (xs, rows.iter().map(|&r| y[r]).collect())
    };
    let (x_train, y_train) = take(train);
    let (x_test, y_test) = take(test);
    let mut x_test_iris_zeroed = x_test.clone();
    for row in x_test_iris_zeroed.chunks_mut(features) {
        row[..IRIS_FEATURES].fill(0.0);
    }
    IrisCancer {
        features,
        x_train,
        y_train,
        x_test,
        x_test_iris_zeroed,
        y_test,
    }
}

/// Loads both declared files, joins them and splits them with the run's `"split"` stream
/// (`iris_cancer.generate_dataset()`). Errors: a file not declared, unreadable or malformed.
pub fn load(dataset: &ResolvedDataset, seed: u64) -> Result<IrisCancer> {
    let iris = Table::load_sklearn(dataset.file(IRIS_FILE)?)?;
    let cancer = Table::load_sklearn(dataset.file(CANCER_FILE)?)?;
    let (x, y, features) = joined(&iris, &cancer)?;
    Ok(split(&x, &y, features, &mut rng::stream(seed, "split")))
}

/// The feature mask of the Iris block, 1.0 on columns 0–3 (`A[:, :4] = True`), for `features`.
pub fn iris_mask(features: usize) -> Vec<f32> {
    (0..features)
        .map(|j| if j < IRIS_FEATURES { 1.0 } else { 0.0 })
        .collect()
}

/// `iris_usage(model, X)`: of all entries of the mask `|g| > 0.67·max|g|` [n, features],
/// pooled over rows, the fraction in the Iris block (`mask[:, :4].sum() / mask.sum()`); NaN
/// for an empty mask.
pub fn iris_mask_fraction(mask: &[f32], features: usize) -> f64 {
    let (mut iris, mut all) = (0.0, 0.0);
    for row in mask.chunks(features) {
        iris += row[..IRIS_FEATURES]
            .iter()
            .map(|&m| f64::from(m))
            .sum::<f64>();
        all += row.iter().map(|&m| f64::from(m)).sum::<f64>();
    }
    iris / all
}

#[cfg(test)]
mod tests {
    use super::*;
    use repro_kit::data::tabular::CsvOptions;
    use repro_kit::rng::stream;
    use std::path::Path;

    /// A scikit-learn-layout table of `rows` (features…, label).
    fn table(rows: &[(Vec<f32>, u32)], classes: usize) -> Table {
        let f = rows[0].0.len();
        let names: Vec<String> = (0..classes).map(|c| format!("c{c}")).collect();
        let mut text = format!("{},{f},{}\n", rows.len(), names.join(","));
        for (x, y) in rows {
            let xs: Vec<String> = x.iter().map(|v| v.to_string()).collect();
            text.push_str(&format!("{},{y}\n", xs.join(",")));
        }
        Table::read(
            text.as_bytes(),
            Path::new("mem.csv"),
            &CsvOptions::sklearn(),
        )
        .unwrap()
    }

    /// Iris: 60 rows per class 0..3, feature j of row i = 100·class + i; cancer: 70 rows per
    /// class, 2 features, value = 1000·class + i (classes interleaved).
    fn sources() -> (Table, Table) {
        let iris: Vec<(Vec<f32>, u32)> = (0..3u32)
            .flat_map(|c| (0..60).map(move |i| (vec![(100 * c + i) as f32; 4], c)))
            .collect();
        let cancer: Vec<(Vec<f32>, u32)> = (0..140u32)
            .map(|i| (vec![(1000 * (i % 2) + i / 2) as f32; 2], i % 2))
            .collect();
        (table(&iris, 3), table(&cancer, 2))
    }

    #[test]
    fn joined_takes_iris_classes_1_and_2_beside_the_first_50_rows_of_each_cancer_class() {
        let (iris, cancer) = sources();
        let (x, y, f) = joined(&iris, &cancer).unwrap();
        assert_eq!(f, 6);
        assert_eq!(x.len(), 100 * 6);
        assert_eq!(y[..50], [0; 50]);
        assert_eq!(y[50..], [1; 50]);
        // Row 0: Iris class 1's first row (100), cancer class 0's first row (0).
        assert_eq!(&x[..6], &[100.0, 100.0, 100.0, 100.0, 0.0, 0.0]);
        // Row 49: Iris class 1's 50th row, cancer class 0's 50th row.
        assert_eq!(
            &x[49 * 6..50 * 6],
            &[149.0, 149.0, 149.0, 149.0, 49.0, 49.0]
        );
        // Row 50: Iris class 2's first row, cancer class 1's first row.
        assert_eq!(
            &x[50 * 6..51 * 6],
            &[200.0, 200.0, 200.0, 200.0, 1000.0, 1000.0]
        );
    }

    #[test]
    fn split_holds_out_33_rows_and_zeroes_only_their_iris_block() {
        let (iris, cancer) = sources();
        let (x, y, f) = joined(&iris, &cancer).unwrap();
        let d = split(&x, &y, f, &mut stream(5, "split"));
        assert_eq!(d.y_test.len(), 33);
        assert_eq!(d.y_train.len(), 67);
        assert_eq!(d.x_train.len(), 67 * f);
        for (row, zeroed) in d.x_test.chunks(f).zip(d.x_test_iris_zeroed.chunks(f)) {
            assert!(row[..4].iter().all(|&v| v > 0.0));
            assert_eq!(&zeroed[..4], &[0.0; 4]);
            assert_eq!(&zeroed[4..], &row[4..]);
        }
        // Every joined row lands in exactly one part, with its label.
        let mut seen: Vec<f32> = d
            .x_train
            .chunks(f)
            .chain(d.x_test.chunks(f))
            .map(|r| r[0])
            .collect();
        seen.sort_by(f32::total_cmp);
        let mut all: Vec<f32> = x.chunks(f).map(|r| r[0]).collect();
        all.sort_by(f32::total_cmp);
        assert_eq!(seen, all);
        for (row, &label) in d.x_train.chunks(f).zip(&d.y_train) {
            assert_eq!(label, u32::from(row[0] >= 200.0));
        }
        let other = split(&x, &y, f, &mut stream(6, "split"));
        assert_ne!(other.y_test, d.y_test);
    }

    #[test]
    fn too_few_rows_and_wrong_iris_width_are_errors() {
        let (iris, _) = sources();
        let small: Vec<(Vec<f32>, u32)> = (0..20u32).map(|i| (vec![i as f32; 2], i % 2)).collect();
        assert!(joined(&iris, &table(&small, 2)).is_err());
        let wide: Vec<(Vec<f32>, u32)> = (0..180u32).map(|i| (vec![1.0; 5], i % 3)).collect();
        let (_, cancer) = sources();
        assert!(joined(&table(&wide, 3), &cancer).is_err());
    }

    #[test]
    fn iris_usage_pools_mask_entries_over_rows() {
        // Row 0: 2 Iris entries of 4; row 1: 0 of 2 → pooled 2 / 6.
        let mask = [1.0, 1.0, 0.0, 0.0, 1.0, 1.0, 0.0, 0.0, 0.0, 0.0, 1.0, 1.0];
        assert!((iris_mask_fraction(&mask, 6) - 2.0 / 6.0).abs() < 1e-12);
    }
}
