/*
 * mpi.h - pcbench's side of the Distributed strategy: what pcbench_main() does under mpirun,
 * and the MPI family (Floor/mpi_pingpong, in registry.c's table as pcb_family_mpi). Both work
 * in a build without MPI, where they do nothing but say, when cases are listed, that
 * Distributed is not in this build.
 */
#ifndef PCB_FAMILIES_MPI_H
#define PCB_FAMILIES_MPI_H

/*
 * Called first thing in pcbench_main() with the arguments as given. Without mpirun it starts
 * nothing and returns -1: carry on. Under mpirun it starts MPI; ranks other than 0 serve tasks
 * until rank 0 tells them to stop, and the return value is their exit status. Rank 0 gets -1,
 * or 2 after one line on stderr when the job has several ranks and --benchmark_filter selects
 * cases other than Distributed/ and Floor/mpi_pingpong/ (forked pools have no place in an MPI
 * job). Rank 0 then ends the job itself at exit, whatever path pcbench_main() takes.
 */
int pcb_distributed_main(int argc, char **argv);

#endif
