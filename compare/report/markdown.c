/*
 * markdown.c - writes DIR/index.md from the model; see report.h.
 *
 * Layout: the machine line; an "at a glance" table of winners; per matrix group a pivot table
 * (strategies x worker counts, median time and speedup, the winner per worker count in bold),
 * a detail table and its charts; then the Floor/, IPC/ and Lifecycle/ families with each
 * figure's ratio to its floor, whole-process (hyperfine) timings, and any other cases. A case
 * that failed shows FAILED and its message, never a number.
 */
#define _GNU_SOURCE
#include "report.h"

#include "casename.h"
#include "text.h"

#include <errno.h>
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

/* One character inside a code span, where escapes do not work: '`' becomes '\''. */
static void put_code(FILE *f, uint32_t cp, const char *bytes, size_t n)
{
    if (cp == '`')
        fputc('\'', f);
    else
        fwrite(bytes, 1, n, f);
}

/* A message or a context value: whole, control characters as '?'. */
static void md(FILE *f, const char *s)
{
    pcb_rp_md(f, s, 0);
}

/* A case name or a part of one (a label, a series, an input): at most PCB_TEXT_NAME_COLS
 * characters, as compare shows names, so a name of thousands does not widen every row. */
static void md_name(FILE *f, const char *s)
{
    pcb_rp_md(f, s, PCB_TEXT_NAME_COLS);
}

static const char *ctx_or(const struct pcb_rp_report *r, const char *k, const char *dflt)
{
    const char *v = pcb_rp_context(r, k);
    return v && v[0] ? v : dflt;
}

/* The machine, build and run lines: each context value after its words, as index.md text. */
static void machine_line(FILE *f, const struct pcb_rp_report *r)
{
    static const struct {
        const char *before, *key, *absent;
    } parts[] = {
        {"**Machine:** ", "host_name", "?"},
        {", ", "num_cpus", "?"},
        {" CPUs at ", "mhz_per_cpu", "?"},
        {" MHz (", "pcbench_cpus_allowed", "?"},
        {" allowed: ", "pcbench_cpu_affinity", "?"},
        {"), ", "pcbench_kernel", "unknown kernel"},
        {", virtualised: ", "pcbench_virtualized", "unknown"},
        {".  \n**Build:** pcbench ", "pcbench_version", "?"},
        {", commit ", "pcbench_commit", "?"},
        {", build type ", "pcbench_build_type", "?"},
        {", ", "pcbench_compiler", "?"},
        {"; Google Benchmark library build: ", "library_build_type", "?"},
        {".  \n**Run:** ", "date", "?"},
        {", profile ", "pcbench_profile", "?"},
        {", seed ", "pcbench_seed", "?"},
        {", load average ", "load_avg", "?"},
    };

    if (r->nctx == 0)
        return;
    for (size_t i = 0; i < sizeof(parts) / sizeof(parts[0]); i++) {
        fputs(parts[i].before, f);
        md(f, ctx_or(r, parts[i].key, parts[i].absent));
    }
    fputs(".\n\n", f);
}

static void chart_link(FILE *f, const char *dir, const char *base, const char *what)
{
    if (!pcb_rp_chart_exists(dir, base))
        return;
    fprintf(f, "![%s](charts/%s.png) ([SVG](charts/%s.svg))\n\n", what, base, base);
}

static void fmt_x(char *out, size_t cap, double v)
{
    if (isnan(v))
        snprintf(out, cap, "-");
    else
        snprintf(out, cap, "%.2f", v);
}

static void group_section(FILE *f, const struct pcb_rp_group *g, const char *dir, int charts)
{
    char t[32], sd[32], ips[32], rss[32], pss[32], pool[32], sp[32], ef[32], cores[32];

    fprintf(f, "## ");
    md_name(f, g->key);
    fprintf(f, "\n\n");
    if (!g->sequential)
        fprintf(f, "No Sequential case on this input: speedup and efficiency are not shown.\n\n");
    /* Pivot: strategies x worker counts. */
    bool waiting = strcmp(g->axis, "workers") != 0;
    fprintf(f,
            "Median time per batch (speedup against Sequential); **bold**: fastest at that %s."
            "\n\n| strategy |",
            waiting ? "concurrency (tasks in flight: threads or processes for the pools, tasks on "
                      "the loop for Async, procs x threads x depth for Hybrid)"
                    : "worker count");
    for (size_t w = 0; w < g->nat; w++)
        if (waiting)
            fprintf(f, " %u in flight |", g->at[w]);
        else
            fprintf(f, " %u worker%s |", g->at[w], g->at[w] == 1 ? "" : "s");
    fprintf(f, "\n|---|");
    for (size_t w = 0; w < g->nat; w++)
        fprintf(f, "---:|");
    fprintf(f, "\n");
    for (size_t s = 0; s < g->nseries; s++) {
        fprintf(f, "| ");
        md_name(f, g->series[s]);
        fprintf(f, " |");
        for (size_t w = 0; w < g->nat; w++) {
            int any = 0;
            for (size_t i = 0; i < g->ncases; i++) {
                const struct pcb_rp_case *c = g->cases[i];
                if (strcmp(c->series, g->series[s]) != 0 || c->at != g->at[w])
                    continue;
                fprintf(f, "%s", any ? "<br>" : " ");
                any = 1;
                if (c->failed) {
                    fprintf(f, "FAILED");
                    continue;
                }
                pcb_rp_fmt_time(t, sizeof(t), c->median_ns);
                if (!isnan(c->speedup))
                    snprintf(sp, sizeof(sp), " (%.2fx)", c->speedup);
                else
                    sp[0] = '\0';
                fprintf(f, c->winner ? "**%s%s**" : "%s%s", t, sp);
            }
            fprintf(f, "%s|", any ? " " : " ");
        }
        fprintf(f, "\n");
    }
    /* Detail. */
    fprintf(f, "\n| strategy | workers | in flight | chunk | median | stddev | items/s | speedup | "
               "efficiency | peak RSS | PSS | pool PSS | cores used | reps |\n"
               "|---|---:|---:|---:|---:|---:|---:|---:|---:|---:|---:|---:|---:|---:|\n");
    for (size_t s = 0; s < g->nseries; s++)
        for (size_t w = 0; w < g->nat; w++)
            for (size_t i = 0; i < g->ncases; i++) {
                const struct pcb_rp_case *c = g->cases[i];
                if (strcmp(c->series, g->series[s]) != 0 || c->at != g->at[w])
                    continue;
                fprintf(f, "| ");
                md_name(f, c->series);
                fprintf(f, " | %s | %u | %s | ", c->workers_label, c->concurrency,
                        c->chunk[0] ? c->chunk : "-");
                if (c->failed) {
                    fprintf(f, "FAILED: ");
                    md(f, c->error);
                    fprintf(f, " | | | | | | | | | %zu |\n", c->nreps);
                    continue;
                }
                pcb_rp_fmt_time(t, sizeof(t), c->median_ns);
                pcb_rp_fmt_time(sd, sizeof(sd), c->stddev_ns);
                pcb_rp_fmt_si(ips, sizeof(ips), pcb_rp_counter(c, "items_per_second"));
                pcb_rp_fmt_bytes(rss, sizeof(rss), pcb_rp_counter(c, "peak_rss_bytes"));
                pcb_rp_fmt_bytes(pss, sizeof(pss), pcb_rp_counter(c, "pss_bytes"));
                pcb_rp_fmt_bytes(pool, sizeof(pool), pcb_rp_counter(c, "pool_pss_bytes"));
                fmt_x(sp, sizeof(sp), c->speedup);
                fmt_x(ef, sizeof(ef), c->efficiency);
                fmt_x(cores, sizeof(cores), pcb_rp_counter(c, "cores_used"));
                fprintf(f, c->winner ? "**%s**" : "%s", t);
                fprintf(f, "%s | %s | %s | %s | %s | %s | %s | %s | %s | %zu |\n",
                        c->src && c->src->warning ? " ⚠" : "", sd, ips, sp, ef, rss, pss, pool,
                        cores, c->nreps);
            }
    fprintf(f, "\n");
    /* The figures pcbench itself found implausible (pcb_warning), each with its reason. */
    for (size_t i = 0; i < g->ncases; i++) {
        const struct pcb_rp_case *c = g->cases[i];
        if (c->failed || !c->src || !c->src->warning)
            continue;
        fprintf(f, "- ⚠ ");
        md_name(f, c->series);
        fprintf(f, " at %s worker%s: ", c->workers_label, c->workers == 1 ? "" : "s");
        md(f, c->src->warning);
        fprintf(f, "\n");
    }
    for (size_t i = 0; i < g->ncases; i++)
        if (!g->cases[i]->failed && g->cases[i]->src && g->cases[i]->src->warning) {
            fprintf(f, "\n");
            break;
        }
    if (charts) {
        char base[160];
        snprintf(base, sizeof(base), "%s-time", g->slug);
        const char *x = waiting ? "tasks in flight" : "workers";
        char what[96];
        snprintf(what, sizeof(what), "median time per batch against %s", x);
        chart_link(f, dir, base, what);
        snprintf(base, sizeof(base), "%s-speedup", g->slug);
        snprintf(what, sizeof(what), "speedup against %s", x);
        chart_link(f, dir, base, what);
        snprintf(base, sizeof(base), "%s-rss", g->slug);
        snprintf(what, sizeof(what), "peak RSS against %s", x);
        chart_link(f, dir, base, what);
        snprintf(base, sizeof(base), "%s-pss", g->slug);
        snprintf(what, sizeof(what), "PSS against %s", x);
        chart_link(f, dir, base, what);
    }
}

static void glance(FILE *f, const struct pcb_rp_report *r)
{
    char t[32];

    fprintf(f, "## At a glance\n\nThe fastest strategy per workload at each worker count (CPU "
               "work) or at each concurrency, the most tasks in flight (waiting work), so "
               "strategies meet at equal concurrency (speedup against Sequential).\n\n| "
               "workload | winners by workers or in flight | fastest overall |\n|---|---|---|\n");
    for (size_t k = 0; k < r->ngroups; k++) {
        const struct pcb_rp_group *g = &r->groups[k];
        const struct pcb_rp_case *best = NULL;
        fprintf(f, "| ");
        md_name(f, g->key);
        fprintf(f, " | ");
        for (size_t w = 0; w < g->nat; w++)
            for (size_t i = 0; i < g->ncases; i++) {
                const struct pcb_rp_case *c = g->cases[i];
                if (!c->winner || c->at != g->at[w])
                    continue;
                fprintf(f, "%s%u%s: **", w ? " · " : "", c->at,
                        strcmp(g->axis, "workers") ? " in flight" : "");
                md_name(f, c->series);
                fprintf(f, "**");
                if (!isnan(c->speedup))
                    fprintf(f, " (%.2fx)", c->speedup);
                if (!best || c->median_ns < best->median_ns)
                    best = c;
            }
        fprintf(f, " | ");
        if (best) {
            md_name(f, best->series);
            fprintf(f, " at %s worker%s", best->workers_label, best->workers == 1 ? "" : "s");
            if (best->waiting)
                fprintf(f, " (%u in flight)", best->concurrency);
            fprintf(f, ", %s", pcb_rp_fmt_time(t, sizeof(t), best->median_ns));
            if (!isnan(best->speedup))
                fprintf(f, ", %.2fx", best->speedup);
        } else {
            fprintf(f, "every case failed");
        }
        fprintf(f, " |\n");
    }
    fprintf(f, "\n");
}

/* The fastest case of g that did not fail, or NULL. */
static const struct pcb_rp_case *fastest(const struct pcb_rp_group *g)
{
    const struct pcb_rp_case *best = NULL;

    for (size_t i = 0; i < g->ncases; i++) {
        const struct pcb_rp_case *c = g->cases[i];
        if (!c->failed && c->median_ns > 0 && (!best || c->median_ns < best->median_ns))
            best = c;
    }
    return best;
}

/* What the model of sc says about where scaling stops, in a few words. */
static void model_words(char *out, size_t cap, const struct pcb_rp_scaling *sc)
{
    const struct pcb_usl *u = sc ? &sc->fit : NULL;

    if (!sc)
        snprintf(out, cap, "no sweep");
    else if (u->status != PCB_USL_OK)
        snprintf(out, cap, "not modelled: %s", pcb_usl_status_text(u->status));
    else if (!isinf(u->peak))
        snprintf(out, cap, "peaks at %.1f %s (σ %.3f, κ %.4f, R² %.2f)", u->peak, sc->axis,
                 u->sigma, u->kappa, u->r2);
    else if (u->sigma > 0)
        snprintf(out, cap,
                 "no peak (κ ≈ 0); contention limits it to %.1f× one worker (σ %.3f, "
                 "R² %.2f)",
                 1 / u->sigma, u->sigma, u->r2);
    else
        snprintf(out, cap, "linear within the model (σ = κ = 0, R² %.2f)", u->r2);
}

/* "Advice": per input, the strategy and worker count to use on this machine with the evidence,
 * and per class of workload (the family before the dot) how often each strategy won. */
static void advice(FILE *f, const struct pcb_rp_report *r)
{
    char t[32], pss[32], model[256];

    fprintf(f,
            "## Advice\n\nWhat to use on this machine, per input: the fastest case, with its "
            "speedup and efficiency, its memory (PSS: shared pages counted once), its context "
            "switches per task, the next best strategy at the same worker count (on waiting "
            "work: the same tasks in flight), and where "
            "the scaling model says the winner's strategy stops scaling (see \"Scaling "
            "model\"). Generated from this run's data; a different machine needs its own "
            "run.\n\n| input | use | speedup | efficiency | PSS | switches/task | next at "
            "the same workers or in flight | scaling |\n|---|---|---:|---:|---:|---:|---|---|\n");
    for (size_t k = 0; k < r->ngroups; k++) {
        const struct pcb_rp_group *g = &r->groups[k];
        const struct pcb_rp_case *best = fastest(g), *next = NULL;
        if (!best)
            continue;
        for (size_t i = 0; i < g->ncases; i++) {
            const struct pcb_rp_case *c = g->cases[i];
            if (c != best && !c->failed && c->median_ns > 0 && c->at == best->at &&
                strcmp(c->series, best->series) != 0 && (!next || c->median_ns < next->median_ns))
                next = c;
        }
        double cs =
            pcb_rp_counter(best, "vol_cs_per_task") + pcb_rp_counter(best, "invol_cs_per_task");
        pcb_rp_fmt_bytes(pss, sizeof(pss), pcb_rp_counter(best, "pss_bytes"));
        fprintf(f, "| ");
        md_name(f, g->key);
        fprintf(f, " | **");
        md_name(f, best->series);
        fprintf(f, "** at %s worker%s, %s%s | ", best->workers_label, best->workers == 1 ? "" : "s",
                pcb_rp_fmt_time(t, sizeof(t), best->median_ns),
                best->src && best->src->warning ? " ⚠ (flagged implausible, see its table)" : "");
        fmt_x(t, sizeof(t), best->speedup);
        fprintf(f, "%s | ", t);
        fmt_x(t, sizeof(t), best->efficiency);
        fprintf(f, "%s | %s | ", t, pss);
        fmt_x(t, sizeof(t), cs);
        fprintf(f, "%s | ", t);
        if (next) {
            md_name(f, next->series);
            fprintf(f, " %s", pcb_rp_fmt_time(t, sizeof(t), next->median_ns));
            if (!isnan(next->speedup))
                fprintf(f, " (%.2fx, efficiency %.2f)", next->speedup, next->efficiency);
        } else {
            fprintf(f, "-");
        }
        model_words(model, sizeof(model), pcb_rp_scaling_of(r, g, best->series));
        fprintf(f, " | ");
        md(f, model);
        fprintf(f, " |\n");
    }
    /* Per class: which strategy won how many inputs, and at how many workers. */
    fprintf(f, "\n");
    for (size_t k = 0; k < r->ngroups; k++) {
        const char *dot = strchr(r->groups[k].workload, '.');
        size_t clen = dot ? (size_t)(dot - r->groups[k].workload) : strlen(r->groups[k].workload);
        int seen = 0;
        for (size_t j = 0; j < k && !seen; j++)
            seen = strncmp(r->groups[j].workload, r->groups[k].workload, clen) == 0 &&
                   (r->groups[j].workload[clen] == '.' || r->groups[j].workload[clen] == '\0');
        if (seen)
            continue;
        const char *names[64];
        unsigned wins[64], at_cpus = 0, inputs = 0;
        size_t nnames = 0;
        for (size_t j = k; j < r->ngroups; j++) {
            const struct pcb_rp_group *g = &r->groups[j];
            if (strncmp(g->workload, r->groups[k].workload, clen) != 0 ||
                (g->workload[clen] != '.' && g->workload[clen] != '\0'))
                continue;
            const struct pcb_rp_case *best = fastest(g);
            if (!best)
                continue;
            inputs++;
            at_cpus += r->cpus && best->workers == r->cpus;
            size_t n = 0;
            while (n < nnames && strcmp(names[n], best->strategy) != 0)
                n++;
            if (n == nnames && nnames < 64) {
                names[nnames] = best->strategy;
                wins[nnames++] = 0;
            }
            if (n < nnames)
                wins[n]++;
        }
        if (!inputs)
            continue;
        char cls[PCB_NAME_MAX];
        snprintf(cls, sizeof(cls), "%.*s", (int)clen, r->groups[k].workload);
        fprintf(f, "- **");
        md_name(f, cls);
        fprintf(f, "** work (%u input%s): fastest ", inputs, inputs == 1 ? "" : "s");
        for (size_t n = 0; n < nnames; n++) {
            fprintf(f, "%s", n ? (n + 1 == nnames ? " and " : ", ") : "");
            md_name(f, names[n]);
            fprintf(f, " on %u", wins[n]);
        }
        if (r->cpus)
            fprintf(f, "; the winner used as many workers as there are CPUs (%u) on %u of them",
                    r->cpus, at_cpus);
        fprintf(f, ".\n");
    }
    fprintf(f, "\n");
}

/* "Scaling model": the fit of every sweep (scaling.csv has them all, with their verdicts). */
static void scaling_section(FILE *f, const struct pcb_rp_report *r, const char *dir, int charts)
{
    size_t fitted = 0, poor = 0, few = 0, flat = 0, short_sweeps = 0;
    char g1[32], p2[32], p4[32], peak[32];

    for (size_t i = 0; i < r->nscalings; i++) {
        const struct pcb_rp_scaling *sc = &r->scalings[i];
        fitted += sc->fit.status == PCB_USL_OK;
        poor += sc->fit.status == PCB_USL_POOR;
        few += sc->fit.status == PCB_USL_TOO_FEW;
        flat += sc->fit.status == PCB_USL_FLAT;
        size_t below = 0;
        for (size_t p = 0; p < sc->npoints; p++)
            below += r->cpus && sc->n[p] <= r->cpus;
        short_sweeps += (sc->fit.status == PCB_USL_OK || sc->fit.status == PCB_USL_POOR) &&
                        below < PCB_USL_MIN_POINTS;
    }
    fprintf(f,
            "## Scaling model\n\nThe Universal Scalability Law, X(N) = γN / (1 + σ(N−1) + "
            "κN(N−1)), fitted by least squares (0 ≤ σ, κ ≤ 1) to throughput (tasks/s) "
            "against workers (or tasks in flight where the cases count them) of every "
            "sweep with at least %d points: σ is contention, κ coherency, γ one worker's "
            "throughput; the peak is N* = √((1−σ)/κ). Projections to 2× and 4× this "
            "machine's %u CPUs are *projections*, shown only for fits with R² ≥ %.1f. "
            "%zu sweeps fitted, %zu fitted poorly, %zu with too few points, %zu flat; "
            "every sweep with its verdict is in [scaling.csv](scaling.csv).\n\n",
            PCB_USL_MIN_POINTS, r->cpus, PCB_USL_MIN_R2, fitted, poor, few, flat);
    if (short_sweeps)
        fprintf(f,
                "**A weak fit.** %zu of these sweeps have fewer than %d points at or below "
                "the CPU count: past it, workers share CPUs, so σ and κ here describe this "
                "machine running more workers than it has CPUs, and trade off against each "
                "other. They do not say how the strategy scales on a machine with more "
                "CPUs; a run there does.\n\n",
                short_sweeps, PCB_USL_MIN_POINTS);
    if (!fitted && !poor)
        return;
    fprintf(f,
            "| input | strategy | points | σ | κ | γ (tasks/s) | R² | peak N* | at 2× CPUs = "
            "%u (projected) | at 4× CPUs = %u (projected) |\n"
            "|---|---|---:|---:|---:|---:|---:|---:|---:|---:|\n",
            2 * r->cpus, 4 * r->cpus);
    for (size_t i = 0; i < r->nscalings; i++) {
        const struct pcb_rp_scaling *sc = &r->scalings[i];
        const struct pcb_usl *u = &sc->fit;
        if (u->status != PCB_USL_OK && u->status != PCB_USL_POOR)
            continue;
        pcb_rp_fmt_si(g1, sizeof(g1), u->gamma);
        pcb_rp_fmt_si(p2, sizeof(p2), sc->proj2);
        pcb_rp_fmt_si(p4, sizeof(p4), sc->proj4);
        if (isinf(u->peak))
            snprintf(peak, sizeof(peak), "none (κ ≈ 0)");
        else
            snprintf(peak, sizeof(peak), "%.1f", u->peak);
        fprintf(f, "| ");
        md_name(f, sc->group->key);
        fprintf(f, " | ");
        md_name(f, sc->series);
        fprintf(f, " | %zu %s, up to %g | %.3f | %.4f | %s | %.3f%s | %s | %s | %s |\n",
                sc->npoints, sc->axis, sc->n[sc->npoints - 1], u->sigma, u->kappa, g1, u->r2,
                u->status == PCB_USL_POOR ? " (poor)" : "", peak, p2, p4);
    }
    fprintf(f, "\n");
    if (charts)
        for (size_t k = 0; k < r->ngroups; k++) {
            char base[160];
            snprintf(base, sizeof(base), "%s-scaling", r->groups[k].slug);
            chart_link(f, dir, base, "throughput against workers with the fitted model");
        }
}

/* Prints a counter that holds a time, judging the unit from its name's suffix. */
static void fmt_counter_time(char *out, size_t cap, const char *name, double v)
{
    size_t n = strlen(name);

    if (isnan(v))
        snprintf(out, cap, "-");
    else if (n > 3 && strcmp(name + n - 3, "_us") == 0)
        pcb_rp_fmt_time(out, cap, v * 1e3);
    else if (n > 3 && strcmp(name + n - 3, "_ms") == 0)
        pcb_rp_fmt_time(out, cap, v * 1e6);
    else if (n > 2 && strcmp(name + n - 2, "_s") == 0)
        pcb_rp_fmt_time(out, cap, v * 1e9);
    else
        pcb_rp_fmt_time(out, cap, v); /* _ns, or no unit: pcbench reports latencies in ns */
}

/* The first counter whose name contains `key` ("p50"), or NULL. */
static const struct pcb_rp_counter *counter_like(const struct pcb_rp_case *c, const char *key)
{
    for (size_t i = 0; i < c->ncounters; i++)
        if (strstr(c->counters[i].name, key))
            return &c->counters[i];
    return NULL;
}

static void family_section(FILE *f, const struct pcb_rp_report *r, enum pcb_rp_family fam,
                           const char *title, const char *intro)
{
    char t[32], sd[32], p50[32], p99[32], bps[32], ratio[32];
    int any = 0;

    for (size_t i = 0; i < r->ncases; i++)
        any |= r->cases[i].family == fam;
    if (!any)
        return;
    fprintf(f, "## %s\n\n%s\n\n", title, intro);
    if (fam == PCB_RP_IPC)
        fprintf(f, "| case | median per op | stddev | p50 | p99 | bytes/s | x floor | floor |\n"
                   "|---|---:|---:|---:|---:|---:|---:|---|\n");
    else
        fprintf(f, "| case | median per op | stddev | x floor | floor |\n"
                   "|---|---:|---:|---:|---|\n");
    for (size_t i = 0; i < r->ncases; i++) {
        const struct pcb_rp_case *c = &r->cases[i];
        if (c->family != fam)
            continue;
        fprintf(f, "| ");
        md_name(f, c->label);
        if (c->failed) {
            fprintf(f, " | FAILED: ");
            md(f, c->error);
            fprintf(f, fam == PCB_RP_IPC ? " | | | | | | |\n" : " | | | |\n");
            continue;
        }
        pcb_rp_fmt_time(t, sizeof(t), c->median_ns);
        pcb_rp_fmt_time(sd, sizeof(sd), c->stddev_ns);
        fmt_x(ratio, sizeof(ratio), c->floor_ratio);
        fprintf(f, " | %s | %s", t, sd);
        if (fam == PCB_RP_IPC) {
            const struct pcb_rp_counter *a = counter_like(c, "p50"), *b = counter_like(c, "p99");
            fmt_counter_time(p50, sizeof(p50), a ? a->name : "", a ? a->value : NAN);
            fmt_counter_time(p99, sizeof(p99), b ? b->name : "", b ? b->value : NAN);
            pcb_rp_fmt_si(bps, sizeof(bps), pcb_rp_counter(c, "bytes_per_second"));
            fprintf(f, " | %s | %s | %s", p50, p99, bps);
        }
        fprintf(f, " | %s | ", ratio);
        if (c->floor)
            md_name(f, c->floor->label);
        else
            fprintf(f, "-");
        fprintf(f, " |\n");
    }
    fprintf(f, "\n");
}

static void whole_section(FILE *f, const struct pcb_rp_report *r, const char *dir, int charts)
{
    char t[32], mean[32], sd[32], mn[32], mx[32], us[32], sy[32];
    int any = 0;

    for (size_t i = 0; i < r->ncases; i++)
        any |= r->cases[i].family == PCB_RP_WHOLE;
    if (!any)
        return;
    fprintf(f, "## Whole-process timing (hyperfine)\n\nEach command timed as a whole process "
               "by hyperfine: exec, dynamic linking, input preparation, pool start and stop, and "
               "exit, all of which Google Benchmark's in-process timing leaves out. Speedup is "
               "against the command named Sequential.\n\n"
               "| command | runs | median | mean ± stddev | min | max | user | system | "
               "speedup |\n|---|---:|---:|---:|---:|---:|---:|---:|---:|\n");
    for (size_t i = 0; i < r->ncases; i++) {
        const struct pcb_rp_case *c = &r->cases[i];
        if (c->family != PCB_RP_WHOLE)
            continue;
        fprintf(f, "| ");
        md_name(f, c->name);
        if (c->failed) {
            fprintf(f, " | %zu | FAILED: ", c->nreps);
            md(f, c->error);
            fprintf(f, " | | | | | | |\n");
            continue;
        }
        fprintf(f, " | %zu | %s | %s ± %s | %s | %s | %s | %s | ", c->nreps,
                pcb_rp_fmt_time(t, sizeof(t), c->median_ns),
                pcb_rp_fmt_time(mean, sizeof(mean), c->mean_ns),
                pcb_rp_fmt_time(sd, sizeof(sd), c->stddev_ns),
                pcb_rp_fmt_time(mn, sizeof(mn), c->min_ns),
                pcb_rp_fmt_time(mx, sizeof(mx), c->max_ns),
                pcb_rp_fmt_time(us, sizeof(us), c->user_ns),
                pcb_rp_fmt_time(sy, sizeof(sy), c->sys_ns));
        if (isnan(c->speedup))
            fprintf(f, "- |\n");
        else
            fprintf(f, "%.2f |\n", c->speedup);
    }
    fprintf(f, "\n");
    if (charts)
        chart_link(f, dir, "whole-process", "whole-process median time per command");
}

static void other_section(FILE *f, const struct pcb_rp_report *r)
{
    char t[32], sd[32], ips[32];
    int any = 0;

    for (size_t i = 0; i < r->ncases; i++)
        any |= r->cases[i].family == PCB_RP_OTHER;
    if (!any)
        return;
    fprintf(f, "## Other cases\n\n| case | median | stddev | items/s |\n|---|---:|---:|---:|\n");
    for (size_t i = 0; i < r->ncases; i++) {
        const struct pcb_rp_case *c = &r->cases[i];
        if (c->family != PCB_RP_OTHER)
            continue;
        fprintf(f, "| ");
        md_name(f, c->label);
        if (c->failed) {
            fprintf(f, " | FAILED: ");
            md(f, c->error);
            fprintf(f, " | | |\n");
            continue;
        }
        fprintf(f, " | %s | %s | %s |\n", pcb_rp_fmt_time(t, sizeof(t), c->median_ns),
                pcb_rp_fmt_time(sd, sizeof(sd), c->stddev_ns),
                pcb_rp_fmt_si(ips, sizeof(ips), pcb_rp_counter(c, "items_per_second")));
    }
    fprintf(f, "\n");
}

int pcb_rp_write_markdown(const struct pcb_rp_report *r, const char *dir, const char *shown,
                          char *err)
{
    char path[4096];
    size_t nfailed = 0;
    FILE *f;

    /* dir is the report's staging folder (main.c): the file is new, and moved into place only
     * when the whole report was written. Messages name it as it will be: shown/index.md. */
    snprintf(path, sizeof(path), "%s/index.md", dir);
    if (!(f = fopen(path, "we"))) {
        pcb_rp_errf(err, "%s/index.md: cannot write it: %s", shown, strerror(errno));
        return -1;
    }
    for (size_t i = 0; i < r->ncases; i++)
        nfailed += r->cases[i].failed != 0;
    fputs(PCB_RP_MD_HEAD "# pcbench report\n\n", f);
    machine_line(f, r);
    fprintf(f, "**Input:** ");
    /* The report's own files, then those of the other MPI runs (links.c). */
    for (size_t k = 0, shown_files = 0; k <= r->nruns; k++) {
        const struct pcb_rp_report *run = k ? r->runs[k - 1] : r;
        for (size_t i = 0; i < run->nfiles; i++, shown_files++) {
            fprintf(f, "%s`", shown_files ? ", " : "");
            pcb_text_write(f, run->files[i]->path, 0, put_code);
            fprintf(f, "`");
        }
    }
    fprintf(f,
            "; %zu cases, %zu failed. Every case with every counter: "
            "[results.csv](results.csv).  \n",
            r->ncases, nfailed);
    if (r->charts_done)
        fprintf(f, "**Charts:** made with gnuplot from [charts.gp](charts.gp); PNG shown, SVG "
                   "linked.\n\n");
    else
        fprintf(f, "**Charts:** skipped: %s.\n\n", r->charts_note);
    fprintf(f, "Median time is per batch of N tasks (per operation for the families), over the "
               "repetitions; speedup = Sequential's median / this median on the same input and "
               "task count; workers = threads or processes (P x T for Hybrid, tasks in flight "
               "for Async); in flight = the most tasks in flight (concurrency); efficiency = "
               "speedup / min(workers, CPUs) on CPU work, speedup / in flight on waiting work; "
               "peak RSS counts pcbench and every worker process; cores used = CPU time / wall "
               "time.\n\n");
    if (r->ngroups) {
        glance(f, r);
        advice(f, r);
        scaling_section(f, r, dir, r->charts_done);
    }
    for (size_t k = 0; k < r->ngroups; k++)
        group_section(f, &r->groups[k], dir, r->charts_done);
    family_section(f, r, PCB_RP_FLOOR, "Floor",
                   "The machine's own floor, measured in the same run. x floor: threads cases "
                   "against Floor/futex_pingpong/threads, processes cases against "
                   "Floor/pipe_pingpong/processes.");
    family_section(f, r, PCB_RP_IPC, "IPC",
                   "Message passing and shared memory between threads and between processes. "
                   "x floor: the median per operation over the median of the Floor/ case the "
                   "case's label names (for streams, when both report bytes/s: the floor's "
                   "bytes/s over the case's); a case without such a label is read against "
                   "Floor/futex_pingpong/threads (threads) or Floor/pipe_pingpong/processes "
                   "(processes).");
    if (r->charts_done) {
        char msgs[16][32], base[64];
        size_t n = pcb_rp_ipc_charts(r, msgs, 16);
        for (size_t k = 0; k < n; k++) {
            pcb_rp_ipc_chart_base(msgs[k], base, sizeof(base));
            chart_link(f, dir, base, "IPC latency per mechanism");
        }
    }
    family_section(f, r, PCB_RP_LIFECYCLE, "Lifecycle",
                   "Creating, pausing, resuming and ending threads, processes and pools. x "
                   "floor: as for IPC (the Floor/ case the label names; otherwise threads: "
                   "futex ping-pong, processes: pipe ping-pong; pool start cases have none).");
    pcb_rp_write_links(f, r);
    whole_section(f, r, dir, r->charts_done);
    other_section(f, r);
    /* A write that failed on the way (a full disk) shows in ferror(), even when the last
     * flush, in fclose(), succeeds. */
    int bad = ferror(f) != 0, e = errno;
    if (fclose(f) != 0 && !bad) {
        bad = 1;
        e = errno;
    }
    if (bad) {
        pcb_rp_errf(err, "%s/index.md: cannot write it: %s", shown, strerror(e ? e : EIO));
        return -1;
    }
    return 0;
}
