/*
 * jemalloc_private.c - the three exported wrappers of libpcb_jemalloc.so (see
 * jemalloc_private.h); jemalloc_private.map keeps everything else in the library local.
 */
#include "jemalloc_private.h"

/* jemalloc's own API (jemalloc/jemalloc.h), resolved inside this library only. */
void *mallocx(size_t size, int flags);
void dallocx(void *ptr, int flags);
int mallctl(const char *name, void *oldp, size_t *oldlenp, void *newp, size_t newlen);

void *pcb__je_mallocx(size_t size, int flags)
{
    return mallocx(size, flags);
}

void pcb__je_dallocx(void *ptr, int flags)
{
    dallocx(ptr, flags);
}

int pcb__je_mallctl(const char *name, void *oldp, size_t *oldlenp, void *newp, size_t newlen)
{
    return mallctl(name, oldp, oldlenp, newp, newlen);
}
