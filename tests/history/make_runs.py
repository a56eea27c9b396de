#!/usr/bin/env python3
"""make_runs.py - writes N Google Benchmark result files, one per run of a made-up history,
with known answers for pcbench-history's change points.

Run k (0-based) has commit c<k>, date 2026-11-01 + k hours and host "ci-runner"; each case has 5
repetitions around the run's level, and an items_per_second counter. The cases:

  Threaded/CPU.hash/...       +12% from run STEP_AT (a regression at commit c<STEP_AT>), noise 1.5%
  Async/IO.sleep/...          -20% from run 10 (an improvement at commit c10), noise 1%
  Sequential/CPU.hash/...     steady, noise 3%: no change point
  Multiprocess/CPU.hash/...   steady, noise 1%, run 20 three times slower: no change point

usage: make_runs.py OUTDIR N [STEP_AT]    (STEP_AT defaults to 15)
"""
import json
import os
import random
import sys

out, n = sys.argv[1], int(sys.argv[2])
step_at = int(sys.argv[3]) if len(sys.argv) > 3 else 15
rng = random.Random(18)
cases = {
    "Threaded/CPU.hash/workers:2/tasks:64/chunk:1/kib:64/manual_time":
        lambda k: 1e6 * (1.12 if k >= step_at else 1) * (1 + 0.015 * rng.gauss(0, 1)),
    "Async/IO.sleep/workers:1/inflight:8/tasks:64/latency_us:100/manual_time":
        lambda k: 2e6 * (0.8 if k >= 10 else 1) * (1 + 0.01 * rng.gauss(0, 1)),
    "Sequential/CPU.hash/workers:1/tasks:64/chunk:1/kib:64/manual_time":
        lambda k: 2e6 * (1 + 0.03 * rng.gauss(0, 1)),
    "Multiprocess/CPU.hash/workers:2/tasks:64/chunk:1/kib:64/manual_time":
        lambda k: 1.1e6 * (3 if k == 20 else 1) * (1 + 0.01 * rng.gauss(0, 1)),
}
os.makedirs(out, exist_ok=True)
for k in range(n):
    benchmarks = []
    for name, level in cases.items():
        m = level(k)
        for r in range(5):
            t = m * (1 + 0.002 * rng.gauss(0, 1))
            benchmarks.append({
                "name": name, "run_name": name, "run_type": "iteration", "repetitions": 5,
                "repetition_index": r, "threads": 1, "iterations": 10, "real_time": t,
                "cpu_time": t / 2, "time_unit": "ns", "items_per_second": 64 / (t * 1e-9)})
    doc = {"context": {"date": "2026-11-%02dT%02d:00:00+00:00" % (1 + k // 24, k % 24),
                       "host_name": "ci-runner", "num_cpus": 2, "mhz_per_cpu": 2000,
                       "library_build_type": "debug", "pcbench_commit": "c%02d" % k},
           "benchmarks": benchmarks}
    with open(os.path.join(out, "run-%02d.json" % k), "w") as f:
        json.dump(doc, f, indent=1)
