#!/usr/bin/env bash
# nightly.sh - the nightly regression gate: run the gate subset of pcbench, keep the result,
# compare it with a baseline, write a Markdown report next to it, exit 1 on a regression.
#
# Modes
#   ab      (default when a base revision is known) builds the base commit and the new commit
#           side by side and runs them interleaved, case by case: base, new, base, new, ...,
#           each a short run, so that drift on a shared machine hits both sides alike; compare
#           then judges each round's pair (--paired: the signed-rank test of the rounds'
#           ratios), so what drifts between rounds cancels. This is the mode to trust on a
#           virtual machine.
#
# compare adjusts the p-values with Holm's method (--adjust=holm): the chance of any false alarm
# in a run is bounded, also when other cases really regressed.
# Every mode judges each metric of --metric on its own (default: real_time, and
# cpu_ns_per_task, the CPU a task costs, which a neighbour taking a CPU does not stretch); a case
# regresses when it regresses on any of them. A metric after the first that no case of the
# subset has (Floor/ cases have no tasks) is passed over with a note.
#   stored  compares the new run with DIR/baseline.json, a result file kept from an earlier
#           run; needs only result files, but two runs hours apart on a shared machine differ
#           by more than most regressions (see BENCHMARKS.md, "The gate's false alarms").
#   calibrate  an A/A run: the subset twice on the same build; writes DIR/thresholds.tsv with
#           a per-case band from the observed spread, which compare reads with --thresholds.
#   bisect  (--bisect GOOD BAD) names the first commit between GOOD and BAD that made a case
#           slower, as `asv find` does: judges BAD against GOOD as ab mode does, keeps the cases
#           that regressed (or whose work changed), and halves the first-parent range between
#           them, judging each midpoint against GOOD on those cases only. GOOD is built once;
#           the midpoints share one checkout and one build folder, rebuilt incrementally; all of
#           it lives in the temporary folder and goes away however the script ends.
#
# Files, all in DIR (--dir, default results/gate), so CI can cache or commit them:
#   <UTC date>-<commit>.json   stored mode: the new results (written under a temporary name,
#                              then renamed: never a truncated file, also when interrupted)
#   <UTC date>-<commit>-ab/    ab mode: every sample file of both sides (base-*.json, new-*.json)
#   <UTC date>-<commit>.md     the report compare wrote for the pull request or the job log
#   <UTC date>-<commit>-bisect.md  bisect mode: the range, the cases bisected, every step's
#                              verdict and the first bad commit
#   baseline.json              the baseline of stored mode (--update-baseline replaces it, only
#                              after a run that passed)
#   thresholds.tsv             per-case thresholds from --calibrate (used when present)
#   history.db                 every run the gate judged (stored: the run; ab: the new side's
#                              samples, as one run), kept by pcbench-history; --fail-on-change also
#                              fails the gate when a regression starts in the newest runs there
#
# Exit status: 0 nothing regressed (bisect: the first bad commit was named), 1 something
# regressed, 2 bad usage or a failed run, or a comparison compare refused (nothing to compare,
# such as a result file without cases, is not a pass: the gate keeps nothing of it and never
# makes it the baseline); bisect: also bad revisions, and a range in which nothing regressed.
set -uo pipefail
# No word is ever a file pattern: the subset's regexes (a line such as `*`) are passed as they
# are; the one place that lists files turns globbing on for itself.
set -f

here=$(cd "$(dirname "$0")" && pwd)
top=$(cd "$here/.." && pwd)

usage() {
  cat <<EOF
usage: compare/nightly.sh [options]
  --mode ab|stored|calibrate|bisect  how to judge (default: bisect with --bisect, ab with
                              --base-rev, else stored)
  --base-rev REV              base commit for ab mode (e.g. origin/main, HEAD~1)
  --bisect GOOD BAD           name the first commit after GOOD, up to BAD, that made a case of
                              the subset slower (the bisect mode)
  --dir DIR                   results, reports, baseline and thresholds (default: results/gate)
  --filter-file FILE          the gate subset, one extended regex per line, checked before the
                              build (default: compare/gate.filter)
  --filter RE                 the gate subset as one extended regex, in place of --filter-file
                              (a user's own cases: --filter='/Zlib\.blocks/')
  --plugin PATH               a plugin of workloads (pcbench --pcb_plugin), given to every
                              pcbench run of the gate; repeatable
  --repetitions N             samples per case and side (ab: rounds), 9..100 (default: 15)
  --metric NAME               a metric to judge, repeatable; a case regresses when any of them
                              does (default: real_time and cpu_ns_per_task)
  --base-bin-dir DIR          ab mode: use the base's pcbench already built in DIR instead of
                              building --base-rev (which then only names the base)
  --min-time S                seconds per sample, 0.01..10 (default: 0.1)
  --results FILE              stored mode: judge this result file instead of running pcbench
  --thresholds FILE           per-case thresholds for compare (default: DIR/thresholds.tsv if present)
  --threshold PCT             minimum change that counts, percent (default: compare's, 5)
  --update-baseline           after a passing stored-mode run, make its results the baseline
  --fail-on-change            also exit 1 when DIR/history.db shows a regression starting in
                              the newest runs (pcbench-history changes --fail-on-latest)
  --build-dir DIR             where to build the new commit (default: build-gate)
  --bin-dir DIR               use pcbench and compare already built in DIR (no build)
  -h, --help                  this text
EOF
}

die() { echo "nightly: $*" >&2; exit 2; }

mode="" base_rev="" dir="results/gate" filter_file="$here/gate.filter" reps=15 min_time=0.1
results="" thresholds="" threshold="" update=0 build_dir="build-gate" bin_dir="" fail_on_change=0
good_rev="" bad_rev="" bisect_given=0
filter_re="" filter_file_given=0 plugins=() metrics=() base_bin_dir=""
while [[ $# -gt 0 ]]; do
  case "$1" in
    --mode) mode=${2-}; shift 2 || die "--mode needs a value: ab, stored or calibrate" ;;
    --mode=*) mode=${1#*=}; shift ;;
    --base-rev) base_rev=${2-}; shift 2 || die "--base-rev needs a revision" ;;
    --base-rev=*) base_rev=${1#*=}; shift ;;
    --bisect)
      [[ $# -ge 3 && -n "$2" && -n "$3" && "$2" != -* && "$3" != -* ]] ||
        die "--bisect needs two revisions: --bisect GOOD BAD"
      good_rev=$2 bad_rev=$3 bisect_given=1; shift 3 ;;
    --dir) dir=${2-}; shift 2 || die "--dir needs a directory" ;;
    --dir=*) dir=${1#*=}; shift ;;
    --filter-file) filter_file=${2-}; filter_file_given=1; shift 2 || die "--filter-file needs a file" ;;
    --filter-file=*) filter_file=${1#*=}; filter_file_given=1; shift ;;
    --filter) filter_re=${2-}; shift 2 || die "--filter needs a regex" ;;
    --filter=*) filter_re=${1#*=}; shift ;;
    --plugin) [[ $# -ge 2 ]] || die "--plugin needs a file"; plugins+=("$2"); shift 2 ;;
    --plugin=*) plugins+=("${1#*=}"); shift ;;
    --repetitions) reps=${2-}; shift 2 || die "--repetitions needs a number" ;;
    --repetitions=*) reps=${1#*=}; shift ;;
    --metric) [[ $# -ge 2 ]] || die "--metric needs a name"; metrics+=("$2"); shift 2 ;;
    --metric=*) metrics+=("${1#*=}"); shift ;;
    --base-bin-dir) base_bin_dir=${2-}; shift 2 || die "--base-bin-dir needs a directory" ;;
    --base-bin-dir=*) base_bin_dir=${1#*=}; shift ;;
    --min-time) min_time=${2-}; shift 2 || die "--min-time needs seconds" ;;
    --min-time=*) min_time=${1#*=}; shift ;;
    --results) results=${2-}; shift 2 || die "--results needs a file" ;;
    --results=*) results=${1#*=}; shift ;;
    --thresholds) thresholds=${2-}; shift 2 || die "--thresholds needs a file" ;;
    --thresholds=*) thresholds=${1#*=}; shift ;;
    --threshold) threshold=${2-}; shift 2 || die "--threshold needs a percentage" ;;
    --threshold=*) threshold=${1#*=}; shift ;;
    --update-baseline) update=1; shift ;;
    --fail-on-change) fail_on_change=1; shift ;;
    --build-dir) build_dir=${2-}; shift 2 || die "--build-dir needs a directory" ;;
    --build-dir=*) build_dir=${1#*=}; shift ;;
    --bin-dir) bin_dir=${2-}; shift 2 || die "--bin-dir needs a directory" ;;
    --bin-dir=*) bin_dir=${1#*=}; shift ;;
    -h|--help) usage; exit 0 ;;
    *) die "$1: unknown option (see --help)" ;;
  esac
done

[[ -z "$mode" && $bisect_given -eq 1 ]] && mode=bisect
[[ -z "$mode" ]] && { [[ -n "$base_rev" ]] && mode=ab || mode=stored; }
case "$mode" in ab|stored|calibrate|bisect) ;; *) die "--mode=$mode: expected ab, stored, calibrate or bisect" ;; esac
[[ "$mode" == bisect && $bisect_given -eq 0 ]] && die "--mode=bisect needs --bisect GOOD BAD"
[[ "$mode" != bisect && $bisect_given -eq 1 ]] && die "--bisect goes with --mode=bisect (or no --mode)"
[[ "$mode" == bisect && -n "$base_rev" ]] && die "--base-rev goes with --mode=ab; --bisect names its own GOOD"
# Base 10 always: bash's arithmetic reads 09 as a bad octal number and 010 as 8.
[[ "$reps" =~ ^[0-9]{1,9}$ ]] && (( 10#$reps >= 9 && 10#$reps <= 100 )) ||
  die "--repetitions=$reps: expected an integer from 9 to 100 (the U test needs at least 9)"
reps=$((10#$reps))
[[ "$min_time" =~ ^[0-9]*\.?[0-9]+$ ]] && awk -v t="$min_time" 'BEGIN{exit !(t>=0.01 && t<=10)}' ||
  die "--min-time=$min_time: expected seconds from 0.01 to 10"
[[ -z "$threshold" ]] || { [[ "$threshold" =~ ^[0-9]*\.?[0-9]+$ ]] &&
  awk -v t="$threshold" 'BEGIN{exit !(t>0 && t<1000)}'; } ||
  die "--threshold=$threshold: expected a percentage above 0 and below 1000"
[[ "$mode" == ab && -z "$base_rev" ]] && die "--mode=ab needs --base-rev REV"
[[ ${#metrics[@]} -gt 0 ]] || metrics=(real_time cpu_ns_per_task)
for m in "${metrics[@]}"; do
  [[ "$m" =~ ^[A-Za-z_][A-Za-z0-9_.:-]*$ ]] ||
    die "--metric=$m: expected a metric name: real_time, cpu_time or a counter such as cpu_ns_per_task"
done
if [[ -n "$base_bin_dir" ]]; then
  [[ "$mode" == ab ]] || die "--base-bin-dir goes with --mode=ab"
  [[ -x "$base_bin_dir/pcbench" ]] || die "--base-bin-dir=$base_bin_dir: no pcbench there"
fi
[[ "$mode" != stored && -n "$results" ]] && die "--results goes with --mode=stored"
[[ $update -eq 1 && "$mode" != stored ]] && die "--update-baseline goes with --mode=stored"
[[ -n "$filter_re" && $filter_file_given -eq 1 ]] && die "--filter=$filter_re: give --filter or --filter-file, not both"
[[ -d "$filter_file" ]] && die "--filter-file=$filter_file: is a directory; expected a file of patterns"
[[ -n "$filter_re" || -r "$filter_file" ]] || die "--filter-file=$filter_file: cannot read it"
# The plugins, by absolute path (pcbench checks what is in them; here only that they are files).
pcb_extra=()
for p in "${plugins[@]}"; do
  [[ -n "$p" && -f "$p" && -r "$p" ]] || die "--plugin=$p: not a readable file; expected a shared object with PCB_PLUGIN() in it"
  pcb_extra+=("--pcb_plugin=$(cd "$(dirname -- "$p")" && pwd)/$(basename -- "$p")")
done
# --results and --thresholds are read twice (checked first, then compared): regular files only.
[[ -z "$results" || -r "$results" ]] || die "--results=$results: cannot read it"
[[ -z "$results" || -f "$results" ]] || die "--results=$results: not a regular file; expected a result file"
[[ -z "$thresholds" || -r "$thresholds" ]] || die "--thresholds=$thresholds: cannot read it"
[[ -z "$thresholds" || -f "$thresholds" ]] ||
  die "--thresholds=$thresholds: not a regular file; expected a thresholds file"
if [[ -n "$bin_dir" ]]; then
  [[ -x "$bin_dir/compare" ]] || die "--bin-dir=$bin_dir: no compare there"
  [[ -n "$results" || -x "$bin_dir/pcbench" ]] || die "--bin-dir=$bin_dir: no pcbench there"
  [[ "$mode" == calibrate || -x "$bin_dir/pcbench-history" ]] ||
    die "--bin-dir=$bin_dir: no pcbench-history there (the gate records every run)"
fi
if [[ "$mode" == ab ]]; then
  base_commit=$(git -C "$top" rev-parse --short=12 "$base_rev^{commit}" 2>/dev/null) ||
    die "--base-rev=$base_rev: not a commit in this repository"
fi
if [[ "$mode" == bisect ]]; then
  good_commit=$(git -C "$top" rev-parse --verify --quiet "$good_rev^{commit}") ||
    die "--bisect $good_rev $bad_rev: $good_rev is not a commit in this repository"
  bad_commit=$(git -C "$top" rev-parse --verify --quiet "$bad_rev^{commit}") ||
    die "--bisect $good_rev $bad_rev: $bad_rev is not a commit in this repository"
  [[ "$good_commit" != "$bad_commit" ]] ||
    die "--bisect $good_rev $bad_rev: both name commit ${good_commit:0:12}; expected GOOD before BAD"
  git -C "$top" merge-base --is-ancestor "$good_commit" "$bad_commit" ||
    die "--bisect $good_rev $bad_rev: $good_rev is not an ancestor of $bad_rev; expected GOOD before BAD on one line of history"
  # The first-parent line from GOOD (excluded) to BAD (included), oldest first.
  mapfile -t range < <(git -C "$top" rev-list --first-parent --reverse "$good_commit..$bad_commit")
  [[ ${#range[@]} -gt 0 && "${range[-1]}" == "$bad_commit" ]] ||
    die "--bisect $good_rev $bad_rev: $bad_rev is not on the first-parent line after $good_rev"
  [[ -z "$bin_dir" ]] || die "--bin-dir cannot go with --bisect: it builds every commit it judges"
fi

# One regex from the filter file: non-empty, non-comment lines joined with '|'. The file is read
# once (it may be a pipe), and each pattern is checked here, before anything is built: bash's
# =~ compiles it as the POSIX extended regex pcbench's --benchmark_filter is, and returns 2
# when it is not one.
filter="" lineno=0
if [[ -n "$filter_re" ]]; then
  [[ "" =~ $filter_re ]]
  [[ $? -eq 2 ]] && die "--filter=$filter_re: not a valid extended regular expression"
  filter=$filter_re
else
  patterns=$(cat -- "$filter_file" 2>/dev/null) || die "--filter-file=$filter_file: cannot read it"
  while IFS= read -r line; do
    lineno=$((lineno + 1))
    [[ "$line" =~ ^[[:space:]]*(#|$) ]] && continue
    [[ "" =~ $line ]]
    [[ $? -eq 2 ]] &&
      die "--filter-file=$filter_file: line $lineno: $line: not a valid extended regular expression"
    filter+=${filter:+|}$line
  done <<<"$patterns"
  [[ -n "$filter" ]] || die "--filter-file=$filter_file: no pattern in it"
fi

# The folder is made after all checks that need nothing built. made_top is the outermost folder
# mkdir -p makes; what was made here is removed again on exit when it is still empty.
made_top="" p=$dir
while [[ ! -e "$p" ]]; do made_top=$p p=$(dirname "$p"); done
unmake_dir() {
  local d=$dir
  [[ -n "$made_top" ]] || return 0
  while rmdir "$d" 2>/dev/null && [[ "$d" != "$made_top" ]]; do d=$(dirname "$d"); done
}
mkdir -p "$dir" 2>/dev/null || { unmake_dir; die "--dir=$dir: cannot create it"; }
[[ -w "$dir" ]] || { unmake_dir; die "--dir=$dir: not writable"; }
[[ -z "$thresholds" && -r "$dir/thresholds.tsv" ]] && thresholds="$dir/thresholds.tsv"

# Everything temporary lives in one folder that goes away however the script ends.
tmp=$(mktemp -d "$dir/.nightly.XXXXXX") || die "cannot create a temporary folder in $dir"
worktrees=() unjudged=""
cleanup() {
  local w
  for w in "${worktrees[@]}"; do git -C "$top" worktree remove --force "$w" >/dev/null 2>&1; done
  [[ -n "$unjudged" ]] && rm -f "$unjudged"
  rm -rf "$tmp"
  unmake_dir
}
trap cleanup EXIT
# pcbench runs in the background and the script waits for it, because bash runs a trap only
# after the foreground command ends: this way an interrupt stops the run at once. pcbench
# itself keeps its own result file whole (it is rewritten atomically after every case), but
# the gate keeps nothing of an interrupted run.
child=""
interrupted() {
  [[ -n "$child" ]] && kill -TERM "$child" 2>/dev/null && wait "$child" 2>/dev/null
  echo "nightly: interrupted; nothing was kept" >&2
  exit 130
}
trap interrupted INT TERM HUP
run_bg() { # run_bg CMD...: runs CMD in the background, waits, returns its status
  "$@" &
  child=$!
  wait "$child"
  local rc=$?
  child=""
  return $rc
}

# build SRC BUILD_DIR TARGET...: a Release build of the targets. Only the commit the gate judges
# with builds compare and pcbench-history; a base, GOOD or midpoint builds pcbench alone (an
# older commit may not have the newer tools).
build() {
  local src=$1 out=$2
  shift 2
  cmake -S "$src" -B "$out" -DCMAKE_BUILD_TYPE=Release >"$tmp/cmake.log" 2>&1 &&
    cmake --build "$out" -j"$(nproc)" --target "$@" >>"$tmp/cmake.log" 2>&1 ||
    { tail -20 "$tmp/cmake.log" >&2; die "building $src failed"; }
}

# Holm's adjustment: the gate must name exactly the cases that changed, so it bounds the chance
# of any false alarm, not the share of false ones among true regressions (compare's default).
compare_args=(--adjust=holm)
[[ -n "$thresholds" ]] && compare_args+=(--thresholds "$thresholds")
[[ -n "$threshold" ]] && compare_args+=(--threshold "$threshold")

stamp=$(date -u +%Y%m%dT%H%M%SZ)
commit=$(git -C "$top" rev-parse --short=12 HEAD 2>/dev/null || echo unknown)
[[ "$mode" == bisect ]] && commit=${bad_commit:0:12}
name="$stamp-$commit"

checkout() { # checkout FOLDER COMMIT: a detached checkout of COMMIT, removed on exit
  git -C "$top" worktree add --detach "$1" "$2" >/dev/null 2>&1 || die "cannot check out $2"
  worktrees+=("$1")
}

if [[ "$mode" == bisect ]]; then
  # GOOD's build, and one checkout and build folder that every other judged commit shares.
  checkout "$tmp/good-src" "$good_commit"
  build "$tmp/good-src" "$tmp/good-build" pcbench
  checkout "$tmp/cand-src" "$bad_commit"
  build "$tmp/cand-src" "$tmp/cand-build" pcbench compare
  pcbench="$tmp/cand-build/pcbench" compare="$tmp/cand-build/compare"
  history="$tmp/cand-build/pcbench-history"
elif [[ -n "$bin_dir" ]]; then
  pcbench="$bin_dir/pcbench" compare="$bin_dir/compare" history="$bin_dir/pcbench-history"
else
  [[ "$build_dir" = /* ]] || build_dir="$top/$build_dir"
  build "$top" "$build_dir" pcbench compare pcbench-history
  pcbench="$build_dir/pcbench" compare="$build_dir/compare" history="$build_dir/pcbench-history"
fi

# record_history LATEST [--one-run] FILE...: adds the files to DIR/history.db (a file added
# before adds nothing; with --one-run the files are the samples of one run) and, with --fail-on-change, sets hist_rc=1 when a regression starts in the newest
# LATEST runs of a series. A database pcbench-history refuses stops the gate (exit 2); the
# results stay kept.
hist_rc=0
record_history() {
  local latest=$1 msg n
  shift
  n=$#; [[ $1 == --one-run ]] && n=$((n - 1))
  # A file whose context lacks its commit, date or machine gets the gate's.
  msg=$("$history" --db "$dir/history.db" add --if-missing --commit "$commit" \
    --date "$(date -u +%Y-%m-%dT%H:%M:%SZ)" --machine "$(uname -n)" "$@" 2>&1 >/dev/null) ||
    die "recording into $dir/history.db failed: $(printf '%s\n' "$msg" | head -n 1)"
  echo "nightly: recorded $n result file(s) in $dir/history.db" >&2
  [[ $fail_on_change -eq 1 ]] || return 0
  "$history" --db "$dir/history.db" changes --fail-on-latest --latest "$latest" \
    >"$tmp/changes.txt" 2>"$tmp/changes.err"
  case $? in
    0) ;;
    1) hist_rc=1
       echo "nightly: CHANGE POINT: $(cat "$tmp/changes.err")" >&2
       grep ' regression ' "$tmp/changes.txt" | head -20 >&2 ;;
    *) die "pcbench-history changes failed: $(head -n 1 "$tmp/changes.err")" ;;
  esac
}
# A plugin pcbench refuses is refused here, with pcbench's own line, before anything runs.
if [[ ${#pcb_extra[@]} -gt 0 && -z "$results" ]]; then
  msg=$("$pcbench" "${pcb_extra[@]}" --benchmark_list_tests --benchmark_filter="$filter" 2>&1 >/dev/null) ||
    die "$(printf '%s\n' "$msg" | head -n 1)"
fi

# The files given are read by compare before anything runs: a bad --results or --thresholds
# file, or a bad baseline, is refused now, with compare's line, not after the subset has run.
check_with_compare() { # check_with_compare WHAT COMPARE_ARGS...: exits 2 on a refusal
  local what=$1 msg
  shift
  msg=$("$compare" "$@" 2>&1 >/dev/null)
  [[ $? -ne 2 ]] && return
  msg=${msg#compare: }
  die "$what: ${msg#"$what: "}" # compare's line names the option the same way: once is enough
}
# case_names FILE: the names of the cases of a result file, one per line, as JSON strings
# (compare lists them: the file against itself).
case_names() {
  "$compare" --format=json "$1" "$1" 2>/dev/null |
    sed -n 's/^    {"name": \("\([^"\\]\|\\.\)*"\), "verdict".*/\1/p'
}
# listed_names PCBENCH: the names of the subset's cases in a build, as JSON strings; no case
# runs.
listed_names() {
  "$1" "${pcb_extra[@]}" --benchmark_list_tests --benchmark_filter="$filter" 2>/dev/null | sed 's/[\\"]/\\&/g; s/.*/"&"/'
}
# check_thresholds NAME...: the thresholds file against the cases the comparison will have (one
# entry each in a result file made for it), so that a line for a case the subset no longer has
# is refused before the run.
check_thresholds() {
  [[ -n "$thresholds" && $# -gt 0 ]] || return 0
  printf '%s\n' "$@" | awk 'BEGIN { printf "{\"benchmarks\": [" }
    { printf "%s{\"name\": %s, \"run_type\": \"iteration\", \"real_time\": 1, \"cpu_time\": 1, \"time_unit\": \"ns\"}", (NR > 1 ? ", " : ""), $0 }
    END { print "]}" }' >"$tmp/cases.json"
  check_with_compare "--thresholds=$thresholds" --thresholds "$thresholds" "$tmp/cases.json" "$tmp/cases.json"
}
if [[ -n "$results" ]]; then
  check_with_compare "--results=$results" "$results" "$results"
fi
baseline_names=()
if [[ "$mode" == stored && -e "$dir/baseline.json" ]]; then
  check_with_compare "baseline $dir/baseline.json" "$dir/baseline.json" "$dir/baseline.json"
  mapfile -t baseline_names < <(case_names "$dir/baseline.json")
fi
if [[ "$mode" == stored && -n "$results" ]]; then
  mapfile -t names < <(case_names "$results")
  check_thresholds "${baseline_names[@]}" "${names[@]}"
elif [[ "$mode" == stored ]]; then
  mapfile -t names < <(listed_names "$pcbench")
  check_thresholds "${baseline_names[@]}" "${names[@]}"
fi

# ab_samples BASE_BIN NEW_BIN OUT_DIR CASE...: --repetitions samples of each case from each build,
# in rounds (base then new, then new then base, ...), each a short run of its own, so that drift
# on a shared machine hits both sides alike and neither side always runs first:
# OUT_DIR/base-CASE-ROUND.json and OUT_DIR/new-CASE-ROUND.json.
ab_samples() {
  local base_bin=$1 new_bin=$2 out=$3 c re i k=0 side bin
  shift 3
  mkdir -p "$out" || die "cannot create $out"
  for c in "$@"; do
    k=$((k + 1))
    # Match exactly this case: escape regex metacharacters in the name.
    re="^$(printf '%s' "$c" | sed 's/[][\.*^$+?(){}|]/\\&/g')\$"
    for ((i = 0; i < reps; i++)); do
      local order=(base new)
      ((i % 2)) && order=(new base)
      for side in "${order[@]}"; do
        bin="$new_bin"; [[ $side == base ]] && bin="$base_bin"
        run_bg "$bin" "${pcb_extra[@]}" --benchmark_filter="$re" --benchmark_min_time="$min_time" \
          --benchmark_out="$out/$side-$k-$i.json" --benchmark_out_format=json \
          >"$tmp/run.log" 2>&1 ||
          { tail -5 "$tmp/run.log" >&2; die "$side run of $c failed; nothing was kept"; }
      done
    done
  done
}
# compare_metric METRIC FORMAT ARGS...: compare's verdict on one metric of the files in ARGS
# (its output on stdout, its exit status returned). A refusal ends the gate, except that a metric
# after the first that no case has on both sides (a counter only some cases carry) returns 3 and
# is passed over.
compare_metric() {
  local m=$1 f=$2 rc
  shift 2
  "$compare" "${compare_args[@]}" --metric="$m" --format="$f" "$@" 2>"$tmp/compare.err"
  rc=$?
  if [[ $rc -eq 2 ]]; then
    [[ "$m" != "${metrics[0]}" ]] && grep -q "^compare: --metric=$m: no case" "$tmp/compare.err" &&
      return 3
    die "$(head -n 1 "$tmp/compare.err"); nothing was kept"
  fi
  return $rc
}
# judge_md ARGS...: the gate's Markdown report of the files in ARGS on stdout: compare's report
# for each metric in turn, and a last line with the summary of each. Returns 1 when a case
# regressed (or its work changed) on any metric, else 0.
judge_md() {
  local m rc=0 r title summary=""
  for m in "${metrics[@]}"; do
    case $m in
      real_time) title="Wall time" ;;
      cpu_ns_per_task) title="CPU per task" ;;
      *) title="Metric" ;;
    esac
    echo "## $title: \`$m\`"
    echo
    compare_metric "$m" md "$@" >"$tmp/metric.md"
    r=$?
    case $r in
      0|1) cat "$tmp/metric.md"
           summary+="${summary:+; }$m: $(tail -n 1 "$tmp/metric.md")"
           [[ $r -eq 1 ]] && rc=1 ;;
      3) echo "No case has \`$m\` on both sides: not judged."
         summary+="${summary:+; }$m: not judged (no case has it)" ;;
      *) die "compare failed on --metric=$m (exit $r)" ;;
    esac
    echo
  done
  echo "$summary"
  return $rc
}
# judge OUT_DIR: the gate's report on ab_samples' files, judged as the rounds they were taken
# in (--paired); returns as judge_md.
judge() {
  set +f
  local base_files=("$1"/base-*.json) new_files=("$1"/new-*.json)
  set -f
  judge_md --paired "${base_files[@]}" -- "${new_files[@]}"
}
# judge_json OUT_DIR PREFIX: compare's JSON verdicts on ab_samples' files, one file per metric
# judged: PREFIX-<metric>.json (none for a metric no case has).
judge_json() {
  local m r
  set +f
  local base_files=("$1"/base-*.json) new_files=("$1"/new-*.json)
  set -f
  for m in "${metrics[@]}"; do
    compare_metric "$m" json --paired "${base_files[@]}" -- "${new_files[@]}" >"$2-$m.json"
    r=$?
    [[ $r -eq 3 ]] && rm -f "$2-$m.json"
    [[ $r -le 1 || $r -eq 3 ]] || die "compare failed on --metric=$m (exit $r)"
  done
}
# bad_verdicts FILE: the cases compare's JSON calls regressed or work changed, one per line.
bad_verdicts() {
  sed -n 's/^    {"name": "\(\([^"\\]\|\\.\)*\)", "verdict": "\(regressed\|work_changed\)".*/\1/p' "$1" |
    sed 's/\\\(["\\]\)/\1/g'
}
# case_changes FILE: "name<TAB>verdict<TAB>change" for every case of compare's JSON (change: the
# relative change of the medians, or null).
case_changes() {
  sed -n 's/^    {"name": "\(\([^"\\]\|\\.\)*\)", "verdict": "\([a-z_]*\)".*, "change": \([-0-9.e+]*\|null\), .*/\1\t\3\t\4/p' "$1" |
    sed 's/\\\(["\\]\)/\1/g'
}
# nearer_bad BAD_CHANGES MID_CHANGES: the cases of MID_CHANGES (case_changes of a midpoint against
# GOOD) that sit nearer BAD's level than GOOD's: whose work changed as BAD's did, or whose change
# is at least half of BAD's change for the case. A midpoint is a step on one side or the other of
# the regression, so it is put with the nearer end; a significance test alone would, on a noisy
# machine, call an unchanged midpoint regressed about once in twenty.
nearer_bad() {
  awk -F'\t' 'NR == FNR { if ($2 == "regressed" || $2 == "work_changed") { bad[$1] = $3; badv[$1] = $2 }; next }
    ($1 in bad) {
      if ($2 == "work_changed") { if (badv[$1] == "work_changed") print $1; next }
      if ($3 != "null" && bad[$1] != "null" && bad[$1] > 0 && $3 >= bad[$1] / 2) print $1
    }' "$1" "$2"
}

run_subset() { # run_subset BINARY OUT REPS [extra flags]: the whole subset, random interleaving
  local bin=$1 out=$2 n=$3
  shift 3
  run_bg "$bin" "${pcb_extra[@]}" --benchmark_filter="$filter" --benchmark_repetitions="$n" \
    --benchmark_enable_random_interleaving=true --benchmark_min_time="$min_time" \
    --benchmark_out="$out" --benchmark_out_format=json --benchmark_format=console "$@" \
    >"$tmp/run.log" 2>&1
}

case "$mode" in
stored)
  if [[ -z "$results" ]]; then
    run_subset "$pcbench" "$tmp/new.json" "$reps" ||
      { tail -20 "$tmp/run.log" >&2; die "the pcbench run failed (a case failed its checks, or it crashed); nothing was kept"; }
    results="$tmp/new.json"
    check_with_compare "the run's results" "$results" "$results"
  fi
  cp "$results" "$tmp/keep.json" && mv "$tmp/keep.json" "$dir/$name.json" ||
    die "cannot keep the results as $dir/$name.json"
  if [[ ! -e "$dir/baseline.json" ]]; then
    record_history 5 "$dir/$name.json"
    echo "nightly: no baseline in $dir yet; keeping $dir/$name.json" >&2
    if [[ $update -eq 1 ]]; then
      cp "$dir/$name.json" "$tmp/base.json" && mv "$tmp/base.json" "$dir/baseline.json"
      echo "nightly: $dir/baseline.json is now $name.json" >&2
    fi
    exit $hist_rc
  fi
  # Until compare has judged them, the results are removed again if the gate ends; a refusal
  # (nothing to compare, say) is no verdict: one line, nothing kept.
  unjudged="$dir/$name.json"
  judge_md "$dir/baseline.json" "$dir/$name.json" >"$tmp/report.md"
  rc=$?
  unjudged=""
  # One run a night: a level needs 3 runs, so a regression is seen within the newest 5.
  record_history 5 "$dir/$name.json"
  ;;
ab)
  base_pcbench="$tmp/base-build/pcbench"
  if [[ -n "$base_bin_dir" ]]; then
    base_pcbench="$base_bin_dir/pcbench"
  else
    checkout "$tmp/base-src" "$base_commit"
    build "$tmp/base-src" "$tmp/base-build" pcbench
  fi
  # The case list of the new build; a case the base lacks is reported as new by compare.
  mapfile -t cases < <("$pcbench" "${pcb_extra[@]}" --benchmark_list_tests --benchmark_filter="$filter" 2>/dev/null)
  [[ ${#cases[@]} -gt 0 ]] || die "the filter selects no case: $filter"
  mapfile -t names < <(listed_names "$pcbench"; listed_names "$base_pcbench")
  check_thresholds "${names[@]}"
  ab_samples "$base_pcbench" "$pcbench" "$tmp/ab" "${cases[@]}"
  judge "$tmp/ab" >"$tmp/report.md"
  rc=$?
  # Kept: every sample file of both sides, so the verdict can be re-derived or re-judged.
  mv "$tmp/ab" "$dir/$name-ab"
  # The new side's samples are one run of this commit (one point per case and night).
  set +f
  new_kept=("$dir/$name-ab"/new-*.json)
  set -f
  record_history 5 --one-run "${new_kept[@]}"
  ;;
bisect)
  mapfile -t cases < <("$pcbench" "${pcb_extra[@]}" --benchmark_list_tests --benchmark_filter="$filter" 2>/dev/null)
  [[ ${#cases[@]} -gt 0 ]] || die "the filter selects no case: $filter"
  mapfile -t names < <(listed_names "$pcbench"; listed_names "$tmp/good-build/pcbench")
  check_thresholds "${names[@]}"
  short() { git -C "$top" log -1 --format='%h %s' "$1"; }
  log="$tmp/bisect.md"
  {
    echo "# Bisect: $(short "$good_commit") (good) .. $(short "$bad_commit") (bad)"
    echo
    echo "${#range[@]} commit(s) on the first-parent line after the good one; subset: \`$filter\`."
    echo
  } >"$log"
  # Which cases got slower from GOOD to BAD: those are bisected, the rest is left alone.
  ab_samples "$tmp/good-build/pcbench" "$pcbench" "$tmp/s-bad" "${cases[@]}"
  judge_json "$tmp/s-bad" "$tmp/v-bad"
  set +f
  mapfile -t bad_cases < <(for f in "$tmp"/v-bad-*.json; do bad_verdicts "$f"; done | sort -u)
  set -f
  [[ ${#bad_cases[@]} -gt 0 ]] ||
    die "--bisect $good_rev $bad_rev: no case of the subset regressed from $good_rev to $bad_rev, so there is nothing to bisect"
  {
    echo "Cases that regressed (or whose work changed) from good to bad, and are bisected:"
    echo
    printf -- '- `%s`\n' "${bad_cases[@]}"
    echo
    echo "| commit | verdict | cases nearer the bad level |"
    echo "|---|---|---|"
    echo "| $(short "$bad_commit") | bad | ${#bad_cases[@]} of ${#bad_cases[@]} |"
  } >>"$log"
  echo "nightly: bisect: ${#bad_cases[@]} case(s) regressed from $good_rev to $bad_rev; ${#range[@]} commit(s) to search" >&2
  # range[lo] is good (-1: GOOD itself), range[hi] is bad; halve until they meet.
  lo=-1 hi=$((${#range[@]} - 1))
  while ((hi - lo > 1)); do
    mid=$(((lo + hi) / 2))
    git -C "$tmp/cand-src" checkout --quiet --detach "${range[mid]}" 2>/dev/null ||
      die "cannot check out ${range[mid]}"
    build "$tmp/cand-src" "$tmp/cand-build" pcbench
    # Only the cases this commit has (a case added after it cannot have regressed there).
    mapfile -t have < <("$pcbench" "${pcb_extra[@]}" --benchmark_list_tests --benchmark_filter="$filter" 2>/dev/null)
    mapfile -t judged < <(comm -12 <(printf '%s\n' "${bad_cases[@]}" | sort) <(printf '%s\n' "${have[@]}" | sort))
    [[ ${#judged[@]} -gt 0 ]] ||
      die "$(short "${range[mid]}"): has none of the cases that regressed, so it cannot be judged"
    rm -rf "$tmp/s-mid"
    ab_samples "$tmp/good-build/pcbench" "$pcbench" "$tmp/s-mid" "${judged[@]}"
    rm -f "$tmp"/v-mid-*.json
    judge_json "$tmp/s-mid" "$tmp/v-mid"
    # A case is still bad when it sits nearer BAD's level on a metric it regressed on.
    mapfile -t still < <(for m in "${metrics[@]}"; do
        [[ -e "$tmp/v-bad-$m.json" && -e "$tmp/v-mid-$m.json" ]] &&
          nearer_bad <(case_changes "$tmp/v-bad-$m.json") <(case_changes "$tmp/v-mid-$m.json")
      done | sort -u)
    if [[ ${#still[@]} -gt 0 ]]; then verdict=bad hi=$mid; else verdict=good lo=$mid; fi
    echo "| $(short "${range[mid]}") | $verdict | ${#still[@]} of ${#judged[@]} |" >>"$log"
    echo "nightly: bisect: $(short "${range[mid]}"): $verdict (${#still[@]} of ${#judged[@]} case(s) nearer the bad level)" >&2
  done
  {
    echo
    echo "First bad commit: $(short "${range[hi]}")"
  } >>"$log"
  mv "$log" "$dir/$name-bisect.md"
  echo "nightly: report $dir/$name-bisect.md" >&2
  echo "first bad commit: $(git -C "$top" log -1 --format='%H %s' "${range[hi]}")"
  exit 0
  ;;
calibrate)
  run_subset "$pcbench" "$tmp/a.json" "$reps" ||
    { tail -20 "$tmp/run.log" >&2; die "the first A/A run failed"; }
  run_subset "$pcbench" "$tmp/b.json" "$reps" ||
    { tail -20 "$tmp/run.log" >&2; die "the second A/A run failed"; }
  "$compare" --format=json "$tmp/a.json" "$tmp/b.json" >"$tmp/aa.json" 2>"$tmp/compare.err"
  [[ $? -eq 2 ]] && die "$(head -n 1 "$tmp/compare.err"); nothing was kept"
  "$compare" --write-thresholds="$tmp/thresholds.tsv" "$tmp/a.json" "$tmp/b.json" >/dev/null 2>"$tmp/compare.err"
  [[ $? -eq 2 ]] && die "$(head -n 1 "$tmp/compare.err"); nothing was kept"
  mv "$tmp/thresholds.tsv" "$dir/thresholds.tsv"
  cp "$tmp/aa.json" "$dir/$name-aa.json"
  echo "nightly: wrote $dir/thresholds.tsv from an A/A pair ($dir/$name-aa.json)"
  exit 0
  ;;
esac

mv "$tmp/report.md" "$dir/$name.md"
tail -1 "$dir/$name.md" >&2
case $rc in
0)
  if [[ $hist_rc -eq 1 ]]; then
    echo "nightly: compare passed, but the history shows a regression starting in the newest runs; report $dir/$name.md" >&2
    exit 1
  fi
  echo "nightly: passed; report $dir/$name.md" >&2
  if [[ $update -eq 1 ]]; then
    cp "$dir/$name.json" "$tmp/base.json" && mv "$tmp/base.json" "$dir/baseline.json"
    echo "nightly: $dir/baseline.json is now $name.json" >&2
  fi
  exit 0 ;;
1)
  # Different reference digests: the base measured other work, which is no regression but
  # fails all the same (docs/compare.md, "Work changed").
  if grep -q '| work changed |' "$dir/$name.md"; then
    echo "nightly: WORK CHANGED: cases measured different work than the base (their reference digests differ), so their times were not compared; report $dir/$name.md" >&2
    grep '| work changed |' "$dir/$name.md" | head -20 >&2
    grep -q '| \*\*regressed\*\* |' "$dir/$name.md" || exit 1
  fi
  echo "nightly: REGRESSION; report $dir/$name.md" >&2
  grep -i 'regressed' "$dir/$name.md" | head -20 >&2
  exit 1 ;;
*)
  die "compare failed (exit $rc); see $dir/$name.md" ;;
esac
