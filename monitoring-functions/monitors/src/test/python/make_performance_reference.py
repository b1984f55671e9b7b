"""Reference numbers for Pier's performance metrics, from scikit-learn (Debian's python3-sklearn; run with
/usr/bin/python3). Writes ../resources/fixtures/performance-reference.json: seeded labels and predictions and what
scikit-learn answers for them. Regenerate with:

    /usr/bin/python3 monitoring-functions/monitors/src/test/python/make_performance_reference.py
"""
import json
import os

import numpy as np
import sklearn
from sklearn import metrics

rng = np.random.RandomState(15)
out = {"sklearn": sklearn.__version__}

# binary: a calibrated-ish scorer; ties in scores (rounded to 2 decimals) exercise ROC AUC's tie handling
n = 400
y = rng.binomial(1, 0.35, n)
score = np.clip(0.35 + 0.3 * (y - 0.35) + rng.normal(0, 0.2, n), 0, 1).round(2)
score[:3] = [0.0, 1.0, 0.5]  # log loss clips exact 0 and 1; 0.5 is predicted positive (threshold 0.5, >=)
pred = (score >= 0.5).astype(int)
out["binary"] = {
    "labels": y.tolist(), "probabilities": score.tolist(),
    "accuracy": metrics.accuracy_score(y, pred),
    "precision": metrics.precision_score(y, pred),
    "recall": metrics.recall_score(y, pred),
    "f1": metrics.f1_score(y, pred),
    "roc_auc": metrics.roc_auc_score(y, score),
    "log_loss": metrics.log_loss(y, score),
}

# multiclass: string labels, one class never predicted and one predicted but never true
classes = np.array(["cat", "dog", "fox", "owl"])
t = rng.choice(classes[:3], 300, p=[0.5, 0.3, 0.2])
p = np.where(rng.rand(300) < 0.7, t, rng.choice(classes[[0, 1, 3]], 300))
labels = sorted(set(t) | set(p))
out["multiclass"] = {
    "labels": t.tolist(), "predictions": p.tolist(),
    "accuracy": metrics.accuracy_score(t, p),
    "macro_f1": metrics.f1_score(t, p, average="macro"),
    "classes": labels,
    "confusion_matrix": metrics.confusion_matrix(t, p, labels=labels).tolist(),
}

# regression
yt = np.round(rng.gamma(2.0, 10.0, 250), 4)
yp = np.round(yt + rng.normal(0, 4, 250), 4)
out["regression"] = {
    "labels": yt.tolist(), "predictions": yp.tolist(),
    "mae": metrics.mean_absolute_error(yt, yp),
    "rmse": float(np.sqrt(metrics.mean_squared_error(yt, yp))),
    "mape": metrics.mean_absolute_percentage_error(yt, yp),
    "r2": metrics.r2_score(yt, yp),
    # a true value of 0: scikit-learn divides by machine epsilon instead
    "mape_with_zero_label": metrics.mean_absolute_percentage_error([0.0, 2.0], [1.0, 3.0]),
}

# bias: selection rate and true positive rate per group of a protected column
group = rng.choice(["a", "b", "c"], n, p=[0.5, 0.3, 0.2])
rates = {}
for g in sorted(set(group)):
    m = group == g
    rates[g] = {"selection_rate": float(pred[m].mean()), "true_positive_rate": metrics.recall_score(y[m], pred[m])}
sel = [r["selection_rate"] for r in rates.values()]
tpr = [r["true_positive_rate"] for r in rates.values()]
out["bias"] = {
    "groups": group.tolist(), "groups_rates": rates,
    "demographic_parity_difference": max(sel) - min(sel),
    "equal_opportunity_difference": max(tpr) - min(tpr),
    "disparate_impact_ratio": min(sel) / max(sel),
}

# CBPE (NannyML's confidence-based performance estimation) over calibrated probabilities, no labels: the expected
# confusion matrix at threshold 0.5 (nannyml's estimate_accuracy/precision/recall/f1) and the expected ROC curve
# (nannyml's estimate_roc_auc: rows by descending score, expected true positives the running sum of the
# probabilities, expected false positives the rest, both rounded to 5 decimals), its area by scikit-learn's auc.
# Its own generator, so the sections above keep their numbers.
crng = np.random.RandomState(16)
cp = np.round(crng.beta(0.8, 1.6, 500), 3)  # rounded: ties
cp[:2] = [0.0, 1.0]
cpred = (cp >= 0.5).astype(int)
ctp = np.sum(np.where(cpred == 1, cp, 0))
cfp = np.sum(np.where(cpred == 1, 1 - cp, 0))
cfn = np.sum(np.where(cpred == 0, cp, 0))
ctn = np.sum(np.where(cpred == 0, 1 - cp, 0))
order = np.argsort(cp)[::-1]
tps = np.cumsum(cp[order])
fps = 1 + np.arange(len(cp)) - tps
tps = np.round(np.r_[0, tps], 5)
fps = np.round(np.r_[0, fps], 5)
clabels = (crng.rand(len(cp)) < cp).astype(int)  # labels drawn from the calibrated probabilities
out["cbpe"] = {
    "probabilities": cp.tolist(),
    "accuracy": (ctp + ctn) / len(cp),
    "precision": ctp / (ctp + cfp),
    "recall": ctp / (ctp + cfn),
    "f1": ctp / (ctp + 0.5 * (cfp + cfn)),
    "roc_auc": metrics.auc(fps / fps[-1], tps / tps[-1]),
    "sampled_labels": clabels.tolist(),
    "sampled_roc_auc": metrics.roc_auc_score(clabels, cp),
}

path = os.path.join(os.path.dirname(os.path.abspath(__file__)), "..", "resources", "fixtures",
                    "performance-reference.json")
with open(path, "w") as f:
    json.dump(out, f, indent=1, default=float)
print("wrote", os.path.normpath(path))
