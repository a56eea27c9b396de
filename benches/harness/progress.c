/*
 * progress.c - see progress.h. The line is redrawn in place with a carriage return and an
 * erase-to-end-of-line, and erased before the library prints each case's result, so the
 * console table is never mixed with it.
 */
#define _GNU_SOURCE
#include "progress.h"

#include <errno.h>
#include <fcntl.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/wait.h>
#include <unistd.h>

#include "../../workloads/workload.h"

static int enabled;
static size_t total;
static volatile sig_atomic_t done;
static uint64_t t0;
static int line_shown;

/* Runs `argv` with stdout into a pipe and counts the lines it prints. Returns -1 on failure. */
static long count_lines(char *const *argv)
{
    int fds[2];
    pid_t pid;
    long lines = 0;
    char buf[4096];
    ssize_t n;
    int status;

    if (pipe2(fds, O_CLOEXEC) != 0)
        return -1;
    pid = fork();
    if (pid < 0) {
        close(fds[0]);
        close(fds[1]);
        return -1;
    }
    if (pid == 0) {
        int devnull = open("/dev/null", O_WRONLY);
        dup2(fds[1], STDOUT_FILENO);
        if (devnull >= 0)
            dup2(devnull, STDERR_FILENO);
        execv("/proc/self/exe", argv);
        _exit(127);
    }
    close(fds[1]);
    while ((n = read(fds[0], buf, sizeof(buf))) != 0) {
        if (n < 0) {
            if (errno == EINTR)
                continue;
            break;
        }
        for (ssize_t i = 0; i < n; i++)
            lines += buf[i] == '\n';
    }
    close(fds[0]);
    while (waitpid(pid, &status, 0) < 0 && errno == EINTR)
        ;
    return WIFEXITED(status) && WEXITSTATUS(status) == 0 ? lines : -1;
}

int pcb_progress_start(char *const *argv_original)
{
    size_t argc = 0, n = 0;
    char **argv;
    long lines;

    if (!isatty(STDERR_FILENO))
        return -1;
    while (argv_original[argc])
        argc++;
    argv = calloc(argc + 2, sizeof(*argv));
    if (!argv)
        return -1;
    for (size_t i = 0; i < argc; i++)
        if (strncmp(argv_original[i], "--benchmark_out", 15) != 0)
            argv[n++] = argv_original[i];
    argv[n++] = (char *)"--benchmark_list_tests=true";
    argv[n] = NULL;
    lines = count_lines(argv);
    free(argv);
    if (lines <= 0)
        return -1;
    total = (size_t)lines;
    t0 = pcb_now_ns();
    enabled = 1;
    return 0;
}

static void fmt_dur(char *out, size_t cap, double s)
{
    long t = (long)(s + 0.5);

    if (t >= 3600)
        snprintf(out, cap, "%ldh%02ldm", t / 3600, t / 60 % 60);
    else
        snprintf(out, cap, "%ldm%02lds", t / 60, t % 60);
}

void pcb_progress_case(const char *run_name, void *ctx)
{
    char el[32], left[32];

    (void)ctx;
    if (!run_name) {
        if (line_shown)
            fputs("\r\033[K", stderr);
        line_shown = 0;
        return;
    }
    done++;
    if (!enabled)
        return;
    double elapsed = (double)(pcb_now_ns() - t0) / 1e9;
    fmt_dur(el, sizeof(el), elapsed);
    if ((size_t)done < total) {
        fmt_dur(left, sizeof(left), elapsed / (double)done * (double)(total - (size_t)done));
        fprintf(stderr, "\r\033[K[%zu/%zu cases] %s elapsed, about %s left", (size_t)done, total,
                el, left);
    } else {
        fprintf(stderr, "\r\033[K[%zu/%zu cases] %s elapsed", (size_t)done, total, el);
    }
    fflush(stderr);
    line_shown = 1;
}

void pcb_progress_end(void)
{
    pcb_progress_case(NULL, NULL);
}

size_t pcb_progress_done(void)
{
    return (size_t)done;
}
