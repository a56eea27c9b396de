/*
 * main.c - zbench: a program of one's own that is pcbench with Zlib.blocks added. Every
 * option of pcbench works, `zbench run` included.
 */
#include <pcbench.h>

extern const struct pcb_workload zblocks_workloads[];

int main(int argc, char **argv)
{
    if (pcb_workload_register(&zblocks_workloads[0]) != 0)
        return 2; /* pcb_workload_register() said why on stderr */
    return pcbench_main(argc, argv);
}
