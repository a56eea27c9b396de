#!/usr/bin/env python3
"""usl_crosscheck.py USL_FIT_CLI - pcbench-report's USL fit against scipy's curve_fit.

Builds data sets from known (sigma, kappa, gamma) with 0-5% noise at the worker counts pcbench
sweeps (1..4 on this machine's 2 cores, and longer sweeps to 128), fits each with the report's
fit (through usl_fit_cli) and with scipy.optimize.curve_fit (trust-region reflective, the same
bounds: 0 <= sigma, kappa <= 1, gamma > 0), and checks that
  - the report's fit is at least as good: its residual sum of squares is no larger than scipy's
    (to 1e-6 relative);
  - where the data pin the parameters down (sweeps of 8 points or more), the two agree: sigma
    within 0.01, kappa within 5% (or both below 1e-6), gamma within 1%, R^2 within 1e-4.
Exit status 0 when all agree, 1 otherwise, 77 when scipy is not installed.
"""
import random
import subprocess
import sys

try:
    import numpy as np
    from scipy.optimize import curve_fit
except ImportError:
    print("SKIP: python3-scipy is not installed")
    sys.exit(77)


def usl(n, sigma, kappa, gamma):
    return gamma * n / (1 + sigma * (n - 1) + kappa * n * (n - 1))


def scipy_fit(n, x):
    best = None
    # Several starts, as a careful user of curve_fit would: keep the best.
    for s0 in (0.01, 0.1, 0.5):
        for k0 in (1e-6, 1e-4, 1e-2):
            try:
                p, _ = curve_fit(usl, n, x, p0=(s0, k0, x[0]), bounds=([0, 0, 0], [1, 1, np.inf]),
                                 method="trf", maxfev=20000, ftol=1e-14, xtol=1e-14, gtol=1e-14)
            except RuntimeError:
                continue
            sse = float(np.sum((x - usl(n, *p)) ** 2))
            if best is None or sse < best[1]:
                best = (p, sse)
    return best


def main():
    cli = sys.argv[1]
    rng = random.Random(20261202)
    sweeps = [[1, 2, 3, 4], [1, 2, 4, 8, 16, 32, 64, 128], [1, 8, 32, 256], [1, 2, 4, 6, 8, 12, 16, 24, 32]]
    sets = []
    for _ in range(40):
        sweep = rng.choice(sweeps)
        sigma = rng.choice([0.0, 0.02, 0.1, 0.3, 0.6])
        kappa = rng.choice([0.0, 1e-5, 1e-4, 1e-3, 1e-2])
        gamma = 10 ** rng.uniform(0, 6)
        amp = rng.choice([0.0, 0.01, 0.05])
        x = [usl(n, sigma, kappa, gamma) * (1 + amp * rng.uniform(-1, 1)) for n in sweep]
        sets.append((sweep, x, (sigma, kappa, gamma, amp)))
    text = "\n".join("\n".join(f"{n} {v:.17g}" for n, v in zip(s, x)) + "\n" for s, x, _ in sets)
    out = subprocess.run([cli], input=text, capture_output=True, text=True, check=True).stdout.split("\n")
    bad = 0
    compared = 0
    for (sweep, x, truth), line in zip(sets, out):
        status, sigma, kappa, gamma, r2, sse = line.split()
        status = int(status)
        if status > 1:  # not fitted (flat): nothing to compare
            continue
        sigma, kappa, gamma, r2, sse = map(float, (sigma, kappa, gamma, r2, sse))
        n = np.array(sweep, dtype=float)
        xs = np.array(x)
        ref = scipy_fit(n, xs)
        if ref is None:
            continue
        p, ref_sse = ref
        ref_r2 = 1 - ref_sse / float(np.sum((xs - xs.mean()) ** 2))
        compared += 1
        scale = float(np.sum(xs ** 2))
        if sse > ref_sse * (1 + 1e-6) + 1e-12 * scale:
            print(f"worse than scipy on {sweep} {truth}: sse {sse:.6g} vs {ref_sse:.6g}")
            bad += 1
            continue
        if len(sweep) >= 8:
            ks = (abs(kappa - p[1]) <= 0.05 * max(kappa, p[1])) or (kappa < 1e-6 and p[1] < 1e-6)
            if abs(sigma - p[0]) > 0.01 or not ks or abs(gamma / p[2] - 1) > 0.01 or abs(r2 - ref_r2) > 1e-4:
                print(f"disagrees with scipy on {sweep} {truth}: ours sigma {sigma:.5g} kappa {kappa:.5g} "
                      f"gamma {gamma:.5g} r2 {r2:.6f}; scipy {p[0]:.5g} {p[1]:.5g} {p[2]:.5g} {ref_r2:.6f}")
                bad += 1
    print(f"{compared} fits compared with scipy {__import__('scipy').__version__}, {bad} disagreed")
    return 1 if bad or compared < 30 else 0


sys.exit(main())
