/*
 * multiprocess.c - Multiprocess: a pool of forked worker processes with dynamic hand-out.
 *
 * The same dispatch queue as Threaded (dispatch.h), placed in an anonymous MAP_SHARED mapping
 * made before fork(), with process-shared futexes. Workers get the input by fork (copy-on-write),
 * never by copying it per task; results come back through their slots in the shared mapping.
 *
 * Nothing is left behind: workers ask the kernel to kill them if the parent dies
 * (PR_SET_PDEATHSIG), stop() reaps every worker (SIGKILL after a grace period), and the mapping
 * is anonymous, so no /dev/shm name exists. A worker that dies during a batch is noticed within
 * POLL_MS by the caller's liveness check and the batch fails with PCB_EWORKER.
 */
#define _GNU_SOURCE
#include "dispatch.h"
#include "support.h"

#include <errno.h>
#include <signal.h>
#include <stdlib.h>
#include <sys/mman.h>
#include <sys/wait.h>
#include <unistd.h>

/* How long stop() waits for workers to exit by themselves before it kills them. */
#define STOP_GRACE_MS 2000

struct pcb_pool {
    struct pcb__dispatch *d; /* in a MAP_SHARED mapping of `map_len` bytes */
    size_t map_len;          /* length of that mapping */
    pid_t *pids;             /* K worker pids; 0 once reaped */
    unsigned started;        /* workers forked so far */
    char *why;               /* the config's `why` buffer: says which worker died, and how */
    size_t why_len;
};

static uint64_t note(void *ctx, unsigned index)
{
    return pcb__dispatch_running(((struct pcb_pool *)ctx)->d, index);
}

/* Liveness check: reaps any worker that exited and reports the pool as broken, naming the worker,
 * how it ended and the task it was running. */
static int check_workers(void *ctx)
{
    struct pcb_pool *p = ctx;
    struct pcb__exit ex;
    int err = pcb__check_pids(p->pids, p->started, &ex, note, p);

    if (err)
        pcb__explain_exit(p->why, p->why_len, &ex, NULL);
    return err;
}

static void stop(struct pcb_pool *p)
{
    if (!p)
        return;
    if (p->d) {
        pcb__dispatch_stop(p->d);
        pcb__reap(p->pids, p->started, STOP_GRACE_MS);
        munmap(p->d, p->map_len);
    }
    free(p->pids);
    free(p);
}

static int start(const struct pcb_pool_config *cfg, struct pcb_pool **out)
{
    unsigned k = cfg->workers;
    struct pcb_pool *p = calloc(1, sizeof(*p));
    int err = -ENOMEM;

    if (!p)
        return -ENOMEM;
    p->why = cfg->why;
    p->why_len = cfg->why_len;
    p->pids = calloc(k, sizeof(*p->pids));
    if (!p->pids)
        goto err;
    p->map_len = pcb__dispatch_size(k);
    void *m = mmap(NULL, p->map_len, PROT_READ | PROT_WRITE, MAP_SHARED | MAP_ANONYMOUS, -1, 0);
    if (m == MAP_FAILED) {
        err = -errno;
        goto err;
    }
    p->d = m;
    pcb__dispatch_init(p->d, k, 0, cfg->workload, cfg->input);
    p->d->pin = cfg->pin;

    for (unsigned i = 0; i < k; i++) {
        pid_t pid = pcb__fork_child();
        if (pid < 0) {
            err = pid;
            goto err;
        }
        if (pid == 0) {
            /* Worker: serve, and leave without running atexit handlers or flushing stdio
             * buffers inherited from the parent. */
            pcb__dispatch_serve(p->d, i);
            _exit(0);
        }
        p->pids[i] = pid;
        p->started++;
    }
    err = pcb__dispatch_wait_ready(p->d, check_workers, p);
    if (err)
        goto err;
    *out = p;
    return 0;
err:
    stop(p);
    return err;
}

static int run(struct pcb_pool *p, const struct pcb_batch *b, struct pcb_batch_result *res)
{
    return pcb__dispatch_run(p->d, b, res, check_workers, p);
}

static size_t worker_pids(const struct pcb_pool *p, pid_t *pids, size_t cap)
{
    return pcb__live_pids(p->pids, p->started, pids, cap);
}

const struct pcb_runner pcb_runner_multiprocess = {
    .name = "Multiprocess",
    .summary = "forked worker processes, one shared-memory queue, tasks claimed `chunk` at a time",
    .flags = PCB_RUNNER_WORKERS | PCB_RUNNER_CHUNK | PCB_RUNNER_PROCESSES,
    .max_workers = 1024,
    .start = start,
    .run = run,
    .stop = stop,
    .worker_pids = worker_pids,
};
