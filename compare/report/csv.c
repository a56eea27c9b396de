/*
 * csv.c - writes DIR/results.csv: one row per case, every counter a column; see report.h.
 *
 * RFC 4180: comma-separated, fields with a comma or a quote are quoted and inner quotes
 * doubled; text holds no line break, since control characters show as '?' (compare/text.h), and
 * no name is cut. Times are in nanoseconds; empty fields mean "not measured" (a failed case
 * has only its name, status and error). Counter columns are the union over all cases, in
 * order of first appearance.
 */
#define _GNU_SOURCE
#include "report.h"

#include "text.h"

#include <errno.h>
#include <math.h>
#include <stdbool.h>
#include <stdio.h>
#include <string.h>
#include <unistd.h>

/* One character of a field: a quote doubled (the field is then quoted). */
static void put_csv(FILE *f, uint32_t cp, const char *bytes, size_t n)
{
    if (cp == '"')
        fputc('"', f);
    fwrite(bytes, 1, n, f);
}

/* Writes s, text from a result file, as one field: whole, with control characters shown as '?'
 * (compare/text.h), so a row stays one line and a terminal showing the file is not driven by
 * it; quoted when it holds a comma or a quote. */
static void field(FILE *f, const char *s)
{
    if (!s)
        s = "";
    bool quoted = strpbrk(s, ",\"") != NULL;
    if (quoted)
        fputc('"', f);
    pcb_text_write(f, s, 0, put_csv);
    if (quoted)
        fputc('"', f);
}

static void number(FILE *f, double v)
{
    if (!isnan(v))
        fprintf(f, "%.10g", v);
}

static const char *family_name(enum pcb_rp_family fam)
{
    switch (fam) {
    case PCB_RP_MATRIX:
        return "matrix";
    case PCB_RP_IPC:
        return "IPC";
    case PCB_RP_LIFECYCLE:
        return "Lifecycle";
    case PCB_RP_FLOOR:
        return "Floor";
    case PCB_RP_WHOLE:
        return "whole-process";
    case PCB_RP_OTHER:
        break;
    }
    return "other";
}

/* Opens dir/name for writing. dir is the report's staging folder (main.c): the file is new, and
 * moved into place only when the whole report was written; messages name it as it will be,
 * shown/name. Returns the stream, or NULL with err set. */
static FILE *csv_open(const char *dir, const char *shown, const char *name, char *err)
{
    char path[4096];
    FILE *f;

    snprintf(path, sizeof(path), "%s/%s", dir, name);
    if (!(f = fopen(path, "we")))
        pcb_rp_errf(err, "%s/%s: cannot write it: %s", shown, name, strerror(errno));
    return f;
}

/* Closes f; a write that failed on the way (a full disk) shows in ferror(), even when the last
 * flush, in fclose(), succeeds. Returns 0, or -1 with err set. */
static int csv_close(FILE *f, const char *shown, const char *name, char *err)
{
    int bad = ferror(f) != 0, e = errno;

    if (fclose(f) != 0 && !bad) {
        bad = 1;
        e = errno;
    }
    if (bad)
        return pcb_rp_errf(err, "%s/%s: cannot write it: %s", shown, name, strerror(e ? e : EIO));
    return 0;
}

int pcb_rp_write_csv(const struct pcb_rp_report *r, const char *dir, const char *shown, char *err)
{
    FILE *f = csv_open(dir, shown, "results.csv", err);

    if (!f)
        return -1;
    fputs(PCB_RP_CSV_HEAD, f);
    for (size_t k = 0; k < r->ncounter_names; k++) {
        fputc(',', f);
        field(f, r->counter_names[k]);
    }
    fputc('\n', f);
    for (size_t i = 0; i < r->ncases; i++) {
        const struct pcb_rp_case *c = &r->cases[i];
        field(f, c->name);
        fprintf(f, ",%s,", family_name(c->family));
        field(f, c->series ? c->series : c->strategy);
        fputc(',', f);
        field(f, c->workload);
        fprintf(f, ",%s,", c->family == PCB_RP_MATRIX ? c->workers_label : "");
        if (c->family == PCB_RP_MATRIX)
            fprintf(f, "%llu", (unsigned long long)c->tasks);
        fprintf(f, ",%s,", c->chunk);
        field(f, c->params);
        fprintf(f, ",%s,", c->failed ? "FAILED" : "ok");
        field(f, c->error);
        fprintf(f, ",%zu,", c->nreps);
        if (!c->failed) {
            number(f, c->median_ns);
            fputc(',', f);
            number(f, c->stddev_ns);
            fputc(',', f);
            number(f, c->mean_ns);
            fputc(',', f);
            number(f, c->cpu_ns);
            fputc(',', f);
            number(f, c->speedup);
            fputc(',', f);
            number(f, c->efficiency);
            fprintf(f, ",%s,", c->family == PCB_RP_MATRIX ? (c->winner ? "1" : "0") : "");
            field(f, c->floor ? c->floor->label : "");
            fputc(',', f);
            number(f, c->floor_ratio);
            fputc(',', f);
            field(f, c->src ? c->src->warning : NULL);
            for (size_t k = 0; k < r->ncounter_names; k++) {
                fputc(',', f);
                number(f, pcb_rp_counter(c, r->counter_names[k]));
            }
        } else {
            fputs(",,,,,,,,,", f);
            for (size_t k = 0; k < r->ncounter_names; k++)
                fputc(',', f);
        }
        fputc('\n', f);
    }
    return csv_close(f, shown, "results.csv", err);
}

/* The short name of a fit's verdict, for scaling.csv. */
static const char *usl_status_word(enum pcb_usl_status s)
{
    switch (s) {
    case PCB_USL_OK:
        return "fitted";
    case PCB_USL_POOR:
        return "poor_fit";
    case PCB_USL_TOO_FEW:
        return "too_few_points";
    case PCB_USL_FLAT:
        return "flat";
    case PCB_USL_BAD:
        break;
    }
    return "unusable";
}

int pcb_rp_write_scaling_csv(const struct pcb_rp_report *r, const char *dir, const char *shown,
                             char *err)
{
    FILE *f = csv_open(dir, shown, "scaling.csv", err);

    if (!f)
        return -1;
    /* peak_workers is "inf" when kappa is ~0 (no peak); the projections are empty unless the
     * fit is good and the CPU count known; status says which. */
    fputs(PCB_RP_SCALING_CSV_HEAD, f);
    for (size_t i = 0; i < r->nscalings; i++) {
        const struct pcb_rp_scaling *sc = &r->scalings[i];
        const struct pcb_usl *u = &sc->fit;
        field(f, sc->series);
        fputc(',', f);
        field(f, sc->first->strategy);
        fputc(',', f);
        field(f, sc->first->variant);
        fputc(',', f);
        field(f, sc->first->workload);
        fputc(',', f);
        field(f, sc->first->params);
        fprintf(f, ",%llu,%s,%zu,", (unsigned long long)sc->first->tasks, sc->axis, sc->npoints);
        number(f, sc->n[sc->npoints - 1]);
        fputc(',', f);
        number(f, u->sigma);
        fputc(',', f);
        number(f, u->kappa);
        fputc(',', f);
        number(f, u->gamma);
        fputc(',', f);
        number(f, u->r2);
        fputc(',', f);
        if (isinf(u->peak))
            fputs("inf", f);
        else
            number(f, u->peak);
        fprintf(f, ",%u,", r->cpus);
        number(f, sc->proj2);
        fputc(',', f);
        number(f, sc->proj4);
        fprintf(f, ",%s\n", usl_status_word(u->status));
    }
    return csv_close(f, shown, "scaling.csv", err);
}
