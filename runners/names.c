/*
 * names.c - marked POSIX names; see names.h.
 *
 * A slot is FREE, being FILLED by a marker, or MARKED. The handler reads only MARKED slots
 * (acquire), whose text was written before the release store that marked them; a slot being
 * filled is skipped, which is right: its object is not created before the mark completes.
 */
#define _GNU_SOURCE
#include "names.h"

#include <stdatomic.h>
#include <string.h>
#include <sys/syscall.h>
#include <unistd.h>

#define SLOTS 8

enum { FREE, FILLING, MARKED };

static struct {
    _Atomic int state;                 /* FREE, FILLING, MARKED */
    enum pcb__name_kind kind;          /* which unlink the name needs */
    char path[16 + PCB__NAME_MAX + 1]; /* shm: "/dev/shm/pcb-..."; mq: "pcb-..." (no '/') */
} slots[SLOTS];

int pcb__name_mark(enum pcb__name_kind kind, const char *name)
{
    size_t len = strlen(name);

    if (name[0] != '/' || len > PCB__NAME_MAX)
        return -1;
    for (int i = 0; i < SLOTS; i++) {
        int expected = FREE;
        if (!atomic_compare_exchange_strong_explicit(&slots[i].state, &expected, FILLING,
                                                     memory_order_acquire, memory_order_relaxed))
            continue;
        slots[i].kind = kind;
        /* shm_open() puts its objects in /dev/shm (glibc's default directory, a tmpfs);
         * mq_unlink's system call takes the name without its slash. */
        if (kind == PCB__NAME_SHM) {
            memcpy(slots[i].path, "/dev/shm", 8);
            memcpy(slots[i].path + 8, name, len + 1);
        } else {
            memcpy(slots[i].path, name + 1, len);
        }
        atomic_store_explicit(&slots[i].state, MARKED, memory_order_release);
        return i;
    }
    return -1;
}

void pcb__name_unmark(int slot)
{
    if (slot >= 0 && slot < SLOTS)
        atomic_store_explicit(&slots[slot].state, FREE, memory_order_release);
}

void pcb__names_unlink_marked(void)
{
    for (int i = 0; i < SLOTS; i++) {
        if (atomic_load_explicit(&slots[i].state, memory_order_acquire) != MARKED)
            continue;
        if (slots[i].kind == PCB__NAME_SHM)
            unlink(slots[i].path);
        else
            syscall(SYS_mq_unlink, slots[i].path);
    }
}
