/*
 * floor.c - the Floor/ family: what this machine charges for the primitives every strategy is
 * built on, measured in the same run as the strategies, so each strategy's overhead can be read
 * as a multiple of it.
 *
 *  Floor/loop/c_batch          an empty loop through gbench.h's batch form
 *  Floor/loop/cxx_native       the same loop as native C++ `for (auto _ : state)` (gbench_shim.cc)
 *  Floor/clock_gettime         one CLOCK_MONOTONIC read, the timer every batch uses
 *  Floor/futex_pingpong/threads  one round trip between two threads parked on futexes
 *  Floor/spin_pingpong/threads   the same hand-off by spinning on one cache line, no syscall
 *  Floor/pipe_pingpong/processes one byte there and back between two processes over pipes
 *  Floor/futex_pingpong/processes  the futex round trip between two processes (shared memory)
 *  Floor/spin_pingpong_pinned/<threads|processes>  the spin hand-off, the two sides pinned to
 *                                two different CPUs (what a busy-polling channel can reach)
 *  Floor/memcpy/msg:<bytes>      copy one message and checksum it: the least a stream pays
 *  Floor/atomic_add/uncontended  one relaxed atomic add on a private cache line
 *
 * Ping-pong cases check themselves: the partner counts the round trips it served and the case
 * fails when that count differs from the iterations timed.
 */
#define _GNU_SOURCE
#include <errno.h>
#include <fcntl.h>
#include <limits.h>
#include <linux/futex.h>
#include <pthread.h>
#include <sched.h>
#include <signal.h>
#include <stdatomic.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/syscall.h>
#include <sys/wait.h>
#include <unistd.h>

#include "../../workloads/workload.h"
#include "family.h"
#include "../harness/gbench.h"
#include "ipc_peer.h"
#include "../../runners/support.h"

static void floor_c_batch(pcb_gb_state *st, void *arg)
{
    (void)arg;
    /* Counting down is the cheapest loop shape a C compiler emits (one sub, one jne). */
    for (uint64_t n; (n = pcb_gb_batch(st)) != 0;)
        for (; n != 0; n--)
            pcb_gb_clobber();
}

static void floor_clock(pcb_gb_state *st, void *arg)
{
    uint64_t last = 0, backwards = 0;

    (void)arg;
    for (uint64_t n; (n = pcb_gb_batch(st)) != 0;)
        for (uint64_t i = 0; i < n; i++) {
            uint64_t now = pcb_now_ns();
            backwards += now < last;
            last = now;
        }
    if (backwards)
        pcb_gb_skip_with_error(st, "CLOCK_MONOTONIC went backwards");
}

/*
 * Ping-pong over one word: the caller writes 1 and the partner answers with 0. `park` chooses
 * futex waits; otherwise both sides spin. The word has its own cache line, the count the partner
 * keeps has another, so the only traffic is the hand-off itself. The struct lives in MAP_SHARED
 * memory so the partner may be a forked process (`shared`: futexes are then not private, and the
 * caller's waits look at the partner every 200 ms so a dead one fails the case).
 */
struct pingpong {
    _Alignas(64) _Atomic uint32_t word; /* 1: partner's turn, 0: caller's turn, 2: stop */
    _Alignas(64) uint64_t served;       /* round trips the partner answered */
    int park;                           /* 1: futex wait; 0: spin */
    int shared;                         /* 1: the partner is another process */
};

/* How a ping-pong floor runs (the registered argument). */
struct pp_mode {
    int park; /* futex waits instead of spinning */
    int proc; /* the partner is a forked process */
    int pin;  /* caller and partner pinned to two different CPUs */
};

/* Waits while the word is v. Returns 0, or -1 when `watch` (the partner) has died. */
static int pp_wait_while(struct pingpong *pp, uint32_t v, struct pcb__peer *watch)
{
    uint32_t n = 0;

    while (atomic_load_explicit(&pp->word, memory_order_acquire) == v) {
        if (pp->park && !pp->shared)
            syscall(SYS_futex, (uint32_t *)&pp->word, FUTEX_WAIT_PRIVATE, v, NULL, NULL, 0);
        else if (pp->park) {
            if (pcb__futex_wait_ns(&pp->word, v, 0, 200000000L) == -ETIMEDOUT && watch &&
                !pcb__ipc_peer_alive(watch))
                return -1;
        } else if ((++n & 0xfffff) == 0 && watch && pp->shared && !pcb__ipc_peer_alive(watch)) {
            return -1;
        }
    }
    return 0;
}

static void pp_set(struct pingpong *pp, uint32_t v)
{
    atomic_store_explicit(&pp->word, v, memory_order_release);
    if (pp->park && !pp->shared)
        syscall(SYS_futex, (uint32_t *)&pp->word, FUTEX_WAKE_PRIVATE, 1, NULL, NULL, 0);
    else if (pp->park)
        pcb__futex_wake(&pp->word, 1, 0);
}

static int pp_partner(void *arg)
{
    struct pingpong *pp = arg;

    for (;;) {
        pp_wait_while(pp, 0, NULL);
        if (atomic_load_explicit(&pp->word, memory_order_acquire) == 2)
            return 0;
        pp->served++;
        pp_set(pp, 0);
    }
}

static void floor_pingpong(pcb_gb_state *st, void *arg)
{
    const struct pp_mode *mode = arg;
    struct pingpong *pp = pcb__ipc_shared_alloc(sizeof(*pp));
    struct pcb__peer peer;
    cpu_set_t saved;
    int cpu_peer = -1, broken = 0;
    uint64_t timed = 0;
    char msg[128];

    if (!pp) {
        pcb_gb_skip_with_error(st, "mmap failed");
        return;
    }
    pp->park = mode->park;
    pp->shared = mode->proc;
    if (mode->pin) {
        cpu_peer = pcb__cpu_nth(1);
        if (cpu_peer < 0 || sched_getaffinity(0, sizeof(saved), &saved) != 0 ||
            pcb__pin_cpu(pcb__cpu_nth(0)) != 0) {
            pcb__ipc_shared_free(pp, sizeof(*pp));
            pcb_gb_skip_with_error(st, "cannot pin to two CPUs");
            return;
        }
    }
    if (pcb__ipc_peer_start(&peer, mode->proc, cpu_peer, pp_partner, pp) != 0) {
        if (mode->pin)
            sched_setaffinity(0, sizeof(saved), &saved);
        pcb__ipc_shared_free(pp, sizeof(*pp));
        pcb_gb_skip_with_error(st, "starting the partner failed");
        return;
    }
    for (uint64_t n; (n = pcb_gb_batch(st)) != 0;)
        for (uint64_t i = 0; i < n && !broken; i++) {
            pp_set(pp, 1);
            broken = pp_wait_while(pp, 1, &peer);
            timed++;
        }
    pp_set(pp, 2);
    if (broken)
        pcb__ipc_peer_kill(&peer);
    int perr = pcb__ipc_peer_join(&peer);
    uint64_t served = pp->served;
    pcb__ipc_shared_free(pp, sizeof(*pp));
    if (mode->pin)
        sched_setaffinity(0, sizeof(saved), &saved);
    if (broken || perr || served != timed) {
        snprintf(msg, sizeof(msg), "partner served %llu round trips, %llu timed%s",
                 (unsigned long long)served, (unsigned long long)timed,
                 broken || perr ? " (partner died)" : "");
        pcb_gb_skip_with_error(st, msg);
        return;
    }
    pcb_gb_set_items_processed(st, (int64_t)timed);
}

/* The least a stream of messages costs per message: copy it once and check it once. */
static void floor_memcpy(pcb_gb_state *st, void *arg)
{
    size_t len = *(const size_t *)arg;
    /* C11 aligned_alloc wants the size a multiple of the alignment (msg:8 is not). */
    size_t cap = (len + 63) / 64 * 64;
    uint64_t *src = aligned_alloc(64, cap), *dst = aligned_alloc(64, cap);
    uint64_t want = 0, wrong = 0, done = 0;

    if (!src || !dst) {
        free(src);
        free(dst);
        pcb_gb_skip_with_error(st, "out of memory");
        return;
    }
    for (size_t i = 0; i < len / 8; i++)
        want += src[i] = i * 0x9E3779B97F4A7C15ULL;
    memset(dst, 0, len);
    for (uint64_t n; (n = pcb_gb_batch(st)) != 0;)
        for (uint64_t i = 0; i < n; i++) {
            memcpy(dst, src, len);
            wrong += pcb__ipc_msg_sum(dst, len) != want;
            pcb_gb_clobber();
        }
    done = (uint64_t)pcb_gb_state_iterations(st);
    free(src);
    free(dst);
    if (wrong) {
        pcb_gb_skip_with_error(st, "copy checksum mismatch");
        return;
    }
    pcb_gb_set_items_processed(st, (int64_t)done);
    pcb_gb_set_bytes_processed(st, (int64_t)(done * len));
}

/* One relaxed atomic add to a line nobody else touches: what a shared-counter update costs
 * without contention. The count is checked against the iterations. */
static void floor_atomic_add(pcb_gb_state *st, void *arg)
{
    static _Alignas(64) _Atomic uint64_t x; /* own cache line */
    uint64_t timed = 0;

    (void)arg;
    atomic_store_explicit(&x, 0, memory_order_relaxed);
    for (uint64_t n; (n = pcb_gb_batch(st)) != 0;) {
        for (uint64_t i = 0; i < n; i++)
            atomic_fetch_add_explicit(&x, 1, memory_order_relaxed);
        timed += n;
    }
    if (atomic_load_explicit(&x, memory_order_relaxed) != timed) {
        pcb_gb_skip_with_error(st, "atomic adds lost");
        return;
    }
    pcb_gb_set_items_processed(st, (int64_t)timed);
}

/* Reads or writes exactly len bytes, retrying on EINTR. Returns 0 or -1. */
static int full_io(int fd, void *buf, size_t len, int wr)
{
    char *p = buf;

    while (len) {
        ssize_t k = wr ? write(fd, p, len) : read(fd, p, len);
        if (k < 0 && errno == EINTR)
            continue;
        if (k <= 0)
            return -1;
        p += k;
        len -= (size_t)k;
    }
    return 0;
}

static void floor_pipe_pingpong(pcb_gb_state *st, void *arg)
{
    int down[2], up[2];
    uint64_t timed = 0, served = 0;
    pid_t pid;
    char b = 'p', msg[128];

    (void)arg;
    if (pipe2(down, O_CLOEXEC) != 0) {
        pcb_gb_skip_with_error(st, "pipe failed");
        return;
    }
    if (pipe2(up, O_CLOEXEC) != 0) {
        close(down[0]);
        close(down[1]);
        pcb_gb_skip_with_error(st, "pipe failed");
        return;
    }
    pid = pcb__fork_child();
    if (pid == 0) {
        uint64_t count = 0;
        close(down[1]);
        close(up[0]);
        /* 'p' is a ping; 'q' asks for the count and ends the child. */
        while (full_io(down[0], &b, 1, 0) == 0 && b == 'p') {
            count++;
            if (full_io(up[1], &b, 1, 1))
                _exit(1);
        }
        _exit(full_io(up[1], &count, sizeof(count), 1) ? 1 : 0);
    }
    close(down[0]);
    close(up[1]);
    if (pid < 0) {
        close(down[1]);
        close(up[0]);
        pcb_gb_skip_with_error(st, "fork failed");
        return;
    }
    int broken = 0;
    for (uint64_t n; (n = pcb_gb_batch(st)) != 0;)
        for (uint64_t i = 0; i < n && !broken; i++) {
            b = 'p';
            broken = full_io(down[1], &b, 1, 1) || full_io(up[0], &b, 1, 0);
            timed++;
        }
    b = 'q';
    if (!broken && (full_io(down[1], &b, 1, 1) || full_io(up[0], &served, sizeof(served), 0)))
        broken = 1;
    close(down[1]);
    close(up[0]);
    if (broken)
        kill(pid, SIGKILL);
    while (waitpid(pid, NULL, 0) == -1 && errno == EINTR)
        ;
    if (broken || served != timed) {
        snprintf(msg, sizeof(msg), "child served %llu round trips, %llu timed%s",
                 (unsigned long long)served, (unsigned long long)timed,
                 broken ? " (pipe broke)" : "");
        pcb_gb_skip_with_error(st, msg);
        return;
    }
    pcb_gb_set_items_processed(st, (int64_t)timed);
}

static int floor_register(const struct pcb_options *o)
{
    static const struct pp_mode futex_threads = {.park = 1}, spin_threads = {0},
                                futex_procs = {.park = 1, .proc = 1},
                                spin_pinned_threads = {.pin = 1},
                                spin_pinned_procs = {.proc = 1, .pin = 1};
    static size_t lens[8];
    pcb_gb_case *cs[24];
    size_t nsizes;
    const size_t *sizes = pcb__ipc_sizes(o, &nsizes);
    char name[64];
    int n = 0;

    cs[n++] = pcb_gb_register("Floor/loop/c_batch", floor_c_batch, NULL);
    cs[n++] = pcb_gb_register_native_empty_loop("Floor/loop/cxx_native");
    cs[n++] = pcb_gb_register("Floor/clock_gettime", floor_clock, NULL);
    cs[n++] = pcb_gb_use_real_time(
        pcb_gb_register("Floor/futex_pingpong/threads", floor_pingpong, (void *)&futex_threads));
    cs[n++] = pcb_gb_use_real_time(
        pcb_gb_register("Floor/spin_pingpong/threads", floor_pingpong, (void *)&spin_threads));
    cs[n++] = pcb_gb_use_real_time(
        pcb_gb_register("Floor/pipe_pingpong/processes", floor_pipe_pingpong, NULL));
    /* What the IPC/ family is read against (see BENCHMARKS.md, "IPC/, Lifecycle/ and their
     * Floor/ cases"). They run with the family's shorter MinTime in the default profile: each
     * is one tight loop, 0.1 s is 10^4..10^8 iterations. */
    int first_ipc = n;
    cs[n++] = pcb_gb_use_real_time(
        pcb_gb_register("Floor/futex_pingpong/processes", floor_pingpong, (void *)&futex_procs));
    if (pcb_cpus_allowed() >= 2) {
        cs[n++] = pcb_gb_use_real_time(pcb_gb_register(
            "Floor/spin_pingpong_pinned/threads", floor_pingpong, (void *)&spin_pinned_threads));
        cs[n++] = pcb_gb_use_real_time(pcb_gb_register("Floor/spin_pingpong_pinned/processes",
                                                       floor_pingpong, (void *)&spin_pinned_procs));
    }
    for (size_t i = 0; i < nsizes && i < 8; i++) {
        lens[i] = sizes[i];
        snprintf(name, sizeof(name), "Floor/memcpy/msg:%zu", sizes[i]);
        cs[n++] = pcb_gb_register(name, floor_memcpy, &lens[i]);
    }
    cs[n++] = pcb_gb_register("Floor/atomic_add/uncontended", floor_atomic_add, NULL);
    for (int i = 0; i < n; i++) {
        pcb_gb_unit(cs[i], PCB_GB_NS);
        if (o->profile == PCB_PROFILE_QUICK && !o->gb_min_time_given)
            pcb_gb_min_time(cs[i], 0.05);
        else if (i >= first_ipc)
            pcb__ipc_case_settings(cs[i], o);
    }
    return n;
}

static void floor_help(FILE *f)
{
    fprintf(f,
            "Floor/ (the machine's own floor: empty loop, clock, futex, spin and pipe ping-pong,\n"
            "memcpy, atomic add), read every strategy's Empty round trip and every IPC/ and\n"
            "Lifecycle/ case against it (each case's label names its floor).\n");
}

const struct pcb_family pcb_family_floor = {
    .name = "Floor", .register_cases = floor_register, .help = floor_help};
