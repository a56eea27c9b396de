/*
 * progress.h - "case k of N, elapsed, about this much left" on stderr during a long run, only
 * when stderr is a terminal; nothing at all otherwise, so files and pipes stay clean.
 */
#ifndef PCB_PROGRESS_H
#define PCB_PROGRESS_H

#include <stddef.h>

/*
 * Counts the cases the run will execute by listing them with a child pcbench (same arguments
 * plus --benchmark_list_tests, and without --benchmark_out), and starts the clock. Returns 0
 * when progress will be shown, -1 when not (stderr is not a terminal, or counting failed).
 */
int pcb_progress_start(char *const *argv_original);

/* pcb_gb_case_cb: NULL clears the line before the library prints; a name counts a case. */
void pcb_progress_case(const char *run_name, void *ctx);

/* Clears the progress line at the end of the run. */
void pcb_progress_end(void);

/* Cases finished so far, counted whether or not progress is shown (async-signal-safe). */
size_t pcb_progress_done(void);

#endif
