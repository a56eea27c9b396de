/*
 * summary.c - see summary.h. Medians are over the repetitions (one sample without them).
 */
#define _GNU_SOURCE
#include "summary.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "../../runners/runner.h"
#include "../../runners/support.h"
#include "../../workloads/workload.h"
#include "../common/casename.h"
#include "../common/efficiency.h"

#define MAX_SAMPLES 64

struct entry {
    char name[256];        /* run name */
    char strategy[96];     /* first part, plus the strategy's own variant parts (wait:, queue:) */
    char group[192];       /* workload, tasks and parameters: what speedup is relative to */
    unsigned workers;      /* total workers (P x T for Hybrid), 0 when not a matrix case */
    double concurrency;    /* the most tasks in flight (the counter, else from the name) */
    int waiting;           /* the workload waits (PCB_WL_WAIT): efficiency is per task in flight */
    char chunk[24];        /* chunk:C or "-" */
    double t[MAX_SAMPLES]; /* real ns per iteration, per repetition */
    size_t nt;
    double agg_median;                   /* the library's median aggregate, 0 when not reported */
    double items_per_s, cores, peak_rss; /* from the last repetition (or the median) */
    double pss;                          /* proportional set size: shared pages split */
    char warning[320];                   /* the case's implausible-figure warning, or "" */
    int failed;
    char error[160];
};

static struct entry *entries;
static size_t nentries, cap;

static double counter(const struct pcb_gb_run_info *r, const char *name)
{
    for (size_t i = 0; i < r->ncounters; i++)
        if (strcmp(r->counter_names[i], name) == 0)
            return r->counter_values[i];
    return 0;
}

/* Appends " text" to buf (cap bytes), or "text" to an empty buf. */
static void add(char *buf, size_t cap, const char *key, const char *value)
{
    size_t len = strlen(buf);

    if (len < cap)
        snprintf(buf + len, cap - len, "%s%s%s%s", len ? " " : "", key, value ? ":" : "",
                 value ? value : "");
}

/*
 * Splits a matrix case name (casename.h) into the strategy with its own variant parts (wait:spin,
 * threads:2) and pin, the group key (workload, tasks and the workload's parameters: what speedup
 * is relative to), the total workers and the chunk. Other names get no workers: they are not rows
 * of the matrix.
 */
static void parse_name(struct entry *e)
{
    struct pcb_name n;
    char tasks[24];

    strcpy(e->chunk, "-");
    if (pcb_name_parse(e->name, NULL, &n) != 0 || n.family != PCB_NAME_MATRIX) {
        snprintf(e->strategy, sizeof(e->strategy), "%.*s", (int)strcspn(e->name, "/"), e->name);
        snprintf(e->group, sizeof(e->group), "%.*s", (int)sizeof(e->group) - 1, e->name);
        return;
    }
    add(e->strategy, sizeof(e->strategy), n.strategy, NULL);
    for (size_t i = 0; i < n.nvariants; i++)
        add(e->strategy, sizeof(e->strategy), n.variants[i].key, n.variants[i].value);
    if (n.pin)
        add(e->strategy, sizeof(e->strategy), "pin", n.pin);
    snprintf(tasks, sizeof(tasks), "%llu", (unsigned long long)n.tasks);
    add(e->group, sizeof(e->group), n.workload, NULL);
    add(e->group, sizeof(e->group), "tasks", tasks);
    for (size_t i = 0; i < n.nparams; i++)
        add(e->group, sizeof(e->group), n.params[i].key, n.params[i].value);
    if (n.chunk)
        snprintf(e->chunk, sizeof(e->chunk), "%llu", (unsigned long long)n.chunk);
    uint64_t total = pcb_name_total_workers(&n);
    e->workers = total > 0 && total < 1000000 ? (unsigned)total : 0;
    e->concurrency = (double)pcb_name_concurrency(&n);
    const struct pcb_workload *wl = pcb_workload_find(n.workload);
    e->waiting = wl && wl->kind == PCB_WL_WAIT;
}

void pcb_summary_collect(const struct pcb_gb_run_info *r, void *ctx)
{
    struct entry *e = NULL;

    (void)ctx;
    /* Raw repetitions give the median here; with --benchmark_report_aggregates_only only the
     * library's own median aggregate arrives, and is used as it is. */
    if (r->aggregate_name[0] && strcmp(r->aggregate_name, "median") != 0)
        return;
    for (size_t i = 0; i < nentries; i++)
        if (strcmp(entries[i].name, r->run_name) == 0)
            e = &entries[i];
    if (!e) {
        if (nentries == cap) {
            size_t ncap = cap ? cap * 2 : 64;
            struct entry *n = realloc(entries, ncap * sizeof(*n));
            if (!n)
                return; /* the summary is a convenience; the run's output is complete */
            entries = n;
            cap = ncap;
        }
        e = &entries[nentries++];
        memset(e, 0, sizeof(*e));
        snprintf(e->name, sizeof(e->name), "%s", r->run_name);
        parse_name(e);
    }
    if (r->error_occurred) {
        e->failed = 1;
        snprintf(e->error, sizeof(e->error), "%s", r->error_message);
        return;
    }
    if (r->aggregate_name[0])
        e->agg_median = r->real_ns;
    else if (e->nt < MAX_SAMPLES)
        e->t[e->nt++] = r->real_ns;
    e->items_per_s = counter(r, "items_per_second");
    e->cores = counter(r, "cores_used");
    e->peak_rss = counter(r, "peak_rss_bytes");
    e->pss = counter(r, "pss_bytes");
    if (r->warning && r->warning[0])
        snprintf(e->warning, sizeof(e->warning), "%s", r->warning);
    /* The case's own counts win over the name's (they are the same for pcbench's cases). */
    if (e->workers && counter(r, "workers") >= 1)
        e->workers = (unsigned)counter(r, "workers");
    if (counter(r, "concurrency") >= 1)
        e->concurrency = counter(r, "concurrency");
}

static int cmp_double(const void *a, const void *b)
{
    double x = *(const double *)a, y = *(const double *)b;
    return (x > y) - (x < y);
}

static double median(struct entry *e)
{
    if (e->agg_median > 0)
        return e->agg_median;
    if (e->nt == 0)
        return 0;
    qsort(e->t, e->nt, sizeof(double), cmp_double);
    return e->nt % 2 ? e->t[e->nt / 2] : (e->t[e->nt / 2 - 1] + e->t[e->nt / 2]) / 2;
}

static void fmt_time(char *out, size_t n, double ns)
{
    if (ns >= 1e9)
        snprintf(out, n, "%.3f s", ns / 1e9);
    else if (ns >= 1e6)
        snprintf(out, n, "%.2f ms", ns / 1e6);
    else if (ns >= 1e3)
        snprintf(out, n, "%.2f us", ns / 1e3);
    else
        snprintf(out, n, "%.1f ns", ns);
}

static void fmt_si(char *out, size_t n, double v)
{
    if (v >= 1e9)
        snprintf(out, n, "%.2fG", v / 1e9);
    else if (v >= 1e6)
        snprintf(out, n, "%.2fM", v / 1e6);
    else if (v >= 1e3)
        snprintf(out, n, "%.2fk", v / 1e3);
    else
        snprintf(out, n, "%.1f", v);
}

/* Position of the entry's strategy in the runner registry (unknown ones last). */
static size_t runner_rank(const struct entry *e)
{
    size_t n, len = strcspn(e->strategy, " ");
    const struct pcb_runner *const *rs = pcb_runners(&n);

    for (size_t i = 0; i < n; i++)
        if (strlen(rs[i]->name) == len && strncmp(rs[i]->name, e->strategy, len) == 0)
            return i;
    return n;
}

/* Row order: by group, then strategy in registry order, variants, workers, chunk. Runs may
 * arrive in any order (--benchmark_enable_random_interleaving), the table should not. */
static int cmp_entry(const void *pa, const void *pb)
{
    const struct entry *a = pa, *b = pb;
    int c;
    size_t ra, rb;

    if ((c = strcmp(a->group, b->group)) != 0)
        return c;
    ra = runner_rank(a);
    rb = runner_rank(b);
    if (ra != rb)
        return ra < rb ? -1 : 1;
    if ((c = strcmp(a->strategy, b->strategy)) != 0)
        return c;
    if (a->workers != b->workers)
        return a->workers < b->workers ? -1 : 1;
    long ca = strtol(a->chunk, NULL, 10), cb = strtol(b->chunk, NULL, 10);
    return (ca > cb) - (ca < cb);
}

void pcb_summary_print(void)
{
    if (nentries)
        qsort(entries, nentries, sizeof(*entries), cmp_entry);

    char t[32], ips[32];
    int any_matrix = 0;

    for (size_t i = 0; i < nentries; i++)
        if (entries[i].workers)
            any_matrix = 1;
    if (any_matrix) {
        printf("\nSummary: median time per batch; workers = threads or processes (P x T for "
               "Hybrid, tasks in flight for Async); speedup = Sequential's median / this median "
               "on the same input and task count; efficiency = speedup / min(workers, CPUs) on "
               "CPU work, speedup / concurrency (the most tasks in flight, column conc.) on "
               "waiting work; peak RSS counts "
               "every process's copy-on-write pages in full, PSS splits shared pages among the "
               "processes sharing them\n");
    }
    /* Each group in order, its rows in order (cmp_entry). */
    for (size_t i = 0; i < nentries; i++) {
        struct entry *g = &entries[i];
        int first = 1;
        if (!g->workers)
            continue;
        for (size_t j = 0; j < i; j++)
            if (entries[j].workers && strcmp(entries[j].group, g->group) == 0)
                first = 0;
        if (!first)
            continue;
        double seq = 0;
        for (size_t j = 0; j < nentries; j++)
            if (strcmp(entries[j].group, g->group) == 0 &&
                strcmp(entries[j].strategy, "Sequential") == 0 && !entries[j].failed)
                seq = median(&entries[j]);
        printf("\n%s\n  %-36s %7s %6s %6s %12s %10s %8s %7s %6s %10s %10s\n", g->group, "strategy",
               "workers", "conc.", "chunk", "time/batch", "items/s", "speedup", "effic.", "cores",
               "peak RSS", "PSS");
        for (size_t j = i; j < nentries; j++) {
            struct entry *e = &entries[j];
            char sp[16] = "-", ef[16] = "-";
            if (!e->workers || strcmp(e->group, g->group) != 0)
                continue;
            if (e->failed) {
                printf("  %-36s %7u %6.0f %6s FAILED: %s\n", e->strategy, e->workers,
                       e->concurrency, e->chunk, e->error);
                continue;
            }
            double m = median(e);
            fmt_time(t, sizeof(t), m);
            fmt_si(ips, sizeof(ips), e->items_per_s);
            if (seq > 0 && m > 0) {
                snprintf(sp, sizeof(sp), "%.2f", seq / m);
                snprintf(ef, sizeof(ef), "%.2f",
                         pcb_efficiency(seq / m, e->waiting, e->workers, e->concurrency,
                                        pcb_cpus_allowed()));
            }
            printf("%c %-36s %7u %6.0f %6s %12s %10s %8s %7s %6.2f %6.1f MiB %6.1f MiB\n",
                   e->warning[0] ? '!' : ' ', e->strategy, e->workers, e->concurrency, e->chunk, t,
                   ips, sp, ef, e->cores, e->peak_rss / 1048576.0, e->pss / 1048576.0);
        }
        for (size_t j = i; j < nentries; j++) {
            struct entry *e = &entries[j];
            if (e->workers && !e->failed && e->warning[0] && strcmp(e->group, g->group) == 0)
                printf("  ! %s %u: %s\n", e->strategy, e->workers, e->warning);
        }
    }
    int floor_header = 0;
    for (size_t i = 0; i < nentries; i++) {
        struct entry *e = &entries[i];
        if (strncmp(e->name, "Floor/", 6) != 0)
            continue;
        if (!floor_header) {
            printf("\nFloor (median per operation):\n");
            floor_header = 1;
        }
        if (e->failed) {
            printf("  %-34s FAILED: %s\n", e->name, e->error);
            continue;
        }
        fmt_time(t, sizeof(t), median(e));
        printf("  %-34s %12s\n", e->name, t);
    }
    free(entries);
    entries = NULL;
    nentries = cap = 0;
}
