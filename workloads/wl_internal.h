/*
 * wl_internal.h - helpers shared by the workload files, not part of the workload contract.
 *
 * pcb__scratch() gives each thread one reusable buffer, so a task that needs working memory
 * (an output row, a word table) allocates only the first time a thread needs that much, never
 * per task. pcb__textgen() writes deterministic English-like text from a seed, for CPU.text and
 * CPU.doc. pcb__rng is the one small generator they all use (splitmix64 steps), so every input
 * is a pure function of its parameters and seed.
 */
#ifndef PCB_WL_INTERNAL_H
#define PCB_WL_INTERNAL_H

#include <stddef.h>
#include <stdint.h>

#include "workload.h"

/* A splitmix64 stream: deterministic, cheap, good enough for inputs. */
struct pcb__rng {
    uint64_t s; /* the state; any value is valid */
};

static inline uint64_t pcb__rng_next(struct pcb__rng *r)
{
    r->s += 0x9e3779b97f4a7c15ULL;
    return pcb_mix64(r->s);
}

/* A value in [0, n), n >= 1 (multiply-shift: no modulo bias worth caring about here). */
static inline uint64_t pcb__rng_below(struct pcb__rng *r, uint64_t n)
{
    return (uint64_t)(((unsigned __int128)pcb__rng_next(r) * n) >> 64);
}

/*
 * Returns this thread's scratch buffer of at least `bytes` bytes, or NULL when out of memory.
 * The buffer is reused by every later call in the same thread (grown when a call asks for more)
 * and freed when the thread exits. Its contents are undefined on return. Calls with different
 * `slot` values (0 or 1) get different buffers, so one task can hold two at once.
 */
void *pcb__scratch(unsigned slot, size_t bytes);

/*
 * Writes `len` bytes of English-like text generated from `seed` into `buf`: words of a
 * Zipf-like vocabulary, punctuation, sentences and paragraphs. When `utf8` is non-zero, about
 * one word in twenty carries a 2- to 4-byte UTF-8 character (accented Latin-1 letters, dashes,
 * quotes, a CJK ideograph, an emoji), and the text is valid UTF-8 throughout (a character that
 * would not fit at the end is replaced by spaces). Returns 0, or -ENOMEM.
 */
int pcb__textgen(uint64_t seed, int utf8, char *buf, size_t len);

#endif
