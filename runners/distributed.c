/*
 * distributed.c - Distributed: MPI ranks, on one machine or many, launched by mpirun.
 *
 * Rank 0 is the master; it runs Google Benchmark and hands task ranges to ranks 1..K, which
 * serve them (pcb_dist_serve()) until told to stop. One runner, with a variant axis `schedule`:
 *  - schedule:dynamic hands out `chunk` tasks at a time; each rank has up to DEPTH ranges in
 *    flight, so it never waits a round trip for its next range; a rank gets its next range as
 *    soon as it returns a result;
 *  - schedule:static splits the N tasks up front into K contiguous blocks, one message each.
 * Inputs are never copied: every rank builds its own from the workload's name, parameter values
 * and seed (PREPARE), which is what the workload contract guarantees is enough. The fixture on
 * rank 0 checks the merged digest against its own sequential reference, so a rank whose input
 * differs cannot go unnoticed.
 *
 * Workloads with a case_setup() (IO.net, whose server is a process forked for the case) are
 * not run: every rank would build its own input and so would need a server of its own, which
 * the case on rank 0 neither starts nor sees. The runner says PCB_RUNNER_NO_CASE_SETUP, so the
 * matrix has no such case, and start() refuses one with a message.
 *
 * Failure: MPI errors are returned, not fatal (MPI_ERRORS_RETURN), and the master never blocks
 * in a receive: it polls with MPI_Iprobe against a deadline of PCB_DIST_TIMEOUT_MS (default
 * 60000) without progress. A rank that misses it is "lost": the batch fails with -ETIMEDOUT,
 * every later Distributed pool fails to start, and at exit the job is aborted (MPI_Abort), which
 * makes mpirun end every rank. A rank that dies is usually noticed first by mpirun itself, which
 * then ends the whole job with its own message.
 *
 * Waiting: Open MPI's blocking receives spin. Here both sides poll with MPI_Iprobe: spinning
 * briefly, then yielding the core between polls, then sleeping with a growing nap (see
 * wait_msg()), so idle ranks leave the cores to the ranks that work on an oversubscribed
 * machine, while back-to-back batches never sleep.
 *
 * Debug faults (docs/distributed.md, "When a rank fails"): PCB_TEST_KILL_RANK=R makes rank R
 * abort() when it gets its second task range; PCB_TEST_HANG_RANK=R makes it stop answering then.
 */
#define _GNU_SOURCE
#include "distributed.h"

#include <errno.h>
#include <fcntl.h>
#include <mpi.h>
#include <sched.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/prctl.h>
#include <time.h>
#include <unistd.h>

#include "dispatch.h"

/*
 * How a waiting rank polls: it spins for SPIN_NS, then polls with sched_yield() in between
 * until `yield_ns` have passed (the core goes to any other runnable process, and the poll
 * resumes as soon as there is none), then naps with a growing sleep up to `max_nap_ns`. Rank 0
 * waits for results that come every task's length and must answer at once, or a rank runs dry
 * of ranges: it yields for 2 ms before it naps, and naps 50 us at most. A serving rank between
 * batches gets its next range within a round trip; it naps (up to 1 ms) only when idle between
 * cases.
 */
#define SPIN_NS 20000ULL
#define MASTER_YIELD_NS 2000000ULL
#define MASTER_MAX_NAP_NS 50000L
#define SERVE_YIELD_NS 200000ULL
#define SERVE_MAX_NAP_NS 1000000L
#define DEPTH 2 /* ranges in flight per rank (dynamic schedule) */
#define DEFAULT_TIMEOUT_MS 60000
#define NAME_LEN 48
#define HOST_LEN 64

enum tag {
    TAG_PREPARE = 1,
    TAG_READY,
    TAG_RANGE,
    TAG_RESULT,
    TAG_RELEASE,
    TAG_PING,
    TAG_PONG,
    TAG_STOP
};

struct prepare_msg {
    char workload[NAME_LEN];            /* the workload's registry name */
    uint64_t values[PCB_WL_MAX_PARAMS]; /* its parameter values */
    uint64_t seed;                      /* the input's seed */
    uint64_t timer_slack_ns;            /* the master's timer slack, for waiting workloads */
};

struct ready_msg {
    int64_t err;         /* prepare()'s or case_setup()'s error, 0 when the input is ready */
    int64_t pid;         /* the rank's pid, for resource counters when it shares our host */
    char host[HOST_LEN]; /* its host name */
};

struct range_msg {
    uint64_t first; /* first task */
    uint64_t count; /* tasks [first, first + count) */
    uint64_t salt;  /* the batch's salt, applied by the rank to every task's digest */
};

struct result_msg {
    uint64_t digest;   /* merged digest of the range's successful tasks */
    uint64_t done;     /* tasks that completed */
    uint64_t failed;   /* tasks that failed */
    uint64_t err_task; /* the first failing task */
    int64_t err;       /* its error, 0 when none failed */
};

static int world_rank;      /* this process's rank; 0 without mpirun */
static int world_size = 1;  /* ranks in the job; 1 without mpirun */
static int mpi_started;     /* MPI_Init succeeded here */
static int lost_rank;       /* a rank that missed a deadline, 0 while none did */
static uint64_t timeout_ns; /* the master's deadline without progress */
static const char *why_not = "this process was not initialised for MPI";
/* Rank 0 only: every rank's host name, in rank order (world_size of them), gathered at init. */
static char (*rank_host)[HOST_LEN];
static char *rank_hosts_list; /* the same, comma-separated */

/* The runner (defined below); not const, because max_workers comes from the job size: 0
 * outside an MPI job of 2 or more ranks, which leaves it out of the registry. */
struct pcb_runner pcb_runner_distributed;

struct pcb_pool {
    unsigned workers;   /* K: ranks 1..K serve this pool */
    int is_static;      /* schedule:static */
    uint64_t tasks;     /* tasks of all batches run so far */
    uint64_t messages;  /* messages of those batches, both ways */
    uint64_t bytes;     /* their payload bytes */
    unsigned hosts;     /* distinct hosts of rank 0 and ranks 1..K */
    unsigned *inflight; /* by rank: ranges sent and not answered yet */
    pid_t *pids;        /* serving ranks that share this host */
    size_t npids;       /* how many */
};

static long env_long(const char *name, long dflt)
{
    const char *v = getenv(name);
    char *end;
    long n;

    if (!v || !*v)
        return dflt;
    n = strtol(v, &end, 10);
    return *end ? dflt : n;
}

bool pcb_dist_launched(void)
{
    const char *off = getenv(PCB_DIST_NO_MPI_ENV);

    if (off && *off && strcmp(off, "0") != 0)
        return false;
    return getenv("OMPI_COMM_WORLD_SIZE") || getenv("PMIX_RANK");
}

int pcb_dist_env_rank(void)
{
    if (getenv("OMPI_COMM_WORLD_RANK"))
        return (int)env_long("OMPI_COMM_WORLD_RANK", -1);
    return (int)env_long("PMIX_RANK", -1);
}

int pcb_dist_env_size(void)
{
    return (int)env_long("OMPI_COMM_WORLD_SIZE", -1);
}

unsigned pcb_dist_ranks(void)
{
    return (unsigned)world_size;
}

const char *pcb_dist_why_not(void)
{
    return why_not;
}

/* Distinct host names among ranks 0..last (rank_host on rank 0); 0 when unknown. */
static unsigned distinct_hosts(int last)
{
    unsigned n = 0;

    if (!rank_host)
        return 0;
    for (int r = 0; r <= last && r < world_size; r++) {
        int seen = 0;
        for (int q = 0; q < r && !seen; q++)
            seen = strcmp(rank_host[q], rank_host[r]) == 0;
        n += !seen;
    }
    return n;
}

const char *pcb_dist_rank_hosts(void)
{
    return rank_hosts_list;
}

unsigned pcb_dist_hosts(void)
{
    return distinct_hosts(world_size - 1);
}

static void nap(long ns)
{
    struct timespec ts = {.tv_sec = 0, .tv_nsec = ns};

    nanosleep(&ts, NULL);
}

/*
 * Waits until a message from `src` with `tag` can be received and fills *st. Spins, yields
 * until `yield_ns`, then naps up to `max_nap_ns` between polls. Returns 0, -ETIMEDOUT once
 * `deadline_ns` (0: none) passed, PCB_EWORKER when MPI reports an error, or PCB_EWORKER when
 * `watch_parent` and the process that launched us is gone.
 */
static int wait_msg(int src, int tag, MPI_Status *st, uint64_t deadline_ns, pid_t watch_parent,
                    uint64_t yield_ns, long max_nap_ns)
{
    uint64_t t0 = pcb_now_ns();
    long ns = 2000;
    int flag = 0;

    for (;;) {
        if (MPI_Iprobe(src, tag, MPI_COMM_WORLD, &flag, st) != MPI_SUCCESS)
            return PCB_EWORKER;
        if (flag)
            return 0;
        uint64_t now = pcb_now_ns();
        if (deadline_ns && now >= deadline_ns)
            return -ETIMEDOUT;
        if (now - t0 < SPIN_NS)
            continue;
        if (now - t0 < yield_ns) {
            sched_yield();
            continue;
        }
        if (watch_parent && getppid() != watch_parent)
            return PCB_EWORKER;
        nap(ns);
        if (ns < max_nap_ns)
            ns = ns * 2 < max_nap_ns ? ns * 2 : max_nap_ns;
    }
}

static int send_to(int rank, int tag, const void *buf, size_t len)
{
    return MPI_Send(buf, (int)len, MPI_BYTE, rank, tag, MPI_COMM_WORLD) == MPI_SUCCESS
               ? 0
               : PCB_EWORKER;
}

static int recv_from(int rank, int tag, void *buf, size_t len)
{
    return MPI_Recv(buf, (int)len, MPI_BYTE, rank, tag, MPI_COMM_WORLD, MPI_STATUS_IGNORE) ==
                   MPI_SUCCESS
               ? 0
               : PCB_EWORKER;
}

/* ---- master side: the runner ---- */

static void stop(struct pcb_pool *p)
{
    if (!p)
        return;
    /* RELEASE needs no answer; a lost rank may never read it, which costs nothing. */
    for (unsigned r = 1; r <= p->workers; r++)
        send_to((int)r, TAG_RELEASE, NULL, 0);
    free(p->inflight);
    free(p->pids);
    free(p);
}

/* Notes the first rank that still owes an answer as lost. */
static void lose(const struct pcb_pool *p)
{
    for (unsigned r = 1; r <= p->workers && !lost_rank; r++)
        if (p->inflight[r])
            lost_rank = (int)r;
    if (!lost_rank)
        lost_rank = 1;
}

static int start(const struct pcb_pool_config *cfg, struct pcb_pool **out, int is_static)
{
    const struct pcb_workload *wl = cfg->workload;
    struct prepare_msg pm = {0};
    char host[HOST_LEN] = "";
    struct pcb_pool *p;
    int err = 0;

    if (!mpi_started || cfg->workers < 1 || cfg->workers >= (unsigned)world_size)
        return PCB_EUNSUPPORTED;
    if (lost_rank)
        return -ETIMEDOUT; /* a rank of the job stopped answering in an earlier pool */
    if (wl->case_setup) {
        pcb__why(cfg, "%s has a case set-up (a server of its own) that ranks cannot share",
                 wl->name);
        return PCB_EUNSUPPORTED;
    }
    if (strlen(wl->name) >= NAME_LEN || (wl->nparams && !cfg->values))
        return PCB_EUNSUPPORTED;
    p = calloc(1, sizeof(*p));
    if (!p)
        return -ENOMEM;
    p->workers = cfg->workers;
    p->hosts = distinct_hosts((int)cfg->workers);
    p->is_static = is_static;
    p->inflight = calloc((size_t)cfg->workers + 1, sizeof(*p->inflight));
    p->pids = calloc(cfg->workers, sizeof(*p->pids));
    if (!p->inflight || !p->pids) {
        err = -ENOMEM;
        goto err;
    }

    strcpy(pm.workload, wl->name);
    for (size_t i = 0; i < wl->nparams; i++)
        pm.values[i] = cfg->values[i];
    pm.seed = cfg->seed;
    pm.timer_slack_ns = (uint64_t)prctl(PR_GET_TIMERSLACK, 0, 0, 0, 0);
    gethostname(host, sizeof(host) - 1);
    for (unsigned r = 1; r <= p->workers; r++)
        if ((err = send_to((int)r, TAG_PREPARE, &pm, sizeof(pm))) != 0)
            goto err;

    /* Every rank answers, also after an error, so no READY is left unread. */
    int first_err = 0;
    for (unsigned got = 0; got < p->workers; got++) {
        MPI_Status st;
        struct ready_msg rm;
        int werr = wait_msg(MPI_ANY_SOURCE, TAG_READY, &st, pcb_now_ns() + timeout_ns, 0,
                            MASTER_YIELD_NS, MASTER_MAX_NAP_NS);
        if (werr == 0)
            werr = recv_from(st.MPI_SOURCE, TAG_READY, &rm, sizeof(rm));
        if (werr) {
            for (unsigned r = 1; r <= p->workers; r++)
                p->inflight[r] = 1; /* which rank is silent is unknown: blame the first */
            lose(p);
            err = werr;
            goto err;
        }
        if (rm.err && !first_err)
            first_err = (int)rm.err;
        rm.host[HOST_LEN - 1] = '\0';
        if (strcmp(rm.host, host) == 0 && rm.pid > 0)
            p->pids[p->npids++] = (pid_t)rm.pid;
    }
    if (first_err) {
        err = first_err;
        goto err;
    }
    *out = p;
    return 0;
err:
    stop(p);
    return err;
}

/* The schedule variant: index 0 (the default) is dynamic, 1 is static. */
static int start_schedule(const struct pcb_pool_config *cfg, struct pcb_pool **out)
{
    return start(cfg, out, cfg->variant[0] == 1);
}

static int send_range(struct pcb_pool *p, int rank, uint64_t first, uint64_t count, uint64_t salt)
{
    struct range_msg m = {.first = first, .count = count, .salt = salt};

    p->inflight[rank]++;
    p->messages++;
    p->bytes += sizeof(m);
    return send_to(rank, TAG_RANGE, &m, sizeof(m));
}

/* Receives one RESULT and merges it into *res. Returns the rank that sent it, or a code. */
static int take_result(struct pcb_pool *p, struct pcb_batch_result *res)
{
    MPI_Status st;
    struct result_msg m;
    int err = wait_msg(MPI_ANY_SOURCE, TAG_RESULT, &st, pcb_now_ns() + timeout_ns, 0,
                       MASTER_YIELD_NS, MASTER_MAX_NAP_NS);

    if (err == 0)
        err = recv_from(st.MPI_SOURCE, TAG_RESULT, &m, sizeof(m));
    if (err) {
        lose(p);
        return err;
    }
    p->inflight[st.MPI_SOURCE]--;
    p->messages++;
    p->bytes += sizeof(m);
    res->digest = pcb_digest_merge(res->digest, m.digest);
    res->done += m.done;
    if (m.failed && res->failed == 0) {
        res->err = (int)m.err;
        res->err_task = m.err_task;
    }
    res->failed += m.failed;
    return st.MPI_SOURCE;
}

static int run(struct pcb_pool *p, const struct pcb_batch *b, struct pcb_batch_result *res)
{
    uint64_t n = b->tasks, next = 0, chunk = b->chunk ? b->chunk : 1;
    unsigned k = p->workers, inflight = 0;
    int err;

    memset(res, 0, sizeof(*res));
    if (p->is_static) {
        /* K contiguous blocks; the first N % K ranks take one task more. */
        for (unsigned i = 0; i < k && next < n; i++) {
            uint64_t count = n / k + (i < n % k);
            if (count == 0)
                continue;
            if ((err = send_range(p, (int)i + 1, next, count, b->salt)) != 0)
                return err;
            next += count;
            inflight++;
        }
        for (; inflight; inflight--)
            if ((err = take_result(p, res)) < 0)
                return err;
    } else {
        for (unsigned d = 0; d < DEPTH; d++)
            for (unsigned r = 1; r <= k && next < n; r++) {
                uint64_t count = n - next < chunk ? n - next : chunk;
                if ((err = send_range(p, (int)r, next, count, b->salt)) != 0)
                    return err;
                next += count;
                inflight++;
            }
        while (inflight) {
            int rank = take_result(p, res);
            if (rank < 0)
                return rank;
            inflight--;
            if (next < n) {
                uint64_t count = n - next < chunk ? n - next : chunk;
                if ((err = send_range(p, rank, next, count, b->salt)) != 0)
                    return err;
                next += count;
                inflight++;
            }
        }
    }
    p->tasks += n;
    return 0;
}

static size_t worker_pids(const struct pcb_pool *p, pid_t *pids, size_t cap)
{
    size_t n = p->npids < cap ? p->npids : cap;

    memcpy(pids, p->pids, n * sizeof(*pids));
    return n;
}

static void extra_counters(const struct pcb_pool *p, struct pcb_counter *out, size_t *n)
{
    double tasks = p->tasks ? (double)p->tasks : 1;
    struct pcb_counter c[] = {
        {"messages_per_task", (double)p->messages / tasks},
        {"bytes_per_task", (double)p->bytes / tasks},
        {"mpi_ranks", (double)world_size},
        {"mpi_hosts", (double)p->hosts},
    };
    size_t k = sizeof(c) / sizeof(c[0]);

    if (k > *n)
        k = *n;
    memcpy(out, c, k * sizeof(*c));
    *n = k;
}

static const char *const schedules[] = {"dynamic", "static"};
static const struct pcb_variant variants[] = {
    {.name = "schedule", .values = schedules, .nvalues = 2, .nquick = 2},
};

struct pcb_runner pcb_runner_distributed = {
    .name = "Distributed",
    .summary = "MPI ranks under mpirun; rank 0 hands out `chunk` tasks at a time (dynamic) or "
               "K contiguous blocks (static)",
    .flags =
        PCB_RUNNER_WORKERS | PCB_RUNNER_CHUNK | PCB_RUNNER_PROCESSES | PCB_RUNNER_NO_CASE_SETUP,
    .max_workers = 0,
    .start = start_schedule,
    .run = run,
    .stop = stop,
    .worker_pids = worker_pids,
    .variants = variants,
    .nvariants = 1,
    .extra_counters = extra_counters,
};

/* ---- the job's life ---- */

/* atexit() on rank 0: stop every rank and finalize, or abort the job when a rank is lost. */
static void finish(void)
{
    if (lost_rank) {
        fprintf(stderr,
                "pcbench: rank %d stopped answering (no result within %llu ms); aborting the "
                "MPI job\n",
                lost_rank, (unsigned long long)(timeout_ns / 1000000));
        fflush(stderr);
        MPI_Abort(MPI_COMM_WORLD, 1);
    }
    for (int r = 1; r < world_size; r++)
        send_to(r, TAG_STOP, NULL, 0);
    MPI_Finalize();
}

/*
 * Every rank sends its host name to rank 0, which keeps them in rank order (rank_host) and as a
 * list for the JSON context. A collective: every rank calls it, once, right after MPI_Init.
 * On failure (memory, MPI) rank 0 simply has no list.
 */
static void gather_hosts(void)
{
    char mine[HOST_LEN] = "";
    char(*all)[HOST_LEN] = NULL;

    gethostname(mine, sizeof(mine) - 1);
    if (world_rank == 0)
        all = calloc((size_t)world_size, sizeof(*all));
    if (MPI_Gather(mine, HOST_LEN, MPI_BYTE, all, HOST_LEN, MPI_BYTE, 0, MPI_COMM_WORLD) !=
            MPI_SUCCESS ||
        world_rank != 0 || !all) {
        free(all);
        return;
    }
    size_t cap = (size_t)world_size * HOST_LEN, len = 0;
    char *list = malloc(cap);
    if (!list) {
        free(all);
        return;
    }
    list[0] = '\0';
    for (int r = 0; r < world_size; r++) {
        all[r][HOST_LEN - 1] = '\0';
        len += (size_t)snprintf(list + len, cap - len, "%s%s", r ? "," : "", all[r]);
    }
    rank_host = all;
    rank_hosts_list = list;
}

int pcb_dist_init(void)
{
    if (!pcb_dist_launched()) {
        why_not = "not launched by mpirun; run: mpirun -np R ./pcbench "
                  "--benchmark_filter='^Distributed/' (R >= 2)";
        return 0;
    }
    if (MPI_Init(NULL, NULL) != MPI_SUCCESS)
        return PCB_EWORKER;
    MPI_Comm_set_errhandler(MPI_COMM_WORLD, MPI_ERRORS_RETURN);
    MPI_Comm_rank(MPI_COMM_WORLD, &world_rank);
    MPI_Comm_size(MPI_COMM_WORLD, &world_size);
    mpi_started = 1;
    timeout_ns = (uint64_t)env_long("PCB_DIST_TIMEOUT_MS", DEFAULT_TIMEOUT_MS) * 1000000ULL;
    if (timeout_ns == 0)
        timeout_ns = (uint64_t)DEFAULT_TIMEOUT_MS * 1000000ULL;
    gather_hosts();
    /* A pcbench this process executes is a plain one, whatever mpirun put in the environment. */
    setenv(PCB_DIST_NO_MPI_ENV, "1", 1);
    if (world_size < 2) {
        why_not = "mpirun started one rank; Distributed needs 2 or more (rank 0 hands out "
                  "tasks, ranks 1.. run them)";
    } else {
        why_not = NULL;
        pcb_runner_distributed.max_workers = (unsigned)world_size - 1;
    }
    if (world_rank == 0)
        atexit(finish);
    return world_rank;
}

/* ---- the other ranks ---- */

struct server {
    const struct pcb_workload *wl; /* the prepared workload, NULL when none */
    struct pcb_input *in;          /* its input */
    int setup;                     /* case_setup() ran and needs case_teardown() */
    uint64_t ranges;               /* ranges answered so far (for the debug faults) */
};

static void server_release(struct server *s)
{
    if (s->setup && s->wl->case_teardown)
        s->wl->case_teardown(s->in);
    if (s->wl && s->in)
        s->wl->release(s->in);
    *s = (struct server){.ranges = s->ranges};
}

static int server_prepare(struct server *s, const struct prepare_msg *pm)
{
    const struct pcb_workload *wl;
    char name[NAME_LEN];
    int err, fd;

    server_release(s);
    memcpy(name, pm->workload, NAME_LEN);
    name[NAME_LEN - 1] = '\0';
    if (!(wl = pcb_workload_find(name)))
        return PCB_EUNSUPPORTED;
    if (pm->timer_slack_ns)
        prctl(PR_SET_TIMERSLACK, (unsigned long)pm->timer_slack_ns, 0, 0, 0);
    /* Peak RSS counts from here, as on rank 0 where the fixture resets it per case. */
    if ((fd = open("/proc/self/clear_refs", O_WRONLY | O_CLOEXEC)) >= 0) {
        if (write(fd, "5", 1) != 1) {
            /* not fatal: the peak then counts from the rank's start */
        }
        close(fd);
    }
    if ((err = wl->prepare(pm->values, pm->seed, &s->in)) != 0)
        return err;
    s->wl = wl;
    if (wl->case_setup) {
        if ((err = wl->case_setup(s->in)) != 0) {
            server_release(s);
            return err;
        }
        s->setup = 1;
    }
    return 0;
}

/* Floor/mpi_pingpong, rank 1's half: echo until a 0, then send the count. */
static int serve_pingpong(uint64_t first)
{
    uint64_t v = first, served = 0;

    while (v != 0) {
        served++;
        if (send_to(0, TAG_PONG, &v, sizeof(v)) || recv_from(0, TAG_PING, &v, sizeof(v)))
            return PCB_EWORKER;
    }
    return send_to(0, TAG_PONG, &served, sizeof(served));
}

int pcb_dist_serve(void)
{
    struct server s = {0};
    pid_t parent = getppid();
    int me = world_rank;
    int kill_me = env_long("PCB_TEST_KILL_RANK", -1) == me;
    int hang_me = env_long("PCB_TEST_HANG_RANK", -1) == me;
    int err = 0;

    for (;;) {
        MPI_Status st;
        if ((err = wait_msg(0, MPI_ANY_TAG, &st, 0, parent, SERVE_YIELD_NS, SERVE_MAX_NAP_NS)) != 0)
            break;
        switch (st.MPI_TAG) {
        case TAG_PREPARE: {
            struct prepare_msg pm;
            struct ready_msg rm = {.pid = getpid()};
            if ((err = recv_from(0, TAG_PREPARE, &pm, sizeof(pm))) != 0)
                goto out;
            rm.err = server_prepare(&s, &pm);
            gethostname(rm.host, sizeof(rm.host) - 1);
            if ((err = send_to(0, TAG_READY, &rm, sizeof(rm))) != 0)
                goto out;
            break;
        }
        case TAG_RANGE: {
            struct range_msg m;
            struct result_msg r = {0};
            struct pcb__slot slot = {0};
            if ((err = recv_from(0, TAG_RANGE, &m, sizeof(m))) != 0)
                goto out;
            if (s.ranges >= 1 && kill_me)
                abort(); /* debug fault: die in the middle of a batch */
            if (s.ranges >= 1 && hang_me)
                for (;;)
                    pause(); /* debug fault: stop answering; the job's end kills us */
            if (s.wl) {
                pcb__run_range(s.wl, s.in, m.first, m.first + m.count, m.salt, &slot);
                r = (struct result_msg){.digest = slot.digest,
                                        .done = slot.done,
                                        .failed = slot.failed,
                                        .err_task = slot.err_task,
                                        .err = slot.err};
            } else {
                r = (struct result_msg){.failed = m.count, .err_task = m.first, .err = PCB_EPROTO};
            }
            s.ranges++;
            if ((err = send_to(0, TAG_RESULT, &r, sizeof(r))) != 0)
                goto out;
            break;
        }
        case TAG_RELEASE:
            if ((err = recv_from(0, TAG_RELEASE, NULL, 0)) != 0)
                goto out;
            server_release(&s);
            break;
        case TAG_PING: {
            uint64_t v;
            if ((err = recv_from(0, TAG_PING, &v, sizeof(v))) != 0 ||
                (err = serve_pingpong(v)) != 0)
                goto out;
            break;
        }
        case TAG_STOP:
            err = recv_from(0, TAG_STOP, NULL, 0);
            goto out;
        default:
            err = PCB_EPROTO;
            goto out;
        }
    }
out:
    server_release(&s);
    if (err) {
        fprintf(stderr, "pcbench: rank %d: leaving the serve loop: %s\n", me, pcb_strerror(err));
        MPI_Abort(MPI_COMM_WORLD, 1);
    }
    MPI_Finalize();
    return 0;
}

/* ---- Floor/mpi_pingpong, rank 0's half ---- */

int pcb_dist_pingpong_begin(void)
{
    if (!mpi_started || world_size < 2)
        return PCB_EUNSUPPORTED;
    return lost_rank ? PCB_EWORKER : 0;
}

int pcb_dist_pingpong(void)
{
    uint64_t v = 1;

    if (send_to(1, TAG_PING, &v, sizeof(v)) || recv_from(1, TAG_PONG, &v, sizeof(v)))
        return PCB_EWORKER;
    return 0;
}

int pcb_dist_pingpong_end(uint64_t *served)
{
    uint64_t v = 0;

    if (send_to(1, TAG_PING, &v, sizeof(v)) || recv_from(1, TAG_PONG, served, sizeof(*served)))
        return PCB_EWORKER;
    return 0;
}
