/*
 * pcbench.h - the public interface of libpcbench: what someone who brings their own work needs.
 *
 * A workload is a `const struct pcb_workload`: it prepares one read-only input from its
 * parameters and a seed (before any worker exists, so processes share it copy-on-write), then
 * runs tasks 0..N-1 over that input. Every task returns a 64-bit digest; digests merge with
 * pcb_digest_merge(), which is commutative and associative, so any strategy, in any order, must
 * arrive at the same merged digest as the sequential reference, or the case fails. pcbench
 * crosses every registered workload with every strategy (Sequential, Threaded, Multiprocess,
 * Async, OpenMP, ...) and measures, checks and reports each pair.
 *
 * A program of one's own is a main() that registers its workloads and hands over to pcbench:
 *
 *     extern const struct pcb_workload my_workload;
 *     int main(int argc, char **argv)
 *     {
 *         if (pcb_workload_register(&my_workload) != 0)
 *             return 1;
 *         return pcbench_main(argc, argv);
 *     }
 *
 * Guarantees every workload must give:
 *  - run() and the start()/finish() pair are safe to call from many threads and processes at
 *    once on the same input; they never write to the input.
 *  - The digest of task i depends only on (parameters, seed, i), never on timing or order.
 *  - A task that did not do its work cannot produce the right digest: a waiting task's finish()
 *    fails with PCB_EEARLY when its wait is not over.
 *
 * Errors: every function returns 0 on success or a negative code, either -errno from a failed
 * system call or one of the PCB_E* codes below, which live above the errno range so the two
 * never collide; pcb_strerror() names both kinds.
 *
 * Everything else in pcbench's sources is internal and may change.
 */
#ifndef PCBENCH_H
#define PCBENCH_H

#include <stddef.h>
#include <stdint.h>

#ifdef __cplusplus
extern "C" {
#endif

/* ---- Errors ---- */

/* X(name, value, message). Values start at 10000, far above any errno. */
#define PCB_ERRNO_MAP(X)                                                                           \
    X(EMISMATCH, 10001, "result mismatch against the sequential reference")                        \
    X(EEARLY, 10002, "task finished before its wait was over (work was skipped)")                  \
    X(EWORKER, 10003, "a worker process died")                                                     \
    X(ETASK, 10004, "a task reported an error")                                                    \
    X(EPARAM, 10005, "parameter out of range")                                                     \
    X(EUNSUPPORTED, 10006, "not supported by this workload or runner")                             \
    X(EPROTO, 10007, "worker protocol violated")

enum pcb_errno {
#define PCB__ERR_ENUM(name, val, msg) PCB_##name = -(val),
    PCB_ERRNO_MAP(PCB__ERR_ENUM)
#undef PCB__ERR_ENUM
};

/* Returns a static string for any code returned by a pcb_ function (PCB_E* or -errno). */
const char *pcb_strerror(int err);

/* ---- Counters a workload adds to its cases (optional) ---- */

/* One counter: a name as it appears in the results, and its value for the case. */
struct pcb_wl_stat {
    const char *name; /* static string, e.g. "net_retries_per_task" */
    double value;     /* its value over the whole case */
};

/* The most counters one workload reports. */
#define PCB_WL_MAX_STATS 8

struct pcb_input;

/*
 * The shape of a workload's counter function: fills out[0..cap) with its counters for the case
 * that just ended (`tasks_run` tasks were run in it, all batches together) and returns how many
 * it wrote. Called after case_teardown(), in the process that prepared the input.
 */
typedef size_t (*pcb_wl_stats_fn)(const struct pcb_input *in, uint64_t tasks_run,
                                  struct pcb_wl_stat *out, size_t cap);

/* ---- The workload contract ---- */

/* How many named integer parameters one workload may have. */
#define PCB_WL_MAX_PARAMS 4
/* How many values one parameter may sweep by default. */
#define PCB_WL_MAX_DEFAULTS 4

/* What kind of work it is; decides the default worker sweep of the case matrix. */
enum pcb_wl_kind {
    PCB_WL_CPU,   /* compute-bound: workers 1..2x cores */
    PCB_WL_WAIT,  /* waits on timers or the network: workers 1, 8, 32, 256 */
    PCB_WL_EMPTY, /* does nothing: measures a strategy's own round trip, one worker, one task */
};

/*
 * One integer knob of a workload, as it appears in case names ("latency_us:1000"). A knob whose
 * values are choices rather than quantities names them: with `names`, value v reads names[v]
 * in case names, in --pcb_param and in `pcbench run --param` ("alloc:jemalloc"), and min..max
 * must index names[].
 */
struct pcb_param_spec {
    const char *name;                       /* lower-case identifier used in case names */
    const char *help;                       /* one line for --help: what it means, its unit */
    uint64_t min;                           /* smallest allowed value */
    uint64_t max;                           /* largest allowed value */
    uint64_t defaults[PCB_WL_MAX_DEFAULTS]; /* values swept by the default profile */
    size_t ndefaults;                       /* how many of defaults[] are used (>= 1) */
    uint64_t quick;                         /* the one value the quick profile uses */
    const char *const *names;               /* NULL: values are numbers; else names[min..max] */
};

/* Opaque prepared input; each workload defines its own. Read-only once prepared. */
struct pcb_input;

/*
 * What an asynchronous task waits on between start() and finish(). The workload fills it in
 * start(); the event loop waits until `fd` is readable (if fd >= 0) and `deadline_ns` has passed
 * (if non-zero), then calls finish(). `scratch` is the workload's own per-task state, so the
 * async form needs no allocation.
 */
struct pcb_wait {
    int fd;               /* descriptor to wait on for readability, or -1 */
    uint64_t deadline_ns; /* CLOCK_MONOTONIC time to wait for, or 0 for none */
    uint64_t scratch[4];  /* owned by the workload between start() and finish() */
    uint64_t timer_seal;  /* owned by pcb_wait_timer(): a check word over its deadline copy */
};

struct pcb_workload {
    const char *name;    /* "CPU.hash": family, a dot, the workload */
    const char *summary; /* one line: what the work is and what it stresses */
    enum pcb_wl_kind kind;
    const struct pcb_param_spec *params; /* the knobs, in case-name order */
    size_t nparams;                      /* how many (<= PCB_WL_MAX_PARAMS) */

    /*
     * Builds the read-only input for parameter values `values` (nparams of them, each already
     * checked against its spec) and `seed`. Returns 0 and sets *out, or a negative code and
     * leaves *out untouched with nothing allocated.
     */
    int (*prepare)(const uint64_t *values, uint64_t seed, struct pcb_input **out);
    /* Frees what prepare() made. Accepts NULL. */
    void (*release)(struct pcb_input *in);
    /* Runs task `task` to completion, blocking if it waits. Returns 0 and the task's digest. */
    int (*run)(const struct pcb_input *in, uint64_t task, uint64_t *digest);
    /*
     * The asynchronous form, or NULL when the work never waits. start() begins task `task`
     * without blocking and says what to wait on; finish() completes it once that is ready and
     * returns the same digest run() would. finish() before the wait is over is PCB_EEARLY.
     */
    int (*start)(const struct pcb_input *in, uint64_t task, struct pcb_wait *w);
    int (*finish)(const struct pcb_input *in, uint64_t task, struct pcb_wait *w, uint64_t *digest);
    /* Bytes one task processes, for bytes/s; NULL when a byte rate means nothing. */
    uint64_t (*task_bytes)(const struct pcb_input *in);
    /*
     * Optional (NULL when not needed): brings up what the tasks need besides the input, such
     * as a server process, right before a case's pool starts; case_teardown() takes it down
     * right after the pool stopped, also when the case failed, and leaves nothing behind.
     * case_setup() returns 0 or a negative code (then case_teardown() is not called).
     */
    int (*case_setup)(struct pcb_input *in);
    void (*case_teardown)(struct pcb_input *in);
    /*
     * Optional (NULL when none): the workload's own counters for the case that just ended,
     * called after case_teardown() with the number of tasks run (struct pcb_wl_stat). Each entry
     * becomes a counter of the case.
     */
    pcb_wl_stats_fn stats;
    /*
     * Optional (NULL when the error code says it all): explains in one line why task `task`
     * failed with `err` (what it was doing, on what), into buf[0..len). Called by the fixture,
     * in pcbench's own process, when a strategy reports a task error; the case fails with it.
     */
    void (*explain)(
        const struct pcb_input *in, uint64_t task, int err, char *buf,
        size_t len); /*
                      * Optional (NULL when the work does not wait on a clock): the least time, in
                      * nanoseconds, that every task waits whatever the strategy (IO.sleep's
                      * latency, Mixed's wait). With it, a batch of N tasks that at most C run at
                      * once cannot end before ceil(N / C) times this wait, and the fixture fails a
                      * batch that does as one whose waits were skipped.
                      */
    uint64_t (*task_wait_ns)(const struct pcb_input *in);
};

/* Merges two digests. Wrapping addition: commutative, associative, and a skipped or repeated
 * task changes the sum. */
static inline uint64_t pcb_digest_merge(uint64_t a, uint64_t b)
{
    return a + b;
}

/* A strong 64-bit mixer (splitmix64 finaliser), for workloads to build digests from. */
static inline uint64_t pcb_mix64(uint64_t x)
{
    x ^= x >> 30;
    x *= 0xbf58476d1ce4e5b9ULL;
    x ^= x >> 27;
    x *= 0x94d049bb133111ebULL;
    x ^= x >> 31;
    return x;
}

/* CLOCK_MONOTONIC now, in nanoseconds. */
uint64_t pcb_now_ns(void);

/*
 * The timer part of a waiting task, shared by every workload that waits on time.
 * pcb_sleep_ns() is the blocking form: it sleeps `ns` on an absolute CLOCK_MONOTONIC deadline
 * (so EINTR neither shortens nor lengthens the wait) and returns 0, -errno, or PCB_EEARLY if the
 * clock says the deadline has not passed. pcb_wait_timer() is the asynchronous form's start():
 * it sets w's deadline `ns` from now, keeps a copy in scratch[0] (an event loop may touch
 * deadline_ns) and seals the copy in timer_seal; pcb_wait_timer_over() is finish()'s check: 0,
 * or PCB_EEARLY when the deadline has not passed or the copy no longer matches its seal (a
 * runner cleared or changed it). The seal is a check word, not a secret: the check that relies
 * on no memory a runner writes is the fixture's, on the batch's duration (docs/cases.md).
 */
int pcb_sleep_ns(uint64_t ns);
void pcb_wait_timer(struct pcb_wait *w, uint64_t ns);
int pcb_wait_timer_over(const struct pcb_wait *w);

/* ---- Registering workloads and running pcbench ---- */

/* The most workloads pcb_workload_register() accepts, besides pcbench's own. */
#define PCB_MAX_USER_WORKLOADS 64

/*
 * Adds `wl` to the workloads pcbench crosses with every strategy; call it before
 * pcbench_main(). `wl` must outlive the run. The workload is checked first: its name must be
 * unique and of the form Family.name (a letter, then letters, digits or '_'; a dot; then
 * letters, digits, '_', '-' or '.'; 47 characters at most); prepare, release and run must be set;
 * start and finish both or neither; at most PCB_WL_MAX_PARAMS parameters, each with a lower-case
 * name of [a-z0-9_], min <= every default <= max, and value names (when given) for every value from
 * min to max, each printable ASCII without '/', ':' or spaces. Returns 0, PCB_EPARAM for a workload
 * that breaks these rules (with one line on stderr saying which), or -ENOSPC when
 * PCB_MAX_USER_WORKLOADS are registered already.
 */
int pcb_workload_register(const struct pcb_workload *wl);

/* ---- Plugins: workloads in a shared object, for the stock pcbench ---- */

/* The version of the plugin interface (struct pcb_plugin and the workload contract above). A
 * plugin built against another version is refused by name, never run. */
#define PCB_ABI_VERSION 1

/* What PCB_PLUGIN() defines in a plugin; pcbench finds it by the name PCB_PLUGIN_SYMBOL. */
struct pcb_plugin {
    uint32_t abi;                         /* PCB_ABI_VERSION of the header it was built with */
    uint32_t workload_size;               /* sizeof(struct pcb_workload) in that header */
    const struct pcb_workload *workloads; /* the plugin's workloads, an array */
    size_t count;                         /* how many */
};

#define PCB_PLUGIN_SYMBOL "pcb_plugin"

#ifdef __cplusplus
#define PCB__PLUGIN_LINKAGE extern "C"
#else
#define PCB__PLUGIN_LINKAGE
#endif

/*
 * Declares a plugin's workloads: `array` is an array of `count` struct pcb_workload. Use it
 * once, at file scope, in a shared object built with -shared -fPIC and without linking
 * libpcbench (the pcbench that loads the plugin provides pcb_now_ns() and the rest):
 *
 *     static const struct pcb_workload mine[] = {{.name = "Zlib.blocks", ...}};
 *     PCB_PLUGIN(mine, 1);
 *
 * pcbench --pcb_plugin=./mine.so (or PCB_PLUGIN=./mine.so, or pcbench run --plugin ./mine.so)
 * loads it before anything else, checks every workload as pcb_workload_register() does, and
 * crosses them with every strategy.
 */
#define PCB_PLUGIN(array, count)                                                                   \
    PCB__PLUGIN_LINKAGE __attribute__((visibility("default")))                                     \
    const struct pcb_plugin pcb_plugin = {PCB_ABI_VERSION, (uint32_t)sizeof(struct pcb_workload),  \
                                          (array), (count)}

/*
 * All of pcbench's command line: the same options, cases, checks and output as the pcbench
 * program, `pcbench run` included. Returns the exit status (0 every case passed, 1 a case
 * failed, 2 bad input, 3 a case hung). Call it once per process.
 */
int pcbench_main(int argc, char **argv);

#ifdef __cplusplus
}
#endif

#endif
