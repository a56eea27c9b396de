/*
 * test_usl.c - the Universal Scalability Law fit of pcbench-report (compare/report/usl.c).
 *
 * Data generated from known sigma, kappa and gamma, with multiplicative noise from a fixed
 * seed, at the worker counts a sweep has; the fit must recover the parameters (tolerances in
 * each case, wider with more noise). Then the refusals: too few points, flat data, noise without
 * a trend, repeated worker counts and non-positive throughput.
 */
#include <math.h>
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>

#include <cmocka.h>

#include "usl.h"

/* A reproducible uniform number in [-1, 1). */
static double noise(uint64_t *state)
{
    uint64_t x = (*state += 0x9e3779b97f4a7c15ULL);
    x = (x ^ (x >> 30)) * 0xbf58476d1ce4e5b9ULL;
    x = (x ^ (x >> 27)) * 0x94d049bb133111ebULL;
    x ^= x >> 31;
    return (double)(x >> 11) / (double)(1ULL << 52) - 1.0;
}

/* x[i] = X(n[i]) of (sigma, kappa, gamma), times (1 + amp * noise). */
static void generate(const double *n, double *x, size_t k, double sigma, double kappa, double gamma,
                     double amp, uint64_t seed)
{
    for (size_t i = 0; i < k; i++)
        x[i] = gamma * n[i] / (1 + sigma * (n[i] - 1) + kappa * n[i] * (n[i] - 1)) *
               (1 + amp * noise(&seed));
}

static const double sweep[] = {1, 2, 4, 8, 16, 32, 64, 128};
#define NSWEEP (sizeof(sweep) / sizeof(sweep[0]))

static void recovers_exact_parameters(void **state)
{
    (void)state;
    const double cases[][3] = {
        {0.05, 0.0001, 1000}, {0.2, 0.002, 50}, {0.01, 0, 1e6}, {0.5, 0.01, 3}};
    for (size_t c = 0; c < sizeof(cases) / sizeof(cases[0]); c++) {
        double x[NSWEEP];
        struct pcb_usl u;
        generate(sweep, x, NSWEEP, cases[c][0], cases[c][1], cases[c][2], 0, 1);
        assert_int_equal(pcb_usl_fit(sweep, x, NSWEEP, &u), 0);
        assert_int_equal(u.status, PCB_USL_OK);
        assert_true(fabs(u.sigma - cases[c][0]) < 1e-4);
        assert_true(fabs(u.kappa - cases[c][1]) < 1e-6);
        assert_true(fabs(u.gamma / cases[c][2] - 1) < 1e-4);
        assert_true(u.r2 > 0.999999);
        if (cases[c][1] > 0)
            assert_true(fabs(u.peak - sqrt((1 - cases[c][0]) / cases[c][1])) / u.peak < 1e-2);
        else
            assert_true(isinf(u.peak));
        assert_true(fabs(pcb_usl_eval(&u, 1) / cases[c][2] - 1) < 1e-3);
    }
}

static void recovers_parameters_through_noise(void **state)
{
    (void)state;
    /* 2% noise, ten seeds: sigma within 0.03 and kappa within 40% of its value. */
    for (uint64_t seed = 1; seed <= 10; seed++) {
        double x[NSWEEP];
        struct pcb_usl u;
        generate(sweep, x, NSWEEP, 0.1, 0.001, 200, 0.02, seed);
        assert_int_equal(pcb_usl_fit(sweep, x, NSWEEP, &u), 0);
        assert_int_equal(u.status, PCB_USL_OK);
        assert_true(fabs(u.sigma - 0.1) < 0.03);
        assert_true(fabs(u.kappa - 0.001) < 0.0004);
        assert_true(fabs(u.gamma / 200 - 1) < 0.05);
        assert_true(u.r2 > 0.95);
        assert_true(u.peak > 20 && u.peak < 45); /* sqrt(0.9 / 0.001) = 30 */
    }
}

static void a_sweep_of_this_machine(void **state)
{
    (void)state;
    /* Four points, 1..4 workers, as on 2 cores: a linear rise to 2, then flat. */
    const double n[] = {1, 2, 3, 4};
    const double x[] = {100, 196, 198, 197};
    struct pcb_usl u;
    assert_int_equal(pcb_usl_fit(n, x, 4, &u), 0);
    assert_true(u.sigma >= 0 && u.sigma <= 1 && u.kappa >= 0 && u.kappa <= 1);
    assert_true(u.status == PCB_USL_OK || u.status == PCB_USL_POOR);
    assert_int_equal(u.npoints, 4);
}

static void refuses_too_few_points(void **state)
{
    (void)state;
    const double n[] = {1, 2, 4};
    const double x[] = {10, 19, 35};
    struct pcb_usl u;
    assert_int_equal(pcb_usl_fit(n, x, 3, &u), -1);
    assert_int_equal(u.status, PCB_USL_TOO_FEW);
    assert_true(isnan(u.sigma) && isnan(u.kappa) && isnan(u.r2));
}

static void refuses_flat_data(void **state)
{
    (void)state;
    const double x[NSWEEP] = {100, 100.5, 99.8, 100.2, 100.1, 99.9, 100.3, 100};
    struct pcb_usl u;
    assert_int_equal(pcb_usl_fit(sweep, x, NSWEEP, &u), -1);
    assert_int_equal(u.status, PCB_USL_FLAT);
    assert_true(isnan(u.gamma));
}

static void noise_without_a_trend_is_a_poor_fit(void **state)
{
    (void)state;
    /* Throughput that jumps about with no relation to the worker count. */
    const double x[NSWEEP] = {100, 300, 90, 280, 120, 310, 95, 260};
    struct pcb_usl u;
    assert_int_equal(pcb_usl_fit(sweep, x, NSWEEP, &u), 0);
    assert_int_equal(u.status, PCB_USL_POOR);
    assert_true(u.r2 < PCB_USL_MIN_R2);
}

static void refuses_unusable_points(void **state)
{
    (void)state;
    const double n[] = {1, 2, 2, 4};
    const double x[] = {10, 19, 19, 35};
    const double n2[] = {1, 2, 3, 4};
    const double x2[] = {10, 0, 19, 35};
    const double x3[] = {10, NAN, 19, 35};
    struct pcb_usl u;
    assert_int_equal(pcb_usl_fit(n, x, 4, &u), -1);
    assert_int_equal(u.status, PCB_USL_BAD);
    assert_int_equal(pcb_usl_fit(n2, x2, 4, &u), -1);
    assert_int_equal(u.status, PCB_USL_BAD);
    assert_int_equal(pcb_usl_fit(n2, x3, 4, &u), -1);
    assert_int_equal(u.status, PCB_USL_BAD);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(recovers_exact_parameters),
        cmocka_unit_test(recovers_parameters_through_noise),
        cmocka_unit_test(a_sweep_of_this_machine),
        cmocka_unit_test(refuses_too_few_points),
        cmocka_unit_test(refuses_flat_data),
        cmocka_unit_test(noise_without_a_trend_is_a_poor_fit),
        cmocka_unit_test(refuses_unusable_points),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
