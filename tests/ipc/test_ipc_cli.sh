#!/bin/bash
# test_ipc_cli.sh PCBENCH - the IPC/, Lifecycle/ and Floor/ families through pcbench itself:
# registration skips what a mechanism cannot carry (and nothing else), a whole quick run of the
# three families exits 0, and it leaves no shared-memory object, socket file or child behind.
set -u
pcbench=$1
fail=0
check() { # check DESCRIPTION COMMAND...
    if "${@:2}"; then echo "ok: $1"; else echo "FAILED: $1"; fail=1; fi
}

list=$("$pcbench" --benchmark_list_tests=true --benchmark_filter='^(IPC|Lifecycle|Floor)/')
has() { grep -qx -- "$1" <<<"$list"; }
hasnt() { ! grep -q -- "$1" <<<"$list"; }

check "eventfd carries 8-byte ping-pongs" has 'IPC/eventfd/processes/pingpong/msg:8.*'
check "eventfd has no stream (writes add up)" hasnt 'IPC/eventfd/[a-z]*/stream/'
check "eventfd has no message above 8 bytes" hasnt 'IPC/eventfd/.*/msg:4096'
mqmax=$(cat /proc/sys/fs/mqueue/msgsize_max 2>/dev/null || echo 8192)
if [ "$mqmax" -lt 65536 ]; then
    check "posix_mq skips 64 KiB above msgsize_max=$mqmax" hasnt 'IPC/posix_mq/.*/msg:65536'
fi
check "posix_mq carries 4 KiB" has 'IPC/posix_mq/threads/stream/msg:4096.*'
check "pipe carries 1 MiB streams" has 'IPC/pipe/processes/stream/msg:1048576.*'
check "shm ring carries 1 MiB streams" has 'IPC/shm_ring/processes/stream/msg:1048576.*'
cpus=$(nproc)
check "counter cases go up to 2x the CPUs" has "IPC/shm_atomic/threads/counter/workers:$((2 * cpus)).*"
check "pool stop is registered" has 'Lifecycle/process/pool_stop/workers:4.*'
check "the process futex floor is registered" has 'Floor/futex_pingpong/processes.*'

before=$(ls /dev/shm | grep -c '^pcb-' || true)
"$pcbench" --pcb_profile=quick --benchmark_min_time=0.005 \
    --benchmark_filter='^(IPC|Lifecycle/(process|thread)|Floor)/' >run.out 2>&1 &
pid=$!
wait $pid
rc=$?
check "a quick run of the three families exits 0" test $rc -eq 0
[ $rc -eq 0 ] || tail -20 run.out
check "every IPC case ran" test "$(grep -c '^IPC/' run.out)" -ge 60
check "nothing of pcbench left in /dev/shm" \
    bash -c "! ls /dev/shm | grep -q -- '-$pid-'"
check "no pcbench child left" bash -c "! pgrep -P $pid >/dev/null"
after=$(ls /dev/shm | grep -c '^pcb-' || true)
check "/dev/shm holds no more pcb- objects than before" test "$after" -le "$before"
exit $fail
