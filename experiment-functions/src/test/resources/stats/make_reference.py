#!/usr/bin/python3
"""Reference values for the experiment statistics, from SciPy (Debian's python3-scipy, run with /usr/bin/python3).

Writes reference.json next to this script: the fixed input data and what SciPy (or, where SciPy has no such test,
an independent NumPy/SciPy computation of the published formula) answers. The Java tests recompute every number from
the same inputs and demand agreement within 1e-6. Regenerate with:

    /usr/bin/python3 experiment-functions/src/test/resources/stats/make_reference.py
"""
import json
import math
import os

import numpy as np
from scipy import integrate, stats
from scipy.special import betaln

ALPHA = 0.05
rng = np.random.default_rng(20261206)


def rounded(a):
    # inputs are stored rounded, and every reference value is computed from the rounded numbers
    return np.round(np.asarray(a, dtype=float), 6)


def delta_rel(ma, va_mean, mb, vb_mean):
    return vb_mean / ma**2 + va_mean * mb**2 / ma**4


# --- two-proportion z-test (pooled variance for the test, unpooled for the intervals) ---
ztests = []
for na, xa, nb, xb in [(1000, 100, 1000, 120), (5000, 480, 5200, 560), (20000, 2000, 20000, 1950),
                       (120, 7, 130, 15)]:
    pa, pb = xa / na, xb / nb
    pooled = (xa + xb) / (na + nb)
    z = (pb - pa) / math.sqrt(pooled * (1 - pooled) * (1 / na + 1 / nb))
    q = stats.norm.ppf(1 - ALPHA / 2)
    se = math.sqrt(pa * (1 - pa) / na + pb * (1 - pb) / nb)
    rel = (pb - pa) / pa
    rse = math.sqrt(delta_rel(pa, pa * (1 - pa) / na, pb, pb * (1 - pb) / nb))
    ztests.append(dict(nA=na, xA=xa, nB=nb, xB=xb, p_value=float(2 * stats.norm.sf(abs(z))),
                       ci=[pb - pa - q * se, pb - pa + q * se], relative=rel,
                       relative_ci=[rel - q * rse, rel + q * rse]))


# --- Welch's t-test on fixed continuous data ---
def welch_case(a, b):
    res = stats.ttest_ind(b, a, equal_var=False)
    va, vb = a.var(ddof=1) / len(a), b.var(ddof=1) / len(b)
    df = (va + vb) ** 2 / (va**2 / (len(a) - 1) + vb**2 / (len(b) - 1))
    q = stats.t.ppf(1 - ALPHA / 2, df)
    d = b.mean() - a.mean()
    rel = d / a.mean()
    rse = math.sqrt(delta_rel(a.mean(), va, b.mean(), vb))
    return dict(p_value=float(res.pvalue), statistic=float(res.statistic), df=df,
                ci=[d - q * math.sqrt(va + vb), d + q * math.sqrt(va + vb)],
                relative=rel, relative_ci=[rel - q * rse, rel + q * rse])


welch = []
for na, nb, shift in [(200, 250, 0.15), (60, 45, 0.0), (300, 300, -0.3)]:
    a = rounded(rng.lognormal(1.0, 0.6, na))
    b = rounded(rng.lognormal(1.0, 0.6, nb) + shift)
    welch.append(dict(a=a.tolist(), b=b.tolist(), **welch_case(a, b)))

# --- CUPED: adjust each unit by hand with the pooled within-arm theta, then Welch on the adjusted values ---
n_c = 300
xa = rounded(rng.normal(10, 3, n_c))
ya = rounded(0.8 * xa + rng.normal(2, 1.5, n_c))
xb = rounded(rng.normal(10, 3, n_c))
yb = rounded(0.8 * xb + rng.normal(2.3, 1.5, n_c))
sxx = ((xa - xa.mean()) ** 2).sum() + ((xb - xb.mean()) ** 2).sum()
sxy = ((xa - xa.mean()) * (ya - ya.mean())).sum() + ((xb - xb.mean()) * (yb - yb.mean())).sum()
theta = sxy / sxx
grand = np.concatenate([xa, xb]).mean()
adj_a, adj_b = ya - theta * (xa - grand), yb - theta * (xb - grand)
cuped = dict(ya=ya.tolist(), xa=xa.tolist(), yb=yb.tolist(), xb=xb.tolist(), theta=theta,
             mean_a=adj_a.mean(), mean_b=adj_b.mean(), var_a=adj_a.var(ddof=1), var_b=adj_b.var(ddof=1),
             unadjusted_p_value=float(stats.ttest_ind(yb, ya, equal_var=False).pvalue), **welch_case(adj_a, adj_b))

# --- SRM: chisquare of observed units against the weights ---
srm = []
for units, weights in [([5000, 5100], [0.5, 0.5]), ([5000, 5400], [0.5, 0.5]), ([3300, 3350, 3280], [1, 1, 1]),
                       ([9000, 1100], [0.9, 0.1]), ([10000, 10600], [0.5, 0.5])]:
    total = sum(units)
    expected = [w / sum(weights) * total for w in weights]
    res = stats.chisquare(units, expected)
    srm.append(dict(units=units, weights=weights, chi2=float(res.statistic), p_value=float(res.pvalue)))

# --- sequential (normal-mixture SPRT, Waudby-Smith et al. 2023 eqs. 9, 155, 161), N = 5000 ---
def sequential(ma, va_mean, na, mb, vb_mean, nb, tuning=5000.0):
    rho = math.sqrt((-2 * math.log(ALPHA) + math.log(-2 * math.log(ALPHA) + 1)) / tuning)
    n = na + nb
    se2 = va_mean + vb_mean

    def half(v):
        return math.sqrt(v * n) * math.sqrt(2 * (n * rho**2 + 1) * math.log(math.sqrt(n * rho**2 + 1) / ALPHA)
                                           / (n * rho) ** 2)
    d = mb - ma
    st2 = d**2 * n / se2
    evalue = math.exp(rho**2 * st2 / (2 * (n * rho**2 + 1))) / math.sqrt(n * rho**2 + 1)
    rel = d / ma
    rv = delta_rel(ma, va_mean, mb, vb_mean)
    return dict(rho=rho, p_value=min(1.0, 1 / evalue), ci=[d - half(se2), d + half(se2)],
                relative_ci=[rel - half(rv), rel + half(rv)])


seq = []
for i, w in enumerate(welch):
    a, b = np.array(w["a"]), np.array(w["b"])
    seq.append(dict(kind="continuous", welch_case=i,
                    **sequential(a.mean(), a.var(ddof=1) / len(a), len(a), b.mean(), b.var(ddof=1) / len(b), len(b))))
for na, xa_, nb, xb_ in [(1000, 100, 1000, 120), (20000, 2000, 20000, 2150)]:
    pa, pb = xa_ / na, xb_ / nb
    seq.append(dict(kind="binary", nA=na, xA=xa_, nB=nb, xB=xb_,
                    **sequential(pa, pa * (1 - pa) / na, na, pb, pb * (1 - pb) / nb, nb)))


# --- Bayesian, binary: Beta(1, 1) priors; exact chance to win (Evan Miller's closed form), loss by quadrature ---
def beta_chance_to_win(a1, b1, a2, b2):
    # P(B > A) for A ~ Beta(a1, b1), B ~ Beta(a2, b2), a2 integer
    total = 0.0
    for i in range(int(a2)):
        total += math.exp(betaln(a1 + i, b1 + b2) - math.log(b2 + i) - betaln(1 + i, b2) - betaln(a1, b1))
    return total


def beta_expected_max(a1, b1, a2, b2):
    A, B = stats.beta(a1, b1), stats.beta(a2, b2)
    pts = sorted({A.mean(), B.mean()})
    f = lambda x: x * A.pdf(x) * B.cdf(x) + x * B.pdf(x) * A.cdf(x)
    val, _ = integrate.quad(f, 0, 1, points=pts, limit=500, epsabs=1e-13, epsrel=1e-12)
    return val, A.mean(), B.mean()


bayes_binary = []
for na, xa_, nb, xb_ in [(1000, 100, 1000, 120), (5000, 480, 5200, 560), (300, 30, 310, 28), (2000, 1, 2000, 4),
                         (400, 398, 400, 395)]:
    a1, b1, a2, b2 = 1 + xa_, 1 + na - xa_, 1 + xb_, 1 + nb - xb_
    emax, mean_a, mean_b = beta_expected_max(a1, b1, a2, b2)
    bayes_binary.append(dict(nA=na, xA=xa_, nB=nb, xB=xb_, chance_to_win=beta_chance_to_win(a1, b1, a2, b2),
                             expected_loss_treatment=emax - mean_b, expected_loss_control=emax - mean_a))

# --- Bayesian, continuous: flat prior, posterior N(d, se^2) ---
bayes_normal = []
for i, w in enumerate(welch):
    a, b = np.array(w["a"]), np.array(w["b"])
    mu = b.mean() - a.mean()
    sigma = math.sqrt(a.var(ddof=1) / len(a) + b.var(ddof=1) / len(b))
    post = stats.norm(mu, sigma)
    # E[max(-delta, 0)] and E[max(delta, 0)] by quadrature, independent of the closed form in Java
    loss_b, _ = integrate.quad(lambda x: -x * post.pdf(x), mu - 40 * sigma, 0, epsabs=1e-13)
    loss_a, _ = integrate.quad(lambda x: x * post.pdf(x), 0, mu + 40 * sigma, epsabs=1e-13)
    bayes_normal.append(dict(welch_case=i, chance_to_win=float(post.sf(0)), expected_loss_treatment=loss_b,
                             expected_loss_control=loss_a, credible=[float(x) for x in post.ppf([0.025, 0.975])]))


# --- sample size per arm, binary: closed form; the power reached at n and n - 1 is checked with the normal cdf ---
def power_at(n, p1, p2, alpha):
    pbar = (p1 + p2) / 2
    za = stats.norm.ppf(1 - alpha / 2)
    return stats.norm.cdf((abs(p2 - p1) * math.sqrt(n) - za * math.sqrt(2 * pbar * (1 - pbar)))
                          / math.sqrt(p1 * (1 - p1) + p2 * (1 - p2)))


sizes = []
for alpha, power, mde, base in [(0.05, 0.8, 0.05, 0.1), (0.05, 0.8, 0.1, 0.02), (0.01, 0.9, 0.03, 0.3),
                                (0.05, 0.8, -0.05, 0.5)]:
    p1, p2 = base, base * (1 + mde)
    pbar = (p1 + p2) / 2
    za, zb = stats.norm.ppf(1 - alpha / 2), stats.norm.ppf(power)
    n = math.ceil((za * math.sqrt(2 * pbar * (1 - pbar)) + zb * math.sqrt(p1 * (1 - p1) + p2 * (1 - p2))) ** 2
                  / (p2 - p1) ** 2)
    assert power_at(n, p1, p2, alpha) >= power > power_at(n - 1, p1, p2, alpha)
    sizes.append(dict(kind="binary", alpha=alpha, power=power, mde=mde, baseline=base, n=n))
for alpha, power, mde, mean, sd in [(0.05, 0.8, 0.05, 20.0, 12.0), (0.05, 0.9, 0.02, 3.5, 1.1)]:
    za, zb = stats.norm.ppf(1 - alpha / 2), stats.norm.ppf(power)
    n = math.ceil(2 * (za + zb) ** 2 * sd**2 / (mde * mean) ** 2)
    # the power of a two-sample z-test at n (ignoring the negligible opposite tail) reaches the target
    assert stats.norm.cdf(abs(mde * mean) / (sd * math.sqrt(2 / n)) - za) >= power
    sizes.append(dict(kind="continuous", alpha=alpha, power=power, mde=mde, mean=mean, sd=sd, n=n))

# --- a holdout: its units against every arm's units pooled (the same pooled z-test, holdout as the baseline) ---
hold = dict(n_holdout=600, x_holdout=48, arms=[dict(arm="control", n=2000, x=200), dict(arm="treatment", n=2000, x=260)])
hn, hx = hold["n_holdout"], hold["x_holdout"]
pn, px = sum(a["n"] for a in hold["arms"]), sum(a["x"] for a in hold["arms"])
ph, pp = hx / hn, px / pn
pooled_p = (hx + px) / (hn + pn)
z = (pp - ph) / math.sqrt(pooled_p * (1 - pooled_p) * (1 / hn + 1 / pn))
q = stats.norm.ppf(1 - ALPHA / 2)
se = math.sqrt(ph * (1 - ph) / hn + pp * (1 - pp) / pn)
hold.update(p_value=float(2 * stats.norm.sf(abs(z))), lift=pp - ph, ci=[pp - ph - q * se, pp - ph + q * se],
            relative=(pp - ph) / ph)

out = dict(alpha=ALPHA, scipy=__import__("scipy").__version__, ztests=ztests, welch=welch, cuped=cuped, srm=srm,
           sequential=seq, bayes_binary=bayes_binary, bayes_normal=bayes_normal, sample_sizes=sizes, holdout=hold)
path = os.path.join(os.path.dirname(os.path.abspath(__file__)), "reference.json")
with open(path, "w") as f:
    json.dump(out, f, indent=1)
print("wrote", path)
