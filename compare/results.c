/*
 * results.c - the one reader of result files; see results.h.
 *
 * The only source file that parses result JSON. It walks the top-level object itself and hands
 * cJSON one value at a time (the "context", each element of the "benchmarks" or "results" array,
 * any other member), so a large file never becomes one large tree. Each element is checked and
 * turned into a struct pcb_results_entry as soon as it is parsed; its cJSON nodes then go. When
 * the file has been read, the entries are grouped by case into one array, and the file's model
 * is complete. Every string and array of the model lives in one store per file, freed at once.
 */
#define _GNU_SOURCE
#include "results.h"

#include "casename.h"

#include <cjson/cJSON.h>
#include <ctype.h>
#include <errno.h>
#include <math.h>
#include <pthread.h>
#include <stdarg.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/mman.h>
#include <sys/stat.h>
#include <unistd.h>

const char *pcb_results_strerror(int err)
{
    switch (err) {
#define XX(name, value, text)                                                                      \
    case PCB_RESULTS_##name:                                                                       \
        return text;
        PCB_RESULTS_ERRNO_MAP(XX)
#undef XX
    }
    return err < 0 ? strerror(-err) : "unknown error";
}

/* Writes "path: message" into err and returns code. */
static int fail(char *err, int code, const char *path, const char *fmt, ...)
    __attribute__((format(printf, 4, 5)));
static int fail(char *err, int code, const char *path, const char *fmt, ...)
{
    va_list ap;
    int n = snprintf(err, PCB_RESULTS_ERRLEN, "%s: ", path);

    if (n < 0 || n >= PCB_RESULTS_ERRLEN)
        n = 0;
    va_start(ap, fmt);
    vsnprintf(err + n, (size_t)(PCB_RESULTS_ERRLEN - n), fmt, ap);
    va_end(ap);
    return code;
}

/* ---- the per-thread parser arena ----
 *
 * cJSON allocates every node, key and string separately and frees them one by one; on a 70 MB
 * file that is millions of malloc/free calls and a large part of the run time. A parsed value
 * lives only until its entry has been read, so cJSON gets a bump allocator: allocation is a
 * pointer increment, free does nothing, and arena_reset drops everything at once. The arena is
 * per thread, so files can be read by several threads at once. libcjson's parser is reentrant
 * but for one global: each parse stores a reset error position into a static struct (the one
 * cJSON_GetErrorPtr reads). This reader never reads it (positions come from return_parse_end),
 * so concurrent stores there change nothing it sees. */
struct arena_block {
    struct arena_block *next; /* the block after this one */
    size_t used;              /* bytes handed out from data */
    size_t cap;               /* bytes in data */
    max_align_t data[];       /* the memory */
};

/* A list of blocks and the one being filled. A reset only rewinds the blocks, so after the
 * first entry of a file no memory is allocated or touched for the first time. */
static _Thread_local struct arena_block *arena_first, *arena_cur;

#define ARENA_BLOCK ((size_t)1 << 20) /* one entry of a result file needs a few KiB */

static void *arena_malloc(size_t sz)
{
    size_t need = (sz + sizeof(max_align_t) - 1) & ~(sizeof(max_align_t) - 1);
    struct arena_block *b = arena_cur;

    while (b != NULL && b->cap - b->used < need) {
        b = b->next;
        if (b != NULL)
            b->used = 0;
    }
    if (b == NULL) {
        size_t cap = need > ARENA_BLOCK ? need : ARENA_BLOCK;
        b = malloc(sizeof(*b) + cap);
        if (b == NULL)
            return NULL;
        b->cap = cap;
        b->used = 0;
        if (arena_cur != NULL) {
            /* After the current block; later blocks stay reusable. */
            b->next = arena_cur->next;
            arena_cur->next = b;
        } else {
            b->next = arena_first;
            arena_first = b;
        }
    }
    arena_cur = b;
    b->used += need;
    return (char *)b->data + b->used - need;
}

static void arena_free(void *p)
{
    (void)p;
}

/* Forgets everything allocated so far, keeping the blocks. */
static void arena_reset(void)
{
    arena_cur = arena_first;
    if (arena_cur != NULL)
        arena_cur->used = 0;
}

void pcb_results_thread_cleanup(void)
{
    while (arena_first) {
        struct arena_block *next = arena_first->next;
        free(arena_first);
        arena_first = next;
    }
    arena_cur = NULL;
}

static pthread_once_t hooks_once = PTHREAD_ONCE_INIT;

static void install_hooks(void)
{
    cJSON_Hooks h = {arena_malloc, arena_free};
    cJSON_InitHooks(&h);
}

/* ---- the store: a file's model memory ---- */

struct store_block {
    struct store_block *next; /* the block filled before this one */
    size_t used;              /* bytes handed out */
    size_t cap;               /* bytes in data */
    size_t size;              /* bytes mapped, this header included */
    max_align_t data[];       /* the memory */
};

/* What a struct pcb_results owns: its memory, and the index pcb_results_find() uses. */
struct pcb__results_store {
    struct store_block *blocks;     /* newest first */
    size_t *table;                  /* open addressing by key hash: case index + 1, 0 empty */
    size_t tcap;                    /* its size, a power of two */
    struct pcb_results_case *cases; /* the cases (malloc'ed while reading) */
    struct pcb_results_kv *context; /* the context (likewise) */
};

#define STORE_BLOCK_MIN ((size_t)64 << 10) /* the first block of a file */
#define STORE_BLOCK_MAX ((size_t)1 << 20)  /* blocks double up to this size */

/*
 * n bytes from the store, aligned for any type; NULL when out of memory. Blocks are mapped with
 * MAP_POPULATE: a large file's model is tens of MB, and touching it page by page, one fault per
 * page, took more time than filling it. They grow from small, so a small file costs little.
 */
static void *store_alloc(struct pcb__results_store *st, size_t n)
{
    size_t need = (n + sizeof(max_align_t) - 1) & ~(sizeof(max_align_t) - 1);
    struct store_block *b = st->blocks;

    if (need == 0)
        need = sizeof(max_align_t);
    if (b == NULL || b->cap - b->used < need) {
        size_t want = b ? 2 * b->cap : STORE_BLOCK_MIN;
        want = want < STORE_BLOCK_MAX ? want : STORE_BLOCK_MAX;
        size_t size = sizeof(*b) + (need > want ? need : want);
        void *m = mmap(NULL, size, PROT_READ | PROT_WRITE,
                       MAP_PRIVATE | MAP_ANONYMOUS | MAP_POPULATE, -1, 0);
        if (m == MAP_FAILED)
            return NULL;
        b = m;
        b->size = size;
        b->cap = size - sizeof(*b);
        b->used = 0;
        b->next = st->blocks;
        st->blocks = b;
    }
    b->used += need;
    return (char *)b->data + b->used - need;
}

static char *store_strndup(struct pcb__results_store *st, const char *s, size_t n)
{
    char *p = store_alloc(st, n + 1);

    if (p != NULL) {
        memcpy(p, s, n);
        p[n] = '\0';
    }
    return p;
}

/* FNV-1a: short names, no adversary worth a keyed hash. */
static uint64_t hash_bytes(const char *s, size_t n)
{
    uint64_t h = 1469598103934665603ull;

    for (size_t i = 0; i < n; i++)
        h = (h ^ (unsigned char)s[i]) * 1099511628211ull;
    return h;
}

static uint64_t hash_pair(uint64_t a, uint64_t b)
{
    uint64_t h = a * 0x9e3779b97f4a7c15ull ^ (b + 0x632be59bd9b4e019ull + (a << 6) + (a >> 2));

    return h ^ (h >> 29);
}

/* ---- reading state ---- */

/* One case while its file is read. Its entries are where the file put them, in chunks of the
 * store; a case whose repetitions (or aggregates) are next to each other, as Google Benchmark
 * and hyperfine write them, keeps pointing there, and only a case with its entries spread over
 * the file gets a copy of them when the file is done. */
struct case_state {
    struct pcb_results_entry *reps;         /* its first repetition */
    struct pcb_results_entry *aggs;         /* its first aggregate */
    size_t nreps;                           /* repetitions so far */
    size_t naggs;                           /* aggregates so far */
    struct pcb_results_entry **spread_reps; /* when they do not follow each other: all of them */
    struct pcb_results_entry **spread_aggs; /* likewise for the aggregates */
    size_t capspread_reps, capspread_aggs;  /* allocated lengths of the two */
    unsigned aggs_seen;                     /* of mean, median, stddev, cv: which were read */
    uint64_t indexes_seen;                  /* repetition_index values below 64 that were read */
};

#define CHUNK_FIRST 64 /* entries in a file's first chunk; each next one has twice as many */
#define CHUNK_MAX 8192 /* up to this many: under a megabyte */

#define RECENT 4 /* interned strings looked at before the table: mean, median, stddev, cv */

/* Everything one read needs; gone when the read returns. */
struct reader {
    const char *path;              /* for messages */
    const char *s;                 /* the text */
    size_t len;                    /* its length */
    char *err;                     /* the caller's message buffer */
    struct pcb_results *res;       /* what is being built */
    struct pcb__results_store *st; /* its store */
    /* Entries, in file order in chunks of the store. */
    struct pcb_results_entry *chunk; /* the chunk being filled */
    size_t chunk_used;               /* entries used in it */
    size_t chunk_cap;                /* entries it holds */
    /* Cases in order of first appearance. */
    struct pcb_results_case *cases;     /* the cases, pointers not yet set */
    struct case_state *cstate;          /* counts per case */
    size_t ncases, capcases, capcstate; /* count, allocated (both arrays) */
    /* The text of the entry being read, where a non-finite word is looked for. */
    size_t entry_at, entry_end;
    /* Interned strings (counter and aggregate names, labels, messages): one copy each. */
    const char **strs;          /* open addressing, NULL empty */
    size_t scap, nstrs;         /* size, count */
    const char *recent[RECENT]; /* the last few interned, looked at first */
    size_t nrecent;             /* how many were interned, modulo RECENT the next slot */
    /* (case, repetition_index) and (case, aggregate name) pairs seen: duplicates are refused. */
    uint64_t (*pairs)[2]; /* open addressing, {0, 0} empty; the case is stored + 1 */
    size_t pcap, npairs;
    /* The previous entry's display name and case: repetitions of a case are next to each other,
     * so most entries skip the key and the hash lookup. */
    char *prev;       /* its display name, NUL-terminated */
    size_t prev_len;  /* its length */
    size_t prev_cap;  /* allocated */
    size_t prev_case; /* its case, or SIZE_MAX */
    /* Counters of the entry being read, and of the one before (names are usually the same, in
     * the same order, so they are reused without a lookup). */
    struct pcb_results_counter *ctr;                 /* scratch */
    size_t nctr, capctr;                             /* count, allocated */
    const struct pcb_results_counter *last_counters; /* the previous entry's, in the store */
    size_t nlast_counters;                           /* how many */
    /* The context. */
    struct pcb_results_kv *ctx; /* keys and values (in the store) */
    size_t nctx, capctx;        /* count, allocated */
    /* Text of a value while it is rendered. */
    char *text;
    size_t ntext, captext;
    /* The keys of the top-level object so far, decoded (malloc'ed): a key may appear once. */
    char **top;
    size_t ntop, captop;
    /* Keys of the entry being read that are neither known fields nor counters. */
    const char **other;
    size_t nother, capother;
};

#define NONE ((size_t)-1)

static int oom(struct reader *rd)
{
    return fail(rd->err, -ENOMEM, rd->path, "out of memory");
}

/* Grows *v (elements of size sz) to hold at least `need`. Returns 0 or -1. */
static int grow(void *vp, size_t *cap, size_t need, size_t sz)
{
    void **v = vp;
    size_t ncap = *cap ? *cap : 16;
    void *n;

    if (need <= *cap)
        return 0;
    while (ncap < need)
        ncap *= 2;
    n = realloc(*v, ncap * sz);
    if (n == NULL)
        return -1;
    *v = n;
    *cap = ncap;
    return 0;
}

/* The one stored copy of s (interned); NULL when out of memory. The last few are checked
 * first: aggregate names and labels come back every few entries. */
static const char *intern(struct reader *rd, const char *s)
{
    size_t n, i;
    uint64_t h;

    for (i = 0; i < RECENT; i++)
        if (rd->recent[i] && strcmp(rd->recent[i], s) == 0)
            return rd->recent[i];
    n = strlen(s);
    h = hash_bytes(s, n);

    if ((rd->nstrs + 1) * 2 > rd->scap) {
        size_t ncap = rd->scap ? rd->scap * 2 : 256;
        const char **t = calloc(ncap, sizeof(*t));
        if (t == NULL)
            return NULL;
        for (i = 0; i < rd->scap; i++) {
            if (rd->strs[i] == NULL)
                continue;
            size_t j = hash_bytes(rd->strs[i], strlen(rd->strs[i])) & (ncap - 1);
            while (t[j])
                j = (j + 1) & (ncap - 1);
            t[j] = rd->strs[i];
        }
        free(rd->strs);
        rd->strs = t;
        rd->scap = ncap;
    }
    for (i = h & (rd->scap - 1); rd->strs[i]; i = (i + 1) & (rd->scap - 1))
        if (strcmp(rd->strs[i], s) == 0)
            break;
    if (rd->strs[i] == NULL && (rd->strs[i] = store_strndup(rd->st, s, n)) != NULL)
        rd->nstrs++;
    rd->recent[rd->nrecent++ % RECENT] = rd->strs[i];
    return rd->strs[i];
}

/* Adds the pair (a, b); returns 1 when it was new, 0 when seen before, -1 when out of memory. */
static int pair_add(struct reader *rd, uint64_t a, uint64_t b)
{
    size_t i;

    a++; /* {0, 0} marks an empty slot */
    if ((rd->npairs + 1) * 2 > rd->pcap) {
        size_t ncap = rd->pcap ? rd->pcap * 2 : 1024;
        uint64_t(*t)[2] = calloc(ncap, sizeof(*t));
        if (t == NULL)
            return -1;
        for (i = 0; i < rd->pcap; i++) {
            if (rd->pairs[i][0] == 0)
                continue;
            size_t j = hash_pair(rd->pairs[i][0], rd->pairs[i][1]) & (ncap - 1);
            while (t[j][0])
                j = (j + 1) & (ncap - 1);
            t[j][0] = rd->pairs[i][0];
            t[j][1] = rd->pairs[i][1];
        }
        free(rd->pairs);
        rd->pairs = t;
        rd->pcap = ncap;
    }
    for (i = hash_pair(a, b) & (rd->pcap - 1); rd->pairs[i][0]; i = (i + 1) & (rd->pcap - 1))
        if (rd->pairs[i][0] == a && rd->pairs[i][1] == b)
            return 0;
    rd->pairs[i][0] = a;
    rd->pairs[i][1] = b;
    rd->npairs++;
    return 1;
}

/* The index of the case with this key, or NONE. */
static size_t find_case(const struct pcb__results_store *st, const struct pcb_results_case *cases,
                        const char *key)
{
    if (st->tcap == 0)
        return NONE;
    for (size_t i = hash_bytes(key, strlen(key)) & (st->tcap - 1); st->table[i];
         i = (i + 1) & (st->tcap - 1))
        if (strcmp(cases[st->table[i] - 1].key, key) == 0)
            return st->table[i] - 1;
    return NONE;
}

/* Puts case `idx` into the index, doubling it first when it would be over half full. */
static int index_case(struct reader *rd, size_t idx)
{
    struct pcb__results_store *st = rd->st;
    size_t i;

    if ((rd->ncases + 1) * 2 > st->tcap) {
        size_t ncap = st->tcap ? st->tcap * 2 : 64;
        size_t *t = calloc(ncap, sizeof(*t));
        if (t == NULL)
            return -1;
        for (i = 0; i < st->tcap; i++) {
            if (!st->table[i])
                continue;
            const char *k = rd->cases[st->table[i] - 1].key;
            size_t j = hash_bytes(k, strlen(k)) & (ncap - 1);
            while (t[j])
                j = (j + 1) & (ncap - 1);
            t[j] = st->table[i];
        }
        free(st->table);
        st->table = t;
        st->tcap = ncap;
    }
    const char *key = rd->cases[idx].key;
    for (i = hash_bytes(key, strlen(key)) & (st->tcap - 1); st->table[i];
         i = (i + 1) & (st->tcap - 1))
        ;
    st->table[i] = idx + 1;
    return 0;
}

/*
 * The case of an entry whose display name is name[0..n): the previous entry's when it is the
 * same, else the one with the same key, else a new one. `keyed` is false for hyperfine, whose
 * key is the command itself. Returns the index, or NONE when out of memory.
 */
static size_t case_of(struct reader *rd, const char *name, size_t n, bool keyed)
{
    char buf[PCB_NAME_MAX], *key = buf;
    size_t idx, klen;

    if (rd->prev_case != NONE && n == rd->prev_len && memcmp(name, rd->prev, n) == 0)
        return rd->prev_case;
    if (grow(&rd->prev, &rd->prev_cap, n + 1, 1))
        return NONE;
    memcpy(rd->prev, name, n);
    rd->prev[n] = '\0';
    rd->prev_len = n;
    rd->prev_case = NONE;
    if (keyed) {
        klen = pcb_name_key(rd->prev, NULL, buf, sizeof(buf));
        if (klen >= sizeof(buf)) {
            key = malloc(klen + 1);
            if (key == NULL)
                return NONE;
            pcb_name_key(rd->prev, NULL, key, klen + 1);
        }
    } else {
        key = rd->prev;
    }
    idx = find_case(rd->st, rd->cases, key);
    if (idx == NONE) {
        struct pcb_results_case *c;
        if (grow(&rd->cases, &rd->capcases, rd->ncases + 1, sizeof(*rd->cases)) ||
            grow(&rd->cstate, &rd->capcstate, rd->ncases + 1, sizeof(*rd->cstate)))
            goto out;
        idx = rd->ncases;
        c = &rd->cases[idx];
        memset(c, 0, sizeof(*c));
        memset(&rd->cstate[idx], 0, sizeof(rd->cstate[idx]));
        c->summary = (struct pcb_results_summary){NAN, NAN, NAN, NAN, NAN, NAN, NAN};
        c->key = key == rd->prev ? NULL : store_strndup(rd->st, key, strlen(key));
        c->name = store_strndup(rd->st, rd->prev, n);
        if (c->key == NULL)
            c->key = c->name; /* hyperfine: the key is the name */
        if (c->name == NULL || c->key == NULL || index_case(rd, idx)) {
            idx = NONE;
            goto out;
        }
        rd->ncases++;
    }
    rd->prev_case = idx;
out:
    if (key != buf && key != rd->prev)
        free(key);
    return idx;
}

/* Adds e to a case's list of spread entries, which starts with the n that followed each other
 * from first. Returns 0 or -1. */
static int spread_add(struct pcb_results_entry ***list, size_t *cap,
                      struct pcb_results_entry *first, size_t n, struct pcb_results_entry *e)
{
    bool start = *list == NULL;

    if (grow(list, cap, n + 1, sizeof(**list)))
        return -1;
    if (start) /* the entries so far, which did follow each other */
        for (size_t i = 0; i < n; i++)
            (*list)[i] = first + i;
    (*list)[n] = e;
    return 0;
}

/* Appends a repetition (or, with `agg`, an aggregate) of case `c`, read from element idx of the
 * file's array; returns it (empty but for its position), or NULL when out of memory. */
static struct pcb_results_entry *add_entry(struct reader *rd, size_t c, size_t idx, bool agg)
{
    struct case_state *cs = &rd->cstate[c];
    struct pcb_results_entry *e;

    if (rd->chunk_used == rd->chunk_cap) {
        size_t cap = rd->chunk_cap ? 2 * rd->chunk_cap : CHUNK_FIRST;
        cap = cap < CHUNK_MAX ? cap : CHUNK_MAX;
        if ((rd->chunk = store_alloc(rd->st, cap * sizeof(*rd->chunk))) == NULL)
            return NULL;
        rd->chunk_used = 0;
        rd->chunk_cap = cap;
    }
    e = &rd->chunk[rd->chunk_used++];
    memset(e, 0, sizeof(*e));
    e->entry = idx > UINT32_MAX ? UINT32_MAX : (uint32_t)idx;
    e->index = -1;
    e->iterations = e->real_ns = e->cpu_ns = NAN;
    if (agg) {
        if (cs->naggs == 0)
            cs->aggs = e;
        else if ((cs->spread_aggs || e != cs->aggs + cs->naggs) &&
                 spread_add(&cs->spread_aggs, &cs->capspread_aggs, cs->aggs, cs->naggs, e))
            return NULL;
        cs->naggs++;
    } else {
        if (cs->nreps == 0)
            cs->reps = e;
        else if ((cs->spread_reps || e != cs->reps + cs->nreps) &&
                 spread_add(&cs->spread_reps, &cs->capspread_reps, cs->reps, cs->nreps, e))
            return NULL;
        cs->nreps++;
    }
    return e;
}

/* Whether the repetition_index (or aggregate, by its interned name) of case c is new: the
 * usual ones (indexes below 64; mean, median, stddev, cv) are looked up in the case's bitmaps,
 * the others in the reader's set. Returns 1 when new, 0 when seen before, -1 out of memory. */
static int first_time(struct reader *rd, size_t c, long index, const char *agg)
{
    static const char *const usual[] = {"mean", "median", "stddev", "cv"};
    struct case_state *cs = &rd->cstate[c];

    if (agg == NULL && index < 64) {
        uint64_t bit = (uint64_t)1 << index;
        if (cs->indexes_seen & bit)
            return 0;
        cs->indexes_seen |= bit;
        return 1;
    }
    for (unsigned k = 0; agg && k < sizeof(usual) / sizeof(usual[0]); k++)
        if (strcmp(agg, usual[k]) == 0) {
            if (cs->aggs_seen & 1u << k)
                return 0;
            cs->aggs_seen |= 1u << k;
            return 1;
        }
    /* An aggregate's interned name stands for it; bit 63 keeps it apart from indexes. */
    return pair_add(rd, c, agg ? (uint64_t)(uintptr_t)agg | 1ull << 63 : (uint64_t)index);
}

/* ---- text ---- */

/* Line and column (1-based) of offset off in buf. */
static void line_col(const char *buf, size_t off, size_t *line, size_t *col)
{
    *line = 1;
    *col = 1;
    for (size_t i = 0; i < off; i++) {
        if (buf[i] == '\n') {
            (*line)++;
            *col = 1;
        } else {
            (*col)++;
        }
    }
}

static bool is_space(char ch)
{
    return ch == ' ' || ch == '\t' || ch == '\n' || ch == '\r';
}

static size_t skip_ws(const char *s, size_t len, size_t i)
{
    while (i < len && is_space(s[i]))
        i++;
    return i;
}

/* Offset just past the string that starts at s[i] == '"', or NONE when the text ends first. */
static size_t string_end(const char *s, size_t len, size_t i)
{
    for (i++; i < len; i++) {
        if (s[i] == '\\')
            i++;
        else if (s[i] == '"')
            return i + 1;
    }
    return NONE;
}

/* The words Google Benchmark (and others) write for non-finite numbers, which JSON lacks. */
static const char *const nonfinite_words[] = {"-Infinity", "Infinity", "-NaN", "NaN",
                                              "-nan",      "nan",      "-inf", "inf"};

/* The length of the non-finite word at s[at], or 0 when there is none. */
static size_t nonfinite_at(const char *s, size_t len, size_t at)
{
    for (size_t k = 0; k < sizeof(nonfinite_words) / sizeof(nonfinite_words[0]); k++) {
        size_t n = strlen(nonfinite_words[k]);
        if (at <= len && len - at >= n && memcmp(s + at, nonfinite_words[k], n) == 0 &&
            (at + n == len || !isalnum((unsigned char)s[at + n])))
            return n;
    }
    return 0;
}

/* True when the text ends inside a string or with brackets still open: cut short. */
static bool looks_truncated(const char *s, size_t len)
{
    size_t depth = 0;
    bool in_str = false;

    for (size_t i = 0; i < len; i++) {
        char c = s[i];
        if (in_str) {
            if (c == '\\')
                i++;
            else if (c == '"')
                in_str = false;
        } else if (c == '"') {
            in_str = true;
        } else if (c == '{' || c == '[') {
            depth++;
        } else if ((c == '}' || c == ']') && depth > 0) {
            depth--;
        }
    }
    return in_str || depth > 0;
}

/* The offset of the first byte of s[0..len) that is a NUL or not part of well-formed UTF-8
 * (no overlong forms, no surrogates, nothing above U+10FFFF), or NONE. Eight bytes of ASCII
 * without a NUL, most of a result file, are passed over at a time. */
static size_t first_bad_byte(const unsigned char *s, size_t len)
{
    const uint64_t low = 0x0101010101010101ull, high = 0x8080808080808080ull;
    size_t i = 0;

    while (i < len) {
        if (len - i >= 8) {
            uint64_t w;
            memcpy(&w, s + i, 8);
            /* A byte with its high bit set, or a zero byte (w - low borrows into it). */
            if (((w | ((w - low) & ~w)) & high) == 0) {
                i += 8;
                continue;
            }
        }
        unsigned char c = s[i];
        size_t n;
        uint32_t cp, min;
        if (c == 0)
            return i;
        if (c < 0x80) {
            i++;
            continue;
        }
        if (c >= 0xc2 && c <= 0xdf)
            n = 1, cp = c & 0x1fu, min = 0x80;
        else if (c >= 0xe0 && c <= 0xef)
            n = 2, cp = c & 0x0fu, min = 0x800;
        else if (c >= 0xf0 && c <= 0xf4)
            n = 3, cp = c & 0x07u, min = 0x10000;
        else
            return i;
        if (len - i <= n)
            return i;
        for (size_t k = 1; k <= n; k++) {
            if ((s[i + k] & 0xc0) != 0x80)
                return i;
            cp = cp << 6 | (s[i + k] & 0x3fu);
        }
        if (cp < min || cp > 0x10ffff || (cp >= 0xd800 && cp <= 0xdfff))
            return i;
        i += n + 1;
    }
    return NONE;
}

/*
 * Checks that the text is what JSON must be, before any of it is parsed: UTF-8 without NUL
 * bytes, no control character (below 0x20) but white space between values and none at all in a
 * string, and no string holding the escape \u0000. cJSON would take a NUL in a string as its
 * end, so "a\u0000b" would read as "a" and two cases could become one; it takes a raw control
 * character in a string as it is and skips one between values as white space, where RFC 8259,
 * Python's json and jq refuse the file; and text that is not UTF-8 would reach compare's JSON
 * output and every terminal. A backslash and the character after it are one escape, so
 * "\\u0000" (a backslash, then the text u0000) is not one.
 */
static int check_text(struct reader *rd)
{
    const char *s = rd->s;
    size_t at = first_bad_byte((const unsigned char *)s, rd->len), line, col;
    bool in_str = false;

    if (at != NONE && s[at] == '\0')
        return fail(rd->err, PCB_RESULTS_EJSON, rd->path,
                    "contains a NUL byte: not a JSON text file");
    if (at != NONE) {
        line_col(s, at, &line, &col);
        return fail(rd->err, PCB_RESULTS_EJSON, rd->path,
                    "line %zu column %zu: invalid UTF-8 (byte 0x%02x); a result file is UTF-8 "
                    "text",
                    line, col, (unsigned char)s[at]);
    }
    /* One pass, byte by byte: where strings begin and end is all it needs to know. */
    for (at = 0; at < rd->len; at++) {
        unsigned char c = (unsigned char)s[at];
        if (c >= 0x20 && c != '"' && c != '\\')
            continue;
        if (c == '"')
            in_str = !in_str;
        else if (c == '\\' && rd->len - at >= 6 && memcmp(s + at + 1, "u0000", 5) == 0)
            break;
        else if (c == '\\')
            at++;
        else if (in_str || (c != '\t' && c != '\n' && c != '\r'))
            break;
    }
    if (at >= rd->len)
        return 0;
    line_col(s, at, &line, &col);
    if (s[at] == '\\')
        return fail(rd->err, PCB_RESULTS_EJSON, rd->path,
                    "line %zu column %zu: a string holds \\u0000 (a NUL character), which "
                    "would cut it short",
                    line, col);
    if (in_str)
        return fail(rd->err, PCB_RESULTS_EJSON, rd->path,
                    "line %zu column %zu: a string holds a raw control character (byte 0x%02x); "
                    "JSON has it only escaped, as \\u%04x",
                    line, col, (unsigned char)s[at], (unsigned char)s[at]);
    return fail(rd->err, PCB_RESULTS_EJSON, rd->path,
                "line %zu column %zu: a control character (byte 0x%02x) between values, where "
                "JSON allows only spaces, tabs and line breaks",
                line, col, (unsigned char)s[at]);
}

/* The message for a syntax error found at offset at (len: the end of the text). */
static int syntax_error(struct reader *rd, size_t at)
{
    const char *s = rd->s;
    size_t len = rd->len, line, col, rest;

    if (at > len)
        at = len;
    rest = skip_ws(s, len, at);
    if (rest >= len || looks_truncated(s, len)) {
        line_col(s, len, &line, &col);
        return fail(rd->err, PCB_RESULTS_EJSON, rd->path,
                    "truncated JSON: unexpected end of file at line %zu", line);
    }
    line_col(s, at, &line, &col);
    if (nonfinite_at(s, len, at))
        return fail(rd->err, PCB_RESULTS_EJSON, rd->path,
                    "line %zu column %zu: NaN or infinite value (the benchmark produced a "
                    "non-finite number)",
                    line, col);
    return fail(rd->err, PCB_RESULTS_EJSON, rd->path, "invalid JSON at line %zu column %zu", line,
                col);
}

/*
 * The end of the JSON value that starts at s[i], found by matching brackets outside strings
 * (a scalar ends at the first delimiter); NONE when the text ends first. Only used to cut out a
 * value that holds non-finite words; cJSON checks the value itself.
 */
static size_t value_end(const char *s, size_t len, size_t i)
{
    size_t depth = 0;

    if (i < len && s[i] != '{' && s[i] != '[') {
        while (i < len && !is_space(s[i]) && s[i] != ',' && s[i] != '}' && s[i] != ']')
            i++;
        return i;
    }
    for (; i < len; i++) {
        if (s[i] == '"') {
            i = string_end(s, len, i);
            if (i == NONE)
                return NONE;
            i--;
        } else if (s[i] == '{' || s[i] == '[') {
            depth++;
        } else if (s[i] == '}' || s[i] == ']') {
            if (--depth == 0)
                return i + 1;
        }
    }
    return NONE;
}

/*
 * Parses the value at s[i..end) in which cJSON stopped at a non-finite word: a copy with every
 * such word outside strings replaced by 1e999 or -1e999 (which cJSON reads as infinities) is
 * parsed instead. Returns the tree, or NULL with *at set to where the copy failed, mapped back
 * to the text.
 */
static cJSON *parse_nonfinite(struct reader *rd, size_t i, size_t end, size_t *at)
{
    const char *s = rd->s;
    size_t n = end - i, o = 0, nmap = 0;
    /* Each word of 3 or more bytes becomes at most 6: the copy is at most twice the size. */
    char *copy = arena_malloc(2 * n + 8);
    size_t(*map)[2] = arena_malloc((n / 3 + 2) * sizeof(*map)); /* copy offset, text offset */
    const char *stop = NULL;
    cJSON *v;

    if (copy == NULL || map == NULL) {
        *at = i;
        return NULL;
    }
    map[nmap][0] = 0;
    map[nmap++][1] = i;
    for (size_t k = i; k < end;) {
        size_t w;
        if (s[k] == '"') {
            size_t e = string_end(s, end, k);
            e = e == NONE ? end : e;
            memcpy(copy + o, s + k, e - k);
            o += e - k;
            k = e;
        } else if ((w = nonfinite_at(s, end, k)) != 0) {
            const char *rep = s[k] == '-' ? "-1e999" : "1e999";
            memcpy(copy + o, rep, strlen(rep));
            o += strlen(rep);
            k += w;
            map[nmap][0] = o;
            map[nmap++][1] = k;
        } else {
            copy[o++] = s[k++];
        }
    }
    v = cJSON_ParseWithLengthOpts(copy, o, &stop, 0);
    if (v != NULL && stop == copy + o)
        return v;
    size_t x = stop && stop >= copy && stop <= copy + o ? (size_t)(stop - copy) : o, m = 0;
    while (m + 1 < nmap && map[m + 1][0] <= x)
        m++;
    *at = map[m][1] + (x - map[m][0]);
    return NULL;
}

/*
 * Parses the one JSON value that starts at s[i]; cJSON stops right after it and says where,
 * which *vend receives. Returns the tree (in the arena), or NULL with the message written.
 */
static cJSON *parse_at(struct reader *rd, size_t i, size_t *vend)
{
    const char *s = rd->s, *end = NULL;
    size_t len = rd->len, at;
    cJSON *v = cJSON_ParseWithLengthOpts(s + i, len - i, &end, 0);

    if (v != NULL && end != NULL && end >= s + i && end <= s + len) {
        *vend = (size_t)(end - s);
        return v;
    }
    at = end && end >= s + i && end <= s + len ? (size_t)(end - s) : len;
    if (nonfinite_at(s, len, at)) {
        /* Google Benchmark writes NaN and Infinity as bare words, which JSON does not allow.
         * They are read as infinities here, and the entry's checks decide: a time must be
         * finite, a counter becomes NAN ("not measured"). */
        size_t e = value_end(s, len, i);
        if (e != NONE) {
            v = parse_nonfinite(rd, i, e, &at);
            if (v != NULL) {
                *vend = e;
                return v;
            }
        } else {
            at = len;
        }
    }
    syntax_error(rd, at);
    return NULL;
}

/* ---- values ---- */

/* Appends s[0..n) to the text being rendered. */
static int text_add(struct reader *rd, const char *s, size_t n)
{
    if (grow(&rd->text, &rd->captext, rd->ntext + n + 1, 1))
        return -1;
    memcpy(rd->text + rd->ntext, s, n);
    rd->ntext += n;
    rd->text[rd->ntext] = '\0';
    return 0;
}

/* Renders a value as one line of text into rd->text: strings as they are, numbers with %.10g,
 * arrays joined with ", " (a cache object as "L1 Data 32 KiB x8"). */
static int render_value(struct reader *rd, const cJSON *v)
{
    char tmp[160];
    const cJSON *e;

    rd->ntext = 0;
    if (cJSON_IsString(v))
        return text_add(rd, v->valuestring, strlen(v->valuestring));
    if (cJSON_IsBool(v))
        return text_add(rd, cJSON_IsTrue(v) ? "true" : "false", cJSON_IsTrue(v) ? 4 : 5);
    if (cJSON_IsNumber(v)) {
        snprintf(tmp, sizeof(tmp), "%.10g", v->valuedouble);
        return text_add(rd, tmp, strlen(tmp));
    }
    if (cJSON_IsNull(v))
        return text_add(rd, "null", 4);
    if (!cJSON_IsArray(v))
        return text_add(rd, "(object)", 8);
    if (text_add(rd, "", 0))
        return -1;
    cJSON_ArrayForEach(e, v)
    {
        if (cJSON_IsObject(e)) {
            const cJSON *type = cJSON_GetObjectItemCaseSensitive(e, "type");
            const cJSON *level = cJSON_GetObjectItemCaseSensitive(e, "level");
            const cJSON *size = cJSON_GetObjectItemCaseSensitive(e, "size");
            const cJSON *share = cJSON_GetObjectItemCaseSensitive(e, "num_sharing");
            snprintf(tmp, sizeof(tmp), "L%g %s %g KiB x%g",
                     cJSON_IsNumber(level) ? level->valuedouble : 0,
                     cJSON_IsString(type) ? type->valuestring : "?",
                     cJSON_IsNumber(size) ? size->valuedouble / 1024 : 0,
                     cJSON_IsNumber(share) ? share->valuedouble : 0);
        } else if (cJSON_IsNumber(e)) {
            snprintf(tmp, sizeof(tmp), "%.3g", e->valuedouble);
        } else if (cJSON_IsString(e)) {
            snprintf(tmp, sizeof(tmp), "%s", e->valuestring);
        } else {
            snprintf(tmp, sizeof(tmp), "?");
        }
        if ((rd->ntext && text_add(rd, ", ", 2)) || text_add(rd, tmp, strlen(tmp)))
            return -1;
    }
    return 0;
}

/* The first key that appears twice among the members of the object obj, or NULL. For the
 * small objects whose members are looked up by name (a context, a hyperfine result). */
static const char *duplicate_key(const cJSON *obj)
{
    for (const cJSON *a = obj->child; a != NULL; a = a->next)
        for (const cJSON *b = a->next; b != NULL && a->string != NULL; b = b->next)
            if (b->string != NULL && strcmp(a->string, b->string) == 0)
                return a->string;
    return NULL;
}

/* Reads the "context" object: every key, its value as text, in file order. There is one
 * context: a second one is a key that appears twice, refused at the top level. */
static int read_context(struct reader *rd, const cJSON *ctx)
{
    const cJSON *e, *o;
    const char *dup;

    if (!cJSON_IsObject(ctx))
        return fail(rd->err, PCB_RESULTS_EFORMAT, rd->path, "\"context\" is not an object");
    if ((dup = duplicate_key(ctx)) != NULL)
        return fail(rd->err, PCB_RESULTS_EFORMAT, rd->path, "\"context\": key \"%s\" appears twice",
                    dup);
    rd->res->has_context = true;
    cJSON_ArrayForEach(e, ctx)
    {
        if (e->string == NULL)
            continue;
        /* The objects of an array (the caches) are read by their keys too. */
        const cJSON *list = cJSON_IsArray(e) ? e : NULL;
        size_t k = 0;
        cJSON_ArrayForEach(o, list)
        {
            if (cJSON_IsObject(o) && (dup = duplicate_key(o)) != NULL)
                return fail(rd->err, PCB_RESULTS_EFORMAT, rd->path,
                            "\"context\": \"%s\"[%zu]: key \"%s\" appears twice", e->string, k,
                            dup);
            k++;
        }
        if (grow(&rd->ctx, &rd->capctx, rd->nctx + 1, sizeof(*rd->ctx)) || render_value(rd, e))
            return oom(rd);
        struct pcb_results_kv *kv = &rd->ctx[rd->nctx];
        kv->key = store_strndup(rd->st, e->string, strlen(e->string));
        kv->value = store_strndup(rd->st, rd->text, rd->ntext);
        if (kv->key == NULL || kv->value == NULL)
            return oom(rd);
        rd->nctx++;
    }
    return 0;
}

/* Converts a finite double to int32_t, clamping instead of overflowing (a conversion out of
 * range is undefined behaviour). */
static int32_t clamp_i32(double v)
{
    if (v > INT32_MAX)
        return INT32_MAX;
    if (v < INT32_MIN)
        return INT32_MIN;
    return (int32_t)v;
}

/* Nanoseconds per unit of a Google Benchmark time_unit, or 0 when unknown. */
static double unit_factor(const char *u)
{
    if (strcmp(u, "ns") == 0)
        return 1;
    if (strcmp(u, "us") == 0)
        return 1e3;
    if (strcmp(u, "ms") == 0)
        return 1e6;
    if (strcmp(u, "s") == 0)
        return 1e9;
    return 0;
}

/* What an entry of the file is called in messages, by the file's kind. */
static const char *entry_word(const struct reader *rd)
{
    return rd->res->kind == PCB_RESULTS_HYPERFINE ? "result" : "benchmark";
}

/*
 * Reads the optional number member v (NULL when absent) called key of entry idx. Returns 1 when
 * present (the value in *out), 0 when absent, or an error when it has another type or is not
 * finite. A non-finite value written as a word (NaN) is reported at its line and column in the
 * entry's text, as an editor shows it.
 */
static int get_number(struct reader *rd, const cJSON *v, const char *key, double *out, size_t idx,
                      const char *name)
{
    if (v == NULL)
        return 0;
    if (!cJSON_IsNumber(v))
        return fail(rd->err, PCB_RESULTS_EFORMAT, rd->path,
                    "%s #%zu (\"%s\"): \"%s\" is not a number", entry_word(rd), idx, name, key);
    if (!isfinite(v->valuedouble)) {
        /* Find the member's value in the entry's text: the key in quotes, a colon, the word. */
        size_t klen = strlen(key), at = NONE;
        size_t end = rd->entry_end;
        for (size_t i = rd->entry_at; i + klen + 2 < end && at == NONE; i++) {
            if (rd->s[i] != '"' || memcmp(rd->s + i + 1, key, klen) != 0 ||
                rd->s[i + 1 + klen] != '"')
                continue;
            size_t j = skip_ws(rd->s, end, i + klen + 2);
            if (j < end && rd->s[j] == ':') {
                j = skip_ws(rd->s, end, j + 1);
                if (nonfinite_at(rd->s, end, j))
                    at = j;
            }
        }
        if (at != NONE)
            return syntax_error(rd, at);
        return fail(rd->err, PCB_RESULTS_EFORMAT, rd->path,
                    "%s #%zu (\"%s\"): \"%s\" is not a finite number", entry_word(rd), idx, name,
                    key);
    }
    *out = v->valuedouble;
    return 1;
}

/* Checks that a time in ns is a plausible measurement. */
static int check_time(struct reader *rd, double ns, const char *key, size_t idx, const char *name)
{
    if (ns < 0)
        return fail(rd->err, PCB_RESULTS_EFORMAT, rd->path,
                    "%s #%zu (\"%s\"): \"%s\" is negative (%g ns)", entry_word(rd), idx, name, key,
                    ns);
    if (ns > PCB_RESULTS_MAX_TIME_NS)
        return fail(rd->err, PCB_RESULTS_EFORMAT, rd->path,
                    "%s #%zu (\"%s\"): \"%s\" is %g ns, more than a year: not a plausible "
                    "measurement",
                    entry_word(rd), idx, name, key, ns);
    return 0;
}

/* A copy of the string member v in the store (interned), or NULL when it is absent or empty;
 * *bad is set when out of memory. */
static const char *kept_string(struct reader *rd, const cJSON *v, bool *bad)
{
    const char *s;

    if (v == NULL || !v->valuestring[0])
        return NULL;
    s = intern(rd, v->valuestring);
    *bad |= s == NULL;
    return s;
}

/* Stores the counters gathered in rd->ctr as e's. */
static int keep_counters(struct reader *rd, struct pcb_results_entry *e)
{
    struct pcb_results_counter *c;

    if (rd->nctr == 0)
        return 0;
    c = store_alloc(rd->st, rd->nctr * sizeof(*c));
    if (c == NULL)
        return -1;
    memcpy(c, rd->ctr, rd->nctr * sizeof(*c));
    e->counters = rd->last_counters = c;
    e->ncounters = rd->nlast_counters = rd->nctr;
    return 0;
}

/* ---- Google Benchmark ---- */

/* The members of an entry the reader looks at by name. */
enum gb_field {
    F_NAME,
    F_RUN_NAME,
    F_RUN_TYPE,
    F_AGGREGATE,
    F_AGGREGATE_UNIT,
    F_TIME_UNIT,
    F_ERROR,
    F_MESSAGE,
    F_LABEL,
    F_THREADS,
    F_REPETITIONS,
    F_INDEX,
    F_ITERATIONS,
    F_REAL,
    F_CPU,
    F_FAMILY,   /* numeric, but not a counter */
    F_INSTANCE, /* likewise */
    F_DIGEST,   /* pcbench's reference digest of the case's work */
    F_WARNING,  /* pcbench's warning about an implausible figure of the case */
    F_WORK,     /* pcbench's kind of work: cpu, wait, empty */
    NFIELDS
};

static const char *const gb_keys[NFIELDS] = {
    [F_NAME] = "name",
    [F_RUN_NAME] = "run_name",
    [F_RUN_TYPE] = "run_type",
    [F_AGGREGATE] = "aggregate_name",
    [F_AGGREGATE_UNIT] = "aggregate_unit",
    [F_TIME_UNIT] = "time_unit",
    [F_ERROR] = "error_occurred",
    [F_MESSAGE] = "error_message",
    [F_LABEL] = "label",
    [F_THREADS] = "threads",
    [F_REPETITIONS] = "repetitions",
    [F_INDEX] = "repetition_index",
    [F_ITERATIONS] = "iterations",
    [F_REAL] = "real_time",
    [F_CPU] = "cpu_time",
    [F_FAMILY] = "family_index",
    [F_INSTANCE] = "per_family_instance_index",
    [F_DIGEST] = "pcb_digest",
    [F_WARNING] = "pcb_warning",
    [F_WORK] = "pcb_work",
};

/*
 * Sorts the members of b in one pass: the known ones into f, every other number into rd->ctr as
 * a counter. Looking each key up with cJSON_GetObjectItem would compare every key with every
 * member, which dominated the run time on large files. A key that appears twice is not chosen
 * between (cJSON_GetObjectItem takes the first, jq and Python the last): *dup receives it, and
 * the entry is refused. Returns 0, or -1 when out of memory.
 */
static int gather_fields(struct reader *rd, const cJSON *b, const cJSON *f[NFIELDS],
                         const char **dup)
{
    const cJSON *e;
    size_t k;

    memset(f, 0, NFIELDS * sizeof(*f));
    rd->nctr = 0;
    rd->nother = 0;
    *dup = NULL;
    cJSON_ArrayForEach(e, b)
    {
        const char *key = e->string;
        if (key == NULL)
            continue;
        for (k = 0; k < NFIELDS; k++)
            if (key[0] == gb_keys[k][0] && strcmp(key, gb_keys[k]) == 0)
                break;
        if (k < NFIELDS) {
            if (f[k] == NULL)
                f[k] = e;
            else if (*dup == NULL)
                *dup = gb_keys[k];
            continue;
        }
        if (!cJSON_IsNumber(e)) {
            /* Not read, but a key all the same: kept to find it twice. */
            if (grow(&rd->other, &rd->capother, rd->nother + 1, sizeof(*rd->other)))
                return -1;
            rd->other[rd->nother++] = key;
            continue;
        }
        /* Entries of one file have the same counters in the same order: reuse the name. */
        const char *name = NULL;
        if (rd->nctr < rd->nlast_counters && strcmp(rd->last_counters[rd->nctr].name, key) == 0)
            name = rd->last_counters[rd->nctr].name;
        else if ((name = intern(rd, key)) == NULL)
            return -1;
        bool twice = false;
        for (size_t j = 0; j < rd->nctr && !twice; j++)
            twice = rd->ctr[j].name == name;
        if (twice) {
            if (*dup == NULL)
                *dup = name;
            continue;
        }
        if (grow(&rd->ctr, &rd->capctr, rd->nctr + 1, sizeof(*rd->ctr)))
            return -1;
        rd->ctr[rd->nctr].name = name;
        rd->ctr[rd->nctr++].value = isfinite(e->valuedouble) ? e->valuedouble : NAN;
    }
    /* The few other keys, against each other and against the counters. */
    for (size_t i = 0; i < rd->nother && *dup == NULL; i++) {
        for (size_t j = i + 1; j < rd->nother && *dup == NULL; j++)
            if (strcmp(rd->other[i], rd->other[j]) == 0)
                *dup = rd->other[i];
        for (size_t j = 0; j < rd->nctr && *dup == NULL; j++)
            if (strcmp(rd->other[i], rd->ctr[j].name) == 0)
                *dup = rd->other[i];
    }
    return 0;
}

/* The length of name without "_<agg>" at its end (when it ends so). */
static size_t without_suffix(const char *name, const char *agg)
{
    size_t ln = strlen(name), la = strlen(agg);

    if (ln > la + 1 && name[ln - la - 1] == '_' && strcmp(name + ln - la, agg) == 0)
        return ln - la - 1;
    return ln;
}

/*
 * Reads pcbench's "pcb_digest" of an entry into its case: "0x" and 1 to 16 hex digits. Every
 * entry of a case that carries one must carry the same (one case is one piece of work). Returns
 * 0 or PCB_RESULTS_EFORMAT with the message.
 */
static int read_digest(struct reader *rd, const cJSON *v, struct pcb_results_case *c, size_t idx,
                       const char *name)
{
    const char *s = cJSON_IsString(v) ? v->valuestring : NULL;
    uint64_t d = 0;
    size_t n = 0;

    if (s != NULL && s[0] == '0' && (s[1] == 'x' || s[1] == 'X'))
        for (n = 2; n < 18 && isxdigit((unsigned char)s[n]); n++)
            d = d << 4 |
                (uint64_t)(isdigit((unsigned char)s[n]) ? s[n] - '0' : (s[n] | 0x20) - 'a' + 10);
    if (s == NULL || n < 3 || s[n] != '\0')
        return fail(rd->err, PCB_RESULTS_EFORMAT, rd->path,
                    "benchmark #%zu (\"%s\"): \"pcb_digest\" is not a 64-bit digest (\"0x\" and 1 "
                    "to 16 hex digits)",
                    idx, name);
    if (c->has_digest && c->digest != d)
        return fail(rd->err, PCB_RESULTS_EFORMAT, rd->path,
                    "benchmark #%zu (\"%s\"): \"pcb_digest\" 0x%016llx differs from 0x%016llx "
                    "of an earlier entry of the case; one case is one piece of work",
                    idx, name, (unsigned long long)d, (unsigned long long)c->digest);
    c->has_digest = true;
    c->digest = d;
    return 0;
}

/* Reads one element of a "benchmarks" array. */
static int read_gbench_entry(struct reader *rd, const cJSON *b, size_t idx)
{
    const cJSON *f[NFIELDS];
    const char *name, *agg = NULL, *path = rd->path, *dup;
    char *err = rd->err;
    bool is_agg = false, bad = false;
    double factor, tmp = 0;
    struct pcb_results_entry *e;
    size_t c;
    int r;

    if (!cJSON_IsObject(b))
        return fail(err, PCB_RESULTS_EFORMAT, path, "benchmark #%zu is not an object", idx);
    if (gather_fields(rd, b, f, &dup))
        return oom(rd);
    if (dup != NULL && !cJSON_IsString(f[F_NAME]))
        return fail(err, PCB_RESULTS_EFORMAT, path, "benchmark #%zu: key \"%s\" appears twice", idx,
                    dup);
    if (!cJSON_IsString(f[F_NAME]))
        return fail(err, PCB_RESULTS_EFORMAT, path, "benchmark #%zu has no \"name\" string", idx);
    name = f[F_NAME]->valuestring;
    if (dup != NULL)
        return fail(err, PCB_RESULTS_EFORMAT, path,
                    "benchmark #%zu (\"%s\"): key \"%s\" appears twice", idx, name, dup);
    /* A counter needs a name: one called "" cannot be chosen with --metric, heads an unnamed
     * column of the report's CSV, and is most likely a benchmark's bug. */
    for (size_t k = 0; k < rd->nctr; k++)
        if (rd->ctr[k].name[0] == '\0')
            return fail(err, PCB_RESULTS_EFORMAT, path,
                        "benchmark #%zu (\"%s\"): a counter has an empty name (\"\"); counters "
                        "need a name",
                        idx, name);
    static const enum gb_field strings[] = {F_RUN_NAME, F_RUN_TYPE, F_AGGREGATE};
    for (size_t k = 0; k < sizeof(strings) / sizeof(strings[0]); k++)
        if (f[strings[k]] != NULL && !cJSON_IsString(f[strings[k]]))
            return fail(err, PCB_RESULTS_EFORMAT, path,
                        "benchmark #%zu (\"%s\"): \"%s\" is not a string", idx, name,
                        gb_keys[strings[k]]);
    if (f[F_RUN_TYPE] != NULL) {
        if (strcmp(f[F_RUN_TYPE]->valuestring, "aggregate") == 0)
            is_agg = true;
        else if (strcmp(f[F_RUN_TYPE]->valuestring, "iteration") != 0)
            return fail(err, PCB_RESULTS_EFORMAT, path,
                        "benchmark #%zu (\"%s\"): unknown run_type \"%s\"", idx, name,
                        f[F_RUN_TYPE]->valuestring);
    } else if (f[F_AGGREGATE] != NULL) {
        is_agg = true; /* files from before run_type existed */
    }
    if (is_agg) {
        if (f[F_AGGREGATE] == NULL)
            return fail(err, PCB_RESULTS_EFORMAT, path,
                        "benchmark #%zu (\"%s\"): aggregate without \"aggregate_name\"", idx, name);
        agg = f[F_AGGREGATE]->valuestring;
    }
    /* Without run_name an aggregate's name carries its "_mean" suffix. */
    if (f[F_RUN_NAME] != NULL)
        c = case_of(rd, f[F_RUN_NAME]->valuestring, strlen(f[F_RUN_NAME]->valuestring), true);
    else
        c = case_of(rd, name, agg ? without_suffix(name, agg) : strlen(name), true);
    if (c == NONE || (e = add_entry(rd, c, idx, agg != NULL)) == NULL)
        return oom(rd);
    e->name = strcmp(name, rd->cases[c].name) == 0 ? rd->cases[c].name
                                                   : store_strndup(rd->st, name, strlen(name));
    e->aggregate = agg ? intern(rd, agg) : NULL;
    bad |= e->name == NULL || (agg && e->aggregate == NULL);

    if (f[F_ERROR] != NULL && !cJSON_IsBool(f[F_ERROR]))
        return fail(err, PCB_RESULTS_EFORMAT, path,
                    "benchmark #%zu (\"%s\"): \"error_occurred\" is not a boolean", idx, name);
    e->error = f[F_ERROR] != NULL && cJSON_IsTrue(f[F_ERROR]);
    static const enum gb_field texts[] = {F_MESSAGE, F_LABEL, F_AGGREGATE_UNIT, F_WARNING};
    for (size_t k = 0; k < sizeof(texts) / sizeof(texts[0]); k++)
        if (f[texts[k]] != NULL && !cJSON_IsString(f[texts[k]]))
            return fail(err, PCB_RESULTS_EFORMAT, path,
                        "benchmark #%zu (\"%s\"): \"%s\" is not a string", idx, name,
                        gb_keys[texts[k]]);
    e->error_message = kept_string(rd, f[F_MESSAGE], &bad);
    e->label = kept_string(rd, f[F_LABEL], &bad);
    if (f[F_DIGEST] != NULL && (r = read_digest(rd, f[F_DIGEST], &rd->cases[c], idx, name)) < 0)
        return r;
    if (f[F_WARNING] != NULL && rd->cases[c].warning == NULL)
        rd->cases[c].warning = kept_string(rd, f[F_WARNING], &bad);
    if (f[F_WORK] != NULL) {
        if (!cJSON_IsString(f[F_WORK]))
            return fail(err, PCB_RESULTS_EFORMAT, path,
                        "benchmark #%zu (\"%s\"): \"pcb_work\" is not a string", idx, name);
        rd->cases[c].work = kept_string(rd, f[F_WORK], &bad);
    }
    if ((r = get_number(rd, f[F_THREADS], "threads", &tmp, idx, name)) < 0)
        return r;
    e->threads = r ? clamp_i32(tmp) : 0;
    if ((r = get_number(rd, f[F_REPETITIONS], "repetitions", &tmp, idx, name)) < 0)
        return r;
    e->repetitions = r && tmp >= 1 ? clamp_i32(tmp) : 0;
    if (cJSON_IsNumber(f[F_ITERATIONS]) && isfinite(f[F_ITERATIONS]->valuedouble))
        e->iterations = f[F_ITERATIONS]->valuedouble;
    if (bad || keep_counters(rd, e))
        return oom(rd);
    if (agg && !e->error) {
        int added = first_time(rd, c, 0, e->aggregate);
        if (added < 0)
            return oom(rd);
        if (added == 0)
            return fail(err, PCB_RESULTS_EFORMAT, path,
                        "benchmark #%zu: duplicate case \"%s\" (aggregate \"%s\" appears twice)",
                        idx, rd->cases[c].name, agg);
    }
    /* An errored run's times are meaningless and are not checked; its index is kept when it
     * is one. */
    if (e->error) {
        if (!agg && cJSON_IsNumber(f[F_INDEX]) && f[F_INDEX]->valuedouble >= 0 &&
            f[F_INDEX]->valuedouble <= 1e9)
            e->index = (int32_t)f[F_INDEX]->valuedouble;
        return 0;
    }

    if (f[F_TIME_UNIT] == NULL)
        return fail(err, PCB_RESULTS_EFORMAT, path,
                    "benchmark #%zu (\"%s\"): \"time_unit\" is missing", idx, name);
    if (!cJSON_IsString(f[F_TIME_UNIT]))
        return fail(err, PCB_RESULTS_EFORMAT, path,
                    "benchmark #%zu (\"%s\"): \"time_unit\" is not a string", idx, name);
    factor = unit_factor(f[F_TIME_UNIT]->valuestring);
    if (factor == 0)
        return fail(err, PCB_RESULTS_EFORMAT, path,
                    "benchmark #%zu (\"%s\"): unknown time_unit \"%s\" (expected ns, us, ms or "
                    "s)",
                    idx, name, f[F_TIME_UNIT]->valuestring);
    /* The cv aggregate (and any statistic in percent) holds fractions, not times. */
    e->fraction = agg && (strcmp(agg, "cv") == 0 ||
                          (f[F_AGGREGATE_UNIT] != NULL &&
                           strcmp(f[F_AGGREGATE_UNIT]->valuestring, "percentage") == 0));
    for (int k = 0; k < 2; k++) {
        const char *key = k ? "cpu_time" : "real_time";
        r = get_number(rd, f[k ? F_CPU : F_REAL], key, &tmp, idx, name);
        if (r < 0)
            return r;
        if (r == 0)
            return fail(err, PCB_RESULTS_EFORMAT, path,
                        "benchmark #%zu (\"%s\"): \"%s\" is missing", idx, name, key);
        if (!e->fraction) {
            tmp *= factor;
            if (check_time(rd, tmp, key, idx, name) < 0)
                return PCB_RESULTS_EFORMAT;
        }
        *(k ? &e->cpu_ns : &e->real_ns) = tmp;
    }
    if (agg)
        return 0;
    if ((r = get_number(rd, f[F_INDEX], "repetition_index", &tmp, idx, name)) < 0)
        return r;
    if (r) {
        if (tmp < 0 || tmp != floor(tmp) || tmp > 1e9)
            return fail(err, PCB_RESULTS_EFORMAT, path,
                        "benchmark #%zu (\"%s\"): \"repetition_index\" is not a small "
                        "non-negative integer",
                        idx, name);
        e->index = (int32_t)tmp;
        int added = first_time(rd, c, e->index, NULL);
        if (added < 0)
            return oom(rd);
        if (added == 0)
            return fail(err, PCB_RESULTS_EFORMAT, path,
                        "benchmark #%zu: duplicate case \"%s\" (repetition_index %ld appears "
                        "twice)",
                        idx, rd->cases[c].name, (long)e->index);
    }
    return 0;
}

/* ---- hyperfine ---- */

/* Reads one element of a "results" array. */
static int read_hyperfine_entry(struct reader *rd, const cJSON *h, size_t idx)
{
    static const struct {
        const char *key; /* hyperfine's member */
        size_t off;      /* where it goes */
    } fields[] = {
        {"mean", offsetof(struct pcb_results_summary, mean_ns)},
        {"stddev", offsetof(struct pcb_results_summary, stddev_ns)},
        {"median", offsetof(struct pcb_results_summary, median_ns)},
        {"min", offsetof(struct pcb_results_summary, min_ns)},
        {"max", offsetof(struct pcb_results_summary, max_ns)},
        {"user", offsetof(struct pcb_results_summary, user_ns)},
        {"system", offsetof(struct pcb_results_summary, system_ns)},
    };
    const cJSON *cmd, *times, *codes, *params, *x;
    const char *name, *path = rd->path;
    char *err = rd->err;
    struct pcb_results_case *c;
    size_t ci, k = 0, n;
    double v = 0;
    int r;

    if (!cJSON_IsObject(h))
        return fail(err, PCB_RESULTS_EFORMAT, path, "result #%zu is not an object", idx);
    cmd = cJSON_GetObjectItemCaseSensitive(h, "command");
    if (!cJSON_IsString(cmd))
        return fail(err, PCB_RESULTS_EFORMAT, path, "result #%zu has no \"command\" string", idx);
    name = cmd->valuestring;
    const char *dup = duplicate_key(h);
    if (dup != NULL)
        return fail(err, PCB_RESULTS_EFORMAT, path,
                    "result #%zu (\"%s\"): key \"%s\" appears twice", idx, name, dup);
    size_t before = rd->ncases;
    ci = case_of(rd, name, strlen(name), false);
    if (ci == NONE)
        return oom(rd);
    if (ci < before)
        return fail(err, PCB_RESULTS_EFORMAT, path, "result #%zu: duplicate command \"%s\"", idx,
                    name);
    c = &rd->cases[ci];

    codes = cJSON_GetObjectItemCaseSensitive(h, "exit_codes");
    if (codes != NULL && !cJSON_IsArray(codes))
        return fail(err, PCB_RESULTS_EFORMAT, path,
                    "result #%zu (\"%s\"): \"exit_codes\" is not an array", idx, name);
    n = (size_t)cJSON_GetArraySize(codes);
    if (n) {
        double *ec = store_alloc(rd->st, n * sizeof(*ec));
        if (ec == NULL)
            return oom(rd);
        cJSON_ArrayForEach(x, codes) ec[k++] = cJSON_IsNumber(x) ? x->valuedouble : NAN;
        c->exit_codes = ec;
        c->nexit_codes = k;
    }
    params = cJSON_GetObjectItemCaseSensitive(h, "parameters");
    if (cJSON_IsObject(params) && (dup = duplicate_key(params)) != NULL)
        return fail(err, PCB_RESULTS_EFORMAT, path,
                    "result #%zu (\"%s\"): \"parameters\": key \"%s\" appears twice", idx, name,
                    dup);
    if (cJSON_IsObject(params) && (n = (size_t)cJSON_GetArraySize(params)) > 0) {
        struct pcb_results_kv *kv = store_alloc(rd->st, n * sizeof(*kv));
        if (kv == NULL)
            return oom(rd);
        k = 0;
        cJSON_ArrayForEach(x, params)
        {
            if (x->string == NULL || render_value(rd, x))
                continue;
            kv[k].key = store_strndup(rd->st, x->string, strlen(x->string));
            kv[k].value = store_strndup(rd->st, rd->text, rd->ntext);
            if (kv[k].key == NULL || kv[k].value == NULL)
                return oom(rd);
            k++;
        }
        c->parameters = kv;
        c->nparameters = k;
    }

    times = cJSON_GetObjectItemCaseSensitive(h, "times");
    if (times != NULL && !cJSON_IsArray(times))
        return fail(err, PCB_RESULTS_EFORMAT, path,
                    "result #%zu (\"%s\"): \"times\" is not an array", idx, name);
    /* Without "times" the summary stands in for the runs; an empty list says there were none,
     * and the mean of no runs is not a sample. */
    if (times != NULL && times->child == NULL)
        return fail(err, PCB_RESULTS_EFORMAT, path,
                    "result #%zu (\"%s\"): \"times\" is empty; expected one time per run", idx,
                    name);
    k = 0;
    cJSON_ArrayForEach(x, times)
    {
        struct pcb_results_entry *e;
        if (!cJSON_IsNumber(x) || !isfinite(x->valuedouble))
            return fail(err, PCB_RESULTS_EFORMAT, path,
                        "result #%zu (\"%s\"): times[%zu] is not a finite number", idx, name, k);
        v = x->valuedouble * 1e9;
        if (check_time(rd, v, "times", idx, name) < 0)
            return PCB_RESULTS_EFORMAT;
        if ((e = add_entry(rd, ci, idx, false)) == NULL)
            return oom(rd);
        e->name = c->name;
        e->index = (long)k++;
        e->real_ns = v;
    }
    for (size_t i = 0; i < sizeof(fields) / sizeof(fields[0]); i++) {
        x = cJSON_GetObjectItemCaseSensitive(h, fields[i].key);
        if (cJSON_IsNull(x))
            continue; /* hyperfine writes null for the stddev of a single run */
        r = get_number(rd, x, fields[i].key, &v, idx, name);
        if (r < 0)
            return r;
        if (r == 0)
            continue;
        v *= 1e9;
        if (check_time(rd, v, fields[i].key, idx, name) < 0)
            return PCB_RESULTS_EFORMAT;
        memcpy((char *)&c->summary + fields[i].off, &v, sizeof(v)); /* a double field */
    }
    char why[64];
    if (k == 0 && isnan(c->summary.mean_ns) && isnan(c->summary.median_ns) &&
        pcb_results_case_error(c, why, sizeof(why)) == NULL)
        return fail(err, PCB_RESULTS_EFORMAT, path,
                    "result #%zu (\"%s\"): no \"times\", \"mean\" or \"median\"", idx, name);
    return 0;
}

/* ---- the top level ---- */

/* Reads the array that starts at s[*pos] == '[' element by element and leaves *pos just past
 * its ']'. */
static int read_array(struct reader *rd, size_t *pos)
{
    const char *s = rd->s;
    size_t len = rd->len, i = skip_ws(s, len, *pos + 1), vend, idx = 0;
    int rc;

    if (i < len && s[i] == ']') {
        *pos = i + 1;
        return 0;
    }
    for (;;) {
        cJSON *item = parse_at(rd, i, &vend);
        if (item == NULL)
            return PCB_RESULTS_EJSON;
        rd->entry_at = i;
        rd->entry_end = vend;
        rc = rd->res->kind == PCB_RESULTS_GBENCH ? read_gbench_entry(rd, item, idx)
                                                 : read_hyperfine_entry(rd, item, idx);
        arena_reset();
        if (rc)
            return rc;
        idx++;
        i = skip_ws(s, len, vend);
        if (i < len && s[i] == ',') {
            i = skip_ws(s, len, i + 1);
            continue;
        }
        if (i < len && s[i] == ']') {
            *pos = i + 1;
            return 0;
        }
        return syntax_error(rd, i);
    }
}

/*
 * The key of a top-level member, the string s[at..end), decoded: as it is written unless it
 * holds an escape, which cJSON decodes ("\u0063ontext" is "context", as any JSON tool reads it).
 * A key seen before in this object is refused, since tools disagree on which of the two counts.
 * Returns 0 with *key (kept until the read ends) and *klen set, or an error.
 */
static int top_key(struct reader *rd, size_t at, size_t end, const char **key, size_t *klen)
{
    const char *raw = rd->s + at + 1;
    size_t n = end - at - 2, vend;
    char *copy;

    if (memchr(raw, '\\', n) != NULL) {
        cJSON *v = parse_at(rd, at, &vend);
        if (v == NULL)
            return PCB_RESULTS_EJSON;
        raw = v->valuestring;
        n = strlen(raw);
    }
    for (size_t k = 0; k < rd->ntop; k++)
        if (strlen(rd->top[k]) == n && memcmp(rd->top[k], raw, n) == 0)
            return fail(rd->err, PCB_RESULTS_EFORMAT, rd->path,
                        "key \"%s\" appears twice at the top level", rd->top[k]);
    if (grow(&rd->top, &rd->captop, rd->ntop + 1, sizeof(*rd->top)) ||
        (copy = malloc(n + 1)) == NULL)
        return oom(rd);
    memcpy(copy, raw, n);
    copy[n] = '\0';
    rd->top[rd->ntop++] = copy;
    arena_reset();
    *key = copy;
    *klen = n;
    return 0;
}

/*
 * Reads the text. A 70 MB result file parsed as one cJSON tree needs a few hundred MB of nodes,
 * and the page faults and cache misses of building it cost more than the parsing. So the
 * top-level object is walked here, and cJSON parses one value at a time; the walk checks the
 * punctuation between values (braces, colons, commas) and cJSON everything inside them, so the
 * whole file is still validated. cJSON 1.7's ParseWithLength never reads past the length (the
 * fuzz target checks it with exactly sized buffers), so the text needs no terminating NUL.
 */
static int read_text(struct reader *rd)
{
    const char *s = rd->s;
    size_t len = rd->len, i, kend, vend, klen = 0;
    int rc;

    i = skip_ws(s, len, 0);
    if (i == len)
        return fail(rd->err, PCB_RESULTS_EFORMAT, rd->path, "file is empty");
    if ((rc = check_text(rd)) != 0)
        return rc;
    pthread_once(&hooks_once, install_hooks);
    if (s[i] != '{') {
        /* Not an object: let cJSON say whether it is JSON at all. */
        if (parse_at(rd, i, &vend) == NULL)
            return PCB_RESULTS_EJSON;
        arena_reset();
        i = skip_ws(s, len, vend);
        if (i < len)
            return syntax_error(rd, i);
        return fail(rd->err, PCB_RESULTS_EFORMAT, rd->path,
                    "not a benchmark result file: the top level is not an object");
    }
    i = skip_ws(s, len, i + 1);
    if (i < len && s[i] == '}') {
        i++;
    } else {
        for (;;) {
            const char *key = NULL;
            if (i >= len || s[i] != '"')
                return syntax_error(rd, i);
            kend = string_end(s, len, i);
            if (kend == NONE)
                return syntax_error(rd, len);
            if ((rc = top_key(rd, i, kend, &key, &klen)) != 0)
                return rc;
            i = skip_ws(s, len, kend);
            if (i >= len || s[i] != ':')
                return syntax_error(rd, i);
            i = skip_ws(s, len, i + 1);
            if (i >= len)
                return syntax_error(rd, len);
#define KEY_IS(lit) (klen == sizeof(lit) - 1 && memcmp(key, lit, klen) == 0)
            if ((KEY_IS("benchmarks") || KEY_IS("results")) && s[i] == '[') {
                if (rd->res->kind)
                    return fail(rd->err, PCB_RESULTS_EFORMAT, rd->path,
                                "has more than one \"benchmarks\" or \"results\" array");
                rd->res->kind = KEY_IS("benchmarks") ? PCB_RESULTS_GBENCH : PCB_RESULTS_HYPERFINE;
                rc = read_array(rd, &i);
                if (rc)
                    return rc;
            } else {
                cJSON *v = parse_at(rd, i, &vend);
                if (v == NULL)
                    return PCB_RESULTS_EJSON;
                if (KEY_IS("benchmarks") || KEY_IS("results"))
                    rc = fail(rd->err, PCB_RESULTS_EFORMAT, rd->path, "\"%s\" is not an array",
                              KEY_IS("results") ? "results" : "benchmarks");
                else if (KEY_IS("context"))
                    rc = read_context(rd, v);
                else
                    rc = 0; /* other members are only checked to be valid JSON */
                arena_reset();
                if (rc)
                    return rc;
                i = vend;
            }
#undef KEY_IS
            i = skip_ws(s, len, i);
            if (i < len && s[i] == ',') {
                i = skip_ws(s, len, i + 1);
                continue;
            }
            if (i < len && s[i] == '}') {
                i++;
                break;
            }
            return syntax_error(rd, i);
        }
    }
    i = skip_ws(s, len, i);
    if (i < len) {
        size_t line, col;
        line_col(s, i, &line, &col);
        return fail(rd->err, PCB_RESULTS_EJSON, rd->path,
                    "unexpected data after the JSON value at line %zu column %zu", line, col);
    }
    if (rd->res->kind == 0)
        return fail(rd->err, PCB_RESULTS_EFORMAT, rd->path,
                    "not a Google Benchmark or hyperfine result file (no \"benchmarks\" or "
                    "\"results\" array)");
    return 0;
}

/* Completes the model: every case points at its repetitions and aggregates, copied next to
 * each other (in file order) only for the cases whose entries are spread over the file. */
static int finish(struct reader *rd)
{
    struct pcb_results *res = rd->res;

    for (size_t c = 0; c < rd->ncases; c++) {
        struct case_state *cs = &rd->cstate[c];
        struct pcb_results_case *pc = &rd->cases[c];
        struct pcb_results_entry *copy;
        if (cs->spread_reps) {
            if ((copy = store_alloc(rd->st, cs->nreps * sizeof(*copy))) == NULL)
                return oom(rd);
            for (size_t i = 0; i < cs->nreps; i++)
                copy[i] = *cs->spread_reps[i];
            cs->reps = copy;
        }
        if (cs->spread_aggs) {
            if ((copy = store_alloc(rd->st, cs->naggs * sizeof(*copy))) == NULL)
                return oom(rd);
            for (size_t i = 0; i < cs->naggs; i++)
                copy[i] = *cs->spread_aggs[i];
            cs->aggs = copy;
        }
        pc->reps = cs->reps;
        pc->nreps = cs->nreps;
        pc->aggs = cs->aggs;
        pc->naggs = cs->naggs;
    }
    /* The case and context arrays are handed over to the store as they are. */
    res->cases = rd->cases;
    res->ncases = rd->ncases;
    rd->st->cases = rd->cases;
    rd->cases = NULL;
    res->context = rd->st->context = rd->ctx;
    res->ncontext = rd->nctx;
    rd->ctx = NULL;
    return 0;
}

/* Reads s[0..len) as the file `path` into a new *out. */
static int read_model(const char *path, const char *s, size_t len, struct pcb_results **out,
                      char *err)
{
    struct reader rd;
    struct pcb_results *res = calloc(1, sizeof(*res));
    int rc;

    *out = NULL;
    memset(&rd, 0, sizeof(rd));
    rd.path = path;
    rd.s = s;
    rd.len = len;
    rd.err = err;
    rd.prev_case = NONE;
    if (res == NULL || (res->store = calloc(1, sizeof(*res->store))) == NULL) {
        free(res);
        return fail(err, -ENOMEM, path, "out of memory");
    }
    rd.res = res;
    rd.st = res->store;
    res->path = store_strndup(rd.st, path, strlen(path));
    if (res->path == NULL)
        rc = oom(&rd);
    else if ((rc = read_text(&rd)) == 0)
        rc = finish(&rd);
    arena_reset();
    for (size_t c = 0; c < rd.ncases; c++) {
        free(rd.cstate[c].spread_reps);
        free(rd.cstate[c].spread_aggs);
    }
    free(rd.cases);
    free(rd.cstate);
    free(rd.strs);
    free(rd.pairs);
    free(rd.prev);
    free(rd.ctr);
    free(rd.ctx);
    free(rd.text);
    for (size_t k = 0; k < rd.ntop; k++)
        free(rd.top[k]);
    free(rd.top);
    free(rd.other);
    if (rc) {
        pcb_results_destroy(res);
        return rc;
    }
    *out = res;
    return 0;
}

int pcb_results_read_buffer(const char *name, const void *buf, size_t len, struct pcb_results **out,
                            char *err)
{
    return read_model(name, buf, len, out, err);
}

int pcb_results_read(const char *path, struct pcb_results **out, char *err)
{
    struct stat st;
    char *buf = NULL;
    size_t len = 0, cap = 0, got;
    FILE *f;
    int rc;

    *out = NULL;
    f = fopen(path, "rbe");
    if (f == NULL)
        return fail(err, -errno, path, "cannot open: %s", strerror(errno));
    if (fstat(fileno(f), &st) != 0) {
        rc = fail(err, -errno, path, "cannot stat: %s", strerror(errno));
        fclose(f);
        return rc;
    }
    if (S_ISDIR(st.st_mode)) {
        fclose(f);
        return fail(err, -EISDIR, path, "is a directory, not a file");
    }
    /* A device is no result file, and one like /dev/zero never ends. */
    if (!S_ISREG(st.st_mode) && !S_ISFIFO(st.st_mode)) {
        fclose(f);
        return fail(err, PCB_RESULTS_EFORMAT, path, "is a %s; expected a regular file or a pipe",
                    S_ISCHR(st.st_mode)   ? "character device"
                    : S_ISBLK(st.st_mode) ? "block device"
                                          : "socket");
    }
    if (S_ISREG(st.st_mode) && (uint64_t)st.st_size > PCB_RESULTS_MAX_FILE_SIZE) {
        fclose(f);
        return fail(err, PCB_RESULTS_ETOOBIG, path,
                    "file is %.0f MiB, larger than the %zu MiB limit",
                    (double)st.st_size / (1024.0 * 1024.0), PCB_RESULTS_MAX_FILE_SIZE >> 20);
    }
    if (S_ISREG(st.st_mode) && st.st_size > 0) {
        /* A regular file is mapped, not copied: the parser reads it once. MAP_POPULATE maps it
         * in one call instead of one fault per page. */
        void *m =
            mmap(NULL, (size_t)st.st_size, PROT_READ, MAP_PRIVATE | MAP_POPULATE, fileno(f), 0);
        if (m != MAP_FAILED) {
            fclose(f);
#ifdef MADV_SEQUENTIAL
            madvise(m, (size_t)st.st_size, MADV_SEQUENTIAL);
#endif
            rc = read_model(path, m, (size_t)st.st_size, out, err);
            munmap(m, (size_t)st.st_size);
            if (rc == 0)
                (*out)->dev = (uint64_t)st.st_dev, (*out)->ino = (uint64_t)st.st_ino;
            return rc;
        }
    }
    /* Pipes, /proc files and anything that cannot be mapped: read in a loop up to the limit. */
    for (;;) {
        if (len == cap) {
            char *nb;
            cap = cap ? cap * 2 : 65536;
            nb = realloc(buf, cap);
            if (nb == NULL) {
                free(buf);
                fclose(f);
                return fail(err, -ENOMEM, path, "out of memory");
            }
            buf = nb;
        }
        got = fread(buf + len, 1, cap - len, f);
        len += got;
        if (len > PCB_RESULTS_MAX_FILE_SIZE) {
            free(buf);
            fclose(f);
            return fail(err, PCB_RESULTS_ETOOBIG, path, "file is larger than the %zu MiB limit",
                        PCB_RESULTS_MAX_FILE_SIZE >> 20);
        }
        if (got == 0)
            break;
    }
    if (ferror(f)) {
        rc = fail(err, -EIO, path, "read error: %s", strerror(errno));
        free(buf);
        fclose(f);
        return rc;
    }
    fclose(f);
    rc = read_model(path, buf ? buf : "", len, out, err);
    free(buf);
    if (rc == 0)
        (*out)->dev = (uint64_t)st.st_dev, (*out)->ino = (uint64_t)st.st_ino;
    return rc;
}

void pcb_results_destroy(struct pcb_results *r)
{
    if (r == NULL)
        return;
    if (r->store != NULL) {
        while (r->store->blocks) {
            struct store_block *next = r->store->blocks->next;
            munmap(r->store->blocks, r->store->blocks->size);
            r->store->blocks = next;
        }
        free(r->store->table);
        free(r->store->cases);
        free(r->store->context);
        free(r->store);
    }
    free(r);
}

/* Whether two doubles are the same value (NaN equal to NaN). */
static bool same_value(double a, double b)
{
    return a == b || (isnan(a) && isnan(b));
}

/* Whether two optional strings are equal (NULL only equal to NULL). */
static bool same_text(const char *a, const char *b)
{
    return a == b || (a != NULL && b != NULL && strcmp(a, b) == 0);
}

static bool same_entries(const struct pcb_results_entry *a, const struct pcb_results_entry *b,
                         size_t n)
{
    for (size_t i = 0; i < n; i++) {
        const struct pcb_results_entry *x = &a[i], *y = &b[i];
        if (!same_value(x->real_ns, y->real_ns) || !same_value(x->cpu_ns, y->cpu_ns) ||
            !same_value(x->iterations, y->iterations) || x->index != y->index ||
            x->error != y->error || x->ncounters != y->ncounters ||
            !same_text(x->aggregate, y->aggregate) || !same_text(x->name, y->name))
            return false;
        for (size_t k = 0; k < x->ncounters; k++)
            if (strcmp(x->counters[k].name, y->counters[k].name) != 0 ||
                !same_value(x->counters[k].value, y->counters[k].value))
                return false;
    }
    return true;
}

bool pcb_results_same_run(const struct pcb_results *a, const struct pcb_results *b)
{
    static const char *const run_keys[] = {"date", "host_name"};

    if (a->kind != b->kind || a->ncases != b->ncases)
        return false;
    for (size_t k = 0; k < sizeof(run_keys) / sizeof(run_keys[0]); k++)
        if (!same_text(pcb_results_context(a, run_keys[k]), pcb_results_context(b, run_keys[k])))
            return false;
    for (size_t i = 0; i < a->ncases; i++) {
        const struct pcb_results_case *x = &a->cases[i], *y = &b->cases[i];
        if (strcmp(x->key, y->key) != 0 || x->nreps != y->nreps || x->naggs != y->naggs ||
            !same_entries(x->reps, y->reps, x->nreps) ||
            !same_entries(x->aggs, y->aggs, x->naggs) ||
            memcmp(&x->summary, &y->summary, sizeof(x->summary)) != 0)
            return false;
    }
    return true;
}

const struct pcb_results_case *pcb_results_find(const struct pcb_results *r, const char *key)
{
    size_t i = find_case(r->store, r->cases, key);

    return i == NONE ? NULL : &r->cases[i];
}

const char *pcb_results_context(const struct pcb_results *r, const char *key)
{
    for (size_t i = 0; i < r->ncontext; i++)
        if (strcmp(r->context[i].key, key) == 0)
            return r->context[i].value;
    return NULL;
}

const struct pcb_results_counter *pcb_results_counter(const struct pcb_results_entry *e,
                                                      const char *name)
{
    for (size_t i = 0; i < e->ncounters; i++)
        if (strcmp(e->counters[i].name, name) == 0)
            return &e->counters[i];
    return NULL;
}

const struct pcb_results_entry *pcb_results_aggregate(const struct pcb_results_case *c,
                                                      const char *aggregate)
{
    for (size_t i = 0; i < c->naggs; i++)
        if (strcmp(c->aggs[i].aggregate, aggregate) == 0)
            return &c->aggs[i];
    return NULL;
}

const char *pcb_results_case_error(const struct pcb_results_case *c, char *buf, size_t cap)
{
    const struct pcb_results_entry *first = NULL;

    for (size_t i = 0; i < c->nreps; i++)
        if (c->reps[i].error) {
            first = &c->reps[i];
            break;
        }
    for (size_t i = 0; i < c->naggs; i++)
        if (c->aggs[i].error && (first == NULL || c->aggs[i].entry < first->entry)) {
            first = &c->aggs[i];
            break;
        }
    if (first != NULL)
        return first->error_message ? first->error_message : "error (no message)";
    for (size_t i = 0; i < c->nexit_codes; i++)
        if (c->exit_codes[i] != 0 && !isnan(c->exit_codes[i])) {
            snprintf(buf, cap, "a run exited with status %g", c->exit_codes[i]);
            return buf;
        }
    return NULL;
}
