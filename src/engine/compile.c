/*
 * The compiler: turns each validated function body (wasm stack code) into
 * the register-style internal code described in compile.h, in one pass.
 *
 * It keeps a virtual operand stack: each entry says where the value is
 * without moving it -- in its own temporary slot (TEMP), still in a local
 * (LOCAL: local.get emitted nothing), or a constant not yet written
 * anywhere (CONST). The entry at stack position p, once it is a TEMP,
 * always lives in slot temp_base + p (its "home"), so block results and
 * branch values meet in slots known at compile time.
 *
 * Invariants that keep this correct:
 *   - At block, loop and if entry every LOCAL entry is copied to its home,
 *     and the block's parameters are made TEMPs: values on the virtual stack
 *     never depend on which path reached a label.
 *   - Before a local is overwritten, every LOCAL entry still naming it is
 *     copied out (the "preserve" step); a per-local reference count makes
 *     the common case free.
 *   - Branches copy their values into the target's homes; a br_if that
 *     needs copies branches around them.
 *
 * Peephole fusions look at the last one or two ops emitted (forgotten at
 * every label) and take them back out of the code when a fused op does
 * their work: local.set of a freshly computed value retargets that op's
 * destination to the local; a compare (or eqz) followed by br_if or if
 * becomes one compare-and-branch op, which also absorbs a preceding
 * add-immediate of its operand (loop counters) or i32 load of it; an
 * i32.add feeding a load or store becomes part of its address, a mul
 * feeding an add a multiply-add (an f64 mul feeding an f64 mul, one op
 * that rounds both products); constants become immediates or constant
 * addresses; two moves become one. compile.h lists them.
 *
 * Locals still known to hold their initial zero (straight-line code before
 * the first loop) read as constants, and storing zero to them is dropped.
 */
#include "compile.h"

#include "opcodes.h"
#include "reader.h"
#include "reftype.h"

#include <inttypes.h>
#include <setjmp.h>
#include <stdlib.h>
#include <string.h>

const wxc_opinfo wxc_ops[WXC_OP_COUNT_] = {
#define X_(name, layout, traps) {1 + sizeof(layout) / 2, traps, layout, #name},
    WXC_OP_LIST(X_)
#undef X_
};

/* Every name and layout fits its array with its terminating zero. */
#define X_(op, lay, traps)                                                    \
    _Static_assert(sizeof(#op) <= sizeof wxc_ops[0].name &&                   \
                       sizeof(lay) <= sizeof wxc_ops[0].layout,               \
                   "wxc_opinfo: " #op " does not fit");
WXC_OP_LIST(X_)
#undef X_

/* ------------------------------------------- tables from ops.def (+1) */

#define M_UN_(X, name, w, ti, to, e) [w] = WXC_OP_##name + 1,
#define M_UNT_(X, name, w, ti, to, f) [w] = WXC_OP_##name + 1,
static const uint16_t unop_map[0x108] = {
    WXC_UNOPS(M_UN_, ~) WXC_TRAP_UNOPS(M_UNT_, ~)};

#define M_BIN_(X, name, w, ti, to, v, e) [w] = WXC_OP_##name + 1,
#define M_BINT_(X, name, w, ti, to, f, e) [w] = WXC_OP_##name + 1,
static const uint16_t binop_map[0xC0] = {
    WXC_BINOPS(M_BIN_, ~) WXC_TRAP_BINOPS(M_BINT_, ~)};

#define M_IMM_(X, name, w, ti, to, v, e) M_IMM_##v(name)
#define M_IMM_N(name)
#define M_IMM_F(name)
#define M_IMM_I(name) [WXC_OP_##name] = WXC_OP_##name##_I + 1,
#define M_IMM_C(name) M_IMM_I(name)
#define M_IMM_L(name) M_IMM_I(name)
#define M_IMMT_(X, name, w, ti, to, f, e) M_IMM_I(name)
static const uint16_t imm_map[WXC_OP_COUNT_] = {
    WXC_BINOPS(M_IMM_, ~) WXC_TRAP_BINOPS(M_IMMT_, ~)};

/* How an op's immediate is encoded: 0 the 32 bits of an i32 or f32, 1 an
 * i64 that must fit sign-extended in 32 bits, 2 a whole 64-bit cell. */
#define IMMK_U32 0
#define IMMK_I32 0
#define IMMK_F32 0
#define IMMK_U64 1
#define IMMK_I64 1
#define IMMK_F64 2
#define M_IMMK_(X, name, w, ti, to, v, e) [WXC_OP_##name] = IMMK_##ti,
#define M_IMMKT_(X, name, w, ti, to, f, e) [WXC_OP_##name] = IMMK_##ti,
static const uint8_t imm_kind[WXC_OP_COUNT_] = {
    WXC_BINOPS(M_IMMK_, ~) WXC_TRAP_BINOPS(M_IMMKT_, ~)};

/* Divisions: 1 unsigned, 2 signed (an immediate divisor must not be 0, nor
 * -1 for the signed ones, so that the _I form cannot trap). */
#define DIVK_U32 1
#define DIVK_U64 1
#define DIVK_I32 2
#define DIVK_I64 2
#define M_DIVK_(X, name, w, ti, to, f, e) [WXC_OP_##name] = DIVK_##ti,
static const uint8_t div_kind[WXC_OP_COUNT_] = {WXC_TRAP_BINOPS(M_DIVK_, ~)};

#define M_BRIF_(X, name, w, ti, to, v, e) M_BRIF_##v(name)
#define M_BRIF_N(name)
#define M_BRIF_I(name)
#define M_BRIF_L(name)
#define M_BRIF_F(name) [WXC_OP_##name] = WXC_OP_BR_IF_##name + 1,
#define M_BRIF_C(name)                                                        \
    M_BRIF_F(name) [WXC_OP_##name##_I] = WXC_OP_BR_IF_##name##_I + 1,
static const uint16_t brif_map[WXC_OP_COUNT_] = {WXC_BINOPS(M_BRIF_, ~)};

#define M_BRUN_(X, name, w, ti, to, v, e) M_BRUN_##v(name)
#define M_BRUN_N(name)
#define M_BRUN_I(name)
#define M_BRUN_L(name)
#define M_BRUN_F(name) [WXC_OP_##name] = WXC_OP_BR_UNLESS_##name + 1,
#define M_BRUN_C(name)                                                        \
    M_BRUN_F(name) [WXC_OP_##name##_I] = WXC_OP_BR_UNLESS_##name##_I + 1,
static const uint16_t brunless_map[WXC_OP_COUNT_] = {
    WXC_BINOPS(M_BRUN_, ~)};

/* Add-compare-and-branch: the fused op for each compare, and the add
 * (with an immediate, at the compare's width) that fuses into it. */
#define ADDOP_U32 WXC_OP_I32_ADD_I
#define ADDOP_I32 WXC_OP_I32_ADD_I
#define ADDOP_U64 WXC_OP_I64_ADD_I
#define ADDOP_I64 WXC_OP_I64_ADD_I
#define M_ADDBR_(X, name, w, ti, to, v, e) M_ADDBR_##v(name, ti)
#define M_ADDBR_N(name, ti)
#define M_ADDBR_I(name, ti)
#define M_ADDBR_L(name, ti)
#define M_ADDBR_F(name, ti)
#define M_ADDBR_C(name, ti)                                                   \
    [WXC_OP_##name] = WXC_OP_ADD_BR_IF_##name + 1,                            \
    [WXC_OP_##name##_I] = WXC_OP_ADD_BR_IF_##name##_I + 1,
static const uint16_t addbr_map[WXC_OP_COUNT_] = {WXC_BINOPS(M_ADDBR_, ~)};
#undef M_ADDBR_C
#define M_ADDBR_C(name, ti)                                                   \
    [WXC_OP_##name] = ADDOP_##ti, [WXC_OP_##name##_I] = ADDOP_##ti,
static const uint16_t addbr_add[WXC_OP_COUNT_] = {WXC_BINOPS(M_ADDBR_, ~)};

/* Loads that fuse with a branch on their value: the first of their four
 * branching forms (NZ, Z, EQ_I, NE_I). */
#define M_LDBR_(X, name, mt) [WXC_OP_##name] = WXC_OP_##name##_BR_NZ + 1,
static const uint16_t ldbr_map[WXC_OP_COUNT_] = {WXC_LOAD_BRS(M_LDBR_, ~)};

/* The op to use when the constant is the left operand: op(k, x) ==
 * swapped(x, k), or -1 when there is none. */
static int swapped_op(int op)
{
    switch (op) {
#define SAME_(n) case WXC_OP_##n: return WXC_OP_##n;
#define SWAP_(n, m) case WXC_OP_##n: return WXC_OP_##m;
    SAME_(I32_ADD) SAME_(I32_MUL) SAME_(I32_AND) SAME_(I32_OR)
    SAME_(I32_XOR) SAME_(I32_EQ) SAME_(I32_NE) SAME_(I64_ADD)
    SAME_(I64_MUL) SAME_(I64_AND) SAME_(I64_OR) SAME_(I64_XOR)
    SAME_(I64_EQ) SAME_(I64_NE)
    SWAP_(I32_LT_S, I32_GT_S) SWAP_(I32_GT_S, I32_LT_S)
    SWAP_(I32_LE_S, I32_GE_S) SWAP_(I32_GE_S, I32_LE_S)
    SWAP_(I32_LT_U, I32_GT_U) SWAP_(I32_GT_U, I32_LT_U)
    SWAP_(I32_LE_U, I32_GE_U) SWAP_(I32_GE_U, I32_LE_U)
    SWAP_(I64_LT_S, I64_GT_S) SWAP_(I64_GT_S, I64_LT_S)
    SWAP_(I64_LE_S, I64_GE_S) SWAP_(I64_GE_S, I64_LE_S)
    SWAP_(I64_LT_U, I64_GT_U) SWAP_(I64_GT_U, I64_LT_U)
    SWAP_(I64_LE_U, I64_GE_U) SWAP_(I64_GE_U, I64_LE_U)
#undef SAME_
#undef SWAP_
    default: return -1;
    }
}

/* ------------------------------------------------------------ context */

enum { VK_TEMP, VK_LOCAL, VK_CONST };

typedef struct vent {
    uint16_t kind;
    uint16_t hi;   /* the second slot of a v128 (which takes two entries) */
    uint32_t slot; /* TEMP: its home; LOCAL: the local's slot */
    uint64_t bits; /* CONST */
} vent;

enum { CK_FUNC, CK_BLOCK, CK_LOOP, CK_IF, CK_TRY /* legacy try */ };

typedef struct ctl {
    uint8_t kind;
    bool unreachable; /* the rest of this block is dead code */
    bool branched;    /* some branch goes to the end label */
    bool has_else;
    uint32_t height;  /* virtual stack height below the parameters */
    uint32_t nparams, nresults; /* in slots: a v128 counts two */
    /* The types behind them, to push results and parameters again (a v128
     * as two entries, the second marked `hi`). */
    const wx_valtype *ptypes, *rtypes;
    uint32_t nptypes, nrtypes;
    uint32_t start;    /* loop: cell index of the loop's first op */
    uint32_t fixups;   /* forward branches to the end (fixup index + 1) */
    uint32_t else_fix; /* if: the branch to else (fixup index + 1) */
    /* Exception handling. `scope` (0: none) numbers a try_table or
     * legacy try, whose handlers cover its body while `in_body`; catch
     * clauses that go to this label are patched at its end (hfix). */
    uint32_t scope;
    bool in_body;
    uint32_t hfix;     /* handlers to point here (hfixup index + 1) */
    uint32_t hfirst, hcount; /* try_table: its entries, hi set at end */
    uint32_t try_lo, try_hi; /* legacy try: its body's cells */
    uint32_t try_level;      /* legacy try: its rethrow slot's index */
    uint32_t hcur;           /* legacy try: the current clause's entry */
} ctl;

/* A handler entry whose target is a label's end, not known yet. */
typedef struct hfixup {
    uint32_t h;    /* index in cctx.hd */
    uint32_t next; /* next of the same label (index + 1) */
} hfixup;

/* A branch field to patch when its label is bound. */
typedef struct fixup {
    uint32_t op;    /* cell index of the branching op */
    uint32_t field; /* its offset field */
    uint32_t next;  /* next fixup of the same label (index + 1) */
} fixup;

/* How to branch on a condition just popped. */
typedef struct cond {
    bool fused;   /* a compare: op with operands a, b */
    uint32_t op;  /* the compare op (fused) */
    uint32_t a, b; /* slots, or slot and immediate */
} cond;

typedef struct cctx {
    wx_module *m;
    const void *const *handlers;
    struct wxc_func *fns; /* one per defined function */
    jmp_buf oom;

    wxr_reader r;
    uint32_t offset; /* of the instruction being compiled */
    struct wxc_func *fn;
    uint32_t temp_base;
    uint32_t dead_depth; /* blocks opened inside dead code */

    wxc_cell *code;
    uint32_t ncode, capcode;
    vent *vs;
    uint32_t nvs, capvs, maxvs;
    ctl *cs;
    uint32_t ncs, capcs;
    fixup *fx;
    uint32_t nfx, capfx;
    wxc_pcmap *pm;
    uint32_t npm, cappm;
    uint32_t *refcnt; /* LOCAL entries per local */
    uint32_t caprefcnt;
    uint32_t *labels; /* br_table scratch */
    uint32_t caplabels;

    /* Exception handlers of the function (compile.h), the fixups of
     * those going to labels not bound yet, and the scopes numbered. */
    wxc_handler *hd;
    uint32_t nhd, caphd;
    hfixup *hfx;
    uint32_t nhfx, caphfx;
    uint32_t nscopes;
    uint32_t exn_base; /* slot of the legacy rethrow slots */
    /* Slot of each local when the function has v128 params or locals
     * (nparams + nlocals + 1 entries; a v128 local's slot is followed by
     * its second one); NULL when local x is slot x, as for every function
     * without v128. */
    uint32_t *lslot;
    uint32_t caplslot;
    bool lwide;

    /* Locals known to hold their initial zero. Facts only ever go from
     * known to unknown, so the current state is also true at every forward
     * label; a loop header (reached from later code) ends them all. */
    bool zero_valid;
    uint8_t *lzero;
    uint32_t caplzero;

    /* The op just emitted and the one before it, for the peephole
     * fusions (both forgotten at every label). */
    struct lastop {
        bool valid;
        bool producer; /* writes field 0 (a slot) after reading all else */
        bool cmp;      /* a compare or eqz that may fuse into a branch */
        uint32_t pos, dst, op, a, b;
    } last, prev;
} cctx;

/* Grows a scratch array; out of memory unwinds to compile_all (only our
 * own scratch buffers are live, and they are freed there). */
static void *grow(cctx *c, void *p, uint32_t *cap, uint64_t need,
                  size_t elem)
{
    if (need <= *cap)
        return p;
    uint64_t n = *cap ? *cap : 16;
    while (n < need)
        n *= 2;
    if (n > UINT32_MAX / 2)
        longjmp(c->oom, 1);
    void *q = realloc(p, (size_t)n * elem);
    if (!q)
        longjmp(c->oom, 1);
    *cap = (uint32_t)n;
    return q;
}

#define RESERVE(c, arr, cap, need)                                            \
    do {                                                                      \
        if (__builtin_expect((need) > (c)->cap, 0))                           \
            (c)->arr = grow((c), (c)->arr, &(c)->cap, (need),                 \
                            sizeof *(c)->arr);                                \
    } while (0)

/* ----------------------------------------------------------- emission */

static uint32_t emit_n(cctx *c, wxc_opcode op, uint32_t len)
{
    RESERVE(c, code, capcode, (uint64_t)c->ncode + len);
    uint32_t pos = c->ncode;
    if (c->handlers)
        c->code[pos].h = c->handlers[op];
    else
        c->code[pos].op = op;
    for (uint32_t i = 1; i < len; i++)
        c->code[pos + i].u64 = 0;
    c->ncode += len;
    c->prev = c->last;
    c->last.valid = false;
    if (wxc_ops[op].traps) {
        RESERVE(c, pm, cappm, (uint64_t)c->npm + 1);
        c->pm[c->npm].pc = pos;
        c->pm[c->npm].offset = c->offset;
        c->npm++;
    }
    return pos;
}

static uint32_t emit(cctx *c, wxc_opcode op)
{
    return emit_n(c, op, wxc_ops[op].len);
}

static void set_field(cctx *c, uint32_t pos, uint32_t field, uint32_t v)
{
    c->code[pos + 1 + field / 2].u32[field & 1] = v;
}

static uint32_t emit1(cctx *c, wxc_opcode op, uint32_t f0)
{
    uint32_t pos = emit(c, op);
    set_field(c, pos, 0, f0);
    return pos;
}

static uint32_t emit2(cctx *c, wxc_opcode op, uint32_t f0, uint32_t f1)
{
    uint32_t pos = emit1(c, op, f0);
    set_field(c, pos, 1, f1);
    return pos;
}

static uint32_t emit3(cctx *c, wxc_opcode op, uint32_t f0, uint32_t f1,
                      uint32_t f2)
{
    uint32_t pos = emit2(c, op, f0, f1);
    set_field(c, pos, 2, f2);
    return pos;
}

static uint32_t emit4(cctx *c, wxc_opcode op, uint32_t f0, uint32_t f1,
                      uint32_t f2, uint32_t f3)
{
    uint32_t pos = emit3(c, op, f0, f1, f2);
    set_field(c, pos, 3, f3);
    return pos;
}

/* Remembers that the op at pos wrote slot dst and may be retargeted. */
static void produced(cctx *c, uint32_t pos, uint32_t dst)
{
    c->last.op = WXC_OP_COUNT_;
    c->last.valid = true;
    c->last.producer = true;
    c->last.cmp = false;
    c->last.pos = pos;
    c->last.dst = dst;
}

static void compared(cctx *c, uint32_t pos, uint32_t dst, uint32_t op,
                     uint32_t a, uint32_t b)
{
    produced(c, pos, dst);
    c->last.cmp = true;
    c->last.op = op;
    c->last.a = a;
    c->last.b = b;
}

/* A label is bound here: no fusion across it. */
static void bind_label(cctx *c)
{
    c->last.valid = false;
    c->prev.valid = false;
}

/* Takes the last op back out of the code; the op before it becomes the
 * last one. Returns the wasm offset of its pc map entry if it had one (an
 * op that may trap), so that the op replacing it can keep it. */
static uint32_t unemit_last(cctx *c)
{
    uint32_t offset = c->offset;
    if (c->npm && c->pm[c->npm - 1].pc == c->last.pos)
        offset = c->pm[--c->npm].offset;
    c->ncode = c->last.pos;
    c->last = c->prev;
    c->prev.valid = false;
    return offset;
}

static void emit_const(cctx *c, uint32_t dst, uint64_t bits)
{
    if (bits >> 32 == 0) {
        emit2(c, WXC_OP_CONST32, dst, (uint32_t)bits);
    } else {
        uint32_t pos = emit1(c, WXC_OP_CONST64, dst);
        c->code[pos + 2].u64 = bits;
    }
}

/* -------------------------------------------------- the virtual stack */

static uint32_t home(const cctx *c, uint32_t pos)
{
    return c->temp_base + pos;
}

static void push(cctx *c, uint32_t kind, uint32_t slot, uint64_t bits)
{
    RESERVE(c, vs, capvs, (uint64_t)c->nvs + 1);
    vent *e = &c->vs[c->nvs++];
    e->kind = (uint16_t)kind;
    e->hi = 0;
    e->slot = slot;
    e->bits = bits;
    if (kind == VK_LOCAL)
        c->refcnt[slot]++;
    if (c->nvs > c->maxvs)
        c->maxvs = c->nvs;
}

static uint32_t push_temp(cctx *c)
{
    uint32_t slot = home(c, c->nvs);
    push(c, VK_TEMP, slot, 0);
    return slot;
}

/* A v128 temporary: two entries in consecutive homes; returns the first. */
static uint32_t push_v128_temp(cctx *c)
{
    uint32_t slot = push_temp(c);
    push_temp(c);
    c->vs[c->nvs - 1].hi = 1;
    return slot;
}

/* Slots of n values of types t: two for a v128, one for any other. */
static uint32_t nslots(const wx_valtype *t, uint32_t n)
{
    uint32_t k = n;
    for (uint32_t i = 0; i < n; i++)
        k += t[i] == WX_V128;
    return k;
}

/* TEMPs for n values of types t (results of a call or a block). */
static void push_temps(cctx *c, const wx_valtype *t, uint32_t n)
{
    for (uint32_t i = 0; i < n; i++) {
        if (t[i] == WX_V128)
            push_v128_temp(c);
        else
            push_temp(c);
    }
}

static void pop(cctx *c)
{
    vent *e = &c->vs[--c->nvs];
    if (e->kind == VK_LOCAL)
        c->refcnt[e->slot]--;
}

static void truncate_to(cctx *c, uint32_t n)
{
    while (c->nvs > n)
        pop(c);
}

/* Writes the value of entry e into slot dst. Two moves in a row become one
 * MOV2 (wasm code shuffles locals a lot). */
static void emit_move(cctx *c, uint32_t dst, const vent *e)
{
    if (e->kind == VK_CONST) {
        emit_const(c, dst, e->bits);
    } else if (e->slot != dst) {
        if (c->last.valid && c->last.op == WXC_OP_MOV) {
            uint32_t pos = c->last.pos;
            RESERVE(c, code, capcode, (uint64_t)c->ncode + 1);
            if (c->handlers)
                c->code[pos].h = c->handlers[WXC_OP_MOV2];
            else
                c->code[pos].op = WXC_OP_MOV2;
            c->code[c->ncode++].u64 = 0;
            set_field(c, pos, 2, dst);
            set_field(c, pos, 3, e->slot);
            c->last.valid = false;
            return;
        }
        uint32_t pos = emit2(c, WXC_OP_MOV, dst, e->slot);
        c->last.valid = true;
        c->last.producer = false;
        c->last.cmp = false;
        c->last.op = WXC_OP_MOV;
        c->last.pos = pos;
    }
}

/* Makes entry `pos` a TEMP in its home. */
static void materialize(cctx *c, uint32_t pos)
{
    vent *e = &c->vs[pos];
    if (e->kind == VK_TEMP)
        return;
    uint32_t h = home(c, pos);
    emit_move(c, h, e);
    if (e->kind == VK_LOCAL)
        c->refcnt[e->slot]--;
    e->kind = VK_TEMP;
    e->slot = h;
}

/* The slot holding entry `pos` (constants are written to their home). */
static uint32_t slot_at(cctx *c, uint32_t pos)
{
    if (c->vs[pos].kind == VK_CONST)
        materialize(c, pos);
    return c->vs[pos].slot;
}

static uint32_t pop_slot(cctx *c)
{
    uint32_t s = slot_at(c, c->nvs - 1);
    pop(c);
    return s;
}

/* The first of the two consecutive slots holding the v128 whose entries
 * are `pos` and pos + 1: a local's, a TEMP's home, or the home it is
 * copied to when its halves are elsewhere (constants, a half copied). */
static uint32_t vslot(cctx *c, uint32_t pos)
{
    const vent *lo = &c->vs[pos], *hi = &c->vs[pos + 1];
    if (lo->kind == hi->kind && lo->kind != VK_CONST &&
        hi->slot == lo->slot + 1)
        return lo->slot;
    materialize(c, pos);
    materialize(c, pos + 1);
    return c->vs[pos].slot;
}

/* ------------------------------------------------------------- labels */

static uint32_t label_arity(const ctl *t)
{
    return t->kind == CK_LOOP ? t->nparams : t->nresults;
}

/* Points the offset field of the branch at `pos` to label `ti`. */
static void link_branch(cctx *c, uint32_t ti, uint32_t pos, uint32_t field)
{
    ctl *t = &c->cs[ti];
    if (t->kind == CK_LOOP) {
        set_field(c, pos, field, (uint32_t)((int32_t)t->start - (int32_t)pos));
        return;
    }
    RESERVE(c, fx, capfx, (uint64_t)c->nfx + 1);
    c->fx[c->nfx].op = pos;
    c->fx[c->nfx].field = field;
    c->fx[c->nfx].next = t->fixups;
    t->fixups = ++c->nfx;
    t->branched = true;
}

static void patch_here(cctx *c, uint32_t pos, uint32_t field)
{
    set_field(c, pos, field, c->ncode - pos);
}

static void patch_list(cctx *c, uint32_t head)
{
    for (uint32_t i = head; i; i = c->fx[i - 1].next)
        patch_here(c, c->fx[i - 1].op, c->fx[i - 1].field);
}

/* Whether a branch to label ti must copy values into the label's homes. */
static bool needs_copies(const cctx *c, uint32_t ti)
{
    const ctl *t = &c->cs[ti];
    uint32_t n = label_arity(t);
    for (uint32_t k = 0; k < n; k++) {
        const vent *e = &c->vs[c->nvs - n + k];
        if (e->kind != VK_TEMP || e->slot != home(c, t->height + k))
            return true;
    }
    return false;
}

/* Copies the branch values into the label's homes. Ascending order is safe:
 * a source is never below its destination. */
static void emit_copies(cctx *c, uint32_t ti)
{
    const ctl *t = &c->cs[ti];
    uint32_t n = label_arity(t);
    for (uint32_t k = 0; k < n; k++)
        emit_move(c, home(c, t->height + k), &c->vs[c->nvs - n + k]);
}

/* Moves the results to fp[0..n) and returns. */
static void emit_return(cctx *c)
{
    uint32_t n = c->fn->nresults;
    if (n == 1) {
        const vent *e = &c->vs[c->nvs - 1];
        if (e->kind == VK_CONST) {
            emit_const(c, 0, e->bits);
            emit(c, WXC_OP_RET);
        } else {
            emit1(c, WXC_OP_RET1, e->slot);
        }
        return;
    }
    uint32_t base = c->nvs - n;
    /* A local read by result k must not be overwritten by an earlier
     * result move. */
    for (uint32_t k = 0; k < n; k++) {
        const vent *e = &c->vs[base + k];
        if (e->kind == VK_LOCAL && e->slot < k)
            materialize(c, base + k);
    }
    for (uint32_t k = 0; k < n; k++)
        emit_move(c, k, &c->vs[base + k]);
    emit(c, WXC_OP_RET);
}

static void set_unreachable(cctx *c)
{
    ctl *t = &c->cs[c->ncs - 1];
    t->unreachable = true;
    truncate_to(c, t->height);
}

/* --------------------------------------------------------- conditions */

static cond pop_cond(cctx *c)
{
    cond k = {0};
    const vent *e = &c->vs[c->nvs - 1];
    if (e->kind == VK_TEMP && c->last.valid && c->last.cmp &&
        c->last.dst == e->slot) {
        /* Take the compare back out of the code: the branch does it. */
        k.fused = true;
        k.op = c->last.op;
        k.a = c->last.a;
        k.b = c->last.b;
        unemit_last(c);
        pop(c);
        return k;
    }
    k.a = pop_slot(c);
    return k;
}

/* Emits a branch taken when the condition is `when` and returns its
 * position; *field receives the index of its offset field. */
static uint32_t emit_cond_branch(cctx *c, const cond *k, bool when,
                                 uint32_t *field)
{
    /* A loop counter just incremented and then tested: one op. */
    const struct lastop *l = &c->last;
    if (when && l->valid && l->producer && l->dst == k->a) {
        uint32_t op = 0, b = 0;
        if (k->fused && addbr_map[k->op] && l->op == addbr_add[k->op]) {
            op = addbr_map[k->op] - 1;
            b = k->b;
        } else if (!k->fused && l->op == WXC_OP_I32_ADD_I) {
            op = WXC_OP_ADD_BR_IF_I32_NE_I;
        }
        if (op) {
            uint32_t d = l->dst, s = l->a, i = l->b;
            unemit_last(c);
            uint32_t pos = emit4(c, (wxc_opcode)op, d, s, i, b);
            *field = 4;
            return pos;
        }
    }
    /* A value just loaded and then tested: one op. */
    if (l->valid && l->producer && l->dst == k->a &&
        l->op < WXC_OP_COUNT_ && ldbr_map[l->op] &&
        (!k->fused || k->op == WXC_OP_I32_EQ_I || k->op == WXC_OP_I32_NE_I ||
         k->op == WXC_OP_I32_EQZ)) {
        /* 0 NZ, 1 Z, 2 EQ_I, 3 NE_I: the test on the value that branches. */
        unsigned test;
        if (!k->fused)
            test = when ? 0 : 1;
        else if (k->op == WXC_OP_I32_EQZ)
            test = when ? 1 : 0;
        else
            test = (k->op == WXC_OP_I32_EQ_I) == when ? 2 : 3;
        uint32_t d = l->dst, s = l->a, off = l->b;
        wxc_opcode op = (wxc_opcode)(ldbr_map[l->op] - 1 + test);
        uint32_t at = unemit_last(c);
        uint32_t pos = emit3(c, op, d, s, off);
        c->pm[c->npm - 1].offset = at; /* a trap is the load's */
        if (test >= 2)
            set_field(c, pos, 3, k->b);
        *field = test >= 2 ? 4 : 3;
        return pos;
    }
    if (!k->fused) {
        *field = 1;
        return emit1(c, when ? WXC_OP_BR_IF_NZ : WXC_OP_BR_IF_Z, k->a);
    }
    if (k->op == WXC_OP_I32_EQZ) {
        *field = 1;
        return emit1(c, when ? WXC_OP_BR_IF_Z : WXC_OP_BR_IF_NZ, k->a);
    }
    if (k->op == WXC_OP_I64_EQZ) {
        *field = 1;
        return emit1(c, when ? WXC_OP_BR_IF_Z64 : WXC_OP_BR_IF_NZ64, k->a);
    }
    uint16_t op = when ? brif_map[k->op] : brunless_map[k->op];
    *field = 2;
    return emit2(c, (wxc_opcode)(op - 1), k->a, k->b);
}

/* ------------------------------------------------- exception handlers */

/* A new handler entry (its range's end, target and slots set later). */
static uint32_t new_handler(cctx *c, uint32_t kind, uint32_t tag,
                            uint32_t lo, uint32_t scope)
{
    RESERVE(c, hd, caphd, (uint64_t)c->nhd + 1);
    wxc_handler *h = &c->hd[c->nhd];
    memset(h, 0, sizeof *h);
    h->lo = lo;
    h->scope = scope;
    h->kind = kind;
    h->tag = tag;
    h->exn_slot = WX_NO_INDEX;
    return c->nhd++;
}

/* Points handler h at label ti: the values go where a branch to the
 * label leaves them (its homes), and the handler goes on at the label's
 * loop start, end (patched by close_handlers) or, for the function's
 * label, at a RET after the body (target UINT32_MAX until then). */
static void aim_handler(cctx *c, uint32_t ti, uint32_t h)
{
    if (ti == 0) {
        c->hd[h].dst = 0;
        c->hd[h].target = UINT32_MAX;
        return;
    }
    RESERVE(c, hfx, caphfx, (uint64_t)c->nhfx + 1);
    ctl *t = &c->cs[ti];
    c->hd[h].dst = home(c, t->height);
    if (t->kind == CK_LOOP) {
        c->hd[h].target = t->start;
        return;
    }
    c->hfx[c->nhfx].h = h;
    c->hfx[c->nhfx].next = t->hfix;
    t->hfix = ++c->nhfx;
    t->branched = true; /* the end is reached from the handler */
}

/* At the end of block t: the handlers going to its end point here, and
 * a try_table's own entries end here. */
static void close_handlers(cctx *c, const ctl *t)
{
    for (uint32_t i = t->hfix; i; i = c->hfx[i - 1].next)
        c->hd[c->hfx[i - 1].h].target = c->ncode;
    for (uint32_t k = 0; k < t->hcount; k++)
        c->hd[t->hfirst + k].hi = c->ncode;
}

/* ------------------------------------------------------------- blocks */

/* A block's parameter and result types (bt); *np and *nr in slots. */
typedef struct btypes {
    const wx_valtype *p, *r;
    uint32_t np, nr;
} btypes;

static void read_blocktype(cctx *c, uint32_t *np, uint32_t *nr, btypes *bt)
{
    uint8_t b = c->r.p < c->r.end ? *c->r.p : 0;
    memset(bt, 0, sizeof *bt);
    if (b == WXO_BLOCKTYPE_EMPTY) {
        c->r.p++;
    } else if (wxm_is_valtype(b)) {
        c->r.p++;
        bt->r = wxm_single_type(b);
        bt->nr = 1;
    } else if (b == 0x63 || b == 0x64 || wx_is_ref((wx_valtype)b)) {
        /* Any other reference type (3.0), validated: the compiler needs
         * only its width, one slot, as funcref's. */
        wx_valtype t;
        wxm_read_valtype(&c->r, false, &t);
        bt->r = wxm_single_type(WX_FUNCREF);
        bt->nr = 1;
    } else {
        int64_t idx = 0;
        wxr_sleb(&c->r, 33, &idx);
        const wxm_functype *t = &c->m->types[idx];
        bt->p = t->params;
        bt->np = t->nparams;
        bt->r = t->results;
        bt->nr = t->nresults;
    }
    *np = nslots(bt->p, bt->np);
    *nr = nslots(bt->r, bt->nr);
}

static void enter_block(cctx *c, uint8_t kind, uint32_t np, uint32_t nr,
                        const btypes *bt)
{
    const ctl *top = &c->cs[c->ncs - 1];
    for (uint32_t i = top->height; i < c->nvs; i++)
        if (c->vs[i].kind == VK_LOCAL)
            materialize(c, i);
    for (uint32_t i = c->nvs - np; i < c->nvs; i++)
        materialize(c, i);
    RESERVE(c, cs, capcs, (uint64_t)c->ncs + 1);
    ctl *t = &c->cs[c->ncs++];
    memset(t, 0, sizeof *t);
    t->kind = kind;
    t->height = c->nvs - np;
    t->nparams = np;
    t->nresults = nr;
    t->ptypes = bt->p;
    t->nptypes = bt->np;
    t->rtypes = bt->r;
    t->nrtypes = bt->nr;
    t->start = c->ncode;
    /* Only a loop's start is a label; code flows straight into a block. */
    if (kind == CK_LOOP) {
        bind_label(c);
        c->zero_valid = false;
    }
}

static void do_else(cctx *c)
{
    ctl *t = &c->cs[c->ncs - 1];
    if (!t->unreachable) {
        for (uint32_t k = 0; k < t->nresults; k++)
            materialize(c, t->height + k);
        uint32_t pos = emit(c, WXC_OP_BR);
        link_branch(c, c->ncs - 1, pos, 0);
    }
    t = &c->cs[c->ncs - 1];
    patch_list(c, t->else_fix);
    t->else_fix = 0;
    t->has_else = true;
    t->unreachable = false;
    bind_label(c);
    truncate_to(c, t->height);
    push_temps(c, t->ptypes, t->nptypes);
}

/* Returns false when the function's final end was compiled. */
static bool do_end(cctx *c)
{
    ctl *t = &c->cs[c->ncs - 1];
    if (c->ncs == 1) {
        if (!t->unreachable)
            emit_return(c);
        c->ncs = 0;
        return false;
    }
    if (!t->unreachable)
        for (uint32_t k = 0; k < t->nresults; k++)
            materialize(c, t->height + k);
    bool fallthrough_else = t->kind == CK_IF && !t->has_else;
    patch_list(c, t->else_fix);
    patch_list(c, t->fixups);
    bind_label(c);
    if (t->scope || t->hfix)
        close_handlers(c, t);
    bool reachable = !t->unreachable || t->branched || fallthrough_else;
    truncate_to(c, t->height);
    const wx_valtype *rt = t->rtypes;
    uint32_t nrt = t->nrtypes;
    c->ncs--;
    push_temps(c, rt, nrt);
    c->cs[c->ncs - 1].unreachable = !reachable;
    return true;
}

/* ----------------------------------------------------------- branches */

static void do_br(cctx *c, uint32_t depth)
{
    uint32_t ti = c->ncs - 1 - depth;
    if (ti == 0) {
        emit_return(c);
    } else {
        emit_copies(c, ti);
        uint32_t pos = emit(c, WXC_OP_BR);
        link_branch(c, ti, pos, 0);
    }
    set_unreachable(c);
}

static void do_br_if(cctx *c, uint32_t depth)
{
    cond k = pop_cond(c);
    uint32_t ti = c->ncs - 1 - depth;
    uint32_t field;
    if (ti != 0 && !needs_copies(c, ti)) {
        uint32_t pos = emit_cond_branch(c, &k, true, &field);
        link_branch(c, ti, pos, field);
        return;
    }
    /* Branch around the copies (or the return) when the condition fails. */
    uint32_t skip = emit_cond_branch(c, &k, false, &field);
    if (ti == 0) {
        emit_return(c);
    } else {
        emit_copies(c, ti);
        uint32_t pos = emit(c, WXC_OP_BR);
        link_branch(c, ti, pos, 0);
    }
    patch_here(c, skip, field);
    bind_label(c);
}

static void do_br_table(cctx *c, uint32_t count)
{
    /* An index just computed by adding a constant (a switch whose cases
     * do not start at 0): the table adds it itself. */
    uint32_t idx, bias = 0;
    const vent *e = &c->vs[c->nvs - 1];
    if (e->kind == VK_TEMP && c->last.valid && c->last.producer &&
        c->last.dst == e->slot && c->last.op == WXC_OP_I32_ADD_I) {
        idx = c->last.a;
        bias = c->last.b;
        unemit_last(c);
        pop(c);
    } else {
        idx = pop_slot(c);
    }
    uint32_t fields = 3 + count + 1;
    uint32_t pos = emit_n(c, WXC_OP_BR_TABLE, 1 + (fields + 1) / 2);
    set_field(c, pos, 0, idx);
    set_field(c, pos, 1, count);
    set_field(c, pos, 2, bias);
    /* Targets that need copies (or a return) get a trampoline after the
     * table; the others are branched to directly. */
    bool tramp = false;
    for (uint32_t i = 0; i <= count; i++) {
        uint32_t ti = c->ncs - 1 - c->labels[i];
        if (ti == 0 || needs_copies(c, ti))
            tramp = true;
        else
            link_branch(c, ti, pos, 3 + i);
    }
    if (tramp) {
        for (uint32_t i = 0; i <= count; i++) {
            uint32_t ti = c->ncs - 1 - c->labels[i];
            if (ti != 0 && !needs_copies(c, ti))
                continue;
            bind_label(c);
            patch_here(c, pos, 3 + i);
            if (ti == 0) {
                emit_return(c);
            } else {
                emit_copies(c, ti);
                uint32_t br = emit(c, WXC_OP_BR);
                link_branch(c, ti, br, 0);
            }
        }
    }
    set_unreachable(c);
}

/* -------------------------------------------------------------- locals */

static void local_set(cctx *c, uint32_t x)
{
    vent v = c->vs[c->nvs - 1];
    pop(c);
    if (v.kind == VK_LOCAL && v.slot == x)
        return;
    if (c->zero_valid && c->lzero[x]) {
        if (v.kind == VK_CONST && v.bits == 0)
            return; /* it already is */
        c->lzero[x] = 0;
    }
    bool preserved = false;
    if (c->refcnt[x]) {
        for (uint32_t i = 0; i < c->nvs; i++) {
            if (c->vs[i].kind == VK_LOCAL && c->vs[i].slot == x) {
                materialize(c, i);
                preserved = true;
            }
        }
    }
    if (v.kind == VK_TEMP && !preserved && c->last.valid &&
        c->last.producer && c->last.dst == v.slot) {
        /* The value was just computed: compute it into the local. */
        set_field(c, c->last.pos, 0, x);
        c->last.dst = x;
        c->last.cmp = false;
        return;
    }
    emit_move(c, x, &v);
}

static void local_tee(cctx *c, uint32_t x)
{
    vent v = c->vs[c->nvs - 1];
    local_set(c, x);
    if (v.kind == VK_CONST)
        push(c, VK_CONST, 0, v.bits);
    else
        push(c, VK_LOCAL, x, 0);
}

/* -------------------------------------------------------------- numeric */

static void do_unop(cctx *c, wxc_opcode op)
{
    uint32_t s = pop_slot(c);
    uint32_t d = push_temp(c);
    uint32_t pos = emit2(c, op, d, s);
    if (op == WXC_OP_I32_EQZ || op == WXC_OP_I64_EQZ)
        compared(c, pos, d, op, s, 0);
    else
        produced(c, pos, d);
}

static bool imm_fits(wxc_opcode op, uint64_t bits)
{
    if (div_kind[op]) {
        /* The divisor at the operation's width. */
        uint64_t v = imm_kind[op] ? bits : (uint32_t)bits;
        uint64_t ones = imm_kind[op] ? UINT64_MAX : UINT32_MAX;
        if (v == 0 || (div_kind[op] == 2 && v == ones))
            return false;
    }
    if (imm_kind[op] != 1)
        return true;
    return (int64_t)bits == (int64_t)(int32_t)(uint32_t)bits;
}

/* An add (or f64 multiply) of two slots, one of them the TEMP the
 * multiply just emitted computed: one op instead of two. Integer adds
 * commute; f64 products keep their operand order (MUL_MUL, MUL_MULR). */
static bool try_mad(cctx *c, wxc_opcode op, uint32_t a, uint32_t b)
{
    const struct lastop *l = &c->last;
    wxc_opcode mul = op == WXC_OP_I32_ADD   ? WXC_OP_I32_MUL
                     : op == WXC_OP_I64_ADD ? WXC_OP_I64_MUL
                                            : WXC_OP_F64_MUL;
    if (!l->valid || !l->producer || l->op != mul)
        return false;
    uint32_t other;
    bool right; /* the product is the right operand */
    if (c->vs[c->nvs - 1].kind == VK_TEMP && l->dst == b) {
        other = a;
        right = true;
    } else if (c->vs[c->nvs - 2].kind == VK_TEMP && l->dst == a) {
        other = b;
        right = false;
    } else {
        return false;
    }
    wxc_opcode fop = op == WXC_OP_I32_ADD   ? WXC_OP_I32_MAD
                     : op == WXC_OP_I64_ADD ? WXC_OP_I64_MAD
                     : right                ? WXC_OP_F64_MUL_MULR
                                            : WXC_OP_F64_MUL_MUL;
    uint32_t x = l->a, y = l->b;
    unemit_last(c);
    truncate_to(c, c->nvs - 2);
    uint32_t d = push_temp(c);
    produced(c, emit4(c, fop, d, x, y, other), d);
    return true;
}

static void do_binop(cctx *c, wxc_opcode op)
{
    const vent *ea = &c->vs[c->nvs - 2];
    const vent *eb = &c->vs[c->nvs - 1];
    bool cmp = brif_map[op] != 0;
    bool wide = imm_kind[op] == 2;
    bool imm = false;
    uint64_t bits = 0;
    uint32_t a, b;
    if (imm_map[op] && eb->kind == VK_CONST && imm_fits(op, eb->bits)) {
        bits = eb->bits;
        op = (wxc_opcode)(imm_map[op] - 1);
        imm = true;
        a = slot_at(c, c->nvs - 2);
    } else if (imm_map[op] && ea->kind == VK_CONST && swapped_op(op) >= 0 &&
               eb->kind != VK_CONST && imm_fits(op, ea->bits)) {
        bits = ea->bits;
        op = (wxc_opcode)(imm_map[swapped_op(op)] - 1);
        imm = true;
        a = slot_at(c, c->nvs - 1);
    } else {
        a = slot_at(c, c->nvs - 2);
    }
    if (!imm)
        b = slot_at(c, c->nvs - 1);
    else
        b = (uint32_t)bits;
    if (!imm &&
        (op == WXC_OP_I32_ADD || op == WXC_OP_I64_ADD ||
         op == WXC_OP_F64_MUL) &&
        try_mad(c, op, a, b))
        return;
    truncate_to(c, c->nvs - 2);
    uint32_t d = push_temp(c);
    uint32_t pos;
    if (imm && wide) {
        pos = emit2(c, op, d, a);
        c->code[pos + 2].u64 = bits;
    } else {
        pos = emit3(c, op, d, a, b);
    }
    compared(c, pos, d, op, a, b);
    c->last.cmp = cmp;
}

/* --------------------------------------------------------------- memory */

/* The offset of a validated memarg; its memory index goes to *mem (bit 6
 * of the alignment says that one follows, 3.0). Only a 64-bit memory's
 * offset goes past 2^32 - 1 (the validator saw to it). */
static uint64_t read_memarg(cctx *c, uint32_t *mem)
{
    uint32_t align = 0;
    uint64_t offset = 0;
    *mem = 0;
    wxr_u32(&c->r, &align);
    if (align & 64)
        wxr_u32(&c->r, mem);
    wxr_uleb(&c->r, 64, &offset);
    return offset;
}

/* A memory index immediate (memory.size, grow, fill, copy, init): a u32,
 * which also reads the reserved zero byte of the 2.0 encoding. */
static uint32_t read_memidx(cctx *c)
{
    uint32_t mem = 0;
    wxr_u32(&c->r, &mem);
    return mem;
}

/* Whether the TEMP in `slot` was computed by the op just emitted, an
 * i32.add (of two slots, or with an immediate when imm_only), so that a
 * load or store can do the addition itself. */
static bool fusable_add(const cctx *c, uint32_t slot, bool imm_only)
{
    return c->last.valid && c->last.producer && c->last.dst == slot &&
           (c->last.op == WXC_OP_I32_ADD_I ||
            (!imm_only && c->last.op == WXC_OP_I32_ADD));
}

/* Whether a constant address plus offset stays below 4 GiB, so that the
 * effective address fits an immediate. */
static bool const_address(const vent *e, uint32_t offset, uint32_t *ea)
{
    uint64_t v = (uint64_t)(uint32_t)e->bits + offset;
    if (e->kind != VK_CONST || v > UINT32_MAX)
        return false;
    *ea = (uint32_t)v;
    return true;
}

/* ------------------------------------------ 64-bit memories and tables */

static bool memory64(const cctx *c, uint32_t mem)
{
    return wxm_memory_addr(c->m, mem) == WX_I64;
}

/* Whether the memarg about to be read names a 64-bit memory (memory64),
 * without consuming it. */
static bool memarg_is64(const cctx *c)
{
    wxr_reader r = c->r;
    uint32_t align = 0, mem = 0;
    wxr_u32(&r, &align);
    if (align & 64)
        wxr_u32(&r, &mem);
    return memory64(c, mem);
}

/* A load (or store) of a 64-bit memory: the generic LOAD64_M (STORE64_M)
 * with the access kind k, the memory and the whole u64 offset, nothing
 * fused. */
static void do_access64(cctx *c, uint32_t k, bool store)
{
    uint32_t align = 0, mem = 0, pos;
    uint64_t offset = 0;
    wxr_u32(&c->r, &align);
    if (align & 64)
        wxr_u32(&c->r, &mem);
    wxr_uleb(&c->r, 64, &offset);
    if (c->dead_depth || c->cs[c->ncs - 1].unreachable)
        return;
    if (store) {
        uint32_t s = slot_at(c, c->nvs - 1);
        uint32_t a = slot_at(c, c->nvs - 2);
        truncate_to(c, c->nvs - 2);
        pos = emit4(c, WXC_OP_STORE64_M, a, s, mem, k);
    } else {
        uint32_t s = pop_slot(c);
        uint32_t d = push_temp(c);
        pos = emit4(c, WXC_OP_LOAD64_M, d, s, mem, k);
        produced(c, pos, d);
    }
    c->code[pos + 3].u64 = offset;
}

/* An i64 index or count of a 64-bit table (table64), `depth` entries
 * below the top of the stack, saturated to 2^32-1 in its home so that
 * the 32-bit table ops take it: no table reaches 2^32-1 elements
 * (table.c), so one at or past 2^32 stays out of bounds, and a grow by
 * that many fails. Nothing for a 32-bit table. */
static void table64_operand(cctx *c, uint32_t table, uint32_t depth)
{
    if (wxm_table_addr(c->m, table) != WX_I64)
        return;
    uint32_t pos = c->nvs - 1 - depth;
    vent *e = &c->vs[pos];
    if (e->kind == VK_CONST) {
        if (e->bits > UINT32_MAX)
            e->bits = UINT32_MAX;
        return;
    }
    uint32_t h = home(c, pos);
    emit2(c, WXC_OP_U64_SAT32, h, e->slot);
    if (e->kind == VK_LOCAL)
        c->refcnt[e->slot]--;
    e->kind = VK_TEMP;
    e->slot = h;
}

/* table.grow of a 64-bit table: TABLE_GROW's result, old size or -1 as an
 * i32, sign-extended to the i64 the table's type says. */
static void table64_result(cctx *c, uint32_t table, uint32_t d)
{
    if (wxm_table_addr(c->m, table) == WX_I64)
        produced(c, emit2(c, WXC_OP_I64_EXTEND_I32_S, d, d), d);
}

static void do_load(cctx *c, wxc_opcode op)
{
    if (memarg_is64(c)) {
        do_access64(c, op - WXC_OP_I32_LOAD, false);
        return;
    }
    uint32_t mem, offset = (uint32_t)read_memarg(c, &mem); /* 32-bit */
    if (c->dead_depth || c->cs[c->ncs - 1].unreachable)
        return;
    uint32_t k = op - WXC_OP_I32_LOAD, ea, d;
    if (mem != 0) {
        /* Another memory than 0: the generic op, nothing fused. */
        uint32_t s = pop_slot(c);
        d = push_temp(c);
        uint32_t pos = emit4(c, WXC_OP_LOAD_M, d, s, offset, mem);
        set_field(c, pos, 4, k);
        produced(c, pos, d);
        return;
    }
    const vent *e = &c->vs[c->nvs - 1];
    if (e->kind == VK_TEMP && fusable_add(c, e->slot, false)) {
        wxc_opcode fop = c->last.op == WXC_OP_I32_ADD_I ? WXC_OP_I32_LOAD_AI
                                                        : WXC_OP_I32_LOAD_AA;
        uint32_t a = c->last.a, b = c->last.b;
        unemit_last(c);
        pop(c);
        d = push_temp(c);
        produced(c, emit4(c, (wxc_opcode)(fop + k), d, a, b, offset), d);
        return;
    }
    if (const_address(e, offset, &ea)) {
        pop(c);
        d = push_temp(c);
        produced(c, emit2(c, (wxc_opcode)(WXC_OP_I32_LOAD_K + k), d, ea), d);
        return;
    }
    uint32_t s = pop_slot(c);
    d = push_temp(c);
    produced(c, emit3(c, op, d, s, offset), d);
    c->last.op = op;
    c->last.a = s;
    c->last.b = offset;
}

static void do_store(cctx *c, wxc_opcode op)
{
    if (memarg_is64(c)) {
        do_access64(c, op - WXC_OP_I32_STORE, true);
        return;
    }
    uint32_t mem, offset = (uint32_t)read_memarg(c, &mem); /* 32-bit */
    if (c->dead_depth || c->cs[c->ncs - 1].unreachable)
        return;
    uint32_t k = op - WXC_OP_I32_STORE, ea;
    if (mem != 0) {
        uint32_t s = slot_at(c, c->nvs - 1);
        uint32_t a = slot_at(c, c->nvs - 2);
        truncate_to(c, c->nvs - 2);
        set_field(c, emit4(c, WXC_OP_STORE_M, a, s, offset, mem), 4, k);
        return;
    }
    const vent *v = &c->vs[c->nvs - 1];
    const vent *ad = &c->vs[c->nvs - 2];
    if (const_address(ad, offset, &ea)) {
        uint32_t s = slot_at(c, c->nvs - 1);
        truncate_to(c, c->nvs - 2);
        emit2(c, (wxc_opcode)(WXC_OP_I32_STORE_K + k), s, ea);
        return;
    }
    /* The address was just computed and the value needed no code (a
     * local): the store does the addition. */
    if (ad->kind == VK_TEMP && v->kind == VK_LOCAL &&
        fusable_add(c, ad->slot, true)) {
        uint32_t a = c->last.a, b = c->last.b, s = v->slot;
        unemit_last(c);
        truncate_to(c, c->nvs - 2);
        emit4(c, (wxc_opcode)(WXC_OP_I32_STORE_AI + k), a, s, b, offset);
        return;
    }
    if (v->kind == VK_CONST &&
        (op == WXC_OP_I32_STORE ||
         (op == WXC_OP_I64_STORE &&
          (int64_t)v->bits == (int64_t)(int32_t)(uint32_t)v->bits))) {
        uint32_t imm = (uint32_t)v->bits;
        pop(c);
        uint32_t a = pop_slot(c);
        emit3(c, op == WXC_OP_I32_STORE ? WXC_OP_I32_STORE_I
                                        : WXC_OP_I64_STORE_I,
              a, offset, imm);
        return;
    }
    uint32_t s = slot_at(c, c->nvs - 1);
    uint32_t a = slot_at(c, c->nvs - 2);
    truncate_to(c, c->nvs - 2);
    emit3(c, op, a, s, offset);
}

/* ---------------------------------------------------------------- calls */

/* Makes the top n entries TEMPs in consecutive homes; returns the first. */
static uint32_t prepare_args(cctx *c, uint32_t n)
{
    uint32_t base = c->nvs - n;
    for (uint32_t k = 0; k < n; k++)
        materialize(c, base + k);
    return base;
}

static void finish_call(cctx *c, uint32_t base, const wxm_functype *t)
{
    truncate_to(c, base);
    push_temps(c, t->results, t->nresults);
}

static void do_call(cctx *c, uint32_t fidx)
{
    const wxm_functype *t = wxm_func_type(c->m, fidx);
    uint32_t base = prepare_args(c, nslots(t->params, t->nparams));
    uint32_t a = home(c, base);
    if (fidx < c->m->nfunc_imports) {
        emit2(c, WXC_OP_CALL_IMPORT, a, fidx);
    } else {
        uint32_t pos = emit1(c, WXC_OP_CALL, a);
        c->code[pos + 2].p = &c->fns[fidx - c->m->nfunc_imports];
    }
    finish_call(c, base, t);
}

static void do_call_indirect(cctx *c, uint32_t type, uint32_t table)
{
    const wxm_functype *t = &c->m->types[type];
    table64_operand(c, table, 0);
    uint32_t elem = pop_slot(c);
    uint32_t base = prepare_args(c, nslots(t->params, t->nparams));
    emit4(c, WXC_OP_CALL_INDIRECT, home(c, base), type, elem, table);
    finish_call(c, base, t);
}

/* return_call to a defined function: RETURN_CALL replaces the frame. An
 * imported callee may be a host function, which cannot (exec.c calls it
 * as by call), so RETURN_CALL_IMPORT and RETURN_CALL_INDIRECT are followed
 * by the code of `call; return`, which only a host callee comes back to. */
static void do_return_call(cctx *c, uint32_t fidx)
{
    const wxm_functype *t = wxm_func_type(c->m, fidx);
    uint32_t base = prepare_args(c, nslots(t->params, t->nparams));
    uint32_t a = home(c, base);
    if (fidx < c->m->nfunc_imports) {
        emit2(c, WXC_OP_RETURN_CALL_IMPORT, a, fidx);
        finish_call(c, base, t);
        emit_return(c);
    } else {
        uint32_t pos = emit1(c, WXC_OP_RETURN_CALL, a);
        c->code[pos + 2].p = &c->fns[fidx - c->m->nfunc_imports];
    }
    set_unreachable(c);
}

static void do_return_call_indirect(cctx *c, uint32_t type, uint32_t table)
{
    const wxm_functype *t = &c->m->types[type];
    table64_operand(c, table, 0);
    uint32_t elem = pop_slot(c);
    uint32_t base = prepare_args(c, nslots(t->params, t->nparams));
    emit4(c, WXC_OP_RETURN_CALL_INDIRECT, home(c, base), type, elem, table);
    finish_call(c, base, t);
    emit_return(c);
    set_unreachable(c);
}

/* ------------------------------------------- exception handling (3.0) */

/* try_table bt catch*: a block whose catch clauses become handler
 * entries covering its body; labels count from outside the try_table. */
static bool do_try_table(cctx *c, bool dead)
{
    uint32_t np, nr, n, x, l;
    uint8_t kind;
    btypes bt;
    read_blocktype(c, &np, &nr, &bt);
    if (!wxr_u32(&c->r, &n))
        return false;
    uint32_t first = c->nhd;
    for (uint32_t i = 0; i < n; i++) {
        x = 0;
        if (!wxr_u8(&c->r, &kind) ||
            (kind <= WXO_CATCH_TAG_REF && !wxr_u32(&c->r, &x)) ||
            !wxr_u32(&c->r, &l))
            return false;
        if (dead)
            continue;
        static const uint8_t hkind[] = {WXC_H_CATCH, WXC_H_CATCH_REF,
                                        WXC_H_CATCH_ALL, WXC_H_CATCH_ALL_REF};
        uint32_t h = new_handler(c, hkind[kind], x, 0, 0);
        aim_handler(c, c->ncs - 1 - l, h);
    }
    if (dead) {
        c->dead_depth++;
        return true;
    }
    enter_block(c, CK_BLOCK, np, nr, &bt);
    bind_label(c); /* no fusion across the start of the range */
    ctl *t = &c->cs[c->ncs - 1];
    t->scope = ++c->nscopes;
    t->in_body = true;
    t->hfirst = first;
    t->hcount = n;
    for (uint32_t k = 0; k < n; k++) {
        c->hd[first + k].lo = c->ncode;
        c->hd[first + k].scope = t->scope;
    }
    return true;
}

/* Legacy try bt: a block whose body is a scope; its catch clauses add
 * the entries. */
static void do_try(cctx *c)
{
    uint32_t np, nr, level = 0;
    btypes bt;
    read_blocktype(c, &np, &nr, &bt);
    if (c->dead_depth || c->cs[c->ncs - 1].unreachable) {
        c->dead_depth++;
        return;
    }
    for (uint32_t i = 1; i < c->ncs; i++)
        level += c->cs[i].kind == CK_TRY;
    enter_block(c, CK_TRY, np, nr, &bt);
    bind_label(c);
    ctl *t = &c->cs[c->ncs - 1];
    t->scope = ++c->nscopes;
    t->in_body = true;
    t->try_lo = c->ncode;
    t->try_level = level;
}

/* Legacy catch x / catch_all: like else, the code before jumps to the
 * end; the clause's code starts here with the payload in the block's
 * homes, and a handler entry for the body leads to it. */
static bool do_catch(cctx *c, uint8_t op)
{
    uint32_t x = 0;
    if (op == WXO_CATCH && !wxr_u32(&c->r, &x))
        return false;
    if (c->dead_depth)
        return true;
    uint32_t ti = c->ncs - 1;
    ctl *t = &c->cs[ti];
    if (t->in_body) {
        t->try_hi = c->ncode;
        t->in_body = false;
    }
    if (!t->unreachable) {
        for (uint32_t k = 0; k < t->nresults; k++)
            materialize(c, t->height + k);
        uint32_t pos = emit(c, WXC_OP_BR);
        link_branch(c, ti, pos, 0);
    }
    t = &c->cs[ti];
    t->unreachable = false;
    bind_label(c);
    truncate_to(c, t->height);
    uint32_t h = new_handler(c, op == WXO_CATCH ? WXC_H_CATCH
                                                : WXC_H_CATCH_ALL,
                             x, t->try_lo, t->scope);
    t = &c->cs[ti];
    c->hd[h].hi = t->try_hi;
    c->hd[h].target = c->ncode;
    c->hd[h].dst = home(c, t->height);
    t->hcur = h;
    if (op == WXO_CATCH) {
        const wxm_functype *tt = &c->m->types[c->m->tags[x].type];
        push_temps(c, tt->params, tt->nparams); /* the payload */
    }
    return true;
}

/* Legacy try ... delegate l: the body's exceptions go on to the handlers
 * of label l (counted from outside the try): those of the innermost
 * scope whose body holds that label, or the caller's. Then the try
 * ends. */
static bool do_delegate(cctx *c)
{
    uint32_t l;
    if (!wxr_u32(&c->r, &l))
        return false;
    if (c->dead_depth) {
        c->dead_depth--;
        return true;
    }
    uint32_t ti = c->ncs - 1;
    uint32_t target = 0;
    for (int64_t k = (int64_t)ti - 1 - l; k >= 1; k--)
        if (c->cs[k].scope && c->cs[k].in_body) {
            target = c->cs[k].scope;
            break;
        }
    ctl *t = &c->cs[ti];
    uint32_t h = new_handler(c, WXC_H_DELEGATE, target, t->try_lo, t->scope);
    c->hd[h].hi = c->ncode;
    c->cs[ti].in_body = false;
    return do_end(c);
}

/* rethrow l: throws again the exception that the legacy catch of label
 * l caught, which that clause now keeps in its try's rethrow slot. */
static void do_rethrow(cctx *c, uint32_t l)
{
    const ctl *t = &c->cs[c->ncs - 1 - l];
    uint32_t slot = c->exn_base + t->try_level;
    c->hd[t->hcur].exn_slot = slot;
    emit1(c, WXC_OP_THROW_REF, slot);
    set_unreachable(c);
}

/* throw x: the payload in consecutive temporaries, as a call's
 * arguments. */
static void do_throw(cctx *c, uint32_t x)
{
    const wxm_functype *t = &c->m->types[c->m->tags[x].type];
    uint32_t base = prepare_args(c, nslots(t->params, t->nparams));
    emit2(c, WXC_OP_THROW, home(c, base), x);
    set_unreachable(c);
}

static void do_throw_ref(cctx *c)
{
    emit1(c, WXC_OP_THROW_REF, pop_slot(c));
    set_unreachable(c);
}

/* The exception instructions; false at a decoding error. */
static bool compile_exc(cctx *c, uint8_t op, bool dead)
{
    uint32_t x = 0;
    switch (op) {
    case WXO_TRY_TABLE:
        return do_try_table(c, dead);
    case WXO_TRY:
        do_try(c);
        return true;
    case WXO_CATCH:
    case WXO_CATCH_ALL:
        return do_catch(c, op);
    case WXO_DELEGATE:
        return do_delegate(c);
    case WXO_THROW:
    case WXO_RETHROW:
        if (!wxr_u32(&c->r, &x))
            return false;
        if (!dead) {
            if (op == WXO_THROW)
                do_throw(c, x);
            else
                do_rethrow(c, x);
        }
        return true;
    case WXO_THROW_REF:
        if (!dead)
            do_throw_ref(c);
        return true;
    }
    return wxr_fail(&c->r, "illegal opcode");
}

/* After the body: the handlers going to the function's label return
 * through one RET (their values are in fp[0..)), and the table is
 * sorted innermost first (compile.h). Stable: a try's clauses keep their
 * order. */
static void finish_handlers(cctx *c)
{
    uint32_t ret = UINT32_MAX;
    for (uint32_t i = 0; i < c->nhd; i++) {
        if (c->hd[i].target != UINT32_MAX)
            continue;
        if (ret == UINT32_MAX)
            ret = emit(c, WXC_OP_RET);
        c->hd[i].target = ret;
    }
    for (uint32_t i = 1; i < c->nhd; i++) {
        wxc_handler h = c->hd[i];
        uint32_t j = i;
        for (; j > 0 && c->hd[j - 1].scope < h.scope; j--)
            c->hd[j] = c->hd[j - 1];
        c->hd[j] = h;
    }
}

/* ------------------------------------- typed function references (3.0) */

/* call_ref and return_call_ref: the reference is on top of the
 * arguments, as call_indirect's element index. A tail call is followed
 * by `call; return` for host callees, as return_call_indirect is. */
static void do_call_ref(cctx *c, uint32_t type, bool tail)
{
    const wxm_functype *t = &c->m->types[type];
    uint32_t ref = pop_slot(c);
    uint32_t base = prepare_args(c, nslots(t->params, t->nparams));
    emit2(c, tail ? WXC_OP_RETURN_CALL_REF : WXC_OP_CALL_REF, home(c, base),
          ref);
    finish_call(c, base, t);
    if (tail) {
        emit_return(c);
        set_unreachable(c);
    }
}

/* br_on_null (on_null) and br_on_non_null to label `depth`. The test is
 * on the reference's own slot (64-bit: null is 0). br_on_null's label
 * takes the values below the reference, so the reference leaves the
 * virtual stack during the branch and comes back, unchanged, on the path
 * that falls through; br_on_non_null's label takes it too, and the path
 * that falls through drops it. */
static void do_br_on_null(cctx *c, uint32_t depth, bool on_null)
{
    uint32_t ti = c->ncs - 1 - depth;
    uint32_t ref = slot_at(c, c->nvs - 1);
    vent saved = c->vs[c->nvs - 1];
    if (on_null)
        c->nvs--; /* not pop(): the entry returns below */
    wxc_opcode taken = on_null ? WXC_OP_BR_IF_Z64 : WXC_OP_BR_IF_NZ64;
    wxc_opcode skip = on_null ? WXC_OP_BR_IF_NZ64 : WXC_OP_BR_IF_Z64;
    if (ti != 0 && !needs_copies(c, ti)) {
        uint32_t pos = emit1(c, taken, ref);
        link_branch(c, ti, pos, 1);
    } else {
        uint32_t around = emit1(c, skip, ref);
        if (ti == 0) {
            emit_return(c);
        } else {
            emit_copies(c, ti);
            uint32_t pos = emit(c, WXC_OP_BR);
            link_branch(c, ti, pos, 0);
        }
        patch_here(c, around, 1);
        bind_label(c);
    }
    if (on_null)
        c->vs[c->nvs++] = saved;
    else
        pop(c);
}

/* ------------------------------------------------- garbage collection */

/* Slots a field's value takes (a v128 two). */
static uint32_t field_slots(const wxm_field *f)
{
    return f->type == WX_V128 ? 2 : 1;
}

/* A GC op (ops.def, WXC_OPS_GC): its `nin` operand slots leave the
 * virtual stack (one may stay where it is, more are made consecutive),
 * and `nout` result slots (0, 1, or 2 for a v128) come on it. */
static void emit_gc(cctx *c, wxc_opcode op, uint32_t nin, uint32_t nout,
                    uint32_t x, uint32_t y)
{
    uint32_t a = 0;
    if (nin == 1) {
        a = pop_slot(c);
    } else if (nin > 1) {
        uint32_t base = prepare_args(c, nin);
        a = home(c, base);
        truncate_to(c, base);
    }
    uint32_t d = nout == 2 ? push_v128_temp(c) : nout ? push_temp(c) : 0;
    uint32_t pos = emit(c, op);
    set_field(c, pos, 0, op);
    set_field(c, pos, 1, d);
    set_field(c, pos, 2, a);
    set_field(c, pos, 3, x);
    set_field(c, pos, 4, y);
}

/* br_on_cast (fail: br_on_cast_fail): a test of the reference, which
 * stays on the stack, and a branch on its result. */
static void do_br_on_cast(cctx *c, uint32_t depth, uint8_t flags,
                          uint32_t heap, bool fail)
{
    uint32_t ref = slot_at(c, c->nvs - 1);
    uint32_t d = push_temp(c);
    uint32_t pos = emit(c, WXC_OP_GC_REF_TEST);
    set_field(c, pos, 0, WXC_OP_GC_REF_TEST);
    set_field(c, pos, 1, d);
    set_field(c, pos, 2, ref);
    set_field(c, pos, 3, heap);
    set_field(c, pos, 4, ((flags & 2) ? WXC_GC_NULL_OK : 0) |
                             (fail ? WXC_GC_NEGATE : 0));
    do_br_if(c, depth);
}

static bool compile_fb(cctx *c, bool dead)
{
    uint32_t sub = 0, x = 0, y = 0;
    if (!wxr_u32(&c->r, &sub))
        return false;
    enum wxo_gc_imm imm;
    switch (sub) {
#define IMM_(e, code, name, k) case code: imm = k; break;
        WXO_FB_LIST(IMM_)
#undef IMM_
    default: return wxr_fail(&c->r, "illegal opcode");
    }
    uint8_t flags = 0;
    switch (imm) {
    case WXO_GC_NONE: break;
    case WXO_GC_TYPE: wxr_u32(&c->r, &x); break;
    case WXO_GC_HEAP: wxm_read_heaptype(&c->r, &x); break;
    case WXO_GC_BR_ON_CAST: {
        uint32_t h1;
        wxr_u8(&c->r, &flags);
        wxr_u32(&c->r, &y); /* the label */
        wxm_read_heaptype(&c->r, &h1);
        wxm_read_heaptype(&c->r, &x);
        break;
    }
    default: /* two u32s */
        wxr_u32(&c->r, &x);
        wxr_u32(&c->r, &y);
        break;
    }
    if (c->r.error || dead)
        return !c->r.error;
    const wxm_functype *t = x < c->m->ntypes ? &c->m->types[x] : NULL;
    uint32_t es = t && t->nfields ? field_slots(&t->fields[0]) : 1;
    uint32_t n = 0;
    switch (sub) {
    case WXO_FB_STRUCT_NEW:
        for (uint32_t i = 0; i < t->nfields; i++)
            n += field_slots(&t->fields[i]);
        emit_gc(c, WXC_OP_GC_STRUCT_NEW, n, 1, x, 0);
        break;
    case WXO_FB_STRUCT_NEW_DEFAULT:
        emit_gc(c, WXC_OP_GC_STRUCT_NEW_DEFAULT, 0, 1, x, 0);
        break;
    case WXO_FB_STRUCT_GET:
    case WXO_FB_STRUCT_GET_S:
    case WXO_FB_STRUCT_GET_U:
        emit_gc(c, (wxc_opcode)(WXC_OP_GC_STRUCT_GET + sub -
                                WXO_FB_STRUCT_GET),
                1, field_slots(&t->fields[y]), x, y);
        break;
    case WXO_FB_STRUCT_SET:
        emit_gc(c, WXC_OP_GC_STRUCT_SET, 1 + field_slots(&t->fields[y]), 0,
                x, y);
        break;
    case WXO_FB_ARRAY_NEW:
        emit_gc(c, WXC_OP_GC_ARRAY_NEW, es + 1, 1, x, 0);
        break;
    case WXO_FB_ARRAY_NEW_DEFAULT:
        emit_gc(c, WXC_OP_GC_ARRAY_NEW_DEFAULT, 1, 1, x, 0);
        break;
    case WXO_FB_ARRAY_NEW_FIXED:
        emit_gc(c, WXC_OP_GC_ARRAY_NEW_FIXED, es * y, 1, x, y);
        break;
    case WXO_FB_ARRAY_NEW_DATA:
        emit_gc(c, WXC_OP_GC_ARRAY_NEW_DATA, 2, 1, x, y);
        break;
    case WXO_FB_ARRAY_NEW_ELEM:
        emit_gc(c, WXC_OP_GC_ARRAY_NEW_ELEM, 2, 1, x, y);
        break;
    case WXO_FB_ARRAY_GET:
    case WXO_FB_ARRAY_GET_S:
    case WXO_FB_ARRAY_GET_U:
        emit_gc(c, (wxc_opcode)(WXC_OP_GC_ARRAY_GET + sub - WXO_FB_ARRAY_GET),
                2, es, x, 0);
        break;
    case WXO_FB_ARRAY_SET:
        emit_gc(c, WXC_OP_GC_ARRAY_SET, 2 + es, 0, x, 0);
        break;
    case WXO_FB_ARRAY_LEN:
        emit_gc(c, WXC_OP_GC_ARRAY_LEN, 1, 1, 0, 0);
        break;
    case WXO_FB_ARRAY_FILL:
        emit_gc(c, WXC_OP_GC_ARRAY_FILL, 3 + es, 0, x, 0);
        break;
    case WXO_FB_ARRAY_COPY:
        emit_gc(c, WXC_OP_GC_ARRAY_COPY, 5, 0, x, y);
        break;
    case WXO_FB_ARRAY_INIT_DATA:
        emit_gc(c, WXC_OP_GC_ARRAY_INIT_DATA, 4, 0, x, y);
        break;
    case WXO_FB_ARRAY_INIT_ELEM:
        emit_gc(c, WXC_OP_GC_ARRAY_INIT_ELEM, 4, 0, x, y);
        break;
    case WXO_FB_REF_TEST:
    case WXO_FB_REF_TEST_NULL:
        emit_gc(c, WXC_OP_GC_REF_TEST, 1, 1, x,
                sub == WXO_FB_REF_TEST_NULL ? WXC_GC_NULL_OK : 0);
        break;
    case WXO_FB_REF_CAST:
    case WXO_FB_REF_CAST_NULL:
        emit_gc(c, WXC_OP_GC_REF_CAST, 1, 1, x,
                sub == WXO_FB_REF_CAST_NULL ? WXC_GC_NULL_OK : 0);
        break;
    case WXO_FB_BR_ON_CAST:
    case WXO_FB_BR_ON_CAST_FAIL:
        do_br_on_cast(c, y, flags, x, sub == WXO_FB_BR_ON_CAST_FAIL);
        break;
    /* One operand, one result, no immediate: the ops keep the opcodes'
     * order in ops.def (0x1A any.convert_extern .. 0x1E i31.get_u). */
    case WXO_FB_ANY_CONVERT_EXTERN:
    case WXO_FB_EXTERN_CONVERT_ANY:
    case WXO_FB_REF_I31:
    case WXO_FB_I31_GET_S:
    case WXO_FB_I31_GET_U:
        emit_gc(c, (wxc_opcode)(WXC_OP_GC_ANY_CONVERT_EXTERN + sub -
                                WXO_FB_ANY_CONVERT_EXTERN),
                1, 1, 0, 0);
        break;
    default: return wxr_fail(&c->r, "illegal opcode");
    }
    return !c->r.error;
}

/* ------------------------------------------------------ v128 values */

/* Sets up c->lslot for a function with v128 params or locals (a v128
 * takes two slots, so local x is no longer slot x); c->lwide says whether
 * it is in use, and functions without v128 compile exactly as before. */
static void map_locals(cctx *c, const wxm_functype *t, const wxm_func *mf)
{
    uint32_t n = t->nparams + mf->nlocals;
    c->lwide = nslots(t->params, t->nparams) != t->nparams ||
               nslots(mf->locals, mf->nlocals) != mf->nlocals;
    if (!c->lwide)
        return;
    RESERVE(c, lslot, caplslot, (uint64_t)n + 1);
    uint32_t slot = 0;
    for (uint32_t i = 0; i < n; i++) {
        wx_valtype ty = i < t->nparams ? t->params[i]
                                       : mf->locals[i - t->nparams];
        c->lslot[i] = slot;
        slot += ty == WX_V128 ? 2 : 1;
    }
    c->lslot[n] = slot;
}

static bool local_is_v128(const cctx *c, uint32_t x)
{
    return c->lslot[x + 1] - c->lslot[x] == 2;
}

static void local_get_mapped(cctx *c, uint32_t x)
{
    uint32_t s = c->lslot[x];
    uint32_t n = local_is_v128(c, x) ? 2 : 1;
    for (uint32_t k = 0; k < n; k++) {
        if (c->zero_valid && c->lzero[s + k])
            push(c, VK_CONST, 0, 0);
        else
            push(c, VK_LOCAL, s + k, 0);
        c->vs[c->nvs - 1].hi = (uint16_t)k;
    }
}

/* A v128 is stored half by half, the second (top) entry first. */
static void local_set_mapped(cctx *c, uint32_t x)
{
    uint32_t s = c->lslot[x];
    if (local_is_v128(c, x))
        local_set(c, s + 1);
    local_set(c, s);
}

static void local_tee_mapped(cctx *c, uint32_t x)
{
    if (!local_is_v128(c, x)) {
        local_tee(c, c->lslot[x]);
        return;
    }
    vent lo = c->vs[c->nvs - 2], hi = c->vs[c->nvs - 1];
    local_set_mapped(c, x);
    const vent *v[2] = {&lo, &hi};
    for (uint32_t k = 0; k < 2; k++) {
        if (v[k]->kind == VK_CONST)
            push(c, VK_CONST, 0, v[k]->bits);
        else
            push(c, VK_LOCAL, c->lslot[x] + k, 0);
        c->vs[c->nvs - 1].hi = (uint16_t)k;
    }
}

/* select of two v128 values: one op moving both slots. */
static void do_select_v128(cctx *c)
{
    uint32_t sc = slot_at(c, c->nvs - 1);
    uint32_t sb = vslot(c, c->nvs - 3);
    uint32_t sa = vslot(c, c->nvs - 5);
    truncate_to(c, c->nvs - 5);
    uint32_t pos = emit4(c, WXC_OP_SELECT_V128, WXC_OP_SELECT_V128,
                         push_v128_temp(c), sa, sb);
    set_field(c, pos, 4, sc);
}

/* ---------------------------------------------------- 0xFD instructions */

/* Each SIMD sub-opcode's internal op (+1; 0: none) and kind. */
enum {
#define K_(k) SK_##k,
    K_(LOAD) K_(STORE) K_(LOADLANE) K_(STORELANE) K_(SHUFFLE) K_(UN)
    K_(BIN) K_(TERN) K_(TEST) K_(SHIFT) K_(SPLAT) K_(EXTRACT) K_(REPLACE)
#undef K_
};
#define M_SIMD_(X, name, sub, kind, t, p, f)                                  \
    [sub] = {WXC_OP_##name + 1, SK_##kind},
static const struct {
    uint16_t op;
    uint8_t kind;
} simd_map[0x114] = {WXC_SIMD_OPS(M_SIMD_, ~)};
#undef M_SIMD_

/* Pushes a v128 constant: two CONST entries of 8 bytes each. */
static void push_v128_const(cctx *c, const uint8_t *b)
{
    uint64_t lo, hi;
    memcpy(&lo, b, 8);
    memcpy(&hi, b + 8, 8);
    push(c, VK_CONST, 0, lo);
    push(c, VK_CONST, 0, hi);
    c->vs[c->nvs - 1].hi = 1;
}

_Static_assert(WXC_OP_COUNT_ <= WXC_SIMD_OP_MASK + 1,
               "a SIMD op's number must fit its field's low 11 bits");

/* Emits SIMD op `op` of kind `kind` on the virtual stack; `imm` is the
 * memarg offset, `mem` its memory and `lane` the lane immediate where the
 * kind has them. */
static void emit_simd(cctx *c, uint32_t op, uint8_t kind, uint32_t imm,
                      uint32_t mem, uint32_t lane)
{
    /* Field 0 of every SIMD op is the op itself, with the memory and the
     * lane of LOADLANE (ops.def). */
    uint32_t n = c->nvs, a, b, m, d, pos;
    uint32_t x = op | mem << 16;
    switch (kind) {
    case SK_LOAD:
        a = slot_at(c, n - 1);
        truncate_to(c, n - 1);
        emit4(c, (wxc_opcode)op, x, push_v128_temp(c), a, imm);
        break;
    case SK_STORE:
        b = vslot(c, n - 2);
        a = slot_at(c, n - 3);
        truncate_to(c, n - 3);
        emit4(c, (wxc_opcode)op, x, a, b, imm);
        break;
    case SK_LOADLANE:
        b = vslot(c, n - 2);
        a = slot_at(c, n - 3);
        truncate_to(c, n - 3);
        pos = emit4(c, (wxc_opcode)op, x | lane << 11, push_v128_temp(c), a,
                    b);
        set_field(c, pos, 4, imm);
        break;
    case SK_STORELANE:
        b = vslot(c, n - 2);
        a = slot_at(c, n - 3);
        truncate_to(c, n - 3);
        set_field(c, emit4(c, (wxc_opcode)op, x, a, b, imm), 4, lane);
        break;
    case SK_UN:
        a = vslot(c, n - 2);
        truncate_to(c, n - 2);
        emit3(c, (wxc_opcode)op, x, push_v128_temp(c), a);
        break;
    case SK_BIN:
        a = vslot(c, n - 4);
        b = vslot(c, n - 2);
        truncate_to(c, n - 4);
        emit4(c, (wxc_opcode)op, x, push_v128_temp(c), a, b);
        break;
    case SK_SHUFFLE: /* the lane indices are the third operand */
    case SK_TERN:
        a = vslot(c, n - 6);
        b = vslot(c, n - 4);
        m = vslot(c, n - 2);
        truncate_to(c, n - 6);
        set_field(c, emit4(c, (wxc_opcode)op, x, push_v128_temp(c), a, b), 4, m);
        break;
    case SK_TEST:
        a = vslot(c, n - 2);
        truncate_to(c, n - 2);
        d = push_temp(c);
        emit3(c, (wxc_opcode)op, x, d, a);
        break;
    case SK_SHIFT:
        b = slot_at(c, n - 1);
        a = vslot(c, n - 3);
        truncate_to(c, n - 3);
        emit4(c, (wxc_opcode)op, x, push_v128_temp(c), a, b);
        break;
    case SK_SPLAT:
        a = slot_at(c, n - 1);
        truncate_to(c, n - 1);
        emit3(c, (wxc_opcode)op, x, push_v128_temp(c), a);
        break;
    case SK_EXTRACT:
        a = vslot(c, n - 2);
        truncate_to(c, n - 2);
        d = push_temp(c);
        emit4(c, (wxc_opcode)op, x, d, a, lane);
        break;
    case SK_REPLACE:
        b = slot_at(c, n - 1);
        a = vslot(c, n - 3);
        truncate_to(c, n - 3);
        set_field(c, emit4(c, (wxc_opcode)op, x, push_v128_temp(c), a, b), 4, lane);
        break;
    }
}

static bool compile_fd(cctx *c, bool dead)
{
    uint32_t sub = 0, mem = 0, imm = 0;
    uint8_t lane = 0;
    if (!wxr_u32(&c->r, &sub))
        return false;
    if (sub == WXO_FD_V128_CONST || sub == WXO_FD_I8X16_SHUFFLE) {
        if (c->r.end - c->r.p < 16)
            return wxr_fail(&c->r, "unexpected end");
        const uint8_t *b = c->r.p;
        c->r.p += 16;
        if (dead)
            return true;
        push_v128_const(c, b);
        if (sub == WXO_FD_I8X16_SHUFFLE)
            emit_simd(c, WXC_OP_I8X16_SHUFFLE, SK_SHUFFLE, 0, 0, 0);
        return true;
    }
    if (sub >= sizeof simd_map / sizeof *simd_map || !simd_map[sub].op)
        return wxr_fail(&c->r, "illegal opcode");
    uint8_t kind = simd_map[sub].kind;
    if (kind == SK_LOAD || kind == SK_STORE || kind == SK_LOADLANE ||
        kind == SK_STORELANE) {
        /* mem is below 65536 (the validator saw to it). The op's offset
         * field has 32 bits: a 64-bit memory's larger offset is 2^32 - 1
         * there, as out of bounds (no memory exceeds 4 GiB, memory.c) but
         * for a 1-byte lane at address 0 of a memory of exactly 4 GiB (a
         * known limit, docs/design.md "SIMD"). */
        uint64_t off = read_memarg(c, &mem);
        imm = off > UINT32_MAX ? UINT32_MAX : (uint32_t)off;
    }
    if (kind == SK_LOADLANE || kind == SK_STORELANE || kind == SK_EXTRACT ||
        kind == SK_REPLACE)
        wxr_u8(&c->r, &lane);
    if (!dead)
        emit_simd(c, simd_map[sub].op - 1u, kind, imm, mem, lane);
    return !c->r.error;
}

/* ---------------------------------------------------- 0xFC instructions */

static bool compile_fc(cctx *c, bool dead)
{
    uint32_t sub = 0, x = 0, y = 0;
    if (!wxr_u32(&c->r, &sub))
        return false;
    if (sub <= 7) {
        if (!dead)
            do_unop(c, (wxc_opcode)(unop_map[0x100 + sub] - 1));
        return true;
    }
    switch (sub) {
    case WXO_FC_MEMORY_INIT:
        wxr_u32(&c->r, &x);
        y = read_memidx(c);
        if (dead)
            break;
        {
            uint32_t n = slot_at(c, c->nvs - 1);
            uint32_t s = slot_at(c, c->nvs - 2);
            uint32_t d = slot_at(c, c->nvs - 3);
            truncate_to(c, c->nvs - 3);
            uint32_t pos = emit4(c, memory64(c, y) ? WXC_OP_MEMORY_INIT64
                                    : y            ? WXC_OP_MEMORY_INIT_M
                                                   : WXC_OP_MEMORY_INIT,
                                 d, s, n, x);
            if (y)
                set_field(c, pos, 4, y);
        }
        break;
    case WXO_FC_DATA_DROP:
        wxr_u32(&c->r, &x);
        if (!dead)
            emit1(c, WXC_OP_DATA_DROP, x);
        break;
    case WXO_FC_MEMORY_COPY:
    case WXO_FC_MEMORY_FILL:
        /* copy: destination memory, then source */
        x = read_memidx(c);
        y = sub == WXO_FC_MEMORY_COPY ? read_memidx(c) : 0;
        if (dead)
            break;
        {
            uint32_t n = slot_at(c, c->nvs - 1);
            uint32_t s = slot_at(c, c->nvs - 2);
            uint32_t d = slot_at(c, c->nvs - 3);
            truncate_to(c, c->nvs - 3);
            if (sub == WXO_FC_MEMORY_COPY &&
                (memory64(c, x) || memory64(c, y)))
                set_field(c, emit4(c, WXC_OP_MEMORY_COPY64, d, s, n, x), 4,
                          y);
            else if (sub == WXO_FC_MEMORY_FILL && memory64(c, x))
                emit4(c, WXC_OP_MEMORY_FILL64, d, s, n, x);
            else if (sub == WXO_FC_MEMORY_COPY && (x || y))
                set_field(c, emit4(c, WXC_OP_MEMORY_COPY_M, d, s, n, x), 4,
                          y);
            else if (sub == WXO_FC_MEMORY_FILL && x)
                emit4(c, WXC_OP_MEMORY_FILL_M, d, s, n, x);
            else
                emit3(c,
                      sub == WXO_FC_MEMORY_COPY ? WXC_OP_MEMORY_COPY
                                                : WXC_OP_MEMORY_FILL,
                      d, s, n);
        }
        break;
    case WXO_FC_TABLE_INIT:
    case WXO_FC_TABLE_COPY:
        wxr_u32(&c->r, &x);
        wxr_u32(&c->r, &y);
        if (dead)
            break;
        if (sub == WXO_FC_TABLE_INIT) {
            table64_operand(c, y, 2);
        } else {
            table64_operand(c, x, 2);
            table64_operand(c, y, 1);
            /* The length is an i64 only between two 64-bit tables. */
            if (wxm_table_addr(c->m, y) == WX_I64)
                table64_operand(c, x, 0);
        }
        {
            uint32_t n = slot_at(c, c->nvs - 1);
            uint32_t s = slot_at(c, c->nvs - 2);
            uint32_t d = slot_at(c, c->nvs - 3);
            truncate_to(c, c->nvs - 3);
            /* table.init elem table; table.copy dst src: TABLE_INIT wants
             * (table, elem), TABLE_COPY (dst, src). */
            uint32_t pos;
            if (sub == WXO_FC_TABLE_INIT)
                pos = emit4(c, WXC_OP_TABLE_INIT, d, s, n, y);
            else
                pos = emit4(c, WXC_OP_TABLE_COPY, d, s, n, x);
            set_field(c, pos, 4, sub == WXO_FC_TABLE_INIT ? x : y);
        }
        break;
    case WXO_FC_ELEM_DROP:
        wxr_u32(&c->r, &x);
        if (!dead)
            emit1(c, WXC_OP_ELEM_DROP, x);
        break;
    case WXO_FC_TABLE_GROW:
        wxr_u32(&c->r, &x);
        if (dead)
            break;
        table64_operand(c, x, 0);
        {
            uint32_t n = slot_at(c, c->nvs - 1);
            uint32_t v = slot_at(c, c->nvs - 2);
            truncate_to(c, c->nvs - 2);
            uint32_t d = push_temp(c);
            produced(c, emit4(c, WXC_OP_TABLE_GROW, d, v, n, x), d);
            table64_result(c, x, d);
        }
        break;
    case WXO_FC_TABLE_SIZE:
        wxr_u32(&c->r, &x);
        if (!dead) {
            uint32_t d = push_temp(c);
            produced(c, emit2(c, WXC_OP_TABLE_SIZE, d, x), d);
        }
        break;
    case WXO_FC_TABLE_FILL:
        wxr_u32(&c->r, &x);
        if (dead)
            break;
        table64_operand(c, x, 2);
        table64_operand(c, x, 0);
        {
            uint32_t n = slot_at(c, c->nvs - 1);
            uint32_t v = slot_at(c, c->nvs - 2);
            uint32_t i = slot_at(c, c->nvs - 3);
            truncate_to(c, c->nvs - 3);
            emit4(c, WXC_OP_TABLE_FILL, i, v, n, x);
        }
        break;
    default:
        return false;
    }
    return true;
}

/* ------------------------------------------------------- one function */

static bool read_labels(cctx *c, uint32_t *count)
{
    if (!wxr_u32(&c->r, count))
        return false;
    RESERVE(c, labels, caplabels, (uint64_t)*count + 1);
    for (uint32_t i = 0; i <= *count; i++)
        if (!wxr_u32(&c->r, &c->labels[i]))
            return false;
    return true;
}

/* Compiles one instruction; returns false at the function's end or on a
 * decoding error (c->r.error set). */
static bool compile_instr(cctx *c)
{
    c->offset = wxr_offset(&c->r);
    uint8_t op;
    if (!wxr_u8(&c->r, &op))
        return false;
    bool dead = c->dead_depth || c->cs[c->ncs - 1].unreachable;
    uint32_t x = 0, y = 0, np, nr;
    btypes bt;

    if (op < sizeof binop_map / sizeof *binop_map && binop_map[op]) {
        if (!dead)
            do_binop(c, (wxc_opcode)(binop_map[op] - 1));
        return true;
    }
    if (unop_map[op]) {
        if (!dead)
            do_unop(c, (wxc_opcode)(unop_map[op] - 1));
        return true;
    }
    switch (op) {
    case WXO_UNREACHABLE:
        if (!dead) {
            emit(c, WXC_OP_UNREACHABLE);
            set_unreachable(c);
        }
        break;
    case WXO_NOP:
        break;
    case WXO_BLOCK:
    case WXO_LOOP:
    case WXO_IF:
        read_blocktype(c, &np, &nr, &bt);
        if (dead) {
            c->dead_depth++;
            break;
        }
        if (op == WXO_IF) {
            cond k = pop_cond(c);
            enter_block(c, CK_IF, np, nr, &bt);
            uint32_t field;
            uint32_t pos = emit_cond_branch(c, &k, false, &field);
            RESERVE(c, fx, capfx, (uint64_t)c->nfx + 1);
            c->fx[c->nfx].op = pos;
            c->fx[c->nfx].field = field;
            c->fx[c->nfx].next = 0;
            c->cs[c->ncs - 1].else_fix = ++c->nfx;
        } else {
            enter_block(c, op == WXO_LOOP ? CK_LOOP : CK_BLOCK, np, nr,
                        &bt);
        }
        break;
    case WXO_ELSE:
        if (!c->dead_depth)
            do_else(c);
        break;
    case WXO_END:
        if (c->dead_depth) {
            c->dead_depth--;
            break;
        }
        return do_end(c);
    case WXO_BR:
        wxr_u32(&c->r, &x);
        if (!dead)
            do_br(c, x);
        break;
    case WXO_BR_IF:
        wxr_u32(&c->r, &x);
        if (!dead)
            do_br_if(c, x);
        break;
    case WXO_BR_TABLE:
        if (!read_labels(c, &x))
            return false;
        if (!dead)
            do_br_table(c, x);
        break;
    case WXO_RETURN:
        if (!dead) {
            emit_return(c);
            set_unreachable(c);
        }
        break;
    case WXO_CALL:
        wxr_u32(&c->r, &x);
        if (!dead)
            do_call(c, x);
        break;
    case WXO_CALL_INDIRECT:
        wxr_u32(&c->r, &x);
        wxr_u32(&c->r, &y);
        if (!dead)
            do_call_indirect(c, x, y);
        break;
    case WXO_RETURN_CALL:
        wxr_u32(&c->r, &x);
        if (!dead)
            do_return_call(c, x);
        break;
    case WXO_RETURN_CALL_INDIRECT:
        wxr_u32(&c->r, &x);
        wxr_u32(&c->r, &y);
        if (!dead)
            do_return_call_indirect(c, x, y);
        break;
    case WXO_DROP:
        if (!dead) {
            if (c->vs[c->nvs - 1].hi)
                pop(c);
            pop(c);
        }
        break;
    case WXO_CALL_REF:
    case WXO_RETURN_CALL_REF:
        wxr_u32(&c->r, &x);
        if (!dead)
            do_call_ref(c, x, op == WXO_RETURN_CALL_REF);
        break;
    case WXO_REF_AS_NON_NULL:
        if (!dead)
            emit1(c, WXC_OP_REF_AS_NON_NULL, slot_at(c, c->nvs - 1));
        break;
    case WXO_BR_ON_NULL:
    case WXO_BR_ON_NON_NULL:
        wxr_u32(&c->r, &x);
        if (!dead)
            do_br_on_null(c, x, op == WXO_BR_ON_NULL);
        break;
    case WXO_SELECT_T:
        wxr_u32(&c->r, &x);
        for (uint32_t i = 0; i < x; i++) { /* the value types */
            wx_valtype t;
            wxm_read_valtype(&c->r, c->m->wasm2, &t);
        }
        /* fall through */
    case WXO_SELECT:
        if (!dead && c->vs[c->nvs - 2].hi) {
            do_select_v128(c);
        } else if (!dead) {
            uint32_t sc = slot_at(c, c->nvs - 1);
            uint32_t sb = slot_at(c, c->nvs - 2);
            uint32_t sa = slot_at(c, c->nvs - 3);
            truncate_to(c, c->nvs - 3);
            uint32_t d = push_temp(c);
            produced(c, emit4(c, WXC_OP_SELECT, d, sa, sb, sc), d);
        }
        break;
    case WXO_LOCAL_GET:
        wxr_u32(&c->r, &x);
        if (dead)
            break;
        if (c->lwide) {
            local_get_mapped(c, x);
            break;
        }
        if (c->zero_valid && c->lzero[x])
            push(c, VK_CONST, 0, 0);
        else
            push(c, VK_LOCAL, x, 0);
        break;
    case WXO_LOCAL_SET:
        wxr_u32(&c->r, &x);
        if (!dead && c->lwide)
            local_set_mapped(c, x);
        else if (!dead)
            local_set(c, x);
        break;
    case WXO_LOCAL_TEE:
        wxr_u32(&c->r, &x);
        if (!dead && c->lwide)
            local_tee_mapped(c, x);
        else if (!dead)
            local_tee(c, x);
        break;
    case WXO_GLOBAL_GET:
        wxr_u32(&c->r, &x);
        if (!dead && c->m->globals[x].type == WX_V128) {
            emit3(c, WXC_OP_GLOBAL_GET_V128, WXC_OP_GLOBAL_GET_V128,
                  push_v128_temp(c), x);
        } else if (!dead) {
            uint32_t d = push_temp(c);
            produced(c, emit2(c, WXC_OP_GLOBAL_GET, d, x), d);
        }
        break;
    case WXO_GLOBAL_SET:
        wxr_u32(&c->r, &x);
        if (!dead && c->m->globals[x].type == WX_V128) {
            emit3(c, WXC_OP_GLOBAL_SET_V128, WXC_OP_GLOBAL_SET_V128,
                  vslot(c, c->nvs - 2), x);
            truncate_to(c, c->nvs - 2);
        } else if (!dead) {
            const vent *v = &c->vs[c->nvs - 1];
            if (v->kind == VK_CONST && v->bits >> 32 == 0) {
                emit2(c, WXC_OP_GLOBAL_SET_I, (uint32_t)v->bits, x);
                pop(c);
            } else {
                emit2(c, WXC_OP_GLOBAL_SET, pop_slot(c), x);
            }
        }
        break;
    case WXO_TABLE_GET:
        wxr_u32(&c->r, &x);
        if (!dead) {
            table64_operand(c, x, 0);
            uint32_t s = pop_slot(c);
            uint32_t d = push_temp(c);
            produced(c, emit3(c, WXC_OP_TABLE_GET, d, s, x), d);
        }
        break;
    case WXO_TABLE_SET:
        wxr_u32(&c->r, &x);
        if (!dead) {
            table64_operand(c, x, 1);
            uint32_t v = slot_at(c, c->nvs - 1);
            uint32_t i = slot_at(c, c->nvs - 2);
            truncate_to(c, c->nvs - 2);
            emit3(c, WXC_OP_TABLE_SET, i, v, x);
        }
        break;
    case WXO_I32_LOAD: case WXO_I64_LOAD: case WXO_F32_LOAD:
    case WXO_F64_LOAD: case WXO_I32_LOAD8_S: case WXO_I32_LOAD8_U:
    case WXO_I32_LOAD16_S: case WXO_I32_LOAD16_U: case WXO_I64_LOAD8_S:
    case WXO_I64_LOAD8_U: case WXO_I64_LOAD16_S: case WXO_I64_LOAD16_U:
    case WXO_I64_LOAD32_S: case WXO_I64_LOAD32_U:
        do_load(c, (wxc_opcode)(WXC_OP_I32_LOAD + (op - WXO_I32_LOAD)));
        break;
    case WXO_I32_STORE: case WXO_I64_STORE: case WXO_F32_STORE:
    case WXO_F64_STORE: case WXO_I32_STORE8: case WXO_I32_STORE16:
    case WXO_I64_STORE8: case WXO_I64_STORE16: case WXO_I64_STORE32:
        do_store(c, (wxc_opcode)(WXC_OP_I32_STORE + (op - WXO_I32_STORE)));
        break;
    case WXO_MEMORY_SIZE: {
        uint32_t mem = read_memidx(c);
        if (!dead) {
            uint32_t d = push_temp(c);
            produced(c,
                     mem ? emit2(c, WXC_OP_MEMORY_SIZE_M, d, mem)
                         : emit1(c, WXC_OP_MEMORY_SIZE, d),
                     d);
        }
        break;
    }
    case WXO_MEMORY_GROW: {
        uint32_t mem = read_memidx(c);
        if (!dead && memory64(c, mem)) {
            uint32_t s = pop_slot(c);
            uint32_t d = push_temp(c);
            produced(c, emit3(c, WXC_OP_MEMORY_GROW64, d, s, mem), d);
        } else if (!dead) {
            uint32_t s = pop_slot(c);
            uint32_t d = push_temp(c);
            produced(c,
                     mem ? emit3(c, WXC_OP_MEMORY_GROW_M, d, s, mem)
                         : emit2(c, WXC_OP_MEMORY_GROW, d, s),
                     d);
        }
        break;
    }
    case WXO_I32_CONST: {
        int32_t v = 0;
        wxr_s32(&c->r, &v);
        if (!dead)
            push(c, VK_CONST, 0, (uint32_t)v);
        break;
    }
    case WXO_I64_CONST: {
        int64_t v = 0;
        wxr_s64(&c->r, &v);
        if (!dead)
            push(c, VK_CONST, 0, (uint64_t)v);
        break;
    }
    case WXO_F32_CONST: {
        uint32_t v = 0;
        wxr_f32(&c->r, &v);
        if (!dead)
            push(c, VK_CONST, 0, v);
        break;
    }
    case WXO_F64_CONST: {
        uint64_t v = 0;
        wxr_f64(&c->r, &v);
        if (!dead)
            push(c, VK_CONST, 0, v);
        break;
    }
    case WXO_I32_REINTERPRET_F32:
    case WXO_I64_REINTERPRET_F64:
    case WXO_F32_REINTERPRET_I32:
    case WXO_F64_REINTERPRET_I64:
        break; /* slots hold bits */
    case WXO_REF_NULL:
        if (c->m->wasm2)
            c->r.p++;
        else
            wxm_read_heaptype(&c->r, &x); /* validated */
        if (!dead)
            push(c, VK_CONST, 0, 0);
        break;
    case WXO_REF_IS_NULL:
        if (!dead)
            do_unop(c, WXC_OP_I64_EQZ);
        break;
    case WXO_REF_FUNC:
        wxr_u32(&c->r, &x);
        if (!dead) {
            uint32_t d = push_temp(c);
            produced(c, emit2(c, WXC_OP_REF_FUNC, d, x), d);
        }
        break;
    case WXO_FC_PREFIX:
        return compile_fc(c, dead);
    case WXO_FB_PREFIX:
        return compile_fb(c, dead);
    case WXO_REF_EQ: /* identity, or the same i31: equal slots */
        if (!dead)
            do_binop(c, WXC_OP_I64_EQ);
        break;
    case WXO_TRY_TABLE:
    case WXO_TRY:
    case WXO_CATCH:
    case WXO_CATCH_ALL:
    case WXO_DELEGATE:
    case WXO_THROW:
    case WXO_RETHROW:
    case WXO_THROW_REF:
        return compile_exc(c, op, dead) && !c->r.error;
    case WXO_FD_PREFIX:
        return compile_fd(c, dead);
    default:
        return wxr_fail(&c->r, "illegal opcode");
    }
    return !c->r.error;
}

static wx_status compile_func(cctx *c, uint32_t fidx, wx_error *err)
{
    wx_module *m = c->m;
    const wxm_func *mf = &m->funcs[fidx];
    const wxm_functype *t = wxm_func_type(m, fidx);
    struct wxc_func *fn = &c->fns[fidx - m->nfunc_imports];
    uint32_t ps = nslots(t->params, t->nparams);
    uint32_t ls = nslots(mf->locals, mf->nlocals);
    fn->nparams = ps;
    fn->nresults = nslots(t->results, t->nresults);
    fn->nlocals = ls;
    fn->func_index = fidx;
    fn->module = m;
    map_locals(c, t, mf);
    uint32_t nl = ps + ls; /* slots from here on */
    /* Legacy trys' rethrow slots sit between the locals and the
     * temporaries, where no callee's frame reaches. */
    uint32_t nk = nl + mf->try_depth;
    fn->temp_base = nk > fn->nresults ? nk : fn->nresults;
    c->exn_base = nl;
    c->nhd = c->nhfx = c->nscopes = 0;

    c->fn = fn;
    c->temp_base = fn->temp_base;
    c->ncode = c->nvs = c->maxvs = c->ncs = c->nfx = c->npm = 0;
    c->dead_depth = 0;
    c->last.valid = false;
    c->prev.valid = false;
    RESERVE(c, refcnt, caprefcnt, (uint64_t)nl + 1);
    memset(c->refcnt, 0, ((size_t)nl + 1) * sizeof *c->refcnt);
    RESERVE(c, lzero, caplzero, (uint64_t)nl + 1);
    memset(c->lzero, 0, ps);
    memset(c->lzero + ps, 1, ls);
    c->zero_valid = true;
    RESERVE(c, cs, capcs, 1);
    memset(&c->cs[0], 0, sizeof c->cs[0]);
    c->cs[0].kind = CK_FUNC;
    c->cs[0].nresults = fn->nresults;
    c->ncs = 1;

    wxr_init(&c->r, m->bytes, m->bytes + mf->body_offset,
             m->bytes + mf->body_end);
    while (compile_instr(c))
        ;
    if (c->r.error || c->ncs != 0)
        return wx_error_set(err, WX_EMALFORMED,
                            "function %" PRIu32 ": %s at offset %" PRIu32,
                            fidx, c->r.error ? c->r.error : "unexpected end",
                            wxr_offset(&c->r));

    finish_handlers(c);
    uint64_t frame = (uint64_t)c->temp_base + c->maxvs;
    if (frame > UINT32_MAX / 2)
        return wx_error_set(err, WX_ELIMIT, "function %" PRIu32
                            ": frame too large", fidx);
    fn->frame_size = (uint32_t)frame;
    wxc_cell *code = wxm_arena_calloc(&m->arena, c->ncode, sizeof *code);
    wxc_pcmap *pm = c->npm ? wxm_arena_calloc(&m->arena, c->npm, sizeof *pm)
                           : NULL;
    wxc_handler *hd =
        c->nhd ? wxm_arena_calloc(&m->arena, c->nhd, sizeof *hd) : NULL;
    if (!code || (c->npm && !pm) || (c->nhd && !hd))
        return wx_error_set(err, WX_ENOMEM, "out of host memory");
    if (c->nhd)
        memcpy(hd, c->hd, c->nhd * sizeof *hd);
    fn->handlers = hd;
    fn->nhandlers = c->nhd;
    memcpy(code, c->code, c->ncode * sizeof *code);
    if (c->npm)
        memcpy(pm, c->pm, c->npm * sizeof *pm);
    fn->code = code;
    fn->ncode = c->ncode;
    fn->pcmap = pm;
    fn->npcmap = c->npm;
    return WX_OK;
}

/* Holds the setjmp for out-of-memory in the scratch buffers; `c` belongs to
 * the caller, so nothing here needs to be volatile. */
static wx_status compile_all(cctx *c, wx_error *err)
{
    if (setjmp(c->oom))
        return wx_error_set(err, WX_ENOMEM, "out of host memory");
    for (uint32_t i = c->m->nfunc_imports; i < c->m->nfuncs; i++) {
        wx_status s = compile_func(c, i, err);
        if (s != WX_OK)
            return s;
    }
    return WX_OK;
}

wx_status wxc_compile_module(wx_module *m, wx_error *err)
{
    uint32_t ndef = m->nfuncs - m->nfunc_imports;
    struct wxc_func *fns =
        wxm_arena_calloc(&m->arena, ndef ? ndef : 1, sizeof *fns);
    if (!fns)
        return wx_error_set(err, WX_ENOMEM, "out of host memory");
    for (uint32_t i = 0; i < ndef; i++)
        m->funcs[m->nfunc_imports + i].code = &fns[i];

    cctx c;
    memset(&c, 0, sizeof c);
    c.m = m;
    c.fns = fns;
    c.handlers = wxe_handlers();
    wx_status s = compile_all(&c, err);
    free(c.code);
    free(c.vs);
    free(c.cs);
    free(c.fx);
    free(c.pm);
    free(c.refcnt);
    free(c.labels);
    free(c.lzero);
    free(c.hd);
    free(c.hfx);
    free(c.lslot);
    if (s != WX_OK)
        for (uint32_t i = 0; i < ndef; i++)
            m->funcs[m->nfunc_imports + i].code = NULL;
    return s;
}

/* ---------------------------------------------------------------- dump */

static int op_of(const void *const *handlers, const wxc_cell *cell)
{
    if (!handlers)
        return (int)cell->op;
    for (int i = 0; i < WXC_OP_COUNT_; i++)
        if (handlers[i] == cell->h)
            return i;
    return -1;
}

void wxc_dump(FILE *out, const wx_module *m, uint32_t func_index)
{
    if (func_index < m->nfunc_imports || func_index >= m->nfuncs ||
        !m->funcs[func_index].code) {
        fprintf(out, "func %" PRIu32 ": no code\n", func_index);
        return;
    }
    const struct wxc_func *fn = m->funcs[func_index].code;
    const void *const *handlers = wxe_handlers();
    fprintf(out,
            "func %" PRIu32 ": params %" PRIu32 " locals %" PRIu32
            " results %" PRIu32 " temps %" PRIu32 " frame %" PRIu32 "\n",
            func_index, fn->nparams, fn->nlocals, fn->nresults, fn->temp_base,
            fn->frame_size);
    for (uint32_t pc = 0; pc < fn->ncode;) {
        const wxc_cell *cell = &fn->code[pc];
        int op = op_of(handlers, cell);
        if (op < 0) {
            fprintf(out, "%5" PRIu32 "  ???\n", pc);
            return;
        }
        const char *lay = wxc_ops[op].layout;
        uint32_t len = wxc_ops[op].len;
        fprintf(out, "%5" PRIu32 "  %-22s", pc, wxc_ops[op].name);
        for (uint32_t f = 0; lay[f]; f++) {
            const wxc_cell *fc = &cell[1 + f / 2];
            uint32_t v = fc->u32[f & 1];
            switch (lay[f]) {
            case 'd': case 's': case 'a':
                fprintf(out, " s%" PRIu32, v);
                break;
            case 'o':
                fprintf(out, " ->%" PRId64, (int64_t)pc + (int32_t)v);
                break;
            case 'L':
                fprintf(out, " #0x%" PRIx64, fc->u64);
                f++;
                break;
            case 'P':
                fprintf(out, " %p", fc->p);
                f++;
                break;
            case '-':
                break;
            default:
                fprintf(out, " %c%" PRIu32, lay[f], v);
                break;
            }
        }
        if (op == WXC_OP_BR_TABLE) {
            uint32_t n = cell[1].u32[1];
            for (uint32_t i = 0; i <= n; i++) {
                uint32_t f = 3 + i;
                int32_t o = (int32_t)cell[1 + f / 2].u32[f & 1];
                fprintf(out, " ->%" PRId64, (int64_t)pc + o);
            }
            len = 1 + (3 + n + 1 + 1) / 2;
        }
        fputc('\n', out);
        pc += len;
    }
    for (uint32_t i = 0; i < fn->npcmap; i++)
        fprintf(out, "  trap @%" PRIu32 " -> 0x%" PRIx32 "\n",
                fn->pcmap[i].pc, fn->pcmap[i].offset);
}
