/*
 * cpu_text.h - CPU.text's extra entry points: real input files and the letter counts.
 *
 * pcb_wl_text_add_file() adds a file to the corpus list (what --pcb_text=PATH does); files are
 * read by prepare(), not here. pcb_wl_text_count() exposes the per-segment and whole-text
 * counts that a task's digest is built from, so tests can check that the counts of all segments
 * add up to a single pass over the whole text.
 */
#ifndef PCB_CPU_TEXT_H
#define PCB_CPU_TEXT_H

#include <stdint.h>

#include "workload.h"

/*
 * Count bins, one per letter after upper-casing:
 *   0..25   A..Z (a..z counted here)
 *   26..55  the Latin-1 capitals U+00C0..U+00DE except U+00D7 (their small letters
 *           U+00E0..U+00FE except U+00F7 counted here)
 *   56      U+00DF (sharp s), 57 U+00FF (y with diaeresis): letters with no Latin-1 capital
 *   58      any other code point above U+007F (one count per character, not per byte)
 *   59      bytes that are not valid UTF-8 (one count per byte)
 */
#define PCB_WL_TEXT_BINS 60
#define PCB_WL_TEXT_BIN_OTHER 58
#define PCB_WL_TEXT_BIN_INVALID 59

/* The most files one run may name. */
#define PCB_WL_TEXT_MAX_FILES 13

/*
 * Adds `path` to the list of real texts: with files given, corpus:3 is the first, corpus:4 the
 * second, and so on. Copies the path. Returns 0, -ENOMEM, or PCB_EPARAM when the list is full.
 * Not thread-safe; call it before any input is prepared. The PCB_TEXT environment variable
 * (paths separated by ':') is used when no file was added this way.
 */
int pcb_wl_text_add_file(const char *path);
/* Forgets every added file. */
void pcb_wl_text_clear_files(void);

/* How many segments the prepared text is split into. */
uint64_t pcb_wl_text_segments(const struct pcb_input *in);
/*
 * Adds to counts[0..PCB_WL_TEXT_BINS) the letter counts of segment `segment` of the prepared
 * text, or of the whole text in one pass when segment is UINT64_MAX. Returns 0, or PCB_EPARAM
 * for a segment that does not exist. Uses no scratch memory.
 */
int pcb_wl_text_count(const struct pcb_input *in, uint64_t segment, uint64_t *counts);

#endif
