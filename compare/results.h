/*
 * results.h - the one reader of benchmark result files, for every tool that reads them
 * (compare, pcbench-report, and any later one).
 *
 * Two formats are read, told apart by their content: Google Benchmark JSON (--benchmark_out;
 * a "benchmarks" array of raw repetitions, aggregates, or both) and hyperfine --export-json
 * (a "results" array, one element per command). A file becomes one struct pcb_results that keeps
 * everything a consumer may need: the path and kind, the context (every key, as text), and per
 * case every raw repetition and every aggregate entry with all their counters. Nothing is
 * reduced to a single metric here; choosing one is the consumer's business.
 *
 * Cases are grouped by their key, pcb_name_key() of the entry's run_name (casename.h): the name
 * without the aggregate suffix and without the tuning parts Google Benchmark may append
 * (min_time:, min_warmup_time:, iterations:, repeats:), so files written before names lost those
 * parts pair with today's. The name as written is kept for display. A hyperfine case is one
 * command; its key is the command as written.
 *
 * Every file is checked before anything of it is returned: a file that cannot be opened, a
 * directory or device (regular files and pipes are read), an empty, truncated or non-JSON file,
 * text that is not UTF-8 or holds a NUL (raw, or as \u0000 in a string, which would cut a name
 * short and merge two cases), JSON that is not a result file, a key that appears twice in an
 * object the reader uses (tools disagree on which one counts), a member of the wrong type, a
 * counter without a name, a missing or unknown time unit, a NaN, infinite, negative or
 * implausible (more than a year) time, a hyperfine "times" array that is empty, a
 * repetition_index, aggregate or hyperfine command that appears twice for one case, and a file
 * above PCB_RESULTS_MAX_FILE_SIZE are each refused with one line naming the file. Counters are
 * not times: Google Benchmark writes NaN for some of them (the cv of a counter that is always
 * zero), and such a counter is kept with the value NAN.
 *
 * Speed: the file is mapped, and cJSON parses one array element at a time into a per-thread
 * arena that is rewound after each one, so memory stays near the size of the model and a file of
 * 10 000 cases x 10 repetitions with aggregates (about 70 MB) is read in a few tenths of a second.
 * Different threads may read different files at the same time.
 */
#ifndef PCB_RESULTS_H
#define PCB_RESULTS_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

/* Error codes, libuv style: system call failures come back as -errno, and the reader's own
 * codes sit far below any errno so that the two never collide. */
#define PCB_RESULTS_ERRNO_MAP(XX)                                                                  \
    XX(EJSON, -20001, "invalid JSON")                                                              \
    XX(EFORMAT, -20002, "not a valid benchmark result file")                                       \
    XX(ETOOBIG, -20003, "file too large")

enum pcb_results_errno {
#define XX(name, value, text) PCB_RESULTS_##name = value,
    PCB_RESULTS_ERRNO_MAP(XX)
#undef XX
};

/* A static description of an error code: the reader's own, or strerror() of a -errno. */
const char *pcb_results_strerror(int err);

/* Files larger than this are refused before parsing. A Google Benchmark file of 10 000 cases x
 * 10 repetitions with aggregates is about 71 MB; the limit keeps a runaway file from taking
 * seconds and is far above any real result file. */
#define PCB_RESULTS_MAX_FILE_SIZE ((size_t)256 * 1024 * 1024)

/* Times must be finite, not negative and at most this many nanoseconds (one year): a larger
 * value is a corrupted file, not a measurement. */
#define PCB_RESULTS_MAX_TIME_NS 3.1536e16

/* Size of the buffers that receive one-line error messages. */
#define PCB_RESULTS_ERRLEN 1024

/* Which format a file was. */
enum pcb_results_kind {
    PCB_RESULTS_GBENCH = 1,    /* Google Benchmark JSON */
    PCB_RESULTS_HYPERFINE = 2, /* hyperfine --export-json */
};

/* One key and its value as text (a context key, a hyperfine parameter). */
struct pcb_results_kv {
    const char *key;   /* "num_cpus", "pcbench_commit" */
    const char *value; /* "2"; arrays are joined: caches read "L1 Data 32 KiB x1, ..." */
};

/* One counter of an entry: any numeric member besides the standard ones. */
struct pcb_results_counter {
    const char *name; /* "items_per_second", "peak_rss_bytes" */
    double value;     /* as written; NAN when the file wrote NaN or Infinity */
};

/*
 * One entry of a file: a raw repetition (aggregate == NULL) or an aggregate. A hyperfine run is
 * a repetition with its wall-clock time only. Integers are 32 bits, which every real value fits
 * (a file is below 256 MiB; larger values are clamped): a large file has a few hundred thousand
 * entries, and their size is much of the reader's time.
 */
struct pcb_results_entry {
    const char *name;      /* the entry's "name" ("X_mean" for an aggregate); hyperfine: command */
    const char *aggregate; /* "mean", "median", "stddev", "cv", "BigO", ...; NULL: a repetition */
    const char *label;     /* "label", NULL when absent or empty */
    const char *error_message;                  /* NULL when absent or empty */
    const struct pcb_results_counter *counters; /* in file order, each name once */
    double iterations;                          /* "iterations", NAN when absent */
    double real_ns;      /* real_time in ns (the fraction itself when `fraction`); NAN if error */
    double cpu_ns;       /* cpu_time likewise; NAN when errored and for hyperfine */
    uint32_t entry;      /* position in the file's array, from 0: messages say "benchmark #N" */
    uint32_t ncounters;  /* how many counters */
    int32_t index;       /* repetition_index (hyperfine: the run's position), -1 when absent */
    int32_t repetitions; /* "repetitions", 0 when absent */
    int32_t threads;     /* "threads", 0 when absent */
    bool fraction;       /* the times are a fraction, not a duration (cv, or "percentage") */
    bool error;          /* "error_occurred" was true */
};

/* hyperfine's own statistics of a command, in ns; NAN when absent or null. */
struct pcb_results_summary {
    double mean_ns;   /* "mean" */
    double stddev_ns; /* "stddev" (null after a single run) */
    double median_ns; /* "median" */
    double min_ns;    /* "min" */
    double max_ns;    /* "max" */
    double user_ns;   /* "user": mean user CPU time */
    double system_ns; /* "system": mean system CPU time */
};

/* One case of one file: every entry with the same key. */
struct pcb_results_case {
    const char *key;                      /* what cases are paired by (see the top) */
    const char *name;                     /* run_name as first written; hyperfine: the command */
    const struct pcb_results_entry *reps; /* raw repetitions in file order, errored ones too */
    size_t nreps;                         /* how many */
    const struct pcb_results_entry *aggs; /* aggregate entries in file order */
    size_t naggs;                         /* how many */
    /* hyperfine only (zeroes and NANs otherwise). */
    struct pcb_results_summary summary;      /* the command's statistics */
    const double *exit_codes;                /* one per run; NAN for null (a signal) */
    size_t nexit_codes;                      /* how many */
    const struct pcb_results_kv *parameters; /* "parameters" of a parameter scan */
    size_t nparameters;                      /* how many */
    /* pcbench's reference digest of the case's work ("pcb_digest": "0x..."), which depends
     * only on the workload, its parameters, the seed and the task count: two files with
     * different digests for one case measured different work. Every entry that carries one
     * carries the same (else the file is refused). */
    uint64_t digest;
    bool has_digest; /* some entry carries "pcb_digest" (older files and hyperfine: none) */
    /* pcbench's warning about an implausible figure of the case ("pcb_warning"), from its
     * first entry that has one; NULL when none has. */
    const char *warning;
    /* pcbench's kind of work ("pcb_work"): "cpu", "wait" or "empty"; NULL when no entry says
     * (older files, hyperfine). The report takes efficiency per CPU for CPU work and per task
     * in flight for waiting work. */
    const char *work;
};

struct pcb__results_store;

/* One result file. Everything it points to is owned by it. */
struct pcb_results {
    const char *path;                     /* as given to the reader */
    enum pcb_results_kind kind;           /* its format */
    bool has_context;                     /* it has a "context" object (perhaps empty) */
    const struct pcb_results_kv *context; /* every context key in file order, values as text */
    size_t ncontext;                      /* how many */
    const struct pcb_results_case *cases; /* in order of first appearance */
    size_t ncases;                        /* how many */
    uint64_t dev, ino;                    /* the file's device and inode, so that one file given
                                             under two names is known; 0 and 0 for a buffer */
    struct pcb__results_store *store;     /* the memory and index behind it all (internal) */
};

/*
 * Reads the file at `path` into a new *out. Returns 0, or a negative error (-errno or
 * PCB_RESULTS_*) with one line in err (PCB_RESULTS_ERRLEN bytes), "PATH: what is wrong"; *out
 * is then NULL.
 */
int pcb_results_read(const char *path, struct pcb_results **out, char *err);

/* The same from memory: `buf` (len bytes, no terminating NUL needed) read as a file called
 * `name` (the fuzzer's entry point). */
int pcb_results_read_buffer(const char *name, const void *buf, size_t len, struct pcb_results **out,
                            char *err);

/*
 * Whether a and b hold the same run: the same kind, the same "date" and "host_name" in their
 * contexts (or both without), and the same cases with the same entries, value for value. Two
 * runs never give the same times to the nanosecond, so such files are one run written twice
 * (or copied); merging them would count every sample twice.
 */
bool pcb_results_same_run(const struct pcb_results *a, const struct pcb_results *b);

/* Frees what a read returned; NULL is allowed. */
void pcb_results_destroy(struct pcb_results *r);

/* Frees the parser memory the calling thread keeps between files; once per reading thread,
 * when it is done reading. */
void pcb_results_thread_cleanup(void);

/* The case whose key is `key`, or NULL. */
const struct pcb_results_case *pcb_results_find(const struct pcb_results *r, const char *key);

/* The context value of `key`, or NULL. */
const char *pcb_results_context(const struct pcb_results *r, const char *key);

/* The counter of e called `name`, or NULL. */
const struct pcb_results_counter *pcb_results_counter(const struct pcb_results_entry *e,
                                                      const char *name);

/* The aggregate entry of c called `aggregate` ("median"), or NULL. */
const struct pcb_results_entry *pcb_results_aggregate(const struct pcb_results_case *c,
                                                      const char *aggregate);

/*
 * Why the case failed, or NULL when it did not: the message of its first errored entry (or
 * "error (no message)"), or, for hyperfine, "a run exited with status N" for its first non-zero
 * exit code, written into buf.
 */
const char *pcb_results_case_error(const struct pcb_results_case *c, char *buf, size_t cap);

#endif /* PCB_RESULTS_H */
