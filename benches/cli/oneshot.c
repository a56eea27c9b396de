/*
 * oneshot.c - `pcbench run`: one batch of one strategy on one workload, outside Google
 * Benchmark, the way a script's `main.py --model threaded --workers 8 --tasks 100` runs once.
 *
 *   pcbench run --strategy NAME --workload NAME [--plugin PATH]... [--workers K] [--tasks N]
 * [--chunk C]
 *               [--param NAME=V]... [--variant NAME=VALUE]... [--seed N]
 *               [--no-baseline] [--digest HEX] [--json]
 *
 * What it does, in order: prepare the workload's input; bring up what its tasks need
 * (case_setup); compute the sequential reference digest (pcb_workload_reference), unless
 * --digest gives it; time one batch of the Sequential runner as the baseline (unless
 * --no-baseline, or the strategy is Sequential); then start the strategy's pool, time one batch,
 * sample CPU, context switches and peak RSS of this process and every worker process around it
 * (benches/resources.h), stop the pool, and take down what case_setup brought up.
 *
 * Every batch is checked like a benchmark case (benches/harness/verify.h): it carries a salt of
 * its own, so its merged digest must equal the sequential reference salted for it (a result
 * replayed from another batch, or left unwritten, does not match); every task must have
 * completed; and work that waits on a clock must take at least ceil(N / concurrency) waits.
 * With --digest there are no per-task digests to salt, so the batches are unsalted. Exit status: 0
 * when the checks passed; 1 when a check failed (result mismatch, a task error, a broken pool, a
 * start failure); 2 for bad options, after one line naming the option and what is allowed (bad
 * names list the valid ones).
 */
#define _GNU_SOURCE
#include "oneshot.h"

#include <errno.h>
#include <stdbool.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>
#include <sys/prctl.h>
#include <unistd.h>

#include "../../runners/runner.h"
#include "../../runners/support.h"
#include "../harness/determinism.h"
#include "../harness/options.h"
#include "../harness/resources.h"
#include "../harness/verify.h"
#include "../../workloads/reference.h"
#include "../common/efficiency.h"

#define DEFAULT_TASKS 256 /* the matrix's default task count */
#define DEFAULT_SEED 42   /* the matrix's default seed */

/* What the command line asked for. */
struct oneshot {
    const struct pcb_runner *runner;     /* --strategy */
    const struct pcb_workload *workload; /* --workload */
    uint64_t workers;                    /* --workers (0: not given) */
    uint64_t tasks;                      /* --tasks */
    uint64_t chunk;                      /* --chunk */
    uint64_t seed;                       /* --seed */
    struct {
        char name[32];           /* a workload parameter's name */
        uint64_t value;          /* its value */
    } params[PCB_WL_MAX_PARAMS]; /* --param, in the order given */
    size_t nparams;
    struct {
        char name[32];            /* a runner variant's name */
        char value[32];           /* its value */
    } variants[PCB_MAX_VARIANTS]; /* --variant, in the order given */
    size_t nvariants;
    bool baseline;    /* false with --no-baseline */
    bool json;        /* --json */
    bool have_digest; /* --digest was given */
    uint64_t digest;  /* its value */
    /* As given, checked once the strategy and workload are known. */
    bool no_baseline;                              /* --no-baseline */
    bool help;                                     /* --help */
    const char *strategy_arg, *workload_arg;       /* --strategy, --workload */
    const char *workers_arg;                       /* --workers, or NULL */
    const char *param_args[PCB_WL_MAX_PARAMS + 1]; /* --param, in the order given */
    size_t nparam_args;
    const char *variant_args[PCB_MAX_VARIANTS + 1]; /* --variant, in the order given */
    size_t nvariant_args;
};

/* One timed batch and what it cost. */
struct measured {
    uint64_t wall_ns;            /* the batch, start to end */
    uint64_t salt;               /* the batch's salt (0 with --digest) */
    uint64_t expected;           /* the merged digest the batch must return */
    uint64_t floor_ns;           /* the least time waiting work can take (0: no bound) */
    struct pcb_batch_result res; /* what the runner returned */
    struct pcb_usage u0, u1;     /* usage of self + workers before and after the batch */
    uint64_t peak_rss;           /* VmHWM of self + workers, bytes */
    size_t nworkers_procs;       /* worker processes counted */
};

#define PROG "pcbench run"

/* Runners --strategy may name besides the registered ones (pcb_oneshot_main_with()). */
static const struct pcb_runner *const *extra_runners;
static size_t nextra_runners;

static int bad(const char *opt, const char *val, const char *allowed)
{
    return pcb_opts_refuse(PROG, opt, val, allowed);
}

static int num_opt(const char *opt, const char *val, uint64_t min, uint64_t max, uint64_t *out)
{
    char allowed[96];

    if (pcb_parse_u64(val, min, max, out) == 0)
        return 0;
    snprintf(allowed, sizeof(allowed), "expected an integer from %llu to %llu",
             (unsigned long long)min, (unsigned long long)max);
    return bad(opt, val, allowed);
}

static int set_param_arg(void *opts, const char *value, char *why, size_t cap)
{
    struct oneshot *o = opts;

    if (o->nparam_args == PCB_WL_MAX_PARAMS) {
        snprintf(why, cap, "given more often than any workload has parameters");
        return -1;
    }
    o->param_args[o->nparam_args++] = value;
    return 0;
}

static int set_variant_arg(void *opts, const char *value, char *why, size_t cap)
{
    struct oneshot *o = opts;

    if (o->nvariant_args == PCB_MAX_VARIANTS) {
        snprintf(why, cap, "given more often than any strategy has variants");
        return -1;
    }
    o->variant_args[o->nvariant_args++] = value;
    return 0;
}

static int set_digest(void *opts, const char *value, char *why, size_t cap)
{
    struct oneshot *o = opts;
    char *end;

    errno = 0;
    o->digest = strtoull(value, &end, 16);
    if (!*value || *end || errno || value[0] == '-' || value[0] == ' ') {
        snprintf(why, cap, "expected a 64-bit hexadecimal digest, e.g. 0x1f2e3d4c5b6a7988");
        return -1;
    }
    o->have_digest = true;
    return 0;
}

/* --plugin: loaded (and refused) by plugin.h before this table is parsed. */
static int set_plugin_arg(void *opts, const char *value, char *why, size_t cap)
{
    (void)opts;
    (void)value;
    (void)why;
    (void)cap;
    return 0;
}

#define OFF(field) offsetof(struct oneshot, field)

/* The table: `pcbench run`'s options, their checks and their usage lines. */
static const struct pcb_opt table[] = {
    {.name = "--strategy",
     .arg = "NAME",
     .kind = PCB_OPT_TEXT,
     .offset = OFF(strategy_arg),
     .help = "the strategy (case-insensitive; required)"},
    {.name = "--workload",
     .arg = "NAME",
     .kind = PCB_OPT_TEXT,
     .offset = OFF(workload_arg),
     .help = "the workload (case-insensitive; required)"},
    {.name = "--plugin",
     .arg = "PATH",
     .kind = PCB_OPT_CUSTOM,
     .set = set_plugin_arg,
     .help = "a shared object of workloads (PCB_PLUGIN()), repeatable;\n"
             "loaded before --workload is looked up (or PCB_PLUGIN)"},
    {.name = "--workers",
     .arg = "K",
     .kind = PCB_OPT_TEXT,
     .offset = OFF(workers_arg),
     .help = "1.." PCB_XSTR(PCB_OPT_WORKERS_MAX) " (default: the CPUs this process may use;\n"
                                                 "strategies without a worker count run with 1)"},
    {.name = "--tasks",
     .arg = "N",
     .kind = PCB_OPT_U64,
     .offset = OFF(tasks),
     .min = 1,
     .max = PCB_OPT_TASKS_MAX,
     .help = "1.." PCB_XSTR(PCB_OPT_TASKS_MAX) " (default 256)"},
    {.name = "--chunk",
     .arg = "C",
     .kind = PCB_OPT_U64,
     .offset = OFF(chunk),
     .min = 1,
     .max = PCB_OPT_CHUNK_MAX,
     .help = "1.." PCB_XSTR(PCB_OPT_CHUNK_MAX) " tasks per hand-out (default 1)"},
    {.name = "--param",
     .arg = "NAME=V",
     .kind = PCB_OPT_CUSTOM,
     .set = set_param_arg,
     .help = "a parameter of the workload (a number, or a name:\nalloc=jemalloc), repeatable"},
    {.name = "--variant",
     .arg = "NAME=VALUE",
     .kind = PCB_OPT_CUSTOM,
     .set = set_variant_arg,
     .help = "a variant of the strategy (queue=mq), repeatable"},
    {.name = "--seed",
     .arg = "N",
     .kind = PCB_OPT_U64,
     .offset = OFF(seed),
     .min = 0,
     .max = UINT64_MAX,
     .help = "seed of the generated input (default 42)"},
    {.name = "--no-baseline",
     .kind = PCB_OPT_FLAG,
     .offset = OFF(no_baseline),
     .help = "skip the Sequential batch (no speedup)"},
    {.name = "--digest",
     .arg = "HEX",
     .kind = PCB_OPT_CUSTOM,
     .set = set_digest,
     .help = "the expected digest, in place of the sequential reference"},
    {.name = "--json",
     .kind = PCB_OPT_FLAG,
     .offset = OFF(json),
     .help = "one JSON object instead of the text"},
    {.name = "--help",
     .alias = "-h",
     .kind = PCB_OPT_FLAG,
     .offset = OFF(help),
     .flags = PCB_OPT_HELP,
     .help = "this text"},
};

static const struct pcb_optset set = {
    .prog = PROG, .opts = table, .nopts = sizeof(table) / sizeof(table[0])};

static void usage(FILE *f)
{
    size_t nr, nw;
    const struct pcb_runner *const *rs = pcb_runners(&nr);
    const struct pcb_workload *const *ws = pcb_workloads(&nw);

    fprintf(f, "usage: pcbench run --strategy NAME --workload NAME [--workers K] [--tasks N]\n"
               "                   [--chunk C] [--param NAME=V]... [--variant NAME=VALUE]...\n"
               "                   [--seed N] [--no-baseline] [--digest HEX] [--json]\n\n"
               "Runs one batch of N tasks outside Google Benchmark and prints its wall time,\n"
               "items/s, peak RSS (pcbench + worker processes), cores used, context switches and\n"
               "the speedup against one Sequential batch of the same input (--no-baseline skips\n"
               "it). The merged digest is checked against the sequential reference (or --digest);\n"
               "a mismatch exits 1. Options take their value as --opt VALUE or --opt=VALUE.\n\n");
    pcb_opts_usage(&set, f);
    fprintf(f, "\nStrategies (case-insensitive):");
    for (size_t i = 0; i < nr; i++)
        fprintf(f, "%s %s", i ? "," : "", rs[i]->name);
    fprintf(f, "\nWorkloads (case-insensitive) and their --param names:\n");
    for (size_t i = 0; i < nw; i++) {
        fprintf(f, "  %-22s", ws[i]->name);
        for (size_t j = 0; j < ws[i]->nparams; j++) {
            const struct pcb_param_spec *p = &ws[i]->params[j];
            if (p->names) {
                fprintf(f, " %s=", p->name);
                for (uint64_t v = p->min; v <= p->max; v++)
                    fprintf(f, "%s%s", v == p->min ? "" : "|", p->names[v]);
            } else {
                fprintf(f, " %s=%llu..%llu", p->name, (unsigned long long)p->min,
                        (unsigned long long)p->max);
            }
        }
        fprintf(f, "\n");
    }
}

/* "a, b, c" of the registry's names, into buf. */
static const char *runner_names(char *buf, size_t cap)
{
    size_t n, len = 0;
    const struct pcb_runner *const *rs = pcb_runners(&n);

    buf[0] = '\0';
    for (size_t i = 0; i < n && len < cap; i++)
        len += (size_t)snprintf(buf + len, cap - len, "%s%s", i ? ", " : "", rs[i]->name);
    return buf;
}

static const char *workload_names(char *buf, size_t cap)
{
    size_t n, len = 0;
    const struct pcb_workload *const *ws = pcb_workloads(&n);

    buf[0] = '\0';
    for (size_t i = 0; i < n && len < cap; i++)
        len += (size_t)snprintf(buf + len, cap - len, "%s%s", i ? ", " : "", ws[i]->name);
    return buf;
}

static int parse_args(int argc, char **argv, struct oneshot *o)
{
    char names[1024], allowed[1200];

    memset(o, 0, sizeof(*o));
    o->tasks = DEFAULT_TASKS;
    o->chunk = 1;
    o->seed = DEFAULT_SEED;
    int rc = pcb_opts_parse(&set, &argc, argv, o);
    if (rc == PCB_OPTS_HELP) {
        usage(stdout);
        return -1;
    }
    if (rc)
        return 2;
    o->baseline = !o->no_baseline;
    const char *strategy = o->strategy_arg, *workload = o->workload_arg, *workers = o->workers_arg;
    const char *const *pending_params = o->param_args, *const *pending_variants = o->variant_args;
    size_t npp = o->nparam_args, npv = o->nvariant_args;
    if (!strategy) {
        snprintf(allowed, sizeof(allowed), "required; one of: %s",
                 runner_names(names, sizeof(names)));
        return bad("--strategy", NULL, allowed);
    }
    if (!workload) {
        snprintf(allowed, sizeof(allowed), "required; one of: %s",
                 workload_names(names, sizeof(names)));
        return bad("--workload", NULL, allowed);
    }
    size_t n;
    const struct pcb_runner *const *rs = pcb_runners(&n);
    for (size_t i = 0; i < n && !o->runner; i++)
        if (strcasecmp(rs[i]->name, strategy) == 0)
            o->runner = rs[i];
    for (size_t i = 0; i < nextra_runners && !o->runner; i++)
        if (strcasecmp(extra_runners[i]->name, strategy) == 0)
            o->runner = extra_runners[i];
    if (!o->runner) {
        snprintf(allowed, sizeof(allowed), "unknown strategy; valid: %s",
                 runner_names(names, sizeof(names)));
        return bad("--strategy", strategy, allowed);
    }
    const struct pcb_workload *const *ws = pcb_workloads(&n);
    for (size_t i = 0; i < n && !o->workload; i++)
        if (strcasecmp(ws[i]->name, workload) == 0)
            o->workload = ws[i];
    if (!o->workload) {
        snprintf(allowed, sizeof(allowed), "unknown workload; valid: %s",
                 workload_names(names, sizeof(names)));
        return bad("--workload", workload, allowed);
    }
    const struct pcb_runner *r = o->runner;
    unsigned wmax = r->max_workers < PCB_OPT_WORKERS_MAX ? r->max_workers : PCB_OPT_WORKERS_MAX;
    /* A strategy without a worker count runs with one, whatever --workers says (as in the
     * matrix), so one command line fits every strategy. */
    if (!(r->flags & PCB_RUNNER_WORKERS)) {
        if (workers && num_opt("--workers", workers, 1, PCB_OPT_WORKERS_MAX, &o->workers))
            return 2;
        o->workers = 1;
    } else if (workers && num_opt("--workers", workers, 1, wmax, &o->workers)) {
        return 2;
    } else if (!workers) {
        unsigned cpus = pcb_cpus_allowed();
        o->workers = cpus < wmax ? cpus : wmax;
    }
    /* Parameters: each must belong to the chosen workload and lie in its range. */
    const struct pcb_workload *wl = o->workload;
    for (size_t i = 0; i < npp; i++) {
        const char *p = pending_params[i], *eq = strchr(p, '=');
        const struct pcb_param_spec *spec = NULL;
        size_t nlen = eq ? (size_t)(eq - p) : 0;
        for (size_t j = 0; j < wl->nparams && eq; j++)
            if (strlen(wl->params[j].name) == nlen && strncmp(wl->params[j].name, p, nlen) == 0)
                spec = &wl->params[j];
        if (!spec) {
            size_t len = (size_t)snprintf(allowed, sizeof(allowed),
                                          "expected NAME=VALUE with a parameter of %s:", wl->name);
            for (size_t j = 0; j < wl->nparams && len < sizeof(allowed); j++)
                len += (size_t)snprintf(allowed + len, sizeof(allowed) - len, " %s",
                                        wl->params[j].name);
            if (wl->nparams == 0)
                snprintf(allowed + len, sizeof(allowed) - len, " (it has none)");
            return bad("--param", p, allowed);
        }
        uint64_t v;
        if (pcb_param_parse(spec, eq + 1, &v)) {
            char what[160];
            snprintf(allowed, sizeof(allowed), "%s of %s is %s", spec->name, wl->name,
                     pcb_param_allowed(spec, what, sizeof(what)));
            return bad("--param", p, allowed);
        }
        size_t k = 0;
        while (k < o->nparams && strcmp(o->params[k].name, spec->name) != 0)
            k++;
        snprintf(o->params[k].name, sizeof(o->params[k].name), "%s", spec->name);
        o->params[k].value = v;
        if (k == o->nparams)
            o->nparams++;
    }
    /* Variants: NAME=VALUE among the strategy's own axes. */
    for (size_t i = 0; i < npv; i++) {
        const char *p = pending_variants[i], *eq = strchr(p, '=');
        size_t nlen = eq ? (size_t)(eq - p) : 0;
        const struct pcb_variant *var = NULL;
        for (size_t j = 0; j < r->nvariants && eq; j++)
            if (strlen(r->variants[j].name) == nlen && strncmp(r->variants[j].name, p, nlen) == 0)
                var = &r->variants[j];
        bool found = false;
        for (size_t j = 0; var && j < var->nvalues; j++)
            found |= strcmp(var->values[j], eq + 1) == 0;
        if (!var || !found) {
            size_t len = (size_t)snprintf(allowed, sizeof(allowed), "%s's variants:", r->name);
            for (size_t j = 0; j < r->nvariants && len < sizeof(allowed); j++) {
                len += (size_t)snprintf(allowed + len, sizeof(allowed) - len,
                                        "%s %s=", j ? ";" : "", r->variants[j].name);
                for (size_t k = 0; k < r->variants[j].nvalues && len < sizeof(allowed); k++)
                    len += (size_t)snprintf(allowed + len, sizeof(allowed) - len, "%s%s",
                                            k ? "|" : "", r->variants[j].values[k]);
            }
            if (r->nvariants == 0)
                snprintf(allowed + len, sizeof(allowed) - len, " none");
            return bad("--variant", p, allowed);
        }
        snprintf(o->variants[o->nvariants].name, sizeof(o->variants[0].name), "%.*s", (int)nlen, p);
        snprintf(o->variants[o->nvariants].value, sizeof(o->variants[0].value), "%s", eq + 1);
        o->nvariants++;
    }
    return 0;
}

/* Starts r's pool, times one batch with resources sampled around it, stops the pool.
 * Returns 0, or a negative code with a message in why (the pool could not start or broke). */
static int measure(const struct pcb_runner *r, const struct pcb_pool_config *cfg,
                   const struct pcb_batch *batch, uint64_t expected, uint64_t floor_ns,
                   struct measured *m)
{
    static pid_t pids[PCB_MAX_WORKERS];
    struct pcb_pool *pool = NULL;
    size_t npids = 0;
    int err;

    memset(m, 0, sizeof(*m));
    m->salt = batch->salt;
    m->expected = expected;
    m->floor_ns = floor_ns;
    m->res = pcb_poison;
    pcb_peak_rss_reset();
    if ((err = r->start(cfg, &pool)) != 0)
        return err;
    if (r->worker_pids)
        npids = r->worker_pids(pool, pids, sizeof(pids) / sizeof(pids[0]));
    pcb_usage_sample(pids, npids, &m->u0);
    uint64_t t0 = pcb_now_ns();
    err = r->run(pool, batch, &m->res);
    uint64_t t1 = pcb_now_ns();
    pcb_usage_sample(pids, npids, &m->u1);
    m->peak_rss = pcb_peak_rss(pids, npids);
    m->nworkers_procs = npids;
    m->wall_ns = t1 - t0;
    r->stop(pool);
    return err;
}

/* Checks a batch like the benchmark fixture does (verify.h). Returns 0, or 1 after printing
 * why. */
static int check(const char *who, const struct measured *m, uint64_t tasks, uint64_t ref,
                 bool given)
{
    const char *unwritten = pcb_result_unwritten(&m->res);

    if (unwritten) {
        fprintf(stderr,
                "pcbench run: %s: stale result: the batch left %s unwritten: run() did "
                "not %s it\n",
                who, unwritten, strcmp(unwritten, "its result") == 0 ? "run" : "report");
        return 1;
    }
    if (m->res.failed) {
        fprintf(stderr, "pcbench run: %s: task %llu failed: %s (%llu of %llu tasks failed)\n", who,
                (unsigned long long)m->res.err_task, pcb_strerror(m->res.err),
                (unsigned long long)m->res.failed, (unsigned long long)tasks);
        return 1;
    }
    if (m->salt && m->res.digest == ref && m->res.done == tasks) {
        fprintf(stderr,
                "pcbench run: %s: result mismatch: digest 0x%016llx is the unsalted sequential "
                "reference, expected 0x%016llx (salted with 0x%016llx): run() did not salt its "
                "tasks' digests\n",
                who, (unsigned long long)m->res.digest, (unsigned long long)m->expected,
                (unsigned long long)m->salt);
        return 1;
    }
    if (m->res.digest != m->expected || m->res.done != tasks) {
        if (given || !m->salt)
            fprintf(stderr,
                    "pcbench run: %s: result mismatch: digest 0x%016llx, %s 0x%016llx (%llu of "
                    "%llu tasks done)\n",
                    who, (unsigned long long)m->res.digest,
                    given ? "expected (--digest)" : "sequential reference", (unsigned long long)ref,
                    (unsigned long long)m->res.done, (unsigned long long)tasks);
        else
            fprintf(stderr,
                    "pcbench run: %s: result mismatch: digest 0x%016llx, expected 0x%016llx (the "
                    "sequential reference 0x%016llx salted with 0x%016llx) (%llu of %llu tasks "
                    "done)\n",
                    who, (unsigned long long)m->res.digest, (unsigned long long)m->expected,
                    (unsigned long long)ref, (unsigned long long)m->salt,
                    (unsigned long long)m->res.done, (unsigned long long)tasks);
        return 1;
    }
    if (m->wall_ns < m->floor_ns) {
        fprintf(stderr,
                "pcbench run: %s: finished too early: the batch took %.3f ms, but its waiting "
                "tasks take at least %.3f ms (less 1%%): waits were skipped\n",
                who, (double)m->wall_ns * 1e-6, (double)m->floor_ns * 1e-6);
        return 1;
    }
    return 0;
}

static void fmt_time(char *out, size_t cap, double ns)
{
    if (ns >= 1e9)
        snprintf(out, cap, "%.3f s", ns / 1e9);
    else if (ns >= 1e6)
        snprintf(out, cap, "%.3f ms", ns / 1e6);
    else if (ns >= 1e3)
        snprintf(out, cap, "%.3f us", ns / 1e3);
    else
        snprintf(out, cap, "%.0f ns", ns);
}

static const char *fmt_si(char *out, size_t cap, double v)
{
    if (v >= 1e9)
        snprintf(out, cap, "%.2fG", v / 1e9);
    else if (v >= 1e6)
        snprintf(out, cap, "%.2fM", v / 1e6);
    else if (v >= 1e3)
        snprintf(out, cap, "%.2fk", v / 1e3);
    else
        snprintf(out, cap, "%.2f", v);
    return out;
}

/* Writes s as a JSON string (names come from the registries, but escape anyway). */
static void json_str(const char *s)
{
    putchar('"');
    for (; *s; s++) {
        if (*s == '"' || *s == '\\')
            printf("\\%c", *s);
        else if ((unsigned char)*s < 0x20)
            printf("\\u%04x", *s);
        else
            putchar(*s);
    }
    putchar('"');
}

static void report(const struct oneshot *o, const char *variant_label, unsigned workers,
                   unsigned total_workers, uint64_t concurrency, const struct measured *m,
                   const struct measured *base, uint64_t ref, int status, uint64_t task_bytes)
{
    double wall = (double)m->wall_ns;
    double ips = wall > 0 ? (double)o->tasks / (wall * 1e-9) : 0;
    double cores = pcb_usage_cores(&m->u0, &m->u1);
    uint64_t vcs = m->u1.vcsw - m->u0.vcsw, ivcs = m->u1.ivcsw - m->u0.ivcsw;
    double cpu_per_task = m->u1.cpu_ns > m->u0.cpu_ns && o->tasks
                              ? (double)(m->u1.cpu_ns - m->u0.cpu_ns) / (double)o->tasks
                              : 0;
    double speedup = base && m->wall_ns ? (double)base->wall_ns / wall : 0;
    bool ok = status == 0;
    /* The one definition (efficiency.h): per CPU on CPU work, per task in flight on waiting
     * work. */
    bool waiting = o->workload->kind == PCB_WL_WAIT;
    double efficiency =
        pcb_efficiency(speedup, waiting, total_workers, (double)concurrency, pcb_cpus_allowed());

    if (o->json) {
        printf("{\"strategy\":");
        json_str(o->runner->name);
        printf(",\"workload\":");
        json_str(o->workload->name);
        printf(",\"variant\":");
        json_str(variant_label);
        printf(",\"params\":{");
        for (size_t i = 0; i < o->workload->nparams; i++) {
            printf("%s", i ? "," : "");
            json_str(o->workload->params[i].name);
            uint64_t v = o->workload->params[i].defaults[0];
            for (size_t k = 0; k < o->nparams; k++)
                if (strcmp(o->params[k].name, o->workload->params[i].name) == 0)
                    v = o->params[k].value;
            char text[32];
            const struct pcb_param_spec *p = &o->workload->params[i];
            if (p->names) { /* a named value is a string */
                printf(":");
                json_str(pcb_param_format(p, v, text, sizeof(text)));
            } else {
                printf(":%llu", (unsigned long long)v);
            }
        }
        printf("},\"workers\":%u,\"total_workers\":%u,\"concurrency\":%llu,\"tasks\":%llu,"
               "\"chunk\":%llu,\"seed\":%llu,\"wall_ns\":%llu,\"items_per_second\":%.6g,",
               workers, total_workers, (unsigned long long)concurrency,
               (unsigned long long)o->tasks, (unsigned long long)o->chunk,
               (unsigned long long)o->seed, (unsigned long long)m->wall_ns, ips);
        if (task_bytes)
            printf("\"bytes_per_second\":%.6g,", ips * (double)task_bytes);
        printf("\"peak_rss_bytes\":%llu,\"worker_processes\":%zu,\"cores_used\":%.4f,"
               "\"cpu_ns_per_task\":%.1f,\"vol_cs\":%llu,\"invol_cs\":%llu,"
               "\"vol_cs_per_task\":%.4f,\"invol_cs_per_task\":%.4f,",
               (unsigned long long)m->peak_rss, m->nworkers_procs, cores, cpu_per_task,
               (unsigned long long)vcs, (unsigned long long)ivcs, (double)vcs / (double)o->tasks,
               (double)ivcs / (double)o->tasks);
        if (base)
            printf("\"baseline_wall_ns\":%llu,\"speedup\":%.4f,\"efficiency\":%.4f,",
                   (unsigned long long)base->wall_ns, speedup, efficiency);
        else
            printf("\"baseline_wall_ns\":null,\"speedup\":null,\"efficiency\":null,");
        /* "digest" is the work's (the unsalted reference the batch was verified against);
         * what the batch itself merged is "batch_digest", salted with "salt". */
        printf("\"digest\":\"0x%016llx\",\"reference_digest\":\"0x%016llx\",\"reference\":\"%s\","
               "\"salt\":\"0x%016llx\",\"batch_digest\":\"0x%016llx\","
               "\"expected_batch_digest\":\"0x%016llx\",\"digest_ok\":%s,\"failed_tasks\":%llu}\n",
               (unsigned long long)(ok ? ref : m->res.digest), (unsigned long long)ref,
               o->have_digest ? "given" : "computed", (unsigned long long)m->salt,
               (unsigned long long)m->res.digest, (unsigned long long)m->expected,
               ok ? "true" : "false", (unsigned long long)m->res.failed);
        return;
    }
    char t[32], bt[32];
    fmt_time(t, sizeof(t), wall);
    printf("%s", o->runner->name);
    if (o->runner->workers_name) /* procs:P for processes x threads */
        printf(" %s:%u", o->runner->workers_name, workers);
    printf("%s%s on %s", variant_label[0] ? " " : "", variant_label, o->workload->name);
    for (size_t i = 0; i < o->workload->nparams; i++) {
        uint64_t v = o->workload->params[i].defaults[0];
        for (size_t k = 0; k < o->nparams; k++)
            if (strcmp(o->params[k].name, o->workload->params[i].name) == 0)
                v = o->params[k].value;
        char text[32];
        printf(" %s:%s", o->workload->params[i].name,
               pcb_param_format(&o->workload->params[i], v, text, sizeof(text)));
    }
    printf(", %u worker%s, %llu in flight, %llu tasks, chunk %llu, seed %llu\n", total_workers,
           total_workers == 1 ? "" : "s", (unsigned long long)concurrency,
           (unsigned long long)o->tasks, (unsigned long long)o->chunk, (unsigned long long)o->seed);
    printf("  wall time          %s (one batch; pool start and stop not included)\n", t);
    char si[32];
    printf("  items/s            %s\n", fmt_si(si, sizeof(si), ips));
    if (task_bytes)
        printf("  bytes/s            %s\n", fmt_si(si, sizeof(si), ips * (double)task_bytes));
    printf("  peak RSS           %.1f MiB (pcbench + %zu worker process%s)\n",
           (double)m->peak_rss / 1048576.0, m->nworkers_procs, m->nworkers_procs == 1 ? "" : "es");
    printf("  cores used         %.2f (CPU time / wall time)\n", cores);
    fmt_time(t, sizeof(t), cpu_per_task);
    printf("  CPU per task       %s (CPU time of pcbench and its workers / tasks)\n", t);
    printf("  context switches   %llu voluntary (%.2f per task), %llu involuntary (%.2f per "
           "task)\n",
           (unsigned long long)vcs, (double)vcs / (double)o->tasks, (unsigned long long)ivcs,
           (double)ivcs / (double)o->tasks);
    if (base) {
        fmt_time(bt, sizeof(bt), (double)base->wall_ns);
        printf("  speedup            %.2fx against one Sequential batch (%s); efficiency %.2f "
               "(speedup / %s %.0f)\n",
               speedup, bt, efficiency, waiting ? "concurrency" : "min(workers, CPUs)",
               pcb_efficiency_divisor(waiting, total_workers, (double)concurrency,
                                      pcb_cpus_allowed()));
    } else {
        printf("  speedup            - (no baseline)\n");
    }
    if (ok)
        printf("  digest             0x%016llx matches (%s reference 0x%016llx; %s)\n",
               (unsigned long long)ref, o->have_digest ? "given" : "sequential",
               (unsigned long long)ref,
               m->salt ? "every task salted for this batch" : "unsalted: --digest");
    else
        printf("  digest             0x%016llx DOES NOT MATCH (expected 0x%016llx: the %s "
               "reference 0x%016llx%s)\n",
               (unsigned long long)m->res.digest, (unsigned long long)m->expected,
               o->have_digest ? "given" : "sequential", (unsigned long long)ref,
               m->salt ? " salted for this batch" : "");
}

int pcb_oneshot_main(int argc, char **argv)
{
    return pcb_oneshot_main_with(argc, argv, NULL, 0);
}

int pcb_oneshot_main_with(int argc, char **argv, const struct pcb_runner *const *extra,
                          size_t nextra)
{
    struct oneshot o;
    struct pcb_input *in = NULL;
    uint64_t values[PCB_WL_MAX_PARAMS] = {0}, ref = 0;
    struct measured m, base;
    uint64_t *ref_digests = NULL; /* the per-task reference (none with --digest) */
    int *ref_errs = NULL;
    bool have_base = false;
    char why[160] = "", variant_label[160] = "";
    int rc, err, status = 0;

    extra_runners = extra;
    nextra_runners = nextra;
    rc = parse_args(argc, argv, &o);

    if (rc)
        return rc < 0 ? 0 : rc;
    const struct pcb_runner *r = o.runner;
    const struct pcb_workload *wl = o.workload;

    /* The same timer slack as the benchmark run, so waiting workloads do not oversleep. */
    prctl(PR_SET_TIMERSLACK, 1UL, 0, 0, 0);

    for (size_t i = 0; i < wl->nparams; i++) {
        values[i] = wl->params[i].defaults[0];
        for (size_t k = 0; k < o.nparams; k++)
            if (strcmp(o.params[k].name, wl->params[i].name) == 0)
                values[i] = o.params[k].value;
    }
    struct pcb_pool_config cfg = {
        .workload = wl, .workers = (unsigned)o.workers, .why = why, .why_len = sizeof(why)};
    unsigned total = (unsigned)o.workers;
    size_t vlen = 0;
    for (size_t v = 0; v < r->nvariants; v++) {
        unsigned idx = 0;
        for (size_t k = 0; k < o.nvariants; k++)
            if (strcmp(o.variants[k].name, r->variants[v].name) == 0)
                for (size_t j = 0; j < r->variants[v].nvalues; j++)
                    if (strcmp(r->variants[v].values[j], o.variants[k].value) == 0)
                        idx = (unsigned)j;
        cfg.variant[v] = idx;
        if (r->variants[v].flags & PCB_VARIANT_MULTIPLIES)
            total *= (unsigned)strtoul(r->variants[v].values[idx], NULL, 10);
        if (vlen < sizeof(variant_label))
            vlen +=
                (size_t)snprintf(variant_label + vlen, sizeof(variant_label) - vlen, "%s%s:%s",
                                 vlen ? " " : "", r->variants[v].name, r->variants[v].values[idx]);
    }
    if (total == 0)
        total = 1;
    /* The loop depth is part of the case name's variants (depth:64); so it is of the label. */
    if (pcb_runner_loop_depth(r, wl) > 1 && vlen < sizeof(variant_label))
        vlen += (size_t)snprintf(variant_label + vlen, sizeof(variant_label) - vlen, "%sdepth:%u",
                                 vlen ? " " : "", pcb_runner_loop_depth(r, wl));

    if ((err = wl->prepare(values, o.seed, &in)) != 0) {
        /* Every value is within its range, so what is left is an input the values name that
         * cannot be had (CPU.text's corpus:3 and up are PCB_TEXT's files): bad input, unless
         * memory ran out. */
        char given[160] = "";
        size_t len = 0;
        for (size_t i = 0; i < wl->nparams && len < sizeof(given); i++)
            len += (size_t)snprintf(given + len, sizeof(given) - len, "%s%s=%llu", i ? "," : "",
                                    wl->params[i].name, (unsigned long long)values[i]);
        fprintf(stderr, "pcbench run: --param %s: %s cannot prepare its input: %s%s%s\n", given,
                wl->name, pcb_strerror(err), getenv("PCB_TEXT") ? "; PCB_TEXT=" : "",
                getenv("PCB_TEXT") ? getenv("PCB_TEXT") : "");
        return err == -ENOMEM ? 1 : 2;
    }
    cfg.input = in;
    if (wl->case_setup && (err = wl->case_setup(in)) != 0) {
        fprintf(stderr, "pcbench run: %s set-up failed: %s\n", wl->name, pcb_strerror(err));
        wl->release(in);
        return 1;
    }
    char det_why[320];
    if (pcb_workload_check_deterministic(wl, values, o.seed, in, det_why, sizeof(det_why)) != 0) {
        fprintf(stderr, "pcbench run: %s\n", det_why);
        status = 1;
        goto out;
    }
    /* The per-task reference, so that each batch can be salted (verify.h); --digest gives only
     * the merge, so its batches are unsalted. */
    if (o.have_digest) {
        ref = o.digest;
    } else {
        ref_digests = calloc(o.tasks, sizeof(*ref_digests));
        ref_errs = calloc(o.tasks, sizeof(*ref_errs));
        if (!ref_digests || !ref_errs) {
            fprintf(stderr, "pcbench run: the sequential reference failed: %s\n",
                    pcb_strerror(-ENOMEM));
            status = 1;
            goto out;
        }
        pcb_workload_reference_tasks(wl, in, 0, o.tasks, ref_digests, ref_errs);
        for (uint64_t t = 0; t < o.tasks; t++)
            if (ref_errs[t]) {
                fprintf(stderr, "pcbench run: the sequential reference failed: task %llu: %s\n",
                        (unsigned long long)t, pcb_strerror(ref_errs[t]));
                status = 1;
                goto out;
            }
        ref = pcb_batch_expected(ref_digests, ref_errs, o.tasks, 0);
    }
    uint64_t salt_base = pcb_salt_base_fresh(), nbatch = 0;
    uint64_t wait_ns = wl->task_wait_ns ? wl->task_wait_ns(in) : 0;
    struct pcb_batch batch = {.tasks = o.tasks, .chunk = o.chunk};
    const struct pcb_runner *seq = pcb_runner_find("Sequential");
    if (o.baseline && seq && r != seq) {
        struct pcb_pool_config scfg = {.workload = wl, .input = in, .workers = 1};
        batch.salt = o.have_digest ? 0 : pcb_batch_salt(salt_base, ++nbatch);
        uint64_t expected =
            o.have_digest ? ref : pcb_batch_expected(ref_digests, ref_errs, o.tasks, batch.salt);
        if ((err = measure(seq, &scfg, &batch, expected,
                           pcb_wait_floor_ns(pcb_wait_need_ns(o.tasks, 1, wait_ns)), &base)) != 0) {
            fprintf(stderr, "pcbench run: the %s baseline failed: %s\n", seq->name,
                    pcb_strerror(err));
            status = 1;
            goto out;
        }
        if ((status = check(seq->name, &base, o.tasks, ref, o.have_digest)) != 0)
            goto out;
        have_base = true;
    }
    uint64_t concurrency = (uint64_t)total * pcb_runner_loop_depth(r, wl);
    batch.salt = o.have_digest ? 0 : pcb_batch_salt(salt_base, ++nbatch);
    uint64_t expected =
        o.have_digest ? ref : pcb_batch_expected(ref_digests, ref_errs, o.tasks, batch.salt);
    if ((err = measure(r, &cfg, &batch, expected,
                       pcb_wait_floor_ns(pcb_wait_need_ns(o.tasks, concurrency, wait_ns)), &m)) !=
        0) {
        fprintf(stderr, "pcbench run: %s %s: %s%s%s\n", r->name,
                m.wall_ns ? "pool broke" : "pool start failed", pcb_strerror(err),
                why[0] ? ": " : "", why);
        status = 1;
        goto out;
    }
    status = check(r->name, &m, o.tasks, ref, o.have_digest);
    if (o.baseline && r == seq) {
        base = m; /* Sequential against itself: speedup 1 by definition */
        have_base = true;
    }
    report(&o, variant_label, (unsigned)o.workers, total, concurrency, &m, have_base ? &base : NULL,
           ref, status, wl->task_bytes ? wl->task_bytes(in) : 0);
out:
    free(ref_digests);
    free(ref_errs);
    if (wl->case_teardown)
        wl->case_teardown(in);
    wl->release(in);
    return status;
}
