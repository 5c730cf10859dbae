#!/usr/bin/env python3
"""High-precision reference values for the special functions of repro-stats (erfc, the normal
cdf/sf and quantile, and the Student t quantile at large df), computed with mpmath at 60 digits.

    pip install mpmath==1.3.0
    python3 harness/stats/reference/make_special.py > harness/stats/tests/special/special.json

Inputs are exact binary64 values; outputs are the correctly rounded binary64 of the exact result
(repr of float(mpf)), so a test can measure the error in ULP.
"""
import json
import mpmath as mp

mp.mp.dps = 60


def f(x):
    return float(x)


erfc_x = [-5.5, -3.0, -1.0, -0.3, -1e-8, 0.0, 1e-10, 0.1, 0.4765, 0.5, 0.84375, 1.0, 1.25,
          2.0, 2.857, 3.5, 4.0, 5.0, 6.0, 8.0, 10.0, 15.0, 20.0, 26.5]
norm_x = [-37.0, -30.0, -20.0, -10.0, -8.0, -5.0, -3.0, -1.959963984540054, -1.0, -0.5, -1e-9,
          0.0, 0.25, 1.0, 2.0, 3.0, 5.0, 8.0]
ppf_p = [1e-300, 1e-100, 1e-20, 1e-10, 1e-5, 0.001, 0.01, 0.025, 0.05, 0.1, 0.2, 0.3, 0.4,
         0.45, 0.5, 0.55, 0.6, 0.7, 0.8, 0.9, 0.95, 0.975, 0.99, 0.999]
t_cases = [(0.975, 1e5), (0.975, 1e6), (0.975, 1e7), (0.975, 1e9), (0.975, 1e12), (0.95, 3e6),
           (0.05, 2e7), (0.999, 1e8), (0.001, 5e5), (0.6, 1e10)]


def norm_ppf(p):
    # enough digits that 2p - 1 keeps p's value even for p = 1e-300
    with mp.workdps(400):
        return mp.sqrt(2) * mp.erfinv(2 * mp.mpf(p) - 1)


def t_ppf(p, nu):
    p, nu = mp.mpf(p), mp.mpf(nu)

    def cdf(t):
        x = nu / (nu + t * t)
        tail = mp.betainc(nu / 2, mp.mpf(1) / 2, 0, x, regularized=True) / 2
        return tail if t < 0 else 1 - tail

    z = norm_ppf(p)
    return mp.findroot(lambda t: cdf(t) - p, z)


out = {
    "source": "mpmath 1.3.0, 60 significant digits (harness/stats/reference/make_special.py)",
    "erfc": [[x, f(mp.erfc(mp.mpf(x)))] for x in erfc_x],
    "norm_cdf": [[x, f(mp.ncdf(mp.mpf(x)))] for x in norm_x],
    "norm_sf": [[x, f(1 - mp.ncdf(mp.mpf(x)))] for x in norm_x],
    "norm_ppf": [[p, f(norm_ppf(p))] for p in ppf_p],
    "t_ppf_large_df": [[p, nu, f(t_ppf(p, nu))] for p, nu in t_cases],
}
print(json.dumps(out, indent=1))
