/* main.c - the command line of compare: options, files, exit status.
 *
 * compare [OPTIONS] BASE.json NEW.json
 * compare [OPTIONS] BASE.json... -- NEW.json...
 *
 * Exit status: 0 when nothing regressed, 1 when something regressed (or a
 * verdict named by --fail-on occurred), 2 for bad usage or bad input. Every
 * error is one line on stderr naming the file and what is wrong; the tool
 * never aborts on input.
 */
#define _GNU_SOURCE
#include "compare.h"

#include "opts.h"

#include <pthread.h>
#include <regex.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

static const char usage_text[] =
    "usage: compare [OPTIONS] BASE.json NEW.json\n"
    "       compare [OPTIONS] BASE.json... -- NEW.json...\n"
    "\n"
    "Tells whether NEW is slower than BASE. Reads Google Benchmark JSON\n"
    "(--benchmark_out / --benchmark_format=json: raw repetitions, aggregates\n"
    "only, both, or single runs) and hyperfine --export-json files; the kind\n"
    "is detected from the content. Several files per side are merged\n"
    "(samples of the same case add up); with exactly two files and no --,\n"
    "the first is BASE and the second NEW.\n"
    "\n"
    "Cases are paired by name (Google Benchmark run_name, hyperfine command),\n"
    "leaving out the parts Google Benchmark appends for tuning (min_time:,\n"
    "min_warmup_time:, iterations:, repeats:), so files from before pcbench\n"
    "dropped them pair with today's.\n"
    "Per pair: relative change of the medians (new/base - 1), a two-sided\n"
    "Mann-Whitney U test over the repetitions (p-values as\n"
    "scipy.stats.mannwhitneyu with method='auto'), Benjamini-Hochberg\n"
    "adjustment across cases, and a minimum effect size. Verdicts:\n"
    "  regressed     adjusted p <= alpha and the change is worse by at least\n"
    "                the threshold\n"
    "  improved      the same, in the better direction\n"
    "  same          change +- noise band inside +-threshold, or no\n"
    "                significant difference with enough repetitions\n"
    "  inconclusive  too few repetitions or too noisy; the note says how\n"
    "                many repetitions per side would be needed\n"
    "  new, missing  the case exists only in NEW, only in BASE\n"
    "  failed        the case reported an error on either side\n"
    "A side with only aggregates is compared by its medians with the cv as\n"
    "noise band, and the output says no raw samples were available.\n"
    "\n"
    "Options:\n"
    "  --threshold=PCT       minimum relative change that counts, in percent\n"
    "                        (default 5)\n"
    "  --alpha=A             false discovery rate for Benjamini-Hochberg\n"
    "                        (default 0.05)\n"
    "  --metric=NAME         value to compare: real_time (default), cpu_time,\n"
    "                        items_per_second, bytes_per_second or any user\n"
    "                        counter. Times: lower is better. Names ending in\n"
    "                        _per_second: higher is better. Other counters:\n"
    "                        lower is better unless --higher-is-better.\n"
    "                        hyperfine files have real_time only.\n"
    "  --higher-is-better    the metric improves when it grows\n"
    "  --lower-is-better     the metric improves when it shrinks\n"
    "  --normalize=CASE      divide every time on each side by that side's\n"
    "                        median time of CASE (a calibration case), so\n"
    "                        different machines can be compared; *_per_second\n"
    "                        rates are multiplied by it instead. Without it, "
    "a\n"
    "                        comparison across machines (host_name, num_cpus\n"
    "                        or mhz_per_cpu differ) prints a warning.\n"
    "  --filter=REGEX        compare only cases whose name matches the POSIX\n"
    "                        extended regular expression\n"
    "  --format=FMT          table (default), md (Markdown, regressions\n"
    "                        first) or json\n"
    "  --color=WHEN          auto (default: when stdout is a terminal and\n"
    "                        NO_COLOR is not set), always or never\n"
    "  --fail-on=LIST        also exit 1 for these verdicts, comma separated:\n"
    "                        missing, failed, inconclusive, new\n"
    "  --thresholds=FILE     per-case thresholds: lines of PCT<TAB>case name;\n"
    "                        a listed case is judged against its own\n"
    "                        threshold instead of --threshold\n"
    "  --write-thresholds=FILE  treat BASE and NEW as an A/A pair (the same\n"
    "                        build twice) and write per-case thresholds:\n"
    "                        clamp(3 x max(|change|, noise band), 2%, 50%)\n"
    "  -h, --help            print this help and exit 0\n"
    "\n"
    "Input checks: a missing, empty, truncated or non-JSON file, a JSON file\n"
    "that is not a benchmark result, a wrong type, a case repeated with the\n"
    "same repetition_index in one file, a NaN, negative or implausible (more\n"
    "than a year) time, a missing or unknown time_unit, a compared counter\n"
    "that is NaN, or a file larger than 256 MiB is reported as one line "
    "naming\n"
    "the file, with exit status 2. Different time units on the two sides are\n"
    "converted.\n"
    "\n"
    "Exit status: 0 nothing regressed, 1 something regressed (or a --fail-on\n"
    "verdict occurred), 2 bad usage or bad input.\n";

/* The files of one side, read by one thread. */
struct reader {
    struct pcb_cmp_side *side; /* where the cases go */
    const char **files;        /* the side's files */
    size_t nfiles;             /* how many */
    int rc;                    /* 0 or the first error */
    char err[PCB_CMP_ERRLEN];  /* its message */
};

/* Reads the files of one side in order; stops at the first error. The two
 * sides share nothing, so they are read by two threads at once: parsing is
 * most of the run time on large files (results.h says why that is safe). */
static void *read_side(void *arg)
{
    struct reader *r = arg;

    r->rc = 0;
    for (size_t i = 0; i < r->nfiles && r->rc == 0; i++) {
        struct pcb_results *f;
        r->rc = pcb_results_read(r->files[i], &f, r->err);
        if (r->rc == 0 && (r->rc = pcb_cmp_side_add(r->side, f)) != 0)
            snprintf(r->err, sizeof(r->err), "%s: out of memory", r->files[i]);
    }
    pcb_results_thread_cleanup();
    return NULL;
}

/* Parsed command line. */
struct cli {
    struct pcb_cmp_decide_opts decide; /* options of the decision */
    struct pcb_cmp_print_opts print;   /* options of the output */
    int color_mode;                    /* 0 auto, 1 always, 2 never */
    int direction;                     /* 0 from the name, 1 higher, -1 lower is better */
    unsigned fail_on;                  /* bit set of verdicts that also exit 1 */
    const char *filter;                /* --filter source text, or NULL */
    const char *thresholds;            /* --thresholds file, or NULL */
    const char *write_thresholds;      /* --write-thresholds file, or NULL */
    const char **base;                 /* base files */
    size_t nbase;                      /* number of base files */
    const char **new_;                 /* new files */
    size_t nnew;                       /* number of new files */
};

static int usage_error(const char *fmt, const char *arg)
{
    fprintf(stderr, "compare: ");
    fprintf(stderr, fmt, arg);
    fprintf(stderr, " (see compare --help)\n");
    return 2;
}

static int ends_with(const char *s, const char *suffix)
{
    size_t a = strlen(s), b = strlen(suffix);
    return a >= b && strcmp(s + a - b, suffix) == 0;
}

/* Parses a number that must take the whole string. */
static int parse_double(const char *s, double *out)
{
    char *end;
    if (*s == 0)
        return -1;
    *out = strtod(s, &end);
    if (*end == '%' && end[1] == 0)
        end++;
    return *end == 0 ? 0 : -1;
}

/* Returns 0 and fills cli, or the exit status to use (2, or 0 for --help). */
static int parse_args(int argc, char **argv, struct cli *cli)
{
    const char **files = calloc((size_t)argc + 1, sizeof(*files));
    size_t nfiles = 0, split = (size_t)-1;
    int i, only_files = 0;

    if (files == NULL)
        return usage_error("%s", "out of memory");
    cli->base = files;
    cli->decide.metric.name = "real_time";
    cli->decide.threshold = 0.05;
    cli->decide.alpha = 0.05;
    for (i = 1; i < argc; i++) {
        const char *a = argv[i], *val = NULL;
        char opt[64];
        size_t olen;

        if (only_files || a[0] != '-' || strcmp(a, "-") == 0) {
            files[nfiles++] = a;
            continue;
        }
        if (strcmp(a, "--") == 0) {
            if (split != (size_t)-1)
                return usage_error("%s", "\"--\" given twice");
            split = nfiles;
            continue;
        }
        if (strcmp(a, "-h") == 0 || strcmp(a, "--help") == 0) {
            fputs(usage_text, stdout);
            return 0;
        }
        /* --name=value or --name value */
        olen = strcspn(a, "=");
        if (olen >= sizeof(opt))
            return usage_error("unknown option %s", a);
        memcpy(opt, a, olen);
        opt[olen] = 0;
        if (a[olen] == '=')
            val = a + olen + 1;
        if (strcmp(opt, "--higher-is-better") == 0 || strcmp(opt, "--lower-is-better") == 0) {
            if (val)
                return usage_error("%s takes no value", opt);
            cli->direction = opt[2] == 'h' ? 1 : -1;
            continue;
        }
        if (strcmp(opt, "--threshold") && strcmp(opt, "--alpha") && strcmp(opt, "--metric") &&
            strcmp(opt, "--normalize") && strcmp(opt, "--filter") && strcmp(opt, "--format") &&
            strcmp(opt, "--color") && strcmp(opt, "--colour") && strcmp(opt, "--fail-on") &&
            strcmp(opt, "--thresholds") && strcmp(opt, "--write-thresholds"))
            return usage_error("unknown option %s", a);
        if (val == NULL) {
            if (i + 1 >= argc)
                return usage_error("%s needs a value", opt);
            val = argv[++i];
        }
        if (strcmp(opt, "--threshold") == 0) {
            double t;
            if (parse_double(val, &t) || !(t > 0 && t < 1000))
                return usage_error("--threshold wants a percentage above 0 and below "
                                   "1000, not \"%s\"",
                                   val);
            cli->decide.threshold = t / 100;
        } else if (strcmp(opt, "--alpha") == 0) {
            double al;
            if (parse_double(val, &al) || !(al > 0 && al < 1))
                return usage_error("--alpha wants a number between 0 and 1, not "
                                   "\"%s\"",
                                   val);
            cli->decide.alpha = al;
        } else if (strcmp(opt, "--metric") == 0) {
            if (*val == 0)
                return usage_error("%s", "--metric needs a name");
            cli->decide.metric.name = val;
        } else if (strcmp(opt, "--normalize") == 0) {
            cli->decide.normalize = val;
        } else if (strcmp(opt, "--thresholds") == 0) {
            cli->thresholds = val;
        } else if (strcmp(opt, "--write-thresholds") == 0) {
            if (*val == 0)
                return usage_error("%s", "--write-thresholds needs a file name");
            cli->write_thresholds = val;
        } else if (strcmp(opt, "--filter") == 0) {
            cli->filter = val;
        } else if (strcmp(opt, "--format") == 0) {
            if (strcmp(val, "table") == 0)
                cli->print.format = PCB_CMP_FMT_TABLE;
            else if (strcmp(val, "md") == 0 || strcmp(val, "markdown") == 0)
                cli->print.format = PCB_CMP_FMT_MD;
            else if (strcmp(val, "json") == 0)
                cli->print.format = PCB_CMP_FMT_JSON;
            else
                return usage_error("--format wants table, md or json, not \"%s\"", val);
        } else if (strcmp(opt, "--color") == 0 || strcmp(opt, "--colour") == 0) {
            if (strcmp(val, "auto") == 0)
                cli->color_mode = 0;
            else if (strcmp(val, "always") == 0)
                cli->color_mode = 1;
            else if (strcmp(val, "never") == 0)
                cli->color_mode = 2;
            else
                return usage_error("--color wants never, always or auto, not \"%s\"", val);
        } else { /* --fail-on */
            char *copy = strdup(val), *tok, *save = NULL;
            if (copy == NULL)
                return usage_error("%s", "out of memory");
            for (tok = strtok_r(copy, ",", &save); tok; tok = strtok_r(NULL, ",", &save)) {
                if (strcmp(tok, "missing") == 0)
                    cli->fail_on |= 1u << PCB_CMP_MISSING;
                else if (strcmp(tok, "failed") == 0)
                    cli->fail_on |= 1u << PCB_CMP_FAILED;
                else if (strcmp(tok, "inconclusive") == 0)
                    cli->fail_on |= 1u << PCB_CMP_INCONCLUSIVE;
                else if (strcmp(tok, "new") == 0)
                    cli->fail_on |= 1u << PCB_CMP_NEW;
                else if (strcmp(tok, "regressed") == 0)
                    ; /* always fails */
                else {
                    int rc = usage_error("--fail-on: unknown verdict \"%s\" (expected "
                                         "missing, failed, inconclusive or new)",
                                         tok);
                    free(copy);
                    return rc;
                }
            }
            free(copy);
        }
    }
    if (split == (size_t)-1) {
        if (nfiles != 2)
            return usage_error("%s", nfiles < 2 ? "needs a base file and a new file"
                                                : "with more than two files, separate the "
                                                  "base files from the new files with --");
        split = 1;
    }
    if (split == 0 || split == nfiles)
        return usage_error("%s", "each side of -- needs at least one file");
    cli->nbase = split;
    cli->new_ = files + split;
    cli->nnew = nfiles - split;

    /* Metric and direction. */
    {
        struct pcb_cmp_metric *m = &cli->decide.metric;
        m->is_time = strcmp(m->name, "real_time") == 0 || strcmp(m->name, "cpu_time") == 0;
        if (m->is_time && cli->direction == 1)
            return usage_error("%s", "--higher-is-better does not apply to times, "
                                     "which are always lower-is-better");
        m->higher_is_better = cli->direction ? cli->direction > 0
                                             : (!m->is_time && ends_with(m->name, "_per_second"));
        if (cli->decide.normalize && !m->is_time && !ends_with(m->name, "_per_second"))
            return usage_error("--normalize applies to times and *_per_second "
                               "rates, not to \"%s\"",
                               m->name);
        cli->decide.cpu_time = strcmp(m->name, "cpu_time") == 0;
    }
    return -1;
}

/* hyperfine files hold wall-clock times only: any other metric is refused,
 * naming the first such file. Returns 0 or 2 after the message. */
static int check_metric(const struct pcb_cmp_side *side, const struct pcb_cmp_metric *m)
{
    if (strcmp(m->name, "real_time") == 0)
        return 0;
    for (size_t i = 0; i < side->nfiles; i++)
        if (side->files[i]->kind == PCB_RESULTS_HYPERFINE) {
            pcb_say("compare: %s: hyperfine files hold wall-clock times only; "
                    "--metric %s is not "
                    "available\n",
                    side->files[i]->path, m->name);
            return 2;
        }
    return 0;
}

int main(int argc, char **argv)
{
    struct cli cli;
    struct pcb_cmp_side base, new_;
    struct pcb_cmp_outcome oc;
    struct pcb_cmp_thresholds own;
    regex_t re;
    char err[PCB_CMP_ERRLEN];
    size_t i;
    int rc, status = 0;

    memset(&cli, 0, sizeof(cli));
    memset(&own, 0, sizeof(own));
    pcb_cmp_side_init(&base, "base");
    pcb_cmp_side_init(&new_, "new");
    rc = parse_args(argc, argv, &cli);
    if (rc >= 0) {
        free(cli.base);
        return rc;
    }
    if (cli.thresholds) {
        if (pcb_cmp_thresholds_load(&own, cli.thresholds, err)) {
            fprintf(stderr, "compare: --thresholds: %s\n", err);
            free(cli.base);
            return 2;
        }
        cli.decide.per_case = &own;
    }
    if (cli.filter) {
        int e = regcomp(&re, cli.filter, REG_EXTENDED | REG_NOSUB);
        if (e != 0) {
            char msg[256];
            regerror(e, &re, msg, sizeof(msg));
            fprintf(stderr, "compare: --filter \"%s\": %s\n", cli.filter, msg);
            free(cli.base);
            pcb_cmp_thresholds_close(&own);
            return 2;
        }
        cli.decide.filter = &re;
    }
    {
        struct reader rb = {&base, cli.base, cli.nbase, 0, ""};
        struct reader rn = {&new_, cli.new_, cli.nnew, 0, ""};
        pthread_t t;
        int threaded = pthread_create(&t, NULL, read_side, &rn) == 0;
        read_side(&rb);
        if (threaded)
            pthread_join(t, NULL);
        else
            read_side(&rn);
        /* The base side's problem first, whatever finished first. */
        if (rb.rc) {
            pcb_say("compare: %s\n", rb.err);
            status = 2;
            goto out;
        }
        if ((status = check_metric(&base, &cli.decide.metric)) != 0)
            goto out;
        if (rn.rc) {
            pcb_say("compare: %s\n", rn.err);
            status = 2;
            goto out;
        }
        if ((status = check_metric(&new_, &cli.decide.metric)) != 0)
            goto out;
    }
    rc = pcb_cmp_decide(&base, &new_, &cli.decide, &oc, err);
    if (rc) {
        pcb_say("compare: %s\n", err);
        status = 2;
        goto out;
    }
    if (cli.write_thresholds) {
        /* Written to a temporary name and renamed: never a half-written file. */
        char tmp[4096];
        FILE *f = NULL;
        int wrc = -1;
        if (snprintf(tmp, sizeof(tmp), "%s.partial", cli.write_thresholds) < (int)sizeof(tmp))
            f = fopen(tmp, "we");
        if (f) {
            wrc = pcb_cmp_thresholds_write(f, &oc);
            if (fclose(f) != 0)
                wrc = -1;
            if (wrc == 0 && rename(tmp, cli.write_thresholds) != 0)
                wrc = -1;
            if (wrc != 0)
                unlink(tmp);
        }
        if (wrc != 0) {
            fprintf(stderr, "compare: --write-thresholds=%s: cannot write it\n",
                    cli.write_thresholds);
            status = 2;
            pcb_cmp_outcome_close(&oc);
            goto out;
        }
    }
    cli.print.decide = &cli.decide;
    cli.print.color = cli.color_mode == 1 ||
                      (cli.color_mode == 0 && isatty(STDOUT_FILENO) && getenv("NO_COLOR") == NULL);
    if (pcb_cmp_print(stdout, &base, &new_, &oc, &cli.print)) {
        fprintf(stderr, "compare: cannot write the output\n");
        status = 2;
    } else {
        status = oc.counts[PCB_CMP_REGRESSED] ? 1 : 0;
        for (i = 0; i < PCB_CMP_NVERDICTS; i++)
            if ((cli.fail_on >> i & 1u) && oc.counts[i])
                status = 1;
    }
    pcb_cmp_outcome_close(&oc);
out:
    pcb_cmp_side_close(&base);
    pcb_cmp_side_close(&new_);
    if (cli.filter)
        regfree(&re);
    pcb_cmp_thresholds_close(&own);
    free(cli.base);
    return status;
}
