/*
 * scaling.c - the scaling model of every sweep: for each group (one input) and each series in
 * it (a strategy with its variants) with results at two or more worker counts, the points
 * (the group's axis: worker count, or tasks in flight on waiting work; tasks per second) and a fit
 * of the Universal Scalability Law (usl.h), projected to 2x and 4x the CPUs the run could use when
 * the fit is good. A sweep of fewer than PCB_USL_MIN_POINTS points, or a flat or poorly fitted one,
 * keeps its verdict and no projection: on a machine of two CPUs the sweeps are short, and the
 * report says so rather than projecting with false confidence.
 */
#define _GNU_SOURCE
#include "report.h"

#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

/* Tasks per second of c: its items_per_second counter, else tasks over the median time. */
static double throughput(const struct pcb_rp_case *c)
{
    double ips = pcb_rp_counter(c, "items_per_second");

    if (!isnan(ips) && ips > 0)
        return ips;
    return c->tasks && c->median_ns > 0 ? (double)c->tasks * 1e9 / c->median_ns : NAN;
}

/* The points of series s of g into sc: one per axis value, ascending; the first case at a
 * value wins (a series holds one case per worker count). */
static void collect(const struct pcb_rp_group *g, const char *series, struct pcb_rp_scaling *sc)
{
    for (size_t i = 0; i < g->ncases && !sc->first; i++) {
        const struct pcb_rp_case *c = g->cases[i];
        if (strcmp(c->series, series) == 0 && !c->failed && c->median_ns > 0)
            sc->first = c;
    }
    /* The group's axis (model.c): tasks in flight on waiting work, workers otherwise. */
    sc->axis = sc->first && sc->first->waiting ? "concurrency" : "workers";
    for (size_t i = 0; i < g->ncases && sc->npoints < PCB_RP_USL_MAXP; i++) {
        const struct pcb_rp_case *c = g->cases[i];
        if (strcmp(c->series, series) != 0 || c->failed || c->median_ns <= 0)
            continue;
        double n = (double)c->at;
        double x = throughput(c);
        size_t at = 0;
        if (!(n >= 1) || isnan(x))
            continue;
        while (at < sc->npoints && sc->n[at] < n)
            at++;
        if (at < sc->npoints && sc->n[at] == n)
            continue;
        memmove(&sc->n[at + 1], &sc->n[at], (sc->npoints - at) * sizeof(double));
        memmove(&sc->x[at + 1], &sc->x[at], (sc->npoints - at) * sizeof(double));
        sc->n[at] = n;
        sc->x[at] = x;
        sc->npoints++;
    }
}

int pcb_rp_scaling_build(struct pcb_rp_report *r, char *err)
{
    size_t cap = 0;

    for (size_t k = 0; k < r->ngroups; k++)
        cap += r->groups[k].nseries;
    if (cap == 0)
        return 0;
    if (!(r->scalings = calloc(cap, sizeof(*r->scalings)))) {
        snprintf(err, PCB_RP_ERRLEN, "out of memory");
        return -1;
    }
    for (size_t k = 0; k < r->ngroups; k++) {
        const struct pcb_rp_group *g = &r->groups[k];
        for (size_t s = 0; s < g->nseries; s++) {
            struct pcb_rp_scaling *sc = &r->scalings[r->nscalings];
            *sc = (struct pcb_rp_scaling){.group = g, .series = g->series[s]};
            collect(g, g->series[s], sc);
            if (sc->npoints < 2)
                continue; /* Sequential, or a single worker count: no sweep */
            pcb_usl_fit(sc->n, sc->x, sc->npoints, &sc->fit);
            sc->proj2 = sc->proj4 = NAN;
            if (sc->fit.status == PCB_USL_OK && r->cpus) {
                sc->proj2 = pcb_usl_eval(&sc->fit, 2.0 * r->cpus);
                sc->proj4 = pcb_usl_eval(&sc->fit, 4.0 * r->cpus);
            }
            r->nscalings++;
        }
    }
    return 0;
}

const struct pcb_rp_scaling *pcb_rp_scaling_of(const struct pcb_rp_report *r,
                                               const struct pcb_rp_group *g, const char *series)
{
    for (size_t i = 0; i < r->nscalings; i++)
        if (r->scalings[i].group == g && strcmp(r->scalings[i].series, series) == 0)
            return &r->scalings[i];
    return NULL;
}
