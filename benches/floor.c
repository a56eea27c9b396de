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
#include <signal.h>
#include <stdatomic.h>
#include <stdio.h>
#include <sys/prctl.h>
#include <sys/syscall.h>
#include <sys/wait.h>
#include <unistd.h>

#include "../workloads/workload.h"
#include "cases.h"
#include "families.h"
#include "gbench.h"

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
 * Two-thread ping-pong over one word: the caller writes 1 and the partner answers with 0.
 * `park` chooses futex waits; otherwise both sides spin. The word has its own cache line, the
 * count the partner keeps has another, so the only traffic is the hand-off itself.
 */
struct pingpong {
    _Alignas(64) _Atomic uint32_t word; /* 1: partner's turn, 0: caller's turn, 2: stop */
    _Alignas(64) uint64_t served;       /* round trips the partner answered */
    int park;                           /* 1: futex wait; 0: spin */
};

static void pp_wait_while(struct pingpong *pp, uint32_t v)
{
    while (atomic_load_explicit(&pp->word, memory_order_acquire) == v)
        if (pp->park)
            syscall(SYS_futex, (uint32_t *)&pp->word, FUTEX_WAIT_PRIVATE, v, NULL, NULL, 0);
}

static void pp_set(struct pingpong *pp, uint32_t v)
{
    atomic_store_explicit(&pp->word, v, memory_order_release);
    if (pp->park)
        syscall(SYS_futex, (uint32_t *)&pp->word, FUTEX_WAKE_PRIVATE, 1, NULL, NULL, 0);
}

static void *pp_partner(void *arg)
{
    struct pingpong *pp = arg;

    for (;;) {
        pp_wait_while(pp, 0);
        if (atomic_load_explicit(&pp->word, memory_order_acquire) == 2)
            return NULL;
        pp->served++;
        pp_set(pp, 0);
    }
}

static void floor_thread_pingpong(pcb_gb_state *st, void *arg)
{
    struct pingpong pp = {.park = arg != NULL};
    pthread_t t;
    uint64_t timed = 0;
    char msg[128];

    if (pthread_create(&t, NULL, pp_partner, &pp) != 0) {
        pcb_gb_skip_with_error(st, "pthread_create failed");
        return;
    }
    for (uint64_t n; (n = pcb_gb_batch(st)) != 0;)
        for (uint64_t i = 0; i < n; i++) {
            pp_set(&pp, 1);
            pp_wait_while(&pp, 1);
            timed++;
        }
    pp_set(&pp, 2);
    pthread_join(t, NULL);
    if (pp.served != timed) {
        snprintf(msg, sizeof(msg), "partner served %llu round trips, %llu timed",
                 (unsigned long long)pp.served, (unsigned long long)timed);
        pcb_gb_skip_with_error(st, msg);
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
    pid_t parent = getpid(), pid;
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
    pid = fork();
    if (pid == 0) {
        uint64_t count = 0;
        prctl(PR_SET_PDEATHSIG, SIGKILL);
        if (getppid() != parent)
            _exit(1);
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

int pcb_floor_register(const struct pcb_options *o)
{
    static int park = 1;
    pcb_gb_case *cs[6];
    int n = 0;

    cs[n++] = pcb_gb_register("Floor/loop/c_batch", floor_c_batch, NULL);
    cs[n++] = pcb_gb_register_native_empty_loop("Floor/loop/cxx_native");
    cs[n++] = pcb_gb_register("Floor/clock_gettime", floor_clock, NULL);
    cs[n++] = pcb_gb_use_real_time(
        pcb_gb_register("Floor/futex_pingpong/threads", floor_thread_pingpong, &park));
    cs[n++] = pcb_gb_use_real_time(
        pcb_gb_register("Floor/spin_pingpong/threads", floor_thread_pingpong, NULL));
    cs[n++] = pcb_gb_use_real_time(
        pcb_gb_register("Floor/pipe_pingpong/processes", floor_pipe_pingpong, NULL));
    for (int i = 0; i < n; i++) {
        pcb_gb_unit(cs[i], PCB_GB_NS);
        if (o->profile == PCB_PROFILE_QUICK && !o->gb_min_time_given)
            pcb_gb_min_time(cs[i], 0.05);
    }
    return n;
}
