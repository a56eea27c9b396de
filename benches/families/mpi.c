/*
 * mpi.c - what pcbench_main() does under mpirun, and the MPI family (Floor/mpi_pingpong).
 *
 * Rank 0 runs Google Benchmark; every other rank serves the Distributed runner (see
 * runners/distributed.h) and never registers or runs a case. pcbench's other strategies fork
 * worker processes, which has no place inside an MPI job, so rank 0 of a job with several ranks
 * refuses a --benchmark_filter that selects anything besides Distributed/ and
 * Floor/mpi_pingpong/. Which cases a filter selects is asked of Google Benchmark itself: a plain
 * pcbench (MPI disabled, so it registers no MPI case) is executed with the same arguments and
 * --benchmark_list_tests, before MPI starts, and every name it lists is one that must not run.
 *
 * In a build without MPI everything here is a no-op but the note that --benchmark_list_tests
 * prints on stderr.
 */
#define _GNU_SOURCE
#include "mpi.h"
#include "family.h"

#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/wait.h>
#include <unistd.h>

#include "../harness/gbench.h"

#ifdef PCB_HAVE_MPI
#include "../../runners/distributed.h"

/* Whether argv asks for a listing or help, where nothing runs and nothing needs refusing. */
static int nothing_runs(int argc, char **argv)
{
    for (int i = 1; i < argc; i++)
        if (strncmp(argv[i], "--benchmark_list_tests", 22) == 0 || strcmp(argv[i], "--help") == 0 ||
            strcmp(argv[i], "-h") == 0 || strcmp(argv[i], "--pcb_help") == 0)
            return 1;
    return 0;
}

/*
 * Runs a plain pcbench with argv and --benchmark_list_tests=true and counts the names it
 * prints; the first goes to `first`. Returns the count, or -1 when the listing failed (bad
 * options, say: rank 0's own parsing then reports them).
 */
static long list_plain_cases(int argc, char **argv, char *first, size_t cap)
{
    char **args = calloc((size_t)argc + 2, sizeof(*args));
    char buf[4096];
    long lines = 0;
    size_t flen = 0;
    int fds[2], status = 0;
    ssize_t n;
    pid_t pid;

    if (!args)
        return -1;
    memcpy(args, argv, (size_t)argc * sizeof(*argv));
    args[argc] = (char *)"--benchmark_list_tests=true";
    first[0] = '\0';
    if (pipe2(fds, O_CLOEXEC) != 0) {
        free(args);
        return -1;
    }
    pid = fork();
    if (pid == 0) {
        int devnull = open("/dev/null", O_WRONLY);
        setenv(PCB_DIST_NO_MPI_ENV, "1", 1);
        dup2(fds[1], STDOUT_FILENO);
        if (devnull >= 0)
            dup2(devnull, STDERR_FILENO);
        execv("/proc/self/exe", args);
        _exit(127);
    }
    close(fds[1]);
    free(args);
    if (pid < 0) {
        close(fds[0]);
        return -1;
    }
    while ((n = read(fds[0], buf, sizeof(buf))) != 0) {
        if (n < 0) {
            if (errno == EINTR)
                continue;
            break;
        }
        for (ssize_t i = 0; i < n; i++) {
            if (lines == 0 && buf[i] != '\n' && flen + 1 < cap)
                first[flen++] = buf[i];
            lines += buf[i] == '\n';
        }
    }
    first[flen] = '\0';
    close(fds[0]);
    while (waitpid(pid, &status, 0) < 0 && errno == EINTR)
        ;
    return WIFEXITED(status) && WEXITSTATUS(status) == 0 ? lines : -1;
}

/* Returns 0 when argv's filter selects only MPI cases, else 2 after one line on stderr. */
static int check_filter(int argc, char **argv, int ranks)
{
    const char *filter = NULL;
    char first[256];
    long other;

    if (nothing_runs(argc, argv))
        return 0;
    for (int i = 1; i < argc; i++)
        if (strncmp(argv[i], "--benchmark_filter=", 19) == 0)
            filter = argv[i] + 19;
    other = list_plain_cases(argc, argv, first, sizeof(first));
    if (other <= 0)
        return 0;
    fprintf(stderr,
            "pcbench: under mpirun with %d ranks only Distributed/ and Floor/mpi_pingpong/ cases "
            "may run, but %s%s%s selects %ld other case(s), e.g. %s; use "
            "--benchmark_filter='^Distributed/'\n",
            ranks, filter ? "--benchmark_filter='" : "the default filter", filter ? filter : "",
            filter ? "'" : "", other, first);
    return 2;
}

int pcb_distributed_main(int argc, char **argv)
{
    int refuse = 0, rank;

    if (!pcb_dist_launched()) {
        pcb_dist_init(); /* only notes why there are no Distributed cases */
        return -1;
    }
    /* Decided before MPI starts, so the listing child is forked from a process without MPI. */
    if (pcb_dist_env_rank() == 0 && pcb_dist_env_size() > 1)
        refuse = check_filter(argc, argv, pcb_dist_env_size());
    rank = pcb_dist_init();
    if (rank < 0) {
        fprintf(stderr, "pcbench: MPI_Init failed under mpirun\n");
        return 1;
    }
    if (rank > 0)
        return pcb_dist_serve();
    /* A launcher that does not announce the size in the environment: check now. */
    if (pcb_dist_env_size() < 0 && pcb_dist_ranks() > 1)
        refuse = check_filter(argc, argv, (int)pcb_dist_ranks());
    return refuse ? refuse : -1;
}

/*
 * Floor/mpi_pingpong/ranks:2: one 8-byte message from rank 0 to rank 1 and back with blocking
 * MPI_Send/MPI_Recv, the least any Distributed batch can cost. Rank 1 counts the round trips
 * it served; the case fails when the count differs from the iterations timed.
 */
static void floor_mpi_pingpong(pcb_gb_state *st, void *arg)
{
    uint64_t timed = 0, served = 0;
    int broken;
    char msg[128];

    (void)arg;
    if ((broken = pcb_dist_pingpong_begin()) != 0) {
        pcb_gb_skip_with_error(st, "no rank 1 to ping (it was lost earlier)");
        return;
    }
    for (uint64_t n; (n = pcb_gb_batch(st)) != 0;)
        for (uint64_t i = 0; i < n && !broken; i++) {
            broken = pcb_dist_pingpong();
            timed++;
        }
    if (!broken)
        broken = pcb_dist_pingpong_end(&served);
    if (broken || served != timed) {
        snprintf(msg, sizeof(msg), "rank 1 served %llu round trips, %llu timed%s",
                 (unsigned long long)served, (unsigned long long)timed,
                 broken ? " (MPI failed)" : "");
        pcb_gb_skip_with_error(st, msg);
        return;
    }
    pcb_gb_set_items_processed(st, (int64_t)timed);
}

/*
 * The JSON context of a job: which host every rank ran on, how many hosts, and, when the
 * environment says (tests/multihost/hosts.sh sets both), the links between them. pcbench-report
 * reads these keys for its "Distribution against the link" section.
 */
static void mpi_context(void)
{
    const char *hosts = pcb_dist_rank_hosts(), *link = getenv("PCB_LINK");
    const char *delay = getenv("PCB_LINK_DELAY_US");
    char buf[32];
    static bool added;

    if (added)
        return; /* the cases may be registered more than once; the context only once */
    added = true;
    if (hosts) {
        pcb_gb_add_context("pcbench_mpi_rank_hosts", hosts);
        snprintf(buf, sizeof(buf), "%u", pcb_dist_hosts());
        pcb_gb_add_context("pcbench_mpi_hosts", buf);
    }
    if (link && *link)
        pcb_gb_add_context("pcbench_link", link);
    if (delay && *delay)
        pcb_gb_add_context("pcbench_link_delay_us", delay);
}
#endif /* PCB_HAVE_MPI */

#ifndef PCB_HAVE_MPI
int pcb_distributed_main(int argc, char **argv)
{
    (void)argc;
    (void)argv;
    return -1;
}
#endif

static int mpi_register(const struct pcb_options *o)
{
#ifdef PCB_HAVE_MPI
    const char *why = pcb_dist_why_not();

    if (!why) {
        mpi_context();
        pcb_gb_case *c = pcb_gb_register("Floor/mpi_pingpong/ranks:2", floor_mpi_pingpong, NULL);
        pcb_gb_unit(pcb_gb_use_real_time(c), PCB_GB_NS);
        if (o->profile == PCB_PROFILE_QUICK && !o->gb_min_time_given)
            pcb_gb_min_time(c, 0.05);
        return 1;
    }
#else
    const char *why = "this build has no MPI (CMake found none; install libopenmpi-dev and "
                      "openmpi-bin, then configure again)";
#endif
    if (o->gb_list_only)
        fprintf(stderr, "pcbench: no Distributed cases: %s\n", why);
    return 0;
}

static void mpi_help(FILE *f)
{
    fprintf(
        f,
        "Floor/mpi_pingpong/ranks:2 (one 8-byte round trip between two MPI ranks) and the\n"
        "Distributed strategy run only under mpirun, with --benchmark_filter='^Distributed/'.\n");
}

const struct pcb_family pcb_family_mpi = {
    .name = "MPI", .register_cases = mpi_register, .help = mpi_help};
