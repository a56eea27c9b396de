/*
 * mixed_hash_sleep.c - Mixed.hash_sleep: a task that computes, then waits.
 *
 * One task nominally lasts `task_us` microseconds: `cpu_pct` percent of it is hashing (the
 * CPU.hash mixer over a 4 KiB buffer, a fixed amount of work calibrated at about 5 KiB per
 * microsecond, so the amount never depends on timing) and the rest is a timer wait. The blocking
 * form hashes, then sleeps on an absolute CLOCK_MONOTONIC deadline; the asynchronous form
 * hashes inside start() and hands the deadline to the event loop, and finish() checks that the
 * deadline really passed (PCB_EEARLY otherwise). It shows where a strategy tuned for waiting
 * (many threads, an event loop) stops helping because the compute part needs cores.
 */
#define _GNU_SOURCE
#include "workload.h"

#include <errno.h>
#include <stdlib.h>
#include <time.h>

#define BUF_WORDS 512       /* 4 KiB */
#define KIB_PER_US_X100 500 /* hashing speed assumed by the split: 5 KiB per microsecond */

struct pcb_input {
    uint64_t seed;           /* mixed into every digest */
    uint64_t hash_words;     /* 64-bit words hashed per task */
    uint64_t sleep_ns;       /* the wait per task */
    uint64_t buf[BUF_WORDS]; /* the hashed data; read-only */
};

static const struct pcb_param_spec params[] = {
    {.name = "cpu_pct",
     .help = "percent of a task's nominal time spent computing; the rest waits",
     .min = 0,
     .max = 100,
     .defaults = {10, 50, 90},
     .ndefaults = 3,
     .quick = 50},
    {.name = "task_us",
     .help = "nominal duration of one task, microseconds (compute + wait)",
     .min = 1,
     .max = 10000000,
     .defaults = {1000},
     .ndefaults = 1,
     .quick = 200},
};

static int prepare(const uint64_t *values, uint64_t seed, struct pcb_input **out)
{
    struct pcb_input *in = malloc(sizeof(*in));
    uint64_t pct = values[0], us = values[1];

    if (!in)
        return -ENOMEM;
    in->seed = seed;
    in->hash_words = us * pct * KIB_PER_US_X100 * 128 / 10000; /* KiB -> 128 words */
    in->sleep_ns = us * (100 - pct) * 10;                      /* us * 1000 * (100-pct)/100 */
    for (size_t i = 0; i < BUF_WORDS; i++)
        in->buf[i] = pcb_mix64(seed ^ (i + 0x6d69786564ULL));
    *out = in;
    return 0;
}

static void release(struct pcb_input *in)
{
    free(in);
}

static inline uint64_t rotl(uint64_t x, int r)
{
    return (x << r) | (x >> (64 - r));
}

/* The compute part; its result is part of the digest. */
static uint64_t compute(const struct pcb_input *in, uint64_t task)
{
    uint64_t h = pcb_mix64(in->seed ^ (task * 0x9e3779b97f4a7c15ULL));

    for (uint64_t i = 0; i < in->hash_words; i++)
        h = rotl((h ^ in->buf[i % BUF_WORDS]) * 0xff51afd7ed558ccdULL, 31);
    return h;
}

static uint64_t task_digest(const struct pcb_input *in, uint64_t task, uint64_t h)
{
    return pcb_mix64(h ^ pcb_mix64(task + in->sleep_ns));
}

static int run(const struct pcb_input *in, uint64_t task, uint64_t *digest)
{
    uint64_t h = compute(in, task);
    int err = pcb_sleep_ns(in->sleep_ns);

    if (err)
        return err;
    *digest = task_digest(in, task, h);
    return 0;
}

static int start(const struct pcb_input *in, uint64_t task, struct pcb_wait *w)
{
    w->scratch[1] = compute(in, task);
    pcb_wait_timer(w, in->sleep_ns);
    return 0;
}

static uint64_t task_wait_ns(const struct pcb_input *in)
{
    return in->sleep_ns;
}

static int finish(const struct pcb_input *in, uint64_t task, struct pcb_wait *w, uint64_t *digest)
{
    int err = pcb_wait_timer_over(w);

    if (err)
        return err;
    *digest = task_digest(in, task, w->scratch[1]);
    return 0;
}

const struct pcb_workload pcb_wl_mixed_hash_sleep = {
    .name = "Mixed.hash_sleep",
    .summary = "hash for cpu_pct% of a task, wait for the rest: where waiting stops hiding",
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
