/*
 * distributed.h - the MPI side of the Distributed strategy: the job's life, the serve loop of
 * ranks other than 0, and the ping-pong that Floor/mpi_pingpong measures.
 *
 * Only compiled when CMake found MPI (PCB_HAVE_MPI). MPI is started only when the environment
 * says the process was launched by mpirun (OMPI_COMM_WORLD_SIZE or PMIX_RANK); a plain
 * `./pcbench` never starts MPI, and the Distributed runner then accepts no workers and is left
 * out of the registry (registry.c), so the case matrix has none of its cases.
 *
 * Rank 0 runs Google Benchmark and is the master: the runner in distributed.c hands tasks to
 * ranks 1..K. Every other rank calls pcb_dist_serve() and never returns to Google Benchmark.
 *
 * The protocol (tags in distributed.c; every message is a fixed-size struct sent as bytes, so
 * every host must run the same build on the same architecture):
 *   master -> rank  PREPARE {workload name, parameter values, seed, timer slack}
 *   rank -> master  READY   {error, pid, host}       the rank built the input from those values
 *   master -> rank  RANGE   {first, count, salt}     run tasks [first, first + count)
 *   rank -> master  RESULT  {digest, done, failed, err, err_task}, one per RANGE
 *   master -> rank  RELEASE                          the pool stopped: free the input
 *   master -> rank  PING / rank -> master PONG       Floor/mpi_pingpong only
 *   master -> rank  STOP                             leave the serve loop, finalize, exit 0
 */
#ifndef PCB_DISTRIBUTED_H
#define PCB_DISTRIBUTED_H

#include <stdbool.h>
#include <stdint.h>

/*
 * Environment variable that makes pcbench ignore mpirun's environment and never start MPI. Rank
 * 0 sets it for itself once MPI runs, so a pcbench it executes (the case-listing child) is a
 * plain one.
 */
#define PCB_DIST_NO_MPI_ENV "PCB_DIST_NO_MPI"

/* Whether the environment says mpirun launched this process (and PCB_DIST_NO_MPI is unset). */
bool pcb_dist_launched(void);
/* The rank and size mpirun announced in the environment, before MPI_Init; -1 when absent. */
int pcb_dist_env_rank(void);
int pcb_dist_env_size(void);

/*
 * Starts MPI when pcb_dist_launched(), with errors returned rather than fatal. Returns this
 * process's rank (0 without mpirun, where nothing is started), or a negative code. On rank 0 it
 * also arranges, with atexit(), that every other rank is told to stop and MPI is finalized
 * however the process exits (or the job is aborted when a rank stopped answering).
 */
int pcb_dist_init(void);

/* Ranks in the job: 1 without mpirun. */
unsigned pcb_dist_ranks(void);

/*
 * Rank 0: every rank's host name in rank order, comma-separated ("node1,node2,node2"), and how
 * many distinct hosts the job spans; NULL and 0 outside an MPI job or when they could not be
 * gathered. Gathered once by pcb_dist_init(); the string lives as long as the process.
 */
const char *pcb_dist_rank_hosts(void);
unsigned pcb_dist_hosts(void);

/* Why the Distributed cases are not registered in this process, or NULL when they are. */
const char *pcb_dist_why_not(void);

/* Ranks other than 0: serves the master until STOP. Returns the process exit status. */
int pcb_dist_serve(void);

/*
 * Floor/mpi_pingpong, master side: round trips of one 8-byte message with rank 1, with plain
 * blocking MPI_Send and MPI_Recv. begin() and end() bracket a run; end() returns the number of
 * round trips rank 1 served. Each returns 0 or a negative code.
 */
int pcb_dist_pingpong_begin(void);
int pcb_dist_pingpong(void);
int pcb_dist_pingpong_end(uint64_t *served);

#endif
