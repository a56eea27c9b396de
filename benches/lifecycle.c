/*
 * lifecycle.c - the Lifecycle/ family (not yet measured: registers no case).
 */
#include "families.h"

int pcb_lifecycle_register(const struct pcb_options *o)
{
    (void)o;
    return 0;
}
