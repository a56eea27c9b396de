/*
 * oneshot.c - `pcbench run`: not available yet in this build.
 */
#include <stdio.h>

#include "oneshot.h"

int pcb_oneshot_main(int argc, char **argv)
{
    (void)argc;
    (void)argv;
    fprintf(stderr, "pcbench: run: not available in this build\n");
    return 2;
}
