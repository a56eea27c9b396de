/*
 * evloop.h - one single-threaded event loop over a workload's asynchronous form, shared by
 * Async, AsyncBlocking and Hybrid.
 *
 * The loop keeps up to `capacity` tasks in flight. A task is begun with the workload's start(),
 * which names what it waits on (a descriptor to become readable, a CLOCK_MONOTONIC deadline, or
 * both); the loop finishes it with finish() once every named condition holds, never before.
 * Deadlines sit in a user-space binary min-heap, and the whole loop blocks in one system call
 * per round whose timeout is the earliest deadline: epoll_pwait2() for the epoll backend,
 * io_uring_submit_and_wait_timeout() for the io_uring backend (which also watches descriptors
 * with one-shot IORING_OP_POLL_ADD requests). Work without an asynchronous form, and every task
 * in blocking mode, runs inline with run(), so the loop then is a plain sequential loop.
 *
 * Everything the loop needs is allocated by pcb__loop_init(); pcb__loop_run() allocates nothing.
 * A loop belongs to one thread at a time.
 */
#ifndef PCB_EVLOOP_H
#define PCB_EVLOOP_H

#include <stdint.h>

#include "dispatch.h"

enum pcb__backend { PCB__BACKEND_EPOLL = 0, PCB__BACKEND_URING = 1 };
extern const char *const pcb__backend_values[2];

struct pcb__loop;

/*
 * Hands the loop its next range of tasks: returns 1 and [*first, *end) (non-empty), or 0 when
 * the batch has no more. Called from the loop's thread.
 */
typedef int (*pcb__claim_fn)(void *ctx, uint64_t *first, uint64_t *end);

/*
 * Builds a loop for `capacity` tasks in flight over wl/in. `blocking` makes every task run
 * inline with run() (the falsely asynchronous loop). Returns 0 and *out, or a negative code with
 * nothing left behind; when the kernel refuses the backend, `cfg->why` says so.
 */
int pcb__loop_init(const struct pcb_pool_config *cfg, unsigned capacity, enum pcb__backend backend,
                   int blocking, struct pcb__loop **out);
/* Frees the loop and closes its descriptors. Accepts NULL. */
void pcb__loop_close(struct pcb__loop *l);

/*
 * Runs tasks from `claim` until it has no more and nothing is in flight, accumulating into
 * *acc each task's digest salted with `salt` (pcb_salted_digest()). Returns 0, or a negative
 * code when the loop itself failed (tasks in flight are then abandoned; the pool is broken).
 */
int pcb__loop_run(struct pcb__loop *l, pcb__claim_fn claim, void *ctx, uint64_t salt,
                  struct pcb__slot *acc);

#endif
