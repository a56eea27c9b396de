/*
 * determinism.c - the check that a workload's digests depend only on (parameters, seed, task).
 *
 * Every strategy is verified against a sequential reference computed once per input, so a
 * digest that also depends on the time, on a random number or on how often a task ran makes
 * every case fail with "result mismatch", which sends the reader hunting in the wrong place,
 * and a reference that moves between runs makes two result files disagree about the work
 * itself. This check names the real cause first: it runs task 0 twice in the calling thread,
 * once more in a thread of its own (a digest built from an address, a thread id or per-thread
 * state differs there: glibc gives each thread its own malloc arena), and for a user's
 * workload also on a second input prepared from the same parameters and seed. pcbench's own
 * workloads skip the second input (their digests are pinned by the tests).
 */
#define _GNU_SOURCE
#include "determinism.h"

#include <pthread.h>
#include <stdio.h>
#include <sys/prctl.h>

/* Task 0 of a workload, run in a thread of its own. */
struct other_thread {
    const struct pcb_workload *wl; /* the workload */
    const struct pcb_input *in;    /* its input */
    uint64_t digest;               /* task 0's digest there */
    int err;                       /* run()'s return */
};

static void *run_task0(void *arg)
{
    struct other_thread *o = arg;

    (void)prctl(PR_SET_NAME, "pcb-check", 0, 0, 0); /* what top -H and ps -L show */
    o->err = o->wl->run(o->in, 0, &o->digest);
    return NULL;
}

int pcb_workload_check_deterministic(const struct pcb_workload *wl, const uint64_t *values,
                                     uint64_t seed, const struct pcb_input *in, char *why,
                                     size_t cap)
{
    uint64_t first, again, other;
    struct pcb_input *in2 = NULL;
    int err;

    /* A task that fails (IO.net's injected faults) says nothing about its digest. */
    if (wl->run(in, 0, &first) != 0 || wl->run(in, 0, &again) != 0)
        return 0;
    if (first != again) {
        snprintf(why, cap,
                 "%s is not deterministic: task 0 gave the digest 0x%016llx, then 0x%016llx on "
                 "the same input (a digest must depend only on the parameters, the seed and the "
                 "task)",
                 wl->name, (unsigned long long)first, (unsigned long long)again);
        return PCB_EMISMATCH;
    }
    struct other_thread o = {.wl = wl, .in = in};
    pthread_t t;
    if (pthread_create(&t, NULL, run_task0, &o) == 0) {
        pthread_join(t, NULL);
        if (o.err == 0 && o.digest != first) {
            snprintf(why, cap,
                     "%s is not deterministic: task 0 gave the digest 0x%016llx, and 0x%016llx "
                     "in another thread on the same input (a digest must depend only on the "
                     "parameters, the seed and the task, never on addresses or the thread)",
                     wl->name, (unsigned long long)first, (unsigned long long)o.digest);
            return PCB_EMISMATCH;
        }
    }
    if (pcb__workload_is_builtin(wl) || wl->case_setup)
        return 0;
    if ((err = wl->prepare(values, seed, &in2)) != 0)
        return 0; /* the case's own prepare() reports a failing prepare */
    err = wl->run(in2, 0, &other);
    wl->release(in2);
    if (err == 0 && other != first) {
        snprintf(why, cap,
                 "%s is not deterministic: task 0 gave the digest 0x%016llx, and 0x%016llx on "
                 "a second input prepared from the same parameters and seed (a digest must "
                 "depend only on the parameters, the seed and the task)",
                 wl->name, (unsigned long long)first, (unsigned long long)other);
        return PCB_EMISMATCH;
    }
    return 0;
}
