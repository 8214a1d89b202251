/*
 * The plugin's functions as eKuiper sees them, and the answers to the
 * three calls of a function channel (PROTOCOL.md 2.6):
 *
 *   Validate     the argument count against the function's parameters
 *                (eKuiper sends AST nodes: only their number is usable)
 *   IsAggregate  always false: a wasm function sees one row at a time
 *   Exec         the call itself; the last argument is the FuncMeta
 *                context, the others are SQL values
 *
 * Each function's handle is resolved and described once, when the plugin
 * is loaded; an Exec then only converts, calls the handle, and converts
 * back, each once, from and into the message jansson already parsed.
 *
 * Exec has two paths. A function of the numeric ABI whose parameters and
 * results are all wasm types (i32 i64 f32 f64) is called through
 * wx_fn_call: each SQL number is converted by wx_value_from_sql, which
 * applies the framework's exact-fit rule (25 and 25.0 fit i32, 2.5 does
 * not), and the results are written straight into the reply. Every other
 * function goes through wx_fn_call_values, its arguments converted from
 * the message's JSON values by wxc_values_from_json with the same rule:
 * strings to string, base64 text to bytes (eKuiper sends []byte that
 * way), any JSON to json. Either way the reply's result is the function's
 * single result itself (null for none, an array only for several), not
 * eKuiper 1.x's one-element array.
 */
#include "internal.h"

#include "convert.h"

#include <inttypes.h>
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

/* ------------------------------------------------------------ loading */

static bool is_wasm_type(wx_type t)
{
    return t == WX_TYPE_I32 || t == WX_TYPE_I64 || t == WX_TYPE_F32 || t == WX_TYPE_F64;
}

/* Fills `f` with function `name` of `plugin`: its handle, resolved once,
 * and its types, described once. */
static wx_status load_func(wx_manager *m, const char *plugin, const char *name,
                           wxk_func *f, wx_error *err)
{
    f->fn = wx_fn_get(m, plugin, name, err);
    if (!f->fn)
        return err ? err->status : WX_ENOPLUGIN;
    wx_status s = wx_fn_describe(f->fn, &f->info, err);
    if (s != WX_OK)
        return s;
    f->name = f->info.name; /* lives as long as the handle */
    f->typed = f->info.abi == WX_ABI_NUMERIC;
    for (uint32_t i = 0; f->typed && i < f->info.nparams; i++)
        f->typed = is_wasm_type(f->info.params[i]);
    for (uint32_t i = 0; f->typed && i < f->info.nresults; i++)
        f->typed = is_wasm_type(f->info.results[i]);
    return WX_OK;
}

/* The functions of the snapshot's one plugin `p`, loaded into `out`. */
static wx_status load_funcs(wx_manager *m, const wx_plugin_info *p,
                            wxk_funcs *out, wx_error *err)
{
    if (p->error)
        return wx_error_set(err, p->error_status, "plugin %s: %s", p->name,
                            p->error);
    if (p->nfunctions == 0)
        return wx_error_set(err, WX_EARG, "plugin %s: no functions", p->name);
    out->plugin = strdup(p->name);
    out->f = calloc(p->nfunctions, sizeof *out->f);
    if (!out->plugin || !out->f)
        return wx_error_set(err, WX_ENOMEM, "out of host memory");
    wx_status s = WX_OK;
    for (uint32_t i = 0; s == WX_OK && i < p->nfunctions; i++) {
        out->n++;
        s = load_func(m, p->name, p->functions[i].name, &out->f[i], err);
    }
    return s;
}

wx_status wxk_funcs_load(wx_manager *m, const char *plugin, wxk_funcs *out,
                         wx_error *err)
{
    memset(out, 0, sizeof *out);
    wx_plugin_list list;
    wx_status s = wx_manager_plugins(m, plugin, 0, &list, err);
    if (s != WX_OK)
        return s;
    s = list.count == 1 ? load_funcs(m, &list.plugins[0], out, err)
                        : wx_error_set(err, WX_ENOPLUGIN,
                                       "plugin %s: not registered", plugin);
    wx_plugin_list_free(&list);
    if (s != WX_OK)
        wxk_funcs_free(out);
    return s;
}

void wxk_funcs_free(wxk_funcs *fs)
{
    for (uint32_t i = 0; i < fs->n; i++) {
        if (fs->f[i].fn)
            wx_fn_free(fs->f[i].fn);
    }
    free(fs->f);
    free(fs->plugin);
    memset(fs, 0, sizeof *fs);
}

wxk_func *wxk_funcs_find(const wxk_funcs *fs, const char *name)
{
    for (uint32_t i = 0; i < fs->n; i++)
        if (fs->f[i].name && strcmp(fs->f[i].name, name) == 0)
            return &fs->f[i];
    return NULL;
}

void wxk_funcs_names(const wxk_funcs *fs, wxk_buf *out)
{
    for (uint32_t i = 0; i < fs->n; i++)
        wxk_buf_addf(out, "%s%s", i ? ", " : "", fs->f[i].name);
}

/* ------------------------------------------------------------- values */

/* "(i32, string)": the parameter types, for messages. */
static void param_list(const wxk_func *f, char *buf, size_t size)
{
    size_t at = 0;
    buf[0] = '\0';
    for (uint32_t i = 0; i < f->info.nparams && at < size; i++) {
        int k = snprintf(buf + at, size - at, "%s%s", i ? ", " : "",
                         wx_type_name(f->info.params[i]));
        at += k > 0 ? (size_t)k : 0;
    }
}

/* Whether `n` arguments suit `f`; the reply says what was expected when
 * not. */
static bool check_count(const wxk_func *f, size_t n, wxk_buf *out)
{
    uint32_t want = f->info.nparams;
    if (n == want)
        return true;
    char types[256];
    param_list(f, types, sizeof types);
    wxk_reply_error(out, "%s: expected %u argument%s (%s), got %zu", f->name,
                    want, want == 1 ? "" : "s", types, n);
    return false;
}

static const char *json_kind(const json_t *j)
{
    switch (json_typeof(j)) {
    case JSON_OBJECT: return "an object";
    case JSON_ARRAY: return "an array";
    case JSON_STRING: return "a string";
    case JSON_INTEGER: return "an integer";
    case JSON_REAL: return "a number";
    case JSON_TRUE:
    case JSON_FALSE: return "a bool";
    case JSON_NULL: return "null";
    }
    return "?";
}

/* A JSON argument as the SQL value it came from; false for null, objects
 * and arrays, which no numeric parameter takes. */
static bool sql_value(const json_t *j, wx_sql_value *out)
{
    switch (json_typeof(j)) {
    case JSON_INTEGER:
        out->kind = WX_SQL_INT;
        out->of.i = (int64_t)json_integer_value(j);
        return true;
    case JSON_REAL:
        out->kind = WX_SQL_FLOAT;
        out->of.f = json_real_value(j);
        return true;
    case JSON_STRING:
        out->kind = WX_SQL_STRING;
        out->of.s.data = json_string_value(j);
        out->of.s.len = json_string_length(j);
        return true;
    case JSON_TRUE:
    case JSON_FALSE:
        out->kind = WX_SQL_BOOL;
        out->of.b = json_is_true(j);
        return true;
    default: return false;
    }
}

static wx_wasm_val to_wasm(const wx_value *v)
{
    switch (v->type) {
    case WX_TYPE_I32: return wx_wasm_i32((int32_t)v->of.i);
    case WX_TYPE_I64: return wx_wasm_i64(v->of.i);
    case WX_TYPE_F32: return wx_wasm_f32(v->of.f32);
    default: return wx_wasm_f64(v->of.f64);
    }
}

/* A float as the shortest text that reads back the same; non-finite
 * values as the strings the framework uses for them everywhere else. */
static void add_float(wxk_buf *b, double d, bool single)
{
    if (isnan(d)) {
        wxk_buf_adds(b, "\"nan\"");
        return;
    }
    if (isinf(d)) {
        wxk_buf_adds(b, d > 0 ? "\"inf\"" : "\"-inf\"");
        return;
    }
    char text[40];
    for (int prec = single ? 6 : 15; prec <= 17; prec++) {
        snprintf(text, sizeof text, "%.*g", prec, d);
        double back = strtod(text, NULL);
        if (single ? (float)back == (float)d : back == d)
            break;
    }
    wxk_buf_adds(b, text);
}

static void add_wasm_value(wxk_buf *b, const wx_wasm_val *v)
{
    switch (v->type) {
    case WX_I32: wxk_buf_addf(b, "%" PRId32, v->of.i32); break;
    case WX_I64: wxk_buf_addf(b, "%" PRId64, v->of.i64); break;
    case WX_F32: add_float(b, v->of.f32, true); break;
    case WX_F64: add_float(b, v->of.f64, false); break;
    default: wxk_buf_adds(b, "null"); break;
    }
}

/* ---------------------------------------------------------------- Exec */

/* The numeric path: SQL numbers -> wasm values -> wx_fn_call. */
static void exec_typed(const wxk_func *f, const json_t *args, size_t n,
                       wxk_buf *out)
{
    wx_wasm_val vals[WX_MAX_VALUES], res[WX_MAX_VALUES];
    wx_error err;
    for (size_t i = 0; i < n; i++) {
        const json_t *a = json_array_get(args, i);
        wx_sql_value sv;
        if (!sql_value(a, &sv)) {
            wxk_reply_error(out, "%s: argument %zu: expected %s, got %s",
                            f->name, i + 1, wx_type_name(f->info.params[i]),
                            json_kind(a));
            return;
        }
        wx_value v;
        if (wx_value_from_sql(f->info.params[i], &sv, i, &v, &err) != WX_OK) {
            wxk_reply_error(out, "%s: %s", f->name, err.message);
            return;
        }
        vals[i] = to_wasm(&v);
        wx_value_free(&v);
    }
    if (wx_fn_call(f->fn, vals, n, res, f->info.nresults, &err) != WX_OK) {
        wxk_reply_error(out, "%s: %s", f->name, err.message);
        return;
    }
    wxk_buf_reset(out);
    wxk_buf_add(out, "{\"state\":true,\"result\":", 23);
    if (f->info.nresults == 0)
        wxk_buf_adds(out, "null");
    if (f->info.nresults > 1)
        wxk_buf_add(out, "[", 1);
    for (uint32_t i = 0; i < f->info.nresults; i++) {
        if (i)
            wxk_buf_add(out, ",", 1);
        add_wasm_value(out, &res[i]);
    }
    if (f->info.nresults > 1)
        wxk_buf_add(out, "]", 1);
    wxk_buf_add(out, "}", 1);
}

/* The typed path, for every ABI: the message's JSON arguments (`args`,
 * the context already taken off) to the declared types, the call on the
 * handle, the results into the reply, each converted once. */
static void exec_values(const wxk_func *f, const json_t *args, wxk_buf *out)
{
    wx_values vals, res;
    wx_error err;
    if (wxc_values_from_json(&f->info, args, &vals, &err) != WX_OK) {
        wxk_reply_error(out, "%s: %s", f->name, err.message);
        return;
    }
    wx_status s =
        wx_fn_call_values(f->fn, vals.values, vals.count, &res, &err);
    wx_values_free(&vals);
    if (s != WX_OK) {
        wxk_reply_error(out, "%s: %s", f->name, err.message);
        return;
    }
    json_t *arr = wxc_values_to_json(res.values, res.count, &err);
    wx_values_free(&res);
    if (!arr) {
        wxk_reply_error(out, "%s: %s", f->name, err.message);
        return;
    }
    /* One result is the reply's result itself; none is null. */
    wxk_reply_json(out,
                   json_array_size(arr) <= 1 ? json_array_get(arr, 0) : arr);
    json_decref(arr);
    if (out->oom)
        wxk_reply_error(out, "%s: out of host memory", f->name);
}

/* Checks the FuncMeta context eKuiper appends to every Exec (a JSON
 * string holding an object with ruleId and opId, as eKuiper's Go SDK
 * requires); the function itself does not use it. A context equal to the
 * one last found valid on the channel (`seen`) is not parsed again. */
static bool check_context(const wxk_func *f, const json_t *ctx, wxk_buf *seen,
                          wxk_buf *out)
{
    const char *text = json_string_value(ctx);
    size_t n = json_string_length(ctx);
    if (text && seen && seen->data && seen->len == n &&
        memcmp(seen->data, text, n) == 0)
        return true;
    json_t *meta = text ? json_loadb(text, n, 0, NULL) : NULL;
    bool ok = json_is_object(meta) &&
              json_is_string(json_object_get(meta, "ruleId")) &&
              json_is_string(json_object_get(meta, "opId"));
    json_decref(meta);
    if (ok && seen) {
        wxk_buf_reset(seen);
        wxk_buf_add(seen, text, n);
        if (seen->oom)
            wxk_buf_free(seen); /* only a memory, never a wrong one */
    }
    if (!ok)
        wxk_reply_error(out,
                        "%s: Exec: the last argument must be the function "
                        "context, a JSON string {\"ruleId\",\"opId\",...}",
                        f->name);
    return ok;
}

/* `arg` is the request's own array, which this may change: the json path
 * takes the context off it (once checked) so that the rest is exactly the
 * argument list the converter takes, without a copy. */
static void exec(const wxk_func *f, json_t *arg, wxk_buf *seen, wxk_buf *out)
{
    size_t n = json_array_size(arg);
    if (!json_is_array(arg) || n == 0) {
        wxk_reply_error(out,
                        "%s: Exec: expected an array of arguments ending "
                        "with the function context",
                        f->name);
        return;
    }
    if (!check_context(f, json_array_get(arg, n - 1), seen, out) ||
        !check_count(f, n - 1, out))
        return;
    if (f->typed) {
        exec_typed(f, arg, n - 1, out);
    } else if (json_array_remove(arg, n - 1) != 0) {
        wxk_reply_error(out, "%s: out of host memory", f->name);
    } else {
        exec_values(f, arg, out);
    }
}

/* ----------------------------------------------------------- dispatch */

void wxk_handle(const wxk_func *f, wxk_buf *seen, const void *msg, size_t len,
                wxk_buf *out)
{
    wxk_request req;
    if (!wxk_request_parse(msg, len, &req, out)) {
        /* `out` holds the reason; make it a reply. */
        char why[512];
        snprintf(why, sizeof why, "%s", out->data ? out->data : "?");
        wxk_reply_error(out, "%s: %s", f->name, why);
        return;
    }
    switch (req.call) {
    case WXK_CALL_EXEC: exec(f, req.arg, seen, out); break;
    case WXK_CALL_VALIDATE:
        if (req.arg && !json_is_array(req.arg) && !json_is_null(req.arg))
            wxk_reply_error(out,
                            "%s: Validate: expected an array of "
                            "arguments",
                            f->name);
        else if (check_count(f, json_array_size(req.arg), out))
            wxk_reply_value(out, "\"\"", 2);
        break;
    case WXK_CALL_IS_AGGREGATE: wxk_reply_value(out, "false", 5); break;
    case WXK_CALL_OTHER:
        wxk_reply_error(out, "invalid func %s", req.func);
        break;
    }
    wxk_request_free(&req);
}
