"""Reference numbers for Pier's drift tests, from SciPy (Debian's python3-scipy; run with /usr/bin/python3).

Writes ../resources/fixtures/drift-reference.json: fixed, seeded data sets and what SciPy (ks_2samp,
chi2_contingency, wasserstein_distance, jensenshannon, entropy, norm) answers for them, computed the way Evidently's
default stat tests do. Regenerate with:

    /usr/bin/python3 monitoring-functions/monitors/src/test/python/make_drift_reference.py
"""
import json
import os

import numpy as np
import scipy
from scipy import stats
from scipy.spatial import distance

rng = np.random.RandomState(20261206)


def r(xs):
    return [float(x) for x in xs]


def shares(ref, cur, numeric, n_bins=30, smooth=False):
    """Evidently's get_binned_data: 30 equal-width bins over both samples for numbers with > 20 reference values,
    else the share of each value; optional Laplace smoothing (zeros become 0.0001) for PSI and KL."""
    ref = np.asarray(ref, dtype=object if not numeric else float)
    cur = np.asarray(cur, dtype=object if not numeric else float)
    if numeric and len(set(ref.tolist())) > 20:
        bins = np.histogram_bin_edges(np.concatenate([ref, cur]), bins=n_bins)
        rp = np.histogram(ref, bins)[0] / len(ref)
        cp = np.histogram(cur, bins)[0] / len(cur)
    else:
        keys = sorted(set(ref.tolist()) | set(cur.tolist()), key=str)
        rp = np.array([list(ref).count(k) / len(ref) for k in keys])
        cp = np.array([list(cur).count(k) / len(cur) for k in keys])
    if smooth:
        rp = rp.copy()
        cp = cp.copy()
        rp[rp == 0] = 0.0001
        cp[cp == 0] = 0.0001
    return rp, cp


def distances(ref, cur, numeric):
    rp, cp = shares(ref, cur, numeric)
    rs, cs = shares(ref, cur, numeric, smooth=True)
    return {
        "jensenshannon": float(distance.jensenshannon(rp, cp)),
        "psi": float(np.sum((rs - cs) * np.log(rs / cs))),
        "kl_div": float(stats.entropy(rs, cs)),
    }


def ks(ref, cur):
    res = stats.ks_2samp(ref, cur)
    return {"statistic": float(res.statistic), "p_value": float(res.pvalue)}


def chi2(ref, cur):
    keys = sorted(set(ref) | set(cur), key=str)
    table = [[ref.count(k) for k in keys], [cur.count(k) for k in keys]]
    stat, p, dof, _ = stats.chi2_contingency(table)
    return {"statistic": float(stat), "p_value": float(p), "dof": int(dof)}


def z(ref, cur):
    """Evidently's two-proportion z-test: the share of the first (sorted) category in each sample."""
    target = sorted(set(ref) | set(cur), key=str)[0]
    n1, n2 = len(ref), len(cur)
    p1 = sum(1 for x in ref if x != target) / n1
    p2 = sum(1 for x in cur if x != target) / n2
    pooled = (p1 * n1 + p2 * n2) / (n1 + n2)
    stat = (p1 - p2) / np.sqrt(pooled * (1 - pooled) * (1.0 / n1 + 1.0 / n2))
    return {"statistic": float(stat), "p_value": float(2 * (1 - stats.norm.cdf(abs(stat))))}


def wasserstein(ref, cur):
    d = stats.wasserstein_distance(ref, cur)
    return {"distance": float(d), "normed": float(d / max(np.std(ref), 0.001))}


cases = {}

a = np.round(rng.normal(0.0, 1.0, 400), 6)
b = np.round(rng.normal(0.25, 1.1, 300), 6)
cases["shifted_normal"] = {"type": "numeric", "reference": r(a), "current": r(b), "ks": ks(a, b),
                           "wasserstein": wasserstein(a, b), **distances(a, b, True)}

a = np.round(rng.normal(5.0, 2.0, 250), 6)
b = np.round(rng.normal(5.0, 2.0, 260), 6)
cases["same_normal"] = {"type": "numeric", "reference": r(a), "current": r(b), "ks": ks(a, b),
                        "wasserstein": wasserstein(a, b), **distances(a, b, True)}

a = rng.randint(0, 10, 300).astype(float)
b = rng.randint(1, 11, 280).astype(float)
cases["integers_with_ties"] = {"type": "numeric", "reference": r(a), "current": r(b), "ks": ks(a, b),
                               "wasserstein": wasserstein(a, b), **distances(a, b, True)}

cats = ["red", "green", "blue", "amber"]
a = list(rng.choice(cats, 500, p=[0.4, 0.3, 0.2, 0.1]))
b = list(rng.choice(cats, 450, p=[0.3, 0.3, 0.25, 0.15]))
cases["colours"] = {"type": "categorical", "reference": a, "current": b, "chisquare": chi2(a, b),
                    **distances(a, b, False)}

a = list(rng.choice(["yes", "no"], 300, p=[0.55, 0.45]))
b = list(rng.choice(["yes", "no"], 320, p=[0.45, 0.55]))
cases["yes_no"] = {"type": "categorical", "reference": a, "current": b, "chisquare": chi2(a, b), "z": z(a, b),
                   **distances(a, b, False)}

a = list(rng.choice(["x", "y", "z"], 200, p=[0.5, 0.3, 0.2]))
b = list(rng.choice(["x", "y", "z", "w"], 150, p=[0.4, 0.3, 0.2, 0.1]))
cases["new_category"] = {"type": "categorical", "reference": a, "current": b, "chisquare": chi2(a, b),
                         **distances(a, b, False)}

# Samples above 10,000 values, where ks_2samp(method="auto") leaves the exact distribution for the one-sample
# Kolmogorov distribution at n = round(nm / (n + m)). Made from integers by one division each, so Java builds the
# very same doubles from the formulas instead of reading 23,000 numbers from this file.
big_ref = np.array([((i * 7919) % 10007) / 10007.0 for i in range(12000)])
big_cur = np.array([((j * 104729) % 10009) / 10009.0 * 0.98 + 0.03 for j in range(11000)])
cases["large_generated"] = {"type": "numeric", "reference_formula": "((i * 7919) % 10007) / 10007.0, i < 12000",
                            "current_formula": "((j * 104729) % 10009) / 10009.0 * 0.98 + 0.03, j < 11000",
                            "ks": ks(big_ref, big_cur)}

out = os.path.join(os.path.dirname(os.path.abspath(__file__)), "..", "resources", "fixtures", "drift-reference.json")
with open(out, "w") as f:
    json.dump({"scipy": scipy.__version__, "numpy": np.__version__, "cases": cases}, f, indent=1)
print("wrote", os.path.normpath(out))
