/*
 * masterworker.c - MasterWorker: long-lived worker processes fed by the caller (the master)
 * through explicit message queues; results come back through a queue too.
 *
 * Every worker has its own task queue; all workers share one result queue (for queue:shm, one
 * result ring per worker plus one shared futex word, see below). A message carries one chunk:
 * `chunk` consecutive tasks. The master keeps at most DEPTH chunks outstanding per worker, so a
 * worker always has its next chunk queued while its last result travels back, and every time a
 * result arrives the master sends that worker the next chunk: dynamic scheduling, decided by
 * the master rather than by a shared cursor. Since the master never has more than DEPTH chunks
 * queued to a worker and every task queue holds more than DEPTH messages, the master never
 * blocks on a send; a worker may block on a full result queue, but the master is then always
 * receiving, so there is no deadlock.
 *
 * The queue mechanism is a variant:
 *  - queue:pipe  one pipe per worker for tasks, one shared pipe for results (messages are
 *                smaller than PIPE_BUF, so every write is atomic). The master keeps the read end
 *                of every task pipe open, so a write to a dead worker's pipe never raises SIGPIPE.
 *  - queue:mq    POSIX message queues. Names are unique per pool (/pcb-mw-<pid>-<pool>-<i>) and
 *                unlinked right after mq_open, so nothing appears in /dev/mqueue beyond that
 *                instant, also when start() fails half-way. When the kernel refuses a queue, the
 *                error names the limits (fs.mqueue.*, RLIMIT_MSGQUEUE).
 *  - queue:shm   single-producer single-consumer rings in one anonymous MAP_SHARED mapping (no
 *                name in /dev/shm), with futex wake-ups: a sleeper announces itself in a
 *                `sleeping` word before it parks, and a producer makes the wake system call only
 *                when someone sleeps.
 * and how a receiver waits is another: wait:park blocks at once; wait:spin polls the queue for
 * PCB__SPIN_NS first.
 *
 * Start gate: every worker sends one empty "ready" result before it waits for work, and start()
 * returns only once all K arrived. Liveness: the master's waits time out every POLL_MS and check
 * the workers; a dead worker fails the batch with PCB_EWORKER. Workers die with the master
 * (PR_SET_PDEATHSIG); stop() asks them to exit, then reaps them (SIGKILL after STOP_GRACE_MS).
 */
#define _GNU_SOURCE
#include "dispatch.h"
#include "names.h"
#include "support.h"

#include <errno.h>
#include <fcntl.h>
#include <limits.h>
#include <mqueue.h>
#include <poll.h>
#include <sched.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/mman.h>
#include <sys/resource.h>
#include <unistd.h>

#define DEPTH 2     /* chunks outstanding per worker */
#define RING 4      /* slots of one shm ring: more than DEPTH + the stop message */
#define POLL_MS 100 /* master's liveness check period */
#define STOP_GRACE_MS 1000

enum queue_kind { Q_PIPE = 0, Q_MQ = 1, Q_SHM = 2 };
static const char *const queue_values[] = {"pipe", "mq", "shm"};

static const struct pcb_variant variants[] = {
    {.name = "queue", .values = queue_values, .nvalues = 3, .nquick = 3},
    {.name = "wait", .values = pcb__wait_values, .nvalues = 2, .nquick = 1},
};

/* Master -> worker. */
struct task_msg {
    uint64_t first; /* first task of the chunk */
    uint64_t count; /* tasks in it; 0 means "exit" */
    uint64_t salt;  /* the batch's salt, applied by the worker to every task's digest */
};

/* Worker -> master. */
struct result_msg {
    uint64_t digest;   /* merged digest of the chunk's successful tasks */
    uint64_t done;     /* tasks completed */
    uint64_t failed;   /* tasks that failed */
    uint64_t err_task; /* first failing task */
    int32_t err;       /* its error */
    uint32_t worker;   /* who sends it: the master refills this worker */
};

/* One single-producer single-consumer ring of the shm queue. The producer writes `head`, the
 * consumer `tail`; each on its own line. `head` is also the consumer's futex word. */
struct ring {
    _Alignas(PCB__CACHE_LINE) _Atomic uint32_t head; /* next slot to fill; futex */
    _Atomic uint32_t sleeping;                       /* the consumer is parked on head */
    _Alignas(PCB__CACHE_LINE) _Atomic uint32_t tail; /* next slot to read */
    _Alignas(PCB__CACHE_LINE) union {
        struct task_msg task;
        struct result_msg result;
    } slot[RING]; /* messages */
};

/* The shm queue: per worker a task ring and a result ring, and one word the master sleeps on. */
struct shm_chan {
    _Alignas(PCB__CACHE_LINE) _Atomic uint32_t posted; /* results pushed, all workers; futex */
    _Atomic uint32_t master_sleeping;                  /* the master is parked on `posted` */
    struct ring rings[];                               /* 2K: task ring 2i, result ring 2i+1 */
};

struct pcb_pool {
    const struct pcb_workload *workload; /* the work */
    const struct pcb_input *input;       /* its input, inherited by fork */
    unsigned workers;                    /* K */
    enum queue_kind queue;               /* the mechanism */
    enum pcb__wait_policy wait;          /* park or spin */
    enum pcb_pin pin_policy;             /* placement of the workers */
    pid_t *pids;                         /* K workers; 0 once reaped */
    unsigned started;                    /* workers forked so far */
    unsigned *outstanding;               /* chunks queued to each worker */
    /* queue:pipe */
    int (*task_pipes)[2]; /* K pipes, master -> worker i */
    int result_pipe[2];   /* workers -> master */
    /* queue:mq */
    mqd_t *task_mqs; /* K queues */
    mqd_t result_mq; /* one queue */
    /* queue:shm */
    struct shm_chan *shm; /* the mapping */
    size_t shm_len;       /* its length */
    /* One note per worker, in an anonymous MAP_SHARED mapping: the task it runs, plus one (0:
     * none). Read only after a worker died, to name the task that killed it. */
    struct note *notes;
    char *why; /* the config's `why`: which worker died, how, in which task */
    size_t why_len;
};

/* A worker's note, on its own cache line: only that worker writes it. */
struct note {
    _Alignas(PCB__CACHE_LINE) _Atomic uint64_t running;
};

static uint64_t note(void *ctx, unsigned index)
{
    const struct pcb_pool *p = ctx;

    return atomic_load_explicit(&p->notes[index].running, memory_order_relaxed);
}

/* Distinguishes the queue names of pools of one process. */
static _Atomic unsigned pool_seq;

/* ---- one message in and out, per mechanism ---- */

static uint64_t spin_end(void)
{
    return pcb_now_ns() + PCB__SPIN_NS;
}

/* Pushes a message into ring r (the caller is its only producer); wakes a parked consumer. */
static void ring_push(struct ring *r, const void *msg, size_t len, int private_)
{
    uint32_t h = atomic_load_explicit(&r->head, memory_order_relaxed);

    /* Full cannot happen by the DEPTH rule; wait politely if it ever does. */
    while (h - atomic_load_explicit(&r->tail, memory_order_acquire) >= RING)
        sched_yield();
    memcpy(&r->slot[h % RING], msg, len);
    /* seq_cst store, then seq_cst load of `sleeping`: pairs with the consumer's seq_cst store
     * of `sleeping` and load of `head` (Dekker), so either the consumer sees the new head or we
     * see it sleeping and wake it. */
    atomic_store_explicit(&r->head, h + 1, memory_order_seq_cst);
    if (atomic_load_explicit(&r->sleeping, memory_order_seq_cst))
        pcb__futex_wake(&r->head, 1, private_);
}

/* Takes a message from ring r if there is one: returns 1, or 0 when empty. */
static int ring_try_pop(struct ring *r, void *msg, size_t len)
{
    uint32_t t = atomic_load_explicit(&r->tail, memory_order_relaxed);

    if (atomic_load_explicit(&r->head, memory_order_acquire) == t)
        return 0;
    memcpy(msg, &r->slot[t % RING], len);
    atomic_store_explicit(&r->tail, t + 1, memory_order_release);
    return 1;
}

/* Worker side of ring r: blocks (after spinning under wait:spin) until a message arrives. */
static void ring_pop_wait(struct ring *r, void *msg, size_t len, enum pcb__wait_policy wait)
{
    if (wait == PCB__WAIT_SPIN) {
        uint64_t end = spin_end();
        unsigned n = 0;
        for (;;) {
            if (ring_try_pop(r, msg, len))
                return;
            __builtin_ia32_pause();
            if ((++n & 63) == 0 && pcb_now_ns() >= end)
                break;
        }
    }
    for (;;) {
        if (ring_try_pop(r, msg, len))
            return;
        /* Sleep only while the ring is empty, i.e. head == our own tail. Comparing with a fresh
         * read of head instead would lose a push that landed between the failed pop and that
         * read: the producer saw nobody asleep, and we would sleep on a non-empty ring. */
        uint32_t t = atomic_load_explicit(&r->tail, memory_order_relaxed);
        atomic_store_explicit(&r->sleeping, 1, memory_order_seq_cst);
        if (atomic_load_explicit(&r->head, memory_order_seq_cst) == t)
            pcb__futex_wait(&r->head, t, 0, NULL);
        atomic_store_explicit(&r->sleeping, 0, memory_order_relaxed);
    }
}

/* Reads exactly one message from a blocking pipe. Returns 0 or -errno (-EPIPE on end of file). */
static int read_msg(int fd, void *msg, size_t len)
{
    ssize_t n;

    while ((n = read(fd, msg, len)) == -1 && errno == EINTR)
        ;
    if (n == (ssize_t)len)
        return 0;
    return n < 0 ? -errno : (n == 0 ? -EPIPE : PCB_EPROTO);
}

static int write_msg(int fd, const void *msg, size_t len)
{
    ssize_t n;

    while ((n = write(fd, msg, len)) == -1 && errno == EINTR)
        ;
    return n == (ssize_t)len ? 0 : (n < 0 ? -errno : PCB_EPROTO);
}

/* Worker: the next task message. */
static int worker_recv(struct pcb_pool *p, unsigned id, struct task_msg *m)
{
    switch (p->queue) {
    case Q_PIPE: {
        int fd = p->task_pipes[id][0];
        if (p->wait == PCB__WAIT_SPIN) {
            uint64_t end = spin_end();
            struct pollfd pfd = {.fd = fd, .events = POLLIN};
            while (poll(&pfd, 1, 0) == 0 && pcb_now_ns() < end)
                ;
        }
        return read_msg(fd, m, sizeof(*m));
    }
    case Q_MQ: {
        if (p->wait == PCB__WAIT_SPIN) {
            uint64_t end = spin_end();
            const struct timespec past = {0, 0};
            do {
                if (mq_timedreceive(p->task_mqs[id], (char *)m, sizeof(*m), NULL, &past) ==
                    (ssize_t)sizeof(*m))
                    return 0;
            } while (pcb_now_ns() < end);
        }
        ssize_t n;
        while ((n = mq_receive(p->task_mqs[id], (char *)m, sizeof(*m), NULL)) == -1 &&
               errno == EINTR)
            ;
        return n == (ssize_t)sizeof(*m) ? 0 : (n < 0 ? -errno : PCB_EPROTO);
    }
    case Q_SHM:
        ring_pop_wait(&p->shm->rings[2 * id], m, sizeof(*m), p->wait);
        return 0;
    }
    return PCB_EPROTO;
}

/* Worker: sends one result. */
static int worker_send(struct pcb_pool *p, unsigned id, const struct result_msg *m)
{
    switch (p->queue) {
    case Q_PIPE:
        return write_msg(p->result_pipe[1], m, sizeof(*m));
    case Q_MQ: {
        int rc;
        while ((rc = mq_send(p->result_mq, (const char *)m, sizeof(*m), 0)) == -1 && errno == EINTR)
            ;
        return rc ? -errno : 0;
    }
    case Q_SHM: {
        struct shm_chan *c = p->shm;
        ring_push(&c->rings[2 * id + 1], m, sizeof(*m), 0);
        /* Same Dekker pairing as ring_push, on the master's word. */
        atomic_fetch_add_explicit(&c->posted, 1, memory_order_seq_cst);
        if (atomic_load_explicit(&c->master_sleeping, memory_order_seq_cst))
            pcb__futex_wake(&c->posted, 1, 0);
        return 0;
    }
    }
    return PCB_EPROTO;
}

/* Master: queues a chunk (or, with count 0, the exit message) to worker `id`. Never blocks. */
static int master_send(struct pcb_pool *p, unsigned id, const struct task_msg *m)
{
    switch (p->queue) {
    case Q_PIPE:
        return write_msg(p->task_pipes[id][1], m, sizeof(*m));
    case Q_MQ: {
        const struct timespec past = {0, 0};
        if (mq_timedsend(p->task_mqs[id], (const char *)m, sizeof(*m), 0, &past) != 0)
            return -errno;
        return 0;
    }
    case Q_SHM: {
        struct ring *r = &p->shm->rings[2 * id];
        if (atomic_load_explicit(&r->head, memory_order_relaxed) -
                atomic_load_explicit(&r->tail, memory_order_acquire) >=
            RING)
            return -EAGAIN;
        ring_push(r, m, sizeof(*m), 0);
        return 0;
    }
    }
    return PCB_EPROTO;
}

/* Master, queue:shm: takes any worker's result, scanning the result rings from `*from`. */
static int shm_try_result(struct pcb_pool *p, unsigned *from, struct result_msg *m)
{
    for (unsigned j = 0; j < p->workers; j++) {
        unsigned i = (*from + j) % p->workers;
        if (ring_try_pop(&p->shm->rings[2 * i + 1], m, sizeof(*m))) {
            *from = i + 1;
            return 1;
        }
    }
    return 0;
}

/*
 * Master: the next result from any worker. Waits by policy; every POLL_MS without a result it
 * checks the workers. Returns 0, PCB_EWORKER, or another negative code.
 */
static int master_recv(struct pcb_pool *p, struct result_msg *m, unsigned *from)
{
    uint64_t end = p->wait == PCB__WAIT_SPIN ? spin_end() : 0;

    for (;;) {
        int err;
        switch (p->queue) {
        case Q_PIPE: {
            struct pollfd pfd = {.fd = p->result_pipe[0], .events = POLLIN};
            int spin = end && pcb_now_ns() < end;
            int n = poll(&pfd, 1, spin ? 0 : POLL_MS);
            if (n > 0)
                return read_msg(p->result_pipe[0], m, sizeof(*m));
            if (n < 0 && errno != EINTR)
                return -errno;
            if (spin)
                continue;
            break;
        }
        case Q_MQ: {
            struct timespec dl = {0, 0};
            int spin = end && pcb_now_ns() < end;
            if (!spin) {
                clock_gettime(CLOCK_REALTIME, &dl);
                dl.tv_nsec += POLL_MS * 1000000L;
                if (dl.tv_nsec >= 1000000000L) {
                    dl.tv_sec++;
                    dl.tv_nsec -= 1000000000L;
                }
            }
            ssize_t n = mq_timedreceive(p->result_mq, (char *)m, sizeof(*m), NULL, &dl);
            if (n == (ssize_t)sizeof(*m))
                return 0;
            if (n >= 0)
                return PCB_EPROTO;
            if (errno != ETIMEDOUT && errno != EINTR)
                return -errno;
            if (spin)
                continue;
            break;
        }
        case Q_SHM: {
            struct shm_chan *c = p->shm;
            uint32_t seen = atomic_load_explicit(&c->posted, memory_order_acquire);
            if (shm_try_result(p, from, m))
                return 0;
            if (end && pcb_now_ns() < end) {
                __builtin_ia32_pause();
                continue;
            }
            const struct timespec to = {.tv_sec = 0, .tv_nsec = POLL_MS * 1000000L};
            atomic_store_explicit(&c->master_sleeping, 1, memory_order_seq_cst);
            if (atomic_load_explicit(&c->posted, memory_order_seq_cst) != seen) {
                atomic_store_explicit(&c->master_sleeping, 0, memory_order_relaxed);
                continue;
            }
            err = pcb__futex_wait(&c->posted, seen, 0, &to);
            atomic_store_explicit(&c->master_sleeping, 0, memory_order_relaxed);
            if (err != -ETIMEDOUT)
                continue;
            break;
        }
        }
        /* A wait of POLL_MS passed with no result: is everyone alive? */
        struct pcb__exit ex;
        if ((err = pcb__check_pids(p->pids, p->started, &ex, note, p)) != 0) {
            pcb__explain_exit(p->why, p->why_len, &ex, NULL);
            return err;
        }
    }
}

/* ---- the worker process ---- */

static void worker_main(struct pcb_pool *p, unsigned id)
{
    struct task_msg t;

    pcb__worker_self(p->pin_policy, id);
    /* The start gate: one empty result says "ready"; start() returns once all K arrived. */
    const struct result_msg ready = {.worker = id};
    if (worker_send(p, id, &ready) != 0)
        _exit(1);
    for (;;) {
        if (worker_recv(p, id, &t) != 0 || t.count == 0)
            _exit(0);
        struct pcb__slot s = {0};
        pcb__run_range_noted(p->workload, p->input, t.first, t.first + t.count, t.salt, &s,
                             &p->notes[id].running);
        atomic_store_explicit(&p->notes[id].running, 0, memory_order_relaxed);
        struct result_msg r = {.digest = s.digest,
                               .done = s.done,
                               .failed = s.failed,
                               .err_task = s.err_task,
                               .err = s.err,
                               .worker = id};
        if (worker_send(p, id, &r) != 0)
            _exit(1);
    }
}

/* ---- set-up and tear-down ---- */

/* Reads one number from /proc (0 when unreadable). */
static unsigned long proc_ulong(const char *path)
{
    FILE *f = fopen(path, "r");
    unsigned long v = 0;

    if (f) {
        if (fscanf(f, "%lu", &v) != 1)
            v = 0;
        fclose(f);
    }
    return v;
}

/* Explains an mq_open refusal with the limits that decide it. */
static void mq_why(const struct pcb_pool_config *cfg, int err, unsigned queues, long maxmsg)
{
    struct rlimit rl = {0, 0};

    getrlimit(RLIMIT_MSGQUEUE, &rl);
    pcb__why(cfg,
             "mq_open refused (%s); this pool needs %u queues of up to %ld messages of %zu bytes; "
             "limits: fs.mqueue.queues_max=%lu msg_max=%lu msgsize_max=%lu, "
             "RLIMIT_MSGQUEUE=%llu bytes",
             strerror(-err), queues, maxmsg, sizeof(struct result_msg),
             proc_ulong("/proc/sys/fs/mqueue/queues_max"),
             proc_ulong("/proc/sys/fs/mqueue/msg_max"),
             proc_ulong("/proc/sys/fs/mqueue/msgsize_max"),
             rl.rlim_cur == RLIM_INFINITY ? 0ULL : (unsigned long long)rl.rlim_cur);
}

/* Opens one queue under a unique name and unlinks the name at once. Returns the descriptor or
 * -errno. */
static mqd_t mq_make(unsigned seq, unsigned idx, long maxmsg, long msgsize)
{
    char name[64];
    struct mq_attr attr = {.mq_maxmsg = maxmsg, .mq_msgsize = msgsize};

    snprintf(name, sizeof(name), "/pcb-mw-%d-%u-%u", (int)getpid(), seq, idx);
    int mark = pcb__name_mark(PCB__NAME_MQ, name); /* an interrupt unlinks it (names.h) */
    mqd_t q = mq_open(name, O_RDWR | O_CREAT | O_EXCL | O_CLOEXEC, 0600, &attr);
    int err = q == (mqd_t)-1 ? -errno : 0;
    if (!err)
        mq_unlink(name);
    pcb__name_unmark(mark);
    return err ? (mqd_t)err : q;
}

/* Builds the queues of the chosen mechanism. Returns 0 or a negative code (what was built is
 * released by close_queues). */
static int open_queues(struct pcb_pool *p, const struct pcb_pool_config *cfg)
{
    unsigned k = p->workers;

    switch (p->queue) {
    case Q_PIPE:
        p->task_pipes = malloc(k * sizeof(*p->task_pipes));
        if (!p->task_pipes)
            return -ENOMEM;
        for (unsigned i = 0; i < k; i++)
            p->task_pipes[i][0] = p->task_pipes[i][1] = -1;
        if (pipe2(p->result_pipe, O_CLOEXEC) != 0)
            return -errno;
        for (unsigned i = 0; i < k; i++)
            if (pipe2(p->task_pipes[i], O_CLOEXEC) != 0)
                return -errno;
        return 0;
    case Q_MQ: {
        unsigned seq = atomic_fetch_add_explicit(&pool_seq, 1, memory_order_relaxed);
        long msg_max = (long)proc_ulong("/proc/sys/fs/mqueue/msg_max");
        long task_max = RING, result_max = (long)DEPTH * k + 1;
        if (msg_max > 0 && result_max > msg_max)
            result_max = msg_max;
        if (msg_max > 0 && msg_max <= DEPTH) {
            mq_why(cfg, -EINVAL, k + 1, task_max);
            return -EINVAL;
        }
        if (msg_max > 0 && task_max > msg_max)
            task_max = msg_max;
        p->task_mqs = malloc(k * sizeof(*p->task_mqs));
        if (!p->task_mqs)
            return -ENOMEM;
        for (unsigned i = 0; i < k; i++)
            p->task_mqs[i] = (mqd_t)-1;
        p->result_mq = mq_make(seq, k, result_max, sizeof(struct result_msg));
        if ((int)p->result_mq < 0) {
            int err = (int)p->result_mq;
            p->result_mq = (mqd_t)-1;
            mq_why(cfg, err, k + 1, result_max);
            return err;
        }
        for (unsigned i = 0; i < k; i++) {
            mqd_t q = mq_make(seq, i, task_max, sizeof(struct task_msg));
            if ((int)q < 0) {
                mq_why(cfg, (int)q, k + 1, task_max);
                return (int)q;
            }
            p->task_mqs[i] = q;
        }
        return 0;
    }
    case Q_SHM: {
        p->shm_len = sizeof(struct shm_chan) + 2 * (size_t)k * sizeof(struct ring);
        void *m = mmap(NULL, p->shm_len, PROT_READ | PROT_WRITE, MAP_SHARED | MAP_ANONYMOUS, -1, 0);
        if (m == MAP_FAILED)
            return -errno;
        p->shm = m; /* zero-filled: every ring empty, nobody asleep */
        return 0;
    }
    }
    return PCB_EPROTO;
}

static void close_queues(struct pcb_pool *p)
{
    if (p->task_pipes) {
        for (unsigned i = 0; i < p->workers; i++)
            for (int e = 0; e < 2; e++)
                if (p->task_pipes[i][e] >= 0)
                    close(p->task_pipes[i][e]);
        for (int e = 0; e < 2; e++)
            if (p->result_pipe[e] >= 0)
                close(p->result_pipe[e]);
        free(p->task_pipes);
    }
    if (p->task_mqs) {
        for (unsigned i = 0; i < p->workers; i++)
            if (p->task_mqs[i] != (mqd_t)-1)
                mq_close(p->task_mqs[i]);
        free(p->task_mqs);
    }
    if (p->result_mq != (mqd_t)-1)
        mq_close(p->result_mq);
    if (p->shm)
        munmap(p->shm, p->shm_len);
}

static void stop(struct pcb_pool *p)
{
    if (!p)
        return;
    /* Ask every worker to exit; a full or broken queue is fine, the reaper kills after the
     * grace period. */
    const struct task_msg bye = {.first = 0, .count = 0};
    for (unsigned i = 0; i < p->started; i++)
        if (p->pids[i] > 0)
            master_send(p, i, &bye);
    pcb__reap(p->pids, p->started, STOP_GRACE_MS);
    close_queues(p);
    if (p->notes)
        munmap(p->notes, (size_t)p->workers * sizeof(*p->notes));
    free(p->pids);
    free(p->outstanding);
    free(p);
}

static int start(const struct pcb_pool_config *cfg, struct pcb_pool **out)
{
    unsigned k = cfg->workers ? cfg->workers : 1;
    struct pcb_pool *p = calloc(1, sizeof(*p));
    int err = -ENOMEM;

    if (!p)
        return -ENOMEM;
    p->workload = cfg->workload;
    p->input = cfg->input;
    p->workers = k;
    p->queue = cfg->variant[0] < 3 ? (enum queue_kind)cfg->variant[0] : Q_PIPE;
    p->wait = cfg->variant[1] == 1 ? PCB__WAIT_SPIN : PCB__WAIT_PARK;
    p->pin_policy = cfg->pin;
    p->result_pipe[0] = p->result_pipe[1] = -1;
    p->result_mq = (mqd_t)-1;
    p->pids = calloc(k, sizeof(*p->pids));
    p->outstanding = calloc(k, sizeof(*p->outstanding));
    if (!p->pids || !p->outstanding)
        goto err;
    p->why = cfg->why;
    p->why_len = cfg->why_len;
    void *m = mmap(NULL, (size_t)k * sizeof(*p->notes), PROT_READ | PROT_WRITE,
                   MAP_SHARED | MAP_ANONYMOUS, -1, 0);
    if (m == MAP_FAILED) {
        err = -errno;
        goto err;
    }
    p->notes = m;
    if ((err = open_queues(p, cfg)) != 0)
        goto err;
    for (unsigned i = 0; i < k; i++) {
        pid_t pid = pcb__fork_child();
        if (pid < 0) {
            err = pid;
            goto err;
        }
        if (pid == 0) {
            worker_main(p, i);
            _exit(0);
        }
        p->pids[i] = pid;
        p->started++;
    }
    unsigned from = 0;
    for (unsigned i = 0; i < k; i++) {
        struct result_msg r;
        if ((err = master_recv(p, &r, &from)) != 0)
            goto err;
        if (r.worker >= k || r.done || r.failed) {
            err = PCB_EPROTO;
            goto err;
        }
    }
    *out = p;
    return 0;
err:
    stop(p);
    return err;
}

static int run(struct pcb_pool *p, const struct pcb_batch *b, struct pcb_batch_result *res)
{
    uint64_t chunk = b->chunk ? b->chunk : 1, next = 0, pending = 0;
    unsigned from = 0;
    int err;

    memset(res, 0, sizeof(*res));
    /* Prime: up to DEPTH chunks per worker, round robin so each gets work early. */
    for (unsigned d = 0; d < DEPTH; d++)
        for (unsigned i = 0; i < p->workers && next < b->tasks; i++) {
            struct task_msg t = {.first = next,
                                 .count = b->tasks - next < chunk ? b->tasks - next : chunk,
                                 .salt = b->salt};
            if ((err = master_send(p, i, &t)) != 0)
                return err;
            next += t.count;
            p->outstanding[i]++;
            pending++;
        }
    while (pending) {
        struct result_msg r;
        if ((err = master_recv(p, &r, &from)) != 0)
            return err;
        if (r.worker >= p->workers || p->outstanding[r.worker] == 0)
            return PCB_EPROTO;
        pending--;
        p->outstanding[r.worker]--;
        res->digest = pcb_digest_merge(res->digest, r.digest);
        res->done += r.done;
        if (r.failed && res->failed == 0) {
            res->err = r.err;
            res->err_task = r.err_task;
        }
        res->failed += r.failed;
        if (next < b->tasks) {
            struct task_msg t = {.first = next,
                                 .count = b->tasks - next < chunk ? b->tasks - next : chunk,
                                 .salt = b->salt};
            if ((err = master_send(p, r.worker, &t)) != 0)
                return err;
            next += t.count;
            p->outstanding[r.worker]++;
            pending++;
        }
    }
    return 0;
}

static size_t worker_pids(const struct pcb_pool *p, pid_t *pids, size_t cap)
{
    return pcb__live_pids(p->pids, p->started, pids, cap);
}

const struct pcb_runner pcb_runner_masterworker = {
    .name = "MasterWorker",
    .summary = "worker processes fed chunks by the caller through message queues "
               "(pipe, POSIX mq, shm ring); results return through a queue",
    .flags = PCB_RUNNER_WORKERS | PCB_RUNNER_CHUNK | PCB_RUNNER_PROCESSES,
    .max_workers = 256,
    .start = start,
    .run = run,
    .stop = stop,
    .worker_pids = worker_pids,
    .variants = variants,
    .nvariants = 2,
};
