#!/usr/bin/python3
# gen_perf.py - writes a large Google Benchmark JSON file for measuring how
# fast compare is (see compare/BENCHMARKS-compare.md).
#
#   gen_perf.py OUT.json CASES REPETITIONS SEED [SLOWDOWN [raw]]
#
# CASES case names are crossed from strategies x workloads x parameters, each
# with REPETITIONS raw repetitions plus the mean/median/stddev/cv aggregates
# (omitted when the last argument is "raw"), in the exact layout Google
# Benchmark 1.7 writes with --benchmark_repetitions. Times are log-normal noise
# (cv about 2 %) around a per-case centre; SLOWDOWN (default 1.0) multiplies
# the times of every tenth case so that the comparison has regressions.
import json
import random
import statistics
import sys

STRATEGIES = ["Sequential", "Threaded", "Partitioned", "Multiprocess", "MasterWorker",
              "Async", "AsyncBlocking", "OpenMP", "Hybrid", "Distributed"]
WORKLOADS = ["CPU.hash", "CPU.rotate", "CPU.text", "CPU.doc", "IO.sleep", "IO.net",
             "Mixed.half", "Mem.alloc"]


def main():
    out, ncases, nreps, seed = sys.argv[1], int(sys.argv[2]), int(sys.argv[3]), int(sys.argv[4])
    slowdown = float(sys.argv[5]) if len(sys.argv) > 5 else 1.0
    raw_only = len(sys.argv) > 6 and sys.argv[6] == "raw"
    rng = random.Random(seed)
    centre = random.Random(1)  # the same centres on both sides
    benchmarks = []
    for i in range(ncases):
        s = STRATEGIES[i % len(STRATEGIES)]
        w = WORKLOADS[(i // len(STRATEGIES)) % len(WORKLOADS)]
        k = i // (len(STRATEGIES) * len(WORKLOADS))
        name = f"{s}/{w}/workers:{1 + k % 64}/tasks:{256 + k // 64}/manual_time"
        c = centre.uniform(1e3, 1e7) * (slowdown if i % 10 == 0 else 1.0)
        times = [c * rng.lognormvariate(0, 0.02) for _ in range(nreps)]
        for r, t in enumerate(times):
            benchmarks.append({
                "name": name, "family_index": i, "per_family_instance_index": 0,
                "run_name": name, "run_type": "iteration", "repetitions": nreps,
                "repetition_index": r, "threads": 1, "iterations": 100,
                "real_time": t, "cpu_time": t * 0.9, "time_unit": "ns",
                "items_per_second": 256 / (t * 1e-9)})
        if raw_only:
            continue
        mean, sd = statistics.mean(times), statistics.stdev(times)
        for agg, v in (("mean", mean), ("median", statistics.median(times)),
                       ("stddev", sd), ("cv", sd / mean)):
            benchmarks.append({
                "name": name + "_" + agg, "family_index": i, "per_family_instance_index": 0,
                "run_name": name, "run_type": "aggregate", "repetitions": nreps,
                "threads": 1, "aggregate_name": agg,
                "aggregate_unit": "percentage" if agg == "cv" else "time",
                "iterations": nreps, "real_time": v, "cpu_time": v * 0.9, "time_unit": "ns",
                "items_per_second": 256 / (v * 1e-9) if agg != "cv" else v})
    ctx = {"date": "2026-11-22T05:00:00+00:00", "host_name": "perf", "executable": "./pcbench",
           "num_cpus": 2, "mhz_per_cpu": 2000, "cpu_scaling_enabled": False, "caches": [],
           "load_avg": [0.1, 0.1, 0.1], "library_build_type": "debug"}
    with open(out, "w") as f:
        json.dump({"context": ctx, "benchmarks": benchmarks}, f, indent=2)
        f.write("\n")


if __name__ == "__main__":
    main()
