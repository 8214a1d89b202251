/*
 * GC types (WebAssembly 3.0), white-box: the decoder's rec groups, field
 * layout and canonical indices; iso-recursive equivalence across two
 * modules, both ways; subtyping by declared supertypes (depth, the
 * abstract hierarchies); refusals of bad supertypes and of GC
 * instructions that break the typing rules, each with its message; GC
 * operators in a constant expression; a try_table whose result is a GC
 * shorthand (anyref).
 *
 * Modules are decoded and validated only (the runtime of GC instructions
 * is another branch's), from bytes built here: a type section and, where
 * needed, a function with its body. Type indices are absolute, so a rec
 * group's references to its own types name them by their index.
 */
#include "check.h"
#include "module.h"
#include "reftype.h"

#include <stdlib.h>
#include <string.h>

/* The nullable reference to abstract heap type h (anyref ...). */
#define NREF(h) ((wx_valtype)(h))

/* A module under construction: sections appended in order, each at most
 * 127 bytes (one-byte sizes keep the builder trivial). */
typedef struct mbuf {
    uint8_t b[1024];
    size_t n;
} mbuf;

static void start(mbuf *m)
{
    static const uint8_t head[] = {0x00, 0x61, 0x73, 0x6d,
                                   0x01, 0x00, 0x00, 0x00};
    memcpy(m->b, head, sizeof head);
    m->n = sizeof head;
}

static void section(mbuf *m, uint8_t id, const uint8_t *p, size_t len)
{
    m->b[m->n++] = id;
    m->b[m->n++] = (uint8_t)len;
    memcpy(m->b + m->n, p, len);
    m->n += len;
}

/* A module of one type section (`types`: its payload). */
static mbuf types_only(const uint8_t *types, size_t len)
{
    mbuf m;
    start(&m);
    section(&m, 1, types, len);
    return m;
}

/* Type section `types`, then one function of type `ftype` whose body
 * (without locals, with its `end`) is `code`. */
static mbuf with_func(const uint8_t *types, size_t tlen, uint8_t ftype,
                      const uint8_t *code, size_t clen)
{
    mbuf m = types_only(types, tlen);
    uint8_t funcs[] = {1, ftype};
    section(&m, 3, funcs, sizeof funcs);
    uint8_t body[128];
    body[0] = 1;                  /* one entry */
    body[1] = (uint8_t)(clen + 1); /* its size: the locals byte + code */
    body[2] = 0;                  /* no locals */
    memcpy(body + 3, code, clen);
    section(&m, 10, body, clen + 3);
    return m;
}

/* Decodes and validates `m` into *out (which the caller frees with
 * unload); the status, with the message in err. */
static wx_status load_mod(const mbuf *m, wx_module *out, wx_error *err)
{
    memset(out, 0, sizeof *out);
    wxm_arena_init(&out->arena);
    out->bytes = malloc(m->n);
    memcpy(out->bytes, m->b, m->n);
    out->len = m->n;
    wx_error_clear(err);
    wx_status s = wxm_decode(out, err);
    if (s == WX_OK)
        s = wxm_validate(out, err);
    return s;
}

static void unload(wx_module *m)
{
    wxm_arena_free(&m->arena);
    free(m->bytes);
}

/* Loading must fail with `want` and a message containing `part`. */
#define EXPECT_FAIL(mod, want, part)                                          \
    do {                                                                      \
        wx_module m_;                                                         \
        wx_error e_;                                                          \
        wx_status s_ = load_mod(&(mod), &m_, &e_);                            \
        CHECK_MSG(s_ == (want), "status %d: %s", (int)s_, e_.message);        \
        CHECK_MSG(strstr(e_.message, (part)) != NULL,                         \
                  "message \"%s\" lacks \"%s\"", e_.message, (part));         \
        unload(&m_);                                                          \
    } while (0)

#define EXPECT_OK(mod)                                                        \
    do {                                                                      \
        wx_module m_;                                                         \
        wx_error e_;                                                          \
        wx_status s_ = load_mod(&(mod), &m_, &e_);                            \
        CHECK_MSG(s_ == WX_OK, "status %d: %s", (int)s_, e_.message);         \
        unload(&m_);                                                          \
    } while (0)

/* Module A's types:
 *   0, 1: (rec (type $a (struct (field (ref null $b))))
 *              (type $b (struct (field (ref null $a)))))
 *   2, 3: the same group again (so canon 0 and 1)
 *   4:    (struct (field (mut i8)) (field i32) (field i16) (field i64))
 *   5, 6: (rec $a' -> $a', $b' -> $b'): the same shape, but each field
 *         names its own type, so not equivalent to 0, 1 */
static const uint8_t types_a[] = {
    4,
    0x4E, 2, 0x5F, 1, 0x63, 1, 0, 0x5F, 1, 0x63, 0, 0,
    0x4E, 2, 0x5F, 1, 0x63, 3, 0, 0x5F, 1, 0x63, 2, 0,
    0x5F, 4, 0x78, 1, 0x7F, 0, 0x77, 0, 0x7E, 0,
    0x4E, 2, 0x5F, 1, 0x63, 5, 0, 0x5F, 1, 0x63, 6, 0,
};

/* Module B: (type (struct)) first, then A's first group at 1, 2; then
 * that group with a mutable field at 3, 4. */
static const uint8_t types_b[] = {
    3,
    0x5F, 0,
    0x4E, 2, 0x5F, 1, 0x63, 2, 0, 0x5F, 1, 0x63, 1, 0,
    0x4E, 2, 0x5F, 1, 0x63, 4, 1, 0x5F, 1, 0x63, 3, 0,
};

static void test_rec_groups(void)
{
    mbuf a = types_only(types_a, sizeof types_a);
    wx_module m;
    wx_error err;
    CHECK_MSG(load_mod(&a, &m, &err) == WX_OK, "%s", err.message);
    CHECK(m.ntypes == 7);
    if (m.ntypes == 7) {
        CHECK(m.types[0].rec == 0 && m.types[1].rec == 0);
        CHECK(m.types[1].rec_size == 2 && m.types[4].rec_size == 1);
        CHECK(m.types[3].rec == 2 && m.types[4].rec == 4);
        CHECK(m.types[2].canon == 0 && m.types[3].canon == 1);
        CHECK(m.types[5].canon == 5 && m.types[6].canon == 6);
        CHECK(m.types[0].kind == WXM_TYPE_STRUCT && m.types[0].final);
        const wxm_functype *s = &m.types[4];
        CHECK(s->nfields == 4);
        CHECK(s->fields[0].type == WXM_PACKED_I8 && s->fields[0].mutable_);
        CHECK(s->fields[0].offset == 0 && s->fields[1].offset == 4);
        CHECK(s->fields[2].offset == 8 && s->fields[2].size == 2);
        CHECK(s->fields[3].offset == 16 && s->size == 24);
        CHECK(wxm_type_equiv(&m, 2, &m, 0));
        CHECK(!wxm_type_equiv(&m, 5, &m, 0));
    }
    unload(&m);
}

static void test_equivalence_across_modules(void)
{
    mbuf a = types_only(types_a, sizeof types_a);
    mbuf b = types_only(types_b, sizeof types_b);
    wx_module ma, mb;
    wx_error err;
    CHECK_MSG(load_mod(&a, &ma, &err) == WX_OK, "%s", err.message);
    CHECK_MSG(load_mod(&b, &mb, &err) == WX_OK, "%s", err.message);
    if (ma.ntypes == 7 && mb.ntypes == 5) {
        CHECK(wxm_type_equiv(&ma, 0, &mb, 1));
        CHECK(wxm_type_equiv(&ma, 1, &mb, 2));
        CHECK(wxm_type_equiv(&ma, 3, &mb, 2)); /* A's second copy */
        CHECK(!wxm_type_equiv(&ma, 0, &mb, 2)); /* other position */
        CHECK(!wxm_type_equiv(&ma, 0, &mb, 3)); /* a mutable field */
        CHECK(!wxm_type_equiv(&ma, 5, &mb, 1)); /* self references */
        CHECK(!wxm_type_equiv(&ma, 4, &mb, 0)); /* fields differ */
        /* Typed references of each module compare through it. */
        wx_valtype ra = wx_ref_type(wx_heap_index(1), false);
        wx_valtype rb = wx_ref_type(wx_heap_index(2), true);
        CHECK(wxm_valtype_sub(&ma, ra, &mb, rb));
        CHECK(!wxm_valtype_sub(&mb, rb, &ma, ra)); /* nullable */
        CHECK(!wxm_valtype_sub(&ma, ra, &mb, wx_ref_type(wx_heap_index(1),
                                                         true)));
    }
    unload(&ma);
    unload(&mb);
}

/* (type $s0 (sub (struct)))
 * (type $s1 (sub $s0 (struct (field i32))))
 * (type $s2 (sub final $s1 (struct (field i32) (field i64))))
 * (type $f (func)) */
static const uint8_t types_chain[] = {
    4,
    0x50, 0, 0x5F, 0,
    0x50, 1, 0, 0x5F, 1, 0x7F, 0,
    0x4F, 1, 1, 0x5F, 2, 0x7F, 0, 0x7E, 0,
    0x60, 0, 0,
};

static void test_subtyping(void)
{
    mbuf a = types_only(types_chain, sizeof types_chain);
    mbuf b = types_only(types_chain, sizeof types_chain);
    wx_module m, m2;
    wx_error err;
    CHECK_MSG(load_mod(&a, &m, &err) == WX_OK, "%s", err.message);
    CHECK_MSG(load_mod(&b, &m2, &err) == WX_OK, "%s", err.message);
    if (m.ntypes == 4 && m2.ntypes == 4) {
        CHECK(m.types[0].depth == 0 && m.types[1].depth == 1);
        CHECK(m.types[2].depth == 2 && m.types[2].super == 1);
        CHECK(m.types[2].final && !m.types[0].final);
        CHECK(wxm_type_sub(&m, 2, &m, 0) && wxm_type_sub(&m, 2, &m, 1));
        CHECK(!wxm_type_sub(&m, 0, &m, 2) && !wxm_type_sub(&m, 1, &m, 2));
        CHECK(wxm_type_sub(&m, 2, &m2, 0)); /* across modules */
        CHECK(!wxm_type_sub(&m, 0, &m2, 1));
        wx_valtype s2 = wx_ref_type(wx_heap_index(2), false);
        wx_valtype f = wx_ref_type(wx_heap_index(3), false);
        CHECK(wxm_valtype_sub(&m, s2, &m, NREF(WX_HEAP_STRUCT)));
        CHECK(wxm_valtype_sub(&m, s2, &m, NREF(WX_HEAP_EQ)));
        CHECK(wxm_valtype_sub(&m, s2, &m, NREF(WX_HEAP_ANY)));
        CHECK(!wxm_valtype_sub(&m, s2, &m, NREF(WX_HEAP_ARRAY)));
        CHECK(!wxm_valtype_sub(&m, s2, &m, WX_FUNCREF));
        CHECK(wxm_valtype_sub(&m, f, &m, WX_FUNCREF));
        CHECK(!wxm_valtype_sub(&m, f, &m, NREF(WX_HEAP_ANY)));
        CHECK(wxm_valtype_sub(&m, NREF(WX_HEAP_NONE), &m,
                              wx_ref_type(wx_heap_index(2), true)));
        CHECK(!wxm_valtype_sub(&m, NREF(WX_HEAP_NOFUNC), &m,
                               wx_ref_type(wx_heap_index(2), true)));
        CHECK(wxm_valtype_sub(&m, NREF(WX_HEAP_NOFUNC), &m,
                              wx_ref_type(wx_heap_index(3), true)));
        CHECK(wxm_ref_top(&m, s2) == (wx_valtype)WX_HEAP_ANY);
        CHECK(wxm_ref_top(&m, f) == WX_FUNCREF);
        CHECK(!wxm_is_funcref_family(&m, s2));
    }
    unload(&m);
    unload(&m2);
}

static void test_bad_supertypes(void)
{
    /* (type (struct)) is final: nothing may declare it as supertype. */
    static const uint8_t final_super[] = {2, 0x5F, 0, 0x50, 1, 0, 0x5F, 0};
    mbuf m = types_only(final_super, sizeof final_super);
    EXPECT_FAIL(m, WX_EINVALID, "sub type");

    /* A field of another type than the supertype's. */
    static const uint8_t field_type[] = {2, 0x50, 0, 0x5F, 1, 0x7F, 0,
                                         0x50, 1, 0, 0x5F, 1, 0x7E, 0};
    m = types_only(field_type, sizeof field_type);
    EXPECT_FAIL(m, WX_EINVALID, "sub type");

    /* A mutable field may not narrow (mut anyref to mut eqref)... */
    static const uint8_t mut_narrow[] = {2, 0x50, 0, 0x5F, 1, 0x6E, 1,
                                         0x50, 1, 0, 0x5F, 1, 0x6D, 1};
    m = types_only(mut_narrow, sizeof mut_narrow);
    EXPECT_FAIL(m, WX_EINVALID, "sub type");

    /* ...an immutable one may. */
    static const uint8_t imm_narrow[] = {2, 0x50, 0, 0x5F, 1, 0x6E, 0,
                                         0x50, 1, 0, 0x5F, 1, 0x6D, 0};
    m = types_only(imm_narrow, sizeof imm_narrow);
    EXPECT_OK(m);

    /* A function subtype: contravariant parameters. (func (param eqref))
     * below (func (param anyref)) is wrong, the reverse right. */
    static const uint8_t func_params[] = {2, 0x50, 0, 0x60, 1, 0x6E, 0,
                                          0x50, 1, 0, 0x60, 1, 0x6D, 0};
    m = types_only(func_params, sizeof func_params);
    EXPECT_FAIL(m, WX_EINVALID, "sub type");
    static const uint8_t func_params_ok[] = {2, 0x50, 0, 0x60, 1, 0x6D, 0,
                                             0x50, 1, 0, 0x60, 1, 0x6E, 0};
    m = types_only(func_params_ok, sizeof func_params_ok);
    EXPECT_OK(m);

    /* A struct below an array. */
    static const uint8_t kinds[] = {2, 0x50, 0, 0x5E, 0x7F, 0,
                                    0x50, 1, 0, 0x5F, 0};
    m = types_only(kinds, sizeof kinds);
    EXPECT_FAIL(m, WX_EINVALID, "sub type");

    /* A supertype later in its own rec group. */
    static const uint8_t forward[] = {1, 0x4E, 2, 0x50, 1, 1, 0x5F, 0,
                                      0x50, 0, 0x5F, 0};
    m = types_only(forward, sizeof forward);
    EXPECT_FAIL(m, WX_EINVALID, "type");

    /* A reference past the end of its group, to a later one. */
    static const uint8_t past_group[] = {2, 0x5F, 1, 0x63, 1, 0, 0x5F, 0};
    m = types_only(past_group, sizeof past_group);
    EXPECT_FAIL(m, WX_EINVALID, "unknown type");

    /* Within its group, a forward reference is fine. */
    static const uint8_t in_group[] = {1, 0x4E, 2, 0x5F, 1, 0x63, 1, 0,
                                       0x5F, 0};
    m = types_only(in_group, sizeof in_group);
    EXPECT_OK(m);

    /* A struct type where a function's type must be. */
    static const uint8_t code[] = {0x0B};
    static const uint8_t struct_only[] = {1, 0x5F, 0};
    m = with_func(struct_only, sizeof struct_only, 0, code, sizeof code);
    EXPECT_FAIL(m, WX_EINVALID, "unknown type");
}

/* Types: 0 (struct (field i32)), 1 (func (param (ref null 0))),
 * 2 (struct (field (mut i8))), 3 (func (param (ref null 2))). */
static const uint8_t types_access[] = {
    4,
    0x5F, 1, 0x7F, 0,
    0x60, 1, 0x63, 0, 0,
    0x5F, 1, 0x78, 1,
    0x60, 1, 0x63, 2, 0,
};

static void test_instructions(void)
{
    mbuf m;
    /* struct.get 0 0; drop */
    static const uint8_t get[] = {0x20, 0, 0xFB, 0x02, 0, 0, 0x1A, 0x0B};
    m = with_func(types_access, sizeof types_access, 1, get, sizeof get);
    EXPECT_OK(m);
    /* struct.set 0 0 of an immutable field */
    static const uint8_t set[] = {0x20, 0, 0x41, 1, 0xFB, 0x05, 0, 0, 0x0B};
    m = with_func(types_access, sizeof types_access, 1, set, sizeof set);
    EXPECT_FAIL(m, WX_EINVALID, "immutable field");
    /* struct.get_s of a field that is not packed */
    static const uint8_t get_s[] = {0x20, 0, 0xFB, 0x03, 0, 0, 0x1A, 0x0B};
    m = with_func(types_access, sizeof types_access, 1, get_s, sizeof get_s);
    EXPECT_FAIL(m, WX_EINVALID, "type mismatch");
    /* struct.get of a packed field needs _s or _u; get_u and set work */
    static const uint8_t get_p[] = {0x20, 0, 0xFB, 0x02, 2, 0, 0x1A, 0x0B};
    m = with_func(types_access, sizeof types_access, 3, get_p, sizeof get_p);
    EXPECT_FAIL(m, WX_EINVALID, "type mismatch");
    static const uint8_t get_u[] = {0x20, 0, 0xFB, 0x04, 2, 0, 0x20, 0,
                                    0x41, 7, 0xFB, 0x05, 2, 0, 0x1A, 0x0B};
    m = with_func(types_access, sizeof types_access, 3, get_u, sizeof get_u);
    EXPECT_OK(m);
    /* struct.get 2 0 of a reference to type 0 */
    static const uint8_t wrong[] = {0x20, 0, 0xFB, 0x04, 2, 0, 0x1A, 0x0B};
    m = with_func(types_access, sizeof types_access, 1, wrong, sizeof wrong);
    EXPECT_FAIL(m, WX_EINVALID, "type mismatch");
    /* ref.eq of two eqrefs made by ref.i31 */
    static const uint8_t eq[] = {0x41, 1, 0xFB, 0x1C, 0x41, 2, 0xFB, 0x1C,
                                 0xD3, 0x1A, 0x0B};
    m = with_func(types_access, sizeof types_access, 1, eq, sizeof eq);
    EXPECT_OK(m);
    /* ref.eq of a funcref */
    static const uint8_t eq_f[] = {0xD0, 0x70, 0xD0, 0x70, 0xD3, 0x1A, 0x0B};
    m = with_func(types_access, sizeof types_access, 1, eq_f, sizeof eq_f);
    EXPECT_FAIL(m, WX_EINVALID, "type mismatch");
    /* ref.cast (ref 0) of the struct parameter, then struct.get */
    static const uint8_t cast[] = {0x20, 0, 0xFB, 0x16, 0, 0xFB, 0x02,
                                   0,    0, 0x1A, 0x0B};
    m = with_func(types_access, sizeof types_access, 1, cast, sizeof cast);
    EXPECT_OK(m);
    /* ref.test of a func type against a struct parameter: other
     * hierarchy */
    static const uint8_t test_f[] = {0x20, 0, 0xFB, 0x14, 1, 0x1A, 0x0B};
    m = with_func(types_access, sizeof types_access, 1, test_f, sizeof test_f);
    EXPECT_FAIL(m, WX_EINVALID, "type mismatch");
}

/* (type (func (result anyref))): try_table (result anyref) with no
 * catch, around ref.null any. */
static void test_try_table_gc_result(void)
{
    static const uint8_t types[] = {1, 0x60, 0, 1, 0x6E};
    static const uint8_t code[] = {0x1F, 0x6E, 0, 0xD0, 0x6E, 0x0B, 0x0B};
    mbuf m = with_func(types, sizeof types, 0, code, sizeof code);
    EXPECT_OK(m);
}

/* (type $s (struct (field i32)))
 * (global (ref $s) (struct.new $s (i32.const 5))), and with an i64 */
static void test_const_exprs(void)
{
    static const uint8_t types[] = {1, 0x5F, 1, 0x7F, 0};
    static const uint8_t global[] = {1, 0x64, 0, 0, 0x41, 5, 0xFB, 0, 0,
                                     0x0B};
    static const uint8_t global_bad[] = {1, 0x64, 0, 0, 0x42, 5, 0xFB, 0, 0,
                                         0x0B};
    mbuf m = types_only(types, sizeof types);
    section(&m, 6, global, sizeof global);
    wx_module mod;
    wx_error err;
    CHECK_MSG(load_mod(&m, &mod, &err) == WX_OK, "%s", err.message);
    if (mod.nglobals == 1) {
        const wxm_const *c = &mod.globals[0].init;
        CHECK(c->kind == WXM_CONST_EXPR && c->nops == 2);
        CHECK(c->nops == 2 && c->ops[1].kind == WXM_CONST_STRUCT_NEW &&
              c->ops[1].index == 0);
    }
    unload(&mod);
    m = types_only(types, sizeof types);
    section(&m, 6, global_bad, sizeof global_bad);
    EXPECT_FAIL(m, WX_EINVALID, "type mismatch");
}

/* A type section of n struct types, type k > 0 with two fields naming
 * type k - 1 (type 0 has none): a chain as deep as the module allows
 * and, followed naively, 2^n paths. Equivalence across two copies must
 * neither recurse n deep nor walk the paths. */
static uint8_t *leb(uint8_t *p, uint32_t v)
{
    do {
        *p++ = (uint8_t)((v & 0x7F) | (v > 0x7F ? 0x80 : 0));
        v >>= 7;
    } while (v);
    return p;
}

/* A heap type index: a non-negative s33, whose last byte must have bit
 * 6 clear. */
static uint8_t *sleb(uint8_t *p, uint32_t v)
{
    for (;;) {
        uint8_t byte = v & 0x7F;
        v >>= 7;
        if (v == 0 && !(byte & 0x40)) {
            *p++ = byte;
            return p;
        }
        *p++ = byte | 0x80;
    }
}

static uint8_t *chain_module(uint32_t n, size_t *len)
{
    uint8_t *b = malloc((size_t)n * 16 + 32), *p = b + 8 + 6;
    memcpy(b, "\0asm\1\0\0\0", 8);
    p = leb(p, n);
    for (uint32_t k = 0; k < n; k++) {
        *p++ = 0x5F;
        *p++ = k ? 2 : 0;
        for (int f = 0; k && f < 2; f++) {
            *p++ = 0x63;
            p = sleb(p, k - 1);
            *p++ = 0;
        }
    }
    /* The section header: id 1 and a 5-byte size, padded LEB. */
    uint32_t size = (uint32_t)(p - (b + 14));
    b[8] = 1;
    for (int i = 0; i < 5; i++)
        b[9 + i] = (uint8_t)(((size >> (7 * i)) & 0x7F) | (i < 4 ? 0x80 : 0));
    *len = (size_t)(p - b);
    return b;
}

static void test_deep_chain_across_modules(void)
{
    enum { N = 200000 };
    size_t len;
    uint8_t *bytes = chain_module(N, &len);
    wx_module ma, mb;
    wx_error err;
    memset(&ma, 0, sizeof ma);
    memset(&mb, 0, sizeof mb);
    wx_module *ms[2] = {&ma, &mb};
    for (int i = 0; i < 2; i++) {
        wxm_arena_init(&ms[i]->arena);
        ms[i]->bytes = malloc(len);
        memcpy(ms[i]->bytes, bytes, len);
        ms[i]->len = len;
        wx_error_clear(&err);
        wx_status s = wxm_decode(ms[i], &err);
        if (s == WX_OK)
            s = wxm_validate(ms[i], &err);
        CHECK_MSG(s == WX_OK, "chain: %s", err.message);
    }
    free(bytes);
    if (ma.ntypes == N && mb.ntypes == N) {
        CHECK(wxm_type_equiv(&ma, N - 1, &mb, N - 1));
        CHECK(!wxm_type_equiv(&ma, N - 1, &mb, N - 2));
        wx_valtype t = wx_ref_type(wx_heap_index(N - 1), true);
        CHECK(wxm_valtype_sub(&ma, t, &mb, t));
    }
    unload(&ma);
    unload(&mb);
}

/* A chain of declared supertypes `depth` long: (sub (struct)), then
 * each type (sub k-1 (struct)). */
static wx_status load_sub_chain(uint32_t depth, wx_error *err)
{
    uint8_t b[1024], *p = b + 14;
    memcpy(b, "\0asm\1\0\0\0", 8);
    p = leb(p, depth + 1);
    for (uint32_t k = 0; k <= depth; k++) {
        *p++ = 0x50;
        *p++ = k ? 1 : 0;
        if (k)
            p = leb(p, k - 1);
        *p++ = 0x5F;
        *p++ = 0;
    }
    uint32_t size = (uint32_t)(p - (b + 14));
    b[8] = 1;
    for (int i = 0; i < 5; i++)
        b[9 + i] = (uint8_t)(((size >> (7 * i)) & 0x7F) | (i < 4 ? 0x80 : 0));
    mbuf m;
    m.n = (size_t)(p - b);
    memcpy(m.b, b, m.n);
    wx_module mod;
    wx_status s = load_mod(&m, &mod, err);
    unload(&mod);
    return s;
}

static void test_subtype_depth_limit(void)
{
    wx_error err;
    CHECK_MSG(load_sub_chain(WXM_MAX_SUBTYPE_DEPTH, &err) == WX_OK, "%s",
              err.message);
    CHECK(load_sub_chain(WXM_MAX_SUBTYPE_DEPTH + 1, &err) == WX_ELIMIT);
    CHECK_MSG(strstr(err.message, "subtyping depth") != NULL, "%s",
              err.message);
}

int main(void)
{
    test_rec_groups();
    test_equivalence_across_modules();
    test_subtyping();
    test_bad_supertypes();
    test_instructions();
    test_try_table_gc_result();
    test_const_exprs();
    test_deep_chain_across_modules();
    test_subtype_depth_limit();
    return CHECK_DONE();
}
