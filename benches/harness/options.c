/*
 * options.c - pcbench's own options: one table (below) drives their parsing, their environment
 * variables, the usage text and every refusal, through the engine of benches/common/opts.h.
 *
 * Every number is parsed strictly: decimal digits only, no sign, no spaces, no overflow. A list
 * is comma-separated with no empty items and no repeats (a repeat would register the same case
 * name twice). Google Benchmark's flags that take a value pcbench can check (numbers, choices,
 * booleans, the colour setting, the context) are in the table too, checked and kept
 * (PCB_OPT_KEEP): the library would abort on some bad values, run nothing on others, or print
 * its usage and exit 0. Its other flags (--benchmark_filter, checked by the shim;
 * --benchmark_out, taken over by pcbench_main.c; --benchmark_perf_counters, left to the library)
 * pass through.
 */
#define _GNU_SOURCE
#include "options.h"

#include <dirent.h>
#include <errno.h>
#include <fcntl.h>
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>
#include <sys/resource.h>
#include <sys/stat.h>
#include <unistd.h>

#include "../../runners/runner.h"
#include "../../runners/support.h"
#include "../../workloads/cpu_text.h"
#include "gbench.h"

/* Threads of pcbench's own besides the main one while cases run: the watchdog's. */
#define OWN_THREADS 1

/*
 * Whether the kernel holds this process to RLIMIT_NPROC. fork() and clone() let the root user
 * of the first user namespace, and a process with CAP_SYS_RESOURCE or CAP_SYS_ADMIN there, go
 * past the limit; anyone else (root of a container's own user namespace included) stops at it.
 */
static bool nproc_applies(void)
{
    char buf[4096];
    unsigned long long inside, outside, count, caps = 0;
    FILE *f = fopen("/proc/self/uid_map", "re");
    bool first_ns = f && fscanf(f, "%llu %llu %llu", &inside, &outside, &count) == 3 &&
                    inside == 0 && outside == 0 && count == 4294967295ULL;

    if (f)
        fclose(f);
    if (!first_ns)
        return true;
    if (getuid() == 0)
        return false;
    if ((f = fopen("/proc/self/status", "re")) != NULL) {
        while (fgets(buf, sizeof(buf), f))
            if (sscanf(buf, "CapEff: %llx", &caps) == 1)
                break;
        fclose(f);
    }
    return !(caps & (1ULL << 21 | 1ULL << 24)); /* CAP_SYS_ADMIN, CAP_SYS_RESOURCE */
}

/* The processes and threads of this user that run now, as RLIMIT_NPROC counts them (this
 * process included), from /proc; 0 when /proc tells nothing. */
static uint64_t user_tasks(void)
{
    DIR *d = opendir("/proc");
    struct dirent *e;
    uint64_t n = 0;
    unsigned long uid = (unsigned long)getuid();

    if (!d)
        return 0;
    while ((e = readdir(d)) != NULL) {
        char path[300], buf[4096];
        unsigned long real = 0, threads = 0;
        bool have_uid = false, have_threads = false;
        FILE *f;

        if (e->d_name[0] < '1' || e->d_name[0] > '9')
            continue;
        snprintf(path, sizeof(path), "/proc/%s/status", e->d_name);
        if ((f = fopen(path, "re")) == NULL)
            continue; /* gone meanwhile */
        while (fgets(buf, sizeof(buf), f) && !(have_uid && have_threads)) {
            have_uid = have_uid || sscanf(buf, "Uid: %lu", &real) == 1;
            have_threads = have_threads || sscanf(buf, "Threads: %lu", &threads) == 1;
        }
        fclose(f);
        if (have_uid && real == uid)
            n += have_threads ? threads : 1;
    }
    closedir(d);
    return n;
}

/*
 * The largest worker count this user may start without hitting RLIMIT_NPROC: the limit, less
 * what runs now and pcbench's own watchdog thread, and at least 1. When the limit lowers it
 * below PCB_OPT_WORKERS_MAX, *limit and *running say why (else *limit is 0).
 */
static uint64_t workers_max(uint64_t *limit, uint64_t *running)
{
    struct rlimit rl;
    uint64_t run, room;

    *limit = *running = 0;
    /* A limit this far above the largest count leaves room for it unless 100000 processes run
     * already: /proc need not be read. */
    if (getrlimit(RLIMIT_NPROC, &rl) != 0 || rl.rlim_cur == RLIM_INFINITY ||
        rl.rlim_cur >= PCB_OPT_WORKERS_MAX + 100000 || !nproc_applies())
        return PCB_OPT_WORKERS_MAX;
    run = user_tasks();
    room = rl.rlim_cur > run + OWN_THREADS ? rl.rlim_cur - run - OWN_THREADS : 1;
    if (room >= PCB_OPT_WORKERS_MAX)
        return PCB_OPT_WORKERS_MAX;
    *limit = rl.rlim_cur;
    *running = run;
    return room;
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

/* The "allowed" part for a list of distinct integers in [min, max]. */
static void list_allowed(char *why, size_t cap, uint64_t min, uint64_t max)
{
    snprintf(why, cap,
             "expected a comma-separated list of up to %d distinct integers from %llu to %llu",
             PCB_OPT_LIST_MAX, (unsigned long long)min, (unsigned long long)max);
}

static int set_workers(void *opts, const char *value, char *why, size_t cap)
{
    struct pcb_options *o = opts;
    uint64_t limit, running, max = workers_max(&limit, &running);

    if (pcb_parse_list(value, 1, max, &o->workers) == 0)
        return 0;
    list_allowed(why, cap, 1, max);
    if (limit) {
        size_t len = strlen(why);
        snprintf(why + len, cap - len,
                 " (RLIMIT_NPROC is %llu; processes and threads of this user now: %llu)",
                 (unsigned long long)limit, (unsigned long long)running);
    }
    return -1;
}

/*
 * --pcb_param=NAME=LIST: NAME must be a parameter of some workload, and every item of LIST a
 * value every workload with that parameter accepts (a number in the narrowest range, or a name
 * of a named parameter: alloc=glibc,jemalloc). Repeatable; a name given again replaces its list.
 */
static int set_param(void *opts, const char *value, char *why, size_t cap)
{
    struct pcb_options *o = opts;
    const char *eq = strchr(value, '=');
    size_t nwl, nlen = eq ? (size_t)(eq - value) : 0;
    const struct pcb_workload *const *wls = pcb_workloads(&nwl);
    const struct pcb_param_spec *specs[64];
    size_t nspecs = 0;

    if (!eq || nlen == 0 || nlen >= sizeof(o->params[0].name)) {
        snprintf(why, cap, "expected NAME=LIST, e.g. kib=64,1024 (see --help for names)");
        return -1;
    }
    for (size_t i = 0; i < nwl; i++)
        for (size_t j = 0; j < wls[i]->nparams && nspecs < 64; j++)
            if (strlen(wls[i]->params[j].name) == nlen &&
                strncmp(wls[i]->params[j].name, value, nlen) == 0)
                specs[nspecs++] = &wls[i]->params[j];
    if (nspecs == 0) {
        size_t len = (size_t)snprintf(why, cap, "unknown parameter; known:");
        for (size_t i = 0; i < nwl; i++)
            for (size_t j = 0; j < wls[i]->nparams && len < cap; j++)
                len += (size_t)snprintf(why + len, cap - len, " %s", wls[i]->params[j].name);
        return -1;
    }
    struct pcb_list l = {.n = 0};
    bool ok = true;
    for (const char *p = eq + 1; ok;) {
        const char *comma = strchr(p, ',');
        size_t len = comma ? (size_t)(comma - p) : strlen(p);
        char item[64];
        uint64_t v = 0, w;
        ok = len > 0 && len < sizeof(item) && l.n < PCB_OPT_LIST_MAX;
        if (ok) {
            memcpy(item, p, len);
            item[len] = '\0';
        }
        for (size_t s = 0; s < nspecs && ok; s++)
            ok = pcb_param_parse(specs[s], item, &w) == 0 && (s == 0 || w == v) && ((v = w), 1);
        for (size_t i = 0; i < l.n && ok; i++)
            ok = l.v[i] != v;
        if (ok)
            l.v[l.n++] = v;
        if (!comma)
            break;
        p = comma + 1;
    }
    if (!ok) {
        char allowed[256];
        snprintf(why, cap,
                 "expected a comma-separated list of up to %d distinct values of %.*s: %s",
                 PCB_OPT_LIST_MAX, (int)nlen, value,
                 pcb_param_allowed(specs[0], allowed, sizeof(allowed)));
        return -1;
    }
    struct pcb_param_override *ov = NULL;
    for (size_t i = 0; i < o->nparams; i++)
        if (strlen(o->params[i].name) == nlen && strncmp(o->params[i].name, value, nlen) == 0)
            ov = &o->params[i];
    if (!ov) {
        if (o->nparams == PCB_MAX_PARAM_SETS) {
            snprintf(why, cap, "too many distinct parameters");
            return -1;
        }
        ov = &o->params[o->nparams++];
        memcpy(ov->name, value, nlen);
        ov->name[nlen] = '\0';
    }
    ov->list = l;
    return 0;
}

/* --pcb_text=PATH: one more text for CPU.text, checked now. */
static int set_text(void *opts, const char *value, char *why, size_t cap)
{
    struct pcb_options *o = opts;

    if (check_text(value, why, cap))
        return -1;
    int err = pcb_wl_text_add_file(value);
    if (err) {
        snprintf(why, cap, "%s",
                 err == PCB_EPARAM ? "too many --pcb_text files (at most 13)" : "out of memory");
        return -1;
    }
    o->ntext++;
    return 0;
}

/* --pcb_plugin and PCB_PLUGIN: loaded (and refused) by plugin.h before this table is parsed,
 * since their workloads must be known to --pcb_param; here only accepted. */
static int set_plugin(void *opts, const char *value, char *why, size_t cap)
{
    (void)opts;
    (void)value;
    (void)why;
    (void)cap;
    return 0;
}

/* PCB_TEXT: paths separated by ':' (empty items skipped), which CPU.text reads itself; each is
 * checked here, before anything runs. The command line's --pcb_text files replace them. */
static int set_text_env(void *opts, const char *value, char *why, size_t cap)
{
    struct pcb_options *o = opts;
    char path[4096];

    o->ntext_env = 0;
    for (const char *p = value; *p;) {
        const char *e = strchr(p, ':');
        size_t len = e ? (size_t)(e - p) : strlen(p);
        if (len >= sizeof(path)) {
            snprintf(why, cap, "a path is too long");
            return -1;
        }
        if (len) {
            char problem[320];
            memcpy(path, p, len);
            path[len] = '\0';
            if (check_text(path, problem, sizeof(problem))) {
                snprintf(why, cap, "%s: %s", path, problem);
                return -1;
            }
            o->ntext_env++;
        }
        p += len + (e != NULL);
    }
    return 0;
}

/* Google Benchmark's time flags: seconds, a finite number >= 0 (the library would print two
 * lines and go on). */
static int set_gb_seconds(void *opts, const char *value, char *why, size_t cap)
{
    double d;

    (void)opts;
    if (pcb_parse_double(value, 0, INFINITY, false, &d) == 0)
        return 0;
    snprintf(why, cap, "expected seconds, a number >= 0");
    return -1;
}

/*
 * Google Benchmark's boolean flags: bare (true), or one of true, false, yes, no, on, off, 1, 0 in
 * any case. The library itself takes any other word as true; pcbench reads these the way it
 * does, and refuses the rest. Returns 0 with *out set, or -1 with why filled.
 */
static int gb_bool(const char *v, bool *out, char *why, size_t cap)
{
    static const char *const yes[] = {"true", "yes", "on", "1"}, *const no[] = {"false", "no",
                                                                                "off", "0"};

    if (!v || !*v) {
        *out = true;
        return 0;
    }
    for (size_t i = 0; i < sizeof(yes) / sizeof(yes[0]); i++) {
        if (strcasecmp(v, yes[i]) == 0 || strcasecmp(v, no[i]) == 0) {
            *out = strcasecmp(v, yes[i]) == 0;
            return 0;
        }
    }
    snprintf(why, cap, "expected true or false (or yes, no, on, off, 1, 0)");
    return -1;
}

static int set_gb_bool(void *opts, const char *value, char *why, size_t cap)
{
    bool b;

    (void)opts;
    return gb_bool(value, &b, why, cap);
}

static int set_gb_list(void *opts, const char *value, char *why, size_t cap)
{
    return gb_bool(value, &((struct pcb_options *)opts)->gb_list_only, why, cap);
}

static int set_gb_tabular(void *opts, const char *value, char *why, size_t cap)
{
    return gb_bool(value, &((struct pcb_options *)opts)->gb_tabular, why, cap);
}

/*
 * --benchmark_color=WHEN: "auto", or a boolean spelt as gb_bool() takes it. The library compares
 * the word "auto" exactly and takes any other word for true, so "maybe" or "Auto" would turn
 * colour on; an empty value makes it print its usage and exit 0. pcbench refuses all three.
 * Stores "auto", "true" or "false", which pcbench_main() reads.
 */
static int set_gb_color(void *opts, const char *value, char *why, size_t cap)
{
    struct pcb_options *o = opts;
    bool b;

    if (strcmp(value, "auto") == 0) {
        o->gb_color = "auto";
        return 0;
    }
    if (!*value || gb_bool(value, &b, why, cap) != 0) {
        snprintf(why, cap, "expected auto, true or false (or yes, no, on, off, 1, 0)");
        return -1;
    }
    o->gb_color = b ? "true" : "false";
    return 0;
}

/* Google Benchmark's integer flags: an integer in a range (the library would abort on a
 * negative --benchmark_repetitions, and run nothing at 0). */
static int set_gb_repetitions(void *opts, const char *value, char *why, size_t cap)
{
    uint64_t n;

    (void)opts;
    if (pcb_parse_u64(value, 1, PCB_OPT_REPETITIONS_MAX, &n) == 0)
        return 0;
    snprintf(why, cap, "expected an integer from 1 to %d", PCB_OPT_REPETITIONS_MAX);
    return -1;
}

static int set_gb_verbosity(void *opts, const char *value, char *why, size_t cap)
{
    uint64_t n;

    (void)opts;
    if (pcb_parse_u64(value, 0, INT32_MAX, &n) == 0)
        return 0;
    snprintf(why, cap, "expected an integer from 0 to %d", INT32_MAX);
    return -1;
}

/*
 * --benchmark_context=KEY=VALUE,...: what the library adds to the context of every report. Each
 * pair needs one '=' and a key of the user's own (the library's keys would appear twice in the
 * JSON, and pcbench's would be dropped), and every key and value must be text the JSON can hold
 * as the library writes it: UTF-8 without control characters (pcb_gb_json_text_ok()).
 */
static int set_gb_context(void *opts, const char *value, char *why, size_t cap)
{
    static const char *const taken[] = {"date",     "host_name",   "executable",
                                        "num_cpus", "mhz_per_cpu", "cpu_scaling_enabled",
                                        "caches",   "load_avg",    "library_build_type"};
    char item[1024];

    (void)opts;
    snprintf(why, cap,
             "expected KEY=VALUE pairs separated by commas, in printable UTF-8, each KEY of your "
             "own (not pcbench_* or Google Benchmark's: date, host_name, executable, ...)");
    if (!pcb_gb_json_text_ok(value))
        return -1;
    for (const char *p = value; *p;) {
        const char *comma = strchr(p, ',');
        size_t len = comma ? (size_t)(comma - p) : strlen(p);
        const char *eq = memchr(p, '=', len);
        if (len >= sizeof(item) || !eq || eq == p ||
            memchr(eq + 1, '=', len - (size_t)(eq - p) - 1))
            return -1;
        memcpy(item, p, (size_t)(eq - p));
        item[eq - p] = '\0';
        if (strncmp(item, "pcbench_", 8) == 0)
            return -1;
        for (size_t i = 0; i < sizeof(taken) / sizeof(taken[0]); i++)
            if (strcmp(item, taken[i]) == 0)
                return -1;
        if (!comma)
            break;
        p = comma + 1;
        if (!*p) /* a trailing comma: the library refuses an empty pair */
            return -1;
    }
    return 0;
}

static const char *const profiles[] = {"default", "quick", NULL};
static const char *const pins[] = {"none", "compact", "spread", NULL};
static const char *const gb_formats[] = {"console", "json", "csv", NULL};
static const char *const gb_out_formats[] = {"json", "console", "csv", NULL};
static const char *const gb_time_units[] = {"ns", "us", "ms", "s", NULL};

#define OFF(field) offsetof(struct pcb_options, field)

/* The table: pcbench's own options, then the Google Benchmark flags it checks and keeps. */
static const struct pcb_opt table[] = {
    {.name = "--pcb_workers",
     .env = "PCB_WORKERS",
     .arg = "LIST",
     .kind = PCB_OPT_CUSTOM,
     .set = set_workers,
     .help = "worker counts, 1.." PCB_XSTR(
         PCB_OPT_WORKERS_MAX) "\n"
                              "default: 1..2x CPUs for CPU work; for waiting work threads\n"
                              "1,8,32,256,1024, processes 1,8,32, event loops 8,32,256,1000,\n"
                              "10000 tasks in flight (a batch grows to K tasks when K > N)"},
    {.name = "--pcb_tasks",
     .env = "PCB_TASKS",
     .arg = "LIST",
     .kind = PCB_OPT_LIST,
     .offset = OFF(tasks),
     .min = 1,
     .max = PCB_OPT_TASKS_MAX,
     .help = "tasks per batch, 1.." PCB_XSTR(PCB_OPT_TASKS_MAX) " (default 256)"},
    {.name = "--pcb_chunk",
     .env = "PCB_CHUNK",
     .arg = "LIST",
     .kind = PCB_OPT_LIST,
     .offset = OFF(chunk),
     .min = 1,
     .max = PCB_OPT_CHUNK_MAX,
     .help = "tasks per hand-out for queue strategies, 1.." PCB_XSTR(
         PCB_OPT_CHUNK_MAX) "\n"
                            "(default 1,5; quick: 1)"},
    {.name = "--pcb_param",
     .env = "PCB_PARAM",
     .arg = "NAME=LIST",
     .kind = PCB_OPT_CUSTOM,
     .set = set_param,
     .help = "workload parameter values (numbers, or names such as\n"
             "alloc=glibc,jemalloc), repeatable"},
    {.name = "--pcb_text",
     .env = "PCB_TEXT",
     .arg = "PATH",
     .kind = PCB_OPT_CUSTOM,
     .set = set_text,
     .set_env = set_text_env,
     .help = "a real text for CPU.text (corpus:3 is the first), repeatable;\n"
             "the variable takes paths separated by ':'"},
    {.name = "--pcb_plugin",
     .env = "PCB_PLUGIN",
     .arg = "PATH",
     .kind = PCB_OPT_CUSTOM,
     .set = set_plugin,
     .set_env = set_plugin,
     .help = "a shared object of workloads (PCB_PLUGIN() in pcbench.h),\n"
             "crossed with every strategy; repeatable; the variable\n"
             "takes paths separated by ':'"},
    {.name = "--pcb_seed",
     .env = "PCB_SEED",
     .arg = "N",
     .kind = PCB_OPT_U64,
     .offset = OFF(seed),
     .min = 0,
     .max = UINT64_MAX,
     .help = "seed of every generated input (default 42)"},
    {.name = "--pcb_profile",
     .env = "PCB_PROFILE",
     .arg = "P",
     .kind = PCB_OPT_CHOICE,
     .offset = OFF(profile),
     .choices = profiles,
     .help = "default | quick (every pair once, small sizes)"},
    {.name = "--pcb_timer_slack_ns",
     .env = "PCB_TIMER_SLACK_NS",
     .arg = "N",
     .kind = PCB_OPT_U64,
     .offset = OFF(timer_slack_ns),
     .min = 1,
     .max = PCB_OPT_SLACK_MAX,
     .help = "timer slack of every thread, 1.." PCB_XSTR(
         PCB_OPT_SLACK_MAX) " ns\n"
                            "(default 1; Linux's own is 50000)"},
    {.name = "--pcb_pin",
     .env = "PCB_PIN",
     .arg = "P",
     .kind = PCB_OPT_CHOICE,
     .offset = OFF(pin),
     .choices = pins,
     .help = "none | compact | spread: placement of workers\n"
             "compact: all on the first allowed CPU; spread: worker i on\n"
             "CPU i mod n; shown as /pin:P in case names unless none"},
    {.name = "--pcb_case_timeout",
     .env = "PCB_CASE_TIMEOUT",
     .arg = "S",
     .kind = PCB_OPT_U64,
     .offset = OFF(case_timeout_s),
     .min = 0,
     .max = PCB_OPT_CASE_TIMEOUT_MAX,
     .help = "watchdog: a case fails when S seconds pass without a batch\n"
             "finishing; 0 turns it off (default " PCB_XSTR(
                 PCB_OPT_CASE_TIMEOUT_DEFAULT) ", at most " PCB_XSTR(PCB_OPT_CASE_TIMEOUT_MAX) ")"},
    {.name = "--pcb_help",
     .help = "this text only",
     .kind = PCB_OPT_FLAG,
     .offset = OFF(help),
     .flags = PCB_OPT_HELP},
    {.name = "--help",
     .alias = "-h",
     .help = "this text, then Google Benchmark's flags",
     .kind = PCB_OPT_FLAG,
     .offset = OFF(help),
     .flags = PCB_OPT_HELP | PCB_OPT_KEEP},
    /* Google Benchmark's, checked here: the library would print its usage and exit 0, or print
     * two lines and go on. */
    {.name = "--benchmark_min_time",
     .arg = "S",
     .kind = PCB_OPT_CUSTOM,
     .set = set_gb_seconds,
     .flags = PCB_OPT_KEEP | PCB_OPT_HIDDEN},
    {.name = "--benchmark_min_warmup_time",
     .arg = "S",
     .kind = PCB_OPT_CUSTOM,
     .set = set_gb_seconds,
     .flags = PCB_OPT_KEEP | PCB_OPT_HIDDEN},
    {.name = "--benchmark_list_tests",
     .arg = "BOOL",
     .kind = PCB_OPT_CUSTOM,
     .set = set_gb_list,
     .flags = PCB_OPT_KEEP | PCB_OPT_HIDDEN | PCB_OPT_VALUE_OPTIONAL},
    {.name = "--benchmark_format",
     .arg = "F",
     .kind = PCB_OPT_CHOICE,
     .offset = OFF(gb_format),
     .choices = gb_formats,
     .flags = PCB_OPT_KEEP | PCB_OPT_HIDDEN},
    {.name = "--benchmark_out_format",
     .arg = "F",
     .kind = PCB_OPT_CHOICE,
     .offset = OFF(gb_out_format),
     .choices = gb_out_formats,
     .flags = PCB_OPT_KEEP | PCB_OPT_HIDDEN},
    {.name = "--benchmark_color",
     .arg = "WHEN",
     .kind = PCB_OPT_CUSTOM,
     .set = set_gb_color,
     .flags = PCB_OPT_KEEP | PCB_OPT_HIDDEN},
    {.name = "--benchmark_counters_tabular",
     .arg = "BOOL",
     .kind = PCB_OPT_CUSTOM,
     .set = set_gb_tabular,
     .flags = PCB_OPT_KEEP | PCB_OPT_HIDDEN | PCB_OPT_VALUE_OPTIONAL},
    {.name = "--benchmark_repetitions",
     .arg = "N",
     .kind = PCB_OPT_CUSTOM,
     .set = set_gb_repetitions,
     .flags = PCB_OPT_KEEP | PCB_OPT_HIDDEN},
    {.name = "--benchmark_enable_random_interleaving",
     .arg = "BOOL",
     .kind = PCB_OPT_CUSTOM,
     .set = set_gb_bool,
     .flags = PCB_OPT_KEEP | PCB_OPT_HIDDEN | PCB_OPT_VALUE_OPTIONAL},
    {.name = "--benchmark_report_aggregates_only",
     .arg = "BOOL",
     .kind = PCB_OPT_CUSTOM,
     .set = set_gb_bool,
     .flags = PCB_OPT_KEEP | PCB_OPT_HIDDEN | PCB_OPT_VALUE_OPTIONAL},
    {.name = "--benchmark_display_aggregates_only",
     .arg = "BOOL",
     .kind = PCB_OPT_CUSTOM,
     .set = set_gb_bool,
     .flags = PCB_OPT_KEEP | PCB_OPT_HIDDEN | PCB_OPT_VALUE_OPTIONAL},
    {.name = "--benchmark_time_unit",
     .arg = "U",
     .kind = PCB_OPT_CHOICE,
     .offset = OFF(gb_time_unit),
     .choices = gb_time_units,
     .flags = PCB_OPT_KEEP | PCB_OPT_HIDDEN},
    {.name = "--benchmark_context",
     .arg = "KEY=VALUE,...",
     .kind = PCB_OPT_CUSTOM,
     .set = set_gb_context,
     .flags = PCB_OPT_KEEP | PCB_OPT_HIDDEN},
    {.name = "--v",
     .arg = "N",
     .kind = PCB_OPT_CUSTOM,
     .set = set_gb_verbosity,
     .flags = PCB_OPT_KEEP | PCB_OPT_HIDDEN},
};

#define NOPTS (sizeof(table) / sizeof(table[0]))

static bool given[NOPTS];

static const struct pcb_optset set = {.prog = "pcbench",
                                      .opts = table,
                                      .nopts = NOPTS,
                                      .equals_only = true,
                                      .own_prefix = "--pcb_",
                                      .pass_on = true,
                                      .given = given};

const char *pcb_options_gb_format(const struct pcb_options *o)
{
    return gb_formats[o->gb_format];
}

int pcb_options_parse(int *argc, char **argv, struct pcb_options *o)
{
    memset(o, 0, sizeof(*o));
    o->seed = 42;
    o->timer_slack_ns = 1;
    o->case_timeout_s = PCB_OPT_CASE_TIMEOUT_DEFAULT;
    o->gb_color = "auto";

    int rc = pcb_opts_parse(&set, argc, argv, o);
    if (rc == PCB_OPTS_ERROR)
        return 2;
    o->help = rc == PCB_OPTS_HELP;
    o->help_library = o->help && pcb_opts_given(&set, "--help");
    o->gb_min_time_given = pcb_opts_given(&set, "--benchmark_min_time");
    o->gb_warmup_given = pcb_opts_given(&set, "--benchmark_min_warmup_time");
    if (o->help)
        return 0;
    /* CPU.text's corpus:3 and up are the text files, in order: each must have been given. */
    size_t nfiles = o->ntext ? o->ntext : o->ntext_env;
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
                return pcb_opts_refuse("pcbench", "--pcb_param=corpus", value, allowed);
            }
    }
    return 0;
}

/*
 * PCB_* variables that are no option of the table but are read or set by pcbench itself, its
 * scripts or its tests, so a run may well see them: never warned about.
 */
static const char *const internal_vars[] = {
    "PCB_DIST_NO_MPI",     /* runners/distributed.c: ranks of an mpirun job that serve */
    "PCB_DIST_TIMEOUT_MS", /* runners/distributed.c: how long rank 0 waits for a rank */
    "PCB_TEST_KILL_RANK",  /* runners/distributed.c: a fault for tests/distributed/ */
    "PCB_TEST_HANG_RANK",  /* the same */
    "PCB_TEST_TAG",        /* tests/distributed/run-mpi.sh: marks a job's processes */
    "PCB_LINK",            /* tests/multihost/hosts.sh: how the hosts are joined (context) */
    "PCB_LINK_DELAY_US",   /* the same: the links' delay (context) */
    "PCB_HOSTFILE",        /* the same, for the command it runs */
    "PCB_HOSTS_AGENT",
    "PCB_HOSTS_DIR",
    "PCB_HOSTS_IF",
    "PCB_HOSTS_MPIRUN",
    "PCB_MPIRUN",
    "PCB_DELAY_HUB",
    "PCB_MH_REPS",        /* benches/cli/run-multihost.sh */
    "PCB_BUILD_DIR",      /* benches/cli/run-suite.sh */
    "PCB_SANITIZERS",     /* tests/run-tests.sh */
    "PCB_INTERRUPT_RUNS", /* tests/reliability/test_interrupt.sh */
    "PCB_INTERRUPT_SEED",
    "PCB_INTERRUPT_MAX_DELAY_MS",
    "PCB_COMPARE_UPDATE_GOLDENS", /* tests/compare/ */
};

void pcb_options_warn_unknown_env(void)
{
    extern char **environ;

    for (char **e = environ; e && *e; e++) {
        const char *eq = strchr(*e, '=');
        size_t len = eq ? (size_t)(eq - *e) : strlen(*e);
        bool known = false;

        if (strncmp(*e, "PCB_", 4) != 0)
            continue;
        for (size_t i = 0; i < NOPTS && !known; i++)
            known =
                table[i].env && strlen(table[i].env) == len && strncmp(table[i].env, *e, len) == 0;
        for (size_t i = 0; i < sizeof(internal_vars) / sizeof(internal_vars[0]) && !known; i++)
            known = strlen(internal_vars[i]) == len && strncmp(internal_vars[i], *e, len) == 0;
        if (known)
            continue;
        char list[512];
        size_t n = 0;
        for (size_t i = 0; i < NOPTS && n < sizeof(list); i++)
            if (table[i].env)
                n += (size_t)snprintf(list + n, sizeof(list) - n, "%s%s", n ? ", " : "",
                                      table[i].env);
        pcb_say("pcbench: warning: %.*s: unknown variable; known: %s\n", (int)len, *e, list);
    }
}

void pcb_options_help(void)
{
    size_t nwl, nr;
    const struct pcb_workload *const *wls = pcb_workloads(&nwl);
    const struct pcb_runner *const *rs = pcb_runners(&nr);

    printf("pcbench - concurrency strategies x workloads, as Google Benchmark cases\n\n"
           "usage: pcbench [--pcb_OPTION=VALUE ...] [--benchmark_FLAG=VALUE ...]\n"
           "       pcbench run --strategy NAME --workload NAME ...   (one batch outside Google\n"
           "                   Benchmark, with its speedup; see pcbench run --help)\n\n"
           "Case names: "
           "<Strategy>/<Workload>/workers:K[/<variant>:<v>]/tasks:N[/chunk:C]/<param>:<v>\n"
           "            /manual_time (Hybrid: procs:P/threads:T in place of workers:K); the same\n"
           "            under every profile and flag (no tuning in names)\n"
           "One iteration runs one batch of N tasks. Every case checks its merged digest against\n"
           "the sequential reference and fails with \"result mismatch\" when they differ.\n\n"
           "pcbench options (each also read from the environment variable in brackets;\n"
           "the command line wins):\n");
    pcb_opts_usage(&set, stdout);
    printf("\nStrategies:\n");
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
            char allowed[160], def[32];
            printf("    %-12s %s; %s, default %s\n", p->name, p->help,
                   pcb_param_allowed(p, allowed, sizeof(allowed)),
                   pcb_param_format(p, p->defaults[0], def, sizeof(def)));
        }
    }
}
