"""Reference for CBPE's confidence bands (EstimatedPerformance.sampling_error): the spread of the metrics a window's
labels would give if the model is calibrated, by Monte Carlo with NumPy (not by Pier).

For each case, seeded probabilities p (the window's positive-class probabilities, threshold 0.5) are fixed and labels
are drawn y_i ~ Bernoulli(p_i) independently, DRAWS times; each draw's realized accuracy, precision, recall, f1 and
ROC AUC is computed, and the standard deviation over draws is the sampling error Pier must approximate. Writes
src/test/resources/fixtures/cbpe-bands-reference.json. Run from the repository root:

    python3 monitoring-functions/monitors/src/test/python/make_cbpe_bands_reference.py
"""
import json
import os

import numpy as np

DRAWS = 20_000
CHUNK = 2_000
THRESHOLD = 0.5


def realized(p, y):
    """Metrics of label draws y (draws x n) for fixed probabilities p (n), rows sorted by descending p."""
    pred = p >= THRESHOLD
    tp = (y & pred).sum(axis=1)
    fp = (~y & pred).sum(axis=1)
    fn = (y & ~pred).sum(axis=1)
    tn = (~y & ~pred).sum(axis=1)
    n = p.size
    acc = (tp + tn) / n
    prec = tp / np.maximum(tp + fp, 1)
    rec = tp / np.maximum(tp + fn, 1)
    f1 = 2 * tp / np.maximum(2 * tp + fp + fn, 1)
    # ROC AUC with distinct scores, rows by descending score: each negative counts the positives above it
    pos = y.sum(axis=1)
    neg = n - pos
    above = np.cumsum(y, axis=1) - y  # positives strictly above each row
    u = (above * ~y).sum(axis=1)
    auc = u / (pos * neg)
    return acc, prec, rec, f1, auc


def case(name, seed, n, a, b):
    rng = np.random.default_rng(seed)
    p = np.round(rng.beta(a, b, size=n), 6)
    p = np.unique(p)  # distinct scores (no ties in AUC)
    rng.shuffle(p)
    p = p[:n]
    order = np.argsort(-p, kind="stable")
    ps = p[order]
    rng_draws = np.random.default_rng(seed + 1)
    collected = [[] for _ in range(5)]
    for start in range(0, DRAWS, CHUNK):
        y = rng_draws.random((CHUNK, ps.size)) < ps
        for k, v in enumerate(realized(ps, y)):
            collected[k].append(v)
    stds = [float(np.std(np.concatenate(c), ddof=1)) for c in collected]
    return {"name": name, "probabilities": [float(x) for x in p],
            "sampling_error": dict(zip(["accuracy", "precision", "recall", "f1", "roc_auc"], stds)),
            "draws": DRAWS}


def main():
    cases = [case("skewed-400", 7, 400, 2.0, 5.0), case("balanced-2000", 11, 2000, 2.0, 2.0),
             case("confident-1000", 13, 1000, 0.5, 0.5)]
    out = os.path.join(os.path.dirname(__file__), "..", "resources", "fixtures", "cbpe-bands-reference.json")
    with open(out, "w") as f:
        json.dump({"numpy": np.__version__, "threshold": THRESHOLD, "cases": cases}, f)
    for c in cases:
        print(c["name"], len(c["probabilities"]), c["sampling_error"])


if __name__ == "__main__":
    main()
