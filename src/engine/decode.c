/*
 * The binary decoder: module bytes -> the structures of module.h.
 *
 * It checks everything the binary format itself requires (well-formedness)
 * and leaves typing and index checks to validate.c. Function bodies are only
 * delimited here (locals expanded, body offsets recorded); the validator
 * walks their instructions.
 *
 * Every count or length read from the binary is compared with the bytes left
 * before anything is allocated for it, since each entry takes at least one
 * byte: a tiny hostile binary can never ask for a huge allocation.
 *
 * Errors are WX_EMALFORMED with "section N (name) at offset 0x..: <spec
 * wording>". A constant expression that is well formed but not constant (or
 * not exactly one value) is a validation error: it is remembered and
 * returned as WX_EINVALID only once the whole module decoded, because a
 * malformed error anywhere else must win.
 */
#include "module.h"
#include "opcodes.h"
#include "reader.h"
#include "reftype.h"

#include <string.h>

enum {
    SEC_CUSTOM = 0,
    SEC_TYPE = 1,
    SEC_IMPORT = 2,
    SEC_FUNCTION = 3,
    SEC_TABLE = 4,
    SEC_MEMORY = 5,
    SEC_GLOBAL = 6,
    SEC_EXPORT = 7,
    SEC_START = 8,
    SEC_ELEMENT = 9,
    SEC_CODE = 10,
    SEC_DATA = 11,
    SEC_DATACOUNT = 12,
    SEC_TAG = 13, /* exception handling (3.0) */
    SEC_COUNT_ = 14,
    SEC_NONE = 99 /* the header, or checks made after the last section */
};

/* Expanded locals over the whole module: a function may declare
 * WXM_MAX_LOCALS locals in six bytes, so without a module-wide budget a
 * small binary with many such functions could still demand gigabytes. The
 * budget grows with the binary, far above what compilers emit (a few locals
 * per function), so only a hostile module meets it. */
#define DEC_LOCALS_BASE (1u << 20)
#define DEC_LOCALS_PER_BYTE 16u

static const char *const section_names[SEC_COUNT_] = {
    "custom", "type",    "import", "function", "table", "memory",    "global",
    "export", "start",   "element", "code",    "data",  "data count",
    "tag",
};

/* The order known sections must come in (custom sections go anywhere):
 * data count sits between element and code, tag between memory and
 * global. */
static const unsigned char section_rank[SEC_COUNT_] = {
    0, 1, 2, 3, 4, 5, 7, 8, 9, 10, 12, 13, 11, 6,
};

typedef struct wxm_decoder {
    wx_module *m;
    wxr_reader r;        /* bounded by the current section */
    unsigned section;    /* SEC_* being decoded */
    uint32_t func_index; /* code entry being decoded, or WX_NO_INDEX */
    bool nomem;          /* the failure is an allocation, not the binary */
    bool limit;          /* the failure is one of our limits */

    /* First validation error in a constant expression (see the top). */
    const char *invalid_msg;
    uint32_t invalid_offset;
    unsigned invalid_section;

    uint32_t nfunc_defs; /* entries of the function section */
    /* Type indices a reference type may name here: every type once the
     * type section is read; inside it, the types up to the end of the rec
     * group being read (whose types may name each other, forward too). */
    uint32_t types_known;
    bool has_code, has_data;
    uint64_t total_locals;
    uint32_t customs_cap;
    const uint8_t *names; /* payload of the "name" custom section */
    size_t names_len;
} wxm_decoder;

/* ------------------------------------------------------------ failures */

/* Records a format error at `at` (the reader keeps only the first). */
static bool fail_at(wxm_decoder *d, const uint8_t *at, const char *msg)
{
    if (!d->r.error) {
        d->r.error = msg;
        d->r.p = at;
    }
    return false;
}

static bool fail(wxm_decoder *d, const char *msg)
{
    return fail_at(d, d->r.p, msg);
}

static bool fail_nomem(wxm_decoder *d)
{
    d->nomem = true;
    return fail(d, "out of memory");
}

static void *dec_calloc(wxm_decoder *d, size_t n, size_t size)
{
    void *p = wxm_arena_calloc(&d->m->arena, n, size);
    if (!p)
        fail_nomem(d);
    return p;
}

static void note_invalid(wxm_decoder *d, uint32_t offset, const char *msg)
{
    if (d->invalid_msg)
        return;
    d->invalid_msg = msg;
    d->invalid_offset = offset;
    d->invalid_section = d->section;
}

/* "section 3 (function) at offset 0x1a" or "at offset 0x1a". */
static wx_status report(wxm_decoder *d, wx_error *err, wx_status s,
                        unsigned section, uint32_t offset, const char *msg)
{
    if (!err)
        return s;
    if (section < SEC_COUNT_ && d->func_index != WX_NO_INDEX &&
        section == SEC_CODE)
        wx_error_set(err, s, "section %u (%s), function %u, at offset 0x%x: %s",
                     section, section_names[section], d->func_index, offset,
                     msg);
    else if (section < SEC_COUNT_)
        wx_error_set(err, s, "section %u (%s) at offset 0x%x: %s", section,
                     section_names[section], offset, msg);
    else
        wx_error_set(err, s, "at offset 0x%x: %s", offset, msg);
    err->offset = offset;
    err->func_index = d->func_index;
    return s;
}

/* ---------------------------------------------------------- primitives */

/* A vector length: each entry takes at least one byte, so a count larger
 * than the bytes left is malformed before we allocate for it. */
static bool read_count(wxm_decoder *d, uint32_t *n)
{
    const uint8_t *at = d->r.p;
    if (!wxr_u32(&d->r, n))
        return false;
    if (*n > wxr_left(&d->r)) {
        /* Past the whole module is the spec's "length out of bounds";
         * within the module but past the section, decoding would run into
         * the section's end. */
        size_t module_left = (size_t)(d->m->bytes + d->m->len - d->r.p);
        return fail_at(d, at,
                       *n > module_left
                           ? "length out of bounds"
                           : "unexpected end of section or function");
    }
    return true;
}

static bool read_byte(wxm_decoder *d, uint8_t *b)
{
    return wxr_u8(&d->r, b);
}

/* Types are signed LEB128 in the reference interpreter, so a byte with the
 * continuation bit is an over-long integer rather than an unknown type. */
static bool bad_type_byte(wxm_decoder *d, const uint8_t *at, uint8_t b,
                          const char *msg)
{
    return fail_at(d, at, (b & 0x80) ? "integer representation too long"
                                     : msg);
}

/* A reference to a type index the module does not have is invalid, not
 * malformed: noted, and decoding goes on. */
static void check_type_index(wxm_decoder *d, const uint8_t *at, wx_valtype t)
{
    if (wx_ref_concrete(t) && wx_ref_index(t) >= d->types_known)
        note_invalid(d, (uint32_t)(at - d->m->bytes), "unknown type");
}

/* Value and reference types: one byte by the 2.0 rules; the typed
 * references of 3.0 (reftype.c) otherwise. */
static bool read_type3(wxm_decoder *d, wx_valtype *t, bool ref_only)
{
    const uint8_t *at = d->r.p;
    if (!(ref_only ? wxm_read_reftype(&d->r, false, t)
                   : wxm_read_valtype(&d->r, false, t))) {
        if (at < d->r.end && (*at & 0x80))
            return fail_at(d, at, "integer representation too long");
        return false;
    }
    check_type_index(d, at, *t);
    return true;
}

static bool read_valtype(wxm_decoder *d, wx_valtype *t)
{
    const uint8_t *at = d->r.p;
    uint8_t b;
    if (!d->m->wasm2)
        return read_type3(d, t, false);
    if (!read_byte(d, &b))
        return false;
    if (!wxm_is_valtype(b) || b == WX_EXNREF) /* 2.0's types only */
        return bad_type_byte(d, at, b, "malformed value type");
    *t = (wx_valtype)b;
    return true;
}

static bool read_reftype(wxm_decoder *d, wx_valtype *t)
{
    const uint8_t *at = d->r.p;
    uint8_t b;
    if (!d->m->wasm2)
        return read_type3(d, t, true);
    if (!read_byte(d, &b))
        return false;
    if (b != WX_FUNCREF && b != WX_EXTERNREF) /* 2.0's reference types */
        return bad_type_byte(d, at, b, "malformed reference type");
    *t = (wx_valtype)b;
    return true;
}

/* A name: u32 length, then that many bytes of UTF-8. Names may contain
 * U+0000, so callers that compare names also keep the length. */
static bool read_name_len(wxm_decoder *d, char **out, uint32_t *len_out)
{
    const uint8_t *at = d->r.p;
    uint32_t len;
    const uint8_t *s;
    if (!wxr_u32(&d->r, &len))
        return false;
    if (len > wxr_left(&d->r)) {
        size_t module_left = (size_t)(d->m->bytes + d->m->len - d->r.p);
        return fail_at(d, at, len > module_left
                                  ? "length out of bounds"
                                  : "unexpected end of section or function");
    }
    if (!wxr_bytes(&d->r, len, &s))
        return false;
    if (!wxm_utf8_valid(s, len))
        return fail_at(d, s, "malformed UTF-8 encoding");
    *out = wxm_arena_strndup(&d->m->arena, (const char *)s, len);
    if (!*out)
        return fail_nomem(d);
    if (len_out)
        *len_out = len;
    return true;
}

static bool read_name(wxm_decoder *d, char **out)
{
    return read_name_len(d, out, NULL);
}

/* Limits: a flags byte (bit 0: a max follows; bit 2, 3.0 only: 64-bit
 * addresses), then the bounds. */
/* One bound of a limits: a u32 by the 2.0 rules, a u64 in 3.0's encoding
 * (memory64), so that a bound past 2^32 of a 32-bit memory or table is
 * the validator's "memory size" / "table size" error, as 3.0 says. */
static bool read_limit(wxm_decoder *d, uint64_t *out)
{
    uint32_t v;
    if (!d->m->wasm2)
        return wxr_uleb(&d->r, 64, out);
    if (!wxr_u32(&d->r, &v))
        return false;
    *out = v;
    return true;
}

static bool read_limits(wxm_decoder *d, wx_limits *lim)
{
    const uint8_t *at = d->r.p;
    uint8_t flags;
    if (!read_byte(d, &flags))
        return false;
    /* Bit 2: 64-bit addresses (memory64, table64; 3.0 only). */
    bool addr64 = !d->m->wasm2 && (flags & ~1u) == 4;
    if (flags > 1 && !addr64)
        return fail_at(d, at, (flags & 0x80) ? "integer representation too long"
                                             : "integer too large");
    if (!read_limit(d, &lim->min))
        return false;
    lim->has_max = (flags & 1) != 0;
    lim->addr64 = addr64;
    lim->max = 0;
    return !lim->has_max || read_limit(d, &lim->max);
}

static bool read_tabletype(wxm_decoder *d, wxm_table *t)
{
    return read_reftype(d, &t->elem) && read_limits(d, &t->limits);
}

/* A mutability byte (of a global or a GC field): 0 or 1. */
static bool read_mut(wxm_decoder *d, bool *mutable_)
{
    const uint8_t *at = d->r.p;
    uint8_t mut;
    if (!read_byte(d, &mut))
        return false;
    if (mut > 1)
        return fail_at(d, at, "malformed mutability");
    *mutable_ = mut == 1;
    return true;
}

static bool read_globaltype(wxm_decoder *d, wxm_global *g)
{
    return read_valtype(d, &g->type) && read_mut(d, &g->mutable_);
}

/* ------------------------------------------------ constant expressions */

/* Single-byte opcodes the format knows, from the one opcode list. */
static const bool known_opcode[256] = {
#define WXO_KNOWN_(e, c, n, k, a, r) [c] = true,
    WXO_LIST(WXO_KNOWN_)
#undef WXO_KNOWN_
};

static bool read_blocktype(wxm_decoder *d)
{
    int64_t idx;
    uint8_t b;
    if (wxr_eof(&d->r))
        return fail(d, "unexpected end");
    b = *d->r.p;
    if (b == 0x40 || wxm_is_valtype(b)) {
        d->r.p++;
        return true;
    }
    if (!d->m->wasm2 && (b == 0x63 || b == 0x64 || wx_is_ref((wx_valtype)b))) {
        wx_valtype t;
        return read_valtype(d, &t);
    }
    return wxr_sleb(&d->r, 33, &idx);
}

/* A memory index immediate: 2.0's zero byte, or a u32 (3.0). */
static bool skip_memidx(wxm_decoder *d)
{
    uint8_t b;
    uint32_t x;
    return d->m->wasm2 ? wxr_u8(&d->r, &b) : wxr_u32(&d->r, &x);
}

/* Skips the immediates of a non-constant instruction found in a constant
 * expression, so that decoding can go on to the expression's `end` (the
 * module is then invalid, not malformed). Unknown opcodes are malformed. */
static bool skip_instr(wxm_decoder *d, uint8_t op, const uint8_t *at,
                       uint32_t *depth)
{
    wxr_reader *r = &d->r;
    uint32_t n, v;
    if (op == WXO_FC_PREFIX) {
        if (!wxr_u32(r, &v))
            return false;
        if (v >= WXO_FC_COUNT_)
            return fail_at(d, at, "illegal opcode");
        switch (v) {
        case WXO_FC_MEMORY_INIT:
            return wxr_u32(r, &n) && skip_memidx(d);
        case WXO_FC_DATA_DROP:
        case WXO_FC_ELEM_DROP:
        case WXO_FC_TABLE_GROW:
        case WXO_FC_TABLE_SIZE:
        case WXO_FC_TABLE_FILL:
            return wxr_u32(r, &n);
        case WXO_FC_MEMORY_COPY:
            return skip_memidx(d) && skip_memidx(d);
        case WXO_FC_MEMORY_FILL:
            return skip_memidx(d);
        case WXO_FC_TABLE_INIT:
        case WXO_FC_TABLE_COPY:
            return wxr_u32(r, &n) && wxr_u32(r, &n);
        default:
            return true;
        }
    }
    if (!known_opcode[op])
        return fail_at(d, at, "illegal opcode");
    switch (op) {
    case WXO_BLOCK:
    case WXO_LOOP:
    case WXO_IF:
        (*depth)++;
        return read_blocktype(d);
    case WXO_BR:
    case WXO_BR_IF:
    case WXO_CALL:
    case WXO_LOCAL_GET:
    case WXO_LOCAL_SET:
    case WXO_LOCAL_TEE:
    case WXO_GLOBAL_SET:
    case WXO_TABLE_GET:
    case 0x26: /* table.set */
        return wxr_u32(r, &n);
    case WXO_BR_TABLE:
        if (!read_count(d, &n))
            return false;
        for (uint32_t i = 0; i <= n; i++)
            if (!wxr_u32(r, &v))
                return false;
        return true;
    case WXO_CALL_INDIRECT:
        return wxr_u32(r, &n) && wxr_u32(r, &n);
    case WXO_RETURN_CALL:
        if (d->m->wasm2)
            return fail_at(d, at, "illegal opcode");
        return wxr_u32(r, &n);
    case WXO_RETURN_CALL_INDIRECT:
        if (d->m->wasm2)
            return fail_at(d, at, "illegal opcode");
        return wxr_u32(r, &n) && wxr_u32(r, &n);
    case WXO_CALL_REF:
    case WXO_RETURN_CALL_REF:
    case WXO_BR_ON_NULL:
    case WXO_BR_ON_NON_NULL:
        if (d->m->wasm2)
            return fail_at(d, at, "illegal opcode");
        return wxr_u32(r, &n);
    case WXO_REF_AS_NON_NULL:
        if (d->m->wasm2)
            return fail_at(d, at, "illegal opcode");
        return true;
    case WXO_SELECT_T:
        if (!read_count(d, &n))
            return false;
        for (uint32_t i = 0; i < n; i++) {
            wx_valtype t;
            if (!read_valtype(d, &t))
                return false;
        }
        return true;
    case 0x3F: /* memory.size */
    case 0x40: /* memory.grow */
        return skip_memidx(d);
    default:
        if (op >= 0x28 && op <= 0x3E) { /* loads and stores: memarg */
            /* bit 6 of the alignment: a memory index follows (3.0) */
            uint64_t offset;
            if (!wxr_u32(r, &n) || ((n & 64) && !wxr_u32(r, &n)))
                return false;
            return wxr_uleb(r, 64, &offset);
        }
        return true;
    }
}

/* One constant instruction whose opcode was just read. */
static bool read_const_instr(wxm_decoder *d, uint8_t op, wxm_const *c)
{
    wxr_reader *r = &d->r;
    switch (op) {
    case WXO_I32_CONST: {
        int32_t v;
        if (!wxr_s32(r, &v))
            return false;
        c->kind = WXM_CONST_I32;
        c->type = WX_I32;
        c->bits = (uint32_t)v;
        return true;
    }
    case 0x42: { /* i64.const */
        int64_t v;
        if (!wxr_s64(r, &v))
            return false;
        c->kind = WXM_CONST_I64;
        c->type = WX_I64;
        c->bits = (uint64_t)v;
        return true;
    }
    case 0x43: { /* f32.const */
        uint32_t v;
        if (!wxr_f32(r, &v))
            return false;
        c->kind = WXM_CONST_F32;
        c->type = WX_F32;
        c->bits = v;
        return true;
    }
    case 0x44: /* f64.const */
        c->kind = WXM_CONST_F64;
        c->type = WX_F64;
        return wxr_f64(r, &c->bits);
    case WXO_REF_NULL: {
        /* 3.0: a heap type, of which 2.0's two reference types are the
         * same bytes. */
        const uint8_t *at = r->p;
        uint32_t heap;
        c->kind = WXM_CONST_REF_NULL;
        if (d->m->wasm2)
            return read_reftype(d, &c->type);
        if (!wxm_read_heaptype(r, &heap))
            return false;
        c->type = wx_ref_type(heap, true);
        check_type_index(d, at, c->type);
        return true;
    }
    case WXO_REF_FUNC:
        c->kind = WXM_CONST_REF_FUNC;
        c->type = WX_FUNCREF;
        return wxr_u32(r, &c->index);
    case WXO_GLOBAL_GET:
        /* The type is the global's when it is already known (imports);
         * the validator checks the index either way. */
        c->kind = WXM_CONST_GLOBAL_GET;
        c->type = WX_I32;
        if (!wxr_u32(r, &c->index))
            return false;
        if (c->index < d->m->nglobals)
            c->type = d->m->globals[c->index].type;
        return true;
    }
    return false;
}

static bool is_const_opcode(uint8_t op)
{
    return op == WXO_I32_CONST || op == 0x42 || op == 0x43 || op == 0x44 ||
           op == WXO_REF_NULL || op == WXO_REF_FUNC || op == WXO_GLOBAL_GET;
}

/* v128.const (0xFD 12) followed by 16 bytes; other SIMD opcodes are not
 * supported yet and so are treated as unknown. */
static bool read_simd_const(wxm_decoder *d, const uint8_t *at, wxm_const *c)
{
    uint32_t sub;
    const uint8_t *b;
    if (!wxr_u32(&d->r, &sub))
        return false;
    if (sub != 12)
        return fail_at(d, at, "illegal opcode");
    if (!wxr_bytes(&d->r, 16, &b))
        return false;
    c->kind = WXM_CONST_V128;
    c->type = WX_V128;
    memcpy(c->v128, b, 16);
    return true;
}

/* The operators of extended constant expressions (WebAssembly 3.0), or
 * WXM_CONST_EXPR for an opcode that is none of them. */
static wxm_const_kind const_operator(const wxm_decoder *d, uint8_t op)
{
    if (d->m->wasm2)
        return WXM_CONST_EXPR;
    switch (op) {
    case 0x6A: return WXM_CONST_I32_ADD;
    case 0x6B: return WXM_CONST_I32_SUB;
    case 0x6C: return WXM_CONST_I32_MUL;
    case 0x7C: return WXM_CONST_I64_ADD;
    case 0x7D: return WXM_CONST_I64_SUB;
    case 0x7E: return WXM_CONST_I64_MUL;
    default: return WXM_CONST_EXPR;
    }
}

/* The GC instructions allowed in constant expressions (3.0), as
 * wxm_const operators; WXM_CONST_EXPR for the others. */
static wxm_const_kind gc_const_kind(uint32_t sub)
{
    switch (sub) {
    case WXO_FB_STRUCT_NEW: return WXM_CONST_STRUCT_NEW;
    case WXO_FB_STRUCT_NEW_DEFAULT: return WXM_CONST_STRUCT_NEW_DEFAULT;
    case WXO_FB_ARRAY_NEW: return WXM_CONST_ARRAY_NEW;
    case WXO_FB_ARRAY_NEW_DEFAULT: return WXM_CONST_ARRAY_NEW_DEFAULT;
    case WXO_FB_ARRAY_NEW_FIXED: return WXM_CONST_ARRAY_NEW_FIXED;
    case WXO_FB_REF_I31: return WXM_CONST_REF_I31;
    case WXO_FB_ANY_CONVERT_EXTERN: return WXM_CONST_ANY_CONVERT_EXTERN;
    case WXO_FB_EXTERN_CONVERT_ANY: return WXM_CONST_EXTERN_CONVERT_ANY;
    default: return WXM_CONST_EXPR;
    }
}

/* How many values GC operator k (type index x, count n) pops: a
 * struct.new its type's fields (none for a type that is not a struct:
 * the validator refuses it). */
static uint32_t gc_const_pops(const wx_module *m, wxm_const_kind k,
                              uint32_t x, uint32_t n)
{
    switch (k) {
    case WXM_CONST_STRUCT_NEW:
        return x < m->ntypes && m->types[x].kind == WXM_TYPE_STRUCT
                   ? m->types[x].nfields
                   : 0;
    case WXM_CONST_STRUCT_NEW_DEFAULT: return 0;
    case WXM_CONST_ARRAY_NEW: return 2;
    case WXM_CONST_ARRAY_NEW_FIXED: return n;
    default: return 1;
    }
}

/* A GC instruction after its 0xFB prefix, inside a constant expression:
 * `c` gets its kind, the type index in `index`, array.new_fixed's count
 * in `bits`, and the type it produces as far as the immediates tell
 * (the conversions' nullability is the validator's to find). A GC
 * instruction that is not constant leaves kind WXM_CONST_EXPR. */
static bool read_gc_const(wxm_decoder *d, wxm_const *c)
{
    const uint8_t *at = d->r.p - 1;
    uint32_t sub;
    wxm_gc_imm imm;
    if (!wxr_u32(&d->r, &sub))
        return false;
    if (d->m->wasm2 || sub >= WXO_FB_COUNT_)
        return fail_at(d, at, "illegal opcode");
    if (!wxm_read_gc_imm(&d->r, sub, &imm))
        return false;
    c->kind = gc_const_kind(sub);
    c->index = imm.x;
    c->bits = imm.y;
    switch (c->kind) {
    case WXM_CONST_REF_I31:
        c->type = wx_ref_type(WX_HEAP_I31, false);
        break;
    case WXM_CONST_ANY_CONVERT_EXTERN:
        c->type = wx_ref_type(WX_HEAP_ANY, true);
        break;
    case WXM_CONST_EXTERN_CONVERT_ANY:
        c->type = wx_ref_type(WX_HEAP_EXTERN, true);
        break;
    default:
        c->type = wx_ref_type(wx_heap_index(imm.x), false);
    }
    return true;
}

/* One instruction of a constant expression that the first pass of
 * read_const found to be constant, into `c`. */
static bool read_const_op(wxm_decoder *d, wxm_const *c)
{
    const uint8_t *at = d->r.p;
    uint8_t op;
    memset(c, 0, sizeof *c);
    c->offset = wxr_offset(&d->r);
    if (!read_byte(d, &op))
        return false;
    wxm_const_kind k = const_operator(d, op);
    if (k != WXM_CONST_EXPR) {
        c->kind = k;
        c->type = k <= WXM_CONST_I32_MUL ? WX_I32 : WX_I64;
        return true;
    }
    if (op == WXO_FB_PREFIX)
        return read_gc_const(d, c);
    return op == WXO_FD_PREFIX ? read_simd_const(d, at, c)
                               : read_const_instr(d, op, c);
}

/* The second pass over an expression of `nops` instructions at `start`
 * (read_const checked it): its instructions into the arena, so that only
 * the rare longer expression costs an allocation. */
static bool read_const_expr(wxm_decoder *d, const uint8_t *start,
                            uint32_t nops, uint32_t depth, wxm_const *c)
{
    wxm_const *ops = dec_calloc(d, nops, sizeof *ops);
    if (!ops)
        return false;
    const uint8_t *end = d->r.p;
    d->r.p = start;
    for (uint32_t i = 0; i < nops; i++)
        if (!read_const_op(d, &ops[i]))
            return false;
    d->r.p = end;
    c->kind = WXM_CONST_EXPR;
    c->type = ops[nops - 1].type;
    c->ops = ops;
    c->nops = nops;
    c->depth = depth;
    return true;
}

/* A constant expression up to and including its `end`. The first pass
 * reads it as a single instruction, counts the instructions and the stack
 * height, and notes a non-constant instruction or a wrong number of values
 * for the validator; a longer valid-looking expression is read again by
 * read_const_expr. */
static bool read_const(wxm_decoder *d, wxm_const *c)
{
    const uint8_t *base = d->m->bytes;
    const uint8_t *start = d->r.p;
    const char *bad = NULL;
    const uint8_t *bad_at = NULL;
    uint32_t depth = 0, nops = 0, height = 0, max_height = 0;
    bool underflow = false, gc = false;
    wxm_const tmp;

    memset(c, 0, sizeof *c);
    c->offset = wxr_offset(&d->r);
    for (;;) {
        const uint8_t *at = d->r.p;
        uint8_t op;
        if (!read_byte(d, &op))
            return false;
        if (op == WXO_END) {
            if (depth == 0)
                break;
            depth--;
            continue;
        }
        if (is_const_opcode(op) || op == WXO_FD_PREFIX) {
            memset(&tmp, 0, sizeof tmp);
            if (op == WXO_FD_PREFIX ? !read_simd_const(d, at, &tmp)
                                    : !read_const_instr(d, op, &tmp))
                return false;
            if (nops++ == 0) {
                tmp.offset = c->offset;
                *c = tmp;
            }
            if (++height > max_height)
                max_height = height;
            continue;
        }
        if (op == WXO_FB_PREFIX) {
            memset(&tmp, 0, sizeof tmp);
            if (!read_gc_const(d, &tmp))
                return false;
            if (tmp.kind == WXM_CONST_EXPR) {
                if (!bad) {
                    bad = "constant expression required";
                    bad_at = at;
                }
                continue;
            }
            uint32_t pops = gc_const_pops(d->m, tmp.kind, tmp.index,
                                          (uint32_t)tmp.bits);
            gc = true;
            nops++;
            if (height < pops)
                underflow = true;
            else
                height -= pops;
            if (++height > max_height)
                max_height = height;
            continue;
        }
        if (const_operator(d, op) != WXM_CONST_EXPR) {
            nops++;
            if (height < 2)
                underflow = true;
            else
                height--;
            continue;
        }
        if (!skip_instr(d, op, at, &depth))
            return false;
        if (!bad) {
            bad = "constant expression required";
            bad_at = at;
        }
    }
    if (!bad && (underflow || height != 1)) {
        bad = "type mismatch";
        bad_at = base + c->offset;
    }
    if (bad) {
        note_invalid(d, (uint32_t)(bad_at - base), bad);
        return true;
    }
    /* GC's operators always make an expression (gc-run's evaluator
     * allocates for them), even a lone struct.new_default. */
    if (nops == 1 && !gc)
        return true;
    if (max_height > WXM_MAX_CONST_DEPTH) {
        d->limit = true;
        return fail_at(d, start, "constant expression too deep");
    }
    return read_const_expr(d, start, nops, max_height, c);
}

/* ------------------------------------------------------------- sections */

/* Equal rec groups hash equal (reftype.c: a reference inside a group
 * counts as its position, one outside as its canon); a small
 * open-addressing table of each class's first group keeps this linear
 * for modules with many types. A type's canon is the type at its
 * position in that first group. */
static bool canonicalize_types(wxm_decoder *d)
{
    wx_module *m = d->m;
    uint32_t cap = 16, *slots;
    while (cap < 2u * m->ntypes)
        cap *= 2;
    if (!(slots = dec_calloc(d, cap, sizeof *slots)))
        return false;
    for (uint32_t g = 0; g < m->ntypes; g += m->types[g].rec_size) {
        uint32_t n = m->types[g].rec_size, first = g;
        uint32_t h = wxm_group_hash(m, g) & (cap - 1);
        /* Slots hold a group's first index + 1, so 0 means empty. */
        for (; slots[h]; h = (h + 1) & (cap - 1))
            if (wxm_group_equiv(m, g, m, slots[h] - 1)) {
                first = slots[h] - 1;
                break;
            }
        if (!slots[h])
            slots[h] = g + 1;
        for (uint32_t k = 0; k < n; k++)
            m->types[g + k].canon = first + k;
    }
    return true;
}

static bool read_valtypes(wxm_decoder *d, uint32_t max, uint32_t *n,
                          wx_valtype **out)
{
    const uint8_t *at = d->r.p;
    if (!read_count(d, n))
        return false;
    if (*n > max) {
        d->limit = true;
        return fail_at(d, at, "too many parameters or results");
    }
    if (!(*out = dec_calloc(d, *n, sizeof **out)))
        return false;
    for (uint32_t i = 0; i < *n; i++)
        if (!read_valtype(d, &(*out)[i]))
            return false;
    return true;
}

/* Bytes a field takes in an object (module.h: wxm_field.size). */
static uint8_t storage_size(wx_valtype t)
{
    switch ((uint32_t)t) {
    case WXM_PACKED_I8: return 1;
    case WXM_PACKED_I16: return 2;
    case WX_I32:
    case WX_F32: return 4;
    case WX_V128: return 16;
    default: return 8; /* i64, f64 and every reference */
    }
}

/* A field type: a storage type (a value type or a packed i8/i16), then
 * its mutability (0 or 1). */
static bool read_fieldtype(wxm_decoder *d, wxm_field *f)
{
    const uint8_t *at = d->r.p;
    if (at < d->r.end && (*at == WXM_PACKED_I8 || *at == WXM_PACKED_I16))
        f->type = (wx_valtype)*d->r.p++;
    else if (!read_valtype(d, &f->type))
        return false;
    if (!read_mut(d, &f->mutable_))
        return false;
    f->size = storage_size(f->type);
    return true;
}

/* Struct layout: fields in declaration order, each aligned to its size;
 * the whole rounded up to 8 bytes, the slot size. */
static void lay_out_struct(wxm_functype *t)
{
    uint32_t at = 0;
    for (uint32_t k = 0; k < t->nfields; k++) {
        wxm_field *f = &t->fields[k];
        at = (at + f->size - 1) & ~(uint32_t)(f->size - 1);
        f->offset = at;
        at += f->size;
    }
    t->size = (at + 7) & ~7u;
}

/* A composite type: 0x60 function, 0x5F struct, 0x5E array (3.0 GC;
 * by the 2.0 rules only function types exist). */
static bool read_comptype(wxm_decoder *d, wxm_functype *t)
{
    const uint8_t *at = d->r.p;
    uint8_t form;
    if (!read_byte(d, &form))
        return false;
    if (form == 0x60) {
        t->kind = WXM_TYPE_FUNC;
        return read_valtypes(d, WXM_MAX_PARAMS, &t->nparams, &t->params) &&
               read_valtypes(d, WXM_MAX_RESULTS, &t->nresults, &t->results);
    }
    if (d->m->wasm2 || (form != 0x5F && form != 0x5E))
        return bad_type_byte(d, at, form, "malformed function type");
    if (form == 0x5E) {
        t->kind = WXM_TYPE_ARRAY;
        t->nfields = 1;
    } else {
        t->kind = WXM_TYPE_STRUCT;
        at = d->r.p;
        if (!read_count(d, &t->nfields))
            return false;
        if (t->nfields > WXM_MAX_FIELDS) {
            d->limit = true;
            return fail_at(d, at, "too many struct fields");
        }
    }
    if (!(t->fields = dec_calloc(d, t->nfields, sizeof *t->fields)))
        return false;
    for (uint32_t k = 0; k < t->nfields; k++)
        if (!read_fieldtype(d, &t->fields[k]))
            return false;
    if (t->kind == WXM_TYPE_STRUCT)
        lay_out_struct(t);
    return true;
}

/* A subtype: 0x50 (sub) or 0x4F (sub final), a vector of at most one
 * supertype index and a composite type; or a bare composite type, which
 * is final without a supertype. Type i of a rec group of n types from
 * `rec`. A supertype must come before the type (so chains end and
 * `depth` is known); one that does not is noted invalid and dropped. */
static bool read_subtype(wxm_decoder *d, uint32_t i, uint32_t rec,
                         uint32_t n)
{
    wx_module *m = d->m;
    wxm_functype *t = &m->types[i];
    const uint8_t *at = d->r.p;
    t->super = WXM_NO_SUPER;
    t->final = true;
    t->rec = rec;
    t->rec_size = n;
    if (!m->wasm2 && at < d->r.end && (*at == 0x50 || *at == 0x4F)) {
        uint32_t nsupers, x;
        t->final = *d->r.p++ == 0x4F;
        if (!read_count(d, &nsupers))
            return false;
        for (uint32_t k = 0; k < nsupers; k++) {
            const uint8_t *xat = d->r.p;
            if (!wxr_u32(&d->r, &x))
                return false;
            uint32_t off = (uint32_t)(xat - m->bytes);
            if (k > 0)
                note_invalid(d, off, "multiple supertypes");
            else if (x >= d->types_known)
                note_invalid(d, off, "unknown type");
            else if (x >= i)
                note_invalid(d, off, "forward use of type as supertype");
            else
                t->super = x;
        }
    }
    if (t->super != WXM_NO_SUPER)
        t->depth = m->types[t->super].depth + 1;
    if (t->depth > WXM_MAX_SUBTYPE_DEPTH) {
        d->limit = true;
        return fail_at(d, at, "subtyping depth too large");
    }
    return read_comptype(d, t);
}

/* Grows the type array to hold `need` types (rec groups make the count
 * known only as the section is read). */
static bool reserve_types(wxm_decoder *d, uint32_t *cap, uint32_t need)
{
    wx_module *m = d->m;
    if (need <= *cap)
        return true;
    uint32_t c = *cap * 2 > need ? *cap * 2 : need;
    wxm_functype *types = dec_calloc(d, c, sizeof *types);
    if (!types)
        return false;
    if (m->ntypes)
        memcpy(types, m->types, m->ntypes * sizeof *types);
    m->types = types;
    *cap = c;
    return true;
}

/* The type section: a vector of rec groups, each 0x4E and a vector of
 * subtypes, or one subtype alone (a group of one). Types inside a group
 * may name each other, forward too; a reference past the group's end is
 * invalid (check_type_index, via types_known). */
static bool decode_types(wxm_decoder *d)
{
    wx_module *m = d->m;
    uint32_t ngroups, cap = 0;
    if (!read_count(d, &ngroups) || !reserve_types(d, &cap, ngroups))
        return false;
    m->ntypes = 0;
    for (uint32_t g = 0; g < ngroups; g++) {
        const uint8_t *at = d->r.p;
        uint32_t n = 1;
        if (!m->wasm2 && at < d->r.end && *at == 0x4E) {
            d->r.p++;
            if (!read_count(d, &n))
                return false;
        }
        if (n > WXM_MAX_TYPES - m->ntypes) {
            d->limit = true;
            return fail_at(d, at, "too many types");
        }
        if (!reserve_types(d, &cap, m->ntypes + n))
            return false;
        uint32_t rec = m->ntypes;
        d->types_known = rec + n;
        for (uint32_t k = 0; k < n; k++) {
            if (!read_subtype(d, rec + k, rec, n))
                return false;
            m->ntypes = rec + k + 1;
        }
    }
    d->types_known = m->ntypes;
    return canonicalize_types(d);
}

/* A tag type: the attribute 0 (exception), then a type index, which
 * validate.c checks. */
static bool read_tagtype(wxm_decoder *d, wxm_tag *t)
{
    const uint8_t *at = d->r.p;
    uint8_t attr;
    if (!read_byte(d, &attr))
        return false;
    if (attr != 0)
        return fail_at(d, at, "malformed tag attribute");
    return wxr_u32(&d->r, &t->type);
}

static bool decode_imports(wxm_decoder *d)
{
    wx_module *m = d->m;
    uint32_t n;
    if (!read_count(d, &n))
        return false;
    /* Each index space gets room for every import; the defining sections
     * later copy them into arrays of the final size. */
    if (!(m->imports = dec_calloc(d, n, sizeof *m->imports)) ||
        !(m->funcs = dec_calloc(d, n, sizeof *m->funcs)) ||
        !(m->tables = dec_calloc(d, n, sizeof *m->tables)) ||
        !(m->memories = dec_calloc(d, n, sizeof *m->memories)) ||
        !(m->globals = dec_calloc(d, n, sizeof *m->globals)) ||
        !(m->tags = dec_calloc(d, n, sizeof *m->tags)))
        return false;
    m->nimports = n;
    for (uint32_t i = 0; i < n; i++) {
        wxm_import *im = &m->imports[i];
        const uint8_t *at;
        uint8_t kind;
        if (!read_name(d, &im->module) || !read_name(d, &im->name))
            return false;
        at = d->r.p;
        if (!read_byte(d, &kind))
            return false;
        switch (kind) {
        case WX_EXTERN_FUNC: {
            wxm_func *f = &m->funcs[m->nfuncs];
            f->imported = true;
            if (!wxr_u32(&d->r, &f->type))
                return false;
            im->index = m->nfuncs++;
            break;
        }
        case WX_EXTERN_TABLE:
            if (!read_tabletype(d, &m->tables[m->ntables]))
                return false;
            im->index = m->ntables++;
            break;
        case WX_EXTERN_MEMORY:
            if (!read_limits(d, &m->memories[m->nmemories].limits))
                return false;
            im->index = m->nmemories++;
            break;
        case WX_EXTERN_GLOBAL: {
            wxm_global *g = &m->globals[m->nglobals];
            g->imported = true;
            if (!read_globaltype(d, g))
                return false;
            im->index = m->nglobals++;
            break;
        }
        case WX_EXTERN_TAG:
            if (m->wasm2)
                return fail_at(d, at, "malformed import kind");
            if (!read_tagtype(d, &m->tags[m->ntags]))
                return false;
            im->index = m->ntags++;
            break;
        default:
            return fail_at(d, at, "malformed import kind");
        }
        im->kind = (wx_externkind)kind;
    }
    m->nfunc_imports = m->nfuncs;
    m->ntable_imports = m->ntables;
    m->nmemory_imports = m->nmemories;
    m->nglobal_imports = m->nglobals;
    m->ntag_imports = m->ntags;
    return true;
}

/* Grows an index space from its imports to imports + n definitions. */
static void *extend_space(wxm_decoder *d, void *old, uint32_t nold,
                          uint32_t n, size_t size)
{
    void *p = dec_calloc(d, (size_t)nold + n, size);
    if (p && nold)
        memcpy(p, old, (size_t)nold * size);
    return p;
}

static bool decode_functions(wxm_decoder *d)
{
    wx_module *m = d->m;
    uint32_t n;
    if (!read_count(d, &n))
        return false;
    if (!(m->funcs = extend_space(d, m->funcs, m->nfuncs, n, sizeof *m->funcs)))
        return false;
    for (uint32_t i = 0; i < n; i++)
        if (!wxr_u32(&d->r, &m->funcs[m->nfuncs + i].type))
            return false;
    m->nfuncs += n;
    d->nfunc_defs = n;
    return true;
}

/* A defined table: a table type, or (3.0) 0x40 0x00, a table type and
 * an initializer expression for its elements. */
static bool read_table(wxm_decoder *d, wxm_table *t)
{
    const uint8_t *at = d->r.p;
    if (d->r.p < d->r.end && *d->r.p == 0x40 && !d->m->wasm2) {
        d->r.p++;
        uint8_t zero;
        if (!read_byte(d, &zero))
            return false;
        if (zero != 0)
            return fail_at(d, at, "malformed table type");
        t->has_init = true;
        return read_tabletype(d, t) && read_const(d, &t->init);
    }
    return read_tabletype(d, t);
}

static bool decode_tables(wxm_decoder *d)
{
    wx_module *m = d->m;
    uint32_t n;
    if (!read_count(d, &n))
        return false;
    m->tables = extend_space(d, m->tables, m->ntables, n, sizeof *m->tables);
    if (!m->tables)
        return false;
    for (uint32_t i = 0; i < n; i++)
        if (!read_table(d, &m->tables[m->ntables + i]))
            return false;
    m->ntables += n;
    return true;
}

static bool decode_memories(wxm_decoder *d)
{
    wx_module *m = d->m;
    uint32_t n;
    if (!read_count(d, &n))
        return false;
    m->memories =
        extend_space(d, m->memories, m->nmemories, n, sizeof *m->memories);
    if (!m->memories)
        return false;
    for (uint32_t i = 0; i < n; i++)
        if (!read_limits(d, &m->memories[m->nmemories + i].limits))
            return false;
    m->nmemories += n;
    return true;
}

static bool decode_tags(wxm_decoder *d)
{
    wx_module *m = d->m;
    uint32_t n;
    if (m->wasm2)
        return fail(d, "malformed section id");
    if (!read_count(d, &n))
        return false;
    m->tags = extend_space(d, m->tags, m->ntags, n, sizeof *m->tags);
    if (!m->tags)
        return false;
    for (uint32_t i = 0; i < n; i++)
        if (!read_tagtype(d, &m->tags[m->ntags + i]))
            return false;
    m->ntags += n;
    return true;
}

static bool decode_globals(wxm_decoder *d)
{
    wx_module *m = d->m;
    uint32_t n;
    if (!read_count(d, &n))
        return false;
    m->globals =
        extend_space(d, m->globals, m->nglobals, n, sizeof *m->globals);
    if (!m->globals)
        return false;
    for (uint32_t i = 0; i < n; i++) {
        wxm_global *g = &m->globals[m->nglobals + i];
        if (!read_globaltype(d, g) || !read_const(d, &g->init))
            return false;
    }
    m->nglobals += n;
    return true;
}

static bool decode_exports(wxm_decoder *d)
{
    wx_module *m = d->m;
    if (!read_count(d, &m->nexports))
        return false;
    if (!(m->exports = dec_calloc(d, m->nexports, sizeof *m->exports)))
        return false;
    for (uint32_t i = 0; i < m->nexports; i++) {
        wxm_export *ex = &m->exports[i];
        const uint8_t *at;
        uint8_t kind;
        if (!read_name_len(d, &ex->name, &ex->name_len))
            return false;
        at = d->r.p;
        if (!read_byte(d, &kind))
            return false;
        if (kind > WX_EXTERN_TAG || (kind == WX_EXTERN_TAG && m->wasm2))
            return fail_at(d, at, "malformed export kind");
        ex->kind = (wx_externkind)kind;
        if (!wxr_u32(&d->r, &ex->index))
            return false;
    }
    return true;
}

static bool decode_start(wxm_decoder *d)
{
    d->m->has_start = true;
    return wxr_u32(&d->r, &d->m->start);
}

/* Element items given as function indices (encodings 0 to 3). */
static bool read_elem_funcs(wxm_decoder *d, wxm_elem *e)
{
    if (!read_count(d, &e->count))
        return false;
    if (!(e->items = dec_calloc(d, e->count, sizeof *e->items)))
        return false;
    for (uint32_t i = 0; i < e->count; i++) {
        wxm_const *c = &e->items[i];
        c->offset = wxr_offset(&d->r);
        c->kind = WXM_CONST_REF_FUNC;
        c->type = WX_FUNCREF;
        if (!wxr_u32(&d->r, &c->index))
            return false;
    }
    return true;
}

/* Element items given as constant expressions (encodings 4 to 7). */
static bool read_elem_exprs(wxm_decoder *d, wxm_elem *e)
{
    if (!read_count(d, &e->count))
        return false;
    if (!(e->items = dec_calloc(d, e->count, sizeof *e->items)))
        return false;
    for (uint32_t i = 0; i < e->count; i++)
        if (!read_const(d, &e->items[i]))
            return false;
    return true;
}

static bool read_elemkind(wxm_decoder *d)
{
    const uint8_t *at = d->r.p;
    uint8_t kind;
    if (!read_byte(d, &kind))
        return false;
    if (kind != 0x00)
        return fail_at(d, at, "malformed element kind");
    return true;
}

/*
 * The eight encodings of an element segment. Bit 0: passive or declarative
 * (else active); bit 1: explicit table index when active, declarative when
 * not; bit 2: items are expressions with a reference type (else function
 * indices with an element kind).
 */
static bool read_elem(wxm_decoder *d, wxm_elem *e)
{
    const uint8_t *at = d->r.p;
    uint32_t flags;
    if (!wxr_u32(&d->r, &flags))
        return false;
    if (flags > 7)
        return fail_at(d, at, "malformed elements segment kind");
    e->type = WX_FUNCREF;
    if (flags & 1) {
        e->mode = (flags & 2) ? WXM_SEG_DECLARATIVE : WXM_SEG_PASSIVE;
    } else {
        e->mode = WXM_SEG_ACTIVE;
        if ((flags & 2) && !wxr_u32(&d->r, &e->table))
            return false;
        if (!read_const(d, &e->offset))
            return false;
    }
    /* Encodings 0 and 4 have an implicit funcref type and no kind byte. */
    if (flags & 4) {
        if ((flags & 3) && !read_reftype(d, &e->type))
            return false;
        return read_elem_exprs(d, e);
    }
    if ((flags & 3) && !read_elemkind(d))
        return false;
    /* 3.0: function indices are (ref func), never null. */
    if (!d->m->wasm2)
        e->type = wx_ref_type(WX_HEAP_FUNC, false);
    return read_elem_funcs(d, e);
}

static bool decode_elements(wxm_decoder *d)
{
    wx_module *m = d->m;
    if (!read_count(d, &m->nelems))
        return false;
    if (!(m->elems = dec_calloc(d, m->nelems, sizeof *m->elems)))
        return false;
    for (uint32_t i = 0; i < m->nelems; i++)
        if (!read_elem(d, &m->elems[i]))
            return false;
    return true;
}

static bool decode_datacount(wxm_decoder *d)
{
    d->m->has_datacount = true;
    return wxr_u32(&d->r, &d->m->datacount);
}

/* Locals of one code entry: groups of (count, type), expanded. The counts
 * are summed before anything is allocated. */
static bool read_locals(wxm_decoder *d, wxm_func *f)
{
    const uint8_t *at = d->r.p, *groups;
    uint32_t ngroups, count;
    uint64_t total = 0;
    wx_valtype t;
    if (!read_count(d, &ngroups))
        return false;
    groups = d->r.p;
    for (uint32_t i = 0; i < ngroups; i++) {
        if (!wxr_u32(&d->r, &count))
            return false;
        total += count;
        if (total > WXM_MAX_LOCALS)
            return fail_at(d, at, "too many locals");
        if (!read_valtype(d, &t))
            return false;
    }
    d->total_locals += total;
    if (d->total_locals >
        DEC_LOCALS_BASE + (uint64_t)DEC_LOCALS_PER_BYTE * d->m->len) {
        d->limit = true;
        return fail_at(d, at, "too many locals in the module");
    }
    f->nlocals = (uint32_t)total;
    if (!(f->locals = dec_calloc(d, total, sizeof *f->locals)))
        return false;
    /* Second pass over the groups, already checked. */
    d->r.p = groups;
    total = 0;
    for (uint32_t i = 0; i < ngroups; i++) {
        wxr_u32(&d->r, &count);
        read_valtype(d, &t);
        for (uint32_t k = 0; k < count; k++)
            f->locals[total++] = t;
    }
    return true;
}

static bool decode_code(wxm_decoder *d)
{
    wx_module *m = d->m;
    const uint8_t *at = d->r.p;
    const uint8_t *section_end = d->r.end;
    uint32_t n;
    if (!read_count(d, &n))
        return false;
    if (n != d->nfunc_defs)
        return fail_at(d, at,
                       "function and code section have inconsistent lengths");
    d->has_code = true;
    for (uint32_t i = 0; i < n; i++) {
        wxm_func *f = &m->funcs[m->nfunc_imports + i];
        uint32_t size;
        f->code_offset = wxr_offset(&d->r);
        d->func_index = m->nfunc_imports + i;
        at = d->r.p;
        if (!wxr_u32(&d->r, &size))
            return false;
        if (size > wxr_left(&d->r))
            return fail_at(d, at, "unexpected end of section or function");
        /* The entry is read with the section's reader narrowed to it. */
        d->r.end = d->r.p + size;
        if (!read_locals(d, f))
            return false;
        f->body_offset = wxr_offset(&d->r);
        f->body_end = (uint32_t)(d->r.end - m->bytes);
        d->r.p = d->r.end;
        d->r.end = section_end;
    }
    d->func_index = WX_NO_INDEX;
    return true;
}

static bool read_data(wxm_decoder *d, wxm_data *s)
{
    const uint8_t *at = d->r.p;
    uint32_t flags;
    if (!wxr_u32(&d->r, &flags))
        return false;
    switch (flags) {
    case 0:
        s->mode = WXM_SEG_ACTIVE;
        if (!read_const(d, &s->offset))
            return false;
        break;
    case 1:
        s->mode = WXM_SEG_PASSIVE;
        break;
    case 2:
        s->mode = WXM_SEG_ACTIVE;
        if (!wxr_u32(&d->r, &s->memory) || !read_const(d, &s->offset))
            return false;
        break;
    default:
        return fail_at(d, at, "malformed data segment kind");
    }
    at = d->r.p;
    if (!wxr_u32(&d->r, &s->len))
        return false;
    if (s->len > wxr_left(&d->r))
        return fail_at(d, at, "unexpected end of section or function");
    return wxr_bytes(&d->r, s->len, &s->bytes);
}

static bool decode_data(wxm_decoder *d)
{
    wx_module *m = d->m;
    const uint8_t *at = d->r.p;
    if (!read_count(d, &m->ndatas))
        return false;
    if (m->has_datacount && m->datacount != m->ndatas)
        return fail_at(d, at,
                       "data count and data section have inconsistent "
                       "lengths");
    d->has_data = true;
    if (!(m->datas = dec_calloc(d, m->ndatas, sizeof *m->datas)))
        return false;
    for (uint32_t i = 0; i < m->ndatas; i++)
        if (!read_data(d, &m->datas[i]))
            return false;
    return true;
}

static bool decode_custom(wxm_decoder *d)
{
    wx_module *m = d->m;
    wxm_custom c;
    if (!read_name(d, &c.name))
        return false;
    c.data = d->r.p;
    c.len = (uint32_t)wxr_left(&d->r);
    d->r.p = d->r.end;
    if (m->ncustoms == d->customs_cap) {
        uint32_t cap = d->customs_cap ? 2 * d->customs_cap : 4;
        wxm_custom *a = dec_calloc(d, cap, sizeof *a);
        if (!a)
            return false;
        if (m->ncustoms)
            memcpy(a, m->customs, m->ncustoms * sizeof *a);
        m->customs = a;
        d->customs_cap = cap;
    }
    m->customs[m->ncustoms++] = c;
    if (!d->names && !strcmp(c.name, "name")) {
        d->names = c.data;
        d->names_len = c.len;
    }
    return true;
}

static bool decode_section(wxm_decoder *d, unsigned id)
{
    switch (id) {
    case SEC_CUSTOM: return decode_custom(d);
    case SEC_TYPE: return decode_types(d);
    case SEC_IMPORT: return decode_imports(d);
    case SEC_FUNCTION: return decode_functions(d);
    case SEC_TABLE: return decode_tables(d);
    case SEC_MEMORY: return decode_memories(d);
    case SEC_GLOBAL: return decode_globals(d);
    case SEC_EXPORT: return decode_exports(d);
    case SEC_START: return decode_start(d);
    case SEC_ELEMENT: return decode_elements(d);
    case SEC_CODE: return decode_code(d);
    case SEC_DATA: return decode_data(d);
    case SEC_DATACOUNT: return decode_datacount(d);
    case SEC_TAG: return decode_tags(d);
    }
    return false;
}

/* ---------------------------------------------------------------- module */

/* The magic and the version are read as whole 32-bit words, as the
 * reference interpreter does: fewer than four bytes is a truncation. */
static bool read_header(wxm_decoder *d)
{
    static const uint8_t magic[4] = {0x00, 'a', 's', 'm'};
    static const uint8_t version[4] = {0x01, 0x00, 0x00, 0x00};
    const uint8_t *b;
    if (!wxr_bytes(&d->r, 4, &b))
        return false;
    if (memcmp(b, magic, 4))
        return fail_at(d, b, "magic header not detected");
    if (!wxr_bytes(&d->r, 4, &b))
        return false;
    if (memcmp(b, version, 4))
        return fail_at(d, b, "unknown binary version");
    return true;
}

static bool read_sections(wxm_decoder *d)
{
    wx_module *m = d->m;
    const uint8_t *module_end = m->bytes + m->len;
    unsigned last_rank = 0;
    while (!wxr_eof(&d->r)) {
        const uint8_t *at = d->r.p, *end;
        uint8_t id;
        uint32_t size;
        d->section = SEC_NONE;
        if (!read_byte(d, &id))
            return false;
        if (id >= SEC_COUNT_)
            return fail_at(d, at, "malformed section id");
        if (id != SEC_CUSTOM) {
            if (section_rank[id] <= last_rank)
                return fail_at(d, at,
                               "unexpected content after last section");
            last_rank = section_rank[id];
        }
        d->section = id;
        at = d->r.p;
        if (!wxr_u32(&d->r, &size))
            return false;
        if (size > wxr_left(&d->r))
            return fail_at(d, at, "length out of bounds");
        end = d->r.p + size;
        d->r.end = end;
        if (!decode_section(d, id))
            return false;
        if (d->r.p != end)
            return fail(d, "section size mismatch");
        d->r.end = module_end;
    }
    d->section = SEC_NONE;
    return true;
}

/* Checks that need the whole module: counts that two sections share. */
static bool check_counts(wxm_decoder *d)
{
    wx_module *m = d->m;
    if (!d->has_code && d->nfunc_defs != 0)
        return fail(d, "function and code section have inconsistent lengths");
    if (!d->has_data && m->has_datacount && m->datacount != 0)
        return fail(d, "data count and data section have inconsistent lengths");
    return true;
}

static void mark_declared(wx_module *m, const wxm_const *c)
{
    if (c->kind == WXM_CONST_EXPR)
        for (uint32_t i = 0; i < c->nops; i++)
            mark_declared(m, &c->ops[i]);
    if (c->kind == WXM_CONST_REF_FUNC && c->index < m->nfuncs)
        m->func_declared[c->index] = true;
}

/* Functions referenced outside function bodies (spec "C.refs"). */
static bool collect_declared(wxm_decoder *d)
{
    wx_module *m = d->m;
    if (!(m->func_declared = dec_calloc(d, m->nfuncs, sizeof(bool))))
        return false;
    for (uint32_t i = 0; i < m->nexports; i++)
        if (m->exports[i].kind == WX_EXTERN_FUNC &&
            m->exports[i].index < m->nfuncs)
            m->func_declared[m->exports[i].index] = true;
    for (uint32_t i = m->nglobal_imports; i < m->nglobals; i++)
        mark_declared(m, &m->globals[i].init);
    for (uint32_t i = 0; i < m->nelems; i++) {
        const wxm_elem *e = &m->elems[i];
        if (e->mode == WXM_SEG_ACTIVE)
            mark_declared(m, &e->offset);
        for (uint32_t k = 0; k < e->count; k++)
            mark_declared(m, &e->items[k]);
    }
    for (uint32_t i = 0; i < m->ndatas; i++)
        if (m->datas[i].mode == WXM_SEG_ACTIVE)
            mark_declared(m, &m->datas[i].offset);
    return true;
}

/* Clears everything but the caller's arena, bytes and rules (wasm2), so
 * that a module struct can be decoded whatever it held. */
static void reset_module(wx_module *m)
{
    wxm_arena arena = m->arena;
    uint8_t *bytes = m->bytes;
    size_t len = m->len;
    bool wasm2 = m->wasm2;
    memset(m, 0, sizeof *m);
    m->arena = arena;
    m->bytes = bytes;
    m->len = len;
    m->wasm2 = wasm2;
}

wx_status wxm_decode(wx_module *m, wx_error *err)
{
    wxm_decoder d;

    memset(&d, 0, sizeof d);
    reset_module(m);
    d.m = m;
    d.section = SEC_NONE;
    d.func_index = WX_NO_INDEX;
    /* Offsets are 32-bit throughout the module structures. */
    if (m->len > UINT32_MAX)
        return report(&d, err, WX_ELIMIT, SEC_NONE, 0,
                      "module larger than 4 GiB");
    if (!m->bytes)
        return report(&d, err, WX_EMALFORMED, SEC_NONE, 0, "unexpected end");
    wxr_init(&d.r, m->bytes, m->bytes, m->bytes + m->len);

    if (!read_header(&d) || !read_sections(&d) || !check_counts(&d) ||
        !(m->func_names = dec_calloc(&d, m->nfuncs, sizeof(char *))) ||
        !collect_declared(&d)) {
        wx_status s = d.nomem ? WX_ENOMEM
                      : d.limit ? WX_ELIMIT
                                : WX_EMALFORMED;
        const char *msg = d.r.error;
        /* The reader cannot tell a section's end from the module's; the
         * spec words the former differently. */
        if (!strcmp(msg, "unexpected end") && d.section != SEC_NONE &&
            d.r.p == d.r.end && d.r.end != m->bytes + m->len)
            msg = "unexpected end of section or function";
        return report(&d, err, s, d.section, wxr_offset(&d.r), msg);
    }
    if (d.invalid_msg) {
        d.func_index = WX_NO_INDEX;
        return report(&d, err, WX_EINVALID, d.invalid_section,
                      d.invalid_offset, d.invalid_msg);
    }
    if (d.names)
        wxm_decode_names(m, d.names, d.names_len);
    return WX_OK;
}

/* ------------------------------------------------------- after the load */

/* The engine reads only the "name" section (wxm_decode_names, during the
 * decode, for the function names of trap messages); its bytes stay
 * available to embedders, small as they are. Debug sections, often most of
 * a binary, stay in the caller's bytes unless asked for. */
static bool keeps_custom(const wxm_custom *c, uint32_t flags)
{
    return (flags & WX_LOAD_KEEP_CUSTOM_SECTIONS) || !strcmp(c->name, "name");
}

wx_status wxm_keep_parts(wx_module *m, uint32_t flags, wx_error *err)
{
    for (uint32_t i = 0; i < m->ndatas; i++) {
        wxm_data *s = &m->datas[i];
        if (!(s->bytes = wxm_arena_memdup(&m->arena, s->bytes, s->len)))
            goto nomem;
    }
    uint32_t kept = 0;
    for (uint32_t i = 0; i < m->ncustoms; i++) {
        wxm_custom c = m->customs[i];
        if (!keeps_custom(&c, flags))
            continue;
        if (!(c.data = wxm_arena_memdup(&m->arena, c.data, c.len)))
            goto nomem;
        m->customs[kept++] = c;
    }
    m->ncustoms = kept;
    return WX_OK;

nomem:
    return wx_error_set(err, WX_ENOMEM,
                        "out of host memory copying the module's data "
                        "segments and custom sections");
}
