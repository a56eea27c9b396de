#!/usr/bin/env bash
# test_interrupt.sh - interrupts quick-profile runs of pcbench at random moments and checks
# what each one kept and what it left.
#
# Each run starts pcbench in a process group of its own with --benchmark_out, waits a random
# delay, then either sends SIGINT to the whole group (what Ctrl-C in a terminal does: pcbench
# and every worker get it at once) or SIGTERM to pcbench alone (what `kill` or a CI runner
# does: the workers get nothing). Each run then checks:
#  - pcbench ended by that signal: status 130 for INT, 143 for TERM, as a shell reports it;
#  - stderr says "pcbench: interrupted by INT|TERM" and how many cases the result file keeps;
#  - the result file is absent (interrupted before the run began), or valid JSON holding only
#    complete runs, exactly as many cases as stderr said; there is no <file>.partial.<pid> and no
#    other file in the run's directory (its working directory too);
#  - no process of its process group is left, not even a zombie, nor any process carrying the
#    run's marker (workers, IPC peers, IO.net's server, Lifecycle/ children);
#  - nothing named by it is left in /dev/shm or /dev/mqueue.
# A run that finished before its signal must have passed (status 0) and left nothing either.
#
# Every run picks a slice of the quick profile, so that the signal lands in every family and
# strategy over the runs: the Floor/IPC/Lifecycle families, the IPC cases on shared memory and
# message queues with IO.net (a server process per case), the process strategies, the thread
# strategies, or the whole profile. The delay is drawn up to about the slice's length on a
# 2-core machine (or PCB_INTERRUPT_MAX_DELAY_MS, when shorter); a slice that ends sooner is
# checked as a finished run.
#
# usage: test_interrupt.sh PATH/TO/pcbench PATH/TO/pcb_json_check
# environment:
#   PCB_INTERRUPT_RUNS=N         runs (default 5; 20 or more for a manual soak)
#   PCB_INTERRUPT_SEED=S         seed of the slices, signals and delays (default: random)
#   PCB_INTERRUPT_MAX_DELAY_MS=M the longest delay before the signal (default 6000; 40000
#                                lets the signal land anywhere in the whole profile)
# Every run prints its slice, signal and delay, and the seed is printed first: the same seed
# replays the same runs (the moment the signal lands in the run still varies with the machine).
set -u

PCBENCH=$1
JSON_CHECK=$2
RUNS=${PCB_INTERRUPT_RUNS:-5}
SEED=${PCB_INTERRUPT_SEED:-$(( $(date +%s%N) % 1000000007 ))}
MAX_DELAY_MS=${PCB_INTERRUPT_MAX_DELAY_MS:-6000}
WORK=$(mktemp -d "$PWD/test_interrupt.XXXXXX") || exit 1
MARK="pcbench-interrupt-test-$$-$RANDOM"
PID=
trap 'if [ -n "$PID" ]; then kill -KILL -- -"$PID" 2>/dev/null; fi; rm -rf "$WORK"' EXIT
. "$(dirname "$0")/common.sh"

# Slices of the quick profile, and about how long each runs (ms) on a 2-core machine.
SLICES=(
    '^(Floor|IPC|Lifecycle)/'
    '^IPC/(posix_mq|shm_)|/IO\.net/'
    '^(Multiprocess|MasterWorker|Hybrid)/'
    '^(Sequential|Threaded|Partitioned|OpenMP|Async|AsyncBlocking)/'
    '.'
)
SLICE_MS=(9000 4500 7500 16000 38000)

RANDOM=$SEED
echo "seed $SEED (PCB_INTERRUPT_SEED=$SEED replays these runs), $RUNS run(s)"
interrupted=0
for ((run = 1; run <= RUNS; run++)); do
    i=$((RANDOM % ${#SLICES[@]}))
    slice=${SLICES[$i]}
    max_ms=$((SLICE_MS[i] < MAX_DELAY_MS ? SLICE_MS[i] : MAX_DELAY_MS))
    delay_ms=$((50 + (RANDOM * 32768 + RANDOM) % (max_ms > 50 ? max_ms - 50 : 1)))
    if ((RANDOM % 2)); then sig=INT; target=group; else sig=TERM; target=pcbench; fi
    delay=$(printf '%d.%03d' $((delay_ms / 1000)) $((delay_ms % 1000)))
    what="run $run: --benchmark_filter='$slice', SIG$sig to $target after $delay s"
    echo "$what"

    dir=$WORK/run$run
    mkdir "$dir"
    start_pcbench "$dir" --pcb_profile=quick --benchmark_filter="$slice" \
        --benchmark_out="$dir/out.json" --benchmark_out_format=json
    sleep "$delay"
    if [ "$target" = group ]; then
        kill -"$sig" -- -"$PID" 2>/dev/null
    else
        kill -"$sig" "$PID" 2>/dev/null
    fi
    wait "$PID"
    status=$?
    pid=$PID
    PID=

    if grep -q "interrupted by" "$dir/stderr"; then
        want=$((128 + $(kill -l "$sig")))
        [ "$status" -eq "$want" ] || fail "$what: exit status $status, want $want ($(tail -3 "$dir/stderr"))"
        grep -q "^pcbench: interrupted by $sig" "$dir/stderr" ||
            fail "$what: stderr does not say 'interrupted by $sig': $(tail -3 "$dir/stderr")"
        interrupted=$((interrupted + 1))
    elif [ "$status" -gt 128 ]; then
        # Killed before the handler was installed (the first moments of the process): the
        # default action, and nothing may have been made yet.
        want=$((128 + $(kill -l "$sig")))
        [ "$status" -eq "$want" ] || fail "$what: exit status $status, want $want"
        [ ! -e "$dir/out.json" ] || fail "$what: killed before its handler, yet out.json exists"
        echo "  ended by the signal before the run began"
        interrupted=$((interrupted + 1))
    else
        [ "$status" -eq 0 ] || fail "$what: finished before the signal with status $status: $(tail -3 "$dir/stderr")"
        echo "  finished before the signal"
    fi

    [ ! -e "$dir/out.json.partial.$pid" ] || fail "$what: out.json.partial.$pid left"
    if [ -e "$dir/out.json" ]; then
        cases=$("$JSON_CHECK" "$dir/out.json" --allow-empty --complete --print-cases) ||
            fail "$what: out.json is not a valid result file"
        leaks=$("$JSON_CHECK" "$dir/out.json" --allow-empty --print-errors | grep -F "leaked")
        [ -z "$leaks" ] || fail "$what: a case leaked: $leaks"
        if grep -q "interrupted by" "$dir/stderr"; then
            said=$(sed -n 's/.* keeps the \([0-9]*\) case(s).*/\1/p' "$dir/stderr")
            [ "$said" = "$cases" ] ||
                fail "$what: stderr says the file keeps '$said' case(s), it holds $cases"
        fi
        echo "  out.json: $cases complete case(s)"
    else
        grep -q "no result file was written" "$dir/stderr" || [ "$status" -gt 128 ] ||
            fail "$what: no out.json"
        echo "  no out.json (interrupted before the run began)"
    fi
    assert_nothing_left "$what" "$pid" "$dir" out.json
done
echo "PASS: $RUNS run(s), $interrupted interrupted, nothing left behind"
