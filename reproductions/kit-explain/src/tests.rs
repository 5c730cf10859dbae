//! Tests of input gradients and of the right-reasons loss's double backward.

use super::*;
use crate::gradcheck;
use candle_core::{Device, Tensor};
use repro_kit::nn::{Layer, Parameters};
use repro_kit::optim::Adam;
use repro_kit::rng::stream;

const TARGETS: [Explained; 5] = [
    Explained::SumLogProbabilities,
    Explained::LogProbability(1),
    Explained::Probability(2),
    Explained::MaxProbability,
    Explained::MaxLogProbability,
];

/// A random F64 MLP 5 → 7 → 6 → 3 (scale 0.8, so that units are active and gradients sizeable).
fn mlp(seed: u64, activation: Activation) -> MultilayerPerceptron {
    let m = MultilayerPerceptron::normal_init(
        &mut stream(seed, "explain-test"),
        &[5, 7, 6, 3],
        0.8,
        activation,
        &Device::Cpu,
    )
    .unwrap();
    m.to_dtype(DType::F64).unwrap()
}

/// Inputs [4, 5] in F64, U(−1, 1).
fn inputs(seed: u64) -> Tensor {
    gradcheck::var(seed, &[4, 5], DType::F64)
        .as_tensor()
        .clone()
}

fn values(t: &Tensor) -> Vec<f64> {
    t.to_dtype(DType::F64)
        .unwrap()
        .flatten_all()
        .unwrap()
        .to_vec1()
        .unwrap()
}

fn scalar(t: &Tensor) -> f64 {
    t.to_dtype(DType::F64).unwrap().to_scalar::<f64>().unwrap()
}

fn max_abs_diff(a: &[f64], b: &[f64]) -> f64 {
    assert_eq!(a.len(), b.len());
    a.iter()
        .zip(b)
        .map(|(x, y)| (x - y).abs())
        .fold(0.0, f64::max)
}

#[test]
fn explicit_input_gradients_equal_autograd() {
    for activation in [Activation::Relu, Activation::Tanh] {
        let m = mlp(1, activation);
        let x = inputs(2);
        for target in TARGETS {
            let explicit = values(&m.input_gradients(&x, target).unwrap());
            let auto = values(&input_gradients(|x| m.forward(x), &x, target).unwrap());
            assert!(
                explicit.iter().any(|g| g.abs() > 1e-3),
                "{target:?}: all ~0"
            );
            let d = max_abs_diff(&explicit, &auto);
            assert!(
                d < 1e-12,
                "{activation:?} {target:?}: explicit vs autograd {d}"
            );
        }
    }
}

#[test]
fn input_gradients_equal_finite_differences() {
    let eps = 1e-6;
    for activation in [Activation::Relu, Activation::Tanh] {
        let m = mlp(3, activation);
        let x = inputs(4);
        let base = values(&x);
        for target in TARGETS {
            let g = values(&m.input_gradients(&x, target).unwrap());
            let f = |v: &[f64]| -> Vec<f64> {
                let t = Tensor::from_slice(v, (4, 5), &Device::Cpu).unwrap();
                let lp = values(&m.log_probabilities(&t).unwrap());
                lp.chunks(3)
                    .map(|row| {
                        let m = row.iter().cloned().fold(f64::MIN, f64::max);
                        match target {
                            Explained::SumLogProbabilities => row.iter().sum(),
                            Explained::LogProbability(c) => row[c],
                            Explained::Probability(c) => row[c].exp(),
                            Explained::MaxLogProbability => m,
                            Explained::MaxProbability => m.exp(),
                        }
                    })
                    .collect()
            };
            for i in 0..base.len() {
                let (mut up, mut down) = (base.clone(), base.clone());
                up[i] += eps;
                down[i] -= eps;
                let num = (f(&up)[i / 5] - f(&down)[i / 5]) / (2.0 * eps);
                assert!(
                    (num - g[i]).abs() < 1e-6 * (1.0 + num.abs()),
                    "{activation:?} {target:?} x[{i}]: gradient {} vs finite difference {num}",
                    g[i]
                );
            }
        }
    }
}

/// Annotation marking features 0 and 3 of every row.
fn annotation() -> Tensor {
    let row = [1.0, 0.0, 0.0, 1.0, 0.0];
    Tensor::from_slice(&row.repeat(4), (4, 5), &Device::Cpu).unwrap()
}

#[test]
fn penalty_weight_gradients_equal_finite_differences() {
    let labels = Tensor::new(&[0u32, 2, 1, 2], &Device::Cpu).unwrap();
    let a = annotation();
    for activation in [Activation::Relu, Activation::Tanh] {
        let m = mlp(5, activation);
        let x = inputs(6);
        let rr = RightReasons {
            l2_grads: 10.0,
            l2_params: 0.01,
            normalize: true,
            explained: Explained::SumLogProbabilities,
        };
        let vars = m.vars();
        let named: Vec<(String, &candle_core::Var)> = vars
            .iter()
            .enumerate()
            .map(|(i, v)| (format!("θ{i}"), v))
            .collect();
        let named: Vec<(&str, &candle_core::Var)> =
            named.iter().map(|(n, v)| (n.as_str(), *v)).collect();
        // The penalty alone: its weight gradient exists only through the explicit backward.
        let penalty = || rr.loss(&m, &x, &labels, Some(&a)).unwrap().right_reasons;
        assert!(scalar(&penalty()) > 1e-3, "{activation:?}: penalty ~0");
        let grads = penalty().backward().unwrap();
        for (name, v) in &named {
            let g = values(grads.get(v.as_tensor()).unwrap());
            // Every layer's weight matrix gets a gradient from the penalty (the last bias does
            // not: softmax is shift-invariant).
            if v.rank() == 2 {
                assert!(
                    g.iter().any(|g| g.abs() > 1e-6),
                    "{name}: no penalty gradient"
                );
            }
        }
        let errors = gradcheck::max_errors(&penalty, &named, 1e-6);
        assert!(
            errors.iter().all(|e| *e < 1e-6),
            "{activation:?}: penalty gradient vs finite differences {errors:?}"
        );
        let total = || rr.loss(&m, &x, &labels, Some(&a)).unwrap().total;
        let errors = gradcheck::max_errors(&total, &named, 1e-6);
        assert!(
            errors.iter().all(|e| *e < 1e-6),
            "{activation:?}: total gradient vs finite differences {errors:?}"
        );
    }
}

#[test]
fn loss_terms_follow_the_repository_formula() {
    let m = mlp(7, Activation::Relu);
    let x = inputs(8);
    let labels = Tensor::new(&[0u8, 2, 1, 2], &Device::Cpu).unwrap();
    let a = annotation();
    let rr = RightReasons {
        l2_grads: 3.0,
        l2_params: 0.5,
        normalize: false,
        explained: Explained::SumLogProbabilities,
    };
    let terms = rr.loss(&m, &x, &labels, Some(&a)).unwrap();
    let lp = values(&m.log_probabilities(&x).unwrap());
    let ce: f64 = -[0usize, 2, 1, 2]
        .iter()
        .enumerate()
        .map(|(n, &c)| lp[n * 3 + c])
        .sum::<f64>();
    let g = values(&input_gradients(|x| m.forward(x), &x, Explained::SumLogProbabilities).unwrap());
    let mask = values(&a);
    let pen: f64 = 3.0
        * g.iter()
            .zip(&mask)
            .map(|(g, a)| (g * a).powi(2))
            .sum::<f64>();
    let norm: f64 = 0.5
        * m.vars()
            .iter()
            .flat_map(|v| values(v.as_tensor()))
            .map(|t| t * t)
            .sum::<f64>();
    assert!((scalar(&terms.cross_entropy) - ce).abs() < 1e-10);
    assert!((scalar(&terms.right_reasons) - pen).abs() < 1e-10 * (1.0 + pen));
    assert!((scalar(&terms.small_params) - norm).abs() < 1e-10);
    assert!((scalar(&terms.total) - (ce + pen + norm)).abs() < 1e-9);
    // Without an annotation the penalty is exactly 0.
    let plain = rr.loss(&m, &x, &labels, None).unwrap();
    assert_eq!(scalar(&plain.right_reasons), 0.0);
}

#[test]
fn bad_inputs_are_errors() {
    let m = mlp(9, Activation::Relu);
    let x = inputs(10);
    assert!(m.input_gradients(&x, Explained::Probability(3)).is_err());
    assert!(input_gradients(|x| m.forward(x), &x, Explained::LogProbability(7)).is_err());
    assert!(m
        .input_gradients(&x.narrow(1, 0, 4).unwrap(), Explained::MaxProbability)
        .is_err());
    assert!(m
        .input_gradients(&x.to_dtype(DType::F32).unwrap(), Explained::MaxProbability)
        .is_err());
    let rr = RightReasons::default();
    let bad_label = Tensor::new(&[0u32, 3, 1, 2], &Device::Cpu).unwrap();
    assert!(rr.loss(&m, &x, &bad_label, None).is_err());
    let labels = Tensor::new(&[0u32, 1, 1, 2], &Device::Cpu).unwrap();
    let wrong_a = Tensor::ones((4, 4), DType::F64, &Device::Cpu).unwrap();
    assert!(rr.loss(&m, &x, &labels, Some(&wrong_a)).is_err());
    let negative = RightReasons {
        l2_grads: -1.0,
        ..RightReasons::default()
    };
    assert!(negative.loss(&m, &x, &labels, None).is_err());
    assert!(largest_gradient_mask(&x, 1.5).is_err());
    assert!(MultilayerPerceptron::new(vec![], Activation::Relu).is_err());
    let layers = vec![m.layers()[0].clone(), m.layers()[2].clone()]; // 5 → 7, then 6 → 3
    assert!(MultilayerPerceptron::new(layers, Activation::Relu).is_err());
}

#[test]
fn largest_gradient_mask_keeps_entries_above_the_cutoff_of_each_row() {
    let g = Tensor::new(
        &[[1.0f64, -0.7, 0.6, 0.0], [0.0, 0.0, 0.0, 0.0]],
        &Device::Cpu,
    )
    .unwrap();
    let mask = values(&largest_gradient_mask(&g, 0.67).unwrap());
    assert_eq!(mask, vec![1.0, 1.0, 0.0, 0.0, 0.0, 0.0, 0.0, 0.0]);
}

/// Tiny batch: 8 rows of 6 features; the label is the sign of feature 4, features 0–1 carry a
/// noisy copy of the label (a confound) and are annotated.
fn tiny_batch() -> (Tensor, Tensor, Tensor) {
    let x = gradcheck::var(11, &[8, 6], DType::F32);
    let mut v = values(x.as_tensor());
    let mut labels = Vec::new();
    for n in 0..8 {
        let y = u32::from(v[n * 6 + 4] > 0.0);
        labels.push(y);
        v[n * 6] += if y == 1 { 1.0 } else { -1.0 };
        v[n * 6 + 1] -= if y == 1 { 1.0 } else { -1.0 };
    }
    let x = Tensor::from_slice(
        &v.iter().map(|&f| f as f32).collect::<Vec<_>>(),
        (8, 6),
        &Device::Cpu,
    )
    .unwrap();
    let mut a = vec![0f32; 48];
    for n in 0..8 {
        a[n * 6] = 1.0;
        a[n * 6 + 1] = 1.0;
    }
    let a = Tensor::from_slice(&a, (8, 6), &Device::Cpu).unwrap();
    (x, Tensor::new(labels, &Device::Cpu).unwrap(), a)
}

/// Trains a fresh 6 → 16 → 16 → 2 ReLU MLP (seed 12, scale 0.5) with the kit's Adam (lr 0.01)
/// on `rr`'s loss for `steps` full-batch steps;
/// returns (first terms, last terms) as (cross-entropy, penalty with λ₁ = 1).
fn overfit(rr: RightReasons, steps: usize) -> ((f64, f64), (f64, f64)) {
    let (x, labels, a) = tiny_batch();
    let m = MultilayerPerceptron::normal_init(
        &mut stream(12, "explain-overfit"),
        &[6, 16, 16, 2],
        0.5,
        Activation::Relu,
        &Device::Cpu,
    )
    .unwrap();
    let probe = RightReasons {
        l2_grads: 1.0,
        ..rr
    };
    let measure = |m: &MultilayerPerceptron| {
        let t = probe.loss(m, &x, &labels, Some(&a)).unwrap();
        (scalar(&t.cross_entropy), scalar(&t.right_reasons))
    };
    let first = measure(&m);
    let mut opt = Adam::new(m.vars(), 0.01, 0.0).unwrap();
    for _ in 0..steps {
        let terms = rr.loss(&m, &x, &labels, Some(&a)).unwrap();
        opt.backward_step(&terms.total).unwrap();
    }
    (first, measure(&m))
}

#[test]
fn mlp_with_the_penalty_overfits_a_tiny_batch() {
    let rr = RightReasons {
        l2_grads: 1.0,
        l2_params: 1e-4,
        normalize: false,
        explained: Explained::SumLogProbabilities,
    };
    let ((ce0, pen0), (ce, pen)) = overfit(rr, 1000);
    assert!(ce < 0.02 * ce0, "cross-entropy {ce0} → {ce}");
    assert!(pen < 0.1 * pen0, "penalty {pen0} → {pen}");
    // The same training without the penalty leaves far larger gradients on the annotated
    // (confounded) features: the term is not dropped.
    let (_, (ce_plain, pen_plain)) = overfit(
        RightReasons {
            l2_grads: 0.0,
            ..rr
        },
        1000,
    );
    assert!(
        ce_plain < 0.02 * ce0,
        "plain cross-entropy {ce0} → {ce_plain}"
    );
    assert!(
        pen_plain > 10.0 * pen,
        "penalty with {pen} vs without {pen_plain}"
    );
}
