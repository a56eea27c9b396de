/*
 * owned.c - the check of owned.h: a file is pcbench's when it is a regular file whose first bytes
 * are the head its writer puts there.
 */
#include "owned.h"

#include <errno.h>
#include <fcntl.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

enum pcb_owned pcb_owned_check(const char *path, const char *head)
{
    size_t len = strlen(head), got = 0;
    enum pcb_owned res = PCB_OWNED_OURS;
    struct stat st;
    char buf[256];
    /* O_NONBLOCK: opening a FIFO for reading would otherwise wait for a writer. */
    int fd = open(path, O_RDONLY | O_NONBLOCK | O_NOCTTY | O_CLOEXEC);

    if (fd < 0)
        return errno == ENOENT ? PCB_OWNED_MISSING : PCB_OWNED_OTHER;
    if (fstat(fd, &st) != 0 || !S_ISREG(st.st_mode))
        res = PCB_OWNED_OTHER;
    while (res == PCB_OWNED_OURS && got < len) {
        size_t want = len - got < sizeof(buf) ? len - got : sizeof(buf);
        ssize_t n = read(fd, buf, want);
        if (n < 0 && errno == EINTR)
            continue;
        if (n <= 0 || memcmp(buf, head + got, (size_t)n) != 0)
            res = PCB_OWNED_OTHER; /* shorter than the head, unreadable, or different */
        else
            got += (size_t)n;
    }
    close(fd);
    return res;
}
