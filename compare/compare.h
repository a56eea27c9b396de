/* compare.h - the types and internal interfaces of the compare tool.
 *
 * The tool reads benchmark result files (Google Benchmark JSON, hyperfine
 * --export-json), groups them into cases per side ("base" and "new"), pairs
 * the cases by name and gives each pair a verdict. This header is the only
 * contract between the parts: load.c fills a pcb_cmp_side from files,
 * stats.c holds the pure statistics, decide.c turns two sides into a list of
 * pcb_cmp_result, print.c prints them, main.c parses the command line.
 *
 * Every function that can fail returns 0 or a negative pcb_cmp error code and,
 * where it has one, writes a single human-readable line into the caller's
 * error buffer, naming the file and what is wrong. Nothing here aborts.
 */
#ifndef PCB_COMPARE_H
#define PCB_COMPARE_H

#include <stddef.h>
#include <stdint.h>
#include <stdio.h>

/* Error codes, libuv style: one X-macro makes the enum and the strings. */
#define PCB_CMP_ERRNO_MAP(XX)                                                                      \
    XX(EIO, -1, "cannot read file")                                                                \
    XX(ENOMEM, -2, "out of memory")                                                                \
    XX(EJSON, -3, "invalid JSON")                                                                  \
    XX(EFORMAT, -4, "not a valid benchmark result file")                                           \
    XX(ETOOBIG, -5, "file too large")                                                              \
    XX(EUSAGE, -6, "bad usage")

enum pcb_cmp_errno {
#define XX(name, value, text) PCB_CMP_##name = value,
    PCB_CMP_ERRNO_MAP(XX)
#undef XX
};

/* Returns a static string describing a pcb_cmp error code. */
const char *pcb_cmp_strerror(int err);

/* Files larger than this are rejected with a clear message before parsing.
 * A Google Benchmark file of 10 000 cases x 10 repetitions with aggregates is
 * about 71 MB and is read in about 0.3 s; files are mapped and parsed one
 * entry at a time, so memory stays near the file size. The limit keeps a
 * runaway file from taking seconds and is far above any real result file. */
#define PCB_CMP_MAX_FILE_SIZE ((size_t)256 * 1024 * 1024)

/* Times must be finite, not negative and at most this many nanoseconds (one
 * year): a larger value is a corrupted file, not a measurement. */
#define PCB_CMP_MAX_TIME_NS 3.1536e16

/* Size of the buffers that receive one-line error messages. */
#define PCB_CMP_ERRLEN 1024

/* Which value of a result entry is compared, and which direction is good. */
struct pcb_cmp_metric {
    const char *name;     /* "real_time", "cpu_time" or a counter name */
    int is_time;          /* 1 for real_time/cpu_time: converted to ns */
    int higher_is_better; /* 1 when a larger value is an improvement */
};

/* The aggregate statistics Google Benchmark writes with repetitions, used
 * when a side has no raw repetitions for a case. */
struct pcb_cmp_agg {
    double mean;        /* "mean" aggregate, metric units (ns for times) */
    double median;      /* "median" aggregate */
    double stddev;      /* "stddev" aggregate */
    double cv;          /* "cv" aggregate, a fraction (0.01 = 1 %) */
    unsigned has;       /* bit set of PCB_CMP_AGG_* saying which are present */
    long reps;          /* number of repetitions behind the aggregates, 0 unknown */
    double time_median; /* median of the normalisation time (ns) */
};

#define PCB_CMP_AGG_MEAN 1u
#define PCB_CMP_AGG_MEDIAN 2u
#define PCB_CMP_AGG_STDDEV 4u
#define PCB_CMP_AGG_CV 8u
#define PCB_CMP_AGG_TIME_MEDIAN 16u

/* One benchmark case on one side: all its samples merged over the side's
 * files. Owned by its pcb_cmp_side. */
struct pcb_cmp_case {
    char *name;             /* case name: run_name, name, or hyperfine command */
    double *samples;        /* raw values of the metric, one per repetition */
    double *times;          /* raw normalisation times (ns), parallel to samples */
    long *rep_index;        /* repetition_index per sample, -1 when absent */
    int *file_no;           /* index of the file each sample came from */
    size_t n;               /* number of raw samples */
    size_t cap;             /* allocated length of the four arrays above */
    struct pcb_cmp_agg agg; /* aggregates, used only when n == 0 */
    int failed;             /* 1 when any entry reported an error */
    char *error_message;    /* first error message seen, or NULL */
    char *label;            /* label of the first entry that had one, or NULL */
    long threads;           /* "threads" of the entries, 0 when absent */
    int last_file;          /* 1 + number of the last file with an entry here,
                               to find duplicate hyperfine commands */
};

/* One context key whose value is compared between the sides. */
struct pcb_cmp_kv {
    char *key;   /* context key, e.g. "num_cpus" or "pcbench_commit" */
    char *value; /* the value rendered as text */
};

/* Everything read for one side of the comparison. */
struct pcb_cmp_side {
    const char *label;          /* "base" or "new"; not owned */
    struct pcb_cmp_case *cases; /* cases in order of first appearance */
    size_t ncases;              /* number of cases */
    size_t capcases;            /* allocated length of cases */
    size_t *table;              /* open-addressing hash: case index + 1 */
    size_t tcap;                /* table size, a power of two, 0 if none */
    struct pcb_cmp_kv *ctx;     /* context of the first file with one */
    size_t nctx;                /* number of context entries */
    const char **files;         /* file names, not owned */
    size_t nfiles;              /* number of files read */
    int mixed_machines;         /* 1 when two files of this side disagree on
                                   host_name, num_cpus or mhz_per_cpu */
    int n_hyperfine;            /* how many of the files were hyperfine */
    int n_gbench;               /* how many were Google Benchmark */
};

/* What the reader needs to know besides the file. */
struct pcb_cmp_read_opts {
    struct pcb_cmp_metric metric; /* value to extract */
    const char *time_key;         /* "real_time" or "cpu_time": the time used
                                     for --normalize */
};

/* Initialises an empty side. */
void pcb_cmp_side_init(struct pcb_cmp_side *side, const char *label);
/* Frees everything the side owns. */
void pcb_cmp_side_close(struct pcb_cmp_side *side);
/* Returns the case called name, or NULL. */
struct pcb_cmp_case *pcb_cmp_side_find(const struct pcb_cmp_side *side, const char *name);

/* Reads one file (either kind, detected from its content) into side.
 * Returns 0, or a negative error with a one-line message in err naming path.
 * On error the side may hold part of the file; callers discard it. */
int pcb_cmp_read_file(struct pcb_cmp_side *side, const char *path,
                      const struct pcb_cmp_read_opts *opts, char *err);

/* Same as pcb_cmp_read_file but from memory (the fuzzer's entry point).
 * buf need not be NUL-terminated. */
int pcb_cmp_read_buffer(struct pcb_cmp_side *side, const char *name, const char *buf, size_t len,
                        const struct pcb_cmp_read_opts *opts, char *err);

/* Frees the parser memory the calling thread keeps between files (see
 * arena_malloc in load.c). Call once per reading thread when done. */
void pcb_cmp_read_cleanup(void);

/* ---- statistics (stats.c); all pure functions ---- */

/* Which form of the Mann-Whitney U test produced a p-value. */
enum pcb_cmp_test {
    PCB_CMP_TEST_NONE = 0,  /* no test: no raw samples on a side */
    PCB_CMP_TEST_EXACT,     /* exact null distribution of U */
    PCB_CMP_TEST_ASYMPTOTIC /* normal approximation, tie and continuity
                               corrected */
};

/* Result of pcb__mwu. */
struct pcb_cmp_mwu {
    double u1;              /* U statistic of the first sample */
    double p;               /* two-sided p-value */
    enum pcb_cmp_test test; /* which form was used */
};

/* Median of n values (n > 0); sorts a private copy, returns NaN on ENOMEM. */
double pcb__median(const double *v, size_t n);
/* Arithmetic mean and sample standard deviation (n - 1); sd is NaN if n < 2. */
void pcb__mean_sd(const double *v, size_t n, double *mean, double *sd);
/* Two-sided Mann-Whitney U test of x against y, with the p-values of
 * scipy.stats.mannwhitneyu(x, y) with its defaults (method='auto',
 * use_continuity=True): exact when either sample has at most 8 values and
 * there are no ties, asymptotic otherwise. Returns 0, or PCB_CMP_ENOMEM. */
int pcb__mwu(const double *x, size_t nx, const double *y, size_t ny, struct pcb_cmp_mwu *out);
/* P(U >= k) under the null hypothesis for samples of sizes m and n, computed
 * from the exact distribution. Returns NaN when the table would be too large
 * (m * n * min(m, n) above about 2e8) or on ENOMEM. */
double pcb__mwu_exact_sf(long k, long m, long n);
/* Benjamini-Hochberg adjusted p-values. NaN entries are skipped and left
 * NaN; the others are adjusted as one family. Returns 0 or PCB_CMP_ENOMEM. */
int pcb__bh_adjust(const double *p, size_t n, double *q);
/* Upper-tail standard normal probability, P(Z > z). */
double pcb__norm_sf(double z);
/* The z with P(Z > z) = p, for 0 < p < 1. */
double pcb__norm_isf(double p);
/* Smallest n such that the two-sided test with n untied values per side can
 * give p <= alpha at all (exact form up to 8, normal form above). */
long pcb__mwu_min_n(double alpha);

/* ---- decisions (decide.c) ---- */

#define PCB_CMP_VERDICT_MAP(XX)                                                                    \
    XX(REGRESSED, "regressed")                                                                     \
    XX(IMPROVED, "improved")                                                                       \
    XX(SAME, "same")                                                                               \
    XX(INCONCLUSIVE, "inconclusive")                                                               \
    XX(NEW, "new")                                                                                 \
    XX(MISSING, "missing")                                                                         \
    XX(FAILED, "failed")

enum pcb_cmp_verdict {
#define XX(name, text) PCB_CMP_##name,
    PCB_CMP_VERDICT_MAP(XX)
#undef XX
        PCB_CMP_NVERDICTS
};

/* Returns the lower-case name of a verdict. */
const char *pcb_cmp_verdict_name(enum pcb_cmp_verdict v);

/* One side of one compared case, as the output shows it. */
struct pcb_cmp_stat {
    int present;   /* 1 when the case exists on this side */
    size_t n;      /* raw samples, or the aggregates' repetition count */
    int raw;       /* 1 when median/cv come from raw samples */
    double median; /* median of the metric (after normalisation) */
    double cv;     /* stddev / mean, NaN when unknown */
};

/* The decision for one case. */
struct pcb_cmp_result {
    const char *name;             /* case name, owned by a side */
    struct pcb_cmp_stat base;     /* base side */
    struct pcb_cmp_stat new_;     /* new side */
    double change;                /* new median / base median - 1, or NaN */
    double band;                  /* half-width of the noise band of change */
    double p;                     /* Mann-Whitney p-value, NaN when none */
    double q;                     /* Benjamini-Hochberg adjusted p, or NaN */
    enum pcb_cmp_test test;       /* form of the U test used */
    enum pcb_cmp_verdict verdict; /* the verdict */
    long needed;                  /* repetitions per side that would be
                                     needed, 0 when not relevant */
    char note[256];               /* short explanation, may be empty */
    const char *label_base;       /* label on base, or NULL */
    const char *label_new;        /* label on new, or NULL */
    long threads;                 /* threads of the case, 0 when unknown */
};

/* One case's own threshold (thresholds.c). */
struct pcb_cmp_threshold {
    char *name;       /* case name */
    double threshold; /* minimum relative effect for this case, e.g. 0.08 */
};

/* Per-case thresholds, sorted by name. */
struct pcb_cmp_thresholds {
    struct pcb_cmp_threshold *v; /* the entries */
    size_t n;                    /* how many */
    size_t cap;                  /* allocated length of v */
};

/* Reads a thresholds file ("PCT<TAB>case name" per line). Returns 0, or a
 * negative error with a one-line message in err naming the file and line. */
int pcb_cmp_thresholds_load(struct pcb_cmp_thresholds *t, const char *path, char *err);
/* The case's own threshold, or NaN when it has none. */
double pcb_cmp_threshold_for(const struct pcb_cmp_thresholds *t, const char *name);
void pcb_cmp_thresholds_close(struct pcb_cmp_thresholds *t);

/* Options of the decision. */
struct pcb_cmp_decide_opts {
    struct pcb_cmp_metric metric;              /* compared value and its direction */
    double threshold;                          /* minimum relative effect, e.g. 0.05 */
    double alpha;                              /* false discovery rate, e.g. 0.05 */
    const char *normalize;                     /* calibration case name, or NULL */
    const void *filter;                        /* compiled regex_t, or NULL for all */
    const struct pcb_cmp_thresholds *per_case; /* own thresholds, or NULL */
};

/* A geometric mean of new/base ratios over a group of cases. */
struct pcb_cmp_geo {
    char *strategy; /* first '/'-separated part of the names; NULL overall */
    double geomean; /* geometric mean of the ratios, NaN when no case */
    size_t n;       /* number of cases that entered it */
    double logsum;  /* running sum of log(ratio) */
};

/* The outcome of a whole comparison: every verdict and the summary. */
struct pcb_cmp_outcome {
    struct pcb_cmp_result *results;   /* one per case, base order then new */
    size_t n;                         /* number of results */
    size_t counts[PCB_CMP_NVERDICTS]; /* results per verdict */
    struct pcb_cmp_geo overall;       /* geometric mean over all paired cases */
    struct pcb_cmp_geo *strategies;   /* per strategy, in order of appearance */
    size_t nstrategies;               /* number of strategies */
    size_t skipped_no_metric;         /* cases without the metric on a side */
    int no_raw_samples;               /* 1 when some case used aggregates only */
    double norm_base;                 /* calibration median on base, or NaN */
    double norm_new;                  /* calibration median on new, or NaN */
    long min_n;                       /* pcb__mwu_min_n(alpha) */
};

/* Compares two sides. Returns 0, or a negative error with a message in err
 * (e.g. the calibration case is missing). The outcome borrows names from
 * the sides, which must outlive it. */
int pcb_cmp_decide(struct pcb_cmp_side *base, struct pcb_cmp_side *new_,
                   const struct pcb_cmp_decide_opts *opts, struct pcb_cmp_outcome *oc, char *err);
/* Frees what pcb_cmp_decide allocated. */
void pcb_cmp_outcome_close(struct pcb_cmp_outcome *oc);

/* Writes per-case thresholds derived from an A/A comparison (thresholds.c).
 * Returns 0 or PCB_CMP_EIO. */
int pcb_cmp_thresholds_write(FILE *out, const struct pcb_cmp_outcome *oc);

/* ---- output (print.c) ---- */

enum pcb_cmp_format { PCB_CMP_FMT_TABLE, PCB_CMP_FMT_MD, PCB_CMP_FMT_JSON };

/* Options of the printers. */
struct pcb_cmp_print_opts {
    enum pcb_cmp_format format;               /* table, md or json */
    int color;                                /* 1 to use ANSI colours (table only) */
    const struct pcb_cmp_decide_opts *decide; /* for the header */
};

/* Prints the outcome. Returns 0 or PCB_CMP_EIO when writing failed. */
int pcb_cmp_print(FILE *out, const struct pcb_cmp_side *base, const struct pcb_cmp_side *new_,
                  const struct pcb_cmp_outcome *oc, const struct pcb_cmp_print_opts *opts);

#endif /* PCB_COMPARE_H */
