/*
 * html.c - the HTML renderer of html.h: page frame, escaping, filter bar and SVG line charts.
 */
#include "html.h"

#include "text.h"

#include <math.h>
#include <stdarg.h>
#include <stdlib.h>
#include <string.h>

/* Line colours, cycled. */
static const char *const palette[] = {"#1f77b4", "#d62728", "#2ca02c", "#9467bd",
                                      "#ff7f0e", "#8c564b", "#e377c2", "#17becf"};

/* One character of a page's text or of an attribute value, escaped as HTML needs. */
static void put_html(FILE *f, uint32_t cp, const char *bytes, size_t n)
{
    switch (cp) {
    case '&':
        fputs("&amp;", f);
        break;
    case '<':
        fputs("&lt;", f);
        break;
    case '>':
        fputs("&gt;", f);
        break;
    case '"':
        fputs("&quot;", f);
        break;
    case '\'':
        fputs("&#39;", f);
        break;
    default:
        fwrite(bytes, 1, n, f);
    }
}

void pcb_html_text(FILE *f, const char *s)
{
    if (s != NULL)
        pcb_text_write(f, s, 0, put_html);
}

void pcb_html_textf(FILE *f, const char *fmt, ...)
{
    char buf[1024];
    va_list ap;

    va_start(ap, fmt);
    vsnprintf(buf, sizeof(buf), fmt, ap);
    va_end(ap);
    pcb_html_text(f, buf);
}

void pcb_html_begin(FILE *f, const char *title)
{
    fputs(PCB_HTML_HEAD
          "<html lang=\"en\"><head><meta charset=\"utf-8\">\n"
          "<meta http-equiv=\"Content-Security-Policy\" content=\"default-src 'none'; "
          "style-src 'unsafe-inline'; script-src 'unsafe-inline'\">\n"
          "<meta name=\"viewport\" content=\"width=device-width\">\n<title>",
          f);
    pcb_html_text(f, title);
    fputs("</title>\n<style>\n"
          "body{font-family:sans-serif;margin:1em 2em;color:#222;background:#fff}\n"
          "table{border-collapse:collapse;margin:.5em 0}td,th{border:1px solid #ccc;"
          "padding:2px 8px;text-align:right}td:first-child,th:first-child{text-align:left}\n"
          "figure.chart{display:inline-block;margin:.5em;vertical-align:top;max-width:640px}\n"
          "figcaption{font-size:12px;max-width:640px;word-break:break-all}\n"
          ".filters{position:sticky;top:0;background:#f4f4f4;padding:.4em;z-index:1}\n"
          ".regression{color:#b00}.improvement{color:#070}[hidden]{display:none!important}\n"
          "</style></head><body>\n<h1>",
          f);
    pcb_html_text(f, title);
    fputs("</h1>\n", f);
}

/* Writes the <option>s of a select: "all", then each distinct non-empty value. */
static void options_of(FILE *f, const char *const *v, size_t n)
{
    fputs("<option value=\"\">all</option>", f);
    for (size_t i = 0; i < n; i++) {
        bool seen = v[i] == NULL || v[i][0] == '\0';
        for (size_t j = 0; j < i && !seen; j++)
            seen = v[j] != NULL && strcmp(v[i], v[j]) == 0;
        if (seen)
            continue;
        fputs("<option value=\"", f);
        pcb_html_text(f, v[i]);
        fputs("\">", f);
        pcb_html_text(f, v[i]);
        fputs("</option>", f);
    }
}

void pcb_html_filters(FILE *f, const char *const *strategies, size_t nstrategies,
                      const char *const *workloads, size_t nworkloads)
{
    fputs("<div class=\"filters\">Strategy <select id=\"f-strategy\">", f);
    options_of(f, strategies, nstrategies);
    fputs("</select> Workload <select id=\"f-workload\">", f);
    options_of(f, workloads, nworkloads);
    fputs("</select> <span id=\"f-count\"></span></div>\n", f);
}

void pcb_html_row_begin(FILE *f, const char *strategy, const char *workload)
{
    fputs("<tr data-strategy=\"", f);
    pcb_html_text(f, strategy ? strategy : "");
    fputs("\" data-workload=\"", f);
    pcb_html_text(f, workload ? workload : "");
    fputs("\">", f);
}

/* Chart geometry, in SVG user units. */
#define W 640
#define H 260
#define ML 70 /* left margin: the y labels */
#define MR 10
#define MT 10
#define MB 60 /* bottom margin: the x labels and the legend */

/* The data ranges of a chart, and whether x is drawn on a log scale. */
struct scale {
    bool logx;
    double xmin, xmax; /* log(x) when logx */
    double ymin, ymax;
};

/* Where x lies across the plot area; on a log axis, x <= 0 sits at the left edge. */
static double scale_x(const struct scale *s, double x)
{
    double v = x;
    if (s->logx && x <= 0)
        v = s->xmin;
    else if (s->logx)
        v = log(fmax(x, 1e-300)); /* x > 0 here; fmax says so to the static checker */
    return ML + (v - s->xmin) / (s->xmax - s->xmin) * (W - ML - MR);
}

static double scale_y(const struct scale *s, double y)
{
    return MT + (s->ymax - y) / (s->ymax - s->ymin) * (H - MT - MB);
}

void pcb_html_chart(FILE *f, const struct pcb_html_chart *c)
{
    double xmin = INFINITY, xmax = -INFINITY, ymin = INFINITY, ymax = -INFINITY;

    for (size_t s = 0; s < c->nseries; s++)
        for (size_t i = 0; i < c->series[s].n; i++) {
            double x = c->series[s].x[i], y = c->series[s].y[i];
            if (!isfinite(y) || !isfinite(x) || (c->logx && x <= 0))
                continue;
            x = c->logx ? log(x) : x;
            xmin = fmin(xmin, x), xmax = fmax(xmax, x);
            ymin = fmin(ymin, y), ymax = fmax(ymax, y);
        }
    if (!isfinite(xmin))
        xmin = 0, xmax = 1, ymin = 0, ymax = 1;
    if (xmax == xmin)
        xmin -= 0.5, xmax += 0.5;
    double pad = (ymax - ymin) * 0.08;
    if (pad == 0)
        pad = fabs(ymax) * 0.05 + 1e-9;
    ymin -= pad, ymax += pad;
    const struct scale sc = {c->logx, xmin, xmax, ymin, ymax};
#define PX(x) scale_x(&sc, (x))
#define PY(y) scale_y(&sc, (y))

    fputs("<figure class=\"chart\" data-case=\"", f);
    pcb_html_text(f, c->case_key ? c->case_key : c->title);
    fputs("\" data-strategy=\"", f);
    pcb_html_text(f, c->strategy ? c->strategy : "");
    fputs("\" data-workload=\"", f);
    pcb_html_text(f, c->workload ? c->workload : "");
    fputs("\"><figcaption>", f);
    pcb_html_text(f, c->title);
    fprintf(f,
            "</figcaption><svg xmlns=\"http://www.w3.org/2000/svg\" width=\"%d\" height=\"%d\" "
            "viewBox=\"0 0 %d %d\" role=\"img\"><rect width=\"%d\" height=\"%d\" "
            "fill=\"#fff\"/>",
            W, H, W, H, W, H);
    /* Axes and y ticks. */
    fprintf(f, "<path d=\"M%d %d V%d H%d\" stroke=\"#444\" fill=\"none\"/>", ML, MT, H - MB,
            W - MR);
    for (int t = 0; t <= 4; t++) {
        double v = ymin + (ymax - ymin) * t / 4;
        fprintf(f, "<text x=\"%d\" y=\"%.1f\" font-size=\"10\" text-anchor=\"end\">%.4g</text>",
                ML - 4, PY(v) + 3, v);
    }
    /* x ticks: the labels (at most 10 of them) or five numbers. */
    if (c->xticks != NULL && c->nxticks > 0) {
        size_t step = c->nxticks > 10 ? (c->nxticks + 9) / 10 : 1;
        for (size_t i = 0; i < c->nxticks; i += step) {
            fprintf(f, "<text x=\"%.1f\" y=\"%d\" font-size=\"9\" text-anchor=\"middle\">",
                    PX((double)i), H - MB + 12);
            pcb_html_text(f, c->xticks[i]);
            fputs("</text>", f);
        }
    } else {
        for (int t = 0; t <= 4; t++) {
            double v = xmin + (xmax - xmin) * t / 4;
            v = c->logx ? exp(v) : v;
            fprintf(f,
                    "<text x=\"%.1f\" y=\"%d\" font-size=\"10\" text-anchor=\"middle\">%.3g</text>",
                    PX(v), H - MB + 12, v);
        }
    }
    fprintf(f, "<text x=\"%d\" y=\"%d\" font-size=\"10\" text-anchor=\"middle\">", (W + ML) / 2,
            H - MB + 26);
    pcb_html_text(f, c->xlabel);
    fprintf(f,
            "</text><text x=\"12\" y=\"%d\" font-size=\"10\" text-anchor=\"middle\" "
            "transform=\"rotate(-90 12 %d)\">",
            (H - MB) / 2, (H - MB) / 2);
    pcb_html_text(f, c->ylabel);
    fputs("</text>", f);
    for (size_t m = 0; m < c->nmarks; m++)
        fprintf(f,
                "<line class=\"changepoint\" x1=\"%.1f\" x2=\"%.1f\" y1=\"%d\" y2=\"%d\" "
                "stroke=\"#d00\" stroke-dasharray=\"4 3\"/>",
                PX(c->marks[m] - 0.5), PX(c->marks[m] - 0.5), MT, H - MB);
    for (size_t s = 0; s < c->nseries; s++) {
        const struct pcb_html_series *sr = &c->series[s];
        const char *colour = palette[s % (sizeof(palette) / sizeof(palette[0]))];
        bool pen = false;
        fprintf(f, "<path class=\"series\" fill=\"none\" stroke=\"%s\" d=\"", colour);
        for (size_t i = 0; i < sr->n; i++) {
            if (!isfinite(sr->y[i]) || (c->logx && sr->x[i] <= 0)) {
                pen = false;
                continue;
            }
            fprintf(f, "%c%.1f %.1f ", pen ? 'L' : 'M', PX(sr->x[i]), PY(sr->y[i]));
            pen = true;
        }
        fputs("\"/>", f);
        for (size_t i = 0; i < sr->n; i++)
            if (isfinite(sr->y[i]) && !(c->logx && sr->x[i] <= 0)) {
                fprintf(f, "<circle cx=\"%.1f\" cy=\"%.1f\" r=\"2.5\" fill=\"%s\"><title>",
                        PX(sr->x[i]), PY(sr->y[i]), colour);
                if (c->xticks != NULL && sr->x[i] >= 0 && (size_t)sr->x[i] < c->nxticks)
                    pcb_html_text(f, c->xticks[(size_t)sr->x[i]]);
                else
                    fprintf(f, "%.4g", sr->x[i]);
                fprintf(f, ": %.4g</title></circle>", sr->y[i]);
            }
        fprintf(f, "<text x=\"%zu\" y=\"%d\" font-size=\"10\" fill=\"%s\">",
                (size_t)ML + (s % 4) * 140, H - 20 + (int)(s / 4) * 11, colour);
        pcb_html_text(f, sr->name);
        fputs("</text>", f);
    }
    fputs("</svg>", f);
    if (c->note != NULL) {
        fputs("<p class=\"note\">", f);
        fputs(c->note, f);
        fputs("</p>", f);
    }
    fputs("</figure>\n", f);
#undef PX
#undef PY
}

void pcb_html_end(FILE *f)
{
    fputs("<script>\n"
          "(function () {\n"
          "  var s = document.getElementById('f-strategy'), w = "
          "document.getElementById('f-workload');\n"
          "  if (!s || !w) return;\n"
          "  function apply() {\n"
          "    var shown = 0;\n"
          "    document.querySelectorAll('[data-strategy]').forEach(function (e) {\n"
          "      var ok = (!s.value || !e.dataset.strategy || e.dataset.strategy === s.value) &&\n"
          "               (!w.value || !e.dataset.workload || e.dataset.workload === w.value);\n"
          "      e.hidden = !ok;\n"
          "      if (ok && e.tagName === 'FIGURE') shown++;\n"
          "    });\n"
          "    document.getElementById('f-count').textContent = shown + ' charts';\n"
          "  }\n"
          "  s.addEventListener('change', apply);\n"
          "  w.addEventListener('change', apply);\n"
          "  apply();\n"
          "})();\n"
          "</script>\n</body></html>\n",
          f);
}
