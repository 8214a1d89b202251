/*
 * The cstring ABI of eKuiper 1.x (shared/ekuiper/PROTOCOL.md §1.7): a
 * string (or json) argument is copied NUL-terminated into memory from the
 * guest's exported malloc and passed as one i32 pointer; bytes are copied
 * the same way and passed as (pointer, length); numbers are passed as
 * numbers. eKuiper itself returned only numbers; we also read a string
 * (or json) result as a NUL-terminated string at the returned pointer, at
 * most WXA_CSTRING_MAX bytes and within memory, and give it back with the
 * guest's free (so the function must return memory from malloc). Argument
 * buffers are freed with free after the call too, when the module exports
 * it; eKuiper never freed them, which only worked because it threw every
 * instance away.
 */
#include "internal.h"

#include <inttypes.h>
#include <stdio.h>
#include <string.h>

/* The wasm parameters a declared type takes: 1, 2 (bytes) or 0 if the
 * cstring ABI cannot pass it. */
static unsigned wasm_arity(wxa_type t, wx_valtype vt[2])
{
    if (t == WXA_STRING || t == WXA_JSON) {
        vt[0] = WX_I32;
        return 1;
    }
    if (t == WXA_BYTES) {
        vt[0] = vt[1] = WX_I32;
        return 2;
    }
    return wxai_wasm_type(t, &vt[0]) ? 1 : 0;
}

static bool needs_memory(const wxa_fn *fn, bool *needs_malloc)
{
    bool mem = false;
    *needs_malloc = false;
    for (uint32_t i = 0; fn->has_params && i < fn->nparams; i++) {
        if (wxa_type_is_buf(fn->params[i]))
            mem = *needs_malloc = true;
    }
    for (uint32_t i = 0; fn->has_results && i < fn->nresults; i++) {
        if (wxa_type_is_buf(fn->results[i]))
            mem = true;
    }
    return mem;
}

static bool export_is(const wx_module *m, const char *name, wx_externkind k,
                      const char *sig)
{
    uint32_t n = wx_module_export_count(m);
    for (uint32_t i = 0; i < n; i++) {
        wx_externdesc d;
        if (!wx_module_export(m, i, &d) || strcmp(d.name, name) != 0)
            continue;
        if (d.kind != k)
            return false;
        if (!sig)
            return true;
        char got[160];
        wxai_format_functype(&d.func, got, sizeof got);
        return strcmp(got, sig) == 0;
    }
    return false;
}

wx_status wxai_cstring_check(const wx_module *m, const wxa_fn *fn,
                             const wx_functype *t, const char *where,
                             wx_error *err)
{
    char sig[160];
    wxai_format_functype(t, sig, sizeof sig);
    wxa_type dummy;
    if (!fn->has_params) {
        for (uint32_t i = 0; i < t->nparams; i++)
            if (!wxai_default_type(t->params[i], &dummy))
                return wxai_fail(err, WX_EINVALID, where,
                                 "\"%s\" has type %s; declare its params",
                                 fn->name, sig);
    } else {
        uint32_t k = 0;
        for (uint32_t i = 0; i < fn->nparams; i++) {
            wx_valtype vt[2];
            unsigned a = wasm_arity(fn->params[i], vt);
            if (a == 0)
                return wxai_fail(err, WX_EINVALID, where,
                                 "params[%" PRIu32 "] is %s, which the "
                                 "cstring abi cannot pass",
                                 i, wx_type_name(fn->params[i]));
            for (unsigned j = 0; j < a; j++, k++) {
                if (k >= t->nparams || t->params[k] != vt[j])
                    return wxai_fail(err, WX_EINVALID, where,
                                     "params do not match \"%s\" of type %s "
                                     "(cstring: string and json take one "
                                     "i32, bytes two)",
                                     fn->name, sig);
            }
        }
        if (k != t->nparams)
            return wxai_fail(err, WX_EINVALID, where,
                             "params declare %" PRIu32 " wasm values, but "
                             "\"%s\" has type %s",
                             k, fn->name, sig);
    }
    if (!fn->has_results) {
        for (uint32_t i = 0; i < t->nresults; i++)
            if (!wxai_default_type(t->results[i], &dummy))
                return wxai_fail(err, WX_EINVALID, where,
                                 "\"%s\" has type %s; declare its results",
                                 fn->name, sig);
    } else {
        if (fn->nresults != t->nresults)
            return wxai_fail(err, WX_EINVALID, where,
                             "results declare %" PRIu32 " values, but \"%s\" "
                             "has type %s",
                             fn->nresults, fn->name, sig);
        for (uint32_t i = 0; i < fn->nresults; i++) {
            wx_valtype vt[2];
            wxa_type r = fn->results[i];
            if (r == WXA_BYTES || wasm_arity(r, vt) != 1)
                return wxai_fail(err, WX_EINVALID, where,
                                 "results[%" PRIu32 "] is %s; a cstring "
                                 "result is a number, string or json",
                                 i, wx_type_name(r));
            if (vt[0] != t->results[i])
                return wxai_fail(err, WX_EINVALID, where,
                                 "results[%" PRIu32 "] is %s, but \"%s\" "
                                 "has type %s",
                                 i, wx_type_name(r), fn->name, sig);
        }
    }
    bool needs_malloc;
    if (needs_memory(fn, &needs_malloc) &&
        !export_is(m, "memory", WX_EXTERN_MEMORY, NULL))
        return wxai_fail(err, WX_EINVALID, where,
                         "the cstring abi needs the module to export its "
                         "memory as \"memory\"");
    if (needs_malloc &&
        !export_is(m, "malloc", WX_EXTERN_FUNC, "(i32) -> i32"))
        return wxai_fail(err, WX_EINVALID, where,
                         "\"%s\" takes strings or bytes, so the module must "
                         "export malloc (i32) -> i32",
                         fn->name);
    return WX_OK;
}

/* ---------------------------------------------------------------- call */

typedef struct cs_call {
    wx_wasm_func *malloc_fn, *free_fn;
    wxai_mem m;
    uint32_t bufs[WXA_MAX_VALUES]; /* guest buffers to free after the call */
    size_t nbufs;
} cs_call;

/* Copies `len` bytes (and a NUL if `nul`) into a fresh guest buffer. */
static wx_status copy_in(cs_call *c, const void *data, size_t len, bool nul,
                         uint32_t *ptr, wx_error *err)
{
    if (len > UINT32_MAX / 2)
        return wx_error_set(err, WX_ELIMIT,
                            "%zu bytes is too large for a "
                            "32-bit guest",
                            len);
    uint32_t size = (uint32_t)len + (nul ? 1 : 0);
    wx_status s = wxai_call_i32(c->malloc_fn, "malloc", &size, 1, ptr, err);
    if (s == WX_OK)
        s = wxai_check_alloc(&c->m, "malloc", size, *ptr, true, err);
    if (s != WX_OK)
        return s;
    c->bufs[c->nbufs++] = *ptr;
    if (len)
        memcpy(c->m.base + *ptr, data, len);
    if (nul)
        c->m.base[*ptr + len] = 0;
    return WX_OK;
}

static wx_status free_bufs(cs_call *c, wx_error *err)
{
    for (size_t i = 0; c->free_fn && i < c->nbufs; i++) {
        if (c->bufs[i] == 0)
            continue;
        wx_status s =
            wxai_call_i32(c->free_fn, "free", &c->bufs[i], 1, NULL, err);
        if (s != WX_OK)
            return s;
    }
    c->nbufs = 0;
    return WX_OK;
}

/* Lays out the arguments as wasm values. */
static wx_status marshal(cs_call *c, const wxa_fn *fn, const wx_functype *t,
                         const wxa_value *args, size_t nargs, wx_wasm_val *vals,
                         wx_error *err)
{
    uint32_t k = 0;
    for (size_t i = 0; i < nargs; i++) {
        wxa_type want;
        if (fn->has_params)
            want = fn->params[i];
        else if (i >= t->nparams || !wxai_default_type(t->params[i], &want))
            return wx_error_set(err, WX_EARG, "%s: bad argument %zu", fn->name,
                                i + 1);
        wx_valtype vt[2];
        unsigned a = wasm_arity(want, vt);
        if (a == 0 || k + a > t->nparams || t->params[k] != vt[0] ||
            (a == 2 && t->params[k + 1] != vt[1]))
            return wx_error_set(err, WX_EARG,
                                "%s: argument %zu does not "
                                "match the signature (check the function "
                                "first)",
                                fn->name, i + 1);
        wxa_value v;
        bool owned;
        wx_status s = wxai_arg(&args[i], i, want, &v, &owned, err);
        if (s != WX_OK)
            return s;
        if (wxa_type_is_buf(want)) {
            uint32_t ptr = 0;
            if (!c->malloc_fn || !c->m.mem)
                s = wx_error_set(err, WX_ENOEXPORT,
                                 "%s: the cstring abi "
                                 "needs the exports malloc and memory",
                                 fn->name);
            else
                s = copy_in(c, v.of.buf.data, v.of.buf.len, want != WXA_BYTES,
                            &ptr, err);
            vals[k++] = wx_wasm_i32((int32_t)ptr);
            if (want == WXA_BYTES)
                vals[k++] = wx_wasm_i32((int32_t)(uint32_t)v.of.buf.len);
        } else {
            wxa_value_to_wasm(&v, &vals[k++]);
        }
        if (owned)
            wxa_value_free(&v);
        if (s != WX_OK)
            return s;
    }
    if (k != t->nparams)
        return wx_error_set(err, WX_EARG,
                            "%s: expected %" PRIu32 " wasm "
                            "arguments, got %" PRIu32,
                            fn->name, t->nparams, k);
    return WX_OK;
}

/* Reads the NUL-terminated string at ptr and frees it. */
static wx_status read_string(cs_call *c, const wxa_fn *fn, wxa_type t,
                             uint32_t ptr, wxa_value *out, wx_error *err)
{
    wxai_mem_refresh(&c->m);
    if (ptr == 0)
        return wx_error_set(err, WX_EABI, "%s returned a null string",
                            fn->name);
    if (!wxai_mem_has(&c->m, ptr, 1))
        return wx_error_set(err, WX_EABI,
                            "%s returned the string pointer %" PRIu32
                            ", outside memory (%" PRIu64 " bytes)",
                            fn->name, ptr, c->m.size);
    uint64_t room = c->m.size - ptr;
    if (room > (uint64_t)WXA_CSTRING_MAX + 1)
        room = (uint64_t)WXA_CSTRING_MAX + 1;
    const uint8_t *p = c->m.base + ptr;
    const uint8_t *nul = memchr(p, 0, (size_t)room);
    if (!nul)
        return wx_error_set(err, WX_EABI,
                            "%s: the string at %" PRIu32 " has no NUL within "
                            "%" PRIu64 " bytes",
                            fn->name, ptr, room);
    wx_status s = wxa_value_set(out, t, p, (size_t)(nul - p), err);
    if (s != WX_OK)
        return s;
    c->bufs[c->nbufs++] = ptr;
    return WX_OK;
}

wx_status wxai_cstring_call(wx_instance *inst, wx_wasm_func *f, const wxa_fn *fn,
                            const wxa_value *args, size_t nargs,
                            wxa_results *out, wx_error *err)
{
    const wx_functype *t = wx_wasm_func_type(f);
    if (t->nparams > WXA_MAX_VALUES || t->nresults > WXA_MAX_VALUES)
        return wx_error_set(err, WX_EARG, "%s: too many values", fn->name);
    if (!fn->has_params && nargs != t->nparams)
        return wx_error_set(
            err, WX_EARG, "%s: expected %" PRIu32 " argument%s, got %zu",
            fn->name, t->nparams, t->nparams == 1 ? "" : "s", nargs);
    cs_call c = {0};
    c.malloc_fn = wx_instance_func(inst, "malloc");
    c.free_fn = wx_instance_func(inst, "free");
    c.m.mem = wxai_guest_memory(inst);
    if (c.free_fn) {
        const wx_functype *ft = wx_wasm_func_type(c.free_fn);
        if (ft->nparams != 1 || ft->params[0] != WX_I32 || ft->nresults)
            c.free_fn = NULL; /* not a free we know how to call */
    }
    wx_wasm_val vals[WXA_MAX_VALUES], res[WXA_MAX_VALUES];
    wx_status s = marshal(&c, fn, t, args, nargs, vals, err);
    if (s != WX_OK) {
        /* A host-side refusal (a later argument that does not convert)
         * gives back what was copied in; after a failure inside the guest
         * nothing more is handed to it. */
        if (s == WX_EARG || s == WX_ELIMIT || s == WX_ENOMEM ||
            s == WX_ENOEXPORT) {
            wx_error ignored;
            free_bufs(&c, &ignored);
        }
        return s;
    }
    s = wx_call(f, vals, t->nparams, res, t->nresults, err);
    if (s != WX_OK)
        return s;
    /* The argument buffers go back before reading the result: the guest
     * is done with them, and the result is read from fresh memory. */
    s = free_bufs(&c, err);
    if (s != WX_OK)
        return s;
    for (uint32_t i = 0; i < t->nresults; i++) {
        wxa_type want;
        if (fn->has_results)
            want = fn->results[i];
        else
            wxai_default_type(t->results[i], &want);
        if (wxa_type_is_buf(want))
            s = read_string(&c, fn, want, (uint32_t)res[i].of.i32,
                            &out->values[i], err);
        else
            s = wxai_from_wasm(res[i], want, i, &out->values[i], err);
        if (s != WX_OK)
            return s;
        out->count = i + 1;
    }
    return free_bufs(&c, err);
}
