/*
 * watchdog.h - the per-case watchdog (--pcb_case_timeout).
 *
 * A case is armed from its set-up to its tear-down. Every finished batch is progress; when
 * `timeout` seconds pass with no progress, the watchdog fires:
 *  1. it kills the case's worker processes (SIGKILL). A process pool then sees its workers die
 *     and its run() returns, the case fails as timed out (pcb_watchdog_fired() says so), the pool
 *     is stopped and reaped, and the run goes on with the next case and a new pool;
 *  2. when the case has not ended PCB_WATCHDOG_GRACE_S seconds later, the work is stuck in a
 *     thread, which cannot be killed: the watchdog reports the case as failed to the display and
 *     the result file (which stays valid JSON), kills and reaps every child process, and ends
 *     pcbench with exit status PCB_EXIT_STUCK.
 * The watchdog is one thread, started once before the first case; progress costs the measured
 * loop one relaxed store, outside the timed region.
 */
#ifndef PCB_WATCHDOG_H
#define PCB_WATCHDOG_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include <sys/types.h>

/* How long a fired watchdog waits for the case to end before it stops the run. */
#define PCB_WATCHDOG_GRACE_S 3
/* pcbench's exit status after a case hung in a thread and the run was stopped. */
#define PCB_EXIT_STUCK 3

/* Starts the watchdog thread; timeout_s == 0 starts nothing and every call below does nothing.
 * Returns 0 or -errno. */
int pcb_watchdog_start(uint64_t timeout_s);
/* Stops and joins the thread (at the end of the run). */
void pcb_watchdog_stop(void);

/* A case begins, or a fixture restarts the clock (after a long sequential reference): the
 * clock starts now and the list of processes to kill is cleared. pcb_watchdog_install() arms
 * it before every run of every case, so every family is watched; where a fixture reports no
 * batches, one run of the case (about --benchmark_min_time) is the unit of progress. */
void pcb_watchdog_arm(void);
/* The case's worker processes, to kill when the watchdog fires (copied; replaces the list). */
void pcb_watchdog_watch(const pid_t *pids, size_t n);
/* A batch finished at `now_ns` (CLOCK_MONOTONIC). */
void pcb_watchdog_progress(uint64_t now_ns);
/* Whether the watchdog fired during the current case (one relaxed load; no lock). */
bool pcb_watchdog_fired(void);
/* Whether a batch that took `batch_ns` ran past the timeout (false with no watchdog). The
 * watchdog's thread stops with the process (SIGSTOP, Ctrl-Z), and a batch may end before it
 * wakes and fires, so a fixture asks this of every batch besides pcb_watchdog_fired(). */
bool pcb_watchdog_overdue(uint64_t batch_ns);
/* The case ended; returns whether the watchdog fired during it (false when it was not armed). */
bool pcb_watchdog_disarm(void);
/* Adds the watchdog's hooks around every run of every case (pcb_gb_add_run_hooks): arm before,
 * disarm after, and fail a run the watchdog fired in that its fixture did not fail itself. */
void pcb_watchdog_install(void);
/* The timeout in seconds (0: no watchdog). */
uint64_t pcb_watchdog_timeout(void);

#endif
