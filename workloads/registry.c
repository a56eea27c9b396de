/*
 * registry.c - the one list of workloads. Adding a workload means adding its file and one line
 * here; the case matrix in benches/ crosses this list with the runner list, so no other code
 * changes.
 */
#define _GNU_SOURCE
#include "workload.h"

#include <string.h>
#include <time.h>

extern const struct pcb_workload pcb_wl_cpu_hash;
extern const struct pcb_workload pcb_wl_io_sleep;
extern const struct pcb_workload pcb_wl_empty;

static const struct pcb_workload *const workloads[] = {
    &pcb_wl_cpu_hash,
    &pcb_wl_io_sleep,
    &pcb_wl_empty,
};

const struct pcb_workload *const *pcb_workloads(size_t *count)
{
    *count = sizeof(workloads) / sizeof(workloads[0]);
    return workloads;
}

const struct pcb_workload *pcb_workload_find(const char *name)
{
    size_t n;
    const struct pcb_workload *const *all = pcb_workloads(&n);

    for (size_t i = 0; i < n; i++)
        if (strcmp(all[i]->name, name) == 0)
            return all[i];
    return NULL;
}

uint64_t pcb_now_ns(void)
{
    struct timespec ts;

    clock_gettime(CLOCK_MONOTONIC, &ts);
    return (uint64_t)ts.tv_sec * 1000000000ULL + (uint64_t)ts.tv_nsec;
}

int pcb_workload_reference(const struct pcb_workload *wl, const struct pcb_input *in,
                           uint64_t ntasks, uint64_t *digest)
{
    uint64_t sum = 0;

    for (uint64_t t = 0; t < ntasks; t++) {
        uint64_t d;
        int err = wl->run(in, t, &d);
        if (err)
            return err;
        sum = pcb_digest_merge(sum, d);
    }
    *digest = sum;
    return 0;
}
