/*
 * Reference types: reading and subtyping (see reftype.h and the encoding
 * in wasmext/engine.h).
 */
#include "reftype.h"

#include "opcodes.h"

#include <stdlib.h>
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

/* The kind of concrete heap type `index` of m, or -1 when m does not
 * have it (an invalid module, or no module to read it in). */
static int concrete_kind(const wx_module *m, uint32_t index)
{
    if (!m || index >= m->ntypes)
        return -1;
    return (int)m->types[index].kind;
}

bool wxm_is_funcref_family(const wx_module *m, wx_valtype t)
{
    if (!wx_is_ref(t))
        return false;
    if (wx_ref_concrete(t))
        return concrete_kind(m, wx_ref_index(t)) == WXM_TYPE_FUNC;
    uint32_t h = wx_ref_heap(t);
    return h == WX_HEAP_FUNC || h == WX_HEAP_NOFUNC;
}

wx_valtype wxm_ref_top(const wx_module *m, wx_valtype t)
{
    if (!wx_is_ref(t))
        return t;
    if (wx_ref_concrete(t))
        return concrete_kind(m, wx_ref_index(t)) == WXM_TYPE_FUNC
                   ? WX_FUNCREF
                   : (wx_valtype)WX_HEAP_ANY;
    switch (wx_ref_heap(t)) {
    case WX_HEAP_FUNC:
    case WX_HEAP_NOFUNC: return WX_FUNCREF;
    case WX_HEAP_EXTERN:
    case WX_HEAP_NOEXTERN: return WX_EXTERNREF;
    case WX_HEAP_EXN:
    case WX_HEAP_NOEXN: return (wx_valtype)WX_HEAP_EXN;
    default: return (wx_valtype)WX_HEAP_ANY;
    }
}

/* Abstract heap type a below abstract b (a != b). */
static bool abstract_sub(uint32_t a, uint32_t b)
{
    switch (a) {
    case WX_HEAP_NOFUNC: return b == WX_HEAP_FUNC;
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

/* A concrete type of kind k below abstract b: a function type below
 * func, a struct or array type below struct or array, eq and any. */
static bool concrete_below_abstract(int k, uint32_t b)
{
    switch (k) {
    case WXM_TYPE_FUNC: return b == WX_HEAP_FUNC;
    case WXM_TYPE_STRUCT:
        return b == WX_HEAP_STRUCT || b == WX_HEAP_EQ || b == WX_HEAP_ANY;
    case WXM_TYPE_ARRAY:
        return b == WX_HEAP_ARRAY || b == WX_HEAP_EQ || b == WX_HEAP_ANY;
    default: return false;
    }
}

/* Abstract a below a concrete type of kind k: only the bottom of k's
 * hierarchy. */
static bool abstract_below_concrete(uint32_t a, int k)
{
    if (k == WXM_TYPE_FUNC)
        return a == WX_HEAP_NOFUNC;
    return k >= 0 && a == WX_HEAP_NONE;
}

/* ------------------------------------------------- type equivalence */

/* Two rec groups compared position by position: ga of ma and gb of mb,
 * both n types long. A reference inside its group compares as its
 * position there. One outside (always to an earlier group in a valid
 * module) compares by the equivalence of the types it names: within one
 * module by canon; across modules that pair of groups joins a work list
 * (`work`), so that the comparison needs neither recursion (a chain of a
 * million types would exhaust the C stack) nor exponential time (a type
 * naming an earlier one twice, repeatedly, would double the work at each
 * step): every pair of groups is compared once, shallowly, and the types
 * are equivalent when all pairs compare equal. */
typedef struct group_work group_work;

typedef struct group_pair {
    const wx_module *ma, *mb;
    uint32_t ga, gb, n;
    group_work *work; /* across modules */
} group_pair;

struct group_work {
    uint32_t (*todo)[2]; /* pairs of group starts left to compare */
    uint32_t ntodo, captodo;
    uint64_t *seen; /* pairs ever queued, open addressing: (ga << 32 | gb)
                       + 1, 0 empty */
    uint32_t nseen, capseen;
    bool nomem;
};

static bool seen_insert(group_work *w, uint64_t key)
{
    if (2 * (w->nseen + 1) > w->capseen) {
        uint32_t cap = w->capseen ? 2 * w->capseen : 64;
        uint64_t *s = calloc(cap, sizeof *s);
        if (!s)
            return false;
        for (uint32_t i = 0; i < w->capseen; i++)
            for (uint32_t h = (uint32_t)(w->seen[i] * 0x9E3779B97F4A7C15u >>
                                         40) & (cap - 1);
                 w->seen[i]; h = (h + 1) & (cap - 1))
                if (!s[h]) {
                    s[h] = w->seen[i];
                    break;
                }
        free(w->seen);
        w->seen = s;
        w->capseen = cap;
    }
    uint32_t h = (uint32_t)(key * 0x9E3779B97F4A7C15u >> 40) &
                 (w->capseen - 1);
    for (; w->seen[h]; h = (h + 1) & (w->capseen - 1))
        if (w->seen[h] == key)
            return true;
    w->seen[h] = key;
    w->nseen++;
    return true;
}

/* Queues the comparison of the groups of types ra (of ma) and rb (of
 * mb), unless queued before; false when they cannot be equivalent (other
 * positions or group sizes) or memory ran out. */
static bool defer_pair(const group_pair *g, uint32_t ra, uint32_t rb)
{
    group_work *w = g->work;
    const wxm_functype *a = &g->ma->types[ra], *b = &g->mb->types[rb];
    if (ra - a->rec != rb - b->rec || a->rec_size != b->rec_size)
        return false;
    uint32_t before = w->nseen;
    if (!seen_insert(w, ((uint64_t)a->rec << 32 | b->rec) + 1)) {
        w->nomem = true;
        return false;
    }
    if (w->nseen == before)
        return true;
    if (w->ntodo == w->captodo) {
        uint32_t cap = w->captodo ? 2 * w->captodo : 16;
        void *t = realloc(w->todo, cap * sizeof *w->todo);
        if (!t) {
            w->nomem = true;
            return false;
        }
        w->todo = t;
        w->captodo = cap;
    }
    w->todo[w->ntodo][0] = a->rec;
    w->todo[w->ntodo][1] = b->rec;
    w->ntodo++;
    return true;
}

static bool index_equiv(const group_pair *g, uint32_t ra, uint32_t rb)
{
    bool ina = ra - g->ga < g->n, inb = rb - g->gb < g->n;
    if (ina || inb)
        return ina && inb && ra - g->ga == rb - g->gb;
    /* A forward reference past its group is invalid: equal to nothing
     * (and not followed, which could loop). */
    if (ra >= g->ga || rb >= g->gb)
        return false;
    if (g->work)
        return defer_pair(g, ra, rb);
    return g->ma->types[ra].canon == g->mb->types[rb].canon;
}

static bool valtype_in_group_equiv(const group_pair *g, wx_valtype a,
                                   wx_valtype b)
{
    if (!wx_ref_concrete(a) || !wx_ref_concrete(b))
        return a == b;
    return wx_ref_nullable(a) == wx_ref_nullable(b) &&
           index_equiv(g, wx_ref_index(a), wx_ref_index(b));
}

static bool valtypes_in_group_equiv(const group_pair *g, const wx_valtype *a,
                                    const wx_valtype *b, uint32_t n)
{
    for (uint32_t k = 0; k < n; k++)
        if (!valtype_in_group_equiv(g, a[k], b[k]))
            return false;
    return true;
}

static bool type_in_group_equiv(const group_pair *g, const wxm_functype *a,
                                const wxm_functype *b)
{
    if (a->kind != b->kind || a->final != b->final ||
        (a->super == WXM_NO_SUPER) != (b->super == WXM_NO_SUPER) ||
        (a->super != WXM_NO_SUPER && !index_equiv(g, a->super, b->super)))
        return false;
    if (a->kind == WXM_TYPE_FUNC)
        return a->nparams == b->nparams && a->nresults == b->nresults &&
               valtypes_in_group_equiv(g, a->params, b->params,
                                       a->nparams) &&
               valtypes_in_group_equiv(g, a->results, b->results,
                                       a->nresults);
    if (a->nfields != b->nfields)
        return false;
    for (uint32_t k = 0; k < a->nfields; k++)
        if (a->fields[k].mutable_ != b->fields[k].mutable_ ||
            !valtype_in_group_equiv(g, a->fields[k].type, b->fields[k].type))
            return false;
    return true;
}

/* One pair of groups, shallowly (references out of them: index_equiv). */
static bool group_shallow_equiv(const wx_module *ma, uint32_t ga,
                                const wx_module *mb, uint32_t gb,
                                group_work *work)
{
    const group_pair g = {ma, mb, ga, gb, ma->types[ga].rec_size, work};
    if (mb->types[gb].rec_size != g.n)
        return false;
    for (uint32_t k = 0; k < g.n; k++)
        if (!type_in_group_equiv(&g, &ma->types[ga + k], &mb->types[gb + k]))
            return false;
    return true;
}

/* Groups of two modules: every pair the work list reaches compares
 * equal. */
static bool groups_equiv_across(const wx_module *ma, uint32_t ga,
                                const wx_module *mb, uint32_t gb)
{
    group_work w;
    memset(&w, 0, sizeof w);
    const group_pair first = {ma, mb, 0, 0, 0, &w};
    bool equal = defer_pair(&first, ga, gb);
    while (equal && w.ntodo) {
        w.ntodo--;
        equal = group_shallow_equiv(ma, w.todo[w.ntodo][0], mb,
                                    w.todo[w.ntodo][1], &w);
    }
    free(w.todo);
    free(w.seen);
    return equal && !w.nomem;
}

bool wxm_group_equiv(const wx_module *ma, uint32_t ga, const wx_module *mb,
                     uint32_t gb)
{
    if (ma != mb)
        return groups_equiv_across(ma, ga, mb, gb);
    return group_shallow_equiv(ma, ga, mb, gb, NULL);
}

bool wxm_type_equiv(const wx_module *ma, uint32_t ia, const wx_module *mb,
                    uint32_t ib)
{
    if (ma == mb)
        return ma->types[ia].canon == mb->types[ib].canon;
    const wxm_functype *a = &ma->types[ia], *b = &mb->types[ib];
    return ia - a->rec == ib - b->rec && a->rec_size == b->rec_size &&
           groups_equiv_across(ma, a->rec, mb, b->rec);
}

bool wxm_functype_equiv(const wx_module *ma, uint32_t ia, const wx_module *mb,
                        uint32_t ib)
{
    return wxm_type_equiv(ma, ia, mb, ib);
}

/* One value type's contribution to its group's hash: a reference inside
 * the group by its position, one outside by the canon of what it names. */
static uint32_t valtype_hash(const wx_module *m, uint32_t g, uint32_t n,
                             wx_valtype v)
{
    if (!wx_ref_concrete(v))
        return (uint32_t)v;
    uint32_t r = wx_ref_index(v), x = (uint32_t)v & 0x3FF;
    if (r - g < n)
        return x ^ ((r - g) << 10) ^ 0x80000000u;
    return x ^ ((r < g ? m->types[r].canon : 0x3FFFFFu) << 10);
}

static uint32_t mix(uint32_t h, uint32_t x)
{
    return (h ^ x) * 16777619u;
}

uint32_t wxm_group_hash(const wx_module *m, uint32_t g)
{
    uint32_t n = m->types[g].rec_size, h = mix(2166136261u, n);
    for (uint32_t i = g; i < g + n; i++) {
        const wxm_functype *t = &m->types[i];
        h = mix(h, (uint32_t)t->kind * 2 + t->final);
        h = mix(h, t->super == WXM_NO_SUPER
                       ? 0xFFFFFFFFu
                       : valtype_hash(m, g, n, (wx_valtype)wx_heap_index(
                                                   t->super)));
        h = mix(h, t->nparams * 31 + t->nresults * 7 + t->nfields);
        for (uint32_t k = 0; k < t->nparams; k++)
            h = mix(h, valtype_hash(m, g, n, t->params[k]));
        for (uint32_t k = 0; k < t->nresults; k++)
            h = mix(h, valtype_hash(m, g, n, t->results[k]));
        for (uint32_t k = 0; k < t->nfields; k++)
            h = mix(h, valtype_hash(m, g, n, t->fields[k].type) * 2 +
                           t->fields[k].mutable_);
    }
    /* A multiply carries only upward, so the canon in a reference's high
     * bits would never reach the low bits the table indexes by: mix them
     * down (murmur3's finalizer), or chains of types collide. */
    h ^= h >> 16;
    h *= 0x85EBCA6Bu;
    h ^= h >> 13;
    h *= 0xC2B2AE35u;
    return h ^ (h >> 16);
}

/* ---------------------------------------------------------- subtyping */

bool wxm_type_sub(const wx_module *ma, uint32_t ia, const wx_module *mb,
                  uint32_t ib)
{
    /* Equivalent types have equivalent supertype chains, hence the same
     * depth: only the supertype of ia at ib's depth can match. */
    uint32_t da = ma->types[ia].depth, db = mb->types[ib].depth;
    if (da < db)
        return false;
    for (; da > db; da--)
        ia = ma->types[ia].super;
    return wxm_type_equiv(ma, ia, mb, ib);
}

/* Heap types ha (of ma) and hb (of mb), as wx_ref_heap gives them. */
static bool heap_sub(const wx_module *ma, uint32_t ha, const wx_module *mb,
                     uint32_t hb)
{
    bool ca = ha & WX_REF_CONCRETE, cb = hb & WX_REF_CONCRETE;
    if (ca && cb) {
        uint32_t ia = ha >> WX_REF_INDEX_SHIFT, ib = hb >> WX_REF_INDEX_SHIFT;
        return concrete_kind(ma, ia) >= 0 && concrete_kind(mb, ib) >= 0 &&
               wxm_type_sub(ma, ia, mb, ib);
    }
    if (ca)
        return concrete_below_abstract(
            concrete_kind(ma, ha >> WX_REF_INDEX_SHIFT), hb);
    if (cb)
        return abstract_below_concrete(
            ha, concrete_kind(mb, hb >> WX_REF_INDEX_SHIFT));
    return ha == hb || abstract_sub(ha, hb);
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
    return heap_sub(ma, wx_ref_heap(a), mb, wx_ref_heap(b));
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

/* ------------------------------------------------- GC instructions */

static const uint8_t gc_imm_kind[WXO_FB_COUNT_] = {
#define X_(e, c, n, k) [c] = k,
    WXO_FB_LIST(X_)
#undef X_
};

static const char *const gc_names[WXO_FB_COUNT_] = {
#define X_(e, c, n, k) [c] = n,
    WXO_FB_LIST(X_)
#undef X_
};

const char *wxm_gc_name(uint32_t sub)
{
    return gc_names[sub];
}

bool wxm_read_gc_imm(wxr_reader *r, uint32_t sub, wxm_gc_imm *imm)
{
    memset(imm, 0, sizeof *imm);
    switch (gc_imm_kind[sub]) {
    case WXO_GC_NONE: return true;
    case WXO_GC_TYPE: return wxr_u32(r, &imm->x);
    case WXO_GC_FIELD:
    case WXO_GC_FIXED:
    case WXO_GC_DATA:
    case WXO_GC_ELEM:
    case WXO_GC_TYPE2: return wxr_u32(r, &imm->x) && wxr_u32(r, &imm->y);
    case WXO_GC_HEAP: return wxm_read_heaptype(r, &imm->heap);
    case WXO_GC_BR_ON_CAST:
        if (!wxr_u8(r, &imm->flags))
            return false;
        if (imm->flags > 3) {
            r->p--;
            return wxr_fail(r, "malformed br_on_cast flags");
        }
        return wxr_u32(r, &imm->label) && wxm_read_heaptype(r, &imm->heap) &&
               wxm_read_heaptype(r, &imm->heap2);
    }
    return false;
}
