/* fuzz_readers.c - libFuzzer target for the reader of result files and what
 * is built on it.
 *
 * Each input is read as one file by the one reader (results.h), Google
 * Benchmark or hyperfine, whichever its content says. What it accepts is then
 * compared with itself and printed to /dev/null, so compare's sides, decisions
 * and printers see it, and turned into pcbench-report's model, so the case-name
 * grammar and the report's figures see it too. The input is copied so that
 * it ends exactly at an inaccessible page: libcjson is not instrumented by the
 * sanitizers, and the guard page turns any read past the given length into a
 * crash. The first input byte chooses the compared metric, so counter paths
 * are fuzzed as well as times; the second chooses the output format.
 *
 * Built and run by tests/compare/fuzz.sh (clang -fsanitize=fuzzer,...).
 */
#include "../../compare/compare.h"
#include "../../compare/report/report.h"

#include <stdint.h>
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

    return rc ? rc : pcb_cmp_side_add(side, f);
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    static const struct pcb_cmp_metric metrics[] = {
        {"real_time", 1, 0},
        {"cpu_time", 1, 0},
        {"items_per_second", 0, 1},
        {"ctx_switches_per_task", 0, 0},
    };
    static FILE *devnull;
    struct pcb_cmp_decide_opts dopts;
    struct pcb_cmp_print_opts popts;
    struct pcb_cmp_side a, b;
    struct pcb_cmp_outcome oc;
    struct pcb_rp_report r;
    struct pcb_results *f;
    char err[PCB_CMP_ERRLEN];
    size_t page = (size_t)sysconf(_SC_PAGESIZE);
    size_t span = (size + page - 1) / page * page;
    char *map, *buf;

    if (devnull == NULL)
        devnull = fopen("/dev/null", "w");
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
        read_side(&b, "fuzz-b", buf, size, err) == 0 &&
        pcb_cmp_decide(&a, &b, &dopts, &oc, err) == 0) {
        memset(&popts, 0, sizeof(popts));
        popts.decide = &dopts;
        popts.format = (enum pcb_cmp_format)(size > 1 ? data[1] % 3 : 0);
        if (devnull)
            pcb_cmp_print(devnull, &a, &b, &oc, &popts);
        pcb_cmp_outcome_close(&oc);
    }
    pcb_cmp_side_close(&a);
    pcb_cmp_side_close(&b);

    memset(&r, 0, sizeof(r));
    if (pcb_results_read_buffer("fuzz-r", buf, size, &f, err) == 0 && pcb_rp_add(&r, f, err) == 0)
        pcb_rp_model_build(&r, err);
    pcb_rp_report_free(&r);
    munmap(map, span + page);
    return 0;
}
