/*
 * opts.h - one option table per command line, and one engine that parses it, prints its usage
 * and words its errors.
 *
 * Every command line of pcbench (pcbench, pcbench run, compare, pcbench-report) is a
 * `static const struct pcb_opt[]` table plus a struct pcb_optset around it. The engine:
 *
 *  - parses `--name=VALUE` and, unless the set says equals_only, `--name VALUE`; a short alias
 *    (`-o DIR`); flags without a value; values from an environment variable first, where the
 *    table names one, so the command line wins; an option given twice takes the last value
 *    (a CUSTOM option's callback sees every one, so it may collect them);
 *    `--` ends the options; everything else is a positional argument, or is passed on
 *    unchanged when the set says so (pcbench hands Google Benchmark its own flags);
 *  - checks every value by its kind (integer in a range, number in a range, one of a list of
 *    names, a comma-separated list of distinct integers, text) or by the entry's own callback;
 *  - prints the option list of the usage text from the same table;
 *  - words every refusal as one line, `PROG: OPTION=VALUE: what is allowed`, with control
 *    characters of the value shown as '?' so the message stays one line, and tells the caller
 *    to exit with status 2.
 *
 * Nothing here allocates; values point into argv or the environment.
 */
#ifndef PCB_OPTS_H
#define PCB_OPTS_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>

/* A macro's value as a string literal, for limits in help texts: "1.." PCB_XSTR(MAX). */
#define PCB_STR(x) #x
#define PCB_XSTR(x) PCB_STR(x)

/* Values one PCB_OPT_LIST option may hold. */
#define PCB_OPT_LIST_MAX 16

/* A list of distinct unsigned values from "1,2,4"; n == 0 means "not given". */
struct pcb_list {
    uint64_t v[PCB_OPT_LIST_MAX]; /* the values, in the order given */
    size_t n;                     /* how many */
};

/* What a value is, and so how the engine checks it and where it stores it (at `offset` in the
 * caller's options struct). */
enum pcb_opt_kind {
    PCB_OPT_FLAG,   /* no value; stores true in a bool */
    PCB_OPT_U64,    /* an unsigned decimal integer in [min, max]; stores a uint64_t */
    PCB_OPT_DOUBLE, /* a finite number in [dmin, dmax] (a trailing '%' allowed with
                       PCB_OPT_PERCENT); stores a double */
    PCB_OPT_CHOICE, /* one of `choices` (NULL-terminated); stores its index as an int */
    PCB_OPT_LIST,   /* comma-separated distinct integers in [min, max]; stores a struct
                       pcb_list */
    PCB_OPT_TEXT,   /* any text (non-empty unless PCB_OPT_EMPTY_OK); stores a const char * */
    PCB_OPT_CUSTOM, /* checked and stored by `set` */
};

enum pcb_opt_flags {
    PCB_OPT_EMPTY_OK = 1u << 1,       /* a TEXT value may be empty */
    PCB_OPT_PERCENT = 1u << 2,        /* a DOUBLE value may end in '%' */
    PCB_OPT_KEEP = 1u << 3,           /* checked, then left in argv (another parser's flag) */
    PCB_OPT_HIDDEN = 1u << 4,         /* not in the usage text */
    PCB_OPT_HELP = 1u << 5,           /* asks for the usage: the parse returns PCB_OPTS_HELP */
    PCB_OPT_VALUE_OPTIONAL = 1u << 6, /* may be given without a value (Google Benchmark's
                                         `--flag` for `--flag=true`): set gets NULL then */
};

struct pcb_optset;

/*
 * An option's own check and store, for PCB_OPT_CUSTOM (and, when given, run after the kind's
 * check for the others). `value` is NULL for a flag. Returns 0, or -1 after writing what is
 * allowed into why[0..cap) (the engine prints the line).
 */
typedef int (*pcb_opt_set_fn)(void *opts, const char *value, char *why, size_t cap);

/* One option. */
struct pcb_opt {
    const char *name;           /* "--workers", "--pcb_workers" */
    const char *alias;          /* a short form ("-o"), or NULL */
    const char *env;            /* environment variable read first ("PCB_WORKERS"), or NULL */
    const char *arg;            /* the value's name in the usage ("LIST"); NULL for a flag */
    const char *help;           /* usage text; '\n' starts a continuation line */
    enum pcb_opt_kind kind;     /* how the value is checked and stored */
    size_t offset;              /* where it is stored in the options struct */
    uint64_t min, max;          /* U64 and LIST bounds */
    double dmin, dmax;          /* DOUBLE bounds */
    const char *const *choices; /* CHOICE names, NULL-terminated */
    pcb_opt_set_fn set;         /* CUSTOM's store, or an extra check; NULL for none */
    pcb_opt_set_fn set_env;     /* the variable's value when it reads differently from the
                                   option's (a list of paths, say); NULL: as the option's */
    unsigned flags;             /* enum pcb_opt_flags */
};

/* A command line: its options and what happens to the other arguments. */
struct pcb_optset {
    const char *prog;           /* names the tool in messages: "pcbench", "compare" */
    const struct pcb_opt *opts; /* the table */
    size_t nopts;               /* its length */
    bool equals_only;           /* values only as --name=VALUE (Google Benchmark's style) */
    /* Arguments that start with this prefix and are not in the table are refused as unknown
     * options; other arguments starting with '-' are passed on (left in argv) when pass_on is
     * set, else refused. NULL: every unknown "-..." argument is refused (or passed on). */
    const char *own_prefix;
    bool pass_on;
    /* Takes one positional argument (or NULL: positionals are refused, or passed on with
     * pass_on). A "--" argument reaches it as arg == NULL: a separator the tool gives its own
     * meaning (compare: base files -- new files); options may follow it. Returns 0, or -1 after
     * writing why into why[0..cap) (the line then reads "PROG: ARG: why"). */
    int (*positional)(void *opts, const char *arg, char *why, size_t cap);
    bool *given; /* nopts entries: which options the last parse saw; NULL when not needed */
};

/* What pcb_opts_parse() returns besides 0. */
#define PCB_OPTS_HELP                                                                              \
    1                    /* an option with PCB_OPT_HELP was given (and every other argument        \
                            parsed well): print the usage, exit 0 */
#define PCB_OPTS_ERROR 2 /* one line was printed: exit with status 2 */

/*
 * Parses the environment (entries with `env`, in table order), then argv[1..*argc), into
 * `opts`. Arguments the set passes on (and PCB_OPT_KEEP options) stay in argv, in order;
 * *argc becomes their count plus one, and argv[*argc] is NULL. Returns 0, PCB_OPTS_HELP, or
 * PCB_OPTS_ERROR after one line on stderr.
 */
int pcb_opts_parse(const struct pcb_optset *set, int *argc, char **argv, void *opts);

/* Prints the option list of the usage: one entry per option, from the table. */
void pcb_opts_usage(const struct pcb_optset *set, FILE *f);

/* The option of `set` called `name` (or with that alias), or NULL. */
const struct pcb_opt *pcb_opts_find(const struct pcb_optset *set, const char *name);

/* Whether option `name` was given (on the command line or by its variable) in the last
 * pcb_opts_parse() of `set`. */
bool pcb_opts_given(const struct pcb_optset *set, const char *name);

/*
 * The one-line refusal: "PROG: WHAT=VALUE: ALLOWED" (or "PROG: WHAT: ALLOWED" when value is
 * NULL) on stderr, with control characters shown as '?'. Returns PCB_OPTS_ERROR.
 */
int pcb_opts_refuse(const char *prog, const char *what, const char *value, const char *allowed);

/* printf() of one line to stderr with control characters shown as '?' and the line cut to
 * 1 KiB, still ending in a newline. For messages that quote what a user gave. */
void pcb_say(const char *fmt, ...) __attribute__((format(printf, 1, 2)));

/* Strict parsers the kinds use, for callers that check values of their own. Return 0, or -1
 * when `s` is not entirely such a value or is out of range. */
int pcb_parse_u64(const char *s, uint64_t min, uint64_t max, uint64_t *out);
int pcb_parse_double(const char *s, double min, double max, bool percent, double *out);
/* A comma-separated list of distinct integers in [min, max], at most PCB_OPT_LIST_MAX. */
int pcb_parse_list(const char *s, uint64_t min, uint64_t max, struct pcb_list *out);

#endif
