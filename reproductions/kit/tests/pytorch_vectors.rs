//! The kit's optimizers, gradient clipping, schedules and losses against reference values from
//! PyTorch 2.15 (CPU, float32), committed in `tests/vectors/optim_vectors.json` and made by
//! `tests/vectors/make_optim_vectors.py`.
//!
//! Optimizers: two parameters ([3, 4] and [5]) from PyTorch's initial values, six steps with
//! PyTorch's gradients (recreated exactly as the gradient of Σ w·c = c), the learning rate halved
//! before step 4 through `set_learning_rate`; every intermediate parameter compared.

use candle_core::{DType, Device, Tensor, Var};
use repro_kit::loss;
use repro_kit::optim::schedule::{Cosine, StepLr};
use repro_kit::optim::{
    clip_grad_norm, Adam, AdamParams, AdamW, Optimizer, RmsProp, RmsPropParams, Schedule, Sgd,
    SgdParams,
};
use serde_json::Value;

fn vectors() -> Value {
    let path = concat!(
        env!("CARGO_MANIFEST_DIR"),
        "/tests/vectors/optim_vectors.json"
    );
    serde_json::from_str(&std::fs::read_to_string(path).unwrap()).unwrap()
}

fn floats(v: &Value) -> Vec<f32> {
    v.as_array()
        .unwrap()
        .iter()
        .map(|x| x.as_f64().unwrap() as f32)
        .collect()
}

fn shape(v: &Value) -> Vec<usize> {
    v.as_array()
        .unwrap()
        .iter()
        .map(|x| x.as_u64().unwrap() as usize)
        .collect()
}

fn tensor(v: &Value, dims: &[usize], dtype: DType) -> Tensor {
    Tensor::from_vec(floats(v), dims, &Device::Cpu)
        .unwrap()
        .to_dtype(dtype)
        .unwrap()
}

fn to_f32(t: &Tensor) -> Vec<f32> {
    t.flatten_all()
        .unwrap()
        .to_dtype(DType::F32)
        .unwrap()
        .to_vec1()
        .unwrap()
}

/// |a − b| ≤ atol + rtol·|b| elementwise; the message names the case.
fn assert_close(got: &[f32], want: &[f32], atol: f32, rtol: f32, what: &str) {
    assert_eq!(got.len(), want.len(), "{what}: lengths");
    for (i, (a, b)) in got.iter().zip(want).enumerate() {
        assert!(
            (a - b).abs() <= atol + rtol * b.abs(),
            "{what}[{i}]: got {a}, PyTorch {b}"
        );
    }
}

fn kw(case: &Value, key: &str) -> Option<f64> {
    case["kwargs"].get(key).map(|v| v.as_f64().unwrap())
}

fn kw_bool(case: &Value, key: &str) -> bool {
    case["kwargs"]
        .get(key)
        .map(|v| v.as_bool().unwrap())
        .unwrap_or(false)
}

/// Replays one optimizer case with `O` built by `make`, on parameters of `dtype` (F32: fused
/// path; F64: tensor-op path).
fn replay<O: Optimizer>(
    case: &Value,
    meta: &Value,
    dtype: DType,
    make: impl Fn(Vec<Var>) -> O,
    atol: f32,
    rtol: f32,
) {
    let name = case["name"].as_str().unwrap();
    let shapes: Vec<Vec<usize>> = case["shapes"]
        .as_array()
        .unwrap()
        .iter()
        .map(shape)
        .collect();
    let vars: Vec<Var> = case["init"]
        .as_array()
        .unwrap()
        .iter()
        .zip(&shapes)
        .map(|(v, s)| Var::from_tensor(&tensor(v, s, dtype)).unwrap())
        .collect();
    let mut opt = make(vars.clone());
    let change_at = meta["lr_change_at"].as_u64().unwrap() as usize;
    let factor = meta["lr_factor"].as_f64().unwrap();
    for (step, (grads, after)) in case["grads"]
        .as_array()
        .unwrap()
        .iter()
        .zip(case["after"].as_array().unwrap())
        .enumerate()
    {
        if step == change_at {
            let lr = opt.learning_rate();
            opt.set_learning_rate(lr * factor);
        }
        let mut loss: Option<Tensor> = None;
        for ((var, g), s) in vars.iter().zip(grads.as_array().unwrap()).zip(&shapes) {
            let term = (var.as_tensor() * tensor(g, s, dtype))
                .unwrap()
                .sum_all()
                .unwrap();
            loss = Some(match loss {
                None => term,
                Some(l) => (l + term).unwrap(),
            });
        }
        opt.backward_step(&loss.unwrap()).unwrap();
        for (i, (var, want)) in vars.iter().zip(after.as_array().unwrap()).enumerate() {
            assert_close(
                &to_f32(var.as_tensor()),
                &floats(want),
                atol,
                rtol,
                &format!("{name} {dtype:?} step {step} param {i}"),
            );
        }
    }
}

#[test]
fn optimizers_match_pytorch() {
    let v = vectors();
    let cases = v["optimizers"].as_array().unwrap();
    assert!(cases.len() >= 14);
    for case in cases {
        let lr = kw(case, "lr").unwrap();
        let wd = kw(case, "weight_decay").unwrap_or(0.0);
        for dtype in [DType::F32, DType::F64] {
            // F64 runs PyTorch's float32 trajectory in double precision: equal to float32
            // rounding accumulated over six steps.
            let (atol, rtol) = (2e-6, 2e-5);
            match case["optimizer"].as_str().unwrap() {
                "SGD" => {
                    let p = SgdParams {
                        lr,
                        momentum: kw(case, "momentum").unwrap_or(0.0),
                        dampening: kw(case, "dampening").unwrap_or(0.0),
                        weight_decay: wd,
                        nesterov: kw_bool(case, "nesterov"),
                    };
                    replay(
                        case,
                        &v,
                        dtype,
                        |vars| Sgd::with_params(vars, p).unwrap(),
                        atol,
                        rtol,
                    );
                }
                name @ ("Adam" | "AdamW") => {
                    let defaults = if name == "Adam" {
                        AdamParams::default()
                    } else {
                        AdamParams::adamw()
                    };
                    let betas = case["kwargs"]
                        .get("betas")
                        .map(|b| (b[0].as_f64().unwrap(), b[1].as_f64().unwrap()));
                    let p = AdamParams {
                        lr,
                        beta1: betas.map_or(0.9, |b| b.0),
                        beta2: betas.map_or(0.999, |b| b.1),
                        eps: kw(case, "eps").unwrap_or(1e-8),
                        weight_decay: kw(case, "weight_decay").unwrap_or(defaults.weight_decay),
                        amsgrad: kw_bool(case, "amsgrad"),
                    };
                    if name == "Adam" {
                        replay(
                            case,
                            &v,
                            dtype,
                            |vs| Adam::with_params(vs, p).unwrap(),
                            atol,
                            rtol,
                        );
                    } else {
                        replay(
                            case,
                            &v,
                            dtype,
                            |vs| AdamW::with_params(vs, p).unwrap(),
                            atol,
                            rtol,
                        );
                    }
                }
                "RMSprop" => {
                    let p = RmsPropParams {
                        lr,
                        alpha: kw(case, "alpha").unwrap_or(0.99),
                        eps: kw(case, "eps").unwrap_or(1e-8),
                        weight_decay: wd,
                        momentum: kw(case, "momentum").unwrap_or(0.0),
                        centered: kw_bool(case, "centered"),
                    };
                    replay(
                        case,
                        &v,
                        dtype,
                        |vs| RmsProp::with_params(vs, p).unwrap(),
                        atol,
                        rtol,
                    );
                }
                other => panic!("unknown optimizer {other}"),
            }
        }
    }
}

/// The legacy `Adam::new(vars, lr, weight_decay)` is `torch.optim.Adam(lr, weight_decay)`.
#[test]
fn adam_new_is_torch_adam() {
    let v = vectors();
    let case = v["optimizers"]
        .as_array()
        .unwrap()
        .iter()
        .find(|c| c["name"] == "adam_default")
        .unwrap();
    let lr = kw(case, "lr").unwrap();
    replay(
        case,
        &v,
        DType::F32,
        |vs| Adam::new(vs, lr, 0.0).unwrap(),
        2e-6,
        2e-5,
    );
}

#[test]
fn clip_grad_norm_matches_pytorch() {
    let v = vectors();
    for case in v["clip_grad_norm"].as_array().unwrap() {
        let shapes: Vec<Vec<usize>> = case["shapes"]
            .as_array()
            .unwrap()
            .iter()
            .map(shape)
            .collect();
        let vars: Vec<Var> = shapes
            .iter()
            .map(|s| Var::zeros(s.as_slice(), DType::F32, &Device::Cpu).unwrap())
            .collect();
        let mut loss: Option<Tensor> = None;
        for ((var, g), s) in vars
            .iter()
            .zip(case["grads"].as_array().unwrap())
            .zip(&shapes)
        {
            let term = (var.as_tensor() * tensor(g, s, DType::F32))
                .unwrap()
                .sum_all()
                .unwrap();
            loss = Some(match loss {
                None => term,
                Some(l) => (l + term).unwrap(),
            });
        }
        let mut grads = loss.unwrap().backward().unwrap();
        let max_norm = case["max_norm"].as_f64().unwrap();
        let total = clip_grad_norm(&mut grads, &vars, max_norm).unwrap();
        let want = case["total_norm"].as_f64().unwrap();
        assert!((total - want).abs() <= 1e-5 * want, "{total} vs {want}");
        for (var, want) in vars.iter().zip(case["clipped"].as_array().unwrap()) {
            let got = to_f32(grads.get(var.as_tensor()).unwrap());
            assert_close(&got, &floats(want), 1e-7, 1e-5, "clipped gradient");
        }
    }
}

#[test]
fn schedules_match_pytorch() {
    let v = vectors();
    let s = &v["schedules"]["step_lr"];
    let step = StepLr::new(
        s["initial"].as_f64().unwrap(),
        s["step_size"].as_u64().unwrap(),
        s["gamma"].as_f64().unwrap(),
    )
    .unwrap();
    for (t, want) in s["lrs"].as_array().unwrap().iter().enumerate() {
        let want = want.as_f64().unwrap();
        assert!(
            (step.learning_rate(t as u64) - want).abs() < 1e-15,
            "StepLR {t}"
        );
    }
    let c = &v["schedules"]["cosine"];
    let cos = Cosine::new(
        c["initial"].as_f64().unwrap(),
        c["t_max"].as_u64().unwrap(),
        c["eta_min"].as_f64().unwrap(),
    )
    .unwrap();
    // PyTorch's step() uses the recursive form; it equals the closed form up to rounding.
    for (t, want) in c["lrs"].as_array().unwrap().iter().enumerate() {
        let want = want.as_f64().unwrap();
        assert!(
            (cos.learning_rate(t as u64) - want).abs() < 1e-12,
            "cosine {t}"
        );
    }
}

fn scalar(t: &Tensor) -> f64 {
    t.to_dtype(DType::F64).unwrap().to_scalar::<f64>().unwrap()
}

fn check_loss(what: &str, loss: &Tensor, want: &Value, rtol: f64) {
    let want = want.as_f64().unwrap();
    let got = scalar(loss);
    assert!(
        (got - want).abs() <= 1e-6 + rtol * want.abs(),
        "{what}: got {got}, PyTorch {want}"
    );
}

#[test]
fn losses_match_pytorch() {
    let v = vectors();
    let l = &v["losses"];
    let d = Device::Cpu;

    let ce = &l["cross_entropy"];
    let dims = shape(&ce["shape"]);
    let labels: Vec<u32> = ce["labels"]
        .as_array()
        .unwrap()
        .iter()
        .map(|x| x.as_u64().unwrap() as u32)
        .collect();
    let labels = Tensor::new(labels.as_slice(), &d).unwrap();
    for (ls, want) in ce["by_smoothing"].as_object().unwrap() {
        let x = Var::from_tensor(&tensor(&ce["logits"], &dims, DType::F32)).unwrap();
        let smoothing: f64 = ls.parse().unwrap();
        let loss = loss::cross_entropy(x.as_tensor(), &labels, smoothing).unwrap();
        check_loss(&format!("cross_entropy ε={ls}"), &loss, &want["loss"], 1e-6);
        let g = loss.backward().unwrap();
        assert_close(
            &to_f32(g.get(x.as_tensor()).unwrap()),
            &floats(&want["grad"]),
            1e-7,
            1e-5,
            "cross_entropy grad",
        );
    }

    let pairs: [(&str, &str, &str); 3] = [
        ("bce_with_logits", "logits", "targets"),
        ("bce", "probs", "targets"),
        ("mse", "pred", "target"),
    ];
    for (name, a, b) in pairs {
        let c = &l[name];
        let dims = shape(&c["shape"]);
        let x = Var::from_tensor(&tensor(&c[a], &dims, DType::F32)).unwrap();
        let y = tensor(&c[b], &dims, DType::F32);
        let loss = match name {
            "bce_with_logits" => loss::binary_cross_entropy_with_logits(x.as_tensor(), &y),
            "bce" => loss::binary_cross_entropy(x.as_tensor(), &y),
            _ => loss::mse(x.as_tensor(), &y),
        }
        .unwrap();
        check_loss(name, &loss, &c["loss"], 1e-6);
        let g = loss.backward().unwrap();
        assert_close(
            &to_f32(g.get(x.as_tensor()).unwrap()),
            &floats(&c["grad"]),
            1e-7,
            1e-5,
            name,
        );
    }

    let c = &l["gaussian_nll"];
    let n = floats(&c["mean"]).len();
    for (full, want) in c["by_full"].as_object().unwrap() {
        let mean = Var::from_tensor(&tensor(&c["mean"], &[n], DType::F32)).unwrap();
        let var = Var::from_tensor(&tensor(&c["var"], &[n], DType::F32)).unwrap();
        let target = tensor(&c["target"], &[n], DType::F32);
        let opts = loss::GaussianNllOptions {
            full: full == "true" || full == "True",
            eps: 1e-6,
        };
        let loss =
            loss::gaussian_nll_with(mean.as_tensor(), var.as_tensor(), &target, opts).unwrap();
        check_loss(
            &format!("gaussian_nll full={full}"),
            &loss,
            &want["loss"],
            1e-6,
        );
        let g = loss.backward().unwrap();
        assert_close(
            &to_f32(g.get(mean.as_tensor()).unwrap()),
            &floats(&want["grad_mean"]),
            1e-6,
            1e-5,
            "gaussian_nll grad mean",
        );
        assert_close(
            &to_f32(g.get(var.as_tensor()).unwrap()),
            &floats(&want["grad_var"]),
            1e-6,
            1e-4,
            "gaussian_nll grad var",
        );
    }
}
