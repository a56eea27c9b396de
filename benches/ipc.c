/*
 * ipc.c - the IPC/ family (not yet measured: registers no case).
 */
#include "families.h"

int pcb_ipc_register(const struct pcb_options *o)
{
    (void)o;
    return 0;
}
