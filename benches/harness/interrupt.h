/*
 * interrupt.h - what SIGINT, SIGTERM and SIGHUP do to a run.
 *
 * The result file is always a complete document of the cases finished so far (the shim
 * rewrites it atomically after each case, with these signals blocked while it writes), so an
 * interrupt loses only the case that was running. The handler, in pcbench's own process:
 *   1. unlinks the shared-memory objects and message queues whose names were being created
 *      (runners/names.h); every other name of pcbench's is unlinked already;
 *   2. kills (SIGKILL) and reaps every child process: pool workers, IPC peers, IO.net's server,
 *      the Lifecycle/ children. It makes pcbench a child subreaper first, so the children of a
 *      child (orphaned when it dies) come to pcbench and are reaped too: when pcbench's exit
 *      status is seen, no process it started is left, not even a zombie;
 *   3. removes the result file's temporary file `<file>.partial.<pid>` if there is one (with
 *      the signals blocked while the file is written, there is none, but a crash may leave
 *      one);
 *   4. says on stderr how many cases the result file keeps (a device or FIFO gets its one
 *      document when a run ends, so it has none);
 *   5. ends the process by the same signal, so the exit status says it was interrupted (130
 *      for Ctrl-C and 143 for SIGTERM, in a shell).
 * The handler does all of this on the main thread (which runs the cases and writes the file): a
 * signal taken by another thread is passed on to the main thread. Every forked child gets the
 * default action back (a pthread_atfork child hook), so it just dies by the signal (and every
 * pool's processes also ask for PR_SET_PDEATHSIG).
 */
/*
 * The same handler steps run for a crash of pcbench's own process (SIGSEGV, SIGBUS, SIGFPE,
 * SIGILL, SIGABRT in any thread: a task crashing on a thread strategy): the message names the
 * case that was running and what the result file keeps, then the process dies of the signal
 * with its default action. Forked children get the default actions back for these too.
 */
#ifndef PCB_INTERRUPT_H
#define PCB_INTERRUPT_H

/*
 * A stop is no interrupt, but it spoils a measurement: SIGSTOP or Ctrl-Z (SIGTSTP) and a later
 * SIGCONT put the time stopped into whatever was being timed. The handlers installed here count
 * every SIGCONT (and nothing else), so a case can tell whether the process was stopped while it
 * ran.
 */

/* Installs the handlers. `out_path` is the result file as given, or NULL. Returns 0 or -errno.
 * Call it before the run starts anything (a child, a file) that an interrupt must clean up. */
int pcb_interrupt_install(const char *out_path);

/* How often the process was continued after a stop since the handlers were installed. One
 * relaxed atomic load. */
unsigned long pcb_interrupt_stops(void);

/* Adds run hooks (gbench.h) that fail a run of any case during which the process was stopped:
 * its times include the stop. Add them after the watchdog's, so their verdict is the one
 * given when both apply. */
void pcb_interrupt_watch_stops(void);

/* Steps 1 and 2 of the handler, for a run that ends early by other means (the watchdog, when a
 * case is stuck in a thread): unlinks the marked names, kills and reaps every child. */
void pcb_interrupt_cleanup(void);

#endif
