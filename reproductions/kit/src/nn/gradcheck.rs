//! Finite-difference gradient checks for the layers' tests.

use candle_core::{DType, Device, Tensor, Var};

/// Compares the gradient of the scalar `loss()` with respect to each of `vars` (from candle's
/// backward) with central differences `(L(v + ε) − L(v − ε)) / 2ε`, element by element; panics
/// naming the variable and element when `|numeric − analytic| > tol · (1 + |numeric|)`.
/// Works for F32 and F64 variables (values are perturbed in their own dtype).
pub fn check(loss: &dyn Fn() -> Tensor, vars: &[(&str, &Var)], eps: f64, tol: f64) {
    for (name, i, g, num) in compare(loss, vars, eps) {
        assert!(
            (num - g).abs() <= tol * (1.0 + num.abs()),
            "{name}[{i}]: backward {g} vs finite difference {num}"
        );
    }
}

/// The largest `|numeric − analytic| / (1 + |numeric|)` over the elements of each of `vars`.
pub fn max_errors(loss: &dyn Fn() -> Tensor, vars: &[(&str, &Var)], eps: f64) -> Vec<f64> {
    vars.iter()
        .map(|v| {
            compare(loss, std::slice::from_ref(v), eps)
                .into_iter()
                .map(|(_, _, g, num)| (num - g).abs() / (1.0 + num.abs()))
                .fold(0.0, f64::max)
        })
        .collect()
}

/// (variable, element, backward, finite difference) for every element of `vars`.
fn compare(
    loss: &dyn Fn() -> Tensor,
    vars: &[(&str, &Var)],
    eps: f64,
) -> Vec<(String, usize, f64, f64)> {
    let mut out = Vec::new();
    let grads = loss().backward().unwrap();
    let scalar = |t: Tensor| t.to_dtype(DType::F64).unwrap().to_scalar::<f64>().unwrap();
    for (name, var) in vars {
        let g: Vec<f64> = grads
            .get(var.as_tensor())
            .unwrap_or_else(|| panic!("{name}: no gradient"))
            .to_dtype(DType::F64)
            .unwrap()
            .flatten_all()
            .unwrap()
            .to_vec1()
            .unwrap();
        let base: Vec<f64> = var
            .as_tensor()
            .to_dtype(DType::F64)
            .unwrap()
            .flatten_all()
            .unwrap()
            .to_vec1()
            .unwrap();
        assert_eq!(g.len(), base.len(), "{name}: gradient size");
        let set = |v: &[f64]| {
            let t = Tensor::from_slice(v, var.shape(), &Device::Cpu)
                .unwrap()
                .to_dtype(var.dtype())
                .unwrap();
            var.set(&t).unwrap();
        };
        for i in 0..base.len() {
            let eval = |delta: f64| {
                let mut v = base.clone();
                v[i] += delta;
                set(&v);
                scalar(loss())
            };
            let num = (eval(eps) - eval(-eps)) / (2.0 * eps);
            set(&base);
            out.push((name.to_string(), i, g[i], num));
        }
    }
    out
}

/// A [`Var`] of `shape` and `dtype` with values U(−1, 1) from the kit's seeded stream `seed`.
pub fn var(seed: u64, shape: &[usize], dtype: DType) -> Var {
    let v = crate::init::uniform(
        &mut crate::rng::stream(seed, "gradcheck"),
        shape,
        1.0,
        &Device::Cpu,
    )
    .unwrap();
    Var::from_tensor(&v.as_tensor().to_dtype(dtype).unwrap()).unwrap()
}

/// `Σ y ⊙ r` with fixed random weights `r` (seed 99): a loss linear in `y`, so that central
/// differences of a linear layer are exact up to rounding even in F32.
pub fn weighted_sum(y: &Tensor) -> Tensor {
    let r = var(99, y.dims(), y.dtype());
    (y * r.as_tensor()).unwrap().sum_all().unwrap()
}

/// `Σ (y ⊙ r)²`-style non-linear loss for F64 checks: `Σ (y − r)²`.
pub fn squared(y: &Tensor) -> Tensor {
    let r = var(98, y.dims(), y.dtype());
    (y - r.as_tensor())
        .unwrap()
        .sqr()
        .unwrap()
        .sum_all()
        .unwrap()
}
