/*
 * report.h - pcbench-report: turns pcbench result files into a directory a person can read:
 * index.md (tables), results.csv (every case, every counter) and gnuplot charts (SVG + PNG).
 *
 * Data flows one way: load.c reads Google Benchmark JSON (raw repetitions and/or aggregates)
 * and hyperfine --export-json files into a struct pcb_rp_report; model.c splits case names into
 * their key:value parts, groups matrix cases by workload input, and derives speedup,
 * efficiency, winners and floor ratios; markdown.c, csv.c and charts.c only print what the
 * model holds. Nothing here knows the list of strategies or workloads: names are parsed
 * generically, so new strategies, workloads and name parts appear without code changes.
 *
 * Errors: functions return 0 or a negative code and fill a one-line message; main() prints it
 * and exits 2. Nothing aborts on bad input.
 */
#ifndef PCB_REPORT_H
#define PCB_REPORT_H

#include <stddef.h>
#include <stdint.h>

#define PCB_RP_ERRLEN 512 /* room for one error line */

/* The family a case belongs to, from the first part of its name. */
enum pcb_rp_family {
    PCB_RP_MATRIX, /* <Strategy>/<Workload>/workers:K/tasks:N/...: the strategy x workload matrix */
    PCB_RP_IPC,    /* IPC/<mechanism>/<threads|processes>/<pattern>/msg:<bytes> */
    PCB_RP_LIFECYCLE, /* Lifecycle/... */
    PCB_RP_FLOOR,     /* Floor/...: the machine's own floor */
    PCB_RP_OTHER,     /* anything else a Google Benchmark file may hold */
    PCB_RP_WHOLE,     /* a hyperfine command: whole-process timing */
};

/* One counter's value for one case (the median over repetitions). */
struct pcb_rp_counter {
    char *name;   /* as in the JSON: "items_per_second", "peak_rss_bytes", ... */
    double value; /* the median aggregate's value, or the median of the raw repetitions */
};

/* Samples of one quantity over a case's raw repetitions, while loading. */
struct pcb_rp_samples {
    char *name; /* counter name, or "" for the time per iteration */
    double *v;  /* the samples */
    size_t n;   /* how many */
    size_t cap; /* allocated */
};

/* One case: every JSON entry with the same run_name, or one hyperfine command. */
struct pcb_rp_case {
    char *name;     /* run_name as in the file (hyperfine: the command's name) */
    char *label;    /* name without the parts Google Benchmark adds (min_time:, manual_time) */
    char *gb_label; /* the entry's "label" (IPC/ and Lifecycle/ name their floor there) */
    enum pcb_rp_family family; /* from the first part */
    /* Matrix cases only (NULL or 0 otherwise). */
    char *strategy;         /* first part */
    char *workload;         /* second part */
    char *variant;          /* other name parts (queue:pipe, wait:park, procs:2), "" if none */
    char *group;            /* workload, tasks and numeric parameters: what speedup is against */
    char *series;           /* strategy + variant (+ chunk when the group has several): one line */
    char *params;           /* numeric parameters as "kib:64 size:2", "" if none */
    unsigned workers;       /* total workers (procs x threads for procs:/threads: names) */
    char workers_label[32]; /* "8", or "2x4" for procs:2/threads:4 */
    uint64_t tasks;         /* tasks:N */
    char chunk[24];         /* chunk:C value, "" when absent */
    /* Results. */
    int failed;            /* some entry had error_occurred (or a non-zero hyperfine exit) */
    char *error;           /* its message */
    size_t nreps;          /* raw repetitions read */
    int have_median_agg;   /* a _median aggregate was read */
    double median_ns;      /* median time per iteration, ns (real or manual time) */
    double stddev_ns;      /* stddev over repetitions, ns; NAN when unknown */
    double mean_ns;        /* mean, ns; NAN when unknown */
    double cpu_ns;         /* median CPU time per iteration of the main thread, ns; NAN if none */
    double min_ns, max_ns; /* hyperfine only: fastest and slowest run, ns */
    double user_s, sys_s;  /* hyperfine only: mean user and system time, s */
    struct pcb_rp_counter *counters; /* medians */
    size_t ncounters;
    /* Derived by model.c. */
    double speedup;    /* Sequential's median / this median in the same group; NAN if none */
    double efficiency; /* speedup / workers; NAN if none */
    int winner;        /* fastest of its group at its worker count */
    const struct pcb_rp_case *floor; /* the floor case it is read against, or NULL */
    double floor_ratio;              /* median / floor's median; NAN without a floor */
    /* Loading state. */
    struct pcb_rp_samples *samples; /* per-quantity samples of the raw repetitions */
    size_t nsamples;
    struct pcb_rp_counter *agg_counters; /* counters of the _median aggregate */
    size_t nagg_counters;
    double agg_median_ns, agg_stddev_ns, agg_mean_ns, agg_cpu_ns; /* aggregates, NAN if none */
    size_t agg_reps; /* "repetitions" of the aggregates, for files without raw runs */
};

/* A group of matrix cases on the same input: one table and one set of charts. */
struct pcb_rp_group {
    char *key;                  /* workload + tasks + parameters */
    char *workload;             /* the workload */
    char slug[96];              /* file-name-safe, unique: "01-CPU.hash-tasks_256-kib_64" */
    struct pcb_rp_case **cases; /* its cases, in file order */
    size_t ncases;
    unsigned *workers; /* distinct worker counts, ascending */
    size_t nworkers;
    char **series; /* distinct series, in first-appearance order (Sequential first) */
    size_t nseries;
    const struct pcb_rp_case *sequential; /* the baseline, or NULL */
};

/* One key of the JSON "context". */
struct pcb_rp_context_kv {
    char *key;   /* "num_cpus", "pcbench_commit", ... */
    char *value; /* as text */
};

struct pcb_rp_report {
    char **inputs;   /* the files read */
    int have_gbench; /* a Google Benchmark file was read (one per report) */
    size_t ninputs;
    struct pcb_rp_case *cases; /* every case of every file, in file order */
    size_t ncases, cap;
    struct pcb_rp_context_kv *ctx; /* context of the first Google Benchmark file */
    size_t nctx;
    struct pcb_rp_group *groups; /* matrix groups, in first-appearance order */
    size_t ngroups;
    char **counter_names; /* union of counter names, first-appearance order (CSV columns) */
    size_t ncounter_names;
    /* Charts: written by charts.c, read by markdown.c. */
    int charts_done;                 /* gnuplot ran and succeeded */
    char charts_note[PCB_RP_ERRLEN]; /* why charts were skipped or failed, "" when they were made */
};

/* load.c: reads one result file into r (cases are appended). Returns 0 or -1 with err set. */
int pcb_rp_load(struct pcb_rp_report *r, const char *path, char *err);
/* Frees everything r holds. */
void pcb_rp_report_free(struct pcb_rp_report *r);

/* model.c: parses names, builds groups, computes the derived figures. Returns 0 or -1. */
int pcb_rp_model_build(struct pcb_rp_report *r, char *err);
/* The value of counter `name` of c, or NAN. */
double pcb_rp_counter(const struct pcb_rp_case *c, const char *name);
/* The context value of `key`, or NULL. */
const char *pcb_rp_context(const struct pcb_rp_report *r, const char *key);
/* The Floor/ case whose label is exactly `label` ("Floor/futex_pingpong/threads") and that
 * did not fail, or NULL. */
const struct pcb_rp_case *pcb_rp_find_floor(const struct pcb_rp_report *r, const char *label);

/* Writes one error line into err (PCB_RP_ERRLEN bytes), truncating long paths. Returns -1. */
int pcb_rp_errf(char *err, const char *fmt, ...) __attribute__((format(printf, 2, 3)));

/* Formatting shared by the printers. Write into out (cap bytes) and return out. */
char *pcb_rp_fmt_time(char *out, size_t cap, double ns); /* "4.61 ms", "-" for NAN */
char *pcb_rp_fmt_si(char *out, size_t cap, double v);    /* "11.4k", "-" for NAN */
char *pcb_rp_fmt_bytes(char *out, size_t cap, double b); /* "4.2 MiB", "-" for NAN */

/* markdown.c / csv.c: write dir/index.md and dir/results.csv. Return 0 or -1 with err set. */
int pcb_rp_write_markdown(const struct pcb_rp_report *r, const char *dir, char *err);
int pcb_rp_write_csv(const struct pcb_rp_report *r, const char *dir, char *err);

/* charts.c: writes the data files and dir/charts.gp and runs gnuplot on it. Sets
 * r->charts_done or r->charts_note; never fails the report. */
void pcb_rp_charts(struct pcb_rp_report *r, const char *dir);
/* Whether DIR/charts/BASE.png and .svg exist and are not empty. */
int pcb_rp_chart_exists(const char *dir, const char *base);
/* The message sizes ("msg:8", or "" for cases without one) that get an IPC latency chart, up
 * to cap of them, and the chart's file base for one of them ("ipc-latency-msg_8"). */
size_t pcb_rp_ipc_charts(const struct pcb_rp_report *r, char (*msgs)[32], size_t cap);
void pcb_rp_ipc_chart_base(const char *msg, char *out, size_t cap);

#endif
