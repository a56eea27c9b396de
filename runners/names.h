/*
 * names.h - POSIX shared-memory and message-queue names between their creation and their
 * unlink.
 *
 * pcbench unlinks every name it gives shm_open() or mq_open() as soon as the object is held
 * (by both sides, where there are two), so nothing stays in /dev/shm or /dev/mqueue. A process
 * that dies by a signal in between would still leave the name there. So the creator marks the
 * name before it creates the object and unmarks it after the unlink, and pcbench's interrupt
 * handler unlinks whatever is marked (pcb__names_unlink_marked). A forked child inherits its
 * parent's marks and never acts on them.
 *
 * Marks are a few fixed slots written with atomics: marking and unmarking allocate nothing and
 * never block, and the unlinking is async-signal-safe.
 */
#ifndef PCB_NAMES_H
#define PCB_NAMES_H

/* The longest name that can be marked, "/" included. */
#define PCB__NAME_MAX 63

enum pcb__name_kind {
    PCB__NAME_SHM, /* shm_open() */
    PCB__NAME_MQ,  /* mq_open() */
};

/*
 * Marks `name` ("/pcb-...") as created, or about to be. Returns the slot to give to
 * pcb__name_unmark(), or -1 when the name is too long or every slot is taken (the name is then
 * not cleaned up by an interrupt; one creator at a time never fills the slots).
 */
int pcb__name_mark(enum pcb__name_kind kind, const char *name);

/* The name of `slot` is unlinked (or was never created): forgets it. -1 is ignored. */
void pcb__name_unmark(int slot);

/* Unlinks every marked name. Async-signal-safe; for the interrupt handler, in the process that
 * made the marks. Errors (a name already gone) are ignored. */
void pcb__names_unlink_marked(void);

#endif
