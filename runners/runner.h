/*
 * runner.h - the contract for a concurrency strategy.
 *
 * A runner is a `const struct pcb_runner` exported by one file in runners/ and listed in
 * registry.c. It knows nothing of Google Benchmark. Its life is start -> run* -> stop:
 *  - start() builds the pool (threads, processes, ...) for one workload input, outside any timed
 *    region, and returns only when every worker exists and waits behind the start gate;
 *  - run() executes one batch: tasks 0..N-1 of that workload, handed out `chunk` at a time, and
 *    returns the merged digest, how many tasks completed and failed. It allocates nothing and
 *    logs nothing; it is what the benchmark times;
 *  - stop() ends every worker and reaps it. After stop() no thread, process, descriptor or
 *    shared-memory object of the pool remains, whatever state the pool was in.
 */
#ifndef PCB_RUNNER_H
#define PCB_RUNNER_H

#include <stdint.h>
#include <sys/types.h>

#include "../workloads/workload.h"

/* Upper bound on workers for any runner; the CLI also checks RLIMIT_NPROC for processes. */
#define PCB_MAX_WORKERS 4096

enum pcb_runner_flags {
    PCB_RUNNER_WORKERS = 1u << 0,   /* takes a worker count (Sequential does not) */
    PCB_RUNNER_CHUNK = 1u << 1,     /* hands out tasks in chunks from a shared queue */
    PCB_RUNNER_PROCESSES = 1u << 2, /* workers are processes: counted by pid for resources */
};

/* What a pool is built for. The input must outlive the pool. */
struct pcb_pool_config {
    const struct pcb_workload *workload; /* the work */
    const struct pcb_input *input;       /* prepared before start(), shared read-only */
    unsigned workers;                    /* 1..max_workers; ignored without PCB_RUNNER_WORKERS */
};

/* One batch to run. */
struct pcb_batch {
    uint64_t tasks; /* N: tasks 0..N-1 */
    uint64_t chunk; /* tasks per hand-out, >= 1 (ignored without PCB_RUNNER_CHUNK) */
};

/* What one batch produced. */
struct pcb_batch_result {
    uint64_t digest;   /* pcb_digest_merge() of every successful task's digest */
    uint64_t done;     /* tasks that completed successfully */
    uint64_t failed;   /* tasks whose run() returned an error */
    int err;           /* the first task error (0 when failed == 0) */
    uint64_t err_task; /* the task that produced err */
};

/* Opaque: each runner defines its own. */
struct pcb_pool;

struct pcb_runner {
    const char *name;    /* "Threaded": the first part of every case name */
    const char *summary; /* one line: how it runs tasks */
    unsigned flags;      /* enum pcb_runner_flags */
    unsigned max_workers; /* the largest worker count it accepts */

    /* Builds the pool. Returns 0 and *out, or a negative code with nothing left behind. */
    int (*start)(const struct pcb_pool_config *cfg, struct pcb_pool **out);
    /*
     * Runs one batch and fills *res. Returns 0 when the pool did its job (task errors are in
     * res), or a negative code when the pool itself broke (a worker died: PCB_EWORKER); a broken
     * pool can only be stopped.
     */
    int (*run)(struct pcb_pool *pool, const struct pcb_batch *batch, struct pcb_batch_result *res);
    /* Ends and reaps every worker and frees the pool. Accepts NULL. */
    void (*stop)(struct pcb_pool *pool);
    /*
     * Copies the pids of worker processes into pids[0..cap) and returns how many there are;
     * NULL for runners whose workers are threads of this process.
     */
    size_t (*worker_pids)(const struct pcb_pool *pool, pid_t *pids, size_t cap);
};

/* The registry: every runner pcbench knows, Sequential first. */
const struct pcb_runner *const *pcb_runners(size_t *count);
/* Finds a runner by exact name; NULL when there is none. */
const struct pcb_runner *pcb_runner_find(const char *name);

#endif
