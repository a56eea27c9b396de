/*
 * cp_rates.c - hit and false-alarm rates of the change-point detection (compare/history/
 * changepoint.c) on generated series, and the checks that pin them down.
 *
 * Every series is 40 runs of a value of 1000 with multiplicative Gaussian noise of a given
 * coefficient of variation, made by a fixed-seed generator, so the rates are the same on every
 * machine. Three kinds:
 *   step     a step up (a regression) of 8%, 12% or 20% at a random run from 8 to 32; a hit is
 *            exactly one change reported, a regression, at the planted run or one off it;
 *   steady   no step; any change reported is a false alarm;
 *   outlier  no step, and one run (anywhere) 1.5x or 3x slower; any change is a false alarm.
 *
 *   cp_rates            prints the table (BENCHMARKS.md) and exits 1 when a rate misses its
 *                       bound below
 */
#include "changepoint.h"

#include <math.h>
#include <stdint.h>
#include <stdio.h>

#define RUNS 40
#define TRIALS 500

static uint64_t rng = 0x9e3779b97f4a7c15u;

static double uniform(void)
{
    rng ^= rng << 13;
    rng ^= rng >> 7;
    rng ^= rng << 17;
    return ((double)(rng >> 11) + 0.5) / 9007199254740992.0;
}

static double gauss(void)
{
    return sqrt(-2 * log(uniform())) * cos(2 * M_PI * uniform());
}

/* A series of RUNS values: noise cv, a step of `step` (relative) from run `at`, and one run
 * `outlier` times slower at run `where` (outlier 1: none). */
static void make(double *x, double cv, double step, size_t at, double outlier, size_t where)
{
    for (size_t k = 0; k < RUNS; k++) {
        x[k] = 1000 * (1 + cv * gauss()) * (k >= at ? 1 + step : 1);
        if (x[k] < 1)
            x[k] = 1;
    }
    x[where] *= outlier;
}

/* Share of TRIALS series with a step of `step` at noise cv found at the right run. */
static double hit_rate(double cv, double step)
{
    int hits = 0;
    for (int t = 0; t < TRIALS; t++) {
        double x[RUNS];
        struct pcb_cp_change c[4];
        size_t at = 8 + (size_t)(uniform() * 25);
        make(x, cv, step, at, 1, 0);
        int n = pcb_cp_detect(x, RUNS, c, 4);
        hits += n == 1 && c[0].change > 0 && (c[0].at + 1 >= at && c[0].at <= at + 1);
    }
    return (double)hits / TRIALS;
}

/* Share of TRIALS series without a step (one outlier of `outlier`, or none) with a change. */
static double false_alarm_rate(double cv, double outlier)
{
    int alarms = 0;
    for (int t = 0; t < TRIALS; t++) {
        double x[RUNS];
        struct pcb_cp_change c[4];
        make(x, cv, 0, RUNS, outlier, (size_t)(uniform() * RUNS));
        alarms += pcb_cp_detect(x, RUNS, c, 4) != 0;
    }
    return (double)alarms / TRIALS;
}

int main(void)
{
    static const double cvs[] = {0.01, 0.02, 0.04};
    static const double steps[] = {0.08, 0.12, 0.20};
    int failures = 0;

    printf("%d series of %d runs per cell; a hit is one regression reported at the planted run "
           "or one off it\n\n",
           TRIALS, RUNS);
    printf("| noise (cv) | hit, 8%% step | hit, 12%% step | hit, 20%% step | false alarm, steady "
           "| false alarm, one 1.5x outlier | false alarm, one 3x outlier |\n");
    printf("|---|---|---|---|---|---|---|\n");
    for (size_t i = 0; i < sizeof(cvs) / sizeof(cvs[0]); i++) {
        double hit[3], steady, out15, out3;
        for (size_t s = 0; s < 3; s++)
            hit[s] = hit_rate(cvs[i], steps[s]);
        steady = false_alarm_rate(cvs[i], 1);
        out15 = false_alarm_rate(cvs[i], 1.5);
        out3 = false_alarm_rate(cvs[i], 3);
        printf("| %.0f%% | %.1f%% | %.1f%% | %.1f%% | %.1f%% | %.1f%% | %.1f%% |\n", cvs[i] * 100,
               hit[0] * 100, hit[1] * 100, hit[2] * 100, steady * 100, out15 * 100, out3 * 100);
        /* The bounds: steps of 8-20% are found at noise up to 2% (a step of four sigma and
         * more), 12-20% steps at 4%; steady and single-outlier series almost never alarm. */
        for (size_t s = 0; s < 3; s++)
            if (hit[s] < (cvs[i] <= 0.02 || s > 0 ? 0.9 : 0.5)) {
                fprintf(stderr, "FAIL: cv %.0f%%, step %.0f%%: hit rate %.3f\n", cvs[i] * 100,
                        steps[s] * 100, hit[s]);
                failures++;
            }
        if (steady > 0.05 || out15 > 0.05 || out3 > 0.05) {
            fprintf(stderr, "FAIL: cv %.0f%%: false alarms %.3f / %.3f / %.3f\n", cvs[i] * 100,
                    steady, out15, out3);
            failures++;
        }
    }
    return failures != 0;
}
