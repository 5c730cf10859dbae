//! Speed of the optimizer update alone (gradients precomputed), single-threaded:
//! - the 2-D CNN of the TensorFlow tutorial (conv 5×5×1×32, conv 5×5×32×64, fc 3136×1024,
//!   fc 1024×10, with biases: 3,274,634 parameters in 8 tensors), for the kit's fused Adam,
//!   AdamW and SGD-momentum, and candle-nn's unfused `AdamW` (tensor ops; the kit's Adam before
//!   the fused update) for comparison;
//! - the 50-unit UCI MLP of gal2016 (13 → 50 → 1: 751 parameters in 4 tensors), where per-step
//!   overhead dominates.
//!
//! `cargo bench -p repro-kit --bench optim`; the PyTorch side is
//! `tests/vectors/time_adam_update.py` (torch.optim.Adam(foreach=True), same shapes).

#[path = "../../support/src/alloc.rs"]
mod alloc;
use candle_core::{backprop::GradStore, Device, Tensor, Var};
use criterion::{criterion_group, criterion_main, Criterion};
use repro_kit::optim::{Adam, AdamParams, AdamW, Optimizer, Sgd, SgdParams};
use repro_kit::rng::stream;

/// PyTorch-layout shapes of the 2-D CNN (3.27 M parameters).
const CNN: [&[usize]; 8] = [
    &[32, 1, 5, 5],
    &[32],
    &[64, 32, 5, 5],
    &[64],
    &[1024, 3136],
    &[1024],
    &[10, 1024],
    &[10],
];

/// The gal2016 UCI MLP on a 13-feature dataset (Boston housing): 751 parameters.
const MLP: [&[usize]; 4] = [&[50, 13], &[50], &[1, 50], &[1]];

/// Parameters of `shapes` and a gradient store for them (the gradient of Σ w·c is c).
fn setup(shapes: &[&[usize]]) -> (Vec<Var>, GradStore) {
    let d = Device::Cpu;
    let mut vars = Vec::new();
    let mut loss: Option<Tensor> = None;
    for (i, s) in shapes.iter().enumerate() {
        let w = repro_kit::init::uniform(&mut stream(i as u64, "w"), s, 0.1, &d).unwrap();
        let c = repro_kit::init::uniform(&mut stream(i as u64, "g"), s, 1.0, &d).unwrap();
        let term = (w.as_tensor() * c.as_tensor()).unwrap().sum_all().unwrap();
        loss = Some(match loss {
            None => term,
            Some(l) => (l + term).unwrap(),
        });
        vars.push(w);
    }
    let grads = loss.unwrap().backward().unwrap();
    (vars, grads)
}

fn bench_update<O: Optimizer>(
    c: &mut criterion::BenchmarkGroup<'_, criterion::measurement::WallTime>,
    name: &str,
    shapes: &[&[usize]],
    make: impl Fn(Vec<Var>) -> O,
) {
    let (vars, grads) = setup(shapes);
    let mut opt = make(vars);
    c.bench_function(name, |b| b.iter(|| opt.step(&grads).unwrap()));
}

fn bench(c: &mut Criterion) {
    // The allocator setting the harness runs with (`support/src/alloc.rs`).
    alloc::tune_allocator();
    std::env::set_var("RAYON_NUM_THREADS", "1");
    let adam = AdamParams {
        lr: 1e-4,
        ..AdamParams::default()
    };
    let sgd = SgdParams {
        lr: 1e-4,
        momentum: 0.9,
        ..SgdParams::default()
    };
    let mut g = c.benchmark_group("optim_update_cnn2d_3.3M");
    g.sample_size(20);
    bench_update(&mut g, "adam_fused", &CNN, |v| {
        Adam::with_params(v, adam).unwrap()
    });
    bench_update(&mut g, "adamw_fused", &CNN, |v| {
        AdamW::with_params(v, AdamParams::adamw()).unwrap()
    });
    bench_update(&mut g, "sgd_momentum_fused", &CNN, |v| {
        Sgd::with_params(v, sgd).unwrap()
    });
    bench_update(&mut g, "candle_nn_adamw_unfused", &CNN, |v| {
        let p = candle_nn::ParamsAdamW {
            lr: 1e-4,
            weight_decay: 0.0,
            ..Default::default()
        };
        candle_nn::AdamW::new(v, p).unwrap()
    });
    g.finish();

    let mut g = c.benchmark_group("optim_update_mlp50_751");
    g.sample_size(50);
    bench_update(&mut g, "adam_fused", &MLP, |v| {
        Adam::new(v, 1e-3, 0.0).unwrap()
    });
    bench_update(&mut g, "candle_nn_adamw_unfused", &MLP, |v| {
        let p = candle_nn::ParamsAdamW {
            lr: 1e-3,
            weight_decay: 0.0,
            ..Default::default()
        };
        candle_nn::AdamW::new(v, p).unwrap()
    });
    g.finish();
}

criterion_group!(benches, bench);
criterion_main!(benches);
