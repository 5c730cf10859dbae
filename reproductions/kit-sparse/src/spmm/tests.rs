use super::*;
use candle_core::{DType, Device, Var};

/// A 4×3 sparse matrix with an empty row (row 2) and exactly representable values.
fn example() -> CsrMatrix {
    CsrMatrix::from_coo(
        4,
        3,
        &[0, 0, 1, 3, 3, 3],
        &[0, 2, 1, 0, 1, 2],
        &[1.5, -2.0, 0.25, 3.0, -1.0, 0.5],
    )
    .unwrap()
}

fn dense_of(a: &CsrMatrix, dtype: DType) -> Tensor {
    Tensor::from_vec(a.to_dense(), (a.rows(), a.cols()), &Device::Cpu)
        .unwrap()
        .to_dtype(dtype)
        .unwrap()
}

fn x64() -> Var {
    let v: Vec<f64> = (0..15).map(|i| ((i as f64) * 0.7).sin()).collect();
    Var::from_vec(v, (3, 5), &Device::Cpu).unwrap()
}

#[test]
fn forward_equals_the_dense_product_and_an_empty_row_is_zero() {
    let a = example();
    let op = SparseMatmul::new(a.clone());
    for dtype in [DType::F32, DType::F64] {
        let x = x64().as_tensor().to_dtype(dtype).unwrap();
        let y = op.forward(&x).unwrap();
        assert_eq!(y.dims(), &[4, 5]);
        let want = dense_of(&a, dtype).matmul(&x).unwrap();
        let diff = (y.clone() - want)
            .unwrap()
            .abs()
            .unwrap()
            .to_dtype(DType::F64)
            .unwrap()
            .max_all()
            .unwrap()
            .to_scalar::<f64>()
            .unwrap();
        assert!(diff < 1e-6, "{dtype:?}: max difference {diff}");
        let row2: Vec<f64> = y
            .to_dtype(DType::F64)
            .unwrap()
            .get(2)
            .unwrap()
            .to_vec1()
            .unwrap();
        assert_eq!(row2, vec![0.0; 5]);
    }
    // A non-contiguous operand (a transposed view) gives the same product.
    let xt = x64()
        .as_tensor()
        .t()
        .unwrap()
        .contiguous()
        .unwrap()
        .t()
        .unwrap();
    let (y1, y2) = (
        op.forward(&xt).unwrap(),
        op.forward(x64().as_tensor()).unwrap(),
    );
    assert_eq!(
        y1.flatten_all().unwrap().to_vec1::<f64>().unwrap(),
        y2.flatten_all().unwrap().to_vec1::<f64>().unwrap()
    );
}

#[test]
fn backward_matches_finite_differences_and_the_dense_gradient() {
    let a = example();
    let op = SparseMatmul::new(a.clone());
    let x = x64();
    let w: Vec<f64> = (0..20).map(|i| ((i as f64) * 1.3).cos()).collect();
    let w = Tensor::from_vec(w, (4, 5), &Device::Cpu).unwrap();
    // L = Σ w ⊙ (A·x)², a nonlinear scalar so that the gradient depends on x.
    let loss = || {
        let y = op.forward(x.as_tensor()).unwrap();
        (y.sqr().unwrap() * &w).unwrap().sum_all().unwrap()
    };
    crate::gradcheck::check(&loss, &[("x", &x)], 1e-6, 1e-7);
    let g = loss().backward().unwrap();
    let sparse_grad = g
        .get(&x)
        .unwrap()
        .flatten_all()
        .unwrap()
        .to_vec1::<f64>()
        .unwrap();
    let yd = dense_of(&a, DType::F64).matmul(x.as_tensor()).unwrap();
    let gd = (yd.sqr().unwrap() * &w)
        .unwrap()
        .sum_all()
        .unwrap()
        .backward()
        .unwrap();
    let dense_grad = gd
        .get(&x)
        .unwrap()
        .flatten_all()
        .unwrap()
        .to_vec1::<f64>()
        .unwrap();
    for (s, d) in sparse_grad.iter().zip(&dense_grad) {
        assert!((s - d).abs() < 1e-12, "sparse {s} vs dense {d}");
    }
}

#[test]
fn shape_and_dtype_errors_are_errors() {
    let op = SparseMatmul::new(example());
    let d = Device::Cpu;
    assert!(op
        .forward(&Tensor::zeros((4, 5), DType::F32, &d).unwrap())
        .is_err());
    assert!(op
        .forward(&Tensor::zeros(3, DType::F32, &d).unwrap())
        .is_err());
    assert!(op
        .forward(&Tensor::zeros((3, 2, 1), DType::F32, &d).unwrap())
        .is_err());
    assert!(op
        .forward(&Tensor::zeros((3, 2), DType::U32, &d).unwrap())
        .is_err());
    // k = 0 columns is a valid (empty) product.
    let y = op
        .forward(&Tensor::zeros((3, 0), DType::F32, &d).unwrap())
        .unwrap();
    assert_eq!(y.dims(), &[4, 0]);
}

#[test]
fn a_large_product_equals_the_dense_one() {
    // 300 × 200 at 10% density with k = 64: above the threshold of the threaded kernel.
    let (mut r, mut c, mut v) = (vec![], vec![], vec![]);
    for i in 0..300 {
        for j in 0..200 {
            if (i * 7 + j * 13) % 10 == 0 {
                r.push(i);
                c.push(j);
                v.push(((i + j) as f32 * 0.1).sin());
            }
        }
    }
    let a = CsrMatrix::from_coo(300, 200, &r, &c, &v).unwrap();
    let x: Vec<f64> = (0..200 * 64).map(|i| (i as f64 * 0.01).cos()).collect();
    let y = product(&a, &x, 64);
    let d = a.to_dense();
    for i in (0..300).step_by(37) {
        for k in (0..64).step_by(5) {
            let want: f64 = (0..200)
                .map(|j| f64::from(d[i * 200 + j]) * x[j * 64 + k])
                .sum();
            assert!((y[i * 64 + k] - want).abs() < 1e-12);
        }
    }
}
