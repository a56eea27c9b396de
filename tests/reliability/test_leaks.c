/*
 * test_leaks.c - pins down the per-run leak check (benches/leaks.h).
 *
 * Each kind of leak is made on purpose between two snapshots and must be reported by kind,
 * count and identity: a pipe end (the descriptor and where it points), a running thread (its
 * id), a child process (running, then as a zombie), a shared-memory object named like
 * pcbench's (/dev/shm/pcb-<kind>-<pid>-...). Once the thing is cleaned up, the same check
 * passes; a thread that is joined passes at once (the check waits for exiting threads); a name
 * of another process's pid is not ours; a kind left out of the scope is not counted. Then,
 * through Google Benchmark (a re-executed copy of this program, JSON output, the check
 * installed as pcbench installs it): a case that leaks a descriptor after its measured loop is
 * reported as an errored run whose message says "leaked 1 file descriptor", a clean case is
 * not, a case that failed on its own keeps its own message, a case that leaked only in the
 * library's warm-up run (never reported) still has its reported run fail, and the failed-run
 * count includes every leaking run.
 */
#define _GNU_SOURCE
#include "harness.h"

#include <fcntl.h>
#include <pthread.h>
#include <stdlib.h>
#include <sys/mman.h>

#include "child_json.h"
#include "gbench.h"
#include "leaks.h"

static struct pcb_leaks_snapshot before, after;
static char msg[1024];
static const struct pcb_leaks_scope all = {.fds = true, .threads = true};

/* Checks against `before`; returns whether a leak was reported (msg holds it). */
static int check(struct pcb_leaks_scope scope)
{
    msg[0] = '\0';
    return pcb_leaks_check(&before, scope, &after, msg, sizeof(msg));
}

static void assert_contains(const char *hay, const char *needle)
{
    if (!strstr(hay, needle))
        print_error("\"%s\" does not contain \"%s\"\n", hay, needle);
    assert_non_null(strstr(hay, needle));
}

static void test_nothing_new_is_no_leak(void **state)
{
    (void)state;
    assert_int_equal(pcb_leaks_snapshot(&before), 0);
    assert_int_equal(check(all), 0);
    assert_string_equal(msg, "");
}

static void test_an_open_pipe_end_is_named_by_descriptor_and_target(void **state)
{
    int fds[2];
    char want[160], target[64];

    (void)state;
    assert_int_equal(pcb_leaks_snapshot(&before), 0);
    assert_int_equal(pipe(fds), 0);
    close(fds[1]);
    snprintf(want, sizeof(want), "/proc/self/fd/%d", fds[0]);
    ssize_t n = readlink(want, target, sizeof(target) - 1);
    assert_true(n > 0);
    target[n] = '\0';
    snprintf(want, sizeof(want), "leaked 1 file descriptor (%d -> %s)", fds[0], target);
    assert_int_equal(check(all), 1);
    assert_string_equal(msg, want);
    assert_non_null(strstr(msg, "pipe:["));
    assert_int_equal(after.nfds, before.nfds + 1);

    close(fds[0]);
    assert_int_equal(check(all), 0);
}

static void test_a_kind_outside_the_scope_is_not_counted(void **state)
{
    int fds[2];

    (void)state;
    assert_int_equal(pcb_leaks_snapshot(&before), 0);
    assert_int_equal(pipe(fds), 0);
    assert_int_equal(check((struct pcb_leaks_scope){.fds = false, .threads = true}), 0);
    assert_int_equal(check(all), 1);
    assert_contains(msg, "leaked 2 file descriptors (");
    close(fds[0]);
    close(fds[1]);
}

static void *wait_for_eof(void *arg)
{
    char c;

    while (read(*(int *)arg, &c, 1) > 0)
        ;
    return NULL;
}

static void test_a_running_thread_is_reported_and_a_joined_one_is_not(void **state)
{
    int fds[2];
    pthread_t t;
    char want[64];

    (void)state;
    assert_int_equal(pipe(fds), 0);
    assert_int_equal(pcb_leaks_snapshot(&before), 0);
    assert_int_equal(pthread_create(&t, NULL, wait_for_eof, &fds[0]), 0);
    /* The thread's id: the one entry the second snapshot has that the first has not. */
    assert_int_equal(pcb_leaks_snapshot(&after), 0);
    pid_t tid = 0;
    for (size_t i = 0; i < after.nthreads; i++) {
        bool old = false;
        for (size_t j = 0; j < before.nthreads; j++)
            old |= after.threads[i] == before.threads[j];
        if (!old)
            tid = after.threads[i];
    }
    assert_true(tid > 0);
    snprintf(want, sizeof(want), "leaked 1 thread (%d ", (int)tid);
    assert_int_equal(check(all), 1);
    assert_contains(msg, want);
    /* The other kinds are not blamed. */
    assert_null(strstr(msg, "descriptor"));
    assert_null(strstr(msg, "child"));

    close(fds[1]);
    assert_int_equal(pthread_join(t, NULL), 0);
    assert_int_equal(check(all), 0);
    close(fds[0]);
}

static void test_a_child_is_reported_running_and_as_a_zombie_until_reaped(void **state)
{
    char want[80];

    (void)state;
    assert_int_equal(pcb_leaks_snapshot(&before), 0);
    pid_t pid = fork();
    assert_true(pid >= 0);
    if (pid == 0) {
        pause();
        _exit(0);
    }
    snprintf(want, sizeof(want), "leaked 1 child process (%d ", (int)pid);
    assert_int_equal(check(all), 1);
    assert_contains(msg, want);
    assert_null(strstr(msg, "zombie"));

    /* Dead but not reaped: still a child, now a zombie. */
    assert_int_equal(kill(pid, SIGKILL), 0);
    siginfo_t si;
    assert_int_equal(waitid(P_PID, (id_t)pid, &si, WEXITED | WNOWAIT), 0);
    assert_int_equal(check(all), 1);
    assert_contains(msg, want);
    assert_contains(msg, "(zombie)");

    assert_int_equal(waitpid(pid, NULL, 0), pid);
    assert_int_equal(check(all), 0);
}

static void test_a_shared_memory_name_of_ours_is_reported_until_unlinked(void **state)
{
    char ours[64], theirs[64], want[160];

    (void)state;
    /* Named as pcbench names its objects; `theirs` carries another pid and must be ignored. */
    snprintf(ours, sizeof(ours), "/pcb-leaktest-%ld-0", (long)getpid());
    snprintf(theirs, sizeof(theirs), "/pcb-leaktest-%ld0-0", (long)getpid());
    assert_int_equal(pcb_leaks_snapshot(&before), 0);
    int fd = shm_open(ours, O_CREAT | O_EXCL | O_RDWR | O_CLOEXEC, 0600);
    assert_true(fd >= 0);
    close(fd);
    fd = shm_open(theirs, O_CREAT | O_EXCL | O_RDWR | O_CLOEXEC, 0600);
    assert_true(fd >= 0);
    close(fd);

    snprintf(want, sizeof(want), "leaked 1 shared-memory object or message queue (/dev/shm%s)",
             ours);
    int leaked = check(all);
    shm_unlink(theirs);
    assert_int_equal(leaked, 1);
    assert_string_equal(msg, want);

    assert_int_equal(shm_unlink(ours), 0);
    assert_int_equal(check(all), 0);
}

static void test_every_kind_is_named_in_one_message(void **state)
{
    int fds[2];
    char name[64];

    (void)state;
    snprintf(name, sizeof(name), "/pcb-leaktest-%ld-1", (long)getpid());
    assert_int_equal(pcb_leaks_snapshot(&before), 0);
    assert_int_equal(pipe(fds), 0);
    pid_t pid = fork();
    assert_true(pid >= 0);
    if (pid == 0) {
        pause();
        _exit(0);
    }
    int fd = shm_open(name, O_CREAT | O_EXCL | O_RDWR | O_CLOEXEC, 0600);
    assert_true(fd >= 0);
    close(fd);
    int leaked = check(all);
    shm_unlink(name);
    kill(pid, SIGKILL);
    waitpid(pid, NULL, 0);
    close(fds[0]);
    close(fds[1]);
    assert_int_equal(leaked, 1);
    assert_contains(msg, "leaked 2 file descriptors (");
    assert_contains(msg, "), 1 child process (");
    assert_contains(msg, "), 1 shared-memory object or message queue (");
    assert_int_equal(check(all), 0);
}

/* ---- Through Google Benchmark, in a re-executed copy of this program. ---- */

static int leaked_fd = -1;

static void leaks_a_descriptor(pcb_gb_state *st, void *arg)
{
    (void)arg;
    while (pcb_gb_keep_running(st))
        pcb_gb_set_iteration_time(st, 0.001);
    if (leaked_fd < 0)
        leaked_fd = open("/dev/null", O_RDONLY); /* kept open: the leak */
}

static void clean(pcb_gb_state *st, void *arg)
{
    (void)arg;
    while (pcb_gb_keep_running(st))
        pcb_gb_set_iteration_time(st, 0.001);
}

/* Leaks in its first run only: the library's warm-up run, whose result is never reported. */
static void leaks_in_warmup(pcb_gb_state *st, void *arg)
{
    static int fd = -1;

    (void)arg;
    while (pcb_gb_keep_running(st))
        pcb_gb_set_iteration_time(st, 0.001);
    if (fd < 0)
        fd = open("/dev/null", O_RDONLY);
}

static void fails_and_leaks(pcb_gb_state *st, void *arg)
{
    static int fd = -1;

    (void)arg;
    while (pcb_gb_keep_running(st)) {
        pcb_gb_skip_with_error(st, "failed on its own");
        break;
    }
    if (fd < 0)
        fd = open("/dev/null", O_RDONLY);
}

static int run_cases(const char *argv0, const char *out_path)
{
    char out_arg[PATH_MAX + 32];
    char *args[] = {(char *)argv0, out_arg, "--benchmark_out_format=json", NULL};
    int nargs = 3;

    snprintf(out_arg, sizeof(out_arg), "--benchmark_out=%s", out_path);
    pcb_gb_init(&nargs, args);
    if (pcb_gb_report_unrecognized(nargs, args))
        return 101;
    pcb_gb_iterations(pcb_gb_use_manual_time(pcb_gb_register("Leaks/clean_first", clean, NULL)), 3);
    pcb_gb_iterations(pcb_gb_use_manual_time(
                          pcb_gb_register("Leaks/leaks_a_descriptor", leaks_a_descriptor, NULL)),
                      3);
    pcb_gb_iterations(pcb_gb_use_manual_time(pcb_gb_register("Leaks/clean_after", clean, NULL)), 3);
    pcb_gb_iterations(pcb_gb_register("Leaks/fails_and_leaks", fails_and_leaks, NULL), 3);
    pcb_gb_min_warmup_time(pcb_gb_min_time(pcb_gb_use_manual_time(pcb_gb_register(
                                               "Leaks/leaks_in_warmup", leaks_in_warmup, NULL)),
                                           0.01),
                           0.01);
    pcb_leaks_install();
    struct pcb_gb_run_options ro = {
        .format = "console", .out_path = out_path, .out_format = "json"};
    if (pcb_gb_run(&ro) < 0)
        return 103;
    pcb_gb_shutdown();
    return (int)pcb_gb_failed_runs();
}

static cJSON *doc;
static int child_status;

static int load(void)
{
    doc = pcb_test_run_child_json("--run-cases", 30, &child_status);
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

static const char *error_message(const cJSON *run)
{
    if (!cJSON_IsTrue(cJSON_GetObjectItemCaseSensitive(run, "error_occurred")))
        return NULL;
    const cJSON *m = cJSON_GetObjectItemCaseSensitive(run, "error_message");
    assert_true(cJSON_IsString(m));
    return m->valuestring;
}

static void test_a_case_that_leaks_after_its_loop_is_an_errored_run(void **state)
{
    const char *m = error_message(run_named("Leaks/leaks_a_descriptor/manual_time"));

    (void)state;
    assert_non_null(m);
    assert_contains(m, "leaked 1 file descriptor (");
    assert_contains(m, " -> /dev/null)");
}

static void test_clean_cases_before_and_after_a_leak_pass(void **state)
{
    (void)state;
    assert_null(error_message(run_named("Leaks/clean_first/manual_time")));
    /* The leaked descriptor is still open, but it is not this case's. */
    assert_null(error_message(run_named("Leaks/clean_after/manual_time")));
}

static void test_a_failed_run_keeps_its_own_message(void **state)
{
    const char *m = error_message(run_named("Leaks/fails_and_leaks"));

    (void)state;
    assert_non_null(m);
    assert_string_equal(m, "failed on its own");
}

static void test_a_leak_in_the_warm_up_fails_the_reported_run(void **state)
{
    const char *m = error_message(run_named("Leaks/leaks_in_warmup/manual_time"));

    (void)state;
    assert_non_null(m);
    assert_contains(m, "leaked 1 file descriptor (");
    assert_contains(m, " (in an earlier run of this case)");
}

static void test_the_failed_run_count_includes_the_leaks(void **state)
{
    (void)state;
    assert_true(WIFEXITED(child_status));
    /* The leak, the case's own failure, and the warm-up case's two runs (warm-up, measured). */
    assert_int_equal(WEXITSTATUS(child_status), 4);
}

int main(int argc, char **argv)
{
    if (argc == 3 && strcmp(argv[1], "--run-cases") == 0)
        return run_cases(argv[0], argv[2]);

    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_nothing_new_is_no_leak),
        cmocka_unit_test(test_an_open_pipe_end_is_named_by_descriptor_and_target),
        cmocka_unit_test(test_a_kind_outside_the_scope_is_not_counted),
        cmocka_unit_test(test_a_running_thread_is_reported_and_a_joined_one_is_not),
        cmocka_unit_test(test_a_child_is_reported_running_and_as_a_zombie_until_reaped),
        cmocka_unit_test(test_a_shared_memory_name_of_ours_is_reported_until_unlinked),
        cmocka_unit_test(test_every_kind_is_named_in_one_message),
        cmocka_unit_test(test_a_case_that_leaks_after_its_loop_is_an_errored_run),
        cmocka_unit_test(test_clean_cases_before_and_after_a_leak_pass),
        cmocka_unit_test(test_a_failed_run_keeps_its_own_message),
        cmocka_unit_test(test_a_leak_in_the_warm_up_fails_the_reported_run),
        cmocka_unit_test(test_the_failed_run_count_includes_the_leaks),
    };

    return pcb_test_main(argc, argv, "leaks", tests, sizeof(tests) / sizeof(tests[0]), 30, load);
}
