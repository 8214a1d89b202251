/*
 * The registry on a real redis-server (registry_redis.c), started here on
 * a free loopback port (tests/lib/redis_server.h): the store's contract
 * (round trips, messages, revisions, module bytes kept once per hash),
 * two managers sharing it, Redis stopped and started again under a
 * manager that keeps serving, keys broken behind its back, passwords, the
 * change wait. Raw commands go through hiredis directly.
 */
#define _GNU_SOURCE
#include "check.h"
#include "redis_server.h"
#include "registry.h"
#include "wasmext.h"

#include <hiredis.h>
#include <pthread.h>
#include <stdarg.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

static redis_server srv;     /* no password */
static redis_server authsrv; /* requirepass */
static char url[128];
static char dir[] = "/tmp/wx-redis-test-XXXXXX";

/* (module (func (export "add") (param i32 i32) (result i32) ... i32.add)),
 * and with i32.sub at byte 39 for the update. */
static uint8_t add_wasm[] = {
    0x00, 0x61, 0x73, 0x6d, 0x01, 0x00, 0x00, 0x00, 0x01, 0x07, 0x01,
    0x60, 0x02, 0x7f, 0x7f, 0x01, 0x7f, 0x03, 0x02, 0x01, 0x00, 0x07,
    0x07, 0x01, 0x03, 0x61, 0x64, 0x64, 0x00, 0x00, 0x0a, 0x09, 0x01,
    0x07, 0x00, 0x20, 0x00, 0x20, 0x01, 0x6a, 0x0b};
#define OP_BYTE 39

static void cleanup(void)
{
    redis_server_destroy(&srv);
    redis_server_destroy(&authsrv);
}

/* One raw command on the test's server; the reply's integer or -1, and
 * its text in `out` if given. */
static long long raw(char *out, size_t size, const char *fmt, ...)
{
    redisContext *c = redisConnect("127.0.0.1", srv.port);
    long long v = -1;
    if (out)
        out[0] = '\0';
    if (c && !c->err) {
        va_list ap;
        va_start(ap, fmt);
        redisReply *r = redisvCommand(c, fmt, ap);
        va_end(ap);
        if (r && r->type == REDIS_REPLY_INTEGER)
            v = r->integer;
        if (r && out && r->str)
            snprintf(out, size, "%s", r->str);
        if (r)
            freeReplyObject(r);
    }
    if (c)
        redisFree(c);
    return v;
}
#define RAW(...) raw(NULL, 0, __VA_ARGS__)

static void flush(void)
{
    RAW("FLUSHALL");
}

static int64_t rev_of(wxg_registry *reg)
{
    int64_t rev = -1;
    wx_error err;
    wx_status s = wxg_registry_revision(reg, &rev, &err);
    CHECK_MSG(s == WX_OK, "%s", err.message);
    return rev;
}

/* ------------------------------------------------------------- store */

static void test_store(void)
{
    flush();
    wx_error err;
    wxg_registry *reg = wxg_registry_open(url, NULL, &err);
    CHECK_MSG(reg != NULL, "%s", err.message);
    if (!reg)
        return;
    CHECK(strcmp(wxg_registry_path(reg), url) == 0);
    CHECK(rev_of(reg) == 0);
    char **names;
    size_t n;
    CHECK(wxg_registry_list(reg, &names, &n, &err) == WX_OK && n == 0);
    wxg_names_free(names, n);

    int64_t v = 0;
    CHECK(wxg_registry_add(reg, "car", "{\"c\":1}", add_wasm, sizeof add_wasm, NULL,
                           &v, &err) == WX_OK &&
          v == 1);
    /* The first change starts the counter at the time in ms (see
     * registry_redis.c), every change after it adds one. */
    int64_t r1 = rev_of(reg);
    CHECK(r1 > 1000000000000LL);
    CHECK(wxg_registry_add(reg, "bus", "{\"b\":1}", add_wasm, sizeof add_wasm, NULL,
                           NULL, &err) == WX_OK);
    CHECK(rev_of(reg) == r1 + 1);
    CHECK(wxg_registry_add(reg, "car", "{}", add_wasm, 3, NULL, NULL, &err) ==
          WX_EEXIST);
    CHECK_MSG(strcmp(err.message, "plugin \"car\" already exists (update "
                                  "replaces it)") == 0,
              "%s", err.message);
    CHECK(rev_of(reg) == r1 + 1);

    /* Same bytes: stored once, referenced twice. */
    char hex[WXG_SHA256_HEX], key[128], text[64];
    CHECK(wxg_sha256_hex(add_wasm, sizeof add_wasm, hex, NULL) == WX_OK);
    snprintf(key, sizeof key, "wasmext:module:%s", hex);
    CHECK(RAW("EXISTS %s", key) == 1);
    raw(text, sizeof text, "HGET wasmext:module-refs %s", hex);
    CHECK_MSG(strcmp(text, "2") == 0, "refs %s", text);

    CHECK(wxg_registry_list(reg, &names, &n, &err) == WX_OK && n == 2 &&
          strcmp(names[0], "bus") == 0 && strcmp(names[1], "car") == 0);
    wxg_names_free(names, n);

    wxg_record rec;
    CHECK(wxg_registry_get(reg, "car", 0, &rec, &err) == WX_OK);
    CHECK(rec.wasm_len == sizeof add_wasm &&
          memcmp(rec.wasm, add_wasm, sizeof add_wasm) == 0);
    CHECK(strcmp(rec.config, "{\"c\":1}") == 0 && rec.version == 1 &&
          strcmp(rec.sha256, hex) == 0 && rec.created_ms > 0 &&
          rec.updated_ms == rec.created_ms);
    int64_t created = rec.created_ms;
    wxg_record_free(&rec);
    CHECK(wxg_registry_get(reg, "car", WXG_GET_NO_WASM, &rec, &err) == WX_OK &&
          rec.wasm == NULL && rec.wasm_len == sizeof add_wasm);
    wxg_record_free(&rec);

    /* Update to other bytes: version 2, created kept, the old bytes still
     * referenced once (by bus), the new ones once. */
    uint8_t sub_wasm[sizeof add_wasm];
    memcpy(sub_wasm, add_wasm, sizeof add_wasm);
    sub_wasm[OP_BYTE] = 0x6b;
    CHECK(wxg_registry_update(reg, "car", "{\"c\":2}", sub_wasm,
                              sizeof sub_wasm, NULL, &v, &err) == WX_OK &&
          v == 2);
    CHECK(rev_of(reg) == r1 + 2);
    CHECK(wxg_registry_get(reg, "car", 0, &rec, &err) == WX_OK &&
          rec.version == 2 && rec.created_ms == created &&
          memcmp(rec.wasm, sub_wasm, sizeof sub_wasm) == 0);
    wxg_record_free(&rec);
    raw(text, sizeof text, "HGET wasmext:module-refs %s", hex);
    CHECK(strcmp(text, "1") == 0);
    CHECK(wxg_registry_update(reg, "nope", "{}", sub_wasm, 3, NULL, NULL, &err) ==
          WX_ENOPLUGIN);
    CHECK_MSG(strcmp(err.message, "plugin \"nope\" not found (add registers "
                                  "it)") == 0,
              "%s", err.message);
    CHECK(wxg_registry_get(reg, "nope", 0, &rec, &err) == WX_ENOPLUGIN);
    CHECK(strcmp(err.message, "plugin \"nope\" not found") == 0);

    /* Deleting both frees every module key and reference. */
    CHECK(wxg_registry_delete(reg, "car", &err) == WX_OK);
    CHECK(wxg_registry_delete(reg, "car", &err) == WX_ENOPLUGIN);
    CHECK(rev_of(reg) == r1 + 3);
    CHECK(RAW("EXISTS %s", key) == 1);
    CHECK(wxg_registry_delete(reg, "bus", &err) == WX_OK);
    CHECK(rev_of(reg) == r1 + 4);
    CHECK(RAW("EXISTS %s", key) == 0);
    CHECK(RAW("HLEN wasmext:module-refs") == 0);
    redisContext *c = redisConnect("127.0.0.1", srv.port);
    redisReply *r = c ? redisCommand(c, "KEYS wasmext:module:*") : NULL;
    CHECK(r && r->type == REDIS_REPLY_ARRAY && r->elements == 0);
    if (r)
        freeReplyObject(r);
    if (c)
        redisFree(c);

    /* Zero-length bytes and binary names round-trip too. */
    CHECK(wxg_registry_add(reg, "empty", "{}", NULL, 0, NULL, NULL, &err) == WX_OK);
    CHECK(wxg_registry_get(reg, "empty", 0, &rec, &err) == WX_OK &&
          rec.wasm_len == 0 && rec.wasm != NULL);
    wxg_record_free(&rec);
    wxg_registry_close(reg);
}

/* ----------------------------------------------------------- manager */

static char add_path[128], sub_path[128];

static void write_file(const char *path, const uint8_t *b, size_t n)
{
    FILE *f = fopen(path, "wb");
    CHECK(f && fwrite(b, 1, n, f) == n);
    if (f)
        fclose(f);
}

static char *config(const char *wasm_path)
{
    static char json[256];
    snprintf(json, sizeof json,
             "{\"name\":\"math\",\"vm_config\":{\"path\":\"%s\"},"
             "\"functions\":[\"add\"]}",
             wasm_path);
    return json;
}

/* add(a, b) through the manager: its result, or INT32_MIN on failure. */
static int32_t call_add(wx_manager *m, int32_t a, int32_t b, wx_error *err)
{
    wx_fn *fn = wx_fn_get(m, "math", "add", err);
    if (!fn)
        return INT32_MIN;
    wx_wasm_val args[2] = {wx_wasm_i32(a), wx_wasm_i32(b)}, res;
    wx_status s = wx_fn_call(fn, args, 2, &res, 1, err);
    wx_fn_free(fn);
    return s == WX_OK ? res.of.i32 : INT32_MIN;
}

static void test_two_managers(void)
{
    flush();
    wx_error err;
    wx_manager *m1 = wx_manager_open(url, NULL, &err);
    CHECK_MSG(m1 != NULL, "%s", err.message);
    wx_manager *m2 = wx_manager_open(url, NULL, &err);
    CHECK_MSG(m2 != NULL, "%s", err.message);
    if (!m1 || !m2)
        goto done;
    CHECK_MSG(wx_manager_add(m1, config(add_path), NULL, &err) == WX_OK, "%s",
              err.message);
    CHECK(call_add(m1, 2, 3, &err) == 5);
    /* m2 learns of it by a sync. */
    CHECK_MSG(wx_manager_sync(m2, &err) == WX_OK, "%s", err.message);
    CHECK_MSG(call_add(m2, 2, 3, &err) == 5, "%s", err.message);
    CHECK(wx_manager_update(m1, config(sub_path), NULL, &err) == WX_OK);
    CHECK(wx_manager_sync(m2, &err) == WX_OK);
    CHECK_MSG(call_add(m2, 2, 3, &err) == -1, "%s", err.message);
    CHECK(wx_manager_delete(m1, "math", &err) == WX_OK);
    CHECK(wx_manager_sync(m2, &err) == WX_OK);
    CHECK(call_add(m2, 2, 3, &err) == INT32_MIN && err.status == WX_ENOPLUGIN);
done:
    wx_manager_close(m1);
    wx_manager_close(m2);
}

/* Redis goes away under a manager that has its plugin loaded, and comes
 * back (empty: nothing is saved) on the same port. */
static void test_down_and_up(void)
{
    flush();
    wx_error err;
    wx_manager *m = wx_manager_open(url, NULL, &err);
    CHECK_MSG(m != NULL, "%s", err.message);
    if (!m)
        return;
    CHECK(wx_manager_add(m, config(add_path), NULL, &err) == WX_OK);
    wxg_registry *reg = wxg_registry_open(url, NULL, &err);
    CHECK_MSG(reg != NULL, "%s", err.message);
    int64_t before = reg ? rev_of(reg) : 0;

    redis_server_stop(&srv);
    char want[200];
    snprintf(want, sizeof want,
             "registry %s: cannot connect: Connection refused (is "
             "redis-server running?)",
             url);
    CHECK(wx_manager_delete(m, "math", &err) == WX_EIO);
    CHECK_MSG(strstr(err.message, "cannot connect: Connection refused"), "%s",
              err.message);
    CHECK(wx_manager_sync(m, &err) == WX_EIO);
    /* The plugin loaded keeps serving. */
    CHECK_MSG(call_add(m, 20, 22, &err) == 42, "%s", err.message);
    if (reg) {
        int64_t rev;
        CHECK(wxg_registry_revision(reg, &rev, &err) == WX_EIO);
        CHECK_MSG(strcmp(err.message, want) == 0, "%s", err.message);
        wxg_record rec;
        CHECK(wxg_registry_get(reg, "math", 0, &rec, &err) == WX_EIO);
        CHECK(wxg_registry_add(reg, "x", "{}", add_wasm, 3, NULL, NULL, &err) ==
              WX_EIO);
        CHECK_MSG(strcmp(err.message, want) == 0, "%s", err.message);
    }

    CHECK(redis_server_start(&srv) == 0);
    /* The same handles work again, without reopening. */
    if (reg) {
        CHECK(rev_of(reg) == 0);
        CHECK_MSG(wxg_registry_add(reg, "x", "{}", add_wasm, 3, NULL, NULL, &err) ==
                      WX_OK,
                  "%s", err.message);
        /* The server lost its data, and its revision, but the new
         * revisions are beyond every one seen before. */
        CHECK(rev_of(reg) > before);
        wxg_registry_close(reg);
    }
    CHECK_MSG(wx_manager_sync(m, &err) == WX_OK, "%s", err.message);
    /* The restarted server is empty but for x: math went with it. */
    CHECK(call_add(m, 1, 1, &err) == INT32_MIN);
    CHECK_MSG(wx_manager_add(m, config(add_path), NULL, &err) == WX_OK, "%s",
              err.message);
    CHECK(call_add(m, 1, 1, &err) == 2);
    wx_manager_close(m);
}

/* Keys broken behind the registry's back fail their plugin alone. */
static void test_corrupt(void)
{
    flush();
    wx_error err;
    wxg_registry *reg = wxg_registry_open(url, NULL, &err);
    CHECK_MSG(reg != NULL, "%s", err.message);
    if (!reg)
        return;
    uint8_t other[sizeof add_wasm];
    memcpy(other, add_wasm, sizeof other);
    other[OP_BYTE] = 0x6c; /* i32.mul: bytes of its own */
    CHECK(wxg_registry_add(reg, "a", "{}", add_wasm, sizeof add_wasm, NULL, NULL,
                           &err) == WX_OK);
    CHECK(wxg_registry_add(reg, "b", "{}", other, sizeof other, NULL, NULL, &err) ==
          WX_OK);
    CHECK(wxg_registry_add(reg, "c", "{}", add_wasm, sizeof add_wasm, NULL, NULL,
                           &err) == WX_OK);
    char hex[WXG_SHA256_HEX], want[300];
    CHECK(wxg_sha256_hex(other, sizeof other, hex, NULL) == WX_OK);
    RAW("DEL wasmext:plugin:a");
    RAW("SET wasmext:plugin:a garbage");
    RAW("DEL wasmext:module:%s", hex);

    wxg_record rec;
    CHECK(wxg_registry_get(reg, "a", 0, &rec, &err) == WX_EIO);
    snprintf(want, sizeof want,
             "registry %s: plugin \"a\": key wasmext:plugin:a is a string, "
             "not the hash wasmext writes (update or delete the plugin to "
             "replace it)",
             url);
    CHECK_MSG(strcmp(err.message, want) == 0, "%s", err.message);
    CHECK(wxg_registry_get(reg, "b", 0, &rec, &err) == WX_EIO);
    snprintf(want, sizeof want,
             "registry %s: plugin \"b\": its module bytes "
             "wasmext:module:%s are missing (update the plugin to store "
             "them again)",
             url, hex);
    CHECK_MSG(strcmp(err.message, want) == 0, "%s", err.message);
    /* Without the bytes, b's record still reads. */
    CHECK(wxg_registry_get(reg, "b", WXG_GET_NO_WASM, &rec, &err) == WX_OK);
    wxg_record_free(&rec);
    CHECK(wxg_registry_get(reg, "c", 0, &rec, &err) == WX_OK &&
          rec.wasm_len == sizeof add_wasm);
    wxg_record_free(&rec);
    char **names;
    size_t n;
    CHECK(wxg_registry_list(reg, &names, &n, &err) == WX_OK && n == 3);
    wxg_names_free(names, n);

    /* Bytes that do not match their hash. */
    char chash[WXG_SHA256_HEX];
    CHECK(wxg_sha256_hex(add_wasm, sizeof add_wasm, chash, NULL) == WX_OK);
    RAW("SET wasmext:module:%s tampered", chash);
    CHECK(wxg_registry_get(reg, "c", 0, &rec, &err) == WX_EIO);
    CHECK_MSG(strstr(err.message, "do not match their SHA-256"), "%s",
              err.message);
    /* A hash without its fields; a name listed whose key is gone. */
    RAW("HDEL wasmext:plugin:c version");
    CHECK(wxg_registry_get(reg, "c", 0, &rec, &err) == WX_EIO);
    CHECK_MSG(strstr(err.message, "key wasmext:plugin:c has no field "
                                  "\"version\""),
              "%s", err.message);
    RAW("DEL wasmext:plugin:c");
    CHECK(wxg_registry_get(reg, "c", 0, &rec, &err) == WX_EIO);
    CHECK_MSG(strstr(err.message, "its key wasmext:plugin:c is missing"), "%s",
              err.message);

    /* A manager opens all the same; a repairs by update, b by update. */
    wx_manager *m = wx_manager_open(url, NULL, &err);
    CHECK_MSG(m != NULL, "%s", err.message);
    wx_manager_close(m);
    CHECK(wxg_registry_update(reg, "a", "{}", add_wasm, sizeof add_wasm, NULL, NULL,
                              &err) == WX_OK);
    CHECK(wxg_registry_update(reg, "b", "{}", other, sizeof other, NULL, NULL,
                              &err) == WX_OK);
    CHECK(wxg_registry_get(reg, "a", 0, &rec, &err) == WX_OK);
    wxg_record_free(&rec);
    CHECK(wxg_registry_get(reg, "b", 0, &rec, &err) == WX_OK &&
          memcmp(rec.wasm, other, sizeof other) == 0);
    wxg_record_free(&rec);
    CHECK(wxg_registry_delete(reg, "c", &err) == WX_OK);
    wxg_registry_close(reg);
}

/* ------------------------------------------------------------- auth */

static void test_auth(void)
{
    static const char pass[] = "s3cr:t@pw";
    char u[160], want[300];
    wx_error err;
    snprintf(authsrv.requirepass, sizeof authsrv.requirepass, "%s", pass);
    CHECK(redis_server_start(&authsrv) == 0);

    /* The right password, %-escaped in the URL. */
    snprintf(u, sizeof u, "redis://:s3cr%%3At%%40pw@127.0.0.1:%d/2",
             authsrv.port);
    wxg_registry *reg = wxg_registry_open(u, NULL, &err);
    CHECK_MSG(reg != NULL, "%s", err.message);
    if (reg) {
        snprintf(want, sizeof want, "redis://:***@127.0.0.1:%d/2",
                 authsrv.port);
        CHECK_MSG(strcmp(wxg_registry_path(reg), want) == 0, "%s",
                  wxg_registry_path(reg));
        CHECK(wxg_registry_add(reg, "p", "{}", add_wasm, 4, NULL, NULL, &err) ==
              WX_OK);
        wxg_registry_close(reg);
    }
    /* With the ACL user "default". */
    snprintf(u, sizeof u, "redis://default:s3cr%%3At%%40pw@127.0.0.1:%d/2",
             authsrv.port);
    reg = wxg_registry_open(u, NULL, &err);
    CHECK_MSG(reg != NULL, "%s", err.message);
    if (reg) {
        char **names;
        size_t n;
        CHECK(wxg_registry_list(reg, &names, &n, &err) == WX_OK && n == 1);
        wxg_names_free(names, n);
        wxg_registry_close(reg);
    }
    /* A wrong one: a clear error, and no password in it. */
    snprintf(u, sizeof u, "redis://:wrongpass@127.0.0.1:%d/2", authsrv.port);
    reg = wxg_registry_open(u, NULL, &err);
    CHECK(reg == NULL && err.status == WX_EIO);
    CHECK_MSG(strstr(err.message, "authentication failed: WRONGPASS") &&
                  !strstr(err.message, "wrongpass"),
              "%s", err.message);
    wxg_registry_close(reg);
    /* None: the server says it needs one. */
    snprintf(u, sizeof u, "redis://127.0.0.1:%d/2", authsrv.port);
    unsetenv("WASMEXT_REDIS_PASSWORD");
    reg = wxg_registry_open(u, NULL, &err);
    CHECK(reg == NULL && err.status == WX_EIO);
    CHECK_MSG(strstr(err.message, "NOAUTH") &&
                  strstr(err.message, "WASMEXT_REDIS_PASSWORD"),
              "%s", err.message);
    wxg_registry_close(reg);
    /* From the environment, which the message never shows. */
    setenv("WASMEXT_REDIS_PASSWORD", pass, 1);
    reg = wxg_registry_open(u, NULL, &err);
    CHECK_MSG(reg != NULL, "%s", err.message);
    if (reg)
        CHECK(strstr(wxg_registry_path(reg), "s3cr") == NULL);
    wxg_registry_close(reg);
    setenv("WASMEXT_REDIS_PASSWORD", "envwrong", 1);
    reg = wxg_registry_open(u, NULL, &err);
    CHECK(reg == NULL && !strstr(err.message, "envwrong"));
    unsetenv("WASMEXT_REDIS_PASSWORD");
    /* A manager's messages keep the password out too. */
    snprintf(u, sizeof u, "redis://:wrongpass@127.0.0.1:%d/2", authsrv.port);
    wx_manager *m = wx_manager_open(u, NULL, &err);
    CHECK(m == NULL && !strstr(err.message, "wrongpass"));
    redis_server_stop(&authsrv);
}

static void test_bad_urls(void)
{
    static const char *bad[] = {
        "redis://",         "redis://host:0",  "redis://host:99999",
        "redis://host:x/0", "redis://host/db", "redis://:pw%zz@host",
        "redis://user:pw",  "redis://[::1/0",
    };
    for (size_t i = 0; i < sizeof bad / sizeof *bad; i++) {
        wx_error err;
        wxg_registry *reg = wxg_registry_open(bad[i], NULL, &err);
        CHECK_MSG(reg == NULL && err.status == WX_EARG, "%s", bad[i]);
        CHECK_MSG(!strstr(err.message, "pw"), "%s: %s", bad[i], err.message);
        wxg_registry_close(reg);
    }
}

/* ------------------------------------------------------------- wait */

static void *change_later(void *arg)
{
    wx_status *out = arg;
    usleep(150 * 1000);
    wx_error err;
    wxg_registry *reg = wxg_registry_open(url, NULL, &err);
    *out = reg ? wxg_registry_add(reg, "late", "{}", add_wasm, 4, NULL, NULL, &err)
               : err.status;
    wxg_registry_close(reg);
    return NULL;
}

static void test_wait(void)
{
    flush();
    wx_error err;
    wxg_registry *watch = wxg_registry_open_watch(url, &err);
    CHECK_MSG(watch != NULL, "%s", err.message);
    if (!watch)
        return;
    int64_t seen = rev_of(watch);
    CHECK(wxg_registry_wait(watch, seen, 100, &err) == WX_ETIMEOUT);
    CHECK(wxg_registry_wait(watch, seen + 7, 100, &err) == WX_OK);
    /* A change made while waiting ends the wait (30 s: a timeout means
     * the notification was missed). */
    wx_status changed = WX_EIO;
    pthread_t t;
    CHECK(pthread_create(&t, NULL, change_later, &changed) == 0);
    wx_status s = wxg_registry_wait(watch, seen, 30000, &err);
    pthread_join(t, NULL);
    CHECK(changed == WX_OK);
    CHECK_MSG(s == WX_OK, "%s", wx_status_name(s));
    CHECK(rev_of(watch) > seen);
    seen = rev_of(watch);
    /* The watch handle is read-only. */
    CHECK(wxg_registry_add(watch, "w", "{}", add_wasm, 4, NULL, NULL, &err) ==
          WX_EIO);
    /* Redis away: WX_EIO at the end of the timeout; back: waits again. */
    redis_server_stop(&srv);
    CHECK(wxg_registry_wait(watch, seen, 100, &err) == WX_EIO);
    CHECK(redis_server_start(&srv) == 0);
    /* Restarted empty: revision 0 differs from what we saw. */
    CHECK(wxg_registry_wait(watch, seen, 1000, &err) == WX_OK);
    CHECK(wxg_registry_wait(watch, 0, 100, &err) == WX_ETIMEOUT);
    wxg_registry_close(watch);
}

int main(void)
{
    if (!mkdtemp(dir)) {
        perror("mkdtemp");
        return 1;
    }
    atexit(cleanup);
    if (redis_server_start(&srv) != 0) {
        fprintf(stderr, "cannot start redis-server (apt-get install "
                        "redis-server, or make deps)\n");
        return 1;
    }
    snprintf(url, sizeof url, "redis://127.0.0.1:%d/0", srv.port);
    snprintf(add_path, sizeof add_path, "%s/add.wasm", dir);
    snprintf(sub_path, sizeof sub_path, "%s/sub.wasm", dir);
    write_file(add_path, add_wasm, sizeof add_wasm);
    add_wasm[OP_BYTE] = 0x6b;
    write_file(sub_path, add_wasm, sizeof add_wasm);
    add_wasm[OP_BYTE] = 0x6a;

    test_bad_urls();
    test_store();
    test_two_managers();
    test_down_and_up();
    test_corrupt();
    test_auth();
    test_wait();

    unlink(add_path);
    unlink(sub_path);
    rmdir(dir);
    return CHECK_DONE();
}
