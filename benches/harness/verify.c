/*
 * verify.c - how a batch's result is checked (verify.h).
 */
#define _GNU_SOURCE
#include "verify.h"

#include <limits.h>
#include <unistd.h>

#include "pcbench.h"

const struct pcb_batch_result pcb_poison = {.digest = 0x706f69736f6e2121ULL, /* "poison!!" */
                                            .done = UINT64_MAX,
                                            .failed = UINT64_MAX,
                                            .err = INT32_MIN,
                                            .err_task = UINT64_MAX};

uint64_t pcb_batch_salt(uint64_t base, uint64_t n)
{
    uint64_t s = pcb_mix64(base + n);

    return s ? s : 1;
}

uint64_t pcb_salt_base_fresh(void)
{
    return pcb_mix64(pcb_now_ns() ^ ((uint64_t)getpid() << 32));
}

uint64_t pcb_batch_expected(const uint64_t *digests, const int *errs, uint64_t tasks, uint64_t salt)
{
    uint64_t sum = 0;

    for (uint64_t t = 0; t < tasks; t++)
        if (!errs[t])
            sum = pcb_digest_merge(sum, pcb_salted_digest(digests[t], t, salt));
    return sum;
}

const char *pcb_result_unwritten(const struct pcb_batch_result *res)
{
    if (res->digest == pcb_poison.digest && res->done == pcb_poison.done &&
        res->failed == pcb_poison.failed)
        return "its result";
    if (res->done == pcb_poison.done)
        return "its done count";
    if (res->failed == pcb_poison.failed)
        return "its failed count";
    return NULL;
}

uint64_t pcb_wait_need_ns(uint64_t ok, uint64_t concurrency, uint64_t wait_ns)
{
    if (!wait_ns || !ok || !concurrency)
        return 0;
    uint64_t rounds = (ok + concurrency - 1) / concurrency;
    return rounds > UINT64_MAX / wait_ns ? 0 : rounds * wait_ns;
}

uint64_t pcb_wait_floor_ns(uint64_t need_ns)
{
    return need_ns - need_ns / 100;
}
