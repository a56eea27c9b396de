/*
 * delay_hub.c - a hub that joins the namespace hosts of hosts.sh and holds every frame for a
 * fixed delay, for kernels without `tc netem` (CONFIG_NET_SCH_NETEM unset).
 *
 *   pcb_delay_hub DELAY_US IFNAME IFNAME...
 *
 * It opens a packet socket on each named interface (the outer ends of the hosts' veth links),
 * and sends every frame that arrives on one of them out of all the others once DELAY_US
 * microseconds have passed since it arrived: a repeater, as a hub is, so with DELAY_US of 0 it
 * is a plain bridge in user space. The delay is one way, per hop: a round trip between two
 * hosts crosses the hub twice and waits 2 * DELAY_US more. Frames keep their order.
 *
 * The sockets use PACKET_VNET_HDR, so a frame whose checksum the sender left to the device, or
 * a TCP segment larger than the MTU (segmentation offload), goes out with the same offload
 * header as it came in and the kernel finishes it: no device settings need changing.
 *
 * It runs until SIGTERM or SIGINT and exits 0, or exits 1 with a line on stderr when a socket
 * fails; bad arguments: one line naming them, exit 2. It only forwards between the interfaces
 * it is given and sends nothing of its own.
 */
#define _GNU_SOURCE
#include <arpa/inet.h>
#include <errno.h>
#include <linux/if_packet.h>
#include <net/ethernet.h>
#include <net/if.h>
#include <poll.h>
#include <sched.h>
#include <signal.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/prctl.h>
#include <sys/socket.h>
#include <time.h>
#include <unistd.h>

#define MAX_PORTS 8
#define FRAME_CAP (65536 + 64) /* a GSO segment of up to 64 KiB and its offload header */
#define QUEUE_LEN 4096         /* frames held at once; more are dropped, as a full link does */

struct frame {
    uint64_t due_ns; /* when it may leave */
    int port;        /* where it came in (it leaves by every other port) */
    size_t len;      /* bytes in data, offload header included */
    unsigned char *data;
};

static volatile sig_atomic_t stopping;

static void on_signal(int sig)
{
    (void)sig;
    stopping = 1;
}

static uint64_t now_ns(void)
{
    struct timespec ts;

    clock_gettime(CLOCK_MONOTONIC, &ts);
    return (uint64_t)ts.tv_sec * 1000000000ULL + (uint64_t)ts.tv_nsec;
}

/* A packet socket on `name` that reads every frame arriving there, or -1 with errno set. */
static int open_port(const char *name)
{
    int one = 1;
    int fd = socket(AF_PACKET, SOCK_RAW | SOCK_NONBLOCK | SOCK_CLOEXEC, htons(ETH_P_ALL));
    struct sockaddr_ll sa = {.sll_family = AF_PACKET, .sll_protocol = htons(ETH_P_ALL)};

    if (fd < 0)
        return -1;
    sa.sll_ifindex = (int)if_nametoindex(name);
    /* Our own sends would otherwise come back to us as outgoing frames. */
    if (sa.sll_ifindex == 0 ||
        setsockopt(fd, SOL_PACKET, PACKET_VNET_HDR, &one, sizeof(one)) != 0 ||
        setsockopt(fd, SOL_PACKET, PACKET_IGNORE_OUTGOING, &one, sizeof(one)) != 0 ||
        bind(fd, (struct sockaddr *)&sa, sizeof(sa)) != 0) {
        int e = sa.sll_ifindex ? errno : ENODEV;
        close(fd);
        errno = e;
        return -1;
    }
    return fd;
}

int main(int argc, char **argv)
{
    static struct frame q[QUEUE_LEN];
    struct pollfd pfd[MAX_PORTS];
    size_t head = 0, count = 0;
    char *end;
    long delay_us;
    int nports = argc - 2;

    if (argc < 4 || nports > MAX_PORTS) {
        fprintf(stderr,
                "pcb_delay_hub: usage: pcb_delay_hub DELAY_US IFNAME IFNAME... "
                "(2 to %d interfaces)\n",
                MAX_PORTS);
        return 2;
    }
    errno = 0;
    delay_us = strtol(argv[1], &end, 10);
    if (errno || end == argv[1] || *end || delay_us < 0 || delay_us > 1000000) {
        fprintf(stderr,
                "pcb_delay_hub: DELAY_US '%s': a whole number of microseconds, 0 to "
                "1000000\n",
                argv[1]);
        return 2;
    }
    for (size_t i = 0; i < QUEUE_LEN; i++)
        if (!(q[i].data = malloc(FRAME_CAP))) {
            fprintf(stderr, "pcb_delay_hub: out of memory\n");
            return 1;
        }
    for (int i = 0; i < nports; i++) {
        pfd[i] = (struct pollfd){.fd = open_port(argv[i + 2]), .events = POLLIN};
        if (pfd[i].fd < 0) {
            fprintf(stderr, "pcb_delay_hub: %s: %s\n", argv[i + 2], strerror(errno));
            return 1;
        }
    }
    /* Ranks that wait for a message spin on every core; a hub of normal priority would then
     * get a core only when a time slice ends (some 4 ms here), and every hop would wait that
     * long instead of DELAY_US. A real-time priority lets it run as soon as a frame falls due.
     * Without the privilege it runs as it is, and says so. */
    struct sched_param sp = {.sched_priority = 1};
    if (sched_setscheduler(0, SCHED_FIFO, &sp) != 0)
        fprintf(stderr,
                "pcb_delay_hub: warning: no real-time priority (%s); hops may wait "
                "for a time slice\n",
                strerror(errno));
    /* A 100 us hold must not become 150 us: the default timer slack is 50 us. */
    prctl(PR_SET_TIMERSLACK, 1UL, 0, 0, 0);
    signal(SIGTERM, on_signal);
    signal(SIGINT, on_signal);

    uint64_t delay_ns = (uint64_t)delay_us * 1000;
    while (!stopping) {
        /* Send what is due, oldest first. */
        uint64_t t = now_ns();
        while (count && q[head].due_ns <= t) {
            struct frame *f = &q[head];
            for (int i = 0; i < nports; i++)
                if (i != f->port && send(pfd[i].fd, f->data, f->len, 0) < 0 && errno != EAGAIN &&
                    errno != ENOBUFS && errno != ENETDOWN && errno != ENXIO)
                    fprintf(stderr, "pcb_delay_hub: send on %s: %s\n", argv[i + 2],
                            strerror(errno));
            head = (head + 1) % QUEUE_LEN;
            count--;
        }
        /* Sleep until a frame comes or the next one falls due (ppoll: nanoseconds). */
        struct timespec left, *timeout = NULL;
        if (count) {
            uint64_t ns = q[head].due_ns - t;
            left = (struct timespec){.tv_sec = (time_t)(ns / 1000000000ULL),
                                     .tv_nsec = (long)(ns % 1000000000ULL)};
            timeout = &left;
        }
        int n = ppoll(pfd, (nfds_t)nports, timeout, NULL);
        if (n < 0 && errno != EINTR) {
            fprintf(stderr, "pcb_delay_hub: poll: %s\n", strerror(errno));
            return 1;
        }
        if (n <= 0)
            continue;
        t = now_ns();
        for (int i = 0; i < nports; i++) {
            if (!(pfd[i].revents & POLLIN))
                continue;
            for (;;) {
                struct frame *f = &q[(head + count) % QUEUE_LEN];
                ssize_t len = recv(pfd[i].fd, f->data, FRAME_CAP, 0);
                if (len <= 0)
                    break;
                if (count == QUEUE_LEN)
                    continue; /* full: drop it */
                f->due_ns = t + delay_ns;
                f->port = i;
                f->len = (size_t)len;
                count++;
            }
        }
    }
    for (int i = 0; i < nports; i++)
        close(pfd[i].fd);
    return 0;
}
