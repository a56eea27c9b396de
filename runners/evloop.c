/*
 * evloop.c - the event loop of Async, AsyncBlocking and Hybrid; see evloop.h.
 *
 * Per task in flight there is one slot: its task index, its struct pcb_wait, and two flags
 * saying which of its conditions are still outstanding. A slot is in the deadline queue while
 * its deadline is outstanding, and registered with the backend while its descriptor is.
 *
 * The deadline queue is two structures: a FIFO ring for deadlines that arrive in
 * non-decreasing order (the common case: the same latency from a later start), where insert and
 * removal cost O(1), and a binary min-heap for the rest. The earliest deadline is the smaller of
 * the two fronts. With 10 000 timers in flight the heap alone spends ~14 sift levels per
 * expiry; the FIFO keeps the expiry rate above the rate at which deadlines fall due.
 */
#define _GNU_SOURCE
#include "evloop.h"

#include <errno.h>
#include <liburing.h>
#include <poll.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/epoll.h>
#include <time.h>
#include <unistd.h>

#include "support.h"

/* Most readiness events taken from the kernel per round. */
#define MAX_EVENTS 256

const char *const pcb__backend_values[2] = {"epoll", "uring"};

struct slot {
    uint64_t task;     /* the task in flight */
    struct pcb_wait w; /* what it waits on; owned by the workload between start and finish */
    uint32_t heap_pos; /* its index in the heap while it is there */
    uint8_t wait_fd;   /* its descriptor is not yet readable */
    uint8_t wait_dl;   /* its deadline has not yet passed */
};

struct pcb__loop {
    const struct pcb_workload *wl; /* the work */
    const struct pcb_input *in;    /* its input */
    unsigned capacity;             /* most tasks in flight */
    int blocking;                  /* run every task with run(), inline */
    int async;                     /* the workload has start()/finish() */
    enum pcb__backend backend;     /* epoll or io_uring */
    struct slot *slots;            /* capacity slots */
    uint32_t *free_list;           /* indices of free slots, a stack */
    unsigned nfree;                /* how many are free */
    uint32_t *heap;                /* slot indices, min-heap on w.deadline_ns */
    unsigned nheap;                /* heap size */
    uint32_t *fifo;                /* slot indices whose deadlines came in order: a ring */
    unsigned fifo_head;            /* index of the earliest entry in fifo */
    unsigned nfifo;                /* entries in fifo */
    uint64_t salt;                 /* the running batch's salt */
    int epfd;                      /* epoll instance, or -1 */
    struct epoll_event *events;    /* MAX_EVENTS, for epoll_pwait2 */
    struct io_uring ring;          /* io_uring instance, when ring_ok */
    int ring_ok;                   /* ring was set up */
};

/* ---- the deadline heap ---- */

static inline uint64_t dl(const struct pcb__loop *l, uint32_t i)
{
    return l->slots[l->heap[i]].w.deadline_ns;
}

static inline void heap_set(struct pcb__loop *l, uint32_t pos, uint32_t s)
{
    l->heap[pos] = s;
    l->slots[s].heap_pos = pos;
}

static void heap_push(struct pcb__loop *l, uint32_t s)
{
    uint32_t i = l->nheap++;

    heap_set(l, i, s);
    while (i > 0) {
        uint32_t parent = (i - 1) / 2;
        if (dl(l, parent) <= dl(l, i))
            break;
        uint32_t a = l->heap[parent], b = l->heap[i];
        heap_set(l, parent, b);
        heap_set(l, i, a);
        i = parent;
    }
}

static uint32_t heap_pop(struct pcb__loop *l)
{
    uint32_t top = l->heap[0];

    l->nheap--;
    if (l->nheap) {
        heap_set(l, 0, l->heap[l->nheap]);
        uint32_t i = 0;
        for (;;) {
            uint32_t a = 2 * i + 1, b = a + 1, m = i;
            if (a < l->nheap && dl(l, a) < dl(l, m))
                m = a;
            if (b < l->nheap && dl(l, b) < dl(l, m))
                m = b;
            if (m == i)
                break;
            uint32_t x = l->heap[i], y = l->heap[m];
            heap_set(l, i, y);
            heap_set(l, m, x);
            i = m;
        }
    }
    return top;
}

/* ---- the deadline queue: FIFO for in-order deadlines, heap for the rest ---- */

static inline uint64_t fifo_front(const struct pcb__loop *l)
{
    return l->slots[l->fifo[l->fifo_head]].w.deadline_ns;
}

static void dq_push(struct pcb__loop *l, uint32_t s)
{
    uint64_t d = l->slots[s].w.deadline_ns;

    if (l->nfifo == 0 ||
        l->slots[l->fifo[(l->fifo_head + l->nfifo - 1) % l->capacity]].w.deadline_ns <= d) {
        l->fifo[(l->fifo_head + l->nfifo) % l->capacity] = s;
        l->nfifo++;
        return;
    }
    heap_push(l, s);
}

/* Earliest deadline in the queue; the queue must not be empty. */
static inline uint64_t dq_earliest(const struct pcb__loop *l)
{
    if (l->nfifo == 0)
        return dl(l, 0);
    if (l->nheap == 0)
        return fifo_front(l);
    return fifo_front(l) < dl(l, 0) ? fifo_front(l) : dl(l, 0);
}

/* Removes and returns the slot with the earliest deadline; the queue must not be empty. */
static uint32_t dq_pop(struct pcb__loop *l)
{
    if (l->nfifo && (l->nheap == 0 || fifo_front(l) <= dl(l, 0))) {
        uint32_t s = l->fifo[l->fifo_head];
        l->fifo_head = (l->fifo_head + 1) % l->capacity;
        l->nfifo--;
        return s;
    }
    return heap_pop(l);
}

/* ---- set-up ---- */

void pcb__loop_close(struct pcb__loop *l)
{
    if (!l)
        return;
    if (l->epfd >= 0)
        close(l->epfd);
    if (l->ring_ok)
        io_uring_queue_exit(&l->ring);
    free(l->slots);
    free(l->free_list);
    free(l->heap);
    free(l->fifo);
    free(l->events);
    free(l);
}

/* Reads /proc/sys/kernel/io_uring_disabled into buf ("absent" when the file is not there). */
static void uring_sysctl(char *buf, size_t len)
{
    FILE *f = fopen("/proc/sys/kernel/io_uring_disabled", "r");

    snprintf(buf, len, "absent");
    if (f) {
        if (fgets(buf, (int)len, f))
            buf[strcspn(buf, "\n")] = '\0';
        fclose(f);
    }
}

int pcb__loop_init(const struct pcb_pool_config *cfg, unsigned capacity, enum pcb__backend backend,
                   int blocking, struct pcb__loop **out)
{
    struct pcb__loop *l = calloc(1, sizeof(*l));
    int err = -ENOMEM;

    if (!l)
        return -ENOMEM;
    l->wl = cfg->workload;
    l->in = cfg->input;
    l->capacity = capacity ? capacity : 1;
    l->blocking = blocking;
    l->async = cfg->workload->start && cfg->workload->finish;
    l->backend = backend;
    l->epfd = -1;
    l->slots = calloc(l->capacity, sizeof(*l->slots));
    l->free_list = calloc(l->capacity, sizeof(*l->free_list));
    l->heap = calloc(l->capacity, sizeof(*l->heap));
    l->fifo = calloc(l->capacity, sizeof(*l->fifo));
    l->events = calloc(MAX_EVENTS, sizeof(*l->events));
    if (!l->slots || !l->free_list || !l->heap || !l->fifo || !l->events)
        goto err;
    for (unsigned i = 0; i < l->capacity; i++)
        l->free_list[i] = l->capacity - 1 - i;
    l->nfree = l->capacity;
    if (backend == PCB__BACKEND_EPOLL) {
        l->epfd = epoll_create1(EPOLL_CLOEXEC);
        if (l->epfd < 0) {
            err = -errno;
            goto err;
        }
    } else {
        unsigned entries = l->capacity < 4096 ? l->capacity : 4096;
        int rc = io_uring_queue_init(entries < 8 ? 8 : entries, &l->ring, 0);
        if (rc < 0) {
            char sysctl[32];
            uring_sysctl(sysctl, sizeof(sysctl));
            pcb__why(cfg,
                     "io_uring refused by the kernel (io_uring_queue_init: %s; "
                     "kernel.io_uring_disabled=%s); no fallback to epoll",
                     strerror(-rc), sysctl);
            err = rc;
            goto err;
        }
        l->ring_ok = 1;
    }
    *out = l;
    return 0;
err:
    pcb__loop_close(l);
    return err;
}

/* ---- the loop ---- */

/* Finishes slot s, whose conditions all hold, and frees it. */
static void complete(struct pcb__loop *l, uint32_t s, struct pcb__slot *acc)
{
    struct slot *sl = &l->slots[s];
    uint64_t digest = 0;
    int err = l->wl->finish(l->in, sl->task, &sl->w, &digest);

    pcb__slot_account(acc, sl->task, err, digest, l->salt);
    l->free_list[l->nfree++] = s;
}

/* Registers slot s's descriptor with the backend. Returns 0 or a negative code. */
static int watch_fd(struct pcb__loop *l, uint32_t s)
{
    int fd = l->slots[s].w.fd;

    if (l->backend == PCB__BACKEND_EPOLL) {
        struct epoll_event ev = {.events = EPOLLIN, .data.u32 = s};
        if (epoll_ctl(l->epfd, EPOLL_CTL_ADD, fd, &ev) != 0)
            return -errno;
        return 0;
    }
    struct io_uring_sqe *sqe = io_uring_get_sqe(&l->ring);
    if (!sqe) {
        io_uring_submit(&l->ring);
        sqe = io_uring_get_sqe(&l->ring);
        if (!sqe)
            return -EBUSY;
    }
    io_uring_prep_poll_add(sqe, fd, POLLIN);
    io_uring_sqe_set_data64(sqe, s);
    return 0;
}

/* Starts task t in a free slot; finishes it at once when it waits on nothing. */
static int begin(struct pcb__loop *l, uint64_t t, struct pcb__slot *acc)
{
    uint32_t s = l->free_list[--l->nfree];
    struct slot *sl = &l->slots[s];
    int err;

    sl->task = t;
    sl->w.fd = -1;
    sl->w.deadline_ns = 0;
    err = l->wl->start(l->in, t, &sl->w);
    if (err) {
        pcb__slot_account(acc, t, err, 0, l->salt);
        l->free_list[l->nfree++] = s;
        return 0;
    }
    sl->wait_fd = sl->w.fd >= 0;
    sl->wait_dl = sl->w.deadline_ns != 0;
    if (!sl->wait_fd && !sl->wait_dl) {
        complete(l, s, acc);
        return 0;
    }
    if (sl->wait_dl)
        dq_push(l, s);
    if (sl->wait_fd && (err = watch_fd(l, s)) != 0)
        return err;
    return 0;
}

/* One descriptor of slot s became readable. */
static void fd_ready(struct pcb__loop *l, uint32_t s, struct pcb__slot *acc)
{
    struct slot *sl = &l->slots[s];

    if (l->backend == PCB__BACKEND_EPOLL)
        epoll_ctl(l->epfd, EPOLL_CTL_DEL, sl->w.fd, NULL);
    sl->wait_fd = 0;
    if (!sl->wait_dl)
        complete(l, s, acc);
}

/* Blocks until a descriptor is ready or the earliest deadline passed, then handles what is
 * ready. Returns 0 or a negative code. */
static int wait_round(struct pcb__loop *l, struct pcb__slot *acc)
{
    struct timespec ts, *tsp = NULL;

    if (l->nheap || l->nfifo) {
        uint64_t now = pcb_now_ns(), d = dq_earliest(l);
        uint64_t left = d > now ? d - now : 0;
        ts.tv_sec = (time_t)(left / 1000000000ULL);
        ts.tv_nsec = (long)(left % 1000000000ULL);
        tsp = &ts;
    }
    if (l->backend == PCB__BACKEND_EPOLL) {
        int n = (tsp && tsp->tv_sec == 0 && tsp->tv_nsec == 0)
                    ? 0
                    : epoll_pwait2(l->epfd, l->events, MAX_EVENTS, tsp, NULL);
        if (n < 0 && errno != EINTR)
            return -errno;
        for (int i = 0; i < n; i++)
            fd_ready(l, l->events[i].data.u32, acc);
    } else {
        struct io_uring_cqe *cqe;
        struct __kernel_timespec kts;
        int rc;
        if (tsp) {
            kts.tv_sec = tsp->tv_sec;
            kts.tv_nsec = tsp->tv_nsec;
        }
        if (tsp && tsp->tv_sec == 0 && tsp->tv_nsec == 0)
            rc = io_uring_submit(&l->ring);
        else
            rc = io_uring_submit_and_wait_timeout(&l->ring, &cqe, 1, tsp ? &kts : NULL, NULL);
        if (rc < 0 && rc != -ETIME && rc != -EINTR && rc != -EAGAIN)
            return rc;
        unsigned head, seen = 0;
        int bad = 0;
        io_uring_for_each_cqe(&l->ring, head, cqe)
        {
            if (cqe->res < 0)
                bad = cqe->res;
            else
                fd_ready(l, (uint32_t)io_uring_cqe_get_data64(cqe), acc);
            seen++;
        }
        io_uring_cq_advance(&l->ring, seen);
        if (bad)
            return bad;
    }
    /* Deadlines: by our own clock, so a task is never finished early. */
    uint64_t now = pcb_now_ns();
    while ((l->nheap || l->nfifo) && dq_earliest(l) <= now) {
        uint32_t s = dq_pop(l);
        l->slots[s].wait_dl = 0;
        if (!l->slots[s].wait_fd)
            complete(l, s, acc);
    }
    return 0;
}

int pcb__loop_run(struct pcb__loop *l, pcb__claim_fn claim, void *ctx, uint64_t salt,
                  struct pcb__slot *acc)
{
    uint64_t next = 0, end = 0;
    int more = 1, err;

    l->salt = salt;
    for (;;) {
        /* Fill: start tasks while there is room and work. */
        while (l->nfree > 0) {
            if (next == end) {
                if (!more || !claim(ctx, &next, &end)) {
                    more = 0;
                    break;
                }
            }
            uint64_t t = next++;
            if (l->blocking || !l->async) {
                uint64_t digest = 0;
                int e = l->wl->run(l->in, t, &digest);
                pcb__slot_account(acc, t, e, digest, l->salt);
                continue;
            }
            if ((err = begin(l, t, acc)) != 0)
                return err;
        }
        if (l->nfree == l->capacity && !more)
            return 0;
        if (l->nfree == l->capacity)
            continue; /* nothing in flight (all ran inline): claim more */
        if ((err = wait_round(l, acc)) != 0)
            return err;
    }
}
