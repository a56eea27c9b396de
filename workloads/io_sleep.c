/*
 * io_sleep.c - IO.sleep: a simulated remote call, a fixed latency per task and no CPU.
 *
 * The blocking form sleeps on an absolute CLOCK_MONOTONIC deadline (so EINTR cannot shorten or
 * lengthen the wait); the asynchronous form hands back the deadline for an event loop to wait
 * on. Both check that the deadline really passed before they produce the digest: a strategy
 * that skips the wait gets PCB_EEARLY, never a fast, wrong-looking success. The latency a task
 * actually sees also depends on the thread's timer slack (50 us by default on Linux), which
 * pcbench lowers and records in the JSON context.
 */
#define _GNU_SOURCE
#include "workload.h"

#include <errno.h>
#include <stdlib.h>
#include <time.h>

struct pcb_input {
    uint64_t seed;       /* mixed into every digest */
    uint64_t latency_ns; /* the wait per task */
};

static const struct pcb_param_spec params[] = {
    {.name = "latency_us",
     .help = "simulated latency of one task, microseconds",
     .min = 1,
     .max = 10000000,
     .defaults = {1000},
     .ndefaults = 1,
     .quick = 200},
};

static int prepare(const uint64_t *values, uint64_t seed, struct pcb_input **out)
{
    struct pcb_input *in = malloc(sizeof(*in));

    if (!in)
        return -ENOMEM;
    in->seed = seed;
    in->latency_ns = values[0] * 1000;
    *out = in;
    return 0;
}

static void release(struct pcb_input *in)
{
    free(in);
}

static uint64_t task_digest(const struct pcb_input *in, uint64_t task)
{
    return pcb_mix64(in->seed ^ pcb_mix64(task) ^ in->latency_ns);
}

static int run(const struct pcb_input *in, uint64_t task, uint64_t *digest)
{
    int err = pcb_sleep_ns(in->latency_ns);

    if (err)
        return err;
    *digest = task_digest(in, task);
    return 0;
}

static int start(const struct pcb_input *in, uint64_t task, struct pcb_wait *w)
{
    (void)task;
    pcb_wait_timer(w, in->latency_ns);
    return 0;
}

static uint64_t task_wait_ns(const struct pcb_input *in)
{
    return in->latency_ns;
}

static int finish(const struct pcb_input *in, uint64_t task, struct pcb_wait *w, uint64_t *digest)
{
    int err = pcb_wait_timer_over(w);

    if (err)
        return err;
    *digest = task_digest(in, task);
    return 0;
}

const struct pcb_workload pcb_wl_io_sleep = {
    .name = "IO.sleep",
    .summary = "wait a fixed latency per task (a timer), no CPU: a simulated remote call",
    .kind = PCB_WL_WAIT,
    .params = params,
    .nparams = sizeof(params) / sizeof(params[0]),
    .prepare = prepare,
    .release = release,
    .run = run,
    .start = start,
    .finish = finish,
    .task_wait_ns = task_wait_ns,
};
