/*
 * liars.c - runners that return results they did not earn, for the trust tests only (see
 * liars.h). They are linked into test_trust alone and never into pcbench.
 *
 * Every one of them runs a task the way an honest single-threaded runner does: with run(), or
 * for work with an asynchronous form, start(), a sleep until the deadline the workload named,
 * then finish(); each successful task's digest salted for the batch with pcb_salted_digest().
 * Each liar departs from that in its one way.
 */
#define _GNU_SOURCE
#include "liars.h"

#include <errno.h>
#include <poll.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

struct pcb_pool {
    const struct pcb_workload *wl; /* the work */
    const struct pcb_input *in;    /* its input */
    uint64_t batches;              /* batches run so far */
    struct pcb_batch_result kept;  /* the replaying liar's first result */
};

/* How a task's wait is cut short. */
enum cheat {
    CHEAT_NONE,  /* waits for the deadline, then finishes */
    CHEAT_CLEAR, /* clears the deadline and its copy after start(), finishes at once */
    CHEAT_REARM, /* re-arms the timer at zero after start() (a valid wait), finishes at once */
};

static int start(const struct pcb_pool_config *cfg, struct pcb_pool **out)
{
    struct pcb_pool *p = calloc(1, sizeof(*p));

    if (!p)
        return -ENOMEM;
    p->wl = cfg->workload;
    p->in = cfg->input;
    *out = p;
    return 0;
}

static void stop(struct pcb_pool *p)
{
    free(p);
}

/* Runs task t: run(), or start(), the wait (as `cheat` says), finish(). Returns its error. */
static int task(const struct pcb_pool *p, uint64_t t, enum cheat cheat, uint64_t *digest)
{
    struct pcb_wait w = {.fd = -1};
    int err;

    if (!p->wl->start)
        return p->wl->run(p->in, t, digest);
    if ((err = p->wl->start(p->in, t, &w)) != 0)
        return err;
    switch (cheat) {
    case CHEAT_CLEAR:
        w.deadline_ns = 0;
        memset(w.scratch, 0, sizeof(w.scratch));
        break;
    case CHEAT_REARM:
        pcb_wait_timer(&w, 0);
        break;
    case CHEAT_NONE:
        if (w.deadline_ns) {
            struct timespec ts = {.tv_sec = (time_t)(w.deadline_ns / 1000000000ULL),
                                  .tv_nsec = (long)(w.deadline_ns % 1000000000ULL)};
            while (clock_nanosleep(CLOCK_MONOTONIC, TIMER_ABSTIME, &ts, NULL) == EINTR)
                ;
        }
        if (w.fd >= 0) {
            struct pollfd pfd = {.fd = w.fd, .events = POLLIN};
            while (poll(&pfd, 1, -1) < 0 && errno == EINTR)
                ;
        }
        break;
    }
    return p->wl->finish(p->in, t, &w, digest);
}

/* Runs tasks 0..end-1 into *res, each digest salted with `salt`, by the rules of `cheat`. */
static void run_tasks(const struct pcb_pool *p, uint64_t end, uint64_t salt, enum cheat cheat,
                      struct pcb_batch_result *res)
{
    memset(res, 0, sizeof(*res));
    for (uint64_t t = 0; t < end; t++) {
        uint64_t d = 0;
        int err = task(p, t, cheat, &d);
        if (err == 0) {
            res->digest = pcb_digest_merge(res->digest, pcb_salted_digest(d, t, salt));
            res->done++;
        } else if (res->failed++ == 0) {
            res->err = err;
            res->err_task = t;
        }
    }
}

static int run_honest(struct pcb_pool *p, const struct pcb_batch *b, struct pcb_batch_result *res)
{
    run_tasks(p, b->tasks, b->salt, CHEAT_NONE, res);
    return 0;
}

/* Runs the first batch, then returns its result again for every later one. */
static int run_replay(struct pcb_pool *p, const struct pcb_batch *b, struct pcb_batch_result *res)
{
    if (p->batches++ == 0)
        run_tasks(p, b->tasks, b->salt, CHEAT_NONE, &p->kept);
    *res = p->kept;
    return 0;
}

/* Says the pool did its job and neither runs a task nor writes *res. */
static int run_untouched(struct pcb_pool *p, const struct pcb_batch *b,
                         struct pcb_batch_result *res)
{
    (void)p;
    (void)b;
    (void)res;
    return 0;
}

/* Runs every task but writes only the digest of *res, not its counts. */
static int run_digest_only(struct pcb_pool *p, const struct pcb_batch *b,
                           struct pcb_batch_result *res)
{
    struct pcb_batch_result r;

    run_tasks(p, b->tasks, b->salt, CHEAT_NONE, &r);
    res->digest = r.digest;
    return 0;
}

static int run_skip_last(struct pcb_pool *p, const struct pcb_batch *b,
                         struct pcb_batch_result *res)
{
    run_tasks(p, b->tasks ? b->tasks - 1 : 0, b->salt, CHEAT_NONE, res);
    return 0;
}

static int run_unsalted(struct pcb_pool *p, const struct pcb_batch *b, struct pcb_batch_result *res)
{
    run_tasks(p, b->tasks, 0, CHEAT_NONE, res);
    return 0;
}

static int run_clear_deadline(struct pcb_pool *p, const struct pcb_batch *b,
                              struct pcb_batch_result *res)
{
    run_tasks(p, b->tasks, b->salt, CHEAT_CLEAR, res);
    return 0;
}

static int run_early_finish(struct pcb_pool *p, const struct pcb_batch *b,
                            struct pcb_batch_result *res)
{
    run_tasks(p, b->tasks, b->salt, CHEAT_REARM, res);
    return 0;
}

#define LIAR(NAME, SUMMARY, RUN)                                                                   \
    {                                                                                              \
        .name = NAME, .summary = SUMMARY, .flags = 0, .max_workers = 1, .start = start,            \
        .run = RUN, .stop = stop                                                                   \
    }

const struct pcb_runner pcb_liar_honest =
    LIAR("TrustHonest", "every task, in order, waits honoured: the control", run_honest);
const struct pcb_runner pcb_liar_replay =
    LIAR("TrustReplay", "runs batch 1, then returns its result for every batch", run_replay);
const struct pcb_runner pcb_liar_untouched =
    LIAR("TrustUntouched", "returns 0 without running a task or writing *res", run_untouched);
const struct pcb_runner pcb_liar_digest_only =
    LIAR("TrustDigestOnly", "runs every task but writes only the digest of *res", run_digest_only);
const struct pcb_runner pcb_liar_skip_last =
    LIAR("TrustSkipLast", "never runs the batch's last task", run_skip_last);
const struct pcb_runner pcb_liar_unsalted =
    LIAR("TrustUnsalted", "runs every task but merges the unsalted digests", run_unsalted);
const struct pcb_runner pcb_liar_clear_deadline =
    LIAR("TrustClearDeadline", "clears each wait's deadline after start(), then finishes at once",
         run_clear_deadline);
const struct pcb_runner pcb_liar_early_finish = LIAR(
    "TrustEarlyFinish", "re-arms each task's timer at zero after start(), then finishes at once",
    run_early_finish);
