/*
 * json_check.c - checks a Google Benchmark JSON report, for the CLI test (so it needs no Python).
 *
 *   pcb_json_check FILE [--no-errors] [--aggregates=a,b,...] [--context=k1,k2,...]
 *                       [--allow-empty] [--complete] [--print-cases] [--print-errors] [--text]
 *
 * FILE ("-" for stdin) must parse as one JSON object with a "context" object and a non-empty
 * "benchmarks" array. --no-errors: no entry has error_occurred true. --aggregates: for every
 * iteration run's run_name there is an aggregate entry of each named aggregate_name.
 * --context: each key is present in "context" as a non-empty string. --allow-empty: the
 * "benchmarks" array may be empty (a run interrupted before its first case ended).
 * --complete: every entry is a whole run: a name, run_name, run_type, time_unit, numeric
 * iterations, real_time and cpu_time, and an error_message when error_occurred is true.
 * --print-cases: prints the number of distinct run_names (cases) on stdout. --print-errors:
 * prints "name<TAB>error_message" on stdout for every entry with error_occurred true. --text:
 * the file is well-formed UTF-8 and holds no control character but tab, newline and carriage
 * return (JSON allows no other raw, and those only between tokens; cJSON itself takes any
 * byte inside a string, so this is checked on the bytes). Exit
 * status 0 when every check holds; otherwise 1 after one line on stderr saying which check
 * failed and where.
 */
#define _GNU_SOURCE
#include <cjson/cJSON.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

static char *slurp(const char *path)
{
    FILE *f = strcmp(path, "-") == 0 ? stdin : fopen(path, "r");
    size_t cap = 1 << 16, len = 0;
    char *buf;

    if (!f)
        return NULL;
    buf = malloc(cap);
    for (size_t got; buf && (got = fread(buf + len, 1, cap - len - 1, f)) > 0;) {
        len += got;
        if (len + 1 == cap) {
            char *nb = realloc(buf, cap *= 2);
            if (!nb)
                free(buf);
            buf = nb;
        }
    }
    if (f != stdin)
        fclose(f);
    if (buf)
        buf[len] = '\0';
    return buf;
}

/* The offset of the first byte of text that breaks --text, or -1 when there is none. */
static long text_problem(const unsigned char *t)
{
    for (const unsigned char *p = t; *p;) {
        unsigned c = *p, cp, n;
        if (c < 0x20 && c != '\t' && c != '\n' && c != '\r')
            return p - t;
        if (c == 0x7f)
            return p - t;
        if (c < 0x80) {
            p++;
            continue;
        }
        if ((c & 0xe0) == 0xc0)
            n = 2, cp = c & 0x1f;
        else if ((c & 0xf0) == 0xe0)
            n = 3, cp = c & 0x0f;
        else if ((c & 0xf8) == 0xf0)
            n = 4, cp = c & 0x07;
        else
            return p - t;
        for (unsigned i = 1; i < n; i++) {
            if ((p[i] & 0xc0) != 0x80)
                return p - t;
            cp = cp << 6 | (p[i] & 0x3f);
        }
        if ((n == 2 && cp < 0x80) || (n == 3 && cp < 0x800) || (n == 4 && cp < 0x10000) ||
            cp > 0x10ffff || (cp >= 0xd800 && cp <= 0xdfff))
            return p - t;
        p += n;
    }
    return -1;
}

static const char *str(const cJSON *obj, const char *key)
{
    const cJSON *v = cJSON_GetObjectItemCaseSensitive(obj, key);

    return cJSON_IsString(v) ? v->valuestring : NULL;
}

/* True when some entry has run_name `run` and aggregate_name `agg`. */
static int has_aggregate(const cJSON *benchmarks, const char *run, const char *agg)
{
    const cJSON *b;

    cJSON_ArrayForEach(b, benchmarks)
    {
        const char *rn = str(b, "run_name"), *an = str(b, "aggregate_name");
        const char *rt = str(b, "run_type");
        if (rn && an && rt && strcmp(rt, "aggregate") == 0 && strcmp(rn, run) == 0 &&
            strcmp(an, agg) == 0)
            return 1;
    }
    return 0;
}

int main(int argc, char **argv)
{
    const char *path = NULL, *aggregates = NULL, *context = NULL;
    int no_errors = 0, allow_empty = 0, complete = 0, print_cases = 0, print_errors = 0;
    int text_only = 0;

    for (int i = 1; i < argc; i++) {
        if (strcmp(argv[i], "--no-errors") == 0)
            no_errors = 1;
        else if (strncmp(argv[i], "--aggregates=", 13) == 0)
            aggregates = argv[i] + 13;
        else if (strncmp(argv[i], "--context=", 10) == 0)
            context = argv[i] + 10;
        else if (strcmp(argv[i], "--allow-empty") == 0)
            allow_empty = 1;
        else if (strcmp(argv[i], "--complete") == 0)
            complete = 1;
        else if (strcmp(argv[i], "--print-cases") == 0)
            print_cases = 1;
        else if (strcmp(argv[i], "--print-errors") == 0)
            print_errors = 1;
        else if (strcmp(argv[i], "--text") == 0)
            text_only = 1;
        else if (!path)
            path = argv[i];
        else {
            fprintf(stderr, "json_check: unexpected argument %s\n", argv[i]);
            return 2;
        }
    }
    if (!path) {
        fprintf(stderr, "usage: json_check FILE [--no-errors] [--aggregates=..] [--context=..] "
                        "[--allow-empty] [--complete] [--print-cases] [--print-errors] "
                        "[--text]\n");
        return 2;
    }
    char *text = slurp(path);
    if (!text) {
        fprintf(stderr, "json_check: cannot read %s\n", path);
        return 1;
    }
    long at = text_only ? text_problem((const unsigned char *)text) : -1;
    if (at >= 0) {
        fprintf(stderr,
                "json_check: %s: byte %ld (0x%02x) is a raw control character or not UTF-8\n", path,
                at, (unsigned)(unsigned char)text[at]);
        free(text);
        return 1;
    }
    cJSON *doc = cJSON_Parse(text);
    free(text);
    if (!cJSON_IsObject(doc)) {
        fprintf(stderr, "json_check: %s is not a JSON object\n", path);
        return 1;
    }
    const cJSON *ctx = cJSON_GetObjectItemCaseSensitive(doc, "context");
    const cJSON *benchmarks = cJSON_GetObjectItemCaseSensitive(doc, "benchmarks");
    if (!cJSON_IsObject(ctx) || !cJSON_IsArray(benchmarks) ||
        (cJSON_GetArraySize(benchmarks) == 0 && !allow_empty)) {
        fprintf(stderr, "json_check: no context object or no benchmarks\n");
        return 1;
    }

    int bad = 0, cases = 0;
    const cJSON *b;
    cJSON_ArrayForEach(b, benchmarks)
    {
        const char *name = str(b, "name");
        if (!name) {
            fprintf(stderr, "json_check: a benchmark entry has no name\n");
            return 1;
        }
        int error = cJSON_IsTrue(cJSON_GetObjectItemCaseSensitive(b, "error_occurred"));
        if (complete) {
            static const char *const strings[] = {"run_name", "run_type", "time_unit"};
            static const char *const numbers[] = {"iterations", "real_time", "cpu_time"};
            for (size_t k = 0; k < sizeof(strings) / sizeof(strings[0]); k++)
                if (!str(b, strings[k])) {
                    fprintf(stderr, "json_check: %s: no %s\n", name, strings[k]);
                    bad = 1;
                }
            for (size_t k = 0; k < sizeof(numbers) / sizeof(numbers[0]); k++)
                if (!cJSON_IsNumber(cJSON_GetObjectItemCaseSensitive(b, numbers[k]))) {
                    fprintf(stderr, "json_check: %s: no number %s\n", name, numbers[k]);
                    bad = 1;
                }
            if (error && !str(b, "error_message")) {
                fprintf(stderr, "json_check: %s: an error without error_message\n", name);
                bad = 1;
            }
        }
        if (print_errors && error)
            printf("%s\t%s\n", name, str(b, "error_message") ? str(b, "error_message") : "");
        /* A case's entries (repetitions, then aggregates) are written together. */
        const cJSON *prev = b->prev && b->prev->next ? b->prev : NULL;
        const char *rn = str(b, "run_name") ? str(b, "run_name") : name;
        if (!prev || !str(prev, "run_name") || strcmp(str(prev, "run_name"), rn) != 0)
            cases++;
        if (no_errors && cJSON_IsTrue(cJSON_GetObjectItemCaseSensitive(b, "error_occurred"))) {
            fprintf(stderr, "json_check: %s: error_occurred: %s\n", name,
                    str(b, "error_message") ? str(b, "error_message") : "");
            bad = 1;
        }
        const char *rt = str(b, "run_type");
        if (aggregates && rt && strcmp(rt, "iteration") == 0) {
            char *list = strdup(aggregates), *save = NULL;
            for (char *a = strtok_r(list, ",", &save); a; a = strtok_r(NULL, ",", &save))
                if (!has_aggregate(benchmarks, str(b, "run_name") ? str(b, "run_name") : name, a)) {
                    fprintf(stderr, "json_check: %s: no '%s' aggregate\n", name, a);
                    bad = 1;
                }
            free(list);
        }
        if (bad)
            break;
    }
    if (!bad && context) {
        char *list = strdup(context), *save = NULL;
        for (char *k = strtok_r(list, ",", &save); k; k = strtok_r(NULL, ",", &save)) {
            const char *v = str(ctx, k);
            if (!v || !*v) {
                fprintf(stderr, "json_check: context has no non-empty string '%s'\n", k);
                bad = 1;
                break;
            }
        }
        free(list);
    }
    if (print_cases)
        printf("%d\n", cases);
    cJSON_Delete(doc);
    return bad;
}
