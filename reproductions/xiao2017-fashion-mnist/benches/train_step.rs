//! Speed of the Fashion-MNIST MLP 256-128-100 (Keras `Dense` + tanh + dropout 0.4, sigmoid
//! output, Keras categorical cross-entropy, Keras SGD with Nesterov momentum), single-threaded:
//! one optimizer step at the reference batch of 64, and one epoch of 750 such steps over 48,000
//! rows (shuffled gather, fresh dropout masks per batch, as `train.rs` does).
//! `cargo bench -p xiao2017-fashion-mnist --bench train_step`; `tools/bench/peer.py` prints the
//! ratio to PyTorch (reproductions/kit/benches/README.md).

#[path = "../../support/src/alloc.rs"]
mod alloc;
use candle_core::{Device, Tensor};
use criterion::{criterion_group, criterion_main, Criterion};
use repro_kit::loss::keras_categorical_crossentropy;
use repro_kit::nn::Parameters;
use repro_kit::optim::KerasSgd;
use repro_kit::rng::{permutation, stream};
use xiao2017_fashion_mnist::model::{Init, Mlp};

/// `n` rows of U(0, 1) pixels and one-hot labels `i mod 10`.
fn data(n: usize, d: &Device) -> (Tensor, Tensor) {
    let x = repro_kit::init::uniform(&mut stream(0, "x"), &[n, 784], 0.5, d)
        .unwrap()
        .as_tensor()
        .detach() // data, not a parameter: no gradient flows into it (as in train.rs)
        .affine(1.0, 0.5)
        .unwrap();
    let mut y = vec![0f32; n * 10];
    for i in 0..n {
        y[i * 10 + i % 10] = 1.0;
    }
    (x, Tensor::from_vec(y, (n, 10), d).unwrap())
}

fn bench(c: &mut Criterion) {
    // The allocator setting the harness runs with (`support/src/alloc.rs`).
    alloc::tune_allocator();
    std::env::set_var("RAYON_NUM_THREADS", "1");
    let d = Device::Cpu;
    let model = Mlp::new(
        &[256, 128, 100],
        Init::HeNormalKeras21,
        &mut stream(0, "init"),
        &d,
    )
    .unwrap();
    let mut opt = KerasSgd::new(model.vars(), 0.01, 0.975, 2e-6, true, true).unwrap();
    let mut drop_rng = stream(0, "dropout");
    // As a run trains (`train::train`): subnormals flushed, as TensorFlow does.
    let _flush = repro_kit::denormal::FlushDenormals::new();
    let mut g = c.benchmark_group("fashion_mlp_256_128_100");
    g.sample_size(20);
    let (x64, y64) = data(64, &d);
    g.bench_function("step_batch64", |b| {
        b.iter(|| {
            let masks = model.dropout_masks(&mut drop_rng, 64, 0.4, &d).unwrap();
            let out = model.forward(&x64, masks.as_deref()).unwrap();
            let loss = keras_categorical_crossentropy(&out, &y64).unwrap();
            opt.step(&loss.backward().unwrap()).unwrap();
        })
    });
    let (xtr, ytr) = data(48_000, &d);
    let mut batch_rng = stream(0, "batches");
    g.sample_size(10);
    g.bench_function("epoch_48000", |b| {
        b.iter(|| {
            let order: Vec<u32> = permutation(&mut batch_rng, 48_000)
                .into_iter()
                .map(|i| i as u32)
                .collect();
            for rows in order.chunks(64) {
                let idx = Tensor::from_slice(rows, rows.len(), &d).unwrap();
                let xb = xtr.index_select(&idx, 0).unwrap();
                let yb = ytr.index_select(&idx, 0).unwrap();
                let masks = model
                    .dropout_masks(&mut drop_rng, rows.len(), 0.4, &d)
                    .unwrap();
                let out = model.forward(&xb, masks.as_deref()).unwrap();
                let loss = keras_categorical_crossentropy(&out, &yb).unwrap();
                opt.step(&loss.backward().unwrap()).unwrap();
            }
        })
    });
    g.finish();
}

criterion_group!(benches, bench);
criterion_main!(benches);
