/*
 * harness.h - runs each cmocka test case in its own process, under its own timeout.
 *
 * A test that crashes, hangs or leaves a worker behind must not take the other cases with it,
 * and a case must not see threads or children that an earlier case left. So the main of every
 * cmocka test program forks once per case: the child arms alarm() and runs that one case, the
 * parent reaps it and reports a crash or timeout by name; a timed-out case also prints the step
 * it last recorded with pcb_test_step_set(). `prog filter` runs only the cases whose
 * name contains `filter`, still one process each. A `before` hook, when given, runs once in the
 * parent before the first fork (for expensive shared set-up that the children inherit).
 */
#ifndef PCB_TEST_HARNESS_H
#define PCB_TEST_HARNESS_H

#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <signal.h>
#include <stdio.h>
#include <string.h>
#include <sys/wait.h>
#include <unistd.h>

#include <cmocka.h>
#include <dirent.h>
#include <time.h>

#if defined(__SANITIZE_ADDRESS__)
#include <sanitizer/lsan_interface.h>
#endif

/* Sanitizer builds run several times slower, so a case's timeout stretches with them. */
#if defined(__SANITIZE_THREAD__)
#define PCB_TEST_TIMEOUT_SCALE 6u
#elif defined(__SANITIZE_ADDRESS__)
#define PCB_TEST_TIMEOUT_SCALE 3u
#else
#define PCB_TEST_TIMEOUT_SCALE 1u
#endif

/*
 * Threads of the sanitizer's runtime in every case process, for cases that count threads.
 * ThreadSanitizer keeps one background thread per process: it starts one at the first
 * pthread_create() and one in every child of fork(). pcb_test_main() creates a thread in the
 * parent first, so each case process starts with exactly one and never gets a second.
 */
#if defined(__SANITIZE_THREAD__)
#include <pthread.h>
#define PCB_TEST_RUNTIME_THREADS 1
static inline void *pcb_test_noop_thread(void *arg)
{
    return arg;
}
#else
#define PCB_TEST_RUNTIME_THREADS 0
#endif

/* Threads of this process, as /proc/self/task lists them. */
static inline size_t pcb_test_count_threads(void)
{
    DIR *d = opendir("/proc/self/task");
    struct dirent *e;
    size_t n = 0;

    assert_non_null(d);
    while ((e = readdir(d)) != NULL)
        if (e->d_name[0] != '.')
            n++;
    closedir(d);
    return n;
}

/*
 * The thread count once it is back to `want`, or what it is after 2 s. A thread that
 * pthread_join() (or a runtime's own shutdown) has just returned from can stay listed in
 * /proc/self/task for a moment while the kernel finishes its exit, so a count taken right after
 * a pool stopped may still show it; the leak check of every case allows the same 2 s.
 */
static inline size_t pcb_test_threads_settle(size_t want)
{
    const struct timespec nap = {.tv_sec = 0, .tv_nsec = 10000000L};
    size_t n = pcb_test_count_threads();

    for (int i = 0; i < 200 && n != want; i++) {
        nanosleep(&nap, NULL);
        n = pcb_test_count_threads();
    }
    return n;
}

/* What the running case is doing, set by the case (pcb_test_step_set) so a timeout can say where
 * it hung. */
static char pcb_test_step[256];

static inline void pcb_test_step_set(const char *fmt, ...) __attribute__((format(printf, 1, 2)));
static inline void pcb_test_step_set(const char *fmt, ...)
{
    va_list ap;

    va_start(ap, fmt);
    vsnprintf(pcb_test_step, sizeof(pcb_test_step), fmt, ap);
    va_end(ap);
}

/* SIGALRM in a case's process: names the step it was in, then dies of SIGALRM. */
static inline void pcb_test_on_timeout(int sig)
{
    static const char head[] = "[ TIMEOUT  ] while: ";
    ssize_t rc = write(STDERR_FILENO, head, sizeof(head) - 1);

    rc = write(STDERR_FILENO, pcb_test_step, strnlen(pcb_test_step, sizeof(pcb_test_step)));
    rc = write(STDERR_FILENO, "\n", 1);
    (void)rc;
    signal(sig, SIG_DFL);
    raise(sig);
}

/* Runs tests[0..n) one process each; returns the exit status for main (0: all passed). */
static inline int pcb_test_main(int argc, char **argv, const char *group,
                                const struct CMUnitTest *tests, size_t n, unsigned timeout_s,
                                int (*before)(void))
{
    const char *filter = argc > 1 ? argv[1] : NULL;
    size_t failed = 0, ran = 0;

    if (before && before() != 0) {
        fprintf(stderr, "%s: set-up failed\n", group);
        return 1;
    }
#if defined(__SANITIZE_THREAD__)
    pthread_t noop;
    if (pthread_create(&noop, NULL, pcb_test_noop_thread, NULL) == 0)
        pthread_join(noop, NULL);
#endif
    for (size_t i = 0; i < n; i++) {
        if (filter && !strstr(tests[i].name, filter))
            continue;
        fflush(NULL);
        pid_t pid = fork();
        if (pid == -1) {
            perror("fork");
            return 1;
        }
        if (pid == 0) {
            pcb_test_step_set("(no step recorded)");
            signal(SIGALRM, pcb_test_on_timeout);
            alarm(timeout_s * PCB_TEST_TIMEOUT_SCALE);
            int rc = _cmocka_run_group_tests(group, &tests[i], 1, NULL, NULL);
            fflush(NULL);
#if defined(__SANITIZE_ADDRESS__)
            /* _exit() skips LeakSanitizer's exit-time check: run it here, so a case that leaks
             * fails (the check exits with LSan's status itself). */
            __lsan_do_leak_check();
#endif
            _exit(rc == 0 ? 0 : 1);
        }
        int status;
        while (waitpid(pid, &status, 0) == -1)
            ;
        ran++;
        if (WIFSIGNALED(status)) {
            fprintf(stderr, "[  FAILED  ] %s: killed by signal %d%s\n", tests[i].name,
                    WTERMSIG(status), WTERMSIG(status) == SIGALRM ? " (timed out)" : "");
            failed++;
        } else if (WEXITSTATUS(status) != 0) {
            failed++;
        }
    }
    if (ran == 0) {
        fprintf(stderr, "%s: no test matches '%s'\n", group, filter ? filter : "");
        return 1;
    }
    fprintf(stderr, "%s: %zu of %zu case(s) failed\n", group, failed, ran);
    return failed ? 1 : 0;
}

#endif
