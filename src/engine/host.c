/*
 * Host functions: C functions with a wasm signature. The interpreter calls
 * them through wxi_call_host, which turns untyped slots into wx_wasm_val and
 * back, and turns a failure into a status the guest call stops with.
 */
#include "gc.h"
#include "runtime.h"
#include "reftype.h"

#include <stdlib.h>
#include <string.h>

/* Signatures up to this size convert their values on the C stack. */
#define WXI_HOST_SMALL 16

wx_instance *wx_host_instance(wx_host_ctx *ctx)
{
    return ctx->caller;
}

wx_memory *wx_host_memory(wx_host_ctx *ctx)
{
    wx_instance *inst = ctx->caller;
    if (!inst || inst->module->nmemories == 0)
        return NULL;
    return inst->memories[0];
}

wx_error *wx_host_error(wx_host_ctx *ctx)
{
    return ctx->err;
}

wx_wasm_func *wx_wasm_func_new_host(const wx_functype *type, wx_host_fn fn, void *env,
                          wx_error *err)
{
    if (!type || !fn || (type->nparams && !type->params) ||
        (type->nresults && !type->results)) {
        wx_error_set(err, WX_EARG,
                     "host function needs a type and a "
                     "function pointer");
        return NULL;
    }
    if (type->nparams > WXM_MAX_PARAMS || type->nresults > WXM_MAX_RESULTS) {
        wx_error_set(err, WX_EARG, "host function signature too large");
        return NULL;
    }
    /* One block: the function, then its parameter and result types, so
     * that a single free() releases everything. */
    size_t n = (size_t)type->nparams + type->nresults;
    wx_wasm_func *f = calloc(1, sizeof *f + n * sizeof(wx_valtype));
    if (!f) {
        wx_error_set(err, WX_ENOMEM, "out of host memory");
        return NULL;
    }
    wx_valtype *types = (wx_valtype *)(f + 1);
    for (uint32_t i = 0; i < type->nparams; i++)
        types[i] = type->params[i];
    for (uint32_t i = 0; i < type->nresults; i++)
        types[type->nparams + i] = type->results[i];
    f->type.nparams = type->nparams;
    f->type.nresults = type->nresults;
    f->type.params = types;
    f->type.results = types + type->nparams;
    f->index = WX_NO_INDEX;
    f->host = fn;
    f->env = env;
    f->general = wxi_functype_general(&f->type);
    return f;
}

/* Gives a failed host call a status and a message the caller can show. */
static wx_status host_failed(wx_wasm_func *f, wx_status s, wx_error *err)
{
    if ((unsigned)s >= WX_STATUS_COUNT_)
        s = WX_EHOST;
    err->status = s;
    if (s == WX_ETRAP && err->trap == WX_TRAP_NONE)
        err->trap = WX_TRAP_HOST;
    if (!err->message[0]) {
        if (s == WX_ETRAP)
            wx_error_set(err, s, "trap: %s", wx_trap_message(err->trap));
        else
            wx_error_set(err, s, "host function failed: %s",
                         wx_status_message(s));
    }
    (void)f;
    return s;
}

wx_status wxi_call_host(wx_wasm_func *f, wx_instance *caller, wx_slot *slots,
                        wx_error *err)
{
    /* Host functions always get an error object to explain a failure. */
    wx_error local;
    if (!err)
        err = &local;
    err->status = WX_OK;
    err->trap = WX_TRAP_NONE;
    err->message[0] = '\0';

    const wx_functype *t = &f->type;
    wx_wasm_val small[2 * WXI_HOST_SMALL];
    wx_wasm_val *args = small, *results = small + WXI_HOST_SMALL;
    wx_wasm_val *heap = NULL;
    if (t->nparams > WXI_HOST_SMALL || t->nresults > WXI_HOST_SMALL) {
        heap = malloc(((size_t)t->nparams + t->nresults + 1) * sizeof *heap);
        if (!heap)
            return wx_error_set(err, WX_ENOMEM, "out of host memory");
        args = heap;
        results = heap + t->nparams;
    }
    /* The general way (f->general) lays values out in slots of their
     * widths, a v128 taking two; the plain way one slot a value. */
    if (__builtin_expect(f->general, 0))
        wxi_slots_to_vals(t->params, t->nparams, slots, args);
    else
        for (uint32_t i = 0; i < t->nparams; i++)
            wxi_val_set(&args[i], t->params[i], slots[i]);
    /* GC objects and extern boxes the host sees are kept (wxg_pin). */
    if (caller)
        for (uint32_t i = 0; i < t->nparams; i++)
            if (t->params[i] == WX_EXTERNREF ||
                wxm_ref_top(f->module, t->params[i]) ==
                    (wx_valtype)WX_HEAP_ANY)
                wxg_pin(caller->heap, (wx_slot)(uintptr_t)args[i].of.ext);
    /* Results start typed and zero, so a host function that forgets one
     * still returns a well-formed value. */
    for (uint32_t i = 0; i < t->nresults; i++) {
        memset(&results[i], 0, sizeof results[i]);
        results[i].type = t->results[i];
    }

    wx_host_ctx ctx = {caller, err};
    wx_status s = f->host(&ctx, args, results, f->env);
    if (s == WX_OK) {
        /* The slots are read by the declared types whatever the host put
         * in `type`, which keeps the guest's type safety. */
        for (uint32_t i = 0; i < t->nresults; i++)
            results[i].type = t->results[i];
        if (__builtin_expect(f->general, 0))
            wxi_vals_to_slots(t->results, t->nresults, results, slots);
        else
            for (uint32_t i = 0; i < t->nresults; i++)
                slots[i] = wxi_slot_from_val(&results[i]);
    } else {
        s = host_failed(f, s, err);
    }
    free(heap);
    return s;
}
