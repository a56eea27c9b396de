/*
 * casename.c - building, parsing and keying case names; see casename.h.
 */
#include "casename.h"

#include <stdio.h>
#include <string.h>

/* Parts Google Benchmark appends for tuning: dropped from keys. */
static const char *const tuning[] = {"min_time:", "min_warmup_time:", "iterations:", "repeats:"};
/* Parts Google Benchmark appends for the kind of time: kept in keys. */
static const char *const time_types[] = {"manual_time", "real_time", "process_time"};

static bool has_prefix(const char *s, size_t len, const char *prefix)
{
    size_t n = strlen(prefix);

    return len >= n && memcmp(s, prefix, n) == 0;
}

static bool is_tuning(const char *part, size_t len)
{
    for (size_t i = 0; i < sizeof(tuning) / sizeof(tuning[0]); i++)
        if (has_prefix(part, len, tuning[i]))
            return true;
    return false;
}

static bool is_time_type(const char *part, size_t len)
{
    for (size_t i = 0; i < sizeof(time_types) / sizeof(time_types[0]); i++)
        if (strlen(time_types[i]) == len && memcmp(part, time_types[i], len) == 0)
            return true;
    return false;
}

bool pcb_name_is_library_part(const char *part, size_t len)
{
    return is_tuning(part, len) || is_time_type(part, len);
}

/* The length of `name` without "_<aggregate>" at its end (when it ends so). */
static size_t strip_aggregate(const char *name, const char *aggregate)
{
    size_t n = strlen(name), a = aggregate ? strlen(aggregate) : 0;

    if (a && n > a + 1 && name[n - a - 1] == '_' && memcmp(name + n - a, aggregate, a) == 0)
        return n - a - 1;
    return n;
}

/* out[(*len)++] = c while there is room for it and the terminator; counts it either way. */
static void put_char(char *out, size_t cap, size_t *len, char c)
{
    if (*len + 1 < cap)
        out[*len] = c;
    ++*len;
}

size_t pcb_name_key(const char *name, const char *aggregate, char *out, size_t cap)
{
    size_t n = strip_aggregate(name, aggregate), len = 0;
    bool first = true; /* no '/' before the first part kept, even an empty one ("/a") */

    for (size_t i = 0; i <= n;) {
        size_t e = i;
        while (e < n && name[e] != '/')
            e++;
        if (!is_tuning(name + i, e - i)) {
            if (!first)
                put_char(out, cap, &len, '/');
            first = false;
            for (size_t k = i; k < e; k++)
                put_char(out, cap, &len, name[k]);
        }
        i = e + 1;
    }
    if (cap)
        out[len < cap ? len : cap - 1] = '\0';
    return len;
}

/* Strict unsigned decimal, the whole string. */
static bool parse_u64(const char *s, uint64_t *out)
{
    uint64_t v = 0;

    if (!*s)
        return false;
    for (; *s; s++) {
        if (*s < '0' || *s > '9' || v > (UINT64_MAX - (uint64_t)(*s - '0')) / 10)
            return false;
        v = v * 10 + (uint64_t)(*s - '0');
    }
    *out = v;
    return true;
}

/* Splits "key:value" in place (the ':' becomes NUL). False when it is not one: no ':', an empty
 * key or value, or a key with characters other than [a-z0-9_]. */
static bool split_kv(char *part, struct pcb_name_kv *kv)
{
    char *colon = strchr(part, ':');

    if (!colon || colon == part || !colon[1])
        return false;
    for (const char *k = part; k < colon; k++)
        if (!((*k >= 'a' && *k <= 'z') || (*k >= '0' && *k <= '9') || *k == '_'))
            return false;
    *colon = '\0';
    kv->key = part;
    kv->value = colon + 1;
    return true;
}

static bool is_key(const struct pcb_name_kv *kv, const char *key)
{
    return strcmp(kv->key, key) == 0;
}

/*
 * Reads parts[from..n) as: variants until tasks: (when `tasks` is required), the task count,
 * chunk:, parameters, pin: (always last); or, without `tasks`, variants then pin:. Returns false
 * when the parts do not have that shape; *n is then left half-filled, and the caller resets it.
 */
static bool parse_axes(char **parts, size_t from, size_t count, bool tasks, struct pcb_name *n)
{
    struct pcb_name_kv kv;
    bool seen_tasks = false;

    for (size_t i = from; i < count; i++) {
        if (!split_kv(parts[i], &kv))
            return false;
        if (is_key(&kv, "pin")) {
            if (i + 1 != count)
                return false;
            n->pin = kv.value;
        } else if (tasks && is_key(&kv, "tasks") && !seen_tasks) {
            if (!parse_u64(kv.value, &n->tasks))
                return false;
            seen_tasks = true;
        } else if (seen_tasks && is_key(&kv, "chunk") && n->chunk == 0 && n->nparams == 0) {
            if (!parse_u64(kv.value, &n->chunk) || n->chunk == 0)
                return false;
        } else if (seen_tasks) {
            if (n->nparams == PCB_NAME_MAX_KV)
                return false;
            n->params[n->nparams++] = kv;
        } else {
            if (n->nvariants == PCB_NAME_MAX_KV)
                return false;
            n->variants[n->nvariants++] = kv;
        }
    }
    return seen_tasks || !tasks;
}

/* Clears what the structured parse may have filled, keeping key and time type. */
static void reset_structure(struct pcb_name *n, enum pcb_name_family family)
{
    n->family = family;
    n->strategy = n->workload = n->pin = NULL;
    n->workers = (struct pcb_name_kv){NULL, NULL};
    n->nworkers = n->tasks = n->chunk = 0;
    n->nvariants = n->nparams = 0;
}

int pcb_name_parse(const char *name, const char *aggregate, struct pcb_name *out)
{
    char *parts[PCB_NAME_MAX_PARTS];
    size_t count = 0;

    reset_structure(out, PCB_NAME_OTHER);
    out->time_type = "";
    out->key[0] = out->buf[0] = '\0';
    size_t len = pcb_name_key(name, aggregate, out->key, sizeof(out->key));
    if (len == 0 || len >= sizeof(out->key)) {
        out->key[0] = '\0';
        return -1;
    }
    memcpy(out->buf, out->key, len + 1);
    for (char *p = out->buf;;) {
        if (count == PCB_NAME_MAX_PARTS) {
            out->key[0] = '\0';
            return -1;
        }
        parts[count++] = p;
        char *slash = strchr(p, '/');
        if (!slash)
            break;
        *slash = '\0';
        p = slash + 1;
    }
    /* The time type closes the name (Google Benchmark's threads:N would follow it; pcbench
     * never runs library threads). */
    while (count > 1 && is_time_type(parts[count - 1], strlen(parts[count - 1]))) {
        if (!out->time_type[0])
            out->time_type = parts[count - 1];
        count--;
    }

    enum pcb_name_family family = PCB_NAME_OTHER;
    if (strcmp(parts[0], "Floor") == 0)
        family = PCB_NAME_FLOOR;
    else if (strcmp(parts[0], "IPC") == 0)
        family = PCB_NAME_IPC;
    else if (strcmp(parts[0], "Lifecycle") == 0)
        family = PCB_NAME_LIFECYCLE;
    out->family = family;

    /* Lifecycle/<Strategy>/start/<wkey>:<K>[/<variant>:<v>]...[/pin:<P>] */
    if (family == PCB_NAME_LIFECYCLE && count >= 4 && strcmp(parts[2], "start") == 0 &&
        split_kv(parts[3], &out->workers) && parse_u64(out->workers.value, &out->nworkers)) {
        out->strategy = parts[1];
        if (!parse_axes(parts, 4, count, false, out))
            reset_structure(out, family);
        return 0;
    }
    if (family != PCB_NAME_OTHER || count < 4)
        return 0;
    /* <Strategy>/<Workload>/<wkey>:<K>/... */
    if (!split_kv(parts[2], &out->workers) || !parse_u64(out->workers.value, &out->nworkers) ||
        !parse_axes(parts, 3, count, true, out)) {
        reset_structure(out, PCB_NAME_OTHER);
        return 0;
    }
    out->family = PCB_NAME_MATRIX;
    out->strategy = parts[0];
    out->workload = parts[1];
    return 0;
}

/* Appends "/part" (or "part" at the start) to out[*len..cap). False when it did not fit or
 * the part is empty or holds a '/'. */
static bool put(char *out, size_t cap, size_t *len, const char *a, const char *b, const char *c)
{
    int k;

    if (!*a || strchr(a, '/') || (c && (!*c || strchr(c, '/'))))
        return false;
    k = snprintf(out + *len, cap - *len, "%s%s%s%s", *len ? "/" : "", a, b ? b : "", c ? c : "");
    if (k < 0 || (size_t)k >= cap - *len)
        return false;
    *len += (size_t)k;
    return true;
}

static bool put_kv(char *out, size_t cap, size_t *len, const struct pcb_name_kv *kv)
{
    return kv->key && kv->value && put(out, cap, len, kv->key, ":", kv->value);
}

static bool put_u64(char *out, size_t cap, size_t *len, const char *key, uint64_t v)
{
    char num[24];

    snprintf(num, sizeof(num), "%llu", (unsigned long long)v);
    return put(out, cap, len, key, ":", num);
}

int pcb_name_format(const struct pcb_name *n, char *out, size_t cap)
{
    size_t len = 0;
    bool ok;

    if (cap == 0)
        return -1;
    out[0] = '\0';
    if (n->family == PCB_NAME_MATRIX)
        ok = n->strategy && n->workload && put(out, cap, &len, n->strategy, NULL, NULL) &&
             put(out, cap, &len, n->workload, NULL, NULL);
    else if (n->family == PCB_NAME_LIFECYCLE)
        ok = n->strategy && put(out, cap, &len, "Lifecycle", NULL, NULL) &&
             put(out, cap, &len, n->strategy, NULL, NULL) &&
             put(out, cap, &len, "start", NULL, NULL);
    else
        return -1;
    ok = ok && put_u64(out, cap, &len, n->workers.key ? n->workers.key : "workers", n->nworkers);
    for (size_t i = 0; ok && i < n->nvariants; i++)
        ok = put_kv(out, cap, &len, &n->variants[i]);
    if (n->family == PCB_NAME_MATRIX) {
        ok = ok && put_u64(out, cap, &len, "tasks", n->tasks);
        if (ok && n->chunk)
            ok = put_u64(out, cap, &len, "chunk", n->chunk);
        for (size_t i = 0; ok && i < n->nparams; i++)
            ok = put_kv(out, cap, &len, &n->params[i]);
    }
    if (ok && n->pin)
        ok = put(out, cap, &len, "pin", ":", n->pin);
    if (!ok) {
        out[0] = '\0';
        return -1;
    }
    return (int)len;
}

uint64_t pcb_name_total_workers(const struct pcb_name *n)
{
    uint64_t total = n->nworkers;

    for (size_t i = 0; i < n->nvariants; i++) {
        uint64_t t;
        if (strcmp(n->variants[i].key, "threads") == 0 && parse_u64(n->variants[i].value, &t))
            total *= t;
    }
    return total;
}

uint64_t pcb_name_concurrency(const struct pcb_name *n)
{
    uint64_t total = pcb_name_total_workers(n);

    for (size_t i = 0; i < n->nvariants; i++) {
        uint64_t d;
        if (strcmp(n->variants[i].key, "depth") == 0 && parse_u64(n->variants[i].value, &d))
            total *= d;
    }
    return total;
}

const char *pcb_name_get(const struct pcb_name *n, const char *key)
{
    for (size_t i = 0; i < n->nvariants; i++)
        if (strcmp(n->variants[i].key, key) == 0)
            return n->variants[i].value;
    for (size_t i = 0; i < n->nparams; i++)
        if (strcmp(n->params[i].key, key) == 0)
            return n->params[i].value;
    return NULL;
}
