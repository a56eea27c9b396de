/*
 * test_casename.c - the case-name grammar (benches/common/casename.h): what every part of a name
 * is, the key results are paired by, and that writing then reading a name gives it back.
 */
#include "harness.h"

#include "casename.h"

static void test_matrix_name_is_taken_apart_by_position(void **state)
{
    struct pcb_name n;

    (void)state;
    assert_int_equal(
        pcb_name_parse("Threaded/CPU.hash/workers:2/tasks:256/chunk:5/kib:64/manual_time", NULL,
                       &n),
        0);
    assert_int_equal(n.family, PCB_NAME_MATRIX);
    assert_string_equal(n.strategy, "Threaded");
    assert_string_equal(n.workload, "CPU.hash");
    assert_string_equal(n.workers.key, "workers");
    assert_int_equal(n.nworkers, 2);
    assert_int_equal(n.nvariants, 0);
    assert_int_equal(n.tasks, 256);
    assert_int_equal(n.chunk, 5);
    assert_int_equal(n.nparams, 1);
    assert_string_equal(n.params[0].key, "kib");
    assert_string_equal(n.params[0].value, "64");
    assert_null(n.pin);
    assert_string_equal(n.time_type, "manual_time");
    assert_string_equal(n.key, "Threaded/CPU.hash/workers:2/tasks:256/chunk:5/kib:64/manual_time");
}

static void test_parts_before_tasks_are_variants_after_are_parameters(void **state)
{
    struct pcb_name n;

    (void)state;
    assert_int_equal(pcb_name_parse("Hybrid/IO.sleep/procs:2/threads:4/wait:spin/tasks:512/"
                                    "chunk:1/latency_us:1000/pin:spread/manual_time",
                                    NULL, &n),
                     0);
    assert_int_equal(n.family, PCB_NAME_MATRIX);
    assert_string_equal(n.workers.key, "procs");
    assert_int_equal(n.nvariants, 2);
    assert_string_equal(n.variants[0].key, "threads");
    assert_string_equal(n.variants[1].value, "spin");
    assert_int_equal(n.nparams, 1);
    assert_string_equal(n.params[0].key, "latency_us");
    assert_string_equal(n.pin, "spread");
    assert_int_equal(pcb_name_total_workers(&n), 8);
    assert_string_equal(pcb_name_get(&n, "wait"), "spin");
    assert_string_equal(pcb_name_get(&n, "latency_us"), "1000");
    assert_null(pcb_name_get(&n, "kib"));
}

/* Hybrid's depth: part multiplies its P x T workers into the tasks in flight; a name without
 * one (CPU work, the pools, Async) has as many in flight as workers. */
static void test_depth_part_multiplies_workers_into_concurrency(void **state)
{
    struct pcb_name n;

    (void)state;
    assert_int_equal(pcb_name_parse("Hybrid/IO.sleep/procs:2/threads:4/depth:64/tasks:256/"
                                    "chunk:1/latency_us:1000/manual_time",
                                    NULL, &n),
                     0);
    assert_int_equal(pcb_name_total_workers(&n), 8);
    assert_int_equal(pcb_name_concurrency(&n), 512);
    assert_string_equal(pcb_name_get(&n, "depth"), "64");
    assert_int_equal(
        pcb_name_parse("Hybrid/CPU.hash/procs:2/threads:2/tasks:256/chunk:1/kib:64", NULL, &n), 0);
    assert_int_equal(pcb_name_concurrency(&n), 4);
    assert_int_equal(
        pcb_name_parse("Async/IO.sleep/workers:32/backend:epoll/tasks:256/latency_us:1000", NULL,
                       &n),
        0);
    assert_int_equal(pcb_name_concurrency(&n), 32);
}

static void test_named_parameter_values_are_parameters(void **state)
{
    struct pcb_name n;

    (void)state;
    assert_int_equal(pcb_name_parse("Sequential/Mem.alloc/workers:1/tasks:256/alloc:jemalloc/"
                                    "size:64/manual_time",
                                    NULL, &n),
                     0);
    assert_int_equal(n.family, PCB_NAME_MATRIX);
    assert_int_equal(n.chunk, 0);
    assert_int_equal(n.nparams, 2);
    assert_string_equal(n.params[0].key, "alloc");
    assert_string_equal(n.params[0].value, "jemalloc");
}

static void test_key_drops_tuning_and_aggregate_but_keeps_time_type(void **state)
{
    char key[PCB_NAME_MAX];

    (void)state;
    assert_int_equal(pcb_name_key("IPC/pipe/processes/pingpong/msg:64/min_time:0.100/"
                                  "min_warmup_time:0.020/manual_time_median",
                                  "median", key, sizeof(key)),
                     strlen("IPC/pipe/processes/pingpong/msg:64/manual_time"));
    assert_string_equal(key, "IPC/pipe/processes/pingpong/msg:64/manual_time");
    /* A name that merely ends like an aggregate keeps it when the entry is not one. */
    pcb_name_key("BM_x_mean", NULL, key, sizeof(key));
    assert_string_equal(key, "BM_x_mean");
    pcb_name_key("BM_x/iterations:10/repeats:3/real_time", "", key, sizeof(key));
    assert_string_equal(key, "BM_x/real_time");
    /* Empty parts are parts: "/a" and "a" are two names. */
    pcb_name_key("/a", NULL, key, sizeof(key));
    assert_string_equal(key, "/a");
    pcb_name_key("a//b", NULL, key, sizeof(key));
    assert_string_equal(key, "a//b");
}

static void test_key_reports_its_length_when_it_does_not_fit(void **state)
{
    char key[8];

    (void)state;
    assert_int_equal(pcb_name_key("Floor/futex_pingpong/threads", NULL, key, sizeof(key)), 28);
    assert_int_equal(strlen(key), 7);
}

static void test_old_and_new_family_names_give_the_same_key(void **state)
{
    struct pcb_name a, b;

    (void)state;
    assert_int_equal(pcb_name_parse("Floor/futex_pingpong/threads/min_time:0.100/"
                                    "min_warmup_time:0.020/manual_time",
                                    NULL, &a),
                     0);
    assert_int_equal(pcb_name_parse("Floor/futex_pingpong/threads/manual_time", NULL, &b), 0);
    assert_string_equal(a.key, b.key);
    assert_int_equal(a.family, PCB_NAME_FLOOR);
    assert_string_equal(a.time_type, "manual_time");
}

static void test_lifecycle_start_names_carry_strategy_and_workers(void **state)
{
    struct pcb_name n;

    (void)state;
    assert_int_equal(
        pcb_name_parse("Lifecycle/Hybrid/start/procs:32/threads:2/manual_time", NULL, &n), 0);
    assert_int_equal(n.family, PCB_NAME_LIFECYCLE);
    assert_string_equal(n.strategy, "Hybrid");
    assert_int_equal(n.nworkers, 32);
    assert_int_equal(pcb_name_total_workers(&n), 64);
    assert_int_equal(pcb_name_parse("Lifecycle/process/create/manual_time", NULL, &n), 0);
    assert_int_equal(n.family, PCB_NAME_LIFECYCLE);
    assert_null(n.strategy);
}

static void test_names_of_other_shapes_are_other(void **state)
{
    struct pcb_name n;

    (void)state;
    /* No tasks: part, a worker part that is not key:number, a pin: that is not last. */
    static const char *const others[] = {"BM_memcpy/64",
                                         "Threaded/CPU.hash/workers:2/kib:64",
                                         "Threaded/CPU.hash/workers:x/tasks:1",
                                         "Threaded/CPU.hash/workers:2/pin:none/tasks:1",
                                         "Threaded/CPU.hash/workers:2/tasks:1/chunk:0",
                                         "sleep 0.1"};
    for (size_t i = 0; i < sizeof(others) / sizeof(others[0]); i++) {
        assert_int_equal(pcb_name_parse(others[i], NULL, &n), 0);
        assert_int_equal(n.family, PCB_NAME_OTHER);
        assert_null(n.strategy);
        assert_int_equal(n.nparams, 0);
    }
}

static void test_bad_names_are_refused_without_overflow(void **state)
{
    struct pcb_name n;
    char longname[PCB_NAME_MAX + 10];

    (void)state;
    assert_int_equal(pcb_name_parse("", NULL, &n), -1);
    memset(longname, 'a', sizeof(longname) - 1);
    longname[sizeof(longname) - 1] = '\0';
    assert_int_equal(pcb_name_parse(longname, NULL, &n), -1);
    assert_string_equal(n.key, "");
    char many[200] = "";
    for (int i = 0; i < 40; i++)
        strcat(many, "a/");
    assert_int_equal(pcb_name_parse(many, NULL, &n), -1);
}

static void test_format_then_parse_gives_the_name_back(void **state)
{
    struct pcb_name in = {.family = PCB_NAME_MATRIX,
                          .strategy = "MasterWorker",
                          .workload = "IO.net",
                          .workers = {"workers", NULL},
                          .nworkers = 8,
                          .variants = {{"queue", "mq"}, {"wait", "park"}},
                          .nvariants = 2,
                          .tasks = 64,
                          .chunk = 1,
                          .params = {{"latency_us", "100"}, {"fault", "reset"}},
                          .nparams = 2,
                          .pin = "compact"};
    struct pcb_name out;
    char name[PCB_NAME_MAX];

    (void)state;
    assert_int_equal(pcb_name_format(&in, name, sizeof(name)),
                     (int)strlen("MasterWorker/IO.net/workers:8/queue:mq/wait:park/tasks:64/"
                                 "chunk:1/latency_us:100/fault:reset/pin:compact"));
    assert_string_equal(name, "MasterWorker/IO.net/workers:8/queue:mq/wait:park/tasks:64/chunk:1/"
                              "latency_us:100/fault:reset/pin:compact");
    assert_int_equal(pcb_name_parse(name, NULL, &out), 0);
    assert_int_equal(out.family, PCB_NAME_MATRIX);
    assert_int_equal(out.nvariants, 2);
    assert_int_equal(out.nparams, 2);
    assert_string_equal(out.params[1].value, "reset");
    assert_string_equal(out.pin, "compact");

    struct pcb_name life = {.family = PCB_NAME_LIFECYCLE,
                            .strategy = "Threaded",
                            .workers = {"workers", NULL},
                            .nworkers = 32};
    assert_true(pcb_name_format(&life, name, sizeof(name)) > 0);
    assert_string_equal(name, "Lifecycle/Threaded/start/workers:32");
}

static void test_format_refuses_what_would_not_parse_back(void **state)
{
    struct pcb_name n = {.family = PCB_NAME_MATRIX,
                         .strategy = "Threaded",
                         .workload = "CPU.hash",
                         .nworkers = 1,
                         .tasks = 1,
                         .params = {{"kib", "6/4"}},
                         .nparams = 1};
    char small[16], name[PCB_NAME_MAX];

    (void)state;
    assert_int_equal(pcb_name_format(&n, name, sizeof(name)), -1); /* a '/' in a value */
    n.params[0].value = "64";
    assert_int_equal(pcb_name_format(&n, small, sizeof(small)), -1); /* does not fit */
    assert_string_equal(small, "");
    n.family = PCB_NAME_FLOOR;
    assert_int_equal(pcb_name_format(&n, name, sizeof(name)), -1);
}

static void test_library_parts_are_recognised(void **state)
{
    (void)state;
    assert_true(pcb_name_is_library_part("min_time:0.100", 14));
    assert_true(pcb_name_is_library_part("manual_time", 11));
    assert_false(pcb_name_is_library_part("manual_time2", 12));
    assert_false(pcb_name_is_library_part("threads:4", 9));
    assert_false(pcb_name_is_library_part("tasks:4", 7));
}

int main(int argc, char **argv)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_matrix_name_is_taken_apart_by_position),
        cmocka_unit_test(test_parts_before_tasks_are_variants_after_are_parameters),
        cmocka_unit_test(test_depth_part_multiplies_workers_into_concurrency),
        cmocka_unit_test(test_named_parameter_values_are_parameters),
        cmocka_unit_test(test_key_drops_tuning_and_aggregate_but_keeps_time_type),
        cmocka_unit_test(test_key_reports_its_length_when_it_does_not_fit),
        cmocka_unit_test(test_old_and_new_family_names_give_the_same_key),
        cmocka_unit_test(test_lifecycle_start_names_carry_strategy_and_workers),
        cmocka_unit_test(test_names_of_other_shapes_are_other),
        cmocka_unit_test(test_bad_names_are_refused_without_overflow),
        cmocka_unit_test(test_format_then_parse_gives_the_name_back),
        cmocka_unit_test(test_format_refuses_what_would_not_parse_back),
        cmocka_unit_test(test_library_parts_are_recognised),
    };
    return pcb_test_main(argc, argv, "casename", tests, sizeof(tests) / sizeof(tests[0]), 10, NULL);
}
