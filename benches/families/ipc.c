/*
 * ipc.c - the IPC/ family's message cases: every mechanism of ipc_chan.c, between two threads
 * and between two processes, as a ping-pong (round-trip latency) and as a stream (bandwidth),
 * at message sizes from 8 B to 1 MiB. The shared-counter and shared-list cases are in
 * ipc_shared.c and registered from here.
 *
 *   IPC/<mechanism>/<threads|processes>/pingpong/msg:<bytes>   one round trip per iteration;
 *       counters p50_ns and p99_ns come from a timestamp pair per round trip, kept in an array
 *       allocated before the loop (the most recent 2^17 round trips when there are more)
 *   IPC/<mechanism>/<threads|processes>/stream/msg:<bytes>     a burst of messages one way and
 *       one 8-byte acknowledgement back per iteration; bytes/s and items/s (messages)
 *
 * Every message is checked on both sides: word 0 is its sequence number and the sum of its
 * 64-bit words must equal the known pattern's sum plus that number, so a lost, repeated,
 * reordered or corrupted message fails the case ("SkipWithError"), as does a peer that dies or
 * stops answering (PCB__CHAN_DEADLINE_NS). Every case's label names the Floor/ case it is read
 * against. Combinations a mechanism cannot carry are not registered: eventfd carries one 8-byte
 * counter and no stream (writes add up), datagrams and message queues stop at this machine's
 * limits (probed at start-up); the busy-poll ring needs two CPUs.
 */
#define _GNU_SOURCE
#include <errno.h>
#include <sched.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <signal.h>
#include <unistd.h>

#include "../../workloads/workload.h"
#include "family.h"
#include "../harness/gbench.h"
#include "ipc_chan.h"
#include "ipc_peer.h"
#include "ipc_shared.h"
#include "../../runners/support.h"

#define STOP 0xFFFFFFFFFFFFFF00ULL /* word 0 of the message that ends the peer's loop */
#define LAT_CAP (1u << 17)         /* round-trip samples kept for the percentiles */
#define STREAM_BYTES (4u << 20)    /* a stream iteration sends about this much */
#define MAX_MSG_CASES 160

/* One registered message case. */
struct msg_case {
    const struct pcb__mech *mech; /* the mechanism */
    int proc;                     /* 1: the peer is a forked process; 0: a thread */
    int stream;                   /* 1: stream; 0: ping-pong */
    size_t len;                   /* message bytes */
    char floor[64];               /* the Floor/ case this one is read against */
};

static struct msg_case msg_cases[MAX_MSG_CASES];
static size_t nmsg_cases;

/* What the peer reports back, in shared memory. */
struct peer_result {
    _Alignas(64) uint64_t good; /* messages that passed the check */
    uint64_t bad;               /* messages that failed it */
    uint64_t served;            /* messages received before STOP */
    int err;                    /* the peer's own error code, 0 if none */
};

/* Everything the peer needs, set up before it starts. */
struct peer_ctx {
    struct pcb__chan *c;       /* the channel */
    const struct msg_case *mc; /* the case */
    uint64_t base;             /* sum of a message's words 1.. (the pattern) */
    uint64_t burst;            /* stream: messages per acknowledgement */
    uint64_t *ack;             /* stream: the 8-byte acknowledgement buffer */
    struct peer_result *res;   /* shared result */
};

static uint64_t splitmix(uint64_t x)
{
    x += 0x9E3779B97F4A7C15ULL;
    x = (x ^ (x >> 30)) * 0xBF58476D1CE4E5B9ULL;
    x = (x ^ (x >> 27)) * 0x94D049BB133111EBULL;
    return x ^ (x >> 31);
}

/* Sum of the 64-bit words of a message; four lanes so it runs at memory speed. */
/*
 * Receives one whole message of len bytes at `side`, piece by piece: *w0 gets its first word
 * and *sum the sum of all its words. With `echo`, every piece goes straight back (the peer's
 * half of a ping-pong; STOP is not echoed).
 */
static int recv_msg(struct pcb__chan *c, int side, size_t len, bool echo, uint64_t *w0,
                    uint64_t *sum)
{
    const struct pcb__mech *m = c->mech;
    size_t got = 0;

    *sum = 0;
    while (got < len) {
        const void *p;
        size_t n;
        int e = m->recv(c, side, &p, &n);
        if (e)
            return e;
        if (got == 0)
            memcpy(w0, p, sizeof(*w0));
        *sum += pcb__ipc_msg_sum(p, n);
        if (echo && *w0 != STOP)
            e = m->send(c, side, p, n);
        if (m->release)
            m->release(c, side);
        if (e)
            return e;
        got += n;
    }
    return 0;
}

/* Fills words 1.. with the pattern; returns their sum. */
static uint64_t msg_fill(void *m, size_t len)
{
    uint64_t *w = m, sum = 0;

    w[0] = 0;
    for (size_t i = 1; i < len / 8; i++)
        sum += w[i] = splitmix(i);
    return sum;
}

/*
 * The main side's half of one round trip: sends the message in `buf` and receives its echo,
 * *w0 and *sum describing the echo. A mechanism that moves a message in pieces smaller than the
 * message (the ring) keeps at most two pieces in flight, so neither ring ever fills while the
 * other side waits on it; the others send the whole message, then receive it.
 */
static int exchange(struct pcb__chan *c, const void *buf, size_t len, uint64_t *w0, uint64_t *sum)
{
    const struct pcb__mech *m = c->mech;
    size_t piece = pcb__chan_piece(c, 0), sent = 0, got = 0;
    const char *b = buf;

    if (piece >= len) {
        int e = m->send(c, 0, buf, len);
        return e ? e : recv_msg(c, 0, len, false, w0, sum);
    }
    *sum = 0;
    while (got < len) {
        while (sent < len && sent - got < 2 * piece) {
            int e = m->send(c, 0, b + sent, piece);
            if (e)
                return e;
            sent += piece;
        }
        const void *p;
        size_t n;
        int e = m->recv(c, 0, &p, &n);
        if (e)
            return e;
        if (got == 0)
            memcpy(w0, p, sizeof(*w0));
        *sum += pcb__ipc_msg_sum(p, n);
        if (m->release)
            m->release(c, 0);
        got += n;
    }
    return 0;
}

static int peer_main(void *arg)
{
    struct peer_ctx *p = arg;
    struct pcb__chan *c = p->c;
    const struct pcb__mech *m = c->mech;
    size_t len = p->mc->len;
    uint64_t expect = 0, w0 = 0, sum = 0;
    bool dropped = false;
    const struct pcb__ipc_fault fault = pcb__ipc_fault; /* test-only; NONE in pcbench */
    int e = 0;

    if (p->mc->proc)
        pcb__chan_keep_side(c, 1);
    for (;;) {
        bool drop = fault.kind == PCB__FAULT_DROP && expect == fault.at && !dropped;
        if (fault.kind == PCB__FAULT_KILL && expect == fault.at && p->mc->proc)
            kill(getpid(), SIGKILL);
        /* A ping-pong echoes every piece as it arrives (a dropped message is not echoed). */
        if ((e = recv_msg(c, 1, len, !p->mc->stream && !drop, &w0, &sum)) != 0)
            break;
        /* The main side gave up (a poisoned eventfd, say): stop, whatever was received. */
        if (atomic_load_explicit(&c->ctl->abort, memory_order_acquire)) {
            e = -ECANCELED;
            break;
        }
        if (w0 == STOP)
            break;
        if (drop) {
            dropped = true; /* once per run: the message after it arrives out of sequence */
            continue;
        }
        if (w0 == expect && sum == p->base + expect)
            p->res->good++;
        else
            p->res->bad++;
        expect++;
        /* Acknowledge the last message of every burst by its number, not by a count of what
         * arrived, so a lost message gives a short acknowledgement instead of none at all. */
        if (p->mc->stream && (w0 + 1) % p->burst == 0) {
            *p->ack = p->res->good;
            if ((e = m->send(c, 1, p->ack, sizeof(*p->ack))) != 0)
                break;
        }
    }
    p->res->served = expect;
    p->res->err = e;
    return e ? 1 : 0;
}

static int cmp_u32(const void *a, const void *b)
{
    uint32_t x = *(const uint32_t *)a, y = *(const uint32_t *)b;
    return (x > y) - (x < y);
}

/* Everything one run of a message case holds; released by run_close(). */
struct msg_run {
    struct pcb__chan c;      /* the channel */
    struct peer_ctx pc;      /* the peer's context */
    struct peer_result *res; /* shared with the peer */
    struct pcb__peer peer;   /* the peer */
    uint64_t *buf;           /* main side's outgoing message */
    uint64_t *ack;           /* acknowledgement buffer */
    uint32_t *lat;           /* round-trip times, ns */
    cpu_set_t saved_cpus;    /* main side's affinity before pinning */
    bool pinned;             /* main side was pinned */
    struct pcb__sigsave sig; /* signal dispositions before the case */
    bool sig_set;            /* sig holds something to restore */
};

static void run_close(struct msg_run *r)
{
    if (r->pinned)
        sched_setaffinity(0, sizeof(r->saved_cpus), &r->saved_cpus);
    if (r->sig_set)
        pcb__ipc_signals_end(&r->sig);
    pcb__chan_close(&r->c);
    pcb__ipc_shared_free(r->res, sizeof(*r->res));
    free(r->buf);
    free(r->ack);
    free(r->lat);
}

/* Sets up the channel and starts the peer. Returns 0 or a negative code (then *what says
 * which step failed). */
static int run_open(struct msg_run *r, const struct msg_case *mc, const char **what)
{
    size_t len = mc->len;
    int cpu_main = -1, cpu_peer = -1;

    memset(r, 0, sizeof(*r));
    *what = "allocation";
    r->res = pcb__ipc_shared_alloc(sizeof(*r->res));
    r->buf = aligned_alloc(64, (len + 63) / 64 * 64);
    r->ack = aligned_alloc(64, 64);
    r->lat = malloc(LAT_CAP * sizeof(*r->lat));
    if (!r->res || !r->buf || !r->ack || !r->lat)
        return -ENOMEM;
    memset(r->lat, 0, LAT_CAP * sizeof(*r->lat));
    *what = "opening the channel";
    int e = pcb__chan_open(&r->c, mc->mech, len, mc->stream ? 8 : len);
    if (e)
        return e;
    r->pc = (struct peer_ctx){.c = &r->c,
                              .mc = mc,
                              .base = msg_fill(r->buf, len),
                              .burst = 1,
                              .ack = r->ack,
                              .res = r->res};
    if (mc->stream) {
        r->pc.burst = STREAM_BYTES / len;
        if (r->pc.burst < 8)
            r->pc.burst = 8;
        if (r->pc.burst > 1024)
            r->pc.burst = 1024;
    }
    if (mc->mech->spin) {
        *what = "pinning";
        cpu_main = pcb__cpu_nth(0);
        cpu_peer = pcb__cpu_nth(1);
        if (cpu_peer < 0 || sched_getaffinity(0, sizeof(r->saved_cpus), &r->saved_cpus) != 0)
            return PCB_EUNSUPPORTED;
        if ((e = pcb__pin_cpu(cpu_main)) != 0)
            return e;
        r->pinned = true;
    }
    pcb__ipc_signals_begin(&r->sig, mc->proc && mc->mech->poisoned ? r->c.fd[1][0] : -1);
    r->sig_set = true;
    r->c.main_pid = mc->proc ? getpid() : 0;
    r->c.peer = &r->peer;
    *what = "starting the peer";
    if ((e = pcb__ipc_peer_start(&r->peer, mc->proc, cpu_peer, peer_main, &r->pc)) != 0)
        return e;
    if (mc->proc)
        pcb__chan_keep_side(&r->c, 0);
    return 0;
}

static void ipc_msg_case(pcb_gb_state *st, void *arg)
{
    const struct msg_case *mc = arg;
    const struct pcb__mech *m = mc->mech;
    struct msg_run r;
    const char *what;
    char msg[256];
    size_t len = mc->len;
    uint64_t seq = 0, base, acks = 0, w0 = 0, sum = 0;
    int err, perr;

    pcb_gb_set_label(st, mc->floor);
    if ((err = run_open(&r, mc, &what)) != 0) {
        snprintf(msg, sizeof(msg), "%s: %s", what, pcb_strerror(err));
        if (r.peer.running) {
            pcb__ipc_peer_kill(&r.peer);
            pcb__ipc_peer_join(&r.peer);
        }
        run_close(&r);
        pcb_gb_skip_with_error(st, msg);
        return;
    }
    base = r.pc.base;
    const bool corrupt = pcb__ipc_fault.kind == PCB__FAULT_CORRUPT;
    const uint64_t at = pcb__ipc_fault.at;
    const uint64_t burst = r.pc.burst;
    unsigned char *flip = (unsigned char *)r.buf + len / 2;
    const char *bad = NULL;

    /* The measured loop: no allocation, no logging; an error ends it and is reported after. */
    err = 0;
    for (uint64_t n; (n = pcb_gb_batch(st)) != 0;) {
        for (uint64_t i = 0; i < n && !err; i++) {
            if (!mc->stream) {
                uint64_t t0 = pcb_now_ns();
                r.buf[0] = seq;
                if (corrupt && seq == at)
                    *flip ^= 0x40;
                err = exchange(&r.c, r.buf, len, &w0, &sum);
                if (corrupt && seq == at)
                    *flip ^= 0x40;
                if (!err && (w0 != seq || sum != base + seq)) {
                    err = PCB_EPROTO;
                    bad = "an echoed message failed its check (sequence or checksum)";
                }
                r.lat[seq & (LAT_CAP - 1)] = (uint32_t)(pcb_now_ns() - t0);
                seq++;
                continue;
            }
            for (uint64_t k = 0; k < burst && !err; k++, seq++) {
                r.buf[0] = seq;
                if (corrupt && seq == at)
                    *flip ^= 0x40;
                err = m->send(&r.c, 0, r.buf, len);
                if (corrupt && seq == at)
                    *flip ^= 0x40;
            }
            if (!err && !(err = recv_msg(&r.c, 0, sizeof(acks), false, &acks, &sum)) &&
                acks != seq) {
                err = PCB_EPROTO;
                bad = "the receiver acknowledged fewer good messages than were sent";
            }
        }
    }

    if (!err) {
        r.buf[0] = STOP;
        err = m->send(&r.c, 0, r.buf, len);
    }
    if (err) {
        pcb__chan_abort(&r.c);
        pcb__ipc_peer_kill(&r.peer);
    }
    perr = pcb__ipc_peer_join(&r.peer);
    if (err) {
        if (!bad)
            bad = err == -ETIMEDOUT    ? "no answer within the deadline (a message was lost?)"
                  : err == PCB_EWORKER ? "the peer is gone"
                                       : "the channel failed";
        snprintf(msg, sizeof(msg), "%s, after %llu messages (%s)", bad, (unsigned long long)seq,
                 pcb_strerror(err));
    } else if (perr || r.res->err) {
        snprintf(msg, sizeof(msg), "peer failed: %s", pcb_strerror(r.res->err ? r.res->err : perr));
        err = PCB_EWORKER;
    } else if (r.res->bad || r.res->good != seq || r.res->served != seq) {
        snprintf(msg, sizeof(msg),
                 "peer received %llu messages, %llu good, %llu bad; %llu were sent",
                 (unsigned long long)r.res->served, (unsigned long long)r.res->good,
                 (unsigned long long)r.res->bad, (unsigned long long)seq);
        err = PCB_EMISMATCH;
    }
    if (err) {
        run_close(&r);
        pcb_gb_skip_with_error(st, msg);
        return;
    }
    if (!mc->stream) {
        size_t k = seq < LAT_CAP ? (size_t)seq : LAT_CAP;
        qsort(r.lat, k, sizeof(*r.lat), cmp_u32);
        if (k) {
            pcb_gb_counter(st, "p50_ns", r.lat[k / 2], PCB_GB_COUNTER_DEFAULT);
            pcb_gb_counter(st, "p99_ns", r.lat[k * 99 / 100], PCB_GB_COUNTER_DEFAULT);
        }
        pcb_gb_set_items_processed(st, (int64_t)seq);
        pcb_gb_set_bytes_processed(st, (int64_t)(2 * seq * len));
    } else {
        pcb_gb_set_items_processed(st, (int64_t)seq);
        pcb_gb_set_bytes_processed(st, (int64_t)(seq * len));
    }
    run_close(&r);
}

/* Which Floor/ case a message case is read against (see BENCHMARKS.md). */
static void floor_of(struct msg_case *mc)
{
    const char *who = mc->proc ? "processes" : "threads";

    if (mc->stream)
        snprintf(mc->floor, sizeof(mc->floor), "Floor/memcpy/msg:%zu", mc->len);
    else if (mc->mech->spin)
        snprintf(mc->floor, sizeof(mc->floor), "Floor/spin_pingpong_pinned/%s", who);
    else
        snprintf(mc->floor, sizeof(mc->floor), "Floor/futex_pingpong/%s", who);
}

static int ipc_register(const struct pcb_options *o)
{
    size_t nm, nsizes, count = 0;
    const struct pcb__mech *const *mechs = pcb__mechs(&nm);
    const size_t *sizes = pcb__ipc_sizes(o, &nsizes);
    char name[160];

    nmsg_cases = 0;
    for (size_t i = 0; i < nm; i++) {
        const struct pcb__mech *m = mechs[i];
        size_t max = m->max_len();
        if (m->spin && pcb_cpus_allowed() < 2)
            continue; /* busy-polling on one CPU only measures the scheduler */
        for (int proc = 0; proc < 2; proc++)
            for (int stream = 0; stream < 2; stream++)
                for (size_t s = 0; s < nsizes; s++) {
                    if ((max && sizes[s] > max) || (stream && !m->stream_ok))
                        continue;
                    if (nmsg_cases == MAX_MSG_CASES)
                        return -ENOMEM;
                    struct msg_case *mc = &msg_cases[nmsg_cases++];
                    *mc = (struct msg_case){
                        .mech = m, .proc = proc, .stream = stream, .len = sizes[s]};
                    floor_of(mc);
                    snprintf(name, sizeof(name), "IPC/%s/%s/%s/msg:%zu", m->name,
                             proc ? "processes" : "threads", stream ? "stream" : "pingpong",
                             sizes[s]);
                    pcb_gb_case *c = pcb_gb_register(name, ipc_msg_case, mc);
                    pcb_gb_use_real_time(c);
                    pcb_gb_unit(c, m->spin && !stream ? PCB_GB_NS : PCB_GB_US);
                    pcb__ipc_case_settings(c, o);
                    count++;
                }
    }
    int k = pcb__ipc_shared_register(o);
    return k < 0 ? k : (int)count + k;
}

static void ipc_help(FILE *f)
{
    size_t nm, col;
    const struct pcb__mech *const *mechs = pcb__mechs(&nm);

    fprintf(f, "IPC/<mechanism>/<threads|processes>/<pingpong|stream>/msg:<bytes>\n"
               "  mechanisms:");
    col = 13;
    for (size_t i = 0; i < nm; i++) {
        size_t w = strlen(mechs[i]->name) + 1;
        if (col + w > 80) {
            fprintf(f, "\n             ");
            col = 13;
        }
        fprintf(f, " %s", mechs[i]->name);
        col += w;
    }
    fprintf(f, "\n  sizes 8 4096 65536 1048576 (quick: 8 65536); not registered here:\n");
    for (size_t i = 0; i < nm; i++) {
        size_t max = mechs[i]->max_len();
        if (!mechs[i]->stream_ok || (max && max < (1u << 20)))
            fprintf(f, "    %s:%s", mechs[i]->name,
                    mechs[i]->stream_ok ? "" : " no stream (writes add up),");
        if (max && max < (1u << 20))
            fprintf(f, " nothing above %zu B", max);
        if (!mechs[i]->stream_ok || (max && max < (1u << 20)))
            fprintf(f, "\n");
    }
    fprintf(f, "    shm_ring_spin_pinned (both sides pinned, busy-polling) with one CPU\n"
               "IPC/shm_<mutex|atomic|per_worker>/<threads|processes>/<counter|list_append>/"
               "workers:K\n"
               "Each case's label names its Floor/ case.\n");
}

const struct pcb_family pcb_family_ipc = {
    .name = "IPC", .register_cases = ipc_register, .help = ipc_help};
