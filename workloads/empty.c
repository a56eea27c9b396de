/*
 * empty.c - Empty: a task that does nothing but return its digest.
 *
 * It exists to measure what a strategy itself costs: one batch of one empty task is a round
 * trip from the caller to a worker and back, to be read against the Floor/ cases (futex and
 * pipe ping-pong) measured in the same run. Its async form is ready at once.
 */
#include "workload.h"

#include <errno.h>
#include <stdlib.h>

struct pcb_input {
    uint64_t seed; /* mixed into every digest */
};

static int prepare(const uint64_t *values, uint64_t seed, struct pcb_input **out)
{
    struct pcb_input *in = malloc(sizeof(*in));

    (void)values;
    if (!in)
        return -ENOMEM;
    in->seed = seed;
    *out = in;
    return 0;
}

static void release(struct pcb_input *in)
{
    free(in);
}

static int run(const struct pcb_input *in, uint64_t task, uint64_t *digest)
{
    *digest = pcb_mix64(in->seed + task);
    return 0;
}

static int start(const struct pcb_input *in, uint64_t task, struct pcb_wait *w)
{
    (void)in;
    (void)task;
    w->fd = -1;
    w->deadline_ns = 0;
    return 0;
}

static int finish(const struct pcb_input *in, uint64_t task, struct pcb_wait *w, uint64_t *digest)
{
    (void)w;
    return run(in, task, digest);
}

const struct pcb_workload pcb_wl_empty = {
    .name = "Empty",
    .summary = "no work at all: a strategy's own round trip, read against the Floor/ cases",
    .kind = PCB_WL_EMPTY,
    .params = NULL,
    .nparams = 0,
    .prepare = prepare,
    .release = release,
    .run = run,
    .start = start,
    .finish = finish,
};
