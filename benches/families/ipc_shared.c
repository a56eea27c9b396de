/*
 * ipc_shared.c - the IPC/ family's shared-memory state cases: K workers (threads, or forked
 * processes over MAP_SHARED memory) update one shared counter, or append to one shared list.
 *
 *   IPC/shm_mutex/<threads|processes>/counter/workers:K       lock; counter++; unlock
 *   IPC/shm_atomic/<threads|processes>/counter/workers:K      one relaxed atomic add
 *   IPC/shm_per_worker/<threads|processes>/counter/workers:K  a counter per worker on its own
 *       cache line, summed at the end: the fix for the contention the two above measure
 *   IPC/<same three>/<threads|processes>/list_append/workers:K  push preallocated nodes onto one
 *       list under a mutex, with a compare-and-swap (Treiber push), or onto per-worker lists
 *
 * One iteration is one round: the main side opens a start gate (futex), every worker does
 * COUNTER_OPS (or LIST_OPS) updates and the last one to finish wakes the main side. The time is
 * the round's wall clock (manual time), wake-ups included. After every round, outside the timed
 * part, the result is checked: the counter must equal the updates done, the list must hold every
 * node exactly once (count and sum of node indices), or the case fails. Workers are started and
 * stopped outside the timed part; a process worker that dies fails the case, never hangs it.
 */
#define _GNU_SOURCE
#include <errno.h>
#include <limits.h>
#include <pthread.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "../../workloads/workload.h"
#include "../harness/gbench.h"
#include "ipc_chan.h"
#include "ipc_peer.h"
#include "ipc_shared.h"
#include "../../runners/support.h"

#define COUNTER_OPS (1u << 18) /* counter updates per worker per round: milliseconds, far */
                               /* above the wake-up that starts a round */
#define LIST_OPS (1u << 15)    /* list appends per worker per round */
#define MAX_SHARED_CASES 96
#define MAX_WORKERS 64

enum kind { K_MUTEX, K_ATOMIC, K_PER_WORKER };
enum pattern { P_COUNTER, P_LIST };

static const char *const kind_names[] = {"shm_mutex", "shm_atomic", "shm_per_worker"};

/* One registered case. */
struct shared_case {
    enum kind kind;       /* how the workers synchronise */
    enum pattern pattern; /* counter or list */
    int proc;             /* 1: workers are processes */
    unsigned workers;     /* K */
};

static struct shared_case shared_cases[MAX_SHARED_CASES];
static size_t nshared_cases;

/* A worker's own state. Each on its own cache line: the per-worker fix only works if no two
 * workers' counters share a line (false sharing would bring the contention back). */
struct worker_slot {
    _Alignas(64) _Atomic uint64_t count; /* per-worker counter */
    uint32_t head;                       /* per-worker list: first node + 1, 0 when empty */
};

/* The memory all workers share (MAP_SHARED, so processes see it too). */
struct area {
    _Alignas(64) _Atomic uint32_t gen;      /* start gate: bumped by the main side for each round */
    _Atomic uint32_t stop;                  /* 1: workers return */
    pid_t main_pid;                         /* process workers check their parent against it */
    _Alignas(64) _Atomic uint32_t done;     /* workers that finished the round (futex word) */
    _Alignas(64) pthread_mutex_t mu;        /* process-shared; guards counter and mhead */
    uint64_t counter;                       /* the mutex counter */
    uint32_t mhead;                         /* the mutex list's first node + 1 */
    _Alignas(64) _Atomic uint64_t acounter; /* the atomic counter */
    _Alignas(64) _Atomic uint32_t ahead;    /* the lock-free list's first node + 1 */
    _Alignas(64) struct worker_slot slot[MAX_WORKERS]; /* per worker */
    uint32_t next[];                                   /* list nodes: next node + 1, 0 at the end */
};

/* A worker's argument. */
struct worker_arg {
    struct area *a;               /* shared memory */
    const struct shared_case *sc; /* the case */
    unsigned idx;                 /* worker index */
};

static void do_round(struct area *a, const struct shared_case *sc, unsigned w)
{
    struct worker_slot *me = &a->slot[w];

    if (sc->pattern == P_COUNTER) {
        for (uint32_t i = 0; i < COUNTER_OPS; i++)
            switch (sc->kind) {
            case K_MUTEX:
                pthread_mutex_lock(&a->mu);
                a->counter++;
                pthread_mutex_unlock(&a->mu);
                break;
            case K_ATOMIC:
                atomic_fetch_add_explicit(&a->acounter, 1, memory_order_relaxed);
                break;
            case K_PER_WORKER:
                /* A relaxed load and store of its own line: the compiler keeps every update
                 * (atomics are not merged), and no other worker ever writes here. */
                atomic_store_explicit(&me->count,
                                      atomic_load_explicit(&me->count, memory_order_relaxed) + 1,
                                      memory_order_relaxed);
                break;
            }
        return;
    }
    uint32_t first = w * LIST_OPS;
    for (uint32_t i = 0; i < LIST_OPS; i++) {
        uint32_t node = first + i;
        switch (sc->kind) {
        case K_MUTEX:
            pthread_mutex_lock(&a->mu);
            a->next[node] = a->mhead;
            a->mhead = node + 1;
            pthread_mutex_unlock(&a->mu);
            break;
        case K_ATOMIC: {
            uint32_t h = atomic_load_explicit(&a->ahead, memory_order_relaxed);
            do
                a->next[node] = h;
            while (!atomic_compare_exchange_weak_explicit(
                &a->ahead, &h, node + 1, memory_order_release, memory_order_relaxed));
            break;
        }
        case K_PER_WORKER:
            a->next[node] = me->head;
            me->head = node + 1;
            break;
        }
    }
}

static int worker_main(void *arg)
{
    struct worker_arg *wa = arg;
    struct area *a = wa->a;
    uint32_t seen = 0;

    for (;;) {
        uint32_t g = atomic_load_explicit(&a->gen, memory_order_acquire);
        if (atomic_load_explicit(&a->stop, memory_order_acquire))
            return 0;
        if (g == seen) {
            if (pcb__futex_wait_ns(&a->gen, g, 0, PCB__CHAN_SLICE_NS) == -ETIMEDOUT &&
                wa->sc->proc && getppid() != a->main_pid)
                return 1;
            continue;
        }
        seen = g;
        do_round(a, wa->sc, wa->idx);
        if (atomic_fetch_add_explicit(&a->done, 1, memory_order_acq_rel) + 1 == wa->sc->workers)
            pcb__futex_wake(&a->done, 1, 0);
    }
}

/* Counts the nodes of the list starting at head+1, at most `limit`; adds their indices. */
static uint64_t walk(const struct area *a, uint32_t head, uint64_t limit, uint64_t *sum)
{
    uint64_t n = 0;

    while (head && n <= limit) {
        *sum += head - 1;
        head = a->next[head - 1];
        n++;
    }
    return n;
}

/* Checks the state after `rounds` rounds; returns NULL or what is wrong. */
static const char *check(struct area *a, const struct shared_case *sc, uint64_t rounds)
{
    uint64_t k = sc->workers;

    if (sc->pattern == P_COUNTER) {
        uint64_t v = 0;
        if (sc->kind == K_MUTEX)
            v = a->counter;
        else if (sc->kind == K_ATOMIC)
            v = atomic_load_explicit(&a->acounter, memory_order_relaxed);
        else
            for (unsigned w = 0; w < k; w++)
                v += atomic_load_explicit(&a->slot[w].count, memory_order_relaxed);
        return v == k * COUNTER_OPS * rounds ? NULL : "counter lost updates";
    }
    uint64_t total = k * LIST_OPS, n = 0, sum = 0;
    if (sc->kind == K_MUTEX)
        n = walk(a, a->mhead, total, &sum);
    else if (sc->kind == K_ATOMIC)
        n = walk(a, atomic_load_explicit(&a->ahead, memory_order_relaxed), total, &sum);
    else
        for (unsigned w = 0; w < k; w++)
            n += walk(a, a->slot[w].head, total, &sum);
    if (n != total || sum != total * (total - 1) / 2)
        return "list lost or repeated nodes";
    /* Empty the lists for the next round (the nodes are rewritten by every push). */
    a->mhead = 0;
    atomic_store_explicit(&a->ahead, 0, memory_order_relaxed);
    for (unsigned w = 0; w < k; w++)
        a->slot[w].head = 0;
    return NULL;
}

/* Waits for every worker to finish the round; returns 0 or a negative code. */
static int wait_round(struct area *a, struct pcb__peer *peers, unsigned k)
{
    uint64_t waited = 0;

    for (;;) {
        uint32_t d = atomic_load_explicit(&a->done, memory_order_acquire);
        if (d == k)
            return 0;
        if (pcb__futex_wait_ns(&a->done, d, 0, PCB__CHAN_SLICE_NS) != -ETIMEDOUT)
            continue;
        waited += PCB__CHAN_SLICE_NS;
        for (unsigned w = 0; w < k; w++)
            if (!pcb__ipc_peer_alive(&peers[w]))
                return PCB_EWORKER;
        if (waited > 10 * (uint64_t)PCB__CHAN_DEADLINE_NS)
            return -ETIMEDOUT;
    }
}

static void ipc_shared_case(pcb_gb_state *st, void *arg)
{
    const struct shared_case *sc = arg;
    unsigned k = sc->workers, started = 0;
    size_t size = sizeof(struct area) + (size_t)k * LIST_OPS * sizeof(uint32_t);
    struct area *a = pcb__ipc_shared_alloc(size);
    struct pcb__peer peers[MAX_WORKERS];
    struct worker_arg args[MAX_WORKERS];
    pthread_mutexattr_t ma;
    const char *bad = NULL;
    char msg[160];
    uint64_t rounds = 0;
    int err = 0;

    pcb_gb_set_label(st, "Floor/atomic_add/uncontended");
    if (!a) {
        pcb_gb_skip_with_error(st, "mmap failed");
        return;
    }
    a->main_pid = getpid();
    pthread_mutexattr_init(&ma);
    pthread_mutexattr_setpshared(&ma, PTHREAD_PROCESS_SHARED);
    pthread_mutex_init(&a->mu, &ma);
    pthread_mutexattr_destroy(&ma);
    for (; started < k && !err; started++) {
        args[started] = (struct worker_arg){.a = a, .sc = sc, .idx = started};
        err = pcb__ipc_peer_start(&peers[started], sc->proc, -1, worker_main, &args[started]);
    }
    if (err)
        started--;

    for (uint64_t n; (n = pcb_gb_batch(st)) != 0;)
        for (uint64_t i = 0; i < n && !err && !bad; i++) {
            uint64_t t0 = pcb_now_ns();
            atomic_store_explicit(&a->done, 0, memory_order_relaxed);
            atomic_fetch_add_explicit(&a->gen, 1, memory_order_release);
            pcb__futex_wake(&a->gen, INT_MAX, 0);
            err = wait_round(a, peers, k);
            pcb_gb_set_iteration_time(st, (double)(pcb_now_ns() - t0) * 1e-9);
            rounds++;
            if (!err)
                bad = check(a, sc, rounds);
        }

    atomic_store_explicit(&a->stop, 1, memory_order_release);
    atomic_fetch_add_explicit(&a->gen, 1, memory_order_release);
    pcb__futex_wake(&a->gen, INT_MAX, 0);
    int perr = 0;
    for (unsigned w = 0; w < started; w++) {
        if (err)
            pcb__ipc_peer_kill(&peers[w]);
        int e = pcb__ipc_peer_join(&peers[w]);
        perr = perr ? perr : e;
    }
    pthread_mutex_destroy(&a->mu);
    pcb__ipc_shared_free(a, size);
    if (err || bad || perr) {
        snprintf(msg, sizeof(msg), "%s after %llu rounds",
                 bad ? bad : pcb_strerror(err ? err : perr), (unsigned long long)rounds);
        pcb_gb_skip_with_error(st, msg);
        return;
    }
    uint64_t ops = sc->pattern == P_COUNTER ? COUNTER_OPS : LIST_OPS;
    pcb_gb_set_items_processed(st, (int64_t)(rounds * k * ops));
}

/* Worker counts: 1, 2, 4, ... up to 2x the CPUs, and 2x the CPUs itself; --pcb_workers wins. */
static size_t worker_counts(const struct pcb_options *o, unsigned *out)
{
    unsigned max = 2 * pcb_cpus_allowed();
    size_t n = 0;

    if (max > MAX_WORKERS)
        max = MAX_WORKERS;
    if (o->workers.n) {
        for (size_t i = 0; i < o->workers.n; i++)
            if (o->workers.v[i] >= 1 && o->workers.v[i] <= MAX_WORKERS)
                out[n++] = (unsigned)o->workers.v[i];
        return n;
    }
    if (o->profile == PCB_PROFILE_QUICK) {
        out[n++] = 1;
        if (max > 1)
            out[n++] = max;
        return n;
    }
    for (unsigned k = 1; k < max; k *= 2)
        out[n++] = k;
    out[n++] = max;
    return n;
}

int pcb__ipc_shared_register(const struct pcb_options *o)
{
    unsigned ks[PCB_MAX_LIST + 8];
    size_t nk = worker_counts(o, ks);
    char name[128];
    int count = 0;

    nshared_cases = 0;
    for (int pat = 0; pat < 2; pat++)
        for (int kind = 0; kind < 3; kind++)
            for (int proc = 0; proc < 2; proc++)
                for (size_t i = 0; i < nk; i++) {
                    if (nshared_cases == MAX_SHARED_CASES)
                        return -ENOMEM;
                    struct shared_case *sc = &shared_cases[nshared_cases++];
                    *sc = (struct shared_case){
                        .kind = kind, .pattern = pat, .proc = proc, .workers = ks[i]};
                    snprintf(name, sizeof(name), "IPC/%s/%s/%s/workers:%u", kind_names[kind],
                             proc ? "processes" : "threads", pat ? "list_append" : "counter",
                             ks[i]);
                    pcb_gb_case *c = pcb_gb_register(name, ipc_shared_case, sc);
                    pcb_gb_use_manual_time(c);
                    pcb_gb_unit(c, PCB_GB_US);
                    pcb__ipc_case_settings(c, o);
                    count++;
                }
    return count;
}
