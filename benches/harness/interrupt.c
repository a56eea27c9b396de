/*
 * interrupt.c - see interrupt.h. The handler uses only async-signal-safe calls (getpid, gettid,
 * tgkill, open, openat, read, getdents64, close, kill, waitpid, prctl, unlink, mq_unlink,
 * access, write, sigaction, raise, and atomics that are lock-free) on data prepared before the
 * run, and no stdio or malloc:
 * /proc is read with getdents64 and read into buffers on the stack.
 */
#define _GNU_SOURCE
#include "interrupt.h"

#include <errno.h>
#include <fcntl.h>
#include <pthread.h>
#include <signal.h>
#include <stdatomic.h>
#include <stdbool.h>
#include <stdint.h>
#include <stdio.h>
#include <string.h>
#include <sys/prctl.h>
#include <sys/syscall.h>
#include <sys/wait.h>
#include <unistd.h>

#include "../../runners/names.h"
#include "gbench.h"
#include "../common/outfile.h"

/* Children killed and reaped per round; a round lists them afresh, so more only take longer. */
#define KIDS 256
/* Rounds at most: each reaps what the last one orphaned (grandchildren) and anything forked
 * meanwhile; a bound, so a handler can never spin. */
#define ROUNDS 32

static const int handled[] = {SIGINT, SIGTERM, SIGHUP};
/* Crashes of pcbench's own process: a task that crashes on a thread strategy, or a bug. */
static const int fatal[] = {SIGSEGV, SIGBUS, SIGFPE, SIGILL, SIGABRT};

static pid_t main_pid;
/* How often the process was continued after a stop (SIGCONT). Lock-free, so the handler may
 * add to it; relaxed, because a reader only compares two of its values. */
static _Atomic unsigned long stops;
static char out[4096]; /* the result file as given, or "" */

/* getdents64's record (not every libc declares it). */
struct dirent64_rec {
    uint64_t ino;
    int64_t off;
    unsigned short reclen;
    unsigned char type;
    char name[];
};

/* Appends s to buf (async-signal-safe). */
static size_t put(char *buf, size_t len, size_t cap, const char *s)
{
    while (*s && len + 1 < cap)
        buf[len++] = *s++;
    return len;
}

/* Writes n in decimal at the end of buf[0..cap); returns where it starts. */
static char *decimal(char *buf, size_t cap, unsigned long n)
{
    size_t k = cap - 1;

    buf[k] = '\0';
    do
        buf[--k] = (char)('0' + n % 10);
    while ((n /= 10) && k);
    return buf + k;
}

/* Adds the pids listed in the open `children` file fd to kids; returns the new count. */
static size_t read_pids(int fd, pid_t *kids, size_t n, size_t cap)
{
    char buf[1024];
    long v = -1;
    ssize_t got;

    while ((got = read(fd, buf, sizeof(buf))) > 0)
        for (ssize_t i = 0; i < got; i++) {
            if (buf[i] >= '0' && buf[i] <= '9') {
                v = (v < 0 ? 0 : v * 10) + (buf[i] - '0');
                continue;
            }
            if (v > 0 && n < cap)
                kids[n++] = (pid_t)v;
            v = -1;
        }
    if (v > 0 && n < cap)
        kids[n++] = (pid_t)v;
    return n;
}

/* Lists this process's children (of every thread, zombies included) into kids[0..cap). */
static size_t list_children(pid_t *kids, size_t cap)
{
    char buf[4096] __attribute__((aligned(8)));
    size_t n = 0;
    long got;
    int dfd = open("/proc/self/task", O_RDONLY | O_DIRECTORY | O_CLOEXEC);

    if (dfd < 0)
        return 0;
    while ((got = syscall(SYS_getdents64, dfd, buf, sizeof(buf))) > 0) {
        for (long off = 0; off < got;) {
            const struct dirent64_rec *d = (const struct dirent64_rec *)(buf + off);
            off += d->reclen;
            if (d->name[0] < '0' || d->name[0] > '9')
                continue;
            char path[64];
            size_t len = put(path, 0, sizeof(path), d->name);
            len = put(path, len, sizeof(path), "/children");
            path[len] = '\0';
            int fd = openat(dfd, path, O_RDONLY | O_CLOEXEC);
            if (fd >= 0) {
                n = read_pids(fd, kids, n, cap);
                close(fd);
            }
        }
    }
    close(dfd);
    return n;
}

/*
 * Appends to msg what the result file keeps: "; out.json keeps the 3 case(s) finished before
 * it". A stream gets its document only at the end of a run, so it has none; with `say_none`, a
 * run that wrote no file says so.
 */
static size_t what_is_kept(char *msg, size_t len, size_t cap, bool say_none)
{
    char num[24];

    if (!out[0])
        return len;
    if (pcb__outfile_is_stream()) {
        len = put(msg, len, cap, "; ");
        len = put(msg, len, cap, out);
        len = put(msg, len, cap,
                  " is not a regular file: it gets the results when a run ends, "
                  "so it got none");
    } else if (access(out, F_OK) == 0) {
        len = put(msg, len, cap, "; ");
        len = put(msg, len, cap, out);
        len = put(msg, len, cap, " keeps the ");
        len = put(msg, len, cap, decimal(num, sizeof(num), (unsigned long)pcb_gb_cases_written()));
        len = put(msg, len, cap, " case(s) finished before it");
    } else if (say_none) {
        len = put(msg, len, cap, "; no result file was written");
    }
    return len;
}

/* Kills and reaps every child, and the children they leave orphaned (see interrupt.h). */
static void kill_and_reap_children(void)
{
    pid_t kids[KIDS];

    prctl(PR_SET_CHILD_SUBREAPER, 1, 0, 0, 0);
    for (int round = 0; round < ROUNDS; round++) {
        size_t n = list_children(kids, KIDS);
        if (n == 0)
            return;
        for (size_t i = 0; i < n; i++)
            kill(kids[i], SIGKILL);
        for (size_t i = 0; i < n; i++)
            while (waitpid(kids[i], NULL, __WALL) < 0 && errno == EINTR)
                ;
    }
}

void pcb_interrupt_cleanup(void)
{
    pcb__names_unlink_marked();
    kill_and_reap_children();
}

/*
 * A crash in pcbench's own process (any thread): says which case crashed and what the result
 * file keeps, takes the same steps as an interrupt (names, children, the temporary result
 * file), then dies of the signal with its default action (a core dump where enabled). The
 * result file cannot name the crashed case: writing it would need the heap, which a crash may
 * have broken.
 */
static void on_fatal(int sig)
{
    struct sigaction dfl;

    if (getpid() == main_pid) {
        char msg[4600];
        size_t len = 0;
        const char *name = pcb_gb_running_case();

        len = put(msg, len, sizeof(msg), "\npcbench: crashed by SIG");
        len = put(msg, len, sizeof(msg), sigabbrev_np(sig) ? sigabbrev_np(sig) : "?");
        if (name) {
            len = put(msg, len, sizeof(msg), " in case ");
            len = put(msg, len, sizeof(msg), name);
        }
        len = what_is_kept(msg, len, sizeof(msg), false);
        len = put(msg, len, sizeof(msg), "\n");
        ssize_t ignored = write(STDERR_FILENO, msg, len);
        (void)ignored;
        pcb__names_unlink_marked();
        kill_and_reap_children();
        pcb__outfile_unlink_tmp();
    }
    /* Pending on return (the signal is blocked while its handler runs), then fatal. */
    memset(&dfl, 0, sizeof(dfl));
    dfl.sa_handler = SIG_DFL;
    sigaction(sig, &dfl, NULL);
    raise(sig);
}

static void on_signal(int sig)
{
    /* The handler returns (the signal it raises is blocked until then): the interrupted code
     * must find errno as it left it. */
    int saved_errno = errno;

    if (getpid() == main_pid && (pid_t)syscall(SYS_gettid) != main_pid) {
        /* Another thread took it: the main thread cleans up, once it is not writing the
         * result file (it blocks these signals meanwhile). */
        syscall(SYS_tgkill, main_pid, main_pid, sig);
        errno = saved_errno;
        return;
    }
    if (getpid() == main_pid) {
        char msg[4400];
        size_t len = 0;

        pcb__names_unlink_marked();
        kill_and_reap_children();
        pcb__outfile_unlink_tmp();
        len = put(msg, len, sizeof(msg), "\npcbench: interrupted by ");
        len = put(msg, len, sizeof(msg), sigabbrev_np(sig) ? sigabbrev_np(sig) : "a signal");
        len = what_is_kept(msg, len, sizeof(msg), true);
        len = put(msg, len, sizeof(msg), "\n");
        ssize_t ignored = write(STDERR_FILENO, msg, len);
        (void)ignored;
    }
    struct sigaction dfl;
    memset(&dfl, 0, sizeof(dfl));
    dfl.sa_handler = SIG_DFL;
    sigaction(sig, &dfl, NULL);
    raise(sig);
    errno = saved_errno;
}

static void on_cont(int sig)
{
    (void)sig;
    atomic_fetch_add_explicit(&stops, 1, memory_order_relaxed);
}

unsigned long pcb_interrupt_stops(void)
{
    return atomic_load_explicit(&stops, memory_order_relaxed);
}

/* The stop count when the current run began; the library runs cases on one thread. */
static unsigned long stops_at_start;

static void stops_before(const char *name, pcb_gb_state *st)
{
    (void)name;
    (void)st;
    stops_at_start = pcb_interrupt_stops();
}

static void stops_after(const char *name, pcb_gb_state *st)
{
    (void)name;
    if (pcb_interrupt_stops() == stops_at_start || pcb_gb_error_occurred(st))
        return;
    pcb_gb_skip_with_error(st, "stopped (SIGSTOP, or Ctrl-Z) and continued during the run: its "
                               "times include the stop, so they are not the work's; run it "
                               "again without stopping pcbench");
}

void pcb_interrupt_watch_stops(void)
{
    pcb_gb_add_run_hooks(stops_before, stops_after);
}

/*
 * Runs in every child fork() makes: the handled signals get their default action back, so a pool
 * worker, an IPC peer or a Lifecycle/ child just dies by them without running the handler. A
 * child of a process with threads (the watchdog's) may call only async-signal-safe functions, and
 * under ThreadSanitizer a handler inherited by such a child is never run at all (the runtime
 * defers it), so the child would outlive a SIGTERM.
 */
static void default_in_child(void)
{
    struct sigaction dfl;

    memset(&dfl, 0, sizeof(dfl));
    dfl.sa_handler = SIG_DFL;
    for (size_t i = 0; i < sizeof(handled) / sizeof(handled[0]); i++)
        sigaction(handled[i], &dfl, NULL);
    for (size_t i = 0; i < sizeof(fatal) / sizeof(fatal[0]); i++)
        sigaction(fatal[i], &dfl, NULL);
    sigaction(SIGCONT, &dfl, NULL);
}

int pcb_interrupt_install(const char *out_path)
{
    static int child_hook; /* default_in_child() is registered (once per process) */
    struct sigaction sa;

    main_pid = getpid();
    if (!child_hook) {
        int err = pthread_atfork(NULL, NULL, default_in_child);
        if (err)
            return -err;
        child_hook = 1;
    }
    if (out_path)
        snprintf(out, sizeof(out), "%s", out_path);
    memset(&sa, 0, sizeof(sa));
    sa.sa_handler = on_signal;
    /* One handler at a time: a second signal of another kind waits until the first is done. */
    sigemptyset(&sa.sa_mask);
    for (size_t i = 0; i < sizeof(handled) / sizeof(handled[0]); i++)
        sigaddset(&sa.sa_mask, handled[i]);
    for (size_t i = 0; i < sizeof(handled) / sizeof(handled[0]); i++)
        if (sigaction(handled[i], &sa, NULL) != 0)
            return -errno;
    sa.sa_handler = on_fatal;
    for (size_t i = 0; i < sizeof(fatal) / sizeof(fatal[0]); i++)
        if (sigaction(fatal[i], &sa, NULL) != 0)
            return -errno;
    /* Counted only; SA_RESTART, so a stop does not make the main thread's system calls fail. */
    memset(&sa, 0, sizeof(sa));
    sa.sa_handler = on_cont;
    sa.sa_flags = SA_RESTART;
    sigemptyset(&sa.sa_mask);
    if (sigaction(SIGCONT, &sa, NULL) != 0)
        return -errno;
    return 0;
}
