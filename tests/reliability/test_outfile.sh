#!/usr/bin/env bash
# test_outfile.sh - what --benchmark_out may name, and that the results get there whole or the
# run says they did not (benches/harness/outfile.h):
#   - a character device is written through and stays the device it was: a private node made
#     with mknod in the test's folder (root only; the real /dev/null is never named);
#   - a FIFO with a reader: the reader gets exactly one whole JSON document, the FIFO stays;
#   - a chain of symbolic links is followed: the file at its end is replaced (its mode kept),
#     the links stay links; a dangling link's target is made in the target's folder;
#   - a read-only (mode 444) file is refused with exit 2 and one line, and left as it was;
#   - four runs writing one file at once: each exits 0 without a failed write, and the file
#     ends as one run's whole document (each run has a temporary file of its own);
#   - a full disk (a 24 KiB tmpfs in a private mount namespace, so the mount goes with it;
#     root only): exit 4 and a line naming the file, which holds a whole document: the last
#     complete write, or what it held before;
#   - a device that refuses every write (a private node of /dev/full; root only): exit 4 and a
#     line naming it.
# In every case no temporary file (<file>.partial.<pid>) and no process is left behind. Parts
# that need root or a mount print SKIP with the reason and pass.
#
# usage: test_outfile.sh PATH/TO/pcbench PATH/TO/pcb_json_check [NAME_PART]
set -u

PCBENCH=$1
JSON_CHECK=$2
WORK=$(mktemp -d "$PWD/test_outfile.XXXXXX") || exit 1
trap 'chmod -R u+w "$WORK" 2>/dev/null; rm -rf "$WORK"' EXIT
# Every pcbench started here carries it as argv[0], and forked workers inherit it.
MARK="pcbench-outfile-test-$$-$RANDOM"
TEST_TIMEOUT=120
export PCBENCH JSON_CHECK WORK MARK

. "$(dirname "$0")/../lib.sh" # fail

# Two short cases (chunk 1 and 5) of one strategy and workload.
Q=(--benchmark_filter='^Threaded/CPU.hash/workers:2/' --pcb_tasks=16 --pcb_param=kib=16
    --benchmark_min_time=0.01 --benchmark_min_warmup_time=0)

# Runs pcbench under the marker with a clean PCB_* environment; stdout and stderr into
# $L/out and $L/err (L: the test's log folder, apart from the folder it writes in). Returns
# its status.
pcb() {
    (
        for v in $(compgen -e | grep '^PCB_'); do unset "$v"; done
        exec -a "$MARK" "$PCBENCH" "$@"
    ) >"$L/out" 2>"$L/err" </dev/null
}

# Fails unless folder $1 holds exactly the names given after it.
assert_only() {
    local dir=$1 got want
    shift
    got=$(ls -A "$dir" | sort | tr '\n' ' ')
    want=$(printf '%s\n' "$@" | sort | tr '\n' ' ')
    [ "$got" = "$want" ] || fail "$dir holds '$got', want '$want' (a temporary file left?)"
}

assert_no_process_left() {
    local left
    left=$(pgrep -f -- "$MARK")
    [ -z "$left" ] || fail "$1: process(es) left behind: $left"
}

# The number of cases the run selects.
cases_wanted() {
    pcb "${Q[@]}" --benchmark_list_tests || fail "listing exited $?"
    wc -l <"$L/out"
}

test_a_device_is_written_through_and_stays_a_device() {
    [ "$(id -u)" -eq 0 ] || { echo "SKIP: mknod needs root"; return 0; }
    mknod "$D/null" c 1 3 2>/dev/null || { echo "SKIP: mknod is not allowed here"; return 0; }
    pcb "${Q[@]}" --benchmark_out="$D/null" || fail "exit $? ($(tail -n 2 "$L/err"))"
    [ -c "$D/null" ] || fail "$D/null is no longer a character device: $(stat -c %F "$D/null")"
    [ "$(stat -c %t:%T "$D/null")" = "1:3" ] || fail "$D/null is another device now"
    assert_only "$D" null
    assert_no_process_left "device"
}

test_a_fifo_reader_gets_one_whole_document() {
    local want reader n
    want=$(cases_wanted)
    mkfifo "$D/fifo" || fail "mkfifo failed"
    cat "$D/fifo" >"$L/got" &
    reader=$!
    pcb "${Q[@]}" --benchmark_out="$D/fifo" || fail "exit $? ($(tail -n 2 "$L/err"))"
    wait "$reader"
    [ -p "$D/fifo" ] || fail "$D/fifo is no longer a FIFO"
    n=$("$JSON_CHECK" "$L/got" --complete --text --print-cases) ||
        fail "the reader got no whole result document: $(head -c 300 "$L/got")"
    [ "$n" -eq "$want" ] || fail "the document holds $n case(s), want $want"
    # One document, not one per case: a second would start with another "{" at column 0.
    [ "$(grep -c '^{' "$L/got")" -eq 1 ] || fail "the reader got more than one document"
    assert_only "$D" fifo
    assert_no_process_left "FIFO"
}

test_symbolic_links_are_followed_and_stay_links() {
    local want n
    want=$(cases_wanted)
    mkdir "$D/sub"
    printf 'old\n' >"$D/sub/r.json"
    chmod 640 "$D/sub/r.json"
    ln -s sub/r.json "$D/link"
    ln -s link "$D/link2"
    pcb "${Q[@]}" --benchmark_out="$D/link2" || fail "exit $? ($(tail -n 2 "$L/err"))"
    [ -L "$D/link2" ] && [ "$(readlink "$D/link2")" = link ] || fail "link2 was replaced"
    [ -L "$D/link" ] && [ "$(readlink "$D/link")" = sub/r.json ] || fail "link was replaced"
    [ -f "$D/sub/r.json" ] && [ ! -L "$D/sub/r.json" ] || fail "sub/r.json is not a file"
    [ "$(stat -c %a "$D/sub/r.json")" = 640 ] ||
        fail "sub/r.json's mode is $(stat -c %a "$D/sub/r.json"), want 640 as before"
    n=$("$JSON_CHECK" "$D/sub/r.json" --complete --print-cases) || fail "sub/r.json is no result"
    [ "$n" -eq "$want" ] || fail "sub/r.json holds $n case(s), want $want"
    # A link to a file not there yet: the file is made where the link points.
    ln -s sub/new.json "$D/dangling"
    pcb "${Q[@]}" --benchmark_out="$D/dangling" || fail "dangling: exit $? ($(tail -n 2 "$L/err"))"
    [ -L "$D/dangling" ] || fail "the dangling link was replaced"
    "$JSON_CHECK" "$D/sub/new.json" --complete >/dev/null || fail "sub/new.json is no result"
    assert_only "$D" sub link link2 dangling
    assert_only "$D/sub" r.json new.json
    assert_no_process_left "links"
}

test_a_read_only_file_is_refused_and_kept() {
    printf 'keep me\n' >"$D/ro.json"
    chmod 444 "$D/ro.json"
    pcb "${Q[@]}" --benchmark_out="$D/ro.json"
    local rc=$?
    [ "$rc" -eq 2 ] || fail "exit status $rc, want 2"
    [ "$(wc -l <"$L/err")" -eq 1 ] || fail "want one line on stderr, got: $(cat "$L/err")"
    grep -q -- "--benchmark_out=.*read-only" "$L/err" || fail "stderr: $(cat "$L/err")"
    [ "$(cat "$D/ro.json")" = "keep me" ] || fail "ro.json was changed"
    [ "$(stat -c %a "$D/ro.json")" = 444 ] || fail "ro.json's mode changed"
    assert_only "$D" ro.json
    assert_no_process_left "read-only"
}

test_four_runs_writing_one_file_leave_one_whole_document() {
    local want n r i pids=() rc runs=(A B C D)
    want=$(cases_wanted)
    # Four at once, each replacing the file after every case and repetition: their writes
    # overlap, and no write may land in another run's temporary file.
    for r in "${runs[@]}"; do
        mkdir "$L/$r"
        (L=$L/$r pcb "${Q[@]}" --benchmark_repetitions=3 --benchmark_context=run=$r \
            --benchmark_out="$D/r.json") &
        pids+=($!)
    done
    for i in 0 1 2 3; do
        wait "${pids[$i]}"
        rc=$?
        [ "$rc" -eq 0 ] || fail "run ${runs[$i]}: exit $rc ($(tail -n 2 "$L/${runs[$i]}/err"))"
    done
    if grep -l "cannot write" "$L"/?/err; then fail "a run could not write r.json"; fi
    n=$("$JSON_CHECK" "$D/r.json" --complete --text --print-cases) ||
        fail "r.json is no whole result document: $(head -c 300 "$D/r.json")"
    [ "$n" -eq "$want" ] || fail "r.json holds $n case(s), want $want"
    [ "$(grep -c '"run": "[A-D]"' "$D/r.json")" -eq 1 ] ||
        fail "r.json is not one run's document: $(grep '"run"' "$D/r.json")"
    assert_only "$D" r.json
    assert_no_process_left "four runs"
}

# The part of the full-disk test that runs in the private mount namespace: mounts a 24 KiB
# tmpfs on $1, puts the old result $2 there as r.json, runs pcbench with a result larger than
# the disk, and copies what is left into $3 (the mount goes when the namespace does).
full_disk_run() {
    local mnt=$1 old=$2 logs=$3
    mount -t tmpfs -o size=24k pcbench-test "$mnt" 2>"$logs/mount.err" || exit 77
    cp "$old" "$mnt/r.json"
    L=$logs pcb "${Q[@]}" --benchmark_repetitions=20 --benchmark_out="$mnt/r.json"
    echo $? >"$logs/rc"
    ls -A "$mnt" >"$logs/ls"
    cp "$mnt/r.json" "$logs/after.json"
    umount "$mnt"
}

test_a_full_disk_exits_4_and_keeps_a_whole_file() {
    local rc kept n
    [ "$(id -u)" -eq 0 ] || { echo "SKIP: mounting a tmpfs needs root"; return 0; }
    command -v unshare >/dev/null || { echo "SKIP: no unshare"; return 0; }
    # The old result: a whole document of its own.
    pcb "${Q[@]}" --benchmark_out="$L/old.json" || fail "the first run exited $?"
    mkdir "$D/mnt"
    unshare -m --propagation private bash -c \
        "$(declare -f full_disk_run pcb); Q=($(printf '%q ' "${Q[@]}")); full_disk_run \"\$@\"" \
        _ "$D/mnt" "$L/old.json" "$L"
    rc=$?
    if [ "$rc" -eq 77 ] || [ ! -f "$L/rc" ]; then
        echo "SKIP: cannot mount a tmpfs in a private mount namespace: $(cat "$L/mount.err" 2>/dev/null)"
        return 0
    fi
    rc=$(cat "$L/rc")
    [ "$rc" -eq 4 ] || fail "exit status $rc, want 4 ($(tail -n 2 "$L/err"))"
    grep -q "pcbench: $D/mnt/r.json: the results could not be written in full" "$L/err" ||
        fail "no line names the file: $(tail -n 3 "$L/err")"
    [ "$(cat "$L/ls")" = r.json ] || fail "the disk holds $(tr '\n' ' ' <"$L/ls")"
    if grep -q "it is as it was before the run" "$L/err"; then
        cmp -s "$L/old.json" "$L/after.json" || fail "no write succeeded, yet r.json changed"
    else
        kept=$(sed -n 's/.*keeps its last complete write, \([0-9]*\) of the .*/\1/p' "$L/err")
        [ -n "$kept" ] || fail "stderr says neither what r.json keeps: $(tail -n 2 "$L/err")"
        n=$("$JSON_CHECK" "$L/after.json" --allow-empty --complete --print-cases) ||
            fail "r.json is no whole result document"
        [ "$n" -eq "$kept" ] || fail "stderr says r.json keeps $kept case(s); it holds $n"
    fi
    rmdir "$D/mnt"
    assert_no_process_left "full disk"
}

test_a_device_that_refuses_writes_exits_4() {
    [ "$(id -u)" -eq 0 ] || { echo "SKIP: mknod needs root"; return 0; }
    mknod "$D/full" c 1 7 2>/dev/null || { echo "SKIP: mknod is not allowed here"; return 0; }
    pcb "${Q[@]}" --benchmark_out="$D/full"
    local rc=$?
    [ "$rc" -eq 4 ] || fail "exit status $rc, want 4 ($(tail -n 2 "$L/err"))"
    grep -q "pcbench: $D/full: the results could not be written in full (No space left on device); it got no whole document" "$L/err" ||
        fail "stderr: $(tail -n 2 "$L/err")"
    [ -c "$D/full" ] || fail "$D/full is no longer a device"
    assert_only "$D" full
    assert_no_process_left "/dev/full"
}

TESTS=(
    test_a_device_is_written_through_and_stays_a_device
    test_a_fifo_reader_gets_one_whole_document
    test_symbolic_links_are_followed_and_stay_links
    test_a_read_only_file_is_refused_and_kept
    test_four_runs_writing_one_file_leave_one_whole_document
    test_a_full_disk_exits_4_and_keeps_a_whole_file
    test_a_device_that_refuses_writes_exits_4
)

export -f fail pcb_test_say_fail pcb assert_only assert_no_process_left cases_wanted full_disk_run "${TESTS[@]}"
export Q_STR="${Q[*]}"

failed=0
for t in "${TESTS[@]}"; do
    if [ $# -gt 2 ] && [[ $t != *"$3"* ]]; then continue; fi
    # Each test: a folder to write in (D) and one for its logs (L); arrays rebuilt from a string.
    D="$WORK/$t" L="$WORK/$t.logs"
    mkdir "$D" "$L"
    if D=$D L=$L timeout --kill-after=5 "$TEST_TIMEOUT" bash -c \
        'read -r -a Q <<<"$Q_STR"; '"$t"; then
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
echo "outfile: $failed test(s) failed"
[ "$failed" -eq 0 ]
