/* test_stats.c - unit tests of the statistics behind compare's verdicts.
 *
 * The reference p-values come from scipy 1.10.1 (Debian python3-scipy),
 * produced by tests/compare/reference_pvalues.py: each is
 * scipy.stats.mannwhitneyu(x, y) with its defaults (two-sided,
 * use_continuity=True, method='auto') on the very samples written here; the
 * script's case name is given with each test. Each test runs in this one
 * process and prints what failed; the exit status is the number of failures.
 */
#include "compare.h"

#include <math.h>
#include <stdio.h>
#include <string.h>

static int failures;

/* Checks |got - want| <= tol * max(1, |want|). */
#define CHECK_NEAR(got, want, tol) check_near(__func__, #got, (got), (want), (tol))
#define CHECK(cond)                                                                                \
    do {                                                                                           \
        if (!(cond)) {                                                                             \
            printf("FAIL %s: %s\n", __func__, #cond);                                              \
            failures++;                                                                            \
        }                                                                                          \
    } while (0)

static void check_near(const char *fn, const char *what, double got, double want, double tol)
{
    double scale = fabs(want) > 1 ? fabs(want) : 1;
    if (!(fabs(got - want) <= tol * scale)) {
        printf("FAIL %s: %s = %.17g, want %.17g\n", fn, what, got, want);
        failures++;
    }
}

/* Runs the U test and checks U1, p and the form scipy would choose. */
static void check_mwu(const char *fn, const double *x, size_t nx, const double *y, size_t ny,
                      double u1, double p, enum pcb_cmp_test test)
{
    struct pcb_cmp_mwu r;
    if (pcb__mwu(x, nx, y, ny, &r) != 0) {
        printf("FAIL %s: pcb__mwu returned an error\n", fn);
        failures++;
        return;
    }
    check_near(fn, "U1", r.u1, u1, 1e-12);
    check_near(fn, "p", r.p, p, 1e-9);
    if (r.test != test) {
        printf("FAIL %s: test form %d, want %d\n", fn, r.test, test);
        failures++;
    }
}

#define N(a) (sizeof(a) / sizeof((a)[0]))

/* exact_3v3_separated */
static void test_mwu_exact_fully_separated_3v3(void)
{
    double x[] = {1, 2, 3}, y[] = {4, 5, 6};
    check_mwu(__func__, x, N(x), y, N(y), 0.0, 0.1, PCB_CMP_TEST_EXACT);
}

/* exact_5v5 */
static void test_mwu_exact_5v5(void)
{
    double x[] = {10.1, 10.3, 10.2, 10.5, 10.4};
    double y[] = {10.6, 10.35, 10.9, 10.8, 10.7};
    check_mwu(__func__, x, N(x), y, N(y), 2.0, 0.031746031746031744, PCB_CMP_TEST_EXACT);
}

/* exact_1v1: a single run per side can never be significant. */
static void test_mwu_single_runs_give_p_one(void)
{
    double x[] = {1.0}, y[] = {2.0};
    check_mwu(__func__, x, 1, y, 1, 0.0, 1.0, PCB_CMP_TEST_EXACT);
}

/* exact_8v20: scipy uses the exact form when either side has <= 8 values. */
static void test_mwu_exact_when_one_side_has_eight(void)
{
    double x[8], y[20];
    size_t i;
    for (i = 0; i < 8; i++)
        x[i] = (double)i * 1.5 + 0.25;
    for (i = 0; i < 20; i++)
        y[i] = (double)(i + 3) + 0.1;
    check_mwu(__func__, x, 8, y, 20, 27.0, 0.0056523186957969564, PCB_CMP_TEST_EXACT);
}

/* exact_4v6_interleaved */
static void test_mwu_exact_unequal_sizes(void)
{
    double x[] = {1, 3, 5, 7}, y[] = {2, 4, 6, 8, 9, 0.5};
    check_mwu(__func__, x, N(x), y, N(y), 10.0, 0.7619047619047619, PCB_CMP_TEST_EXACT);
}

/* exact_3v400: a large exact table (one tiny sample against a big one). */
static void test_mwu_exact_3_against_400(void)
{
    double x[] = {100.5, 200.5, 300.5}, y[400];
    size_t i;
    for (i = 0; i < 400; i++)
        y[i] = (double)i;
    check_mwu(__func__, x, 3, y, 400, 603.0, 0.9906717226045297, PCB_CMP_TEST_EXACT);
}

/* asym_9v9_noties: both sides above 8 switch to the normal form. */
static void test_mwu_asymptotic_when_both_above_eight(void)
{
    double x[9], y[9];
    size_t i;
    for (i = 0; i < 9; i++) {
        x[i] = (double)i;
        y[i] = (double)i + 4.5;
    }
    check_mwu(__func__, x, 9, y, 9, 10.0, 0.008071487425268009, PCB_CMP_TEST_ASYMPTOTIC);
}

/* asym_10v10 */
static void test_mwu_asymptotic_10v10(void)
{
    double x[] = {100, 101, 99, 102, 100.5, 98, 103, 101.5, 99.5, 100.2};
    double y[] = {104, 105, 103, 106, 104.5, 102, 107, 105.5, 103.5, 104.2};
    check_mwu(__func__, x, N(x), y, N(y), 2.0, 0.0003264344499015525, PCB_CMP_TEST_ASYMPTOTIC);
}

/* asym_4v4_ties: ties force the normal form with tie correction. */
static void test_mwu_ties_use_corrected_normal(void)
{
    double x[] = {1, 2, 2, 3}, y[] = {2, 3, 4, 5};
    check_mwu(__func__, x, N(x), y, N(y), 2.5, 0.1366582477381475, PCB_CMP_TEST_ASYMPTOTIC);
}

/* asym_all_tied: zero variance gives p = 1, not NaN. */
static void test_mwu_all_tied_gives_p_one(void)
{
    double x[] = {5, 5, 5}, y[] = {5, 5};
    check_mwu(__func__, x, N(x), y, N(y), 3.0, 1.0, PCB_CMP_TEST_ASYMPTOTIC);
}

/* asym_golden_regressed: the same samples as case A/x of the goldens. */
static void test_mwu_matches_golden_regressed_case(void)
{
    double x[] = {100, 101, 99, 102, 100}, y[] = {110, 111, 109, 112, 110};
    check_mwu(__func__, x, N(x), y, N(y), 0.0, 0.011667312343319386, PCB_CMP_TEST_ASYMPTOTIC);
}

static void test_mwu_empty_side_has_no_p(void)
{
    double x[] = {1, 2};
    struct pcb_cmp_mwu r;
    CHECK(pcb__mwu(x, 2, x, 0, &r) == 0);
    CHECK(isnan(r.p));
    CHECK(r.test == PCB_CMP_TEST_NONE);
}

/* The exact distribution is symmetric and sums to one: P(U >= 0) = 1 and
 * P(U >= k) + P(U >= m*n - k + 1) = 1. */
static void test_exact_sf_is_a_distribution(void)
{
    long m = 5, n = 7, k;
    CHECK_NEAR(pcb__mwu_exact_sf(0, m, n), 1.0, 1e-15);
    CHECK_NEAR(pcb__mwu_exact_sf(m * n, m, n), 1.0 / 792.0, 1e-12);
    for (k = 1; k <= m * n; k++)
        CHECK_NEAR(pcb__mwu_exact_sf(k, m, n) + pcb__mwu_exact_sf(m * n - k + 1, m, n), 1.0, 1e-12);
}

/* Hand-computed step-up values; the same numbers come out of the numpy
 * formula in reference_pvalues.py. NaN is not part of the family. */
static void test_bh_adjusts_step_up_and_skips_nan(void)
{
    double p[] = {0.01, 0.04, 0.03, 0.005, NAN}, q[5];
    CHECK(pcb__bh_adjust(p, 5, q) == 0);
    CHECK_NEAR(q[0], 0.02, 1e-15);
    CHECK_NEAR(q[1], 0.04, 1e-15);
    CHECK_NEAR(q[2], 0.04, 1e-15);
    CHECK_NEAR(q[3], 0.02, 1e-15);
    CHECK(isnan(q[4]));
}

static void test_bh_caps_at_one(void)
{
    double p[] = {0.9, 0.95, 1.0}, q[3];
    CHECK(pcb__bh_adjust(p, 3, q) == 0);
    CHECK_NEAR(q[0], 1.0, 1e-15);
    CHECK_NEAR(q[1], 1.0, 1e-15);
    CHECK_NEAR(q[2], 1.0, 1e-15);
}

/* With 3 runs per side the smallest two-sided exact p is 2/20 = 0.1; with 4
 * it is 2/70 = 0.0286, so 4 is the minimum for alpha = 0.05; 2/252 = 0.0079
 * makes 5 the minimum for alpha = 0.01. */
static void test_min_n_for_alpha(void)
{
    CHECK(pcb__mwu_min_n(0.05) == 4);
    CHECK(pcb__mwu_min_n(0.01) == 5);
    CHECK(pcb__mwu_min_n(0.2) == 3);
}

static void test_median_odd_and_even(void)
{
    double a[] = {3, 1, 2}, b[] = {4, 1, 3, 2};
    CHECK_NEAR(pcb__median(a, 3), 2.0, 0);
    CHECK_NEAR(pcb__median(b, 4), 2.5, 0);
}

static void test_mean_sd_uses_n_minus_one(void)
{
    double a[] = {2, 4, 4, 4, 5, 5, 7, 9}, m, sd;
    pcb__mean_sd(a, 8, &m, &sd);
    CHECK_NEAR(m, 5.0, 1e-15);
    CHECK_NEAR(sd, sqrt(32.0 / 7.0), 1e-15);
}

/* Runs the signed-rank test and checks T = min(R+, R-), p and the form. */
static void check_wsr(const char *fn, const double *d, size_t n, double t, double p,
                      enum pcb_cmp_test test)
{
    struct pcb_cmp_wsr w;
    double total;

    if (pcb__wilcoxon(d, n, &w) != 0) {
        printf("FAIL %s: pcb__wilcoxon failed\n", fn);
        failures++;
        return;
    }
    total = (double)w.n * (double)(w.n + 1) / 2;
    check_near(fn, "T", fmin(w.r_plus, total - w.r_plus), t, 1e-12);
    check_near(fn, "p", w.p, p, 1e-9);
    if (w.test != test) {
        printf("FAIL %s: test form %d, want %d\n", fn, (int)w.test, (int)test);
        failures++;
    }
}

/* reference_pvalues.py: signed_exact_9_all_positive. Every pair one way: 2 / 2^9. */
static void test_wilcoxon_exact_9_all_positive(void)
{
    double d[9];
    for (int i = 0; i < 9; i++)
        d[i] = 0.1 * (i + 1);
    check_wsr(__func__, d, 9, 0.0, 0.00390625, PCB_CMP_TEST_SIGNED_EXACT);
}

/* signed_exact_9_mixed */
static void test_wilcoxon_exact_9_mixed(void)
{
    const double d[] = {0.9, -0.2, 0.35, 0.5, -0.05, 0.7, 0.15, 0.6, 0.8};
    check_wsr(__func__, d, 9, 4.0, 0.02734375, PCB_CMP_TEST_SIGNED_EXACT);
}

/* signed_exact_6_all_negative: 6 pairs is the fewest that reach p <= 0.05. */
static void test_wilcoxon_exact_6_all_negative(void)
{
    const double d[] = {-1, -2, -3, -4, -5, -6};
    check_wsr(__func__, d, 6, 0.0, 0.03125, PCB_CMP_TEST_SIGNED_EXACT);
    CHECK(pcb__wilcoxon_min_n(0.05) == 6);
    CHECK(pcb__wilcoxon_min_n(0.01) == 8);
}

/* signed_exact_12_centre: R+ at the centre of its distribution gives p = 1. */
static void test_wilcoxon_exact_centre_gives_p_one(void)
{
    const double d[] = {1, -2, -3, 4, 5, -6, -7, 8, 9, -10, -11, 12};
    check_wsr(__func__, d, 12, 39.0, 1.0, PCB_CMP_TEST_SIGNED_EXACT);
}

/* signed_approx_ties: tied magnitudes go to the tie-corrected normal form. */
static void test_wilcoxon_ties_use_approximation(void)
{
    const double d[] = {1.0, 1.0, -1.0, 2.0, 2.0, 3.0, -0.5, 4.0, 4.0, 5.0};
    check_wsr(__func__, d, 10, 4.0, 0.016184453851159696, PCB_CMP_TEST_SIGNED_ASYMPTOTIC);
}

/* signed_approx_zeros: zero differences are dropped, and the form is the approximation. */
static void test_wilcoxon_zeros_dropped(void)
{
    const double d[] = {0.0, 0.0, 0.3, 0.1, -0.2, 0.4, 0.5, 0.6, 0.7, 0.8};
    check_wsr(__func__, d, 10, 2.0, 0.02506184434388362, PCB_CMP_TEST_SIGNED_ASYMPTOTIC);
}

/* signed_approx_60: above 50 pairs, the approximation. */
static void test_wilcoxon_60_pairs(void)
{
    double d[60];
    for (int i = 0; i < 60; i++)
        d[i] = ((i * 37) % 61 - 20) / 10.0;
    check_wsr(__func__, d, 60, 393.5, 0.00020719277993727923, PCB_CMP_TEST_SIGNED_ASYMPTOTIC);
}

/* No difference at all: nothing to say, p = 1. */
static void test_wilcoxon_all_zero_gives_p_one(void)
{
    const double d[] = {0, 0, 0, 0};
    struct pcb_cmp_wsr w;
    CHECK(pcb__wilcoxon(d, 4, &w) == 0);
    CHECK(w.p == 1 && w.n == 0);
}

/* Holm's step-down, the textbook formula (reference_pvalues.py prints it): sorted p 0.005,
 * 0.01, 0.03, 0.04 times 4, 3, 2, 1 is 0.02, 0.03, 0.06, 0.04, made non-decreasing: 0.02,
 * 0.03, 0.06, 0.06; NaN is skipped and the family is the other four. */
static void test_holm_steps_down_and_skips_nan(void)
{
    const double p[] = {0.01, 0.04, NAN, 0.03, 0.005};
    double q[5];
    CHECK(pcb__holm_adjust(p, 5, q) == 0);
    CHECK_NEAR(q[0], 0.03, 1e-12);
    CHECK_NEAR(q[1], 0.06, 1e-12);
    CHECK(isnan(q[2]));
    CHECK_NEAR(q[3], 0.06, 1e-12);
    CHECK_NEAR(q[4], 0.02, 1e-12);
    const double big[] = {0.5, 0.9};
    CHECK(pcb__holm_adjust(big, 2, q) == 0);
    CHECK(q[0] == 1 && q[1] == 1);
}

static void test_norm_quantiles_round_trip(void)
{
    CHECK_NEAR(pcb__norm_isf(0.025), 1.959963984540054, 1e-12);
    CHECK_NEAR(pcb__norm_sf(1.959963984540054), 0.025, 1e-12);
}

int main(void)
{
    test_mwu_exact_fully_separated_3v3();
    test_mwu_exact_5v5();
    test_mwu_single_runs_give_p_one();
    test_mwu_exact_when_one_side_has_eight();
    test_mwu_exact_unequal_sizes();
    test_mwu_exact_3_against_400();
    test_mwu_asymptotic_when_both_above_eight();
    test_mwu_asymptotic_10v10();
    test_mwu_ties_use_corrected_normal();
    test_mwu_all_tied_gives_p_one();
    test_mwu_matches_golden_regressed_case();
    test_mwu_empty_side_has_no_p();
    test_exact_sf_is_a_distribution();
    test_bh_adjusts_step_up_and_skips_nan();
    test_bh_caps_at_one();
    test_min_n_for_alpha();
    test_median_odd_and_even();
    test_mean_sd_uses_n_minus_one();
    test_norm_quantiles_round_trip();
    test_wilcoxon_exact_9_all_positive();
    test_wilcoxon_exact_9_mixed();
    test_wilcoxon_exact_6_all_negative();
    test_wilcoxon_exact_centre_gives_p_one();
    test_wilcoxon_ties_use_approximation();
    test_wilcoxon_zeros_dropped();
    test_wilcoxon_60_pairs();
    test_wilcoxon_all_zero_gives_p_one();
    test_holm_steps_down_and_skips_nan();
    if (failures == 0)
        printf("all statistics tests passed\n");
    return failures ? 1 : 0;
}
