/*
 * The text format's modules (textfmt.h): wx_wat_to_wasm reads a module in
 * two passes over its tokens. The first gives every field its index in
 * its space (the order of the text) and reads the (type) and (rec)
 * fields (every type named before any is read), so that a name may be
 * used before its definition; the second writes each field
 * into its section's buffer, in the order of the text, which is also the
 * order in which the spec appends the implicit types of inline type uses.
 */
#include "textfmt.h"

#include <stdlib.h>
#include <string.h>

static const char *const space_word[WXT_SPACES] = {
    "function", "table",        "memory",       "global",
    "type",     "elem segment", "data segment", "tag"};

/* Room for one more element in an arena array of n elements of `size`
 * bytes (the arena frees nothing: a full array is copied into a new one
 * twice its size). */
static void *grow_full(wxt_parser *p, void *arr, uint32_t n, uint32_t *cap,
                       size_t size)
{
    if (n < *cap)
        return arr;
    uint32_t c = *cap ? *cap * 2 : 16;
    void *a = wxt_alloc(p, c * size);
    if (n)
        memcpy(a, arr, n * size);
    *cap = c;
    return a;
}

/* ----------------------------------------------------------- names */

static uint32_t add_name(wxt_parser *p, enum wxt_space s, const wxt_tok *id)
{
    wxt_names *ns = &p->spaces[s];
    if (id)
        for (uint32_t i = 0; i < ns->n; i++)
            if (wxt_same_id(ns->ids[i], id))
                wxt_fail(p, id, "duplicate %s %.*s", space_word[s],
                         (int)id->len, id->s);
    ns->ids = grow_full(p, (void *)ns->ids, ns->n, &ns->cap, sizeof *ns->ids);
    ns->ids[ns->n] = id;
    return ns->n++;
}

uint32_t wxt_index(wxt_parser *p, enum wxt_space s, const wxt_tok *t)
{
    const wxt_names *ns = &p->spaces[s];
    if (t->kind == WXT_ID) {
        for (uint32_t i = 0; i < ns->n; i++)
            if (wxt_same_id(ns->ids[i], t))
                return i;
        wxt_fail(p, t, "unknown %s %.*s", space_word[s], (int)t->len, t->s);
    }
    if (!wxt_is_nat(t))
        wxt_fail(p, t, "unexpected token, expected a %s index or name",
                 space_word[s]);
    /* A number past the space's end is the validator's business ("unknown
     * function 7"), as it is for a binary module. */
    return (uint32_t)wxt_nat(p, t, UINT32_MAX);
}

/* An optional $name. */
static const wxt_tok *opt_id(wxt_parser *p)
{
    return wxt_peek(p, 0)->kind == WXT_ID ? wxt_next(p) : NULL;
}

/* ----------------------------------------------------------- types */

/* The abstract heap types, and the shorthand of each nullable one. */
static const struct {
    const char *heap, *shorthand;
    uint8_t code;
} abstract_heaps[] = {
    {"func", "funcref", 0x70},       {"extern", "externref", 0x6F},
    {"any", "anyref", 0x6E},         {"eq", "eqref", 0x6D},
    {"i31", "i31ref", 0x6C},         {"struct", "structref", 0x6B},
    {"array", "arrayref", 0x6A},     {"exn", "exnref", 0x69},
    {"none", "nullref", 0x71},       {"noextern", "nullexternref", 0x72},
    {"nofunc", "nullfuncref", 0x73}, {"noexn", "nullexnref", 0x74}};

static const struct {
    const char *word;
    uint8_t code;
} num_types[] = {{"i32", 0x7F},
                 {"i64", 0x7E},
                 {"f32", 0x7D},
                 {"f64", 0x7C},
                 {"v128", 0x7B}};

/* A keyword's value type (false if it names none). */
static bool keyword_valtype(const wxt_tok *t, wxt_valtype_t *out)
{
    for (size_t i = 0; i < sizeof num_types / sizeof *num_types; i++)
        if (wxt_is_kw(t, num_types[i].word)) {
            *out = num_types[i].code;
            return true;
        }
    for (size_t i = 0; i < sizeof abstract_heaps / sizeof *abstract_heaps; i++)
        if (wxt_is_kw(t, abstract_heaps[i].shorthand)) {
            *out = abstract_heaps[i].code;
            return true;
        }
    return false;
}

uint32_t wxt_heaptype(wxt_parser *p)
{
    const wxt_tok *t = wxt_next(p);
    if (t->kind == WXT_KW && !wxt_is_nat(t)) {
        for (size_t i = 0; i < sizeof abstract_heaps / sizeof *abstract_heaps;
             i++)
            if (wxt_is_kw(t, abstract_heaps[i].heap))
                return abstract_heaps[i].code;
        wxt_fail(p, t, "unknown heap type \"%.*s\"", (int)t->len, t->s);
    }
    if (t->kind != WXT_ID && !wxt_is_nat(t))
        wxt_fail(p, t, "unexpected token, expected a heap type");
    uint32_t index = wxt_index(p, WXT_TYPE, t);
    if (index > UINT32_MAX / 256 - WXT_HEAP_INDEX)
        wxt_fail(p, t, "type index too large: %u", index);
    return WXT_HEAP_INDEX + index;
}

void wxt_put_heaptype(wxt_parser *p, wxt_buf *b, uint32_t heap)
{
    if (heap < WXT_HEAP_INDEX)
        wxt_byte(p, b, (uint8_t)heap);
    else
        wxt_s64(p, b, heap - WXT_HEAP_INDEX); /* an s33 */
}

bool wxt_valtype_ahead(wxt_parser *p)
{
    /* Any keyword: one that names no type is then refused by
     * wxt_valtype as "unknown type", not as a stray token. */
    return wxt_peek(p, 0)->kind == WXT_KW || wxt_is_open(p, "ref");
}

/* (ref null? ht): a nullable abstract type is written in its one-byte
 * shorthand, as wasm-tools writes it. */
wxt_valtype_t wxt_valtype(wxt_parser *p)
{
    if (wxt_is_open(p, "ref")) {
        p->pos += 2;
        bool nullable = wxt_is_kw(wxt_peek(p, 0), "null");
        if (nullable)
            wxt_next(p);
        uint32_t heap = wxt_heaptype(p);
        wxt_expect_rp(p);
        if (nullable && heap < WXT_HEAP_INDEX)
            return heap;
        return (nullable ? 0x63u : 0x64u) | heap << 8;
    }
    const wxt_tok *t = wxt_next(p);
    wxt_valtype_t v;
    if (!keyword_valtype(t, &v))
        wxt_fail(p, t, "unknown type \"%.*s\"", (int)t->len, t->s);
    return v;
}

void wxt_put_valtype(wxt_parser *p, wxt_buf *b, wxt_valtype_t v)
{
    uint8_t first = (uint8_t)(v & 0xFF);
    wxt_byte(p, b, first);
    if (first == 0x63 || first == 0x64)
        wxt_put_heaptype(p, b, v >> 8);
}

static bool is_reftype(wxt_valtype_t v)
{
    uint8_t first = (uint8_t)(v & 0xFF);
    return first == 0x63 || first == 0x64 || (first >= 0x69 && first <= 0x74);
}

static wxt_valtype_t reftype(wxt_parser *p)
{
    const wxt_tok *at = wxt_peek(p, 0);
    wxt_valtype_t v = wxt_valtype(p);
    if (!is_reftype(v))
        wxt_fail(p, at, "unknown reference type \"%.*s\"", (int)at->len,
                 at->s);
    return v;
}

/* Growable lists of value types and of names while reading a type. */
typedef struct typelist {
    wxt_valtype_t *v;
    const wxt_tok **ids;
    uint32_t n, cap;
} typelist;

static void typelist_add(wxt_parser *p, typelist *l, wxt_valtype_t v,
                         const wxt_tok *id)
{
    if (l->n == l->cap) {
        uint32_t cap = l->cap ? l->cap * 2 : 8;
        wxt_valtype_t *nv = wxt_alloc(p, cap * sizeof *nv);
        const wxt_tok **nid = wxt_alloc(p, cap * sizeof *nid);
        if (l->n) {
            memcpy(nv, l->v, l->n * sizeof *nv);
            memcpy(nid, l->ids, l->n * sizeof *nid);
        }
        l->v = nv;
        l->ids = nid;
        l->cap = cap;
    }
    l->v[l->n] = v;
    l->ids[l->n++] = id;
}

/* (param $x t) | (param t*) ... and (result t*) ..., as many as there
 * are; params must come first. */
static void params_results(wxt_parser *p, typelist *params, typelist *results)
{
    while (params && wxt_is_open(p, "param")) {
        p->pos += 2;
        const wxt_tok *id = opt_id(p);
        if (id) {
            typelist_add(p, params, wxt_valtype(p), id);
        } else {
            while (wxt_valtype_ahead(p))
                typelist_add(p, params, wxt_valtype(p), NULL);
        }
        wxt_expect_rp(p);
    }
    while (wxt_is_open(p, "result")) {
        p->pos += 2;
        while (wxt_valtype_ahead(p))
            typelist_add(p, results, wxt_valtype(p), NULL);
        wxt_expect_rp(p);
    }
}

static bool same_type(const wxt_functype *t, const typelist *params,
                      const typelist *results)
{
    return t->nparams == params->n && t->nresults == results->n &&
           (!params->n || memcmp(t->params, params->v,
                                 params->n * sizeof *params->v) == 0) &&
           (!results->n || memcmp(t->results, results->v,
                                  results->n * sizeof *results->v) == 0);
}

/* Appends a type-section entry: `n` types from `first`. */
static void add_group(wxt_parser *p, uint32_t first, uint32_t n, bool rec)
{
    p->groups = grow_full(p, p->groups, p->ngroups, &p->cap_groups,
                          sizeof *p->groups);
    p->groups[p->ngroups++] = (wxt_recgroup){first, n, rec};
}

/* Appends a defined type (its index is the next one). */
static uint32_t push_type(wxt_parser *p, const wxt_functype *def)
{
    p->types = grow_full(p, p->types, p->ntypes, &p->cap_types,
                         sizeof *p->types);
    p->types[p->ntypes] = *def;
    return p->ntypes++;
}

/* The implicit type of an inline type use: a plain function type, an
 * entry of its own at the end of the type section. */
static uint32_t add_type(wxt_parser *p, const typelist *params,
                         const typelist *results)
{
    wxt_functype t = {0};
    t.params = params->v;
    t.nparams = params->n;
    t.results = results->v;
    t.nresults = results->n;
    t.comp = WXT_COMP_FUNC;
    t.plain = true;
    uint32_t index = push_type(p, &t);
    add_group(p, index, 1, false);
    return index;
}

const wxt_functype *wxt_type(wxt_parser *p, uint32_t index)
{
    return index < p->ntypes ? &p->types[index] : NULL;
}

uint32_t wxt_field_index(wxt_parser *p, uint32_t type, const wxt_tok *t)
{
    if (t->kind != WXT_ID) {
        if (!wxt_is_nat(t))
            wxt_fail(p, t, "unexpected token, expected a field index or name");
        return (uint32_t)wxt_nat(p, t, UINT32_MAX);
    }
    const wxt_functype *st = wxt_type(p, type);
    for (uint32_t i = 0; st && i < st->nfields; i++)
        if (st->field_ids[i] && wxt_same_id(st->field_ids[i], t))
            return i;
    wxt_fail(p, t, "unknown field %.*s of type %u", (int)t->len, t->s, type);
}

uint32_t wxt_cast_type(wxt_parser *p, bool *nullable)
{
    wxt_valtype_t v = reftype(p);
    uint8_t first = (uint8_t)(v & 0xFF);
    if (first == 0x63 || first == 0x64) {
        *nullable = first == 0x63;
        return v >> 8;
    }
    /* A shorthand (anyref, ...): nullable, its byte is the heap type's. */
    *nullable = true;
    return first;
}

/* A field's storage type: a value type or a packed one (i8, i16). */
static wxt_valtype_t storage_type(wxt_parser *p)
{
    const wxt_tok *t = wxt_peek(p, 0);
    if (wxt_is_kw(t, "i8") || wxt_is_kw(t, "i16")) {
        wxt_next(p);
        return wxt_is_kw(t, "i8") ? WXT_PACKED_I8 : WXT_PACKED_I16;
    }
    wxt_valtype_t v;
    if (t->kind == WXT_KW) {
        if (!keyword_valtype(t, &v))
            wxt_fail(p, t, "unknown storage type \"%.*s\"", (int)t->len, t->s);
        wxt_next(p);
        return v;
    }
    if (!wxt_is_open(p, "ref"))
        wxt_fail(p, t, "unexpected token, expected a storage type");
    return wxt_valtype(p);
}

/* A field type, storage or (mut storage): the storage type, then the
 * mutability byte. */
static void field_type(wxt_parser *p, wxt_buf *b)
{
    bool mut = wxt_is_open(p, "mut");
    if (mut)
        p->pos += 2;
    wxt_put_valtype(p, b, storage_type(p));
    if (mut)
        wxt_expect_rp(p);
    wxt_byte(p, b, mut);
}

/* (field $f fieldtype) | (field fieldtype*), as many as there are, after
 * "struct": the field names are the struct's own. */
static void struct_type(wxt_parser *p, wxt_functype *t)
{
    wxt_buf fields = {0};
    typelist names = {0};
    while (wxt_is_open(p, "field")) {
        p->pos += 2;
        const wxt_tok *id = opt_id(p);
        if (id) {
            field_type(p, &fields);
            typelist_add(p, &names, 0, id);
        } else {
            while (wxt_peek(p, 0)->kind != WXT_RP) { /* (field) is none */
                field_type(p, &fields);
                typelist_add(p, &names, 0, NULL);
            }
        }
        wxt_expect_rp(p);
        for (uint32_t i = 0; id && i + 1 < names.n; i++)
            if (names.ids[i] && wxt_same_id(names.ids[i], id))
                wxt_fail(p, id, "duplicate field %.*s", (int)id->len, id->s);
    }
    t->field_ids = names.ids;
    t->nfields = names.n;
    wxt_byte(p, &t->def, WXT_COMP_STRUCT);
    wxt_vec(p, &t->def, names.n, &fields);
}

/* The composite type in its parentheses: (func ...), (struct ...) or
 * (array fieldtype), appended to t->def. */
static void composite_type(wxt_parser *p, wxt_functype *t)
{
    wxt_expect_lp(p);
    const wxt_tok *kw = wxt_next(p);
    if (wxt_is_kw(kw, "func")) {
        typelist params = {0}, results = {0};
        params_results(p, &params, &results);
        t->comp = WXT_COMP_FUNC;
        t->params = params.v;
        t->nparams = params.n;
        t->results = results.v;
        t->nresults = results.n;
        wxt_byte(p, &t->def, WXT_COMP_FUNC);
        wxt_u32(p, &t->def, params.n);
        for (uint32_t k = 0; k < params.n; k++)
            wxt_put_valtype(p, &t->def, params.v[k]);
        wxt_u32(p, &t->def, results.n);
        for (uint32_t k = 0; k < results.n; k++)
            wxt_put_valtype(p, &t->def, results.v[k]);
    } else if (wxt_is_kw(kw, "struct")) {
        t->comp = WXT_COMP_STRUCT;
        struct_type(p, t);
    } else if (wxt_is_kw(kw, "array")) {
        t->comp = WXT_COMP_ARRAY;
        wxt_byte(p, &t->def, WXT_COMP_ARRAY);
        field_type(p, &t->def);
    } else {
        wxt_fail(p, kw, "unexpected token, expected func, struct or array");
    }
    wxt_expect_rp(p);
}

/* The rest of a (type id? ...) field, its name already given (the
 * first pass names every type before reading any, so that a type may
 * refer to one defined later): a composite type, or (sub final? x?
 * comptype). A final type without a supertype is the bare composite
 * type in the binary, the form the spec reads back as such. */
static void type_def(wxt_parser *p, bool in_rec)
{
    wxt_functype t = {0};
    opt_id(p);
    if (!wxt_is_open(p, "sub")) {
        composite_type(p, &t);
    } else {
        p->pos += 2;
        bool final = wxt_is_kw(wxt_peek(p, 0), "final");
        if (final)
            wxt_next(p);
        wxt_buf supers = {0};
        uint32_t nsupers = 0;
        while (wxt_peek(p, 0)->kind != WXT_LP &&
               wxt_peek(p, 0)->kind != WXT_RP) {
            const wxt_tok *at = wxt_next(p);
            if (nsupers)
                wxt_fail(p, at, "sub with more than one supertype");
            wxt_u32(p, &supers, wxt_index(p, WXT_TYPE, at));
            nsupers++;
        }
        if (final && !nsupers) {
            composite_type(p, &t);
        } else {
            wxt_byte(p, &t.def, final ? 0x4F : 0x50);
            wxt_vec(p, &t.def, nsupers, &supers);
            composite_type(p, &t);
        }
        wxt_expect_rp(p);
    }
    t.plain = !in_rec && t.comp == WXT_COMP_FUNC;
    wxt_expect_rp(p);
    push_type(p, &t);
}

/* (type ...) in the first pass: an entry of its own. */
static void type_field(wxt_parser *p)
{
    uint32_t first = p->ntypes;
    type_def(p, false);
    add_group(p, first, 1, false);
}

/* (rec (type ...)*): one entry, 0x4E and the vector of its types. */
static void rec_field(wxt_parser *p)
{
    uint32_t first = p->ntypes;
    while (wxt_is_open(p, "type")) {
        p->pos += 2;
        type_def(p, true);
    }
    wxt_expect_rp(p);
    add_group(p, first, p->ntypes - first, true);
}

uint32_t wxt_typeuse(wxt_parser *p, const wxt_tok ***param_ids,
                     uint32_t *nparams)
{
    typelist params = {0}, results = {0};
    const wxt_tok *at = wxt_peek(p, 0);
    uint32_t index = 0;
    /* Not a sentinel index: (type 0xffffffff) is an index (invalid). */
    bool explicit_index = wxt_is_open(p, "type");
    if (explicit_index) {
        p->pos += 2;
        at = wxt_next(p);
        index = wxt_index(p, WXT_TYPE, at);
        wxt_expect_rp(p);
    }
    bool inline_sig = wxt_is_open(p, "param") || wxt_is_open(p, "result");
    params_results(p, &params, &results);
    if (explicit_index) {
        const wxt_functype *t = wxt_type(p, index);
        /* An index past the types is the validator's to refuse, unless
         * an inline signature must be checked against it. */
        if (!t && inline_sig)
            wxt_fail(p, at, "unknown type %u", index);
        if (t && inline_sig && !same_type(t, &params, &results))
            wxt_fail(p, at, "inline function type does not match type %u",
                     index);
        if (!inline_sig && t) {
            params.n = t->nparams;
            params.ids =
                params.n ? wxt_alloc(p, params.n * sizeof *params.ids) : NULL;
            if (params.n)
                memset(params.ids, 0, params.n * sizeof *params.ids);
        }
    } else {
        bool found = false;
        for (uint32_t i = 0; i < p->ntypes && !found; i++)
            if (p->types[i].plain &&
                same_type(&p->types[i], &params, &results)) {
                index = i;
                found = true;
            }
        if (!found)
            index = add_type(p, &params, &results);
    }
    if (param_ids)
        *param_ids = params.ids;
    if (nparams)
        *nparams = params.n;
    return index;
}

uint32_t wxt_blocktype(wxt_parser *p, bool *is_index)
{
    *is_index = false;
    if (!wxt_is_open(p, "type")) {
        /* No params and at most one result: the short form, and no new
         * type; otherwise a type index like any other type use. */
        uint32_t save = p->pos;
        typelist params = {0}, results = {0};
        params_results(p, &params, &results);
        for (uint32_t i = 0; i < params.n; i++)
            if (params.ids[i])
                wxt_fail(p, params.ids[i],
                         "unexpected token: a block's "
                         "parameters have no names");
        if (!params.n && results.n <= 1)
            return results.n ? results.v[0] : 0x40;
        p->pos = save;
    }
    *is_index = true;
    return wxt_typeuse(p, NULL, NULL);
}

/* ----------------------------------------------------------- pass one */

/* Skips the rest of a form whose "(" is already consumed. */
static void skip_form(wxt_parser *p)
{
    unsigned depth = 1;
    while (depth) {
        const wxt_tok *t = wxt_next(p);
        if (t->kind == WXT_EOF)
            wxt_fail(p, t, "unexpected end of text, expected \")\"");
        depth += t->kind == WXT_LP ? 1 : t->kind == WXT_RP ? -1 : 0;
    }
}

/* Steps over a field's inline exports (lookahead only). */
static void skip_exports(wxt_parser *p)
{
    while (wxt_is_open(p, "export")) {
        p->pos += 2;
        skip_form(p);
    }
}

/* After a field's keyword and id: skips its inline exports and says
 * whether an inline import follows. */
static bool inline_import_ahead(wxt_parser *p)
{
    uint32_t save = p->pos;
    skip_exports(p);
    bool imported = wxt_is_open(p, "import");
    p->pos = save;
    return imported;
}

/* Says whether a table or memory field has an inline (elem) or (data). */
static bool inline_segment_ahead(wxt_parser *p, const char *word)
{
    uint32_t save = p->pos;
    skip_exports(p);
    if (wxt_is_kw(wxt_peek(p, 0), "i64") || wxt_is_kw(wxt_peek(p, 0), "i32"))
        p->pos++; /* the address type */
    if (wxt_is_open(p, "ref")) {
        p->pos += 2; /* the reference type of (table (ref t) (elem ...)) */
        skip_form(p);
    } else if (wxt_peek(p, 0)->kind == WXT_KW && !wxt_is_nat(wxt_peek(p, 0))) {
        p->pos++; /* the reference type of (table t (elem ...)) */
    }
    bool seg = wxt_is_open(p, word);
    p->pos = save;
    return seg;
}

static void define(wxt_parser *p, enum wxt_space s, const wxt_tok *id,
                   bool imported, bool *defined, const wxt_tok *at)
{
    if (imported && *defined)
        wxt_fail(p, at,
                 "import after function, table, memory or global "
                 "definition");
    if (!imported && s != WXT_TYPE)
        *defined = true;
    add_name(p, s, id);
}

/* Names every type of the (type) and (rec) fields, in their order,
 * before any is read: types may refer to each other in any order. */
static void name_types(wxt_parser *p)
{
    uint32_t save = p->pos;
    while (wxt_peek(p, 0)->kind == WXT_LP) {
        wxt_next(p);
        const wxt_tok *kw = wxt_next(p);
        if (wxt_is_kw(kw, "type")) {
            add_name(p, WXT_TYPE, opt_id(p));
        } else if (wxt_is_kw(kw, "rec")) {
            while (wxt_is_open(p, "type")) {
                p->pos += 2;
                add_name(p, WXT_TYPE, opt_id(p));
                skip_form(p);
            }
        }
        skip_form(p);
    }
    p->pos = save;
}

static void first_pass(wxt_parser *p)
{
    bool defined = false;
    name_types(p);
    static const struct {
        const char *word;
        enum wxt_space space;
    } kinds[] = {{"func", WXT_FUNC},
                 {"table", WXT_TABLE},
                 {"memory", WXT_MEMORY},
                 {"global", WXT_GLOBAL},
                 {"tag", WXT_TAG}};
    const size_t nkinds = sizeof kinds / sizeof *kinds;
    while (wxt_peek(p, 0)->kind == WXT_LP) {
        wxt_next(p);
        const wxt_tok *kw = wxt_next(p);
        bool known = false;
        for (size_t k = 0; k < nkinds; k++) {
            if (!wxt_is_kw(kw, kinds[k].word))
                continue;
            known = true;
            const wxt_tok *id = opt_id(p);
            define(p, kinds[k].space, id, inline_import_ahead(p), &defined,
                   kw);
            if (kinds[k].space == WXT_TABLE && inline_segment_ahead(p, "elem"))
                add_name(p, WXT_ELEM, NULL);
            if (kinds[k].space == WXT_MEMORY &&
                inline_segment_ahead(p, "data"))
                add_name(p, WXT_DATA, NULL);
        }
        if (known) {
            /* defined above */
        } else if (wxt_is_kw(kw, "type")) {
            type_field(p);
            continue;
        } else if (wxt_is_kw(kw, "rec")) {
            rec_field(p);
            continue;
        } else if (wxt_is_kw(kw, "import")) {
            uint32_t save = p->pos;
            wxt_next(p);
            wxt_next(p);
            wxt_expect_lp(p);
            const wxt_tok *what = wxt_next(p);
            bool ok = false;
            for (size_t k = 0; k < nkinds && !ok; k++)
                if (wxt_is_kw(what, kinds[k].word)) {
                    define(p, kinds[k].space, opt_id(p), true, &defined, kw);
                    ok = true;
                }
            if (!ok)
                wxt_fail(p, what, "unknown import kind \"%.*s\"",
                         (int)what->len, what->s);
            p->pos = save;
        } else if (wxt_is_kw(kw, "elem")) {
            add_name(p, WXT_ELEM, opt_id(p));
        } else if (wxt_is_kw(kw, "data")) {
            add_name(p, WXT_DATA, opt_id(p));
        } else if (!wxt_is_kw(kw, "export") && !wxt_is_kw(kw, "start")) {
            wxt_fail(p, kw, "unknown module field \"%.*s\"", (int)kw->len,
                     kw->s);
        }
        skip_form(p);
    }
    p->nexplicit_types = p->ntypes;
}

/* ----------------------------------------------------------- pass two */

static void add_export(wxt_parser *p, const wxt_tok *name, uint8_t kind,
                       uint32_t index)
{
    wxt_name(p, &p->sec_export, name);
    wxt_byte(p, &p->sec_export, kind);
    wxt_u32(p, &p->sec_export, index);
    p->n_export++;
}

/* The (export "name")* of a field defining `index` of `kind`. */
static void inline_exports(wxt_parser *p, uint8_t kind, uint32_t index)
{
    while (wxt_is_open(p, "export")) {
        p->pos += 2;
        add_export(p, wxt_next(p), kind, index);
        wxt_expect_rp(p);
    }
}

/* (import "m" "n") inside a field: the import entry's head. */
static bool inline_import(wxt_parser *p)
{
    if (!wxt_is_open(p, "import"))
        return false;
    p->pos += 2;
    wxt_name(p, &p->sec_import, wxt_next(p));
    wxt_name(p, &p->sec_import, wxt_next(p));
    wxt_expect_rp(p);
    p->n_import++;
    return true;
}

/* The head every importable field shares: its id, inline exports (of
 * extern kind `kind`, at `index`) and an inline import. Returns where the
 * rest of the field goes: the import entry, whose kind byte is written
 * here, or the field's own section `own`. */
static wxt_buf *field_head(wxt_parser *p, uint8_t kind, uint32_t index,
                           wxt_buf *own)
{
    opt_id(p);
    inline_exports(p, kind, index);
    if (!inline_import(p))
        return own;
    wxt_byte(p, &p->sec_import, kind);
    return &p->sec_import;
}

/* Limits: min max?, with the index type (i32/i64) before them. */
static void limits(wxt_parser *p, wxt_buf *b, bool is64_allowed,
                   bool shared_allowed)
{
    bool is64 = false;
    if (is64_allowed && wxt_is_kw(wxt_peek(p, 0), "i64")) {
        is64 = true;
        wxt_next(p);
    } else if (is64_allowed && wxt_is_kw(wxt_peek(p, 0), "i32")) {
        wxt_next(p);
    }
    /* Any u64, as for memory offsets: for a 32-bit memory or table the
     * decoder (2.0: a malformed LEB128) or the validator (3.0) refuses
     * more than 32 bits. */
    uint64_t max_value = UINT64_MAX;
    uint64_t min = wxt_nat(p, wxt_next(p), max_value);
    bool has_max = wxt_is_nat(wxt_peek(p, 0));
    uint64_t max = has_max ? wxt_nat(p, wxt_next(p), max_value) : 0;
    bool shared = shared_allowed && wxt_is_kw(wxt_peek(p, 0), "shared");
    if (shared)
        wxt_next(p);
    wxt_byte(p, b, (uint8_t)(has_max | (shared ? 2 : 0) | (is64 ? 4 : 0)));
    /* LEB128 of a u64 (wxt_u32 covers only 32 bits). */
    for (int i = 0; i < 1 + has_max; i++) {
        uint64_t v = i ? max : min;
        do {
            uint8_t byte = v & 0x7F;
            v >>= 7;
            wxt_byte(p, b, byte | (v ? 0x80 : 0));
        } while (v);
    }
}

static void func_field(wxt_parser *p, uint32_t index)
{
    if (field_head(p, 0x00, index, NULL)) { /* imported: no own section */
        wxt_u32(p, &p->sec_import, wxt_typeuse(p, NULL, NULL));
        wxt_expect_rp(p);
        return;
    }
    wxt_func_ctx fn = {0};
    uint32_t typeidx = wxt_typeuse(p, &fn.local_ids, &fn.nlocals);
    wxt_u32(p, &p->sec_func, typeidx);
    p->n_func++;

    /* Locals: named one by one, or anonymous in groups; the binary
     * groups runs of one type, as wat2wasm does. */
    typelist locals = {0};
    for (uint32_t i = 0; i < fn.nlocals; i++)
        typelist_add(p, &locals, 0, fn.local_ids[i]);
    uint32_t first_local = locals.n;
    while (wxt_is_open(p, "local")) {
        p->pos += 2;
        const wxt_tok *id = opt_id(p);
        if (id)
            typelist_add(p, &locals, wxt_valtype(p), id);
        else
            while (wxt_valtype_ahead(p))
                typelist_add(p, &locals, wxt_valtype(p), NULL);
        wxt_expect_rp(p);
    }
    for (uint32_t i = 0; i < locals.n; i++)
        for (uint32_t j = 0; j < i && locals.ids[i]; j++)
            if (wxt_same_id(locals.ids[i], locals.ids[j]))
                wxt_fail(p, locals.ids[i], "duplicate local %.*s",
                         (int)locals.ids[i]->len, locals.ids[i]->s);
    fn.local_ids = locals.ids;
    fn.nlocals = locals.n;

    wxt_buf body = {0}, groups = {0};
    uint32_t ngroups = 0;
    for (uint32_t i = first_local; i < locals.n;) {
        uint32_t j = i;
        while (j < locals.n && locals.v[j] == locals.v[i])
            j++;
        wxt_u32(p, &groups, j - i);
        wxt_put_valtype(p, &groups, locals.v[i]);
        ngroups++;
        i = j;
    }
    wxt_vec(p, &body, ngroups, &groups);
    wxt_instrs(p, &body, &fn);
    wxt_byte(p, &body, 0x0B);
    wxt_expect_rp(p);
    wxt_u32(p, &p->sec_code, (uint32_t)body.n);
    wxt_bytes(p, &p->sec_code, body.p, body.n);
    p->n_code++;
}

static void global_field(wxt_parser *p, uint32_t index)
{
    wxt_buf *b = field_head(p, 0x03, index, &p->sec_global);
    bool imported = b == &p->sec_import;
    if (wxt_is_open(p, "mut")) {
        p->pos += 2;
        wxt_put_valtype(p, b, wxt_valtype(p));
        wxt_byte(p, b, 1);
        wxt_expect_rp(p);
    } else {
        wxt_put_valtype(p, b, wxt_valtype(p));
        wxt_byte(p, b, 0);
    }
    if (!imported) {
        wxt_const_expr(p, b);
        p->n_global++;
    }
    wxt_expect_rp(p);
}

/* (tag id? (export)* (import)? typeuse): exception handling's tags. */
static void tag_field(wxt_parser *p, uint32_t index)
{
    wxt_buf *b = field_head(p, 0x04, index, &p->sec_tag);
    bool imported = b == &p->sec_import;
    wxt_byte(p, b, 0x00); /* the exception attribute */
    wxt_u32(p, b, wxt_typeuse(p, NULL, NULL));
    if (!imported)
        p->n_tag++;
    wxt_expect_rp(p);
}

/* An elem segment's items, after its element type: either function
 * indices (funcref) or expressions; `all_funcs` says whether every item
 * is a function reference, which picks the binary's compact form. */
typedef struct elem_items {
    wxt_buf funcs, exprs;
    uint32_t n;
    bool all_funcs;
} elem_items;

static void elem_item_expr(wxt_parser *p, elem_items *it)
{
    wxt_buf e = {0};
    if (wxt_is_open(p, "item")) {
        p->pos += 2;
        wxt_const_expr(p, &e);
        wxt_expect_rp(p);
    } else {
        /* One folded instruction: parse it as a constant expression of
         * its own by bracketing it between its parentheses. */
        uint32_t start = p->pos;
        wxt_next(p);
        skip_form(p);
        uint32_t end = p->pos;
        p->pos = start;
        wxt_tok saved = p->toks[end];
        p->toks[end].kind = WXT_RP;
        wxt_const_expr(p, &e);
        p->toks[end] = saved;
        if (p->pos != end)
            wxt_fail(p, wxt_peek(p, 0), "unexpected token in elem item");
    }
    /* ref.func x end: also the compact form's index x. */
    if (e.n >= 3 && e.p[0] == 0xD2 && e.p[e.n - 1] == 0x0B) {
        wxt_bytes(p, &it->funcs, e.p + 1, e.n - 2);
    } else {
        it->all_funcs = false;
    }
    wxt_bytes(p, &it->exprs, e.p, e.n);
    it->n++;
}

static void elem_funcs(wxt_parser *p, elem_items *it)
{
    while (wxt_peek(p, 0)->kind == WXT_ID || wxt_is_nat(wxt_peek(p, 0))) {
        uint32_t f = wxt_index(p, WXT_FUNC, wxt_next(p));
        wxt_u32(p, &it->funcs, f);
        wxt_byte(p, &it->exprs, 0xD2);
        wxt_u32(p, &it->exprs, f);
        wxt_byte(p, &it->exprs, 0x0B);
        it->n++;
    }
}

/* elemlist: `func` x* | reftype item* (| x* in the old abbreviation). */
static wxt_valtype_t elem_list(wxt_parser *p, elem_items *it)
{
    it->all_funcs = true;
    wxt_valtype_t type = 0x70;
    if (wxt_is_kw(wxt_peek(p, 0), "func")) {
        wxt_next(p);
        elem_funcs(p, it);
    } else if ((wxt_peek(p, 0)->kind == WXT_KW &&
                !wxt_is_nat(wxt_peek(p, 0))) ||
               wxt_is_open(p, "ref")) {
        type = reftype(p);
        while (wxt_peek(p, 0)->kind == WXT_LP)
            elem_item_expr(p, it);
    } else {
        elem_funcs(p, it);
    }
    if (type != 0x70)
        it->all_funcs = false;
    return type;
}

/* Writes a segment: flags by wat2wasm's choice (explicit table index only
 * when it is not 0, function indices when every item is a ref.func). */
static void write_elem(wxt_parser *p, int mode, uint32_t table,
                       const wxt_buf *offset, wxt_valtype_t type,
                       const elem_items *it)
{
    wxt_buf *b = &p->sec_elem;
    uint8_t flags = (uint8_t)mode; /* 0 active, 1 passive, 3 declarative */
    /* Form 4 (table 0, expressions) implies funcref: another type needs
     * the explicit form 6. */
    if (mode == 0 && (table != 0 || type != 0x70))
        flags = 2;
    if (!it->all_funcs)
        flags |= 4;
    wxt_byte(p, b, flags);
    if (flags & 2 && !(flags & 1))
        wxt_u32(p, b, table);
    if (!(flags & 1))
        wxt_bytes(p, b, offset->p, offset->n);
    if ((flags & 3) && (flags & 4))
        wxt_put_valtype(p, b, type);
    else if (flags & 3)
        wxt_byte(p, b, 0x00);
    wxt_vec(p, b, it->n, (flags & 4) ? &it->exprs : &it->funcs);
    p->n_elem++;
}

/* (offset instr*) or one folded instruction. */
static void offset_expr(wxt_parser *p, wxt_buf *out)
{
    if (wxt_is_open(p, "offset")) {
        p->pos += 2;
        wxt_const_expr(p, out);
        wxt_expect_rp(p);
        return;
    }
    uint32_t start = p->pos;
    wxt_expect_lp(p);
    skip_form(p);
    uint32_t end = p->pos;
    p->pos = start;
    wxt_tok saved = p->toks[end];
    p->toks[end].kind = WXT_RP;
    wxt_const_expr(p, out);
    p->toks[end] = saved;
}

static void elem_field(wxt_parser *p)
{
    opt_id(p);
    elem_items it = {0};
    wxt_buf offset = {0};
    if (wxt_is_kw(wxt_peek(p, 0), "declare")) {
        wxt_next(p);
        wxt_valtype_t type = elem_list(p, &it);
        write_elem(p, 3, 0, NULL, type, &it);
    } else if ((wxt_peek(p, 0)->kind == WXT_LP && !wxt_is_open(p, "ref")) ||
               wxt_peek(p, 0)->kind == WXT_ID || wxt_is_nat(wxt_peek(p, 0))) {
        uint32_t table = 0;
        if (wxt_is_open(p, "table")) {
            p->pos += 2;
            table = wxt_index(p, WXT_TABLE, wxt_next(p));
            wxt_expect_rp(p);
        } else if (wxt_peek(p, 0)->kind != WXT_LP) {
            table = wxt_index(p, WXT_TABLE, wxt_next(p));
        }
        offset_expr(p, &offset);
        wxt_valtype_t type = elem_list(p, &it);
        write_elem(p, 0, table, &offset, type, &it);
    } else {
        wxt_valtype_t type = elem_list(p, &it);
        write_elem(p, 1, 0, NULL, type, &it);
    }
    wxt_expect_rp(p);
}

/* Whether a reference type starts here (the element type of a table). */
static bool reftype_ahead(wxt_parser *p)
{
    const wxt_tok *t = wxt_peek(p, 0);
    return (t->kind == WXT_KW && !wxt_is_nat(t) && !wxt_is_kw(t, "i64") &&
            !wxt_is_kw(t, "i32")) ||
           wxt_is_open(p, "ref");
}

/* at? reftype (elem ...): a table exactly as long as its items, and an
 * active segment at 0 filling it. */
static void table_inline_elem(wxt_parser *p, wxt_buf *b, uint32_t index)
{
    bool is64 = wxt_is_kw(wxt_peek(p, 0), "i64");
    if (is64 || wxt_is_kw(wxt_peek(p, 0), "i32"))
        wxt_next(p);
    wxt_valtype_t type = reftype(p);
    elem_items it = {0};
    wxt_expect_lp(p);
    wxt_expect_kw(p, "elem");
    it.all_funcs = true;
    if (wxt_peek(p, 0)->kind == WXT_LP)
        while (wxt_peek(p, 0)->kind == WXT_LP)
            elem_item_expr(p, &it);
    else
        elem_funcs(p, &it);
    if (type != 0x70)
        it.all_funcs = false;
    wxt_expect_rp(p);
    wxt_put_valtype(p, b, type);
    wxt_byte(p, b, is64 ? 0x05 : 0x01);
    wxt_u32(p, b, it.n);
    wxt_u32(p, b, it.n);
    wxt_buf offset = {0};
    wxt_byte(p, &offset, is64 ? 0x42 : 0x41);
    wxt_byte(p, &offset, 0x00);
    wxt_byte(p, &offset, 0x0B);
    write_elem(p, 0, index, &offset, type, &it);
}

static void table_field(wxt_parser *p, uint32_t index)
{
    wxt_buf *b = field_head(p, 0x01, index, &p->sec_table);
    bool imported = b == &p->sec_import;
    bool addr =
        wxt_is_kw(wxt_peek(p, 0), "i64") || wxt_is_kw(wxt_peek(p, 0), "i32");
    if (!imported && addr)
        p->pos++;
    bool inline_elem = !imported && reftype_ahead(p);
    if (!imported && addr)
        p->pos--;
    if (inline_elem) {
        table_inline_elem(p, b, index);
    } else {
        wxt_buf lim = {0};
        limits(p, &lim, true, false);
        wxt_valtype_t type = reftype(p);
        /* A table with an initializer expression (typed references):
         * the 0x40 0x00 form, then the expression. */
        bool init = !imported && wxt_peek(p, 0)->kind == WXT_LP;
        if (init) {
            wxt_byte(p, b, 0x40);
            wxt_byte(p, b, 0x00);
        }
        wxt_put_valtype(p, b, type);
        wxt_bytes(p, b, lim.p, lim.n);
        if (init)
            wxt_const_expr(p, b);
    }
    if (!imported)
        p->n_table++;
    wxt_expect_rp(p);
}

/* The strings of a data segment, concatenated. */
static void data_strings(wxt_parser *p, wxt_buf *out)
{
    while (wxt_peek(p, 0)->kind == WXT_STR) {
        uint32_t n;
        uint8_t *s = wxt_string(p, wxt_next(p), &n);
        wxt_bytes(p, out, s, n);
    }
}

static void write_data(wxt_parser *p, bool active, uint32_t mem,
                       const wxt_buf *offset, const wxt_buf *bytes)
{
    wxt_buf *b = &p->sec_data;
    if (!active) {
        wxt_byte(p, b, 0x01);
    } else if (mem == 0) {
        wxt_byte(p, b, 0x00);
    } else {
        wxt_byte(p, b, 0x02);
        wxt_u32(p, b, mem);
    }
    if (active)
        wxt_bytes(p, b, offset->p, offset->n);
    wxt_vec(p, b, (uint32_t)bytes->n, bytes);
    p->n_data++;
}

static void memory_field(wxt_parser *p, uint32_t index)
{
    wxt_buf *b = field_head(p, 0x02, index, &p->sec_mem);
    bool imported = b == &p->sec_import;
    bool is64 = wxt_is_kw(wxt_peek(p, 0), "i64");
    if (!imported &&
        (wxt_is_open(p, "data") || (is64 && wxt_peek(p, 1)->kind == WXT_LP))) {
        if (is64)
            wxt_next(p);
        wxt_buf bytes = {0}, offset = {0};
        p->pos += 2;
        data_strings(p, &bytes);
        wxt_expect_rp(p);
        uint64_t pages = (bytes.n + 65535) / 65536;
        wxt_byte(p, b, is64 ? 0x05 : 0x01);
        wxt_u32(p, b, (uint32_t)pages);
        wxt_u32(p, b, (uint32_t)pages);
        wxt_byte(p, &offset, is64 ? 0x42 : 0x41);
        wxt_byte(p, &offset, 0x00);
        wxt_byte(p, &offset, 0x0B);
        write_data(p, true, index, &offset, &bytes);
    } else {
        limits(p, b, true, true);
    }
    if (!imported)
        p->n_mem++;
    wxt_expect_rp(p);
}

static void data_field(wxt_parser *p)
{
    opt_id(p);
    wxt_buf bytes = {0}, offset = {0};
    if (wxt_peek(p, 0)->kind == WXT_STR || wxt_peek(p, 0)->kind == WXT_RP) {
        data_strings(p, &bytes);
        write_data(p, false, 0, NULL, &bytes);
    } else {
        uint32_t mem = 0;
        if (wxt_is_open(p, "memory")) {
            p->pos += 2;
            mem = wxt_index(p, WXT_MEMORY, wxt_next(p));
            wxt_expect_rp(p);
        } else if (wxt_peek(p, 0)->kind != WXT_LP) {
            mem = wxt_index(p, WXT_MEMORY, wxt_next(p));
        }
        offset_expr(p, &offset);
        data_strings(p, &bytes);
        write_data(p, true, mem, &offset, &bytes);
    }
    wxt_expect_rp(p);
}

static void import_field(wxt_parser *p)
{
    wxt_name(p, &p->sec_import, wxt_next(p));
    wxt_name(p, &p->sec_import, wxt_next(p));
    p->n_import++;
    wxt_expect_lp(p);
    const wxt_tok *kind = wxt_next(p);
    wxt_buf *b = &p->sec_import;
    opt_id(p);
    if (wxt_is_kw(kind, "func")) {
        wxt_byte(p, b, 0x00);
        wxt_u32(p, b, wxt_typeuse(p, NULL, NULL));
    } else if (wxt_is_kw(kind, "table")) {
        wxt_buf lim = {0};
        wxt_byte(p, b, 0x01);
        limits(p, &lim, true, false);
        wxt_put_valtype(p, b, reftype(p));
        wxt_bytes(p, b, lim.p, lim.n);
    } else if (wxt_is_kw(kind, "memory")) {
        wxt_byte(p, b, 0x02);
        limits(p, b, true, true);
    } else if (wxt_is_kw(kind, "tag")) {
        wxt_byte(p, b, 0x04);
        wxt_byte(p, b, 0x00); /* the exception attribute */
        wxt_u32(p, b, wxt_typeuse(p, NULL, NULL));
    } else {
        wxt_byte(p, b, 0x03);
        if (wxt_is_open(p, "mut")) {
            p->pos += 2;
            wxt_put_valtype(p, b, wxt_valtype(p));
            wxt_byte(p, b, 1);
            wxt_expect_rp(p);
        } else {
            wxt_put_valtype(p, b, wxt_valtype(p));
            wxt_byte(p, b, 0);
        }
    }
    wxt_expect_rp(p);
    wxt_expect_rp(p);
}

static void export_field(wxt_parser *p)
{
    static const char *const kinds[] = {"func", "table", "memory", "global",
                                        "tag"};
    static const enum wxt_space spaces[] = {WXT_FUNC, WXT_TABLE, WXT_MEMORY,
                                            WXT_GLOBAL, WXT_TAG};
    const wxt_tok *name = wxt_next(p);
    wxt_expect_lp(p);
    const wxt_tok *kind = wxt_next(p);
    for (uint8_t k = 0; k < 5; k++)
        if (wxt_is_kw(kind, kinds[k])) {
            add_export(p, name, k, wxt_index(p, spaces[k], wxt_next(p)));
            wxt_expect_rp(p);
            wxt_expect_rp(p);
            return;
        }
    wxt_fail(p, kind, "unknown export kind \"%.*s\"", (int)kind->len, kind->s);
}

static void second_pass(wxt_parser *p)
{
    /* The index of each field in its space (imports included), for its
     * inline exports and segments. */
    uint32_t counts[WXT_SPACES] = {0};
    while (wxt_peek(p, 0)->kind == WXT_LP) {
        wxt_next(p);
        const wxt_tok *kw = wxt_next(p);
        if (wxt_is_kw(kw, "type") || wxt_is_kw(kw, "rec")) {
            skip_form(p);
        } else if (wxt_is_kw(kw, "func")) {
            func_field(p, counts[WXT_FUNC]++);
        } else if (wxt_is_kw(kw, "table")) {
            table_field(p, counts[WXT_TABLE]++);
        } else if (wxt_is_kw(kw, "memory")) {
            memory_field(p, counts[WXT_MEMORY]++);
        } else if (wxt_is_kw(kw, "global")) {
            global_field(p, counts[WXT_GLOBAL]++);
        } else if (wxt_is_kw(kw, "tag")) {
            tag_field(p, counts[WXT_TAG]++);
        } else if (wxt_is_kw(kw, "import")) {
            uint32_t save = p->pos;
            p->pos += 3;
            const wxt_tok *what = wxt_next(p);
            p->pos = save;
            static const char *const k[] = {"func", "table", "memory",
                                            "global"};
            for (int i = 0; i < 4; i++)
                if (wxt_is_kw(what, k[i]))
                    counts[i]++;
            if (wxt_is_kw(what, "tag"))
                counts[WXT_TAG]++;
            import_field(p);
        } else if (wxt_is_kw(kw, "export")) {
            export_field(p);
        } else if (wxt_is_kw(kw, "start")) {
            if (p->has_start)
                wxt_fail(p, kw, "multiple start sections");
            p->has_start = true;
            wxt_u32(p, &p->sec_start, wxt_index(p, WXT_FUNC, wxt_next(p)));
            wxt_expect_rp(p);
        } else if (wxt_is_kw(kw, "elem")) {
            elem_field(p);
        } else {
            data_field(p);
        }
    }
}

/* ----------------------------------------------------------- output */

static void section(wxt_parser *p, wxt_buf *out, uint8_t id, uint32_t count,
                    const wxt_buf *body, bool always)
{
    if (!count && !always)
        return;
    wxt_buf content = {0};
    wxt_vec(p, &content, count, body);
    wxt_byte(p, out, id);
    wxt_u32(p, out, (uint32_t)content.n);
    wxt_bytes(p, out, content.p, content.n);
}

/* A defined type: its definition as read, or an implicit function
 * type from its params and results. */
static void write_type(wxt_parser *p, wxt_buf *b, const wxt_functype *t)
{
    if (t->def.n) {
        wxt_bytes(p, b, t->def.p, t->def.n);
        return;
    }
    wxt_byte(p, b, WXT_COMP_FUNC);
    wxt_u32(p, b, t->nparams);
    for (uint32_t k = 0; k < t->nparams; k++)
        wxt_put_valtype(p, b, t->params[k]);
    wxt_u32(p, b, t->nresults);
    for (uint32_t k = 0; k < t->nresults; k++)
        wxt_put_valtype(p, b, t->results[k]);
}

static void write_module(wxt_parser *p, wxt_buf *out)
{
    static const uint8_t header[8] = {0, 'a', 's', 'm', 1, 0, 0, 0};
    wxt_bytes(p, out, header, 8);
    wxt_buf types = {0};
    for (uint32_t g = 0; g < p->ngroups; g++) {
        const wxt_recgroup *rg = &p->groups[g];
        if (rg->rec) {
            wxt_byte(p, &types, 0x4E);
            wxt_u32(p, &types, rg->n);
        }
        for (uint32_t i = rg->first; i < rg->first + rg->n; i++)
            write_type(p, &types, &p->types[i]);
    }
    section(p, out, 1, p->ngroups, &types, false);
    section(p, out, 2, p->n_import, &p->sec_import, false);
    section(p, out, 3, p->n_func, &p->sec_func, false);
    section(p, out, 4, p->n_table, &p->sec_table, false);
    section(p, out, 5, p->n_mem, &p->sec_mem, false);
    section(p, out, 13, p->n_tag, &p->sec_tag, false);
    section(p, out, 6, p->n_global, &p->sec_global, false);
    section(p, out, 7, p->n_export, &p->sec_export, false);
    if (p->has_start) {
        wxt_byte(p, out, 8);
        wxt_u32(p, out, (uint32_t)p->sec_start.n);
        wxt_bytes(p, out, p->sec_start.p, p->sec_start.n);
    }
    section(p, out, 9, p->n_elem, &p->sec_elem, false);
    /* Whenever code names a data segment, as the spec's text format
     * says (even with no data section: the validator then refuses the
     * index, not the decoder the missing count). */
    if (p->uses_data_count) {
        wxt_buf count = {0};
        wxt_u32(p, &count, p->n_data);
        wxt_byte(p, out, 12);
        wxt_u32(p, out, (uint32_t)count.n);
        wxt_bytes(p, out, count.p, count.n);
    }
    section(p, out, 10, p->n_code, &p->sec_code, false);
    section(p, out, 11, p->n_data, &p->sec_data, false);
}

/* (module binary "..."*): the strings are the module. */
static void module_binary(wxt_parser *p, wxt_buf *out)
{
    data_strings(p, out);
    wxt_expect_rp(p);
}

static void parse_text(wxt_parser *p, const char *text, size_t len,
                       wxt_buf *out);

/* (module quote "..."*): the strings are the text of a module. */
static void module_quote(wxt_parser *p, wxt_buf *out)
{
    wxt_buf text = {0};
    const wxt_tok *quote_at = wxt_peek(p, 0);
    data_strings(p, &text);
    wxt_expect_rp(p);
    if (wxt_peek(p, 0)->kind != WXT_EOF)
        wxt_fail(p, wxt_peek(p, 0), "unexpected token after the module");
    /* The inner parser lives in the arena (not on the stack, whose
     * objects changed between setjmp and longjmp C leaves indeterminate),
     * allocates in it, and hands it back after. */
    wxt_parser *inner = wxt_alloc(p, sizeof *inner);
    memset(inner, 0, sizeof *inner);
    inner->err = p->err;
    inner->arena = p->arena;
    const wxt_tok *at = quote_at;
    if (!setjmp(inner->fail)) {
        parse_text(inner, text.p ? (const char *)text.p : "", text.n, out);
        p->arena = inner->arena;
        return;
    }
    p->arena = inner->arena;
    p->status = inner->status;
    if (p->err && p->status == WX_EMALFORMED) {
        /* Name the place in the script, then the one in the quoted text. */
        char inside[sizeof p->err->message];
        memcpy(inside, p->err->message, sizeof inside);
        wxt_fail(p, at, "in the quoted module, %s", inside);
    }
    longjmp(p->fail, 1);
}

static void parse_text(wxt_parser *p, const char *text, size_t len,
                       wxt_buf *out)
{
    p->text = text;
    p->text_len = len;
    wxt_lex(p, text, len);
    bool wrapped = wxt_is_open(p, "module");
    if (wrapped) {
        p->pos += 2;
        opt_id(p);
        /* A script's (module definition $M? ...) is the module itself
         * (instantiating it is the script's business); (module instance
         * $I $M?) defines no module. */
        if (wxt_is_kw(wxt_peek(p, 0), "definition")) {
            wxt_next(p);
            opt_id(p);
        } else if (wxt_is_kw(wxt_peek(p, 0), "instance")) {
            wxt_fail(p, wxt_peek(p, 0),
                     "(module instance ...) is a script command that "
                     "instantiates a module, not a module");
        }
        if (wxt_is_kw(wxt_peek(p, 0), "binary")) {
            wxt_next(p);
            module_binary(p, out);
            return;
        }
        if (wxt_is_kw(wxt_peek(p, 0), "quote")) {
            wxt_next(p);
            module_quote(p, out);
            return;
        }
    }
    uint32_t start = p->pos;
    first_pass(p);
    if (wrapped)
        wxt_expect_rp(p);
    if (wxt_peek(p, 0)->kind != WXT_EOF)
        wxt_fail(p, wxt_peek(p, 0),
                 wrapped ? "unexpected token after the module"
                         : "unexpected token, expected a module field");
    p->pos = start;
    second_pass(p);
    write_module(p, out);
}

WX_API wx_status wx_wat_to_wasm(const char *text, size_t len, uint8_t **out,
                                size_t *out_len, wx_error *err)
{
    *out = NULL;
    *out_len = 0;
    wx_error_clear(err);
    /* On the heap: the parser's state changes between setjmp and longjmp,
     * which C leaves indeterminate for a local variable. */
    wxt_parser *p = calloc(1, sizeof *p);
    if (!p)
        return wx_error_set(err, WX_ENOMEM,
                            "out of memory while parsing "
                            "text");
    p->err = err;
    /* No text at all is the empty module, as "" is. (Kept in the state,
     * not in `text`, which setjmp could not vouch for.) */
    p->text = text ? text : "";
    p->text_len = len;
    wxt_buf *bytes = NULL;
    wx_status s = WX_OK;
    if (setjmp(p->fail)) {
        s = p->status;
        goto done;
    }
    bytes = wxt_alloc(p, sizeof *bytes);
    memset(bytes, 0, sizeof *bytes);
    parse_text(p, p->text, p->text_len, bytes);
    uint8_t *copy = malloc(bytes->n ? bytes->n : 1);
    if (!copy)
        wxt_nomem(p);
    if (bytes->n) /* `(module binary)` writes nothing at all */
        memcpy(copy, bytes->p, bytes->n);
    *out = copy;
    *out_len = bytes->n;
done:
    wxt_arena_free(p);
    free(p);
    return s;
}

WX_API bool wx_wat_is_binary(const uint8_t *bytes, size_t len)
{
    return len >= 4 && memcmp(bytes, "\0asm", 4) == 0;
}
