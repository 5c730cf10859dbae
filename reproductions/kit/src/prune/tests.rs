//! The pruning module's contract: masks survive every optimizer, rewinding is bitwise, and the
//! achieved sparsity is the schedule's.

use super::*;
use crate::optim::{Adam, AdamParams, AdamW, KerasSgd, RmsProp, RmsPropParams, Sgd, SgdParams};
use crate::rng;
use candle_core::{Device, Tensor, Var};
use candle_nn::Optimizer;
use rand::RngExt as _;

/// Two layers' weight and bias, values drawn from `seed`.
fn model(seed: u64) -> Vec<Var> {
    let mut r = rng::stream(seed, "test-model");
    [vec![8, 6], vec![8], vec![3, 8], vec![3]]
        .iter()
        .map(|shape| {
            let n: usize = shape.iter().product();
            let v: Vec<f32> = (0..n).map(|_| r.random_range(-1.0f32..1.0)).collect();
            Var::from_tensor(&Tensor::from_vec(v, shape.clone(), &Device::Cpu).unwrap()).unwrap()
        })
        .collect()
}

/// Σ (w − 3)² over all parameters: every entry, pruned or not, gets a nonzero gradient.
fn loss(vars: &[Var]) -> Tensor {
    let mut total = Tensor::new(0.0f32, &Device::Cpu).unwrap();
    for v in vars {
        let d = (v.as_tensor() - 3.0)
            .unwrap()
            .sqr()
            .unwrap()
            .sum_all()
            .unwrap();
        total = (total + d).unwrap();
    }
    total
}

fn bits(vars: &[Var]) -> Vec<Vec<u32>> {
    vars.iter()
        .map(|v| {
            host_values(v)
                .unwrap()
                .iter()
                .map(|x| x.to_bits())
                .collect()
        })
        .collect()
}

fn assert_pruned_zero(vars: &[Var], masks: &MaskSet, what: &str) {
    for (v, m) in vars.iter().zip(masks.masks()) {
        for (x, k) in host_values(v).unwrap().iter().zip(m.keep()) {
            if !*k {
                assert_eq!(
                    x.to_bits(),
                    0.0f32.to_bits(),
                    "{what}: a pruned weight is {x}"
                );
            }
        }
    }
}

fn run_steps<O: Optimizer>(opt: O, vars: &[Var], masks: &MaskSet, steps: usize, what: &str) {
    let mut opt = Masked::new(opt, vars.to_vec(), masks.clone()).unwrap();
    let before = bits(vars);
    for _ in 0..steps {
        opt.backward_step(&loss(vars)).unwrap();
    }
    assert_pruned_zero(vars, masks, what);
    assert_ne!(bits(vars), before, "{what}: the kept weights did not train");
}

#[test]
fn a_pruned_weight_is_still_exactly_zero_after_1000_adam_steps() {
    let vars = model(1);
    let masks = MaskSet::magnitude(&vars, &Scope::PerTensor, 0.6, None).unwrap();
    let adam = Adam::new(vars.clone(), 1e-2, 0.0).unwrap();
    run_steps(adam, &vars, &masks, 1000, "Adam");
    // the kept weights moved towards the optimum 3.0
    let w = host_values(&vars[0]).unwrap();
    assert!(w.iter().any(|x| *x > 1.5), "{w:?}");
}

#[test]
fn masks_hold_through_every_kit_optimizer() {
    let mk = |seed| {
        let vars = model(seed);
        let m = MaskSet::magnitude(&vars, &Scope::Global, 0.5, None).unwrap();
        (vars, m)
    };
    let (v, m) = mk(2);
    let adam = AdamParams {
        lr: 1e-2,
        weight_decay: 0.1,
        amsgrad: true,
        ..AdamParams::default()
    };
    run_steps(
        Adam::with_params(v.clone(), adam).unwrap(),
        &v,
        &m,
        100,
        "Adam+L2",
    );
    let (v, m) = mk(3);
    run_steps(
        AdamW::with_params(v.clone(), adam).unwrap(),
        &v,
        &m,
        100,
        "AdamW",
    );
    let (v, m) = mk(4);
    let sgd = SgdParams {
        lr: 1e-2,
        momentum: 0.9,
        weight_decay: 1e-3,
        nesterov: true,
        ..SgdParams::default()
    };
    run_steps(
        Sgd::with_params(v.clone(), sgd).unwrap(),
        &v,
        &m,
        100,
        "SGD",
    );
    let (v, m) = mk(5);
    let rms = RmsPropParams {
        lr: 1e-3,
        momentum: 0.5,
        centered: true,
        ..RmsPropParams::default()
    };
    run_steps(
        RmsProp::with_params(v.clone(), rms).unwrap(),
        &v,
        &m,
        100,
        "RMSprop",
    );
    let (v, m) = mk(6);
    let keras = KerasSgd::new(v.clone(), 1e-2, 0.9, 1e-4, true, true).unwrap();
    run_steps(keras, &v, &m, 100, "Keras SGD");
    let (v, m) = mk(7);
    run_steps(
        candle_nn::SGD::new(v.clone(), 1e-2).unwrap(),
        &v,
        &m,
        100,
        "candle SGD",
    );
    // through the Optimizer trait's constructor
    let (v, m) = mk(8);
    let cfg = MaskedConfig {
        inner: 1e-2,
        masks: m.clone(),
    };
    let mut o = <Masked<candle_nn::SGD> as Optimizer>::new(v.clone(), cfg).unwrap();
    Optimizer::backward_step(&mut o, &loss(&v)).unwrap();
    assert_pruned_zero(&v, &m, "Optimizer::new");
    let wrong = MaskedConfig {
        inner: 1e-2,
        masks: MaskSet::ones(&v[..2]),
    };
    assert!(<Masked<candle_nn::SGD> as Optimizer>::new(v.clone(), wrong).is_err());
}

/// Trains `vars` under `round.masks` for `steps` Adam steps, reporting steps to the rewind
/// point; returns the bits the round started from.
fn train_round(vars: &[Var], round: Round<'_>, steps: u64) -> Vec<Vec<u32>> {
    let start = bits(vars);
    let adam = Adam::new(vars.to_vec(), 1e-2, 0.0).unwrap();
    let mut opt = Masked::new(adam, vars.to_vec(), round.masks.clone()).unwrap();
    for s in 1..=steps {
        opt.backward_step(&loss(vars)).unwrap();
        round.rewind.observe(s, vars).unwrap();
    }
    start
}

#[test]
fn rewinding_restores_the_initial_weights_bitwise() {
    let vars = model(9);
    let init = Snapshot::capture(&vars).unwrap();
    let init_bits = bits(&vars);
    let scope = Scope::Groups(vec![vec![0, 1], vec![2, 3]]);
    let schedule = PruningSchedule::geometric(0.3, 4).unwrap();
    let rounds = iterative_magnitude_pruning(&vars, &scope, &schedule, Rewind::Init, |round| {
        Ok(train_round(&vars, round, 20))
    })
    .unwrap();
    assert_eq!(rounds.len(), 5);
    for r in &rounds {
        // each round starts from the initial weights, pruned entries zeroed
        for ((start, init), mask) in r.outcome.iter().zip(&init_bits).zip(r.masks.masks()) {
            for ((s, i), k) in start.iter().zip(init).zip(mask.keep()) {
                assert_eq!(*s, if *k { *i } else { 0.0f32.to_bits() });
            }
        }
    }
    init.restore(&vars).unwrap();
    assert_eq!(bits(&vars), init_bits);
}

#[test]
fn late_rewinding_goes_back_to_step_k() {
    let vars = model(10);
    let schedule = PruningSchedule::new(vec![0.5]).unwrap();
    let mut at_k = None;
    let rounds = iterative_magnitude_pruning(
        &vars,
        &Scope::PerTensor,
        &schedule,
        Rewind::Step(5),
        |round| {
            if round.index == 0 {
                let adam = Adam::new(vars.clone(), 1e-2, 0.0).unwrap();
                let mut opt = Masked::new(adam, vars.clone(), round.masks.clone()).unwrap();
                for s in 1..=10 {
                    opt.backward_step(&loss(&vars)).unwrap();
                    round.rewind.observe(s, &vars).unwrap();
                    if s == 5 {
                        at_k = Some(bits(&vars));
                    }
                }
                Ok(Vec::new())
            } else {
                Ok(bits(&vars))
            }
        },
    )
    .unwrap();
    let at_k = at_k.unwrap();
    for ((start, k_bits), mask) in rounds[1]
        .outcome
        .iter()
        .zip(&at_k)
        .zip(rounds[1].masks.masks())
    {
        for ((s, w), keep) in start.iter().zip(k_bits).zip(mask.keep()) {
            assert_eq!(*s, if *keep { *w } else { 0.0f32.to_bits() });
        }
    }
    // a rewind step the first training never reaches is an error
    let never = iterative_magnitude_pruning(
        &vars,
        &Scope::PerTensor,
        &schedule,
        Rewind::Step(99),
        |round| Ok(train_round(&vars, round, 3)),
    );
    assert!(never.is_err());
}

#[test]
fn the_achieved_sparsity_is_the_schedules() {
    let vars = model(11);
    let scope = Scope::Groups(vec![vec![0, 1], vec![2, 3]]);
    let schedule = PruningSchedule::new(vec![0.1, 0.25, 0.5, 0.5, 0.9]).unwrap();
    let rounds = iterative_magnitude_pruning(&vars, &scope, &schedule, Rewind::Init, |round| {
        train_round(&vars, round, 10);
        Ok(count_nonzero(&vars).unwrap())
    })
    .unwrap();
    let group_sizes = [8 * 6 + 8, 3 * 8 + 3];
    let mut previous: Option<&MaskSet> = None;
    for r in &rounds {
        let achieved = r.masks.group_sparsity(&scope).unwrap();
        for (a, n) in achieved.iter().zip(group_sizes) {
            let want = (r.sparsity * n as f64).floor() / n as f64;
            assert_eq!(*a, want, "round at {}", r.sparsity);
        }
        assert!(
            r.outcome <= r.masks.kept(),
            "nonzeros within the kept budget"
        );
        if let Some(p) = previous {
            for (now, before) in r.masks.masks().iter().zip(p.masks()) {
                for (n, b) in now.keep().iter().zip(before.keep()) {
                    assert!(!*n || *b, "masks are nested");
                }
            }
        }
        previous = Some(&r.masks);
    }
    assert!(PruningSchedule::new(vec![0.5, 0.4]).is_err());
    assert!(PruningSchedule::new(vec![1.0]).is_err());
    assert!(PruningSchedule::geometric(0.0, 3).is_err());
    let g = PruningSchedule::geometric(0.2, 2).unwrap();
    assert!((g.sparsities()[1] - 0.36).abs() < 1e-12);
}

#[test]
fn csr_layer_matches_the_dense_linear_layer() {
    use crate::nn::{Layer, Linear};
    let mut r = rng::stream(12, "init");
    let lin = Linear::torch_default(&mut r, 20, 7, &Device::Cpu).unwrap();
    let vars = [lin.weight.clone(), lin.bias.clone()];
    MaskSet::magnitude(&vars, &Scope::PerTensor, 0.8, None)
        .unwrap()
        .apply(&vars)
        .unwrap();
    let x: Vec<f32> = (0..60).map(|i| (i as f32 * 0.37).sin()).collect();
    let xt = Tensor::from_vec(x.clone(), (3, 20), &Device::Cpu).unwrap();
    let dense: Vec<f32> = lin
        .forward(&xt)
        .unwrap()
        .flatten_all()
        .unwrap()
        .to_vec1()
        .unwrap();
    let csr = CsrMatrix::from_var(&lin.weight).unwrap();
    assert_eq!(csr.nnz(), 20 * 7 - pruned_count(140, 0.8).unwrap());
    let mut y = vec![0.0; 21];
    let bias = host_values(&lin.bias).unwrap();
    csr.affine_into(&x, 3, Some(&bias), &mut y).unwrap();
    for (a, b) in y.iter().zip(&dense) {
        assert!((a - b).abs() <= 1e-5 * (1.0 + b.abs()), "{a} vs {b}");
    }
}
