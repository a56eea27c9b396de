/*
 * test_runners.c - pins down the runner contract (runners/runner.h) for every registered runner.
 *
 * Every runner in pcb_runners() is crossed with CPU.hash (kib=4), IO.sleep (latency_us=50) and
 * Empty, and over batch shapes that stress the hand-out: N divisible by K, a remainder, fewer
 * tasks than workers, a chunk larger than N, one worker, chunk 3, and several batches of
 * different sizes on one pool. Each batch must merge to the sequential reference digest with
 * done == N and failed == 0. Runners without PCB_RUNNER_WORKERS run with K = 1; K never exceeds
 * a runner's max_workers. Every other registered workload, at its minimum parameters and with
 * its case set-up, must match its reference under every runner too. Runners with variant axes
 * (runner.h) are tried in every combination of their variants, and placement (pin compact,
 * spread) must not change a result. The pool life cycle must leave nothing: the thread count of
 * this process is the same before start() and after stop(), no child process remains, and
 * process runners report K live worker pids that are all gone after stop(). A worker process
 * killed with SIGKILL before a batch makes run() return PCB_EWORKER instead of hanging; killed
 * during one, that batch returns PCB_EWORKER or (when the dead worker had already done its
 * share) the complete right result, and then the next batch returns PCB_EWORKER. stop() still
 * reaps everything, in every variant.
 */
#define _GNU_SOURCE
#include "harness.h"

#include <dirent.h>
#include <errno.h>
#include <pthread.h>
#include <signal.h>
#include <stdlib.h>
#include <time.h>

#include "runner.h"

#define SEED 0x5eedULL

/* The workloads every runner is tried with, and the one parameter each is given. */
static const struct {
    const char *workload; /* registry name */
    const char *param;    /* the parameter to set, or NULL */
    uint64_t value;       /* its value: tiny, so the whole matrix runs in well under a second */
} cells[] = {
    {"CPU.hash", "kib", 4},
    {"IO.sleep", "latency_us", 50},
    {"Empty", NULL, 0},
};
#define NCELLS (sizeof(cells) / sizeof(cells[0]))

/* Prepares `name` with every parameter at its minimum except `param` = `value`. */
static struct pcb_input *prepare_named(const char *name, const char *param, uint64_t value,
                                       const struct pcb_workload **wl_out)
{
    const struct pcb_workload *wl = pcb_workload_find(name);
    uint64_t values[PCB_WL_MAX_PARAMS] = {0};
    struct pcb_input *in = NULL;
    int found = param == NULL;

    assert_non_null(wl);
    for (size_t i = 0; i < wl->nparams; i++) {
        values[i] = wl->params[i].min;
        if (param && strcmp(wl->params[i].name, param) == 0) {
            values[i] = value;
            found = 1;
        }
    }
    assert_true(found);
    assert_int_equal(wl->prepare(values, SEED, &in), 0);
    assert_non_null(in);
    *wl_out = wl;
    return in;
}

/* The case set-up and teardown around one pool's life (a workload's server, say). */
static void setup(const struct pcb_workload *wl, struct pcb_input *in)
{
    if (wl->case_setup)
        assert_int_equal(wl->case_setup(in), 0);
}

static void teardown(const struct pcb_workload *wl, struct pcb_input *in)
{
    if (wl->case_teardown)
        wl->case_teardown(in);
}

/* The worker count runner `r` really gets when K is asked for. */
static unsigned workers_for(const struct pcb_runner *r, unsigned k)
{
    if (!(r->flags & PCB_RUNNER_WORKERS))
        return 1;
    return k > r->max_workers ? r->max_workers : k;
}

/* True when this process has no child at all, running or zombie; otherwise says which one
 * (and that it was left after `step`). */
static int no_children(void)
{
    errno = 0;
    pid_t pid = waitpid(-1, NULL, WNOHANG);
    if (pid == -1 && errno == ECHILD)
        return 1;
    print_error("a child process is left (%s, after %s)\n",
                pid > 0 ? "a zombie, now reaped" : "still running", pcb_test_step);
    return 0;
}

/* Advances idx[] over the runner's variant axes like an odometer; returns 0 after the last
 * combination (idx[] is then all zero again). */
static int next_variant(const struct pcb_runner *r, unsigned *idx)
{
    for (size_t v = 0; v < r->nvariants; v++) {
        if (++idx[v] < r->variants[v].nvalues)
            return 1;
        idx[v] = 0;
    }
    return 0;
}

/* "queue:shm,wait:spin" for messages; "" for a runner without variants. */
static const char *variant_label(const struct pcb_runner *r, const unsigned *idx)
{
    static char buf[256];
    size_t len = 0;

    buf[0] = '\0';
    for (size_t v = 0; v < r->nvariants && len < sizeof(buf); v++)
        len += (size_t)snprintf(buf + len, sizeof(buf) - len, "%s%s:%s", v ? "," : "",
                                r->variants[v].name, r->variants[v].values[idx[v]]);
    return buf;
}

/* Starts `r` over (wl, in) with K workers, variant indices idx[] and placement `pin`. */
static struct pcb_pool *start_pool(const struct pcb_runner *r, const struct pcb_workload *wl,
                                   const struct pcb_input *in, unsigned k, const unsigned *idx,
                                   enum pcb_pin pin)
{
    /* The buffer must outlive the pool (run() explains a broken pool in it), so it is static:
     * each case runs in a process of its own. */
    static char why[256];
    why[0] = '\0';
    struct pcb_pool_config cfg = {
        .workload = wl, .input = in, .workers = k, .pin = pin, .why = why, .why_len = sizeof(why)};
    struct pcb_pool *pool = NULL;

    for (size_t v = 0; idx && v < r->nvariants; v++)
        cfg.variant[v] = idx[v];
    pcb_test_step_set("%s[%s] start over %s, K=%u, pin=%d", r->name,
                      idx ? variant_label(r, idx) : "", wl->name, k, (int)pin);
    int err = r->start(&cfg, &pool);
    if (err)
        print_error("%s[%s] over %s with K=%u: start failed: %s%s%s\n", r->name,
                    idx ? variant_label(r, idx) : "", wl->name, k, pcb_strerror(err),
                    why[0] ? ": " : "", why);
    assert_int_equal(err, 0);
    assert_non_null(pool);
    return pool;
}

/* The variant under test, for failure messages. */
static const char *current_variant = "";

/* How many processes have this one as parent (running or zombie), from /proc. */
static size_t count_children(void)
{
    DIR *d = opendir("/proc");
    struct dirent *e;
    size_t n = 0;
    pid_t self = getpid();

    assert_non_null(d);
    while ((e = readdir(d)) != NULL) {
        char path[300], buf[512];
        if (e->d_name[0] < '0' || e->d_name[0] > '9')
            continue;
        snprintf(path, sizeof(path), "/proc/%s/stat", e->d_name);
        FILE *f = fopen(path, "r");
        if (!f)
            continue; /* gone meanwhile */
        size_t len = fread(buf, 1, sizeof(buf) - 1, f);
        fclose(f);
        buf[len] = '\0';
        /* pid (comm) state ppid ...: comm may hold spaces and parentheses, so parse from
         * the last ')'. */
        char *close = strrchr(buf, ')');
        int ppid;
        char st;
        if (close && sscanf(close + 1, " %c %d", &st, &ppid) == 2 && ppid == self)
            n++;
    }
    closedir(d);
    return n;
}

static void check_batch(const struct pcb_runner *r, const struct pcb_workload *wl,
                        const struct pcb_input *in, struct pcb_pool *pool, uint64_t n,
                        uint64_t chunk, unsigned k)
{
    struct pcb_batch b = {.tasks = n, .chunk = chunk};
    struct pcb_batch_result res;
    uint64_t ref;

    memset(&res, 0xa5, sizeof(res)); /* stale garbage the runner must overwrite */
    assert_int_equal(pcb_workload_reference(wl, in, n, &ref), 0);
    int err = r->run(pool, &b, &res);
    if (err || res.digest != ref || res.done != n || res.failed != 0)
        print_error("%s[%s]/%s N=%llu K=%u chunk=%llu: err=%d digest=%llx ref=%llx done=%llu "
                    "failed=%llu\n",
                    r->name, current_variant, wl->name, (unsigned long long)n, k,
                    (unsigned long long)chunk, err, (unsigned long long)res.digest,
                    (unsigned long long)ref, (unsigned long long)res.done,
                    (unsigned long long)res.failed);
    assert_int_equal(err, 0);
    assert_int_equal(res.failed, 0);
    assert_int_equal(res.err, 0);
    assert_int_equal(res.done, n);
    assert_int_equal(res.digest, ref);
}

/* Every runner, in every variant, x every cell: one pool of K workers placed by `pin` runs
 * the batches of sizes ns[] in a row. */
static void check_all_pinned(const uint64_t *ns, size_t nbatches, unsigned k, uint64_t chunk,
                             enum pcb_pin pin)
{
    size_t nr;
    const struct pcb_runner *const *rs = pcb_runners(&nr);

    assert_true(nr > 0);
    for (size_t ri = 0; ri < nr; ri++) {
        const struct pcb_runner *r = rs[ri];
        unsigned kk = workers_for(r, k);
        unsigned idx[PCB_MAX_VARIANTS] = {0};
        assert_true(r->nvariants <= PCB_MAX_VARIANTS);
        do {
            for (size_t ci = 0; ci < NCELLS; ci++) {
                const struct pcb_workload *wl;
                struct pcb_input *in =
                    prepare_named(cells[ci].workload, cells[ci].param, cells[ci].value, &wl);
                setup(wl, in);
                struct pcb_pool *pool = start_pool(r, wl, in, kk, idx, pin);
                current_variant = variant_label(r, idx);
                for (size_t bi = 0; bi < nbatches; bi++) {
                    pcb_test_step_set("%s[%s] over %s, K=%u, chunk=%llu, pin=%d, batch %zu of "
                                      "%llu tasks",
                                      r->name, current_variant, wl->name, kk,
                                      (unsigned long long)chunk, (int)pin, bi,
                                      (unsigned long long)ns[bi]);
                    check_batch(r, wl, in, pool, ns[bi], chunk, kk);
                }
                current_variant = "";
                r->stop(pool);
                teardown(wl, in);
                wl->release(in);
                assert_true(no_children());
            }
        } while (next_variant(r, idx));
    }
}

static void check_all(const uint64_t *ns, size_t nbatches, unsigned k, uint64_t chunk)
{
    check_all_pinned(ns, nbatches, k, chunk, PCB_PIN_NONE);
}

static void test_every_runner_matches_reference_when_workers_divide_tasks(void **state)
{
    (void)state;
    check_all((const uint64_t[]){12}, 1, 3, 1);
}

static void test_every_runner_matches_reference_when_tasks_leave_a_remainder(void **state)
{
    (void)state;
    check_all((const uint64_t[]){13}, 1, 4, 1);
}

static void test_every_runner_matches_reference_with_fewer_tasks_than_workers(void **state)
{
    (void)state;
    check_all((const uint64_t[]){2}, 1, 5, 1);
}

static void test_every_runner_matches_reference_with_chunk_larger_than_batch(void **state)
{
    (void)state;
    check_all((const uint64_t[]){7}, 1, 2, 10);
}

static void test_every_runner_matches_reference_with_one_worker(void **state)
{
    (void)state;
    check_all((const uint64_t[]){9}, 1, 1, 1);
}

static void test_every_runner_matches_reference_with_chunk_of_three(void **state)
{
    (void)state;
    check_all((const uint64_t[]){10}, 1, 3, 3);
}

/* The same pool, batch after batch, with a smaller and a larger batch in between: nothing of
 * one batch (cursor, pending count, slots) may leak into the next. */
static void test_every_runner_repeats_reference_over_batches_on_one_pool(void **state)
{
    (void)state;
    check_all((const uint64_t[]){13, 13, 4, 13, 1, 20, 13}, 7, 3, 2);
}

/* An empty batch is a valid batch: nothing done, digest zero. */
static void test_every_runner_runs_an_empty_batch_as_zero(void **state)
{
    (void)state;
    check_all((const uint64_t[]){0, 5, 0}, 3, 2, 1);
}

/* Beyond the three workloads above: every registered workload, parameters at their minimum,
 * with its case set-up around each pool as the fixture does it. A workload may keep helper
 * processes of its own (a server) between set-up and teardown; a pool must leave exactly those,
 * and the teardown none. */
static void test_every_runner_matches_reference_for_every_workload(void **state)
{
    size_t nr, nw;
    const struct pcb_runner *const *rs = pcb_runners(&nr);
    const struct pcb_workload *const *wls = pcb_workloads(&nw);

    (void)state;
    for (size_t wi = 0; wi < nw; wi++) {
        const struct pcb_workload *wl;
        struct pcb_input *in = prepare_named(wls[wi]->name, NULL, 0, &wl);
        for (size_t ri = 0; ri < nr; ri++) {
            const struct pcb_runner *r = rs[ri];
            unsigned idx[PCB_MAX_VARIANTS] = {0}, k = workers_for(r, 3);
            do {
                setup(wl, in);
                size_t own = count_children();
                struct pcb_pool *pool = start_pool(r, wl, in, k, idx, PCB_PIN_NONE);
                current_variant = variant_label(r, idx);
                pcb_test_step_set("%s[%s] over %s, K=%u", r->name, current_variant, wl->name, k);
                check_batch(r, wl, in, pool, 10, 2, k);
                check_batch(r, wl, in, pool, 7, 2, k);
                r->stop(pool);
                current_variant = "";
                size_t left = count_children();
                if (left != own)
                    print_error("%zu child process(es) after stop, %zu before start: %s\n", left,
                                own, pcb_test_step);
                assert_int_equal(left, own);
                teardown(wl, in);
                assert_true(no_children());
            } while (next_variant(r, idx));
        }
        wl->release(in);
    }
}

/* Placement changes where workers run, never what they compute. */
static void test_every_runner_matches_reference_when_workers_are_pinned(void **state)
{
    (void)state;
    check_all_pinned((const uint64_t[]){13, 6}, 2, 3, 1, PCB_PIN_COMPACT);
    check_all_pinned((const uint64_t[]){13, 6}, 2, 3, 1, PCB_PIN_SPREAD);
}

static void test_pool_stop_leaves_no_thread_and_no_child(void **state)
{
    size_t nr;
    const struct pcb_runner *const *rs = pcb_runners(&nr);
    const struct pcb_workload *wl;
    struct pcb_input *in = prepare_named("Empty", NULL, 0, &wl);

    (void)state;
    for (size_t ri = 0; ri < nr; ri++) {
        const struct pcb_runner *r = rs[ri];
        unsigned idx[PCB_MAX_VARIANTS] = {0}, k = workers_for(r, 3);
        do {
            size_t before = pcb_test_count_threads();
            assert_true(no_children());
            struct pcb_pool *pool = start_pool(r, wl, in, k, idx, PCB_PIN_NONE);
            check_batch(r, wl, in, pool, 6, 1, k);
            r->stop(pool);
            size_t after = pcb_test_threads_settle(before);
            if (after != before)
                print_error("%s[%s]: %zu threads before start, %zu after stop\n", r->name,
                            variant_label(r, idx), before, after);
            assert_int_equal(after, before);
            assert_true(no_children());
        } while (next_variant(r, idx));
    }
    wl->release(in);
}

/* Starts process runner `r` (variants idx[]) with K workers over `wl`; fills pids[] and checks
 * they are K live, distinct processes other than this one. */
static struct pcb_pool *start_processes(const struct pcb_runner *r, const unsigned *idx,
                                        const struct pcb_workload *wl, const struct pcb_input *in,
                                        unsigned k, pid_t *pids)
{
    struct pcb_pool *pool;

    assert_non_null(r->worker_pids);
    pool = start_pool(r, wl, in, k, idx, PCB_PIN_NONE);
    assert_int_equal(r->worker_pids(pool, pids, k + 8), k);
    for (unsigned i = 0; i < k; i++) {
        assert_true(pids[i] > 0);
        assert_int_not_equal(pids[i], getpid());
        assert_int_equal(kill(pids[i], 0), 0);
        for (unsigned j = 0; j < i; j++)
            assert_int_not_equal(pids[i], pids[j]);
    }
    return pool;
}

static void assert_all_gone(const pid_t *pids, unsigned k)
{
    for (unsigned i = 0; i < k; i++) {
        errno = 0;
        if (kill(pids[i], 0) == 0 || errno != ESRCH)
            print_error("worker %d is still there after stop: %s\n", (int)pids[i], pcb_test_step);
        assert_int_equal(kill(pids[i], 0), -1);
        assert_int_equal(errno, ESRCH);
    }
    assert_true(no_children());
}

/* Calls check(r, idx) for every process runner in every combination of its variants; skips
 * the test when no runner uses processes. */
static void for_each_process_runner(void (*check)(const struct pcb_runner *r, const unsigned *idx))
{
    size_t nr, tried = 0;
    const struct pcb_runner *const *rs = pcb_runners(&nr);

    for (size_t i = 0; i < nr; i++) {
        unsigned idx[PCB_MAX_VARIANTS] = {0};
        if (!(rs[i]->flags & PCB_RUNNER_PROCESSES))
            continue;
        do {
            current_variant = variant_label(rs[i], idx);
            check(rs[i], idx);
            current_variant = "";
            tried++;
        } while (next_variant(rs[i], idx));
    }
    if (tried == 0)
        skip();
}

/* Thread runners have no pids to report; process runners must report theirs. */
static void test_worker_pids_exist_exactly_for_process_runners(void **state)
{
    size_t nr;
    const struct pcb_runner *const *rs = pcb_runners(&nr);

    (void)state;
    for (size_t i = 0; i < nr; i++)
        assert_int_equal(rs[i]->worker_pids != NULL, (rs[i]->flags & PCB_RUNNER_PROCESSES) != 0);
}

static void live_then_gone(const struct pcb_runner *r, const unsigned *idx)
{
    const struct pcb_workload *wl;
    struct pcb_input *in = prepare_named("CPU.hash", "kib", 4, &wl);
    unsigned k = workers_for(r, 3);
    pid_t pids[16], again[16];
    size_t threads = pcb_test_count_threads();
    struct pcb_pool *pool = start_processes(r, idx, wl, in, k, pids);

    pcb_test_step_set("%s[%s]: batch on a live pool", r->name, current_variant);
    check_batch(r, wl, in, pool, 9, 1, k);
    /* Still the same K live workers after a batch. */
    assert_int_equal(r->worker_pids(pool, again, 16), k);
    for (unsigned i = 0; i < k; i++) {
        assert_int_equal(again[i], pids[i]);
        assert_int_equal(kill(pids[i], 0), 0);
    }
    pcb_test_step_set("%s[%s]: stop", r->name, current_variant);
    r->stop(pool);
    assert_all_gone(pids, k);
    assert_int_equal(pcb_test_threads_settle(threads), threads);
    wl->release(in);
}

static void test_process_runner_reports_live_workers_all_gone_after_stop(void **state)
{
    (void)state;
    for_each_process_runner(live_then_gone);
}

static void killed_before_batch(const struct pcb_runner *r, const unsigned *idx)
{
    const struct pcb_workload *wl;
    struct pcb_input *in = prepare_named("Empty", NULL, 0, &wl);
    unsigned k = workers_for(r, 2);
    pid_t pids[16];
    struct pcb_pool *pool = start_processes(r, idx, wl, in, k, pids);
    struct pcb_batch b = {.tasks = 8, .chunk = 1};
    struct pcb_batch_result res;

    assert_int_equal(kill(pids[0], SIGKILL), 0);
    pcb_test_step_set("%s[%s]: batch after a worker was killed", r->name, current_variant);
    assert_int_equal(r->run(pool, &b, &res), PCB_EWORKER);
    pcb_test_step_set("%s[%s]: stop of a broken pool", r->name, current_variant);
    r->stop(pool);
    assert_all_gone(pids, k);
    wl->release(in);
}

static void test_process_runner_fails_batch_when_worker_killed_before_it(void **state)
{
    (void)state;
    for_each_process_runner(killed_before_batch);
}

struct killer {
    pid_t pid;     /* the worker to kill */
    long delay_ms; /* after this long */
};

static void *kill_later(void *arg)
{
    struct killer *kl = arg;
    struct timespec ts = {.tv_sec = kl->delay_ms / 1000,
                          .tv_nsec = (kl->delay_ms % 1000) * 1000000L};

    nanosleep(&ts, NULL);
    kill(kl->pid, SIGKILL);
    return NULL;
}

/* Every task sleeps 100 ms, so the batch lasts at least 100 ms and the kill 30 ms in lands
 * inside it. The killed worker may already have finished its share (a worker whose event loop
 * took every task leaves the others idle), so the batch may still succeed, but then only with
 * the complete, right result; either that batch or the next one must report the death with
 * PCB_EWORKER, and neither may hang. */
static void killed_during_batch(const struct pcb_runner *r, const unsigned *idx)
{
    const struct pcb_workload *wl;
    struct pcb_input *in = prepare_named("IO.sleep", "latency_us", 100000, &wl);
    unsigned k = workers_for(r, 2);
    pid_t pids[16];
    size_t threads = pcb_test_count_threads();
    struct pcb_pool *pool = start_processes(r, idx, wl, in, k, pids);
    struct pcb_batch b = {.tasks = 2 * (uint64_t)k, .chunk = 1};
    struct pcb_batch_result res;
    struct killer kl = {.pid = pids[0], .delay_ms = 30};
    pthread_t t;
    uint64_t ref;

    assert_int_equal(pcb_workload_reference(wl, in, b.tasks, &ref), 0);
    assert_int_equal(pthread_create(&t, NULL, kill_later, &kl), 0);
    pcb_test_step_set("%s[%s]: batch while a worker is killed", r->name, current_variant);
    int err = r->run(pool, &b, &res);
    assert_int_equal(pthread_join(t, NULL), 0);
    if (err == 0) {
        /* Done without the dead worker: the result must be whole, and the next batch must
         * notice the death. */
        assert_int_equal(res.failed, 0);
        assert_int_equal(res.done, b.tasks);
        assert_int_equal(res.digest, ref);
        pcb_test_step_set("%s[%s]: batch after a worker died in the last one", r->name,
                          current_variant);
        err = r->run(pool, &b, &res);
        if (err != PCB_EWORKER)
            print_error("%s[%s]: a worker was killed in the last batch, yet run() returned "
                        "%d (%s) with done %llu of %llu\n",
                        r->name, current_variant, err, err ? pcb_strerror(err) : "success",
                        (unsigned long long)res.done, (unsigned long long)b.tasks);
    }
    assert_int_equal(err, PCB_EWORKER);
    pcb_test_step_set("%s[%s]: stop of a broken pool", r->name, current_variant);
    r->stop(pool);
    assert_all_gone(pids, k);
    assert_int_equal(pcb_test_threads_settle(threads), threads);
    wl->release(in);
}

static void test_process_runner_fails_batch_when_worker_killed_during_it(void **state)
{
    (void)state;
    for_each_process_runner(killed_during_batch);
}

int main(int argc, char **argv)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_every_runner_matches_reference_when_workers_divide_tasks),
        cmocka_unit_test(test_every_runner_matches_reference_when_tasks_leave_a_remainder),
        cmocka_unit_test(test_every_runner_matches_reference_with_fewer_tasks_than_workers),
        cmocka_unit_test(test_every_runner_matches_reference_with_chunk_larger_than_batch),
        cmocka_unit_test(test_every_runner_matches_reference_with_one_worker),
        cmocka_unit_test(test_every_runner_matches_reference_with_chunk_of_three),
        cmocka_unit_test(test_every_runner_repeats_reference_over_batches_on_one_pool),
        cmocka_unit_test(test_every_runner_runs_an_empty_batch_as_zero),
        cmocka_unit_test(test_every_runner_matches_reference_for_every_workload),
        cmocka_unit_test(test_every_runner_matches_reference_when_workers_are_pinned),
        cmocka_unit_test(test_pool_stop_leaves_no_thread_and_no_child),
        cmocka_unit_test(test_worker_pids_exist_exactly_for_process_runners),
        cmocka_unit_test(test_process_runner_reports_live_workers_all_gone_after_stop),
        cmocka_unit_test(test_process_runner_fails_batch_when_worker_killed_before_it),
        cmocka_unit_test(test_process_runner_fails_batch_when_worker_killed_during_it),
    };

    return pcb_test_main(argc, argv, "runners", tests, sizeof(tests) / sizeof(tests[0]), 30, NULL);
}
