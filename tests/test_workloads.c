/*
 * test_workloads.c - pins down the workload contract (workloads/workload.h) for every
 * registered workload.
 *
 * For each workload in pcb_workloads() (with its case set-up up, where it has one): its
 * parameter specs are consistent with their own bounds; case_teardown() leaves no child
 * process, also after a second set-up; the sequential reference digest is the same for two inputs
 * prepared from the same parameters and seed and differs for another seed; different tasks have
 * different digests; where the asynchronous form exists, start() then finish() after the wait is
 * over gives the digest run() gives. For IO.sleep, the one waiting workload: finish() right after
 * start() with a long latency is PCB_EEARLY (even when the event loop has cleared deadline_ns), and
 * run() really waits at least its latency (a lower bound, which is correctness, not speed).
 */
#define _GNU_SOURCE
#include "harness.h"

#include <errno.h>
#include <poll.h>
#include <stdlib.h>
#include <time.h>

#include "workload.h"

#define NTASKS 16

/* Prepares `wl` with every parameter at `pick` (0: its minimum, 1: its quick value), except a
 * parameter named `param`, which gets `value`, and brings up its case set-up (a server, say). */
static struct pcb_input *prepare_with(const struct pcb_workload *wl, uint64_t seed, int pick,
                                      const char *param, uint64_t value)
{
    uint64_t values[PCB_WL_MAX_PARAMS] = {0};
    struct pcb_input *in = NULL;

    for (size_t i = 0; i < wl->nparams; i++) {
        values[i] = pick ? wl->params[i].quick : wl->params[i].min;
        if (param && strcmp(param, wl->params[i].name) == 0)
            values[i] = value;
    }
    assert_int_equal(wl->prepare(values, seed, &in), 0);
    assert_non_null(in);
    if (wl->case_setup)
        assert_int_equal(wl->case_setup(in), 0);
    return in;
}

/* Undoes prepare_with(): the case teardown, then the input. */
static void done(const struct pcb_workload *wl, struct pcb_input *in)
{
    if (wl->case_teardown)
        wl->case_teardown(in);
    wl->release(in);
}

static uint64_t reference(const struct pcb_workload *wl, const struct pcb_input *in)
{
    uint64_t d = 0;

    assert_int_equal(pcb_workload_reference(wl, in, NTASKS, &d), 0);
    return d;
}

static uint64_t now_ns(void)
{
    struct timespec ts;

    clock_gettime(CLOCK_MONOTONIC, &ts);
    return (uint64_t)ts.tv_sec * 1000000000ULL + (uint64_t)ts.tv_nsec;
}

static void test_param_specs_lie_within_their_own_bounds(void **state)
{
    size_t n;
    const struct pcb_workload *const *wls = pcb_workloads(&n);

    (void)state;
    assert_true(n > 0);
    for (size_t i = 0; i < n; i++) {
        const struct pcb_workload *wl = wls[i];
        assert_non_null(wl->name);
        assert_ptr_equal(pcb_workload_find(wl->name), wl);
        assert_true(wl->nparams <= PCB_WL_MAX_PARAMS);
        assert_non_null(wl->prepare);
        assert_non_null(wl->release);
        assert_non_null(wl->run);
        assert_true((wl->start == NULL) == (wl->finish == NULL));
        for (size_t p = 0; p < wl->nparams; p++) {
            const struct pcb_param_spec *s = &wl->params[p];
            assert_true(s->min <= s->max);
            assert_in_range(s->quick, s->min, s->max);
            assert_in_range(s->ndefaults, 1, PCB_WL_MAX_DEFAULTS);
            for (size_t d = 0; d < s->ndefaults; d++)
                assert_in_range(s->defaults[d], s->min, s->max);
        }
        for (size_t j = 0; j < i; j++)
            assert_string_not_equal(wls[j]->name, wl->name);
    }
    assert_null(pcb_workload_find("no.such.workload"));
}

/* case_setup() may start helpers (a server process); case_teardown() must end and reap them. */
static void test_case_teardown_leaves_no_child_process(void **state)
{
    size_t n;
    const struct pcb_workload *const *wls = pcb_workloads(&n);

    (void)state;
    for (size_t i = 0; i < n; i++) {
        const struct pcb_workload *wl = wls[i];
        assert_true((wl->case_setup == NULL) == (wl->case_teardown == NULL));
        for (int round = 0; round < 2; round++) { /* set up again after a teardown */
            struct pcb_input *in = prepare_with(wl, 7, 0, NULL, 0);
            uint64_t d;
            assert_int_equal(wl->run(in, 0, &d), 0);
            done(wl, in);
            errno = 0;
            assert_int_equal(waitpid(-1, NULL, WNOHANG), -1);
            assert_int_equal(errno, ECHILD);
        }
    }
}

static void test_reference_digest_is_the_same_for_same_parameters_and_seed(void **state)
{
    size_t n;
    const struct pcb_workload *const *wls = pcb_workloads(&n);

    (void)state;
    for (size_t i = 0; i < n; i++)
        for (int pick = 0; pick < 2; pick++) {
            const struct pcb_workload *wl = wls[i];
            if (pick && wl->kind == PCB_WL_WAIT)
                continue; /* the quick latency, times 16, is time spent for nothing */
            struct pcb_input *a = prepare_with(wl, 7, pick, NULL, 0);
            struct pcb_input *b = prepare_with(wl, 7, pick, NULL, 0);
            assert_int_equal(reference(wl, a), reference(wl, b));
            assert_int_equal(reference(wl, a), reference(wl, a));
            done(wl, a);
            done(wl, b);
        }
}

static void test_reference_digest_changes_with_seed(void **state)
{
    size_t n;
    const struct pcb_workload *const *wls = pcb_workloads(&n);

    (void)state;
    for (size_t i = 0; i < n; i++) {
        const struct pcb_workload *wl = wls[i];
        struct pcb_input *a = prepare_with(wl, 7, 0, NULL, 0);
        struct pcb_input *b = prepare_with(wl, 8, 0, NULL, 0);
        uint64_t ra = reference(wl, a), rb = reference(wl, b);
        if (ra == rb)
            print_error("%s: seeds 7 and 8 both give %llx\n", wl->name, (unsigned long long)ra);
        assert_int_not_equal(ra, rb);
        done(wl, a);
        done(wl, b);
    }
}

static void test_task_digests_differ_between_tasks(void **state)
{
    size_t n;
    const struct pcb_workload *const *wls = pcb_workloads(&n);

    (void)state;
    for (size_t i = 0; i < n; i++) {
        const struct pcb_workload *wl = wls[i];
        struct pcb_input *in = prepare_with(wl, 7, 0, NULL, 0);
        uint64_t d[NTASKS];
        for (uint64_t t = 0; t < NTASKS; t++) {
            assert_int_equal(wl->run(in, t, &d[t]), 0);
            for (uint64_t u = 0; u < t; u++)
                assert_int_not_equal(d[t], d[u]);
        }
        done(wl, in);
    }
}

/* Waits as an event loop would: until fd is readable and the deadline has passed. */
static void wait_like_a_loop(const struct pcb_wait *w)
{
    if (w->fd >= 0) {
        struct pollfd p = {.fd = w->fd, .events = POLLIN};
        assert_int_equal(poll(&p, 1, 10000), 1);
    }
    if (w->deadline_ns) {
        struct timespec ts = {.tv_sec = (time_t)(w->deadline_ns / 1000000000ULL),
                              .tv_nsec = (long)(w->deadline_ns % 1000000000ULL)};
        int err;
        while ((err = clock_nanosleep(CLOCK_MONOTONIC, TIMER_ABSTIME, &ts, NULL)) == EINTR)
            ;
        assert_int_equal(err, 0);
    }
}

static void test_async_form_gives_the_digest_run_gives(void **state)
{
    size_t n, tried = 0;
    const struct pcb_workload *const *wls = pcb_workloads(&n);

    (void)state;
    for (size_t i = 0; i < n; i++) {
        const struct pcb_workload *wl = wls[i];
        if (!wl->start)
            continue;
        tried++;
        struct pcb_input *in = prepare_with(wl, 7, 0, "latency_us", 300);
        for (uint64_t t = 0; t < NTASKS; t++) {
            struct pcb_wait w = {.fd = -1};
            uint64_t by_run = 0, by_async = ~0ULL;
            assert_int_equal(wl->run(in, t, &by_run), 0);
            assert_int_equal(wl->start(in, t, &w), 0);
            wait_like_a_loop(&w);
            assert_int_equal(wl->finish(in, t, &w, &by_async), 0);
            assert_int_equal(by_async, by_run);
        }
        done(wl, in);
    }
    assert_true(tried > 0);
}

/* Several tasks started at once, finished in reverse order: the per-task state lives in each
 * pcb_wait, not in the input. */
static void test_async_tasks_in_flight_together_keep_their_own_digests(void **state)
{
    size_t n;
    const struct pcb_workload *const *wls = pcb_workloads(&n);

    (void)state;
    for (size_t i = 0; i < n; i++) {
        const struct pcb_workload *wl = wls[i];
        if (!wl->start)
            continue;
        struct pcb_input *in = prepare_with(wl, 9, 0, "latency_us", 300);
        struct pcb_wait w[NTASKS];
        for (uint64_t t = 0; t < NTASKS; t++) {
            w[t].fd = -1;
            assert_int_equal(wl->start(in, t, &w[t]), 0);
        }
        for (uint64_t t = NTASKS; t-- > 0;) {
            uint64_t by_run, by_async;
            wait_like_a_loop(&w[t]);
            assert_int_equal(wl->finish(in, t, &w[t], &by_async), 0);
            assert_int_equal(wl->run(in, t, &by_run), 0);
            assert_int_equal(by_async, by_run);
        }
        done(wl, in);
    }
}

static void test_io_sleep_finish_right_after_start_is_early(void **state)
{
    const struct pcb_workload *wl = pcb_workload_find("IO.sleep");
    struct pcb_input *in;
    struct pcb_wait w = {.fd = -1};
    uint64_t d = 0x1234;

    (void)state;
    assert_non_null(wl);
    in = prepare_with(wl, 7, 0, "latency_us", 5000000); /* 5 s: never over during this test */
    assert_int_equal(wl->start(in, 3, &w), 0);
    assert_true(w.deadline_ns > now_ns());
    assert_int_equal(wl->finish(in, 3, &w, &d), PCB_EEARLY);
    assert_int_equal(d, 0x1234); /* no digest for work not done */
    done(wl, in);
}

/* The event loop may clear or rewrite deadline_ns once it has armed its timer; that must not
 * let an early finish() through. */
static void test_io_sleep_finish_is_early_even_when_loop_clears_deadline(void **state)
{
    const struct pcb_workload *wl = pcb_workload_find("IO.sleep");
    struct pcb_input *in;
    struct pcb_wait w = {.fd = -1};
    uint64_t d;

    (void)state;
    assert_non_null(wl);
    in = prepare_with(wl, 7, 0, "latency_us", 5000000);
    assert_int_equal(wl->start(in, 1, &w), 0);
    w.deadline_ns = 0;
    assert_int_equal(wl->finish(in, 1, &w, &d), PCB_EEARLY);
    done(wl, in);
}

static void test_io_sleep_run_waits_at_least_its_latency(void **state)
{
    const struct pcb_workload *wl = pcb_workload_find("IO.sleep");
    const uint64_t latency_us = 20000;
    struct pcb_input *in;

    (void)state;
    assert_non_null(wl);
    in = prepare_with(wl, 7, 0, "latency_us", latency_us);
    for (uint64_t t = 0; t < 3; t++) {
        uint64_t d, t0 = now_ns();
        assert_int_equal(wl->run(in, t, &d), 0);
        uint64_t waited = now_ns() - t0;
        assert_true(waited >= latency_us * 1000);
    }
    done(wl, in);
}

/* The digest covers the latency too: the same task with another latency is another result. */
static void test_io_sleep_digest_depends_on_latency(void **state)
{
    const struct pcb_workload *wl = pcb_workload_find("IO.sleep");
    struct pcb_input *a, *b;
    uint64_t da, db;

    (void)state;
    assert_non_null(wl);
    a = prepare_with(wl, 7, 0, "latency_us", 10);
    b = prepare_with(wl, 7, 0, "latency_us", 11);
    assert_int_equal(wl->run(a, 0, &da), 0);
    assert_int_equal(wl->run(b, 0, &db), 0);
    assert_int_not_equal(da, db);
    done(wl, a);
    done(wl, b);
}

/* pcb_workload_register() would take every built-in workload (a copy under another name): the
 * rules it applies to users' workloads hold for pcbench's own. */
static void test_builtin_workloads_pass_the_registration_rules(void **state)
{
    size_t n, builtin;
    const struct pcb_workload *const *all = pcb_workloads(&n);
    static struct pcb_workload copies[32];
    static char names[32][64];

    (void)state;
    builtin = n;
    assert_true(n <= 32);
    for (size_t i = 0; i < n; i++) {
        copies[i] = *all[i];
        snprintf(names[i], sizeof(names[i]), "Copy.%zu", i);
        copies[i].name = names[i];
    }
    for (size_t i = 0; i < n; i++)
        assert_int_equal(pcb_workload_register(&copies[i]), 0);
    assert_non_null(pcb_workload_find("Copy.0"));
    all = pcb_workloads(&n);
    assert_int_equal(n, 2 * builtin); /* the built-ins, then their copies in order */
    assert_string_equal(all[builtin]->name, "Copy.0");
}

/* What pcb_workload_register() refuses, each with PCB_EPARAM and nothing registered. */
static void test_register_refuses_broken_workloads(void **state)
{
    const struct pcb_workload *hash = pcb_workload_find("CPU.hash");
    struct pcb_workload w;
    struct pcb_param_spec p;
    static const char *const one_name[] = {"only", NULL};
    static const char *const escape_name[] = {"plain", "red\x1b[31m", NULL};
    size_t before, after;

    (void)state;
    assert_non_null(hash);
    pcb_workloads(&before);
    assert_int_equal(pcb_workload_register(NULL), PCB_EPARAM);
    assert_int_equal(pcb_workload_register(hash), PCB_EPARAM); /* the name exists */
    w = *hash;
    w.name = "Bad/name";
    assert_int_equal(pcb_workload_register(&w), PCB_EPARAM);
    w = *hash;
    w.name = "No.run";
    w.run = NULL;
    assert_int_equal(pcb_workload_register(&w), PCB_EPARAM);
    w = *hash;
    w.name = "Half.async";
    w.start = NULL; /* finish() without start() */
    w.finish = pcb_workload_find("IO.sleep")->finish;
    assert_int_equal(pcb_workload_register(&w), PCB_EPARAM);
    /* A default outside the range, and value names that do not cover it. */
    p = hash->params[0];
    p.defaults[0] = p.max + 1;
    w = *hash;
    w.name = "Bad.default";
    w.params = &p;
    assert_int_equal(pcb_workload_register(&w), PCB_EPARAM);
    p = hash->params[0];
    p.names = one_name;
    p.min = 0;
    p.max = 1;
    p.defaults[0] = p.quick = 0;
    w.name = "Bad.names";
    assert_int_equal(pcb_workload_register(&w), PCB_EPARAM);
    /* A value name with a control character, which would reach the result file raw. */
    p.names = escape_name;
    w.name = "Bad.escape";
    assert_int_equal(pcb_workload_register(&w), PCB_EPARAM);
    pcb_workloads(&after);
    assert_int_equal(after, before);
}

int main(int argc, char **argv)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_param_specs_lie_within_their_own_bounds),
        cmocka_unit_test(test_case_teardown_leaves_no_child_process),
        cmocka_unit_test(test_reference_digest_is_the_same_for_same_parameters_and_seed),
        cmocka_unit_test(test_reference_digest_changes_with_seed),
        cmocka_unit_test(test_task_digests_differ_between_tasks),
        cmocka_unit_test(test_async_form_gives_the_digest_run_gives),
        cmocka_unit_test(test_async_tasks_in_flight_together_keep_their_own_digests),
        cmocka_unit_test(test_io_sleep_finish_right_after_start_is_early),
        cmocka_unit_test(test_io_sleep_finish_is_early_even_when_loop_clears_deadline),
        cmocka_unit_test(test_io_sleep_run_waits_at_least_its_latency),
        cmocka_unit_test(test_io_sleep_digest_depends_on_latency),
        cmocka_unit_test(test_builtin_workloads_pass_the_registration_rules),
        cmocka_unit_test(test_register_refuses_broken_workloads),
    };

    return pcb_test_main(argc, argv, "workloads", tests, sizeof(tests) / sizeof(tests[0]), 20,
                         NULL);
}
