/*
 * The typed reports and converters of include/wasmext.h on a real
 * registry: wx_manager_plugins with and without WX_INFO_DETAIL and
 * WX_INFO_CHECK (names in order, function types, counters after calls
 * and their errors by status,
 * the instance pool, the problems of a plugin whose stored module is
 * broken, a lazy manager, the refusal of an unknown name), their JSON
 * form, and wx_values_from_json / _from_argv / _to_json / _to_text (exact
 * fit, counts, a round trip through every kind of type). argv[1] names
 * the guest directory.
 */
#include "fixture.h"
#include "registry.h"
#include "wasmext/defaults.h"

#include <sqlite3.h>
#include <sys/stat.h>

/* bindgen functions declare their types (the module cannot say them). */
static const char *bg_funcs =
    "[{\"name\":\"echo\",\"abi\":\"bindgen\",\"params\":[\"string\"],"
    "\"results\":[\"string\"]}]";
static const char *math_funcs =
    "[{\"name\":\"add\",\"params\":[\"u8\",\"i32\"],\"results\":[\"i32\"]},"
    "\"fib\"]";

static wx_manager *open_db(const char *file, bool lazy)
{
    wx_error err;
    wx_manager_opts o = {.lazy = lazy};
    wx_manager *m = wx_manager_open(fx_path(file), &o, &err);
    CHECK_MSG(m != NULL, "open: %s", err.message);
    if (!m)
        exit(1);
    return m;
}

static void sql(const char *db, const char *stmt)
{
    sqlite3 *h;
    char *msg = NULL;
    if (sqlite3_open(db, &h) != SQLITE_OK ||
        sqlite3_exec(h, stmt, NULL, NULL, &msg) != SQLITE_OK) {
        fprintf(stderr, "sqlite: %s\n", msg ? msg : sqlite3_errmsg(h));
        exit(2);
    }
    sqlite3_close(h);
}

static const wx_function_info *find_fn(const wx_plugin_info *p,
                                       const char *name)
{
    for (uint32_t i = 0; i < p->nfunctions; i++)
        if (strcmp(p->functions[i].name, name) == 0)
            return &p->functions[i];
    return NULL;
}

static const wx_export_info *find_export(const wx_plugin_info *p,
                                         const char *name)
{
    for (uint32_t i = 0; i < p->nexports; i++)
        if (strcmp(p->exports[i].name, name) == 0)
            return &p->exports[i];
    return NULL;
}

/* The registry of these tests: zeta (other.wasm), math, bg (bindgen),
 * added in that order so that the snapshot has to sort them. */
static wx_manager *populate(void)
{
    fx_copy_guest("other", "other.wasm");
    fx_copy_guest("math", "math.wasm");
    fx_copy_guest("bindgen", "bindgen.wasm");
    wx_manager *m = open_db("snap.db", false);
    wx_error err;
    wx_status s = fx_add(m, "zeta", "other.wasm", "[\"triple\"]",
                         "\"version\":\"0.3\",\"description\":\"times 3\"",
                         &err);
    CHECK_MSG(s == WX_OK, "zeta: %s", err.message);
    s = fx_add(m, "math", "math.wasm", math_funcs, "\"instance_num\":2", &err);
    CHECK_MSG(s == WX_OK, "math: %s", err.message);
    s = fx_add(m, "bg", "bindgen.wasm", bg_funcs, "", &err);
    CHECK_MSG(s == WX_OK, "bg: %s", err.message);
    return m;
}

/* ------------------------------------------------------------ summary */

static void test_summary(wx_manager *m)
{
    wx_plugin_list list;
    wx_error err;
    CHECK(wx_manager_plugins(m, NULL, 0, &list, &err) == WX_OK);
    CHECK(list.count == 3);
    if (list.count != 3)
        return;
    CHECK_STR(list.plugins[0].name, "bg");
    CHECK_STR(list.plugins[1].name, "math");
    CHECK_STR(list.plugins[2].name, "zeta");
    for (size_t i = 0; i < list.count; i++) {
        const wx_plugin_info *p = &list.plugins[i];
        CHECK(p->loaded && p->error == NULL && p->error_status == WX_OK);
        CHECK_STR(p->engine, "interp");
        CHECK(p->revision == 1 && p->calls == 0 && p->errors == 0);
        /* Detail and check parts are left out. */
        CHECK(p->sha256[0] == '\0' && p->wasm_bytes == 0 && !p->config);
        CHECK(p->nexports == 0 && !p->exports && p->instances.total == 0);
        CHECK(p->nproblems == 0 && p->nwarnings == 0 && !p->problems);
    }
    const wx_plugin_info *zeta = &list.plugins[2];
    CHECK_STR(zeta->version ? zeta->version : "", "0.3");
    CHECK_STR(zeta->description ? zeta->description : "", "times 3");
    CHECK(list.plugins[1].version == NULL);
    CHECK(list.plugins[1].instance_num == 2);

    /* Declared types, and the ones the signature implies. */
    const wx_plugin_info *math = &list.plugins[1];
    CHECK(math->nfunctions == 2);
    const wx_function_info *add = find_fn(math, "add");
    CHECK(add && add->abi == WX_ABI_NUMERIC && add->loaded &&
          add->results_known);
    CHECK(add && add->nparams == 2 && add->params[0] == WX_TYPE_U8 &&
          add->params[1] == WX_TYPE_I32);
    CHECK(add && add->nresults == 1 && add->results[0] == WX_TYPE_I32);
    CHECK_STR(add && add->signature ? add->signature : "",
              "(i32, i32) -> (i32)");
    const wx_function_info *fib = find_fn(math, "fib");
    CHECK(fib && fib->nparams == 1 && fib->params[0] == WX_TYPE_I32 &&
          fib->nresults == 1 && fib->results[0] == WX_TYPE_I32);
    const wx_function_info *echo = find_fn(&list.plugins[0], "echo");
    CHECK(echo && echo->abi == WX_ABI_BINDGEN && echo->results_known &&
          echo->nparams == 1 && echo->params[0] == WX_TYPE_STRING &&
          echo->nresults == 1 && echo->results[0] == WX_TYPE_STRING);

    /* The list's JSON is the old list text. */
    char *text = wx_plugin_list_to_json(&list, false, &err);
    json_t *j = fx_json(text);
    CHECK(json_array_size(j) == 3);
    CHECK_STR(fx_str(fx_at(j, "#1", "name", NULL)), "math");
    CHECK_STR(fx_str(fx_at(j, "#1", "status", NULL)), "ok");
    CHECK_STR(fx_str(fx_at(j, "#1", "functions", "#0", NULL)), "add");
    CHECK(json_integer_value(fx_at(j, "#1", "instances", NULL)) == 2);
    CHECK(json_is_null(fx_at(j, "#1", "version", NULL)));
    json_decref(j);
    wx_plugin_list_free(&list);
    /* Freeing again, and a zeroed list, are harmless. */
    wx_plugin_list_free(&list);
    CHECK(list.count == 0 && list.plugins == NULL);
    wx_plugin_list_free(NULL);
}

/* ----------------------------------------------------------- counters */

/* add: 2 typed calls (one refused by the call), 1 bare; fib: 1 by JSON. */
static void make_calls(wx_manager *m)
{
    wx_error err;
    wx_fn *add = wx_fn_get(m, NULL, "add", &err);
    CHECK_MSG(add != NULL, "%s", err.message);
    if (!add)
        return;
    wx_value args[2] = {wx_value_u8(2), wx_value_i32(3)};
    wx_values out;
    CHECK(wx_fn_call_values(add, args, 2, &out, &err) == WX_OK &&
          out.count == 1 && out.values[0].of.i == 5);
    wx_values_free(&out);
    args[0] = wx_value_i64(300);
    CHECK(wx_fn_call_values(add, args, 2, &out, &err) == WX_EARG);
    CHECK_STR(err.message, "argument 1: 300 does not fit u8 exactly");
    wx_wasm_val raw[2] = {wx_wasm_i32(40), wx_wasm_i32(2)}, r;
    CHECK(wx_fn_call(add, raw, 2, &r, 1, &err) == WX_OK && r.of.i32 == 42);
    wx_fn_free(add);
    CHECK_STR(fx_call(m, "math", "fib", "[10]"), "[55]");
}

static void test_counters(wx_manager *m)
{
    make_calls(m);
    wx_plugin_list list;
    wx_error err;
    CHECK(wx_manager_plugins(m, "math", 0, &list, &err) == WX_OK);
    CHECK(list.count == 1);
    if (list.count != 1)
        return;
    const wx_plugin_info *p = &list.plugins[0];
    const wx_function_info *add = find_fn(p, "add");
    const wx_function_info *fib = find_fn(p, "fib");
    CHECK_MSG(add && add->calls == 3 && add->errors == 1,
              "add: %llu calls, %llu errors",
              add ? (unsigned long long)add->calls : 0ull,
              add ? (unsigned long long)add->errors : 0ull);
    CHECK(fib && fib->calls == 1 && fib->errors == 0);
    /* The typed call refused its argument inside the manager: an "arg". */
    CHECK(add && add->errors_by_status[WX_EARG] == 1);
    /* The plugin's counters are its functions' together. */
    CHECK(p->calls == 4 && p->errors == 1);
    wx_plugin_list_free(&list);

    /* wx_fn_describe reads the same counters. */
    wx_fn *fn = wx_fn_get(m, "math", "add", &err);
    wx_function_info info;
    CHECK(fn && wx_fn_describe(fn, &info, &err) == WX_OK);
    CHECK(fn && info.calls == 3 && info.errors == 1 &&
          strcmp(info.name, "add") == 0 && info.loaded);
    wx_fn_free(fn);
}

/* A snapshot of the one plugin `name` into *list; its function `func`. */
static const wx_function_info *snap_fn(wx_manager *m, const char *name,
                                       const char *func,
                                       wx_plugin_list *list)
{
    wx_error err;
    if (wx_manager_plugins(m, name, 0, list, &err) != WX_OK ||
        list->count != 1) {
        CHECK_MSG(false, "%s: no snapshot: %s", name, err.message);
        return NULL;
    }
    const wx_function_info *f = find_fn(&list->plugins[0], func);
    CHECK_MSG(f != NULL, "%s: no function %s", name, func);
    return f;
}

/* errors_by_status[] of f sums to f->errors, and WX_OK's slot is 0. */
static void check_errors_sum(const wx_function_info *f)
{
    uint64_t sum = 0;
    for (int s = 0; s < WX_STATUS_COUNT_; s++)
        sum += f->errors_by_status[s];
    CHECK_MSG(sum == f->errors && f->errors_by_status[WX_OK] == 0,
              "%s: errors %llu, by status %llu", f->name,
              (unsigned long long)f->errors, (unsigned long long)sum);
}

/* A trap and a timeout, each counted under its status; the JSON form
 * names them; a plugin added again counts from 0. */
static void test_errors_by_status(wx_manager *m)
{
    wx_error err;
    wx_status s = fx_add(m, "errs", "math.wasm", "[\"div\", \"spin\"]",
                         "\"limits\":{\"timeout_ms\":50}", &err);
    CHECK_MSG(s == WX_OK, "errs: %s", err.message);
    wx_fn *div = wx_fn_get(m, "errs", "div", &err);
    wx_fn *spin = wx_fn_get(m, "errs", "spin", &err);
    CHECK(div && spin);
    if (!div || !spin)
        return;
    wx_wasm_val r, zero[2] = {wx_wasm_i32(1), wx_wasm_i32(0)},
                   ok[2] = {wx_wasm_i32(6), wx_wasm_i32(3)};
    CHECK(wx_fn_call(div, zero, 2, &r, 1, &err) == WX_ETRAP);
    CHECK(wx_fn_call(div, zero, 2, &r, 1, &err) == WX_ETRAP);
    CHECK(wx_fn_call(div, ok, 2, &r, 1, &err) == WX_OK && r.of.i32 == 2);
    CHECK(wx_fn_call(spin, NULL, 0, NULL, 0, &err) == WX_ETIMEOUT);

    wx_plugin_list list;
    const wx_function_info *f = snap_fn(m, "errs", "div", &list);
    if (f) {
        CHECK(f->calls == 3 && f->errors == 2);
        CHECK(f->errors_by_status[WX_ETRAP] == 2);
        check_errors_sum(f);
    }
    f = list.count ? find_fn(&list.plugins[0], "spin") : NULL;
    CHECK(f && f->calls == 1 && f->errors == 1 &&
          f->errors_by_status[WX_ETIMEOUT] == 1);
    if (f)
        check_errors_sum(f);
    CHECK(list.count && list.plugins[0].errors == 3);
    wx_plugin_list_free(&list);
    /* The detailed report's functions name the statuses that happened. */
    json_t *j = fx_json(manager_show(m, "errs", &err));
    CHECK(json_integer_value(
              fx_at(j, "functions", "#0", "errors_by", "trap", NULL)) == 2);
    CHECK(json_object_size(fx_at(j, "functions", "#0", "errors_by", NULL)) ==
          1);
    CHECK(json_integer_value(
              fx_at(j, "functions", "#1", "errors_by", "timeout", NULL)) == 1);
    json_decref(j);

    /* wx_fn_describe reads the same slots. */
    wx_function_info info;
    CHECK(wx_fn_describe(div, &info, &err) == WX_OK &&
          info.errors_by_status[WX_ETRAP] == 2 && info.errors == 2);
    wx_fn_free(div);
    wx_fn_free(spin);

    /* Deleted and added again: a new plugin, its counters from 0. */
    CHECK(wx_manager_delete(m, "errs", &err) == WX_OK);
    s = fx_add(m, "errs", "math.wasm", "[\"div\", \"spin\"]", "", &err);
    CHECK_MSG(s == WX_OK, "errs again: %s", err.message);
    f = snap_fn(m, "errs", "div", &list);
    CHECK(f && f->calls == 0 && f->errors == 0 &&
          f->errors_by_status[WX_ETRAP] == 0);
    wx_plugin_list_free(&list);
    CHECK(wx_manager_delete(m, "errs", &err) == WX_OK);
}

/* ------------------------------------------------------------- detail */

static void test_detail(wx_manager *m)
{
    wx_plugin_list list;
    wx_error err;
    CHECK(wx_manager_plugins(m, "math", WX_INFO_DETAIL, &list, &err) ==
          WX_OK);
    CHECK(list.count == 1);
    if (list.count != 1)
        return;
    const wx_plugin_info *p = &list.plugins[0];
    CHECK_STR(p->name, "math");

    /* The digest and size of the very bytes registered. */
    FILE *f = fopen(fx_path("math.wasm"), "rb");
    static unsigned char buf[1 << 16];
    size_t n = f ? fread(buf, 1, sizeof buf, f) : 0;
    if (f)
        fclose(f);
    char sha[WXG_SHA256_HEX];
    CHECK(wxg_sha256_hex(buf, n, sha, NULL) == WX_OK);
    CHECK_STR(p->sha256, sha);
    CHECK(p->wasm_bytes == n && n > 0);
    CHECK(p->created_ms > 0 && p->updated_ms >= p->created_ms);

    /* The canonical config names the plugin. */
    json_t *cfg = p->config ? json_loads(p->config, 0, NULL) : NULL;
    CHECK_STR(fx_str(fx_at(cfg, "name", NULL)), "math");
    CHECK_HAS(fx_str(fx_at(cfg, "vm_config", "path", NULL)), "/math.wasm");
    json_decref(cfg);

    /* Every export, functions with their signature. */
    const wx_export_info *mem = find_export(p, "memory");
    CHECK(mem && mem->kind == WX_EXTERN_MEMORY && mem->signature == NULL);
    const wx_export_info *mul = find_export(p, "mul64");
    CHECK(mul && mul->kind == WX_EXTERN_FUNC);
    CHECK_STR(mul && mul->signature ? mul->signature : "",
              "(i64, i64) -> (i64)");
    CHECK(find_export(p, "spin") != NULL); /* exported, not listed */

    /* The pool: instance_num instances, none busy now. */
    CHECK_MSG(p->instances.total == 2, "total %u", p->instances.total);
    CHECK(p->instances.busy == 0 && p->instances.waiting == 0);
    CHECK(p->instances.idle + p->instances.empty == p->instances.total);
    /* Guest output: nothing written, the default limits. */
    CHECK(p->output.lines == 0 && p->output.dropped_lines == 0);
    CHECK(p->output.rate_bytes_per_s == WX_DEFAULT_GUEST_LOG_RATE);
    CHECK(p->output.line_max == WX_GUEST_LINE_MAX);
    /* No check part asked for. */
    CHECK(p->nproblems == 0 && p->problems == NULL);

    /* The one-plugin JSON is the old show object. */
    json_t *j = fx_json(wx_plugin_list_to_json(&list, true, &err));
    CHECK_STR(fx_str(fx_at(j, "sha256", NULL)), sha);
    CHECK_STR(fx_str(fx_at(j, "functions", "#0", "params", "#0", NULL)),
              "u8");
    CHECK(json_integer_value(fx_at(j, "functions", "#0", "calls", NULL)) ==
          3);
    CHECK(json_integer_value(fx_at(j, "instances", "total", NULL)) == 2);
    json_decref(j);
    wx_plugin_list_free(&list);

    /* An empty snapshot has no first plugin to show. */
    CHECK(wx_plugin_list_to_json(&list, true, &err) == NULL &&
          err.status == WX_EARG);
}

/* -------------------------------------------------- unknown and broken */

static void test_unknown(wx_manager *m)
{
    wx_plugin_list list = {.count = 7};
    wx_error err;
    unsigned flags[] = {0, WX_INFO_DETAIL, WX_INFO_CHECK};
    for (size_t i = 0; i < sizeof flags / sizeof *flags; i++) {
        CHECK(wx_manager_plugins(m, "ghost", flags[i], &list, &err) ==
              WX_ENOPLUGIN);
        CHECK_STR(err.message,
                  fx_in_registry(m, "plugin \"ghost\" not found"));
        CHECK(list.count == 0 && list.plugins == NULL);
    }
    wx_plugin_list_free(&list);
}

/* zeta's stored module replaced by bytes that are no module, with their
 * own digest (so the registry hands them over and loading fails). */
static void break_zeta(void)
{
    static const unsigned char junk[] = {0, 'a', 's', 'm', 1, 0, 0, 0, 0xff};
    char sha[WXG_SHA256_HEX];
    CHECK(wxg_sha256_hex(junk, sizeof junk, sha, NULL) == WX_OK);
    char *stmt = fx_fmt("UPDATE plugins SET wasm = x'0061736d01000000ff', "
                        "sha256 = '%s' WHERE name = 'zeta'",
                        sha);
    sql(fx_path("snap.db"), stmt);
    free(stmt);
}

static void test_broken(void)
{
    break_zeta();
    wx_manager *m = open_db("snap.db", false);
    wx_plugin_list list;
    wx_error err;
    wx_status s = wx_manager_plugins(m, NULL, WX_INFO_CHECK | WX_INFO_DETAIL,
                                     &list, &err);
    CHECK_MSG(s == WX_OK, "%s", err.message);
    CHECK(list.count == 3);
    if (list.count == 3) {
        const wx_plugin_info *z = &list.plugins[2];
        CHECK_STR(z->name, "zeta");
        CHECK(z->error != NULL && z->error_status == WX_EMALFORMED);
        /* The broken plugin keeps its function, with no types. */
        CHECK(z->nfunctions == 1);
        CHECK(z->nfunctions == 1 && !z->functions[0].loaded &&
              strcmp(z->functions[0].name, "triple") == 0 &&
              z->functions[0].nparams == 0 && !z->functions[0].signature);
        CHECK(z->nproblems >= 1);
        CHECK_STR(z->nproblems ? z->problems[0] : "", z->error ? z->error : "");
        /* The others are sound; math.wasm is still where it was. */
        for (size_t i = 0; i < 2; i++) {
            const wx_plugin_info *p = &list.plugins[i];
            CHECK(p->error == NULL && p->nproblems == 0 && p->nwarnings == 0);
            CHECK(p->sha256[0] != '\0'); /* both parts filled */
        }
        /* A call to it fails with the status the snapshot gives. */
        wx_fn *fn = wx_fn_get(m, NULL, "triple", &err);
        CHECK(fn == NULL && err.status == z->error_status);
        CHECK_HAS(err.message, "plugin \"zeta\" is in error: ");
        wx_fn_free(fn);
        /* The check JSON: the old check entries. */
        json_t *j = fx_json(wx_plugin_list_to_json(&list, false, &err));
        CHECK(json_is_true(fx_at(j, "#0", "ok", NULL)));
        CHECK(json_is_false(fx_at(j, "#2", "ok", NULL)));
        CHECK_STR(fx_str(fx_at(j, "#2", "problems", "#0", NULL)), z->error);
        json_decref(j);
    }
    wx_plugin_list_free(&list);

    /* A moved .wasm is a warning, not a problem. */
    CHECK(rename(fx_path("math.wasm"), fx_path("moved.wasm")) == 0);
    CHECK(wx_manager_plugins(m, "math", WX_INFO_CHECK, &list, &err) == WX_OK);
    if (list.count == 1) {
        CHECK(list.plugins[0].nproblems == 0);
        CHECK(list.plugins[0].nwarnings == 1);
        CHECK_HAS(list.plugins[0].nwarnings ? list.plugins[0].warnings[0]
                                            : "",
                  "the stored module still runs");
        /* Check only: the detail part stays empty. */
        CHECK(list.plugins[0].sha256[0] == '\0');
    }
    wx_plugin_list_free(&list);
    CHECK(rename(fx_path("moved.wasm"), fx_path("math.wasm")) == 0);
    wx_manager_close(m);
}

/* A lazy manager reports plugins unloaded until something needs them. */
static void test_lazy(void)
{
    wx_manager *m = open_db("snap.db", true);
    wx_plugin_list list;
    wx_error err;
    CHECK(wx_manager_plugins(m, "math", 0, &list, &err) == WX_OK);
    if (list.count == 1) {
        const wx_plugin_info *p = &list.plugins[0];
        CHECK(!p->loaded && p->error == NULL && p->nfunctions == 2);
        CHECK(p->nfunctions == 2 && !p->functions[0].loaded &&
              p->functions[0].nparams == 0);
    }
    wx_plugin_list_free(&list);
    CHECK(wx_manager_plugins(m, "math", WX_INFO_DETAIL, &list, &err) ==
          WX_OK);
    if (list.count == 1) {
        const wx_plugin_info *p = &list.plugins[0];
        CHECK(p->loaded && p->functions[0].loaded &&
              p->functions[0].nparams == 2);
    }
    wx_plugin_list_free(&list);
    wx_manager_close(m);
}

/* ---------------------------------------------------------- converters */

/* add(u8, i32) as a caller could describe it by hand. */
static wx_function_info add_info(void)
{
    wx_function_info f = {.name = "add",
                          .abi = WX_ABI_NUMERIC,
                          .loaded = true,
                          .results_known = true,
                          .nparams = 2,
                          .nresults = 1,
                          .params = {WX_TYPE_U8, WX_TYPE_I32},
                          .results = {WX_TYPE_I32}};
    return f;
}

static void test_from_json(void)
{
    wx_function_info f = add_info();
    wx_values v;
    wx_error err;
    const char *ok = "[2.0, -3]";
    CHECK(wx_values_from_json(&f, ok, strlen(ok), &v, &err) == WX_OK);
    CHECK(v.count == 2 && v.values[0].type == WX_TYPE_U8 &&
          v.values[0].of.u == 2 && v.values[1].type == WX_TYPE_I32 &&
          v.values[1].of.i == -3);
    wx_values_free(&v);
    wx_values_free(&v);
    CHECK(v.count == 0);

    const char *big = "[300, 1]";
    CHECK(wx_values_from_json(&f, big, strlen(big), &v, &err) == WX_EARG);
    CHECK_STR(err.message, "argument 1: 300 does not fit u8 exactly");
    CHECK(v.count == 0);
    const char *frac = "[1, 1.5]";
    CHECK(wx_values_from_json(&f, frac, strlen(frac), &v, &err) == WX_EARG);
    CHECK_HAS(err.message, "argument 2: ");
    const char *one = "[1]";
    CHECK(wx_values_from_json(&f, one, strlen(one), &v, &err) == WX_EARG);
    CHECK_STR(err.message, "add: expected 2 arguments, got 1");
    CHECK(wx_values_from_json(&f, NULL, 0, &v, &err) == WX_EARG);
    CHECK_STR(err.message, "add: expected 2 arguments, got 0");
    const char *obj = "{\"a\":1}";
    CHECK(wx_values_from_json(&f, obj, strlen(obj), &v, &err) == WX_EARG);
    CHECK_STR(err.message, "arguments: must be a JSON array, e.g. [1, 2]");
    const char *bad = "[1, 2";
    CHECK(wx_values_from_json(&f, bad, strlen(bad), &v, &err) == WX_EARG);
    CHECK_HAS(err.message, "arguments: invalid JSON at line 1");
    /* `len` bounds the text: the rest is not read. */
    const char *longer = "[7, 8]garbage";
    CHECK(wx_values_from_json(&f, longer, 6, &v, &err) == WX_OK &&
          v.count == 2 && v.values[1].of.i == 8);
    wx_values_free(&v);
}

static void test_from_argv(void)
{
    wx_function_info f = add_info();
    wx_values v;
    wx_error err;
    const char *a1[] = {"0x10", "-1"};
    CHECK(wx_values_from_argv(&f, 2, a1, &v, &err) == WX_OK);
    CHECK(v.count == 2 && v.values[0].of.u == 16 && v.values[1].of.i == -1);
    wx_values_free(&v);
    const char *a2[] = {"256", "1"};
    CHECK(wx_values_from_argv(&f, 2, a2, &v, &err) == WX_EARG);
    CHECK_HAS(err.message, "argument 1: ");
    CHECK(v.count == 0);
    const char *a3[] = {"1", "x"};
    CHECK(wx_values_from_argv(&f, 2, a3, &v, &err) == WX_EARG);
    CHECK_HAS(err.message, "argument 2: ");
    CHECK(v.count == 0);
    CHECK(wx_values_from_argv(&f, 1, a1, &v, &err) == WX_EARG);
    CHECK_STR(err.message, "add: expected 2 arguments, got 1");
}

/* One value of each kind through JSON, text, command-line text and JSON
 * again: the converters agree with each other. */
static void test_round_trip(void)
{
    static const wx_type types[] = {
        WX_TYPE_U8,    WX_TYPE_I64,   WX_TYPE_F64,  WX_TYPE_BOOL,
        WX_TYPE_CHAR,  WX_TYPE_STRING, WX_TYPE_BYTES, WX_TYPE_JSON,
        WX_TYPE_VEC_U16};
    wx_function_info f = {.name = "all", .loaded = true,
                          .nparams = sizeof types / sizeof *types};
    memcpy(f.params, types, sizeof types);
    const char *json = "[200,-9007199254740993,1.5,true,\"\xc3\xa9\","
                       "\"a\\\"b\",\"AAEC\",{\"k\":[1,2]},[1,65535]]";
    wx_values v;
    wx_error err;
    wx_status s = wx_values_from_json(&f, json, strlen(json), &v, &err);
    CHECK_MSG(s == WX_OK, "%s", err.message);
    if (s != WX_OK)
        return;
    CHECK(v.count == f.nparams);
    for (uint32_t i = 0; i < v.count; i++)
        CHECK_MSG(v.values[i].type == types[i], "value %u is %s", i,
                  wx_type_name(v.values[i].type));
    CHECK(v.values[1].of.i == -9007199254740993LL);
    CHECK(v.values[4].of.ch == 0xE9);
    CHECK(v.values[6].of.buf.len == 3 &&
          memcmp(v.values[6].of.buf.data, "\0\1\2", 3) == 0);
    CHECK(v.values[7].of.buf.len == 11 &&
          memcmp(v.values[7].of.buf.data, "{\"k\":[1,2]}", 11) == 0);
    const uint16_t *elems = v.values[8].of.vec.data;
    CHECK(v.values[8].of.vec.count == 2 && elems[0] == 1 &&
          elems[1] == 65535);

    char *back = wx_values_to_json(v.values, v.count, &err);
    CHECK_STR(back ? back : "", json);
    wx_free(back);
    char *text = wx_values_to_text(v.values, v.count, 0, &err);
    CHECK_STR(text ? text : "",
              "200\n-9007199254740993\n1.5\ntrue\n\xc3\xa9\na\"b\n000102\n"
              "{\"k\":[1,2]}\n[1,65535]\n");
    wx_free(text);
    wx_values_free(&v);

    /* The same values written on a command line (bytes take a prefix). */
    const char *argv[] = {"200",  "-9007199254740993", "1.5",
                          "true", "\xc3\xa9",          "a\"b",
                          "hex:000102", "{\"k\":[1,2]}", "[1,65535]"};
    s = wx_values_from_argv(&f, (int)f.nparams, argv, &v, &err);
    CHECK_MSG(s == WX_OK, "%s", err.message);
    back = s == WX_OK ? wx_values_to_json(v.values, v.count, &err) : NULL;
    CHECK_STR(back ? back : "", json);
    wx_free(back);
    wx_values_free(&v);

    /* Nothing converts to an empty array and no lines. */
    back = wx_values_to_json(NULL, 0, &err);
    CHECK_STR(back ? back : "", "[]");
    wx_free(back);
    text = wx_values_to_text(NULL, 0, 0, &err);
    CHECK_STR(text ? text : "x", "");
    wx_free(text);
}

/* The converters feed a real call: JSON in, typed call, JSON out. */
static void test_through_call(wx_manager *m)
{
    wx_error err;
    wx_function_info info;
    wx_fn *fn = wx_fn_get(m, "bg", "echo", &err);
    CHECK(fn && wx_fn_describe(fn, &info, &err) == WX_OK);
    if (!fn)
        return;
    const char *in = "[\"h\\u00e9llo\"]";
    wx_values args, res;
    CHECK(wx_values_from_json(&info, in, strlen(in), &args, &err) == WX_OK);
    CHECK(wx_fn_call_values(fn, args.values, args.count, &res, &err) ==
          WX_OK);
    char *out = wx_values_to_json(res.values, res.count, &err);
    CHECK_STR(out ? out : "", "[\"h\xc3\xa9llo\"]");
    wx_free(out);
    wx_values_free(&args);
    wx_values_free(&res);
    wx_fn_free(fn);
}

int main(int argc, char **argv)
{
    fx_setup(argc, argv);
    wx_manager *m = open_db("empty.db", false);
    wx_plugin_list list;
    wx_error err;
    CHECK(wx_manager_plugins(m, NULL, WX_INFO_DETAIL, &list, &err) == WX_OK &&
          list.count == 0);
    char *text = wx_plugin_list_to_json(&list, false, &err);
    CHECK_STR(text ? text : "", "[]");
    wx_free(text);
    wx_plugin_list_free(&list);
    wx_manager_close(m);

    m = populate();
    test_summary(m);
    test_counters(m);
    test_errors_by_status(m);
    test_detail(m);
    test_unknown(m);
    test_through_call(m);
    wx_manager_close(m);
    test_broken();
    test_lazy();
    test_from_json();
    test_from_argv();
    test_round_trip();
    fx_teardown();
    return CHECK_DONE();
}
