/*
 * changepoint.c - the penalised L1 step fit of changepoint.h.
 *
 * The fit is optimal partitioning: F[j], the least cost of the first j points cut into levels,
 * is the minimum over the start i of its last level of F[i] + cost(i, j) + penalty, where
 * cost(i, j) is the sum of |y - median| over points i..j-1 in units of sigma. For each start i
 * the points are added one by one to a sorted buffer, so every cost(i, j) is found in O(j - i)
 * and the whole fit is O(n^3) with a small constant: about 20 ms for 500 points.
 */
#include "changepoint.h"

#include <math.h>
#include <stdlib.h>
#include <string.h>

static int cmp_double(const void *a, const void *b)
{
    double x = *(const double *)a, y = *(const double *)b;
    return (x > y) - (x < y);
}

/* The median of v[0..n) (n > 0), sorting a copy in tmp. */
static double median_of(const double *v, size_t n, double *tmp)
{
    memcpy(tmp, v, n * sizeof(*v));
    qsort(tmp, n, sizeof(*tmp), cmp_double);
    return n % 2 ? tmp[n / 2] : (tmp[n / 2 - 1] + tmp[n / 2]) / 2;
}

/* sum |s - median(s)| of the sorted s[0..n). */
static double abs_dev_sorted(const double *s, size_t n)
{
    double lo = 0, hi = 0;
    for (size_t k = 0; k < n / 2; k++)
        lo += s[k];
    for (size_t k = (n + 1) / 2; k < n; k++)
        hi += s[k];
    return hi - lo;
}

double pcb_cp_noise(const double *x, size_t n)
{
    if (n < 3)
        return 0;
    double *d = malloc((n - 1) * sizeof(*d)), *tmp = malloc((n - 1) * sizeof(*tmp));
    double sigma = 0;
    if (d != NULL && tmp != NULL) {
        for (size_t k = 1; k < n; k++)
            d[k - 1] = fabs(log(x[k]) - log(x[k - 1]));
        sigma = 1.4826 * median_of(d, n - 1, tmp) / sqrt(2.0);
    }
    free(d);
    free(tmp);
    return sigma;
}

int pcb_cp_detect(const double *x, size_t n, struct pcb_cp_change *out, size_t cap)
{
    size_t off = n > PCB_CP_MAX_POINTS ? n - PCB_CP_MAX_POINTS : 0, m = n - off;
    int found = 0;

    if (m < 2 * PCB_CP_MIN_SEG)
        return PCB_CP_TOO_SHORT;
    for (size_t k = 0; k < n; k++)
        if (!isfinite(x[k]) || x[k] <= 0)
            return PCB_CP_BAD;
    x += off;

    double *y = malloc(m * sizeof(*y)), *sorted = malloc(m * sizeof(*sorted));
    double *best = malloc((m + 1) * sizeof(*best));
    size_t *prev = malloc((m + 1) * sizeof(*prev));
    if (y == NULL || sorted == NULL || best == NULL || prev == NULL) {
        found = PCB_CP_NOMEM;
        goto out;
    }
    /* A series without noise (the same value every time) still has steps to find: the floor
     * on sigma, 0.01%, keeps the costs finite and lets any step above PCB_CP_MIN_CHANGE count. */
    double sigma = fmax(pcb_cp_noise(x, m), 1e-4), penalty = PCB_CP_PENALTY * log((double)m);
    for (size_t k = 0; k < m; k++)
        y[k] = log(x[k]) / sigma;
    best[0] = 0;
    for (size_t j = 1; j <= m; j++)
        best[j] = INFINITY;
    for (size_t i = 0; i + PCB_CP_MIN_SEG <= m; i++) {
        /* i starts a level only when the level before it and this one both have room. */
        if (i != 0 && (i < PCB_CP_MIN_SEG || !isfinite(best[i])))
            continue;
        size_t len = 0;
        for (size_t j = i + 1; j <= m; j++) {
            /* Insert y[j-1] into sorted[0..len). */
            size_t at = len;
            while (at > 0 && sorted[at - 1] > y[j - 1])
                at--;
            memmove(sorted + at + 1, sorted + at, (len - at) * sizeof(*sorted));
            sorted[at] = y[j - 1];
            len++;
            if (len < PCB_CP_MIN_SEG || (j != m && j + PCB_CP_MIN_SEG > m))
                continue;
            double c = best[i] + abs_dev_sorted(sorted, len) + penalty;
            if (c < best[j]) {
                best[j] = c;
                prev[j] = i;
            }
        }
    }
    /* The cuts, newest first from the back-pointers, then reported oldest first. */
    size_t ncuts = 0;
    for (size_t j = m; j > 0; j = prev[j])
        if (prev[j] > 0)
            sorted[ncuts++] = (double)prev[j];
    size_t level_start = 0;
    for (size_t c = ncuts; c-- > 0;) {
        size_t cut = (size_t)sorted[c], next = c > 0 ? (size_t)sorted[c - 1] : m;
        double before = median_of(x + level_start, cut - level_start, y);
        double after = median_of(x + cut, next - cut, y);
        double change = (after - before) / before;
        if (fabs(change) < PCB_CP_MIN_CHANGE)
            continue;
        if ((size_t)found < cap)
            out[found] = (struct pcb_cp_change){.at = off + cut,
                                                .before = before,
                                                .after = after,
                                                .change = change,
                                                .score = fabs(log(after / before)) / sigma};
        found++;
        level_start = cut;
    }
out:
    free(y);
    free(sorted);
    free(best);
    free(prev);
    return found;
}
