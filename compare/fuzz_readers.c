/* fuzz_readers.c - libFuzzer target for the two result-file readers.
 *
 * Each input is read as one file (Google Benchmark or hyperfine, whichever
 * its content says), then compared with itself and printed as JSON to
 * /dev/null, so the statistics and printers see whatever the readers
 * accepted. The input is copied so that it ends exactly at an inaccessible
 * page: libcjson is not instrumented by the sanitizers, and the guard page
 * turns any read past the given length into a crash. The first input byte
 * chooses the metric, so counter paths are fuzzed as well as times. A
 * hyperfine file holds real_time only and is refused with any other metric
 * (the first byte of most JSON files, '{', chooses a counter), so such a
 * refusal is followed by a second read with real_time: hyperfine inputs
 * always reach the entries' reader.
 *
 * Built and run by tests/compare/fuzz.sh (clang -fsanitize=fuzzer,...).
 */
#include "compare.h"

#include <stdint.h>
#include <string.h>
#include <sys/mman.h>
#include <unistd.h>

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    static const struct pcb_cmp_metric metrics[] = {
        {"real_time", 1, 0},
        {"cpu_time", 1, 0},
        {"items_per_second", 0, 1},
        {"ctx_switches_per_task", 0, 0},
    };
    static FILE *devnull;
    struct pcb_cmp_read_opts ro;
    struct pcb_cmp_decide_opts dopts;
    struct pcb_cmp_print_opts popts;
    struct pcb_cmp_side a, b;
    struct pcb_cmp_outcome oc;
    char err[PCB_CMP_ERRLEN];
    size_t page = (size_t)sysconf(_SC_PAGESIZE);
    size_t span = (size + page - 1) / page * page;
    char *map, *buf;
    int rc;

    if (devnull == NULL)
        devnull = fopen("/dev/null", "w");
    map = mmap(NULL, span + page, PROT_READ | PROT_WRITE, MAP_PRIVATE | MAP_ANONYMOUS, -1, 0);
    if (map == MAP_FAILED)
        return 0;
    mprotect(map + span, page, PROT_NONE);
    buf = map + span - size;
    if (size)
        memcpy(buf, data, size);

    memset(&ro, 0, sizeof(ro));
    ro.metric = metrics[size ? data[0] % 4 : 0];
    ro.time_key = strcmp(ro.metric.name, "cpu_time") == 0 ? "cpu_time" : "real_time";
    pcb_cmp_side_init(&a, "base");
    pcb_cmp_side_init(&b, "new");
    rc = pcb_cmp_read_buffer(&a, "fuzz-a", buf, size, &ro, err);
    if (rc == PCB_CMP_EUSAGE && strcmp(ro.metric.name, "real_time") != 0) {
        pcb_cmp_side_close(&a);
        pcb_cmp_side_init(&a, "base");
        ro.metric = metrics[0];
        ro.time_key = "real_time";
        rc = pcb_cmp_read_buffer(&a, "fuzz-a", buf, size, &ro, err);
    }
    if (rc == 0 && pcb_cmp_read_buffer(&b, "fuzz-b", buf, size, &ro, err) == 0) {
        memset(&dopts, 0, sizeof(dopts));
        dopts.metric = ro.metric;
        dopts.threshold = 0.05;
        dopts.alpha = 0.05;
        if (pcb_cmp_decide(&a, &b, &dopts, &oc, err) == 0) {
            memset(&popts, 0, sizeof(popts));
            popts.decide = &dopts;
            popts.format = (enum pcb_cmp_format)(size > 1 ? data[1] % 3 : 0);
            if (devnull)
                pcb_cmp_print(devnull, &a, &b, &oc, &popts);
            pcb_cmp_outcome_close(&oc);
        }
    }
    pcb_cmp_side_close(&a);
    pcb_cmp_side_close(&b);
    munmap(map, span + page);
    return 0;
}
