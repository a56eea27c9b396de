/*
 * cases.h - the case matrix: every strategy crossed with every workload, in one place.
 *
 * pcb_cases_register() crosses the runner registry with the workload registry (and each
 * workload's parameter values, the task counts, worker counts and chunk sizes) and registers
 * one Google Benchmark case per combination. All cases run through one fixture, which prepares
 * the input once per workload and parameters (before any pool starts, so processes inherit it),
 * keeps the sequential reference of every task (computed once per input), gives every batch a
 * salt of its own and poisons its result before run(), and fails a case whose digest, task
 * count or task errors say the work was not done, whose result is stale (left untouched, or
 * replayed from an earlier batch), or whose waiting batch ended sooner than its waits allow
 * (docs/cases.md, "Checks").
 *
 * Each runner is also crossed with its own variant axes (runner->variants: queue:, backend:,
 * wait:, threads:), and with a few worker counts for its Lifecycle/<Strategy>/start case, which
 * times pool start-up (stop is paid in the same iteration but not timed).
 */
#ifndef PCB_CASES_H
#define PCB_CASES_H

#include <stddef.h>

#include "../../runners/runner.h"
#include "gbench.h"
#include "options.h"

/* One case of the matrix: a strategy, a workload with parameter values, and the axes. */
struct pcb_case_spec {
    const struct pcb_runner *runner;     /* the strategy */
    const struct pcb_workload *workload; /* the work */
    const uint64_t *values;              /* workload->nparams parameter values */
    unsigned workers;                    /* K (forced to 1 without PCB_RUNNER_WORKERS) */
    uint64_t tasks;                      /* N per batch */
    uint64_t chunk;                      /* tasks per hand-out (1 without PCB_RUNNER_CHUNK) */
    unsigned variant[PCB_MAX_VARIANTS];  /* index into each of runner->variants (0: default) */
};

/*
 * Registers one case through the common fixture and returns it (for further builder calls),
 * or NULL when out of memory. The matrix calls this for every combination; tests call it to
 * run a strategy of their own (a broken one, say) through exactly the same checks.
 */
pcb_gb_case *pcb_case_register(const struct pcb_case_spec *spec, const struct pcb_options *o);

/* Registers the matrix. Returns the number of cases, or a negative code. */
int pcb_cases_register(const struct pcb_options *o);
/* Frees every prepared input and every case registered here. Call after the run: the library
 * still lists the cases, and none of them may run again. */
void pcb_cases_release(void);

#endif
