//! Decoy MNIST, built as `rrr/decoy_mnist.py` (dtak/rrr at d83a16e) builds it: every MNIST
//! image gets a 4×4 swatch in one of its four corners (`augment`: rows 0–3 or 27–24 and columns
//! 0–3 or 27–24, each side a fair coin `Bern(0.5)`), shaded `255 − 25·digit`. In the training set
//! the digit is the image's label, so the shade is a "decoy rule" that predicts the label
//! perfectly; in the test set it is a digit drawn uniformly (`np.random.choice(all_digits)`), so
//! the rule is useless there. The annotation `E` marks each image's 16 swatch pixels.
//!
//! The draws are the reference's, in its order ([`Draws`]): first every training image's two
//! coins, image by image, then every test image's digit and two coins. A run draws them from its
//! ChaCha stream `"decoy-mnist"` (the notebook generated the set once, from numpy's unseeded
//! global generator, and cached it); `tests/decoy_mnist_reference.rs` replays numpy's draws
//! through this port and gets the reference's images and annotations byte for byte.
//!
//! The plain MNIST baseline (`Xr`, `Xtr`) is the same files without swatches. Inputs are the raw
//! pixel values 0–255 as `float32` (`MultilayerPerceptron.fit` does `inputs.astype(np.float32)`
//! and nothing else).

use rand::RngExt as _;
use repro_kit::data::idx;
use repro_kit::rng::Rng;
use repro_kit::{ResolvedDataset, Result};
use std::ops::Range;

/// Image side in pixels (28).
pub const SIDE: usize = 28;
/// Pixels per image, the MLP's input features (784).
pub const PIXELS: usize = SIDE * SIDE;
/// Side of the square swatch (`fwd = [0,1,2,3]`, `rev = [-1,-2,-3,-4]`).
pub const SWATCH: usize = 4;
/// `augment`'s `mult`: the swatch of digit `d` is shaded `255 − 25·d`.
pub const SHADE_STEP: u8 = 25;
/// Digit classes.
pub const CLASSES: usize = 10;

/// The declared training images (`configs/datasets.toml`, dataset `mnist` and `decoy-mnist`).
pub const TRAIN_IMAGES: &str = "mnist/train-images-idx3-ubyte.gz";
/// The declared training labels.
pub const TRAIN_LABELS: &str = "mnist/train-labels-idx1-ubyte.gz";
/// The declared test images.
pub const TEST_IMAGES: &str = "mnist/t10k-images-idx3-ubyte.gz";
/// The declared test labels.
pub const TEST_LABELS: &str = "mnist/t10k-labels-idx1-ubyte.gz";

/// The random draws the generator makes, in the reference's order; implemented by a run's
/// ChaCha stream and, in the tests, by a replay of numpy's draws.
pub trait Draws {
    /// `np.random.choice(all_digits)`: a test image's decoy digit in 0..10 (`all_digits =
    /// list(set(y))`, the ten labels in ascending order, since every digit occurs in MNIST).
    fn digit(&mut self) -> u8;
    /// `np.random.rand()`: uniform in [0, 1) (`Bern(0.5)`).
    fn uniform(&mut self) -> f64;
}

/// A run's draws: from its seeded ChaCha stream.
impl Draws for Rng {
    fn digit(&mut self) -> u8 {
        self.random_range(0..CLASSES as u8)
    }
    fn uniform(&mut self) -> f64 {
        self.random::<f64>()
    }
}

/// The corner a swatch occupies.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Swatch {
    /// Rows 24–27 (`dir1 = rev`) rather than 0–3 (`fwd`).
    pub bottom: bool,
    /// Columns 24–27 (`dir2 = rev`) rather than 0–3.
    pub right: bool,
}

/// `Bern(p)`: `np.random.rand() < p`.
fn bern(p: f64, d: &mut (impl Draws + ?Sized)) -> bool {
    d.uniform() < p
}

impl Swatch {
    /// `dir1 = fwd if Bern(0.5) else rev`, then `dir2` the same way (two draws, rows first).
    pub fn draw(d: &mut (impl Draws + ?Sized)) -> Self {
        let top = bern(0.5, d);
        let left = bern(0.5, d);
        Swatch {
            bottom: !top,
            right: !left,
        }
    }

    /// Rows (or columns) of one side: 0..4, or 24..28 at the far side.
    fn span(far: bool) -> Range<usize> {
        if far {
            SIDE - SWATCH..SIDE
        } else {
            0..SWATCH
        }
    }

    /// The swatch's 16 pixel indices (row-major, `row·28 + column`), ascending.
    pub fn pixels(self) -> impl Iterator<Item = usize> {
        Self::span(self.bottom).flat_map(move |r| Self::span(self.right).map(move |c| r * SIDE + c))
    }

    /// The shade of digit `digit`'s swatch: `255 − 25·digit` (255 for 0 … 30 for 9).
    pub fn shade(digit: u8) -> u8 {
        255 - SHADE_STEP * digit
    }
}

/// `augment(image, digit)`: draws the swatch's corner and paints it `255 − 25·digit` into
/// `image` [784] (in place); returns the corner (the annotation `E` is its pixels).
pub fn augment(image: &mut [u8], digit: u8, d: &mut (impl Draws + ?Sized)) -> Swatch {
    debug_assert_eq!(image.len(), PIXELS);
    let swatch = Swatch::draw(d);
    for p in swatch.pixels() {
        image[p] = Swatch::shade(digit);
    }
    swatch
}

/// Raw MNIST: images row-major `[n, 784]` as bytes, labels `[n]` in 0..10.
#[derive(Debug, Clone)]
pub struct Mnist {
    /// Training images [60000·784] (`X_raw`).
    pub train_images: Vec<u8>,
    /// Training labels [60000] (`y`).
    pub train_labels: Vec<u8>,
    /// Test images [10000·784] (`Xt_raw`).
    pub test_images: Vec<u8>,
    /// Test labels [10000] (`yt`).
    pub test_labels: Vec<u8>,
}

impl Mnist {
    /// Reads the four declared IDX files of `dataset`. Errors: a file not declared or
    /// unreadable, a bad IDX header, 28×28 violated, a label ≥ 10, or image and label counts that
    /// differ (each names the file).
    pub fn load(dataset: &ResolvedDataset) -> Result<Self> {
        let images = |name: &str| -> Result<(usize, Vec<u8>)> {
            idx::read_images(dataset.file(name)?, SIDE, SIDE)
        };
        let labels = |name: &str, n: usize| -> Result<Vec<u8>> {
            let path = dataset.file(name)?;
            let l = idx::read_labels(path, CLASSES)?;
            if l.len() != n {
                return Err(repro_kit::KitError::Data {
                    path: path.clone(),
                    message: format!("{} labels for {n} images", l.len()),
                });
            }
            Ok(l)
        };
        let (n, train_images) = images(TRAIN_IMAGES)?;
        let train_labels = labels(TRAIN_LABELS, n)?;
        let (m, test_images) = images(TEST_IMAGES)?;
        let test_labels = labels(TEST_LABELS, m)?;
        Ok(Mnist {
            train_images,
            train_labels,
            test_images,
            test_labels,
        })
    }

    /// The first `n` images of each split (all when `n` is larger): smoke runs and tests.
    pub fn truncate(&mut self, n: usize) {
        self.train_labels.truncate(n);
        self.test_labels.truncate(n);
        self.train_images.truncate(self.train_labels.len() * PIXELS);
        self.test_images.truncate(self.test_labels.len() * PIXELS);
    }
}

/// Decoy MNIST (`_generate_dataset`'s `X, E, Xt, Et`): the images with their swatches and each
/// image's swatch corner, training then test, in the reference's draw order.
#[derive(Debug, Clone)]
pub struct DecoyMnist {
    /// Training images with the label's swatch [n·784] (`X`).
    pub train_images: Vec<u8>,
    /// Each training image's swatch (`E`).
    pub train_swatches: Vec<Swatch>,
    /// Test images with a random digit's swatch [m·784] (`Xt`).
    pub test_images: Vec<u8>,
    /// Each test image's swatch (`Et`).
    pub test_swatches: Vec<Swatch>,
}

impl DecoyMnist {
    /// Adds the swatches to `raw` (training images: their labels' shades; test images: drawn
    /// digits' shades), drawing from `d` in the reference's order.
    pub fn generate(raw: &Mnist, d: &mut (impl Draws + ?Sized)) -> Self {
        let mut train_images = raw.train_images.clone();
        let train_swatches = train_images
            .chunks_mut(PIXELS)
            .zip(&raw.train_labels)
            .map(|(img, &digit)| augment(img, digit, d))
            .collect();
        let mut test_images = raw.test_images.clone();
        let test_swatches = test_images
            .chunks_mut(PIXELS)
            .map(|img| {
                // augment(image, digit, randomize=True) → augment(image, np.random.choice(...))
                let digit = d.digit();
                augment(img, digit, d)
            })
            .collect();
        DecoyMnist {
            train_images,
            train_swatches,
            test_images,
            test_swatches,
        }
    }
}

/// The annotation of `swatches` as a 0/1 mask [n, 784] (`E`, row-major).
pub fn annotation(swatches: &[Swatch]) -> Vec<f32> {
    let mut a = vec![0f32; swatches.len() * PIXELS];
    for (row, s) in a.chunks_mut(PIXELS).zip(swatches) {
        for p in s.pixels() {
            row[p] = 1.0;
        }
    }
    a
}

/// The four corner blocks where swatches go (64 pixels) as a 0/1 feature mask [784]: region 1
/// of the metrics (share of gradient mass, masks, zeroed test accuracy), the same features for
/// every image, decoy or not.
pub fn corner_blocks() -> Vec<f32> {
    let mut m = vec![0f32; PIXELS];
    for bottom in [false, true] {
        for right in [false, true] {
            for p in (Swatch { bottom, right }).pixels() {
                m[p] = 1.0;
            }
        }
    }
    m
}

/// Pixel bytes as `f32` (0–255, unscaled).
pub fn to_f32(pixels: &[u8]) -> Vec<f32> {
    pixels.iter().map(|&p| f32::from(p)).collect()
}

/// Labels as `u32`.
pub fn labels_u32(labels: &[u8]) -> Vec<u32> {
    labels.iter().map(|&l| u32::from(l)).collect()
}

#[cfg(test)]
mod tests {
    use super::*;

    /// Fixed coin values.
    struct Coins(Vec<f64>, u8);
    impl Draws for Coins {
        fn digit(&mut self) -> u8 {
            self.1
        }
        fn uniform(&mut self) -> f64 {
            self.0.remove(0)
        }
    }

    #[test]
    fn coins_pick_rows_then_columns() {
        // first coin < 0.5: fwd rows (top); second ≥ 0.5: rev columns (right)
        let s = Swatch::draw(&mut Coins(vec![0.2, 0.7], 0));
        assert_eq!(
            s,
            Swatch {
                bottom: false,
                right: true
            }
        );
        let px: Vec<usize> = s.pixels().collect();
        assert_eq!(px.len(), 16);
        assert_eq!(&px[..4], &[24, 25, 26, 27]);
        assert_eq!(px[15], 3 * SIDE + 27);
    }

    #[test]
    fn shades_run_from_white_to_dark_grey() {
        assert_eq!(Swatch::shade(0), 255);
        assert_eq!(Swatch::shade(9), 30);
    }

    #[test]
    fn the_swatch_overwrites_only_its_16_pixels() {
        let mut img = vec![7u8; PIXELS];
        let s = augment(&mut img, 3, &mut Coins(vec![0.9, 0.1], 0)); // bottom-left
        assert_eq!(img.iter().filter(|&&p| p == 180).count(), 16);
        assert_eq!(img[27 * SIDE], 180);
        assert_eq!(img[0], 7);
        assert_eq!(annotation(&[s]).iter().sum::<f32>(), 16.0);
        assert_eq!(corner_blocks().iter().sum::<f32>(), 64.0);
    }
}
