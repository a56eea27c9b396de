#!/usr/bin/env bash
# Times each strategy's one-shot run (`pcbench run ...`) as a whole process with hyperfine:
# exec, dynamic linking, input preparation, pool start, one batch, pool stop and exit - the
# costs Google Benchmark's in-process timing of the batch alone cannot see. Next to it, the
# same one-shot run's in-process batch time (median of --inproc-runs runs), so the two can be
# read side by side.
#
#   benches/cli/hyperfine.sh [--runs N] [--warmup N] [--workload W] [--workers K] [--tasks N]
#                        [--param NAME=V]... [--strategies "A B ..."] [--out DIR]
#                        [--build DIR] [--base OLD_HYPERFINE.json] [--inproc-runs N]
#
# Writes DIR/hyperfine.json (hyperfine --export-json) and DIR/inprocess.tsv, then, when they
# are built, feeds the JSON to build/compare (against --base, or against the previous
# DIR/hyperfine.json kept as hyperfine.prev.json) and to build/pcbench-report (DIR/report/).
# A strategy whose one-shot run fails (for example a loop that needs a waiting workload) is
# skipped with its message. Every command is run by hyperfine without a shell (-N).
#
# Exit status: 0 when timed; 1 when no strategy could run; 2 for bad options or missing tools.
set -euo pipefail

root="$(cd "$(dirname "$0")/../.." && pwd)"
build="$root/build"
runs=10
warmup=1
inproc_runs=3
workload="CPU.hash"
workers=""
tasks=64
params=()
strategies=""
out=""
base=""

die() { echo "hyperfine.sh: $*" >&2; exit 2; }
need_value() { [[ $# -ge 2 && -n "$2" ]] || die "$1 needs a value"; }
# Whether $1 is a decimal integer from $2 to $3. Read in base 10 (bash arithmetic would read 09
# as a bad octal number and 010 as 8), with at most 9 digits past the leading zeros, so the
# arithmetic cannot overflow.
is_count() {
  [[ "$1" =~ ^0*([0-9]{1,9})$ ]] || return 1
  local n=$((10#${BASH_REMATCH[1]}))
  ((n >= $2 && n <= $3))
}

while [[ $# -gt 0 ]]; do
  case "$1" in
    --runs) need_value "$@"; is_count "$2" 2 100000 || die "--runs $2: expected an integer from 2 to 100000"; runs=$2; shift 2 ;;
    --warmup) need_value "$@"; is_count "$2" 0 1000 || die "--warmup $2: expected an integer from 0 to 1000"; warmup=$2; shift 2 ;;
    --inproc-runs) need_value "$@"; is_count "$2" 1 1000 || die "--inproc-runs $2: expected an integer from 1 to 1000"; inproc_runs=$2; shift 2 ;;
    --workload) need_value "$@"; workload=$2; shift 2 ;;
    --workers) need_value "$@"; workers=$2; shift 2 ;;
    --tasks) need_value "$@"; tasks=$2; shift 2 ;;
    --param) need_value "$@"; params+=(--param "$2"); shift 2 ;;
    --strategies) need_value "$@"; strategies=$2; shift 2 ;;
    --out) need_value "$@"; out=$2; shift 2 ;;
    --build) need_value "$@"; build=$2; shift 2 ;;
    --base) need_value "$@"; [[ -r "$2" ]] || die "--base $2: no such readable file"; base=$2; shift 2 ;;
    -h|--help) awk 'NR > 1 && /^#/ { sub(/^# ?/, ""); print; next } NR > 1 { exit }' "$0"; exit 0 ;;
    *) die "$1: unknown option; see --help" ;;
  esac
done

# Everything given is checked before anything is created or timed: the options above, the
# strategy names, --base (by compare, when built), and the workload's options (by pcbench run
# itself, whose reference run below refuses them with its own line); then the tools.
pcbench="$build/pcbench"
[[ -x "$pcbench" ]] || die "--build $build: no pcbench there (cmake -S . -B build && cmake --build build)"
known=$("$pcbench" run --help | sed -n 's/^Strategies (case-insensitive): //p' | tr -d ',')
[[ -n "$known" ]] || die "could not read the strategy list from $pcbench run --help"
# The names as words, never as patterns: read -a splits without expanding '*' into file names.
[[ -n "$strategies" ]] || strategies=$known
read -r -a strategy_list <<<"$strategies"
[[ ${#strategy_list[@]} -gt 0 ]] || die "--strategies '$strategies': expected strategy names; known: $known"
for s in "${strategy_list[@]}"; do
  grep -qiwF -- "$s" <<<"$known" || die "--strategies $s: unknown strategy; known: $known"
done
compare=""
if [[ -f "$build/compare" && -x "$build/compare" ]]; then compare="$build/compare";
elif [[ -x "$build/compare/compare" ]]; then compare="$build/compare/compare"; fi
if [[ -n "$base" && -n "$compare" ]]; then
  msg=$("$compare" "$base" "$base" 2>&1 >/dev/null) || [[ $? -ne 2 ]] || die "--base $base: ${msg#compare: }"
fi
[[ -n "$workers" ]] || workers=$(nproc)

common=(--workload "$workload" --workers "$workers" --tasks "$tasks" "${params[@]}" --no-baseline)

# The reference digest, once: every timed process checks its batch against it without
# recomputing the sequential reference, so the whole-process time is the strategy's alone.
ref_json=$("$pcbench" run --strategy Sequential "${common[@]}" --json) || exit 2
ref=$(sed -n 's/.*"digest":"\(0x[0-9a-f]*\)".*/\1/p' <<<"$ref_json")
[[ -n "$ref" ]] || die "could not read the reference digest from: $ref_json"

command -v hyperfine >/dev/null 2>&1 || die "hyperfine not found in PATH (Debian: apt-get install hyperfine)"
[[ -n "$out" ]] || out="$root/results/hyperfine-$(date -u +%Y%m%dT%H%M%SZ)"
mkdir -p "$out" 2>/dev/null || die "--out $out: cannot create the directory"
[[ -w "$out" ]] || die "--out $out: not writable"

# In-process batch times, and which strategies run this workload at all.
printf 'strategy\tinprocess_batch_ns\n' >"$out/inprocess.tsv"
ok=()
for s in "${strategy_list[@]}"; do
  times=()
  for ((i = 0; i < inproc_runs; i++)); do
    if ! j=$("$pcbench" run --strategy "$s" "${common[@]}" --digest "$ref" --json 2>"$out/.err"); then
      echo "hyperfine.sh: skipping $s: $(head -n 1 "$out/.err")" >&2
      times=()
      break
    fi
    times+=("$(sed -n 's/.*"wall_ns":\([0-9]*\).*/\1/p' <<<"$j")")
  done
  rm -f "$out/.err"
  [[ ${#times[@]} -gt 0 ]] || continue
  med=$(printf '%s\n' "${times[@]}" | sort -n | awk '{v[NR]=$1} END {print (NR%2 ? v[(NR+1)/2] : (v[NR/2]+v[NR/2+1])/2)}')
  printf '%s\t%s\n' "$s" "$med" >>"$out/inprocess.tsv"
  ok+=("$s")
done
[[ ${#ok[@]} -gt 0 ]] || { echo "hyperfine.sh: no strategy could run $workload" >&2; exit 1; }

# Whole-process timing. The command line is split by hyperfine itself (no shell); %q keeps
# paths with spaces intact.
cmds=()
for s in "${ok[@]}"; do
  line=$(printf '%q ' "$pcbench" run --strategy "$s" "${common[@]}" --digest "$ref")
  cmds+=(-n "$s" "$line")
done
[[ -f "$out/hyperfine.json" ]] && mv "$out/hyperfine.json" "$out/hyperfine.prev.json"
hyperfine -N --style basic --runs "$runs" --warmup "$warmup" \
  --export-json "$out/hyperfine.json" "${cmds[@]}"

# Side by side: what Google Benchmark would see (the batch) and what a user waits for.
echo
echo "In-process batch time against whole-process time ($workload, $workers workers, $tasks tasks):"
awk -F'\t' -v json="$out/hyperfine.json" '
  function fmt(ns,  a) { a = ns < 0 ? -ns : ns; return a >= 1e9 ? sprintf("%.3f s", ns / 1e9) : a >= 1e6 ? sprintf("%.3f ms", ns / 1e6) : sprintf("%.1f us", ns / 1e3) }
  BEGIN {
    while ((getline line < json) > 0) {
      if (line ~ /"command":/) { sub(/.*"command": *"/, "", line); sub(/".*/, "", line); cmd = line }
      else if (line ~ /"median":/ && cmd != "") { sub(/.*"median": */, "", line); sub(/,.*/, "", line); whole[cmd] = line * 1e9; cmd = "" }
    }
    printf "  %-16s %16s %16s %16s\n", "strategy", "in-process", "whole process", "outside batch"
  }
  NR > 1 && ($1 in whole) {
    printf "  %-16s %16s %16s %16s\n", $1, fmt($2), fmt(whole[$1]), fmt(whole[$1] - $2)
  }' "$out/inprocess.tsv"

# compare: against --base, or against the previous run in the same directory.
against="$base"
[[ -z "$against" && -f "$out/hyperfine.prev.json" ]] && against="$out/hyperfine.prev.json"
if [[ -z "$compare" ]]; then
  echo "compare: skipped: $build/compare is not built"
elif [[ -z "$against" ]]; then
  echo "compare: skipped: nothing to compare against (give --base FILE, or run again with the same --out)"
else
  echo
  "$compare" "$against" "$out/hyperfine.json" || echo "compare: exit status $? (see above)"
fi

# The report: tables and a chart of the whole-process times.
if [[ -x "$build/pcbench-report" ]]; then
  "$build/pcbench-report" "$out/hyperfine.json" -o "$out/report"
else
  echo "report: skipped: $build/pcbench-report is not built"
fi
echo "hyperfine: $out/hyperfine.json"
