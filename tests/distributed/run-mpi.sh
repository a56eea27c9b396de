#!/usr/bin/env bash
# One distributed.* test: runs pcbench under mpirun (or without it) in one scenario and checks
# what it must produce, then that no process of the job is left running.
#
#   run-mpi.sh MPIRUN PCBENCH SCENARIO [PLUGIN]   (PLUGIN: the good test plugin, for `plugin`)
#
# Every process of the job is marked with PCB_TEST_TAG=<unique> in its environment (mpirun
# passes its environment on to the ranks it starts), so "nothing left behind" is checked by
# looking for that mark in /proc, not by process names other runs may share. Results and
# output go to a temporary folder in the current (build) directory, removed on exit.
set -uo pipefail

mpirun=$1 pcbench=$2 scenario=$3 plugin=${4-}
tag="pcb-dist-test-$$-$RANDOM"
dir=$(mktemp -d "$PWD/distributed-$scenario.XXXXXX")
trap 'rm -rf "$dir"' EXIT
. "$(dirname "$0")/../lib.sh" # flag, $failures
FAIL_SCOPE=$scenario


# Runs mpirun with the tag; stdout to $dir/out, stderr to $dir/err; sets $rc. Never hangs: a
# job that outlives 90 s is ended (and the test fails on the exit status).
job() {
    env PCB_TEST_TAG="$tag" timeout --kill-after=5 90 "$mpirun" "$@" >"$dir/out" 2>"$dir/err"
    rc=$?
}

# Processes still carrying the tag, after a short grace for the launcher's own exit.
leftovers() {
    local n i
    for i in 1 2 3 4 5 6 7 8 9 10; do
        n=0
        for e in /proc/[0-9]*/environ; do
            tr '\0' '\n' 2>/dev/null <"$e" | grep -qx "PCB_TEST_TAG=$tag" && n=$((n + 1))
        done
        [[ $n -eq 0 ]] && break
        sleep 0.2
    done
    echo "$n"
}

# The value of counter $2 in the JSON entry whose name has every "/"-ended part of $1 (a
# space-separated list, in any order, so the test does not depend on the order of the name's
# parts). Google Benchmark's JSON has one key per line, the name first.
counter() {
    awk -v parts="$1" -v key="\"$2\":" '
        BEGIN { n = split(parts, want, " ") }
        /"name": / {
            name = $0; sub(/.*"name": "/, "", name); sub(/",$/, "/", name)
            inside = 1
            for (i = 1; i <= n; i++) if (!index(name, want[i] "/")) inside = 0
            next
        }
        inside && index($0, key) { v = $2; sub(/,$/, "", v); print v + 0; exit }' "$dir/r.json"
}

expect_counter() { # parts key expected
    local got
    got=$(counter "$1" "$2")
    [[ -n "$got" ]] && awk -v a="$got" -v b="$3" 'BEGIN { exit !(a == b) }' ||
        flag "[$1]: $2 is '${got}', expected $3"
}

# Checks a passing run's JSON: no case failed, and at least the expected number of cases ran
# (a tree with more workloads or axes runs more).
check_json() { # least-number-of-cases
    [[ -s "$dir/r.json" ]] || { flag "no result file"; return; }
    local n errs
    n=$(grep -c '"run_type": "iteration"' "$dir/r.json")
    errs=$(grep -c '"error_occurred": true' "$dir/r.json")
    [[ $n -ge $1 ]] || flag "expected at least $1 cases in the JSON, found $n"
    [[ $errs -eq 0 ]] || flag "$errs case(s) failed: $(grep '"error_message"' "$dir/r.json" | head -3)"
}

small=(--pcb_profile=quick --pcb_tasks=16 --benchmark_min_time=0.01
       --benchmark_min_warmup_time=0 --benchmark_format=json --benchmark_out="$dir/r.json")

case "$scenario" in
np2)
    # Two ranks: rank 0 hands out, rank 1 runs; every digest checked against rank 0's reference.
    # --pcb_workers=1: the matrix runs a non-default variant (static) at one worker only when
    # the worker count is given.
    job -np 2 "$pcbench" --benchmark_filter='^(Distributed|Floor/mpi_pingpong)/' --pcb_workers=1 \
        "${small[@]}"
    [[ $rc -eq 0 ]] || flag "exit status $rc: $(tail -5 "$dir/err")"
    check_json 7
    D="Distributed/CPU.hash workers:1 tasks:16"
    # One RANGE and one RESULT per task when chunk is 1; two messages per batch when static.
    expect_counter "$D chunk:1 schedule:dynamic" messages_per_task 2
    expect_counter "$D chunk:1 schedule:dynamic" bytes_per_task 64
    expect_counter "$D schedule:static" messages_per_task 0.125
    expect_counter "$D schedule:static" mpi_ranks 2
    grep -q '"name": "Floor/mpi_pingpong/ranks:2/real_time"' "$dir/r.json" ||
        flag "Floor/mpi_pingpong/ranks:2 did not run"
    ;;
np3)
    # Three ranks on two cores: workers:1 and workers:2 cases; chunk 4 and static blocks.
    job -np 3 --oversubscribe "$pcbench" --benchmark_filter='^Distributed/CPU' --pcb_chunk=1,4 \
        "${small[@]}"
    [[ $rc -eq 0 ]] || flag "exit status $rc: $(tail -5 "$dir/err")"
    check_json 6
    D="Distributed/CPU.hash workers:2 tasks:16"
    expect_counter "$D chunk:4 schedule:dynamic" messages_per_task 0.5
    expect_counter "$D schedule:static" messages_per_task 0.25
    expect_counter "$D schedule:static" mpi_ranks 3
    ;;
kill_rank)
    # Rank 1 aborts in the middle of a batch: the run must end with an error, not hang.
    PCB_TEST_KILL_RANK=1 job -np 2 "$pcbench" --benchmark_filter='^Distributed/Empty' \
        "${small[@]}"
    [[ $rc -ne 0 && $rc -ne 124 && $rc -ne 137 ]] || flag "exit status $rc, expected a failure"
    grep -q 'rank 1' "$dir/err" || flag "no message naming rank 1: $(tail -5 "$dir/err")"
    ;;
hang_rank)
    # Rank 1 stops answering: rank 0's deadline fails the case and aborts the job.
    PCB_TEST_HANG_RANK=1 PCB_DIST_TIMEOUT_MS=1000 job -np 2 "$pcbench" \
        --benchmark_filter='^Distributed/Empty' "${small[@]}"
    [[ $rc -eq 1 ]] || flag "exit status $rc, expected 1"
    grep -q 'pcbench: rank 1 stopped answering' "$dir/err" ||
        flag "no message about rank 1: $(tail -5 "$dir/err")"
    grep -q '"error_message": "Distributed pool .*timed out' "$dir/r.json" ||
        flag "the result file does not say the case timed out"
    ;;
plugin)
    # A plugin's workload under Distributed: every rank runs pcbench_main() with the same
    # arguments, so every rank loads the plugin before MPI starts; rank 0 checks the digests.
    job -np 3 --oversubscribe "$pcbench" --pcb_plugin="$plugin" \
        --benchmark_filter='^Distributed/Test\.count/' "${small[@]}"
    [[ $rc -eq 0 ]] || flag "exit status $rc: $(tail -5 "$dir/err")"
    check_json 2
    grep -q '"name": "Distributed/Test.count/workers:2/' "$dir/r.json" ||
        flag "no Distributed/Test.count case at 2 workers in the JSON"
    ;;
refuse_filter)
    # Forking strategies have no place in an MPI job: one clear line, exit status 2.
    job -np 2 "$pcbench" --benchmark_filter='CPU' --pcb_profile=quick
    [[ $rc -eq 2 ]] || flag "exit status $rc, expected 2"
    [[ $(grep -c '^pcbench:' "$dir/err") -eq 1 ]] || flag "expected one pcbench line: $(cat "$dir/err")"
    grep -q "^pcbench: under mpirun with 2 ranks only Distributed/" "$dir/err" ||
        flag "unexpected message: $(head -2 "$dir/err")"
    ;;
no_case_setup)
    # IO.net starts a server for the case (case_setup); ranks rebuild the input apart and
    # could not share it, so the matrix has no Distributed IO.net case.
    job -np 2 "$pcbench" --benchmark_filter='^Distributed/' --benchmark_list_tests
    [[ $rc -eq 0 ]] || flag "exit status $rc"
    grep -q '^Distributed/CPU.hash/' "$dir/out" || flag "no Distributed case listed"
    ! grep -q '^Distributed/IO.net/' "$dir/out" || flag "Distributed IO.net cases listed"
    ;;
np1_list)
    # One rank: no Distributed case, and the listing says why, once.
    job -np 1 "$pcbench" --benchmark_list_tests
    [[ $rc -eq 0 ]] || flag "exit status $rc"
    ! grep -q '^Distributed/' "$dir/out" || flag "Distributed cases listed with one rank"
    [[ $(grep -c 'no Distributed cases: mpirun started one rank' "$dir/err") -eq 1 ]] ||
        flag "expected the reason once on stderr: $(cat "$dir/err")"
    ;;
plain_list)
    # Without mpirun: no MPI, no Distributed case, the reason once on stderr.
    env PCB_TEST_TAG="$tag" timeout 60 "$pcbench" --benchmark_list_tests >"$dir/out" 2>"$dir/err"
    rc=$?
    [[ $rc -eq 0 ]] || flag "exit status $rc"
    ! grep -q '^Distributed/\|^Floor/mpi' "$dir/out" || flag "MPI cases listed without mpirun"
    [[ $(grep -c 'no Distributed cases: not launched by mpirun' "$dir/err") -eq 1 ]] ||
        flag "expected the reason once on stderr: $(cat "$dir/err")"
    ;;
*)
    echo "unknown scenario $scenario" >&2
    exit 2
    ;;
esac

left=$(leftovers)
[[ $left -eq 0 ]] || flag "$left process(es) of the job still running"
[[ $failures -eq 0 ]] && echo "PASS [$scenario]"
exit $((failures > 0))
