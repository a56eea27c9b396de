/*
 * fuzz_oneshot.c - libFuzzer target for the argument parser of `pcbench run` (parse_args() in
 * benches/cli/oneshot.c, reached by including that file: the parser is static, and nothing after it
 * runs here - no input is prepared, no pool is started).
 *
 * Input format: lines separated by '\n', each one argument after argv[0] = "run"; a NUL byte
 * ends its line's string, as it would in a real argv. A line "PCB_TEXT=..." sets PCB_TEXT
 * (cleared before every input).
 *
 * Checked on every input (a failed check aborts, which libFuzzer reports as a crash):
 *   - the result is -1 (--help: the usage on stdout, nothing on stderr), 0 or 2;
 *   - 2: exactly one line on stderr, starting with "pcbench run: "; 0 and -1: nothing on stderr;
 *   - 0: a strategy and a workload were chosen; workers, tasks and chunk lie within options.h's
 *     limits and the strategy's own; every --param names a parameter of the chosen workload once,
 *     with a value in its range; every --variant names a variant of the strategy and one of its
 *     values.
 *
 * Built and run by tests/fuzz/fuzz.sh (clang -fsanitize=fuzzer,address,undefined).
 */
#include "../../benches/cli/oneshot.c"

#define MAX_ARGS 64

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

#define CHECK(cond)                                                                                \
    do {                                                                                           \
        if (!(cond)) {                                                                             \
            fprintf(stderr, "fuzz_oneshot: check failed: %s (line %d)\n", #cond, __LINE__);        \
            abort();                                                                               \
        }                                                                                          \
    } while (0)

static void check_parsed(const struct oneshot *o)
{
    const struct pcb_runner *r = o->runner;
    const struct pcb_workload *wl = o->workload;

    CHECK(r != NULL && wl != NULL);
    CHECK(o->workers >= 1 && o->workers <= PCB_OPT_WORKERS_MAX);
    if (r->flags & PCB_RUNNER_WORKERS)
        CHECK(o->workers <= r->max_workers);
    else
        CHECK(o->workers == 1);
    CHECK(o->tasks >= 1 && o->tasks <= PCB_OPT_TASKS_MAX);
    CHECK(o->chunk >= 1 && o->chunk <= PCB_OPT_CHUNK_MAX);
    CHECK(o->nparams <= wl->nparams && o->nparams <= PCB_WL_MAX_PARAMS);
    for (size_t i = 0; i < o->nparams; i++) {
        const struct pcb_param_spec *spec = NULL;
        for (size_t j = 0; j < wl->nparams; j++)
            if (strcmp(wl->params[j].name, o->params[i].name) == 0)
                spec = &wl->params[j];
        CHECK(spec != NULL);
        CHECK(o->params[i].value >= spec->min && o->params[i].value <= spec->max);
        for (size_t j = 0; j < i; j++)
            CHECK(strcmp(o->params[j].name, o->params[i].name) != 0);
    }
    CHECK(o->nvariants <= PCB_MAX_VARIANTS);
    for (size_t i = 0; i < o->nvariants; i++) {
        bool ok = false;
        for (size_t j = 0; j < r->nvariants; j++)
            if (strcmp(r->variants[j].name, o->variants[i].name) == 0)
                for (size_t k = 0; k < r->variants[j].nvalues; k++)
                    ok |= strcmp(r->variants[j].values[k], o->variants[i].value) == 0;
        CHECK(ok);
    }
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    char *copy = malloc(size + 1);
    char *args[MAX_ARGS + 2];
    int argc = 1;
    struct oneshot o;

    if (!copy)
        return 0;
    memcpy(copy, data, size);
    copy[size] = '\0';
    unsetenv("PCB_TEXT");

    args[0] = (char *)"run";
    for (char *line = copy, *next; line && argc <= MAX_ARGS; line = next) {
        char *nl = memchr(line, '\n', (size_t)(copy + size - line));
        next = nl ? nl + 1 : NULL;
        if (nl)
            *nl = '\0';
        if (strncmp(line, "PCB_TEXT=", 9) == 0) {
            setenv("PCB_TEXT", line + 9, 1);
            continue;
        }
        if (!nl && line == copy + size)
            break; /* the empty tail after a final '\n' */
        args[argc++] = line;
    }
    args[argc] = NULL;

    /* Messages go to memory streams; the sanitizers still write to fd 2. */
    char *err = NULL, *out = NULL;
    size_t errlen = 0, outlen = 0;
    FILE *emem = open_memstream(&err, &errlen), *omem = open_memstream(&out, &outlen);
    FILE *saved_err = stderr, *saved_out = stdout;
    if (!emem || !omem) {
        if (emem)
            fclose(emem);
        if (omem)
            fclose(omem);
        free(err);
        free(out);
        free(copy);
        return 0;
    }
    stderr = emem;
    stdout = omem;
    int rc = parse_args(argc, args, &o);
    fclose(emem);
    fclose(omem);
    stderr = saved_err;
    stdout = saved_out;

    CHECK(rc == -1 || rc == 0 || rc == 2);
    if (rc == 2) {
        char *first_nl = memchr(err, '\n', errlen);
        CHECK(errlen > 0 && first_nl == err + errlen - 1); /* exactly one line */
        CHECK(strncmp(err, "pcbench run: ", 13) == 0);
    } else {
        CHECK(errlen == 0);
        if (rc == 0)
            check_parsed(&o);
        else
            CHECK(outlen > 0);
    }
    free(err);
    free(out);
    unsetenv("PCB_TEXT");
    free(copy);
    return 0;
}
