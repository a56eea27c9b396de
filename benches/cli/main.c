/*
 * main.c - pcbench: the stock program, with pcbench's own workloads only. All of it is
 * pcbench_main() (pcbench_main.c); a program of a user's own registers its workloads with
 * pcb_workload_register() and calls the same function.
 */
#include "../../workloads/pcbench.h"

int main(int argc, char **argv)
{
    return pcbench_main(argc, argv);
}
