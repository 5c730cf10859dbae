//! Demšar (2006), JMLR 7:1-30: the published numbers of §3.1.3, §3.1.4 and §3.2.2 (Tables 2, 5, 6).

use repro_stats::friedman::{bonferroni_dunn_cd, friedman, nemenyi_cd};
use repro_stats::multitest::holm;
use repro_stats::verdict::Direction;
use repro_stats::wilcoxon::{sign_test, wilcoxon, SignTies, WilcoxonMethod, ZeroMethod};
use repro_stats::Alternative;

fn ranks() -> Vec<Vec<f64>> {
    vec![
        vec![4., 3., 2., 1.],
        vec![1., 2., 3., 4.],
        vec![4., 1., 2., 3.],
        vec![4., 1., 3., 2.],
        vec![4., 2., 3., 1.],
        vec![1., 2.5, 4., 2.5],
        vec![3., 2., 4., 1.],
        vec![2.5, 2.5, 4., 1.],
        vec![4., 3., 2., 1.],
        vec![2.5, 2.5, 2.5, 2.5],
        vec![4., 2.5, 1., 2.5],
        vec![3., 2., 4., 1.],
        vec![4., 1., 2., 3.],
        vec![3., 1., 4., 2.],
    ]
}

fn near(a: f64, b: f64, tol: f64) {
    assert!((a - b).abs() <= tol, "{a} vs {b}");
}

#[test]
fn friedman_table6() {
    let r = friedman(&ranks(), Direction::Lower).unwrap();
    for (a, b) in r.average_ranks.iter().zip([3.143, 2.000, 2.893, 1.964]) {
        near(*a, b, 5e-4);
    }
    near(r.chi2_demsar, 9.28, 5e-3);
    near(r.chi2_demsar, 9.278571, 1e-6);
    near(r.p_demsar, 0.025807, 1e-6);
    near(r.ff_demsar, 3.69, 5e-3);
    near(r.ff_demsar, 3.686313, 1e-6);
    near(r.p_ff_demsar, 0.019823, 1e-6);
    near(r.chi2_scipy, 10.228346, 1e-6);
    near(r.p_scipy, 0.016722, 1e-6);
    near(r.ff_scipy, 4.185130, 1e-6);
    near(r.p_ff_scipy, 0.011621, 1e-6);
    near(r.rank_se, 0.4879500, 1e-7);
    let cd05 = nemenyi_cd(4, 14, 0.05).unwrap();
    near(cd05.cd_table, 1.25, 5e-3);
    near(cd05.cd_table, 1.253544, 1e-6);
    near(cd05.cd_computed, 1.253559, 1e-6);
    let cd10 = nemenyi_cd(4, 14, 0.10).unwrap();
    near(cd10.cd_table, 1.12, 5e-3);
    near(cd10.cd_table, 1.117894, 1e-6);
    near(cd10.cd_computed, 1.118060, 1e-6);
    let bd = bonferroni_dunn_cd(4, 14, 0.05).unwrap();
    near(bd.cd_table, 1.16, 1e-2);
    near(bd.cd_table, 1.168152, 1e-6);
    near(bd.cd_computed, 1.168142, 1e-6);
    // Holm vs control with SE = 0.488 (Table in §3.2.2)
    let z = [
        (3.143 - 1.964) / 0.488,
        (3.143 - 2.000) / 0.488,
        (3.143 - 2.893) / 0.488,
    ];
    let p: Vec<f64> = z
        .iter()
        .map(|z| 2.0 * repro_stats::describe::norm_sf(*z))
        .collect();
    for (a, b) in p.iter().zip([0.015693, 0.019170, 0.608445]) {
        near(*a, b, 1e-6);
    }
    for (a, b) in holm(&p).unwrap().iter().zip([0.047078, 0.047078, 0.608445]) {
        near(*a, b, 1e-6);
    }
}

#[test]
fn wilcoxon_table2_and_sign_test() {
    let d = [
        0.005, -0.008, 0.017, 0.033, 0.006, -0.005, 0.007, 0.0, 0.063, 0.0, 0.022, 0.047, 0.009,
        0.021,
    ];
    let w = wilcoxon(
        &d,
        ZeroMethod::Zsplit,
        false,
        Alternative::TwoSided,
        WilcoxonMethod::Auto,
    )
    .unwrap();
    assert_eq!((w.r_plus, w.r_minus, w.statistic), (93.0, 12.0, 12.0));
    near(w.p_value, 0.010968, 1e-6);
    let p = wilcoxon(
        &d,
        ZeroMethod::Pratt,
        false,
        Alternative::TwoSided,
        WilcoxonMethod::Auto,
    )
    .unwrap();
    assert_eq!((p.r_plus, p.r_minus), (91.5, 10.5));
    near(p.p_value, 0.010792, 1e-6);
    let x = wilcoxon(
        &d,
        ZeroMethod::Wilcox,
        false,
        Alternative::TwoSided,
        WilcoxonMethod::Auto,
    )
    .unwrap();
    assert_eq!((x.r_plus, x.r_minus), (71.5, 6.5));
    near(x.p_value, 0.010757, 1e-6);
    // exact critical value check: P(W ≤ 21 | n = 14) = 0.024719
    let c = repro_stats::wilcoxon::signed_rank_counts(14);
    near(c[..=21].iter().sum::<f64>() / 16384.0, 0.024719, 1e-6);
    near(c[..=22].iter().sum::<f64>() / 16384.0, 0.028992, 1e-6);
    let s = sign_test(&d, Alternative::TwoSided, SignTies::Split).unwrap();
    assert_eq!((s.k, s.n), (11, 14));
    near(s.p_value, 0.057373, 1e-6);
    near(
        sign_test(&d, Alternative::Greater, SignTies::Split)
            .unwrap()
            .p_value,
        0.028687,
        1e-6,
    );
    near(
        sign_test(&d, Alternative::TwoSided, SignTies::Drop)
            .unwrap()
            .p_value,
        0.038574,
        1e-6,
    );
}
