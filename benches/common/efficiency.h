/*
 * efficiency.h - the one definition of parallel efficiency, shared by the console summary,
 * `pcbench run` and pcbench-report, so the three never disagree.
 *
 * Efficiency is speedup divided by what could at best have given it:
 *  - CPU work (and Empty): speedup / min(workers, CPUs). Workers past the CPU count share CPUs
 *    and cannot add speed, so oversubscription is not counted as waste twice;
 *  - waiting work: speedup / concurrency, the most tasks in flight. A batch of waits cannot end
 *    faster than ceil(N / concurrency) waits, so this is at most about 1 whatever the workers
 *    are (threads, processes, tasks in flight on an event loop, or Hybrid's P x T x depth).
 * Nothing here allocates or keeps state.
 */
#ifndef PCB_EFFICIENCY_H
#define PCB_EFFICIENCY_H

#include <stdbool.h>

/*
 * Returns the efficiency of a case with `speedup` over Sequential: speedup / concurrency when
 * `waiting`, else speedup / min(workers, cpus) (cpus 0: unknown, workers alone). NAN when the
 * divisor is not positive or the speedup is NAN.
 */
double pcb_efficiency(double speedup, bool waiting, double workers, double concurrency,
                      double cpus);

/* The divisor pcb_efficiency() uses, for labels: concurrency, or min(workers, cpus). */
double pcb_efficiency_divisor(bool waiting, double workers, double concurrency, double cpus);

#endif
