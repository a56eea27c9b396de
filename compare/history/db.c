/*
 * db.c - the SQLite store of history.h.
 */
#define _GNU_SOURCE
#include "history.h"

#include <errno.h>
#include <fcntl.h>
#include <libgen.h>
#include <math.h>
#include <sqlite3.h>
#include <stdarg.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <time.h>
#include <unistd.h>

struct pcb_hdb {
    sqlite3 *db;   /* the connection */
    char *path;    /* as given */
    bool created;  /* this process made the file (and so removes it after a failed add) */
    bool has_runs; /* some add of this process committed */
};

static const char schema[] =
    "CREATE TABLE IF NOT EXISTS runs(id INTEGER PRIMARY KEY, fingerprint TEXT NOT NULL UNIQUE,"
    " commit_id TEXT NOT NULL, date TEXT NOT NULL, machine TEXT NOT NULL, kind TEXT NOT NULL,"
    " source TEXT NOT NULL, added TEXT NOT NULL);"
    "CREATE TABLE IF NOT EXISTS context(run_id INTEGER NOT NULL REFERENCES runs(id),"
    " key TEXT NOT NULL, value TEXT NOT NULL, PRIMARY KEY(run_id, key)) WITHOUT ROWID;"
    "CREATE TABLE IF NOT EXISTS cases(id INTEGER PRIMARY KEY, key TEXT NOT NULL UNIQUE,"
    " name TEXT NOT NULL);"
    "CREATE TABLE IF NOT EXISTS entries(id INTEGER PRIMARY KEY,"
    " run_id INTEGER NOT NULL REFERENCES runs(id), case_id INTEGER NOT NULL REFERENCES cases(id),"
    " name TEXT NOT NULL, aggregate TEXT, repetition INTEGER, iterations REAL, real_ns REAL,"
    " cpu_ns REAL, error TEXT, label TEXT);"
    "CREATE INDEX IF NOT EXISTS entries_by_case ON entries(case_id, run_id);"
    "CREATE TABLE IF NOT EXISTS counters(entry_id INTEGER NOT NULL REFERENCES entries(id),"
    " name TEXT NOT NULL, value REAL, PRIMARY KEY(entry_id, name)) WITHOUT ROWID;";

#define fail pcb__hdb_fail

int pcb__hdb_fail(char *err, const char *fmt, ...)
{
    va_list ap;
    va_start(ap, fmt);
    vsnprintf(err, PCB_HDB_ERRLEN, fmt, ap);
    va_end(ap);
    return -1;
}

/* One statement without results; returns 0 or -1 with SQLite's message. */
static int exec(struct pcb_hdb *h, const char *sql, char *err)
{
    char *msg = NULL;
    if (sqlite3_exec(h->db, sql, NULL, NULL, &msg) == SQLITE_OK)
        return 0;
    fail(err, "%s: %s", h->path, msg ? msg : sqlite3_errmsg(h->db));
    sqlite3_free(msg);
    return -1;
}

/* An integer PRAGMA's value, or -1 with err set (a file that is not SQLite fails here). */
static long pragma_int(struct pcb_hdb *h, const char *name, char *err)
{
    char sql[64];
    sqlite3_stmt *st;
    long v = -1;

    snprintf(sql, sizeof(sql), "PRAGMA %s", name);
    if (sqlite3_prepare_v2(h->db, sql, -1, &st, NULL) != SQLITE_OK) {
        fail(err, "%s: not a pcbench history database (%s)", h->path, sqlite3_errmsg(h->db));
        return -1;
    }
    if (sqlite3_step(st) == SQLITE_ROW)
        v = sqlite3_column_int64(st, 0);
    else
        fail(err, "%s: not a pcbench history database (%s)", h->path, sqlite3_errmsg(h->db));
    sqlite3_finalize(st);
    return v;
}

/* Checks that the file is ours and of a schema this reads. A brand-new empty database (made by
 * this process, or by a concurrent add that has not written its schema yet) is `empty`. */
static int check_identity(struct pcb_hdb *h, bool *empty, char *err)
{
    long app = pragma_int(h, "application_id", err), ver;
    if (app < 0)
        return -1;
    if ((ver = pragma_int(h, "user_version", err)) < 0)
        return -1;
    long tables = 0;
    sqlite3_stmt *st;
    if (sqlite3_prepare_v2(h->db, "SELECT count(*) FROM sqlite_schema", -1, &st, NULL) != SQLITE_OK)
        return fail(err, "%s: not a pcbench history database (%s)", h->path, sqlite3_errmsg(h->db));
    if (sqlite3_step(st) == SQLITE_ROW)
        tables = sqlite3_column_int64(st, 0);
    sqlite3_finalize(st);
    *empty = app == 0 && ver == 0 && tables == 0;
    if (*empty)
        return 0;
    if (app != PCB_HDB_APP_ID)
        return fail(err, "%s: an SQLite database, but not a pcbench history database", h->path);
    if (ver > PCB_HDB_SCHEMA)
        return fail(err,
                    "%s: schema version %ld is newer than this pcbench-history reads (%d); "
                    "use a newer pcbench-history",
                    h->path, ver, PCB_HDB_SCHEMA);
    if (ver < 1)
        return fail(err, "%s: schema version %ld is not one pcbench-history wrote", h->path, ver);
    return 0;
}

int pcb_hdb_open(const char *path, bool create, struct pcb_hdb **out, char *err)
{
    struct pcb_hdb *h = calloc(1, sizeof(*h));
    struct stat st;
    bool exists, empty = false;

    *out = NULL;
    if (h == NULL || (h->path = strdup(path)) == NULL) {
        free(h);
        return fail(err, "out of memory");
    }
    exists = stat(path, &st) == 0;
    if (exists && !S_ISREG(st.st_mode)) {
        fail(err, "%s: not a regular file; expected a pcbench history database", path);
        goto err;
    }
    if (!exists) {
        char *copy = strdup(path), *dir = copy ? dirname(copy) : NULL;
        struct stat ds;
        if (!create)
            fail(err, "%s: no such database (pcbench-history add makes it)", path);
        else if (dir == NULL)
            fail(err, "out of memory");
        else if (stat(dir, &ds) != 0 || !S_ISDIR(ds.st_mode))
            fail(err, "%s: the folder %s does not exist; make it first, or give --db PATH", path,
                 dir);
        else if (access(dir, W_OK) != 0)
            fail(err, "%s: the folder %s is not writable", path, dir);
        else
            err[0] = '\0';
        free(copy);
        if (err[0])
            goto err;
    }
    if (exists && create && ((st.st_mode & 0222) == 0 || access(path, W_OK) != 0)) {
        fail(err, "%s: the database is read-only; expected a writable file", path);
        goto err;
    }
    int flags = create ? SQLITE_OPEN_READWRITE | SQLITE_OPEN_CREATE : SQLITE_OPEN_READONLY;
    if (sqlite3_open_v2(path, &h->db, flags | SQLITE_OPEN_NOMUTEX, NULL) != SQLITE_OK) {
        fail(err, "%s: cannot open it: %s", path, h->db ? sqlite3_errmsg(h->db) : "no memory");
        goto err;
    }
    h->created = !exists;
    sqlite3_busy_timeout(h->db, 30000);
    if (check_identity(h, &empty, err))
        goto err;
    if (empty && !create) {
        fail(err, "%s: an empty file, not a pcbench history database", path);
        goto err;
    }
    if (empty && exists) {
        /* A file the user made (or an empty one): never ours to write. */
        fail(err, "%s: an empty file, not a pcbench history database; give a new path", path);
        goto err;
    }
    if (create) {
        if (exec(h, "PRAGMA journal_mode=WAL", err))
            goto err;
        if (sqlite3_db_readonly(h->db, "main") == 1) {
            fail(err, "%s: the database is read-only; expected a writable file", path);
            goto err;
        }
    }
    *out = h;
    return 0;
err:
    pcb_hdb_close(h, true);
    return -1;
}

void pcb_hdb_close(struct pcb_hdb *h, bool failed)
{
    if (h == NULL)
        return;
    if (h->db != NULL)
        sqlite3_close(h->db);
    if (failed && h->created && !h->has_runs) {
        /* Only when no run is in it: a concurrent add may have written to the file since. */
        sqlite3 *db = NULL;
        bool runs = false;
        if (sqlite3_open_v2(h->path, &db, SQLITE_OPEN_READONLY, NULL) == SQLITE_OK) {
            sqlite3_stmt *st;
            if (sqlite3_prepare_v2(db, "SELECT 1 FROM runs LIMIT 1", -1, &st, NULL) == SQLITE_OK) {
                runs = sqlite3_step(st) == SQLITE_ROW;
                sqlite3_finalize(st);
            }
        }
        sqlite3_close(db);
        if (!runs) {
            static const char *const sfx[] = {"", "-wal", "-shm", "-journal"};
            for (size_t i = 0; i < 4; i++) {
                char p[4096];
                snprintf(p, sizeof(p), "%s%s", h->path, sfx[i]);
                unlink(p);
            }
        }
    }
    free(h->path);
    free(h);
}

/* The fingerprint of n files in their order: two 64-bit FNV-1a hashes of their bytes (a 0xff
 * byte between two files), as 32 hex digits. One file's is the hash of its bytes alone. */
static int fingerprint(const char *const *paths, size_t n, char out[33], char *err)
{
    uint64_t a = 0xcbf29ce484222325u, b = 0x84222325cbf29ce4u;
    unsigned char buf[65536];

    for (size_t f = 0; f < n; f++) {
        ssize_t got;
        int fd = open(paths[f], O_RDONLY | O_CLOEXEC);
        if (fd < 0)
            return fail(err, "%s: %s", paths[f], strerror(errno));
        if (f > 0) {
            a = (a ^ 0xff) * 0x100000001b3u;
            b = (b ^ 0xff) * 0x100000001b3u + 0x9e37;
        }
        while ((got = read(fd, buf, sizeof(buf))) > 0)
            for (ssize_t i = 0; i < got; i++) {
                a = (a ^ buf[i]) * 0x100000001b3u;
                b = (b ^ buf[i]) * 0x100000001b3u + 0x9e37;
            }
        close(fd);
        if (got < 0)
            return fail(err, "%s: %s", paths[f], strerror(errno));
    }
    snprintf(out, 33, "%016llx%016llx", (unsigned long long)a, (unsigned long long)b);
    return 0;
}

/* Binds text or NULL. */
static void bind_text(sqlite3_stmt *st, int i, const char *s)
{
    if (s == NULL)
        sqlite3_bind_null(st, i);
    else
        sqlite3_bind_text(st, i, s, -1, SQLITE_TRANSIENT);
}

static void bind_real(sqlite3_stmt *st, int i, double v)
{
    if (isfinite(v))
        sqlite3_bind_double(st, i, v);
    else
        sqlite3_bind_null(st, i);
}

enum { S_FIND, S_RUN, S_CTX, S_CASE, S_CASEID, S_ENTRY, S_COUNTER, S_N };
static const char *const stmts[S_N] = {
    "SELECT id FROM runs WHERE fingerprint = ?1",
    "INSERT INTO runs(fingerprint, commit_id, date, machine, kind, source, added)"
    " VALUES(?1, ?2, ?3, ?4, ?5, ?6, strftime('%Y-%m-%dT%H:%M:%SZ', 'now'))",
    "INSERT OR REPLACE INTO context(run_id, key, value) VALUES(?1, ?2, ?3)",
    "INSERT OR IGNORE INTO cases(key, name) VALUES(?1, ?2)",
    "SELECT id FROM cases WHERE key = ?1",
    "INSERT INTO entries(run_id, case_id, name, aggregate, repetition, iterations, real_ns,"
    " cpu_ns, error, label) VALUES(?1, ?2, ?3, ?4, ?5, ?6, ?7, ?8, ?9, ?10)",
    "INSERT OR REPLACE INTO counters(entry_id, name, value) VALUES(?1, ?2, ?3)",
};

/* Runs a bound statement to its end and resets it. Returns 0 or -1. */
static int step_done(struct pcb_hdb *h, sqlite3_stmt *st, char *err)
{
    int rc = sqlite3_step(st);
    sqlite3_reset(st);
    sqlite3_clear_bindings(st);
    if (rc == SQLITE_DONE || rc == SQLITE_ROW)
        return 0;
    return fail(err, "%s: %s", h->path, sqlite3_errmsg(h->db));
}

/* Adds one entry of one case with its counters. */
static int add_entry(struct pcb_hdb *h, sqlite3_stmt **s, long run, long case_id,
                     const struct pcb_results_entry *e, char *err)
{
    sqlite3_bind_int64(s[S_ENTRY], 1, run);
    sqlite3_bind_int64(s[S_ENTRY], 2, case_id);
    bind_text(s[S_ENTRY], 3, e->name);
    bind_text(s[S_ENTRY], 4, e->aggregate);
    if (e->index >= 0)
        sqlite3_bind_int(s[S_ENTRY], 5, e->index);
    bind_real(s[S_ENTRY], 6, e->iterations);
    bind_real(s[S_ENTRY], 7, e->real_ns);
    bind_real(s[S_ENTRY], 8, e->cpu_ns);
    bind_text(s[S_ENTRY], 9, e->error ? (e->error_message ? e->error_message : "error") : NULL);
    bind_text(s[S_ENTRY], 10, e->label);
    if (step_done(h, s[S_ENTRY], err))
        return -1;
    long entry = (long)sqlite3_last_insert_rowid(h->db);
    for (uint32_t k = 0; k < e->ncounters; k++) {
        sqlite3_bind_int64(s[S_COUNTER], 1, entry);
        bind_text(s[S_COUNTER], 2, e->counters[k].name);
        bind_real(s[S_COUNTER], 3, e->counters[k].value);
        if (step_done(h, s[S_COUNTER], err))
            return -1;
    }
    return 0;
}

/* Adds one run of n files (n is 1 unless they are the samples of one run); *id as
 * pcb_hdb_add() says. */
static int add_one(struct pcb_hdb *h, sqlite3_stmt **s, struct pcb_results *const *files,
                   const char *const *paths, size_t n, const struct pcb_hdb_run_id *rid, long *id,
                   char *err)
{
    const struct pcb_results *r = files[0];
    const char *path = paths[0];
    char fp[33];

    if (fingerprint(paths, n, fp, err))
        return -1;
    bind_text(s[S_FIND], 1, fp);
    if (sqlite3_step(s[S_FIND]) == SQLITE_ROW) {
        *id = -(long)sqlite3_column_int64(s[S_FIND], 0);
        sqlite3_reset(s[S_FIND]);
        return 0;
    }
    sqlite3_reset(s[S_FIND]);
    bind_text(s[S_RUN], 1, fp);
    bind_text(s[S_RUN], 2, rid->commit);
    bind_text(s[S_RUN], 3, rid->date);
    bind_text(s[S_RUN], 4, rid->machine);
    bind_text(s[S_RUN], 5, r->kind == PCB_RESULTS_GBENCH ? "gbench" : "hyperfine");
    bind_text(s[S_RUN], 6, path);
    if (step_done(h, s[S_RUN], err))
        return -1;
    long run = (long)sqlite3_last_insert_rowid(h->db);
    for (size_t k = 0; k < r->ncontext; k++) {
        sqlite3_bind_int64(s[S_CTX], 1, run);
        bind_text(s[S_CTX], 2, r->context[k].key);
        bind_text(s[S_CTX], 3, r->context[k].value ? r->context[k].value : "");
        if (step_done(h, s[S_CTX], err))
            return -1;
    }
    for (size_t f = 0; f < n; f++)
        for (size_t c = 0; c < files[f]->ncases; c++) {
            const struct pcb_results_case *rc = &files[f]->cases[c];
            bind_text(s[S_CASE], 1, rc->key);
            bind_text(s[S_CASE], 2, rc->name);
            if (step_done(h, s[S_CASE], err))
                return -1;
            bind_text(s[S_CASEID], 1, rc->key);
            if (sqlite3_step(s[S_CASEID]) != SQLITE_ROW) {
                sqlite3_reset(s[S_CASEID]);
                return fail(err, "%s: %s", h->path, sqlite3_errmsg(h->db));
            }
            long case_id = (long)sqlite3_column_int64(s[S_CASEID], 0);
            sqlite3_reset(s[S_CASEID]);
            for (size_t k = 0; k < rc->nreps; k++)
                if (add_entry(h, s, run, case_id, &rc->reps[k], err))
                    return -1;
            for (size_t k = 0; k < rc->naggs; k++)
                if (add_entry(h, s, run, case_id, &rc->aggs[k], err))
                    return -1;
        }
    *id = run;
    return 0;
}

int pcb_hdb_add(struct pcb_hdb *h, struct pcb_results *const *files, const char *const *paths,
                const struct pcb_hdb_run_id *ids, size_t n, bool one_run, long *added, char *err)
{
    sqlite3_stmt *s[S_N] = {0};
    bool empty;
    int rc = -1;

    /* The write lock first: a concurrent first add may be writing the schema. */
    if (exec(h, "BEGIN IMMEDIATE", err))
        return -1;
    if (check_identity(h, &empty, err))
        goto out;
    if (empty) {
        char sql[160];
        snprintf(sql, sizeof(sql), "PRAGMA application_id=%d; PRAGMA user_version=%d;",
                 PCB_HDB_APP_ID, PCB_HDB_SCHEMA);
        if (exec(h, schema, err) || exec(h, sql, err))
            goto out;
    }
    for (int i = 0; i < S_N; i++)
        if (sqlite3_prepare_v2(h->db, stmts[i], -1, &s[i], NULL) != SQLITE_OK) {
            fail(err, "%s: %s", h->path, sqlite3_errmsg(h->db));
            goto out;
        }
    for (size_t i = 0; i < n && !one_run; i++)
        if (add_one(h, s, &files[i], &paths[i], 1, &ids[i], &added[i], err))
            goto out;
    if (one_run) {
        if (add_one(h, s, files, paths, n, &ids[0], &added[0], err))
            goto out;
        for (size_t i = 1; i < n; i++)
            added[i] = added[0];
    }
    rc = 0;
out:
    for (int i = 0; i < S_N; i++)
        sqlite3_finalize(s[i]);
    if (rc == 0 && exec(h, "COMMIT", err))
        rc = -1;
    if (rc != 0) {
        char ignored[PCB_HDB_ERRLEN];
        exec(h, "ROLLBACK", ignored);
    } else {
        h->has_runs = true;
    }
    return rc;
}

int pcb_hdb_print_runs(struct pcb_hdb *h, FILE *f, char *err)
{
    sqlite3_stmt *st;
    int rc;

    if (sqlite3_prepare_v2(h->db,
                           "SELECT r.id, r.commit_id, r.date, r.machine,"
                           " (SELECT count(DISTINCT case_id) FROM entries e WHERE e.run_id = r.id),"
                           " r.source FROM runs r ORDER BY r.date, r.id",
                           -1, &st, NULL) != SQLITE_OK)
        return fail(err, "%s: %s", h->path, sqlite3_errmsg(h->db));
    fprintf(f, "%-5s %-14s %-21s %-20s %6s  %s\n", "run", "commit", "date", "machine", "cases",
            "source");
    while ((rc = sqlite3_step(st)) == SQLITE_ROW)
        fprintf(f, "%-5lld %-14s %-21s %-20s %6lld  %s\n", (long long)sqlite3_column_int64(st, 0),
                sqlite3_column_text(st, 1), sqlite3_column_text(st, 2), sqlite3_column_text(st, 3),
                (long long)sqlite3_column_int64(st, 4), sqlite3_column_text(st, 5));
    sqlite3_finalize(st);
    if (rc != SQLITE_DONE)
        return fail(err, "%s: %s", h->path, sqlite3_errmsg(h->db));
    return 0;
}

bool pcb_hdb_higher_is_better(const char *metric)
{
    size_t n = strlen(metric);
    return n >= 11 && strcmp(metric + n - 11, "_per_second") == 0;
}

static int cmp_double(const void *a, const void *b)
{
    double x = *(const double *)a, y = *(const double *)b;
    return (x > y) - (x < y);
}

/* Closes the point being gathered: the median of its repetitions, else its median aggregate. */
static int close_point(struct pcb_hdb_series *s, long run, const char *commit, const char *date,
                       double *reps, size_t nreps, double agg)
{
    double v = agg;
    if (nreps > 0) {
        qsort(reps, nreps, sizeof(*reps), cmp_double);
        v = nreps % 2 ? reps[nreps / 2] : (reps[nreps / 2 - 1] + reps[nreps / 2]) / 2;
    }
    if (!isfinite(v))
        return 0; /* the case failed in this run, or has no such metric */
    struct pcb_hdb_point *p = realloc(s->points, (s->n + 1) * sizeof(*p));
    if (p == NULL)
        return -1;
    s->points = p;
    p[s->n] = (struct pcb_hdb_point){run, strdup(commit), strdup(date), v};
    if (p[s->n].commit == NULL || p[s->n].date == NULL)
        return -1;
    s->n++;
    return 0;
}

int pcb_hdb_series(struct pcb_hdb *h, const char *metric, const regex_t *filter,
                   const char *machine, struct pcb_hdb_series **out, size_t *nout, char *err)
{
    const char *sql =
        "SELECT r.machine, c.key, c.name, r.id, r.commit_id, r.date, e.aggregate,"
        " CASE ?1 WHEN 'real_time' THEN e.real_ns WHEN 'cpu_time' THEN e.cpu_ns ELSE k.value END,"
        " e.error IS NOT NULL"
        " FROM entries e JOIN runs r ON r.id = e.run_id JOIN cases c ON c.id = e.case_id"
        " LEFT JOIN counters k ON k.entry_id = e.id AND k.name = ?1"
        " WHERE (e.aggregate IS NULL OR e.aggregate = 'median') AND (?2 IS NULL OR r.machine = ?2)"
        " ORDER BY r.machine, c.key, r.date, r.id, e.id";
    struct pcb_hdb_series *v = NULL, *cur = NULL;
    size_t n = 0, nreps = 0, capreps = 0;
    double *reps = NULL, agg = NAN;
    long run = 0;
    char *commit = NULL, *date = NULL;
    sqlite3_stmt *st;
    int rc, ret = -1;
    bool skip = false;

    *out = NULL, *nout = 0;
    if (sqlite3_prepare_v2(h->db, sql, -1, &st, NULL) != SQLITE_OK)
        return fail(err, "%s: %s", h->path, sqlite3_errmsg(h->db));
    bind_text(st, 1, metric);
    bind_text(st, 2, machine);
    while ((rc = sqlite3_step(st)) == SQLITE_ROW) {
        const char *m = (const char *)sqlite3_column_text(st, 0);
        const char *key = (const char *)sqlite3_column_text(st, 1);
        const char *name = (const char *)sqlite3_column_text(st, 2);
        long r = (long)sqlite3_column_int64(st, 3);
        bool new_series = cur == NULL || strcmp(cur->machine, m) || strcmp(cur->key, key);
        if (cur != NULL && !skip && (new_series || r != run)) {
            if (close_point(cur, run, commit, date, reps, nreps, agg))
                goto nomem;
        }
        if (new_series) {
            skip = filter != NULL && regexec(filter, name, 0, NULL, 0) != 0;
            if (!skip) {
                struct pcb_hdb_series *nv = realloc(v, (n + 1) * sizeof(*nv));
                if (nv == NULL)
                    goto nomem;
                v = nv;
                cur = &v[n++];
                *cur = (struct pcb_hdb_series){strdup(m), strdup(key), strdup(name), NULL, 0};
                if (!cur->machine || !cur->key || !cur->name)
                    goto nomem;
            }
        }
        /* The rows of a series the filter leaves out still compare against the last series
         * kept, so each of them is a "new series" and is skipped again. */
        if (skip)
            continue;
        if (new_series || r != run) {
            free(commit), free(date);
            commit = strdup((const char *)sqlite3_column_text(st, 4));
            date = strdup((const char *)sqlite3_column_text(st, 5));
            if (!commit || !date)
                goto nomem;
            run = r, nreps = 0, agg = NAN;
        }
        bool is_agg = sqlite3_column_type(st, 6) != SQLITE_NULL;
        bool errored = sqlite3_column_int(st, 8) != 0;
        if (errored || sqlite3_column_type(st, 7) == SQLITE_NULL)
            continue;
        double val = sqlite3_column_double(st, 7);
        if (is_agg) {
            agg = val;
        } else {
            if (nreps == capreps) {
                double *nr = realloc(reps, (capreps = capreps ? 2 * capreps : 16) * sizeof(*nr));
                if (nr == NULL)
                    goto nomem;
                reps = nr;
            }
            reps[nreps++] = val;
        }
    }
    if (rc != SQLITE_DONE) {
        fail(err, "%s: %s", h->path, sqlite3_errmsg(h->db));
        goto out;
    }
    if (cur != NULL && !skip && close_point(cur, run, commit, date, reps, nreps, agg))
        goto nomem;
    ret = 0;
    goto out;
nomem:
    fail(err, "out of memory");
out:
    sqlite3_finalize(st);
    free(reps), free(commit), free(date);
    if (ret) {
        pcb_hdb_series_free(v, n);
        return -1;
    }
    *out = v, *nout = n;
    return 0;
}

void pcb_hdb_series_free(struct pcb_hdb_series *s, size_t n)
{
    for (size_t i = 0; i < n; i++) {
        for (size_t k = 0; k < s[i].n; k++)
            free(s[i].points[k].commit), free(s[i].points[k].date);
        free(s[i].points), free(s[i].machine), free(s[i].key), free(s[i].name);
    }
    free(s);
}

int pcb_hdb_utc(const char *in, char *out, size_t cap)
{
    struct tm tm;
    const char *p;
    long off = 0;

    memset(&tm, 0, sizeof(tm));
    if ((p = strptime(in, "%Y-%m-%dT%H:%M:%S", &tm)) == NULL)
        return -1;
    if (*p == '.')
        for (p++; *p >= '0' && *p <= '9'; p++)
            ;
    if (*p == 'Z') {
        p++;
    } else if (*p == '+' || *p == '-') {
        int hh, mm, used = 0;
        if (sscanf(p + 1, "%2d:%2d%n", &hh, &mm, &used) != 2 || used != 5 || hh > 23 || mm > 59)
            return -1;
        off = (hh * 60L + mm) * 60 * (*p == '+' ? 1 : -1);
        p += 6;
    }
    if (*p != '\0')
        return -1;
    time_t t = timegm(&tm) - off;
    struct tm u;
    if (gmtime_r(&t, &u) == NULL || strftime(out, cap, "%Y-%m-%dT%H:%M:%SZ", &u) == 0)
        return -1;
    return 0;
}
