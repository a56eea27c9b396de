#!/usr/bin/env bash
# test_bad_input.sh - every row of the "Bad input" table in docs/bad-input.md, run as written.
#
# The rows are read from docs/bad-input.md between the markers <!-- bad-input-table:begin --> and
# <!-- bad-input-table:end -->, so a row added there is tested without touching this file. Each
# row's "bad example" is a command in a code span; its first word is one of the placeholders
# pcbench, compare, pcbench-report, pcbench-history (the build tree's programs), run-suite.sh,
# hyperfine.sh (benches/cli/, pointed at the build tree) or nightly.sh (compare/, with --bin-dir the
# build tree).
# Each command runs in a fresh folder holding the fixtures the examples name (base.json,
# new.json, book.txt, empty.txt, empty.json, binary.txt, notjson.json, other.json, bad.tsv,
# locked.txt, locked.json, dir/, site/index.html), with no PCB_* variable set but the row's own. Checked per row:
#   - exit status 2;
#   - exactly one line on stderr, which contains the row's message (the code span of "what
#     happens") and the name of the input (the code span of "names");
#   - nothing left behind: the folder holds exactly the fixtures afterwards (no result file, no
#     .partial, no temporary file), and no process runs in it.
# Rows about unreadable files (locked.*) run, as root, without the capabilities that let root
# read every file (setpriv); they are skipped only where that cannot be done.
#
# usage: test_bad_input.sh SOURCE_DIR BUILD_DIR [NAME_PART]   (only rows whose command has it)
set -u

SRC=$1
BUILD=$2
ONLY=${3:-}
TABLE="$SRC/docs/bad-input.md"
WORK=$(mktemp -d "$PWD/test_bad_input.XXXXXX") || exit 1
trap 'chmod -R u+rwx "$WORK" 2>/dev/null; rm -rf "$WORK"' EXIT

# The placeholders, defined in the shell that runs each example.
PRELUDE='
for v in $(compgen -e | grep "^PCB_"); do unset "$v"; done
pcbench() { "$BUILD/pcbench" "$@"; }
compare() { "$BUILD/compare" "$@"; }
pcbench-report() { "$BUILD/pcbench-report" "$@"; }
pcbench-history() { "$BUILD/pcbench-history" "$@"; }
run-suite.sh() { PCB_BUILD_DIR="$BUILD" "$SRC/benches/cli/run-suite.sh" "$@"; }
hyperfine.sh() { "$SRC/benches/cli/hyperfine.sh" --build "$BUILD" "$@"; }
nightly.sh() { "$SRC/compare/nightly.sh" --bin-dir "$BUILD" "$@"; }
'
export SRC BUILD

make_fixtures() {
    local d=$1
    mkdir -p "$d/dir"
    cp "$SRC/tests/compare/inputs/base.json" "$SRC/tests/compare/inputs/new.json" "$d/"
    printf 'Some text, and more text.\n' >"$d/book.txt"
    : >"$d/empty.txt"
    : >"$d/empty.json"
    printf 'text\0with a NUL byte\n' >"$d/binary.txt"
    printf 'not JSON\n' >"$d/notjson.json"
    printf '{"a": 1}\n' >"$d/other.json"
    printf 'abc\tcase\n' >"$d/bad.tsv"
    printf 'Some text.\n' >"$d/locked.txt"
    cp "$d/base.json" "$d/locked.json"
    chmod 000 "$d/locked.txt" "$d/locked.json"
    printf '{}\n' >"$d/readonly.json"
    chmod 444 "$d/readonly.json"
    mkfifo "$d/fifo"
    cp "$d/base.json" "$d/copy.json"
    cp "$SRC/tests/compare/inputs/agg_base.json" "$d/aggs.json"
    printf '{"benchmarks": []}\n' >"$d/nocases.json"
    printf '{"benchmarks": [{"name": "a", "run_type": "iteration", "real_time": 1, "cpu_time": 1, "time_unit": "ns", "time_unit": "ms"}]}\n' >"$d/dupkey.json"
    printf '{"benchmarks": [{"name": "caf\xe9", "run_type": "iteration", "real_time": 1, "cpu_time": 1, "time_unit": "ns"}]}\n' >"$d/latin1.json"
    printf '{"benchmarks": [{"name": "a\\u0000b", "run_type": "iteration", "real_time": 1, "cpu_time": 1, "time_unit": "ns"}]}\n' >"$d/nulname.json"
    printf '{"benchmarks": [{"name": "a\x01b", "run_type": "iteration", "real_time": 1, "cpu_time": 1, "time_unit": "ns"}]}\n' >"$d/ctlname.json"
    printf '{"benchmarks": [{"name": "a", "run_type": "iteration", "real_time": 1, "cpu_time": 1, "time_unit": "ns", "": 5}]}\n' >"$d/unnamed.json"
    printf '{"results": [{"command": "sleep", "times": [], "mean": 0.01}]}\n' >"$d/hfempty.json"
    printf '{"benchmarks": [{"name": "a", "run_type": "iteration", "real_time": 1, "cpu_time": 1, "time_unit": "ns", "pcb_digest": "12ab"}]}\n' >"$d/baddigest.json"
    printf '{"benchmarks": [{"name": "a", "run_type": "iteration", "repetition_index": 0, "real_time": 1, "cpu_time": 1, "time_unit": "ns", "pcb_digest": "0x1"}, {"name": "a", "run_type": "iteration", "repetition_index": 1, "real_time": 1, "cpu_time": 1, "time_unit": "ns", "pcb_digest": "0x2"}]}\n' >"$d/twodigests.json"
    printf '{"context": {"date": "2026-11-20T03:00:00+00:00"}, "benchmarks": [{"name": "a", "run_type": "iteration", "real_time": 1, "cpu_time": 1, "time_unit": "ns", "pcb_digest": "0x1"}]}\n' >"$d/work.json"
    printf '{"context": {"date": "2026-11-21T03:00:00+00:00"}, "benchmarks": [{"name": "a", "run_type": "iteration", "real_time": 1, "cpu_time": 1, "time_unit": "ns", "pcb_digest": "0x2"}]}\n' >"$d/otherwork.json"
    printf '5\tSequential/CPU.hsah\n' >"$d/typo.tsv"
    printf '5\tSequential/CPU.hash \n' >"$d/trailing.tsv"
    printf '5\t%05000d\n' 0 >"$d/longline.tsv"
    printf '*\n' >"$d/star.filter"
    mkfifo "$d/input.fifo"
    mkdir -p "$d/site"
    printf '<!DOCTYPE html>\n<html><body>My own page.</body></html>\n' >"$d/site/index.html"
}

# Processes whose working directory is inside $1 (one find over /proc, not a fork per process).
procs_in() {
    find /proc/[0-9]*/cwd -maxdepth 0 \( -lname "$1" -o -lname "$1/*" \) 2>/dev/null |
        cut -d/ -f3
}

# The first code span of a table cell, with \| unescaped; empty when there is none.
span() {
    local s=$1
    [[ "$s" == *'`'*'`'* ]] || return 0
    s=${s#*\`}
    s=${s%%\`*}
    printf '%s' "${s//\\|/|}"
}

rows=$(awk '/<!-- bad-input-table:begin -->/ {f = 1; next} /<!-- bad-input-table:end -->/ {f = 0}
            f && /^\| / && !/^\| input \|/ && !/^\|---/' "$TABLE")
[[ -n "$rows" ]] || { echo "FAIL: no rows between the bad-input-table markers in $TABLE"; exit 1; }

n=0 failed=0 skipped=0
while IFS= read -r row; do
    # Cells: split on | that is not escaped as \|.
    cells=()
    IFS=$'\x01' read -r -a cells <<<"$(sed 's/\\|/\x02/g; s/|/\x01/g; s/\x02/\\|/g' <<<"$row")"
    # cells[0] is the empty text before the first |.
    cmd=$(span "${cells[3]:-}")
    msg=$(span "${cells[4]:-}")
    name=$(span "${cells[5]:-}")
    n=$((n + 1))
    if [[ -z "$cmd" || -z "$msg" || -z "$name" ]]; then
        echo "FAIL row $n: needs a command, a message and a name in code spans: $row"
        failed=$((failed + 1))
        continue
    fi
    [[ -z "$ONLY" || "$cmd" == *"$ONLY"* ]] || continue
    # Root reads every file: for the rows about unreadable files, run without the two
    # capabilities that let it (setpriv, util-linux); skip only when that is impossible.
    drop=()
    if [[ "$cmd" == *locked.* && $(id -u) -eq 0 ]]; then
        if command -v setpriv >/dev/null &&
            setpriv --bounding-set -dac_override,-dac_read_search true 2>/dev/null; then
            drop=(setpriv --bounding-set -dac_override,-dac_read_search)
        else
            echo "SKIP row $n: $cmd (root reads unreadable files and setpriv cannot drop that)"
            skipped=$((skipped + 1))
            continue
        fi
    fi
    dir="$WORK/row$n"
    make_fixtures "$dir"
    before=$(cd "$dir" && find . | sort)
    (cd "$dir" && exec timeout 30 "${drop[@]}" bash -c "$PRELUDE"$'\n'"$cmd") >"$WORK/out" 2>"$WORK/err" </dev/null
    rc=$?
    line=$(head -n 1 "$WORK/err")
    lines=$(wc -l <"$WORK/err")
    after=$(cd "$dir" && find . | sort)
    left=$(procs_in "$dir")
    why=()
    [[ $rc -eq 2 ]] || why+=("exit status $rc, not 2")
    [[ $lines -eq 1 && $(tail -c 1 "$WORK/err" | od -An -c | tr -d ' ') == '\n' ]] ||
        why+=("$lines lines on stderr, not one")
    [[ "$line" == *"$msg"* ]] || why+=("the line lacks the documented message '$msg'")
    [[ "$line" == *"$name"* ]] || why+=("the line does not name '$name'")
    [[ "$before" == "$after" ]] ||
        why+=("left behind: $(comm -13 <(echo "$before") <(echo "$after") | tr '\n' ' ')")
    [[ -z "$left" ]] || why+=("process(es) left: $left")
    if [[ ${#why[@]} -gt 0 ]]; then
        echo "FAIL row $n: $cmd"
        printf '    %s\n' "${why[@]}"
        sed 's/^/    stderr: /' "$WORK/err" | head -n 5
        failed=$((failed + 1))
    fi
    chmod -R u+rwx "$dir"
    rm -rf "$dir"
done <<<"$rows"

echo "bad input: $n rows, $failed failed, $skipped skipped"
[[ $failed -eq 0 ]]
