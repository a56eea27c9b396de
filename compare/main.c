/* main.c - the command line of compare: options, files, exit status.
 *
 * compare [OPTIONS] BASE.json NEW.json
 * compare [OPTIONS] BASE.json... -- NEW.json...
 *
 * Exit status: 0 when nothing regressed, 1 when something regressed, when the
 * work of a case changed between the sides (its reference digests differ: an
 * apples-to-oranges comparison must not pass), or when a verdict named by
 * --fail-on occurred, 2 for bad usage, bad input, nothing to
 * compare, or an output that could not be written whole. Every
 * error is one line on stderr naming the file and what is wrong; the tool
 * never aborts on input. The options are one table, options[], run by the
 * option engine (opts.h): it parses them (--name=VALUE and --name VALUE),
 * prints their part of --help, and words every refusal the same way.
 */
#define _GNU_SOURCE
#include "compare.h"

#include "opts.h"
#include "outfile.h"

#include <errno.h>
#include <math.h>
#include <pthread.h>
#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include <regex.h>
#include <signal.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

/* The usage text around the option list (which is printed from the table). */
static const char usage_head[] =
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
    "adjustment across cases (or Holm's, --adjust=holm), and a minimum effect\n"
    "size. With --paired, the median of the per-round ratios and the\n"
    "Wilcoxon signed-rank test stand in for the medians' change and the U\n"
    "test. Verdicts:\n"
    "  regressed     adjusted p <= alpha and the change is worse by at least\n"
    "                the threshold\n"
    "  improved      the same, in the better direction\n"
    "  same          change +- noise band inside +-threshold, or no\n"
    "                significant difference, a change below the threshold\n"
    "                and enough repetitions\n"
    "  inconclusive  too few repetitions or too noisy; the note says how\n"
    "                many repetitions per side would be needed\n"
    "  new, missing  the case exists only in NEW, only in BASE\n"
    "  failed        the case reported an error on either side\n"
    "  work changed  both sides carry pcbench's reference digest of the case's\n"
    "                work (pcb_digest) and they differ: different work, so the\n"
    "                times are not compared, and compare exits 1\n"
    "A side with only aggregates is compared by its medians with the cv as\n"
    "noise band, and the output says no raw samples were available.\n"
    "\n"
    "Options (--name=VALUE or --name VALUE):\n";

static const char usage_foot[] =
    "\n"
    "Input checks: a missing, empty, truncated or non-JSON file, a device, text\n"
    "that is not UTF-8 or holds a NUL, a key given twice, a JSON file that is\n"
    "not a benchmark result, a wrong type, a case repeated with the same\n"
    "repetition_index in one file, an unnamed counter, a NaN, negative or\n"
    "implausible (more than a year) time, an empty hyperfine \"times\", a\n"
    "missing or unknown time_unit, a compared counter that is NaN, or a file\n"
    "larger than 256 MiB is reported as one line naming the file, with exit\n"
    "status 2. So is the same run given twice on one side (its samples would\n"
    "count twice), raw repetitions and aggregates only for a case on one side,\n"
    "a case with different reference digests (pcb_digest) on one side,\n"
    "and nothing to compare: a side without cases, a --filter or --metric no\n"
    "case on both sides matches, or no case on both sides. Different time units\n"
    "on the two sides are converted.\n"
    "\n"
    "Exit status: 0 nothing regressed, 1 something regressed, the work of a\n"
    "case changed (or a --fail-on verdict occurred), 2 bad usage, bad input, nothing to compare, "
    "or an\n"
    "output that could not be written whole.\n";

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
        if (r->rc == 0)
            r->rc = pcb_cmp_side_add(r->side, f, r->err);
    }
    pcb_results_thread_cleanup();
    return NULL;
}

/* The command line. */
struct cli {
    struct pcb_cmp_decide_opts decide; /* options of the decision */
    struct pcb_cmp_print_opts print;   /* options of the output */
    int color_mode;                    /* 0 auto, 1 always, 2 never (the --color choices) */
    int adjust;                        /* 0 bh, 1 holm (the --adjust choices) */
    int direction;                     /* 0 from the name, 1 higher, -1 lower is better */
    bool higher, lower, help;          /* flags as given; `direction` holds the last one */
    bool paired;                       /* --paired */
    unsigned fail_on;                  /* bit set of verdicts that also exit 1 */
    const char *metric;                /* --metric */
    const char *filter;                /* --filter source text, or NULL */
    regex_t re;                        /* --filter compiled, when filter is set */
    const char *thresholds;            /* --thresholds file, or NULL */
    const char *write_thresholds;      /* --write-thresholds file, or NULL */
    const char **files;                /* every file, in order */
    size_t nfiles;                     /* how many */
    size_t split;                      /* files before "--", or SIZE_MAX without "--" */
};

static int set_threshold(void *opts, const char *value, char *why, size_t cap)
{
    struct cli *c = opts;
    double t;

    if (pcb_parse_double(value, -INFINITY, INFINITY, true, &t) || !(t > 0 && t < 1000)) {
        snprintf(why, cap, "expected a number above 0 and below 1000 (a percentage)");
        return -1;
    }
    c->decide.threshold = t / 100;
    return 0;
}

static int set_alpha(void *opts, const char *value, char *why, size_t cap)
{
    struct cli *c = opts;
    double a;

    if (pcb_parse_double(value, -INFINITY, INFINITY, false, &a) || !(a > 0 && a < 1)) {
        snprintf(why, cap, "expected a number above 0 and below 1");
        return -1;
    }
    c->decide.alpha = a;
    return 0;
}

static int set_higher(void *opts, const char *value, char *why, size_t cap)
{
    (void)value, (void)why, (void)cap;
    ((struct cli *)opts)->direction = 1;
    return 0;
}

static int set_lower(void *opts, const char *value, char *why, size_t cap)
{
    (void)value, (void)why, (void)cap;
    ((struct cli *)opts)->direction = -1;
    return 0;
}

static int set_format(void *opts, const char *value, char *why, size_t cap)
{
    struct cli *c = opts;

    if (strcmp(value, "table") == 0)
        c->print.format = PCB_CMP_FMT_TABLE;
    else if (strcmp(value, "md") == 0 || strcmp(value, "markdown") == 0)
        c->print.format = PCB_CMP_FMT_MD;
    else if (strcmp(value, "json") == 0)
        c->print.format = PCB_CMP_FMT_JSON;
    else {
        snprintf(why, cap, "expected table, md or json");
        return -1;
    }
    return 0;
}

/* --filter: compiled here, so a bad expression is refused like any bad value. */
static int set_filter(void *opts, const char *value, char *why, size_t cap)
{
    struct cli *c = opts;
    regex_t re;
    int e = regcomp(&re, value, REG_EXTENDED | REG_NOSUB);

    if (e != 0) {
        regerror(e, &re, why, cap);
        return -1;
    }
    if (c->filter != NULL)
        regfree(&c->re);
    c->re = re;
    c->filter = value;
    return 0;
}

/* --fail-on=LIST: verdicts add up over the list and over repeated options. */
static int set_fail_on(void *opts, const char *value, char *why, size_t cap)
{
    static const struct {
        const char *name;             /* as given */
        enum pcb_cmp_verdict verdict; /* what it stands for */
    } names[] = {{"missing", PCB_CMP_MISSING},
                 {"failed", PCB_CMP_FAILED},
                 {"inconclusive", PCB_CMP_INCONCLUSIVE},
                 {"new", PCB_CMP_NEW},
                 {"regressed", PCB_CMP_REGRESSED}}; /* always fails; allowed for clarity */
    struct cli *c = opts;
    unsigned bits = 0;

    for (const char *p = value;;) {
        size_t n = strcspn(p, ","), k;
        for (k = 0; k < sizeof(names) / sizeof(names[0]); k++)
            if (strlen(names[k].name) == n && strncmp(p, names[k].name, n) == 0)
                break;
        if (k == sizeof(names) / sizeof(names[0])) {
            snprintf(why, cap,
                     "expected a comma-separated list of missing, failed, inconclusive and new");
            return -1;
        }
        bits |= 1u << names[k].verdict;
        if (p[n] == '\0')
            break;
        p += n + 1;
    }
    c->fail_on |= bits;
    return 0;
}

/* Names on stderr the cases whose work changed (their reference digests differ), at most 10
 * and how many more: the output says so per case, but a comparison that fails for this reason
 * must say why where a script's log shows it. */
static void say_work_changed(const struct pcb_cmp_outcome *oc)
{
    size_t shown = 0, n = oc->counts[PCB_CMP_WORK_CHANGED];

    for (size_t i = 0; i < oc->n && shown < 10; i++) {
        const struct pcb_cmp_result *r = &oc->results[i];
        char name[160];
        size_t k = 0;
        if (r->verdict != PCB_CMP_WORK_CHANGED)
            continue;
        /* One line per case whatever the name holds: control characters become '?'. */
        for (const unsigned char *c = (const unsigned char *)r->name; *c && k < sizeof(name) - 1;
             c++)
            name[k++] = *c < 0x20 || *c == 0x7f ? '?' : (char)*c;
        name[k] = '\0';
        pcb_say("compare: %s: the work itself changed (reference digest 0x%016llx in base, "
                "0x%016llx in new); its times are not compared, and the comparison fails\n",
                name, (unsigned long long)r->digest_base, (unsigned long long)r->digest_new);
        shown++;
    }
    if (n > shown)
        pcb_say("compare: ... and %zu more case%s whose work changed\n", n - shown,
                n - shown == 1 ? "" : "s");
}

/* Files: all of them in order; "--" splits the base files from the new ones. */
static int positional(void *opts, const char *arg, char *why, size_t cap)
{
    struct cli *c = opts;

    if (arg == NULL) {
        if (c->split != SIZE_MAX) {
            snprintf(why, cap, "given twice; it separates the base files from the new files");
            return -1;
        }
        c->split = c->nfiles;
        return 0;
    }
    c->files[c->nfiles++] = arg;
    return 0;
}

static const char *const color_choices[] = {"auto", "always", "never", NULL};
static const char *const adjust_choices[] = {"bh", "holm", NULL};

#define CLI(field) offsetof(struct cli, field)

static const struct pcb_opt options[] = {
    {.name = "--threshold",
     .arg = "PCT",
     .help = "minimum relative change that counts, in percent\n(default 5)",
     .kind = PCB_OPT_CUSTOM,
     .set = set_threshold},
    {.name = "--alpha",
     .arg = "A",
     .help = "false discovery rate for Benjamini-Hochberg\n(default 0.05)",
     .kind = PCB_OPT_CUSTOM,
     .set = set_alpha},
    {.name = "--adjust",
     .arg = "HOW",
     .help = "how the p-values of all cases are adjusted:\nbh (default; Benjamini-Hochberg, the "
             "share of\nfalse discoveries among the regressions found) or\nholm (Holm, the "
             "chance of any false alarm at\nall, which a gate that must stay quiet wants)",
     .kind = PCB_OPT_CHOICE,
     .offset = CLI(adjust),
     .choices = adjust_choices},
    {.name = "--metric",
     .arg = "NAME",
     .help = "value to compare: real_time (default), cpu_time,\nitems_per_second, "
             "bytes_per_second or any user\ncounter. Times: lower is better. Names ending "
             "in\n_per_second: higher is better. Other counters:\nlower is better unless "
             "--higher-is-better.\nhyperfine files have real_time only.",
     .kind = PCB_OPT_TEXT,
     .offset = CLI(metric)},
    {.name = "--higher-is-better",
     .help = "the metric improves when it grows",
     .kind = PCB_OPT_FLAG,
     .offset = CLI(higher),
     .set = set_higher},
    {.name = "--lower-is-better",
     .help = "the metric improves when it shrinks",
     .kind = PCB_OPT_FLAG,
     .offset = CLI(lower),
     .set = set_lower},
    {.name = "--paired",
     .help = "the k-th sample of a case on each side were taken\nside by side (one round of an "
             "interleaved run,\nas nightly.sh's ab mode takes them): judge the\nratio of each "
             "pair with the Wilcoxon signed-rank\ntest, so drift between rounds cancels. Samples "
             "\ncount in file order, then repetition order; a case\nwith more samples on one "
             "side is refused",
     .kind = PCB_OPT_FLAG,
     .offset = CLI(paired)},
    {.name = "--normalize",
     .arg = "CASE",
     .help = "divide every time on each side by that side's\nmedian time of CASE (a "
             "calibration case), so\ndifferent machines can be compared; "
             "*_per_second\nrates are multiplied by it instead. Without it, a\ncomparison "
             "across machines (host_name, num_cpus\nor mhz_per_cpu differ) prints a warning.",
     .kind = PCB_OPT_TEXT,
     .offset = CLI(decide.normalize)},
    {.name = "--filter",
     .arg = "REGEX",
     .help = "compare only cases whose name matches the POSIX\nextended regular expression",
     .kind = PCB_OPT_TEXT,
     .offset = CLI(filter),
     .set = set_filter,
     .flags = PCB_OPT_EMPTY_OK},
    {.name = "--format",
     .arg = "FMT",
     .help = "table (default), md (Markdown, regressions\nfirst) or json",
     .kind = PCB_OPT_CUSTOM,
     .set = set_format},
    {.name = "--color",
     .arg = "WHEN",
     .help = "auto (default: when stdout is a terminal and\nNO_COLOR is not set), always or "
             "never",
     .kind = PCB_OPT_CHOICE,
     .offset = CLI(color_mode),
     .choices = color_choices},
    {.name = "--colour",
     .arg = "WHEN",
     .kind = PCB_OPT_CHOICE,
     .offset = CLI(color_mode),
     .choices = color_choices,
     .flags = PCB_OPT_HIDDEN},
    {.name = "--fail-on",
     .arg = "LIST",
     .help = "also exit 1 for these verdicts, comma separated:\nmissing, failed, "
             "inconclusive, new",
     .kind = PCB_OPT_CUSTOM,
     .set = set_fail_on},
    {.name = "--thresholds",
     .arg = "FILE",
     .help = "per-case thresholds: lines of PCT<TAB>case name;\na listed case is judged "
             "against its own\nthreshold instead of --threshold",
     .kind = PCB_OPT_TEXT,
     .offset = CLI(thresholds)},
    {.name = "--write-thresholds",
     .arg = "FILE",
     .help = "treat BASE and NEW as an A/A pair (the same\nbuild twice) and write per-case "
             "thresholds:\nclamp(3 x max(|change|, noise band), 2%, 50%)",
     .kind = PCB_OPT_TEXT,
     .offset = CLI(write_thresholds)},
    {.name = "--help",
     .alias = "-h",
     .help = "print this help and exit 0",
     .kind = PCB_OPT_FLAG,
     .offset = CLI(help),
     .flags = PCB_OPT_HELP},
};

static const struct pcb_optset optset = {
    .prog = "compare",
    .opts = options,
    .nopts = sizeof(options) / sizeof(options[0]),
    .positional = positional,
};

static bool ends_with(const char *s, const char *suffix)
{
    size_t a = strlen(s), b = strlen(suffix);
    return a >= b && strcmp(s + a - b, suffix) == 0;
}

/* Parses the command line into cli. Returns -1 to go on, or the exit status (2, or 0 after
 * --help). */
static int parse_args(int argc, char **argv, struct cli *cli)
{
    struct pcb_cmp_metric *m = &cli->decide.metric;
    int rc;

    cli->files = calloc((size_t)argc + 1, sizeof(*cli->files));
    if (cli->files == NULL) {
        pcb_say("compare: out of memory\n");
        return 2;
    }
    cli->split = SIZE_MAX;
    cli->metric = "real_time";
    cli->decide.threshold = 0.05;
    cli->decide.alpha = 0.05;
    rc = pcb_opts_parse(&optset, &argc, argv, cli);
    if (rc == PCB_OPTS_HELP) {
        fputs(usage_head, stdout);
        pcb_opts_usage(&optset, stdout);
        fputs(usage_foot, stdout);
        return 0;
    }
    if (rc != 0)
        return 2;
    if (cli->split == SIZE_MAX) {
        if (cli->nfiles != 2) {
            pcb_say("compare: %s; see compare --help\n",
                    cli->nfiles < 2 ? "needs a base file and a new file"
                                    : "with more than two files, separate the base files from the "
                                      "new files with --");
            return 2;
        }
        cli->split = 1;
    }
    if (cli->split == 0 || cli->split == cli->nfiles)
        return pcb_opts_refuse("compare", "--", NULL,
                               "each side of -- needs at least one file; see compare --help");

    /* Metric and direction. */
    m->name = cli->metric;
    m->is_time = strcmp(m->name, "real_time") == 0 || strcmp(m->name, "cpu_time") == 0;
    if (m->is_time && cli->direction == 1)
        return pcb_opts_refuse("compare", "--higher-is-better", NULL,
                               "does not apply to times, which are always lower-is-better");
    m->higher_is_better =
        cli->direction ? cli->direction > 0 : (!m->is_time && ends_with(m->name, "_per_second"));
    if (cli->decide.normalize && !m->is_time && !ends_with(m->name, "_per_second")) {
        char why[256];
        snprintf(why, sizeof(why), "applies to times and *_per_second rates, not to --metric=%s",
                 m->name);
        return pcb_opts_refuse("compare", "--normalize", cli->decide.normalize, why);
    }
    cli->decide.cpu_time = strcmp(m->name, "cpu_time") == 0;
    cli->decide.paired = cli->paired;
    cli->decide.holm = cli->adjust == 1;
    if (cli->paired && cli->write_thresholds)
        return pcb_opts_refuse("compare", "--paired", NULL,
                               "does not go with --write-thresholds, which reads an A/A pair of "
                               "runs, not interleaved rounds");
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
            pcb_say("compare: %s: hyperfine files hold wall-clock times only; --metric %s is not "
                    "available\n",
                    side->files[i]->path, m->name);
            return 2;
        }
    return 0;
}

/* SIGINT, SIGTERM and SIGHUP while the thresholds file is written: the temporary file beside
 * it goes first (pcb__outfile_unlink_tmp() is async-signal-safe), then the signal does what it
 * would have done. */
static const int caught[3] = {SIGINT, SIGTERM, SIGHUP};
static struct sigaction old_actions[3];

static void on_signal(int sig)
{
    pcb__outfile_unlink_tmp();
    for (size_t i = 0; i < sizeof(caught) / sizeof(caught[0]); i++)
        if (caught[i] == sig)
            sigaction(sig, &old_actions[i], NULL);
    raise(sig);
}

/* --write-thresholds: the file whole, or the old one as it was, through the one writer of
 * whole files (benches/common/outfile.h: regular files replaced atomically, links followed,
 * devices and FIFOs written in place, what cannot be written refused). The document is made in
 * memory first, so the file is written once. Returns 0, or 2 after one line naming the file. */
static int write_thresholds(const char *path, const struct pcb_cmp_outcome *oc)
{
    struct pcb_outfile out;
    struct sigaction sa;
    char err[PCB_CMP_ERRLEN], *doc = NULL;
    size_t len = 0;
    FILE *mem;
    int rc;

    if (pcb_outfile_open(&out, path, err, sizeof(err)) != 0)
        return pcb_opts_refuse("compare", "--write-thresholds", path, err);
    if ((mem = open_memstream(&doc, &len)) == NULL) {
        pcb_outfile_close(&out);
        return pcb_opts_refuse("compare", "--write-thresholds", path, "out of memory");
    }
    rc = pcb_cmp_thresholds_write(mem, oc, err);
    if (fclose(mem) != 0 && rc == 0) {
        rc = PCB_CMP_ENOMEM;
        snprintf(err, sizeof(err), "out of memory");
    }
    if (rc == 0) {
        memset(&sa, 0, sizeof(sa));
        sa.sa_handler = on_signal;
        sigemptyset(&sa.sa_mask);
        for (size_t i = 0; i < sizeof(caught) / sizeof(caught[0]); i++)
            sigaction(caught[i], &sa, &old_actions[i]);
        int werr = pcb_outfile_write(&out, doc, len);
        for (size_t i = 0; i < sizeof(caught) / sizeof(caught[0]); i++)
            sigaction(caught[i], &old_actions[i], NULL);
        if (werr != 0) {
            rc = werr;
            snprintf(err, sizeof(err), "cannot write it: %s", strerror(-werr));
        }
    }
    int cerr = pcb_outfile_close(&out);
    if (rc == 0 && cerr != 0) {
        rc = cerr;
        snprintf(err, sizeof(err), "cannot write it: %s", strerror(-cerr));
    }
    free(doc);
    if (rc != 0)
        return pcb_opts_refuse("compare", "--write-thresholds", path, err);
    return 0;
}

int main(int argc, char **argv)
{
    struct cli cli;
    struct pcb_cmp_side base, new_;
    struct pcb_cmp_outcome oc;
    struct pcb_cmp_thresholds own;
    char err[PCB_CMP_ERRLEN];
    size_t i;
    int rc, status = 0;

    memset(&cli, 0, sizeof(cli));
    memset(&own, 0, sizeof(own));
    pcb_cmp_side_init(&base, "base");
    pcb_cmp_side_init(&new_, "new");
    rc = parse_args(argc, argv, &cli);
    if (rc >= 0) {
        status = rc;
        goto out;
    }
    if (cli.thresholds) {
        if (pcb_cmp_thresholds_load(&own, cli.thresholds, err)) {
            pcb_opts_refuse("compare", "--thresholds", cli.thresholds, err);
            status = 2;
            goto out;
        }
        cli.decide.per_case = &own;
    }
    if (cli.filter) {
        cli.decide.filter = &cli.re;
        cli.decide.filter_text = cli.filter;
    }
    {
        struct reader rb = {&base, cli.files, cli.split, 0, ""};
        struct reader rn = {&new_, cli.files + cli.split, cli.nfiles - cli.split, 0, ""};
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
    if (cli.thresholds && pcb_cmp_thresholds_check(&own, &base, &new_, err)) {
        pcb_opts_refuse("compare", "--thresholds", cli.thresholds, err);
        status = 2;
        goto out;
    }
    rc = pcb_cmp_decide(&base, &new_, &cli.decide, &oc, err);
    if (rc) {
        pcb_say("compare: %s\n", err);
        status = 2;
        goto out;
    }
    if (cli.write_thresholds && write_thresholds(cli.write_thresholds, &oc) != 0) {
        status = 2;
        pcb_cmp_outcome_close(&oc);
        goto out;
    }
    cli.print.decide = &cli.decide;
    cli.print.color = cli.color_mode == 1 ||
                      (cli.color_mode == 0 && isatty(STDOUT_FILENO) && getenv("NO_COLOR") == NULL);
    errno = 0;
    if (pcb_cmp_print(stdout, &base, &new_, &oc, &cli.print)) {
        pcb_say("compare: standard output: cannot write it: %s\n", strerror(errno ? errno : EIO));
        status = 2;
    } else {
        status = oc.counts[PCB_CMP_REGRESSED] || oc.counts[PCB_CMP_WORK_CHANGED] ? 1 : 0;
        say_work_changed(&oc);
        for (i = 0; i < PCB_CMP_NVERDICTS; i++)
            if ((cli.fail_on >> i & 1u) && oc.counts[i])
                status = 1;
    }
    pcb_cmp_outcome_close(&oc);
out:
    pcb_cmp_side_close(&base);
    pcb_cmp_side_close(&new_);
    if (cli.filter)
        regfree(&cli.re);
    pcb_cmp_thresholds_close(&own);
    free(cli.files);
    return status;
}
