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
 * of it); 2 on bad input or an unwritable DIR, after one line on stderr.
 */
#define _GNU_SOURCE
#include "report.h"

#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

static void usage(FILE *f)
{
    fprintf(f, "usage: pcbench-report RESULTS.json [MORE.json ...] [-o DIR]\n\n"
               "Writes a report of pcbench results into DIR: index.md (tables per workload with\n"
               "speedup and efficiency against Sequential, winners in bold, the Floor/IPC/\n"
               "Lifecycle families against their floors, hyperfine timings), results.csv (one row\n"
               "per case, every counter) and charts/ (SVG and PNG, made with gnuplot).\n\n"
               "Inputs: one Google Benchmark JSON file (raw repetitions and/or aggregates) and\n"
               "any number of hyperfine --export-json files.\n"
               "  -o, --output DIR   where to write (default: the first input's path with .json\n"
               "                     replaced by -report)\n"
               "  -h, --help         this text\n");
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
    const char *out = NULL;
    const char **inputs = calloc((size_t)argc, sizeof(*inputs));
    size_t ninputs = 0, nfailed = 0;
    char err[PCB_RP_ERRLEN], dflt[4096];
    int rc;

    if (!inputs) {
        fprintf(stderr, "pcbench-report: out of memory\n");
        return 2;
    }
    for (int i = 1; i < argc; i++) {
        const char *a = argv[i];
        if (strcmp(a, "-h") == 0 || strcmp(a, "--help") == 0) {
            usage(stdout);
            free(inputs);
            return 0;
        } else if (strcmp(a, "-o") == 0 || strcmp(a, "--output") == 0) {
            if (i + 1 >= argc || !argv[i + 1][0]) {
                fprintf(stderr, "pcbench-report: %s needs a directory (-o DIR)\n", a);
                free(inputs);
                return 2;
            }
            out = argv[++i];
        } else if (strncmp(a, "--output=", 9) == 0 && a[9]) {
            out = a + 9;
        } else if (a[0] == '-' && a[1]) {
            fprintf(stderr, "pcbench-report: %s: unknown option; allowed: -o DIR, --help\n", a);
            free(inputs);
            return 2;
        } else {
            inputs[ninputs++] = a;
        }
    }
    if (ninputs == 0) {
        fprintf(stderr, "pcbench-report: no result file given; usage: pcbench-report "
                        "RESULTS.json [-o DIR]\n");
        free(inputs);
        return 2;
    }
    memset(&r, 0, sizeof(r));
    for (size_t i = 0; i < ninputs; i++)
        if (pcb_rp_load(&r, inputs[i], err)) {
            fprintf(stderr, "pcbench-report: %s\n", err);
            pcb_rp_report_free(&r);
            free(inputs);
            return 2;
        }
    if (!out) {
        size_t n = strlen(inputs[0]);
        if (n > 5 && strcmp(inputs[0] + n - 5, ".json") == 0)
            n -= 5;
        snprintf(dflt, sizeof(dflt), "%.*s-report", (int)n, inputs[0]);
        out = dflt;
    }
    free(inputs);
    /* The model first: input it rejects must not leave an empty report directory behind. */
    if (pcb_rp_model_build(&r, err)) {
        fprintf(stderr, "pcbench-report: %s\n", err);
        pcb_rp_report_free(&r);
        return 2;
    }
    if ((rc = make_dirs(out)) != 0) {
        fprintf(stderr, "pcbench-report: -o %s: cannot write there: %s\n", out, strerror(-rc));
        pcb_rp_report_free(&r);
        return 2;
    }
    pcb_rp_charts(&r, out);
    if (pcb_rp_write_csv(&r, out, err) || pcb_rp_write_markdown(&r, out, err)) {
        fprintf(stderr, "pcbench-report: %s\n", err);
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
