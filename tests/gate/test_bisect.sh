#!/usr/bin/env bash
# test_bisect.sh - the gate's bisect mode (compare/nightly.sh --bisect GOOD BAD) on a history
# whose answer is known.
#
# A repository is made from this source tree (its files as they are now, committed as GOOD),
# then five commits on top: one that only touches a document, one that makes CPU.hash hash its
# buffer three times per task (the same digest: no work changed, only time), and three more that
# only touch documents. Checked:
#   - the bisect names the slow commit, on stdout, and exits 0;
#   - only the CPU.hash case was bisected (the subset's CPU.rotate case did not regress);
#   - its report names the range, the case, every step and the first bad commit;
#   - nothing is left behind: no worktree of the repository, no temporary folder, no build;
#   - bad revisions (unknown, equal, reversed) get one line and exit 2, before anything is built.
# A threefold slowdown is far outside any noise of this machine; the test checks which commit
# is named, never a time.
#
#   test_bisect.sh     (exit 77: skipped, when the source tree is no git work tree)
set -u
src=$(cd "$(dirname "$0")/../.." && pwd)
. "$src/tests/lib.sh" # flag, $failures
work=$(mktemp -d "${TMPDIR:-/tmp}/pcb-bisect.XXXXXX") || exit 1
trap 'rm -rf "$work"' EXIT
passes=0
ok() { passes=$((passes + 1)); echo "ok - $1"; }

git -C "$src" rev-parse --is-inside-work-tree >/dev/null 2>&1 ||
  { echo "SKIP: $src is no git work tree"; exit 77; }

repo="$work/repo"
mkdir -p "$repo"
# The tracked files as they are in the work tree (uncommitted edits included).
(cd "$src" && git ls-files -z | xargs -0 cp --parents -t "$repo" 2>/dev/null)
[[ -f "$repo/workloads/cpu_hash.c" && -f "$repo/compare/nightly.sh" ]] ||
  { echo "FAIL: could not copy the source tree" >&2; exit 1; }
g() { git -C "$repo" -c user.name=pcbench-test -c user.email=test@pcbench.invalid "$@"; }
commit() { g add -A && g commit -q -m "$1"; }
g init -q
commit "good"
good=$(g rev-parse HEAD)
echo "note one" >>"$repo/docs/testing.md"
commit "a note"
# Three times the hashing per task, with the same answer: the same work, slower.
python3 "$src/tests/gate/plant_slowdown.py" 200 "$repo" || { echo "FAIL: could not plant the slowdown" >&2; exit 1; }
commit "CPU.hash: hash three times"
slow=$(g rev-parse HEAD)
for n in two three four; do
  echo "note $n" >>"$repo/docs/testing.md"
  commit "note $n"
done
bad=$(g rev-parse HEAD)

gate="$repo/compare/nightly.sh"
dir="$work/gate"
filter='^Sequential/CPU\.(hash/workers:1/tasks:256/kib:1024|rotate/workers:1/tasks:64/size:1024)/'

# Bad revisions: one line, exit 2, nothing built and no folder made.
for args in "nosuch $bad" "$bad $bad" "$bad $good" "$good"; do
  # shellcheck disable=SC2086
  msg=$(cd "$repo" && bash "$gate" --dir "$dir" --bisect $args 2>&1 >/dev/null)
  rc=$?
  if [[ $rc -eq 2 && $(printf '%s\n' "$msg" | wc -l) -eq 1 && "$msg" == nightly:* && ! -e "$dir" ]]; then
    ok "--bisect $args: refused ($msg)"
  else
    flag "--bisect $args: exit $rc, want 2 with one line and no folder: $msg"
  fi
done

# --threshold 50: the planted +200 % is far past it, and no unchanged case's noise reaches it, so
# the CPU.rotate case cannot be called regressed by a busy machine.
out=$(cd "$repo" && bash "$gate" --dir "$dir" --filter="$filter" --min-time 0.01 --repetitions 9 --threshold 50 \
  --build-dir "$work/unused-build" --bisect "$good" "$bad" 2>"$work/stderr")
rc=$?
if [[ $rc -eq 0 && "$out" == "first bad commit: $slow CPU.hash: hash three times" ]]; then
  ok "the bisect names the slow commit"
else
  flag "exit $rc, stdout '$out', want the slow commit $slow; stderr: $(tail -n 8 "$work/stderr")"
fi
report=$(ls "$dir"/*-bisect.md 2>/dev/null)
if [[ -f "$report" ]] &&
  grep -q "^- \`Sequential/CPU.hash/workers:1/tasks:256/kib:1024/manual_time\`$" "$report" &&
  ! grep -q 'CPU.rotate' "$report" &&
  grep -q "^First bad commit: ${slow:0:7}" "$report" &&
  [[ $(grep -c '^| [0-9a-f]\{7,\} .* | \(good\|bad\) | [0-9]* of [0-9]* |$' "$report") -ge 2 ]]; then
  ok "the report lists the bisected case only, every step and the first bad commit"
else
  flag "the report is not as expected: $(cat "$report" 2>/dev/null || echo none)"
fi
left=$(g worktree list | wc -l)
[[ $left -eq 1 ]] && ok "no worktree is left" || flag "$((left - 1)) worktree(s) left: $(g worktree list)"
stray=$(find "$dir" -mindepth 1 ! -name '*-bisect.md' 2>/dev/null)
[[ -z "$stray" && ! -e "$work/unused-build" ]] && ok "nothing but the report is left" ||
  flag "left behind: $stray $(ls -d "$work/unused-build" 2>/dev/null)"

echo "$passes passed, $failures failed"
exit $((failures > 0))
