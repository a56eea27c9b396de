#!/usr/bin/env bash
# The test command: install what is missing, build everything with warnings as errors, and run
# every ctest suite; then the sanitizer stage (tests/sanitize.sh: the same suites built with
# ASan+UBSan and with TSan; PCB_SANITIZERS=none skips it). Exit status: 0 when both passed.
#
#   tests/run-tests.sh [ctest arguments...]     e.g. -R '^core\.' (applies to both stages)
set -euo pipefail
cd "$(dirname "$0")/.."

.ci/install-deps.sh --tests
cmake -S . -B build -DCMAKE_BUILD_TYPE=Release -DPCB_WERROR=ON >/dev/null
cmake --build build -j"$(nproc)"
status=0
ctest --test-dir build --output-on-failure -j2 "$@" || status=1
tests/sanitize.sh "$@" || status=1
exit $status
