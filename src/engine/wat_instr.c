/*
 * The text format's instructions (textfmt.h): flat and folded forms,
 * structured blocks with their labels, and each opcode's immediates. The
 * names come from the engine's opcode table (opcodes.h), so an opcode the
 * engine learns is spelled in one place.
 */
#include "textfmt.h"

#include "opcodes.h"

#include <string.h>

/* Blocks and folded instructions nest by recursion here, so their depth
 * is bounded to keep the C stack bounded (about 1 MB at this depth). A
 * switch lowered to nested blocks reaches a few thousand. */
#define WXT_MAX_NESTING 5000

/* Every opcode by its text name: the plain ones and those after 0xFC
 * and 0xFB; the GC ones (0xFB) with their kind of immediates (enum
 * wxo_gc_imm). ref.test and ref.cast are listed twice in opcodes.h, the
 * non-nullable form first: that is the one found by name, and the
 * target type's nullability then picks the opcode. */
typedef struct op_name {
    const char *name;
    uint8_t prefix;
    uint8_t code;
    uint8_t gc_imm;
} op_name;

static const op_name op_names[] = {
#define WXT_PLAIN_(e, c, n, k, a, r) {n, 0, c, 0},
    WXO_LIST(WXT_PLAIN_) WXO_EXC_LIST(WXT_PLAIN_)
#undef WXT_PLAIN_
#define WXT_FC_(e, c, n, k, a, r) {n, WXO_FC_PREFIX, c, 0},
        WXO_FC_LIST(WXT_FC_)
#undef WXT_FC_
#define WXT_FB_(e, c, n, k) {n, WXO_FB_PREFIX, c, k},
            WXO_FB_LIST(WXT_FB_)
#undef WXT_FB_
};

static const op_name *find_op(const wxt_tok *t)
{
    /* select_t is the table's name for select with types, which the text
     * writes `select (result t)`. */
    if (wxt_is_kw(t, "select_t"))
        return NULL;
    for (size_t i = 0; i < sizeof op_names / sizeof *op_names; i++)
        if (wxt_is_kw(t, op_names[i].name))
            return &op_names[i];
    return NULL;
}

/* The state of one function body (or constant expression). */
typedef struct ictx {
    wxt_parser *p;
    const wxt_func_ctx *fn;
    const wxt_tok **labels; /* innermost last; NULL for no name */
    uint32_t nlabels, cap;
    uint32_t nesting; /* of block, loop, if and folded instructions */
} ictx;

static void enter(ictx *c, const wxt_tok *at)
{
    if (++c->nesting > WXT_MAX_NESTING)
        wxt_fail(c->p, at, "instructions nested too deep (more than %u)",
                 WXT_MAX_NESTING);
}

static void push_label(ictx *c, const wxt_tok *id)
{
    if (c->nlabels == c->cap) {
        uint32_t cap = c->cap ? c->cap * 2 : 16;
        const wxt_tok **l = wxt_alloc(c->p, cap * sizeof *l);
        if (c->nlabels)
            memcpy(l, c->labels, c->nlabels * sizeof *l);
        c->labels = l;
        c->cap = cap;
    }
    c->labels[c->nlabels++] = id;
}

static uint32_t label_index(ictx *c, const wxt_tok *t)
{
    if (t->kind == WXT_ID) {
        for (uint32_t i = c->nlabels; i > 0; i--)
            if (wxt_same_id(c->labels[i - 1], t))
                return c->nlabels - i;
        wxt_fail(c->p, t, "undefined label %.*s", (int)t->len, t->s);
    }
    return (uint32_t)wxt_nat(c->p, t, UINT32_MAX);
}

static bool index_ahead(wxt_parser *p)
{
    const wxt_tok *t = wxt_peek(p, 0);
    return t->kind == WXT_ID || wxt_is_nat(t);
}

static uint32_t local_index(ictx *c, const wxt_tok *t)
{
    if (t->kind == WXT_ID) {
        for (uint32_t i = 0; c->fn && i < c->fn->nlocals; i++)
            if (wxt_same_id(c->fn->local_ids[i], t))
                return i;
        wxt_fail(c->p, t, "unknown local %.*s", (int)t->len, t->s);
    }
    return (uint32_t)wxt_nat(c->p, t, UINT32_MAX);
}

/* An optional index of `space` (0 when absent). */
static uint32_t opt_index(wxt_parser *p, enum wxt_space space)
{
    return index_ahead(p) ? wxt_index(p, space, wxt_next(p)) : 0;
}

/* A memory access's natural alignment (log2), from its name: the width in
 * the name (load8, store16, load32) or the value type's. */
static uint32_t natural_align(const char *name)
{
    const char *dot = strchr(name, '.');
    const char *w = dot ? dot + 1 : name;
    while (*w && (*w < '0' || *w > '9'))
        w++;
    if (*w == '8')
        return 0;
    if (w[0] == '1' && w[1] == '6')
        return 1;
    if (w[0] == '3' && w[1] == '2')
        return 2;
    return name[1] == '6' ? 3 : 2; /* i64/f64 vs i32/f32 */
}

/* offset=N? align=N? after memory `mem` (read by the caller), for an
 * access whose natural alignment is `align` (log2). */
static void memarg_of(ictx *c, wxt_buf *out, uint32_t mem, uint32_t align)
{
    wxt_parser *p = c->p;
    uint64_t offset = 0;
    const wxt_tok *t = wxt_peek(p, 0);
    if (t->kind == WXT_KW && t->len > 7 && memcmp(t->s, "offset=", 7) == 0) {
        wxt_tok num = *t;
        num.s += 7;
        num.len -= 7;
        /* Any u64: memory64 takes them, and a 32-bit memory's limit is
         * the decoder's (2.0: a malformed LEB128) or the validator's
         * (3.0: "offset out of range") to enforce. */
        offset = wxt_nat(p, &num, UINT64_MAX);
        wxt_next(p);
        t = wxt_peek(p, 0);
    }
    if (t->kind == WXT_KW && t->len > 6 && memcmp(t->s, "align=", 6) == 0) {
        wxt_tok num = *t;
        num.s += 6;
        num.len -= 6;
        uint64_t a = wxt_nat(p, &num, UINT64_MAX);
        if (!a || (a & (a - 1)))
            wxt_fail(p, t, "alignment must be a power of two: %.*s",
                     (int)t->len, t->s);
        for (align = 0; (UINT64_C(1) << align) < a; align++)
            ;
        wxt_next(p);
    }
    if (mem) {
        wxt_u32(p, out, align | 0x40);
        wxt_u32(p, out, mem);
    } else {
        wxt_u32(p, out, align);
    }
    do {
        uint8_t byte = offset & 0x7F;
        offset >>= 7;
        wxt_byte(p, out, byte | (offset ? 0x80 : 0));
    } while (offset);
}

/* memidx? offset=N? align=N? */
static void memarg(ictx *c, wxt_buf *out, const op_name *op)
{
    memarg_of(c, out, opt_index(c->p, WXT_MEMORY), natural_align(op->name));
}

/* A SIMD lane access's memidx? memarg lane: a lone index is the lane, so
 * an index is the memory's only when more follows (an index, offset=,
 * align=). */
static uint32_t lane_memidx(wxt_parser *p)
{
    const wxt_tok *t = wxt_peek(p, 0), *next = wxt_peek(p, 1);
    bool more = next->kind == WXT_KW &&
                (wxt_is_nat(next) ||
                 (next->len > 7 && !memcmp(next->s, "offset=", 7)) ||
                 (next->len > 6 && !memcmp(next->s, "align=", 6)));
    if (t->kind == WXT_ID || (wxt_is_nat(t) && more))
        return wxt_index(p, WXT_MEMORY, wxt_next(p));
    return 0;
}

/* A SIMD instruction (wat_simd.c): 0xFD, the sub-opcode, the memarg of
 * the memory ones, then its own immediates. */
static void simd_instr(ictx *c, wxt_buf *out, const wxt_simd_op *op)
{
    wxt_parser *p = c->p;
    wxt_byte(p, out, WXO_FD_PREFIX);
    wxt_u32(p, out, op->sub);
    if (op->imm == WXT_SIMD_MEMARG)
        memarg_of(c, out, opt_index(p, WXT_MEMORY), op->align);
    else if (op->imm == WXT_SIMD_MEMARG_LANE)
        memarg_of(c, out, lane_memidx(p), op->align);
    wxt_simd_imm(p, out, op);
}

/* call_indirect's and return_call_indirect's: table? typeuse. */
static void indirect(ictx *c, wxt_buf *out)
{
    uint32_t table = opt_index(c->p, WXT_TABLE);
    const wxt_tok **ids = NULL;
    uint32_t n = 0;
    wxt_u32(c->p, out, wxt_typeuse(c->p, &ids, &n));
    for (uint32_t i = 0; i < n; i++)
        if (ids[i])
            wxt_fail(c->p, ids[i],
                     "unexpected token: an indirect call's "
                     "parameters have no names");
    wxt_u32(c->p, out, table);
}

static void const_imm(ictx *c, wxt_buf *out, uint8_t code)
{
    wxt_parser *p = c->p;
    const wxt_tok *t = wxt_next(p);
    switch (code) {
    case WXO_I32_CONST:
        wxt_s64(p, out, (int32_t)(uint32_t)wxt_int(p, t, 32));
        break;
    case WXO_I64_CONST: wxt_s64(p, out, (int64_t)wxt_int(p, t, 64)); break;
    case WXO_F32_CONST: {
        uint32_t v = wxt_f32(p, t);
        for (int i = 0; i < 4; i++)
            wxt_byte(p, out, (uint8_t)(v >> (8 * i)));
        break;
    }
    default: {
        uint64_t v = wxt_f64(p, t);
        for (int i = 0; i < 8; i++)
            wxt_byte(p, out, (uint8_t)(v >> (8 * i)));
    }
    }
}

static void fc_imm(ictx *c, wxt_buf *out, uint8_t code)
{
    wxt_parser *p = c->p;
    uint32_t a, b;
    switch (code) {
    case WXO_FC_MEMORY_INIT:
    case WXO_FC_TABLE_INIT: {
        enum wxt_space outer =
            code == WXO_FC_MEMORY_INIT ? WXT_MEMORY : WXT_TABLE;
        enum wxt_space seg = code == WXO_FC_MEMORY_INIT ? WXT_DATA : WXT_ELEM;
        const wxt_tok *first = wxt_next(p);
        if (index_ahead(p)) {
            a = wxt_index(p, outer, first);
            b = wxt_index(p, seg, wxt_next(p));
        } else {
            a = 0;
            b = wxt_index(p, seg, first);
        }
        wxt_u32(p, out, b);
        wxt_u32(p, out, a);
        if (code == WXO_FC_MEMORY_INIT)
            p->uses_data_count = true;
        break;
    }
    case WXO_FC_DATA_DROP:
        wxt_u32(p, out, wxt_index(p, WXT_DATA, wxt_next(p)));
        p->uses_data_count = true;
        break;
    case WXO_FC_ELEM_DROP:
        wxt_u32(p, out, wxt_index(p, WXT_ELEM, wxt_next(p)));
        break;
    case WXO_FC_MEMORY_COPY:
    case WXO_FC_TABLE_COPY: {
        enum wxt_space s = code == WXO_FC_MEMORY_COPY ? WXT_MEMORY : WXT_TABLE;
        a = opt_index(p, s);
        b = index_ahead(p) ? wxt_index(p, s, wxt_next(p)) : a;
        wxt_u32(p, out, a);
        wxt_u32(p, out, b);
        break;
    }
    case WXO_FC_MEMORY_FILL: wxt_u32(p, out, opt_index(p, WXT_MEMORY)); break;
    case WXO_FC_TABLE_GROW:
    case WXO_FC_TABLE_SIZE:
    case WXO_FC_TABLE_FILL: wxt_u32(p, out, opt_index(p, WXT_TABLE)); break;
    default: break;
    }
}

/* A GC instruction (0xFB) after its name: the immediates by their kind
 * (opcodes.h), read before the opcode is written since a cast's target
 * type chooses between its two opcodes. */
static void gc_instr(ictx *c, wxt_buf *out, const op_name *op)
{
    wxt_parser *p = c->p;
    wxt_buf imm = {0};
    uint32_t code = op->code, type;
    bool null1, null2;
    switch ((enum wxo_gc_imm)op->gc_imm) {
    case WXO_GC_NONE: break;
    case WXO_GC_TYPE:
        wxt_u32(p, &imm, wxt_index(p, WXT_TYPE, wxt_next(p)));
        break;
    case WXO_GC_FIELD:
        type = wxt_index(p, WXT_TYPE, wxt_next(p));
        wxt_u32(p, &imm, type);
        wxt_u32(p, &imm, wxt_field_index(p, type, wxt_next(p)));
        break;
    case WXO_GC_FIXED:
        wxt_u32(p, &imm, wxt_index(p, WXT_TYPE, wxt_next(p)));
        wxt_u32(p, &imm, (uint32_t)wxt_nat(p, wxt_next(p), UINT32_MAX));
        break;
    case WXO_GC_DATA:
        wxt_u32(p, &imm, wxt_index(p, WXT_TYPE, wxt_next(p)));
        wxt_u32(p, &imm, wxt_index(p, WXT_DATA, wxt_next(p)));
        p->uses_data_count = true;
        break;
    case WXO_GC_ELEM:
        wxt_u32(p, &imm, wxt_index(p, WXT_TYPE, wxt_next(p)));
        wxt_u32(p, &imm, wxt_index(p, WXT_ELEM, wxt_next(p)));
        break;
    case WXO_GC_TYPE2:
        wxt_u32(p, &imm, wxt_index(p, WXT_TYPE, wxt_next(p)));
        wxt_u32(p, &imm, wxt_index(p, WXT_TYPE, wxt_next(p)));
        break;
    case WXO_GC_HEAP: {
        uint32_t heap = wxt_cast_type(p, &null1);
        if (null1)
            code = code == WXO_FB_REF_TEST ? WXO_FB_REF_TEST_NULL
                                           : WXO_FB_REF_CAST_NULL;
        wxt_put_heaptype(p, &imm, heap);
        break;
    }
    case WXO_GC_BR_ON_CAST: {
        uint32_t label = label_index(c, wxt_next(p));
        uint32_t from = wxt_cast_type(p, &null1);
        uint32_t to = wxt_cast_type(p, &null2);
        wxt_byte(p, &imm, (uint8_t)(null1 | null2 << 1));
        wxt_u32(p, &imm, label);
        wxt_put_heaptype(p, &imm, from);
        wxt_put_heaptype(p, &imm, to);
        break;
    }
    }
    wxt_byte(p, out, WXO_FB_PREFIX);
    wxt_u32(p, out, code);
    wxt_bytes(p, out, imm.p, imm.n);
}

/* select (result t*)*: the typed form as soon as a (result) is there. */
static void select_op(ictx *c, wxt_buf *out)
{
    wxt_parser *p = c->p;
    if (!wxt_is_open(p, "result")) {
        wxt_byte(p, out, WXO_SELECT);
        return;
    }
    wxt_buf types = {0};
    uint32_t n = 0;
    while (wxt_is_open(p, "result")) {
        p->pos += 2;
        while (wxt_valtype_ahead(p)) {
            wxt_put_valtype(p, &types, wxt_valtype(p));
            n++;
        }
        wxt_expect_rp(p);
    }
    wxt_byte(p, out, WXO_SELECT_T);
    wxt_vec(p, out, n, &types);
}

/* The opcodes that are part of a structured instruction's syntax, not
 * instructions of their own. */
static bool is_structured(uint8_t code)
{
    switch (code) {
    case WXO_BLOCK:
    case WXO_LOOP:
    case WXO_IF:
    case WXO_ELSE:
    case WXO_END:
    case WXO_TRY:
    case WXO_CATCH:
    case WXO_CATCH_ALL:
    case WXO_DELEGATE:
    case WXO_TRY_TABLE: return true;
    default: return false;
    }
}

/* One plain instruction (its keyword already read): opcode, immediates. */
static void plain(ictx *c, wxt_buf *out, const wxt_tok *kw)
{
    wxt_parser *p = c->p;
    const op_name *op = find_op(kw);
    const wxt_simd_op *simd = op ? NULL : wxt_simd_find(kw);
    if (simd) {
        simd_instr(c, out, simd);
        return;
    }
    if (!op || (op->prefix == 0 && is_structured(op->code)))
        wxt_fail(p, kw, "unknown operator %.*s", (int)kw->len, kw->s);
    if (op->prefix == WXO_FB_PREFIX) {
        gc_instr(c, out, op);
        return;
    }
    if (op->prefix) {
        wxt_byte(p, out, op->prefix);
        wxt_u32(p, out, op->code);
        fc_imm(c, out, op->code);
        return;
    }
    if (op->code == WXO_SELECT) {
        select_op(c, out);
        return;
    }
    wxt_byte(p, out, op->code);
    switch (op->code) {
    case WXO_BR:
    case WXO_BR_IF:
    case WXO_BR_ON_NULL:
    case WXO_BR_ON_NON_NULL:
    case WXO_RETHROW: wxt_u32(p, out, label_index(c, wxt_next(p))); break;
    case WXO_CALL_REF:
    case WXO_RETURN_CALL_REF:
        wxt_u32(p, out, wxt_index(p, WXT_TYPE, wxt_next(p)));
        break;
    case WXO_THROW: wxt_u32(p, out, wxt_index(p, WXT_TAG, wxt_next(p))); break;
    case WXO_BR_TABLE: {
        wxt_buf labels = {0};
        uint32_t n = 0;
        do {
            wxt_u32(p, &labels, label_index(c, wxt_next(p)));
            n++;
        } while (index_ahead(p));
        wxt_vec(p, out, n - 1, &labels);
        break;
    }
    case WXO_CALL:
    case WXO_RETURN_CALL:
    case WXO_REF_FUNC:
        wxt_u32(p, out, wxt_index(p, WXT_FUNC, wxt_next(p)));
        break;
    case WXO_CALL_INDIRECT:
    case WXO_RETURN_CALL_INDIRECT: indirect(c, out); break;
    case WXO_LOCAL_GET:
    case WXO_LOCAL_SET:
    case WXO_LOCAL_TEE: wxt_u32(p, out, local_index(c, wxt_next(p))); break;
    case WXO_GLOBAL_GET:
    case WXO_GLOBAL_SET:
        wxt_u32(p, out, wxt_index(p, WXT_GLOBAL, wxt_next(p)));
        break;
    case WXO_TABLE_GET:
    case WXO_TABLE_SET: wxt_u32(p, out, opt_index(p, WXT_TABLE)); break;
    case WXO_MEMORY_SIZE:
    case WXO_MEMORY_GROW: wxt_u32(p, out, opt_index(p, WXT_MEMORY)); break;
    case WXO_I32_CONST:
    case WXO_I64_CONST:
    case WXO_F32_CONST:
    case WXO_F64_CONST: const_imm(c, out, op->code); break;
    case WXO_REF_NULL: wxt_put_heaptype(p, out, wxt_heaptype(p)); break;
    default:
        if (op->code >= WXO_I32_LOAD && op->code <= WXO_I64_STORE32)
            memarg(c, out, op);
        break;
    }
}

static void seq(ictx *c, wxt_buf *out);
static void folded(ictx *c, wxt_buf *out);

/* `end $l` / `else $l`: the name, if given, must be the block's. */
static void closing_label(ictx *c, const wxt_tok *label)
{
    wxt_parser *p = c->p;
    if (wxt_peek(p, 0)->kind != WXT_ID)
        return;
    const wxt_tok *t = wxt_next(p);
    if (!label || !wxt_same_id(label, t))
        wxt_fail(p, t, "mismatching label %.*s", (int)t->len, t->s);
}

static void blocktype(ictx *c, wxt_buf *out)
{
    bool is_index;
    uint32_t v = wxt_blocktype(c->p, &is_index);
    if (is_index)
        wxt_s64(c->p, out, v);
    else
        wxt_put_valtype(c->p, out, v);
}

/* try_table's clauses, (catch x l) (catch_ref x l) (catch_all l)
 * (catch_all_ref l), before the try_table's own label is pushed: their
 * labels are those around it. */
static void catch_clauses(ictx *c, wxt_buf *out)
{
    static const char *const kinds[] = {"catch", "catch_ref", "catch_all",
                                        "catch_all_ref"};
    wxt_parser *p = c->p;
    wxt_buf clauses = {0};
    uint32_t n = 0;
    for (;;) {
        int kind = -1;
        for (int k = 0; k < 4 && kind < 0; k++)
            if (wxt_is_open(p, kinds[k]))
                kind = k;
        if (kind < 0)
            break;
        p->pos += 2;
        wxt_byte(p, &clauses, (uint8_t)kind);
        if (kind == WXO_CATCH_TAG || kind == WXO_CATCH_TAG_REF)
            wxt_u32(p, &clauses, wxt_index(p, WXT_TAG, wxt_next(p)));
        wxt_u32(p, &clauses, label_index(c, wxt_next(p)));
        wxt_expect_rp(p);
        n++;
    }
    wxt_vec(p, out, n, &clauses);
}

/* The head of a try_table: opcode, block type, clauses; its label. */
static void try_table_head(ictx *c, wxt_buf *out, const wxt_tok *label)
{
    wxt_byte(c->p, out, WXO_TRY_TABLE);
    blocktype(c, out);
    catch_clauses(c, out);
    push_label(c, label);
}

/* A legacy try's `delegate l`: the label is looked up once the try's own
 * label is gone, so that 0 is the block around the try. */
static void delegate_label(ictx *c, wxt_buf *out)
{
    c->nlabels--;
    wxt_byte(c->p, out, WXO_DELEGATE);
    wxt_u32(c->p, out, label_index(c, wxt_next(c->p)));
}

/* A legacy try's handlers in the flat form, after its body: catch x
 * instr* ... catch_all instr*, up to `end` (not consumed), or
 * `delegate l`. Returns whether it ended with delegate (label popped). */
static bool flat_handlers(ictx *c, wxt_buf *out)
{
    wxt_parser *p = c->p;
    for (;;) {
        const wxt_tok *t = wxt_peek(p, 0);
        if (wxt_is_kw(t, "catch")) {
            wxt_next(p);
            wxt_byte(p, out, WXO_CATCH);
            wxt_u32(p, out, wxt_index(p, WXT_TAG, wxt_next(p)));
        } else if (wxt_is_kw(t, "catch_all")) {
            wxt_next(p);
            wxt_byte(p, out, WXO_CATCH_ALL);
        } else if (wxt_is_kw(t, "delegate")) {
            wxt_next(p);
            delegate_label(c, out);
            return true;
        } else {
            return false;
        }
        seq(c, out);
    }
}

/* block, loop and if in the flat form: up to their `end`. */
static void flat_block(ictx *c, wxt_buf *out, const wxt_tok *kw)
{
    wxt_parser *p = c->p;
    enter(c, kw);
    const wxt_tok *label = wxt_peek(p, 0)->kind == WXT_ID ? wxt_next(p) : NULL;
    if (wxt_is_kw(kw, "try_table")) {
        try_table_head(c, out, label);
        seq(c, out);
    } else {
        wxt_byte(p, out,
                 wxt_is_kw(kw, "block")  ? WXO_BLOCK
                 : wxt_is_kw(kw, "loop") ? WXO_LOOP
                 : wxt_is_kw(kw, "try")  ? WXO_TRY
                                         : WXO_IF);
        blocktype(c, out);
        push_label(c, label);
        seq(c, out);
    }
    if (wxt_is_kw(kw, "try") && flat_handlers(c, out)) {
        c->nesting--;
        return;
    }
    if (wxt_is_kw(kw, "if") && wxt_is_kw(wxt_peek(p, 0), "else")) {
        wxt_next(p);
        closing_label(c, label);
        wxt_byte(p, out, WXO_ELSE);
        seq(c, out);
    }
    const wxt_tok *t = wxt_peek(p, 0);
    if (!wxt_is_kw(t, "end"))
        wxt_fail(p, t, "unexpected token, expected \"end\" of the %.*s",
                 (int)kw->len, kw->s);
    wxt_next(p);
    closing_label(c, label);
    c->nlabels--;
    c->nesting--;
    wxt_byte(p, out, WXO_END);
}

/* (if label? blocktype cond* (then instr*) (else instr*)?) */
static void folded_if(ictx *c, wxt_buf *out)
{
    wxt_parser *p = c->p;
    const wxt_tok *label = wxt_peek(p, 0)->kind == WXT_ID ? wxt_next(p) : NULL;
    wxt_buf bt = {0};
    blocktype(c, &bt);
    while (wxt_peek(p, 0)->kind == WXT_LP && !wxt_is_open(p, "then"))
        folded(c, out);
    wxt_byte(p, out, WXO_IF);
    wxt_bytes(p, out, bt.p, bt.n);
    push_label(c, label);
    wxt_expect_lp(p);
    wxt_expect_kw(p, "then");
    seq(c, out);
    wxt_expect_rp(p);
    if (wxt_is_open(p, "else")) {
        p->pos += 2;
        wxt_byte(p, out, WXO_ELSE);
        seq(c, out);
        wxt_expect_rp(p);
    }
    c->nlabels--;
    wxt_byte(p, out, WXO_END);
}

static const wxt_tok *opt_label(ictx *c)
{
    return wxt_peek(c->p, 0)->kind == WXT_ID ? wxt_next(c->p) : NULL;
}

/* (try label? blocktype (do instr*) (catch x instr*)* (catch_all
 * instr*)?) or (try label? blocktype (do instr*) (delegate l)): the
 * legacy exception handling. */
static void folded_try(ictx *c, wxt_buf *out)
{
    wxt_parser *p = c->p;
    const wxt_tok *label = opt_label(c);
    wxt_byte(p, out, WXO_TRY);
    blocktype(c, out);
    push_label(c, label);
    wxt_expect_lp(p);
    wxt_expect_kw(p, "do");
    seq(c, out);
    wxt_expect_rp(p);
    if (wxt_is_open(p, "delegate")) {
        p->pos += 2;
        delegate_label(c, out);
        wxt_expect_rp(p);
        return;
    }
    for (;;) {
        if (wxt_is_open(p, "catch")) {
            p->pos += 2;
            wxt_byte(p, out, WXO_CATCH);
            wxt_u32(p, out, wxt_index(p, WXT_TAG, wxt_next(p)));
        } else if (wxt_is_open(p, "catch_all")) {
            p->pos += 2;
            wxt_byte(p, out, WXO_CATCH_ALL);
        } else {
            break;
        }
        seq(c, out);
        wxt_expect_rp(p);
    }
    c->nlabels--;
    wxt_byte(p, out, WXO_END);
}

static void folded(ictx *c, wxt_buf *out)
{
    wxt_parser *p = c->p;
    wxt_expect_lp(p);
    const wxt_tok *kw = wxt_next(p);
    enter(c, kw);
    if (kw->kind != WXT_KW)
        wxt_fail(p, kw, "unexpected token, expected an instruction");
    if (wxt_is_kw(kw, "block") || wxt_is_kw(kw, "loop")) {
        const wxt_tok *label =
            wxt_peek(p, 0)->kind == WXT_ID ? wxt_next(p) : NULL;
        wxt_byte(p, out, wxt_is_kw(kw, "block") ? WXO_BLOCK : WXO_LOOP);
        blocktype(c, out);
        push_label(c, label);
        seq(c, out);
        c->nlabels--;
        wxt_byte(p, out, WXO_END);
    } else if (wxt_is_kw(kw, "if")) {
        folded_if(c, out);
    } else if (wxt_is_kw(kw, "try_table")) {
        try_table_head(c, out, opt_label(c));
        seq(c, out);
        c->nlabels--;
        wxt_byte(p, out, WXO_END);
    } else if (wxt_is_kw(kw, "try")) {
        folded_try(c, out);
    } else {
        /* The operands come first in the binary, the immediates after the
         * opcode: keep the instruction aside while the operands go out. */
        wxt_buf self = {0};
        plain(c, &self, kw);
        while (wxt_peek(p, 0)->kind == WXT_LP)
            folded(c, out);
        wxt_bytes(p, out, self.p, self.n);
    }
    wxt_expect_rp(p);
    c->nesting--;
}

/* Instructions until ")", `end` or `else` (not consumed). */
static void seq(ictx *c, wxt_buf *out)
{
    wxt_parser *p = c->p;
    for (;;) {
        const wxt_tok *t = wxt_peek(p, 0);
        if (t->kind == WXT_RP || t->kind == WXT_EOF || wxt_is_kw(t, "end") ||
            wxt_is_kw(t, "else") || wxt_is_kw(t, "catch") ||
            wxt_is_kw(t, "catch_all") || wxt_is_kw(t, "delegate"))
            return;
        if (t->kind == WXT_LP) {
            folded(c, out);
            continue;
        }
        if (t->kind != WXT_KW)
            wxt_fail(p, t, "unexpected token, expected an instruction");
        wxt_next(p);
        if (wxt_is_kw(t, "block") || wxt_is_kw(t, "loop") ||
            wxt_is_kw(t, "if") || wxt_is_kw(t, "try") ||
            wxt_is_kw(t, "try_table"))
            flat_block(c, out, t);
        else
            plain(c, out, t);
    }
}

void wxt_instrs(wxt_parser *p, wxt_buf *out, const wxt_func_ctx *fn)
{
    ictx c = {p, fn, NULL, 0, 0, 0};
    push_label(&c, NULL); /* the function body's own label */
    seq(&c, out);
    const wxt_tok *t = wxt_peek(p, 0);
    if (t->kind != WXT_RP)
        wxt_fail(p, t, "unexpected token \"%.*s\"", (int)t->len, t->s);
}

void wxt_const_expr(wxt_parser *p, wxt_buf *out)
{
    wxt_instrs(p, out, NULL);
    wxt_byte(p, out, WXO_END);
}
