/*
 * watchdog.c - the per-case watchdog; see watchdog.h.
 *
 * State, under `lock` except `last_ns` (written by the case's thread after every batch) and
 * the reads of `state` by pcb_watchdog_fired() (one relaxed load, cheap enough for a fixture to
 * ask after every batch):
 * IDLE (no case) -> ARMED (a case runs) -> FIRED (workers killed, waiting for the case to end)
 * -> ABORTING (the case did not end: the watchdog thread ends the process). disarm() returns a
 * FIRED or ARMED watchdog to IDLE; once ABORTING, disarm() never returns (the process is ending).
 */
#define _GNU_SOURCE
#include "watchdog.h"

#include <errno.h>
#include <pthread.h>
#include <signal.h>
#include <stdatomic.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/prctl.h>
#include <sys/wait.h>
#include <time.h>
#include <unistd.h>

#include "../../workloads/pcbench.h"
#include "gbench.h"
#include "interrupt.h"
#include "options.h"

enum state { IDLE, ARMED, FIRED, ABORTING };

static struct {
    pthread_t thread;
    bool running;        /* the thread exists */
    bool quit;           /* ask it to end */
    uint64_t timeout_ns; /* 0: no watchdog */
    pthread_mutex_t lock;
    pthread_cond_t cond;      /* signalled on arm, disarm and quit */
    _Atomic int state;        /* enum state: written under `lock`, read without it by fired() */
    _Atomic uint64_t last_ns; /* last progress: arm or a finished batch */
    pid_t pids[PCB_OPT_WORKERS_MAX];
    size_t npids;
} w = {.lock = PTHREAD_MUTEX_INITIALIZER};

/* Waits on the condition until CLOCK_MONOTONIC `deadline_ns` (0: no deadline), the clock of
 * pcb_now_ns(); pcb_watchdog_start() makes `cond` wait on it. */
static void wait_until(uint64_t deadline_ns)
{
    if (!deadline_ns) {
        pthread_cond_wait(&w.cond, &w.lock);
        return;
    }
    struct timespec ts = {.tv_sec = (time_t)(deadline_ns / 1000000000ULL),
                          .tv_nsec = (long)(deadline_ns % 1000000000ULL)};
    pthread_cond_timedwait(&w.cond, &w.lock, &ts);
}

/* The case is stuck in a thread: report it, clean up, end the process. */
static void abort_run(uint64_t stuck_s)
{
    char msg[384];

    snprintf(msg, sizeof(msg),
             "timed out: no batch finished in %llu s (--pcb_case_timeout) and the case did not "
             "end in the %d s after: its work is stuck in a thread, which cannot be stopped, so "
             "the run ends here (a case that is only slow needs a larger --pcb_case_timeout)",
             (unsigned long long)stuck_s, PCB_WATCHDOG_GRACE_S);
    fflush(stdout);
    const char *name = pcb_gb_abort_case(msg);
    pcb_interrupt_cleanup(); /* children, grandchildren and half-made names */
    fflush(stdout);
    fprintf(stderr, "pcbench: %s: %s\n", name ? name : "(between cases)", msg);
    _exit(PCB_EXIT_STUCK);
}

static void *watch(void *arg)
{
    (void)arg;
    (void)prctl(PR_SET_NAME, "pcb-watchdog", 0, 0, 0); /* what top -H and ps -L show */
    pthread_mutex_lock(&w.lock);
    while (!w.quit) {
        if (w.state != ARMED) {
            wait_until(0);
            continue;
        }
        uint64_t deadline = atomic_load_explicit(&w.last_ns, memory_order_relaxed) + w.timeout_ns;
        if (pcb_now_ns() < deadline) {
            wait_until(deadline);
            continue;
        }
        /* Fired: stop the worker processes; a process pool then fails the case by itself. */
        w.state = FIRED;
        for (size_t i = 0; i < w.npids; i++)
            if (w.pids[i] > 0)
                kill(w.pids[i], SIGKILL);
        uint64_t give_up = pcb_now_ns() + PCB_WATCHDOG_GRACE_S * 1000000000ULL;
        while (w.state == FIRED && !w.quit && pcb_now_ns() < give_up)
            wait_until(give_up);
        if (w.state == FIRED && !w.quit) {
            w.state = ABORTING;
            pthread_mutex_unlock(&w.lock);
            abort_run(w.timeout_ns / 1000000000ULL);
        }
    }
    pthread_mutex_unlock(&w.lock);
    return NULL;
}

int pcb_watchdog_start(uint64_t timeout_s)
{
    pthread_condattr_t ca;
    int err;

    if (!timeout_s || w.running)
        return 0;
    w.timeout_ns = timeout_s * 1000000000ULL;
    pthread_condattr_init(&ca);
    pthread_condattr_setclock(&ca, CLOCK_MONOTONIC);
    pthread_cond_init(&w.cond, &ca);
    pthread_condattr_destroy(&ca);
    /* The thread must not take the signals pcbench handles (interrupts) from the main thread. */
    sigset_t all, old;
    sigfillset(&all);
    pthread_sigmask(SIG_BLOCK, &all, &old);
    err = pthread_create(&w.thread, NULL, watch, NULL);
    pthread_sigmask(SIG_SETMASK, &old, NULL);
    if (err) {
        pthread_cond_destroy(&w.cond);
        w.timeout_ns = 0;
        return -err;
    }
    w.running = true;
    return 0;
}

void pcb_watchdog_stop(void)
{
    if (!w.running)
        return;
    pthread_mutex_lock(&w.lock);
    w.quit = true;
    pthread_cond_signal(&w.cond);
    pthread_mutex_unlock(&w.lock);
    pthread_join(w.thread, NULL);
    pthread_cond_destroy(&w.cond);
    w.running = false;
    w.quit = false;
    w.state = IDLE;
}

void pcb_watchdog_arm(void)
{
    if (!w.running)
        return;
    pthread_mutex_lock(&w.lock);
    w.npids = 0;
    atomic_store_explicit(&w.last_ns, pcb_now_ns(), memory_order_relaxed);
    w.state = ARMED;
    pthread_cond_signal(&w.cond);
    pthread_mutex_unlock(&w.lock);
}

void pcb_watchdog_watch(const pid_t *pids, size_t n)
{
    if (!w.running)
        return;
    pthread_mutex_lock(&w.lock);
    w.npids = n < PCB_OPT_WORKERS_MAX ? n : PCB_OPT_WORKERS_MAX;
    memcpy(w.pids, pids, w.npids * sizeof(*pids));
    pthread_mutex_unlock(&w.lock);
}

void pcb_watchdog_progress(uint64_t t)
{
    atomic_store_explicit(&w.last_ns, t, memory_order_relaxed);
}

bool pcb_watchdog_fired(void)
{
    int s = atomic_load_explicit(&w.state, memory_order_relaxed);

    return s == FIRED || s == ABORTING;
}

bool pcb_watchdog_overdue(uint64_t batch_ns)
{
    return w.running && batch_ns > w.timeout_ns;
}

bool pcb_watchdog_disarm(void)
{
    bool fired;

    if (!w.running)
        return false;
    pthread_mutex_lock(&w.lock);
    /* The watchdog is ending the process: it reports this case itself. */
    while (w.state == ABORTING)
        pthread_cond_wait(&w.cond, &w.lock);
    fired = w.state == FIRED;
    w.state = IDLE;
    w.npids = 0;
    pthread_cond_signal(&w.cond);
    pthread_mutex_unlock(&w.lock);
    return fired;
}

static void on_before(const char *name, pcb_gb_state *st)
{
    (void)name;
    (void)st;
    pcb_watchdog_arm();
}

static void on_after(const char *name, pcb_gb_state *st)
{
    static char msg[192]; /* the library copies it */

    (void)name;
    if (!pcb_watchdog_disarm() || pcb_gb_error_occurred(st))
        return;
    snprintf(msg, sizeof(msg), "timed out: the run took more than %llu s (--pcb_case_timeout)",
             (unsigned long long)pcb_watchdog_timeout());
    pcb_gb_skip_with_error(st, msg);
}

void pcb_watchdog_install(void)
{
    if (w.running)
        pcb_gb_add_run_hooks(on_before, on_after);
}

uint64_t pcb_watchdog_timeout(void)
{
    return w.timeout_ns / 1000000000ULL;
}
