/*
 * dispatch.h - the shared task queue and gates used by the Threaded and Multiprocess pools.
 *
 * One mechanism, two carriers: Threaded places a struct pcb__dispatch in its own memory and runs
 * pcb__dispatch_serve() on threads; Multiprocess places it in a MAP_SHARED mapping and runs the
 * same function in forked processes. The only difference is the futex flavour (private or
 * shared), so the two strategies differ in exactly one thing: thread versus process.
 *
 * The queue is an atomic cursor over task indices: a worker claims `chunk` tasks with one
 * fetch_add, which is dynamic scheduling with no lock. The caller starts a batch by bumping the
 * generation word and waking every worker; the last worker to finish wakes the caller.
 *
 * Memory-order rules (relied on below):
 *  - the caller writes tasks/chunk/salt/next/pending, then bumps `gen` with release; a worker reads
 *    `gen` with acquire before it reads the batch fields;
 *  - a worker writes its slot, then decrements `pending` with release; the caller reads
 *    `pending` with acquire and reads the slots only once it is zero.
 */
#ifndef PCB_DISPATCH_H
#define PCB_DISPATCH_H

#include <stdatomic.h>
#include <stdint.h>

#include "runner.h"

#define PCB__CACHE_LINE 64

/*
 * One worker's result for the current batch. Each slot has its own cache line because every
 * worker writes its slot at the end of each batch; sharing a line would make those writes
 * bounce the line between cores.
 */
struct pcb__slot {
    _Alignas(PCB__CACHE_LINE) uint64_t digest; /* merged digest of this worker's tasks */
    uint64_t done;                             /* tasks completed */
    uint64_t failed;                           /* tasks that returned an error */
    uint64_t err_task;                         /* first failing task */
    int32_t err;                               /* first task error, 0 if none */
    /* The task this worker is running plus one, 0 between tasks: written before each task
     * (relaxed; only read after the worker died, to say which task killed it). */
    _Atomic uint64_t running;
};

struct pcb__dispatch {
    /* Caller-written control word, on its own line: workers sleep on it between batches. */
    _Alignas(PCB__CACHE_LINE) _Atomic uint32_t gen; /* futex; bumped to start a batch or stop */
    _Atomic uint32_t stop;                          /* set before the last bump: exit */
    uint64_t tasks;                                 /* N of the current batch */
    uint64_t chunk;                                 /* tasks per claim */
    uint64_t salt;                                  /* the current batch's salt */
    /* The queue cursor, on its own line: every claim writes it. */
    _Alignas(PCB__CACHE_LINE) _Atomic uint64_t next; /* next unclaimed task */
    /* Completion and start gates, on their own line: each worker writes them once. */
    _Alignas(PCB__CACHE_LINE) _Atomic uint32_t pending; /* futex; workers still in the batch */
    _Atomic uint32_t ready;                             /* futex; workers past the start gate */
    /* Set once at init. */
    int futex_private; /* 1 for threads of one process, 0 across processes */
    int pin;           /* enum pcb_pin for the workers; 0 (none) unless the pool sets it */
    unsigned workers;  /* K */
    const struct pcb_workload *workload;
    const struct pcb_input *input;
    struct pcb__slot slots[]; /* K of them */
};

/* Bytes needed for a dispatch block with `workers` slots. */
size_t pcb__dispatch_size(unsigned workers);
/* Initialises a zeroed block of pcb__dispatch_size(workers) bytes. */
void pcb__dispatch_init(struct pcb__dispatch *d, unsigned workers, int futex_private,
                        const struct pcb_workload *wl, const struct pcb_input *in);

/* Worker side: passes the start gate, then serves batches until stopped. Returns on stop. */
void pcb__dispatch_serve(struct pcb__dispatch *d, unsigned id);

/*
 * Caller side. `check`, when not NULL, is called whenever a wait has lasted `poll_ms` without
 * progress; a non-zero return from it abandons the wait with that code (a dead worker).
 */
typedef int (*pcb__dispatch_check_fn)(void *ctx);

/* Waits until all workers passed the start gate. */
int pcb__dispatch_wait_ready(struct pcb__dispatch *d, pcb__dispatch_check_fn check, void *ctx);
/* Runs one batch to completion and merges the slots into *res. */
int pcb__dispatch_run(struct pcb__dispatch *d, const struct pcb_batch *b,
                      struct pcb_batch_result *res, pcb__dispatch_check_fn check, void *ctx);
/* Tells every worker to exit (they return from pcb__dispatch_serve). */
void pcb__dispatch_stop(struct pcb__dispatch *d);

/* Runs tasks [first, end) with run(), salts each successful task's digest with `salt`
 * (pcb_salted_digest()) and accumulates into *slot: the one task path of every strategy that
 * runs tasks with run() in a loop of its own (Sequential, the pools, MasterWorker, Distributed). */
void pcb__run_range(const struct pcb_workload *wl, const struct pcb_input *in, uint64_t first,
                    uint64_t end, uint64_t salt, struct pcb__slot *slot);
/* The same, noting each task in *running (task + 1) before it starts and 0 after the last, so
 * that the pool can name the task a dead worker process was running. */
void pcb__run_range_noted(const struct pcb_workload *wl, const struct pcb_input *in, uint64_t first,
                          uint64_t end, uint64_t salt, struct pcb__slot *slot,
                          _Atomic uint64_t *running);
/* Accounts one task's outcome into *slot: its salted digest when err is 0, else the failure
 * (the first one's error and task are kept). Shared by the loops above and the event loop. */
static inline void pcb__slot_account(struct pcb__slot *slot, uint64_t task, int err,
                                     uint64_t digest, uint64_t salt)
{
    if (err == 0) {
        slot->digest = pcb_digest_merge(slot->digest, pcb_salted_digest(digest, task, salt));
        slot->done++;
    } else if (slot->failed++ == 0) {
        slot->err = err;
        slot->err_task = task;
    }
}
/* Publishes a worker's locally accumulated results into its slot (its `running` note stays as
 * it is) and clears the note: the batch's work is done. */
void pcb__slot_publish(struct pcb__slot *slot, const struct pcb__slot *local);
/* Merges slots[0..n) into *res (zeroed first): digests, counts, and the first error met. */
void pcb__slots_merge(const struct pcb__slot *slots, unsigned n, struct pcb_batch_result *res);

/* Names the task worker `id` of a dispatch pool was running (task + 1, 0 when none). */
uint64_t pcb__dispatch_running(const struct pcb__dispatch *d, unsigned id);

#endif
