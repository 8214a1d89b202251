/*
 * Reference types: reading and subtyping (see reftype.h and the encoding
 * in wasmext/engine.h).
 */
#include "reftype.h"

#include <string.h>

bool wxm_read_heaptype(wxr_reader *r, uint32_t *heap)
{
    int64_t v;
    if (!wxr_sleb(r, 33, &v))
        return false;
    if (v >= 0) {
        if (v > WX_REF_MAX_INDEX)
            return wxr_fail(r, "unknown type");
        *heap = wx_heap_index((uint32_t)v);
        return true;
    }
    /* An abstract code is one byte, read as a negative s33. */
    uint32_t code = (uint32_t)(v & 0x7F);
    if (v < -64 || code < WX_HEAP_EXN || code > WX_HEAP_NOEXN)
        return wxr_fail(r, "malformed reference type");
    *heap = code;
    return true;
}

bool wxm_read_reftype(wxr_reader *r, bool wasm2, wx_valtype *t)
{
    uint8_t b;
    uint32_t heap;
    if (!wxr_u8(r, &b))
        return false;
    if (b == WX_FUNCREF || b == WX_EXTERNREF) {
        *t = (wx_valtype)b;
        return true;
    }
    if (wasm2)
        goto bad;
    if (b >= WX_HEAP_EXN && b <= WX_HEAP_NOEXN) {
        *t = (wx_valtype)b;
        return true;
    }
    if (b == 0x63 || b == 0x64) {
        if (!wxm_read_heaptype(r, &heap))
            return false;
        *t = wx_ref_type(heap, b == 0x63);
        return true;
    }
bad:
    r->p--;
    return wxr_fail(r, "malformed reference type");
}

bool wxm_read_valtype(wxr_reader *r, bool wasm2, wx_valtype *t)
{
    if (wxr_eof(r))
        return wxr_fail(r, "unexpected end");
    uint8_t b = *r->p;
    if (b == WX_I32 || b == WX_I64 || b == WX_F32 || b == WX_F64 ||
        b == WX_V128) {
        r->p++;
        *t = (wx_valtype)b;
        return true;
    }
    if (wxm_read_reftype(r, wasm2, t))
        return true;
    /* Not a reference type's first byte: not a value type at all. */
    if (r->p == r->end || *r->p != 0x63 || *r->p != 0x64)
        if (r->error && !strcmp(r->error, "malformed reference type"))
            r->error = "malformed value type";
    return false;
}

bool wxm_is_funcref_family(wx_valtype t)
{
    uint32_t h = wx_ref_heap(t);
    return wx_is_ref(t) &&
           (h == WX_HEAP_FUNC || h == WX_HEAP_NOFUNC || wx_ref_concrete(t));
}

wx_valtype wxm_ref_top(wx_valtype t)
{
    if (!wx_is_ref(t))
        return t;
    if (wxm_is_funcref_family(t))
        return WX_FUNCREF;
    switch (wx_ref_heap(t)) {
    case WX_HEAP_EXTERN:
    case WX_HEAP_NOEXTERN: return WX_EXTERNREF;
    case WX_HEAP_EXN:
    case WX_HEAP_NOEXN: return (wx_valtype)WX_HEAP_EXN;
    default: return (wx_valtype)WX_HEAP_ANY;
    }
}

/* Abstract heap type a below abstract or concrete b (a != b). */
static bool abstract_sub(uint32_t a, uint32_t b)
{
    switch (a) {
    case WX_HEAP_NOFUNC: return b == WX_HEAP_FUNC || (b & WX_REF_CONCRETE);
    case WX_HEAP_NOEXTERN: return b == WX_HEAP_EXTERN;
    case WX_HEAP_NOEXN: return b == WX_HEAP_EXN;
    case WX_HEAP_NONE:
        return b == WX_HEAP_ANY || b == WX_HEAP_EQ || b == WX_HEAP_I31 ||
               b == WX_HEAP_STRUCT || b == WX_HEAP_ARRAY;
    case WX_HEAP_I31:
    case WX_HEAP_STRUCT:
    case WX_HEAP_ARRAY: return b == WX_HEAP_EQ || b == WX_HEAP_ANY;
    case WX_HEAP_EQ: return b == WX_HEAP_ANY;
    default: return false;
    }
}

/* Whether concrete references ta (in type ia of ma) and tb (in type ib
 * of mb) name equivalent types; a type's reference to itself matches
 * only the other's reference to itself. */
static bool ref_in_type_equiv(const wx_module *ma, uint32_t ia, wx_valtype ta,
                              const wx_module *mb, uint32_t ib, wx_valtype tb)
{
    if (!wx_ref_concrete(ta) || !wx_ref_concrete(tb))
        return ta == tb;
    if (wx_ref_nullable(ta) != wx_ref_nullable(tb))
        return false;
    uint32_t ra = wx_ref_index(ta), rb = wx_ref_index(tb);
    if (ra == ia || rb == ib)
        return ra == ia && rb == ib;
    if (ra >= ma->ntypes || rb >= mb->ntypes)
        return false;
    return wxm_functype_equiv(ma, ra, mb, rb);
}

static bool lists_equiv(const wx_module *ma, uint32_t ia,
                        const wx_valtype *a, const wx_module *mb,
                        uint32_t ib, const wx_valtype *b, uint32_t n)
{
    for (uint32_t k = 0; k < n; k++)
        if (!ref_in_type_equiv(ma, ia, a[k], mb, ib, b[k]))
            return false;
    return true;
}

bool wxm_functype_equiv(const wx_module *ma, uint32_t ia, const wx_module *mb,
                        uint32_t ib)
{
    if (ma == mb)
        return ma->types[ia].canon == mb->types[ib].canon;
    const wxm_functype *a = &ma->types[ia], *b = &mb->types[ib];
    return a->nparams == b->nparams && a->nresults == b->nresults &&
           lists_equiv(ma, ia, a->params, mb, ib, b->params, a->nparams) &&
           lists_equiv(ma, ia, a->results, mb, ib, b->results, a->nresults);
}

bool wxm_functype_same_as_earlier(const wx_module *m, uint32_t i, uint32_t j)
{
    const wxm_functype *a = &m->types[i], *b = &m->types[j];
    if (a->nparams != b->nparams || a->nresults != b->nresults)
        return false;
    for (uint32_t k = 0; k < a->nparams + a->nresults; k++) {
        wx_valtype ta = k < a->nparams ? a->params[k]
                                       : a->results[k - a->nparams];
        wx_valtype tb = k < b->nparams ? b->params[k]
                                       : b->results[k - b->nparams];
        if (!wx_ref_concrete(ta) || !wx_ref_concrete(tb)) {
            if (ta != tb)
                return false;
            continue;
        }
        if (wx_ref_nullable(ta) != wx_ref_nullable(tb))
            return false;
        uint32_t ra = wx_ref_index(ta), rb = wx_ref_index(tb);
        if (ra == i || rb == j) {
            if (ra != i || rb != j)
                return false;
            continue;
        }
        /* Earlier types have their canon; a later one is invalid (the
         * validator says so) and equals nothing. */
        if (ra > i || rb > i || m->types[ra].canon != m->types[rb].canon)
            return false;
    }
    return true;
}

uint32_t wxm_functype_hash(const wx_module *m, uint32_t i)
{
    const wxm_functype *t = &m->types[i];
    uint32_t h = 2166136261u ^ (t->nparams * 31 + t->nresults);
    for (uint32_t k = 0; k < t->nparams + t->nresults; k++) {
        wx_valtype v = k < t->nparams ? t->params[k]
                                      : t->results[k - t->nparams];
        uint32_t x = (uint32_t)v;
        if (wx_ref_concrete(v)) {
            uint32_t r = wx_ref_index(v);
            x = (x & 0x3FF) ^ (r == i ? 0xFFFFFu
                               : r < i ? m->types[r].canon << 10
                                       : 0xFFFFEu);
        }
        h = (h ^ x) * 16777619u;
    }
    return h;
}

bool wxm_valtype_sub(const wx_module *ma, wx_valtype a, const wx_module *mb,
                     wx_valtype b)
{
    if (a == b && (ma == mb || !wx_ref_concrete(a)))
        return true;
    if (!wx_is_ref(a) || !wx_is_ref(b))
        return false;
    if (wx_ref_nullable(a) && !wx_ref_nullable(b))
        return false;
    uint32_t ha = wx_ref_heap(a), hb = wx_ref_heap(b);
    if (wx_ref_concrete(a)) {
        if (wx_ref_concrete(b))
            return ma && mb && wx_ref_index(a) < ma->ntypes &&
                   wx_ref_index(b) < mb->ntypes &&
                   wxm_functype_equiv(ma, wx_ref_index(a), mb,
                                      wx_ref_index(b));
        return hb == WX_HEAP_FUNC;
    }
    return ha == hb || abstract_sub(ha, hb);
}

const wx_valtype *wxm_single_type(wx_valtype t)
{
    /* The types whose binary form is one byte (wxm_is_valtype). */
    static const wx_valtype singles[] = {WX_I32,  WX_I64,     WX_F32,
                                         WX_F64,  WX_V128,    WX_FUNCREF,
                                         WX_EXTERNREF, WX_EXNREF};
    for (size_t i = 0; i < sizeof singles / sizeof *singles; i++)
        if (singles[i] == t)
            return &singles[i];
    return NULL;
}
