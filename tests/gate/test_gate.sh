#!/usr/bin/env bash
# test_gate.sh - the nightly gate (compare/nightly.sh) on result files whose answer is known:
# a 20% slower case exits 1 and is named; an unchanged set exits 0; a failed gate never
# replaces the baseline and a passing one does with --update-baseline; a per-case thresholds
# file widens a noisy case's band; an interrupted run keeps no partial result; bad usage exits 2;
# a result file without cases neither passes nor becomes the baseline; numbers are read in base
# 10; the subset's patterns are checked before anything is built; a thresholds line for a case
# the comparison does not have is refused before anything runs; each metric (real_time and CPU
# per task) is judged on its own; ab mode takes its samples in rounds and judges them paired.
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

# gb_file FILE MEDIAN_A MEDIAN_B [CPU_A]: a Google Benchmark JSON with two cases of 10
# repetitions, values spread +-1% around the medians given (ns); with CPU_A, every entry also
# carries cpu_ns_per_task, Case/A's around CPU_A and Case/B's around 100.
gb_file() {
  local f=$1 a=$2 b=$3 cpu_a=${4-}
  {
    printf '{\n  "context": {"host_name": "gate-test", "num_cpus": 2, "mhz_per_cpu": 2000, "library_build_type": "release"},\n  "benchmarks": [\n'
    local first=1
    for c in "Case/A" "Case/B"; do
      local m=$a; [[ $c == Case/B ]] && m=$b
      for i in 0 1 2 3 4 5 6 7 8 9; do
        local v; v=$(awk -v m="$m" -v i="$i" 'BEGIN{printf "%.3f", m*(0.99+0.002*i)}')
        [[ $first -eq 1 ]] || printf ',\n'
        first=0
        local counter=""
        if [[ -n "$cpu_a" ]]; then
          local cm=100; [[ $c == Case/A ]] && cm=$cpu_a
          counter=$(awk -v m="$cm" -v i="$i" 'BEGIN{printf ", \"cpu_ns_per_task\": %.3f", m*(0.99+0.002*i)}')
        fi
        printf '    {"name": "%s", "run_name": "%s", "run_type": "iteration", "repetitions": 10, "repetition_index": %d, "threads": 1, "iterations": 100, "real_time": %s, "cpu_time": %s, "time_unit": "ns"%s}' "$c" "$c" "$i" "$v" "$v" "$counter"
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

# 7. A result file without cases is nothing to compare: no pass, no new baseline, nothing kept;
#    the same for a baseline without cases.
printf '{"context": {"host_name": "gate-test"}, "benchmarks": []}\n' >"$work/empty.json"
d="$work/d7"; mkdir -p "$d"; cp "$work/base.json" "$d/baseline.json"
msg=$("$gate" --mode stored --dir "$d" --bin-dir "$build" --results "$work/empty.json" --update-baseline 2>&1 >/dev/null); rc=$?
[[ $rc -eq 2 && $(wc -l <<<"$msg") -eq 1 && "$msg" == *"holds no case"* ]] &&
  ok "an empty result file exits 2 with one line" || flag "an empty result file exits 2 with one line (rc $rc: $msg)"
cmp -s "$d/baseline.json" "$work/base.json" && [[ $(ls -A "$d") == baseline.json ]] &&
  ok "an empty result file keeps the baseline and nothing else" ||
  flag "an empty result file keeps the baseline and nothing else: $(ls -A "$d")"
cp "$work/empty.json" "$d/baseline.json"
msg=$("$gate" --mode stored --dir "$d" --bin-dir "$build" --results "$work/same.json" --update-baseline 2>&1 >/dev/null); rc=$?
[[ $rc -eq 2 && $(wc -l <<<"$msg") -eq 1 && "$msg" == *"baseline $d/baseline.json"*"holds no case"* ]] &&
  ok "an empty baseline exits 2 with one line" || flag "an empty baseline exits 2 with one line (rc $rc: $msg)"
cmp -s "$d/baseline.json" "$work/empty.json" && [[ $(ls -A "$d") == baseline.json ]] &&
  ok "an empty baseline is not replaced, nothing is kept" ||
  flag "an empty baseline is not replaced, nothing is kept: $(ls -A "$d")"
# No case in common with the baseline is nothing compared either.
gb_file "$work/other.json" 1000 500
sed -i 's|Case/|Other/|g' "$work/other.json"
d="$work/d7b"; mkdir -p "$d"; cp "$work/base.json" "$d/baseline.json"
msg=$("$gate" --mode stored --dir "$d" --bin-dir "$build" --results "$work/other.json" --update-baseline 2>&1 >/dev/null); rc=$?
[[ $rc -eq 2 && $(wc -l <<<"$msg") -eq 1 && "$msg" == *"no case is on both sides"* ]] &&
  ok "no case in common with the baseline exits 2" || flag "no case in common with the baseline exits 2 (rc $rc: $msg)"
cmp -s "$d/baseline.json" "$work/base.json" && [[ $(ls -A "$d") == baseline.json ]] &&
  ok "no case in common keeps the baseline and nothing else" ||
  flag "no case in common keeps the baseline and nothing else: $(ls -A "$d")"

# 8. --repetitions in base 10: 09 and 010 are nine and ten, not a bad octal number and eight.
for n in 09 010; do
  d="$work/d8-$n"; mkdir -p "$d"; cp "$work/base.json" "$d/baseline.json"
  msg=$("$gate" --mode stored --dir "$d" --bin-dir "$build" --results "$work/same.json" --repetitions "$n" 2>&1); rc=$?
  [[ $rc -eq 0 ]] && ok "--repetitions $n is accepted" || flag "--repetitions $n is accepted (rc $rc: $msg)"
done
msg=$("$gate" --dir "$work/d8" --bin-dir "$build" --repetitions 08 2>&1 >/dev/null); rc=$?
[[ $rc -eq 2 && $(wc -l <<<"$msg") -eq 1 && "$msg" == *"--repetitions=08: expected an integer from 9 to 100"* ]] &&
  ok "--repetitions 08 is refused in one line" || flag "--repetitions 08 is refused in one line (rc $rc: $msg)"

# 9. The subset's patterns are checked before anything is built: a bad regex, or a pattern that
#    a shell would take for a file pattern, is refused with its line, and no build starts.
for pat in '(' '*'; do
  printf '^Floor/\n%s\n' "$pat" >"$work/bad.filter"
  msg=$("$gate" --mode stored --dir "$work/d9" --build-dir "$work/never-built" --filter-file "$work/bad.filter" 2>&1 >/dev/null); rc=$?
  [[ $rc -eq 2 && $(wc -l <<<"$msg") -eq 1 && "$msg" == *"line 2: $pat: not a valid extended regular expression"* ]] &&
    ok "the pattern '$pat' is refused in one line" || flag "the pattern '$pat' is refused in one line (rc $rc: $msg)"
  [[ ! -e "$work/never-built" && ! -e "$work/d9" ]] && ok "no build started for '$pat'" ||
    flag "no build started for '$pat'"
done

# 10. A thresholds line for a case neither side has (a typo, a case the subset lost) is refused
#     before the comparison, with its line; a directory is no thresholds file.
d="$work/d10"; mkdir -p "$d"; cp "$work/base.json" "$d/baseline.json"
printf '12.0\tCase/A\n8.0\tCase/Z\n' >"$work/stale.tsv"
msg=$("$gate" --mode stored --dir "$d" --bin-dir "$build" --results "$work/noisy.json" --thresholds "$work/stale.tsv" 2>&1 >/dev/null); rc=$?
[[ $rc -eq 2 && $(wc -l <<<"$msg") -eq 1 && "$msg" == *'line 2: case "Case/Z" is on neither side'* ]] &&
  ok "a stale thresholds line is refused" || flag "a stale thresholds line is refused (rc $rc: $msg)"
[[ $(ls -A "$d") == baseline.json ]] && ok "a stale thresholds file keeps nothing" ||
  flag "a stale thresholds file keeps nothing: $(ls -A "$d")"
msg=$("$gate" --mode stored --dir "$d" --bin-dir "$build" --results "$work/noisy.json" --thresholds "$d" 2>&1 >/dev/null); rc=$?
[[ $rc -eq 2 && $(wc -l <<<"$msg") -eq 1 && "$msg" == *"not a regular file"* ]] &&
  ok "a thresholds directory is refused" || flag "a thresholds directory is refused (rc $rc: $msg)"

# 11. A user's own workload: the gate runs a plugin's cases (--plugin, --filter), keeps the
#     first run as the baseline and judges the second against it (a verdict, whatever the noise:
#     exit 0 or 1, a report naming the plugin's cases); a plugin pcbench refuses is the gate's
#     refusal, in pcbench's words, before anything runs.
plugin="$build/tests/plugin/plugin_good.so"
if [[ -f "$plugin" ]]; then
  d="$work/d11"
  p_args=(--mode stored --dir "$d" --bin-dir "$build" --plugin "$plugin"
          --filter='^(Sequential|Threaded)/Test\.count/workers:[12]/' --min-time 0.01)
  "$gate" "${p_args[@]}" --update-baseline >/dev/null 2>&1; rc=$?
  [[ $rc -eq 0 && -s "$d/baseline.json" ]] && grep -q '"name": "Threaded/Test.count/' "$d/baseline.json" &&
    ok "a plugin's cases become the baseline" || flag "a plugin's cases become the baseline (rc $rc)"
  "$gate" "${p_args[@]}" >/dev/null 2>&1; rc=$?
  report=$(find "$d" -name '*.md' | head -n 1)
  [[ ($rc -eq 0 || $rc -eq 1) && -n "$report" ]] && grep -q 'Threaded/Test.count/workers:2/' "$report" &&
    ok "a plugin's cases are judged against their baseline" ||
    flag "a plugin's cases are judged against their baseline (rc $rc)"
  msg=$("$gate" --mode stored --dir "$work/d11b" --bin-dir "$build" --plugin "$build/tests/plugin/plugin_wrong_abi.so" --filter=x 2>&1 >/dev/null); rc=$?
  [[ $rc -eq 2 && $(wc -l <<<"$msg") -eq 1 && "$msg" == "nightly: pcbench: --pcb_plugin="*"built for plugin interface version 2"* && ! -e "$work/d11b" ]] &&
    ok "a plugin of another interface is refused" || flag "a plugin of another interface is refused (rc $rc: $msg)"
fi

# 12. Every judged run is recorded in DIR/history.db; --fail-on-change fails the gate when a
#     regression starts in the newest runs there, even when compare passes against the baseline.
d="$work/d12"; mkdir -p "$d"
for i in 0 1 2 3 4 5 6 7; do gb_file "$work/h$i.json" $((1000 + i)) 500; done
for i in 0 1 2 3; do gb_file "$work/h$((8 + i)).json" $((1200 + i)) 500; done # Case/A +20%
gb_file "$d/baseline.json" 1200 500
for i in 0 1 2 3 4 5 6 7; do
  "$gate" --mode stored --dir "$d" --bin-dir "$build" --results "$work/h$i.json" --threshold 50 >/dev/null 2>&1
done
n=$(python3 -c 'import sqlite3,sys; print(sqlite3.connect(sys.argv[1]).execute("select count(*) from runs").fetchone()[0])' "$d/history.db" 2>/dev/null)
[[ "$n" == 8 ]] && ok "every judged run is recorded in history.db" || flag "every judged run is recorded (got '$n' runs)"
for i in 8 9 10; do
  "$gate" --mode stored --dir "$d" --bin-dir "$build" --results "$work/h$i.json" --fail-on-change >/dev/null 2>&1
done
out=$("$gate" --mode stored --dir "$d" --bin-dir "$build" --results "$work/h11.json" 2>&1); rc=$?
[[ $rc -eq 0 ]] && ok "without --fail-on-change the history does not fail the gate" ||
  flag "without --fail-on-change the history does not fail the gate (rc $rc)"
gb_file "$work/h12.json" 1204 500
out=$("$gate" --mode stored --dir "$d" --bin-dir "$build" --results "$work/h12.json" --fail-on-change 2>&1); rc=$?
[[ $rc -eq 1 ]] && grep -q "CHANGE POINT" <<<"$out" && grep -q "Case/A" <<<"$out" &&
  ok "--fail-on-change fails on a regression starting in the newest runs" ||
  flag "--fail-on-change fails on a regression starting in the newest runs (rc $rc: $out)"

# 13. Every metric is judged on its own: a case whose wall time held but whose CPU per task grew
#     20% (a neighbour hid the extra work in wall time) fails the gate on cpu_ns_per_task, and
#     the report has a section per metric; --metric real_time alone passes it; a metric no case
#     has (files without the counter) is passed over with a note, not refused.
gb_file "$work/cpu_base.json" 1000 500 100
gb_file "$work/cpu_slow.json" 1000 500 120
d="$work/d13"; mkdir -p "$d"; cp "$work/cpu_base.json" "$d/baseline.json"
out=$("$gate" --mode stored --dir "$d" --bin-dir "$build" --results "$work/cpu_slow.json" 2>&1); rc=$?
report=$(ls "$d"/*.md 2>/dev/null | head -n 1)
[[ $rc -eq 1 && -n "$report" ]] && grep -q '^## CPU per task: `cpu_ns_per_task`' "$report" &&
  grep -q '^## Wall time: `real_time`' "$report" &&
  [[ $(grep -c '| `Case/A` | .* | \*\*regressed\*\* |' "$report") -eq 1 ]] &&
  grep -q 'real_time: 0 regressed.*; cpu_ns_per_task: 1 regressed' <<<"$out" &&
  ok "more CPU per task at the same wall time fails the gate on cpu_ns_per_task" ||
  flag "more CPU per task at the same wall time fails the gate on cpu_ns_per_task (rc $rc: $out)"
d="$work/d13b"; mkdir -p "$d"; cp "$work/cpu_base.json" "$d/baseline.json"
"$gate" --mode stored --dir "$d" --bin-dir "$build" --results "$work/cpu_slow.json" --metric real_time >/dev/null 2>&1
rc=$?; [[ $rc -eq 0 ]] && ok "--metric real_time judges wall time alone" ||
  flag "--metric real_time judges wall time alone (got $rc)"
d="$work/d13c"; mkdir -p "$d"; cp "$work/base.json" "$d/baseline.json"
out=$("$gate" --mode stored --dir "$d" --bin-dir "$build" --results "$work/same.json" 2>&1); rc=$?
[[ $rc -eq 0 ]] && grep -q 'cpu_ns_per_task: not judged (no case has it)' <<<"$out" &&
  ok "a metric no case has is passed over with a note" ||
  flag "a metric no case has is passed over with a note (rc $rc: $out)"
out=$("$gate" --mode stored --dir "$d" --bin-dir "$build" --results "$work/same.json" --metric 'a b' 2>&1); rc=$?
[[ $rc -eq 2 && $(wc -l <<<"$out") -eq 1 && "$out" == *"--metric=a b"* ]] &&
  ok "a bad --metric exits 2 with one line" || flag "a bad --metric exits 2 with one line (rc $rc: $out)"

# 14. ab mode end to end, with the base's build given (--base-bin-dir: nothing is built): the
#     samples are taken in rounds and kept (one file per sample and side), the report judges
#     each metric paired, and the new side is recorded in the history. The same build on both
#     sides is an A/A pair; its verdict is whatever the noise says, exit 0 or 1, never 2.
d="$work/d14"
if ! git -C "$top" rev-parse --verify --quiet HEAD >/dev/null; then
  echo "skip - ab mode needs a git work tree for --base-rev ($top is none)"
else
out=$("$gate" --mode ab --base-rev HEAD --base-bin-dir "$build" --bin-dir "$build" --dir "$d" \
  --filter '^Sequential/Empty/' --min-time 0.01 --repetitions 9 2>&1); rc=$?
report=$(ls "$d"/*.md 2>/dev/null | head -n 1)
nbase=$(ls "$d"/*-ab/base-*.json 2>/dev/null | wc -l) nnew=$(ls "$d"/*-ab/new-*.json 2>/dev/null | wc -l)
[[ ($rc -eq 0 || $rc -eq 1) && -n "$report" && $nbase -eq 9 && $nnew -eq 9 ]] &&
  grep -q '^## Wall time: `real_time`' "$report" && grep -q '^## CPU per task: `cpu_ns_per_task`' "$report" &&
  [[ $(grep -c 'paired rounds (signed-rank test' "$report") -eq 2 ]] && [[ -s "$d/history.db" ]] &&
  ok "ab mode takes 9 rounds, judges both metrics paired and records the run" ||
  flag "ab mode takes 9 rounds, judges both metrics paired and records the run (rc $rc, $nbase/$nnew files: $out)"
fi

echo "$passes passed, $failures failed"
[[ $failures -eq 0 ]]
