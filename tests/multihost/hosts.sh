#!/usr/bin/env bash
# hosts.sh - N hosts on this machine, joined by delayed links, for running pcbench's Distributed
# strategy across network hops; and the agent through which mpirun starts its daemons on them.
#
#   hosts.sh run --hosts=N --delay=D [--link=auto|bridge|hub] [--hub=PATH] -- COMMAND [ARG...]
#   hosts.sh agent HOST COMMAND...       (Open MPI's rsh agent: --mca plm_rsh_agent "hosts.sh agent")
#
# `run` makes hosts pcbh1..pcbhN, runs COMMAND on pcbh1, takes everything down again and exits
# with COMMAND's status. Each host is a process holding its own network, UTS (host name), mount
# and IPC namespaces: its /dev/shm is a tmpfs of its own and its /etc/hosts names every host. Its
# one interface, pcbnet0, is a veth with the address 10.213.0.<i>/24, whose outer end joins the
# others:
#   bridge  a kernel bridge; the delay, when not 0, is `tc netem delay D` on every pcbnet0
#           (egress), so a frame from one host to another waits D once;
#   hub     pcb_delay_hub (delay_hub.c), which repeats every frame to the other hosts D later,
#           for kernels built without netem (this machine's: CONFIG_NET_SCH_NETEM is not set);
#   auto    (the default) bridge when D is 0 or the kernel has netem, otherwise hub.
# Either way one way between two hosts waits D, and a round trip 2 * D. Only the hosts' own
# veth addresses are used: nothing is routed to or from the rest of the machine.
#
# COMMAND gets in its environment:
#   PCB_HOSTFILE      a hostfile, `pcbh<i> slots=2` per host (mpirun --hostfile)
#   PCB_HOSTS_AGENT   this script's path plus " agent", for --mca plm_rsh_agent
#   PCB_HOSTS_IF      pcbnet0, for --mca btl_tcp_if_include and oob_tcp_if_include
#   PCB_LINK_DELAY_US the delay in microseconds, which pcbench records in its JSON context
#   PCB_LINK          bridge, bridge+netem or hub: how the hosts were joined (also recorded)
#   PCB_HOSTS_MPIRUN  mpirun with what every run across the hosts needs (the hostfile, this
#                     agent, TCP only on pcbnet0, yielding idle ranks, no binding, one rank per
#                     host in turn, PCB_LINK and PCB_LINK_DELAY_US passed to the ranks); add -np
#                     and the program. PCB_MPIRUN names the mpirun it runs (default: mpirun).
#   TMPDIR            a folder of this run, so Open MPI's session folders go away with it
#
# Everything made here (namespaces, links, bridge, the hub, every process started inside the
# hosts, mounts, files) is gone when `run` returns, also after a failure or a signal (INT, TERM,
# HUP: the traps). Exit status: COMMAND's; 2 for bad arguments (one line naming them, nothing
# made); 77 when it cannot run here (not root, or iproute2, unshare or nsenter missing), with
# the reason on stderr.
set -uo pipefail

me=$(readlink -f "$0")
die_usage() { echo "hosts.sh: $*" >&2; exit 2; }

if [[ ${1-} == agent ]]; then
    # mpirun calls `agent HOST COMMAND...` as it would call ssh: COMMAND is one shell line.
    shift
    host=${1-}
    shift || true
    [[ -n "$host" && $# -gt 0 ]] || die_usage "agent: usage: hosts.sh agent HOST COMMAND..."
    [[ -n "${PCB_HOSTS_DIR-}" && -r "$PCB_HOSTS_DIR/pid.$host" ]] ||
        die_usage "agent: unknown host '$host' (hosts: those of the running 'hosts.sh run')"
    exec nsenter -t "$(cat "$PCB_HOSTS_DIR/pid.$host")" -n -u -m -i -- sh -c "$*"
fi

[[ ${1-} == run ]] || die_usage "usage: hosts.sh run --hosts=N --delay=D [--link=auto|bridge|hub] [--hub=PATH] -- COMMAND..., or hosts.sh agent HOST COMMAND..."
shift
nhosts='' delay='' link=auto hub=${PCB_DELAY_HUB-}
while [[ $# -gt 0 ]]; do
    case $1 in
    --hosts=*) nhosts=${1#*=} ;;
    --delay=*) delay=${1#*=} ;;
    --link=*) link=${1#*=} ;;
    --hub=*) hub=${1#*=} ;;
    --) shift; break ;;
    *) die_usage "unknown argument '$1' (allowed: --hosts=N --delay=D --link=L --hub=PATH -- COMMAND)" ;;
    esac
    shift
done
[[ $nhosts =~ ^[2-4]$ ]] || die_usage "--hosts '$nhosts': allowed 2, 3 or 4"
case $delay in
0 | 0us) delay_us=0 ;;
100us) delay_us=100 ;;
1ms | 1000us) delay_us=1000 ;;
*) die_usage "--delay '$delay': allowed 0, 100us or 1ms" ;;
esac
[[ $link =~ ^(auto|bridge|hub)$ ]] || die_usage "--link '$link': allowed auto, bridge or hub"
[[ $# -gt 0 ]] || die_usage "no COMMAND after --"

# What it needs, or exit 77 with the reason (ctest's SKIP_RETURN_CODE).
skip() { echo "hosts.sh: skipped: $*" >&2; exit 77; }
[[ $(id -u) -eq 0 ]] || skip "needs root (network namespaces, veth links)"
for tool in ip tc unshare nsenter; do
    command -v $tool >/dev/null 2>&1 || skip "'$tool' not found (Debian: iproute2, util-linux)"
done

has_netem() {
    unshare -n sh -c 'ip link add name pcbq0 type dummy && tc qdisc add dev pcbq0 root netem delay 1us' \
        >/dev/null 2>&1
}
if [[ $link == auto ]]; then
    link=bridge
    [[ $delay_us -gt 0 ]] && ! has_netem && link=hub
fi
if [[ $link == bridge && $delay_us -gt 0 ]] && ! has_netem; then
    skip "this kernel has no 'tc netem' (CONFIG_NET_SCH_NETEM); use --link=hub"
fi
if [[ $link == hub && ! -x "$hub" ]]; then
    die_usage "--hub '$hub': the pcb_delay_hub binary of this build is needed for --link=hub"
fi

# Names of this run: interfaces are at most 15 characters.
id=$(($$ % 100000))
bridge=pcbbr$id
dir=$(mktemp -d "${TMPDIR:-/tmp}/pcb-hosts.XXXXXX")
holders=() hub_pid='' cmd_pid=''

# Ends every process inside the hosts (found by network namespace), then the hosts, the hub,
# the links and the bridge, and removes the run's folder. Safe to call twice.
cleanup() {
    trap - EXIT INT TERM HUP
    local pid ns p
    [[ -n "$cmd_pid" ]] && kill -TERM "$cmd_pid" 2>/dev/null
    for pid in "${holders[@]}"; do
        ns=$(readlink "/proc/$pid/ns/net" 2>/dev/null) || continue
        for p in /proc/[0-9]*; do
            [[ ${p#/proc/} != "$pid" && $(readlink "$p/ns/net" 2>/dev/null) == "$ns" ]] &&
                kill -KILL "${p#/proc/}" 2>/dev/null
        done
        kill -KILL "$pid" 2>/dev/null
        wait "$pid" 2>/dev/null
    done
    if [[ -n "$hub_pid" ]]; then
        kill -TERM "$hub_pid" 2>/dev/null
        wait "$hub_pid" 2>/dev/null
    fi
    [[ -n "$cmd_pid" ]] && wait "$cmd_pid" 2>/dev/null
    for i in $(seq 1 "$nhosts"); do
        ip link del "pcb${id}h$i" >/dev/null 2>&1
    done
    ip link del "$bridge" >/dev/null 2>&1
    rm -rf "$dir"
}
trap cleanup EXIT
trap 'exit 130' INT
trap 'exit 143' TERM
trap 'exit 129' HUP

fail() { echo "hosts.sh: $*" >&2; exit 1; }

{
    echo "127.0.0.1 localhost"
    for i in $(seq 1 "$nhosts"); do echo "10.213.0.$i pcbh$i"; done
} >"$dir/etc-hosts"
mkdir -p "$dir/tmp"

if [[ $link == bridge ]]; then
    ip link add name "$bridge" type bridge || fail "cannot make the bridge $bridge"
    ip link set "$bridge" up
fi
for i in $(seq 1 "$nhosts"); do
    # The holder: new namespaces, its own /dev/shm and /etc/hosts, then it sleeps until killed.
    unshare --net --uts --ipc --mount --propagation private sh -c '
        hostname "$1" && mount -t tmpfs -o size=256m,mode=1777 pcbshm /dev/shm &&
        mount --bind "$2/etc-hosts" /etc/hosts && ip link set lo up && : >"$2/ready.$1" &&
        exec sleep infinity' sh "pcbh$i" "$dir" &
    holders+=($!)
    for _ in $(seq 1 100); do [[ -e "$dir/ready.pcbh$i" ]] && break; sleep 0.05; done
    [[ -e "$dir/ready.pcbh$i" ]] || fail "host pcbh$i did not start"
    echo "${holders[-1]}" >"$dir/pid.pcbh$i"
    in=(nsenter -t "${holders[-1]}" -n)
    ip link add name "pcb${id}h$i" type veth peer name "pcb${id}p$i" &&
        ip link set "pcb${id}p$i" netns "${holders[-1]}" &&
        "${in[@]}" ip link set "pcb${id}p$i" name pcbnet0 &&
        "${in[@]}" ip addr add "10.213.0.$i/24" dev pcbnet0 &&
        "${in[@]}" ip link set pcbnet0 up &&
        ip link set "pcb${id}h$i" up || fail "cannot link host pcbh$i"
    if [[ $link == bridge ]]; then
        ip link set "pcb${id}h$i" master "$bridge" || fail "cannot bridge host pcbh$i"
        if [[ $delay_us -gt 0 ]]; then
            "${in[@]}" tc qdisc add dev pcbnet0 root netem delay "${delay_us}us" ||
                fail "cannot delay host pcbh$i's link"
        fi
    fi
done
ports=()
for i in $(seq 1 "$nhosts"); do ports+=("pcb${id}h$i"); done
if [[ $link == hub ]]; then
    "$hub" "$delay_us" "${ports[@]}" &
    hub_pid=$!
    kind=hub
else
    kind=bridge
    [[ $delay_us -gt 0 ]] && kind=bridge+netem
fi

# Every host reaches every other before COMMAND starts (the bridge's ports take a moment).
for i in $(seq 1 "$nhosts"); do
    for j in $(seq 1 "$nhosts"); do
        [[ $i -eq $j ]] && continue
        ok=0
        for _ in $(seq 1 50); do
            if nsenter -t "${holders[i - 1]}" -n timeout 1 bash -c "exec 3<>/dev/tcp/10.213.0.$j/9" 2>/dev/null ||
                nsenter -t "${holders[i - 1]}" -n ip neigh show 10.213.0.$j | grep -q 'REACHABLE\|STALE\|DELAY'; then
                ok=1
                break
            fi
            sleep 0.05
        done
        [[ $ok -eq 1 ]] || fail "host pcbh$i cannot reach pcbh$j"
    done
done

for i in $(seq 1 "$nhosts"); do echo "pcbh$i slots=2"; done >"$dir/hostfile"
# The one mpirun line of a run across the hosts (docs/distributed.md explains each part).
cat >"$dir/mpirun" <<MPIRUN
#!/bin/sh
exec "\${PCB_MPIRUN:-mpirun}" --hostfile "$dir/hostfile" --mca plm_rsh_agent "$me agent" \\
    --mca pml ob1 --mca btl tcp,self --mca btl_tcp_if_include pcbnet0 \\
    --mca oob_tcp_if_include pcbnet0 --mca mpi_yield_when_idle 1 --bind-to none --map-by node \\
    -x PCB_LINK -x PCB_LINK_DELAY_US "\$@"
MPIRUN
chmod +x "$dir/mpirun"
nsenter -t "${holders[0]}" -n -u -m -i -- env PCB_HOSTS_DIR="$dir" PCB_HOSTFILE="$dir/hostfile" \
    PCB_HOSTS_AGENT="$me agent" PCB_HOSTS_IF=pcbnet0 PCB_HOSTS_MPIRUN="$dir/mpirun" \
    PCB_LINK_DELAY_US="$delay_us" \
    PCB_LINK="$kind" TMPDIR="$dir/tmp" "$@" &
cmd_pid=$!
wait "$cmd_pid"
rc=$?
cmd_pid=''
exit $rc
