/*
 * test_cpu.c - CPU.rotate, CPU.text, CPU.doc and Mixed.hash_sleep: determinism, and CPU.text's
 * segment counts.
 *
 * Every digest is a function of (parameters, seed, task): the same for two separately prepared
 * inputs, in any order, from several threads at once; different for another seed or another
 * parameter value. CPU.text's counts of all segments add up exactly to one pass over the whole
 * text, for generated corpora and for a file whose segment boundaries all fall inside
 * multi-byte UTF-8 characters; a small text has exactly the counts worked out by hand.
 */
#define _GNU_SOURCE
#include "harness.h"

#include <errno.h>
#include <pthread.h>
#include <stdlib.h>

#include "cpu_text.h"
#include "workload.h"

static const char *const names[] = {"CPU.rotate", "CPU.text", "CPU.doc", "Mixed.hash_sleep"};

static struct pcb_input *prep(const struct pcb_workload *wl, const uint64_t *v, uint64_t seed)
{
    struct pcb_input *in = NULL;

    assert_int_equal(wl->prepare(v, seed, &in), 0);
    assert_non_null(in);
    return in;
}

static void quick_values(const struct pcb_workload *wl, uint64_t *v)
{
    for (size_t i = 0; i < wl->nparams; i++)
        v[i] = wl->params[i].quick;
}

static uint64_t ref(const struct pcb_workload *wl, const struct pcb_input *in, uint64_t n)
{
    uint64_t d = 0;

    assert_int_equal(pcb_workload_reference(wl, in, n, &d), 0);
    return d;
}

static void test_digests_repeat_for_same_seed_and_change_with_seed_and_params(void **state)
{
    (void)state;
    for (size_t k = 0; k < sizeof(names) / sizeof(names[0]); k++) {
        const struct pcb_workload *wl = pcb_workload_find(names[k]);
        uint64_t v[PCB_WL_MAX_PARAMS], d1, d2, d3;
        assert_non_null(wl);
        quick_values(wl, v);
        struct pcb_input *a = prep(wl, v, 1), *b = prep(wl, v, 1), *c = prep(wl, v, 2);
        d1 = ref(wl, a, 24);
        d2 = ref(wl, b, 24);
        d3 = ref(wl, c, 24);
        assert_int_equal(d1, d2);
        assert_int_not_equal(d1, d3);
        /* Tasks in reverse order merge to the same digest. */
        uint64_t rev = 0;
        for (uint64_t t = 24; t-- > 0;) {
            uint64_t d;
            assert_int_equal(wl->run(b, t, &d), 0);
            rev = pcb_digest_merge(rev, d);
        }
        assert_int_equal(rev, d1);
        wl->release(c);
        /* Every parameter matters: its next value gives another digest. */
        for (size_t p = 0; p < wl->nparams; p++) {
            uint64_t w[PCB_WL_MAX_PARAMS];
            memcpy(w, v, sizeof(w));
            w[p] = v[p] + 1 <= wl->params[p].max ? v[p] + 1 : v[p] - 1;
            c = prep(wl, w, 1);
            if (ref(wl, c, 24) == d1)
                print_error("%s: %s %llu and %llu give the same digest\n", wl->name,
                            wl->params[p].name, (unsigned long long)v[p], (unsigned long long)w[p]);
            assert_int_not_equal(ref(wl, c, 24), d1);
            wl->release(c);
        }
        wl->release(a);
        wl->release(b);
    }
}

struct par {
    const struct pcb_workload *wl; /* the workload */
    const struct pcb_input *in;    /* shared input */
    uint64_t first, step, n;       /* tasks first, first+step, ... below n */
    uint64_t sum;                  /* merged digest of those */
};

static void *par_main(void *arg)
{
    struct par *p = arg;

    for (uint64_t t = p->first; t < p->n; t += p->step) {
        uint64_t d;
        if (p->wl->run(p->in, t, &d) != 0)
            return (void *)1;
        p->sum = pcb_digest_merge(p->sum, d);
    }
    return NULL;
}

static void test_four_threads_at_once_merge_to_the_sequential_digest(void **state)
{
    (void)state;
    for (size_t k = 0; k < sizeof(names) / sizeof(names[0]); k++) {
        const struct pcb_workload *wl = pcb_workload_find(names[k]);
        uint64_t v[PCB_WL_MAX_PARAMS];
        quick_values(wl, v);
        struct pcb_input *in = prep(wl, v, 5);
        uint64_t seq = ref(wl, in, 32), sum = 0;
        struct par p[4];
        pthread_t th[4];
        for (int i = 0; i < 4; i++) {
            p[i] = (struct par){.wl = wl, .in = in, .first = (uint64_t)i, .step = 4, .n = 32};
            assert_int_equal(pthread_create(&th[i], NULL, par_main, &p[i]), 0);
        }
        for (int i = 0; i < 4; i++) {
            void *ret;
            assert_int_equal(pthread_join(th[i], &ret), 0);
            assert_null(ret);
            sum = pcb_digest_merge(sum, p[i].sum);
        }
        assert_int_equal(sum, seq);
        wl->release(in);
    }
}

/* Counts of segments 0..S-1 summed, against one pass over the whole text. */
static void assert_segments_add_up(struct pcb_input *in)
{
    uint64_t whole[PCB_WL_TEXT_BINS] = {0}, merged[PCB_WL_TEXT_BINS] = {0};
    uint64_t total = 0;

    assert_int_equal(pcb_wl_text_count(in, UINT64_MAX, whole), 0);
    for (uint64_t s = 0; s < pcb_wl_text_segments(in); s++)
        assert_int_equal(pcb_wl_text_count(in, s, merged), 0);
    for (size_t b = 0; b < PCB_WL_TEXT_BINS; b++) {
        assert_int_equal(merged[b], whole[b]);
        total += whole[b];
    }
    assert_true(total > 0);
    assert_int_equal(pcb_wl_text_count(in, pcb_wl_text_segments(in), merged), PCB_EPARAM);
}

static void test_text_segments_of_generated_corpora_add_up_to_the_whole(void **state)
{
    const struct pcb_workload *wl = pcb_workload_find("CPU.text");
    static const uint64_t segs[] = {1, 2, 3, 7, 64, 1000, 65536};

    (void)state;
    for (uint64_t corpus = 0; corpus < 3; corpus++)
        for (size_t i = 0; i < sizeof(segs) / sizeof(segs[0]); i++) {
            uint64_t v[2] = {corpus, segs[i]};
            struct pcb_input *in = prep(wl, v, 42);
            uint64_t whole[PCB_WL_TEXT_BINS] = {0};
            assert_int_equal(pcb_wl_text_count(in, UINT64_MAX, whole), 0);
            /* The corpora do carry multi-byte characters, and never invalid bytes. */
            assert_true(whole[PCB_WL_TEXT_BIN_OTHER] > 0);
            assert_true(whole[26] + whole[30] > 0); /* À/à or Ä/ä... some Latin-1 letter */
            assert_int_equal(whole[PCB_WL_TEXT_BIN_INVALID], 0);
            assert_segments_add_up(in);
            wl->release(in);
        }
}

/* Writes `len` bytes to a new temporary file and returns its path (a static buffer). */
static const char *temp_file(const char *data, size_t len)
{
    static char path[64];
    const char *dir = getenv("TMPDIR") ? getenv("TMPDIR") : "/tmp";
    int fd;

    snprintf(path, sizeof(path), "%.40s/pcb-text-XXXXXX", dir);
    fd = mkstemp(path);
    assert_true(fd >= 0);
    assert_int_equal(write(fd, data, len), (ssize_t)len);
    close(fd);
    return path;
}

static void test_text_file_with_every_boundary_inside_a_character_adds_up(void **state)
{
    const struct pcb_workload *wl = pcb_workload_find("CPU.text");
    /* 2-, 3- and 4-byte characters only (é, €, 😀) in a 9-byte cycle, then ASCII: with 9 or 3
     * segments every nominal boundary len*i/S (len = 9*k) falls on a cycle position, and with 7
     * or 16 segments most fall inside a character. */
    static const char cycle[] = "\xc3\xa9\xe2\x82\xac\xf0\x9f\x98\x80";
    char buf[9 * 200 + 2];
    size_t len = 0;

    (void)state;
    for (int i = 0; i < 200; i++) {
        memcpy(buf + len, cycle, 9);
        len += 9;
    }
    buf[len++] = 'a';
    buf[len++] = 'Z';
    const char *path = temp_file(buf, len);
    char keep[64];
    strcpy(keep, path);
    assert_int_equal(pcb_wl_text_add_file(keep), 0);
    for (uint64_t s = 1; s <= 40; s++) {
        uint64_t v[2] = {3, s}, whole[PCB_WL_TEXT_BINS] = {0};
        struct pcb_input *in = prep(wl, v, 1);
        assert_int_equal(pcb_wl_text_count(in, UINT64_MAX, whole), 0);
        assert_int_equal(whole[26 + (0xc9 - 0xc0)], 200);    /* é counted as É */
        assert_int_equal(whole[PCB_WL_TEXT_BIN_OTHER], 400); /* € and 😀 */
        assert_int_equal(whole[0], 1);
        assert_int_equal(whole[25], 1);
        assert_int_equal(whole[PCB_WL_TEXT_BIN_INVALID], 0);
        assert_segments_add_up(in);
        /* The digest of a batch is stable across inputs prepared from the same file. */
        struct pcb_input *again = prep(wl, v, 1);
        assert_int_equal(ref(wl, in, s), ref(wl, again, s));
        wl->release(again);
        wl->release(in);
    }
    unlink(keep);
    pcb_wl_text_clear_files();
}

static void test_text_counts_a_small_text_exactly(void **state)
{
    const struct pcb_workload *wl = pcb_workload_find("CPU.text");
    /* "aA zZ àÀ ß ÿ × ü€" then an invalid byte 0xff and a stray continuation 0x80. */
    static const char text[] = "aA zZ \xc3\xa0\xc3\x80 \xc3\x9f \xc3\xbf \xc3\x97 \xc3\xbc"
                               "\xe2\x82\xac\xff\x80";
    uint64_t whole[PCB_WL_TEXT_BINS] = {0};

    (void)state;
    const char *path = temp_file(text, sizeof(text) - 1);
    char keep[64];
    strcpy(keep, path);
    assert_int_equal(pcb_wl_text_add_file(keep), 0);
    uint64_t v[2] = {3, 4};
    struct pcb_input *in = prep(wl, v, 1);
    assert_int_equal(pcb_wl_text_count(in, UINT64_MAX, whole), 0);
    assert_int_equal(whole[0], 2);                      /* a A */
    assert_int_equal(whole[25], 2);                     /* z Z */
    assert_int_equal(whole[26], 2);                     /* à À */
    assert_int_equal(whole[26 + (0xdc - 0xc0) - 1], 1); /* ü, after the skipped × */
    assert_int_equal(whole[56], 1);                     /* ß */
    assert_int_equal(whole[57], 1);                     /* ÿ */
    assert_int_equal(whole[PCB_WL_TEXT_BIN_OTHER], 2);  /* × and € */
    assert_int_equal(whole[PCB_WL_TEXT_BIN_INVALID], 2);
    assert_segments_add_up(in);
    wl->release(in);
    unlink(keep);
    pcb_wl_text_clear_files();
}

static void test_text_missing_file_fails_to_prepare(void **state)
{
    const struct pcb_workload *wl = pcb_workload_find("CPU.text");
    uint64_t v[2] = {3, 4};
    struct pcb_input *in = NULL;

    (void)state;
    assert_int_equal(wl->prepare(v, 1, &in), PCB_EPARAM); /* no file given at all */
    assert_int_equal(pcb_wl_text_add_file("/nonexistent/pcb-no-such-text"), 0);
    assert_int_equal(wl->prepare(v, 1, &in), -ENOENT);
    assert_null(in);
    pcb_wl_text_clear_files();
}

int main(int argc, char **argv)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_digests_repeat_for_same_seed_and_change_with_seed_and_params),
        cmocka_unit_test(test_four_threads_at_once_merge_to_the_sequential_digest),
        cmocka_unit_test(test_text_segments_of_generated_corpora_add_up_to_the_whole),
        cmocka_unit_test(test_text_file_with_every_boundary_inside_a_character_adds_up),
        cmocka_unit_test(test_text_counts_a_small_text_exactly),
        cmocka_unit_test(test_text_missing_file_fails_to_prepare),
    };

    unsetenv("PCB_TEXT");
    return pcb_test_main(argc, argv, "workloads.cpu", tests, sizeof(tests) / sizeof(tests[0]), 30,
                         NULL);
}
