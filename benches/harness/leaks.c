/*
 * leaks.c - the per-run leak check; see leaks.h.
 *
 * Everything is read from /proc and two tmpfs directories with opendir/readdir and small
 * reads; the snapshots live in static storage (runs are one at a time, on the thread that
 * runs Google Benchmark), so the check allocates nothing but what opendir does.
 */
#define _GNU_SOURCE
#include "leaks.h"

#include <dirent.h>
#include <errno.h>
#include <fcntl.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>

#include "../../workloads/pcbench.h"
#include "gbench.h"
#ifdef PCB_HAVE_MPI
#include "../../runners/distributed.h"
#endif

/* Where shm_open and mq_open put their names. */
static const char *const name_dirs[] = {"/dev/shm", "/dev/mqueue"};

static int cmp_int(const void *a, const void *b)
{
    int x = *(const int *)a, y = *(const int *)b;
    return (x > y) - (x < y);
}

/* Parses a decimal directory entry name; -1 when it is not one. */
static long entry_number(const char *s)
{
    char *end;
    long v;

    if (*s < '0' || *s > '9')
        return -1;
    errno = 0;
    v = strtol(s, &end, 10);
    return *end || errno ? -1 : v;
}

/* Lists the numeric entries of `path` into ids[0..cap) (sorted), skipping `skip`; returns how
 * many there are (also beyond cap), or -errno. */
static long list_numbers(const char *path, int *ids, size_t cap, long skip_fd)
{
    DIR *d = opendir(path);
    struct dirent *e;
    long n = 0;

    if (!d)
        return -errno;
    long self = skip_fd ? dirfd(d) : -1;
    while ((e = readdir(d)) != NULL) {
        long v = entry_number(e->d_name);
        if (v < 0 || v == self)
            continue;
        if ((size_t)n < cap)
            ids[n] = (int)v;
        n++;
    }
    closedir(d);
    qsort(ids, (size_t)n < cap ? (size_t)n : cap, sizeof(*ids), cmp_int);
    return n;
}

/* Appends the pids in /proc/self/task/TID/children of every thread to s->children. */
static int list_children(struct pcb_leaks_snapshot *s)
{
    size_t kept = s->nthreads < PCB_LEAKS_MAX_IDS ? s->nthreads : PCB_LEAKS_MAX_IDS;
    int err = 0;

    s->nchildren = 0;
    for (size_t i = 0; i < kept; i++) {
        char path[64], buf[4096];
        snprintf(path, sizeof(path), "/proc/self/task/%d/children", (int)s->threads[i]);
        int fd = open(path, O_RDONLY | O_CLOEXEC);
        if (fd < 0) {
            if (errno != ENOENT) /* a thread that just exited has no children left */
                err = -errno;
            continue;
        }
        /* The file is small for the children pcbench has between cases; a longer one is read
         * in pieces, a number cut at a piece's end carried over. */
        char carry[16];
        size_t ncarry = 0;
        ssize_t got;
        while ((got = read(fd, buf, sizeof(buf))) > 0) {
            for (ssize_t k = 0; k < got; k++) {
                if (buf[k] >= '0' && buf[k] <= '9') {
                    if (ncarry + 1 < sizeof(carry))
                        carry[ncarry++] = buf[k];
                    continue;
                }
                if (ncarry) {
                    carry[ncarry] = '\0';
                    if (s->nchildren < PCB_LEAKS_MAX_IDS)
                        s->children[s->nchildren] = (pid_t)atol(carry);
                    s->nchildren++;
                    ncarry = 0;
                }
            }
        }
        if (ncarry) {
            carry[ncarry] = '\0';
            if (s->nchildren < PCB_LEAKS_MAX_IDS)
                s->children[s->nchildren] = (pid_t)atol(carry);
            s->nchildren++;
        }
        close(fd);
    }
    return err;
}

/* Whether the entry name is "pcb-<kind>-<pid>-..." with <pid> this process. */
static bool ours(const char *name, const char *pid)
{
    const char *p;
    size_t len = strlen(pid);

    if (strncmp(name, "pcb-", 4) != 0 || !(p = strchr(name + 4, '-')))
        return false;
    return strncmp(p + 1, pid, len) == 0 && p[1 + len] == '-';
}

static int list_names(struct pcb_leaks_snapshot *s)
{
    char pid[24];
    int err = 0;

    snprintf(pid, sizeof(pid), "%ld", (long)getpid());
    s->nnames = 0;
    for (size_t i = 0; i < sizeof(name_dirs) / sizeof(name_dirs[0]); i++) {
        DIR *d = opendir(name_dirs[i]);
        struct dirent *e;
        if (!d) {
            if (errno != ENOENT) /* /dev/mqueue is often not mounted */
                err = -errno;
            continue;
        }
        while ((e = readdir(d)) != NULL) {
            if (!ours(e->d_name, pid))
                continue;
            if (s->nnames < PCB_LEAKS_MAX_NAMES)
                snprintf(s->names[s->nnames], PCB_LEAKS_NAME_LEN, "%s/%.60s", name_dirs[i],
                         e->d_name);
            s->nnames++;
        }
        closedir(d);
    }
    return err;
}

int pcb_leaks_snapshot(struct pcb_leaks_snapshot *s)
{
    long n;
    int err = 0, e;

    n = list_numbers("/proc/self/fd", s->fds, PCB_LEAKS_MAX_IDS, 1);
    s->nfds = n < 0 ? 0 : (size_t)n;
    if (n < 0)
        err = (int)n;
    n = list_numbers("/proc/self/task", (int *)s->threads, PCB_LEAKS_MAX_IDS, 0);
    s->nthreads = n < 0 ? 0 : (size_t)n;
    if (n < 0)
        err = (int)n;
    if ((e = list_children(s)) != 0)
        err = e;
    if ((e = list_names(s)) != 0)
        err = e;
    return err;
}

static bool has_id(const int *ids, size_t n, int id)
{
    for (size_t i = 0; i < n && i < PCB_LEAKS_MAX_IDS; i++)
        if (ids[i] == id)
            return true;
    return false;
}

/* Appends printf-style text to msg at *len. */
static void put(char *msg, size_t cap, size_t *len, const char *fmt, ...)
    __attribute__((format(printf, 4, 5)));

static void put(char *msg, size_t cap, size_t *len, const char *fmt, ...)
{
    va_list ap;

    if (*len + 1 >= cap)
        return;
    va_start(ap, fmt);
    int k = vsnprintf(msg + *len, cap - *len, fmt, ap);
    va_end(ap);
    if (k > 0)
        *len = *len + (size_t)k < cap ? *len + (size_t)k : cap - 1;
}

/* Reads the first line of a small file into buf, newline removed ("?" when unreadable). */
static void read_line(const char *path, char *buf, size_t cap)
{
    int fd = open(path, O_RDONLY | O_CLOEXEC);
    ssize_t n = fd < 0 ? -1 : read(fd, buf, cap - 1);

    if (fd >= 0)
        close(fd);
    if (n <= 0) {
        snprintf(buf, cap, "?");
        return;
    }
    buf[n] = '\0';
    buf[strcspn(buf, "\n")] = '\0';
}

/* How many items are shown by name per kind; the rest are counted. */
#define SHOWN 3

/* "N <what>(s) (a, b, c, ...)" for the ids of `after` that `before` lacks. */
static void describe_ids(char *msg, size_t cap, size_t *len, size_t count, const char *what,
                         const int *bids, size_t bn, const int *aids, size_t an, int kind)
{
    size_t shown = 0;

    put(msg, cap, len, "%s%zu %s%s", *len > strlen("leaked ") ? ", " : "", count, what,
        count == 1 ? "" : "s");
    for (size_t i = 0; i < an && i < PCB_LEAKS_MAX_IDS; i++) {
        char path[64], what_is[128];
        if (has_id(bids, bn, aids[i]))
            continue;
        if (shown == SHOWN) {
            put(msg, cap, len, ", ...");
            break;
        }
        if (kind == 0) { /* a descriptor: where it points */
            snprintf(path, sizeof(path), "/proc/self/fd/%d", aids[i]);
            ssize_t k = readlink(path, what_is, sizeof(what_is) - 1);
            what_is[k > 0 ? k : 0] = '\0';
            put(msg, cap, len, "%s%d -> %s", shown ? ", " : " (", aids[i], what_is);
        } else if (kind == 1) { /* a thread: its name */
            snprintf(path, sizeof(path), "/proc/self/task/%d/comm", aids[i]);
            read_line(path, what_is, sizeof(what_is));
            put(msg, cap, len, "%s%d %s", shown ? ", " : " (", aids[i], what_is);
        } else { /* a child: its name, and whether it is a zombie */
            char stat[256];
            snprintf(path, sizeof(path), "/proc/%d/comm", aids[i]);
            read_line(path, what_is, sizeof(what_is));
            snprintf(path, sizeof(path), "/proc/%d/stat", aids[i]);
            read_line(path, stat, sizeof(stat));
            const char *st = strrchr(stat, ')');
            put(msg, cap, len, "%s%d %s%s", shown ? ", " : " (", aids[i], what_is,
                st && st[1] == ' ' && st[2] == 'Z' ? " (zombie)" : "");
        }
        shown++;
    }
    if (shown)
        put(msg, cap, len, ")");
}

int pcb_leaks_check(const struct pcb_leaks_snapshot *before, struct pcb_leaks_scope scope,
                    struct pcb_leaks_snapshot *after, char *msg, size_t cap)
{
    struct timespec nap = {.tv_sec = 0, .tv_nsec = 1000000L};
    size_t len = 0, new_names = 0;
    uint64_t t0 = pcb_now_ns();

    for (;;) {
        pcb_leaks_snapshot(after);
        if (!scope.threads || after->nthreads <= before->nthreads)
            break;
        if (pcb_now_ns() - t0 >= PCB_LEAKS_SETTLE_MS * 1000000ULL)
            break;
        nanosleep(&nap, NULL);
        if (nap.tv_nsec < 32000000L)
            nap.tv_nsec *= 2;
    }

    for (size_t i = 0; i < after->nnames && i < PCB_LEAKS_MAX_NAMES; i++) {
        bool old = false;
        for (size_t j = 0; j < before->nnames && j < PCB_LEAKS_MAX_NAMES && !old; j++)
            old = strcmp(after->names[i], before->names[j]) == 0;
        new_names += !old;
    }
    bool fds = scope.fds && after->nfds > before->nfds;
    bool threads = scope.threads && after->nthreads > before->nthreads;
    bool children = after->nchildren > before->nchildren;
    if (!fds && !threads && !children && !new_names)
        return 0;

    put(msg, cap, &len, "leaked ");
    if (fds)
        describe_ids(msg, cap, &len, after->nfds - before->nfds, "file descriptor", before->fds,
                     before->nfds, after->fds, after->nfds, 0);
    if (threads)
        describe_ids(msg, cap, &len, after->nthreads - before->nthreads, "thread",
                     (const int *)before->threads, before->nthreads, (const int *)after->threads,
                     after->nthreads, 1);
    if (children)
        describe_ids(msg, cap, &len, after->nchildren - before->nchildren, "child process",
                     (const int *)before->children, before->nchildren, (const int *)after->children,
                     after->nchildren, 2);
    if (new_names) {
        size_t shown = 0;
        put(msg, cap, &len, "%s%zu shared-memory object%s or message queue%s",
            len > strlen("leaked ") ? ", " : "", new_names, new_names == 1 ? "" : "s",
            new_names == 1 ? "" : "s");
        for (size_t i = 0; i < after->nnames && i < PCB_LEAKS_MAX_NAMES && shown < SHOWN; i++) {
            bool old = false;
            for (size_t j = 0; j < before->nnames && j < PCB_LEAKS_MAX_NAMES && !old; j++)
                old = strcmp(after->names[i], before->names[j]) == 0;
            if (!old)
                put(msg, cap, &len, "%s%s", shown++ ? ", " : " (", after->names[i]);
        }
        put(msg, cap, &len, "%s)", new_names > SHOWN ? ", ..." : "");
    }
    return 1;
}

/* ---- The hooks around every run. ---- */

static struct pcb_leaks_snapshot before_run, after_run;
static struct pcb_leaks_scope scope = {.fds = true, .threads = true};

static void on_before(const char *name, pcb_gb_state *st)
{
    (void)name;
    (void)st;
    pcb_leaks_snapshot(&before_run);
}

/*
 * The library discards the result of its warm-up run, errors included, and what leaked there is
 * in the next run's first snapshot. So the case that leaked is remembered, and its later runs
 * fail with the same message: the run that is reported says what the case leaked.
 */
static char leaked_case[256]; /* registered name of the case that leaked last, or "" */
static char leaked_msg[1024]; /* what it leaked */

static void on_after(const char *name, pcb_gb_state *st)
{
    static char msg[1100]; /* the library copies it */

    if (pcb_leaks_check(&before_run, scope, &after_run, msg, sizeof(leaked_msg))) {
        snprintf(leaked_case, sizeof(leaked_case), "%s", name);
        snprintf(leaked_msg, sizeof(leaked_msg), "%.1023s", msg);
    } else if (strcmp(name, leaked_case) == 0) {
        snprintf(msg, sizeof(msg), "%s (in an earlier run of this case)", leaked_msg);
    } else {
        leaked_case[0] = '\0';
        return;
    }
    if (pcb_gb_error_occurred(st))
        fprintf(stderr, "pcbench: %s: the failed run also %s\n", name, msg);
    else
        pcb_gb_skip_with_error(st, msg);
}

void pcb_leaks_install(void)
{
#ifdef PCB_HAVE_MPI
    if (pcb_dist_ranks() > 1)
        scope.fds = scope.threads = false; /* Open MPI's connections and threads (leaks.h) */
#endif
    pcb_gb_add_run_hooks(on_before, on_after);
}
