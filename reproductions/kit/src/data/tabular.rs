//! Tabular classification data: a CSV loader (numeric features, one label column), seeded
//! plain and stratified train/validation/test splits, and a standardiser fitted on training rows
//! only.
//!
//! The usual pipeline of a small tabular paper (e.g. multinomial logistic regression on Iris):
//!
//! ```no_run
//! # use repro_kit::data::tabular::*;
//! # fn f(path: &std::path::Path, seed: u64) -> repro_kit::Result<()> {
//! let table = Table::load(path, &CsvOptions::sklearn())?; // scikit-learn's bundled CSV layout
//! let mut rng = repro_kit::rng::stream(seed, "split");
//! let split = stratified_split(&table.labels, Fractions::new(0.0, 0.2)?, &mut rng)?;
//! let scaler = Standardizer::fit(&table, &split.train)?;
//! let x_train = scaler.transform(&table, &split.train); // row-major [rows, columns], f32
//! # Ok(()) }
//! ```
//!
//! Every error names the file, and for a bad value the 1-based line and column and what was
//! found there.

use crate::rng::{permutation, Rng};
use crate::{KitError, Result};
use candle_core::{Device, Tensor};
use std::collections::BTreeSet;
use std::io::{BufRead, BufReader};
use std::path::{Path, PathBuf};

/// Which column holds the class label.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum LabelColumn {
    /// The column with this header name (needs [`CsvOptions::header`]).
    Name(String),
    /// The column at this 0-based index.
    Index(usize),
    /// The last column.
    Last,
}

/// How to read a CSV file.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct CsvOptions {
    /// Lines to skip before the CSV starts (before the header, if any).
    pub skip_lines: usize,
    /// Whether the first (non-skipped) line is a header of column names. Without one the
    /// feature columns are named `x0`, `x1`, … by their index among all columns.
    pub header: bool,
    /// Field delimiter (`b','`, `b';'`, `b'\t'`).
    pub delimiter: u8,
    /// The label column; every other column is a numeric feature.
    pub label: LabelColumn,
}

impl CsvOptions {
    /// A comma-separated file with a header line and the label in column `name`.
    pub fn with_header(name: &str) -> Self {
        Self {
            skip_lines: 0,
            header: true,
            delimiter: b',',
            label: LabelColumn::Name(name.to_string()),
        }
    }

    /// The layout of the CSV files scikit-learn bundles (`sklearn/datasets/data/iris.csv`,
    /// `breast_cancer.csv`): a first line `<rows>,<features>,<class name>…` (skipped here; see
    /// [`Table::load_sklearn`], which checks it and keeps the class names), no header, the
    /// integer class in the last column.
    pub fn sklearn() -> Self {
        Self {
            skip_lines: 1,
            header: false,
            delimiter: b',',
            label: LabelColumn::Last,
        }
    }
}

/// A loaded table: numeric features and class labels.
#[derive(Debug, Clone, PartialEq)]
pub struct Table {
    /// The file it was read from (for error messages).
    pub path: PathBuf,
    /// Features, row-major [rows, columns], f32 as parsed.
    pub features: Vec<f32>,
    /// Feature columns per row.
    pub columns: usize,
    /// Name of each feature column (the header's, else `x<index>`).
    pub feature_names: Vec<String>,
    /// Class index of each row [rows], into [`Table::classes`].
    pub labels: Vec<u32>,
    /// Class names, index = class index: the distinct label strings, in numeric order when
    /// every label is an integer, else in lexicographic (byte) order, so the mapping does not
    /// depend on row order.
    pub classes: Vec<String>,
}

impl Table {
    /// Reads `path` with `options`. Errors ([`KitError::Io`], [`KitError::Data`] naming the
    /// file, the 1-based line and column): unreadable file, rows of unequal length, an unknown
    /// label column, an empty or non-finite or non-numeric feature value, an empty label, no
    /// rows, or a single class.
    pub fn load(path: &Path, options: &CsvOptions) -> Result<Self> {
        let file = std::fs::File::open(path).map_err(|source| KitError::Io {
            path: path.to_path_buf(),
            source,
        })?;
        Self::read(BufReader::new(file), path, options)
    }

    /// Reads a scikit-learn bundled CSV ([`CsvOptions::sklearn`]) and checks its first line
    /// `<rows>,<features>,<class name>…` against the data; the class names of that line replace
    /// the integer labels in [`Table::classes`]. Errors as [`Table::load`], and when the first
    /// line disagrees with the rows, the columns or the labels (which must be `0..classes`).
    pub fn load_sklearn(path: &Path) -> Result<Self> {
        let text = std::fs::read_to_string(path).map_err(|source| KitError::Io {
            path: path.to_path_buf(),
            source,
        })?;
        let first = text.lines().next().unwrap_or("");
        let fields: Vec<&str> = first.split(',').map(str::trim).collect();
        let bad = |m: String| {
            data(
                path,
                format!("line 1 (scikit-learn's `rows,features,class names…`): {m}"),
            )
        };
        let count = |i: usize| -> Result<usize> {
            let f = fields.get(i).copied().unwrap_or("");
            f.parse()
                .map_err(|_| bad(format!("field {} is `{f}`, not a count", i + 1)))
        };
        let (rows, columns) = (count(0)?, count(1)?);
        let names: Vec<String> = fields[2..].iter().map(|s| s.to_string()).collect();
        let mut t = Self::read(text.as_bytes(), path, &CsvOptions::sklearn())?;
        if t.rows() != rows || t.columns != columns {
            return Err(bad(format!(
                "declares {rows} rows × {columns} features, the file has {} × {}",
                t.rows(),
                t.columns
            )));
        }
        let mut classes = Vec::with_capacity(t.classes.len());
        for c in &t.classes {
            match c.parse::<usize>().ok().and_then(|i| names.get(i)) {
                Some(n) => classes.push(n.clone()),
                None => {
                    return Err(bad(format!(
                        "label `{c}` is not an index into the {} class names",
                        names.len()
                    )))
                }
            }
        }
        // the integer labels were ordered numerically, so index i is class name i when every
        // class occurs; a class without rows shifts them, which the check below refuses
        if classes != names[..classes.len()] || classes.len() != names.len() {
            return Err(bad(format!(
                "the labels present ({}) are not exactly 0..{}",
                t.classes.join(", "),
                names.len()
            )));
        }
        t.classes = classes;
        Ok(t)
    }

    /// Reads CSV text from `input`; `path` only names it in errors. See [`Table::load`].
    pub fn read(mut input: impl BufRead, path: &Path, options: &CsvOptions) -> Result<Self> {
        let mut skipped = String::new();
        for _ in 0..options.skip_lines {
            skipped.clear();
            input
                .read_line(&mut skipped)
                .map_err(|source| KitError::Io {
                    path: path.to_path_buf(),
                    source,
                })?;
        }
        let mut reader = csv::ReaderBuilder::new()
            .has_headers(options.header)
            .delimiter(options.delimiter)
            .trim(csv::Trim::All)
            .from_reader(input);
        let line_of =
            |pos: Option<&csv::Position>| pos.map_or(0, |p| p.line() as usize + options.skip_lines);
        let csv_error = |e: csv::Error| {
            data(
                path,
                format!("line {}: {}", line_of(e.position()), csv_message(&e)),
            )
        };
        let header: Option<Vec<String>> = if options.header {
            Some(
                reader
                    .headers()
                    .map_err(csv_error)?
                    .iter()
                    .map(str::to_string)
                    .collect(),
            )
        } else {
            None
        };
        let mut rows: Vec<(usize, csv::StringRecord)> = Vec::new();
        for record in reader.records() {
            let record = record.map_err(csv_error)?;
            rows.push((line_of(record.position()), record));
        }
        let width = header
            .as_ref()
            .map(Vec::len)
            .or_else(|| rows.first().map(|r| r.1.len()))
            .ok_or_else(|| data(path, "no data rows".into()))?;
        let label = label_index(&options.label, header.as_deref(), width, path)?;
        let feature_names: Vec<String> = (0..width)
            .filter(|&j| j != label)
            .map(|j| header.as_ref().map_or(format!("x{j}"), |h| h[j].clone()))
            .collect();
        let mut features = Vec::with_capacity(rows.len() * (width - 1));
        let mut raw_labels = Vec::with_capacity(rows.len());
        for (line, record) in &rows {
            for (j, field) in record.iter().enumerate() {
                let at = || format!("line {line}, column {}", j + 1);
                if j == label {
                    if field.is_empty() {
                        return Err(data(path, format!("{}: empty label", at())));
                    }
                    raw_labels.push(field.to_string());
                    continue;
                }
                match field.parse::<f32>() {
                    Ok(v) if v.is_finite() => features.push(v),
                    _ => {
                        return Err(data(
                            path,
                            format!(
                                "{} (`{}`): `{field}` is not a finite number (features must be \
                                 numeric; encode categories and impute missing values first)",
                                at(),
                                feature_names[if j < label { j } else { j - 1 }]
                            ),
                        ))
                    }
                }
            }
        }
        if rows.is_empty() {
            return Err(data(path, "no data rows".into()));
        }
        let (labels, classes) = class_indices(&raw_labels);
        if classes.len() < 2 {
            return Err(data(
                path,
                format!("the label column holds one class only ({:?})", classes),
            ));
        }
        Ok(Self {
            path: path.to_path_buf(),
            features,
            columns: width - 1,
            feature_names,
            labels,
            classes,
        })
    }

    /// Number of rows.
    pub fn rows(&self) -> usize {
        self.labels.len()
    }

    /// The features of row `i` [columns]. Panics if `i >= rows()`.
    pub fn row(&self, i: usize) -> &[f32] {
        &self.features[i * self.columns..(i + 1) * self.columns]
    }

    /// Rows per class [classes].
    pub fn class_counts(&self) -> Vec<usize> {
        let mut n = vec![0; self.classes.len()];
        for &l in &self.labels {
            n[l as usize] += 1;
        }
        n
    }

    /// The labels of `rows` as a U32 tensor [rows.len()] on `device` (for
    /// `candle_nn::loss::cross_entropy`). Errors: an index out of range names the file.
    pub fn label_tensor(&self, rows: &[usize], device: &Device) -> Result<Tensor> {
        let mut v = Vec::with_capacity(rows.len());
        for &i in rows {
            v.push(*self.labels.get(i).ok_or_else(|| self.out_of_range(i))?);
        }
        Ok(Tensor::from_vec(v, rows.len(), device)?)
    }

    fn out_of_range(&self, i: usize) -> KitError {
        data(
            &self.path,
            format!("row index {i} out of range ({} rows)", self.rows()),
        )
    }
}

fn data(path: &Path, message: String) -> KitError {
    KitError::Data {
        path: path.to_path_buf(),
        message,
    }
}

/// The csv crate's error without its own position (we print the line with the skipped lines
/// counted).
fn csv_message(e: &csv::Error) -> String {
    match e.kind() {
        csv::ErrorKind::UnequalLengths {
            expected_len, len, ..
        } => format!("{len} fields, but the first row has {expected_len}"),
        csv::ErrorKind::Utf8 { err, .. } => format!("field {} is not UTF-8", err.field() + 1),
        _ => e.to_string(),
    }
}

fn label_index(
    label: &LabelColumn,
    header: Option<&[String]>,
    width: usize,
    path: &Path,
) -> Result<usize> {
    if width < 2 {
        return Err(data(
            path,
            format!("{width} column(s): need at least one feature and the label"),
        ));
    }
    match label {
        LabelColumn::Last => Ok(width - 1),
        LabelColumn::Index(i) if *i < width => Ok(*i),
        LabelColumn::Index(i) => Err(data(
            path,
            format!("label column index {i} is out of range: the file has {width} columns"),
        )),
        LabelColumn::Name(n) => header
            .ok_or_else(|| data(path, format!("label column `{n}` given by name, but the options say the file has no header")))?
            .iter()
            .position(|h| h == n)
            .ok_or_else(|| {
                data(
                    path,
                    format!("no column named `{n}` in the header ({})", header.unwrap_or_default().join(", ")),
                )
            }),
    }
}

/// Class index per label string, and the class names (see [`Table::classes`] for the order).
fn class_indices(raw: &[String]) -> (Vec<u32>, Vec<String>) {
    let distinct: BTreeSet<&str> = raw.iter().map(String::as_str).collect();
    let mut classes: Vec<String> = distinct.into_iter().map(str::to_string).collect();
    if classes.iter().all(|c| c.parse::<i64>().is_ok()) {
        classes.sort_by_key(|c| c.parse::<i64>().unwrap_or(0));
    }
    let labels = raw
        .iter()
        .map(|l| classes.iter().position(|c| c == l).unwrap_or(0) as u32)
        .collect();
    (labels, classes)
}

/// The fractions of rows held out for validation and for testing; training gets the rest.
#[derive(Debug, Clone, Copy, PartialEq)]
pub struct Fractions {
    /// Fraction of rows for validation, in [0, 1).
    pub validation: f64,
    /// Fraction of rows for testing, in [0, 1).
    pub test: f64,
}

impl Fractions {
    /// Checks both fractions are finite, in [0, 1), and leave a training part
    /// (`validation + test < 1`); the error names the field.
    pub fn new(validation: f64, test: f64) -> Result<Self> {
        for (name, v) in [("validation", validation), ("test", test)] {
            if !(v.is_finite() && (0.0..1.0).contains(&v)) {
                return Err(KitError::Invalid(format!(
                    "{name} fraction must be in [0, 1), got {v}"
                )));
            }
        }
        if validation + test >= 1.0 {
            return Err(KitError::Invalid(format!(
                "validation + test fractions must be < 1 (training gets the rest), got {validation} + {test}"
            )));
        }
        Ok(Self { validation, test })
    }
}

/// Row indices of a train/validation/test split. Each part is in a random order drawn from the
/// split's RNG (so batches taken in order are not sorted by class or by file order).
#[derive(Debug, Clone, PartialEq, Eq, Default)]
pub struct Split {
    /// Training rows.
    pub train: Vec<usize>,
    /// Validation rows (empty for a validation fraction of 0).
    pub validation: Vec<usize>,
    /// Test rows.
    pub test: Vec<usize>,
}

/// How many of `n` rows go to test and validation: each `round(n · fraction)`, capped so that
/// at least one row stays for training.
fn held_out(n: usize, f: Fractions) -> (usize, usize) {
    let test = ((n as f64) * f.test).round() as usize;
    let validation = ((n as f64) * f.validation).round() as usize;
    let test = test.min(n.saturating_sub(1));
    let validation = validation.min(n.saturating_sub(1 + test));
    (test, validation)
}

/// A plain split of `rows` rows: a permutation drawn from `rng` (use the run's
/// `repro_kit::rng::stream(seed, "split")`), the first `round(rows · test)` rows to test, the
/// next `round(rows · validation)` to validation, the rest to training. Errors: no rows.
pub fn split(rows: usize, fractions: Fractions, rng: &mut Rng) -> Result<Split> {
    if rows == 0 {
        return Err(KitError::Invalid("cannot split 0 rows".into()));
    }
    let order = permutation(rng, rows);
    let (test, validation) = held_out(rows, fractions);
    Ok(Split {
        test: order[..test].to_vec(),
        validation: order[test..test + validation].to_vec(),
        train: order[test + validation..].to_vec(),
    })
}

/// A stratified split: within each class (labels [rows], class indices), a permutation drawn
/// from `rng` sends `round(n_c · test)` rows to test and `round(n_c · validation)` to
/// validation, the rest (at least one row) to training, so every part keeps the class
/// proportions up to rounding (±1 row per class). Classes are taken in index order, then each
/// part is shuffled. Errors: no labels.
pub fn stratified_split(labels: &[u32], fractions: Fractions, rng: &mut Rng) -> Result<Split> {
    if labels.is_empty() {
        return Err(KitError::Invalid("cannot split 0 rows".into()));
    }
    let classes = labels.iter().max().map_or(0, |m| *m as usize + 1);
    let mut s = Split::default();
    for c in 0..classes {
        let members: Vec<usize> = (0..labels.len())
            .filter(|&i| labels[i] as usize == c)
            .collect();
        if members.is_empty() {
            continue;
        }
        let order = permutation(rng, members.len());
        let (test, validation) = held_out(members.len(), fractions);
        let pick = |r: std::ops::Range<usize>| order[r].iter().map(|&k| members[k]);
        s.test.extend(pick(0..test));
        s.validation.extend(pick(test..test + validation));
        s.train.extend(pick(test + validation..members.len()));
    }
    for part in [&mut s.train, &mut s.validation, &mut s.test] {
        let order = permutation(rng, part.len());
        *part = order.iter().map(|&k| part[k]).collect();
    }
    Ok(s)
}

/// Per-column standardisation `x' = (x − mean) / std` with the mean and the population standard
/// deviation (ddof 0, numpy's `np.std` and scikit-learn's `StandardScaler`) of the **training
/// rows only**. A zero-variance column (constant over the training rows) gets std 1, as
/// scikit-learn does: it is only centred, becoming 0 on the training rows, instead of dividing
/// by zero.
#[derive(Debug, Clone, PartialEq)]
pub struct Standardizer {
    /// Training mean of each column [columns].
    pub mean: Vec<f64>,
    /// Training population std of each column [columns] (a zero std is stored as 1).
    pub std: Vec<f64>,
}

impl Standardizer {
    /// Fits on `train` rows of `table`. Errors: no training rows, or an index out of range.
    pub fn fit(table: &Table, train: &[usize]) -> Result<Self> {
        if train.is_empty() {
            return Err(KitError::Invalid(
                "cannot fit a standardiser on 0 training rows".into(),
            ));
        }
        if let Some(&i) = train.iter().find(|&&i| i >= table.rows()) {
            return Err(table.out_of_range(i));
        }
        let n = train.len() as f64;
        let d = table.columns;
        let mut mean = vec![0.0f64; d];
        for &i in train {
            for (m, v) in mean.iter_mut().zip(table.row(i)) {
                *m += f64::from(*v);
            }
        }
        mean.iter_mut().for_each(|m| *m /= n);
        let mut var = vec![0.0f64; d];
        for &i in train {
            for ((s, v), m) in var.iter_mut().zip(table.row(i)).zip(&mean) {
                *s += (f64::from(*v) - m).powi(2);
            }
        }
        let std = var
            .iter()
            .map(|s| (s / n).sqrt())
            .map(|s| if s == 0.0 { 1.0 } else { s })
            .collect();
        Ok(Self { mean, std })
    }

    /// The standardised features of `rows`, row-major [rows.len(), columns], f32. Panics on a
    /// row index out of range (use [`Standardizer::tensor`] for a checked version).
    pub fn transform(&self, table: &Table, rows: &[usize]) -> Vec<f32> {
        rows.iter()
            .flat_map(|&i| table.row(i).iter().zip(&self.mean).zip(&self.std))
            .map(|((v, m), s)| ((f64::from(*v) - m) / s) as f32)
            .collect()
    }

    /// [`Standardizer::transform`] as an F32 tensor [rows.len(), columns] on `device`.
    /// Errors: a row index out of range names the file.
    pub fn tensor(&self, table: &Table, rows: &[usize], device: &Device) -> Result<Tensor> {
        if let Some(&i) = rows.iter().find(|&&i| i >= table.rows()) {
            return Err(table.out_of_range(i));
        }
        let v = self.transform(table, rows);
        Ok(Tensor::from_vec(v, (rows.len(), table.columns), device)?)
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::rng::stream;

    fn p() -> &'static Path {
        Path::new("t.csv")
    }

    fn table(text: &str, o: &CsvOptions) -> Result<Table> {
        Table::read(text.as_bytes(), p(), o)
    }

    /// `per_class` rows of each of the classes, label = row's class, 2 features.
    fn labelled(per_class: &[usize]) -> Table {
        let mut text = String::from("a,b,species\n");
        for (c, n) in per_class.iter().enumerate() {
            for i in 0..*n {
                text.push_str(&format!("{i},{},c{c}\n", c * 10));
            }
        }
        table(&text, &CsvOptions::with_header("species")).unwrap()
    }

    #[test]
    fn reads_header_label_by_name_and_keeps_class_names() {
        let t = table(
            "x, kind ,y\n1.5,b,2\n-3,a,4e1\n0,b,0\n",
            &CsvOptions::with_header("kind"),
        )
        .unwrap();
        assert_eq!(t.columns, 2);
        assert_eq!(t.feature_names, vec!["x", "y"]);
        assert_eq!(t.features, vec![1.5, 2.0, -3.0, 40.0, 0.0, 0.0]);
        assert_eq!(t.classes, vec!["a", "b"]);
        assert_eq!(t.labels, vec![1, 0, 1]);
        assert_eq!(t.class_counts(), vec![1, 2]);
    }

    #[test]
    fn integer_labels_are_ordered_numerically_and_index_columns_work() {
        let o = CsvOptions {
            skip_lines: 0,
            header: false,
            delimiter: b';',
            label: LabelColumn::Index(0),
        };
        let t = table("10;1\n2;2\n10;3\n", &o).unwrap();
        assert_eq!(t.classes, vec!["2", "10"]);
        assert_eq!(t.labels, vec![1, 0, 1]);
        assert_eq!(t.feature_names, vec!["x1"]);
    }

    #[test]
    fn the_sklearn_layout_checks_its_first_line_and_names_the_classes() {
        let dir = tempfile::tempdir().unwrap();
        let path = dir.path().join("iris.csv");
        std::fs::write(&path, "3,2,setosa,versicolor\n1,2,0\n3,4,1\n5,6,1\n").unwrap();
        let t = Table::load_sklearn(&path).unwrap();
        assert_eq!(t.classes, vec!["setosa", "versicolor"]);
        assert_eq!(t.labels, vec![0, 1, 1]);
        std::fs::write(&path, "4,2,setosa,versicolor\n1,2,0\n3,4,1\n5,6,1\n").unwrap();
        let e = Table::load_sklearn(&path).unwrap_err().to_string();
        assert!(e.contains("iris.csv") && e.contains("4 rows"), "{e}");
    }

    #[test]
    fn bad_csv_errors_name_file_line_and_column() {
        let o = CsvOptions::with_header("y");
        let e = table("a,y\n1,0\nzz,1\n", &o).unwrap_err().to_string();
        assert!(
            e.contains("t.csv") && e.contains("line 3, column 1") && e.contains("`zz`"),
            "{e}"
        );
        let e = table("a,y\n1,0\n,1\n", &o).unwrap_err().to_string();
        assert!(e.contains("line 3, column 1"), "{e}");
        let e = table("a,y\n1,0\n1,1,1\n", &o).unwrap_err().to_string();
        assert!(e.contains("line 3") && e.contains("3 fields"), "{e}");
        let e = table("a,y\n1,0\n", &CsvOptions::with_header("label"))
            .unwrap_err()
            .to_string();
        assert!(e.contains("no column named `label`"), "{e}");
        let e = table("a,y\n1,0\n2,0\n", &o).unwrap_err().to_string();
        assert!(e.contains("one class"), "{e}");
        let skip = CsvOptions {
            skip_lines: 2,
            ..CsvOptions::sklearn()
        };
        let e = table("junk\njunk\n1,0\nnan,1\n", &skip)
            .unwrap_err()
            .to_string();
        assert!(e.contains("line 4, column 1"), "{e}");
        let e = Table::load(Path::new("/nonexistent/x.csv"), &o)
            .unwrap_err()
            .to_string();
        assert!(e.contains("/nonexistent/x.csv"), "{e}");
    }

    #[test]
    fn stratification_keeps_class_proportions() {
        let t = labelled(&[50, 30, 20]);
        let f = Fractions::new(0.1, 0.2).unwrap();
        let s = stratified_split(&t.labels, f, &mut stream(1, "split")).unwrap();
        let count = |rows: &[usize]| {
            let mut n = [0usize; 3];
            rows.iter().for_each(|&i| n[t.labels[i] as usize] += 1);
            n
        };
        assert_eq!(count(&s.test), [10, 6, 4]);
        assert_eq!(count(&s.validation), [5, 3, 2]);
        assert_eq!(count(&s.train), [35, 21, 14]);
        let mut all: Vec<usize> = [s.train, s.validation, s.test].concat();
        all.sort();
        assert_eq!(all, (0..100).collect::<Vec<_>>(), "a partition of the rows");
    }

    #[test]
    fn same_seed_same_split_and_another_seed_another() {
        let t = labelled(&[20, 20]);
        let f = Fractions::new(0.0, 0.25).unwrap();
        let a = stratified_split(&t.labels, f, &mut stream(5, "split")).unwrap();
        let b = stratified_split(&t.labels, f, &mut stream(5, "split")).unwrap();
        let c = stratified_split(&t.labels, f, &mut stream(6, "split")).unwrap();
        assert_eq!(a, b);
        assert_ne!(a, c);
        let p1 = split(40, f, &mut stream(5, "split")).unwrap();
        let p2 = split(40, f, &mut stream(5, "split")).unwrap();
        assert_eq!(p1, p2);
        assert_eq!(
            (p1.train.len(), p1.validation.len(), p1.test.len()),
            (30, 0, 10)
        );
        assert!(Fractions::new(0.5, 0.5).is_err());
        assert!(Fractions::new(-0.1, 0.2).is_err());
        assert!(split(0, f, &mut stream(0, "split")).is_err());
    }

    #[test]
    fn the_standardiser_uses_training_rows_only_and_handles_constant_columns() {
        let t = table(
            "a,b,y\n1,7,0\n3,7,1\n100,7,0\n-50,9,1\n",
            &CsvOptions::with_header("y"),
        )
        .unwrap();
        let s = Standardizer::fit(&t, &[0, 1]).unwrap();
        assert_eq!(s.mean, vec![2.0, 7.0]);
        assert_eq!(
            s.std,
            vec![1.0, 1.0],
            "a: population std 1; b: constant → 1"
        );
        assert_eq!(s.transform(&t, &[0, 1]), vec![-1.0, 0.0, 1.0, 0.0]);
        assert_eq!(
            s.transform(&t, &[2]),
            vec![98.0, 0.0],
            "test rows use train stats"
        );
        let x = s.tensor(&t, &[3], &Device::Cpu).unwrap();
        assert_eq!(x.dims(), &[1, 2]);
        assert!(s.tensor(&t, &[4], &Device::Cpu).is_err());
        assert!(Standardizer::fit(&t, &[]).is_err());
        assert_eq!(
            t.label_tensor(&[1, 2], &Device::Cpu)
                .unwrap()
                .to_vec1::<u32>()
                .unwrap(),
            vec![1, 0]
        );
    }
}
