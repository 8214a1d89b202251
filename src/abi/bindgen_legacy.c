/*
 * The legacy wasmedge-bindgen form (crates 0.1.11 - 0.1.14, ABI.md §1.1):
 * the export has type (i32 params_ptr, i32 count) -> () and hands its
 * results to the host by calling the imports
 *   wasmedge-bindgen.return_result(i32 triples_ptr, i32 count)
 *   wasmedge-bindgen.return_error(i32 msg_ptr, i32 msg_len)
 * with the same triple array and message as 0.4. The guest drops the
 * triple array and the message when the import returns, so the host
 * function copies everything out at once; the value buffers it leaked are
 * given back with deallocate after the export returns, as in 0.4.
 *
 * Per-call state (see abi.h): the host functions' env is a hub that maps
 * each instance in a legacy call to that call's capture. wxa_call adds the
 * capture before calling the export and removes it after; the host
 * function looks up wx_host_instance(ctx). An instance runs on one thread
 * at a time, so the key is unique; the mutex only guards the list, which
 * holds one entry per call in flight.
 */
#include "internal.h"

#include <inttypes.h>
#include <pthread.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

typedef enum capture_state {
    CAPTURE_NONE,
    CAPTURE_RESULT,
    CAPTURE_ERROR,
} capture_state;

typedef struct capture {
    wx_instance *inst;
    const wxa_fn *fn;
    wxa_results *out;
    wxai_gbuf *frees;
    size_t *nfrees;
    capture_state state;
    wx_error guest_err; /* "guest error: ..." for CAPTURE_ERROR */
} capture;

struct wxa_legacy {
    pthread_mutex_t lock;
    capture **active;
    size_t n, cap;
};

wxa_legacy *wxa_legacy_new(wx_error *err)
{
    wxa_legacy *hub = calloc(1, sizeof *hub);
    if (!hub || pthread_mutex_init(&hub->lock, NULL) != 0) {
        free(hub);
        wx_error_set(err, WX_ENOMEM, "out of host memory");
        return NULL;
    }
    return hub;
}

void wxa_legacy_free(wxa_legacy *hub)
{
    if (!hub)
        return;
    pthread_mutex_destroy(&hub->lock);
    free(hub->active);
    free(hub);
}

static bool hub_add(wxa_legacy *hub, capture *c)
{
    bool ok = true;
    pthread_mutex_lock(&hub->lock);
    if (hub->n == hub->cap) {
        size_t cap = hub->cap ? hub->cap * 2 : 8;
        capture **p = realloc(hub->active, cap * sizeof *p);
        if (p) {
            hub->active = p;
            hub->cap = cap;
        } else {
            ok = false;
        }
    }
    if (ok)
        hub->active[hub->n++] = c;
    pthread_mutex_unlock(&hub->lock);
    return ok;
}

static void hub_remove(wxa_legacy *hub, capture *c)
{
    pthread_mutex_lock(&hub->lock);
    for (size_t i = 0; i < hub->n; i++) {
        if (hub->active[i] == c) {
            hub->active[i] = hub->active[--hub->n];
            break;
        }
    }
    pthread_mutex_unlock(&hub->lock);
}

static capture *hub_find(wxa_legacy *hub, wx_instance *inst)
{
    capture *c = NULL;
    pthread_mutex_lock(&hub->lock);
    for (size_t i = 0; i < hub->n; i++) {
        if (hub->active[i]->inst == inst) {
            c = hub->active[i];
            break;
        }
    }
    pthread_mutex_unlock(&hub->lock);
    return c;
}

/* The capture of the calling instance, ready for its first result. */
static wx_status capture_for(wx_host_ctx *ctx, void *env, const char *what,
                             capture **out, wxai_mem *m)
{
    wx_instance *inst = wx_host_instance(ctx);
    capture *c = inst ? hub_find(env, inst) : NULL;
    if (!c)
        return wx_error_set(wx_host_error(ctx), WX_EABI,
                            "wasmedge-bindgen.%s called outside a bindgen "
                            "call",
                            what);
    if (c->state != CAPTURE_NONE)
        return wx_error_set(wx_host_error(ctx), WX_EABI,
                            "%s: wasmedge-bindgen.%s called after the "
                            "result was already returned",
                            c->fn->name, what);
    m->mem = wxai_guest_memory(inst);
    if (!m->mem)
        return wx_error_set(wx_host_error(ctx), WX_EABI,
                            "%s: the module has no memory", c->fn->name);
    wxai_mem_refresh(m);
    *out = c;
    return WX_OK;
}

static wx_status return_result(wx_host_ctx *ctx, const wx_wasm_val *args,
                               wx_wasm_val *results, void *env)
{
    (void)results;
    capture *c;
    wxai_mem m;
    wx_status s = capture_for(ctx, env, "return_result", &c, &m);
    if (s != WX_OK)
        return s;
    s = wxai_bindgen_decode(&m, (uint32_t)args[0].of.i32,
                            (uint32_t)args[1].of.i32, c->fn, c->out, c->frees,
                            c->nfrees, wx_host_error(ctx));
    if (s != WX_OK)
        return s;
    c->state = CAPTURE_RESULT;
    return WX_OK;
}

static wx_status return_error(wx_host_ctx *ctx, const wx_wasm_val *args,
                              wx_wasm_val *results, void *env)
{
    (void)results;
    capture *c;
    wxai_mem m;
    wx_status s = capture_for(ctx, env, "return_error", &c, &m);
    if (s != WX_OK)
        return s;
    s = wxai_guest_error(&m, (uint32_t)args[0].of.i32,
                         (uint32_t)args[1].of.i32, &c->guest_err);
    if (s != WX_EGUEST) {
        *wx_host_error(ctx) = c->guest_err;
        return s;
    }
    c->state = CAPTURE_ERROR;
    return WX_OK;
}

wx_status wxa_linker_add_bindgen_legacy(wx_linker *l, wxa_legacy *hub,
                                        wx_error *err)
{
    static const wx_valtype two_i32[] = {WX_I32, WX_I32};
    const wx_functype t = {2, 0, two_i32, NULL};
    if (!l || !hub)
        return wx_error_set(err, WX_EARG, "missing linker or hub");
    wx_status s = wx_linker_define_func(l, "wasmedge-bindgen", "return_result",
                                        &t, return_result, hub, err);
    if (s == WX_OK)
        s = wx_linker_define_func(l, "wasmedge-bindgen", "return_error", &t,
                                  return_error, hub, err);
    return s;
}

wx_status wxai_bindgen_legacy_call(wx_instance *inst, wx_wasm_func *f,
                                   const wxa_fn *fn, uint32_t params,
                                   uint32_t nparams, wxa_results *out,
                                   wxai_gbuf *frees, size_t *nfrees,
                                   wx_error *err)
{
    capture c = {
        .inst = inst,
        .fn = fn,
        .out = out,
        .frees = frees,
        .nfrees = nfrees,
        .state = CAPTURE_NONE,
    };
    wx_error_clear(&c.guest_err);
    if (!hub_add(fn->legacy, &c))
        return wx_error_set(err, WX_ENOMEM, "out of host memory");
    uint32_t args[2] = {params, nparams};
    wx_status s = wxai_call_i32(f, fn->name, args, 2, NULL, err);
    hub_remove(fn->legacy, &c);
    if (s != WX_OK)
        return s;
    switch (c.state) {
    case CAPTURE_RESULT: return WX_OK;
    case CAPTURE_ERROR: *err = c.guest_err; return WX_EGUEST;
    default:
        return wx_error_set(err, WX_EABI,
                            "%s returned without calling "
                            "wasmedge-bindgen.return_result or return_error",
                            fn->name);
    }
}
