/*
 * support.c - futex waits, worker placement, reaping and failure explanations; see support.h.
 */
#define _GNU_SOURCE
#include "support.h"

#include <errno.h>
#include <linux/futex.h>
#include <sched.h>
#include <signal.h>
#include <stdarg.h>
#include <stdbool.h>
#include <stdio.h>
#include <string.h>
#include <sys/prctl.h>
#include <sys/syscall.h>
#include <sys/wait.h>
#include <unistd.h>

const char *const pcb__wait_values[2] = {"park", "spin"};

void pcb__why(const struct pcb_pool_config *cfg, const char *fmt, ...)
{
    va_list ap;

    if (!cfg->why || cfg->why_len == 0)
        return;
    va_start(ap, fmt);
    vsnprintf(cfg->why, cfg->why_len, fmt, ap);
    va_end(ap);
}

int pcb__futex_wait(_Atomic uint32_t *addr, uint32_t expected, int private_,
                    const struct timespec *timeout)
{
    int op = FUTEX_WAIT | (private_ ? FUTEX_PRIVATE_FLAG : 0);

    if (syscall(SYS_futex, (uint32_t *)addr, op, expected, timeout, NULL, 0) == -1)
        return -errno;
    return 0;
}

int pcb__futex_wait_ns(_Atomic uint32_t *addr, uint32_t expected, int private_, uint64_t timeout_ns)
{
    const struct timespec to = {.tv_sec = (time_t)(timeout_ns / 1000000000ULL),
                                .tv_nsec = (long)(timeout_ns % 1000000000ULL)};

    return pcb__futex_wait(addr, expected, private_, &to);
}

void pcb__futex_wake(_Atomic uint32_t *addr, int n, int private_)
{
    int op = FUTEX_WAKE | (private_ ? FUTEX_PRIVATE_FLAG : 0);

    syscall(SYS_futex, (uint32_t *)addr, op, n, NULL, NULL, 0);
}

int pcb__wait_change(_Atomic uint32_t *addr, uint32_t expected, int private_,
                     enum pcb__wait_policy policy, unsigned timeout_ms)
{
    const struct timespec to = {.tv_sec = timeout_ms / 1000,
                                .tv_nsec = (long)(timeout_ms % 1000) * 1000000L};

    if (policy == PCB__WAIT_SPIN) {
        uint64_t end = pcb_now_ns() + PCB__SPIN_NS;
        unsigned n = 0;
        while (atomic_load_explicit(addr, memory_order_acquire) == expected) {
            __builtin_ia32_pause();
            /* Read the clock only every 64 polls: it costs more than a poll. */
            if ((++n & 63) == 0 && pcb_now_ns() >= end)
                break;
        }
    }
    while (atomic_load_explicit(addr, memory_order_acquire) == expected) {
        int err = pcb__futex_wait(addr, expected, private_, timeout_ms ? &to : NULL);
        if (err == -ETIMEDOUT && atomic_load_explicit(addr, memory_order_acquire) == expected)
            return -ETIMEDOUT;
    }
    return 0;
}

unsigned pcb_cpus_allowed(void)
{
    cpu_set_t set;

    if (sched_getaffinity(0, sizeof(set), &set) == 0 && CPU_COUNT(&set) > 0)
        return (unsigned)CPU_COUNT(&set);
    return 1;
}

const char *pcb_pin_name(enum pcb_pin pin)
{
    static const char *const names[] = {
        [PCB_PIN_NONE] = "none", [PCB_PIN_COMPACT] = "compact", [PCB_PIN_SPREAD] = "spread"};

    return (unsigned)pin < sizeof(names) / sizeof(names[0]) ? names[pin] : "?";
}

int pcb__cpu_nth(unsigned i)
{
    cpu_set_t set;

    if (sched_getaffinity(0, sizeof(set), &set) != 0)
        return -1;
    for (int c = 0; c < CPU_SETSIZE; c++)
        if (CPU_ISSET(c, &set) && i-- == 0)
            return c;
    return -1;
}

int pcb__pin_cpu(int cpu)
{
    cpu_set_t one;

    if (cpu < 0 || cpu >= CPU_SETSIZE)
        return -EINVAL;
    CPU_ZERO(&one);
    CPU_SET(cpu, &one);
    return sched_setaffinity(0, sizeof(one), &one) == 0 ? 0 : -errno;
}

int pcb__pin_self(enum pcb_pin pin, unsigned i)
{
    if (pin == PCB_PIN_NONE)
        return 0;
    return pcb__pin_cpu(pcb__cpu_nth(pin == PCB_PIN_COMPACT ? 0 : i % pcb_cpus_allowed()));
}

int pcb__worker_self(enum pcb_pin pin, unsigned i)
{
    char name[16]; /* the kernel's limit, with the NUL */

    snprintf(name, sizeof(name), "pcb-worker-%u", i);
    (void)prctl(PR_SET_NAME, name, 0, 0, 0);
    return pcb__pin_self(pin, i);
}

void pcb__reap(pid_t *pids, unsigned n, unsigned grace_ms)
{
    uint64_t deadline = pcb_now_ns() + (uint64_t)grace_ms * 1000000ULL;
    const struct timespec nap = {.tv_sec = 0, .tv_nsec = 1000000L};
    unsigned left;

    do {
        left = 0;
        for (unsigned i = 0; i < n; i++) {
            if (pids[i] <= 0)
                continue;
            if (waitpid(pids[i], NULL, WNOHANG) == pids[i])
                pids[i] = 0;
            else
                left++;
        }
        if (left)
            nanosleep(&nap, NULL);
    } while (left && pcb_now_ns() < deadline);

    for (unsigned i = 0; i < n; i++) {
        if (pids[i] > 0) {
            kill(pids[i], SIGKILL);
            while (waitpid(pids[i], NULL, 0) == -1 && errno == EINTR)
                ;
            pids[i] = 0;
        }
    }
}

size_t pcb__live_pids(const pid_t *pids, unsigned n, pid_t *out, size_t cap)
{
    size_t k = 0;

    for (unsigned i = 0; i < n && k < cap; i++)
        if (pids[i] > 0)
            out[k++] = pids[i];
    return k;
}

/* One pass of pcb__check_pids(): reaps what has exited; returns whether anything had. */
static int reap_exited(pid_t *pids, unsigned n, struct pcb__exit *ex, int found, pcb__note_fn note,
                       void *ctx)
{
    for (unsigned i = 0; i < n; i++) {
        int status = 0;
        if (pids[i] <= 0 || waitpid(pids[i], &status, WNOHANG) != pids[i])
            continue;
        uint64_t task = note ? note(ctx, i) : 0;
        if (ex && (!found || (task && !ex->task)))
            *ex = (struct pcb__exit){.index = i, .pid = pids[i], .status = status, .task = task};
        pids[i] = 0;
        found = 1;
    }
    return found;
}

int pcb__check_pids(pid_t *pids, unsigned n, struct pcb__exit *ex, pcb__note_fn note, void *ctx)
{
    const struct timespec nap = {.tv_sec = 0, .tv_nsec = 10000000L};
    int found = reap_exited(pids, n, ex, 0, note, ctx);

    /* An idle worker killed by SIGKILL is often one of several killed at once (the watchdog
     * kills the whole pool), and the one that was running a task may need a moment more to
     * become reapable: wait up to 100 ms for it, so the task is named. A failure path only. */
    if (found && ex && !ex->task && note && WIFSIGNALED(ex->status) &&
        WTERMSIG(ex->status) == SIGKILL)
        for (int round = 0; round < 10 && !ex->task; round++) {
            bool running = false;
            for (unsigned i = 0; i < n; i++)
                running = running || (pids[i] > 0 && note(ctx, i));
            if (!running)
                break;
            nanosleep(&nap, NULL);
            reap_exited(pids, n, ex, found, note, ctx);
        }
    return found ? PCB_EWORKER : 0;
}

void pcb__explain_exit(char *buf, size_t len, const struct pcb__exit *ex, const char *what)
{
    char how[96], during[256];

    if (!buf || len == 0)
        return;
    if (WIFSIGNALED(ex->status)) {
        int sig = WTERMSIG(ex->status);
        const char *abbrev = sigabbrev_np(sig);
        snprintf(how, sizeof(how), "was killed by signal %d (SIG%s)%s", sig, abbrev ? abbrev : "?",
                 WCOREDUMP(ex->status) ? ", core dumped" : "");
    } else if (WIFEXITED(ex->status)) {
        snprintf(how, sizeof(how), "exited with status %d", WEXITSTATUS(ex->status));
    } else {
        snprintf(how, sizeof(how), "ended (wait status 0x%x)", (unsigned)ex->status);
    }
    if (what)
        snprintf(during, sizeof(during), " while running %s", what);
    else if (ex->task)
        snprintf(during, sizeof(during), " while running task %llu",
                 (unsigned long long)(ex->task - 1));
    else
        snprintf(during, sizeof(during), " between tasks");
    snprintf(buf, len, "worker %u (pid %d) %s%s", ex->index, (int)ex->pid, how, during);
}
