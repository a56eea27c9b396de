/* load.c - reads result files into a pcb_cmp_side.
 *
 * Two readers share one entry point: Google Benchmark JSON (a "benchmarks"
 * array, with raw repetitions, aggregates, or both) and hyperfine
 * --export-json (a "results" array with per-run "times" in seconds). The kind
 * is detected from the content, not the file name. Every value is checked
 * before it is used: a wrong type, a missing or unknown time unit, a
 * non-finite, negative or absurdly large time, or a case that appears twice
 * with the same repetition_index in one file is reported as one line naming
 * the file, the entry and the problem. Times are stored in nanoseconds
 * whatever unit the file used, so sides written with different units compare
 * correctly. Files above PCB_CMP_MAX_FILE_SIZE are refused before parsing.
 */
#define _GNU_SOURCE
#include "compare.h"

#include <cjson/cJSON.h>
#include <errno.h>
#include <math.h>
#include <pthread.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdlib.h>
#include <string.h>
#include <sys/mman.h>
#include <sys/stat.h>
#include <unistd.h>

const char *pcb_cmp_strerror(int err)
{
    switch (err) {
#define XX(name, value, text)                                                                      \
    case PCB_CMP_##name:                                                                           \
        return text;
        PCB_CMP_ERRNO_MAP(XX)
#undef XX
    }
    return "unknown error";
}

/* Writes "path: message" into err and returns code. */
static int fail(char *err, int code, const char *path, const char *fmt, ...)
    __attribute__((format(printf, 4, 5)));
static int fail(char *err, int code, const char *path, const char *fmt, ...)
{
    va_list ap;
    int n;

    n = snprintf(err, PCB_CMP_ERRLEN, "%s: ", path);
    if (n < 0 || n >= PCB_CMP_ERRLEN)
        n = 0;
    va_start(ap, fmt);
    vsnprintf(err + n, (size_t)(PCB_CMP_ERRLEN - n), fmt, ap);
    va_end(ap);
    return code;
}

void pcb_cmp_side_init(struct pcb_cmp_side *side, const char *label)
{
    memset(side, 0, sizeof(*side));
    side->label = label;
}

void pcb_cmp_side_close(struct pcb_cmp_side *side)
{
    size_t i;

    for (i = 0; i < side->ncases; i++) {
        struct pcb_cmp_case *c = &side->cases[i];
        free(c->name);
        free(c->samples);
        free(c->times);
        free(c->rep_index);
        free(c->file_no);
        free(c->error_message);
        free(c->label);
    }
    for (i = 0; i < side->nctx; i++) {
        free(side->ctx[i].key);
        free(side->ctx[i].value);
    }
    free(side->ctx);
    free(side->cases);
    free(side->table);
    free(side->files);
    memset(side, 0, sizeof(*side));
}

/* FNV-1a: short names, no adversary worth a keyed hash. */
static size_t hash_name(const char *s)
{
    uint64_t h = 1469598103934665603ull;
    while (*s)
        h = (h ^ (unsigned char)*s++) * 1099511628211ull;
    return (size_t)h;
}

struct pcb_cmp_case *pcb_cmp_side_find(const struct pcb_cmp_side *side, const char *name)
{
    size_t i;

    if (side->tcap == 0)
        return NULL;
    for (i = hash_name(name) & (side->tcap - 1); side->table[i]; i = (i + 1) & (side->tcap - 1)) {
        struct pcb_cmp_case *c = &side->cases[side->table[i] - 1];
        if (strcmp(c->name, name) == 0)
            return c;
    }
    return NULL;
}

/* Doubles the hash table. Returns 0 or PCB_CMP_ENOMEM. */
static int grow_table(struct pcb_cmp_side *side)
{
    size_t ncap = side->tcap ? side->tcap * 2 : 64, i, j;
    size_t *t = calloc(ncap, sizeof(*t));

    if (t == NULL)
        return PCB_CMP_ENOMEM;
    for (i = 0; i < side->ncases; i++) {
        for (j = hash_name(side->cases[i].name) & (ncap - 1); t[j]; j = (j + 1) & (ncap - 1))
            ;
        t[j] = i + 1;
    }
    free(side->table);
    side->table = t;
    side->tcap = ncap;
    return 0;
}

/* Returns the case called name, creating it if needed; NULL on ENOMEM. */
static struct pcb_cmp_case *get_case(struct pcb_cmp_side *side, const char *name)
{
    struct pcb_cmp_case *c;
    size_t j;

    /* Repetitions of a case are usually next to each other in a file. */
    if (side->ncases > 0 && strcmp(side->cases[side->ncases - 1].name, name) == 0)
        return &side->cases[side->ncases - 1];
    c = pcb_cmp_side_find(side, name);
    if (c != NULL)
        return c;
    /* Keep the load factor at or below one half. */
    if ((side->ncases + 1) * 2 > side->tcap && grow_table(side))
        return NULL;
    if (side->ncases == side->capcases) {
        size_t ncap = side->capcases ? side->capcases * 2 : 64;
        struct pcb_cmp_case *nc = realloc(side->cases, ncap * sizeof(*nc));
        if (nc == NULL)
            return NULL;
        side->cases = nc;
        side->capcases = ncap;
    }
    c = &side->cases[side->ncases];
    memset(c, 0, sizeof(*c));
    c->name = strdup(name);
    if (c->name == NULL)
        return NULL;
    for (j = hash_name(name) & (side->tcap - 1); side->table[j]; j = (j + 1) & (side->tcap - 1))
        ;
    side->table[j] = ++side->ncases;
    return c;
}

/* Appends one raw sample. Returns 0 or PCB_CMP_ENOMEM. */
static int add_sample(struct pcb_cmp_case *c, double v, double t, long rep, int file_no)
{
    if (c->n == c->cap) {
        size_t ncap = c->cap ? c->cap * 2 : 8;
        double *s = realloc(c->samples, ncap * sizeof(*s));
        if (s == NULL)
            return PCB_CMP_ENOMEM;
        c->samples = s;
        s = realloc(c->times, ncap * sizeof(*s));
        if (s == NULL)
            return PCB_CMP_ENOMEM;
        c->times = s;
        long *r = realloc(c->rep_index, ncap * sizeof(*r));
        if (r == NULL)
            return PCB_CMP_ENOMEM;
        c->rep_index = r;
        int *f = realloc(c->file_no, ncap * sizeof(*f));
        if (f == NULL)
            return PCB_CMP_ENOMEM;
        c->file_no = f;
        c->cap = ncap;
    }
    c->samples[c->n] = v;
    c->times[c->n] = t;
    c->rep_index[c->n] = rep;
    c->file_no[c->n] = file_no;
    c->n++;
    return 0;
}

/* Line and column (1-based) of offset off in buf. */
static void line_col(const char *buf, size_t off, size_t *line, size_t *col)
{
    size_t i;

    *line = 1;
    *col = 1;
    for (i = 0; i < off; i++) {
        if (buf[i] == '\n') {
            (*line)++;
            *col = 1;
        } else {
            (*col)++;
        }
    }
}

static int is_space(char ch)
{
    return ch == ' ' || ch == '\t' || ch == '\n' || ch == '\r';
}

/* Nanoseconds per unit of a Google Benchmark time_unit, or 0 if unknown. */
static double unit_factor(const char *u)
{
    if (strcmp(u, "ns") == 0)
        return 1;
    if (strcmp(u, "us") == 0)
        return 1e3;
    if (strcmp(u, "ms") == 0)
        return 1e6;
    if (strcmp(u, "s") == 0)
        return 1e9;
    return 0;
}

/* Renders a context value as one line of text; NULL on ENOMEM. */
static char *render_value(const cJSON *v)
{
    char tmp[64];

    if (cJSON_IsString(v))
        return strdup(v->valuestring);
    if (cJSON_IsBool(v))
        return strdup(cJSON_IsTrue(v) ? "true" : "false");
    if (cJSON_IsNumber(v)) {
        snprintf(tmp, sizeof(tmp), "%.10g", v->valuedouble);
        return strdup(tmp);
    }
    if (cJSON_IsArray(v)) {
        /* load_avg and caches are arrays; caches become "L1 Data 32 KiB x8". */
        size_t cap = 256, len = 0;
        char *s = malloc(cap);
        const cJSON *e;
        if (s == NULL)
            return NULL;
        s[0] = 0;
        cJSON_ArrayForEach(e, v)
        {
            char item[160];
            if (cJSON_IsObject(e)) {
                const cJSON *type = cJSON_GetObjectItemCaseSensitive(e, "type");
                const cJSON *level = cJSON_GetObjectItemCaseSensitive(e, "level");
                const cJSON *size = cJSON_GetObjectItemCaseSensitive(e, "size");
                const cJSON *share = cJSON_GetObjectItemCaseSensitive(e, "num_sharing");
                snprintf(item, sizeof(item), "L%g %s %g KiB x%g",
                         cJSON_IsNumber(level) ? level->valuedouble : 0,
                         cJSON_IsString(type) ? type->valuestring : "?",
                         cJSON_IsNumber(size) ? size->valuedouble / 1024 : 0,
                         cJSON_IsNumber(share) ? share->valuedouble : 0);
            } else if (cJSON_IsNumber(e)) {
                snprintf(item, sizeof(item), "%.3g", e->valuedouble);
            } else if (cJSON_IsString(e)) {
                snprintf(item, sizeof(item), "%s", e->valuestring);
            } else {
                snprintf(item, sizeof(item), "?");
            }
            size_t il = strlen(item);
            if (len + il + 3 > cap) {
                char *ns;
                cap = (len + il + 3) * 2;
                ns = realloc(s, cap);
                if (ns == NULL) {
                    free(s);
                    return NULL;
                }
                s = ns;
            }
            if (len) {
                memcpy(s + len, ", ", 2);
                len += 2;
            }
            memcpy(s + len, item, il + 1);
            len += il;
        }
        return s;
    }
    if (cJSON_IsNull(v))
        return strdup("null");
    return strdup("(object)");
}

/* Looks up key in the side's stored context; NULL when absent. */
static const char *ctx_get(const struct pcb_cmp_side *side, const char *key)
{
    size_t i;
    for (i = 0; i < side->nctx; i++)
        if (strcmp(side->ctx[i].key, key) == 0)
            return side->ctx[i].value;
    return NULL;
}

/* Stores the context of the first file of a side; for later files, notes
 * whether they come from a different machine. */
static int read_context(struct pcb_cmp_side *side, const cJSON *ctx, const char *path, char *err)
{
    static const char *const machine_keys[] = {"host_name", "num_cpus", "mhz_per_cpu"};
    const cJSON *e;
    size_t n = 0, i;

    if (ctx == NULL)
        return 0;
    if (!cJSON_IsObject(ctx))
        return fail(err, PCB_CMP_EFORMAT, path, "\"context\" is not an object");
    if (side->nctx > 0) {
        for (i = 0; i < sizeof(machine_keys) / sizeof(machine_keys[0]); i++) {
            const cJSON *v = cJSON_GetObjectItemCaseSensitive(ctx, machine_keys[i]);
            const char *old = ctx_get(side, machine_keys[i]);
            char *s = v ? render_value(v) : NULL;
            if ((old == NULL) != (s == NULL) || (s && strcmp(s, old) != 0))
                side->mixed_machines = 1;
            free(s);
        }
        return 0;
    }
    cJSON_ArrayForEach(e, ctx) n++;
    if (n == 0)
        return 0;
    side->ctx = calloc(n, sizeof(*side->ctx));
    if (side->ctx == NULL)
        return fail(err, PCB_CMP_ENOMEM, path, "out of memory");
    cJSON_ArrayForEach(e, ctx)
    {
        struct pcb_cmp_kv *kv = &side->ctx[side->nctx];
        if (e->string == NULL)
            continue;
        kv->key = strdup(e->string);
        kv->value = render_value(e);
        side->nctx++;
        if (kv->key == NULL || kv->value == NULL)
            return fail(err, PCB_CMP_ENOMEM, path, "out of memory");
    }
    return 0;
}

/* Reads an optional number field v (NULL when absent) called key of entry
 * idx ("benchmark" or "result", as the file's kind calls it). Returns 1 if
 * present (value in *out), 0 if absent, or an error when it has another
 * type. */
static int get_number_of(const cJSON *v, const char *key, double *out, const char *path,
                         const char *what, size_t idx, const char *name, char *err)
{
    if (v == NULL)
        return 0;
    if (!cJSON_IsNumber(v))
        return fail(err, PCB_CMP_EFORMAT, path, "%s #%zu (\"%s\"): \"%s\" is not a number", what,
                    idx, name, key);
    if (!isfinite(v->valuedouble))
        return fail(err, PCB_CMP_EFORMAT, path, "%s #%zu (\"%s\"): \"%s\" is not a finite number",
                    what, idx, name, key);
    *out = v->valuedouble;
    return 1;
}

/* get_number_of for Google Benchmark entries. */
static int get_number(const cJSON *v, const char *key, double *out, const char *path, size_t idx,
                      const char *name, char *err)
{
    return get_number_of(v, key, out, path, "benchmark", idx, name, err);
}

/* Converts a finite double to long, clamping instead of overflowing (a
 * conversion out of range is undefined behaviour). */
static long clamp_long(double v)
{
    if (v > 1e15)
        return (long)1e15;
    if (v < -1e15)
        return (long)-1e15;
    return (long)v;
}

/* Checks a time in ns is a plausible measurement. what is "benchmark" or
 * "result", the word the file's kind uses for an entry. */
static int check_time(double ns, const char *key, const char *path, const char *what, size_t idx,
                      const char *name, char *err)
{
    if (ns < 0)
        return fail(err, PCB_CMP_EFORMAT, path, "%s #%zu (\"%s\"): \"%s\" is negative (%g ns)",
                    what, idx, name, key, ns);
    if (ns > PCB_CMP_MAX_TIME_NS)
        return fail(err, PCB_CMP_EFORMAT, path,
                    "%s #%zu (\"%s\"): \"%s\" is %g ns, more than a year: "
                    "not a plausible measurement",
                    what, idx, name, key, ns);
    return 0;
}

/* The fields of a Google Benchmark entry that the reader looks at. */
struct gb_fields {
    const cJSON *name;             /* "name" */
    const cJSON *run_name;         /* "run_name" */
    const cJSON *run_type;         /* "run_type" */
    const cJSON *aggregate_name;   /* "aggregate_name" */
    const cJSON *time_unit;        /* "time_unit" */
    const cJSON *error_occurred;   /* "error_occurred" */
    const cJSON *error_message;    /* "error_message" */
    const cJSON *label;            /* "label" */
    const cJSON *threads;          /* "threads" */
    const cJSON *repetitions;      /* "repetitions" */
    const cJSON *repetition_index; /* "repetition_index" */
    const cJSON *time[2];          /* "real_time", "cpu_time" */
    const cJSON *metric;           /* the compared metric */
};

/* Fills f from the members of b in one pass. Looking each key up with
 * cJSON_GetObjectItem would compare every key against every member, which
 * dominated the run time on large files. The first of duplicate keys wins,
 * as with cJSON_GetObjectItem. */
static void gather_fields(const cJSON *b, const char *metric, struct gb_fields *f)
{
    static const struct {
        const char *key; /* member name */
        size_t off;      /* where it goes in struct gb_fields */
    } map[] = {
        {"name", offsetof(struct gb_fields, name)},
        {"run_name", offsetof(struct gb_fields, run_name)},
        {"run_type", offsetof(struct gb_fields, run_type)},
        {"aggregate_name", offsetof(struct gb_fields, aggregate_name)},
        {"time_unit", offsetof(struct gb_fields, time_unit)},
        {"error_occurred", offsetof(struct gb_fields, error_occurred)},
        {"error_message", offsetof(struct gb_fields, error_message)},
        {"label", offsetof(struct gb_fields, label)},
        {"threads", offsetof(struct gb_fields, threads)},
        {"repetitions", offsetof(struct gb_fields, repetitions)},
        {"repetition_index", offsetof(struct gb_fields, repetition_index)},
        {"real_time", offsetof(struct gb_fields, time[0])},
        {"cpu_time", offsetof(struct gb_fields, time[1])},
    };
    const cJSON *e;
    size_t i;

    memset(f, 0, sizeof(*f));
    cJSON_ArrayForEach(e, b)
    {
        const char *k = e->string;
        if (k == NULL)
            continue;
        if (f->metric == NULL && k[0] == metric[0] && strcmp(k, metric) == 0)
            f->metric = e;
        /* strcmp stops at the first difference, and the first character
         * already rules out most of the table. */
        for (i = 0; i < sizeof(map) / sizeof(map[0]); i++) {
            if (k[0] == map[i].key[0] && strcmp(k, map[i].key) == 0) {
                const cJSON **slot = (const cJSON **)((char *)f + map[i].off);
                if (*slot == NULL)
                    *slot = e;
                break;
            }
        }
    }
}

/* Reads one entry of a Google Benchmark "benchmarks" array. */
static int read_gbench_entry(struct pcb_cmp_side *side, const cJSON *b, size_t idx,
                             const char *path, const struct pcb_cmp_read_opts *opts, char *err)
{
    const cJSON *jname, *jrun, *jtype, *jagg, *junit, *jerr, *jmsg, *jlabel;
    const char *name, *run_name, *agg = NULL;
    double factor, v = 0, t = NAN, rep_d = 0, tmp = 0;
    int is_agg = 0, errored = 0, r, have_v, is_cv;
    long rep = -1;
    struct pcb_cmp_case *c;
    int file_no = (int)side->nfiles;
    struct gb_fields f;

    if (!cJSON_IsObject(b))
        return fail(err, PCB_CMP_EFORMAT, path, "benchmark #%zu is not an object", idx);
    gather_fields(b, opts->metric.name, &f);
    jname = f.name;
    if (!cJSON_IsString(jname))
        return fail(err, PCB_CMP_EFORMAT, path, "benchmark #%zu has no \"name\" string", idx);
    name = jname->valuestring;
    jrun = f.run_name;
    if (jrun != NULL && !cJSON_IsString(jrun))
        return fail(err, PCB_CMP_EFORMAT, path,
                    "benchmark #%zu (\"%s\"): \"run_name\" is not a string", idx, name);
    run_name = jrun ? jrun->valuestring : name;
    jtype = f.run_type;
    if (jtype != NULL && !cJSON_IsString(jtype))
        return fail(err, PCB_CMP_EFORMAT, path,
                    "benchmark #%zu (\"%s\"): \"run_type\" is not a string", idx, name);
    jagg = f.aggregate_name;
    if (jagg != NULL && !cJSON_IsString(jagg))
        return fail(err, PCB_CMP_EFORMAT, path,
                    "benchmark #%zu (\"%s\"): \"aggregate_name\" is not a string", idx, name);
    if (jtype != NULL) {
        if (strcmp(jtype->valuestring, "aggregate") == 0)
            is_agg = 1;
        else if (strcmp(jtype->valuestring, "iteration") != 0)
            return fail(err, PCB_CMP_EFORMAT, path,
                        "benchmark #%zu (\"%s\"): unknown run_type \"%s\"", idx, name,
                        jtype->valuestring);
    } else if (jagg != NULL) {
        is_agg = 1; /* files from before run_type existed */
    }
    if (is_agg) {
        if (jagg == NULL)
            return fail(err, PCB_CMP_EFORMAT, path,
                        "benchmark #%zu (\"%s\"): aggregate without "
                        "\"aggregate_name\"",
                        idx, name);
        agg = jagg->valuestring;
        if (jrun == NULL) {
            /* Without run_name the aggregate's name carries a "_mean" suffix. */
            size_t ln = strlen(name), la = strlen(agg);
            if (ln > la + 1 && name[ln - la - 1] == '_' && strcmp(name + ln - la, agg) == 0) {
                char *trim = strndup(name, ln - la - 1);
                if (trim == NULL)
                    return fail(err, PCB_CMP_ENOMEM, path, "out of memory");
                c = get_case(side, trim);
                free(trim);
                goto have_case;
            }
        }
    }
    c = get_case(side, run_name);
have_case:
    if (c == NULL)
        return fail(err, PCB_CMP_ENOMEM, path, "out of memory");

    jerr = f.error_occurred;
    if (jerr != NULL && !cJSON_IsBool(jerr))
        return fail(err, PCB_CMP_EFORMAT, path,
                    "benchmark #%zu (\"%s\"): \"error_occurred\" is not a boolean", idx, name);
    errored = jerr != NULL && cJSON_IsTrue(jerr);
    jmsg = f.error_message;
    if (jmsg != NULL && !cJSON_IsString(jmsg))
        return fail(err, PCB_CMP_EFORMAT, path,
                    "benchmark #%zu (\"%s\"): \"error_message\" is not a string", idx, name);
    jlabel = f.label;
    if (jlabel != NULL && !cJSON_IsString(jlabel))
        return fail(err, PCB_CMP_EFORMAT, path,
                    "benchmark #%zu (\"%s\"): \"label\" is not a string", idx, name);
    if (jlabel != NULL && c->label == NULL && jlabel->valuestring[0]) {
        c->label = strdup(jlabel->valuestring);
        if (c->label == NULL)
            return fail(err, PCB_CMP_ENOMEM, path, "out of memory");
    }
    r = get_number(f.threads, "threads", &tmp, path, idx, name, err);
    if (r < 0)
        return r;
    if (r)
        c->threads = clamp_long(tmp);

    /* An errored run makes the case failed whatever else the entry holds;
     * its times are meaningless and are not checked. */
    if (errored) {
        c->failed = 1;
        if (c->error_message == NULL) {
            c->error_message = strdup(jmsg && jmsg->valuestring[0] ? jmsg->valuestring : "error");
            if (c->error_message == NULL)
                return fail(err, PCB_CMP_ENOMEM, path, "out of memory");
        }
        return 0;
    }

    junit = f.time_unit;
    if (junit == NULL)
        return fail(err, PCB_CMP_EFORMAT, path, "benchmark #%zu (\"%s\"): \"time_unit\" is missing",
                    idx, name);
    if (!cJSON_IsString(junit))
        return fail(err, PCB_CMP_EFORMAT, path,
                    "benchmark #%zu (\"%s\"): \"time_unit\" is not a string", idx, name);
    factor = unit_factor(junit->valuestring);
    if (factor == 0)
        return fail(err, PCB_CMP_EFORMAT, path,
                    "benchmark #%zu (\"%s\"): unknown time_unit \"%s\" (expected "
                    "ns, us, ms or s)",
                    idx, name, junit->valuestring);

    /* cv aggregates hold fractions, not times, in every numeric field. */
    is_cv = is_agg && strcmp(agg, "cv") == 0;
    {
        static const char *const time_keys[] = {"real_time", "cpu_time"};
        size_t k;
        for (k = 0; k < 2; k++) {
            r = get_number(f.time[k], time_keys[k], &tmp, path, idx, name, err);
            if (r < 0)
                return r;
            if (r == 0)
                return fail(err, PCB_CMP_EFORMAT, path,
                            "benchmark #%zu (\"%s\"): \"%s\" is missing", idx, name, time_keys[k]);
            if (!is_cv &&
                check_time(tmp * factor, time_keys[k], path, "benchmark", idx, name, err) < 0)
                return PCB_CMP_EFORMAT;
            if (strcmp(time_keys[k], opts->time_key) == 0)
                t = is_cv ? tmp : tmp * factor;
        }
    }
    have_v = get_number(f.metric, opts->metric.name, &v, path, idx, name, err);
    if (have_v < 0)
        return have_v;
    if (have_v && opts->metric.is_time && !is_cv)
        v *= factor;

    if (is_agg) {
        unsigned bit;
        r = get_number(f.repetitions, "repetitions", &tmp, path, idx, name, err);
        if (r < 0)
            return r;
        if (r && tmp >= 1)
            c->agg.reps = clamp_long(tmp);
        if (strcmp(agg, "mean") == 0)
            bit = PCB_CMP_AGG_MEAN;
        else if (strcmp(agg, "median") == 0)
            bit = PCB_CMP_AGG_MEDIAN;
        else if (strcmp(agg, "stddev") == 0)
            bit = PCB_CMP_AGG_STDDEV;
        else if (is_cv)
            bit = PCB_CMP_AGG_CV;
        else
            return 0; /* BigO, RMS and user statistics are not compared */
        if (c->agg.has & bit)
            return fail(err, PCB_CMP_EFORMAT, path,
                        "benchmark #%zu: duplicate case \"%s\" (aggregate \"%s\" "
                        "appears twice)",
                        idx, c->name, agg);
        if (!have_v) {
            return 0;
        }
        c->agg.has |= bit;
        if (bit == PCB_CMP_AGG_MEAN)
            c->agg.mean = v;
        else if (bit == PCB_CMP_AGG_MEDIAN) {
            c->agg.median = v;
            c->agg.time_median = t;
            c->agg.has |= PCB_CMP_AGG_TIME_MEDIAN;
        } else if (bit == PCB_CMP_AGG_STDDEV)
            c->agg.stddev = v;
        else
            c->agg.cv = v;
        return 0;
    }

    r = get_number(f.repetition_index, "repetition_index", &rep_d, path, idx, name, err);
    if (r < 0)
        return r;
    if (r) {
        size_t i;
        if (rep_d < 0 || rep_d != floor(rep_d) || rep_d > 1e9)
            return fail(err, PCB_CMP_EFORMAT, path,
                        "benchmark #%zu (\"%s\"): \"repetition_index\" is not a "
                        "small non-negative integer",
                        idx, name);
        rep = (long)rep_d;
        for (i = c->n; i-- > 0 && c->file_no[i] == file_no;)
            if (c->rep_index[i] == rep)
                return fail(err, PCB_CMP_EFORMAT, path,
                            "benchmark #%zu: duplicate case \"%s\" (repetition_index "
                            "%ld appears twice)",
                            idx, c->name, rep);
    }
    if (!have_v)
        return 0; /* the case lacks the metric; decide.c counts it */
    if (add_sample(c, v, t, rep, file_no))
        return fail(err, PCB_CMP_ENOMEM, path, "out of memory");
    return 0;
}

/* Reads one entry of a hyperfine "results" array. */
static int read_hyperfine_entry(struct pcb_cmp_side *side, const cJSON *e, size_t idx,
                                const char *path, char *err)
{
    const cJSON *jcmd, *jtimes, *jexit, *x;
    struct pcb_cmp_case *c;
    const char *name;
    double v = 0;
    int r;
    size_t k = 0;

    if (!cJSON_IsObject(e))
        return fail(err, PCB_CMP_EFORMAT, path, "result #%zu is not an object", idx);
    jcmd = cJSON_GetObjectItemCaseSensitive(e, "command");
    if (!cJSON_IsString(jcmd))
        return fail(err, PCB_CMP_EFORMAT, path, "result #%zu has no \"command\" string", idx);
    name = jcmd->valuestring;
    c = get_case(side, name);
    if (c == NULL)
        return fail(err, PCB_CMP_ENOMEM, path, "out of memory");
    if (c->last_file == (int)side->nfiles + 1)
        return fail(err, PCB_CMP_EFORMAT, path, "result #%zu: duplicate command \"%s\"", idx, name);
    c->last_file = (int)side->nfiles + 1;

    jexit = cJSON_GetObjectItemCaseSensitive(e, "exit_codes");
    if (jexit != NULL && !cJSON_IsArray(jexit))
        return fail(err, PCB_CMP_EFORMAT, path,
                    "result #%zu (\"%s\"): \"exit_codes\" is not an array", idx, name);
    cJSON_ArrayForEach(x, jexit)
    {
        if (cJSON_IsNumber(x) && x->valuedouble != 0 && !c->failed) {
            char msg[64];
            c->failed = 1;
            snprintf(msg, sizeof(msg), "command exited with status %g", x->valuedouble);
            c->error_message = strdup(msg);
            if (c->error_message == NULL)
                return fail(err, PCB_CMP_ENOMEM, path, "out of memory");
        }
    }

    jtimes = cJSON_GetObjectItemCaseSensitive(e, "times");
    if (jtimes != NULL && !cJSON_IsArray(jtimes))
        return fail(err, PCB_CMP_EFORMAT, path, "result #%zu (\"%s\"): \"times\" is not an array",
                    idx, name);
    cJSON_ArrayForEach(x, jtimes)
    {
        if (!cJSON_IsNumber(x) || !isfinite(x->valuedouble))
            return fail(err, PCB_CMP_EFORMAT, path,
                        "result #%zu (\"%s\"): times[%zu] is not a finite number", idx, name, k);
        v = x->valuedouble * 1e9;
        if (check_time(v, "times", path, "result", idx, name, err) < 0)
            return PCB_CMP_EFORMAT;
        if (add_sample(c, v, v, (long)k, (int)side->nfiles))
            return fail(err, PCB_CMP_ENOMEM, path, "out of memory");
        k++;
    }
    if (k == 0) {
        /* No per-run times: fall back to the summary statistics. */
        static const struct {
            const char *key; /* hyperfine field */
            unsigned bit;    /* aggregate it fills */
        } fields[] = {{"mean", PCB_CMP_AGG_MEAN},
                      {"median", PCB_CMP_AGG_MEDIAN},
                      {"stddev", PCB_CMP_AGG_STDDEV}};
        size_t i;
        for (i = 0; i < 3; i++) {
            r = get_number_of(cJSON_GetObjectItemCaseSensitive(e, fields[i].key), fields[i].key, &v,
                              path, "result", idx, name, err);
            if (r < 0)
                return r;
            if (r == 0)
                continue;
            v *= 1e9;
            if (check_time(v, fields[i].key, path, "result", idx, name, err) < 0)
                return PCB_CMP_EFORMAT;
            c->agg.has |= fields[i].bit;
            if (fields[i].bit == PCB_CMP_AGG_MEAN)
                c->agg.mean = v;
            else if (fields[i].bit == PCB_CMP_AGG_MEDIAN) {
                c->agg.median = c->agg.time_median = v;
                c->agg.has |= PCB_CMP_AGG_TIME_MEDIAN;
            } else
                c->agg.stddev = v;
        }
        if (c->agg.has == 0 && !c->failed)
            return fail(err, PCB_CMP_EFORMAT, path,
                        "result #%zu (\"%s\"): no \"times\", \"mean\" or \"median\"", idx, name);
    }
    return 0;
}

/* cJSON allocates every node, key and string separately and frees them one
 * by one; on a 50 MB file that is millions of malloc/free calls and a large
 * part of the run time. A parsed value lives only until the reader has taken
 * what it needs from it (see read_array), so cJSON gets a bump allocator:
 * allocation is a pointer increment, free does nothing, and arena_reset
 * drops everything at once. The arena is per thread, so the two sides can be
 * read in parallel. */
struct arena_block {
    struct arena_block *next; /* the block after this one */
    size_t used;              /* bytes handed out from data */
    size_t cap;               /* bytes in data */
    max_align_t data[];       /* the memory */
};

/* Per-thread arena: a list of blocks and the one being filled. A reset only
 * rewinds the blocks, so after the first entry of a file no memory is
 * allocated or touched for the first time, and the arena stays in cache. */
static _Thread_local struct arena_block *arena_first, *arena_cur;

/* Size of one arena block; one entry of a result file needs a few KiB. */
#define ARENA_BLOCK ((size_t)1 << 20)

static void *arena_malloc(size_t sz)
{
    size_t need = (sz + sizeof(max_align_t) - 1) & ~(sizeof(max_align_t) - 1);
    struct arena_block *b = arena_cur;

    while (b != NULL && b->cap - b->used < need) {
        b = b->next;
        if (b != NULL)
            b->used = 0;
    }
    if (b == NULL) {
        size_t cap = need > ARENA_BLOCK ? need : ARENA_BLOCK;
        b = malloc(sizeof(*b) + cap);
        if (b == NULL)
            return NULL;
        b->cap = cap;
        b->used = 0;
        if (arena_cur != NULL) {
            /* Insert after the current block; later blocks stay reusable. */
            b->next = arena_cur->next;
            arena_cur->next = b;
        } else {
            b->next = arena_first;
            arena_first = b;
        }
    }
    arena_cur = b;
    b->used += need;
    return (char *)b->data + b->used - need;
}

static void arena_free(void *p)
{
    (void)p;
}

/* Forgets everything allocated so far, keeping the blocks for reuse. */
static void arena_reset(void)
{
    arena_cur = arena_first;
    if (arena_cur != NULL)
        arena_cur->used = 0;
}

void pcb_cmp_read_cleanup(void)
{
    while (arena_first) {
        struct arena_block *next = arena_first->next;
        free(arena_first);
        arena_first = next;
    }
    arena_cur = NULL;
}

static pthread_once_t hooks_once = PTHREAD_ONCE_INIT;

static void install_hooks(void)
{
    cJSON_Hooks h = {arena_malloc, arena_free};
    cJSON_InitHooks(&h);
}

/* 1 when the len bytes at buf + at start with the literal lit. */
static int starts_with(const char *buf, size_t len, size_t at, const char *lit)
{
    size_t n = strlen(lit);
    return at <= len && len - at >= n && memcmp(buf + at, lit, n) == 0;
}

/* ---- splitting the top level ----
 *
 * A 50 MB result file parsed as one cJSON tree needs a few hundred MB of
 * nodes, and the page faults and cache misses of building it cost more than
 * the parsing. So the reader walks the top-level object itself, and hands
 * cJSON one value at a time: the "context" object, every element of the
 * "benchmarks" (or "results") array, and every other top-level value (parsed
 * only to check it is valid JSON). cJSON parses one value and says where it
 * ended; the walk checks the punctuation between values (braces, colons,
 * commas) and cJSON everything inside them, so the whole file is still
 * validated; only the splitting is ours. The arena is rewound after each
 * value, so it stays small and in the cache. */

#define NONE ((size_t)-1)

static size_t skip_ws(const char *s, size_t len, size_t i)
{
    while (i < len && is_space(s[i]))
        i++;
    return i;
}

/* Offset just past the string that starts at s[i] == '"', or NONE when the
 * text ends first. */
static size_t string_end(const char *s, size_t len, size_t i)
{
    for (i++; i < len; i++) {
        if (s[i] == '\\')
            i++;
        else if (s[i] == '"')
            return i + 1;
    }
    return NONE;
}

/* 1 when the text ends inside a string or with brackets still open: the
 * file was cut short. Only called on the error path. */
static int looks_truncated(const char *s, size_t len)
{
    size_t i, depth = 0;
    int in_str = 0;

    for (i = 0; i < len; i++) {
        char c = s[i];
        if (in_str) {
            if (c == '\\')
                i++;
            else if (c == '"')
                in_str = 0;
        } else if (c == '"') {
            in_str = 1;
        } else if (c == '{' || c == '[') {
            depth++;
        } else if ((c == '}' || c == ']') && depth > 0) {
            depth--;
        }
    }
    return in_str || depth > 0;
}

/* The message for a syntax error found at offset at (len: end of file). */
static int syntax_error(const char *name, const char *s, size_t len, size_t at, char *err)
{
    size_t line, col, rest = skip_ws(s, len, at);

    if (at > len)
        at = len;
    if (rest >= len || looks_truncated(s, len)) {
        line_col(s, len, &line, &col);
        return fail(err, PCB_CMP_EJSON, name, "truncated JSON: unexpected end of file at line %zu",
                    line);
    }
    line_col(s, at, &line, &col);
    if (starts_with(s, len, at, "NaN") || starts_with(s, len, at, "-NaN") ||
        starts_with(s, len, at, "nan") || starts_with(s, len, at, "-nan") ||
        starts_with(s, len, at, "Infinity") || starts_with(s, len, at, "-Infinity") ||
        starts_with(s, len, at, "inf") || starts_with(s, len, at, "-inf"))
        return fail(err, PCB_CMP_EJSON, name,
                    "line %zu column %zu: NaN or infinite value (the benchmark "
                    "produced a non-finite number)",
                    line, col);
    return fail(err, PCB_CMP_EJSON, name, "invalid JSON at line %zu column %zu", line, col);
}

/* Parses the one JSON value that starts at s[i] with cJSON, which stops
 * right after it and tells where: *vend receives that offset. Returns the
 * tree (in the arena), or NULL with the error message written. */
static cJSON *parse_at(const char *name, const char *s, size_t len, size_t i, size_t *vend,
                       char *err)
{
    const char *end = NULL;
    cJSON *v = cJSON_ParseWithLengthOpts(s + i, len - i, &end, 0);

    if (v == NULL || end == NULL || end < s + i || end > s + len) {
        size_t at = end && end >= s + i && end <= s + len ? (size_t)(end - s) : len;
        syntax_error(name, s, len, at, err);
        return NULL;
    }
    *vend = (size_t)(end - s);
    return v;
}

/* Which array a file has. */
enum array_kind { GBENCH, HYPERFINE };

/* Reads the array that starts at s[*pos] == '[' element by element and
 * leaves *pos just past its ']'. */
static int read_array(struct pcb_cmp_side *side, const char *name, const char *s, size_t len,
                      size_t *pos, enum array_kind kind, const struct pcb_cmp_read_opts *opts,
                      char *err)
{
    size_t i = skip_ws(s, len, *pos + 1), vend, idx = 0;
    int rc;

    if (i < len && s[i] == ']') {
        *pos = i + 1;
        return 0;
    }
    for (;;) {
        cJSON *item = parse_at(name, s, len, i, &vend, err);
        if (item == NULL)
            return PCB_CMP_EJSON;
        rc = kind == GBENCH ? read_gbench_entry(side, item, idx, name, opts, err)
                            : read_hyperfine_entry(side, item, idx, name, err);
        arena_reset();
        if (rc)
            return rc;
        idx++;
        i = skip_ws(s, len, vend);
        if (i < len && s[i] == ',') {
            i = skip_ws(s, len, i + 1);
            continue;
        }
        if (i < len && s[i] == ']') {
            *pos = i + 1;
            return 0;
        }
        return syntax_error(name, s, len, i, err);
    }
}

/* Parses s[0..len) (no terminating NUL needed: cJSON 1.7's ParseWithLength
 * never reads past the length, which the fuzz target checks with exactly
 * sized buffers) and reads the result entries into side. */
static int read_text(struct pcb_cmp_side *side, const char *name, const char *s, size_t len,
                     const struct pcb_cmp_read_opts *opts, char *err)
{
    size_t i, kend, vend, klen;
    int seen = 0; /* 1 benchmarks, 2 results */
    int rc;

    i = skip_ws(s, len, 0);
    if (i == len)
        return fail(err, PCB_CMP_EFORMAT, name, "file is empty");
    if (memchr(s, 0, len) != NULL)
        return fail(err, PCB_CMP_EJSON, name, "contains a NUL byte: not a JSON text file");
    pthread_once(&hooks_once, install_hooks);
    if (s[i] != '{') {
        /* Not an object: let cJSON say whether it is JSON at all. */
        if (parse_at(name, s, len, i, &vend, err) == NULL)
            return PCB_CMP_EJSON;
        arena_reset();
        i = skip_ws(s, len, vend);
        if (i < len)
            return syntax_error(name, s, len, i, err);
        return fail(err, PCB_CMP_EFORMAT, name,
                    "not a benchmark result file: the top level is not an object");
    }
    i = skip_ws(s, len, i + 1);
    if (i < len && s[i] == '}') {
        i++;
    } else {
        for (;;) {
            const char *key;
            if (i >= len || s[i] != '"')
                return syntax_error(name, s, len, i, err);
            kend = string_end(s, len, i);
            if (kend == NONE)
                return syntax_error(name, s, len, len, err);
            key = s + i + 1;
            klen = kend - i - 2;
            i = skip_ws(s, len, kend);
            if (i >= len || s[i] != ':')
                return syntax_error(name, s, len, i, err);
            i = skip_ws(s, len, i + 1);
            if (i >= len)
                return syntax_error(name, s, len, len, err);
#define KEY_IS(lit) (klen == sizeof(lit) - 1 && memcmp(key, lit, klen) == 0)
            if ((KEY_IS("benchmarks") || KEY_IS("results")) && s[i] == '[') {
                enum array_kind kind = KEY_IS("benchmarks") ? GBENCH : HYPERFINE;
                if (seen)
                    return fail(err, PCB_CMP_EFORMAT, name,
                                "has more than one \"benchmarks\" or \"results\" "
                                "array");
                seen = kind == GBENCH ? 1 : 2;
                if (kind == HYPERFINE &&
                    (!opts->metric.is_time || strcmp(opts->metric.name, "real_time"))) {
                    return fail(err, PCB_CMP_EUSAGE, name,
                                "hyperfine files hold wall-clock times only; --metric "
                                "%s is not available",
                                opts->metric.name);
                }
                rc = read_array(side, name, s, len, &i, kind, opts, err);
                if (rc)
                    return rc;
            } else {
                cJSON *v = parse_at(name, s, len, i, &vend, err);
                if (v == NULL)
                    return PCB_CMP_EJSON;
                if (KEY_IS("benchmarks") || KEY_IS("results"))
                    rc = fail(err, PCB_CMP_EFORMAT, name, "\"%s\" is not an array",
                              KEY_IS("results") ? "results" : "benchmarks");
                else if (KEY_IS("context"))
                    rc = read_context(side, v, name, err);
                else
                    rc = 0; /* other members are only checked to be valid JSON */
                arena_reset();
                if (rc)
                    return rc;
                i = vend;
            }
#undef KEY_IS
            i = skip_ws(s, len, i);
            if (i < len && s[i] == ',') {
                i = skip_ws(s, len, i + 1);
                continue;
            }
            if (i < len && s[i] == '}') {
                i++;
                break;
            }
            return syntax_error(name, s, len, i, err);
        }
    }
    i = skip_ws(s, len, i);
    if (i < len) {
        size_t line, col;
        line_col(s, i, &line, &col);
        return fail(err, PCB_CMP_EJSON, name,
                    "unexpected data after the JSON value at line %zu column %zu", line, col);
    }
    if (seen == 0)
        return fail(err, PCB_CMP_EFORMAT, name,
                    "not a Google Benchmark or hyperfine result file (no "
                    "\"benchmarks\" or \"results\" array)");
    if (seen == 1)
        side->n_gbench++;
    else
        side->n_hyperfine++;
    return 0;
}

int pcb_cmp_read_buffer(struct pcb_cmp_side *side, const char *name, const char *buf, size_t len,
                        const struct pcb_cmp_read_opts *opts, char *err)
{
    return read_text(side, name, buf, len, opts, err);
}

int pcb_cmp_read_file(struct pcb_cmp_side *side, const char *path,
                      const struct pcb_cmp_read_opts *opts, char *err)
{
    FILE *f;
    struct stat st;
    char *buf = NULL;
    size_t len = 0, cap = 0, got;
    int rc;

    f = fopen(path, "rb");
    if (f == NULL)
        return fail(err, PCB_CMP_EIO, path, "cannot open: %s", strerror(errno));
    if (fstat(fileno(f), &st) != 0) {
        rc = fail(err, PCB_CMP_EIO, path, "cannot stat: %s", strerror(errno));
        fclose(f);
        return rc;
    }
    if (S_ISDIR(st.st_mode)) {
        fclose(f);
        return fail(err, PCB_CMP_EIO, path, "is a directory, not a file");
    }
    if (S_ISREG(st.st_mode) && (uint64_t)st.st_size > PCB_CMP_MAX_FILE_SIZE) {
        fclose(f);
        return fail(err, PCB_CMP_ETOOBIG, path, "file is %.0f MiB, larger than the %zu MiB limit",
                    (double)st.st_size / (1024.0 * 1024.0), PCB_CMP_MAX_FILE_SIZE >> 20);
    }
    if (S_ISREG(st.st_mode) && st.st_size > 0) {
        /* A regular file is mapped, not copied: the parser reads it once.
         * MAP_POPULATE maps it in one call instead of one fault per page. */
        void *m =
            mmap(NULL, (size_t)st.st_size, PROT_READ, MAP_PRIVATE | MAP_POPULATE, fileno(f), 0);
        if (m != MAP_FAILED) {
            fclose(f);
#ifdef MADV_SEQUENTIAL
            madvise(m, (size_t)st.st_size, MADV_SEQUENTIAL);
#endif
            rc = read_text(side, path, m, (size_t)st.st_size, opts, err);
            munmap(m, (size_t)st.st_size);
            goto done;
        }
    }
    /* Pipes, /proc files and anything that cannot be mapped: read in a loop
     * up to the size limit. */
    for (;;) {
        if (len == cap) {
            char *nb;
            cap = cap ? cap * 2 : 65536;
            nb = realloc(buf, cap);
            if (nb == NULL) {
                free(buf);
                fclose(f);
                return fail(err, PCB_CMP_ENOMEM, path, "out of memory");
            }
            buf = nb;
        }
        got = fread(buf + len, 1, cap - len, f);
        len += got;
        if (len > PCB_CMP_MAX_FILE_SIZE) {
            free(buf);
            fclose(f);
            return fail(err, PCB_CMP_ETOOBIG, path, "file is larger than the %zu MiB limit",
                        PCB_CMP_MAX_FILE_SIZE >> 20);
        }
        if (got == 0)
            break;
    }
    if (ferror(f)) {
        rc = fail(err, PCB_CMP_EIO, path, "read error: %s", strerror(errno));
        free(buf);
        fclose(f);
        return rc;
    }
    fclose(f);
    rc = read_text(side, path, buf ? buf : "", len, opts, err);
    free(buf);
done:
    if (rc == 0) {
        const char **nf = realloc(side->files, (side->nfiles + 1) * sizeof(*nf));
        if (nf == NULL)
            return fail(err, PCB_CMP_ENOMEM, path, "out of memory");
        side->files = nf;
        side->files[side->nfiles++] = path;
    }
    return rc;
}
