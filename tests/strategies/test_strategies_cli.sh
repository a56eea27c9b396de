#!/usr/bin/env bash
# test_strategies_cli.sh - what the strategies change on pcbench's command line: every strategy
# x workload pair is in the quick profile, the usual filters still select what they say, every
# strategy has its Lifecycle start case, --pcb_pin is validated and shown in case names, a
# refused POSIX queue fails its case with the kernel limits named, and a small run of every added
# strategy passes its digest checks.
#
# usage: test_strategies_cli.sh PCBENCH
set -u
pcbench=$1
. "$(dirname "$0")/../lib.sh" # flag, $failures

help=$("$pcbench" --pcb_help)
runners=$(sed -n '/^Strategies:/,/^$/p' <<<"$help" | awk 'NR > 1 && /^  [A-Za-z]/ {print $1}')
workloads=$(sed -n '/^Workloads and their parameters/,/^$/p' <<<"$help" |
            awk 'NR > 1 && /^  [A-Za-z]/ {print $1}')
[[ $(wc -w <<<"$runners") -ge 9 ]] || flag "fewer than 9 strategies in --help: $runners"

# Every strategy x workload pair at least once in the quick profile.
quick=$("$pcbench" --pcb_profile=quick --benchmark_list_tests)
for r in $runners; do
  for w in $workloads; do
    grep -qF "$r/$w/" <<<"$quick" || flag "quick profile lacks $r/$w"
  done
  grep -q "^Lifecycle/$r/start/" <<<"$quick" || flag "no Lifecycle/$r/start case"
done

# 'Threaded.*CPU' selects exactly the Threaded CPU cases.
sel=$("$pcbench" --benchmark_list_tests --benchmark_filter='Threaded.*CPU')
[[ -n "$sel" ]] || flag "'Threaded.*CPU' selects nothing"
if grep -v '^Threaded/CPU\.' <<<"$sel" | grep -q .; then
  flag "'Threaded.*CPU' selects other cases: $(grep -v '^Threaded/CPU\.' <<<"$sel" | head -3)"
fi

# --pcb_pin: bad values are one line naming the option and the values, exit 2.
err=$("$pcbench" --pcb_pin=diagonal 2>&1 >/dev/null); rc=$?
[[ $rc -eq 2 ]] || flag "--pcb_pin=diagonal: exit $rc, want 2"
[[ $(wc -l <<<"$err") -eq 1 && "$err" == *--pcb_pin* && "$err" == *"none, compact or spread"* ]] ||
  flag "--pcb_pin=diagonal message: $err"
err=$(PCB_PIN=diagonal "$pcbench" --benchmark_list_tests 2>&1 >/dev/null); rc=$?
[[ $rc -eq 2 && "$err" == *PCB_PIN* ]] || flag "PCB_PIN=diagonal: exit $rc: $err"
pinned=$("$pcbench" --pcb_pin=compact --pcb_profile=quick --benchmark_list_tests \
         --benchmark_filter='^Partitioned/')
[[ -n "$pinned" ]] && ! grep -qv '/pin:compact' <<<"$pinned" ||
  flag "--pcb_pin=compact is not in every case name"

# A refused POSIX queue: the case fails (exit 1) and names the limits.
out=$(ulimit -q 0; "$pcbench" --benchmark_filter='^MasterWorker/Empty/.*queue:mq' \
      --benchmark_min_time=0.01 2>&1); rc=$?
[[ $rc -eq 1 ]] || flag "refused mq: exit $rc, want 1"
grep -q 'mq_open refused.*msg_max=.*RLIMIT_MSGQUEUE=' <<<"$out" ||
  flag "refused mq: the limits are not named: $(grep -m1 ERROR <<<"$out")"

# A small run of every added strategy over CPU, waiting and empty work passes its checks.
out=$("$pcbench" --pcb_profile=quick --benchmark_min_time=0.01 --pcb_tasks=24 \
      --benchmark_filter='^(Partitioned|MasterWorker|OpenMP|Async|AsyncBlocking|Hybrid)/(CPU.hash|IO.sleep|Empty)/' \
      --pcb_param=kib=4 --pcb_param=latency_us=100 2>&1); rc=$?
[[ $rc -eq 0 ]] || flag "small run: exit $rc: $(grep -m3 'ERROR\|FAILED' <<<"$out")"
for r in Partitioned MasterWorker OpenMP Async AsyncBlocking Hybrid; do
  grep -q "^$r/IO.sleep/" <<<"$out" || flag "small run did not run $r/IO.sleep"
done

[[ $failures -eq 0 ]] && echo "strategies cli: all checks passed"
exit $((failures > 0))
