/*
 * White-box tests of the validator (validate.c) on hand-made modules: one
 * instruction sequence at a time inside a fixed module (memory, two tables,
 * globals, element and data segments, a name section), then module-level
 * rules, the malformed/invalid split and its precedence, messages, and deep
 * nesting that makes the scratch stacks grow.
 */
#include "check.h"
#include "module.h"

#include <stdlib.h>
#include <string.h>

/* ------------------------------------------------------------ builder */

typedef struct buf {
    uint8_t *b;
    size_t n, cap;
} buf;

static void put(buf *b, const void *p, size_t n)
{
    if (b->n + n > b->cap) {
        b->cap = (b->n + n) * 2;
        b->b = realloc(b->b, b->cap);
    }
    memcpy(b->b + b->n, p, n);
    b->n += n;
}

static void put_byte(buf *b, uint8_t x) { put(b, &x, 1); }

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
        put_byte(b, c | (v ? 0x80 : 0));
    } while (v);
}

/* A section with the right size in front of its content; frees it. */
static void put_section(buf *b, uint8_t id, buf *content)
{
    put_byte(b, id);
    put_uleb(b, content->n);
    put(b, content->b, content->n);
    free(content->b);
    memset(content, 0, sizeof *content);
}

static void put_name(buf *b, const char *s)
{
    put_uleb(b, strlen(s));
    put(b, s, strlen(s));
}

static uint8_t type_letter(char c)
{
    switch (c) {
    case 'i': return WX_I32;
    case 'I': return WX_I64;
    case 'f': return WX_F32;
    case 'F': return WX_F64;
    case 'r': return WX_FUNCREF;
    case 'e': return WX_EXTERNREF;
    }
    return 0;
}

static void put_types(buf *b, const char *letters)
{
    put_uleb(b, strlen(letters));
    for (const char *p = letters; *p; p++)
        put_byte(b, type_letter(*p));
}

/* Flags that take parts out of the standard module. */
enum {
    NO_MEMORY = 1,    /* no memory (and no data segment) */
    NO_DATACOUNT = 2, /* data segment without the data count section */
};

/*
 * The standard module around the code under test:
 *   types:   0 = (params) -> (results), 1 = [] -> [],
 *            2 = [i32 i64] -> [i64]
 *   funcs:   0 = the test function "probe" (type 0), exported as "f";
 *            1 = [] -> [], in element segment 0 (so declared);
 *            2 = [] -> [] with body `code2` (default: just `end`),
 *                referenced nowhere.
 *   tables:  0 = funcref (min 4), 1 = externref (min 4)
 *   memory:  0, one page
 *   globals: 0 = mut i32, 1 = immutable i64
 *   elems:   0 = active funcref [func 1] at table 0 offset 0,
 *            1 = passive externref [ref.null extern]
 *   data:    0 = passive "x"
 */
static buf build(const char *params, const char *results, const char *locals,
                 unsigned flags, const uint8_t *code, size_t n,
                 const uint8_t *code2, size_t n2)
{
    buf m = {0}, s = {0}, body = {0};
    PUT(&m, 0x00, 'a', 's', 'm', 0x01, 0x00, 0x00, 0x00);

    put_uleb(&s, 3);
    put_byte(&s, 0x60);
    put_types(&s, params);
    put_types(&s, results);
    PUT(&s, 0x60, 0x00, 0x00);
    PUT(&s, 0x60, 0x02, WX_I32, WX_I64, 0x01, WX_I64);
    put_section(&m, 1, &s);

    PUT(&s, 0x03, 0x00, 0x01, 0x01);
    put_section(&m, 3, &s);

    PUT(&s, 0x02, WX_FUNCREF, 0x00, 0x04, WX_EXTERNREF, 0x00, 0x04);
    put_section(&m, 4, &s);

    if (!(flags & NO_MEMORY)) {
        PUT(&s, 0x01, 0x00, 0x01);
        put_section(&m, 5, &s);
    }

    PUT(&s, 0x02, WX_I32, 0x01, 0x41, 0x00, 0x0b, WX_I64, 0x00, 0x42, 0x00,
        0x0b);
    put_section(&m, 6, &s);

    PUT(&s, 0x01, 0x01, 'f', 0x00, 0x00);
    put_section(&m, 7, &s);

    PUT(&s, 0x02,
        0x00, 0x41, 0x00, 0x0b, 0x01, 0x01,                /* elem 0 */
        0x05, WX_EXTERNREF, 0x01, 0xd0, WX_EXTERNREF, 0x0b /* elem 1 */);
    put_section(&m, 9, &s);

    if (!(flags & (NO_MEMORY | NO_DATACOUNT))) {
        PUT(&s, 0x01);
        put_section(&m, 12, &s);
    }

    /* Code: the test body with its locals, one run-length entry each. */
    put_uleb(&body, strlen(locals));
    for (const char *p = locals; *p; p++) {
        put_byte(&body, 0x01);
        put_byte(&body, type_letter(*p));
    }
    put(&body, code, n);
    put_uleb(&s, 3);
    put_uleb(&s, body.n);
    put(&s, body.b, body.n);
    free(body.b);
    PUT(&s, 0x02, 0x00, 0x0b);
    if (code2) {
        put_uleb(&s, n2 + 1);
        put_byte(&s, 0x00);
        put(&s, code2, n2);
    } else {
        PUT(&s, 0x02, 0x00, 0x0b);
    }
    put_section(&m, 10, &s);

    if (!(flags & NO_MEMORY)) {
        PUT(&s, 0x01, 0x01, 0x01, 'x');
        put_section(&m, 11, &s);
    }

    /* Name section: function 0 is "probe". */
    buf sub = {0};
    put_name(&s, "name");
    PUT(&sub, 0x01, 0x00);
    put_name(&sub, "probe");
    put_byte(&s, 0x01);
    put_uleb(&s, sub.n);
    put(&s, sub.b, sub.n);
    free(sub.b);
    put_section(&m, 0, &s);
    return m;
}

/* ------------------------------------------------------------- harness */

/* Decodes and validates; a decoder failure is reported as such (the
 * tests below are meant to reach the validator). */
/* Load by the 2.0 rules (WX_LOAD_WASM2) instead of 3.0's. */
static bool rules_wasm2;

static wx_status load(const uint8_t *bytes, size_t n, wx_error *err,
                      bool *decoded)
{
    wx_module m;
    memset(&m, 0, sizeof m);
    m.wasm2 = rules_wasm2;
    wxm_arena_init(&m.arena);
    m.bytes = malloc(n ? n : 1);
    memcpy(m.bytes, bytes, n);
    m.len = n;
    wx_error_clear(err);
    wx_status s = wxm_decode(&m, err);
    *decoded = s == WX_OK;
    if (s == WX_OK)
        s = wxm_validate(&m, err);
    wxm_arena_free(&m.arena);
    free(m.bytes);
    return s;
}

static wx_status run_body(const char *params, const char *results,
                          const char *locals, unsigned flags,
                          const uint8_t *code, size_t n, wx_error *err)
{
    bool decoded;
    buf m = build(params, results, locals, flags, code, n, NULL, 0);
    wx_status s = load(m.b, m.n, err, &decoded);
    free(m.b);
    if (!decoded)
        fprintf(stderr, "  (decoder refused the module: %s)\n", err->message);
    return s;
}

/* EXPECT(status, "message part" or NULL, params, results, locals, flags,
 *        code bytes...) */
#define EXPECT(want, part, params, results, locals, flags, ...)               \
    do {                                                                      \
        static const uint8_t code_[] = {__VA_ARGS__};                         \
        wx_error e_;                                                          \
        wx_status s_ = run_body(params, results, locals, flags, code_,        \
                                sizeof code_, &e_);                           \
        CHECK_MSG(s_ == (want), "line %d: want %s, got %s: %s", __LINE__,     \
                  wx_status_name(want), wx_status_name(s_),                   \
                  s_ ? e_.message : "");                                      \
        if (s_ == (want) && (part))                                           \
            CHECK_MSG(strstr(e_.message, (part) ? (part) : "") != NULL,       \
                      "line %d: message \"%s\" lacks \"%s\"", __LINE__,       \
                      e_.message, (part) ? (part) : "");                      \
    } while (0)

#define VALID(params, results, locals, ...)                                   \
    EXPECT(WX_OK, NULL, params, results, locals, 0, __VA_ARGS__)
#define INVALID(part, params, results, locals, ...)                           \
    EXPECT(WX_EINVALID, part, params, results, locals, 0, __VA_ARGS__)
#define MALFORMED(part, params, results, locals, ...)                         \
    EXPECT(WX_EMALFORMED, part, params, results, locals, 0, __VA_ARGS__)

/* Opcodes used below, for readability. */
enum {
    UNREACHABLE = 0x00, BLOCK = 0x02, LOOP = 0x03, IF = 0x04, ELSE = 0x05,
    END = 0x0b, BR = 0x0c, BR_IF = 0x0d, BR_TABLE = 0x0e, RETURN = 0x0f,
    CALL = 0x10, CALL_INDIRECT = 0x11, DROP = 0x1a, SELECT = 0x1b,
    SELECT_T = 0x1c, LGET = 0x20, LSET = 0x21, LTEE = 0x22, GGET = 0x23,
    GSET = 0x24, TGET = 0x25, TSET = 0x26, I32LOAD = 0x28, I64LOAD = 0x29,
    I32STORE = 0x36, MSIZE = 0x3f, MGROW = 0x40, I32C = 0x41, I64C = 0x42,
    F32C = 0x43, F64C = 0x44, I32EQZ = 0x45, I32ADD = 0x6a, I32MUL = 0x6c,
    I32SUB = 0x6b, I64ADD = 0x7c, REFNULL = 0xd0, ISNULL = 0xd1,
    REFFUNC = 0xd2, FC = 0xfc, EMPTY = 0x40, I32 = 0x7f, I64 = 0x7e,
    F32 = 0x7d, F64 = 0x7c, FREF = 0x70, XREF = 0x6f
};

/* ------------------------------------------------------------- tests */

static void test_valid_code(void)
{
    VALID("ii", "i", "", LGET, 0, LGET, 1, I32ADD, END);
    /* Factorial with a loop, locals and br_if. */
    VALID("i", "i", "i",
          I32C, 1, LSET, 1,
          BLOCK, EMPTY,
            LOOP, EMPTY,
              LGET, 0, I32EQZ, BR_IF, 1,
              LGET, 1, LGET, 0, I32MUL, LSET, 1,
              LGET, 0, I32C, 1, I32SUB, LSET, 0,
              BR, 0,
            END,
          END,
          LGET, 1, END);
    /* Multi-value: a block with parameters (type 2: [i32 i64] -> [i64]). */
    VALID("", "I", "",
          I32C, 1, I64C, 2, BLOCK, 2, DROP, DROP, I64C, 5, END, END);
    VALID("", "I", "",
          I32C, 1, I64C, 2, LOOP, 2, DROP, DROP, I64C, 5, END, END);
    VALID("i", "i", "",
          LGET, 0, IF, I32, I32C, 2, ELSE, I32C, 3, END, END);
    /* if with parameters. */
    VALID("", "", "",
          I32C, 1, I64C, 2, I32C, 1, IF, 2, DROP, DROP, I64C, 3, ELSE, DROP,
          DROP, I64C, 4, END, DROP, END);
    VALID("i", "", "",
          BLOCK, EMPTY, BLOCK, EMPTY, LGET, 0, BR_TABLE, 2, 0, 1, 0, END,
          END, END);
    VALID("i", "i", "",
          BLOCK, I32, I32C, 7, LGET, 0, BR_TABLE, 1, 0, 1, END, END);
    /* The polymorphic stack after unreachable, br and return. */
    VALID("", "", "", UNREACHABLE, I32ADD, DROP, END);
    VALID("", "i", "", UNREACHABLE, END);
    VALID("", "i", "", BLOCK, I32, UNREACHABLE, END, END);
    VALID("", "", "", BLOCK, EMPTY, BR, 0, I32C, 0, I32ADD, DROP, END, END);
    VALID("", "I", "", I64C, 0, RETURN, I64ADD, END);
    VALID("", "", "", UNREACHABLE, SELECT, DROP, END);
    VALID("", "", "", UNREACHABLE, ISNULL, DROP, END);
    /* br_table to labels of different types but one arity: fine on the
     * polymorphic stack. */
    VALID("", "", "",
          BLOCK, F32, BLOCK, I32, UNREACHABLE, BR_TABLE, 1, 0, 1, END,
          DROP, F32C, 0, 0, 0, 0, END, DROP, END);
    /* select, typed and untyped. */
    VALID("", "", "", I32C, 1, I32C, 2, I32C, 0, SELECT, DROP, END);
    VALID("", "", "",
          REFNULL, FREF, REFNULL, FREF, I32C, 1, SELECT_T, 1, FREF, DROP,
          END);
    /* Calls. */
    VALID("", "", "", CALL, 1, I32C, 0, CALL_INDIRECT, 1, 0, END);
    VALID("ii", "i", "", LGET, 0, LGET, 1, CALL, 0, END);
    /* References: func 0 is exported, func 1 in an element segment. */
    VALID("", "", "", REFFUNC, 0, DROP, REFFUNC, 1, ISNULL, DROP, END);
    /* Globals and locals. */
    VALID("", "", "I",
          GGET, 0, I32C, 1, I32ADD, GSET, 0, GGET, 1, LTEE, 0, LSET, 0,
          END);
    /* Memory: natural alignment is the largest allowed. */
    VALID("", "", "",
          I32C, 0, I64LOAD, 3, 0, DROP, I32C, 0, I32C, 0, I32STORE, 2, 8,
          MSIZE, 0, MGROW, 0, DROP, END);
    /* Saturating truncation and sign extension. */
    VALID("", "", "",
          F32C, 0, 0, 0, 0, FC, 0, DROP, F64C, 0, 0, 0, 0, 0, 0, 0, 0, FC,
          7, DROP, I32C, 1, 0xc0, DROP, END);
    /* Bulk memory and tables. */
    VALID("", "", "",
          I32C, 0, I32C, 0, I32C, 0, FC, 8, 0, 0,  /* memory.init 0 */
          FC, 9, 0,                                /* data.drop 0 */
          I32C, 0, I32C, 0, I32C, 0, FC, 10, 0, 0, /* memory.copy */
          I32C, 0, I32C, 0, I32C, 0, FC, 11, 0,    /* memory.fill */
          I32C, 0, I32C, 0, I32C, 0, FC, 12, 0, 0, /* table.init 0 0 */
          FC, 13, 1,                               /* elem.drop 1 */
          I32C, 0, I32C, 0, I32C, 0, FC, 14, 1, 1, /* table.copy 1 1 */
          REFNULL, FREF, I32C, 1, FC, 15, 0, DROP, /* table.grow 0 */
          FC, 16, 1, DROP,                         /* table.size 1 */
          I32C, 0, REFNULL, XREF, I32C, 1, FC, 17, 1, /* table.fill 1 */
          I32C, 0, TGET, 1, DROP,                  /* table.get 1 */
          I32C, 0, REFNULL, FREF, TSET, 0,         /* table.set 0 */
          END);
    /* Nested return with values below it. */
    VALID("", "i", "",
          I64C, 0, BLOCK, EMPTY, I32C, 1, RETURN, END, UNREACHABLE, END);
}

static void test_invalid_code(void)
{
    INVALID("type mismatch: i32.add expects [i32 i32] but got [i64 i32]",
            "", "", "", I64C, 0, I32C, 0, I32ADD, DROP, END);
    INVALID("type mismatch: i32.add expects [i32 i32] but got [i32]",
            "", "", "", I32C, 0, I32ADD, DROP, END);
    INVALID("type mismatch", "", "i", "", END);
    INVALID("type mismatch", "", "", "", I32C, 0, END);
    INVALID("type mismatch", "", "i", "", I64C, 0, END);
    INVALID("type mismatch", "", "", "",
            BLOCK, I32, I32C, 0, I32C, 0, END, DROP, END);
    INVALID("type mismatch", "", "", "",
            I32C, 0, IF, I32, I32C, 1, END, DROP, END);
    INVALID("type mismatch", "", "", "",
            I32C, 0, IF, I32, I32C, 1, ELSE, END, DROP, END);
    INVALID("type mismatch", "", "", "", BLOCK, 2, DROP, END, END);
    INVALID("type mismatch", "", "", "", I64C, 0, IF, EMPTY, END, END);
    INVALID("type mismatch", "", "", "",
            BLOCK, EMPTY, UNREACHABLE, I64C, 0, I32ADD, DROP, END, END);
    INVALID("type mismatch", "", "i", "", I64C, 0, RETURN, END);
    INVALID("type mismatch", "", "", "",
            BLOCK, I32, I64C, 0, BR, 0, END, DROP, END);
    INVALID("type mismatch", "i", "", "",
            BLOCK, EMPTY, BLOCK, I32, I32C, 0, LGET, 0, BR_TABLE, 1, 0, 1,
            END, DROP, END, END);
    INVALID("type mismatch", "", "", "",
            BLOCK, EMPTY, BLOCK, I32, UNREACHABLE, BR_TABLE, 1, 0, 1, END,
            DROP, END, END);
    INVALID("type mismatch", "", "", "",
            BLOCK, F32, BLOCK, I32, I32C, 0, I32C, 0, BR_TABLE, 1, 0, 1,
            END, DROP, F32C, 0, 0, 0, 0, END, DROP, END);
    INVALID("unknown label", "", "", "", BR, 1, END);
    INVALID("unknown label", "", "", "", I32C, 0, BR_TABLE, 1, 0, 5, END);
    INVALID("unknown local 2", "i", "", "i", LGET, 2, DROP, END);
    INVALID("type mismatch", "i", "", "", I64C, 0, LSET, 0, END);
    INVALID("unknown global 2", "", "", "", GGET, 2, DROP, END);
    INVALID("global is immutable", "", "", "", I64C, 0, GSET, 1, END);
    INVALID("unknown function 3", "", "", "", CALL, 3, END);
    INVALID("type mismatch", "i", "", "", CALL, 0, END);
    INVALID("unknown type 99", "", "", "", BLOCK, 0xe3, 0x00, END, END);
    INVALID("unknown type 7", "", "", "",
            I32C, 0, CALL_INDIRECT, 7, 0, END);
    INVALID("unknown table 2", "", "", "",
            I32C, 0, CALL_INDIRECT, 1, 2, END);
    INVALID("type mismatch", "", "", "", I32C, 0, CALL_INDIRECT, 1, 1, END);
    INVALID("alignment must not be larger than natural", "", "", "",
            I32C, 0, I32LOAD, 3, 0, DROP, END);
    INVALID("type mismatch", "", "", "",
            REFNULL, FREF, REFNULL, FREF, I32C, 1, SELECT, DROP, END);
    INVALID("type mismatch", "", "", "",
            I32C, 1, I64C, 1, I32C, 1, SELECT, DROP, END);
    INVALID("invalid result arity", "", "", "",
            I32C, 1, I32C, 1, I32C, 1, SELECT_T, 2, I32, I32, DROP, END);
    INVALID("invalid result arity", "", "", "",
            I32C, 1, I32C, 1, I32C, 1, SELECT_T, 0, DROP, END);
    INVALID("type mismatch", "", "", "", I32C, 0, ISNULL, DROP, END);
    INVALID("undeclared function reference", "", "", "",
            REFFUNC, 2, DROP, END);
    INVALID("unknown function 9", "", "", "", REFFUNC, 9, DROP, END);
    INVALID("unknown data segment 1", "", "", "", FC, 9, 1, END);
    INVALID("unknown elem segment 2", "", "", "", FC, 13, 2, END);
    INVALID("type mismatch", "", "", "", /* table.init elem 1 -> table 0 */
            I32C, 0, I32C, 0, I32C, 0, FC, 12, 1, 0, END);
    INVALID("type mismatch", "", "", "",
            I32C, 0, I32C, 0, I32C, 0, FC, 14, 0, 1, END);
    INVALID("type mismatch", "", "", "",
            REFNULL, XREF, I32C, 1, FC, 15, 0, DROP, END);
    INVALID("type mismatch", "", "", "",
            I32C, 0, REFNULL, XREF, TSET, 0, END);
    EXPECT(WX_EINVALID, "unknown memory", "", "", "", NO_MEMORY,
           I32C, 0, I32LOAD, 2, 0, DROP, END);
    EXPECT(WX_EINVALID, "unknown memory", "", "", "", NO_MEMORY,
           MSIZE, 0, DROP, END);
    EXPECT(WX_EINVALID, "unknown memory", "", "", "", NO_MEMORY,
           I32C, 0, I32C, 0, I32C, 0, FC, 11, 0, END);
    /* No data section at all: taken as zero segments (see need_data). */
    EXPECT(WX_EINVALID, "unknown data segment 0", "", "", "", NO_MEMORY,
           FC, 9, 0, END);
}

static void test_malformed_code(void)
{
    MALFORMED("illegal opcode", "", "", "", 0xff, END);
    MALFORMED("illegal opcode", "", "", "", 0x1e, END); /* 0x06: try, 3.0 */
    MALFORMED("illegal opcode", "", "", "", FC, 0x12, END);
    /* A SIMD sub-opcode that is none (0x9a is reserved), and v128.const
     * cut short. */
    MALFORMED("illegal opcode", "", "", "", 0xfd, 0x9a, 0x01, END);
    MALFORMED("unexpected end", "", "", "", 0xfd, 0x0c, END);
    MALFORMED("END opcode expected", "", "", "", I32C, 0, DROP);
    MALFORMED("unexpected end", "", "", "", BLOCK, EMPTY, BLOCK, EMPTY,
              END);
    MALFORMED("END opcode expected", "", "", "", BLOCK, EMPTY, ELSE, END,
              END);
    MALFORMED("END opcode expected", "", "", "",
              I32C, 0, IF, EMPTY, ELSE, ELSE, END, END);
    MALFORMED("section size mismatch", "", "", "", END, 0x01);
    /* The memory index of memory.size and memory.copy: one memory here,
     * so 1 is unknown by the 3.0 rules (multiple memories) and not a
     * zero byte by the 2.0 ones. */
    INVALID("unknown memory 1", "", "", "", MSIZE, 1, DROP, END);
    INVALID("unknown memory 1", "", "", "",
            I32C, 0, I32C, 0, I32C, 0, FC, 10, 0, 1, END);
    /* A memarg naming memory 1 (bit 6 of the alignment field), and
     * flags past 2^7. */
    INVALID("unknown memory 1", "", "", "", I32C, 0, I32LOAD, 0x42, 1, 0,
            DROP, END);
    VALID("", "", "", I32C, 0, I32LOAD, 0x42, 0, 0, DROP, END);
    MALFORMED("malformed memop flags", "", "", "", I32C, 0, I32LOAD, 0x80, 1,
              0, DROP, END);
    rules_wasm2 = true;
    MALFORMED("zero byte expected", "", "", "", MSIZE, 1, DROP, END);
    MALFORMED("zero byte expected", "", "", "",
              I32C, 0, I32C, 0, I32C, 0, FC, 10, 0, 1, END);
    INVALID("alignment must not be larger than natural", "", "", "",
            I32C, 0, I32LOAD, 0x42, 0, 0, DROP, END);
    rules_wasm2 = false;
    MALFORMED("integer representation too long", "", "", "",
              I32C, 0x80, 0x80, 0x80, 0x80, 0x80, 0x00, DROP, END);
    MALFORMED("integer too large", "", "", "",
              I32C, 0xff, 0xff, 0xff, 0xff, 0x4f, DROP, END);
    MALFORMED("unexpected end", "", "", "", I64C, 0x80);
    MALFORMED("malformed reference type", "", "", "", REFNULL, I32, DROP,
              END);
    MALFORMED("malformed value type", "", "", "", BLOCK, 0x7a, END, END);
    MALFORMED("malformed value type", "", "", "",
              I32C, 1, I32C, 1, I32C, 1, SELECT_T, 1, 0x7a, DROP, END);
    EXPECT(WX_EMALFORMED, "data count section required", "", "", "",
           NO_DATACOUNT, FC, 9, 0, END);
    EXPECT(WX_EMALFORMED, "data count section required", "", "", "",
           NO_DATACOUNT, I32C, 0, I32C, 0, I32C, 0, FC, 8, 0, 0, END);
}

/* A format error anywhere wins over a typing error found before it, as in
 * the reference interpreter, which decodes everything first. */
static void test_precedence(void)
{
    static const uint8_t bad_type[] = {I64C, 0, END};
    static const uint8_t illegal[] = {0xff, END};
    static const uint8_t unknown_type_then_eof[] = {BLOCK, 9, END};
    wx_error err;
    bool decoded;

    buf m = build("", "", "", 0, bad_type, sizeof bad_type, illegal,
                  sizeof illegal);
    CHECK(load(m.b, m.n, &err, &decoded) == WX_EMALFORMED);
    CHECK(strstr(err.message, "illegal opcode") != NULL);
    CHECK(err.func_index == 2);
    free(m.b);

    /* Within one function: the unknown type comes first, the missing end
     * later. */
    m = build("", "", "", 0, unknown_type_then_eof,
              sizeof unknown_type_then_eof, NULL, 0);
    CHECK(load(m.b, m.n, &err, &decoded) == WX_EMALFORMED);
    free(m.b);

    /* Only typing errors: the first one is reported, not a later one. */
    static const uint8_t bad_global[] = {GGET, 7, DROP, END};
    m = build("", "", "", 0, bad_type, sizeof bad_type, bad_global,
              sizeof bad_global);
    CHECK(load(m.b, m.n, &err, &decoded) == WX_EINVALID);
    CHECK_MSG(strstr(err.message, "function 0") != NULL, "%s", err.message);
    free(m.b);
}

static void test_messages(void)
{
    static const uint8_t code[] = {I32C, 0, I64C, 0, I32ADD, DROP, END};
    wx_error err;
    bool decoded;
    buf m = build("", "", "", 0, code, sizeof code, NULL, 0);
    CHECK(load(m.b, m.n, &err, &decoded) == WX_EINVALID);
    CHECK(err.func_index == 0);
    /* The offset is that of i32.add: find it in the binary. */
    const uint8_t *at = NULL;
    for (size_t i = 0; i + sizeof code <= m.n; i++)
        if (!memcmp(m.b + i, code, sizeof code))
            at = m.b + i + 4;
    CHECK(at && err.offset == (uint32_t)(at - m.b));
    char want[128];
    snprintf(want, sizeof want,
             "function 0 (\"probe\") at offset 0x%x: type mismatch: i32.add "
             "expects [i32 i32] but got [i32 i64]",
             err.offset);
    CHECK_MSG(!strcmp(err.message, want), "\"%s\"", err.message);
    free(m.b);
}

/* Deep nesting and a tall operand stack make the scratch stacks grow. */
static void test_deep(void)
{
    enum { DEPTH = 50000 };
    buf code = {0};
    wx_error err;
    bool decoded;
    for (int i = 0; i < DEPTH; i++)
        PUT(&code, BLOCK, I32);
    PUT(&code, I32C, 1);
    for (int i = 0; i < DEPTH; i++)
        PUT(&code, END);
    PUT(&code, DROP);
    for (int i = 0; i < DEPTH; i++)
        PUT(&code, I64C, 1);
    for (int i = 0; i < DEPTH; i++)
        PUT(&code, DROP);
    PUT(&code, END);
    buf m = build("", "", "", 0, code.b, code.n, NULL, 0);
    CHECK_MSG(load(m.b, m.n, &err, &decoded) == WX_OK, "%s", err.message);
    free(m.b);

    /* The same with a type error at the very bottom of the nest. */
    code.n = 2 * DEPTH;
    PUT(&code, I64C, 1);
    for (int i = 0; i < DEPTH; i++)
        PUT(&code, END);
    PUT(&code, DROP, END);
    m = build("", "", "", 0, code.b, code.n, NULL, 0);
    CHECK_MSG(load(m.b, m.n, &err, &decoded) == WX_EINVALID, "%s",
              err.message);
    free(m.b);
    free(code.b);
}

/* ------------------------------------------------------ module level */

/* A module of raw sections: type [] -> [], and what the test adds. */
static wx_status load_sections(const uint8_t *sections, size_t n,
                               wx_error *err)
{
    bool decoded;
    buf m = {0};
    PUT(&m, 0x00, 'a', 's', 'm', 0x01, 0x00, 0x00, 0x00);
    put(&m, sections, n);
    wx_status s = load(m.b, m.n, err, &decoded);
    free(m.b);
    return s;
}

#define MODULE(want, part, ...)                                               \
    do {                                                                      \
        static const uint8_t secs_[] = {__VA_ARGS__};                         \
        wx_error e_;                                                          \
        wx_status s_ = load_sections(secs_, sizeof secs_, &e_);               \
        CHECK_MSG(s_ == (want), "line %d: want %s, got %s: %s", __LINE__,     \
                  wx_status_name(want), wx_status_name(s_),                   \
                  s_ ? e_.message : "");                                      \
        if (s_ == (want) && (part))                                           \
            CHECK_MSG(strstr(e_.message, (part) ? (part) : "") != NULL,       \
                      "line %d: message \"%s\" lacks \"%s\"", __LINE__,       \
                      e_.message, (part) ? (part) : "");                      \
    } while (0)

/* Type section [] -> [] and [i32] -> []; one function of type 0. */
#define TYPES 0x01, 0x08, 0x02, 0x60, 0x00, 0x00, 0x60, 0x01, 0x7f, 0x00
#define FUNC0 0x03, 0x02, 0x01, 0x00
#define CODE0 0x0a, 0x04, 0x01, 0x02, 0x00, 0x0b

static void test_module_level(void)
{
    MODULE(WX_OK, NULL, TYPES, FUNC0, CODE0);
    MODULE(WX_EINVALID, "unknown type", TYPES, 0x03, 0x02, 0x01, 0x05,
           CODE0);
    MODULE(WX_EINVALID, "unknown type", TYPES,
           0x02, 0x07, 0x01, 0x01, 'm', 0x01, 'f', 0x00, 0x09);
    /* Memories. */
    /* Two memories: 3.0, refused by the 2.0 rules. */
    MODULE(WX_OK, NULL, 0x05, 0x05, 0x02, 0x00, 0x01, 0x00, 0x01);
    rules_wasm2 = true;
    MODULE(WX_EINVALID, "multiple memories",
           0x05, 0x05, 0x02, 0x00, 0x01, 0x00, 0x01);
    rules_wasm2 = false;
    MODULE(WX_EINVALID, "memory size must be at most 65536 pages",
           0x05, 0x05, 0x01, 0x00, 0x81, 0x80, 0x04);
    MODULE(WX_EINVALID, "memory size must be at most 65536 pages",
           0x05, 0x06, 0x01, 0x01, 0x00, 0x81, 0x80, 0x04);
    MODULE(WX_OK, NULL, 0x05, 0x06, 0x01, 0x01, 0x00, 0x80, 0x80, 0x04);
    MODULE(WX_EINVALID, "size minimum must not be greater than maximum",
           0x05, 0x04, 0x01, 0x01, 0x02, 0x01);
    MODULE(WX_EINVALID, "size minimum must not be greater than maximum",
           0x04, 0x05, 0x01, 0x70, 0x01, 0x02, 0x01);
    /* Start function. */
    MODULE(WX_OK, NULL, TYPES, FUNC0, 0x08, 0x01, 0x00, CODE0);
    MODULE(WX_EINVALID, "start function", TYPES, 0x03, 0x02, 0x01, 0x01,
           0x08, 0x01, 0x00, 0x0a, 0x04, 0x01, 0x02, 0x00, 0x0b);
    MODULE(WX_EINVALID, "unknown function", TYPES, FUNC0, 0x08, 0x01, 0x01,
           CODE0);
    /* Exports. */
    MODULE(WX_EINVALID, "duplicate export name", TYPES, FUNC0,
           0x07, 0x09, 0x02, 0x01, 'a', 0x00, 0x00, 0x01, 'a', 0x00, 0x00,
           CODE0);
    MODULE(WX_OK, NULL, TYPES, FUNC0,
           0x07, 0x09, 0x02, 0x01, 'a', 0x00, 0x00, 0x01, 'b', 0x00, 0x00,
           CODE0);
    MODULE(WX_EINVALID, "unknown function 1", TYPES, FUNC0,
           0x07, 0x05, 0x01, 0x01, 'a', 0x00, 0x01, CODE0);
    MODULE(WX_EINVALID, "unknown global 0",
           0x07, 0x05, 0x01, 0x01, 'a', 0x03, 0x00);
    MODULE(WX_EINVALID, "unknown memory 0",
           0x07, 0x05, 0x01, 0x01, 'a', 0x02, 0x00);
    /* Exported mutable globals are fine in 2.0. */
    MODULE(WX_OK, NULL, 0x06, 0x06, 0x01, 0x7f, 0x01, 0x41, 0x00, 0x0b,
           0x07, 0x05, 0x01, 0x01, 'g', 0x03, 0x00);
    /* Global initializers. */
    MODULE(WX_EINVALID, "type mismatch",
           0x06, 0x06, 0x01, 0x7e, 0x00, 0x41, 0x00, 0x0b);
    /* WebAssembly 3.0: an earlier immutable global, but not a later one
     * (test_const_expr.c has the 2.0 rule, WX_LOAD_WASM2). */
    MODULE(WX_OK, NULL,
           0x06, 0x0b, 0x02, 0x7f, 0x00, 0x41, 0x00, 0x0b,
           0x7f, 0x00, 0x23, 0x00, 0x0b);
    MODULE(WX_EINVALID, "unknown global 1",
           0x06, 0x0b, 0x02, 0x7f, 0x00, 0x23, 0x01, 0x0b,
           0x7f, 0x00, 0x41, 0x00, 0x0b);
    MODULE(WX_OK, NULL, /* an imported immutable global */
           0x02, 0x08, 0x01, 0x01, 'm', 0x01, 'g', 0x03, 0x7f, 0x00,
           0x06, 0x06, 0x01, 0x7f, 0x00, 0x23, 0x00, 0x0b);
    MODULE(WX_EINVALID, "constant expression required",
           0x02, 0x08, 0x01, 0x01, 'm', 0x01, 'g', 0x03, 0x7f, 0x01,
           0x06, 0x06, 0x01, 0x7f, 0x00, 0x23, 0x00, 0x0b);
    MODULE(WX_EINVALID, "type mismatch",
           0x02, 0x08, 0x01, 0x01, 'm', 0x01, 'g', 0x03, 0x7e, 0x00,
           0x06, 0x06, 0x01, 0x7f, 0x00, 0x23, 0x00, 0x0b);
    MODULE(WX_EINVALID, "unknown function", TYPES, FUNC0,
           0x06, 0x06, 0x01, 0x70, 0x00, 0xd2, 0x03, 0x0b, CODE0);
    MODULE(WX_EINVALID, "type mismatch", /* ref.null extern as funcref */
           0x06, 0x06, 0x01, 0x70, 0x00, 0xd0, 0x6f, 0x0b);
    /* Element segments. */
    MODULE(WX_EINVALID, "unknown table", TYPES, FUNC0,
           0x09, 0x07, 0x01, 0x00, 0x41, 0x00, 0x0b, 0x01, 0x00, CODE0);
    MODULE(WX_EINVALID, "type mismatch", TYPES, FUNC0, /* externref table */
           0x04, 0x04, 0x01, 0x6f, 0x00, 0x01,
           0x09, 0x07, 0x01, 0x00, 0x41, 0x00, 0x0b, 0x01, 0x00, CODE0);
    MODULE(WX_EINVALID, "type mismatch", TYPES, FUNC0, /* i64 offset */
           0x04, 0x04, 0x01, 0x70, 0x00, 0x01,
           0x09, 0x07, 0x01, 0x00, 0x42, 0x00, 0x0b, 0x01, 0x00, CODE0);
    MODULE(WX_EINVALID, "unknown function", TYPES, FUNC0,
           0x04, 0x04, 0x01, 0x70, 0x00, 0x01,
           0x09, 0x07, 0x01, 0x00, 0x41, 0x00, 0x0b, 0x01, 0x04, CODE0);
    MODULE(WX_EINVALID, "type mismatch", /* passive funcref, extern item */
           0x09, 0x07, 0x01, 0x05, 0x70, 0x01, 0xd0, 0x6f, 0x0b);
    /* Data segments. */
    MODULE(WX_EINVALID, "unknown memory",
           0x0b, 0x07, 0x01, 0x00, 0x41, 0x00, 0x0b, 0x01, 'x');
    MODULE(WX_EINVALID, "type mismatch",
           0x05, 0x03, 0x01, 0x00, 0x01,
           0x0b, 0x07, 0x01, 0x00, 0x42, 0x00, 0x0b, 0x01, 'x');
    /* ref.func in code: declared by a declarative element segment. */
    MODULE(WX_OK, NULL, TYPES, FUNC0,
           0x09, 0x05, 0x01, 0x03, 0x00, 0x01, 0x00,
           0x0a, 0x07, 0x01, 0x05, 0x00, 0xd2, 0x00, 0x1a, 0x0b);
    MODULE(WX_EINVALID, "undeclared function reference", TYPES, FUNC0,
           0x0a, 0x07, 0x01, 0x05, 0x00, 0xd2, 0x00, 0x1a, 0x0b);
}

int main(void)
{
    test_valid_code();
    test_invalid_code();
    test_malformed_code();
    test_precedence();
    test_messages();
    test_deep();
    test_module_level();
    return CHECK_DONE();
}
