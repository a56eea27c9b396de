/*
 * cases.c - the case matrix and its one fixture; see cases.h.
 *
 * One timed iteration is one batch of N tasks, timed with CLOCK_MONOTONIC around run() and
 * reported as manual time, so pool start and stop never count. Resource counters are sampled
 * just before the first batch and just after the last one, outside the timed region.
 */
#define _GNU_SOURCE
#include "cases.h"

#include <errno.h>
#include <sched.h>
#include <sys/resource.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "../../runners/runner.h"
#include "../../runners/support.h"
#include "../common/casename.h"
#include "../../workloads/reference.h"
#include "gbench.h"
#include "interrupt.h"
#include "determinism.h"
#include "resources.h"
#include "verify.h"
#include "watchdog.h"

/* One workload with one set of parameter values: the input all strategies share. */
struct group {
    const struct pcb_workload *wl;      /* the workload */
    uint64_t values[PCB_WL_MAX_PARAMS]; /* its parameter values */
    uint64_t seed;                      /* the input's seed */
    struct pcb_input *input;            /* prepared on first use; NULL before */
    int prep_err;                       /* prepare()'s error, sticky */
    int det_err;                        /* the determinism check's verdict, sticky */
    char det_why[320];                  /* its explanation when it failed */
    /* The sequential reference of every task run so far, tasks 0..nref-1: each task's digest
     * (0 when it failed) and error (0 when it succeeded). A task's outcome depends only on
     * the parameters, the seed and its index, so the reference of N tasks is a prefix of that
     * of more; it grows to the largest N of the group's cases. */
    uint64_t *ref_digests;
    int *ref_errs;
    uint64_t nref;
    /* What Sequential measured on this input in this run, per task count, for the plausibility
     * check of the other strategies (flag_implausible()). */
    struct {
        uint64_t tasks;      /* N */
        double ns_per_batch; /* mean time per batch */
        double cpu_per_task; /* CPU time per task, ns */
    } seq[PCB_MAX_LIST];
    size_t nseq;
    size_t pending; /* chosen cases of this input that have not ended yet (case_done()) */
};

/* One registered case. Lives until pcb_cases_release() (the library keeps a pointer). */
struct pcb_case {
    const struct pcb_runner *runner;
    struct group *group;
    unsigned workers;
    uint64_t tasks;
    uint64_t chunk;
    unsigned variant[PCB_MAX_VARIANTS]; /* the runner's variant indices */
    int pin;                            /* enum pcb_pin */
    uint64_t salt_base;                 /* this case's salts are pcb_mix64(salt_base + batch) */
    uint64_t batches;                   /* batches run so far, every run of the case together */
    char why[320];                      /* the runner's explanation of a failed start */
    char msg[512];                      /* SkipWithError text, built only on the failure path */
};

static struct group **groups;
static size_t ngroups;

/* Every case object registered here (struct pcb_case, struct life_case). The library keeps only
 * a pointer to each, so this list owns them, and pcb_cases_release() frees them. */
static void **owned;
static size_t nowned;

/* Adds p to the owned list. Returns 0, or -1 when out of memory (p is freed then). */
static int own(void *p)
{
    void **n = realloc(owned, (nowned + 1) * sizeof(*owned));

    if (!n) {
        free(p);
        return -1;
    }
    owned = n;
    owned[nowned++] = p;
    return 0;
}

/* Prepares the group's input on first use, and checks once that its digests are
 * deterministic (workload.h). Returns prepare()'s error. */
static int group_input(struct group *g)
{
    if (!g->input && !g->prep_err) {
        g->prep_err = g->wl->prepare(g->values, g->seed, &g->input);
        if (!g->prep_err)
            g->det_err = pcb_workload_check_deterministic(g->wl, g->values, g->seed, g->input,
                                                          g->det_why, sizeof(g->det_why));
    }
    return g->prep_err;
}

/*
 * The sequential reference for N tasks: runs the tasks the group has no reference for yet, once,
 * and fills *ref with the unsalted merge of tasks 0..N-1 (the digest of the tasks that
 * succeeded, and how many failed). Tasks that fail by design (IO.net's injected faults) fail
 * the same way every time, so a strategy must reproduce that count and the digest of the
 * others. Returns 0, or -ENOMEM.
 */
static int group_reference(struct group *g, uint64_t tasks, struct pcb_reference *ref)
{
    if (tasks > g->nref) {
        uint64_t *d = realloc(g->ref_digests, tasks * sizeof(*d));
        if (d)
            g->ref_digests = d;
        int *e = d ? realloc(g->ref_errs, tasks * sizeof(*e)) : NULL;
        if (!e)
            return -ENOMEM;
        g->ref_errs = e;
        pcb_workload_reference_tasks(g->wl, g->input, g->nref, tasks, g->ref_digests + g->nref,
                                     g->ref_errs + g->nref);
        g->nref = tasks;
    }
    *ref = (struct pcb_reference){0};
    for (uint64_t t = 0; t < tasks; t++) {
        if (!g->ref_errs[t])
            ref->digest = pcb_digest_merge(ref->digest, g->ref_digests[t]);
        else if (!ref->failed++) {
            ref->err = g->ref_errs[t];
            ref->err_task = t;
        }
    }
    return 0;
}

/*
 * The digest a batch of N tasks salted with `salt` must merge to: the salted digests of the
 * tasks that succeed in the reference (runners/runner.h, pcb_salted_digest()). O(N), from the
 * kept per-task digests; computed before each batch, outside the timed region.
 */
static uint64_t group_expected(const struct group *g, uint64_t tasks, uint64_t salt)
{
    return pcb_batch_expected(g->ref_digests, g->ref_errs, tasks, salt);
}

/* Multiplier of the worker count by the variants (threads per process), for the CPU limit and
 * the concurrency. */
static uint64_t variant_multiplier(const struct pcb_runner *r, const unsigned *variant)
{
    uint64_t m = 1;

    for (size_t v = 0; v < r->nvariants; v++)
        if (r->variants[v].flags & PCB_VARIANT_MULTIPLIES)
            m *= strtoull(r->variants[v].values[variant[v]], NULL, 10);
    return m;
}

/* The kind of work as the JSON's "pcb_work" names it: what the report and compare read to tell
 * CPU work (efficiency against the CPUs) from waiting work (against the concurrency). */
static const char *work_kind_name(enum pcb_wl_kind kind)
{
    switch (kind) {
    case PCB_WL_CPU:
        return "cpu";
    case PCB_WL_WAIT:
        return "wait";
    case PCB_WL_EMPTY:
        return "empty";
    }
    return "cpu";
}

/*
 * Writes the case's sequential reference digest into its JSON entries as "pcb_digest":
 * "0x<16 hex digits>". It depends only on the work (workload, parameters, seed, N), so two
 * result files whose digests differ for one case measured different work, which compare
 * reports instead of a speed change (docs/compare.md). A text member: 64 bits do not fit a
 * double counter.
 */
static void record_reference(pcb_gb_state *st, const struct pcb_reference *ref)
{
    char hex[24];

    snprintf(hex, sizeof(hex), "0x%016llx", (unsigned long long)ref->digest);
    pcb_gb_set_case_field(st, "pcb_digest", hex);
}

static void fail(pcb_gb_state *st, struct pcb_case *c, const char *fmt, ...)
    __attribute__((format(printf, 3, 4)));

static void fail(pcb_gb_state *st, struct pcb_case *c, const char *fmt, ...)
{
    va_list ap;

    va_start(ap, fmt);
    vsnprintf(c->msg, sizeof(c->msg), fmt, ap);
    va_end(ap);
    pcb_gb_skip_with_error(st, c->msg);
}

/* fail(), prefixed with the watchdog's verdict when it fired during the case. */
static void fail_timed(pcb_gb_state *st, struct pcb_case *c, bool timed_out, const char *fmt, ...)
    __attribute__((format(printf, 4, 5)));

static void fail_timed(pcb_gb_state *st, struct pcb_case *c, bool timed_out, const char *fmt, ...)
{
    char what[sizeof(c->msg)];
    va_list ap;

    va_start(ap, fmt);
    vsnprintf(what, sizeof(what), fmt, ap);
    va_end(ap);
    if (timed_out)
        fail(st, c, "timed out: no batch finished in %llu s (--pcb_case_timeout)%s; %s",
             (unsigned long long)pcb_watchdog_timeout(),
             (c->runner->flags & PCB_RUNNER_PROCESSES) ? ", so its worker processes were stopped"
                                                       : "",
             what);
    else
        fail(st, c, "%s", what);
}

/* The salt of batch `n` of case c. */
static uint64_t case_salt(const struct pcb_case *c, uint64_t n)
{
    return pcb_batch_salt(c->salt_base, n);
}

/*
 * Checks one batch's result against this batch's expected digest and the case's reference, and
 * fails the case with the reason when it does not hold. `n` is the batch's number in this pool
 * (1 for the first); `first` and `prev` are the expected digests of batches 1 and n-1, so that a
 * result replayed from either is named as such. Returns 0 when the result holds, -1 after fail().
 */
static int check_result(pcb_gb_state *st, struct pcb_case *c, const struct pcb_batch_result *res,
                        const struct pcb_reference *ref, uint64_t n, uint64_t expected,
                        uint64_t first, uint64_t prev)
{
    const struct group *g = c->group;

    const char *unwritten = pcb_result_unwritten(res);
    if (unwritten && strcmp(unwritten, "its result") == 0) {
        fail(st, c,
             "stale result: batch %llu returned without writing its result (it still holds the "
             "fixture's poison): run() did not run this batch",
             (unsigned long long)n);
        return -1;
    }
    if (unwritten) {
        fail(st, c,
             "stale result: batch %llu left %s unwritten (it still holds the fixture's poison): "
             "run() did not report this batch",
             (unsigned long long)n, unwritten);
        return -1;
    }
    if (res->failed != ref->failed) {
        uint64_t task = res->failed ? res->err_task : ref->err_task;
        int terr = res->failed ? res->err : ref->err;
        char why[256] = "";
        if (g->wl->explain)
            g->wl->explain(g->input, task, terr, why, sizeof(why));
        fail(st, c, "task %llu failed: %s (%llu of %llu tasks failed; sequentially %llu)",
             (unsigned long long)task, why[0] ? why : pcb_strerror(terr),
             (unsigned long long)res->failed, (unsigned long long)c->tasks,
             (unsigned long long)ref->failed);
        return -1;
    }
    if (res->digest == expected && res->done + res->failed == c->tasks)
        return 0;
    if (n > 1 && (res->digest == first || res->digest == prev)) {
        uint64_t which = res->digest == prev ? n - 1 : 1;
        fail(st, c,
             "stale result: batch %llu returned the result of batch %llu (digest 0x%016llx, "
             "that batch's) instead of its own (0x%016llx): run() replayed an earlier batch",
             (unsigned long long)n, (unsigned long long)which, (unsigned long long)res->digest,
             (unsigned long long)expected);
        return -1;
    }
    if (res->digest == ref->digest) {
        fail(st, c,
             "result mismatch: digest 0x%016llx is the unsalted sequential reference, not this "
             "batch's 0x%016llx: the runner did not salt its tasks' digests "
             "(pcb_salted_digest(), runners/runner.h)",
             (unsigned long long)res->digest, (unsigned long long)expected);
        return -1;
    }
    fail(st, c,
         "result mismatch: digest 0x%016llx, expected 0x%016llx (the sequential reference "
         "0x%016llx salted for batch %llu) (%llu of %llu tasks done)",
         (unsigned long long)res->digest, (unsigned long long)expected,
         (unsigned long long)ref->digest, (unsigned long long)n, (unsigned long long)res->done,
         (unsigned long long)c->tasks);
    return -1;
}

/* An efficiency above this on CPU work is flagged. */
#define PLAUSIBLE_EFFICIENCY 1.1
/* Inputs whose Sequential batch is shorter than this are not judged: a few microseconds of
 * work are dominated by where the scheduler put the threads, and honest cases would be flagged. */
#define PLAUSIBLE_MIN_BATCH_NS 1e6
/* CPU time per task below this share of Sequential's, on CPU work, is flagged, when both cases
 * used at least PLAUSIBLE_CPU_MIN_NS of CPU time in all (less is too little to compare). */
#define PLAUSIBLE_CPU_SHARE 0.5
#define PLAUSIBLE_CPU_MIN_NS 50000000.0

/*
 * Puts a warning on a case of CPU work whose figures cannot be true of honest work, against what
 * Sequential measured on the same input and task count earlier in this run (nothing is said
 * when it did not run first, or when its batch took under a millisecond): a speedup above the
 * CPUs this run may use, an efficiency (speedup / min(threads, CPUs)) above 1.1, or CPU time per
 * task under half of Sequential's. A cache that fits the work better when it is split can make
 * a speedup superlinear; skipped or replayed work can too, so the case says which figure and
 * asks for a look rather than failing. Waiting work is not judged so: its waits oversleep by
 * what the scheduler makes them, differently one at a time and many at once, and a batch that
 * skipped waits fails the wait floor instead. The warning goes into the JSON ("pcb_warning")
 * and from there to the console summary and the report. Sequential's own figures are kept for
 * the cases after it.
 */
static void flag_implausible(pcb_gb_state *st, const struct pcb_case *c, struct group *g,
                             uint64_t threads, double ns_per_batch, double cpu_per_task,
                             double cpu_total_ns)
{
    char warning[320];
    unsigned cpus = pcb_cpus_allowed();
    size_t k;

    if (strcmp(c->runner->name, "Sequential") == 0) {
        for (k = 0; k < g->nseq && g->seq[k].tasks != c->tasks; k++)
            ;
        if (k == PCB_MAX_LIST)
            return;
        g->seq[k].tasks = c->tasks;
        g->seq[k].ns_per_batch = ns_per_batch;
        g->seq[k].cpu_per_task = cpu_total_ns >= PLAUSIBLE_CPU_MIN_NS ? cpu_per_task : 0;
        g->nseq += k == g->nseq;
        return;
    }
    for (k = 0; k < g->nseq && g->seq[k].tasks != c->tasks; k++)
        ;
    if (k == g->nseq || !(ns_per_batch > 0) || g->wl->kind == PCB_WL_EMPTY ||
        g->seq[k].ns_per_batch < PLAUSIBLE_MIN_BATCH_NS)
        return;
    double speedup = g->seq[k].ns_per_batch / ns_per_batch;
    warning[0] = '\0';
    if (g->wl->kind == PCB_WL_CPU) {
        double eff = speedup / (double)(threads < cpus ? threads : cpus);
        if (speedup > cpus * PLAUSIBLE_EFFICIENCY)
            snprintf(warning, sizeof(warning),
                     "implausible: speedup %.2f on CPU work is above the %u CPUs this run may use",
                     speedup, cpus);
        else if (eff > PLAUSIBLE_EFFICIENCY)
            snprintf(warning, sizeof(warning),
                     "implausible: efficiency %.2f on CPU work (speedup %.2f over %llu of the %u "
                     "CPUs) is above %.1f",
                     eff, speedup, (unsigned long long)(threads < cpus ? threads : cpus), cpus,
                     PLAUSIBLE_EFFICIENCY);
        else if (cpu_total_ns >= PLAUSIBLE_CPU_MIN_NS && g->seq[k].cpu_per_task > 0 &&
                 cpu_per_task < PLAUSIBLE_CPU_SHARE * g->seq[k].cpu_per_task)
            snprintf(warning, sizeof(warning),
                     "implausible: %.0f%% of Sequential's CPU time per task on CPU work (%.1f us "
                     "against %.1f us)",
                     100 * cpu_per_task / g->seq[k].cpu_per_task, cpu_per_task * 1e-3,
                     g->seq[k].cpu_per_task * 1e-3);
    }
    if (warning[0])
        pcb_gb_set_case_field(st, "pcb_warning", warning);
}

/* A case of the group was chosen to run. */
static void case_chosen(void *arg)
{
    ((struct pcb_case *)arg)->group->pending++;
}

/*
 * A case has ended, every run of it. After the group's last chosen case its input is released,
 * so a case's memory does not depend on the inputs of the cases that ran before it (a pool of
 * processes maps pcbench's whole heap).
 */
static void case_done(void *arg)
{
    struct group *g = ((struct pcb_case *)arg)->group;

    if (g->pending > 0 && --g->pending == 0 && g->input) {
        g->wl->release(g->input);
        g->input = NULL;
        g->prep_err = 0;
    }
}

/* The fixture: every case of the matrix runs through here. */
static void run_case(pcb_gb_state *st, void *arg)
{
    struct pcb_case *c = arg;
    const struct pcb_runner *r = c->runner;
    struct group *g = c->group;
    struct pcb_pool *pool = NULL;
    struct pcb_batch batch = {.tasks = c->tasks, .chunk = c->chunk};
    struct pcb_batch_result res;
    struct pcb_usage u0, u1;
    pid_t pids[PCB_OPT_WORKERS_MAX];
    size_t npids = 0;
    struct pcb_reference ref;
    int err;

    if ((err = group_input(g)) != 0) {
        fail(st, c, "preparing %s input failed: %s", g->wl->name, pcb_strerror(err));
        return;
    }
    if (g->det_err) {
        fail(st, c, "%s", g->det_why);
        return;
    }
    if ((err = group_reference(g, c->tasks, &ref)) != 0) {
        fail(st, c, "keeping the sequential reference of %llu tasks failed: %s",
             (unsigned long long)c->tasks, pcb_strerror(err));
        return;
    }
    record_reference(st, &ref);
    pcb_gb_set_case_field(st, "pcb_work", work_kind_name(g->wl->kind));
    if (ref.failed == c->tasks) { /* nothing left to measure or to check */
        fail(st, c, "sequential reference failed: all %llu tasks failed, task %llu with: %s",
             (unsigned long long)c->tasks, (unsigned long long)ref.err_task, pcb_strerror(ref.err));
        return;
    }
    /* The watchdog covers everything from here to the end of the tear-down. */
    pcb_watchdog_arm();
    /* Processes the workload's case_setup() starts (IO.net's server) are counted with the
     * pool's: their CPU time, context switches, peak RSS and PSS are the case's too. They are
     * the children that appear across it. */
    pid_t before[64], helpers[16];
    size_t nbefore = g->wl->case_setup ? pcb_children(before, 64) : 0, nhelpers = 0;
    if (g->wl->case_setup && (err = g->wl->case_setup(g->input)) != 0) {
        fail_timed(st, c, pcb_watchdog_disarm(), "%s case set-up failed: %s", g->wl->name,
                   pcb_strerror(err));
        return;
    }
    if (g->wl->case_setup) {
        pid_t after[64];
        size_t nafter = pcb_children(after, 64);
        for (size_t i = 0; i < nafter && nhelpers < 16; i++) {
            bool old = false;
            for (size_t j = 0; j < nbefore && !old; j++)
                old = before[j] == after[i];
            if (!old)
                helpers[nhelpers++] = after[i];
        }
    }
    pcb_peak_rss_reset();
    /* What the pool itself adds: PSS before it starts (pcbench with the prepared input, and the
     * workload's helpers) against PSS at the end of the case. */
    uint64_t pss_before = pcb_pss(helpers, nhelpers);
    struct pcb_pool_config cfg = {.workload = g->wl,
                                  .input = g->input,
                                  .workers = c->workers,
                                  .pin = (enum pcb_pin)c->pin,
                                  .why = c->why,
                                  .why_len = sizeof(c->why),
                                  .values = g->values,
                                  .seed = g->seed};
    memcpy(cfg.variant, c->variant, sizeof(cfg.variant));
    c->why[0] = '\0';
    if ((err = r->start(&cfg, &pool)) != 0) {
        if (g->wl->case_teardown)
            g->wl->case_teardown(g->input);
        fail_timed(st, c, pcb_watchdog_disarm(), "%s pool start failed: %s%s%s", r->name,
                   pcb_strerror(err), c->why[0] ? ": " : "", c->why);
        return;
    }
    if (r->worker_pids)
        npids = r->worker_pids(pool, pids, sizeof(pids) / sizeof(pids[0]) - 16);
    pcb_watchdog_watch(pids, npids);
    /* Measured: the workers and the workload's helpers; watched (killed when a case hangs):
     * the workers alone. */
    size_t nmeasured = npids;
    for (size_t i = 0; i < nhelpers; i++)
        pids[nmeasured++] = helpers[i];

    /* The workers (K times the threads a variant gives each: P x T for Hybrid), the most tasks
     * in flight (workers times the tasks a thread keeps in flight on waiting work) and, for
     * work that waits on a clock, the least time a batch can take with that many: a faster
     * batch skipped waits. */
    uint64_t workers = (uint64_t)c->workers * variant_multiplier(r, c->variant);
    uint64_t concurrency = workers * pcb_runner_loop_depth(r, g->wl);
    uint64_t wait_ns = g->wl->task_wait_ns ? g->wl->task_wait_ns(g->input) : 0;
    uint64_t need_ns = pcb_wait_need_ns(c->tasks - ref.failed, concurrency, wait_ns);
    uint64_t floor_ns = pcb_wait_floor_ns(need_ns); /* verify.h: 1% less */
    /* Batch numbers of this pool, and the expected digests of its first and previous batch. */
    uint64_t n = 0, first = 0, prev = 0, timed_ns = 0;
    /* One untimed batch after the pool starts, checked like the others: the first batch of a
     * fresh pool pays for page faults, cold caches and threads that have not run yet, and the
     * library's warm-up runs in a pool of its own. The counters start after it. */
    bool warm = true;

    /* The measured loop: salt, poison, run, time, check. Only run() is timed: the salt and
     * this batch's expected digest (O(N)) are computed before t0, the checks after t1. A batch
     * during which the process was stopped (SIGSTOP, Ctrl-Z) or that ran past the watchdog's
     * limit is no figure of the work (the watchdog's thread may have been stopped too, and not
     * fired): the case fails. */
    while (warm || pcb_gb_keep_running(st)) {
        unsigned long stops = pcb_interrupt_stops();
        batch.salt = case_salt(c, ++c->batches);
        uint64_t expected = group_expected(g, c->tasks, batch.salt);
        n++;
        res = pcb_poison;
        uint64_t t0 = pcb_now_ns();
        err = r->run(pool, &batch, &res);
        uint64_t t1 = pcb_now_ns();
        pcb_watchdog_progress(t1);
        if (pcb_interrupt_stops() != stops) {
            fail(st, c,
                 "stopped (SIGSTOP, or Ctrl-Z) and continued during a batch, which took %.1f s: "
                 "its time includes the stop, so it is not the work's; run it again without "
                 "stopping pcbench",
                 (double)(t1 - t0) * 1e-9);
            break;
        }
        if (err) {
            fail_timed(st, c, pcb_watchdog_fired(), "%s pool broke: %s%s%s", r->name,
                       pcb_strerror(err), c->why[0] ? ": " : "", c->why);
            break;
        }
        if (pcb_watchdog_fired() || pcb_watchdog_overdue(t1 - t0)) {
            fail(st, c, "timed out: a batch took %.1f s, longer than --pcb_case_timeout=%llu s",
                 (double)(t1 - t0) * 1e-9, (unsigned long long)pcb_watchdog_timeout());
            break;
        }
        if (check_result(st, c, &res, &ref, n, expected, first, prev) != 0)
            break;
        if (t1 - t0 < floor_ns) {
            fail(st, c,
                 "finished too early: batch %llu took %.3f ms, but %llu tasks that each wait "
                 "%.3f ms, at most %llu at a time, take at least %.3f ms (less 1%%): waits were "
                 "skipped",
                 (unsigned long long)n, (double)(t1 - t0) * 1e-6,
                 (unsigned long long)(c->tasks - ref.failed), (double)wait_ns * 1e-6,
                 (unsigned long long)concurrency, (double)need_ns * 1e-6);
            break;
        }
        if (n == 1)
            first = expected;
        prev = expected;
        if (warm) {
            warm = false;
            pcb_usage_sample(pids, nmeasured, &u0);
            continue;
        }
        timed_ns += t1 - t0;
        pcb_gb_set_iteration_time(st, (double)(t1 - t0) * 1e-9);
    }

    pcb_usage_sample(pids, nmeasured, &u1);
    struct pcb_counter extra[PCB_MAX_EXTRA_COUNTERS];
    size_t nextra = r->extra_counters ? PCB_MAX_EXTRA_COUNTERS : 0;
    if (r->extra_counters)
        r->extra_counters(pool, extra, &nextra);
    uint64_t peak = pcb_peak_rss(pids, nmeasured);
    uint64_t pss = pcb_pss(pids, nmeasured);
    r->stop(pool);
    if (g->wl->case_teardown)
        g->wl->case_teardown(g->input);
    /* Fired after the last batch (in stop or tear-down): the case took too long all the same. */
    if (pcb_watchdog_disarm() && !pcb_gb_error_occurred(st))
        fail_timed(st, c, true, "%s pool stop or %s tear-down took too long", r->name, g->wl->name);
    if (pcb_gb_error_occurred(st))
        return;

    int64_t iters = pcb_gb_state_iterations(st);
    double ntasks = (double)iters * (double)c->tasks;
    if (g->wl->stats) {
        struct pcb_wl_stat ws[PCB_WL_MAX_STATS];
        size_t nws = g->wl->stats(g->input, (uint64_t)ntasks, ws, PCB_WL_MAX_STATS);
        for (size_t i = 0; i < nws && i < PCB_WL_MAX_STATS; i++)
            pcb_gb_counter(st, ws[i].name, ws[i].value, PCB_GB_COUNTER_DEFAULT);
    }
    pcb_gb_set_items_processed(st, (int64_t)ntasks);
    if (g->wl->task_bytes)
        pcb_gb_set_bytes_processed(st, (int64_t)(ntasks * (double)g->wl->task_bytes(g->input)));
    /* The axes of concurrency (docs/cases.md, "Counters"): workers as the summary and the
     * report count them, the most tasks in flight, and the threads that ran tasks and the
     * processes they ran in (pcbench's own when its threads ran them; not when it only handed
     * them out to worker processes). An event loop's K are tasks in flight on one thread. */
    pcb_gb_counter(st, "workers", (double)workers, PCB_GB_COUNTER_DEFAULT);
    pcb_gb_counter(st, "concurrency", (double)concurrency, PCB_GB_COUNTER_DEFAULT);
    pcb_gb_counter(st, "threads_used", (r->flags & PCB_RUNNER_IN_FLIGHT) ? 1 : (double)workers,
                   PCB_GB_COUNTER_DEFAULT);
    pcb_gb_counter(st, "processes_used", (r->flags & PCB_RUNNER_PROCESSES) ? (double)c->workers : 1,
                   PCB_GB_COUNTER_DEFAULT);
    pcb_gb_counter(st, "tasks", (double)c->tasks, PCB_GB_COUNTER_DEFAULT);
    pcb_gb_counter(st, "failed_tasks", (double)ref.failed, PCB_GB_COUNTER_DEFAULT); /* a batch */
    pcb_gb_counter(st, "peak_rss_bytes", (double)peak, PCB_GB_COUNTER_KIBI);
    pcb_gb_counter(st, "pss_bytes", (double)pss, PCB_GB_COUNTER_KIBI);
    pcb_gb_counter(st, "pool_pss_bytes", pss > pss_before ? (double)(pss - pss_before) : 0,
                   PCB_GB_COUNTER_KIBI);
    pcb_gb_counter(st, "cores_used", pcb_usage_cores(&u0, &u1), PCB_GB_COUNTER_DEFAULT);
    /* CPU time per task of the same processes over the same window: the work a task costs,
     * which a neighbour that takes a CPU away stretches in wall time but not here. */
    pcb_gb_counter(st, "cpu_ns_per_task", ntasks > 0 ? (double)(u1.cpu_ns - u0.cpu_ns) / ntasks : 0,
                   PCB_GB_COUNTER_DEFAULT);
    pcb_gb_counter(st, "vol_cs_per_task", ntasks > 0 ? (double)(u1.vcsw - u0.vcsw) / ntasks : 0,
                   PCB_GB_COUNTER_DEFAULT);
    pcb_gb_counter(st, "invol_cs_per_task", ntasks > 0 ? (double)(u1.ivcsw - u0.ivcsw) / ntasks : 0,
                   PCB_GB_COUNTER_DEFAULT);
    for (size_t i = 0; i < nextra; i++)
        pcb_gb_counter(st, extra[i].name, extra[i].value, PCB_GB_COUNTER_DEFAULT);
    flag_implausible(st, c, g, (uint64_t)c->workers * variant_multiplier(r, c->variant),
                     iters > 0 ? (double)timed_ns / (double)iters : 0,
                     ntasks > 0 ? (double)(u1.cpu_ns - u0.cpu_ns) / ntasks : 0,
                     (double)(u1.cpu_ns - u0.cpu_ns));
}

/* The value lists of the matrix's axes, for one workload. */
static void axis(const struct pcb_list *given, const uint64_t *defaults, size_t ndefaults,
                 struct pcb_list *out)
{
    if (given->n) {
        *out = *given;
        return;
    }
    out->n = ndefaults;
    memcpy(out->v, defaults, ndefaults * sizeof(uint64_t));
}

/*
 * The worker counts of one runner for one kind of work. CPU work: 1..2x the CPUs (quick: 1 and
 * the CPU count). Waiting work: the runner's own sweep (event loops: tasks in flight), else
 * 1, 8, 32 for processes and 1, 8, 32, 256, 1024 for threads (quick: the first two). At one
 * point only (a secondary parameter set): the CPU count, or the second value of the waiting list.
 */
/* How wide an axis is swept: in full, as the quick profile does, or at one point only. */
enum sweep { SWEEP_FULL, SWEEP_QUICK, SWEEP_POINT };

static void worker_axis(const struct pcb_options *o, const struct pcb_runner *r,
                        enum pcb_wl_kind kind, enum sweep sw, struct pcb_list *out)
{
    bool quick = sw != SWEEP_FULL;

    unsigned cpus = pcb_cpus_allowed();

    if (!(r->flags & PCB_RUNNER_WORKERS)) {
        *out = (struct pcb_list){.v = {1}, .n = 1};
        return;
    }
    if (o->workers.n) {
        *out = o->workers;
        return;
    }
    out->n = 0;
    switch (kind) {
    case PCB_WL_CPU:
        /* 1, 2, ..., 2x the CPUs: past the core count is oversubscription. */
        for (unsigned k = 1; k <= 2 * cpus && out->n < PCB_MAX_LIST; k++)
            if (sw == SWEEP_FULL || (sw == SWEEP_QUICK && k == 1) || k == cpus)
                out->v[out->n++] = k;
        break;
    case PCB_WL_WAIT: {
        static const uint64_t threads[] = {1, 8, 32, 256, 1024}, procs[] = {1, 8, 32};
        const uint64_t *list = threads;
        size_t n = 5;
        if (r->wait_workers) {
            list = r->wait_workers;
            n = r->nwait_workers;
        } else if (r->flags & PCB_RUNNER_PROCESSES) {
            list = procs;
            n = 3;
        }
        if (sw == SWEEP_POINT) {
            out->v[out->n++] = list[n > 1 ? 1 : 0];
            break;
        }
        for (size_t i = 0; i < (quick && n > 2 ? 2 : n) && out->n < PCB_MAX_LIST; i++)
            out->v[out->n++] = list[i];
        break;
    }
    case PCB_WL_EMPTY:
        out->v[out->n++] = 1;
        break;
    }
}

/* Tasks per batch: 256 (quick, and secondary parameter sets: 64), one for Empty. */
static void task_axis(const struct pcb_options *o, enum pcb_wl_kind kind, bool small,
                      struct pcb_list *out)
{
    uint64_t def = kind == PCB_WL_EMPTY ? 1 : (small ? 64 : 256);

    axis(&o->tasks, &def, 1, out);
}

static void param_axis(const struct pcb_options *o, const struct pcb_param_spec *p,
                       struct pcb_list *out)
{
    for (size_t i = 0; i < o->nparams; i++)
        if (strcmp(o->params[i].name, p->name) == 0) {
            *out = o->params[i].list;
            return;
        }
    if (o->profile == PCB_PROFILE_QUICK)
        axis(&(struct pcb_list){.n = 0}, &p->quick, 1, out);
    else
        axis(&(struct pcb_list){.n = 0}, p->defaults, p->ndefaults, out);
}

static int add_group(struct group *g)
{
    struct group **ng = realloc(groups, (ngroups + 1) * sizeof(*groups));
    struct group *copy = malloc(sizeof(*copy));

    if (!ng || !copy) {
        free(copy);
        if (ng)
            groups = ng;
        return -1;
    }
    groups = ng;
    *copy = *g;
    groups[ngroups++] = copy;
    return 0;
}

/* The input group for (wl, values, seed): found, or made and remembered. NULL: no memory. */
static struct group *find_group(const struct pcb_workload *wl, const uint64_t *values,
                                uint64_t seed)
{
    for (size_t i = 0; i < ngroups; i++)
        if (groups[i]->wl == wl && groups[i]->seed == seed &&
            memcmp(groups[i]->values, values, wl->nparams * sizeof(uint64_t)) == 0)
            return groups[i];
    struct group g = {.wl = wl, .seed = seed};
    memcpy(g.values, values, wl->nparams * sizeof(uint64_t));
    return add_group(&g) ? NULL : groups[ngroups - 1];
}

/* Parameter values as names show them, for one case name. */
struct name_values {
    char v[PCB_WL_MAX_PARAMS][32];
    char depth[24]; /* the depth: part's value */
};

/*
 * Writes the case name of runner r with K workers and its variant indices: the matrix name of
 * workload wl (its tasks, chunk and parameter values) or, with wl NULL, the Lifecycle start
 * name. The grammar is casename.h's. Returns 0, or -1 when the name would not fit.
 */
static int case_name(char *out, size_t cap, const struct pcb_runner *r, unsigned workers,
                     const unsigned *variant, const struct pcb_workload *wl, uint64_t tasks,
                     uint64_t chunk, const uint64_t *values, int pin)
{
    struct pcb_name n = {.family = wl ? PCB_NAME_MATRIX : PCB_NAME_LIFECYCLE,
                         .strategy = r->name,
                         .workload = wl ? wl->name : NULL,
                         .workers = {r->workers_name ? r->workers_name : "workers", NULL},
                         .nworkers = workers,
                         .tasks = tasks,
                         .chunk = (r->flags & PCB_RUNNER_CHUNK) ? chunk : 0,
                         .pin = pin != PCB_PIN_NONE ? pcb_pin_name((enum pcb_pin)pin) : NULL};
    struct name_values text = {.v = {{0}}, .depth = ""};

    for (size_t v = 0; v < r->nvariants && v < PCB_NAME_MAX_KV; v++) {
        const struct pcb_variant *va = &r->variants[v];
        n.variants[n.nvariants++] =
            (struct pcb_name_kv){va->name, va->values[variant[v] < va->nvalues ? variant[v] : 0]};
    }
    /* The tasks each worker thread keeps in flight, where that is more than one (Hybrid's loop
     * on waiting work): a variant part, so the name says the case's concurrency. */
    uint64_t depth = pcb_runner_loop_depth(r, wl);
    if (depth > 1 && n.nvariants < PCB_NAME_MAX_KV) {
        snprintf(text.depth, sizeof(text.depth), "%llu", (unsigned long long)depth);
        n.variants[n.nvariants++] = (struct pcb_name_kv){"depth", text.depth};
    }
    for (size_t p = 0; wl && p < wl->nparams && p < PCB_NAME_MAX_KV; p++)
        n.params[n.nparams++] = (struct pcb_name_kv){
            wl->params[p].name,
            pcb_param_format(&wl->params[p], values[p], text.v[p], sizeof(text.v[p]))};
    return pcb_name_format(&n, out, cap) < 0 ? -1 : 0;
}

pcb_gb_case *pcb_case_register(const struct pcb_case_spec *spec, const struct pcb_options *o)
{
    const struct pcb_runner *r = spec->runner;
    const struct pcb_workload *wl = spec->workload;
    struct group *g = find_group(wl, spec->values, o->seed);
    struct pcb_case *c = g ? calloc(1, sizeof(*c)) : NULL;
    char name[PCB_NAME_MAX];

    if (!c || own(c) != 0)
        return NULL;
    *c = (struct pcb_case){.runner = r,
                           .group = g,
                           .salt_base = pcb_mix64(o->seed ^ (0x73616c74ULL + nowned)), /* "salt" */
                           .workers = (r->flags & PCB_RUNNER_WORKERS) ? spec->workers : 1,
                           .tasks = spec->tasks,
                           .chunk = (r->flags & PCB_RUNNER_CHUNK) ? spec->chunk : 1,
                           .pin = o->pin};
    memcpy(c->variant, spec->variant, sizeof(c->variant));
    if (case_name(name, sizeof(name), r, c->workers, c->variant, wl, c->tasks, c->chunk,
                  spec->values, o->pin) != 0)
        return NULL;
    pcb_gb_case *gc = pcb_gb_register(name, run_case, c);
    pcb_gb_lifecycle(gc, case_chosen, case_done);
    pcb_gb_use_manual_time(gc);
    pcb_gb_unit(gc, PCB_GB_US);
    if (o->profile == PCB_PROFILE_QUICK && !o->gb_min_time_given)
        pcb_gb_min_time(gc, 0.05);
    return gc;
}

/*
 * Steps to the runner's next variant combination, one factor at a time: first every axis at its
 * default (index 0), then each axis alone through its other values while the rest stay at
 * their defaults. `sweep` false keeps the defaults only; `cross` (Empty work, whose cases are
 * cheap) takes every combination. The quick profile takes each axis's first nquick values.
 * Returns false after the last combination.
 */
static bool next_variant(const struct pcb_runner *r, bool quick, bool sweep, bool cross,
                         unsigned *variant)
{
    size_t v = 0;

    if (!sweep)
        return false;
    if (cross) { /* every combination: an odometer */
        for (; v < r->nvariants; v++) {
            size_t n = quick ? r->variants[v].nquick : r->variants[v].nvalues;
            if (++variant[v] < n)
                return true;
            variant[v] = 0;
        }
        return false;
    }
    while (v < r->nvariants && variant[v] == 0)
        v++;
    if (v == r->nvariants)
        v = 0; /* all defaults: start with the first axis */
    for (; v < r->nvariants; v++) {
        size_t n = quick ? r->variants[v].nquick : r->variants[v].nvalues;
        if (variant[v] + 1 < n) {
            variant[v]++;
            return true;
        }
        variant[v] = 0;
    }
    return false;
}

/*
 * Registers every runner x variants x tasks x workers x chunk case for one workload and its
 * values. This is the one crossing of the matrix: no strategy or pair has code of its own here.
 * The secondary axes (chunk 1 and 5, the runners' variants) are swept in the default profile
 * on the first parameter set of the `primary` workload of each kind (the first one registered:
 * CPU.hash, IO.sleep, Empty); other workloads run them at chunk 1 and default variants. A
 * workload's other parameter sets (often the heavier sizes) also run one worker count
 * (SWEEP_POINT) and 64 tasks. So the default suite stays bounded; the quick profile sweeps each
 * runner's quick variants everywhere. --pcb_chunk applies everywhere. Rules that hold for every
 * runner: CPU work never runs more than 2x the CPUs in total threads; a waiting workload with a
 * server of its own never has more tasks in flight than a quarter of RLIMIT_NOFILE;
 * waiting work gets at least K tasks per batch when K > N (unless --pcb_tasks was given), so
 * every worker (or task in flight) has work.
 */
static int register_group(const struct pcb_options *o, const struct pcb_workload *wl,
                          const uint64_t *values, bool first, bool primary)
{
    size_t nr;
    const struct pcb_runner *const *rs = pcb_runners(&nr);
    struct pcb_list tasks, chunks;
    static const uint64_t one = 1, one_five[] = {1, 5};
    bool quick = o->profile == PCB_PROFILE_QUICK;
    uint64_t cpu_limit = 2 * (uint64_t)pcb_cpus_allowed();
    /* A waiting workload with a server of its own (case_setup) holds a descriptor per task in
     * flight on each end; keep the default sweep within a quarter of the descriptor limit. */
    struct rlimit nofile;
    uint64_t fd_budget = UINT64_MAX;
    if (getrlimit(RLIMIT_NOFILE, &nofile) == 0 && nofile.rlim_cur != RLIM_INFINITY)
        fd_budget = nofile.rlim_cur / 4;
    int count = 0;

    task_axis(o, wl->kind, quick || !first, &tasks);
    if (wl->kind == PCB_WL_EMPTY || quick || !first || !primary)
        axis(&o->chunk, &one, 1, &chunks);
    else
        axis(&o->chunk, one_five, 2, &chunks);

    for (size_t ri = 0; ri < nr; ri++) {
        const struct pcb_runner *r = rs[ri];
        struct pcb_list w, ch = chunks;
        unsigned variant[PCB_MAX_VARIANTS] = {0};
        worker_axis(o, r, wl->kind, quick ? SWEEP_QUICK : first ? SWEEP_FULL : SWEEP_POINT, &w);
        if (!(r->flags & PCB_RUNNER_CHUNK))
            ch = (struct pcb_list){.v = {1}, .n = 1};
        do {
            uint64_t mult = variant_multiplier(r, variant);
            bool defaults = true;
            for (size_t v = 0; v < r->nvariants; v++)
                defaults = defaults && variant[v] == 0;
            for (size_t ti = 0; ti < tasks.n; ti++)
                for (size_t wi = 0; wi < w.n; wi++)
                    for (size_t ci = 0; ci < ch.n; ci++) {
                        uint64_t n = tasks.v[ti];
                        if (w.v[wi] > r->max_workers ||
                            (wl->case_setup && (r->flags & PCB_RUNNER_NO_CASE_SETUP)))
                            continue;
                        /* One factor at a time: a non-default variant with chunk 1 only; and
                         * neither a chunk above 1 nor a non-default variant for one worker
                         * (Empty excepted: it has one worker only). */
                        if (ci > 0 && !defaults && !o->chunk.n)
                            continue;
                        if (wl->kind != PCB_WL_EMPTY && w.v[wi] * mult == 1 && !o->workers.n &&
                            ((ci > 0 && !o->chunk.n) || !defaults))
                            continue;
                        if (wl->kind == PCB_WL_CPU && !o->workers.n && w.v[wi] * mult > cpu_limit)
                            continue;
                        if (wl->case_setup && wl->kind == PCB_WL_WAIT && !o->workers.n &&
                            w.v[wi] * mult > fd_budget)
                            continue;
                        if (wl->kind == PCB_WL_WAIT && !o->tasks.n && w.v[wi] * mult > n)
                            n = w.v[wi] * mult;
                        struct pcb_case_spec spec = {.runner = r,
                                                     .workload = wl,
                                                     .values = values,
                                                     .workers = (unsigned)w.v[wi],
                                                     .tasks = n,
                                                     .chunk = ch.v[ci]};
                        memcpy(spec.variant, variant, sizeof(variant));
                        if (!pcb_case_register(&spec, o))
                            return -1;
                        count++;
                    }
        } while (
            next_variant(r, quick, quick || (first && primary), wl->kind == PCB_WL_EMPTY, variant));
    }
    return count;
}

/* ---- Lifecycle/<Strategy>/start: pool start-up as its own case. ---- */

/* One Lifecycle case: a runner and a worker count, over the Empty workload. */
struct life_case {
    const struct pcb_runner *runner; /* the strategy */
    struct group *group;             /* the Empty input */
    unsigned workers;                /* K */
    int pin;                         /* enum pcb_pin */
    char why[320];                   /* the runner's explanation of a failed start */
    char msg[512];                   /* SkipWithError text */
};

/* Each iteration starts a pool (timed) and stops it (not timed). */
static void run_life(pcb_gb_state *st, void *arg)
{
    struct life_case *c = arg;
    int err;

    if ((err = group_input(c->group)) != 0) {
        snprintf(c->msg, sizeof(c->msg), "preparing Empty input failed: %s", pcb_strerror(err));
        pcb_gb_skip_with_error(st, c->msg);
        return;
    }
    struct pcb_pool_config cfg = {.workload = c->group->wl,
                                  .input = c->group->input,
                                  .workers = c->workers,
                                  .pin = (enum pcb_pin)c->pin,
                                  .why = c->why,
                                  .why_len = sizeof(c->why),
                                  .values = c->group->values,
                                  .seed = c->group->seed};
    while (pcb_gb_keep_running(st)) {
        struct pcb_pool *pool = NULL;
        c->why[0] = '\0';
        uint64_t t0 = pcb_now_ns();
        err = c->runner->start(&cfg, &pool);
        uint64_t t1 = pcb_now_ns();
        if (err) {
            snprintf(c->msg, sizeof(c->msg), "%s pool start failed: %s%s%s", c->runner->name,
                     pcb_strerror(err), c->why[0] ? ": " : "", c->why);
            pcb_gb_skip_with_error(st, c->msg);
            break;
        }
        c->runner->stop(pool);
        pcb_gb_set_iteration_time(st, (double)(t1 - t0) * 1e-9);
    }
    /* Workers as the matrix counts them: K times the threads a default variant gives each
     * (Hybrid's procs:P/threads:2 starts P x 2 threads). */
    static const unsigned defaults[PCB_MAX_VARIANTS];
    pcb_gb_counter(st, "workers", (double)c->workers * variant_multiplier(c->runner, defaults),
                   PCB_GB_COUNTER_DEFAULT);
}

/* Crosses the runner list with worker counts: Lifecycle/<Strategy>/start/workers:K. */
static int register_lifecycle(const struct pcb_options *o)
{
    static const uint64_t counts[] = {1, 32};
    const struct pcb_workload *wl = pcb_workload_find("Empty");
    size_t nr;
    const struct pcb_runner *const *rs = pcb_runners(&nr);
    static const uint64_t novalues[PCB_WL_MAX_PARAMS];
    int count = 0;

    if (!wl || wl->nparams != 0)
        return 0;
    struct group *g = find_group(wl, novalues, o->seed);
    if (!g)
        return -1;
    for (size_t ri = 0; ri < nr; ri++) {
        const struct pcb_runner *r = rs[ri];
        for (size_t i = 0; i < sizeof(counts) / sizeof(counts[0]); i++) {
            unsigned k = (unsigned)counts[i];
            static const unsigned defaults[PCB_MAX_VARIANTS];
            char name[PCB_NAME_MAX];
            if (!(r->flags & PCB_RUNNER_WORKERS) && k > 1)
                break;
            if (k > r->max_workers)
                break;
            struct life_case *c = calloc(1, sizeof(*c));
            if (!c || own(c) != 0)
                return -1;
            *c = (struct life_case){.runner = r, .group = g, .workers = k, .pin = o->pin};
            if (case_name(name, sizeof(name), r, k, defaults, NULL, 0, 0, NULL, o->pin) != 0)
                return -1;
            pcb_gb_case *gc = pcb_gb_register(name, run_life, c);
            pcb_gb_use_manual_time(gc);
            pcb_gb_unit(gc, PCB_GB_US);
            if (o->profile == PCB_PROFILE_QUICK && !o->gb_min_time_given)
                pcb_gb_min_time(gc, 0.05);
            count++;
        }
    }
    return count;
}

int pcb_cases_register(const struct pcb_options *o)
{
    size_t nwl;
    const struct pcb_workload *const *wls = pcb_workloads(&nwl);
    int total = 0;

    for (size_t wi = 0; wi < nwl; wi++) {
        const struct pcb_workload *wl = wls[wi];
        struct pcb_list lists[PCB_WL_MAX_PARAMS];
        size_t idx[PCB_WL_MAX_PARAMS] = {0};

        for (size_t p = 0; p < wl->nparams; p++)
            param_axis(o, &wl->params[p], &lists[p]);
        /* Odometer over the parameter lists: one group per combination. */
        bool first = true, primary = true;
        for (size_t j = 0; j < wi; j++)
            if (wls[j]->kind == wl->kind)
                primary = false;
        for (;;) {
            uint64_t values[PCB_WL_MAX_PARAMS] = {0};
            for (size_t p = 0; p < wl->nparams; p++)
                values[p] = lists[p].v[idx[p]];
            int n = register_group(o, wl, values, first, primary);
            first = false;
            if (n < 0)
                return -1;
            total += n;
            size_t p = 0;
            while (p < wl->nparams && ++idx[p] == lists[p].n)
                idx[p++] = 0;
            if (p == wl->nparams)
                break;
        }
    }
    int n = register_lifecycle(o);
    return n < 0 ? -1 : total + n;
}

void pcb_cases_release(void)
{
    for (size_t i = 0; i < ngroups; i++) {
        if (groups[i]->input)
            groups[i]->wl->release(groups[i]->input);
        free(groups[i]->ref_digests);
        free(groups[i]->ref_errs);
        free(groups[i]);
    }
    free(groups);
    groups = NULL;
    ngroups = 0;
    for (size_t i = 0; i < nowned; i++)
        free(owned[i]);
    free(owned);
    owned = NULL;
    nowned = 0;
}
