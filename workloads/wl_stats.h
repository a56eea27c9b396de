/*
 * wl_stats.h - extra counters a workload can report about one case.
 *
 * IO.net (attempts, retries, faults seen, the server's CPU) and Mem.alloc (the allocator's own
 * byte counts) know things about a case that the fixture's generic counters cannot measure.
 * Each such workload offers a function of the shape below; the bench fixture calls it after
 * case_teardown() and reports every entry as a counter of that name.
 */
#ifndef PCB_WL_STATS_H
#define PCB_WL_STATS_H

#include <stddef.h>
#include <stdint.h>

/* One counter: a name as it appears in the results, and its value for the case. */
struct pcb_wl_stat {
    const char *name; /* static string, e.g. "net_retries_per_task" */
    double value;     /* its value over the whole case */
};

/* The most counters one workload reports. */
#define PCB_WL_MAX_STATS 8

struct pcb_input;

/*
 * The shape of a workload's counter function: fills out[0..cap) with its counters for the case
 * that just ended (`tasks_run` tasks were run in it, all batches together) and returns how many
 * it wrote. Called after case_teardown(), in the process that prepared the input.
 */
typedef size_t (*pcb_wl_stats_fn)(const struct pcb_input *in, uint64_t tasks_run,
                                  struct pcb_wl_stat *out, size_t cap);

/* IO.net's and Mem.alloc's counter functions. */
size_t pcb_wl_net_case_stats(const struct pcb_input *in, uint64_t tasks_run,
                             struct pcb_wl_stat *out, size_t cap);
size_t pcb_wl_alloc_case_stats(const struct pcb_input *in, uint64_t tasks_run,
                               struct pcb_wl_stat *out, size_t cap);

#endif
