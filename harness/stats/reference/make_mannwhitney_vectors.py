"""Generate the Mann-Whitney U and faithfulness test vectors for repro-stats from SciPy.

Usage (from the repository root; SciPy/NumPy pinned in requirements.txt, statsmodels not needed):
    python3 -m venv /tmp/statsvenv
    /tmp/statsvenv/bin/pip install -r harness/stats/reference/requirements.txt
    /tmp/statsvenv/bin/python harness/stats/reference/make_mannwhitney_vectors.py

Writes harness/stats/tests/vectors/mannwhitney.json in the format of make_vectors.py
({"metadata", "cases": [{"procedure", "input", "expected", optional "tol"}]}), read by
tests/vectors.rs like every other vector file:

* `mann_whitney_u`: scipy.stats.mannwhitneyu(x, y, use_continuity, alternative, method) for
  sizes 1..60, with and without ties, every alternative, both continuity settings and the methods
  'auto' (SciPy's default), 'exact' and 'asymptotic', plus edge cases (all values tied, a sample
  of one, tied data forced through 'exact', where SciPy truncates U to an integer).
* `faithfulness`: the two-sample comparison of repro_stats::faithfulness, expected values from
  scipy.stats.ttest_ind(equal_var=False) (statistic, df, p, 95% CI) and mannwhitneyu (auto),
  including the Fashion-MNIST submitter's 30 logged test accuracies.
* `best_of_pivot_sf`: the exact null tail of a declared best-of-m claim used by the paper-level
  test, by scipy.integrate.quad (adaptive, 1e-12) instead of the crate's fixed Gauss-Legendre rule.
"""
import json
import math
import os
import platform

import numpy as np
import scipy
from scipy import stats

OUT = os.path.join(os.path.dirname(os.path.abspath(__file__)), "..", "tests", "vectors")
META = {
    "generator": "harness/stats/reference/make_mannwhitney_vectors.py",
    "scipy": scipy.__version__,
    "numpy": np.__version__,
    "python": platform.python_version(),
}


def clean(v):
    if isinstance(v, dict):
        return {k: clean(x) for k, x in v.items()}
    if isinstance(v, (list, tuple)):
        return [clean(x) for x in v]
    if isinstance(v, (np.floating, float)):
        v = float(v)
        return v if math.isfinite(v) else None
    if isinstance(v, (np.integer,)):
        return int(v)
    if isinstance(v, (np.bool_,)):
        return bool(v)
    if isinstance(v, np.ndarray):
        return clean(v.tolist())
    return v


rng = np.random.default_rng(20261130)


def sample(n, ties=False, loc=0.0):
    x = rng.normal(loc, 1.0, n)
    if ties:
        x = np.round(x * 2) / 2
    return [float(v) for v in x]


def resolved(x, y, method):
    if method != "auto":
        return method
    xy = np.concatenate([x, y])
    ties = len(np.unique(xy)) < len(xy)
    if len(x) > 8 and len(y) > 8:
        return "asymptotic"
    return "asymptotic" if ties else "exact"


def mwu_cases():
    cases = []
    sizes = [(1, 1), (1, 4), (2, 2), (2, 5), (3, 3), (3, 8), (4, 6), (5, 5), (6, 9), (7, 7), (8, 8),
             (8, 12), (3, 40), (9, 9), (10, 30), (12, 7), (20, 20), (25, 31), (60, 4)]
    combos = [(alt, m, c) for alt in ("two-sided", "less", "greater")
              for m in ("auto", "exact", "asymptotic") for c in (True, False)]
    data = []
    for n1, n2 in sizes:
        for ties in (False, True):
            for loc in (0.0, 0.8):
                data.append((sample(n1, ties, loc), sample(n2, ties)))
    data += [([1.0, 1.0, 1.0], [1.0, 1.0]),          # all tied
             ([2.0, 2.0, 2.0, 2.0], [1.0]),          # a sample of one, ties within x
             ([1.0, 2.0, 2.0, 3.0], [2.0, 4.0, 5.0]),  # half-integer U
             ([0.0, 0.0, 1.0], [0.0, 2.0, 2.0, 3.0])]
    k = 0
    for x, y in data:
        picks = [combos[(k + j * 5) % len(combos)] for j in range(5)]
        picks.append(("two-sided", "auto", True))    # SciPy's defaults, always
        k += 1
        for alt, m, c in picks:
            if m == "exact" and len(x) * len(y) > 2000:
                continue
            r = stats.mannwhitneyu(x, y, use_continuity=c, alternative=alt, method=m)
            cases.append({"procedure": "mann_whitney_u",
                          "input": {"x": x, "y": y, "use_continuity": c, "alternative": alt, "method": m},
                          "expected": {"statistic": r.statistic, "p_value": r.pvalue,
                                       "method": resolved(np.asarray(x), np.asarray(y), m)}})
    cases.append({"procedure": "mann_whitney_u", "input": {"x": [], "y": [1.0]}, "expected": {"error": True}})
    return cases


FASHION_PUBLISHED = [0.8781, 0.8795, 0.8774, 0.8802, 0.8802, 0.8779, 0.8762, 0.8777, 0.8786, 0.8776,
                     0.8813, 0.8775, 0.8802, 0.8763, 0.8833, 0.8775, 0.8784, 0.8812, 0.8727, 0.8797,
                     0.8805, 0.8820, 0.8812, 0.8802, 0.8807, 0.8828, 0.8788, 0.8751, 0.8739, 0.8793]


def faithfulness_cases():
    cases = []
    pairs = [(sample(10, loc=0.3), FASHION_PUBLISHED[:]),
             ([v - 0.003 for v in FASHION_PUBLISHED[:10]], FASHION_PUBLISHED[:]),
             (sample(5), sample(7)),
             (sample(12, ties=True), sample(15, ties=True, loc=0.5)),
             (sample(3), sample(30, loc=-1.0))]
    for x, y in pairs:
        w = stats.ttest_ind(x, y, equal_var=False)
        ci = w.confidence_interval(0.95)
        u = stats.mannwhitneyu(x, y)
        p_holm = min(1.0, 2 * min(w.pvalue, u.pvalue))
        cases.append({"procedure": "faithfulness",
                      "input": {"reproduced": x, "published": y, "source": "test"},
                      "expected": {"welch": {"statistic": w.statistic, "df": w.df, "p_value": w.pvalue,
                                             "ci": [ci.low, ci.high]},
                                   "mann_whitney": {"statistic": u.statistic, "p_value": u.pvalue},
                                   "p_holm": p_holm,
                                   "verdict": "differs" if p_holm < 0.05 else "matches"}})
    return cases


def pivot_sf(q, m, n):
    """P((M - Xbar)/S >= q): M the max of m N(0,1), Xbar ~ N(0, 1/n), S ~ chi_{n-1}/sqrt(n-1)."""
    from scipy import integrate
    nu = n - 1
    chi = stats.chi(nu, scale=1 / np.sqrt(nu))
    inner = lambda s: integrate.quad(
        lambda y: stats.norm.pdf(y) * (-np.expm1(m * stats.norm.logcdf(y / np.sqrt(n) + q * s))),
        -np.inf, np.inf, epsabs=1e-14, epsrel=1e-12)[0]
    return integrate.quad(lambda s: chi.pdf(s) * inner(s), 0, np.inf, epsabs=1e-14, epsrel=1e-12,
                          limit=200)[0]


def pivot_cases():
    """The exact null tail of a declared best-of-m claim (repro_stats::paper_level::best_of_pivot_sf),
    by adaptive quadrature; m = 1 is also checked against the prediction-interval t tail."""
    cases = []
    for q, m, n in [(1.5, 3, 10), (0.2, 3, 5), (3.0, 10, 20), (-0.5, 5, 8), (4.0, 30, 3), (0.0, 2, 4),
                    (2.5, 3, 10), (6.0, 3, 10), (1.2, 1, 10), (-2.0, 1, 5), (5.0, 100, 30), (1.0, 2.5, 12)]:
        p = pivot_sf(q, m, n)
        if m == 1:
            assert abs(p - stats.t.sf(q / np.sqrt(1 + 1 / n), n - 1)) < 1e-10
        cases.append({"procedure": "best_of_pivot_sf", "input": {"q": q, "m": m, "n": n},
                      "expected": {"p_value": p}, "tol": {"rel": 1e-7, "abs": 1e-10}})
    cases.append({"procedure": "best_of_pivot_sf", "input": {"q": 1.0, "m": 3, "n": 2}, "expected": {"error": True}})
    return cases


if __name__ == "__main__":
    os.makedirs(OUT, exist_ok=True)
    cases = mwu_cases() + faithfulness_cases() + pivot_cases()
    with open(os.path.join(OUT, "mannwhitney.json"), "w") as f:
        json.dump(clean({"metadata": META, "cases": cases}), f, separators=(",", ":"))
    print("mannwhitney", len(cases))
