//! Speed of the notebook's CNN (two 3×3×32 convolutions with 2×2 max pooling, dropout 0.25,
//! dense 128, dropout 0.5, softmax; 113,386 parameters) at its batch of 64, one thread unless
//! `RAYON_NUM_THREADS` says otherwise: the forward pass (dropout off), and one training step
//! as `train.rs` takes it (fresh dropout masks, softmax, Keras cross-entropy, backward, Adam).
//! `cargo bench -p abelusha2017-fashion-cnn --bench train_step`.

#[path = "../../support/src/alloc.rs"]
mod alloc;
use abelusha2017_fashion_cnn::model::Cnn;
use abelusha2017_fashion_cnn::train::batch_loss;
use abelusha2017_fashion_cnn::Hyperparameters;
use candle_core::{Device, Tensor};
use criterion::{criterion_group, criterion_main, Criterion};
use repro_kit::optim::{Adam, AdamParams};
use repro_kit::rng::stream;

/// The notebook's hyperparameters.
fn notebook() -> Hyperparameters {
    Hyperparameters {
        filters: 32,
        kernel_size: 3,
        pool_size: 2,
        dense: 128,
        conv_dropout: 0.25,
        dense_dropout: 0.5,
        learning_rate: 1e-3,
        adam_epsilon: 1e-8,
        batch_size: 64,
        epochs: 50,
        validation_fraction: 0.2,
        split_seed: Some(101),
    }
}

fn bench(c: &mut Criterion) {
    alloc::tune_allocator();
    let threads: usize = std::env::var("RAYON_NUM_THREADS")
        .ok()
        .and_then(|s| s.parse().ok())
        .unwrap_or(1);
    std::env::set_var("RAYON_NUM_THREADS", threads.to_string());
    let d = Device::Cpu;
    let batch = 64;
    let x = repro_kit::init::uniform(&mut stream(0, "x"), &[batch, 1, 28, 28], 0.5, &d)
        .unwrap()
        .as_tensor()
        .detach()
        .affine(1.0, 0.5)
        .unwrap();
    let mut y = vec![0f32; batch * 10];
    for i in 0..batch {
        y[i * 10 + i % 10] = 1.0;
    }
    let y = Tensor::from_vec(y, (batch, 10), &d).unwrap();
    let h = notebook();
    let model = Cnn::new(&h, &mut stream(0, "init"), &d).unwrap();
    let mut opt = Adam::with_params(
        model.vars(),
        AdamParams {
            eps: h.adam_epsilon,
            ..AdamParams::default()
        },
    )
    .unwrap();
    let mut drng = stream(0, "dropout");
    let mut g = c.benchmark_group(format!("fashion_cnn_batch64_threads{threads}"));
    g.sample_size(30);
    g.bench_function("forward", |b| b.iter(|| model.forward(&x, None).unwrap()));
    g.bench_function("step", |b| {
        b.iter(|| {
            let masks = model.masks(&mut drng, batch, &d).unwrap();
            let loss = batch_loss(&model, &x, &y, Some(&masks)).unwrap();
            opt.backward_step(&loss).unwrap();
        })
    });
    g.finish();
}

criterion_group!(benches, bench);
criterion_main!(benches);
