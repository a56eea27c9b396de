/*
 * usl.c - fitting the Universal Scalability Law (usl.h).
 */
#include "usl.h"

#include <math.h>

/* The curve without gamma. */
static double shape(double sigma, double kappa, double n)
{
    return n / (1.0 + sigma * (n - 1.0) + kappa * n * (n - 1.0));
}

/* The least-squares gamma for (sigma, kappa) and the residual sum of squares it leaves. */
static double sse_at(const double *n, const double *x, size_t k, double sigma, double kappa,
                     double *gamma)
{
    double xf = 0, ff = 0, sse = 0;

    for (size_t i = 0; i < k; i++) {
        double f = shape(sigma, kappa, n[i]);
        xf += x[i] * f;
        ff += f * f;
    }
    *gamma = ff > 0 ? xf / ff : 0;
    for (size_t i = 0; i < k; i++) {
        double r = x[i] - *gamma * shape(sigma, kappa, n[i]);
        sse += r * r;
    }
    return sse;
}

/* The residual sum of squares at p = (sigma, kappa, gamma). */
static double sse3(const double *n, const double *x, size_t k, const double p[3])
{
    double sse = 0;

    for (size_t i = 0; i < k; i++) {
        double r = x[i] - p[2] * shape(p[0], p[1], n[i]);
        sse += r * r;
    }
    return sse;
}

/* Solves m q = v for 3x3 m by Cramer's rule. Returns 0, or -1 when m is singular. */
static int solve3(double m[3][3], const double v[3], double q[3])
{
    double det = m[0][0] * (m[1][1] * m[2][2] - m[1][2] * m[2][1]) -
                 m[0][1] * (m[1][0] * m[2][2] - m[1][2] * m[2][0]) +
                 m[0][2] * (m[1][0] * m[2][1] - m[1][1] * m[2][0]);

    if (!isfinite(det) || det == 0)
        return -1;
    for (int c = 0; c < 3; c++) {
        double t[3][3];
        for (int a = 0; a < 3; a++)
            for (int b = 0; b < 3; b++)
                t[a][b] = b == c ? v[a] : m[a][b];
        q[c] = (t[0][0] * (t[1][1] * t[2][2] - t[1][2] * t[2][1]) -
                t[0][1] * (t[1][0] * t[2][2] - t[1][2] * t[2][0]) +
                t[0][2] * (t[1][0] * t[2][1] - t[1][1] * t[2][0])) /
               det;
    }
    return 0;
}

static double clamp01(double v)
{
    return v < 0 ? 0 : v > 1 ? 1 : v;
}

int pcb_usl_fit(const double *n, const double *x, size_t k, struct pcb_usl *u)
{
    double lo = INFINITY, hi = -INFINITY, mean = 0, sst = 0, g;

    *u = (struct pcb_usl){
        .sigma = NAN, .kappa = NAN, .gamma = NAN, .r2 = NAN, .sse = NAN, .peak = NAN, .npoints = k};
    for (size_t i = 0; i < k; i++) {
        if (!isfinite(n[i]) || !isfinite(x[i]) || n[i] < 1 || x[i] <= 0) {
            u->status = PCB_USL_BAD;
            return -1;
        }
        for (size_t j = 0; j < i; j++)
            if (n[j] == n[i]) {
                u->status = PCB_USL_BAD;
                return -1;
            }
        lo = fmin(lo, x[i]);
        hi = fmax(hi, x[i]);
        mean += x[i] / (double)k;
    }
    if (k < PCB_USL_MIN_POINTS) {
        u->status = PCB_USL_TOO_FEW;
        return -1;
    }
    if ((hi - lo) / mean < PCB_USL_FLAT_SPREAD) {
        u->status = PCB_USL_FLAT;
        return -1;
    }
    for (size_t i = 0; i < k; i++)
        sst += (x[i] - mean) * (x[i] - mean);

    /* The grid: sigma 0..1 in steps of 1/200; kappa 0 and 10^-8..10^0 in 1/20 decades. */
    double best = INFINITY, bs = 0, bk = 0;
    for (int i = 0; i <= 200; i++)
        for (int j = -1; j <= 160; j++) {
            double s = i / 200.0, kap = j < 0 ? 0 : pow(10.0, -8.0 + j / 20.0);
            double e = sse_at(n, x, k, s, kap, &g);
            if (e < best) {
                best = e;
                bs = s;
                bk = kap;
            }
        }
    /* Pattern search from there: sigma in absolute steps, kappa in relative ones (and through
     * 0), halving the steps when no move helps. */
    double ds = 1 / 200.0, dk = bk > 0 ? bk * 0.5 : 1e-9;
    for (int it = 0; it < 4000 && (ds > 1e-12 || dk > 1e-18); it++) {
        const double cand[8][2] = {{bs + ds, bk},      {bs - ds, bk},      {bs, bk + dk},
                                   {bs, bk - dk},      {bs + ds, bk + dk}, {bs - ds, bk - dk},
                                   {bs + ds, bk - dk}, {bs - ds, bk + dk}};
        int moved = 0;
        for (int c = 0; c < 8; c++) {
            double s = clamp01(cand[c][0]), kap = clamp01(cand[c][1]);
            double e = sse_at(n, x, k, s, kap, &g);
            if (e < best * (1 - 1e-15)) {
                best = e;
                bs = s;
                bk = kap;
                moved = 1;
            }
        }
        if (!moved) {
            ds *= 0.5;
            dk *= 0.5;
        }
    }
    /* Levenberg-Marquardt on all three from there: the pattern search can stall in a narrow
     * valley where sigma and kappa trade off against each other. Steps that leave the bounds
     * are clamped to them; only steps that lower the SSE are taken. */
    double p[3] = {bs, bk, 0};
    sse_at(n, x, k, bs, bk, &p[2]);
    best = sse3(n, x, k, p);
    for (int it = 0, done = 0; it < 500 && !done; it++) {
        double jtj[3][3] = {{0}}, jtr[3] = {0};
        for (size_t i = 0; i < k; i++) {
            double d = 1 + p[0] * (n[i] - 1) + p[1] * n[i] * (n[i] - 1);
            double j[3] = {-p[2] * n[i] * (n[i] - 1) / (d * d),
                           -p[2] * n[i] * n[i] * (n[i] - 1) / (d * d), n[i] / d};
            double r = x[i] - p[2] * n[i] / d;
            for (int a = 0; a < 3; a++) {
                jtr[a] += j[a] * r;
                for (int b = 0; b < 3; b++)
                    jtj[a][b] += j[a] * j[b];
            }
        }
        for (double lambda = 1e-3;; lambda *= 10) {
            double m[3][3], q[3];
            for (int a = 0; a < 3; a++)
                for (int b = 0; b < 3; b++)
                    m[a][b] = jtj[a][b] + (a == b ? lambda * (jtj[a][a] + 1e-300) : 0);
            if (solve3(m, jtr, q) != 0 || lambda > 1e12) {
                done = 1;
                break;
            }
            double t[3] = {clamp01(p[0] + q[0]), clamp01(p[1] + q[1]), p[2] + q[2]};
            if (t[2] <= 0)
                continue;
            double e = sse3(n, x, k, t);
            if (e < best) {
                done = best - e <= best * 1e-15;
                best = e;
                p[0] = t[0];
                p[1] = t[1];
                p[2] = t[2];
                break;
            }
        }
    }
    /* What is a rounding error away from a bound is the bound. */
    bs = p[0] < 1e-12 ? 0 : p[0] > 1 - 1e-12 ? 1 : p[0];
    bk = p[1] < 1e-15 ? 0 : p[1];
    u->sse = sse_at(n, x, k, bs, bk, &u->gamma);
    u->sigma = bs;
    u->kappa = bk;
    u->r2 = sst > 0 ? 1 - u->sse / sst : NAN;
    u->peak = bk > PCB_USL_KAPPA_NONE ? fmax(1, sqrt((1 - bs) / bk)) : INFINITY;
    u->status = isfinite(u->r2) && u->r2 >= PCB_USL_MIN_R2 ? PCB_USL_OK : PCB_USL_POOR;
    return 0;
}

double pcb_usl_eval(const struct pcb_usl *u, double n)
{
    return u->gamma * shape(u->sigma, u->kappa, n);
}

const char *pcb_usl_status_text(enum pcb_usl_status s)
{
    switch (s) {
    case PCB_USL_OK:
        return "fitted";
    case PCB_USL_POOR:
        return "poor fit (R² below 0.8): not projected";
    case PCB_USL_TOO_FEW:
        return "too few worker counts (fewer than 4): not fitted";
    case PCB_USL_FLAT:
        return "flat: throughput does not change with workers (spread below 2%): not fitted";
    case PCB_USL_BAD:
        return "unusable points (a repeated worker count, or a throughput that is not positive)";
    }
    return "?";
}
