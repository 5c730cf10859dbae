//! The Douban, Flixster and YahooMusic benchmarks of Monti, Bronstein & Bresson (2017) with
//! their fixed splits, read from the MATLAB v7.3 (HDF5) files GC-MC ships, as
//! `gcmc/preprocessing.py` `load_data_monti` and `load_matlab_file` read them: every matrix is
//! stored column-major, so the HDF5 array is transposed (`np.asarray(ds).T`); the training and
//! test ratings are the nonzeros of `Otraining` and `Otest` in row-major order (`np.where`),
//! valued from `M`; users and items are the rows and columns of `M` (0-based ids).
//!
//! Side features (`--features`): Douban the user graph `W_users` and one-hot items, Flixster
//! `W_users` and `W_movies`, YahooMusic one-hot users and the track graph `W_tracks` (each
//! node's row of the graph, or of the identity).

use crate::movielens::SideFeatures;
use repro_kit::{KitError, ResolvedDataset, Result};
use repro_kit_recsys::{Rating, RatingScale};
use std::collections::BTreeMap;
use std::path::Path;

/// A Monti et al. benchmark.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Benchmark {
    /// `monti-douban`.
    Douban,
    /// `monti-flixster`.
    Flixster,
    /// `monti-yahoomusic`.
    YahooMusic,
}

impl Benchmark {
    /// The benchmark a dataset name selects, `None` for another dataset.
    pub fn of(dataset: &str) -> Option<Self> {
        match dataset {
            "monti-douban" => Some(Self::Douban),
            "monti-flixster" => Some(Self::Flixster),
            "monti-yahoomusic" => Some(Self::YahooMusic),
            _ => None,
        }
    }

    /// The declared file (`configs/datasets.toml`).
    pub fn file(self) -> &'static str {
        match self {
            Self::Douban => "gcmc-monti/douban/training_test_dataset.mat",
            Self::Flixster => "gcmc-monti/flixster/training_test_dataset.mat",
            Self::YahooMusic => "gcmc-monti/yahoo_music/training_test_dataset.mat",
        }
    }

    /// The side graphs of users and items (`None`: one-hot).
    fn side_graphs(self) -> (Option<&'static str>, Option<&'static str>) {
        match self {
            Self::Douban => (Some("W_users"), None),
            Self::Flixster => (Some("W_users"), Some("W_movies")),
            Self::YahooMusic => (None, Some("W_tracks")),
        }
    }
}

/// One benchmark's data.
#[derive(Debug, Clone)]
pub struct Monti {
    /// Rows of `M`.
    pub n_users: usize,
    /// Columns of `M`.
    pub n_items: usize,
    /// Training ratings (nonzeros of `Otraining`, row-major).
    pub train: Vec<Rating>,
    /// Test ratings (nonzeros of `Otest`, row-major).
    pub test: Vec<Rating>,
    /// `[min, max]` of the ratings (the scale predictions are clipped to).
    pub scale: RatingScale,
}

/// A matrix read from the file, row-major after the transpose: (rows, cols, values).
type Matrix = (usize, usize, Vec<f64>);

/// Reads dataset `name` of `file` and transposes it (MATLAB's column-major order).
/// Errors: the dataset is missing, not 2-D or not numeric.
fn read_matrix(file: &hdf5_metno::File, path: &Path, name: &str) -> Result<Matrix> {
    let err = |m: String| KitError::Data {
        path: path.to_path_buf(),
        message: format!("{name}: {m}"),
    };
    let ds = file.dataset(name).map_err(|e| err(e.to_string()))?;
    let shape = ds.shape();
    if shape.len() != 2 {
        return Err(err(format!("shape {shape:?}, expected 2-D")));
    }
    let raw: Vec<f64> = ds.read_raw::<f64>().map_err(|e| err(e.to_string()))?;
    // HDF5 [a, b] row-major holds MATLAB's b × a matrix column-major: the matrix is rawᵀ,
    // element (i, j) = raw[j·b + i], stored here row-major at [i·a + j].
    let (a, b) = (shape[0], shape[1]);
    let mut m = vec![0.0; a * b];
    for r in 0..a {
        for c in 0..b {
            m[c * a + r] = raw[r * b + c];
        }
    }
    Ok((b, a, m))
}

/// Opens the benchmark's file. Errors: not declared, or not an HDF5 file.
fn open(dataset: &ResolvedDataset, b: Benchmark) -> Result<(hdf5_metno::File, std::path::PathBuf)> {
    let path = dataset.file(b.file())?.clone();
    let f = hdf5_metno::File::open(&path).map_err(|e| KitError::Data {
        path: path.clone(),
        message: format!("not a readable HDF5 (MATLAB v7.3) file: {e}"),
    })?;
    Ok((f, path))
}

/// Loads the ratings and splits. Errors: a missing or malformed matrix (file and matrix named),
/// masks of another shape than `M`, or no training or test rating.
pub fn load(dataset: &ResolvedDataset, b: Benchmark) -> Result<Monti> {
    let (f, path) = open(dataset, b)?;
    let (nu, ni, m) = read_matrix(&f, &path, "M")?;
    let bad = |m: String| KitError::Data {
        path: path.clone(),
        message: m,
    };
    let ratings_of = |mask: &str| -> Result<Vec<Rating>> {
        let (r, c, o) = read_matrix(&f, &path, mask)?;
        if (r, c) != (nu, ni) {
            return Err(bad(format!("{mask} is {r}×{c}, M is {nu}×{ni}")));
        }
        let mut out = Vec::new();
        for u in 0..nu {
            for v in 0..ni {
                if o[u * ni + v] != 0.0 && m[u * ni + v] != 0.0 {
                    out.push(Rating {
                        user: u as u64,
                        item: v as u64,
                        value: m[u * ni + v],
                    });
                }
            }
        }
        if out.is_empty() {
            return Err(bad(format!("{mask} selects no rating")));
        }
        Ok(out)
    };
    let (train, test) = (ratings_of("Otraining")?, ratings_of("Otest")?);
    let (lo, hi) = train
        .iter()
        .chain(&test)
        .fold((f64::INFINITY, f64::NEG_INFINITY), |(l, h), r| {
            (l.min(r.value), h.max(r.value))
        });
    Ok(Monti {
        n_users: nu,
        n_items: ni,
        train,
        test,
        scale: RatingScale::new(lo, hi)?,
    })
}

/// The side features of `load_data_monti` (module docs): each node's row of its graph, or of
/// the identity. Errors: a missing graph or one of the wrong size.
pub fn side_features(
    dataset: &ResolvedDataset,
    b: Benchmark,
    data: &Monti,
) -> Result<SideFeatures> {
    let (f, path) = open(dataset, b)?;
    let rows = |graph: Option<&str>, n: usize| -> Result<BTreeMap<u64, Vec<f32>>> {
        let mut out = BTreeMap::new();
        match graph {
            Some(name) => {
                let (r, c, w) = read_matrix(&f, &path, name)?;
                if r != n {
                    return Err(KitError::Data {
                        path: path.clone(),
                        message: format!("{name} has {r} rows for {n} nodes"),
                    });
                }
                for k in 0..r {
                    out.insert(
                        k as u64,
                        w[k * c..(k + 1) * c].iter().map(|x| *x as f32).collect(),
                    );
                }
            }
            None => {
                for k in 0..n {
                    let mut v = vec![0f32; n];
                    v[k] = 1.0;
                    out.insert(k as u64, v);
                }
            }
        }
        Ok(out)
    };
    let (gu, gv) = b.side_graphs();
    Ok(SideFeatures {
        users: rows(gu, data.n_users)?,
        items: rows(gv, data.n_items)?,
    })
}
