/*
 * oneshot.h - `pcbench run ...`: one batch of one strategy on one workload, outside Google
 * Benchmark, with its resources and its speedup against Sequential.
 */
#ifndef PCB_ONESHOT_H
#define PCB_ONESHOT_H

/* argv[0] is "run". Returns the process exit status (0, 1 on a failed check, 2 on bad input). */
int pcb_oneshot_main(int argc, char **argv);

#endif
