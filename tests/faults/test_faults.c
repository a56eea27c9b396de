/*
 * test_faults.c - failure is a reported result, never a hang or a mess.
 *
 * Real strategies run Test.fault (fault.c, compiled into this test only) through the common
 * fixture and the watchdog, in a re-executed copy of this program with JSON output, started in
 * a process group of its own. The test cases then read the JSON and check:
 *  - a worker process that crashes (SIGSEGV, abort, exit(1)) or is killed fails its case with
 *    "pool broke", the signal or exit status, and the task; the next case (no fault) passes
 *    with a new pool: every process strategy and every one of its variants;
 *  - a task error fails the case with the workload's own message: every strategy;
 *  - a hang in a worker process: the watchdog (--pcb_case_timeout) fails the case as timed out
 *    and the next case passes;
 *  - a hang in a thread (which cannot be killed): the run stops with PCB_EXIT_STUCK, and the
 *    result file is valid JSON holding the cases before it and the stuck case, named exactly as
 *    the library names cases;
 * and after every child: no process of its group is left.
 */
#define _GNU_SOURCE
#include "harness.h"
#include "child_json.h"

#include <cjson/cJSON.h>
#include <errno.h>
#include <fcntl.h>
#include <limits.h>
#include <signal.h>
#include <stdlib.h>
#include <time.h>

#include "cases.h"
#include "fault.h"
#include "gbench.h"
#include "interrupt.h"
#include "options.h"
#include "runner.h"
#include "watchdog.h"

#define TASKS 8
#define FAULT_TASK 3
#define TIMEOUT_S 1 /* the watchdog's timeout in the hang children */

/* ---- Child: register cases and run them once. ---- */

/* Registers runner r on Test.fault with `mode` and the given variant. */
static int add(const struct pcb_runner *r, const unsigned *variant, enum pcb_fault_mode mode,
               const struct pcb_options *o)
{
    uint64_t values[2]; /* the case copies them */
    struct pcb_case_spec spec = {.runner = r,
                                 .workload = &pcb_wl_fault,
                                 .values = values,
                                 .workers = r->max_workers < 2 ? 1 : 2,
                                 .tasks = TASKS,
                                 .chunk = 1};

    values[0] = mode;
    values[1] = FAULT_TASK;
    memcpy(spec.variant, variant, sizeof(spec.variant));
    return pcb_case_register(&spec, o) ? 0 : -1;
}

/* Next combination of r's variants (odometer); false after the last. */
static bool next_variant(const struct pcb_runner *r, unsigned *v)
{
    for (size_t i = 0; i < r->nvariants; i++) {
        if (++v[i] < r->variants[i].nvalues)
            return true;
        v[i] = 0;
    }
    return false;
}

/* Strategies Test.fault can run on: every one that runs case_setup() in pcbench's process. */
static bool usable(const struct pcb_runner *r)
{
    return !(r->flags & PCB_RUNNER_NO_CASE_SETUP);
}

static int run_child(const char *argv0, const char *mode, const char *out_path)
{
    char out_arg[PATH_MAX + 32];
    char *args[] = {(char *)argv0,
                    out_arg,
                    "--benchmark_out_format=json",
                    "--benchmark_min_time=0.01",
                    "--benchmark_min_warmup_time=0",
                    NULL};
    int nargs = 5;
    struct pcb_options o;
    size_t nr;
    const struct pcb_runner *const *rs = pcb_runners(&nr);
    static const enum pcb_fault_mode crashes[] = {PCB_FAULT_SEGV, PCB_FAULT_ABORT, PCB_FAULT_EXIT,
                                                  PCB_FAULT_KILL};

    setpgid(0, 0);
    snprintf(out_arg, sizeof(out_arg), "--benchmark_out=%s", out_path);
    memset(&o, 0, sizeof(o));
    o.seed = 42;
    o.gb_min_time_given = true;
    o.gb_warmup_given = true;
    o.gb_format = 0; /* console */
    o.gb_color = "false";
    pcb_gb_init(&nargs, args);
    if (pcb_gb_report_unrecognized(nargs, args))
        return 101;

    for (size_t i = 0; i < nr; i++) {
        const struct pcb_runner *r = rs[i];
        unsigned v[PCB_MAX_VARIANTS] = {0};
        bool procs = (r->flags & PCB_RUNNER_PROCESSES) != 0;
        if (!usable(r))
            continue;
        if (strcmp(mode, "--crash") == 0 && procs) {
            do /* every variant: each has its own way of noticing a death */
                for (size_t m = 0; m < sizeof(crashes) / sizeof(crashes[0]); m++)
                    if (add(r, v, crashes[m], &o) || add(r, v, PCB_FAULT_OK, &o))
                        return 102;
            while (next_variant(r, v));
        } else if (strcmp(mode, "--error") == 0) {
            if (add(r, v, PCB_FAULT_ERROR, &o) || add(r, v, PCB_FAULT_OK, &o))
                return 102;
        } else if (strcmp(mode, "--hang-procs") == 0 && procs) {
            if (add(r, v, PCB_FAULT_HANG, &o) || add(r, v, PCB_FAULT_OK, &o))
                return 102;
        } else if (strcmp(mode, "--crash-thread") == 0 && strcmp(r->name, "Threaded") == 0) {
            if (add(r, v, PCB_FAULT_OK, &o) || add(r, v, PCB_FAULT_SEGV, &o) ||
                add(r, v, PCB_FAULT_OK, &o))
                return 102;
        } else if (strncmp(mode, "--hang=", 7) == 0 && strcmp(mode + 7, r->name) == 0) {
            if (add(r, v, PCB_FAULT_OK, &o) || add(r, v, PCB_FAULT_HANG, &o) ||
                add(r, v, PCB_FAULT_OK, &o))
                return 102;
        }
    }
    if (strcmp(mode, "--crash-thread") == 0 && pcb_interrupt_install(out_path) != 0)
        return 105;
    if (strncmp(mode, "--hang", 6) == 0) { /* as pcbench does it (benches/main.c) */
        if (pcb_watchdog_start(TIMEOUT_S) != 0)
            return 103;
        pcb_watchdog_install();
    }
    struct pcb_gb_run_options ro = {
        .format = "console", .out_path = out_path, .out_format = "json"};
    if (pcb_gb_run(&ro) < 0)
        return 104;
    pcb_watchdog_stop();
    pcb_cases_release();
    pcb_gb_shutdown();
    return (int)pcb_gb_failed_runs();
}

/* ---- Parent: run a child, read its JSON, check its process group is gone. ---- */

struct child {
    int status;    /* wait status */
    cJSON *doc;    /* the parsed result file, NULL if absent or not JSON */
    bool leftover; /* a process of its group outlived it */
    char *err;     /* what it wrote on stderr (also copied to this test's stderr) */
};

/* Starts `prog mode FILE`s for modes[0..n) at once, waits for all, fills out[0..n). */
static void run_children(const char *const *modes, size_t n, struct child *out)
{
    char exe[PATH_MAX];
    ssize_t len = readlink("/proc/self/exe", exe, sizeof(exe) - 1);
    pid_t pids[16];
    char paths[16][PATH_MAX + 96];

    assert_true(len > 0 && n <= 16);
    exe[len] = '\0';
    fflush(NULL);
    for (size_t i = 0; i < n; i++) {
        snprintf(paths[i], sizeof(paths[i]), "%s.%ld.%zu.json", exe, (long)getpid(), i);
        pids[i] = fork();
        assert_true(pids[i] != -1);
        if (pids[i] == 0) {
            char err_path[sizeof(paths[0]) + 8];
            strcat(strcpy(err_path, paths[i]), ".err");
            int fd = open(err_path, O_WRONLY | O_CREAT | O_TRUNC | O_CLOEXEC, 0644);
            if (fd < 0 || dup2(fd, STDERR_FILENO) < 0)
                _exit(126);
            alarm(120);
            execl(exe, exe, modes[i], paths[i], (char *)NULL);
            _exit(127);
        }
        setpgid(pids[i], pids[i]); /* also done by the child: no race either way */
    }
    for (size_t i = 0; i < n; i++) {
        while (waitpid(pids[i], &out[i].status, 0) == -1)
            assert_int_equal(errno, EINTR);
        /* Workers die with their parent (PR_SET_PDEATHSIG) or are reaped by it; give the
         * kernel a moment to finish them, then the group must be empty. */
        out[i].leftover = true;
        for (int t = 0; t < 500 && out[i].leftover; t++) {
            if (kill(-pids[i], 0) == -1 && errno == ESRCH)
                out[i].leftover = false;
            else
                usleep(10000);
        }
        if (out[i].leftover)
            kill(-pids[i], SIGKILL);
        char *text = pcb_test_slurp(paths[i]);
        out[i].doc = text ? cJSON_Parse(text) : NULL;
        free(text);
        unlink(paths[i]);
        char err_path[sizeof(paths[0]) + 8];
        strcat(strcpy(err_path, paths[i]), ".err");
        out[i].err = pcb_test_slurp(err_path);
        unlink(err_path);
        if (out[i].err)
            fputs(out[i].err, stderr);
        assert_non_null(out[i].err);
        /* Never a temporary file left behind: the child's own, named by its pid (outfile.h). */
        size_t plen = strlen(paths[i]);
        snprintf(paths[i] + plen, sizeof(paths[i]) - plen, ".partial.%ld", (long)pids[i]);
        assert_int_equal(access(paths[i], F_OK), -1);
    }
}

static const cJSON *runs_of(const cJSON *doc)
{
    const cJSON *b = cJSON_GetObjectItemCaseSensitive(doc, "benchmarks");

    assert_true(cJSON_IsArray(b));
    return b;
}

static const char *name_of(const cJSON *run)
{
    const cJSON *n = cJSON_GetObjectItemCaseSensitive(run, "name");

    assert_true(cJSON_IsString(n));
    return n->valuestring;
}

/* The error message of a run, or NULL when it has none. */
static const char *error_of(const cJSON *run)
{
    const cJSON *occurred = cJSON_GetObjectItemCaseSensitive(run, "error_occurred");
    const cJSON *msg = cJSON_GetObjectItemCaseSensitive(run, "error_message");

    if (!cJSON_IsTrue(occurred))
        return NULL;
    assert_true(cJSON_IsString(msg));
    return msg->valuestring;
}

/* The mode:N of a case name. */
static int mode_of(const char *name)
{
    const char *m = strstr(name, "/mode:");

    assert_non_null(m);
    return atoi(m + 6);
}

/* Whether msg names task t: "task T", or T among the numbers of "tasks A, B". */
static bool names_task(const char *msg, unsigned long t)
{
    const char *p = strstr(msg, "task");

    while (p) {
        const char *q = p + 4;
        if (*q == 's')
            q++;
        while (*q == ' ' || *q == ',' || (*q >= '0' && *q <= '9')) {
            if (*q >= '0' && *q <= '9') {
                char *end;
                if (strtoul(q, &end, 10) == t)
                    return true;
                q = end;
            } else {
                q++;
            }
        }
        p = strstr(p + 4, "task");
    }
    return false;
}

/* Every run of an honest (mode:0) case passed with items counted. */
static void check_ok_run(const cJSON *run)
{
    const char *err = error_of(run);

    if (err)
        print_error("%s failed: %s\n", name_of(run), err);
    assert_null(err);
    const cJSON *items = cJSON_GetObjectItemCaseSensitive(run, "items_per_second");
    assert_true(cJSON_IsNumber(items) && items->valuedouble > 0);
}

static void check_no_leftover(const struct child *c)
{
    if (c->leftover)
        print_error("a process of the child's group outlived it\n");
    assert_false(c->leftover);
}

/* What the error of a faulty case must hold: every string of parts[] (up to a NULL), and the
 * faulty task's number when `task` is set. */
struct expect {
    const char *parts[4];
    bool task;
};

/*
 * Runs the child `mode` and checks every run it wrote: an honest case (mode:0) passed with
 * items counted; a faulty one failed with what expect_of(its mode) says. Counts both; checks
 * the child exited and left no process behind.
 */
static void check_child_runs(const char *mode, struct expect (*expect_of)(int fault),
                             size_t *faults, size_t *oks, int *status)
{
    const char *const modes[] = {mode};
    struct child c;
    const cJSON *run;

    *faults = *oks = 0;
    run_children(modes, 1, &c);
    assert_true(WIFEXITED(c.status));
    assert_non_null(c.doc);
    cJSON_ArrayForEach(run, runs_of(c.doc))
    {
        const char *name = name_of(run), *err = error_of(run);
        int fault = mode_of(name);
        if (fault == PCB_FAULT_OK) {
            check_ok_run(run);
            (*oks)++;
            continue;
        }
        struct expect e = expect_of(fault);
        bool ok = err && (!e.task || names_task(err, FAULT_TASK));
        for (size_t i = 0; ok && i < 4 && e.parts[i]; i++)
            ok = strstr(err, e.parts[i]) != NULL;
        if (!ok)
            print_error("%s: expected \"%s\"%s%s%s%s; got: %s\n", name, e.parts[0],
                        e.parts[1] ? ", \"" : "", e.parts[1] ? e.parts[1] : "",
                        e.parts[1] ? "\"" : "", e.task ? " and the task" : "",
                        err ? err : "(no error)");
        assert_true(ok);
        (*faults)++;
    }
    *status = c.status;
    check_no_leftover(&c);
    cJSON_Delete(c.doc);
    free(c.err);
}

static struct expect expect_crash(int fault)
{
    static const char *const how[] = {
        [PCB_FAULT_SEGV] = "killed by signal 11 (SIGSEGV)",
        [PCB_FAULT_ABORT] = "killed by signal 6 (SIGABRT)",
        [PCB_FAULT_EXIT] = "exited with status 1",
        [PCB_FAULT_KILL] = "killed by signal 9 (SIGKILL)",
    };
    assert_true(fault >= PCB_FAULT_SEGV && fault <= PCB_FAULT_KILL);
    return (struct expect){.parts = {"pool broke", how[fault]}, .task = true};
}

static void test_crashed_worker_process_fails_case_naming_signal_and_task(void **state)
{
    size_t faults, oks;
    int status;

    (void)state;
    check_child_runs("--crash", expect_crash, &faults, &oks, &status);
    /* Four crash modes, each followed by an honest case, for every variant of every process
     * strategy: as many passes as faults, and at least one strategy. */
    assert_true(faults >= 4);
    assert_int_equal(faults, oks);
    assert_int_equal(WEXITSTATUS(status), (int)faults);
}

static struct expect expect_error(int fault)
{
    assert_int_equal(fault, PCB_FAULT_ERROR);
    return (struct expect){.parts = {"task 3 failed: injected error in task 3"}};
}

static void test_task_error_fails_case_with_the_workloads_message(void **state)
{
    size_t faults, oks, nr, usable_n = 0;
    const struct pcb_runner *const *rs = pcb_runners(&nr);
    int status;

    (void)state;
    assert_int_equal(FAULT_TASK, 3); /* expect_error() spells it */
    for (size_t i = 0; i < nr; i++)
        usable_n += usable(rs[i]);
    check_child_runs("--error", expect_error, &faults, &oks, &status);
    assert_int_equal(faults, usable_n); /* every strategy, threads and processes alike */
    assert_int_equal(oks, usable_n);
}

static struct expect expect_timeout(int fault)
{
    assert_int_equal(fault, PCB_FAULT_HANG);
    return (struct expect){.parts = {"timed out", "SIGKILL"}, .task = true};
}

static void test_hung_worker_process_times_out_and_next_case_runs(void **state)
{
    size_t faults, oks;
    int status;

    (void)state;
    check_child_runs("--hang-procs", expect_timeout, &faults, &oks, &status);
    assert_true(faults >= 1);
    assert_int_equal(faults, oks);
    assert_int_equal(WEXITSTATUS(status), (int)faults);
}

static void test_hung_thread_stops_run_cleanly_with_valid_results(void **state)
{
    char modes_buf[16][64];
    const char *modes[16] = {NULL};
    struct child c[16];
    size_t nr, n = 0;
    const struct pcb_runner *const *rs = pcb_runners(&nr);

    (void)state;
    for (size_t i = 0; i < nr && n < 16; i++) {
        if (!usable(rs[i]) || (rs[i]->flags & PCB_RUNNER_PROCESSES))
            continue;
        snprintf(modes_buf[n], sizeof(modes_buf[n]), "--hang=%s", rs[i]->name);
        modes[n] = modes_buf[n];
        n++;
    }
    assert_true(n >= 1);
    run_children(modes, n, c); /* at once: each waits out its timeout and grace period */
    for (size_t i = 0; i < n; i++) {
        if (!WIFEXITED(c[i].status) || WEXITSTATUS(c[i].status) != PCB_EXIT_STUCK)
            print_error("%s: expected exit status %d, got wait status 0x%x\n", modes[i],
                        PCB_EXIT_STUCK, (unsigned)c[i].status);
        assert_true(WIFEXITED(c[i].status));
        assert_int_equal(WEXITSTATUS(c[i].status), PCB_EXIT_STUCK);
        if (!c[i].doc)
            print_error("%s: the result file is missing or not JSON\n", modes[i]);
        assert_non_null(c[i].doc);
        /* The honest case before it, then the stuck one; nothing after (the run stopped). */
        const cJSON *runs = runs_of(c[i].doc);
        assert_int_equal(cJSON_GetArraySize(runs), 2);
        const cJSON *ok = cJSON_GetArrayItem(runs, 0), *stuck = cJSON_GetArrayItem(runs, 1);
        check_ok_run(ok);
        const char *err = error_of(stuck);
        assert_non_null(err);
        if (!strstr(err, "timed out") || !strstr(err, "cannot be stopped"))
            print_error("%s: %s\n", modes[i], err);
        assert_non_null(strstr(err, "timed out"));
        assert_non_null(strstr(err, "cannot be stopped"));
        /* Named as the library names it: the honest case's name with mode:5 for mode:0. */
        char expect[512];
        snprintf(expect, sizeof(expect), "%s", name_of(ok));
        char *m = strstr(expect, "/mode:0");
        assert_non_null(m);
        m[6] = '0' + PCB_FAULT_HANG;
        assert_string_equal(name_of(stuck), expect);
        check_no_leftover(&c[i]);
        cJSON_Delete(c[i].doc);
        free(c[i].err);
    }
}

static void test_crash_in_a_thread_names_the_case_and_leaves_nothing(void **state)
{
    static const char *const modes[] = {"--crash-thread"};
    struct child c;

    (void)state;
    run_children(modes, 1, &c);
    /* The program dies of the crash, as any program does... */
    assert_true(WIFSIGNALED(c.status));
    assert_int_equal(WTERMSIG(c.status), SIGSEGV);
    /* ... with the cases before it in a valid file... */
    assert_non_null(c.doc);
    const cJSON *runs = runs_of(c.doc);
    assert_int_equal(cJSON_GetArraySize(runs), 1);
    const cJSON *ok = cJSON_GetArrayItem(runs, 0);
    check_ok_run(ok);
    /* ... a line naming the crashed case (the honest one's name with mode:1) ... */
    char expect[512];
    snprintf(expect, sizeof(expect), "pcbench: crashed by SIGSEGV in case %s", name_of(ok));
    char *m = strstr(expect, "/mode:0");
    assert_non_null(m);
    m[6] = '0' + PCB_FAULT_SEGV;
    char *tail = strstr(expect, "/manual_time"); /* the registered name has no time suffix */
    assert_non_null(tail);
    *tail = '\0';
    if (!strstr(c.err, expect))
        print_error("expected on stderr: %s\n", expect);
    assert_non_null(strstr(c.err, expect));
    assert_non_null(strstr(c.err, "keeps the 1 case(s) finished before it"));
    /* ... and no process left behind. */
    check_no_leftover(&c);
    cJSON_Delete(c.doc);
    free(c.err);
}

int main(int argc, char **argv)
{
    if (argc == 3 && strncmp(argv[1], "--", 2) == 0)
        return run_child(argv[0], argv[1], argv[2]);

    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_crashed_worker_process_fails_case_naming_signal_and_task),
        cmocka_unit_test(test_task_error_fails_case_with_the_workloads_message),
        cmocka_unit_test(test_hung_worker_process_times_out_and_next_case_runs),
        cmocka_unit_test(test_hung_thread_stops_run_cleanly_with_valid_results),
        cmocka_unit_test(test_crash_in_a_thread_names_the_case_and_leaves_nothing),
    };

    return pcb_test_main(argc, argv, "faults", tests, sizeof(tests) / sizeof(tests[0]), 150, NULL);
}
