/*
 * options.c - parsing and validation of pcbench's own options; see options.h.
 *
 * Every number is parsed strictly: decimal digits only, no sign, no spaces, no overflow. A
 * list is comma-separated with no empty items and no repeats (a repeat would register the same
 * case name twice).
 */
#define _GNU_SOURCE
#include "options.h"

#include <errno.h>
#include <stdarg.h>
#include <fcntl.h>
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/resource.h>
#include <sys/stat.h>
#include <unistd.h>

#include "../../runners/runner.h"
#include "../../runners/support.h"
#include "../../workloads/cpu_text.h"

/*
 * fprintf(stderr, ...) for the one-line messages about bad input: a value is printed as given,
 * except that control characters in it (a newline in an environment variable, say) show as '?',
 * so the message stays one line.
 */
static void say(const char *fmt, ...) __attribute__((format(printf, 1, 2)));

static void say(const char *fmt, ...)
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
    if (len && line[len - 1] != '\n')
        line[len - 1] = '\n'; /* cut short: still one whole line */
    fputs(line, stderr);
}

static int fail(const char *what, const char *value, const char *allowed)
{
    say("pcbench: %s=%s: %s\n", what, value, allowed);
    return 2;
}

/* Strict unsigned decimal. Returns 0 and *out, or -1. */
static int parse_u64(const char *s, size_t len, uint64_t *out)
{
    uint64_t v = 0;

    if (len == 0 || len > 20)
        return -1;
    for (size_t i = 0; i < len; i++) {
        if (s[i] < '0' || s[i] > '9')
            return -1;
        uint64_t d = (uint64_t)(s[i] - '0');
        if (v > (UINT64_MAX - d) / 10)
            return -1;
        v = v * 10 + d;
    }
    *out = v;
    return 0;
}

static int parse_list(const char *what, const char *s, uint64_t min, uint64_t max,
                      struct pcb_list *l)
{
    char allowed[160];
    const char *p = s;

    snprintf(allowed, sizeof(allowed),
             "expected a comma-separated list of up to %d distinct integers from %llu to %llu",
             PCB_MAX_LIST, (unsigned long long)min, (unsigned long long)max);
    l->n = 0;
    for (;;) {
        const char *comma = strchr(p, ',');
        size_t len = comma ? (size_t)(comma - p) : strlen(p);
        uint64_t v;

        if (parse_u64(p, len, &v) || v < min || v > max || l->n == PCB_MAX_LIST)
            return fail(what, s, allowed);
        for (size_t i = 0; i < l->n; i++)
            if (l->v[i] == v)
                return fail(what, s, allowed);
        l->v[l->n++] = v;
        if (!comma)
            return 0;
        p = comma + 1;
    }
}

static int parse_param(const char *what, const char *s, struct pcb_options *o)
{
    const char *eq = strchr(s, '=');
    size_t nwl, nlen = eq ? (size_t)(eq - s) : 0;
    const struct pcb_workload *const *wls = pcb_workloads(&nwl);
    const struct pcb_param_spec *spec = NULL;
    uint64_t min = 0, max = UINT64_MAX;

    if (!eq || nlen == 0 || nlen >= sizeof(o->params[0].name))
        return fail(what, s, "expected NAME=LIST, e.g. kib=64,1024 (see --help for names)");
    /* The name must belong to some workload; the allowed range is the narrowest among them. */
    for (size_t i = 0; i < nwl; i++)
        for (size_t j = 0; j < wls[i]->nparams; j++)
            if (strlen(wls[i]->params[j].name) == nlen &&
                strncmp(wls[i]->params[j].name, s, nlen) == 0) {
                spec = &wls[i]->params[j];
                if (spec->min > min)
                    min = spec->min;
                if (spec->max < max)
                    max = spec->max;
            }
    if (!spec) {
        char names[256] = "";
        for (size_t i = 0; i < nwl; i++)
            for (size_t j = 0; j < wls[i]->nparams; j++) {
                strncat(names, names[0] ? ", " : "", sizeof(names) - strlen(names) - 1);
                strncat(names, wls[i]->params[j].name, sizeof(names) - strlen(names) - 1);
            }
        char allowed[320];
        snprintf(allowed, sizeof(allowed), "unknown parameter; known: %s", names);
        return fail(what, s, allowed);
    }
    struct pcb_param_override *ov = NULL;
    for (size_t i = 0; i < o->nparams; i++)
        if (strlen(o->params[i].name) == nlen && strncmp(o->params[i].name, s, nlen) == 0)
            ov = &o->params[i];
    if (!ov) {
        if (o->nparams == PCB_MAX_PARAM_SETS)
            return fail(what, s, "too many distinct parameters");
        ov = &o->params[o->nparams++];
        memcpy(ov->name, s, nlen);
        ov->name[nlen] = '\0';
    }
    /* The list is what follows '='; messages still name the parameter ("--pcb_param=kib=0"). */
    char named[80];
    snprintf(named, sizeof(named), "%s=%s", what, ov->name);
    return parse_list(named, eq + 1, min, max, &ov->list) ? 2 : 0;
}

/* The largest worker count this user may fork without hitting RLIMIT_NPROC. */
static uint64_t workers_max(void)
{
    struct rlimit rl;
    uint64_t max = PCB_OPT_WORKERS_MAX;

    /* Leave room for what already runs; the kernel counts every process of the user. */
    if (getrlimit(RLIMIT_NPROC, &rl) == 0 && rl.rlim_cur != RLIM_INFINITY && rl.rlim_cur < max + 64)
        max = rl.rlim_cur > 64 ? rl.rlim_cur - 64 : 1;
    return max;
}

/*
 * Checks that `path` is a text CPU.text can read: a regular, readable, non-empty file without a
 * NUL byte in its first 64 KiB (a NUL byte means a binary file). Opens it without blocking (a
 * FIFO is refused, never waited on). Returns NULL, or why not (a static string or buf).
 */
static const char *text_file_problem(const char *path, char *buf, size_t cap)
{
    static char head[64 * 1024];
    struct stat st;
    const char *why = NULL;
    ssize_t n;
    int fd;

    if (!*path)
        return "an empty file name";
    if ((fd = open(path, O_RDONLY | O_NONBLOCK | O_CLOEXEC)) < 0) {
        snprintf(buf, cap, "cannot open it: %s", strerror(errno));
        return buf;
    }
    if (fstat(fd, &st) != 0 || !S_ISREG(st.st_mode)) {
        why = "not a regular file";
    } else if ((n = read(fd, head, sizeof(head))) < 0) {
        snprintf(buf, cap, "cannot read it: %s", strerror(errno));
        why = buf;
    } else if (n == 0) {
        why = "the file is empty";
    } else if (memchr(head, '\0', (size_t)n)) {
        why = "a binary file (it has a NUL byte)";
    }
    close(fd);
    return why;
}

/* A --pcb_text or PCB_TEXT path: NULL when usable, else the message's "allowed" part in buf. */
static const char *check_text(const char *path, char *buf, size_t cap)
{
    char why[160];
    const char *w = text_file_problem(path, why, sizeof(why));

    if (!w)
        return NULL;
    snprintf(buf, cap, "%s; expected a readable, non-empty text file", w);
    return buf;
}

/* Checks PCB_TEXT (paths separated by ':', empty items skipped, as CPU.text reads it). Returns
 * 0 and the number of paths, or 2 after the message. */
static int check_text_env(const char *v, size_t *n)
{
    char path[4096], allowed[4480];

    *n = 0;
    for (const char *p = v; *p;) {
        const char *e = strchr(p, ':');
        size_t len = e ? (size_t)(e - p) : strlen(p);
        if (len >= sizeof(path))
            return fail("PCB_TEXT", v, "a path is too long");
        if (len) {
            char why[320];
            memcpy(path, p, len);
            path[len] = '\0';
            if (check_text(path, why, sizeof(why))) {
                snprintf(allowed, sizeof(allowed), "%s: %s", path, why);
                return fail("PCB_TEXT", v, allowed);
            }
            ++*n;
        }
        p += len + (e != NULL);
    }
    return 0;
}

/* A Google Benchmark time flag's value: seconds, a finite number >= 0. Returns 0 or -1. */
static int parse_seconds(const char *s)
{
    char *end;
    double v;

    if (!*s)
        return -1;
    errno = 0;
    v = strtod(s, &end);
    return *end || errno || !isfinite(v) || v < 0 ? -1 : 0;
}

/* Applies one option (from argv or the environment). `what` names it in messages. */
static int apply(const char *key, const char *what, const char *val, struct pcb_options *o)
{
    char allowed[128];

    if (strcmp(key, "workers") == 0)
        return parse_list(what, val, 1, workers_max(), &o->workers);
    if (strcmp(key, "tasks") == 0)
        return parse_list(what, val, 1, PCB_OPT_TASKS_MAX, &o->tasks);
    if (strcmp(key, "chunk") == 0)
        return parse_list(what, val, 1, PCB_OPT_CHUNK_MAX, &o->chunk);
    if (strcmp(key, "param") == 0)
        return parse_param(what, val, o);
    if (strcmp(key, "text") == 0) {
        char why[320];
        if (check_text(val, why, sizeof(why)))
            return fail(what, val, why);
        int err = pcb_wl_text_add_file(val);
        if (err == PCB_EPARAM)
            return fail(what, val, "too many --pcb_text files (at most 13)");
        return err ? fail(what, val, "out of memory") : 0;
    }
    if (strcmp(key, "seed") == 0) {
        if (parse_u64(val, strlen(val), &o->seed))
            return fail(what, val, "expected an integer from 0 to 18446744073709551615");
        return 0;
    }
    if (strcmp(key, "timer_slack_ns") == 0) {
        uint64_t v;
        snprintf(allowed, sizeof(allowed), "expected an integer from 1 to %llu",
                 (unsigned long long)PCB_OPT_SLACK_MAX);
        if (parse_u64(val, strlen(val), &v) || v < 1 || v > PCB_OPT_SLACK_MAX)
            return fail(what, val, allowed);
        o->timer_slack_ns = v;
        return 0;
    }
    if (strcmp(key, "case_timeout") == 0) {
        uint64_t v;
        snprintf(allowed, sizeof(allowed),
                 "expected seconds, an integer from 0 (no watchdog) to %llu",
                 (unsigned long long)PCB_OPT_CASE_TIMEOUT_MAX);
        if (parse_u64(val, strlen(val), &v) || v > PCB_OPT_CASE_TIMEOUT_MAX)
            return fail(what, val, allowed);
        o->case_timeout_s = v;
        return 0;
    }
    if (strcmp(key, "pin") == 0) {
        for (int i = 0; i < 3; i++)
            if (strcmp(val, pcb_pin_name(i)) == 0) {
                o->pin = i;
                return 0;
            }
        return fail(what, val, "expected none, compact or spread");
    }
    if (strcmp(key, "profile") == 0) {
        if (strcmp(val, "default") == 0)
            o->profile = PCB_PROFILE_DEFAULT;
        else if (strcmp(val, "quick") == 0)
            o->profile = PCB_PROFILE_QUICK;
        else
            return fail(what, val, "expected default or quick");
        return 0;
    }
    say("pcbench: %s: unknown option; see --help for the --pcb_ options\n", what);
    return 2;
}

static bool gb_true(const char *v)
{
    return strcmp(v, "true") == 0 || strcmp(v, "1") == 0 || strcmp(v, "yes") == 0 ||
           strcmp(v, "") == 0;
}

int pcb_options_parse(int *argc, char **argv, struct pcb_options *o)
{
    static const char *const env_keys[] = {"workers", "tasks",   "chunk",
                                           "seed",    "profile", "timer_slack_ns",
                                           "param",   "pin",     "case_timeout"};
    int rc, out = 1;
    size_t ntext = 0, ntext_env = 0;

    memset(o, 0, sizeof(*o));
    o->seed = 42;
    o->timer_slack_ns = 1;
    o->case_timeout_s = PCB_OPT_CASE_TIMEOUT_DEFAULT;
    o->gb_format = "console";
    o->gb_color = "auto";

    for (size_t i = 0; i < sizeof(env_keys) / sizeof(env_keys[0]); i++) {
        char env[64], upper[32];
        size_t k;
        for (k = 0; env_keys[i][k] && k < sizeof(upper) - 1; k++)
            upper[k] =
                (char)(env_keys[i][k] >= 'a' && env_keys[i][k] <= 'z' ? env_keys[i][k] - 'a' + 'A'
                                                                      : env_keys[i][k]);
        upper[k] = '\0';
        snprintf(env, sizeof(env), "PCB_%s", upper);
        const char *v = getenv(env);
        if (v && (rc = apply(env_keys[i], env, v, o)) != 0)
            return rc;
    }
    /* CPU.text reads PCB_TEXT itself; its files are checked here, before anything runs. */
    if (getenv("PCB_TEXT") && (rc = check_text_env(getenv("PCB_TEXT"), &ntext_env)) != 0)
        return rc;

    for (int i = 1; i < *argc; i++) {
        const char *a = argv[i];
        if (strcmp(a, "--help") == 0 || strcmp(a, "-h") == 0 || strcmp(a, "--pcb_help") == 0) {
            o->help = true;
            if (strcmp(a, "--pcb_help") == 0)
                continue; /* ours alone: do not pass on */
        } else if (strncmp(a, "--pcb_", 6) == 0) {
            const char *eq = strchr(a, '=');
            char key[32], what[48];
            size_t klen = eq ? (size_t)(eq - a - 6) : strlen(a + 6);
            if (klen >= sizeof(key)) {
                say("pcbench: %s: unknown option; see --help for the --pcb_ options\n", a);
                return 2;
            }
            memcpy(key, a + 6, klen);
            key[klen] = '\0';
            snprintf(what, sizeof(what), "--pcb_%s", key);
            if (!eq) {
                if (strcmp(key, "workers") && strcmp(key, "tasks") && strcmp(key, "chunk") &&
                    strcmp(key, "seed") && strcmp(key, "profile") &&
                    strcmp(key, "timer_slack_ns") && strcmp(key, "param") && strcmp(key, "pin") &&
                    strcmp(key, "text") && strcmp(key, "case_timeout")) {
                    say("pcbench: %s: unknown option; see --help for the --pcb_ options\n", a);
                    return 2;
                }
                say("pcbench: %s: needs a value (%s=VALUE)\n", a, a);
                return 2;
            }
            if ((rc = apply(key, what, eq + 1, o)) != 0)
                return rc;
            ntext += strcmp(key, "text") == 0;
            continue; /* consumed */
        } else if (strncmp(a, "--benchmark_min_time=", 21) == 0) {
            /* Checked here: the library would print two lines and go on parsing. */
            if (parse_seconds(a + 21))
                return fail("--benchmark_min_time", a + 21, "expected seconds, a number >= 0");
            o->gb_min_time_given = true;
        } else if (strncmp(a, "--benchmark_min_warmup_time=", 28) == 0) {
            if (parse_seconds(a + 28))
                return fail("--benchmark_min_warmup_time", a + 28,
                            "expected seconds, a number >= 0");
            o->gb_warmup_given = true;
        } else if (strncmp(a, "--benchmark_list_tests", 22) == 0) {
            o->gb_list_only = a[22] == '\0' || (a[22] == '=' && gb_true(a + 23));
        } else if (strncmp(a, "--benchmark_format=", 19) == 0) {
            /* Checked here: the library prints its usage and exits 0 on a bad value. */
            if (strcmp(a + 19, "console") && strcmp(a + 19, "json") && strcmp(a + 19, "csv"))
                return fail("--benchmark_format", a + 19, "expected console, json or csv");
            o->gb_format = a + 19;
        } else if (strncmp(a, "--benchmark_out_format=", 23) == 0) {
            if (strcmp(a + 23, "json") && strcmp(a + 23, "console") && strcmp(a + 23, "csv"))
                return fail("--benchmark_out_format", a + 23, "expected json, console or csv");
        } else if (strncmp(a, "--benchmark_color=", 18) == 0) {
            o->gb_color = a + 18;
        } else if (strncmp(a, "--benchmark_counters_tabular", 28) == 0) {
            o->gb_tabular = a[28] == '\0' || (a[28] == '=' && gb_true(a + 29));
        }
        argv[out++] = argv[i];
    }
    /* CPU.text's corpus:3 and up are the text files, in order: each must have been given. */
    size_t nfiles = ntext ? ntext : ntext_env;
    for (size_t i = 0; i < o->nparams; i++) {
        const struct pcb_list *l = &o->params[i].list;
        if (strcmp(o->params[i].name, "corpus") != 0)
            continue;
        for (size_t j = 0; j < l->n; j++)
            if (l->v[j] >= 3 + nfiles) {
                char value[24], allowed[160];
                snprintf(value, sizeof(value), "%llu", (unsigned long long)l->v[j]);
                snprintf(allowed, sizeof(allowed),
                         "corpus 3 and up are the --pcb_text (or PCB_TEXT) files, and %zu %s given",
                         nfiles, nfiles == 1 ? "was" : "were");
                return fail("--pcb_param=corpus", value, allowed);
            }
    }
    *argc = out;
    argv[out] = NULL;
    return 0;
}

void pcb_options_help(void)
{
    size_t nwl, nr;
    const struct pcb_workload *const *wls = pcb_workloads(&nwl);
    const struct pcb_runner *const *rs = pcb_runners(&nr);

    printf(
        "pcbench - concurrency strategies x workloads, as Google Benchmark cases\n\n"
        "usage: pcbench [--pcb_OPTION=VALUE ...] [--benchmark_FLAG=VALUE ...]\n"
        "       pcbench run --strategy NAME --workload NAME ...   (one batch outside Google\n"
        "                   Benchmark, with its speedup; see pcbench run --help)\n\n"
        "Case names: "
        "<Strategy>/<Workload>/workers:K[/<variant>:<v>]/tasks:N[/chunk:C]/<param>:<v>\n"
        "            /manual_time (Hybrid: procs:P/threads:T in place of workers:K)\n"
        "One iteration runs one batch of N tasks. Every case checks its merged digest against\n"
        "the sequential reference and fails with \"result mismatch\" when they differ.\n\n"
        "pcbench options (each also read from the environment variable in brackets;\n"
        "the command line wins):\n"
        "  --pcb_workers=LIST      worker counts, 1..%d   [PCB_WORKERS]\n"
        "                          default: 1..2x CPUs for CPU work; for waiting work threads\n"
        "                          1,8,32,256,1024, processes 1,8,32, event loops 1,1000,10000\n"
        "                          tasks in flight (a batch grows to K tasks when K > N)\n"
        "  --pcb_tasks=LIST        tasks per batch, 1..%llu   [PCB_TASKS] (default 256)\n"
        "  --pcb_chunk=LIST        tasks per hand-out for queue strategies, 1..%llu\n"
        "                          [PCB_CHUNK] (default 1,5; quick: 1)\n"
        "  --pcb_param=NAME=LIST   workload parameter values, repeatable   [PCB_PARAM]\n"
        "  --pcb_text=PATH         a real text for CPU.text (corpus:3 is the first), repeatable\n"
        "                          [PCB_TEXT: paths separated by ':']\n"
        "  --pcb_seed=N            seed of every generated input   [PCB_SEED] (default 42)\n"
        "  --pcb_profile=P         default | quick (every pair once, small sizes)   [PCB_PROFILE]\n"
        "  --pcb_timer_slack_ns=N  timer slack of every thread, 1..%llu ns\n"
        "                          [PCB_TIMER_SLACK_NS] (default 1; Linux's own is 50000)\n"
        "  --pcb_pin=P             none | compact | spread: placement of workers   [PCB_PIN]\n"
        "                          compact: all on the first allowed CPU; spread: worker i on\n"
        "                          CPU i mod n; shown as /pin:P in case names unless none\n"
        "  --pcb_case_timeout=S    watchdog: a case fails when S seconds pass without a batch\n"
        "                          finishing; 0 turns it off   [PCB_CASE_TIMEOUT] (default %llu)\n"
        "  --pcb_help              this text only\n\n",
        PCB_OPT_WORKERS_MAX, PCB_OPT_TASKS_MAX, PCB_OPT_CHUNK_MAX, PCB_OPT_SLACK_MAX,
        PCB_OPT_CASE_TIMEOUT_DEFAULT);
    printf("Strategies:\n");
    for (size_t i = 0; i < nr; i++) {
        printf("  %-14s %s\n", rs[i]->name, rs[i]->summary);
        if (rs[i]->workers_name)
            printf("    %-12s the worker count's name in case names\n", rs[i]->workers_name);
        for (size_t v = 0; v < rs[i]->nvariants; v++) {
            const struct pcb_variant *va = &rs[i]->variants[v];
            printf("    %-12s", va->name);
            for (size_t j = 0; j < va->nvalues; j++)
                printf("%s%s", j ? " | " : " ", va->values[j]);
            printf("   (default %s; quick sweeps %zu)\n", va->values[0], va->nquick);
        }
    }
    printf("\nWorkloads and their parameters (--pcb_param):\n");
    for (size_t i = 0; i < nwl; i++) {
        printf("  %-14s %s\n", wls[i]->name, wls[i]->summary);
        for (size_t j = 0; j < wls[i]->nparams; j++) {
            const struct pcb_param_spec *p = &wls[i]->params[j];
            printf("    %-12s %s; %llu..%llu, default %llu\n", p->name, p->help,
                   (unsigned long long)p->min, (unsigned long long)p->max,
                   (unsigned long long)p->defaults[0]);
        }
    }
}
