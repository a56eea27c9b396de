/* thresholds.c - per-case thresholds: read them for a comparison, write
 * them from an A/A comparison.
 *
 * The file is text, one case per line: the threshold in percent, a tab, the
 * case name (names may contain spaces, never tabs). Blank lines and lines
 * starting with '#' are ignored. A case listed there is judged against its
 * own threshold instead of --threshold; unlisted cases keep --threshold.
 * Names are matched by key (casename.h), so a file written with names that
 * carry Google Benchmark's tuning parts still applies.
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
#include <math.h>
#include <stdlib.h>
#include <string.h>

static int by_key(const void *a, const void *b)
{
    const struct pcb_cmp_threshold *x = a, *y = b;
    return strcmp(x->key, y->key);
}

int pcb_cmp_thresholds_load(struct pcb_cmp_thresholds *t, const char *path, char *err)
{
    FILE *f = fopen(path, "re");
    char *line = NULL;
    size_t cap = 0;
    ssize_t len;
    long lineno = 0;
    int rc = 0;

    memset(t, 0, sizeof(*t));
    if (f == NULL) {
        snprintf(err, PCB_CMP_ERRLEN, "cannot read it: %s", strerror(errno));
        return PCB_CMP_EIO;
    }
    while ((len = getline(&line, &cap, f)) >= 0) {
        char *tab, *end;
        double pct;
        lineno++;
        while (len > 0 && (line[len - 1] == '\n' || line[len - 1] == '\r'))
            line[--len] = 0;
        if (len == 0 || line[0] == '#')
            continue;
        tab = strchr(line, '\t');
        pct = tab ? strtod(line, &end) : NAN;
        if (!tab || end != tab || !(pct > 0 && pct < 1000) || tab[1] == 0) {
            snprintf(err, PCB_CMP_ERRLEN,
                     "line %ld: expected a percentage above 0 and below 1000, a tab "
                     "and a case name",
                     lineno);
            rc = PCB_CMP_EFORMAT;
            break;
        }
        if (t->n == t->cap) {
            size_t ncap = t->cap ? 2 * t->cap : 64;
            struct pcb_cmp_threshold *v = realloc(t->v, ncap * sizeof(*v));
            if (!v) {
                rc = PCB_CMP_ENOMEM;
                snprintf(err, PCB_CMP_ERRLEN, "out of memory");
                break;
            }
            t->v = v;
            t->cap = ncap;
        }
        size_t klen = pcb_name_key(tab + 1, NULL, NULL, 0);
        t->v[t->n].key = malloc(klen + 1);
        if (!t->v[t->n].key) {
            rc = PCB_CMP_ENOMEM;
            snprintf(err, PCB_CMP_ERRLEN, "out of memory");
            break;
        }
        pcb_name_key(tab + 1, NULL, t->v[t->n].key, klen + 1);
        t->v[t->n].threshold = pct / 100;
        t->n++;
    }
    free(line);
    fclose(f);
    if (rc) {
        pcb_cmp_thresholds_close(t);
        return rc;
    }
    qsort(t->v, t->n, sizeof(*t->v), by_key);
    for (size_t i = 1; i < t->n; i++)
        if (strcmp(t->v[i - 1].key, t->v[i].key) == 0) {
            snprintf(err, PCB_CMP_ERRLEN, "case listed twice: %s", t->v[i].key);
            pcb_cmp_thresholds_close(t);
            return PCB_CMP_EFORMAT;
        }
    return 0;
}

double pcb_cmp_threshold_for(const struct pcb_cmp_thresholds *t, const char *key)
{
    struct pcb_cmp_threshold want = {(char *)key, 0}, *hit;

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

int pcb_cmp_thresholds_write(FILE *out, const struct pcb_cmp_outcome *oc)
{
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
        if (fprintf(out, "%.1f\t%s\n", 100 * t, r->name) < 0)
            return PCB_CMP_EIO;
    }
    return fflush(out) ? PCB_CMP_EIO : 0;
}
