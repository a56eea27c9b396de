/*
 * test_fixture.c - pins down the checks of the common benchmark fixture (benches/cases.c).
 *
 * Cases are registered with pcb_case_register(), exactly as the matrix registers its own, but
 * with deliberately broken strategies defined here: one skips every other task, one returns a
 * wrong digest, one reports a task error, and one whose run() says a worker died. Every
 * registered runner is registered too (its variants at their defaults), as the honest control.
 * The benchmarks run once, in a re-executed copy of this program (Google Benchmark runs once per
 * process), with JSON output to a file in the build directory; the test cases then read that
 * file with cJSON. A broken case must carry error_occurred with the fixture's message ("result
 * mismatch" for the skipper and the liar, the task and its error text for the task error, "pool
 * broke" for the dead worker); every honest case must have no error and carry the fixture's
 * counters with sane values, and every case name must spell its axes.
 */
#define _GNU_SOURCE
#include "harness.h"

#include <errno.h>
#include <limits.h>
#include <stdlib.h>

#include "child_json.h"

#include "cases.h"
#include "gbench.h"
#include "options.h"
#include "runner.h"

#define TASKS 8
#define BROKEN_TASK 3 /* the task the task-error runner reports as failed */

/* ---- The broken strategies: single-threaded, each wrong in exactly one way. ---- */

struct pcb_pool {
    const struct pcb_workload *wl; /* the work */
    const struct pcb_input *in;    /* its input */
};

static int broken_start(const struct pcb_pool_config *cfg, struct pcb_pool **out)
{
    struct pcb_pool *p = malloc(sizeof(*p));

    if (!p)
        return -ENOMEM;
    p->wl = cfg->workload;
    p->in = cfg->input;
    *out = p;
    return 0;
}

static void broken_stop(struct pcb_pool *p)
{
    free(p);
}

/* Runs every task, or every other one, honestly: each digest salted for the batch. */
static int run_some(struct pcb_pool *p, const struct pcb_batch *b, struct pcb_batch_result *res,
                    int every_other)
{
    memset(res, 0, sizeof(*res));
    for (uint64_t t = 0; t < b->tasks; t += every_other ? 2 : 1) {
        uint64_t d;
        int err = p->wl->run(p->in, t, &d);
        if (err)
            return err;
        res->digest = pcb_digest_merge(res->digest, pcb_salted_digest(d, t, b->salt));
        res->done++;
    }
    return 0;
}

static int run_skipper(struct pcb_pool *p, const struct pcb_batch *b, struct pcb_batch_result *res)
{
    return run_some(p, b, res, 1);
}

/* Does all the work and then reports a digest one off. */
static int run_liar(struct pcb_pool *p, const struct pcb_batch *b, struct pcb_batch_result *res)
{
    int err = run_some(p, b, res, 0);

    res->digest ^= 1;
    return err;
}

/* Does all the work but says task BROKEN_TASK failed. */
static int run_task_error(struct pcb_pool *p, const struct pcb_batch *b,
                          struct pcb_batch_result *res)
{
    int err = run_some(p, b, res, 0);

    res->done--;
    res->failed = 1;
    res->err = PCB_ETASK;
    res->err_task = BROKEN_TASK;
    return err;
}

static int run_worker_death(struct pcb_pool *p, const struct pcb_batch *b,
                            struct pcb_batch_result *res)
{
    (void)p;
    (void)b;
    memset(res, 0, sizeof(*res));
    return PCB_EWORKER;
}

#define BROKEN(NAME, RUN)                                                                          \
    {                                                                                              \
        .name = NAME, .summary = "broken on purpose", .flags = 0, .max_workers = 1,                \
        .start = broken_start, .run = RUN, .stop = broken_stop, .worker_pids = NULL                \
    }

static const struct pcb_runner skipper = BROKEN("BrokenSkipper", run_skipper);
static const struct pcb_runner liar = BROKEN("BrokenLiar", run_liar);
static const struct pcb_runner task_error = BROKEN("BrokenTaskError", run_task_error);
static const struct pcb_runner worker_death = BROKEN("BrokenWorkerDeath", run_worker_death);
static const struct pcb_runner *const broken[] = {&skipper, &liar, &task_error, &worker_death};
#define NBROKEN (sizeof(broken) / sizeof(broken[0]))

/* ---- Child: register the cases and run Google Benchmark once. ---- */

static int run_cases(const char *argv0, const char *out_path)
{
    char out_arg[PATH_MAX + 32];
    char *args[] = {(char *)argv0, out_arg, "--benchmark_out_format=json",
                    "--benchmark_min_time=0.01", NULL};
    int nargs = 4;
    const struct pcb_workload *wl = pcb_workload_find("CPU.hash");
    static const uint64_t values[PCB_WL_MAX_PARAMS] = {4}; /* kib */
    struct pcb_options o;
    size_t nr;
    const struct pcb_runner *const *rs = pcb_runners(&nr);

    snprintf(out_arg, sizeof(out_arg), "--benchmark_out=%s", out_path);
    if (!wl || wl->nparams != 1 || strcmp(wl->params[0].name, "kib") != 0) {
        fprintf(stderr, "CPU.hash is not what this test expects\n");
        return 100;
    }
    memset(&o, 0, sizeof(o));
    o.seed = 42;
    o.profile = PCB_PROFILE_DEFAULT;
    o.gb_min_time_given = true;
    o.gb_format = 0; /* console */
    o.gb_color = "false";

    pcb_gb_init(&nargs, args);
    if (pcb_gb_report_unrecognized(nargs, args))
        return 101;
    for (size_t i = 0; i < NBROKEN; i++) {
        struct pcb_case_spec spec = {.runner = broken[i],
                                     .workload = wl,
                                     .values = values,
                                     .workers = 1,
                                     .tasks = TASKS,
                                     .chunk = 1};
        if (!pcb_case_register(&spec, &o))
            return 102;
    }
    for (size_t i = 0; i < nr; i++) {
        struct pcb_case_spec spec = {.runner = rs[i],
                                     .workload = wl,
                                     .values = values,
                                     .workers = rs[i]->max_workers < 2 ? 1 : 2,
                                     .tasks = TASKS,
                                     .chunk = 2};
        if (!pcb_case_register(&spec, &o))
            return 102;
    }
    struct pcb_gb_run_options ro = {
        .format = "console", .out_path = out_path, .out_format = "json"};
    if (pcb_gb_run(&ro) < 0)
        return 103;
    pcb_cases_release();
    pcb_gb_shutdown();
    /* The exit status says how many runs failed their checks. */
    return (int)pcb_gb_failed_runs();
}

/* ---- Parent: run the child once, then read its JSON. ---- */

static cJSON *doc;       /* the parsed output */
static int child_status; /* wait status of the child */

static int load(void)
{
    doc = pcb_test_run_child_json("--run-cases", 50, &child_status);
    return doc ? 0 : -1;
}

/* The one run whose name starts with "<runner>/". */
static const cJSON *find_run(const char *runner)
{
    const cJSON *run = pcb_test_find_run(doc, runner, 1);

    if (!run)
        print_error("not exactly one run of %s in the output\n", runner);
    assert_non_null(run);
    return run;
}

static const char *error_of(const cJSON *run)
{
    const cJSON *occurred = cJSON_GetObjectItemCaseSensitive(run, "error_occurred");
    const cJSON *msg = cJSON_GetObjectItemCaseSensitive(run, "error_message");

    assert_true(cJSON_IsTrue(occurred));
    assert_true(cJSON_IsString(msg));
    return msg->valuestring;
}

static double number(const cJSON *run, const char *key)
{
    const cJSON *v = cJSON_GetObjectItemCaseSensitive(run, key);

    if (!cJSON_IsNumber(v))
        print_error("counter %s missing\n", key);
    assert_true(cJSON_IsNumber(v));
    return v->valuedouble;
}

static void test_skipping_runner_fails_with_result_mismatch(void **state)
{
    const char *msg = error_of(find_run(skipper.name));

    (void)state;
    assert_non_null(strstr(msg, "result mismatch"));
    assert_non_null(strstr(msg, "(4 of 8 tasks done)"));
}

static void test_lying_runner_fails_with_result_mismatch(void **state)
{
    const char *msg = error_of(find_run(liar.name));

    (void)state;
    assert_non_null(strstr(msg, "result mismatch"));
    assert_non_null(strstr(msg, "(8 of 8 tasks done)"));
}

static void test_task_error_fails_naming_the_task_and_its_error(void **state)
{
    const char *msg = error_of(find_run(task_error.name));
    char want[64];

    (void)state;
    snprintf(want, sizeof(want), "task %d", BROKEN_TASK);
    assert_non_null(strstr(msg, want));
    assert_non_null(strstr(msg, pcb_strerror(PCB_ETASK)));
    assert_null(strstr(msg, "result mismatch"));
}

static void test_worker_death_fails_as_broken_pool(void **state)
{
    const char *msg = error_of(find_run(worker_death.name));

    (void)state;
    assert_non_null(strstr(msg, "pool broke"));
    assert_non_null(strstr(msg, worker_death.name));
    assert_non_null(strstr(msg, pcb_strerror(PCB_EWORKER)));
}

/* Each broken case counts as one failed run, and no honest one does. */
static void test_failed_run_count_is_the_number_of_broken_cases(void **state)
{
    (void)state;
    assert_true(WIFEXITED(child_status));
    assert_int_equal(WEXITSTATUS(child_status), NBROKEN);
}

static void test_every_registered_runner_passes_with_all_counters(void **state)
{
    size_t nr;
    const struct pcb_runner *const *rs = pcb_runners(&nr);

    (void)state;
    for (size_t i = 0; i < nr; i++) {
        const cJSON *run = find_run(rs[i]->name);
        const cJSON *occurred = cJSON_GetObjectItemCaseSensitive(run, "error_occurred");
        assert_false(cJSON_IsTrue(occurred));
        assert_true(number(run, "iterations") >= 1);
        assert_true(number(run, "items_per_second") > 0);
        assert_true(number(run, "bytes_per_second") > 0); /* CPU.hash has task_bytes */
        assert_true(number(run, "peak_rss_bytes") > 0);
        assert_true(number(run, "pss_bytes") >= 0);
        assert_true(number(run, "cores_used") > 0);
        /* CPU.hash's task is busy for the whole of it: it costs CPU time. */
        assert_true(number(run, "cpu_ns_per_task") > 0);
        assert_true(number(run, "vol_cs_per_task") >= 0);
        assert_true(number(run, "invol_cs_per_task") >= 0);
        assert_true(number(run, "failed_tasks") == 0);
        double k = (rs[i]->flags & PCB_RUNNER_WORKERS) && rs[i]->max_workers >= 2 ? 2 : 1;
        /* workers: K times the threads a default variant gives each (Hybrid's P x T); on CPU
         * work the tasks in flight are as many; an event loop's K run on one thread. */
        double workers = k;
        for (size_t v = 0; v < rs[i]->nvariants; v++)
            if (rs[i]->variants[v].flags & PCB_VARIANT_MULTIPLIES)
                workers *= strtod(rs[i]->variants[v].values[0], NULL);
        assert_true(number(run, "workers") == workers);
        assert_true(number(run, "concurrency") == workers);
        assert_true(number(run, "threads_used") ==
                    ((rs[i]->flags & PCB_RUNNER_IN_FLIGHT) ? 1 : workers));
        assert_true(number(run, "processes_used") ==
                    ((rs[i]->flags & PCB_RUNNER_PROCESSES) ? k : 1));
        const cJSON *work = cJSON_GetObjectItemCaseSensitive(run, "pcb_work");
        assert_true(cJSON_IsString(work));
        assert_string_equal(work->valuestring, "cpu");
        assert_true(number(run, "tasks") == TASKS);
    }
}

/* Every case's JSON entry carries its sequential reference digest as "pcb_digest": the merged
 * digest of tasks 0..N-1 of its input, as text (64 bits do not fit a double), the same for
 * every strategy and written also when the strategy failed its check. */
static void test_every_case_records_its_reference_digest(void **state)
{
    const struct pcb_workload *wl = pcb_workload_find("CPU.hash");
    static const uint64_t values[PCB_WL_MAX_PARAMS] = {4};
    struct pcb_input *in = NULL;
    uint64_t ref = 0;
    char want[24];
    size_t n = 0;
    const cJSON *run;

    (void)state;
    assert_int_equal(wl->prepare(values, 42, &in), 0);
    assert_int_equal(pcb_workload_reference(wl, in, TASKS, &ref), 0);
    wl->release(in);
    snprintf(want, sizeof(want), "0x%016llx", (unsigned long long)ref);
    cJSON_ArrayForEach(run, cJSON_GetObjectItemCaseSensitive(doc, "benchmarks"))
    {
        const cJSON *d = cJSON_GetObjectItemCaseSensitive(run, "pcb_digest");
        assert_true(cJSON_IsString(d));
        assert_string_equal(d->valuestring, want);
        n++;
    }
    assert_true(n >= NBROKEN + 1);
    assert_non_null(cJSON_GetObjectItemCaseSensitive(find_run(liar.name), "pcb_digest"));
}

/* The case name spells the axes: runner, workload, workers (under the runner's own name for
 * them) and the runner's variants at their defaults, tasks, chunk (only for chunked runners),
 * then the parameters; the library adds /manual_time, since the fixture times each batch
 * itself. */
static void test_case_names_spell_every_axis(void **state)
{
    size_t nr;
    const struct pcb_runner *const *rs = pcb_runners(&nr);

    (void)state;
    for (size_t i = 0; i < nr; i++) {
        const struct pcb_runner *r = rs[i];
        const cJSON *name = cJSON_GetObjectItemCaseSensitive(find_run(r->name), "name");
        char want[512];
        unsigned k = (r->flags & PCB_RUNNER_WORKERS) && r->max_workers >= 2 ? 2 : 1;
        int len = snprintf(want, sizeof(want), "%s/CPU.hash/%s:%u", r->name,
                           r->workers_name ? r->workers_name : "workers", k);
        for (size_t v = 0; v < r->nvariants; v++)
            len += snprintf(want + len, sizeof(want) - (size_t)len, "/%s:%s", r->variants[v].name,
                            r->variants[v].values[0]);
        snprintf(want + len, sizeof(want) - (size_t)len, "/tasks:%d%s/kib:4/manual_time", TASKS,
                 (r->flags & PCB_RUNNER_CHUNK) ? "/chunk:2" : "");
        assert_string_equal(name->valuestring, want);
    }
    assert_string_equal(cJSON_GetObjectItemCaseSensitive(find_run(liar.name), "name")->valuestring,
                        "BrokenLiar/CPU.hash/workers:1/tasks:8/kib:4/manual_time");
}

int main(int argc, char **argv)
{
    if (argc == 3 && strcmp(argv[1], "--run-cases") == 0)
        return run_cases(argv[0], argv[2]);

    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_skipping_runner_fails_with_result_mismatch),
        cmocka_unit_test(test_lying_runner_fails_with_result_mismatch),
        cmocka_unit_test(test_every_case_records_its_reference_digest),
        cmocka_unit_test(test_task_error_fails_naming_the_task_and_its_error),
        cmocka_unit_test(test_worker_death_fails_as_broken_pool),
        cmocka_unit_test(test_failed_run_count_is_the_number_of_broken_cases),
        cmocka_unit_test(test_every_registered_runner_passes_with_all_counters),
        cmocka_unit_test(test_case_names_spell_every_axis),
    };

    return pcb_test_main(argc, argv, "fixture", tests, sizeof(tests) / sizeof(tests[0]), 10, load);
}
