/*
 * test_mem_alloc.c - Mem.alloc under glibc malloc and under jemalloc.
 *
 * Both allocators run the same churn and give the same digests (the digest covers the work,
 * not the addresses); tasks from several threads at once, handing objects to each other, merge
 * to the sequential digest; jemalloc's statistics come through mallctl; and jemalloc is a
 * private copy: its symbols are not visible in the process, so malloc stays glibc's.
 */
#define _GNU_SOURCE
#include "harness.h"

#include <dlfcn.h>
#include <pthread.h>

#include "mem_alloc.h"
#include "workload.h"

/* ASan and TSan replace malloc with their own: glibc's statistics stay empty then. */
#if defined(__SANITIZE_ADDRESS__) || defined(__SANITIZE_THREAD__)
#define SANITIZER_MALLOC 1
#else
#define SANITIZER_MALLOC 0
#endif

static const struct pcb_workload *wl(void)
{
    const struct pcb_workload *w = pcb_workload_find("Mem.alloc");

    assert_non_null(w);
    return w;
}

static struct pcb_input *prep(uint64_t alloc, uint64_t ops, uint64_t live, uint64_t seed)
{
    uint64_t v[3] = {alloc, ops, live};
    struct pcb_input *in = NULL;

    assert_int_equal(wl()->prepare(v, seed, &in), 0);
    return in;
}

/* The last allocator this build has: 1 (jemalloc), except in ThreadSanitizer builds. */
static uint64_t last_alloc(void)
{
    return pcb_wl_alloc_have_jemalloc() ? 1 : 0;
}

static void test_jemalloc_is_built_in_except_under_tsan(void **state)
{
    uint64_t v[3] = {1, 10, 10};
    struct pcb_input *in = NULL;

    (void)state;
#if defined(__SANITIZE_THREAD__)
    assert_false(pcb_wl_alloc_have_jemalloc());
    assert_int_equal(wl()->prepare(v, 1, &in), PCB_EUNSUPPORTED);
#else
    assert_true(pcb_wl_alloc_have_jemalloc());
    assert_int_equal(wl()->prepare(v, 1, &in), 0);
    wl()->release(in);
#endif
}

static void test_both_allocators_give_the_same_repeatable_digests(void **state)
{
    (void)state;
    for (uint64_t live = 1; live <= 4096; live *= 16) {
        uint64_t a = last_alloc();
        struct pcb_input *g = prep(0, 3000, live, 3), *j = prep(a, 3000, live, 3),
                         *j2 = prep(a, 3000, live, 3), *other = prep(a, 3000, live, 4);
        uint64_t dg, dj, dj2, dother;
        assert_int_equal(pcb_workload_reference(wl(), g, 40, &dg), 0);
        assert_int_equal(pcb_workload_reference(wl(), j, 40, &dj), 0);
        assert_int_equal(pcb_workload_reference(wl(), j2, 40, &dj2), 0);
        assert_int_equal(pcb_workload_reference(wl(), other, 40, &dother), 0);
        assert_int_equal(dg, dj);
        assert_int_equal(dj, dj2);
        assert_int_not_equal(dj, dother);
        wl()->release(g);
        wl()->release(j);
        wl()->release(j2);
        wl()->release(other);
    }
}

struct par {
    const struct pcb_input *in; /* shared input */
    uint64_t first;             /* tasks first, first + 4, ... below 200 */
    uint64_t sum;               /* merged digest */
    int err;                    /* first error */
};

static void *par_main(void *arg)
{
    struct par *p = arg;

    for (uint64_t t = p->first; t < 200; t += 4) {
        uint64_t d;
        int err = wl()->run(p->in, t, &d);
        if (err && !p->err)
            p->err = err;
        p->sum = pcb_digest_merge(p->sum, d);
    }
    return NULL;
}

static void test_four_threads_handing_objects_over_match_the_sequential_digest(void **state)
{
    (void)state;
    for (uint64_t alloc = 0; alloc <= last_alloc(); alloc++) {
        struct pcb_input *in = prep(alloc, 2000, 256, 9);
        struct pcb_wl_alloc_stats st;
        struct par p[4];
        pthread_t th[4];
        uint64_t seq, sum = 0;
        assert_int_equal(pcb_workload_reference(wl(), in, 200, &seq), 0);
        for (int i = 0; i < 4; i++) {
            p[i] = (struct par){.in = in, .first = (uint64_t)i};
            assert_int_equal(pthread_create(&th[i], NULL, par_main, &p[i]), 0);
        }
        for (int i = 0; i < 4; i++) {
            assert_int_equal(pthread_join(th[i], NULL), 0);
            assert_int_equal(p[i].err, 0);
            sum = pcb_digest_merge(sum, p[i].sum);
        }
        assert_int_equal(sum, seq);
        /* Objects were handed over and some still wait in the exchange. */
        assert_int_equal(pcb_wl_alloc_stats(in, &st), 0);
        assert_true(st.in_flight > 0 && st.in_flight <= 1024);
        if (alloc == 1 || !SANITIZER_MALLOC) {
            assert_true(st.allocated > 0);
            assert_true(st.resident >= st.allocated);
        }
        wl()->release(in);
    }
}

static void test_jemalloc_stats_see_the_objects_waiting_in_the_exchange(void **state)
{
    struct pcb_wl_alloc_stats st;
    uint64_t d;

    (void)state;
    if (!last_alloc())
        return;
    struct pcb_input *in = prep(1, 20000, 64, 1);
    assert_int_equal(pcb_wl_alloc_stats(in, &st), 0);
    uint64_t before = st.allocated;
    for (uint64_t t = 0; t < 20; t++)
        assert_int_equal(wl()->run(in, t, &d), 0);
    assert_int_equal(pcb_wl_alloc_stats(in, &st), 0);
    /* Hundreds of objects of 32 B and more stay in the exchange after the tasks. */
    assert_true(st.in_flight >= 500);
    assert_true(st.allocated >= before + st.in_flight * 32);
    wl()->release(in);
}

static void test_jemalloc_does_not_replace_the_process_malloc(void **state)
{
    (void)state;
    /* jemalloc's public symbols are local to libpcb_jemalloc.so... */
    assert_null(dlsym(RTLD_DEFAULT, "mallctl"));
    assert_null(dlsym(RTLD_DEFAULT, "mallocx"));
    if (SANITIZER_MALLOC)
        return; /* malloc is the sanitizer's there, by design */
    /* ...and malloc is glibc's: the one libc.so.6 exports. */
    void *libc = dlopen("libc.so.6", RTLD_NOW | RTLD_NOLOAD);
    assert_non_null(libc);
    assert_ptr_equal(dlsym(RTLD_DEFAULT, "malloc"), dlsym(libc, "malloc"));
    dlclose(libc);
}

int main(int argc, char **argv)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_jemalloc_is_built_in_except_under_tsan),
        cmocka_unit_test(test_both_allocators_give_the_same_repeatable_digests),
        cmocka_unit_test(test_four_threads_handing_objects_over_match_the_sequential_digest),
        cmocka_unit_test(test_jemalloc_stats_see_the_objects_waiting_in_the_exchange),
        cmocka_unit_test(test_jemalloc_does_not_replace_the_process_malloc),
    };

    return pcb_test_main(argc, argv, "workloads.mem_alloc", tests, sizeof(tests) / sizeof(tests[0]),
                         20, NULL);
}
