/*
 * summary.h - the table printed after a console run: per workload, each strategy's median
 * batch time with its speedup and efficiency against Sequential on the same input and task
 * count, cores used and peak RSS; then the Floor/ figures. Built from the runs the library
 * reports, so it shows exactly what was measured.
 */
#ifndef PCB_SUMMARY_H
#define PCB_SUMMARY_H

#include "gbench.h"

/* pcb_gb_run_cb: records one reported run. */
void pcb_summary_collect(const struct pcb_gb_run_info *run, void *ctx);
/* Prints the table to stdout and frees what was collected. */
void pcb_summary_print(void);

#endif
