//! One training step (forward, cross-entropy, backward, Adam update) of the 2-D CNN of the
//! TensorFlow "Deep MNIST" tutorial on 28×28×1 inputs, batch 100: conv 5×5×32 ('same') → ReLU →
//! max-pool 2×2 → conv 5×5×64 ('same') → ReLU → max-pool 2×2 → fc 3136→1024 → ReLU → fc 1024→10
//! (3.27 M parameters), with the kit's `Adam`. `kit/...` uses the kit's layers; `candle/...` the
//! same network on candle's own `conv2d` and `max_pool2d` (the "before").
//!
//! Threads: `RAYON_NUM_THREADS` (default 1), which is what `harness run --threads-per-run N`
//! sets; run it twice to compare 1 and 2 threads:
//! `RAYON_NUM_THREADS=2 cargo bench -p repro-kit --bench cnn2d_step`.

#[path = "../../support/src/alloc.rs"]
mod alloc;
use candle_core::{Device, Tensor, Var};
use candle_nn::loss::cross_entropy;
use criterion::{criterion_group, criterion_main, Criterion};
use repro_kit::nn::{relu, vars_of, Conv2d, Layer, Linear, MaxPool2d};
use repro_kit::optim::Adam;
use repro_kit::rng::stream;

/// The network's parameters, created in PyTorch's order.
struct Cnn {
    conv1: Conv2d,
    conv2: Conv2d,
    fc1: Linear,
    fc2: Linear,
    pool: MaxPool2d,
}

impl Cnn {
    fn new() -> Self {
        let (d, rng) = (Device::Cpu, &mut stream(0, "init"));
        Self {
            conv1: Conv2d::torch_default(rng, 1, 32, (5, 5), (1, 1), (2, 2), &d).unwrap(),
            conv2: Conv2d::torch_default(rng, 32, 64, (5, 5), (1, 1), (2, 2), &d).unwrap(),
            fc1: Linear::torch_default(rng, 7 * 7 * 64, 1024, &d).unwrap(),
            fc2: Linear::torch_default(rng, 1024, 10, &d).unwrap(),
            pool: MaxPool2d::new((2, 2), (2, 2), (0, 0)).unwrap(),
        }
    }

    fn vars(&self) -> Vec<Var> {
        vars_of(&[&self.conv1, &self.conv2, &self.fc1, &self.fc2])
    }

    /// `x` [100, 1, 28, 28] → logits [100, 10] on the kit's layers (and the kit's fused ReLU,
    /// `repro_kit::nn::relu`, whose gradient is PyTorch's and TensorFlow's: 0 at 0).
    fn forward(&self, x: &Tensor) -> Tensor {
        let h = self
            .pool
            .forward(&relu(&self.conv1.forward(x).unwrap()).unwrap())
            .unwrap();
        let h = self
            .pool
            .forward(&relu(&self.conv2.forward(&h).unwrap()).unwrap())
            .unwrap();
        let h = h.flatten_from(1).unwrap(); // [100, 3136]
        let h = relu(&self.fc1.forward(&h).unwrap()).unwrap();
        self.fc2.forward(&h).unwrap()
    }

    /// The same network on candle's `conv2d` and `max_pool2d`.
    fn forward_candle(&self, x: &Tensor) -> Tensor {
        let conv = |c: &Conv2d, x: &Tensor| {
            x.conv2d(&c.weight, 2, 1, 1, 1)
                .unwrap()
                .broadcast_add(&c.bias.reshape((1, (), 1, 1)).unwrap())
                .unwrap()
        };
        let h = conv(&self.conv1, x).relu().unwrap().max_pool2d(2).unwrap();
        let h = conv(&self.conv2, &h).relu().unwrap().max_pool2d(2).unwrap();
        let h = h.flatten_from(1).unwrap();
        let h = self.fc1.forward(&h).unwrap().relu().unwrap();
        self.fc2.forward(&h).unwrap()
    }
}

fn bench(c: &mut Criterion) {
    // The allocator setting the harness runs with (`support/src/alloc.rs`).
    alloc::tune_allocator();
    let threads: usize = std::env::var("RAYON_NUM_THREADS")
        .ok()
        .and_then(|s| s.parse().ok())
        .unwrap_or(1);
    std::env::set_var("RAYON_NUM_THREADS", threads.to_string());
    let d = Device::Cpu;
    let x = repro_kit::init::uniform(&mut stream(0, "x"), &[100, 1, 28, 28], 1.0, &d)
        .unwrap()
        .as_tensor()
        .clone();
    let y = Tensor::from_vec((0..100u32).map(|i| i % 10).collect(), 100, &d).unwrap();
    let mut g = c.benchmark_group(format!("cnn2d_train_step_batch100_threads{threads}"));
    g.sample_size(10);
    let model = Cnn::new();
    let mut opt = Adam::new(model.vars(), 1e-4, 0.0).unwrap();
    g.bench_function("kit/forward", |b| b.iter(|| model.forward(&x)));
    g.bench_function("kit/forward_backward", |b| {
        b.iter(|| {
            cross_entropy(&model.forward(&x), &y)
                .unwrap()
                .backward()
                .unwrap()
        })
    });
    g.bench_function("kit/step", |b| {
        b.iter(|| {
            let loss = cross_entropy(&model.forward(&x), &y).unwrap();
            opt.backward_step(&loss).unwrap();
        })
    });
    if std::env::var_os("BENCH_CANDLE").is_some() {
        g.bench_function("candle/step", |b| {
            b.iter(|| {
                let loss = cross_entropy(&model.forward_candle(&x), &y).unwrap();
                opt.backward_step(&loss).unwrap();
            })
        });
    }
    g.finish();
}

criterion_group!(benches, bench);
criterion_main!(benches);
