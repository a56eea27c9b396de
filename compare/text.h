/*
 * text.h - how text from a result file (a case name, a message, a context value) is shown to a
 * person: compare's table and Markdown, pcbench-report's index.md, index.html and results.csv,
 * pcbench-history's page. One set of rules for all of them:
 *
 *   - a control character never reaches the output as it is: C0 controls (ESC, line breaks,
 *     tabs), DEL, C1 controls, and the Unicode line separators and direction controls, which
 *     break or reorder what is shown around them, each show as '?', as does a byte that is not
 *     part of well-formed UTF-8 (a path from the command line need not be);
 *   - a text may be capped: cut to max - 1 characters and an ellipsis ("…"), so that one name
 *     of thousands of characters does not widen every row of a table.
 *
 * What a format must escape besides (Markdown's '|', HTML's '<', CSV's '"') is the caller's: it
 * passes a function that writes one character. JSON outputs do not come through here; they
 * escape control characters and keep every name whole.
 */
#ifndef PCB_TEXT_H
#define PCB_TEXT_H

#include <stddef.h>
#include <stdint.h>
#include <stdio.h>

/* The widest a case name is shown in a table, in characters: every name the suite has fits (the
 * longest is under 140), and a longer one is cut to this many, the last one an ellipsis. */
#define PCB_TEXT_NAME_COLS 144

/* Writes one shown character to out as a format needs it: cp is its code point and bytes its
 * n bytes of UTF-8 ('?' and "?" for a character shown as '?'). */
typedef void (*pcb_text_put_fn)(FILE *out, uint32_t cp, const char *bytes, size_t n);

/* Writes s, at most max characters (0: no limit), by the rules above, each character through
 * put and the ellipsis as it is. Returns the characters written. */
size_t pcb_text_write(FILE *out, const char *s, size_t max, pcb_text_put_fn put);

/* The characters pcb_text_write() shows of s at most max wide (max > 0). */
size_t pcb_text_width(const char *s, size_t max);

/* The code point of the UTF-8 sequence at s (at least one byte before the NUL), and its length
 * in *n; a byte that is not part of well-formed UTF-8 is U+FFFD, one byte long. Names from result
 * files are valid UTF-8 (the reader checks it); paths and options from the command line need not
 * be. */
uint32_t pcb_text_next(const char *s, size_t *n);

/* A pcb_text_put_fn that writes the character as it is (a terminal, a plain text cell). */
void pcb_text_put_plain(FILE *out, uint32_t cp, const char *bytes, size_t n);

#endif
