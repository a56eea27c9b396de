/*
 * child_json.h - runs this test program's benchmarks once, in a re-executed copy of itself, and
 * loads the JSON they wrote.
 *
 * Google Benchmark runs its benchmarks only once per process, while the test cases that check
 * the results each run in their own process (harness.h). So the program re-executes itself as
 * `prog MODE FILE` (its main must then register and run the benchmarks of MODE with JSON output
 * to FILE), waits for it, parses FILE with cJSON and removes it. FILE lies next to the test
 * binary, in the build directory.
 */
#ifndef PCB_TEST_CHILD_JSON_H
#define PCB_TEST_CHILD_JSON_H

#include <cjson/cJSON.h>
#include <errno.h>
#include <limits.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/wait.h>
#include <unistd.h>

/* Reads a whole file into a NUL-terminated buffer the caller frees; NULL when it cannot. */
static inline char *pcb_test_slurp(const char *path)
{
    FILE *f = fopen(path, "r");
    size_t cap = 1 << 16, len = 0, got;
    char *buf = f ? malloc(cap) : NULL;

    while (buf && (got = fread(buf + len, 1, cap - len - 1, f)) > 0) {
        len += got;
        if (len + 1 == cap) {
            char *nb = realloc(buf, cap *= 2);
            if (!nb)
                free(buf);
            buf = nb;
        }
    }
    if (f)
        fclose(f);
    if (buf)
        buf[len] = '\0';
    return buf;
}

/* Runs the child as `prog mode FILE` (killed after timeout_s), stores its wait status in
 * *status and returns the text of FILE, NUL-terminated, or NULL after a message on stderr (the
 * file is removed either way). The caller frees the result. */
static inline char *pcb_test_run_child_text(const char *mode, unsigned timeout_s, int *status)
{
    char exe[PATH_MAX], path[PATH_MAX + 64];
    ssize_t n = readlink("/proc/self/exe", exe, sizeof(exe) - 1);

    if (n <= 0)
        return NULL;
    exe[n] = '\0';
    snprintf(path, sizeof(path), "%s.%ld.json", exe, (long)getpid());

    fflush(NULL);
    pid_t pid = fork();
    if (pid == -1)
        return NULL;
    if (pid == 0) {
        alarm(timeout_s);
        execl(exe, exe, mode, path, (char *)NULL);
        _exit(127);
    }
    while (waitpid(pid, status, 0) == -1)
        if (errno != EINTR)
            return NULL;

    char *buf = pcb_test_slurp(path);
    if (!buf)
        fprintf(stderr, "no JSON output at %s\n", path);
    unlink(path);
    /* A result file's temporary twin (outfile.h), should one be left. */
    size_t plen = strlen(path);
    snprintf(path + plen, sizeof(path) - plen, ".partial.%ld", (long)pid);
    unlink(path);
    return buf;
}

/* pcb_test_run_child_text(), parsed: the JSON, or NULL after a message on stderr. The caller
 * owns the result. */
static inline cJSON *pcb_test_run_child_json(const char *mode, unsigned timeout_s, int *status)
{
    char *buf = pcb_test_run_child_text(mode, timeout_s, status);

    if (!buf)
        return NULL;
    cJSON *doc = cJSON_Parse(buf);
    free(buf);
    if (!doc)
        fprintf(stderr, "the output of %s is not JSON\n", mode);
    return doc;
}

/* The one entry of doc["benchmarks"] whose name is `name`, or starts with `name` followed by
 * '/' when `prefix` is set; NULL when there is none or more than one. */
static inline const cJSON *pcb_test_find_run(const cJSON *doc, const char *name, int prefix)
{
    const cJSON *benchmarks = cJSON_GetObjectItemCaseSensitive(doc, "benchmarks");
    const cJSON *b, *found = NULL;
    size_t len = strlen(name);

    if (!cJSON_IsArray(benchmarks))
        return NULL;
    cJSON_ArrayForEach(b, benchmarks)
    {
        const cJSON *bn = cJSON_GetObjectItemCaseSensitive(b, "name");
        if (!cJSON_IsString(bn))
            continue;
        int match = prefix ? strncmp(bn->valuestring, name, len) == 0 && bn->valuestring[len] == '/'
                           : strcmp(bn->valuestring, name) == 0;
        if (match) {
            if (found)
                return NULL;
            found = b;
        }
    }
    return found;
}

#endif
