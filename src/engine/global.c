/*
 * Globals: one typed slot, or 16 bytes for v128. Instances keep their own
 * globals in an array; wx_global_new makes a standalone one for the host
 * (e.g. the spec tests' `spectest.global_i32`).
 */
#include "runtime.h"
#include "reftype.h"

#include <stdlib.h>
#include <string.h>

static bool is_value_type(wx_valtype t)
{
    return t == WX_I32 || t == WX_I64 || t == WX_F32 || t == WX_F64 ||
           t == WX_V128 || t == WX_FUNCREF || t == WX_EXTERNREF;
}

/* Stores v (of the global's type) in g: a v128 does not fit the slot. */
static void store(wx_global *g, const wx_wasm_val *v)
{
    if (g->type == WX_V128)
        memcpy(g->v128, v->of.v128, sizeof g->v128);
    else
        g->val = wxi_slot_from_val(v);
}

wx_global *wx_global_new(wx_wasm_val value, bool mutable_, wx_error *err)
{
    /* A value made without a constructor may carry any number here. */
    if (!is_value_type(value.type)) {
        wx_error_set(err, WX_EARG, "unsupported global type 0x%02x",
                     (unsigned)value.type);
        return NULL;
    }
    wx_global *g = calloc(1, sizeof *g);
    if (!g) {
        wx_error_set(err, WX_ENOMEM, "out of host memory");
        return NULL;
    }
    g->type = value.type;
    g->mutable_ = mutable_;
    store(g, &value);
    g->standalone = true;
    return g;
}

wx_wasm_val wx_global_get(const wx_global *g)
{
    if (g->type == WX_V128) {
        wx_wasm_val v = {.type = WX_V128};
        memcpy(v.of.v128, g->v128, sizeof v.of.v128);
        return v;
    }
    return wxi_val_from_slot(wxm_ref_top(g->types, g->type), g->val);
}

wx_status wx_global_set(wx_global *g, wx_wasm_val v, wx_error *err)
{
    if (!g->mutable_)
        return wx_error_set(err, WX_EARG, "global is immutable");
    if (v.type != g->type && !wxi_ref_fits(g->types, g->type, &v))
        return wx_error_set(err, WX_EARG, "global has type %s, got %s",
                            wx_valtype_name(g->type), wx_valtype_name(v.type));
    store(g, &v);
    return WX_OK;
}

bool wx_global_mutable(const wx_global *g)
{
    return g->mutable_;
}
