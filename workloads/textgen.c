/*
 * textgen.c - deterministic English-like text (see wl_internal.h).
 *
 * A vocabulary of 4096 words is built from syllables, then words are drawn with a skewed
 * (Zipf-like) distribution, so a few words are very common and most are rare, as in prose.
 * Sentences start with a capital letter and end with a full stop; every few sentences a
 * paragraph break. The output depends only on (seed, utf8, len).
 */
#include "wl_internal.h"

#include <errno.h>
#include <stdlib.h>
#include <string.h>

#define VOCAB 4096
#define MAXWORD 16

static const char *const syllables[] = {
    "the", "an", "in", "er", "on", "at", "re", "es", "or", "te", "of", "ed", "is", "it",
    "al",  "ar", "st", "to", "nt", "ng", "se", "ha", "ou", "le", "ve", "co", "me", "de",
    "hi",  "ri", "ro", "ic", "ne", "ea", "ra", "ce", "li", "ch", "ll", "be", "ma", "si",
    "om",  "ur", "ca", "el", "ta", "la", "ns", "di", "fo", "ho", "pe", "ec", "pr", "no",
};

/* Characters of 2, 3 and 4 bytes: Latin-1 letters (both cases), punctuation, CJK, emoji. */
static const char *const wide[] = {
    "\xc3\xa9",     /* é */ "\xc3\xbc",           /* ü */ "\xc3\xa0", /* à */ "\xc3\xa7", /* ç */
    "\xc3\x89",     /* É */ "\xc3\x9f",           /* ß */ "\xc3\xbf", /* ÿ */ "\xc3\xb1", /* ñ */
    "\xe2\x80\x94", /* em dash */ "\xe2\x80\x9c", /* left quote */
    "\xe6\x96\x87", /* 文 */ "\xf0\x9f\x98\x80",  /* grinning face */
};

struct vocab {
    char w[VOCAB][MAXWORD];   /* NUL-terminated words */
    unsigned char len[VOCAB]; /* their lengths */
};

static void make_vocab(struct pcb__rng *r, struct vocab *v)
{
    const size_t ns = sizeof(syllables) / sizeof(syllables[0]);

    for (size_t i = 0; i < VOCAB; i++) {
        /* Common words (low indices) are short, as in English. */
        size_t nsyl = 1 + (i > 64) + (i > 1024) + pcb__rng_below(r, 2);
        size_t n = 0;
        for (size_t k = 0; k < nsyl && n + 2 < MAXWORD; k++) {
            const char *s = syllables[pcb__rng_below(r, ns)];
            size_t sl = strlen(s);
            memcpy(v->w[i] + n, s, sl);
            n += sl;
        }
        if (i < 8) /* a handful of one- or two-letter words */
            n = 1 + (i & 1);
        v->w[i][n] = 0;
        v->len[i] = (unsigned char)n;
    }
}

int pcb__textgen(uint64_t seed, int utf8, char *buf, size_t len)
{
    struct vocab *vp = malloc(sizeof(*vp));
    struct pcb__rng r = {seed ^ 0x7465787467656eULL};
    size_t pos = 0, sentence = 0, words = 0;
    int cap = 1;

    if (!vp)
        return -ENOMEM;
    make_vocab(&r, vp);
    while (pos < len) {
        /* Skewed pick: the minimum of two uniform indices, cubed down. */
        uint64_t a = pcb__rng_below(&r, VOCAB), b = pcb__rng_below(&r, VOCAB);
        uint64_t idx = (a < b ? a : b) * (a < b ? a : b) / VOCAB;
        char word[MAXWORD + 8];
        size_t n = vp->len[idx];

        memcpy(word, vp->w[idx], n);
        if (cap && word[0] >= 'a' && word[0] <= 'z')
            word[0] = (char)(word[0] - 'a' + 'A');
        cap = 0;
        if (utf8 && pcb__rng_below(&r, 20) == 0) {
            const char *w = wide[pcb__rng_below(&r, sizeof(wide) / sizeof(wide[0]))];
            size_t wl = strlen(w), at = pcb__rng_below(&r, n + 1);
            memmove(word + at + wl, word + at, n - at);
            memcpy(word + at, w, wl);
            n += wl;
        }
        if (pos + n > len) { /* never cut a character: pad the tail with spaces */
            memset(buf + pos, ' ', len - pos);
            break;
        }
        memcpy(buf + pos, word, n);
        pos += n;
        words++;
        /* The separator after the word. */
        const char *sep = " ";
        if (words > 4 && pcb__rng_below(&r, 12) == 0) {
            sep = ". ";
            cap = 1;
            words = 0;
            if (++sentence % 6 == 0)
                sep = ".\n\n";
        } else if (pcb__rng_below(&r, 15) == 0) {
            sep = ", ";
        }
        for (const char *s = sep; *s && pos < len; s++)
            buf[pos++] = *s;
    }
    free(vp);
    return 0;
}
