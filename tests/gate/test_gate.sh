#!/usr/bin/env bash
# test_gate.sh - the nightly gate (compare/nightly.sh) on result files whose answer is known:
# a 20% slower case exits 1 and is named; an unchanged set exits 0; a failed gate never
# replaces the baseline and a passing one does with --update-baseline; a per-case thresholds
# file widens a noisy case's band; an interrupted run keeps no partial result; bad usage exits 2.
#
#   test_gate.sh BUILD_DIR
set -u
build=$1
top=$(cd "$(dirname "$0")/../.." && pwd)
gate="$top/compare/nightly.sh"
work=$(mktemp -d "$build/gate-test.XXXXXX")
trap 'rm -rf "$work"' EXIT
. "$(dirname "$0")/../lib.sh" # flag, $failures
passes=0
ok() { passes=$((passes + 1)); echo "ok - $1"; }

# gb_file FILE MEDIAN_A MEDIAN_B: a Google Benchmark JSON with two cases of 10 repetitions,
# values spread +-1% around the medians given (ns).
gb_file() {
  local f=$1 a=$2 b=$3
  {
    printf '{\n  "context": {"host_name": "gate-test", "num_cpus": 2, "mhz_per_cpu": 2000, "library_build_type": "release"},\n  "benchmarks": [\n'
    local first=1
    for c in "Case/A" "Case/B"; do
      local m=$a; [[ $c == Case/B ]] && m=$b
      for i in 0 1 2 3 4 5 6 7 8 9; do
        local v; v=$(awk -v m="$m" -v i="$i" 'BEGIN{printf "%.3f", m*(0.99+0.002*i)}')
        [[ $first -eq 1 ]] || printf ',\n'
        first=0
        printf '    {"name": "%s", "run_name": "%s", "run_type": "iteration", "repetitions": 10, "repetition_index": %d, "threads": 1, "iterations": 100, "real_time": %s, "cpu_time": %s, "time_unit": "ns"}' "$c" "$c" "$i" "$v" "$v"
      done
    done
    printf '\n  ]\n}\n'
  } >"$f"
}

gb_file "$work/base.json" 1000 500
gb_file "$work/same.json" 1000 500
gb_file "$work/slow.json" 1200 500      # Case/A 20% slower
gb_file "$work/noisy.json" 1080 500     # Case/A 8% slower: beyond 5%, inside a 12% band

# 1. A known regression exits 1 and names the case; the report says so.
d="$work/d1"; mkdir -p "$d"; cp "$work/base.json" "$d/baseline.json"
out=$("$gate" --mode stored --dir "$d" --bin-dir "$build" --results "$work/slow.json" 2>&1); rc=$?
[[ $rc -eq 1 ]] && ok "a 20% slower case exits 1" || flag "a 20% slower case exits 1 (got $rc)"
grep -q "Case/A" <<<"$out" && ok "the regressed case is named" || flag "the regressed case is named: $out"
ls "$d"/*.md >/dev/null 2>&1 && grep -q "Case/A" "$d"/*.md && ok "the Markdown report names it" ||
  flag "the Markdown report names it"

# 2. No regression exits 0.
d="$work/d2"; mkdir -p "$d"; cp "$work/base.json" "$d/baseline.json"
"$gate" --mode stored --dir "$d" --bin-dir "$build" --results "$work/same.json" >/dev/null 2>&1
rc=$?; [[ $rc -eq 0 ]] && ok "an unchanged set exits 0" || flag "an unchanged set exits 0 (got $rc)"

# 3. A failed gate does not replace the baseline; a passing one does with --update-baseline.
d="$work/d3"; mkdir -p "$d"; cp "$work/base.json" "$d/baseline.json"
"$gate" --mode stored --dir "$d" --bin-dir "$build" --results "$work/slow.json" --update-baseline >/dev/null 2>&1
cmp -s "$d/baseline.json" "$work/base.json" && ok "a failed gate keeps the baseline" ||
  flag "a failed gate keeps the baseline"
"$gate" --mode stored --dir "$d" --bin-dir "$build" --results "$work/same.json" --update-baseline >/dev/null 2>&1
cmp -s "$d/baseline.json" "$work/same.json" && ok "a passing gate updates the baseline" ||
  flag "a passing gate updates the baseline"

# 4. A thresholds file widens a noisy case's band.
d="$work/d4"; mkdir -p "$d"; cp "$work/base.json" "$d/baseline.json"
"$gate" --mode stored --dir "$d" --bin-dir "$build" --results "$work/noisy.json" >/dev/null 2>&1
rc=$?; [[ $rc -eq 1 ]] && ok "8% slower fails at the default 5%" || flag "8% slower fails at the default 5% (got $rc)"
printf '# test\n12.0\tCase/A\n' >"$d/thresholds.tsv"
"$gate" --mode stored --dir "$d" --bin-dir "$build" --results "$work/noisy.json" >/dev/null 2>&1
rc=$?; [[ $rc -eq 0 ]] && ok "a 12% per-case band lets 8% pass" || flag "a 12% per-case band lets 8% pass (got $rc)"

# 5. An interrupted run (SIGTERM, as a CI job cancel sends) keeps no partial result and no
#    temporary folder.
d="$work/d5"; mkdir -p "$d"
printf '^Sequential/IO\\.sleep/\n' >"$work/slow.filter"
"$gate" --mode stored --dir "$d" --bin-dir "$build" --filter-file "$work/slow.filter" \
  --repetitions 50 --min-time 2 >/dev/null 2>&1 &
pid=$!
sleep 2
kill -TERM "$pid" 2>/dev/null
wait "$pid"; rc=$?
left=$(ls -A "$d")
[[ $rc -ne 0 && -z "$left" ]] && ok "an interrupted run leaves nothing in the results folder" ||
  flag "an interrupted run leaves nothing in the results folder (rc $rc, left: $left)"
pgrep -f "$d" >/dev/null && flag "no pcbench of the interrupted gate is left" ||
  ok "no pcbench of the interrupted gate is left"

# 6. Bad usage exits 2 with one line naming the option.
for args in "--repetitions 3" "--mode fast" "--min-time 0" "--mode ab" "--bogus" "--results /nonexistent"; do
  # shellcheck disable=SC2086
  msg=$("$gate" --dir "$work/d6" --bin-dir "$build" $args 2>&1 >/dev/null); rc=$?
  opt=${args%% *}
  [[ $rc -eq 2 && $(wc -l <<<"$msg") -eq 1 && "$msg" == *"${opt#--}"* ]] &&
    ok "bad usage $args exits 2 naming it" || flag "bad usage $args exits 2 naming it (rc $rc: $msg)"
done

echo "$passes passed, $failures failed"
[[ $failures -eq 0 ]]
