//! Times one training epoch of the reference configuration on the real data, phase by phase:
//! `RAYON_NUM_THREADS=1 cargo run --release -p xiao2017-fashion-mnist --example epoch_time
//! [DIR]` (DIR defaults to /usr/share/datasets/fashion-mnist, the Debian package).

use candle_core::{Device, Tensor};
use repro_kit::data::batching::epoch_batches;
use repro_kit::loss::{keras_categorical_crossentropy, nan_probe};
use repro_kit::nn::Parameters;
use repro_kit::optim::KerasSgd;
use repro_kit::rng::{permutation, stream};
use repro_kit::ResolvedDataset;
use std::time::Instant;
use xiao2017_fashion_mnist::data::{self, FashionMnist};
use xiao2017_fashion_mnist::model::{Init, Mlp};
use xiao2017_fashion_mnist::train::evaluate;

fn main() -> repro_kit::Result<()> {
    let dir = std::env::args()
        .nth(1)
        .unwrap_or_else(|| "/usr/share/datasets/fashion-mnist".into());
    let files = [
        data::TRAIN_IMAGES,
        data::TRAIN_LABELS,
        data::TEST_IMAGES,
        data::TEST_LABELS,
    ]
    .iter()
    .map(|f| {
        let name = f.trim_start_matches("fashion-mnist/");
        (f.to_string(), std::path::Path::new(&dir).join(name))
    })
    .collect();
    let ds = ResolvedDataset {
        name: "fashion-mnist".into(),
        files,
        environment: None,
    };
    let d = Device::Cpu;
    let t = Instant::now();
    let fm = FashionMnist::load(&ds, &d)?;
    let split = fm.split(0.2, &mut stream(0, "validation-split"))?;
    println!("load + split: {:.2} s", t.elapsed().as_secs_f64());
    let model = Mlp::new(
        &[256, 128, 100],
        Init::HeNormalKeras21,
        &mut stream(0, "init"),
        &d,
    )?;
    let mut opt = KerasSgd::new(model.vars(), 0.01, 0.975, 2e-6, true, true)?;
    let mut drng = stream(0, "dropout");
    let order = permutation(&mut stream(0, "batches"), split.n_train());
    let (mut gather, mut masks_t, mut fwd, mut bwd, mut upd) = (0.0, 0.0, 0.0, 0.0, 0.0);
    let mut probe = Tensor::zeros((), candle_core::DType::F32, &d)?;
    let epoch = Instant::now();
    for idx in epoch_batches(&order, 64) {
        let t = Instant::now();
        let idx = Tensor::from_slice(&idx, idx.len(), &d)?;
        let xb = split.x_train.index_select(&idx, 0)?;
        let yb = split.y_train_onehot.index_select(&idx, 0)?;
        gather += t.elapsed().as_secs_f64();
        let t = Instant::now();
        let masks = model.dropout_masks(&mut drng, 64, 0.4, &d)?;
        masks_t += t.elapsed().as_secs_f64();
        let t = Instant::now();
        let out = model.forward(&xb, masks.as_deref())?;
        let loss = keras_categorical_crossentropy(&out, &yb)?;
        probe = (probe + nan_probe(&out)?)?;
        fwd += t.elapsed().as_secs_f64();
        let t = Instant::now();
        let grads = loss.backward()?;
        bwd += t.elapsed().as_secs_f64();
        let t = Instant::now();
        opt.step(&grads)?;
        upd += t.elapsed().as_secs_f64();
    }
    let train = epoch.elapsed().as_secs_f64();
    let t = Instant::now();
    let val = evaluate(&model, &split.x_val, &split.y_val)?;
    let test = evaluate(&model, &split.x_test, &split.y_test)?;
    let eval = t.elapsed().as_secs_f64();
    println!(
        "epoch: training {train:.2} s (gather {gather:.2}, masks {masks_t:.2}, forward+loss {fwd:.2}, backward {bwd:.2}, update {upd:.2}); evaluation {eval:.2} s; val {val:.4} test {test:.4}"
    );
    println!(
        "throughput {:.0} training examples/s",
        split.n_train() as f64 / train
    );
    Ok(())
}
