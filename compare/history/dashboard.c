/*
 * dashboard.c - the page of pcbench-history html (dashboard.h).
 */
#define _GNU_SOURCE
#include "dashboard.h"

#include "casename.h"
#include "html.h"
#include "outfile.h"
#include "owned.h"

#include <errno.h>
#include <math.h>
#include <stdarg.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#define fail pcb__hdb_fail

/* What the page shows of one series. */
struct item {
    const struct pcb_hdb_series *s;
    struct pcb_name name;     /* parsed */
    char strategy[128];       /* matrix: the strategy; else the family's first part */
    char workload[128];       /* matrix: the workload; else "" */
    char group[PCB_NAME_MAX]; /* the input: workload, tasks and parameters */
    double latest;            /* value in the newest run, NAN when the case is not in it */
};

int pcb_hist_judge(const struct pcb_hdb_series *s, struct pcb_cp_change *out, size_t cap)
{
    double *x = malloc((s->n ? s->n : 1) * sizeof(*x));
    if (x == NULL)
        return PCB_CP_NOMEM;
    for (size_t i = 0; i < s->n; i++)
        x[i] = s->points[i].value;
    int k = pcb_cp_detect(x, s->n, out, cap);
    free(x);
    return k;
}

static void describe(struct item *it, const struct pcb_hdb_series *s, long newest)
{
    it->s = s;
    pcb_name_parse(s->name, NULL, &it->name);
    it->latest = NAN;
    if (s->n > 0 && s->points[s->n - 1].run == newest)
        it->latest = s->points[s->n - 1].value;
    if (it->name.family == PCB_NAME_MATRIX) {
        snprintf(it->strategy, sizeof(it->strategy), "%s", it->name.strategy);
        snprintf(it->workload, sizeof(it->workload), "%s", it->name.workload);
        int len = snprintf(it->group, sizeof(it->group), "%s tasks:%llu", it->name.workload,
                           (unsigned long long)it->name.tasks);
        for (size_t p = 0; p < it->name.nparams && len > 0 && (size_t)len < sizeof(it->group); p++)
            len += snprintf(it->group + len, sizeof(it->group) - (size_t)len, " %s:%s",
                            it->name.params[p].key, it->name.params[p].value);
    } else {
        size_t k = strcspn(s->name, "/");
        snprintf(it->strategy, sizeof(it->strategy), "%.*s", (int)k, s->name);
        it->workload[0] = '\0';
        it->group[0] = '\0';
    }
}

static int by_group_then_value(const void *a, const void *b)
{
    const struct item *x = *(const struct item *const *)a, *y = *(const struct item *const *)b;
    int c = strcmp(x->group, y->group);
    if (c)
        return c;
    return (x->latest > y->latest) - (x->latest < y->latest);
}

/* The latest run's comparison: per input, every strategy and worker count, fastest first. */
static void comparison(FILE *f, struct item *items, size_t n, const char *metric, bool higher)
{
    struct item **rows = malloc((n ? n : 1) * sizeof(*rows));
    size_t nr = 0;
    if (rows == NULL)
        return;
    for (size_t i = 0; i < n; i++)
        if (isfinite(items[i].latest) && items[i].name.family == PCB_NAME_MATRIX)
            rows[nr++] = &items[i];
    qsort(rows, nr, sizeof(*rows), by_group_then_value);
    fputs("<h2 id=\"latest\">The latest run: strategies compared</h2>\n", f);
    if (nr == 0) {
        fputs("<p>The newest run has no strategy x workload case.</p>\n", f);
        free(rows);
        return;
    }
    fputs("<table id=\"comparison\"><tr><th>input</th><th>strategy</th><th>workers</th><th>", f);
    pcb_html_text(f, metric);
    fputs("</th><th>vs best</th></tr>\n", f);
    for (size_t i = 0; i < nr; i++) {
        /* The best of the row's input: the first of the group (sorted ascending), or its last
         * when higher is better. */
        size_t g0 = i, g1 = i;
        while (g0 > 0 && strcmp(rows[g0 - 1]->group, rows[i]->group) == 0)
            g0--;
        while (g1 + 1 < nr && strcmp(rows[g1 + 1]->group, rows[i]->group) == 0)
            g1++;
        double best = higher ? rows[g1]->latest : rows[g0]->latest;
        pcb_html_row_begin(f, rows[i]->strategy, rows[i]->workload);
        fputs("<td>", f);
        pcb_html_text(f, rows[i]->group);
        fputs("</td><td>", f);
        pcb_html_text(f, rows[i]->strategy);
        for (size_t v = 0; v < rows[i]->name.nvariants; v++)
            pcb_html_textf(f, " %s:%s", rows[i]->name.variants[v].key,
                           rows[i]->name.variants[v].value);
        fprintf(f, "</td><td>%llu</td><td>%.4g</td><td>%.2fx</td></tr>\n",
                (unsigned long long)pcb_name_total_workers(&rows[i]->name), rows[i]->latest,
                higher ? best / rows[i]->latest : rows[i]->latest / best);
    }
    fputs("</table>\n", f);
    free(rows);
}

/* One chart per series, with its change points. */
static void chart(FILE *f, const struct item *it, const char *metric, bool higher)
{
    const struct pcb_hdb_series *s = it->s;
    double *x = malloc((s->n + 1) * sizeof(*x)), *y = malloc((s->n + 1) * sizeof(*y));
    const char **ticks = malloc((s->n + 1) * sizeof(*ticks));
    struct pcb_cp_change ch[64];
    double marks[64];
    int k = 0;

    char *note = NULL;
    size_t nlen = 0;
    FILE *nf = open_memstream(&note, &nlen);
    if (x && y && ticks && nf) {
        for (size_t i = 0; i < s->n; i++)
            x[i] = (double)i, y[i] = s->points[i].value, ticks[i] = s->points[i].commit;
        k = pcb_hist_judge(s, ch, 64);
        for (int j = 0; j < k && j < 64; j++)
            marks[j] = (double)ch[j].at;
        if (k == PCB_CP_TOO_SHORT)
            pcb_html_textf(nf, "%zu runs: too short to judge. ", s->n);
        else if (k == 0)
            fputs("No change point.", nf);
        for (int j = 0; j < k && j < 64; j++) {
            bool regression = (ch[j].change > 0) != higher;
            fprintf(nf, "<span class=\"%s\">", regression ? "regression" : "improvement");
            pcb_html_textf(nf, "%s at %s: %+.1f%%. ", regression ? "regression" : "improvement",
                           s->points[ch[j].at].commit, ch[j].change * 100);
            fputs("</span>", nf);
        }
        fclose(nf);
        nf = NULL;
        char title[PCB_NAME_MAX + 256];
        snprintf(title, sizeof(title), "%s (%s)", s->name, s->machine);
        struct pcb_html_series line = {metric, x, y, s->n};
        struct pcb_html_chart c = {.title = title,
                                   .case_key = s->name,
                                   .strategy = it->strategy,
                                   .workload = it->workload,
                                   .xlabel = "commit (oldest run first)",
                                   .ylabel = metric,
                                   .series = &line,
                                   .nseries = 1,
                                   .xticks = ticks,
                                   .nxticks = s->n,
                                   .marks = marks,
                                   .nmarks = k > 0 ? (size_t)(k < 64 ? k : 64) : 0,
                                   .note = note};
        pcb_html_chart(f, &c);
    }
    if (nf != NULL)
        fclose(nf);
    free(note);
    free(x), free(y), free(ticks);
}

/* DIR exists (made when missing, its parent must exist); *made says whether this call made
 * it. */
static int ensure_dir(const char *dir, bool *made, char *err)
{
    struct stat st;
    *made = false;
    if (stat(dir, &st) == 0)
        return S_ISDIR(st.st_mode) ? 0 : fail(err, "-o %s: not a folder", dir);
    if (mkdir(dir, 0755) != 0)
        return fail(err, "-o %s: cannot make the folder: %s (its parent must exist)", dir,
                    strerror(errno));
    *made = true;
    return 0;
}

int pcb_hist_dashboard(const struct pcb_hdb_series *s, size_t n, const char *metric,
                       const char *dir, char *err)
{
    struct item *items = calloc(n ? n : 1, sizeof(*items));
    const char **strategies = calloc(n ? n : 1, sizeof(*strategies));
    const char **workloads = calloc(n ? n : 1, sizeof(*workloads));
    bool higher = pcb_hdb_higher_is_better(metric), made = false;
    char *page = NULL, path[4096], why[512];
    size_t len = 0;
    long newest = 0;
    const char *newest_date = "";
    int rc = -1;

    if (!items || !strategies || !workloads) {
        fail(err, "out of memory");
        goto out;
    }
    for (size_t i = 0; i < n; i++)
        for (size_t k = 0; k < s[i].n; k++)
            if (strcmp(s[i].points[k].date, newest_date) > 0 ||
                (strcmp(s[i].points[k].date, newest_date) == 0 && s[i].points[k].run > newest))
                newest = s[i].points[k].run, newest_date = s[i].points[k].date;
    for (size_t i = 0; i < n; i++) {
        describe(&items[i], &s[i], newest);
        strategies[i] = items[i].strategy, workloads[i] = items[i].workload;
    }
    FILE *f = open_memstream(&page, &len);
    if (f == NULL) {
        fail(err, "out of memory");
        goto out;
    }
    pcb_html_begin(f, "pcbench history");
    pcb_html_textf(f, "%zu series; metric %s (%s is better); the newest run is of %s. ", n, metric,
                   higher ? "higher" : "lower", newest_date);
    fputs("Dashed red lines mark change points: the first run of a new level.\n", f);
    pcb_html_filters(f, strategies, n, workloads, n);
    comparison(f, items, n, metric, higher);
    fputs("<h2 id=\"series\">Every case over time</h2>\n<div id=\"charts\">\n", f);
    for (size_t i = 0; i < n; i++)
        chart(f, &items[i], metric, higher);
    fputs("</div>\n", f);
    pcb_html_end(f);
    if (fclose(f) != 0 || page == NULL) {
        fail(err, "out of memory");
        goto out;
    }
    if (ensure_dir(dir, &made, err))
        goto out;
    snprintf(path, sizeof(path), "%s/index.html", dir);
    /* Only a page pcbench wrote is replaced (owned.h). */
    if (pcb_owned_check(path, PCB_HTML_HEAD) == PCB_OWNED_OTHER) {
        fail(err, "-o %s: %s is not a page pcbench wrote; " PCB_OWNED_LEFT_ALONE, dir, path);
        goto out;
    }
    struct pcb_outfile of;
    if (pcb_outfile_open(&of, path, why, sizeof(why))) {
        fail(err, "-o %s: %s: %s", dir, path, why);
        goto out;
    }
    int w = pcb_outfile_write(&of, page, len);
    int cl = pcb_outfile_close(&of);
    if (w || cl) {
        fail(err, "-o %s: cannot write %s: %s", dir, path, strerror(-(w ? w : cl)));
        goto out;
    }
    rc = 0;
out:
    if (rc && made)
        rmdir(dir);
    free(page), free(items), free(strategies), free(workloads);
    return rc;
}
