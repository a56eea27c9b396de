/*
 * ipc_shared.h - IPC/shm_<mutex|atomic|per_worker>/...: shared memory between K workers, the
 * other half of the IPC/ family (ipc.c registers both halves).
 */
#ifndef PCB_IPC_SHARED_H
#define PCB_IPC_SHARED_H

#include "../harness/options.h"

/* Registers the shared-counter and shared-list cases; returns how many, or a negative code. */
int pcb__ipc_shared_register(const struct pcb_options *o);

#endif
