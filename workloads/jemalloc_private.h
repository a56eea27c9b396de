/*
 * jemalloc_private.h - jemalloc reached explicitly, next to glibc malloc, in one process.
 *
 * libpcb_jemalloc.so links Debian's libjemalloc_pic.a and exports only these three wrappers
 * (a version script makes every jemalloc symbol, malloc and free included, local to it). So
 * glibc stays the process's malloc (what the JSON context key pcbench_allocator says), while
 * Mem.alloc:alloc:1 allocates from a complete, private jemalloc. The library is loaded at
 * start-up (a DT_NEEDED dependency), not with dlopen(): jemalloc uses initial-exec TLS, which a
 * dlopen()ed libjemalloc.so.2 cannot get ("cannot allocate memory in static TLS block").
 * PCB_HAVE_JEMALLOC is defined when the library was built (libjemalloc-dev was found).
 */
#ifndef PCB_JEMALLOC_PRIVATE_H
#define PCB_JEMALLOC_PRIVATE_H

#include <stddef.h>

/* jemalloc's mallocx(), dallocx() and mallctl(), under private names. */
void *pcb__je_mallocx(size_t size, int flags);
void pcb__je_dallocx(void *ptr, int flags);
int pcb__je_mallctl(const char *name, void *oldp, size_t *oldlenp, void *newp, size_t newlen);

#endif
