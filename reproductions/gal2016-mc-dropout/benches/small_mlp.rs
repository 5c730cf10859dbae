//! Speed of the two hot loops of a gal2016 run, single-threaded, on the UCI Boston shape
//! (13 inputs, H = 50, batch 128, 51 test points):
//! - one Adam step: the host forward/backward of `host::TrainStep` + the kit's Adam, against the
//!   same step through candle's autograd (the code before the host kernels, kept as the
//!   reference of the gradient test);
//! - MC-dropout pass-rows: the sparse `host::McPasses` against the dense pass, and the whole
//!   `predict::mc_dropout` (mask draws and the streaming log-likelihood included) per pass-row.
//!
//! `cargo bench -p gal2016-mc-dropout --bench small_mlp`. The whole-run figures come from
//! `cargo run --release -p gal2016-mc-dropout --example timing -- <mirror> bostonHousing 400 10000 50`
//! (reproductions/kit/benches/README.md).

#[path = "../../support/src/alloc.rs"]
mod alloc;
use candle_core::backprop::GradStore;
use candle_core::{Device, Tensor};
use criterion::{criterion_group, criterion_main, Criterion, Throughput};
use gal2016_mc_dropout::host::{HostWeights, McPasses, TrainStep};
use gal2016_mc_dropout::model::dropout_mlp;
use gal2016_mc_dropout::predict::mc_dropout;
use repro_kit::data::uci::Standardizer;
use repro_kit::nn::dropout::fill_multipliers;
use repro_kit::nn::Parameters;
use repro_kit::optim::Adam;
use repro_kit::rng::stream;
use std::hint::black_box;

const INPUTS: usize = 13;
const HIDDEN: usize = 50;
const BATCH: usize = 128;
const POINTS: usize = 51;
const P: f64 = 0.05;

/// `n` rows of inputs in (−2, 2) and their targets.
fn data(n: usize) -> (Vec<f32>, Vec<f32>) {
    let x: Vec<f32> = (0..n * INPUTS)
        .map(|k| (k as f32 * 0.37).sin() * 2.0)
        .collect();
    let y = x
        .chunks(INPUTS)
        .map(|r| r.iter().sum::<f32>() * 0.3)
        .collect();
    (x, y)
}

fn masks(rows: usize, seed: u64) -> (Vec<f32>, Vec<f32>) {
    let mut rng = stream(seed, "masks");
    let (mut xm, mut hm) = (vec![0f32; rows * INPUTS], vec![0f32; rows * HIDDEN]);
    fill_multipliers(&mut rng, P, &mut xm);
    fill_multipliers(&mut rng, P, &mut hm);
    (xm, hm)
}

fn step(c: &mut Criterion) {
    let dev = Device::Cpu;
    let (x, y) = data(BATCH);
    let (xm, hm) = masks(BATCH, 0);
    let xd: Vec<f32> = xm.iter().zip(&x).map(|(m, v)| m * v).collect();
    let reg = 1e-4;
    let mut group = c.benchmark_group("gal2016_adam_step_13_50_1_batch128");
    group.sample_size(50);
    {
        let model = dropout_mlp(&mut stream(0, "init"), INPUTS, HIDDEN, &dev).unwrap();
        let mut opt = Adam::new(model.vars(), 1e-3, 0.0).unwrap();
        let mut host = TrainStep::new();
        group.bench_function("host", |b| {
            b.iter(|| {
                let l = host.loss_and_gradients(&model, &xd, &hm, &y, reg).unwrap();
                let mut grads = GradStore::default();
                host.store(&model, &mut grads).unwrap();
                opt.step(&grads).unwrap();
                black_box(l)
            })
        });
    }
    {
        let model = dropout_mlp(&mut stream(0, "init"), INPUTS, HIDDEN, &dev).unwrap();
        let mut opt = Adam::new(model.vars(), 1e-3, 0.0).unwrap();
        let xt = Tensor::from_slice(&xd, (BATCH, INPUTS), &dev).unwrap();
        let ht = Tensor::from_slice(&hm, (BATCH, HIDDEN), &dev).unwrap();
        let yt = Tensor::from_slice(&y, (BATCH, 1), &dev).unwrap();
        group.bench_function("candle_autograd", |b| {
            b.iter(|| {
                let mse =
                    repro_kit::loss::mse(&model.forward_masked(&xt, &ht).unwrap(), &yt).unwrap();
                let loss =
                    (mse + model.kernel_sq_norm().unwrap().affine(reg, 0.0).unwrap()).unwrap();
                opt.backward_step(&loss).unwrap();
            })
        });
    }
    group.finish();
}

fn mc(c: &mut Criterion) {
    let dev = Device::Cpu;
    let model = dropout_mlp(&mut stream(1, "init"), INPUTS, HIDDEN, &dev).unwrap();
    let w = HostWeights::of(&model).unwrap();
    let (x, _) = data(POINTS);
    let passes = 100;
    let rows = passes * POINTS;
    let (xm, hm) = masks(rows, 1);
    let mut group = c.benchmark_group("gal2016_mc_pass_rows_51x100");
    group.throughput(Throughput::Elements(rows as u64));
    let mut net = McPasses::new(&w, &x, P).unwrap();
    let mut out = vec![0f32; rows];
    group.bench_function("sparse", |b| {
        b.iter(|| net.pass_rows(0, &xm, &hm, &mut out).unwrap())
    });
    let mut z = vec![0f32; w.padded_hidden_units()];
    let mut xd = vec![0f32; INPUTS];
    group.bench_function("dense", |b| {
        b.iter(|| {
            for (r, o) in out.iter_mut().enumerate() {
                let i = r % POINTS;
                for ((d, m), v) in xd
                    .iter_mut()
                    .zip(&xm[r * INPUTS..(r + 1) * INPUTS])
                    .zip(&x[i * INPUTS..(i + 1) * INPUTS])
                {
                    *d = m * v;
                }
                *o = w
                    .forward_one(&xd, &hm[r * HIDDEN..(r + 1) * HIDDEN], &mut z)
                    .unwrap();
            }
        })
    });
    // The whole prediction: mask draws, passes, target units, streaming log-likelihood.
    let truth: Vec<f64> = (0..POINTS).map(|i| (i as f64 * 0.3).cos()).collect();
    let standardizer = Standardizer {
        mean_x: vec![0.0; INPUTS],
        std_x: vec![1.0; INPUTS],
        mean_y: 0.5,
        std_y: 2.0,
    };
    group.bench_function("mc_dropout", |b| {
        b.iter(|| {
            mc_dropout(
                &model,
                &x,
                &truth,
                &standardizer,
                P,
                1.0,
                passes,
                &mut stream(2, "mc"),
                &repro_kit::NoProgress,
            )
            .unwrap()
        })
    });
    group.finish();
}

fn benches(c: &mut Criterion) {
    // The allocator setting and thread count the harness runs with.
    alloc::tune_allocator();
    std::env::set_var("RAYON_NUM_THREADS", "1");
    step(c);
    mc(c);
}

criterion_group!(small_mlp, benches);
criterion_main!(small_mlp);
