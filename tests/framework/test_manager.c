/*
 * The manager through the public API (include/wasmext.h): add, calls in
 * every form, show/list/check, delete; every refusal of a bad plugin with
 * its message, and that nothing is stored then; function names across
 * plugins; reopening (from the stored bytes, with the .wasm file gone; a
 * damaged registry entry that must not block the others); WASI imports,
 * the cstring ABI and the timeout. argv[1] names the guest directory.
 */
#include "fixture.h"
#include "manager.h"
#include "registry.h"

#include <pthread.h>
#include <sqlite3.h>
#include <stdatomic.h>
#include <unistd.h>

static const char *math_funcs =
    "[{\"name\":\"add\",\"params\":[\"u8\",\"i32\"],\"results\":[\"i32\"]},"
    "\"fib\",\"mul64\",\"half\",\"twice32\",\"div\",\"count\",\"divmod\","
    "\"spin\"]";

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

/* ------------------------------------------------------ round trips */

static void test_numeric_calls(wx_manager *m)
{
    /* The three ways to name a function. */
    CHECK_STR(fx_call(m, NULL, "add", "[2, 3]"), "[5]");
    CHECK_STR(fx_call(m, NULL, "math.add", "[2, 3]"), "[5]");
    CHECK_STR(fx_call(m, "math", "add", "[2, -3]"), "[-1]");
    /* Exact fit: 2.0 is 2; 300 is no u8, 1.5 no integer. */
    CHECK_STR(fx_call(m, NULL, "add", "[2.0, 3]"), "[5]");
    CHECK_HAS(fx_call(m, NULL, "add", "[300, 1]"), "argument 1");
    CHECK_HAS(fx_call(m, NULL, "add", "[300, 1]"), "300");
    CHECK_HAS(fx_call(m, NULL, "add", "[1, 1.5]"), "argument 2");
    CHECK_HAS(fx_call(m, NULL, "add", "[1, 2147483648]"), "argument 2");
    CHECK_HAS(fx_call(m, NULL, "add", "[1]"), "expected 2 arguments, got 1");
    CHECK_HAS(fx_call(m, NULL, "add", "[1, \"x\"]"), "argument 2");
    CHECK_HAS(fx_call(m, NULL, "add", "[1, 2"), "invalid JSON");
    CHECK_HAS(fx_call(m, NULL, "add", "{}"), "must be a JSON array");
    CHECK_STR(fx_call(m, NULL, "fib", "[10]"), "[55]");
    CHECK_STR(fx_call(m, NULL, "mul64", "[4294967296, 3]"), "[12884901888]");
    CHECK_STR(fx_call(m, NULL, "half", "[3]"), "[1.5]");
    CHECK_STR(fx_call(m, NULL, "twice32", "[0.25]"), "[0.5]");
    CHECK_STR(fx_call(m, NULL, "divmod", "[7, 2]"), "[3,1]");
    CHECK_STR(fx_call(m, NULL, "count", NULL), "[1]");

    /* A trap fails the call with its kind, and the plugin goes on. */
    char *res = NULL;
    wx_error err;
    wx_status s = call_json(m, NULL, "div", "[1, 0]", &res, &err);
    CHECK(s == WX_ETRAP && err.trap == WX_TRAP_DIV_ZERO && !res);
    CHECK_STR(fx_call(m, NULL, "div", "[7, 2]"), "[3]");
    CHECK(call_json(m, NULL, "div", "[1, 0]", &res, NULL) == WX_ETRAP);
    CHECK(call_json(m, NULL, "add", "[300, 0]", &res, NULL) == WX_EARG);
    CHECK(call_argv(m, NULL, "nope", 0, NULL, &res, NULL) == WX_ENOPLUGIN);

    /* Command-line values, results one per line. */
    const char *a1[] = {"2", "3"}, *a2[] = {"0x10", "-1"},
               *a3[] = {"256", "1"}, *a4[] = {"7", "2"}, *a5[] = {"nan"},
               *a6[] = {"3e0"};
    CHECK_STR(fx_argv(m, "math", "add", 2, a1), "5\n");
    CHECK_STR(fx_argv(m, NULL, "add", 2, a2), "15\n");
    CHECK_HAS(fx_argv(m, NULL, "add", 2, a3), "argument 1");
    CHECK_STR(fx_argv(m, NULL, "divmod", 2, a4), "3\n1\n");
    CHECK_STR(fx_argv(m, NULL, "half", 1, a5), "nan\n");
    CHECK_STR(fx_argv(m, NULL, "half", 1, a6), "1.5\n");
    CHECK_HAS(fx_argv(m, NULL, "add", 1, a1), "expected 2 arguments");

    /* Typed calls: by name, and through a handle. */
    wx_wasm_val args[2] = {wx_wasm_i32(20), wx_wasm_i32(22)}, r[2];
    CHECK(call_vals(m, NULL, "add", args, 2, r, 1, &err) == WX_OK &&
          r[0].of.i32 == 42);
    wx_wasm_val wrong[2] = {wx_wasm_i64(1), wx_wasm_i32(2)};
    s = call_vals(m, NULL, "add", wrong, 2, r, 1, &err);
    CHECK(s == WX_EARG);
    CHECK_HAS(err.message, "argument 1");
    wx_fn *fib = wx_fn_get(m, NULL, "math.fib", &err);
    CHECK_MSG(fib != NULL, "%s", err.message);
    wx_wasm_val n = wx_wasm_i32(20);
    CHECK(fib && wx_fn_call(fib, &n, 1, r, 1, &err) == WX_OK &&
          r[0].of.i32 == 6765);
    wx_fn_free(fib);
    CHECK(wx_fn_get(m, NULL, "nope", &err) == NULL &&
          err.status == WX_ENOPLUGIN);

    /* Unknown names. */
    CHECK_STR(fx_call(m, NULL, "nope", "[]"),
              fx_in_registry(m, "ERR:function \"nope\" not found"));
    CHECK_STR(fx_call(m, "nope", "add", "[]"),
              fx_in_registry(m, "ERR:plugin \"nope\" not found"));
    CHECK_HAS(fx_call(m, "math", "nope", "[]"),
              "plugin \"math\" has no function \"nope\" (functions: add, "
              "fib,");
    /* Listed functions only: "memory" is an export, not a function. */
    CHECK_HAS(fx_call(m, "math", "takes_ref", "[]"), "has no function");
}

static void test_reports(wx_manager *m)
{
    json_t *show = fx_json(manager_show(m, "math", NULL));
    CHECK(show != NULL);
    CHECK_STR(fx_str(fx_at(show, "name", NULL)), "math");
    CHECK_STR(fx_str(fx_at(show, "status", NULL)), "ok");
    CHECK_STR(fx_str(fx_at(show, "engine", NULL)), "interp");
    CHECK(json_integer_value(fx_at(show, "revision", NULL)) == 1);
    CHECK(json_integer_value(fx_at(show, "instances", "total", NULL)) == 2);
    CHECK(json_integer_value(fx_at(show, "instances", "busy", NULL)) == 0);
    CHECK_STR(fx_str(fx_at(show, "config", "name", NULL)), "math");
    CHECK_HAS(fx_str(fx_at(show, "config", "vm_config", "path", NULL)),
              "/math.wasm");
    CHECK(strlen(fx_str(fx_at(show, "sha256", NULL))) == 64);
    /* Exports, in module order: memory first. */
    CHECK_STR(fx_str(fx_at(show, "exports", "#0", "kind", NULL)), "memory");
    CHECK_STR(fx_str(fx_at(show, "exports", "#1", "name", NULL)), "add");
    CHECK_STR(fx_str(fx_at(show, "exports", "#1", "signature", NULL)),
              "(i32, i32) -> (i32)");
    json_t *add = fx_at(show, "functions", "#0", NULL);
    CHECK_STR(fx_str(fx_at(add, "name", NULL)), "add");
    CHECK_STR(fx_str(fx_at(add, "abi", NULL)), "numeric");
    CHECK_STR(fx_str(fx_at(add, "params", "#0", NULL)), "u8");
    json_int_t calls = json_integer_value(fx_at(add, "calls", NULL));
    json_int_t errors = json_integer_value(fx_at(add, "errors", NULL));
    /* Calls that reached the function: 4 JSON, 2 argv, 2 typed (1
     * refused by the call's own argument check). The converters' refusals
     * (bad JSON, a count or a value that does not fit) come before the
     * call, so they are nobody's errors. */
    CHECK_MSG(calls == 8 && errors == 1, "add: %lld calls, %lld errors",
              (long long)calls, (long long)errors);
    json_t *div = fx_at(show, "functions", "#5", NULL);
    CHECK_STR(fx_str(fx_at(div, "name", NULL)), "div");
    CHECK(json_integer_value(fx_at(div, "calls", NULL)) == 3);
    CHECK(json_integer_value(fx_at(div, "errors", NULL)) == 2);
    json_decref(show);

    json_t *list = fx_json(manager_list(m, NULL));
    CHECK(json_array_size(list) == 1);
    CHECK_STR(fx_str(fx_at(list, "#0", "name", NULL)), "math");
    CHECK_STR(fx_str(fx_at(list, "#0", "status", NULL)), "ok");
    CHECK_STR(fx_str(fx_at(list, "#0", "engine", NULL)), "interp");
    CHECK(json_is_null(fx_at(list, "#0", "version", NULL)));
    CHECK(json_integer_value(fx_at(list, "#0", "instances", NULL)) == 2);
    CHECK(json_array_size(fx_at(list, "#0", "functions", NULL)) == 9);
    json_decref(list);

    json_t *check = fx_json(manager_check(m, NULL, NULL));
    CHECK(json_array_size(check) == 1);
    CHECK(json_is_true(fx_at(check, "#0", "ok", NULL)));
    CHECK(json_array_size(fx_at(check, "#0", "problems", NULL)) == 0);
    CHECK(json_array_size(fx_at(check, "#0", "warnings", NULL)) == 0);
    json_decref(check);

    wx_error err;
    CHECK(manager_show(m, "nope", &err) == NULL &&
          err.status == WX_ENOPLUGIN);
    CHECK_STR(err.message, fx_in_registry(m, "plugin \"nope\" not found"));
    CHECK(manager_check(m, "nope", &err) == NULL &&
          err.status == WX_ENOPLUGIN);
}

static void test_round_trip(void)
{
    wx_manager *m = open_db("round.db");
    wx_error err;
    fx_copy_guest("math", "math.wasm");
    wx_status s =
        fx_add(m, "math", "math.wasm", math_funcs, "\"instance_num\":2", &err);
    CHECK_MSG(s == WX_OK, "add: %s", err.message);
    test_numeric_calls(m);
    test_reports(m);

    /* The proposal's engine name is kept and reported as a synonym. */
    fx_copy_guest("other", "other.wasm");
    char *cfg = fx_fmt("{\"name\":\"other\",\"version\":\"1.2.0\","
                       "\"vm_config\":{\"engine\":\"wasmedge\","
                       "\"path\":\"%s\"},\"functions\":[\"triple\"]}",
                       fx_path("other.wasm"));
    CHECK(wx_manager_add(m, cfg, NULL, &err) == WX_OK);
    free(cfg);
    json_t *show = fx_json(manager_show(m, "other", NULL));
    CHECK_STR(fx_str(fx_at(show, "engine", NULL)),
              "wasmedge (synonym of interp)");
    CHECK_STR(fx_str(fx_at(show, "version", NULL)), "1.2.0");
    json_decref(show);
    json_t *list = fx_json(manager_list(m, NULL));
    CHECK_STR(fx_str(fx_at(list, "#1", "name", NULL)), "other");
    CHECK_STR(fx_str(fx_at(list, "#1", "version", NULL)), "1.2.0");
    json_decref(list);

    /* Update bumps the revision; counters survive it. */
    s = fx_update(m, "math", "math.wasm", math_funcs, "", &err);
    CHECK_MSG(s == WX_OK, "update: %s", err.message);
    show = fx_json(manager_show(m, "math", NULL));
    CHECK(json_integer_value(fx_at(show, "revision", NULL)) == 2);
    CHECK(json_integer_value(fx_at(show, "instances", "total", NULL)) == 1);
    CHECK(json_integer_value(fx_at(show, "functions", "#0", "calls", NULL)) ==
          8);
    json_decref(show);

    /* The same update again changes nothing: the revision stays, in the
     * manager and in the registry file. */
    s = fx_update(m, "math", "math.wasm", math_funcs, "", &err);
    CHECK_MSG(s == WX_OK, "update: %s", err.message);
    show = fx_json(manager_show(m, "math", NULL));
    CHECK(json_integer_value(fx_at(show, "revision", NULL)) == 2);
    json_decref(show);
    {
        wx_manager *ro = wx_manager_open(wx_manager_db_path(m), NULL, &err);
        CHECK(ro != NULL);
        show = fx_json(ro ? manager_show(ro, "math", NULL) : NULL);
        CHECK(json_integer_value(fx_at(show, "revision", NULL)) == 2);
        json_decref(show);
        wx_manager_close(ro);
    }

    /* Delete: gone from calls, reports and the registry. */
    CHECK(wx_manager_delete(m, "math", &err) == WX_OK);
    CHECK_STR(fx_call(m, NULL, "fib", "[3]"),
              fx_in_registry(m, "ERR:function \"fib\" not found"));
    CHECK_STR(fx_call(m, "math", "fib", "[3]"),
              fx_in_registry(m, "ERR:plugin \"math\" not found"));
    CHECK(wx_manager_delete(m, "math", &err) == WX_ENOPLUGIN);
    CHECK_STR(err.message, fx_in_registry(m, "plugin \"math\" not found"));
    CHECK(list_count(m) == 1);
    wx_manager_close(m);
    m = open_db("round.db");
    CHECK(list_count(m) == 1);
    CHECK_STR(fx_call(m, NULL, "triple", "[5]"), "[15]");
    wx_manager_close(m);
}

/* ----------------------------------------------------------- refusals */

/* An add that must fail with `status` and a message starting with
 * `prefix`; nothing may be stored. */
static void refuse(wx_manager *m, const char *name, const char *wasm,
                   const char *funcs, const char *extra, wx_status status,
                   const char *prefix)
{
    wx_error err;
    size_t before = list_count(m);
    wx_status s = fx_add(m, name, wasm, funcs, extra, &err);
    CHECK_MSG(s == status, "%s: status %s, want %s (%s)", name,
              wx_status_name(s), wx_status_name(status), err.message);
    CHECK_MSG(strncmp(err.message, prefix, strlen(prefix)) == 0,
              "%s: message \"%s\" does not start with \"%s\"", name,
              err.message, prefix);
    CHECK(list_count(m) == before);
}

static void test_refusals(void)
{
    wx_manager *m = open_db("refuse.db");
    wx_error err;
    fx_copy_guest("math", "math.wasm");
    fx_copy_guest("other", "other.wasm");
    fx_copy_guest("badstart", "badstart.wasm");
    fx_copy_guest("needs", "needs.wasm");
    fx_write_text(fx_path("junk.wasm"), "this is not wasm");

    refuse(m, "p", "math.wasm", "[\"add\",\"rank\"]", "", WX_ENOEXPORT,
           "functions[1]: \"rank\" is not exported by math.wasm (exports: "
           "add, fib, mul64,");
    refuse(m, "p", "math.wasm", "[\"memory\"]", "", WX_EINVALID,
           "functions[0]: ");
    /* A reference parameter is json now (null only), not a number. */
    refuse(m, "p", "math.wasm",
           "[{\"name\":\"takes_ref\",\"params\":[\"i32\"]}]", "",
           WX_EINVALID, "functions[0]: params[0] is i32, but \"takes_ref\" "
                        "has funcref there");
    refuse(m, "p", "math.wasm",
           "[\"fib\",{\"name\":\"add\",\"params\":[\"i64\",\"i32\"]}]", "",
           WX_EINVALID, "functions[1]");
    refuse(m, "p", "math.wasm", "[{\"name\":\"add\",\"results\":[\"f32\"]}]",
           "", WX_EINVALID, "functions[0]");
    refuse(m, "p", "nope.wasm", "[\"add\"]", "", WX_EIO,
           "vm_config.path: cannot read ");
    refuse(m, "p", "junk.wasm", "[\"add\"]", "", WX_EMALFORMED,
           "vm_config.path: junk.wasm: ");
    refuse(m, "p", "badstart.wasm", "[\"never\"]", "", WX_ETRAP,
           "vm_config.path: badstart.wasm cannot be instantiated: ");
    refuse(m, "p", "needs.wasm", "[\"call_missing\"]", "", WX_EUNLINKABLE,
           "vm_config.path: needs.wasm cannot be instantiated: ");
    refuse(m, "p", "math.wasm", "[]", "", WX_EARG, "functions: ");
    refuse(m, "p", "math.wasm", "[\"add\"]", "\"instance_num\":0", WX_EARG,
           "instance_num: ");
    refuse(m, "bad name", "math.wasm", "[\"add\"]", "", WX_EARG, "name: ");

    char *cfg = fx_fmt("{\"name\":\"p\",\"vm_config\":{\"engine\":\"aot\","
                       "\"path\":\"math.wasm\"},\"functions\":[\"add\"]}");
    CHECK(wx_manager_add(m, cfg, tmp_dir, &err) == WX_EARG);
    CHECK_HAS(err.message, "vm_config.engine");
    free(cfg);
    CHECK(wx_manager_add(m, "{\"name\":", NULL, &err) == WX_EARG);
    /* Without an error object, failures are still reported by status. */
    CHECK(fx_add(m, "p", "math.wasm", "[\"rank\"]", "", NULL) == WX_ENOEXPORT);
    CHECK(fx_add(m, "p", "junk.wasm", "[\"add\"]", "", NULL) == WX_EMALFORMED);
    CHECK(wx_manager_add(m, "{}", NULL, NULL) == WX_EARG);
    CHECK(wx_manager_add_file(m, fx_path("none.json"), &err) == WX_EIO);

    /* Names: a plugin once, a function name in one plugin only. */
    CHECK(fx_add(m, "math", "math.wasm", "[\"add\",\"fib\"]", "", &err) ==
          WX_OK);
    refuse(m, "math", "math.wasm", "[\"add\"]", "", WX_EEXIST,
           "plugin \"math\" is already registered");
    refuse(m, "other", "other.wasm", "[\"triple\",\"add\"]", "", WX_EEXIST,
           "functions[1]: \"add\" is already provided by plugin math");
    CHECK(fx_add(m, "other", "other.wasm", "[\"triple\"]", "", &err) == WX_OK);
    CHECK(fx_update(m, "other", "other.wasm", "[\"add\"]", "", &err) ==
          WX_EEXIST);
    CHECK_HAS(err.message, "\"add\" is already provided by plugin math");
    CHECK_STR(fx_call(m, NULL, "triple", "[2]"), "[6]");
    CHECK_HAS(fx_call(m, NULL, "add", "[2, 1]"), "[3]");
    CHECK(fx_update(m, "ghost", "other.wasm", "[\"add\"]", "", &err) ==
          WX_ENOPLUGIN);
    CHECK_STR(err.message, "plugin \"ghost\" is not registered (add it "
                           "first)");
    /* A failed update leaves the old version serving. */
    CHECK(fx_update(m, "math", "junk.wasm", "[\"add\"]", "", &err) ==
          WX_EMALFORMED);
    CHECK_STR(fx_call(m, NULL, "fib", "[7]"), "[13]");
    /* Moving a name from one plugin to another: drop it first. */
    CHECK(fx_update(m, "math", "math.wasm", "[\"fib\"]", "", &err) == WX_OK);
    CHECK(fx_update(m, "other", "other.wasm", "[\"add\",\"triple\"]", "",
                    &err) == WX_OK);
    CHECK_STR(fx_call(m, NULL, "add", "[2, 1]"), "[1]");
    wx_manager_close(m);

    /* Read-only: no changes, calls still work. */
    wx_manager_opts ro = {.read_only = true};
    m = wx_manager_open(fx_path("refuse.db"), &ro, &err);
    CHECK(m != NULL);
    if (m) {
        CHECK(wx_manager_delete(m, "math", &err) == WX_EARG);
        CHECK_HAS(err.message, "read-only");
        CHECK_STR(fx_call(m, NULL, "fib", "[7]"), "[13]");
        wx_manager_close(m);
    }
}

/* ------------------------------------------------------------- reopen */

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

static void test_reopen(void)
{
    wx_error err;
    fx_copy_guest("math", "gone.wasm");
    fx_copy_guest("other", "other.wasm");
    fx_copy_guest("v1", "v1.wasm");
    wx_manager *m = open_db("reopen.db");
    CHECK(fx_add(m, "math", "gone.wasm", "[\"add\",\"fib\"]", "", &err) ==
          WX_OK);
    CHECK(fx_add(m, "other", "other.wasm", "[\"triple\"]", "", &err) == WX_OK);
    CHECK(fx_add(m, "hot", "v1.wasm", "[\"value\"]", "", &err) == WX_OK);
    wx_manager_close(m);

    /* The .wasm is gone: the stored bytes still load. */
    unlink(fx_path("gone.wasm"));
    m = open_db("reopen.db");
    CHECK(list_count(m) == 3);
    CHECK_STR(fx_call(m, NULL, "fib", "[10]"), "[55]");
    json_t *check = fx_json(manager_check(m, "math", NULL));
    CHECK(json_is_true(fx_at(check, "#0", "ok", NULL)));
    CHECK_HAS(fx_str(fx_at(check, "#0", "warnings", "#0", NULL)),
              "gone.wasm (No such file or directory); the stored module "
              "still runs");
    json_decref(check);
    /* A changed file is noticed too. */
    fx_copy_guest("v1", "other.wasm");
    check = fx_json(manager_check(m, "other", NULL));
    CHECK(json_is_true(fx_at(check, "#0", "ok", NULL)));
    CHECK_HAS(fx_str(fx_at(check, "#0", "warnings", "#0", NULL)),
              "differs from the stored module");
    json_decref(check);
    wx_manager_close(m);

    /* Damage: a valid digest of invalid bytes, bytes that do not match
     * their digest, a config that does not parse. */
    static const unsigned char junk[] = {0, 'a', 's', 'm', 1, 0, 0, 0, 0xff};
    char sha[WXG_SHA256_HEX];
    CHECK(wxg_sha256_hex(junk, sizeof junk, sha, NULL) == WX_OK);
    char *stmt = fx_fmt("UPDATE plugins SET wasm = x'0061736d01000000ff', "
                        "sha256 = '%s' WHERE name = 'math';"
                        "UPDATE plugins SET wasm = x'0061736d01000000' "
                        "WHERE name = 'other';",
                        sha);
    sql(fx_path("reopen.db"), stmt);
    free(stmt);
    m = open_db("reopen.db");
    json_t *list = fx_json(manager_list(m, NULL));
    CHECK(json_array_size(list) == 3);
    CHECK_STR(fx_str(fx_at(list, "#0", "name", NULL)), "hot");
    CHECK_STR(fx_str(fx_at(list, "#0", "status", NULL)), "ok");
    CHECK_HAS(fx_str(fx_at(list, "#1", "status", NULL)),
              "error: vm_config.path: gone.wasm: ");
    CHECK_HAS(fx_str(fx_at(list, "#2", "status", NULL)),
              "error: stored module is corrupt (sha256 ");
    /* The broken plugin keeps its functions listed. */
    CHECK_STR(fx_str(fx_at(list, "#1", "functions", "#1", NULL)), "fib");
    json_decref(list);
    CHECK_STR(fx_call(m, NULL, "value", "[]"), "[1]");
    char *res = NULL;
    wx_status s = call_json(m, NULL, "fib", "[3]", &res, &err);
    CHECK(s == WX_EMALFORMED);
    CHECK_HAS(err.message, "plugin \"math\" is in error: vm_config.path: ");
    check = fx_json(manager_check(m, NULL, NULL));
    CHECK(json_is_true(fx_at(check, "#0", "ok", NULL)));
    CHECK(json_is_false(fx_at(check, "#1", "ok", NULL)));
    CHECK_HAS(fx_str(fx_at(check, "#1", "problems", "#0", NULL)), "gone.wasm");
    CHECK(json_is_false(fx_at(check, "#2", "ok", NULL)));
    json_decref(check);
    json_t *show = fx_json(manager_show(m, "math", NULL));
    CHECK_HAS(fx_str(fx_at(show, "status", NULL)), "error: ");
    CHECK_STR(fx_str(fx_at(show, "config", "name", NULL)), "math");
    json_decref(show);
    /* Repair by update, and delete works on a broken plugin. */
    fx_copy_guest("math", "gone.wasm");
    s = fx_update(m, "math", "gone.wasm", "[\"add\",\"fib\"]", "", &err);
    CHECK_MSG(s == WX_OK, "%s", err.message);
    CHECK_STR(fx_call(m, NULL, "fib", "[10]"), "[55]");
    CHECK(wx_manager_delete(m, "other", &err) == WX_OK);
    wx_manager_close(m);

    sql(fx_path("reopen.db"), "UPDATE plugins SET config = '{' "
                              "WHERE name = 'hot'");
    m = open_db("reopen.db");
    list = fx_json(manager_list(m, NULL));
    CHECK(json_array_size(list) == 2);
    CHECK_HAS(fx_str(fx_at(list, "#0", "status", NULL)),
              "error: stored config: ");
    CHECK_STR(fx_str(fx_at(list, "#1", "status", NULL)), "ok");
    json_decref(list);
    CHECK_STR(fx_call(m, NULL, "fib", "[10]"), "[55]");
    CHECK_HAS(fx_call(m, "hot", "value", "[]"), "is in error: stored config");
    wx_manager_close(m);

    /* Two plugins claiming one name (only another writer can do that):
     * both load, the name is ambiguous, check says so. */
    sql(fx_path("reopen.db"),
        "INSERT INTO plugins SELECT 'twin', replace(config, '\"math\"', "
        "'\"twin\"'), wasm, sha256, created_ms, updated_ms, 1 FROM plugins "
        "WHERE name = 'math'");
    m = open_db("reopen.db");
    CHECK_STR(fx_call(m, NULL, "fib", "[1]"),
              "ERR:function \"fib\" is provided by several plugins (math, "
              "twin): call it as PLUGIN.fib");
    CHECK_STR(fx_call(m, NULL, "twin.fib", "[10]"), "[55]");
    check = fx_json(manager_check(m, "twin", NULL));
    CHECK(json_is_false(fx_at(check, "#0", "ok", NULL)));
    CHECK_STR(fx_str(fx_at(check, "#0", "problems", "#0", NULL)),
              "functions[0]: \"add\" is also provided by plugin math");
    json_decref(check);
    wx_manager_close(m);
}

/* ---------------------------------------------------- ABIs and limits */

static void test_guests(void)
{
    wx_error err;
    fx_copy_guest("wasi", "wasi.wasm");
    fx_copy_guest("upper", "upper.wasm");
    fx_copy_guest("math", "math.wasm");
    wx_manager *m = open_db("guests.db");
    wx_status s = fx_add(m, "w", "wasi.wasm", "[\"hello\"]",
                         "\"wasi\":{\"stdout\":\"discard\"}", &err);
    CHECK_MSG(s == WX_OK, "%s", err.message);
    CHECK_STR(fx_call(m, NULL, "hello", "[]"), "[0]");

    s = fx_add(m, "u", "upper.wasm",
               "[{\"name\":\"upper\",\"abi\":\"cstring\","
               "\"params\":[\"string\"],\"results\":[\"string\"]}]",
               "", &err);
    CHECK_MSG(s == WX_OK, "%s", err.message);
    CHECK_STR(fx_call(m, NULL, "upper", "[\"hello, World\"]"),
              "[\"HELLO, WORLD\"]");
    const char *a[] = {"abc"};
    CHECK_STR(fx_argv(m, NULL, "upper", 1, a), "ABC\n");
    CHECK_HAS(fx_call(m, NULL, "upper", "[42]"), "argument 1");
    wx_wasm_val v = wx_wasm_i32(0), r;
    CHECK(call_vals(m, NULL, "upper", &v, 1, &r, 1, &err) == WX_EARG);
    CHECK_HAS(err.message, "uses abi cstring");

    /* The adapters' typed path (manager.h): values convert by the
     * exact-fit rule. */
    wxa_value in;
    wxa_results out;
    CHECK(wxa_value_set(&in, WXA_STRING, "xyz", 3, &err) == WX_OK);
    s = call_values(m, NULL, "upper", &in, 1, &out, &err);
    CHECK_MSG(s == WX_OK, "%s", err.message);
    CHECK(s == WX_OK && out.count == 1 && out.values[0].type == WXA_STRING &&
          strcmp(out.values[0].of.buf.data, "XYZ") == 0);
    wxa_results_free(&out);
    wxa_value_free(&in);

    s = fx_add(m, "slow", "math.wasm", "[\"spin\",\"add\"]",
               "\"limits\":{\"timeout_ms\":50}", &err);
    CHECK_MSG(s == WX_OK, "%s", err.message);
    wxa_value two[2] = {wxa_value_int(WXA_I64, 40), wxa_value_f64(2.0)};
    s = call_values(m, NULL, "add", two, 2, &out, &err);
    CHECK(s == WX_OK && out.count == 1 && out.values[0].of.i == 42);
    wxa_results_free(&out);
    two[1] = wxa_value_f64(2.5);
    s = call_values(m, NULL, "add", two, 2, &out, &err);
    CHECK(s == WX_EARG);
    CHECK_HAS(err.message, "argument 2: 2.5 does not fit i32");
    CHECK(call_values(m, NULL, "add", two, 1, &out, &err) == WX_EARG);
    char *res = NULL;
    s = call_json(m, NULL, "spin", "[]", &res, &err);
    CHECK(s == WX_ETIMEOUT);
    CHECK_HAS(err.message, "50 ms");
    CHECK_STR(fx_call(m, NULL, "add", "[1, 2]"), "[3]");
    json_t *show = fx_json(manager_show(m, "slow", NULL));
    CHECK(json_integer_value(fx_at(show, "instances", "replaced", NULL)) == 1);
    CHECK(json_integer_value(fx_at(show, "functions", "#0", "errors", NULL)) ==
          1);
    json_decref(show);
    wx_manager_close(m);
}

/* Two managers on one registry file, as a daemon and the command line
 * would be: sync brings the other's changes in. */
static void test_sync(void)
{
    wx_error err;
    fx_copy_guest("v1", "v1.wasm");
    fx_copy_guest("v2", "v2.wasm");
    fx_copy_guest("other", "other.wasm");
    wx_manager *daemon = open_db("sync.db"), *cli = open_db("sync.db");
    CHECK(fx_add(cli, "hot", "v1.wasm", "[\"value\"]", "", &err) == WX_OK);
    CHECK(fx_add(cli, "other", "other.wasm", "[\"triple\"]", "", &err) ==
          WX_OK);
    CHECK_HAS(fx_call(daemon, NULL, "value", "[]"), "not found");
    CHECK(wx_manager_sync(daemon, &err) == WX_OK);
    CHECK_STR(fx_call(daemon, NULL, "value", "[]"), "[1]");
    wx_fn *value = wx_fn_get(daemon, NULL, "value", &err);
    CHECK(value != NULL);

    CHECK(fx_update(cli, "hot", "v2.wasm", "[\"value\"]", "", &err) == WX_OK);
    CHECK(wx_manager_delete(cli, "other", &err) == WX_OK);
    CHECK_STR(fx_call(daemon, NULL, "value", "[]"), "[1]");
    CHECK(wx_manager_sync(daemon, &err) == WX_OK);
    CHECK_STR(fx_call(daemon, NULL, "value", "[]"), "[2]");
    wx_wasm_val r;
    CHECK(value && wx_fn_call(value, NULL, 0, &r, 1, &err) == WX_OK &&
          r.of.i32 == 2);
    CHECK_HAS(fx_call(daemon, NULL, "triple", "[1]"), "not found");
    json_t *show = fx_json(manager_show(daemon, "hot", NULL));
    CHECK(json_integer_value(fx_at(show, "revision", NULL)) == 2);
    CHECK(json_integer_value(fx_at(show, "functions", "#0", "calls", NULL)) ==
          4);
    json_decref(show);
    /* Nothing changed: nothing reloads, the same version goes on. */
    CHECK(wx_manager_sync(daemon, &err) == WX_OK);
    CHECK(list_count(daemon) == 1);
    wx_fn_free(value);
    wx_manager_close(cli);
    wx_manager_close(daemon);
}

/* A follower thread: wx_manager_follow in a loop until told to stop. */
typedef struct follower {
    wx_manager *m;
    atomic_bool stop;
    int rounds, failed;
} follower;

static void *follow_loop(void *arg)
{
    follower *f = arg;
    while (!atomic_load(&f->stop)) {
        wx_error err;
        if (wx_manager_follow(f->m, 200, &err) != WX_OK)
            f->failed++;
        f->rounds++;
    }
    return NULL;
}

/* Polls `func` on `m` until it answers `want`: the number of tries (of
 * 50, 100 ms apart), or 0 if it never did. */
static int poll_answer(wx_manager *m, const char *func, const char *want)
{
    for (int i = 1; i <= 50; i++) {
        if (strcmp(fx_call(m, NULL, func, "[]"), want) == 0)
            return i;
        usleep(100000);
    }
    return 0;
}

static wx_registry_health health_of(wx_manager *m)
{
    wx_registry_health h;
    wx_manager_registry_health(m, &h);
    return h;
}

/* The registry revision makes a sync cheap: nothing re-read when nothing
 * changed, and a manager's own changes are not taken for another's. */
static void test_sync_revision(void)
{
    wx_error err;
    fx_copy_guest("v1", "v1.wasm");
    fx_copy_guest("v2", "v2.wasm");
    wx_manager *daemon = open_db("rev.db"), *cli = open_db("rev.db");
    wx_registry_health h = health_of(daemon);
    CHECK(h.up && h.revision == 0 && h.syncs == 0 && h.resyncs == 0);

    CHECK(wx_manager_sync(daemon, &err) == WX_OK);
    h = health_of(daemon);
    CHECK(h.syncs == 1 && h.resyncs == 0 && h.revision == 0);

    CHECK(fx_add(cli, "hot", "v1.wasm", "[\"value\"]", "", &err) == WX_OK);
    CHECK(wx_manager_sync(daemon, &err) == WX_OK);
    h = health_of(daemon);
    CHECK(h.syncs == 2 && h.resyncs == 1 && h.revision == 1);
    CHECK_STR(fx_call(daemon, NULL, "value", "[]"), "[1]");

    /* Its own change: the revision it made is the one it has. */
    CHECK(fx_update(daemon, "hot", "v2.wasm", "[\"value\"]", "", &err) ==
          WX_OK);
    h = health_of(daemon);
    CHECK(h.revision == 2 && h.resyncs == 1);
    CHECK(wx_manager_sync(daemon, &err) == WX_OK);
    CHECK(health_of(daemon).resyncs == 1);

    /* Its own change after another's it has not synced: the next sync
     * still reads the list, and finds both. */
    CHECK(wx_manager_delete(cli, "hot", &err) == WX_OK);
    CHECK(fx_add(daemon, "hot", "v1.wasm", "[\"value\"]", "", &err) ==
          WX_EEXIST);
    CHECK(wx_manager_sync(daemon, &err) == WX_OK);
    h = health_of(daemon);
    CHECK(h.resyncs == 2 && h.revision == 3);
    CHECK_HAS(fx_call(daemon, NULL, "value", "[]"), "not found");
    CHECK(h.sync_failures == 0 && h.error[0] == '\0');
    wx_manager_close(cli);
    wx_manager_close(daemon);
}

/* wx_manager_follow on its own thread: another process's changes reach
 * the manager within the bounded polls, hot, while calls go on. */
static void test_follow(void)
{
    wx_error err;
    fx_copy_guest("v1", "v1.wasm");
    fx_copy_guest("v2", "v2.wasm");
    wx_manager *daemon = open_db("follow.db"), *cli = open_db("follow.db");
    follower f = {.m = daemon};
    atomic_init(&f.stop, false);
    pthread_t t;
    CHECK(pthread_create(&t, NULL, follow_loop, &f) == 0);

    CHECK(fx_add(cli, "hot", "v1.wasm", "[\"value\"]", "", &err) == WX_OK);
    CHECK_MSG(poll_answer(daemon, "value", "[1]") > 0,
              "the add did not reach the follower");
    wx_fn *value = wx_fn_get(daemon, NULL, "value", &err);
    CHECK(value != NULL);
    CHECK(fx_update(cli, "hot", "v2.wasm", "[\"value\"]", "", &err) == WX_OK);
    CHECK_MSG(poll_answer(daemon, "value", "[2]") > 0,
              "the update did not reach the follower");
    /* The handle taken before follows the swap, like a local update. */
    wx_wasm_val r;
    CHECK(value && wx_fn_call(value, NULL, 0, &r, 1, &err) == WX_OK &&
          r.of.i32 == 2);
    CHECK(wx_manager_delete(cli, "hot", &err) == WX_OK);
    int tries = 1;
    for (; tries <= 50 && list_count(daemon) != 0; tries++)
        usleep(100000);
    CHECK_MSG(list_count(daemon) == 0, "the delete did not reach the "
                                       "follower in 50 polls");

    atomic_store(&f.stop, true);
    pthread_join(t, NULL);
    CHECK(f.rounds > 0 && f.failed == 0);
    wx_registry_health h = health_of(daemon);
    CHECK(h.up && h.revision == 3 && h.resyncs == 3);
    CHECK(h.syncs == (uint64_t)f.rounds);
    wx_fn_free(value);
    wx_manager_close(cli);
    wx_manager_close(daemon);
}

static void test_default_path(void)
{
    wx_error err;
    setenv("WASMEXT_DB", "/x/y.db", 1);
    char *p = wx_manager_default_db(&err);
    CHECK_STR(p ? p : "", "/x/y.db");
    wx_free(p);
    unsetenv("WASMEXT_DB");
    setenv("XDG_DATA_HOME", "/data", 1);
    p = wx_manager_default_db(&err);
    CHECK_STR(p ? p : "", "/data/wasmext/registry.db");
    wx_free(p);
    unsetenv("XDG_DATA_HOME");
    setenv("HOME", "/home/u", 1);
    p = wx_manager_default_db(&err);
    CHECK_STR(p ? p : "", "/home/u/.local/share/wasmext/registry.db");
    wx_free(p);
    unsetenv("HOME");
    CHECK(wx_manager_default_db(&err) == NULL && err.status == WX_EARG);
    /* NULL opens the default, which is created with its directories. */
    setenv("WASMEXT_DB", fx_path("deep/dir/r.db"), 1);
    wx_manager *m = wx_manager_open(NULL, NULL, &err);
    CHECK_MSG(m != NULL, "%s", err.message);
    if (m) {
        CHECK_STR(wx_manager_db_path(m), fx_path("deep/dir/r.db"));
        wx_manager_close(m);
    }
    CHECK(access(fx_path("deep/dir/r.db"), F_OK) == 0);
    fx_write_text(fx_path("notdb"), "not a database, certainly not one");
    CHECK(wx_manager_open(fx_path("notdb"), NULL, &err) == NULL);
    CHECK(err.status == WX_EIO);
}

int main(int argc, char **argv)
{
    fx_setup(argc, argv);
    test_round_trip();
    test_refusals();
    test_reopen();
    test_guests();
    test_sync();
    test_sync_revision();
    test_follow();
    test_default_path();
    fx_teardown();
    return CHECK_DONE();
}
