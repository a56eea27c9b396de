/*
 * model.c - the report's cases, built from the reader's model, and what the report derives
 * from them; see report.h.
 *
 * A Google Benchmark case's figures: the median aggregate wins when the file has one;
 * otherwise the median of the raw repetitions is taken, quantity by quantity (the time, the
 * CPU time, each counter); a single run is its own median. Any errored entry marks the whole
 * case failed, with the entry's message. A counter the file wrote as NaN is left out. A
 * hyperfine case shows hyperfine's own statistics (the median of its runs when it has none).
 *
 * Case names are taken apart by the case-name grammar (pcb_name_parse, casename.h), by
 * position: in a matrix name the part after the workload is the worker count, the parts between
 * it and tasks: are the strategy's variants (queue:pipe, wait:park, threads:4), and the parts
 * after tasks: (and chunk:) are the workload's parameters, numbers or names alike (kib:64,
 * alloc:jemalloc). The parameters select the input, so they are part of the group speedup is
 * computed in; the variants are part of the series a chart line shows. Hybrid's
 * procs:P/threads:T is P x T workers (pcb_name_total_workers), labelled "PxT". The label of a
 * case is its name without the parts Google Benchmark adds (min_time:, manual_time, ...).
 *
 * Speedup is Sequential's median / the case's median in the same group (workload, tasks and
 * parameters). Efficiency has the one definition of efficiency.h: speedup / min(workers, CPUs)
 * on CPU work, speedup / concurrency on waiting work (the file's "pcb_work" says which; a file
 * without it is taken as CPU work). A group's cases are compared along one axis: workers, or,
 * on waiting work, the most tasks in flight (the `concurrency` counter, else the name's
 * workers x depth:), so a thread pool, an event loop and Hybrid meet at equal concurrency. The
 * winner of a group at an axis value is its fastest case there that did not fail.
 *
 * Floor pairing: an IPC/, Lifecycle/ or Floor/ case whose label (Google Benchmark's "label")
 * is the name of a Floor/ case is read against that case. Otherwise a case with a part "threads"
 * (or "thread") is read against Floor/futex_pingpong/threads, one with "processes" (or
 * "process") against Floor/pipe_pingpong/processes. The ratio is the case's median time per
 * operation over the floor's; when both report bytes/s (streams against Floor/memcpy), it is the
 * floor's bytes/s over the case's, the same "times slower" read per byte.
 */
#define _GNU_SOURCE
#include "report.h"

#include "casename.h"
#include "efficiency.h"
#include "text.h"

#include <ctype.h>
#include <stdarg.h>
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

int pcb_rp_errf(char *err, const char *fmt, ...)
{
    va_list ap;

    va_start(ap, fmt);
    vsnprintf(err, PCB_RP_ERRLEN, fmt, ap);
    va_end(ap);
    return -1;
}

double pcb_rp_counter(const struct pcb_rp_case *c, const char *name)
{
    for (size_t i = 0; i < c->ncounters; i++)
        if (strcmp(c->counters[i].name, name) == 0)
            return c->counters[i].value;
    return NAN;
}

const char *pcb_rp_context(const struct pcb_rp_report *r, const char *key)
{
    for (size_t i = 0; i < r->nctx; i++)
        if (strcmp(r->ctx[i].key, key) == 0)
            return r->ctx[i].value;
    return NULL;
}

static int has_prefix(const char *s, const char *p)
{
    return strncmp(s, p, strlen(p)) == 0;
}

/* ---- a case's figures ---- */

static int cmp_double(const void *a, const void *b)
{
    double x = *(const double *)a, y = *(const double *)b;
    return (x > y) - (x < y);
}

/* The median of v[0..n) (sorted in place), NAN when n is 0. */
static double median_of(double *v, size_t n)
{
    if (n == 0)
        return NAN;
    qsort(v, n, sizeof(*v), cmp_double);
    return n % 2 ? v[n / 2] : (v[n / 2 - 1] + v[n / 2]) / 2;
}

/* Sets counter `name` of c to v (adding it at the end when c has none of that name). */
static int set_counter(struct pcb_rp_case *c, const char *name, double v)
{
    for (size_t i = 0; i < c->ncounters; i++)
        if (strcmp(c->counters[i].name, name) == 0) {
            c->counters[i].value = v;
            return 0;
        }
    struct pcb_rp_counter *m = realloc(c->counters, (c->ncounters + 1) * sizeof(*m));
    if (!m)
        return -1;
    c->counters = m;
    m[c->ncounters++] = (struct pcb_rp_counter){name, v};
    return 0;
}

/* One quantity's values over a case's repetitions. */
struct samples {
    const char *name; /* counter name (interned by the reader), or NULL for the time */
    double *v;        /* the values */
    size_t n;         /* how many */
};

/* Appends v to the samples called `name` in *s (adding them at the end when new). */
static int add_sample(struct samples **s, size_t *ns, const char *name, double v)
{
    size_t i = 0;

    while (i < *ns && (*s)[i].name != name)
        i++;
    if (i == *ns) {
        struct samples *m = realloc(*s, (*ns + 1) * sizeof(*m));
        if (!m)
            return -1;
        *s = m;
        m[(*ns)++] = (struct samples){name, NULL, 0};
    }
    double *nv = realloc((*s)[i].v, ((*s)[i].n + 1) * sizeof(*nv));
    if (!nv)
        return -1;
    (*s)[i].v = nv;
    nv[(*s)[i].n++] = v;
    return 0;
}

/* The figures of a Google Benchmark case (see the top of this file). */
static int gbench_figures(struct pcb_rp_case *c)
{
    const struct pcb_results_case *src = c->src;
    struct samples *s = NULL;
    double *real = NULL, *cpu = NULL;
    size_t ns = 0, nreal = 0, label_at = 0;
    int bad = 0;

    if ((real = malloc((src->nreps + 1) * sizeof(*real))) == NULL ||
        (cpu = malloc((src->nreps + 1) * sizeof(*cpu))) == NULL)
        bad = 1;
    for (size_t i = 0; i < src->nreps + src->naggs && !bad; i++) {
        const struct pcb_results_entry *e =
            i < src->nreps ? &src->reps[i] : &src->aggs[i - src->nreps];
        if (e->label && (!c->gb_label || e->entry < label_at)) {
            c->gb_label = e->label;
            label_at = e->entry;
        }
        if (e->error || e->aggregate)
            continue;
        real[nreal] = e->real_ns;
        cpu[nreal++] = e->cpu_ns;
        for (size_t k = 0; k < e->ncounters && !bad; k++)
            if (!isnan(e->counters[k].value))
                bad = add_sample(&s, &ns, e->counters[k].name, e->counters[k].value);
    }
    c->nreps = src->nreps;
    if (!bad && nreal > 0) {
        double mean = 0, ss = 0;
        for (size_t j = 0; j < nreal; j++)
            mean += real[j];
        mean /= (double)nreal;
        for (size_t j = 0; j < nreal; j++)
            ss += (real[j] - mean) * (real[j] - mean);
        c->median_ns = median_of(real, nreal);
        c->mean_ns = mean;
        c->stddev_ns = nreal > 1 ? sqrt(ss / (double)(nreal - 1)) : NAN;
        c->cpu_ns = median_of(cpu, nreal);
    }
    for (size_t k = 0; k < ns && !bad; k++)
        bad = set_counter(c, s[k].name, median_of(s[k].v, s[k].n));
    /* The file's own aggregates win over what was computed from its repetitions. */
    for (size_t i = 0; i < src->naggs && !bad; i++) {
        const struct pcb_results_entry *e = &src->aggs[i];
        if (e->error)
            continue;
        if (strcmp(e->aggregate, "median") == 0) {
            c->median_ns = e->real_ns;
            c->cpu_ns = e->cpu_ns;
            for (size_t k = 0; k < e->ncounters && !bad; k++)
                if (!isnan(e->counters[k].value))
                    bad = set_counter(c, e->counters[k].name, e->counters[k].value);
        } else if (strcmp(e->aggregate, "stddev") == 0) {
            c->stddev_ns = e->real_ns;
        } else if (strcmp(e->aggregate, "mean") == 0) {
            c->mean_ns = e->real_ns;
        } else {
            continue; /* cv, BigO, RMS, user statistics: not shown */
        }
        if (c->nreps == 0 && e->repetitions > 0)
            c->nreps = (size_t)e->repetitions; /* a file of aggregates only */
    }
    for (size_t k = 0; k < ns; k++)
        free(s[k].v);
    free(s);
    free(real);
    free(cpu);
    return bad ? -1 : 0;
}

/* The figures of a hyperfine command. */
static int hyperfine_figures(struct pcb_rp_case *c)
{
    const struct pcb_results_case *src = c->src;
    const struct pcb_results_summary *s = &src->summary;

    c->family = PCB_RP_WHOLE;
    c->nreps = src->nreps ? src->nreps : 1;
    c->median_ns = s->median_ns;
    if (isnan(c->median_ns) && src->nreps > 0) {
        double *v = malloc(src->nreps * sizeof(*v));
        if (!v)
            return -1;
        for (size_t i = 0; i < src->nreps; i++)
            v[i] = src->reps[i].real_ns;
        c->median_ns = median_of(v, src->nreps);
        free(v);
    }
    c->mean_ns = s->mean_ns;
    c->stddev_ns = s->stddev_ns;
    c->min_ns = s->min_ns;
    c->max_ns = s->max_ns;
    c->user_ns = s->user_ns;
    c->sys_ns = s->system_ns;
    return 0;
}

/* Appends a case for src of `file` to r. */
static int add_case(struct pcb_rp_report *r, const struct pcb_results *file,
                    const struct pcb_results_case *src)
{
    char why[64], name[512];
    const char *error;

    if (r->ncases == r->cap) {
        size_t ncap = r->cap ? r->cap * 2 : 64;
        struct pcb_rp_case *n = realloc(r->cases, ncap * sizeof(*n));
        if (!n)
            return -1;
        r->cases = n;
        r->cap = ncap;
    }
    struct pcb_rp_case *c = &r->cases[r->ncases];
    memset(c, 0, sizeof(*c));
    c->src = src;
    c->median_ns = c->stddev_ns = c->mean_ns = c->cpu_ns = NAN;
    c->min_ns = c->max_ns = c->user_ns = c->sys_ns = NAN;
    c->speedup = c->efficiency = c->floor_ratio = NAN;
    snprintf(name, sizeof(name), "%s", src->name);
    if (file->kind == PCB_RESULTS_HYPERFINE) {
        /* hyperfine names a command after its text unless --command-name was given; the same
         * command in two files stays two cases. */
        for (int k = 2;; k++) {
            int dup = 0;
            for (size_t i = 0; i < r->ncases && !dup; i++)
                dup = strcmp(r->cases[i].name, name) == 0;
            if (!dup)
                break;
            snprintf(name, sizeof(name), "%s #%d", src->name, k);
        }
    }
    c->name = strdup(name);
    r->ncases++; /* from here on, pcb_rp_report_free() frees what it holds */
    if (!c->name)
        return -1;
    if ((error = pcb_results_case_error(src, why, sizeof(why))) != NULL) {
        c->failed = 1;
        if (!(c->error = strdup(error)))
            return -1;
    }
    return file->kind == PCB_RESULTS_HYPERFINE ? hyperfine_figures(c) : gbench_figures(c);
}

/* Whether a result file is an MPI run (its context has pcbench_mpi_hosts). */
static int is_mpi_run(const struct pcb_results *file)
{
    for (size_t i = 0; i < file->ncontext; i++)
        if (strcmp(file->context[i].key, "pcbench_mpi_hosts") == 0)
            return 1;
    return 0;
}

/* Reads another MPI run into a report of its own in r->runs (shown by links.c), which takes
 * file over, also on failure. Returns 0 or -1 with err set. */
static int add_run(struct pcb_rp_report *r, struct pcb_results *file, char *err)
{
    struct pcb_rp_report **n = realloc(r->runs, (r->nruns + 1) * sizeof(*n));
    struct pcb_rp_report *run = calloc(1, sizeof(*run));

    if (!n || !run) {
        free(run);
        if (n)
            r->runs = n;
        pcb_rp_errf(err, "%s: out of memory", file->path);
        pcb_results_destroy(file);
        return -1;
    }
    r->runs = n;
    r->runs[r->nruns++] = run;
    if (pcb_rp_add(run, file, err) || pcb_rp_model_build(run, err))
        return -1;
    return 0;
}

int pcb_rp_add(struct pcb_rp_report *r, struct pcb_results *file, char *err)
{
    /* A set of MPI runs (one file per host count and link) is the one exception to "one run
     * per report": each further file is a report of its own, shown beside the first (links.c). */
    if (file->kind == PCB_RESULTS_GBENCH && r->have_gbench &&
        (is_mpi_run(file) || pcb_rp_context(r, "pcbench_mpi_hosts")))
        return add_run(r, file, err);

    struct pcb_results **n = realloc(r->files, (r->nfiles + 1) * sizeof(*n));

    if (!n) {
        pcb_rp_errf(err, "%s: out of memory", file->path);
        pcb_results_destroy(file);
        return -1;
    }
    r->files = n;
    r->files[r->nfiles++] = file;
    if (file->kind == PCB_RESULTS_GBENCH) {
        if (r->have_gbench)
            return pcb_rp_errf(err,
                               "%s: a second Google Benchmark file; a report shows one run (to "
                               "set two runs side by side, use compare), or MPI runs beside "
                               "others (files whose context has pcbench_mpi_hosts)",
                               file->path);
        r->have_gbench = 1;
        r->ctx = file->context;
        r->nctx = file->ncontext;
    }
    for (size_t i = 0; i < file->ncases; i++)
        if (add_case(r, file, &file->cases[i]))
            return pcb_rp_errf(err, "%s: out of memory", file->path);
    return 0;
}

int pcb_rp_load(struct pcb_rp_report *r, const char *path, char *err)
{
    struct pcb_results *file;

    if (pcb_results_read(path, &file, err) != 0)
        return -1;
    pcb_results_thread_cleanup(); /* the report reads its few files one after the other */
    return pcb_rp_add(r, file, err);
}

void pcb_rp_report_free(struct pcb_rp_report *r)
{
    for (size_t i = 0; i < r->ncases; i++) {
        struct pcb_rp_case *c = &r->cases[i];
        free(c->name);
        free(c->label);
        free(c->strategy);
        free(c->workload);
        free(c->variant);
        free(c->group);
        free(c->series);
        free(c->params);
        free(c->error);
        free(c->counters);
    }
    free(r->cases);
    for (size_t i = 0; i < r->ngroups; i++) {
        free(r->groups[i].key);
        free(r->groups[i].workload);
        free(r->groups[i].cases);
        free(r->groups[i].at);
        free(r->groups[i].series);
    }
    free(r->groups);
    free(r->counter_names);
    free(r->scalings);
    for (size_t i = 0; i < r->nfiles; i++)
        pcb_results_destroy(r->files[i]);
    free(r->files);
    for (size_t i = 0; i < r->nruns; i++) {
        pcb_rp_report_free(r->runs[i]);
        free(r->runs[i]);
    }
    free(r->runs);
    memset(r, 0, sizeof(*r));
}

/* ---- names ---- */

/* Appends " s" (or "s" to an empty string) to *dst. Returns 0 or -1. */
static int append(char **dst, const char *sep, const char *s)
{
    size_t a = *dst ? strlen(*dst) : 0;
    char *n = realloc(*dst, a + strlen(sep) + strlen(s) + 1);

    if (!n)
        return -1;
    if (a == 0)
        n[0] = '\0';
    else
        strcat(n, sep);
    strcat(n, s);
    *dst = n;
    return 0;
}

/* Appends "key:value" of each of kv[0..n) to *dst, space-separated. */
static int append_kvs(char **dst, const struct pcb_name_kv *kv, size_t n)
{
    char part[PCB_NAME_MAX];

    for (size_t i = 0; i < n; i++) {
        snprintf(part, sizeof(part), "%s:%s", kv[i].key, kv[i].value);
        if (append(dst, " ", part))
            return -1;
    }
    return 0;
}

/* Takes the case's name apart: its label, family and, for a matrix case, strategy, workload,
 * variants, workers, tasks, chunk, parameters and group. */
static int parse_case(struct pcb_rp_case *c)
{
    static const enum pcb_rp_family families[] = {
        [PCB_NAME_OTHER] = PCB_RP_OTHER,         [PCB_NAME_MATRIX] = PCB_RP_MATRIX,
        [PCB_NAME_FLOOR] = PCB_RP_FLOOR,         [PCB_NAME_IPC] = PCB_RP_IPC,
        [PCB_NAME_LIFECYCLE] = PCB_RP_LIFECYCLE,
    };
    struct pcb_name n;
    char tasks[40];

    if (c->family == PCB_RP_WHOLE || pcb_name_parse(c->name, NULL, &n) != 0) {
        /* A command, or a name the grammar refuses (too long, too many parts): as it is. */
        if (c->family != PCB_RP_WHOLE)
            c->family = PCB_RP_OTHER;
        return (c->label = strdup(c->name)) ? 0 : -1;
    }
    /* The label: the key (no tuning parts) without the time type that closes it. */
    size_t len = strlen(n.key);
    for (;;) {
        const char *slash = memrchr(n.key, '/', len);
        if (!slash || !pcb_name_is_library_part(slash + 1, len - (size_t)(slash + 1 - n.key)))
            break;
        len = (size_t)(slash - n.key);
    }
    if (!(c->label = strndup(n.key, len)))
        return -1;
    c->family = families[n.family];
    if (c->family != PCB_RP_MATRIX)
        return 0;
    c->strategy = strdup(n.strategy);
    c->workload = strdup(n.workload);
    c->variant = strdup("");
    c->params = strdup("");
    c->group = strdup(n.workload);
    if (!c->strategy || !c->workload || !c->variant || !c->params || !c->group ||
        append_kvs(&c->variant, n.variants, n.nvariants) ||
        append_kvs(&c->params, n.params, n.nparams))
        return -1;
    c->tasks = n.tasks;
    if (n.chunk)
        snprintf(c->chunk, sizeof(c->chunk), "%llu", (unsigned long long)n.chunk);
    uint64_t total = pcb_name_total_workers(&n), conc = pcb_name_concurrency(&n);
    c->workers = total > UINT32_MAX ? UINT32_MAX : (unsigned)total;
    c->concurrency = conc > UINT32_MAX ? UINT32_MAX : (unsigned)conc;
    double counted = pcb_rp_counter(c, "concurrency");
    if (counted >= 1 && counted <= UINT32_MAX)
        c->concurrency = (unsigned)counted;
    c->waiting = c->src && c->src->work && strcmp(c->src->work, "wait") == 0;
    c->at = c->waiting ? c->concurrency : c->workers;
    const char *threads = pcb_name_get(&n, "threads");
    if (threads && *threads && threads[strspn(threads, "0123456789")] == '\0')
        snprintf(c->workers_label, sizeof(c->workers_label), "%llux%s",
                 (unsigned long long)n.nworkers, threads);
    else
        snprintf(c->workers_label, sizeof(c->workers_label), "%u", c->workers);
    snprintf(tasks, sizeof(tasks), "tasks:%llu", (unsigned long long)c->tasks);
    if (append(&c->group, " ", tasks) || (c->params[0] && append(&c->group, " ", c->params)))
        return -1;
    return 0;
}

const struct pcb_rp_case *pcb_rp_find_floor(const struct pcb_rp_report *r, const char *label)
{
    for (size_t i = 0; i < r->ncases; i++)
        if (r->cases[i].family == PCB_RP_FLOOR && strcmp(r->cases[i].label, label) == 0 &&
            !r->cases[i].failed && r->cases[i].median_ns > 0)
            return &r->cases[i];
    return NULL;
}

/* The floor a family case is read against (see the top of this file), or NULL. */
static const struct pcb_rp_case *floor_for(const struct pcb_rp_report *r,
                                           const struct pcb_rp_case *c)
{
    char *tmp, *save = NULL;
    const struct pcb_rp_case *f = NULL;

    if (c->gb_label && has_prefix(c->gb_label, "Floor/"))
        return pcb_rp_find_floor(r, c->gb_label);
    if (!(tmp = strdup(c->label)))
        return NULL;
    for (char *p = strtok_r(tmp, "/", &save); p; p = strtok_r(NULL, "/", &save)) {
        if (strcmp(p, "threads") == 0 || strcmp(p, "thread") == 0) {
            f = pcb_rp_find_floor(r, "Floor/futex_pingpong/threads");
            break;
        }
        if (strcmp(p, "processes") == 0 || strcmp(p, "process") == 0) {
            f = pcb_rp_find_floor(r, "Floor/pipe_pingpong/processes");
            break;
        }
    }
    free(tmp);
    return f;
}

static int push_ptr(void *arrp, size_t *n, void *item)
{
    void ***arr = arrp;
    void **m = realloc(*arr, (*n + 1) * sizeof(*m));

    if (!m)
        return -1;
    m[*n] = item;
    *arr = m;
    (*n)++;
    return 0;
}

static void make_slug(struct pcb_rp_group *g, size_t index)
{
    size_t k = (size_t)snprintf(g->slug, sizeof(g->slug), "%02zu-", index + 1);

    for (const char *p = g->key; *p && k < sizeof(g->slug) - 1; p++)
        g->slug[k++] = isalnum((unsigned char)*p) || *p == '.' || *p == '-' ? *p : '_';
    g->slug[k] = '\0';
}

static int cmp_uint(const void *a, const void *b)
{
    unsigned x = *(const unsigned *)a, y = *(const unsigned *)b;
    return (x > y) - (x < y);
}

static int build_group(struct pcb_rp_group *g, unsigned cpus)
{
    /* Series: strategy + variant, plus the chunk when this strategy shows several chunks. */
    for (size_t i = 0; i < g->ncases; i++) {
        struct pcb_rp_case *c = g->cases[i];
        int several = 0;
        for (size_t j = 0; j < g->ncases; j++) {
            struct pcb_rp_case *d = g->cases[j];
            if (strcmp(d->strategy, c->strategy) == 0 && strcmp(d->variant, c->variant) == 0 &&
                strcmp(d->chunk, c->chunk) != 0)
                several = 1;
        }
        char buf[512];
        snprintf(buf, sizeof(buf), "%s%s%s%s%s", c->strategy, c->variant[0] ? " " : "", c->variant,
                 several ? " chunk:" : "", several ? c->chunk : "");
        if (!(c->series = strdup(buf)))
            return -1;
    }
    /* Sequential first, then the order of first appearance. */
    for (int pass = 0; pass < 2; pass++)
        for (size_t i = 0; i < g->ncases; i++) {
            struct pcb_rp_case *c = g->cases[i];
            int seq = strcmp(c->strategy, "Sequential") == 0;
            if (seq != (pass == 0))
                continue;
            int seen = 0;
            for (size_t j = 0; j < g->nseries; j++)
                seen |= strcmp(g->series[j], c->series) == 0;
            if (!seen && push_ptr(&g->series, &g->nseries, c->series))
                return -1;
        }
    for (size_t i = 0; i < g->ncases; i++) {
        struct pcb_rp_case *c = g->cases[i];
        int seen = 0;
        if (c->waiting)
            g->axis = "in flight";
        for (size_t j = 0; j < g->nat; j++)
            seen |= g->at[j] == c->at;
        if (!seen) {
            unsigned *m = realloc(g->at, (g->nat + 1) * sizeof(*m));
            if (!m)
                return -1;
            g->at = m;
            m[g->nat++] = c->at;
        }
        if (!g->sequential && strcmp(c->strategy, "Sequential") == 0 && !c->failed &&
            c->median_ns > 0)
            g->sequential = c;
    }
    qsort(g->at, g->nat, sizeof(unsigned), cmp_uint);
    for (size_t i = 0; i < g->ncases; i++) {
        struct pcb_rp_case *c = g->cases[i];
        if (c->failed || !(c->median_ns > 0))
            continue;
        if (g->sequential) {
            c->speedup = g->sequential->median_ns / c->median_ns;
            c->efficiency =
                pcb_efficiency(c->speedup, c->waiting, c->workers, c->concurrency, cpus);
        }
        int best = 1;
        for (size_t j = 0; j < g->ncases; j++) {
            struct pcb_rp_case *d = g->cases[j];
            if (d != c && !d->failed && d->at == c->at && d->median_ns > 0 &&
                (d->median_ns < c->median_ns || (d->median_ns == c->median_ns && j < i)))
                best = 0;
        }
        c->winner = best;
    }
    return 0;
}

/* The CPUs the run could use, from the context: pcbench's own count, else the library's; 0
 * when the file does not say. */
static unsigned context_cpus(const struct pcb_rp_report *r)
{
    const char *keys[] = {"pcbench_cpus_allowed", "num_cpus"};

    for (size_t i = 0; i < 2; i++) {
        const char *v = pcb_rp_context(r, keys[i]);
        char *end;
        unsigned long n = v ? strtoul(v, &end, 10) : 0;
        if (v && end != v && *end == '\0' && n > 0 && n < 100000)
            return (unsigned)n;
    }
    return 0;
}

int pcb_rp_model_build(struct pcb_rp_report *r, char *err)
{
    r->cpus = context_cpus(r);
    for (size_t i = 0; i < r->ncases; i++)
        if (parse_case(&r->cases[i]))
            goto oom;
    for (size_t i = 0; i < r->ncases; i++) {
        struct pcb_rp_case *c = &r->cases[i];
        for (size_t j = 0; j < c->ncounters; j++) {
            int seen = 0;
            for (size_t k = 0; k < r->ncounter_names && !seen; k++)
                seen = strcmp(r->counter_names[k], c->counters[j].name) == 0;
            if (!seen) {
                const char **m = realloc(r->counter_names, (r->ncounter_names + 1) * sizeof(*m));
                if (!m)
                    goto oom;
                r->counter_names = m;
                m[r->ncounter_names++] = c->counters[j].name;
            }
        }
        if (c->family == PCB_RP_MATRIX) {
            struct pcb_rp_group *g = NULL;
            for (size_t k = 0; k < r->ngroups; k++)
                if (strcmp(r->groups[k].key, c->group) == 0)
                    g = &r->groups[k];
            if (!g) {
                struct pcb_rp_group *m = realloc(r->groups, (r->ngroups + 1) * sizeof(*m));
                if (!m)
                    goto oom;
                r->groups = m;
                g = &m[r->ngroups];
                memset(g, 0, sizeof(*g));
                g->key = strdup(c->group);
                g->workload = strdup(c->workload);
                if (!g->key || !g->workload)
                    goto oom;
                g->axis = "workers";
                make_slug(g, r->ngroups);
                r->ngroups++;
            }
            if (push_ptr(&g->cases, &g->ncases, c))
                goto oom;
        } else if (c->family == PCB_RP_IPC || c->family == PCB_RP_LIFECYCLE ||
                   c->family == PCB_RP_FLOOR) {
            c->floor = floor_for(r, c);
            if (c->floor && !c->failed && c->median_ns >= 0) {
                double bps = pcb_rp_counter(c, "bytes_per_second");
                double fbps = pcb_rp_counter(c->floor, "bytes_per_second");
                double ips = pcb_rp_counter(c, "items_per_second");
                double fips = pcb_rp_counter(c->floor, "items_per_second");
                if (bps > 0 && fbps > 0)
                    c->floor_ratio = fbps / bps;
                else if (ips > 0 && fips > 0)
                    c->floor_ratio = fips / ips;
                else
                    c->floor_ratio = c->median_ns / c->floor->median_ns;
            }
        }
    }
    for (size_t k = 0; k < r->ngroups; k++)
        if (build_group(&r->groups[k], r->cpus))
            goto oom;
    /* Whole-process timings: speedup against a command named Sequential, when there is one. */
    const struct pcb_rp_case *seq = NULL;
    for (size_t i = 0; i < r->ncases; i++)
        if (r->cases[i].family == PCB_RP_WHOLE && !r->cases[i].failed &&
            strncmp(r->cases[i].name, "Sequential", 10) == 0 && r->cases[i].median_ns > 0 && !seq)
            seq = &r->cases[i];
    for (size_t i = 0; i < r->ncases; i++) {
        struct pcb_rp_case *c = &r->cases[i];
        if (c->family == PCB_RP_WHOLE && seq && !c->failed && c->median_ns > 0)
            c->speedup = seq->median_ns / c->median_ns;
    }
    return 0;
oom:
    snprintf(err, PCB_RP_ERRLEN, "out of memory");
    return -1;
}

char *pcb_rp_fmt_time(char *out, size_t cap, double ns)
{
    if (isnan(ns))
        snprintf(out, cap, "-");
    else if (ns >= 1e9)
        snprintf(out, cap, "%.3g s", ns / 1e9);
    else if (ns >= 1e6)
        snprintf(out, cap, "%.3g ms", ns / 1e6);
    else if (ns >= 1e3)
        snprintf(out, cap, "%.3g us", ns / 1e3);
    else
        snprintf(out, cap, "%.3g ns", ns);
    return out;
}

char *pcb_rp_fmt_si(char *out, size_t cap, double v)
{
    if (isnan(v))
        snprintf(out, cap, "-");
    else if (v >= 1e9)
        snprintf(out, cap, "%.3gG", v / 1e9);
    else if (v >= 1e6)
        snprintf(out, cap, "%.3gM", v / 1e6);
    else if (v >= 1e3)
        snprintf(out, cap, "%.3gk", v / 1e3);
    else
        snprintf(out, cap, "%.3g", v);
    return out;
}

char *pcb_rp_fmt_bytes(char *out, size_t cap, double b)
{
    if (isnan(b))
        snprintf(out, cap, "-");
    else if (b >= 1073741824.0)
        snprintf(out, cap, "%.2f GiB", b / 1073741824.0);
    else if (b >= 1048576.0)
        snprintf(out, cap, "%.1f MiB", b / 1048576.0);
    else
        snprintf(out, cap, "%.0f KiB", b / 1024.0);
    return out;
}

/* One character of index.md's text: '|', '`' and the characters of inline markup escaped. */
static void put_md(FILE *f, uint32_t cp, const char *bytes, size_t n)
{
    if (cp < 0x80 && strchr("|`*<>[]\\", (int)cp) != NULL)
        fputc('\\', f);
    fwrite(bytes, 1, n, f);
}

void pcb_rp_md(FILE *f, const char *s, size_t max)
{
    pcb_text_write(f, s, max, put_md);
}
