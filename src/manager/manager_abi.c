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
    wxa_abi abi;
    if (!wxa_abi_parse(wxg_abi_name(d->abi), &abi))
        return wx_error_set(err, WX_EARG, "%s.abi: %s is not supported", at,
                            wxg_abi_name(d->abi));
    wxa_fn_init(&f->fn, d->name, abi);
    const char *names[WXA_MAX_VALUES];
    for (int r = 0; r < 2; r++) {
        bool has = r ? d->has_results : d->has_params;
        uint32_t n = r ? d->nresults : d->nparams;
        const wxg_type *types = r ? d->results : d->params;
        if (!has)
            continue;
        if (n > WXA_MAX_VALUES)
            return wx_error_set(err, WX_EARG, "%s.%s: at most %u types", at,
                                r ? "results" : "params", WXA_MAX_VALUES);
        for (uint32_t i = 0; i < n; i++)
            names[i] = wxg_type_name(types[i]);
        wx_status s = wxa_fn_declare(&f->fn, r, names, n, err);
        if (s != WX_OK) {
            char why[sizeof err->message];
            snprintf(why, sizeof why, "%s", err->message);
            return wx_error_set(err, s, "%s.%s", at, why);
        }
    }
    return wxa_fn_bind(m, &f->fn, at, file, err);
}

wx_status wxm_abi_run(wxm_version *v, wxm_func *f, const wxa_value *args,
                      size_t nargs, wxa_results *out, wx_error *err)
{
    out->count = 0;
    wxv_lease lease;
    wx_status s = wxv_pool_checkout(v->pool, &lease, err);
    if (s != WX_OK)
        return s;
    /* Through the calling thread's cancel scope, if it has one (the REST
     * daemon's, cancel.h), so that another thread can interrupt it. */
    s = wx_cancel_call_(lease.instance, &f->fn, args, nargs, out, err);
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

wx_status wxm_abi_check_count(const wxm_func *f, size_t n, wx_error *err)
{
    if (n == f->fn.nparams)
        return WX_OK;
    return wx_error_set(err, WX_EARG, "%s: expected %u argument%s, got %zu",
                        f->fn.name, f->fn.nparams,
                        f->fn.nparams == 1 ? "" : "s", n);
}

wx_status wxm_abi_call_json(wxm_version *v, wxm_func *f, const json_t *args,
                            char **results, wx_error *err)
{
    size_t n = json_array_size(args);
    wx_status s = wxm_abi_check_count(f, n, err);
    if (s != WX_OK)
        return s;
    wxa_value vals[WXA_MAX_VALUES];
    s = wxa_values_from_json(f->fn.params, n, args, vals, err);
    if (s != WX_OK)
        return s;
    wxa_results out;
    s = wxm_abi_run(v, f, vals, n, &out, err);
    wxa_values_free(vals, n);
    if (s != WX_OK)
        return s;
    json_t *arr = json_array();
    for (uint32_t i = 0; arr && i < out.count; i++) {
        json_t *j = wxa_value_to_json(&out.values[i], err);
        if (!j || json_array_append_new(arr, j) != 0) {
            s = err && err->status != WX_OK ? err->status : WX_ENOMEM;
            json_decref(arr);
            arr = NULL;
        }
    }
    wxa_results_free(&out);
    if (arr) {
        *results = json_dumps(arr, JSON_COMPACT | JSON_ENCODE_ANY);
        json_decref(arr);
    }
    if (!*results) {
        if (s == WX_OK || s == WX_ENOMEM)
            s = wx_error_set(err, WX_ENOMEM, "out of host memory");
        return s;
    }
    return WX_OK;
}

wx_status wxm_abi_call_argv(wxm_version *v, wxm_func *f, int argc,
                            const char *const *argv, char **results,
                            wx_error *err)
{
    size_t n = (size_t)argc;
    wx_status s = wxm_abi_check_count(f, n, err);
    if (s != WX_OK)
        return s;
    wxa_value vals[WXA_MAX_VALUES];
    size_t done;
    for (done = 0; done < n; done++) {
        char what[32];
        snprintf(what, sizeof what, "argument %zu", done + 1);
        s = wxa_value_from_text(f->fn.params[done], argv[done], what,
                                &vals[done], err);
        if (s != WX_OK)
            break;
    }
    if (s == WX_OK) {
        wxa_results out;
        s = wxm_abi_run(v, f, vals, n, &out, err);
        if (s == WX_OK) {
            /* One line per result. */
            size_t len = 0, cap = 64;
            char *text = malloc(cap);
            for (uint32_t i = 0; text && i < out.count; i++) {
                char *line = wxa_value_to_text(&out.values[i], 0);
                size_t ln = line ? strlen(line) : 0;
                if (line && len + ln + 2 > cap) {
                    while (len + ln + 2 > cap)
                        cap *= 2;
                    char *t = realloc(text, cap);
                    if (!t) {
                        free(text);
                        text = NULL;
                    } else {
                        text = t;
                    }
                }
                if (!line || !text) {
                    free(line);
                    free(text);
                    text = NULL;
                    break;
                }
                memcpy(text + len, line, ln);
                len += ln;
                text[len++] = '\n';
                free(line);
            }
            if (text)
                text[len] = '\0';
            else
                s = wx_error_set(err, WX_ENOMEM, "out of host memory");
            *results = text;
        }
        wxa_results_free(&out);
    }
    wxa_values_free(vals, done);
    return s;
}
