/*
 * White-box tests of the binary decoder (decode.c, names.c) on hand-made
 * modules: the structures it fills, its malformed/invalid split, and that
 * hostile counts cannot make it allocate much.
 */
#include "check.h"
#include "module.h"

#include <stdlib.h>
#include <string.h>

/* ------------------------------------------------------------ builder */

typedef struct buf {
    uint8_t b[4096];
    size_t n;
} buf;

static void put(buf *b, const void *p, size_t n)
{
    memcpy(b->b + b->n, p, n);
    b->n += n;
}

#define PUT(b, ...)                                                           \
    do {                                                                      \
        static const uint8_t bytes_[] = {__VA_ARGS__};                        \
        put(b, bytes_, sizeof bytes_);                                        \
    } while (0)

static void put_uleb(buf *b, uint64_t v)
{
    do {
        uint8_t c = v & 0x7F;
        v >>= 7;
        b->b[b->n++] = c | (v ? 0x80 : 0);
    } while (v);
}

static void put_header(buf *b)
{
    PUT(b, 0x00, 'a', 's', 'm', 0x01, 0x00, 0x00, 0x00);
}

/* A section with the right size in front of its content. */
static void put_section(buf *b, uint8_t id, const buf *content)
{
    b->b[b->n++] = id;
    put_uleb(b, content->n);
    put(b, content->b, content->n);
}

static void put_name(buf *b, const char *s)
{
    put_uleb(b, strlen(s));
    put(b, s, strlen(s));
}

/* ------------------------------------------------------------- harness */

typedef struct decoded {
    wx_module m;
    wx_error err;
    wx_status s;
} decoded;

/* Decodes by the 2.0 rules (WX_LOAD_WASM2) when `wasm2`. */
static decoded *decode_by(const uint8_t *bytes, size_t n, bool wasm2)
{
    decoded *d = calloc(1, sizeof *d);
    wxm_arena_init(&d->m.arena);
    d->m.bytes = malloc(n ? n : 1);
    if (n)
        memcpy(d->m.bytes, bytes, n);
    d->m.len = n;
    d->m.wasm2 = wasm2;
    wx_error_clear(&d->err);
    d->s = wxm_decode(&d->m, &d->err);
    return d;
}

static decoded *decode(const uint8_t *bytes, size_t n)
{
    return decode_by(bytes, n, false);
}

static void release(decoded *d)
{
    wxm_arena_free(&d->m.arena);
    free(d->m.bytes);
    free(d);
}

/* Decodes and returns only the status (also exercises err == NULL). */
static wx_status status_of(const buf *b)
{
    wx_module m;
    memset(&m, 0, sizeof m);
    wxm_arena_init(&m.arena);
    m.bytes = malloc(b->n ? b->n : 1);
    memcpy(m.bytes, b->b, b->n);
    m.len = b->n;
    wx_status s = wxm_decode(&m, NULL);
    wxm_arena_free(&m.arena);
    free(m.bytes);
    return s;
}

static bool message_has(const decoded *d, const char *text)
{
    return strstr(d->err.message, text) != NULL;
}

/* --------------------------------------------------------------- tests */

static void test_minimal(void)
{
    buf b = {0};
    put_header(&b);
    decoded *d = decode(b.b, b.n);
    CHECK(d->s == WX_OK);
    CHECK(d->m.ntypes == 0 && d->m.nfuncs == 0 && d->m.nexports == 0);
    CHECK(!d->m.has_start && !d->m.has_datacount);
    release(d);
}

static void test_header(void)
{
    static const uint8_t magic[] = {0x00, 'a', 's', 'n', 1, 0, 0, 0};
    static const uint8_t version[] = {0x00, 'a', 's', 'm', 2, 0, 0, 0};
    static const uint8_t shorter[] = {0x00, 'a', 's', 'm', 1, 0};
    decoded *d = decode(magic, sizeof magic);
    CHECK(d->s == WX_EMALFORMED && message_has(d, "magic header"));
    release(d);
    d = decode(version, sizeof version);
    CHECK(d->s == WX_EMALFORMED && message_has(d, "unknown binary version"));
    release(d);
    d = decode(shorter, sizeof shorter);
    CHECK(d->s == WX_EMALFORMED && message_has(d, "unexpected end"));
    release(d);
    d = decode(NULL, 0);
    CHECK(d->s == WX_EMALFORMED);
    release(d);
}

/* A module using every section, with imports in every index space. */
static void build_full(buf *b)
{
    buf s;
    put_header(b);

    s = (buf){0}; /* types: (i32 i32)->i32, ()->(), (i32 i32)->i32 again */
    PUT(&s, 3, 0x60, 2, 0x7F, 0x7F, 1, 0x7F, 0x60, 0, 0, 0x60, 2, 0x7F, 0x7F,
        1, 0x7F);
    put_section(b, 1, &s);

    s = (buf){0}; /* imports: func, table, memory, global */
    put_uleb(&s, 4);
    put_name(&s, "env");
    put_name(&s, "f");
    PUT(&s, 0x00, 0x01);
    put_name(&s, "env");
    put_name(&s, "t");
    PUT(&s, 0x01, 0x70, 0x01, 1, 10);
    put_name(&s, "env");
    put_name(&s, "m");
    PUT(&s, 0x02, 0x00, 1);
    put_name(&s, "env");
    put_name(&s, "g");
    PUT(&s, 0x03, 0x7F, 0x00);
    put_section(b, 2, &s);

    s = (buf){0}; /* functions: two of type 0 and 2 */
    PUT(&s, 2, 0, 2);
    put_section(b, 3, &s);

    s = (buf){0}; /* one more table: externref, min 2 */
    PUT(&s, 1, 0x6F, 0x00, 2);
    put_section(b, 4, &s);

    s = (buf){0}; /* globals: mut i64 = 7, funcref = ref.func 1 */
    PUT(&s, 2, 0x7E, 0x01, 0x42, 7, 0x0B, 0x70, 0x00, 0xD2, 1, 0x0B);
    put_section(b, 6, &s);

    s = (buf){0}; /* exports: "add" -> func 2, "mem" -> memory 0 */
    put_uleb(&s, 2);
    put_name(&s, "add");
    PUT(&s, 0x00, 2);
    put_name(&s, "mem");
    PUT(&s, 0x02, 0);
    put_section(b, 7, &s);

    s = (buf){0}; /* start: func 1 */
    PUT(&s, 1);
    put_section(b, 8, &s);

    s = (buf){0}; /* elements: encodings 0 and 5 */
    PUT(&s, 2, 0x00, 0x41, 0, 0x0B, 2, 1, 2, /* active, funcs 1 2 */
        0x05, 0x70, 2, 0xD0, 0x70, 0x0B, 0xD2, 1, 0x0B); /* passive */
    put_section(b, 9, &s);

    s = (buf){0}; /* data count: 2 */
    PUT(&s, 2);
    put_section(b, 12, &s);

    s = (buf){0}; /* code */
    PUT(&s, 2,
        4, 1, 3, 0x7E, 0x0B,                      /* 3 i64; end */
        8, 2, 1, 0x7F, 2, 0x7C, 0x20, 0, 0x0B);   /* i32 f64 f64; ... */
    put_section(b, 10, &s);

    s = (buf){0}; /* data: active "hi" at 8, passive "x" */
    PUT(&s, 2, 0x00, 0x41, 8, 0x0B, 2, 'h', 'i', 0x01, 1, 'x');
    put_section(b, 11, &s);

    s = (buf){0}; /* custom "name": function names 1 -> "one", 2 -> "add" */
    buf sub = {0};
    put_uleb(&sub, 2);
    put_uleb(&sub, 1);
    put_name(&sub, "one");
    put_uleb(&sub, 2);
    put_name(&sub, "add");
    put_name(&s, "name");
    PUT(&s, 0x00, 2, 1, 'm'); /* module name subsection, skipped */
    s.b[s.n++] = 1;
    put_uleb(&s, sub.n);
    put(&s, sub.b, sub.n);
    put_section(b, 0, &s);
}

static void test_full(void)
{
    buf b = {0};
    build_full(&b);
    decoded *d = decode(b.b, b.n);
    wx_module *m = &d->m;
    CHECK_MSG(d->s == WX_OK, "%s", d->err.message);
    if (d->s != WX_OK) {
        release(d);
        return;
    }
    CHECK(m->ntypes == 3);
    CHECK(m->types[0].canon == 0 && m->types[1].canon == 1 &&
          m->types[2].canon == 0);
    CHECK(m->types[0].nparams == 2 && m->types[0].results[0] == WX_I32);

    CHECK(m->nimports == 4);
    CHECK(!strcmp(m->imports[0].module, "env") &&
          !strcmp(m->imports[3].name, "g"));
    CHECK(m->imports[1].kind == WX_EXTERN_TABLE && m->imports[1].index == 0);

    CHECK(m->nfuncs == 3 && m->nfunc_imports == 1);
    CHECK(m->funcs[0].imported && m->funcs[0].type == 1);
    CHECK(!m->funcs[1].imported && m->funcs[1].type == 0);
    CHECK(m->funcs[2].type == 2);

    CHECK(m->ntables == 2 && m->ntable_imports == 1);
    CHECK(m->tables[0].elem == WX_FUNCREF && m->tables[0].limits.has_max &&
          m->tables[0].limits.max == 10);
    CHECK(m->tables[1].elem == WX_EXTERNREF && m->tables[1].limits.min == 2 &&
          !m->tables[1].limits.has_max);
    CHECK(m->nmemories == 1 && m->nmemory_imports == 1);
    CHECK(m->nglobals == 3 && m->nglobal_imports == 1);
    CHECK(m->globals[0].imported && m->globals[0].type == WX_I32);
    CHECK(m->globals[1].mutable_ && m->globals[1].init.kind == WXM_CONST_I64 &&
          m->globals[1].init.bits == 7);
    CHECK(m->globals[2].init.kind == WXM_CONST_REF_FUNC &&
          m->globals[2].init.index == 1);

    CHECK(m->nexports == 2 && !strcmp(m->exports[0].name, "add"));
    CHECK(m->has_start && m->start == 1);

    CHECK(m->nelems == 2);
    CHECK(m->elems[0].mode == WXM_SEG_ACTIVE && m->elems[0].count == 2 &&
          m->elems[0].items[1].index == 2 &&
          m->elems[0].offset.kind == WXM_CONST_I32);
    CHECK(m->elems[1].mode == WXM_SEG_PASSIVE && m->elems[1].count == 2 &&
          m->elems[1].items[0].kind == WXM_CONST_REF_NULL &&
          m->elems[1].items[1].kind == WXM_CONST_REF_FUNC);

    CHECK(m->has_datacount && m->datacount == 2 && m->ndatas == 2);
    CHECK(m->datas[0].mode == WXM_SEG_ACTIVE && m->datas[0].len == 2 &&
          !memcmp(m->datas[0].bytes, "hi", 2) &&
          m->datas[0].offset.bits == 8);
    CHECK(m->datas[1].mode == WXM_SEG_PASSIVE && m->datas[1].bytes[0] == 'x');

    CHECK(m->funcs[1].nlocals == 3 && m->funcs[1].locals[2] == WX_I64);
    CHECK(m->funcs[2].nlocals == 3 && m->funcs[2].locals[0] == WX_I32 &&
          m->funcs[2].locals[2] == WX_F64);
    CHECK(m->bytes[m->funcs[1].body_offset] == 0x0B);
    CHECK(m->funcs[1].body_end == m->funcs[1].body_offset + 1);
    CHECK(m->bytes[m->funcs[2].body_end - 1] == 0x0B);
    CHECK(m->bytes[m->funcs[2].code_offset] == 8);

    CHECK(m->ncustoms == 1 && !strcmp(m->customs[0].name, "name"));
    CHECK(m->func_names[0] == NULL);
    CHECK(m->func_names[1] && !strcmp(m->func_names[1], "one"));
    CHECK(m->func_names[2] && !strcmp(m->func_names[2], "add"));

    /* Exported 2, in elements 1 and 2, in a global 1; never 0. */
    CHECK(!m->func_declared[0] && m->func_declared[1] &&
          m->func_declared[2]);
    release(d);
}

/* Every prefix of a good module is a truncation: it either ends exactly
 * between sections or must be malformed, never crash. */
static void test_truncations(void)
{
    buf b = {0};
    build_full(&b);
    int malformed = 0;
    for (size_t n = 0; n < b.n; n++) {
        buf p = {0};
        put(&p, b.b, n);
        wx_status s = status_of(&p);
        CHECK_MSG(s == WX_OK || s == WX_EMALFORMED, "prefix %zu: %s", n,
                  wx_status_name(s));
        malformed += s == WX_EMALFORMED;
    }
    CHECK(malformed > (int)b.n - 16);

    /* A section whose size runs past the end of the module. */
    buf t = {0};
    put_header(&t);
    PUT(&t, 0x01, 0x07, 0x01, 0x60, 0x00, 0x00);
    decoded *d = decode(t.b, t.n);
    CHECK(d->s == WX_EMALFORMED && message_has(d, "length out of bounds") &&
          message_has(d, "section 1 (type)") && d->err.offset == 9);
    release(d);
}

/* Huge declared counts in a few bytes must fail before allocating. */
static void test_huge_counts(void)
{
    static const uint8_t ids[] = {1, 2, 3, 4, 5, 6, 7, 9, 10, 11};
    for (size_t i = 0; i < sizeof ids; i++) {
        buf b = {0};
        put_header(&b);
        b.b[b.n++] = ids[i];
        PUT(&b, 5, 0xFF, 0xFF, 0xFF, 0xFF, 0x0F);
        decoded *d = decode(b.b, b.n);
        CHECK_MSG(d->s == WX_EMALFORMED, "section %u", ids[i]);
        CHECK_MSG(d->m.arena.total < 65536, "section %u: %zu bytes",
                  ids[i], d->m.arena.total);
        release(d);
    }

    /* A function type with 2^32-1 parameters, and a name that long. */
    buf b = {0};
    put_header(&b);
    PUT(&b, 1, 8, 1, 0x60, 0xFF, 0xFF, 0xFF, 0xFF, 0x0F, 0x00);
    decoded *d = decode(b.b, b.n);
    CHECK(d->s == WX_EMALFORMED && d->m.arena.total < 65536);
    release(d);
    b = (buf){0};
    put_header(&b);
    PUT(&b, 0, 6, 0xFF, 0xFF, 0xFF, 0xFF, 0x0F, 'a');
    d = decode(b.b, b.n);
    CHECK(d->s == WX_EMALFORMED && d->m.arena.total < 65536);
    release(d);
}

static void put_code_module(buf *b, const uint8_t *locals, size_t n)
{
    buf s = {0};
    put_header(b);
    PUT(b, 1, 4, 1, 0x60, 0, 0);
    PUT(b, 3, 2, 1, 0);
    PUT(&s, 1);
    put_uleb(&s, n + 1);
    put(&s, locals, n);
    s.b[s.n++] = 0x0B;
    put_section(b, 10, &s);
}

static void test_locals(void)
{
    /* 50000 locals in 6 bytes are fine... */
    static const uint8_t ok[] = {1, 0xD0, 0x86, 0x03, 0x7F};
    /* ...50001 are too many, and 2^32-1 + 2 overflow 32 bits. */
    static const uint8_t many[] = {2, 0xD0, 0x86, 0x03, 0x7F, 1, 0x7E};
    static const uint8_t overflow[] = {2, 0xFF, 0xFF, 0xFF, 0xFF, 0x0F,
                                       0x7F, 2, 0x7E};
    buf b = {0};
    put_code_module(&b, ok, sizeof ok);
    decoded *d = decode(b.b, b.n);
    CHECK(d->s == WX_OK && d->m.funcs[0].nlocals == 50000);
    release(d);

    b = (buf){0};
    put_code_module(&b, many, sizeof many);
    d = decode(b.b, b.n);
    CHECK(d->s == WX_EMALFORMED && message_has(d, "too many locals"));
    release(d);

    b = (buf){0};
    put_code_module(&b, overflow, sizeof overflow);
    d = decode(b.b, b.n);
    CHECK(d->s == WX_EMALFORMED && message_has(d, "too many locals") &&
          message_has(d, "section 10 (code), function 0"));
    CHECK(d->m.arena.total < 65536);
    release(d);
}

/* Many functions of 50000 locals each: within the per-function limit but
 * over the module's budget, which keeps the expanded arrays bounded. */
static void test_locals_budget(void)
{
    buf b = {0}, s = {0};
    put_header(&b);
    PUT(&b, 1, 4, 1, 0x60, 0, 0);
    PUT(&s, 40);
    for (int i = 0; i < 40; i++)
        s.b[s.n++] = 0;
    put_section(&b, 3, &s);
    s = (buf){0};
    PUT(&s, 40);
    for (int i = 0; i < 40; i++)
        PUT(&s, 6, 1, 0xD0, 0x86, 0x03, 0x7F, 0x0B);
    put_section(&b, 10, &s);
    decoded *d = decode(b.b, b.n);
    CHECK(d->s == WX_ELIMIT && message_has(d, "too many locals"));
    CHECK(d->m.arena.total < 8u * 1024 * 1024);
    release(d);
}

static wx_status export_named(const uint8_t *name, size_t len)
{
    buf b = {0}, s = {0};
    put_header(&b);
    PUT(&b, 1, 4, 1, 0x60, 0, 0);
    PUT(&b, 3, 2, 1, 0);
    put_uleb(&s, 1);
    put_uleb(&s, len);
    put(&s, name, len);
    PUT(&s, 0x00, 0);
    put_section(&b, 7, &s);
    PUT(&b, 10, 4, 1, 2, 0, 0x0B);
    decoded *d = decode(b.b, b.n);
    wx_status st = d->s;
    if (st == WX_EMALFORMED)
        CHECK(message_has(d, "malformed UTF-8 encoding") &&
              message_has(d, "section 7 (export)"));
    release(d);
    return st;
}

static void test_utf8(void)
{
#define NAME(...)                                                             \
    (const uint8_t[]){__VA_ARGS__}, sizeof((const uint8_t[]){__VA_ARGS__})
    CHECK(export_named(NAME('o', 'k')) == WX_OK);
    CHECK(export_named(NAME(0xC3, 0xA9)) == WX_OK);             /* é */
    CHECK(export_named(NAME(0xEF, 0xBF, 0xBF)) == WX_OK);       /* U+FFFF */
    CHECK(export_named(NAME(0xF4, 0x8F, 0xBF, 0xBF)) == WX_OK); /* max */
    CHECK(export_named(NAME(0xC0, 0x80)) == WX_EMALFORMED);     /* overlong */
    CHECK(export_named(NAME(0xE0, 0x80, 0xAF)) == WX_EMALFORMED);
    CHECK(export_named(NAME(0xF0, 0x80, 0x80, 0x80)) == WX_EMALFORMED);
    CHECK(export_named(NAME(0xED, 0xA0, 0x80)) == WX_EMALFORMED); /* D800 */
    CHECK(export_named(NAME(0xF4, 0x90, 0x80, 0x80)) == WX_EMALFORMED);
    CHECK(export_named(NAME(0x80)) == WX_EMALFORMED);
    CHECK(export_named(NAME(0xC3)) == WX_EMALFORMED);             /* short */
    CHECK(export_named(NAME(0xE2, 0x28, 0xA1)) == WX_EMALFORMED);
    CHECK(export_named(NAME(0xF8, 0x88, 0x80, 0x80, 0x80)) == WX_EMALFORMED);
    CHECK(export_named(NAME(0xFF)) == WX_EMALFORMED);
#undef NAME
}

/* A broken name section never fails the module. */
static void test_bad_name_section(void)
{
    buf b = {0}, s = {0};
    put_header(&b);
    PUT(&b, 1, 4, 1, 0x60, 0, 0);
    PUT(&b, 3, 3, 2, 0, 0);
    PUT(&b, 10, 7, 2, 2, 0, 0x0B, 2, 0, 0x0B);
    put_name(&s, "name");
    /* Function names: 3 entries claimed; "a" for 0, a bad UTF-8 name for 1,
     * then a name whose length runs off the end. */
    PUT(&s, 1, 9, 3, 0, 1, 'a', 1, 1, 0xFF, 1, 40);
    put_section(&b, 0, &s);
    decoded *d = decode(b.b, b.n);
    CHECK_MSG(d->s == WX_OK, "%s", d->err.message);
    if (d->s == WX_OK) {
        CHECK(d->m.func_names[0] && !strcmp(d->m.func_names[0], "a"));
        CHECK(d->m.func_names[1] == NULL);
    }
    release(d);
}

static void put_global_module(buf *b, const uint8_t *init, size_t n)
{
    buf s = {0};
    put_header(b);
    PUT(&s, 1, 0x7F, 0x00);
    put(&s, init, n);
    put_section(b, 6, &s);
}

static void test_const_exprs(void)
{
    static const uint8_t add[] = {0x41, 1, 0x41, 2, 0x6A, 0x0B};
    static const uint8_t empty[] = {0x0B};
    static const uint8_t two[] = {0x41, 1, 0x41, 2, 0x0B};
    static const uint8_t illegal[] = {0x41, 1, 0xF3, 0x0B};
    static const uint8_t nested[] = {0x02, 0x40, 0x41, 1, 0x0B, 0x0B};
    buf b = {0};
    /* i32.add is constant in 3.0 (extended constant expressions), and the
     * expression goes to the arena; not in 2.0. */
    put_global_module(&b, add, sizeof add);
    decoded *d = decode(b.b, b.n);
    CHECK(d->s == WX_OK && d->m.globals[0].init.kind == WXM_CONST_EXPR &&
          d->m.globals[0].init.nops == 3);
    release(d);
    d = decode_by(b.b, b.n, true);
    CHECK(d->s == WX_EINVALID &&
          message_has(d, "constant expression required"));
    release(d);

    b = (buf){0};
    put_global_module(&b, empty, sizeof empty);
    d = decode(b.b, b.n);
    CHECK(d->s == WX_EINVALID && message_has(d, "type mismatch"));
    release(d);

    b = (buf){0};
    put_global_module(&b, two, sizeof two);
    CHECK(status_of(&b) == WX_EINVALID);

    b = (buf){0};
    put_global_module(&b, illegal, sizeof illegal);
    d = decode(b.b, b.n);
    CHECK(d->s == WX_EMALFORMED && message_has(d, "illegal opcode"));
    release(d);

    b = (buf){0};
    put_global_module(&b, nested, sizeof nested);
    CHECK(status_of(&b) == WX_EINVALID);

    /* A later malformed section wins over an earlier invalid expression. */
    b = (buf){0};
    put_global_module(&b, add, sizeof add);
    PUT(&b, 0x0E, 0x00); /* 13 is the tag section since 3.0 */
    d = decode(b.b, b.n);
    CHECK(d->s == WX_EMALFORMED && message_has(d, "malformed section id"));
    release(d);
}

static void test_section_rules(void)
{
    buf b = {0};
    put_header(&b); /* function section without code */
    PUT(&b, 1, 4, 1, 0x60, 0, 0);
    PUT(&b, 3, 2, 1, 0);
    decoded *d = decode(b.b, b.n);
    CHECK(d->s == WX_EMALFORMED &&
          message_has(d, "function and code section have inconsistent"));
    release(d);

    b = (buf){0}; /* data count 1 without a data section */
    put_header(&b);
    PUT(&b, 12, 1, 1);
    d = decode(b.b, b.n);
    CHECK(d->s == WX_EMALFORMED &&
          message_has(d, "data count and data section have inconsistent"));
    release(d);

    b = (buf){0}; /* data count after the code section */
    put_header(&b);
    PUT(&b, 10, 1, 0, 12, 1, 0);
    CHECK(status_of(&b) == WX_EMALFORMED);

    b = (buf){0}; /* two type sections */
    put_header(&b);
    PUT(&b, 1, 1, 0, 1, 1, 0);
    d = decode(b.b, b.n);
    CHECK(d->s == WX_EMALFORMED &&
          message_has(d, "unexpected content after last section"));
    release(d);

    b = (buf){0}; /* custom sections anywhere */
    put_header(&b);
    PUT(&b, 0, 2, 1, 'a', 1, 1, 0, 0, 1, 0, 12, 1, 0, 0, 1, 0);
    CHECK(status_of(&b) == WX_OK);

    b = (buf){0}; /* section content shorter than its size says */
    put_header(&b);
    PUT(&b, 8, 2, 0, 0);
    d = decode(b.b, b.n);
    CHECK(d->s == WX_EMALFORMED && message_has(d, "section size mismatch"));
    release(d);

    b = (buf){0}; /* bad kinds and types */
    put_header(&b);
    PUT(&b, 4, 4, 1, 0x7F, 0, 0);
    CHECK(status_of(&b) == WX_EMALFORMED);
    b = (buf){0};
    put_header(&b);
    PUT(&b, 5, 3, 1, 2, 0);
    CHECK(status_of(&b) == WX_EMALFORMED);
    b = (buf){0};
    put_header(&b);
    PUT(&b, 6, 6, 1, 0x7F, 2, 0x41, 0, 0x0B);
    CHECK(status_of(&b) == WX_EMALFORMED);
    b = (buf){0};
    put_header(&b);
    PUT(&b, 11, 4, 1, 3, 0, 0);
    CHECK(status_of(&b) == WX_EMALFORMED);
    b = (buf){0};
    put_header(&b);
    PUT(&b, 9, 4, 1, 8, 0, 0);
    CHECK(status_of(&b) == WX_EMALFORMED);
}

int main(void)
{
    test_minimal();
    test_header();
    test_full();
    test_truncations();
    test_huge_counts();
    test_locals();
    test_locals_budget();
    test_utf8();
    test_bad_name_section();
    test_const_exprs();
    test_section_rules();
    return CHECK_DONE();
}
