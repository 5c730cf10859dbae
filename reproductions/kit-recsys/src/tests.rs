use super::*;
use repro_kit::rng::stream;

fn scale() -> RatingScale {
    RatingScale::new(1.0, 5.0).unwrap()
}

/// A full 8 × 6 matrix `r = 3 + 0.6·a_u − 0.6·b_i + 1.2·x_u·y_i` in [1, 5]: user and item
/// effects plus a rank-one interaction, raw ids 100 + u and 200 + i.
fn tiny() -> Vec<Rating> {
    let mut v = Vec::new();
    for u in 0..8u64 {
        for i in 0..6u64 {
            let (a, b) = ((u as f64 * 1.7).sin(), (i as f64 * 2.3).cos());
            let (x, y) = ((u as f64 * 0.9 + 0.3).cos(), (i as f64 * 1.1 + 0.5).sin());
            v.push(Rating {
                user: 100 + u,
                item: 200 + i,
                value: (3.0 + 0.6 * a - 0.6 * b + 1.2 * x * y).clamp(1.0, 5.0),
            });
        }
    }
    v
}

fn train() -> Ratings {
    Ratings::new(&tiny(), scale()).unwrap()
}

/// Training RMSE of `model` and of predicting the global mean everywhere.
fn train_rmse(model: &dyn Estimator) -> (f64, f64) {
    let t = train();
    let fit = t.evaluate(model, &tiny()).unwrap().rmse;
    let mean: Vec<(f64, f64)> = tiny().iter().map(|r| (t.global_mean(), r.value)).collect();
    (fit, Accuracy::of(&mean).unwrap().rmse)
}

#[test]
fn ratings_index_like_surprise() {
    let t = train();
    assert_eq!((t.n_users(), t.n_items(), t.len()), (8, 6, 48));
    assert_eq!(t.user_index(103), Some(3));
    assert_eq!(t.item_id(5), Some(205));
    assert_eq!(t.user_index(999), None);
    assert_eq!(t.user_ratings(2).len(), 6);
    assert_eq!(t.item_ratings(4).len(), 8);
    let order: Vec<(usize, usize)> = t.iter().take(7).map(|(u, i, _)| (u, i)).collect();
    assert_eq!(order[6], (1, 0));
    let mean = tiny().iter().map(|r| r.value).sum::<f64>() / 48.0;
    assert!((t.global_mean() - mean).abs() < 1e-12);
}

#[test]
fn bad_input_gives_clear_errors() {
    assert!(RatingScale::new(5.0, 1.0).is_err());
    assert!(RatingScale::new(1.0, f64::INFINITY).is_err());
    let e = Ratings::new(&[], scale()).unwrap_err().to_string();
    assert!(e.contains("empty"), "{e}");
    let mut bad = tiny();
    bad[3].value = 5.5;
    let e = Ratings::new(&bad, scale()).unwrap_err().to_string();
    assert!(e.contains("rating 3") && e.contains("outside"), "{e}");
    bad[3].value = f64::NAN;
    assert!(Ratings::new(&bad, scale()).is_err());
    assert!(Accuracy::of(&[]).is_err());
    let t = train();
    let mut r = stream(1, "init");
    assert!(Svd {
        n_factors: 0,
        ..Svd::default()
    }
    .fit(&t, &mut r)
    .is_err());
    assert!(Svd::default().lr_all(-0.1).fit(&t, &mut r).is_err());
    assert!(SvdPp {
        reg: [0.02, 0.02, f64::NAN, 0.02, 0.02],
        ..SvdPp::default()
    }
    .fit(&t, &mut r)
    .is_err());
    assert!(Nmf {
        init_low: -0.5,
        ..Nmf::default()
    }
    .fit(&t, &mut r)
    .is_err());
    assert!(Nmf {
        init_high: 0.0,
        ..Nmf::default()
    }
    .fit(&t, &mut r)
    .is_err());
    let neg = BaselineOnly {
        method: BaselineMethod::Als {
            n_epochs: 1,
            reg_i: -1.0,
            reg_u: 1.0,
        },
    };
    assert!(neg.fit(&t).is_err());
    assert!(k_fold(10, 1, &mut r).is_err());
    assert!(k_fold(3, 4, &mut r).is_err());
    assert!(holdout(10, 1.0, &mut r).is_err());
    assert!(holdout(1, 0.5, &mut r).is_err());
}

#[test]
fn baseline_fits_the_user_and_item_effects() {
    for method in [
        BaselineMethod::Als {
            n_epochs: 10,
            reg_i: 0.1,
            reg_u: 0.1,
        },
        BaselineMethod::Sgd {
            n_epochs: 300,
            reg: 0.0,
            learning_rate: 0.05,
        },
    ] {
        let m = BaselineOnly { method }.fit(&train()).unwrap();
        let (fit, mean) = train_rmse(&m);
        assert!(fit < 0.75 * mean, "{method:?}: {fit} vs global mean {mean}");
        assert!(m.is_finite());
    }
    // Surprise's defaults shrink the biases of an 8-user set strongly, but still help.
    let m = BaselineOnly::default().fit(&train()).unwrap();
    let (fit, mean) = train_rmse(&m);
    assert!(fit < mean, "{fit} vs {mean}");
}

#[test]
fn svd_svdpp_and_nmf_fit_a_tiny_matrix() {
    let svd = Svd {
        n_factors: 4,
        n_epochs: 400,
        ..Svd::default()
    }
    .lr_all(0.05)
    .reg_all(0.0);
    let m = svd.fit(&train(), &mut stream(3, "init")).unwrap();
    let (fit, mean) = train_rmse(&m);
    assert!(fit < 0.15 * mean, "SVD: {fit} vs {mean}");
    let pp = SvdPp {
        n_factors: 4,
        n_epochs: 300,
        lr: [0.02; 5],
        reg: [0.0; 5],
        ..SvdPp::default()
    };
    let m = pp.fit(&train(), &mut stream(3, "init")).unwrap();
    let (fit, mean) = train_rmse(&m);
    assert!(fit < 0.25 * mean, "SVD++: {fit} vs {mean}");
    // Surprise's regularisation is kept: without it the simultaneous update of p and q
    // (both scaled by ≈ r/r̂) overshoots and oscillates.
    let nmf = Nmf {
        n_factors: 4,
        n_epochs: 400,
        ..Nmf::default()
    };
    let m = nmf.fit(&train(), &mut stream(3, "init")).unwrap();
    let (fit, mean) = train_rmse(&m);
    assert!(fit < 0.25 * mean, "NMF: {fit} vs {mean}");
    assert!(
        m.pu.iter().chain(&m.qi).all(|v| *v >= 0.0),
        "NMF factors must stay non-negative"
    );
    // Surprise's defaults run and stay finite.
    assert!(Svd::default()
        .fit(&train(), &mut stream(3, "init"))
        .unwrap()
        .is_finite());
    assert!(SvdPp::default()
        .fit(&train(), &mut stream(3, "init"))
        .unwrap()
        .is_finite());
    let d = Nmf::default()
        .fit(&train(), &mut stream(3, "init"))
        .unwrap();
    assert!(d.is_finite() && d.pu.iter().chain(&d.qi).all(|v| *v >= 0.0));
}

#[test]
fn fits_are_determined_by_the_seed() {
    let t = train();
    let a = Svd::default().fit(&t, &mut stream(5, "init")).unwrap();
    let b = Svd::default().fit(&t, &mut stream(5, "init")).unwrap();
    let c = Svd::default().fit(&t, &mut stream(6, "init")).unwrap();
    assert_eq!(a, b);
    assert_ne!(a.pu, c.pu);
    let p1 = SvdPp::default().fit(&t, &mut stream(5, "init")).unwrap();
    let p2 = SvdPp::default().fit(&t, &mut stream(5, "init")).unwrap();
    assert_eq!(p1, p2);
    let n1 = Nmf::default().fit(&t, &mut stream(5, "init")).unwrap();
    let n2 = Nmf::default().fit(&t, &mut stream(5, "init")).unwrap();
    assert_eq!(n1, n2);
    let f1 = k_fold(100, 5, &mut stream(0, "folds")).unwrap();
    assert_eq!(f1, k_fold(100, 5, &mut stream(0, "folds")).unwrap());
    assert_ne!(f1, k_fold(100, 5, &mut stream(1, "folds")).unwrap());
}

#[test]
fn one_svd_step_matches_the_hand_computation() {
    // One rating r = 4 (μ = 4), factors initialised to 0.5 (std 0): q·p = 0.5, e = −0.5.
    let one = Ratings::new(
        &[Rating {
            user: 1,
            item: 2,
            value: 4.0,
        }],
        scale(),
    )
    .unwrap();
    let svd = Svd {
        n_factors: 2,
        n_epochs: 1,
        init_mean: 0.5,
        init_std_dev: 0.0,
        lr_pu: 0.1,
        lr_qi: 0.2,
        ..Svd::default()
    };
    let m = svd.fit(&one, &mut stream(0, "init")).unwrap();
    // b_u = b_i = 0.005·(−0.5 − 0.02·0) = −0.0025
    assert!((m.bu[0] + 0.0025).abs() < 1e-15 && (m.bi[0] + 0.0025).abs() < 1e-15);
    // p = 0.5 + 0.1·(−0.5·0.5 − 0.02·0.5) = 0.474; q uses the old p: 0.5 + 0.2·(−0.26) = 0.448
    for f in 0..2 {
        assert!((m.pu[f] - 0.474).abs() < 1e-15, "{}", m.pu[f]);
        assert!((m.qi[f] - 0.448).abs() < 1e-15, "{}", m.qi[f]);
    }
    // Prediction: μ + b_u + b_i + q·p, then the unknown-user and unknown-item fallbacks.
    let known = 4.0 - 0.005 + 2.0 * 0.474 * 0.448;
    assert!((one.predict(&m, 1, 2) - known).abs() < 1e-12);
    assert!((one.predict(&m, 9, 2) - (4.0 - 0.0025)).abs() < 1e-12);
    assert!((one.predict(&m, 9, 9) - 4.0).abs() < 1e-12);
}

#[test]
fn unknown_ids_and_clipping_follow_surprise() {
    let t = train();
    let nmf = Nmf::default().fit(&t, &mut stream(2, "init")).unwrap();
    // Unbiased NMF cannot estimate an unknown user: the global mean.
    assert_eq!(t.predict(&nmf, 999, 200), t.global_mean());
    // An estimate above the scale is clipped to 5; NaN becomes the upper bound as in Python.
    let mut big = Svd::default().fit(&t, &mut stream(2, "init")).unwrap();
    big.bu[0] = 10.0;
    assert_eq!(t.predict(&big, 100, 200), 5.0);
    big.bu[0] = -10.0;
    assert_eq!(t.predict(&big, 100, 200), 1.0);
    assert_eq!(scale().clip(f64::NAN), 5.0);
    let pp = SvdPp::default().fit(&t, &mut stream(2, "init")).unwrap();
    let b = pp.svd.bi[t.item_index(201).unwrap()];
    assert!((t.predict(&pp, 999, 201) - (t.global_mean() + b)).abs() < 1e-12);
}

#[test]
fn folds_partition_the_ratings_like_surprise() {
    let folds = k_fold(11, 5, &mut stream(0, "folds")).unwrap();
    let sizes: Vec<usize> = folds.iter().map(|f| f.test.len()).collect();
    assert_eq!(sizes, vec![3, 2, 2, 2, 2]);
    let mut all: Vec<usize> = folds.iter().flat_map(|f| f.test.clone()).collect();
    all.sort_unstable();
    assert_eq!(all, (0..11).collect::<Vec<_>>());
    for f in &folds {
        assert_eq!(f.train.len() + f.test.len(), 11);
        assert!(f.test.iter().all(|k| !f.train.contains(k)));
    }
    let h = holdout(10, 0.25, &mut stream(0, "validation")).unwrap();
    assert_eq!((h.train.len(), h.test.len()), (7, 3));
    let ratings = tiny();
    assert_eq!(folds[0].test_of(&ratings).len(), 3);
}
