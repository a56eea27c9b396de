/*
 * resources.c - /proc and getrusage readings; see resources.h.
 */
#define _GNU_SOURCE
#include "resources.h"

#include <dirent.h>
#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/resource.h>
#include <time.h>
#include <unistd.h>

#include "../../runners/support.h"
#include "../../workloads/workload.h"

/* Reads a small /proc file into buf (NUL-terminated). Returns bytes read or -errno. */
static ssize_t read_small(const char *path, char *buf, size_t cap)
{
    int fd = open(path, O_RDONLY | O_CLOEXEC);
    ssize_t n;

    if (fd < 0)
        return -errno;
    n = read(fd, buf, cap - 1);
    if (n < 0)
        n = -errno;
    else
        buf[n] = '\0';
    close(fd);
    return n;
}

/* Value of "Key:" in a status-like file, in its own units; 0 when absent. */
static uint64_t field(const char *text, const char *key)
{
    const char *p = strstr(text, key);

    return p ? strtoull(p + strlen(key), NULL, 10) : 0;
}

/* CPU ns of one thread: schedstat's first field, or stat's utime+stime in clock ticks. */
static uint64_t thread_cpu_ns(const char *dir)
{
    char path[416], buf[1024];

    snprintf(path, sizeof(path), "%s/schedstat", dir);
    if (read_small(path, buf, sizeof(buf)) > 0)
        return strtoull(buf, NULL, 10);
    snprintf(path, sizeof(path), "%s/stat", dir);
    if (read_small(path, buf, sizeof(buf)) > 0) {
        /* Fields after the command name, which is in parentheses and may contain spaces. */
        const char *p = strrchr(buf, ')');
        unsigned long long ut = 0, st = 0;
        if (p &&
            sscanf(p + 2, "%*c %*d %*d %*d %*d %*d %*u %*u %*u %*u %*u %llu %llu", &ut, &st) == 2)
            return (ut + st) * (1000000000ULL / (uint64_t)sysconf(_SC_CLK_TCK));
    }
    return 0;
}

/* Adds one worker process's threads to *u. */
static void add_process(pid_t pid, struct pcb_usage *u)
{
    char dir[64], tdir[384], path[400], buf[2048];
    DIR *d;
    struct dirent *e;

    snprintf(dir, sizeof(dir), "/proc/%d/task", (int)pid);
    d = opendir(dir);
    if (!d)
        return; /* exited: the runner reports that itself */
    while ((e = readdir(d)) != NULL) {
        if (e->d_name[0] < '0' || e->d_name[0] > '9')
            continue;
        snprintf(tdir, sizeof(tdir), "%s/%s", dir, e->d_name);
        u->cpu_ns += thread_cpu_ns(tdir);
        snprintf(path, sizeof(path), "%s/status", tdir);
        if (read_small(path, buf, sizeof(buf)) > 0) {
            u->vcsw += field(buf, "\nvoluntary_ctxt_switches:");
            u->ivcsw += field(buf, "\nnonvoluntary_ctxt_switches:");
        }
    }
    closedir(d);
}

int pcb_usage_sample(const pid_t *pids, size_t n, struct pcb_usage *u)
{
    struct rusage ru;

    uint64_t start = pcb_now_ns();

    if (getrusage(RUSAGE_SELF, &ru) != 0)
        return -errno;
    memset(u, 0, sizeof(*u));
    u->wall_ns = start;
    u->cpu_ns = ((uint64_t)ru.ru_utime.tv_sec + (uint64_t)ru.ru_stime.tv_sec) * 1000000000ULL +
                ((uint64_t)ru.ru_utime.tv_usec + (uint64_t)ru.ru_stime.tv_usec) * 1000ULL;
    u->vcsw = (uint64_t)ru.ru_nvcsw;
    u->ivcsw = (uint64_t)ru.ru_nivcsw;
    for (size_t i = 0; i < n; i++)
        add_process(pids[i], u);
    u->end_ns = pcb_now_ns();
    return 0;
}

double pcb_usage_cores(const struct pcb_usage *u0, const struct pcb_usage *u1)
{
    double cpus = (double)pcb_cpus_allowed();

    if (u1->end_ns <= u0->wall_ns || u1->cpu_ns <= u0->cpu_ns)
        return 0;
    double cores = (double)(u1->cpu_ns - u0->cpu_ns) / (double)(u1->end_ns - u0->wall_ns);
    return cores < cpus ? cores : cpus;
}

int pcb_peak_rss_reset(void)
{
    int fd = open("/proc/self/clear_refs", O_WRONLY | O_CLOEXEC);
    int err = 0;

    if (fd < 0)
        return -errno;
    if (write(fd, "5", 1) != 1)
        err = -errno;
    close(fd);
    return err;
}

static uint64_t status_kib(const char *pid, const char *key)
{
    char path[64], buf[4096];

    snprintf(path, sizeof(path), "/proc/%s/status", pid);
    if (read_small(path, buf, sizeof(buf)) <= 0)
        return 0;
    return field(buf, key);
}

size_t pcb_children(pid_t *out, size_t cap)
{
    DIR *d = opendir("/proc/self/task");
    struct dirent *e;
    size_t n = 0;

    if (!d)
        return 0;
    while ((e = readdir(d)) != NULL && n < cap) {
        char path[300], buf[4096];
        if (e->d_name[0] < '1' || e->d_name[0] > '9')
            continue;
        snprintf(path, sizeof(path), "/proc/self/task/%s/children", e->d_name);
        if (read_small(path, buf, sizeof(buf)) <= 0)
            continue;
        for (char *p = buf, *end; n < cap; p = end) {
            long pid = strtol(p, &end, 10);
            if (end == p)
                break;
            if (pid > 0)
                out[n++] = (pid_t)pid;
        }
    }
    closedir(d);
    return n;
}

uint64_t pcb_peak_rss(const pid_t *pids, size_t n)
{
    uint64_t kib = status_kib("self", "\nVmHWM:");

    for (size_t i = 0; i < n; i++) {
        char p[16];
        snprintf(p, sizeof(p), "%d", (int)pids[i]);
        kib += status_kib(p, "\nVmHWM:");
    }
    return kib * 1024;
}

static uint64_t pss_kib(const char *pid)
{
    char path[64], buf[2048];

    snprintf(path, sizeof(path), "/proc/%s/smaps_rollup", pid);
    if (read_small(path, buf, sizeof(buf)) <= 0)
        return 0;
    return field(buf, "\nPss:");
}

uint64_t pcb_pss(const pid_t *pids, size_t n)
{
    uint64_t kib = pss_kib("self");

    for (size_t i = 0; i < n; i++) {
        char p[16];
        snprintf(p, sizeof(p), "%d", (int)pids[i]);
        kib += pss_kib(p);
    }
    return kib * 1024;
}
