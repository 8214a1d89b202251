/*
 * Values in and out of calls, through the ABI layer (src/abi): a function
 * is described to it once per version (wxm_abi_bind), and each call
 * converts its arguments to the declared types before it takes an
 * instance, so that a refused argument costs no instance and an error
 * after checkout is always the guest's.
 */
#include "cancel_call.h" /* src/api, the same library (wxframework) */
#include "manager.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

wx_status wxm_abi_bind(wxm_func *f, const wx_module *m, const char *at,
                       const char *file, wx_error *err)
{
    const wxg_function *d = f->decl;
    wxa_fn_init(&f->fn, d->name, d->abi);
    f->fn.memory = d->memory; /* abi memory; the config outlives fn */
    for (int r = 0; r < 2; r++) {
        if (!(r ? d->has_results : d->has_params))
            continue;
        wx_status s = wxa_fn_declare_types(&f->fn, r, r ? d->results : d->params,
                                           r ? d->nresults : d->nparams, err);
        if (s != WX_OK) {
            char why[sizeof err->message];
            snprintf(why, sizeof why, "%s", err->message);
            return wx_error_set(err, s, "%s.%s", at, why);
        }
    }
    return wxa_fn_bind(m, &f->fn, at, file, err);
}

/*
 * A numeric function called outside any cancel scope (the C API's
 * callers, eKuiper): the arguments already have the bound types, so they
 * go straight to the pool's resolved export as wasm values, with no
 * lookup by name and no second check of what wxa_fn_bind checked once.
 * This is what keeps the typed call within a few tens of nanoseconds of
 * the raw engine call (bench/framework.sh). The pool measures the fuel
 * a metered call burnt.
 */
wx_status wxm_run_wasm(wxm_version *v, wxm_func *f, const wx_wasm_val *args,
                       size_t nargs, wx_wasm_val *res, size_t nres,
                       wx_error *err)
{
    uint64_t used;
    /* Set before the checkout, which may make the instance: its start
     * clears it for itself (init_instance). */
    wxm_guest_fn = f->counter->name;
    wx_status s = wxv_pool_call_index(v->pool, f->export_index, args, nargs,
                                      res, nres, &used, err);
    wxm_guest_fn = NULL;
    wxm_count_fuel1(f, used);
    return s;
}

/* Runs `f` on a pooled instance through the ABI layer, with typed
 * arguments already of the function's parameter types: every call but a
 * numeric one outside a cancel scope. */
static wx_status abi_run(wxm_version *v, wxm_func *f, const wxa_value *args,
                         size_t nargs, wxa_results *out, wx_error *err)
{
    wxv_lease lease;
    wx_status s = wxv_pool_checkout(v->pool, &lease, err);
    if (s != WX_OK)
        return s;
    /* Through the calling thread's cancel scope, if it has one (the REST
     * daemon's, cancel.h), so that another thread can interrupt it. */
    wxm_guest_fn = f->counter->name;
    s = wx_cancel_call_(lease.instance, &f->fn, args, nargs, out, err);
    wxm_guest_fn = NULL;
    wxm_count_fuel1(f, wxm_fuel_used(lease.instance, wxv_pool_fuel(v->pool)));
    /* A guest that answered with an error result is sound: keep its
     * instance. Anything else that failed inside may have stopped the
     * guest half-way, and the pool replaces the instance. */
    wx_status outcome = s == WX_EGUEST ? WX_OK : s;
    wx_status r = wxv_pool_return(v->pool, &lease, outcome, err);
    if (s == WX_EGUEST)
        return s;
    if (r != WX_OK)
        wxa_results_free(out);
    return r;
}

/*
 * The typed path for every ABI. Arguments of their parameter's type are
 * passed on as they are (the ABI layer reads them in place, as wxai_arg
 * does); only the others are converted, into `conv`, which is used only
 * if one was. So a call whose arguments already fit costs no copy and no
 * allocation on the host side. A numeric function outside a cancel
 * scope goes further: each argument becomes its wasm value in the pass
 * that checks it, and the results are read by the types bound at load.
 */
wx_status wxm_abi_call_values(wxm_version *v, wxm_func *f,
                              const wxa_value *args, size_t nargs,
                              wxa_results *out, wx_error *err)
{
    out->count = 0;
    if (f->fn.abi == WX_ABI_NUMERIC && !wx_cancel_scoped_()) {
        wx_wasm_val vals[WXA_MAX_VALUES], res[WXA_MAX_VALUES];
        wx_status s = wxm_args_to_wasm(f, args, nargs, vals, err);
        if (s == WX_OK)
            s = wxm_run_wasm(v, f, vals, nargs, res, f->type.nresults, err);
        return s == WX_OK ? wxa_numeric_results_bound(&f->fn, res, out, err)
                          : s;
    }
    wxa_value conv[WXA_MAX_VALUES];
    const wxa_value *use;
    uint64_t owned;
    wx_status s = wxm_args_prepare(f, args, nargs, conv, &use, &owned, err);
    if (s == WX_OK)
        s = abi_run(v, f, use, nargs, out, err);
    wxm_args_release(conv, owned);
    return s;
}


wx_status wxm_abi_check_count(const wxm_func *f, size_t n, wx_error *err)
{
    if (n == f->fn.nparams)
        return WX_OK;
    return wx_error_set(err, WX_EARG, "%s: expected %u argument%s, got %zu",
                        f->fn.name, f->fn.nparams,
                        f->fn.nparams == 1 ? "" : "s", n);
}
