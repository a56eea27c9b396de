/*
 * hybrid.c - Hybrid: P worker processes x T threads each, and one event loop per thread.
 *
 * Every one of the P*T threads claims `chunk` tasks at a time from one atomic cursor in an
 * anonymous MAP_SHARED mapping (dynamic scheduling across processes and threads alike) and runs
 * them through its own event loop (evloop.h, epoll backend): waiting work keeps up to
 * LOOP_DEPTH tasks in flight per thread, so the pool has P*T*LOOP_DEPTH waits outstanding at
 * most; work without an asynchronous form runs inline, so for CPU work this is simply P*T
 * threads. Case names spell the shape as procs:P/threads:T; worker_pids() reports the P
 * processes.
 *
 * Each process is forked by the caller, then starts its T-1 extra threads and serves as the
 * T-th itself; its loops are built in the child, before it passes the start gate. The gates and
 * memory-order rules are those of dispatch.h, with process-shared futexes:
 *  - the caller writes tasks/chunk/salt/next/pending, then bumps `gen` with release; a thread
 *    reads `gen` with acquire before it reads the batch fields;
 *  - a thread writes its slot, then decrements `pending` with acq_rel; the caller reads
 *    `pending` with acquire and reads the slots only once it is zero.
 * Liveness: the caller's waits time out every POLL_MS and check the processes (PCB_EWORKER);
 * processes die with the caller (PR_SET_PDEATHSIG) and stop() reaps them.
 */
#define _GNU_SOURCE
#include "evloop.h"
#include "support.h"

#include <errno.h>
#include <limits.h>
#include <pthread.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/mman.h>
#include <unistd.h>

#define LOOP_DEPTH 64 /* tasks in flight per thread's loop, for waiting work */
#define POLL_MS 100
#define STOP_GRACE_MS 1000

static const char *const thread_values[] = {"2", "8"};
static const struct pcb_variant variants[] = {
    {.name = "threads",
     .values = thread_values,
     .nvalues = 2,
     .nquick = 1,
     .flags = PCB_VARIANT_MULTIPLIES},
};

struct shared {
    /* Caller-written control, on its own line: threads sleep on `gen` between batches. */
    _Alignas(PCB__CACHE_LINE) _Atomic uint32_t gen; /* futex; bumped to start a batch or stop */
    _Atomic uint32_t stop;                          /* set before the last bump: exit */
    uint64_t tasks;                                 /* N of the current batch */
    uint64_t chunk;                                 /* tasks per claim */
    uint64_t salt;                                  /* the batch's salt */
    /* The cursor, on its own line: every claim writes it. */
    _Alignas(PCB__CACHE_LINE) _Atomic uint64_t next; /* next unclaimed task */
    /* Gates, on their own line. */
    _Alignas(PCB__CACHE_LINE) _Atomic uint32_t pending; /* futex; threads still in the batch */
    _Atomic uint32_t ready;                             /* futex; threads past the start gate */
    struct pcb__slot slots[];                           /* P*T, one cache line each */
};

struct pcb_pool {
    struct pcb_pool_config cfg; /* copy, without `why`, for the children's loops */
    unsigned procs;             /* P */
    unsigned threads;           /* T per process */
    struct shared *sh;          /* in a MAP_SHARED mapping of map_len bytes */
    size_t map_len;             /* its length */
    pid_t *pids;                /* P; 0 once reaped */
    unsigned started;           /* processes forked so far */
    char *why;                  /* the config's `why`: which process died, how, in which tasks */
    size_t why_len;
};

/* One thread of a worker process. */
struct thread_ctx {
    struct pcb_pool *pool; /* the pool (the child's copy of the parent's memory) */
    unsigned id;           /* slot index: process * T + thread */
    pthread_t handle;      /* for the process's join */
};

/* Claims the next chunk for thread t and notes its first task in the thread's slot (the tasks
 * a dead process was running are named from these notes). */
static int claim(void *ctx, uint64_t *first, uint64_t *end)
{
    struct thread_ctx *t = ctx;
    struct shared *sh = t->pool->sh;
    uint64_t f = atomic_fetch_add_explicit(&sh->next, sh->chunk, memory_order_relaxed);

    if (f >= sh->tasks)
        return 0;
    *first = f;
    *end = sh->tasks - f < sh->chunk ? sh->tasks : f + sh->chunk;
    atomic_store_explicit(&sh->slots[t->id].running, f + 1, memory_order_relaxed);
    return 1;
}

static void *serve(void *arg)
{
    struct thread_ctx *t = arg;
    struct pcb_pool *p = t->pool;
    struct shared *sh = p->sh;
    struct pcb__loop *loop = NULL;
    uint32_t seen = atomic_load_explicit(&sh->gen, memory_order_acquire);

    pcb__worker_self(p->cfg.pin, t->id);
    /* A loop that cannot be built ends the process at once, before the start gate, so the
     * caller's liveness check sees it go instead of waiting for it. */
    if (pcb__loop_init(&p->cfg, LOOP_DEPTH, PCB__BACKEND_EPOLL, 0, &loop) != 0)
        _exit(1);
    atomic_fetch_add_explicit(&sh->ready, 1, memory_order_release);
    pcb__futex_wake(&sh->ready, 1, 0);
    for (;;) {
        pcb__wait_change(&sh->gen, seen, 0, PCB__WAIT_PARK, 0);
        seen = atomic_load_explicit(&sh->gen, memory_order_acquire);
        if (atomic_load_explicit(&sh->stop, memory_order_relaxed))
            break;
        struct pcb__slot local = {0};
        if (pcb__loop_run(loop, claim, t, sh->salt, &local) != 0)
            _exit(1); /* the loop itself failed: the caller sees a dead worker */
        pcb__slot_publish(&sh->slots[t->id], &local);
        if (atomic_fetch_sub_explicit(&sh->pending, 1, memory_order_acq_rel) == 1)
            pcb__futex_wake(&sh->pending, 1, 0);
    }
    pcb__loop_close(loop);
    return NULL;
}

/* The body of worker process `proc`: T threads, itself the last one. */
static void process_main(struct pcb_pool *p, unsigned proc)
{
    unsigned tn = p->threads;
    struct thread_ctx *ts = calloc(tn, sizeof(*ts));

    if (!ts)
        _exit(1);
    for (unsigned j = 0; j < tn; j++)
        ts[j] = (struct thread_ctx){.pool = p, .id = proc * tn + j};
    for (unsigned j = 0; j + 1 < tn; j++)
        if (pthread_create(&ts[j].handle, NULL, serve, &ts[j]) != 0)
            _exit(1);
    serve(&ts[tn - 1]);
    for (unsigned j = 0; j + 1 < tn; j++)
        pthread_join(ts[j].handle, NULL);
    _exit(0);
}

/* The first claim noted by one of process `index`'s threads, plus one (0: none). */
static uint64_t note(void *ctx, unsigned index)
{
    const struct pcb_pool *p = ctx;

    for (unsigned j = 0; j < p->threads; j++) {
        uint64_t r = atomic_load_explicit(&p->sh->slots[index * p->threads + j].running,
                                          memory_order_relaxed);
        if (r)
            return r;
    }
    return 0;
}

/* Explains a dead process in `why`: how it ended and the chunks its threads had claimed last
 * ("tasks 8, 12": each thread's last claim starts there; one chunk of 1 is the exact task). */
static void explain(struct pcb_pool *p, const struct pcb__exit *ex)
{
    char what[128];
    size_t len = 0, named = 0;

    what[0] = '\0';
    for (unsigned j = 0; j < p->threads; j++) {
        uint64_t r = atomic_load_explicit(&p->sh->slots[ex->index * p->threads + j].running,
                                          memory_order_relaxed);
        if (!r)
            continue;
        if (len < sizeof(what))
            len += (size_t)snprintf(what + len, sizeof(what) - len, "%s%llu", named ? ", " : "",
                                    (unsigned long long)(r - 1));
        named++;
    }
    if (named <= 1 && p->sh->chunk == 1) {
        pcb__explain_exit(p->why, p->why_len, ex, NULL);
        return;
    }
    char during[192];
    snprintf(during, sizeof(during), "the chunks its threads claimed from tasks %s", what);
    pcb__explain_exit(p->why, p->why_len, ex, named ? during : NULL);
}

/* Sleeps until *word == target, checking the processes every POLL_MS. */
static int wait_for(struct pcb_pool *p, _Atomic uint32_t *word, uint32_t target)
{
    uint32_t v;

    while ((v = atomic_load_explicit(word, memory_order_acquire)) != target) {
        if (pcb__wait_change(word, v, 0, PCB__WAIT_PARK, POLL_MS) == -ETIMEDOUT) {
            struct pcb__exit ex;
            int err = pcb__check_pids(p->pids, p->started, &ex, note, p);
            if (err) {
                explain(p, &ex);
                return err;
            }
        }
    }
    return 0;
}

static void stop(struct pcb_pool *p)
{
    if (!p)
        return;
    if (p->sh) {
        atomic_store_explicit(&p->sh->stop, 1, memory_order_relaxed);
        atomic_fetch_add_explicit(&p->sh->gen, 1, memory_order_release);
        pcb__futex_wake(&p->sh->gen, INT_MAX, 0);
        pcb__reap(p->pids, p->started, STOP_GRACE_MS);
        munmap(p->sh, p->map_len);
    }
    free(p->pids);
    free(p);
}

static int start(const struct pcb_pool_config *cfg, struct pcb_pool **out)
{
    struct pcb_pool *p = calloc(1, sizeof(*p));
    int err = -ENOMEM;

    if (!p)
        return -ENOMEM;
    p->cfg = *cfg;
    p->cfg.why = NULL;
    p->cfg.why_len = 0;
    p->why = cfg->why;
    p->why_len = cfg->why_len;
    p->procs = cfg->workers ? cfg->workers : 1;
    p->threads =
        (unsigned)strtoul(thread_values[cfg->variant[0] < 2 ? cfg->variant[0] : 0], NULL, 10);
    p->pids = calloc(p->procs, sizeof(*p->pids));
    if (!p->pids)
        goto err;
    p->map_len = sizeof(struct shared) + (size_t)p->procs * p->threads * sizeof(struct pcb__slot);
    void *m = mmap(NULL, p->map_len, PROT_READ | PROT_WRITE, MAP_SHARED | MAP_ANONYMOUS, -1, 0);
    if (m == MAP_FAILED) {
        err = -errno;
        goto err;
    }
    p->sh = m;
    for (unsigned i = 0; i < p->procs; i++) {
        pid_t pid = pcb__fork_child();
        if (pid < 0) {
            err = pid;
            goto err;
        }
        if (pid == 0) {
            process_main(p, i);
        }
        p->pids[i] = pid;
        p->started++;
    }
    if ((err = wait_for(p, &p->sh->ready, p->procs * p->threads)) != 0)
        goto err;
    *out = p;
    return 0;
err:
    stop(p);
    return err;
}

static int run(struct pcb_pool *p, const struct pcb_batch *b, struct pcb_batch_result *res)
{
    struct shared *sh = p->sh;
    unsigned n = p->procs * p->threads;
    int err;

    sh->tasks = b->tasks;
    sh->chunk = b->chunk ? b->chunk : 1;
    sh->salt = b->salt;
    atomic_store_explicit(&sh->next, 0, memory_order_relaxed);
    atomic_store_explicit(&sh->pending, n, memory_order_relaxed);
    atomic_fetch_add_explicit(&sh->gen, 1, memory_order_release);
    pcb__futex_wake(&sh->gen, INT_MAX, 0);
    if ((err = wait_for(p, &sh->pending, 0)) != 0)
        return err;

    pcb__slots_merge(sh->slots, n, res);
    return 0;
}

static size_t worker_pids(const struct pcb_pool *p, pid_t *pids, size_t cap)
{
    return pcb__live_pids(p->pids, p->started, pids, cap);
}

const struct pcb_runner pcb_runner_hybrid = {
    .name = "Hybrid",
    .summary = "P processes x T threads, one shared cursor, one event loop per thread",
    .flags = PCB_RUNNER_WORKERS | PCB_RUNNER_CHUNK | PCB_RUNNER_PROCESSES,
    .max_workers = 256,
    .start = start,
    .run = run,
    .stop = stop,
    .worker_pids = worker_pids,
    .workers_name = "procs",
    .variants = variants,
    .nvariants = 1,
    .wait_depth = LOOP_DEPTH,
};
