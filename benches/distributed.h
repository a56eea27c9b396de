/*
 * distributed.h - pcbench's side of the Distributed strategy: what main() does under mpirun,
 * and the Floor/mpi_pingpong case. Both work in a build without MPI, where they do nothing but
 * say, when cases are listed, that Distributed is not in this build.
 */
#ifndef PCB_BENCH_DISTRIBUTED_H
#define PCB_BENCH_DISTRIBUTED_H

#include "options.h"

/*
 * Called first thing in main() with the arguments as given. Without mpirun it starts nothing
 * and returns -1: carry on. Under mpirun it starts MPI; ranks other than 0 serve tasks until
 * rank 0 tells them to stop, and the return value is their exit status. Rank 0 gets -1, or 2
 * after one line on stderr when the job has several ranks and --benchmark_filter selects
 * cases other than Distributed/ and Floor/mpi_pingpong/ (forked pools have no place in an MPI
 * job). Rank 0 then ends the job itself at exit, whatever path main() takes.
 */
int pcb_distributed_main(int argc, char **argv);

/*
 * Registers Floor/mpi_pingpong/ranks:2 when this process is rank 0 of a job of 2 or more
 * ranks (the Distributed cases come from the case matrix). Otherwise, with
 * --benchmark_list_tests, says once on stderr why no Distributed case is there. Returns how
 * many cases it registered.
 */
int pcb_distributed_register(const struct pcb_options *o);

#endif
