/*
 * The decoded module: what decode.c produces, validate.c checks, compile.c
 * turns into internal code and instance.c instantiates. Immutable once
 * wx_module_load() returns, so threads may share it.
 *
 * Index spaces follow the spec: imported functions (tables, memories,
 * globals) come first, then the module's own definitions. Every array below
 * is allocated from the module's arena (wxm_arena) and freed with it.
 */
#ifndef WX_ENGINE_MODULE_H
#define WX_ENGINE_MODULE_H

#include "wasmext/engine.h"
#include "arena.h"

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

/* Spec limits we enforce while decoding (also protect allocations). */
#define WXM_MAX_PAGES 65536u          /* 4 GiB of 64 KiB pages */
#define WXM_PAGE_SIZE 65536u
#define WXM_MAX_TABLE 0xFFFFFFFFu
/* 64-bit memories and tables (memory64, table64): the spec's bounds on
 * their declared limits, 2^48 pages (the whole 64-bit address space) and
 * any u64. What an instance may allocate stays memory.c's and table.c's
 * cap, the same for 32- and 64-bit ones. */
#define WXM_MAX_PAGES64 (UINT64_C(1) << 48)
#define WXM_MAX_TABLE64 UINT64_MAX
#define WXM_MAX_LOCALS 50000u         /* per function, as engines do */
#define WXM_MAX_FUNC_SIZE (7654321u)  /* body bytes, as engines do */
#define WXM_MAX_PARAMS 1000u
#define WXM_MAX_RESULTS 1000u
/* GC types (3.0): defined types in a module and fields in a struct, as
 * engines bound them (a type index must also fit WX_REF_MAX_INDEX). */
#define WXM_MAX_TYPES 1000000u
#define WXM_MAX_FIELDS 10000u
/* The longest chain of declared supertypes (wasmparser and V8 allow 63):
 * a cast walks at most this many `super` links. */
#define WXM_MAX_SUBTYPE_DEPTH 63u

/* What a defined type is (3.0 GC adds struct and array types). */
typedef enum wxm_typekind {
    WXM_TYPE_FUNC,
    WXM_TYPE_STRUCT,
    WXM_TYPE_ARRAY
} wxm_typekind;

/* The packed storage types of struct and array fields (their binary
 * codes), next to the value types a field may also hold. */
#define WXM_PACKED_I8 ((wx_valtype)0x78)
#define WXM_PACKED_I16 ((wx_valtype)0x77)

/* A struct field, or an array's element. */
typedef struct wxm_field {
    wx_valtype type; /* a value type, or WXM_PACKED_I8 / WXM_PACKED_I16 */
    bool mutable_;
    uint8_t size;    /* bytes it takes in an object: 1, 2, 4, 8 or 16 */
    uint32_t offset; /* struct fields: byte offset in the object's fields,
                        aligned to `size` (set by the decoder) */
} wxm_field;

/* No declared supertype. */
#define WXM_NO_SUPER UINT32_MAX

/*
 * A defined type: a function type (2.0), or a struct or array type (3.0
 * GC). The name stays from 2.0, where every type is a function type; the
 * fields of other kinds are zero for a function type and the reverse.
 */
typedef struct wxm_functype {
    wxm_typekind kind;
    /* WXM_TYPE_FUNC */
    uint32_t nparams, nresults;
    wx_valtype *params;
    wx_valtype *results;
    /* WXM_TYPE_STRUCT: nfields fields; WXM_TYPE_ARRAY: one, the element. */
    uint32_t nfields;
    wxm_field *fields;
    uint32_t size; /* struct: bytes of all fields (aligned to 8) */
    /* GC's subtyping: the declared supertype (an index below this one, or
     * WXM_NO_SUPER), whether the type is final (2.0 types and types
     * declared without `sub` are), and the length of the chain of
     * supertypes above it (0: none). */
    uint32_t super;
    bool final;
    uint32_t depth;
    /* The recursion group: the index of its first type and its size (1
     * for a type outside `rec`). */
    uint32_t rec, rec_size;
    /* Index of the first equivalent type in this module (iso-recursive
     * equivalence of GC: the same position in equal rec groups); within
     * one module, two types are equivalent exactly when their canon is. */
    uint32_t canon;
} wxm_functype;

/* A constant expression (global init, segment offsets, element items).
 * WebAssembly 2.0 allows exactly one instruction from the first set below
 * followed by `end`, and so do nearly all modules: that case is stored
 * inline, as one wxm_const, with nothing allocated. WebAssembly 3.0
 * (extended constant expressions) adds i32/i64 add, sub and mul; a longer
 * expression is WXM_CONST_EXPR, whose `ops` (in the arena) hold its
 * instructions in order, each a one-instruction wxm_const or an operator
 * (WXM_CONST_I32_ADD...), evaluated on a stack at most `depth` deep. */
typedef enum wxm_const_kind {
    WXM_CONST_I32,
    WXM_CONST_I64,
    WXM_CONST_F32,
    WXM_CONST_F64,
    WXM_CONST_V128,
    WXM_CONST_REF_NULL,   /* value: the reference type in `type` */
    WXM_CONST_REF_FUNC,   /* index: function index */
    WXM_CONST_GLOBAL_GET, /* index: global index (immutable) */
    WXM_CONST_EXPR,       /* ops[0 .. nops): a longer expression */
    /* Operators, only inside an expression's ops: pop b, pop a, push
     * a op b, wrapping. */
    WXM_CONST_I32_ADD,
    WXM_CONST_I32_SUB,
    WXM_CONST_I32_MUL,
    WXM_CONST_I64_ADD,
    WXM_CONST_I64_SUB,
    WXM_CONST_I64_MUL,
    /* GC operators (3.0), also only inside an expression's ops, with the
     * type index in `index`: struct.new pops the type's fields in order;
     * struct.new_default pops nothing; array.new pops the initial value
     * and the length; array.new_default the length; array.new_fixed
     * (`bits`: the count n) n values; ref.i31 an i32; the two conversions
     * one reference. Each pushes one reference. */
    WXM_CONST_STRUCT_NEW,
    WXM_CONST_STRUCT_NEW_DEFAULT,
    WXM_CONST_ARRAY_NEW,
    WXM_CONST_ARRAY_NEW_DEFAULT,
    WXM_CONST_ARRAY_NEW_FIXED,
    WXM_CONST_REF_I31,
    WXM_CONST_ANY_CONVERT_EXTERN,
    WXM_CONST_EXTERN_CONVERT_ANY
} wxm_const_kind;

/* The deepest operand stack an extended constant expression may need (a
 * limit of ours, as WXM_MAX_LOCALS: evaluation keeps the stack in a local
 * array; toolchains write depth 2, `global.get; i32.const; i32.add`). */
#define WXM_MAX_CONST_DEPTH 256u

typedef struct wxm_const {
    wxm_const_kind kind;
    wx_valtype type; /* the value's type (for ref.null: the ref type) */
    uint32_t index;
    uint64_t bits;     /* i32/i64/f32/f64 raw bits (zero-extended) */
    union {
        uint8_t v128[16];
        struct {                         /* WXM_CONST_EXPR */
            const struct wxm_const *ops; /* in the module's arena */
            uint32_t nops;
            uint32_t depth; /* stack slots its evaluation needs */
        };
    };
    uint32_t offset;   /* byte offset of the expression in the binary */
} wxm_const;

typedef struct wxm_import {
    char *module;
    char *name;
    wx_externkind kind;
    uint32_t index; /* index within its own space (func/table/mem/global) */
} wxm_import;

typedef struct wxm_table {
    wx_valtype elem; /* a reference type */
    wx_limits limits;
    /* Defined tables (3.0): every element starts as `init`'s value; a
     * table of a non-nullable type needs one. */
    bool has_init;
    wxm_const init;
} wxm_table;

typedef struct wxm_memory {
    wx_limits limits; /* in pages */
} wxm_memory;

typedef struct wxm_global {
    wx_valtype type;
    bool mutable_;
    bool imported;
    wxm_const init; /* defined globals only */
} wxm_global;

/* An exception tag (3.0): its type is a function type whose params are
 * the payload and whose results are empty. */
typedef struct wxm_tag {
    uint32_t type; /* index into types */
} wxm_tag;

struct wxc_func; /* compiled code, compile.h */

typedef struct wxm_func {
    uint32_t type;     /* index into types */
    bool imported;
    /* Defined functions only: */
    uint32_t nlocals;        /* declared locals, not counting params */
    wx_valtype *locals;      /* nlocals entries, expanded */
    uint32_t body_offset;    /* byte offset of the first instruction */
    uint32_t body_end;       /* byte offset just past the final `end` */
    uint32_t code_offset;    /* byte offset of the code entry (size field) */
    struct wxc_func *code;   /* set by compile.c */
    /* Legacy exception handling: how deeply its `try` blocks nest, the
     * slots its frame keeps for exceptions that `rethrow` may throw
     * again (set by validate.c). */
    uint32_t try_depth;
} wxm_func;

typedef struct wxm_export {
    char *name;
    /* Length in bytes: names may contain U+0000 (names.wast exports both
     * "" and "\0\1\2..."), so duplicates are found by length and bytes. */
    uint32_t name_len;
    wx_externkind kind;
    uint32_t index;
} wxm_export;

typedef enum wxm_segmode {
    WXM_SEG_ACTIVE,
    WXM_SEG_PASSIVE,
    WXM_SEG_DECLARATIVE /* elements only */
} wxm_segmode;

typedef struct wxm_elem {
    wxm_segmode mode;
    wx_valtype type; /* a reference type */
    uint32_t table;  /* active only */
    wxm_const offset; /* active only */
    uint32_t count;
    wxm_const *items; /* each a ref.func, ref.null or global.get */
} wxm_elem;

typedef struct wxm_data {
    wxm_segmode mode;
    uint32_t memory;  /* active only */
    wxm_const offset; /* active only */
    uint32_t len;
    /* Into wx_module.bytes while the passes run; a copy in the arena once
     * wx_module_load returns (wxm_keep_parts). */
    const uint8_t *bytes;
} wxm_data;

typedef struct wxm_custom {
    char *name;
    const uint8_t *data; /* as wxm_data.bytes: the input, then a copy */
    uint32_t len;
} wxm_custom;

struct wx_module {
    wxm_arena arena;
    /* The binary, which the passes read in place (offsets in the structures
     * below count from it). wx_module_load points it at the caller's bytes
     * and sets it to NULL before it returns, since the caller may free them:
     * nothing may read it after the load. A module built by hand (white-box
     * tests) may own a malloc'ed buffer here, which wx_module_free frees. */
    uint8_t *bytes;
    size_t len; /* the binary's size */

    uint32_t ntypes;
    wxm_functype *types;

    uint32_t nimports;
    wxm_import *imports;

    /* Index spaces, imports first. */
    uint32_t nfuncs, nfunc_imports;
    wxm_func *funcs;
    uint32_t ntables, ntable_imports;
    wxm_table *tables;
    uint32_t nmemories, nmemory_imports;
    wxm_memory *memories;
    uint32_t nglobals, nglobal_imports;
    wxm_global *globals;

    /* Exception tags (3.0), imports first. */
    uint32_t ntags, ntag_imports;
    wxm_tag *tags;

    uint32_t nexports;
    wxm_export *exports;

    bool has_start;
    uint32_t start;

    uint32_t nelems;
    wxm_elem *elems;

    bool has_datacount;
    uint32_t datacount;
    uint32_t ndatas;
    wxm_data *datas;

    uint32_t ncustoms;
    wxm_custom *customs;

    /* Name section, function names: func_names[i] or NULL. */
    char **func_names;

    /* Loaded with WX_LOAD_WASM2: the WebAssembly 2.0 rules, without the
     * 3.0 additions the engine knows (tail calls, extended constant
     * expressions). */
    bool wasm2;

    /* Functions referenced outside function bodies (exports, elem segments,
     * global inits): only these may appear in ref.func in code (spec
     * "C.refs"). One flag per function index. */
    bool *func_declared;
};

/* decode.c: fills `m` (whose arena, bytes and len are already set). */
wx_status wxm_decode(wx_module *m, wx_error *err);
/* decode.c: after the passes, copies into the arena the parts of the binary
 * the module keeps (data segments; the "name" section, or every custom
 * section with WX_LOAD_KEEP_CUSTOM_SECTIONS in `flags`) and drops the other
 * custom sections, so that nothing points into m->bytes any more. WX_ENOMEM
 * is the only failure. */
wx_status wxm_keep_parts(wx_module *m, uint32_t flags, wx_error *err);

/* names.c: UTF-8 check of names, and the "name" custom section (fills
 * m->func_names; never fails, a bad name section is ignored). */
bool wxm_utf8_valid(const uint8_t *s, size_t len);
void wxm_decode_names(wx_module *m, const uint8_t *data, size_t len);

/* validate.c: module-level and function-body validation. Errors are
 * WX_EINVALID, or WX_EMALFORMED for binary-format errors found inside
 * function bodies (unknown opcode, bad immediates, missing end, ...). */
wx_status wxm_validate(wx_module *m, wx_error *err);

/* Helpers shared by the passes. */
static inline const wxm_functype *wxm_func_type(const wx_module *m,
                                                uint32_t func_index)
{
    return &m->types[m->funcs[func_index].type];
}

/* A module's function type as the API's wx_functype (the same arrays). */
static inline wx_functype wxm_functype_view(const wxm_functype *t)
{
    wx_functype v = {t->nparams, t->nresults, t->params, t->results};
    return v;
}

/* The one-element type list of a single-byte value type (a block type
 * that is one result), from one static array; NULL for any other type. */
const wx_valtype *wxm_single_type(wx_valtype t);

/* The type of memory x's addresses, or table x's indices: i64 for a
 * 64-bit one (memory64, table64), else i32. */
static inline wx_valtype wxm_memory_addr(const wx_module *m, uint32_t x)
{
    return m->memories[x].limits.addr64 ? WX_I64 : WX_I32;
}

static inline wx_valtype wxm_table_addr(const wx_module *m, uint32_t x)
{
    return m->tables[x].limits.addr64 ? WX_I64 : WX_I32;
}

static inline bool wxm_is_reftype(wx_valtype t)
{
    return wx_is_ref(t);
}

static inline bool wxm_is_valtype(uint8_t b)
{
    return b == WX_I32 || b == WX_I64 || b == WX_F32 || b == WX_F64 ||
           b == WX_V128 || b == WX_FUNCREF || b == WX_EXTERNREF ||
           b == WX_EXNREF;
}

#endif
