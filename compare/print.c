/* print.c - prints the outcome of a comparison as a terminal table, Markdown
 * or JSON.
 *
 * The three printers show the same facts: the machine differences, the
 * warnings, one row per case and the summary. Human formats (table, md)
 * always end with the one-line summary; Markdown lists regressions first so
 * it can be pasted into a pull request as is. The JSON layout is documented
 * in docs/compare.md ("Output", JSON) and only grows by adding fields; NaN values are
 * written as null. Nothing here decides anything.
 */
#include "compare.h"
#include "text.h"

#include <math.h>
#include <stdbool.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

/* The widest a case name is shown in the table and in Markdown (text.h); the JSON output keeps
 * the whole name. */
#define NAME_COLS PCB_TEXT_NAME_COLS

/* How text from the input is written: for a terminal, for Markdown, or inside a Markdown code
 * span. */
enum text_mode { TEXT_PLAIN, TEXT_MD, TEXT_MD_CODE };

/* One character in Markdown: the characters a table or inline markup would take are escaped. */
static void put_md(FILE *out, uint32_t cp, const char *bytes, size_t n)
{
    if (cp < 0x80 && strchr("|*_`\\<[]", (int)cp) != NULL)
        fputc('\\', out);
    fwrite(bytes, 1, n, out);
}

/* One character in a Markdown code span, where escapes do not work: '`' becomes '\'' and '|'
 * becomes '/'. */
static void put_md_code(FILE *out, uint32_t cp, const char *bytes, size_t n)
{
    if (cp == '`' || cp == '|')
        fputc(cp == '`' ? '\'' : '/', out);
    else
        fwrite(bytes, 1, n, out);
}

/* Writes s, text from the input, at most max characters (0: no limit), by text.h's rules
 * (control characters as '?', a longer text cut with an ellipsis) and the mode's escapes.
 * Returns the characters written. */
static size_t put_text(FILE *out, const char *s, size_t max, enum text_mode mode)
{
    return pcb_text_write(out, s, max,
                          mode == TEXT_MD        ? put_md
                          : mode == TEXT_MD_CODE ? put_md_code
                                                 : pcb_text_put_plain);
}

/* The context keys whose differences are shown, besides any "pcbench_*". */
static const char *const shown_keys[] = {"host_name",           "num_cpus",       "mhz_per_cpu",
                                         "cpu_scaling_enabled", "caches",         "load_avg",
                                         "library_build_type",  "library_version"};

/* Keys that make a comparison cross-machine when they differ. */
static const char *const machine_keys[] = {"host_name", "num_cpus", "mhz_per_cpu"};

static const char *ctx_value(const struct pcb_cmp_side *s, const char *key)
{
    size_t i;
    for (i = 0; i < s->nctx; i++)
        if (strcmp(s->ctx[i].key, key) == 0)
            return s->ctx[i].value;
    return NULL;
}

/* One context key whose value differs between the sides. */
struct diff {
    const char *key;  /* the key */
    const char *base; /* value on base, NULL when absent */
    const char *new_; /* value on new, NULL when absent */
};

/* Collects the differing context keys into d (capacity cap); returns how
 * many. Only compares when both sides have a context. */
static size_t context_diff(const struct pcb_cmp_side *b, const struct pcb_cmp_side *n,
                           struct diff *d, size_t cap)
{
    size_t k = 0, i, j;

    if (b->nctx == 0 || n->nctx == 0)
        return 0;
    for (i = 0; i < sizeof(shown_keys) / sizeof(shown_keys[0]) && k < cap; i++) {
        const char *vb = ctx_value(b, shown_keys[i]);
        const char *vn = ctx_value(n, shown_keys[i]);
        if ((vb || vn) && (!vb || !vn || strcmp(vb, vn) != 0))
            d[k++] = (struct diff){shown_keys[i], vb, vn};
    }
    /* pcbench_* keys: those of base, then those only new has. */
    for (j = 0; j < 2; j++) {
        const struct pcb_cmp_side *s = j ? n : b, *o = j ? b : n;
        for (i = 0; i < s->nctx && k < cap; i++) {
            const char *key = s->ctx[i].key, *ov;
            if (strncmp(key, "pcbench_", 8) != 0)
                continue;
            ov = ctx_value(o, key);
            if (j == 1 && ov != NULL)
                continue; /* already seen from base */
            if (ov == NULL || strcmp(ov, s->ctx[i].value) != 0)
                d[k++] = (struct diff){key, j ? ov : s->ctx[i].value, j ? s->ctx[i].value : ov};
        }
    }
    return k;
}

/* Fills buf with the names of the machine keys that differ, "" if none. */
static void machine_differences(const struct pcb_cmp_side *b, const struct pcb_cmp_side *n,
                                char *buf, size_t len)
{
    size_t i;
    buf[0] = 0;
    if (b->nctx == 0 || n->nctx == 0)
        return;
    for (i = 0; i < sizeof(machine_keys) / sizeof(machine_keys[0]); i++) {
        const char *vb = ctx_value(b, machine_keys[i]);
        const char *vn = ctx_value(n, machine_keys[i]);
        if (vb && vn && strcmp(vb, vn) != 0) {
            size_t l = strlen(buf);
            snprintf(buf + l, len - l, "%s%s", l ? ", " : "", machine_keys[i]);
        }
    }
}

/* Collects the warnings for the header; returns how many (at most 4). */
static size_t warnings(const struct pcb_cmp_side *b, const struct pcb_cmp_side *n,
                       const struct pcb_cmp_outcome *oc, const struct pcb_cmp_decide_opts *o,
                       char w[5][512])
{
    size_t k = 0;
    char keys[128];

    machine_differences(b, n, keys, sizeof(keys));
    if (keys[0] && o->normalize == NULL)
        snprintf(w[k++], 512,
                 "CROSS-MACHINE COMPARISON: %s differ between base and new, and "
                 "--normalize was not given; differences may come from the "
                 "machines, not the change",
                 keys);
    if (b->mixed_machines || n->mixed_machines)
        snprintf(w[k++], 512,
                 "the %s files come from different machines; their samples were "
                 "merged anyway",
                 b->mixed_machines ? "base" : "new");
    if (oc->n == 0)
        snprintf(w[k++], 512, "no cases to compare: the files have no benchmarks%s",
                 o->filter ? ", or --filter matched none" : "");
    if (oc->no_raw_samples)
        snprintf(w[k++], 512,
                 "no raw samples were available for some cases (aggregates "
                 "only): they were decided from medians and cv, without a U "
                 "test");
    if (oc->counts[PCB_CMP_WORK_CHANGED])
        snprintf(w[k++], 512,
                 "WORK CHANGED: %zu case%s measured different work on the two sides (their "
                 "reference digests differ): their times are not compared, and the comparison "
                 "fails",
                 oc->counts[PCB_CMP_WORK_CHANGED],
                 oc->counts[PCB_CMP_WORK_CHANGED] == 1 ? "" : "s");
    return k;
}

/* Formats a metric value with a unit suitable for its size. */
static void fmt_value(char *buf, size_t len, double v, const struct pcb_cmp_decide_opts *o)
{
    static const struct {
        double div;       /* nanoseconds per unit */
        const char *unit; /* unit name */
    } units[] = {{1e9, "s"}, {1e6, "ms"}, {1e3, "us"}, {1, "ns"}};
    size_t i;

    if (isnan(v)) {
        snprintf(buf, len, "-");
        return;
    }
    if (o->normalize != NULL) {
        snprintf(buf, len, "%.4g", v); /* a ratio to the calibration case */
        return;
    }
    if (!o->metric.is_time) {
        static const struct {
            double div;         /* multiple */
            const char *suffix; /* its SI prefix */
        } si[] = {{1e12, "T"}, {1e9, "G"}, {1e6, "M"}, {1e3, "k"}};
        for (i = 0; i < 4; i++)
            if (fabs(v) >= si[i].div) {
                snprintf(buf, len, "%.4g%s", v / si[i].div, si[i].suffix);
                return;
            }
        snprintf(buf, len, "%.4g", v);
        return;
    }
    for (i = 0; i < 3 && fabs(v) < units[i].div; i++)
        ;
    snprintf(buf, len, "%.4g %s", v / units[i].div, units[i].unit);
}

static void fmt_change(char *buf, size_t len, double c)
{
    if (isnan(c))
        snprintf(buf, len, "-");
    else
        snprintf(buf, len, "%+.1f%%", 100 * c);
}

static void fmt_p(char *buf, size_t len, double p)
{
    if (isnan(p))
        snprintf(buf, len, "-");
    else
        snprintf(buf, len, "%.3g", p);
}

/* Writes the one-line summary, without a newline. */
static void print_summary(FILE *out, const struct pcb_cmp_outcome *oc)
{
    static const enum pcb_cmp_verdict extra[] = {PCB_CMP_NEW, PCB_CMP_MISSING, PCB_CMP_FAILED,
                                                 PCB_CMP_WORK_CHANGED};
    size_t i;

    fprintf(out, "%zu regressed, %zu improved, %zu same, %zu inconclusive",
            oc->counts[PCB_CMP_REGRESSED], oc->counts[PCB_CMP_IMPROVED], oc->counts[PCB_CMP_SAME],
            oc->counts[PCB_CMP_INCONCLUSIVE]);
    for (i = 0; i < sizeof(extra) / sizeof(extra[0]); i++)
        if (oc->counts[extra[i]])
            fprintf(out, ", %zu %s", oc->counts[extra[i]], pcb_cmp_verdict_name(extra[i]));
    if (isnan(oc->overall.geomean))
        fprintf(out, " (geomean n/a)");
    else
        fprintf(out, " (geomean \xc3\x97%.3f)", oc->overall.geomean);
}

static const char *verdict_color(enum pcb_cmp_verdict v)
{
    switch (v) {
    case PCB_CMP_REGRESSED:
        return "\033[1;31m";
    case PCB_CMP_IMPROVED:
        return "\033[1;32m";
    case PCB_CMP_INCONCLUSIVE:
        return "\033[33m";
    case PCB_CMP_FAILED:
    case PCB_CMP_WORK_CHANGED:
        return "\033[1;35m";
    case PCB_CMP_NEW:
    case PCB_CMP_MISSING:
        return "\033[36m";
    default:
        return "\033[2m";
    }
}

/* Prints "label: file, file (kind)". */
static void print_files(FILE *out, const char *prefix, const struct pcb_cmp_side *s)
{
    size_t i;
    fprintf(out, "%s", prefix);
    for (i = 0; i < s->nfiles; i++) {
        fputs(i ? ", " : "", out);
        put_text(out, s->files[i]->path, 0, TEXT_PLAIN);
    }
    fprintf(out, "  (%s%s%s, %zu case%s)\n", s->n_gbench ? "Google Benchmark" : "",
            s->n_gbench && s->n_hyperfine ? " + " : "", s->n_hyperfine ? "hyperfine" : "",
            s->ncases, s->ncases == 1 ? "" : "s");
}

static void print_metric_line(FILE *out, const struct pcb_cmp_print_opts *po,
                              const struct pcb_cmp_outcome *oc)
{
    const struct pcb_cmp_decide_opts *o = po->decide;
    fputs("metric: ", out);
    put_text(out, o->metric.name, NAME_COLS, TEXT_PLAIN);
    fprintf(out, " (%s is better), threshold %g%%, alpha %g",
            o->metric.higher_is_better ? "higher" : "lower", 100 * o->threshold, o->alpha);
    if (o->normalize) {
        fputs(", normalised by \"", out);
        put_text(out, o->normalize, NAME_COLS, TEXT_PLAIN);
        fprintf(out, "\" (base %.4g ns, new %.4g ns)", oc->norm_base, oc->norm_new);
    }
    if (o->holm)
        fputs(", Holm-adjusted", out);
    if (o->paired)
        fputs(", paired rounds (signed-rank test of each round's ratio)", out);
    fprintf(out, "\n");
}

static int print_table(FILE *out, const struct pcb_cmp_side *b, const struct pcb_cmp_side *n,
                       const struct pcb_cmp_outcome *oc, const struct pcb_cmp_print_opts *po)
{
    struct diff d[64];
    char w[5][512];
    size_t nd = context_diff(b, n, d, 64), nw = warnings(b, n, oc, po->decide, w);
    size_t i, namew = 4;
    const char *on = po->color ? "\033[1m" : "", *off = po->color ? "\033[0m" : "";

    print_files(out, "base: ", b);
    print_files(out, "new:  ", n);
    print_metric_line(out, po, oc);
    if (nd) {
        fprintf(out, "\nmachine and build differences:\n");
        for (i = 0; i < nd; i++) {
            size_t w = put_text(out, "  ", 0, TEXT_PLAIN);
            w += put_text(out, d[i].key, 0, TEXT_PLAIN);
            fprintf(out, "%*s base: ", w < 22 ? (int)(22 - w) : 0, "");
            put_text(out, d[i].base ? d[i].base : "(absent)", 0, TEXT_PLAIN);
            fprintf(out, "\n  %-20s new:  ", "");
            put_text(out, d[i].new_ ? d[i].new_ : "(absent)", 0, TEXT_PLAIN);
            fputc('\n', out);
        }
    }
    for (i = 0; i < nw; i++)
        fprintf(out, "\n%sWARNING: %s%s\n", po->color ? "\033[1;31m" : "", w[i], off);
    if (oc->skipped_no_metric) {
        fprintf(out, "\nnote: %zu cases have no \"", oc->skipped_no_metric);
        put_text(out, po->decide->metric.name, NAME_COLS, TEXT_PLAIN);
        fputs("\" on a side and were left out\n", out);
    }
    for (i = 0; i < oc->n; i++)
        if (pcb_text_width(oc->results[i].name, NAME_COLS) > namew)
            namew = pcb_text_width(oc->results[i].name, NAME_COLS);
    fprintf(out, "\n%s%-*s  %12s  %12s  %8s  %8s  %8s  %-12s  %s%s\n", on, (int)namew, "Case",
            "Base", "New", "Change", "p", "q", "Verdict", "Note", off);
    for (i = 0; i < oc->n; i++) {
        const struct pcb_cmp_result *r = &oc->results[i];
        char vb[32], vn[32], ch[32], p[32], q[32];
        fmt_value(vb, sizeof(vb), r->base.median, po->decide);
        fmt_value(vn, sizeof(vn), r->new_.median, po->decide);
        fmt_change(ch, sizeof(ch), r->change);
        fmt_p(p, sizeof(p), r->p);
        fmt_p(q, sizeof(q), r->q);
        size_t w = put_text(out, r->name, NAME_COLS, TEXT_PLAIN);
        fprintf(out, "%*s  %12s  %12s  %8s  %8s  %8s  %s%-12s%s  ", (int)(namew - w), "", vb, vn,
                ch, p, q, po->color ? verdict_color(r->verdict) : "",
                pcb_cmp_verdict_name(r->verdict), off);
        put_text(out, r->note, 0, TEXT_PLAIN);
        fputc('\n', out);
    }
    fprintf(out, "\n");
    print_summary(out, oc);
    fprintf(out, "\n");
    return 0;
}

/* Writes s with the characters Markdown tables care about escaped. */
static void md_escape(FILE *out, const char *s)
{
    put_text(out, s, 0, TEXT_MD);
}

static int print_md(FILE *out, const struct pcb_cmp_side *b, const struct pcb_cmp_side *n,
                    const struct pcb_cmp_outcome *oc, const struct pcb_cmp_print_opts *po)
{
    /* Regressions first, then what needs a look, then the rest. */
    static const enum pcb_cmp_verdict order[] = {
        PCB_CMP_REGRESSED, PCB_CMP_WORK_CHANGED, PCB_CMP_FAILED,   PCB_CMP_INCONCLUSIVE,
        PCB_CMP_MISSING,   PCB_CMP_NEW,          PCB_CMP_IMPROVED, PCB_CMP_SAME};
    struct diff d[64];
    char w[5][512];
    size_t nd = context_diff(b, n, d, 64), nw = warnings(b, n, oc, po->decide, w);
    size_t i, k;

    fprintf(out, "**");
    print_summary(out, oc);
    fprintf(out, "**\n\n");
    for (i = 0; i < nw; i++)
        fprintf(out, "> **Warning:** %s\n\n", w[i]);
    fputs("Metric `", out);
    put_text(out, po->decide->metric.name, NAME_COLS, TEXT_MD_CODE);
    fprintf(out, "` (%s is better), threshold %g%%, alpha %g%s%s%s.\n\n",
            po->decide->metric.higher_is_better ? "higher" : "lower", 100 * po->decide->threshold,
            po->decide->alpha, po->decide->holm ? ", Holm-adjusted" : "",
            po->decide->normalize ? ", normalised by the calibration case" : "",
            po->decide->paired ? ", paired rounds (signed-rank test of each round's ratio)" : "");
    if (nd) {
        fprintf(out, "| Context | Base | New |\n|---|---|---|\n");
        for (i = 0; i < nd; i++) {
            fprintf(out, "| ");
            md_escape(out, d[i].key);
            fprintf(out, " | ");
            md_escape(out, d[i].base ? d[i].base : "(absent)");
            fprintf(out, " | ");
            md_escape(out, d[i].new_ ? d[i].new_ : "(absent)");
            fprintf(out, " |\n");
        }
        fprintf(out, "\n");
    }
    if (oc->skipped_no_metric) {
        fprintf(out, "%zu cases have no `", oc->skipped_no_metric);
        put_text(out, po->decide->metric.name, NAME_COLS, TEXT_MD_CODE);
        fputs("` on a side and were left out.\n\n", out);
    }
    fprintf(out, "| Case | Base | New | Change | p | q | Verdict | Note |\n"
                 "|---|--:|--:|--:|--:|--:|---|---|\n");
    for (k = 0; k < sizeof(order) / sizeof(order[0]); k++)
        for (i = 0; i < oc->n; i++) {
            const struct pcb_cmp_result *r = &oc->results[i];
            char vb[32], vn[32], ch[32], p[32], q[32];
            if (r->verdict != order[k])
                continue;
            fmt_value(vb, sizeof(vb), r->base.median, po->decide);
            fmt_value(vn, sizeof(vn), r->new_.median, po->decide);
            fmt_change(ch, sizeof(ch), r->change);
            fmt_p(p, sizeof(p), r->p);
            fmt_p(q, sizeof(q), r->q);
            fprintf(out, "| `");
            put_text(out, r->name, NAME_COLS, TEXT_MD_CODE);
            fprintf(out, "` | %s | %s | %s | %s | %s | %s%s%s | ", vb, vn, ch, p, q,
                    r->verdict == PCB_CMP_REGRESSED ? "**" : "", pcb_cmp_verdict_name(r->verdict),
                    r->verdict == PCB_CMP_REGRESSED ? "**" : "");
            md_escape(out, r->note);
            fprintf(out, " |\n");
        }
    fprintf(out, "\n");
    print_summary(out, oc);
    fprintf(out, "\n");
    return 0;
}

/* Writes a JSON string literal, always valid JSON and UTF-8: control characters (DEL and the C1
 * controls too, which JSON allows raw but a terminal showing the JSON would act on) and the line
 * separators are escaped, and a byte that is not UTF-8 (a path from the command line may hold
 * one) becomes U+FFFD. */
static void json_str(FILE *out, const char *s)
{
    const unsigned char *p = (const unsigned char *)(s ? s : "");
    size_t n;

    fputc('"', out);
    for (; *p; p += n) {
        uint32_t cp = pcb_text_next((const char *)p, &n);
        if (cp == '"' || cp == '\\')
            fprintf(out, "\\%c", (int)cp);
        else if (cp == '\n')
            fputs("\\n", out);
        else if (cp == '\t')
            fputs("\\t", out);
        else if (cp < 0x20 || (cp >= 0x7f && cp <= 0x9f) || cp == 0x2028 || cp == 0x2029 ||
                 (cp == 0xfffd && n == 1))
            fprintf(out, "\\u%04x", (unsigned)cp);
        else
            fwrite(p, 1, n, out);
    }
    fputc('"', out);
}

/* A reference digest as "0x<16 hex digits>", or null when the side has none. */
static void json_digest(FILE *out, int has, uint64_t d)
{
    if (has)
        fprintf(out, "\"0x%016llx\"", (unsigned long long)d);
    else
        fputs("null", out);
}

/* Writes a JSON number, or null for NaN and infinities. */
static void json_num(FILE *out, double v)
{
    if (isfinite(v))
        fprintf(out, "%.12g", v);
    else
        fputs("null", out);
}

static void json_side_stat(FILE *out, const struct pcb_cmp_stat *s, const char *label)
{
    if (!s->present) {
        fprintf(out, "null");
        return;
    }
    fprintf(out, "{\"median\": ");
    json_num(out, s->median);
    fprintf(out, ", \"cv\": ");
    json_num(out, s->cv);
    fprintf(out, ", \"n\": %zu, \"raw\": %s, \"label\": ", s->n, s->raw ? "true" : "false");
    if (label)
        json_str(out, label);
    else
        fputs("null", out);
    fputc('}', out);
}

static void json_files(FILE *out, const struct pcb_cmp_side *s)
{
    size_t i;
    fprintf(out, "{\"files\": [");
    for (i = 0; i < s->nfiles; i++) {
        if (i)
            fputs(", ", out);
        json_str(out, s->files[i]->path);
    }
    fprintf(out, "], \"cases\": %zu, \"context\": {", s->ncases);
    for (i = 0; i < s->nctx; i++) {
        if (i)
            fputs(", ", out);
        json_str(out, s->ctx[i].key);
        fputs(": ", out);
        json_str(out, s->ctx[i].value);
    }
    fprintf(out, "}}");
}

static int print_json(FILE *out, const struct pcb_cmp_side *b, const struct pcb_cmp_side *n,
                      const struct pcb_cmp_outcome *oc, const struct pcb_cmp_print_opts *po)
{
    static const char *const tests[] = {NULL, "exact", "asymptotic", "signed_rank_exact",
                                        "signed_rank_asymptotic"};
    const struct pcb_cmp_decide_opts *o = po->decide;
    struct diff d[64];
    char w[5][512];
    size_t nd = context_diff(b, n, d, 64), nw = warnings(b, n, oc, o, w);
    size_t i;

    fprintf(out, "{\n  \"schema\": \"pcbench-compare/1\",\n  \"metric\": ");
    json_str(out, o->metric.name);
    fprintf(out, ",\n  \"higher_is_better\": %s,\n  \"threshold\": ",
            o->metric.higher_is_better ? "true" : "false");
    json_num(out, o->threshold);
    fprintf(out, ",\n  \"alpha\": ");
    json_num(out, o->alpha);
    fprintf(out, ",\n  \"adjust\": \"%s\"", o->holm ? "holm" : "bh");
    fprintf(out, ",\n  \"paired\": %s", o->paired ? "true" : "false");
    fprintf(out, ",\n  \"unit\": ");
    json_str(out,
             o->normalize ? "ratio to calibration" : (o->metric.is_time ? "ns" : o->metric.name));
    fprintf(out, ",\n  \"normalize\": ");
    if (o->normalize) {
        fprintf(out, "{\"case\": ");
        json_str(out, o->normalize);
        fprintf(out, ", \"base_ns\": ");
        json_num(out, oc->norm_base);
        fprintf(out, ", \"new_ns\": ");
        json_num(out, oc->norm_new);
        fprintf(out, "}");
    } else {
        fprintf(out, "null");
    }
    fprintf(out, ",\n  \"base\": ");
    json_files(out, b);
    fprintf(out, ",\n  \"new\": ");
    json_files(out, n);
    fprintf(out, ",\n  \"context_diff\": [");
    for (i = 0; i < nd; i++) {
        fprintf(out, "%s\n    {\"key\": ", i ? "," : "");
        json_str(out, d[i].key);
        fprintf(out, ", \"base\": ");
        if (d[i].base)
            json_str(out, d[i].base);
        else
            fputs("null", out);
        fprintf(out, ", \"new\": ");
        if (d[i].new_)
            json_str(out, d[i].new_);
        else
            fputs("null", out);
        fputc('}', out);
    }
    fprintf(out, "%s],\n  \"warnings\": [", nd ? "\n  " : "");
    for (i = 0; i < nw; i++) {
        fprintf(out, "%s\n    ", i ? "," : "");
        json_str(out, w[i]);
    }
    fprintf(out, "%s],\n  \"cases\": [", nw ? "\n  " : "");
    for (i = 0; i < oc->n; i++) {
        const struct pcb_cmp_result *r = &oc->results[i];
        fprintf(out, "%s\n    {\"name\": ", i ? "," : "");
        json_str(out, r->name);
        fprintf(out, ", \"verdict\": \"%s\", \"base\": ", pcb_cmp_verdict_key(r->verdict));
        json_side_stat(out, &r->base, r->label_base);
        fprintf(out, ", \"new\": ");
        json_side_stat(out, &r->new_, r->label_new);
        fprintf(out, ", \"change\": ");
        json_num(out, r->change);
        fprintf(out, ", \"noise_band\": ");
        json_num(out, r->band);
        fprintf(out, ", \"p_value\": ");
        json_num(out, r->p);
        fprintf(out, ", \"p_adjusted\": ");
        json_num(out, r->q);
        fprintf(out, ", \"test\": ");
        if (tests[r->test])
            json_str(out, tests[r->test]);
        else
            fputs("null", out);
        fprintf(out, ", \"needed_repetitions\": ");
        if (r->needed)
            fprintf(out, "%ld", r->needed);
        else
            fputs("null", out);
        fprintf(out, ", \"threads\": ");
        if (r->threads)
            fprintf(out, "%ld", r->threads);
        else
            fputs("null", out);
        fprintf(out, ", \"note\": ");
        json_str(out, r->note);
        fprintf(out, ", \"digest_base\": ");
        json_digest(out, r->has_digest_base, r->digest_base);
        fprintf(out, ", \"digest_new\": ");
        json_digest(out, r->has_digest_new, r->digest_new);
        fputc('}', out);
    }
    fprintf(out, "%s],\n  \"summary\": {", oc->n ? "\n  " : "");
    for (i = 0; i < PCB_CMP_NVERDICTS; i++)
        fprintf(out, "\"%s\": %zu, ", pcb_cmp_verdict_key((enum pcb_cmp_verdict)i), oc->counts[i]);
    fprintf(out, "\"skipped_no_metric\": %zu, \"geomean_ratio\": ", oc->skipped_no_metric);
    json_num(out, oc->overall.geomean);
    fprintf(out, ", \"geomean_cases\": %zu,\n    \"strategies\": {", oc->overall.n);
    for (i = 0; i < oc->nstrategies; i++) {
        fprintf(out, "%s\n      ", i ? "," : "");
        json_str(out, oc->strategies[i].strategy);
        fprintf(out, ": {\"geomean_ratio\": ");
        json_num(out, oc->strategies[i].geomean);
        fprintf(out, ", \"cases\": %zu}", oc->strategies[i].n);
    }
    fprintf(out, "%s}}\n}\n", oc->nstrategies ? "\n    " : "");
    return 0;
}

int pcb_cmp_print(FILE *out, const struct pcb_cmp_side *base, const struct pcb_cmp_side *new_,
                  const struct pcb_cmp_outcome *oc, const struct pcb_cmp_print_opts *opts)
{
    switch (opts->format) {
    case PCB_CMP_FMT_MD:
        print_md(out, base, new_, oc, opts);
        break;
    case PCB_CMP_FMT_JSON:
        print_json(out, base, new_, oc, opts);
        break;
    default:
        print_table(out, base, new_, oc, opts);
        break;
    }
    if (fflush(out) != 0 || ferror(out))
        return PCB_CMP_EIO;
    return 0;
}
