//! Speed of each kit layer, forward and forward + backward, at the shapes of the models the
//! project trains (batch 100, F32, CPU), single-threaded unless `RAYON_NUM_THREADS` says
//! otherwise; `candle/...` entries time candle's own op on the same shapes for comparison.
//! `cargo bench -p repro-kit --bench layers`; `tools/bench/peer.py` prints the ratio to PyTorch.

#[path = "../../support/src/alloc.rs"]
mod alloc;
use candle_core::{DType, Device, Tensor, Var};
use criterion::{criterion_group, criterion_main, Criterion};
use repro_kit::nn::{AvgPool2d, Conv1d, Conv2d, Layer, Linear, MaxPool2d};
use repro_kit::rng::stream;

/// Threads of this run (`RAYON_NUM_THREADS`, default 1, set before any kernel runs).
fn threads() -> usize {
    let n = std::env::var("RAYON_NUM_THREADS")
        .ok()
        .and_then(|s| s.parse().ok())
        .unwrap_or(1);
    std::env::set_var("RAYON_NUM_THREADS", n.to_string());
    n
}

/// A trainable input U(−1, 1) of `shape`.
fn input(shape: &[usize]) -> Var {
    repro_kit::init::uniform(&mut stream(0, "x"), shape, 1.0, &Device::Cpu).unwrap()
}

/// Forward, then forward + backward of `Σ f(x)` (gradients for x and the layer's parameters).
fn bench_layer(c: &mut Criterion, group: &str, name: &str, x: &Var, f: &dyn Fn(&Tensor) -> Tensor) {
    let mut g = c.benchmark_group(group);
    g.sample_size(20);
    g.bench_function(format!("{name}/forward"), |b| b.iter(|| f(x.as_tensor())));
    g.bench_function(format!("{name}/forward_backward"), |b| {
        b.iter(|| f(x.as_tensor()).sum_all().unwrap().backward().unwrap())
    });
    g.finish();
}

fn bench(c: &mut Criterion) {
    // The allocator setting the harness runs with (`support/src/alloc.rs`).
    alloc::tune_allocator();
    let t = threads();
    let group = format!("kit_layers_threads{t}");
    let d = Device::Cpu;
    let rng = &mut stream(0, "init");
    // MNIST-1D CNN, second convolution: [100, 25, 19] → [100, 25, 10].
    let conv1d = Conv1d::torch_default(rng, 25, 25, 3, 2, 1, &d).unwrap();
    let x1 = input(&[100, 25, 19]);
    bench_layer(c, &group, "conv1d_25x19_k3s2p1", &x1, &|x| {
        conv1d.forward(x).unwrap()
    });
    bench_layer(c, &group, "candle/conv1d_25x19_k3s2p1", &x1, &|x| {
        x.conv1d(&conv1d.weight, 1, 2, 1, 1)
            .unwrap()
            .broadcast_add(&conv1d.bias.reshape((1, (), 1)).unwrap())
            .unwrap()
    });
    // 2-D CNN, first and second convolutions (5×5, 'same' padding).
    let conv_a = Conv2d::torch_default(rng, 1, 32, (5, 5), (1, 1), (2, 2), &d).unwrap();
    let xa = input(&[100, 1, 28, 28]);
    bench_layer(c, &group, "conv2d_1x28x28_32k5p2", &xa, &|x| {
        conv_a.forward(x).unwrap()
    });
    let conv_b = Conv2d::torch_default(rng, 32, 64, (5, 5), (1, 1), (2, 2), &d).unwrap();
    let xb = input(&[100, 32, 14, 14]);
    bench_layer(c, &group, "conv2d_32x14x14_64k5p2", &xb, &|x| {
        conv_b.forward(x).unwrap()
    });
    bench_layer(c, &group, "candle/conv2d_32x14x14_64k5p2", &xb, &|x| {
        x.conv2d(&conv_b.weight, 2, 1, 1, 1)
            .unwrap()
            .broadcast_add(&conv_b.bias.reshape((1, (), 1, 1)).unwrap())
            .unwrap()
    });
    // Pooling after the first 2-D convolution: [100, 32, 28, 28] → [100, 32, 14, 14].
    let xp = input(&[100, 32, 28, 28]);
    let max = MaxPool2d::new((2, 2), (2, 2), (0, 0)).unwrap();
    let avg = AvgPool2d::new((2, 2), (2, 2), (0, 0)).unwrap();
    bench_layer(c, &group, "maxpool2d_32x28x28_k2s2", &xp, &|x| {
        max.forward(x).unwrap()
    });
    bench_layer(c, &group, "candle/maxpool2d_32x28x28_k2s2", &xp, &|x| {
        x.max_pool2d(2).unwrap()
    });
    bench_layer(c, &group, "avgpool2d_32x28x28_k2s2", &xp, &|x| {
        avg.forward(x).unwrap()
    });
    // Fully connected layer of the 2-D CNN: [100, 3136] → [100, 1024].
    let fc = Linear::torch_default(rng, 3136, 1024, &d).unwrap();
    let xf = input(&[100, 3136]);
    bench_layer(c, &group, "linear_3136x1024", &xf, &|x| {
        fc.forward(x).unwrap()
    });
    let _ = DType::F32;
}

criterion_group!(benches, bench);
criterion_main!(benches);
