/*
 * ipc_chan.c - the IPC mechanisms behind ipc_chan.h: pipe, unix stream socket, unix datagram
 * socket, TCP loopback, POSIX message queue, eventfd, and a single-producer single-consumer ring
 * in POSIX shared memory (futex wake-ups, or busy-polling).
 *
 * Copying mechanisms receive into the receiving side's buffer; the ring hands out the message in
 * place and takes it back at release(), which is where its advantage comes from. Nothing here
 * allocates or logs on the send or receive path.
 */
#define _GNU_SOURCE
#include "ipc_chan.h"

#include <errno.h>
#include <fcntl.h>
#include <limits.h>
#include <mqueue.h>
#include <sched.h>
#include <netinet/in.h>
#include <netinet/tcp.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/eventfd.h>
#include <sys/mman.h>
#include <sys/resource.h>
#include <sys/socket.h>
#include <sys/stat.h>
#include <time.h>
#include <unistd.h>

#include "../../runners/names.h"
#include "../../workloads/workload.h"
#include "../../runners/support.h"

/* What the SIGCHLD handler writes into an eventfd: no message number is ever this large. */
#define POISON (1ULL << 62)

static size_t round_up(size_t n, size_t to)
{
    return (n + to - 1) / to * to;
}

bool pcb__chan_give_up(struct pcb__chan *c, int side, uint64_t waited_ns, int *err)
{
    if (atomic_load_explicit(&c->ctl->abort, memory_order_acquire)) {
        *err = -ECANCELED;
        return true;
    }
    if (side == 0 && c->peer && !pcb__ipc_peer_alive(c->peer)) {
        *err = PCB_EWORKER;
        return true;
    }
    if (side == 1 && c->main_pid && getppid() != c->main_pid) {
        *err = PCB_EWORKER;
        return true;
    }
    if (waited_ns >= (uint64_t)PCB__CHAN_DEADLINE_NS) {
        *err = -ETIMEDOUT;
        return true;
    }
    return false;
}

/* ---- descriptors: pipe, unix stream, TCP (byte streams) ---------------------------------- */

/* Reads or writes exactly len bytes. End of file and EPIPE mean the other side is gone; a
 * socket's time slice running out (EAGAIN) is a moment to check on it. */
static int fd_full(struct pcb__chan *c, int side, int fd, void *buf, size_t len, int wr)
{
    char *p = buf;
    uint64_t waited = 0;
    int err;

    while (len) {
        ssize_t k = wr ? write(fd, p, len) : read(fd, p, len);
        if (k > 0) {
            p += k;
            len -= (size_t)k;
            waited = 0;
            continue;
        }
        if (k == 0)
            return PCB_EWORKER;
        if (errno == EINTR)
            continue;
        if (errno == EAGAIN || errno == EWOULDBLOCK) {
            waited += PCB__CHAN_SLICE_NS;
            if (pcb__chan_give_up(c, side, waited, &err))
                return err;
            continue;
        }
        if (errno == EPIPE || errno == ECONNRESET)
            return PCB_EWORKER;
        return -errno;
    }
    return 0;
}

static int bytes_send(struct pcb__chan *c, int side, const void *buf, size_t n)
{
    return fd_full(c, side, c->fd[side][1], (void *)buf, n, 1);
}

static int bytes_recv(struct pcb__chan *c, int side, const void **msg, size_t *n)
{
    *msg = c->rbuf[side];
    *n = c->len[1 - side];
    return fd_full(c, side, c->fd[1 - side][0], c->rbuf[side], c->len[1 - side], 0);
}

static size_t no_limit(void)
{
    return 0;
}

static int pipe_open(struct pcb__chan *c)
{
    for (int d = 0; d < 2; d++) {
        int p[2];
        if (pipe2(p, O_CLOEXEC) != 0)
            return -errno;
        c->fd[d][0] = p[0];
        c->fd[d][1] = p[1];
    }
    return 0;
}

/* Socket options every socket of a channel gets: a receive and send time slice, and a send
 * buffer that holds at least two messages (datagrams need it to fit one at all). */
static int sock_setup(int fd, size_t len)
{
    struct timeval tv = {.tv_sec = 0, .tv_usec = PCB__CHAN_SLICE_NS / 1000};
    int buf = (int)(2 * len + 65536);

    if (setsockopt(fd, SOL_SOCKET, SO_RCVTIMEO, &tv, sizeof(tv)) != 0 ||
        setsockopt(fd, SOL_SOCKET, SO_SNDTIMEO, &tv, sizeof(tv)) != 0)
        return -errno;
    if (len > 65536)
        setsockopt(fd, SOL_SOCKET, SO_SNDBUF, &buf, sizeof(buf)); /* best effort: capped */
    return 0;
}

/* Side s's socket is fd[s][1] (it writes direction s) and fd[1-s][0] (it reads 1 - s). */
static void sock_assign(struct pcb__chan *c, int s0, int s1)
{
    c->fd[0][1] = c->fd[1][0] = s0;
    c->fd[1][1] = c->fd[0][0] = s1;
}

static int socketpair_open(struct pcb__chan *c, int type)
{
    int sv[2];
    size_t len = c->len[0] > c->len[1] ? c->len[0] : c->len[1];

    if (socketpair(AF_UNIX, type | SOCK_CLOEXEC, 0, sv) != 0)
        return -errno;
    sock_assign(c, sv[0], sv[1]);
    int e = sock_setup(sv[0], len);
    return e ? e : sock_setup(sv[1], len);
}

static int ustream_open(struct pcb__chan *c)
{
    return socketpair_open(c, SOCK_STREAM);
}

static int udgram_open(struct pcb__chan *c)
{
    return socketpair_open(c, SOCK_DGRAM);
}

static int udgram_send(struct pcb__chan *c, int side, const void *buf, size_t n)
{
    uint64_t waited = 0;
    int err;

    for (;;) {
        ssize_t k = send(c->fd[side][1], buf, n, MSG_NOSIGNAL);
        if (k == (ssize_t)n)
            return 0;
        if (k >= 0)
            return PCB_EPROTO;
        if (errno == EINTR)
            continue;
        if (errno != EAGAIN && errno != EWOULDBLOCK)
            return errno == ECONNREFUSED || errno == EPIPE ? PCB_EWORKER : -errno;
        waited += PCB__CHAN_SLICE_NS;
        if (pcb__chan_give_up(c, side, waited, &err))
            return err;
    }
}

static int udgram_recv(struct pcb__chan *c, int side, const void **msg, size_t *n)
{
    uint64_t waited = 0;
    int err;

    *msg = c->rbuf[side];
    *n = c->len[1 - side];
    for (;;) {
        ssize_t k = recv(c->fd[1 - side][0], c->rbuf[side], c->len[1 - side], MSG_TRUNC);
        if (k == (ssize_t)c->len[1 - side])
            return 0;
        if (k >= 0)
            return k == 0 ? PCB_EWORKER : PCB_EPROTO; /* a datagram of the wrong size */
        if (errno == EINTR)
            continue;
        if (errno != EAGAIN && errno != EWOULDBLOCK)
            return -errno;
        waited += PCB__CHAN_SLICE_NS;
        if (pcb__chan_give_up(c, side, waited, &err))
            return err;
    }
}

/* The largest of the suite's sizes one unix datagram can carry here (the send buffer caps it). */
static size_t udgram_max(void)
{
    static size_t max;
    static const size_t sizes[] = {1u << 20, 1u << 16, 1u << 12, 8};

    if (max)
        return max;
    for (size_t i = 0; i < sizeof(sizes) / sizeof(sizes[0]) && !max; i++) {
        int sv[2];
        char *buf = calloc(1, sizes[i]);
        if (buf && socketpair(AF_UNIX, SOCK_DGRAM | SOCK_CLOEXEC, 0, sv) == 0) {
            sock_setup(sv[0], sizes[i]);
            if (send(sv[0], buf, sizes[i], MSG_DONTWAIT | MSG_NOSIGNAL) == (ssize_t)sizes[i])
                max = sizes[i];
            close(sv[0]);
            close(sv[1]);
        }
        free(buf);
    }
    return max ? max : 8;
}

static int tcp_open(struct pcb__chan *c)
{
    struct sockaddr_in a = {.sin_family = AF_INET, .sin_addr.s_addr = htonl(INADDR_LOOPBACK)};
    socklen_t alen = sizeof(a);
    size_t len = c->len[0] > c->len[1] ? c->len[0] : c->len[1];
    int one = 1, e = 0;
    int l = socket(AF_INET, SOCK_STREAM | SOCK_CLOEXEC, 0), s0 = -1, s1 = -1;

    if (l < 0)
        return -errno;
    if (bind(l, (struct sockaddr *)&a, sizeof(a)) != 0 || listen(l, 1) != 0 ||
        getsockname(l, (struct sockaddr *)&a, &alen) != 0)
        goto err;
    s0 = socket(AF_INET, SOCK_STREAM | SOCK_CLOEXEC, 0);
    if (s0 < 0 || connect(s0, (struct sockaddr *)&a, sizeof(a)) != 0)
        goto err;
    s1 = accept4(l, NULL, NULL, SOCK_CLOEXEC);
    if (s1 < 0)
        goto err;
    close(l);
    sock_assign(c, s0, s1);
    setsockopt(s0, IPPROTO_TCP, TCP_NODELAY, &one, sizeof(one));
    setsockopt(s1, IPPROTO_TCP, TCP_NODELAY, &one, sizeof(one));
    e = sock_setup(s0, len);
    return e ? e : sock_setup(s1, len);
err:
    e = -errno;
    close(l);
    if (s0 >= 0)
        close(s0);
    return e;
}

/* ---- POSIX message queue ------------------------------------------------------------------ */

static long read_long(const char *path, long dflt)
{
    FILE *f = fopen(path, "re");
    long v = dflt;

    if (f) {
        if (fscanf(f, "%ld", &v) != 1)
            v = dflt;
        fclose(f);
    }
    return v;
}

/* Largest message a queue may hold for an unprivileged process (fs.mqueue.msgsize_max). */
static size_t mq_max(void)
{
    return (size_t)read_long("/proc/sys/fs/mqueue/msgsize_max", 8192);
}

static int mq_open_pair(struct pcb__chan *c)
{
    long maxmsg = read_long("/proc/sys/fs/mqueue/msg_max", 10);

    for (int d = 0; d < 2; d++) {
        char name[64];
        struct mq_attr at = {.mq_maxmsg = maxmsg < 10 ? maxmsg : 10, .mq_msgsize = (long)c->len[d]};
        pcb__ipc_posix_name(name, sizeof(name), "mq");
        int mark = pcb__name_mark(PCB__NAME_MQ, name); /* an interrupt unlinks it (names.h) */
        mqd_t q = mq_open(name, O_CREAT | O_EXCL | O_RDWR | O_CLOEXEC, 0600, &at);
        if (q == (mqd_t)-1) {
            int err = -errno;
            pcb__name_unmark(mark);
            return err;
        }
        /* Both sides hold the descriptor from here on (threads share it, children inherit it),
         * so the name can go at once: nothing is left in /dev/mqueue whatever happens next. */
        mq_unlink(name);
        pcb__name_unmark(mark);
        c->fd[d][0] = c->fd[d][1] = (int)q;
    }
    return 0;
}

static void abs_slice(struct timespec *ts)
{
    clock_gettime(CLOCK_REALTIME, ts);
    ts->tv_nsec += PCB__CHAN_SLICE_NS;
    if (ts->tv_nsec >= 1000000000L) {
        ts->tv_sec++;
        ts->tv_nsec -= 1000000000L;
    }
}

static int mq_send1(struct pcb__chan *c, int side, const void *buf, size_t n)
{
    uint64_t waited = 0;
    int err;
    struct timespec ts;

    for (;;) {
        abs_slice(&ts);
        if (mq_timedsend((mqd_t)c->fd[side][1], buf, n, 0, &ts) == 0)
            return 0;
        if (errno == EINTR)
            continue;
        if (errno != ETIMEDOUT)
            return -errno;
        waited += PCB__CHAN_SLICE_NS;
        if (pcb__chan_give_up(c, side, waited, &err))
            return err;
    }
}

static int mq_recv1(struct pcb__chan *c, int side, const void **msg, size_t *n)
{
    uint64_t waited = 0;
    int err;
    struct timespec ts;

    *msg = c->rbuf[side];
    *n = c->len[1 - side];
    for (;;) {
        abs_slice(&ts);
        ssize_t k =
            mq_timedreceive((mqd_t)c->fd[1 - side][0], c->rbuf[side], c->len[1 - side], NULL, &ts);
        if (k == (ssize_t)c->len[1 - side])
            return 0;
        if (k >= 0)
            return PCB_EPROTO;
        if (errno == EINTR)
            continue;
        if (errno != ETIMEDOUT)
            return -errno;
        waited += PCB__CHAN_SLICE_NS;
        if (pcb__chan_give_up(c, side, waited, &err))
            return err;
    }
}

/* ---- eventfd: one 8-byte counter per direction -------------------------------------------- */

static size_t eventfd_max(void)
{
    return 8;
}

static int eventfd_open(struct pcb__chan *c)
{
    for (int d = 0; d < 2; d++) {
        int fd = eventfd(0, EFD_CLOEXEC);
        if (fd < 0)
            return -errno;
        c->fd[d][0] = c->fd[d][1] = fd;
    }
    return 0;
}

/* A message is its first word; it travels as word + 1 because adding 0 wakes nobody. */
static int eventfd_send(struct pcb__chan *c, int side, const void *buf, size_t n)
{
    uint64_t v;

    (void)n;
    memcpy(&v, buf, sizeof(v));
    v++;
    while (write(c->fd[side][1], &v, sizeof(v)) != sizeof(v))
        if (errno != EINTR)
            return -errno;
    return 0;
}

static int eventfd_recv(struct pcb__chan *c, int side, const void **msg, size_t *n)
{
    uint64_t v;

    while (read(c->fd[1 - side][0], &v, sizeof(v)) != sizeof(v))
        if (errno != EINTR)
            return -errno;
    v--;
    memcpy(c->rbuf[side], &v, sizeof(v));
    *msg = c->rbuf[side];
    *n = sizeof(v);
    return 0;
}

static void eventfd_abort(struct pcb__chan *c, int side)
{
    uint64_t v = POISON;

    (void)!write(c->fd[side][1], &v, sizeof(v));
}

/* ---- shared-memory ring -------------------------------------------------------------------- */

/* A position one side advances and the other waits on. */
struct pcb__ring_evt {
    _Atomic uint64_t pos;     /* bytes ever published (tail) or released (head) */
    _Atomic uint32_t seq;     /* futex word: bumped by a publish that finds waiters */
    _Atomic uint32_t waiters; /* sides parked (or about to park) on seq */
};

/* One direction. A message travels as chunks of one fixed size (the message itself up to
 * RING_CHUNK bytes, RING_CHUNK-byte pieces above), published one by one, so a large message
 * streams through a ring that stays in cache and the consumer starts before the producer is
 * done. The chunk divides the (power of two) capacity, so a chunk never wraps and the consumer
 * reads it in place. */
struct pcb__ring {
    /* The producer writes tail and the consumer head: each on its own cache line, so a publish
     * does not invalidate the line the other side is advancing. Each side also keeps its last
     * look at the other's position on its own line and reads the other's line only when that
     * look says full (producer) or empty (consumer): one cache-line transfer less per message. */
    _Alignas(64) struct pcb__ring_evt tail; /* published by the producer */
    uint64_t head_seen;                     /* producer only: head as it last read it */
    _Alignas(64) struct pcb__ring_evt head; /* released by the consumer */
    uint64_t tail_seen;                     /* consumer only: tail as it last read it */
    _Alignas(64) uint64_t cap;              /* data bytes: a power of two, >= 4 chunks */
    uint64_t chunk;                         /* bytes per chunk: min(message, RING_CHUNK) */
    _Alignas(64) unsigned char data[];      /* the slots */
};

static inline void cpu_relax(void)
{
#if defined(__x86_64__) || defined(__i386__)
    __builtin_ia32_pause();
#elif defined(__aarch64__)
    __asm__ __volatile__("yield");
#endif
}

/* Waits until e->pos differs from `old`. Parks on the futex, or spins for the busy-poll ring. */
static int ring_wait(struct pcb__chan *c, int side, struct pcb__ring_evt *e, uint64_t old)
{
    uint64_t waited = 0, t0 = 0;
    int err;

    if (c->mech->spin) {
        for (uint32_t n = 1;; n++) {
            if (atomic_load_explicit(&e->pos, memory_order_acquire) != old)
                return 0;
            /* Past ~2^12 polls the other side is not running (more runnable threads than
             * CPUs): give the CPU away between polls rather than burn the time slice. */
            if (n < 4096)
                cpu_relax();
            else
                sched_yield();
            if ((n & 0xffff) == 0) {
                uint64_t now = pcb_now_ns();
                if (!t0)
                    t0 = now;
                if (pcb__chan_give_up(c, side, now - t0, &err))
                    return err;
            }
        }
    }
    for (;;) {
        if (atomic_load_explicit(&e->pos, memory_order_acquire) != old)
            return 0;
        uint32_t s = atomic_load_explicit(&e->seq, memory_order_acquire);
        /* Announce the wait, then look again: with the publisher's seq_cst store of pos and
         * load of waiters, one of the two sees the other, so no wake-up is lost. */
        atomic_fetch_add_explicit(&e->waiters, 1, memory_order_seq_cst);
        if (atomic_load_explicit(&e->pos, memory_order_seq_cst) != old) {
            atomic_fetch_sub_explicit(&e->waiters, 1, memory_order_relaxed);
            return 0;
        }
        int r = pcb__futex_wait_ns(&e->seq, s, 0, PCB__CHAN_SLICE_NS);
        atomic_fetch_sub_explicit(&e->waiters, 1, memory_order_relaxed);
        if (r == -ETIMEDOUT) {
            waited += PCB__CHAN_SLICE_NS;
            if (pcb__chan_give_up(c, side, waited, &err))
                return err;
        } else if (atomic_load_explicit(&c->ctl->abort, memory_order_acquire)) {
            return -ECANCELED;
        }
    }
}

static void ring_publish(struct pcb__chan *c, struct pcb__ring_evt *e, uint64_t pos)
{
    if (c->mech->spin) { /* nobody parks: a release store is all the consumer needs */
        atomic_store_explicit(&e->pos, pos, memory_order_release);
        return;
    }
    atomic_store_explicit(&e->pos, pos, memory_order_seq_cst);
    if (atomic_load_explicit(&e->waiters, memory_order_seq_cst)) {
        atomic_fetch_add_explicit(&e->seq, 1, memory_order_release);
        pcb__futex_wake(&e->seq, INT_MAX, 0);
    }
}

#define RING_CHUNK 65536 /* largest piece of a message: 4 of them fill a 256 KiB ring */

static size_t ring_chunk(size_t len)
{
    return len < RING_CHUNK ? len : RING_CHUNK;
}

static size_t ring_bytes(size_t len)
{
    size_t cap = 65536;

    while (cap < 4 * ring_chunk(len))
        cap *= 2;
    return cap;
}

static int ring_open(struct pcb__chan *c)
{
    char name[64];
    size_t off[2], cap[2];

    c->maplen = 0;
    for (int d = 0; d < 2; d++) {
        cap[d] = ring_bytes(c->len[d]);
        off[d] = c->maplen;
        c->maplen += round_up(sizeof(struct pcb__ring) + cap[d], 4096);
    }
    pcb__ipc_posix_name(name, sizeof(name), "ring");
    int mark = pcb__name_mark(PCB__NAME_SHM, name); /* an interrupt unlinks it (names.h) */
    int fd = shm_open(name, O_CREAT | O_EXCL | O_RDWR | O_CLOEXEC, 0600);
    if (fd < 0) {
        int err = -errno;
        pcb__name_unmark(mark);
        return err;
    }
    int e = ftruncate(fd, (off_t)c->maplen) == 0 ? 0 : -errno;
    if (!e) {
        c->map = mmap(NULL, c->maplen, PROT_READ | PROT_WRITE, MAP_SHARED | MAP_POPULATE, fd, 0);
        if (c->map == MAP_FAILED) {
            c->map = NULL;
            e = -errno;
        }
    }
    close(fd);
    /* The mapping is what both sides use (threads share it, children inherit it), so the name
     * goes now: nothing is left in /dev/shm whatever happens next. */
    shm_unlink(name);
    pcb__name_unmark(mark);
    if (e)
        return e;
    for (int d = 0; d < 2; d++) {
        c->ring[d] = (struct pcb__ring *)((char *)c->map + off[d]);
        c->ring[d]->cap = cap[d];
        c->ring[d]->chunk = ring_chunk(c->len[d]);
    }
    return 0;
}

/* Sends n bytes (a whole message, or a multiple of the chunk) chunk by chunk. */
static int ring_send(struct pcb__chan *c, int side, const void *buf, size_t n)
{
    struct pcb__ring *r = c->ring[side];
    uint64_t tail = atomic_load_explicit(&r->tail.pos, memory_order_relaxed);
    const unsigned char *p = buf;

    for (size_t off = 0; off < n; off += r->chunk) {
        while (tail + r->chunk - r->head_seen > r->cap) {
            uint64_t head = atomic_load_explicit(&r->head.pos, memory_order_acquire);
            if (tail + r->chunk - head > r->cap) {
                int e = ring_wait(c, side, &r->head, head);
                if (e)
                    return e;
                head = atomic_load_explicit(&r->head.pos, memory_order_acquire);
            }
            r->head_seen = head;
        }
        memcpy(r->data + (tail & (r->cap - 1)), p + off, r->chunk);
        tail += r->chunk;
        ring_publish(c, &r->tail, tail);
    }
    return 0;
}

static int ring_recv(struct pcb__chan *c, int side, const void **msg, size_t *n)
{
    struct pcb__ring *r = c->ring[1 - side];
    uint64_t head = atomic_load_explicit(&r->head.pos, memory_order_relaxed);

    while (r->tail_seen == head) {
        uint64_t tail = atomic_load_explicit(&r->tail.pos, memory_order_acquire);
        if (tail == head) {
            int e = ring_wait(c, side, &r->tail, head);
            if (e)
                return e;
            tail = atomic_load_explicit(&r->tail.pos, memory_order_acquire);
        }
        r->tail_seen = tail;
    }
    *msg = r->data + (head & (r->cap - 1));
    *n = r->chunk;
    return 0;
}

static void ring_release(struct pcb__chan *c, int side)
{
    struct pcb__ring *r = c->ring[1 - side];
    uint64_t head = atomic_load_explicit(&r->head.pos, memory_order_relaxed);

    ring_publish(c, &r->head, head + r->chunk);
}

static void ring_abort(struct pcb__chan *c, int side)
{
    (void)side;
    for (int d = 0; d < 2; d++) {
        atomic_fetch_add_explicit(&c->ring[d]->tail.seq, 1, memory_order_release);
        atomic_fetch_add_explicit(&c->ring[d]->head.seq, 1, memory_order_release);
        pcb__futex_wake(&c->ring[d]->tail.seq, INT_MAX, 0);
        pcb__futex_wake(&c->ring[d]->head.seq, INT_MAX, 0);
    }
}

static void ring_destroy(struct pcb__chan *c)
{
    if (c->map)
        munmap(c->map, c->maplen);
    c->map = NULL;
}

/* ---- the registry ------------------------------------------------------------------------- */

static const struct pcb__mech mech_pipe = {.name = "pipe",
                                           .stream_ok = true,
                                           .max_len = no_limit,
                                           .open = pipe_open,
                                           .send = bytes_send,
                                           .recv = bytes_recv};
static const struct pcb__mech mech_ustream = {.name = "unix_stream",
                                              .stream_ok = true,
                                              .max_len = no_limit,
                                              .open = ustream_open,
                                              .send = bytes_send,
                                              .recv = bytes_recv};
static const struct pcb__mech mech_udgram = {.name = "unix_dgram",
                                             .stream_ok = true,
                                             .max_len = udgram_max,
                                             .open = udgram_open,
                                             .send = udgram_send,
                                             .recv = udgram_recv};
static const struct pcb__mech mech_tcp = {.name = "tcp_loopback",
                                          .stream_ok = true,
                                          .max_len = no_limit,
                                          .open = tcp_open,
                                          .send = bytes_send,
                                          .recv = bytes_recv};
static const struct pcb__mech mech_mq = {.name = "posix_mq",
                                         .stream_ok = true,
                                         .max_len = mq_max,
                                         .open = mq_open_pair,
                                         .send = mq_send1,
                                         .recv = mq_recv1};
static const struct pcb__mech mech_eventfd = {.name = "eventfd",
                                              .stream_ok = false,
                                              .poisoned = true,
                                              .max_len = eventfd_max,
                                              .open = eventfd_open,
                                              .send = eventfd_send,
                                              .recv = eventfd_recv,
                                              .abort = eventfd_abort};
static const struct pcb__mech mech_ring = {.name = "shm_ring",
                                           .stream_ok = true,
                                           .max_len = no_limit,
                                           .open = ring_open,
                                           .send = ring_send,
                                           .recv = ring_recv,
                                           .release = ring_release,
                                           .abort = ring_abort,
                                           .destroy = ring_destroy};
static const struct pcb__mech mech_ring_spin = {.name = "shm_ring_spin_pinned",
                                                .spin = true,
                                                .stream_ok = true,
                                                .max_len = no_limit,
                                                .open = ring_open,
                                                .send = ring_send,
                                                .recv = ring_recv,
                                                .release = ring_release,
                                                .abort = ring_abort,
                                                .destroy = ring_destroy};

static const struct pcb__mech *const mechs[] = {
    &mech_pipe, &mech_ustream, &mech_udgram, &mech_tcp,
    &mech_mq,   &mech_eventfd, &mech_ring,   &mech_ring_spin,
};

const struct pcb__mech *const *pcb__mechs(size_t *n)
{
    *n = sizeof(mechs) / sizeof(mechs[0]);
    return mechs;
}

/* ---- the channel -------------------------------------------------------------------------- */

int pcb__chan_open(struct pcb__chan *c, const struct pcb__mech *m, size_t len0, size_t len1)
{
    memset(c, 0, sizeof(*c));
    c->mech = m;
    c->len[0] = len0;
    c->len[1] = len1;
    for (int d = 0; d < 2; d++)
        c->fd[d][0] = c->fd[d][1] = -1;
    c->ctl = pcb__ipc_shared_alloc(sizeof(*c->ctl));
    c->rbuf[0] = aligned_alloc(64, round_up(len1, 64));
    c->rbuf[1] = aligned_alloc(64, round_up(len0, 64));
    if (!c->ctl || !c->rbuf[0] || !c->rbuf[1]) {
        pcb__chan_close(c);
        return -ENOMEM;
    }
    memset(c->rbuf[0], 0, round_up(len1, 64));
    memset(c->rbuf[1], 0, round_up(len0, 64));
    int e = m->open(c);
    if (e)
        pcb__chan_close(c);
    return e;
}

size_t pcb__chan_piece(const struct pcb__chan *c, int dir)
{
    return c->ring[dir] ? c->ring[dir]->chunk : c->len[dir];
}

static void close_fd(struct pcb__chan *c, int fd)
{
    if (fd < 0)
        return;
    close(fd);
    for (int d = 0; d < 2; d++)
        for (int k = 0; k < 2; k++)
            if (c->fd[d][k] == fd)
                c->fd[d][k] = -1;
}

void pcb__chan_keep_side(struct pcb__chan *c, int side)
{
    int own0 = c->fd[side][1], own1 = c->fd[1 - side][0];
    int other[2] = {c->fd[1 - side][1], c->fd[side][0]};

    for (int i = 0; i < 2; i++)
        if (other[i] != own0 && other[i] != own1)
            close_fd(c, other[i]);
}

void pcb__chan_abort(struct pcb__chan *c)
{
    atomic_store_explicit(&c->ctl->abort, 1, memory_order_release);
    if (c->mech->abort) {
        c->mech->abort(c, 0);
        return;
    }
    /* Byte streams, datagrams, queues: the peer sees end of file or EPIPE once the main side's
     * ends are gone (queues see the flag at their next time slice). */
    if (c->mech->open != mq_open_pair) {
        int own[2] = {c->fd[0][1], c->fd[1][0]};
        for (int i = 0; i < 2; i++)
            if (own[i] >= 0) {
                shutdown(own[i], SHUT_RDWR);
                close_fd(c, own[i]);
            }
    }
}

void pcb__chan_close(struct pcb__chan *c)
{
    if (!c->mech)
        return; /* never opened (a zeroed struct: its descriptors are not ours) */
    for (int d = 0; d < 2; d++)
        for (int k = 0; k < 2; k++)
            close_fd(c, c->fd[d][k]);
    if (c->mech && c->mech->destroy)
        c->mech->destroy(c);
    free(c->rbuf[0]);
    free(c->rbuf[1]);
    c->rbuf[0] = c->rbuf[1] = NULL;
    pcb__ipc_shared_free(c->ctl, sizeof(*c->ctl));
    c->ctl = NULL;
    c->mech = NULL;
}

/* ---- signals for the duration of a case --------------------------------------------------- */

static volatile sig_atomic_t poison_fd = -1;

static void on_sigchld(int sig)
{
    int saved = errno;
    uint64_t v = POISON;

    (void)sig;
    if (poison_fd >= 0)
        (void)!write(poison_fd, &v, sizeof(v));
    errno = saved;
}

/*
 * SA_RESTART: a read() the signal interrupts resumes and then finds the poison. ThreadSanitizer
 * runs a handler late: at once only in a call its runtime treats as blocking (read() is not
 * one), otherwise at the thread's next intercepted call, which a resumed read() never reaches.
 * So in that build the read is interrupted instead (EINTR, which every receive loop retries),
 * and the retry runs the handler first.
 */
#if defined(__SANITIZE_THREAD__)
#define CHLD_FLAGS SA_NOCLDSTOP
#else
#define CHLD_FLAGS (SA_RESTART | SA_NOCLDSTOP)
#endif

void pcb__ipc_signals_begin(struct pcb__sigsave *s, int fd)
{
    struct sigaction ign = {.sa_handler = SIG_IGN};
    struct sigaction chld = {.sa_handler = on_sigchld, .sa_flags = CHLD_FLAGS};

    sigemptyset(&ign.sa_mask);
    sigemptyset(&chld.sa_mask);
    poison_fd = fd;
    sigaction(SIGPIPE, &ign, &s->pipe);
    sigaction(SIGCHLD, &chld, &s->chld);
}

void pcb__ipc_signals_end(const struct pcb__sigsave *s)
{
    sigaction(SIGPIPE, &s->pipe, NULL);
    sigaction(SIGCHLD, &s->chld, NULL);
    poison_fd = -1;
}
