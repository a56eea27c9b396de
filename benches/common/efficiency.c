/*
 * efficiency.c - see efficiency.h.
 */
#include "efficiency.h"

#include <math.h>

double pcb_efficiency_divisor(bool waiting, double workers, double concurrency, double cpus)
{
    if (waiting)
        return concurrency;
    return cpus > 0 && cpus < workers ? cpus : workers;
}

double pcb_efficiency(double speedup, bool waiting, double workers, double concurrency, double cpus)
{
    double d = pcb_efficiency_divisor(waiting, workers, concurrency, cpus);

    return isnan(speedup) || !(d > 0) ? NAN : speedup / d;
}
