/*
 * mem_alloc.c - Mem.alloc: allocation churn, glibc malloc or jemalloc (parameter alloc).
 *
 * One task performs `ops` allocation steps over a working set of `live` slots (the thread's
 * scratch memory holds the slot array). Each step picks a slot at random; if the slot holds an
 * object, the object is checked and freed - or, one step in eight, handed over: swapped into a
 * shared exchange of 1024 slots, so that whatever task finds it there (usually on another
 * thread) frees it, which is the remote-free pattern allocators find hardest. Then a new object
 * of a mixed size is allocated (60% 32-128 B, 30% 128 B-1 KiB, 9% 1-8 KiB, 1% 8-64 KiB) and its
 * first and last 8 bytes written. At the end of the task every object still in its slots is
 * freed; handed-over objects stay in the exchange for later tasks (release() frees the rest).
 *
 * alloc:0 is glibc malloc/free (the process's allocator); alloc:1 is jemalloc's mallocx/dallocx
 * from a private copy of jemalloc (jemalloc_private.h), side by side in the same process.
 *
 * Digest: from the sizes and tags of the task's own objects, all a function of (seed, task);
 * objects taken from the exchange were made by other tasks, so they only have their integrity
 * checked (a corrupted header fails the task with PCB_EPROTO) and never enter the digest. The
 * exchange is the one part of the input tasks write to (atomic pointer swaps); in forked worker
 * processes each process has its own copy, holding objects of its own heap.
 */
#define _GNU_SOURCE
#include "mem_alloc.h"

#include <errno.h>
#include <malloc.h>
#include <stdatomic.h>
#include <stdlib.h>
#include <string.h>

#include "wl_internal.h"
#ifdef PCB_HAVE_JEMALLOC
#include "jemalloc_private.h"
#endif

#define XCHG_SLOTS 1024
#define HANDOFF_EVERY 8
#define CHECK_KEY 0x616c6c6f63636b73ULL

/* The start of every object; its last 8 bytes hold ~tag. */
struct header {
    uint64_t tag;   /* from the task's own history: pcb_mix64 of (digest so far, step) */
    uint64_t size;  /* the object's size in bytes (>= 32) */
    uint64_t check; /* pcb_mix64(tag ^ size ^ CHECK_KEY) */
};

/* Objects handed between tasks: one cache line per slot would waste memory for no measured
 * gain here; slots are picked at random, so contention is spread anyway. */
struct exchange {
    _Atomic(void *) slot[XCHG_SLOTS]; /* objects waiting for another task, or NULL */
    _Atomic uint64_t in_flight;       /* non-NULL slots */
};

struct pcb_input {
    uint64_t seed;      /* mixed into every tag and digest */
    uint64_t alloc;     /* 0: glibc, 1: jemalloc */
    uint64_t ops;       /* allocation steps per task */
    uint64_t live;      /* working-set slots per task */
    struct exchange *x; /* the hand-over exchange (written by tasks; see above) */
};

/* The allocators, in the order of their values (0: glibc, 1: jemalloc). */
static const char *const allocators[] = {"glibc", "jemalloc"};

static const struct pcb_param_spec params[] = {
    {.name = "alloc",
     .help = "allocator: glibc malloc, or jemalloc (a private copy, mallocx/dallocx)",
     .min = 0,
     .max = 1,
     .defaults = {0, 1},
     .ndefaults = 2,
     .quick = 0,
     .names = allocators},
    {.name = "ops",
     .help = "allocation steps (free or hand over, then allocate) per task",
     .min = 1,
     .max = 1 << 24,
     .defaults = {8192},
     .ndefaults = 1,
     .quick = 1024},
    {.name = "live",
     .help = "objects a task keeps live at once (its working set)",
     .min = 1,
     .max = 1 << 20,
     .defaults = {256, 16384},
     .ndefaults = 2,
     .quick = 256},
};

int pcb_wl_alloc_have_jemalloc(void)
{
#ifdef PCB_HAVE_JEMALLOC
    return 1;
#else
    return 0;
#endif
}

static inline void *obj_alloc(const struct pcb_input *in, size_t size)
{
#ifdef PCB_HAVE_JEMALLOC
    if (in->alloc)
        return pcb__je_mallocx(size, 0);
#endif
    (void)in;
    return malloc(size);
}

static inline void obj_free(const struct pcb_input *in, void *p)
{
#ifdef PCB_HAVE_JEMALLOC
    if (in->alloc) {
        pcb__je_dallocx(p, 0);
        return;
    }
#endif
    (void)in;
    free(p);
}

static int prepare(const uint64_t *values, uint64_t seed, struct pcb_input **out)
{
    struct pcb_input *in;

    if (values[0] == 1 && !pcb_wl_alloc_have_jemalloc())
        return PCB_EUNSUPPORTED;
    if (!(in = calloc(1, sizeof(*in))))
        return -ENOMEM;
    if (!(in->x = calloc(1, sizeof(*in->x))))
        goto err;
    in->seed = seed;
    in->alloc = values[0];
    in->ops = values[1];
    in->live = values[2];
    *out = in;
    return 0;
err:
    free(in);
    return -ENOMEM;
}

static void release(struct pcb_input *in)
{
    if (!in)
        return;
    for (size_t i = 0; i < XCHG_SLOTS; i++) {
        void *p = atomic_load_explicit(&in->x->slot[i], memory_order_acquire);
        if (p)
            obj_free(in, p);
    }
    free(in->x);
    free(in);
}

static size_t pick_size(struct pcb__rng *r)
{
    uint64_t c = pcb__rng_below(r, 100);

    if (c < 60)
        return 32 + pcb__rng_below(r, 97);
    if (c < 90)
        return 128 + pcb__rng_below(r, 897);
    if (c < 99)
        return 1024 + pcb__rng_below(r, 7169);
    return 8192 + pcb__rng_below(r, 57345);
}

/* Whether an object's header and tail are as its task wrote them. */
static int intact(const void *p)
{
    struct header h;
    uint64_t tail;

    memcpy(&h, p, sizeof(h));
    if (h.size < 32 || h.check != pcb_mix64(h.tag ^ h.size ^ CHECK_KEY))
        return 0;
    memcpy(&tail, (const char *)p + h.size - 8, 8);
    return tail == ~h.tag;
}

static int run(const struct pcb_input *in, uint64_t task, uint64_t *digest)
{
    void **slots = pcb__scratch(0, in->live * sizeof(void *));
    struct pcb__rng r = {in->seed ^ pcb_mix64(task + 0x6d656d)};
    uint64_t h = pcb_mix64(in->seed ^ pcb_mix64(task));
    int err = 0;

    if (!slots)
        return -ENOMEM;
    memset(slots, 0, in->live * sizeof(void *));
    for (uint64_t step = 0; step < in->ops; step++) {
        size_t s = (size_t)pcb__rng_below(&r, in->live);
        void *p = slots[s];
        if (p) {
            struct header hd;
            if (!intact(p)) {
                err = PCB_EPROTO;
                break;
            }
            memcpy(&hd, p, sizeof(hd));
            h = (h ^ hd.tag ^ hd.size) * 0x100000001b3ULL;
            if (step % HANDOFF_EVERY == 0) {
                size_t x = (size_t)(pcb_mix64(hd.tag) % XCHG_SLOTS);
                void *old = atomic_exchange_explicit(&in->x->slot[x], p, memory_order_acq_rel);
                if (!old)
                    atomic_fetch_add_explicit(&in->x->in_flight, 1, memory_order_relaxed);
                else if (!intact(old)) {
                    err = PCB_EPROTO;
                    slots[s] = NULL;
                    break;
                } else
                    obj_free(in, old);
            } else {
                obj_free(in, p);
            }
        }
        size_t size = pick_size(&r);
        struct header hd = {.tag = pcb_mix64(h ^ step), .size = size};
        hd.check = pcb_mix64(hd.tag ^ size ^ CHECK_KEY);
        if (!(p = obj_alloc(in, size))) {
            slots[s] = NULL;
            err = -ENOMEM;
            break;
        }
        uint64_t tail = ~hd.tag;
        memcpy(p, &hd, sizeof(hd));
        memcpy((char *)p + size - 8, &tail, 8);
        slots[s] = p;
    }
    for (size_t s = 0; s < in->live; s++)
        if (slots[s])
            obj_free(in, slots[s]);
    if (err)
        return err;
    *digest = pcb_mix64(h);
    return 0;
}

int pcb_wl_alloc_stats(const struct pcb_input *in, struct pcb_wl_alloc_stats *out)
{
    memset(out, 0, sizeof(*out));
    out->in_flight = atomic_load_explicit(&in->x->in_flight, memory_order_relaxed);
    if (in->alloc == 0) {
        struct mallinfo2 mi = mallinfo2();
        out->allocated = mi.uordblks + mi.hblkhd;
        out->resident = mi.arena + mi.hblkhd;
        return 0;
    }
#ifdef PCB_HAVE_JEMALLOC
    uint64_t epoch = 1;
    size_t sz = sizeof(epoch), v;
    pcb__je_mallctl("epoch", &epoch, &sz, &epoch, sz); /* refresh the statistics */
    sz = sizeof(v);
    if (pcb__je_mallctl("stats.allocated", &v, &sz, NULL, 0) == 0)
        out->allocated = v;
    sz = sizeof(v);
    if (pcb__je_mallctl("stats.resident", &v, &sz, NULL, 0) == 0)
        out->resident = v;
    return 0;
#else
    return PCB_EUNSUPPORTED;
#endif
}

const struct pcb_workload pcb_wl_mem_alloc = {
    .name = "Mem.alloc",
    .summary = "allocation churn of mixed sizes with cross-task hand-over: glibc vs jemalloc",
    .kind = PCB_WL_CPU,
    .params = params,
    .nparams = sizeof(params) / sizeof(params[0]),
    .prepare = prepare,
    .release = release,
    .run = run,
#ifdef PCB_WL_HAVE_STATS
    .stats = pcb_wl_alloc_case_stats,
#endif
};

size_t pcb_wl_alloc_case_stats(const struct pcb_input *in, uint64_t tasks_run,
                               struct pcb_wl_stat *out, size_t cap)
{
    struct pcb_wl_alloc_stats s;
    size_t k = 0;

    (void)tasks_run;
    if (pcb_wl_alloc_stats(in, &s) != 0)
        return 0;
    if (k < cap)
        out[k++] =
            (struct pcb_wl_stat){.name = "alloc_allocated_bytes", .value = (double)s.allocated};
    if (k < cap)
        out[k++] =
            (struct pcb_wl_stat){.name = "alloc_resident_bytes", .value = (double)s.resident};
    if (k < cap)
        out[k++] = (struct pcb_wl_stat){.name = "alloc_handed_over_in_flight",
                                        .value = (double)s.in_flight};
    return k;
}
