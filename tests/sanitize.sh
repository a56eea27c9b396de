#!/usr/bin/env bash
# The sanitizer stage of the test command (tests/run-tests.sh runs it after the release tests):
# configures and builds each sanitizer build from its CMake preset and runs its ctest suite with
# the runtime options and the test selection of the test presets of the same name
# (CMakePresets.json says what each leaves out and why; docs/testing.md, "Sanitizers and static
# checks").
#
#   address: build-asan/, presets asan (every test but distributed.*, leaks checked) and
#            asan-mpi (distributed.*, leak check off: Open MPI is not leak-clean)
#   thread:  build-tsan/, preset tsan (suppressions: tests/sanitizers/tsan.supp)
#
#   tests/sanitize.sh [ctest arguments...]    e.g. -R '^core\.' (the asan-mpi run is skipped then)
#
# PCB_SANITIZERS picks the builds: "address thread" (the default), "address", "thread", or
# "none" to skip the stage. ASAN_OPTIONS, UBSAN_OPTIONS and TSAN_OPTIONS from the environment are
# appended to the presets' options, so they can add to or override them.
# Exit status: 0 when every run passed, 1 otherwise, 2 for an unknown sanitizer name.
set -euo pipefail
cd "$(dirname "$0")/.."

sanitizers=${PCB_SANITIZERS:-address thread}
status=0
for s in $sanitizers; do
  case $s in
    none) continue ;;
    address) build=asan runs=(asan asan-mpi) ;;
    thread) build=tsan runs=(tsan) ;;
    *)
      echo "pcbench: PCB_SANITIZERS: unknown sanitizer '$s' (address, thread or none)" >&2
      exit 2
      ;;
  esac
  echo "pcbench: sanitizer build $build (build-$build/)" >&2
  cmake --preset "$build" >/dev/null
  cmake --build --preset "$build" -j"$(nproc)"
  for run in "${runs[@]}"; do
    # The MPI run is a fixed selection; with a selection of the caller's it is left out.
    if [[ $run == asan-mpi && $# -gt 0 ]]; then
      continue
    fi
    ctest --preset "$run" "$@" || status=1
  done
done
exit $status
