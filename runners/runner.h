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
 *  - every batch is distinct: it carries a salt, and the digest a runner merges for task t is
 *    pcb_salted_digest(the workload's digest of t, t, salt), computed where the task ran. The
 *    caller fills *res with poison before each run() and expects this batch's salted digest,
 *    so a run() that returns without running the batch (a result kept from an earlier batch,
 *    or *res left as it was) fails the case as a stale result instead of looking fast;
 *  - waiting work takes its time: the caller fails a batch of tasks that wait on a clock when
 *    it ends sooner than ceil(N / concurrency) waits, with concurrency the workers times the
 *    variants that multiply them times wait_depth, so a runner that keeps more than one task in
 *    flight per worker thread must say so in wait_depth;
 *  - stop() ends every worker and reaps it. After stop() no thread, process, descriptor or
 *    shared-memory object of the pool remains, whatever state the pool was in.
 */
#ifndef PCB_RUNNER_H
#define PCB_RUNNER_H

#include <stdint.h>
#include <sys/types.h>

#include "../workloads/workload.h"

/* Upper bound on workers for any runner; the CLI also checks RLIMIT_NPROC for processes. An
 * event loop's workers are tasks in flight, not threads, hence the large bound. */
#define PCB_MAX_WORKERS 16384
/* How many variant axes (queue:, backend:, wait:, threads:) one runner may have. */
#define PCB_MAX_VARIANTS 4

enum pcb_runner_flags {
    PCB_RUNNER_WORKERS = 1u << 0,   /* takes a worker count (Sequential does not) */
    PCB_RUNNER_CHUNK = 1u << 1,     /* hands out tasks in chunks from a shared queue */
    PCB_RUNNER_PROCESSES = 1u << 2, /* workers are processes: counted by pid for resources */
    /* Cannot run workloads with a case_setup() (IO.net's server): its workers rebuild the input
     * apart, so a server started for the case would not be theirs. The matrix skips the pairs. */
    PCB_RUNNER_NO_CASE_SETUP = 1u << 3,
    /* The worker count is tasks in flight on the caller's one thread (Async's event loop), not
     * threads or processes: the case's `threads` and `processes` counters say 1. */
    PCB_RUNNER_IN_FLIGHT = 1u << 4,
};

/*
 * Where workers run. NONE leaves placement to the scheduler; COMPACT puts every worker on the
 * first CPU the process may use (hand-offs stay on one CPU, no parallelism); SPREAD puts worker i
 * on the i-th allowed CPU, round robin. The caller's own thread is never pinned.
 */
enum pcb_pin { PCB_PIN_NONE = 0, PCB_PIN_COMPACT, PCB_PIN_SPREAD };

/* Variant flags. */
enum pcb_variant_flags {
    /* The values are numbers that multiply the worker count (threads per process): the matrix
     * counts workers x value against its CPU limit. */
    PCB_VARIANT_MULTIPLIES = 1u << 0,
};

/*
 * One runner-specific axis of the matrix, such as queue:pipe|mq|shm. The matrix crosses every
 * runner with its own axes, and the chosen value's index reaches start() in
 * pcb_pool_config.variant[]; index 0 is the default, so a zeroed config means "defaults".
 */
struct pcb_variant {
    const char *name;          /* key in case names: "queue" */
    const char *const *values; /* the values in case names: "pipe", "mq", "shm" */
    size_t nvalues;            /* how many (>= 1) */
    size_t nquick;             /* the quick profile sweeps values[0..nquick) (>= 1) */
    unsigned flags;            /* enum pcb_variant_flags */
};

/* What a pool is built for. The input must outlive the pool. */
struct pcb_pool_config {
    const struct pcb_workload *workload; /* the work */
    const struct pcb_input *input;       /* prepared before start(), shared read-only */
    unsigned workers;                    /* 1..max_workers; ignored without PCB_RUNNER_WORKERS */
    unsigned variant[PCB_MAX_VARIANTS];  /* index into each of the runner's variants[] */
    enum pcb_pin pin;                    /* placement of the workers */
    /* Optional (NULL: none): where start() explains a failure in one line, for example which
     * kernel limit refused it, and where run() explains a broken pool (which worker died, how,
     * and in which task); left empty when there is nothing to add to the error code. The
     * buffer must outlive the pool. */
    char *why;
    size_t why_len; /* size of `why` in bytes */
    /* What the input was made from, for runners that build it elsewhere (Distributed: on
     * every rank); values is NULL when unknown. */
    const uint64_t *values; /* the workload's parameter values */
    uint64_t seed;          /* the input's seed */
};

/* One batch to run. */
struct pcb_batch {
    uint64_t tasks; /* N: tasks 0..N-1 */
    uint64_t chunk; /* tasks per hand-out, >= 1 (ignored without PCB_RUNNER_CHUNK) */
    /* Mixed into every task's digest with pcb_salted_digest(), where the task runs (in the
     * worker thread, process or rank), so that each batch has a result of its own. The fixture
     * draws a new non-zero salt for every batch; 0 leaves the digests as they are. */
    uint64_t salt;
};

/*
 * The digest a runner merges for task `task` of a batch salted with `salt`, from the digest
 * `digest` the workload returned for it. Salt 0 gives `digest` itself (the unsalted reference);
 * any other salt mixes digest, task and salt, so that no batch's merged digest is another's.
 * Every runner applies it to every successful task, in the task's own worker; the fixture
 * computes the expected merged digest from the per-task reference digests, outside the timed
 * region.
 */
static inline uint64_t pcb_salted_digest(uint64_t digest, uint64_t task, uint64_t salt)
{
    return salt ? pcb_mix64(digest ^ salt ^ (task * 0x9e3779b97f4a7c15ULL)) : digest;
}

/* What one batch produced. */
struct pcb_batch_result {
    uint64_t digest;   /* pcb_digest_merge() of every successful task's salted digest */
    uint64_t done;     /* tasks that completed successfully */
    uint64_t failed;   /* tasks whose run() returned an error */
    int err;           /* the first task error (0 when failed == 0) */
    uint64_t err_task; /* the task that produced err */
};

/* Opaque: each runner defines its own. */
struct pcb_pool;

/* A counter a runner adds to its cases besides the common ones (see extra_counters). */
struct pcb_counter {
    const char *name; /* JSON key, e.g. "messages_per_task" */
    double value;     /* its value over the batches run so far */
};
#define PCB_MAX_EXTRA_COUNTERS 8

struct pcb_runner {
    const char *name;     /* "Threaded": the first part of every case name */
    const char *summary;  /* one line: how it runs tasks */
    unsigned flags;       /* enum pcb_runner_flags */
    unsigned max_workers; /* the largest worker count it accepts */

    /* Builds the pool. Returns 0 and *out, or a negative code with nothing left behind. */
    int (*start)(const struct pcb_pool_config *cfg, struct pcb_pool **out);
    /*
     * Runs one batch and fills *res, every field of it, with this batch's result: tasks
     * 0..batch->tasks-1 run, each successful task's digest salted with batch->salt
     * (pcb_salted_digest()) and merged. Returns 0 when the pool did its job (task errors are in
     * res), or a negative code when the pool itself broke (a worker died: PCB_EWORKER); a broken
     * pool can only be stopped. Nothing of an earlier batch may be returned again: the caller
     * poisons *res before the call and checks the salted digest after it.
     */
    int (*run)(struct pcb_pool *pool, const struct pcb_batch *batch, struct pcb_batch_result *res);
    /* Ends and reaps every worker and frees the pool. Accepts NULL. */
    void (*stop)(struct pcb_pool *pool);
    /*
     * Copies the pids of worker processes into pids[0..cap) and returns how many there are;
     * NULL for runners whose workers are threads of this process.
     */
    size_t (*worker_pids)(const struct pcb_pool *pool, pid_t *pids, size_t cap);

    /* Optional parts; zero in a runner that has none of them. */
    const char *workers_name;           /* key of K in case names; NULL: "workers" */
    const struct pcb_variant *variants; /* runner-specific axes, in case-name order */
    size_t nvariants;                   /* how many (<= PCB_MAX_VARIANTS) */
    /* The worker sweep for waiting workloads (the default profile; quick takes the first two);
     * NULL: the common one, 1, 8, 32, 256, 1024, as far as max_workers allows. */
    const uint64_t *wait_workers;
    size_t nwait_workers; /* how many */
    /* Counters of this runner's own over the batches run so far; called after the last batch,
     * before stop(). *n is the room in out[] on entry, the count on return. */
    void (*extra_counters)(const struct pcb_pool *pool, struct pcb_counter *out, size_t *n);
    /* Tasks one worker thread keeps in flight on waiting work (Hybrid's per-thread loop: 64);
     * 0 means 1. The fixture multiplies it with the workers and the variants that multiply
     * them into the most tasks in flight, the concurrency that bounds how fast a batch of
     * waiting tasks can possibly end (docs/cases.md, "Checks"). It must not be too low: a
     * batch faster than that bound fails as waits skipped. */
    unsigned wait_depth;
};

/* Tasks one worker thread of r keeps in flight on workload wl: r's wait_depth on waiting work
 * with an asynchronous form (Hybrid's loop), else 1 (work without one runs inline). A case's
 * concurrency is its total workers times this. wl NULL: 1. */
static inline unsigned pcb_runner_loop_depth(const struct pcb_runner *r,
                                             const struct pcb_workload *wl)
{
    return wl && wl->kind == PCB_WL_WAIT && wl->start && r->wait_depth ? r->wait_depth : 1;
}

/* Formats a one-line explanation into cfg->why, when the caller gave room for one. */
void pcb__why(const struct pcb_pool_config *cfg, const char *fmt, ...)
    __attribute__((format(printf, 2, 3)));

/* What OMP_WAIT_POLICY this process was given (libgomp reads it once, at start-up), or a note
 * that it is unset; for the JSON context, since it decides how OpenMP's idle threads wait. */
const char *pcb_openmp_wait_policy(void);

/* The registry: every runner pcbench knows, Sequential first. */
const struct pcb_runner *const *pcb_runners(size_t *count);
/* Finds a runner by exact name; NULL when there is none. */
const struct pcb_runner *pcb_runner_find(const char *name);

#endif
