/*
 * interrupt.h - what SIGINT, SIGTERM and SIGHUP do to a run.
 *
 * The result file is always a complete document of the cases finished so far (the shim
 * rewrites it atomically after each case), so an interrupt loses only the case that was
 * running. The handler removes the half-written `.partial` file if there is one, says on stderr
 * how many cases the result file keeps, and ends the process by the same signal, so the exit
 * status says it was interrupted (130 for Ctrl-C in a shell). Worker processes end with it:
 * every pool's processes ask for PR_SET_PDEATHSIG. A forked worker that inherited the handler
 * just dies by the signal.
 */
#ifndef PCB_INTERRUPT_H
#define PCB_INTERRUPT_H

/* Installs the handlers. `out_path` is the result file or NULL. Returns 0 or -errno. */
int pcb_interrupt_install(const char *out_path);

#endif
