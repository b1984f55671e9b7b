"""Reference intervals for ErrorSlicesTest (SciPy 1.10, Debian's python3-scipy): run with /usr/bin/python3 and copy
the printed numbers into the test.

- error rate of a slice: 20 wrong of 40, Wilson score interval at 95% (binomtest(...).proportion_ci(method='wilson'));
- mean absolute error of a slice: residuals i % 7 for i in 0..39, Student-t interval at 95% around the mean.
"""
import numpy as np
from scipy.stats import binomtest, t, sem

ci = binomtest(20, 40).proportion_ci(confidence_level=0.95, method='wilson')
print("wilson 20/40:", repr(ci.low), repr(ci.high))
r = np.array([i % 7 for i in range(40)], dtype=float)
low, high = t.interval(0.95, len(r) - 1, loc=r.mean(), scale=sem(r))
print("mae of i % 7, i < 40:", repr(r.mean()), repr(low), repr(high))
