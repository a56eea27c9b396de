#!/usr/bin/env bash
# test_stop.sh - a run stopped and continued while a case runs (SIGSTOP, then SIGCONT: what
# Ctrl-Z and fg do) never reports the stopped time as a figure of the work.
#
# pcbench runs one case (Threaded, CPU.hash, 2 workers) for at least 3 s with
# --pcb_case_timeout=1, in batches of about 0.2 s (128 MiB hashed per task, 16 tasks), so that
# a stop lands in a batch (timed, or the checked untimed first one) and not in the short work
# between them (pool start and stop, the resource samples), which is no figure of the work.
# Once the case's two pool threads exist (named pcb-worker-0 and pcb-worker-1; a thread count
# would also take the determinism check's thread, which runs before the case), the test stops
# pcbench with a real SIGSTOP, waits 3 s (past the watchdog's limit) and continues it with SIGCONT. Checked: exit
# status 1 (a case failed); the result file is a whole document whose one case failed, as
# stopped or as timed out (which of the two verdicts comes first depends on whether the
# watchdog's thread or the case's wakes first; both say the figure is not the work's), with no
# run of it reported clean; and no process is left.
#
# usage: test_stop.sh PATH/TO/pcbench PATH/TO/pcb_json_check
set -u

PCBENCH=$1
JSON_CHECK=$2
WORK=$(mktemp -d "$PWD/test_stop.XXXXXX") || exit 1
MARK="pcbench-stop-test-$$-$RANDOM"
PID=
trap '[ -n "$PID" ] && kill -CONT "$PID" 2>/dev/null && kill -KILL "$PID" 2>/dev/null; rm -rf "$WORK"' EXIT

. "$(dirname "$0")/../lib.sh" # fail

(
    cd "$WORK" || exit 99
    for v in $(compgen -e | grep '^PCB_'); do unset "$v"; done
    exec -a "$MARK" "$PCBENCH" --benchmark_filter='^Threaded/CPU.hash/workers:2/tasks:16/chunk:1/' \
        --pcb_tasks=16 --pcb_param=kib=131072 --benchmark_min_time=3 --benchmark_min_warmup_time=0 \
        --pcb_case_timeout=1 --benchmark_out="$WORK/out.json"
) >"$WORK/stdout" 2>"$WORK/stderr" </dev/null &
PID=$!

# The case runs once its pool's two worker threads exist. Waited for by polling, at most 60 s
# (the poll is no measurement: a slow machine only waits longer).
for ((i = 0; i < 600; i++)); do
    [ "$(cat /proc/"$PID"/task/*/comm 2>/dev/null | grep -c '^pcb-worker-')" -ge 2 ] && break
    kill -0 "$PID" 2>/dev/null || fail "pcbench ended before its case ran: $(tail -n 3 "$WORK/stderr")"
    sleep 0.1
done
[ "$i" -lt 600 ] || fail "the case's pool never started"

kill -STOP "$PID" || fail "SIGSTOP failed"
sleep 3
kill -CONT "$PID" || fail "SIGCONT failed"
wait "$PID"
rc=$?
PID=

[ "$rc" -eq 1 ] || fail "exit status $rc, want 1 (a failed case): $(tail -n 3 "$WORK/stderr")"
"$JSON_CHECK" "$WORK/out.json" --complete --print-errors >"$WORK/errors" ||
    fail "out.json is no whole result document"
[ -s "$WORK/errors" ] || fail "no run failed: the stopped time became a figure"
entries=$(grep -c '"run_name":' "$WORK/out.json")
[ "$entries" -eq "$(wc -l <"$WORK/errors")" ] ||
    fail "$entries entries, $(wc -l <"$WORK/errors") of them failed: a run is reported clean"
while IFS=$'\t' read -r name msg; do
    case "$msg" in
    stopped*SIGSTOP* | "timed out"*) ;;
    *) fail "$name failed for another reason: $msg" ;;
    esac
done <"$WORK/errors"
left=$(pgrep -f -- "$MARK")
[ -z "$left" ] || fail "process(es) left behind: $left"
echo "PASS: the stopped case failed: $(cut -f2 "$WORK/errors" | head -n 1)"
