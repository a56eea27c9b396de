/*
 * io_net.h - IO.net's counters, readable by tests and by the bench fixture.
 *
 * The counters are shared by every thread and forked worker process of a case (they live in a
 * MAP_SHARED page made by prepare()), reset by case_setup(), and final once case_teardown() has
 * reaped the server.
 */
#ifndef PCB_IO_NET_H
#define PCB_IO_NET_H

#include <stdint.h>
#include <sys/types.h>

#include "workload.h"

/* IO.net's counters since the last case_setup() (or prepare()). */
struct pcb_wl_net_stats {
    uint64_t attempts;      /* requests tried, first tries and retries */
    uint64_t retries;       /* attempts after a task's first */
    uint64_t refused;       /* attempts whose connect was refused */
    uint64_t timeouts;      /* attempts that got no answer within the client timeout */
    uint64_t resets;        /* attempts whose connection was reset */
    uint64_t failed;        /* tasks that failed after their last retry */
    uint64_t server_cpu_ns; /* user + system CPU of the last reaped server process */
};

/* Copies the counters of `in` (an IO.net input) into *out. */
void pcb_wl_net_stats(const struct pcb_input *in, struct pcb_wl_net_stats *out);

/* IO.net's stats() hook: the counters above per task, for the case that just ended. */
size_t pcb_wl_net_case_stats(const struct pcb_input *in, uint64_t tasks_run,
                             struct pcb_wl_stat *out, size_t cap);
/* The pid of the running server process, or 0 when none runs. */
pid_t pcb_wl_net_server_pid(const struct pcb_input *in);
/* The client timeout per attempt (ns) and the retries after a failed first attempt. */
uint64_t pcb_wl_net_timeout_ns(const struct pcb_input *in);
#define PCB_WL_NET_RETRIES 2

#endif
