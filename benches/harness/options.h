/*
 * options.h - pcbench's own options (--pcb_* and PCB_* environment variables).
 *
 * They are validated in full before anything runs: a bad value prints one line naming the
 * option and the allowed range, and pcbench exits with status 2 before any worker starts.
 * They are removed from argv, so Google Benchmark sees only its own flags. One table in
 * options.c drives the parsing, the environment variables, the usage and the refusals.
 */
#ifndef PCB_OPTIONS_H
#define PCB_OPTIONS_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "../common/opts.h"

#define PCB_MAX_LIST PCB_OPT_LIST_MAX /* values one list option may hold */
#define PCB_MAX_PARAM_SETS 8          /* distinct --pcb_param names */

/* One --pcb_param=NAME=LIST. */
struct pcb_param_override {
    char name[32];        /* the workload parameter's name */
    struct pcb_list list; /* its values */
};

enum pcb_profile { PCB_PROFILE_DEFAULT, PCB_PROFILE_QUICK };

struct pcb_options {
    struct pcb_list workers;  /* --pcb_workers */
    struct pcb_list tasks;    /* --pcb_tasks */
    struct pcb_list chunk;    /* --pcb_chunk */
    uint64_t seed;            /* --pcb_seed */
    enum pcb_profile profile; /* --pcb_profile */
    uint64_t timer_slack_ns;  /* --pcb_timer_slack_ns */
    int pin;                  /* --pcb_pin: enum pcb_pin (none, compact, spread) */
    size_t ntext;             /* --pcb_text files given */
    size_t ntext_env;         /* PCB_TEXT files given */
    uint64_t case_timeout_s;  /* --pcb_case_timeout: seconds a case may go without finishing a
                                 batch (0: no watchdog) */
    struct pcb_param_override params[PCB_MAX_PARAM_SETS]; /* --pcb_param, repeatable */
    size_t nparams;
    bool help;         /* --help or --pcb_help was given */
    bool help_library; /* --help (or -h): Google Benchmark's help follows pcbench's */
    /* Google Benchmark flags pcbench needs to know about (they stay in argv). The values of
     * these and of the library's other flags with a value to check (_repetitions, _time_unit,
     * _context, the booleans, --v) are checked here: the library would abort, run nothing,
     * print its usage and exit 0, or print two lines. */
    bool gb_min_time_given; /* --benchmark_min_time */
    bool gb_warmup_given;   /* --benchmark_min_warmup_time */
    bool gb_list_only;      /* --benchmark_list_tests=true */
    int gb_format;          /* --benchmark_format: 0 console (default), 1 json, 2 csv */
    int gb_out_format;      /* --benchmark_out_format: 0 json (default), 1 console, 2 csv */
    int gb_time_unit;       /* --benchmark_time_unit: 0 ns, 1 us, 2 ms, 3 s (checked only) */
    const char *gb_color;   /* --benchmark_color read as the library reads it: "auto" (also
                               when absent), "true" or "false" */
    bool gb_tabular;        /* --benchmark_counters_tabular=true */
};

/* Limits, shared by the parser, --help and the tests. */
#define PCB_OPT_WORKERS_MAX 10000
#define PCB_OPT_TASKS_MAX 10000000
#define PCB_OPT_CHUNK_MAX 1000000
#define PCB_OPT_SLACK_MAX 1000000000
#define PCB_OPT_CASE_TIMEOUT_MAX 86400 /* a day */
#define PCB_OPT_CASE_TIMEOUT_DEFAULT 300
#define PCB_OPT_REPETITIONS_MAX 100000 /* --benchmark_repetitions */

/*
 * Parses PCB_* environment variables, then --pcb_* arguments (which win), removing the latter
 * from argv. Returns 0, or 2 after printing one line to stderr (the exit status to use).
 * Text files (--pcb_text, PCB_TEXT) must be readable, non-empty regular files without a NUL
 * byte, and --pcb_param=corpus may name only as many of them as were given.
 */
int pcb_options_parse(int *argc, char **argv, struct pcb_options *o);

/* Prints one warning line on stderr for each PCB_* environment variable that is neither an
 * option's variable nor one pcbench's own scripts and tests use: a misspelt PCB_WORKER=3 would
 * otherwise be ignored without a word. */
void pcb_options_warn_unknown_env(void);

/* Prints the --pcb_* help to stdout: the usage, the option table, strategies and workloads. */
void pcb_options_help(void);

/* --benchmark_format's value as the library names it: "console", "json" or "csv". */
const char *pcb_options_gb_format(const struct pcb_options *o);

#endif
