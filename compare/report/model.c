/*
 * model.c - what the report derives from the cases it read; see report.h.
 *
 * Case names are read generically as '/'-separated parts. Parts Google Benchmark adds
 * (min_time:X, min_warmup_time:X, iterations:X, repeats:X, manual_time, real_time,
 * process_time) are dropped from the label. A case is in the strategy x workload matrix when
 * it has a tasks:N part and a workers:K part (or procs:P and/or threads:T, whose product is
 * its worker count). Its first part is the strategy and its second the workload; of the other
 * parts, numeric key:value parts that every case of the workload has are workload parameters
 * (they select the input, so they are part of the group speedup is computed in), and every other
 * part (queue:pipe, wait:park, backend:epoll, procs:P, or a number only some strategies have) is
 * a strategy variant and part of the series a chart line shows.
 *
 * Speedup is Sequential's median / the case's median in the same group (workload, tasks and
 * parameters); efficiency is speedup / workers. The winner of a group at a worker count is its
 * fastest case that did not fail.
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

#include <ctype.h>
#include <stdarg.h>
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#define MAX_PARTS 32

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

/* Parts Google Benchmark appends to a name by itself. */
static int is_gbench_part(const char *p)
{
    return strcmp(p, "manual_time") == 0 || strcmp(p, "real_time") == 0 ||
           strcmp(p, "process_time") == 0 || has_prefix(p, "min_time:") ||
           has_prefix(p, "min_warmup_time:") || has_prefix(p, "iterations:") ||
           has_prefix(p, "repeats:");
}

static int is_number(const char *s)
{
    char *end;

    if (!*s)
        return 0;
    strtod(s, &end);
    return *end == '\0';
}

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

static int parse_case(struct pcb_rp_case *c)
{
    char *tmp = strdup(c->name), *save = NULL;
    char *parts[MAX_PARTS];
    size_t n = 0;
    unsigned long workers = 0, procs = 0, threads = 0;
    int have_tasks = 0, have_workers = 0;

    if (!tmp)
        return -1;
    for (char *p = strtok_r(tmp, "/", &save); p && n < MAX_PARTS; p = strtok_r(NULL, "/", &save))
        if (!is_gbench_part(p))
            parts[n++] = p;
    c->label = strdup("");
    for (size_t i = 0; c->label && i < n; i++)
        if (append(&c->label, "/", parts[i]))
            c->label = NULL;
    if (!c->label) {
        free(tmp);
        return -1;
    }
    if (c->family == PCB_RP_WHOLE) {
        free(tmp);
        return 0;
    }
    c->family = PCB_RP_OTHER;
    if (n > 0 && strcmp(parts[0], "IPC") == 0)
        c->family = PCB_RP_IPC;
    else if (n > 0 && strcmp(parts[0], "Lifecycle") == 0)
        c->family = PCB_RP_LIFECYCLE;
    else if (n > 0 && strcmp(parts[0], "Floor") == 0)
        c->family = PCB_RP_FLOOR;
    if (c->family != PCB_RP_OTHER || n < 3) {
        free(tmp);
        return 0;
    }
    for (size_t i = 2; i < n; i++) {
        if (has_prefix(parts[i], "tasks:"))
            have_tasks = 1;
        else if (has_prefix(parts[i], "workers:") || has_prefix(parts[i], "procs:") ||
                 has_prefix(parts[i], "threads:"))
            have_workers = 1;
    }
    if (!have_tasks || !have_workers) {
        free(tmp);
        return 0;
    }
    c->family = PCB_RP_MATRIX;
    c->strategy = strdup(parts[0]);
    c->workload = strdup(parts[1]);
    c->group = strdup(parts[1]);
    c->variant = strdup("");
    c->params = strdup("");
    int bad = !c->strategy || !c->workload || !c->group || !c->variant || !c->params;
    for (size_t i = 2; i < n && !bad; i++) {
        char *p = parts[i], *colon = strchr(p, ':');
        const char *val = colon ? colon + 1 : "";
        if (has_prefix(p, "workers:")) {
            workers = strtoul(val, NULL, 10);
        } else if (has_prefix(p, "threads:")) {
            threads = strtoul(val, NULL, 10);
        } else if (has_prefix(p, "procs:")) {
            procs = strtoul(val, NULL, 10);
            bad |= append(&c->variant, " ", p);
        } else if (has_prefix(p, "tasks:")) {
            c->tasks = strtoull(val, NULL, 10);
        } else if (has_prefix(p, "chunk:")) {
            snprintf(c->chunk, sizeof(c->chunk), "%s", val);
        } else if (colon && colon != p && is_number(val)) {
            bad |= append(&c->params, " ", p); /* a parameter unless settle_params() says not */
        } else {
            bad |= append(&c->variant, " ", p);
        }
    }
    if (workers) {
        c->workers = (unsigned)workers;
        snprintf(c->workers_label, sizeof(c->workers_label), "%u", c->workers);
    } else {
        unsigned long pp = procs ? procs : 1, tt = threads ? threads : 1;
        c->workers = (unsigned)(pp * tt);
        if (procs && threads)
            snprintf(c->workers_label, sizeof(c->workers_label), "%ux%u", (unsigned)pp,
                     (unsigned)tt);
        else
            snprintf(c->workers_label, sizeof(c->workers_label), "%u", c->workers);
    }
    free(tmp);
    return bad ? -1 : 0;
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

static int build_group(struct pcb_rp_group *g)
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
        for (size_t j = 0; j < g->nworkers; j++)
            seen |= g->workers[j] == c->workers;
        if (!seen) {
            unsigned *m = realloc(g->workers, (g->nworkers + 1) * sizeof(*m));
            if (!m)
                return -1;
            g->workers = m;
            m[g->nworkers++] = c->workers;
        }
        if (!g->sequential && strcmp(c->strategy, "Sequential") == 0 && !c->failed &&
            c->median_ns > 0)
            g->sequential = c;
    }
    qsort(g->workers, g->nworkers, sizeof(unsigned), cmp_uint);
    for (size_t i = 0; i < g->ncases; i++) {
        struct pcb_rp_case *c = g->cases[i];
        if (c->failed || !(c->median_ns > 0))
            continue;
        if (g->sequential) {
            c->speedup = g->sequential->median_ns / c->median_ns;
            c->efficiency = c->workers ? c->speedup / c->workers : NAN;
        }
        int best = 1;
        for (size_t j = 0; j < g->ncases; j++) {
            struct pcb_rp_case *d = g->cases[j];
            if (d != c && !d->failed && d->workers == c->workers && d->median_ns > 0 &&
                (d->median_ns < c->median_ns || (d->median_ns == c->median_ns && j < i)))
                best = 0;
        }
        c->winner = best;
    }
    return 0;
}

/* Whether the space-separated list `list` holds an item with key `key` (up to ':'). */
static int has_key(const char *list, const char *key, size_t klen)
{
    for (const char *p = list; *p;) {
        const char *end = strchr(p, ' ');
        size_t n = end ? (size_t)(end - p) : strlen(p);
        if (n > klen && strncmp(p, key, klen) == 0 && p[klen] == ':')
            return 1;
        p += n;
        while (*p == ' ')
            p++;
    }
    return 0;
}

/*
 * A numeric part is a workload parameter only when every matrix case of that workload has its
 * key; a numeric part only some strategies have (an in-flight depth, say) is a strategy variant.
 * Moves such parts from params to variant, then builds each case's group key.
 */
static int settle_params(struct pcb_rp_report *r)
{
    for (size_t i = 0; i < r->ncases; i++) {
        struct pcb_rp_case *c = &r->cases[i];
        char *kept = strdup(""), *tmp = strdup(c->params ? c->params : ""), *save = NULL;
        int bad = !kept || !tmp;
        if (c->family != PCB_RP_MATRIX) {
            free(kept);
            free(tmp);
            continue;
        }
        for (char *p = bad ? NULL : strtok_r(tmp, " ", &save); p && !bad;
             p = strtok_r(NULL, " ", &save)) {
            size_t klen = (size_t)(strchr(p, ':') - p);
            int everywhere = 1;
            for (size_t j = 0; j < r->ncases && everywhere; j++) {
                const struct pcb_rp_case *d = &r->cases[j];
                if (d->family == PCB_RP_MATRIX && strcmp(d->workload, c->workload) == 0)
                    everywhere = has_key(d->params, p, klen);
            }
            bad |= everywhere ? append(&kept, " ", p) : append(&c->variant, " ", p);
        }
        free(tmp);
        if (bad) {
            free(kept);
            return -1;
        }
        free(c->params);
        c->params = kept;
        char tasks[40];
        snprintf(tasks, sizeof(tasks), "tasks:%llu", (unsigned long long)c->tasks);
        if (append(&c->group, " ", tasks) || (kept[0] && append(&c->group, " ", kept)))
            return -1;
    }
    return 0;
}

int pcb_rp_model_build(struct pcb_rp_report *r, char *err)
{
    for (size_t i = 0; i < r->ncases; i++)
        if (parse_case(&r->cases[i]))
            goto oom;
    if (settle_params(r))
        goto oom;
    for (size_t i = 0; i < r->ncases; i++) {
        struct pcb_rp_case *c = &r->cases[i];
        for (size_t j = 0; j < c->ncounters; j++) {
            int seen = 0;
            for (size_t k = 0; k < r->ncounter_names && !seen; k++)
                seen = strcmp(r->counter_names[k], c->counters[j].name) == 0;
            if (!seen && push_ptr(&r->counter_names, &r->ncounter_names, c->counters[j].name))
                goto oom;
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
        if (build_group(&r->groups[k]))
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
