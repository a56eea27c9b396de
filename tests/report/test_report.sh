#!/usr/bin/env bash
# Tests of pcbench-report, `pcbench run` and benches/cli/hyperfine.sh. One case per invocation:
#
#   test_report.sh CASE PCBENCH_REPORT PCBENCH SOURCE_DIR WORK_DIR
#
# Inputs are the fixed files next to this script (small.json: a hand-made Google Benchmark
# file with a Sequential and two strategies at two worker counts, repetitions and aggregates,
# an errored case, IPC cases and their floors, a Lifecycle case whose label names its floor,
# a strategy with a numeric variant;
# hyperfine-small.json, three hyperfine commands, one with a failed run; names.json, Mem.alloc
# cases whose parameter is a name (alloc:glibc, alloc:jemalloc) and a Hybrid case with
# procs:2/threads:2; mpi-base.json, mpi-hosts3.json and mpi-hosts1.json, a run without MPI and
# two MPI runs (3 hosts over a delayed link, 1 host) for the links section; waiting.json, IO.sleep cases of three strategies at 8 and 128 tasks in
# flight with "pcb_work": "wait", Hybrid among them through its depth:64, and a CPU case). Every
# assertion is on a
# value; nothing depends on timing. Exit 0: pass; 77: skipped (a tool is not installed);
# anything else: fail, with the reason on stderr. Writes only under WORK_DIR/CASE.
set -uo pipefail

case_name=$1 report=$2 pcbench=$3 src=$4 work=$5
here="$src/tests/report"
dir="$work/$case_name"
rm -rf "$dir" && mkdir -p "$dir" || exit 1
. "$src/tests/lib.sh" # flag, $failures
FAIL_SCOPE=$case_name
# has FILE TEXT: the file contains the exact (fixed-string) text.
has() { grep -qF -- "$2" "$1" || flag "$1 lacks: $2"; }
hasnt() { ! grep -qF -- "$2" "$1" || flag "$1 should not contain: $2"; }
# csv_field FILE NAME_PREFIX COLUMN: the value of COLUMN in the row whose name starts so.
csv_field() {
  awk -F, -v want="$2" -v col="$3" '
    NR == 1 { for (i = 1; i <= NF; i++) idx[$i] = i; next }
    index($1, want) == 1 { print $(idx[col]); exit }' "$1"
}
eq() { [[ "$1" == "$2" ]] || flag "$3: got '$1', expected '$2'"; }

case "$case_name" in
tables)
  "$report" "$here/small.json" -o "$dir/out" >"$dir/stdout" || flag "exit status $?"
  md="$dir/out/index.md"
  has "$dir/stdout" "report: $dir/out/index.md (12 cases, 1 failed"
  # Machine line from the JSON context.
  has "$md" "2 CPUs at 2000 MHz"
  has "$md" "commit abcdef123456, build type Release"
  has "$md" "Google Benchmark library build: debug"
  # Speedup against Sequential (9 ms) at the same tasks and parameters; winners in bold.
  has "$md" "| Sequential | **9 ms (1.00x)** | |"
  has "$md" "| Threaded | 9.5 ms (0.95x) | 4.5 ms (2.00x) |"      # median aggregate only
  has "$md" "| Multiprocess | 9.2 ms (0.98x) | **4 ms (2.25x)** |" # raw repetitions only
  # Peak RSS and PSS (shared pages split): 4 and 2 MiB for threads, 7 and 3.5 MiB for processes.
  # (This file has no pool_pss_bytes: "-".)
  has "$md" "| Threaded | 2 | 2 | 1 | 4.5 ms | 153 us | 14.2k | 2.00 | 1.00 | 4.0 MiB | 2.0 MiB | - | 1.90 | 3 |"
  has "$md" "| Multiprocess | 2 | 2 | 1 | **4 ms** | 100 us | 16k | 2.25 | 1.12 | 7.0 MiB | 3.5 MiB | - | 1.95 | 3 |"
  has "$md" "1: **Sequential** (1.00x) · 2: **Multiprocess** (2.25x)"
  # A number only one strategy has is a variant of it, not a parameter of the input.
  has "$md" "| Async inflight:8 | | 5 ms (1.80x) |"
  # The errored case: FAILED with its message, never numbers.
  has "$md" "| Partitioned | | FAILED |"
  has "$md" "| Partitioned | 2 | 2 | - | FAILED: result mismatch: digest 0x0000000000000001, sequential reference 0x0000000000000002 (63 of 64 tasks done) |"
  # Families against their floors: processes/pipe 12/6 us, threads/futex 6/4 us.
  has "$md" "| IPC/pipe/processes/pingpong/msg:64 | 12 us | 1 us | 11 us | 30 us | 5.33M | 2.00 | Floor/pipe_pingpong/processes |"
  has "$md" "| IPC/eventfd/threads/pingpong/msg:8 | 6 us | - | 5.8 us | 9 us | 1.33M | 1.50 | Floor/futex_pingpong/threads |"
  has "$md" "| Floor/futex_pingpong/threads | 4 us | - | 1.00 | Floor/futex_pingpong/threads |"
  # A label naming a Floor/ case wins over the threads/processes rule (60 us / 6 us, not / 4 us).
  has "$md" "| Lifecycle/thread/create | 60 us | - | 10.00 | Floor/pipe_pingpong/processes |"
  hasnt "$md" "min_time"
  ;;
csv)
  "$report" "$here/small.json" -o "$dir/out" >/dev/null || flag "exit status $?"
  csv="$dir/out/results.csv"
  eq "$(wc -l <"$csv")" 13 "lines (header + one per case)"
  for col in name median_ns stddev_ns speedup efficiency floor_ratio items_per_second \
    peak_rss_bytes pss_bytes cores_used vol_cs_per_task invol_cs_per_task workers tasks \
    failed_tasks p50_ns p99_ns bytes_per_second; do
    head -n 1 "$csv" | tr ',' '\n' | grep -qx "$col" || flag "no column $col"
  done
  eq "$(csv_field "$csv" Sequential/ median_ns)" 9000000 "Sequential median_ns"
  eq "$(csv_field "$csv" Threaded/CPU.hash/workers:1/ median_ns)" 9500000 "Threaded@1 median_ns"
  eq "$(csv_field "$csv" Multiprocess/CPU.hash/workers:1/ median_ns)" 9200000 "Multiprocess@1 median_ns"
  eq "$(csv_field "$csv" Multiprocess/CPU.hash/workers:2/ speedup)" 2.25 "Multiprocess@2 speedup"
  eq "$(csv_field "$csv" Multiprocess/CPU.hash/workers:2/ efficiency)" 1.125 "Multiprocess@2 efficiency"
  eq "$(csv_field "$csv" Multiprocess/CPU.hash/workers:2/ winner)" 1 "Multiprocess@2 winner"
  eq "$(csv_field "$csv" Threaded/CPU.hash/workers:2/ winner)" 0 "Threaded@2 winner"
  eq "$(csv_field "$csv" Multiprocess/CPU.hash/workers:2/ peak_rss_bytes)" 7340032 "peak RSS"
  eq "$(csv_field "$csv" IPC/pipe/ floor_ratio)" 2 "IPC pipe floor ratio"
  eq "$(csv_field "$csv" IPC/eventfd/ p99_ns)" 9000 "IPC eventfd p99"
  # The failed case: its status and quoted message, then no number in any column.
  grep -qE '^Partitioned/CPU.hash/workers:2/tasks:64/kib:256/manual_time,matrix,Partitioned,CPU.hash,2,64,,kib:256,FAILED,"result mismatch: digest 0x0000000000000001, sequential reference 0x0000000000000002 \(63 of 64 tasks done\)",3,+$' "$csv" ||
    flag "the Partitioned row is not FAILED with its message and empty fields"
  ;;
charts)
  command -v gnuplot >/dev/null 2>&1 || { echo "gnuplot not installed: skipped"; exit 77; }
  "$report" "$here/small.json" -o "$dir/out" >"$dir/stdout" || flag "exit status $?"
  has "$dir/stdout" "charts in charts/"
  [[ -s "$dir/out/charts.gp" ]] || flag "no charts.gp"
  for base in 01-CPU.hash_tasks_64_kib_256-time 01-CPU.hash_tasks_64_kib_256-speedup \
    01-CPU.hash_tasks_64_kib_256-rss 01-CPU.hash_tasks_64_kib_256-pss ipc-latency-msg_64 \
    ipc-latency-msg_8; do
    png="$dir/out/charts/$base.png" svg="$dir/out/charts/$base.svg"
    [[ "$(head -c 8 "$png" 2>/dev/null | od -An -tx1 | tr -d ' \n')" == 89504e470d0a1a0a ]] ||
      flag "$png is not a PNG"
    grep -q "<svg" "$svg" 2>/dev/null || flag "$svg is not an SVG"
    has "$dir/out/index.md" "(charts/$base.png)"
  done
  has "$dir/out/charts/01-CPU.hash_tasks_64_kib_256-speedup.svg" "ideal (= workers)"
  has "$dir/out/charts/01-CPU.hash_tasks_64_kib_256-time.svg" "median time per batch (ms)"
  ;;
scaling)
  # A sweep made from known USL parameters (sigma 0.05, kappa 0.001, gamma 1000 tasks/s; 256
  # tasks a batch) at 1..32 workers, one at three worker counts (too few to fit) and one that
  # does not scale (flat): scaling.csv recovers the first and gives the others their verdicts;
  # the report has the Advice and Scaling model sections and, with gnuplot, the fitted chart.
  awk 'function x(n) { return 1000 * n / (1 + 0.05 * (n - 1) + 0.001 * n * (n - 1)) }
    function one(strategy, w, tput,   t) {
      t = 256 / tput * 1e9
      printf "%s    {\"name\": \"%s/CPU.hash/workers:%d/tasks:256/kib:64/manual_time\", \"run_name\": \"%s/CPU.hash/workers:%d/tasks:256/kib:64/manual_time\", \"run_type\": \"iteration\", \"repetitions\": 1, \"iterations\": 1, \"real_time\": %.3f, \"cpu_time\": 1000, \"time_unit\": \"ns\", \"items_per_second\": %.6f}", (n++ ? ",\n" : ""), strategy, w, strategy, w, t, tput
    }
    BEGIN {
      print "{\"context\": {\"num_cpus\": 2, \"pcbench_cpus_allowed\": \"2\"}, \"benchmarks\": ["
      one("Sequential", 1, 1000)
      split("1 2 4 8 16 32", ws, " ")
      for (i = 1; i <= 6; i++) one("Threaded", ws[i], x(ws[i]))
      for (i = 1; i <= 3; i++) one("Multiprocess", ws[i], x(ws[i]))
      for (i = 1; i <= 4; i++) one("OpenMP", ws[i], 990 + i)
      print "\n]}"
    }' >"$dir/sweep.json"
  "$report" "$dir/sweep.json" -o "$dir/out" >"$dir/stdout" 2>"$dir/stderr" || flag "exit status $?: $(cat "$dir/stderr")"
  csv="$dir/out/scaling.csv"
  [[ -s "$csv" ]] || flag "no scaling.csv"
  eq "$(head -n 1 "$csv")" "series,strategy,variant,workload,params,tasks,axis,points,max_measured,sigma,kappa,gamma,r2,peak_workers,cpus,projected_at_2x_cpus,projected_at_4x_cpus,status" "scaling.csv header"
  eq "$(csv_field "$csv" Threaded status)" fitted "Threaded's verdict"
  eq "$(csv_field "$csv" Threaded points)" 6 "Threaded's points"
  awk -v s="$(csv_field "$csv" Threaded sigma)" -v k="$(csv_field "$csv" Threaded kappa)" \
      -v g="$(csv_field "$csv" Threaded gamma)" -v r="$(csv_field "$csv" Threaded r2)" \
      -v p="$(csv_field "$csv" Threaded peak_workers)" 'BEGIN {
      exit !(s > 0.0499 && s < 0.0501 && k > 0.000999 && k < 0.001001 && g > 999.9 && g < 1000.1 &&
             r > 0.99999 && p > 30.7 && p < 30.9) }' ||
    flag "Threaded's fit is not sigma 0.05, kappa 0.001, gamma 1000, peak 30.8: $(grep '^Threaded' "$csv")"
  # X(4) = 4000 / 1.162 and X(8) = 8000 / 1.406: the projections at 2x and 4x the 2 CPUs.
  awk -v a="$(csv_field "$csv" Threaded projected_at_2x_cpus)" -v b="$(csv_field "$csv" Threaded projected_at_4x_cpus)" \
      'BEGIN { exit !(a > 3441 && a < 3444 && b > 5688 && b < 5691) }' ||
    flag "Threaded's projections: $(grep '^Threaded' "$csv")"
  eq "$(csv_field "$csv" Multiprocess status)" too_few_points "Multiprocess's verdict"
  eq "$(csv_field "$csv" Multiprocess sigma)" "" "Multiprocess's sigma (not fitted)"
  eq "$(csv_field "$csv" OpenMP status)" flat "OpenMP's verdict"
  [[ $(grep -c '^Sequential' "$csv") -eq 0 ]] || flag "Sequential (one point) has a scaling row"
  md="$dir/out/index.md"
  has "$md" "## Advice"
  has "$md" "| CPU.hash tasks:256 kib:64 | **Threaded** at 32 workers,"
  has "$md" "peaks at 30.8 workers (σ 0.050, κ 0.0010, R² 1.00)"
  has "$md" "- **CPU** work (1 input): fastest Threaded on 1"
  has "$md" "## Scaling model"
  has "$md" "1 sweeps fitted, 0 fitted poorly, 1 with too few points, 1 flat"
  has "$md" "| CPU.hash tasks:256 kib:64 | Threaded | 6 workers, up to 32 | 0.050 | 0.0010 | 1k | 1.000 | 30.8 | 3.44k | 5.69k |"
  if command -v gnuplot >/dev/null 2>&1; then
    svg="$dir/out/charts/01-CPU.hash_tasks_256_kib_64-scaling.svg"
    grep -q "<svg" "$svg" 2>/dev/null || flag "$svg is not an SVG"
    has "$svg" "fit: σ 0.050, κ 0.0010, R² 1.00"
    has "$md" "(charts/01-CPU.hash_tasks_256_kib_64-scaling.png)"
  fi
  ;;
no_gnuplot)
  # A PATH without gnuplot: the tables are still written and the report says why.
  mkdir -p "$dir/emptybin"
  PATH="$dir/emptybin" "$report" "$here/small.json" -o "$dir/out" >"$dir/stdout" ||
    flag "exit status $?"
  has "$dir/stdout" "charts skipped: gnuplot was not found in PATH"
  has "$dir/out/index.md" "**Charts:** skipped: gnuplot was not found in PATH"
  hasnt "$dir/out/index.md" ".png)"
  has "$dir/out/index.md" "| Multiprocess | 9.2 ms (0.98x) | **4 ms (2.25x)** |"
  [[ -s "$dir/out/results.csv" ]] || flag "no results.csv"
  ;;
bad_input)
  # expect_bad WHAT ARGS...: exit 2 and exactly one line on stderr.
  expect_bad() {
    local what=$1
    shift
    "$report" "$@" >"$dir/out.txt" 2>"$dir/err.txt"
    local rc=$?
    [[ $rc -eq 2 ]] || flag "$what: exit status $rc, expected 2"
    [[ $(wc -l <"$dir/err.txt") -eq 1 ]] || flag "$what: expected one line on stderr, got: $(cat "$dir/err.txt")"
  }
  expect_bad "missing file" "$dir/nope.json" -o "$dir/o1"
  has "$dir/err.txt" "nope.json: cannot open: No such file or directory"
  printf '{"benchmarks": [' >"$dir/trunc.json"
  expect_bad "not JSON" "$dir/trunc.json" -o "$dir/o2"
  has "$dir/err.txt" "trunc.json: truncated JSON: unexpected end of file"
  printf '{"hello": 1}\n' >"$dir/other.json"
  expect_bad "not a benchmark file" "$dir/other.json" -o "$dir/o3"
  has "$dir/err.txt" "not a Google Benchmark or hyperfine result file"
  printf 'x' >"$dir/afile"
  expect_bad "unwritable DIR" "$here/small.json" -o "$dir/afile/sub"
  has "$dir/err.txt" "-o $dir/afile/sub: cannot write there"
  expect_bad "two runs" "$here/small.json" "$here/small.json" -o "$dir/o5"
  has "$dir/err.txt" "small.json: a second Google Benchmark file"
  expect_bad "no input" -o "$dir/o4"
  expect_bad "unknown option" --frobnicate "$here/small.json"
  has "$dir/err.txt" "--frobnicate: unknown option"
  expect_bad "-o without a directory" "$here/small.json" -o
  has "$dir/err.txt" "pcbench-report: -o: needs a value (-o DIR)"
  [[ ! -e "$dir/o1" && ! -e "$dir/o2" && ! -e "$dir/o3" && ! -e "$dir/o5" ]] ||
    flag "bad input left a directory"
  ;;
fifo_input)
  # A FIFO (or a device) is refused at once: reading it would wait for a writer forever.
  mkfifo "$dir/fifo"
  timeout 20 "$report" "$dir/fifo" -o "$dir/o" >"$dir/out.txt" 2>"$dir/err.txt"
  eq "$?" 2 "exit status on a FIFO"
  eq "$(wc -l <"$dir/err.txt")" 1 "lines on stderr"
  has "$dir/err.txt" "pcbench-report: $dir/fifo: is a FIFO; expected a regular result file"
  [[ ! -e "$dir/o" ]] || flag "a refused FIFO left a report folder"
  ;;
nothing_to_report)
  # A file without a case, or with a counter that has no name, is refused, not reported.
  printf '{"context": {}, "benchmarks": []}\n' >"$dir/none.json"
  "$report" "$dir/none.json" -o "$dir/o" >/dev/null 2>"$dir/err.txt"
  eq "$?" 2 "exit status on a file without cases"
  has "$dir/err.txt" "none.json: holds no case; nothing to report"
  printf '{"benchmarks": [{"name": "X/a", "run_type": "iteration", "real_time": 100, "cpu_time": 100, "time_unit": "ns", "": 500000}]}\n' >"$dir/unnamed.json"
  "$report" "$dir/unnamed.json" -o "$dir/o" >/dev/null 2>"$dir/err.txt"
  eq "$?" 2 "exit status on a counter without a name"
  has "$dir/err.txt" 'unnamed.json: benchmark #0 ("X/a"): a counter has an empty name ("")'
  [[ ! -e "$dir/o" ]] || flag "a refused input left a report folder"
  ;;
failed_write)
  # A write that fails halfway (the file size limit, SIGXFSZ ignored so that write() returns
  # EFBIG) is an error, and nothing of the report is left: a new folder is not made, and an
  # existing report stays as it was, with the user's own file in it.
  (ulimit -f 1; trap '' XFSZ; exec "$report" "$here/small.json" -o "$dir/new/deep/out" 2>&1) |
    cat >"$dir/err.txt"
  eq "${PIPESTATUS[0]}" 2 "exit status of a failed write"
  eq "$(wc -l <"$dir/err.txt")" 1 "lines on stderr"
  has "$dir/err.txt" "pcbench-report: $dir/new/deep/out/"
  has "$dir/err.txt" "cannot write it: File too large"
  [[ ! -e "$dir/new" ]] || flag "a failed report left $(find "$dir/new" | tr '\n' ' ')"
  "$report" "$here/names.json" -o "$dir/out" >/dev/null ||
    flag "the first report: exit status $?"
  printf 'mine\n' >"$dir/out/notes.txt"
  before=$(cd "$dir/out" && find . -type f -exec md5sum {} + | sort)
  (ulimit -f 1; trap '' XFSZ; exec "$report" "$here/small.json" -o "$dir/out" 2>&1) |
    cat >"$dir/err.txt"
  eq "${PIPESTATUS[0]}" 2 "exit status of a failed rewrite"
  after=$(cd "$dir/out" && find . -type f -exec md5sum {} + | sort)
  [[ "$before" == "$after" ]] || flag "a failed rewrite changed the report: $(diff <(echo "$before") <(echo "$after"))"
  [[ -z "$(find "$dir/out" -name '.*partial*')" ]] || flag "a failed rewrite left its staging folder"
  # The same rewrite without the limit replaces the report and keeps the user's file.
  "$report" "$here/small.json" -o "$dir/out" >/dev/null || flag "the rewrite: exit status $?"
  has "$dir/out/index.md" "| Sequential | **9 ms (1.00x)** | |"
  has "$dir/out/notes.txt" "mine"
  [[ -z "$(find "$dir/out" -name '.*partial*')" ]] || flag "a rewrite left its staging folder"
  ;;
rewrite)
  # Into a folder that exists (holding an earlier report of another file and a file of the
  # user's), every file of the report is put in place, byte for byte what a new folder gets,
  # and the user's file stays.
  "$report" "$here/small.json" -o "$dir/fresh" >/dev/null || flag "the fresh report: exit status $?"
  mkdir "$dir/out"
  "$report" "$here/names.json" -o "$dir/out" >/dev/null || flag "the first report: exit status $?"
  printf 'mine\n' >"$dir/out/notes.txt"
  "$report" "$here/small.json" -o "$dir/out" >/dev/null || flag "the rewrite: exit status $?"
  for f in index.md index.html results.csv scaling.csv $(cd "$dir/fresh" && find charts.gp charts -type f 2>/dev/null); do
    cmp -s "$dir/fresh/$f" "$dir/out/$f" || flag "$f is not the new report's"
  done
  eq "$(cat "$dir/out/notes.txt")" mine "the user's file"
  [[ -z "$(find "$dir/out" -name '.*partial*')" ]] || flag "the rewrite left its staging folder"
  # Each file starts with the mark by which the next report knows it may replace it.
  eq "$(head -n 1 "$dir/out/index.md")" "<!-- written by pcbench: this file is replaced on the next run -->" "index.md's first line"
  eq "$(head -n 2 "$dir/out/index.html" | tail -n 1)" "<!-- written by pcbench: this file is replaced on the next run -->" "index.html's second line"
  eq "$(sed -n 2p "$dir/out/index.md")" "# pcbench report" "index.md's title, after the mark"
  ;;
user_files)
  # Nothing is lost: where the report would replace a file of the user's (index.html, index.md,
  # results.csv, scaling.csv, charts.gp, a FIFO of such a name, or a charts/ folder without a
  # charts.gp of the report's beside it), it refuses before it writes anything: exit 2, one line
  # naming the file, the folder byte for byte as it was, no staging folder, nothing on stdout.
  # state DIR: every name under DIR, its type and size, and every file's checksum.
  state() { (cd "$1" && find . -printf '%p %y %s\n' | sort && find . -type f -exec md5sum {} + | sort); }
  # refused DIR WHAT [WHY]: the report into DIR is refused with the one line naming DIR/WHAT.
  refused() {
    local d=$1 what=$2 why=${3:-"is not a file pcbench-report wrote"} before
    before=$(state "$d")
    timeout 30 "$report" "$here/small.json" -o "$d" >"$dir/out.txt" 2>"$dir/err.txt"
    eq "$?" 2 "$what: exit status"
    eq "$(cat "$dir/err.txt")" "pcbench-report: -o $d: $d/$what $why; it is left alone (give another -o DIR)" "$what: the line"
    eq "$(wc -c <"$dir/out.txt")" 0 "$what: bytes on stdout"
    eq "$(state "$d")" "$before" "$what: the folder afterwards"
  }
  mkdir -p "$dir/page" "$dir/notes" "$dir/table" "$dir/fit" "$dir/script" "$dir/pipe" "$dir/pics"
  printf '<!DOCTYPE html>\n<html>mine</html>\n' >"$dir/page/index.html"
  cp "$dir/page/index.html" "$dir/page.copy"
  printf '# My notes\n\nNot a report.\n' >"$dir/notes/index.md"
  cp "$dir/notes/index.md" "$dir/notes.copy"
  printf 'name,value\nx,1\n' >"$dir/table/results.csv"
  printf 'series,mine\n' >"$dir/fit/scaling.csv"
  printf 'plot sin(x)\n' >"$dir/script/charts.gp"
  mkfifo "$dir/pipe/index.md"
  mkdir "$dir/pics/charts" && printf 'mine\n' >"$dir/pics/charts/whole-process.svg"
  refused "$dir/page" index.html
  refused "$dir/notes" index.md
  refused "$dir/table" results.csv
  refused "$dir/fit" scaling.csv
  refused "$dir/script" charts.gp
  refused "$dir/pipe" index.md
  refused "$dir/pics" charts "is not a folder pcbench-report made (there is no charts.gp of its own beside it)"
  cmp -s "$dir/page/index.html" "$dir/page.copy" || flag "the user's index.html changed"
  cmp -s "$dir/notes/index.md" "$dir/notes.copy" || flag "the user's index.md changed"
  # A user's file beside an earlier report of the report's own: refused all the same, and the
  # earlier report stays as it was.
  "$report" "$here/names.json" -o "$dir/mixed" >/dev/null || flag "the first report: exit status $?"
  cp "$dir/notes/index.md" "$dir/mixed/index.md"
  refused "$dir/mixed" index.md
  # A file of the user's that appears while the report is written (here made by a stand-in
  # gnuplot) is found before anything is put in place: refused, and nothing of the report left.
  mkdir -p "$dir/bin"
  printf '#!/bin/sh\nmkdir -p "%s/late" && printf "# mine\\n" >"%s/late/index.md"\n' "$dir" "$dir" >"$dir/bin/gnuplot"
  chmod +x "$dir/bin/gnuplot"
  PATH="$dir/bin:$PATH" "$report" "$here/small.json" -o "$dir/late" >/dev/null 2>"$dir/err.txt"
  eq "$?" 2 "late: exit status"
  has "$dir/err.txt" "pcbench-report: -o $dir/late: $dir/late/index.md is not a file pcbench-report wrote"
  eq "$(cd "$dir/late" && find . | sort | tr '\n' ' ')" ". ./index.md " "late: the folder afterwards"
  eq "$(cat "$dir/late/index.md")" "# mine" "late: the user's file"
  [[ -z "$(find "$dir" -name '.*partial*')" ]] || flag "a refused report left its staging folder"
  ;;
interrupted)
  # SIGTERM while gnuplot runs (a stand-in that waits): gnuplot is stopped, nothing is left,
  # and the report dies of the signal.
  mkdir -p "$dir/bin"
  printf '#!/bin/sh\necho $$ >"%s/started.tmp" && mv "%s/started.tmp" "%s/started"\nexec sleep 60\n' \
    "$dir" "$dir" "$dir" >"$dir/bin/gnuplot"
  chmod +x "$dir/bin/gnuplot"
  PATH="$dir/bin:$PATH" "$report" "$here/small.json" -o "$dir/out" >/dev/null 2>&1 &
  pid=$!
  for _ in $(seq 200); do [[ -e "$dir/started" ]] && break; sleep 0.1; done
  [[ -e "$dir/started" ]] || flag "the stand-in gnuplot never started"
  kill -TERM "$pid"
  wait "$pid"
  eq "$?" 143 "exit status (death by SIGTERM)"
  [[ ! -e "$dir/out" ]] || flag "an interrupted report left $(find "$dir/out" | tr '\n' ' ')"
  [[ -z "$(find "$dir" -maxdepth 1 -name '.*partial*')" ]] || flag "an interrupted report left its staging folder"
  ! kill -0 "$(cat "$dir/started")" 2>/dev/null || flag "the stand-in gnuplot is still running"
  ;;
names)
  # Parameters are told by position (after tasks:), names and numbers alike: alloc:glibc and
  # alloc:jemalloc are two inputs, each against its own Sequential. Hybrid's procs:2/threads:2
  # is 4 workers, shown as 2x2, in the series of its variant threads:2.
  "$report" "$here/names.json" -o "$dir/out" >/dev/null || flag "exit status $?"
  md="$dir/out/index.md" csv="$dir/out/results.csv"
  has "$md" "| Mem.alloc tasks:64 alloc:glibc | 1: **Sequential** (1.00x) · 2: **Threaded** (2.00x) · 4: **Hybrid threads:2** (4.00x) |"
  has "$md" "| Mem.alloc tasks:64 alloc:jemalloc | 1: **Sequential** (1.00x) · 2: **Threaded** (1.60x) |"
  has "$md" "| Hybrid threads:2 | 2x2 | 4 | 1 | **2.5 ms** | 25 us | 25.6k | 4.00 | 1.00 |"
  eq "$(csv_field "$csv" Threaded/Mem.alloc/workers:2/tasks:64/chunk:1/alloc:jemalloc/ params)" \
    alloc:jemalloc "Threaded jemalloc params"
  eq "$(csv_field "$csv" Threaded/Mem.alloc/workers:2/tasks:64/chunk:1/alloc:jemalloc/ speedup)" \
    1.6 "Threaded jemalloc speedup (against Sequential jemalloc)"
  eq "$(csv_field "$csv" Hybrid/ workers)" 2x2 "Hybrid workers"
  eq "$(csv_field "$csv" Hybrid/ efficiency)" 1 "Hybrid efficiency (4 workers)"
  ;;
waiting)
  # Waiting work ("pcb_work": "wait") is compared and rated per task in flight: Threaded and
  # Async meet at 8 and at 128 in flight, and so does Hybrid procs:1/threads:2, whose loops keep
  # 1 x 2 x 64 = 128 in flight (this case has no concurrency counter: the name's depth:64 gives
  # it). Efficiency = speedup / in flight there; on CPU work it is speedup / min(workers, CPUs):
  # Hybrid's 3.2x with 2x2 workers on 2 CPUs is 1.6, a figure no honest run gives.
  "$report" "$here/waiting.json" -o "$dir/out" >/dev/null || flag "exit status $?"
  md="$dir/out/index.md" csv="$dir/out/results.csv"
  has "$md" "| IO.sleep tasks:256 latency_us:1000 | 1 in flight: **Sequential** (1.00x) · 8 in flight: **Async backend:epoll** (8.00x) · 128 in flight: **Async backend:epoll** (128.00x) | Async backend:epoll at 128 workers (128 in flight), 2 ms, 128.00x |"
  has "$md" "| strategy | 1 in flight | 8 in flight | 128 in flight |"
  has "$md" "| Hybrid threads:2 depth:64 | | | 2.05 ms (125.00x) |"
  has "$md" "| Hybrid threads:2 depth:64 | 1x2 | 128 | 1 | 2.05 ms | - | 125k | 125.00 | 0.98 |"
  has "$md" "| CPU.hash tasks:64 kib:64 | 1: **Sequential** (1.00x) · 4: **Hybrid threads:2** (3.20x) |"
  eq "$(csv_field "$csv" Hybrid/IO.sleep/ efficiency)" 0.9765625 "Hybrid efficiency (125x / 128 in flight)"
  eq "$(csv_field "$csv" Threaded/IO.sleep/workers:128/ efficiency)" 0.78125 "Threaded@128 efficiency"
  eq "$(csv_field "$csv" Async/IO.sleep/workers:8/ efficiency)" 1 "Async@8 efficiency"
  eq "$(csv_field "$csv" Hybrid/CPU.hash/ efficiency)" 1.6 "Hybrid CPU efficiency (3.2x / min(4, 2 CPUs))"
  eq "$(csv_field "$csv" Threaded/IO.sleep/workers:128/ winner)" 0 "Threaded@128 winner"
  ;;
links)
  # MPI runs beside a run without MPI (mpi-base.json: Sequential and Threaded; mpi-hosts3.json:
  # Distributed across 3 hosts joined by the hub at 100 us; mpi-hosts1.json: the same on one
  # host): each file's context gives its row's hosts, link and delay, its Floor/mpi_pingpong the
  # round trip, and every time is read against the one Sequential median (4.2 ms).
  "$report" "$here/mpi-base.json" "$here/mpi-hosts3.json" "$here/mpi-hosts1.json" -o "$dir/out" \
    >"$dir/stdout" || flag "exit status $?"
  md="$dir/out/index.md"
  has "$md" "## Distribution against the link"
  has "$md" "**Input:** \`$here/mpi-base.json\`, \`$here/mpi-hosts3.json\`, \`$here/mpi-hosts1.json\`;"
  has "$md" "| hosts | link | delay us | MPI round trip | series | workers:1 | workers:2 |"
  has "$md" "| 1 | one process | - | - | Sequential | 4.2 ms (1.00x) | |"
  has "$md" "| 1 | one process | - | - | Threaded chunk:1 | | 2 ms (2.10x) |"
  has "$md" "| 3 | hub | 100 | 500 us | Distributed schedule:dynamic chunk:1 | 8 ms (0.53x) | 5 ms (0.84x) |"
  has "$md" "| 1 | shared memory | - | 20 us | Distributed schedule:dynamic chunk:1 | 4.4 ms (0.95x) | 2.2 ms (1.91x) |"
  # The other sections show the first run only.
  hasnt "$md" "Distributed/CPU.hash/workers:1/schedule:dynamic"
  # Without an MPI run the section is not there, and a second plain file is still refused.
  "$report" "$here/mpi-base.json" -o "$dir/plain" >/dev/null || flag "exit status $?"
  hasnt "$dir/plain/index.md" "Distribution against the link"
  "$report" "$here/mpi-base.json" "$here/small.json" -o "$dir/two" 2>"$dir/err.txt" &&
    flag "two plain Google Benchmark files were accepted"
  has "$dir/err.txt" "small.json: a second Google Benchmark file"
  ;;
hostile_names)
  # Names holding control characters (ESC sequences, a line break, a tab), one of 300
  # characters, one with a comma and quotes, and a context value with ESC and BEL. No control
  # character reaches index.md, index.html or results.csv: each shows as '?', as compare shows
  # it; index.md cuts a name to compare's 144 characters (the last an ellipsis), results.csv
  # keeps it whole and quotes what needs quoting.
  long="Other/$(printf '%0294d' 0)"
  printf '%s\n' '{"context": {"host_name": "box\u001b]0;owned\u0007", "num_cpus": 2}, "benchmarks": [' \
    '{"name": "Other/esc\u001b[31mred\u001b[0m/line\nbreak\ttab", "run_type": "iteration", "real_time": 100, "cpu_time": 100, "time_unit": "ns"},' \
    "{\"name\": \"$long\", \"run_type\": \"iteration\", \"real_time\": 200, \"cpu_time\": 200, \"time_unit\": \"ns\"}," \
    '{"name": "Other/comma,\"quoted\"", "run_type": "iteration", "real_time": 300, "cpu_time": 300, "time_unit": "ns", "error_occurred": true, "error_message": "boom\u001b[2J"}' \
    ']}' >"$dir/hostile.json"
  "$report" "$dir/hostile.json" -o "$dir/out" >/dev/null 2>"$dir/err" || flag "exit status $?: $(cat "$dir/err")"
  md="$dir/out/index.md" csv="$dir/out/results.csv" html="$dir/out/index.html"
  for f in "$md" "$csv" "$html"; do
    ! LC_ALL=C grep -q $'[\x01-\x09\x0b-\x1f\x7f]' "$f" ||
      flag "$f holds a raw control character: $(LC_ALL=C grep -n $'[\x01-\x09\x0b-\x1f\x7f]' "$f" | cat -v | head -n 3)"
  done
  has "$md" "| Other/esc?\[31mred?\[0m/line?break?tab | 100 ns |"
  has "$md" "| ${long:0:143}… | 200 ns |"
  hasnt "$md" "$long"
  has "$md" "| Other/comma,\"quoted\" | FAILED: boom?\[2J |"
  has "$md" "**Machine:** box?\]0;owned?, 2 CPUs"
  eq "$(wc -l <"$csv")" 4 "results.csv lines (header + one per case)"
  grep -q "^Other/esc?\[31mred?\[0m/line?break?tab,other," "$csv" || flag "results.csv lacks the ESC name as Other/esc?[31mred?[0m/line?break?tab"
  grep -q "^$long,other," "$csv" || flag "results.csv lacks the whole 300-character name"
  has "$csv" '"Other/comma,""quoted""",other,'
  has "$csv" ',FAILED,boom?[2J,'
  has "$html" "Other/esc?[31mred?[0m/line?break?tab"
  ;;
hyperfine_input)
  "$report" "$here/hyperfine-small.json" -o "$dir/out" >/dev/null || flag "exit status $?"
  md="$dir/out/index.md"
  has "$md" "| Sequential | 3 | 12 ms | 12.5 ms ± 500 us | 11.8 ms | 13.1 ms | 10 ms | 1 ms | 1.00 |"
  has "$md" "| Threaded | 3 | 8 ms | 8.2 ms ± 400 us | 7.8 ms | 8.8 ms | 12 ms | 2 ms | 1.50 |"
  has "$md" "| Multiprocess | 3 | FAILED: a run exited with status 1 |"
  eq "$(csv_field "$dir/out/results.csv" Threaded speedup)" 1.5 "hyperfine speedup in CSV"
  ;;
oneshot)
  args=(--workload CPU.hash --workers 2 --tasks 12 --param kib=8)
  "$pcbench" run --strategy tHrEaDeD "${args[@]}" >"$dir/text" 2>"$dir/err" || flag "text run: exit $?"
  grep -q "^Threaded.* on CPU.hash kib:8, 2 workers, 2 in flight, 12 tasks, chunk 1, seed 42$" "$dir/text" ||
    flag "no header line naming strategy, workload, workers, tasks, chunk and seed"
  for field in "wall time" \
    "items/s" "bytes/s" "peak RSS" "cores used" "CPU per task" "context switches" \
    "against one Sequential batch" "matches (sequential reference 0x"; do
    has "$dir/text" "$field"
  done
  "$pcbench" run --strategy Sequential "${args[@]}" --no-baseline --json >"$dir/seq.json" ||
    flag "sequential --json: exit $?"
  "$pcbench" run --strategy Multiprocess "${args[@]}" --chunk 5 --json >"$dir/mp.json" ||
    flag "multiprocess --json: exit $?"
  [[ $(wc -l <"$dir/mp.json") -eq 1 ]] || flag "--json printed more than one line"
  for key in '"strategy":"Multiprocess"' '"workload":"CPU.hash"' '"params":{"kib":8}' \
    '"workers":2' '"tasks":12' '"chunk":5' '"seed":42' '"wall_ns":' '"items_per_second":' \
    '"peak_rss_bytes":' '"worker_processes":2' '"cores_used":' '"cpu_ns_per_task":' '"vol_cs_per_task":' \
    '"invol_cs_per_task":' '"speedup":' '"efficiency":' '"digest_ok":true' '"failed_tasks":0'; do
    has "$dir/mp.json" "$key"
  done
  has "$dir/seq.json" '"speedup":null'
  has "$dir/mp.json" '"concurrency":2'
  # Efficiency is one definition (efficiency.h): speedup / min(workers, CPUs) on CPU work,
  # speedup / concurrency on waiting work, where Hybrid's loops keep P x T x 64 in flight.
  cpus=$(nproc)
  awk -v c="$cpus" '{ match($0, /"speedup":[0-9.]+/); s = substr($0, RSTART + 10, RLENGTH - 10)
       match($0, /"efficiency":[0-9.]+/); e = substr($0, RSTART + 13, RLENGTH - 13)
       w = 2 < c ? 2 : c; d = s / w - e; exit !(d < 0.0001 && d > -0.0001) }' "$dir/mp.json" ||
    flag "CPU work: efficiency is not speedup / min(2 workers, $cpus CPUs): $(cat "$dir/mp.json")"
  "$pcbench" run --strategy Hybrid --workload IO.sleep --workers 1 --tasks 16 \
    --param latency_us=200 --json >"$dir/hy.json" || flag "hybrid --json: exit $?"
  has "$dir/hy.json" '"variant":"threads:2 depth:64"'
  has "$dir/hy.json" '"total_workers":2,"concurrency":128'
  awk '{ match($0, /"speedup":[0-9.]+/); s = substr($0, RSTART + 10, RLENGTH - 10)
       match($0, /"efficiency":[0-9.]+/); e = substr($0, RSTART + 13, RLENGTH - 13)
       d = s / 128 - e; exit !(d < 0.0001 && d > -0.0001 && e <= 1.05) }' "$dir/hy.json" ||
    flag "waiting work: efficiency is not speedup / 128 in flight: $(cat "$dir/hy.json")"
  "$pcbench" run --strategy Hybrid --workload IO.sleep --workers 1 --tasks 16 \
    --param latency_us=200 >"$dir/hy.text" || flag "hybrid text: exit $?"
  has "$dir/hy.text" "(speedup / concurrency 128)"
  digest() { sed -n 's/.*"digest":"\(0x[0-9a-f]*\)".*/\1/p' "$1"; }
  d_seq=$(digest "$dir/seq.json") d_mp=$(digest "$dir/mp.json")
  [[ -n "$d_seq" && "$d_seq" == "$d_mp" ]] || flag "digests differ: '$d_seq' vs '$d_mp'"
  # The digest is checked: a wrong expected digest is a mismatch, exit 1.
  "$pcbench" run --strategy Threaded "${args[@]}" --no-baseline --digest 0x1 >/dev/null 2>"$dir/err"
  eq "$?" 1 "exit status on a digest mismatch"
  has "$dir/err" "result mismatch: digest $d_seq, expected (--digest) 0x0000000000000001"
  # The right one passes.
  "$pcbench" run --strategy Threaded "${args[@]}" --no-baseline --digest "$d_seq" >/dev/null ||
    flag "the right --digest failed: exit $?"
  # Bad names list the valid ones; bad numbers name the option and the range; exit 2.
  bad() {
    "$pcbench" run "$@" >/dev/null 2>"$dir/err"
    local rc=$?
    [[ $rc -eq 2 ]] || flag "run $*: exit $rc, expected 2"
    [[ $(wc -l <"$dir/err") -eq 1 ]] || flag "run $*: expected one line, got: $(cat "$dir/err")"
  }
  bad --strategy nosuch --workload CPU.hash
  has "$dir/err" "--strategy=nosuch: unknown strategy; valid: Sequential, Threaded"
  bad --strategy Threaded --workload nosuch
  has "$dir/err" "--workload=nosuch: unknown workload; valid: CPU.hash"
  bad --strategy Threaded --workload CPU.hash --tasks 0
  has "$dir/err" "--tasks=0: expected an integer from 1 to "
  bad --strategy Threaded --workload CPU.hash --workers 99999999
  has "$dir/err" "--workers=99999999: expected an integer from 1 to "
  bad --strategy Threaded --workload CPU.hash --param kib=0
  has "$dir/err" "--param=kib=0: kib of CPU.hash is an integer from 1 to "
  bad --strategy Threaded --workload CPU.hash --param nosuch=1
  has "$dir/err" "parameter of CPU.hash: kib"
  bad --strategy Threaded --workload CPU.hash --frobnicate
  ;;
hyperfine_script)
  command -v hyperfine >/dev/null 2>&1 || { echo "hyperfine not installed: skipped"; exit 77; }
  bindir=$(dirname "$pcbench")
  bash "$src/benches/cli/hyperfine.sh" --build "$bindir" --runs 2 --warmup 0 --inproc-runs 1 \
    --strategies "Sequential Threaded" --workers 2 --tasks 8 --param kib=8 --out "$dir/hf" \
    >"$dir/stdout" 2>"$dir/stderr" || flag "exit status $?: $(tail -n 3 "$dir/stderr")"
  [[ $(grep -c '"command":' "$dir/hf/hyperfine.json") -eq 2 ]] || flag "hyperfine.json: not 2 commands"
  has "$dir/hf/hyperfine.json" '"command": "Sequential"'
  has "$dir/hf/hyperfine.json" '"exit_codes": ['
  eq "$(wc -l <"$dir/hf/inprocess.tsv")" 3 "inprocess.tsv lines"
  has "$dir/stdout" "In-process batch time against whole-process time"
  if [[ -x "$bindir/pcbench-report" ]]; then
    has "$dir/hf/report/index.md" "## Whole-process timing (hyperfine)"
    has "$dir/hf/report/index.md" "| Sequential | 2 |"
  fi
  ;;
*)
  echo "unknown case $case_name" >&2
  exit 2
  ;;
esac

[[ $failures -eq 0 ]] || exit 1
echo "ok [$case_name]"
