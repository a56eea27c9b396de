/*
 * family.h - the contract for a case family: a group of cases besides the strategy x workload
 * matrix (Floor/, IPC/, Lifecycle/, the MPI floor).
 *
 * A family is a `const struct pcb_family` exported by its file in benches/families/ and listed
 * once in registry.c; pcbench_main() walks that list to register every family's cases and to
 * print their help, so adding a family is a file and a line. A family registers its cases
 * through the harness (gbench.h) and reads pcbench's options; it knows nothing of the command
 * line.
 */
#ifndef PCB_FAMILY_H
#define PCB_FAMILY_H

#include <stddef.h>
#include <stdio.h>

#include "../harness/options.h"

struct pcb_family {
    const char *name; /* "Floor": the first part of its case names */
    /* Registers the family's cases for these options (once, before the run). Returns how many
     * it registered (0 is fine: a family may have nothing for this machine or build), or a
     * negative code. */
    int (*register_cases)(const struct pcb_options *o);
    /* Prints the family's part of --help: its case names and what this machine or build leaves
     * out. Writes to f; never fails. */
    void (*help)(FILE *f);
};

/* The registry: every family, in the order their cases are registered and listed. */
const struct pcb_family *const *pcb_families(size_t *count);

#endif
