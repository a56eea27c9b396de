/*
 * pcbench_main.c - all of pcbench's command line, as one function a program can call: parse
 * pcbench's options, describe the machine, register the case matrix and every family of
 * families/registry.c, run them through Google Benchmark, print the summary; or `pcbench run`.
 *
 * --benchmark_out=FILE is taken over from the library: results are written by the shim's
 * file reporter through outfile.h (a complete document after every case, never a truncated
 * file; a device or FIFO gets the final document), and the library is given /dev/null instead.
 * SIGINT/SIGTERM end the run by the same signal after saying what the result file keeps
 * (interrupt.h).
 *
 * Exit status: 0 when every case that ran passed its checks; 1 when any case failed (a result
 * mismatch, a task error, a broken pool); 2 for bad options or flags (a --benchmark_filter that
 * selects no case included), after one line on stderr; 4 when the result file could not be
 * written in full (the run goes on after a failed write and writes the whole document again
 * after every case; 4 means the last write failed too, and the file keeps its last complete
 * write).
 */
#define _GNU_SOURCE
#include <errno.h>
#include <stdbool.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/prctl.h>
#include <unistd.h>

#include "../harness/cases.h"
#include "../harness/context.h"
#include "../families/mpi.h"
#include "../families/family.h"
#include "../harness/gbench.h"
#include "../harness/interrupt.h"
#include "../harness/leaks.h"
#include "oneshot.h"
#include "../harness/options.h"
#include "../harness/plugin.h"
#include "../common/outfile.h"
#include "../harness/progress.h"
#include "../harness/summary.h"
#include "../harness/watchdog.h"

/* Warm-up before every case unless the user chose one: the first batch of a fresh pool pays
 * for page faults and cold caches that no later batch pays. */
#define DEFAULT_WARMUP "--benchmark_min_warmup_time=0.1"
/* Time per case unless the user chose one: 0.3 s instead of the library's 0.5 s keeps the
 * default suite (some 600 cases) within 10 minutes on 2 cores. A flag, not a per-case
 * MinTime(), so case names do not change. */
#define DEFAULT_MIN_TIME "--benchmark_min_time=0.3"
/* The exit status when the result file did not get the final document. */
#define EXIT_NOT_WRITTEN 4

/* pcbench's own --help: the options, strategies and workloads, then every family's part. */
static void help(void)
{
    size_t n;
    const struct pcb_family *const *fams = pcb_families(&n);

    pcb_options_help();
    printf("\nFamilies besides the matrix:\n");
    for (size_t i = 0; i < n; i++)
        fams[i]->help(stdout);
    printf("\nBad values print one line naming the option and the allowed range; exit status 2.\n"
           "Exit status otherwise: 0 every case passed its checks, 1 a case failed, 3 a case hung\n"
           "in a thread past --pcb_case_timeout and the run stopped, 4 the --benchmark_out file\n"
           "could not be written in full (it keeps its last complete write); an interrupt\n"
           "(Ctrl-C, SIGTERM) or a crash ends pcbench by that signal.\n"
           "Google Benchmark's flags: pcbench --help.\n\n");
}

/* Registers every family of families/registry.c, in its order, then the case matrix. Returns
 * the number of cases, or -1. */
static int register_all(const struct pcb_options *o)
{
    size_t n;
    const struct pcb_family *const *fams = pcb_families(&n);
    int total = 0, k;

    for (size_t i = 0; i < n; i++) {
        if ((k = fams[i]->register_cases(o)) < 0)
            return -1;
        total += k;
    }
    if ((k = pcb_cases_register(o)) < 0)
        return -1;
    return total + k;
}

int pcbench_main(int argc, char **argv)
{
    struct pcb_options o;

    /* Plugins first: the options, the matrix and every process started below need their
     * workloads (plugin.h). */
    bool oneshot = argc > 1 && strcmp(argv[1], "run") == 0;
    if (oneshot ? pcb_plugins_load(argc - 1, argv + 1, "pcbench run", "--plugin", true)
                : pcb_plugins_load(argc, argv, "pcbench", "--pcb_plugin", false))
        return 2;
    if (oneshot)
        return pcb_oneshot_main(argc - 1, argv + 1);
    /* Under mpirun, ranks other than 0 serve Distributed tasks here and never run a case. */
    int drc = pcb_distributed_main(argc, argv);
    if (drc >= 0)
        return drc;

    /* The arguments as given, for the child that counts the cases for the progress line. */
    char **original = calloc((size_t)argc + 1, sizeof(*original));
    if (!original) {
        fprintf(stderr, "pcbench: out of memory\n");
        return 1;
    }
    memcpy(original, argv, (size_t)argc * sizeof(*argv));

    int rc = pcb_options_parse(&argc, argv, &o);

    if (rc) {
        free(original);
        return rc;
    }
    pcb_options_warn_unknown_env();
    if (o.help) {
        help();
        if (!o.help_library) {
            free(original);
            return 0; /* --pcb_help: ours only */
        }
        /* --help: the library prints its own flags next and exits 0 */
    }

    /* Lower the timer slack before any worker exists: threads and forked processes inherit
     * it, and waiting workloads would otherwise oversleep by up to 50 us per wait. */
    if (prctl(PR_SET_TIMERSLACK, (unsigned long)o.timer_slack_ns, 0, 0, 0) != 0)
        perror("pcbench: warning: PR_SET_TIMERSLACK");

    char **args = calloc((size_t)argc + 4, sizeof(*args));
    if (!args) {
        fprintf(stderr, "pcbench: out of memory\n");
        free(original);
        return 1;
    }
    const char *out_path = NULL, *out_format = "json";
    int nargs = 0;
    for (int i = 0; i < argc; i++) {
        if (strncmp(argv[i], "--benchmark_out=", 16) == 0)
            out_path = argv[i] + 16;
        else if (strncmp(argv[i], "--benchmark_out_format=", 23) == 0)
            out_format = argv[i] + 23;
        else
            args[nargs++] = argv[i];
    }
    /* From here on an interrupt cleans up whatever the run made (interrupt.h). */
    if (!o.gb_list_only)
        pcb_interrupt_install(out_path);
    /* The result file is checked (and a device or FIFO opened) before anything runs. */
    static struct pcb_outfile out;
    bool have_out = out_path && !o.gb_list_only;
    if (have_out) {
        char why[512];
        if (pcb_outfile_open(&out, out_path, why, sizeof(why)) != 0) {
            pcb_opts_refuse("pcbench", "--benchmark_out", out_path, why);
            free(args);
            free(original);
            return 2;
        }
        args[nargs++] = (char *)"--benchmark_out=/dev/null";
    }
    if (!o.gb_min_time_given && o.profile == PCB_PROFILE_DEFAULT)
        args[nargs++] = (char *)DEFAULT_MIN_TIME;
    if (!o.gb_warmup_given && o.profile == PCB_PROFILE_DEFAULT)
        args[nargs++] = (char *)DEFAULT_WARMUP;
    args[nargs] = NULL;

    pcb_gb_init(&nargs, args);
    if (pcb_gb_report_unrecognized(nargs, args)) {
        free(args);
        free(original);
        return 2;
    }
    pcb_context_add(&o);
    if (register_all(&o) < 0) {
        fprintf(stderr, "pcbench: out of memory registering cases\n");
        free(args);
        free(original);
        return 1;
    }

    bool console = o.gb_format == 0 && !o.gb_list_only;
    bool color = strcmp(o.gb_color, "true") == 0 ||
                 (strcmp(o.gb_color, "auto") == 0 && isatty(STDOUT_FILENO) && getenv("TERM") &&
                  strcmp(getenv("TERM"), "dumb") != 0);
    struct pcb_gb_run_options ro = {.on_run = pcb_summary_collect,
                                    .on_case = pcb_progress_case,
                                    .format = pcb_options_gb_format(&o),
                                    .color = color,
                                    .tabular = o.gb_tabular,
                                    .out = have_out ? &out : NULL,
                                    .out_format = out_format,
                                    .list_only = o.gb_list_only};
    if (!o.gb_list_only) {
        pcb_progress_start(original);
        pcb_leaks_install();
        int werr = pcb_watchdog_start(o.case_timeout_s);
        if (werr)
            fprintf(stderr, "pcbench: cannot start the case watchdog: %s; running without it\n",
                    strerror(-werr));
        pcb_watchdog_install();
        pcb_interrupt_watch_stops(); /* after the watchdog's hooks: see interrupt.h */
    }
    long ran = pcb_gb_run(&ro);
    pcb_watchdog_stop();
    pcb_progress_end();
    struct pcb_gb_out_result res = {0};
    if (have_out) {
        pcb_gb_out_result(&res);
        int err = pcb_outfile_close(&out);
        if (err && !res.err)
            res.err = err;
    }
    if (ran < 0) {
        free(args);
        free(original);
        return 2;
    }
    if (console)
        pcb_summary_print();
    pcb_cases_release();
    pcb_gb_shutdown();
    free(args);
    free(original);
    if (pcb_gb_failed_runs())
        fprintf(stderr, "pcbench: %zu run(s) failed their checks; see the error messages above\n",
                pcb_gb_failed_runs());
    /* Lost results outrank failed cases: the failures themselves may be what was lost. */
    if (res.err) {
        char kept[96];
        if (out.stream)
            snprintf(kept, sizeof(kept), "it got no whole document");
        else if (res.written)
            snprintf(kept, sizeof(kept), "it keeps its last complete write, %zu of the %zu case(s)",
                     res.kept, res.ran);
        else
            snprintf(kept, sizeof(kept), "it is as it was before the run (no write succeeded)");
        pcb_say("pcbench: %s: the results could not be written in full (%s); %s\n", out.path,
                strerror(-res.err), kept);
        return EXIT_NOT_WRITTEN;
    }
    return pcb_gb_failed_runs() ? 1 : 0;
}
