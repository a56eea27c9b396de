/*
 * report.h - pcbench-report: turns pcbench result files into a directory a person can read:
 * index.md (tables), results.csv (every case, every counter) and gnuplot charts (SVG + PNG).
 *
 * Data flows one way: the reader of result files (results.h; Google Benchmark JSON with raw
 * repetitions and/or aggregates, hyperfine --export-json) gives every case with all its entries;
 * model.c turns each into a struct pcb_rp_case (medians, spreads, counters), takes its name apart
 * with the case-name grammar (casename.h), groups matrix cases by workload input, and derives
 * speedup, efficiency, winners and floor ratios; markdown.c, csv.c and charts.c only print what
 * the model holds. Nothing here knows the list of strategies or workloads: the grammar tells
 * the parts of a name by position, so new strategies, workloads and name parts appear without
 * code changes.
 *
 * Errors: functions return 0 or a negative code and fill a one-line message; main() prints it
 * and exits 2. Nothing aborts on bad input.
 */
#ifndef PCB_REPORT_H
#define PCB_REPORT_H

#include "results.h"
#include "usl.h"

#include <signal.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>

#define PCB_RP_ERRLEN PCB_RESULTS_ERRLEN /* room for one error line */

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
    const char *name; /* as in the JSON: "items_per_second", ...; owned by the file's model */
    double value;     /* the median aggregate's value, or the median of the raw repetitions */
};

/* One case: a case of the reader's model (every entry with the same key, or one hyperfine
 * command) with what the report shows of it. */
struct pcb_rp_case {
    const struct pcb_results_case *src; /* what the file holds of it */
    char *name;           /* run_name as written (hyperfine: the command, "#2" on a repeat) */
    char *label;          /* the name without the parts Google Benchmark adds (min_time:,
                             manual_time) */
    const char *gb_label; /* the entries' "label" (IPC/ and Lifecycle/ name their floor there) */
    enum pcb_rp_family family; /* from the first part */
    /* Matrix cases only (NULL or 0 otherwise). */
    char *strategy;         /* first part */
    char *workload;         /* second part */
    char *variant;          /* the strategy's variants (the parts between the worker count and
                               tasks:) as "queue:pipe threads:4", "" if none */
    char *group;            /* workload, tasks and parameters: what speedup is against */
    char *series;           /* strategy + variant (+ chunk when the group has several): one line */
    char *params;           /* the workload's parameters (after tasks: and chunk:) as
                               "kib:64 alloc:jemalloc", "" if none */
    unsigned workers;       /* total workers (procs x threads for procs:P/threads:T) */
    unsigned concurrency;   /* the most tasks in flight: the `concurrency` counter, else the
                               name's (workers x depth:) */
    int waiting;            /* waiting work ("pcb_work": "wait"): compared and rated per task
                               in flight; else per worker */
    unsigned at;            /* where the case sits on its group's axis: concurrency on waiting
                               work, workers otherwise */
    char workers_label[32]; /* "8", or "2x4" for procs:2/threads:4 */
    uint64_t tasks;         /* tasks:N */
    char chunk[24];         /* chunk:C value, "" when absent */
    /* Results. */
    int failed;             /* some entry had error_occurred (or a non-zero hyperfine exit) */
    char *error;            /* its message */
    size_t nreps;           /* raw repetitions read */
    double median_ns;       /* median time per iteration, ns (real or manual time) */
    double stddev_ns;       /* stddev over repetitions, ns; NAN when unknown */
    double mean_ns;         /* mean, ns; NAN when unknown */
    double cpu_ns;          /* median CPU time per iteration of the main thread, ns; NAN if none */
    double min_ns, max_ns;  /* hyperfine only: fastest and slowest run, ns */
    double user_ns, sys_ns; /* hyperfine only: mean user and system CPU time, ns */
    struct pcb_rp_counter *counters; /* medians, in order of first appearance */
    size_t ncounters;                /* how many */
    /* Derived by model.c. */
    double speedup;    /* Sequential's median / this median in the same group; NAN if none */
    double efficiency; /* speedup / min(workers, CPUs) on CPU work, speedup / concurrency on
                          waiting work (efficiency.h); NAN if none */
    int winner;        /* fastest of its group at its axis value (workers, or tasks in flight) */
    const struct pcb_rp_case *floor; /* the floor case it is read against, or NULL */
    double floor_ratio;              /* median / floor's median; NAN without a floor */
};

/* A group of matrix cases on the same input: one table and one set of charts. */
struct pcb_rp_group {
    char *key;                  /* workload + tasks + parameters */
    char *workload;             /* the workload */
    char slug[96];              /* file-name-safe, unique: "01-CPU.hash-tasks_256-kib_64" */
    struct pcb_rp_case **cases; /* its cases, in file order */
    size_t ncases;
    /* The axis its cases are compared along: "workers", or "in flight" (the most tasks in
     * flight) for waiting work, where a thread, a process and a task on an event loop each
     * keep different numbers of waits outstanding. */
    const char *axis;
    unsigned *at; /* distinct axis values (struct pcb_rp_case.at), ascending */
    size_t nat;
    char **series; /* distinct series, in first-appearance order (Sequential first) */
    size_t nseries;
    const struct pcb_rp_case *sequential; /* the baseline, or NULL */
};

/* The most points one scaling fit takes (distinct worker counts of a sweep). */
#define PCB_RP_USL_MAXP 32

/* One sweep (a strategy with its variants, on one input) with its scaling model (scaling.c). */
struct pcb_rp_scaling {
    const struct pcb_rp_group *group; /* the input */
    const char *series;               /* the strategy and its variants, as the group names it */
    const struct pcb_rp_case *first;  /* its first case: strategy, variant, workload, params */
    const char *axis;          /* "concurrency" when the cases carry that counter, else "workers" */
    size_t npoints;            /* points: distinct axis values with a result */
    double n[PCB_RP_USL_MAXP]; /* the axis values, ascending */
    double x[PCB_RP_USL_MAXP]; /* throughput there, tasks per second */
    struct pcb_usl fit;        /* the model; fit.status says whether there is one */
    double proj2, proj4;       /* projected tasks/s at 2x and 4x the CPUs; NAN when not projected */
};

/* Everything a report shows. */
struct pcb_rp_report {
    struct pcb_results **files;       /* the files read, in order */
    size_t nfiles;                    /* how many */
    int have_gbench;                  /* a Google Benchmark file was read (one per report) */
    struct pcb_rp_case *cases;        /* every case of every file, in file order */
    size_t ncases, cap;               /* count, allocated */
    const struct pcb_results_kv *ctx; /* context of the Google Benchmark file */
    size_t nctx;                      /* its keys */
    struct pcb_rp_group *groups;      /* matrix groups, in first-appearance order */
    size_t ngroups;
    const char **counter_names; /* union of counter names, first-appearance order (CSV columns) */
    size_t ncounter_names;      /* how many */
    struct pcb_rp_scaling *scalings; /* one per sweep of two or more points, group order */
    size_t nscalings;                /* how many */
    unsigned cpus;                   /* CPUs the run could use (context), 0 when unknown */
    /* Other MPI runs (links.c): each a report of one file, shown only in the section
     * "Distribution against the link". */
    struct pcb_rp_report **runs;
    size_t nruns;
    /* Charts: written by charts.c, read by markdown.c. */
    int charts_done;                 /* gnuplot ran and succeeded */
    char charts_note[PCB_RP_ERRLEN]; /* why charts were skipped or failed, "" when they were made */
};

/* model.c: reads one result file into r (cases are appended). Returns 0 or -1 with err set. */
int pcb_rp_load(struct pcb_rp_report *r, const char *path, char *err);
/* The same for a file already read, which r takes over (also on failure). */
int pcb_rp_add(struct pcb_rp_report *r, struct pcb_results *file, char *err);
/* links.c: the section "Distribution against the link", when some run has Distributed cases. */
void pcb_rp_write_links(FILE *f, const struct pcb_rp_report *r);
/* Frees everything r holds. */
void pcb_rp_report_free(struct pcb_rp_report *r);

/* scaling.c: fits the Universal Scalability Law to every sweep of every group, after
 * pcb_rp_model_build(). Returns 0 or -1 with err set (out of memory). */
int pcb_rp_scaling_build(struct pcb_rp_report *r, char *err);
/* The fit of the sweep `series` of group g, or NULL. */
const struct pcb_rp_scaling *pcb_rp_scaling_of(const struct pcb_rp_report *r,
                                               const struct pcb_rp_group *g, const char *series);
/* csv.c: writes dir/scaling.csv, one row per sweep. Returns 0 or -1 with err set. */
int pcb_rp_write_scaling_csv(const struct pcb_rp_report *r, const char *dir, const char *shown,
                             char *err);

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
/* Writes s, text from a result file, as index.md text: by compare/text.h's rules (control
 * characters as '?'; at most max characters, 0: no limit, a longer text cut with an ellipsis),
 * with '|', '`' and the characters of inline markup escaped. */
void pcb_rp_md(FILE *f, const char *s, size_t max);

/* markdown.c / csv.c: write dir/index.md and dir/results.csv; messages call dir `shown` (dir is
 * the staging folder of the report, shown the folder it becomes). Return 0 or -1 with err set. */
int pcb_rp_write_markdown(const struct pcb_rp_report *r, const char *dir, const char *shown,
                          char *err);
int pcb_rp_write_csv(const struct pcb_rp_report *r, const char *dir, const char *shown, char *err);
/* html.c: writes dir/index.html, the tables and charts of index.md as one self-contained page
 * (the renderer of compare/html.h). Returns 0 or -1 with err set. */
int pcb_rp_write_html(const struct pcb_rp_report *r, const char *dir, const char *shown, char *err);

/* charts.c: writes the data files and dir/charts.gp and runs gnuplot on it. Sets
 * r->charts_done or r->charts_note; never fails the report. Stops gnuplot early when
 * pcb_rp_stop is set (by main.c's signal handler). */
void pcb_rp_charts(struct pcb_rp_report *r, const char *dir);
/* Set from a signal handler when the report is to stop: gnuplot is then killed at once. */
extern volatile sig_atomic_t pcb_rp_stop;
/* Whether DIR/charts/BASE.png and .svg exist and are not empty. */
int pcb_rp_chart_exists(const char *dir, const char *base);
/* The message sizes ("msg:8", or "" for cases without one) that get an IPC latency chart, up
 * to cap of them, and the chart's file base for one of them ("ipc-latency-msg_8"). */
size_t pcb_rp_ipc_charts(const struct pcb_rp_report *r, char (*msgs)[32], size_t cap);
void pcb_rp_ipc_chart_base(const char *msg, char *out, size_t cap);

#endif
