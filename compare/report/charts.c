/*
 * charts.c - the charts: data files and one gnuplot script in DIR, run with gnuplot; see
 * report.h.
 *
 * Per matrix group: median time against workers (one line per strategy, stddev error bars,
 * Sequential as a dashed reference line), speedup against workers with the ideal line, and
 * peak RSS against workers. Across the file: IPC latency per mechanism (median, p50, p99
 * where reported, the floors as dashed lines) and whole-process times from hyperfine. Every
 * chart is written as SVG and PNG into DIR/charts/.
 *
 * Safety: gnuplot is run directly (fork + exec, no shell) on the generated DIR/charts.gp.
 * Text that comes from case names enters the script only inside single-quoted strings, with
 * quotes doubled and control characters replaced, and in "noenhanced" mode, so a name cannot
 * become a command; file names are slugs of [A-Za-z0-9._-] only.
 *
 * When gnuplot is missing or fails, the report is still written and says why.
 */
#define _GNU_SOURCE
#include "report.h"

#include <ctype.h>
#include <errno.h>
#include <fcntl.h>
#include <math.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <sys/wait.h>
#include <time.h>
#include <unistd.h>

#define GNUPLOT_TIMEOUT_S 120 /* a script of this size takes well under a second */

volatile sig_atomic_t pcb_rp_stop;

/* The two outputs of every chart. */
static const char *const terms[][2] = {
    {"svg", "set terminal svg size %d,%d dynamic noenhanced font 'Sans,13' background "
            "'#ffffff'"},
    {"png", "set terminal pngcairo size %d,%d noenhanced font 'Sans,11' background "
            "'#ffffff'"},
};

int pcb_rp_chart_exists(const char *dir, const char *base)
{
    char path[4096];
    struct stat st;

    snprintf(path, sizeof(path), "%s/charts/%s.png", dir, base);
    if (stat(path, &st) != 0 || st.st_size == 0)
        return 0;
    snprintf(path, sizeof(path), "%s/charts/%s.svg", dir, base);
    return stat(path, &st) == 0 && st.st_size > 0;
}

/* Writes s as a gnuplot single-quoted string. */
static void gp_str(FILE *f, const char *s)
{
    fputc('\'', f);
    for (; *s; s++) {
        if (*s == '\'')
            fputc('\'', f);
        fputc((unsigned char)*s < 0x20 ? ' ' : *s, f);
    }
    fputc('\'', f);
}

/* Writes s as a double-quoted label inside a data file (no quotes or backslashes inside). */
static void dat_str(FILE *f, const char *s)
{
    fputc('"', f);
    for (; *s; s++)
        fputc(*s == '"' || *s == '\\' || (unsigned char)*s < 0x20 ? '_' : *s, f);
    fputc('"', f);
}

/* A unit that keeps the largest value readable. */
static void time_unit(double max_ns, const char **name, double *div)
{
    if (max_ns >= 1e9) {
        *name = "s";
        *div = 1e9;
    } else if (max_ns >= 1e6) {
        *name = "ms";
        *div = 1e6;
    } else if (max_ns >= 1e3) {
        *name = "us";
        *div = 1e3;
    } else {
        *name = "ns";
        *div = 1;
    }
}

static void common(FILE *gp, const char *title, const char *xlabel, const char *ylabel)
{
    /* The title is a label anchored at the image's left edge: a centred title over a plot
     * narrowed by the legend on the right is cut off at the left. */
    fprintf(gp, "reset\nset tmargin 3\nset label 1 ");
    gp_str(gp, title);
    fprintf(gp, " at screen 0.01,0.97 left front\nset xlabel ");
    gp_str(gp, xlabel);
    fprintf(gp, "\nset ylabel ");
    gp_str(gp, ylabel);
    fprintf(gp, "\nset grid ytics xtics lc rgb '#dddddd'\nset border 3\nset tics nomirror\n"
                "set key outside right top vertical Left reverse noenhanced\n"
                "set pointsize 1.2\n");
}

/* Selects output t (0: SVG, 1: PNG) of chart `base`, width x height pixels. */
static void output_wh(FILE *gp, int t, const char *base, int width, int height)
{
    fprintf(gp, terms[t][1], width, height);
    fprintf(gp, "\nset output 'charts/%s.%s'\n", base, terms[t][0]);
}

static void output(FILE *gp, int t, const char *base)
{
    output_wh(gp, t, base, 900, 560);
}

static int ok(const struct pcb_rp_case *c)
{
    return !c->failed && c->median_ns > 0;
}

/* The group's data file: one block per series (index i = series i), columns
 * the group's axis (workers, or tasks in flight on waiting work), median, stddev (in the chart's
 * unit), speedup, peak RSS (MiB). */
static int group_data(const char *dir, const struct pcb_rp_group *g, double div)
{
    char path[4096];
    FILE *f;

    snprintf(path, sizeof(path), "%s/charts/%s.dat", dir, g->slug);
    if (!(f = fopen(path, "w")))
        return -1;
    for (size_t s = 0; s < g->nseries; s++) {
        fprintf(f, "# ");
        dat_str(f, g->series[s]);
        fprintf(f, "\n# %s median stddev speedup peak_rss_mib pss_mib\n",
                strcmp(g->axis, "workers") ? "in_flight" : "workers");
        int rows = 0;
        for (size_t w = 0; w < g->nat; w++)
            for (size_t i = 0; i < g->ncases; i++) {
                const struct pcb_rp_case *c = g->cases[i];
                if (!ok(c) || c->at != g->at[w] || strcmp(c->series, g->series[s]))
                    continue;
                double rss = pcb_rp_counter(c, "peak_rss_bytes");
                double pss = pcb_rp_counter(c, "pss_bytes");
                fprintf(f, "%u %.6g %.6g %.6g %.6g %.6g\n", c->at, c->median_ns / div,
                        isnan(c->stddev_ns) ? 0 : c->stddev_ns / div,
                        isnan(c->speedup) ? NAN : c->speedup, isnan(rss) ? NAN : rss / 1048576.0,
                        isnan(pss) ? NAN : pss / 1048576.0);
                rows++;
            }
        if (!rows) /* keeps block numbering aligned with series numbering */
            fprintf(f, "NaN NaN NaN NaN NaN NaN\n");
        fprintf(f, "\n\n");
    }
    return fclose(f);
}

/* Plots column `col` of every series of g (skipping Sequential when skip_seq) as lines. */
static void series_plot(FILE *gp, const struct pcb_rp_group *g, const char *using, int skip_seq,
                        const char *style, int *first)
{
    for (size_t s = 0; s < g->nseries; s++) {
        int has = 0;
        for (size_t i = 0; i < g->ncases; i++)
            has |= ok(g->cases[i]) && strcmp(g->cases[i]->series, g->series[s]) == 0 &&
                   (!skip_seq || strcmp(g->cases[i]->strategy, "Sequential") != 0);
        if (!has)
            continue;
        fprintf(gp, "%s 'charts/%s.dat' index %zu using %s with %s lw 2 title ",
                *first ? "plot" : ", \\\n    ", g->slug, s, using, style);
        gp_str(gp, g->series[s]);
        *first = 0;
    }
}

/* Workers on a log2 axis (sweeps go 1..2x CPUs or 1, 8, 32, 256), a tic at every count. */
static void x_axis(FILE *gp, const struct pcb_rp_group *g)
{
    unsigned wmin = g->nat ? g->at[0] : 1;
    unsigned wmax = g->nat ? g->at[g->nat - 1] : 1;

    fprintf(gp, "set logscale x 2\nset xrange [%g:%g]\nset xtics (", wmin / 1.3, wmax * 1.3);
    for (size_t w = 0; w < g->nat; w++)
        fprintf(gp, "%s%u", w ? ", " : "", g->at[w]);
    fprintf(gp, ")\n");
}

/* The most sweeps one scaling chart shows (those reaching the highest throughput). */
#define SCALING_MAX_SERIES 8

/* The fitted sweeps of g the scaling chart shows, best first, into out[]; returns how many. */
static size_t scaling_pick(const struct pcb_rp_report *r, const struct pcb_rp_group *g,
                           const struct pcb_rp_scaling **out)
{
    size_t n = 0;

    for (size_t i = 0; i < r->nscalings; i++) {
        const struct pcb_rp_scaling *sc = &r->scalings[i];
        if (sc->group != g || (sc->fit.status != PCB_USL_OK && sc->fit.status != PCB_USL_POOR))
            continue;
        double top = 0;
        for (size_t p = 0; p < sc->npoints; p++)
            top = fmax(top, sc->x[p]);
        size_t at = n;
        while (at > 0) { /* insertion by peak measured throughput, descending */
            double other = 0;
            for (size_t p = 0; p < out[at - 1]->npoints; p++)
                other = fmax(other, out[at - 1]->x[p]);
            if (other >= top)
                break;
            if (at < SCALING_MAX_SERIES)
                out[at] = out[at - 1];
            at--;
        }
        if (at < SCALING_MAX_SERIES) {
            out[at] = sc;
            if (n < SCALING_MAX_SERIES)
                n++;
        }
    }
    return n;
}

/*
 * Throughput against workers, each shown sweep's points with its fitted USL curve in the same
 * colour, drawn on to 4x the CPUs (a dotted line marks the CPU count; past the last point the
 * curve is a projection). Data: charts/<slug>-scaling.dat, one block per sweep.
 */
static void scaling_chart(FILE *gp, const char *dir, const struct pcb_rp_report *r,
                          const struct pcb_rp_group *g, int t)
{
    const struct pcb_rp_scaling *shown[SCALING_MAX_SERIES];
    size_t n = scaling_pick(r, g, shown);
    char path[4096], base[160], title[512];
    double nmin = INFINITY, nmax = 0;
    FILE *f;

    if (!n)
        return;
    snprintf(base, sizeof(base), "%s-scaling", g->slug);
    if (t == 0) { /* the data once, for both terminals */
        snprintf(path, sizeof(path), "%s/charts/%s.dat", dir, base);
        if (!(f = fopen(path, "w")))
            return;
        for (size_t i = 0; i < n; i++) {
            fprintf(f, "# ");
            dat_str(f, shown[i]->series);
            fprintf(f, "\n# %s tasks_per_second\n", shown[i]->axis);
            for (size_t p = 0; p < shown[i]->npoints; p++)
                fprintf(f, "%.6g %.6g\n", shown[i]->n[p], shown[i]->x[p]);
            fprintf(f, "\n\n");
        }
        if (fclose(f) != 0)
            return;
    }
    for (size_t i = 0; i < n; i++) {
        nmin = fmin(nmin, shown[i]->n[0]);
        nmax = fmax(nmax, shown[i]->n[shown[i]->npoints - 1]);
    }
    nmax = fmax(nmax, 4.0 * r->cpus);
    snprintf(title, sizeof(title), "%s: throughput and the USL fit (past the points: projection)",
             g->key);
    common(gp, title, shown[0]->axis, "tasks per second");
    output(gp, t, base);
    fprintf(gp, "set logscale x 2\nset xrange [%g:%g]\nset yrange [0:*]\nset samples 400\n",
            nmin / 1.3, nmax * 1.3);
    if (r->cpus)
        fprintf(gp, "set arrow 1 from %u, graph 0 to %u, graph 1 nohead dt 3 lc rgb '#555555'\n",
                r->cpus, r->cpus);
    for (size_t i = 0; i < n; i++) {
        const struct pcb_usl *u = &shown[i]->fit;
        char fit[128];
        fprintf(gp, "%s 'charts/%s.dat' index %zu using 1:2 with points pt 7 ps 1.2 lc %zu title ",
                i ? ", \\\n    " : "plot", base, i, i + 1);
        gp_str(gp, shown[i]->series);
        fprintf(gp,
                ", \\\n    %.10g*x/(1+%.10g*(x-1)+%.10g*x*(x-1)) with lines lw 2 lc %zu "
                "title ",
                u->gamma, u->sigma, u->kappa, i + 1);
        snprintf(fit, sizeof(fit), "fit: σ %.3f, κ %.4f, R² %.2f%s", u->sigma, u->kappa, u->r2,
                 u->status == PCB_USL_POOR ? " (poor)" : "");
        gp_str(gp, fit);
    }
    fprintf(gp, "\nunset arrow 1\nunset output\n");
}

static void group_charts(FILE *gp, const char *dir, const struct pcb_rp_report *r,
                         const struct pcb_rp_group *g)
{
    double maxt = 0, mint = INFINITY, seq;
    const char *unit;
    double div;
    char title[512], ylabel[128];
    int any = 0;

    for (size_t i = 0; i < g->ncases; i++)
        if (ok(g->cases[i])) {
            any = 1;
            if (g->cases[i]->median_ns > maxt)
                maxt = g->cases[i]->median_ns;
            if (g->cases[i]->median_ns < mint)
                mint = g->cases[i]->median_ns;
        }
    if (!any)
        return;
    time_unit(maxt, &unit, &div);
    if (group_data(dir, g, div))
        return;
    seq = g->sequential ? g->sequential->median_ns / div : NAN;
    /* The x axis: workers, or the most tasks in flight on waiting work (model.c). */
    const char *xlab = strcmp(g->axis, "workers") ? "tasks in flight" : "workers";
    for (int t = 0; t < 2; t++) {
        int first = 1;
        char base[160];
        /* Time against workers. */
        snprintf(base, sizeof(base), "%s-time", g->slug);
        snprintf(title, sizeof(title), "%s: median time per batch (lower is better)", g->key);
        snprintf(ylabel, sizeof(ylabel), "median time per batch (%s)%s", unit,
                 maxt / mint > 30 ? ", log scale" : "");
        common(gp, title, xlab, ylabel);
        output(gp, t, base);
        x_axis(gp, g);
        if (maxt / mint > 30)
            fprintf(gp, "set logscale y 10\n");
        else
            fprintf(gp, "set yrange [0:*]\n");
        if (!isnan(seq)) {
            fprintf(gp,
                    "plot %.6g with lines dt 2 lw 2 lc rgb '#555555' title "
                    "'Sequential (1 worker)'",
                    seq);
            first = 0;
        }
        series_plot(gp, g, "1:2:3", 1, "yerrorlines", &first);
        fprintf(gp, "\nunset output\n");
        /* Speedup against workers. */
        if (g->sequential) {
            first = 0;
            snprintf(base, sizeof(base), "%s-speedup", g->slug);
            snprintf(title, sizeof(title), "%s: speedup against Sequential (higher is better)",
                     g->key);
            common(gp, title, xlab, "speedup (Sequential time / time), log scale");
            output(gp, t, base);
            /* Log-log: the ideal line is the diagonal, and 2x on the axis is 2x anywhere. */
            x_axis(gp, g);
            fprintf(gp, "set logscale y 2\n");
            fprintf(gp, "plot x with lines dt 2 lw 2 lc rgb '#555555' title 'ideal (= %s)'", xlab);
            series_plot(gp, g, "1:4", 1, "linespoints", &first);
            fprintf(gp, "\nunset output\n");
        }
        scaling_chart(gp, dir, r, g, t);
        /* Memory against workers, when the cases report it: peak RSS, and PSS (the same
         * processes with shared pages split among them: what a pool of processes really adds
         * over a pool of threads). */
        static const struct {
            const char *counter, *suffix, *title, *ylabel, *column;
        } mem[] = {{"peak_rss_bytes", "rss", "peak RSS, pcbench + worker processes",
                    "peak RSS (MiB)", "1:5"},
                   {"pss_bytes", "pss", "PSS (shared pages split), pcbench + worker processes",
                    "PSS (MiB)", "1:6"}};
        for (size_t m = 0; m < sizeof(mem) / sizeof(mem[0]); m++) {
            int have = 0;
            for (size_t i = 0; i < g->ncases; i++)
                have |= ok(g->cases[i]) && !isnan(pcb_rp_counter(g->cases[i], mem[m].counter));
            if (!have)
                continue;
            first = 1;
            snprintf(base, sizeof(base), "%s-%s", g->slug, mem[m].suffix);
            snprintf(title, sizeof(title), "%s: %s", g->key, mem[m].title);
            common(gp, title, xlab, mem[m].ylabel);
            output(gp, t, base);
            x_axis(gp, g);
            fprintf(gp, "set yrange [0:*]\n");
            series_plot(gp, g, mem[m].column, 0, "linespoints", &first);
            fprintf(gp, "\nunset output\n");
        }
    }
}

static const struct pcb_rp_counter *counter_like(const struct pcb_rp_case *c, const char *key)
{
    for (size_t i = 0; i < c->ncounters; i++)
        if (strstr(c->counters[i].name, key))
            return &c->counters[i];
    return NULL;
}

/* Nanoseconds of a latency counter, judged by its name's unit suffix. */
static double counter_ns(const struct pcb_rp_counter *k)
{
    size_t n;

    if (!k)
        return NAN;
    n = strlen(k->name);
    if (n > 3 && strcmp(k->name + n - 3, "_us") == 0)
        return k->value * 1e3;
    if (n > 3 && strcmp(k->name + n - 3, "_ms") == 0)
        return k->value * 1e6;
    return k->value;
}

static void value_or_missing(FILE *f, double v)
{
    if (isnan(v))
        fprintf(f, " ?");
    else
        fprintf(f, " %.6g", v);
}

/* The "msg:N" part of a label, or "" when it has none. */
static void msg_part(const char *label, char *out, size_t cap)
{
    const char *p = strstr(label, "/msg:");
    size_t n = 0;

    out[0] = '\0';
    if (!p)
        return;
    p += 1;
    while (p[n] && p[n] != '/')
        n++;
    snprintf(out, cap, "%.*s", (int)n, p);
}

/* An IPC case that goes on a latency chart: it reports percentiles (ping-pong), or no IPC
 * case does and every one goes. */
static int on_latency_chart(const struct pcb_rp_report *r, const struct pcb_rp_case *c)
{
    int any50 = 0;

    if (c->family != PCB_RP_IPC || !ok(c))
        return 0;
    for (size_t i = 0; i < r->ncases; i++)
        any50 |= r->cases[i].family == PCB_RP_IPC && counter_like(&r->cases[i], "p50") != NULL;
    return !any50 || counter_like(c, "p50") != NULL;
}

size_t pcb_rp_ipc_charts(const struct pcb_rp_report *r, char (*msgs)[32], size_t cap)
{
    size_t n = 0;

    for (size_t i = 0; i < r->ncases; i++) {
        char m[32];
        int seen = 0;
        if (!on_latency_chart(r, &r->cases[i]))
            continue;
        msg_part(r->cases[i].label, m, sizeof(m));
        for (size_t k = 0; k < n; k++)
            seen |= strcmp(msgs[k], m) == 0;
        if (!seen && n < cap)
            snprintf(msgs[n++], sizeof(msgs[0]), "%s", m);
    }
    return n;
}

void pcb_rp_ipc_chart_base(const char *msg, char *out, size_t cap)
{
    size_t k = (size_t)snprintf(out, cap, "ipc-latency%s", msg[0] ? "-" : "");

    for (const char *p = msg; *p && k + 1 < cap; p++)
        out[k++] = isalnum((unsigned char)*p) ? *p : '_';
    out[k < cap ? k : cap - 1] = '\0';
}

/* One latency chart: the IPC cases with message size `msg`, p50 and p99 bars (the median when
 * a case has no percentiles), and each floor they are read against as a dashed line. */
static void ipc_chart(FILE *gp, const char *dir, const struct pcb_rp_report *r, const char *msg)
{
    char path[4096], base[64], m[32];
    const struct pcb_rp_case *floors[8];
    double maxv = 0, minv = INFINITY;
    int n = 0, have50 = 0, have99 = 0;
    size_t nfloors = 0;
    FILE *f;

    pcb_rp_ipc_chart_base(msg, base, sizeof(base));
    for (size_t i = 0; i < r->ncases; i++) {
        const struct pcb_rp_case *c = &r->cases[i];
        msg_part(c->label, m, sizeof(m));
        if (!on_latency_chart(r, c) || strcmp(m, msg) != 0)
            continue;
        n++;
        have50 |= counter_like(c, "p50") != NULL;
        have99 |= counter_like(c, "p99") != NULL;
        double v[3] = {c->median_ns, counter_ns(counter_like(c, "p50")),
                       counter_ns(counter_like(c, "p99"))};
        for (int k = 0; k < 3; k++)
            if (!isnan(v[k]) && v[k] > 0) {
                maxv = v[k] > maxv ? v[k] : maxv;
                minv = v[k] < minv ? v[k] : minv;
            }
        int seen = 0;
        for (size_t k = 0; k < nfloors; k++)
            seen |= floors[k] == c->floor;
        if (c->floor && !seen && nfloors < sizeof(floors) / sizeof(floors[0]))
            floors[nfloors++] = c->floor;
    }
    if (!n)
        return;
    for (size_t k = 0; k < nfloors; k++)
        minv = floors[k]->median_ns < minv ? floors[k]->median_ns : minv;
    const char *unit;
    double div;
    int logy = maxv / minv > 30;
    /* On a log axis the unit follows the middle of the range (geometric mean). */
    time_unit(logy ? sqrt(minv * maxv) : maxv, &unit, &div);
    snprintf(path, sizeof(path), "%s/charts/%s.dat", dir, base);
    if (!(f = fopen(path, "w")))
        return;
    fprintf(f, "# case median p50 p99 (%s)\n", unit);
    for (size_t i = 0; i < r->ncases; i++) {
        const struct pcb_rp_case *c = &r->cases[i];
        msg_part(c->label, m, sizeof(m));
        if (!on_latency_chart(r, c) || strcmp(m, msg) != 0)
            continue;
        /* The x label: the label without "IPC/" and without the message size the title has. */
        char x[256];
        snprintf(x, sizeof(x), "%s", strncmp(c->label, "IPC/", 4) == 0 ? c->label + 4 : c->label);
        char *cut = msg[0] ? strstr(x, "/msg:") : NULL;
        if (cut)
            memmove(cut, cut + 1 + strlen(msg), strlen(cut + 1 + strlen(msg)) + 1);
        dat_str(f, x);
        value_or_missing(f, c->median_ns / div);
        value_or_missing(f, counter_ns(counter_like(c, "p50")) / div);
        value_or_missing(f, counter_ns(counter_like(c, "p99")) / div);
        fprintf(f, "\n");
    }
    if (fclose(f))
        return;
    int bars = (have50 ? 1 : 0) + (have99 ? 1 : 0);
    if (bars == 0)
        bars = 1;
    int width = n * (28 * bars + 24) + 400;
    for (int t = 0; t < 2; t++) {
        char ylabel[96], title[160];
        snprintf(ylabel, sizeof(ylabel), "round trip (%s)%s", unit, logy ? ", log scale" : "");
        snprintf(title, sizeof(title), "IPC latency per mechanism%s%.32s (lower is better)",
                 msg[0] ? ", " : "", msg);
        common(gp, title, "", ylabel);
        output_wh(gp, t, base, width < 900 ? 900 : width, 720);
        fprintf(gp,
                "set datafile missing '?'\nset style data histograms\n"
                "set style histogram clustered gap 1\nset style fill solid 0.85 border -1\n"
                "set boxwidth 0.9\nset xtics rotate by -35 left\nset bmargin 14\n"
                "set rmargin 24\nset key inside left top vertical opaque box\n"
                "set format y '%%g'\n"
                "set xrange [-0.6:%g]\n",
                n - 0.4);
        if (logy)
            fprintf(gp, "set logscale y 10\nset yrange [%g:*]\n", minv / div / 2);
        else
            fprintf(gp, "set yrange [0:*]\n");
        fprintf(gp, "plot 'charts/%s.dat'", base);
        if (have50 || have99) {
            const char *sep = "";
            if (have50) {
                fprintf(gp, " using 3:xtic(1) title 'p50'");
                sep = ", ''";
            }
            if (have99)
                fprintf(gp, "%s using 4%s title 'p99'", sep, have50 ? "" : ":xtic(1)");
        } else {
            fprintf(gp, " using 2:xtic(1) title 'median'");
        }
        for (size_t k = 0; k < nfloors; k++) {
            char ft[160];
            snprintf(ft, sizeof(ft), "floor: %s", floors[k]->label);
            fprintf(gp, ", %.6g with lines dt %zu lw 2 title ", floors[k]->median_ns / div, k + 2);
            gp_str(gp, ft);
        }
        fprintf(gp, "\nunset output\n");
    }
}

static void whole_chart(FILE *gp, const char *dir, const struct pcb_rp_report *r)
{
    char path[4096];
    double maxv = 0;
    int n = 0;
    FILE *f;

    for (size_t i = 0; i < r->ncases; i++)
        if (r->cases[i].family == PCB_RP_WHOLE && ok(&r->cases[i])) {
            n++;
            if (r->cases[i].median_ns > maxv)
                maxv = r->cases[i].median_ns;
        }
    if (!n)
        return;
    const char *unit;
    double div;
    time_unit(maxv, &unit, &div);
    snprintf(path, sizeof(path), "%s/charts/whole-process.dat", dir);
    if (!(f = fopen(path, "w")))
        return;
    for (size_t i = 0; i < r->ncases; i++) {
        const struct pcb_rp_case *c = &r->cases[i];
        if (c->family != PCB_RP_WHOLE || !ok(c))
            continue;
        dat_str(f, c->name);
        fprintf(f, " %.6g %.6g\n", c->median_ns / div,
                isnan(c->stddev_ns) ? 0 : c->stddev_ns / div);
    }
    if (fclose(f))
        return;
    for (int t = 0; t < 2; t++) {
        char ylabel[96];
        snprintf(ylabel, sizeof(ylabel), "whole-process time (%s)", unit);
        common(gp, "Whole-process time per command, hyperfine (lower is better)", "", ylabel);
        output_wh(gp, t, "whole-process", n * 70 + 300 < 900 ? 900 : n * 70 + 300, 560);
        fprintf(gp,
                "set style data histograms\nset style histogram errorbars gap 1 lw 1\n"
                "set style fill solid 0.85 border -1\nset boxwidth 0.8\nset yrange [0:*]\n"
                "set xtics rotate by -25 left\nset bmargin 6\nunset key\n"
                "set xrange [-0.6:%g]\n",
                n - 0.4);
        fprintf(gp, "plot 'charts/whole-process.dat' using 2:3:xtic(1) title 'median'\n"
                    "unset output\n");
    }
}

/* The gnuplot executable in PATH, or NULL. */
static char *find_gnuplot(void)
{
    const char *path = getenv("PATH");
    char *copy, *save = NULL, *found = NULL;

    if (!path || !*path)
        return NULL;
    if (!(copy = strdup(path)))
        return NULL;
    for (char *d = strtok_r(copy, ":", &save); d && !found; d = strtok_r(NULL, ":", &save)) {
        char cand[4096];
        snprintf(cand, sizeof(cand), "%s/gnuplot", *d ? d : ".");
        if (access(cand, X_OK) == 0)
            found = strdup(cand);
    }
    free(copy);
    return found;
}

/* Runs `gnuplot charts.gp` in dir, its output to charts/gnuplot.log. Returns the exit status
 * (0 on success), or -1 when it could not run. */
static int run_gnuplot(const char *exe, const char *dir)
{
    pid_t pid = fork();
    int status;

    if (pid < 0)
        return -1;
    if (pid == 0) {
        int fd;
        if (chdir(dir) != 0)
            _exit(126);
        fd = open("charts/gnuplot.log", O_WRONLY | O_CREAT | O_TRUNC | O_CLOEXEC, 0644);
        if (fd >= 0) {
            dup2(fd, STDOUT_FILENO);
            dup2(fd, STDERR_FILENO);
        }
        execl(exe, "gnuplot", "charts.gp", (char *)NULL);
        _exit(127);
    }
    for (int waited_ms = 0;; waited_ms += 20) {
        pid_t w = waitpid(pid, &status, WNOHANG);
        if (w == pid)
            break;
        if (w < 0 && errno != EINTR)
            return -1;
        if (waited_ms >= GNUPLOT_TIMEOUT_S * 1000 || pcb_rp_stop) {
            kill(pid, SIGKILL);
            waitpid(pid, &status, 0);
            return 124;
        }
        nanosleep(&(struct timespec){.tv_nsec = 20 * 1000 * 1000}, NULL);
    }
    if (WIFEXITED(status))
        return WEXITSTATUS(status);
    return 128 + (WIFSIGNALED(status) ? WTERMSIG(status) : 0);
}

void pcb_rp_charts(struct pcb_rp_report *r, const char *dir)
{
    char path[4096];
    char *exe = find_gnuplot();
    FILE *gp;
    int rc;

    r->charts_done = 0;
    if (!exe) {
        snprintf(r->charts_note, sizeof(r->charts_note),
                 "gnuplot was not found in PATH (Debian: apt-get install gnuplot-nox); the "
                 "tables and results.csv are complete");
        return;
    }
    snprintf(path, sizeof(path), "%s/charts", dir);
    if (mkdir(path, 0755) != 0 && errno != EEXIST) {
        pcb_rp_errf(r->charts_note, "cannot create %s: %s", path, strerror(errno));
        free(exe);
        return;
    }
    snprintf(path, sizeof(path), "%s/charts.gp", dir);
    if (!(gp = fopen(path, "w"))) {
        pcb_rp_errf(r->charts_note, "cannot write %s: %s", path, strerror(errno));
        free(exe);
        return;
    }
    fputs(PCB_RP_GP_HEAD "set encoding utf8\n", gp);
    /* Sixteen distinguishable line styles (gnuplot's own cycle repeats after eight); the
     * second eight are dashed. `set linetype` survives `reset`. */
    static const char *const colours[] = {"#1f77b4", "#ff7f0e", "#2ca02c", "#d62728",
                                          "#9467bd", "#8c564b", "#e377c2", "#17becf"};
    for (int i = 0; i < 16; i++)
        fprintf(gp, "set linetype %d lc rgb '%s' lw 2 pt %d dt %d\n", i + 1, colours[i % 8], i + 1,
                i < 8 ? 1 : 2);
    for (size_t k = 0; k < r->ngroups; k++)
        group_charts(gp, dir, r, &r->groups[k]);
    char msgs[16][32];
    size_t nmsgs = pcb_rp_ipc_charts(r, msgs, 16);
    for (size_t k = 0; k < nmsgs; k++)
        ipc_chart(gp, dir, r, msgs[k]);
    whole_chart(gp, dir, r);
    if (fclose(gp) != 0) {
        pcb_rp_errf(r->charts_note, "cannot write %s", path);
        free(exe);
        return;
    }
    rc = run_gnuplot(exe, dir);
    free(exe);
    if (rc == 0)
        r->charts_done = 1;
    else if (rc < 0)
        snprintf(r->charts_note, sizeof(r->charts_note), "gnuplot could not be started");
    else
        snprintf(r->charts_note, sizeof(r->charts_note),
                 "gnuplot failed (exit status %d); see charts/gnuplot.log", rc);
}
