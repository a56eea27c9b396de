/*
 * families.h - the case families besides the strategy x workload matrix. Each registers its
 * cases with Google Benchmark and returns how many, or a negative code.
 *
 *   Floor/      the machine's own floor (floor.c)
 *   IPC/        shared memory versus message passing, threads and processes (ipc.c)
 *   Lifecycle/  create, pause, resume, terminate processes and threads (lifecycle.c)
 */
#ifndef PCB_FAMILIES_H
#define PCB_FAMILIES_H

#include "options.h"

int pcb_floor_register(const struct pcb_options *o);
int pcb_ipc_register(const struct pcb_options *o);
int pcb_lifecycle_register(const struct pcb_options *o);
/* Prints what the IPC/ and Lifecycle/ families register and what this machine skips (--help). */
void pcb_ipc_help(void);

#endif
