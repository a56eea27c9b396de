/* output.c - a file compare writes (--write-thresholds), written whole or not at all.
 *
 * A regular file is written under a temporary name in its own directory and renamed over the
 * old one only when everything was written and synced, so a failure at any point leaves the
 * previous file as it was and no temporary file behind (an interrupt included: SIGINT, SIGTERM
 * and SIGHUP remove it first). Symbolic links are followed, so the file they point to is
 * replaced, not the link. A character device (/dev/null, a terminal) or a FIFO is written in
 * place, as a shell redirection would: renaming over it would replace the device node with a
 * file. Anything else (a directory, a block device, a socket) is refused. Every failure, a
 * full device included, is one line naming the error; the caller names the file.
 */
#define _GNU_SOURCE
#include "compare.h"

#include <errno.h>
#include <fcntl.h>
#include <limits.h>
#include <signal.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

/* The temporary file an interrupt removes, "" when there is none. One output is open at a
 * time; the handler only calls unlink() and raise(), which are async-signal-safe. */
static char pending[PATH_MAX];
static struct sigaction old_actions[3];
static const int caught[3] = {SIGINT, SIGTERM, SIGHUP};

static void on_signal(int sig)
{
    if (pending[0])
        unlink(pending);
    for (size_t i = 0; i < sizeof(caught) / sizeof(caught[0]); i++)
        if (caught[i] == sig)
            sigaction(sig, &old_actions[i], NULL);
    raise(sig);
}

static void catch_signals(void)
{
    struct sigaction sa;

    memset(&sa, 0, sizeof(sa));
    sa.sa_handler = on_signal;
    sigemptyset(&sa.sa_mask);
    for (size_t i = 0; i < sizeof(caught) / sizeof(caught[0]); i++)
        sigaction(caught[i], &sa, &old_actions[i]);
}

static void release_signals(void)
{
    pending[0] = '\0';
    for (size_t i = 0; i < sizeof(caught) / sizeof(caught[0]); i++)
        sigaction(caught[i], &old_actions[i], NULL);
}

/* The path a chain of symbolic links starting at `path` ends at (the last one may name nothing
 * yet): malloc'ed, or NULL with errno set (ELOOP after 40 links). */
static char *resolve(const char *path)
{
    char *p = strdup(path);

    for (int hops = 0; p != NULL; hops++) {
        struct stat st;
        char link[PATH_MAX], *next;
        ssize_t n;
        if (lstat(p, &st) != 0)
            return errno == ENOENT ? p : (free(p), NULL);
        if (!S_ISLNK(st.st_mode))
            return p;
        if (hops == 40) {
            free(p);
            errno = ELOOP;
            return NULL;
        }
        n = readlink(p, link, sizeof(link) - 1);
        if (n < 0) {
            free(p);
            return NULL;
        }
        link[n] = '\0';
        const char *slash = strrchr(p, '/');
        if (link[0] == '/' || slash == NULL) {
            next = strdup(link);
        } else if (asprintf(&next, "%.*s/%s", (int)(slash - p), p, link) < 0) {
            next = NULL;
        }
        free(p);
        p = next;
    }
    return NULL;
}

/* Writes "cannot write it: WHY" into err and returns -errno. */
static int cannot(char *err, int e)
{
    snprintf(err, PCB_CMP_ERRLEN, "cannot write it: %s", strerror(e));
    return -e;
}

int pcb_cmp_output_open(struct pcb_cmp_output *o, const char *path, char *err)
{
    struct stat st;
    int fd, e;
    mode_t mode;

    memset(o, 0, sizeof(*o));
    if (path[0] == '\0') {
        snprintf(err, PCB_CMP_ERRLEN, "expected a file name");
        return PCB_CMP_EUSAGE;
    }
    if ((o->target = resolve(path)) == NULL)
        return cannot(err, errno);
    if (stat(o->target, &st) == 0) {
        if (S_ISDIR(st.st_mode)) {
            snprintf(err, PCB_CMP_ERRLEN, "is a directory; expected a file name");
            pcb_cmp_output_abort(o);
            return -EISDIR;
        }
        if (S_ISCHR(st.st_mode) || S_ISFIFO(st.st_mode)) {
            /* In place: a FIFO's open waits for its reader, as a shell's would. */
            fd = open(o->target, O_WRONLY | O_NOCTTY | O_CLOEXEC);
            if (fd < 0 || (o->f = fdopen(fd, "w")) == NULL) {
                e = errno;
                if (fd >= 0)
                    close(fd);
                pcb_cmp_output_abort(o);
                return cannot(err, e);
            }
            return 0;
        }
        if (!S_ISREG(st.st_mode)) {
            snprintf(err, PCB_CMP_ERRLEN,
                     "is a %s; expected a regular file, a character device or a FIFO",
                     S_ISBLK(st.st_mode) ? "block device" : "socket");
            pcb_cmp_output_abort(o);
            return PCB_CMP_EUSAGE;
        }
        mode = st.st_mode & 07777; /* the replacement keeps the old file's mode */
    } else if (errno == ENOENT) {
        mode_t mask = umask(0);
        umask(mask);
        mode = 0666 & ~mask;
        st.st_uid = (uid_t)-1;
    } else {
        e = errno;
        pcb_cmp_output_abort(o);
        return cannot(err, e);
    }
    if (asprintf(&o->tmp, "%s.partial-XXXXXX", o->target) < 0) {
        o->tmp = NULL;
        pcb_cmp_output_abort(o);
        return cannot(err, ENOMEM);
    }
    if (strlen(o->tmp) >= sizeof(pending)) {
        pcb_cmp_output_abort(o);
        return cannot(err, ENAMETOOLONG);
    }
    /* The file is made and its name published with the signals blocked, so an interrupt finds
     * either no file or its name. */
    sigset_t block, old;
    sigemptyset(&block);
    for (size_t i = 0; i < sizeof(caught) / sizeof(caught[0]); i++)
        sigaddset(&block, caught[i]);
    sigprocmask(SIG_BLOCK, &block, &old);
    catch_signals();
    o->signals = true;
    fd = mkostemp(o->tmp, O_CLOEXEC);
    e = errno;
    if (fd >= 0)
        memcpy(pending, o->tmp, strlen(o->tmp) + 1);
    sigprocmask(SIG_SETMASK, &old, NULL);
    if (fd < 0) {
        free(o->tmp);
        o->tmp = NULL;
        pcb_cmp_output_abort(o);
        return cannot(err, e);
    }
    if (st.st_uid != (uid_t)-1 && fchown(fd, st.st_uid, st.st_gid) != 0) {
        /* Only root may give a file away; anyone else keeps it. */
    }
    if (fchmod(fd, mode) != 0 || (o->f = fdopen(fd, "w")) == NULL) {
        e = errno;
        close(fd);
        pcb_cmp_output_abort(o);
        return cannot(err, e);
    }
    return 0;
}

int pcb_cmp_output_commit(struct pcb_cmp_output *o, char *err)
{
    int e = 0;

    errno = 0;
    if (fflush(o->f) != 0 || ferror(o->f))
        e = errno ? errno : EIO;
    if (e == 0 && o->tmp != NULL && fsync(fileno(o->f)) != 0)
        e = errno;
    if (fclose(o->f) != 0 && e == 0)
        e = errno ? errno : EIO;
    o->f = NULL;
    if (e == 0 && o->tmp != NULL && rename(o->tmp, o->target) != 0)
        e = errno;
    if (e == 0 && o->tmp != NULL) {
        free(o->tmp);
        o->tmp = NULL;
    }
    pcb_cmp_output_abort(o);
    return e ? cannot(err, e) : 0;
}

void pcb_cmp_output_abort(struct pcb_cmp_output *o)
{
    if (o->f != NULL)
        fclose(o->f);
    if (o->tmp != NULL)
        unlink(o->tmp);
    if (o->signals)
        release_signals();
    free(o->tmp);
    free(o->target);
    memset(o, 0, sizeof(*o));
}
