/*
 * leaks.h - the leak check: every run of every case leaves pcbench as it found it.
 *
 * Right before each run of a case's function (every call the library makes: warm-up, its
 * iteration probes, each repetition) and right after it returns, outside any timed region,
 * pcbench takes a snapshot of what a case could leave behind:
 *
 *   - its open file descriptors (/proc/self/fd);
 *   - its threads (/proc/self/task);
 *   - its child processes, zombies included (/proc/self/task/TID/children of every thread);
 *   - the POSIX shared-memory objects and message queues it named: entries of /dev/shm and
 *     /dev/mqueue called "pcb-<kind>-<pid>-..." with <pid> this process (every name that
 *     shm_open and mq_open get in runners/ and benches/ has that form; /dev/mqueue is read
 *     where it is mounted).
 *
 * When the second snapshot has more descriptors, threads or children than the first, or a name
 * of ours that the first did not have, the run fails through pcb_gb_skip_with_error() with one
 * message naming what leaked:
 *
 *   leaked 1 file descriptor (7 -> pipe:[1234]), 2 threads (4321 pcbench, 4322 pcbench)
 *
 * A run that had already failed keeps its own message; what it leaked is said on stderr.
 *
 * What is not a leak, precisely:
 *   - What exists before a run. Libraries set up their long-lived state on first use
 *     (the allocator's arenas, the resolver, Open MPI's runtime in MPI_Init): all of it is in
 *     place before the first case runs, or is released by the strategy that uses it. libgomp's
 *     thread pool is the one that outlives a parallel region; the OpenMP runner's stop() releases
 *     it (omp_pause_resource_all, which libgomp honours) and waits for its threads to exit.
 *   - A thread on its way out. A joined thread can stay listed in /proc/self/task for a moment
 *     after pthread_join() returns, as can libgomp's released threads and io_uring's kernel
 *     workers after their ring is closed; so while the thread count is above the first
 *     snapshot's, the threads are read again, for up to PCB_LEAKS_SETTLE_MS, before any are
 *     called leaked.
 *   - In an MPI job of two or more ranks (rank 0 runs the cases), descriptors and threads are
 *     not counted: Open MPI opens connections and may start threads on first contact with each
 *     rank, in whatever case that happens. Children and names still are.
 *
 * The check is always on; a snapshot reads a few small /proc directories (well under a
 * millisecond with the handful of descriptors and threads pcbench has between cases).
 */
#ifndef PCB_LEAKS_H
#define PCB_LEAKS_H

#include <stdbool.h>
#include <stddef.h>
#include <sys/types.h>

/* How long a thread count above the first snapshot's may take to come back down. */
#define PCB_LEAKS_SETTLE_MS 2000
/* Identities kept per kind (more are counted, not named). */
#define PCB_LEAKS_MAX_IDS 1024
#define PCB_LEAKS_MAX_NAMES 64
#define PCB_LEAKS_NAME_LEN 80

/* What this process holds at one moment. */
struct pcb_leaks_snapshot {
    size_t nfds, nthreads, nchildren, nnames; /* counts (may exceed what is kept below) */
    int fds[PCB_LEAKS_MAX_IDS];               /* descriptor numbers, ascending */
    pid_t threads[PCB_LEAKS_MAX_IDS];         /* thread ids */
    pid_t children[PCB_LEAKS_MAX_IDS];        /* child pids */
    char names[PCB_LEAKS_MAX_NAMES][PCB_LEAKS_NAME_LEN]; /* "/dev/shm/pcb-..." */
};

/* Which kinds a check counts. */
struct pcb_leaks_scope {
    bool fds;     /* open file descriptors */
    bool threads; /* threads of this process */
};

/* Fills `s` from /proc, /dev/shm and /dev/mqueue. Returns 0 or -errno (nothing is counted of
 * a directory that cannot be read; /dev/mqueue not mounted is not an error). Allocates nothing
 * that outlives the call. */
int pcb_leaks_snapshot(struct pcb_leaks_snapshot *s);

/*
 * Takes a snapshot into `after` and compares it with `before` (waiting up to
 * PCB_LEAKS_SETTLE_MS for exiting threads, see above). Returns 0 when nothing leaked, else 1
 * with "leaked ..." in msg (truncated to cap).
 */
int pcb_leaks_check(const struct pcb_leaks_snapshot *before, struct pcb_leaks_scope scope,
                    struct pcb_leaks_snapshot *after, char *msg, size_t cap);

/* Installs the check around every run of every case registered through gbench.h. */
void pcb_leaks_install(void);

#endif
