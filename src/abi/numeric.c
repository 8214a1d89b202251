/*
 * The numeric ABI: the wasm signature says it all. Arguments convert with
 * the exact-fit rule to the declared types (or, undeclared, to the
 * signature's own: i32, i64, f32, f64) and travel as wasm values; results
 * come back typed the same way. A v128 is `bytes`, exactly its 16 bytes in
 * memory order; a reference is `json`: a result describes its handle
 * ({"ref":"struct"}, null ...), and an argument can only be null, since a
 * reference cannot come from outside the instance.
 */
#include "internal.h"

#include <inttypes.h>
#include <stdio.h>
#include <string.h>

/* Checks declared types against one side of the signature. */
static wx_status check_side(const wxa_fn *fn, const wx_functype *t,
                            bool results, const char *where, wx_error *err)
{
    const char *side = results ? "results" : "params";
    uint32_t ndecl = results ? fn->nresults : fn->nparams;
    uint32_t nwasm = results ? t->nresults : t->nparams;
    const wxa_type *decl = results ? fn->results : fn->params;
    const wx_valtype *wasm = results ? t->results : t->params;
    char sig[160];
    wxai_format_functype(t, sig, sizeof sig);
    if (ndecl != nwasm)
        return wxai_fail(err, WX_EINVALID, where,
                         "%s declares %" PRIu32 " %s, but \"%s\" has type %s",
                         side, ndecl, side, fn->name, sig);
    for (uint32_t i = 0; i < ndecl; i++) {
        wx_valtype vt;
        /* bytes and json: only as a v128 and a reference */
        if (!wxai_wasm_type(decl[i], &vt) &&
            !wxai_numeric_fits(decl[i], wasm[i]))
            return wxai_fail(err, WX_EINVALID, where,
                             "%s[%" PRIu32 "] is %s, which the %s abi cannot "
                             "pass (use bindgen or cstring)",
                             side, i, wx_type_name(decl[i]),
                             wx_abi_name(fn->abi));
        if (!wxai_numeric_fits(decl[i], wasm[i]))
            return wxai_fail(err, WX_EINVALID, where,
                             "%s[%" PRIu32 "] is %s, but \"%s\" has %s there "
                             "(type %s)",
                             side, i, wx_type_name(decl[i]), fn->name,
                             wx_valtype_name(wasm[i]), sig);
    }
    return WX_OK;
}

wx_status wxai_numeric_check(const wx_module *m, const wxa_fn *fn,
                             const wx_functype *t, const char *where,
                             wx_error *err)
{
    (void)m;
    wxa_type dummy;
    for (uint32_t i = 0; i < t->nparams + t->nresults; i++) {
        wx_valtype vt =
            i < t->nparams ? t->params[i] : t->results[i - t->nparams];
        if (!wxai_numeric_default_type(vt, &dummy)) {
            char sig[160];
            wxai_format_functype(t, sig, sizeof sig);
            return wxai_fail(err, WX_EINVALID, where,
                             "\"%s\" has type %s; the numeric abi passes "
                             "only i32, i64, f32 and f64",
                             fn->name, sig);
        }
    }
    wx_status s = WX_OK;
    if (fn->has_params)
        s = check_side(fn, t, false, where, err);
    if (s == WX_OK && fn->has_results)
        s = check_side(fn, t, true, where, err);
    return s;
}

/* The wasm results of signature `t` as typed results, for a `fn` that
 * may not be bound: each result's type is checked against the signature
 * (as wxa_call does), then its value. */
static wx_status numeric_results(const wxa_fn *fn, const wx_functype *t,
                                 const wx_wasm_val *res, wxa_results *out,
                                 wx_error *err)
{
    out->count = 0;
    for (uint32_t i = 0; i < t->nresults; i++) {
        wxa_type want;
        if (fn->has_results)
            want = fn->results[i];
        else if (!wxai_numeric_default_type(t->results[i], &want))
            return wx_error_set(err, WX_EARG, "%s: result %" PRIu32 " is %s",
                                fn->name, i + 1,
                                wx_valtype_name(t->results[i]));
        if (!wxai_numeric_fits(want, t->results[i]))
            return wx_error_set(err, WX_EARG,
                                "%s: result %" PRIu32 ": %s "
                                "cannot come from %s",
                                fn->name, i + 1, wx_type_name(want),
                                wx_valtype_name(t->results[i]));
        wx_status s = wxai_from_wasm(res[i], want, i, &out->values[i], err);
        if (s != WX_OK)
            return s;
        out->count = i + 1;
    }
    return WX_OK;
}

wx_status wxai_numeric_call(wx_instance *inst, wx_wasm_func *f, const wxa_fn *fn,
                            const wxa_value *args, size_t nargs,
                            wxa_results *out, wx_error *err)
{
    (void)inst;
    const wx_functype *t = wx_wasm_func_type(f);
    if (nargs != t->nparams)
        return wx_error_set(
            err, WX_EARG, "%s: expected %" PRIu32 " argument%s, got %zu",
            fn->name, t->nparams, t->nparams == 1 ? "" : "s", nargs);
    if (t->nparams > WXA_MAX_VALUES || t->nresults > WXA_MAX_VALUES ||
        (fn->has_params && fn->nparams != t->nparams) ||
        (fn->has_results && fn->nresults != t->nresults))
        return wx_error_set(err, WX_EARG,
                            "%s: signature does not match the "
                            "declared types (check the function first)",
                            fn->name);
    wx_wasm_val vals[WXA_MAX_VALUES], res[WXA_MAX_VALUES];
    for (size_t i = 0; i < nargs; i++) {
        wxa_type want;
        if (fn->has_params)
            want = fn->params[i];
        else if (!wxai_numeric_default_type(t->params[i], &want))
            return wx_error_set(err, WX_EARG, "%s: parameter %zu is %s",
                                fn->name, i + 1,
                                wx_valtype_name(t->params[i]));
        if (!wxai_numeric_fits(want, t->params[i]))
            return wx_error_set(err, WX_EARG,
                                "%s: argument %zu: %s cannot "
                                "travel as %s",
                                fn->name, i + 1, wx_type_name(want),
                                wx_valtype_name(t->params[i]));
        wxa_value v;
        bool owned;
        wx_status s = wxai_arg(&args[i], i, want, &v, &owned, err);
        if (s != WX_OK)
            return s;
        s = wxa_numeric_arg_to_wasm(&v, i, t->params[i], &vals[i], err);
        if (owned)
            wxa_value_free(&v);
        if (s != WX_OK)
            return s;
    }
    wx_status s = wx_call(f, vals, nargs, res, t->nresults, err);
    if (s != WX_OK)
        return s;
    return numeric_results(fn, t, res, out, err);
}

/* Whether JSON text is `null` (JSON's whitespace around it allowed). */
static bool json_text_is_null(const char *p, size_t len)
{
    size_t a = 0, b = len;
    while (a < b && strchr(" \t\r\n", p[a]))
        a++;
    while (b > a && strchr(" \t\r\n", p[b - 1]))
        b--;
    return b - a == 4 && memcmp(p + a, "null", 4) == 0;
}

wx_status wxa_numeric_wide_to_wasm(const wxa_value *v, size_t i,
                                   wx_valtype vt, wx_wasm_val *out,
                                   wx_error *err)
{
    memset(out, 0, sizeof *out);
    if (v->type == WXA_BYTES && vt == WX_V128) {
        if (v->of.buf.len != 16)
            return wx_error_set(err, WX_EARG,
                                "argument %zu: a v128 takes exactly 16 "
                                "bytes, got %zu",
                                i + 1, v->of.buf.len);
        out->type = WX_V128;
        memcpy(out->of.v128, v->of.buf.data, 16);
        return WX_OK;
    }
    if (v->type == WXA_JSON && wx_is_ref(vt)) {
        if (!v->of.buf.data ||
            !json_text_is_null(v->of.buf.data, v->of.buf.len))
            return wx_error_set(err, WX_EARG,
                                "argument %zu: only null can pass as %s (a "
                                "reference cannot come from outside the "
                                "instance)",
                                i + 1, wx_valtype_name(vt));
        if (!wx_ref_nullable(vt))
            return wx_error_set(err, WX_EARG,
                                "argument %zu: %s is not nullable, and a "
                                "reference cannot come from outside the "
                                "instance",
                                i + 1, wx_valtype_name(vt));
        out->type = vt; /* the exact type wx_call checks; of.ext NULL */
        return WX_OK;
    }
    return wx_error_set(err, WX_EARG, "argument %zu: %s cannot travel as %s",
                        i + 1, wx_type_name(v->type), wx_valtype_name(vt));
}

wx_status wxa_numeric_to_wasm(const wx_functype *t, const wxa_value *args,
                              size_t n, wx_wasm_val *vals, wx_error *err)
{
    for (size_t i = 0; i < n; i++) {
        wx_status s = wxa_numeric_arg_to_wasm(&args[i], i, t->params[i],
                                              &vals[i], err);
        if (s != WX_OK)
            return s;
    }
    return WX_OK;
}

wx_status wxa_numeric_results_bound(const wxa_fn *fn, const wx_wasm_val *res,
                                    wxa_results *out, wx_error *err)
{
    out->count = 0;
    for (uint32_t i = 0; i < fn->nresults; i++) {
        wx_status s =
            wxai_from_wasm(res[i], fn->results[i], i, &out->values[i], err);
        if (s != WX_OK)
            return s;
        out->count = i + 1;
    }
    return WX_OK;
}

