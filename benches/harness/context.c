/*
 * context.c - what the JSON "context" says about this run besides Google Benchmark's own keys,
 * so a result file can be read (and compared) without the machine at hand. Every key starts
 * with "pcbench_".
 */
#define _GNU_SOURCE
#include "context.h"
#include "plugin.h"

#include <sched.h>
#include <stdio.h>
#include <string.h>
#include <sys/prctl.h>
#include <sys/utsname.h>

#include "../../runners/support.h"
#include "gbench.h"

#include "build_info.h"

/* "0-1,4" from the affinity mask. */
static void affinity_list(char *out, size_t cap)
{
    cpu_set_t set;
    size_t len = 0;

    out[0] = '\0';
    if (sched_getaffinity(0, sizeof(set), &set) != 0)
        return;
    for (int i = 0; i < CPU_SETSIZE; i++) {
        if (!CPU_ISSET(i, &set))
            continue;
        int j = i;
        while (j + 1 < CPU_SETSIZE && CPU_ISSET(j + 1, &set))
            j++;
        int k = j > i ? snprintf(out + len, cap - len, "%s%d-%d", len ? "," : "", i, j)
                      : snprintf(out + len, cap - len, "%s%d", len ? "," : "", i);
        if (k < 0 || (size_t)k >= cap - len)
            return;
        len += (size_t)k;
        i = j;
    }
}

/* Whether the CPU says it runs under a hypervisor (the "hypervisor" cpuinfo flag). */
static const char *virtualised(void)
{
    FILE *f = fopen("/proc/cpuinfo", "re");
    char line[4096];
    const char *ans = "no (no hypervisor flag in /proc/cpuinfo)";

    if (!f)
        return "unknown (/proc/cpuinfo unreadable)";
    while (fgets(line, sizeof(line), f))
        if (strncmp(line, "flags", 5) == 0) {
            if (strstr(line, " hypervisor"))
                ans = "yes (hypervisor flag in /proc/cpuinfo)";
            break;
        }
    fclose(f);
    return ans;
}

void pcb_context_add(const struct pcb_options *o)
{
    char buf[256];
    struct utsname u;

    pcb_gb_add_context("pcbench_version", PCB_VERSION);
    pcb_gb_add_context("pcbench_commit", PCB_COMMIT);
    pcb_gb_add_context("pcbench_build_type", PCB_BUILD_TYPE);
#if defined(__clang__)
    snprintf(buf, sizeof(buf), "clang %s", __clang_version__);
#elif defined(__GNUC__)
    snprintf(buf, sizeof(buf), "gcc %s", __VERSION__);
#else
    snprintf(buf, sizeof(buf), "unknown C compiler");
#endif
    pcb_gb_add_context("pcbench_compiler", buf);
    pcb_gb_add_context("pcbench_allocator", "glibc malloc");
    pcb_gb_add_context("pcbench_virtualized", virtualised());
    affinity_list(buf, sizeof(buf));
    pcb_gb_add_context("pcbench_cpu_affinity", buf);
    snprintf(buf, sizeof(buf), "%u", pcb_cpus_allowed());
    pcb_gb_add_context("pcbench_cpus_allowed", buf);
    if (uname(&u) == 0) {
        snprintf(buf, sizeof(buf), "%s %s %s", u.sysname, u.release, u.machine);
        pcb_gb_add_context("pcbench_kernel", buf);
    }
    snprintf(buf, sizeof(buf),
             "Google Benchmark %s from Debian libbenchmark; the library itself is a debug build "
             "(see library_build_type), which adds overhead outside pcbench's timed regions",
             PCB_GBENCH_VERSION);
    pcb_gb_add_context("pcbench_gbench_library", buf);
    snprintf(buf, sizeof(buf), "%ld", (long)prctl(PR_GET_TIMERSLACK, 0, 0, 0, 0));
    pcb_gb_add_context("pcbench_timer_slack_ns", buf);
    pcb_gb_add_context("pcbench_profile", o->profile == PCB_PROFILE_QUICK ? "quick" : "default");
    /* Placement of every pool's workers (--pcb_pin), and how OpenMP's idle threads wait. */
    pcb_gb_add_context("pcbench_pin", pcb_pin_name(o->pin));
    pcb_gb_add_context("pcbench_omp_wait_policy", pcb_openmp_wait_policy());
    snprintf(buf, sizeof(buf), "%llu", (unsigned long long)o->seed);
    pcb_gb_add_context("pcbench_seed", buf);
    /* The watchdog: a case fails when this many seconds pass without a finished batch. */
    snprintf(buf, sizeof(buf), "%llu", (unsigned long long)o->case_timeout_s);
    pcb_gb_add_context("pcbench_case_timeout_s", buf);
    /* The plugins whose workloads this run may hold (plugin.h), as given. */
    if (*pcb_plugins_loaded())
        pcb_gb_add_context("pcbench_plugins", pcb_plugins_loaded());
    pcb_gb_add_context("pcbench_timing",
                       "one iteration = one batch of N tasks, manual time around the batch; "
                       "pool start and stop are outside it");
    pcb_gb_add_context("pcbench_memory",
                       "peak_rss_bytes = VmHWM of pcbench + every worker process + the "
                       "processes the workload starts for its cases (shared copy-on-write pages "
                       "counted per process); pss_bytes = proportional set size of the same "
                       "processes at the end of the run");
}
