#!/usr/bin/env bash
# The test command: install what is missing, build everything with warnings as errors, and run
# every ctest suite. Exit status is ctest's.
#
#   tests/run-tests.sh [ctest arguments...]     e.g. -R '^core\.'
set -euo pipefail
cd "$(dirname "$0")/.."

.ci/install-deps.sh
cmake -S . -B build -DCMAKE_BUILD_TYPE=Release -DPCB_WERROR=ON >/dev/null
cmake --build build -j"$(nproc)"
ctest --test-dir build --output-on-failure -j2 "$@"
