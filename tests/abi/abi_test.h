/*
 * Shared helpers of the ABI tests: load a guest from the guest directory
 * (argv[1]), instantiate it with the minimal WASI and, if asked, the
 * legacy bindgen imports, and run configured functions with arguments
 * written as command-line text.
 */
#ifndef WX_ABI_TEST_H
#define WX_ABI_TEST_H

#include "abi.h"
#include "check.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

static inline uint8_t *test_read_file(const char *path, size_t *len)
{
    FILE *f = fopen(path, "rb");
    if (!f)
        return NULL;
    fseek(f, 0, SEEK_END);
    long n = ftell(f);
    fseek(f, 0, SEEK_SET);
    uint8_t *buf = malloc(n > 0 ? (size_t)n : 1);
    if (buf && n > 0 && fread(buf, 1, (size_t)n, f) != (size_t)n) {
        free(buf);
        buf = NULL;
    }
    fclose(f);
    *len = n > 0 ? (size_t)n : 0;
    return buf;
}

typedef struct guest {
    wx_module *m;
    wx_linker *l;
    wx_instance *inst;
    wxa_legacy *hub;
    /* run_text binds bindgen functions to m first (wxa_fn_bind), so that
     * calls take the path through recorded export indices, as the
     * manager's do; otherwise they find the exports by name. */
    bool bind;
} guest;

static inline wx_module *guest_load(const char *dir, const char *file)
{
    char path[1024];
    snprintf(path, sizeof path, "%s/%s", dir, file);
    size_t len;
    uint8_t *bytes = test_read_file(path, &len);
    if (!bytes) {
        fprintf(stderr, "cannot read %s\n", path);
        return NULL;
    }
    wx_error err;
    wx_module *m = wx_module_load(bytes, len, NULL, &err);
    free(bytes);
    if (!m)
        fprintf(stderr, "%s: %s\n", path, err.message);
    return m;
}

/* Loads and instantiates dir/file; the linker gets the minimal WASI (with
 * `wasi` as its options, may be NULL) and the legacy bindgen imports. */
static inline bool guest_open_opts(guest *g, const char *dir, const char *file,
                                   const wxa_wasi_min_opts *wasi)
{
    memset(g, 0, sizeof *g);
    wx_error err;
    g->m = guest_load(dir, file);
    if (!g->m)
        return false;
    g->l = wx_linker_new(&err);
    g->hub = wxa_legacy_new(&err);
    if (!g->l || !g->hub ||
        wxa_linker_add_wasi_min(g->l, g->m, wasi, &err) != WX_OK ||
        wxa_linker_add_bindgen_legacy(g->l, g->hub, &err) != WX_OK) {
        fprintf(stderr, "%s: linker: %s\n", file, err.message);
        return false;
    }
    g->inst = wx_instantiate(g->m, g->l, NULL, &err);
    if (!g->inst) {
        fprintf(stderr, "%s: instantiate: %s\n", file, err.message);
        return false;
    }
    return true;
}

static inline bool guest_open(guest *g, const char *dir, const char *file)
{
    return guest_open_opts(g, dir, file, NULL);
}

static inline void guest_close(guest *g)
{
    wx_instance_free(g->inst);
    wx_linker_free(g->l);
    wxa_legacy_free(g->hub);
    wx_module_free(g->m);
    memset(g, 0, sizeof *g);
}

/* A function with its params (and results, if `results` is not NULL)
 * declared by space-separated type names, e.g. "string i32". */
static inline void fn_decl(wxa_fn *fn, const char *name, wx_abi abi,
                           const char *params, const char *results)
{
    wxa_fn_init(fn, name, abi);
    const char *lists[2] = {params, results};
    for (int k = 0; k < 2; k++) {
        if (!lists[k])
            continue;
        char buf[512];
        const char *names[WXA_MAX_VALUES];
        size_t n = 0;
        snprintf(buf, sizeof buf, "%s", lists[k]);
        for (char *t = strtok(buf, " "); t && n < WXA_MAX_VALUES;
             t = strtok(NULL, " "))
            names[n++] = t;
        wx_error err;
        if (wxa_fn_declare(fn, k == 1, names, n, &err) != WX_OK)
            fprintf(stderr, "fn_decl %s: %s\n", name, err.message);
    }
}

/*
 * Calls fn on g with arguments given as command-line text (converted to
 * the declared param types; undeclared ones as i32/i64/f32/f64 from the
 * signature via wxa_fn_bind; bindgen functions bound if g->bind), and
 * returns the results as one string, one
 * value per line joined by '|' (bytes in hex), or "ERR <status>: <msg>".
 * The string is static: copy it if needed.
 */
static inline const char *run_text(guest *g, const wxa_fn *fn_in,
                                   const char *const *texts, size_t n)
{
    static char out[4096];
    wxa_fn fn = *fn_in;
    wx_error err;
    wx_error_clear(&err);
    bool bind = fn.abi == WX_ABI_BINDGEN ? g->bind
                                          : !(fn.has_params && fn.has_results);
    if (bind && wxa_fn_bind(g->m, &fn, NULL, NULL, &err) != WX_OK) {
        snprintf(out, sizeof out, "ERR %s: %s", wx_status_name(err.status),
                 err.message);
        return out;
    }
    wxa_value args[WXA_MAX_VALUES];
    for (size_t i = 0; i < n; i++) {
        wxa_type t = i < fn.nparams ? fn.params[i] : WXA_STRING;
        char what[32];
        snprintf(what, sizeof what, "argument %zu", i + 1);
        if (wxa_value_from_text(t, texts[i], what, &args[i], &err) != WX_OK) {
            wxa_values_free(args, i);
            snprintf(out, sizeof out, "ERR %s: %s", wx_status_name(err.status),
                     err.message);
            return out;
        }
    }
    wxa_results res;
    wx_status s = wxa_call(g->inst, &fn, args, n, &res, &err);
    wxa_values_free(args, n);
    if (s != WX_OK) {
        snprintf(out, sizeof out, "ERR %s: %s", wx_status_name(s),
                 err.message);
        return out;
    }
    size_t o = 0;
    out[0] = '\0';
    for (uint32_t i = 0; i < res.count; i++) {
        char *t = wxa_value_to_text(&res.values[i], 0);
        o += (size_t)snprintf(out + o, o < sizeof out ? sizeof out - o : 0,
                              "%s%s", i ? "|" : "", t ? t : "(null)");
        free(t);
    }
    wxa_results_free(&res);
    return out;
}

/* Calls a numeric export () -> i32 directly (the guests' counters). */
static inline int32_t guest_i32(guest *g, const char *name)
{
    wx_wasm_func *f = wx_instance_func(g->inst, name);
    wx_wasm_val r;
    if (!f || wx_call(f, NULL, 0, &r, 1, NULL) != WX_OK)
        return -1;
    return r.of.i32;
}

#define CHECK_STR(got, want)                                                  \
    do {                                                                      \
        const char *got_ = (got), *want_ = (want);                            \
        CHECK_MSG(strcmp(got_, want_) == 0, "got \"%s\", want \"%s\"", got_,  \
                  want_);                                                     \
    } while (0)

/* Checks that got starts with want. */
#define CHECK_PREFIX(got, want)                                               \
    do {                                                                      \
        const char *got_ = (got), *want_ = (want);                            \
        CHECK_MSG(strncmp(got_, want_, strlen(want_)) == 0,                   \
                  "got \"%s\", want a prefix \"%s\"", got_, want_);           \
    } while (0)

#endif
