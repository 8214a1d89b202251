/*
 * The ABI entry points: configured functions, the load-time check, and
 * wxa_call's dispatch to numeric.c, bindgen.c, cstring.c and memory.c;
 * plus the guest-memory and wasm-value helpers those share.
 */
#include "internal.h"

#include <inttypes.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

static const char *const abi_names[] = {
#define WXA_ABI_NAME_(e, n) n,
    WX_ABI_LIST(WXA_ABI_NAME_)
#undef WXA_ABI_NAME_
};

const char *wx_abi_name(wx_abi abi)
{
    return (unsigned)abi < WX_ABI_COUNT_ ? abi_names[abi] : NULL;
}

bool wx_abi_parse(const char *name, wx_abi *out)
{
    for (unsigned a = 0; name && a < WX_ABI_COUNT_; a++) {
        if (strcmp(name, abi_names[a]) == 0) {
            *out = (wx_abi)a;
            return true;
        }
    }
    return false;
}

void wxa_fn_init(wxa_fn *fn, const char *name, wx_abi abi)
{
    memset(fn, 0, sizeof *fn);
    fn->name = name;
    fn->abi = abi;
}

wx_status wxa_fn_declare(wxa_fn *fn, bool results, const char *const *names,
                         size_t n, wx_error *err)
{
    if (n > WXA_MAX_VALUES)
        return wx_error_set(err, WX_EARG, "too many %s (%zu; at most %u)",
                            results ? "results" : "params", n, WXA_MAX_VALUES);
    wx_type types[WXA_MAX_VALUES];
    for (size_t i = 0; i < n; i++) {
        if (!wx_type_parse(names[i], &types[i]))
            return wx_error_set(err, WX_EARG,
                                "%s[%zu]: unknown type \"%s\" (types: i8 u8 "
                                "i16 u16 i32 u32 i64 u64 f32 f64 bool char "
                                "string bytes json vec<i8>..vec<u64>)",
                                results ? "results" : "params", i,
                                names[i] ? names[i] : "");
    }
    return wxa_fn_declare_types(fn, results, types, n, err);
}

wx_status wxa_fn_declare_types(wxa_fn *fn, bool results, const wx_type *types,
                               size_t n, wx_error *err)
{
    if (n > WXA_MAX_VALUES)
        return wx_error_set(err, WX_EARG, "too many %s (%zu; at most %u)",
                            results ? "results" : "params", n, WXA_MAX_VALUES);
    for (size_t i = 0; i < n; i++)
        if ((unsigned)types[i] >= WX_TYPE_COUNT_)
            return wx_error_set(err, WX_EARG, "%s[%zu]: type %d out of range",
                                results ? "results" : "params", i,
                                (int)types[i]);
    if (n)
        memcpy(results ? fn->results : fn->params, types, n * sizeof *types);
    if (results) {
        fn->nresults = (uint32_t)n;
        fn->has_results = true;
    } else {
        fn->nparams = (uint32_t)n;
        fn->has_params = true;
    }
    return WX_OK;
}

void wxa_results_free(wxa_results *r)
{
    if (!r)
        return;
    wxa_values_free(r->values, r->count);
    r->count = 0;
}

/* ------------------------------------------------------- wasm values */

bool wxai_wasm_type(wxa_type t, wx_valtype *out)
{
    switch (t) {
    case WXA_I8:
    case WXA_U8:
    case WXA_I16:
    case WXA_U16:
    case WXA_I32:
    case WXA_U32:
    case WXA_BOOL:
    case WXA_CHAR: *out = WX_I32; return true;
    case WXA_I64:
    case WXA_U64: *out = WX_I64; return true;
    case WXA_F32: *out = WX_F32; return true;
    case WXA_F64: *out = WX_F64; return true;
    default: return false;
    }
}

bool wxai_default_type(wx_valtype vt, wxa_type *out)
{
    switch (vt) {
    case WX_I32: *out = WXA_I32; return true;
    case WX_I64: *out = WXA_I64; return true;
    case WX_F32: *out = WXA_F32; return true;
    case WX_F64: *out = WXA_F64; return true;
    default: return false;
    }
}

bool wxai_numeric_default_type(wx_valtype vt, wxa_type *out)
{
    if (wxai_default_type(vt, out))
        return true;
    if (vt == WX_V128) {
        *out = WXA_BYTES;
        return true;
    }
    if (wx_is_ref(vt)) {
        *out = WXA_JSON;
        return true;
    }
    return false;
}

bool wxai_numeric_fits(wxa_type t, wx_valtype vt)
{
    wx_valtype w;
    if (wxai_wasm_type(t, &w))
        return w == vt;
    return (t == WXA_BYTES && vt == WX_V128) ||
           (t == WXA_JSON && wx_is_ref(vt));
}

/* What a non-null reference is, by its family (wx_call gives a typed
 * reference its family's top type) and, for the any family, its object. */
static const char *ref_kind_name(wx_wasm_val w)
{
    switch ((uint32_t)w.type) {
    case WX_FUNCREF: return "func";
    case WX_EXTERNREF: return "extern";
    case WX_EXNREF: return "exn";
    default: break;
    }
    switch (wx_anyref_kind_of(w.of.ext)) {
    case WX_ANYREF_I31: return "i31";
    case WX_ANYREF_STRUCT: return "struct";
    case WX_ANYREF_ARRAY: return "array";
    case WX_ANYREF_HOST: return "host"; /* any.convert_extern of a host's */
    default: return "any";
    }
}

/* A reference result as JSON text describing it: the handle itself means
 * nothing outside its instance, so only what it is (and an i31's value)
 * is told. */
static wx_status ref_to_json(wx_wasm_val w, wxa_value *out, wx_error *err)
{
    char text[48];
    if (!w.of.ext)
        snprintf(text, sizeof text, "null");
    else if ((uint32_t)w.type == WX_HEAP_ANY &&
             wx_anyref_kind_of(w.of.ext) == WX_ANYREF_I31)
        snprintf(text, sizeof text, "{\"ref\":\"i31\",\"value\":%" PRId32 "}",
                 wx_anyref_i31(w.of.ext));
    else
        snprintf(text, sizeof text, "{\"ref\":\"%s\"}", ref_kind_name(w));
    return wxa_value_set(out, WXA_JSON, text, strlen(text), err);
}

/* An integer value of type t with the bits of `bits`, the rest of the
 * union zero as a compound literal would leave it. */
static inline void set_scalar(wxa_value *out, wxa_type t, int64_t bits)
{
    out->type = t;
    out->of.buf.len = 0;
    out->of.i = bits;
}

/* A result that does not fit its type: the message is made only now,
 * out of the common path (which then needs no buffer); the guest's value,
 * not the caller's, is at fault. */
static __attribute__((noinline)) wx_status
result_refused(wxa_type t, wxai_num n, uint32_t index, wxa_value *out,
               wx_error *err)
{
    char what[32];
    snprintf(what, sizeof what, "result %" PRIu32, index + 1);
    wxai_num_to_value(t, n, what, out, err);
    if (err)
        err->status = WX_EABI;
    return WX_EABI;
}

wx_status wxai_from_wasm(wx_wasm_val w, wxa_type t, uint32_t index, wxa_value *out,
                         wx_error *err)
{
    wxai_num n;
    switch (t) {
    /* Field by field into *out: a value built on the stack and copied
     * here as one 24-byte struct missed store forwarding, a stall that
     * cost as much as the rest of a numeric call's results. */
    case WXA_I32: set_scalar(out, t, w.of.i32); return WX_OK;
    case WXA_U32: set_scalar(out, t, (uint32_t)w.of.i32); return WX_OK;
    case WXA_I64: set_scalar(out, t, w.of.i64); return WX_OK;
    case WXA_U64: set_scalar(out, t, w.of.i64); return WX_OK;
    case WXA_F32:
        out->type = t;
        out->of.buf.len = 0;
        out->of.f32 = w.of.f32;
        return WX_OK;
    case WXA_F64:
        out->type = t;
        out->of.buf.len = 0;
        out->of.f64 = w.of.f64;
        return WX_OK;
    case WXA_BYTES:
    case WXA_JSON:
        /* Only the numeric ABI's v128 and references come here. */
        if (t == WXA_BYTES && w.type == WX_V128)
            return wxa_value_set(out, WXA_BYTES, w.of.v128, 16, err);
        if (t == WXA_JSON && wx_is_ref(w.type))
            return ref_to_json(w, out, err);
        return wx_error_set(err, WX_EABI,
                            "result %" PRIu32 ": %s cannot come from %s",
                            index + 1, wx_type_name(t),
                            wx_valtype_name(w.type));
    case WXA_BOOL:
        if (w.of.i32 == 0 || w.of.i32 == 1) {
            *out = wxa_value_bool(w.of.i32 == 1);
            return WX_OK;
        }
        return wx_error_set(err, WX_EABI,
                            "result %" PRIu32 ": %" PRId32 " is not a bool "
                            "(0 or 1)",
                            index + 1, w.of.i32);
    case WXA_U8:
    case WXA_U16:
        n.kind = WXAI_NUM_UINT;
        n.of.u = (uint32_t)w.of.i32;
        break;
    default:
        /* i8 and i16 read the i32 as signed; char as unsigned. */
        n.kind = WXAI_NUM_INT;
        n.of.i = t == WXA_CHAR ? (int64_t)(uint32_t)w.of.i32 : w.of.i32;
        break;
    }
    if (wxai_num_to_value(t, n, NULL, out, NULL) == WX_OK)
        return WX_OK;
    return result_refused(t, n, index, out, err);
}

void wxai_format_functype(const wx_functype *t, char *buf, size_t cap)
{
    size_t o = 0;
    o += (size_t)snprintf(buf + o, o < cap ? cap - o : 0, "(");
    for (uint32_t i = 0; i < t->nparams; i++)
        o += (size_t)snprintf(buf + o, o < cap ? cap - o : 0, "%s%s",
                              i ? ", " : "", wx_valtype_name(t->params[i]));
    o += (size_t)snprintf(buf + o, o < cap ? cap - o : 0, ") -> ");
    if (t->nresults == 1) {
        snprintf(buf + o, o < cap ? cap - o : 0, "%s",
                 wx_valtype_name(t->results[0]));
        return;
    }
    o += (size_t)snprintf(buf + o, o < cap ? cap - o : 0, "(");
    for (uint32_t i = 0; i < t->nresults; i++)
        o += (size_t)snprintf(buf + o, o < cap ? cap - o : 0, "%s%s",
                              i ? ", " : "", wx_valtype_name(t->results[i]));
    snprintf(buf + o, o < cap ? cap - o : 0, ")");
}

/* ------------------------------------------------------- guest memory */

wx_memory *wxai_guest_memory(wx_instance *inst)
{
    wx_extern ext;
    if (wx_instance_export(inst, "memory", &ext) &&
        ext.kind == WX_EXTERN_MEMORY)
        return ext.of.memory;
    return wx_instance_memory(inst, 0);
}

void wxai_mem_refresh(wxai_mem *m)
{
    m->base = wx_memory_data(m->mem);
    m->size = wx_memory_size(m->mem);
}

bool wxai_mem_has(const wxai_mem *m, uint64_t ptr, uint64_t len)
{
    /* Both are below 2^33 in practice; the first test keeps the sum from
     * wrapping whatever they are. */
    return ptr <= m->size && len <= m->size - ptr;
}

uint32_t wxai_le32(const uint8_t *p)
{
    return (uint32_t)p[0] | (uint32_t)p[1] << 8 | (uint32_t)p[2] << 16 |
           (uint32_t)p[3] << 24;
}

void wxai_put_le32(uint8_t *p, uint32_t v)
{
    p[0] = (uint8_t)v;
    p[1] = (uint8_t)(v >> 8);
    p[2] = (uint8_t)(v >> 16);
    p[3] = (uint8_t)(v >> 24);
}

/* Names the helper call a failure happened in ("in allocate(24): "),
 * keeping the status and trap details. */
static void name_call(wx_error *err, const char *name, const uint32_t *args,
                      size_t nargs) __attribute__((cold, noinline));

static void name_call(wx_error *err, const char *name, const uint32_t *args,
                      size_t nargs)
{
    char call[96];
    int o = snprintf(call, sizeof call, "in %s(", name);
    for (size_t i = 0; i < nargs && o > 0 && (size_t)o < sizeof call; i++)
        o += snprintf(call + o, sizeof call - (size_t)o, "%s%" PRIu32,
                      i ? ", " : "", args[i]);
    if (o > 0 && (size_t)o < sizeof call)
        snprintf(call + o, sizeof call - (size_t)o, "): ");
    wxai_prefix_error(err, call);
}

wx_status wxai_check_alloc(wxai_mem *m, const char *name, uint32_t size,
                           uint32_t ptr, bool null_fails, wx_error *err)
{
    wxai_mem_refresh(m);
    if (ptr == 0 && size > 0 && null_fails)
        return wx_error_set(err, WX_EABI,
                            "%s(%" PRIu32 ") returned 0 (the guest's "
                            "allocator failed)",
                            name, size);
    if (!wxai_mem_has(m, ptr, size))
        return wx_error_set(err, WX_EABI,
                            "%s(%" PRIu32 ") returned %" PRIu32
                            ", outside memory (%" PRIu64 " bytes)",
                            name, size, ptr, m->size);
    return WX_OK;
}

wx_status wxai_call_i32(wx_wasm_func *f, const char *name, const uint32_t *args,
                        size_t nargs, uint32_t *result, wx_error *err)
{
    /* Every helper takes at most three arguments (the memory ABI's
     * free(ptr, size, align)). Each value is built in place (no memset
     * first: see wxa_value_int). */
    wx_wasm_val a[3], r[1];
    if (nargs > 3)
        return wx_error_set(err, WX_EARG, "%s: too many arguments", name);
    for (size_t i = 0; i < 3; i++)
        a[i] = wx_wasm_i32(i < nargs ? (int32_t)args[i] : 0);
    wx_status s = wx_call(f, a, nargs, r, result ? 1 : 0, err);
    if (s != WX_OK && err) {
        name_call(err, name, args, nargs);
        return s;
    }
    if (s == WX_OK && result)
        *result = (uint32_t)r[0].of.i32;
    return s;
}

wx_status wxai_call_known(wx_wasm_func *f, const char *name, uint32_t a0,
                          uint32_t a1, size_t nargs, uint32_t *result,
                          wx_error *err)
{
    /* i32 arguments travel zero-extended; an i32 result comes back in the
     * low half of slot 0. */
    uint64_t slots[2] = {a0, a1};
    wx_status s = wx_call_unchecked(f, slots, err);
    if (__builtin_expect(s != WX_OK, 0)) {
        uint32_t args[2] = {a0, a1};
        name_call(err, name, args, nargs);
        return s;
    }
    if (result)
        *result = (uint32_t)slots[0];
    return WX_OK;
}

/* ------------------------------------------------------------ exports */

/* Whether `f` has exactly the wasm type (params) -> (results), all i32. */
static bool all_i32(const wx_wasm_func *f, uint32_t nparams, uint32_t nresults)
{
    const wx_functype *t = wx_wasm_func_type(f);
    if (t->nparams != nparams || t->nresults != nresults)
        return false;
    for (uint32_t i = 0; i < nparams; i++)
        if (t->params[i] != WX_I32)
            return false;
    return nresults == 0 || t->results[0] == WX_I32;
}

/* The index of export `name` of kind `kind` in m, or WXA_NO_EXPORT. */
static uint32_t export_index(const wx_module *m, const char *name,
                             wx_externkind kind)
{
    uint32_t count = wx_module_export_count(m);
    for (uint32_t i = 0; i < count; i++) {
        wx_externdesc d;
        if (wx_module_export(m, i, &d) && d.kind == kind &&
            strcmp(d.name, name) == 0)
            return i;
    }
    return WXA_NO_EXPORT;
}

void wxai_exports_bind(const wx_module *m, wxa_fn *fn)
{
    fn->exports_[WXAI_X_FUNC] = export_index(m, fn->name, WX_EXTERN_FUNC);
    fn->exports_[WXAI_X_MEMORY] = fn->exports_[WXAI_X_ALLOC] =
        fn->exports_[WXAI_X_DEALLOC] = WXA_NO_EXPORT;
    if (fn->abi == WX_ABI_BINDGEN) {
        /* The check made sure they are there with these types. */
        fn->exports_[WXAI_X_MEMORY] =
            export_index(m, "memory", WX_EXTERN_MEMORY);
        fn->exports_[WXAI_X_ALLOC] =
            export_index(m, "allocate", WX_EXTERN_FUNC);
        fn->exports_[WXAI_X_DEALLOC] =
            export_index(m, "deallocate", WX_EXTERN_FUNC);
    }
    fn->bound_ = m;
    fn->bound_name_ = fn->name;
}

/* Export `slot` through its recorded index, if it is of kind `kind`. */
static bool export_at(wx_instance *inst, const wxa_fn *fn,
                      wxai_export_slot slot, wx_externkind kind,
                      wx_extern *ext)
{
    uint32_t i = fn->exports_[slot];
    return i != WXA_NO_EXPORT && wx_instance_export_at(inst, i, ext) &&
           ext->kind == kind;
}

void wxai_exports_find(wx_instance *inst, const wxa_fn *fn, wxai_exports *x)
{
    memset(x, 0, sizeof *x);
    bool bindgen = fn->abi == WX_ABI_BINDGEN;
    if (fn->bound_ && fn->bound_ == wx_instance_module(inst) &&
        fn->bound_name_ == fn->name) {
        wx_extern e;
        if (export_at(inst, fn, WXAI_X_FUNC, WX_EXTERN_FUNC, &e))
            x->func = e.of.func;
        if (!bindgen)
            return;
        if (export_at(inst, fn, WXAI_X_MEMORY, WX_EXTERN_MEMORY, &e))
            x->mem = e.of.memory;
        if (export_at(inst, fn, WXAI_X_ALLOC, WX_EXTERN_FUNC, &e))
            x->alloc = e.of.func;
        if (export_at(inst, fn, WXAI_X_DEALLOC, WX_EXTERN_FUNC, &e))
            x->dealloc = e.of.func;
    } else {
        x->func = wx_instance_func(inst, fn->name);
        if (!bindgen)
            return;
        x->mem = wxai_guest_memory(inst);
        x->alloc = wx_instance_func(inst, "allocate");
        x->dealloc = wx_instance_func(inst, "deallocate");
    }
    /* The calls that use the helpers check nothing, so their types are
     * checked here, on every call: a module that was never checked may
     * have them with other types, and a few compares are cheap insurance
     * against a record that outlived its module. */
    if (x->alloc && !all_i32(x->alloc, 1, 1))
        x->alloc = NULL;
    if (x->dealloc && !all_i32(x->dealloc, 2, 0))
        x->dealloc = NULL;
}

void wxai_prefix_error(wx_error *err, const char *prefix)
{
    if (!err)
        return;
    size_t cap = sizeof err->message, p = strlen(prefix);
    if (p >= cap)
        p = cap - 1;
    size_t m = strnlen(err->message, cap - 1);
    if (m > cap - 1 - p)
        m = cap - 1 - p;
    memmove(err->message + p, err->message, m);
    memcpy(err->message, prefix, p);
    err->message[p + m] = '\0';
}

/* ---------------------------------------------------------- arguments */

wx_status wxai_arg(const wxa_value *arg, size_t i, wxa_type t, wxa_value *out,
                   bool *owned, wx_error *err)
{
    if (arg->type == t) {
        *out = *arg;
        *owned = false;
        return WX_OK;
    }
    char what[32];
    snprintf(what, sizeof what, "argument %zu", i + 1);
    *owned = true;
    return wxa_value_convert(arg, t, what, out, err);
}

/* --------------------------------------------------------------- check */

size_t wxa_export_list(const wx_module *m, char *buf, size_t cap)
{
    size_t o = 0, n = 0;
    if (cap)
        buf[0] = '\0';
    uint32_t count = wx_module_export_count(m);
    bool cut = false;
    for (uint32_t i = 0; i < count; i++) {
        wx_externdesc d;
        if (!wx_module_export(m, i, &d) || d.kind != WX_EXTERN_FUNC)
            continue;
        n++;
        if (cut)
            continue;
        size_t need = strlen(d.name) + (o ? 2 : 0);
        /* Keep room for ", ..." in case a later name does not fit. */
        if (o + need + 6 > cap) {
            cut = true;
            if (o + 6 <= cap)
                snprintf(buf + o, cap - o, "%s...", o ? ", " : "");
            continue;
        }
        o += (size_t)snprintf(buf + o, cap - o, "%s%s", o ? ", " : "", d.name);
    }
    return n;
}

/* The export named fn->name, with its description. */
static bool find_export(const wx_module *m, const char *name,
                        wx_externdesc *out)
{
    uint32_t count = wx_module_export_count(m);
    for (uint32_t i = 0; i < count; i++) {
        if (wx_module_export(m, i, out) && strcmp(out->name, name) == 0)
            return true;
    }
    return false;
}

wx_status wxa_fn_check_named(const wx_module *m, const wxa_fn *fn,
                             const char *where, const char *module_name,
                             wx_error *err)
{
    const char *mod = module_name ? module_name : "the module";
    if (!m || !fn || !fn->name)
        return wxai_fail(err, WX_EARG, where, "missing module or function");
    if ((unsigned)fn->abi >= WX_ABI_COUNT_)
        return wxai_fail(err, WX_EINVALID, where, "unknown abi");
    if (fn->nparams > WXA_MAX_VALUES || fn->nresults > WXA_MAX_VALUES)
        return wxai_fail(err, WX_EINVALID, where, "too many declared types");
    wx_externdesc d;
    if (!find_export(m, fn->name, &d)) {
        char list[200];
        if (wxa_export_list(m, list, sizeof list) == 0)
            snprintf(list, sizeof list, "none");
        return wxai_fail(err, WX_ENOEXPORT, where,
                         "\"%s\" is not exported by %s (exports: %s)",
                         fn->name, mod, list);
    }
    if (d.kind != WX_EXTERN_FUNC)
        return wxai_fail(err, WX_EINVALID, where,
                         "\"%s\" is exported by %s, but not as a function",
                         fn->name, mod);
    if (d.func.nparams > WXA_MAX_VALUES || d.func.nresults > WXA_MAX_VALUES)
        return wxai_fail(err, WX_EINVALID, where,
                         "\"%s\" has more than %u parameters or results",
                         fn->name, WXA_MAX_VALUES);
    switch (fn->abi) {
    case WX_ABI_NUMERIC:
        return wxai_numeric_check(m, fn, &d.func, where, err);
    case WX_ABI_BINDGEN:
        return wxai_bindgen_check(m, fn, &d.func, where, err);
    case WX_ABI_MEMORY: return wxai_memory_check(m, fn, &d.func, where, err);
    case WX_ABI_EXTISM:
        return wxai_extism_check(m, fn, &d.func, where, err);
    default: return wxai_cstring_check(m, fn, &d.func, where, err);
    }
}

wx_status wxa_fn_check(const wx_module *m, const wxa_fn *fn, wx_error *err)
{
    return wxa_fn_check_named(m, fn, NULL, NULL, err);
}

wx_status wxa_fn_bind(const wx_module *m, wxa_fn *fn, const char *where,
                      const char *module_name, wx_error *err)
{
    wx_status s = wxa_fn_check_named(m, fn, where, module_name, err);
    if (s != WX_OK)
        return s;
    wxai_exports_bind(m, fn);
    if (fn->abi == WX_ABI_BINDGEN)
        return WX_OK;
    if (fn->abi == WX_ABI_EXTISM) {
        /* Undeclared: Extism's own view, bytes in and bytes out. */
        if (!fn->has_params) {
            fn->params[0] = WXA_BYTES;
            fn->nparams = 1;
            fn->has_params = true;
        }
        if (!fn->has_results) {
            fn->results[0] = WXA_BYTES;
            fn->nresults = 1;
            fn->has_results = true;
        }
        return WX_OK;
    }
    wx_externdesc d;
    find_export(m, fn->name, &d);
    /* The check passed, so every wasm type here has a value type (a v128
     * or a reference only for the numeric ABI, whose check allows them). */
    if (!fn->has_params) {
        for (uint32_t i = 0; i < d.func.nparams; i++)
            wxai_numeric_default_type(d.func.params[i], &fn->params[i]);
        fn->nparams = d.func.nparams;
        fn->has_params = true;
    }
    if (!fn->has_results) {
        for (uint32_t i = 0; i < d.func.nresults; i++)
            wxai_numeric_default_type(d.func.results[i], &fn->results[i]);
        fn->nresults = d.func.nresults;
        fn->has_results = true;
    }
    return WX_OK;
}

/* ---------------------------------------------------------------- call */

wx_status wxa_call(wx_instance *inst, const wxa_fn *fn, const wxa_value *args,
                   size_t nargs, wxa_results *out, wx_error *err)
{
    wx_error local;
    if (!err)
        err = &local;
    out->count = 0;
    if (!inst || !fn || !fn->name || (nargs && !args))
        return wx_error_set(err, WX_EARG, "wxa_call: missing argument");
    if (fn->has_params && nargs != fn->nparams)
        return wx_error_set(
            err, WX_EARG, "%s: expected %" PRIu32 " argument%s, got %zu",
            fn->name, fn->nparams, fn->nparams == 1 ? "" : "s", nargs);
    wxai_exports x;
    wxai_exports_find(inst, fn, &x);
    if (!x.func)
        return wx_error_set(err, WX_ENOEXPORT, "\"%s\" is not exported",
                            fn->name);
    wx_status s;
    switch (fn->abi) {
    case WX_ABI_NUMERIC:
        s = wxai_numeric_call(inst, x.func, fn, args, nargs, out, err);
        break;
    case WX_ABI_BINDGEN:
        s = wxai_bindgen_call(inst, &x, fn, args, nargs, out, err);
        break;
    case WX_ABI_CSTRING:
        s = wxai_cstring_call(inst, x.func, fn, args, nargs, out, err);
        break;
    case WX_ABI_MEMORY:
        s = wxai_memory_call(inst, x.func, fn, args, nargs, out, err);
        break;
    case WX_ABI_EXTISM:
        s = wxai_extism_call(inst, x.func, fn, args, nargs, out, err);
        break;
    default: return wx_error_set(err, WX_EARG, "unknown abi");
    }
    if (s != WX_OK) {
        wxa_results_free(out);
        return s;
    }
    /* The guest calls leave `err` alone when they succeed (see
     * wx_call_unchecked); a successful call says so, as wx_call does. */
    err->status = WX_OK;
    return WX_OK;
}
