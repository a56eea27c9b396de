/*
 * cpu_text.c - CPU.text: upper-case a text segment and count its letters.
 *
 * The input is one text, split into `segments` pieces on UTF-8 character boundaries (a nominal
 * boundary that falls inside a multi-byte character moves forward to the character's end), so
 * the counts of all segments add up exactly to a single pass over the whole text. Task i
 * processes segment i mod `segments`: it writes the upper-cased segment into the thread's
 * scratch buffer (allocated once per thread) and counts letters; its digest covers both.
 *
 * The text is, for corpus:0, 1 and 2, a generated English-like corpus of 50, 439 or 870 KiB with
 * multi-byte UTF-8 characters in it (the sizes of the texts this suite was first measured on);
 * corpus:3 and up are real files (pcb_wl_text_add_file(), --pcb_text=PATH, or PCB_TEXT).
 *
 * What "upper-case" means here: ASCII a-z become A-Z; the Latin-1 small letters U+00E0..U+00FE
 * (except U+00F7, the division sign) become their capitals U+00C0..U+00DE, which keeps them two
 * bytes long. Everything else is copied unchanged: U+00DF (sharp s, whose capital is "SS") and
 * U+00FF (whose capital is outside Latin-1), every other script, and invalid bytes. So the
 * output has exactly the length of the input, which a fixed split into segments needs. Full
 * Unicode case mapping (locale- and context-dependent, length-changing) is out of scope.
 * Decoding: a lead byte followed by the right number of continuation bytes is one character
 * (overlong forms and surrogates are not rejected: they count as "other"); any other byte is
 * one invalid byte.
 */
#define _GNU_SOURCE
#include "cpu_text.h"

#include <errno.h>
#include <fcntl.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "wl_internal.h"

struct pcb_input {
    uint64_t seed;      /* mixed into every digest */
    uint64_t corpus;    /* which text (parameter corpus) */
    char *text;         /* the whole text; read-only */
    size_t len;         /* its length in bytes */
    uint64_t segments;  /* how many segments */
    size_t *offsets;    /* segments + 1 boundaries: segment s is [offsets[s], offsets[s+1]) */
    size_t max_segment; /* the longest segment, bytes: the scratch size a task needs */
};

static const struct pcb_param_spec params[] = {
    {.name = "corpus",
     .help = "text: 0/1/2 generated 50/439/870 KiB English-like UTF-8; 3.. the --pcb_text files",
     .min = 0,
     .max = 2 + PCB_WL_TEXT_MAX_FILES,
     .defaults = {0, 1, 2},
     .ndefaults = 3,
     .quick = 0},
    {.name = "segments",
     .help = "segments the text is split into; task i processes segment i mod segments",
     .min = 1,
     .max = 1 << 20,
     .defaults = {2},
     .ndefaults = 1,
     .quick = 8},
};

static const size_t corpus_bytes[3] = {50 * 1024, 439 * 1024, 870 * 1024};

static char *files[PCB_WL_TEXT_MAX_FILES]; /* added paths, owned */
static size_t nfiles;

int pcb_wl_text_add_file(const char *path)
{
    if (nfiles == PCB_WL_TEXT_MAX_FILES)
        return PCB_EPARAM;
    if (!(files[nfiles] = strdup(path)))
        return -ENOMEM;
    nfiles++;
    return 0;
}

void pcb_wl_text_clear_files(void)
{
    while (nfiles)
        free(files[--nfiles]);
}

/* The path of real text `k` (0-based): an added file, else the k-th entry of PCB_TEXT. Writes
 * into buf; returns 0 or PCB_EPARAM when there is no such file. */
static int file_path(size_t k, char *buf, size_t cap)
{
    if (nfiles) {
        if (k >= nfiles || strlen(files[k]) >= cap)
            return PCB_EPARAM;
        strcpy(buf, files[k]);
        return 0;
    }
    const char *s = getenv("PCB_TEXT");
    while (s && *s) {
        const char *e = strchr(s, ':');
        size_t n = e ? (size_t)(e - s) : strlen(s);
        if (n && k-- == 0) {
            if (n >= cap)
                return PCB_EPARAM;
            memcpy(buf, s, n);
            buf[n] = 0;
            return 0;
        }
        s = e ? e + 1 : NULL;
    }
    return PCB_EPARAM;
}

/* Reads the whole file at `path`. Returns 0 and a malloc'ed buffer, or a negative code. */
static int read_file(const char *path, char **out, size_t *len)
{
    int fd = open(path, O_RDONLY | O_CLOEXEC);
    struct stat st;
    char *buf = NULL;
    size_t got = 0;
    int err;

    if (fd < 0)
        return -errno;
    if (fstat(fd, &st) < 0) {
        err = -errno;
        goto err;
    }
    err = -ENOMEM;
    if (!(buf = malloc((size_t)st.st_size + 1)))
        goto err;
    while (got < (size_t)st.st_size) {
        ssize_t n = read(fd, buf + got, (size_t)st.st_size - got);
        if (n < 0 && errno == EINTR)
            continue;
        if (n <= 0) {
            err = n < 0 ? -errno : -EIO;
            goto err;
        }
        got += (size_t)n;
    }
    close(fd);
    *out = buf;
    *len = got;
    return 0;
err:
    free(buf);
    close(fd);
    return err;
}

static inline int is_cont(unsigned char c)
{
    return (c & 0xc0) == 0x80;
}

static void split(struct pcb_input *in)
{
    in->offsets[0] = 0;
    in->max_segment = 0;
    for (uint64_t s = 1; s <= in->segments; s++) {
        size_t at = (size_t)((unsigned __int128)in->len * s / in->segments);
        /* Never inside a character: at most 3 continuation bytes follow a lead byte, so
         * after 3 steps `at` is at a byte no valid character spans. */
        for (int k = 0; k < 3 && at < in->len && is_cont((unsigned char)in->text[at]); k++)
            at++;
        if (at < in->offsets[s - 1])
            at = in->offsets[s - 1];
        in->offsets[s] = at;
        if (at - in->offsets[s - 1] > in->max_segment)
            in->max_segment = at - in->offsets[s - 1];
    }
}

static int prepare(const uint64_t *values, uint64_t seed, struct pcb_input **out)
{
    struct pcb_input *in = calloc(1, sizeof(*in));
    int err = -ENOMEM;

    if (!in)
        return -ENOMEM;
    in->seed = seed;
    in->corpus = values[0];
    in->segments = values[1];
    if (in->corpus < 3) {
        in->len = corpus_bytes[in->corpus];
        if (!(in->text = malloc(in->len + 1)))
            goto err;
        if ((err = pcb__textgen(seed + in->corpus, 1, in->text, in->len)) != 0)
            goto err;
    } else {
        char path[4096];
        if ((err = file_path(in->corpus - 3, path, sizeof(path))) != 0)
            goto err;
        if ((err = read_file(path, &in->text, &in->len)) != 0)
            goto err;
    }
    err = -ENOMEM;
    if (!(in->offsets = malloc((in->segments + 1) * sizeof(size_t))))
        goto err;
    split(in);
    *out = in;
    return 0;
err:
    free(in->text);
    free(in);
    return err;
}

static void release(struct pcb_input *in)
{
    if (!in)
        return;
    free(in->offsets);
    free(in->text);
    free(in);
}

/* ASCII byte -> bin (a-z and A-Z), or 0xff for none. */
static const unsigned char ascii_bin[128] = {
#define L(c) [c] = (c) - 'A' + 1, [(c) + 32] = (c) - 'A' + 1
    L('A'), L('B'), L('C'), L('D'), L('E'), L('F'), L('G'), L('H'), L('I'),
    L('J'), L('K'), L('L'), L('M'), L('N'), L('O'), L('P'), L('Q'), L('R'),
    L('S'), L('T'), L('U'), L('V'), L('W'), L('X'), L('Y'), L('Z'),
#undef L
}; /* stored as bin + 1, so 0 means "not a letter" */

/* The bin of a Latin-1 code point U+00C0..U+00FF. */
static unsigned latin1_bin(unsigned cp)
{
    if (cp == 0xdf)
        return 56;
    if (cp == 0xff)
        return 57;
    if (cp == 0xd7 || cp == 0xf7)
        return PCB_WL_TEXT_BIN_OTHER;
    cp &= ~0x20u; /* the small letter's capital */
    return 26 + (cp - 0xc0) - (cp > 0xd7);
}

/* Length of the character starting at s[0] (s[0] >= 0x80), or 0 if it is an invalid byte. */
static size_t char_len(const unsigned char *s, size_t left)
{
    size_t n = s[0] >= 0xf0 && s[0] <= 0xf4   ? 4
               : s[0] >= 0xe0 && s[0] <= 0xef ? 3
               : s[0] >= 0xc2 && s[0] <= 0xdf ? 2
                                              : 0;
    if (n == 0 || n > left)
        return 0;
    for (size_t k = 1; k < n; k++)
        if (!is_cont(s[k]))
            return 0;
    return n;
}

/*
 * The one pass: counts [s, s+len) into counts and, when up is not NULL, writes the upper-cased
 * bytes there.
 */
static void process(const unsigned char *s, size_t len, unsigned char *up, uint64_t *counts)
{
    size_t i = 0;

    while (i < len) {
        unsigned char c = s[i];
        if (c < 0x80) {
            unsigned b = ascii_bin[c];
            if (b)
                counts[b - 1]++;
            if (up)
                up[i] = (unsigned char)(c >= 'a' && c <= 'z' ? c - 32 : c);
            i++;
            continue;
        }
        size_t n = char_len(s + i, len - i);
        if (n == 0) {
            counts[PCB_WL_TEXT_BIN_INVALID]++;
            if (up)
                up[i] = c;
            i++;
            continue;
        }
        if (n == 2 && (c == 0xc3)) { /* U+00C0..U+00FF */
            unsigned cp = 0xc0 | (s[i + 1] & 0x3f);
            counts[latin1_bin(cp)]++;
            if (up) {
                up[i] = c;
                up[i + 1] = (unsigned char)(cp >= 0xe0 && cp <= 0xfe && cp != 0xf7 ? s[i + 1] - 0x20
                                                                                   : s[i + 1]);
            }
        } else {
            counts[PCB_WL_TEXT_BIN_OTHER]++;
            if (up)
                memcpy(up + i, s + i, n);
        }
        i += n;
    }
}

uint64_t pcb_wl_text_segments(const struct pcb_input *in)
{
    return in->segments;
}

int pcb_wl_text_count(const struct pcb_input *in, uint64_t segment, uint64_t *counts)
{
    uint64_t local[PCB_WL_TEXT_BINS] = {0};
    size_t lo = 0, hi = in->len;

    if (segment != UINT64_MAX) {
        if (segment >= in->segments)
            return PCB_EPARAM;
        lo = in->offsets[segment];
        hi = in->offsets[segment + 1];
    }
    process((const unsigned char *)in->text + lo, hi - lo, NULL, local);
    for (size_t b = 0; b < PCB_WL_TEXT_BINS; b++)
        counts[b] += local[b];
    return 0;
}

static int run(const struct pcb_input *in, uint64_t task, uint64_t *digest)
{
    uint64_t seg = task % in->segments, counts[PCB_WL_TEXT_BINS] = {0};
    size_t lo = in->offsets[seg], len = in->offsets[seg + 1] - lo;
    unsigned char *up = pcb__scratch(0, in->max_segment + 1);
    uint64_t h = pcb_mix64(in->seed ^ pcb_mix64(task));

    if (!up)
        return -ENOMEM;
    process((const unsigned char *)in->text + lo, len, up, counts);
    /* The upper-cased text, 8 bytes at a time, then the counts. */
    size_t i = 0;
    for (; i + 8 <= len; i += 8) {
        uint64_t w;
        memcpy(&w, up + i, 8);
        h = (h ^ w) * 0x100000001b3ULL;
    }
    for (; i < len; i++)
        h = (h ^ up[i]) * 0x100000001b3ULL;
    for (size_t b = 0; b < PCB_WL_TEXT_BINS; b++)
        h = pcb_mix64(h ^ counts[b] ^ (b << 56));
    *digest = h;
    return 0;
}

static uint64_t task_bytes(const struct pcb_input *in)
{
    return in->len / in->segments; /* the mean segment */
}

const struct pcb_workload pcb_wl_cpu_text = {
    .name = "CPU.text",
    .summary = "upper-case a UTF-8 text segment and count its letters: byte-at-a-time streaming",
    .kind = PCB_WL_CPU,
    .params = params,
    .nparams = sizeof(params) / sizeof(params[0]),
    .prepare = prepare,
    .release = release,
    .run = run,
    .task_bytes = task_bytes,
};
