/*
 * opts.c - the option engine; see opts.h.
 */
#define _GNU_SOURCE
#include "opts.h"

#include <errno.h>
#include <math.h>
#include <stdarg.h>
#include <stdlib.h>
#include <string.h>

void pcb_say(const char *fmt, ...)
{
    char line[1024];
    va_list ap;

    va_start(ap, fmt);
    int n = vsnprintf(line, sizeof(line), fmt, ap);
    va_end(ap);
    if (n < 0)
        return;
    size_t len = (size_t)n < sizeof(line) ? (size_t)n : sizeof(line) - 1;
    for (size_t i = 0; i + 1 < len; i++)
        if ((unsigned char)line[i] < 0x20 || line[i] == 0x7f)
            line[i] = '?';
    if (len == 0)
        return;
    if (line[len - 1] != '\n')
        line[len - 1] = '\n'; /* cut short: still one whole line */
    fputs(line, stderr);
}

int pcb_opts_refuse(const char *prog, const char *what, const char *value, const char *allowed)
{
    if (value)
        pcb_say("%s: %s=%s: %s\n", prog, what, value, allowed);
    else
        pcb_say("%s: %s: %s\n", prog, what, allowed);
    return PCB_OPTS_ERROR;
}

int pcb_parse_u64(const char *s, uint64_t min, uint64_t max, uint64_t *out)
{
    uint64_t v = 0;

    if (!*s || strlen(s) > 20)
        return -1;
    for (const char *p = s; *p; p++) {
        if (*p < '0' || *p > '9')
            return -1;
        uint64_t d = (uint64_t)(*p - '0');
        if (v > (UINT64_MAX - d) / 10)
            return -1;
        v = v * 10 + d;
    }
    if (v < min || v > max)
        return -1;
    *out = v;
    return 0;
}

int pcb_parse_double(const char *s, double min, double max, bool percent, double *out)
{
    char *end;
    double v;

    if (!*s || *s == ' ' || *s == '\t' || *s == '\n')
        return -1;
    errno = 0;
    v = strtod(s, &end);
    if (percent && *end == '%')
        end++;
    if (*end || errno || !isfinite(v) || v < min || v > max)
        return -1;
    *out = v;
    return 0;
}

int pcb_parse_list(const char *s, uint64_t min, uint64_t max, struct pcb_list *out)
{
    struct pcb_list l = {.n = 0};
    const char *p = s;

    for (;;) {
        const char *comma = strchr(p, ',');
        size_t len = comma ? (size_t)(comma - p) : strlen(p);
        char item[24];
        uint64_t v;

        if (len == 0 || len >= sizeof(item) || l.n == PCB_OPT_LIST_MAX)
            return -1;
        memcpy(item, p, len);
        item[len] = '\0';
        if (pcb_parse_u64(item, min, max, &v))
            return -1;
        for (size_t i = 0; i < l.n; i++)
            if (l.v[i] == v)
                return -1; /* a repeat would name the same case twice */
        l.v[l.n++] = v;
        if (!comma)
            break;
        p = comma + 1;
    }
    *out = l;
    return 0;
}

/* "expected ..." for a kind's refusal, into why. */
static void allowed_text(const struct pcb_opt *o, char *why, size_t cap)
{
    size_t len;

    switch (o->kind) {
    case PCB_OPT_U64:
        snprintf(why, cap, "expected an integer from %llu to %llu", (unsigned long long)o->min,
                 (unsigned long long)o->max);
        break;
    case PCB_OPT_DOUBLE:
        snprintf(why, cap, "expected a number from %g to %g%s", o->dmin, o->dmax,
                 (o->flags & PCB_OPT_PERCENT) ? " (a percentage)" : "");
        break;
    case PCB_OPT_LIST:
        snprintf(why, cap,
                 "expected a comma-separated list of up to %d distinct integers from %llu to %llu",
                 PCB_OPT_LIST_MAX, (unsigned long long)o->min, (unsigned long long)o->max);
        break;
    case PCB_OPT_CHOICE:
        len = (size_t)snprintf(why, cap, "expected ");
        for (size_t i = 0; o->choices[i] && len < cap; i++)
            len += (size_t)snprintf(why + len, cap - len, "%s%s",
                                    i == 0              ? ""
                                    : o->choices[i + 1] ? ", "
                                                        : " or ",
                                    o->choices[i]);
        break;
    case PCB_OPT_TEXT:
        snprintf(why, cap, "expected a non-empty value");
        break;
    default:
        snprintf(why, cap, "not a valid value");
        break;
    }
}

/* Checks `value` by o's kind and stores it. Returns 0, or -1 with why filled. */
static int apply(const struct pcb_opt *o, const char *value, void *opts, char *why, size_t cap)
{
    if (!value && o->kind != PCB_OPT_FLAG) { /* PCB_OPT_VALUE_OPTIONAL, given bare */
        why[0] = '\0';
        if (o->set && o->set(opts, NULL, why, cap) != 0) {
            if (!why[0])
                allowed_text(o, why, cap);
            return -1;
        }
        return 0;
    }
    /* Stored with memcpy: the field's type is the kind's, whatever `opts` points to. */
    char *dst = (char *)opts + o->offset;
    uint64_t u;
    double d;
    struct pcb_list l;

    why[0] = '\0';
    switch (o->kind) {
    case PCB_OPT_FLAG:
        bool t = true;
        memcpy(dst, &t, sizeof(t));
        break;
    case PCB_OPT_U64:
        if (pcb_parse_u64(value, o->min, o->max, &u))
            goto bad;
        memcpy(dst, &u, sizeof(u));
        break;
    case PCB_OPT_DOUBLE:
        if (pcb_parse_double(value, o->dmin, o->dmax, o->flags & PCB_OPT_PERCENT, &d))
            goto bad;
        memcpy(dst, &d, sizeof(d));
        break;
    case PCB_OPT_CHOICE: {
        int i = 0;
        while (o->choices[i] && strcmp(o->choices[i], value) != 0)
            i++;
        if (!o->choices[i])
            goto bad;
        memcpy(dst, &i, sizeof(i));
        break;
    }
    case PCB_OPT_LIST:
        if (pcb_parse_list(value, o->min, o->max, &l))
            goto bad;
        memcpy(dst, &l, sizeof(l));
        break;
    case PCB_OPT_TEXT:
        if (!*value && !(o->flags & PCB_OPT_EMPTY_OK))
            goto bad;
        memcpy(dst, &value, sizeof(value));
        break;
    case PCB_OPT_CUSTOM:
        break;
    }
    if (o->set && o->set(opts, value, why, cap) != 0) {
        if (!why[0])
            allowed_text(o, why, cap);
        return -1;
    }
    return 0;
bad:
    allowed_text(o, why, cap);
    return -1;
}

const struct pcb_opt *pcb_opts_find(const struct pcb_optset *set, const char *name)
{
    for (size_t i = 0; i < set->nopts; i++)
        if (strcmp(set->opts[i].name, name) == 0 ||
            (set->opts[i].alias && strcmp(set->opts[i].alias, name) == 0))
            return &set->opts[i];
    return NULL;
}

bool pcb_opts_given(const struct pcb_optset *set, const char *name)
{
    const struct pcb_opt *o = pcb_opts_find(set, name);

    return o && set->given && set->given[o - set->opts];
}

static void mark(const struct pcb_optset *set, const struct pcb_opt *o)
{
    if (set->given)
        set->given[o - set->opts] = true;
}

/* Applies one value of `o` (from argv, or the variable `from_env`). Returns 0 or
 * PCB_OPTS_ERROR after the message. */
static int take(const struct pcb_optset *set, const struct pcb_opt *o, const char *value,
                const char *from_env, void *opts)
{
    char why[512];

    why[0] = '\0';
    if (from_env && o->set_env) {
        if (o->set_env(opts, value, why, sizeof(why)) != 0)
            return pcb_opts_refuse(set->prog, from_env, value, why[0] ? why : "not a valid value");
        mark(set, o);
        return 0;
    }
    if (apply(o, value, opts, why, sizeof(why)) != 0)
        return pcb_opts_refuse(set->prog, from_env ? from_env : o->name, value, why);
    mark(set, o);
    return 0;
}

int pcb_opts_parse(const struct pcb_optset *set, int *argc, char **argv, void *opts)
{
    int out = 1, rc;
    bool help = false;
    char why[512];

    if (set->given)
        memset(set->given, 0, set->nopts * sizeof(*set->given));
    for (size_t i = 0; i < set->nopts; i++) {
        const struct pcb_opt *o = &set->opts[i];
        const char *v = o->env ? getenv(o->env) : NULL;
        if (v && (rc = take(set, o, o->kind == PCB_OPT_FLAG ? NULL : v, o->env, opts)) != 0)
            return rc;
    }
    for (int i = 1; i < *argc; i++) {
        const char *a = argv[i];

        bool dashes = strcmp(a, "--") == 0;
        if (dashes || a[0] != '-' || a[1] == '\0') {
            if (!set->positional) {
                if (set->pass_on) {
                    argv[out++] = argv[i];
                    continue;
                }
                snprintf(why, sizeof(why), "unexpected argument; see %s --help", set->prog);
                return pcb_opts_refuse(set->prog, a, NULL, why);
            }
            why[0] = '\0';
            if (set->positional(opts, dashes ? NULL : a, why, sizeof(why)) != 0)
                return pcb_opts_refuse(set->prog, a, NULL, why);
            continue;
        }
        const char *eq = strncmp(a, "--", 2) == 0 ? strchr(a, '=') : NULL;
        size_t klen = eq ? (size_t)(eq - a) : strlen(a);
        char key[64];
        const struct pcb_opt *o = NULL;
        if (klen < sizeof(key)) {
            memcpy(key, a, klen);
            key[klen] = '\0';
            o = pcb_opts_find(set, key);
        }
        if (!o) {
            bool ours =
                !set->own_prefix || strncmp(a, set->own_prefix, strlen(set->own_prefix)) == 0;
            if (set->pass_on && !(set->own_prefix && ours)) {
                argv[out++] = argv[i];
                continue;
            }
            snprintf(why, sizeof(why), "unknown option; see %s --help", set->prog);
            return pcb_opts_refuse(set->prog, klen < sizeof(key) ? key : a, NULL, why);
        }
        if (o->flags & PCB_OPT_HELP) {
            mark(set, o);
            help = true;
            if (o->flags & PCB_OPT_KEEP)
                argv[out++] = argv[i];
            continue;
        }
        const char *value = NULL;
        if (o->kind == PCB_OPT_FLAG) {
            if (eq)
                return pcb_opts_refuse(set->prog, key, NULL, "takes no value");
        } else if (eq) {
            value = eq + 1;
        } else if (o->flags & PCB_OPT_VALUE_OPTIONAL) {
            value = NULL;
        } else if (!set->equals_only && i + 1 < *argc && !(o->flags & PCB_OPT_KEEP)) {
            value = argv[++i];
        } else {
            /* A short alias takes its value as the next argument only: "-o DIR", not "-o=DIR". */
            snprintf(why, sizeof(why), "needs a value (%s%s%s)", key,
                     strncmp(key, "--", 2) == 0 ? "=" : " ", o->arg ? o->arg : "VALUE");
            return pcb_opts_refuse(set->prog, key, NULL, why);
        }
        if ((rc = take(set, o, value, NULL, opts)) != 0)
            return rc;
        if (o->flags & PCB_OPT_KEEP)
            argv[out++] = argv[i];
    }
    *argc = out;
    argv[out] = NULL;
    return help ? PCB_OPTS_HELP : 0;
}

void pcb_opts_usage(const struct pcb_optset *set, FILE *f)
{
    for (size_t i = 0; i < set->nopts; i++) {
        const struct pcb_opt *o = &set->opts[i];
        char head[96];
        const char *sep = set->equals_only ? "=" : " ";

        if (o->flags & PCB_OPT_HIDDEN)
            continue;
        if (o->alias)
            snprintf(head, sizeof(head), "%s, %s%s%s", o->alias, o->name, o->arg ? sep : "",
                     o->arg ? o->arg : "");
        else
            snprintf(head, sizeof(head), "%s%s%s", o->name, o->arg ? sep : "",
                     o->arg ? o->arg : "");
        /* The help's lines, the first beside the option when it fits in 24 columns. */
        const char *h = o->help ? o->help : "";
        bool beside = strlen(head) < 24;
        if (beside)
            fprintf(f, "  %-24s", head);
        else
            fprintf(f, "  %s\n  %-24s", head, "");
        /* The variable closes the first line, where a reader looks for it. */
        for (bool first = true;; first = false) {
            const char *nl = strchr(h, '\n');
            int len = nl ? (int)(nl - h) : (int)strlen(h);
            fprintf(f, "%.*s", len, h);
            if (first && o->env)
                fprintf(f, "   [%s]", o->env);
            if (!nl)
                break;
            fprintf(f, "\n  %-24s", "");
            h = nl + 1;
        }
        fputc('\n', f);
    }
}
