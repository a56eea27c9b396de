/*
 * async.c - Async and AsyncBlocking: one thread, one event loop (evloop.h).
 *
 * Async keeps up to K tasks in flight (the `workers` axis counts tasks in flight, not threads)
 * and waits for all of them in one system call per round: epoll_pwait2() with a user-space
 * timer heap (backend:epoll), or io_uring (backend:uring). When the kernel refuses io_uring the
 * pool does not start and the case says why; it never falls back to epoll under the uring name.
 * CPU-bound work, which has no asynchronous form, runs inline on the loop: no gain, by design.
 *
 * AsyncBlocking is the same loop calling the blocking form run() of every task, one after the
 * other: the "falsely asynchronous" row, about N times one task's latency for waiting work.
 *
 * Both run in the caller's thread: there is no worker to start, pin or reap.
 */
#define _GNU_SOURCE
#include "evloop.h"
#include "support.h"

#include <errno.h>
#include <stdlib.h>
#include <string.h>

struct pcb_pool {
    struct pcb__loop *loop; /* the loop, built at start */
    uint64_t tasks;         /* N of the running batch */
    int claimed;            /* the batch was handed to the loop */
};

static const struct pcb_variant async_variants[] = {
    {.name = "backend", .values = pcb__backend_values, .nvalues = 2, .nquick = 2},
};

/* Tasks in flight swept for waiting work (one in flight is AsyncBlocking's row): the thread
 * pools' counts from 8 to 256, so every strategy is compared at equal concurrency, then the
 * counts only an event loop reaches. The quick profile takes the first two. */
static const uint64_t in_flight[] = {8, 32, 256, 1000, 10000};

static void stop(struct pcb_pool *p)
{
    if (!p)
        return;
    pcb__loop_close(p->loop);
    free(p);
}

static int start_common(const struct pcb_pool_config *cfg, int blocking, struct pcb_pool **out)
{
    struct pcb_pool *p = calloc(1, sizeof(*p));
    int err;

    if (!p)
        return -ENOMEM;
    err = pcb__loop_init(cfg, blocking ? 1 : cfg->workers,
                         blocking ? PCB__BACKEND_EPOLL : (enum pcb__backend)(cfg->variant[0] == 1),
                         blocking, &p->loop);
    if (err) {
        free(p);
        return err;
    }
    *out = p;
    return 0;
}

static int start_async(const struct pcb_pool_config *cfg, struct pcb_pool **out)
{
    return start_common(cfg, 0, out);
}

static int start_blocking(const struct pcb_pool_config *cfg, struct pcb_pool **out)
{
    return start_common(cfg, 1, out);
}

/* The whole batch is one range. */
static int claim_all(void *ctx, uint64_t *first, uint64_t *end)
{
    struct pcb_pool *p = ctx;

    if (p->claimed || p->tasks == 0)
        return 0;
    p->claimed = 1;
    *first = 0;
    *end = p->tasks;
    return 1;
}

static int run(struct pcb_pool *p, const struct pcb_batch *b, struct pcb_batch_result *res)
{
    struct pcb__slot acc = {0};
    int err;

    p->tasks = b->tasks;
    p->claimed = 0;
    err = pcb__loop_run(p->loop, claim_all, p, b->salt, &acc);
    if (err)
        return err;
    memset(res, 0, sizeof(*res));
    res->digest = acc.digest;
    res->done = acc.done;
    res->failed = acc.failed;
    res->err = acc.err;
    res->err_task = acc.err_task;
    return 0;
}

const struct pcb_runner pcb_runner_async = {
    .name = "Async",
    .summary = "one thread, one event loop, K tasks in flight (epoll + timer heap, or io_uring)",
    .flags = PCB_RUNNER_WORKERS | PCB_RUNNER_IN_FLIGHT,
    .max_workers = PCB_MAX_WORKERS,
    .start = start_async,
    .run = run,
    .stop = stop,
    .variants = async_variants,
    .nvariants = 1,
    .wait_workers = in_flight,
    .nwait_workers = 5,
};

const struct pcb_runner pcb_runner_async_blocking = {
    .name = "AsyncBlocking",
    .summary = "the same loop calling each task's blocking run(): falsely asynchronous",
    .flags = 0,
    .max_workers = 1,
    .start = start_blocking,
    .run = run,
    .stop = stop,
};
