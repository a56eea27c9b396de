/*
 * changepoint.h - where a series of benchmark results steps to a new level.
 *
 * The method is a penalised step fit with an L1 cost, the family asv's step detection belongs
 * to: the series is cut into segments of at least PCB_CP_MIN_SEG points, each segment's level
 * is its median, and the cut is the one that minimises the sum of absolute deviations from the
 * levels plus a penalty for every cut. The optimum is found exactly, by dynamic programming
 * over every cut position.
 *
 * Why this method (docs/history.md says the same at more length):
 *  - the median and the absolute deviation make it robust: one wild run moves neither, and a
 *    segment of at least three points cannot be made of one outlier, so a single outlier run is
 *    never a change point (E-Divisive means and a t-test both feel an outlier in the mean);
 *  - it is deterministic: no permutation test, so the same history gives the same answer on
 *    every machine and in every test;
 *  - the penalty is scaled by the series' own noise, so a steady but noisy series needs a step
 *    well above its noise to be cut, and a quiet series shows small steps.
 *
 * Values are compared on a log scale, so a step is relative (a 10% slowdown costs the same at
 * 1 us and at 1 s) and a rise and a fall of the same ratio weigh the same. The noise sigma is
 * estimated from successive differences (1.4826 * their median absolute value / sqrt(2)), which
 * steps barely touch. The penalty per cut is PCB_CP_PENALTY * ln(n) in units of sigma: about
 * BIC's growth with the length of the series. A cut is kept only when its levels differ by at
 * least PCB_CP_MIN_CHANGE: below that a step is real but too small to act on.
 *
 * Nothing here allocates except one work area per call; no state is kept between calls.
 */
#ifndef PCB_CHANGEPOINT_H
#define PCB_CHANGEPOINT_H

#include <stddef.h>

/* Points a level needs at least: a single outlier (or two) can never be a level of its own. */
#define PCB_CP_MIN_SEG 3
/* The penalty of one cut, times ln(n), in units of the series' noise sigma. Chosen on generated
 * series (tests/history/test_changepoint.c; the rates are in BENCHMARKS.md). */
#define PCB_CP_PENALTY 3.0
/* The smallest relative change between two levels that is reported. */
#define PCB_CP_MIN_CHANGE 0.02
/* Only the newest this many points of a series are judged (the fit is cubic in the length). */
#define PCB_CP_MAX_POINTS 500

/* One change point. */
struct pcb_cp_change {
    size_t at;     /* index of the first point of the new level */
    double before; /* median of the level before (in the series' units) */
    double after;  /* median of the level from `at` on */
    double change; /* (after - before) / before */
    double score;  /* the step on the log scale in units of the noise sigma */
};

/* What pcb_cp_detect() returns besides a count. */
#define PCB_CP_TOO_SHORT (-1) /* fewer than 2 * PCB_CP_MIN_SEG points: too short to judge */
#define PCB_CP_BAD (-2)       /* a value is not finite or not positive */
#define PCB_CP_NOMEM (-3)     /* out of memory */

/*
 * Finds the change points of x[0..n) (values > 0; only the newest PCB_CP_MAX_POINTS are judged,
 * and `at` still counts from x[0]). Writes at most cap of them into out, oldest first. Returns
 * how many there are (which may exceed cap), or PCB_CP_TOO_SHORT, PCB_CP_BAD or PCB_CP_NOMEM.
 */
int pcb_cp_detect(const double *x, size_t n, struct pcb_cp_change *out, size_t cap);

/* The noise sigma of x[0..n) on the log scale (see above); 0 when n < 3. */
double pcb_cp_noise(const double *x, size_t n);

#endif
