/*
 * fault.h - Test.fault, the fault-injecting workload of the reliability tests (see fault.c).
 */
#ifndef PCB_TEST_FAULT_H
#define PCB_TEST_FAULT_H

#include "workload.h"

enum pcb_fault_mode {
    PCB_FAULT_OK,
    PCB_FAULT_SEGV,
    PCB_FAULT_ABORT,
    PCB_FAULT_EXIT,
    PCB_FAULT_KILL,
    PCB_FAULT_HANG,
    PCB_FAULT_ERROR,
    PCB_FAULT_NMODES
};

extern const struct pcb_workload pcb_wl_fault;

#endif
