/*
 * determinism.h - the check that a workload's digests depend only on (parameters, seed, task).
 */
#ifndef PCB_DETERMINISM_H
#define PCB_DETERMINISM_H

#include <stddef.h>
#include <stdint.h>

#include "../../workloads/workload.h"

/*
 * Whether wl's digests depend only on (parameters, seed, task): runs task 0 on `in` (the input
 * prepared from `values` and `seed`) in the calling thread, again in the calling thread, once
 * more in a new thread, and, for a user's workload without case_setup(), on a second input
 * prepared from the same values. Returns 0, or PCB_EMISMATCH with one line in why[0..cap)
 * ("User.x is not deterministic: ..."). A failing task or prepare() passes: the case reports
 * those itself.
 */
int pcb_workload_check_deterministic(const struct pcb_workload *wl, const uint64_t *values,
                                     uint64_t seed, const struct pcb_input *in, char *why,
                                     size_t cap);

#endif
