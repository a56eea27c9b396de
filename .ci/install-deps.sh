#!/usr/bin/env bash
# Installs the Debian packages pcbench needs to build, run and test, and nothing else.
# usage: .ci/install-deps.sh [--tests]   (--tests: also what only the tests use)
# Everything comes from Debian's archive; nothing is downloaded from anywhere else.
# Runs apt-get as root, through sudo when not root; when neither works, names what is missing.
set -euo pipefail

packages=(
  build-essential cmake pkg-config   # compilers and the build
  libbenchmark-dev                   # Google Benchmark 1.7.1: the harness
  libcjson-dev                       # JSON reading in compare and the tests
  libsqlite3-dev                     # the run history of pcbench-history (SQLite)
  libcmocka-dev                      # C unit tests
  clang libclang-rt-14-dev           # libFuzzer target of compare's readers
  hyperfine                          # whole-process timing
  libopenmpi-dev openmpi-bin         # the Distributed runner (MPI) and mpirun
  gnuplot-nox                        # charts of pcbench-report
  libjemalloc-dev                    # jemalloc for Mem.alloc alloc:1 (its PIC archive)
  liburing-dev                       # io_uring backend of the Async loop
  cppcheck                           # static checks of the sources (lint.cppcheck)
  clang-format                       # the committed .clang-format, enforced (lint.format)
  python3                            # the layering check (lint.layers) and test inputs
  iproute2                           # ip, tc: the namespace hosts of the multihost tests
  zlib1g-dev                         # the example workload of examples/ (zlib compression)
)

# The test command also installs what only tests use: scipy, the independent implementation the
# statistics and the scaling fit are checked against, and chromium, the real browser the HTML
# pages (the history dashboard, the report's index.html) are loaded in, headless.
if [[ ${1-} == --tests ]]; then
  packages+=(python3-scipy chromium)
fi

missing=()
for p in "${packages[@]}"; do
  status=$(dpkg-query -W -f='${Status}' "$p" 2>/dev/null || true)
  [[ "$status" == "install ok installed" ]] || missing+=("$p")
done
[[ ${#missing[@]} -eq 0 ]] && exit 0

if [[ $(id -u) -eq 0 ]]; then
  run=()
elif command -v sudo >/dev/null 2>&1 && sudo -n true 2>/dev/null; then
  run=(sudo)
else
  echo "pcbench: missing Debian packages: ${missing[*]}" >&2
  echo "pcbench: not root and no password-less sudo; install them with:" >&2
  echo "  sudo apt-get install ${missing[*]}" >&2
  exit 1
fi

echo "pcbench: installing Debian packages: ${missing[*]}" >&2
export DEBIAN_FRONTEND=noninteractive
"${run[@]}" apt-get update -q >/dev/null
"${run[@]}" apt-get install -y -q --no-install-recommends "${missing[@]}" >/dev/null
