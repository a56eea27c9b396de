/*
 * main.c - pcbench-report: result files in, a readable report directory out.
 *
 *   pcbench-report RESULTS.json [MORE.json ...] [-o DIR]
 *
 * Each input is a Google Benchmark JSON file (pcbench --benchmark_out=...; one per report) or a
 * hyperfine --export-json file (any number); the kind is told by the content. DIR defaults to the
 * first input's path with ".json" replaced by "-report" (results/suite-X.json ->
 * results/suite-X-report/), so each result file keeps its report next to it. DIR receives index.md,
 * index.html (the same tables and charts as one page), results.csv, charts.gp and charts/ (SVG +
 * PNG; skipped with a note in index.md when gnuplot is missing).
 *
 * Nothing is lost: a file of DIR is replaced only when the report wrote it (check_owned()), so
 * a folder of the user's own holding an index.md or index.html is refused, not overwritten.
 *
 * Exit status: 0 when the report was written (failed cases are part of a report, not an error
 * of it); 2 on bad input (a FIFO or device among the inputs, too), an unwritable DIR, a DIR
 * holding a file of a report's name that the report did not write, or a write that failed,
 * after one line on stderr; then DIR is as it was (see struct staging). The options are one
 * table, options[], run by the option engine (opts.h), which also prints their usage.
 */
#define _GNU_SOURCE
#include "report.h"

#include "html.h"
#include "opts.h"
#include "owned.h"

#include <dirent.h>
#include <errno.h>
#include <ftw.h>
#include <signal.h>
#include <stdbool.h>
#include <stddef.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

/* The command line. */
struct cli {
    const char *out;     /* -o DIR, or NULL for the default */
    const char **inputs; /* the result files, in order */
    size_t ninputs;      /* how many */
    bool help;           /* --help was given */
};

/* Result files: every argument that is not an option ("--" changes nothing). */
static int positional(void *opts, const char *arg, char *why, size_t cap)
{
    struct cli *c = opts;

    (void)why, (void)cap;
    if (arg != NULL)
        c->inputs[c->ninputs++] = arg;
    return 0;
}

static const struct pcb_opt options[] = {
    {.name = "--output",
     .alias = "-o",
     .arg = "DIR",
     .help = "where to write (default: the first input's path with\n.json replaced by -report)",
     .kind = PCB_OPT_TEXT,
     .offset = offsetof(struct cli, out)},
    {.name = "--help",
     .alias = "-h",
     .help = "this text",
     .kind = PCB_OPT_FLAG,
     .offset = offsetof(struct cli, help),
     .flags = PCB_OPT_HELP},
};

static const struct pcb_optset optset = {
    .prog = "pcbench-report",
    .opts = options,
    .nopts = sizeof(options) / sizeof(options[0]),
    .positional = positional,
};

static void usage(FILE *f)
{
    fprintf(f, "usage: pcbench-report RESULTS.json [MORE.json ...] [-o DIR]\n\n"
               "Writes a report of pcbench results into DIR: index.md (tables per workload with\n"
               "speedup and efficiency against Sequential, winners in bold, the Floor/IPC/\n"
               "Lifecycle families against their floors, hyperfine timings), results.csv (one row\n"
               "per case, every counter), index.html (the tables and charts as one page) and\n"
               "charts/ (SVG and PNG, made with gnuplot).\n\n"
               "Inputs: one Google Benchmark JSON file (raw repetitions and/or aggregates) and\n"
               "any number of hyperfine --export-json files.\n");
    pcb_opts_usage(&optset, f);
}

/*
 * Where the report is written: a staging folder, moved into place only when every file of the
 * report was written, so that a report that fails halfway (a full disk, an interrupt) leaves
 * DIR as it was and nothing of its own behind. When DIR does not exist, the staging folder is
 * made beside it (as PARENT/.NAME.partial-XXXXXX) and renamed to DIR at the end; when it does,
 * the staging folder is made inside it and its files are moved over DIR's, one rename each.
 * Nothing the user had is ever deleted: a file of DIR is only replaced by the new report's file
 * of the same name, and only when it is a file of an earlier report (check_owned()); only
 * folders this run made are removed.
 */
struct staging {
    const char *out; /* DIR as given */
    char *stage;     /* the staging folder (malloc'ed) */
    bool fresh;      /* DIR did not exist: stage becomes it */
    char *made_top;  /* the outermost of DIR's parents this run made, or NULL */
    char *parent;    /* DIR's parent folder (malloc'ed) */
};

/* The staging folder of the interrupted run, removed by the signal handler's caller. */
static struct staging *active;

/* Removes one file or empty folder of a tree (nftw's callback). */
static int remove_entry(const char *path, const struct stat *st, int type, struct FTW *ftw)
{
    (void)st, (void)ftw;
    if (type == FTW_DP)
        rmdir(path);
    else
        unlink(path);
    return 0;
}

/* Removes the parents of DIR this run made (each only when empty), from the innermost up. */
static void unmake_parents(struct staging *sg)
{
    if (sg->made_top == NULL)
        return;
    char *p = strdup(sg->parent);
    while (p != NULL && rmdir(p) == 0 && strcmp(p, sg->made_top) != 0) {
        char *slash = strrchr(p, '/');
        if (slash == NULL || slash == p)
            break;
        *slash = '\0';
    }
    free(p);
}

/* Gives the report up: the staging folder and the parents this run made go. */
static void staging_abort(struct staging *sg)
{
    if (sg->stage != NULL)
        nftw(sg->stage, remove_entry, 16, FTW_DEPTH | FTW_PHYS);
    unmake_parents(sg);
    free(sg->stage);
    free(sg->made_top);
    free(sg->parent);
    sg->stage = sg->made_top = sg->parent = NULL;
    active = NULL;
}

/* mkdir -p of sg->parent, noting the outermost folder made. Returns 0 or -errno. */
static int make_parents(struct staging *sg)
{
    char *p = strdup(sg->parent);
    struct stat st;
    int err = 0;

    if (p == NULL)
        return -ENOMEM;
    for (char *s = p + 1;; s++) {
        if (*s != '/' && *s != '\0')
            continue;
        char c = *s;
        *s = '\0';
        if (mkdir(p, 0755) == 0) {
            if (sg->made_top == NULL && (sg->made_top = strdup(p)) == NULL)
                err = -ENOMEM;
        } else if (errno != EEXIST) {
            err = -errno;
        }
        *s = c;
        if (err || c == '\0')
            break;
    }
    if (!err && (stat(p, &st) != 0 || !S_ISDIR(st.st_mode)))
        err = -ENOTDIR;
    free(p);
    return err;
}

/* Makes the staging folder for sg->out. Returns 0 or -errno. */
static int staging_open(struct staging *sg, const char *out)
{
    struct stat st;
    char *name = NULL, *trimmed = strdup(out);
    size_t n;
    int err = 0;

    memset(sg, 0, sizeof(*sg));
    sg->out = out;
    if (trimmed == NULL)
        return -ENOMEM;
    for (n = strlen(trimmed); n > 1 && trimmed[n - 1] == '/'; n--)
        trimmed[n - 1] = '\0';
    if (stat(trimmed, &st) == 0) {
        if (!S_ISDIR(st.st_mode))
            err = -ENOTDIR;
        else if (access(trimmed, W_OK) != 0)
            err = -errno;
        else if (asprintf(&sg->stage, "%s/.pcbench-report.partial-XXXXXX", trimmed) < 0)
            err = -ENOMEM, sg->stage = NULL;
    } else if (errno != ENOENT) {
        err = -errno;
    } else {
        char *slash = strrchr(trimmed, '/');
        sg->fresh = true;
        if (slash == NULL) {
            sg->parent = strdup(".");
            name = strdup(trimmed);
        } else {
            sg->parent =
                slash == trimmed ? strdup("/") : strndup(trimmed, (size_t)(slash - trimmed));
            name = strdup(slash + 1);
        }
        if (sg->parent == NULL || name == NULL)
            err = -ENOMEM;
        else if ((err = make_parents(sg)) == 0 &&
                 asprintf(&sg->stage, "%s/.%s.partial-XXXXXX", sg->parent, name) < 0)
            err = -ENOMEM, sg->stage = NULL;
    }
    free(trimmed);
    free(name);
    if (!err && mkdtemp(sg->stage) == NULL)
        err = -errno;
    if (err) {
        free(sg->stage);
        sg->stage = NULL;
        staging_abort(sg);
        return err;
    }
    active = sg;
    return 0;
}

/* The files of a report in DIR besides charts/, in the order they are put in place (index.md,
 * which links the others, last), each with the first bytes by which the report knows one it
 * wrote (report.h). */
static const struct {
    const char *name; /* in DIR */
    const char *head; /* what the report's own starts with */
} outputs[] = {
    {"charts.gp", PCB_RP_GP_HEAD},
    {"results.csv", PCB_RP_CSV_HEAD},
    {"scaling.csv", PCB_RP_SCALING_CSV_HEAD},
    {"index.html", PCB_HTML_HEAD},
    {"index.md", PCB_RP_MD_HEAD},
};

/*
 * Nothing is lost: before the report writes anything, and again before it puts its files in
 * place, every file of outputs[] that DIR holds must start with the report's head (owned.h),
 * and a charts/ there must sit beside a charts.gp of the report's: the images in charts/ carry
 * no mark of their own, and the report makes them together with that script. Files of other
 * names in DIR and in charts/ are never touched, so they need no check. Returns 0 (DIR is new,
 * or all that is in the way is the report's), or 2 after one line naming the first file that is
 * not; DIR is not touched.
 */
static int check_owned(const char *out)
{
    char path[4096];
    struct stat st;
    int n = (int)strlen(out);

    if (stat(out, &st) != 0 || !S_ISDIR(st.st_mode))
        return 0; /* a new DIR, or one that staging_open() refuses */
    while (n > 1 && out[n - 1] == '/')
        n--;
    for (size_t i = 0; i < sizeof(outputs) / sizeof(outputs[0]); i++) {
        snprintf(path, sizeof(path), "%.*s/%s", n, out, outputs[i].name);
        if (pcb_owned_check(path, outputs[i].head) == PCB_OWNED_OTHER) {
            pcb_say("pcbench-report: -o %s: %s is not a file pcbench-report "
                    "wrote; " PCB_OWNED_LEFT_ALONE "\n",
                    out, path);
            return 2;
        }
    }
    snprintf(path, sizeof(path), "%.*s/charts.gp", n, out);
    bool script = pcb_owned_check(path, PCB_RP_GP_HEAD) == PCB_OWNED_OURS;
    snprintf(path, sizeof(path), "%.*s/charts", n, out);
    if (lstat(path, &st) == 0 && (!S_ISDIR(st.st_mode) || !script)) {
        pcb_say("pcbench-report: -o %s: %s is not a folder pcbench-report made (there is no "
                "charts.gp of its own beside it); " PCB_OWNED_LEFT_ALONE "\n",
                out, path);
        return 2;
    }
    return 0;
}

/* Moves stage/sub/name over out/sub/name. Returns 0 or -errno. */
static int move_one(const struct staging *sg, const char *sub, const char *name)
{
    char from[4096], to[4096];

    snprintf(from, sizeof(from), "%s/%s%s%s", sg->stage, sub, *sub ? "/" : "", name);
    snprintf(to, sizeof(to), "%s/%s%s%s", sg->out, sub, *sub ? "/" : "", name);
    return rename(from, to) == 0 ? 0 : -errno;
}

/* Puts the report in place. Returns 0, or -errno with the file that could not be moved in
 * *what. */
static int staging_commit(struct staging *sg, const char **what)
{
    char charts[4096], target[4096];
    struct stat st;
    int err = 0;

    *what = sg->out;
    if (sg->fresh && rename(sg->stage, sg->out) == 0) {
        free(sg->stage);
        sg->stage = NULL;
        staging_abort(sg); /* frees what is left; DIR now exists, so no parent is empty */
        return 0;
    }
    /* Into an existing DIR: charts first, index.md, which links them, last. */
    snprintf(charts, sizeof(charts), "%s/charts", sg->stage);
    snprintf(target, sizeof(target), "%s/charts", sg->out);
    if (stat(charts, &st) == 0) {
        if (stat(target, &st) != 0) {
            err = move_one(sg, "", "charts");
        } else {
            DIR *d = opendir(charts);
            struct dirent *e;
            if (d == NULL)
                err = -errno;
            while (d != NULL && !err && (e = readdir(d)) != NULL)
                if (strcmp(e->d_name, ".") != 0 && strcmp(e->d_name, "..") != 0)
                    err = move_one(sg, "charts", e->d_name);
            if (d != NULL)
                closedir(d);
        }
        if (err)
            *what = "charts/";
    }
    for (size_t i = 0; i < sizeof(outputs) / sizeof(outputs[0]) && !err; i++) {
        char from[4096];
        snprintf(from, sizeof(from), "%s/%s", sg->stage, outputs[i].name);
        if (stat(from, &st) == 0 && (err = move_one(sg, "", outputs[i].name)) != 0)
            *what = outputs[i].name;
    }
    staging_abort(sg); /* the staging folder, now empty unless something failed */
    return err;
}

/* SIGINT, SIGTERM, SIGHUP: stop gnuplot, then main() removes the staging folder and dies of
 * the same signal. */
static volatile sig_atomic_t caught;

static void on_signal(int sig)
{
    caught = sig;
    pcb_rp_stop = 1;
}

/* After an interrupt: nothing of this run is kept, and the process ends by the signal. */
static void die_if_interrupted(void)
{
    if (!caught)
        return;
    if (active != NULL)
        staging_abort(active);
    signal(caught, SIG_DFL);
    raise(caught);
    _exit(128 + caught);
}

/* A result file must be a regular file: a FIFO would block the report until someone writes
 * it, and a device is no result file. Directories are left to the reader, which says so. Returns
 * 0, or 2 after one line. */
static int check_input(const char *path)
{
    struct stat st;

    if (stat(path, &st) != 0 || S_ISREG(st.st_mode) || S_ISDIR(st.st_mode))
        return 0;
    pcb_say("pcbench-report: %s: is a %s; expected a regular result file\n", path,
            S_ISFIFO(st.st_mode)  ? "FIFO"
            : S_ISCHR(st.st_mode) ? "character device"
            : S_ISBLK(st.st_mode) ? "block device"
                                  : "socket");
    return 2;
}

int main(int argc, char **argv)
{
    struct pcb_rp_report r;
    struct staging sg;
    struct cli cli = {NULL, NULL, 0, false};
    size_t nfailed = 0;
    char err[PCB_RP_ERRLEN], dflt[4096];
    const char *out;
    int rc;

    if (!(cli.inputs = calloc((size_t)argc, sizeof(*cli.inputs)))) {
        pcb_say("pcbench-report: out of memory\n");
        return 2;
    }
    rc = pcb_opts_parse(&optset, &argc, argv, &cli);
    if (rc == PCB_OPTS_HELP)
        usage(stdout);
    if (rc != 0) {
        free(cli.inputs);
        return rc == PCB_OPTS_HELP ? 0 : 2;
    }
    if (cli.ninputs == 0) {
        pcb_say("pcbench-report: no result file given; usage: pcbench-report RESULTS.json "
                "[-o DIR]\n");
        free(cli.inputs);
        return 2;
    }
    memset(&r, 0, sizeof(r));
    for (size_t i = 0; i < cli.ninputs; i++)
        if (check_input(cli.inputs[i])) {
            free(cli.inputs);
            return 2;
        }
    for (size_t i = 0; i < cli.ninputs; i++)
        if (pcb_rp_load(&r, cli.inputs[i], err)) {
            pcb_say("pcbench-report: %s\n", err);
            pcb_rp_report_free(&r);
            free(cli.inputs);
            return 2;
        }
    if (r.ncases == 0) {
        /* An empty report would look like a run in which nothing happened. */
        pcb_say("pcbench-report: %s%s: %s no case; nothing to report\n", cli.inputs[0],
                cli.ninputs > 1 ? " and the other inputs" : "", cli.ninputs > 1 ? "hold" : "holds");
        pcb_rp_report_free(&r);
        free(cli.inputs);
        return 2;
    }
    out = cli.out;
    if (!out) {
        size_t n = strlen(cli.inputs[0]);
        if (n > 5 && strcmp(cli.inputs[0] + n - 5, ".json") == 0)
            n -= 5;
        snprintf(dflt, sizeof(dflt), "%.*s-report", (int)n, cli.inputs[0]);
        out = dflt;
    }
    free(cli.inputs);
    /* The model first: input it rejects must not leave an empty report directory behind. */
    if (pcb_rp_model_build(&r, err) || pcb_rp_scaling_build(&r, err)) {
        pcb_say("pcbench-report: %s\n", err);
        pcb_rp_report_free(&r);
        return 2;
    }
    /* Before anything is written: a file of the user's in DIR is refused, not replaced. */
    if (check_owned(out)) {
        pcb_rp_report_free(&r);
        return 2;
    }
    struct sigaction sa;
    memset(&sa, 0, sizeof(sa));
    sa.sa_handler = on_signal;
    sigemptyset(&sa.sa_mask);
    sigaction(SIGINT, &sa, NULL);
    sigaction(SIGTERM, &sa, NULL);
    sigaction(SIGHUP, &sa, NULL);
    if ((rc = staging_open(&sg, out)) != 0) {
        pcb_say("pcbench-report: -o %s: cannot write there: %s\n", out, strerror(-rc));
        pcb_rp_report_free(&r);
        return 2;
    }
    pcb_rp_charts(&r, sg.stage);
    die_if_interrupted();
    if (pcb_rp_write_csv(&r, sg.stage, out, err) ||
        pcb_rp_write_scaling_csv(&r, sg.stage, out, err) ||
        pcb_rp_write_html(&r, sg.stage, out, err) ||
        pcb_rp_write_markdown(&r, sg.stage, out, err)) {
        staging_abort(&sg);
        die_if_interrupted();
        pcb_say("pcbench-report: %s\n", err);
        pcb_rp_report_free(&r);
        return 2;
    }
    die_if_interrupted();
    /* Again, for a file put in DIR while the report was being written (gnuplot takes seconds). */
    if (check_owned(out)) {
        staging_abort(&sg);
        pcb_rp_report_free(&r);
        return 2;
    }
    const char *what;
    if ((rc = staging_commit(&sg, &what)) != 0) {
        pcb_say("pcbench-report: -o %s: cannot put %s in place: %s\n", out, what, strerror(-rc));
        pcb_rp_report_free(&r);
        return 2;
    }
    for (size_t i = 0; i < r.ncases; i++)
        nfailed += r.cases[i].failed != 0;
    printf("report: %s/index.md (%zu cases, %zu failed; charts %s%s)\n", out, r.ncases, nfailed,
           r.charts_done ? "in " : "skipped: ", r.charts_done ? "charts/" : r.charts_note);
    pcb_rp_report_free(&r);
    return 0;
}
