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

/* A parameter's value as case names and options show it: its name for a named parameter,
 * else the number. Writes into buf (cap bytes) and returns buf. */
const char *pcb_param_format(const struct pcb_param_spec *p, uint64_t v, char *buf, size_t cap);
/* Reads one value of parameter p: a name of a named parameter, or a number in [min, max] (a
 * named parameter takes its value numbers too). Returns 0 and *v, or -1. */
int pcb_param_parse(const struct pcb_param_spec *p, const char *s, uint64_t *v);
/* "a number from MIN to MAX" or "one of NAME, NAME or NAME": what p accepts, into buf. */
const char *pcb_param_allowed(const struct pcb_param_spec *p, char *buf, size_t cap);

/* The registry: every workload pcbench knows (its own, then the user's), in display order. */
const struct pcb_workload *const *pcb_workloads(size_t *count);
/* The longest name a user's workload may have (Distributed sends names in 48 bytes). */
#define PCB_WL_NAME_MAX 47
/*
 * pcb_workload_register(), with `origin` (e.g. "--pcb_plugin=./x.so") leading its refusal
 * lines when not NULL.
 */
int pcb__workload_add(const struct pcb_workload *wl, const char *origin);
/* Whether wl is one of pcbench's own workloads (not a user's). */
int pcb__workload_is_builtin(const struct pcb_workload *wl);
/* Finds a workload by exact name; NULL when there is none. */
const struct pcb_workload *pcb_workload_find(const char *name);

/*
 * The sequential reference: runs tasks 0..ntasks-1 with run(), in order, in the calling thread.
 * Returns 0 and the merged digest, or the first failed task's error (every task is run).
 */
int pcb_workload_reference(const struct pcb_workload *wl, const struct pcb_input *in,
                           uint64_t ntasks, uint64_t *digest);

#endif
