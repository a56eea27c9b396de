/*
 * io_net.c - IO.net: request/response over loopback TCP to a server process, with latency and
 * fault injection, client timeouts and bounded retries.
 *
 * The server is one forked process (case_setup() starts it right before a case's pool, and
 * case_teardown() kills and reaps it right after; PR_SET_PDEATHSIG kills it if pcbench dies).
 * It listens on 127.0.0.1 on an ephemeral port, serves any number of connections from one
 * epoll loop, and answers each request `latency_us` after it arrived (a FIFO of due times: the
 * latency is the same for every request, so due times are in arrival order and one precise
 * epoll_pwait2() timeout covers them all). One request is one connection: connect, send 32
 * bytes (magic, task, attempt), receive 16 bytes (task, value), close.
 *
 * Faults are a pure function of (seed, task, attempt), so which attempts fail - and therefore
 * which tasks fail after their retries, and every digest - never depends on timing:
 *  - refused (refused_pct): the client connects to a second port the server holds bound but not
 *    listening, so the kernel really answers ECONNREFUSED;
 *  - timeout (timeout_pct): the server reads the request and never answers; the client gives
 *    up after its timeout (200 ms + 4 x latency: generous, so that a loaded machine that
 *    starves the server for a while does not turn into spurious failures);
 *  - reset (reset_pct): the server reads the request and closes with SO_LINGER 0 (a RST), so
 *    the client's receive fails with ECONNRESET.
 * A failed attempt is retried at once, at most PCB_WL_NET_RETRIES times; a task whose last
 * attempt fails returns that attempt's error, so it shows as a failed task, never as a hang
 * (every wait is bounded by the timeout). With all rates at 0 (the defaults) no task fails.
 *
 * The client closes with SO_LINGER 0 after the answer (the server has already closed its
 * side), so no connection lingers in TIME_WAIT and ephemeral ports never run out.
 *
 * Blocking form (run()): blocking connect, send, ppoll() with the timeout, receive.
 * Asynchronous form: start() connects (blocking: on loopback the handshake completes inside
 * connect(), and a refused connect is known at once and retried there), sends the request, and
 * returns an epoll descriptor holding the socket and a timerfd armed at the timeout: it becomes
 * readable when the answer arrives or the timeout passes, whichever is first (pcb_wait has no
 * "give up at" time, only "not before"). finish() reads the answer; after a timeout or reset it
 * makes the remaining retries in the blocking form.
 *
 * Digest of a task: mixed from the server's answer, a value the server derives from the seed
 * and the task; the client checks the answer is for its task. The input is read-only except
 * for one MAP_SHARED page: the server's pid and ports (written only by the preparing process)
 * and the counters every worker thread and process adds to (relaxed atomics).
 */
#define _GNU_SOURCE
#include "io_net.h"

#include <arpa/inet.h>
#include <errno.h>
#include <netinet/in.h>
#include <poll.h>
#include <pthread.h>
#include <signal.h>
#include <stdatomic.h>
#include <stdlib.h>
#include <string.h>
#include <sys/epoll.h>
#include <sys/mman.h>
#include <sys/prctl.h>
#include <sys/resource.h>
#include <sys/socket.h>
#include <sys/timerfd.h>
#include <sys/wait.h>
#include <time.h>
#include <unistd.h>

#define REQ_MAGIC 0x70636e6574726571ULL /* "pcnetreq" */
#define REQ_BYTES 24
#define RESP_BYTES 16
#define TIMEOUT_BASE_NS 200000000ULL /* the client timeout: this plus 4 x latency */
#define FD_BITS 21                   /* descriptors packed into pcb_wait.scratch */
#define FD_MASK ((1ULL << FD_BITS) - 1)
#define ASYNC_TAG 0x6173796e63000000ULL

enum fault { F_NONE, F_REFUSED, F_TIMEOUT, F_RESET };

/* What every process of a case shares: one MAP_SHARED page. */
struct shared {
    pthread_mutex_t lock;   /* serialises server start and stop (preparing process only) */
    _Atomic pid_t server;   /* the running server, 0 when none */
    _Atomic uint32_t ports; /* serving port | refusing port << 16; 0 when no server */
    _Atomic uint64_t attempts, retries, refused, timeouts, resets, failed; /* see io_net.h */
    _Atomic uint64_t server_cpu_ns; /* CPU of the last reaped server */
};

struct pcb_input {
    uint64_t seed;       /* mixed into the fault schedule and the answers */
    uint64_t latency_ns; /* the server's service latency */
    unsigned pct[4];     /* fault rates in percent, indexed by enum fault (pct[F_NONE] unused) */
    uint64_t timeout_ns; /* the client's timeout per attempt */
    pid_t owner;         /* the preparing process: the only one that starts servers */
    struct shared *sh;   /* the shared page */
};

static const struct pcb_param_spec params[] = {
    {.name = "latency_us",
     .help = "the server's service latency per request, microseconds",
     .min = 0,
     .max = 10000000,
     .defaults = {100, 1000},
     .ndefaults = 2,
     .quick = 100},
    {.name = "refused_pct",
     .help = "percent of attempts whose connection is refused",
     .min = 0,
     .max = 100,
     .defaults = {0},
     .ndefaults = 1,
     .quick = 0},
    {.name = "timeout_pct",
     .help = "percent of attempts the server never answers (client times out)",
     .min = 0,
     .max = 100,
     .defaults = {0},
     .ndefaults = 1,
     .quick = 0},
    {.name = "reset_pct",
     .help = "percent of attempts the server resets after reading the request",
     .min = 0,
     .max = 100,
     .defaults = {0},
     .ndefaults = 1,
     .quick = 0},
};

static enum fault fault_of(const struct pcb_input *in, uint64_t task, uint64_t attempt)
{
    uint64_t r = pcb_mix64(in->seed ^ pcb_mix64(task) ^ (attempt * 0xc2b2ae3d27d4eb4fULL)) % 100;

    if (r < in->pct[F_REFUSED])
        return F_REFUSED;
    r -= in->pct[F_REFUSED];
    if (r < in->pct[F_TIMEOUT])
        return F_TIMEOUT;
    r -= in->pct[F_TIMEOUT];
    return r < in->pct[F_RESET] ? F_RESET : F_NONE;
}

/* The server's answer for a task. */
static uint64_t answer(const struct pcb_input *in, uint64_t task)
{
    return pcb_mix64(in->seed * 0x9e3779b97f4a7c15ULL ^ pcb_mix64(task + 0x616e73));
}

#define COUNT(in, field) atomic_fetch_add_explicit(&(in)->sh->field, 1, memory_order_relaxed)

/* ------------------------------------------------------------------------------------------ */
/* The server process. Runs after fork(): system calls only, no malloc, no stdio.              */

enum conn_state { C_FREE, C_READING, C_PENDING, C_HOLD };

/* One accepted connection, indexed by its descriptor. */
struct conn {
    unsigned char state;          /* enum conn_state */
    unsigned char got;            /* request bytes read so far */
    unsigned char req[REQ_BYTES]; /* the request */
};

/* One answer waiting for its due time. */
struct due {
    int fd;      /* the connection */
    uint64_t at; /* CLOCK_MONOTONIC ns */
};

static void put64(unsigned char *p, uint64_t v)
{
    memcpy(p, &v, 8);
}

static uint64_t get64(const unsigned char *p)
{
    uint64_t v;

    memcpy(&v, p, 8);
    return v;
}

static void reset_close(int fd)
{
    struct linger l = {.l_onoff = 1, .l_linger = 0};

    setsockopt(fd, SOL_SOCKET, SO_LINGER, &l, sizeof(l));
    close(fd);
}

static void serve_answer(const struct pcb_input *in, int fd, struct conn *c)
{
    unsigned char resp[RESP_BYTES];
    uint64_t task = get64(c->req + 8);

    put64(resp, task);
    put64(resp + 8, answer(in, task));
    (void)send(fd, resp, sizeof(resp), MSG_NOSIGNAL | MSG_DONTWAIT); /* 16 bytes always fit */
    c->state = C_FREE;
    close(fd);
}

static _Noreturn void server_main(const struct pcb_input *in, int lfd, int rfd)
{
    struct rlimit rl;
    struct epoll_event ev = {.events = EPOLLIN}, evs[256];
    int ep, lo = lfd < rfd ? lfd : rfd, hi = lfd < rfd ? rfd : lfd;

    prctl(PR_SET_NAME, "pcbench-netsrv");
    prctl(PR_SET_TIMERSLACK, 1UL);
    /* Nothing of the parent's but the two sockets: no pipe end stays open here. */
    if (lo > 3)
        close_range(3, (unsigned)lo - 1, 0);
    if (hi > lo + 1)
        close_range((unsigned)lo + 1, (unsigned)hi - 1, 0);
    close_range((unsigned)hi + 1, ~0U, 0);
    if (getrlimit(RLIMIT_NOFILE, &rl) == 0 && rl.rlim_cur < rl.rlim_max) {
        rl.rlim_cur = rl.rlim_max > 1048576 ? 1048576 : rl.rlim_max;
        setrlimit(RLIMIT_NOFILE, &rl);
    }
    size_t maxfd =
        getrlimit(RLIMIT_NOFILE, &rl) == 0 && rl.rlim_cur < 1048576 ? rl.rlim_cur : 1048576;
    struct conn *conns = mmap(NULL, maxfd * sizeof(*conns), PROT_READ | PROT_WRITE,
                              MAP_PRIVATE | MAP_ANONYMOUS, -1, 0);
    struct due *q =
        mmap(NULL, maxfd * sizeof(*q), PROT_READ | PROT_WRITE, MAP_PRIVATE | MAP_ANONYMOUS, -1, 0);
    size_t qh = 0, qn = 0;
    if (conns == MAP_FAILED || q == MAP_FAILED || (ep = epoll_create1(EPOLL_CLOEXEC)) < 0)
        _exit(1);
    ev.data.fd = lfd;
    if (epoll_ctl(ep, EPOLL_CTL_ADD, lfd, &ev) < 0)
        _exit(1);

    for (;;) {
        struct timespec ts, *tsp = NULL;
        if (qn) {
            uint64_t now = pcb_now_ns(), at = q[qh].at, d = at > now ? at - now : 0;
            ts.tv_sec = (time_t)(d / 1000000000ULL);
            ts.tv_nsec = (long)(d % 1000000000ULL);
            tsp = &ts;
        }
        int n = epoll_pwait2(ep, evs, 256, tsp, NULL);
        if (n < 0 && errno != EINTR)
            _exit(1);
        for (int i = 0; i < n; i++) {
            int fd = evs[i].data.fd;
            if (fd == lfd) {
                int c;
                while ((c = accept4(lfd, NULL, NULL, SOCK_NONBLOCK | SOCK_CLOEXEC)) >= 0) {
                    if ((size_t)c >= maxfd) {
                        close(c);
                        continue;
                    }
                    conns[c].state = C_READING;
                    conns[c].got = 0;
                    ev.data.fd = c;
                    if (epoll_ctl(ep, EPOLL_CTL_ADD, c, &ev) < 0) {
                        conns[c].state = C_FREE;
                        close(c);
                    }
                }
                continue;
            }
            struct conn *c = &conns[fd];
            if (c->state == C_HOLD) { /* a "timeout" attempt: drain until the client leaves */
                unsigned char sink[64];
                ssize_t r = recv(fd, sink, sizeof(sink), 0);
                if (r == 0 || (r < 0 && errno != EAGAIN && errno != EINTR)) {
                    c->state = C_FREE;
                    close(fd);
                }
                continue;
            }
            if (c->state != C_READING)
                continue;
            ssize_t r = recv(fd, c->req + c->got, REQ_BYTES - c->got, 0);
            if (r < 0 && (errno == EAGAIN || errno == EINTR))
                continue;
            if (r <= 0) {
                c->state = C_FREE;
                close(fd);
                continue;
            }
            c->got = (unsigned char)(c->got + r);
            if (c->got < REQ_BYTES)
                continue;
            if (get64(c->req) != REQ_MAGIC) {
                c->state = C_FREE;
                reset_close(fd);
                continue;
            }
            switch (fault_of(in, get64(c->req + 8), get64(c->req + 16))) {
            case F_TIMEOUT:
                c->state = C_HOLD;
                break;
            case F_RESET:
                c->state = C_FREE;
                reset_close(fd);
                break;
            default:
                if (in->latency_ns == 0) {
                    serve_answer(in, fd, c);
                    break;
                }
                epoll_ctl(ep, EPOLL_CTL_DEL, fd, NULL);
                c->state = C_PENDING;
                q[(qh + qn) % maxfd] = (struct due){.fd = fd, .at = pcb_now_ns() + in->latency_ns};
                qn++;
                break;
            }
        }
        /* Every answer that is due. */
        uint64_t now = pcb_now_ns();
        while (qn && q[qh].at <= now) {
            serve_answer(in, q[qh].fd, &conns[q[qh].fd]);
            qh = (qh + 1) % maxfd;
            qn--;
        }
    }
}

/* ------------------------------------------------------------------------------------------ */
/* Server life cycle, in the preparing process.                                                */

static int listen_socket(int do_listen, uint16_t *port)
{
    struct sockaddr_in a = {.sin_family = AF_INET, .sin_addr.s_addr = htonl(INADDR_LOOPBACK)};
    socklen_t len = sizeof(a);
    int fd = socket(AF_INET, SOCK_STREAM | SOCK_NONBLOCK | SOCK_CLOEXEC, 0), err;

    if (fd < 0)
        return -errno;
    if (bind(fd, (struct sockaddr *)&a, sizeof(a)) < 0 || (do_listen && listen(fd, 4096) < 0) ||
        getsockname(fd, (struct sockaddr *)&a, &len) < 0) {
        err = -errno;
        close(fd);
        return err;
    }
    *port = ntohs(a.sin_port);
    return fd;
}

/* Starts the server; the caller holds sh->lock and no server runs. Returns 0 or -errno. */
static int server_start(const struct pcb_input *in)
{
    uint16_t port, refuse_port;
    int lfd, rfd, err;
    pid_t pid;
    struct rlimit rl;

    /* Many concurrent clients need many descriptors: raise the soft limit to the hard one. */
    if (getrlimit(RLIMIT_NOFILE, &rl) == 0 && rl.rlim_cur < rl.rlim_max) {
        rl.rlim_cur = rl.rlim_max;
        setrlimit(RLIMIT_NOFILE, &rl);
    }
    if ((lfd = listen_socket(1, &port)) < 0)
        return lfd;
    if ((rfd = listen_socket(0, &refuse_port)) < 0) {
        err = rfd;
        goto err;
    }
    if ((pid = pcb__fork_child()) < 0) {
        err = pid;
        goto err;
    }
    if (pid == 0)
        server_main(in, lfd, rfd);
    /* The listening socket already queues connections, so the server is usable right now. */
    close(lfd);
    close(rfd);
    atomic_store_explicit(&in->sh->server, pid, memory_order_relaxed);
    atomic_store_explicit(&in->sh->ports, (uint32_t)port | (uint32_t)refuse_port << 16,
                          memory_order_release);
    return 0;
err:
    if (rfd >= 0)
        close(rfd);
    close(lfd);
    return err;
}

/* Stops and reaps the server if one runs; the caller holds sh->lock. */
static void server_stop(const struct pcb_input *in)
{
    pid_t pid = atomic_load_explicit(&in->sh->server, memory_order_relaxed);
    struct rusage ru;
    int st;

    if (!pid)
        return;
    atomic_store_explicit(&in->sh->ports, 0, memory_order_release);
    kill(pid, SIGKILL);
    while (wait4(pid, &st, 0, &ru) < 0 && errno == EINTR)
        ;
    uint64_t cpu = (uint64_t)(ru.ru_utime.tv_sec + ru.ru_stime.tv_sec) * 1000000000ULL +
                   (uint64_t)(ru.ru_utime.tv_usec + ru.ru_stime.tv_usec) * 1000ULL;
    atomic_store_explicit(&in->sh->server_cpu_ns, cpu, memory_order_relaxed);
    atomic_store_explicit(&in->sh->server, 0, memory_order_relaxed);
}

/*
 * The ports of the running server. Tasks run outside a case (the sequential reference, which is
 * computed before case_setup(), and tests) start the server on first use in the preparing
 * process; in any other process, no server means the task fails with -ECONNREFUSED.
 */
static int server_ports(const struct pcb_input *in, uint16_t *port, uint16_t *refuse_port)
{
    uint32_t p = atomic_load_explicit(&in->sh->ports, memory_order_acquire);
    int err = 0;

    if (!p) {
        if (getpid() != in->owner)
            return -ECONNREFUSED;
        pthread_mutex_lock(&in->sh->lock);
        if (!atomic_load_explicit(&in->sh->ports, memory_order_acquire))
            err = server_start(in);
        pthread_mutex_unlock(&in->sh->lock);
        if (err)
            return err;
        p = atomic_load_explicit(&in->sh->ports, memory_order_acquire);
    }
    *port = (uint16_t)(p & 0xffff);
    *refuse_port = (uint16_t)(p >> 16);
    return 0;
}

static void reset_counters(struct shared *sh)
{
    atomic_store_explicit(&sh->attempts, 0, memory_order_relaxed);
    atomic_store_explicit(&sh->retries, 0, memory_order_relaxed);
    atomic_store_explicit(&sh->refused, 0, memory_order_relaxed);
    atomic_store_explicit(&sh->timeouts, 0, memory_order_relaxed);
    atomic_store_explicit(&sh->resets, 0, memory_order_relaxed);
    atomic_store_explicit(&sh->failed, 0, memory_order_relaxed);
}

static int case_setup(struct pcb_input *in)
{
    int err = 0;

    pthread_mutex_lock(&in->sh->lock);
    if (!atomic_load_explicit(&in->sh->server, memory_order_relaxed))
        err = server_start(in);
    reset_counters(in->sh);
    pthread_mutex_unlock(&in->sh->lock);
    return err;
}

static void case_teardown(struct pcb_input *in)
{
    pthread_mutex_lock(&in->sh->lock);
    server_stop(in);
    pthread_mutex_unlock(&in->sh->lock);
}

/* ------------------------------------------------------------------------------------------ */
/* Workload entry points.                                                                      */

static int prepare(const uint64_t *values, uint64_t seed, struct pcb_input **out)
{
    struct pcb_input *in;
    pthread_mutexattr_t ma;

    if (values[1] + values[2] + values[3] > 100)
        return PCB_EPARAM;
    if (!(in = calloc(1, sizeof(*in))))
        return -ENOMEM;
    in->sh = mmap(NULL, sizeof(*in->sh), PROT_READ | PROT_WRITE, MAP_SHARED | MAP_ANONYMOUS, -1, 0);
    if (in->sh == MAP_FAILED)
        goto err;
    pthread_mutexattr_init(&ma);
    pthread_mutexattr_setpshared(&ma, PTHREAD_PROCESS_SHARED);
    pthread_mutex_init(&in->sh->lock, &ma);
    pthread_mutexattr_destroy(&ma);
    in->seed = seed;
    in->latency_ns = values[0] * 1000;
    in->pct[F_REFUSED] = (unsigned)values[1];
    in->pct[F_TIMEOUT] = (unsigned)values[2];
    in->pct[F_RESET] = (unsigned)values[3];
    in->timeout_ns = TIMEOUT_BASE_NS + 4 * in->latency_ns;
    in->owner = getpid();
    *out = in;
    return 0;
err:
    free(in);
    return -ENOMEM;
}

static void release(struct pcb_input *in)
{
    if (!in)
        return;
    if (getpid() == in->owner)
        case_teardown(in);
    pthread_mutex_destroy(&in->sh->lock);
    munmap(in->sh, sizeof(*in->sh));
    free(in);
}

/* Connects to the server (or, for a refused attempt, to the refusing port) and sends the
 * request. Returns the socket, or -errno (-ECONNREFUSED for a refused attempt). */
static int dial(const struct pcb_input *in, uint64_t task, uint64_t attempt, enum fault f)
{
    uint16_t port, refuse_port;
    unsigned char req[REQ_BYTES];
    int fd, err = server_ports(in, &port, &refuse_port);

    if (err)
        return err;
    struct sockaddr_in a = {.sin_family = AF_INET,
                            .sin_port = htons(f == F_REFUSED ? refuse_port : port),
                            .sin_addr.s_addr = htonl(INADDR_LOOPBACK)};
    if ((fd = socket(AF_INET, SOCK_STREAM | SOCK_CLOEXEC, 0)) < 0)
        return -errno;
    if (connect(fd, (struct sockaddr *)&a, sizeof(a)) < 0) {
        err = -errno;
        close(fd);
        return err;
    }
    put64(req, REQ_MAGIC);
    put64(req + 8, task);
    put64(req + 16, attempt);
    if (send(fd, req, sizeof(req), MSG_NOSIGNAL) != (ssize_t)sizeof(req)) {
        err = -errno;
        reset_close(fd);
        return err ? err : -EIO;
    }
    return fd;
}

/* Reads the rest of the answer into resp[*got..RESP_BYTES) until `deadline`. Returns 0,
 * -ETIMEDOUT, -ECONNRESET (also for an early end of stream) or another -errno. */
static int await_answer(int fd, uint64_t deadline, unsigned char *resp, size_t *got)
{
    while (*got < RESP_BYTES) {
        ssize_t n = recv(fd, resp + *got, RESP_BYTES - *got, MSG_DONTWAIT);
        if (n > 0) {
            *got += (size_t)n;
            continue;
        }
        if (n == 0)
            return -ECONNRESET;
        if (errno != EAGAIN && errno != EINTR)
            return -errno;
        uint64_t now = pcb_now_ns();
        if (now >= deadline)
            return -ETIMEDOUT;
        struct timespec ts = {.tv_sec = (time_t)((deadline - now) / 1000000000ULL),
                              .tv_nsec = (long)((deadline - now) % 1000000000ULL)};
        struct pollfd p = {.fd = fd, .events = POLLIN};
        if (ppoll(&p, 1, &ts, NULL) < 0 && errno != EINTR)
            return -errno;
    }
    return 0;
}

/* Counts a failed attempt by its error. */
static void count_failure(const struct pcb_input *in, int err)
{
    if (err == -ECONNREFUSED)
        COUNT(in, refused);
    else if (err == -ETIMEDOUT)
        COUNT(in, timeouts);
    else
        COUNT(in, resets);
}

/* Checks an answer and makes the digest. */
static int digest_of(const struct pcb_input *in, uint64_t task, const unsigned char *resp,
                     uint64_t *digest)
{
    (void)in;
    if (get64(resp) != task)
        return PCB_EPROTO;
    *digest = pcb_mix64(get64(resp + 8) ^ pcb_mix64(task));
    return 0;
}

/* Attempts first..RETRIES in the blocking form. Returns 0 and the digest, or the last error. */
static int attempts_blocking(const struct pcb_input *in, uint64_t task, uint64_t first, int err,
                             uint64_t *digest)
{
    for (uint64_t a = first; a <= PCB_WL_NET_RETRIES; a++) {
        unsigned char resp[RESP_BYTES];
        size_t got = 0;
        COUNT(in, attempts);
        if (a)
            COUNT(in, retries);
        int fd = dial(in, task, a, fault_of(in, task, a));
        if (fd < 0) {
            count_failure(in, err = fd);
            continue;
        }
        err = await_answer(fd, pcb_now_ns() + in->timeout_ns, resp, &got);
        reset_close(fd);
        if (err) {
            count_failure(in, err);
            continue;
        }
        return digest_of(in, task, resp, digest);
    }
    COUNT(in, failed);
    return err;
}

static int run(const struct pcb_input *in, uint64_t task, uint64_t *digest)
{
    return attempts_blocking(in, task, 0, 0, digest);
}

static void close_async(const struct pcb_wait *w)
{
    int sock = (int)(w->scratch[0] & FD_MASK), ep = (int)((w->scratch[0] >> FD_BITS) & FD_MASK),
        tfd = (int)((w->scratch[0] >> (2 * FD_BITS)) & FD_MASK);

    close(ep);
    close(tfd);
    reset_close(sock);
}

static int start(const struct pcb_input *in, uint64_t task, struct pcb_wait *w)
{
    uint64_t a = 0;
    int sock, ep = -1, tfd = -1, err;

    /* Refused attempts are known inside connect(): retry them here. */
    for (;; a++) {
        COUNT(in, attempts);
        if (a)
            COUNT(in, retries);
        sock = dial(in, task, a, fault_of(in, task, a));
        if (sock >= 0)
            break;
        count_failure(in, sock);
        if (a == PCB_WL_NET_RETRIES) {
            COUNT(in, failed);
            return sock;
        }
    }
    uint64_t deadline = pcb_now_ns() + in->timeout_ns;
    struct itimerspec its = {.it_value = {.tv_sec = (time_t)(deadline / 1000000000ULL),
                                          .tv_nsec = (long)(deadline % 1000000000ULL)}};
    struct epoll_event ev = {.events = EPOLLIN};
    if ((tfd = timerfd_create(CLOCK_MONOTONIC, TFD_NONBLOCK | TFD_CLOEXEC)) < 0 ||
        timerfd_settime(tfd, TFD_TIMER_ABSTIME, &its, NULL) < 0 ||
        (ep = epoll_create1(EPOLL_CLOEXEC)) < 0 || epoll_ctl(ep, EPOLL_CTL_ADD, sock, &ev) < 0 ||
        epoll_ctl(ep, EPOLL_CTL_ADD, tfd, &ev) < 0)
        goto err;
    err = -EMFILE;
    if ((uint64_t)sock > FD_MASK || (uint64_t)ep > FD_MASK || (uint64_t)tfd > FD_MASK)
        goto err_code;
    w->fd = ep;
    w->deadline_ns = 0;
    w->scratch[0] = (uint64_t)sock | (uint64_t)ep << FD_BITS | (uint64_t)tfd << (2 * FD_BITS);
    w->scratch[1] = a;
    w->scratch[2] = deadline;
    w->scratch[3] = ASYNC_TAG ^ task;
    return 0;
err:
    err = -errno;
err_code:
    if (ep >= 0)
        close(ep);
    if (tfd >= 0)
        close(tfd);
    reset_close(sock);
    COUNT(in, failed);
    return err;
}

static int finish(const struct pcb_input *in, uint64_t task, struct pcb_wait *w, uint64_t *digest)
{
    int sock = (int)(w->scratch[0] & FD_MASK), err;
    unsigned char resp[RESP_BYTES];
    size_t got = 0;

    if (w->scratch[3] != (ASYNC_TAG ^ task))
        return PCB_EPROTO;
    w->scratch[3] = 0; /* the descriptors are closed below, whatever happens */
    ssize_t n = recv(sock, resp, RESP_BYTES, MSG_DONTWAIT);
    if (n > 0)
        got = (size_t)n;
    if (n < 0 && errno == EAGAIN && pcb_now_ns() < w->scratch[2]) {
        close_async(w); /* neither the answer nor the timeout: the wait is not over */
        return PCB_EEARLY;
    }
    if (n < 0 && errno != EAGAIN)
        err = -errno;
    else if (n == 0)
        err = -ECONNRESET;
    else /* part or all of the answer; a part can only be completed by waiting */
        err = await_answer(sock, w->scratch[2], resp, &got);
    close_async(w);
    if (!err)
        return digest_of(in, task, resp, digest);
    count_failure(in, err);
    if (w->scratch[1] == PCB_WL_NET_RETRIES) {
        COUNT(in, failed);
        return err;
    }
    return attempts_blocking(in, task, w->scratch[1] + 1, err, digest);
}

void pcb_wl_net_stats(const struct pcb_input *in, struct pcb_wl_net_stats *out)
{
    out->attempts = atomic_load_explicit(&in->sh->attempts, memory_order_relaxed);
    out->retries = atomic_load_explicit(&in->sh->retries, memory_order_relaxed);
    out->refused = atomic_load_explicit(&in->sh->refused, memory_order_relaxed);
    out->timeouts = atomic_load_explicit(&in->sh->timeouts, memory_order_relaxed);
    out->resets = atomic_load_explicit(&in->sh->resets, memory_order_relaxed);
    out->failed = atomic_load_explicit(&in->sh->failed, memory_order_relaxed);
    out->server_cpu_ns = atomic_load_explicit(&in->sh->server_cpu_ns, memory_order_relaxed);
}

pid_t pcb_wl_net_server_pid(const struct pcb_input *in)
{
    return atomic_load_explicit(&in->sh->server, memory_order_relaxed);
}

uint64_t pcb_wl_net_timeout_ns(const struct pcb_input *in)
{
    return in->timeout_ns;
}

const struct pcb_workload pcb_wl_io_net = {
    .name = "IO.net",
    .summary = "request/response to a loopback TCP server: latency, faults, timeouts, retries",
    .kind = PCB_WL_WAIT,
    .params = params,
    .nparams = sizeof(params) / sizeof(params[0]),
    .prepare = prepare,
    .release = release,
    .run = run,
    .start = start,
    .finish = finish,
    .case_setup = case_setup,
    .case_teardown = case_teardown,
#ifdef PCB_WL_HAVE_STATS
    .stats = pcb_wl_net_case_stats,
#endif
};

size_t pcb_wl_net_case_stats(const struct pcb_input *in, uint64_t tasks_run,
                             struct pcb_wl_stat *out, size_t cap)
{
    struct pcb_wl_net_stats s;
    double n = tasks_run ? (double)tasks_run : 1;
    size_t k = 0;

    pcb_wl_net_stats(in, &s);
#define PUT(nm, v)                                                                                 \
    do {                                                                                           \
        if (k < cap)                                                                               \
            out[k++] = (struct pcb_wl_stat){.name = (nm), .value = (v)};                           \
    } while (0)
    PUT("net_attempts_per_task", (double)s.attempts / n);
    PUT("net_refused_per_task", (double)s.refused / n);
    PUT("net_timeouts_per_task", (double)s.timeouts / n);
    PUT("net_resets_per_task", (double)s.resets / n);
    PUT("net_failed_per_task", (double)s.failed / n);
    PUT("server_cpu_us_per_task", (double)s.server_cpu_ns / n / 1000.0);
#undef PUT
    return k;
}
