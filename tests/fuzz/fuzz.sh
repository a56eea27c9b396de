#!/bin/sh
# fuzz.sh - builds one of pcbench's option-parser fuzz targets with clang and runs it.
#
#   fuzz.sh SOURCE_DIR LINK_FILE WORK_DIR TARGET SECONDS [LIBFUZZER_OPTIONS...]
#
# TARGET is options (pcb_options_parse, tests/fuzz/fuzz_options.c) or oneshot (the argument
# parser of `pcbench run`, tests/fuzz/fuzz_oneshot.c). SOURCE_DIR is the repository root.
# LINK_FILE is written by CMake (tests/fuzz/CMakeLists.txt) into the build tree: the static
# libraries of that build (runners, workloads, pcbench's own) and the libraries they need, one a
# line. The target's own sources are compiled here with coverage and sanitizers; the registries
# of runners and workloads come from those libraries, built by the normal build, so this script
# never lists their sources or their dependencies.
#
# WORK_DIR is a directory the script owns: the binary, the growing corpus (WORK_DIR/corpus) and
# crash files (WORK_DIR/artifacts/) go there, never into the committed seed corpus
# (tests/fuzz/TARGET/corpus), which is only read. SECONDS is the run time (-max_total_time).
# Exits 77 (ctest's skip code) when clang or its libFuzzer runtime is not installed.
set -eu
src=$1
link_file=$2
work=$3
target=$4
secs=$5
shift 5

case "$target" in
options) extra_src="$src/benches/harness/options.c" ;;
oneshot) extra_src="" ;; # fuzz_oneshot.c includes benches/cli/oneshot.c
*) echo "fuzz.sh: TARGET $target: expected options or oneshot" >&2; exit 2 ;;
esac
if ! command -v clang >/dev/null 2>&1; then
  echo "SKIP: clang is not installed (apt-get install clang libclang-rt-14-dev)"
  exit 77
fi
[ -r "$link_file" ] || { echo "fuzz.sh: $link_file: not found; configure the build first" >&2; exit 2; }

# The link inputs, and a run path for every shared library among them.
libs=""
rpath=""
while IFS= read -r l; do
  [ -n "$l" ] || continue
  libs="$libs $l"
  case "$l" in
  /*.so | /*.so.*) rpath="$rpath -Wl,-rpath,$(dirname "$l")" ;;
  esac
done <"$link_file"

mkdir -p "$work/corpus" "$work/artifacts"
# shellcheck disable=SC2086 # $libs and $rpath are lists of words
if ! clang -g -O1 -std=gnu11 -fsanitize=fuzzer,address,undefined \
    -fno-sanitize-recover=undefined -I"$src/benches/harness" -I"$src/benches/common" -I"$src/runners" -I"$src/workloads" \
    "$src/tests/fuzz/fuzz_$target.c" $extra_src \
    -Wl,--start-group $libs -Wl,--end-group $rpath -lstdc++ -lm -ldl -lrt -lpthread \
    -o "$work/fuzz_$target" 2>"$work/build.log"; then
  if grep -q -e "libclang_rt.fuzzer" -e "fuzzer.*No such file" "$work/build.log"; then
    cat "$work/build.log"
    echo "SKIP: clang's libFuzzer runtime is missing (apt-get install libclang-rt-14-dev)"
    exit 77
  fi
  cat "$work/build.log"
  exit 1
fi
# -timeout: an input that takes 10 s is a hang; the parsers are tiny, so is their memory.
# -error_exitcode: libFuzzer's default for a crash, 77, is ctest's skip code.
exec "$work/fuzz_$target" -max_total_time="$secs" -timeout=10 -rss_limit_mb=1024 -error_exitcode=1 \
  -max_len=4096 -print_final_stats=1 -artifact_prefix="$work/artifacts/" "$@" \
  "$work/corpus" "$src/tests/fuzz/$target/corpus"
