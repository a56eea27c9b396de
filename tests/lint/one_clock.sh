#!/usr/bin/env bash
# one_clock.sh SOURCE_DIR - the monotonic clock is read in one place. pcb_now_ns()
# (workloads/os.c, declared in workloads/pcbench.h) is CLOCK_MONOTONIC in nanoseconds for every
# layer; a file of its own that calls clock_gettime(CLOCK_MONOTONIC, ...) is a second copy of it,
# free to drift (another clock, another rounding). Lists every such call outside workloads/os.c
# in the project's folders and exits 1; exits 0 when there is none. The check first runs on a
# tree made to fail it, so it is known to catch a copy.
set -euo pipefail
src=$1
folders=(benches runners workloads compare)
pattern='clock_gettime[[:space:]]*\([[:space:]]*CLOCK_MONOTONIC([^_[:alnum:]]|$)'

# copies DIR: the calls under DIR's project folders, one "file:line: text" a line.
copies() {
  local d
  for d in "${folders[@]}"; do
    [ -d "$1/$d" ] || continue
    (cd "$1" && grep -rnE --include='*.c' --include='*.cc' --include='*.h' "$pattern" "$d") || true
  done | grep -v '^workloads/os\.c:' || true
}

probe=$(mktemp -d)
trap 'rm -rf "$probe"' EXIT
mkdir -p "$probe/workloads" "$probe/benches/harness"
printf 'uint64_t pcb_now_ns(void) { clock_gettime(CLOCK_MONOTONIC, &ts); }\n' \
  >"$probe/workloads/os.c"
printf 'static uint64_t now_ns(void) { clock_gettime(CLOCK_MONOTONIC_RAW, &a); }\n' \
  >"$probe/benches/harness/raw.c"
if [ -n "$(copies "$probe")" ]; then
  echo "one_clock: the check took pcb_now_ns() itself or CLOCK_MONOTONIC_RAW for a copy"
  exit 1
fi
printf 'static uint64_t now_ns(void) { clock_gettime( CLOCK_MONOTONIC, &ts); }\n' \
  >"$probe/benches/harness/copy.c"
if [ "$(copies "$probe")" != "benches/harness/copy.c:1:$(cat "$probe/benches/harness/copy.c")" ]
then
  echo "one_clock: the check missed a copy of pcb_now_ns() made to fail it"
  exit 1
fi

found=$(copies "$src")
if [ -n "$found" ]; then
  echo "one_clock: CLOCK_MONOTONIC read outside pcb_now_ns() (workloads/os.c); call pcb_now_ns():"
  printf '%s\n' "$found" | sed 's/^/  /'
  exit 1
fi
echo "one_clock: CLOCK_MONOTONIC is read only by pcb_now_ns()"
