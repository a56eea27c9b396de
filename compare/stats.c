/* stats.c - the statistics behind the verdicts, as pure functions.
 *
 * Medians, the two-sided Mann-Whitney U test, the Wilcoxon signed-rank test
 * of paired samples and the Benjamini-Hochberg adjustment. The U test reproduces
 * scipy.stats.mannwhitneyu (scipy 1.10, method='auto', use_continuity=True,
 * alternative='two-sided'): scipy's code takes the exact null distribution unless *both* samples
 * have more than 8 values or there is any tie, and the normal approximation with tie correction and
 * continuity correction otherwise. (Its docstring says "less than 8"; the code says "> 8" for both,
 * and the code is what we match.) The signed-rank test gives the p-values of
 * scipy.stats.wilcoxon(d) with zero_method='wilcox', correction=False: differences of zero are
 * dropped; exact (method='exact') for up to 50 differences when none is zero and no two magnitudes
 * tie, else the normal approximation with tie correction (method='approx'). scipy's 'auto' takes
 * the exact form also with ties, on truncated average ranks; here ties always go to the
 * approximation. Nothing here allocates more than a few arrays, and nothing aborts.
 */
#include "compare.h"

#include <float.h>
#include <math.h>
#include <stdlib.h>
#include <string.h>

static int cmp_double(const void *a, const void *b)
{
    double x = *(const double *)a, y = *(const double *)b;
    return (x > y) - (x < y);
}

double pcb__median(const double *v, size_t n)
{
    double *c, m;

    if (n == 0)
        return NAN;
    c = malloc(n * sizeof(*c));
    if (c == NULL)
        return NAN;
    memcpy(c, v, n * sizeof(*c));
    qsort(c, n, sizeof(*c), cmp_double);
    m = (n % 2) ? c[n / 2] : 0.5 * (c[n / 2 - 1] + c[n / 2]);
    free(c);
    return m;
}

void pcb__mean_sd(const double *v, size_t n, double *mean, double *sd)
{
    double s = 0, ss = 0, m;
    size_t i;

    for (i = 0; i < n; i++)
        s += v[i];
    m = n ? s / (double)n : NAN;
    /* Two passes: the sum of squared deviations from the mean is exact enough
     * even when the values are large and close together, unlike sum(x^2). */
    for (i = 0; i < n; i++)
        ss += (v[i] - m) * (v[i] - m);
    *mean = m;
    *sd = n >= 2 ? sqrt(ss / (double)(n - 1)) : NAN;
}

double pcb__norm_sf(double z)
{
    return 0.5 * erfc(z / sqrt(2.0));
}

double pcb__norm_isf(double p)
{
    double lo = -40, hi = 40, mid;
    int i;

    /* Bisection is slow by the standards of a numerical library but exact to
     * the last bit after 200 halvings, and this is called a handful of times. */
    for (i = 0; i < 200; i++) {
        mid = 0.5 * (lo + hi);
        if (pcb__norm_sf(mid) > p)
            lo = mid;
        else
            hi = mid;
    }
    return 0.5 * (lo + hi);
}

/* Binomial coefficient C(a, b) as a double. */
static double binom(long a, long b)
{
    double r = 1;
    long i;

    if (b < 0 || b > a)
        return 0;
    if (b > a - b)
        b = a - b;
    for (i = 1; i <= b; i++)
        r = r * (double)(a - b + i) / (double)i;
    return r;
}

double pcb__mwu_exact_sf(long k, long m, long n)
{
    long K, j, v, s, t;
    double *dp, total = 0, cost;

    if (m > n) {
        t = m;
        m = n;
        n = t;
    }
    if (m <= 0)
        return NAN;
    if (k <= 0)
        return 1.0;
    if (k > m * n)
        return 0.0;
    /* By symmetry P(U >= k) = P(U <= m*n - k), and the left tail needs only
     * the counts up to K. */
    K = m * n - k;
    cost = (double)(n + 1) * (double)m * (double)(K + 1);
    if (cost > 2e8)
        return NAN;
    /* The number of arrangements with U = s equals the number of
     * non-decreasing sequences of m values in 0..n summing to s (the Gaussian
     * binomial coefficient). dp[j][s] counts sequences of length j over the
     * values seen so far; adding value v to every length in increasing j order
     * lets a value repeat. Counts only grow by addition, so doubles lose no
     * relative precision even where they exceed 2^53. */
    dp = calloc((size_t)(m + 1) * (size_t)(K + 1), sizeof(*dp));
    if (dp == NULL)
        return NAN;
#define DP(j, s) dp[(size_t)(j) * (size_t)(K + 1) + (size_t)(s)]
    DP(0, 0) = 1;
    /* Increasing j: dp[j-1] already includes v when dp[j] reads it. */
    for (v = 0; v <= n; v++)
        for (j = 1; j <= m; j++)
            for (s = v; s <= K; s++)
                DP(j, s) += DP(j - 1, s - v);
    for (s = 0; s <= K; s++)
        total += DP(m, s);
#undef DP
    free(dp);
    return total / binom(m + n, m);
}

/* A value with the sample it came from, for ranking. */
struct ranked {
    double v;   /* the value */
    int from_x; /* 1 when it belongs to the first sample */
};

static int cmp_ranked(const void *a, const void *b)
{
    return cmp_double(&((const struct ranked *)a)->v, &((const struct ranked *)b)->v);
}

int pcb__mwu(const double *x, size_t nx, const double *y, size_t ny, struct pcb_cmp_mwu *out)
{
    size_t n = nx + ny, i, j, k;
    struct ranked *r;
    double r1 = 0, tie_term = 0, u1, u2, u, mu, sd, z, p;
    int ties = 0;

    out->u1 = NAN;
    out->p = NAN;
    out->test = PCB_CMP_TEST_NONE;
    if (nx == 0 || ny == 0)
        return 0;
    r = malloc(n * sizeof(*r));
    if (r == NULL)
        return PCB_CMP_ENOMEM;
    for (i = 0; i < nx; i++)
        r[i] = (struct ranked){x[i], 1};
    for (i = 0; i < ny; i++)
        r[nx + i] = (struct ranked){y[i], 0};
    qsort(r, n, sizeof(*r), cmp_ranked);
    /* Average ranks over runs of equal values, as scipy.stats.rankdata. */
    for (i = 0; i < n; i = j) {
        double rank, t;
        for (j = i + 1; j < n && r[j].v == r[i].v; j++)
            ;
        rank = 0.5 * (double)(i + 1 + j); /* mean of ranks i+1 .. j */
        for (k = i; k < j; k++)
            if (r[k].from_x)
                r1 += rank;
        t = (double)(j - i);
        if (j - i > 1)
            ties = 1;
        tie_term += t * t * t - t;
    }
    free(r);
    u1 = r1 - (double)nx * (double)(nx + 1) / 2;
    u2 = (double)nx * (double)ny - u1;
    u = u1 > u2 ? u1 : u2;
    out->u1 = u1;
    if (!(nx > 8 && ny > 8) && !ties) {
        p = 2 * pcb__mwu_exact_sf((long)u, (long)nx, (long)ny);
        if (!isnan(p)) {
            out->test = PCB_CMP_TEST_EXACT;
            out->p = p > 1 ? 1 : p;
            return 0;
        }
        /* The exact table would be too large (one huge sample against a tiny
         * one); the normal approximation below is then very accurate anyway. */
    }
    mu = (double)nx * (double)ny / 2;
    sd = sqrt((double)nx * (double)ny / 12 *
              ((double)(n + 1) - tie_term / ((double)n * (double)(n - 1))));
    if (!(sd > 0)) {
        /* Every value is the same: scipy divides -0.5 by 0, gets -inf and
         * clips the p-value to 1. */
        p = 1;
    } else {
        z = (u - mu - 0.5) / sd;
        p = 2 * pcb__norm_sf(z);
    }
    out->test = PCB_CMP_TEST_ASYMPTOTIC;
    out->p = p > 1 ? 1 : (p < 0 ? 0 : p);
    return 0;
}

/* The exact null distribution of the signed-rank sum R+ for n untied, non-zero differences:
 * cnt[k] = the number of subsets of {1..n} whose sum is k, 0 <= k <= n(n+1)/2. Every count is
 * below 2^n, exact in a double for n <= 50. */
static double *wsr_counts(long n, long *top)
{
    long t = n * (n + 1) / 2;
    double *cnt = calloc((size_t)t + 1, sizeof(*cnt));

    if (cnt == NULL)
        return NULL;
    cnt[0] = 1;
    for (long r = 1, sum = 0; r <= n; r++) {
        sum += r;
        for (long k = sum; k >= r; k--)
            cnt[k] += cnt[k - r];
    }
    *top = t;
    return cnt;
}

/* A difference with its sign kept, ranked by magnitude. */
static int cmp_abs(const void *a, const void *b)
{
    double x = fabs(*(const double *)a), y = fabs(*(const double *)b);
    return (x > y) - (x < y);
}

int pcb__wilcoxon(const double *d, size_t n, struct pcb_cmp_wsr *out)
{
    double *v, rplus = 0, tie_term = 0, mu, sd, p;
    size_t m = 0, i, j, k;
    int ties = 0;

    out->r_plus = NAN;
    out->p = NAN;
    out->n = 0;
    out->test = PCB_CMP_TEST_NONE;
    v = malloc((n ? n : 1) * sizeof(*v));
    if (v == NULL)
        return PCB_CMP_ENOMEM;
    for (i = 0; i < n; i++)
        if (d[i] != 0)
            v[m++] = d[i]; /* a pair without a difference says nothing of the direction */
    out->n = m;
    if (m == 0) {
        free(v);
        out->p = 1;
        out->r_plus = 0;
        out->test = PCB_CMP_TEST_SIGNED_ASYMPTOTIC;
        return 0;
    }
    qsort(v, m, sizeof(*v), cmp_abs);
    /* Average ranks over runs of equal magnitudes, as scipy.stats.rankdata. */
    for (i = 0; i < m; i = j) {
        double rank, t;
        for (j = i + 1; j < m && fabs(v[j]) == fabs(v[i]); j++)
            ;
        rank = 0.5 * (double)(i + 1 + j);
        for (k = i; k < j; k++)
            if (v[k] > 0)
                rplus += rank;
        t = (double)(j - i);
        if (j - i > 1)
            ties = 1;
        tie_term += t * t * t - t;
    }
    free(v);
    out->r_plus = rplus;
    if (m <= 50 && !ties && n == m) {
        long top, r = (long)rplus;
        double *cnt = wsr_counts((long)m, &top), lo = 0, hi = 0, all = ldexp(1, (int)m);
        if (cnt == NULL)
            return PCB_CMP_ENOMEM;
        for (long q = 0; q <= top; q++) {
            if (q <= r)
                lo += cnt[q];
            if (q >= r)
                hi += cnt[q];
        }
        free(cnt);
        p = 2 * (lo < hi ? lo : hi) / all;
        if (r == top / 2)
            p = 1; /* R+ at the centre of its distribution (scipy's rule) */
        out->test = PCB_CMP_TEST_SIGNED_EXACT;
        out->p = p > 1 ? 1 : p;
        return 0;
    }
    mu = (double)m * (double)(m + 1) / 4;
    sd = sqrt(((double)m * (double)(m + 1) * (double)(2 * m + 1) - tie_term / 2) / 24);
    if (!(sd > 0)) {
        p = 1;
    } else {
        double t = rplus < (double)m * (double)(m + 1) / 2 - rplus
                       ? rplus
                       : (double)m * (double)(m + 1) / 2 - rplus;
        p = 2 * pcb__norm_sf(fabs(t - mu) / sd);
    }
    out->test = PCB_CMP_TEST_SIGNED_ASYMPTOTIC;
    out->p = p > 1 ? 1 : (p < 0 ? 0 : p);
    return 0;
}

long pcb__wilcoxon_min_n(double alpha)
{
    long n = 1;

    /* The smallest exact two-sided p-value with n pairs is 2 / 2^n (every pair one way). */
    while (n < 60 && ldexp(2, -(int)n) > alpha)
        n++;
    return n;
}

/* An index with its p-value, for sorting. */
struct pidx {
    double p; /* the p-value */
    size_t i; /* where it came from */
};

static int cmp_pidx(const void *a, const void *b)
{
    const struct pidx *x = a, *y = b;
    if (x->p != y->p)
        return (x->p > y->p) - (x->p < y->p);
    return (x->i > y->i) - (x->i < y->i);
}

/* The non-NaN p-values of p[0..n), sorted ascending with their indices, into *out (m of them);
 * q[] is set to NaN throughout. Returns 0 or PCB_CMP_ENOMEM. */
static int sorted_pvalues(const double *p, size_t n, double *q, struct pidx **out, size_t *m)
{
    struct pidx *s = malloc((n ? n : 1) * sizeof(*s));

    *m = 0;
    for (size_t i = 0; i < n; i++)
        q[i] = NAN;
    if (s == NULL)
        return PCB_CMP_ENOMEM;
    for (size_t i = 0; i < n; i++)
        if (!isnan(p[i]))
            s[(*m)++] = (struct pidx){p[i], i};
    qsort(s, *m, sizeof(*s), cmp_pidx);
    *out = s;
    return 0;
}

int pcb__holm_adjust(const double *p, size_t n, double *q)
{
    struct pidx *s;
    size_t m, i;
    double running = 0;

    if (sorted_pvalues(p, n, q, &s, &m))
        return PCB_CMP_ENOMEM;
    /* q_(k) = max over j <= k of min(1, (m - j + 1) p_(j)), walking from the smallest. */
    for (i = 0; i < m; i++) {
        double v = s[i].p * (double)(m - i);
        if (v > 1)
            v = 1;
        if (v > running)
            running = v;
        q[s[i].i] = running;
    }
    free(s);
    return 0;
}

int pcb__bh_adjust(const double *p, size_t n, double *q)
{
    struct pidx *s;
    size_t m, i;
    double running = 1;

    if (sorted_pvalues(p, n, q, &s, &m))
        return PCB_CMP_ENOMEM;
    /* q_(k) = min over j >= k of p_(j) * m / j, walking from the largest. */
    for (i = m; i-- > 0;) {
        double v = s[i].p * (double)m / (double)(i + 1);
        if (v < running)
            running = v;
        q[s[i].i] = running;
    }
    free(s);
    return 0;
}

long pcb__mwu_min_n(double alpha)
{
    long n;

    for (n = 1; n < 100000; n++) {
        double pmin;
        if (n <= 8) {
            pmin = 2 / binom(2 * n, n);
        } else {
            double nn = (double)n * (double)n;
            double z = (nn / 2 - 0.5) / sqrt(nn * (double)(2 * n + 1) / 12);
            pmin = 2 * pcb__norm_sf(z);
        }
        if (pmin <= alpha)
            return n;
    }
    return n;
}
