/*
 * Snapshots: wx_manager_plugins (include/wasmext.h). A snapshot takes each
 * plugin's current version with a reference under the table lock and
 * copies what it reports after letting go, so that it never holds up a
 * change or a call. Everything it hands out (strings, arrays) lives in
 * one arena that wx_plugin_list_free frees at once.
 */
#include "manager.h"
#include "package.h"
/* The engine's arena (a layer below; not part of its public API). */
#include "../engine/arena.h"

#include <errno.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>

/* ---------------------------------------------------------------- arena */

/* The engine's block arena, and whether one of its allocations failed
 * (the snapshot is then refused). */
typedef struct arena {
    wxm_arena mem;
    bool failed;
} arena;

static void *alloc(arena *a, size_t n)
{
    void *p = wxm_arena_alloc(&a->mem, n);
    a->failed |= !p;
    return p;
}

static const char *copyn(arena *a, const char *s, size_t n)
{
    char *d = wxm_arena_strndup(&a->mem, s, n);
    a->failed |= !d;
    return d;
}

static const char *copy(arena *a, const char *s)
{
    return s ? copyn(a, s, strlen(s)) : NULL;
}

static const char *copyf(arena *a, const char *fmt, ...)
    __attribute__((format(printf, 2, 3)));

static const char *copyf(arena *a, const char *fmt, ...)
{
    char buf[512];
    va_list ap;
    va_start(ap, fmt);
    vsnprintf(buf, sizeof buf, fmt, ap);
    va_end(ap);
    return copy(a, buf);
}

static void arena_free(arena *a)
{
    wxm_arena_free(&a->mem);
    free(a);
}

/*
 * The current versions of the plugins named (all if name is NULL), each
 * with a reference, in name order. WX_ENOPLUGIN for an unknown name.
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
            s = wx_error_set(err, WX_ENOPLUGIN, "plugin \"%s\" not found in registry "
                             "%s",
                             name, m->db_path);
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



/* Loads the pending versions among vs (a lazy manager's), so that a
 * detailed or checked snapshot reports what runs. A plugin deleted
 * meanwhile keeps its placeholder in the snapshot. */
static void load_pending(wxm_version **vs, size_t n)
{
    for (size_t k = 0; k < n; k++) {
        if (!vs[k]->pending)
            continue;
        wxm_plugin *p = vs[k]->plugin;
        wxm_plugin_load(p);
        wxm_version *v = wxm_plugin_current(p);
        if (v) {
            wxm_version_release(vs[k]);
            vs[k] = v;
        }
    }
}

/* ------------------------------------------------------------ functions */

static void function_info(arena *a, const wxm_version *v, const wxm_func *f,
                          wx_function_info *o)
{
    o->name = copy(a, f->counter->name);
    o->abi = f->decl->abi;
    wxm_counter_read(f->counter, o);
    if (v->error || v->pending)
        return;
    o->loaded = true;
    o->fuel_limit = v->pool ? wxv_pool_fuel(v->pool) : 0;
    char sig[512];
    wxm_signature(&f->type, sig, sizeof sig);
    o->signature = copy(a, sig);
    o->nparams = f->fn.nparams;
    memcpy(o->params, f->fn.params, f->fn.nparams * sizeof *o->params);
    /* bindgen results the config leaves open come from the guest. */
    o->results_known = f->fn.has_results || f->fn.abi != WX_ABI_BINDGEN;
    o->nresults = f->fn.nresults;
    memcpy(o->results, f->fn.results, f->fn.nresults * sizeof *o->results);
}

/* ---------------------------------------------------------------- detail */

static void exports_info(arena *a, const wx_module *mod, wx_plugin_info *o)
{
    uint32_t n = mod ? wx_module_export_count(mod) : 0;
    o->exports = n ? alloc(a, n * sizeof *o->exports) : NULL;
    if (!o->exports)
        return;
    for (uint32_t i = 0; i < n; i++) {
        wx_externdesc d;
        if (!wx_module_export(mod, i, &d))
            continue;
        wx_export_info *e = &o->exports[o->nexports++];
        e->name = copyn(a, d.name, d.name_len);
        e->kind = d.kind;
        if (d.kind == WX_EXTERN_FUNC) {
            char sig[512];
            wxm_signature(&d.func, sig, sizeof sig);
            e->signature = copy(a, sig);
        }
    }
}

static void detail_info(arena *a, wxm_version *v, wx_plugin_info *o)
{
    memcpy(o->sha256, v->sha256, sizeof o->sha256 < sizeof v->sha256
                                     ? sizeof o->sha256
                                     : sizeof v->sha256);
    o->sha256[sizeof o->sha256 - 1] = '\0';
    o->wasm_bytes = v->wasm_len;
    o->created_ms = v->created_ms;
    o->updated_ms = v->updated_ms;
    o->config = copy(a, wxm_version_config(v));
    exports_info(a, v->module, o);
    wxv_pool_stats st = {0};
    if (v->pool)
        wxv_pool_stats_get(v->pool, &st);
    o->instances = (wx_instance_stats){
        .total = st.instances, .busy = st.busy, .idle = st.idle,
        .empty = st.empty, .waiting = st.waiting, .replaced = st.replaced,
        .trimmed = st.trimmed};
    wxm_guestlog_stats g;
    wxm_guestlog_read(&v->plugin->glog, &g);
    o->output = (wx_output_stats){
        .lines = g.lines, .bytes = g.bytes, .dropped_lines = g.dropped_lines,
        .dropped_bytes = g.dropped_bytes, .cut_lines = g.cut_lines,
        .cut_bytes = g.cut_bytes, .rate_bytes_per_s = g.rate,
        .line_max = g.line_max};
}

/* ---------------------------------------------------------------- check */

#define MAX_NOTES 64u

/* Function names that other plugins list too; under the table lock. */
static void check_conflicts(wx_manager *m, arena *a, wxm_version **vs,
                            wx_plugin_info *out, size_t n)
{
    pthread_rwlock_rdlock(&m->table_lock);
    for (size_t k = 0; k < n; k++) {
        const wxm_version *v = vs[k];
        wx_plugin_info *o = &out[k];
        for (uint32_t i = 0; i < v->nfuncs && o->nproblems < MAX_NOTES; i++) {
            char who[200];
            const char *name = v->funcs[i].counter->name;
            size_t c = wxm_claimants(m, v->plugin, name, who, sizeof who);
            if (c)
                o->problems[o->nproblems++] = copyf(
                    a, "functions[%u]: \"%s\" is also provided by plugin%s %s",
                    i, name, c > 1 ? "s" : "", who);
        }
    }
    pthread_rwlock_unlock(&m->table_lock);
}

/* Compares the config's .wasm file with the stored module, whose digest
 * is `sha256` (wx_plugin_info's, see fill_digests). */
static void check_file(const wxm_version *v, const char *sha256, arena *a,
                       const char **w, uint32_t *nw)
{
    const char *path = v->cfg->path;
    /* A plugin added from a package has no file outside the registry:
     * the stored module is the only copy, and that is expected. */
    if (strncmp(path, WXG_PACKAGE_PATH_PREFIX,
                strlen(WXG_PACKAGE_PATH_PREFIX)) == 0)
        return;
    FILE *f = fopen(path, "rb");
    if (!f) {
        w[(*nw)++] = copyf(a,
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
    char sha[WXG_SHA256_HEX];
    if (ok && sha256[0] && wxg_sha256_hex(buf, len, sha, NULL) == WX_OK) {
        if (strcmp(sha, sha256) != 0)
            w[(*nw)++] = copyf(a,
                     "vm_config.path: %s differs from the stored module, "
                     "which is the one that runs (update the plugin to use "
                     "the file)",
                     path);
    }
    free(buf);
}


static void check_info(arena *a, const wxm_version *v, wx_plugin_info *o)
{
    if (v->error && o->nproblems < MAX_NOTES)
        o->problems[o->nproblems++] = copy(a, v->error);
    if (v->cfg)
        check_file(v, o->sha256, a, o->warnings, &o->nwarnings);
}

/* ---------------------------------------------------------------- plugins */

static void plugin_info(arena *a, wxm_version *v, unsigned what,
                        wx_plugin_info *o)
{
    const wxg_config *cfg = v->cfg;
    o->name = copy(a, v->plugin->name);
    o->loaded = !v->pending;
    o->error = copy(a, v->error);
    o->error_status = v->error ? v->error_status : WX_OK;
    o->version = copy(a, cfg ? cfg->version : NULL);
    o->description = copy(a, cfg ? cfg->description : NULL);
    o->engine = copy(a, cfg ? wxg_engine_label(cfg) : NULL);
    o->instance_num = cfg ? cfg->instance_num : 0;
    o->revision = v->revision;
    o->nfunctions = v->nfuncs;
    o->functions =
        v->nfuncs ? alloc(a, v->nfuncs * sizeof *o->functions) : NULL;
    for (uint32_t i = 0; o->functions && i < v->nfuncs; i++) {
        function_info(a, v, &v->funcs[i], &o->functions[i]);
        o->calls += o->functions[i].calls;
        o->errors += o->functions[i].errors;
    }
    if (what & WX_INFO_DETAIL)
        detail_info(a, v, o);
    if (what & WX_INFO_CHECK) {
        o->problems = alloc(a, MAX_NOTES * sizeof *o->problems);
        o->warnings = alloc(a, MAX_NOTES * sizeof *o->warnings);
    }
}

/*
 * The module digests of a detailed or checked report. A registry in
 * memory computes them only when asked (wxg_registry_digest_on_demand),
 * so its versions have none: the registry is asked here, under the admin
 * lock that its handle needs (no table lock is held). A version replaced
 * meanwhile keeps an empty digest rather than its successor's.
 */
static void fill_digests(wx_manager *m, wxm_version **vs, wx_plugin_info *ps,
                         size_t n)
{
    bool locked = false;
    for (size_t k = 0; k < n; k++) {
        wx_plugin_info *o = &ps[k];
        const wxm_version *v = vs[k];
        if (o->sha256[0])
            continue;
        if (v->sha256[0] || !wxg_registry_digest_on_demand(m->reg)) {
            snprintf(o->sha256, sizeof o->sha256, "%s", v->sha256);
            continue;
        }
        if (!locked) {
            pthread_mutex_lock(&m->admin);
            locked = true;
        }
        wxg_record rec;
        if (wxg_registry_get(m->reg, o->name, WXG_GET_NO_WASM, &rec, NULL) ==
            WX_OK) {
            if (rec.version == v->revision)
                snprintf(o->sha256, sizeof o->sha256, "%s", rec.sha256);
            wxg_record_free(&rec);
        }
    }
    if (locked)
        pthread_mutex_unlock(&m->admin);
}

wx_status wx_manager_plugins(wx_manager *m, const char *name, unsigned what,
                             wx_plugin_list *out, wx_error *err)
{
    memset(out, 0, sizeof *out);
    if (err)
        wx_error_clear(err);
    wxm_version **vs;
    size_t n;
    wx_status s = snapshot(m, name, &vs, &n, err);
    if (s != WX_OK)
        return s;
    if (what & (WX_INFO_DETAIL | WX_INFO_CHECK))
        load_pending(vs, n);
    arena *a = calloc(1, sizeof *a);
    wx_plugin_info *ps = a && n ? alloc(a, n * sizeof *ps) : NULL;
    if (ps) {
        for (size_t k = 0; k < n; k++)
            plugin_info(a, vs[k], what, &ps[k]);
        if (what & (WX_INFO_DETAIL | WX_INFO_CHECK))
            fill_digests(m, vs, ps, n);
        if ((what & WX_INFO_CHECK) && !a->failed) {
            check_conflicts(m, a, vs, ps, n);
            for (size_t k = 0; k < n; k++)
                check_info(a, vs[k], &ps[k]);
        }
        /* The check used the digests; only the detail reports them. */
        for (size_t k = 0; !(what & WX_INFO_DETAIL) && k < n; k++)
            ps[k].sha256[0] = '\0';
    }
    release_all(vs, n);
    if (!a || a->failed || (n && !ps)) {
        if (a)
            arena_free(a);
        return wx_error_set(err, WX_ENOMEM, "out of host memory");
    }
    out->count = n;
    out->plugins = ps;
    out->what_ = what;
    out->arena_ = a;
    return WX_OK;
}

void wx_plugin_list_free(wx_plugin_list *list)
{
    if (!list)
        return;
    if (list->arena_)
        arena_free(list->arena_);
    memset(list, 0, sizeof *list);
}
