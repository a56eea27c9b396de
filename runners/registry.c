/*
 * registry.c - the one list of strategies. Adding a strategy means adding its file and one line
 * here; the case matrix in benches/ crosses this list with the workload list.
 */
#include "runner.h"

#include <string.h>

extern const struct pcb_runner pcb_runner_sequential;
extern const struct pcb_runner pcb_runner_threaded;
extern const struct pcb_runner pcb_runner_multiprocess;
extern const struct pcb_runner pcb_runner_partitioned;
extern const struct pcb_runner pcb_runner_openmp;
extern const struct pcb_runner pcb_runner_masterworker;
extern const struct pcb_runner pcb_runner_async;
extern const struct pcb_runner pcb_runner_async_blocking;
extern const struct pcb_runner pcb_runner_hybrid;
#ifdef PCB_HAVE_MPI /* not const: its worker limit comes from the MPI job (distributed.c) */
extern struct pcb_runner pcb_runner_distributed;
#endif

static const struct pcb_runner *const runners[] = {
    &pcb_runner_sequential,  &pcb_runner_threaded,       &pcb_runner_multiprocess,
    &pcb_runner_partitioned, &pcb_runner_masterworker,   &pcb_runner_openmp,
    &pcb_runner_async,       &pcb_runner_async_blocking, &pcb_runner_hybrid,
#ifdef PCB_HAVE_MPI
    &pcb_runner_distributed,
#endif
};

const struct pcb_runner *const *pcb_runners(size_t *count)
{
    *count = sizeof(runners) / sizeof(runners[0]);
#ifdef PCB_HAVE_MPI
    /* Distributed comes last and exists only in an MPI job of 2 or more ranks. */
    if (pcb_runner_distributed.max_workers == 0)
        *count -= 1;
#endif
    return runners;
}

const struct pcb_runner *pcb_runner_find(const char *name)
{
    size_t n;
    const struct pcb_runner *const *all = pcb_runners(&n);

    for (size_t i = 0; i < n; i++)
        if (strcmp(all[i]->name, name) == 0)
            return all[i];
    return NULL;
}
