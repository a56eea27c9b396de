/*
 * fuzz_options.c - libFuzzer target for pcb_options_parse() (benches/options.c).
 *
 * Input format: lines separated by '\n'. A line that starts with "PCB_" and holds a '=' sets
 * that environment variable (name before the first '=', value after it); every other line is
 * one argument after argv[0] = "pcbench". A NUL byte ends its line's string, as it would in a
 * real argv. Every PCB_* variable the parser reads is cleared before each input, so inputs do
 * not see each other's environment, and the --pcb_text list is emptied after each input.
 *
 * Checked on every input (a failed check aborts, which libFuzzer reports as a crash):
 *   - the return value is 0 or 2;
 *   - 2: exactly one line on stderr, starting with "pcbench: " and naming a --pcb_ option, a
 *     PCB_ variable or a Google Benchmark flag pcbench checks itself (--benchmark_*, --v); 0:
 *     nothing on stderr;
 *   - argv: argv[0] kept, argv[argc] == NULL, the kept arguments are the original ones in their
 *     order, minus exactly the --pcb_* ones (none of which is left);
 *   - every parsed value lies within the limits of options.h and of the workloads' parameter
 *     specs; lists hold distinct values, at most PCB_MAX_LIST of them.
 * The sanitizers (address, undefined) catch out-of-bounds reads and writes on the way.
 *
 * Built and run by tests/fuzz/fuzz.sh (clang -fsanitize=fuzzer,address,undefined).
 */
#define _GNU_SOURCE
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "../../benches/harness/options.h"
#include "../../workloads/cpu_text.h"
#include "../../workloads/workload.h"

#define MAX_ARGS 64

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

/* Every environment variable pcb_options_parse() or the workloads it consults read. */
static const char *const env_names[] = {
    "PCB_WORKERS",        "PCB_TASKS", "PCB_CHUNK", "PCB_SEED",         "PCB_PROFILE",
    "PCB_TIMER_SLACK_NS", "PCB_PARAM", "PCB_PIN",   "PCB_CASE_TIMEOUT", "PCB_TEXT"};

#define CHECK(cond)                                                                                \
    do {                                                                                           \
        if (!(cond)) {                                                                             \
            fprintf(stderr, "fuzz_options: check failed: %s (line %d)\n", #cond, __LINE__);        \
            abort();                                                                               \
        }                                                                                          \
    } while (0)

static void check_list(const struct pcb_list *l, uint64_t min, uint64_t max)
{
    CHECK(l->n <= PCB_MAX_LIST);
    for (size_t i = 0; i < l->n; i++) {
        CHECK(l->v[i] >= min && l->v[i] <= max);
        for (size_t j = 0; j < i; j++)
            CHECK(l->v[i] != l->v[j]);
    }
}

/* The narrowest range of the workload parameter `name` (as the parser computes it); 0 when no
 * workload has it. */
static int param_range(const char *name, uint64_t *min, uint64_t *max)
{
    size_t nwl;
    const struct pcb_workload *const *wls = pcb_workloads(&nwl);
    int found = 0;

    *min = 0;
    *max = UINT64_MAX;
    for (size_t i = 0; i < nwl; i++)
        for (size_t j = 0; j < wls[i]->nparams; j++)
            if (strcmp(wls[i]->params[j].name, name) == 0) {
                found = 1;
                if (wls[i]->params[j].min > *min)
                    *min = wls[i]->params[j].min;
                if (wls[i]->params[j].max < *max)
                    *max = wls[i]->params[j].max;
            }
    return found;
}

static void check_values(const struct pcb_options *o)
{
    check_list(&o->workers, 1, PCB_OPT_WORKERS_MAX);
    check_list(&o->tasks, 1, PCB_OPT_TASKS_MAX);
    check_list(&o->chunk, 1, PCB_OPT_CHUNK_MAX);
    CHECK(o->profile == PCB_PROFILE_DEFAULT || o->profile == PCB_PROFILE_QUICK);
    CHECK(o->timer_slack_ns >= 1 && o->timer_slack_ns <= PCB_OPT_SLACK_MAX);
    CHECK(o->case_timeout_s <= PCB_OPT_CASE_TIMEOUT_MAX);
    CHECK(o->pin >= 0 && o->pin <= 2);
    CHECK(o->nparams <= PCB_MAX_PARAM_SETS);
    for (size_t i = 0; i < o->nparams; i++) {
        const struct pcb_param_override *p = &o->params[i];
        uint64_t min, max;
        CHECK(memchr(p->name, '\0', sizeof(p->name)) != NULL && p->name[0] != '\0');
        CHECK(param_range(p->name, &min, &max));
        check_list(&p->list, min, max);
        for (size_t j = 0; j < i; j++)
            CHECK(strcmp(o->params[j].name, p->name) != 0);
    }
    CHECK(o->gb_format >= 0 && o->gb_format <= 2 && o->gb_color != NULL);
    /* Read as the library reads it, so pcbench's console reporter agrees with it. */
    CHECK(strcmp(o->gb_color, "auto") == 0 || strcmp(o->gb_color, "true") == 0 ||
          strcmp(o->gb_color, "false") == 0);
    CHECK(o->gb_time_unit >= 0 && o->gb_time_unit <= 3);
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    char *copy = malloc(size + 1);
    char *args[MAX_ARGS + 2], *orig[MAX_ARGS + 2];
    int argc = 1, nsets = 0;
    struct pcb_options o;

    if (!copy)
        return 0;
    memcpy(copy, data, size);
    copy[size] = '\0';
    for (size_t i = 0; i < sizeof(env_names) / sizeof(env_names[0]); i++)
        unsetenv(env_names[i]);

    args[0] = (char *)"pcbench";
    for (char *line = copy, *next; line && argc <= MAX_ARGS; line = next) {
        char *nl = memchr(line, '\n', (size_t)(copy + size - line));
        next = nl ? nl + 1 : NULL;
        if (nl)
            *nl = '\0';
        char *eq = strchr(line, '=');
        if (strncmp(line, "PCB_", 4) == 0 && eq && nsets < 16) {
            *eq = '\0';
            setenv(line, eq + 1, 1);
            nsets++;
            continue;
        }
        if (!nl && line == copy + size)
            break; /* the empty tail after a final '\n' */
        args[argc++] = line;
    }
    args[argc] = NULL;
    memcpy(orig, args, sizeof(args[0]) * ((size_t)argc + 1));

    /* The parser's messages go to a memory stream; the sanitizers still write to fd 2. */
    char *msg = NULL;
    size_t msglen = 0;
    FILE *mem = open_memstream(&msg, &msglen), *saved = stderr;
    if (!mem) {
        free(copy);
        return 0;
    }
    stderr = mem;
    int n = argc;
    int rc = pcb_options_parse(&n, args, &o);
    fclose(mem);
    stderr = saved;

    CHECK(rc == 0 || rc == 2);
    if (rc == 2) {
        char *first_nl = memchr(msg, '\n', msglen);
        CHECK(msglen > 0 && first_nl == msg + msglen - 1); /* exactly one line */
        CHECK(strncmp(msg, "pcbench: ", 9) == 0);
        CHECK(strstr(msg, "--pcb_") != NULL || strstr(msg, "PCB_") != NULL ||
              strstr(msg, "--benchmark_") != NULL || strncmp(msg, "pcbench: --v", 12) == 0);
    } else {
        CHECK(msglen == 0);
        CHECK(n >= 1 && n <= argc);
        CHECK(args[0] == orig[0] && args[n] == NULL);
        /* The kept arguments are the original ones minus exactly the --pcb_ ones, in order. */
        int k = 1;
        for (int i = 1; i < argc; i++) {
            if (strncmp(orig[i], "--pcb_", 6) == 0)
                continue;
            CHECK(k < n && args[k] == orig[i]);
            k++;
        }
        CHECK(k == n);
        check_values(&o);
    }
    free(msg);
    pcb_wl_text_clear_files();
    for (size_t i = 0; i < sizeof(env_names) / sizeof(env_names[0]); i++)
        unsetenv(env_names[i]);
    free(copy);
    return 0;
}
