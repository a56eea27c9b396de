/*
 * verify.h - how a batch's result is checked, one way for every caller that times batches: the
 * benchmark fixture (cases.c) and `pcbench run` (benches/cli/oneshot.c).
 *
 *  - Every batch carries its own non-zero salt (runners/runner.h, pcb_salted_digest()), so no
 *    batch's result is another's: a result replayed from an earlier batch, pool or strategy
 *    does not match.
 *  - *res holds pcb_poison before run(), so a run() that returns without writing its result,
 *    or without its counts, is told apart from one that ran the batch wrong.
 *  - Work that waits on a clock cannot finish a batch sooner than ceil(ok / concurrency) waits.
 */
#ifndef PCB_VERIFY_H
#define PCB_VERIFY_H

#include <stddef.h>
#include <stdint.h>

#include "runner.h"

/* What *res holds before every run(): values no batch can produce (more tasks done and failed
 * than any batch has). */
extern const struct pcb_batch_result pcb_poison;

/* The salt of batch `n` of a series whose salts start from `base`: never 0, which would leave
 * the digests unsalted. */
uint64_t pcb_batch_salt(uint64_t base, uint64_t n);

/* A base for pcb_batch_salt() that differs from run to run (the time and the process id). */
uint64_t pcb_salt_base_fresh(void);

/* The digest a batch of `tasks` tasks salted with `salt` must merge to: the salted digests of
 * the tasks that succeeded in the reference (digests[t], errs[t] as
 * pcb_workload_reference_tasks() fills them). O(tasks); computed outside the timed region. */
uint64_t pcb_batch_expected(const uint64_t *digests, const int *errs, uint64_t tasks,
                            uint64_t salt);

/* NULL when run() wrote its whole result; otherwise which part still holds pcb_poison ("its
 * result", "its done count", "its failed count"). */
const char *pcb_result_unwritten(const struct pcb_batch_result *res);

/* The least time a batch of `ok` waiting tasks can take when at most `concurrency` of them are
 * in flight and each waits at least `wait_ns`: ceil(ok / concurrency) * wait_ns. 0 (no bound)
 * when the work does not wait on a clock, or when the product does not fit. */
uint64_t pcb_wait_need_ns(uint64_t ok, uint64_t concurrency, uint64_t wait_ns);

/* The floor a batch is held to: pcb_wait_need_ns() less 1%. Every wait checks the clock before
 * it ends (pcb_sleep_ns(), pcb_wait_timer_over()), so on one host a wait can only end late and
 * the bound holds exactly; the 1% covers the clocks of other hosts (Distributed), which NTP
 * slews by at most 0.05%. */
uint64_t pcb_wait_floor_ns(uint64_t need_ns);

#endif
