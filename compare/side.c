/* side.c - the files of one side of a comparison, merged into one list of
 * cases.
 *
 * A side is one or more result files (results.h). Its cases are the union of
 * the files' cases by key, in order of first appearance; a case found in
 * several files has one part per file, so decide.c sees every sample of it.
 * The side also keeps the context of its first file that has one, and notes
 * when a later file of the side comes from another machine (host_name,
 * num_cpus or mhz_per_cpu differ): their samples are merged all the same,
 * and the output warns.
 *
 * Three things are refused, because merging them gives a wrong answer without
 * a sign of it: the same run twice on one side (one file under two names, or a
 * copy of it: pcb_results_same_run), whose samples would count twice and make
 * a small change significant; a case with raw repetitions in one file and
 * aggregates only in another, whose aggregates would be dropped, since a U test
 * needs samples and a summary is none; and a case whose reference digest
 * (pcbench's "pcb_digest") differs between two files of the side, which
 * measured different work under one name.
 */
#include "compare.h"

#include <math.h>
#include <stdbool.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

/* Keys that tell machines apart. */
static const char *const machine_keys[] = {"host_name", "num_cpus", "mhz_per_cpu"};

void pcb_cmp_side_init(struct pcb_cmp_side *side, const char *label)
{
    memset(side, 0, sizeof(*side));
    side->label = label;
}

void pcb_cmp_side_close(struct pcb_cmp_side *side)
{
    for (size_t i = 0; i < side->ncases; i++)
        free(side->cases[i].more);
    for (size_t i = 0; i < side->nfiles; i++)
        pcb_results_destroy(side->files[i]);
    free(side->files);
    free(side->cases);
    free(side->table);
    memset(side, 0, sizeof(*side));
}

const struct pcb_cmp_part *pcb_cmp_case_part(const struct pcb_cmp_case *c, size_t k)
{
    return k == 0 ? &c->first : &c->more[k - 1];
}

/* FNV-1a: short names, no adversary worth a keyed hash. */
static size_t hash_key(const char *s)
{
    uint64_t h = 1469598103934665603ull;
    while (*s)
        h = (h ^ (unsigned char)*s++) * 1099511628211ull;
    return (size_t)h;
}

const struct pcb_cmp_case *pcb_cmp_side_find(const struct pcb_cmp_side *side, const char *key)
{
    if (side->tcap == 0)
        return NULL;
    for (size_t i = hash_key(key) & (side->tcap - 1); side->table[i];
         i = (i + 1) & (side->tcap - 1)) {
        const struct pcb_cmp_case *c = &side->cases[side->table[i] - 1];
        if (strcmp(c->key, key) == 0)
            return c;
    }
    return NULL;
}

/* Doubles the hash table. Returns 0 or PCB_CMP_ENOMEM. */
static int grow_table(struct pcb_cmp_side *side)
{
    size_t ncap = side->tcap ? side->tcap * 2 : 64, j;
    size_t *t = calloc(ncap, sizeof(*t));

    if (t == NULL)
        return PCB_CMP_ENOMEM;
    for (size_t i = 0; i < side->ncases; i++) {
        for (j = hash_key(side->cases[i].key) & (ncap - 1); t[j]; j = (j + 1) & (ncap - 1))
            ;
        t[j] = i + 1;
    }
    free(side->table);
    side->table = t;
    side->tcap = ncap;
    return 0;
}

/* Whether a file's case has raw repetitions (1), only aggregates or, for hyperfine, only the
 * summary (2), or neither (0). */
static int part_kind(const struct pcb_results_case *c)
{
    if (c->nreps > 0)
        return 1;
    if (c->naggs > 0 || !isnan(c->summary.mean_ns) || !isnan(c->summary.median_ns))
        return 2;
    return 0;
}

/* Notes which kind of part c is in sc, refusing raw repetitions in one file and aggregates only
 * in another. Returns 0 or PCB_CMP_EMIXED with the message in err. */
static int note_kind(struct pcb_cmp_side *side, struct pcb_cmp_case *sc,
                     const struct pcb_results *file, const struct pcb_results_case *c, char *err)
{
    int kind = part_kind(c);

    if (kind == 1 && sc->raw_in == NULL)
        sc->raw_in = file;
    if (kind == 2 && sc->aggs_in == NULL)
        sc->aggs_in = file;
    if (sc->raw_in == NULL || sc->aggs_in == NULL)
        return 0;
    snprintf(err, PCB_CMP_ERRLEN,
             "%s: case \"%s\" has %s here but %s in %s (both %s files): the two cannot be "
             "merged; give the %s side files of one kind",
             file->path, c->name, kind == 1 ? "raw repetitions" : "aggregates only",
             kind == 1 ? "aggregates only" : "raw repetitions",
             kind == 1 ? sc->aggs_in->path : sc->raw_in->path, side->label, side->label);
    return PCB_CMP_EMIXED;
}

/* Notes the reference digest of the part (file, c) in sc, refusing a case whose digest differs
 * between two files of the side: they measured different work, and merging their samples would
 * mix two things under one name. Returns 0 or PCB_CMP_EWORK with the message in err. */
static int note_digest(struct pcb_cmp_side *side, struct pcb_cmp_case *sc,
                       const struct pcb_results *file, const struct pcb_results_case *c, char *err)
{
    if (!c->has_digest)
        return 0;
    if (sc->digest_in == NULL) {
        sc->digest_in = file;
        sc->digest = c->digest;
        return 0;
    }
    if (sc->digest == c->digest)
        return 0;
    snprintf(err, PCB_CMP_ERRLEN,
             "%s: case \"%s\" has reference digest 0x%016llx here but 0x%016llx in %s (both %s "
             "files): the files measured different work, which cannot be merged; give the %s "
             "side runs of the same work",
             file->path, c->name, (unsigned long long)c->digest, (unsigned long long)sc->digest,
             sc->digest_in->path, side->label, side->label);
    return PCB_CMP_EWORK;
}

/* Adds the part (file, c) to the case with c's key, or to a new case.
 * Returns 0, PCB_CMP_ENOMEM, or PCB_CMP_EMIXED with the message in err. */
static int add_part(struct pcb_cmp_side *side, const struct pcb_results *file,
                    const struct pcb_results_case *c, char *err)
{
    struct pcb_cmp_case *sc = (struct pcb_cmp_case *)pcb_cmp_side_find(side, c->key);
    size_t j;

    if (sc != NULL) {
        struct pcb_cmp_part *m = realloc(sc->more, sc->nparts * sizeof(*m));
        if (m == NULL)
            return PCB_CMP_ENOMEM;
        sc->more = m;
        m[sc->nparts - 1] = (struct pcb_cmp_part){file, c};
        sc->nparts++;
        int rc = note_kind(side, sc, file, c, err);
        return rc ? rc : note_digest(side, sc, file, c, err);
    }
    /* Keep the load factor at or below one half. */
    if ((side->ncases + 1) * 2 > side->tcap && grow_table(side))
        return PCB_CMP_ENOMEM;
    if (side->ncases == side->capcases) {
        size_t ncap = side->capcases ? side->capcases * 2 : 64;
        struct pcb_cmp_case *nc = realloc(side->cases, ncap * sizeof(*nc));
        if (nc == NULL)
            return PCB_CMP_ENOMEM;
        side->cases = nc;
        side->capcases = ncap;
    }
    sc = &side->cases[side->ncases];
    *sc = (struct pcb_cmp_case){c->key, c->name, {file, c}, NULL, 1, NULL, NULL, NULL, 0};
    for (j = hash_key(c->key) & (side->tcap - 1); side->table[j]; j = (j + 1) & (side->tcap - 1))
        ;
    side->table[j] = ++side->ncases;
    int rc = note_kind(side, sc, file, c, err);
    return rc ? rc : note_digest(side, sc, file, c, err);
}

/* Notes whether `file` comes from another machine than the side's context. */
static void check_machine(struct pcb_cmp_side *side, const struct pcb_results *file)
{
    for (size_t i = 0; i < sizeof(machine_keys) / sizeof(machine_keys[0]); i++) {
        const char *now = pcb_results_context(file, machine_keys[i]), *old = NULL;
        for (size_t k = 0; k < side->nctx; k++)
            if (strcmp(side->ctx[k].key, machine_keys[i]) == 0)
                old = side->ctx[k].value;
        if ((old == NULL) != (now == NULL) || (now && strcmp(now, old) != 0))
            side->mixed_machines = 1;
    }
}

int pcb_cmp_side_add(struct pcb_cmp_side *side, struct pcb_results *file, char *err)
{
    struct pcb_results **nf = realloc(side->files, (side->nfiles + 1) * sizeof(*nf));
    int rc;

    if (nf == NULL) {
        snprintf(err, PCB_CMP_ERRLEN, "%s: out of memory", file->path);
        pcb_results_destroy(file);
        return PCB_CMP_ENOMEM;
    }
    side->files = nf;
    for (size_t i = 0; i < side->nfiles; i++) {
        const struct pcb_results *old = side->files[i];
        bool same_file = file->ino != 0 && file->dev == old->dev && file->ino == old->ino;
        if (same_file || pcb_results_same_run(old, file)) {
            snprintf(err, PCB_CMP_ERRLEN,
                     "%s: %s as %s, given twice on the %s side: its samples would count "
                     "twice; give each run once",
                     file->path,
                     same_file ? "the same file" : "the same run (date, host and results)",
                     old->path, side->label);
            pcb_results_destroy(file);
            return PCB_CMP_ETWICE;
        }
    }
    side->files[side->nfiles++] = file;
    if (file->kind == PCB_RESULTS_HYPERFINE)
        side->n_hyperfine++;
    else
        side->n_gbench++;
    if (side->nctx > 0 && file->has_context) {
        check_machine(side, file);
    } else if (side->nctx == 0 && file->ncontext > 0) {
        side->ctx = file->context;
        side->nctx = file->ncontext;
    }
    for (size_t i = 0; i < file->ncases; i++)
        if ((rc = add_part(side, file, &file->cases[i], err)) != 0) {
            if (rc == PCB_CMP_ENOMEM)
                snprintf(err, PCB_CMP_ERRLEN, "%s: out of memory", file->path);
            return rc;
        }
    return 0;
}
