/*
 * support.h - small pieces the strategies share: futex waits (park, or spin then park), worker
 * placement, and reaping worker processes.
 *
 * Nothing here allocates. The futex helpers work on private futexes (threads of one process)
 * and shared ones (a MAP_SHARED mapping across processes); the flag says which.
 */
#ifndef PCB_SUPPORT_H
#define PCB_SUPPORT_H

#include <stdatomic.h>
#include <stdint.h>
#include <sys/types.h>
#include <time.h>

#include "runner.h"

/* How long wait:spin polls before it parks: about twice the cost of waking a thread parked on
 * the other CPU of the reference machine (25 us), so a hand-off that comes soon is caught. */
#define PCB__SPIN_NS 50000ULL

/* Values of the wait: variant, shared by every strategy that has one. */
enum pcb__wait_policy { PCB__WAIT_PARK = 0, PCB__WAIT_SPIN = 1 };
extern const char *const pcb__wait_values[2];

/* Sleeps while *addr == expected (or until `timeout`, relative, NULL for none). Returns 0, or
 * -ETIMEDOUT, -EINTR, -EAGAIN as the kernel said. */
int pcb__futex_wait(_Atomic uint32_t *addr, uint32_t expected, int private_,
                    const struct timespec *timeout);
/* Wakes up to n sleepers on addr. */
void pcb__futex_wake(_Atomic uint32_t *addr, int n, int private_);

/*
 * Waits until *addr != expected, by policy: PARK blocks on the futex at once; SPIN polls for
 * PCB__SPIN_NS first. `timeout_ms` (0: none) bounds each park so the caller can check liveness:
 * returns 0 when the word changed, -ETIMEDOUT when a park timed out.
 */
int pcb__wait_change(_Atomic uint32_t *addr, uint32_t expected, int private_,
                     enum pcb__wait_policy policy, unsigned timeout_ms);

/* Pins the calling thread as worker `i` under `pin`. Returns 0 or -errno; NONE does nothing. */
int pcb__pin_self(enum pcb_pin pin, unsigned i);

/*
 * Reaps pids[0..n): waits up to grace_ms for them to exit by themselves, then SIGKILLs and reaps
 * what is left. Entries become 0 once reaped; entries <= 0 are skipped.
 */
void pcb__reap(pid_t *pids, unsigned n, unsigned grace_ms);
/* Copies the live entries (> 0) of pids[0..n) into out[0..cap); returns how many. */
size_t pcb__live_pids(const pid_t *pids, unsigned n, pid_t *out, size_t cap);
/* Returns PCB_EWORKER (and zeroes its entry) when any of pids[0..n) has exited, else 0. */
int pcb__check_pids(pid_t *pids, unsigned n);

#endif
