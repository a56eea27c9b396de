/*
 * lifecycle.c - the Lifecycle/ family: what creating, pausing, resuming and ending a process or
 * a thread costs, each step observed done before the next begins.
 *
 *   Lifecycle/process/create        fork(); the child _exit()s; waitpid() reaps it
 *   Lifecycle/process/spawn         posix_spawn() of pcbench-spawn-child, then waitpid()
 *   Lifecycle/thread/create         pthread_create() + pthread_join()
 *   Lifecycle/process/pause_resume  SIGSTOP, seen stopped (waitpid WUNTRACED), SIGCONT, seen
 *                                   running again (waitpid WCONTINUED)
 *   Lifecycle/thread/pause_resume   close a gate, see the thread parked on it; open it, see the
 *                                   thread running and making progress again
 *   Lifecycle/process/terminate     SIGTERM to a ready child until it is reaped (manual time:
 *                                   the fork before it is not timed)
 *   Lifecycle/process/pool_stop/workers:K  graceful stop of K ready worker processes: close
 *                                   their command pipe, each sees end of file and exits 0, all
 *                                   reaped (manual time: starting the pool is not timed)
 *
 * Every step checks its outcome (exit status, stop and continue reports, the thread's flags);
 * anything else fails the case. Children set PR_SET_PDEATHSIG and are always reaped, also when
 * a case fails. Labels name the Floor/ case each is read against: Floor/pipe_pingpong/processes
 * for processes, Floor/futex_pingpong/threads for threads. Lifecycle/<Strategy>/start (pool cold
 * start per strategy) belongs to the strategy matrix, not here.
 */
#define _GNU_SOURCE
#include <dlfcn.h>
#include <errno.h>
#include <fcntl.h>
#include <libgen.h>
#include <limits.h>
#include <pthread.h>
#include <signal.h>
#include <spawn.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <sys/wait.h>
#include <unistd.h>

#include "../../workloads/workload.h"
#include "family.h"
#include "../harness/gbench.h"
#include "ipc_chan.h"
#include "ipc_peer.h"
#include "../../runners/support.h"

#define CHILD_STATUS 42 /* what created children exit with, so the parent can tell */
#define FLOOR_PROC "Floor/pipe_pingpong/processes"
#define FLOOR_THREAD "Floor/futex_pingpong/threads"
#define MAX_POOL 64

extern char **environ;

static pid_t wait_pid(pid_t pid, int *status, int flags)
{
    pid_t r;

    while ((r = waitpid(pid, status, flags)) == -1 && errno == EINTR)
        ;
    return r;
}

static void lc_process_create(pcb_gb_state *st, void *arg)
{
    int bad = 0, status = 0;

    (void)arg;
    pcb_gb_set_label(st, FLOOR_PROC);
    while (!bad && pcb_gb_keep_running(st)) {
        pid_t pid = pcb__fork_child();
        if (pid == 0)
            _exit(CHILD_STATUS);
        if (pid < 0 || wait_pid(pid, &status, 0) != pid || !WIFEXITED(status) ||
            WEXITSTATUS(status) != CHILD_STATUS)
            bad = pid < 0 ? 1 : 2;
    }
    if (bad)
        pcb_gb_skip_with_error(st, bad == 1 ? "fork failed" : "child did not exit with its status");
}

/*
 * pcbench-spawn-child: next to the running program (pcbench, built or installed); else, for a
 * program of the user's own linked with libpcbench.so, in the installation's bin/ folder, found
 * from where the library itself lies (PCB_SPAWN_CHILD_FROM_LIB: bin/ relative to lib/).
 */
static int spawn_child_path(char *buf, size_t len)
{
    char exe[PATH_MAX];
    ssize_t k = readlink("/proc/self/exe", exe, sizeof(exe) - 1);
    struct stat sb;
    Dl_info dl;

    if (k > 0) {
        exe[k] = 0;
        snprintf(buf, len, "%s/pcbench-spawn-child", dirname(exe));
        if (stat(buf, &sb) == 0)
            return 0;
    }
#ifdef PCB_SPAWN_CHILD_FROM_LIB
    if (dladdr((void *)spawn_child_path, &dl) && dl.dli_fname) {
        char lib[PATH_MAX];
        snprintf(lib, sizeof(lib), "%s", dl.dli_fname);
        snprintf(buf, len, "%s/%s/pcbench-spawn-child", dirname(lib), PCB_SPAWN_CHILD_FROM_LIB);
        if (stat(buf, &sb) == 0)
            return 0;
    }
#else
    (void)dl;
#endif
    return -ENOENT;
}

static void lc_process_spawn(pcb_gb_state *st, void *arg)
{
    char path[PATH_MAX], code[16], ppid[24];
    char *argv[4] = {path, code, ppid, NULL};
    int bad = 0, status = 0;

    (void)arg;
    pcb_gb_set_label(st, FLOOR_PROC);
    if (spawn_child_path(path, sizeof(path)) != 0) {
        pcb_gb_skip_with_error(st, "pcbench-spawn-child not found next to pcbench");
        return;
    }
    snprintf(code, sizeof(code), "%d", CHILD_STATUS);
    snprintf(ppid, sizeof(ppid), "%ld", (long)getpid());
    while (!bad && pcb_gb_keep_running(st)) {
        pid_t pid;
        if (posix_spawn(&pid, path, NULL, NULL, argv, environ) != 0)
            bad = 1;
        else if (wait_pid(pid, &status, 0) != pid || !WIFEXITED(status) ||
                 WEXITSTATUS(status) != CHILD_STATUS)
            bad = 2;
    }
    if (bad)
        pcb_gb_skip_with_error(st, bad == 1 ? "posix_spawn failed"
                                            : "spawned program did not exit with its status");
}

static void *thread_set_flag(void *arg)
{
    *(int *)arg = CHILD_STATUS;
    return arg;
}

static void lc_thread_create(pcb_gb_state *st, void *arg)
{
    int bad = 0;

    (void)arg;
    pcb_gb_set_label(st, FLOOR_THREAD);
    while (!bad && pcb_gb_keep_running(st)) {
        pthread_t t;
        int flag = 0;
        void *ret = NULL;
        if (pthread_create(&t, NULL, thread_set_flag, &flag) != 0)
            bad = 1;
        else if (pthread_join(t, &ret) != 0 || ret != &flag || flag != CHILD_STATUS)
            bad = 2;
    }
    if (bad)
        pcb_gb_skip_with_error(st, bad == 1 ? "pthread_create failed" : "thread did not run");
}

/* Starts a child that only waits for signals and returns its pid (or -1) once the child has
 * said, through a pipe, that it runs: a signal is never sent to a child still being created. */
static pid_t start_idle_child(void)
{
    int p[2];
    char b;

    if (pipe2(p, O_CLOEXEC) != 0)
        return -1;
    pid_t pid = pcb__fork_child();
    if (pid == 0) {
        close(p[0]);
        (void)!write(p[1], "r", 1);
        close(p[1]);
        for (;;)
            pause();
    }
    close(p[1]);
    if (pid > 0 && read(p[0], &b, 1) != 1) {
        kill(pid, SIGKILL);
        wait_pid(pid, NULL, 0);
        pid = -1;
    }
    close(p[0]);
    return pid;
}

static void lc_process_pause_resume(pcb_gb_state *st, void *arg)
{
    pid_t pid = start_idle_child();
    const char *bad = NULL;
    int status;

    (void)arg;
    pcb_gb_set_label(st, FLOOR_PROC);
    if (pid < 0) {
        pcb_gb_skip_with_error(st, "fork failed");
        return;
    }
    while (!bad && pcb_gb_keep_running(st)) {
        kill(pid, SIGSTOP);
        if (wait_pid(pid, &status, WUNTRACED) != pid || !WIFSTOPPED(status) ||
            WSTOPSIG(status) != SIGSTOP) {
            bad = "child not observed stopped after SIGSTOP";
            break;
        }
        kill(pid, SIGCONT);
        if (wait_pid(pid, &status, WCONTINUED) != pid || !WIFCONTINUED(status))
            bad = "child not observed running after SIGCONT";
    }
    kill(pid, SIGKILL);
    wait_pid(pid, NULL, 0);
    if (bad)
        pcb_gb_skip_with_error(st, bad);
}

/* Thread pause/resume through a gate. The worker runs (counting progress) while the gate is
 * open; when it finds the gate closed it says so (state PARKED) and sleeps on the gate's futex;
 * once woken with the gate open it does one round of work, says RUNNING and counts on. */
enum { GATE_OPEN, GATE_CLOSED, GATE_STOP };
enum { ST_RUNNING, ST_PARKED };

struct gate {
    _Alignas(64) _Atomic uint32_t gate;     /* written by the controller: GATE_* */
    _Alignas(64) _Atomic uint32_t state;    /* written by the worker: ST_* (futex word) */
    _Alignas(64) _Atomic uint64_t progress; /* the worker's rounds of work */
};

static int gate_worker(void *arg)
{
    struct gate *g = arg;

    for (;;) {
        uint32_t v = atomic_load_explicit(&g->gate, memory_order_acquire);
        if (v == GATE_STOP)
            return 0;
        if (v == GATE_CLOSED) {
            atomic_store_explicit(&g->state, ST_PARKED, memory_order_release);
            pcb__futex_wake(&g->state, 1, 0);
            while (atomic_load_explicit(&g->gate, memory_order_acquire) == GATE_CLOSED)
                pcb__futex_wait_ns(&g->gate, GATE_CLOSED, 0, PCB__CHAN_SLICE_NS);
            /* One round of work before saying RUNNING: running means making progress. */
            atomic_fetch_add_explicit(&g->progress, 1, memory_order_release);
            atomic_store_explicit(&g->state, ST_RUNNING, memory_order_release);
            pcb__futex_wake(&g->state, 1, 0);
            continue;
        }
        atomic_fetch_add_explicit(&g->progress, 1, memory_order_release);
    }
}

/* Waits until g->state == want, at most a deadline. Returns 0 or -ETIMEDOUT. */
static int gate_wait_state(struct gate *g, uint32_t want)
{
    uint64_t waited = 0;

    for (;;) {
        uint32_t s = atomic_load_explicit(&g->state, memory_order_acquire);
        if (s == want)
            return 0;
        if (pcb__futex_wait_ns(&g->state, s, 0, PCB__CHAN_SLICE_NS) == -ETIMEDOUT &&
            (waited += PCB__CHAN_SLICE_NS) >= (uint64_t)PCB__CHAN_DEADLINE_NS)
            return -ETIMEDOUT;
    }
}

static void lc_thread_pause_resume(pcb_gb_state *st, void *arg)
{
    struct gate *g = pcb__ipc_shared_alloc(sizeof(*g));
    struct pcb__peer peer;
    const char *bad = NULL;

    (void)arg;
    pcb_gb_set_label(st, FLOOR_THREAD);
    if (!g || pcb__ipc_peer_start(&peer, 0, -1, gate_worker, g) != 0) {
        pcb__ipc_shared_free(g, sizeof(*g));
        pcb_gb_skip_with_error(st, "starting the thread failed");
        return;
    }
    while (!bad && pcb_gb_keep_running(st)) {
        atomic_store_explicit(&g->gate, GATE_CLOSED, memory_order_release);
        if (gate_wait_state(g, ST_PARKED) != 0) {
            bad = "thread not observed parked";
            break;
        }
        uint64_t at = atomic_load_explicit(&g->progress, memory_order_acquire);
        atomic_store_explicit(&g->gate, GATE_OPEN, memory_order_release);
        pcb__futex_wake(&g->gate, 1, 0);
        if (gate_wait_state(g, ST_RUNNING) != 0) {
            bad = "thread not observed running";
            break;
        }
        if (atomic_load_explicit(&g->progress, memory_order_acquire) == at)
            bad = "thread said running but made no progress";
    }
    atomic_store_explicit(&g->gate, GATE_STOP, memory_order_release);
    pcb__futex_wake(&g->gate, 1, 0);
    pcb__ipc_peer_join(&peer);
    pcb__ipc_shared_free(g, sizeof(*g));
    if (bad)
        pcb_gb_skip_with_error(st, bad);
}

static void lc_process_terminate(pcb_gb_state *st, void *arg)
{
    const char *bad = NULL;
    int status;

    (void)arg;
    pcb_gb_set_label(st, FLOOR_PROC);
    while (!bad && pcb_gb_keep_running(st)) {
        pid_t pid = start_idle_child();
        if (pid < 0) {
            bad = "fork failed";
            pcb_gb_set_iteration_time(st, 1e-9);
            break;
        }
        uint64_t t0 = pcb_now_ns();
        kill(pid, SIGTERM);
        pid_t r = wait_pid(pid, &status, 0);
        pcb_gb_set_iteration_time(st, (double)(pcb_now_ns() - t0) * 1e-9);
        if (r != pid || !WIFSIGNALED(status) || WTERMSIG(status) != SIGTERM)
            bad = "child did not end by SIGTERM";
    }
    if (bad)
        pcb_gb_skip_with_error(st, bad);
}

/* Starts k workers that block on the command pipe cmd[0] and exit 0 at its end of file.
 * Returns how many started (all ready: each wrote a byte to the ready pipe). */
static unsigned pool_start(pid_t *pids, unsigned k, int cmd[2])
{
    int ready[2];
    unsigned n = 0;
    char b;

    if (pipe2(ready, O_CLOEXEC) != 0)
        return 0;
    for (; n < k; n++) {
        pid_t pid = pcb__fork_child();
        if (pid == 0) {
            close(cmd[1]);
            close(ready[0]);
            (void)!write(ready[1], "r", 1);
            close(ready[1]);
            /* A worker's life: commands until the pool closes the pipe, then a clean exit. */
            while (read(cmd[0], &b, 1) == 1)
                ;
            _exit(0);
        }
        if (pid < 0)
            break;
        pids[n] = pid;
    }
    close(ready[1]);
    for (unsigned i = 0; i < n; i++)
        if (read(ready[0], &b, 1) != 1)
            break;
    close(ready[0]);
    return n;
}

static void lc_pool_stop(pcb_gb_state *st, void *arg)
{
    unsigned k = *(const unsigned *)arg;
    pid_t pids[MAX_POOL];
    const char *bad = NULL;
    int status;

    pcb_gb_set_label(st, FLOOR_PROC);
    while (!bad && pcb_gb_keep_running(st)) {
        int cmd[2];
        if (pipe2(cmd, O_CLOEXEC) != 0) {
            bad = "pipe failed";
            pcb_gb_set_iteration_time(st, 1e-9);
            break;
        }
        unsigned n = pool_start(pids, k, cmd);
        close(cmd[0]);
        uint64_t t0 = pcb_now_ns();
        close(cmd[1]); /* the graceful stop: every worker sees end of file */
        for (unsigned i = 0; i < n; i++)
            if (wait_pid(pids[i], &status, 0) != pids[i] || !WIFEXITED(status) ||
                WEXITSTATUS(status) != 0)
                bad = "a worker did not exit cleanly";
        pcb_gb_set_iteration_time(st, (double)(pcb_now_ns() - t0) * 1e-9);
        if (n != k)
            bad = "fork failed";
    }
    if (bad)
        pcb_gb_skip_with_error(st, bad);
}

static int lifecycle_register(const struct pcb_options *o)
{
    static unsigned pool_sizes[] = {1, 2, 4, 8, 16};
    bool quick = o->profile == PCB_PROFILE_QUICK;
    pcb_gb_case *cs[16];
    char name[96];
    int n = 0;

    cs[n++] = pcb_gb_register("Lifecycle/process/create", lc_process_create, NULL);
    cs[n++] = pcb_gb_register("Lifecycle/process/spawn", lc_process_spawn, NULL);
    cs[n++] = pcb_gb_register("Lifecycle/thread/create", lc_thread_create, NULL);
    cs[n++] = pcb_gb_register("Lifecycle/process/pause_resume", lc_process_pause_resume, NULL);
    cs[n++] = pcb_gb_register("Lifecycle/thread/pause_resume", lc_thread_pause_resume, NULL);
    for (int i = 0; i < n; i++)
        pcb_gb_use_real_time(cs[i]);
    cs[n] = pcb_gb_use_manual_time(
        pcb_gb_register("Lifecycle/process/terminate", lc_process_terminate, NULL));
    n++;
    for (size_t i = 0; i < sizeof(pool_sizes) / sizeof(pool_sizes[0]); i++) {
        if (quick && pool_sizes[i] != 1 && pool_sizes[i] != 4)
            continue;
        snprintf(name, sizeof(name), "Lifecycle/process/pool_stop/workers:%u", pool_sizes[i]);
        cs[n++] = pcb_gb_use_manual_time(pcb_gb_register(name, lc_pool_stop, &pool_sizes[i]));
    }
    for (int i = 0; i < n; i++) {
        pcb_gb_unit(cs[i], PCB_GB_US);
        pcb__ipc_case_settings(cs[i], o);
    }
    return n;
}

static void lifecycle_help(FILE *f)
{
    fprintf(f, "Lifecycle/process/<create|spawn|pause_resume|terminate|pool_stop/workers:K>,\n"
               "Lifecycle/thread/<create|pause_resume>; Lifecycle/<Strategy>/start/workers:K is\n"
               "pool start-up per strategy. Each case's label names its Floor/ case.\n");
}

const struct pcb_family pcb_family_lifecycle = {
    .name = "Lifecycle", .register_cases = lifecycle_register, .help = lifecycle_help};
