/* decide.c - pairs the cases of two sides and gives each pair a verdict.
 *
 * Cases are paired by key (results.h). A side's values of the chosen metric
 * are taken from its files' entries here: every raw repetition that has the
 * metric, merged over the side's files, and the mean, median, stddev and cv
 * aggregates (hyperfine's own statistics for a file without per-run times).
 * A metric value that is NaN or infinite is refused, naming the file and the
 * entry; a repetition that lacks the metric is passed over.
 *
 * For a case present on both sides the rules are, in order:
 *   failed        an entry reported an error on either side;
 *   work changed  both sides carry a reference digest of the case's work
 *                 (pcbench's "pcb_digest") and they differ: the two sides
 *                 measured different work, so the times are not compared (no
 *                 change, no U test, not in the false-discovery family or the
 *                 geometric means), and the comparison fails (main.c);
 *   regressed /   raw samples on both sides, the Benjamini-Hochberg adjusted
 *   improved      p-value of the U test is <= alpha and the relative change
 *                 of the medians is at least the threshold (the direction of
 *                 "worse" comes from the metric); with --paired, the signed-
 *                 rank test of the k-th sample of each side as a pair, and
 *                 the median of the pairs' ratios as the change (pair_up());
 *   same          |change| + noise band <= threshold (the change, with its
 *                 uncertainty, lies inside the threshold), or no significant
 *                 difference and |change| below the threshold although both
 *                 sides have as many repetitions as needed to see one;
 *   inconclusive  anything else, with the number of repetitions per side
 *                 that would be needed.
 * The noise band is z(1 - alpha/2) * sqrt(cv_base^2/n_base + cv_new^2/n_new),
 * the half-width of an approximate confidence interval of the relative
 * change. When a side has only aggregates (no raw repetitions) there is no
 * U test: the case regresses or improves only when |change| minus the band
 * still reaches the threshold, and the note says no raw samples were there.
 * Guarantees: every case of either side that passes the filter appears in
 * exactly one result, except cases whose metric is absent on a side, which
 * are counted in skipped_no_metric. Comparing nothing is an error, not a pass
 * (PCB_CMP_EEMPTY): a side without a case, a filter that matches none, a
 * metric no case has on both sides, or two sides without a case in common would
 * otherwise say "0 regressed" and exit 0.
 */
#include "compare.h"

#include "casename.h"

#include <math.h>
#include <regex.h>
#include <stdlib.h>
#include <string.h>

const char *pcb_cmp_strerror(int err)
{
    switch (err) {
#define XX(name, value, text)                                                                      \
    case PCB_CMP_##name:                                                                           \
        return text;
        PCB_CMP_ERRNO_MAP(XX)
#undef XX
    }
    return "unknown error";
}

const char *pcb_cmp_verdict_name(enum pcb_cmp_verdict v)
{
    static const char *const names[] = {
#define XX(name, text, key) text,
        PCB_CMP_VERDICT_MAP(XX)
#undef XX
    };
    return (unsigned)v < PCB_CMP_NVERDICTS ? names[v] : "?";
}

const char *pcb_cmp_verdict_key(enum pcb_cmp_verdict v)
{
    static const char *const keys[] = {
#define XX(name, text, key) key,
        PCB_CMP_VERDICT_MAP(XX)
#undef XX
    };
    return (unsigned)v < PCB_CMP_NVERDICTS ? keys[v] : "?";
}

/* The aggregate statistics of a case (Google Benchmark's aggregate entries,
 * hyperfine's summary), used when a side has no raw repetitions of it. */
struct agg {
    double mean;        /* "mean" aggregate, metric units (ns for times) */
    double median;      /* "median" aggregate */
    double stddev;      /* "stddev" aggregate */
    double cv;          /* "cv" aggregate, a fraction (0.01 = 1 %) */
    unsigned has;       /* bit set of AGG_* saying which are present */
    long reps;          /* number of repetitions behind the aggregates, 0 unknown */
    double time_median; /* median of the normalisation time (ns) */
};

#define AGG_MEAN 1u
#define AGG_MEDIAN 2u
#define AGG_STDDEV 4u
#define AGG_CV 8u
#define AGG_TIME_MEDIAN 16u

/* What one side has of one case, for one metric: its samples merged over
 * the side's files. */
struct values {
    double *v;         /* raw values of the metric, one per repetition having it */
    double *t;         /* normalisation time (ns) of each, parallel to v */
    size_t n;          /* number of raw values */
    size_t cap;        /* allocated length of v and t */
    struct agg agg;    /* aggregates, used only when n == 0 */
    const char *error; /* why the case failed on this side, or NULL */
    char why[64];      /* room for a hyperfine exit status as error */
    const char *label; /* label of the first entry that had one, or NULL */
    long threads;      /* "threads" of the entries, 0 when absent */
};

static void values_free(struct values *x)
{
    free(x->v);
    free(x->t);
}

/* The value of the metric in entry e: 1 with *v set, 0 when the entry has
 * none. Times are NaN where the entry has no such time (hyperfine's CPU time,
 * errored runs). */
static int metric_value(const struct pcb_results_entry *e, const struct pcb_cmp_metric *m,
                        double *v)
{
    const struct pcb_results_counter *c;

    if (m->is_time) {
        *v = strcmp(m->name, "cpu_time") == 0 ? e->cpu_ns : e->real_ns;
        return !isnan(*v);
    }
    if (strcmp(m->name, "iterations") == 0) {
        *v = e->iterations;
        return !isnan(*v);
    }
    if ((c = pcb_results_counter(e, m->name)) == NULL)
        return 0;
    *v = c->value;
    return 1;
}

/* The message for a metric value that is NaN or infinite. */
static int not_finite(const struct pcb_cmp_part *p, const struct pcb_results_entry *e,
                      const char *metric, char *err)
{
    snprintf(err, PCB_CMP_ERRLEN, "%s: benchmark #%zu (\"%s\"): \"%s\" is not a finite number",
             p->file->path, (size_t)e->entry, e->name, metric);
    return PCB_CMP_EFORMAT;
}

static int add_value(struct values *x, double v, double t)
{
    if (x->n == x->cap) {
        size_t ncap = x->cap ? x->cap * 2 : 16;
        double *nv = realloc(x->v, ncap * sizeof(*nv));
        if (nv == NULL)
            return PCB_CMP_ENOMEM;
        x->v = nv;
        nv = realloc(x->t, ncap * sizeof(*nv));
        if (nv == NULL)
            return PCB_CMP_ENOMEM;
        x->t = nv;
        x->cap = ncap;
    }
    x->v[x->n] = v;
    x->t[x->n++] = t;
    return 0;
}

/* Takes one aggregate entry of a Google Benchmark case into x->agg. */
static int take_aggregate(const struct pcb_cmp_part *p, const struct pcb_results_entry *e,
                          const struct pcb_cmp_metric *m, int cpu_time, struct values *x, char *err)
{
    static const struct {
        const char *name; /* aggregate_name */
        unsigned bit;     /* its AGG_ bit */
    } known[] = {
        {"mean", AGG_MEAN}, {"median", AGG_MEDIAN}, {"stddev", AGG_STDDEV}, {"cv", AGG_CV}};
    unsigned bit = 0;
    double v;

    if (e->error)
        return 0;
    if (e->repetitions >= 1)
        x->agg.reps = e->repetitions;
    for (size_t k = 0; k < sizeof(known) / sizeof(known[0]); k++)
        if (strcmp(e->aggregate, known[k].name) == 0)
            bit = known[k].bit;
    if (bit == 0 || !metric_value(e, m, &v))
        return 0; /* BigO, RMS and user statistics are not compared */
    if (bit == AGG_CV && !isfinite(v))
        return 0; /* Google Benchmark writes NaN for the cv of a counter that is always 0 */
    if (!isfinite(v))
        return not_finite(p, e, m->name, err);
    if (x->agg.has & bit) {
        snprintf(err, PCB_CMP_ERRLEN,
                 "%s: benchmark #%zu: duplicate case \"%s\" (aggregate \"%s\" appears twice)",
                 p->file->path, (size_t)e->entry, p->cas->name, e->aggregate);
        return PCB_CMP_EFORMAT;
    }
    x->agg.has |= bit;
    if (bit == AGG_MEAN) {
        x->agg.mean = v;
    } else if (bit == AGG_MEDIAN) {
        x->agg.median = v;
        x->agg.time_median = cpu_time ? e->cpu_ns : e->real_ns;
        x->agg.has |= AGG_TIME_MEDIAN;
    } else if (bit == AGG_STDDEV) {
        x->agg.stddev = v;
    } else {
        x->agg.cv = v;
    }
    return 0;
}

/*
 * Collects the values of metric m of case c over the parts of its side:
 * raw values and normalisation times of every repetition that has the
 * metric, or, when there are none, the aggregates; whether it failed, its
 * label and threads. Returns
 * 0, PCB_CMP_ENOMEM, or PCB_CMP_EFORMAT with a message (a value that is not
 * finite, an aggregate that two files of the side both have).
 */
static int gather(const struct pcb_cmp_case *c, const struct pcb_cmp_metric *m, int cpu_time,
                  struct values *x, char *err)
{
    double v;
    int rc;

    memset(x, 0, sizeof(*x));
    for (size_t k = 0; k < c->nparts; k++) {
        const struct pcb_results_case *pc = pcb_cmp_case_part(c, k)->cas;
        const char *label = NULL;
        size_t at = 0;
        if (x->error == NULL)
            x->error = pcb_results_case_error(pc, x->why, sizeof(x->why));
        for (size_t i = 0; i < pc->nreps + pc->naggs; i++) {
            const struct pcb_results_entry *e =
                i < pc->nreps ? &pc->reps[i] : &pc->aggs[i - pc->nreps];
            if (e->threads)
                x->threads = e->threads;
            if (e->label && (label == NULL || e->entry < at)) {
                label = e->label; /* the first in file order */
                at = e->entry;
            }
        }
        if (x->label == NULL)
            x->label = label;
    }
    if (x->error)
        return 0; /* a failed case has no values to compare */
    for (size_t k = 0; k < c->nparts; k++) {
        const struct pcb_cmp_part *p = pcb_cmp_case_part(c, k);
        const struct pcb_results_case *pc = p->cas;
        for (size_t i = 0; i < pc->nreps; i++) {
            const struct pcb_results_entry *e = &pc->reps[i];
            if (e->error || !metric_value(e, m, &v))
                continue; /* a case without the metric is counted in skipped_no_metric */
            if (!isfinite(v))
                return not_finite(p, e, m->name, err);
            if ((rc = add_value(x, v, cpu_time ? e->cpu_ns : e->real_ns)))
                return rc;
        }
    }
    if (x->n > 0)
        return 0; /* aggregates are only used without raw values */
    for (size_t k = 0; k < c->nparts; k++) {
        const struct pcb_cmp_part *p = pcb_cmp_case_part(c, k);
        const struct pcb_results_case *pc = p->cas;
        if (p->file->kind == PCB_RESULTS_HYPERFINE) {
            /* No per-run times: hyperfine's own statistics stand in. */
            const struct pcb_results_summary *s = &pc->summary;
            if (pc->nreps > 0 || !m->is_time || strcmp(m->name, "real_time") != 0)
                continue;
            if (!isnan(s->mean_ns)) {
                x->agg.mean = s->mean_ns;
                x->agg.has |= AGG_MEAN;
            }
            if (!isnan(s->median_ns)) {
                x->agg.median = x->agg.time_median = s->median_ns;
                x->agg.has |= AGG_MEDIAN | AGG_TIME_MEDIAN;
            }
            if (!isnan(s->stddev_ns)) {
                x->agg.stddev = s->stddev_ns;
                x->agg.has |= AGG_STDDEV;
            }
            continue;
        }
        for (size_t i = 0; i < pc->naggs; i++)
            if ((rc = take_aggregate(p, &pc->aggs[i], m, cpu_time, x, err)))
                return rc;
    }
    return 0;
}

/* The case of a side called `name` (any name with the same key), or NULL. */
static const struct pcb_cmp_case *find_named(const struct pcb_cmp_side *side, const char *name)
{
    char buf[PCB_NAME_MAX], *key = buf;
    const struct pcb_cmp_case *c;
    size_t len = pcb_name_key(name, NULL, buf, sizeof(buf));

    if (len >= sizeof(buf)) {
        if ((key = malloc(len + 1)) == NULL)
            return NULL;
        pcb_name_key(name, NULL, key, len + 1);
    }
    c = pcb_cmp_side_find(side, key);
    if (key != buf)
        free(key);
    return c;
}

/* Median of the normalisation times of the calibration case on one side;
 * NaN when the case or its times are missing. Returns 0 or an error. */
static int calibration(const struct pcb_cmp_side *side, const struct pcb_cmp_decide_opts *o,
                       double *norm, char *err)
{
    const struct pcb_cmp_case *c = find_named(side, o->normalize);
    struct pcb_cmp_metric time = {o->cpu_time ? "cpu_time" : "real_time", 1, 0};
    struct values x;
    int rc;

    *norm = NAN;
    if (c == NULL)
        return 0;
    if ((rc = gather(c, &time, o->cpu_time, &x, err)) != 0)
        return rc;
    if (x.error == NULL && x.n > 0)
        *norm = pcb__median(x.t, x.n);
    else if (x.error == NULL && (x.agg.has & AGG_TIME_MEDIAN))
        *norm = x.agg.time_median;
    values_free(&x);
    return 0;
}

/* Scale applied to every value on a side: 1/calibration for times, the
 * calibration time in seconds for rates (items per calibration run). */
static double scale_for(const struct pcb_cmp_metric *m, double norm)
{
    if (isnan(norm))
        return 1;
    return m->is_time ? 1 / norm : norm * 1e-9;
}

/* Fills st from a side's values. Returns 1 when the side has values of the
 * metric, 0 when not, PCB_CMP_ENOMEM on failure. *scaled receives a
 * malloc'ed copy of the raw samples multiplied by scale (NULL when there are
 * none). */
static int side_stat(const struct values *c, double scale, struct pcb_cmp_stat *st, double **scaled)
{
    size_t i;
    double mean, sd;

    *scaled = NULL;
    st->present = 1;
    st->n = 0;
    st->raw = 0;
    st->median = NAN;
    st->cv = NAN;
    if (c->n > 0) {
        double *s = malloc(c->n * sizeof(*s));
        if (s == NULL)
            return PCB_CMP_ENOMEM;
        for (i = 0; i < c->n; i++)
            s[i] = c->v[i] * scale;
        st->n = c->n;
        st->raw = 1;
        st->median = pcb__median(s, c->n);
        pcb__mean_sd(s, c->n, &mean, &sd);
        st->cv = mean != 0 ? fabs(sd / mean) : NAN;
        *scaled = s;
        return 1;
    }
    if (!(c->agg.has & (AGG_MEDIAN | AGG_MEAN)))
        return 0;
    /* Aggregates only: the median, else the mean, is the centre; the cv
     * aggregate, else stddev/mean, is the noise. */
    st->median = (c->agg.has & AGG_MEDIAN) ? c->agg.median : c->agg.mean;
    st->median *= scale;
    if (c->agg.has & AGG_CV)
        st->cv = fabs(c->agg.cv);
    else if ((c->agg.has & AGG_STDDEV) && (c->agg.has & AGG_MEAN) && c->agg.mean != 0)
        st->cv = fabs(c->agg.stddev / c->agg.mean);
    st->n = c->agg.reps > 0 ? (size_t)c->agg.reps : 1;
    return 1;
}

/* Finds or adds the geometric-mean group of a strategy. */
static struct pcb_cmp_geo *strategy_geo(struct pcb_cmp_outcome *oc, const char *name)
{
    size_t len = strcspn(name, "/"), i;
    struct pcb_cmp_geo *g;

    for (i = 0; i < oc->nstrategies; i++)
        if (strlen(oc->strategies[i].strategy) == len &&
            strncmp(oc->strategies[i].strategy, name, len) == 0)
            return &oc->strategies[i];
    g = realloc(oc->strategies, (oc->nstrategies + 1) * sizeof(*g));
    if (g == NULL)
        return NULL;
    oc->strategies = g;
    g = &g[oc->nstrategies];
    memset(g, 0, sizeof(*g));
    g->strategy = strndup(name, len);
    if (g->strategy == NULL)
        return NULL;
    oc->nstrategies++;
    return g;
}

/* Repetitions per side needed to detect a change of the threshold size with
 * 80 % power at this noise, for the U test: the normal-theory sample size
 * 2 (z_a + z_b)^2 cv^2 / t^2 divided by the test's asymptotic relative
 * efficiency 3/pi, and never less than the minimum n at which the test can
 * reach alpha at all. */
static long needed_reps(double cv, double threshold, double za, double zb, long min_n)
{
    double n;

    if (isnan(cv))
        return min_n;
    n = ceil(M_PI / 3 * 2 * (za + zb) * (za + zb) * cv * cv / (threshold * threshold));
    if (!(n < 1e9))
        n = 1e9;
    return (long)n > min_n ? (long)n : min_n;
}

/* The same for paired samples judged by the signed-rank test: the one-sample size
 * (z_a + z_b)^2 sd^2 / t^2 for the pairs' log ratios, over the test's relative efficiency 3/pi. */
static long needed_pairs(double sd, double threshold, double za, double zb, long min_n)
{
    double n;

    if (isnan(sd))
        return min_n;
    n = ceil(M_PI / 3 * (za + zb) * (za + zb) * sd * sd / (threshold * threshold));
    if (!(n < 1e9))
        n = 1e9;
    return (long)n > min_n ? (long)n : min_n;
}

/*
 * --paired: the k-th sample of the case on one side was measured next to the k-th on the other
 * (one round of an interleaved run), so what drifts between rounds cancels in their ratio. The
 * change is the median of the pairs' ratios less one, its band z * sd / sqrt(n) of their logs,
 * and p the signed-rank test's. Samples that are not all positive are compared by their
 * differences, relative to base's median. Returns 0, PCB_CMP_ENOMEM, or PCB_CMP_EUSAGE with one
 * line in err when the sides do not have as many samples of the case.
 */
static int pair_up(struct pcb_cmp_result *r, const double *xs, const double *ys, double z,
                   char *err)
{
    size_t n = r->base.n, i;
    int positive = 1;
    double *d, mean, sd;
    struct pcb_cmp_wsr w;

    if (r->base.n != r->new_.n) {
        snprintf(err, PCB_CMP_ERRLEN,
                 "--paired: case \"%s\" has %zu samples in base and %zu in new; paired "
                 "samples come one of each side per round",
                 r->name, r->base.n, r->new_.n);
        return PCB_CMP_EUSAGE;
    }
    if ((d = malloc(n * sizeof(*d))) == NULL)
        return PCB_CMP_ENOMEM;
    for (i = 0; i < n; i++)
        positive &= xs[i] > 0 && ys[i] > 0;
    for (i = 0; i < n; i++)
        d[i] = positive ? log(ys[i] / xs[i]) : ys[i] - xs[i];
    if (pcb__wilcoxon(d, n, &w)) {
        free(d);
        return PCB_CMP_ENOMEM;
    }
    r->p = w.p;
    r->test = w.test;
    if (positive) {
        r->change = exp(pcb__median(d, n)) - 1;
        pcb__mean_sd(d, n, &mean, &sd);
    } else if (r->base.median != 0) {
        r->change = pcb__median(d, n) / fabs(r->base.median);
        pcb__mean_sd(d, n, &mean, &sd);
        sd /= fabs(r->base.median);
    } else {
        r->change = NAN;
        sd = NAN;
    }
    r->pair_sd = n >= 2 ? sd : 0;
    r->band = n >= 2 ? z * sd / sqrt((double)n) : NAN;
    free(d);
    return 0;
}

void pcb_cmp_outcome_close(struct pcb_cmp_outcome *oc)
{
    size_t i;
    for (i = 0; i < oc->nstrategies; i++)
        free(oc->strategies[i].strategy);
    free(oc->strategies);
    free(oc->results);
    memset(oc, 0, sizeof(*oc));
}

/* Writes "FILE, FILE: " for the files of a side into buf (cut at cap). */
static void side_files(const struct pcb_cmp_side *s, char *buf, size_t cap)
{
    size_t l = 0;

    buf[0] = '\0';
    for (size_t i = 0; i < s->nfiles && l + 1 < cap; i++) {
        int n = snprintf(buf + l, cap - l, "%s%s", i ? ", " : "", s->files[i]->path);
        l = n < 0 ? l : l + (size_t)n;
    }
}

/* Refuses a side without a case. Returns 0 or PCB_CMP_EEMPTY with the message in err. */
static int check_not_empty(const struct pcb_cmp_side *s, char *err)
{
    char files[512];

    if (s->ncases > 0)
        return 0;
    side_files(s, files, sizeof(files));
    snprintf(err, PCB_CMP_ERRLEN, "%s: %s no case (an empty list of results); nothing to compare",
             files[0] ? files : s->label, s->nfiles > 1 ? "these files hold" : "holds");
    return PCB_CMP_EEMPTY;
}

/* Refuses an outcome in which nothing was compared: the filter matched no case, no case has
 * the metric on both sides, or no case is on both sides. A case that failed on a side counts as
 * on both sides: it is a finding, which --fail-on=failed turns into exit status 1. Returns 0 or
 * PCB_CMP_EEMPTY with the message in err. */
static int check_compared(const struct pcb_cmp_outcome *oc, size_t nselected,
                          const struct pcb_cmp_decide_opts *o, char *err)
{
    size_t paired = 0, measured = 0, only_base = 0, only_new = 0;

    for (size_t i = 0; i < oc->n; i++) {
        const struct pcb_cmp_result *r = &oc->results[i];
        paired += r->base.present && r->new_.present;
        measured += r->base.present && r->new_.present && r->verdict != PCB_CMP_FAILED;
        only_base += r->base.present && !r->new_.present;
        only_new += !r->base.present && r->new_.present;
    }
    if (nselected == 0) {
        snprintf(err, PCB_CMP_ERRLEN,
                 "--filter=%s: matches no case of base or new; nothing to compare",
                 o->filter_text ? o->filter_text : "");
        return PCB_CMP_EEMPTY;
    }
    if (measured == 0 && oc->skipped_no_metric > 0) {
        snprintf(err, PCB_CMP_ERRLEN,
                 "--metric=%s: no case%s has it on both sides; nothing to compare", o->metric.name,
                 o->filter ? " that --filter matches" : "");
        return PCB_CMP_EEMPTY;
    }
    if (paired == 0) {
        snprintf(err, PCB_CMP_ERRLEN,
                 "no case%s is on both sides (%zu only in base, %zu only in new); nothing to "
                 "compare",
                 o->filter ? " that --filter matches" : "", only_base, only_new);
        return PCB_CMP_EEMPTY;
    }
    return 0;
}

static int selected(const struct pcb_cmp_decide_opts *o, const char *name)
{
    return o->filter == NULL || regexec((const regex_t *)o->filter, name, 0, NULL, 0) == 0;
}

int pcb_cmp_decide(const struct pcb_cmp_side *base, const struct pcb_cmp_side *new_,
                   const struct pcb_cmp_decide_opts *opts, struct pcb_cmp_outcome *oc, char *err)
{
    size_t cap = base->ncases + new_->ncases, i, j, nselected = 0;
    double *pv = NULL, *qv = NULL, sb, sn;
    double z = pcb__norm_isf(opts->alpha / 2), zb = pcb__norm_isf(0.2);
    int rc = PCB_CMP_ENOMEM;

    memset(oc, 0, sizeof(*oc));
    oc->norm_base = oc->norm_new = NAN;
    oc->overall.geomean = NAN;
    oc->min_n = opts->paired ? pcb__wilcoxon_min_n(opts->alpha) : pcb__mwu_min_n(opts->alpha);
    if ((rc = check_not_empty(base, err)) != 0 || (rc = check_not_empty(new_, err)) != 0)
        return rc;
    if (opts->normalize != NULL) {
        if ((rc = calibration(base, opts, &oc->norm_base, err)) != 0 ||
            (rc = calibration(new_, opts, &oc->norm_new, err)) != 0)
            return rc;
        if (!(oc->norm_base > 0) || !(oc->norm_new > 0)) {
            const struct pcb_cmp_side *s = !(oc->norm_base > 0) ? base : new_;
            snprintf(err, PCB_CMP_ERRLEN,
                     "%s: calibration case \"%s\" for --normalize is missing, "
                     "failed or has a zero time",
                     s->nfiles ? s->files[0]->path : s->label, opts->normalize);
            return PCB_CMP_EUSAGE;
        }
        rc = PCB_CMP_ENOMEM;
    }
    sb = scale_for(&opts->metric, oc->norm_base);
    sn = scale_for(&opts->metric, oc->norm_new);

    oc->results = calloc(cap ? cap : 1, sizeof(*oc->results));
    pv = malloc((cap ? cap : 1) * sizeof(*pv));
    qv = malloc((cap ? cap : 1) * sizeof(*qv));
    if (oc->results == NULL || pv == NULL || qv == NULL)
        goto nomem;

    /* Pass 1: statistics and p-values, base order then new-only cases. */
    for (j = 0; j < 2; j++) {
        const struct pcb_cmp_side *from = j ? new_ : base;
        for (i = 0; i < from->ncases; i++) {
            const struct pcb_cmp_case *cb, *cn;
            struct pcb_cmp_result *r = &oc->results[oc->n];
            struct values vb, vn;
            double *xs = NULL, *ys = NULL;
            int hb = 0, hn = 0;

            if (j == 0) {
                cb = &base->cases[i];
                cn = pcb_cmp_side_find(new_, cb->key);
            } else {
                cn = &new_->cases[i];
                if (pcb_cmp_side_find(base, cn->key) != NULL)
                    continue;
                cb = NULL;
            }
            /* The name as today's file writes it: new's when the case is on both sides. */
            const struct pcb_cmp_case *shown = cn ? cn : cb;
            /* cppcheck-suppress nullPointerRedundantCheck ; one of cb and cn is always set */
            if (!selected(opts, shown->name))
                continue;
            nselected++;
            memset(&vb, 0, sizeof(vb));
            memset(&vn, 0, sizeof(vn));
            if ((cb && (rc = gather(cb, &opts->metric, opts->cpu_time, &vb, err)) != 0) ||
                (cn && (rc = gather(cn, &opts->metric, opts->cpu_time, &vn, err)) != 0)) {
                values_free(&vb);
                values_free(&vn);
                goto fail;
            }
            rc = PCB_CMP_ENOMEM;
            memset(r, 0, sizeof(*r));
            r->name = shown->name;
            r->key = shown->key;
            r->change = r->band = r->p = r->q = r->pair_sd = NAN;
            r->base.median = r->base.cv = r->new_.median = r->new_.cv = NAN;
            r->label_base = vb.label;
            r->label_new = vn.label;
            r->threads = cn ? vn.threads : vb.threads;
            r->has_digest_base = cb && cb->digest_in;
            r->digest_base = r->has_digest_base ? cb->digest : 0;
            r->has_digest_new = cn && cn->digest_in;
            r->digest_new = r->has_digest_new ? cn->digest : 0;
            pv[oc->n] = NAN;
            if (vb.error || vn.error) {
                r->verdict = PCB_CMP_FAILED;
                r->base.present = cb != NULL;
                r->new_.present = cn != NULL;
                snprintf(r->note, sizeof(r->note), "%s: %s", vb.error ? "base" : "new",
                         vb.error ? vb.error : vn.error);
                oc->n++;
                values_free(&vb);
                values_free(&vn);
                continue;
            }
            if (cb && (hb = side_stat(&vb, sb, &r->base, &xs)) < 0)
                goto nomem_values;
            if (cn && (hn = side_stat(&vn, sn, &r->new_, &ys)) < 0) {
                free(xs);
                goto nomem_values;
            }
            values_free(&vb);
            values_free(&vn);
            if (r->has_digest_base && r->has_digest_new && r->digest_base != r->digest_new) {
                /* Different work under one name: its times say nothing about speed. */
                r->verdict = PCB_CMP_WORK_CHANGED;
                snprintf(r->note, sizeof(r->note),
                         "the work itself changed: reference digest 0x%016llx -> 0x%016llx; "
                         "times not compared",
                         (unsigned long long)r->digest_base, (unsigned long long)r->digest_new);
                free(xs);
                free(ys);
                oc->n++;
                continue;
            }
            if ((cb && !hb) || (cn && !hn)) {
                /* The metric is absent on a side where the case exists. */
                oc->skipped_no_metric++;
                free(xs);
                free(ys);
                continue;
            }
            if (cb == NULL) {
                r->verdict = PCB_CMP_NEW;
            } else if (cn == NULL) {
                r->verdict = PCB_CMP_MISSING;
            } else {
                r->verdict = PCB_CMP_INCONCLUSIVE; /* decided in pass 2 */
                if (r->base.median != 0)
                    r->change = r->new_.median / r->base.median - 1;
                else if (r->new_.median == 0)
                    r->change = 0;
                if (xs && ys && opts->paired) {
                    if ((rc = pair_up(r, xs, ys, z, err)) != 0) {
                        free(xs);
                        free(ys);
                        goto fail;
                    }
                    rc = PCB_CMP_ENOMEM;
                    pv[oc->n] = r->p;
                } else if (xs && ys) {
                    struct pcb_cmp_mwu u;
                    if (pcb__mwu(xs, r->base.n, ys, r->new_.n, &u)) {
                        free(xs);
                        free(ys);
                        goto nomem;
                    }
                    r->p = u.p;
                    r->test = u.test;
                    pv[oc->n] = u.p;
                } else {
                    oc->no_raw_samples = 1;
                }
                if (isnan(r->pair_sd))
                    r->band = z * sqrt(r->base.cv * r->base.cv / (double)r->base.n +
                                       r->new_.cv * r->new_.cv / (double)r->new_.n);
            }
            free(xs);
            free(ys);
            oc->n++;
            continue;
        nomem_values:
            values_free(&vb);
            values_free(&vn);
            goto nomem;
        }
    }

    if ((rc = check_compared(oc, nselected, opts, err)) != 0)
        goto fail;

    /* Pass 2: adjust the p-values as one family, then decide. */
    if ((opts->holm ? pcb__holm_adjust : pcb__bh_adjust)(pv, oc->n, qv))
        goto nomem;
    if (opts->paired) {
        /* The fewest pairs whose smallest p-value survives the adjustment of this family on its
         * own (a lone case's q is p times the family's size, with either adjustment): with 16
         * cases, 9 pairs that all go one way give q = 16 * 2/512 = 0.0625, so 9 can never be
         * enough to call it same. */
        size_t m = 0;
        for (i = 0; i < oc->n; i++)
            m += !isnan(pv[i]);
        oc->min_n = pcb__wilcoxon_min_n(opts->alpha / (double)(m ? m : 1));
    }
    for (i = 0; i < oc->n; i++) {
        struct pcb_cmp_result *r = &oc->results[i];
        double eff, t = opts->threshold, cv;
        int worse, sig;
        double own = pcb_cmp_threshold_for(opts->per_case, r->key);

        if (!isnan(own))
            t = own; /* this case's band, from an A/A calibration */

        if (r->verdict == PCB_CMP_INCONCLUSIVE) {
            r->q = qv[i];
            eff = fabs(r->change);
            worse = opts->metric.higher_is_better ? r->change < 0 : r->change > 0;
            sig = !isnan(r->q) && r->q <= opts->alpha;
            cv = fmax(isnan(r->base.cv) ? 0 : r->base.cv, isnan(r->new_.cv) ? 0 : r->new_.cv);
            if (isnan(r->base.cv) && isnan(r->new_.cv))
                cv = NAN;
            if (isnan(r->change)) {
                snprintf(r->note, sizeof(r->note), "base median is zero");
            } else if (r->base.raw && r->new_.raw) {
                long need = isnan(r->pair_sd) ? needed_reps(cv, t, z, zb, oc->min_n)
                                              : needed_pairs(r->pair_sd, t, z, zb, oc->min_n);
                if (sig && eff >= t) {
                    r->verdict = worse ? PCB_CMP_REGRESSED : PCB_CMP_IMPROVED;
                } else if (eff + r->band <= t) {
                    r->verdict = PCB_CMP_SAME;
                    snprintf(r->note, sizeof(r->note),
                             "change and noise band (\xc2\xb1%.1f%%) inside \xc2\xb1%g%%",
                             100 * r->band, 100 * t);
                } else if (!sig && eff < t && (long)r->base.n >= need && (long)r->new_.n >= need) {
                    r->verdict = PCB_CMP_SAME;
                    snprintf(r->note, sizeof(r->note), "no significant difference");
                } else {
                    r->needed = need;
                    if (sig)
                        snprintf(r->note, sizeof(r->note),
                                 "significant but below threshold; noise band "
                                 "\xc2\xb1%.1f%%; need %ld repetitions per side",
                                 100 * r->band, need);
                    else
                        snprintf(r->note, sizeof(r->note),
                                 "too few samples or too noisy; need %ld repetitions per "
                                 "side",
                                 need);
                }
            } else {
                if (eff - r->band >= t)
                    r->verdict = worse ? PCB_CMP_REGRESSED : PCB_CMP_IMPROVED;
                else if (eff + r->band <= t)
                    r->verdict = PCB_CMP_SAME;
                else
                    r->needed = needed_reps(cv, t, z, zb, oc->min_n);
                if (r->needed)
                    snprintf(r->note, sizeof(r->note),
                             "no raw samples (aggregates only); too noisy, need %ld "
                             "raw repetitions per side",
                             r->needed);
                else
                    snprintf(r->note, sizeof(r->note),
                             "no raw samples (aggregates only): decided from medians "
                             "and cv");
            }
        }
        if (r->label_base && r->label_new && strcmp(r->label_base, r->label_new) != 0) {
            /* A label is the benchmark's own remark (e.g. a data set name); a
             * change of label often explains a change of time. */
            size_t l = strlen(r->note);
            snprintf(r->note + l, sizeof(r->note) - l, "%slabel \"%s\" -> \"%s\"", l ? "; " : "",
                     r->label_base, r->label_new);
        }
        oc->counts[r->verdict]++;
        /* Every paired case with two positive medians enters the means. */
        if (r->verdict != PCB_CMP_FAILED && r->verdict != PCB_CMP_NEW &&
            r->verdict != PCB_CMP_MISSING && r->verdict != PCB_CMP_WORK_CHANGED &&
            r->base.median > 0 && r->new_.median > 0) {
            double l = log(r->new_.median / r->base.median);
            struct pcb_cmp_geo *g = strategy_geo(oc, r->name);
            if (g == NULL)
                goto nomem;
            g->logsum += l;
            g->n++;
            oc->overall.logsum += l;
            oc->overall.n++;
        }
    }
    if (oc->overall.n)
        oc->overall.geomean = exp(oc->overall.logsum / (double)oc->overall.n);
    for (i = 0; i < oc->nstrategies; i++)
        oc->strategies[i].geomean = exp(oc->strategies[i].logsum / (double)oc->strategies[i].n);
    free(pv);
    free(qv);
    return 0;
nomem:
    rc = PCB_CMP_ENOMEM;
    snprintf(err, PCB_CMP_ERRLEN, "out of memory");
fail:
    free(pv);
    free(qv);
    pcb_cmp_outcome_close(oc);
    return rc;
}
