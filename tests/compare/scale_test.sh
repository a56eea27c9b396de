#!/bin/sh
# scale_test.sh - compares two generated files of many cases and checks the
# counts: every tenth case of the new file is 10 % slower (gen_perf.py), so
# exactly that many cases must regress and none improve.
#
#   scale_test.sh COMPARE SOURCE_DIR WORK_DIR CASES
#
# Exits 77 (skip) without a Python 3 interpreter. Asserts counts, never
# timings.
set -u
compare=$1 src=$2 work=$3 cases=$4
py=
for p in /usr/bin/python3 python3; do
  if command -v "$p" >/dev/null 2>&1; then py=$p; break; fi
done
[ -n "$py" ] || { echo "SKIP: no python3 to generate the inputs"; exit 77; }
mkdir -p "$work"
"$py" "$src/gen_perf.py" "$work/base.json" "$cases" 10 1 || exit 1
"$py" "$src/gen_perf.py" "$work/new.json" "$cases" 10 2 1.1 || exit 1
start=$(date +%s%N)
"$compare" --format=json "$work/base.json" "$work/new.json" >"$work/out.json"
status=$?
end=$(date +%s%N)
want=$(( (cases + 9) / 10 ))
fail=0
[ "$status" -eq 1 ] || { echo "FAIL: exit status $status, expected 1"; fail=1; }
for line in "\"regressed\": $want," "\"improved\": 0," "\"failed\": 0," \
    "\"new\": 0," "\"missing\": 0,"; do
  grep -qF "$line" "$work/out.json" || { echo "FAIL: summary lacks $line"; fail=1; }
done
n=$(grep -c '"verdict": "regressed"' "$work/out.json")
[ "$n" -eq "$want" ] || { echo "FAIL: $n regressed cases, expected $want"; fail=1; }
# The slowed-down cases are 0, 10, 20, ..., which gen_perf.py names with the
# first of its ten strategies, Sequential: every regressed case must be one.
other=$(grep '"verdict": "regressed"' "$work/out.json" | grep -vc '"name": "Sequential/')
[ "$other" -eq 0 ] || { echo "FAIL: $other regressed cases are not Sequential/"; fail=1; }
grep '"summary"' "$work/out.json"
# The time is printed for the record, never checked: the machine may be busy.
echo "compare took $(( (end - start) / 1000000 )) ms"
[ $fail -eq 0 ] && echo "ok: $want of $cases cases regressed"
exit $fail
