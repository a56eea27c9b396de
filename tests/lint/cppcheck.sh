#!/usr/bin/env bash
# cppcheck.sh SOURCE_DIR BUILD_DIR - cppcheck over the project's own C and C++: every file the
# build compiles, each with its own defines and include paths (BUILD_DIR/compile_commands.json),
# plus the fuzz targets that clang builds outside CMake. Checks: warning, performance,
# portability. A finding is fixed, or, where the code is right, suppressed on the line before it
# with its reason:  /* cppcheck-suppress <id> ; <why> */
# Exit status: 0 when clean, 1 with findings (listed as file:line: severity/id: message), 77
# (skipped) when cppcheck is not installed (Debian: cppcheck, which .ci/install-deps.sh installs).
set -euo pipefail
src=$1
build=$2

if ! command -v cppcheck >/dev/null 2>&1; then
  echo "SKIP: cppcheck is not installed"
  exit 77
fi
opts=(--enable=warning,performance,portability --inline-suppr --error-exitcode=1 --quiet
      -j"$(nproc)" --template='{file}:{line}: {severity}/{id}: {message}'
      # System headers (and Open MPI's, passed with -isystem) are not ours to check.
      --suppress=missingIncludeSystem --suppress='*:/usr/*')

status=0
cppcheck "${opts[@]}" --project="$build/compile_commands.json" || status=1
cppcheck "${opts[@]}" --std=c11 -D_GNU_SOURCE -I"$src/compare" -I"$src/benches/harness" \
  -I"$src/benches/common" -I"$src/runners" -I"$src/workloads" -I"$src/tests" \
  "$src/tests/compare/fuzz_readers.c" "$src"/tests/fuzz/*.c || status=1
[ $status -eq 0 ] && echo "cppcheck: clean"
exit $status
