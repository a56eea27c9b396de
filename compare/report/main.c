/*
 * main.c - pcbench-report: result files in, a readable report directory out.
 *
 *   pcbench-report RESULTS.json [MORE.json ...] [-o DIR]
 *
 * Each input is a Google Benchmark JSON file (pcbench --benchmark_out=...; one per report) or a
 * hyperfine --export-json file (any number); the kind is told by the content. DIR defaults to the
 * first input's path with ".json" replaced by "-report" (results/suite-X.json ->
 * results/suite-X-report/), so each result file keeps its report next to it. DIR receives index.md,
 * results.csv, charts.gp and charts/ (SVG + PNG; skipped with a note in index.md when gnuplot is
 * missing).
 *
 * Exit status: 0 when the report was written (failed cases are part of a report, not an error
 * of it); 2 on bad input or an unwritable DIR, after one line on stderr. The options are one
 * table, options[], run by the option engine (opts.h), which also prints their usage.
 */
#define _GNU_SOURCE
#include "report.h"

#include "opts.h"

#include <errno.h>
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
               "per case, every counter) and charts/ (SVG and PNG, made with gnuplot).\n\n"
               "Inputs: one Google Benchmark JSON file (raw repetitions and/or aggregates) and\n"
               "any number of hyperfine --export-json files.\n");
    pcb_opts_usage(&optset, f);
}

/* mkdir -p. Returns 0 or -errno. */
static int make_dirs(const char *dir)
{
    char *p = strdup(dir);
    struct stat st;
    int err = 0;

    if (!p)
        return -ENOMEM;
    for (char *s = p + 1; *s; s++) {
        if (*s != '/')
            continue;
        *s = '\0';
        if (mkdir(p, 0755) != 0 && errno != EEXIST) {
            err = -errno;
            break;
        }
        *s = '/';
    }
    if (!err && mkdir(p, 0755) != 0 && errno != EEXIST)
        err = -errno;
    if (!err && (stat(p, &st) != 0 || !S_ISDIR(st.st_mode)))
        err = -ENOTDIR;
    if (!err && access(p, W_OK) != 0)
        err = -errno;
    free(p);
    return err;
}

int main(int argc, char **argv)
{
    struct pcb_rp_report r;
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
        if (pcb_rp_load(&r, cli.inputs[i], err)) {
            pcb_say("pcbench-report: %s\n", err);
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
    if (pcb_rp_model_build(&r, err)) {
        pcb_say("pcbench-report: %s\n", err);
        pcb_rp_report_free(&r);
        return 2;
    }
    if ((rc = make_dirs(out)) != 0) {
        pcb_say("pcbench-report: -o %s: cannot write there: %s\n", out, strerror(-rc));
        pcb_rp_report_free(&r);
        return 2;
    }
    pcb_rp_charts(&r, out);
    if (pcb_rp_write_csv(&r, out, err) || pcb_rp_write_markdown(&r, out, err)) {
        pcb_say("pcbench-report: %s\n", err);
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
