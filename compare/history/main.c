/*
 * main.c - pcbench-history: every run kept in SQLite, change points per series, a dashboard.
 *
 *   pcbench-history [--db PATH] add FILE... [--commit C] [--date D] [--machine M]
 *   pcbench-history [--db PATH] runs
 *   pcbench-history [--db PATH] changes [--format=table|md|json] [--filter RE] [--metric NAME]
 *                                       [--machine M] [--fail-on-latest] [--latest N]
 *   pcbench-history [--db PATH] html -o DIR [--filter RE] [--metric NAME] [--machine M]
 *
 * The database defaults to results/history.db (or $PCB_HISTORY_DB). Result files are read by
 * the one reader (results.h); the store is history.h, the method changepoint.h, the page
 * dashboard.c. Exit status: 0; 1 for `changes --fail-on-latest` when a regression starts in the
 * newest runs; 2 on bad input, after one line naming it, with nothing written.
 */
#define _GNU_SOURCE
#include "changepoint.h"
#include "dashboard.h"
#include "history.h"
#include "opts.h"

#include <math.h>
#include <regex.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>

enum { FMT_TABLE, FMT_MD, FMT_JSON };

/* The command line of every subcommand (each uses the options its table lists). */
struct cli {
    const char *db;      /* --db */
    const char *commit;  /* add: --commit */
    const char *date;    /* add: --date */
    const char *machine; /* add: --machine; changes, html: only this machine */
    int format;          /* changes: --format */
    const char *filter;  /* --filter */
    const char *metric;  /* --metric */
    bool if_missing;     /* add: --commit, --date, --machine only where the file has none */
    bool one_run;        /* add: the files are the samples of one run */
    bool fail_on_latest; /* changes: --fail-on-latest */
    uint64_t latest;     /* changes: --latest */
    const char *out;     /* html: -o */
    bool help;           /* --help */
    const char **files;  /* add: the files */
    size_t nfiles;       /* how many */
    bool takes_files;    /* the subcommand takes positional files */
};

static int positional(void *opts, const char *arg, char *why, size_t cap)
{
    struct cli *c = opts;
    if (arg == NULL)
        return 0;
    if (!c->takes_files) {
        snprintf(why, cap, "unexpected argument; this subcommand takes options only");
        return -1;
    }
    c->files[c->nfiles++] = arg;
    return 0;
}

static const char *const formats[] = {"table", "md", "json", NULL};

#define OPT_DB                                                                                     \
    {                                                                                              \
        .name = "--db", .env = "PCB_HISTORY_DB", .arg = "PATH",                                    \
        .help = "the database (default results/history.db)", .kind = PCB_OPT_TEXT,                 \
        .offset = offsetof(struct cli, db)                                                         \
    }
#define OPT_HELP                                                                                   \
    {                                                                                              \
        .name = "--help", .alias = "-h", .help = "this text", .kind = PCB_OPT_FLAG,                \
        .offset = offsetof(struct cli, help), .flags = PCB_OPT_HELP                                \
    }
#define OPT_MACHINE(text)                                                                          \
    {                                                                                              \
        .name = "--machine", .arg = "NAME", .help = text, .kind = PCB_OPT_TEXT,                    \
        .offset = offsetof(struct cli, machine)                                                    \
    }
#define OPT_FILTER                                                                                 \
    {                                                                                              \
        .name = "--filter", .arg = "RE",                                                           \
        .help = "only cases whose name matches this POSIX\n"                                       \
                "extended regex",                                                                  \
        .kind = PCB_OPT_TEXT, .offset = offsetof(struct cli, filter)                               \
    }
#define OPT_METRIC                                                                                 \
    {                                                                                              \
        .name = "--metric", .arg = "NAME",                                                         \
        .help = "real_time (default), cpu_time or a counter\n"                                     \
                "(items_per_second: higher is better)",                                            \
        .kind = PCB_OPT_TEXT, .offset = offsetof(struct cli, metric)                               \
    }

static const struct pcb_opt add_opts[] = {
    OPT_DB,
    {.name = "--commit",
     .arg = "C",
     .help = "the commit (default: the file's pcbench_commit)",
     .kind = PCB_OPT_TEXT,
     .offset = offsetof(struct cli, commit)},
    {.name = "--date",
     .arg = "D",
     .help = "the date, ISO 8601 (default: the file's date)",
     .kind = PCB_OPT_TEXT,
     .offset = offsetof(struct cli, date)},
    OPT_MACHINE("the machine (default: the file's host_name)"),
    {.name = "--if-missing",
     .help = "--commit, --date and --machine only for files\nwhose context lacks them",
     .kind = PCB_OPT_FLAG,
     .offset = offsetof(struct cli, if_missing)},
    {.name = "--one-run",
     .help = "the files are the samples of one run (one commit\nand machine): one point per case, "
             "not one per file",
     .kind = PCB_OPT_FLAG,
     .offset = offsetof(struct cli, one_run)},
    OPT_HELP,
};
static const struct pcb_opt runs_opts[] = {OPT_DB, OPT_HELP};
static const struct pcb_opt changes_opts[] = {
    OPT_DB,
    {.name = "--format",
     .arg = "FMT",
     .help = "table (default), md or json",
     .kind = PCB_OPT_CHOICE,
     .offset = offsetof(struct cli, format),
     .choices = formats},
    OPT_FILTER,
    OPT_METRIC,
    OPT_MACHINE("only this machine's series"),
    {.name = "--fail-on-latest",
     .help = "exit 1 when a regression starts in the newest runs",
     .kind = PCB_OPT_FLAG,
     .offset = offsetof(struct cli, fail_on_latest)},
    {.name = "--latest",
     .arg = "N",
     .help = "how many of a series' runs are the newest\n"
             "(default 5)",
     .kind = PCB_OPT_U64,
     .offset = offsetof(struct cli, latest),
     .min = 1,
     .max = 1000},
    OPT_HELP,
};
static const struct pcb_opt html_opts[] = {
    OPT_DB,
    {.name = "--output",
     .alias = "-o",
     .arg = "DIR",
     .help = "where index.html goes (required)",
     .kind = PCB_OPT_TEXT,
     .offset = offsetof(struct cli, out)},
    OPT_FILTER,
    OPT_METRIC,
    OPT_MACHINE("only this machine's series"),
    OPT_HELP,
};

/* A subcommand: its name, its options, whether it takes files. */
struct sub {
    const char *name;
    const struct pcb_opt *opts;
    size_t nopts;
    const char *usage;
};
#define SUB(n, o, u)                                                                               \
    {                                                                                              \
        n, o, sizeof(o) / sizeof(o[0]), u                                                          \
    }
static const struct sub subs[] = {
    SUB("add", add_opts,
        "add FILE... [options]: keep result files (Google Benchmark or "
        "hyperfine JSON) as runs"),
    SUB("runs", runs_opts, "runs: list the runs: commit, date, machine, cases"),
    SUB("changes", changes_opts, "changes [options]: the change points of every case's series"),
    SUB("html", html_opts, "html -o DIR [options]: write DIR/index.html, the dashboard"),
};

static void usage(FILE *f)
{
    fprintf(f, "usage: pcbench-history [--db PATH] SUBCOMMAND [options]\n\n");
    for (size_t i = 0; i < sizeof(subs) / sizeof(subs[0]); i++) {
        struct pcb_optset set = {
            .prog = "pcbench-history", .opts = subs[i].opts, .nopts = subs[i].nopts};
        fprintf(f, "pcbench-history %s\n", subs[i].usage);
        pcb_opts_usage(&set, f);
        fputc('\n', f);
    }
}

/* add: every file is read and checked first; then all go in one transaction. */
static int cmd_add(struct cli *c)
{
    struct pcb_results **files = calloc(c->nfiles, sizeof(*files));
    struct pcb_hdb_run_id *ids = calloc(c->nfiles, sizeof(*ids));
    char(*dates)[40] = calloc(c->nfiles, sizeof(*dates));
    long *added = calloc(c->nfiles, sizeof(*added));
    char err[PCB_HDB_ERRLEN], override_date[40];
    struct pcb_hdb *db = NULL;
    int rc = 2;

    if (!files || !ids || !dates || !added) {
        pcb_say("pcbench-history: out of memory\n");
        goto out;
    }
    if (c->nfiles == 0) {
        pcb_say("pcbench-history add: no result file given; usage: pcbench-history add FILE...\n");
        goto out;
    }
    if (c->date && pcb_hdb_utc(c->date, override_date, sizeof(override_date))) {
        pcb_opts_refuse("pcbench-history add", "--date", c->date,
                        "expected an ISO 8601 time such as 2026-12-03T04:20:51+00:00");
        goto out;
    }
    for (size_t i = 0; i < c->nfiles; i++) {
        const char *p = c->files[i];
        struct stat st;
        /* A run is fingerprinted by reading its file a second time: a FIFO or a device cannot
         * be read twice (and a FIFO would wait for a writer). Directories are the reader's to
         * refuse. */
        if (stat(p, &st) == 0 && !S_ISREG(st.st_mode) && !S_ISDIR(st.st_mode)) {
            pcb_say("pcbench-history add: %s: is a %s; expected a regular result file\n", p,
                    S_ISFIFO(st.st_mode) ? "FIFO" : "device or socket");
            goto out;
        }
        if (pcb_results_read(p, &files[i], err)) {
            pcb_say("pcbench-history add: %s\n", err);
            goto out;
        }
        const char *commit = pcb_results_context(files[i], "pcbench_commit");
        const char *date = pcb_results_context(files[i], "date");
        const char *machine = pcb_results_context(files[i], "host_name");
        bool use_date = c->date != NULL && (!c->if_missing || date == NULL || !*date);
        if (c->commit && (!c->if_missing || commit == NULL || !*commit))
            commit = c->commit;
        if (c->machine && (!c->if_missing || machine == NULL || !*machine))
            machine = c->machine;
        if (files[i]->ncases == 0) {
            pcb_say("pcbench-history add: %s: holds no case; nothing to keep\n", p);
            goto out;
        }
        if (commit == NULL || !*commit) {
            pcb_say("pcbench-history add: %s: no pcbench_commit in its context; give --commit\n",
                    p);
            goto out;
        }
        if (machine == NULL || !*machine) {
            pcb_say("pcbench-history add: %s: no host_name in its context; give --machine\n", p);
            goto out;
        }
        if (use_date) {
            strcpy(dates[i], override_date);
        } else if (date == NULL) {
            pcb_say("pcbench-history add: %s: no date in its context; give --date\n", p);
            goto out;
        } else if (pcb_hdb_utc(date, dates[i], sizeof(dates[i]))) {
            pcb_say("pcbench-history add: %s: date \"%s\" is not an ISO 8601 time; give --date\n",
                    p, date);
            goto out;
        }
        ids[i] = (struct pcb_hdb_run_id){commit, dates[i], machine};
        if (c->one_run && i > 0 &&
            (strcmp(commit, ids[0].commit) || strcmp(machine, ids[0].machine))) {
            pcb_say("pcbench-history add: --one-run: %s is commit %s on %s, but %s is commit %s "
                    "on %s; the files of one run share commit and machine\n",
                    p, commit, machine, c->files[0], ids[0].commit, ids[0].machine);
            goto out;
        }
    }
    if (pcb_hdb_open(c->db, true, &db, err)) {
        pcb_say("pcbench-history add: --db=%s\n", err);
        goto out;
    }
    if (pcb_hdb_add(db, files, c->files, ids, c->nfiles, c->one_run, added, err)) {
        pcb_say("pcbench-history add: %s\n", err);
        pcb_hdb_close(db, true);
        goto out;
    }
    pcb_hdb_close(db, false);
    if (c->one_run && added[0] > 0)
        printf("added %zu files as one run: run %ld, commit %s, %s, machine %s\n", c->nfiles,
               added[0], ids[0].commit, ids[0].date, ids[0].machine);
    else if (c->one_run)
        printf("kept these %zu files already (run %ld); nothing added\n", c->nfiles, -added[0]);
    for (size_t i = 0; i < c->nfiles && !c->one_run; i++)
        if (added[i] > 0)
            printf("added %s: run %ld, commit %s, %s, machine %s, %zu cases\n", c->files[i],
                   added[i], ids[i].commit, ids[i].date, ids[i].machine, files[i]->ncases);
        else
            printf("kept %s already (run %ld); nothing added\n", c->files[i], -added[i]);
    rc = 0;
out:
    for (size_t i = 0; files && i < c->nfiles; i++)
        pcb_results_destroy(files[i]);
    pcb_results_thread_cleanup();
    free(files), free(ids), free(dates), free(added);
    return rc;
}

static int cmd_runs(struct cli *c)
{
    struct pcb_hdb *db;
    char err[PCB_HDB_ERRLEN];

    if (pcb_hdb_open(c->db, false, &db, err)) {
        pcb_say("pcbench-history runs: --db=%s\n", err);
        return 2;
    }
    int rc = pcb_hdb_print_runs(db, stdout, err);
    pcb_hdb_close(db, false);
    if (rc) {
        pcb_say("pcbench-history runs: %s\n", err);
        return 2;
    }
    return 0;
}

/* Prints s as a JSON string. */
static void json_str(FILE *f, const char *s)
{
    fputc('"', f);
    for (; *s; s++) {
        unsigned char ch = (unsigned char)*s;
        if (ch == '"' || ch == '\\')
            fprintf(f, "\\%c", ch);
        else if (ch < 0x20)
            fprintf(f, "\\u%04x", ch);
        else
            fputc(ch, f);
    }
    fputc('"', f);
}

/* Loads the series `changes` and `html` judge. Returns 0 or 2 after one line. */
static int load(struct cli *c, const char *prog, struct pcb_hdb_series **s, size_t *n)
{
    struct pcb_hdb *db;
    regex_t re;
    char err[PCB_HDB_ERRLEN];

    if (c->filter && regcomp(&re, c->filter, REG_EXTENDED | REG_NOSUB) != 0)
        return pcb_opts_refuse(prog, "--filter", c->filter,
                               "not a valid POSIX extended regular expression");
    if (pcb_hdb_open(c->db, false, &db, err)) {
        pcb_say("%s: --db=%s\n", prog, err);
        if (c->filter)
            regfree(&re);
        return 2;
    }
    int rc = pcb_hdb_series(db, c->metric, c->filter ? &re : NULL, c->machine, s, n, err);
    pcb_hdb_close(db, false);
    if (c->filter)
        regfree(&re);
    if (rc) {
        pcb_say("%s: %s\n", prog, err);
        return 2;
    }
    if (*n == 0) {
        pcb_say("%s: --metric=%s: no case of the database has this metric%s\n", prog, c->metric,
                c->filter || c->machine ? " (with the --filter and --machine given)" : "");
        return 2;
    }
    return 0;
}

#define MAXCH 64

static int cmd_changes(struct cli *c)
{
    struct pcb_hdb_series *s;
    size_t n, nregressed_latest = 0, nchanges = 0;
    int rc = load(c, "pcbench-history changes", &s, &n);
    bool higher = pcb_hdb_higher_is_better(c->metric), first = true;

    if (rc)
        return rc;
    if (c->format == FMT_JSON)
        printf("{\"metric\": ");
    if (c->format == FMT_JSON) {
        json_str(stdout, c->metric);
        printf(", \"changes\": [");
    } else if (c->format == FMT_MD) {
        printf("| machine | case | commit | date | before | after | change | direction | score "
               "|\n|---|---|---|---|---|---|---|---|---|\n");
    } else {
        printf("%-12s %-14s %12s %12s %8s  %-11s %6s  %s\n", "machine", "commit", "before", "after",
               "change", "direction", "score", "case");
    }
    for (size_t i = 0; i < n; i++) {
        struct pcb_cp_change ch[MAXCH];
        int k = pcb_hist_judge(&s[i], ch, MAXCH);
        if (k == PCB_CP_NOMEM || k == PCB_CP_BAD) {
            pcb_say("pcbench-history changes: %s: %s\n", s[i].name,
                    k == PCB_CP_BAD ? "a value is zero or negative; the metric cannot be judged"
                                    : "out of memory");
            pcb_hdb_series_free(s, n);
            return 2;
        }
        for (int j = 0; j < k && j < MAXCH; j++) {
            const struct pcb_hdb_point *p = &s[i].points[ch[j].at];
            bool regression = (ch[j].change > 0) != higher;
            nchanges++;
            if (regression && ch[j].at + c->latest >= s[i].n)
                nregressed_latest++;
            if (c->format == FMT_JSON) {
                printf("%s\n  {\"machine\": ", first ? "" : ",");
                first = false;
                json_str(stdout, s[i].machine);
                printf(", \"case\": ");
                json_str(stdout, s[i].name);
                printf(", \"commit\": ");
                json_str(stdout, p->commit);
                printf(", \"date\": ");
                json_str(stdout, p->date);
                printf(", \"run\": %ld, \"index\": %zu, \"runs\": %zu, \"before\": %.6g, "
                       "\"after\": %.6g, \"change\": %.6f, \"direction\": \"%s\", "
                       "\"score\": %.3f}",
                       p->run, ch[j].at, s[i].n, ch[j].before, ch[j].after, ch[j].change,
                       regression ? "regression" : "improvement", ch[j].score);
            } else if (c->format == FMT_MD) {
                printf("| %s | `%s` | %s | %s | %.4g | %.4g | %+.1f%% | %s | %.1f |\n",
                       s[i].machine, s[i].name, p->commit, p->date, ch[j].before, ch[j].after,
                       ch[j].change * 100, regression ? "**regression**" : "improvement",
                       ch[j].score);
            } else {
                printf("%-12s %-14s %12.4g %12.4g %+7.1f%%  %-11s %6.1f  %s\n", s[i].machine,
                       p->commit, ch[j].before, ch[j].after, ch[j].change * 100,
                       regression ? "regression" : "improvement", ch[j].score, s[i].name);
            }
        }
    }
    /* Series too short to judge are said so, never guessed at. */
    first = true;
    if (c->format == FMT_JSON)
        printf("\n], \"too_short\": [");
    for (size_t i = 0; i < n; i++) {
        if (s[i].n >= 2 * PCB_CP_MIN_SEG)
            continue;
        if (c->format == FMT_JSON) {
            printf("%s\n  {\"machine\": ", first ? "" : ",");
            json_str(stdout, s[i].machine);
            printf(", \"case\": ");
            json_str(stdout, s[i].name);
            printf(", \"runs\": %zu}", s[i].n);
        } else {
            printf("%s%s %s: %zu runs; too short to judge (at least %d are needed)\n",
                   first ? "\n" : "", s[i].machine, s[i].name, s[i].n, 2 * PCB_CP_MIN_SEG);
        }
        first = false;
    }
    if (c->format == FMT_JSON)
        printf("\n]}\n");
    else
        printf("\n%zu change points in %zu series (metric %s)\n", nchanges, n, c->metric);
    pcb_hdb_series_free(s, n);
    if (c->fail_on_latest && nregressed_latest > 0) {
        fprintf(stderr,
                "pcbench-history changes: %zu regressions start in the newest %llu runs of "
                "their series\n",
                nregressed_latest, (unsigned long long)c->latest);
        return 1;
    }
    return 0;
}

static int cmd_html(struct cli *c)
{
    struct pcb_hdb_series *s;
    size_t n;
    char err[PCB_HDB_ERRLEN];

    if (c->out == NULL)
        return pcb_opts_refuse("pcbench-history html", "-o", NULL,
                               "required: the folder index.html is written to");
    int rc = load(c, "pcbench-history html", &s, &n);
    if (rc)
        return rc;
    rc = pcb_hist_dashboard(s, n, c->metric, c->out, err);
    pcb_hdb_series_free(s, n);
    if (rc) {
        pcb_say("pcbench-history html: %s\n", err);
        return 2;
    }
    printf("dashboard: %s/index.html (%zu series)\n", c->out, n);
    return 0;
}

int main(int argc, char **argv)
{
    struct cli c = {.db = "results/history.db", .metric = "real_time", .latest = 5};
    const struct sub *sub = NULL;
    int i = 1;

    /* --db may come before the subcommand. */
    while (i < argc && argv[i][0] == '-') {
        if (strcmp(argv[i], "-h") == 0 || strcmp(argv[i], "--help") == 0) {
            usage(stdout);
            return 0;
        }
        if (strncmp(argv[i], "--db=", 5) == 0)
            c.db = argv[i] + 5, i++;
        else if (strcmp(argv[i], "--db") == 0 && i + 1 < argc)
            c.db = argv[i + 1], i += 2;
        else
            return pcb_opts_refuse("pcbench-history", argv[i], NULL,
                                   "unknown option before the subcommand (only --db PATH)");
    }
    if (i >= argc) {
        pcb_say("pcbench-history: no subcommand; expected add, runs, changes or html\n");
        return 2;
    }
    for (size_t k = 0; k < sizeof(subs) / sizeof(subs[0]); k++)
        if (strcmp(argv[i], subs[k].name) == 0)
            sub = &subs[k];
    if (sub == NULL)
        return pcb_opts_refuse("pcbench-history", argv[i], NULL,
                               "unknown subcommand; expected add, runs, changes or html");
    char prog[64];
    snprintf(prog, sizeof(prog), "pcbench-history %s", sub->name);
    struct pcb_optset set = {
        .prog = prog, .opts = sub->opts, .nopts = sub->nopts, .positional = positional};
    int sargc = argc - i;
    char **sargv = argv + i;
    c.takes_files = strcmp(sub->name, "add") == 0;
    if ((c.files = calloc((size_t)argc, sizeof(*c.files))) == NULL)
        return 2;
    int rc = pcb_opts_parse(&set, &sargc, sargv, &c);
    if (rc == PCB_OPTS_HELP) {
        printf("usage: pcbench-history [--db PATH] %s\n", sub->usage);
        pcb_opts_usage(&set, stdout);
        free(c.files);
        return 0;
    }
    if (rc == 0) {
        if (strcmp(sub->name, "add") == 0)
            rc = cmd_add(&c);
        else if (strcmp(sub->name, "runs") == 0)
            rc = cmd_runs(&c);
        else if (strcmp(sub->name, "changes") == 0)
            rc = cmd_changes(&c);
        else
            rc = cmd_html(&c);
    }
    free(c.files);
    return rc;
}
