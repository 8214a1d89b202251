/*
 * The registry-wide revision and the change wait (registry.h) on the
 * stores that need no server: a SQLite file (new, and a schema-1 file
 * made by hand as wasmext 1 made them, read-only and then migrated) and
 * the memory store. Redis has its own test (test_registry_redis.c).
 */
#define _GNU_SOURCE
#include "check.h"
#include "registry.h"

#include <ftw.h>
#include <pthread.h>
#include <sqlite3.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

static char tmpdir[] = "/tmp/wx-revision-XXXXXX";

static int rm_one(const char *path, const struct stat *st, int flag,
                  struct FTW *ftw)
{
    (void)st, (void)flag, (void)ftw;
    return remove(path);
}

static int raw_exec(const char *path, const char *sql)
{
    sqlite3 *db;
    int rc = sqlite3_open(path, &db);
    if (rc == SQLITE_OK)
        rc = sqlite3_exec(db, sql, NULL, NULL, NULL);
    sqlite3_close(db);
    return rc;
}

static int64_t raw_int(const char *path, const char *sql)
{
    sqlite3 *db;
    sqlite3_stmt *s;
    int64_t v = -1;
    if (sqlite3_open(path, &db) == SQLITE_OK &&
        sqlite3_prepare_v2(db, sql, -1, &s, NULL) == SQLITE_OK) {
        if (sqlite3_step(s) == SQLITE_ROW)
            v = sqlite3_column_int64(s, 0);
        sqlite3_finalize(s);
    }
    sqlite3_close(db);
    return v;
}

static const char cfg[] = "{\"name\":\"p\"}";
static const uint8_t bytes[] = {0, 'a', 's', 'm'};

static int64_t rev_of(wxg_registry *reg)
{
    int64_t rev = -1;
    wx_error err;
    wx_status s = wxg_registry_revision(reg, &rev, &err);
    CHECK_MSG(s == WX_OK, "%s", err.message);
    return rev;
}

/* Every change bumps the revision by one; failed changes do not. */
static void check_changes_bump(wxg_registry *reg)
{
    wx_error err;
    int64_t r0 = rev_of(reg), v = 0;
    CHECK(wxg_registry_add(reg, "a", cfg, bytes, 4, NULL, NULL, &err) == WX_OK);
    CHECK(rev_of(reg) == r0 + 1);
    CHECK(wxg_registry_add(reg, "a", cfg, bytes, 4, NULL, NULL, &err) == WX_EEXIST);
    CHECK(rev_of(reg) == r0 + 1);
    CHECK(wxg_registry_update(reg, "a", cfg, bytes, 3, NULL, &v, &err) == WX_OK);
    CHECK(v == 2 && rev_of(reg) == r0 + 2);
    CHECK(wxg_registry_update(reg, "zz", cfg, bytes, 3, NULL, &v, &err) ==
          WX_ENOPLUGIN);
    CHECK(wxg_registry_delete(reg, "zz", &err) == WX_ENOPLUGIN);
    CHECK(rev_of(reg) == r0 + 2);
    CHECK(wxg_registry_delete(reg, "a", &err) == WX_OK);
    CHECK(rev_of(reg) == r0 + 3);
}

static void test_memory(void)
{
    wx_error err;
    wxg_registry *reg = wxg_registry_open(":memory:", NULL, &err);
    CHECK_MSG(reg != NULL, "%s", err.message);
    if (!reg)
        return;
    CHECK(rev_of(reg) == 0);
    check_changes_bump(reg);
    /* Nobody else can change it: a wait on the current revision ends
     * by its timeout, one on an older revision at once. */
    CHECK(wxg_registry_wait(reg, 3, 20, &err) == WX_ETIMEOUT);
    CHECK(wxg_registry_wait(reg, 2, 20, &err) == WX_OK);
    wxg_registry_close(reg);
    /* A watch handle on ":memory:" is a store of its own. */
    reg = wxg_registry_open_watch(":memory:", &err);
    CHECK(reg != NULL && rev_of(reg) == 0);
    wxg_registry_close(reg);
}

static void test_sqlite_new(void)
{
    char path[128];
    snprintf(path, sizeof path, "%s/new.db", tmpdir);
    wx_error err;
    wxg_registry *reg = wxg_registry_open(path, NULL, &err);
    CHECK_MSG(reg != NULL, "%s", err.message);
    if (!reg)
        return;
    CHECK(rev_of(reg) == 0);
    check_changes_bump(reg);
    CHECK(rev_of(reg) == 3);
    /* Another handle, read-only, reads the same revision. */
    wxg_registry_opts ro = {.read_only = true};
    wxg_registry *other = wxg_registry_open(path, &ro, &err);
    CHECK_MSG(other != NULL, "%s", err.message);
    if (other) {
        CHECK(rev_of(other) == 3);
        wxg_registry_close(other);
    }
    wxg_registry_close(reg);
    CHECK(raw_int(path, "PRAGMA user_version") == 2);
}

/*
 * A file exactly as schema 1 made it, with two plugins at versions 1 and
 * 3: read-only it is left alone and reports sum(version) + count(*) = 6;
 * the first writable open migrates it and starts the counter there.
 */
static void test_sqlite_migrate(void)
{
    char path[128];
    snprintf(path, sizeof path, "%s/v1.db", tmpdir);
    int rc = raw_exec(
        path, "PRAGMA journal_mode = WAL;"
              "CREATE TABLE plugins (name TEXT PRIMARY KEY NOT NULL,"
              " config TEXT NOT NULL, wasm BLOB NOT NULL,"
              " sha256 TEXT NOT NULL, created_ms INTEGER NOT NULL,"
              " updated_ms INTEGER NOT NULL, version INTEGER NOT NULL);"
              "INSERT INTO plugins VALUES ('p1', '{}', x'0061736d', 'x', 1, 1,"
              " 1), ('p2', '{}', x'0061736d', 'x', 1, 2, 3);"
              "PRAGMA application_id = 2004381031; PRAGMA user_version = 1;");
    CHECK(rc == SQLITE_OK);
    wx_error err;
    wxg_registry_opts ro = {.read_only = true};
    wxg_registry *reg = wxg_registry_open(path, &ro, &err);
    CHECK_MSG(reg != NULL, "%s", err.message);
    if (reg) {
        CHECK(rev_of(reg) == 6);
        wxg_registry_close(reg);
    }
    CHECK(raw_int(path, "PRAGMA user_version") == 1);

    reg = wxg_registry_open(path, NULL, &err);
    CHECK_MSG(reg != NULL, "%s", err.message);
    if (!reg)
        return;
    CHECK(raw_int(path, "PRAGMA user_version") == 2);
    CHECK(rev_of(reg) == 6);
    wxg_record rec;
    CHECK(wxg_registry_get(reg, "p2", 0, &rec, &err) == WX_OK &&
          rec.version == 3 && rec.wasm_len == 4);
    wxg_record_free(&rec);
    check_changes_bump(reg);
    CHECK(rev_of(reg) == 9);
    wxg_registry_close(reg);
    /* Reopening does not migrate twice. */
    reg = wxg_registry_open(path, NULL, &err);
    CHECK_MSG(reg != NULL && rev_of(reg) == 9, "%s", err.message);
    wxg_registry_close(reg);
}

typedef struct changer {
    const char *path;
    wx_status status;
} changer;

/* Adds a plugin through its own handle after the waiter started. */
static void *change_later(void *arg)
{
    changer *c = arg;
    usleep(150 * 1000);
    wx_error err;
    wxg_registry *reg = wxg_registry_open(c->path, NULL, &err);
    c->status = reg ? wxg_registry_add(reg, "late", cfg, bytes, 4, NULL, NULL, &err)
                    : err.status;
    wxg_registry_close(reg);
    return NULL;
}

static void test_sqlite_wait(void)
{
    char path[128];
    snprintf(path, sizeof path, "%s/new.db", tmpdir);
    wx_error err;
    wxg_registry *watch = wxg_registry_open_watch(path, &err);
    CHECK_MSG(watch != NULL, "%s", err.message);
    if (!watch)
        return;
    int64_t seen = rev_of(watch);
    CHECK(wxg_registry_wait(watch, seen, 50, &err) == WX_ETIMEOUT);
    CHECK(wxg_registry_wait(watch, seen - 1, 50, &err) == WX_OK);

    /* A change by another handle while waiting ends the wait. The
     * timeout is far beyond the change, so WX_ETIMEOUT means the wait
     * missed it. */
    changer c = {path, WX_EIO};
    pthread_t t;
    CHECK(pthread_create(&t, NULL, change_later, &c) == 0);
    wx_status s = wxg_registry_wait(watch, seen, 30000, &err);
    pthread_join(t, NULL);
    CHECK(c.status == WX_OK);
    CHECK_MSG(s == WX_OK, "wait ended with %s", wx_status_name(s));
    CHECK(rev_of(watch) == seen + 1);
    wxg_registry_close(watch);
}

int main(void)
{
    if (!mkdtemp(tmpdir)) {
        perror("mkdtemp");
        return 1;
    }
    test_memory();
    test_sqlite_new();
    test_sqlite_migrate();
    test_sqlite_wait();
    nftw(tmpdir, rm_one, 16, FTW_DEPTH | FTW_PHYS);
    return CHECK_DONE();
}
