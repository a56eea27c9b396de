#!/usr/bin/env bash
# One multihost.* test: pcbench's Distributed cases across namespace hosts made by hosts.sh,
# over TCP, with a delayed link; then that nothing hosts.sh made is left.
#
#   run-multihost.sh MPIRUN PCBENCH DELAY_HUB SCENARIO
#
# Exit 77 (ctest: skipped) with the reason when not root or iproute2 is missing. Correctness
# only: the digests (the fixture's check), which host every rank ran on, that the ranks talked
# through Open MPI's TCP transport, and the leftovers; never how fast.
set -uo pipefail

mpirun=$1 pcbench=$2 hub=$3 scenario=$4
here=$(cd "$(dirname "$0")" && pwd)
. "$here/../lib.sh" # flag, $failures
FAIL_SCOPE=$scenario

if [[ $(id -u) -ne 0 ]]; then
    echo "SKIP [$scenario]: needs root (network namespaces and veth links)"
    exit 77
fi
for tool in ip tc unshare nsenter; do
    if ! command -v $tool >/dev/null 2>&1; then
        echo "SKIP [$scenario]: '$tool' not found (Debian packages iproute2, util-linux)"
        exit 77
    fi
done

dir=$(mktemp -d "$PWD/multihost-$scenario.XXXXXX")
trap 'rm -rf "$dir"' EXIT
export TMPDIR=$dir # hosts.sh makes its run's folder here, so a leftover would show

# What this machine has that hosts.sh could leave behind: interfaces of its names, network
# namespaces (as held by processes), its run folders.
snapshot() {
    ip -o link show | awk -F': ' '{print $2}' | sed 's/@.*//' | grep '^pcb' | sort
    for p in /proc/[0-9]*; do readlink "$p/ns/net" 2>/dev/null; done | sort -u
    ls -d "$dir"/pcb-hosts.* 2>/dev/null
}
before=$(snapshot)

# Checks nothing is left, after a grace for processes that are being reaped.
check_nothing_left() {
    local after i
    for i in 1 2 3 4 5 6 7 8 9 10; do
        after=$(snapshot)
        [[ "$after" == "$before" ]] && return
        sleep 0.2
    done
    flag "left behind: $(diff <(echo "$before") <(echo "$after") | grep '^>' | tr '\n' ' ')"
}

# A run across the hosts: hosts.sh's mpirun line with this build's mpirun, and the transport's
# choices printed (checked below).
mpirun_hosts() { # ranks, then pcbench's arguments
    local np=$1
    shift
    echo "PCB_MPIRUN=$mpirun \"\$PCB_HOSTS_MPIRUN\" --mca btl_base_verbose 100 -np $np $pcbench $*"
}

small="--pcb_profile=quick --pcb_tasks=16 --benchmark_min_time=0.01 \
--benchmark_min_warmup_time=0 --benchmark_format=json --benchmark_out=$dir/r.json"

# A run across N hosts at a delay: every case passes its checks, rank r ran on host r+1, every
# rank reached rank 0 through the tcp transport, and the JSON says hosts and delay.
across() { # hosts delay delay_us
    local n=$1 delay=$2 us=$3 r
    timeout --kill-after=5 80 bash "$here/hosts.sh" run --hosts="$n" --delay="$delay" \
        --hub="$hub" -- sh -c "$(mpirun_hosts "$n" "--benchmark_filter='^(Distributed/(CPU.hash|Empty)|Floor/mpi_pingpong)/' --pcb_workers=1,$((n - 1)) $small")" \
        >"$dir/out" 2>"$dir/err"
    local rc=$?
    [[ $rc -eq 0 ]] || flag "exit status $rc: $(grep -v '^\[pcbh' "$dir/err" | tail -5)"
    [[ -s "$dir/r.json" ]] || { flag "no result file"; return; }
    local cases errs
    cases=$(grep -c '"run_type": "iteration"' "$dir/r.json")
    errs=$(grep -c '"error_occurred": true' "$dir/r.json")
    [[ $cases -ge 4 ]] || flag "expected at least 4 cases, found $cases"
    [[ $errs -eq 0 ]] || flag "$errs case(s) failed: $(grep '"error_message"' "$dir/r.json" | head -3)"
    local want="pcbh1" hosts
    for ((r = 1; r < n; r++)); do want+=",pcbh$((r + 1))"; done
    hosts=$(sed -n 's/.*"pcbench_mpi_rank_hosts": "\(.*\)",*$/\1/p' "$dir/r.json")
    [[ "$hosts" == "$want" ]] || flag "ranks ran on '$hosts', expected '$want'"
    grep -q "\"pcbench_mpi_hosts\": \"$n\"" "$dir/r.json" || flag "context does not say $n hosts"
    grep -q "\"pcbench_link_delay_us\": \"$us\"" "$dir/r.json" ||
        flag "context does not say the delay is $us us"
    grep -q "\"name\": \"Distributed/CPU.hash/workers:$((n - 1))/" "$dir/r.json" ||
        flag "no Distributed/CPU.hash case at $((n - 1)) workers"
    # Every serving rank talks to rank 0 (and rank 0 to it) through tcp, across the link.
    for ((r = 1; r < n; r++)); do
        grep -q "^\[pcbh1:[0-9]*\] mca: bml: Using tcp btl for send to \[\[[0-9]*,1\],$r\] on node pcbh$((r + 1))$" "$dir/err" ||
            flag "rank 0 did not use tcp to rank $r on pcbh$((r + 1))"
        grep -q "^\[pcbh$((r + 1)):[0-9]*\] mca: bml: Using tcp btl for send to \[\[[0-9]*,1\],0\] on node pcbh1$" "$dir/err" ||
            flag "rank $r did not use tcp to rank 0"
    done
    ! grep -q "mca: bml: Using \(vader\|sm\) btl" "$dir/err" || flag "a rank used shared memory"
}

case "$scenario" in
three_hosts_delayed)
    # Three hosts, 100 us each way (tc netem, or the hub where the kernel has no netem).
    across 3 100us 100
    ;;
four_hosts_1ms)
    across 4 1ms 1000
    ;;
bad_input)
    # One line naming the input and what is allowed, exit 2, nothing made.
    for args in "--hosts=5 --delay=0" "--hosts=1 --delay=0" "--hosts=x --delay=0" \
        "--hosts=3 --delay=5ms" "--hosts=3 --delay=" "--hosts=3 --delay=0 --link=wifi"; do
        # shellcheck disable=SC2086
        bash "$here/hosts.sh" run $args -- true >"$dir/out" 2>"$dir/err"
        rc=$?
        [[ $rc -eq 2 ]] || flag "[$args]: exit status $rc, expected 2"
        [[ $(wc -l <"$dir/err") -eq 1 ]] || flag "[$args]: expected one line: $(cat "$dir/err")"
        grep -q "allowed" "$dir/err" || flag "[$args]: the line does not say what is allowed"
    done
    grep -q -- "--link 'wifi': allowed auto, bridge or hub" "$dir/err" || flag "unexpected: $(cat "$dir/err")"
    [[ $(bash "$here/hosts.sh" run --hosts=5 --delay=0 -- true 2>&1) == \
        "hosts.sh: --hosts '5': allowed 2, 3 or 4" ]] || flag "the host count is not named"
    [[ $(bash "$here/hosts.sh" run --hosts=2 --delay=2ms -- true 2>&1) == \
        "hosts.sh: --delay '2ms': allowed 0, 100us or 1ms" ]] || flag "the delay is not named"
    ;;
interrupted)
    # A run stopped by a signal (as ctest's timeout or ^C would) while its command runs on the
    # hosts: everything goes away all the same.
    bash "$here/hosts.sh" run --hosts=3 --delay=1ms --hub="$hub" -- sh -c \
        "touch $dir/started; sleep 60" >"$dir/out" 2>"$dir/err" &
    pid=$!
    for _ in $(seq 1 200); do [[ -e "$dir/started" ]] && break; sleep 0.05; done
    [[ -e "$dir/started" ]] || flag "the command never started: $(cat "$dir/err")"
    kill -TERM $pid
    wait $pid
    rc=$?
    [[ $rc -eq 143 ]] || flag "exit status $rc after TERM, expected 143"
    ;;
*)
    echo "unknown scenario $scenario" >&2
    exit 2
    ;;
esac

check_nothing_left
[[ $failures -eq 0 ]] && echo "PASS [$scenario]"
exit $((failures > 0))
