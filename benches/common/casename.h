/*
 * casename.h - the grammar of case names: one module builds them, parses them and gives the key
 * two result files are paired by.
 *
 * A name is '/'-separated parts. pcbench writes these forms (Google Benchmark then appends
 * /manual_time or /real_time, and an aggregate entry's name ends in _mean, _median, ...):
 *
 *   matrix     <Strategy>/<Workload>/<wkey>:<K>[/<variant>:<v>]...
 *                  /tasks:<N>[/chunk:<C>][/<param>:<v>]...[/pin:<P>]
 *              e.g. Threaded/CPU.hash/workers:2/tasks:256/chunk:1/kib:64
 *                   Hybrid/IO.sleep/procs:2/threads:4/depth:64/tasks:256/chunk:1/latency_us:1000
 *                   Mem.alloc's Sequential/Mem.alloc/workers:1/tasks:256/alloc:jemalloc/...
 *   families   Floor/<what>/..., IPC/<mechanism>/..., Lifecycle/<what>/...
 *              (Lifecycle/<Strategy>/start/<wkey>:<K>[/<variant>:<v>]...[/pin:<P>] too)
 *
 * Position decides what a part is, so no reader needs the list of strategies or workloads:
 * in a matrix name the part right after the workload is the worker count (its key is the
 * strategy's name for it: workers, or procs for Hybrid), the parts between it and tasks: are
 * the strategy's variants (queue:pipe, wait:spin, threads:4), the parts after tasks: (and
 * chunk:) are the workload's parameters, and pin: closes the name. Values are numbers or names
 * (alloc:jemalloc). A variant called "threads" multiplies the worker count (Hybrid's threads
 * per process): a name's total workers are K times it. A variant called "depth" multiplies
 * those by the tasks each thread keeps in flight (Hybrid's loop on waiting work): a name's
 * concurrency is its total workers times it.
 *
 * Names carry no tuning. Google Benchmark appends min_time:, min_warmup_time:, iterations: and
 * repeats: parts when a case sets them; pcbench sets none of them in names (its shim keeps such
 * settings out of the name), so a case has the same name under every profile and flag. Files
 * written before that still have them: the key drops them, so old and new files pair.
 *
 * Nothing here allocates; names longer than PCB_NAME_MAX - 1 bytes are refused.
 */
#ifndef PCB_CASENAME_H
#define PCB_CASENAME_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#define PCB_NAME_MAX 512      /* bytes of a name, with its NUL */
#define PCB_NAME_MAX_KV 8     /* variants, and parameters, one name may have */
#define PCB_NAME_MAX_PARTS 32 /* parts one name may have */

/* The family of a case, from its first part. */
enum pcb_name_family {
    PCB_NAME_OTHER = 0, /* a name that is none of the below (a user's own, a hyperfine command) */
    PCB_NAME_MATRIX,    /* <Strategy>/<Workload>/<wkey>:<K>/.../tasks:<N>/... */
    PCB_NAME_FLOOR,     /* Floor/... */
    PCB_NAME_IPC,       /* IPC/... */
    PCB_NAME_LIFECYCLE, /* Lifecycle/... */
};

/* One key:value part. */
struct pcb_name_kv {
    const char *key;   /* "queue", "kib" */
    const char *value; /* "pipe", "64", "jemalloc" */
};

/*
 * A name taken apart (pcb_name_parse), or the parts of one to write (pcb_name_format). Parsed
 * strings point into `buf`; to format, point them at the caller's strings.
 */
struct pcb_name {
    enum pcb_name_family family;
    /* Matrix names (and the Lifecycle/<Strategy>/start form: strategy, workers, variants). */
    const char *strategy;                         /* first part */
    const char *workload;                         /* second part (matrix only) */
    struct pcb_name_kv workers;                   /* "workers" or "procs", and K as text */
    uint64_t nworkers;                            /* K */
    struct pcb_name_kv variants[PCB_NAME_MAX_KV]; /* the strategy's variants, in name order */
    size_t nvariants;
    uint64_t tasks;                             /* N (matrix only) */
    uint64_t chunk;                             /* C, or 0 when the name has no chunk: part */
    struct pcb_name_kv params[PCB_NAME_MAX_KV]; /* the workload's parameters, in name order */
    size_t nparams;
    const char *pin; /* "compact", "spread", or NULL */
    /* Every name. */
    const char *time_type;  /* "manual_time", "real_time", "process_time" or "" */
    char key[PCB_NAME_MAX]; /* the name without tuning parts and aggregate suffix (see below) */
    /* Parser storage: the parts, NUL-separated. */
    char buf[PCB_NAME_MAX];
};

/*
 * Takes `name` apart into *out. `aggregate` is the entry's aggregate name ("mean", "median",
 * ...; NULL or "" for a repetition): when the name ends in "_<aggregate>", that is removed
 * first. A name that is not a well-formed matrix or Lifecycle-start name still parses, as
 * family OTHER, FLOOR, IPC or LIFECYCLE with only `key` and `time_type` set. Returns 0, or -1
 * when the name is empty, too long or has too many parts (*out is then family OTHER with an
 * empty key).
 */
int pcb_name_parse(const char *name, const char *aggregate, struct pcb_name *out);

/*
 * The key two results are paired by: `name` without the aggregate suffix (as above) and
 * without the tuning parts Google Benchmark may append (min_time:, min_warmup_time:,
 * iterations:, repeats:). Everything else, the time type included, is kept. Writes at most cap
 * bytes into out (always terminated when cap > 0) and returns the key's length, which is >= cap
 * when it did not fit.
 */
size_t pcb_name_key(const char *name, const char *aggregate, char *out, size_t cap);

/*
 * Writes the matrix name of n (family MATRIX: strategy, workload, workers, variants, tasks,
 * chunk when non-zero, params, pin when non-NULL) or the Lifecycle start name of n (family
 * LIFECYCLE with a strategy: Lifecycle/<strategy>/start/<workers>/<variants>/<pin>) into out.
 * Google Benchmark adds the time type itself; n->time_type is not written. Returns the length,
 * or -1 when it did not fit in cap bytes (out then holds "").
 */
int pcb_name_format(const struct pcb_name *n, char *out, size_t cap);

/* K times every variant called "threads": the execution contexts a matrix name stands for. */
uint64_t pcb_name_total_workers(const struct pcb_name *n);

/* The total workers times the variant called "depth" (the tasks each worker thread keeps in
 * flight, Hybrid's loop on waiting work): the most tasks in flight a matrix name stands for. */
uint64_t pcb_name_concurrency(const struct pcb_name *n);

/* The value of the variant or parameter called `key` of a parsed name, or NULL. */
const char *pcb_name_get(const struct pcb_name *n, const char *key);

/* Whether `part` is one Google Benchmark appends for tuning or timing (min_time:0.1,
 * manual_time, ...), as opposed to one pcbench wrote. */
bool pcb_name_is_library_part(const char *part, size_t len);

#endif
