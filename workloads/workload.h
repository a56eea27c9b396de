/*
 * workload.h - the workloads layer's own header: the public contract (pcbench.h) plus what the
 * rest of pcbench uses of this layer and no user sees: the registry, the sequential reference
 * and the process helper.
 */
#ifndef PCB_WORKLOAD_H
#define PCB_WORKLOAD_H

#include <sys/types.h>

#include "pcbench.h"

/* struct pcb_workload has the optional stats() hook. */
#define PCB_WL_HAVE_STATS 1

/*
 * Forks a child that cannot outlive its parent: stdio is flushed first, and the child asks the
 * kernel for SIGKILL when the parent dies (and exits at once when the parent is already gone).
 * Returns the child's pid in the parent, 0 in the child, or -errno. Every fork of pcbench's
 * that leaves a child running (pool workers, IPC peers, IO.net's server) goes through here.
 */
pid_t pcb__fork_child(void);

/* The registry: every workload pcbench knows, in display order. */
const struct pcb_workload *const *pcb_workloads(size_t *count);
/* Finds a workload by exact name; NULL when there is none. */
const struct pcb_workload *pcb_workload_find(const char *name);

/*
 * The sequential reference: runs tasks 0..ntasks-1 with run(), in order, in the calling thread.
 * Returns 0 and the merged digest, or the first failed task's error (every task is run).
 */
int pcb_workload_reference(const struct pcb_workload *wl, const struct pcb_input *in,
                           uint64_t ntasks, uint64_t *digest);

#endif
