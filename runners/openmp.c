/*
 * openmp.c - OpenMP: `#pragma omp parallel for schedule(dynamic, chunk)` with K threads.
 *
 * The pool is libgomp's team. start() runs one empty parallel region with K threads so the team
 * exists before the first timed batch, and records the team's thread ids; run() is one parallel
 * loop with dynamic scheduling, `chunk` iterations per hand-out, each task's digest salted in its
 * thread (pcb_salted_digest) and merged by an OpenMP reduction (a sum, which is
 * pcb_digest_merge). stop() releases the team with omp_pause_resource_all(omp_pause_hard) and
 * waits until every recorded thread has exited (libgomp's threads are detached, so they leave a
 * moment after the pause returns).
 *
 * How idle team threads wait is libgomp's choice, set by OMP_WAIT_POLICY (and GOMP_SPINCOUNT)
 * when the process starts; pcb_openmp_wait_policy() says what this process was given. libgomp's
 * team is one per process, so only one OpenMP pool may exist at a time.
 */
#define _GNU_SOURCE
#include "support.h"

#include <errno.h>
#include <omp.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <sys/syscall.h>
#include <unistd.h>

/* How long stop() waits for libgomp's threads to exit before it gives up. */
#define STOP_GRACE_MS 2000

struct pcb_pool {
    const struct pcb_workload *workload; /* the work */
    const struct pcb_input *input;       /* its input */
    int workers;                         /* K: num_threads of every region */
    pid_t *tids;                         /* K thread ids of the team, recorded at start */
};

const char *pcb_openmp_wait_policy(void)
{
    const char *v = getenv("OMP_WAIT_POLICY");

    return v && v[0] ? v : "unset (libgomp default: spin a while, then sleep)";
}

static int thread_exists(pid_t tid)
{
    char path[64];
    struct stat sb;

    snprintf(path, sizeof(path), "/proc/self/task/%d", (int)tid);
    return stat(path, &sb) == 0;
}

static void stop(struct pcb_pool *p)
{
    if (!p)
        return;
    omp_pause_resource_all(omp_pause_hard);
    uint64_t deadline = pcb_now_ns() + (uint64_t)STOP_GRACE_MS * 1000000ULL;
    const struct timespec nap = {.tv_sec = 0, .tv_nsec = 100000L};
    pid_t self = (pid_t)syscall(SYS_gettid);
    for (int i = 0; p->tids && i < p->workers; i++)
        while (p->tids[i] > 0 && p->tids[i] != self && thread_exists(p->tids[i]) &&
               pcb_now_ns() < deadline)
            nanosleep(&nap, NULL);
    free(p->tids);
    free(p);
}

static int start(const struct pcb_pool_config *cfg, struct pcb_pool **out)
{
    struct pcb_pool *p = calloc(1, sizeof(*p));
    int k = cfg->workers ? (int)cfg->workers : 1, started = 0, err = -ENOMEM;

    if (!p)
        return -ENOMEM;
    p->workload = cfg->workload;
    p->input = cfg->input;
    p->workers = k;
    p->tids = calloc((size_t)k, sizeof(*p->tids));
    if (!p->tids)
        goto err;
    enum pcb_pin pin = cfg->pin;
    pid_t *tids = p->tids;
#pragma omp parallel num_threads(k) shared(started)
    {
        int id = omp_get_thread_num();
        tids[id] = (pid_t)syscall(SYS_gettid);
        /* The master thread is the caller: never pinned, like every strategy's caller. */
        if (id != 0)
            pcb__pin_self(pin, (unsigned)id);
#pragma omp atomic
        started++;
    }
    if (started != k) {
        /* libgomp gave fewer threads than asked (OMP_THREAD_LIMIT, OMP_DYNAMIC): refuse rather
         * than measure something else under this case's name. */
        pcb__why(cfg, "libgomp gave %d threads of %d asked (OMP_THREAD_LIMIT? OMP_DYNAMIC?)",
                 started, k);
        err = PCB_EUNSUPPORTED;
        goto err;
    }
    *out = p;
    return 0;
err:
    stop(p);
    return err;
}

static int run(struct pcb_pool *p, const struct pcb_batch *b, struct pcb_batch_result *res)
{
    const struct pcb_workload *wl = p->workload;
    const struct pcb_input *in = p->input;
    long long n = (long long)b->tasks;
    uint64_t salt = b->salt;
    int chunk = b->chunk > 0 && b->chunk < (uint64_t)n ? (int)b->chunk : (n > 0 ? (int)n : 1);
    uint64_t digest = 0, done = 0, failed = 0, err_task = UINT64_MAX;
    int first_err = 0;

#pragma omp parallel for num_threads(p->workers) schedule(dynamic, chunk) \
    reduction(+ : digest, done, failed)
    for (long long t = 0; t < n; t++) {
        uint64_t d;
        int err = wl->run(in, (uint64_t)t, &d);
        if (err == 0) {
            digest += pcb_salted_digest(d, (uint64_t)t, salt);
            done++;
        } else {
            failed++;
            /* The failure path only: keep the lowest failing task, like the other runners'
             * "first" error, so the report does not depend on thread timing. */
#pragma omp critical(pcb_openmp_err)
            if ((uint64_t)t < err_task) {
                err_task = (uint64_t)t;
                first_err = err;
            }
        }
    }
    memset(res, 0, sizeof(*res));
    res->digest = digest;
    res->done = done;
    res->failed = failed;
    if (failed) {
        res->err = first_err;
        res->err_task = err_task;
    }
    return 0;
}

const struct pcb_runner pcb_runner_openmp = {
    .name = "OpenMP",
    .summary = "#pragma omp parallel for schedule(dynamic, chunk), K threads (libgomp)",
    .flags = PCB_RUNNER_WORKERS | PCB_RUNNER_CHUNK,
    .max_workers = 1024,
    .start = start,
    .run = run,
    .stop = stop,
};
