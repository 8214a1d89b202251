/*
 * The wasmedge-bindgen ABI, 0.4.x (shared/bindgen/ABI.md §1.3-1.6), and
 * the parts the legacy 0.1.x form shares with it.
 *
 * A call: pp = allocate(8n); per argument a guest buffer from allocate,
 * filled with the little-endian encoding, and its (ptr, len) record at
 * pp + 8i; r = export(pp, n); then the 9-byte descriptor at r: flag (0 Ok,
 * 1 Err), ptr, count. Ok: `count` triples (value_ptr, type_code,
 * byte_size) at ptr; Err: a UTF-8 message of `count` bytes at ptr.
 *
 * Ownership (ABI.md §1.5): argument buffers become the guest's when the
 * export is called (it frees them). Everything the guest returns
 * (descriptor, triple array, value buffers, message) and the params block
 * are the host's to give back with deallocate once copied out, after an
 * Ok or an Err. deallocate is never called with size 0: Rust's
 * allocate(0) hands out a dangling pointer that owns nothing, and a unit
 * result's triple pointer is one too.
 *
 * Every pointer and length from the guest is checked against the memory
 * (re-read after each guest call, which may grow it) before it is used; a
 * bad one is WX_EABI. After any failure inside the guest (trap, interrupt,
 * exit, a broken convention) nothing more is handed back to it: its state
 * is suspect and the pool replaces the instance, buffers and all.
 */
#include "internal.h"

#include <inttypes.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

_Static_assert(__BYTE_ORDER__ == __ORDER_LITTLE_ENDIAN__,
               "bindgen values are copied as little-endian host values");

/* Longest guest error message kept (bytes). */
#define WXAI_GUEST_MSG_MAX 256u

/* ---------------------------------------------------------- type codes */

/* The return-record type code of each value type (ABI.md §1.4). */
static uint32_t code_of(wxa_type t)
{
    switch (t) {
    case WXA_U8: return 1;
    case WXA_I8: return 2;
    case WXA_U16: return 3;
    case WXA_I16: return 4;
    case WXA_U32: return 5;
    case WXA_I32: return 6;
    case WXA_U64: return 7;
    case WXA_I64: return 8;
    case WXA_F32: return 9;
    case WXA_F64: return 10;
    case WXA_BOOL: return 11;
    case WXA_CHAR: return 12;
    case WXA_BYTES:
    case WXA_VEC_U8: return 21;
    case WXA_VEC_I8: return 22;
    case WXA_VEC_U16: return 23;
    case WXA_VEC_I16: return 24;
    case WXA_VEC_U32: return 25;
    case WXA_VEC_I32: return 26;
    case WXA_VEC_U64: return 27;
    case WXA_VEC_I64: return 28;
    case WXA_STRING:
    case WXA_JSON: return 31;
    default: return 0;
    }
}

/* The value type a code means when no result type is declared. Vec<u8>
 * comes back as bytes: digests and blobs read better as hex/base64. */
static bool type_of_code(uint32_t code, wxa_type *t)
{
    static const wxa_type scalars[] = {
        WXA_U8,  WXA_I8,  WXA_U16, WXA_I16, WXA_U32,  WXA_I32,
        WXA_U64, WXA_I64, WXA_F32, WXA_F64, WXA_BOOL, WXA_CHAR,
    };
    static const wxa_type vecs[] = {
        WXA_BYTES,   WXA_VEC_I8,  WXA_VEC_U16, WXA_VEC_I16,
        WXA_VEC_U32, WXA_VEC_I32, WXA_VEC_U64, WXA_VEC_I64,
    };
    if (code >= 1 && code <= 12) {
        *t = scalars[code - 1];
        return true;
    }
    if (code >= 21 && code <= 28) {
        *t = vecs[code - 21];
        return true;
    }
    if (code == 31) {
        *t = WXA_STRING;
        return true;
    }
    return false;
}

/* Byte size of a scalar type's encoding; 0 for buffers and vectors. */
static uint32_t scalar_size(wxa_type t)
{
    switch (t) {
    case WXA_I8:
    case WXA_U8:
    case WXA_BOOL: return 1;
    case WXA_I16:
    case WXA_U16: return 2;
    case WXA_I32:
    case WXA_U32:
    case WXA_F32:
    case WXA_CHAR: return 4;
    case WXA_I64:
    case WXA_U64:
    case WXA_F64: return 8;
    default: return 0;
    }
}

/* --------------------------------------------------------------- check */

static bool has_export(const wx_module *m, const char *name,
                       wx_externkind kind, const char *sig, wx_externdesc *d)
{
    uint32_t n = wx_module_export_count(m);
    for (uint32_t i = 0; i < n; i++) {
        if (!wx_module_export(m, i, d) || strcmp(d->name, name) != 0)
            continue;
        if (d->kind != kind)
            return false;
        if (!sig)
            return true;
        char got[160];
        wxai_format_functype(&d->func, got, sizeof got);
        return strcmp(got, sig) == 0;
    }
    return false;
}

static bool has_import(const wx_module *m, const char *module,
                       const char *name, const char *sig)
{
    uint32_t n = wx_module_import_count(m);
    for (uint32_t i = 0; i < n; i++) {
        wx_externdesc d;
        if (!wx_module_import(m, i, &d) || strcmp(d.module, module) != 0 ||
            strcmp(d.name, name) != 0 || d.kind != WX_EXTERN_FUNC)
            continue;
        char got[160];
        wxai_format_functype(&d.func, got, sizeof got);
        return strcmp(got, sig) == 0;
    }
    return false;
}

wx_status wxai_bindgen_check(const wx_module *m, const wxa_fn *fn,
                             const wx_functype *t, const char *where,
                             wx_error *err)
{
    char sig[160];
    wxai_format_functype(t, sig, sizeof sig);
    bool current = strcmp(sig, "(i32, i32) -> i32") == 0;
    bool legacy = strcmp(sig, "(i32, i32) -> ()") == 0;
    if (!current && !legacy)
        return wxai_fail(err, WX_EINVALID, where,
                         "\"%s\" has type %s, but a bindgen function has "
                         "type (i32, i32) -> i32 (or (i32, i32) -> () in "
                         "the legacy 0.1 form)",
                         fn->name, sig);
    wx_externdesc d;
    if (!has_export(m, "memory", WX_EXTERN_MEMORY, NULL, &d))
        return wxai_fail(err, WX_EINVALID, where,
                         "the bindgen abi needs the module to export its "
                         "memory as \"memory\"");
    if (!has_export(m, "allocate", WX_EXTERN_FUNC, "(i32) -> i32", &d) ||
        !has_export(m, "deallocate", WX_EXTERN_FUNC, "(i32, i32) -> ()", &d))
        return wxai_fail(err, WX_EINVALID, where,
                         "the bindgen abi needs the exports allocate "
                         "(i32) -> i32 and deallocate (i32, i32) -> ()");
    if (legacy) {
        if (!has_import(m, "wasmedge-bindgen", "return_result",
                        "(i32, i32) -> ()") ||
            !has_import(m, "wasmedge-bindgen", "return_error",
                        "(i32, i32) -> ()"))
            return wxai_fail(err, WX_EINVALID, where,
                             "\"%s\" has the legacy bindgen type (i32, i32) "
                             "-> () but the module does not import "
                             "wasmedge-bindgen.return_result and "
                             "return_error (i32, i32) -> ()",
                             fn->name);
        if (!fn->legacy)
            return wxai_fail(err, WX_EINVALID, where,
                             "\"%s\" uses the legacy bindgen 0.1 form: its "
                             "results need wxa_linker_add_bindgen_legacy "
                             "and fn->legacy",
                             fn->name);
    }
    if (!fn->has_params)
        return wxai_fail(err, WX_EINVALID, where,
                         "\"%s\": a bindgen function needs its params "
                         "declared (the module does not say them)",
                         fn->name);
    return WX_OK;
}

/* ------------------------------------------------------------ decoding */

wx_status wxai_guest_error(const wxai_mem *m, uint32_t ptr, uint32_t len,
                           wx_error *err)
{
    if (!wxai_mem_has(m, ptr, len))
        return wx_error_set(err, WX_EABI,
                            "guest error message at %" PRIu32 " (%" PRIu32
                            " bytes) is outside memory (%" PRIu64 " bytes)",
                            ptr, len, m->size);
    return wxai_guest_message(m->base + ptr, len, err);
}

wx_status wxai_guest_message(const uint8_t *text, size_t len, wx_error *err)
{
    char msg[WXAI_GUEST_MSG_MAX + 4];
    size_t n = len < WXAI_GUEST_MSG_MAX ? len : WXAI_GUEST_MSG_MAX;
    for (size_t i = 0; i < n; i++) {
        uint8_t c = text[i];
        /* Control bytes could forge log lines; UTF-8 stays as it is. */
        msg[i] = (char)(c < 0x20 || c == 0x7F ? '?' : c);
    }
    if (n < len)
        memcpy(msg + n, "...", 4);
    else
        msg[n] = '\0';
    return wx_error_set(err, WX_EGUEST, "guest error: %s", msg);
}

/* Whether value type `decl` accepts a value of type code `code`. */
static bool code_fits(wxa_type decl, uint32_t code)
{
    return code != 0 && code_of(decl) == code;
}

/* "create_line: result 1", made only when a message needs it. */
static const char *label(char *buf, size_t cap, const char *fname,
                         uint32_t index)
{
    snprintf(buf, cap, "%s: result %" PRIu32, fname, index + 1);
    return buf;
}

#define LABEL() label(lb, sizeof lb, fname, index)

/* Copies result `index` out of guest memory. */
static wx_status decode_value(const wxai_mem *m, wxa_type t, uint32_t vptr,
                              uint32_t size, const char *fname, uint32_t index,
                              wxa_value *out, wx_error *err)
{
    char lb[96];
    const uint8_t *p = m->base + vptr;
    uint32_t ss = scalar_size(t);
    if (ss) {
        if (size != ss)
            return wxai_fail(err, WX_EABI, LABEL(),
                             "a %s takes %" PRIu32 " bytes, the guest says "
                             "%" PRIu32,
                             wx_type_name(t), ss, size);
        uint64_t bits = 0;
        memcpy(&bits, p, ss);
        switch (t) {
        case WXA_I8: *out = wxa_value_int(t, (int8_t)bits); break;
        case WXA_I16: *out = wxa_value_int(t, (int16_t)bits); break;
        case WXA_I32: *out = wxa_value_int(t, (int32_t)bits); break;
        case WXA_I64: *out = wxa_value_int(t, (int64_t)bits); break;
        case WXA_F32: {
            float f;
            uint32_t b32 = (uint32_t)bits;
            memcpy(&f, &b32, 4);
            *out = wxa_value_f32(f);
            break;
        }
        case WXA_F64: {
            double d;
            memcpy(&d, &bits, 8);
            *out = wxa_value_f64(d);
            break;
        }
        case WXA_BOOL:
            if (bits > 1)
                return wxai_fail(err, WX_EABI, LABEL(),
                                 "%" PRIu64 " is not a bool (0 or 1)", bits);
            *out = wxa_value_bool(bits == 1);
            break;
        case WXA_CHAR:
            if (!wxai_is_scalar(bits))
                return wxai_fail(err, WX_EABI, LABEL(),
                                 "%" PRIu64 " is not a Unicode scalar value",
                                 bits);
            *out = wxa_value_char((uint32_t)bits);
            break;
        default: *out = wxa_value_uint(t, bits); break;
        }
        return WX_OK;
    }
    if (wxa_type_is_vec(t)) {
        size_t es = wxa_type_elem_size(t);
        if (size % es)
            return wxai_fail(err, WX_EABI, LABEL(),
                             "%" PRIu32 " bytes is not a whole number of "
                             "%zu-byte elements",
                             size, es);
        return wxa_value_set(out, t, p, size / es, err);
    }
    return wxa_value_set(out, t, p, size, err);
}

wx_status wxai_bindgen_decode(const wxai_mem *m, uint32_t triples,
                              uint32_t count, const wxa_fn *fn,
                              wxa_results *out, wxai_gbuf *frees,
                              size_t *nfrees, wx_error *err)
{
    if (fn->has_results && count != fn->nresults)
        return wx_error_set(err, WX_EABI,
                            "%s returned %" PRIu32 " value%s, but its "
                            "results declare %" PRIu32,
                            fn->name, count, count == 1 ? "" : "s",
                            fn->nresults);
    if (count > WXA_MAX_VALUES)
        return wx_error_set(err, WX_EABI,
                            "%s returned %" PRIu32 " values (at most %u)",
                            fn->name, count, WXA_MAX_VALUES);
    if (!wxai_mem_has(m, triples, (uint64_t)count * 12))
        return wx_error_set(err, WX_EABI,
                            "%s: result records at %" PRIu32 " (%" PRIu32
                            " x 12 bytes) are outside memory (%" PRIu64
                            " bytes)",
                            fn->name, triples, count, m->size);
    for (uint32_t i = 0; i < count; i++) {
        const uint8_t *rec = m->base + triples + (uint64_t)i * 12;
        uint32_t vptr = wxai_le32(rec), code = wxai_le32(rec + 4),
                 size = wxai_le32(rec + 8);
        char lb[96];
        const char *fname = fn->name;
        uint32_t index = i;
        wxa_type t;
        if (fn->has_results) {
            t = fn->results[i];
            if (!code_fits(t, code))
                return wxai_fail(err, WX_EABI, LABEL(),
                                 "type code %" PRIu32 " does not match the "
                                 "declared %s (code %" PRIu32 ")",
                                 code, wx_type_name(t), code_of(t));
        } else if (!type_of_code(code, &t)) {
            return wxai_fail(err, WX_EABI, LABEL(),
                             "unknown type code %" PRIu32, code);
        }
        if (!wxai_mem_has(m, vptr, size))
            return wxai_fail(err, WX_EABI, LABEL(),
                             "value at %" PRIu32 " (%" PRIu32 " bytes) is "
                             "outside memory (%" PRIu64 " bytes)",
                             vptr, size, m->size);
        wx_status s =
            decode_value(m, t, vptr, size, fname, index, &out->values[i], err);
        if (s != WX_OK)
            return s;
        out->count = i + 1;
        if (size)
            frees[(*nfrees)++] = (wxai_gbuf){vptr, size};
    }
    return WX_OK;
}

/* ------------------------------------------------------------ encoding */

/* One argument, converted to its declared type and laid out as bytes. */
typedef struct arg_buf {
    wxa_value v; /* the converted value (owned if `owned`) */
    bool owned;
    uint8_t scalar[8];
    const void *bytes;
    uint32_t nbytes; /* bytes to copy into the guest */
    uint32_t len;    /* the record's len field */
    uint32_t ptr;    /* the guest buffer, once allocated */
} arg_buf;

static wx_status encode_arg(const wxa_value *arg, size_t i, wxa_type t,
                            arg_buf *a, wx_error *err)
{
    wx_status s = wxai_arg(arg, i, t, &a->v, &a->owned, err);
    if (s != WX_OK)
        return s;
    uint32_t ss = scalar_size(t);
    size_t nbytes, len;
    if (ss) {
        uint64_t bits;
        switch (t) {
        case WXA_F32: {
            uint32_t b;
            memcpy(&b, &a->v.of.f32, 4);
            bits = b;
            break;
        }
        case WXA_F64: memcpy(&bits, &a->v.of.f64, 8); break;
        case WXA_BOOL: bits = a->v.of.b ? 1 : 0; break;
        case WXA_CHAR: bits = a->v.of.ch; break;
        default: bits = a->v.of.u; break;
        }
        memcpy(a->scalar, &bits, 8);
        a->bytes = a->scalar;
        nbytes = ss;
        len = 1; /* one element, as the guest's Vec::from_raw_parts wants */
    } else if (wxa_type_is_vec(t)) {
        a->bytes = a->v.of.vec.data;
        len = a->v.of.vec.count;
        nbytes = len * wxa_type_elem_size(t);
    } else {
        a->bytes = a->v.of.buf.data;
        nbytes = len = a->v.of.buf.len;
        /* The guest makes a Rust String of it, which panics on bad UTF-8:
         * refuse here, with a reason, instead of trapping there. */
        if (t != WXA_BYTES &&
            !wxai_utf8_valid((const uint8_t *)a->bytes, nbytes))
            return wx_error_set(err, WX_EARG,
                                "argument %zu: not valid UTF-8 (a bindgen "
                                "String must be)",
                                i + 1);
    }
    if (nbytes > UINT32_MAX / 2)
        return wx_error_set(err, WX_ELIMIT,
                            "argument %zu: %zu bytes is too "
                            "large for a 32-bit guest",
                            i + 1, nbytes);
    a->nbytes = (uint32_t)nbytes;
    a->len = (uint32_t)len;
    return WX_OK;
}

/* ---------------------------------------------------------------- call */

/* One call's guest: its helpers, whose types are known (checked when the
 * function was bound, or when they were found by name), and its memory. */
typedef struct bg_call {
    wx_wasm_func *alloc, *dealloc;
    wxai_mem m;
} bg_call;

static wx_status guest_alloc(bg_call *c, uint32_t size, uint32_t *ptr,
                             wx_error *err)
{
    wx_status s = wxai_call_known(c->alloc, "allocate", size, 0, 1, ptr, err);
    return s != WX_OK ? s
                      : wxai_check_alloc(&c->m, "allocate", size, *ptr, false,
                                         err);
}

/* Gives buffers back to the guest; stops at the first failure. */
static wx_status guest_free(bg_call *c, const wxai_gbuf *bufs, size_t n,
                            wx_error *err)
{
    for (size_t i = 0; i < n; i++) {
        if (bufs[i].size == 0)
            continue;
        wx_status s = wxai_call_known(c->dealloc, "deallocate", bufs[i].ptr,
                                      bufs[i].size, 2, NULL, err);
        if (s != WX_OK)
            return s;
    }
    return WX_OK;
}

static void release_args(arg_buf *args, size_t n)
{
    for (size_t i = 0; i < n; i++)
        if (args[i].owned)
            wxa_value_free(&args[i].v);
}

/* Allocates and fills the params block and argument buffers. */
static wx_status marshal(bg_call *c, const wxa_fn *fn, const wxa_value *vals,
                         size_t n, arg_buf *args, wxai_gbuf *pp, wx_error *err)
{
    for (size_t i = 0; i < n; i++) {
        wx_status s = encode_arg(&vals[i], i, fn->params[i], &args[i], err);
        if (s != WX_OK)
            return s;
    }
    pp->size = (uint32_t)(8 * n);
    wx_status s = guest_alloc(c, pp->size, &pp->ptr, err);
    if (s != WX_OK)
        return s;
    for (size_t i = 0; i < n; i++) {
        s = guest_alloc(c, args[i].nbytes, &args[i].ptr, err);
        if (s != WX_OK)
            return s;
        if (args[i].nbytes)
            memcpy(c->m.base + args[i].ptr, args[i].bytes, args[i].nbytes);
    }
    /* Written last, through the memory as the last allocation left it
     * (guest_alloc re-read it): the allocations may have moved it. */
    for (size_t i = 0; i < n; i++) {
        uint8_t *rec = c->m.base + pp->ptr + 8 * i;
        wxai_put_le32(rec, args[i].ptr);
        wxai_put_le32(rec + 4, args[i].len);
    }
    return WX_OK;
}

/* Reads the 0.4 descriptor at r and the results or error it points to. */
static wx_status read_descriptor(bg_call *c, const wxa_fn *fn, uint32_t r,
                                 wxa_results *out, wxai_gbuf *frees,
                                 size_t *nfrees, wx_error *err)
{
    wxai_mem_refresh(&c->m);
    if (!wxai_mem_has(&c->m, r, 9))
        return wx_error_set(err, WX_EABI,
                            "%s returned the result descriptor %" PRIu32
                            ", outside memory (%" PRIu64 " bytes)",
                            fn->name, r, c->m.size);
    const uint8_t *d = c->m.base + r;
    uint8_t flag = d[0];
    uint32_t ptr = wxai_le32(d + 1), cnt = wxai_le32(d + 5);
    if (flag == 1) {
        wx_status s = wxai_guest_error(&c->m, ptr, cnt, err);
        if (s == WX_EGUEST) {
            frees[(*nfrees)++] = (wxai_gbuf){ptr, cnt};
            frees[(*nfrees)++] = (wxai_gbuf){r, 9};
        }
        return s;
    }
    if (flag != 0)
        return wx_error_set(err, WX_EABI,
                            "%s: result descriptor flag is %u (0 or 1)",
                            fn->name, flag);
    wx_status s =
        wxai_bindgen_decode(&c->m, ptr, cnt, fn, out, frees, nfrees, err);
    if (s != WX_OK)
        return s;
    frees[(*nfrees)++] = (wxai_gbuf){ptr, cnt * 12};
    frees[(*nfrees)++] = (wxai_gbuf){r, 9};
    return WX_OK;
}

/* Whether the export has the 0.4 type (i32, i32) -> i32 (else it is the
 * legacy (i32, i32) -> (), or something bindgen cannot call). */
static bool export_kind(const wx_wasm_func *f, bool *legacy)
{
    const wx_functype *t = wx_wasm_func_type(f);
    if (t->nparams != 2 || t->params[0] != WX_I32 || t->params[1] != WX_I32)
        return false;
    *legacy = t->nresults == 0;
    return t->nresults == 0 || (t->nresults == 1 && t->results[0] == WX_I32);
}

wx_status wxai_bindgen_call(wx_instance *inst, const wxai_exports *x,
                            const wxa_fn *fn, const wxa_value *vals, size_t n,
                            wxa_results *out, wx_error *err)
{
    bg_call c = {.alloc = x->alloc, .dealloc = x->dealloc, .m.mem = x->mem};
    if (!c.alloc || !c.dealloc || !c.m.mem)
        return wx_error_set(err, WX_ENOEXPORT,
                            "%s: the bindgen abi needs the exports "
                            "allocate (i32) -> i32, deallocate (i32, i32) "
                            "-> () and memory",
                            fn->name);
    if (!fn->has_params || n != fn->nparams)
        return wx_error_set(err, WX_EARG,
                            "%s: bindgen needs declared params "
                            "(%zu arguments given)",
                            fn->name, n);
    bool legacy;
    if (!export_kind(x->func, &legacy))
        return wx_error_set(err, WX_EARG,
                            "%s: a bindgen export has type (i32, i32) -> i32 "
                            "(or -> () in the legacy form)",
                            fn->name);
    if (legacy && !fn->legacy)
        return wx_error_set(err, WX_EARG,
                            "%s: legacy bindgen export without "
                            "fn->legacy",
                            fn->name);

    arg_buf args[WXA_MAX_VALUES];
    memset(args, 0, n * sizeof args[0]);
    wxai_gbuf pp = {0, 0};
    /* A failure here is either the host's, before anything was allocated
     * (a bad argument), or the guest's (a trap in allocate, a bad
     * pointer), after which nothing more is handed back to it. */
    wx_status s = marshal(&c, fn, vals, n, args, &pp, err);
    release_args(args, n);
    if (s != WX_OK)
        return s;

    /* From here on the argument buffers are the guest's. */
    wxai_gbuf frees[WXA_MAX_VALUES + 4];
    size_t nfrees = 0;
    if (legacy) {
        s = wxai_bindgen_legacy_call(inst, x->func, fn, pp.ptr, (uint32_t)n,
                                     out, frees, &nfrees, err);
    } else {
        uint32_t r;
        s = wxai_call_known(x->func, fn->name, pp.ptr, (uint32_t)n, 2, &r,
                            err);
        if (s == WX_OK)
            s = read_descriptor(&c, fn, r, out, frees, &nfrees, err);
    }
    if (s != WX_OK && s != WX_EGUEST)
        return s;
    frees[nfrees++] = pp;

    /* The guest's error (if any) stays the call's status unless giving
     * the buffers back fails, which is worse. So the frees report into an
     * error of their own. Its fields are set one by one: clearing all
     * 340 bytes would cost more than the rest of the bookkeeping. */
    wx_error ferr;
    ferr.status = WX_OK;
    ferr.trap = WX_TRAP_NONE;
    ferr.func_index = WX_NO_INDEX;
    ferr.offset = 0;
    ferr.exit_code = 0;
    ferr.message[0] = '\0';
    wx_status fs = guest_free(&c, frees, nfrees, &ferr);
    if (fs != WX_OK) {
        char prefix[160];
        snprintf(prefix, sizeof prefix, "%s: after the call: ", fn->name);
        *err = ferr;
        wxai_prefix_error(err, prefix);
        return fs;
    }
    return s;
}
