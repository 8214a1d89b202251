/*
 * Reports as JSON text: list, show and check (their shapes are in
 * wasmext.h). A report takes each plugin's current version with a
 * reference under the table lock and builds its text after letting go, so
 * that a report never holds up a change or a call.
 */
#include "manager.h"
#include "package.h"

#include <errno.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>

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

static char *dump(json_t *root, wx_error *err)
{
    char *text =
        root ? json_dumps(root, JSON_COMPACT | JSON_PRESERVE_ORDER) : NULL;
    json_decref(root);
    if (!text)
        wx_error_set(err, WX_ENOMEM, "out of host memory");
    return text;
}

/*
 * The current versions of the plugins named (all if name is NULL), each
 * with a reference, in name order. WX_ENOTFOUND for an unknown name.
 */
static wx_status snapshot(wx_manager *m, const char *name, wxm_version ***out,
                          size_t *count, wx_error *err)
{
    pthread_rwlock_rdlock(&m->table_lock);
    size_t n = name ? 1 : m->nplugins;
    wxm_version **vs = malloc((n ? n : 1) * sizeof *vs);
    wx_status s = WX_OK;
    if (!vs) {
        s = wx_error_set(err, WX_ENOMEM, "out of host memory");
    } else if (name) {
        wxm_plugin *p = wxm_find_plugin(m, name);
        if (p)
            vs[0] = wxm_plugin_current(p);
        else
            s = wx_error_set(err, WX_ENOTFOUND, "plugin \"%s\" not found",
                             name);
    } else {
        for (size_t i = 0; i < n; i++)
            vs[i] = wxm_plugin_current(m->plugins[i]);
    }
    pthread_rwlock_unlock(&m->table_lock);
    if (s != WX_OK) {
        free(vs);
        return s;
    }
    *out = vs;
    *count = n;
    return WX_OK;
}

static void release_all(wxm_version **vs, size_t n)
{
    for (size_t i = 0; i < n; i++)
        wxm_version_release(vs[i]);
    free(vs);
}

static json_t *status_json(const wxm_version *v)
{
    if (!v->error)
        return json_string("ok");
    char buf[sizeof((wx_error *)0)->message + 16];
    snprintf(buf, sizeof buf, "error: %s", v->error);
    return json_string(buf);
}

/* ---------------------------------------------------------------- list */

static json_t *list_entry(const wxm_version *v)
{
    const wxg_config *cfg = v->cfg;
    json_t *o = json_object(), *fns = json_array();
    uint64_t calls = 0, errors = 0;
    for (uint32_t i = 0; i < v->nfuncs; i++) {
        const wxm_counter *c = v->funcs[i].counter;
        uint64_t nc, ne;
        push(fns, json_string(c->name));
        wxm_counter_read(c, &nc, &ne);
        calls += nc;
        errors += ne;
    }
    put(o, "name", json_string(v->plugin->name));
    put(o, "version", str_or_null(cfg ? cfg->version : NULL));
    put(o, "revision", json_integer(v->revision));
    put(o, "engine", str_or_null(cfg ? wxg_engine_label(cfg) : NULL));
    put(o, "instances", json_integer(cfg ? cfg->instance_num : 0));
    put(o, "functions", fns);
    put(o, "status", status_json(v));
    put(o, "calls", json_integer((json_int_t)calls));
    put(o, "errors", json_integer((json_int_t)errors));
    return o;
}

char *wxm_report_list(wx_manager *m, wx_error *err)
{
    wxm_version **vs;
    size_t n;
    if (snapshot(m, NULL, &vs, &n, err) != WX_OK)
        return NULL;
    json_t *arr = json_array();
    for (size_t i = 0; arr && i < n; i++)
        push(arr, list_entry(vs[i]));
    release_all(vs, n);
    return dump(arr, err);
}

/* ---------------------------------------------------------------- show */

static const char *kind_name(wx_externkind k)
{
    switch (k) {
    case WX_EXTERN_FUNC: return "func";
    case WX_EXTERN_TABLE: return "table";
    case WX_EXTERN_MEMORY: return "memory";
    case WX_EXTERN_GLOBAL: return "global";
    }
    return "?";
}

static json_t *exports_json(const wx_module *mod)
{
    json_t *arr = json_array();
    uint32_t n = mod ? wx_module_export_count(mod) : 0;
    for (uint32_t i = 0; arr && i < n; i++) {
        wx_externdesc d;
        if (!wx_module_export(mod, i, &d))
            continue;
        json_t *o = json_object();
        put(o, "name", json_stringn(d.name, d.name_len));
        put(o, "kind", json_string(kind_name(d.kind)));
        if (d.kind == WX_EXTERN_FUNC) {
            char sig[512];
            wxm_signature(&d.func, sig, sizeof sig);
            put(o, "signature", json_string(sig));
        }
        push(arr, o);
    }
    return arr;
}

static json_t *types_json(uint32_t n, const wxa_type *types)
{
    json_t *arr = json_array();
    for (uint32_t i = 0; arr && i < n; i++)
        push(arr, json_string(wxa_type_name(types[i])));
    return arr;
}

static json_t *function_json(const wxm_version *v, const wxm_func *f)
{
    json_t *o = json_object();
    put(o, "name", json_string(f->counter->name));
    put(o, "abi", json_string(wxg_abi_name(f->decl->abi)));
    if (!v->error) {
        char sig[512];
        wxm_signature(&f->type, sig, sizeof sig);
        put(o, "signature", json_string(sig));
        put(o, "params", types_json(f->fn.nparams, f->fn.params));
        /* bindgen results the config leaves open come from the guest. */
        if (f->fn.has_results || f->fn.abi != WXA_ABI_BINDGEN)
            put(o, "results", types_json(f->fn.nresults, f->fn.results));
    }
    uint64_t calls, errors;
    wxm_counter_read(f->counter, &calls, &errors);
    put(o, "calls", json_integer((json_int_t)calls));
    put(o, "errors", json_integer((json_int_t)errors));
    return o;
}

static json_t *instances_json(wxm_version *v)
{
    json_t *o = json_object();
    wxv_pool_stats st = {0};
    if (v->pool)
        wxv_pool_stats_get(v->pool, &st);
    put(o, "total", json_integer(st.instances));
    put(o, "busy", json_integer(st.busy));
    put(o, "idle", json_integer(st.idle));
    put(o, "empty", json_integer(st.empty));
    put(o, "waiting", json_integer(st.waiting));
    put(o, "replaced", json_integer((json_int_t)st.replaced));
    put(o, "trimmed", json_integer((json_int_t)st.trimmed));
    return o;
}

/* The plugin's guest output as logged (guestlog.c): across versions. */
static json_t *output_json(const wxm_plugin *p)
{
    wxm_guestlog_stats st;
    wxm_guestlog_read(&p->glog, &st);
    json_t *o = json_object();
    put(o, "lines", json_integer((json_int_t)st.lines));
    put(o, "bytes", json_integer((json_int_t)st.bytes));
    put(o, "dropped_lines", json_integer((json_int_t)st.dropped_lines));
    put(o, "dropped_bytes", json_integer((json_int_t)st.dropped_bytes));
    put(o, "cut_lines", json_integer((json_int_t)st.cut_lines));
    put(o, "cut_bytes", json_integer((json_int_t)st.cut_bytes));
    put(o, "rate_bytes_per_s", json_integer(st.rate));
    put(o, "line_max", json_integer(st.line_max));
    return o;
}

static json_t *show_json(wxm_version *v)
{
    const wxg_config *cfg = v->cfg;
    json_t *o = json_object();
    put(o, "name", json_string(v->plugin->name));
    put(o, "status", status_json(v));
    put(o, "engine", str_or_null(cfg ? wxg_engine_label(cfg) : NULL));
    put(o, "version", str_or_null(cfg ? cfg->version : NULL));
    put(o, "description", str_or_null(cfg ? cfg->description : NULL));
    put(o, "revision", json_integer(v->revision));
    put(o, "sha256", json_string(v->sha256));
    put(o, "wasm_bytes", json_integer((json_int_t)v->wasm_len));
    put(o, "created_ms", json_integer(v->created_ms));
    put(o, "updated_ms", json_integer(v->updated_ms));
    json_t *c = v->config_text ? json_loads(v->config_text, 0, NULL) : NULL;
    put(o, "config", c ? c : json_null());
    put(o, "exports", exports_json(v->module));
    put(o, "instances", instances_json(v));
    put(o, "output", output_json(v->plugin));
    json_t *fns = json_array();
    for (uint32_t i = 0; fns && i < v->nfuncs; i++)
        push(fns, function_json(v, &v->funcs[i]));
    put(o, "functions", fns);
    return o;
}

char *wxm_report_show(wx_manager *m, const char *name, wx_error *err)
{
    wxm_version **vs;
    size_t n;
    if (snapshot(m, name, &vs, &n, err) != WX_OK)
        return NULL;
    json_t *o = show_json(vs[0]);
    release_all(vs, n);
    return dump(o, err);
}

/* --------------------------------------------------------------- check */

static void push_fmt(json_t *arr, const char *fmt, ...)
    __attribute__((format(printf, 2, 3)));

static void push_fmt(json_t *arr, const char *fmt, ...)
{
    char buf[512];
    va_list ap;
    va_start(ap, fmt);
    vsnprintf(buf, sizeof buf, fmt, ap);
    va_end(ap);
    push(arr, json_string(buf));
}

/* Function names that other plugins list too; under the table lock. */
static void check_conflicts(wx_manager *m, wxm_version **vs, size_t n,
                            json_t **problems)
{
    pthread_rwlock_rdlock(&m->table_lock);
    for (size_t k = 0; k < n; k++) {
        const wxm_version *v = vs[k];
        for (uint32_t i = 0; i < v->nfuncs; i++) {
            char who[200];
            const char *name = v->funcs[i].counter->name;
            size_t c = wxm_claimants(m, v->plugin, name, who, sizeof who);
            if (c)
                push_fmt(problems[k],
                         "functions[%u]: \"%s\" is also provided by "
                         "plugin%s %s",
                         i, name, c > 1 ? "s" : "", who);
        }
    }
    pthread_rwlock_unlock(&m->table_lock);
}

/* Compares the config's .wasm file with the stored module. */
static void check_file(const wxm_version *v, json_t *warnings)
{
    const char *path = v->cfg->path;
    /* A plugin added from a package has no file outside the registry:
     * the stored module is the only copy, and that is expected. */
    if (strncmp(path, WXG_PACKAGE_PATH_PREFIX,
                strlen(WXG_PACKAGE_PATH_PREFIX)) == 0)
        return;
    FILE *f = fopen(path, "rb");
    if (!f) {
        push_fmt(warnings,
                 "vm_config.path: cannot read %s (%s); the stored module "
                 "still runs",
                 path, strerror(errno));
        return;
    }
    uint8_t *buf = NULL;
    size_t len = 0, cap = 0;
    bool ok = true;
    for (;;) {
        if (len == cap) {
            cap = cap ? 2 * cap : 65536;
            uint8_t *b = realloc(buf, cap);
            if (!b) {
                ok = false;
                break;
            }
            buf = b;
        }
        size_t got = fread(buf + len, 1, cap - len, f);
        len += got;
        if (got == 0)
            break;
    }
    ok = ok && !ferror(f);
    fclose(f);
    if (ok && v->sha256[0]) {
        char sha[WXG_SHA256_HEX];
        wxg_sha256_hex(buf, len, sha);
        if (strcmp(sha, v->sha256) != 0)
            push_fmt(warnings,
                     "vm_config.path: %s differs from the stored module, "
                     "which is the one that runs (update the plugin to use "
                     "the file)",
                     path);
    }
    free(buf);
}

char *wxm_report_check(wx_manager *m, const char *name, wx_error *err)
{
    wxm_version **vs;
    size_t n;
    if (snapshot(m, name, &vs, &n, err) != WX_OK)
        return NULL;
    json_t **problems = calloc(n ? n : 1, sizeof *problems);
    json_t *arr = problems ? json_array() : NULL;
    for (size_t k = 0; arr && k < n; k++)
        problems[k] = json_array();
    if (arr)
        check_conflicts(m, vs, n, problems);
    for (size_t k = 0; arr && k < n; k++) {
        const wxm_version *v = vs[k];
        json_t *warnings = json_array();
        if (v->error)
            push_fmt(problems[k], "%s", v->error);
        if (v->cfg)
            check_file(v, warnings);
        json_t *o = json_object();
        put(o, "name", json_string(v->plugin->name));
        put(o, "ok", json_boolean(json_array_size(problems[k]) == 0));
        put(o, "problems", problems[k]);
        put(o, "warnings", warnings);
        problems[k] = NULL;
        push(arr, o);
    }
    for (size_t k = 0; problems && k < n; k++)
        json_decref(problems[k]);
    free(problems);
    release_all(vs, n);
    return dump(arr, err);
}
