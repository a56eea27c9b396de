#!/usr/bin/env bash
# cost.sh BUILD_DIR [ROUNDS] - what a workload of one's own costs against a built-in one: the
# same task body (CPU.hash's) as the built-in CPU.hash, as a plugin of pcbench (Plugin.hash,
# tests/plugin/hash_plugin.c) and in a program of one's own linked with libpcbench (Own.hash),
# under Sequential, Threaded and Multiprocess at 1 and 2 workers. The three run interleaved,
# ROUNDS times (default 5), each a run of 3 repetitions; the table gives each case's median of
# all repetitions and its speedup over the same way's Sequential. Prints a Markdown table.
set -euo pipefail
build=$(cd "$1" && pwd)
rounds=${2:-5}
work=$(mktemp -d)
trap 'rm -rf "$work"' EXIT
common=(--pcb_workers=1,2 --benchmark_repetitions=3 --benchmark_min_time=0.2 --benchmark_format=json)
for ((r = 0; r < rounds; r++)); do
  "$build/pcbench" "${common[@]}" --benchmark_filter='^(Sequential|Threaded|Multiprocess)/CPU\.hash/' \
    >"$work/builtin-$r.json" 2>/dev/null
  "$build/pcbench" --pcb_plugin="$build/tests/plugin/plugin_hash.so" "${common[@]}" \
    --benchmark_filter='^(Sequential|Threaded|Multiprocess)/Plugin\.hash/' >"$work/plugin-$r.json" 2>/dev/null
  "$build/pcb_own_hash" "${common[@]}" --benchmark_filter='^(Sequential|Threaded|Multiprocess)/Own\.hash/' \
    >"$work/own-$r.json" 2>/dev/null
done
python3 - "$work" <<'PY'
import glob, json, statistics, sys
work = sys.argv[1]
ways = [("builtin", "CPU.hash"), ("plugin", "Plugin.hash"), ("own", "Own.hash")]
times = {}
for way, wl in ways:
    for f in glob.glob(f"{work}/{way}-*.json"):
        for b in json.load(open(f))["benchmarks"]:
            if b.get("run_type") != "iteration" or b.get("error_occurred"):
                continue
            unit = {"ns": 1e-6, "us": 1e-3, "ms": 1.0, "s": 1e3}[b["time_unit"]]
            parts = b["run_name"].split("/")
            key = (parts[0], "/".join(p for p in parts[2:] if not p.startswith("kib:") and p != "manual_time"))
            times.setdefault((way, key), []).append(b["real_time"] * unit)  # in ms
keys = sorted({k for (_, k) in times}, key=lambda k: (["Sequential", "Threaded", "Multiprocess"].index(k[0]), k[1]))
seqkey = next(k for k in keys if k[0] == "Sequential")
print("| case | built in (CPU.hash) | plugin (Plugin.hash) | own program (Own.hash) | plugin / built in | own / built in |")
print("|---|---|---|---|---|---|")
med = {wk: statistics.median(v) for wk, v in times.items()}
for k in keys:
    row = [med.get((w, k)) for w, _ in ways]
    if None in row:
        continue
    seq = [med[(w, seqkey)] for w, _ in ways]
    cells = [f"{t:.2f} ms (×{s / t:.2f})" for t, s in zip(row, seq)]
    print(f"| {k[0]}/{k[1]} | " + " | ".join(cells) + f" | {row[1] / row[0]:.3f} | {row[2] / row[0]:.3f} |")
n = {w: min(len(v) for (ww, _), v in times.items() if ww == w) for w, _ in ways}
print(f"\n(each cell: the median of at least {min(n.values())} repetitions; × = speedup over the same way's Sequential)")
PY
