/*
 * fault.c - Test.fault: a workload that fails on purpose, for the reliability tests only (it is
 * compiled into test binaries, never into pcbench).
 *
 * Task i computes a digest like any workload. Once the fault is armed, task `task` (a
 * parameter) fails in the way `mode` says instead:
 *   0 ok        no fault: the honest control
 *   1 segv      a write through a null pointer (SIGSEGV)
 *   2 abort     abort() (SIGABRT)
 *   3 exit      exit(1), atexit handlers and all
 *   4 kill      SIGKILL to itself, as an outside killer would
 *   5 hang      blocks forever (pause())
 *   6 error     returns PCB_ETASK; explain() says "injected error in task N"
 * The fault is armed by case_setup(), which the fixture calls after it computed the sequential
 * reference and before the pool starts, so the reference is honest and every worker (thread
 * or forked process) sees the fault; case_teardown() disarms it. Crashing modes are meant for
 * process pools: in a thread they end the whole program, as they would in any program.
 */
#define _GNU_SOURCE
#include "fault.h"

#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <unistd.h>

struct pcb_input {
    uint64_t mode;      /* enum pcb_fault_mode */
    uint64_t task;      /* the task that fails */
    uint64_t seed;      /* digest seed */
    volatile int armed; /* set by case_setup(), cleared by case_teardown() */
    pid_t owner;        /* the process that prepared it (pcbench's own) */
};

static const struct pcb_param_spec params[] = {
    {.name = "mode",
     .help = "0 ok, 1 segv, 2 abort, 3 exit, 4 kill, 5 hang, 6 error",
     .min = 0,
     .max = PCB_FAULT_NMODES - 1,
     .defaults = {0},
     .ndefaults = 1,
     .quick = 0},
    {.name = "task",
     .help = "the task that fails",
     .min = 0,
     .max = 1000000,
     .defaults = {3},
     .ndefaults = 1,
     .quick = 3},
};

static int prepare(const uint64_t *values, uint64_t seed, struct pcb_input **out)
{
    struct pcb_input *in = calloc(1, sizeof(*in));

    if (!in)
        return PCB_EPARAM;
    in->mode = values[0];
    in->task = values[1];
    in->seed = seed;
    in->owner = getpid();
    *out = in;
    return 0;
}

static void release(struct pcb_input *in)
{
    free(in);
}

/* A real store through a null pointer. Not instrumented by UBSan, which would stop it as
 * undefined behaviour and abort: the process must die of SIGSEGV in every build. */
__attribute__((no_sanitize("undefined"))) static void store_to_null(void)
{
    /* volatile twice: the compiler can neither see the NULL nor drop the store. */
    volatile int *volatile nowhere = NULL;
    /* cppcheck-suppress nullPointer ; the point: a real SIGSEGV */
    *nowhere = 1;
}

static int run(const struct pcb_input *in, uint64_t task, uint64_t *digest)
{
    if (in->armed && task == in->task) {
        switch ((enum pcb_fault_mode)in->mode) {
        case PCB_FAULT_OK:
            break;
        case PCB_FAULT_SEGV:
            /* In a worker process, the default action (a sanitizer runtime may have installed a
             * handler); in pcbench's own process (a thread strategy), whatever pcbench set. */
            if (getpid() != in->owner)
                signal(SIGSEGV, SIG_DFL);
            store_to_null();
            raise(SIGSEGV); /* not reached */
            break;
        case PCB_FAULT_ABORT:
            signal(SIGABRT, SIG_DFL);
            abort();
        case PCB_FAULT_EXIT:
            exit(1);
        case PCB_FAULT_KILL:
            kill(getpid(), SIGKILL);
            break;
        case PCB_FAULT_HANG:
            for (;;)
                pause();
        case PCB_FAULT_ERROR:
            return PCB_ETASK;
        case PCB_FAULT_NMODES:
            break;
        }
    }
    *digest = pcb_mix64(in->seed ^ (task + 1));
    return 0;
}

static int case_setup(struct pcb_input *in)
{
    in->armed = 1;
    return 0;
}

static void case_teardown(struct pcb_input *in)
{
    in->armed = 0;
}

static void explain(const struct pcb_input *in, uint64_t task, int err, char *buf, size_t len)
{
    (void)in;
    snprintf(buf, len, "injected error in task %llu (%s)", (unsigned long long)task,
             pcb_strerror(err));
}

const struct pcb_workload pcb_wl_fault = {
    .name = "Test.fault",
    .summary = "fails on purpose: crash, hang or error in one task (tests only)",
    .kind = PCB_WL_CPU,
    .params = params,
    .nparams = sizeof(params) / sizeof(params[0]),
    .prepare = prepare,
    .release = release,
    .run = run,
    .case_setup = case_setup,
    .case_teardown = case_teardown,
    .explain = explain,
};
