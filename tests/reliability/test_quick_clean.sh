#!/usr/bin/env bash
# test_quick_clean.sh - the whole quick profile (every strategy x workload pair, the Floor/,
# IPC/ and Lifecycle/ families) under the per-run leak check, and what pcbench leaves after it.
#
# Checks: the result file is valid JSON of complete runs and no run failed with "leaked ..."
# (benches/leaks.h: a descriptor, thread, child process or POSIX name left by a case); any
# other failed case is printed, and fails the test too, since the quick profile passes on a
# working machine; pcbench exits 0; afterwards no process of its process group is left (not
# even a zombie), nothing named by it is in /dev/shm or /dev/mqueue, and its directory holds
# no file but the result (no .partial.<pid>, no temporary file).
#
# usage: test_quick_clean.sh PATH/TO/pcbench PATH/TO/pcb_json_check [pcbench arguments...]
# (extra arguments, --benchmark_filter=... say, narrow the run for a quick look by hand).
set -u

PCBENCH=$1
JSON_CHECK=$2
shift 2
WORK=$(mktemp -d "$PWD/test_quick_clean.XXXXXX") || exit 1
MARK="pcbench-quick-clean-test-$$-$RANDOM"
PID=
trap 'if [ -n "$PID" ]; then kill -KILL -- -"$PID" 2>/dev/null; fi; rm -rf "$WORK"' EXIT
. "$(dirname "$0")/common.sh"

start_pcbench "$WORK" --pcb_profile=quick --benchmark_out="$WORK/out.json" \
    --benchmark_out_format=json "$@"
wait "$PID"
status=$?
pid=$PID
PID=

[ -e "$WORK/out.json" ] || fail "no result file (status $status): $(tail -3 "$WORK/stderr")"
cases=$("$JSON_CHECK" "$WORK/out.json" --complete --print-cases) ||
    fail "the result file is not a valid result file"
errors=$("$JSON_CHECK" "$WORK/out.json" --print-errors)
leaks=$(printf '%s\n' "$errors" | grep -F "leaked")
[ -z "$leaks" ] || fail "case(s) leaked:"$'\n'"$leaks"
[ -z "$errors" ] || fail "case(s) failed (none leaked):"$'\n'"$errors"
! grep -F "also leaked" "$WORK/stderr" || fail "a failed run also leaked (stderr above)"
[ "$status" -eq 0 ] || fail "pcbench exited $status: $(tail -3 "$WORK/stderr")"
assert_nothing_left "after the quick profile" "$pid" "$WORK" out.json
echo "PASS: $cases case(s), none leaked or failed; nothing left behind"
