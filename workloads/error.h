/*
 * error.h - the one error vocabulary of pcbench.
 *
 * Every function in workloads/, runners/ and benches/ returns 0 on success or a negative code:
 * either -errno from a failed system call, or one of the PCB_E* codes below, which live above
 * the errno range so the two never collide. pcb_strerror() names both kinds. The enum and the
 * messages come from one X-macro, so a code can never lack its message.
 */
#ifndef PCB_ERROR_H
#define PCB_ERROR_H

/* X(name, value, message). Values start at 10000, far above any errno. */
#define PCB_ERRNO_MAP(X)                                                                           \
    X(EMISMATCH, 10001, "result mismatch against the sequential reference")                        \
    X(EEARLY, 10002, "task finished before its wait was over (work was skipped)")                  \
    X(EWORKER, 10003, "a worker process died")                                                     \
    X(ETASK, 10004, "a task reported an error")                                                    \
    X(EPARAM, 10005, "parameter out of range")                                                     \
    X(EUNSUPPORTED, 10006, "not supported by this workload or runner")                             \
    X(EPROTO, 10007, "worker protocol violated")

enum pcb_errno {
#define PCB__ERR_ENUM(name, val, msg) PCB_##name = -(val),
    PCB_ERRNO_MAP(PCB__ERR_ENUM)
#undef PCB__ERR_ENUM
};

/* Returns a static string for any code returned by a pcb_ function (PCB_E* or -errno). */
const char *pcb_strerror(int err);

#endif
