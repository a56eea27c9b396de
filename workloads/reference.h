/*
 * reference.h - the sequential reference for workloads whose tasks may fail by design.
 *
 * IO.net with fault injection fails some tasks on purpose, and which ones is a function of
 * (parameters, seed, task), like the digests. For such a case the right answer of a batch is
 * "these tasks succeed with this merged digest, and this many fail"; a strategy must reproduce
 * both. pcb_workload_reference() is this one for batches where no task may fail.
 */
#ifndef PCB_REFERENCE_H
#define PCB_REFERENCE_H

#include <stdint.h>

#include "workload.h"

/* The sequential reference of a batch whose tasks may fail. */
struct pcb_reference {
    uint64_t digest;   /* pcb_digest_merge() of the digests of the tasks that succeeded */
    uint64_t failed;   /* how many tasks failed */
    int err;           /* the first failed task's error (0 when none failed) */
    uint64_t err_task; /* that task */
};

/*
 * Runs tasks 0..ntasks-1 with run(), in order, in the calling thread, every one of them even
 * after a failure, and fills *ref. Always returns 0 (failures are in *ref).
 */
int pcb_workload_reference_all(const struct pcb_workload *wl, const struct pcb_input *in,
                               uint64_t ntasks, struct pcb_reference *ref);

/*
 * The per-task form: runs tasks [first, end) with run(), in order, in the calling thread, and
 * stores task t's outcome at index t - first: its digest in digests[] (0 for a failed task) and
 * its error in errs[] (0 when it succeeded). pcb_workload_reference_all() is the merge of
 * these. The fixture keeps them, so that it can compute a salted batch's expected digest
 * without running the work again (runners/runner.h, pcb_salted_digest()).
 */
void pcb_workload_reference_tasks(const struct pcb_workload *wl, const struct pcb_input *in,
                                  uint64_t first, uint64_t end, uint64_t *digests, int *errs);

#endif
