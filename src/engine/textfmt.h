/*
 * The text format's parser (wat_lex.c: tokens, numbers, strings; wat.c:
 * modules; wat_instr.c: instructions), behind include/wasmext/wat.h. The
 * internal prefix is wxt_. It writes bytes and knows no engine structure:
 * the only engine header it reads is opcodes.h, for the opcodes' names
 * (and wat_simd.c ops.def, for the SIMD ones).
 *
 * Every allocation comes from one arena that the top-level call frees,
 * so an error can leave from any depth (longjmp to wx_wat_to_wasm, which
 * is the only function between the parser and its caller) without
 * leaking.
 */
#ifndef WX_ENGINE_TEXTFMT_H
#define WX_ENGINE_TEXTFMT_H

#include "wasmext/wat.h"

#include <setjmp.h>
#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

enum wxt_kind { WXT_LP, WXT_RP, WXT_KW, WXT_ID, WXT_STR, WXT_EOF };

/* A token: a keyword also covers numbers and reserved words (the parser
 * decides what it expects); an id keeps its '$' in s; a string keeps its
 * quotes and escapes (wxt_string decodes it). */
typedef struct wxt_tok {
    enum wxt_kind kind;
    const char *s;
    uint32_t len;
    uint32_t line, col;
    /* An id's name without its '$', its string decoded for $"..." (3.0),
     * so that $"a" and $a are the same name. */
    const char *name;
    uint32_t name_len;
} wxt_tok;

typedef struct wxt_buf {
    uint8_t *p;
    size_t n, cap;
} wxt_buf;

/* A value type in one word: its first byte (0x7F for i32, 0x70 for
 * funcref, ...; 0x63 or 0x64 for (ref null? ht)) and, for those two, the
 * heap type above it (bits 8 up): an abstract type's byte, or 0x80 plus
 * a type index. wxt_put_valtype writes it. */
typedef uint32_t wxt_valtype_t;
#define WXT_HEAP_INDEX 0x80u

/* A storage type of a struct or array field: a value type or one of the
 * packed ones (i8, i16), in the same word as a value type. */
#define WXT_PACKED_I8 0x78u
#define WXT_PACKED_I16 0x77u

/* The composite kinds of a defined type, by their binary bytes. */
enum wxt_comp {
    WXT_COMP_FUNC = 0x60,
    WXT_COMP_STRUCT = 0x5F,
    WXT_COMP_ARRAY = 0x5E
};

/* A defined type (3.0: function, struct or array). A function type's
 * value types are kept to match an inline type use against it; a
 * struct's field names, for struct.get $t $f; the others only as the
 * bytes of the type's definition (`def`, written where the text has it:
 * an implicit type of a type use has none and is written from its
 * params and results). */
typedef struct wxt_functype {
    wxt_valtype_t *params, *results;
    uint32_t nparams, nresults;
    uint8_t comp; /* enum wxt_comp */
    /* A function type outside any (rec): what an inline type use may
     * name. The spec's abbreviation names only a final type without a
     * supertype; wasm-tools, our oracle, any function type outside a
     * rec group (a (sub (func)) too), and its choice is followed. */
    bool plain;
    const wxt_tok **field_ids; /* NULL for an unnamed field */
    uint32_t nfields;
    wxt_buf def;
} wxt_functype;

/* The type section's entries: a run of types, in a (rec) or alone. */
typedef struct wxt_recgroup {
    uint32_t first, n;
    bool rec; /* written as 0x4E vec, even for one type */
} wxt_recgroup;

/* The index spaces, and the words that name them in messages. */
enum wxt_space {
    WXT_FUNC,
    WXT_TABLE,
    WXT_MEMORY,
    WXT_GLOBAL,
    WXT_TYPE,
    WXT_ELEM,
    WXT_DATA,
    WXT_TAG,
    WXT_SPACES
};

typedef struct wxt_names {
    const wxt_tok **ids; /* NULL for an unnamed entry */
    uint32_t n, cap;
} wxt_names;

typedef struct wxt_arena_block wxt_arena_block;

typedef struct wxt_parser {
    jmp_buf fail;
    wx_error *err;
    wx_status status;
    wxt_arena_block *arena;
    const char *text;
    size_t text_len;
    wxt_tok *toks;
    uint32_t ntoks, pos;

    wxt_names spaces[WXT_SPACES];
    wxt_functype *types;
    uint32_t ntypes, cap_types;
    uint32_t nexplicit_types; /* the (type) fields; implicit ones follow */
    wxt_recgroup *groups;
    uint32_t ngroups, cap_groups;
    uint32_t func_imports; /* the first defined function's index */
    /* One buffer per section, in the binary's order at the end. */
    wxt_buf sec_import, sec_func, sec_table, sec_mem, sec_global, sec_export,
        sec_start, sec_elem, sec_code, sec_data;
    uint32_t n_import, n_func, n_table, n_mem, n_global, n_export, n_elem,
        n_code, n_data;
    wxt_buf sec_tag; /* exception handling's tag section (13) */
    uint32_t n_tag;
    bool has_start;
    bool uses_data_count; /* memory.init or data.drop appear */
} wxt_parser;

/* Errors: set the message ("LINE:COL: ...") and leave the parse. */
_Noreturn void wxt_fail(wxt_parser *p, const wxt_tok *at, const char *fmt, ...)
    __attribute__((format(printf, 3, 4)));
_Noreturn void wxt_nomem(wxt_parser *p);

void *wxt_alloc(wxt_parser *p, size_t n);
void wxt_arena_free(wxt_parser *p);

void wxt_byte(wxt_parser *p, wxt_buf *b, uint8_t v);
void wxt_bytes(wxt_parser *p, wxt_buf *b, const void *v, size_t n);
void wxt_u32(wxt_parser *p, wxt_buf *b, uint32_t v);
void wxt_s64(wxt_parser *p, wxt_buf *b, int64_t v);
/* A vector: the LEB128 count, then the contents of `items`. */
void wxt_vec(wxt_parser *p, wxt_buf *out, uint32_t count,
             const wxt_buf *items);

/* Lexing: the whole text into p->toks (an error stops at the first bad
 * character). */
void wxt_lex(wxt_parser *p, const char *text, size_t len);
bool wxt_lex_one(const char *text, size_t len, size_t *pos, uint32_t *line,
                 size_t *line_start, wxt_tok *t, const char **why);

/* Tokens. */
const wxt_tok *wxt_peek(wxt_parser *p, uint32_t ahead);
const wxt_tok *wxt_next(wxt_parser *p);
bool wxt_is_kw(const wxt_tok *t, const char *word);
bool wxt_is_open(wxt_parser *p, const char *word); /* "(" word next */
void wxt_expect_lp(wxt_parser *p);
void wxt_expect_rp(wxt_parser *p);
const wxt_tok *wxt_expect_kw(wxt_parser *p, const char *word);
bool wxt_same_id(const wxt_tok *a, const wxt_tok *b);

/* Literals: numbers by the text grammar (range checked), strings with
 * their escapes decoded (into the arena). */
bool wxt_is_nat(const wxt_tok *t);
uint64_t wxt_nat(wxt_parser *p, const wxt_tok *t, uint64_t max);
uint64_t wxt_int(wxt_parser *p, const wxt_tok *t, unsigned bits);
uint32_t wxt_f32(wxt_parser *p, const wxt_tok *t);
uint64_t wxt_f64(wxt_parser *p, const wxt_tok *t);
uint8_t *wxt_string(wxt_parser *p, const wxt_tok *t, uint32_t *len);
/* A string that must be UTF-8 (a name), written as a binary name. */
void wxt_name(wxt_parser *p, wxt_buf *b, const wxt_tok *t);

/* Module-level services for the instruction parser (wat.c). */
uint32_t wxt_index(wxt_parser *p, enum wxt_space s, const wxt_tok *t);
/* Value types: whether one starts here (a keyword, which wxt_valtype
 * refuses if it names no type, or "(ref"), reading one, writing one; a
 * heap type (func, extern, exn, ..., or a type index or name) as in
 * ref.null. */
bool wxt_valtype_ahead(wxt_parser *p);
wxt_valtype_t wxt_valtype(wxt_parser *p);
void wxt_put_valtype(wxt_parser *p, wxt_buf *b, wxt_valtype_t v);
uint32_t wxt_heaptype(wxt_parser *p);
void wxt_put_heaptype(wxt_parser *p, wxt_buf *b, uint32_t heap);
uint32_t wxt_typeuse(wxt_parser *p, const wxt_tok ***param_ids,
                     uint32_t *nparams);
/* A block type: a value type or 0x40 (the short forms), else a type
 * index (*is_index). */
uint32_t wxt_blocktype(wxt_parser *p, bool *is_index);
const wxt_functype *wxt_type(wxt_parser *p, uint32_t index);
/* The field `t` (a name or an index) of struct type `type`: names are
 * looked up among that type's own fields. */
uint32_t wxt_field_index(wxt_parser *p, uint32_t type, const wxt_tok *t);
/* A reference type as a cast's target (ref.test, ref.cast, br_on_cast):
 * its heap type (as wxt_heaptype) and whether it is nullable. */
uint32_t wxt_cast_type(wxt_parser *p, bool *nullable);

/* Instructions (wat_instr.c). A function's locals are named for
 * local.get and friends; labels live inside wat_instr.c. */
typedef struct wxt_func_ctx {
    const wxt_tok **local_ids;
    uint32_t nlocals;
} wxt_func_ctx;

/* Instructions up to the closing parenthesis of the enclosing form (not
 * consumed). `fn` is NULL in a constant expression. */
void wxt_instrs(wxt_parser *p, wxt_buf *out, const wxt_func_ctx *fn);
/* A constant expression up to ")", with its `end`. */
void wxt_const_expr(wxt_parser *p, wxt_buf *out);

/* SIMD instructions (wat_simd.c), by name from ops.def's table: the
 * sub-opcode after the 0xFD prefix, the immediates after the name, and
 * for the memory ones the natural alignment (log2). */
enum wxt_simd_imm {
    WXT_SIMD_NONE,
    WXT_SIMD_MEMARG,      /* memidx? memarg */
    WXT_SIMD_MEMARG_LANE, /* memidx? memarg lane */
    WXT_SIMD_LANE,        /* lane */
    WXT_SIMD_LANES16,     /* i8x16.shuffle's 16 lanes */
    WXT_SIMD_CONST        /* v128.const shape lane-literal* */
};
typedef struct wxt_simd_op {
    const char *fname; /* ops.def's semantics function, named after it */
    uint16_t sub;
    uint8_t imm;   /* enum wxt_simd_imm */
    uint8_t align; /* natural, log2 (memory ones) */
} wxt_simd_op;

/* The SIMD instruction `t` names, or NULL. */
const wxt_simd_op *wxt_simd_find(const wxt_tok *t);
/* The immediates after the memarg (wat_instr.c writes that): lanes and
 * v128.const's bytes. */
void wxt_simd_imm(wxt_parser *p, wxt_buf *out, const wxt_simd_op *op);

#endif
