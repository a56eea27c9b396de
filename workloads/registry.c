/*
 * registry.c - the one list of workloads. Adding one of pcbench's own means adding its file and
 * one line here; a user's program adds its own with pcb_workload_register(). The case matrix in
 * benches/ crosses this list with the runner list, so no other code changes.
 */
#define _GNU_SOURCE
#include "workload.h"
#include "reference.h"

#include <errno.h>
#include <stdio.h>
#include <string.h>

extern const struct pcb_workload pcb_wl_cpu_hash;
extern const struct pcb_workload pcb_wl_io_sleep;
extern const struct pcb_workload pcb_wl_empty;
extern const struct pcb_workload pcb_wl_cpu_rotate;
extern const struct pcb_workload pcb_wl_cpu_text;
extern const struct pcb_workload pcb_wl_cpu_doc;
extern const struct pcb_workload pcb_wl_mixed_hash_sleep;
extern const struct pcb_workload pcb_wl_io_net;
extern const struct pcb_workload pcb_wl_mem_alloc;

static const struct pcb_workload *const builtin[] = {
    &pcb_wl_cpu_hash,         /* compute, no memory traffic */
    &pcb_wl_cpu_rotate,       /* compute plus memory reads */
    &pcb_wl_cpu_text,         /* byte streaming over a text */
    &pcb_wl_cpu_doc,          /* tokenising and hashing, branchy */
    &pcb_wl_io_sleep,         /* a timer wait */
    &pcb_wl_io_net,           /* loopback TCP to a server process */
    &pcb_wl_mixed_hash_sleep, /* compute, then wait */
    &pcb_wl_mem_alloc,        /* allocator churn */
    &pcb_wl_empty,            /* nothing: a strategy's own cost */
};

#define NBUILTIN (sizeof(builtin) / sizeof(builtin[0]))

/* pcbench's own, then the user's in the order registered. Registration happens before
 * pcbench_main() runs anything, in one thread; afterwards the list is only read. */
static const struct pcb_workload *all[NBUILTIN + PCB_MAX_USER_WORKLOADS];
static size_t nall;

const struct pcb_workload *const *pcb_workloads(size_t *count)
{
    if (nall == 0) {
        memcpy(all, builtin, sizeof(builtin));
        nall = NBUILTIN;
    }
    *count = nall;
    return all;
}

/* Whether s is a non-empty identifier of [a-z0-9_]. */
static int lower_ident(const char *s)
{
    if (!s || !*s)
        return 0;
    for (; *s; s++)
        if (!((*s >= 'a' && *s <= 'z') || (*s >= '0' && *s <= '9') || *s == '_'))
            return 0;
    return 1;
}

/* Whether s can name a parameter's value in case names: non-empty printable ASCII without a
 * space, '/' or ':' (which would split the name's parts). A control character would reach the
 * result file raw, where JSON forbids it: Google Benchmark escapes only a few. */
static int value_name(const char *s)
{
    if (!s || !*s)
        return 0;
    for (const unsigned char *c = (const unsigned char *)s; *c; c++)
        if (*c <= ' ' || *c > '~' || *c == '/' || *c == ':')
            return 0;
    return 1;
}

#define PCB__STR(x) #x
#define PCB__XSTR(x) PCB__STR(x)

/* Whether s is a user workload's name: Family.name, as pcb_workload_register() documents. */
static int family_name(const char *s)
{
    size_t i = 0, dot = 0;

    if (!s || !((s[0] >= 'A' && s[0] <= 'Z') || (s[0] >= 'a' && s[0] <= 'z')))
        return 0;
    for (i = 1; s[i]; i++) {
        char c = s[i];
        int word =
            (c >= 'A' && c <= 'Z') || (c >= 'a' && c <= 'z') || (c >= '0' && c <= '9') || c == '_';
        if (c == '.' && !dot)
            dot = i;
        else if (!(word || (dot && (c == '-' || c == '.'))))
            return 0;
    }
    return dot && s[dot + 1] && i <= PCB_WL_NAME_MAX;
}

/* Why `wl` cannot be run by pcbench, or NULL when it can. */
static const char *invalid(const struct pcb_workload *wl, char *buf, size_t cap)
{
    if (!family_name(wl->name))
        return "its name must be Family.name: a letter, then letters, digits or '_'; a dot; then "
               "letters, digits, '_', '-' or '.'; at most " PCB__XSTR(
                   PCB_WL_NAME_MAX) " characters";
    if (!wl->prepare || !wl->release || !wl->run)
        return "prepare, release and run must be set";
    if (!wl->start != !wl->finish)
        return "start and finish go together: both or neither";
    if (wl->kind != PCB_WL_CPU && wl->kind != PCB_WL_WAIT && wl->kind != PCB_WL_EMPTY)
        return "kind must be PCB_WL_CPU, PCB_WL_WAIT or PCB_WL_EMPTY";
    if (wl->nparams > PCB_WL_MAX_PARAMS || (wl->nparams && !wl->params))
        return "at most PCB_WL_MAX_PARAMS parameters, in params[]";
    for (size_t i = 0; i < wl->nparams; i++) {
        const struct pcb_param_spec *p = &wl->params[i];
        int bad = !lower_ident(p->name) || p->min > p->max || p->ndefaults < 1 ||
                  p->ndefaults > PCB_WL_MAX_DEFAULTS || p->quick < p->min || p->quick > p->max;
        for (size_t j = 0; j < p->ndefaults && j < PCB_WL_MAX_DEFAULTS && !bad; j++)
            bad = p->defaults[j] < p->min || p->defaults[j] > p->max;
        for (uint64_t v = p->min; p->names && v <= p->max && !bad; v++)
            bad = v > 64 || !value_name(p->names[v]);
        for (size_t j = 0; j < i && !bad; j++)
            bad = strcmp(wl->params[j].name, p->name) == 0;
        if (bad) {
            snprintf(buf, cap,
                     "parameter %zu: a unique [a-z0-9_] name, min <= quick and every default <= "
                     "max, 1..%d defaults, and with names, a name (printable ASCII, no '/', ':' "
                     "or spaces) for each of at most 65 values",
                     i, PCB_WL_MAX_DEFAULTS);
            return buf;
        }
    }
    return NULL;
}

int pcb__workload_add(const struct pcb_workload *wl, const char *origin)
{
    size_t n;
    char buf[256];
    const char *why, *sep = origin ? ": " : "";

    origin = origin ? origin : "";
    pcb_workloads(&n);
    if (!wl) {
        fprintf(stderr, "pcbench: %s%spcb_workload_register(NULL): expected a workload\n", origin,
                sep);
        return PCB_EPARAM;
    }
    if ((why = invalid(wl, buf, sizeof(buf))) != NULL) {
        /* A name that breaks the rules is shown escaped and cut: it may hold anything. */
        char shown[PCB_WL_NAME_MAX + 8];
        size_t k = 0;
        for (const char *c = wl->name ? wl->name : "(no name)"; *c && k + 5 < sizeof(shown); c++)
            k += (size_t)(*c >= 0x20 && *c < 0x7f ? snprintf(shown + k, sizeof(shown) - k, "%c", *c)
                                                  : snprintf(shown + k, sizeof(shown) - k,
                                                             "\\x%02x", (unsigned char)*c));
        fprintf(stderr, "pcbench: %s%sworkload %s: %s\n", origin, sep, shown, why);
        return PCB_EPARAM;
    }
    if (pcb_workload_find(wl->name)) {
        fprintf(stderr, "pcbench: %s%sworkload %s: a workload of that name exists already\n",
                origin, sep, wl->name);
        return PCB_EPARAM;
    }
    if (nall == NBUILTIN + PCB_MAX_USER_WORKLOADS)
        return -ENOSPC;
    all[nall++] = wl;
    return 0;
}

int pcb__workload_is_builtin(const struct pcb_workload *wl)
{
    for (size_t i = 0; i < NBUILTIN; i++)
        if (builtin[i] == wl)
            return 1;
    return 0;
}

int pcb_workload_register(const struct pcb_workload *wl)
{
    return pcb__workload_add(wl, NULL);
}

const struct pcb_workload *pcb_workload_find(const char *name)
{
    size_t n;
    const struct pcb_workload *const *all = pcb_workloads(&n);

    for (size_t i = 0; i < n; i++)
        if (strcmp(all[i]->name, name) == 0)
            return all[i];
    return NULL;
}

const char *pcb_param_format(const struct pcb_param_spec *p, uint64_t v, char *buf, size_t cap)
{
    if (p->names && v >= p->min && v <= p->max)
        snprintf(buf, cap, "%s", p->names[v]);
    else
        snprintf(buf, cap, "%llu", (unsigned long long)v);
    return buf;
}

int pcb_param_parse(const struct pcb_param_spec *p, const char *s, uint64_t *v)
{
    uint64_t x = 0;

    for (uint64_t i = p->min; p->names && i <= p->max; i++)
        if (strcmp(p->names[i], s) == 0) {
            *v = i;
            return 0;
        }
    if (!*s || strlen(s) > 20)
        return -1;
    for (const char *c = s; *c; c++) {
        if (*c < '0' || *c > '9' || x > (UINT64_MAX - (uint64_t)(*c - '0')) / 10)
            return -1;
        x = x * 10 + (uint64_t)(*c - '0');
    }
    if (x < p->min || x > p->max)
        return -1;
    *v = x;
    return 0;
}

const char *pcb_param_allowed(const struct pcb_param_spec *p, char *buf, size_t cap)
{
    size_t len;

    if (!p->names) {
        snprintf(buf, cap, "an integer from %llu to %llu", (unsigned long long)p->min,
                 (unsigned long long)p->max);
        return buf;
    }
    len = (size_t)snprintf(buf, cap, "one of");
    for (uint64_t v = p->min; v <= p->max && len < cap; v++)
        len += (size_t)snprintf(buf + len, cap - len, "%s %s",
                                v == p->min   ? ""
                                : v == p->max ? " or"
                                              : ",",
                                p->names[v]);
    return buf;
}

int pcb_workload_reference(const struct pcb_workload *wl, const struct pcb_input *in,
                           uint64_t ntasks, uint64_t *digest)
{
    struct pcb_reference ref;

    /* One loop for both references: this one is the all-tasks reference that no task failed. */
    pcb_workload_reference_all(wl, in, ntasks, &ref);
    if (ref.failed)
        return ref.err;
    *digest = ref.digest;
    return 0;
}

int pcb_workload_reference_all(const struct pcb_workload *wl, const struct pcb_input *in,
                               uint64_t ntasks, struct pcb_reference *ref)
{
    *ref = (struct pcb_reference){0};
    for (uint64_t t = 0; t < ntasks; t++) {
        uint64_t d;
        int err;
        pcb_workload_reference_tasks(wl, in, t, t + 1, &d, &err);
        if (!err) {
            ref->digest = pcb_digest_merge(ref->digest, d);
            continue;
        }
        if (!ref->failed++) {
            ref->err = err;
            ref->err_task = t;
        }
    }
    return 0;
}

void pcb_workload_reference_tasks(const struct pcb_workload *wl, const struct pcb_input *in,
                                  uint64_t first, uint64_t end, uint64_t *digests, int *errs)
{
    for (uint64_t t = first; t < end; t++) {
        uint64_t d = 0;
        int err = wl->run(in, t, &d);
        digests[t - first] = err ? 0 : d;
        errs[t - first] = err;
    }
}
