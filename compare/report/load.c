/*
 * load.c - reads result files into a struct pcb_rp_report; see report.h.
 *
 * The kind of file is told by its content: a Google Benchmark file has a "benchmarks" array
 * (raw repetitions, aggregates, or both), a hyperfine --export-json file has a "results" array.
 * For each Google Benchmark case the median aggregate wins when present; otherwise the median
 * of the raw repetitions is taken, quantity by quantity; a single run is its own median. Any
 * entry with error_occurred marks the whole case failed, with the entry's message. Times are
 * stored in nanoseconds whatever unit the file used.
 */
#define _GNU_SOURCE
#include "report.h"

#include <cjson/cJSON.h>
#include <errno.h>
#include <math.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>

#define MAX_FILE_SIZE (512u << 20) /* larger files are refused before parsing */

static int fail(char *err, const char *path, const char *fmt, ...)
    __attribute__((format(printf, 3, 4)));

static int fail(char *err, const char *path, const char *fmt, ...)
{
    va_list ap;
    int n = snprintf(err, PCB_RP_ERRLEN, "%s: ", path);

    if (n < 0 || n >= PCB_RP_ERRLEN)
        n = 0;
    va_start(ap, fmt);
    vsnprintf(err + n, (size_t)(PCB_RP_ERRLEN - n), fmt, ap);
    va_end(ap);
    return -1;
}

/* Reads the whole file. Returns a NUL-terminated buffer the caller frees, or NULL with err. */
static char *slurp(const char *path, size_t *len, char *err)
{
    FILE *f = fopen(path, "rb");
    struct stat st;
    char *buf;

    if (!f) {
        fail(err, path, "cannot open: %s", strerror(errno));
        return NULL;
    }
    if (fstat(fileno(f), &st) != 0 || !S_ISREG(st.st_mode)) {
        fclose(f);
        fail(err, path, "not a regular file");
        return NULL;
    }
    if (st.st_size == 0) {
        fclose(f);
        fail(err, path,
             "the file is empty; expected a result file (Google Benchmark or "
             "hyperfine JSON)");
        return NULL;
    }
    if ((uint64_t)st.st_size > MAX_FILE_SIZE) {
        fclose(f);
        fail(err, path, "larger than %u MiB; not a result file", MAX_FILE_SIZE >> 20);
        return NULL;
    }
    buf = malloc((size_t)st.st_size + 1);
    if (!buf) {
        fclose(f);
        fail(err, path, "out of memory");
        return NULL;
    }
    *len = fread(buf, 1, (size_t)st.st_size, f);
    if (ferror(f)) {
        free(buf);
        fclose(f);
        fail(err, path, "read error");
        return NULL;
    }
    fclose(f);
    buf[*len] = '\0';
    return buf;
}

/* Nanoseconds per unit of Google Benchmark's time_unit, or 0 for an unknown unit. */
static double unit_ns(const char *u)
{
    if (!u || strcmp(u, "ns") == 0)
        return u ? 1 : 0;
    if (strcmp(u, "us") == 0)
        return 1e3;
    if (strcmp(u, "ms") == 0)
        return 1e6;
    if (strcmp(u, "s") == 0)
        return 1e9;
    return 0;
}

static struct pcb_rp_case *find_or_add(struct pcb_rp_report *r, const char *name)
{
    for (size_t i = r->ncases; i-- > 0;)
        if (strcmp(r->cases[i].name, name) == 0)
            return &r->cases[i];
    if (r->ncases == r->cap) {
        size_t ncap = r->cap ? r->cap * 2 : 64;
        struct pcb_rp_case *n = realloc(r->cases, ncap * sizeof(*n));
        if (!n)
            return NULL;
        r->cases = n;
        r->cap = ncap;
    }
    struct pcb_rp_case *c = &r->cases[r->ncases];
    memset(c, 0, sizeof(*c));
    c->name = strdup(name);
    if (!c->name)
        return NULL;
    r->ncases++;
    c->median_ns = c->stddev_ns = c->mean_ns = c->cpu_ns = NAN;
    c->agg_median_ns = c->agg_stddev_ns = c->agg_mean_ns = c->agg_cpu_ns = NAN;
    c->min_ns = c->max_ns = c->user_s = c->sys_s = NAN;
    c->speedup = c->efficiency = c->floor_ratio = NAN;
    return c;
}

static int add_sample(struct pcb_rp_case *c, const char *name, double v)
{
    struct pcb_rp_samples *s = NULL;

    for (size_t i = 0; i < c->nsamples; i++)
        if (strcmp(c->samples[i].name, name) == 0)
            s = &c->samples[i];
    if (!s) {
        struct pcb_rp_samples *n = realloc(c->samples, (c->nsamples + 1) * sizeof(*n));
        if (!n)
            return -1;
        c->samples = n;
        s = &c->samples[c->nsamples];
        memset(s, 0, sizeof(*s));
        if (!(s->name = strdup(name)))
            return -1;
        c->nsamples++;
    }
    if (s->n == s->cap) {
        size_t ncap = s->cap ? s->cap * 2 : 8;
        double *n = realloc(s->v, ncap * sizeof(*n));
        if (!n)
            return -1;
        s->v = n;
        s->cap = ncap;
    }
    s->v[s->n++] = v;
    return 0;
}

static int add_counter(struct pcb_rp_counter **cs, size_t *n, const char *name, double v)
{
    for (size_t i = 0; i < *n; i++)
        if (strcmp((*cs)[i].name, name) == 0) {
            (*cs)[i].value = v;
            return 0;
        }
    struct pcb_rp_counter *m = realloc(*cs, (*n + 1) * sizeof(*m));
    if (!m)
        return -1;
    *cs = m;
    if (!(m[*n].name = strdup(name)))
        return -1;
    m[*n].value = v;
    (*n)++;
    return 0;
}

/* Keys of a Google Benchmark entry that are not counters. */
static int is_standard_key(const char *k)
{
    static const char *const keys[] = {"family_index", "per_family_instance_index",
                                       "repetitions",  "repetition_index",
                                       "threads",      "iterations",
                                       "real_time",    "cpu_time"};
    for (size_t i = 0; i < sizeof(keys) / sizeof(keys[0]); i++)
        if (strcmp(k, keys[i]) == 0)
            return 1;
    return 0;
}

static int cmp_double(const void *a, const void *b)
{
    double x = *(const double *)a, y = *(const double *)b;
    return (x > y) - (x < y);
}

static double median_of(double *v, size_t n)
{
    if (n == 0)
        return NAN;
    qsort(v, n, sizeof(*v), cmp_double);
    return n % 2 ? v[n / 2] : (v[n / 2 - 1] + v[n / 2]) / 2;
}

static int gbench_entry(struct pcb_rp_report *r, const char *path, size_t idx, cJSON *e, char *err)
{
    cJSON *name = cJSON_GetObjectItemCaseSensitive(e, "run_name");
    cJSON *type = cJSON_GetObjectItemCaseSensitive(e, "run_type");
    cJSON *agg = cJSON_GetObjectItemCaseSensitive(e, "aggregate_name");
    cJSON *rt = cJSON_GetObjectItemCaseSensitive(e, "real_time");
    cJSON *ct = cJSON_GetObjectItemCaseSensitive(e, "cpu_time");
    cJSON *unit = cJSON_GetObjectItemCaseSensitive(e, "time_unit");
    cJSON *erro = cJSON_GetObjectItemCaseSensitive(e, "error_occurred");
    cJSON *msg = cJSON_GetObjectItemCaseSensitive(e, "error_message");
    const char *aggname = cJSON_IsString(agg) ? agg->valuestring : "";
    int is_agg = cJSON_IsString(type) && strcmp(type->valuestring, "aggregate") == 0;
    double f;

    if (!cJSON_IsObject(e))
        return fail(err, path, "benchmarks[%zu] is not an object", idx);
    if (!cJSON_IsString(name))
        name = cJSON_GetObjectItemCaseSensitive(e, "name");
    if (!cJSON_IsString(name) || !name->valuestring[0])
        return fail(err, path, "benchmarks[%zu] has no \"name\" string", idx);
    if (is_agg && strcmp(aggname, "median") && strcmp(aggname, "stddev") && strcmp(aggname, "mean"))
        return 0; /* cv, BigO, RMS, user statistics: not used */

    struct pcb_rp_case *c = find_or_add(r, name->valuestring);
    if (!c)
        return fail(err, path, "out of memory");
    cJSON *label = cJSON_GetObjectItemCaseSensitive(e, "label");
    if (!c->gb_label && cJSON_IsString(label) && label->valuestring[0] &&
        !(c->gb_label = strdup(label->valuestring)))
        return fail(err, path, "out of memory");
    if (cJSON_IsTrue(erro)) {
        if (!c->failed) {
            c->failed = 1;
            c->error = strdup(cJSON_IsString(msg) && msg->valuestring[0] ? msg->valuestring
                                                                         : "error (no message)");
            if (!c->error)
                return fail(err, path, "out of memory");
        }
        if (!is_agg)
            c->nreps++;
        return 0;
    }
    f = unit_ns(cJSON_IsString(unit) ? unit->valuestring : "ns");
    if (f == 0)
        return fail(err, path,
                    "benchmarks[%zu] (%s): unknown time_unit \"%s\"; expected ns, us, "
                    "ms or s",
                    idx, name->valuestring, unit->valuestring);
    if (!cJSON_IsNumber(rt) || !isfinite(rt->valuedouble) || rt->valuedouble < 0)
        return fail(err, path, "benchmarks[%zu] (%s): \"real_time\" is not a non-negative number",
                    idx, name->valuestring);
    double t = rt->valuedouble * f;
    double cpu = cJSON_IsNumber(ct) ? ct->valuedouble * f : NAN;

    if (is_agg) {
        cJSON *reps = cJSON_GetObjectItemCaseSensitive(e, "repetitions");
        if (cJSON_IsNumber(reps) && reps->valuedouble > 0 && reps->valuedouble < 1e9)
            c->agg_reps = (size_t)reps->valuedouble;
        if (strcmp(aggname, "median") == 0) {
            c->agg_median_ns = t;
            c->agg_cpu_ns = cpu;
            c->have_median_agg = 1;
        } else if (strcmp(aggname, "stddev") == 0) {
            c->agg_stddev_ns = t;
            return 0; /* its counters are spreads, not values */
        } else {
            c->agg_mean_ns = t;
            return 0;
        }
    } else {
        c->nreps++;
        if (add_sample(c, "", t) || (!isnan(cpu) && add_sample(c, "\x01cpu", cpu)))
            return fail(err, path, "out of memory");
    }
    for (cJSON *k = e->child; k; k = k->next) {
        if (!cJSON_IsNumber(k) || is_standard_key(k->string))
            continue;
        int rc = is_agg
                     ? add_counter(&c->agg_counters, &c->nagg_counters, k->string, k->valuedouble)
                     : add_sample(c, k->string, k->valuedouble);
        if (rc)
            return fail(err, path, "out of memory");
    }
    return 0;
}

/* After a Google Benchmark file: medians, spreads and counters of every case. */
static int finish_case(struct pcb_rp_case *c)
{
    for (size_t i = 0; i < c->nsamples; i++) {
        struct pcb_rp_samples *s = &c->samples[i];
        double mean = 0, ss = 0;
        for (size_t j = 0; j < s->n; j++)
            mean += s->v[j];
        mean /= (double)s->n;
        for (size_t j = 0; j < s->n; j++)
            ss += (s->v[j] - mean) * (s->v[j] - mean);
        double med = median_of(s->v, s->n);
        if (s->name[0] == '\0') {
            c->median_ns = med;
            c->mean_ns = mean;
            c->stddev_ns = s->n > 1 ? sqrt(ss / (double)(s->n - 1)) : NAN;
        } else if (strcmp(s->name, "\x01cpu") == 0) {
            c->cpu_ns = med;
        } else if (add_counter(&c->counters, &c->ncounters, s->name, med)) {
            return -1;
        }
    }
    /* The file's own aggregates win over what was computed from its repetitions. */
    if (c->have_median_agg) {
        c->median_ns = c->agg_median_ns;
        c->cpu_ns = c->agg_cpu_ns;
        for (size_t i = 0; i < c->nagg_counters; i++)
            if (add_counter(&c->counters, &c->ncounters, c->agg_counters[i].name,
                            c->agg_counters[i].value))
                return -1;
    }
    if (!isnan(c->agg_stddev_ns))
        c->stddev_ns = c->agg_stddev_ns;
    if (c->nreps == 0)
        c->nreps = c->agg_reps;
    if (!isnan(c->agg_mean_ns))
        c->mean_ns = c->agg_mean_ns;
    return 0;
}

static int load_gbench(struct pcb_rp_report *r, const char *path, cJSON *root, cJSON *bm, char *err)
{
    size_t first = r->ncases, idx = 0;
    cJSON *ctx = cJSON_GetObjectItemCaseSensitive(root, "context");

    if (r->nctx == 0 && cJSON_IsObject(ctx)) {
        for (cJSON *k = ctx->child; k; k = k->next) {
            char buf[64];
            const char *v = NULL;
            if (cJSON_IsString(k))
                v = k->valuestring;
            else if (cJSON_IsNumber(k)) {
                snprintf(buf, sizeof(buf), "%.15g", k->valuedouble);
                v = buf;
            } else if (cJSON_IsBool(k)) {
                v = cJSON_IsTrue(k) ? "true" : "false";
            } else if (cJSON_IsArray(k) && cJSON_GetArraySize(k) > 0 &&
                       cJSON_IsNumber(k->child)) { /* load_avg */
                size_t len = 0;
                buf[0] = '\0';
                for (cJSON *x = k->child; x && len < sizeof(buf) - 16; x = x->next)
                    if (cJSON_IsNumber(x))
                        len += (size_t)snprintf(buf + len, sizeof(buf) - len, "%s%.2f",
                                                len ? " " : "", x->valuedouble);
                v = buf;
            }
            if (!v)
                continue;
            struct pcb_rp_context_kv *n = realloc(r->ctx, (r->nctx + 1) * sizeof(*n));
            if (!n)
                return fail(err, path, "out of memory");
            r->ctx = n;
            n[r->nctx].key = strdup(k->string);
            n[r->nctx].value = strdup(v);
            if (!n[r->nctx].key || !n[r->nctx].value)
                return fail(err, path, "out of memory");
            r->nctx++;
        }
    }
    for (cJSON *e = bm->child; e; e = e->next, idx++)
        if (gbench_entry(r, path, idx, e, err))
            return -1;
    for (size_t i = first; i < r->ncases; i++)
        if (finish_case(&r->cases[i]))
            return fail(err, path, "out of memory");
    return 0;
}

static double num(cJSON *o, const char *k)
{
    cJSON *v = cJSON_GetObjectItemCaseSensitive(o, k);
    return cJSON_IsNumber(v) ? v->valuedouble : NAN;
}

static int load_hyperfine(struct pcb_rp_report *r, const char *path, cJSON *res, char *err)
{
    size_t idx = 0;

    for (cJSON *e = res->child; e; e = e->next, idx++) {
        cJSON *cmd = cJSON_GetObjectItemCaseSensitive(e, "command");
        cJSON *times = cJSON_GetObjectItemCaseSensitive(e, "times");
        cJSON *codes = cJSON_GetObjectItemCaseSensitive(e, "exit_codes");
        if (!cJSON_IsObject(e) || !cJSON_IsString(cmd) || !cmd->valuestring[0])
            return fail(err, path, "results[%zu] has no \"command\" string", idx);
        double med = num(e, "median");
        if (!isfinite(med) || med < 0)
            return fail(err, path, "results[%zu] (%s): \"median\" is not a non-negative number",
                        idx, cmd->valuestring);
        /* Hyperfine names a command after its text unless --command-name was given; two
         * commands with the same name stay two cases. */
        char name[512];
        snprintf(name, sizeof(name), "%s", cmd->valuestring);
        for (int k = 2;; k++) {
            int dup = 0;
            for (size_t i = 0; i < r->ncases; i++)
                if (strcmp(r->cases[i].name, name) == 0)
                    dup = 1;
            if (!dup)
                break;
            snprintf(name, sizeof(name), "%s #%d", cmd->valuestring, k);
        }
        struct pcb_rp_case *c = find_or_add(r, name);
        if (!c)
            return fail(err, path, "out of memory");
        c->family = PCB_RP_WHOLE;
        c->median_ns = med * 1e9;
        c->mean_ns = num(e, "mean") * 1e9;
        c->stddev_ns = num(e, "stddev") * 1e9;
        c->min_ns = num(e, "min") * 1e9;
        c->max_ns = num(e, "max") * 1e9;
        c->user_s = num(e, "user");
        c->sys_s = num(e, "system");
        c->nreps = cJSON_IsArray(times) ? (size_t)cJSON_GetArraySize(times) : 1;
        if (cJSON_IsArray(codes))
            for (cJSON *x = codes->child; x; x = x->next)
                if (cJSON_IsNumber(x) && x->valueint != 0 && !c->failed) {
                    char m[64];
                    snprintf(m, sizeof(m), "a run exited with status %d", x->valueint);
                    c->failed = 1;
                    if (!(c->error = strdup(m)))
                        return fail(err, path, "out of memory");
                }
    }
    return 0;
}

/*
 * Google Benchmark writes NaN and Infinity (for example the cv of an all-zero counter) as bare
 * words, which JSON does not allow. Outside strings they become null here, so the value reads
 * as "not measured". Returns a new buffer, or NULL when out of memory.
 */
static char *nan_to_null(const char *text, size_t len, size_t *outlen)
{
    static const char *const words[] = {"-Infinity", "Infinity", "-NaN", "NaN", "-nan", "nan"};
    char *out = malloc(len + len / 2 + 8), *o = out;
    int in_str = 0;

    if (!out)
        return NULL;
    for (size_t i = 0; i < len;) {
        char ch = text[i];
        if (in_str) {
            *o++ = ch;
            i++;
            if (ch == '\\' && i < len)
                *o++ = text[i++];
            else if (ch == '"')
                in_str = 0;
            continue;
        }
        if (ch == '"') {
            in_str = 1;
            *o++ = text[i++];
            continue;
        }
        size_t k = 0;
        for (; k < sizeof(words) / sizeof(words[0]); k++) {
            size_t n = strlen(words[k]);
            if (len - i >= n && memcmp(text + i, words[k], n) == 0) {
                memcpy(o, "null", 4);
                o += 4;
                i += n;
                break;
            }
        }
        if (k == sizeof(words) / sizeof(words[0]))
            *o++ = text[i++];
    }
    *o = '\0';
    *outlen = (size_t)(o - out);
    return out;
}

int pcb_rp_load(struct pcb_rp_report *r, const char *path, char *err)
{
    size_t len = 0;
    char *text = slurp(path, &len, err);
    cJSON *root, *bm, *res;
    int rc;

    if (!text)
        return -1;
    char *clean = nan_to_null(text, len, &len);
    free(text);
    text = clean;
    if (!text)
        return fail(err, path, "out of memory");
    root = cJSON_ParseWithLength(text, len);
    if (!root) {
        const char *at = cJSON_GetErrorPtr();
        size_t off = at && at >= text && at <= text + len ? (size_t)(at - text) : 0;
        free(text);
        return fail(err, path, "not JSON (parse error near byte %zu)", off);
    }
    free(text);
    bm = cJSON_GetObjectItemCaseSensitive(root, "benchmarks");
    res = cJSON_GetObjectItemCaseSensitive(root, "results");
    if (cJSON_IsArray(bm) && r->have_gbench) {
        rc = fail(err, path,
                  "a second Google Benchmark file; a report shows one run (to set two "
                  "runs side by side, use compare)");
    } else if (cJSON_IsArray(bm)) {
        r->have_gbench = 1;
        rc = load_gbench(r, path, root, bm, err);
    } else if (cJSON_IsArray(res))
        rc = load_hyperfine(r, path, res, err);
    else
        rc = fail(err, path,
                  "not a benchmark result file: expected a Google Benchmark JSON "
                  "file (a \"benchmarks\" array) or hyperfine --export-json (a \"results\" array)");
    cJSON_Delete(root);
    if (rc == 0) {
        char **n = realloc(r->inputs, (r->ninputs + 1) * sizeof(*n));
        if (!n || !(n[r->ninputs] = strdup(path)))
            return fail(err, path, "out of memory");
        r->inputs = n;
        r->ninputs++;
    }
    return rc;
}

void pcb_rp_report_free(struct pcb_rp_report *r)
{
    for (size_t i = 0; i < r->ncases; i++) {
        struct pcb_rp_case *c = &r->cases[i];
        free(c->name);
        free(c->label);
        free(c->gb_label);
        free(c->strategy);
        free(c->workload);
        free(c->variant);
        free(c->group);
        free(c->series);
        free(c->params);
        free(c->error);
        for (size_t j = 0; j < c->ncounters; j++)
            free(c->counters[j].name);
        free(c->counters);
        for (size_t j = 0; j < c->nagg_counters; j++)
            free(c->agg_counters[j].name);
        free(c->agg_counters);
        for (size_t j = 0; j < c->nsamples; j++) {
            free(c->samples[j].name);
            free(c->samples[j].v);
        }
        free(c->samples);
    }
    free(r->cases);
    for (size_t i = 0; i < r->nctx; i++) {
        free(r->ctx[i].key);
        free(r->ctx[i].value);
    }
    free(r->ctx);
    for (size_t i = 0; i < r->ngroups; i++) {
        free(r->groups[i].key);
        free(r->groups[i].workload);
        free(r->groups[i].cases);
        free(r->groups[i].workers);
        free(r->groups[i].series);
    }
    free(r->groups);
    free(r->counter_names);
    for (size_t i = 0; i < r->ninputs; i++)
        free(r->inputs[i]);
    free(r->inputs);
    memset(r, 0, sizeof(*r));
}
