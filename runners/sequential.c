/*
 * sequential.c - Sequential: the baseline. One worker, the caller itself, tasks in order.
 *
 * There is no pool: start() only records the workload and input, run() loops over the tasks in
 * the calling thread. Every other strategy's speedup is read against this one.
 */
#include "dispatch.h"

#include <errno.h>
#include <stdlib.h>
#include <string.h>

struct pcb_pool {
    const struct pcb_workload *workload; /* the work */
    const struct pcb_input *input;       /* its prepared input */
};

static int start(const struct pcb_pool_config *cfg, struct pcb_pool **out)
{
    struct pcb_pool *p = malloc(sizeof(*p));

    if (!p)
        return -ENOMEM;
    p->workload = cfg->workload;
    p->input = cfg->input;
    *out = p;
    return 0;
}

static int run(struct pcb_pool *p, const struct pcb_batch *b, struct pcb_batch_result *res)
{
    struct pcb__slot s = {0};

    pcb__run_range(p->workload, p->input, 0, b->tasks, b->salt, &s);
    memset(res, 0, sizeof(*res));
    res->digest = s.digest;
    res->done = s.done;
    res->failed = s.failed;
    res->err = s.err;
    res->err_task = s.err_task;
    return 0;
}

static void stop(struct pcb_pool *p)
{
    free(p);
}

const struct pcb_runner pcb_runner_sequential = {
    .name = "Sequential",
    .summary = "the baseline: one worker (the caller), tasks in order",
    .flags = 0,
    .max_workers = 1,
    .start = start,
    .run = run,
    .stop = stop,
};
