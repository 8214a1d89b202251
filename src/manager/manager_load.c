/*
 * Building a version of a plugin: the module from its bytes, every listed
 * function checked through the ABI layer, names no other plugin claims,
 * a linker with the imports plugins may use (WASI, bindgen 0.1.x, Extism),
 * and the instance pool. All of it happens when a plugin is added, updated
 * or reloaded, never during a call, and an error names the config field it
 * comes from.
 */
#include "manager.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

const char *wxm_basename(const char *path)
{
    const char *slash = path ? strrchr(path, '/') : NULL;
    return slash ? slash + 1 : path ? path : "";
}

void wxm_signature(const wx_functype *t, char *buf, size_t size)
{
    size_t n = 0;
    n += (size_t)snprintf(buf + n, n < size ? size - n : 0, "(");
    for (uint32_t i = 0; i < t->nparams; i++)
        n += (size_t)snprintf(buf + n, n < size ? size - n : 0, "%s%s",
                              i ? ", " : "", wx_valtype_name(t->params[i]));
    n += (size_t)snprintf(buf + n, n < size ? size - n : 0, ") -> (");
    for (uint32_t i = 0; i < t->nresults; i++)
        n += (size_t)snprintf(buf + n, n < size ? size - n : 0, "%s%s",
                              i ? ", " : "", wx_valtype_name(t->results[i]));
    snprintf(buf + n, n < size ? size - n : 0, ")");
}

/* ----------------------------------------------------------- versions */

/*
 * A version of `p` for `cfg` (NULL allowed), with one function per listed
 * name tied to the plugin's counters, and the counter map. Not yet loaded.
 * Admin lock held (the counters are appended to).
 */
static wxm_version *version_new(wxm_plugin *p, wxg_config *cfg)
{
    wxm_version *v = calloc(1, sizeof *v);
    if (!v)
        return NULL;
    atomic_init(&v->refs, 1);
    atomic_fetch_add_explicit(&p->refs, 1, memory_order_relaxed);
    v->plugin = p;
    v->cfg = cfg;
    uint32_t n = cfg ? (uint32_t)cfg->nfuncs : 0;
    v->funcs = calloc(n ? n : 1, sizeof *v->funcs);
    if (!v->funcs)
        goto fail;
    v->nfuncs = n;
    for (uint32_t i = 0; i < n; i++) {
        v->funcs[i].decl = &cfg->funcs[i];
        v->funcs[i].counter = wxm_plugin_counter(p, cfg->funcs[i].name);
        if (!v->funcs[i].counter)
            goto fail;
    }
    v->nmap = p->ncounters;
    v->map = malloc((v->nmap ? v->nmap : 1) * sizeof *v->map);
    if (!v->map)
        goto fail;
    for (uint32_t c = 0; c < v->nmap; c++)
        v->map[c] = -1;
    for (uint32_t i = 0; i < n; i++)
        v->map[v->funcs[i].counter->index] = (int32_t)i;
    return v;

fail:
    v->cfg = NULL; /* still the caller's */
    wxm_version_destroy(v);
    return NULL;
}

void wxm_version_destroy(wxm_version *v)
{
    /* The pool goes first: its instances use the linker and module. */
    if (v->pool)
        wxv_pool_release(v->pool);
    /* With the instances gone, so is every use of their contexts. */
    wxw_binder_free(v->wasi);
    free(v->wasi_args);
    free(v->wasi_kv);
    wx_linker_free(v->linker);
    wxa_legacy_free(v->legacy);
    wxa_extism_free(v->extism);
    free(v->extism_config);
    wx_module_free(v->module);
    wxm_blob_release(v->blob);
    wxg_config_free(v->cfg);
    free(v->config_text);
    free(v->error);
    free(v->funcs);
    free(v->map);
    wxm_plugin_release(v->plugin);
    free(v);
}

const char *wxm_version_config(wxm_version *v)
{
    char *text = atomic_load_explicit(&v->config_text, memory_order_acquire);
    if (text || !v->cfg)
        return text;
    char *mine = wxg_config_dump(v->cfg, 0);
    if (!mine)
        return NULL;
    /* Two threads may dump at once: the first to store wins. */
    if (atomic_compare_exchange_strong_explicit(&v->config_text, &text, mine,
                                                memory_order_acq_rel,
                                                memory_order_acquire))
        return mine;
    free(mine);
    return text;
}

wxm_version *wxm_version_pending(wxm_plugin *p, wxg_config *cfg,
                                 char *config_text)
{
    wxm_version *v = version_new(p, cfg);
    if (!v) {
        wxg_config_free(cfg);
        free(config_text);
        return NULL;
    }
    v->pending = true;
    v->config_text = config_text;
    return v;
}

wxm_version *wxm_version_failed(wxm_plugin *p, wxg_config *cfg,
                                char *config_text, const wx_error *why)
{
    wxm_version *v = version_new(p, cfg);
    if (!v) {
        wxg_config_free(cfg);
        free(config_text);
        return NULL;
    }
    v->config_text = config_text; /* else made from cfg if asked */
    v->error = strdup(why->message[0] ? why->message : "unknown error");
    v->error_status = why->status != WX_OK ? why->status : WX_EHOST;
    if (!v->error) {
        wxm_version_release(v);
        return NULL;
    }
    return v;
}

/* ------------------------------------------------------------- guests */

/* A line of guest output (wasi.stdout/stderr "log", or not set): to the
 * plugin's guest log (guestlog.c), which escapes, prefixes and bounds
 * it, with the function whose call is running on this thread. The version
 * lives until its instances' contexts are freed, which is when a last
 * unfinished line arrives. */
static void guest_line(void *ud, int fd, const uint8_t *line, size_t len,
                       uint64_t cut, bool ended)
{
    (void)ended;
    const wxm_version *v = ud;
    wxm_guestlog_line(&v->plugin->glog, v->plugin->name, wxm_guest_fn, fd,
                      line, len, cut);
}

/*
 * Gives each fresh instance its own WASI context (when the module imports
 * WASI), then runs its WASI entry: `_initialize` for reactors (when
 * exported, unless wasi.init says otherwise), or `_start` once when
 * wasi.init is "_start" (a command that sets up state; an exit with code
 * 0 is success), or nothing for "none". The enum values of wx_wasi_init and
 * wxw_init match.
 */
_Static_assert((int)WX_INIT_START == (int)WXW_INIT_START &&
                   (int)WX_INIT_NONE == (int)WXW_INIT_NONE,
               "wx_wasi_init and wxw_init must match");
static wx_status init_instance_as_host(wx_instance *inst, void *ud,
                                       wx_error *err)
{
    const wxm_version *v = ud;
    wx_status s;
    if (v->wasi) {
        wxw_ctx *c = wxw_ctx_new(&v->wasi_opts, err);
        if (!c)
            return err && err->status != WX_OK ? err->status : WX_ENOMEM;
        /* The binder owns the context from here, even on failure. */
        if ((s = wxw_bind(v->wasi, inst, c, err)) != WX_OK)
            return s;
    }
    s = wxw_init_instance(inst, (wxw_init)v->cfg->wasi.init, err);
    if (s != WX_OK && v->wasi)
        wxw_unbind(v->wasi, inst); /* the pool frees the instance */
    return s;
}

static wx_status init_instance(wx_instance *inst, void *ud, wx_error *err)
{
    /* A call may make its instance (a lazy pool): what the guest logs
     * while it starts belongs to no function. */
    const char *fn = wxm_guest_fn_enter_host();
    wx_status s = init_instance_as_host(inst, ud, err);
    wxm_guest_fn = fn;
    return s;
}

/* Whether init_instance runs no guest code for this version: it binds
 * the WASI context, and wasi.init runs nothing ("none", or "auto" on a
 * module without `_initialize`). */
static bool init_is_host_only(const wxm_version *v)
{
    wxw_init mode = (wxw_init)v->cfg->wasi.init;
    if (mode == WXW_INIT_NONE)
        return true;
    if (mode != WXW_INIT_AUTO)
        return false;
    uint32_t n = wx_module_export_count(v->module);
    for (uint32_t i = 0; i < n; i++) {
        wx_externdesc d;
        if (wx_module_export(v->module, i, &d) &&
            d.kind == WX_EXTERN_FUNC && strcmp(d.name, "_initialize") == 0)
            return false;
    }
    return true;
}

/* An instance the pool frees (replaced, trimmed, or the pool going):
 * its WASI context goes with it, and with the context its last
 * unfinished line of output. */
static void free_instance(wx_instance *inst, void *ud)
{
    const wxm_version *v = ud;
    /* Its unfinished last line comes now, whichever thread frees it. */
    const char *fn = wxm_guest_fn_enter_host();
    if (v->wasi)
        wxw_unbind(v->wasi, inst);
    if (v->extism) /* its variables and call memory */
        wxa_extism_detach(inst);
    wxm_guest_fn = fn;
}

/* The sink of one output stream of the guests: see guest_line. "inherit"
 * passes the bytes as they are, for an operator who wants them so. */
static wxw_output output_mode(wx_wasi_output o)
{
    switch (o) {
    case WX_OUTPUT_INHERIT: return WXW_OUTPUT_INHERIT;
    case WX_OUTPUT_DISCARD: return WXW_OUTPUT_DISCARD;
    default: return WXW_OUTPUT_LINES;
    }
}

/*
 * The WASI options every instance's context is made from: the config's
 * "wasi" object, with wasi.argv0 (or the plugin name) as args[0]. Stdin
 * is empty unless wasi.stdin is "inherit". The binder is shared
 * by the whole pool; the pool's hook binds each instance.
 */
static wx_status make_wasi(wxm_version *v, wx_error *err)
{
    const wxg_wasi *w = &v->cfg->wasi;
    v->wasi_args = calloc(w->nargs + 1, sizeof *v->wasi_args);
    v->wasi_kv = calloc(w->nenv + w->npreopens + 1, sizeof *v->wasi_kv);
    if (!v->wasi_args || !v->wasi_kv)
        return wx_error_set(err, WX_ENOMEM, "out of host memory");
    v->wasi_args[0] = w->argv0 ? w->argv0 : v->cfg->name;
    for (size_t i = 0; i < w->nargs; i++)
        v->wasi_args[i + 1] = w->args[i];
    for (size_t i = 0; i < w->nenv; i++)
        v->wasi_kv[i] = (wxw_kv){w->env[i].key, w->env[i].value};
    for (size_t i = 0; i < w->npreopens; i++)
        v->wasi_kv[w->nenv + i] =
            (wxw_kv){w->preopens[i].key, w->preopens[i].value};
    wxw_opts *o = &v->wasi_opts;
    o->nargs = w->nargs + 1;
    o->args = v->wasi_args;
    o->nenv = w->nenv;
    o->env = v->wasi_kv;
    o->npreopens = w->npreopens;
    o->preopens = v->wasi_kv + w->nenv;
    o->in = w->in == WX_STDIN_INHERIT ? WXW_INPUT_INHERIT : WXW_INPUT_EMPTY;
    o->out = output_mode(w->out);
    o->err = output_mode(w->err);
    o->on_line = guest_line;
    o->line_max = WX_GUEST_LINE_MAX;
    o->ud = v;
    /* A missing preopen directory is the config's fault: find it now,
     * once, rather than in the pool's first instance (the message names
     * wasi.preopens). */
    wxw_ctx *probe = wxw_ctx_new(o, err);
    if (!probe)
        return err && err->status != WX_OK ? err->status : WX_EARG;
    wxw_ctx_free(probe);
    v->wasi = wxw_binder_new(err);
    if (!v->wasi)
        return err && err->status != WX_OK ? err->status : WX_ENOMEM;
    return wxw_define_shared(v->linker, v->module, v->wasi, err);
}

/* Does the module import anything from module `name`? */
static bool imports_from(const wx_module *m, const char *name)
{
    uint32_t n = wx_module_import_count(m);
    for (uint32_t i = 0; i < n; i++) {
        wx_externdesc d;
        if (wx_module_import(m, i, &d) && strcmp(d.module, name) == 0)
            return true;
    }
    return false;
}

/* An Extism log call: to the plugin's guest log, tagged with its level. */
static void extism_log(void *ud, wxa_extism_level level, const uint8_t *msg,
                       size_t len)
{
    const wxm_version *v = ud;
    wxm_guestlog_tagged(&v->plugin->glog, v->plugin->name, wxm_guest_fn,
                        wxa_extism_level_name(level), msg, len, 0);
}

/*
 * The Extism hub, when a function has abi extism: the config's "extism"
 * settings for every instance. Made whether or not the module imports
 * extism:host/env, since every Extism call needs the per-instance state
 * it keys.
 */
static wx_status make_extism(wxm_version *v, wx_error *err)
{
    bool any = false;
    for (uint32_t i = 0; i < v->nfuncs; i++)
        any = any || v->funcs[i].decl->abi == WX_ABI_EXTISM;
    if (!any)
        return WX_OK;
    const wxg_extism *x = &v->cfg->extism;
    v->extism_config = calloc(x->nconfig ? x->nconfig : 1,
                              sizeof *v->extism_config);
    if (!v->extism_config)
        return wx_error_set(err, WX_ENOMEM, "out of host memory");
    for (size_t i = 0; i < x->nconfig; i++)
        v->extism_config[i] =
            (wxa_extism_kv){x->config[i].key, x->config[i].value};
    wxa_extism_opts o = {
        .nconfig = x->nconfig,
        .config = v->extism_config,
        .nhosts = x->nhosts,
        .allowed_hosts = x->allowed_hosts,
        .max_var_bytes = x->max_var_bytes,
        .has_max_var_bytes = x->has_max_var_bytes,
        .max_http_response_bytes = x->max_http_response_bytes,
        .on_log = extism_log,
        .ud = v,
    };
    if (!(v->extism = wxa_extism_new(&o, err)))
        return err ? err->status : WX_ENOMEM;
    for (uint32_t i = 0; i < v->nfuncs; i++)
        if (v->funcs[i].decl->abi == WX_ABI_EXTISM)
            v->funcs[i].fn.extism = v->extism;
    return WX_OK;
}

/* The imports a plugin may use; none if the module imports nothing. */
static wx_status make_linker(wxm_version *v, wx_error *err)
{
    if (wx_module_import_count(v->module) == 0)
        return WX_OK;
    v->linker = wx_linker_new(err);
    if (!v->linker)
        return err ? err->status : WX_ENOMEM;
    wx_status s = WX_OK;
    if (imports_from(v->module, WXW_MODULE))
        s = make_wasi(v, err);
    if (s == WX_OK && imports_from(v->module, "wasmedge-bindgen")) {
        v->legacy = wxa_legacy_new(err);
        s = v->legacy
                ? wxa_linker_add_bindgen_legacy(v->linker, v->legacy, err)
                : WX_ENOMEM;
        for (uint32_t i = 0; s == WX_OK && i < v->nfuncs; i++)
            v->funcs[i].fn.legacy = v->legacy;
    }
    if (s == WX_OK && v->extism && imports_from(v->module, "extism:host/env"))
        s = wxa_linker_add_extism(v->linker, v->extism, err);
    return s;
}

/* Prefixes err's message with "<prefix>: ", keeping its status. */
static void prefix_error(wx_error *err, const char *prefix)
{
    if (!err)
        return;
    char why[sizeof err->message];
    snprintf(why, sizeof why, "%s", err->message);
    wx_trap trap = err->trap;
    wx_error_set(err, err->status, "%s: %s", prefix, why);
    err->trap = trap;
}

/* The most linear memory one instance may hold, in pages: for each memory
 * it defines (several since WebAssembly 3.0; imported ones are charged to
 * their owner), limits.memory_pages, or the memory's declared maximum
 * when that is lower (*by_module set), summed; 0 when one of them is
 * unbounded (limits.memory_pages 0 and no declared maximum) or there is
 * none. *count: how many memories the instance defines. */
static uint64_t instance_cap_pages(const wx_module *mod, uint32_t cap_pages,
                                   bool *by_module, uint32_t *count)
{
    uint64_t total = 0;
    wx_limits lim;
    bool imported;
    *by_module = false;
    *count = 0;
    for (uint32_t i = 0; wx_module_memory(mod, i, &lim, &imported); i++) {
        if (imported)
            continue;
        uint64_t pages = cap_pages;
        if (lim.has_max && (!pages || lim.max < pages)) {
            pages = lim.max;
            *by_module = true;
        }
        if (!pages)
            return 0;
        /* Saturated far above any budget, so that per * n below stays
         * within 64 bits however many memories a module declares. */
        total = total + pages < (UINT64_C(1) << 32) ? total + pages
                                                     : (UINT64_C(1) << 32);
        (*count)++;
    }
    return total;
}

/*
 * A plugin whose instances could, all grown to their cap, hold more than
 * the whole memory budget is refused at add: it would otherwise load and
 * then fail calls (or grows) at random, depending on the other plugins.
 * Checked against the budget's limit, not what is free now: instances
 * start at their declared minimum, which the pool's creation charges.
 */
static wx_status check_budget(wx_manager *m, const wxm_version *v,
                              uint32_t cap_pages, wx_error *err)
{
    const wxg_config *cfg = v->cfg;
    bool by_module;
    uint32_t nmem;
    uint64_t pages =
        instance_cap_pages(v->module, cap_pages, &by_module, &nmem);
    uint64_t per = pages * 65536u;
    wx_budget_stats bs;
    wx_budget_stats_get(m->budget, &bs);
    uint32_t n = cfg->instance_num ? cfg->instance_num : 1;
    /* Unbounded per instance (trusted guests, limits.memory_pages 0):
     * only the budget at run time holds them. per <= 2^48 and n <= 64,
     * so the product cannot overflow. */
    if (!per || per * n <= bs.limit)
        return WX_OK;
    char why[160];
    if (nmem > 1)
        snprintf(why, sizeof why, "%u memories, %llu pages in all, each "
                 "at most limits.memory_pages %u or its declared maximum",
                 nmem, (unsigned long long)pages, cap_pages);
    else if (by_module)
        snprintf(why, sizeof why, "the module's declared maximum of %llu "
                 "pages", (unsigned long long)pages);
    else
        snprintf(why, sizeof why, "limits.memory_pages %u%s", cap_pages,
                 cfg->limits.has_memory_pages ? "" : ", the default");
    return wx_error_set(
        err, WX_ELIMIT,
        "instance_num %u x %llu MiB of memory per instance (%s) is %llu "
        "MiB, more than the memory budget of %llu MiB (all plugins "
        "together; wasmext serve --memory-budget, $WASMEXT_MEMORY_BUDGET): "
        "lower instance_num or limits.memory_pages",
        n, (unsigned long long)(per >> 20), why,
        (unsigned long long)((per * n) >> 20),
        (unsigned long long)(bs.limit >> 20));
}

static wx_status make_pool(wx_manager *m, wxm_version *v, wx_error *err)
{
    const wxg_config *cfg = v->cfg;
    wxv_pool_opts po = {0};
    po.instance_num = cfg->instance_num;
    po.wait_ms = m->opts.wait_ms;
    /* Limits the config leaves out get the defaults (wasmext/defaults.h),
     * so that no plugin runs unbounded unless its config says so. */
    wxg_limits lim = wxg_limits_effective(&cfg->limits);
    po.timeout_ms = lim.timeout_ms;
    po.instance.max_memory_pages = lim.memory_pages;
    po.instance.max_call_depth = lim.stack;
    po.instance.fuel = lim.fuel;
    po.instance.budget = m->budget;
    wx_status s = check_budget(m, v, lim.memory_pages, err);
    if (s != WX_OK)
        return s;
    /* Start functions and `_initialize` are bounded even for a plugin
     * whose calls are not (timeout_ms 0): they run whenever the registry
     * is opened (daemon start, every CLI command), and a start that loops
     * must not make the registry impossible to open and clean up. */
    po.init_timeout_ms =
        lim.timeout_ms ? lim.timeout_ms : WX_DEFAULT_TIMEOUT_MS;
    po.on_instance = init_instance;
    po.on_instance_host_only = init_is_host_only(v);
    po.on_instance_free = free_instance;
    po.ud = v;
    /* Idle instances whose memory grew are given back (pool.h). */
    po.trim_idle_ms = m->opts.trim_idle_ms == UINT32_MAX ? 0
                      : m->opts.trim_idle_ms ? m->opts.trim_idle_ms
                                             : WX_DEFAULT_TRIM_IDLE_MS;
    if (po.timeout_ms || po.init_timeout_ms || po.trim_idle_ms) {
        if (!m->watchdog && !(m->watchdog = wxv_watchdog_new(err)))
            return err ? err->status : WX_ENOMEM;
        po.watchdog = m->watchdog;
    }
    v->pool = wxv_pool_new(v->module, v->linker, &po, err);
    if (!v->pool && err && err->status == WX_ELIMIT &&
        strncmp(err->message, "memory needs", 12) == 0) {
        /* Name the setting that refused it, default or not. */
        char why[sizeof err->message];
        snprintf(why, sizeof why, "%s", err->message);
        wx_error_set(err, WX_ELIMIT, "%s (limits.memory_pages%s)", why,
                     cfg->limits.has_memory_pages ? "" : ", by default");
    } else if (!v->pool && err && err->status == WX_ELIMIT &&
               strncmp(err->message, "memory budget", 13) == 0) {
        char why[sizeof err->message];
        snprintf(why, sizeof why, "%s", err->message);
        wx_error_set(err, WX_ELIMIT,
                     "%s (the memory budget of all plugins together: "
                     "wasmext serve --memory-budget, $WASMEXT_MEMORY_BUDGET)",
                     why);
    }
    return v->pool ? WX_OK : err ? err->status : WX_EHOST;
}

/* Binds function i to the module and finds its export. */
static wx_status bind_func(wxm_version *v, uint32_t i, const char *file,
                           wx_error *err)
{
    wxm_func *f = &v->funcs[i];
    char at[32];
    snprintf(at, sizeof at, "functions[%u]", i);
    wx_status s = wxm_abi_bind(f, v->module, at, file, err);
    if (s != WX_OK)
        return s;
    uint32_t n = wx_module_export_count(v->module);
    for (uint32_t e = 0; e < n; e++) {
        wx_externdesc d;
        if (wx_module_export(v->module, e, &d) && d.kind == WX_EXTERN_FUNC &&
            strcmp(d.name, f->decl->name) == 0) {
            f->export_index = e;
            f->type = d.func;
            return WX_OK;
        }
    }
    /* The ABI layer found it, so this would be a bug. */
    return wx_error_set(err, WX_EINVALID, "%s: \"%s\" is not exported by %s",
                        at, f->decl->name, file);
}

static wx_status check_conflicts(const wx_manager *m, const wxm_version *v,
                                 wx_error *err)
{
    for (uint32_t i = 0; i < v->nfuncs; i++) {
        char who[160];
        const char *name = v->funcs[i].decl->name;
        size_t n = wxm_claimants(m, v->plugin, name, who, sizeof who);
        if (n)
            return wx_error_set(err, WX_EEXIST,
                                "functions[%u]: \"%s\" is already provided "
                                "by plugin%s %s (function names must be "
                                "unique across plugins)",
                                i, name, n > 1 ? "s" : "", who);
    }
    return WX_OK;
}

wxm_version *wxm_version_build(wx_manager *m, wxm_plugin *p, wxg_config *cfg,
                               const uint8_t *wasm, size_t wasm_len,
                               const char *sha256, bool conflicts,
                               wx_error *err)
{
    if (!wxg_engine_available(cfg, err))
        return NULL;
    wxm_version *v = version_new(p, cfg);
    if (!v) {
        wx_error_set(err, WX_ENOMEM, "out of host memory");
        return NULL;
    }
    const char *file = wxm_basename(cfg->path);
    char prefix[300];
    wx_status s = WX_OK;
    v->module = wx_module_load(wasm, wasm_len, NULL, err);
    if (!v->module) {
        snprintf(prefix, sizeof prefix, "vm_config.path: %s", file);
        prefix_error(err, prefix);
        s = err ? err->status : WX_EINVALID;
        goto fail;
    }
    for (uint32_t i = 0; i < v->nfuncs && s == WX_OK; i++)
        s = bind_func(v, i, file, err);
    if (s != WX_OK || (conflicts && (s = check_conflicts(m, v, err)) != WX_OK))
        goto fail;
    if ((s = make_extism(v, err)) != WX_OK ||
        (s = make_linker(v, err)) != WX_OK ||
        (s = make_pool(m, v, err)) != WX_OK) {
        snprintf(prefix, sizeof prefix,
                 "vm_config.path: %s cannot be instantiated", file);
        prefix_error(err, prefix);
        goto fail;
    }
    v->wasm_len = wasm_len;
    /* A registry in memory computes the digest when a report asks for
     * it (wxm_version_digest): `wasmext run` hashes nothing. */
    if (sha256)
        snprintf(v->sha256, sizeof v->sha256, "%s", sha256);
    else if (!wxg_registry_digest_on_demand(m->reg) &&
             (s = wxg_sha256_hex(wasm, wasm_len, v->sha256, err)) != WX_OK)
        goto fail;
    if (cfg->record_failed_calls)
        wxm_record_prepare(v, wasm, wasm_len);
    return v;

fail:
    (void)s;
    v->cfg = NULL; /* still the caller's */
    wxm_version_release(v);
    return NULL;
}
