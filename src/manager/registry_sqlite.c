/*
 * The plugin registry on SQLite.
 *
 * Why synchronous=FULL: in WAL mode, NORMAL does not fsync the WAL at each
 * commit, only at checkpoints. A killed process loses nothing either way
 * (the WAL is in the OS page cache), but an OS crash or power cut may roll
 * back the last commits under NORMAL, i.e. lose changes we already
 * acknowledged to the user. FULL fsyncs the WAL at every commit, which costs
 * one fsync per change; registry changes are rare administrative acts
 * (add, update, delete), so that cost is nothing next to losing one.
 *
 * Why BEGIN IMMEDIATE: it takes the write lock when the transaction starts,
 * so two processes changing the file wait for each other through the busy
 * timeout instead of one of them failing with SQLITE_BUSY half way (a
 * deferred transaction that upgrades from read to write cannot wait).
 */
#include "registry_store.h"

#include <errno.h>
#include <fcntl.h>
#include "dl_sqlite.h" /* SQLite, loaded on first need */
#include <stdatomic.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

/* Bump with a migration in open_schema() whenever the schema changes.
 * 1: plugins. 2: plus the registry's revision (registry.h), one row that
 * triggers bump in the transaction of every change to plugins, so that no
 * write path can forget it. */
#define SCHEMA_VERSION 2
/* PRAGMA application_id: "wxmg", so that other tools can tell our files. */
#define APPLICATION_ID 0x77786d67

static const char schema_sql[] = "CREATE TABLE plugins ("
                                 " name TEXT PRIMARY KEY NOT NULL,"
                                 " config TEXT NOT NULL,"
                                 " wasm BLOB NOT NULL,"
                                 " sha256 TEXT NOT NULL,"
                                 " created_ms INTEGER NOT NULL,"
                                 " updated_ms INTEGER NOT NULL,"
                                 " version INTEGER NOT NULL);";

/* Schema 2's addition, also the migration from 1. The first revision of
 * a migrated file is schema 1's fallback value (see revision_sql_v1), so
 * a reader that saw the file before the migration sees no change. */
static const char revision_sql[] =
    "CREATE TABLE registry_revision ("
    " id INTEGER PRIMARY KEY CHECK (id = 0),"
    " revision INTEGER NOT NULL);"
    "INSERT INTO registry_revision (id, revision)"
    " SELECT 0, coalesce(sum(version), 0) + count(*) FROM plugins;"
    "CREATE TRIGGER plugins_added AFTER INSERT ON plugins BEGIN"
    " UPDATE registry_revision SET revision = revision + 1; END;"
    "CREATE TRIGGER plugins_updated AFTER UPDATE ON plugins BEGIN"
    " UPDATE registry_revision SET revision = revision + 1; END;"
    "CREATE TRIGGER plugins_deleted AFTER DELETE ON plugins BEGIN"
    " UPDATE registry_revision SET revision = revision + 1; END;";

/* The revision of a schema-1 file opened read-only (registry.h): it moves
 * with every change, though not always upwards. */
static const char revision_sql_v1[] =
    "SELECT coalesce(sum(version), 0) + count(*) FROM plugins";
static const char revision_sql_v2[] =
    "SELECT revision FROM registry_revision WHERE id = 0";

/* The prepared statements, made once at open and reused. */
#define STMT_LIST(X)                                                          \
    X(begin, "BEGIN IMMEDIATE")                                               \
    X(commit, "COMMIT")                                                       \
    X(rollback, "ROLLBACK")                                                   \
    X(insert, "INSERT INTO plugins (name, config, wasm, sha256, created_ms,"  \
              " updated_ms, version) VALUES (?1, ?2, ?3, ?4, ?5, ?5, 1)")     \
    X(update, "UPDATE plugins SET config = ?2, wasm = ?3, sha256 = ?4,"       \
              " updated_ms = ?5, version = version + 1 WHERE name = ?1")      \
    X(version, "SELECT version FROM plugins WHERE name = ?1")                 \
    X(delete_, "DELETE FROM plugins WHERE name = ?1")                         \
    X(get, "SELECT name, config, wasm, length(wasm), sha256, created_ms,"     \
           " updated_ms, version FROM plugins WHERE name = ?1")               \
    X(get_meta, "SELECT name, config, NULL, length(wasm), sha256,"            \
                " created_ms, updated_ms, version FROM plugins"               \
                " WHERE name = ?1")                                           \
    X(list, "SELECT name FROM plugins ORDER BY name")

typedef struct sqlite_reg {
    wxg_registry base;
    sqlite3 *db;
    bool read_only;
    int64_t schema;         /* 1 only for a schema-1 file opened read-only */
    sqlite3_stmt *revision; /* revision_sql_v1 or _v2, by schema */
#define X_(name, sql) sqlite3_stmt *name;
    STMT_LIST(X_)
#undef X_
} sqlite_reg;

static sqlite_reg *sql_reg(wxg_registry *reg)
{
    return (sqlite_reg *)reg;
}

/*
 * Sets err from SQLite's last error on `db`, naming the registry and what
 * we were doing: "registry /x.db: add \"car\": disk I/O error".
 */
static wx_status db_fail(const char *path, sqlite3 *db, const char *what,
                         wx_error *err)
{
    int rc = db ? sqlite3_errcode(db) & 0xff : SQLITE_NOMEM;
    const char *msg = db ? sqlite3_errmsg(db) : "out of memory";
    int sys = db ? sqlite3_system_errno(db) : 0;
    const char *hint = "";
    if (rc == SQLITE_BUSY)
        hint = " (another process kept it locked past the busy timeout)";
    else if (rc == SQLITE_READONLY)
        hint = " (the registry is read-only)";
    char syserr[96] = "";
    if (sys && (rc == SQLITE_CANTOPEN || rc == SQLITE_IOERR))
        snprintf(syserr, sizeof syserr, " (%s)", strerror(sys));
    return wx_error_set(err, rc == SQLITE_NOMEM ? WX_ENOMEM : WX_EIO,
                        "registry %s: %s%s%s%s%s", path, what,
                        *what ? ": " : "", msg, syserr, hint);
}

static wx_status reg_fail(sqlite_reg *reg, const char *what, wx_error *err)
{
    return db_fail(reg->base.path, reg->db, what, err);
}

/* Runs BEGIN, COMMIT or ROLLBACK and makes it ready for reuse. */
static int exec_stmt(sqlite3_stmt *s)
{
    int rc = sqlite3_step(s);
    sqlite3_reset(s);
    return rc == SQLITE_ROW ? SQLITE_DONE : rc;
}

/* Reads an integer PRAGMA (user_version, application_id). */
static int pragma_int(sqlite3 *db, const char *sql, int64_t *out)
{
    sqlite3_stmt *s;
    int rc = sqlite3_prepare_v2(db, sql, -1, &s, NULL);
    if (rc != SQLITE_OK)
        return rc;
    rc = sqlite3_step(s);
    if (rc == SQLITE_ROW) {
        *out = sqlite3_column_int64(s, 0);
        rc = SQLITE_OK;
    }
    sqlite3_finalize(s);
    return rc;
}

/* --------------------------------------------------------------- open */

/* mkdir -p of the directory part of `path`. */
static wx_status make_parent_dirs(const char *path, wx_error *err)
{
    char *dir = strdup(path);
    if (!dir)
        return wx_error_set(err, WX_ENOMEM, "registry %s: out of memory",
                            path);
    char *slash = strrchr(dir, '/');
    if (!slash || slash == dir) {
        free(dir);
        return WX_OK;
    }
    *slash = '\0';
    for (char *p = dir + 1;; p++) {
        bool end = *p == '\0';
        if (*p == '/' || end) {
            *p = '\0';
            if (mkdir(dir, 0755) != 0 && errno != EEXIST) {
                wx_status s = wx_error_set(
                    err, WX_EIO, "registry %s: cannot create directory %s: %s",
                    path, dir, strerror(errno));
                free(dir);
                return s;
            }
            if (end)
                break;
            *p = '/';
        }
    }
    free(dir);
    return WX_OK;
}

/* Makes a new file's directory entry durable (SQLite syncs the WAL's
 * entry itself, not the main file's). */
static void sync_parent_dir(const char *path)
{
    char *dir = strdup(path);
    if (!dir)
        return;
    char *slash = strrchr(dir, '/');
    if (slash == dir)
        slash[1] = '\0';
    else if (slash)
        *slash = '\0';
    int fd = open(slash ? dir : ".", O_RDONLY | O_DIRECTORY);
    if (fd >= 0) {
        fsync(fd);
        close(fd);
    }
    free(dir);
}

/* Creates the schema in a fresh file, inside one write transaction, so
 * that two processes creating the same registry at once agree. */
static wx_status create_schema(sqlite_reg *reg, int64_t *version,
                               wx_error *err)
{
    sqlite3 *db = reg->db;
    int rc = sqlite3_exec(db, "BEGIN IMMEDIATE", NULL, NULL, NULL);
    if (rc != SQLITE_OK)
        return reg_fail(reg, "cannot create the schema", err);
    int64_t tables = 0;
    rc = pragma_int(db, "PRAGMA user_version", version);
    if (rc == SQLITE_OK && *version == 0) {
        rc = pragma_int(db, "SELECT count(*) FROM sqlite_master", &tables);
        if (rc == SQLITE_OK && tables > 0) {
            sqlite3_exec(db, "ROLLBACK", NULL, NULL, NULL);
            return wx_error_set(err, WX_EIO,
                                "registry %s: not a wasmext registry (a "
                                "SQLite file with other tables)",
                                reg->base.path);
        }
        char sql[sizeof schema_sql + sizeof revision_sql + 96];
        snprintf(sql, sizeof sql,
                 "%s %s PRAGMA application_id = %d;"
                 " PRAGMA user_version = %d;",
                 schema_sql, revision_sql, APPLICATION_ID, SCHEMA_VERSION);
        if (rc == SQLITE_OK)
            rc = sqlite3_exec(db, sql, NULL, NULL, NULL);
        *version = SCHEMA_VERSION;
    }
    if (rc == SQLITE_OK)
        rc = sqlite3_exec(db, "COMMIT", NULL, NULL, NULL);
    if (rc != SQLITE_OK) {
        wx_status s = reg_fail(reg, "cannot create the schema", err);
        sqlite3_exec(db, "ROLLBACK", NULL, NULL, NULL);
        return s;
    }
    return WX_OK;
}

/*
 * Schema 1 -> 2: adds the revision table and its triggers. One write
 * transaction that re-reads the version first: a crash leaves schema 1
 * whole (SQLite rolls the journal back), and of two processes migrating
 * at once the second finds 2 and does nothing.
 */
static wx_status migrate_to_2(sqlite_reg *reg, int64_t *version, wx_error *err)
{
    sqlite3 *db = reg->db;
    const char *what = "cannot migrate the schema from version 1 to 2";
    if (sqlite3_exec(db, "BEGIN IMMEDIATE", NULL, NULL, NULL) != SQLITE_OK)
        return reg_fail(reg, what, err);
    int rc = pragma_int(db, "PRAGMA user_version", version);
    if (rc == SQLITE_OK && *version == 1) {
        rc = sqlite3_exec(db, revision_sql, NULL, NULL, NULL);
        if (rc == SQLITE_OK)
            rc = sqlite3_exec(db, "PRAGMA user_version = 2", NULL, NULL, NULL);
        if (rc == SQLITE_OK)
            *version = 2;
    }
    if (rc == SQLITE_OK)
        rc = sqlite3_exec(db, "COMMIT", NULL, NULL, NULL);
    if (rc != SQLITE_OK) {
        wx_status s = reg_fail(reg, what, err);
        sqlite3_exec(db, "ROLLBACK", NULL, NULL, NULL);
        return s;
    }
    return WX_OK;
}

/* Checks (or creates) the schema: ours, and a version we understand. */
static wx_status open_schema(sqlite_reg *reg, wx_error *err)
{
    int64_t version = 0, app = 0;
    /* The first read of the header: a file that is not SQLite fails here
     * with "file is not a database". */
    if (pragma_int(reg->db, "PRAGMA user_version", &version) != SQLITE_OK ||
        pragma_int(reg->db, "PRAGMA application_id", &app) != SQLITE_OK)
        return reg_fail(reg, "", err);
    if (app != 0 && app != APPLICATION_ID)
        return wx_error_set(err, WX_EIO,
                            "registry %s: not a wasmext registry "
                            "(application_id 0x%llx)",
                            reg->base.path, (unsigned long long)app);
    if (version == 0) {
        if (reg->read_only)
            return wx_error_set(err, WX_EIO,
                                "registry %s: not a wasmext registry (no "
                                "schema; open it read-write to create one)",
                                reg->base.path);
        wx_status s = create_schema(reg, &version, err);
        if (s != WX_OK)
            return s;
    }
    if (version > SCHEMA_VERSION)
        return wx_error_set(err, WX_EIO,
                            "registry %s: schema version %lld is newer than "
                            "this wasmext's (%d)",
                            reg->base.path, (long long)version,
                            SCHEMA_VERSION);
    if (version == 1 && !reg->read_only) {
        wx_status s = migrate_to_2(reg, &version, err);
        if (s != WX_OK)
            return s;
    }
    reg->schema = version;
    if (app == 0) {
        /* user_version set but no application_id: someone else's file. */
        int64_t ours = 0;
        pragma_int(reg->db,
                   "SELECT count(*) FROM sqlite_master WHERE type = 'table'"
                   " AND name = 'plugins'",
                   &ours);
        if (!ours)
            return wx_error_set(err, WX_EIO,
                                "registry %s: not a wasmext registry (no "
                                "plugins table)",
                                reg->base.path);
    }
    return WX_OK;
}

/* WAL and FULL sync (see the top of this file). */
static wx_status set_durability(sqlite_reg *reg, wx_error *err)
{
    sqlite3_stmt *s;
    if (sqlite3_prepare_v2(reg->db, "PRAGMA journal_mode = WAL", -1, &s,
                           NULL) != SQLITE_OK)
        return reg_fail(reg, "", err);
    int rc = sqlite3_step(s);
    bool wal = rc == SQLITE_ROW &&
               strcmp((const char *)sqlite3_column_text(s, 0), "wal") == 0;
    sqlite3_finalize(s);
    if (rc != SQLITE_ROW)
        return reg_fail(reg, "", err);
    if (!wal)
        return wx_error_set(err, WX_EIO,
                            "registry %s: cannot switch to WAL mode (is it "
                            "on a network file system?)",
                            reg->base.path);
    if (sqlite3_exec(reg->db, "PRAGMA synchronous = FULL", NULL, NULL, NULL) !=
        SQLITE_OK)
        return reg_fail(reg, "", err);
    return WX_OK;
}

static wx_status prepare_all(sqlite_reg *reg, wx_error *err)
{
#define X_(name, sql)                                                         \
    if (sqlite3_prepare_v3(reg->db, sql, -1, SQLITE_PREPARE_PERSISTENT,       \
                           &reg->name, NULL) != SQLITE_OK)                    \
        return reg_fail(reg, "", err);
    STMT_LIST(X_)
#undef X_
    const char *rev = reg->schema >= 2 ? revision_sql_v2 : revision_sql_v1;
    if (sqlite3_prepare_v3(reg->db, rev, -1, SQLITE_PREPARE_PERSISTENT,
                           &reg->revision, NULL) != SQLITE_OK)
        return reg_fail(reg, "", err);
    return WX_OK;
}

/* "file:" URI of `path` with `query`, escaping what URIs reserve. */
static char *file_uri(const char *path, const char *query)
{
    size_t n = strlen(path), q = strlen(query);
    char *uri = malloc(8 + 3 * n + q + 1), *o = uri;
    if (!uri)
        return NULL;
    o += sprintf(o, "file:");
    for (const char *p = path; *p; p++) {
        unsigned char c = (unsigned char)*p;
        if ((c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') ||
            (c >= '0' && c <= '9') || strchr("/._-~", c))
            *o++ = (char)c;
        else
            o += sprintf(o, "%%%02X", c);
    }
    memcpy(o, query, q + 1);
    return uri;
}

/*
 * Opens the connection. A reader without write access to the directory
 * cannot create the WAL's -shm file, and SQLite then refuses even to read
 * (SQLITE_READONLY_DIRECTORY): that is a user listing a system registry.
 * When no -wal file exists, the last writer closed cleanly and the main
 * file holds everything, so we read it as immutable (no locks, no -shm).
 * The one risk, a writer starting while we read, needs a writer with
 * write access to that directory, and costs at worst a failed read.
 */
static wx_status open_db(sqlite_reg *reg, bool ro, wx_error *err)
{
    int flags =
        ro ? SQLITE_OPEN_READONLY : SQLITE_OPEN_READWRITE | SQLITE_OPEN_CREATE;
    if (sqlite3_open_v2(reg->base.path, &reg->db, flags | SQLITE_OPEN_NOMUTEX,
                        NULL) != SQLITE_OK)
        return reg_fail(reg, "", err);
    sqlite3_extended_result_codes(reg->db, 1);
    if (!ro)
        return WX_OK;
    int64_t version;
    int rc = pragma_int(reg->db, "PRAGMA user_version", &version);
    bool no_shm =
        rc == SQLITE_READONLY_DIRECTORY || rc == SQLITE_READONLY_CANTINIT;
    if (!no_shm && rc != SQLITE_CANTOPEN)
        return WX_OK; /* fine, or an error open_schema reports */

    char wal[4096];
    struct stat st;
    snprintf(wal, sizeof wal, "%s-wal", reg->base.path);
    if (stat(wal, &st) == 0)
        return wx_error_set(err, WX_EIO,
                            "registry %s: cannot read it while %s exists "
                            "(a write is under way or was cut short) "
                            "without write access to its directory",
                            reg->base.path, wal);
    if (!no_shm)
        return WX_OK;
    char *uri = file_uri(reg->base.path, "?immutable=1");
    if (!uri)
        return wx_error_set(err, WX_ENOMEM, "registry %s: out of memory",
                            reg->base.path);
    sqlite3_close(reg->db);
    reg->db = NULL;
    rc = sqlite3_open_v2(
        uri, &reg->db,
        SQLITE_OPEN_READONLY | SQLITE_OPEN_URI | SQLITE_OPEN_NOMUTEX, NULL);
    free(uri);
    if (rc != SQLITE_OK)
        return reg_fail(reg, "", err);
    sqlite3_extended_result_codes(reg->db, 1);
    return WX_OK;
}

/*
 * Makes a new registry file at reg->base.path, born with its schema: built
 * under a temporary name beside it and linked into place, so that a
 * registry file is never empty, even for an instant while another
 * process creates it. That is what lets an empty file be refused (see
 * wxg_registry_open) instead of quietly becoming an empty registry. If
 * another process linked its own first, that one is kept. Returns false
 * (nothing done) where hard links are not possible: the caller then lets
 * SQLite create the file as before.
 */
static bool create_file(const sqlite_reg *reg)
{
    static _Atomic unsigned seq;
    char tmp[4096];
    int n = snprintf(tmp, sizeof tmp, "%s.new-%ld-%u", reg->base.path,
                     (long)getpid(), atomic_fetch_add(&seq, 1));
    if (n < 0 || (size_t)n >= sizeof tmp)
        return false;
    sqlite_reg t = {0};
    t.base.path = tmp;
    wx_error ignored;
    int64_t version;
    bool ok = sqlite3_open_v2(tmp, &t.db,
                              SQLITE_OPEN_READWRITE | SQLITE_OPEN_CREATE |
                                  SQLITE_OPEN_NOMUTEX,
                              NULL) == SQLITE_OK &&
              create_schema(&t, &version, &ignored) == WX_OK &&
              set_durability(&t, &ignored) == WX_OK;
    /* Closing the last connection checkpoints the WAL into the file and
     * removes -wal and -shm. */
    sqlite3_close(t.db);
    if (ok && link(tmp, reg->base.path) != 0 && errno != EEXIST)
        ok = false;
    unlink(tmp);
    return ok;
}

static void sqlite_close(wxg_registry *base)
{
    sqlite_reg *reg = sql_reg(base);
    if (reg->db) { /* else SQLite may not even be loaded */
#define X_(name, sql) sqlite3_finalize(reg->name);
        STMT_LIST(X_)
#undef X_
        sqlite3_finalize(reg->revision);
        sqlite3_close(reg->db);
    }
    free(reg->base.path);
    free(reg);
}

/* `watch` needs nothing more: a wait reads the revision through this
 * handle's own connection. */
static wxg_registry *sqlite_open(const char *path,
                                 const wxg_registry_opts *opts, bool watch,
                                 wx_error *err)
{
    (void)watch;
    bool ro = opts && opts->read_only;
    int timeout = opts && opts->busy_timeout_ms > 0
                      ? opts->busy_timeout_ms
                      : WX_DEFAULT_BUSY_TIMEOUT_MS;
    sqlite_reg *reg = calloc(1, sizeof *reg);
    if (!reg || !wxg_registry_init(&reg->base, &wxg_sqlite_store, path)) {
        free(reg);
        wx_error_set(err, WX_ENOMEM, "registry %s: out of memory", path);
        return NULL;
    }
    reg->read_only = ro;
    wx_error dl;
    wx_error_clear(&dl);
    if (wxdl_sqlite_load(&dl) != WX_OK) {
        wx_error_set(err, dl.status, "registry %s: %s", path, dl.message);
        goto fail;
    }
    if (!ro && make_parent_dirs(path, err) != WX_OK)
        goto fail;
    struct stat st;
    bool created = !ro && stat(path, &st) != 0 && errno == ENOENT;
    if (created)
        create_file(reg);
    /* Every registry has its schema from birth (create_file): an empty
     * file is something else (truncated, made by touch or a failed copy),
     * and SQLite would happily take it as a new database. */
    if (stat(path, &st) == 0 && S_ISREG(st.st_mode) && st.st_size == 0) {
        wx_error_set(err, WX_EIO,
                     "registry %s: the file is empty (0 bytes), not a "
                     "registry: it may have been truncated; remove it to "
                     "start an empty registry, or restore it",
                     path);
        goto fail;
    }

    if (open_db(reg, ro, err) != WX_OK)
        goto fail;
    sqlite3_busy_timeout(reg->db, timeout);
    /* SQLite quietly falls back to read-only when the file is not
     * writable; a caller that means to change the registry must hear it
     * now, not at its first add. */
    if (!ro && sqlite3_db_readonly(reg->db, "main") == 1) {
        wx_error_set(err, WX_EIO,
                     "registry %s: read-only file (no write permission); "
                     "open it read-only to read it",
                     path);
        goto fail;
    }
    if (open_schema(reg, err) != WX_OK)
        goto fail;
    if (!ro && set_durability(reg, err) != WX_OK)
        goto fail;
    if (prepare_all(reg, err) != WX_OK)
        goto fail;
    if (created)
        sync_parent_dir(path);
    return &reg->base;
fail:
    sqlite_close(&reg->base);
    return NULL;
}

/* ------------------------------------------------------------ changes */

static wx_status begin(sqlite_reg *reg, const char *what, wx_error *err)
{
    if (exec_stmt(reg->begin) != SQLITE_DONE)
        return reg_fail(reg, what, err);
    return WX_OK;
}

static void rollback(sqlite_reg *reg)
{
    if (!sqlite3_get_autocommit(reg->db))
        exec_stmt(reg->rollback);
}

/* Commits, or rolls back and reports; WX_OK means the change is durable. */
static wx_status commit(sqlite_reg *reg, const char *what, wx_error *err)
{
    if (exec_stmt(reg->commit) == SQLITE_DONE)
        return WX_OK;
    wx_status s = reg_fail(reg, what, err);
    rollback(reg);
    return s;
}

/* Fails the open transaction with SQLite's error, then rolls back (after
 * reading the message, which the rollback would replace). */
static wx_status abort_tx(sqlite_reg *reg, const char *what, wx_error *err)
{
    wx_status s = reg_fail(reg, what, err);
    rollback(reg);
    return s;
}

/* Binds name, config, bytes, their hash and the time (?1..?5). */
static bool bind_plugin(sqlite3_stmt *s, const char *name, const char *config,
                        const uint8_t *wasm, size_t wasm_len, const char *hex)
{
    /* A zero-length blob needs a non-NULL pointer, or it binds NULL. */
    static const uint8_t empty[1];
    return sqlite3_bind_text(s, 1, name, -1, SQLITE_STATIC) == SQLITE_OK &&
           sqlite3_bind_text(s, 2, config, -1, SQLITE_STATIC) == SQLITE_OK &&
           sqlite3_bind_blob64(s, 3, wasm_len ? wasm : empty, wasm_len,
                               SQLITE_STATIC) == SQLITE_OK &&
           sqlite3_bind_text(s, 4, hex, -1, SQLITE_STATIC) == SQLITE_OK &&
           sqlite3_bind_int64(s, 5, wxg_now_ms()) == SQLITE_OK;
}

/* Makes a statement ready for its next use (the error, if any, must have
 * been read first: reset returns it again but rollback replaces it). */
static void reset(sqlite3_stmt *s)
{
    sqlite3_reset(s);
    sqlite3_clear_bindings(s);
}

static wx_status sqlite_add(wxg_registry *base, const char *name,
                            const char *config, const uint8_t *wasm,
                            size_t wasm_len, const char *sha256,
                            wx_error *err)
{
    sqlite_reg *reg = sql_reg(base);
    char what[128];
    snprintf(what, sizeof what, "add \"%s\"", name);
    wx_status s = begin(reg, what, err);
    if (s != WX_OK)
        return s;
    if (!bind_plugin(reg->insert, name, config, wasm, wasm_len, sha256))
        return abort_tx(reg, what, err);
    int rc = sqlite3_step(reg->insert);
    if (rc != SQLITE_DONE) {
        s = rc == SQLITE_CONSTRAINT_PRIMARYKEY
                ? wx_error_set(err, WX_EEXIST,
                               "plugin \"%s\" already exists (update "
                               "replaces it)",
                               name)
                : reg_fail(reg, what, err);
        reset(reg->insert);
        rollback(reg);
        return s;
    }
    reset(reg->insert);
    return commit(reg, what, err);
}

static wx_status sqlite_update(wxg_registry *base, const char *name,
                               const char *config, const uint8_t *wasm,
                               size_t wasm_len, const char *sha256,
                               int64_t *version, wx_error *err)
{
    sqlite_reg *reg = sql_reg(base);
    char what[128];
    snprintf(what, sizeof what, "update \"%s\"", name);
    wx_status s = begin(reg, what, err);
    if (s != WX_OK)
        return s;
    if (!bind_plugin(reg->update, name, config, wasm, wasm_len, sha256))
        return abort_tx(reg, what, err);
    int rc = sqlite3_step(reg->update);
    if (rc != SQLITE_DONE) {
        s = reg_fail(reg, what, err);
        reset(reg->update);
        rollback(reg);
        return s;
    }
    reset(reg->update);
    if (sqlite3_changes(reg->db) == 0) {
        rollback(reg);
        return wx_error_set(err, WX_ENOPLUGIN,
                            "plugin \"%s\" not found (add registers it)",
                            name);
    }
    int64_t v = 0;
    sqlite3_bind_text(reg->version, 1, name, -1, SQLITE_STATIC);
    rc = sqlite3_step(reg->version);
    if (rc == SQLITE_ROW)
        v = sqlite3_column_int64(reg->version, 0);
    else
        s = reg_fail(reg, what, err);
    reset(reg->version);
    if (rc != SQLITE_ROW) {
        rollback(reg);
        return s;
    }
    if ((s = commit(reg, what, err)) != WX_OK)
        return s;
    *version = v;
    return WX_OK;
}

static wx_status sqlite_delete(wxg_registry *base, const char *name,
                               wx_error *err)
{
    sqlite_reg *reg = sql_reg(base);
    char what[128];
    snprintf(what, sizeof what, "delete \"%s\"", name);
    wx_status s = begin(reg, what, err);
    if (s != WX_OK)
        return s;
    sqlite3_bind_text(reg->delete_, 1, name, -1, SQLITE_STATIC);
    if (sqlite3_step(reg->delete_) != SQLITE_DONE) {
        s = reg_fail(reg, what, err);
        reset(reg->delete_);
        rollback(reg);
        return s;
    }
    reset(reg->delete_);
    if (sqlite3_changes(reg->db) == 0) {
        rollback(reg);
        return wx_error_set(err, WX_ENOPLUGIN, "plugin \"%s\" not found",
                            name);
    }
    return commit(reg, what, err);
}

/* -------------------------------------------------------------- reads */

static char *column_strdup(sqlite3_stmt *s, int col)
{
    const unsigned char *t = sqlite3_column_text(s, col);
    return strdup(t ? (const char *)t : "");
}

/* Copies the current row of a get statement into *out. */
static bool read_record(sqlite3_stmt *s, bool with_wasm, wxg_record *out)
{
    memset(out, 0, sizeof *out);
    out->name = column_strdup(s, 0);
    out->config = column_strdup(s, 1);
    out->wasm_len = (size_t)sqlite3_column_int64(s, 3);
    const unsigned char *hex = sqlite3_column_text(s, 4);
    snprintf(out->sha256, sizeof out->sha256, "%s",
             hex ? (const char *)hex : "");
    out->created_ms = sqlite3_column_int64(s, 5);
    out->updated_ms = sqlite3_column_int64(s, 6);
    out->version = sqlite3_column_int64(s, 7);
    bool ok = out->name && out->config;
    if (with_wasm && ok) {
        const void *blob = sqlite3_column_blob(s, 2);
        size_t n = (size_t)sqlite3_column_bytes(s, 2);
        out->wasm_len = n;
        out->wasm = malloc(n ? n : 1);
        ok = out->wasm != NULL;
        if (ok && n)
            memcpy(out->wasm, blob, n);
    }
    return ok;
}

static wx_status sqlite_get(wxg_registry *base, const char *name,
                            unsigned flags, wxg_record *out, wx_error *err)
{
    bool with_wasm = !(flags & WXG_GET_NO_WASM);
    sqlite_reg *reg = sql_reg(base);
    sqlite3_stmt *s = with_wasm ? reg->get : reg->get_meta;
    char what[128];
    snprintf(what, sizeof what, "get \"%s\"", name);
    sqlite3_bind_text(s, 1, name, -1, SQLITE_STATIC);
    int rc = sqlite3_step(s);
    wx_status st = WX_OK;
    if (rc == SQLITE_ROW) {
        if (!read_record(s, with_wasm, out)) {
            wxg_record_free(out);
            st = wx_error_set(err, WX_ENOMEM, "registry %s: %s: out of memory",
                              reg->base.path, what);
        }
    } else if (rc == SQLITE_DONE) {
        st = wx_error_set(err, WX_ENOPLUGIN, "plugin \"%s\" not found", name);
    } else {
        st = reg_fail(reg, what, err);
    }
    /* Reset at once: a statement left mid-row holds a read transaction
     * that would keep checkpoints from finishing. */
    reset(s);
    return st;
}

static wx_status sqlite_list(wxg_registry *base, char ***names, size_t *count,
                             wx_error *err)
{
    sqlite_reg *reg = sql_reg(base);
    size_t n = 0, cap = 16;
    char **v = malloc(cap * sizeof *v);
    if (!v)
        return wx_error_set(err, WX_ENOMEM, "registry %s: out of memory",
                            reg->base.path);
    int rc;
    while ((rc = sqlite3_step(reg->list)) == SQLITE_ROW) {
        if (n == cap) {
            char **bigger = realloc(v, 2 * cap * sizeof *v);
            if (!bigger)
                break;
            v = bigger;
            cap *= 2;
        }
        if (!(v[n] = column_strdup(reg->list, 0)))
            break;
        n++;
    }
    wx_status s = WX_OK;
    if (rc == SQLITE_ROW)
        s = wx_error_set(err, WX_ENOMEM, "registry %s: out of memory",
                         reg->base.path);
    else if (rc != SQLITE_DONE)
        s = reg_fail(reg, "list", err);
    sqlite3_reset(reg->list);
    if (s != WX_OK) {
        wxg_names_free(v, n);
        return s;
    }
    *names = v;
    *count = n;
    return WX_OK;
}

/* ----------------------------------------------------------- revision */

static wx_status sqlite_revision(wxg_registry *base, int64_t *rev,
                                 wx_error *err)
{
    sqlite_reg *reg = sql_reg(base);
    int rc = sqlite3_step(reg->revision);
    if (rc == SQLITE_ROW)
        *rev = sqlite3_column_int64(reg->revision, 0);
    wx_status s = rc == SQLITE_ROW ? WX_OK : reg_fail(reg, "revision", err);
    /* Reset at once, as in get: no read transaction is kept open. */
    sqlite3_reset(reg->revision);
    return s;
}

/* How often a wait reads the revision: a one-row read, so 10 a second
 * cost nothing, and a change is seen within about this long. */
#define WAIT_POLL_MS 100

static wx_status sqlite_wait(wxg_registry *base, int64_t seen, int timeout_ms,
                             wx_error *err)
{
    int64_t deadline = wxg_mono_ms() + timeout_ms;
    for (;;) {
        int64_t rev;
        wx_status s = sqlite_revision(base, &rev, err);
        if (s != WX_OK || rev != seen)
            return s;
        int64_t left = deadline - wxg_mono_ms();
        if (left <= 0)
            return WX_ETIMEOUT;
        wxg_sleep_ms(left < WAIT_POLL_MS ? (int)left : WAIT_POLL_MS);
    }
}

const wxg_store_ops wxg_sqlite_store = {
    .open = sqlite_open,
    .close = sqlite_close,
    .add = sqlite_add,
    .update = sqlite_update,
    .delete_ = sqlite_delete,
    .get = sqlite_get,
    .list = sqlite_list,
    .revision = sqlite_revision,
    .wait = sqlite_wait,
};
