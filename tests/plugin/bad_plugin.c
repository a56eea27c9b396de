/*
 * bad_plugin.c - plugins that pcbench must refuse, one per compile-time choice (CMakeLists.txt
 * builds each), and a good one to compare them with:
 *
 *   PLUGIN_GOOD         Test.count: a deterministic workload (the control)
 *   PLUGIN_NO_SYMBOL    the workloads, but no PCB_PLUGIN()
 *   PLUGIN_WRONG_ABI    PCB_PLUGIN() of another interface version
 *   PLUGIN_NONDET       Test.clock: task digests that depend on the time
 *   PLUGIN_NONDET_INPUT Test.seedless: an input made from the time, not the seed
 *   PLUGIN_NONDET_ADDR  Test.address: task digests that mix in the address of a buffer the task
 *                       allocates (the same in one thread, another in the next)
 *   PLUGIN_DUPLICATE    a workload named CPU.hash, which pcbench has
 *   PLUGIN_BAD_NAME     a workload named without a family ("count")
 *   PLUGIN_BAD_PARAM    a parameter whose default is above its maximum
 *   PLUGIN_LOPSIDED     Test.lopsided: CPU work that takes 20 times longer in the thread that
 *                       prepared the input (where Sequential runs) than anywhere else, so every
 *                       other strategy looks far faster than its CPUs allow: the fixture must
 *                       put an "implausible" warning on those cases and they must still pass
 *   PLUGIN_HELPER       Test.helper: case_setup() starts a helper process (as IO.net starts its
 *                       server) that fills 48 MiB of its own; the case's peak RSS and PSS must
 *                       count it
 *   PLUGIN_BIG_INPUT    Test.big: an input of 64 MiB, released after the input's last case, so
 *                       the cases after it do not carry it
 *   PLUGIN_CRASH        Test.crash: task 3 dies of SIGSEGV in any process but the one that
 *                       prepared the input (so in worker processes, not in the reference)
 */
#define _GNU_SOURCE
#include <pcbench.h>

#include <errno.h>
#include <signal.h>
#include <stdlib.h>
#include <sys/syscall.h>
#include <sys/wait.h>
#include <unistd.h>

struct pcb_input {
    volatile char *big; /* Test.big's 64 MiB, else NULL */
    pid_t helper;       /* Test.helper's process while a case runs, else 0 */
    uint64_t base;      /* what every digest starts from */
    pid_t owner;        /* the process that prepared it */
    pid_t owner_thread; /* the thread that prepared it */
};

static const struct pcb_param_spec params[] = {
    {.name = "rounds",
     .help = "mixing rounds per task",
     .min = 1,
     .max = 1000,
#ifdef PLUGIN_BAD_PARAM
     .defaults = {5000},
#else
     .defaults = {100},
#endif
     .ndefaults = 1,
     .quick = 10},
};

static int prepare(const uint64_t *values, uint64_t seed, struct pcb_input **out)
{
    struct pcb_input *in = malloc(sizeof(*in));

    if (!in)
        return -ENOMEM;
#ifdef PLUGIN_NONDET_INPUT
    (void)seed;
    in->base = pcb_now_ns() ^ values[0];
#else
    in->base = pcb_mix64(seed) ^ values[0];
#endif
    in->helper = 0;
    in->big = NULL;
#ifdef PLUGIN_BIG_INPUT
    /* volatile: pages nothing reads would otherwise never be touched. */
    if (!(in->big = malloc(64u << 20))) {
        free(in);
        return -ENOMEM;
    }
    for (size_t i = 0; i < (64u << 20); i += 4096)
        in->big[i] = 1;
#endif
    in->owner = getpid();
    in->owner_thread = (pid_t)syscall(SYS_gettid);
    *out = in;
    return 0;
}

static void release(struct pcb_input *in)
{
    if (in)
        free((void *)in->big);
    free(in);
}

static int run(const struct pcb_input *in, uint64_t task, uint64_t *digest)
{
    uint64_t d = in->base + task;

    for (int i = 0; i < 100; i++)
        d = pcb_mix64(d);
#ifdef PLUGIN_NONDET
    d ^= pcb_now_ns();
#endif
#ifdef PLUGIN_NONDET_ADDR
    void *scratch = malloc(4096);
    if (!scratch)
        return -ENOMEM;
    d ^= (uint64_t)(uintptr_t)scratch;
    free(scratch);
#endif
#ifdef PLUGIN_CRASH
    if (task == 3 && getpid() != in->owner)
        raise(SIGSEGV);
#endif
#ifdef PLUGIN_LOPSIDED
    /* 1 ms of work per task, 20 ms in the thread that prepared the input. */
    uint64_t ns = (uint64_t)syscall(SYS_gettid) == (uint64_t)in->owner_thread ? 20000000 : 1000000;
    for (uint64_t end = pcb_now_ns() + ns; pcb_now_ns() < end;)
        ;
#endif
    *digest = d;
    return 0;
}

#ifdef PLUGIN_HELPER
#define HELPER_BYTES (48u << 20)

/* A helper process that holds 48 MiB of pages of its own until it is killed. */
static int case_setup(struct pcb_input *in)
{
    int fds[2];
    char ok;

    if (pipe(fds) != 0)
        return -errno;
    pid_t pid = fork();
    if (pid < 0) {
        close(fds[0]);
        close(fds[1]);
        return -errno;
    }
    if (pid == 0) {
        /* volatile: stores to memory nothing reads are otherwise removed, malloc() and all. */
        volatile char *mem = malloc(HELPER_BYTES);
        for (size_t i = 0; mem && i < HELPER_BYTES; i += 4096)
            mem[i] = 1;
        if (write(fds[1], "x", 1) != 1)
            _exit(1);
        for (;;)
            pause();
    }
    close(fds[1]);
    ssize_t n = read(fds[0], &ok, 1); /* it holds the memory from here on */
    close(fds[0]);
    in->helper = pid;
    return n == 1 ? 0 : PCB_ETASK;
}

static void case_teardown(struct pcb_input *in)
{
    if (in->helper > 0) {
        kill(in->helper, SIGKILL);
        waitpid(in->helper, NULL, 0);
        in->helper = 0;
    }
}
#endif

#if defined(PLUGIN_NONDET)
#define NAME "Test.clock"
#elif defined(PLUGIN_NONDET_INPUT)
#define NAME "Test.seedless"
#elif defined(PLUGIN_NONDET_ADDR)
#define NAME "Test.address"
#elif defined(PLUGIN_DUPLICATE)
#define NAME "CPU.hash"
#elif defined(PLUGIN_BAD_NAME)
#define NAME "count"
#elif defined(PLUGIN_CRASH)
#define NAME "Test.crash"
#elif defined(PLUGIN_HELPER)
#define NAME "Test.helper"
#elif defined(PLUGIN_BIG_INPUT)
#define NAME "Test.big"
#elif defined(PLUGIN_LOPSIDED)
#define NAME "Test.lopsided"
#else
#define NAME "Test.count"
#endif

static const struct pcb_workload workloads[] = {
    {.name = NAME,
     .summary = "mixing rounds: a plugin of the tests",
     .kind = PCB_WL_CPU,
     .params = params,
     .nparams = 1,
     .prepare = prepare,
     .release = release,
#ifdef PLUGIN_HELPER
     .case_setup = case_setup,
     .case_teardown = case_teardown,
#endif
     .run = run},
};

#if defined(PLUGIN_WRONG_ABI)
__attribute__((visibility("default"))) const struct pcb_plugin pcb_plugin = {
    PCB_ABI_VERSION + 1, (uint32_t)sizeof(struct pcb_workload), workloads, 1};
#elif !defined(PLUGIN_NO_SYMBOL)
PCB_PLUGIN(workloads, 1);
#else
/* Keeps the array in the object, as a plugin that forgot PCB_PLUGIN() would. */
const struct pcb_workload *const forgot_plugin = workloads;
#endif
