/*
 * main.c - pcbench: parse pcbench's options, describe the machine, register the case matrix and
 * the Floor/ family, run them through Google Benchmark, print the summary.
 *
 * Exit status: 0 when every case that ran passed its checks; 1 when any case failed (a result
 * mismatch, a task error, a broken pool); 2 for bad options or flags.
 */
#define _GNU_SOURCE
#include <stdbool.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/prctl.h>
#include <unistd.h>

#include "cases.h"
#include "context.h"
#include "families.h"
#include "gbench.h"
#include "oneshot.h"
#include "options.h"
#include "summary.h"

/* Warm-up before every case unless the user chose one: the first batch of a fresh pool pays
 * for page faults and cold caches that no later batch pays. */
#define DEFAULT_WARMUP "--benchmark_min_warmup_time=0.1"

int main(int argc, char **argv)
{
    struct pcb_options o;

    if (argc > 1 && strcmp(argv[1], "run") == 0)
        return pcb_oneshot_main(argc - 1, argv + 1);

    int rc = pcb_options_parse(&argc, argv, &o);

    if (rc)
        return rc;
    if (o.help) {
        bool library_help = false;
        for (int i = 1; i < argc; i++)
            library_help |= strcmp(argv[i], "--help") == 0 || strcmp(argv[i], "-h") == 0;
        pcb_options_help();
        if (!library_help)
            return 0; /* --pcb_help: ours only */
        /* --help: the library prints its own flags next and exits 0 */
    }

    /* Lower the timer slack before any worker exists: threads and forked processes inherit
     * it, and waiting workloads would otherwise oversleep by up to 50 us per wait. */
    if (prctl(PR_SET_TIMERSLACK, (unsigned long)o.timer_slack_ns, 0, 0, 0) != 0)
        perror("pcbench: warning: PR_SET_TIMERSLACK");

    char **args = calloc((size_t)argc + 2, sizeof(*args));
    if (!args) {
        fprintf(stderr, "pcbench: out of memory\n");
        return 1;
    }
    int nargs = 0;
    for (int i = 0; i < argc; i++)
        args[nargs++] = argv[i];
    if (!o.gb_warmup_given && o.profile == PCB_PROFILE_DEFAULT)
        args[nargs++] = (char *)DEFAULT_WARMUP;
    args[nargs] = NULL;

    pcb_gb_init(&nargs, args);
    if (pcb_gb_report_unrecognized(nargs, args)) {
        free(args);
        return 2;
    }
    pcb_context_add(&o);
    if (pcb_floor_register(&o) < 0 || pcb_ipc_register(&o) < 0 ||
        pcb_lifecycle_register(&o) < 0 || pcb_cases_register(&o) < 0) {
        fprintf(stderr, "pcbench: out of memory registering cases\n");
        free(args);
        return 1;
    }

    bool console = strcmp(o.gb_format, "console") == 0;
    bool color = strcmp(o.gb_color, "true") == 0 || strcmp(o.gb_color, "yes") == 0 ||
                 strcmp(o.gb_color, "1") == 0 ||
                 (strcmp(o.gb_color, "auto") == 0 && isatty(STDOUT_FILENO) && getenv("TERM") &&
                  strcmp(getenv("TERM"), "dumb") != 0);
    struct pcb_gb_run_options ro = {.on_run = pcb_summary_collect,
                                    .console = console && !o.gb_list_only,
                                    .color = color,
                                    .tabular = o.gb_tabular};
    pcb_gb_run(&ro);
    if (ro.console)
        pcb_summary_print();
    pcb_cases_release();
    pcb_gb_shutdown();
    free(args);
    if (pcb_gb_failed_runs()) {
        fprintf(stderr, "pcbench: %zu run(s) failed their checks; see the error messages above\n",
                pcb_gb_failed_runs());
        return 1;
    }
    return 0;
}
