//! Fashion-MNIST (Xiao, Rasul & Vollgraf 2017) from its four gzipped IDX files, scaled as Keras
//! scripts do (`x.astype('float32') / 255`), and scikit-learn's train/validation split
//! (`sklearn.model_selection.train_test_split(x, y, test_size=0.2)`, seeded here from a
//! [`Rng`]). Shared by the Fashion-MNIST reproductions (first written in
//! `reproductions/xiao2017-fashion-mnist/src/data.rs`, whose run key still hashes its own copy).

use crate::data::idx;
use crate::rng::{permutation, Rng};
use crate::{KitError, ResolvedDataset, Result};
use candle_core::{Device, Tensor};

/// Side of a Fashion-MNIST image in pixels.
pub const SIDE: usize = 28;
/// Pixels per image: 28 × 28, row-major.
pub const INPUT_LEN: usize = SIDE * SIDE;
/// Classes (T-shirt/top, Trouser, Pullover, Dress, Coat, Sandal, Shirt, Sneaker, Bag, Ankle boot).
pub const CLASSES: usize = 10;

/// Training images, IDX `0x00000803`, 60,000 × 28 × 28 (declared path in `configs/datasets.toml`).
pub const TRAIN_IMAGES: &str = "fashion-mnist/train-images-idx3-ubyte.gz";
/// Training labels, IDX `0x00000801`, 60,000.
pub const TRAIN_LABELS: &str = "fashion-mnist/train-labels-idx1-ubyte.gz";
/// Test images, IDX `0x00000803`, 10,000 × 28 × 28.
pub const TEST_IMAGES: &str = "fashion-mnist/t10k-images-idx3-ubyte.gz";
/// Test labels, IDX `0x00000801`, 10,000.
pub const TEST_LABELS: &str = "fashion-mnist/t10k-labels-idx1-ubyte.gz";

/// The whole dataset in memory: inputs F32 in [0, 1] (pixel / 255), labels as bytes 0..9.
#[derive(Debug, Clone)]
pub struct FashionMnist {
    /// Training inputs [n_train, 784] (60,000 for the real data).
    pub x_train: Tensor,
    /// Training labels, n_train entries in 0..10.
    pub y_train: Vec<u8>,
    /// Test inputs [n_test, 784] (10,000).
    pub x_test: Tensor,
    /// Test labels, n_test entries in 0..10.
    pub y_test: Vec<u8>,
}

/// Pixels (bytes) → F32 tensor [n, 784] with values `p as f32 / 255` (float32 division, as NumPy
/// does for `x.astype('float32'); x /= 255`).
pub fn scale_pixels(pixels: &[u8], device: &Device) -> Result<Tensor> {
    let n = pixels.len() / INPUT_LEN;
    if n * INPUT_LEN != pixels.len() {
        return Err(KitError::Invalid(format!(
            "{} pixels is not a whole number of {INPUT_LEN}-pixel images",
            pixels.len()
        )));
    }
    let v: Vec<f32> = pixels.iter().map(|&p| f32::from(p) / 255.0).collect();
    Ok(Tensor::from_vec(
        v,
        (pixels.len() / INPUT_LEN, INPUT_LEN),
        device,
    )?)
}

impl FashionMnist {
    /// Reads the four verified files of `dataset` (see the constants); errors name the file
    /// (bad gzip, bad IDX header, truncated payload, image/label counts that differ).
    pub fn load(dataset: &ResolvedDataset, device: &Device) -> Result<Self> {
        let (x_train, y_train) = read_pair(dataset, TRAIN_IMAGES, TRAIN_LABELS)?;
        let (x_test, y_test) = read_pair(dataset, TEST_IMAGES, TEST_LABELS)?;
        Self::from_raw(&x_train, y_train, &x_test, y_test, device)
    }

    /// Builds the dataset from raw pixels (`n·784` bytes, image-major) and labels.
    pub fn from_raw(
        train_pixels: &[u8],
        y_train: Vec<u8>,
        test_pixels: &[u8],
        y_test: Vec<u8>,
        device: &Device,
    ) -> Result<Self> {
        let x_train = scale_pixels(train_pixels, device)?;
        let x_test = scale_pixels(test_pixels, device)?;
        if x_train.dim(0)? != y_train.len() || x_test.dim(0)? != y_test.len() {
            return Err(KitError::Invalid(format!(
                "{} training images but {} labels; {} test images but {} labels",
                x_train.dim(0)?,
                y_train.len(),
                x_test.dim(0)?,
                y_test.len()
            )));
        }
        if let Some(l) = y_train
            .iter()
            .chain(&y_test)
            .find(|&&l| usize::from(l) >= CLASSES)
        {
            return Err(KitError::Invalid(format!(
                "label {l} out of range 0..{CLASSES}"
            )));
        }
        Ok(Self {
            x_train,
            y_train,
            x_test,
            y_test,
        })
    }

    /// The reference's split of the training set into training and validation rows:
    /// `train_test_split(x, y, test_size=fraction)` draws one permutation of all rows and takes
    /// its first ⌈fraction·n⌉ entries as validation, the rest (in permutation order) as
    /// training (scikit-learn `ShuffleSplit`). The permutation comes from `rng` (the reference
    /// left it unseeded).
    pub fn split(&self, validation_fraction: f64, rng: &mut Rng) -> Result<Split> {
        let n = self.y_train.len();
        let n_val = (validation_fraction * n as f64).ceil() as usize;
        if n_val == 0 || n_val >= n {
            return Err(KitError::Invalid(format!(
                "validation fraction {validation_fraction} of {n} rows leaves no training or no validation rows"
            )));
        }
        let perm = permutation(rng, n);
        let (val, train) = perm.split_at(n_val);
        let device = self.x_train.device();
        let rows = |idx: &[usize]| -> Result<(Tensor, Vec<u8>)> {
            let t = Tensor::from_vec(
                idx.iter().map(|&i| i as u32).collect::<Vec<_>>(),
                idx.len(),
                device,
            )?;
            let labels = idx.iter().map(|&i| self.y_train[i]).collect();
            Ok((self.x_train.index_select(&t, 0)?, labels))
        };
        let (x_train, y_train) = rows(train)?;
        let (x_val, y_val) = rows(val)?;
        Split::new(
            x_train,
            &y_train,
            x_val,
            &y_val,
            self.x_test.clone(),
            &self.y_test,
        )
    }
}

fn read_pair(ds: &ResolvedDataset, images: &str, labels: &str) -> Result<(Vec<u8>, Vec<u8>)> {
    let ipath = ds.file(images)?;
    let lpath = ds.file(labels)?;
    let (n, pixels) = idx::read_images(ipath, SIDE, SIDE)?;
    let y = idx::read_labels(lpath, CLASSES)?;
    if y.len() != n {
        return Err(KitError::Data {
            path: lpath.clone(),
            message: format!(
                "has {} labels but {} holds {n} images",
                y.len(),
                ipath.display()
            ),
        });
    }
    Ok((pixels, y))
}

/// Labels → U32 tensor [n].
pub fn label_tensor(labels: &[u8], device: &Device) -> Result<Tensor> {
    let v: Vec<u32> = labels.iter().map(|&l| u32::from(l)).collect();
    Ok(Tensor::from_vec(v, labels.len(), device)?)
}

/// Labels → one-hot F32 tensor [n, 10] (`keras.utils.to_categorical(y, 10)`).
pub fn one_hot(labels: &[u8], device: &Device) -> Result<Tensor> {
    let mut v = vec![0f32; labels.len() * CLASSES];
    for (i, &l) in labels.iter().enumerate() {
        v[i * CLASSES + usize::from(l)] = 1.0;
    }
    Ok(Tensor::from_vec(v, (labels.len(), CLASSES), device)?)
}

/// One run's data after the train/validation split.
#[derive(Debug, Clone)]
pub struct Split {
    /// Training inputs [n_train, 784] (48,000 for the real data).
    pub x_train: Tensor,
    /// Training targets, one-hot F32 [n_train, 10].
    pub y_train_onehot: Tensor,
    /// Training labels U32 [n_train].
    pub y_train: Tensor,
    /// Validation inputs [n_val, 784] (12,000).
    pub x_val: Tensor,
    /// Validation labels U32 [n_val].
    pub y_val: Tensor,
    /// Test inputs [n_test, 784] (10,000).
    pub x_test: Tensor,
    /// Test labels U32 [n_test].
    pub y_test: Tensor,
}

impl Split {
    /// Assembles a split from inputs and byte labels (checks row counts).
    pub fn new(
        x_train: Tensor,
        y_train: &[u8],
        x_val: Tensor,
        y_val: &[u8],
        x_test: Tensor,
        y_test: &[u8],
    ) -> Result<Self> {
        let device = x_train.device().clone();
        for (what, x, y) in [
            ("training", &x_train, y_train),
            ("validation", &x_val, y_val),
            ("test", &x_test, y_test),
        ] {
            if x.dims() != [y.len(), INPUT_LEN] {
                return Err(KitError::Invalid(format!(
                    "{what} inputs have shape {:?}, expected [{}, {INPUT_LEN}]",
                    x.dims(),
                    y.len()
                )));
            }
        }
        Ok(Self {
            y_train_onehot: one_hot(y_train, &device)?,
            y_train: label_tensor(y_train, &device)?,
            x_train,
            x_val,
            y_val: label_tensor(y_val, &device)?,
            x_test,
            y_test: label_tensor(y_test, &device)?,
        })
    }

    /// Number of training rows.
    pub fn n_train(&self) -> usize {
        self.x_train.dims()[0]
    }
}

/// A synthetic stand-in with the shapes of Fashion-MNIST (for tests without the Debian package):
/// `n_train` + `n_test` images whose pixels are a class-dependent pattern plus noise, labels
/// cycling through 0..10. Deterministic in `rng`.
pub fn synthetic(
    n_train: usize,
    n_test: usize,
    rng: &mut Rng,
    device: &Device,
) -> Result<FashionMnist> {
    use rand::RngExt as _;
    let mut make = |n: usize| -> (Vec<u8>, Vec<u8>) {
        let labels: Vec<u8> = (0..n).map(|i| (i % CLASSES) as u8).collect();
        let mut pixels = Vec::with_capacity(n * INPUT_LEN);
        for &l in &labels {
            for p in 0..INPUT_LEN {
                let on = (p / SIDE + p % SIDE + 3 * usize::from(l)) % CLASSES < 3;
                let base: u8 = if on { 180 } else { 30 };
                pixels.push(base.saturating_add(rng.random_range(0..60)));
            }
        }
        (pixels, labels)
    };
    let (xtr, ytr) = make(n_train);
    let (xte, yte) = make(n_test);
    FashionMnist::from_raw(&xtr, ytr, &xte, yte, device)
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::rng::stream;

    #[test]
    fn scaling_is_float32_division() {
        let t = scale_pixels(&[0u8; INPUT_LEN], &Device::Cpu).unwrap();
        assert_eq!(t.dims(), &[1, INPUT_LEN]);
        let mut px = vec![0u8; INPUT_LEN];
        px[0] = 255;
        px[1] = 1;
        let v: Vec<f32> = scale_pixels(&px, &Device::Cpu)
            .unwrap()
            .flatten_all()
            .unwrap()
            .to_vec1()
            .unwrap();
        assert_eq!(v[0], 1.0);
        assert_eq!(v[1], 1.0f32 / 255.0f32);
        assert!(scale_pixels(&[0u8; 10], &Device::Cpu).is_err());
    }

    #[test]
    fn split_is_a_seeded_partition() {
        let d = Device::Cpu;
        let ds = synthetic(50, 10, &mut stream(0, "synth"), &d).unwrap();
        let a = ds.split(0.2, &mut stream(1, "split")).unwrap();
        let b = ds.split(0.2, &mut stream(1, "split")).unwrap();
        let c = ds.split(0.2, &mut stream(2, "split")).unwrap();
        assert_eq!(a.n_train(), 40);
        assert_eq!(a.x_val.dims(), &[10, INPUT_LEN]);
        let rows = |t: &Tensor| t.sum(1).unwrap().to_vec1::<f32>().unwrap();
        assert_eq!(rows(&a.x_val), rows(&b.x_val));
        assert_ne!(rows(&a.x_val), rows(&c.x_val));
        // Every original row lands in exactly one part: the sums of all pixels agree.
        let total = |t: &Tensor| t.sum_all().unwrap().to_scalar::<f32>().unwrap() as f64;
        let parts = total(&a.x_train) + total(&a.x_val);
        assert!((parts - total(&ds.x_train)).abs() < 1e-2 * parts.abs());
        let oh: Vec<Vec<f32>> = a.y_train_onehot.to_vec2().unwrap();
        let lab: Vec<u32> = a.y_train.to_vec1().unwrap();
        for (row, l) in oh.iter().zip(&lab) {
            assert_eq!(row.iter().sum::<f32>(), 1.0);
            assert_eq!(row[*l as usize], 1.0);
        }
        assert!(ds.split(0.0, &mut stream(1, "split")).is_err());
        assert!(ds.split(1.0, &mut stream(1, "split")).is_err());
    }

    #[test]
    fn mismatched_counts_and_bad_labels_are_errors() {
        let d = Device::Cpu;
        let px = vec![0u8; 2 * INPUT_LEN];
        assert!(FashionMnist::from_raw(&px, vec![0], &px, vec![0, 1], &d).is_err());
        assert!(FashionMnist::from_raw(&px, vec![0, 10], &px, vec![0, 1], &d).is_err());
        assert!(FashionMnist::from_raw(&px, vec![0, 9], &px, vec![0, 1], &d).is_ok());
    }
}
