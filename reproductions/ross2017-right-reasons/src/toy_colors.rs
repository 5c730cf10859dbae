//! The toy colours dataset, ported from `rrr/toy_colors.py` (dtak/rrr at d83a16e): 5×5 RGB
//! images of four colours in two classes, with two independent rules that each decide the
//! class. Quoting the notebook (`experiments/Toy Colors.ipynb`): "The first is whether all four
//! corner pixels are the same color, and the second is whether the top-middle three pixels are
//! all different colors. Images in class 1 satisfy both conditions and images in class 2
//! satisfy neither" (class 1 there is label 0 here, as in the code).
//!
//! Every random draw goes through [`Draws`], in the order of the Python code's `np.random`
//! calls: a run draws from its seeded [`Rng`] (numbers other than numpy's, the same
//! distribution); the test `tests/toy_colors_reference.rs` replays the draws numpy made in the
//! reference code and must produce the reference's images.

use rand::RngExt as _;
use repro_kit::rng::Rng;

/// Side of an image (`imglen = 5`).
pub const SIDE: usize = 5;
/// Colour channels.
pub const CHANNELS: usize = 3;
/// Features per image: 5·5·3 = 75, flattened row, column, channel (`image.ravel()`).
pub const FEATURES: usize = SIDE * SIDE * CHANNELS;

/// The four colours `random_color` draws from (`colors['r'|'g'|'b'|'v']`), RGB 0–255.
pub const PALETTE: [[u8; 3]; 4] = [[255, 0, 0], [0, 255, 0], [0, 128, 255], [128, 0, 255]];

/// A pixel position (row, column).
type Pixel = (usize, usize);

const TOP_LEFT: Pixel = (0, 0);
const TOP_RIGHT: Pixel = (0, SIDE - 1);
const BOTTOM_LEFT: Pixel = (SIDE - 1, 0);
const BOTTOM_RIGHT: Pixel = (SIDE - 1, SIDE - 1);
/// The four corners (rule 1).
pub const CORNERS: [Pixel; 4] = [TOP_LEFT, TOP_RIGHT, BOTTOM_LEFT, BOTTOM_RIGHT];
/// The three top-middle pixels (rule 2).
pub const TOP_MIDDLE: [Pixel; 3] = [(0, 1), (0, 2), (0, 3)];

/// One image: `[row][column]` → palette index.
type Image = [[usize; SIDE]; SIDE];

/// The random draws of `rrr/toy_colors.py`, one method per kind of `np.random` call.
pub trait Draws {
    /// `random_color()`, i.e. `np.random.choice(['r','g','b','v'])`: a [`PALETTE`] index in 0..4.
    fn colour(&mut self) -> usize;
    /// `np.random.choice(imglen - 2)`: a top-middle offset in 0..3.
    fn middle_offset(&mut self) -> usize;
    /// `np.random.rand()`: uniform in [0, 1) (`Bern(p)` and the labels' `rand(N) < 0.5`).
    fn uniform(&mut self) -> f64;
}

/// A run's draws: from its seeded ChaCha stream.
impl Draws for Rng {
    fn colour(&mut self) -> usize {
        self.random_range(0..PALETTE.len())
    }
    fn middle_offset(&mut self) -> usize {
        self.random_range(0..SIDE - 2)
    }
    fn uniform(&mut self) -> f64 {
        self.random::<f64>()
    }
}

/// `any_repeats(toprow[1:-1])`: two of the top-middle pixels share a colour.
fn top_middle_repeats(img: &Image) -> bool {
    let [a, b, c] = [img[0][1], img[0][2], img[0][3]];
    a == b || a == c || b == c
}

/// `ensure_class_0_rules_apply`: all corners take the bottom-right colour; top-middle pixels
/// are redrawn one at a time until all three differ.
fn ensure_class_0_rules_apply(img: &mut Image, d: &mut (impl Draws + ?Sized)) {
    let colour = img[BOTTOM_RIGHT.0][BOTTOM_RIGHT.1];
    for (r, c) in [TOP_LEFT, TOP_RIGHT, BOTTOM_LEFT] {
        img[r][c] = colour;
    }
    while top_middle_repeats(img) {
        redraw_a_top_middle_pixel(img, d);
    }
}

/// `toprow[1+np.random.choice(imglen-2)] = random_color()`: Python evaluates the right-hand
/// side first, so the colour is drawn before the pixel it goes to.
fn redraw_a_top_middle_pixel(img: &mut Image, d: &mut (impl Draws + ?Sized)) {
    let colour = d.colour();
    img[0][1 + d.middle_offset()] = colour;
}

/// `ensure_class_1_rules_apply`: with probability ½ the top-right corner is redrawn until it
/// differs from the bottom-left one, else the top-left until it differs from the bottom-right;
/// then top-middle pixels are redrawn one at a time until two share a colour.
fn ensure_class_1_rules_apply(img: &mut Image, d: &mut (impl Draws + ?Sized)) {
    let (redrawn, other) = if d.uniform() < 0.5 {
        (TOP_RIGHT, BOTTOM_LEFT)
    } else {
        (TOP_LEFT, BOTTOM_RIGHT)
    };
    while img[redrawn.0][redrawn.1] == img[other.0][other.1] {
        img[redrawn.0][redrawn.1] = d.colour();
    }
    while !top_middle_repeats(img) {
        redraw_a_top_middle_pixel(img, d);
    }
}

/// `generate_image(label)`: 25 random colours drawn row by row, then the class's rules
/// enforced; returned flattened (row, column, channel) as 75 values in 0–255.
pub fn generate_image(label: u8, d: &mut (impl Draws + ?Sized)) -> [f32; FEATURES] {
    let mut img: Image = [[0; SIDE]; SIDE];
    for row in img.iter_mut() {
        for px in row.iter_mut() {
            *px = d.colour();
        }
    }
    if label == 0 {
        ensure_class_0_rules_apply(&mut img, d);
    } else {
        ensure_class_1_rules_apply(&mut img, d);
    }
    let mut out = [0f32; FEATURES];
    for (r, row) in img.iter().enumerate() {
        for (c, &colour) in row.iter().enumerate() {
            for (ch, &v) in PALETTE[colour].iter().enumerate() {
                out[(r * SIDE + c) * CHANNELS + ch] = f32::from(v);
            }
        }
    }
    out
}

/// `n` labelled images: labels `rand() < 0.5` drawn first for all `n` (as
/// `generate_dataset` draws `train_y` before any image), then the images in order. Returns
/// (features, row-major [n, 75], labels [n] in {0, 1}). A run draws its training and test sets
/// from two streams, where `generate_dataset` draws train labels, test labels, train images,
/// test images from one: the same distribution.
pub fn generate(n: usize, d: &mut (impl Draws + ?Sized)) -> (Vec<f32>, Vec<u32>) {
    let labels = draw_labels(n, d);
    let x = draw_images(&labels, d);
    (x, labels)
}

/// `(np.random.rand(n) < 0.5).astype(np.uint8)`: `n` labels in {0, 1}.
pub fn draw_labels(n: usize, d: &mut (impl Draws + ?Sized)) -> Vec<u32> {
    (0..n).map(|_| u32::from(d.uniform() < 0.5)).collect()
}

/// `np.array([generate_image(y) for y in labels])`: row-major `[labels.len(), 75]`.
pub fn draw_images(labels: &[u32], d: &mut (impl Draws + ?Sized)) -> Vec<f32> {
    let mut x = Vec::with_capacity(labels.len() * FEATURES);
    for &y in labels {
        x.extend_from_slice(&generate_image(y as u8, d));
    }
    x
}

/// The 75-feature mask of `pixels` (all three channels of each), 1.0 inside, 0.0 outside:
/// `ignore_rule1` for [`CORNERS`], `ignore_rule2` for [`TOP_MIDDLE`].
pub fn feature_mask(pixels: &[Pixel]) -> [f32; FEATURES] {
    let mut m = [0f32; FEATURES];
    for &(r, c) in pixels {
        for ch in 0..CHANNELS {
            m[(r * SIDE + c) * CHANNELS + ch] = 1.0;
        }
    }
    m
}

/// Which rule an image satisfies, read back from its pixels: (all corners equal, top-middle all
/// different). Used by the tests and as a check on the generator.
pub fn rules(image: &[f32]) -> (bool, bool) {
    let px = |(r, c): Pixel| &image[(r * SIDE + c) * CHANNELS..(r * SIDE + c + 1) * CHANNELS];
    let corners_equal = CORNERS.iter().all(|&p| px(p) == px(CORNERS[0]));
    let [a, b, c] = TOP_MIDDLE.map(px);
    (corners_equal, a != b && a != c && b != c)
}

/// The paper's rule score (`rule1_score` / `rule2_score` via `largest_mag_2d` and
/// `fraction_inside_corners` / `fraction_inside_topmids`): for each row of `mask` [n, 75] (the
/// 0/1 mask `|g| > 0.67·max|g|`), the pixels with any channel set; the fraction of those pixels
/// that lie in `pixels`; averaged over rows. Rows whose mask is empty (an all-zero gradient) are
/// left out of the mean (in Python they give 0/0 = NaN); NaN if every row is empty.
pub fn mask_fraction_inside(mask: &[f32], pixels: &[Pixel]) -> f64 {
    let mut total = 0.0;
    let mut rows = 0usize;
    for row in mask.chunks(FEATURES) {
        let lit = |r: usize, c: usize| {
            row[(r * SIDE + c) * CHANNELS..(r * SIDE + c + 1) * CHANNELS]
                .iter()
                .any(|&m| m > 0.0)
        };
        let all = (0..SIDE * SIDE)
            .filter(|&i| lit(i / SIDE, i % SIDE))
            .count();
        if all == 0 {
            continue;
        }
        let inside = pixels.iter().filter(|&&(r, c)| lit(r, c)).count();
        total += inside as f64 / all as f64;
        rows += 1;
    }
    if rows == 0 {
        f64::NAN
    } else {
        total / rows as f64
    }
}

#[cfg(test)]
mod tests {
    //! numpy is not installed on the machine these tests were written on, so the Python
    //! generator could not be run to produce reference vectors for a fixed draw (and numpy's
    //! Mersenne Twister draws would differ from the seeded ChaCha streams anyway). The tests
    //! check the generator's documented invariants instead: both rules decide every image's
    //! class, pixels come from the four-colour palette, shapes, class balance and determinism.
    use super::*;
    use repro_kit::rng::stream;

    #[test]
    fn both_rules_decide_every_image_and_pixels_are_palette_colours() {
        let (x, y) = generate(4000, &mut stream(1, "toy-test"));
        assert_eq!(x.len(), 4000 * FEATURES);
        assert_eq!(y.len(), 4000);
        for (img, &label) in x.chunks(FEATURES).zip(&y) {
            let (corners_equal, top_middle_distinct) = rules(img);
            assert_eq!(corners_equal, label == 0, "rule 1 vs label {label}");
            assert_eq!(top_middle_distinct, label == 0, "rule 2 vs label {label}");
            for px in img.chunks(CHANNELS) {
                assert!(
                    PALETTE
                        .iter()
                        .any(|c| c.iter().zip(px).all(|(a, b)| f32::from(*a) == *b)),
                    "pixel {px:?} not in the palette"
                );
            }
        }
    }

    #[test]
    fn classes_are_balanced_and_colours_uniform_outside_the_rules() {
        let n = 20_000;
        let (x, y) = generate(n, &mut stream(2, "toy-test"));
        let ones = y.iter().filter(|&&v| v == 1).count() as f64;
        // Binomial(20000, 1/2): sd ≈ 71; 5 sd.
        assert!(
            (ones - n as f64 / 2.0).abs() < 355.0,
            "{ones} of {n} in class 1"
        );
        // A pixel no rule touches, (2, 2): each colour with probability 1/4 (sd ≈ 61).
        for colour in PALETTE {
            let hits = x
                .chunks(FEATURES)
                .filter(|img| {
                    let o = (2 * SIDE + 2) * CHANNELS;
                    img[o..o + 3] == colour.map(f32::from)
                })
                .count() as f64;
            assert!((hits - n as f64 / 4.0).abs() < 310.0, "{colour:?}: {hits}");
        }
    }

    #[test]
    fn same_stream_same_images_and_other_seed_other_images() {
        let a = generate(50, &mut stream(3, "toy-test"));
        let b = generate(50, &mut stream(3, "toy-test"));
        let c = generate(50, &mut stream(4, "toy-test"));
        assert_eq!(a, b);
        assert_ne!(a.0, c.0);
    }

    #[test]
    fn masks_mark_the_rules_pixels() {
        let corners = feature_mask(&CORNERS);
        let top = feature_mask(&TOP_MIDDLE);
        assert_eq!(corners.iter().sum::<f32>(), 12.0);
        assert_eq!(top.iter().sum::<f32>(), 9.0);
        // ignore_rule1: pixels (0,0), (0,4), (4,0), (4,4); ignore_rule2: (0,1), (0,2), (0,3).
        for i in [0, 1, 2, 12, 13, 14, 60, 61, 62, 72, 73, 74] {
            assert_eq!(corners[i], 1.0, "corner feature {i}");
        }
        assert!(
            top[3..12].iter().all(|&m| m == 1.0),
            "top-middle features 3..12"
        );
    }

    #[test]
    fn mask_fraction_counts_pixels_not_channels() {
        let mut mask = vec![0f32; 2 * FEATURES];
        // Row 0: corner (0,0) on two channels, centre pixel on one: 1 of 2 pixels in corners.
        mask[0] = 1.0;
        mask[1] = 1.0;
        mask[(2 * SIDE + 2) * CHANNELS] = 1.0;
        // Row 1: only the top-middle pixel (0,2): 0 in corners.
        mask[FEATURES + 2 * CHANNELS] = 1.0;
        assert_eq!(mask_fraction_inside(&mask, &CORNERS), 0.25);
        assert_eq!(mask_fraction_inside(&mask, &TOP_MIDDLE), 0.5);
        // An all-zero row is left out of the mean.
        let mut with_empty = mask.clone();
        with_empty.extend(vec![0f32; FEATURES]);
        assert_eq!(mask_fraction_inside(&with_empty, &CORNERS), 0.25);
        assert!(mask_fraction_inside(&[0.0; FEATURES], &CORNERS).is_nan());
    }
}
