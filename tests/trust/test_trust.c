/*
 * test_trust.c - a result that was not earned fails its case, with a message that says how.
 *
 * The liars of liars.c (test-only runners, each wrong in one way) run through the common
 * fixture exactly as the matrix's cases do, in a re-executed copy of this program with JSON
 * output; the test cases read the JSON and check each liar's case failed with the fixture's
 * message for its lie:
 *  - a replayed batch (TrustReplay), a result left untouched (TrustUntouched) and one whose
 *    counts were left untouched (TrustDigestOnly): "stale result", naming which;
 *  - a skipped last task (TrustSkipLast) and unsalted digests (TrustUnsalted): "result
 *    mismatch", with the count of tasks done or the missing salt;
 *  - a wait whose deadline was cleared after start() (TrustClearDeadline): the task fails as
 *    finished before its wait was over, from the workload's own check;
 *  - a wait cut short with a valid timer (TrustEarlyFinish): the batch is faster than
 *    ceil(N / concurrency) x latency allows, "finished too early".
 * The honest control (TrustHonest) and every registered runner pass on the same work. Without
 * the fixture's checks every liar would pass, so each of these cases would fail.
 *
 * Direct checks besides: every registered runner salts every task of every batch (two batches,
 * two salts, both digests as computed from the per-task reference), and the workload's wait
 * check refuses a deadline copy that was cleared or changed.
 */
#define _GNU_SOURCE
#include "harness.h"
#include "child_json.h"

#include <errno.h>
#include <fcntl.h>
#include <sys/wait.h>
#include <unistd.h>
#include <limits.h>
#include <stdlib.h>

#include "cases.h"
#include "gbench.h"
#include "liars.h"
#include "oneshot.h"
#include "options.h"
#include "reference.h"
#include "runner.h"

#define TASKS 8
#define LATENCY_US 2000 /* IO.sleep's wait per task in the children's cases */

static const struct pcb_runner *const liars_cpu[] = {&pcb_liar_replay, &pcb_liar_untouched,
                                                     &pcb_liar_digest_only, &pcb_liar_skip_last,
                                                     &pcb_liar_unsalted};
static const struct pcb_runner *const liars_wait[] = {&pcb_liar_clear_deadline,
                                                      &pcb_liar_early_finish};
#define NLIARS                                                                                     \
    (sizeof(liars_cpu) / sizeof(liars_cpu[0]) + sizeof(liars_wait) / sizeof(liars_wait[0]))

/* ---- Child: register the cases and run Google Benchmark once. ---- */

static int add(const struct pcb_runner *r, const struct pcb_workload *wl, const uint64_t *values,
               const struct pcb_options *o)
{
    struct pcb_case_spec spec = {.runner = r,
                                 .workload = wl,
                                 .values = values,
                                 .workers = r->max_workers < 2 ? 1 : 2,
                                 .tasks = TASKS,
                                 .chunk = 1};

    return pcb_case_register(&spec, o) ? 0 : -1;
}

static int run_cases(const char *argv0, const char *out_path)
{
    char out_arg[PATH_MAX + 32];
    char *args[] = {(char *)argv0, out_arg, "--benchmark_out_format=json",
                    "--benchmark_min_time=0.01", NULL};
    int nargs = 4;
    const struct pcb_workload *hash = pcb_workload_find("CPU.hash");
    const struct pcb_workload *sleep = pcb_workload_find("IO.sleep");
    static const uint64_t kib[PCB_WL_MAX_PARAMS] = {4};
    static const uint64_t latency[PCB_WL_MAX_PARAMS] = {LATENCY_US};
    struct pcb_options o;
    size_t nr;
    const struct pcb_runner *const *rs = pcb_runners(&nr);

    if (!hash || !sleep || strcmp(sleep->params[0].name, "latency_us") != 0)
        return 100;
    snprintf(out_arg, sizeof(out_arg), "--benchmark_out=%s", out_path);
    memset(&o, 0, sizeof(o));
    o.seed = 42;
    o.profile = PCB_PROFILE_DEFAULT;
    o.gb_min_time_given = true;
    o.gb_format = 0; /* console */
    o.gb_color = "false";
    pcb_gb_init(&nargs, args);
    if (pcb_gb_report_unrecognized(nargs, args))
        return 101;
    for (size_t i = 0; i < sizeof(liars_cpu) / sizeof(liars_cpu[0]); i++)
        if (add(liars_cpu[i], hash, kib, &o))
            return 102;
    for (size_t i = 0; i < sizeof(liars_wait) / sizeof(liars_wait[0]); i++)
        if (add(liars_wait[i], sleep, latency, &o))
            return 102;
    if (add(&pcb_liar_honest, hash, kib, &o) || add(&pcb_liar_honest, sleep, latency, &o))
        return 102;
    for (size_t i = 0; i < nr; i++) /* the wait floor must hold for every real strategy */
        if (add(rs[i], sleep, latency, &o))
            return 102;
    struct pcb_gb_run_options ro = {
        .format = "console", .out_path = out_path, .out_format = "json"};
    if (pcb_gb_run(&ro) < 0)
        return 103;
    pcb_cases_release();
    pcb_gb_shutdown();
    return (int)pcb_gb_failed_runs();
}

/* ---- Parent: run the child once, then read its JSON. ---- */

static cJSON *doc;       /* the parsed output */
static int child_status; /* wait status of the child */

static int load(void)
{
    doc = pcb_test_run_child_json("--run-cases", 100, &child_status);
    return doc ? 0 : -1;
}

/* The one run of `runner` on `workload`. */
static const cJSON *find_run(const char *runner, const char *workload)
{
    char prefix[128];

    snprintf(prefix, sizeof(prefix), "%s/%s", runner, workload);
    const cJSON *run = pcb_test_find_run(doc, prefix, 1);
    if (!run)
        print_error("not exactly one run of %s in the output\n", prefix);
    assert_non_null(run);
    return run;
}

/* The error message of a run, or NULL when it passed. */
static const char *error_of(const cJSON *run)
{
    const cJSON *occurred = cJSON_GetObjectItemCaseSensitive(run, "error_occurred");
    const cJSON *msg = cJSON_GetObjectItemCaseSensitive(run, "error_message");

    if (!cJSON_IsTrue(occurred))
        return NULL;
    assert_true(cJSON_IsString(msg));
    return msg->valuestring;
}

/* The case of `runner` on `workload` failed, and its message holds every one of parts[]. */
static void expect_failure(const char *runner, const char *workload, const char *const *parts,
                           size_t n)
{
    const char *msg = error_of(find_run(runner, workload));

    if (!msg)
        print_error("%s/%s passed; it must fail\n", runner, workload);
    assert_non_null(msg);
    for (size_t i = 0; i < n; i++) {
        if (!strstr(msg, parts[i]))
            print_error("%s/%s: expected \"%s\" in: %s\n", runner, workload, parts[i], msg);
        assert_non_null(strstr(msg, parts[i]));
    }
}

static void expect_pass(const char *runner, const char *workload)
{
    const cJSON *run = find_run(runner, workload);
    const char *msg = error_of(run);

    if (msg)
        print_error("%s/%s failed: %s\n", runner, workload, msg);
    assert_null(msg);
    const cJSON *items = cJSON_GetObjectItemCaseSensitive(run, "items_per_second");
    assert_true(cJSON_IsNumber(items) && items->valuedouble > 0);
}

static void test_replayed_batch_fails_as_stale_naming_the_batch(void **state)
{
    static const char *const parts[] = {"stale result: batch 2 returned the result of batch 1",
                                        "run() replayed an earlier batch"};
    (void)state;
    expect_failure("TrustReplay", "CPU.hash", parts, 2);
}

static void test_untouched_result_fails_as_stale(void **state)
{
    static const char *const parts[] = {"stale result: batch 1 returned without writing its result",
                                        "poison", "run() did not run this batch"};
    (void)state;
    expect_failure("TrustUntouched", "CPU.hash", parts, 3);
}

static void test_result_with_unwritten_counts_fails_as_stale(void **state)
{
    static const char *const parts[] = {"stale result: batch 1 left its done count unwritten",
                                        "run() did not report this batch"};
    (void)state;
    expect_failure("TrustDigestOnly", "CPU.hash", parts, 2);
}

static void test_skipped_last_task_fails_as_result_mismatch(void **state)
{
    static const char *const parts[] = {"result mismatch: digest 0x", "salted for batch 1",
                                        "(7 of 8 tasks done)"};
    (void)state;
    expect_failure("TrustSkipLast", "CPU.hash", parts, 3);
}

static void test_unsalted_digests_fail_naming_the_salt(void **state)
{
    static const char *const parts[] = {"result mismatch", "is the unsalted sequential reference",
                                        "did not salt its tasks' digests"};
    (void)state;
    expect_failure("TrustUnsalted", "CPU.hash", parts, 3);
}

static void test_cleared_wait_deadline_fails_the_task_as_early(void **state)
{
    char early[160];
    const char *const parts[] = {"task 0 failed", early, "(8 of 8 tasks failed; sequentially 0)"};

    (void)state;
    snprintf(early, sizeof(early), "%s", pcb_strerror(PCB_EEARLY));
    assert_non_null(strstr(early, "before its wait was over"));
    expect_failure("TrustClearDeadline", "IO.sleep", parts, 3);
}

static void test_early_finish_fails_as_finished_too_early(void **state)
{
    static const char *const parts[] = {
        "finished too early: batch 1 took",
        "8 tasks that each wait 2.000 ms, at most 1 at a time, take at least 16.000 ms",
        "waits were skipped"};
    (void)state;
    expect_failure("TrustEarlyFinish", "IO.sleep", parts, 3);
}

static void test_honest_runner_passes_on_cpu_and_waiting_work(void **state)
{
    (void)state;
    expect_pass("TrustHonest", "CPU.hash");
    expect_pass("TrustHonest", "IO.sleep");
}

/* The wait floor uses each strategy's concurrency (workers x threads x loop depth): none of
 * them fails it on honest waiting work. */
static void test_every_registered_runner_passes_on_waiting_work(void **state)
{
    size_t nr;
    const struct pcb_runner *const *rs = pcb_runners(&nr);

    (void)state;
    for (size_t i = 0; i < nr; i++)
        expect_pass(rs[i]->name, "IO.sleep");
}

/* Each liar's case counts as one failed run, and no honest one does. */
static void test_failed_run_count_is_the_number_of_liars(void **state)
{
    (void)state;
    assert_true(WIFEXITED(child_status));
    assert_int_equal(WEXITSTATUS(child_status), NLIARS);
}

/* ---- pcbench run: the same liars, one batch each, outside Google Benchmark. ---- */

/* `pcbench run --strategy RUNNER --workload WORKLOAD ...` in a child, with the liars as extra
 * strategies; returns its exit status and leaves its stderr in err[]. */
static int oneshot(const char *runner, const char *workload, const char *param, char *err,
                   size_t cap)
{
    static const struct pcb_runner *const liars[] = {
        &pcb_liar_honest,   &pcb_liar_untouched,      &pcb_liar_digest_only, &pcb_liar_skip_last,
        &pcb_liar_unsalted, &pcb_liar_clear_deadline, &pcb_liar_early_finish};
    char path[] = "/tmp/pcb-trust-oneshot.XXXXXX";
    int fd = mkstemp(path), status = -1;

    assert_true(fd >= 0);
    unlink(path);
    fflush(NULL);
    pid_t pid = fork();
    assert_true(pid >= 0);
    if (pid == 0) {
        char *argv[] = {"run",        "--strategy",     (char *)runner,
                        "--workload", (char *)workload, "--workers",
                        "2",          "--tasks",        "8",
                        "--param",    (char *)param,    "--no-baseline",
                        NULL};
        int devnull = open("/dev/null", O_WRONLY);
        if (devnull < 0 || dup2(devnull, 1) < 0 || dup2(fd, 2) < 0)
            _exit(120);
        _exit(pcb_oneshot_main_with(12, argv, liars, sizeof(liars) / sizeof(liars[0])));
    }
    assert_int_equal(waitpid(pid, &status, 0), pid);
    ssize_t n = pread(fd, err, cap - 1, 0);
    err[n > 0 ? n : 0] = '\0';
    close(fd);
    assert_true(WIFEXITED(status));
    return WEXITSTATUS(status);
}

/* Every liar that one batch can show fails `pcbench run` with its lie named, exit 1; the honest
 * control passes. (A replay needs an earlier batch of the same pool, which `pcbench run` never
 * has: each batch runs in a pool of its own.) */
static void test_oneshot_fails_every_liar_and_passes_the_honest_runner(void **state)
{
    static const struct {
        const char *runner, *workload, *param, *want;
    } cases[] = {
        {"TrustUntouched", "CPU.hash", "kib=4",
         "stale result: the batch left its result unwritten"},
        {"TrustDigestOnly", "CPU.hash", "kib=4", "left its done count unwritten"},
        {"TrustSkipLast", "CPU.hash", "kib=4", "result mismatch: digest 0x"},
        {"TrustUnsalted", "CPU.hash", "kib=4", "run() did not salt its tasks' digests"},
        {"TrustClearDeadline", "IO.sleep", "latency_us=2000", "before its wait was over"},
        {"TrustEarlyFinish", "IO.sleep", "latency_us=2000", "finished too early"},
    };
    char err[2048];

    (void)state;
    for (size_t i = 0; i < sizeof(cases) / sizeof(cases[0]); i++) {
        int rc = oneshot(cases[i].runner, cases[i].workload, cases[i].param, err, sizeof(err));
        if (rc != 1 || !strstr(err, cases[i].want))
            print_error("pcbench run --strategy %s: exit %d, want 1 with \"%s\": %s\n",
                        cases[i].runner, rc, cases[i].want, err);
        assert_int_equal(rc, 1);
        assert_non_null(strstr(err, cases[i].want));
    }
    assert_int_equal(oneshot("TrustHonest", "CPU.hash", "kib=4", err, sizeof(err)), 0);
    assert_int_equal(oneshot("TrustHonest", "IO.sleep", "latency_us=2000", err, sizeof(err)), 0);
}

/* ---- Direct checks, no child. ---- */

static void test_salted_digest_is_the_digest_for_salt_zero_and_differs_per_salt(void **state)
{
    (void)state;
    assert_true(pcb_salted_digest(0x1234, 5, 0) == 0x1234);
    assert_true(pcb_salted_digest(0x1234, 5, 1) != 0x1234);
    assert_true(pcb_salted_digest(0x1234, 5, 1) != pcb_salted_digest(0x1234, 5, 2));
    assert_true(pcb_salted_digest(0x1234, 5, 1) != pcb_salted_digest(0x1234, 6, 1));
    assert_true(pcb_salted_digest(0x1234, 5, 1) != pcb_salted_digest(0x1235, 5, 1));
}

/* Runs two batches of every registered runner on `wl` with two salts; each batch's digest must
 * be the merge of the salted per-task reference digests, and the two must differ. */
static void check_runners_salt(const char *name, const uint64_t *values)
{
    const struct pcb_workload *wl = pcb_workload_find(name);
    struct pcb_input *in = NULL;
    enum { N = 13 };
    uint64_t digests[N];
    int errs[N];
    static const uint64_t salts[] = {0x5eed5eed5eed5eedULL, 0x0123456789abcdefULL};
    size_t nr;
    const struct pcb_runner *const *rs = pcb_runners(&nr);

    assert_non_null(wl);
    assert_int_equal(wl->prepare(values, 7, &in), 0);
    pcb_workload_reference_tasks(wl, in, 0, N, digests, errs);
    for (size_t i = 0; i < nr; i++) {
        const struct pcb_runner *r = rs[i];
        struct pcb_pool_config cfg = {.workload = wl,
                                      .input = in,
                                      .workers = r->max_workers < 2 ? 1 : 2,
                                      .values = values,
                                      .seed = 7};
        struct pcb_pool *pool = NULL;
        uint64_t got[2];
        pcb_test_step_set("%s on %s", r->name, name);
        assert_int_equal(r->start(&cfg, &pool), 0);
        for (size_t s = 0; s < 2; s++) {
            struct pcb_batch b = {.tasks = N, .chunk = 3, .salt = salts[s]};
            struct pcb_batch_result res;
            uint64_t want = 0;
            for (uint64_t t = 0; t < N; t++) {
                assert_int_equal(errs[t], 0);
                want = pcb_digest_merge(want, pcb_salted_digest(digests[t], t, salts[s]));
            }
            assert_int_equal(r->run(pool, &b, &res), 0);
            if (res.digest != want)
                print_error("%s on %s, salt %zu: digest 0x%016llx, want 0x%016llx\n", r->name, name,
                            s, (unsigned long long)res.digest, (unsigned long long)want);
            assert_true(res.digest == want);
            assert_int_equal(res.done, N);
            assert_int_equal(res.failed, 0);
            got[s] = res.digest;
        }
        assert_true(got[0] != got[1]);
        r->stop(pool);
    }
    wl->release(in);
}

static void test_every_runner_salts_every_task_of_every_batch(void **state)
{
    static const uint64_t kib[PCB_WL_MAX_PARAMS] = {4};
    static const uint64_t latency[PCB_WL_MAX_PARAMS] = {100};

    (void)state;
    check_runners_salt("CPU.hash", kib);     /* run() in every runner's own loop */
    check_runners_salt("IO.sleep", latency); /* start()/finish() in the event loops */
}

/* finish() must refuse a wait whose deadline copy a runner cleared or changed after start(),
 * and must do so for every workload that waits on a timer. */
static void check_wait_copy(const char *name, const uint64_t *values)
{
    const struct pcb_workload *wl = pcb_workload_find(name);
    struct pcb_input *in = NULL;
    uint64_t d = 0x1234;

    assert_non_null(wl);
    assert_non_null(wl->task_wait_ns);
    assert_int_equal(wl->prepare(values, 7, &in), 0);
    assert_true(wl->task_wait_ns(in) >= 1000000000ULL); /* longer than this test */
    for (int how = 0; how < 3; how++) {
        struct pcb_wait w = {.fd = -1};
        assert_int_equal(wl->start(in, 2, &w), 0);
        if (how == 0) { /* the deadline and its copy cleared */
            w.deadline_ns = 0;
            w.scratch[0] = 0;
        } else if (how == 1) { /* the whole wait cleared */
            memset(&w, 0, sizeof(w));
        } else { /* the copy moved into the past */
            w.scratch[0] = 1;
        }
        assert_int_equal(wl->finish(in, 2, &w, &d), PCB_EEARLY);
        assert_true(d == 0x1234); /* no digest for work not done */
    }
    wl->release(in);
}

static void test_wait_check_refuses_a_cleared_or_changed_deadline(void **state)
{
    static const uint64_t sleep_values[PCB_WL_MAX_PARAMS] = {5000000};    /* latency_us: 5 s */
    static const uint64_t mixed_values[PCB_WL_MAX_PARAMS] = {0, 5000000}; /* cpu_pct 0, 5 s */

    (void)state;
    check_wait_copy("IO.sleep", sleep_values);
    check_wait_copy("Mixed.hash_sleep", mixed_values);
}

int main(int argc, char **argv)
{
    if (argc == 3 && strcmp(argv[1], "--run-cases") == 0)
        return run_cases(argv[0], argv[2]);

    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_replayed_batch_fails_as_stale_naming_the_batch),
        cmocka_unit_test(test_untouched_result_fails_as_stale),
        cmocka_unit_test(test_result_with_unwritten_counts_fails_as_stale),
        cmocka_unit_test(test_skipped_last_task_fails_as_result_mismatch),
        cmocka_unit_test(test_unsalted_digests_fail_naming_the_salt),
        cmocka_unit_test(test_cleared_wait_deadline_fails_the_task_as_early),
        cmocka_unit_test(test_early_finish_fails_as_finished_too_early),
        cmocka_unit_test(test_honest_runner_passes_on_cpu_and_waiting_work),
        cmocka_unit_test(test_every_registered_runner_passes_on_waiting_work),
        cmocka_unit_test(test_failed_run_count_is_the_number_of_liars),
        cmocka_unit_test(test_oneshot_fails_every_liar_and_passes_the_honest_runner),
        cmocka_unit_test(test_salted_digest_is_the_digest_for_salt_zero_and_differs_per_salt),
        cmocka_unit_test(test_every_runner_salts_every_task_of_every_batch),
        cmocka_unit_test(test_wait_check_refuses_a_cleared_or_changed_deadline),
    };

    return pcb_test_main(argc, argv, "trust", tests, sizeof(tests) / sizeof(tests[0]), 60, load);
}
