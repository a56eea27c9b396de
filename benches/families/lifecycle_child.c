/*
 * lifecycle_child.c - pcbench-spawn-child, the small program Lifecycle/process/spawn starts with
 * posix_spawn(). It exits at once with the status given as its one argument, so the case can
 * check that this program (and not a failed exec) ran. It asks to be killed with its parent
 * first, as every child of pcbench does.
 */
#define _GNU_SOURCE
#include <signal.h>
#include <stdlib.h>
#include <sys/prctl.h>
#include <unistd.h>

int main(int argc, char **argv)
{
    prctl(PR_SET_PDEATHSIG, SIGKILL);
    if (argc != 3 || getppid() != (pid_t)atol(argv[2]))
        return 1; /* wrong use, or the parent is already gone */
    return atoi(argv[1]);
}
