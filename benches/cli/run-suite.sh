#!/usr/bin/env bash
# The main job: install what is missing, build pcbench (Release), run the default suite, and
# keep its results. The console shows Google Benchmark's table and pcbench's summary; the JSON
# goes to results/suite-<UTC time>-<commit>.json (written to a temporary name, then renamed,
# so an interrupted run never leaves a truncated file under the final name).
#
#   benches/cli/run-suite.sh [pcbench arguments...]     e.g. --pcb_profile=quick
#
# PCB_BUILD_DIR names the build directory (default: build, under the repository). Bad arguments
# are refused before anything is installed, built or run: --benchmark_out and
# --benchmark_out_format are this script's own; a --benchmark_filter that is no regex is refused
# here, even with nothing built yet; the rest are checked by the pcbench already
# built there (when there is one: `pcbench ARGS --benchmark_list_tests=true`, which runs no
# case), and by the fresh build again before the run. Exit status: pcbench's (2: bad arguments).
set -euo pipefail
cd "$(dirname "$0")/../.."
build=${PCB_BUILD_DIR:-build}

die() { echo "run-suite.sh: $*" >&2; exit 2; }
for a in "$@"; do
  case "$a" in
  --benchmark_out=* | --benchmark_out_format=*)
    die "$a: the script writes results/suite-<time>-<commit>.json itself; give other pcbench arguments" ;;
  --benchmark_filter=*)
    # The one value that can be checked without pcbench, which may not be built yet: a POSIX
    # extended regex, as the shim reads it (a leading '-' selects the cases it does not match).
    re=${a#--benchmark_filter=}
    re=${re#-}
    rc=0
    [[ "" =~ $re ]] || rc=$?
    [[ $rc -ne 2 ]] || die "$a: not a valid regular expression" ;;
  esac
done
# Runs pcbench's own check of the arguments; on a refusal prints its one line and exits 2.
check_args() {
  local err rc=0
  err=$("$build/pcbench" "$@" --benchmark_list_tests=true 2>&1 >/dev/null) || rc=$?
  [[ $rc -ne 2 ]] || { tail -n 1 <<<"$err" >&2; exit 2; }
}
if [[ -x "$build/pcbench" ]]; then check_args "$@"; fi

.ci/install-deps.sh
cmake -S . -B "$build" -DCMAKE_BUILD_TYPE=Release >/dev/null
cmake --build "$build" -j"$(nproc)" >/dev/null
check_args "$@"

mkdir -p results
commit=$(git rev-parse --short=12 HEAD 2>/dev/null || echo unknown)
out="results/suite-$(date -u +%Y%m%dT%H%M%SZ)-$commit.json"
tmp="$out.partial"
trap 'rm -f "$tmp"' EXIT
rc=0
"$build/pcbench" --benchmark_out="$tmp" --benchmark_out_format=json "$@" || rc=$?
if [[ -s "$tmp" ]]; then
  mv "$tmp" "$out"
  echo
  echo "results: $out"
  # Tables, CSV and charts next to the result file; prints "report: <dir>/index.md (...)".
  "$build/pcbench-report" "$out" || echo "report: not written (see the message above)" >&2
fi
exit "$rc"
