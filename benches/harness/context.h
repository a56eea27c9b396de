/*
 * context.h - pcbench's keys in the JSON "context" (version, commit, compiler, build type,
 * allocator, virtualisation, CPU affinity, the Google Benchmark library's debug build, timer
 * slack). Call after the options are parsed and the timer slack set, before the run.
 */
#ifndef PCB_CONTEXT_H
#define PCB_CONTEXT_H

#include "options.h"

void pcb_context_add(const struct pcb_options *o);

#endif
