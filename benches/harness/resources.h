/*
 * resources.h - what a case costs besides time: CPU, context switches, memory, counted over
 * this process (all its threads) and every worker process of the pool.
 *
 * This process is read with getrusage(RUSAGE_SELF), which covers every thread, also exited
 * ones. Worker processes are alive while they work, so they are read from /proc: the CPU time
 * from each thread's schedstat (nanoseconds; /proc/PID/stat ticks where schedstat is missing),
 * context switches and peak RSS from status. Sampling reads files and allocates: it is done
 * before and after a measured loop, never inside it.
 */
#ifndef PCB_RESOURCES_H
#define PCB_RESOURCES_H

#include <stddef.h>
#include <stdint.h>
#include <sys/types.h>

struct pcb_usage {
    uint64_t wall_ns; /* CLOCK_MONOTONIC before the first reading */
    uint64_t end_ns;  /* CLOCK_MONOTONIC after the last reading */
    uint64_t cpu_ns;  /* user + system time of self and workers */
    uint64_t vcsw;    /* voluntary context switches (a thread blocked) */
    uint64_t ivcsw;   /* involuntary context switches (a thread was preempted) */
};

/* Samples self and the worker processes `pids[0..n)`. Returns 0 or -errno. */
int pcb_usage_sample(const pid_t *pids, size_t n, struct pcb_usage *u);

/*
 * Cores used between two samples: the CPU time they differ by over the wall time that holds
 * every reading of both, from u0's first to u1's last. Each thread's CPU time is read twice
 * within that window, so it adds at most the window, and no more threads than the CPUs this
 * process may use run at once: the result is at most that CPU count. The one way past it is
 * the kernel's: it adds a running thread's time at scheduler ticks and switches, so a reading
 * may lag by up to a tick, and the result is capped at the CPU count for that. The window must
 * be the samples' own: dividing by a shorter wall time (a batch's, inside it) counts the
 * samplers' own reading of /proc and the workers' spinning after the batch against time
 * that does not hold them (`pcbench run` once showed 3.9 cores on 2 CPUs so).
 */
double pcb_usage_cores(const struct pcb_usage *u0, const struct pcb_usage *u1);

/* The child processes of this process (of all its threads), into out[0..cap); returns how
 * many were written. From /proc/self/task/<tid>/children; 0 when /proc tells nothing. */
size_t pcb_children(pid_t *out, size_t cap);

/* Resets this process's peak RSS (VmHWM) to its current RSS. Returns 0 or -errno. */
int pcb_peak_rss_reset(void);

/* Peak RSS of self plus each worker, bytes. Forked workers share copy-on-write pages with
 * the parent; this sum counts such a page once per process, as RSS always does. */
uint64_t pcb_peak_rss(const pid_t *pids, size_t n);

/* Proportional set size of self plus each worker, bytes: shared pages are divided among the
 * processes that map them, so the sum is the memory really used, now. 0 when unavailable. */
uint64_t pcb_pss(const pid_t *pids, size_t n);

#endif
