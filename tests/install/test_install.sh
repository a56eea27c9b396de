#!/usr/bin/env bash
# test_install.sh - `cmake --install` gives a tree that works from any prefix, and a user's own
# workload built against it runs under every strategy.
#
#   1. installs BUILD_DIR into a fresh prefix: bin/ (pcbench, compare, pcbench-report, pcbench-history,
#      pcbench-spawn-child), lib*/libpcbench.so, include/pcbench.h, pkgconfig/pcbench.pc,
#      cmake/pcbench/pcbenchConfig.cmake;
#   2. moves the prefix elsewhere (nothing may point back into the build or the first prefix);
#   3. builds tests/install/example/my_workload.c twice, with find_package(pcbench) and with
#      pkg-config, and runs each: User.sum is listed for every strategy pcbench lists for
#      CPU.hash, a quick run of it passes every check, and a bad workload is refused with one
#      line and status 2;
#   4. runs a Lifecycle/process/spawn case and a jemalloc case from the user's program and the
#      installed pcbench (each finds pcbench-spawn-child and the private jemalloc), and checks
#      that libpcbench and bin/pcbench export pcbench.h's functions only;
#   5. copies examples/zlib-blocks out of the tree and builds it with CMake and with its
#      Makefile (pkg-config); runs Zlib.blocks under every strategy, verified, four ways: the
#      user's program of each build, and each build's plugin in the installed pcbench
#      (--pcb_plugin, PCB_PLUGIN); `pcbench run --plugin`; and Distributed under mpirun, both
#      as a plugin and as the user's program, when the build has MPI.
#
# usage: test_install.sh SOURCE_DIR BUILD_DIR
set -u
SRC=$1
BUILD=$2
WORK=$(mktemp -d "$PWD/test_install.XXXXXX") || exit 1
trap '[ -n "${KEEP:-}" ] || rm -rf "$WORK"' EXIT
. "$SRC/tests/lib.sh"

QUICK=(--pcb_profile=quick --pcb_tasks=8 --pcb_param=n=500 --benchmark_min_time=0.005
       --benchmark_min_warmup_time=0)

cmake --install "$BUILD" --prefix "$WORK/first" >"$WORK/install.log" 2>&1 ||
    { cat "$WORK/install.log"; fail "cmake --install failed"; }
mv "$WORK/first" "$WORK/prefix"
P=$WORK/prefix
for f in bin/pcbench bin/compare bin/pcbench-report bin/pcbench-history bin/pcbench-spawn-child include/pcbench.h; do
    [ -e "$P/$f" ] || fail "$f is not installed"
done
lib=$(find "$P" -name 'libpcbench.so' | head -n 1)
pc=$(find "$P" -name pcbench.pc | head -n 1)
cfg=$(find "$P" -name pcbenchConfig.cmake | head -n 1)
[ -n "$lib" ] && [ -n "$pc" ] && [ -n "$cfg" ] || fail "library, pcbench.pc or pcbenchConfig.cmake missing"
if grep -rl -- "$BUILD\|$WORK/first" "$P" >"$WORK/refs"; then
    fail "installed files name the build or the first prefix: $(tr '\n' ' ' <"$WORK/refs")"
fi

# Only the public interface is exported.
exported=$(nm -D --defined-only "$lib" | awk '$2 == "T" || $2 == "D" || $2 == "B" {print $3}' | sort | tr '\n' ' ')
[ "$exported" = "pcb_now_ns pcb_sleep_ns pcb_strerror pcb_wait_timer pcb_wait_timer_over pcb_workload_register pcbench_main " ] ||
    fail "libpcbench exports more or less than pcbench.h: $exported"

# The user's program, both ways.
cmake -S "$SRC/tests/install/example" -B "$WORK/cm" -DCMAKE_PREFIX_PATH="$P" >"$WORK/cm.log" 2>&1 &&
    cmake --build "$WORK/cm" >>"$WORK/cm.log" 2>&1 || { cat "$WORK/cm.log"; fail "find_package build failed"; }
# shellcheck disable=SC2046 # pkg-config prints words
cc -std=c11 -Wall -Wextra -Werror -o "$WORK/my_bench_pc" "$SRC/tests/install/example/my_workload.c" \
    $(PKG_CONFIG_PATH=$(dirname "$pc") pkg-config --cflags --libs pcbench) 2>"$WORK/pc.log" ||
    { cat "$WORK/pc.log"; fail "pkg-config build failed"; }

strategies=$("$P/bin/pcbench" --benchmark_list_tests --benchmark_filter='^[A-Za-z]+/CPU.hash/' \
    2>/dev/null | cut -d/ -f1 | sort -u | tr '\n' ' ')
[ -n "$strategies" ] || fail "the installed pcbench lists no CPU.hash case"
for prog in "$WORK/cm/my_bench" "$WORK/my_bench_pc"; do
    got=$("$prog" --benchmark_list_tests --benchmark_filter='/User.sum/' 2>/dev/null |
        cut -d/ -f1 | sort -u | tr '\n' ' ')
    [ "$got" = "$strategies" ] || fail "$prog: User.sum runs under '$got', want '$strategies'"
    "$prog" "${QUICK[@]}" --benchmark_filter='/User.sum/' --benchmark_format=json \
        >"$WORK/out.json" 2>"$WORK/err" || fail "$prog: quick run exited $?: $(tail -n 3 "$WORK/err")"
    grep -q '"error_occurred": true' "$WORK/out.json" && fail "$prog: a User.sum case failed"
    grep -q '"run_name": "Threaded/User.sum/workers:' "$WORK/out.json" ||
        fail "$prog: no Threaded/User.sum case in the JSON"
    rc=0
    MY_BENCH_BAD=1 "$prog" --benchmark_list_tests >"$WORK/out" 2>"$WORK/err" || rc=$?
    [ "$rc" -eq 2 ] || fail "$prog: a workload without run() gave status $rc"
    [ "$(wc -l <"$WORK/err")" -eq 1 ] && grep -q "^pcbench: workload User.broken: prepare, release and run must be set$" "$WORK/err" ||
        fail "$prog: refusal of User.broken: $(cat "$WORK/err")"
done

# The user's program finds pcbench-spawn-child from where libpcbench lies, and Mem.alloc's
# private jemalloc beside the library.
"$WORK/cm/my_bench" --benchmark_filter='^Lifecycle/process/spawn|^Sequential/Mem.alloc/.*/alloc:jemalloc/' \
    --pcb_profile=quick --pcb_param=alloc=jemalloc --benchmark_min_time=0.01 >"$WORK/out" 2>"$WORK/err" ||
    fail "my_bench: spawn and jemalloc cases: $(tail -n 2 "$WORK/err")"
[ "$(grep -c '^Lifecycle/process/spawn\|^Sequential/Mem.alloc' "$WORK/out")" -eq 2 ] ||
    fail "my_bench: spawn and jemalloc cases did not both run: $(cat "$WORK/out")"
"$P/bin/pcbench" --benchmark_filter='^Lifecycle/process/spawn' --benchmark_min_time=0.01 \
    >"$WORK/out" 2>"$WORK/err" || fail "installed pcbench: Lifecycle/process/spawn: $(tail -n 2 "$WORK/err")"
# The executable exports exactly what the library does, for the plugins it loads.
exe_exports=$(nm -D --defined-only "$P/bin/pcbench" | awk '$2 == "T" || $2 == "D" || $2 == "B" {print $3}' | sort | tr '\n' ' ')
[ "$exe_exports" = "$exported" ] || fail "bin/pcbench exports '$exe_exports', libpcbench '$exported'"

# --- examples/zlib-blocks, copied out of the tree, built three ways and run under every strategy ---
EX=$WORK/zlib-blocks
cp -r "$SRC/examples/zlib-blocks" "$EX"
rm -rf "$EX/build"
cmake -S "$EX" -B "$EX/build" -DCMAKE_PREFIX_PATH="$P" >"$WORK/ex-cm.log" 2>&1 &&
    cmake --build "$EX/build" >>"$WORK/ex-cm.log" 2>&1 || { cat "$WORK/ex-cm.log"; fail "examples/zlib-blocks: CMake build failed"; }
cp -r "$SRC/examples/zlib-blocks" "$WORK/zlib-make"
PKG_CONFIG_PATH=$(dirname "$pc") make -C "$WORK/zlib-make" >"$WORK/ex-make.log" 2>&1 ||
    { cat "$WORK/ex-make.log"; fail "examples/zlib-blocks: make (pkg-config) failed"; }
ZQ=(--pcb_profile=quick --pcb_tasks=8 --benchmark_min_time=0.005 --benchmark_min_warmup_time=0
    --benchmark_filter='/Zlib\.blocks/')
# every_strategy NAME CMD...: CMD runs Zlib.blocks under every strategy CPU.hash has, verified.
every_strategy() {
    local name=$1 got s
    shift
    got=$("$@" --benchmark_list_tests --benchmark_filter='/Zlib\.blocks/' 2>/dev/null | cut -d/ -f1 | sort -u | tr '\n' ' ')
    [ "$got" = "$strategies" ] || fail "$name: Zlib.blocks runs under '$got', want '$strategies'"
    "$@" "${ZQ[@]}" --benchmark_out="$WORK/$name.json" >"$WORK/$name.out" 2>"$WORK/$name.err" ||
        fail "$name: exit status $?: $(tail -n 3 "$WORK/$name.err")"
    grep -q '"error_occurred": true' "$WORK/$name.json" && fail "$name: a case failed: $(grep -m1 error_message "$WORK/$name.json")"
    for s in $strategies; do
        grep -q "\"run_name\": \"$s/Zlib.blocks/" "$WORK/$name.json" || fail "$name: no $s/Zlib.blocks case ran"
    done
}
every_strategy ex-cmake "$EX/build/zbench"
every_strategy ex-make "$WORK/zlib-make/zbench"
every_strategy ex-plugin "$P/bin/pcbench" --pcb_plugin="$EX/build/zblocks.so"
every_strategy ex-plugin-make env PCB_PLUGIN="$WORK/zlib-make/zblocks.so" "$P/bin/pcbench"
"$P/bin/pcbench" run --plugin "$EX/build/zblocks.so" --workload Zlib.blocks --strategy Multiprocess \
    --workers 2 --tasks 32 >"$WORK/run.out" 2>"$WORK/run.err" || fail "pcbench run --plugin: $(cat "$WORK/run.err")"
grep -Eq '^  digest +0x[0-9a-f]{16} matches' "$WORK/run.out" || fail "pcbench run --plugin: $(cat "$WORK/run.out")"
"$EX/build/zbench" run --workload Zlib.blocks --strategy Async --tasks 32 >"$WORK/run.out" 2>"$WORK/run.err" ||
    fail "zbench run: $(cat "$WORK/run.err")"
# Distributed: each rank of the job loads the plugin (or is the user's program).
if command -v mpirun >/dev/null 2>&1 && [ -n "$(find "$P" -name 'libpcbench.so' -exec sh -c 'ldd "$1" | grep -q libmpi' _ {} \; -print)" ]; then
    for prog in "$P/bin/pcbench --pcb_plugin=$EX/build/zblocks.so" "$EX/build/zbench"; do
        # shellcheck disable=SC2086 # the program and its option
        OMPI_ALLOW_RUN_AS_ROOT=1 OMPI_ALLOW_RUN_AS_ROOT_CONFIRM=1 timeout --kill-after=5 120 \
            mpirun -np 3 --oversubscribe $prog "${ZQ[@]}" --benchmark_filter='^Distributed/Zlib\.blocks/' \
            --benchmark_out="$WORK/dist.json" >"$WORK/dist.out" 2>"$WORK/dist.err" ||
            fail "Distributed with $prog: $(tail -n 3 "$WORK/dist.err")"
        grep -q '"run_name": "Distributed/Zlib.blocks/workers:2/' "$WORK/dist.json" ||
            fail "Distributed with $prog: no Zlib.blocks case at 2 workers"
        grep -q '"error_occurred": true' "$WORK/dist.json" && fail "Distributed with $prog: a case failed"
    done
fi
echo "install: ok ($P)"
