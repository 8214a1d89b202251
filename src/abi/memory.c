/*
 * The memory ABI (memabi.h, docs/memory-abi.md): values through guest
 * memory in the shapes the function's config names, with the allocator
 * and free it names.
 *
 * A call: every argument is converted first (a refused argument costs no
 * guest call); then each buffer argument gets a guest buffer from the
 * allocator, filled in its shape, and an out_buffer result its buffer;
 * the export runs; the result is read in its shape and copied out; then
 * the host frees the result buffer (free_result) and its own buffers
 * (free_params; the out buffer always), in that order, so that a result
 * that points into an argument is read before anything goes back.
 *
 * Every pointer and length from the guest is checked against the memory
 * (re-read after each guest call, which may grow it) in 64-bit arithmetic
 * before use; a bad one is WX_EABI naming what the guest got wrong.
 *
 * Every buffer is freed on every path where the guest can still be
 * called: success, a host-side refusal, a guest error (a negative
 * out_buffer length), a trap in the export or the allocator, a broken
 * result. After a failure those frees are best effort and their own
 * errors do not replace the first. After an interrupt (timeout, cancel),
 * an exit or exhausted fuel, the guest is not called again: its budget is
 * spent and the pool replaces the instance, buffers and all.
 */
#include "internal.h"
#include "memabi.h"

#include <inttypes.h>
#include <stdio.h>
#include <string.h>

/* ------------------------------------------------------ the vocabulary */

static const struct {
    const char *name;
    bool param;  /* allowed for a parameter */
    bool sized;  /* spelt name:N */
    bool in_mem; /* a guest buffer (else a number) */
} shapes[WXA_SHAPE_COUNT_] = {
    [WXA_SHAPE_VALUE] = {"value", true, false, false},
    [WXA_SHAPE_PTR_LEN] = {"ptr_len", true, false, true},
    [WXA_SHAPE_LEN_PTR] = {"len_ptr", true, false, true},
    [WXA_SHAPE_CSTR] = {"cstr", true, false, true},
    [WXA_SHAPE_LEN_PREFIXED] = {"len_prefixed", true, false, true},
    [WXA_SHAPE_FIXED] = {"fixed", false, true, true},
    [WXA_SHAPE_OUT_BUFFER] = {"out_buffer", false, true, true},
};

#define PARAM_SHAPES "value, ptr_len, len_ptr, cstr, len_prefixed"
#define RESULT_SHAPES PARAM_SHAPES ", fixed:N, out_buffer:N"

static const char *const alloc_args[] = {NULL, "(size)", "(size, align)"};
static const char *const free_args[] = {NULL, "(ptr)", "(ptr, size)",
                                        "(ptr, size, align)"};

const char *wxa_memabi_helper_args(bool is_free, int form)
{
    if (is_free)
        return form > 0 && form < 4 ? free_args[form] : "";
    return form > 0 && form < 3 ? alloc_args[form] : "";
}

/* Skips spaces. */
static const char *skip(const char *s)
{
    while (*s == ' ')
        s++;
    return s;
}

bool wxa_memabi_parse_helper(const char *text, bool is_free, size_t *name_len,
                             int *form, char *why, size_t cap)
{
    const char *spell = is_free ? "\"NAME(ptr)\", \"NAME(ptr, size)\", "
                                  "\"NAME(ptr, size, align)\" or \"none\""
                                : "\"NAME(size)\" or \"NAME(size, align)\"";
    if (is_free && strcmp(text, "none") == 0) {
        *name_len = 0;
        *form = WXA_FREE_NONE;
        return true;
    }
    const char *open = strchr(text, '(');
    size_t n = open ? (size_t)(open - text) : 0;
    if (!open || n == 0 || text[0] == ' ' || text[n - 1] == ' ' ||
        memchr(text, ')', n)) {
        snprintf(why, cap, "\"%s\" is not %s", text, spell);
        return false;
    }
    /* The words between the parentheses, against the known forms. */
    const char *words[3] = {"ptr", "size", "align"};
    const char *s = skip(open + 1);
    int k = 0, first = is_free ? 0 : 1;
    while (*s != ')') {
        /* Past the comma only if there is one: "NAME(ptr" ends at the
         * NUL, which must stay where the check below reads. */
        if (k && *s != ',')
            break;
        if (k)
            s++;
        s = skip(s);
        /* A word past the last known one ("size, align, x") is refused
         * before it is looked up: words[3] does not exist. */
        if (first + k >= 3)
            break;
        const char *w = words[first + k];
        size_t wl = strlen(w);
        if (strncmp(s, w, wl) != 0)
            break;
        s = skip(s + wl);
        k++;
    }
    int max = is_free ? 3 : 2;
    if (*s != ')' || s[1] != '\0' || k == 0 || k > max) {
        snprintf(why, cap, "\"%s\" is not %s", text, spell);
        return false;
    }
    *name_len = n;
    *form = k;
    return true;
}

void wxa_memabi_helper_text(const char *name, bool is_free, int form,
                            char *buf, size_t cap)
{
    if (is_free && form == WXA_FREE_NONE)
        snprintf(buf, cap, "none");
    else
        snprintf(buf, cap, "%s%s", name ? name : "?",
                 wxa_memabi_helper_args(is_free, form));
}

bool wxa_memabi_parse_shape(const char *text, bool result, wxa_shape *shape,
                            uint32_t *size, char *why, size_t cap)
{
    for (int s = 0; s < WXA_SHAPE_COUNT_; s++) {
        size_t n = strlen(shapes[s].name);
        if (strncmp(text, shapes[s].name, n) != 0)
            continue;
        if (!shapes[s].sized && text[n] != '\0')
            continue;
        if (shapes[s].sized && text[n] != ':') {
            snprintf(why, cap, "\"%s\" needs its size in bytes: \"%s:N\"",
                     text, shapes[s].name);
            return false;
        }
        if (!result && !shapes[s].param) {
            snprintf(why, cap,
                     "\"%s\" is a result shape (parameters take " PARAM_SHAPES
                     ")",
                     text);
            return false;
        }
        *shape = (wxa_shape)s;
        *size = 0;
        if (!shapes[s].sized)
            return true;
        /* Plain decimal digits, at most WXA_MEMORY_RESULT_MAX. */
        const char *d = text + n + 1;
        uint64_t v = 0;
        size_t digits = strspn(d, "0123456789");
        if (digits == 0 || d[digits] != '\0' || digits > 9)
            v = 0;
        else
            for (size_t i = 0; i < digits; i++)
                v = v * 10 + (uint64_t)(d[i] - '0');
        if (v == 0 || v > WXA_MEMORY_RESULT_MAX) {
            snprintf(why, cap,
                     "\"%s\": the size must be a number of bytes from 1 to "
                     "%u",
                     text, WXA_MEMORY_RESULT_MAX);
            return false;
        }
        *size = (uint32_t)v;
        return true;
    }
    snprintf(why, cap, "\"%s\" is not a shape (choose %s)", text,
             result ? RESULT_SHAPES : PARAM_SHAPES);
    return false;
}

void wxa_memabi_shape_text(wxa_shape s, uint32_t size, char *buf, size_t cap)
{
    if ((unsigned)s >= WXA_SHAPE_COUNT_)
        snprintf(buf, cap, "?");
    else if (shapes[s].sized)
        snprintf(buf, cap, "%s:%" PRIu32, shapes[s].name, size);
    else
        snprintf(buf, cap, "%s", shapes[s].name);
}

bool wxa_memabi_result_in_guest(wxa_shape s)
{
    return s != WXA_SHAPE_VALUE && s != WXA_SHAPE_OUT_BUFFER &&
           (unsigned)s < WXA_SHAPE_COUNT_;
}

wxa_shape wxa_memabi_default_shape(wx_type t)
{
    return wxa_type_is_buf(t) ? WXA_SHAPE_PTR_LEN : WXA_SHAPE_VALUE;
}

/* Whether a value of type t travels in shape s. */
static bool shape_takes(wxa_shape s, wx_type t)
{
    wx_valtype vt;
    if (s == WXA_SHAPE_VALUE)
        return wxai_wasm_type(t, &vt);
    if (s == WXA_SHAPE_CSTR)
        return t == WXA_STRING || t == WXA_JSON;
    return wxa_type_is_buf(t);
}

static const char *shape_types(wxa_shape s)
{
    if (s == WXA_SHAPE_VALUE)
        return "a number, bool or char";
    if (s == WXA_SHAPE_CSTR)
        return "string or json (bytes may hold a NUL)";
    return "string, bytes or json";
}

bool wxa_memabi_validate(const wxa_memabi *ma, const wx_type *params,
                         uint32_t nparams, const wx_type *results,
                         uint32_t nresults, char *field, size_t fcap,
                         char *why, size_t wcap)
{
    char sh[32];
    bool host_allocs = false;
    if (ma->nparams != nparams) {
        snprintf(field, fcap, "memory.params");
        snprintf(why, wcap,
                 "%" PRIu32 " shape%s for %" PRIu32 " param%s (one each)",
                 ma->nparams, ma->nparams == 1 ? "" : "s", nparams,
                 nparams == 1 ? "" : "s");
        return false;
    }
    for (uint32_t i = 0; i < nparams; i++) {
        wxa_shape s = ma->params[i];
        snprintf(field, fcap, "memory.params[%" PRIu32 "]", i);
        if ((unsigned)s >= WXA_SHAPE_COUNT_ || !shapes[s].param) {
            snprintf(why, wcap,
                     "not a parameter shape (choose " PARAM_SHAPES ")");
            return false;
        }
        wxa_memabi_shape_text(s, 0, sh, sizeof sh);
        if (!shape_takes(s, params[i])) {
            snprintf(why, wcap,
                     "\"%s\" cannot carry params[%" PRIu32 "], a %s (it "
                     "takes %s)",
                     sh, i, wx_type_name(params[i]), shape_types(s));
            return false;
        }
        host_allocs |= shapes[s].in_mem;
    }

    wxa_shape r = ma->result;
    snprintf(field, fcap, "memory.result");
    if ((unsigned)r >= WXA_SHAPE_COUNT_) {
        snprintf(why, wcap, "not a shape (choose " RESULT_SHAPES ")");
        return false;
    }
    wxa_memabi_shape_text(r, ma->result_size, sh, sizeof sh);
    if (r == WXA_SHAPE_VALUE) {
        for (uint32_t i = 0; i < nresults; i++) {
            if (!shape_takes(r, results[i])) {
                snprintf(why, wcap,
                         "required: results[%" PRIu32 "] is %s, which "
                         "comes through memory (choose " RESULT_SHAPES ")",
                         i, wx_type_name(results[i]));
                return false;
            }
        }
    } else {
        if (nresults != 1) {
            snprintf(why, wcap,
                     "\"%s\" gives one result, but results lists %" PRIu32, sh,
                     nresults);
            return false;
        }
        if (!shape_takes(r, results[0])) {
            snprintf(why, wcap,
                     "\"%s\" cannot carry results[0], a %s (it takes %s)", sh,
                     wx_type_name(results[0]), shape_types(r));
            return false;
        }
        if ((r == WXA_SHAPE_FIXED || r == WXA_SHAPE_OUT_BUFFER) &&
            (ma->result_size == 0 ||
             ma->result_size > WXA_MEMORY_RESULT_MAX)) {
            snprintf(why, wcap, "the size must be from 1 to %u bytes",
                     WXA_MEMORY_RESULT_MAX);
            return false;
        }
        host_allocs |= r == WXA_SHAPE_OUT_BUFFER;
    }

    snprintf(field, fcap, "memory.alloc");
    if (ma->alloc != WXA_ALLOC_NONE && !ma->alloc_name) {
        snprintf(why, wcap, "no export name");
        return false;
    }
    if (host_allocs && ma->alloc == WXA_ALLOC_NONE) {
        snprintf(why, wcap,
                 "required: a parameter or the result takes guest memory "
                 "from the host (\"NAME(size)\" or \"NAME(size, align)\")");
        return false;
    }
    snprintf(field, fcap, "memory.free");
    if (ma->free != WXA_FREE_NONE && !ma->free_name) {
        snprintf(why, wcap, "no export name");
        return false;
    }
    if (ma->free == WXA_FREE_NONE && (ma->free_params || ma->free_result)) {
        snprintf(field, fcap, "memory.%s",
                 ma->free_params ? "free_params" : "free_result");
        snprintf(why, wcap, "true needs a memory.free to call");
        return false;
    }
    if (ma->free_result && !wxa_memabi_result_in_guest(r)) {
        snprintf(field, fcap, "memory.free_result");
        snprintf(why, wcap,
                 "true, but the result (\"%s\") is not a buffer the guest "
                 "hands over",
                 sh);
        return false;
    }
    snprintf(field, fcap, "memory.align");
    if (ma->align == 0 || (ma->align & (ma->align - 1)) || ma->align > 65536) {
        snprintf(why, wcap,
                 "%" PRIu32 " is not a power of two from 1 to "
                 "65536",
                 ma->align);
        return false;
    }
    return true;
}

/* ----------------------------------------------------------- the check */

/* Whether f has the type (i32 x nparams) -> (i32 x nresults). */
static bool i32_type(const wx_functype *t, uint32_t nparams, uint32_t nresults)
{
    if (t->nparams != nparams || t->nresults != nresults)
        return false;
    for (uint32_t i = 0; i < nparams; i++)
        if (t->params[i] != WX_I32)
            return false;
    for (uint32_t i = 0; i < nresults; i++)
        if (t->results[i] != WX_I32)
            return false;
    return true;
}

/* The wasm type of a helper form: parameters and results (all i32). */
static void helper_arity(bool is_free, int form, uint32_t *np, uint32_t *nr)
{
    *np = (uint32_t)form; /* the forms count their arguments */
    *nr = is_free ? 0 : 1;
}

static wx_status check_helper(const wx_module *m, bool is_free,
                              const char *name, int form, const char *where,
                              wx_error *err)
{
    const char *key = is_free ? "memory.free" : "memory.alloc";
    char spelt[160];
    wxa_memabi_helper_text(name, is_free, form, spelt, sizeof spelt);
    uint32_t count = wx_module_export_count(m);
    for (uint32_t i = 0; i < count; i++) {
        wx_externdesc d;
        if (!wx_module_export(m, i, &d) || strcmp(d.name, name) != 0)
            continue;
        uint32_t np, nr;
        helper_arity(is_free, form, &np, &nr);
        if (d.kind == WX_EXTERN_FUNC && i32_type(&d.func, np, nr))
            return WX_OK;
        char got[160] = "not a function";
        if (d.kind == WX_EXTERN_FUNC)
            wxai_format_functype(&d.func, got, sizeof got);
        return wxai_fail(err, WX_EINVALID, where,
                         "%s: \"%s\" needs the export \"%s\" of type %s, "
                         "but it is %s",
                         key, spelt, name,
                         is_free   ? (np == 1   ? "(i32) -> ()"
                                      : np == 2 ? "(i32, i32) -> ()"
                                                : "(i32, i32, i32) -> ()")
                         : np == 1 ? "(i32) -> i32"
                                   : "(i32, i32) -> i32",
                         got);
    }
    char list[200];
    if (wxa_export_list(m, list, sizeof list) == 0)
        snprintf(list, sizeof list, "none");
    return wxai_fail(err, WX_EINVALID, where,
                     "%s: \"%s\" is not exported by the module (exports: %s)",
                     key, name, list);
}

/* Appends the wasm values a parameter of type t in shape s takes. */
static void param_wasm(wxa_shape s, wx_type t, wx_valtype *vt, uint32_t *k)
{
    switch (s) {
    case WXA_SHAPE_VALUE: wxai_wasm_type(t, &vt[(*k)++]); break;
    case WXA_SHAPE_PTR_LEN:
    case WXA_SHAPE_LEN_PTR:
        vt[(*k)++] = WX_I32;
        vt[(*k)++] = WX_I32;
        break;
    default: vt[(*k)++] = WX_I32; break;
    }
}

static bool same_types(const wx_valtype *a, uint32_t na, const wx_valtype *b,
                       uint32_t nb)
{
    return na == nb && (na == 0 || memcmp(a, b, na * sizeof *a) == 0);
}

wx_status wxai_memory_check(const wx_module *m, const wxa_fn *fn,
                            const wx_functype *t, const char *where,
                            wx_error *err)
{
    const wxa_memabi *ma = fn->memory;
    if (!ma)
        return wxai_fail(err, WX_EINVALID, where,
                         "abi memory needs a memory description (the "
                         "function's \"memory\" object)");
    if (!fn->has_params || !fn->has_results)
        return wxai_fail(err, WX_EINVALID, where,
                         "abi memory needs declared params and results");
    char field[64], why[200];
    if (!wxa_memabi_validate(ma, fn->params, fn->nparams, fn->results,
                             fn->nresults, field, sizeof field, why,
                             sizeof why))
        return wxai_fail(err, WX_EINVALID, where, "%s: %s", field, why);

    /* The signature the shapes imply; a ptr_len or len_ptr result may
     * also come packed in one i64. */
    wx_valtype p[2 * WXA_MAX_VALUES + 2], r[WXA_MAX_VALUES], r64 = WX_I64;
    uint32_t np = 0, nr = 0;
    bool in_mem = false;
    for (uint32_t i = 0; i < fn->nparams; i++) {
        param_wasm(ma->params[i], fn->params[i], p, &np);
        in_mem |= ma->params[i] != WXA_SHAPE_VALUE;
    }
    switch (ma->result) {
    case WXA_SHAPE_VALUE:
        for (uint32_t i = 0; i < fn->nresults; i++)
            wxai_wasm_type(fn->results[i], &r[nr++]);
        break;
    case WXA_SHAPE_PTR_LEN:
    case WXA_SHAPE_LEN_PTR:
        r[nr++] = WX_I32;
        r[nr++] = WX_I32;
        in_mem = true;
        break;
    default:
        /* One i32: a pointer, or the length an out_buffer export wrote
         * into the (ptr, cap) that come after the other arguments. */
        if (ma->result == WXA_SHAPE_OUT_BUFFER) {
            p[np++] = WX_I32;
            p[np++] = WX_I32;
        }
        r[nr++] = WX_I32;
        in_mem = true;
        break;
    }
    bool packed =
        (ma->result == WXA_SHAPE_PTR_LEN || ma->result == WXA_SHAPE_LEN_PTR) &&
        same_types(t->results, t->nresults, &r64, 1);
    if (!same_types(t->params, t->nparams, p, np) ||
        (!packed && !same_types(t->results, t->nresults, r, nr))) {
        char got[160], want[160];
        wxai_format_functype(t, got, sizeof got);
        wx_functype wt = {np, nr, p, r};
        wxai_format_functype(&wt, want, sizeof want);
        bool pl =
            ma->result == WXA_SHAPE_PTR_LEN || ma->result == WXA_SHAPE_LEN_PTR;
        return wxai_fail(err, WX_EINVALID, where,
                         "memory: \"%s\" has type %s, but its params, "
                         "results and shapes need %s%s",
                         fn->name, got, want,
                         pl ? " (or -> i64, the pair packed)" : "");
    }
    if (in_mem) {
        uint32_t count = wx_module_export_count(m);
        bool found = false;
        for (uint32_t i = 0; i < count && !found; i++) {
            wx_externdesc d;
            found = wx_module_export(m, i, &d) && d.kind == WX_EXTERN_MEMORY &&
                    strcmp(d.name, "memory") == 0;
        }
        if (!found)
            return wxai_fail(err, WX_EINVALID, where,
                             "memory: the module must export its memory as "
                             "\"memory\"");
    }
    if (ma->alloc != WXA_ALLOC_NONE) {
        wx_status s =
            check_helper(m, false, ma->alloc_name, ma->alloc, where, err);
        if (s != WX_OK)
            return s;
    }
    if (ma->free != WXA_FREE_NONE)
        return check_helper(m, true, ma->free_name, ma->free, where, err);
    return WX_OK;
}

/* ---------------------------------------------------------------- call */

typedef struct mem_call {
    const wxa_fn *fn;
    const wxa_memabi *ma;
    wx_wasm_func *alloc, *free;
    wxai_mem m;
    /* The host's buffers (arguments, then the out buffer) and whether
     * each goes back after the call. */
    wxai_gbuf bufs[WXA_MAX_VALUES + 1];
    bool give_back[WXA_MAX_VALUES + 1];
    size_t nbufs;
    wxai_gbuf result; /* the buffer a pointer result points to */
    bool has_result;
} mem_call;

/* A fresh guest buffer of `size` bytes, checked to lie in memory. */
static wx_status guest_alloc(mem_call *c, uint32_t size, uint32_t *ptr,
                             wx_error *err)
{
    uint32_t args[2] = {size, c->ma->align};
    size_t n = c->ma->alloc == WXA_ALLOC_SIZE_ALIGN ? 2 : 1;
    wx_status s =
        wxai_call_i32(c->alloc, c->ma->alloc_name, args, n, ptr, err);
    if (s != WX_OK)
        return s;
    return wxai_check_alloc(&c->m, c->ma->alloc_name, size, *ptr, true, err);
}

/* Gives one buffer back, with the size it was allocated with (for an
 * argument) or that its shape gives (for a result), 0 included: every
 * non-null pointer from alloc goes back, so a guest whose alloc(0) hands
 * out a dangling pointer must take it back in free (as Rust's do when
 * they check the size). A null pointer owns nothing. */
static wx_status guest_free(mem_call *c, wxai_gbuf b, wx_error *err)
{
    const wxa_memabi *ma = c->ma;
    if (b.ptr == 0)
        return WX_OK;
    uint32_t args[3] = {b.ptr, b.size, ma->align};
    return wxai_call_i32(c->free, ma->free_name, args, (size_t)ma->free, NULL,
                         err);
}

/* Frees what the host owns after the call: the result buffer first, then
 * the host's buffers. Stops at the first failure. */
static wx_status give_back(mem_call *c, wx_error *err)
{
    if (!c->free)
        return WX_OK;
    if (c->has_result && c->ma->free_result) {
        c->has_result = false;
        wx_status s = guest_free(c, c->result, err);
        if (s != WX_OK)
            return s;
    }
    for (size_t i = 0; i < c->nbufs; i++) {
        if (!c->give_back[i])
            continue;
        c->give_back[i] = false;
        wx_status s = guest_free(c, c->bufs[i], err);
        if (s != WX_OK)
            return s;
    }
    return WX_OK;
}

/* Whether the guest may still be called after a call that failed with s:
 * not once its budget is spent (interrupt, fuel) or it has exited. */
static bool callable_after(wx_status s)
{
    return s == WX_ETRAP || s == WX_EABI || s == WX_EGUEST || s == WX_EARG ||
           s == WX_ENOMEM || s == WX_ENOEXPORT;
}

/* Finds the helpers on `inst`, checking their types on every call: the
 * calls that use them trust those types. */
static wx_status find_helpers(wx_instance *inst, mem_call *c, wx_error *err)
{
    const wxa_memabi *ma = c->ma;
    c->m.mem = wxai_guest_memory(inst);
    uint32_t np, nr;
    if (ma->alloc != WXA_ALLOC_NONE) {
        c->alloc = wx_instance_func(inst, ma->alloc_name);
        helper_arity(false, ma->alloc, &np, &nr);
        if (!c->alloc || !i32_type(wx_wasm_func_type(c->alloc), np, nr))
            return wx_error_set(err, WX_ENOEXPORT,
                                "%s: memory.alloc: no export \"%s\" of type "
                                "%s -> i32",
                                c->fn->name, ma->alloc_name,
                                wxa_memabi_helper_args(false, ma->alloc));
    }
    if (ma->free != WXA_FREE_NONE) {
        c->free = wx_instance_func(inst, ma->free_name);
        helper_arity(true, ma->free, &np, &nr);
        if (!c->free || !i32_type(wx_wasm_func_type(c->free), np, nr))
            return wx_error_set(err, WX_ENOEXPORT,
                                "%s: memory.free: no export \"%s\" of type "
                                "%s -> ()",
                                c->fn->name, ma->free_name,
                                wxa_memabi_helper_args(true, ma->free));
    }
    if (!c->m.mem)
        return wx_error_set(err, WX_ENOEXPORT, "%s: the module has no memory",
                            c->fn->name);
    wxai_mem_refresh(&c->m);
    return WX_OK;
}

/* The bytes a buffer argument takes in its shape. */
static uint64_t arg_size(wxa_shape s, size_t len)
{
    if (s == WXA_SHAPE_CSTR)
        return (uint64_t)len + 1;
    if (s == WXA_SHAPE_LEN_PREFIXED)
        return (uint64_t)len + 4;
    return len;
}

/* Whether converted argument i may travel in its shape: WX_OK, or
 * WX_EARG / WX_ELIMIT naming it. */
static wx_status arg_fits(const wxa_fn *fn, size_t i, const wxa_value *v,
                          wx_error *err)
{
    wxa_shape s = fn->memory->params[i];
    if (!shape_takes(s, fn->params[i]))
        return wx_error_set(err, WX_EARG,
                            "argument %zu: its shape cannot carry a %s "
                            "(check the function first)",
                            i + 1, wx_type_name(fn->params[i]));
    if (s == WXA_SHAPE_VALUE)
        return WX_OK;
    const char *data = v->of.buf.data;
    const char *nul =
        s == WXA_SHAPE_CSTR ? memchr(data, 0, v->of.buf.len) : NULL;
    if (nul)
        return wx_error_set(err, WX_EARG,
                            "argument %zu: holds a NUL byte (at %zu), which "
                            "the cstr shape cannot pass",
                            i + 1, (size_t)(nul - data));
    if (arg_size(s, v->of.buf.len) > UINT32_MAX / 2)
        return wx_error_set(err, WX_ELIMIT,
                            "argument %zu: %zu bytes is too large for a "
                            "32-bit guest",
                            i + 1, v->of.buf.len);
    return WX_OK;
}

static void release(wxa_value *v, const bool *owned, size_t n)
{
    for (size_t i = 0; i < n; i++)
        if (owned[i])
            wxa_value_free(&v[i]);
}

/* Converts every argument first, so that a refused one costs no guest
 * call. */
static wx_status convert_args(const wxa_fn *fn, const wxa_value *args,
                              size_t n, wxa_value *v, bool *owned,
                              wx_error *err)
{
    for (size_t i = 0; i < n; i++) {
        wx_status s =
            wxai_arg(&args[i], i, fn->params[i], &v[i], &owned[i], err);
        if (s == WX_OK)
            s = arg_fits(fn, i, &v[i], err);
        else
            owned[i] = false;
        if (s != WX_OK) {
            release(v, owned, i + 1);
            return s;
        }
    }
    return WX_OK;
}

/* Copies buffer argument `v` into a fresh guest buffer in shape s and
 * appends its wasm values. */
static wx_status put_arg(mem_call *c, wxa_shape s, const wxa_value *v,
                         wx_wasm_val *w, uint32_t *k, wx_error *err)
{
    uint32_t len = (uint32_t)v->of.buf.len;
    uint32_t size = (uint32_t)arg_size(s, len), ptr;
    wx_status st = guest_alloc(c, size, &ptr, err);
    if (st != WX_OK)
        return st;
    c->bufs[c->nbufs] = (wxai_gbuf){ptr, size};
    c->give_back[c->nbufs++] = c->ma->free_params;
    uint8_t *dst = c->m.base + ptr;
    if (s == WXA_SHAPE_LEN_PREFIXED) {
        wxai_put_le32(dst, len);
        dst += 4;
    }
    if (len)
        memcpy(dst, v->of.buf.data, len);
    if (s == WXA_SHAPE_CSTR)
        dst[len] = 0;
    if (s == WXA_SHAPE_LEN_PTR) {
        w[(*k)++] = wx_wasm_i32((int32_t)len);
        w[(*k)++] = wx_wasm_i32((int32_t)ptr);
    } else {
        w[(*k)++] = wx_wasm_i32((int32_t)ptr);
        if (s == WXA_SHAPE_PTR_LEN)
            w[(*k)++] = wx_wasm_i32((int32_t)len);
    }
    return WX_OK;
}

/* Lays out the arguments (converted) as wasm values, allocating guest
 * buffers; the out buffer's (ptr, cap) come last. */
static wx_status marshal(mem_call *c, const wxa_value *v, size_t n,
                         wx_wasm_val *w, uint32_t *k, wx_error *err)
{
    const wxa_memabi *ma = c->ma;
    for (size_t i = 0; i < n; i++) {
        if (ma->params[i] == WXA_SHAPE_VALUE) {
            wxa_value_to_wasm(&v[i], &w[(*k)++]);
            continue;
        }
        wx_status s = put_arg(c, ma->params[i], &v[i], w, k, err);
        if (s != WX_OK)
            return s;
    }
    if (ma->result == WXA_SHAPE_OUT_BUFFER) {
        uint32_t ptr;
        wx_status s = guest_alloc(c, ma->result_size, &ptr, err);
        if (s != WX_OK)
            return s;
        c->bufs[c->nbufs] = (wxai_gbuf){ptr, ma->result_size};
        c->give_back[c->nbufs++] = true;
        w[(*k)++] = wx_wasm_i32((int32_t)ptr);
        w[(*k)++] = wx_wasm_i32((int32_t)ma->result_size);
    }
    return WX_OK;
}

/* The pointer and length of a ptr_len or len_ptr result, from two i32
 * results or one i64 (the first of the pair in the high half). */
static void split_pair(const mem_call *c, const wx_functype *t,
                       const wx_wasm_val *res, uint32_t *ptr, uint32_t *len)
{
    uint32_t first, second;
    if (t->nresults == 2) {
        first = (uint32_t)res[0].of.i32;
        second = (uint32_t)res[1].of.i32;
    } else {
        uint64_t v = (uint64_t)res[0].of.i64;
        first = (uint32_t)(v >> 32);
        second = (uint32_t)v;
    }
    bool ptr_first = c->ma->result == WXA_SHAPE_PTR_LEN;
    *ptr = ptr_first ? first : second;
    *len = ptr_first ? second : first;
}

/* Reads the result buffer's place and length in its shape, checking every
 * pointer and length; `data` is where the bytes start. */
static wx_status locate_result(mem_call *c, const wx_functype *t,
                               const wx_wasm_val *res, uint32_t *data,
                               uint32_t *len, wx_error *err)
{
    const char *name = c->fn->name;
    const wxa_memabi *ma = c->ma;
    wxai_mem_refresh(&c->m);
    uint64_t msize = c->m.size;
    if (ma->result == WXA_SHAPE_OUT_BUFFER) {
        int32_t n = res[0].of.i32;
        if (n < 0)
            return wx_error_set(err, WX_EGUEST,
                                "guest error: %s returned error code %" PRId32,
                                name, n);
        if ((uint32_t)n > ma->result_size)
            return wx_error_set(err, WX_EABI,
                                "%s says it wrote %" PRId32 " bytes into an "
                                "out buffer of %" PRIu32,
                                name, n, ma->result_size);
        *data = c->bufs[c->nbufs - 1].ptr;
        *len = (uint32_t)n;
        return WX_OK;
    }
    uint32_t ptr, n = 0;
    if (ma->result == WXA_SHAPE_PTR_LEN || ma->result == WXA_SHAPE_LEN_PTR)
        split_pair(c, t, res, &ptr, &n);
    else
        ptr = (uint32_t)res[0].of.i32;
    if (ptr == 0 && (n > 0 || (ma->result != WXA_SHAPE_PTR_LEN &&
                               ma->result != WXA_SHAPE_LEN_PTR)))
        return wx_error_set(err, WX_EABI, "%s returned a null pointer", name);
    if (!wxai_mem_has(&c->m, ptr, 1) && !(ptr == 0 && n == 0))
        return wx_error_set(err, WX_EABI,
                            "%s returned the pointer %" PRIu32 ", outside "
                            "memory (%" PRIu64 " bytes)",
                            name, ptr, msize);
    uint32_t start = ptr, whole;
    switch (ma->result) {
    case WXA_SHAPE_CSTR: {
        uint64_t room = msize - ptr;
        if (room > (uint64_t)WXA_MEMORY_RESULT_MAX + 1)
            room = (uint64_t)WXA_MEMORY_RESULT_MAX + 1;
        const uint8_t *nul = memchr(c->m.base + ptr, 0, (size_t)room);
        if (!nul)
            return wx_error_set(err, WX_EABI,
                                "%s: the string at %" PRIu32 " has no NUL "
                                "within %" PRIu64 " bytes",
                                name, ptr, room);
        n = (uint32_t)(nul - (c->m.base + ptr));
        whole = n + 1;
        break;
    }
    case WXA_SHAPE_LEN_PREFIXED:
        if (!wxai_mem_has(&c->m, ptr, 4))
            return wx_error_set(err, WX_EABI,
                                "%s: the length prefix at %" PRIu32
                                " is outside memory (%" PRIu64 " bytes)",
                                name, ptr, msize);
        n = wxai_le32(c->m.base + ptr);
        start = ptr + 4;
        if (n > WXA_MEMORY_RESULT_MAX || !wxai_mem_has(&c->m, start, n))
            return wx_error_set(err, WX_EABI,
                                "%s: the length prefix at %" PRIu32
                                " says %" PRIu32 " bytes, %s",
                                name, ptr, n,
                                n > WXA_MEMORY_RESULT_MAX
                                    ? "more than a result may have (16 MiB)"
                                    : "past the end of memory");
        whole = n + 4;
        break;
    case WXA_SHAPE_FIXED:
        n = ma->result_size;
        if (!wxai_mem_has(&c->m, ptr, n))
            return wx_error_set(err, WX_EABI,
                                "%s returned %" PRIu32 " for %" PRIu32
                                " bytes (fixed:%" PRIu32 "), past the end of "
                                "memory (%" PRIu64 " bytes)",
                                name, ptr, n, n, msize);
        whole = n;
        break;
    default: /* ptr_len, len_ptr */
        if (n > WXA_MEMORY_RESULT_MAX)
            return wx_error_set(err, WX_EABI,
                                "%s returned (ptr %" PRIu32 ", len %" PRIu32
                                "), more than a result may have (16 MiB)",
                                name, ptr, n);
        if (!wxai_mem_has(&c->m, ptr, n))
            return wx_error_set(err, WX_EABI,
                                "%s returned (ptr %" PRIu32 ", len %" PRIu32
                                "), outside memory (%" PRIu64 " bytes)",
                                name, ptr, n, msize);
        whole = n;
        break;
    }
    c->result = (wxai_gbuf){ptr, whole};
    c->has_result = true;
    *data = start;
    *len = n;
    return WX_OK;
}

static wx_status read_results(mem_call *c, const wx_functype *t,
                              const wx_wasm_val *res, wxa_results *out,
                              wx_error *err)
{
    const wxa_fn *fn = c->fn;
    for (uint32_t i = 0; i < fn->nresults; i++)
        if (!shape_takes(c->ma->result, fn->results[i]))
            return wx_error_set(err, WX_EARG,
                                "%s: memory.result cannot carry a %s "
                                "(check the function first)",
                                fn->name, wx_type_name(fn->results[i]));
    if (c->ma->result == WXA_SHAPE_VALUE) {
        for (uint32_t i = 0; i < t->nresults && i < fn->nresults; i++) {
            wx_status s = wxai_from_wasm(res[i], fn->results[i], i,
                                         &out->values[i], err);
            if (s != WX_OK)
                return s;
            out->count = i + 1;
        }
        return WX_OK;
    }
    uint32_t data = 0, len = 0;
    wx_status s = locate_result(c, t, res, &data, &len, err);
    if (s != WX_OK)
        return s;
    s = wxa_value_set(&out->values[0], fn->results[0], c->m.base + data, len,
                      err);
    if (s == WX_OK)
        out->count = 1;
    return s;
}

wx_status wxai_memory_call(wx_instance *inst, wx_wasm_func *f,
                           const wxa_fn *fn, const wxa_value *args,
                           size_t nargs, wxa_results *out, wx_error *err)
{
    if (!fn->memory || !fn->has_params || !fn->has_results ||
        fn->memory->nparams != fn->nparams || nargs != fn->nparams)
        return wx_error_set(err, WX_EARG,
                            "%s: abi memory needs declared params, results "
                            "and shapes (check the function first)",
                            fn->name);
    const wx_functype *t = wx_wasm_func_type(f);
    if (t->nparams > WXA_MAX_VALUES || t->nresults > WXA_MAX_VALUES)
        return wx_error_set(err, WX_EARG, "%s: too many wasm values",
                            fn->name);
    mem_call c = {.fn = fn, .ma = fn->memory};
    wx_status s = find_helpers(inst, &c, err);
    if (s != WX_OK)
        return s;
    wxa_value v[WXA_MAX_VALUES];
    bool owned[WXA_MAX_VALUES];
    s = convert_args(fn, args, nargs, v, owned, err);
    if (s != WX_OK)
        return s;
    wx_wasm_val w[2 * WXA_MAX_VALUES + 2], res[WXA_MAX_VALUES];
    uint32_t k = 0;
    s = marshal(&c, v, nargs, w, &k, err);
    release(v, owned, nargs);
    if (s == WX_OK && k != t->nparams)
        s = wx_error_set(err, WX_EARG,
                         "%s: the shapes give %" PRIu32 " wasm arguments, "
                         "the export takes %" PRIu32
                         " (check the function first)",
                         fn->name, k, t->nparams);
    if (s == WX_OK)
        s = wx_call(f, w, k, res, t->nresults, err);
    if (s == WX_OK)
        s = read_results(&c, t, res, out, err);
    if (s != WX_OK) {
        /* Best effort: the first error is the call's. */
        if (callable_after(s)) {
            wx_error ignored;
            give_back(&c, &ignored);
        }
        return s;
    }
    s = give_back(&c, err);
    if (s != WX_OK) {
        char prefix[160];
        snprintf(prefix, sizeof prefix, "%s: after the call: ", fn->name);
        wxai_prefix_error(err, prefix);
        wxa_results_free(out);
    }
    return s;
}
