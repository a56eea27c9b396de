/*
 * outfile.c - a file written whole; see outfile.h.
 */
#define _GNU_SOURCE
#include "outfile.h"

#include <errno.h>
#include <fcntl.h>
#include <signal.h>
#include <stdio.h>
#include <string.h>
#include <sys/stat.h>
#include <time.h>
#include <unistd.h>

/* Links followed at most, as the kernel's own limit (ELOOP past it). */
#define MAX_HOPS 40

/*
 * What the signal handlers see of the result file: its temporary file's name and whether it is
 * a stream. The name is written by pcb_outfile_open() on the main thread, which is also where
 * the handlers run, so `tmp_ready` is cleared while it changes: a handler never reads half a
 * name.
 */
static char sig_tmp[PATH_MAX + 32];
static volatile sig_atomic_t tmp_ready;
static volatile sig_atomic_t sig_stream;

void pcb__outfile_unlink_tmp(void)
{
    if (tmp_ready && sig_tmp[0])
        unlink(sig_tmp);
}

bool pcb__outfile_is_stream(void)
{
    return sig_stream != 0;
}

/* Copies s into out[0..cap). Returns 0, or -ENAMETOOLONG when it does not fit. */
static int copy(char *out, size_t cap, const char *s)
{
    return (size_t)snprintf(out, cap, "%s", s) < cap ? 0 : -ENAMETOOLONG;
}

/*
 * Follows `path` while it names a symbolic link, to the name a rename has to replace (the
 * links of the directories on the way are the kernel's business). A relative link is read from
 * the link's own directory. The result need not exist. Returns 0 or -errno.
 */
static int follow_links(const char *path, char *out, size_t cap)
{
    char cur[PATH_MAX], link[PATH_MAX], next[PATH_MAX];
    struct stat st;
    int err;

    if ((err = copy(cur, sizeof(cur), path)) != 0)
        return err;
    for (int hop = 0; hop < MAX_HOPS; hop++) {
        if (lstat(cur, &st) != 0 || !S_ISLNK(st.st_mode))
            return copy(out, cap, cur);
        ssize_t n = readlink(cur, link, sizeof(link) - 1);
        if (n < 0)
            return -errno;
        link[n] = '\0';
        const char *slash = strrchr(cur, '/');
        if (link[0] == '/' || !slash) {
            err = copy(next, sizeof(next), link);
        } else {
            int dlen = (int)(slash - cur) + 1;
            err = (size_t)snprintf(next, sizeof(next), "%.*s%s", dlen, cur, link) < sizeof(next)
                      ? 0
                      : -ENAMETOOLONG;
        }
        if (err || (err = copy(cur, sizeof(cur), next)) != 0)
            return err;
    }
    return -ELOOP;
}

/* The directory of `file`, for messages: "." when it has none. */
static void dir_of(const char *file, char *out, size_t cap)
{
    const char *slash = strrchr(file, '/');

    if (!slash)
        snprintf(out, cap, ".");
    else if (slash == file)
        snprintf(out, cap, "/");
    else
        snprintf(out, cap, "%.*s", (int)(slash - file), file);
}

/* Writes all of data to fd, past short writes and EINTR. Returns 0 or -errno. */
static int write_all(int fd, const char *data, size_t len)
{
    while (len) {
        ssize_t k = write(fd, data, len);
        if (k < 0 && errno == EINTR)
            continue;
        if (k < 0)
            return -errno;
        if (k == 0)
            return -EIO;
        data += k;
        len -= (size_t)k;
    }
    return 0;
}

/*
 * write_all() to a stream, with SIGPIPE held: a FIFO whose reader left makes the write fail
 * with EPIPE and raise SIGPIPE, which would end pcbench before it could say what was lost. The
 * signal, sent to this thread, is taken back before the mask is restored.
 */
static int write_stream(int fd, const char *data, size_t len)
{
    sigset_t pipe_only, old;

    sigemptyset(&pipe_only);
    sigaddset(&pipe_only, SIGPIPE);
    pthread_sigmask(SIG_BLOCK, &pipe_only, &old);
    int err = write_all(fd, data, len);
    if (err == -EPIPE && !sigismember(&old, SIGPIPE)) {
        const struct timespec now = {0, 0};
        while (sigtimedwait(&pipe_only, NULL, &now) < 0 && errno == EINTR)
            ;
    }
    pthread_sigmask(SIG_SETMASK, &old, NULL);
    return err;
}

/* Opens a character device or FIFO for writing, without waiting for a FIFO's reader. Returns 0,
 * or -1 with why filled. */
static int open_stream(struct pcb_outfile *f, const struct stat *st, char *why, size_t cap)
{
    int fd = open(f->path, O_WRONLY | O_NONBLOCK | O_NOCTTY | O_CLOEXEC);

    if (fd < 0) {
        if (errno == ENXIO && S_ISFIFO(st->st_mode))
            snprintf(why, cap, "a FIFO no process reads; start its reader first");
        else
            snprintf(why, cap, "cannot open it: %s", strerror(errno));
        return -1;
    }
    /* Blocking from here on: a slow reader slows the final write, it does not fail it. */
    int fl = fcntl(fd, F_GETFL);
    if (fl < 0 || fcntl(fd, F_SETFL, fl & ~O_NONBLOCK) != 0) {
        snprintf(why, cap, "cannot open it: %s", strerror(errno));
        close(fd);
        return -1;
    }
    f->fd = fd;
    f->stream = true;
    sig_stream = 1;
    return 0;
}

int pcb_outfile_open(struct pcb_outfile *f, const char *path, char *why, size_t cap)
{
    struct stat st;
    size_t len = strlen(path);
    int err;

    memset(f, 0, sizeof(*f));
    f->fd = -1;
    sig_stream = 0;
    tmp_ready = 0;
    if (len == 0 || path[len - 1] == '/' || copy(f->path, sizeof(f->path), path) != 0) {
        snprintf(why, cap, "expected a file name");
        return -1;
    }
    if (stat(path, &st) == 0) {
        if (S_ISDIR(st.st_mode)) {
            snprintf(why, cap, "is a directory; expected a file name");
            return -1;
        }
        if (S_ISCHR(st.st_mode) || S_ISFIFO(st.st_mode)) {
            if (copy(f->target, sizeof(f->target), path) != 0) {
                snprintf(why, cap, "expected a file name");
                return -1;
            }
            return open_stream(f, &st, why, cap);
        }
        if (!S_ISREG(st.st_mode)) {
            snprintf(why, cap, "%s; expected a regular file, a character device or a FIFO",
                     S_ISBLK(st.st_mode) ? "a block device" : "a socket");
            return -1;
        }
        /* Root may write any file; a file nobody may write is still not ours to replace. */
        if ((st.st_mode & 0222) == 0) {
            snprintf(why, cap, "a read-only file (mode %03o); expected a file that may be written",
                     (unsigned)(st.st_mode & 0777));
            return -1;
        }
        if (access(path, W_OK) != 0) {
            snprintf(why, cap, "cannot write it: %s", strerror(errno));
            return -1;
        }
        f->mode = st.st_mode & 0777;
    } else if (errno == ENOENT) {
        mode_t um = umask(0);
        umask(um);
        f->mode = 0666 & ~um;
    } else {
        snprintf(why, cap, "cannot use it: %s", strerror(errno));
        return -1;
    }
    if ((err = follow_links(path, f->target, sizeof(f->target))) != 0 ||
        (size_t)snprintf(f->tmp, sizeof(f->tmp), "%s.partial.%ld", f->target, (long)getpid()) >=
            sizeof(f->tmp)) {
        snprintf(why, cap, "cannot use it: %s", strerror(err ? -err : ENAMETOOLONG));
        return -1;
    }
    tmp_ready = 0;
    memcpy(sig_tmp, f->tmp, sizeof(sig_tmp));
    tmp_ready = 1;
    /* The rename needs the temporary file beside the target: make one now, as a write would. */
    int fd = open(f->tmp, O_WRONLY | O_CREAT | O_TRUNC | O_NOFOLLOW | O_CLOEXEC, 0600);
    if (fd < 0) {
        char dir[PATH_MAX];
        err = errno;
        dir_of(f->target, dir, sizeof(dir));
        snprintf(why, cap, "cannot create a file in %s: %s", dir, strerror(err));
        return -1;
    }
    close(fd);
    unlink(f->tmp);
    return 0;
}

int pcb_outfile_write(struct pcb_outfile *f, const char *data, size_t len)
{
    int err, fd;

    if (f->stream)
        return write_stream(f->fd, data, len);
    fd = open(f->tmp, O_WRONLY | O_CREAT | O_TRUNC | O_NOFOLLOW | O_CLOEXEC, 0600);
    if (fd < 0)
        return -errno;
    err = write_all(fd, data, len);
    if (!err && fchmod(fd, f->mode) != 0)
        err = -errno;
    if (!err && fsync(fd) != 0)
        err = -errno;
    if (close(fd) != 0 && !err)
        err = -errno;
    if (!err && rename(f->tmp, f->target) != 0)
        err = -errno;
    if (err)
        unlink(f->tmp);
    return err;
}

int pcb_outfile_close(struct pcb_outfile *f)
{
    int err = 0;

    if (f->fd >= 0 && close(f->fd) != 0 && errno != EINTR)
        err = -errno;
    f->fd = -1;
    return err;
}
