/*
 * liars.h - the test-only runners of the trust tests (liars.c).
 *
 * Each liar is wrong in exactly one way that the fixture must catch: it returns an earlier
 * batch's result, or leaves the result (or its counts) as it found it, or skips the last task,
 * or does not salt its digests, or cuts a task's wait short (by clearing the deadline the
 * workload gave it, or by re-arming the timer at zero). TrustHonest has the same shape and does
 * everything right: it is the control that shows the checks do not fail honest work. All of
 * them run tasks one after another in the caller's thread, one worker.
 */
#ifndef PCB_TEST_LIARS_H
#define PCB_TEST_LIARS_H

#include "runner.h"

extern const struct pcb_runner pcb_liar_honest;         /* TrustHonest: the control */
extern const struct pcb_runner pcb_liar_replay;         /* returns batch 1's result again */
extern const struct pcb_runner pcb_liar_untouched;      /* returns 0, *res untouched */
extern const struct pcb_runner pcb_liar_digest_only;    /* writes the digest, not the counts */
extern const struct pcb_runner pcb_liar_skip_last;      /* never runs task N-1 */
extern const struct pcb_runner pcb_liar_unsalted;       /* merges the unsalted digests */
extern const struct pcb_runner pcb_liar_clear_deadline; /* clears the wait's deadline */
extern const struct pcb_runner pcb_liar_early_finish;   /* re-arms the timer at zero */

#endif
