/*
 * partitioned.c - Partitioned: threads with static scheduling, no shared queue.
 *
 * The N tasks of a batch are split up front into K contiguous ranges whose sizes differ by at
 * most one: worker i runs [i*q + min(i, r), (i+1)*q + min(i+1, r)) with q = N / K, r = N % K.
 * No task is ever claimed at run time, so there is no shared cursor to contend on; the price is
 * that a slow range is not helped by the others (no load balancing).
 *
 * Variants: wait:park (workers and caller block on futexes between and at the end of batches)
 * or wait:spin (they poll for PCB__SPIN_NS first, then block).
 *
 * Memory-order rules (relied on below):
 *  - the caller writes `tasks` and `salt`, then bumps `gen` with release; a worker reads `gen`
 *    with acquire before it reads them;
 *  - a worker writes its slot, then decrements `pending` with release (acq_rel); the caller
 *    reads `pending` with acquire and reads the slots only once it is zero.
 */
#define _GNU_SOURCE
#include "dispatch.h"
#include "support.h"

#include <errno.h>
#include <limits.h>
#include <pthread.h>
#include <stdlib.h>
#include <string.h>

struct shared {
    /* Caller-written control, on its own line: workers sleep on `gen` between batches. */
    _Alignas(PCB__CACHE_LINE) _Atomic uint32_t gen; /* futex; bumped to start a batch or stop */
    _Atomic uint32_t stop;                          /* set before the last bump: exit */
    uint64_t tasks;                                 /* N of the current batch */
    uint64_t salt;                                  /* its salt */
    /* Completion and start gates, on their own line: each worker writes them once a batch. */
    _Alignas(PCB__CACHE_LINE) _Atomic uint32_t pending; /* futex; workers still in the batch */
    _Atomic uint32_t ready;                             /* futex; workers past the start gate */
};

struct worker_arg {
    struct pcb_pool *pool; /* the pool */
    unsigned id;           /* range and slot index */
};

struct pcb_pool {
    struct shared sh;                    /* gates; first, for its alignment */
    const struct pcb_workload *workload; /* the work */
    const struct pcb_input *input;       /* its input */
    unsigned workers;                    /* K */
    enum pcb__wait_policy wait;          /* park or spin */
    enum pcb_pin pin;                    /* placement */
    struct pcb__slot *slots;             /* K result slots, one cache line each */
    pthread_t *threads;                  /* K handles */
    struct worker_arg *args;             /* K thread arguments */
    unsigned started;                    /* threads created so far (for cleanup on error) */
};

static const struct pcb_variant variants[] = {
    {.name = "wait", .values = pcb__wait_values, .nvalues = 2, .nquick = 1},
};

static void *worker_main(void *arg)
{
    struct worker_arg *a = arg;
    struct pcb_pool *p = a->pool;
    struct shared *sh = &p->sh;
    uint32_t seen = atomic_load_explicit(&sh->gen, memory_order_acquire);

    pcb__worker_self(p->pin, a->id);
    atomic_fetch_add_explicit(&sh->ready, 1, memory_order_release);
    pcb__futex_wake(&sh->ready, 1, 1);
    for (;;) {
        pcb__wait_change(&sh->gen, seen, 1, p->wait, 0);
        seen = atomic_load_explicit(&sh->gen, memory_order_acquire);
        if (atomic_load_explicit(&sh->stop, memory_order_relaxed))
            return NULL;
        uint64_t n = sh->tasks, k = p->workers, q = n / k, r = n % k, i = a->id;
        uint64_t first = i * q + (i < r ? i : r);
        uint64_t end = first + q + (i < r ? 1 : 0);
        struct pcb__slot local = {0};
        pcb__run_range(p->workload, p->input, first, end, sh->salt, &local);
        pcb__slot_publish(&p->slots[i], &local);
        if (atomic_fetch_sub_explicit(&sh->pending, 1, memory_order_acq_rel) == 1)
            pcb__futex_wake(&sh->pending, 1, 1);
    }
}

static void stop(struct pcb_pool *p)
{
    if (!p)
        return;
    atomic_store_explicit(&p->sh.stop, 1, memory_order_relaxed);
    atomic_fetch_add_explicit(&p->sh.gen, 1, memory_order_release);
    pcb__futex_wake(&p->sh.gen, INT_MAX, 1);
    for (unsigned i = 0; i < p->started; i++)
        pthread_join(p->threads[i], NULL);
    free(p->threads);
    free(p->args);
    free(p->slots);
    free(p);
}

static int start(const struct pcb_pool_config *cfg, struct pcb_pool **out)
{
    unsigned k = cfg->workers ? cfg->workers : 1;
    struct pcb_pool *p = aligned_alloc(PCB__CACHE_LINE, (sizeof(*p) + PCB__CACHE_LINE - 1) &
                                                            ~(size_t)(PCB__CACHE_LINE - 1));
    int err = -ENOMEM;

    if (!p)
        return -ENOMEM;
    memset(p, 0, sizeof(*p));
    p->workload = cfg->workload;
    p->input = cfg->input;
    p->workers = k;
    p->wait = cfg->variant[0] == 1 ? PCB__WAIT_SPIN : PCB__WAIT_PARK;
    p->pin = cfg->pin;
    p->slots = aligned_alloc(PCB__CACHE_LINE, (size_t)k * sizeof(*p->slots));
    p->threads = calloc(k, sizeof(*p->threads));
    p->args = calloc(k, sizeof(*p->args));
    if (!p->slots || !p->threads || !p->args)
        goto err;
    for (unsigned i = 0; i < k; i++) {
        p->args[i] = (struct worker_arg){.pool = p, .id = i};
        int rc = pthread_create(&p->threads[i], NULL, worker_main, &p->args[i]);
        if (rc) {
            err = -rc;
            goto err;
        }
        p->started++;
    }
    /* The start gate: every worker exists and waits before start() returns. */
    uint32_t r;
    while ((r = atomic_load_explicit(&p->sh.ready, memory_order_acquire)) != k)
        pcb__futex_wait(&p->sh.ready, r, 1, NULL);
    *out = p;
    return 0;
err:
    stop(p);
    return err;
}

static int run(struct pcb_pool *p, const struct pcb_batch *b, struct pcb_batch_result *res)
{
    struct shared *sh = &p->sh;
    uint32_t left;

    p->sh.tasks = b->tasks;
    p->sh.salt = b->salt;
    atomic_store_explicit(&sh->pending, p->workers, memory_order_relaxed);
    atomic_fetch_add_explicit(&sh->gen, 1, memory_order_release);
    pcb__futex_wake(&sh->gen, INT_MAX, 1);
    while ((left = atomic_load_explicit(&sh->pending, memory_order_acquire)) != 0)
        pcb__wait_change(&sh->pending, left, 1, p->wait, 0);

    pcb__slots_merge(p->slots, p->workers, res);
    return 0;
}

const struct pcb_runner pcb_runner_partitioned = {
    .name = "Partitioned",
    .summary = "threads, the N tasks split up front into K contiguous ranges (static, no queue)",
    .flags = PCB_RUNNER_WORKERS,
    .max_workers = 4096,
    .start = start,
    .run = run,
    .stop = stop,
    .variants = variants,
    .nvariants = 1,
};
