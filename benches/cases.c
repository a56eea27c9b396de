/*
 * cases.c - the case matrix and its one fixture; see cases.h.
 *
 * One timed iteration is one batch of N tasks, timed with CLOCK_MONOTONIC around run() and
 * reported as manual time, so pool start and stop never count. Resource counters are sampled
 * just before the first batch and just after the last one, outside the timed region.
 */
#define _GNU_SOURCE
#include "cases.h"

#include <sched.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "../runners/runner.h"
#include "gbench.h"
#include "resources.h"

/* One workload with one set of parameter values: the input all strategies share. */
struct group {
    const struct pcb_workload *wl;     /* the workload */
    uint64_t values[PCB_WL_MAX_PARAMS]; /* its parameter values */
    uint64_t seed;                     /* the input's seed */
    struct pcb_input *input;           /* prepared on first use; NULL before */
    int prep_err;                      /* prepare()'s error, sticky */
    struct {
        uint64_t tasks;  /* N */
        uint64_t digest; /* sequential reference digest for tasks 0..N-1 */
        int err;         /* reference failed */
    } refs[PCB_MAX_LIST];
    size_t nrefs;
};

/* One registered case. Lives until the process exits (the library keeps a pointer). */
struct pcb_case {
    const struct pcb_runner *runner;
    struct group *group;
    unsigned workers;
    uint64_t tasks;
    uint64_t chunk;
    char msg[256]; /* SkipWithError text, built only on the failure path */
};

static struct group **groups;
static size_t ngroups;

unsigned pcb_cpus_allowed(void)
{
    cpu_set_t set;

    if (sched_getaffinity(0, sizeof(set), &set) == 0 && CPU_COUNT(&set) > 0)
        return (unsigned)CPU_COUNT(&set);
    return 1;
}

static int group_input(struct group *g)
{
    if (!g->input && !g->prep_err)
        g->prep_err = g->wl->prepare(g->values, g->seed, &g->input);
    return g->prep_err;
}

/* The reference digest for N tasks, computed once. */
static int group_reference(struct group *g, uint64_t tasks, uint64_t *digest)
{
    for (size_t i = 0; i < g->nrefs; i++)
        if (g->refs[i].tasks == tasks) {
            *digest = g->refs[i].digest;
            return g->refs[i].err;
        }
    if (g->nrefs == PCB_MAX_LIST) /* cache full: compute, do not remember */
        return pcb_workload_reference(g->wl, g->input, tasks, digest);
    size_t i = g->nrefs++;
    g->refs[i].tasks = tasks;
    g->refs[i].err = pcb_workload_reference(g->wl, g->input, tasks, &g->refs[i].digest);
    *digest = g->refs[i].digest;
    return g->refs[i].err;
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
    uint64_t ref;
    int err;

    if ((err = group_input(g)) != 0) {
        fail(st, c, "preparing %s input failed: %s", g->wl->name, pcb_strerror(err));
        return;
    }
    if ((err = group_reference(g, c->tasks, &ref)) != 0) {
        fail(st, c, "sequential reference failed: %s", pcb_strerror(err));
        return;
    }
    if (g->wl->case_setup && (err = g->wl->case_setup(g->input)) != 0) {
        fail(st, c, "%s case set-up failed: %s", g->wl->name, pcb_strerror(err));
        return;
    }
    pcb_peak_rss_reset();
    struct pcb_pool_config cfg = {.workload = g->wl, .input = g->input, .workers = c->workers};
    if ((err = r->start(&cfg, &pool)) != 0) {
        if (g->wl->case_teardown)
            g->wl->case_teardown(g->input);
        fail(st, c, "%s pool start failed: %s", r->name, pcb_strerror(err));
        return;
    }
    if (r->worker_pids)
        npids = r->worker_pids(pool, pids, sizeof(pids) / sizeof(pids[0]));
    pcb_usage_sample(pids, npids, &u0);

    /* The measured loop: run, time, check. Nothing else. */
    while (pcb_gb_keep_running(st)) {
        uint64_t t0 = pcb_now_ns();
        err = r->run(pool, &batch, &res);
        uint64_t t1 = pcb_now_ns();
        if (err) {
            fail(st, c, "%s pool broke: %s", r->name, pcb_strerror(err));
            break;
        }
        if (res.failed) {
            fail(st, c, "task %llu failed: %s (%llu of %llu tasks failed)",
                 (unsigned long long)res.err_task, pcb_strerror(res.err),
                 (unsigned long long)res.failed, (unsigned long long)c->tasks);
            break;
        }
        if (res.digest != ref || res.done != c->tasks) {
            fail(st, c,
                 "result mismatch: digest 0x%016llx, sequential reference 0x%016llx "
                 "(%llu of %llu tasks done)",
                 (unsigned long long)res.digest, (unsigned long long)ref,
                 (unsigned long long)res.done, (unsigned long long)c->tasks);
            break;
        }
        pcb_gb_set_iteration_time(st, (double)(t1 - t0) * 1e-9);
    }

    pcb_usage_sample(pids, npids, &u1);
    uint64_t peak = pcb_peak_rss(pids, npids);
    uint64_t pss = pcb_pss(pids, npids);
    r->stop(pool);
    if (g->wl->case_teardown)
        g->wl->case_teardown(g->input);
    if (pcb_gb_error_occurred(st))
        return;

    int64_t iters = pcb_gb_state_iterations(st);
    double ntasks = (double)iters * (double)c->tasks;
    double wall = (double)(u1.wall_ns - u0.wall_ns);
    pcb_gb_set_items_processed(st, (int64_t)ntasks);
    if (g->wl->task_bytes)
        pcb_gb_set_bytes_processed(st, (int64_t)(ntasks * (double)g->wl->task_bytes(g->input)));
    pcb_gb_counter(st, "workers", c->workers, PCB_GB_COUNTER_DEFAULT);
    pcb_gb_counter(st, "tasks", (double)c->tasks, PCB_GB_COUNTER_DEFAULT);
    pcb_gb_counter(st, "failed_tasks", 0, PCB_GB_COUNTER_DEFAULT);
    pcb_gb_counter(st, "peak_rss_bytes", (double)peak, PCB_GB_COUNTER_KIBI);
    pcb_gb_counter(st, "pss_bytes", (double)pss, PCB_GB_COUNTER_KIBI);
    pcb_gb_counter(st, "cores_used", wall > 0 ? (double)(u1.cpu_ns - u0.cpu_ns) / wall : 0,
                   PCB_GB_COUNTER_DEFAULT);
    pcb_gb_counter(st, "vol_cs_per_task", ntasks > 0 ? (double)(u1.vcsw - u0.vcsw) / ntasks : 0,
                   PCB_GB_COUNTER_DEFAULT);
    pcb_gb_counter(st, "invol_cs_per_task",
                   ntasks > 0 ? (double)(u1.ivcsw - u0.ivcsw) / ntasks : 0,
                   PCB_GB_COUNTER_DEFAULT);
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

static void worker_axis(const struct pcb_options *o, enum pcb_wl_kind kind, struct pcb_list *out)
{
    unsigned cpus = pcb_cpus_allowed();
    bool quick = o->profile == PCB_PROFILE_QUICK;

    if (o->workers.n) {
        *out = o->workers;
        return;
    }
    out->n = 0;
    switch (kind) {
    case PCB_WL_CPU:
        /* 1, 2, ..., 2x the CPUs: past the core count is oversubscription. */
        for (unsigned k = 1; k <= 2 * cpus && out->n < PCB_MAX_LIST; k++)
            if (!quick || k == 1 || k == cpus)
                out->v[out->n++] = k;
        break;
    case PCB_WL_WAIT: {
        static const uint64_t wide[] = {1, 8, 32, 256};
        for (size_t i = 0; i < (quick ? 2 : 4); i++)
            out->v[out->n++] = wide[i];
        break;
    }
    case PCB_WL_EMPTY:
        out->v[out->n++] = 1;
        break;
    }
}

static void task_axis(const struct pcb_options *o, enum pcb_wl_kind kind, struct pcb_list *out)
{
    uint64_t def = kind == PCB_WL_EMPTY ? 1 : (o->profile == PCB_PROFILE_QUICK ? 64 : 256);

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

pcb_gb_case *pcb_case_register(const struct pcb_case_spec *spec, const struct pcb_options *o)
{
    const struct pcb_runner *r = spec->runner;
    const struct pcb_workload *wl = spec->workload;
    struct group *g = find_group(wl, spec->values, o->seed);
    struct pcb_case *c = g ? calloc(1, sizeof(*c)) : NULL;
    char name[256];
    int len;

    if (!c)
        return NULL;
    *c = (struct pcb_case){.runner = r,
                           .group = g,
                           .workers = (r->flags & PCB_RUNNER_WORKERS) ? spec->workers : 1,
                           .tasks = spec->tasks,
                           .chunk = (r->flags & PCB_RUNNER_CHUNK) ? spec->chunk : 1};
    len = snprintf(name, sizeof(name), "%s/%s/workers:%u/tasks:%llu", r->name, wl->name,
                   c->workers, (unsigned long long)c->tasks);
    if (r->flags & PCB_RUNNER_CHUNK)
        len += snprintf(name + len, sizeof(name) - (size_t)len, "/chunk:%llu",
                        (unsigned long long)c->chunk);
    for (size_t pi = 0; pi < wl->nparams; pi++)
        len += snprintf(name + len, sizeof(name) - (size_t)len, "/%s:%llu", wl->params[pi].name,
                        (unsigned long long)spec->values[pi]);
    pcb_gb_case *gc = pcb_gb_register(name, run_case, c);
    pcb_gb_use_manual_time(gc);
    pcb_gb_unit(gc, PCB_GB_US);
    if (o->profile == PCB_PROFILE_QUICK && !o->gb_min_time_given)
        pcb_gb_min_time(gc, 0.05);
    return gc;
}

/* Registers every runner x tasks x workers x chunk case for one workload and its values. */
static int register_group(const struct pcb_options *o, const struct pcb_workload *wl,
                          const uint64_t *values)
{
    size_t nr;
    const struct pcb_runner *const *rs = pcb_runners(&nr);
    struct pcb_list workers, tasks, chunks;
    static const uint64_t one = 1;
    int count = 0;

    worker_axis(o, wl->kind, &workers);
    task_axis(o, wl->kind, &tasks);
    axis(&o->chunk, &one, 1, &chunks);

    for (size_t ri = 0; ri < nr; ri++) {
        const struct pcb_runner *r = rs[ri];
        struct pcb_list w = workers, ch = chunks;
        if (!(r->flags & PCB_RUNNER_WORKERS))
            w = (struct pcb_list){.v = {1}, .n = 1};
        if (!(r->flags & PCB_RUNNER_CHUNK))
            ch = (struct pcb_list){.v = {1}, .n = 1};
        for (size_t ti = 0; ti < tasks.n; ti++)
            for (size_t wi = 0; wi < w.n; wi++)
                for (size_t ci = 0; ci < ch.n; ci++) {
                    if (w.v[wi] > r->max_workers)
                        continue;
                    struct pcb_case_spec spec = {.runner = r,
                                                 .workload = wl,
                                                 .values = values,
                                                 .workers = (unsigned)w.v[wi],
                                                 .tasks = tasks.v[ti],
                                                 .chunk = ch.v[ci]};
                    if (!pcb_case_register(&spec, o))
                        return -1;
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
        for (;;) {
            uint64_t values[PCB_WL_MAX_PARAMS] = {0};
            for (size_t p = 0; p < wl->nparams; p++)
                values[p] = lists[p].v[idx[p]];
            int n = register_group(o, wl, values);
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
    return total;
}

void pcb_cases_release(void)
{
    for (size_t i = 0; i < ngroups; i++) {
        if (groups[i]->input)
            groups[i]->wl->release(groups[i]->input);
        free(groups[i]);
    }
    free(groups);
    groups = NULL;
    ngroups = 0;
}
