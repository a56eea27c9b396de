/*
 * registry.c - the one list of case families. Adding a family means adding its file and one
 * line here; pcbench_main() registers and documents whatever this list holds.
 */
#include "family.h"

extern const struct pcb_family pcb_family_floor;
extern const struct pcb_family pcb_family_ipc;
extern const struct pcb_family pcb_family_lifecycle;
extern const struct pcb_family pcb_family_mpi;

static const struct pcb_family *const families[] = {
    &pcb_family_floor,     /* the machine's own floor, which the others are read against */
    &pcb_family_ipc,       /* shared memory versus message passing */
    &pcb_family_lifecycle, /* create, pause, resume, terminate */
    &pcb_family_mpi,       /* the MPI ping-pong floor, under mpirun only */
};

const struct pcb_family *const *pcb_families(size_t *count)
{
    *count = sizeof(families) / sizeof(families[0]);
    return families;
}
