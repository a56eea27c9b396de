#!/bin/sh
# fuzz.sh - builds the fuzz target of the reader of result files (tests/compare/fuzz_readers.c: the
# reader, compare and pcbench-report's model on top of it) with clang and runs it.
#
#   fuzz.sh SOURCE_DIR WORK_DIR SECONDS [LIBFUZZER_OPTIONS...]
#
# SOURCE_DIR is the repository root, WORK_DIR a directory the script owns
# (the build directory's tests-compare/fuzz): the binary, the growing corpus
# and any crash files go there, never into the committed seed corpus
# (tests/compare/corpus), which is only read. Exits 77 (ctest's skip code)
# when clang or its libFuzzer runtime is not installed.
set -eu
src=$1
work=$2
secs=$3
shift 3

if ! command -v clang >/dev/null 2>&1; then
  echo "SKIP: clang is not installed (apt-get install clang libclang-rt-14-dev)"
  exit 77
fi
cflags=$(pkg-config --cflags libcjson 2>/dev/null || true)
libs=$(pkg-config --libs libcjson 2>/dev/null || echo -lcjson)
mkdir -p "$work/corpus" "$work/artifacts"
if ! clang -g -O1 -std=gnu11 -fsanitize=fuzzer,address,undefined \
    -fno-sanitize-recover=undefined -I"$src/compare" -I"$src/compare/report" \
    -I"$src/benches/common" $cflags \
    "$src/tests/compare/fuzz_readers.c" "$src/compare/results.c" "$src/compare/side.c" \
    "$src/compare/stats.c" "$src/compare/decide.c" "$src/compare/thresholds.c" \
    "$src/compare/print.c" "$src/compare/text.c" "$src/compare/report/model.c" \
    "$src/compare/report/scaling.c" "$src/compare/report/usl.c" \
    "$src/benches/common/casename.c" "$src/benches/common/efficiency.c" \
    $libs -lm -lpthread -o "$work/fuzz_readers" 2>"$work/build.log"; then
  if grep -q -e "fuzzer" -e "libclang_rt" "$work/build.log"; then
    cat "$work/build.log"
    echo "SKIP: clang's libFuzzer runtime is missing (apt-get install libclang-rt-14-dev)"
    exit 77
  fi
  cat "$work/build.log"
  exit 1
fi
# -timeout: an input that takes 10 s is a hang; -rss_limit_mb: the readers
# must not blow up memory on small inputs. -error_exitcode: libFuzzer's default
# for a crash, 77, is ctest's skip code, which would hide the crash.
exec "$work/fuzz_readers" -max_total_time="$secs" -timeout=10 -error_exitcode=1 \
  -rss_limit_mb=2048 -max_len=65536 -print_final_stats=1 \
  -artifact_prefix="$work/artifacts/" "$@" \
  "$work/corpus" "$src/tests/compare/corpus"
