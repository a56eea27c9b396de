/*
 * cpu_hash.c - CPU.hash: pure computation with no memory traffic.
 *
 * The input is one 4 KiB buffer (it stays in L1 on every core) filled from the seed. Task i
 * hashes that buffer over and over, starting from a state derived from i, until `kib` KiB have
 * gone through the mixer. The mixer is a serial multiply-rotate chain, so the compiler cannot
 * vectorise it away and the task time is proportional to `kib`. Digest: the final state.
 */
#include "workload.h"

#include <errno.h>
#include <stdlib.h>

#define BUF_WORDS 512 /* 4 KiB of 64-bit words */

struct pcb_input {
    uint64_t seed;           /* the seed the buffer was made from */
    uint64_t kib;            /* KiB hashed per task */
    uint64_t buf[BUF_WORDS]; /* the data; read-only after prepare() */
};

static const struct pcb_param_spec params[] = {
    {.name = "kib",
     .help = "KiB hashed per task (a 4 KiB buffer, hashed repeatedly); ~0.2 us per KiB",
     .min = 1,
     .max = 1u << 20,
     .defaults = {1024},
     .ndefaults = 1,
     .quick = 256},
};

static int prepare(const uint64_t *values, uint64_t seed, struct pcb_input **out)
{
    struct pcb_input *in = malloc(sizeof(*in));

    if (!in)
        return -ENOMEM;
    in->seed = seed;
    in->kib = values[0];
    for (size_t i = 0; i < BUF_WORDS; i++)
        in->buf[i] = pcb_mix64(seed + i);
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

static int run(const struct pcb_input *in, uint64_t task, uint64_t *digest)
{
    uint64_t h = pcb_mix64(in->seed ^ (task * 0x9e3779b97f4a7c15ULL));
    uint64_t passes = in->kib / 4, tail_words = (in->kib % 4) * 128;

    for (uint64_t p = 0; p < passes; p++)
        for (size_t i = 0; i < BUF_WORDS; i++)
            h = rotl((h ^ in->buf[i]) * 0xff51afd7ed558ccdULL, 31);
    for (size_t i = 0; i < tail_words; i++)
        h = rotl((h ^ in->buf[i]) * 0xff51afd7ed558ccdULL, 31);
    *digest = pcb_mix64(h ^ task);
    return 0;
}

static uint64_t task_bytes(const struct pcb_input *in)
{
    return in->kib * 1024;
}

const struct pcb_workload pcb_wl_cpu_hash = {
    .name = "CPU.hash",
    .summary = "hash a 4 KiB buffer repeatedly: pure compute, no memory traffic",
    .kind = PCB_WL_CPU,
    .params = params,
    .nparams = sizeof(params) / sizeof(params[0]),
    .prepare = prepare,
    .release = release,
    .run = run,
    .task_bytes = task_bytes,
};
