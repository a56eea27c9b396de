#!/bin/sh
# run_golden.sh - runs compare once and checks its exit status and output.
#
#   run_golden.sh COMPARE INPUT_DIR EXPECTED_DIR OUT_DIR NAME STATUS MODE \
#                 [--sparse FILE SIZE] -- ARGS...
#
# Runs "COMPARE ARGS..." inside INPUT_DIR (so file names in the output are
# the short relative ones), with stdout and stderr saved under OUT_DIR, and
# checks:
#   - the exit status is STATUS;
#   - MODE exact:    stdout equals EXPECTED_DIR/NAME.out and stderr equals
#                    EXPECTED_DIR/NAME.err (a missing file means "empty");
#   - MODE contains: every line of EXPECTED_DIR/NAME.contains occurs in
#                    stdout or stderr (for outputs that hold real timings).
# --sparse creates OUT_DIR/FILE as a sparse file of SIZE (truncate -s) for
# the run and removes it afterwards; ARGS may name it as @OUT@/FILE.
# With PCB_COMPARE_UPDATE_GOLDENS=1 an exact test rewrites its expected
# files instead of checking them (review the diff before committing).
set -u
compare=$1 inputs=$2 expected=$3 out=$4 name=$5 status=$6 mode=$7
shift 7
mkdir -p "$out"
sparse=
if [ "${1:-}" = "--sparse" ]; then
  sparse="$out/$2"
  truncate -s "$3" "$sparse" || exit 1
  shift 3
fi
[ "${1:-}" = "--" ] && shift
# Substitute @OUT@ in the arguments.
n=$#
i=0
while [ $i -lt $n ]; do
  a=$1
  shift
  case $a in @OUT@*) a="$out${a#@OUT@}" ;; esac
  set -- "$@" "$a"
  i=$((i + 1))
done

(cd "$inputs" && "$compare" "$@") >"$out/$name.out" 2>"$out/$name.err"
got=$?
[ -n "$sparse" ] && rm -f "$sparse"
fail=0
if [ "$got" -ne "$status" ]; then
  echo "FAIL: exit status $got, expected $status"
  fail=1
fi
case $mode in
exact)
  if [ "${PCB_COMPARE_UPDATE_GOLDENS:-0}" = 1 ]; then
    cp "$out/$name.out" "$expected/$name.out"
    cp "$out/$name.err" "$expected/$name.err"
    [ -s "$expected/$name.out" ] || rm -f "$expected/$name.out"
    [ -s "$expected/$name.err" ] || rm -f "$expected/$name.err"
    echo "updated $expected/$name.{out,err}"
  else
    for s in out err; do
      want="$expected/$name.$s"
      [ -f "$want" ] || want=/dev/null
      if ! diff -u "$want" "$out/$name.$s"; then
        echo "FAIL: std$s differs from $want"
        fail=1
      fi
    done
  fi
  ;;
contains)
  while IFS= read -r line; do
    [ -z "$line" ] && continue
    if ! grep -qF -- "$line" "$out/$name.out" "$out/$name.err"; then
      echo "FAIL: output lacks: $line"
      fail=1
    fi
  done <"$expected/$name.contains"
  ;;
*)
  echo "unknown mode $mode"
  exit 2
  ;;
esac
if [ $fail -ne 0 ]; then
  echo "--- stdout"; cat "$out/$name.out"
  echo "--- stderr"; cat "$out/$name.err"
  exit 1
fi
echo "ok: $name (exit $got)"
exit 0
