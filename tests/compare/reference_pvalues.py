#!/usr/bin/python3
# reference_pvalues.py - prints the reference p-values used by test_stats.c
# and by the goldens, computed independently with scipy.
#
# Run with Debian's interpreter, which has python3-scipy (scipy 1.10.1):
#     /usr/bin/python3 tests/compare/reference_pvalues.py
# Every value is scipy.stats.mannwhitneyu(x, y) with its defaults
# (use_continuity=True, alternative='two-sided', method='auto'), except where
# a line says method= explicitly. The Benjamini-Hochberg values are the
# textbook step-up formula written out in numpy (scipy 1.10 has no
# false_discovery_control).
import numpy as np
import scipy
from scipy.stats import mannwhitneyu

CASES = {
    # name: (x, y)
    "exact_3v3_separated": ([1, 2, 3], [4, 5, 6]),
    "exact_5v5": ([10.1, 10.3, 10.2, 10.5, 10.4], [10.6, 10.35, 10.9, 10.8, 10.7]),
    "exact_1v1": ([1.0], [2.0]),
    "exact_8v20": ([float(i) * 1.5 + 0.25 for i in range(8)],
                   [float(i) + 0.1 for i in range(3, 23)]),
    "exact_4v6_interleaved": ([1.0, 3.0, 5.0, 7.0], [2.0, 4.0, 6.0, 8.0, 9.0, 0.5]),
    "exact_3v400": ([100.5, 200.5, 300.5], [float(i) for i in range(400)]),
    "asym_9v9_noties": ([float(i) for i in range(9)], [float(i) + 4.5 for i in range(9)]),
    "asym_10v10": ([100, 101, 99, 102, 100.5, 98, 103, 101.5, 99.5, 100.2],
                   [104, 105, 103, 106, 104.5, 102, 107, 105.5, 103.5, 104.2]),
    "asym_4v4_ties": ([1.0, 2.0, 2.0, 3.0], [2.0, 3.0, 4.0, 5.0]),
    "asym_all_tied": ([5.0, 5.0, 5.0], [5.0, 5.0]),
    "asym_golden_regressed": ([100, 101, 99, 102, 100], [110, 111, 109, 112, 110]),
}

# Paired differences for the signed-rank test: scipy.stats.wilcoxon(d, method=M) with its other
# defaults (zero_method='wilcox', correction=False, alternative='two-sided'). M is 'exact' where no
# difference is zero and no two magnitudes tie (test_stats.c's rule), else 'approx'.
SIGNED = {
    # name: (d, method)
    "signed_exact_9_all_positive": ([0.1 * (i + 1) for i in range(9)], "exact"),
    "signed_exact_9_mixed": ([0.9, -0.2, 0.35, 0.5, -0.05, 0.7, 0.15, 0.6, 0.8], "exact"),
    "signed_exact_6_all_negative": ([-1.0, -2.0, -3.0, -4.0, -5.0, -6.0], "exact"),
    "signed_exact_12_centre": ([1, -2, -3, 4, 5, -6, -7, 8, 9, -10, -11, 12], "exact"),
    "signed_approx_ties": ([1.0, 1.0, -1.0, 2.0, 2.0, 3.0, -0.5, 4.0, 4.0, 5.0], "approx"),
    "signed_approx_zeros": ([0.0, 0.0, 0.3, 0.1, -0.2, 0.4, 0.5, 0.6, 0.7, 0.8], "approx"),
    "signed_approx_60": ([((i * 37) % 61 - 20) / 10.0 for i in range(60)], "approx"),
}

if __name__ == "__main__":
    print("scipy", scipy.__version__)
    for name, (x, y) in CASES.items():
        r = mannwhitneyu(x, y)
        print(f"{name}: U1={r.statistic!r} p={r.pvalue!r}")
    from scipy.stats import wilcoxon
    for name, (d, method) in SIGNED.items():
        r = wilcoxon(d, method=method)
        print(f"{name}: T={r.statistic!r} p={r.pvalue!r}")
    p = np.array([0.01, 0.04, 0.03, 0.005])
    order = np.argsort(p)
    m = len(p)
    adj = p[order] * m / np.arange(1, m + 1)
    adj = np.minimum.accumulate(adj[::-1])[::-1]
    q = np.empty(m)
    q[order] = np.minimum(adj, 1)
    print("bh [0.01, 0.04, 0.03, 0.005] ->", list(q))
    # Holm: q_(k) = max over j <= k of min(1, (m - j + 1) p_(j)).
    adj = np.minimum(p[order] * (m - np.arange(m)), 1)
    adj = np.maximum.accumulate(adj)
    h = np.empty(m)
    h[order] = adj
    print("holm [0.01, 0.04, 0.03, 0.005] ->", list(h))
