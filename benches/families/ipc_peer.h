/*
 * ipc_peer.h - what the IPC/ and Lifecycle/ families share: the other side of a case (a thread
 * or a forked process), memory both sides see, unique names for POSIX objects, CPU pinning,
 * bounded waits on a futex word, and the test-only fault hook.
 *
 * Guarantees: a peer process has PR_SET_PDEATHSIG(SIGKILL) set before it runs anything, so it
 * never outlives pcbench; pcb__ipc_peer_join() always reaps it (killing it first when asked); names
 * from pcb__ipc_posix_name() are unique per process and per call (pid + counter).
 */
#ifndef PCB_IPC_PEER_H
#define PCB_IPC_PEER_H

#include <pthread.h>
#include <stdatomic.h>
#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include <sys/types.h>

/* The other side of a case. */
struct pcb__peer {
    int proc;             /* 1: a forked process; 0: a thread of this process */
    pid_t pid;            /* the process while it is not reaped, else 0 */
    pthread_t tid;        /* the thread, when proc == 0 */
    int (*fn)(void *arg); /* what the peer runs; its return value is the peer's result */
    void *arg;            /* fn's argument */
    int cpu;              /* CPU to pin the peer to, or -1 */
    int status;           /* waitpid() status once reaped (processes) */
    int rc;               /* fn's return (threads), or 0 / PCB_EWORKER (processes), once joined */
    bool running;         /* started and not yet joined */
};

/* Starts fn(arg) in a thread (proc == 0) or a forked child (proc == 1), pinned to `cpu` unless
 * it is -1. A child calls _exit(fn(arg) == 0 ? 0 : 1). Returns 0 or -errno. */
int pcb__ipc_peer_start(struct pcb__peer *p, int proc, int cpu, int (*fn)(void *), void *arg);
/* True while a process peer has not exited (reaping it when it has); always true for threads. */
bool pcb__ipc_peer_alive(struct pcb__peer *p);
/* Kills a process peer with SIGKILL (threads cannot be killed: they must be told to stop). */
void pcb__ipc_peer_kill(struct pcb__peer *p);
/* Waits for the peer. Returns fn's result for a thread; for a process 0 when it exited with
 * status 0, else PCB_EWORKER. Idempotent. */
int pcb__ipc_peer_join(struct pcb__peer *p);

/* MAP_SHARED anonymous memory (zeroed), seen by forked children. NULL on failure. */
void *pcb__ipc_shared_alloc(size_t size);
void pcb__ipc_shared_free(void *p, size_t size);

/* Writes "/pcb-<kind>-<pid>-<n>" into buf (n counts calls in this process). */
void pcb__ipc_posix_name(char *buf, size_t len, const char *kind);

/* Shared settings of the IPC/ and Lifecycle/ cases: a short MinTime (0.1 s, 0.02 s in the
 * quick profile) unless --benchmark_min_time was given, a short warm-up. Returns 0. */
struct pcb_options;
struct pcb_gb_case;
int pcb__ipc_case_settings(struct pcb_gb_case *c, const struct pcb_options *o);
/* The message sizes of the profile (8 B .. 1 MiB; fewer in the quick profile). */
const size_t *pcb__ipc_sizes(const struct pcb_options *o, size_t *n);
/* Sum of the 64-bit words of a message (the payload checksum every message case checks). */
uint64_t pcb__ipc_msg_sum(const void *m, size_t len);

/* Test-only fault injection: set by tests before a case runs, never by pcbench itself. */
enum pcb__ipc_fault_kind {
    PCB__FAULT_NONE,    /* normal run */
    PCB__FAULT_CORRUPT, /* the sender flips one byte of forward message number `at` */
    PCB__FAULT_KILL,    /* the peer dies (SIGKILL on itself) on receiving message `at` */
    PCB__FAULT_DROP,    /* the peer silently drops forward message number `at` */
};
struct pcb__ipc_fault {
    enum pcb__ipc_fault_kind kind; /* what goes wrong */
    uint64_t at;                   /* the message number (0-based) it happens to */
};
extern struct pcb__ipc_fault pcb__ipc_fault;

#endif
