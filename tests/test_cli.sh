#!/usr/bin/env bash
# test_cli.sh - pins down pcbench's command line: what it lists, what it rejects, what it leaves.
#
# Listing: the filter 'Threaded.*CPU' lists only Threaded/CPU.* cases, whose worker counts are
# the default CPU sweep (1..2x the CPUs this process may use, at most 16 values): every CPU
# workload has it whole for its main parameter set, and no case has a count outside it;
# --pcb_workers replaces the sweep exactly, for every case; '^Multiprocess/' and 'workers:2/'
# select only what they name; the quick profile has every strategy x workload pair of the
# --help lists; --pcb_param and PCB_PARAM set a workload's values. Bad input (each bad --pcb_
# value, an unknown --pcb_ or --benchmark_ flag, a bad PCB_* variable) exits 2 with exactly one
# line on stderr naming the option or variable, nothing on stdout and no process left. --help
# exits 0 and names every --pcb_ option. A valid run exits 0, fails no case and leaves no
# process; a JSON run with repetitions is valid JSON with no error, mean/median/stddev/cv
# aggregates for every case, and pcbench's context keys.
#
# usage: test_cli.sh PATH/TO/pcbench PATH/TO/pcb_json_check [NAME_PART]   (only matching tests)
# Each test runs in its own process under `timeout`; temporary files live in a directory under
# the current (build) directory and are removed on exit.
set -u

PCBENCH=$1
JSON_CHECK=$2
WORK=$(mktemp -d "$PWD/test_cli.XXXXXX") || exit 1
trap 'rm -rf "$WORK"' EXIT
# A marker no other process has: every pcbench run here carries it as argv[0], and forked
# workers inherit it, so `pgrep -f` finds anything a run left behind.
MARK="pcbench-cli-test-$$-$RANDOM"
TEST_TIMEOUT=60
export PCBENCH JSON_CHECK WORK MARK

# Small sizes for the runs that execute cases (no --pcb_param here: that option has its own
# test, and a run should not fail for another option's sake).
SMALL=(--pcb_tasks=4 --benchmark_min_time=0.01 --benchmark_min_warmup_time=0)

. "$(dirname "$0")/lib.sh" # fail

# Runs pcbench under the marker, with a clean PCB_* environment plus "$ENV_EXTRA"; stdout to
# $WORK/out, stderr to $WORK/err; returns its status.
pcb() {
    (
        for v in $(compgen -e | grep '^PCB_'); do unset "$v"; done
        if [ -n "${ENV_EXTRA:-}" ]; then export "${ENV_EXTRA?}"; fi
        exec -a "$MARK" "$PCBENCH" "$@"
    ) >"$WORK/out" 2>"$WORK/err" </dev/null
}

assert_no_process_left() {
    local left
    left=$(pgrep -f -- "$MARK")
    [ -z "$left" ] || fail "$1: process(es) left behind: $left"
}

# Names in the --help section that starts with a line matching $1: the first word of each
# line indented by exactly two spaces, up to the next blank line.
help_section() {
    awk -v head="$1" '$0 ~ head {f = 1; next} /^$/ {f = 0} f && /^  [^ ]/ {print $1}' \
        "$WORK/help"
}

test_help_exits_0_and_names_every_pcb_option() {
    local var opt
    pcb --help || fail "--help exited $?"
    for opt in workers tasks chunk param seed profile timer_slack_ns pin help; do
        grep -q -- "--pcb_$opt" "$WORK/out" || fail "--help does not mention --pcb_$opt"
    done
    # Every environment variable it names has its --pcb_ option named too.
    for var in $(grep -o '\[PCB_[A-Z_]*\]' "$WORK/out" | tr -d '[]' | sort -u); do
        opt=$(echo "${var#PCB_}" | tr 'A-Z' 'a-z')
        grep -q -- "--pcb_$opt" "$WORK/out" || fail "--help names $var but not --pcb_$opt"
    done
    assert_no_process_left "--help"
}

# Checks the worker axis of the cases in $WORK/out against the list "$2" (space-separated).
# Cases that differ only in workers:K form one group. Mode "exact" ($1): every group's worker
# counts, sorted, are exactly the list. Mode "sweep": every group's counts are drawn from the
# list, each once, and for every workload at least one group (its main parameter set) has the
# whole list. (Secondary parameter sets may be swept at fewer points.)
assert_worker_sweep() {
    local bad
    bad=$(awk -v mode="$1" -v want="$2" '
        BEGIN { nw = split(want, w, " "); for (i = 1; i <= nw; i++) inwant[w[i]] = 1 }
        {
            key = $0
            if (!match(key, /\/workers:[0-9]+\//)) { print "no workers axis: " $0; next }
            k = substr(key, RSTART + 9, RLENGTH - 10)
            key = substr(key, 1, RSTART) "workers:*" substr(key, RSTART + RLENGTH - 1)
            ks[key] = ks[key] " " k
        }
        END {
            for (key in ks) {
                n = split(substr(ks[key], 2), a, " ")
                for (i = 2; i <= n; i++)
                    for (j = i; j > 1 && a[j - 1] + 0 > a[j] + 0; j--) { t = a[j]; a[j] = a[j - 1]; a[j - 1] = t }
                got = a[1]
                for (i = 2; i <= n; i++) got = got " " a[i]
                split(key, parts, "/")
                wl = parts[2]
                seen[wl] = 1
                if (got == want) { full[wl] = 1; continue }
                if (mode == "exact") { print key ": workers " got ", want " want; continue }
                for (i = 1; i <= n; i++) {
                    if (!(a[i] in inwant)) print key ": worker count " a[i] " is not in " want
                    if (i > 1 && a[i] == a[i - 1]) print key ": worker count " a[i] " twice"
                }
            }
            for (wl in seen)
                if (!(wl in full)) print wl ": no parameter set has the whole sweep " want
        }' "$WORK/out")
    [ -z "$bad" ] || fail "worker sweep: $bad"
}

test_cpu_filter_lists_the_default_worker_sweep() {
    local cpus want
    cpus=$(nproc)
    want=$((2 * cpus > 16 ? 16 : 2 * cpus))
    pcb --benchmark_list_tests --benchmark_filter='Threaded.*CPU' || fail "list exited $?"
    [ -s "$WORK/out" ] || fail "nothing listed"
    if grep -v '^Threaded/CPU\.' "$WORK/out"; then fail "names above do not start Threaded/CPU."; fi
    assert_worker_sweep sweep "$(seq -s ' ' 1 "$want")"
}

test_workers_option_replaces_the_sweep_exactly() {
    pcb --benchmark_list_tests --benchmark_filter='Threaded.*CPU' --pcb_workers=1,2,4 ||
        fail "list exited $?"
    [ -s "$WORK/out" ] || fail "nothing listed"
    assert_worker_sweep exact "1 2 4"
}

test_multiprocess_filter_lists_only_multiprocess() {
    pcb --benchmark_list_tests --benchmark_filter='^Multiprocess/' || fail "list exited $?"
    [ -s "$WORK/out" ] || fail "nothing listed"
    if grep -v '^Multiprocess/' "$WORK/out"; then fail "names above are not Multiprocess/"; fi
}

test_workers_filter_lists_only_that_worker_count() {
    pcb --benchmark_list_tests --benchmark_filter='workers:2/' || fail "list exited $?"
    [ -s "$WORK/out" ] || fail "nothing listed"
    if grep -v '/workers:2/' "$WORK/out"; then fail "names above are not workers:2"; fi
}

test_quick_profile_lists_every_strategy_workload_pair() {
    pcb --help || fail "--help exited $?"
    cp "$WORK/out" "$WORK/help"
    local strategies workloads
    strategies=$(help_section '^Strategies:')
    workloads=$(help_section '^Workloads')
    [ -n "$strategies" ] || fail "no strategies in --help"
    [ -n "$workloads" ] || fail "no workloads in --help"
    pcb --benchmark_list_tests --pcb_profile=quick || fail "list exited $?"
    for s in $strategies; do
        for w in $workloads; do
            awk -v p="$s/$w/" 'index($0, p) == 1 {found = 1} END {exit !found}' "$WORK/out" ||
                fail "quick profile has no $s/$w/ case"
        done
    done
}

# --pcb_param (and PCB_PARAM) replace a workload parameter's values, and the case names say so.
test_param_option_sets_the_workload_values() {
    pcb --benchmark_list_tests --benchmark_filter='^Sequential/CPU' --pcb_param=kib=4,64 ||
        fail "--pcb_param=kib=4,64 exited $? ($(cat "$WORK/err"))"
    got=$(grep -o '/kib:[0-9]*/' "$WORK/out" | tr -dc '0-9\n' | sort -n | tr '\n' ' ')
    [ "$got" = "4 64 " ] || fail "kib values '$got', want '4 64'"
    ENV_EXTRA=PCB_PARAM=latency_us=50 pcb --benchmark_list_tests --benchmark_filter='IO.sleep' ||
        fail "PCB_PARAM=latency_us=50 exited $? ($(cat "$WORK/err"))"
    [ -s "$WORK/out" ] || fail "nothing listed"
    if grep -v '/latency_us:50/' "$WORK/out"; then fail "names above are not latency_us:50"; fi
    pcb --pcb_param=kib=4 --pcb_param=latency_us=50 --pcb_tasks=16 --pcb_profile=quick \
        --benchmark_filter='^Threaded/' --benchmark_min_time=0.01 --benchmark_format=json ||
        fail "a quick run with small parameters exited $? ($(cat "$WORK/err"))"
    "$JSON_CHECK" "$WORK/out" --no-errors || fail "the run's JSON failed the check"
    assert_no_process_left "--pcb_param run"
}

# Each bad input: the argument, or VAR=value for an environment variable.
BAD_INPUTS=(
    --pcb_workers=0 --pcb_workers=-1 --pcb_workers=abc --pcb_workers=99999999
    --pcb_workers=1,,2 --pcb_workers=1,1 --pcb_workers= --pcb_tasks=0
    --pcb_tasks=18446744073709551616 --pcb_chunk=0 --pcb_seed=-1 --pcb_seed=1x
    --pcb_profile=slow --pcb_bogus=1 --pcb_workers --pcb_param=nope=1 --pcb_param=kib=0
    --pcb_param=kib --pcb_timer_slack_ns=0 --benchmark_nonsense=1
    --benchmark_repetitions=-1 --benchmark_repetitions=0 --v=-1 --benchmark_time_unit=xx
    --benchmark_report_aggregates_only=maybe --benchmark_context=nokey
    PCB_WORKERS=0 PCB_TASKS=x
)

# Named parameter values read as names, in --pcb_param and in case names; numbers still work.
test_named_parameter_values_read_as_names() {
    pcb --benchmark_list_tests --benchmark_filter='^Sequential/Mem.alloc' \
        --pcb_param=alloc=jemalloc || fail "--pcb_param=alloc=jemalloc exited $? ($(cat "$WORK/err"))"
    [ -s "$WORK/out" ] || fail "nothing listed"
    if grep -v '/alloc:jemalloc/' "$WORK/out"; then fail "names above are not alloc:jemalloc"; fi
    pcb --benchmark_list_tests --benchmark_filter='^Sequential/Mem.alloc' --pcb_param=alloc=0 ||
        fail "--pcb_param=alloc=0 exited $?"
    if grep -v '/alloc:glibc/' "$WORK/out"; then fail "alloc=0 did not list alloc:glibc"; fi
    pcb --benchmark_list_tests --pcb_param=alloc=tcmalloc && fail "alloc=tcmalloc was accepted"
    grep -q 'one of glibc or jemalloc' "$WORK/err" || fail "alloc=tcmalloc: $(cat "$WORK/err")"
}

# A case has one name under every profile and flag: no min_time:, min_warmup_time:,
# iterations: or repeats: part (the families set their own minimum time), and a filter
# anchored at the end of a family's name selects it.
test_names_carry_no_tuning_under_any_profile() {
    local p
    for p in default quick; do
        pcb --benchmark_list_tests --pcb_profile=$p || fail "--pcb_profile=$p exited $?"
        [ -s "$WORK/out" ] || fail "$p: nothing listed"
        if grep -E 'min_time|min_warmup_time|iterations:|repeats:' "$WORK/out"; then
            fail "$p: names above carry tuning"
        fi
    done
    pcb --benchmark_list_tests --benchmark_filter='^Floor/futex_pingpong/processes/real_time$' ||
        fail "an anchored family filter exited $? ($(cat "$WORK/err"))"
    [ "$(cat "$WORK/out")" = "Floor/futex_pingpong/processes/real_time" ] ||
        fail "anchored filter listed: $(cat "$WORK/out")"
}

test_bad_input_exits_2_with_one_line_naming_it() {
    local input name rc
    for input in "${BAD_INPUTS[@]}"; do
        if [[ $input == --* ]]; then
            name=${input%%=*}
            ENV_EXTRA= pcb "$input"
        else
            name=${input%%=*}
            ENV_EXTRA=$input pcb
        fi
        rc=$?
        [ "$rc" -eq 2 ] || fail "$input: exit status $rc, want 2"
        [ ! -s "$WORK/out" ] || fail "$input: printed on stdout: $(head -c 200 "$WORK/out")"
        [ "$(wc -l <"$WORK/err")" -eq 1 ] ||
            fail "$input: want exactly one line on stderr, got: $(cat "$WORK/err")"
        grep -q -F -- "$name" "$WORK/err" || fail "$input: stderr does not name $name"
        assert_no_process_left "$input"
    done
}

# A bad value must be refused even when it comes after valid ones and with a filter that
# would run something.
test_bad_input_after_valid_options_still_runs_nothing() {
    pcb --benchmark_filter='^Multiprocess/' --pcb_profile=quick --pcb_workers=2 --pcb_chunk=0
    rc=$?
    [ "$rc" -eq 2 ] || fail "exit status $rc, want 2"
    [ ! -s "$WORK/out" ] || fail "printed on stdout"
    grep -q -- "--pcb_chunk" "$WORK/err" || fail "stderr does not name --pcb_chunk"
    assert_no_process_left "bad chunk after valid options"
}

test_valid_multiprocess_run_exits_0_and_leaves_no_process() {
    pcb --pcb_profile=quick --benchmark_filter='^Multiprocess/' --benchmark_min_time=0.01 \
        --benchmark_format=json || fail "exited $? ($(tail -n 3 "$WORK/err"))"
    assert_no_process_left "valid Multiprocess run"
    "$JSON_CHECK" "$WORK/out" --no-errors || fail "the run's JSON failed the check"
    grep -q '"name": "Multiprocess/' "$WORK/out" || fail "no Multiprocess case ran"
}

test_json_run_with_repetitions_has_aggregates_and_context() {
    pcb --benchmark_filter='Threaded.*CPU' --benchmark_repetitions=3 --benchmark_format=json \
        "${SMALL[@]}" || fail "exited $? ($(tail -n 3 "$WORK/err"))"
    assert_no_process_left "JSON run"
    "$JSON_CHECK" "$WORK/out" --no-errors --aggregates=mean,median,stddev,cv \
        --context=pcbench_version,pcbench_commit,pcbench_compiler,pcbench_build_type,pcbench_allocator,pcbench_virtualized,pcbench_cpu_affinity,pcbench_gbench_library,pcbench_timer_slack_ns,library_build_type ||
        fail "the JSON failed the check"
    n=$(grep -c '"run_type": "iteration"' "$WORK/out")
    want=$((3 * $(grep -c '"aggregate_name": "mean"' "$WORK/out")))
    [ "$n" -eq "$want" ] || fail "$n iteration runs, want 3 per case ($want)"
}

# The summary puts PSS beside peak RSS; a pool of processes shares its copy-on-write pages, so
# its PSS (shared pages split) is below its peak RSS (shared pages counted in every process).
test_summary_shows_pss_beside_peak_rss() {
    pcb --benchmark_filter='^(Sequential|Multiprocess)/CPU\.hash/' --pcb_workers=2 "${SMALL[@]}" ||
        fail "exited $? ($(tail -n 3 "$WORK/err"))"
    grep -Eq '^  strategy +workers +conc\. +chunk +time/batch +items/s +speedup +effic\. +cores +peak RSS +PSS$' "$WORK/out" ||
        fail "no PSS column in the summary: $(grep -m1 '^  strategy' "$WORK/out")"
    # A row starts with '!' when its figures were flagged implausible (noise on a shared machine
    # can flag an honest one), else with a space.
    row=$(grep -E '^[ !] Multiprocess +2 ' "$WORK/out") || fail "no Multiprocess row at 2 workers: $(cat "$WORK/out")"
    read -r rss pss <<<"$(awk '{ print $(NF-3), $(NF-1) }' <<<"$row")"
    awk -v r="$rss" -v p="$pss" 'BEGIN { exit !(p > 0 && r > 0 && p < r) }' ||
        fail "Multiprocess at 2 workers: PSS $pss MiB should be above 0 and below peak RSS $rss MiB: $row"
}

# Concurrency is its own axis: every matrix case carries `workers` (threads or processes; P x T
# for Hybrid; tasks in flight for Async), `concurrency` (the most tasks in flight: K for the
# pools and Async, P x T x 64 for Hybrid on waiting work, P x T on CPU work), `threads_used`
# (threads that ran tasks) and `processes_used` (the processes those threads are in: pcbench's
# own when its threads ran them), and its kind of work in "pcb_work". One small run of every
# strategy at K = 2 on waiting and on CPU work; the values are written out per strategy here.
test_every_strategy_reports_concurrency_threads_and_processes() {
    pcb --benchmark_filter='^[A-Za-z]+/(IO\.sleep|CPU\.hash)/' --pcb_profile=quick --pcb_workers=2 \
        --pcb_param=latency_us=100 --pcb_param=kib=4 --benchmark_format=json "${SMALL[@]}" ||
        fail "exited $? ($(tail -n 3 "$WORK/err"))"
    python3 - "$WORK/out" <<'PY' || fail "counters are wrong (above)"
import json, sys
# strategy: (workers, concurrency on IO.sleep, concurrency on CPU.hash, threads_used,
# processes_used) at --pcb_workers=2 (Hybrid: procs:2/threads:2, its quick variant).
want = {
    "Sequential": (1, 1, 1, 1, 1), "AsyncBlocking": (1, 1, 1, 1, 1),
    "Threaded": (2, 2, 2, 2, 1), "Partitioned": (2, 2, 2, 2, 1), "OpenMP": (2, 2, 2, 2, 1),
    "Multiprocess": (2, 2, 2, 2, 2), "MasterWorker": (2, 2, 2, 2, 2),
    "Async": (2, 2, 2, 1, 1), "Hybrid": (4, 256, 4, 4, 2),
}
seen = set()
for b in json.load(open(sys.argv[1]))["benchmarks"]:
    name = b["name"]
    strategy, workload = name.split("/")[:2]
    if b.get("error_occurred"):
        sys.exit(f"{name} failed: {b.get('error_message')}")
    w, cw, cc, t, p = want[strategy]
    waiting = workload == "IO.sleep"
    got = tuple(b.get(k) for k in ("workers", "concurrency", "threads_used", "processes_used"))
    exp = (w, cw if waiting else cc, t, p)
    if got != exp:
        sys.exit(f"{name}: workers, concurrency, threads_used, processes_used = {got}, want {exp}")
    if b.get("pcb_work") != ("wait" if waiting else "cpu"):
        sys.exit(f"{name}: pcb_work {b.get('pcb_work')!r}")
    if strategy == "Hybrid" and ("/depth:64/" in name) != waiting:
        sys.exit(f"{name}: depth:64 belongs in Hybrid's names on waiting work only")
    seen.add((strategy, workload))
missing = {(s, w) for s in want for w in ("IO.sleep", "CPU.hash")} - seen
if missing:
    sys.exit(f"no case of {sorted(missing)}")
PY
}

# Efficiency has one definition (benches/common/efficiency.h): speedup / min(workers, CPUs) on
# CPU work, speedup / concurrency on waiting work. The summary's columns say which: Hybrid
# procs:1/threads:2 on IO.sleep keeps 128 in flight, and its efficiency is its speedup / 128
# (at most about 1), not / 2; Threaded at 2 workers on CPU.hash is its speedup / min(2, CPUs).
# Tasks of 1 MiB keep the speedup well above the summary's 0.01 resolution on a loaded machine.
test_summary_efficiency_is_per_cpu_or_per_task_in_flight() {
    pcb --benchmark_filter='^(Sequential|Hybrid|Threaded)/(IO\.sleep|CPU\.hash)/' --pcb_profile=quick \
        --pcb_workers=1,2 --pcb_tasks=32 --pcb_param=latency_us=200 --pcb_param=kib=1024 \
        --benchmark_min_time=0.01 --benchmark_min_warmup_time=0 ||
        fail "exited $? ($(tail -n 3 "$WORK/err"))"
    cpus=$(nproc)
    check_row() { # GROUP PATTERN DIVISOR WHAT
        local row
        row=$(sed -n "/^$1 /,/^\$/p" "$WORK/out" | grep -E "$2") ||
            fail "no summary row $2 under $1: $(cat "$WORK/out")"
        shift
        awk -v d="$2" '{ sp = $(NF-6); ef = $(NF-5); exit !(sp > 0 && (sp / d - ef)^2 < 0.0001) }' \
            <<<"$row" || fail "$3: efficiency is not speedup / $2: $row"
    }
    check_row IO.sleep '^[ !] Hybrid threads:2 depth:64 +2 +128 ' 128 "Hybrid procs:1/threads:2 on IO.sleep"
    check_row IO.sleep '^[ !] Threaded +2 +2 +1 ' 2 "Threaded at 2 workers on IO.sleep"
    check_row CPU.hash '^[ !] Threaded +2 +2 +1 ' "$((cpus < 2 ? cpus : 2))" "Threaded at 2 workers on CPU.hash"
}

# A PCB_* variable pcbench does not know is warned about in one line, and the run goes on; the
# variables pcbench's own scripts and tests use are not warned about.
test_unknown_pcb_variable_is_warned_about_not_refused() {
    ENV_EXTRA=PCB_WORKER=3 pcb --benchmark_list_tests --benchmark_filter='^Sequential/CPU.hash/' ||
        fail "PCB_WORKER=3 exited $? ($(cat "$WORK/err"))"
    [ -s "$WORK/out" ] || fail "nothing listed"
    [ "$(grep -c 'warning' "$WORK/err")" -eq 1 ] || fail "want one warning: $(cat "$WORK/err")"
    grep -q '^pcbench: warning: PCB_WORKER: unknown variable; known: PCB_WORKERS, ' "$WORK/err" ||
        fail "the warning: $(cat "$WORK/err")"
    ENV_EXTRA=PCB_TEST_TAG=x pcb --benchmark_list_tests --benchmark_filter='^Sequential/CPU.hash/' ||
        fail "PCB_TEST_TAG=x exited $?"
    if grep -q warning "$WORK/err"; then fail "PCB_TEST_TAG warned about: $(cat "$WORK/err")"; fi
}

# Under RLIMIT_NPROC, --pcb_workers is refused above what the limit leaves, in one line that
# names the limit. The kernel holds root of the first user namespace to no such limit, so root
# is not refused, and the refusal is tried as nobody (setpriv).
test_workers_above_rlimit_nproc_are_refused_naming_it() {
    local as=()
    if [ "$(id -u)" -eq 0 ]; then
        (ulimit -u 1 && exec "$PCBENCH" --pcb_workers=2 --benchmark_list_tests \
            --benchmark_filter='^Threaded/CPU.hash/workers:2/') >/dev/null 2>"$WORK/err" ||
            fail "root under ulimit -u 1 was refused: $(cat "$WORK/err")"
        command -v setpriv >/dev/null || { echo "SKIP: no setpriv to run as nobody"; return 0; }
        as=(setpriv --reuid=65534 --regid=65534 --clear-groups)
    fi
    (ulimit -u 1000 && exec "${as[@]}" "$PCBENCH" --pcb_workers=10000 --benchmark_list_tests) \
        >/dev/null 2>"$WORK/err" </dev/null
    local rc=$?
    [ "$rc" -eq 2 ] || fail "exit status $rc, want 2 ($(cat "$WORK/err"))"
    [ "$(wc -l <"$WORK/err")" -eq 1 ] || fail "want one line: $(cat "$WORK/err")"
    grep -q -- '^pcbench: --pcb_workers=10000: expected .* from 1 to [0-9]* (RLIMIT_NPROC is 1000; processes and threads of this user now: [0-9]*)$' \
        "$WORK/err" || fail "the line does not name the limit: $(cat "$WORK/err")"
}

# The program's path is no input to refuse: with a byte that is not UTF-8 and a control
# character in argv[0], the JSON on stdout and in the result file is still valid (the path
# shows those as '?'). A --benchmark_context value of the user's own is kept as given.
test_json_is_valid_whatever_the_program_path() {
    local odd=$'/tmp/pc\xffbench\x01'
    (
        for v in $(compgen -e | grep '^PCB_'); do unset "$v"; done
        exec -a "$odd" "$PCBENCH" --benchmark_filter='^Threaded/CPU.hash/workers:2/tasks:4/chunk:1/' \
            "${SMALL[@]}" --benchmark_format=json --benchmark_out="$WORK/r.json" \
            --benchmark_context='note=a "quoted" \ text'
    ) >"$WORK/out" 2>"$WORK/err" </dev/null || fail "exited $? ($(tail -n 3 "$WORK/err"))"
    local f
    for f in "$WORK/out" "$WORK/r.json"; do
        "$JSON_CHECK" "$f" --text --complete --no-errors || fail "$f is not valid JSON text"
        grep -q '"executable": "/tmp/pc?bench?"' "$f" || fail "$f: $(grep executable "$f")"
        grep -qF '"note": "a \"quoted\" \\ text"' "$f" || fail "$f: $(grep note "$f")"
    done
}

# pcbench run's cores_used is CPU time over the wall time of the window holding every CPU
# reading, so it lies in (0, CPUs]: each thread's time is read twice inside the window, so
# it adds at most the window, and at most CPUs threads run at once (benches/harness/
# resources.h; the kernel's tick-late accounting is capped there). The only slack is the
# printing: %.4f, so a value is at most CPUs + 0.00005 as printed, and compared as such. The
# window also holds pcbench's own reading of /proc, which takes CPU time: the value is above 0.
test_run_cores_used_stays_within_the_cpus() {
    local cpus s w i c
    cpus=$(nproc)
    for s in Multiprocess MasterWorker Threaded Hybrid; do
        for w in 2 $((2 * cpus)); do
            for i in 1 2 3; do
                pcb run --strategy "$s" --workload CPU.hash --param kib=1 --workers "$w" --json ||
                    fail "$s --workers $w exited $? ($(cat "$WORK/err"))"
                c=$(sed -n 's/.*"cores_used":\([0-9.]*\).*/\1/p' "$WORK/out")
                [ -n "$c" ] || fail "$s --workers $w: no cores_used in $(cat "$WORK/out")"
                awk -v c="$c" -v n="$cpus" 'BEGIN { exit !(c > 0 && c <= n + 0.00005) }' ||
                    fail "$s --workers $w: cores_used $c, outside (0, $cpus]"
            done
        done
    done
}

TESTS=(
    test_help_exits_0_and_names_every_pcb_option
    test_cpu_filter_lists_the_default_worker_sweep
    test_workers_option_replaces_the_sweep_exactly
    test_multiprocess_filter_lists_only_multiprocess
    test_workers_filter_lists_only_that_worker_count
    test_quick_profile_lists_every_strategy_workload_pair
    test_param_option_sets_the_workload_values
    test_named_parameter_values_read_as_names
    test_names_carry_no_tuning_under_any_profile
    test_bad_input_exits_2_with_one_line_naming_it
    test_bad_input_after_valid_options_still_runs_nothing
    test_valid_multiprocess_run_exits_0_and_leaves_no_process
    test_json_run_with_repetitions_has_aggregates_and_context
    test_summary_shows_pss_beside_peak_rss
    test_every_strategy_reports_concurrency_threads_and_processes
    test_summary_efficiency_is_per_cpu_or_per_task_in_flight
    test_unknown_pcb_variable_is_warned_about_not_refused
    test_workers_above_rlimit_nproc_are_refused_naming_it
    test_json_is_valid_whatever_the_program_path
    test_run_cores_used_stays_within_the_cpus
)

export -f fail pcb_test_say_fail pcb assert_no_process_left help_section assert_worker_sweep "${TESTS[@]}"
export SMALL_STR="${SMALL[*]}" BAD_STR="${BAD_INPUTS[*]}"

failed=0
for t in "${TESTS[@]}"; do
    if [ $# -gt 2 ] && [[ $t != *"$3"* ]]; then continue; fi
    # Arrays do not cross `export`; each test process rebuilds them from their strings.
    if timeout --kill-after=5 "$TEST_TIMEOUT" bash -c \
        'read -r -a SMALL <<<"$SMALL_STR"; read -r -a BAD_INPUTS <<<"$BAD_STR"; '"$t"; then
        echo "[       OK ] $t"
    else
        echo "[  FAILED  ] $t"
        failed=$((failed + 1))
    fi
done
if pgrep -f -- "$MARK"; then
    echo "[  FAILED  ] process(es) above left behind after all tests"
    failed=$((failed + 1))
fi
echo "cli: $failed test(s) failed"
[ "$failed" -eq 0 ]
