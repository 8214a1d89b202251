/*
 * The doors' wire formats to and from typed values (include/wasmext.h,
 * "converters"): JSON and command-line text. Each door converts once on
 * the way in and once on the way out; nothing inside the framework speaks
 * JSON to anything else. The value rules themselves (exact fit, base64
 * bytes, UTF-8 strings) live in src/abi/value*.c; this file puts them
 * behind the public API and adds the snapshots' JSON form.
 */
#include "convert.h"

#include "value.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

static wx_status nomem(wx_error *err)
{
    return wx_error_set(err, WX_ENOMEM, "out of host memory");
}

static wx_status check_count(const wx_function_info *fn, size_t n,
                             wx_error *err)
{
    if (n == fn->nparams)
        return WX_OK;
    return wx_error_set(err, WX_EARG, "%s: expected %u argument%s, got %zu",
                        fn->name ? fn->name : "function", fn->nparams,
                        fn->nparams == 1 ? "" : "s", n);
}

wx_status wxc_values_from_json(const wx_function_info *fn, const json_t *arr,
                               wx_values *out, wx_error *err)
{
    out->count = 0;
    if (!json_is_array(arr))
        return wx_error_set(err, WX_EARG,
                            "arguments: must be a JSON array, e.g. [1, 2]");
    size_t n = json_array_size(arr);
    wx_status s = check_count(fn, n, err);
    if (s != WX_OK)
        return s;
    s = wxa_values_from_json(fn->params, n, arr, out->values, err);
    if (s == WX_OK)
        out->count = (uint32_t)n;
    return s;
}

wx_status wxc_check_count(const wx_function_info *fn, size_t n,
                          wx_error *err)
{
    return check_count(fn, n, err);
}

wx_status wxc_row_from_json(const wx_function_info *fn, const json_t *arr,
                            wx_value *out, wx_error *err)
{
    if (!json_is_array(arr))
        return wx_error_set(err, WX_EARG,
                            "arguments: must be a JSON array, e.g. [1, 2]");
    size_t n = json_array_size(arr);
    wx_status s = check_count(fn, n, err);
    if (s != WX_OK)
        return s;
    return wxa_values_from_json(fn->params, n, arr, out, err);
}

wx_status wx_values_from_json(const wx_function_info *fn, const char *json,
                              size_t len, wx_values *out, wx_error *err)
{
    out->count = 0;
    if (!fn || (!json && len))
        return wx_error_set(err, WX_EARG, "no function or no text");
    json_error_t je;
    /* JSON_ALLOW_NUL: "\u0000" is JSON, and wx_values_to_json writes it
     * for a string that holds a NUL or the char U+0000, which must read
     * back. */
    json_t *arr =
        json ? json_loadb(json, len, JSON_DECODE_ANY | JSON_ALLOW_NUL, &je)
             : json_array();
    if (!arr)
        return wx_error_set(err, WX_EARG,
                            "arguments: invalid JSON at line %d, column %d: "
                            "%s",
                            je.line, je.column, je.text);
    wx_status s = wxc_values_from_json(fn, arr, out, err);
    json_decref(arr);
    return s;
}

wx_status wx_values_from_argv(const wx_function_info *fn, int argc,
                              const char *const *argv, wx_values *out,
                              wx_error *err)
{
    out->count = 0;
    if (!fn || argc < 0 || (argc > 0 && !argv))
        return wx_error_set(err, WX_EARG, "bad argument list");
    wx_status s = check_count(fn, (size_t)argc, err);
    for (int i = 0; s == WX_OK && i < argc; i++) {
        char what[32];
        snprintf(what, sizeof what, "argument %d", i + 1);
        s = wxa_value_from_text(fn->params[i], argv[i], what,
                                &out->values[i], err);
        if (s == WX_OK)
            out->count++;
    }
    if (s != WX_OK)
        wx_values_free(out);
    return s;
}

json_t *wxc_values_to_json(const wx_value *v, size_t n, wx_error *err)
{
    json_t *arr = json_array();
    for (size_t i = 0; arr && i < n; i++) {
        json_t *j = wxa_value_to_json(&v[i], err);
        if (!j || json_array_append_new(arr, j) != 0) {
            json_decref(arr);
            arr = NULL;
        }
    }
    if (!arr && (!err || err->status == WX_OK))
        nomem(err);
    return arr;
}

static char *dump(json_t *j, wx_error *err)
{
    char *text =
        j ? json_dumps(j, JSON_COMPACT | JSON_ENCODE_ANY | JSON_PRESERVE_ORDER)
          : NULL;
    json_decref(j);
    if (!text && (!err || err->status == WX_OK || err->status == WX_ENOMEM))
        nomem(err);
    return text;
}

char *wx_values_to_json(const wx_value *v, size_t n, wx_error *err)
{
    if (err)
        wx_error_clear(err);
    json_t *arr = wxc_values_to_json(v, n, err);
    return arr ? dump(arr, err) : NULL;
}

char *wx_values_to_text(const wx_value *v, size_t n, unsigned flags,
                        wx_error *err)
{
    size_t len = 0, cap = 64;
    char *text = malloc(cap);
    for (size_t i = 0; text && i < n; i++) {
        char *line = wxa_value_to_text(&v[i], flags);
        size_t ln = line ? strlen(line) : 0;
        if (line && len + ln + 2 > cap) {
            while (len + ln + 2 > cap)
                cap *= 2;
            char *t = realloc(text, cap);
            if (!t) {
                free(text);
                text = NULL;
            } else {
                text = t;
            }
        }
        if (!line || !text) {
            free(line);
            free(text);
            text = NULL;
            break;
        }
        memcpy(text + len, line, ln);
        len += ln;
        text[len++] = '\n';
        free(line);
    }
    if (!text) {
        nomem(err);
        return NULL;
    }
    text[len] = '\0';
    return text;
}

wx_status wx_value_from_sql(wx_type t, const wx_sql_value *v, size_t index,
                            wx_value *out, wx_error *err)
{
    char what[32];
    snprintf(what, sizeof what, "argument %zu", index + 1);
    return wxa_value_from_sql(t, v, what, out, err);
}

void wx_value_free(wx_value *v)
{
    wxa_value_free(v);
}

/* ------------------------------------------------------------ snapshots */

/* jansson setters that ignore a NULL value (out of memory shows up as a
 * missing key, and the final dump fails if the root is gone). */
static void put(json_t *obj, const char *key, json_t *v)
{
    if (v)
        json_object_set_new(obj, key, v);
}

static void push(json_t *arr, json_t *v)
{
    if (v)
        json_array_append_new(arr, v);
}

static json_t *str_or_null(const char *s)
{
    return s ? json_string(s) : json_null();
}

static json_t *count(uint64_t n)
{
    return json_integer((json_int_t)n);
}

static json_t *types_json(uint32_t n, const wx_type *types)
{
    json_t *arr = json_array();
    for (uint32_t i = 0; arr && i < n; i++)
        push(arr, json_string(wx_type_name(types[i])));
    return arr;
}

static json_t *strings_json(uint32_t n, const char *const *s)
{
    json_t *arr = json_array();
    for (uint32_t i = 0; arr && i < n; i++)
        push(arr, json_string(s[i]));
    return arr;
}

json_t *wxc_status_json(const wx_plugin_info *p)
{
    if (!p->error)
        return json_string("ok");
    size_t n = strlen(p->error) + sizeof "error: ";
    char *buf = malloc(n);
    if (!buf)
        return NULL;
    snprintf(buf, n, "error: %s", p->error);
    json_t *j = json_string(buf);
    free(buf);
    return j;
}

/* The failed calls by status name, the non-zero ones only: {"trap": 2}. */
static json_t *errors_by_json(const wx_function_info *f)
{
    json_t *o = json_object();
    for (int s = WX_OK + 1; o && s < WX_STATUS_COUNT_; s++)
        if (f->errors_by_status[s])
            put(o, wx_status_name((wx_status)s),
                count(f->errors_by_status[s]));
    return o;
}

/*
 * The fuel histogram of a metered function (limits.fuel), as /metrics
 * has it but per bucket rather than cumulative, and only the buckets that
 * counted calls, so that a reader sees where calls fell without summing:
 * {"limit": 100000, "calls": 3, "sum": 210, "buckets": [{"gt": 64,
 * "le": 256, "calls": 3}]}. The first bucket has "gt": 0, the last
 * "le": null (above 4^15).
 */
static json_t *fuel_json(const wx_function_info *f)
{
    json_t *o = json_object();
    json_t *arr = json_array();
    put(o, "limit", count(f->fuel_limit));
    put(o, "calls", count(f->fuel_calls));
    put(o, "sum", count(f->fuel_sum));
    for (unsigned k = 0; arr && k < WX_FUEL_BUCKETS; k++) {
        if (!f->fuel_buckets[k])
            continue;
        json_t *b = json_object();
        put(b, "gt", count(k ? WX_FUEL_BUCKET(k - 1) : 0));
        put(b, "le", k + 1 < WX_FUEL_BUCKETS ? count(WX_FUEL_BUCKET(k))
                                              : json_null());
        put(b, "calls", count(f->fuel_buckets[k]));
        push(arr, b);
    }
    put(o, "buckets", arr);
    return o;
}

json_t *wxc_function_to_json(const wx_function_info *f)
{
    json_t *o = json_object();
    put(o, "name", json_string(f->name));
    put(o, "abi", json_string(wx_abi_name(f->abi)));
    if (f->loaded) {
        put(o, "signature", str_or_null(f->signature));
        put(o, "params", types_json(f->nparams, f->params));
        if (f->results_known)
            put(o, "results", types_json(f->nresults, f->results));
    }
    put(o, "calls", count(f->calls));
    put(o, "errors", count(f->errors));
    put(o, "errors_by", errors_by_json(f));
    if (f->fuel_limit)
        put(o, "fuel", fuel_json(f));
    return o;
}

const char *wxc_kind_name(wx_externkind k)
{
    switch (k) {
    case WX_EXTERN_FUNC: return "func";
    case WX_EXTERN_TABLE: return "table";
    case WX_EXTERN_MEMORY: return "memory";
    case WX_EXTERN_GLOBAL: return "global";
    case WX_EXTERN_TAG: return "tag";
    }
    return "?";
}

static json_t *exports_json(const wx_plugin_info *p)
{
    json_t *arr = json_array();
    for (uint32_t i = 0; arr && i < p->nexports; i++) {
        const wx_export_info *e = &p->exports[i];
        json_t *o = json_object();
        put(o, "name", json_string(e->name));
        put(o, "kind", json_string(wxc_kind_name(e->kind)));
        if (e->signature)
            put(o, "signature", json_string(e->signature));
        push(arr, o);
    }
    return arr;
}

static json_t *instances_json(const wx_instance_stats *st)
{
    json_t *o = json_object();
    put(o, "total", count(st->total));
    put(o, "busy", count(st->busy));
    put(o, "idle", count(st->idle));
    put(o, "empty", count(st->empty));
    put(o, "waiting", count(st->waiting));
    put(o, "replaced", count(st->replaced));
    put(o, "trimmed", count(st->trimmed));
    return o;
}

static json_t *output_json(const wx_output_stats *st)
{
    json_t *o = json_object();
    put(o, "lines", count(st->lines));
    put(o, "bytes", count(st->bytes));
    put(o, "dropped_lines", count(st->dropped_lines));
    put(o, "dropped_bytes", count(st->dropped_bytes));
    put(o, "cut_lines", count(st->cut_lines));
    put(o, "cut_bytes", count(st->cut_bytes));
    put(o, "rate_bytes_per_s", count(st->rate_bytes_per_s));
    put(o, "line_max", count(st->line_max));
    return o;
}

/* The list entry: names of the functions, summed counters. */
static void put_summary(json_t *o, const wx_plugin_info *p)
{
    json_t *names = json_array();
    for (uint32_t i = 0; names && i < p->nfunctions; i++)
        push(names, json_string(p->functions[i].name));
    put(o, "name", json_string(p->name));
    put(o, "version", str_or_null(p->version));
    put(o, "revision", json_integer(p->revision));
    put(o, "engine", str_or_null(p->engine));
    put(o, "instances", count(p->instance_num));
    put(o, "functions", names);
    put(o, "status", wxc_status_json(p));
    put(o, "loaded", json_boolean(p->loaded));
    put(o, "calls", count(p->calls));
    put(o, "errors", count(p->errors));
}

static void put_detail(json_t *o, const wx_plugin_info *p)
{
    put(o, "name", json_string(p->name));
    put(o, "status", wxc_status_json(p));
    put(o, "engine", str_or_null(p->engine));
    put(o, "version", str_or_null(p->version));
    put(o, "description", str_or_null(p->description));
    put(o, "revision", json_integer(p->revision));
    put(o, "sha256", json_string(p->sha256));
    put(o, "wasm_bytes", count(p->wasm_bytes));
    put(o, "created_ms", json_integer(p->created_ms));
    put(o, "updated_ms", json_integer(p->updated_ms));
    json_t *c = p->config ? json_loads(p->config, 0, NULL) : NULL;
    put(o, "config", c ? c : json_null());
    put(o, "exports", exports_json(p));
    put(o, "instances", instances_json(&p->instances));
    put(o, "output", output_json(&p->output));
    json_t *fns = json_array();
    for (uint32_t i = 0; fns && i < p->nfunctions; i++)
        push(fns, wxc_function_to_json(&p->functions[i]));
    put(o, "functions", fns);
}

static void put_check(json_t *o, const wx_plugin_info *p)
{
    put(o, "name", json_string(p->name));
    put(o, "ok", json_boolean(p->nproblems == 0));
    put(o, "problems", strings_json(p->nproblems, p->problems));
    put(o, "warnings", strings_json(p->nwarnings, p->warnings));
}

json_t *wxc_plugin_to_json(const wx_plugin_info *p, unsigned what)
{
    json_t *o = json_object();
    if (!o)
        return NULL;
    if (what & WX_INFO_CHECK)
        put_check(o, p);
    else if (what & WX_INFO_DETAIL)
        put_detail(o, p);
    else
        put_summary(o, p);
    return o;
}

char *wx_plugin_list_to_json(const wx_plugin_list *list, bool one,
                             wx_error *err)
{
    if (err)
        wx_error_clear(err);
    unsigned what = list ? list->what_ : 0;
    if (one) {
        if (!list || list->count == 0) {
            wx_error_set(err, WX_EARG, "empty snapshot");
            return NULL;
        }
        return dump(wxc_plugin_to_json(&list->plugins[0], what), err);
    }
    json_t *arr = json_array();
    for (size_t i = 0; arr && list && i < list->count; i++)
        push(arr, wxc_plugin_to_json(&list->plugins[i], what));
    return dump(arr, err);
}

/* ----------------------------------------------------- recordings, replay */

/* A failure as the doors show it: {"code": "trap", "message": ...,
 * "trap": "unreachable", "function_index": 0, "offset": 57}, the place
 * when the engine gave one. */
static json_t *failure_json(const wx_error *e)
{
    json_t *o = json_object();
    if (!o)
        return NULL;
    put(o, "code", json_string(wx_status_name(e->status)));
    /* A guest's message may not be UTF-8: the status's own then. */
    json_t *msg = json_string(e->message);
    put(o, "message", msg ? msg : json_string(wx_status_message(e->status)));
    if (e->trap != WX_TRAP_NONE)
        put(o, "trap", json_string(wx_trap_name(e->trap)));
    if (e->func_index != WX_NO_INDEX) {
        put(o, "function_index", json_integer(e->func_index));
        put(o, "offset", json_integer(e->offset));
    }
    return o;
}

static json_t *recording_json(const wx_recording *r)
{
    wx_error ignored;
    json_t *o = json_object();
    if (!o)
        return NULL;
    put(o, "seq", count(r->seq));
    put(o, "time_ms", json_integer(r->time_ms));
    put(o, "function", json_string(r->function));
    put(o, "revision", json_integer(r->revision));
    put(o, "sha256", json_string(r->sha256));
    put(o, "args", wxc_values_to_json(r->args, r->nargs, &ignored));
    put(o, "error", failure_json(&r->error));
    return o;
}

char *wx_recording_list_to_json(const wx_recording_list *list, wx_error *err)
{
    if (err)
        wx_error_clear(err);
    json_t *o = json_object(), *arr = json_array();
    for (size_t i = 0; arr && list && i < list->count; i++)
        push(arr, recording_json(&list->items[i]));
    if (o) {
        put(o, "bound", json_integer(list ? list->bound : 0));
        put(o, "recorded", count(list ? list->recorded : 0));
        put(o, "recordings", arr);
    } else {
        json_decref(arr);
    }
    return dump(o, err);
}

/* ---------------------------------------------------------- guest log */

static json_t *guest_line_json(const wx_guest_line *l)
{
    json_t *o = json_object();
    put(o, "seq", count(l->seq));
    put(o, "time_ms", json_integer(l->time_ms));
    put(o, "function", str_or_null(l->function));
    put(o, "level", json_string(l->level));
    put(o, "text", json_string(l->text));
    put(o, "cut", count(l->cut));
    return o;
}

char *wx_guest_log_to_json(const wx_guest_log *log, wx_error *err)
{
    if (err)
        wx_error_clear(err);
    json_t *o = json_object(), *arr = json_array();
    for (size_t i = 0; arr && log && i < log->count; i++)
        push(arr, guest_line_json(&log->lines[i]));
    if (o) {
        put(o, "bound", count(log ? log->bound : 0));
        put(o, "logged", count(log ? log->logged : 0));
        put(o, "lines", arr);
    } else {
        json_decref(arr);
    }
    return dump(o, err);
}

static json_t *outcome_json(const wx_replay_outcome *x)
{
    wx_error ignored;
    json_t *o = json_object();
    if (!o)
        return NULL;
    put(o, "recording", recording_json(x->recording));
    put(o, "revision", json_integer(x->revision));
    put(o, "sha256", str_or_null(x->sha256));
    put(o, "status", json_string(x->status == WX_OK
                                     ? "ok"
                                     : wx_status_name(x->status)));
    if (x->status == WX_OK)
        put(o, "results", wxc_values_to_json(x->values, x->count, &ignored));
    else
        put(o, "error", failure_json(&x->error));
    if (x->trap_function)
        put(o, "trap_function", json_string(x->trap_function));
    if (x->recorded_trap_function)
        put(o, "recorded_trap_function",
            json_string(x->recorded_trap_function));
    put(o, "reproduced", json_boolean(x->reproduced));
    return o;
}

char *wx_replay_result_to_json(const wx_replay_result *r, wx_error *err)
{
    if (err)
        wx_error_clear(err);
    json_t *o = json_object(), *arr = json_array();
    for (size_t i = 0; arr && r && i < r->count; i++)
        push(arr, outcome_json(&r->items[i]));
    if (o) {
        bool current = r && (r->flags & WX_REPLAY_CURRENT);
        put(o, "against", json_string(current ? "current" : "recorded"));
        put(o, "count", count(r ? r->count : 0));
        put(o, "reproduced", count(r ? r->reproduced : 0));
        put(o, "outcomes", arr);
    } else {
        json_decref(arr);
    }
    return dump(o, err);
}
