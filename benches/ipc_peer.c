/*
 * ipc_peer.c - the peers, shared memory, names, pinning and futex helpers of ipc_peer.h.
 *
 * A peer process is forked from the benchmark thread; before running its function it asks the
 * kernel to kill it when the parent dies and checks the parent did not die already, so no peer
 * survives pcbench even when pcbench is killed. Joining always reaps.
 */
#define _GNU_SOURCE
#include "ipc_peer.h"

#include <errno.h>
#include <limits.h>
#include <linux/futex.h>
#include <sched.h>
#include <signal.h>
#include <stdio.h>
#include <string.h>
#include <sys/mman.h>
#include <sys/prctl.h>
#include <sys/syscall.h>
#include <sys/wait.h>
#include <time.h>
#include <unistd.h>

#include "../workloads/error.h"

struct pcb__ipc_fault pcb__ipc_fault;

/* Thread entry: carries fn's int result through the void * of pthreads. */
static void *thread_main(void *arg)
{
    struct pcb__peer *p = arg;

    if (p->cpu >= 0)
        pcb__ipc_pin_self(p->cpu);
    p->rc = p->fn(p->arg);
    return NULL;
}

int pcb__ipc_peer_start(struct pcb__peer *p, int proc, int cpu, int (*fn)(void *), void *arg)
{
    pid_t parent = getpid();

    memset(p, 0, sizeof(*p));
    p->proc = proc;
    p->cpu = cpu;
    p->fn = fn;
    p->arg = arg;
    if (!proc) {
        int e = pthread_create(&p->tid, NULL, thread_main, p);
        if (e)
            return -e;
        p->running = true;
        return 0;
    }
    fflush(NULL);
    pid_t pid = fork();
    if (pid < 0)
        return -errno;
    if (pid == 0) {
        prctl(PR_SET_PDEATHSIG, SIGKILL);
        if (getppid() != parent)
            _exit(1);
        if (cpu >= 0)
            pcb__ipc_pin_self(cpu);
        _exit(fn(arg) == 0 ? 0 : 1);
    }
    p->pid = pid;
    p->running = true;
    return 0;
}

bool pcb__ipc_peer_alive(struct pcb__peer *p)
{
    if (!p->running || !p->proc)
        return p->running;
    if (p->pid == 0)
        return false;
    pid_t r = waitpid(p->pid, &p->status, WNOHANG);
    if (r == p->pid) {
        p->pid = 0;
        return false;
    }
    return true;
}

void pcb__ipc_peer_kill(struct pcb__peer *p)
{
    if (p->running && p->proc && p->pid > 0)
        kill(p->pid, SIGKILL);
}

int pcb__ipc_peer_join(struct pcb__peer *p)
{
    if (!p->running)
        return p->rc;
    p->running = false;
    if (!p->proc) {
        pthread_join(p->tid, NULL);
        return p->rc;
    }
    if (p->pid > 0) {
        while (waitpid(p->pid, &p->status, 0) == -1 && errno == EINTR)
            ;
        p->pid = 0;
    }
    p->rc = WIFEXITED(p->status) && WEXITSTATUS(p->status) == 0 ? 0 : PCB_EWORKER;
    return p->rc;
}

void *pcb__ipc_shared_alloc(size_t size)
{
    void *p = mmap(NULL, size, PROT_READ | PROT_WRITE, MAP_SHARED | MAP_ANONYMOUS, -1, 0);
    return p == MAP_FAILED ? NULL : p;
}

void pcb__ipc_shared_free(void *p, size_t size)
{
    if (p)
        munmap(p, size);
}

void pcb__ipc_posix_name(char *buf, size_t len, const char *kind)
{
    /* Only the benchmark thread names objects, but a relaxed atomic costs nothing here. */
    static _Atomic unsigned long counter;
    unsigned long n = atomic_fetch_add_explicit(&counter, 1, memory_order_relaxed);

    snprintf(buf, len, "/pcb-%s-%ld-%lu", kind, (long)getpid(), n);
}

int pcb__ipc_cpu_nth(unsigned i)
{
    cpu_set_t set;

    if (sched_getaffinity(0, sizeof(set), &set) != 0)
        return -1;
    for (int c = 0; c < CPU_SETSIZE; c++)
        if (CPU_ISSET(c, &set) && i-- == 0)
            return c;
    return -1;
}

int pcb__ipc_pin_self(int cpu)
{
    cpu_set_t set;

    CPU_ZERO(&set);
    CPU_SET(cpu, &set);
    return sched_setaffinity(0, sizeof(set), &set) == 0 ? 0 : -errno;
}

int pcb__ipc_futex_wait(_Atomic uint32_t *w, uint32_t v, long timeout_ns)
{
    struct timespec ts = {.tv_sec = timeout_ns / 1000000000L, .tv_nsec = timeout_ns % 1000000000L};

    if (syscall(SYS_futex, (uint32_t *)w, FUTEX_WAIT, v, &ts, NULL, 0) == 0)
        return 0;
    if (errno == EAGAIN)
        return 0;
    return -errno;
}

void pcb__ipc_futex_wake(_Atomic uint32_t *w, int n)
{
    syscall(SYS_futex, (uint32_t *)w, FUTEX_WAKE, n, NULL, NULL, 0);
}
