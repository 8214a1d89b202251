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
 * Exec has two paths. A function of the numeric ABI whose parameters and
 * results are all wasm types (i32 i64 f32 f64) is called through
 * wx_fn_call: each SQL number is converted by wxa_value_from_sql, which
 * applies the framework's exact-fit rule (25 and 25.0 fit i32, 2.5 does
 * not), and the results are written straight into the reply. Every other
 * function goes through wx_call_json, which converts the JSON values to
 * the declared types with the same rule: strings to string, base64 text
 * to bytes (eKuiper sends []byte that way), any JSON to json. Either way
 * the reply's result is the function's single result itself (null for
 * none, an array only for several), not eKuiper 1.x's one-element array.
 */
#include "internal.h"

#include <inttypes.h>
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

/* ------------------------------------------------------------ loading */

static bool is_wasm_type(wxa_type t)
{
    return t == WXA_I32 || t == WXA_I64 || t == WXA_F32 || t == WXA_F64;
}

/* Fills `f` with function `name` of `plugin` and the types the manager
 * bound for it. */
static wx_status load_func(wx_manager *m, const char *plugin,
                           const char *name, wxk_func *f, wx_error *err)
{
    f->name = strdup(name);
    if (!f->name)
        return wx_error_set(err, WX_ENOMEM, "out of host memory");
    wx_fn_info info;
    f->fn = wx_fn_get(m, plugin, name, err);
    if (!f->fn)
        return err ? err->status : WX_ENOTFOUND;
    wx_status s = wx_fn_describe(f->fn, &info, err);
    if (s != WX_OK)
        return s;
    f->nparams = info.nparams;
    f->nresults = info.nresults;
    memcpy(f->params, info.params, info.nparams * sizeof *f->params);
    memcpy(f->results, info.results, info.nresults * sizeof *f->results);
    f->typed = strcmp(info.abi, "numeric") == 0;
    for (uint32_t i = 0; f->typed && i < f->nparams; i++)
        f->typed = is_wasm_type(f->params[i]);
    for (uint32_t i = 0; f->typed && i < f->nresults; i++)
        f->typed = is_wasm_type(f->results[i]);
    return WX_OK;
}

wx_status wxk_funcs_load(wx_manager *m, const char *plugin, wxk_funcs *out,
                         wx_error *err)
{
    memset(out, 0, sizeof *out);
    out->m = m;
    char *text = wx_manager_show(m, plugin, err);
    if (!text)
        return err ? err->status : WX_ENOTFOUND;
    json_t *show = json_loads(text, 0, NULL);
    wx_free(text);
    json_t *list = json_object_get(show, "functions");
    wx_status s = WX_OK;
    if (!json_is_array(list) || json_array_size(list) == 0) {
        s = wx_error_set(err, WX_EARG, "plugin %s: no functions", plugin);
        goto done;
    }
    out->plugin = strdup(plugin);
    out->f = calloc(json_array_size(list), sizeof *out->f);
    if (!out->plugin || !out->f) {
        s = wx_error_set(err, WX_ENOMEM, "out of host memory");
        goto done;
    }
    for (size_t i = 0; s == WX_OK && i < json_array_size(list); i++) {
        const json_t *j = json_array_get(list, i);
        const char *name = json_string_value(json_object_get(j, "name"));
        out->n++;
        s = name ? load_func(m, plugin, name, &out->f[i], err)
                 : wx_error_set(err, WX_EARG,
                                "plugin %s: unexpected function "
                                "description from the manager",
                                plugin);
    }
done:
    json_decref(show);
    if (s != WX_OK)
        wxk_funcs_free(out);
    return s;
}

void wxk_funcs_free(wxk_funcs *fs)
{
    for (uint32_t i = 0; i < fs->n; i++) {
        if (fs->f[i].fn)
            wx_fn_free(fs->f[i].fn);
        free(fs->f[i].name);
    }
    free(fs->f);
    free(fs->plugin);
    memset(fs, 0, sizeof *fs);
}

wxk_func *wxk_funcs_find(const wxk_funcs *fs, const char *name)
{
    for (uint32_t i = 0; i < fs->n; i++)
        if (strcmp(fs->f[i].name, name) == 0)
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
    for (uint32_t i = 0; i < f->nparams && at < size; i++) {
        int k = snprintf(buf + at, size - at, "%s%s", i ? ", " : "",
                         wxa_type_name(f->params[i]));
        at += k > 0 ? (size_t)k : 0;
    }
}

/* Whether `n` arguments suit `f`; the reply says what was expected when
 * not. */
static bool check_count(const wxk_func *f, size_t n, wxk_buf *out)
{
    if (n == f->nparams)
        return true;
    char types[256];
    param_list(f, types, sizeof types);
    wxk_reply_error(out, "%s: expected %u argument%s (%s), got %zu", f->name,
                    f->nparams, f->nparams == 1 ? "" : "s", types, n);
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
static bool sql_value(const json_t *j, wxa_sql_value *out)
{
    switch (json_typeof(j)) {
    case JSON_INTEGER:
        out->kind = WXA_SQL_INT;
        out->of.i = (int64_t)json_integer_value(j);
        return true;
    case JSON_REAL:
        out->kind = WXA_SQL_FLOAT;
        out->of.f = json_real_value(j);
        return true;
    case JSON_STRING:
        out->kind = WXA_SQL_STRING;
        out->of.s.data = json_string_value(j);
        out->of.s.len = json_string_length(j);
        return true;
    case JSON_TRUE:
    case JSON_FALSE:
        out->kind = WXA_SQL_BOOL;
        out->of.b = json_is_true(j);
        return true;
    default: return false;
    }
}

static wx_val to_wasm(const wxa_value *v)
{
    switch (v->type) {
    case WXA_I32: return wx_val_i32((int32_t)v->of.i);
    case WXA_I64: return wx_val_i64(v->of.i);
    case WXA_F32: return wx_val_f32(v->of.f32);
    default: return wx_val_f64(v->of.f64);
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

static void add_wasm_value(wxk_buf *b, const wx_val *v)
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
    wx_val vals[64], res[64];
    wx_error err;
    for (size_t i = 0; i < n; i++) {
        const json_t *a = json_array_get(args, i);
        wxa_sql_value sv;
        if (!sql_value(a, &sv)) {
            wxk_reply_error(out, "%s: argument %zu: expected %s, got %s",
                            f->name, i + 1, wxa_type_name(f->params[i]),
                            json_kind(a));
            return;
        }
        char what[32];
        snprintf(what, sizeof what, "argument %zu", i + 1);
        wxa_value v;
        if (wxa_value_from_sql(f->params[i], &sv, what, &v, &err) != WX_OK) {
            wxk_reply_error(out, "%s: %s", f->name, err.message);
            return;
        }
        vals[i] = to_wasm(&v);
        wxa_value_free(&v);
    }
    if (wx_fn_call(f->fn, vals, n, res, f->nresults, &err) != WX_OK) {
        wxk_reply_error(out, "%s: %s", f->name, err.message);
        return;
    }
    wxk_buf_reset(out);
    wxk_buf_add(out, "{\"state\":true,\"result\":", 23);
    if (f->nresults == 0)
        wxk_buf_adds(out, "null");
    if (f->nresults > 1)
        wxk_buf_add(out, "[", 1);
    for (uint32_t i = 0; i < f->nresults; i++) {
        if (i)
            wxk_buf_add(out, ",", 1);
        add_wasm_value(out, &res[i]);
    }
    if (f->nresults > 1)
        wxk_buf_add(out, "]", 1);
    wxk_buf_add(out, "}", 1);
}

/* The generic path: the JSON values as they came, through wx_call_json. */
static void exec_json(const wxk_funcs *fs, const wxk_func *f,
                      const json_t *args, size_t n, wxk_buf *out)
{
    json_t *arr = json_array();
    for (size_t i = 0; arr && i < n; i++)
        if (json_array_append(arr, json_array_get(args, i)) != 0) {
            json_decref(arr);
            arr = NULL;
        }
    char *text = arr ? json_dumps(arr, JSON_COMPACT) : NULL;
    json_decref(arr);
    if (!text) {
        wxk_reply_error(out, "%s: out of host memory", f->name);
        return;
    }
    char *results = NULL;
    wx_error err;
    wx_status s =
        wx_call_json(fs->m, fs->plugin, f->name, text, &results, &err);
    free(text);
    if (s != WX_OK) {
        wxk_reply_error(out, "%s: %s", f->name, err.message);
        return;
    }
    json_t *r = json_loads(results, 0, NULL);
    const json_t *value = r;
    if (json_is_array(r) && json_array_size(r) <= 1)
        value = json_array_get(r, 0); /* NULL (then "null") for none */
    char *one =
        value ? json_dumps(value, JSON_COMPACT | JSON_ENCODE_ANY) : NULL;
    if (value && !one)
        wxk_reply_error(out, "%s: out of host memory", f->name);
    else if (!r)
        wxk_reply_error(out, "%s: unreadable results %s", f->name, results);
    else
        wxk_reply_value(out, one ? one : "null", one ? strlen(one) : 4);
    free(one);
    json_decref(r);
    wx_free(results);
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

static void exec(const wxk_funcs *fs, const wxk_func *f, const json_t *arg,
                 wxk_buf *seen, wxk_buf *out)
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
    if (f->typed)
        exec_typed(f, arg, n - 1, out);
    else
        exec_json(fs, f, arg, n - 1, out);
}

/* ----------------------------------------------------------- dispatch */

void wxk_handle(const wxk_funcs *fs, const wxk_func *f, wxk_buf *seen,
                const void *msg, size_t len, wxk_buf *out)
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
    case WXK_CALL_EXEC: exec(fs, f, req.arg, seen, out); break;
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
