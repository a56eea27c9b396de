/*
 * test_io_net.c - IO.net: answers, fault injection, retries, async form, and the server's life.
 *
 * With no faults every task succeeds on its first attempt, in the blocking and the async form,
 * from many threads at once. With 100% refused, timeouts or resets every task fails with that
 * error after exactly 1 + PCB_WL_NET_RETRIES attempts, each bounded by the client timeout (the
 * test's own TIMEOUT is what catches a hang). Under partial faults, a task that succeeds gives
 * the same digest as without faults. The server is gone after case_teardown(), after release()
 * without a teardown, and when the process that started it dies.
 */
#define _GNU_SOURCE
#include "harness.h"

#include <errno.h>
#include <poll.h>
#include <pthread.h>
#include <stdlib.h>
#include <sys/prctl.h>

#include "io_net.h"
#include "workload.h"

#define NTASKS 32

static const struct pcb_workload *wl(void)
{
    const struct pcb_workload *w = pcb_workload_find("IO.net");

    assert_non_null(w);
    return w;
}

/* latency_us, refused_pct, timeout_pct, reset_pct */
static struct pcb_input *prep(uint64_t lat, uint64_t ref, uint64_t to, uint64_t rst)
{
    uint64_t v[4] = {lat, ref, to, rst};
    struct pcb_input *in = NULL;

    assert_int_equal(wl()->prepare(v, 11, &in), 0);
    return in;
}

/* Whether process `pid` is gone (or a zombie, which does nothing any more). */
static int gone(pid_t pid)
{
    char path[64], buf[256];
    snprintf(path, sizeof(path), "/proc/%d/stat", (int)pid);
    FILE *f = fopen(path, "r");
    if (!f)
        return 1;
    size_t n = fread(buf, 1, sizeof(buf) - 1, f);
    fclose(f);
    buf[n] = 0;
    char *p = strrchr(buf, ')');
    return p && p[1] == ' ' && p[2] == 'Z';
}

static void test_no_faults_no_failures_and_one_attempt_each(void **state)
{
    struct pcb_input *in = prep(50, 0, 0, 0);
    struct pcb_wl_net_stats st;

    (void)state;
    assert_int_equal(wl()->case_setup(in), 0);
    pid_t pid = pcb_wl_net_server_pid(in);
    assert_true(pid > 0);
    assert_false(gone(pid));
    uint64_t d[NTASKS];
    for (uint64_t t = 0; t < NTASKS; t++) {
        assert_int_equal(wl()->run(in, t, &d[t]), 0);
        for (uint64_t u = 0; u < t; u++)
            assert_int_not_equal(d[t], d[u]);
    }
    pcb_wl_net_stats(in, &st);
    assert_int_equal(st.attempts, NTASKS);
    assert_int_equal(st.retries, 0);
    assert_int_equal(st.failed, 0);
    assert_int_equal(st.refused + st.timeouts + st.resets, 0);
    wl()->case_teardown(in);
    assert_true(gone(pid));
    assert_int_equal(pcb_wl_net_server_pid(in), 0);
    pcb_wl_net_stats(in, &st);
    assert_true(st.server_cpu_ns > 0);
    wl()->release(in);
}

static void test_digest_does_not_depend_on_latency_or_on_faults_that_retries_recover(void **state)
{
    struct pcb_input *a = prep(0, 0, 0, 0), *b = prep(300, 0, 0, 0), *c = prep(0, 20, 0, 20);
    struct pcb_wl_net_stats st;
    uint64_t ok = 0;

    (void)state;
    assert_int_equal(wl()->case_setup(c), 0);
    for (uint64_t t = 0; t < 64; t++) {
        uint64_t da, db, dc;
        assert_int_equal(wl()->run(a, t, &da), 0);
        assert_int_equal(wl()->run(b, t, &db), 0);
        assert_int_equal(da, db);
        int err = wl()->run(c, t, &dc);
        if (err == 0) {
            assert_int_equal(dc, da);
            ok++;
        } else {
            assert_true(err == -ECONNREFUSED || err == -ECONNRESET);
        }
    }
    pcb_wl_net_stats(c, &st);
    assert_true(st.retries > 0);          /* 40% of first attempts fail... */
    assert_int_equal(ok + st.failed, 64); /* ...and every task is either done or failed */
    assert_true(st.refused > 0 && st.resets > 0);
    assert_int_equal(st.attempts, 64 + st.retries);
    /* The same schedule again gives the same outcome: faults are a function of the task. */
    uint64_t failed_before = st.failed;
    assert_int_equal(wl()->case_setup(c), 0); /* resets the counters */
    for (uint64_t t = 0; t < 64; t++) {
        uint64_t d;
        (void)wl()->run(c, t, &d);
    }
    pcb_wl_net_stats(c, &st);
    assert_int_equal(st.failed, failed_before);
    wl()->case_teardown(c);
    wl()->release(a);
    wl()->release(b);
    wl()->release(c);
}

/* Every task fails with `want` after 1 + retries attempts. */
static void all_fail(uint64_t ref, uint64_t to, uint64_t rst, int want, uint64_t ntasks)
{
    struct pcb_input *in = prep(0, ref, to, rst);
    struct pcb_wl_net_stats st;

    assert_int_equal(wl()->case_setup(in), 0);
    pid_t pid = pcb_wl_net_server_pid(in);
    for (uint64_t t = 0; t < ntasks; t++) {
        uint64_t d = 0x55;
        assert_int_equal(wl()->run(in, t, &d), want);
        assert_int_equal(d, 0x55);
    }
    pcb_wl_net_stats(in, &st);
    assert_int_equal(st.failed, ntasks);
    assert_int_equal(st.attempts, ntasks * (1 + PCB_WL_NET_RETRIES));
    assert_int_equal(st.retries, ntasks * PCB_WL_NET_RETRIES);
    assert_int_equal(st.refused, want == -ECONNREFUSED ? st.attempts : 0);
    assert_int_equal(st.timeouts, want == -ETIMEDOUT ? st.attempts : 0);
    assert_int_equal(st.resets, want == -ECONNRESET ? st.attempts : 0);
    wl()->case_teardown(in);
    assert_true(gone(pid));
    wl()->release(in);
}

static void test_all_refused_fails_every_task_without_hanging(void **state)
{
    (void)state;
    all_fail(100, 0, 0, -ECONNREFUSED, NTASKS);
}

static void test_all_timeouts_fail_every_task_after_the_timeout(void **state)
{
    (void)state;
    all_fail(0, 100, 0, -ETIMEDOUT, 2); /* 2 tasks x 3 attempts x 200 ms */
}

static void test_all_resets_fail_every_task(void **state)
{
    (void)state;
    all_fail(0, 0, 100, -ECONNRESET, NTASKS);
}

static void test_fault_rates_above_100_percent_are_rejected(void **state)
{
    uint64_t v[4] = {0, 50, 30, 21};
    struct pcb_input *in = NULL;

    (void)state;
    assert_int_equal(wl()->prepare(v, 1, &in), PCB_EPARAM);
    assert_null(in);
}

/* Waits as an event loop would: the descriptor readable (no deadline is set by IO.net). */
static void wait_fd(const struct pcb_wait *w)
{
    struct pollfd p = {.fd = w->fd, .events = POLLIN};

    assert_int_equal(w->deadline_ns, 0);
    assert_int_equal(poll(&p, 1, 10000), 1);
}

static void test_async_many_in_flight_give_the_blocking_digests(void **state)
{
    struct pcb_input *in = prep(2000, 0, 0, 0);
    struct pcb_wait w[200];

    (void)state;
    assert_int_equal(wl()->case_setup(in), 0);
    for (uint64_t t = 0; t < 200; t++) {
        w[t].fd = -1;
        assert_int_equal(wl()->start(in, t, &w[t]), 0);
        assert_true(w[t].fd >= 0);
    }
    for (uint64_t t = 200; t-- > 0;) {
        uint64_t a, b;
        wait_fd(&w[t]);
        assert_int_equal(wl()->finish(in, t, &w[t], &a), 0);
        assert_int_equal(wl()->run(in, t, &b), 0);
        assert_int_equal(a, b);
    }
    wl()->case_teardown(in);
    wl()->release(in);
}

static void test_async_finish_before_the_answer_is_early(void **state)
{
    struct pcb_input *in = prep(2000000, 0, 0, 0); /* the answer comes after 2 s */
    struct pcb_wait w = {.fd = -1};
    uint64_t d = 0x77;

    (void)state;
    assert_int_equal(wl()->start(in, 1, &w), 0);
    assert_int_equal(wl()->finish(in, 1, &w, &d), PCB_EEARLY);
    assert_int_equal(d, 0x77);
    wl()->release(in);
}

static void test_async_faults_end_as_failed_tasks(void **state)
{
    struct pcb_input *ref = prep(0, 100, 0, 0), *to = prep(0, 0, 100, 0), *rst = prep(0, 0, 0, 100);
    struct pcb_wait w = {.fd = -1};
    struct pcb_wl_net_stats st;
    uint64_t d;

    (void)state;
    /* Refused: known inside start(), retried there, then the task fails. */
    assert_int_equal(wl()->start(ref, 0, &w), -ECONNREFUSED);
    pcb_wl_net_stats(ref, &st);
    assert_int_equal(st.attempts, 1 + PCB_WL_NET_RETRIES);
    assert_int_equal(st.failed, 1);
    /* Timeout: the descriptor becomes readable at the timeout; finish() retries and fails. */
    assert_int_equal(wl()->start(to, 0, &w), 0);
    wait_fd(&w);
    assert_int_equal(wl()->finish(to, 0, &w, &d), -ETIMEDOUT);
    pcb_wl_net_stats(to, &st);
    assert_int_equal(st.timeouts, 1 + PCB_WL_NET_RETRIES);
    assert_int_equal(st.failed, 1);
    /* Reset. */
    assert_int_equal(wl()->start(rst, 0, &w), 0);
    wait_fd(&w);
    assert_int_equal(wl()->finish(rst, 0, &w, &d), -ECONNRESET);
    pcb_wl_net_stats(rst, &st);
    assert_int_equal(st.resets, 1 + PCB_WL_NET_RETRIES);
    wl()->release(ref);
    wl()->release(to);
    wl()->release(rst);
}

struct client {
    const struct pcb_input *in; /* shared input */
    uint64_t first;             /* tasks first, first + 16, ... */
    uint64_t sum;               /* their merged digest */
    int err;                    /* first error */
};

static void *client_main(void *arg)
{
    struct client *c = arg;

    for (uint64_t t = c->first; t < 16 * 40; t += 16) {
        uint64_t d;
        int err = wl()->run(c->in, t, &d);
        if (err && !c->err)
            c->err = err;
        c->sum = pcb_digest_merge(c->sum, d);
    }
    return NULL;
}

static void test_sixteen_threads_at_once_match_the_sequential_digest(void **state)
{
    struct pcb_input *in = prep(200, 0, 0, 0);
    struct client c[16];
    pthread_t th[16];
    uint64_t seq, sum = 0;

    (void)state;
    assert_int_equal(wl()->case_setup(in), 0);
    assert_int_equal(pcb_workload_reference(wl(), in, 16 * 40, &seq), 0);
    for (int i = 0; i < 16; i++) {
        c[i] = (struct client){.in = in, .first = (uint64_t)i};
        assert_int_equal(pthread_create(&th[i], NULL, client_main, &c[i]), 0);
    }
    for (int i = 0; i < 16; i++) {
        assert_int_equal(pthread_join(th[i], NULL), 0);
        assert_int_equal(c[i].err, 0);
        sum = pcb_digest_merge(sum, c[i].sum);
    }
    assert_int_equal(sum, seq);
    wl()->case_teardown(in);
    wl()->release(in);
}

static void test_release_without_teardown_stops_the_server(void **state)
{
    struct pcb_input *in = prep(0, 0, 0, 0);
    uint64_t d;

    (void)state;
    assert_int_equal(wl()->run(in, 0, &d), 0); /* outside a case: started on first use */
    pid_t pid = pcb_wl_net_server_pid(in);
    assert_true(pid > 0);
    wl()->release(in);
    assert_true(gone(pid));
}

static void test_server_dies_with_the_process_that_started_it(void **state)
{
    int fds[2];
    pid_t child, server = 0;

    (void)state;
    /* Orphans are re-parented to this process, so the dead server can be reaped here. */
    assert_int_equal(prctl(PR_SET_CHILD_SUBREAPER, 1), 0);
    assert_int_equal(pipe(fds), 0);
    child = fork();
    assert_true(child >= 0);
    if (child == 0) {
        struct pcb_input *in = prep(0, 0, 0, 0);
        uint64_t d;
        /* One answered request: the server is past its PR_SET_PDEATHSIG set-up. */
        if (wl()->case_setup(in) != 0 || wl()->run(in, 0, &d) != 0)
            _exit(1);
        pid_t pid = pcb_wl_net_server_pid(in);
        if (write(fds[1], &pid, sizeof(pid)) != sizeof(pid))
            _exit(1);
        _exit(0); /* no teardown, no release */
    }
    close(fds[1]);
    assert_int_equal(read(fds[0], &server, sizeof(server)), sizeof(server));
    close(fds[0]);
    assert_true(server > 0);
    int st;
    assert_int_equal(waitpid(child, &st, 0), child);
    assert_true(WIFEXITED(st) && WEXITSTATUS(st) == 0);
    /* PR_SET_PDEATHSIG delivers SIGKILL to the server; reap it (the test TIMEOUT bounds this). */
    assert_int_equal(waitpid(server, &st, 0), server);
    assert_true(WIFSIGNALED(st) && WTERMSIG(st) == SIGKILL);
}

int main(int argc, char **argv)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_no_faults_no_failures_and_one_attempt_each),
        cmocka_unit_test(test_digest_does_not_depend_on_latency_or_on_faults_that_retries_recover),
        cmocka_unit_test(test_all_refused_fails_every_task_without_hanging),
        cmocka_unit_test(test_all_timeouts_fail_every_task_after_the_timeout),
        cmocka_unit_test(test_all_resets_fail_every_task),
        cmocka_unit_test(test_fault_rates_above_100_percent_are_rejected),
        cmocka_unit_test(test_async_many_in_flight_give_the_blocking_digests),
        cmocka_unit_test(test_async_finish_before_the_answer_is_early),
        cmocka_unit_test(test_async_faults_end_as_failed_tasks),
        cmocka_unit_test(test_sixteen_threads_at_once_match_the_sequential_digest),
        cmocka_unit_test(test_release_without_teardown_stops_the_server),
        cmocka_unit_test(test_server_dies_with_the_process_that_started_it),
    };

    return pcb_test_main(argc, argv, "workloads.io_net", tests, sizeof(tests) / sizeof(tests[0]),
                         20, NULL);
}
