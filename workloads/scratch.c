/*
 * scratch.c - per-thread scratch buffers for workload tasks (see wl_internal.h).
 *
 * Each thread keeps up to two buffers behind a pthread key whose destructor frees them when
 * the thread exits, so a task's hot path allocates nothing once its thread has warmed up, and
 * no buffer outlives its thread. A forked worker process inherits its parent thread's buffers
 * copy-on-write and keeps using them; that is safe because a forked child has exactly one
 * thread.
 */
#define _GNU_SOURCE
#include "wl_internal.h"

#include <pthread.h>
#include <stdlib.h>

#define NSLOTS 2

/* One thread's buffers. */
struct scratch {
    void *buf[NSLOTS];  /* the buffers, or NULL before first use */
    size_t cap[NSLOTS]; /* their sizes in bytes */
};

static pthread_key_t key;
static pthread_once_t once = PTHREAD_ONCE_INIT;
static int key_err; /* pthread_key_create failed: every call returns NULL */
static _Thread_local struct scratch *mine;

static void destroy(void *p)
{
    struct scratch *s = p;

    for (int i = 0; i < NSLOTS; i++)
        free(s->buf[i]);
    free(s);
}

static void make_key(void)
{
    key_err = pthread_key_create(&key, destroy);
}

void *pcb__scratch(unsigned slot, size_t bytes)
{
    if (slot >= NSLOTS)
        return NULL;
    if (!mine) {
        pthread_once(&once, make_key);
        if (key_err)
            return NULL;
        struct scratch *s = calloc(1, sizeof(*s));
        if (!s || pthread_setspecific(key, s)) {
            free(s);
            return NULL;
        }
        mine = s;
    }
    if (mine->cap[slot] < bytes) {
        size_t cap = bytes < 4096 ? 4096 : bytes;
        void *nb = malloc(cap);
        if (!nb)
            return NULL;
        free(mine->buf[slot]);
        mine->buf[slot] = nb;
        mine->cap[slot] = cap;
    }
    return mine->buf[slot];
}
