#!/usr/bin/env bash
# The main job: install what is missing, build pcbench (Release), run the default suite, and
# keep its results. The console shows Google Benchmark's table and pcbench's summary; the JSON
# goes to results/suite-<UTC time>-<commit>.json (written to a temporary name, then renamed,
# so an interrupted run never leaves a truncated file under the final name).
#
#   benches/run-suite.sh [pcbench arguments...]     e.g. --pcb_profile=quick
set -euo pipefail
cd "$(dirname "$0")/.."

.ci/install-deps.sh
cmake -S . -B build -DCMAKE_BUILD_TYPE=Release >/dev/null
cmake --build build -j"$(nproc)" >/dev/null

mkdir -p results
commit=$(git rev-parse --short=12 HEAD 2>/dev/null || echo unknown)
out="results/suite-$(date -u +%Y%m%dT%H%M%SZ)-$commit.json"
tmp="$out.partial"
trap 'rm -f "$tmp"' EXIT
rc=0
./build/pcbench --benchmark_out="$tmp" --benchmark_out_format=json "$@" || rc=$?
if [[ -s "$tmp" ]]; then
  mv "$tmp" "$out"
  echo
  echo "results: $out"
  # Tables, CSV and charts next to the result file; prints "report: <dir>/index.md (...)".
  ./build/pcbench-report "$out" || echo "report: not written (see the message above)" >&2
fi
exit "$rc"
