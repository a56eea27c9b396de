/* compare.h - the types and internal interfaces of the compare tool.
 *
 * The tool reads benchmark result files (Google Benchmark JSON, hyperfine
 * --export-json) with the one reader of result files (results.h), groups
 * their cases per side ("base" and "new"), pairs the cases by key and gives
 * each pair a verdict. This header is the only contract between the parts:
 * side.c merges the files of a side, stats.c holds the pure statistics,
 * decide.c takes each case's samples of the chosen metric from the files and
 * turns two sides into a list of pcb_cmp_result, print.c prints them, main.c
 * parses the command line.
 *
 * Every function that can fail returns 0 or a negative pcb_cmp error code and,
 * where it has one, writes a single human-readable line into the caller's
 * error buffer, naming the file and what is wrong. Nothing here aborts.
 */
#ifndef PCB_COMPARE_H
#define PCB_COMPARE_H

#include "results.h"

#include <errno.h>
#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>

/* Error codes of compare's own work, libuv style: one X-macro makes the enum
 * and the strings. A failed system call is -errno (PCB_CMP_EIO and
 * PCB_CMP_ENOMEM are the errno codes themselves); compare's own codes live at
 * -20101 and below, apart from -errno, pcbench's PCB_E* (-10001...) and the
 * reader's (results.h, -20001...), so no two mean the same. */
#define PCB_CMP_ERRNO_MAP(XX)                                                                      \
    XX(EIO, -EIO, "input/output error")                                                            \
    XX(ENOMEM, -ENOMEM, "out of memory")                                                           \
    XX(EFORMAT, -20101, "not a valid thresholds file")                                             \
    XX(EUSAGE, -20102, "bad usage")                                                                \
    XX(ETWICE, -20103, "the same run given twice on one side")                                     \
    XX(EMIXED, -20104, "raw repetitions and aggregates only mixed on one side")                    \
    XX(EEMPTY, -20105, "nothing to compare")                                                       \
    XX(EWORK, -20106, "one case with different work on one side")

enum pcb_cmp_errno {
#define XX(name, value, text) PCB_CMP_##name = value,
    PCB_CMP_ERRNO_MAP(XX)
#undef XX
};

/* Returns a static string describing a pcb_cmp error code. */
const char *pcb_cmp_strerror(int err);

/* Size of the buffers that receive one-line error messages. */
#define PCB_CMP_ERRLEN PCB_RESULTS_ERRLEN

/* Which value of a result entry is compared, and which direction is good. */
struct pcb_cmp_metric {
    const char *name;     /* "real_time", "cpu_time" or a counter name */
    int is_time;          /* 1 for real_time/cpu_time: in ns */
    int higher_is_better; /* 1 when a larger value is an improvement */
};

/* One file's part of a case: the case as that file has it. */
struct pcb_cmp_part {
    const struct pcb_results *file;     /* the file */
    const struct pcb_results_case *cas; /* its case */
};

/* One benchmark case on one side: the same key in every file of the side.
 * Owned by its pcb_cmp_side. */
struct pcb_cmp_case {
    const char *key;           /* what the sides are paired by (owned by a file) */
    const char *name;          /* the name as the first file with it wrote it */
    struct pcb_cmp_part first; /* the first file's part */
    struct pcb_cmp_part *more; /* the parts of later files, in file order */
    size_t nparts;             /* 1 + the length of more */
    /* The first part with raw repetitions, and the first with aggregates only, or NULL: a
     * side may not have both, since raw samples and a summary cannot be merged into one. */
    const struct pcb_results *raw_in, *aggs_in;
    /* The first file whose part carries a reference digest (results.h), or NULL, and that
     * digest: every part of a side that carries one carries the same. */
    const struct pcb_results *digest_in;
    uint64_t digest;
};

/* The part k (0 <= k < nparts) of a case. */
const struct pcb_cmp_part *pcb_cmp_case_part(const struct pcb_cmp_case *c, size_t k);

/* Everything read for one side of the comparison. */
struct pcb_cmp_side {
    const char *label;                /* "base" or "new"; not owned */
    struct pcb_results **files;       /* the side's files, owned */
    size_t nfiles;                    /* how many */
    struct pcb_cmp_case *cases;       /* cases in order of first appearance */
    size_t ncases;                    /* number of cases */
    size_t capcases;                  /* allocated length of cases */
    size_t *table;                    /* open-addressing hash by key: case index + 1 */
    size_t tcap;                      /* table size, a power of two, 0 if none */
    const struct pcb_results_kv *ctx; /* context of the first file with one */
    size_t nctx;                      /* number of context entries */
    int mixed_machines;               /* 1 when two files of this side disagree on
                                         host_name, num_cpus or mhz_per_cpu */
    int n_hyperfine;                  /* how many of the files were hyperfine */
    int n_gbench;                     /* how many were Google Benchmark */
};

/* Initialises an empty side. */
void pcb_cmp_side_init(struct pcb_cmp_side *side, const char *label);
/* Frees everything the side owns, its files included. */
void pcb_cmp_side_close(struct pcb_cmp_side *side);
/* Adds a file's cases to the side, which takes the file over (also on
 * failure). Returns 0, PCB_CMP_ENOMEM, PCB_CMP_ETWICE (the file, or a copy of
 * its run, is on the side already: its samples would count twice),
 * PCB_CMP_EMIXED (a case has raw repetitions in one file of the side and
 * aggregates only in another) or PCB_CMP_EWORK (a case has another reference
 * digest than in an earlier file of the side: the files measured different
 * work), with one line in err (PCB_CMP_ERRLEN bytes) naming the file. */
int pcb_cmp_side_add(struct pcb_cmp_side *side, struct pcb_results *file, char *err);
/* Returns the case whose key is key, or NULL. */
const struct pcb_cmp_case *pcb_cmp_side_find(const struct pcb_cmp_side *side, const char *key);

/* ---- statistics (stats.c); all pure functions ---- */

/* Which form of the Mann-Whitney U test produced a p-value. */
enum pcb_cmp_test {
    PCB_CMP_TEST_NONE = 0,         /* no test: no raw samples on a side */
    PCB_CMP_TEST_EXACT,            /* exact null distribution of U */
    PCB_CMP_TEST_ASYMPTOTIC,       /* normal approximation, tie and continuity
                                     corrected */
    PCB_CMP_TEST_SIGNED_EXACT,     /* Wilcoxon signed-rank (--paired), exact */
    PCB_CMP_TEST_SIGNED_ASYMPTOTIC /* Wilcoxon signed-rank, normal approximation with
                                      tie correction */
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
/* Result of pcb__wilcoxon. */
struct pcb_cmp_wsr {
    double r_plus;          /* sum of the ranks of the positive differences */
    double p;               /* two-sided p-value */
    size_t n;               /* differences that were not zero */
    enum pcb_cmp_test test; /* PCB_CMP_TEST_SIGNED_EXACT or _ASYMPTOTIC */
};

/* Two-sided Wilcoxon signed-rank test of the paired differences d[0..n): exact for up to 50
 * differences without zeros or tied magnitudes, else the normal approximation (zeros dropped,
 * tie corrected, no continuity correction), as scipy.stats.wilcoxon(d, method=...) gives.
 * No difference at all gives p = 1. Returns 0 or PCB_CMP_ENOMEM. */
int pcb__wilcoxon(const double *d, size_t n, struct pcb_cmp_wsr *out);
/* Smallest number of pairs at which the exact two-sided signed-rank test can give p <= alpha. */
long pcb__wilcoxon_min_n(double alpha);
/* Holm step-down adjusted p-values (family-wise error), as the BH function below. Returns 0
 * or PCB_CMP_ENOMEM. */
int pcb__holm_adjust(const double *p, size_t n, double *q);
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

/* XX(name, text as shown, key in the JSON output). */
#define PCB_CMP_VERDICT_MAP(XX)                                                                    \
    XX(REGRESSED, "regressed", "regressed")                                                        \
    XX(IMPROVED, "improved", "improved")                                                           \
    XX(SAME, "same", "same")                                                                       \
    XX(INCONCLUSIVE, "inconclusive", "inconclusive")                                               \
    XX(NEW, "new", "new")                                                                          \
    XX(MISSING, "missing", "missing")                                                              \
    XX(FAILED, "failed", "failed")                                                                 \
    XX(WORK_CHANGED, "work changed", "work_changed")

enum pcb_cmp_verdict {
#define XX(name, text, key) PCB_CMP_##name,
    PCB_CMP_VERDICT_MAP(XX)
#undef XX
        PCB_CMP_NVERDICTS
};

/* Returns the lower-case name of a verdict as the table and Markdown show it ("work changed"). */
const char *pcb_cmp_verdict_name(enum pcb_cmp_verdict v);
/* Returns the verdict's name as a JSON key or value ("work_changed"). */
const char *pcb_cmp_verdict_key(enum pcb_cmp_verdict v);

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
    const char *name;             /* case name as written (new's when on both), owned by a file */
    const char *key;              /* the key it was paired by, owned by a file */
    struct pcb_cmp_stat base;     /* base side */
    struct pcb_cmp_stat new_;     /* new side */
    double change;                /* new median / base median - 1, or NaN */
    double band;                  /* half-width of the noise band of change */
    double p;                     /* p-value of the test (Mann-Whitney, or signed-rank
                                     when paired), NaN when none */
    double pair_sd;               /* paired: sd of the pairs' log ratios, else NaN */
    double q;                     /* Benjamini-Hochberg adjusted p, or NaN */
    enum pcb_cmp_test test;       /* form of the U test used */
    enum pcb_cmp_verdict verdict; /* the verdict */
    long needed;                  /* repetitions per side that would be
                                     needed, 0 when not relevant */
    char note[256];               /* short explanation, may be empty */
    const char *label_base;       /* label on base, or NULL */
    const char *label_new;        /* label on new, or NULL */
    long threads;                 /* threads of the case, 0 when unknown */
    int has_digest_base;          /* base carries a reference digest of the case's work */
    int has_digest_new;           /* new does */
    uint64_t digest_base;         /* base's digest, when has_digest_base */
    uint64_t digest_new;          /* new's digest, when has_digest_new */
};

/* One case's own threshold (thresholds.c). */
struct pcb_cmp_threshold {
    char *key;        /* the case's key (pcb_name_key of the name in the file) */
    double threshold; /* minimum relative effect for this case, e.g. 0.08 */
    long line;        /* its line in the file, for messages */
};

/* A thresholds file is at most this large, with lines at most this long: a case name is at most
 * a few hundred bytes, and a file of every case of the suite a few hundred KiB. */
#define PCB_CMP_THRESHOLDS_MAX_SIZE (16 << 20)
#define PCB_CMP_THRESHOLDS_MAX_LINE 4096

/* Per-case thresholds, sorted by key. */
struct pcb_cmp_thresholds {
    struct pcb_cmp_threshold *v; /* the entries */
    size_t n;                    /* how many */
    size_t cap;                  /* allocated length of v */
};

/* Reads a thresholds file ("PCT<TAB>case name" per line; a regular file or a
 * pipe). Returns 0, or a negative error with a one-line message in err
 * ("line 3: ...", "cannot read it: ..."; the caller names the file). */
int pcb_cmp_thresholds_load(struct pcb_cmp_thresholds *t, const char *path, char *err);
/* The same from the text buf[0..len) (the fuzzer's entry point). */
int pcb_cmp_thresholds_parse(struct pcb_cmp_thresholds *t, const char *buf, size_t len, char *err);
/* Refuses thresholds for a case on neither side. Returns 0, or PCB_CMP_EFORMAT with one line
 * in err naming the first such line. */
int pcb_cmp_thresholds_check(const struct pcb_cmp_thresholds *t, const struct pcb_cmp_side *base,
                             const struct pcb_cmp_side *new_, char *err);
/* The own threshold of the case with this key, or NaN when it has none. */
double pcb_cmp_threshold_for(const struct pcb_cmp_thresholds *t, const char *key);
void pcb_cmp_thresholds_close(struct pcb_cmp_thresholds *t);

/* Options of the decision. */
struct pcb_cmp_decide_opts {
    struct pcb_cmp_metric metric;              /* compared value and its direction */
    double threshold;                          /* minimum relative effect, e.g. 0.05 */
    double alpha;                              /* false discovery rate, e.g. 0.05 */
    const char *normalize;                     /* calibration case name, or NULL */
    int cpu_time;                              /* 1: normalise by cpu_time, else real_time */
    const void *filter;                        /* compiled regex_t, or NULL for all */
    const char *filter_text;                   /* its source, for messages, or NULL */
    const struct pcb_cmp_thresholds *per_case; /* own thresholds, or NULL */
    int holm;   /* 1: adjust the p-values with Holm (family-wise error), else Benjamini-Hochberg
                   (false discovery rate) */
    int paired; /* 1: the k-th sample of a case on each side form a pair (interleaved rounds),
                   judged by the signed-rank test of their ratios */
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
    long min_n;                       /* pcb__mwu_min_n(alpha); paired: the fewest pairs
                                         whose smallest p survives the family's adjustment */
};

/* Compares two sides. Returns 0, or a negative error with a message in err
 * (the calibration case is missing, a metric value is not a finite number),
 * or PCB_CMP_EEMPTY when nothing would be compared: a side has no case, the
 * filter matches none, no case has the metric on both sides, or no case is on
 * both sides. Comparing nothing is not a pass.
 * The outcome borrows names from the sides' files, which must outlive it. */
int pcb_cmp_decide(const struct pcb_cmp_side *base, const struct pcb_cmp_side *new_,
                   const struct pcb_cmp_decide_opts *opts, struct pcb_cmp_outcome *oc, char *err);
/* Frees what pcb_cmp_decide allocated. */
void pcb_cmp_outcome_close(struct pcb_cmp_outcome *oc);

/* Writes per-case thresholds derived from an A/A comparison (thresholds.c).
 * Returns 0, PCB_CMP_EIO, or PCB_CMP_EFORMAT with one line in err when a case
 * name holds a tab or a line break, which the file cannot hold (then nothing
 * is written). */
int pcb_cmp_thresholds_write(FILE *out, const struct pcb_cmp_outcome *oc, char *err);

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
