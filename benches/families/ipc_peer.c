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
#include <sys/syscall.h>
#include <sys/wait.h>
#include <time.h>
#include <unistd.h>

#include "../../workloads/workload.h"
#include "../../runners/support.h"
#include "../harness/gbench.h"
#include "../harness/options.h"

struct pcb__ipc_fault pcb__ipc_fault;

/* Thread entry: carries fn's int result through the void * of pthreads. */
static void *thread_main(void *arg)
{
    struct pcb__peer *p = arg;

    if (p->cpu >= 0)
        pcb__pin_cpu(p->cpu);
    p->rc = p->fn(p->arg);
    return NULL;
}

int pcb__ipc_peer_start(struct pcb__peer *p, int proc, int cpu, int (*fn)(void *), void *arg)
{

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
    pid_t pid = pcb__fork_child();
    if (pid < 0)
        return pid;
    if (pid == 0) {
        if (cpu >= 0)
            pcb__pin_cpu(cpu);
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

uint64_t pcb__ipc_msg_sum(const void *m, size_t len)
{
    const uint64_t *w = m;
    size_t n = len / 8, i = 0;
    uint64_t a = 0, b = 0, c = 0, d = 0;

    for (; i + 4 <= n; i += 4) {
        a += w[i];
        b += w[i + 1];
        c += w[i + 2];
        d += w[i + 3];
    }
    for (; i < n; i++)
        a += w[i];
    return a + b + c + d;
}

int pcb__ipc_case_settings(pcb_gb_case *c, const struct pcb_options *o)
{
    if (!o->gb_min_time_given)
        pcb_gb_min_time(c, o->profile == PCB_PROFILE_QUICK ? 0.02 : 0.1);
    if (!o->gb_warmup_given && o->profile == PCB_PROFILE_DEFAULT)
        pcb_gb_min_warmup_time(c, 0.02);
    return 0;
}

/* The message sizes of a profile. */
const size_t *pcb__ipc_sizes(const struct pcb_options *o, size_t *n)
{
    static const size_t all[] = {8, 4096, 65536, 1u << 20};
    static const size_t quick[] = {8, 65536};

    if (o->profile == PCB_PROFILE_QUICK) {
        *n = 2;
        return quick;
    }
    *n = 4;
    return all;
}
