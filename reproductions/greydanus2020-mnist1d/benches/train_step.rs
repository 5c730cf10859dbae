//! Speed of one optimizer step (forward, backward, Adam update) of each MNIST-1D model at the
//! reference batch size of 100, single-threaded — the quantity that sets the wall time of a run
//! (6001 steps), plus the forward pass alone and forward + backward without the update.
//! `cargo bench -p greydanus2020-mnist1d --bench train_step`; `tools/bench/peer.py` prints the
//! ratio to PyTorch (reproductions/kit/benches/README.md).

#[path = "../../support/src/alloc.rs"]
mod alloc;
use candle_core::{Device, Tensor};
use candle_nn::loss::cross_entropy;
use criterion::{criterion_group, criterion_main, Criterion};
use greydanus2020_mnist1d::models::{Model, ModelSpec};
use repro_kit::nn::{Layer, Parameters};
use repro_kit::optim::Adam;
use repro_kit::rng::stream;

fn batch(device: &Device) -> (Tensor, Tensor) {
    let x = repro_kit::init::uniform(&mut stream(0, "x"), &[100, 40], 1.0, device)
        .unwrap()
        .as_tensor()
        .clone();
    let y: Vec<u32> = (0..100).map(|i| i % 10).collect();
    (x, Tensor::from_vec(y, 100, device).unwrap())
}

fn bench(c: &mut Criterion) {
    // The allocator setting the harness runs with (`support/src/alloc.rs`).
    alloc::tune_allocator();
    std::env::set_var("RAYON_NUM_THREADS", "1");
    let device = Device::Cpu;
    let (x, y) = batch(&device);
    let mut group = c.benchmark_group("mnist1d_train_step_batch100");
    group.sample_size(20);
    for (name, spec) in [
        ("logistic", ModelSpec::Logistic),
        ("mlp", ModelSpec::Mlp { hidden: 100 }),
        ("cnn", ModelSpec::Cnn { channels: 25 }),
        ("gru", ModelSpec::Gru { hidden: 6 }),
    ] {
        let model = Model::new(&spec, &mut stream(0, "init"), &device).unwrap();
        let mut opt = Adam::new(model.vars(), 1e-2, 0.0).unwrap();
        group.bench_function(format!("{name}/forward"), |b| {
            b.iter(|| model.forward(&x).unwrap())
        });
        // Forward + backward without the update: the step's cost minus the optimizer's.
        group.bench_function(format!("{name}/forward_backward"), |b| {
            b.iter(|| {
                cross_entropy(&model.forward(&x).unwrap(), &y)
                    .unwrap()
                    .backward()
                    .unwrap()
            })
        });
        group.bench_function(format!("{name}/step"), |b| {
            b.iter(|| {
                let loss = cross_entropy(&model.forward(&x).unwrap(), &y).unwrap();
                opt.backward_step(&loss).unwrap();
            })
        });
    }
    group.finish();
}

criterion_group!(benches, bench);
criterion_main!(benches);
