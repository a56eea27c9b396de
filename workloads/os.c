/*
 * os.c - the few operating-system helpers every layer shares: the monotonic clock, the timer
 * waits of waiting workloads, and forking a child that dies with its parent. Declared in
 * workload.h; nothing here allocates.
 */
#define _GNU_SOURCE
#include "workload.h"

#include <errno.h>
#include <signal.h>
#include <stdio.h>
#include <sys/prctl.h>
#include <time.h>
#include <unistd.h>

uint64_t pcb_now_ns(void)
{
    struct timespec ts;

    clock_gettime(CLOCK_MONOTONIC, &ts);
    return (uint64_t)ts.tv_sec * 1000000000ULL + (uint64_t)ts.tv_nsec;
}

int pcb_sleep_ns(uint64_t ns)
{
    uint64_t deadline = pcb_now_ns() + ns;
    struct timespec ts = {.tv_sec = (time_t)(deadline / 1000000000ULL),
                          .tv_nsec = (long)(deadline % 1000000000ULL)};
    int err = 0;

    if (ns)
        while ((err = clock_nanosleep(CLOCK_MONOTONIC, TIMER_ABSTIME, &ts, NULL)) == EINTR)
            ;
    if (err)
        return -err;
    return pcb_now_ns() < deadline ? PCB_EEARLY : 0;
}

/* The seal of a deadline copy: a mix of the deadline, never equal to it, and not 0 for the
 * deadline 0, so a cleared wait (deadline and seal both 0) does not pass. */
static uint64_t timer_seal(uint64_t deadline)
{
    return pcb_mix64(deadline ^ 0x7063622d74696d65ULL); /* "pcb-time" */
}

void pcb_wait_timer(struct pcb_wait *w, uint64_t ns)
{
    w->fd = -1;
    w->deadline_ns = pcb_now_ns() + ns;
    w->scratch[0] = w->deadline_ns;
    w->timer_seal = timer_seal(w->deadline_ns);
}

int pcb_wait_timer_over(const struct pcb_wait *w)
{
    if (w->timer_seal != timer_seal(w->scratch[0]))
        return PCB_EEARLY; /* the copy was changed: its deadline is unknown */
    return pcb_now_ns() < w->scratch[0] ? PCB_EEARLY : 0;
}

pid_t pcb__fork_child(void)
{
    pid_t parent = getpid();

    fflush(NULL); /* the child must not write the parent's buffered output a second time */
    pid_t pid = fork();
    if (pid < 0)
        return -errno;
    if (pid == 0) {
        /* Die with the parent; and if it died before the request took effect, go now. */
        prctl(PR_SET_PDEATHSIG, SIGKILL);
        if (getppid() != parent)
            _exit(1);
    }
    return pid;
}
