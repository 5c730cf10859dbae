"""Generate JSON test vectors for repro-stats from SciPy / statsmodels / NumPy.

Usage (from the repository root):
    python3 -m venv /tmp/statsvenv
    /tmp/statsvenv/bin/pip install -r harness/stats/reference/requirements.txt
    /tmp/statsvenv/bin/python harness/stats/reference/make_vectors.py

Writes harness/stats/tests/vectors/*.json. Each file holds {"metadata": {...}, "cases": [...]},
each case {"procedure", "input", "expected", optional "tol": {"rel", "abs"}}; `expected` uses the
field names of `repro_stats::procedures::run_procedure`'s output; `{"error": true}` means the
reference raises and the Rust procedure must return an error. Non-finite numbers are written as
null.
"""
import itertools
import json
import math
import os
import platform
import sys
from types import SimpleNamespace

import numpy as np
import scipy
import statsmodels
from scipy import integrate, optimize, stats
from statsmodels.stats.multitest import multipletests
from statsmodels.stats.power import TTestIndPower, TTestPower

OUT = os.path.join(os.path.dirname(os.path.abspath(__file__)), "..", "tests", "vectors")
META = {
    "generator": "harness/stats/reference/make_vectors.py",
    "scipy": scipy.__version__,
    "statsmodels": statsmodels.__version__,
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


def write(name, cases):
    os.makedirs(OUT, exist_ok=True)
    with open(os.path.join(OUT, name + ".json"), "w") as f:
        json.dump(clean({"metadata": META, "cases": cases}), f, separators=(",", ":"))
    print(name, len(cases))


rng = np.random.default_rng(20240611)


def rnd(n, ties=False, zeros=False, scale=1.0, loc=0.0):
    x = rng.normal(loc, scale, n)
    if ties:
        x = np.round(x * 2) / 2
    if zeros:
        x[rng.random(n) < 0.25] = 0.0
    return [float(v) for v in x]


# ------------------------------------------------------------------ t procedures
def ttests():
    cases = []
    alts = ["two-sided", "less", "greater"]
    samples = [rnd(n, loc=0.3) for n in (2, 3, 5, 8, 10, 30, 100) for _ in range(3)]
    samples += [[1.0, 1.0, 1.0], [2.0, 2.0], [0.0, 0.0, 0.0, 0.0], [1.0, 2.0]]
    for x in samples:
        for alt in alts:
            for popmean, conf in ((0.0, 0.95), (0.25, 0.9)):
                r = stats.ttest_1samp(x, popmean, alternative=alt)
                ci = r.confidence_interval(conf)
                cases.append({"procedure": "ttest_1samp",
                              "input": {"x": x, "popmean": popmean, "alternative": alt, "confidence": conf},
                              "expected": {"statistic": r.statistic, "df": r.df, "p_value": r.pvalue,
                                           "ci": [ci.low, ci.high]}})
        r = stats.ttest_1samp(x, 0.0).confidence_interval(0.95)
        cases.append({"procedure": "t_interval", "input": {"x": x},
                      "expected": {"low": r.low, "high": r.high}})
    pairs = [(rnd(a, loc=0.2), rnd(b, scale=2.0)) for a, b in ((2, 2), (3, 5), (5, 5), (10, 4), (20, 30), (50, 7))]
    pairs += [([1.0, 1.0, 1.0], [2.0, 2.0]), ([1.0, 1.0], [1.0, 1.0, 1.0]), ([1.0, 1.0, 1.0], [0.5, 1.5, 2.0])]
    for x, y in pairs:
        for alt in alts:
            r = stats.ttest_ind(x, y, equal_var=False, alternative=alt)
            ci = r.confidence_interval(0.95)
            cases.append({"procedure": "ttest_welch", "input": {"x": x, "y": y, "alternative": alt},
                          "expected": {"statistic": r.statistic, "df": r.df, "p_value": r.pvalue,
                                       "ci": [ci.low, ci.high]}})
    for n in (3, 10):
        x, y = rnd(n), rnd(n)
        r = stats.ttest_rel(x, y)
        ci = r.confidence_interval(0.95)
        cases.append({"procedure": "ttest_paired", "input": {"x": x, "y": y},
                      "expected": {"statistic": r.statistic, "df": r.df, "p_value": r.pvalue, "ci": [ci.low, ci.high]}})
    cases.append({"procedure": "ttest_1samp", "input": {"x": [1.0]}, "expected": {"error": True}})
    return cases


# ------------------------------------------------------------------ Wilcoxon / sign
def resolve(d, zm, method):
    d = np.asarray(d)
    n = len(d)
    nz = int(np.sum(d == 0))
    if method != "auto":
        return method
    a = np.abs(d[d != 0]) if zm == "wilcox" else np.abs(d)
    has_ties = len(np.unique(a)) < len(a)
    if n > 50:
        return "asymptotic"
    if not has_ties and nz == 0:
        return "exact"
    if n <= 13:
        return "permutation"
    return "asymptotic"


def wilcoxon_cases():
    cases = []
    data = []
    for n in (1, 2, 3, 4, 5, 7, 9, 11, 13, 14, 16, 20, 25, 40, 51, 60):
        data.append(rnd(n, loc=0.4))
        data.append(rnd(n, ties=True, loc=0.4))
        data.append(rnd(n, ties=True, zeros=True, loc=0.3))
    data += [[0.0, 0.0], [0.0, 0.0, 0.0, 0.0, 0.0], [0.0] * 15, [1.0, 1.0, 2.0, -2.0, 3.0, 3.0, 4.0, -1.0, 5.0, 2.0],
             [1.0, -1.0], [0.0, 1.0], [2.0, 2.0, 2.0]]
    combos = [(zm, alt, m, c) for zm in ("wilcox", "pratt", "zsplit") for alt in ("two-sided", "less", "greater")
              for m in ("auto", "exact", "asymptotic") for c in (False, True)]
    k = 0
    for d in data:
        picks = [combos[(k + j * 7) % len(combos)] for j in range(6)]
        picks.append(("wilcox", "two-sided", "auto", False))
        k += 1
        for zm, alt, m, c in picks:
            if c and m != "asymptotic":
                c = False
            inp = {"x": d, "zero_method": zm, "correction": c, "alternative": alt, "method": m}
            try:
                import warnings
                with warnings.catch_warnings():
                    warnings.simplefilter("ignore")
                    r = stats.wilcoxon(d, zero_method=zm, correction=c, alternative=alt, method=m)
                exp = {"statistic": r.statistic, "p_value": r.pvalue, "method": resolve(d, zm, m)}
                if m == "asymptotic":
                    exp["z"] = r.zstatistic
            except ValueError:
                exp = {"error": True}
            cases.append({"procedure": "wilcoxon", "input": inp, "expected": exp})
    # sign test
    for d in data:
        if len(d) == 0:
            continue
        for alt in ("two-sided", "less", "greater"):
            for ties in ("drop", "split"):
                d_ = np.asarray(d)
                pos, neg, z = int(np.sum(d_ > 0)), int(np.sum(d_ < 0)), int(np.sum(d_ == 0))
                if ties == "drop":
                    k_, n_ = pos, pos + neg
                else:
                    k_, n_ = pos + z // 2, pos + neg + 2 * (z // 2)
                p = 1.0 if n_ == 0 else stats.binomtest(k_, n_, 0.5, alternative=alt).pvalue
                cases.append({"procedure": "sign_test", "input": {"x": d, "alternative": alt, "ties": ties},
                              "expected": {"k": k_, "n": n_, "p_value": p}})
    return cases


# ------------------------------------------------------------------ Friedman / CD / multitest
def friedman_cases():
    cases = []
    shapes = [(5, 3), (10, 4), (14, 4), (8, 5), (20, 3), (6, 7), (30, 10)]
    for (n, k) in shapes:
        for ties in (False, True):
            m = rng.normal(size=(n, k)) + np.linspace(0, 0.8, k)
            if ties:
                m = np.round(m * 2) / 2
            m = m.tolist()
            for direction in ("higher", "lower"):
                a = np.asarray(m)
                key = -a if direction == "higher" else a
                ranks = np.apply_along_axis(stats.rankdata, 1, key)
                R = ranks.mean(0)
                chi2 = 12 * n / (k * (k + 1)) * (np.sum(R ** 2) - k * (k + 1) ** 2 / 4)
                r = stats.friedmanchisquare(*a.T)
                def ff(c):
                    den = n * (k - 1) - c
                    return math.inf if den <= 0 else (n - 1) * c / den
                ffd, ffs = ff(chi2), ff(r.statistic)
                d1, d2 = k - 1, (k - 1) * (n - 1)
                cases.append({"procedure": "friedman", "input": {"scores": m, "direction": direction},
                              "expected": {"average_ranks": R, "chi2_demsar": chi2, "p_demsar": stats.chi2.sf(chi2, k - 1),
                                           "chi2_scipy": r.statistic, "p_scipy": r.pvalue,
                                           "ff_demsar": ffd, "p_ff_demsar": stats.f.sf(ffd, d1, d2),
                                           "ff_scipy": ffs, "p_ff_scipy": stats.f.sf(ffs, d1, d2)}})
    for k in range(2, 11):
        for alpha in (0.05, 0.10):
            q = stats.studentized_range.ppf(1 - alpha, k, np.inf) / math.sqrt(2)
            f = math.sqrt(k * (k + 1) / (6 * 14))
            cases.append({"procedure": "nemenyi_cd", "input": {"k": k, "n": 14, "alpha": alpha},
                          "expected": {"q_computed": q, "cd_computed": q * f}, "tol": {"rel": 1e-8, "abs": 1e-12}})
            qb = stats.norm.ppf(1 - alpha / (2 * (k - 1)))
            cases.append({"procedure": "bonferroni_dunn_cd", "input": {"k": k, "n": 14, "alpha": alpha},
                          "expected": {"q_computed": qb, "cd_computed": qb * f}})
    return cases


def multitest_cases():
    cases = []
    lists = [[0.01], [0.5, 0.5], [0.01, 0.04, 0.03, 0.2], [0.0, 1.0, 0.5], [0.015693, 0.019170, 0.608445]]
    for m in (3, 5, 10, 20, 50):
        for _ in range(4):
            p = rng.uniform(0, 1, m) ** 3
            if _ == 3:
                p[: m // 3] = p[0]
            lists.append([float(v) for v in p])
    for p in lists:
        for meth, name in (("holm", "holm"), ("fdr_bh", "benjamini_hochberg")):
            adj = multipletests(p, method=meth)[1]
            cases.append({"procedure": name, "input": {"p_values": p}, "expected": {"p_adjusted": adj}})
    cases.append({"procedure": "holm", "input": {"p_values": [0.1, None]}, "expected": {"error": True}})
    return cases


# ------------------------------------------------------------------ best-of-k
def ek(k):
    f1 = lambda x: 1 - np.exp(k * stats.norm.logcdf(x))
    f2 = lambda x: np.exp(k * stats.norm.logcdf(x))
    a = integrate.quad(f1, 0, np.inf, epsabs=1e-14, epsrel=1e-13, limit=500)[0]
    b = integrate.quad(f2, -np.inf, 0, epsabs=1e-14, epsrel=1e-13, limit=500)[0]
    return a - b


def samplemax(v, n):
    v = np.sort(np.asarray(v, float))
    N = len(v)
    i = np.arange(1, N + 1)
    return float(np.sum(v * ((i / N) ** n - ((i - 1) / N) ** n)))


def tang(v, n):
    from math import comb
    v = np.sort(np.asarray(v, float))
    N = len(v)
    return float(sum(v[i - 1] * (comb(i, n) - comb(i - 1, n)) / comb(N, n) for i in range(1, N + 1)))


def bestofk_cases():
    cases = []
    for k in (1, 1.5, 2, 3, 4, 5, 7.3, 10, 20, 50, 100, 1000, 1e5):
        for mu, sigma in ((0.0, 1.0), (0.8, 0.02)):
            cases.append({"procedure": "expected_max_normal", "input": {"k": k, "mu": mu, "sigma": sigma},
                          "expected": {"value": mu + sigma * ek(k)}, "tol": {"rel": 1e-9, "abs": 1e-11}})
    for N in (1, 2, 5, 10, 50):
        for t in (False, True):
            v = rnd(N, ties=t)
            for n in (1, 2, 3.5, 5, 10, 100):
                cases.append({"procedure": "expected_max_empirical", "input": {"scores": v, "n": n},
                              "expected": {"value": samplemax(v, n)}})
                if float(n).is_integer() and n <= N:
                    cases.append({"procedure": "expected_max_empirical",
                                  "input": {"scores": v, "n": n, "replacement": False},
                                  "expected": {"value": tang(v, int(n))}})
    for mu, sigma, c in ((0.8, 0.02, 0.85), (0.0, 1.0, 1.0), (0.0, 1.0, 2.0), (1.0, 2.0, 0.5), (0.0, 1.0, 0.3)):
        z = (c - mu) / sigma
        if z <= 0:
            kr, ki = 1.0, 1
        else:
            lo, hi = 1.0, 2.0
            while ek(hi) < z:
                lo, hi = hi, hi * 2
            kr = optimize.brentq(lambda k: ek(k) - z, lo, hi, xtol=1e-12)
            ki = math.ceil(kr)
            while ki > 1 and ek(ki - 1) >= z:
                ki -= 1
            while ek(ki) < z:
                ki += 1
        cases.append({"procedure": "implied_k_normal", "input": {"claim": c, "mu": mu, "sigma": sigma},
                      "expected": {"k_real": kr, "k_int": ki}, "tol": {"rel": 1e-7, "abs": 1e-9}})
    for v, c in ((rnd(10), 0.8), (rnd(10), 5.0), (rnd(20), -3.0), ([1.0, 2.0, 3.0, 4.0], 3.5)):
        m, mx = np.mean(v), np.max(v)
        if c <= m:
            kr, ki = 1.0, 1
        elif c >= mx:
            kr, ki = math.inf, None
        else:
            lo, hi = 1.0, 2.0
            while samplemax(v, hi) < c:
                lo, hi = hi, hi * 2
            kr = optimize.brentq(lambda k: samplemax(v, k) - c, lo, hi, xtol=1e-13)
            ki = math.ceil(kr)
            while ki > 1 and samplemax(v, ki - 1) >= c:
                ki -= 1
        cases.append({"procedure": "implied_k_empirical", "input": {"claim": c, "scores": v},
                      "expected": {"k_real": kr, "k_int": ki}, "tol": {"rel": 1e-7, "abs": 1e-9}})
    return cases


# ------------------------------------------------------------------ subset selection, excess
def subset_cases():
    cases = []
    for m, s in ((4, 2), (6, 3), (8, 2), (10, 5), (12, 4), (16, 8), (20, 3), (5, 5), (5, 1)):
        for t in (False, True):
            d = rnd(m, ties=t)
            rep = sorted(rng.choice(m, s, replace=False).tolist()) if _ % 2 else list(np.argsort(d)[::-1][:s])
            rep = [int(i) for i in rep]
            obs = sum(d[i] for i in rep)
            tau = 1e-12 * max(1.0, sum(abs(x) for x in d))
            tot = hits = 0
            for T in itertools.combinations(range(m), s):
                tot += 1
                hits += sum(d[i] for i in T) >= obs - tau
            cases.append({"procedure": "subset_selection", "input": {"effects": d, "reported": rep},
                          "expected": {"p_value": hits / tot, "exact": True,
                                       "reported_mean_effect": obs / s, "all_mean_effect": float(np.mean(d))}})
    cases.append({"procedure": "subset_selection", "input": {"effects": [1.0, 1.0, 1.0], "reported": [0]},
                  "expected": {"p_value": 1.0}})
    # Monte Carlo: m = 30, s = 10 (C = 30,045,015 > 100,000); reference p by 200,000 numpy draws
    d = rnd(30, loc=0.1)
    rep = [int(i) for i in np.argsort(d)[::-1][[0, 1, 3, 5, 8, 10, 12, 15, 18, 20]]]
    obs = sum(d[i] for i in rep)
    R = np.random.default_rng(5)
    draws = np.array([np.sum(np.asarray(d)[R.choice(30, 10, replace=False)]) for _ in range(200000)])
    p = float(np.mean(draws >= obs - 1e-12 * max(1, np.sum(np.abs(d)))))
    B = 20000
    tol = 4 * math.sqrt(2) * math.sqrt(p * (1 - p) / B) + 2 / (B + 1)
    cases.append({"procedure": "subset_selection", "input": {"effects": d, "reported": rep},
                  "expected": {"p_value": p, "exact": False}, "tol": {"rel": 0.0, "abs": tol}})
    return cases


_ = 1


def poisson_binomial_tail(ps, o):
    dist = np.array([1.0])
    for p in ps:
        dist = np.convolve(dist, [1 - p, p])
    return float(dist[o:].sum())


def excess_cases():
    cases = []
    for k in (3, 5, 10, 20, 40):
        for alpha in (0.05, 0.10):
            for theta in (None, 0.2):
                y = rng.normal(0.3, 0.3, k)
                se = rng.uniform(0.08, 0.3, k)
                w = 1 / se ** 2
                th = float(np.sum(w * y) / np.sum(w)) if theta is None else theta
                c = stats.norm.ppf(1 - alpha / 2)
                pw = stats.norm.sf(c - th / se) + stats.norm.cdf(-c - th / se)
                O = int(np.sum(np.abs(y) / se >= c))
                E = float(np.sum(pw))
                A = (O - E) ** 2 / E + (O - E) ** 2 / (k - E)
                inp = {"effects": y.tolist(), "standard_errors": se.tolist(), "alpha": alpha}
                if theta is not None:
                    inp["theta"] = theta
                cases.append({"procedure": "excess_significance", "input": inp,
                              "expected": {"observed": O, "expected": E, "theta": th, "powers": pw,
                                           "a_statistic": A, "p_chi2": stats.chi2.sf(A, 1),
                                           "p_normal": stats.norm.sf((O - E) / math.sqrt(E * (k - E) / k)),
                                           "p_binomial": stats.binom.sf(O - 1, k, E / k),
                                           "p_exact": poisson_binomial_tail(pw, O)},
                              "tol": {"rel": 1e-9, "abs": 1e-10}})
    return cases


# ------------------------------------------------------------------ bootstrap, rliable
def bootstrap_cases():
    cases = []
    stat_fns = {"mean": np.mean, "median": np.median, "sd": lambda x, axis=-1: np.std(x, ddof=1, axis=axis),
                "iqm": lambda x, axis=-1: stats.trim_mean(x, 0.25, axis=axis)}
    for n in (2, 3, 5, 10, 25):
        for t in (False, True):
            x = rnd(n, ties=t)
            for sname in ("mean", "median", "sd", "iqm"):
                fn = stat_fns[sname]
                B = 199
                theta = [float(f"{fn(np.asarray(x)[rng.integers(0, n, n)]):.10g}") for _ in range(B)]
                for method in ("BCa", "percentile"):
                    alts = (("two-sided", 0.95), ("less", 0.9), ("greater", 0.95)) if method == "BCa" else (("two-sided", 0.95), ("less", 0.9))
                    for alt, conf in alts:
                        res = stats.bootstrap((x,), lambda a, axis=-1: fn(a, axis=axis), n_resamples=0,
                                              bootstrap_result=SimpleNamespace(bootstrap_distribution=np.asarray(theta)),
                                              method=method, confidence_level=conf, alternative=alt)
                        ci = res.confidence_interval
                        cases.append({"procedure": "bootstrap_interval_from_distribution",
                                      "input": {"samples": [x], "theta_star": theta, "statistic": sname,
                                                "method": method.lower(), "confidence": conf, "alternative": alt},
                                      "expected": {"low": ci.low, "high": ci.high}, "tol": {"rel": 1e-9, "abs": 1e-9}})
    # two-sample mean difference
    for nx, ny in ((5, 7), (12, 9)):
        x, y = rnd(nx), rnd(ny, loc=0.5)
        theta = [float(f"{np.mean(np.asarray(x)[rng.integers(0, nx, nx)]) - np.mean(np.asarray(y)[rng.integers(0, ny, ny)]):.10g}") for _ in range(199)]
        res = stats.bootstrap((x, y), lambda a, b, axis=-1: np.mean(a, axis=axis) - np.mean(b, axis=axis), n_resamples=0,
                              bootstrap_result=SimpleNamespace(bootstrap_distribution=np.asarray(theta)), method="BCa")
        cases.append({"procedure": "bootstrap_interval_from_distribution",
                      "input": {"samples": [x, y], "theta_star": theta, "statistic": "mean_difference", "method": "bca"},
                      "expected": {"low": res.confidence_interval.low, "high": res.confidence_interval.high},
                      "tol": {"rel": 1e-10, "abs": 1e-12}})
    # end-to-end against SciPy's own resampling (Monte Carlo tolerance, spec 2.2(b))
    for n, sname in ((20, "mean"), (30, "mean"), (40, "median"), (25, "sd")):
        x = rnd(n)
        fn = stat_fns[sname]
        for method in ("BCa", "percentile"):
            los, his, ses = [], [], []
            for seed in range(5):
                r = stats.bootstrap((x,), lambda a, axis=-1: fn(a, axis=axis), n_resamples=9999, method=method, rng=seed)
                los.append(r.confidence_interval.low)
                his.append(r.confidence_interval.high)
                ses.append(r.standard_error)
            se = float(np.mean(ses))
            mc = se * math.sqrt(0.025 * 0.975 / 9999) / stats.norm.pdf(stats.norm.ppf(0.025))
            tol_lo = max(4 * math.sqrt(2) * mc, 2 * (max(los) - min(los)))
            tol_hi = max(4 * math.sqrt(2) * mc, 2 * (max(his) - min(his)))
            cases.append({"procedure": "bootstrap",
                          "input": {"x": x, "statistic": sname, "method": method.lower(), "seed": 7},
                          "expected": {"low": float(np.mean(los)), "high": float(np.mean(his))},
                          "tol": {"rel": 0.0, "abs": max(tol_lo, tol_hi)}})
    return cases


def rliable_cases():
    cases = []
    for n in (1, 3, 4, 5, 10, 11, 40):
        x = rnd(n, ties=n > 5)
        cases.append({"procedure": "iqm", "input": {"x": x}, "expected": {"value": stats.trim_mean(x, 0.25)}})
        cases.append({"procedure": "trim_mean", "input": {"x": x, "proportion": 0.1},
                      "expected": {"value": stats.trim_mean(x, 0.1)}})
    for N, M in ((3, 2), (5, 4), (10, 6)):
        X = rng.uniform(0, 1.3, (N, M))
        Y = rng.uniform(0, 1.2, (N + 2, M))
        X[0, 0] = Y[0, 0]
        for agg, fn in (("iqm", lambda s: stats.trim_mean(s.ravel(), 0.25)), ("mean", lambda s: np.mean(np.mean(s, 0))),
                        ("median", lambda s: np.median(np.mean(s, 0))),
                        ("optimality_gap", lambda s: 1 - np.mean(np.minimum(s, 1)))):
            cases.append({"procedure": "rliable_aggregate", "input": {"scores": X.tolist(), "aggregate": agg},
                          "expected": {"value": fn(X)}})
        P = np.mean([stats.mannwhitneyu(X[:, m], Y[:, m]).statistic / (N * (N + 2)) for m in range(M)])
        cases.append({"procedure": "probability_of_improvement", "input": {"x": X.tolist(), "y": Y.tolist()},
                      "expected": {"value": P}})
    cases.append({"procedure": "probability_of_improvement", "input": {"x": [[1.0, 2.0]], "y": [[1.0, 2.0]]},
                  "expected": {"value": 0.5}})
    # stratified bootstrap CI, reference stream = np.random.RandomState(seed).choice per replicate (spec 2.4)
    X = rng.normal(1.0, 0.5, (10, 5))
    reps = 5000
    rs = np.random.RandomState(3)
    vals = []
    for _ in range(reps):
        idx = rs.choice(10, (10, 5))
        vals.append(stats.trim_mean(X[idx, np.arange(5)].ravel(), 0.25))
    lo, hi = np.percentile(vals, [2.5, 97.5])
    se = float(np.std(vals, ddof=1))
    tol = 4 * math.sqrt(2) * se * math.sqrt(0.025 * 0.975 / reps) / stats.norm.pdf(1.96) * 2
    cases.append({"procedure": "stratified_bootstrap", "input": {"scores": X.tolist(), "aggregate": "iqm", "reps": reps},
                  "expected": {"low": lo, "high": hi, "estimate": stats.trim_mean(X.ravel(), 0.25)},
                  "tol": {"rel": 0.0, "abs": tol}})
    return cases


# ------------------------------------------------------------------ power
def power_cases():
    cases = []
    for df, nc, t in ((1, 0.5, 1.0), (4, 2.0, 2.776), (9, 3.0, 2.262), (38, 2.5, 1.686), (2, -1.0, 0.3), (20, 0.0, 1.5)):
        cases.append({"procedure": "nct_sf", "input": {"t": t, "df": df, "nc": nc},
                      "expected": {"value": stats.nct.sf(t, df, nc)}, "tol": {"rel": 1e-8, "abs": 1e-11}})
    for design, P in (("one_sample", TTestPower()), ("two_sample", TTestIndPower())):
        for alt, salt in (("two-sided", "two-sided"), ("greater", "larger")):
            for gap, sd in ((0.5, 1.0), (1.0, 0.5), (0.02, 0.03)):
                d = gap / sd
                for n in (2, 3, 5, 10, 30):
                    pw = P.power(effect_size=d, nobs=n, alpha=0.05, alternative=salt) if design == "one_sample" else \
                        P.power(effect_size=d, nobs1=n, alpha=0.05, ratio=1.0, alternative=salt)
                    if not math.isfinite(pw):
                        continue  # statsmodels' nct returns NaN for power ~ 1 - 1e-13
                    cases.append({"procedure": "ttest_power",
                                  "input": {"n": n, "gap": gap, "sd": sd, "design": design, "alternative": alt},
                                  "expected": {"power": pw}, "tol": {"rel": 1e-8, "abs": 1e-11}})
                n = 2
                while True:
                    pw = P.power(effect_size=d, nobs=n, alpha=0.05, alternative=salt) if design == "one_sample" else \
                        P.power(effect_size=d, nobs1=n, alpha=0.05, ratio=1.0, alternative=salt)
                    if pw >= 0.8:
                        break
                    n += 1
                cases.append({"procedure": "seeds_needed",
                              "input": {"gap": gap, "sd": sd, "power": 0.8, "design": design, "alternative": alt},
                              "expected": {"n": n, "achieved_power": pw}, "tol": {"rel": 1e-8, "abs": 1e-11}})
    return cases


def demsar_cases():
    # Demšar (2006) Table 6 rank matrix; Table 2 differences (spec section 9).
    ranks = [[4, 3, 2, 1], [1, 2, 3, 4], [4, 1, 2, 3], [4, 1, 3, 2], [4, 2, 3, 1], [1, 2.5, 4, 2.5], [3, 2, 4, 1],
             [2.5, 2.5, 4, 1], [4, 3, 2, 1], [2.5, 2.5, 2.5, 2.5], [4, 2.5, 1, 2.5], [3, 2, 4, 1], [4, 1, 2, 3], [3, 1, 4, 2]]
    a = np.asarray(ranks, float)
    r = stats.friedmanchisquare(*a.T)
    cases = [{"procedure": "friedman", "input": {"scores": ranks, "direction": "lower"},
              "expected": {"average_ranks": a.mean(0), "chi2_scipy": r.statistic, "p_scipy": r.pvalue}}]
    d = [0.005, -0.008, 0.017, 0.033, 0.006, -0.005, 0.007, 0.0, 0.063, 0.0, 0.022, 0.047, 0.009, 0.021]
    for zm in ("zsplit", "pratt", "wilcox"):
        w = stats.wilcoxon(d, zero_method=zm)
        cases.append({"procedure": "wilcoxon", "input": {"x": d, "zero_method": zm},
                      "expected": {"statistic": w.statistic, "p_value": w.pvalue, "method": "asymptotic"}})
    return cases


if __name__ == "__main__":
    write("ttest", ttests())
    write("wilcoxon_sign", wilcoxon_cases())
    write("friedman_multitest", friedman_cases() + multitest_cases() + demsar_cases())
    write("bestofk", bestofk_cases())
    write("selection_excess", subset_cases() + excess_cases())
    write("bootstrap_rliable", bootstrap_cases() + rliable_cases())
    write("power", power_cases())
    print("metadata", META, file=sys.stderr)
