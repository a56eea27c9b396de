/*
 * mem_alloc.h - Mem.alloc's allocator statistics, for tests and the bench fixture.
 */
#ifndef PCB_MEM_ALLOC_H
#define PCB_MEM_ALLOC_H

#include <stdint.h>

#include "workload.h"

/* What the input's allocator reports for the calling process. */
struct pcb_wl_alloc_stats {
    uint64_t allocated; /* bytes in live allocations (jemalloc stats.allocated; glibc
                           mallinfo2 uordblks + hblkhd) */
    uint64_t resident;  /* bytes the allocator holds in physical memory (jemalloc
                           stats.resident; glibc: arena + hblkhd, an upper bound) */
    uint64_t in_flight; /* objects handed between tasks and not yet freed (this process) */
};

/* Fills *out for `in` (a Mem.alloc input). Returns 0 or PCB_EUNSUPPORTED. */
int pcb_wl_alloc_stats(const struct pcb_input *in, struct pcb_wl_alloc_stats *out);

/* Mem.alloc's stats() hook: the allocator's own byte counts, for the case that just ended. */
size_t pcb_wl_alloc_case_stats(const struct pcb_input *in, uint64_t tasks_run,
                               struct pcb_wl_stat *out, size_t cap);
/* Whether alloc:1 (jemalloc) is available in this build. */
int pcb_wl_alloc_have_jemalloc(void);

#endif
