/*
 * test_shim.c - pins down the C API over Google Benchmark (benches/gbench.h).
 *
 * A few cases are registered through the shim and run once, in a re-executed copy of this
 * program, with JSON output; the test cases then check the JSON. Everything checked is
 * deterministic: the counted case uses manual time (1 ms per iteration) and a fixed 10
 * iterations, so every rate is a known quotient. It pins down: each counter flag (default, rate,
 * iteration invariant, average over iterations, average over threads, invert, rate+invert,
 * kibi), SetItemsProcessed and SetBytesProcessed as rates over the manual time, the label, a
 * custom context entry, the time unit, that pcb_gb_batch() and pcb_gb_keep_running() run the
 * body exactly the fixed number of iterations (and pcb_gb_batch() exactly the number the library
 * chose, when none is fixed), that pcb_gb_skip_with_error() reaches the output and the
 * failed-run count, that the JSON file stays JSON when a counter's coefficient of variation
 * is 0/0 (a counter that is 0 in every repetition), and that a label, an error message and a
 * counter name holding control characters reach it with each shown as '?', never raw.
 */
#define _GNU_SOURCE
#include "harness.h"

#include <math.h>
#include <stdlib.h>

#include "child_json.h"
#include "gbench.h"

#define ITERS 10
#define ITER_SECONDS 0.001
#define ITEMS 500
#define BYTES 2048
#define BATCH_ITERS 1000
#define KEEP_RUNNING_ITERS 37
#define LABEL "shim-label"
#define CONTEXT_KEY "shim_test_key"
#define CONTEXT_VALUE "shim-test-value"
#define SKIP_MESSAGE "skipped on purpose"
/* Text with control characters (ESC, SOH, a line break), as a workload or message may hold, and
 * what the output must show of it. */
#define CTL_LABEL "label \x1b[31mred\x1b[0m\x01"
#define CTL_LABEL_SHOWN "label ?[31mred?[0m?"
#define CTL_COUNTER "count\002er" /* octal: "\x02e" would be one character */
#define CTL_COUNTER_SHOWN "count?er"
#define CTL_MESSAGE "failed:\nline two\x1b"
#define CTL_MESSAGE_SHOWN "failed:?line two?"

/* ---- The cases, run in the child. ---- */

static void counted(pcb_gb_state *st, void *arg)
{
    (void)arg;
    while (pcb_gb_keep_running(st))
        pcb_gb_set_iteration_time(st, ITER_SECONDS);
    pcb_gb_set_items_processed(st, ITEMS);
    pcb_gb_set_bytes_processed(st, BYTES);
    pcb_gb_set_label(st, LABEL);
    pcb_gb_counter(st, "c_default", 7, PCB_GB_COUNTER_DEFAULT);
    pcb_gb_counter(st, "c_rate", 3, PCB_GB_COUNTER_RATE);
    pcb_gb_counter(st, "c_invariant", 2, PCB_GB_COUNTER_ITERATION_INVARIANT);
    pcb_gb_counter(st, "c_avg_iterations", 50, PCB_GB_COUNTER_AVG_ITERATIONS);
    pcb_gb_counter(st, "c_avg_threads", 6, PCB_GB_COUNTER_AVG_THREADS);
    pcb_gb_counter(st, "c_invert", 4, PCB_GB_COUNTER_INVERT);
    pcb_gb_counter(st, "c_rate_invert", 2, PCB_GB_COUNTER_RATE | PCB_GB_COUNTER_INVERT);
    pcb_gb_counter(st, "c_kibi", 1536, PCB_GB_COUNTER_KIBI);
    pcb_gb_counter(st, "c_iterations_seen", (double)pcb_gb_state_iterations(st),
                   PCB_GB_COUNTER_DEFAULT);
}

static void batched(pcb_gb_state *st, void *arg)
{
    uint64_t runs = 0, calls = 0;

    (void)arg;
    for (uint64_t n; (n = pcb_gb_batch(st)) != 0;) {
        calls++;
        for (uint64_t i = 0; i < n; i++) {
            runs++;
            pcb_gb_clobber();
        }
    }
    pcb_gb_counter(st, "body_runs", (double)runs, PCB_GB_COUNTER_DEFAULT);
    pcb_gb_counter(st, "batch_calls", (double)calls, PCB_GB_COUNTER_DEFAULT);
}

static void one_at_a_time(pcb_gb_state *st, void *arg)
{
    uint64_t runs = 0;

    (void)arg;
    while (pcb_gb_keep_running(st))
        runs++;
    pcb_gb_counter(st, "body_runs", (double)runs, PCB_GB_COUNTER_DEFAULT);
}

static void failing(pcb_gb_state *st, void *arg)
{
    (void)arg;
    while (pcb_gb_keep_running(st)) {
        pcb_gb_skip_with_error(st, SKIP_MESSAGE);
        break;
    }
    pcb_gb_counter(st, "error_seen", pcb_gb_error_occurred(st) ? 1 : 0, PCB_GB_COUNTER_DEFAULT);
}

static void zero_counter(pcb_gb_state *st, void *arg)
{
    (void)arg;
    while (pcb_gb_keep_running(st))
        pcb_gb_clobber();
    pcb_gb_counter(st, "always_zero", 0, PCB_GB_COUNTER_DEFAULT);
    pcb_gb_counter(st, "always_one", 1, PCB_GB_COUNTER_DEFAULT);
}

static void control_text(pcb_gb_state *st, void *arg)
{
    (void)arg;
    while (pcb_gb_keep_running(st))
        pcb_gb_clobber();
    pcb_gb_set_label(st, CTL_LABEL);
    pcb_gb_counter(st, CTL_COUNTER, 1, PCB_GB_COUNTER_DEFAULT);
}

static void control_error(pcb_gb_state *st, void *arg)
{
    (void)arg;
    while (pcb_gb_keep_running(st)) {
        pcb_gb_skip_with_error(st, CTL_MESSAGE);
        break;
    }
}

/* Mode --run-cases: the cases above. Mode --run-zero-counter: one case with repetitions whose
 * counter is 0 in every repetition (its coefficient of variation is 0/0). */
static int run_cases(const char *argv0, const char *mode, const char *out_path)
{
    char out_arg[PATH_MAX + 32];
    char *args[] = {(char *)argv0, out_arg, "--benchmark_out_format=json", NULL, NULL};
    int nargs = 3;

    snprintf(out_arg, sizeof(out_arg), "--benchmark_out=%s", out_path);
    if (strcmp(mode, "--run-filtered") == 0) /* anchored at both ends, on names without tuning */
        args[nargs++] = "--benchmark_filter=^Shim/tuned(_too)?(/manual_time)?$";
    pcb_gb_init(&nargs, args);
    if (pcb_gb_report_unrecognized(nargs, args))
        return 101;
    pcb_gb_add_context(CONTEXT_KEY, CONTEXT_VALUE);
    if (strcmp(mode, "--run-zero-counter") == 0) {
        pcb_gb_repetitions(
            pcb_gb_iterations(pcb_gb_register("Shim/zero_counter", zero_counter, NULL), 100), 3);
        goto run;
    }
    if (strcmp(mode, "--run-control") == 0) {
        pcb_gb_iterations(pcb_gb_register("Shim/control_text", control_text, NULL), 3);
        pcb_gb_iterations(pcb_gb_register("Shim/control_error", control_error, NULL), 3);
        goto run;
    }
    if (strcmp(mode, "--run-filtered") == 0) {
        pcb_gb_min_warmup_time(pcb_gb_min_time(pcb_gb_register("Shim/tuned", batched, NULL), 0.01),
                               0.001);
        pcb_gb_repetitions(
            pcb_gb_iterations(
                pcb_gb_use_manual_time(pcb_gb_register("Shim/tuned_too", counted, NULL)), ITERS),
            2);
        pcb_gb_iterations(pcb_gb_register("Shim/tuned_not", batched, NULL), 1);
        goto run;
    }
    pcb_gb_unit(pcb_gb_iterations(
                    pcb_gb_use_manual_time(pcb_gb_register("Shim/counted", counted, NULL)), ITERS),
                PCB_GB_MS);
    pcb_gb_iterations(pcb_gb_register("Shim/batched", batched, NULL), BATCH_ITERS);
    pcb_gb_min_time(pcb_gb_register("Shim/batched_by_min_time", batched, NULL), 0.01);
    pcb_gb_iterations(pcb_gb_register("Shim/one_at_a_time", one_at_a_time, NULL),
                      KEEP_RUNNING_ITERS);
    pcb_gb_iterations(pcb_gb_register("Shim/failing", failing, NULL), 5);
run:;
    struct pcb_gb_run_options ro = {
        .format = "console", .out_path = out_path, .out_format = "json"};
    if (pcb_gb_run(&ro) < 0)
        return 103;
    pcb_gb_shutdown();
    return (int)pcb_gb_failed_runs();
}

/* ---- The checks, in the parent's children. ---- */

static cJSON *doc;
static int child_status;

static int load(void)
{
    doc = pcb_test_run_child_json("--run-cases", 20, &child_status);
    return doc ? 0 : -1;
}

static const cJSON *run_named(const char *name)
{
    const cJSON *run = pcb_test_find_run(doc, name, 0);

    if (!run)
        print_error("not exactly one run named %s\n", name);
    assert_non_null(run);
    return run;
}

static double number(const cJSON *run, const char *key)
{
    const cJSON *v = cJSON_GetObjectItemCaseSensitive(run, key);

    if (!cJSON_IsNumber(v))
        print_error("%s missing or not a number\n", key);
    assert_true(cJSON_IsNumber(v));
    return v->valuedouble;
}

/* Equal up to the rounding of summing 0.001 ten times. */
static void assert_close(const cJSON *run, const char *key, double want)
{
    double got = number(run, key);

    if (!(fabs(got - want) <= 1e-9 * fabs(want)))
        print_error("%s: got %.17g, want %.17g\n", key, got, want);
    assert_true(fabs(got - want) <= 1e-9 * fabs(want));
}

#define COUNTED "Shim/counted/manual_time"

static void test_manual_time_sets_time_per_iteration_in_the_chosen_unit(void **state)
{
    const cJSON *run = run_named(COUNTED);

    (void)state;
    assert_true(number(run, "iterations") == ITERS);
    assert_close(run, "real_time", ITER_SECONDS * 1e3);
    assert_string_equal(cJSON_GetObjectItemCaseSensitive(run, "time_unit")->valuestring, "ms");
}

static void test_items_and_bytes_are_rates_over_manual_time(void **state)
{
    const cJSON *run = run_named(COUNTED);

    (void)state;
    assert_close(run, "items_per_second", ITEMS / (ITERS * ITER_SECONDS));
    assert_close(run, "bytes_per_second", BYTES / (ITERS * ITER_SECONDS));
}

static void test_counter_flags_transform_values_as_documented(void **state)
{
    const cJSON *run = run_named(COUNTED);

    (void)state;
    assert_close(run, "c_default", 7);
    assert_close(run, "c_rate", 3 / (ITERS * ITER_SECONDS));
    assert_close(run, "c_invariant", 2.0 * ITERS);
    assert_close(run, "c_avg_iterations", 50.0 / ITERS);
    assert_close(run, "c_avg_threads", 6); /* one thread */
    assert_close(run, "c_invert", 1.0 / 4);
    assert_close(run, "c_rate_invert", (ITERS * ITER_SECONDS) / 2);
    assert_close(run, "c_kibi", 1536); /* kibi changes only how it is printed */
    assert_close(run, "c_iterations_seen", ITERS);
}

static void test_label_reaches_the_output(void **state)
{
    const cJSON *label = cJSON_GetObjectItemCaseSensitive(run_named(COUNTED), "label");

    (void)state;
    assert_true(cJSON_IsString(label));
    assert_string_equal(label->valuestring, LABEL);
}

static void test_added_context_reaches_the_output(void **state)
{
    const cJSON *ctx = cJSON_GetObjectItemCaseSensitive(doc, "context");
    const cJSON *v = cJSON_GetObjectItemCaseSensitive(ctx, CONTEXT_KEY);

    (void)state;
    assert_true(cJSON_IsString(v));
    assert_string_equal(v->valuestring, CONTEXT_VALUE);
}

static void test_batch_runs_the_body_exactly_the_fixed_iterations(void **state)
{
    const cJSON *run = run_named("Shim/batched");

    (void)state;
    assert_true(number(run, "iterations") == BATCH_ITERS);
    assert_true(number(run, "body_runs") == BATCH_ITERS);
    assert_true(number(run, "batch_calls") >= 1);
}

/* Without fixed iterations the library picks the count; the body still runs exactly that
 * many times (the last run it reports, after growing the count from a probe run). */
static void test_batch_runs_the_body_exactly_the_iterations_the_library_chose(void **state)
{
    const cJSON *run = run_named("Shim/batched_by_min_time");

    (void)state;
    assert_true(number(run, "iterations") >= 1);
    assert_true(number(run, "body_runs") == number(run, "iterations"));
}

static void test_keep_running_runs_the_body_exactly_the_fixed_iterations(void **state)
{
    const cJSON *run = run_named("Shim/one_at_a_time");

    (void)state;
    assert_true(number(run, "iterations") == KEEP_RUNNING_ITERS);
    assert_true(number(run, "body_runs") == KEEP_RUNNING_ITERS);
}

static void test_skip_with_error_reaches_output_and_failed_count(void **state)
{
    const cJSON *run = run_named("Shim/failing");
    const cJSON *msg = cJSON_GetObjectItemCaseSensitive(run, "error_message");

    (void)state;
    assert_true(cJSON_IsTrue(cJSON_GetObjectItemCaseSensitive(run, "error_occurred")));
    assert_true(cJSON_IsString(msg));
    assert_string_equal(msg->valuestring, SKIP_MESSAGE);
    assert_true(WIFEXITED(child_status));
    assert_int_equal(WEXITSTATUS(child_status), 1);
    /* The successful cases carry no error. */
    assert_false(
        cJSON_IsTrue(cJSON_GetObjectItemCaseSensitive(run_named(COUNTED), "error_occurred")));
}

/* A counter that is 0 in every repetition has a 0/0 coefficient of variation; the result file
 * must stay JSON (a bare NaN is not JSON) and say 0: there is no variation. */
static void test_json_stays_valid_when_a_counter_is_zero_in_every_repetition(void **state)
{
    int status;
    cJSON *zdoc = pcb_test_run_child_json("--run-zero-counter", 20, &status);
    const cJSON *cv;

    (void)state;
    assert_true(WIFEXITED(status));
    assert_int_equal(WEXITSTATUS(status), 0);
    assert_non_null(zdoc); /* NULL: the file is not JSON */
    cv = pcb_test_find_run(zdoc, "Shim/zero_counter_cv", 0);
    assert_non_null(cv);
    assert_true(cJSON_IsNumber(cJSON_GetObjectItemCaseSensitive(cv, "always_zero")));
    assert_true(cJSON_GetObjectItemCaseSensitive(cv, "always_zero")->valuedouble == 0);
    assert_true(cJSON_GetObjectItemCaseSensitive(cv, "always_one")->valuedouble == 0);
    cJSON_Delete(zdoc);
}

/* The library escapes only quotes, backslashes and \b \f \n \r \t in its JSON: any other control
 * character of a label, an error message or a counter name would reach the file raw, which JSON
 * forbids (compare, Python's json and jq refuse the file). Each must show as '?', and the file
 * hold no control character but its own line breaks. */
static void test_control_characters_reach_the_json_as_question_marks(void **state)
{
    int status;
    char *text = pcb_test_run_child_text("--run-control", 20, &status);
    cJSON *cdoc;
    const cJSON *run, *v;

    (void)state;
    assert_true(WIFEXITED(status));
    assert_int_equal(WEXITSTATUS(status), 1); /* one failed run */
    assert_non_null(text);
    for (const char *p = text; *p; p++)
        if ((unsigned char)*p < 0x20 && *p != '\n') {
            print_error("a raw control character 0x%02x at offset %zu\n", (unsigned char)*p,
                        (size_t)(p - text));
            fail();
        }
    cdoc = cJSON_Parse(text);
    free(text);
    assert_non_null(cdoc);
    run = pcb_test_find_run(cdoc, "Shim/control_text", 0);
    assert_non_null(run);
    v = cJSON_GetObjectItemCaseSensitive(run, "label");
    assert_true(cJSON_IsString(v));
    assert_string_equal(v->valuestring, CTL_LABEL_SHOWN);
    v = cJSON_GetObjectItemCaseSensitive(run, CTL_COUNTER_SHOWN);
    assert_true(cJSON_IsNumber(v));
    assert_true(v->valuedouble == 1);
    run = pcb_test_find_run(cdoc, "Shim/control_error", 0);
    assert_non_null(run);
    v = cJSON_GetObjectItemCaseSensitive(run, "error_message");
    assert_true(cJSON_IsString(v));
    assert_string_equal(v->valuestring, CTL_MESSAGE_SHOWN);
    cJSON_Delete(cdoc);
}

/* Minimum time, warm-up, a fixed iteration count and repetitions are settings, not names: no
 * report carries them, and --benchmark_filter sees the name without them. */
static void test_names_carry_no_tuning_and_the_filter_sees_them_so(void **state)
{
    int status;
    cJSON *fdoc = pcb_test_run_child_json("--run-filtered", 20, &status);
    const cJSON *b, *run;
    size_t tuned = 0, tuned_too = 0;

    (void)state;
    assert_true(WIFEXITED(status));
    assert_int_equal(WEXITSTATUS(status), 0);
    assert_non_null(fdoc);
    cJSON_ArrayForEach(run, cJSON_GetObjectItemCaseSensitive(fdoc, "benchmarks"))
    {
        const char *name = cJSON_GetObjectItemCaseSensitive(run, "name")->valuestring;
        const char *run_name = cJSON_GetObjectItemCaseSensitive(run, "run_name")->valuestring;
        assert_null(strstr(name, "min_time"));
        assert_null(strstr(name, "iterations:"));
        assert_null(strstr(name, "repeats:"));
        assert_string_not_equal(run_name, "Shim/tuned_not");
        tuned += strcmp(run_name, "Shim/tuned") == 0;
        tuned_too += strcmp(run_name, "Shim/tuned_too/manual_time") == 0;
    }
    assert_int_equal(tuned, 1);
    assert_true(tuned_too >= 2); /* two repetitions, and their aggregates */
    b = pcb_test_find_run(fdoc, "Shim/tuned_too/manual_time_mean", 0);
    assert_non_null(b);
    cJSON_Delete(fdoc);
}

int main(int argc, char **argv)
{
    if (argc == 3 && strncmp(argv[1], "--run-", 6) == 0)
        return run_cases(argv[0], argv[1], argv[2]);

    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_manual_time_sets_time_per_iteration_in_the_chosen_unit),
        cmocka_unit_test(test_items_and_bytes_are_rates_over_manual_time),
        cmocka_unit_test(test_counter_flags_transform_values_as_documented),
        cmocka_unit_test(test_label_reaches_the_output),
        cmocka_unit_test(test_added_context_reaches_the_output),
        cmocka_unit_test(test_batch_runs_the_body_exactly_the_fixed_iterations),
        cmocka_unit_test(test_batch_runs_the_body_exactly_the_iterations_the_library_chose),
        cmocka_unit_test(test_keep_running_runs_the_body_exactly_the_fixed_iterations),
        cmocka_unit_test(test_skip_with_error_reaches_output_and_failed_count),
        cmocka_unit_test(test_json_stays_valid_when_a_counter_is_zero_in_every_repetition),
        cmocka_unit_test(test_names_carry_no_tuning_and_the_filter_sees_them_so),
        cmocka_unit_test(test_control_characters_reach_the_json_as_question_marks),
    };

    return pcb_test_main(argc, argv, "shim", tests, sizeof(tests) / sizeof(tests[0]), 10, load);
}
