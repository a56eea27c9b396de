/*
 * support.h - small pieces the strategies (and benches/, which times them) share: futex waits
 * (park, or spin then park), the CPUs a process may use and worker placement, and reaping
 * worker processes.
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
/* pcb__futex_wait() with a relative timeout in nanoseconds. */
int pcb__futex_wait_ns(_Atomic uint32_t *addr, uint32_t expected, int private_,
                       uint64_t timeout_ns);
/* Wakes up to n sleepers on addr. */
void pcb__futex_wake(_Atomic uint32_t *addr, int n, int private_);

/*
 * Waits until *addr != expected, by policy: PARK blocks on the futex at once; SPIN polls for
 * PCB__SPIN_NS first. `timeout_ms` (0: none) bounds each park so the caller can check liveness:
 * returns 0 when the word changed, -ETIMEDOUT when a park timed out.
 */
int pcb__wait_change(_Atomic uint32_t *addr, uint32_t expected, int private_,
                     enum pcb__wait_policy policy, unsigned timeout_ms);

/* Number of CPUs this process may run on (its affinity mask), at least 1. */
unsigned pcb_cpus_allowed(void);
/* The name of a pin value in case names and options: "none", "compact", "spread". */
const char *pcb_pin_name(enum pcb_pin pin);
/* The i-th CPU this process may run on, or -1 when there are not that many. */
int pcb__cpu_nth(unsigned i);
/* Pins the calling thread to `cpu`. Returns 0 or -errno (-EINVAL for a CPU that is no CPU). */
int pcb__pin_cpu(int cpu);
/* Pins the calling thread as worker `i` under `pin`: COMPACT on the first allowed CPU, SPREAD
 * on the (i mod n)-th of the n allowed ones. Returns 0 or -errno; NONE does nothing. */
int pcb__pin_self(enum pcb_pin pin, unsigned i);
/* The first call of every pool worker, thread or process: names the calling thread
 * "pcb-worker-<i>" (what top -H, ps -L and /proc/PID/task/TID/comm show, so a reader or a test
 * can tell a pool's workers from pcbench's other threads) and pins it as pcb__pin_self() does.
 * Returns pcb__pin_self()'s result; a name that cannot be set is no error. */
int pcb__worker_self(enum pcb_pin pin, unsigned i);

/*
 * Reaps pids[0..n): waits up to grace_ms for them to exit by themselves, then SIGKILLs and reaps
 * what is left. Entries become 0 once reaped; entries <= 0 are skipped.
 */
void pcb__reap(pid_t *pids, unsigned n, unsigned grace_ms);
/* Copies the live entries (> 0) of pids[0..n) into out[0..cap); returns how many. */
size_t pcb__live_pids(const pid_t *pids, unsigned n, pid_t *out, size_t cap);
/* How a worker process ended, as pcb__check_pids() found it. */
struct pcb__exit {
    unsigned index; /* its index in the pids array */
    pid_t pid;      /* its pid */
    int status;     /* wait status */
    uint64_t task;  /* the task it was running plus one, 0 when none or unknown */
};
/* The task worker `index` runs plus one (0: none), from the pool's own notes. */
typedef uint64_t (*pcb__note_fn)(void *ctx, unsigned index);
/*
 * Reaps every one of pids[0..n) that has exited (zeroing its entry) and returns PCB_EWORKER
 * when there was one, else 0. When ex is not NULL it says which worker died and how; when
 * several died (the watchdog kills them all), the one `note` says was running a task is chosen,
 * since that is the task to blame. `note` may be NULL.
 */
int pcb__check_pids(pid_t *pids, unsigned n, struct pcb__exit *ex, pcb__note_fn note, void *ctx);

/*
 * Explains a dead worker in cfg's `why` buffer (buf, len) in one line: "worker 2 (pid 4242) was
 * killed by signal 11 (SIGSEGV) while running task 17", from ex (ex->task: 0 for "between
 * tasks"); `what` replaces the task part when not NULL ("while running tasks 8, 15").
 */
void pcb__explain_exit(char *buf, size_t len, const struct pcb__exit *ex, const char *what);

#endif
