#!/usr/bin/env bash
# Tests of pcbench-history (and of the index.html pcbench-report writes). One case per
# invocation:
#
#   test_history.sh CASE PCBENCH_HISTORY PCBENCH_REPORT SOURCE_DIR WORK_DIR
#
# Runs come from make_runs.py: a made-up history with a planted regression (+12% at commit c15),
# a planted improvement (-20% at c10), a steady noisy case and a case with one 3x outlier run.
# Every assertion is on a value (exit status, a count, a commit, a file's bytes); nothing depends
# on timing. Exit 0: pass; 77: skipped (chromium is not installed); else fail, reasons on stderr.
# Writes only under WORK_DIR/CASE.
set -uo pipefail

case_name=$1 hist=$2 report=$3 src=$4 work=$5
here="$src/tests/history"
dir="$work/$case_name"
rm -rf "$dir" && mkdir -p "$dir" || exit 1
. "$src/tests/lib.sh" # flag, $failures
FAIL_SCOPE=$case_name
eq() { [[ "$1" == "$2" ]] || flag "$3: got '$1', expected '$2'"; }
has() { grep -qF -- "$2" "$1" || flag "$1 lacks: $2"; }
db="$dir/h.db"
# runs N [STEP_AT]: N run files in $dir/runs
runs() { python3 "$here/make_runs.py" "$dir/runs" "$@" || flag "make_runs.py failed"; }
# q SQL: one value from the database (python3's sqlite3; the tests need no sqlite3 program)
q() { python3 -c 'import sqlite3,sys; print(sqlite3.connect(sys.argv[1]).execute(sys.argv[2]).fetchone()[0])' "$db" "$1"; }
# changes_field JSON_FILE EXPR: a python expression over c (the "changes" array) and d (all)
jq_() { python3 -c 'import json,sys; d=json.load(open(sys.argv[1])); c=d["changes"]; print(eval(sys.argv[2]))' "$1" "$2"; }
# refused WHAT CMD...: exit 2 and exactly one line on stderr that names WHAT
refused() {
  local what=$1 rc
  shift
  "$@" >"$dir/out" 2>"$dir/err"
  rc=$?
  eq "$rc" 2 "exit status of: $*"
  eq "$(wc -l <"$dir/err")" 1 "stderr lines of: $*"
  grep -qF -- "$what" "$dir/err" || flag "the message of '$*' does not name $what: $(cat "$dir/err")"
}

case "$case_name" in
planted)
  # A few dozen runs; the steps are found at their commits, nothing in the steady and the
  # single-outlier series, by time and by a higher-is-better counter.
  runs 30
  "$hist" --db "$db" add "$dir"/runs/*.json >"$dir/add.out" || flag "add: exit $?"
  eq "$(grep -c '^added ' "$dir/add.out")" 30 "runs added"
  "$hist" --db "$db" changes --format=json >"$dir/c.json" || flag "changes: exit $?"
  eq "$(jq_ "$dir/c.json" 'len(c)')" 2 "change points"
  eq "$(jq_ "$dir/c.json" '[(x["case"].split("/")[0], x["commit"], x["direction"]) for x in c]')" \
    "[('Async', 'c10', 'improvement'), ('Threaded', 'c15', 'regression')]" "the changes found"
  eq "$(jq_ "$dir/c.json" 'round(c[1]["change"], 2)')" 0.12 "the size of the regression"
  eq "$(jq_ "$dir/c.json" 'c[1]["machine"]')" ci-runner "the machine"
  eq "$(jq_ "$dir/c.json" 'sorted(c[1].keys())')" \
    "['after', 'before', 'case', 'change', 'commit', 'date', 'direction', 'index', 'machine', 'run', 'runs', 'score']" "the keys of a change"
  "$hist" --db "$db" changes --format=json --metric items_per_second >"$dir/i.json" || flag "exit $?"
  eq "$(jq_ "$dir/i.json" '[(x["commit"], x["direction"]) for x in c]')" \
    "[('c10', 'improvement'), ('c15', 'regression')]" "items_per_second: higher is better"
  "$hist" --db "$db" changes --filter '^Threaded/' --format=md >"$dir/t.md" || flag "exit $?"
  eq "$(grep -c '^| ci-runner' "$dir/t.md")" 1 "--filter: one change in the table"
  has "$dir/t.md" '| c15 | 2026-11-01T15:00:00Z |'
  "$hist" --db "$db" changes --machine other >"$dir/out" 2>"$dir/err"
  eq "$?" 2 "--machine with no series"
  "$hist" --db "$db" changes >"$dir/t.txt" || flag "exit $?"
  has "$dir/t.txt" "2 change points in 4 series (metric real_time)"
  ;;
latest)
  # --fail-on-latest: exit 1 while the regression is among the newest runs, 0 later.
  runs 19
  "$hist" --db "$db" add "$dir"/runs/*.json >/dev/null || flag "add: exit $?"
  "$hist" --db "$db" changes --fail-on-latest >/dev/null 2>"$dir/err"
  eq "$?" 1 "a regression 4 runs ago (--latest 5)"
  has "$dir/err" "1 regressions start in the newest 5 runs"
  "$hist" --db "$db" changes --fail-on-latest --latest 3 >/dev/null 2>&1
  eq "$?" 0 "the same with --latest 3"
  "$hist" --db "$db" changes >/dev/null 2>&1
  eq "$?" 0 "without --fail-on-latest"
  rm -rf "$dir/runs"
  runs 30
  "$hist" --db "$db" add "$dir"/runs/*.json >/dev/null || flag "add: exit $?"
  "$hist" --db "$db" changes --fail-on-latest >/dev/null 2>&1
  eq "$?" 0 "the regression is 15 runs old"
  ;;
too_short)
  runs 4
  "$hist" --db "$db" add "$dir"/runs/*.json >/dev/null || flag "add: exit $?"
  "$hist" --db "$db" changes >"$dir/t.txt" || flag "exit $?"
  eq "$(grep -c 'too short to judge (at least 6 are needed)' "$dir/t.txt")" 4 "short series named"
  "$hist" --db "$db" changes --format=json >"$dir/c.json" || flag "exit $?"
  eq "$(jq_ "$dir/c.json" '(len(c), len(d["too_short"]), d["too_short"][0]["runs"])')" "(0, 4, 4)" "json"
  ;;
idempotent)
  runs 6
  "$hist" --db "$db" add "$dir"/runs/*.json >/dev/null || flag "add: exit $?"
  n=$(q "SELECT count(*) FROM entries")
  "$hist" --db "$db" add "$dir"/runs/run-02.json "$dir"/runs/run-03.json >"$dir/out" || flag "exit $?"
  eq "$(grep -c 'nothing added' "$dir/out")" 2 "both files were there"
  eq "$(q 'SELECT count(*) FROM runs')" 6 "runs after adding twice"
  eq "$(q 'SELECT count(*) FROM entries')" "$n" "entries after adding twice"
  # Every repetition and every counter is kept.
  eq "$n" $((6 * 4 * 5)) "entries: 6 runs x 4 cases x 5 repetitions"
  eq "$(q 'SELECT count(*) FROM counters WHERE name = "items_per_second"')" "$n" "counters"
  eq "$(q 'PRAGMA user_version')" 1 "schema version"
  eq "$(q 'PRAGMA journal_mode')" wal "journal mode"
  eq "$(q 'SELECT value FROM context WHERE key = "num_cpus" LIMIT 1')" 2 "context kept"
  ;;
one_run)
  # The samples of one run (the gate's ab mode): one run, every repetition of every file, one
  # point per case; again adds nothing; files of two commits are refused.
  runs 6
  f=("$dir"/runs/run-0[0-2].json)
  "$hist" --db "$db" add --one-run --commit abc --machine m1 "${f[@]}" >"$dir/out" || flag "add: exit $?"
  eq "$(grep -c '^added 3 files as one run: run 1, commit abc' "$dir/out")" 1 "the add's line"
  eq "$(q 'SELECT count(*) FROM runs')" 1 "runs"
  eq "$(q 'SELECT count(*) FROM entries')" $((3 * 4 * 5)) "entries: 3 files x 4 cases x 5 repetitions"
  "$hist" --db "$db" add --one-run --commit abc --machine m1 "${f[@]}" >"$dir/out" || flag "again: exit $?"
  eq "$(grep -c 'nothing added' "$dir/out")" 1 "adding the samples again"
  eq "$(q 'SELECT count(*) FROM runs')" 1 "runs after adding again"
  "$hist" --db "$db" changes --format=json >"$dir/c.json" || flag "changes: exit $?"
  "$hist" --db "$db" add --one-run "$dir"/runs/run-03.json "$dir"/runs/run-04.json >/dev/null 2>"$dir/err"
  eq "$?" 2 "samples of two commits: exit status"
  eq "$(wc -l <"$dir/err")" 1 "samples of two commits: one line"
  eq "$(grep -c 'the files of one run share commit and machine' "$dir/err")" 1 "the refusal says why"
  eq "$(q 'SELECT count(*) FROM runs')" 1 "runs after the refusal"
  ;;
concurrent)
  # Four adds at once, over overlapping files: every run once, none lost, all exit 0.
  runs 24
  pids=()
  for k in 0 1 2 3; do
    files=()
    for i in $(seq $((k * 5)) $((k * 5 + 8))); do files+=("$dir/runs/run-$(printf %02d $((i % 24))).json"); done
    "$hist" --db "$db" add "${files[@]}" >"$dir/add$k.out" 2>&1 &
    pids+=($!)
  done
  for p in "${pids[@]}"; do wait "$p" || flag "a concurrent add failed: $(cat "$dir"/add*.out | grep -v '^added\|^kept' | head -3)"; done
  eq "$(q 'SELECT count(*) FROM runs')" 24 "runs"
  eq "$(q 'SELECT count(DISTINCT fingerprint) FROM runs')" 24 "distinct runs"
  eq "$(q 'SELECT count(*) FROM entries')" $((24 * 4 * 5)) "entries"
  ;;
options)
  runs 2
  "$hist" --db "$db" add --commit deadbeef --date 2026-12-01T10:00:00+02:00 --machine box \
    "$dir/runs/run-00.json" >"$dir/out" || flag "exit $?"
  has "$dir/out" "commit deadbeef, 2026-12-01T08:00:00Z, machine box"
  PCB_HISTORY_DB="$db" "$hist" add "$dir/runs/run-01.json" >/dev/null || flag "PCB_HISTORY_DB: exit $?"
  "$hist" --db "$db" runs >"$dir/runs.txt" || flag "runs: exit $?"
  eq "$(awk 'NR > 1 { print $2, $3, $4, $5 }' "$dir/runs.txt" | tr '\n' ';')" \
    "c01 2026-11-01T01:00:00Z ci-runner 4;deadbeef 2026-12-01T08:00:00Z box 4;" "runs, oldest first"
  # The default database is results/history.db, relative to where it runs.
  mkdir -p "$dir/cwd/results"
  (cd "$dir/cwd" && "$hist" add "$dir/runs/run-00.json" >/dev/null) || flag "default --db: exit $?"
  [[ -f "$dir/cwd/results/history.db" ]] || flag "no results/history.db"
  "$hist" --help | grep -q -- '--fail-on-latest' || flag "--help lists the options"
  ;;
bad_input)
  runs 2
  echo '{"nothing": 1}' >"$dir/foreign.json"
  refused "$dir/foreign.json" "$hist" --db "$db" add "$dir/foreign.json"
  [[ ! -e "$db" ]] || flag "a refused first add left a database"
  refused "$dir/none/h.db" "$hist" --db "$dir/none/h.db" add "$dir/runs/run-00.json"
  [[ ! -e "$dir/none" ]] || flag "the missing folder was made"
  refused "$dir/missing.db" "$hist" --db "$dir/missing.db" changes
  refused "$dir/missing.db" "$hist" --db "$dir/missing.db" runs
  [[ ! -e "$dir/missing.db" ]] || flag "changes made a database"
  "$hist" --db "$db" add "$dir/runs/run-00.json" >/dev/null || flag "add: exit $?"
  cp "$db" "$dir/ro.db" && chmod 444 "$dir/ro.db"
  refused "read-only" "$hist" --db "$dir/ro.db" add "$dir/runs/run-01.json"
  head -c 4096 /dev/urandom >"$dir/garbage.db"
  cp "$dir/garbage.db" "$dir/garbage.orig"
  refused "not a pcbench history database" "$hist" --db "$dir/garbage.db" add "$dir/runs/run-01.json"
  cmp -s "$dir/garbage.db" "$dir/garbage.orig" || flag "the damaged database was changed"
  python3 -c 'import sqlite3,sys; c=sqlite3.connect(sys.argv[1]); c.execute("create table notes(x)"); c.commit()' "$dir/other.db"
  refused "not a pcbench history database" "$hist" --db "$dir/other.db" add "$dir/runs/run-01.json"
  refused "not a pcbench history database" "$hist" --db "$dir/other.db" changes
  : >"$dir/empty.db"
  refused "empty file" "$hist" --db "$dir/empty.db" add "$dir/runs/run-01.json"
  eq "$(stat -c %s "$dir/empty.db")" 0 "the empty file stays empty"
  cp "$db" "$dir/new.db"
  python3 -c 'import sqlite3,sys; c=sqlite3.connect(sys.argv[1]); c.execute("pragma user_version=7"); c.commit()' "$dir/new.db"
  refused "schema version 7 is newer" "$hist" --db "$dir/new.db" runs
  refused "--filter=(" "$hist" --db "$db" changes --filter '('
  refused "--format=xml" "$hist" --db "$db" changes --format=xml
  refused "--date=yesterday" "$hist" --db "$db" add --date yesterday "$dir/runs/run-01.json"
  refused "--latest=0" "$hist" --db "$db" changes --latest 0
  refused "frobnicate" "$hist" --db "$db" frobnicate
  refused "unexpected argument" "$hist" --db "$db" runs extra
  refused "-o" "$hist" --db "$db" html
  python3 - "$dir/runs/run-01.json" "$dir/nocommit.json" <<'PY'
import json, sys
d = json.load(open(sys.argv[1])); del d["context"]["pcbench_commit"]; json.dump(d, open(sys.argv[2], "w"))
PY
  refused "give --commit" "$hist" --db "$db" add "$dir/nocommit.json"
  eq "$(q 'SELECT count(*) FROM runs')" 1 "runs after every refusal"
  # A page the user owns is never replaced.
  mkdir -p "$dir/site" && echo "<html>mine</html>" >"$dir/site/index.html"
  refused "left alone" "$hist" --db "$db" html -o "$dir/site"
  eq "$(cat "$dir/site/index.html")" "<html>mine</html>" "the user's page"
  refused "cannot make the folder" "$hist" --db "$db" html -o "$dir/no/such/dir"
  [[ ! -e "$dir/no" ]] || flag "html made a folder"
  leftovers=$(find "$dir" -name '*.partial*' -o -name '*-journal' | head -3)
  eq "$leftovers" "" "temporary files left behind"
  ;;
html)
  runs 30
  "$hist" --db "$db" add "$dir"/runs/*.json >/dev/null || flag "add: exit $?"
  "$hist" --db "$db" html -o "$dir/site" >"$dir/out" || flag "html: exit $?"
  page="$dir/site/index.html"
  has "$dir/out" "dashboard: $dir/site/index.html (4 series)"
  eq "$(grep -o '<figure class="chart"' "$page" | wc -l)" 4 "charts"
  eq "$(grep -o 'class="changepoint"' "$page" | wc -l)" 2 "change points marked"
  has "$page" "default-src 'none'"
  has "$page" '<select id="f-strategy">'
  has "$page" '<option value="Multiprocess">'
  has "$page" '<table id="comparison">'
  has "$page" "regression at c15: +12"
  # Nothing is fetched: no src or href attribute at all, no URL but the SVG namespace.
  eq "$(grep -oE '(src|href)=' "$page" | wc -l)" 0 "src/href attributes"
  eq "$(grep -oE 'https?://[^"]*' "$page" | sort -u)" "http://www.w3.org/2000/svg" "URLs"
  # Written again over its own page: replaced.
  "$hist" --db "$db" html -o "$dir/site" --filter '^Threaded/' >/dev/null || flag "again: exit $?"
  eq "$(grep -o '<figure class="chart"' "$page" | wc -l)" 1 "charts with --filter"
  ;;
report_html)
  # pcbench-report writes index.html beside index.md, with the same renderer.
  "$report" "$src/tests/report/small.json" -o "$dir/rep" >/dev/null || flag "report: exit $?"
  page="$dir/rep/index.html"
  has "$page" "<!-- written by pcbench"
  has "$page" '<figure class="chart" data-case="CPU.hash tasks:64 kib:256"'
  has "$page" "FAILED: result mismatch"
  has "$page" '<option value="Partitioned">'
  has "$page" "Floor/futex_pingpong/threads"
  eq "$(grep -oE '(src|href)=' "$page" | grep -c src)" 0 "src attributes"
  ;;
browser)
  # Both pages in headless chromium: every case a chart in the DOM, no console message, a
  # screenshot that is not blank.
  runs 30
  "$hist" --db "$db" add "$dir"/runs/*.json >/dev/null || flag "add: exit $?"
  "$hist" --db "$db" html -o "$dir/site" >/dev/null || flag "html: exit $?"
  q "SELECT group_concat(name, char(10)) FROM cases" >"$dir/cases.txt"
  "$report" "$src/tests/report/small.json" -o "$dir/rep" >/dev/null || flag "report: exit $?"
  echo "CPU.hash tasks:64 kib:256" >"$dir/rep-cases.txt"
  python3 "$here/test_browser.py" "$dir/browser" "$dir/site/index.html" "$dir/cases.txt" \
    "$dir/rep/index.html" "$dir/rep-cases.txt"
  rc=$?
  [[ $rc -eq 77 ]] && exit 77
  [[ $rc -eq 0 ]] || flag "the browser checks failed"
  ;;
*)
  echo "unknown case $case_name" >&2
  exit 2
  ;;
esac
exit $((failures > 0))
