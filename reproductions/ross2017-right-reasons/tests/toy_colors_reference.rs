//! The toy colours port against the authors' generator (issue 27 item 2): the draws numpy made
//! while `rrr/toy_colors.py` (dtak/rrr at d83a16e) generated 60 training and 60 test images
//! after `np.random.seed(0)`, replayed through the port, give the reference's images and labels
//! byte for byte, and the port consumes exactly those draws. The vectors and the script that
//! made them are in `tests/reference/`.

use ross2017_right_reasons::toy_colors::{draw_images, draw_labels, Draws, FEATURES};
use serde::Deserialize;

mod replay;
use replay::Replay;

#[derive(Deserialize)]
struct Reference {
    source: String,
    /// `[kind, value]`: kind `colour` (0..4), `column` (0..3) or `uniform` ([0, 1)).
    draws: Vec<(String, f64)>,
    train_images: Vec<Vec<u8>>,
    test_images: Vec<Vec<u8>>,
    train_labels: Vec<u32>,
    test_labels: Vec<u32>,
}

impl Draws for Replay {
    fn colour(&mut self) -> usize {
        self.next("colour") as usize
    }
    fn middle_offset(&mut self) -> usize {
        self.next("column") as usize
    }
    fn uniform(&mut self) -> f64 {
        self.next("uniform")
    }
}

#[test]
fn replayed_numpy_draws_give_the_reference_images() {
    let path = concat!(
        env!("CARGO_MANIFEST_DIR"),
        "/tests/reference/toy_colors_seed0.json"
    );
    let text = std::fs::read_to_string(path).expect("the committed reference vectors");
    let r: Reference = serde_json::from_str(&text).unwrap();
    assert!(r
        .source
        .contains("d83a16ee4a989ba47ef1b1a43acc5f528a899b1f"));
    let n = r.train_labels.len();
    assert_eq!((n, r.test_labels.len()), (60, 60));
    let total = r.draws.len();
    let mut replay = Replay::new(r.draws);
    // generate_dataset's order: train_y, test_y, then the train and the test images
    let train_labels = draw_labels(n, &mut replay);
    let test_labels = draw_labels(n, &mut replay);
    assert_eq!(train_labels, r.train_labels);
    assert_eq!(test_labels, r.test_labels);
    for (labels, images) in [
        (&train_labels, &r.train_images),
        (&test_labels, &r.test_images),
    ] {
        let x = draw_images(labels, &mut replay);
        let expected: Vec<f32> = images
            .iter()
            .flat_map(|img| {
                assert_eq!(img.len(), FEATURES);
                img.iter().map(|&v| f32::from(v))
            })
            .collect();
        for (i, (got, want)) in x
            .chunks(FEATURES)
            .zip(expected.chunks(FEATURES))
            .enumerate()
        {
            assert_eq!(got, want, "image {i} differs from the reference");
        }
        assert_eq!(x.len(), expected.len());
    }
    assert_eq!(replay.taken, total, "every numpy draw is used, none more");
}
