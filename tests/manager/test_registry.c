/*
 * Registry tests on real SQLite files in a fresh temporary directory:
 * round trips, the error cases with their messages, persistence across
 * reopen, read-only files (also as root, see test_readonly_file), two
 * processes writing at once, and a crash test that SIGKILLs a writer at
 * random moments and checks that nothing acknowledged was lost and nothing
 * half-written is visible.
 */
#define _GNU_SOURCE
#include "check.h"
#include "config.h"
#include "registry.h"

#include <errno.h>
#include <fcntl.h>
#include <ftw.h>
#include <poll.h>
#include <signal.h>
#include <stdarg.h>
#include <sqlite3.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <sys/wait.h>
#include <time.h>
#include <unistd.h>

static char tmpdir[] = "/tmp/wx-registry-XXXXXX";

/* ------------------------------------------------------------ helpers */

static void path_in_tmp(char *out, size_t size, const char *name)
{
    snprintf(out, size, "%s/%s", tmpdir, name);
}

static int rm_one(const char *path, const struct stat *st, int flag,
                  struct FTW *ftw)
{
    (void)st;
    (void)flag;
    (void)ftw;
    return remove(path);
}

static void rm_tree(const char *path)
{
    nftw(path, rm_one, 16, FTW_DEPTH | FTW_PHYS);
}

/* A canonical config JSON for plugin `name` (malloc'ed). */
static char *config_for(const char *name, unsigned instances)
{
    char json[256];
    snprintf(json, sizeof json,
             "{\"name\":\"%s\",\"instance_num\":%u,\"vm_config\":{\"path\":"
             "\"/plugins/%s.wasm\"},\"functions\":[\"run\"]}",
             name, instances, name);
    wxg_config *cfg = wxg_config_parse(json, strlen(json), NULL, NULL);
    char *dump = cfg ? wxg_config_dump(cfg, 0) : NULL;
    wxg_config_free(cfg);
    return dump;
}

static uint64_t fnv1a(const char *s)
{
    uint64_t h = 0xcbf29ce484222325ull;
    for (; *s; s++)
        h = (h ^ (uint8_t)*s) * 0x100000001b3ull;
    return h;
}

/*
 * The bytes stored for `name` at `version`: a pseudo-random size (up to
 * `max`) and content, so that a reader can regenerate what the writer
 * wrote and compare byte for byte. Caller frees.
 */
static uint8_t *bytes_for(const char *name, int64_t version, size_t max,
                          size_t *len)
{
    uint64_t x = fnv1a(name) ^ ((uint64_t)version * 0x9e3779b97f4a7c15ull);
    x |= 1;
    *len = (size_t)(x % max) + 1;
    uint8_t *b = malloc(*len);
    for (size_t i = 0; b && i < *len; i++) {
        x ^= x << 13;
        x ^= x >> 7;
        x ^= x << 17;
        b[i] = (uint8_t)x;
    }
    return b;
}

static wxg_registry *open_rw(const char *path, wx_error *err)
{
    wx_error_clear(err);
    return wxg_registry_open(path, NULL, err);
}

/* Runs one SQL statement on the file behind the registry's back. */
static int raw_exec(const char *path, const char *sql)
{
    sqlite3 *db;
    int rc = sqlite3_open(path, &db);
    if (rc == SQLITE_OK)
        rc = sqlite3_exec(db, sql, NULL, NULL, NULL);
    sqlite3_close(db);
    return rc;
}

/* First column of the first row of `sql` as text ("" if none). */
static void raw_query(const char *path, const char *sql, char *out,
                      size_t size)
{
    sqlite3 *db;
    sqlite3_stmt *s;
    out[0] = '\0';
    if (sqlite3_open(path, &db) == SQLITE_OK &&
        sqlite3_prepare_v2(db, sql, -1, &s, NULL) == SQLITE_OK) {
        if (sqlite3_step(s) == SQLITE_ROW && sqlite3_column_text(s, 0))
            snprintf(out, size, "%s", sqlite3_column_text(s, 0));
        sqlite3_finalize(s);
    }
    sqlite3_close(db);
}

/* ------------------------------------------------------------- tests */

static void test_sha256(void)
{
    char hex[WXG_SHA256_HEX];
    CHECK(wxg_sha256_hex("", 0, hex, NULL) == WX_OK);
    CHECK(strcmp(hex, "e3b0c44298fc1c149afbf4c8996fb92427ae41e4649b934ca4959"
                      "91b7852b855") == 0);
    CHECK(wxg_sha256_hex("abc", 3, hex, NULL) == WX_OK);
    CHECK(strcmp(hex, "ba7816bf8f01cfea414140de5dae2223b00361a396177a9cb410f"
                      "f61f20015ad") == 0);
}

static void test_round_trip(void)
{
    char path[128];
    /* Parent directories are created as needed. */
    path_in_tmp(path, sizeof path, "a/b/c/reg.db");
    wx_error err;
    wxg_registry *reg = open_rw(path, &err);
    CHECK_MSG(reg != NULL, "%s", err.message);
    if (!reg)
        return;
    CHECK(strcmp(wxg_registry_path(reg), path) == 0);

    char **names;
    size_t n;
    CHECK(wxg_registry_list(reg, &names, &n, &err) == WX_OK && n == 0);
    wxg_names_free(names, n);

    char *car = config_for("car", 4), *bus = config_for("bus", 1);
    size_t car_len, bus_len, car2_len;
    uint8_t *car_wasm = bytes_for("car", 1, 5000, &car_len);
    uint8_t *bus_wasm = bytes_for("bus", 1, 5000, &bus_len);
    uint8_t *car2_wasm = bytes_for("car", 2, 5000, &car2_len);
    int64_t version = 0;
    CHECK(wxg_registry_add(reg, "car", car, car_wasm, car_len, NULL, &version,
                           &err) == WX_OK);
    CHECK(version == 1);
    CHECK(wxg_registry_add(reg, "bus", bus, bus_wasm, bus_len, NULL, NULL, &err) ==
          WX_OK);

    /* Names come back in order, whatever the order of adding. */
    CHECK(wxg_registry_list(reg, &names, &n, &err) == WX_OK && n == 2);
    CHECK(n == 2 && strcmp(names[0], "bus") == 0 &&
          strcmp(names[1], "car") == 0);
    wxg_names_free(names, n);

    wxg_record rec;
    char hex[WXG_SHA256_HEX];
    CHECK(wxg_registry_get(reg, "car", 0, &rec, &err) == WX_OK);
    CHECK(strcmp(rec.name, "car") == 0);
    CHECK(strcmp(rec.config, car) == 0);
    CHECK(rec.wasm_len == car_len && memcmp(rec.wasm, car_wasm, car_len) == 0);
    CHECK(wxg_sha256_hex(car_wasm, car_len, hex, NULL) == WX_OK);
    CHECK(strcmp(rec.sha256, hex) == 0);
    CHECK(rec.version == 1);
    CHECK(rec.created_ms > 1600000000000 && rec.created_ms == rec.updated_ms);
    int64_t created = rec.created_ms;
    wxg_record_free(&rec);

    /* Without the bytes: the length is still told. */
    CHECK(wxg_registry_get(reg, "car", WXG_GET_NO_WASM, &rec, &err) == WX_OK);
    CHECK(rec.wasm == NULL && rec.wasm_len == car_len);
    CHECK(strcmp(rec.sha256, hex) == 0 && strcmp(rec.config, car) == 0);
    wxg_record_free(&rec);

    /* Update replaces config and bytes, bumps the version, keeps the
     * creation time. */
    char *car2 = config_for("car", 8);
    CHECK(wxg_registry_update(reg, "car", car2, car2_wasm, car2_len, NULL, &version,
                              &err) == WX_OK);
    CHECK(version == 2);
    CHECK(wxg_registry_update(reg, "car", car2, car2_wasm, car2_len, NULL, &version,
                              &err) == WX_OK);
    CHECK(version == 3);
    CHECK(wxg_registry_get(reg, "car", 0, &rec, &err) == WX_OK);
    CHECK(strcmp(rec.config, car2) == 0);
    CHECK(rec.wasm_len == car2_len &&
          memcmp(rec.wasm, car2_wasm, car2_len) == 0);
    CHECK(wxg_sha256_hex(car2_wasm, car2_len, hex, NULL) == WX_OK);
    CHECK(strcmp(rec.sha256, hex) == 0);
    CHECK(rec.version == 3 && rec.created_ms == created &&
          rec.updated_ms >= created);
    wxg_record_free(&rec);

    /* Delete, then every operation on the deleted name says so. */
    CHECK(wxg_registry_delete(reg, "bus", &err) == WX_OK);
    CHECK(wxg_registry_list(reg, &names, &n, &err) == WX_OK && n == 1 &&
          strcmp(names[0], "car") == 0);
    wxg_names_free(names, n);
    wx_error_clear(&err);
    CHECK(wxg_registry_get(reg, "bus", 0, &rec, &err) == WX_ENOPLUGIN);
    CHECK(strcmp(err.message, "plugin \"bus\" not found") == 0);
    CHECK(rec.name == NULL && rec.wasm == NULL);
    wx_error_clear(&err);
    CHECK(wxg_registry_delete(reg, "bus", &err) == WX_ENOPLUGIN);
    CHECK(strcmp(err.message, "plugin \"bus\" not found") == 0);
    /* A deleted name can be added again, starting over at version 1. */
    CHECK(wxg_registry_add(reg, "bus", bus, bus_wasm, bus_len, NULL, &version,
                           &err) == WX_OK &&
          version == 1);

    wxg_registry_close(reg);
    free(car);
    free(car2);
    free(bus);
    free(car_wasm);
    free(car2_wasm);
    free(bus_wasm);
}

static void test_duplicate_and_missing(void)
{
    char path[128];
    path_in_tmp(path, sizeof path, "dup.db");
    wx_error err;
    wxg_registry *reg = open_rw(path, &err);
    CHECK_MSG(reg != NULL, "%s", err.message);
    if (!reg)
        return;
    char *cfg = config_for("car", 1);
    const uint8_t one[] = {1}, two[] = {2, 2};
    CHECK(wxg_registry_add(reg, "car", cfg, one, 1, NULL, NULL, &err) == WX_OK);
    wx_error_clear(&err);
    CHECK(wxg_registry_add(reg, "car", cfg, two, 2, NULL, NULL, &err) == WX_EEXIST);
    CHECK_MSG(strcmp(err.message, "plugin \"car\" already exists (update "
                                  "replaces it)") == 0,
              "%s", err.message);
    /* The refused add changed nothing. */
    wxg_record rec;
    CHECK(wxg_registry_get(reg, "car", 0, &rec, &err) == WX_OK);
    CHECK(rec.wasm_len == 1 && rec.wasm[0] == 1 && rec.version == 1);
    wxg_record_free(&rec);

    wx_error_clear(&err);
    CHECK(wxg_registry_update(reg, "nope", cfg, one, 1, NULL, NULL, &err) ==
          WX_ENOPLUGIN);
    CHECK_MSG(strcmp(err.message, "plugin \"nope\" not found (add registers "
                                  "it)") == 0,
              "%s", err.message);
    char **names;
    size_t n;
    CHECK(wxg_registry_list(reg, &names, &n, &err) == WX_OK && n == 1);
    wxg_names_free(names, n);

    /* Arguments the registry cannot store are refused up front. */
    wx_error_clear(&err);
    CHECK(wxg_registry_add(reg, "", cfg, one, 1, NULL, NULL, &err) == WX_EARG);
    CHECK(wxg_registry_add(reg, "x", NULL, one, 1, NULL, NULL, &err) == WX_EARG);
    CHECK(wxg_registry_add(reg, "x", cfg, NULL, 5, NULL, NULL, &err) == WX_EARG);
    free(cfg);
    wxg_registry_close(reg);
}

/* Empty, tiny, NUL-filled and large blobs come back byte for byte. */
static void test_bytes_exact(void)
{
    char path[128];
    path_in_tmp(path, sizeof path, "bytes.db");
    wx_error err;
    wxg_registry *reg = open_rw(path, &err);
    CHECK_MSG(reg != NULL, "%s", err.message);
    if (!reg)
        return;
    static const size_t sizes[] = {0, 1, 255, 4096, 3 << 20};
    char *cfg = config_for("b", 1);
    for (size_t i = 0; i < sizeof sizes / sizeof *sizes; i++) {
        size_t len = sizes[i];
        uint8_t *b = malloc(len + 1);
        for (size_t j = 0; j < len; j++)
            b[j] = (uint8_t)(j % 3 == 0 ? 0 : j * 7 + i);
        char name[16], hex[WXG_SHA256_HEX];
        snprintf(name, sizeof name, "b%zu", i);
        CHECK(wxg_registry_add(reg, name, cfg, len ? b : NULL, len, NULL, NULL,
                               &err) == WX_OK);
        wxg_record rec;
        CHECK(wxg_registry_get(reg, name, 0, &rec, &err) == WX_OK);
        CHECK_MSG(rec.wasm_len == len && rec.wasm != NULL &&
                      (len == 0 || memcmp(rec.wasm, b, len) == 0),
                  "size %zu", len);
        CHECK(wxg_sha256_hex(b, len, hex, NULL) == WX_OK);
        CHECK(strcmp(rec.sha256, hex) == 0);
        wxg_record_free(&rec);
        free(b);
    }
    free(cfg);
    wxg_registry_close(reg);
}

static void test_reopen(void)
{
    char path[128], out[64];
    path_in_tmp(path, sizeof path, "reopen.db");
    wx_error err;
    wxg_registry *reg = open_rw(path, &err);
    CHECK_MSG(reg != NULL, "%s", err.message);
    if (!reg)
        return;
    char *cfg = config_for("keep", 2);
    size_t len;
    uint8_t *b = bytes_for("keep", 1, 100000, &len);
    CHECK(wxg_registry_add(reg, "keep", cfg, b, len, NULL, NULL, &err) == WX_OK);
    CHECK(wxg_registry_add(reg, "gone", cfg, b, len, NULL, NULL, &err) == WX_OK);
    CHECK(wxg_registry_delete(reg, "gone", &err) == WX_OK);
    wxg_registry_close(reg);

    /* The file says what it is: WAL mode, our schema version and id. */
    raw_query(path, "PRAGMA journal_mode", out, sizeof out);
    CHECK_MSG(strcmp(out, "wal") == 0, "%s", out);
    raw_query(path, "PRAGMA user_version", out, sizeof out);
    CHECK(strcmp(out, "2") == 0);
    raw_query(path, "PRAGMA application_id", out, sizeof out);
    CHECK(strcmp(out, "2004381031") == 0); /* 0x77786d67, "wxmg" */

    for (int round = 0; round < 2; round++) {
        wxg_registry_opts ro = {.read_only = round == 1};
        reg = wxg_registry_open(path, &ro, &err);
        CHECK_MSG(reg != NULL, "%s", err.message);
        if (!reg)
            break;
        wxg_record rec;
        CHECK(wxg_registry_get(reg, "keep", 0, &rec, &err) == WX_OK);
        CHECK(strcmp(rec.config, cfg) == 0 && rec.wasm_len == len &&
              memcmp(rec.wasm, b, len) == 0 && rec.version == 1);
        wxg_record_free(&rec);
        CHECK(wxg_registry_get(reg, "gone", 0, &rec, &err) == WX_ENOPLUGIN);
        wxg_registry_close(reg);
    }
    free(cfg);
    free(b);
}

static void expect_open_error(int line, const char *path,
                              const wxg_registry_opts *opts,
                              wx_status want_status, const char *want)
{
    wx_error err;
    wx_error_clear(&err);
    wxg_registry *reg = wxg_registry_open(path, opts, &err);
    CHECK_MSG(reg == NULL, "line %d: opened %s", line, path);
    wxg_registry_close(reg);
    CHECK_MSG(err.status == want_status, "line %d: status %s", line,
              wx_status_name(err.status));
    CHECK_MSG(strcmp(err.message, want) == 0,
              "line %d:\n  want: %s\n  got:  %s", line, want, err.message);
}

#define EXPECT_OPEN_ERROR(path, opts, status, ...)                            \
    do {                                                                      \
        char want_[512];                                                      \
        snprintf(want_, sizeof want_, __VA_ARGS__);                           \
        expect_open_error(__LINE__, path, opts, status, want_);               \
    } while (0)

static void write_file(const char *path, const char *text, size_t repeat)
{
    FILE *f = fopen(path, "w");
    for (size_t i = 0; f && i < repeat; i++)
        fputs(text, f);
    if (f)
        fclose(f);
}

static void test_bad_files(void)
{
    char path[128];
    /* Text where a database should be, big and small. */
    path_in_tmp(path, sizeof path, "text.db");
    write_file(path, "this is a plain text file, not SQLite\n", 100);
    EXPECT_OPEN_ERROR(path, NULL, WX_EIO,
                      "registry %s: file is not a database", path);
    wxg_registry_opts ro = {.read_only = true};
    EXPECT_OPEN_ERROR(path, &ro, WX_EIO, "registry %s: file is not a database",
                      path);
    path_in_tmp(path, sizeof path, "short.db");
    write_file(path, "not sqlite", 1);
    EXPECT_OPEN_ERROR(path, NULL, WX_EIO,
                      "registry %s: file is not a database", path);

    /* A real SQLite file that belongs to something else. */
    path_in_tmp(path, sizeof path, "other.db");
    CHECK(raw_exec(path, "CREATE TABLE t (x)") == SQLITE_OK);
    EXPECT_OPEN_ERROR(path, NULL, WX_EIO,
                      "registry %s: not a wasmext registry (a SQLite file "
                      "with other tables)",
                      path);
    path_in_tmp(path, sizeof path, "otherapp.db");
    CHECK(raw_exec(path, "PRAGMA application_id = 1234") == SQLITE_OK);
    EXPECT_OPEN_ERROR(path, NULL, WX_EIO,
                      "registry %s: not a wasmext registry (application_id "
                      "0x4d2)",
                      path);

    /* A registry from a newer wasmext. */
    path_in_tmp(path, sizeof path, "newer.db");
    wx_error err;
    wxg_registry *reg = open_rw(path, &err);
    CHECK_MSG(reg != NULL, "%s", err.message);
    wxg_registry_close(reg);
    CHECK(raw_exec(path, "PRAGMA user_version = 99") == SQLITE_OK);
    EXPECT_OPEN_ERROR(path, NULL, WX_EIO,
                      "registry %s: schema version 99 is newer than this "
                      "wasmext's (2)",
                      path);

    /* A directory where the file should be. */
    path_in_tmp(path, sizeof path, "a");
    EXPECT_OPEN_ERROR(path, NULL, WX_EIO,
                      "registry %s: unable to open database file (Is a "
                      "directory)",
                      path);

    /* Read-only mode never creates anything. */
    path_in_tmp(path, sizeof path, "absent.db");
    EXPECT_OPEN_ERROR(path, &ro, WX_EIO,
                      "registry %s: unable to open database file (No such "
                      "file or directory)",
                      path);
    CHECK(access(path, F_OK) != 0);
    /* An empty file is no registry, read-only or not: a registry is
     * born with its schema, so an empty one was truncated or made by
     * something else, and must not quietly become an empty registry. */
    path_in_tmp(path, sizeof path, "empty.db");
    write_file(path, "", 1);
    EXPECT_OPEN_ERROR(path, &ro, WX_EIO,
                      "registry %s: the file is empty (0 bytes), not a "
                      "registry: it may have been truncated; remove it to "
                      "start an empty registry, or restore it",
                      path);
    EXPECT_OPEN_ERROR(path, NULL, WX_EIO,
                      "registry %s: the file is empty (0 bytes), not a "
                      "registry: it may have been truncated; remove it to "
                      "start an empty registry, or restore it",
                      path);
    struct stat st;
    CHECK(stat(path, &st) == 0 && st.st_size == 0); /* left as it was */
    /* A new registry is never empty on disk, and leaves nothing beside
     * it. */
    path_in_tmp(path, sizeof path, "born.db");
    reg = open_rw(path, &err);
    CHECK_MSG(reg != NULL, "%s", err.message);
    CHECK(stat(path, &st) == 0 && st.st_size > 0);
    wxg_registry_close(reg);
    char pattern[160];
    snprintf(pattern, sizeof pattern, "ls %s | grep -q 'born.db.new'",
             tmpdir);
    CHECK(system(pattern) != 0);

    /* Places nobody can write, not even root: procfs refuses new files
     * and directories whatever the caller's privileges. */
    EXPECT_OPEN_ERROR("/proc/wx-registry-test/reg.db", NULL, WX_EIO,
                      "registry /proc/wx-registry-test/reg.db: cannot "
                      "create directory /proc/wx-registry-test: No such "
                      "file or directory");
    EXPECT_OPEN_ERROR("/proc/self/wx-registry-test.db", NULL, WX_EIO,
                      "registry /proc/self/wx-registry-test.db: unable to "
                      "open database file (No such file or directory)");
}

/* A read-only handle reads but refuses every change, with the path. */
static void test_readonly_mode(void)
{
    char path[128];
    path_in_tmp(path, sizeof path, "romode.db");
    wx_error err;
    wxg_registry *reg = open_rw(path, &err);
    char *cfg = config_for("car", 1);
    const uint8_t b[] = {0, 'a', 's', 'm'};
    CHECK(reg && wxg_registry_add(reg, "car", cfg, b, 4, NULL, NULL, &err) == WX_OK);
    wxg_registry_close(reg);

    wxg_registry_opts ro = {.read_only = true};
    reg = wxg_registry_open(path, &ro, &err);
    CHECK_MSG(reg != NULL, "%s", err.message);
    if (reg) {
        char **names;
        size_t n;
        CHECK(wxg_registry_list(reg, &names, &n, &err) == WX_OK && n == 1);
        wxg_names_free(names, n);
        wx_error_clear(&err);
        CHECK(wxg_registry_add(reg, "bus", cfg, b, 4, NULL, NULL, &err) == WX_EIO);
        char want[320];
        snprintf(want, sizeof want,
                 "registry %s: add \"bus\": attempt to write a readonly "
                 "database (the registry is read-only)",
                 path);
        CHECK_MSG(strcmp(err.message, want) == 0, "%s", err.message);
        CHECK(wxg_registry_update(reg, "car", cfg, b, 4, NULL, NULL, &err) ==
              WX_EIO);
        CHECK(wxg_registry_delete(reg, "car", &err) == WX_EIO);
        wxg_record rec;
        CHECK(wxg_registry_get(reg, "car", 0, &rec, &err) == WX_OK &&
              rec.version == 1);
        wxg_record_free(&rec);
        wxg_registry_close(reg);
    }
    free(cfg);
}

/*
 * A file without write permission. Root ignores permission bits, so when
 * we are root the check runs in a child that has dropped to user nobody
 * (65534) first: then chmod means what it says, which is what a real user
 * of a system-wide registry meets. Not root: chmod alone does it.
 */
static void test_readonly_file(void)
{
    char dir[128], path[160];
    path_in_tmp(dir, sizeof dir, "ro");
    CHECK(mkdir(dir, 0755) == 0);
    snprintf(path, sizeof path, "%s/reg.db", dir);
    wx_error err;
    wxg_registry *reg = open_rw(path, &err);
    char *cfg = config_for("car", 1);
    const uint8_t b[] = {1, 2, 3};
    CHECK(reg && wxg_registry_add(reg, "car", cfg, b, 3, NULL, NULL, &err) == WX_OK);
    wxg_registry_close(reg);
    free(cfg);
    /* The WAL is gone after a clean close; a reader without write access
     * to the directory needs none. */
    CHECK(chmod(path, 0444) == 0 && chmod(dir, 0555) == 0 &&
          chmod(tmpdir, 0755) == 0);

    fflush(NULL);
    pid_t pid = fork();
    if (pid == 0) {
        int failed_before = check_failed_; /* counters came with the fork */
        if (getuid() == 0 && (setgid(65534) != 0 || setuid(65534) != 0))
            _exit(100);
        wx_error_clear(&err);
        wxg_registry *r = wxg_registry_open(path, NULL, &err);
        CHECK(r == NULL && err.status == WX_EIO);
        char want[320];
        snprintf(want, sizeof want,
                 "registry %s: read-only file (no write permission); open "
                 "it read-only to read it",
                 path);
        CHECK_MSG(strcmp(err.message, want) == 0, "%s", err.message);
        wxg_registry_close(r);
        /* Reading is what such a user can do, WAL file or not. */
        wxg_registry_opts ro = {.read_only = true};
        r = wxg_registry_open(path, &ro, &err);
        CHECK_MSG(r != NULL, "%s", err.message);
        wxg_record rec;
        CHECK(r && wxg_registry_get(r, "car", 0, &rec, &err) == WX_OK &&
              rec.wasm_len == 3);
        if (r)
            wxg_record_free(&rec);
        wxg_registry_close(r);
        _exit(check_failed_ > failed_before ? 1 : 0);
    }
    int status = 0;
    CHECK(pid > 0 && waitpid(pid, &status, 0) == pid);
    CHECK_MSG(WIFEXITED(status) && WEXITSTATUS(status) == 0,
              "child status 0x%x", status);

    /* With a -wal file there (a writer at work, or one that crashed) the
     * main file alone may be stale, and such a reader is told why. */
    char wal[192];
    snprintf(wal, sizeof wal, "%s-wal", path);
    chmod(dir, 0755);
    write_file(wal, "", 1);
    chmod(dir, 0555);
    fflush(NULL);
    pid = fork();
    if (pid == 0) {
        int failed_before = check_failed_;
        if (getuid() == 0 && (setgid(65534) != 0 || setuid(65534) != 0))
            _exit(100);
        wxg_registry_opts ro = {.read_only = true};
        wx_error_clear(&err);
        wxg_registry *r = wxg_registry_open(path, &ro, &err);
        char want[640];
        snprintf(want, sizeof want,
                 "registry %s: cannot read it while %s exists (a write is "
                 "under way or was cut short) without write access to its "
                 "directory",
                 path, wal);
        CHECK(r == NULL && err.status == WX_EIO);
        CHECK_MSG(strcmp(err.message, want) == 0, "%s", err.message);
        wxg_registry_close(r);
        _exit(check_failed_ > failed_before ? 1 : 0);
    }
    CHECK(pid > 0 && waitpid(pid, &status, 0) == pid);
    CHECK_MSG(WIFEXITED(status) && WEXITSTATUS(status) == 0,
              "child status 0x%x", status);
    chmod(dir, 0755);
    unlink(wal);
    chmod(tmpdir, 0700);
    chmod(dir, 0755);
    chmod(path, 0644);
}

/*
 * Two processes adding to and updating one file at once: the busy timeout
 * and BEGIN IMMEDIATE make them take turns, so every change lands and no
 * version bump is lost.
 */
static void test_two_writers(void)
{
    char path[128];
    path_in_tmp(path, sizeof path, "shared.db");
    wx_error err;
    wxg_registry *reg = open_rw(path, &err);
    char *cfg = config_for("shared", 1);
    const uint8_t b[] = {7};
    CHECK(reg &&
          wxg_registry_add(reg, "shared", cfg, b, 1, NULL, NULL, &err) == WX_OK);
    wxg_registry_close(reg);

    enum { WRITERS = 2, EACH = 25 };
    pid_t pids[WRITERS];
    fflush(NULL);
    for (int w = 0; w < WRITERS; w++) {
        pids[w] = fork();
        if (pids[w] != 0)
            continue;
        wxg_registry *r = wxg_registry_open(path, NULL, &err);
        int failures = !r;
        for (int i = 0; r && i < EACH; i++) {
            char name[32];
            snprintf(name, sizeof name, "w%d_%d", w, i);
            failures +=
                wxg_registry_add(r, name, cfg, b, 1, NULL, NULL, &err) != WX_OK;
            failures += wxg_registry_update(r, "shared", cfg, b, 1, NULL, NULL,
                                            &err) != WX_OK;
        }
        if (failures)
            fprintf(stderr, "writer %d: %d failures, last: %s\n", w, failures,
                    err.message);
        wxg_registry_close(r);
        _exit(failures ? 1 : 0);
    }
    for (int w = 0; w < WRITERS; w++) {
        int status = 0;
        CHECK(waitpid(pids[w], &status, 0) == pids[w]);
        CHECK(WIFEXITED(status) && WEXITSTATUS(status) == 0);
    }
    reg = open_rw(path, &err);
    char **names;
    size_t n = 0;
    CHECK(reg && wxg_registry_list(reg, &names, &n, &err) == WX_OK);
    CHECK(n == 1 + WRITERS * EACH);
    if (reg)
        wxg_names_free(names, n);
    wxg_record rec;
    CHECK(reg && wxg_registry_get(reg, "shared", WXG_GET_NO_WASM, &rec,
                                  &err) == WX_OK);
    CHECK_MSG(rec.version == 1 + WRITERS * EACH, "version %lld",
              (long long)rec.version);
    wxg_record_free(&rec);
    wxg_registry_close(reg);
    free(cfg);
}

/* ------------------------------------------------------------- crash */

/*
 * What the writer acknowledged, read from its pipe: "a NAME" after an add
 * committed, "u NAME VERSION" after an update committed, "x NAME" before
 * it tries a delete (after which the plugin may or may not be there) and
 * "d NAME" after the delete committed.
 */
typedef struct acked {
    char name[24];
    int64_t version; /* highest acknowledged version */
    bool added, delete_tried, deleted;
} acked;

typedef struct ack_log {
    acked *v;
    size_t n, cap;
} ack_log;

static acked *ack_find(ack_log *log, const char *name)
{
    for (size_t i = 0; i < log->n; i++)
        if (strcmp(log->v[i].name, name) == 0)
            return &log->v[i];
    if (log->n == log->cap) {
        log->cap = log->cap ? 2 * log->cap : 256;
        log->v = realloc(log->v, log->cap * sizeof *log->v);
    }
    acked *a = &log->v[log->n++];
    memset(a, 0, sizeof *a);
    snprintf(a->name, sizeof a->name, "%s", name);
    return a;
}

static void ack_line(ack_log *log, const char *line)
{
    char kind, name[24];
    long long version = 0;
    if (sscanf(line, "%c %23s %lld", &kind, name, &version) < 2)
        return;
    acked *a = ack_find(log, name);
    if (kind == 'a') {
        a->added = true;
        a->version = 1;
    } else if (kind == 'u' && version > a->version) {
        a->version = version;
    } else if (kind == 'x') {
        a->delete_tried = true;
    } else if (kind == 'd') {
        a->deleted = true;
    }
}

static void say(int fd, const char *fmt, ...)
    __attribute__((format(printf, 2, 3)));

static void say(int fd, const char *fmt, ...)
{
    char line[64];
    va_list ap;
    va_start(ap, fmt);
    int n = vsnprintf(line, sizeof line, fmt, ap);
    va_end(ap);
    /* Lines are far below PIPE_BUF, so each write is atomic. */
    if (write(fd, line, (size_t)n) != n)
        _exit(3);
}

#define CRASH_MAX_BYTES 300000

/* The writer: adds, updates and deletes until killed. */
static void crash_child(const char *path, int round, int fd)
{
    wx_error err;
    wxg_registry *reg = wxg_registry_open(path, NULL, &err);
    if (!reg) {
        fprintf(stderr, "crash writer: %s\n", err.message);
        _exit(2);
    }
    int64_t versions[4096] = {0};
    for (int i = 0; i < 4096; i++) {
        char name[32]; /* "r" + two ints + "_" always fit */
        snprintf(name, sizeof name, "r%d_%d", round, i);
        char *cfg = config_for(name, (unsigned)(i % 16) + 1);
        size_t len;
        uint8_t *b = bytes_for(name, 1, CRASH_MAX_BYTES, &len);
        if (wxg_registry_add(reg, name, cfg, b, len, NULL, NULL, &err) != WX_OK) {
            fprintf(stderr, "crash writer: %s\n", err.message);
            _exit(2);
        }
        versions[i] = 1;
        say(fd, "a %s\n", name);
        free(b);
        free(cfg);

        /* Update an earlier plugin of this round, now and then. */
        if (i % 2 == 1) {
            int j = (int)((unsigned)i * 2654435761u % (unsigned)i);
            if (versions[j] == 0)
                continue;
            snprintf(name, sizeof name, "r%d_%d", round, j);
            cfg = config_for(name, 3);
            b = bytes_for(name, versions[j] + 1, CRASH_MAX_BYTES, &len);
            int64_t v;
            if (wxg_registry_update(reg, name, cfg, b, len, NULL, &v, &err) !=
                WX_OK) {
                fprintf(stderr, "crash writer: %s\n", err.message);
                _exit(2);
            }
            versions[j] = v;
            say(fd, "u %s %lld\n", name, (long long)v);
            free(b);
            free(cfg);
        }
        /* And delete one now and then. */
        if (i % 5 == 4 && versions[i - 2]) {
            snprintf(name, sizeof name, "r%d_%d", round, i - 2);
            say(fd, "x %s\n", name);
            if (wxg_registry_delete(reg, name, &err) != WX_OK) {
                fprintf(stderr, "crash writer: %s\n", err.message);
                _exit(2);
            }
            versions[i - 2] = 0;
            say(fd, "d %s\n", name);
        }
    }
    _exit(0); /* not reached in practice: the parent kills us first */
}

/* Reads the pipe until `deadline_ms` has passed (or EOF). */
static void drain(int fd, ack_log *log, char *buf, size_t *used, size_t size,
                  int wait_ms)
{
    struct timespec t0, t;
    clock_gettime(CLOCK_MONOTONIC, &t0);
    for (;;) {
        clock_gettime(CLOCK_MONOTONIC, &t);
        long elapsed =
            (t.tv_sec - t0.tv_sec) * 1000 + (t.tv_nsec - t0.tv_nsec) / 1000000;
        int left = wait_ms < 0 ? -1 : wait_ms - (int)elapsed;
        if (wait_ms >= 0 && left <= 0)
            return;
        struct pollfd pfd = {fd, POLLIN, 0};
        if (poll(&pfd, 1, left) <= 0)
            return;
        ssize_t n = read(fd, buf + *used, size - *used - 1);
        if (n <= 0)
            return;
        *used += (size_t)n;
        buf[*used] = '\0';
        char *line = buf, *nl;
        while ((nl = strchr(line, '\n'))) {
            *nl = '\0';
            ack_line(log, line);
            line = nl + 1;
        }
        *used = strlen(line);
        memmove(buf, line, *used + 1);
    }
}

/* Every plugin present is whole; every acknowledged change is there. */
static void crash_verify(const char *path, ack_log *log, int round)
{
    char out[64];
    raw_query(path, "PRAGMA integrity_check", out, sizeof out);
    CHECK_MSG(strcmp(out, "ok") == 0, "round %d: integrity: %s", round, out);

    wx_error err;
    wxg_registry *reg = open_rw(path, &err);
    CHECK_MSG(reg != NULL, "round %d: %s", round, err.message);
    if (!reg)
        return;
    char **names;
    size_t n = 0;
    CHECK(wxg_registry_list(reg, &names, &n, &err) == WX_OK);
    for (size_t i = 0; i < n; i++) {
        wxg_record rec;
        if (wxg_registry_get(reg, names[i], 0, &rec, &err) != WX_OK) {
            CHECK_MSG(false, "round %d: %s", round, err.message);
            continue;
        }
        wxg_config *cfg =
            wxg_config_parse(rec.config, strlen(rec.config), NULL, &err);
        CHECK_MSG(cfg && strcmp(cfg->name, rec.name) == 0,
                  "round %d: %s: config: %s", round, rec.name, err.message);
        wxg_config_free(cfg);
        char hex[WXG_SHA256_HEX];
        CHECK(wxg_sha256_hex(rec.wasm, rec.wasm_len, hex, NULL) == WX_OK);
        CHECK_MSG(strcmp(hex, rec.sha256) == 0, "round %d: %s: hash", round,
                  rec.name);
        /* Not only self-consistent: exactly what the writer wrote for
         * that version. */
        size_t len;
        uint8_t *want =
            bytes_for(rec.name, rec.version, CRASH_MAX_BYTES, &len);
        CHECK_MSG(len == rec.wasm_len && memcmp(want, rec.wasm, len) == 0,
                  "round %d: %s v%lld: bytes differ", round, rec.name,
                  (long long)rec.version);
        free(want);
        acked *a = ack_find(log, rec.name);
        CHECK_MSG(!a->deleted, "round %d: %s: deleted but present", round,
                  rec.name);
        CHECK_MSG(rec.version >= a->version,
                  "round %d: %s: version %lld < acknowledged %lld", round,
                  rec.name, (long long)rec.version, (long long)a->version);
        wxg_record_free(&rec);
    }
    /* Acknowledged adds that no delete touched must all be present. */
    for (size_t i = 0; i < log->n; i++) {
        acked *a = &log->v[i];
        if (!a->added || a->delete_tried)
            continue;
        bool found = false;
        for (size_t j = 0; j < n && !found; j++)
            found = strcmp(names[j], a->name) == 0;
        CHECK_MSG(found, "round %d: acknowledged %s lost", round, a->name);
    }
    wxg_names_free(names, n);
    wxg_registry_close(reg);
}

static void test_crash(void)
{
    char path[128];
    path_in_tmp(path, sizeof path, "crash/reg.db");
    unsigned seed = (unsigned)time(NULL) ^ (unsigned)getpid();
    const char *env = getenv("WX_TEST_SEED");
    if (env)
        seed = (unsigned)strtoul(env, NULL, 10);
    printf("crash test seed %u (WX_TEST_SEED reproduces it)\n", seed);
    srand(seed);

    ack_log log = {0};
    size_t total_acks = 0;
    enum { ROUNDS = 6 };
    for (int round = 0; round < ROUNDS; round++) {
        int fds[2];
        CHECK(pipe(fds) == 0);
        fflush(NULL);
        pid_t pid = fork();
        if (pid == 0) {
            close(fds[0]);
            crash_child(path, round, fds[1]);
        }
        close(fds[1]);
        char buf[4096];
        size_t used = 0, before = log.n;
        /* Let it run a random while, reading its acknowledgements. */
        drain(fds[0], &log, buf, &used, sizeof buf, 50 + rand() % 400);
        CHECK(kill(pid, SIGKILL) == 0);
        int status = 0;
        CHECK(waitpid(pid, &status, 0) == pid);
        CHECK_MSG(WIFSIGNALED(status) && WTERMSIG(status) == SIGKILL,
                  "round %d: writer ended by itself (status 0x%x)", round,
                  status);
        drain(fds[0], &log, buf, &used, sizeof buf, -1);
        close(fds[0]);
        total_acks += log.n - before;
        crash_verify(path, &log, round);
    }
    printf("crash test: %d kills, %zu plugins acknowledged\n", ROUNDS,
           total_acks);
    CHECK(total_acks > 0);
    free(log.v);
}

int main(void)
{
    if (!mkdtemp(tmpdir)) {
        perror("mkdtemp");
        return 1;
    }
    test_sha256();
    test_round_trip();
    test_duplicate_and_missing();
    test_bytes_exact();
    test_reopen();
    test_bad_files();
    test_readonly_mode();
    test_readonly_file();
    test_two_writers();
    test_crash();
    rm_tree(tmpdir);
    return CHECK_DONE();
}
