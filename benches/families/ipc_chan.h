/*
 * ipc_chan.h - a two-way message channel between the main side (side 0) and its peer (side 1),
 * over one of the IPC mechanisms pcbench measures.
 *
 * Direction d carries messages from side d to side 1 - d; every message on a direction has the
 * same length, fixed at open. A channel is opened by the main side before the peer starts
 * (threads share it, forked processes inherit it); POSIX objects are unlinked inside open(), so
 * nothing of a channel is left in /dev/shm or /dev/mqueue even if pcbench is killed; sockets are
 * socket pairs or loopback TCP, never files.
 *
 * Waits never hang on a lost peer: a dead peer shows up as end of file, EPIPE, a poisoned eventfd
 * (pcb__chan_peer_died) or, for waits with a time slice (sockets, mq, shared-memory ring), a
 * check of the peer between slices; after PCB__CHAN_DEADLINE_NS without an answer a wait gives
 * up with -ETIMEDOUT. pcb__chan_abort() makes every wait of the other side return.
 *
 * The ring comes in two waits: shm_ring parks on a futex at once; shm_ring_spin_pinned only
 * polls, with the two sides pinned to two CPUs. (Polling for a while before parking, unpinned,
 * was tried and dropped: on a loaded 2-CPU machine the scheduler often puts both sides on one
 * CPU, and the poller then delays the very peer it waits for - about 47 us a round trip.)
 */
#ifndef PCB_IPC_CHAN_H
#define PCB_IPC_CHAN_H

#include <signal.h>
#include <stdatomic.h>
#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include <sys/types.h>

#include "ipc_peer.h"

#define PCB__CHAN_SLICE_NS 200000000L     /* a wait checks on its peer this often */
#define PCB__CHAN_DEADLINE_NS 3000000000L /* and gives up after this long without an answer */

struct pcb__chan;
struct pcb__ring;

/* One mechanism: a static table of functions, as every interface of pcbench. */
struct pcb__mech {
    const char *name; /* the <mechanism> part of the case name */
    bool spin;        /* busy-polls (both sides pinned to different CPUs) */
    bool stream_ok;   /* carries a stream of distinct messages (eventfd does not: writes add up) */
    bool poisoned;    /* has no end of file: a dying child process poisons it (SIGCHLD) */
    /* Largest message this machine lets it carry (probed once), 0 for no limit. */
    size_t (*max_len)(void);
    /* Creates both ends. Returns 0 or a negative code, having released what it made. */
    int (*open)(struct pcb__chan *c);
    /* Sends n bytes from `side`: a whole message of c->len[side] bytes, or (to echo what
     * recv() handed out) one piece of it. */
    int (*send)(struct pcb__chan *c, int side, const void *buf, size_t n);
    /* Receives the next piece of the incoming message at `side`: *msg points at *n bytes (a
     * multiple of 8) until release(). Copying mechanisms hand out whole messages; the ring hands
     * out its chunks in place, so a large message streams through a cache-sized ring. */
    int (*recv)(struct pcb__chan *c, int side, const void **msg, size_t *n);
    /* Gives back the piece recv() handed out (NULL when nothing to give back). */
    void (*release)(struct pcb__chan *c, int side);
    /* Makes the other side's waits return (main side giving up). NULL: closing fds does it. */
    void (*abort)(struct pcb__chan *c, int side);
    /* Releases what open() made beyond descriptors (mappings). NULL when nothing. */
    void (*destroy)(struct pcb__chan *c);
};

/* State both sides see through shared memory. */
struct pcb__chan_ctl {
    _Alignas(64) _Atomic int abort; /* 1: the main side gave up; the peer must return */
};

struct pcb__chan {
    const struct pcb__mech *mech; /* the mechanism */
    size_t len[2];                /* message bytes per direction (0: main -> peer, 1: back) */
    int fd[2][2];                 /* per direction: [0] read end, [1] write end; -1 if none */
    void *rbuf[2];                /* per receiving side: where a copying recv() puts a message */
    struct pcb__ring *ring[2];    /* shared-memory ring per direction */
    void *map;                    /* the rings' mapping */
    size_t maplen;                /* its length */
    struct pcb__chan_ctl *ctl;    /* shared control block */
    struct pcb__peer *peer;       /* the peer, for liveness checks on side 0 */
    pid_t main_pid;               /* the main side's pid, for liveness checks on side 1 */
};

/* Registry of mechanisms, in display order. */
const struct pcb__mech *const *pcb__mechs(size_t *n);

/* Opens a channel over `m` with lengths len0 (main -> peer) and len1 (peer -> main).
 * Returns 0 or a negative code. */
int pcb__chan_open(struct pcb__chan *c, const struct pcb__mech *m, size_t len0, size_t len1);
/* Bytes per piece on direction `dir`: the message length, or the ring's chunk. */
size_t pcb__chan_piece(const struct pcb__chan *c, int dir);
/* In a peer process: closes what only `side`'s partner uses (so end of file can be seen). */
void pcb__chan_keep_side(struct pcb__chan *c, int side);
/* Main side gives up: flags the peer and unblocks it. */
void pcb__chan_abort(struct pcb__chan *c);
/* Closes everything still open and frees the channel's memory. Safe on a zeroed or already
 * closed channel. */
void pcb__chan_close(struct pcb__chan *c);
/* True (and the reason in *err) when a wait of `side` should give up after `waited_ns`. */
bool pcb__chan_give_up(struct pcb__chan *c, int side, uint64_t waited_ns, int *err);

/* Installs, for the case's duration, SIGPIPE ignored and a SIGCHLD handler that poisons the
 * eventfd `poison_fd` (or -1) so a main side blocked on it wakes when its child dies. */
struct pcb__sigsave {
    struct sigaction pipe; /* SIGPIPE's disposition before the case */
    struct sigaction chld; /* SIGCHLD's */
};
void pcb__ipc_signals_begin(struct pcb__sigsave *s, int poison_fd);
void pcb__ipc_signals_end(const struct pcb__sigsave *s);

#endif
