/*
 * oneshot.h - `pcbench run ...`: one batch of one strategy on one workload, outside Google
 * Benchmark, with its resources and its speedup against Sequential.
 */
#ifndef PCB_ONESHOT_H
#define PCB_ONESHOT_H

#include <stddef.h>

/* argv[0] is "run". Returns the process exit status (0, 1 on a failed check, 2 on bad input). */
int pcb_oneshot_main(int argc, char **argv);

/* The same, with `nextra` runners besides the registered ones that --strategy may name (the
 * trust tests' liars: a result pcbench run did not check would pass as a speedup). */
struct pcb_runner;
int pcb_oneshot_main_with(int argc, char **argv, const struct pcb_runner *const *extra,
                          size_t nextra);

#endif
