/*
 * text.c - shows text from result files by the one set of rules; see text.h.
 */
#include "text.h"

#include <stdbool.h>

uint32_t pcb_text_next(const char *text, size_t *n)
{
    const unsigned char *s = (const unsigned char *)text;
    uint32_t cp, min;
    size_t len;

    if (s[0] < 0x80) {
        *n = 1;
        return s[0];
    }
    if (s[0] >= 0xc2 && s[0] <= 0xdf)
        len = 2, cp = s[0] & 0x1fu, min = 0x80;
    else if (s[0] >= 0xe0 && s[0] <= 0xef)
        len = 3, cp = s[0] & 0x0fu, min = 0x800;
    else if (s[0] >= 0xf0 && s[0] <= 0xf4)
        len = 4, cp = s[0] & 0x07u, min = 0x10000;
    else
        len = 0, cp = 0, min = 0;
    for (size_t k = 1; k < len; k++) {
        if ((s[k] & 0xc0) != 0x80) {
            len = 0;
            break;
        }
        cp = cp << 6 | (s[k] & 0x3fu);
    }
    if (len == 0 || cp < min || cp > 0x10ffff || (cp >= 0xd800 && cp <= 0xdfff)) {
        *n = 1;
        return 0xfffd;
    }
    *n = len;
    return cp;
}

/* Characters that must not reach a terminal, a table or a page as they are: C0 controls (line
 * breaks, ESC, CR), DEL, C1 controls, and the Unicode line separators and direction controls,
 * which break or reorder what is shown around them. */
static bool is_control(uint32_t cp)
{
    return cp < 0x20 || (cp >= 0x7f && cp <= 0x9f) || cp == 0x061c || cp == 0x200e ||
           cp == 0x200f || (cp >= 0x2028 && cp <= 0x202e) || (cp >= 0x2066 && cp <= 0x2069) ||
           cp == 0xfeff;
}

size_t pcb_text_write(FILE *out, const char *s, size_t max, pcb_text_put_fn put)
{
    size_t total = 0, shown = 0, n;

    /* Count up to max + 1 characters: more than max means the text is cut. */
    for (const char *q = s; *q && (max == 0 || total <= max); q += n, total++)
        pcb_text_next(q, &n);
    for (; *s && (max == 0 || total <= max || shown + 1 < max); s += n, shown++) {
        uint32_t cp = pcb_text_next(s, &n);
        if (is_control(cp) || cp == 0xfffd)
            put(out, '?', "?", 1);
        else
            put(out, cp, s, n);
    }
    if (*s) {
        fputs("\xe2\x80\xa6", out); /* the ellipsis */
        shown++;
    }
    return shown;
}

size_t pcb_text_width(const char *s, size_t max)
{
    size_t total = 0, n;

    for (; *s && total < max; s += n, total++)
        pcb_text_next(s, &n);
    return total;
}

void pcb_text_put_plain(FILE *out, uint32_t cp, const char *bytes, size_t n)
{
    (void)cp;
    fwrite(bytes, 1, n, out);
}
