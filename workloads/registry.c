/*
 * registry.c - the one list of workloads. Adding a workload means adding its file and one line
 * here; the case matrix in benches/ crosses this list with the runner list, so no other code
 * changes.
 */
#define _GNU_SOURCE
#include "workload.h"
#include "reference.h"

#include <errno.h>
#include <string.h>
#include <time.h>

extern const struct pcb_workload pcb_wl_cpu_hash;
extern const struct pcb_workload pcb_wl_io_sleep;
extern const struct pcb_workload pcb_wl_empty;
extern const struct pcb_workload pcb_wl_cpu_rotate;
extern const struct pcb_workload pcb_wl_cpu_text;
extern const struct pcb_workload pcb_wl_cpu_doc;
extern const struct pcb_workload pcb_wl_mixed_hash_sleep;
extern const struct pcb_workload pcb_wl_io_net;
extern const struct pcb_workload pcb_wl_mem_alloc;

static const struct pcb_workload *const workloads[] = {
    &pcb_wl_cpu_hash,         /* compute, no memory traffic */
    &pcb_wl_cpu_rotate,       /* compute plus memory reads */
    &pcb_wl_cpu_text,         /* byte streaming over a text */
    &pcb_wl_cpu_doc,          /* tokenising and hashing, branchy */
    &pcb_wl_io_sleep,         /* a timer wait */
    &pcb_wl_io_net,           /* loopback TCP to a server process */
    &pcb_wl_mixed_hash_sleep, /* compute, then wait */
    &pcb_wl_mem_alloc,        /* allocator churn */
    &pcb_wl_empty,            /* nothing: a strategy's own cost */
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

int pcb_sleep_ns(uint64_t ns)
{
    uint64_t deadline = pcb_now_ns() + ns;
    struct timespec ts = {.tv_sec = (time_t)(deadline / 1000000000ULL),
                          .tv_nsec = (long)(deadline % 1000000000ULL)};
    int err = 0;

    if (ns)
        while ((err = clock_nanosleep(CLOCK_MONOTONIC, TIMER_ABSTIME, &ts, NULL)) == EINTR)
            ;
    if (err)
        return -err;
    return pcb_now_ns() < deadline ? PCB_EEARLY : 0;
}

void pcb_wait_timer(struct pcb_wait *w, uint64_t ns)
{
    w->fd = -1;
    w->deadline_ns = pcb_now_ns() + ns;
    w->scratch[0] = w->deadline_ns;
}

int pcb_wait_timer_over(const struct pcb_wait *w)
{
    return pcb_now_ns() < w->scratch[0] ? PCB_EEARLY : 0;
}

int pcb_workload_reference(const struct pcb_workload *wl, const struct pcb_input *in,
                           uint64_t ntasks, uint64_t *digest)
{
    struct pcb_reference ref;

    /* One loop for both references: this one is the all-tasks reference that no task failed. */
    pcb_workload_reference_all(wl, in, ntasks, &ref);
    if (ref.failed)
        return ref.err;
    *digest = ref.digest;
    return 0;
}

int pcb_workload_reference_all(const struct pcb_workload *wl, const struct pcb_input *in,
                               uint64_t ntasks, struct pcb_reference *ref)
{
    *ref = (struct pcb_reference){0};
    for (uint64_t t = 0; t < ntasks; t++) {
        uint64_t d;
        int err = wl->run(in, t, &d);
        if (!err) {
            ref->digest = pcb_digest_merge(ref->digest, d);
            continue;
        }
        if (!ref->failed++) {
            ref->err = err;
            ref->err_task = t;
        }
    }
    return 0;
}
