/*
 * history.h - pcbench-history's store: every run of pcbench (or hyperfine) in one SQLite
 * database, with every repetition and every counter, keyed by commit, date and machine.
 *
 * The database is Debian's SQLite (libsqlite3-dev), in WAL mode so readers never wait for a
 * writer, with a busy timeout so concurrent `add`s queue instead of failing. Each add is one
 * IMMEDIATE transaction: all its files or none. A run is known by a fingerprint of its file's
 * bytes (two 64-bit FNV-1a hashes), UNIQUE in the table, so adding the same file twice, also
 * from two processes at once, stores it once.
 *
 * The file says what it is: PRAGMA application_id is PCB_HDB_APP_ID and PRAGMA user_version the
 * schema version, PCB_HDB_SCHEMA. A file without them (another SQLite database, an empty file)
 * or that is not SQLite at all is refused and never written; a newer schema is refused with its
 * version. Schema (version 1):
 *
 *   runs(id, fingerprint UNIQUE, commit_id, date (UTC, ISO 8601), machine, kind, source, added)
 *   context(run_id, key, value)            every context key of the file, as text
 *   cases(id, key UNIQUE, name)            key: the reader's case key; name: as first written
 *   entries(id, run_id, case_id, name, aggregate (NULL: a repetition), repetition, iterations,
 *           real_ns, cpu_ns, error, label)  every entry of the file
 *   counters(entry_id, name, value)        every counter of every entry (NULL for NaN)
 *
 * Functions return 0 or -1 after writing one line (without the program name) into err.
 */
#ifndef PCB_HISTORY_H
#define PCB_HISTORY_H

#include "results.h"

#include <regex.h>
#include <stdbool.h>
#include <stddef.h>
#include <stdio.h>

#define PCB_HDB_APP_ID 0x50434248 /* "PCBH" */
#define PCB_HDB_SCHEMA 1
#define PCB_HDB_ERRLEN PCB_RESULTS_ERRLEN

struct pcb_hdb;

/* Opens the database at path. With `create`, a missing file is made (its folder must exist),
 * and the database is opened for writing (a read-only file is refused); without, it must
 * exist and is opened read-only. */
int pcb_hdb_open(const char *path, bool create, struct pcb_hdb **out, char *err);
/* Closes it. After a failed first `add` into a file this process made, the file goes too. */
void pcb_hdb_close(struct pcb_hdb *db, bool failed);

/* What one run is known by. */
struct pcb_hdb_run_id {
    const char *commit;  /* pcbench_commit, or --commit */
    const char *date;    /* UTC, "YYYY-MM-DDTHH:MM:SSZ" */
    const char *machine; /* host_name, or --machine */
};

/* Adds n files, each a run, in one transaction. added[i] is set to the new run's id, or to
 * -(id) of the run already there when the file was added before. With one_run the n files are
 * the samples of one run (ids[0] names it; the context is the first file's): every added[i] is
 * that run's id, and its fingerprint is that of the n files in their order. */
int pcb_hdb_add(struct pcb_hdb *db, struct pcb_results *const *files, const char *const *paths,
                const struct pcb_hdb_run_id *ids, size_t n, bool one_run, long *added, char *err);

/* Prints the runs, oldest first: id, commit, date, machine, cases, source. */
int pcb_hdb_print_runs(struct pcb_hdb *db, FILE *f, char *err);

/* One point of a series: one run's value of one case. */
struct pcb_hdb_point {
    long run;     /* runs.id */
    char *commit; /* owned */
    char *date;   /* owned */
    double value; /* median over the run's repetitions (or its median aggregate) */
};

/* One case's series on one machine, oldest run first. */
struct pcb_hdb_series {
    char *machine; /* owned */
    char *key;     /* the case key */
    char *name;    /* the case name as first written */
    struct pcb_hdb_point *points;
    size_t n;
};

/* Every series of `metric` ("real_time", "cpu_time" or a counter name) whose case name matches
 * filter (NULL: all) on `machine` (NULL: all), ordered by machine and case. */
int pcb_hdb_series(struct pcb_hdb *db, const char *metric, const regex_t *filter,
                   const char *machine, struct pcb_hdb_series **out, size_t *n, char *err);
void pcb_hdb_series_free(struct pcb_hdb_series *s, size_t n);

/* Whether a bigger value of metric is better (throughput counters: *_per_second). */
bool pcb_hdb_higher_is_better(const char *metric);

/* Writes one line into err (PCB_HDB_ERRLEN bytes). Returns -1. */
int pcb__hdb_fail(char *err, const char *fmt, ...) __attribute__((format(printf, 2, 3)));

/* Normalises an ISO 8601 time ("2026-12-03T04:20:51+00:00", "...Z", "...T04:20:51") into
 * out as UTC "YYYY-MM-DDTHH:MM:SSZ". Returns 0, or -1 when it is not one. */
int pcb_hdb_utc(const char *in, char *out, size_t cap);

#endif
