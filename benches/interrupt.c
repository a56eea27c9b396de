/*
 * interrupt.c - see interrupt.h. The handler uses only async-signal-safe calls (getpid, unlink,
 * write, sigaction, raise) on data prepared before the run.
 */
#define _GNU_SOURCE
#include "interrupt.h"

#include <errno.h>
#include <signal.h>
#include <stdio.h>
#include <string.h>
#include <unistd.h>

#include "progress.h"

static pid_t main_pid;
static char partial[4096]; /* "<out>.partial", or "" */
static char out[4096];     /* the result file, or "" */

/* Appends s to buf (async-signal-safe). */
static size_t put(char *buf, size_t len, size_t cap, const char *s)
{
    while (*s && len + 1 < cap)
        buf[len++] = *s++;
    return len;
}

static void on_signal(int sig)
{
    if (getpid() == main_pid) {
        char msg[4400], num[24];
        size_t len = 0, n = pcb_progress_done(), k = sizeof(num) - 1;

        if (partial[0])
            unlink(partial);
        num[k] = '\0';
        do
            num[--k] = (char)('0' + n % 10);
        while ((n /= 10) && k);
        len = put(msg, len, sizeof(msg), "\npcbench: interrupted by ");
        len = put(msg, len, sizeof(msg), sigabbrev_np(sig) ? sigabbrev_np(sig) : "a signal");
        if (out[0]) {
            len = put(msg, len, sizeof(msg), "; ");
            len = put(msg, len, sizeof(msg), out);
            len = put(msg, len, sizeof(msg), " keeps the ");
            len = put(msg, len, sizeof(msg), num + k);
            len = put(msg, len, sizeof(msg), " case(s) finished before it");
        }
        len = put(msg, len, sizeof(msg), "\n");
        ssize_t ignored = write(STDERR_FILENO, msg, len);
        (void)ignored;
    }
    struct sigaction dfl;
    memset(&dfl, 0, sizeof(dfl));
    dfl.sa_handler = SIG_DFL;
    sigaction(sig, &dfl, NULL);
    raise(sig);
}

int pcb_interrupt_install(const char *out_path)
{
    static const int sigs[] = {SIGINT, SIGTERM, SIGHUP};
    struct sigaction sa;

    main_pid = getpid();
    if (out_path) {
        snprintf(out, sizeof(out), "%s", out_path);
        snprintf(partial, sizeof(partial), "%s.partial", out_path);
    }
    memset(&sa, 0, sizeof(sa));
    sa.sa_handler = on_signal;
    sigemptyset(&sa.sa_mask);
    for (size_t i = 0; i < sizeof(sigs) / sizeof(sigs[0]); i++)
        if (sigaction(sigs[i], &sa, NULL) != 0)
            return -errno;
    return 0;
}
