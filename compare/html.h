/*
 * html.h - the one HTML renderer of pcbench's pages: the history dashboard (pcbench-history
 * html) and the single-run report (pcbench-report's index.html) are written with it, so they
 * look and behave alike.
 *
 * A page is static and self-contained: its style, its script and its charts (inline SVG) are in
 * the file, and its Content-Security-Policy forbids every fetch (default-src 'none'), so a page
 * opened from a CI artifact or an e-mail loads nothing from any network. Charts are <figure
 * class="chart"> elements carrying data-case, data-strategy and data-workload; the filter bar
 * (pcb_html_filters) hides the figures and the table rows (<tr data-strategy=...>) that do not
 * match the chosen strategy and workload; an empty data-strategy or data-workload matches every
 * choice (a chart of a whole input, which shows every strategy). Change points are drawn as dashed
 * vertical lines (class "changepoint") at their x position.
 *
 * Every text is escaped here; callers pass plain strings. Writers print into a FILE (a memory
 * stream, so a page is written whole or not at all by the caller); they return nothing, and the
 * caller checks the stream once at the end.
 */
#ifndef PCB_HTML_H
#define PCB_HTML_H

#include "owned.h"

#include <stdbool.h>
#include <stddef.h>
#include <stdio.h>

/* The first line of every page after the doctype, so a tool knows a page it may replace. */
#define PCB_HTML_MARK PCB_OWNED_MARK
/* The first bytes of every page: what pcb_owned_check() is given for an index.html. */
#define PCB_HTML_HEAD "<!DOCTYPE html>\n" PCB_HTML_MARK "\n"

/* One line of a chart: points (x[i], y[i]); a NAN y is a gap. */
struct pcb_html_series {
    const char *name; /* legend text */
    const double *x;  /* x values, ascending */
    const double *y;  /* y values */
    size_t n;         /* points */
};

/* One chart. */
struct pcb_html_chart {
    const char *title;    /* caption (the case name) */
    const char *case_key; /* data-case; NULL: the title */
    const char *strategy; /* data-strategy, "" when none */
    const char *workload; /* data-workload, "" when none */
    const char *xlabel;   /* axis titles */
    const char *ylabel;
    const struct pcb_html_series *series; /* the lines */
    size_t nseries;
    const char *const *xticks; /* labels of x = 0, 1, 2, ... (commits), or NULL for a numeric
                                  axis */
    size_t nxticks;
    const double *marks; /* x positions of change points */
    size_t nmarks;
    bool logx;        /* a logarithmic x axis (worker counts) */
    const char *note; /* HTML shown under the chart (already escaped), or NULL */
};

/* <!DOCTYPE html>, PCB_HTML_MARK, <head> with the style and the policy, <body>, <h1>title. */
void pcb_html_begin(FILE *f, const char *title);
/* s with &, <, >, " and ' escaped, and control characters (and bytes outside UTF-8) shown as '?'
 * by compare/text.h's rules; never cut. */
void pcb_html_text(FILE *f, const char *s);
/* printf() of plain text, escaped. */
void pcb_html_textf(FILE *f, const char *fmt, ...) __attribute__((format(printf, 2, 3)));
/* The filter bar: one <select> of the strategies and one of the workloads (each list distinct,
 * "" entries left out), with "all" first. */
void pcb_html_filters(FILE *f, const char *const *strategies, size_t nstrategies,
                      const char *const *workloads, size_t nworkloads);
/* One chart as an inline SVG in a <figure>. */
void pcb_html_chart(FILE *f, const struct pcb_html_chart *c);
/* <tr> carrying data-strategy and data-workload, so the filters apply to it. */
void pcb_html_row_begin(FILE *f, const char *strategy, const char *workload);
/* The script of the filters, </body></html>. */
void pcb_html_end(FILE *f);

#endif
