/*
 * html.c - the report's index.html: the same tables and charts as index.md, drawn by the one
 * page renderer of pcbench (compare/html.h) that also draws the history dashboard.
 *
 * Per input (a group of the model): a chart of the median time against the axis (workers, or
 * tasks in flight on waiting work), one line per strategy and variant, and a table of every
 * case with its speedup and efficiency, the winner per column in bold. Then every case of the
 * other families (Floor/, IPC/, Lifecycle/, hyperfine commands) with its median and its floor
 * ratio. Failed cases are listed as FAILED with their message, never as a number.
 */
#include "report.h"

#include "html.h"

#include <errno.h>
#include <math.h>
#include <stdlib.h>
#include <string.h>

/* A number cell: v with fmt ("%.2f"), or "-" when v is not finite; `last` closes the row. */
static void number_cell(FILE *f, const char *fmt, double v, bool last)
{
    if (isfinite(v))
        fprintf(f, fmt, v);
    else
        fputs("-", f);
    fputs(last ? "</td></tr>\n" : "</td><td>", f);
}

/* The cells of a failed case: FAILED and its message over `span` columns, closing the row. */
static void failed_cells(FILE *f, const struct pcb_rp_case *c, int span)
{
    fprintf(f, "<td colspan=\"%d\">FAILED: ", span);
    pcb_html_text(f, c->error ? c->error : "");
    fputs("</td></tr>\n", f);
}

/* The chart of one group: median time against the axis, one line per series. */
static void group_chart(FILE *f, const struct pcb_rp_group *g)
{
    struct pcb_html_series *lines = calloc(g->nseries ? g->nseries : 1, sizeof(*lines));
    double *xs = calloc(g->nseries * g->nat + 1, sizeof(*xs));
    double *ys = calloc(g->nseries * g->nat + 1, sizeof(*ys));

    if (lines && xs && ys) {
        for (size_t s = 0; s < g->nseries; s++) {
            double *x = xs + s * g->nat, *y = ys + s * g->nat;
            for (size_t a = 0; a < g->nat; a++) {
                x[a] = g->at[a], y[a] = NAN;
                for (size_t k = 0; k < g->ncases; k++) {
                    const struct pcb_rp_case *c = g->cases[k];
                    if (c->at == g->at[a] && !c->failed && strcmp(c->series, g->series[s]) == 0)
                        y[a] = c->median_ns / 1e6;
                }
            }
            lines[s] = (struct pcb_html_series){g->series[s], x, y, g->nat};
        }
        /* A chart of a whole input shows every strategy: the strategy filter leaves it. */
        struct pcb_html_chart c = {.title = g->key,
                                   .case_key = g->key,
                                   .strategy = "",
                                   .workload = g->workload,
                                   .xlabel = g->axis,
                                   .ylabel = "median time (ms)",
                                   .series = lines,
                                   .nseries = g->nseries,
                                   .logx = true};
        pcb_html_chart(f, &c);
    }
    free(lines), free(xs), free(ys);
}

/* The table of one group: every case, fastest of its column in bold. */
static void group_table(FILE *f, const struct pcb_rp_group *g)
{
    char t[32];

    fprintf(f,
            "<table class=\"cases\"><tr><th>case</th><th>strategy</th><th>%s</th>"
            "<th>median</th><th>speedup</th><th>efficiency</th></tr>\n",
            strcmp(g->axis, "workers") == 0 ? "workers" : "in flight");
    for (size_t k = 0; k < g->ncases; k++) {
        const struct pcb_rp_case *c = g->cases[k];
        pcb_html_row_begin(f, c->strategy, c->workload);
        fputs("<td>", f);
        pcb_html_text(f, c->label);
        fputs("</td><td>", f);
        pcb_html_text(f, c->series);
        fprintf(f, "</td><td>%u</td>", c->at);
        if (c->failed) {
            failed_cells(f, c, 3);
            continue;
        }
        fprintf(f, "<td>%s", c->winner ? "<b>" : "");
        pcb_html_text(f, pcb_rp_fmt_time(t, sizeof(t), c->median_ns));
        fprintf(f, "%s</td><td>", c->winner ? "</b>" : "");
        number_cell(f, "%.2f", c->speedup, false);
        number_cell(f, "%.2f", c->efficiency, true);
    }
    fputs("</table>\n", f);
}

/* Every case that is not of the matrix, with its floor ratio. */
static void others(FILE *f, const struct pcb_rp_report *r)
{
    char t[32];
    bool any = false;

    for (size_t i = 0; i < r->ncases; i++) {
        const struct pcb_rp_case *c = &r->cases[i];
        if (c->family == PCB_RP_MATRIX)
            continue;
        if (!any)
            fputs("<h2 id=\"families\">Families and whole-process timings</h2>\n<table "
                  "class=\"cases\"><tr><th>case</th><th>median</th><th>vs floor</th></tr>\n",
                  f);
        any = true;
        size_t k = strcspn(c->label, "/");
        char family[64];
        snprintf(family, sizeof(family), "%.*s", (int)(k < 63 ? k : 63), c->label);
        pcb_html_row_begin(f, c->family == PCB_RP_WHOLE ? "hyperfine" : family, "");
        fputs("<td>", f);
        pcb_html_text(f, c->label);
        fputs("</td>", f);
        if (c->failed) {
            failed_cells(f, c, 2);
            continue;
        }
        fputs("<td>", f);
        pcb_html_text(f, pcb_rp_fmt_time(t, sizeof(t), c->median_ns));
        fputs("</td><td>", f);
        number_cell(f, "%.2fx", c->floor_ratio, true);
    }
    if (any)
        fputs("</table>\n", f);
}

int pcb_rp_write_html(const struct pcb_rp_report *r, const char *dir, const char *shown, char *err)
{
    const char **strategies = calloc(r->ncases + 2, sizeof(*strategies));
    const char **workloads = calloc(r->ngroups + 1, sizeof(*workloads));
    size_t ns = 0;
    char path[4096];
    FILE *f;

    if (strategies == NULL || workloads == NULL) {
        free(strategies), free(workloads);
        return pcb_rp_errf(err, "%s/index.html: out of memory", shown);
    }
    snprintf(path, sizeof(path), "%s/index.html", dir);
    if (!(f = fopen(path, "we"))) {
        free(strategies), free(workloads);
        return pcb_rp_errf(err, "%s/index.html: cannot write it: %s", shown, strerror(errno));
    }
    for (size_t i = 0; i < r->ncases; i++)
        if (r->cases[i].family == PCB_RP_MATRIX)
            strategies[ns++] = r->cases[i].strategy;
    for (size_t g = 0; g < r->ngroups; g++)
        workloads[g] = r->groups[g].workload;
    pcb_html_begin(f, "pcbench report");
    const char *host = pcb_rp_context(r, "host_name"), *date = pcb_rp_context(r, "date");
    const char *commit = pcb_rp_context(r, "pcbench_commit");
    pcb_html_textf(f, "%zu cases; machine %s, %u CPUs; run of %s, commit %s. ", r->ncases,
                   host ? host : "?", r->cpus, date ? date : "?", commit ? commit : "?");
    fputs("The same figures, with advice and the scaling model, are in "
          "<a href=\"index.md\">index.md</a>.\n",
          f);
    pcb_html_filters(f, strategies, ns, workloads, r->ngroups);
    for (size_t g = 0; g < r->ngroups; g++) {
        const struct pcb_rp_group *gr = &r->groups[g];
        fprintf(f, "<h2 data-strategy=\"\" data-workload=\"");
        pcb_html_text(f, gr->workload);
        fputs("\">", f);
        pcb_html_text(f, gr->key);
        fputs("</h2>\n", f);
        group_chart(f, gr);
        group_table(f, gr);
    }
    others(f, r);
    pcb_html_end(f);
    free(strategies), free(workloads);
    int bad = ferror(f) != 0, e = errno;
    if (fclose(f) != 0 && !bad) {
        bad = 1;
        e = errno;
    }
    if (bad)
        return pcb_rp_errf(err, "%s/index.html: cannot write it: %s", shown, strerror(e ? e : EIO));
    return 0;
}
