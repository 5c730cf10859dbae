#!/usr/bin/env python3
"""High-precision reference values of the noncentral t survival function P(T' > t), mainly for
small degrees of freedom (df < 1, where `scipy.stats.nct` is the only other reference and the
old quadrature was wrong), computed with mpmath at 30 digits by a formula independent of the
one repro-stats integrates:

    T' = (Z + δ) / S,  S = sqrt(V/ν),  V ~ χ²_ν,  Z ~ N(0, 1)
    t > 0:  P(T' > t) = ∫_{z > −δ} φ(z) P(S < (z + δ)/t) dz
    t < 0:  P(T' > t) = Φ(δ) + ∫_{z < −δ} φ(z) P(S > (z + δ)/t) dz
    t = 0:  P(T' > 0) = Φ(δ)
    P(S < u) = P(V < ν u²) = γ(ν/2, ν u²/2) / Γ(ν/2)   (regularized lower incomplete gamma)

(repro-stats integrates over S instead). With δ = 0 it is Student's t (and Cauchy at ν = 1:
1/2 − atan(t)/π), which the test also checks in closed form.

    pip install mpmath==1.3.0
    python3 harness/stats/reference/make_nct.py > harness/stats/tests/special/nct.json
"""
import json
import mpmath as mp

mp.mp.dps = 30


def s_cdf(u, nu):
    if u <= 0:
        return mp.mpf(0)
    return mp.gammainc(nu / 2, 0, nu * u * u / 2, regularized=True)


def nct_sf(t, nu, nc):
    t, nu, nc = mp.mpf(t), mp.mpf(nu), mp.mpf(nc)
    if t == 0:
        return mp.ncdf(nc)
    if t > 0:
        f = lambda z: mp.npdf(z) * s_cdf((z + nc) / t, nu)
        return mp.quad(f, [-nc, -nc + 1, -nc + 10, mp.inf])
    g = lambda z: mp.npdf(z) * (1 - s_cdf((z + nc) / t, nu))
    return mp.ncdf(nc) + mp.quad(g, [-mp.inf, -nc - 10, -nc - 1, -nc])


cases = []
for nu in [0.001, 0.01, 0.1, 0.5, 0.9, 1.0, 1.5, 2.5, 5.0, 20.0, 49.0, 51.0, 200.0]:
    for t in [-3.0, -0.5, 0.5, 1.0, 5.0, 100.0, 1e4]:
        for nc in [-2.0, 0.0, 3.0]:
            cases.append([t, nu, nc])
cases += [[5.0, 0.01, 3.0], [1.0, 0.001, 0.0], [1e6, 0.01, 2.0], [2.0, 1e-6, 1.0]]

out = {
    "source": "mpmath 1.3.0, 30 significant digits (harness/stats/reference/make_nct.py)",
    "nct_sf": [[t, nu, nc, float(nct_sf(t, nu, nc))] for t, nu, nc in cases],
}
print(json.dumps(out, indent=1))
