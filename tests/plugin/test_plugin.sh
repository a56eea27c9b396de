#!/usr/bin/env bash
# test_plugin.sh - workloads from plugins, with the stock pcbench.
#
#   1. a good plugin (Test.count) is listed under every strategy CPU.hash is, and a quick run of
#      all its cases passes every check, through --pcb_plugin and through PCB_PLUGIN; the JSON
#      context names the plugin; `pcbench run --plugin` runs it and checks its digest;
#   2. every refusal is one line naming the plugin (or its workload) and exit status 2: a
#      missing file, a folder, a file that is no shared object, no PCB_PLUGIN(), another
#      interface version, a duplicate name, a name without a family, a bad parameter, a plugin
#      given twice; the same through PCB_PLUGIN and `pcbench run --plugin`;
#   3. a non-deterministic workload fails its cases by name ("Test.clock is not
#      deterministic"), and so do one whose input depends on the time and one whose digest
#      depends on an address (it differs between threads); `pcbench run` exits 1;
#   4. figures that cannot be true of honest CPU work (a speedup above the CPUs) carry a
#      warning in the JSON, the summary and the report, and the cases still pass; an honest
#      plugin's cases carry none;
#   5. a process the workload starts in case_setup() (as IO.net starts its server) is in the
#      case's peak RSS and PSS, and not in the pool's own PSS; an input is released after its
#      last case, so the cases after it do not carry it;
#   6. a plugin task that crashes a worker process fails its case, and the run goes on;
#   7. pcbench-report and compare read the plugin's results like any others.
#
# usage: test_plugin.sh PCBENCH PLUGIN_DIR HASH_PLUGIN [SANITIZER]
set -u
PCBENCH=$1
DIR=$2
HASH=$3
SANITIZER=${4:-} # the build's sanitizer, "" for none
WORK=$(mktemp -d "$PWD/test_plugin.XXXXXX") || exit 1
trap 'rm -rf "$WORK"' EXIT
. "$(dirname "$0")/../lib.sh"

GOOD=$DIR/plugin_good.so
QUICK=(--pcb_profile=quick --pcb_tasks=8 --benchmark_min_time=0.005 --benchmark_min_warmup_time=0)

# run NAME ARGS...: runs pcbench, stdout to $WORK/NAME.out, stderr to $WORK/NAME.err; sets rc.
run() {
    local name=$1
    shift
    rc=0
    "$@" >"$WORK/$name.out" 2>"$WORK/$name.err" || rc=$?
}

# refused NAME EXPECTED-LINE ARGS...: exit status 2 and exactly one line on stderr, EXPECTED-LINE
# (a grep -E pattern, anchored).
refused() {
    local name=$1 want=$2
    shift 2
    run "$name" "$@"
    [ "$rc" -eq 2 ] || { flag "$name: exit status $rc, expected 2: $(head -n 3 "$WORK/$name.err")"; return; }
    [ "$(wc -l <"$WORK/$name.err")" -eq 1 ] || flag "$name: expected one line on stderr: $(cat "$WORK/$name.err")"
    grep -Eq "^$want\$" "$WORK/$name.err" || flag "$name: got '$(cat "$WORK/$name.err")', expected '$want'"
}

# --- 1. a good plugin ---
strategies=$("$PCBENCH" --benchmark_list_tests --benchmark_filter='^[A-Za-z]+/CPU\.hash/' 2>/dev/null |
    cut -d/ -f1 | sort -u | tr '\n' ' ')
[ -n "$strategies" ] || fail "pcbench lists no CPU.hash case"
got=$("$PCBENCH" --pcb_plugin="$GOOD" --benchmark_list_tests --benchmark_filter='/Test\.count/' 2>/dev/null |
    cut -d/ -f1 | sort -u | tr '\n' ' ')
[ "$got" = "$strategies" ] || flag "Test.count runs under '$got', CPU.hash under '$strategies'"
got=$(PCB_PLUGIN="$GOOD:$HASH" "$PCBENCH" --benchmark_list_tests --benchmark_filter='/(Test\.count|Plugin\.hash)/' 2>/dev/null |
    cut -d/ -f2 | sort -u | tr '\n' ' ')
[ "$got" = "Plugin.hash Test.count " ] || flag "PCB_PLUGIN with two plugins lists '$got'"

run good "$PCBENCH" --pcb_plugin="$GOOD" "${QUICK[@]}" --benchmark_filter='/Test\.count/' \
    --benchmark_out="$WORK/good.json"
[ "$rc" -eq 0 ] || flag "good plugin: exit status $rc: $(tail -n 3 "$WORK/good.err")"
n=$(grep -c '"run_type": "iteration"' "$WORK/good.json")
[ "$n" -ge "$(echo "$strategies" | wc -w)" ] || flag "good plugin: only $n cases ran"
grep -q '"error_occurred": true' "$WORK/good.json" && flag "good plugin: a case failed: $(grep -m1 error_message "$WORK/good.json")"
for s in $strategies; do
    grep -q "\"run_name\": \"$s/Test.count/" "$WORK/good.json" || flag "good plugin: no $s/Test.count case ran"
done
grep -q "\"pcbench_plugins\": \"$GOOD\"" "$WORK/good.json" || flag "good plugin: the JSON context does not name the plugin"
# The summary shows the plugin's workload like any other.
grep -q '^Test.count ' "$WORK/good.out" || flag "good plugin: no summary block for Test.count"

# The report and compare take a plugin's results like any others.
BIN=$(dirname "$PCBENCH")
run report "$BIN/pcbench-report" "$WORK/good.json" -o "$WORK/good-report"
[ "$rc" -eq 0 ] || flag "pcbench-report on the plugin's results: exit status $rc: $(cat "$WORK/report.err")"
grep -q '^## Test.count tasks:8 rounds:10' "$WORK/good-report/index.md" 2>/dev/null ||
    flag "the report has no section for Test.count"
run good2 "$PCBENCH" --pcb_plugin="$GOOD" "${QUICK[@]}" --benchmark_filter='^(Sequential|Threaded)/Test\.count/' \
    --benchmark_out="$WORK/good2.json"
run compare "$BIN/compare" "$WORK/good.json" "$WORK/good2.json" --filter='Threaded/Test\.count/'
{ [ "$rc" -eq 0 ] || [ "$rc" -eq 1 ]; } && grep -q 'Threaded/Test.count/workers:1/' "$WORK/compare.out" ||
    flag "compare of two runs of the plugin: exit $rc: $(head -n 3 "$WORK/compare.out" "$WORK/compare.err")"

run oneshot "$PCBENCH" run --plugin "$GOOD" --strategy Threaded --workload Test.count --workers 2 --tasks 16
[ "$rc" -eq 0 ] || flag "pcbench run --plugin: exit status $rc: $(cat "$WORK/oneshot.err")"
grep -Eq '^  digest +0x[0-9a-f]{16} matches' "$WORK/oneshot.out" ||
    flag "pcbench run --plugin: no matching digest: $(cat "$WORK/oneshot.out")"
run oneshot_env env PCB_PLUGIN="$GOOD" "$PCBENCH" run --strategy Multiprocess --workload Test.count --tasks 16
[ "$rc" -eq 0 ] || flag "PCB_PLUGIN with pcbench run: exit status $rc: $(cat "$WORK/oneshot_env.err")"

# --- 2. refusals ---
LOAD="expected the path of a shared object with PCB_PLUGIN\(\) in it"
refused missing "pcbench: --pcb_plugin=$WORK/none\.so: No such file or directory; $LOAD" \
    "$PCBENCH" --pcb_plugin="$WORK/none.so" --benchmark_list_tests
refused folder "pcbench: --pcb_plugin=$WORK: not a regular file; $LOAD" \
    "$PCBENCH" --pcb_plugin="$WORK" --benchmark_list_tests
echo "not a shared object" >"$WORK/text.so"
refused not_elf "pcbench: --pcb_plugin=$WORK/text\.so: cannot load it: .*" \
    "$PCBENCH" --pcb_plugin="$WORK/text.so" --benchmark_list_tests
refused no_symbol "pcbench: --pcb_plugin=$DIR/plugin_no_symbol\.so: no PCB_PLUGIN\(\) in it \(no symbol pcb_plugin\): not a pcbench plugin" \
    "$PCBENCH" --pcb_plugin="$DIR/plugin_no_symbol.so" --benchmark_list_tests
refused wrong_abi "pcbench: --pcb_plugin=$DIR/plugin_wrong_abi\.so: built for plugin interface version 2 \(workloads of [0-9]+ bytes\), and this pcbench has version 1 \([0-9]+ bytes\): rebuild it against this pcbench's pcbench\.h" \
    "$PCBENCH" --pcb_plugin="$DIR/plugin_wrong_abi.so" --benchmark_list_tests
refused duplicate "pcbench: --pcb_plugin=$DIR/plugin_duplicate\.so: workload CPU\.hash: a workload of that name exists already" \
    "$PCBENCH" --pcb_plugin="$DIR/plugin_duplicate.so" --benchmark_list_tests
refused bad_name "pcbench: --pcb_plugin=$DIR/plugin_bad_name\.so: workload count: its name must be Family\.name: .*" \
    "$PCBENCH" --pcb_plugin="$DIR/plugin_bad_name.so" --benchmark_list_tests
refused bad_param "pcbench: --pcb_plugin=$DIR/plugin_bad_param\.so: workload Test\.count: parameter 0: .*" \
    "$PCBENCH" --pcb_plugin="$DIR/plugin_bad_param.so" --benchmark_list_tests
refused twice "pcbench: --pcb_plugin=$GOOD: this plugin is loaded already: give it once" \
    "$PCBENCH" --pcb_plugin="$GOOD" --pcb_plugin="$GOOD" --benchmark_list_tests
refused env_missing "pcbench: PCB_PLUGIN=$WORK/none\.so: No such file or directory; $LOAD" \
    env PCB_PLUGIN="$WORK/none.so" "$PCBENCH" --benchmark_list_tests
refused run_no_symbol "pcbench run: --plugin=$DIR/plugin_no_symbol\.so: no PCB_PLUGIN\(\) in it \(no symbol pcb_plugin\): not a pcbench plugin" \
    "$PCBENCH" run --plugin "$DIR/plugin_no_symbol.so" --strategy Threaded --workload Test.count
# A refused plugin leaves nothing behind: no result file, not even a partial one.
refused no_output "pcbench: --pcb_plugin=$DIR/plugin_wrong_abi\.so: .*" \
    "$PCBENCH" --pcb_plugin="$DIR/plugin_wrong_abi.so" --benchmark_out="$WORK/never.json"
ls "$WORK"/never.json* >/dev/null 2>&1 && flag "a refused plugin left a result file"

# --- 3. non-deterministic digests ---
for kind in nondet:Test.clock:"then 0x[0-9a-f]{16} on the same input" \
    nondet_input:Test.seedless:"and 0x[0-9a-f]{16} on a second input prepared from the same parameters and seed" \
    nondet_addr:Test.address:"(and 0x[0-9a-f]{16} in another thread|then 0x[0-9a-f]{16}) on the same input"; do
    IFS=: read -r file wl why <<<"$kind"
    run "$file" "$PCBENCH" --pcb_plugin="$DIR/plugin_$file.so" "${QUICK[@]}" \
        --benchmark_filter="^(Sequential|Threaded)/$wl/" --benchmark_out="$WORK/$file.json"
    [ "$rc" -eq 1 ] || flag "$wl: exit status $rc, expected 1 (failed cases)"
    n=$(grep -c '"error_occurred": true' "$WORK/$file.json")
    all=$(grep -c '"run_type": "iteration"' "$WORK/$file.json")
    [ "$n" -ge 2 ] && [ "$n" -eq "$all" ] || flag "$wl: $n of $all cases failed, expected every one"
    grep -Eq "\"error_message\": \"$wl is not deterministic: task 0 gave the digest 0x[0-9a-f]{16}, $why" "$WORK/$file.json" ||
        flag "$wl: not refused by name: $(grep -m1 error_message "$WORK/$file.json")"
    run "run_$file" "$PCBENCH" run --plugin "$DIR/plugin_$file.so" --strategy Threaded --workload "$wl"
    [ "$rc" -eq 1 ] || flag "pcbench run $wl: exit status $rc, expected 1"
    grep -Eq "^pcbench run: $wl is not deterministic: " "$WORK/run_$file.err" ||
        flag "pcbench run $wl: $(cat "$WORK/run_$file.err")"
done

# --- 4. figures that cannot be true are flagged, and the cases still pass ---
# Test.lopsided works 20 times longer in the thread that prepared its input (where Sequential
# runs): every other strategy shows a speedup far above the 2 CPUs.
run lopsided "$PCBENCH" --pcb_plugin="$DIR/plugin_lopsided.so" --pcb_tasks=8 --pcb_workers=1 \
    --benchmark_min_time=0.005 --benchmark_min_warmup_time=0 \
    --benchmark_filter='^(Sequential|Threaded|Multiprocess)/Test\.lopsided/' --benchmark_out="$WORK/lopsided.json"
[ "$rc" -eq 0 ] || flag "lopsided: exit status $rc (the cases are honest, only implausible): $(tail -n 2 "$WORK/lopsided.err")"
[ "$(grep -c '"pcb_warning": "implausible: speedup [0-9.]* on CPU work is above the [0-9]* CPUs this run may use"' "$WORK/lopsided.json")" -eq 2 ] ||
    flag "lopsided: Threaded and Multiprocess should each carry one speedup warning: $(grep pcb_warning "$WORK/lopsided.json")"
grep -A40 '"run_name": "Sequential/Test.lopsided/' "$WORK/lopsided.json" | sed '/^    }/q' | grep -q pcb_warning &&
    flag "lopsided: Sequential itself carries a warning"
grep -Eq '^! Threaded +1 ' "$WORK/lopsided.out" && grep -Eq '^  ! Multiprocess 1: implausible: speedup ' "$WORK/lopsided.out" ||
    flag "lopsided: the summary does not mark the flagged rows: $(grep -A6 '^Test.lopsided' "$WORK/lopsided.out")"
run lopsided_report "$BIN/pcbench-report" "$WORK/lopsided.json" -o "$WORK/lopsided-report"
grep -q '^- ⚠ Threaded at 1 worker: implausible: speedup ' "$WORK/lopsided-report/index.md" 2>/dev/null ||
    flag "lopsided: the report does not show the warning"
# Batches of honest work too short to judge (Sequential's under 1 ms: the good plugin's are a
# few microseconds) carry no warning, whatever the noise.
grep -q pcb_warning "$WORK/good.json" && flag "the good plugin's cases carry a warning: $(grep -m1 pcb_warning "$WORK/good.json")"

# --- 5. processes a workload starts for its cases are measured with the pool ---
# Test.helper's case_setup() starts a process holding 48 MiB (as IO.net starts its server).
run helper "$PCBENCH" --pcb_plugin="$DIR/plugin_helper.so" "${QUICK[@]}" \
    --benchmark_filter='^(Sequential|Threaded)/Test\.helper/' --benchmark_format=json
[ "$rc" -eq 0 ] || flag "helper: exit status $rc: $(tail -n 2 "$WORK/helper.err")"
for key in peak_rss_bytes pss_bytes; do
    n=$(grep -c "\"$key\": " "$WORK/helper.out")
    small=$(awk -v k="\"$key\":" '$1 == k { v = $2; sub(/,$/, "", v); if (v + 0 < 48 * 1048576) n++ } END { print n + 0 }' "$WORK/helper.out")
    [ "$n" -ge 2 ] && [ "$small" -eq 0 ] ||
        flag "helper: $key must count the helper's 48 MiB in every case ($small of $n below)"
done
# The pool's own PSS leaves out what was there before the pool started, the helper included.
big=$(awk '$1 == "\"pool_pss_bytes\":" { v = $2; sub(/,$/, "", v); if (v + 0 >= 48 * 1048576) n++; seen++ } END { print (seen ? n + 0 : -1) }' "$WORK/helper.out")
[ "$big" -eq 0 ] || flag "helper: pool_pss_bytes must leave the helper's 48 MiB out ($big cases hold it; -1: no such counter)"

# An input is released after its last case: Test.big's 64 MiB is in its own case's PSS and in
# none of Test.count's, which run after it.
run big "$PCBENCH" --pcb_plugin="$DIR/plugin_big_input.so" --pcb_plugin="$GOOD" "${QUICK[@]}" \
    --benchmark_filter='^Sequential/Test\.(big|count)/' --benchmark_format=json
[ "$rc" -eq 0 ] || flag "big: exit status $rc: $(tail -n 2 "$WORK/big.err")"
pss_of() { # pss_of WORKLOAD: the pss_bytes of its Sequential case in big.out
    awk -v w="\"run_name\": \"Sequential/$1/" 'index($0, w) { on = 1 } on && $1 == "\"pss_bytes\":" { v = $2; sub(/,$/, "", v); print v + 0; exit }' "$WORK/big.out"
}
big=$(pss_of Test.big) count=$(pss_of Test.count)
if [ -n "$SANITIZER" ]; then
    # A sanitizer's allocator keeps freed memory (ASan's quarantine), so PSS cannot show it.
    echo "SKIP: the released input's PSS under the $SANITIZER sanitizer (its allocator keeps freed memory)"
else
    awk -v b="${big:-0}" -v c="${count:-0}" 'BEGIN { exit !(b >= 64 * 1048576 && c > 0 && c < 32 * 1048576) }' ||
        flag "big: Test.big's PSS $big must hold its 64 MiB input, Test.count's $count (after it) must not"
fi

# --- 6. a crashing plugin task ---
run crash "$PCBENCH" --pcb_plugin="$DIR/plugin_crash.so" "${QUICK[@]}" --pcb_workers=2 \
    --benchmark_filter='^(Multiprocess|Sequential)/Test\.crash/' --benchmark_out="$WORK/crash.json"
[ "$rc" -eq 1 ] || flag "crash: exit status $rc, expected 1"
grep -Eq '"error_message": "Multiprocess pool broke: a worker process died: worker [0-9]+ \(pid [0-9]+\) was killed by signal 11 \(SIGSEGV\) while running task 3' "$WORK/crash.json" ||
    flag "crash: the Multiprocess case does not say which task crashed: $(grep -m1 error_message "$WORK/crash.json")"
grep -q '"run_name": "Sequential/Test.crash/' "$WORK/crash.json" || flag "crash: the run did not go on"

exit $((failures > 0))
