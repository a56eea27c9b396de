/*
 * test_ipc.c - the IPC/, Lifecycle/ and Floor/ families: every case passes its own checks in the
 * quick profile, reports what it promises (p50 <= p99 for ping-pongs), and - the point of most
 * cases here - a case made to fail on purpose (a corrupted, dropped message, a killed peer, via
 * the test-only hook pcb__ipc_fault) fails, does not hang, and leaves no child, thread, shared
 * memory object or message queue behind.
 *
 * Each case runs in its own process (harness.h), because Google Benchmark runs once per process.
 */
#define _GNU_SOURCE
#include "harness.h"

#include <dirent.h>
#include <errno.h>
#include <fcntl.h>
#include <mqueue.h>
#include <stdlib.h>
#include <sys/wait.h>

#include "../../benches/families/family.h"
#include "../../benches/families/ipc_peer.h"
#include "../../runners/support.h"
#include "gbench.h"
#include "options.h"

/* What the runs reported. */
struct seen {
    size_t runs;         /* iteration runs reported */
    size_t errors;       /* of which failed */
    size_t bad_pct;      /* ping-pong runs without 0 < p50 <= p99 */
    char first_err[256]; /* the first failure message */
    char first_ok[256];  /* the first run that passed */
};
static struct seen seen;

static void on_run(const struct pcb_gb_run_info *r, void *ctx)
{
    double p50 = -1, p99 = -1;

    (void)ctx;
    if (r->aggregate_name[0])
        return;
    seen.runs++;
    if (r->error_occurred) {
        if (!seen.errors++)
            snprintf(seen.first_err, sizeof(seen.first_err), "%s: %s", r->name, r->error_message);
        return;
    }
    if (!seen.first_ok[0])
        snprintf(seen.first_ok, sizeof(seen.first_ok), "%s", r->name);
    for (size_t i = 0; i < r->ncounters; i++) {
        if (strcmp(r->counter_names[i], "p50_ns") == 0)
            p50 = r->counter_values[i];
        if (strcmp(r->counter_names[i], "p99_ns") == 0)
            p99 = r->counter_values[i];
    }
    if (strstr(r->name, "/pingpong/") && !(p50 > 0 && p50 <= p99))
        seen.bad_pct++;
}

/* Registers the Floor/, IPC/ and Lifecycle/ families with the quick profile and runs what `filter`
 * selects with the fault armed. Returns how many cases ran. */
static long run_families(const char *filter, enum pcb__ipc_fault_kind fault, uint64_t at)
{
    char farg[512];
    char *args[] = {"test_ipc", farg, "--benchmark_min_time=0.005", NULL};
    int nargs = 3;
    struct pcb_options o;

    snprintf(farg, sizeof(farg), "--benchmark_filter=%s", filter);
    memset(&o, 0, sizeof(o));
    o.profile = PCB_PROFILE_QUICK;
    o.gb_min_time_given = true;
    o.gb_warmup_given = true;
    o.gb_format = 0; /* console */
    o.gb_color = "false";
    pcb_gb_init(&nargs, args);
    pcb__ipc_fault.kind = fault;
    pcb__ipc_fault.at = at;
    size_t nf;
    const struct pcb_family *const *fams = pcb_families(&nf);
    for (size_t i = 0; i < nf; i++)
        if (strcmp(fams[i]->name, "MPI") != 0)
            assert_true(fams[i]->register_cases(&o) > 0);
    memset(&seen, 0, sizeof(seen));
    struct pcb_gb_run_options ro = {.on_run = on_run, .format = "console"};
    long n = pcb_gb_run(&ro);
    pcb_gb_shutdown();
    fflush(stdout);
    return n;
}

/* No child (running or zombie), no second thread, nothing named after this process in
 * /dev/shm, no message queue of this process. */
static void assert_no_leftovers(void)
{
    char pid[32], name[64], line[256];
    int status;

    assert_int_equal(waitpid(-1, &status, WNOHANG), -1);
    assert_int_equal(errno, ECHILD);

    FILE *f = fopen("/proc/self/status", "re");
    assert_non_null(f);
    int threads = -1;
    while (fgets(line, sizeof(line), f))
        if (sscanf(line, "Threads: %d", &threads) == 1)
            break;
    fclose(f);
    assert_int_equal(threads, 1 + PCB_TEST_RUNTIME_THREADS);

    snprintf(pid, sizeof(pid), "-%ld-", (long)getpid());
    DIR *d = opendir("/dev/shm");
    if (d) {
        struct dirent *e;
        while ((e = readdir(d)) != NULL)
            if (strncmp(e->d_name, "pcb-", 4) == 0 && strstr(e->d_name, pid)) {
                fprintf(stderr, "left in /dev/shm: %s\n", e->d_name);
                fail();
            }
        closedir(d);
    }
    /* /dev/mqueue may not be mounted: ask for every name this process could have used. */
    for (int n = 0; n < 20000; n++) {
        snprintf(name, sizeof(name), "/pcb-mq-%ld-%d", (long)getpid(), n);
        mqd_t q = mq_open(name, O_RDONLY);
        if (q != (mqd_t)-1) {
            fprintf(stderr, "message queue left: %s\n", name);
            mq_close(q);
            fail();
        }
    }
}

static void test_message_cases_pass_and_report_percentiles(void **state)
{
    (void)state;
    long n =
        run_families("^IPC/[a-z_]+/(threads|processes)/(pingpong|stream)/", PCB__FAULT_NONE, 0);
    if (seen.errors)
        fprintf(stderr, "%s\n", seen.first_err);
    assert_true(n >= 30);
    assert_int_equal(seen.errors, 0);
    assert_int_equal(seen.runs, (size_t)n);
    assert_int_equal(seen.bad_pct, 0);
    assert_no_leftovers();
}

static void test_shared_state_cases_pass(void **state)
{
    (void)state;
    unsigned two_x = 2 * pcb_cpus_allowed();
    long n = run_families("^IPC/shm_(mutex|atomic|per_worker)/", PCB__FAULT_NONE, 0);
    if (seen.errors)
        fprintf(stderr, "%s\n", seen.first_err);
    /* 3 kinds x 2 patterns x threads/processes x worker counts {1, 2x CPUs}. */
    assert_int_equal(n, 12 * (two_x > 1 ? 2 : 1));
    assert_int_equal(seen.errors, 0);
    assert_no_leftovers();
}

static void test_lifecycle_cases_pass(void **state)
{
    (void)state;
    long n = run_families("^Lifecycle/(process|thread)/", PCB__FAULT_NONE, 0);
    if (seen.errors)
        fprintf(stderr, "%s\n", seen.first_err);
    /* create, spawn, thread create, 2 pause_resume, terminate, pool_stop x {1, 4}. */
    assert_int_equal(n, 8);
    assert_int_equal(seen.errors, 0);
    assert_no_leftovers();
}

static void test_floor_cases_pass(void **state)
{
    (void)state;
    long n = run_families("^Floor/", PCB__FAULT_NONE, 0);
    if (seen.errors)
        fprintf(stderr, "%s\n", seen.first_err);
    assert_true(n >= 10);
    assert_int_equal(seen.errors, 0);
    assert_no_leftovers();
}

/* Every mechanism, threads and processes: the first message of every run is corrupted. */
static void test_corrupted_message_fails_pingpong_and_leaves_nothing(void **state)
{
    (void)state;
    long n =
        run_families("^IPC/[a-z_]+/(threads|processes)/pingpong/msg:8/", PCB__FAULT_CORRUPT, 0);
    assert_true(n >= 14);
    assert_int_equal(seen.errors, (size_t)n);
    assert_non_null(strstr(seen.first_err, "check"));
    assert_no_leftovers();
}

static void test_corrupted_message_fails_stream_and_leaves_nothing(void **state)
{
    (void)state;
    long n =
        run_families("^IPC/[a-z_]+/(threads|processes)/stream/msg:65536/", PCB__FAULT_CORRUPT, 5);
    assert_true(n >= 8);
    assert_int_equal(seen.errors, (size_t)n);
    assert_no_leftovers();
}

/* The peer process dies on the first message: every mechanism notices, none hangs. */
static void test_killed_peer_fails_case_and_leaves_nothing(void **state)
{
    (void)state;
    long n = run_families("^IPC/[a-z_]+/processes/(pingpong/msg:8|stream/msg:65536)/",
                          PCB__FAULT_KILL, 0);
    if (seen.first_ok[0])
        fprintf(stderr, "passed although its peer was killed: %s\n", seen.first_ok);
    assert_true(n >= 14);
    assert_int_equal(seen.errors, (size_t)n);
    assert_no_leftovers();
}

/* A lost message: the stream's acknowledgement comes up short at once; a ping-pong waits out
 * its deadline (PCB__CHAN_DEADLINE_NS) and fails; the peer thread is unblocked and joined. The
 * first message of every run is the one lost: a later one may never be sent when a slow first
 * round trip already fills the run's minimum time. */
static void test_dropped_message_fails_case_and_leaves_nothing(void **state)
{
    (void)state;
    long n = run_families("^IPC/(shm_ring/threads/pingpong/msg:8|posix_mq/processes/pingpong/"
                          "msg:8|[a-z_]+/threads/stream/msg:65536)/",
                          PCB__FAULT_DROP, 0);
    if (seen.first_ok[0])
        fprintf(stderr, "passed although a message was lost: %s\n", seen.first_ok);
    assert_true(n >= 6);
    assert_int_equal(seen.errors, (size_t)n);
    assert_no_leftovers();
}

int main(int argc, char **argv)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_message_cases_pass_and_report_percentiles),
        cmocka_unit_test(test_shared_state_cases_pass),
        cmocka_unit_test(test_lifecycle_cases_pass),
        cmocka_unit_test(test_floor_cases_pass),
        cmocka_unit_test(test_corrupted_message_fails_pingpong_and_leaves_nothing),
        cmocka_unit_test(test_corrupted_message_fails_stream_and_leaves_nothing),
        cmocka_unit_test(test_killed_peer_fails_case_and_leaves_nothing),
        cmocka_unit_test(test_dropped_message_fails_case_and_leaves_nothing),
    };
    return pcb_test_main(argc, argv, "ipc", tests, sizeof(tests) / sizeof(tests[0]), 60, NULL);
}
