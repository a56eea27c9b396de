#!/usr/bin/env bash
# test_outputs.sh - what compare writes and the files it reads besides result files, one case per
# invocation:
#
#   test_outputs.sh CASE COMPARE INPUT_DIR WORK_DIR
#
# --write-thresholds writes a regular file whole or not at all (the previous file intact, no
# temporary file left), follows symbolic links, and writes character devices and FIFOs in place
# instead of renaming over them; a full device is an error naming the file. The real /dev/null
# and /dev/full are never touched: the devices are private nodes made with mknod in WORK_DIR
# (as root; the cases that need one are skipped with a reason otherwise). --thresholds refuses
# devices and reads at most 16 MiB from a pipe that never ends. The JSON output is valid JSON
# in UTF-8 whatever the names and paths hold. Exit 0: pass; 77: skipped; else fail.
set -uo pipefail

case_name=$1 compare=$2 inputs=$3 work=$4
dir="$work/$case_name"
rm -rf "$dir" && mkdir -p "$dir" || exit 1
. "$(dirname "$0")/../lib.sh" # flag, $failures
FAIL_SCOPE=$case_name
base="$inputs/base.json" new="$inputs/new.json"

# run ARGS...: compare with stdout into $dir/out (through a pipe, so no file limit applies to
# it), stderr into $dir/err; $rc is its exit status.
run() {
  "$compare" "$@" 2>"$dir/err" | cat >"$dir/out"
  rc=${PIPESTATUS[0]}
}
# one_line TEXT: stderr is exactly one line and contains TEXT.
one_line() {
  [[ $(wc -l <"$dir/err") -eq 1 ]] || flag "expected one line on stderr, got: $(cat "$dir/err")"
  grep -qF -- "$1" "$dir/err" || flag "stderr lacks '$1': $(cat "$dir/err")"
}
# only FILE...: the work folder holds exactly these names (nothing left behind).
only() {
  local want got
  want=$(printf '%s\n' "$@" | sort)
  got=$(ls -A "$dir" | grep -vx -e out -e err | sort)
  [[ "$got" == "$want" ]] || flag "the folder holds '$(echo $got)', expected '$(echo $want)'"
}
need_root() {
  if [[ $(id -u) -ne 0 ]]; then
    echo "SKIP: making a device node needs root"
    exit 77
  fi
}

case "$case_name" in
full_device)
  # A full device: the write fails at the flush, an error naming the file; the node stays.
  need_root
  mknod "$dir/full" c 1 7 || { echo "SKIP: mknod is not allowed here"; exit 77; }
  run --write-thresholds="$dir/full" "$base" "$new"
  [[ $rc -eq 2 ]] || flag "exit status $rc, expected 2"
  one_line "compare: --write-thresholds=$dir/full: cannot write it: No space left on device"
  [[ -c "$dir/full" ]] || flag "the device node was replaced"
  only full
  ;;
null_device)
  need_root
  mknod "$dir/null" c 1 3 || { echo "SKIP: mknod is not allowed here"; exit 77; }
  run --write-thresholds="$dir/null" "$base" "$new"
  [[ $rc -eq 1 ]] || flag "exit status $rc, expected 1 (a regression)"
  [[ -c "$dir/null" ]] || flag "the device node was replaced"
  only null
  ;;
stdout_full)
  # Output that could not be written is an error, not exit 0 or 1.
  need_root
  mknod "$dir/full" c 1 7 || { echo "SKIP: mknod is not allowed here"; exit 77; }
  "$compare" "$base" "$new" >"$dir/full" 2>"$dir/err"
  rc=$?
  [[ $rc -eq 2 ]] || flag "exit status $rc, expected 2"
  one_line "compare: standard output: cannot write it: No space left on device"
  ;;
fifo)
  mkfifo "$dir/fifo"
  # This shell holds the FIFO open (read and write, which never blocks) before compare runs, so
  # compare always finds a reader; the thresholds fit the pipe's buffer and are read after it.
  exec 4<>"$dir/fifo"
  run --write-thresholds="$dir/fifo" "$base" "$new"
  timeout 2 cat <&4 >"$dir/read" # drains what is there; the write end held here means no EOF
  exec 4>&-
  [[ $rc -eq 1 ]] || flag "exit status $rc, expected 1"
  [[ -p "$dir/fifo" ]] || flag "the FIFO was replaced"
  grep -qx $'30.0\tThreaded/CPU.hash/workers:8' "$dir/read" || flag "the reader did not get the thresholds"
  only fifo read
  ;;
symlink)
  # The file a link points to is replaced; the link stays a link. A link to nothing yet makes
  # its target.
  printf 'old\n' >"$dir/t.tsv"
  ln -s t.tsv "$dir/link"
  ln -s made.tsv "$dir/dangling"
  run --write-thresholds="$dir/link" "$base" "$new"
  [[ $rc -eq 1 ]] || flag "exit status $rc, expected 1"
  [[ -L "$dir/link" && $(readlink "$dir/link") == t.tsv ]] || flag "the link was replaced"
  grep -qx $'30.0\tThreaded/CPU.hash/workers:8' "$dir/t.tsv" || flag "t.tsv was not written"
  run --write-thresholds="$dir/dangling" "$base" "$new"
  [[ -L "$dir/dangling" ]] && cmp -s "$dir/t.tsv" "$dir/made.tsv" || flag "the dangling link's target was not made"
  only t.tsv link dangling made.tsv
  ;;
keeps_previous)
  # A write that fails on the way (here the file size limit, with SIGXFSZ ignored so the write
  # returns EFBIG): the previous file as it was, and no temporary file.
  printf 'previous\n' >"$dir/t.tsv"
  chmod 640 "$dir/t.tsv"
  # Both streams go through a pipe: the limit would stop a write to a file. compare prints
  # nothing on stdout when the thresholds file fails, so the pipe holds the one line.
  (ulimit -f 0; trap '' XFSZ; exec "$compare" --write-thresholds="$dir/t.tsv" "$base" "$new" 2>&1) |
    cat >"$dir/err"
  rc=${PIPESTATUS[0]}
  [[ $rc -eq 2 ]] || flag "exit status $rc, expected 2"
  one_line "compare: --write-thresholds=$dir/t.tsv: cannot write it: File too large"
  [[ $(cat "$dir/t.tsv") == previous ]] || flag "the previous file changed"
  only t.tsv
  # A write that succeeds keeps the file's mode.
  run --write-thresholds="$dir/t.tsv" "$base" "$new"
  [[ $(stat -c %a "$dir/t.tsv") == 640 ]] || flag "mode $(stat -c %a "$dir/t.tsv"), expected 640"
  only t.tsv
  ;;
unwritable)
  mkdir "$dir/d"
  run --write-thresholds="$dir/d" "$base" "$new"
  [[ $rc -eq 2 ]] || flag "a directory: exit status $rc, expected 2"
  one_line "compare: --write-thresholds=$dir/d: is a directory; expected a file name"
  run --write-thresholds="$dir/none/t.tsv" "$base" "$new"
  [[ $rc -eq 2 ]] || flag "a missing folder: exit status $rc, expected 2"
  one_line "cannot create a file in $dir/none: No such file or directory"
  # A case name the format cannot hold (a tab, a line break) is refused before anything is
  # written.
  run --write-thresholds="$dir/t.tsv" "$inputs/names_base.json" "$inputs/names_new.json"
  [[ $rc -eq 2 ]] || flag "a name with a line break: exit status $rc, expected 2"
  one_line "has a tab or a line break in its name, which a thresholds file cannot hold"
  only d
  ;;
thresholds_device)
  need_root
  mknod "$dir/zero" c 1 5 || { echo "SKIP: mknod is not allowed here"; exit 77; }
  run --thresholds="$dir/zero" "$base" "$new"
  [[ $rc -eq 2 ]] || flag "exit status $rc, expected 2"
  one_line "compare: --thresholds=$dir/zero: is a character device; expected a thresholds file"
  ;;
thresholds_endless)
  # A pipe that never ends is read up to the limit, then refused: memory stays bounded.
  yes $'5\tSequential/CPU.hash' | "$compare" --thresholds=/dev/stdin "$base" "$new" 2>"$dir/err" >"$dir/out"
  rc=${PIPESTATUS[1]}
  [[ $rc -eq 2 ]] || flag "exit status $rc, expected 2"
  one_line "compare: --thresholds=/dev/stdin: larger than 16 MiB; expected a thresholds file"
  # A line longer than 4096 bytes.
  { printf '5\t'; head -c 5000 /dev/zero | tr '\0' x; printf '\n'; } >"$dir/long.tsv"
  run --thresholds="$dir/long.tsv" "$base" "$new"
  [[ $rc -eq 2 ]] || flag "a long line: exit status $rc, expected 2"
  one_line "line 1: longer than 4096 bytes"
  # A pipe is a thresholds file like any other (a shell's <(...)).
  printf '12\tSequential/CPU.hash\n' | "$compare" --thresholds=/dev/stdin "$base" "$new" 2>"$dir/err" |
    cat >"$dir/out"
  [[ ! -s "$dir/err" ]] || flag "a thresholds pipe was refused: $(cat "$dir/err")"
  ;;
json_valid)
  # Names with control characters and a path that is not UTF-8: the JSON output stays JSON.
  command -v python3 >/dev/null || { echo "SKIP: python3 is not installed"; exit 77; }
  ln -s "$inputs/names_base.json" "$dir/$(printf 'base\xff.json')"
  run --format=json "$dir/$(printf 'base\xff.json')" "$inputs/names_new.json"
  [[ $rc -eq 1 ]] || flag "exit status $rc, expected 1"
  python3 - "$dir/out" <<'EOF' || flag "the JSON output is not valid JSON in UTF-8"
import json, sys
doc = json.loads(open(sys.argv[1], "rb").read().decode("utf-8", "strict"))
names = [c["name"] for c in doc["cases"]]
assert "Threaded/line\nbreak" in names and "Threaded/\x1b[31mred\x1b[0m" in names, names
assert any(len(n) == 302 for n in names), [len(n) for n in names]
assert doc["base"]["files"][0].endswith("base\ufffd.json"), doc["base"]["files"]
EOF
  ;;
*)
  echo "unknown case $case_name" >&2
  exit 2
  ;;
esac

[[ $failures -eq 0 ]] || exit 1
echo "ok [$case_name]"
