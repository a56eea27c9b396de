/* fuzz_readers.c - libFuzzer target for the reader of result files and what
 * is built on it.
 *
 * Each input is read as one file by the one reader (results.h), Google
 * Benchmark or hyperfine, whichever its content says; its checks (UTF-8, NUL
 * bytes and \u0000, keys given twice, unnamed counters, empty hyperfine
 * "times", ...) run on every input. What it accepts is then compared with
 * itself, so compare's sides, decisions and printers see it, and turned into
 * pcbench-report's model, so the case-name grammar and the report's figures see
 * it too. The same input is also read as a thresholds file and checked against
 * the sides. Properties that must hold on any input abort the run (a crash
 * libFuzzer reports):
 *   - the same file twice on one side is refused (PCB_CMP_ETWICE);
 *   - every output format is UTF-8 without control characters but line breaks
 *     (a name's ESC, CR or line break never reaches a terminal, Markdown or the
 *     JSON raw).
 * The input is copied so that it ends exactly at an inaccessible page:
 * libcjson is not instrumented by the sanitizers, and the guard page turns any
 * read past the given length into a crash. The first input byte chooses the
 * compared metric, so counter paths are fuzzed as well as times.
 *
 * Built and run by tests/compare/fuzz.sh (clang -fsanitize=fuzzer,...).
 */
#include "../../compare/compare.h"
#include "../../compare/report/report.h"

#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/mman.h>
#include <unistd.h>

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

/* Reads buf as a file called name into side. Returns 0 or an error. */
static int read_side(struct pcb_cmp_side *side, const char *name, const char *buf, size_t size,
                     char *err)
{
    struct pcb_results *f;
    int rc = pcb_results_read_buffer(name, buf, size, &f, err);

    return rc ? rc : pcb_cmp_side_add(side, f, err);
}

/* Whether out[0..n) is well-formed UTF-8 with no control character but '\n'. */
static int clean_text(const unsigned char *out, size_t n)
{
    for (size_t i = 0; i < n;) {
        unsigned char c = out[i];
        size_t len = c < 0x80                 ? 1
                     : c >= 0xc2 && c <= 0xdf ? 2
                     : c >= 0xe0 && c <= 0xef ? 3
                     : c >= 0xf0 && c <= 0xf4 ? 4
                                              : 0;
        uint32_t cp = len == 1 ? c : len == 2 ? c & 0x1fu : len == 3 ? c & 0x0fu : c & 0x07u;
        if (len == 0 || n - i < len)
            return 0;
        for (size_t k = 1; k < len; k++) {
            if ((out[i + k] & 0xc0) != 0x80)
                return 0;
            cp = cp << 6 | (out[i + k] & 0x3fu);
        }
        if ((cp < 0x20 && cp != '\n') || (cp >= 0x7f && cp <= 0x9f) ||
            (cp >= 0xd800 && cp <= 0xdfff))
            return 0;
        i += len;
    }
    return 1;
}

/* Prints the outcome in every format and checks what was printed (see the top). */
static void print_all(const struct pcb_cmp_side *a, const struct pcb_cmp_side *b,
                      const struct pcb_cmp_outcome *oc, const struct pcb_cmp_decide_opts *dopts)
{
    for (int fmt = PCB_CMP_FMT_TABLE; fmt <= PCB_CMP_FMT_JSON; fmt++) {
        struct pcb_cmp_print_opts popts;
        char *out = NULL;
        size_t n = 0;
        FILE *f = open_memstream(&out, &n);
        if (f == NULL)
            return;
        memset(&popts, 0, sizeof(popts));
        popts.decide = dopts;
        popts.format = (enum pcb_cmp_format)fmt;
        pcb_cmp_print(f, a, b, oc, &popts);
        fclose(f);
        if (!clean_text((const unsigned char *)out, n))
            abort();
        free(out);
    }
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    static const struct pcb_cmp_metric metrics[] = {
        {"real_time", 1, 0},
        {"cpu_time", 1, 0},
        {"items_per_second", 0, 1},
        {"ctx_switches_per_task", 0, 0},
    };
    struct pcb_cmp_decide_opts dopts;
    struct pcb_cmp_side a, b;
    struct pcb_cmp_outcome oc;
    struct pcb_cmp_thresholds own;
    struct pcb_rp_report r;
    struct pcb_results *f;
    char err[PCB_CMP_ERRLEN];
    size_t page = (size_t)sysconf(_SC_PAGESIZE);
    size_t span = (size + page - 1) / page * page;
    char *map, *buf;

    map = mmap(NULL, span + page, PROT_READ | PROT_WRITE, MAP_PRIVATE | MAP_ANONYMOUS, -1, 0);
    if (map == MAP_FAILED)
        return 0;
    mprotect(map + span, page, PROT_NONE);
    buf = map + span - size;
    if (size)
        memcpy(buf, data, size);

    memset(&dopts, 0, sizeof(dopts));
    dopts.metric = metrics[size ? data[0] % 4 : 0];
    dopts.cpu_time = strcmp(dopts.metric.name, "cpu_time") == 0;
    dopts.threshold = 0.05;
    dopts.alpha = 0.05;
    pcb_cmp_side_init(&a, "base");
    pcb_cmp_side_init(&b, "new");
    if (read_side(&a, "fuzz-a", buf, size, err) == 0 &&
        read_side(&b, "fuzz-b", buf, size, err) == 0) {
        /* The same run again on one side is refused, whatever it holds. */
        struct pcb_cmp_side twice;
        pcb_cmp_side_init(&twice, "base");
        if (read_side(&twice, "fuzz-c", buf, size, err) != 0 ||
            read_side(&twice, "fuzz-d", buf, size, err) != PCB_CMP_ETWICE)
            abort();
        pcb_cmp_side_close(&twice);
        /* The input as a thresholds file, against the cases it names. */
        if (pcb_cmp_thresholds_parse(&own, buf, size, err) == 0) {
            pcb_cmp_thresholds_check(&own, &a, &b, err);
            dopts.per_case = &own;
        }
        if (pcb_cmp_decide(&a, &b, &dopts, &oc, err) == 0) {
            print_all(&a, &b, &oc, &dopts);
            pcb_cmp_outcome_close(&oc);
        }
        if (dopts.per_case != NULL)
            pcb_cmp_thresholds_close(&own);
    }
    pcb_cmp_side_close(&a);
    pcb_cmp_side_close(&b);

    memset(&r, 0, sizeof(r));
    if (pcb_results_read_buffer("fuzz-r", buf, size, &f, err) == 0 && pcb_rp_add(&r, f, err) == 0)
        if (pcb_rp_model_build(&r, err) == 0)
            pcb_rp_scaling_build(&r, err);
    pcb_rp_report_free(&r);
    munmap(map, span + page);
    return 0;
}
