/*
 * wx_call: the host's way into a function. This is the hot path of every
 * host->guest call, so it checks the arguments, converts them to slots in a
 * small on-stack array and hands over to the interpreter without touching
 * the heap or clearing the (large) error object.
 *
 * Beside it, the two shortcuts for hosts that resolve and check once and
 * call many times (the ABI layer's allocator calls): an export by index
 * instead of by name, and wx_call_unchecked, which takes the slots as they
 * are.
 */
#include "runtime.h"
#include "reftype.h"

#include <stdlib.h>

/* Signatures up to this many slots need no heap allocation. */
#define WXI_CALL_SMALL 16

const wx_functype *wx_wasm_func_type(const wx_wasm_func *f)
{
    return &f->type;
}

bool wx_instance_export_at(wx_instance *inst, uint32_t index, wx_extern *out)
{
    const wx_module *m = inst->module;
    if (index >= m->nexports)
        return false;
    const wxm_export *e = &m->exports[index];
    out->kind = e->kind;
    switch (e->kind) {
    case WX_EXTERN_FUNC: out->of.func = inst->funcs[e->index]; break;
    case WX_EXTERN_TABLE: out->of.table = inst->tables[e->index]; break;
    case WX_EXTERN_MEMORY: out->of.memory = inst->memories[e->index]; break;
    case WX_EXTERN_GLOBAL: out->of.global = inst->globals[e->index]; break;
    case WX_EXTERN_TAG: out->of.tag = inst->tags[e->index]; break;
    }
    return true;
}

/* Reports the first problem with the counts or the argument types. Only
 * runs once the fast check in wx_call has failed. */
static wx_status bad_args(const wx_functype *t, const wx_wasm_val *args,
                          size_t nargs, size_t nresults, wx_error *err)
    __attribute__((cold, noinline));

static wx_status bad_args(const wx_functype *t, const wx_wasm_val *args,
                          size_t nargs, size_t nresults, wx_error *err)
{
    if (nargs != t->nparams)
        return wx_error_set(err, WX_EARG, "expected %u arguments, got %zu",
                            t->nparams, nargs);
    if (nresults != t->nresults)
        return wx_error_set(err, WX_EARG,
                            "expected room for %u results, "
                            "got %zu",
                            t->nresults, nresults);
    for (uint32_t i = 0; i < t->nparams; i++)
        if (args[i].type != t->params[i])
            return wx_error_set(
                err, WX_EARG, "argument %u: expected %s, got %s", i + 1,
                wx_valtype_name(t->params[i]), wx_valtype_name(args[i].type));
    return wx_error_set(err, WX_EARG, "bad arguments");
}

bool wxi_ref_fits(const wx_module *m, wx_valtype want,
                  const wx_wasm_val *arg)
{
    if (!wx_is_ref(want) || arg->type != wxm_ref_top(m, want))
        return false;
    const void *p = arg->type == WX_FUNCREF ? (const void *)arg->of.func
                                             : arg->of.ext;
    if (!p)
        return wx_ref_nullable(want);
    if (wx_ref_concrete(want)) {
        const wx_wasm_func *g = arg->of.func;
        return m && g->module && g->mtype &&
               wxm_type_sub(g->module,
                            (uint32_t)(g->mtype - g->module->types), m,
                            wx_ref_index(want));
    }
    uint32_t h = wx_ref_heap(want);
    /* The bottom types hold only null. */
    return h != WX_HEAP_NOFUNC && h != WX_HEAP_NOEXTERN &&
           h != WX_HEAP_NONE && h != WX_HEAP_NOEXN;
}

static wx_status run(wx_wasm_func *f, wx_slot *slots, wx_error *err)
{
    if (!f->inst)
        return wxi_call_host(f, NULL, slots, err);
    wx_instance *inst = f->inst;
    return wxe_invoke(f, slots, &inst->stack, err);
}

/* wx_call's general way (f->general): v128 values, which take two slots,
 * and typed references, which an argument of another type may fit
 * (wxi_ref_fits) and whose results show their family's top type. */
static wx_status call_general(wx_wasm_func *f, const wx_wasm_val *args,
                              wx_wasm_val *results, wx_error *err)
{
    const wx_functype *t = &f->type;
    for (uint32_t i = 0; i < t->nparams; i++)
        if (args[i].type != t->params[i] &&
            !wxi_ref_fits(f->module, t->params[i], &args[i]))
            return bad_args(t, args, t->nparams, t->nresults, err);
    uint32_t np = wxi_nslots(t->params, t->nparams);
    uint32_t nr = wxi_nslots(t->results, t->nresults);
    uint32_t n = np > nr ? np : nr;
    wx_slot small[WXI_CALL_SMALL];
    wx_slot *slots = small;
    if (n > WXI_CALL_SMALL && !(slots = malloc((size_t)n * sizeof *slots)))
        return wx_error_set(err, WX_ENOMEM, "out of host memory");
    wxi_vals_to_slots(t->params, t->nparams, args, slots);
    wx_status s = run(f, slots, err);
    if (s == WX_OK) {
        wxi_slots_to_vals(t->results, t->nresults, slots, results);
        for (uint32_t i = 0; i < t->nresults; i++)
            results[i].type = wxm_ref_top(f->module, results[i].type);
        err->status = WX_OK;
    }
    if (slots != small)
        free(slots);
    return s;
}

wx_status wx_call(wx_wasm_func *f, const wx_wasm_val *args, size_t nargs,
                  wx_wasm_val *results, size_t nresults, wx_error *err)
{
    /* The interpreter and host functions always get an error object, so
     * they never test for NULL. */
    wx_error local;
    if (!err)
        err = &local;
    if (__builtin_expect(!f, 0))
        return wx_error_set(err, WX_EARG, "no function");
    const wx_functype *t = &f->type;
    if (__builtin_expect(nargs != t->nparams || nresults != t->nresults, 0))
        return bad_args(t, args, nargs, nresults, err);
    if (__builtin_expect(f->general, 0))
        return call_general(f, args, results, err);

    uint32_t n = t->nparams > t->nresults ? t->nparams : t->nresults;
    wx_slot small[WXI_CALL_SMALL];
    wx_slot *slots = small;
    if (__builtin_expect(n > WXI_CALL_SMALL, 0)) {
        slots = malloc((size_t)n * sizeof *slots);
        if (!slots)
            return wx_error_set(err, WX_ENOMEM, "out of host memory");
    }
    /* Check and convert in one pass; nothing has run if a type is wrong. */
    wx_status s;
    for (uint32_t i = 0; i < t->nparams; i++) {
        if (__builtin_expect(args[i].type != t->params[i], 0)) {
            s = bad_args(t, args, nargs, nresults, err);
            goto out;
        }
        slots[i] = wxi_slot_from_val(&args[i]);
    }

    s = run(f, slots, err);
    if (__builtin_expect(s == WX_OK, 1)) {
        for (uint32_t i = 0; i < t->nresults; i++)
            wxi_val_set(&results[i], t->results[i], slots[i]);
        err->status = WX_OK;
    }
out:
    if (slots != small)
        free(slots);
    return s;
}

wx_status wx_call_unchecked(wx_wasm_func *f, uint64_t *slots, wx_error *err)
{
    /* A slot is a uint64_t with the conventions wx_call_unchecked
     * documents, so the caller's array is the interpreter's argument and
     * result area as it is. */
    _Static_assert(sizeof(wx_slot) == sizeof(uint64_t), "slots are 64-bit");
    return run(f, (wx_slot *)slots, err);
}
