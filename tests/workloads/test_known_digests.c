/*
 * test_known_digests.c - every built-in workload gives the pinned digests of known_digests.h.
 *
 * pcbench checks each strategy against a sequential reference computed at run time by the same
 * workload code, so a workload whose work changed (a hash doing half its passes, a text no
 * longer upper-cased) agrees with itself and passes every case. These tests hold the digests
 * from outside: known_digests.h was written by tests/workloads/known_digests.py, a Python
 * reimplementation of each workload made from its description and formulas, with no value taken
 * from the C code or from a run (workloads.known_digests_py checks that the script still gives
 * the file; docs/testing.md, "Known digests", says how it was made and what it cannot redo).
 *
 * For every row - (workload, parameter values, seed, task) - the task is run with run() and,
 * where the workload has them, with start()/finish() after waiting for what start() named; both
 * must give the pinned digest, or fail with the pinned error (IO.net's injected faults, a pure
 * function of (seed, task, attempt)). IO.net runs with its server started by case_setup(), at
 * latency 0 and without timeouts, so the whole suite takes about a second. Mem.alloc alloc:1
 * rows are skipped where the build has no jemalloc.
 */
#define _GNU_SOURCE
#include "harness.h"

#include <errno.h>
#include <poll.h>
#include <stdlib.h>
#include <time.h>

#include "known_digests.h"
#include "workload.h"

#define NROWS (sizeof(known_digests) / sizeof(known_digests[0]))

/* Waits for what start() said to wait on: the descriptor's readability, then the deadline. */
static void wait_for(const struct pcb_wait *w)
{
    if (w->fd >= 0) {
        struct pollfd p = {.fd = w->fd, .events = POLLIN};
        int n;
        while ((n = poll(&p, 1, 10000)) < 0 && errno == EINTR)
            ;
        assert_int_equal(n, 1);
    }
    if (w->deadline_ns) {
        struct timespec ts = {.tv_sec = (time_t)(w->deadline_ns / 1000000000ULL),
                              .tv_nsec = (long)(w->deadline_ns % 1000000000ULL)};
        while (clock_nanosleep(CLOCK_MONOTONIC, TIMER_ABSTIME, &ts, NULL) == EINTR)
            ;
    }
}

/* Checks what one form of a task gave against the row. */
static void check(const struct known_digest *k, const char *form, int err, uint64_t digest)
{
    if (err == k->err && (err != 0 || digest == k->digest))
        return;
    char got[64], want[64];
    if (err)
        snprintf(got, sizeof(got), "error %d (%s)", err, pcb_strerror(err));
    else
        snprintf(got, sizeof(got), "digest 0x%016llx", (unsigned long long)digest);
    if (k->err)
        snprintf(want, sizeof(want), "error %d (%s)", k->err, pcb_strerror(k->err));
    else
        snprintf(want, sizeof(want), "digest 0x%016llx", (unsigned long long)k->digest);
    print_error("%s values {%llu, %llu, %llu, %llu} seed 0x%llx task %llu, %s: %s, pinned %s\n",
                k->workload, (unsigned long long)k->values[0], (unsigned long long)k->values[1],
                (unsigned long long)k->values[2], (unsigned long long)k->values[3],
                (unsigned long long)k->seed, (unsigned long long)k->task, form, got, want);
    fail();
}

/*
 * Runs every row of workload `name`, preparing one input per (values, seed) in turn. Returns
 * how many rows ran.
 */
static size_t check_workload(const char *name)
{
    const struct pcb_workload *wl = pcb_workload_find(name);
    struct pcb_input *in = NULL;
    const struct known_digest *prepared = NULL;
    size_t ran = 0;

    assert_non_null(wl);
    for (size_t i = 0; i < NROWS; i++) {
        const struct known_digest *k = &known_digests[i];
        if (strcmp(k->workload, name) != 0)
            continue;
        if (!prepared || prepared->seed != k->seed ||
            memcmp(prepared->values, k->values, sizeof(k->values)) != 0) {
            if (in && wl->case_teardown)
                wl->case_teardown(in);
            wl->release(in);
            in = NULL;
            prepared = k;
            int err = wl->prepare(k->values, k->seed, &in);
            if (err == PCB_EUNSUPPORTED) /* Mem.alloc alloc:jemalloc in a build without it */
                continue;
            assert_int_equal(err, 0);
            if (wl->case_setup)
                assert_int_equal(wl->case_setup(in), 0);
        }
        if (!in)
            continue;
        uint64_t d = 0;
        int err = wl->run(in, k->task, &d);
        check(k, "run()", err, d);
        if (wl->start) {
            struct pcb_wait w = {.fd = -1};
            d = 0;
            err = wl->start(in, k->task, &w);
            if (!err) {
                wait_for(&w);
                err = wl->finish(in, k->task, &w, &d);
            }
            check(k, "start()/finish()", err, d);
        }
        ran++;
    }
    if (in && wl->case_teardown)
        wl->case_teardown(in);
    wl->release(in);
    return ran;
}

#define PINNED(fn, name, min_rows)                                                                 \
    static void fn(void **state)                                                                   \
    {                                                                                              \
        (void)state;                                                                               \
        assert_true(check_workload(name) >= (min_rows));                                           \
    }

PINNED(test_cpu_hash_gives_the_pinned_digests, "CPU.hash", 25)
PINNED(test_cpu_rotate_gives_the_pinned_digests, "CPU.rotate", 13)
PINNED(test_cpu_text_gives_the_pinned_digests, "CPU.text", 12)
PINNED(test_cpu_doc_gives_the_pinned_digests, "CPU.doc", 12)
PINNED(test_io_sleep_gives_the_pinned_digests, "IO.sleep", 12)
PINNED(test_io_net_gives_the_pinned_digests_and_fails_the_pinned_tasks, "IO.net", 42)
PINNED(test_mixed_hash_sleep_gives_the_pinned_digests, "Mixed.hash_sleep", 18)
PINNED(test_mem_alloc_gives_the_pinned_digests, "Mem.alloc", 12)
PINNED(test_empty_gives_the_pinned_digests, "Empty", 6)

/* Every built-in workload has rows: a workload added to the registry needs its pinned digests. */
static void test_every_builtin_workload_has_pinned_digests(void **state)
{
    size_t n;
    const struct pcb_workload *const *all = pcb_workloads(&n);

    (void)state;
    assert_int_equal(n, 9);
    for (size_t w = 0; w < n; w++) {
        size_t rows = 0;
        for (size_t i = 0; i < NROWS; i++)
            rows += strcmp(known_digests[i].workload, all[w]->name) == 0;
        if (rows == 0)
            print_error("%s has no pinned digests in known_digests.h\n", all[w]->name);
        assert_true(rows > 0);
    }
}

int main(int argc, char **argv)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_cpu_hash_gives_the_pinned_digests),
        cmocka_unit_test(test_cpu_rotate_gives_the_pinned_digests),
        cmocka_unit_test(test_cpu_text_gives_the_pinned_digests),
        cmocka_unit_test(test_cpu_doc_gives_the_pinned_digests),
        cmocka_unit_test(test_io_sleep_gives_the_pinned_digests),
        cmocka_unit_test(test_io_net_gives_the_pinned_digests_and_fails_the_pinned_tasks),
        cmocka_unit_test(test_mixed_hash_sleep_gives_the_pinned_digests),
        cmocka_unit_test(test_mem_alloc_gives_the_pinned_digests),
        cmocka_unit_test(test_empty_gives_the_pinned_digests),
        cmocka_unit_test(test_every_builtin_workload_has_pinned_digests),
    };

    return pcb_test_main(argc, argv, "workloads.known_digests", tests,
                         sizeof(tests) / sizeof(tests[0]), 30, NULL);
}
