/*
 * my_workload.c - a program of a user's own: one workload of its own, crossed with every
 * strategy by pcbench_main(). It includes only the installed <pcbench.h> and links only
 * libpcbench (pkg-config or find_package(pcbench)).
 *
 * User.sum: task i sums the squares of the numbers below `n`, starting from a seed-dependent
 * offset; the digest is the sum. With MY_BENCH_BAD=1 it registers a workload without run() first,
 * which pcb_workload_register() must refuse.
 */
#include <pcbench.h>

#include <errno.h>
#include <stdlib.h>

struct pcb_input {
    uint64_t seed; /* mixed into every task */
    uint64_t n;    /* numbers per task */
};

static const struct pcb_param_spec params[] = {
    {.name = "n",
     .help = "numbers summed per task",
     .min = 1,
     .max = 1u << 24,
     .defaults = {20000},
     .ndefaults = 1,
     .quick = 2000},
};

static int prepare(const uint64_t *values, uint64_t seed, struct pcb_input **out)
{
    struct pcb_input *in = malloc(sizeof(*in));

    if (!in)
        return -ENOMEM;
    in->seed = seed;
    in->n = values[0];
    *out = in;
    return 0;
}

static void release(struct pcb_input *in)
{
    free(in);
}

static int run(const struct pcb_input *in, uint64_t task, uint64_t *digest)
{
    uint64_t base = pcb_mix64(in->seed + task), sum = 0;

    for (uint64_t i = 0; i < in->n; i++)
        sum += (base + i) * (base + i);
    *digest = pcb_mix64(sum);
    return 0;
}

static const struct pcb_workload user_sum = {
    .name = "User.sum",
    .summary = "sum of squares: a user's own compute-bound work",
    .kind = PCB_WL_CPU,
    .params = params,
    .nparams = 1,
    .prepare = prepare,
    .release = release,
    .run = run,
};

static const struct pcb_workload no_run = {
    .name = "User.broken", .kind = PCB_WL_CPU, .prepare = prepare, .release = release};

int main(int argc, char **argv)
{
    int err;

    /* pcb_workload_register() says why on stderr when it refuses a workload. */
    if (getenv("MY_BENCH_BAD") && pcb_workload_register(&no_run) != 0)
        return 2;
    if ((err = pcb_workload_register(&user_sum)) != 0)
        return err == -ENOSPC ? 1 : 2;
    return pcbench_main(argc, argv);
}
