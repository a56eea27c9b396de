/*
 * gbench.h - a C API over Google Benchmark (the library is C++; this is the only door to it).
 *
 * Handles are opaque: a pcb_gb_case is a registered benchmark, a pcb_gb_state is the running
 * benchmark's state. Builder calls return their case so they can be chained. Every Google
 * Benchmark command-line flag keeps working: pcb_gb_init() hands argv to the library.
 *
 * Hot loops: pcb_gb_batch() hands out the remaining iterations of a run in one go, so a C loop
 *     for (uint64_t n; (n = pcb_gb_batch(st)) != 0;)
 *         for (uint64_t i = 0; i < n; i++) body;
 * costs what the native C++ `for (auto _ : state)` loop costs: a local counter, no call per
 * iteration. pcb_gb_keep_running() is the one-iteration form, for bodies that take microseconds.
 *
 * The library may run benchmarks only once per process (RunSpecifiedBenchmarks), which is what
 * pcb_gb_run() does.
 */
#ifndef PCB_GBENCH_H
#define PCB_GBENCH_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#ifdef __cplusplus
extern "C" {
#endif

typedef struct pcb_gb_case pcb_gb_case;   /* a registered benchmark */
typedef struct pcb_gb_state pcb_gb_state; /* the state of a running benchmark */
typedef void (*pcb_gb_fn)(pcb_gb_state *st, void *arg);

enum pcb_gb_unit { PCB_GB_NS, PCB_GB_US, PCB_GB_MS, PCB_GB_S };

/* Counter flags, with the same meaning as benchmark::Counter::Flags. */
enum pcb_gb_counter_flags {
    PCB_GB_COUNTER_DEFAULT = 0,
    PCB_GB_COUNTER_RATE = 1u << 0,                /* divided by the run's time */
    PCB_GB_COUNTER_AVG_THREADS = 1u << 1,         /* divided by the thread count */
    PCB_GB_COUNTER_ITERATION_INVARIANT = 1u << 2, /* multiplied by the iteration count */
    PCB_GB_COUNTER_AVG_ITERATIONS = 1u << 3,      /* divided by the iteration count */
    PCB_GB_COUNTER_INVERT = 1u << 4,              /* 1/value, after the rest */
    PCB_GB_COUNTER_KIBI = 1u << 8,                /* print with 1024 multiples (bytes) */
};

/* Library set-up: consumes the library's own flags from argv. Call once, first. */
void pcb_gb_init(int *argc, char **argv);
/* Returns true (after printing a message) when argv still holds flags nobody knows. */
bool pcb_gb_report_unrecognized(int argc, char **argv);
/* Adds a key/value pair to the "context" of every output format (control characters and bytes
 * outside UTF-8 become '?', so the JSON stays valid). */
void pcb_gb_add_context(const char *key, const char *value);
/* Whether `s` can go into the library's JSON as it is: well-formed UTF-8 without control
 * characters (the library escapes only quotes, backslashes and \b \f \n \r \t). pcb_gb_init()
 * makes argv[0] so, since the library writes it as the context's "executable". */
bool pcb_gb_json_text_ok(const char *s);

/*
 * Hooks around every run of every function registered with pcb_gb_register() (each call the
 * library makes: warm-up, iteration probes, repetitions): `before(name, st)` right before the
 * function, `after(name, st)` right after it returns, both outside the timed region; `after`
 * may still fail the run with pcb_gb_skip_with_error(). `name` is the registered name. NULL
 * for none; add them before pcb_gb_run().
 */
typedef void (*pcb_gb_run_hook)(const char *name, pcb_gb_state *st);
/* Adds one pair; befores run in the order added, afters in the reverse order. */
void pcb_gb_add_run_hooks(pcb_gb_run_hook before, pcb_gb_run_hook after);

/* Registers `fn(state, arg)` under `name`. `arg` must outlive the run. Never NULL. */
pcb_gb_case *pcb_gb_register(const char *name, pcb_gb_fn fn, void *arg);
pcb_gb_case *pcb_gb_use_manual_time(pcb_gb_case *c);
pcb_gb_case *pcb_gb_use_real_time(pcb_gb_case *c);
pcb_gb_case *pcb_gb_unit(pcb_gb_case *c, enum pcb_gb_unit unit);
pcb_gb_case *pcb_gb_repetitions(pcb_gb_case *c, int n);
pcb_gb_case *pcb_gb_min_time(pcb_gb_case *c, double seconds);
pcb_gb_case *pcb_gb_min_warmup_time(pcb_gb_case *c, double seconds);
pcb_gb_case *pcb_gb_iterations(pcb_gb_case *c, int64_t n);
pcb_gb_case *pcb_gb_measure_process_cpu_time(pcb_gb_case *c);

/*
 * Tells the case's owner when the case is chosen and when it is over: `chosen(arg)` for every
 * case --benchmark_filter selects, before any case runs (not when only listing); `done(arg)`
 * once, when the library has finished every run of the case and reports them (with
 * --benchmark_enable_random_interleaving, after its last repetition). NULL for either: none.
 */
typedef void (*pcb_gb_case_fn)(void *arg);
pcb_gb_case *pcb_gb_lifecycle(pcb_gb_case *c, pcb_gb_case_fn chosen, pcb_gb_case_fn done);

/* Registers the native C++ empty loop `for (auto _ : state)`: the yardstick for pcb_gb_batch. */
pcb_gb_case *pcb_gb_register_native_empty_loop(const char *name);

/* State calls, valid only inside a benchmark function. */
bool pcb_gb_keep_running(pcb_gb_state *st);
uint64_t pcb_gb_batch(pcb_gb_state *st);
void pcb_gb_pause_timing(pcb_gb_state *st);
void pcb_gb_resume_timing(pcb_gb_state *st);
void pcb_gb_set_iteration_time(pcb_gb_state *st, double seconds);
void pcb_gb_set_items_processed(pcb_gb_state *st, int64_t items);
void pcb_gb_set_bytes_processed(pcb_gb_state *st, int64_t bytes);
/* The label, the message of pcb_gb_skip_with_error() and counter names reach the output with
 * control characters and bytes outside UTF-8 as '?', as the context does, so the JSON stays
 * valid whatever they hold. */
void pcb_gb_set_label(pcb_gb_state *st, const char *label);
/*
 * Adds the text member "key": "value" to every JSON entry of the running case, its repetitions
 * and aggregates alike (the library has no field of its own for text a run computes; a 64-bit
 * value does not fit a double counter). Setting a key again replaces its value. Console and CSV
 * output do not show it. Outside a case it does nothing.
 */
void pcb_gb_set_case_field(pcb_gb_state *st, const char *key, const char *value);
/* Marks the run failed with `msg`; the benchmark must then leave its loop (break). */
void pcb_gb_skip_with_error(pcb_gb_state *st, const char *msg);
bool pcb_gb_error_occurred(const pcb_gb_state *st);
/* How many runs called pcb_gb_skip_with_error() so far (all cases, all repetitions). */
size_t pcb_gb_failed_runs(void);
/* Iterations done so far in this run (the total, once the loop has ended). */
int64_t pcb_gb_state_iterations(const pcb_gb_state *st);
/* Sets user counter `name` to `value` with enum pcb_gb_counter_flags. */
void pcb_gb_counter(pcb_gb_state *st, const char *name, double value, unsigned flags);

/* One reported run, as the display reporter sees it. Pointers live for the callback only. */
struct pcb_gb_run_info {
    const char *name;           /* full name, with aggregate suffix where there is one */
    const char *run_name;       /* name without aggregate suffix */
    const char *aggregate_name; /* "" for an iteration run, else "mean", "median", ... */
    bool error_occurred;        /* the run called SkipWithError */
    const char *error_message;  /* its message, "" otherwise */
    int64_t iterations;         /* iterations of the run */
    int64_t repetition_index;   /* 0.. for iteration runs, -1 for aggregates */
    double real_ns;             /* real (or manual) time per iteration, in ns */
    double cpu_ns;              /* CPU time per iteration of the calling thread, in ns */
    size_t ncounters;           /* user counters, final values */
    const char *const *counter_names;
    const double *counter_values;
    const char *warning; /* the case's "pcb_warning" text field, "" when it has none */
};

typedef void (*pcb_gb_run_cb)(const struct pcb_gb_run_info *run, void *ctx);

/* Called once per case with its name, when the library has reported all its runs; called with
 * NULL just before the library prints anything for a case. */
typedef void (*pcb_gb_case_cb)(const char *run_name, void *ctx);

/*
 * Options for pcb_gb_run(). The display reporter and the file reporter are built here, from
 * the same formats the library's flags name, so that pcbench can watch every run:
 *  - `on_run` sees every run the display reporter prints (console format only, for the
 *    summary); `on_case` is told when each case is complete (any format, for progress);
 *  - with `out` (or `out_path`, which the shim then opens itself), results go to that file
 *    (outfile.h): a regular file is replaced after every case by a complete document (JSON
 *    closed, CSV whole), so it is never truncated and an interrupted run keeps every finished
 *    case; a device or FIFO gets the final document once. The library itself must then be
 *    given --benchmark_out=/dev/null, because it opens that file whenever a file reporter is
 *    passed to it.
 */
struct pcb_outfile;

struct pcb_gb_run_options {
    pcb_gb_run_cb on_run;    /* every run printed to the console; NULL for none */
    pcb_gb_case_cb on_case;  /* every finished case; NULL for none */
    void *ctx;               /* passed to both */
    const char *format;      /* display format: "console", "json" or "csv" */
    bool color;              /* console colours */
    bool tabular;            /* console counters as columns */
    const char *out_path;    /* result file, or NULL (ignored when `out` is given) */
    struct pcb_outfile *out; /* the result file, opened by the caller (pcb_outfile_open), who
                                closes it after the run; NULL: out_path or none */
    const char *out_format;  /* its format: "json", "console" or "csv" */
    bool list_only;          /* print the selected cases' names to stdout instead of running */
};

/*
 * Runs every registered case --benchmark_filter selects (a POSIX extended regex searched in the
 * case's name; a leading '-' selects the others), or lists them with list_only. Names are the
 * registered name plus the time type (/manual_time, /real_time): settings such as
 * pcb_gb_min_time() never show in a name, in the filter's view or in any report. Returns how
 * many ran (or were listed), or -1 after printing one line when the result file cannot be
 * written or the filter selects no case (or is not a regular expression). Once per process.
 * A result file whose writing fails during the run does not stop it: see pcb_gb_out_result().
 */
long pcb_gb_run(const struct pcb_gb_run_options *opt);

/* How the result file of the last pcb_gb_run() ended. */
struct pcb_gb_out_result {
    int err;      /* 0: the file got the final document; else the -errno of its last write */
    bool written; /* some write of the run succeeded (else a regular file is as it was) */
    size_t kept;  /* cases in the file's last complete write */
    size_t ran;   /* cases the run reported */
};
void pcb_gb_out_result(struct pcb_gb_out_result *r);
void pcb_gb_shutdown(void);

/* Cases whose runs are in the result file (`out_path`) as last written. The file is replaced
 * with SIGINT, SIGTERM and SIGHUP blocked, so a handler of those signals sees a whole file and
 * its count. Async-signal-safe. */
size_t pcb_gb_cases_written(void);

/* The registered name of the case whose function is running now, or NULL between cases. One
 * atomic load and no allocation: for signal handlers. */
const char *pcb_gb_running_case(void);

/*
 * For a run that must end inside a case (the case's thread is stuck and cannot be stopped):
 * reports the running case as failed with `msg` to the display and the result file, as the
 * library would have, and closes both documents; the process must exit right after. Called from
 * another thread while the library's thread is stuck in the case. Returns the case's run name,
 * or NULL when no case is running (nothing was written).
 */
const char *pcb_gb_abort_case(const char *msg);

/* Keeps the compiler from deleting a loop whose body has no visible effect. */
static inline void pcb_gb_clobber(void)
{
    __asm__ __volatile__("" ::: "memory");
}

#ifdef __cplusplus
}
#endif

#endif
