//! The kit's CSR kernel (`prune::CsrMatrix::affine_into`) against the dense `nn::Linear`
//! forward at the lottery-ticket MLP's hidden layer (500 → 500), at 0 %, 50 %, 90 % and 99 %
//! sparsity (magnitude-pruned torch-default weights), batch 1 and 256, one thread.
//! `cargo bench -p repro-kit --bench sparse`.

#[path = "../../support/src/alloc.rs"]
mod alloc;
use candle_core::{Device, Tensor};
use criterion::{criterion_group, criterion_main, Criterion};
use repro_kit::nn::{Layer, Linear};
use repro_kit::prune::{host_values, CsrMatrix, MaskSet, Scope};
use repro_kit::rng::stream;

fn bench(c: &mut Criterion) {
    alloc::tune_allocator();
    std::env::set_var("RAYON_NUM_THREADS", "1");
    let d = Device::Cpu;
    let mut g = c.benchmark_group("sparse_vs_dense_500x500_threads1");
    g.sample_size(30);
    for sparsity in [0.0, 0.5, 0.9, 0.99] {
        let lin = Linear::torch_default(&mut stream(0, "init"), 500, 500, &d).unwrap();
        let vars = [lin.weight.clone(), lin.bias.clone()];
        MaskSet::magnitude(&vars, &Scope::PerTensor, sparsity, None)
            .unwrap()
            .apply(&vars)
            .unwrap();
        let csr = CsrMatrix::from_var(&lin.weight).unwrap();
        let bias = host_values(&lin.bias).unwrap();
        for batch in [1usize, 256] {
            let x: Vec<f32> = (0..batch * 500).map(|i| (i as f32 * 0.013).sin()).collect();
            let xt = Tensor::from_vec(x.clone(), (batch, 500), &d).unwrap();
            let tag = format!("s{:02}/batch{batch}", (sparsity * 100.0) as u32);
            g.bench_function(format!("dense/{tag}"), |b| {
                b.iter(|| lin.forward(&xt).unwrap())
            });
            let mut y = vec![0.0f32; batch * 500];
            g.bench_function(format!("csr/{tag}"), |b| {
                b.iter(|| csr.affine_into(&x, batch, Some(&bias), &mut y).unwrap())
            });
        }
    }
    g.finish();
}

criterion_group!(benches, bench);
criterion_main!(benches);
