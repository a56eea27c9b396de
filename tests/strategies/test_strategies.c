/*
 * test_strategies.c - pins down what the strategies added beside the core ones promise, beyond
 * the runner contract that tests/test_runners.c checks for every registered runner.
 *
 * Partitioned splits N tasks into K contiguous ranges whose sizes differ by at most one, and
 * pins workers when asked. Async keeps exactly K tasks in flight, waits on descriptors as well
 * as deadlines with every backend (or, where the kernel refuses io_uring, fails to start and
 * says so), and never finishes a task early. MasterWorker's POSIX queues have no name left once
 * the pool runs, a refused queue fails start() with the kernel limits in the explanation and
 * nothing left behind, and every queue survives many tiny batches (no lost wake-up). Every added
 * strategy reports a failing task and still stops cleanly. Each case runs in its own process
 * (harness.h).
 */
#define _GNU_SOURCE
#include "harness.h"

#include <dirent.h>
#include <errno.h>
#include <fcntl.h>
#include <mqueue.h>
#include <sched.h>
#include <stdatomic.h>
#include <stdlib.h>
#include <sys/resource.h>
#include <sys/syscall.h>
#include <sys/timerfd.h>
#include <sys/wait.h>
#include <unistd.h>

#include "runner.h"

#define MAX_TASKS 256

/* ---- a probe workload: records who ran each task, and how many are in flight ---- */

static pid_t probe_tid[MAX_TASKS];            /* thread that ran task i */
static int probe_cpu[MAX_TASKS];              /* CPU it ran on */
static _Atomic int probe_in_flight;           /* started, not yet finished */
static _Atomic int probe_max_in_flight;       /* the most seen at once */
static uint64_t probe_fail_task = UINT64_MAX; /* this task fails with PCB_ETASK */
static int probe_use_fd;                      /* the async form waits on a timerfd too */

struct pcb_input {
    uint64_t seed; /* mixed into every digest */
};

static int probe_prepare(const uint64_t *values, uint64_t seed, struct pcb_input **out)
{
    (void)values;
    *out = malloc(sizeof(**out));
    if (!*out)
        return -ENOMEM;
    (*out)->seed = seed;
    return 0;
}

static void probe_release(struct pcb_input *in)
{
    free(in);
}

static int probe_run(const struct pcb_input *in, uint64_t task, uint64_t *digest)
{
    if (task < MAX_TASKS) {
        /* Relaxed atomics: in a Hybrid worker process two threads may run task i in successive
         * batches, ordered only through the parent process, which ThreadSanitizer cannot see. */
        __atomic_store_n(&probe_tid[task], (pid_t)syscall(SYS_gettid), __ATOMIC_RELAXED);
        __atomic_store_n(&probe_cpu[task], sched_getcpu(), __ATOMIC_RELAXED);
    }
    if (task == probe_fail_task)
        return PCB_ETASK;
    *digest = pcb_mix64(in->seed ^ task);
    return 0;
}

static int probe_start(const struct pcb_input *in, uint64_t task, struct pcb_wait *w)
{
    (void)in;
    int now = atomic_fetch_add_explicit(&probe_in_flight, 1, memory_order_relaxed) + 1;
    int max = atomic_load_explicit(&probe_max_in_flight, memory_order_relaxed);
    while (now > max &&
           !atomic_compare_exchange_weak_explicit(&probe_max_in_flight, &max, now,
                                                  memory_order_relaxed, memory_order_relaxed))
        ;
    w->fd = -1;
    w->deadline_ns = pcb_now_ns() + 200000 + (task % 7) * 50000; /* out of order on purpose */
    w->scratch[0] = w->deadline_ns;
    if (probe_use_fd) {
        int fd = timerfd_create(CLOCK_MONOTONIC, TFD_CLOEXEC | TFD_NONBLOCK);
        if (fd < 0)
            return -errno;
        struct itimerspec its = {.it_value = {.tv_sec = 0, .tv_nsec = 300000}};
        timerfd_settime(fd, 0, &its, NULL);
        w->fd = fd;
        w->scratch[1] = (uint64_t)fd;
    }
    return 0;
}

static int probe_finish(const struct pcb_input *in, uint64_t task, struct pcb_wait *w,
                        uint64_t *digest)
{
    atomic_fetch_sub_explicit(&probe_in_flight, 1, memory_order_relaxed);
    if (pcb_now_ns() < w->scratch[0])
        return PCB_EEARLY;
    if (probe_use_fd) {
        uint64_t ticks = 0;
        ssize_t n = read((int)w->scratch[1], &ticks, sizeof(ticks));
        close((int)w->scratch[1]);
        if (n != (ssize_t)sizeof(ticks) || ticks == 0)
            return PCB_EEARLY; /* finished before the descriptor was readable */
    }
    return probe_run(in, task, digest);
}

static const struct pcb_workload probe = {
    .name = "Probe",
    .summary = "test probe",
    .kind = PCB_WL_WAIT,
    .prepare = probe_prepare,
    .release = probe_release,
    .run = probe_run,
    .start = probe_start,
    .finish = probe_finish,
};

/* ---- helpers ---- */

static int no_children(void)
{
    errno = 0;
    return waitpid(-1, NULL, WNOHANG) == -1 && errno == ECHILD;
}

static const struct pcb_runner *runner(const char *name)
{
    const struct pcb_runner *r = pcb_runner_find(name);
    assert_non_null(r);
    return r;
}

/* Index of `value` in runner r's variant `axis`. */
static unsigned variant_index(const struct pcb_runner *r, const char *axis, const char *value)
{
    for (size_t v = 0; v < r->nvariants; v++)
        if (strcmp(r->variants[v].name, axis) == 0)
            for (size_t i = 0; i < r->variants[v].nvalues; i++)
                if (strcmp(r->variants[v].values[i], value) == 0)
                    return (unsigned)i;
    fail_msg("%s has no %s:%s", r->name, axis, value);
    return 0;
}

/* Runs one batch and checks it against the sequential reference. */
static void run_checked(const struct pcb_runner *r, struct pcb_pool *pool, struct pcb_input *in,
                        uint64_t n, uint64_t chunk)
{
    struct pcb_batch b = {.tasks = n, .chunk = chunk};
    struct pcb_batch_result res;
    uint64_t ref;

    assert_int_equal(pcb_workload_reference(&probe, in, n, &ref), 0);
    assert_int_equal(r->run(pool, &b, &res), 0);
    assert_int_equal(res.failed, 0);
    assert_int_equal(res.done, n);
    assert_int_equal(res.digest, ref);
}

/* ---- Partitioned ---- */

/* Checks that tasks 0..n-1 ran in k contiguous ranges, one per thread, sizes q+1 then q. */
static void check_ranges(uint64_t n, unsigned k)
{
    uint64_t q = n / k, r = n % k, t = 0;

    for (unsigned i = 0; i < k && t < n; i++) {
        uint64_t size = q + (i < r ? 1 : 0);
        for (uint64_t j = 1; j < size; j++)
            assert_int_equal(probe_tid[t + j], probe_tid[t]); /* one thread per range */
        if (t + size < n)
            assert_int_not_equal(probe_tid[t + size], probe_tid[t]); /* next range, next thread */
        t += size;
    }
    assert_int_equal(t, n);
}

static void test_partitioned_splits_remainder_evenly(void **state)
{
    const struct pcb_runner *r = runner("Partitioned");
    struct pcb_input *in;
    static const struct {
        uint64_t n;
        unsigned k;
    } shapes[] = {{13, 4}, {12, 3}, {2, 5}, {9, 1}, {100, 7}};

    (void)state;
    assert_int_equal(probe.prepare(NULL, 7, &in), 0);
    for (size_t s = 0; s < sizeof(shapes) / sizeof(shapes[0]); s++) {
        struct pcb_pool_config cfg = {.workload = &probe, .input = in, .workers = shapes[s].k};
        struct pcb_pool *pool;
        assert_int_equal(r->start(&cfg, &pool), 0);
        memset(probe_tid, 0, sizeof(probe_tid));
        run_checked(r, pool, in, shapes[s].n, 1);
        check_ranges(shapes[s].n, shapes[s].k);
        r->stop(pool);
    }
    probe.release(in);
}

static void test_partitioned_compact_pins_every_worker_to_one_cpu(void **state)
{
    const struct pcb_runner *r = runner("Partitioned");
    struct pcb_input *in;
    cpu_set_t set;
    int first = -1;

    (void)state;
    assert_int_equal(sched_getaffinity(0, sizeof(set), &set), 0);
    for (int c = 0; c < CPU_SETSIZE && first < 0; c++)
        if (CPU_ISSET(c, &set))
            first = c;
    assert_int_equal(probe.prepare(NULL, 7, &in), 0);
    struct pcb_pool_config cfg = {
        .workload = &probe, .input = in, .workers = 3, .pin = PCB_PIN_COMPACT};
    struct pcb_pool *pool;
    assert_int_equal(r->start(&cfg, &pool), 0);
    run_checked(r, pool, in, 30, 1);
    for (int t = 0; t < 30; t++)
        assert_int_equal(probe_cpu[t], first);
    r->stop(pool);
    probe.release(in);
}

/* ---- Async ---- */

static void test_async_keeps_exactly_k_tasks_in_flight(void **state)
{
    const struct pcb_runner *r = runner("Async");
    struct pcb_input *in;

    (void)state;
    assert_int_equal(probe.prepare(NULL, 7, &in), 0);
    for (unsigned b = 0; b < 2; b++) {
        struct pcb_pool_config cfg = {.workload = &probe, .input = in, .workers = 7};
        struct pcb_pool *pool;
        char why[256] = "";
        cfg.variant[0] = b;
        cfg.why = why;
        cfg.why_len = sizeof(why);
        int err = r->start(&cfg, &pool);
        if (b == 1 && err) {
            assert_non_null(strstr(why, "io_uring refused"));
            continue;
        }
        assert_int_equal(err, 0);
        atomic_store(&probe_max_in_flight, 0);
        run_checked(r, pool, in, 50, 1);
        assert_int_equal(atomic_load(&probe_max_in_flight), 7);
        assert_int_equal(atomic_load(&probe_in_flight), 0);
        r->stop(pool);
    }
    probe.release(in);
}

/* Tasks that wait on a timerfd and a deadline: finish() fails if either was not over. */
static void test_async_waits_on_descriptors_with_every_backend(void **state)
{
    const char *const names[] = {"Async", "Hybrid"};
    struct pcb_input *in;

    (void)state;
    probe_use_fd = 1;
    assert_int_equal(probe.prepare(NULL, 7, &in), 0);
    for (size_t ri = 0; ri < 2; ri++) {
        const struct pcb_runner *r = runner(names[ri]);
        size_t nb = ri == 0 ? 2 : 1;
        for (unsigned b = 0; b < nb; b++) {
            struct pcb_pool_config cfg = {.workload = &probe, .input = in, .workers = 5};
            struct pcb_pool *pool;
            char why[256] = "";
            cfg.variant[0] = b;
            cfg.why = why;
            cfg.why_len = sizeof(why);
            int err = r->start(&cfg, &pool);
            if (b == 1 && err) {
                assert_non_null(strstr(why, "io_uring refused"));
                continue;
            }
            assert_int_equal(err, 0);
            run_checked(r, pool, in, 40, 3);
            run_checked(r, pool, in, 3, 1);
            r->stop(pool);
        }
    }
    probe.release(in);
    assert_true(no_children());
}

/* ---- MasterWorker ---- */

/* No /pcb-mw-<pid>-<seq>-<i> name may exist while the pool runs (unlinked right after open). */
static void test_masterworker_mq_leaves_no_queue_name(void **state)
{
    const struct pcb_runner *r = runner("MasterWorker");
    struct pcb_input *in;
    struct pcb_pool_config cfg = {.workload = &probe, .workers = 3};
    struct pcb_pool *pool;

    (void)state;
    assert_int_equal(probe.prepare(NULL, 7, &in), 0);
    cfg.input = in;
    cfg.variant[0] = variant_index(r, "queue", "mq");
    assert_int_equal(r->start(&cfg, &pool), 0);
    run_checked(r, pool, in, 20, 2);
    for (unsigned seq = 0; seq < 16; seq++)
        for (unsigned i = 0; i <= 3; i++) {
            char name[64];
            snprintf(name, sizeof(name), "/pcb-mw-%d-%u-%u", (int)getpid(), seq, i);
            errno = 0;
            assert_int_equal(mq_open(name, O_RDONLY), (mqd_t)-1);
            assert_int_equal(errno, ENOENT);
        }
    r->stop(pool);
    assert_true(no_children());
    probe.release(in);
}

static void test_masterworker_mq_refusal_names_the_limits(void **state)
{
    const struct pcb_runner *r = runner("MasterWorker");
    struct pcb_input *in;
    struct pcb_pool_config cfg = {.workload = &probe, .workers = 2};
    struct pcb_pool *pool = NULL;
    struct rlimit none = {0, 0};
    char why[320] = "";

    (void)state;
    assert_int_equal(setrlimit(RLIMIT_MSGQUEUE, &none), 0);
    assert_int_equal(probe.prepare(NULL, 7, &in), 0);
    cfg.input = in;
    cfg.variant[0] = variant_index(r, "queue", "mq");
    cfg.why = why;
    cfg.why_len = sizeof(why);
    assert_true(r->start(&cfg, &pool) < 0);
    assert_non_null(strstr(why, "mq_open refused"));
    assert_non_null(strstr(why, "msg_max="));
    assert_non_null(strstr(why, "RLIMIT_MSGQUEUE="));
    assert_true(no_children());
    probe.release(in);
}

/* Many tiny batches: each is a hand-off race between the master's push and a worker going to
 * sleep; a lost wake-up hangs the batch (and the case times out). */
static void test_masterworker_queues_survive_many_tiny_batches(void **state)
{
    const struct pcb_runner *r = runner("MasterWorker");
    struct pcb_input *in;

    (void)state;
    assert_int_equal(probe.prepare(NULL, 7, &in), 0);
    for (unsigned q = 0; q < 3; q++)
        for (unsigned w = 0; w < 2; w++) {
            struct pcb_pool_config cfg = {.workload = &probe, .input = in, .workers = 2};
            struct pcb_pool *pool;
            cfg.variant[0] = q;
            cfg.variant[1] = w;
            assert_int_equal(r->start(&cfg, &pool), 0);
            for (unsigned b = 0; b < 400; b++) {
                struct pcb_batch batch = {.tasks = 1 + b % 4, .chunk = 1};
                struct pcb_batch_result res;
                assert_int_equal(r->run(pool, &batch, &res), 0);
                assert_int_equal(res.done, batch.tasks);
            }
            r->stop(pool);
        }
    assert_true(no_children());
    probe.release(in);
}

/* ---- every added strategy ---- */

static const char *const added[] = {"Partitioned", "MasterWorker",  "OpenMP",
                                    "Async",       "AsyncBlocking", "Hybrid"};

/* A task error is reported (count, code, task) and the pool still stops with nothing left. */
static void test_added_strategies_report_a_failing_task_and_stop_clean(void **state)
{
    struct pcb_input *in;

    (void)state;
    probe_fail_task = 5;
    assert_int_equal(probe.prepare(NULL, 7, &in), 0);
    for (size_t i = 0; i < sizeof(added) / sizeof(added[0]); i++) {
        const struct pcb_runner *r = runner(added[i]);
        unsigned idx[PCB_MAX_VARIANTS] = {0};
        for (;;) {
            size_t threads = pcb_test_count_threads();
            struct pcb_pool_config cfg = {.workload = &probe, .input = in, .workers = 3};
            struct pcb_pool *pool;
            struct pcb_batch b = {.tasks = 12, .chunk = 2};
            struct pcb_batch_result res;
            memcpy(cfg.variant, idx, sizeof(idx));
            if (r->start(&cfg, &pool) == 0) {
                assert_int_equal(r->run(pool, &b, &res), 0);
                if (res.failed != 1 || res.err != PCB_ETASK || res.err_task != 5 || res.done != 11)
                    fail_msg("%s: failed=%llu err=%d task=%llu done=%llu", r->name,
                             (unsigned long long)res.failed, res.err,
                             (unsigned long long)res.err_task, (unsigned long long)res.done);
                r->stop(pool);
            }
            assert_int_equal(pcb_test_threads_settle(threads), threads);
            assert_true(no_children());
            size_t v = 0;
            while (v < r->nvariants && ++idx[v] == r->variants[v].nvalues)
                idx[v++] = 0;
            if (v == r->nvariants)
                break;
        }
    }
    probe.release(in);
}

/* Names may not collide with the regexes people type: only Threaded contains "Threaded". */
static void test_no_other_strategy_name_contains_threaded(void **state)
{
    size_t nr;
    const struct pcb_runner *const *rs = pcb_runners(&nr);

    (void)state;
    for (size_t i = 0; i < nr; i++)
        if (strcmp(rs[i]->name, "Threaded") != 0)
            assert_null(strstr(rs[i]->name, "Threaded"));
}

static void test_openmp_wait_policy_is_what_the_process_was_given(void **state)
{
    (void)state;
    unsetenv("OMP_WAIT_POLICY");
    assert_non_null(strstr(pcb_openmp_wait_policy(), "unset"));
    setenv("OMP_WAIT_POLICY", "passive", 1);
    assert_string_equal(pcb_openmp_wait_policy(), "passive");
}

int main(int argc, char **argv)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_partitioned_splits_remainder_evenly),
        cmocka_unit_test(test_partitioned_compact_pins_every_worker_to_one_cpu),
        cmocka_unit_test(test_async_keeps_exactly_k_tasks_in_flight),
        cmocka_unit_test(test_async_waits_on_descriptors_with_every_backend),
        cmocka_unit_test(test_masterworker_mq_leaves_no_queue_name),
        cmocka_unit_test(test_masterworker_mq_refusal_names_the_limits),
        cmocka_unit_test(test_masterworker_queues_survive_many_tiny_batches),
        cmocka_unit_test(test_added_strategies_report_a_failing_task_and_stop_clean),
        cmocka_unit_test(test_no_other_strategy_name_contains_threaded),
        cmocka_unit_test(test_openmp_wait_policy_is_what_the_process_was_given),
    };

    return pcb_test_main(argc, argv, "strategies", tests, sizeof(tests) / sizeof(tests[0]), 30,
                         NULL);
}
