/*
 * links.c - the report's section "Distribution against the link": Distributed runs across
 * hosts (tests/multihost/hosts.sh, or real machines) set side by side with the same cases on
 * one host and with Sequential and Threaded.
 *
 * A report shows one run; the exception is a set of MPI runs, one result file per host count
 * and link delay (benches/cli/run-multihost.sh writes them): a Google Benchmark file after the
 * first is accepted when it or the first is an MPI run (its context has pcbench_mpi_hosts). Each
 * such file is modelled on its own by model.c, as a report of one run (struct
 * pcb_rp_report.runs), and shown only here, so its cases never mix with the first file's in the
 * other sections. The section reads each file's context: pcbench_mpi_hosts (how many hosts the
 * ranks spanned), pcbench_link and pcbench_link_delay_us (how they were joined, when the file
 * says), and its Floor/mpi_pingpong/ranks:2 (MPI's round trip over that link).
 */
#include "report.h"

#include "casename.h"
#include "text.h"

#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

/* The runs the section shows: the report's own file first, then the other MPI runs. */
static const struct pcb_rp_report *run_at(const struct pcb_rp_report *r, size_t i)
{
    return i == 0 ? r : r->runs[i - 1];
}

static const char *or_dash(const char *s)
{
    return s && *s ? s : "-";
}

/* Sequential's median on input `group` in any run, or NAN. */
static double sequential_ns(const struct pcb_rp_report *r, const char *group)
{
    for (size_t i = 0; i <= r->nruns; i++) {
        const struct pcb_rp_report *run = run_at(r, i);
        for (size_t k = 0; k < run->ngroups; k++)
            if (strcmp(run->groups[k].key, group) == 0 && run->groups[k].sequential &&
                !run->groups[k].sequential->failed)
                return run->groups[k].sequential->median_ns;
    }
    return NAN;
}

/* Whether the section has anything to show: some run is an MPI run with Distributed cases. */
static int any_distributed(const struct pcb_rp_report *r)
{
    for (size_t i = 0; i <= r->nruns; i++) {
        const struct pcb_rp_report *run = run_at(r, i);
        if (!pcb_rp_context(run, "pcbench_mpi_hosts"))
            continue;
        for (size_t k = 0; k < run->ncases; k++)
            if (run->cases[k].strategy && strcmp(run->cases[k].strategy, "Distributed") == 0)
                return 1;
    }
    return 0;
}

/* One row: a strategy's series on one input in one run, its median at every worker count. */
static void row(FILE *f, const struct pcb_rp_report *run, const char *group, const char *strategy,
                const char *variant, const char *chunk, const unsigned *workers, size_t nw,
                double seq_ns)
{
    const char *hosts = pcb_rp_context(run, "pcbench_mpi_hosts");
    const char *delay = pcb_rp_context(run, "pcbench_link_delay_us");
    const char *link = pcb_rp_context(run, "pcbench_link");
    const struct pcb_rp_case *ping = pcb_rp_find_floor(run, "Floor/mpi_pingpong/ranks:2");
    char t[32];

    char series[2 * PCB_NAME_MAX];

    if (strcmp(strategy, "Distributed") != 0) {
        fprintf(f, "| 1 | one process | - | - |");
    } else {
        /* The context's values are text from the file, as the series is. */
        fprintf(f, "| ");
        pcb_rp_md(f, or_dash(hosts), 0);
        fprintf(f, " | ");
        pcb_rp_md(f, link ? link : (hosts && strcmp(hosts, "1") == 0 ? "shared memory" : "-"), 0);
        fprintf(f, " | ");
        pcb_rp_md(f, delay ? delay : "-", 0);
        fprintf(f, " | %s |", ping ? pcb_rp_fmt_time(t, sizeof(t), ping->median_ns) : "-");
    }
    snprintf(series, sizeof(series), "%s%s%s%s%s", strategy, *variant ? " " : "", variant,
             *chunk ? " chunk:" : "", chunk);
    fprintf(f, " ");
    pcb_rp_md(f, series, PCB_TEXT_NAME_COLS);
    fprintf(f, " |");
    for (size_t w = 0; w < nw; w++) {
        const struct pcb_rp_case *c = NULL;
        for (size_t k = 0; k < run->ncases && !c; k++) {
            const struct pcb_rp_case *x = &run->cases[k];
            if (x->strategy && strcmp(x->strategy, strategy) == 0 && x->group &&
                strcmp(x->group, group) == 0 && strcmp(x->variant, variant) == 0 &&
                strcmp(x->chunk, chunk) == 0 && x->workers == workers[w])
                c = x;
        }
        if (!c)
            fprintf(f, " |");
        else if (c->failed)
            fprintf(f, " FAILED |");
        else
            fprintf(f, " %s (%.2fx) |", pcb_rp_fmt_time(t, sizeof(t), c->median_ns),
                    seq_ns / c->median_ns);
    }
    fprintf(f, "\n");
}

/* Whether (strategy, variant, chunk) on `group` was already printed for this run. */
static int seen_before(const struct pcb_rp_report *run, size_t upto, const char *group)
{
    const struct pcb_rp_case *c = &run->cases[upto];

    for (size_t k = 0; k < upto; k++) {
        const struct pcb_rp_case *x = &run->cases[k];
        if (x->strategy && x->group && strcmp(x->group, group) == 0 &&
            strcmp(x->strategy, c->strategy) == 0 && strcmp(x->variant, c->variant) == 0 &&
            strcmp(x->chunk, c->chunk) == 0)
            return 1;
    }
    return 0;
}

void pcb_rp_write_links(FILE *f, const struct pcb_rp_report *r)
{
    if (!any_distributed(r))
        return;
    fprintf(f, "## Distribution against the link\n\n"
               "Every MPI run given (one result file each) beside the runs without MPI: the "
               "hosts its ranks spanned (pcbench_mpi_hosts), how they were joined and the delay "
               "each way per hop in microseconds (pcbench_link, pcbench_link_delay_us, when the "
               "file says), MPI's round trip between rank 0 and rank 1 over that link "
               "(Floor/mpi_pingpong/ranks:2), and for each series the median time per batch at "
               "each worker count, with (x) = Sequential's median on the same input / this "
               "median: above 1 faster than Sequential, below 1 slower. Distributed's rank 0 "
               "hands out tasks and runs none, so workers:K uses K+1 ranks.\n\n");
    /* One table per input of a Distributed case, in order of first appearance. */
    for (size_t i = 0; i <= r->nruns; i++) {
        const struct pcb_rp_report *run = run_at(r, i);
        for (size_t k = 0; k < run->ngroups; k++) {
            const char *group = run->groups[k].key;
            int first = 1, has_dist = 0;
            for (size_t j = 0; j < i && first; j++) /* shown already for an earlier run? */
                for (size_t g = 0; g < run_at(r, j)->ngroups && first; g++)
                    first = strcmp(run_at(r, j)->groups[g].key, group) != 0;
            for (size_t g = 0; g < k && first; g++)
                first = strcmp(run->groups[g].key, group) != 0;
            if (!first)
                continue;
            /* Worker counts of every run's cases on this input, ascending. */
            unsigned workers[PCB_RP_USL_MAXP];
            size_t nw = 0;
            for (size_t j = 0; j <= r->nruns; j++) {
                const struct pcb_rp_report *x = run_at(r, j);
                for (size_t c = 0; c < x->ncases; c++) {
                    const struct pcb_rp_case *cs = &x->cases[c];
                    if (!cs->group || strcmp(cs->group, group) != 0)
                        continue;
                    has_dist |= strcmp(cs->strategy, "Distributed") == 0;
                    size_t at = 0;
                    while (at < nw && workers[at] < cs->workers)
                        at++;
                    if ((at < nw && workers[at] == cs->workers) || nw == PCB_RP_USL_MAXP)
                        continue;
                    memmove(workers + at + 1, workers + at, (nw - at) * sizeof(*workers));
                    workers[at] = cs->workers;
                    nw++;
                }
            }
            if (!has_dist)
                continue;
            double seq = sequential_ns(r, group);
            fprintf(f, "### ");
            pcb_rp_md(f, group, PCB_TEXT_NAME_COLS);
            fprintf(f, "\n\n| hosts | link | delay us | MPI round trip | series |");
            for (size_t w = 0; w < nw; w++)
                fprintf(f, " workers:%u |", workers[w]);
            fprintf(f, "\n|---:|---|---:|---:|---|");
            for (size_t w = 0; w < nw; w++)
                fprintf(f, "---:|");
            fprintf(f, "\n");
            for (size_t j = 0; j <= r->nruns; j++) {
                const struct pcb_rp_report *x = run_at(r, j);
                for (size_t c = 0; c < x->ncases; c++) {
                    const struct pcb_rp_case *cs = &x->cases[c];
                    if (!cs->group || strcmp(cs->group, group) != 0 || seen_before(x, c, group))
                        continue;
                    row(f, x, group, cs->strategy, cs->variant, cs->chunk, workers, nw, seq);
                }
            }
            fprintf(f, "\n");
        }
    }
}
