/*
 * hash_plugin.c - CPU.hash's own task body, compiled as a plugin (Plugin.hash) and as a
 * program of one's own (Own.hash, with OWN_PROGRAM), so that a user's workload can be measured
 * against the built-in one with the very same code (BENCHMARKS.md, "Your own workload").
 */
#include "../../workloads/cpu_hash.c"

static const struct pcb_workload hash_again[] = {
    {
#ifdef OWN_PROGRAM
        .name = "Own.hash",
#else
        .name = "Plugin.hash",
#endif
        .summary = "CPU.hash's task body, brought in from outside",
        .kind = PCB_WL_CPU,
        .params = params,
        .nparams = 1,
        .prepare = prepare,
        .release = release,
        .run = run,
        .task_bytes = task_bytes},
};

#ifdef OWN_PROGRAM
int main(int argc, char **argv)
{
    if (pcb_workload_register(&hash_again[0]) != 0)
        return 2;
    return pcbench_main(argc, argv);
}
#else
PCB_PLUGIN(hash_again, 1);
#endif
