/* decide.c - pairs the cases of two sides and gives each pair a verdict.
 *
 * For a case present on both sides the rules are, in order:
 *   failed        an entry reported an error on either side;
 *   regressed /   raw samples on both sides, the Benjamini-Hochberg adjusted
 *   improved      p-value of the U test is <= alpha and the relative change
 *                 of the medians is at least the threshold (the direction of
 *                 "worse" comes from the metric);
 *   same          |change| + noise band <= threshold (the change, with its
 *                 uncertainty, lies inside the threshold), or no significant
 *                 difference although both sides have as many repetitions as
 *                 needed to see one;
 *   inconclusive  anything else, with the number of repetitions per side
 *                 that would be needed.
 * The noise band is z(1 - alpha/2) * sqrt(cv_base^2/n_base + cv_new^2/n_new),
 * the half-width of an approximate confidence interval of the relative
 * change. When a side has only aggregates (no raw repetitions) there is no
 * U test: the case regresses or improves only when |change| minus the band
 * still reaches the threshold, and the note says no raw samples were there.
 * Guarantees: every case of either side that passes the filter appears in
 * exactly one result, except cases whose metric is absent on a side, which
 * are counted in skipped_no_metric.
 */
#include "compare.h"

#include <math.h>
#include <regex.h>
#include <stdlib.h>
#include <string.h>

const char *pcb_cmp_verdict_name(enum pcb_cmp_verdict v)
{
    static const char *const names[] = {
#define XX(name, text) text,
        PCB_CMP_VERDICT_MAP(XX)
#undef XX
    };
    return (unsigned)v < PCB_CMP_NVERDICTS ? names[v] : "?";
}

/* Median of the normalisation times of the calibration case on one side;
 * NaN when the case or its times are missing. */
static double calibration(const struct pcb_cmp_side *side, const char *name)
{
    const struct pcb_cmp_case *c = pcb_cmp_side_find(side, name);
    if (c == NULL || c->failed)
        return NAN;
    if (c->n > 0)
        return pcb__median(c->times, c->n);
    if (c->agg.has & PCB_CMP_AGG_TIME_MEDIAN)
        return c->agg.time_median;
    return NAN;
}

/* Scale applied to every value on a side: 1/calibration for times, the
 * calibration time in seconds for rates (items per calibration run). */
static double scale_for(const struct pcb_cmp_metric *m, double norm)
{
    if (isnan(norm))
        return 1;
    return m->is_time ? 1 / norm : norm * 1e-9;
}

/* Fills st from a case. Returns 1 when the side has values of the metric, 0
 * when not, PCB_CMP_ENOMEM on failure. *scaled receives a malloc'ed copy of
 * the raw samples multiplied by scale (NULL when there are none). */
static int side_stat(const struct pcb_cmp_case *c, double scale, struct pcb_cmp_stat *st,
                     double **scaled)
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
            s[i] = c->samples[i] * scale;
        st->n = c->n;
        st->raw = 1;
        st->median = pcb__median(s, c->n);
        pcb__mean_sd(s, c->n, &mean, &sd);
        st->cv = mean != 0 ? fabs(sd / mean) : NAN;
        *scaled = s;
        return 1;
    }
    if (!(c->agg.has & (PCB_CMP_AGG_MEDIAN | PCB_CMP_AGG_MEAN)))
        return 0;
    /* Aggregates only: the median, else the mean, is the centre; the cv
     * aggregate, else stddev/mean, is the noise. */
    st->median = (c->agg.has & PCB_CMP_AGG_MEDIAN) ? c->agg.median : c->agg.mean;
    st->median *= scale;
    if (c->agg.has & PCB_CMP_AGG_CV)
        st->cv = fabs(c->agg.cv);
    else if ((c->agg.has & PCB_CMP_AGG_STDDEV) && (c->agg.has & PCB_CMP_AGG_MEAN) &&
             c->agg.mean != 0)
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

void pcb_cmp_outcome_close(struct pcb_cmp_outcome *oc)
{
    size_t i;
    for (i = 0; i < oc->nstrategies; i++)
        free(oc->strategies[i].strategy);
    free(oc->strategies);
    free(oc->results);
    memset(oc, 0, sizeof(*oc));
}

static int selected(const struct pcb_cmp_decide_opts *o, const char *name)
{
    return o->filter == NULL || regexec((const regex_t *)o->filter, name, 0, NULL, 0) == 0;
}

int pcb_cmp_decide(struct pcb_cmp_side *base, struct pcb_cmp_side *new_,
                   const struct pcb_cmp_decide_opts *opts, struct pcb_cmp_outcome *oc, char *err)
{
    size_t cap = base->ncases + new_->ncases, i, j;
    double *pv = NULL, *qv = NULL, sb, sn;
    double z = pcb__norm_isf(opts->alpha / 2), zb = pcb__norm_isf(0.2);
    int rc = PCB_CMP_ENOMEM;

    memset(oc, 0, sizeof(*oc));
    oc->norm_base = oc->norm_new = NAN;
    oc->overall.geomean = NAN;
    oc->min_n = pcb__mwu_min_n(opts->alpha);
    if (opts->normalize != NULL) {
        oc->norm_base = calibration(base, opts->normalize);
        oc->norm_new = calibration(new_, opts->normalize);
        if (!(oc->norm_base > 0) || !(oc->norm_new > 0)) {
            const struct pcb_cmp_side *s = !(oc->norm_base > 0) ? base : new_;
            snprintf(err, PCB_CMP_ERRLEN,
                     "%s: calibration case \"%s\" for --normalize is missing, "
                     "failed or has a zero time",
                     s->nfiles ? s->files[0] : s->label, opts->normalize);
            return PCB_CMP_EUSAGE;
        }
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
            double *xs = NULL, *ys = NULL;
            int hb = 0, hn = 0;

            if (j == 0) {
                cb = &base->cases[i];
                cn = pcb_cmp_side_find(new_, cb->name);
            } else {
                cn = &new_->cases[i];
                if (pcb_cmp_side_find(base, cn->name) != NULL)
                    continue;
                cb = NULL;
            }
            /* cppcheck-suppress nullPointerRedundantCheck ; one of cb and cn is always set */
            if (!selected(opts, (cb ? cb : cn)->name))
                continue;
            memset(r, 0, sizeof(*r));
            /* cppcheck-suppress nullPointerRedundantCheck ; one of cb and cn is always set */
            r->name = (cb ? cb : cn)->name;
            r->change = r->band = r->p = r->q = NAN;
            r->base.median = r->base.cv = r->new_.median = r->new_.cv = NAN;
            r->label_base = cb ? cb->label : NULL;
            r->label_new = cn ? cn->label : NULL;
            /* cppcheck-suppress nullPointerRedundantCheck ; one of cb and cn is always set */
            r->threads = cn ? cn->threads : cb->threads;
            pv[oc->n] = NAN;
            if ((cb && cb->failed) || (cn && cn->failed)) {
                r->verdict = PCB_CMP_FAILED;
                r->base.present = cb != NULL;
                r->new_.present = cn != NULL;
                snprintf(r->note, sizeof(r->note), "%s: %s", cb && cb->failed ? "base" : "new",
                         cb && cb->failed ? cb->error_message : cn->error_message);
                oc->n++;
                continue;
            }
            if (cb && (hb = side_stat(cb, sb, &r->base, &xs)) < 0)
                goto nomem;
            if (cn && (hn = side_stat(cn, sn, &r->new_, &ys)) < 0) {
                free(xs);
                goto nomem;
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
                if (xs && ys) {
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
                r->band = z * sqrt(r->base.cv * r->base.cv / (double)r->base.n +
                                   r->new_.cv * r->new_.cv / (double)r->new_.n);
            }
            free(xs);
            free(ys);
            oc->n++;
        }
    }

    /* Pass 2: adjust the p-values as one family, then decide. */
    if (pcb__bh_adjust(pv, oc->n, qv))
        goto nomem;
    for (i = 0; i < oc->n; i++) {
        struct pcb_cmp_result *r = &oc->results[i];
        double eff, t = opts->threshold, cv;
        int worse, sig;
        double own = pcb_cmp_threshold_for(opts->per_case, r->name);

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
                long need = needed_reps(cv, t, z, zb, oc->min_n);
                if (sig && eff >= t) {
                    r->verdict = worse ? PCB_CMP_REGRESSED : PCB_CMP_IMPROVED;
                } else if (eff + r->band <= t) {
                    r->verdict = PCB_CMP_SAME;
                    snprintf(r->note, sizeof(r->note),
                             "change and noise band (\xc2\xb1%.1f%%) inside \xc2\xb1%g%%",
                             100 * r->band, 100 * t);
                } else if (!sig && (long)r->base.n >= need && (long)r->new_.n >= need) {
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
            r->verdict != PCB_CMP_MISSING && r->base.median > 0 && r->new_.median > 0) {
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
    free(pv);
    free(qv);
    pcb_cmp_outcome_close(oc);
    snprintf(err, PCB_CMP_ERRLEN, "compare: out of memory");
    return rc;
}
