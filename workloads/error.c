/*
 * error.c - messages for the error codes declared in pcbench.h.
 *
 * Thread-safe: only static strings and strerror_r into a thread-local buffer are used.
 */
#define _GNU_SOURCE
#include "pcbench.h"

#include <string.h>

const char *pcb_strerror(int err)
{
    static _Thread_local char buf[128];

    switch (err) {
#define PCB__ERR_CASE(name, val, msg)                                                              \
    case PCB_##name:                                                                               \
        return msg;
        PCB_ERRNO_MAP(PCB__ERR_CASE)
#undef PCB__ERR_CASE
    case 0:
        return "success";
    default:
        break;
    }
    if (err < 0)
        return strerror_r(-err, buf, sizeof(buf)); /* GNU variant: returns the message */
    return "unknown error";
}
