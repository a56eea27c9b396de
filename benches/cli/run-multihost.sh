#!/usr/bin/env bash
# What distribution costs against the link delay: the Distributed cases across 2, 3 and 4
# namespace hosts (tests/multihost/hosts.sh) at each delay (0, 100 us, 1 ms), the same cases
# with every rank on this one host (shared memory), and Sequential and Threaded on the same
# input. Run as root (network namespaces), on a Release build with MPI:
#
#   benches/cli/run-multihost.sh [OUTDIR]     (default results/multihost-<UTC time>-<commit>)
#
# PCB_BUILD_DIR names the build directory (default: build). Every file in OUTDIR is a Google
# Benchmark JSON whose context says the hosts, the ranks' hosts and the link
# (pcbench_mpi_rank_hosts, pcbench_link_delay_us); `pcbench-report OUTDIR/*.json` shows them
# side by side in its section "Distribution against the link". PCB_MH_REPS (default 5) sets the
# repetitions; the medians are what the report and BENCHMARKS.md give.
set -euo pipefail
cd "$(dirname "$0")/../.."
build=${PCB_BUILD_DIR:-build}
reps=${PCB_MH_REPS:-5}
[[ $reps =~ ^[1-9][0-9]?$ ]] || { echo "run-multihost.sh: PCB_MH_REPS '$reps': allowed 1 to 99" >&2; exit 2; }
[[ $# -le 1 ]] || { echo "run-multihost.sh: one argument at most (OUTDIR), got $#" >&2; exit 2; }
[[ $(id -u) -eq 0 ]] || { echo "run-multihost.sh: needs root (network namespaces)" >&2; exit 77; }
for f in pcbench tests/multihost/pcb_delay_hub; do
    [[ -x "$build/$f" ]] || { echo "run-multihost.sh: $build/$f not built (an MPI build is needed)" >&2; exit 2; }
done
commit=$(git rev-parse --short=12 HEAD 2>/dev/null || echo unknown)
out=${1:-results/multihost-$(date -u +%Y%m%dT%H%M%SZ)-$commit}
mkdir -p "$out"
out=$(cd "$out" && pwd) # the ranks run in the hosts' own working directory
export OMPI_ALLOW_RUN_AS_ROOT=1 OMPI_ALLOW_RUN_AS_ROOT_CONFIRM=1
pcbench=$(readlink -f "$build/pcbench")
hub=$(readlink -f "$build/tests/multihost/pcb_delay_hub")

# The same cases everywhere: CPU.hash at 1 MiB a task (about 0.2 ms), 256 tasks a batch, one
# task a hand-out and 16, and the static split; Floor/mpi_pingpong is the link's round trip.
args=(--pcb_param=kib=1024 --pcb_tasks=256 --pcb_chunk=1,16 --benchmark_min_time=0.2
      --benchmark_min_warmup_time=0.05 --benchmark_repetitions="$reps")
filter="--benchmark_filter=^(Distributed/CPU.hash|Floor/mpi_pingpong)/"

# Across N hosts: one rank per host (rank 0 hands out, ranks 1..N-1 work), over TCP.
for delay in 0 100us 1ms; do
    for n in 2 3 4; do
        echo "== $n hosts, delay $delay" >&2
        tests/multihost/hosts.sh run --hosts="$n" --delay="$delay" --hub="$hub" -- sh -c \
            "\"\$PCB_HOSTS_MPIRUN\" -np $n $pcbench '$filter' --pcb_workers=$(seq -s, 1 $((n - 1))) ${args[*]} \
             --benchmark_out=$out/hosts$n-delay$delay.json" >/dev/null
    done
done

# One host: the same 4 ranks over shared memory (Open MPI's default on one node), unbound as
# above; then Sequential and Threaded on the same input, without mpirun.
echo "== one host, 4 ranks" >&2
mpirun --oversubscribe --bind-to none --mca mpi_yield_when_idle 1 -np 4 "$pcbench" "$filter" \
    --pcb_workers=1,2,3 "${args[@]}" --benchmark_out="$out/hosts1-shm.json" >/dev/null
echo "== Sequential, Threaded" >&2
"$pcbench" '--benchmark_filter=^(Sequential|Threaded)/CPU.hash/' --pcb_workers=1,2,3 \
    "${args[@]}" --benchmark_out="$out/threads.json" >/dev/null
echo "results: $out"
