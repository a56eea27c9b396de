/*
 * usl.h - the Universal Scalability Law, fitted to throughput against workers.
 *
 *     X(N) = gamma * N / (1 + sigma * (N - 1) + kappa * N * (N - 1))
 *
 * sigma is contention (the serial share: queueing for something only one worker can hold),
 * kappa coherency (the cost of workers keeping each other's data in step, which grows with the
 * pairs of workers and makes throughput fall past a peak), gamma the throughput of one worker.
 * The fit is least squares on X with 0 <= sigma <= 1 and 0 <= kappa <= 1: for given (sigma,
 * kappa) the best gamma has a closed form, so the fit searches the two-parameter square, first
 * on a grid (sigma linear, kappa logarithmic), then by a pattern search from the grid's best,
 * and finishes with Levenberg-Marquardt on all three. Deterministic, no allocation, no starting
 * guess to get wrong; tests/report checks it against scipy's curve_fit.
 */
#ifndef PCB_USL_H
#define PCB_USL_H

#include <stddef.h>

/* Fewer distinct worker counts than this are not fitted: three parameters need a fourth point
 * to say anything about the fit. */
#define PCB_USL_MIN_POINTS 4
/* A fit whose R^2 is below this is reported as poor and never projected. */
#define PCB_USL_MIN_R2 0.8
/* Throughput whose spread ((max - min) / mean) is below this is flat: nothing to model. */
#define PCB_USL_FLAT_SPREAD 0.02
/* kappa at or below this is no coherency cost: throughput has no peak. */
#define PCB_USL_KAPPA_NONE 1e-7

/* What a fit says. */
enum pcb_usl_status {
    PCB_USL_OK,      /* fitted, R^2 >= PCB_USL_MIN_R2 */
    PCB_USL_POOR,    /* fitted, but R^2 is below PCB_USL_MIN_R2: not to be projected */
    PCB_USL_TOO_FEW, /* fewer than PCB_USL_MIN_POINTS distinct worker counts: not fitted */
    PCB_USL_FLAT,    /* throughput does not change with workers: not fitted */
    PCB_USL_BAD,     /* a point is not finite or not positive, or worker counts repeat */
};

/* One fit. */
struct pcb_usl {
    enum pcb_usl_status status; /* the verdict; the numbers below are NAN unless fitted */
    double sigma;               /* contention, 0..1 */
    double kappa;               /* coherency, 0..1 */
    double gamma;               /* throughput of one worker, in the unit of X */
    double r2;                  /* 1 - SSE / SST */
    double sse;                 /* sum of squared residuals */
    double peak;                /* N* = sqrt((1 - sigma) / kappa), INFINITY when kappa is ~0 */
    size_t npoints;             /* points used */
};

/* Fits X = x[i] at N = n[i], i < k (n[i] >= 1, distinct; x[i] > 0). Fills *u (status always
 * set) and returns 0 for OK and POOR, -1 for the statuses without a fit. */
int pcb_usl_fit(const double *n, const double *x, size_t k, struct pcb_usl *u);

/* X(N) of a fit. */
double pcb_usl_eval(const struct pcb_usl *u, double n);

/* The status as a short phrase for reports: "fitted", "poor fit (R^2 < 0.8)", ... */
const char *pcb_usl_status_text(enum pcb_usl_status s);

#endif
