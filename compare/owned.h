/*
 * owned.h - whether a file in a folder the user names is one pcbench wrote, and so one a tool
 * may replace. Nothing is lost: a file a user owns is never replaced by something else.
 *
 * Every file a tool writes into such a folder (pcbench-report's index.md, index.html,
 * results.csv, scaling.csv and charts.gp; pcbench-history's index.html) starts with bytes of its
 * own, a mark in a form its format allows: an HTML comment (PCB_OWNED_MARK), a gnuplot comment,
 * a CSV file's header row. Before it writes, the tool asks pcb_owned_check() about each file it
 * would replace, and refuses, leaving the folder as it was, when one is not its own. The check
 * only reads, and no more than the head's length; it never writes and never waits on a FIFO.
 */
#ifndef PCB_OWNED_H
#define PCB_OWNED_H

/* The mark of a page or a Markdown file pcbench writes, its first line (after an HTML page's
 * doctype). An HTML comment: no browser and no Markdown renderer shows it. */
#define PCB_OWNED_MARK "<!-- written by pcbench: this file is replaced on the next run -->"

/* How every refusal ends, so the tools say it alike: "-o DIR: FILE is not ...; " this. */
#define PCB_OWNED_LEFT_ALONE "it is left alone (give another -o DIR)"

/* What a path holds, against the first bytes of the file a tool would write there. */
enum pcb_owned {
    PCB_OWNED_MISSING, /* nothing (a link that leads nowhere, too): nothing to lose */
    PCB_OWNED_OURS,    /* a regular file, or a link to one, that starts with the bytes */
    PCB_OWNED_OTHER,   /* anything else: another file, a folder, a FIFO, a device, a file
                          that cannot be read */
};

/* Whether path is missing, starts with head, or is something else. Reads at most strlen(head)
 * bytes; owns nothing. */
enum pcb_owned pcb_owned_check(const char *path, const char *head);

#endif
