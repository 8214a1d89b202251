/*
 * Globals: one typed slot. Instances keep their own globals in an array;
 * wx_global_new makes a standalone one for the host (e.g. the spec tests'
 * `spectest.global_i32`).
 */
#include "runtime.h"

#include <stdlib.h>

static bool is_slot_type(wx_valtype t)
{
    return t == WX_I32 || t == WX_I64 || t == WX_F32 || t == WX_F64 ||
           t == WX_FUNCREF || t == WX_EXTERNREF;
}

wx_global *wx_global_new(wx_wasm_val value, bool mutable_, wx_error *err)
{
    /* A v128 does not fit a slot; globals of that type come with SIMD. */
    if (!is_slot_type(value.type)) {
        wx_error_set(err, WX_EARG, "unsupported global type %s",
                     wx_valtype_name(value.type));
        return NULL;
    }
    wx_global *g = calloc(1, sizeof *g);
    if (!g) {
        wx_error_set(err, WX_ENOMEM, "out of host memory");
        return NULL;
    }
    g->type = value.type;
    g->mutable_ = mutable_;
    g->val = wxi_slot_from_val(&value);
    g->standalone = true;
    return g;
}

wx_wasm_val wx_global_get(const wx_global *g)
{
    return wxi_val_from_slot(g->type, g->val);
}

wx_status wx_global_set(wx_global *g, wx_wasm_val v, wx_error *err)
{
    if (!g->mutable_)
        return wx_error_set(err, WX_EARG, "global is immutable");
    if (v.type != g->type)
        return wx_error_set(err, WX_EARG, "global has type %s, got %s",
                            wx_valtype_name(g->type), wx_valtype_name(v.type));
    g->val = wxi_slot_from_val(&v);
    return WX_OK;
}

bool wx_global_mutable(const wx_global *g)
{
    return g->mutable_;
}
