//! The Decoy MNIST port against the authors' generator (issue 27): the draws numpy made while
//! `rrr/decoy_mnist.py` (dtak/rrr at d83a16e, `_generate_dataset` and `augment` unmodified) added
//! swatches to 20 training and 20 stand-in test images after `np.random.seed(0)`, replayed
//! through the port, give the reference's images and annotations byte for byte, and the port
//! consumes exactly those draws. The vectors and the script that made them are in
//! `tests/reference/` (MNIST itself is not needed: the script substitutes random-pixel images
//! for `download_mnist`'s, every digit label present).

use ross2017_right_reasons::decoy_mnist::{annotation, DecoyMnist, Draws, Mnist, PIXELS};
use serde::Deserialize;

mod replay;
use replay::Replay;

#[derive(Deserialize)]
struct Reference {
    source: String,
    /// `[kind, value]`: kind `uniform` ([0, 1), `Bern(0.5)`) or `digit` (0..10).
    draws: Vec<(String, f64)>,
    /// Images as hex strings, 784 bytes each.
    train_raw: Vec<String>,
    test_raw: Vec<String>,
    train_labels: Vec<u8>,
    test_labels: Vec<u8>,
    train_images: Vec<String>,
    test_images: Vec<String>,
    /// Indices of each image's annotated pixels (`np.flatnonzero(E[i])`).
    train_annotations: Vec<Vec<usize>>,
    test_annotations: Vec<Vec<usize>>,
}

impl Draws for Replay {
    fn digit(&mut self) -> u8 {
        self.next("digit") as u8
    }
    fn uniform(&mut self) -> f64 {
        self.next("uniform")
    }
}

fn bytes(rows: &[String]) -> Vec<u8> {
    rows.iter()
        .flat_map(|r| {
            assert_eq!(r.len(), 2 * PIXELS);
            (0..PIXELS).map(move |i| u8::from_str_radix(&r[2 * i..2 * i + 2], 16).unwrap())
        })
        .collect()
}

fn nonzero(mask: &[f32]) -> Vec<Vec<usize>> {
    mask.chunks(PIXELS)
        .map(|row| (0..PIXELS).filter(|&i| row[i] > 0.0).collect())
        .collect()
}

#[test]
fn replayed_numpy_draws_give_the_reference_images_and_annotations() {
    let path = concat!(
        env!("CARGO_MANIFEST_DIR"),
        "/tests/reference/decoy_mnist_seed0.json"
    );
    let text = std::fs::read_to_string(path).expect("the committed reference vectors");
    let r: Reference = serde_json::from_str(&text).expect("reference JSON");
    assert!(r
        .source
        .contains("d83a16ee4a989ba47ef1b1a43acc5f528a899b1f"));
    let raw = Mnist {
        train_images: bytes(&r.train_raw),
        train_labels: r.train_labels.clone(),
        test_images: bytes(&r.test_raw),
        test_labels: r.test_labels.clone(),
    };
    let n = r.draws.len();
    let mut replay = Replay::new(r.draws);
    let decoy = DecoyMnist::generate(&raw, &mut replay);
    assert_eq!(replay.taken, n, "the port left numpy draws unused");
    assert_eq!(decoy.train_images, bytes(&r.train_images));
    assert_eq!(decoy.test_images, bytes(&r.test_images));
    assert_eq!(
        nonzero(&annotation(&decoy.train_swatches)),
        r.train_annotations
    );
    assert_eq!(
        nonzero(&annotation(&decoy.test_swatches)),
        r.test_annotations
    );
    // the decoy rule: in training, every swatch's shade is 255 - 25·label
    for ((img, s), &label) in decoy
        .train_images
        .chunks(PIXELS)
        .zip(&decoy.train_swatches)
        .zip(&raw.train_labels)
    {
        assert!(s.pixels().all(|p| img[p] == 255 - 25 * label));
    }
}
