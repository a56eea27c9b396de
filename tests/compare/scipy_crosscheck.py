#!/usr/bin/python3
# scipy_crosscheck.py - checks the p-values, adjusted p-values, medians and
# changes in the JSON goldens against an independent computation in Python.
#
#   scipy_crosscheck.py INPUT_DIR EXPECTED_DIR
#
# For each golden below it reads the raw repetitions straight from the input
# files with the json module (converting time_unit to ns), and computes
#   p = scipy.stats.mannwhitneyu(base_samples, new_samples).pvalue
# (defaults: use_continuity=True, alternative='two-sided', method='auto'),
# the Benjamini-Hochberg step-up adjustment of those p over all paired cases,
# the medians (statistics.median) and change = median_new / median_base - 1,
# then compares them with the golden's "p_value", "p_adjusted", "median"
# and "change" (relative tolerance 1e-9; the goldens print 12 digits).
# Exits 77 (skip) when scipy is not installed.
import json
import math
import os
import statistics
import sys

try:
    from scipy.stats import mannwhitneyu, wilcoxon
except ImportError:
    print("SKIP: scipy is not installed (apt-get install python3-scipy)")
    sys.exit(77)

UNITS = {"ns": 1.0, "us": 1e3, "ms": 1e6, "s": 1e9}
GOLDENS = [
    # (expected file, base files, new files)
    ("verdicts_json.out", ["base.json"], ["new.json"]),
    ("files_per_side.out", ["base_part1.json", "base_part2.json"], ["new.json"]),
    ("raw_and_aggregates.out", ["both_base.json"], ["new.json"]),
]


def samples(inputs, files):
    out, failed = {}, set()
    for f in files:
        with open(os.path.join(inputs, f)) as fh:
            doc = json.load(fh)
        for b in doc["benchmarks"]:
            name = b.get("run_name", b["name"])
            if b.get("error_occurred"):
                failed.add(name)
                continue
            if b.get("run_type", "iteration") != "iteration":
                continue
            out.setdefault(name, []).append(b["real_time"] * UNITS[b["time_unit"]])
    return out, failed


def bh(ps):
    m = len(ps)
    order = sorted(range(m), key=lambda i: (ps[i], i))
    q = [0.0] * m
    running = 1.0
    for rank in range(m, 0, -1):
        i = order[rank - 1]
        running = min(running, ps[i] * m / rank)
        q[i] = running
    return q


def close(a, b):
    return abs(a - b) <= 1e-9 * max(1.0, abs(b))


def main():
    inputs, expected = sys.argv[1], sys.argv[2]
    bad = 0
    checked = 0
    for golden, bfiles, nfiles in GOLDENS:
        bs, bfail = samples(inputs, bfiles)
        ns, nfail = samples(inputs, nfiles)
        names = [n for n in bs if n in ns and n not in bfail and n not in nfail]
        ps = [mannwhitneyu(bs[n], ns[n]).pvalue for n in names]
        qs = bh(ps)
        with open(os.path.join(expected, golden)) as fh:
            got = {c["name"]: c for c in json.load(fh)["cases"]}
        for name, p, q in zip(names, ps, qs):
            c = got[name]
            mb, mn = statistics.median(bs[name]), statistics.median(ns[name])
            for what, have, want in (("p_value", c["p_value"], p),
                                     ("p_adjusted", c["p_adjusted"], q),
                                     ("base median", c["base"]["median"], mb),
                                     ("new median", c["new"]["median"], mn),
                                     ("change", c["change"], mn / mb - 1)):
                checked += 1
                if not close(have, want):
                    print(f"FAIL {golden} {name}: {what} = {have!r}, scipy/python says {want!r}")
                    bad += 1
        print(f"{golden}: {len(names)} cases checked against scipy")
    # --paired: the k-th samples of a case form a pair; p is the signed-rank test of the pairs'
    # log ratios (exact without tied magnitudes, else the approximation), change the median
    # pair's ratio less one.
    bs, _ = samples(inputs, ["paired_base.json"])
    ns, _ = samples(inputs, ["paired_new.json"])
    names = [n for n in bs if n in ns]
    ps, changes = [], []
    for n in names:
        d = [math.log(y / x) for x, y in zip(bs[n], ns[n])]
        mags = [abs(v) for v in d if v != 0]
        exact = len(mags) == len(d) and len(set(mags)) == len(mags) and len(d) <= 50
        ps.append(wilcoxon(d, method="exact" if exact else "approx").pvalue)
        changes.append(math.exp(statistics.median(d)) - 1)
    with open(os.path.join(expected, "paired_json.out")) as fh:
        got = {c["name"]: c for c in json.load(fh)["cases"]}
    for name, p, q, ch in zip(names, ps, bh(ps), changes):
        c = got[name]
        for what, have, want in (("p_value", c["p_value"], p), ("p_adjusted", c["p_adjusted"], q),
                                 ("change", c["change"], ch)):
            checked += 1
            if not close(have, want):
                print(f"FAIL paired_json.out {name}: {what} = {have!r}, scipy/python says {want!r}")
                bad += 1
    print(f"paired_json.out: {len(names)} cases checked against scipy.stats.wilcoxon")
    print(f"{checked} values checked, {bad} mismatches")
    return 1 if bad else 0


if __name__ == "__main__":
    sys.exit(main())
