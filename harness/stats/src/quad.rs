//! Composite Gauss–Legendre quadrature (20 nodes per panel) and Brent's root finder,
//! the numerical back-end of the best-of-k and power computations.

use std::sync::OnceLock;

const NODES: usize = 20;

fn gl_nodes() -> &'static (Vec<f64>, Vec<f64>) {
    static CELL: OnceLock<(Vec<f64>, Vec<f64>)> = OnceLock::new();
    CELL.get_or_init(|| {
        let n = NODES;
        let mut x = vec![0.0; n];
        let mut w = vec![0.0; n];
        for i in 0..n {
            let mut z = (std::f64::consts::PI * (i as f64 + 0.75) / (n as f64 + 0.5)).cos();
            for _ in 0..100 {
                let (mut p1, mut p2) = (1.0, 0.0);
                for j in 0..n {
                    let p3 = p2;
                    p2 = p1;
                    p1 = ((2 * j + 1) as f64 * z * p2 - j as f64 * p3) / (j + 1) as f64;
                }
                let pp = n as f64 * (z * p1 - p2) / (z * z - 1.0);
                let z1 = z;
                z = z1 - p1 / pp;
                if (z - z1).abs() < 1e-16 {
                    let (mut p1, mut p2) = (1.0, 0.0);
                    for j in 0..n {
                        let p3 = p2;
                        p2 = p1;
                        p1 = ((2 * j + 1) as f64 * z * p2 - j as f64 * p3) / (j + 1) as f64;
                    }
                    let pp = n as f64 * (z * p1 - p2) / (z * z - 1.0);
                    w[i] = 2.0 / ((1.0 - z * z) * pp * pp);
                    break;
                }
            }
            x[i] = z;
        }
        (x, w)
    })
}

/// `∫_a^b f` with `panels` equal panels of 20-point Gauss–Legendre.
pub fn integrate<F: Fn(f64) -> f64>(f: F, a: f64, b: f64, panels: usize) -> f64 {
    let (x, w) = gl_nodes();
    let h = (b - a) / panels as f64;
    let mut total = 0.0;
    for p in 0..panels {
        let lo = a + p as f64 * h;
        let c = lo + h / 2.0;
        let mut s = 0.0;
        for (xi, wi) in x.iter().zip(w) {
            s += wi * f(c + h / 2.0 * xi);
        }
        total += s * h / 2.0;
    }
    total
}

/// Brent's method for a root of `f` in `[a, b]` with `f(a)`, `f(b)` of opposite sign.
/// Returns `None` if the bracket is invalid.
pub fn brent<F: Fn(f64) -> f64>(f: F, mut a: f64, mut b: f64, tol: f64) -> Option<f64> {
    let mut fa = f(a);
    let mut fb = f(b);
    if fa == 0.0 {
        return Some(a);
    }
    if fb == 0.0 {
        return Some(b);
    }
    if fa.signum() == fb.signum() || fa.is_nan() || fb.is_nan() {
        return None;
    }
    let (mut c, mut fc) = (a, fa);
    let mut d = b - a;
    let mut e = d;
    for _ in 0..200 {
        if fb.signum() == fc.signum() {
            c = a;
            fc = fa;
            d = b - a;
            e = d;
        }
        if fc.abs() < fb.abs() {
            a = b;
            b = c;
            c = a;
            fa = fb;
            fb = fc;
            fc = fa;
        }
        let tol1 = 2.0 * f64::EPSILON * b.abs() + 0.5 * tol;
        let xm = 0.5 * (c - b);
        if xm.abs() <= tol1 || fb == 0.0 {
            return Some(b);
        }
        if e.abs() >= tol1 && fa.abs() > fb.abs() {
            let s = fb / fa;
            let (mut p, mut q);
            if a == c {
                p = 2.0 * xm * s;
                q = 1.0 - s;
            } else {
                let qq = fa / fc;
                let r = fb / fc;
                p = s * (2.0 * xm * qq * (qq - r) - (b - a) * (r - 1.0));
                q = (qq - 1.0) * (r - 1.0) * (s - 1.0);
            }
            if p > 0.0 {
                q = -q;
            }
            p = p.abs();
            let min1 = 3.0 * xm * q - (tol1 * q).abs();
            let min2 = (e * q).abs();
            if 2.0 * p < min1.min(min2) {
                e = d;
                d = p / q;
            } else {
                d = xm;
                e = d;
            }
        } else {
            d = xm;
            e = d;
        }
        a = b;
        fa = fb;
        b += if d.abs() > tol1 {
            d
        } else {
            tol1 * xm.signum()
        };
        fb = f(b);
    }
    Some(b)
}

#[cfg(test)]
mod tests {
    #[test]
    fn gauss_legendre_polynomials() {
        let v = super::integrate(|x| x.powi(7) + x * x, -1.0, 2.0, 3);
        let exact = (2f64.powi(8) - 1.0) / 8.0 + (8.0 + 1.0) / 3.0;
        assert!((v - exact).abs() < 1e-12);
        let r = super::brent(|x| x * x - 2.0, 0.0, 2.0, 1e-14).unwrap();
        assert!((r - 2f64.sqrt()).abs() < 1e-12);
    }
}
