/*
 * outfile.h - a file a tool writes whole (pcbench's --benchmark_out, compare's
 * --write-thresholds): what its name leads to, whether the tool may write there, and how a
 * whole document gets there. One writer for every tool, so "nothing lost" means one thing.
 *
 * What the name leads to decides how it is written:
 *  - a regular file, or nothing yet: replaced atomically. A document goes to a temporary file of
 *    this process's own beside the file, `<file>.partial.<pid>`, is flushed to disk and renamed
 *    over the file. So the file always holds a whole document, the last one written in full; a
 *    write that fails (a full disk) leaves the file as it was; two runs naming the same file
 *    never share a temporary file, and whichever renames last leaves its whole document. The new
 *    file keeps the permission bits of the one it replaces.
 *  - a symbolic link (or a chain of them): followed. The file it leads to is replaced as above,
 *    with the temporary file in that file's directory, and the link stays a link.
 *  - a character device or a FIFO (/dev/null, /dev/stdout on a pipe, a named pipe a reader has
 *    open): written in place, never replaced. It is opened once, before the run, and gets the
 *    final document once, whole: a stream cannot take a document back, so one per case would
 *    hand a reader many. A FIFO no process reads is refused, never waited on.
 *  - refused before anything runs: a directory, a block device, a socket, a file without write
 *    permission (mode 444: refused even for root, who could replace it), and a file in a
 *    directory that is missing or where pcbench cannot create the temporary file.
 * Every write, fsync, close and rename is checked.
 *
 * One such file per process: the interrupt and crash handlers remove its temporary file
 * (pcb__outfile_unlink_tmp()), so pcb_outfile_open() records its name where they can read it.
 * Messages say what is allowed of the name (the caller prints "PROG: OPTION=PATH: why").
 */
#ifndef PCB_OUTFILE_H
#define PCB_OUTFILE_H

#include <limits.h>
#include <stdbool.h>
#include <stddef.h>
#include <sys/types.h>

#ifdef __cplusplus
extern "C" {
#endif

/* An open result file. The caller owns it: pcb_outfile_open() fills it, pcb_outfile_close()
 * closes it. */
struct pcb_outfile {
    char path[PATH_MAX];     /* the name as given, for messages */
    char target[PATH_MAX];   /* what is written: the name with symbolic links followed */
    char tmp[PATH_MAX + 32]; /* `<target>.partial.<pid>`, for a regular file; "" otherwise */
    int fd;                  /* a stream's descriptor, open from pcb_outfile_open() on; -1 for a
                                regular file */
    mode_t mode;             /* permission bits a replaced regular file gets */
    bool stream;             /* a character device or a FIFO: written in place, once */
};

/*
 * Finds what `path` leads to and checks that pcbench may write it, as the top of this file
 * says: a stream is opened (and stays open), a regular file's temporary file is created and
 * removed again. Returns 0, or -1 with what is allowed in why[0..cap) (for the one-line
 * refusal `pcbench: --benchmark_out=PATH: WHY`); nothing is left behind then.
 */
int pcb_outfile_open(struct pcb_outfile *f, const char *path, char *why, size_t cap);

/*
 * Writes one whole document: replaces a regular file through its temporary file, or writes a
 * stream in place (all of it, past short writes; SIGPIPE from a reader that left is taken as
 * the error EPIPE, never as death). Returns 0 or -errno; on an error a regular file is as it
 * was and no temporary file is left.
 */
int pcb_outfile_write(struct pcb_outfile *f, const char *data, size_t len);

/* Closes a stream's descriptor (nothing for a regular file). Returns 0 or -errno. */
int pcb_outfile_close(struct pcb_outfile *f);

/* Removes the temporary file of the result file this process opened last, if one exists.
 * Async-signal-safe: for the interrupt and crash handlers. */
void pcb__outfile_unlink_tmp(void);

/* Whether that result file is a stream (which gets its document only when the run ends).
 * Async-signal-safe. */
bool pcb__outfile_is_stream(void);

#ifdef __cplusplus
}
#endif

#endif
