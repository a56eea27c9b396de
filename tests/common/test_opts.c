/*
 * test_opts.c - the option engine (benches/common/opts.h): every kind of value, the environment
 * and its precedence, passing arguments on, positionals and "--", help, and the one-line
 * refusals with what they name.
 */
#include "harness.h"

#include <math.h>
#include <stdlib.h>

#include "opts.h"

struct cfg {
    bool verbose;
    uint64_t count;
    double ratio;
    int color;
    struct pcb_list workers;
    const char *out;
    int nparams;
    const char *files[8];
    int nfiles;
    int dashes;
};

static const char *const colors[] = {"auto", "always", "never", NULL};

/* A custom option: collects every occurrence, refuses "bad". */
static int set_param(void *opts, const char *value, char *why, size_t cap)
{
    struct cfg *c = opts;

    if (strcmp(value, "bad") == 0) {
        snprintf(why, cap, "expected NAME=VALUE");
        return -1;
    }
    c->nparams++;
    return 0;
}

static int positional(void *opts, const char *arg, char *why, size_t cap)
{
    struct cfg *c = opts;

    if (!arg) {
        if (c->dashes++) {
            snprintf(why, cap, "given twice");
            return -1;
        }
        return 0;
    }
    if (c->nfiles == 8) {
        snprintf(why, cap, "too many files");
        return -1;
    }
    c->files[c->nfiles++] = arg;
    return 0;
}

static const struct pcb_opt table[] = {
    {.name = "--verbose",
     .help = "say more",
     .kind = PCB_OPT_FLAG,
     .offset = offsetof(struct cfg, verbose)},
    {.name = "--count",
     .env = "PCB_TEST_COUNT",
     .arg = "N",
     .help = "how many",
     .kind = PCB_OPT_U64,
     .offset = offsetof(struct cfg, count),
     .min = 1,
     .max = 100},
    {.name = "--ratio",
     .arg = "PCT",
     .help = "a share",
     .kind = PCB_OPT_DOUBLE,
     .offset = offsetof(struct cfg, ratio),
     .dmin = 0,
     .dmax = 100,
     .flags = PCB_OPT_PERCENT},
    {.name = "--color",
     .arg = "WHEN",
     .help = "colours",
     .kind = PCB_OPT_CHOICE,
     .offset = offsetof(struct cfg, color),
     .choices = colors},
    {.name = "--workers",
     .env = "PCB_TEST_WORKERS",
     .arg = "LIST",
     .help = "worker counts\nsecond line",
     .kind = PCB_OPT_LIST,
     .offset = offsetof(struct cfg, workers),
     .min = 1,
     .max = 64},
    {.name = "--output",
     .alias = "-o",
     .arg = "DIR",
     .help = "where",
     .kind = PCB_OPT_TEXT,
     .offset = offsetof(struct cfg, out)},
    {.name = "--param",
     .arg = "NAME=V",
     .help = "repeatable",
     .kind = PCB_OPT_CUSTOM,
     .set = set_param},
    {.name = "--help",
     .alias = "-h",
     .help = "this text",
     .kind = PCB_OPT_FLAG,
     .flags = PCB_OPT_HELP},
};

static bool given[sizeof(table) / sizeof(table[0])];

static const struct pcb_optset files_set = {.prog = "tool",
                                            .opts = table,
                                            .nopts = sizeof(table) / sizeof(table[0]),
                                            .positional = positional,
                                            .given = given};

/* Runs the parse with stderr captured into err (one string). Returns the parse's status. */
static int parse(const struct pcb_optset *set, int argc, const char **args, struct cfg *c,
                 char *err, size_t cap)
{
    char *argv[32];
    FILE *tmp = tmpfile();
    int saved = dup(STDERR_FILENO);

    assert_non_null(tmp);
    for (int i = 0; i < argc; i++)
        argv[i] = (char *)args[i];
    argv[argc] = NULL;
    memset(c, 0, sizeof(*c));
    fflush(stderr);
    dup2(fileno(tmp), STDERR_FILENO);
    int rc = pcb_opts_parse(set, &argc, argv, c);
    fflush(stderr);
    dup2(saved, STDERR_FILENO);
    close(saved);
    rewind(tmp);
    size_t n = fread(err, 1, cap - 1, tmp);
    err[n] = '\0';
    fclose(tmp);
    return rc;
}

static int lines(const char *s)
{
    int n = 0;

    for (; *s; s++)
        n += *s == '\n';
    return n;
}

static void test_every_kind_is_parsed_and_stored(void **state)
{
    const char *args[] = {"tool",    "--verbose", "--count=7",       "--ratio", "12.5%",
                          "--color", "never",     "--workers=1,2,8", "-o",      "out dir",
                          "--param", "a=1",       "--param=b=2",     "x.json"};
    struct cfg c;
    char err[256];

    (void)state;
    assert_int_equal(parse(&files_set, 14, args, &c, err, sizeof(err)), 0);
    assert_string_equal(err, "");
    assert_true(c.verbose);
    assert_int_equal(c.count, 7);
    assert_true(c.ratio == 12.5);
    assert_int_equal(c.color, 2);
    assert_int_equal(c.workers.n, 3);
    assert_int_equal(c.workers.v[2], 8);
    assert_string_equal(c.out, "out dir");
    assert_int_equal(c.nparams, 2);
    assert_int_equal(c.nfiles, 1);
    assert_string_equal(c.files[0], "x.json");
    assert_true(pcb_opts_given(&files_set, "--count"));
    assert_true(pcb_opts_given(&files_set, "-o"));
    assert_false(pcb_opts_given(&files_set, "--help"));
}

static void test_environment_is_read_first_and_the_command_line_wins(void **state)
{
    const char *args[] = {"tool", "--count=9"};
    struct cfg c;
    char err[256];

    (void)state;
    setenv("PCB_TEST_COUNT", "3", 1);
    setenv("PCB_TEST_WORKERS", "4,5", 1);
    assert_int_equal(parse(&files_set, 2, args, &c, err, sizeof(err)), 0);
    assert_int_equal(c.count, 9);
    assert_int_equal(c.workers.n, 2);
    assert_int_equal(c.workers.v[1], 5);
    setenv("PCB_TEST_COUNT", "0", 1);
    assert_int_equal(parse(&files_set, 1, args, &c, err, sizeof(err)), PCB_OPTS_ERROR);
    assert_string_equal(err, "tool: PCB_TEST_COUNT=0: expected an integer from 1 to 100\n");
}

static void test_bad_values_get_one_line_naming_option_and_value(void **state)
{
    static const struct {
        const char *arg, *want;
    } rows[] = {
        {"--count=101", "tool: --count=101: expected an integer from 1 to 100\n"},
        {"--count=-1", "tool: --count=-1: expected an integer from 1 to 100\n"},
        {"--count=1x", "tool: --count=1x: expected an integer from 1 to 100\n"},
        {"--ratio=nan", "tool: --ratio=nan: expected a number from 0 to 100 (a percentage)\n"},
        {"--color=sometimes", "tool: --color=sometimes: expected auto, always or never\n"},
        {"--workers=1,1", "tool: --workers=1,1: expected a comma-separated list of up to 16 "
                          "distinct integers from 1 to 64\n"},
        {"--workers=1,,2", "tool: --workers=1,,2: expected a comma-separated list of up to 16 "
                           "distinct integers from 1 to 64\n"},
        {"--param=bad", "tool: --param=bad: expected NAME=VALUE\n"},
        {"--output=", "tool: --output=: expected a non-empty value\n"},
        {"--verbose=yes", "tool: --verbose: takes no value\n"},
        {"--frob", "tool: --frob: unknown option; see tool --help\n"},
        {"--count", "tool: --count: needs a value (--count=N)\n"},
        {"--count=\n2", "tool: --count=?2: expected an integer from 1 to 100\n"},
    };
    struct cfg c;
    char err[512];

    (void)state;
    unsetenv("PCB_TEST_COUNT");
    for (size_t i = 0; i < sizeof(rows) / sizeof(rows[0]); i++) {
        const char *args[] = {"tool", rows[i].arg};
        assert_int_equal(parse(&files_set, 2, args, &c, err, sizeof(err)), PCB_OPTS_ERROR);
        assert_string_equal(err, rows[i].want);
        assert_int_equal(lines(err), 1);
    }
}

static void test_dashes_and_files_reach_the_positional_callback(void **state)
{
    const char *args[] = {"tool", "a.json", "--", "--count=3", "b.json", "-"};
    const char *twice[] = {"tool", "a", "--", "b", "--", "c"};
    struct cfg c;
    char err[256];

    (void)state;
    assert_int_equal(parse(&files_set, 6, args, &c, err, sizeof(err)), 0);
    assert_int_equal(c.dashes, 1);
    assert_int_equal(c.nfiles, 3);
    assert_string_equal(c.files[1], "b.json");
    assert_string_equal(c.files[2], "-");
    assert_int_equal(c.count, 3);
    assert_int_equal(parse(&files_set, 6, twice, &c, err, sizeof(err)), PCB_OPTS_ERROR);
    assert_string_equal(err, "tool: --: given twice\n");
}

static void test_help_is_returned_once_every_argument_parsed(void **state)
{
    const char *args[] = {"tool", "--count=5", "-h", "x.json", "--count=6"};
    const char *bad[] = {"tool", "-h", "--frob"};
    struct cfg c;
    char err[256];

    (void)state;
    assert_int_equal(parse(&files_set, 5, args, &c, err, sizeof(err)), PCB_OPTS_HELP);
    assert_int_equal(c.count, 6);
    assert_int_equal(c.nfiles, 1);
    assert_string_equal(err, "");
    assert_int_equal(parse(&files_set, 3, bad, &c, err, sizeof(err)), PCB_OPTS_ERROR);
}

static void test_pass_on_keeps_foreign_flags_and_refuses_own_unknown_ones(void **state)
{
    static const struct pcb_opt gb[] = {
        {.name = "--pcb_count",
         .arg = "N",
         .kind = PCB_OPT_U64,
         .offset = offsetof(struct cfg, count),
         .min = 1,
         .max = 9},
        {.name = "--benchmark_format",
         .arg = "F",
         .kind = PCB_OPT_CHOICE,
         .offset = offsetof(struct cfg, color),
         .choices = colors,
         .flags = PCB_OPT_KEEP},
    };
    static const struct pcb_optset set = {.prog = "pcbench",
                                          .opts = gb,
                                          .nopts = 2,
                                          .equals_only = true,
                                          .own_prefix = "--pcb_",
                                          .pass_on = true};
    const char *args[] = {"pcbench", "--benchmark_filter=x", "--pcb_count=2",
                          "--benchmark_format=never", "extra"};
    char *argv[8];
    struct cfg c;
    char err[256];
    int argc = 5;

    (void)state;
    for (int i = 0; i < argc; i++)
        argv[i] = (char *)args[i];
    memset(&c, 0, sizeof(c));
    assert_int_equal(pcb_opts_parse(&set, &argc, argv, &c), 0);
    assert_int_equal(argc, 4);
    assert_string_equal(argv[1], "--benchmark_filter=x");
    assert_string_equal(argv[2], "--benchmark_format=never");
    assert_string_equal(argv[3], "extra");
    assert_null(argv[4]);
    assert_int_equal(c.count, 2);
    assert_int_equal(c.color, 2);

    const char *unknown[] = {"pcbench", "--pcb_frob=1"};
    assert_int_equal(parse(&set, 2, unknown, &c, err, sizeof(err)), PCB_OPTS_ERROR);
    assert_string_equal(err, "pcbench: --pcb_frob: unknown option; see pcbench --help\n");
    const char *spaced[] = {"pcbench", "--pcb_count", "2"};
    assert_int_equal(parse(&set, 3, spaced, &c, err, sizeof(err)), PCB_OPTS_ERROR);
    assert_string_equal(err, "pcbench: --pcb_count: needs a value (--pcb_count=N)\n");
}

static void test_usage_lists_every_option_from_the_table(void **state)
{
    char buf[2048];
    FILE *f = fmemopen(buf, sizeof(buf), "w");

    (void)state;
    assert_non_null(f);
    pcb_opts_usage(&files_set, f);
    fclose(f);
    assert_non_null(strstr(buf, "  --count N               how many   [PCB_TEST_COUNT]\n"));
    assert_non_null(strstr(buf, "  -o, --output DIR        where\n"));
    assert_non_null(
        strstr(buf, "worker counts   [PCB_TEST_WORKERS]\n                          second line"));
    assert_non_null(strstr(buf, "  -h, --help              this text\n"));
}

static void test_strict_number_parsers(void **state)
{
    uint64_t u;
    double d;
    struct pcb_list l;

    (void)state;
    assert_int_equal(pcb_parse_u64("18446744073709551615", 0, UINT64_MAX, &u), 0);
    assert_true(u == UINT64_MAX);
    assert_int_equal(pcb_parse_u64("18446744073709551616", 0, UINT64_MAX, &u), -1);
    assert_int_equal(pcb_parse_u64(" 1", 0, 9, &u), -1);
    assert_int_equal(pcb_parse_u64("+1", 0, 9, &u), -1);
    assert_int_equal(pcb_parse_double("1e3", 0, 1e4, false, &d), 0);
    assert_int_equal(pcb_parse_double("inf", 0, INFINITY, false, &d), -1);
    assert_int_equal(pcb_parse_double("5%", 0, 10, false, &d), -1);
    assert_int_equal(pcb_parse_list("1,2,3,4,5,6,7,8,9,10,11,12,13,14,15,16", 1, 99, &l), 0);
    assert_int_equal(pcb_parse_list("1,2,3,4,5,6,7,8,9,10,11,12,13,14,15,16,17", 1, 99, &l), -1);
    assert_int_equal(pcb_parse_list("", 1, 99, &l), -1);
    assert_int_equal(pcb_parse_list("3,", 1, 99, &l), -1);
}

int main(int argc, char **argv)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_every_kind_is_parsed_and_stored),
        cmocka_unit_test(test_environment_is_read_first_and_the_command_line_wins),
        cmocka_unit_test(test_bad_values_get_one_line_naming_option_and_value),
        cmocka_unit_test(test_dashes_and_files_reach_the_positional_callback),
        cmocka_unit_test(test_help_is_returned_once_every_argument_parsed),
        cmocka_unit_test(test_pass_on_keeps_foreign_flags_and_refuses_own_unknown_ones),
        cmocka_unit_test(test_usage_lists_every_option_from_the_table),
        cmocka_unit_test(test_strict_number_parsers),
    };
    return pcb_test_main(argc, argv, "opts", tests, sizeof(tests) / sizeof(tests[0]), 10, NULL);
}
