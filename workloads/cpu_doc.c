/*
 * cpu_doc.c - CPU.doc: document processing (tokenise, count words, hash), `passes` times.
 *
 * The input is 8 documents of `doc_kib` KiB each, English-like text generated from the seed.
 * Task i processes document i mod 8. One pass tokenises the document (a word is a maximal run
 * of letters, digits, apostrophes and non-ASCII bytes; ASCII letters are folded to lower case),
 * hashes every word (FNV-1a, salted by the task and the pass) and counts words in an
 * open-addressing table that lives in the thread's scratch memory (allocated once per thread,
 * cleared per pass). The pass's summary - words, distinct words, the most frequent word and an
 * order-independent sum over the table - goes into the digest. `passes` is the complexity knob:
 * each pass is the whole pipeline again with another salt, so time grows linearly with it.
 * The table holds at most 3/4 of its slots; words past that are counted but not inserted,
 * deterministically, so the digest never depends on timing. Bytes/s counts document bytes
 * times passes.
 */
#include "wl_internal.h"

#include <errno.h>
#include <stdlib.h>
#include <string.h>

#define NDOCS 8
#define TABLE_MAX (1u << 16) /* slots: 1 MiB of table at most */

struct pcb_input {
    uint64_t seed;   /* mixed into every digest */
    size_t doc_len;  /* bytes per document */
    uint64_t passes; /* pipeline passes per task */
    size_t slots;    /* word-table slots a task uses: a power of two */
    char *docs;      /* NDOCS documents of doc_len bytes, back to back; read-only */
};

/* One word-table slot. key 0 means empty (a real hash of 0 is stored as 1). */
struct slot {
    uint64_t key;   /* the word's salted hash */
    uint64_t count; /* how often it occurred in this pass */
};

static const struct pcb_param_spec params[] = {
    {.name = "doc_kib",
     .help = "document size, KiB (10..500 in the default sweep)",
     .min = 1,
     .max = 64 * 1024,
     .defaults = {10, 100, 500},
     .ndefaults = 3,
     .quick = 10},
    {.name = "passes",
     .help = "complexity: tokenise/count/hash passes over the document per task",
     .min = 1,
     .max = 1000,
     .defaults = {2},
     .ndefaults = 1,
     .quick = 1},
};

static int prepare(const uint64_t *values, uint64_t seed, struct pcb_input **out)
{
    struct pcb_input *in = calloc(1, sizeof(*in));
    int err = -ENOMEM;

    if (!in)
        return -ENOMEM;
    in->seed = seed;
    in->doc_len = (size_t)values[0] * 1024;
    in->passes = values[1];
    /* At least twice the words a document can hold (one per two bytes), within TABLE_MAX. */
    in->slots = 1024;
    while (in->slots < TABLE_MAX && in->slots < in->doc_len)
        in->slots <<= 1;
    if (!(in->docs = malloc(in->doc_len * NDOCS)))
        goto err;
    for (size_t d = 0; d < NDOCS; d++)
        if ((err = pcb__textgen(seed * 31 + d, 1, in->docs + d * in->doc_len, in->doc_len)))
            goto err;
    *out = in;
    return 0;
err:
    free(in->docs);
    free(in);
    return err;
}

static void release(struct pcb_input *in)
{
    if (!in)
        return;
    free(in->docs);
    free(in);
}

/* Word characters: letters, digits, apostrophe, and every byte of a non-ASCII character. */
static const unsigned char word_char[256] = {
    ['0'] = 1, ['1'] = 1,  ['2'] = 1,  ['3'] = 1,  ['4'] = 1,  ['5'] = 1, ['6'] = 1,
    ['7'] = 1, ['8'] = 1,  ['9'] = 1,  ['\''] = 1,
#define R8(b)                                                                                      \
    [b] = 1, [b + 1] = 1, [b + 2] = 1, [b + 3] = 1, [b + 4] = 1, [b + 5] = 1, [b + 6] = 1,         \
    [b + 7] = 1
    R8(0x41),  R8(0x49),   R8(0x51),   [0x59] = 1, [0x5a] = 1, R8(0x61),  R8(0x69),
    R8(0x71),  [0x79] = 1, [0x7a] = 1, R8(0x80),   R8(0x88),   R8(0x90),  R8(0x98),
    R8(0xa0),  R8(0xa8),   R8(0xb0),   R8(0xb8),   R8(0xc0),   R8(0xc8),  R8(0xd0),
    R8(0xd8),  R8(0xe0),   R8(0xe8),   R8(0xf0),   R8(0xf8),
#undef R8
};

/* One pass over doc[0..len): returns the pass's summary hash. */
static uint64_t pass(const unsigned char *doc, size_t len, struct slot *t, size_t slots,
                     uint64_t salt)
{
    const size_t mask = slots - 1, limit = slots / 4 * 3;
    uint64_t words = 0, distinct = 0, dropped = 0, best_key = 0, best = 0;
    size_t i = 0;

    memset(t, 0, slots * sizeof(*t));
    while (i < len) {
        while (i < len && !word_char[doc[i]])
            i++;
        if (i == len)
            break;
        uint64_t h = 0xcbf29ce484222325ULL ^ salt;
        for (; i < len && word_char[doc[i]]; i++) {
            unsigned char c = doc[i];
            c = (unsigned char)(c >= 'A' && c <= 'Z' ? c + 32 : c);
            h = (h ^ c) * 0x100000001b3ULL;
        }
        h += h == 0;
        words++;
        size_t s = (size_t)(pcb_mix64(h) & mask);
        while (t[s].key && t[s].key != h)
            s = (s + 1) & mask;
        if (!t[s].key) {
            if (distinct == limit) {
                dropped++;
                continue;
            }
            t[s].key = h;
            distinct++;
        }
        uint64_t c = ++t[s].count;
        if (c > best || (c == best && h < best_key)) {
            best = c;
            best_key = h;
        }
    }
    /* Order-independent summary of the table: the sum of each entry's mixed (key, count). */
    uint64_t sum = 0;
    for (size_t s = 0; s < slots; s++)
        if (t[s].key)
            sum += pcb_mix64(t[s].key ^ (t[s].count << 40));
    return pcb_mix64(sum ^ pcb_mix64(words ^ (distinct << 32) ^ (dropped << 48)) ^
                     pcb_mix64(best_key + best));
}

static int run(const struct pcb_input *in, uint64_t task, uint64_t *digest)
{
    struct slot *t = pcb__scratch(0, in->slots * sizeof(struct slot));
    const unsigned char *doc = (const unsigned char *)in->docs + (task % NDOCS) * in->doc_len;
    uint64_t h = pcb_mix64(in->seed ^ pcb_mix64(task));

    if (!t)
        return -ENOMEM;
    for (uint64_t p = 0; p < in->passes; p++)
        h = pcb_mix64(h ^ pass(doc, in->doc_len, t, in->slots, pcb_mix64(task * 1000003 + p)));
    *digest = h;
    return 0;
}

static uint64_t task_bytes(const struct pcb_input *in)
{
    return (uint64_t)in->doc_len * in->passes;
}

const struct pcb_workload pcb_wl_cpu_doc = {
    .name = "CPU.doc",
    .summary = "tokenise, count words and hash a 10-500 KiB document: branchy, cache-resident",
    .kind = PCB_WL_CPU,
    .params = params,
    .nparams = sizeof(params) / sizeof(params[0]),
    .prepare = prepare,
    .release = release,
    .run = run,
    .task_bytes = task_bytes,
};
