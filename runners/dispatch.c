/*
 * dispatch.c - the shared task queue and futex gates; see dispatch.h for the protocol.
 */
#define _GNU_SOURCE
#include "dispatch.h"
#include "support.h"

#include <errno.h>
#include <limits.h>
#include <stddef.h>
#include <string.h>
#include <time.h>

/* How long the caller sleeps before it asks `check` whether the workers are still alive. */
#define POLL_MS 100

size_t pcb__dispatch_size(unsigned workers)
{
    return sizeof(struct pcb__dispatch) + (size_t)workers * sizeof(struct pcb__slot);
}

void pcb__dispatch_init(struct pcb__dispatch *d, unsigned workers, int futex_private,
                        const struct pcb_workload *wl, const struct pcb_input *in)
{
    memset(d, 0, pcb__dispatch_size(workers));
    d->futex_private = futex_private;
    d->workers = workers;
    d->workload = wl;
    d->input = in;
}

void pcb__run_range(const struct pcb_workload *wl, const struct pcb_input *in, uint64_t first,
                    uint64_t end, uint64_t salt, struct pcb__slot *slot)
{
    pcb__run_range_noted(wl, in, first, end, salt, slot, NULL);
}

void pcb__run_range_noted(const struct pcb_workload *wl, const struct pcb_input *in, uint64_t first,
                          uint64_t end, uint64_t salt, struct pcb__slot *slot,
                          _Atomic uint64_t *running)
{
    for (uint64_t t = first; t < end; t++) {
        uint64_t digest = 0;
        if (running)
            atomic_store_explicit(running, t + 1, memory_order_relaxed);
        int err = wl->run(in, t, &digest);

        pcb__slot_account(slot, t, err, digest, salt);
    }
}

void pcb__slot_publish(struct pcb__slot *slot, const struct pcb__slot *local)
{
    atomic_store_explicit(&slot->running, 0, memory_order_relaxed);
    slot->digest = local->digest;
    slot->done = local->done;
    slot->failed = local->failed;
    slot->err = local->err;
    slot->err_task = local->err_task;
}

void pcb__slots_merge(const struct pcb__slot *slots, unsigned n, struct pcb_batch_result *res)
{
    memset(res, 0, sizeof(*res));
    for (unsigned i = 0; i < n; i++) {
        const struct pcb__slot *s = &slots[i];
        res->digest = pcb_digest_merge(res->digest, s->digest);
        res->done += s->done;
        if (s->failed && res->failed == 0) {
            res->err = s->err;
            res->err_task = s->err_task;
        }
        res->failed += s->failed;
    }
}

uint64_t pcb__dispatch_running(const struct pcb__dispatch *d, unsigned id)
{
    return atomic_load_explicit(&((struct pcb__dispatch *)d)->slots[id].running,
                                memory_order_relaxed);
}

void pcb__dispatch_serve(struct pcb__dispatch *d, unsigned id)
{
    uint32_t seen = atomic_load_explicit(&d->gen, memory_order_acquire);

    pcb__worker_self((enum pcb_pin)d->pin, id);
    atomic_fetch_add_explicit(&d->ready, 1, memory_order_release);
    pcb__futex_wake(&d->ready, 1, d->futex_private);

    /* A worker that arrives after stop() already bumped `gen` must not wait for another bump:
     * it read the bumped value above, and acquire makes `stop` visible with it. */
    if (atomic_load_explicit(&d->stop, memory_order_relaxed))
        return;
    for (;;) {
        uint32_t gen;

        while ((gen = atomic_load_explicit(&d->gen, memory_order_acquire)) == seen)
            pcb__futex_wait(&d->gen, seen, d->futex_private, NULL);
        seen = gen;
        if (atomic_load_explicit(&d->stop, memory_order_relaxed))
            return;

        /* Local accumulation: the slot's line is written by this worker only (its `running`
         * note per task), the results once at the end. */
        struct pcb__slot local = {0};
        uint64_t tasks = d->tasks, chunk = d->chunk, salt = d->salt;
        for (;;) {
            uint64_t first = atomic_fetch_add_explicit(&d->next, chunk, memory_order_relaxed);
            if (first >= tasks)
                break;
            uint64_t end = tasks - first < chunk ? tasks : first + chunk;
            pcb__run_range_noted(d->workload, d->input, first, end, salt, &local,
                                 &d->slots[id].running);
        }
        pcb__slot_publish(&d->slots[id], &local);
        if (atomic_fetch_sub_explicit(&d->pending, 1, memory_order_acq_rel) == 1)
            pcb__futex_wake(&d->pending, 1, d->futex_private);
    }
}

/* Sleeps on `word` until pred(word) holds, asking `check` every POLL_MS. */
static int wait_until(struct pcb__dispatch *d, _Atomic uint32_t *word, uint32_t target,
                      pcb__dispatch_check_fn check, void *ctx)
{
    const struct timespec poll = {.tv_sec = 0, .tv_nsec = POLL_MS * 1000000L};
    uint32_t v;

    while ((v = atomic_load_explicit(word, memory_order_acquire)) != target) {
        int err = pcb__futex_wait(word, v, d->futex_private, check ? &poll : NULL);
        if (err == -ETIMEDOUT && check) {
            int cerr = check(ctx);
            if (cerr)
                return cerr;
        }
    }
    return 0;
}

int pcb__dispatch_wait_ready(struct pcb__dispatch *d, pcb__dispatch_check_fn check, void *ctx)
{
    return wait_until(d, &d->ready, d->workers, check, ctx);
}

int pcb__dispatch_run(struct pcb__dispatch *d, const struct pcb_batch *b,
                      struct pcb_batch_result *res, pcb__dispatch_check_fn check, void *ctx)
{
    d->tasks = b->tasks;
    d->chunk = b->chunk ? b->chunk : 1;
    d->salt = b->salt;
    atomic_store_explicit(&d->next, 0, memory_order_relaxed);
    atomic_store_explicit(&d->pending, d->workers, memory_order_relaxed);
    atomic_fetch_add_explicit(&d->gen, 1, memory_order_release);
    pcb__futex_wake(&d->gen, INT_MAX, d->futex_private);

    int err = wait_until(d, &d->pending, 0, check, ctx);
    if (err)
        return err;

    pcb__slots_merge(d->slots, d->workers, res);
    return 0;
}

void pcb__dispatch_stop(struct pcb__dispatch *d)
{
    atomic_store_explicit(&d->stop, 1, memory_order_relaxed);
    atomic_fetch_add_explicit(&d->gen, 1, memory_order_release);
    pcb__futex_wake(&d->gen, INT_MAX, d->futex_private);
}
