/* thresholds.c - per-case thresholds: read them for a comparison, write
 * them from an A/A comparison.
 *
 * The file is text, one case per line: the threshold in percent, a tab, the
 * case name (names may contain spaces, never tabs). Blank lines (empty or
 * white space only) and lines starting with '#' (after any white space) are
 * ignored; a line may end in CR LF. A case listed there is judged against its own threshold instead
 * of
 * --threshold; unlisted cases keep --threshold. Names are matched by key
 * (casename.h), so a file written with names that carry Google Benchmark's
 * tuning parts still applies.
 *
 * What is refused, each with one line: a file that is not a regular file or a
 * pipe (a directory, /dev/zero, which never ends), one larger than
 * PCB_CMP_THRESHOLDS_MAX_SIZE or with a line longer than
 * PCB_CMP_THRESHOLDS_MAX_LINE, a bad line, a name that starts or ends with white
 * space or holds a second tab (it would name no case, and the line would do
 * nothing without a word), a case listed twice, and, once the sides are read, a
 * case that is on neither side (a typo, or a case the subset no longer has).
 *
 * From an A/A pair (two runs of the same build), a case's threshold is
 *   clamp(3 x max(|change|, noise band), 2 %, 50 %), rounded up to 0.5 %:
 * a change the case showed with no code change at all, or a band its own
 * spread gives, must not be called a regression; three times that leaves
 * room for a night noisier than the calibration.
 */
#define _GNU_SOURCE
#include "compare.h"

#include "casename.h"

#include <errno.h>
#include <fcntl.h>
#include <math.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

static int by_key(const void *a, const void *b)
{
    const struct pcb_cmp_threshold *x = a, *y = b;
    return strcmp(x->key, y->key);
}

/* Adds the case `name` (n bytes) with threshold pct to t. Returns 0 or PCB_CMP_ENOMEM. */
static int add(struct pcb_cmp_thresholds *t, const char *name, size_t n, double pct, long line)
{
    char *copy;
    size_t klen;

    if (t->n == t->cap) {
        size_t ncap = t->cap ? 2 * t->cap : 64;
        struct pcb_cmp_threshold *v = realloc(t->v, ncap * sizeof(*v));
        if (!v)
            return PCB_CMP_ENOMEM;
        t->v = v;
        t->cap = ncap;
    }
    if ((copy = strndup(name, n)) == NULL)
        return PCB_CMP_ENOMEM;
    klen = pcb_name_key(copy, NULL, NULL, 0);
    t->v[t->n].key = malloc(klen + 1);
    if (t->v[t->n].key == NULL) {
        free(copy);
        return PCB_CMP_ENOMEM;
    }
    pcb_name_key(copy, NULL, t->v[t->n].key, klen + 1);
    free(copy);
    t->v[t->n].threshold = pct / 100;
    t->v[t->n].line = line;
    t->n++;
    return 0;
}

static bool is_blank(char c)
{
    return c == ' ' || c == '\t';
}

int pcb_cmp_thresholds_parse(struct pcb_cmp_thresholds *t, const char *buf, size_t len, char *err)
{
    const char *p = buf, *end = buf + len;
    long lineno = 0;
    int rc = 0;

    memset(t, 0, sizeof(*t));
    while (p < end && rc == 0) {
        const char *nl = memchr(p, '\n', (size_t)(end - p));
        const char *eol = nl ? nl : end, *tab, *name;
        size_t n = (size_t)(eol - p), k;
        char num[64], *stop;
        double pct;
        lineno++;
        if (n > 0 && p[n - 1] == '\r')
            n--;
        if (n > PCB_CMP_THRESHOLDS_MAX_LINE) {
            snprintf(err, PCB_CMP_ERRLEN, "line %ld: longer than %d bytes", lineno,
                     PCB_CMP_THRESHOLDS_MAX_LINE);
            rc = PCB_CMP_EFORMAT;
            break;
        }
        for (k = 0; k < n && is_blank(p[k]); k++)
            ;
        if (k == n || p[k] == '#') {
            p = eol + 1;
            continue;
        }
        if (memchr(p, '\0', n) != NULL) {
            snprintf(err, PCB_CMP_ERRLEN, "line %ld: holds a NUL byte; a thresholds file is text",
                     lineno);
            rc = PCB_CMP_EFORMAT;
            break;
        }
        tab = memchr(p, '\t', n);
        pct = NAN;
        if (tab != NULL && (size_t)(tab - p) < sizeof(num)) {
            memcpy(num, p, (size_t)(tab - p));
            num[tab - p] = '\0';
            pct = strtod(num, &stop);
            if (stop == num || *stop != '\0')
                pct = NAN;
        }
        name = tab ? tab + 1 : NULL;
        if (tab == NULL || !(pct > 0 && pct < 1000) || name == p + n) {
            snprintf(err, PCB_CMP_ERRLEN,
                     "line %ld: expected a percentage above 0 and below 1000, a tab "
                     "and a case name",
                     lineno);
            rc = PCB_CMP_EFORMAT;
            break;
        }
        n -= (size_t)(name - p);
        if (memchr(name, '\t', n) != NULL) {
            snprintf(err, PCB_CMP_ERRLEN,
                     "line %ld: a second tab; expected a percentage, a tab and a case name, "
                     "which holds no tab",
                     lineno);
            rc = PCB_CMP_EFORMAT;
            break;
        }
        if (is_blank(name[0]) || is_blank(name[n - 1])) {
            snprintf(err, PCB_CMP_ERRLEN,
                     "line %ld: the case name \"%.*s\" %s with white space, which no case "
                     "name has; remove it",
                     lineno, (int)(n < 200 ? n : 200), name, is_blank(name[0]) ? "starts" : "ends");
            rc = PCB_CMP_EFORMAT;
            break;
        }
        if ((rc = add(t, name, n, pct, lineno)) != 0)
            snprintf(err, PCB_CMP_ERRLEN, "out of memory");
        p = eol + 1;
    }
    if (rc) {
        pcb_cmp_thresholds_close(t);
        return rc;
    }
    qsort(t->v, t->n, sizeof(*t->v), by_key);
    for (size_t i = 1; i < t->n; i++)
        if (strcmp(t->v[i - 1].key, t->v[i].key) == 0) {
            long a = t->v[i - 1].line, b = t->v[i].line;
            snprintf(err, PCB_CMP_ERRLEN, "lines %ld and %ld: case listed twice: %s", a < b ? a : b,
                     a < b ? b : a, t->v[i].key);
            pcb_cmp_thresholds_close(t);
            return PCB_CMP_EFORMAT;
        }
    return 0;
}

int pcb_cmp_thresholds_load(struct pcb_cmp_thresholds *t, const char *path, char *err)
{
    struct stat st;
    char *buf = NULL;
    size_t len = 0, cap = 0;
    int fd, rc;

    memset(t, 0, sizeof(*t));
    /* A FIFO (a shell's <(...)) is read like a file; its open waits for the writer. */
    fd = open(path, O_RDONLY | O_CLOEXEC | O_NOCTTY);
    if (fd < 0) {
        snprintf(err, PCB_CMP_ERRLEN, "cannot read it: %s", strerror(errno));
        return PCB_CMP_EIO;
    }
    if (fstat(fd, &st) != 0) {
        snprintf(err, PCB_CMP_ERRLEN, "cannot read it: %s", strerror(errno));
        close(fd);
        return PCB_CMP_EIO;
    }
    if (S_ISDIR(st.st_mode) || (!S_ISREG(st.st_mode) && !S_ISFIFO(st.st_mode))) {
        if (S_ISDIR(st.st_mode))
            snprintf(err, PCB_CMP_ERRLEN, "is a directory; expected a thresholds file");
        else
            snprintf(err, PCB_CMP_ERRLEN,
                     "is a %s; expected a thresholds file (a regular file or a pipe)",
                     S_ISCHR(st.st_mode)   ? "character device"
                     : S_ISBLK(st.st_mode) ? "block device"
                                           : "socket");
        close(fd);
        return PCB_CMP_EFORMAT;
    }
    /* Read up to one byte past the limit, so a file that never ends is refused, not read. */
    for (;;) {
        ssize_t got;
        if (len == cap) {
            size_t ncap = cap ? 2 * cap : 65536;
            char *nb;
            if (ncap > PCB_CMP_THRESHOLDS_MAX_SIZE + 1)
                ncap = PCB_CMP_THRESHOLDS_MAX_SIZE + 1;
            if (ncap == cap || (nb = realloc(buf, ncap)) == NULL) {
                snprintf(err, PCB_CMP_ERRLEN, "out of memory");
                free(buf);
                close(fd);
                return PCB_CMP_ENOMEM;
            }
            buf = nb;
            cap = ncap;
        }
        got = read(fd, buf + len, cap - len);
        if (got < 0 && errno == EINTR)
            continue;
        if (got < 0) {
            snprintf(err, PCB_CMP_ERRLEN, "cannot read it: %s", strerror(errno));
            free(buf);
            close(fd);
            return PCB_CMP_EIO;
        }
        if (got == 0)
            break;
        len += (size_t)got;
        if (len > PCB_CMP_THRESHOLDS_MAX_SIZE) {
            snprintf(err, PCB_CMP_ERRLEN, "larger than %d MiB; expected a thresholds file",
                     PCB_CMP_THRESHOLDS_MAX_SIZE >> 20);
            free(buf);
            close(fd);
            return PCB_CMP_EFORMAT;
        }
    }
    close(fd);
    rc = pcb_cmp_thresholds_parse(t, buf ? buf : "", len, err);
    free(buf);
    return rc;
}

int pcb_cmp_thresholds_check(const struct pcb_cmp_thresholds *t, const struct pcb_cmp_side *base,
                             const struct pcb_cmp_side *new_, char *err)
{
    const struct pcb_cmp_threshold *first = NULL;
    size_t unknown = 0;

    for (size_t i = 0; i < t->n; i++) {
        const struct pcb_cmp_threshold *x = &t->v[i];
        if (pcb_cmp_side_find(base, x->key) || pcb_cmp_side_find(new_, x->key))
            continue;
        unknown++;
        if (first == NULL || x->line < first->line)
            first = x;
    }
    if (unknown == 0)
        return 0;
    snprintf(err, PCB_CMP_ERRLEN,
             "line %ld: case \"%s\" is on neither side%s; correct or remove the line, or "
             "recalibrate",
             first->line, first->key, unknown > 1 ? " (nor are the cases of other lines)" : "");
    return PCB_CMP_EFORMAT;
}

double pcb_cmp_threshold_for(const struct pcb_cmp_thresholds *t, const char *key)
{
    struct pcb_cmp_threshold want = {(char *)key, 0, 0}, *hit;

    if (t == NULL || t->n == 0)
        return NAN;
    hit = bsearch(&want, t->v, t->n, sizeof(*t->v), by_key);
    return hit ? hit->threshold : NAN;
}

void pcb_cmp_thresholds_close(struct pcb_cmp_thresholds *t)
{
    for (size_t i = 0; i < t->n; i++)
        free(t->v[i].key);
    free(t->v);
    memset(t, 0, sizeof(*t));
}

int pcb_cmp_thresholds_write(FILE *out, const struct pcb_cmp_outcome *oc, char *err)
{
    /* A name the format cannot hold is refused before anything is written. */
    for (size_t i = 0; i < oc->n; i++)
        if (strpbrk(oc->results[i].name, "\t\n\r") != NULL) {
            snprintf(err, PCB_CMP_ERRLEN,
                     "case \"%s\" has a tab or a line break in its name, which a thresholds "
                     "file cannot hold",
                     oc->results[i].name);
            return PCB_CMP_EFORMAT;
        }
    fprintf(out, "# Per-case thresholds from an A/A comparison (same build "
                 "twice).\n# threshold %% <TAB> case: clamp(3 x max(|change|, "
                 "noise band), 2%%, 50%%)\n");
    for (size_t i = 0; i < oc->n; i++) {
        const struct pcb_cmp_result *r = &oc->results[i];
        double spread, t;
        if (!r->base.present || !r->new_.present || isnan(r->change))
            continue;
        spread = fmax(fabs(r->change), isnan(r->band) ? 0 : r->band);
        t = fmin(fmax(3 * spread, 0.02), 0.50);
        t = ceil(t * 200) / 200; /* up to the next 0.5 % */
        if (fprintf(out, "%.1f\t%s\n", 100 * t, r->name) < 0) {
            snprintf(err, PCB_CMP_ERRLEN, "cannot write it: %s", strerror(errno));
            return PCB_CMP_EIO;
        }
    }
    return 0;
}
