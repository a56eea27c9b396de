/*
 * threaded.c - Threaded: a pthread pool with one shared task queue (dynamic scheduling).
 *
 * K threads serve batches from the dispatch queue (dispatch.h): each claims `chunk` tasks at a
 * time from an atomic cursor until the batch is exhausted. Threads park on a private futex
 * between batches. The caller does not run tasks itself; it waits for the last worker.
 */
#define _GNU_SOURCE
#include "dispatch.h"

#include <errno.h>
#include <pthread.h>
#include <stdlib.h>

struct worker_arg {
    struct pcb__dispatch *d; /* shared queue */
    unsigned id;             /* slot index */
};

struct pcb_pool {
    struct pcb__dispatch *d; /* queue, gates and result slots */
    pthread_t *threads;      /* K handles */
    struct worker_arg *args; /* K thread arguments */
    unsigned started;        /* threads created so far (for cleanup on error) */
};

static void *worker_main(void *arg)
{
    struct worker_arg *a = arg;

    pcb__dispatch_serve(a->d, a->id);
    return NULL;
}

static void stop(struct pcb_pool *p)
{
    if (!p)
        return;
    if (p->d) {
        pcb__dispatch_stop(p->d);
        for (unsigned i = 0; i < p->started; i++)
            pthread_join(p->threads[i], NULL);
    }
    free(p->threads);
    free(p->args);
    free(p->d);
    free(p);
}

static int start(const struct pcb_pool_config *cfg, struct pcb_pool **out)
{
    unsigned k = cfg->workers;
    struct pcb_pool *p = calloc(1, sizeof(*p));
    int err = -ENOMEM;

    if (!p)
        return -ENOMEM;
    p->d = aligned_alloc(PCB__CACHE_LINE, (pcb__dispatch_size(k) + PCB__CACHE_LINE - 1) &
                                              ~(size_t)(PCB__CACHE_LINE - 1));
    p->threads = calloc(k, sizeof(*p->threads));
    p->args = calloc(k, sizeof(*p->args));
    if (!p->d || !p->threads || !p->args)
        goto err;
    pcb__dispatch_init(p->d, k, 1, cfg->workload, cfg->input);
    p->d->pin = cfg->pin;
    for (unsigned i = 0; i < k; i++) {
        p->args[i] = (struct worker_arg){.d = p->d, .id = i};
        int rc = pthread_create(&p->threads[i], NULL, worker_main, &p->args[i]);
        if (rc) {
            err = -rc;
            goto err;
        }
        p->started++;
    }
    err = pcb__dispatch_wait_ready(p->d, NULL, NULL);
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
    return pcb__dispatch_run(p->d, b, res, NULL, NULL);
}

const struct pcb_runner pcb_runner_threaded = {
    .name = "Threaded",
    .summary = "pthread pool, one shared queue, tasks claimed `chunk` at a time (dynamic)",
    .flags = PCB_RUNNER_WORKERS | PCB_RUNNER_CHUNK,
    .max_workers = PCB_MAX_WORKERS,
    .start = start,
    .run = run,
    .stop = stop,
};
