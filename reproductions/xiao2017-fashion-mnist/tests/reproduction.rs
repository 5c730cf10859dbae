//! Whole-reproduction tests (run them in release mode:
//! `cargo test --release -p xiao2017-fashion-mnist`). They use the real Fashion-MNIST files when
//! the Debian package `dataset-fashion-mnist` is installed (/usr/share/datasets/fashion-mnist/)
//! and synthetic data of the same shapes otherwise; none trains on the full 48,000 images.

use candle_core::{Device, Tensor};
use repro_kit::data::idx;
use repro_kit::rng::stream;
use repro_kit::{NoProgress, Reproduction, ResolvedDataset, RunContext, RunOutput, RunStatus};
use std::path::{Path, PathBuf};
use xiao2017_fashion_mnist::data::{self, FashionMnist, Split};
use xiao2017_fashion_mnist::model::Init;
use xiao2017_fashion_mnist::{train, Hyperparameters, Xiao2017, INPUT_LEN};

const DEBIAN_DIR: &str = "/usr/share/datasets/fashion-mnist";

fn reference() -> Hyperparameters {
    Hyperparameters {
        hidden: vec![256, 128, 100],
        dropout: 0.4,
        init: Init::HeNormalKeras21,
        learning_rate: 0.01,
        momentum: 0.975,
        decay: 2e-6,
        nesterov: true,
        batch_size: 64,
        epochs: 100,
        validation_fraction: 0.2,
    }
}

/// The first `n` training images of the real data if the Debian package is installed, else
/// synthetic images: inputs [n, 784], one-hot [n, 10], labels [n].
fn first_train(n: usize) -> (Tensor, Tensor, Tensor, &'static str) {
    let d = Device::Cpu;
    let dir = Path::new(DEBIAN_DIR);
    let (pixels, labels, source) = if dir.join("train-images-idx3-ubyte.gz").exists() {
        let (_, px) = idx::read_images(&dir.join("train-images-idx3-ubyte.gz"), 28, 28).unwrap();
        let y = idx::read_labels(&dir.join("train-labels-idx1-ubyte.gz"), 10).unwrap();
        (px[..n * INPUT_LEN].to_vec(), y[..n].to_vec(), "real")
    } else {
        let s = data::synthetic(n, 1, &mut stream(0, "synthetic"), &d).unwrap();
        let px: Vec<f32> = s.x_train.flatten_all().unwrap().to_vec1().unwrap();
        let px = px.iter().map(|v| (v * 255.0).round() as u8).collect();
        (px, s.y_train, "synthetic")
    };
    let x = data::scale_pixels(&pixels, &d).unwrap();
    (
        x,
        data::one_hot(&labels, &d).unwrap(),
        data::label_tensor(&labels, &d).unwrap(),
        source,
    )
}

/// With dropout off the reference network memorises 32 training images (100% accuracy).
#[test]
fn overfits_32_images_without_dropout() {
    let (x, y1, y, source) = first_train(32);
    let mut h = reference();
    h.dropout = 0.0;
    let acc = train::fit_accuracy(&h, &x, &y1, &y, 300, 0).unwrap();
    assert_eq!(acc, 1.0, "{source} data: training accuracy {acc}");
}

/// Writes a small synthetic Fashion-MNIST (gzipped IDX files under the declared names) and
/// returns the dataset the harness would resolve.
fn synthetic_dataset(dir: &Path, n_train: usize, n_test: usize) -> ResolvedDataset {
    let ds = data::synthetic(n_train, n_test, &mut stream(9, "synthetic"), &Device::Cpu).unwrap();
    let bytes = |t: &Tensor| -> Vec<u8> {
        let v: Vec<f32> = t.flatten_all().unwrap().to_vec1().unwrap();
        v.iter().map(|p| (p * 255.0).round() as u8).collect()
    };
    let mut files = std::collections::BTreeMap::new();
    for (name, dims, payload) in [
        (
            data::TRAIN_IMAGES,
            vec![n_train, 28, 28],
            bytes(&ds.x_train),
        ),
        (data::TRAIN_LABELS, vec![n_train], ds.y_train.clone()),
        (data::TEST_IMAGES, vec![n_test, 28, 28], bytes(&ds.x_test)),
        (data::TEST_LABELS, vec![n_test], ds.y_test.clone()),
    ] {
        let path: PathBuf = dir.join(name.replace('/', "_"));
        std::fs::write(&path, idx::gzip(&idx::encode(&dims, &payload))).unwrap();
        files.insert(name.to_string(), path);
    }
    ResolvedDataset {
        name: "fashion-mnist".into(),
        files,
    }
}

fn table(h: &Hyperparameters) -> toml::Table {
    let text = format!(
        "hidden = {:?}\ndropout = {}\ninit = \"he_normal_keras_2.1\"\nlearning_rate = {}\nmomentum = {}\ndecay = {}\nnesterov = {}\nbatch_size = {}\nepochs = {}\nvalidation_fraction = {}\n",
        h.hidden, h.dropout, h.learning_rate, h.momentum, h.decay, h.nesterov, h.batch_size, h.epochs, h.validation_fraction
    );
    text.parse().unwrap()
}

fn run(ds: &ResolvedDataset, h: &Hyperparameters, seed: u64) -> RunOutput {
    let t = table(h);
    Xiao2017
        .run(&RunContext {
            variant: "test",
            hyperparameters: &t,
            dataset: ds,
            seed,
            device: &Device::Cpu,
            progress: &NoProgress,
        })
        .unwrap()
}

/// The whole pipeline (gzipped IDX files → split → training → metrics): same seed ⇒
/// bitwise-identical metrics and curves; another seed ⇒ different numbers; every metric and
/// curve the config relies on is present.
#[test]
fn same_seed_gives_bitwise_identical_runs() {
    let dir = tempfile::tempdir().unwrap();
    let ds = synthetic_dataset(dir.path(), 300, 100);
    let mut h = reference();
    h.hidden = vec![32, 16];
    h.epochs = 3;
    let a = run(&ds, &h, 5);
    let b = run(&ds, &h, 5);
    let c = run(&ds, &h, 6);
    assert_eq!(a.status, RunStatus::Ok);
    let bits = |o: &RunOutput| {
        o.metrics
            .iter()
            .filter(|(k, _)| k.as_str() != "train_examples_per_second")
            .map(|(k, v)| (k.clone(), v.to_bits()))
            .collect::<Vec<_>>()
    };
    assert_eq!(bits(&a), bits(&b));
    assert_eq!(a.curves["test_accuracy"], b.curves["test_accuracy"]);
    assert_ne!(bits(&a), bits(&c));
    for m in train::METRICS {
        assert!(a.metrics[*m].is_finite(), "{m}: {:?}", a.metrics);
    }
    for c in ["val_accuracy", "test_accuracy", "train_loss"] {
        assert_eq!(a.curves[c].len(), 3, "{c}");
    }
    assert_eq!(a.extra["rows"]["train"], 240);
    assert_eq!(a.extra["optimizer_steps"], 3 * 4); // ⌈240/64⌉ = 4 steps per epoch
    let best = a.metrics["best_test_accuracy"];
    assert!(
        a.metrics["test_accuracy"] <= best && a.metrics["best_val_epoch_test_accuracy"] <= best
    );
    assert!(a.metrics["test_accuracy"] > 0.3, "{:?}", a.metrics);
}

/// A loss that stops being finite is recorded as diverged (NaN metrics), not dropped. (A huge
/// learning rate does not do it here: tanh and sigmoid saturate and the clipped loss stays
/// finite with zero gradients, in Keras too; a NaN input does.)
#[test]
fn divergence_is_reported() {
    let d = Device::Cpu;
    let ds = data::synthetic(128, 32, &mut stream(1, "s"), &d).unwrap();
    let split = ds.split(0.25, &mut stream(1, "split")).unwrap();
    let mut x: Vec<f32> = split.x_train.flatten_all().unwrap().to_vec1().unwrap();
    x[5 * INPUT_LEN + 3] = f32::NAN;
    let x = Tensor::from_vec(x, split.x_train.dims(), &d).unwrap();
    let y: Vec<u8> = split
        .y_train
        .to_vec1::<u32>()
        .unwrap()
        .iter()
        .map(|&l| l as u8)
        .collect();
    let yv: Vec<u8> = split
        .y_val
        .to_vec1::<u32>()
        .unwrap()
        .iter()
        .map(|&l| l as u8)
        .collect();
    let yt: Vec<u8> = split
        .y_test
        .to_vec1::<u32>()
        .unwrap()
        .iter()
        .map(|&l| l as u8)
        .collect();
    let bad = Split::new(x, &y, split.x_val.clone(), &yv, split.x_test.clone(), &yt).unwrap();
    let mut h = reference();
    h.hidden = vec![16];
    h.epochs = 3;
    let out = train::train(&h, &bad, 0, &NoProgress).unwrap();
    match &out.status {
        RunStatus::Diverged {
            unit, step, loss, ..
        } => {
            assert_eq!((unit.as_str(), *step, loss.as_str()), ("epoch", 1, "NaN"));
        }
        RunStatus::Ok => panic!("expected divergence, got {:?}", out.metrics),
    }
    assert!(out.metrics["test_accuracy"].is_nan());
    // diverged in epoch 1: no epoch finished, so no evaluation point
    assert!(out.curves.get("test_accuracy").is_none_or(|c| c.is_empty()));
}

#[test]
fn hyperparameters_are_checked() {
    let mut t = table(&reference());
    assert!(Xiao2017.validate_variant("mlp", &t).is_ok());
    t.insert("learnin_rate".into(), 0.1.into());
    let e = Xiao2017
        .validate_variant("mlp", &t)
        .unwrap_err()
        .to_string();
    assert!(e.contains("learnin_rate") && e.contains("mlp"), "{e}");
    let mut h = reference();
    h.momentum = 1.0;
    let e = Xiao2017
        .validate_variant("mlp", &table(&h))
        .unwrap_err()
        .to_string();
    assert!(e.contains("momentum"), "{e}");
    let mut t = table(&reference());
    t.insert("init".into(), "glorot".into());
    assert!(Xiao2017.validate_variant("mlp", &t).is_err());
}

/// A corrupt dataset file fails with an error naming it (no panic).
#[test]
fn truncated_dataset_file_is_an_error_naming_it() {
    let dir = tempfile::tempdir().unwrap();
    let ds = synthetic_dataset(dir.path(), 20, 10);
    let path = ds.files[data::TEST_IMAGES].clone();
    let raw = idx::gunzip(&std::fs::read(&path).unwrap(), &path).unwrap();
    std::fs::write(&path, idx::gzip(&raw[..raw.len() - 100])).unwrap();
    let e = FashionMnist::load(&ds, &Device::Cpu)
        .unwrap_err()
        .to_string();
    assert!(e.contains("t10k-images") && e.contains("truncated"), "{e}");
}

/// The real files, if installed: shapes, label balance (6,000 per class in training, 1,000 in
/// test) and the reference split sizes 48,000 / 12,000.
#[test]
fn real_data_if_installed() {
    let dir = Path::new(DEBIAN_DIR);
    if !dir.join("train-images-idx3-ubyte.gz").exists() {
        eprintln!("dataset-fashion-mnist not installed: skipping");
        return;
    }
    let files = [
        data::TRAIN_IMAGES,
        data::TRAIN_LABELS,
        data::TEST_IMAGES,
        data::TEST_LABELS,
    ]
    .iter()
    .map(|f| {
        (
            f.to_string(),
            dir.join(f.trim_start_matches("fashion-mnist/")),
        )
    })
    .collect();
    let ds = ResolvedDataset {
        name: "fashion-mnist".into(),
        files,
    };
    let fm = FashionMnist::load(&ds, &Device::Cpu).unwrap();
    assert_eq!(fm.x_train.dims(), &[60_000, INPUT_LEN]);
    assert_eq!(fm.x_test.dims(), &[10_000, INPUT_LEN]);
    for c in 0..10u8 {
        assert_eq!(fm.y_train.iter().filter(|&&l| l == c).count(), 6000);
        assert_eq!(fm.y_test.iter().filter(|&&l| l == c).count(), 1000);
    }
    let split: Split = fm.split(0.2, &mut stream(0, "validation-split")).unwrap();
    assert_eq!(split.n_train(), 48_000);
    assert_eq!(split.x_val.dims(), &[12_000, INPUT_LEN]);
}
