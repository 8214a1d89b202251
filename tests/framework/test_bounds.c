/*
 * Every plugin is bounded unless its config says otherwise, and so is
 * every instance's start: the default call timeout and memory cap
 * (wasmext/defaults.h) stop a guest whose config sets no limits; a start
 * function or `_initialize` that loops fails add and update with a
 * timeout instead of hanging them; a registry that holds such a plugin
 * still opens (the plugin reported as failed to load) and the plugin can
 * be removed; a guest sleeping in poll_oneoff stops at its timeout.
 * Hostile guests: hostile.wat, loopstart.wat, loopinit.wat, sleeper.wat.
 * argv[1] names the guest directory.
 */
#include "fixture.h"
#include "registry.h"

#include <sqlite3.h>

/* Calls that must stop at a timeout are checked by their outcome (the
 * count of WX_ETIMEOUT and the message), never by the clock: a hang is
 * CTest's timeout to catch. */

static wx_manager *open_db(const char *file)
{
    wx_error err;
    wx_manager *m = wx_manager_open(fx_path(file), NULL, &err);
    CHECK_MSG(m != NULL, "open: %s", err.message);
    if (!m)
        exit(1);
    return m;
}

static size_t list_count(wx_manager *m)
{
    json_t *l = fx_json(manager_list(m, NULL));
    size_t n = json_array_size(l);
    json_decref(l);
    return n;
}

/* A plugin without limits gets the defaults: a loop times out, memory
 * stops growing at the cap; an explicit 0 lifts a limit. */
static void test_defaults(void)
{
    wx_error err;
    fx_copy_guest("hostile", "hostile.wasm");
    wx_manager *m = open_db("defaults.db");
    wx_status s = fx_add(m, "h", "hostile.wasm",
                         "[\"spin\",\"hog\",\"ok\",\"tgrow\"]", "", &err);
    CHECK_MSG(s == WX_OK, "%s", err.message);
    CHECK_STR(fx_call(m, NULL, "ok", "[]"), "[7]");
    /* A table counts toward the memory cap, 8 bytes an element. */
    CHECK_STR(fx_call(m, NULL, "tgrow", "[10000000]"), "[-1]");
    char *fit = fx_fmt("[%u]", WX_DEFAULT_MEMORY_PAGES * 8192u);
    CHECK_STR(fx_call(m, NULL, "tgrow", fit), "[0]");
    free(fit);
    CHECK_STR(fx_call(m, NULL, "tgrow", "[1]"), "[-1]");
    char *want = fx_fmt("[%u]", WX_DEFAULT_MEMORY_PAGES);
    CHECK_STR(fx_call(m, NULL, "hog", "[]"), want);
    free(want);

    int timeouts = 0;
    char *res = NULL;
    s = call_json(m, NULL, "spin", "[]", &res, &err);
    timeouts += s == WX_ETIMEOUT;
    CHECK(timeouts == 1);
    char *msg = fx_fmt("timeout: call exceeded %u ms", WX_DEFAULT_TIMEOUT_MS);
    CHECK_HAS(err.message, msg);
    free(msg);
    /* The instance was replaced and the plugin goes on. */
    CHECK_STR(fx_call(m, NULL, "ok", "[]"), "[7]");

    /* Set limits win; 0 means no limit and is kept as written. */
    s = fx_add(m, "big", "hostile.wasm",
               "[{\"name\":\"hog\",\"abi\":\"numeric\"}]",
               "\"limits\":{\"memory_pages\":1000,\"timeout_ms\":0}", &err);
    CHECK(s != WX_OK); /* "hog" is taken by h: names are unique */
    CHECK(wx_manager_delete(m, "h", &err) == WX_OK);
    s = fx_add(m, "big", "hostile.wasm", "[\"hog\"]",
               "\"limits\":{\"memory_pages\":1000,\"timeout_ms\":0}", &err);
    CHECK_MSG(s == WX_OK, "%s", err.message);
    CHECK_STR(fx_call(m, NULL, "hog", "[]"), "[1000]");
    json_t *show = fx_json(manager_show(m, "big", NULL));
    CHECK(json_integer_value(
              fx_at(show, "config", "limits", "timeout_ms", NULL)) == 0);
    CHECK(
        json_is_integer(fx_at(show, "config", "limits", "timeout_ms", NULL)));
    json_decref(show);
    wx_manager_close(m);
}

/* A start function or `_initialize` that loops fails add and update with
 * a timeout; nothing is stored, the old version goes on serving. */
static void test_looping_start(void)
{
    wx_error err;
    fx_copy_guest("loopstart", "loopstart.wasm");
    fx_copy_guest("loopinit", "loopinit.wasm");
    fx_copy_guest("hostile", "hostile.wasm");
    wx_manager *m = open_db("start.db");
    int timeouts = 0;

    wx_status s = fx_add(m, "ls", "loopstart.wasm", "[\"never\"]",
                         "\"limits\":{\"timeout_ms\":100}", &err);
    timeouts += s == WX_ETIMEOUT;
    CHECK_HAS(err.message, "start function: timeout after 100 ms "
                           "(limits.timeout_ms)");
    CHECK_HAS(err.message, "loopstart.wasm cannot be instantiated");

    /* Calls unbounded: the start still is, by the default. */
    s = fx_add(m, "ls", "loopstart.wasm", "[\"never\"]",
               "\"limits\":{\"timeout_ms\":0}", &err);
    timeouts += s == WX_ETIMEOUT;
    char *msg =
        fx_fmt("start function: timeout after %u ms", WX_DEFAULT_TIMEOUT_MS);
    CHECK_HAS(err.message, msg);
    free(msg);

    /* Fuel bounds it the same way on every machine. */
    s = fx_add(m, "ls", "loopstart.wasm", "[\"never\"]",
               "\"limits\":{\"fuel\":1000,\"timeout_ms\":60000}", &err);
    CHECK(s == WX_ELIMIT);
    CHECK_HAS(err.message, "start function: fuel exhausted: used its 1000 "
                           "units (limits.fuel)");

    s = fx_add(m, "li", "loopinit.wasm", "[\"ready\"]",
               "\"limits\":{\"timeout_ms\":100}", &err);
    timeouts += s == WX_ETIMEOUT;
    CHECK_HAS(err.message, "_initialize: timeout after 100 ms");
    CHECK(timeouts == 3);
    CHECK(list_count(m) == 0);

    /* An update to a looping start is refused; the old version serves. */
    s = fx_add(m, "u", "hostile.wasm", "[\"ok\"]",
               "\"limits\":{\"timeout_ms\":100}", &err);
    CHECK_MSG(s == WX_OK, "%s", err.message);
    fx_copy_guest("loopstart", "hostile.wasm");
    s = fx_update(m, "u", "hostile.wasm", "[\"never\"]",
                  "\"limits\":{\"timeout_ms\":100}", &err);
    CHECK(s == WX_ETIMEOUT);
    CHECK_HAS(err.message, "start function: timeout after 100 ms");
    CHECK_STR(fx_call(m, NULL, "ok", "[]"), "[7]");
    wx_manager_close(m);
}

static void sql(const char *db, const char *stmt)
{
    sqlite3 *h;
    char *msg = NULL;
    CHECK(sqlite3_open(db, &h) == SQLITE_OK);
    int rc = sqlite3_exec(h, stmt, NULL, NULL, &msg);
    CHECK_MSG(rc == SQLITE_OK, "%s: %s", stmt, msg ? msg : "");
    sqlite3_free(msg);
    sqlite3_close(h);
}

/* A registry that already holds a plugin whose start loops (stored before
 * starts were bounded) opens, reports the plugin as failed, lets it be
 * removed, and serves the others. */
static void test_registry_with_looping_start(void)
{
    wx_error err;
    fx_copy_guest("hostile", "good.wasm");
    fx_copy_guest("other", "other.wasm");
    fx_copy_guest("loopstart", "bad.wasm");
    wx_manager *m = open_db("held.db");
    CHECK(fx_add(m, "late", "good.wasm", "[\"ok\"]",
                 "\"limits\":{\"timeout_ms\":100}", &err) == WX_OK);
    CHECK(fx_add(m, "other", "other.wasm", "[\"triple\"]", "", &err) == WX_OK);
    wx_manager_close(m);

    /* Swap the stored module for the looping one, digest and all. */
    FILE *f = fopen(fx_path("bad.wasm"), "rb");
    unsigned char buf[4096];
    size_t n = f ? fread(buf, 1, sizeof buf, f) : 0;
    if (f)
        fclose(f);
    CHECK(n > 8);
    char hex[2 * sizeof buf + 1];
    for (size_t i = 0; i < n; i++)
        snprintf(hex + 2 * i, 3, "%02x", buf[i]);
    char sha[WXG_SHA256_HEX];
    CHECK(wxg_sha256_hex(buf, n, sha, NULL) == WX_OK);
    char *stmt = fx_fmt("UPDATE plugins SET wasm = x'%s', sha256 = '%s' "
                        "WHERE name = 'late';",
                        hex, sha);
    sql(fx_path("held.db"), stmt);
    free(stmt);

    m = open_db("held.db");
    json_t *list = fx_json(manager_list(m, NULL));
    CHECK(json_array_size(list) == 2);
    CHECK_STR(fx_str(fx_at(list, "#0", "name", NULL)), "late");
    CHECK_HAS(fx_str(fx_at(list, "#0", "status", NULL)),
              "start function: timeout after 100 ms");
    CHECK_STR(fx_str(fx_at(list, "#1", "status", NULL)), "ok");
    json_decref(list);
    CHECK_STR(fx_call(m, NULL, "triple", "[3]"), "[9]");
    CHECK_HAS(fx_call(m, NULL, "ok", "[]"), "ERR:");
    CHECK(wx_manager_delete(m, "late", &err) == WX_OK);
    CHECK(list_count(m) == 1);
    wx_manager_close(m);
}

/* A sleep in poll_oneoff ends at the call's timeout and is reported as a
 * timeout, not as a sleep that succeeded; a short one still sleeps. */
static void test_blocking_host_call(void)
{
    wx_error err;
    fx_copy_guest("sleeper", "sleeper.wasm");
    wx_manager *m = open_db("sleep.db");
    wx_status s = fx_add(m, "z", "sleeper.wasm", "[\"nap\"]",
                         "\"limits\":{\"timeout_ms\":200}", &err);
    CHECK_MSG(s == WX_OK, "%s", err.message);
    CHECK_STR(fx_call(m, NULL, "nap", "[1]"), "[0]");
    int timeouts = 0;
    char *res = NULL;
    s = call_json(m, NULL, "nap", "[60000]", &res, &err);
    timeouts += s == WX_ETIMEOUT;
    CHECK_MSG(timeouts == 1, "%s: %s", wx_status_name(s),
              s == WX_OK ? res : err.message);
    wx_free(res);
    CHECK_HAS(err.message, "timeout: call exceeded 200 ms");
    CHECK_STR(fx_call(m, NULL, "nap", "[1]"), "[0]");
    wx_manager_close(m);
}

int main(int argc, char **argv)
{
    fx_setup(argc, argv);
    test_defaults();
    test_looping_start();
    test_registry_with_looping_start();
    test_blocking_host_call();
    fx_teardown();
    return CHECK_DONE();
}
