/*
 * zblocks.c - Zlib.blocks: what a parallel compressor does, as a pcbench workload.
 *
 * The input is a document of `blocks` blocks of `block_kib` KiB each, generated from the seed:
 * English-like text (words of a small vocabulary, punctuation, line breaks), which compresses
 * about as well as real prose. Task i compresses block i % blocks with zlib's deflate at
 * `level`, into a buffer of its own, as pigz and parallel gzip do with 64 KiB blocks. Its digest
 * is the compressed size and the CRC-32 of the compressed bytes, mixed: it depends only on the
 * parameters, the seed and the task, and a task that did not compress its block cannot produce
 * it.
 *
 * The same file is a plugin of the stock pcbench (PCB_PLUGIN below) and the workload of the
 * program of main.c, which registers it with pcb_workload_register().
 */
#include <pcbench.h>

#include <errno.h>
#include <stdlib.h>
#include <string.h>
#include <zlib.h>

struct pcb_input {
    size_t block;        /* bytes per block */
    uint64_t blocks;     /* blocks in the document */
    int level;           /* zlib compression level */
    unsigned char doc[]; /* the document, blocks * block bytes; read-only once prepared */
};

static const struct pcb_param_spec params[] = {
    {.name = "block_kib",
     .help = "KiB per block, compressed by one task (pigz uses 128, many tools 64)",
     .min = 1,
     .max = 4096,
     .defaults = {64},
     .ndefaults = 1,
     .quick = 16},
    {.name = "level",
     .help = "zlib compression level, 1 (fast) to 9 (small)",
     .min = 1,
     .max = 9,
     .defaults = {6},
     .ndefaults = 1,
     .quick = 1},
    {.name = "blocks",
     .help = "distinct blocks in the document; task i compresses block i % blocks",
     .min = 1,
     .max = 1024,
     .defaults = {16},
     .ndefaults = 1,
     .quick = 4},
};

static const char *const words[] = {
    "the",     "of",     "and",      "to",      "in",        "a",         "is",     "that",
    "for",     "it",     "as",       "was",     "with",      "be",        "by",     "on",
    "not",     "he",     "this",     "are",     "or",        "his",       "from",   "at",
    "which",   "but",    "have",     "an",      "had",       "they",      "you",    "were",
    "their",   "one",    "all",      "we",      "can",       "her",       "has",    "there",
    "been",    "if",     "more",     "when",    "will",      "would",     "who",    "so",
    "process", "thread", "compress", "block",   "benchmark", "scheduler", "memory", "queue",
    "worker",  "batch",  "latency",  "machine", "measured",  "parallel",  "result", "digest",
};

static int prepare(const uint64_t *values, uint64_t seed, struct pcb_input **out)
{
    size_t block = (size_t)values[0] * 1024, total = block * (size_t)values[2];
    struct pcb_input *in = malloc(sizeof(*in) + total);
    uint64_t state = seed;
    size_t at = 0, col = 0;

    if (!in)
        return -ENOMEM;
    in->block = block;
    in->blocks = values[2];
    in->level = (int)values[1];
    while (at < total) { /* words, a full stop now and then, lines of about 72 */
        uint64_t r = pcb_mix64(++state);
        const char *w = words[r % (sizeof(words) / sizeof(words[0]))];
        for (size_t i = 0; w[i] && at < total; i++, col++)
            in->doc[at++] = (unsigned char)w[i];
        if (at < total && (r >> 32) % 11 == 0)
            in->doc[at++] = '.', col++;
        if (at < total)
            in->doc[at++] = col >= 72 ? '\n' : ' ';
        col = col >= 72 ? 0 : col + 1;
    }
    *out = in;
    return 0;
}

static void release(struct pcb_input *in)
{
    free(in);
}

static int run(const struct pcb_input *in, uint64_t task, uint64_t *digest)
{
    const unsigned char *src = in->doc + (size_t)(task % in->blocks) * in->block;
    uLongf len = compressBound((uLong)in->block);
    unsigned char *dst = malloc(len);
    int zerr;

    if (!dst)
        return -ENOMEM;
    zerr = compress2(dst, &len, src, (uLong)in->block, in->level);
    if (zerr != Z_OK) {
        free(dst);
        return zerr == Z_MEM_ERROR ? -ENOMEM : PCB_ETASK;
    }
    *digest = pcb_mix64(((uint64_t)len << 32) ^ crc32(0L, dst, (uInt)len));
    free(dst);
    return 0;
}

static uint64_t task_bytes(const struct pcb_input *in)
{
    return in->block;
}

const struct pcb_workload zblocks_workloads[] = {
    {.name = "Zlib.blocks",
     .summary = "zlib deflate of one block of a generated English-like document per task",
     .kind = PCB_WL_CPU,
     .params = params,
     .nparams = sizeof(params) / sizeof(params[0]),
     .prepare = prepare,
     .release = release,
     .run = run,
     .task_bytes = task_bytes},
};

PCB_PLUGIN(zblocks_workloads, 1);
