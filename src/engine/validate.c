/*
 * The validator: WebAssembly 2.0 type checking of a decoded module (SIMD
 * instructions excepted; v128 is known as a type only), with the tail
 * calls and extended constant expressions of 3.0 (not with
 * WX_LOAD_WASM2), and 3.0's GC: declared supertypes (check_subtypes),
 * the 0xFB instructions and ref.eq (check_prefix_fb), GC operators in
 * constant expressions (const_gc_op).
 *
 * Two parts. The module-level checks look at what the decoder stored
 * (indices, limits, constant expressions, exports, the start function). The
 * body check walks each function's instructions once with the algorithm of
 * the spec's validation appendix: a stack of operand types, in which
 * VT_ANY stands for the "unknown" type that the stack produces once code is
 * unreachable, and a stack of control frames with their label types.
 *
 * The reference interpreter decodes a whole module before validating it, so
 * a binary-format error anywhere (an illegal opcode in the last function)
 * must win over a typing error found earlier. We keep one fast pass for the
 * common, valid case: only once a typing error is found do we scan the
 * remaining bodies for format errors (scan_body), and report such an error
 * instead.
 *
 * Scratch stacks are malloc'ed once per wxm_validate and reused across
 * functions; nothing is allocated per instruction.
 */
#include "module.h"
#include "opcodes.h"
#include "ops.def"
#include "reader.h"
#include "reftype.h"

#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#define LIKELY(x) __builtin_expect(!!(x), 1)
#define UNLIKELY(x) __builtin_expect(!!(x), 0)

/* The operand type the polymorphic stack yields ("unknown" in the spec). */
#define VT_ANY 0

/* ------------------------------------------------------ opcode tables */

/* Stack effects of the simple opcodes, and names for messages, from the
 * one opcode list. An opcode absent from the list keeps class SPECIAL and
 * no name, and the switch below rejects it as illegal. */
static const uint8_t op_class[256] = {
#define X_(e, c, n, k, a, r) [c] = k,
    WXO_LIST(X_)
#undef X_
};
static const uint8_t op_arg[256] = {
#define X_(e, c, n, k, a, r) [c] = a,
    WXO_LIST(X_)
#undef X_
};
static const uint8_t op_res[256] = {
#define X_(e, c, n, k, a, r) [c] = r,
    WXO_LIST(X_)
#undef X_
};
/* Operand count of the numeric operators (1 or 2), 0 for the others. */
static const uint8_t op_nargs[256] = {
#define X_(e, c, n, k, a, r) [c] = k == WXO_UNARY ? 1 : k == WXO_BINARY ? 2 : 0,
    WXO_LIST(X_)
#undef X_
};
static const char *const op_name[256] = {
#define X_(e, c, n, k, a, r) [c] = n,
    WXO_LIST(X_)
#undef X_
};
static const uint8_t fc_class[WXO_FC_COUNT_] = {
#define X_(e, c, n, k, a, r) [c] = k,
    WXO_FC_LIST(X_)
#undef X_
};
static const uint8_t fc_arg[WXO_FC_COUNT_] = {
#define X_(e, c, n, k, a, r) [c] = a,
    WXO_FC_LIST(X_)
#undef X_
};
static const uint8_t fc_res[WXO_FC_COUNT_] = {
#define X_(e, c, n, k, a, r) [c] = r,
    WXO_FC_LIST(X_)
#undef X_
};
static const char *const fc_name[WXO_FC_COUNT_] = {
#define X_(e, c, n, k, a, r) [c] = n,
    WXO_FC_LIST(X_)
#undef X_
};

/* log2 of the access size of loads and stores, from 0x28 (i32.load) to
 * 0x3E (i64.store32): the largest alignment each may declare. */
static const uint8_t natural_align[0x3E - 0x28 + 1] = {
    2, 3, 2, 3, 0, 0, 1, 1, 0, 0, 1, 1, 2, 2, /* loads */
    2, 3, 2, 3, 0, 1, 0, 1, 2,                /* stores */
};

/* Type lists that instructions pop, as static arrays so that every check
 * goes through the one list-popping routine. */
static const wx_valtype k_i32s[3] = {WX_I32, WX_I32, WX_I32};
static const wx_valtype k_i64s[3] = {WX_I64, WX_I64, WX_I64};

/* ------------------------------------------------------------- state */

enum { CTRL_FUNC, CTRL_BLOCK, CTRL_LOOP, CTRL_IF, CTRL_ELSE,
       /* legacy exception handling: a try's body, its catch clauses */
       CTRL_TRY, CTRL_CATCH, CTRL_CATCH_ALL };

typedef struct vctrl {
    const wx_valtype *params;  /* types the block takes */
    const wx_valtype *results; /* types the block leaves */
    uint32_t nparams, nresults;
    uint32_t height; /* operand stack height at entry */
    uint32_t init_height; /* locals initialized before the frame (3.0) */
    uint8_t kind;    /* CTRL_* */
    bool unreachable;
} vctrl;

typedef struct vstate {
    wx_module *m;
    wx_error *err;
    wx_status status; /* of the first failure */

    /* Scratch, reused across functions. */
    wx_valtype *vals; /* operand types: wx_valtype values or VT_ANY */
    uint32_t nvals, capvals;
    vctrl *ctrls;
    uint32_t nctrls, capctrls;

    /* Non-defaultable locals (3.0: non-nullable references) must be set
     * before they are read, and a set counts until the end of its block:
     * local_set[i] says whether local i is set (always, when it has a
     * default), `inits` lists those set so far, in order, and each frame
     * keeps the count at its entry to undo its own at `end` and `else`. */
    bool *local_set;
    uint32_t nlocal_set;
    uint32_t *inits;
    uint32_t ninits, capinits;

    /* Blocks with one typed-reference result point at these copies (in
     * the module's arena, one per distinct type). */
    wx_valtype **singles;
    uint32_t nsingles;

    /* The function being checked. */
    uint32_t func;
    const wxm_functype *type;
    const wxm_func *f;
    wxr_reader r;
    const uint8_t *instr; /* start of the current instruction */
    /* Legacy try blocks open, and the most at once (wxm_func.try_depth). */
    uint32_t try_depth, max_try_depth;
    char fd_name[48];     /* instr_name's text for a SIMD instruction */
} vstate;

/* SIMD (0xFD) sub-opcodes from ops.def: kind (SVK_*), scalar type,
 * p (log2 of the access size, or the lane count), and name. */
enum {
#define K_(k) SVK_##k,
    SVK_NONE_, K_(LOAD) K_(STORE) K_(LOADLANE) K_(STORELANE) K_(SHUFFLE)
    K_(UN) K_(BIN) K_(TERN) K_(TEST) K_(SHIFT) K_(SPLAT) K_(EXTRACT)
    K_(REPLACE)
#undef K_
};
#define SVT_NONE WX_V128
#define SVT_I32 WX_I32
#define SVT_I64 WX_I64
#define SVT_F32 WX_F32
#define SVT_F64 WX_F64
/* The name is the semantics function's without "wxv_"; instr_name puts
 * back the dot after the shape. */
#define M_FD_(X, name, sub, kind, t, p, f)                                    \
    [sub] = {SVK_##kind, (uint8_t)SVT_##t, p, &(#f)[4]},
static const struct {
    uint8_t kind, type, p;
    const char *name;
} fd_ops[0x114] = {WXC_SIMD_OPS(M_FD_, ~)};
#undef M_FD_
#define WXO_FD_RELAXED_FIRST 0x100

/* ---------------------------------------------------------- failures */

static const char *type_name(wx_valtype t)
{
    return t == VT_ANY ? "any" : wx_valtype_name((wx_valtype)t);
}

/* Name of the instruction at v->instr, for messages. */
static const char *instr_name(vstate *v)
{
    const uint8_t *p = v->instr;
    if (p >= v->r.end)
        return "end of function";
    if (*p == WXO_FC_PREFIX) {
        wxr_reader r;
        uint32_t sub;
        wxr_init(&r, v->r.base, p + 1, v->r.end);
        if (wxr_u32(&r, &sub) && sub < WXO_FC_COUNT_)
            return fc_name[sub];
        return "0xfc prefix";
    }
    if (*p == WXO_FB_PREFIX) {
        wxr_reader r;
        uint32_t sub;
        wxr_init(&r, v->r.base, p + 1, v->r.end);
        if (wxr_u32(&r, &sub) && sub < WXO_FB_COUNT_)
            return wxm_gc_name(sub);
        return "0xfb prefix";
    }
    if (*p == WXO_FD_PREFIX) {
        wxr_reader r;
        uint32_t sub;
        wxr_init(&r, v->r.base, p + 1, v->r.end);
        if (!wxr_u32(&r, &sub) || sub >= sizeof fd_ops / sizeof *fd_ops)
            return "0xfd prefix";
        if (sub == WXO_FD_V128_CONST)
            return "v128.const";
        if (sub == WXO_FD_I8X16_SHUFFLE)
            return "i8x16.shuffle";
        if (!fd_ops[sub].name)
            return "0xfd prefix";
        snprintf(v->fd_name, sizeof v->fd_name, "%s", fd_ops[sub].name);
        char *us = strchr(v->fd_name, '_');
        if (us)
            *us = '.';
        return v->fd_name;
    }
    if (*p == WXO_END && v->nctrls) {
        static const char *const ends[] = {
            [CTRL_FUNC] = "end of function", [CTRL_BLOCK] = "end of block",
            [CTRL_LOOP] = "end of loop",     [CTRL_IF] = "end of if",
            [CTRL_ELSE] = "end of else",     [CTRL_TRY] = "end of try",
            [CTRL_CATCH] = "end of catch",   [CTRL_CATCH_ALL] = "end of catch"};
        return ends[v->ctrls[v->nctrls - 1].kind];
    }
    if (op_name[*p])
        return op_name[*p];
    switch (*p) {
#define WXO_EXC_NAME_(e, c, n, k, a, r) case c: return n;
        WXO_EXC_LIST(WXO_EXC_NAME_)
#undef WXO_EXC_NAME_
    }
    return "unknown opcode";
}

/* Records a failure in the body being checked:
 * 'function 3 ("fac") at offset 0x4f: <message>'. Keeps the first. */
static bool vfail(vstate *v, wx_status s, const char *fmt, ...)
    __attribute__((format(printf, 3, 4)));
static bool vfail(vstate *v, wx_status s, const char *fmt, ...)
{
    char msg[256];
    va_list ap;
    if (v->status != WX_OK)
        return false;
    v->status = s;
    if (!v->err)
        return false;
    va_start(ap, fmt);
    vsnprintf(msg, sizeof msg, fmt, ap);
    va_end(ap);
    uint32_t off = (uint32_t)(v->instr - v->m->bytes);
    const char *name = v->m->func_names && v->func < v->m->nfuncs
                           ? v->m->func_names[v->func]
                           : NULL;
    if (name)
        wx_error_set(v->err, s, "function %u (\"%s\") at offset 0x%x: %s",
                     v->func, name, off, msg);
    else
        wx_error_set(v->err, s, "function %u at offset 0x%x: %s", v->func,
                     off, msg);
    v->err->func_index = v->func;
    v->err->offset = off;
    return false;
}

static bool malformed(vstate *v, const char *msg)
{
    return vfail(v, WX_EMALFORMED, "%s", msg);
}

/* A reader error (truncation, bad LEB128) inside the body. */
static bool read_failed(vstate *v)
{
    return malformed(v, v->r.error ? v->r.error : "unexpected end");
}

static bool nomem(vstate *v)
{
    return vfail(v, WX_ENOMEM, "out of memory");
}

static void append(char *buf, size_t cap, size_t *len, const char *s)
{
    size_t n = strlen(s);
    if (*len + n + 1 > cap)
        n = cap - *len - 1;
    memcpy(buf + *len, s, n);
    *len += n;
    buf[*len] = '\0';
}

/* "type mismatch: i32.add expects [i32 i32] but got [i64 i32]": the
 * expected list, and the top `ngot` types of the current frame. */
static bool type_mismatch(vstate *v, const wx_valtype *want, uint32_t nwant,
                          uint32_t ngot)
{
    char exp[96], got[96];
    size_t le = 0, lg = 0;
    exp[0] = got[0] = '\0';
    for (uint32_t i = 0; i < nwant; i++) {
        if (i)
            append(exp, sizeof exp, &le, " ");
        append(exp, sizeof exp, &le, type_name(want[i]));
    }
    for (uint32_t i = 0; i < ngot; i++) {
        if (i)
            append(got, sizeof got, &lg, " ");
        append(got, sizeof got, &lg, type_name(v->vals[v->nvals - ngot + i]));
    }
    return vfail(v, WX_EINVALID,
                 "type mismatch: %s expects [%s] but got [%s]",
                 instr_name(v), exp, got);
}

/* ----------------------------------------------------- operand stack */

static bool grow_vals(vstate *v, uint32_t need)
{
    uint32_t cap = v->capvals ? v->capvals : 256;
    while (cap - v->nvals < need) {
        if (cap > UINT32_MAX / 2)
            return nomem(v);
        cap *= 2;
    }
    wx_valtype *p = realloc(v->vals, (size_t)cap * sizeof *p);
    if (!p)
        return nomem(v);
    v->vals = p;
    v->capvals = cap;
    return true;
}

static inline bool push(vstate *v, wx_valtype t)
{
    if (UNLIKELY(v->nvals == v->capvals) && !grow_vals(v, 1))
        return false;
    v->vals[v->nvals++] = t;
    return true;
}

static bool push_types(vstate *v, const wx_valtype *t, uint32_t n)
{
    if (v->capvals - v->nvals < n && !grow_vals(v, n))
        return false;
    for (uint32_t i = 0; i < n; i++)
        v->vals[v->nvals++] = t[i];
    return true;
}

static inline vctrl *top(vstate *v)
{
    return &v->ctrls[v->nctrls - 1];
}

/* Checks that the operand stack ends with the types t[0..n) (the spec's
 * pop_vals), popping them if `pop`. A frame whose code became unreachable
 * supplies VT_ANY for missing operands. */
static bool expect_types(vstate *v, const wx_valtype *t, uint32_t n, bool pop)
{
    const vctrl *c = top(v);
    uint32_t avail = v->nvals - c->height;
    uint32_t have = avail < n ? avail : n;
    if (avail < n && !c->unreachable)
        return type_mismatch(v, t, n, have);
    for (uint32_t i = 0; i < have; i++) {
        wx_valtype want = t[n - 1 - i];
        wx_valtype got = v->vals[v->nvals - 1 - i];
        if (got != want && got != VT_ANY &&
            !wxm_valtype_sub(v->m, got, v->m, want))
            return type_mismatch(v, t, n, have);
    }
    if (pop)
        v->nvals -= have;
    return true;
}

static inline bool pop_types(vstate *v, const wx_valtype *t, uint32_t n)
{
    return expect_types(v, t, n, true);
}

/* Pops one operand of any type into *t (VT_ANY if the stack is
 * polymorphic there). */
static bool pop_any(vstate *v, wx_valtype *t)
{
    const vctrl *c = top(v);
    *t = VT_ANY;
    if (v->nvals == c->height) {
        if (!c->unreachable)
            return vfail(v, WX_EINVALID,
                         "type mismatch: %s expects an operand but the "
                         "stack is empty",
                         instr_name(v));
        *t = VT_ANY;
        return true;
    }
    *t = v->vals[--v->nvals];
    return true;
}

/* Code after an unconditional branch is unreachable: its operand stack is
 * polymorphic. */
static void set_unreachable(vstate *v)
{
    vctrl *c = top(v);
    v->nvals = c->height;
    c->unreachable = true;
}

/* ----------------------------------------------------- control stack */

typedef struct vblock {
    const wx_valtype *params, *results;
    uint32_t nparams, nresults;
} vblock;

static bool push_ctrl(vstate *v, uint8_t kind, const vblock *b)
{
    if (v->nctrls == v->capctrls) {
        uint32_t cap = v->capctrls ? v->capctrls * 2 : 64;
        vctrl *p;
        if (cap > UINT32_MAX / sizeof *p / 2)
            return nomem(v);
        p = realloc(v->ctrls, (size_t)cap * sizeof *p);
        if (!p)
            return nomem(v);
        v->ctrls = p;
        v->capctrls = cap;
    }
    vctrl *c = &v->ctrls[v->nctrls++];
    c->params = b->params;
    c->nparams = b->nparams;
    c->results = b->results;
    c->nresults = b->nresults;
    c->height = v->nvals;
    c->init_height = v->ninits;
    c->kind = kind;
    c->unreachable = false;
    return push_types(v, b->params, b->nparams);
}

/* The end of a frame's code (at `end` or `else`): exactly its results must
 * be on the stack. */
static bool check_frame_end(vstate *v)
{
    vctrl *c = top(v);
    if (!pop_types(v, c->results, c->nresults))
        return false;
    if (v->nvals != c->height) {
        uint32_t extra = v->nvals - c->height;
        /* Put the results back to show the whole stack of the frame. */
        v->nvals += c->nresults;
        return type_mismatch(v, c->results, c->nresults,
                             extra + c->nresults);
    }
    return true;
}

/* Whether a[i] <: b[i] for every i (equal lengths). */
static bool sub_types(const wx_module *m, const wx_valtype *a, uint32_t na,
                      const wx_valtype *b, uint32_t nb)
{
    if (na != nb)
        return false;
    for (uint32_t i = 0; i < na; i++)
        if (a[i] != b[i] && !wxm_valtype_sub(m, a[i], m, b[i]))
            return false;
    return true;
}

/* Undoes the local initializations made inside the frame being left. */
static void reset_inits(vstate *v, const vctrl *c)
{
    while (v->ninits > c->init_height)
        v->local_set[v->inits[--v->ninits]] = false;
}

/* A branch to label `depth`: *types and *n are the label's types. */
static bool label_types(vstate *v, uint32_t depth, const wx_valtype **types,
                        uint32_t *n)
{
    *types = NULL;
    *n = 0;
    if (depth >= v->nctrls)
        return vfail(v, WX_EINVALID, "unknown label %u", depth);
    const vctrl *c = &v->ctrls[v->nctrls - 1 - depth];
    if (c->kind == CTRL_LOOP) {
        *types = c->params;
        *n = c->nparams;
    } else {
        *types = c->results;
        *n = c->nresults;
    }
    return true;
}

/* -------------------------------------------------------- immediates */

/* A block type: 0x40 (empty), a value type, or a type index as a
 * non-negative s33. *bt is the index, or minus the type byte. */
static bool read_blocktype(wxr_reader *r, int64_t *bt)
{
    uint8_t b;
    if (r->p >= r->end)
        return wxr_fail(r, "unexpected end");
    b = *r->p;
    if (b == WXO_BLOCKTYPE_EMPTY || wxm_is_valtype(b)) {
        r->p++;
        *bt = -(int64_t)b;
        return true;
    }
    if (b == 0x63 || b == 0x64 || (b >= WX_HEAP_EXN && b <= WX_HEAP_NOEXN)) {
        /* A typed reference (3.0; the caller refuses it by 2.0's rules):
         * read whole, its type is read again by read_ref_blocktype. */
        wx_valtype t;
        *bt = -(int64_t)0x63;
        return wxm_read_valtype(r, false, &t);
    }
    if (!wxr_sleb(r, 33, bt))
        return false;
    if (*bt < 0)
        return wxr_fail(r, "malformed value type");
    return true;
}

/* The reserved byte of memory instructions (a memory index in later
 * versions of the format). */
static bool read_zero(wxr_reader *r)
{
    uint8_t b;
    if (!wxr_u8(r, &b))
        return false;
    if (b != 0) {
        r->p--;
        return wxr_fail(r, "zero byte expected");
    }
    return true;
}

/* A memory index: one reserved zero byte by the 2.0 rules, a u32 since
 * multiple memories (3.0). */
static bool read_memidx(wxr_reader *r, bool wasm2, uint32_t *mem)
{
    *mem = 0;
    return wasm2 ? read_zero(r) : wxr_u32(r, mem);
}

/* A load's or store's memarg. Since multiple memories (3.0), bit 6 of the
 * alignment field says that a memory index follows it, and the field
 * must be below 2^7; the offset is a u64 (memory64), which the validator
 * bounds for 32-bit memories. By the 2.0 rules the field is only the
 * alignment and the offset a u32. */
static bool read_memarg(wxr_reader *r, bool wasm2, uint32_t *align,
                        uint32_t *mem, uint64_t *offset)
{
    *mem = 0;
    if (!wxr_u32(r, align))
        return false;
    if (!wasm2) {
        if (*align >= 128)
            return wxr_fail(r, "malformed memop flags");
        if (*align & 64) {
            *align -= 64;
            if (!wxr_u32(r, mem))
                return false;
        }
        return wxr_uleb(r, 64, offset);
    }
    uint32_t off32;
    if (!wxr_u32(r, &off32))
        return false;
    *offset = off32;
    return true;
}

/* A reference type in code must name a type the module has. */
static bool need_type_ref(vstate *v, wx_valtype t)
{
    if (wx_ref_concrete(t) && wx_ref_index(t) >= v->m->ntypes)
        return vfail(v, WX_EINVALID, "unknown type %u", wx_ref_index(t));
    return true;
}

/* A copy of t that lives as long as the module, for blocks whose one
 * result is a typed reference (vctrl points at its types). */
static const wx_valtype *intern_single(vstate *v, wx_valtype t)
{
    for (uint32_t i = 0; i < v->nsingles; i++)
        if (*v->singles[i] == t)
            return v->singles[i];
    wx_valtype **list = realloc(v->singles, (v->nsingles + 1) * sizeof *list);
    if (!list) {
        nomem(v);
        return NULL;
    }
    v->singles = list;
    wx_valtype *p = wxm_arena_calloc(&v->m->arena, 1, sizeof *p);
    if (!p) {
        nomem(v);
        return NULL;
    }
    *p = t;
    v->singles[v->nsingles++] = p;
    return p;
}

/* A block type that is a typed reference (3.0), read again from `at`. */
static bool read_ref_blocktype(vstate *v, const uint8_t *at, vblock *b)
{
    wx_valtype t;
    if (v->m->wasm2)
        return malformed(v, "malformed value type");
    v->r.p = at;
    if (!wxm_read_valtype(&v->r, false, &t))
        return read_failed(v);
    if (!need_type_ref(v, t))
        return false;
    b->params = NULL;
    b->nparams = 0;
    b->results = intern_single(v, t);
    b->nresults = 1;
    return b->results != NULL;
}

static bool resolve_blocktype(vstate *v, int64_t bt, vblock *b)
{
    const wx_module *m = v->m;
    if (bt == -(int64_t)WX_EXNREF && m->wasm2)
        return malformed(v, "malformed value type"); /* 3.0's type */
    if (bt >= 0) {
        if ((uint64_t)bt >= m->ntypes ||
            m->types[bt].kind != WXM_TYPE_FUNC)
            return vfail(v, WX_EINVALID, "unknown type %lld", (long long)bt);
        const wxm_functype *t = &m->types[bt];
        b->params = t->params;
        b->nparams = t->nparams;
        b->results = t->results;
        b->nresults = t->nresults;
        return true;
    }
    b->params = NULL;
    b->nparams = 0;
    if (bt == -WXO_BLOCKTYPE_EMPTY) {
        b->results = NULL;
        b->nresults = 0;
    } else {
        b->results = wxm_single_type((wx_valtype)(uint8_t)-bt);
        b->nresults = 1;
    }
    return true;
}

/* ----------------------------------------------------- instructions */

static bool need_memory(vstate *v, uint32_t mem)
{
    if (mem >= v->m->nmemories)
        return vfail(v, WX_EINVALID, "unknown memory %u", mem);
    return true;
}

static bool need_table(vstate *v, uint32_t t)
{
    if (t >= v->m->ntables)
        return vfail(v, WX_EINVALID, "unknown table %u", t);
    return true;
}

static bool need_elem(vstate *v, uint32_t e)
{
    if (e >= v->m->nelems)
        return vfail(v, WX_EINVALID, "unknown elem segment %u", e);
    return true;
}

/* memory.init and data.drop name data segments, which the code section
 * precedes: the data count section declares how many there are, and the
 * format requires it. One leniency: a module without any data section
 * (wat2wasm then leaves the data count out, as in the spec tests converted
 * by wast2json) is taken to declare zero segments, so that its indices are
 * "unknown data segment" as the text-format tests expect. */
static bool data_count_missing(const wx_module *m)
{
    return !m->has_datacount && m->ndatas > 0;
}

static bool need_data(vstate *v, uint32_t d)
{
    const wx_module *m = v->m;
    if (data_count_missing(m))
        return malformed(v, "data count section required");
    if (d >= (m->has_datacount ? m->datacount : 0))
        return vfail(v, WX_EINVALID, "unknown data segment %u", d);
    return true;
}

/* ------------------------------------------ 64-bit memories and tables */

/* Addresses of memory `mem` and indices of table `t`, as the lists that
 * pop_types takes: i64s for a 64-bit one (memory64, table64), i32s
 * otherwise. The index must be known (need_memory, need_table). */
static const wx_valtype *memory_addrs(const vstate *v, uint32_t mem)
{
    return wxm_memory_addr(v->m, mem) == WX_I64 ? k_i64s : k_i32s;
}

static const wx_valtype *table_addrs(const vstate *v, uint32_t t)
{
    return wxm_table_addr(v->m, t) == WX_I64 ? k_i64s : k_i32s;
}

/* memory.copy and table.copy between a 32- and a 64-bit one: the length
 * is i64 only if both are 64-bit, and the addresses each their own. */
static bool pop_copy_operands(vstate *v, wx_valtype dst, wx_valtype src)
{
    wx_valtype want[3] = {dst, src,
                          dst == WX_I64 && src == WX_I64 ? WX_I64 : WX_I32};
    return pop_types(v, want, 3);
}

/* memory.fill and table.fill: the address and the length have the
 * memory's or table's address type `at`, the value is a `val`.
 * memory.init and table.init: only the destination has it; the offset
 * and length within the segment are i32s. */
static bool pop_fill_operands(vstate *v, wx_valtype at, wx_valtype val)
{
    wx_valtype want[3] = {at, val, at};
    return pop_types(v, want, 3);
}

static bool pop_init_operands(vstate *v, wx_valtype at)
{
    wx_valtype want[3] = {at, WX_I32, WX_I32};
    return pop_types(v, want, 3);
}

/* The table a call_indirect or return_call_indirect names, read ahead of
 * indirect_type (which reports a bad immediate or index): its index
 * type, i32 when the table is unknown. */
static const wx_valtype *indirect_addr(const vstate *v)
{
    wxr_reader r = v->r;
    uint32_t ti, table;
    if (!wxr_u32(&r, &ti) || !wxr_u32(&r, &table) ||
        table >= v->m->ntables)
        return k_i32s;
    return table_addrs(v, table);
}

/* Unary and binary numeric operators whose quick check failed, and every
 * load and store: the general path with a full message. */
static bool check_simple(vstate *v, uint8_t cls, uint8_t arg, uint8_t res,
                         uint8_t natural)
{
    wx_valtype want[2];
    uint32_t n = 0;
    if (cls == WXO_LOAD || cls == WXO_STORE) {
        uint32_t align, mem;
        uint64_t offset;
        if (!read_memarg(&v->r, v->m->wasm2, &align, &mem, &offset))
            return read_failed(v);
        if (!need_memory(v, mem))
            return false;
        if (align > natural)
            return vfail(v, WX_EINVALID,
                         "alignment must not be larger than natural "
                         "(2^%u for a %u-byte access)",
                         align, 1u << natural);
        /* A 64-bit memory takes any u64 offset (memory64). */
        if (offset > UINT32_MAX && wxm_memory_addr(v->m, mem) != WX_I64)
            return vfail(v, WX_EINVALID, "offset out of range");
        want[n++] = wxm_memory_addr(v->m, mem);
        if (cls == WXO_STORE)
            want[n++] = (wx_valtype)arg;
    } else {
        want[n++] = (wx_valtype)arg;
        if (cls == WXO_BINARY)
            want[n++] = (wx_valtype)arg;
    }
    if (!pop_types(v, want, n))
        return false;
    return res ? push(v, res) : true;
}

static bool check_br_table(vstate *v)
{
    wxr_reader *r = &v->r;
    uint32_t n, depth = 0, def;
    const wx_valtype *types, *dtypes;
    uint32_t ntypes, ndtypes;
    const uint8_t *labels;

    if (!wxr_u32(r, &n))
        return read_failed(v);
    /* The default label, which fixes the arity, comes last: skip the
     * others first, then check them against it. */
    labels = r->p;
    for (uint32_t i = 0; i < n; i++)
        if (!wxr_u32(r, &depth))
            return read_failed(v);
    if (!wxr_u32(r, &def))
        return read_failed(v);
    if (!pop_types(v, k_i32s, 1) || !label_types(v, def, &dtypes, &ndtypes))
        return false;
    const uint8_t *after = r->p;
    r->p = labels;
    for (uint32_t i = 0; i < n; i++) {
        wxr_u32(r, &depth); /* read successfully above */
        if (!label_types(v, depth, &types, &ntypes))
            return false;
        if (ntypes != ndtypes)
            return vfail(v, WX_EINVALID,
                         "type mismatch: br_table targets label %u with %u "
                         "values and label %u with %u",
                         depth, ntypes, def, ndtypes);
        if (types != dtypes && !expect_types(v, types, ntypes, false))
            return false;
    }
    r->p = after;
    if (!pop_types(v, dtypes, ndtypes))
        return false;
    set_unreachable(v);
    return true;
}

/* The type call_indirect and return_call_indirect (`what`) call through:
 * reads their type and table, checks both; NULL after a failure. */
static const wxm_functype *indirect_type(vstate *v, const char *what)
{
    const wx_module *m = v->m;
    uint32_t ti, table;
    if (!wxr_u32(&v->r, &ti) || !wxr_u32(&v->r, &table)) {
        read_failed(v);
        return NULL;
    }
    if (!need_table(v, table))
        return NULL;
    if (!wxm_valtype_sub(m, m->tables[table].elem, m, WX_FUNCREF)) {
        vfail(v, WX_EINVALID, "type mismatch: %s through table %u of %s",
              what, table, wx_valtype_name(m->tables[table].elem));
        return NULL;
    }
    if (ti >= m->ntypes || m->types[ti].kind != WXM_TYPE_FUNC) {
        vfail(v, WX_EINVALID, "unknown type %u", ti);
        return NULL;
    }
    return &m->types[ti];
}

static bool check_call_indirect(vstate *v)
{
    const wx_valtype *at = indirect_addr(v);
    const wxm_functype *t = indirect_type(v, "call_indirect");
    return t && pop_types(v, at, 1) &&
           pop_types(v, t->params, t->nparams) &&
           push_types(v, t->results, t->nresults);
}

static bool is_num_or_vec(wx_valtype t)
{
    return t == VT_ANY || t == WX_I32 || t == WX_I64 || t == WX_F32 ||
           t == WX_F64 || t == WX_V128;
}

static bool check_select(vstate *v)
{
    wx_valtype t1, t2;
    if (!pop_types(v, k_i32s, 1) || !pop_any(v, &t1) || !pop_any(v, &t2))
        return false;
    if (!is_num_or_vec(t1) || !is_num_or_vec(t2))
        return vfail(v, WX_EINVALID,
                     "type mismatch: select without a type needs numeric "
                     "operands, got %s and %s",
                     type_name(t2), type_name(t1));
    if (t1 != t2 && t1 != VT_ANY && t2 != VT_ANY)
        return vfail(v, WX_EINVALID,
                     "type mismatch: select operands %s and %s differ",
                     type_name(t2), type_name(t1));
    return push(v, t1 == VT_ANY ? t2 : t1);
}

static bool check_select_t(vstate *v)
{
    uint32_t n;
    wx_valtype t;
    if (!wxr_u32(&v->r, &n))
        return read_failed(v);
    if (n != 1)
        return vfail(v, WX_EINVALID,
                     "invalid result arity: select has %u types", n);
    if (!wxm_read_valtype(&v->r, v->m->wasm2, &t))
        return read_failed(v);
    if (!need_type_ref(v, t))
        return false;
    wx_valtype want[3] = {t, t, WX_I32};
    return pop_types(v, want, 3) && push(v, t);
}

static bool local_type(vstate *v, uint32_t idx, wx_valtype *t)
{
    uint32_t np = v->type->nparams;
    if (idx < np)
        *t = v->type->params[idx];
    else if (idx - np < v->f->nlocals)
        *t = v->f->locals[idx - np];
    else
        return vfail(v, WX_EINVALID, "unknown local %u", idx);
    return true;
}

/* local.set and local.tee initialize a non-defaultable local until the
 * end of the enclosing block. */
static bool note_local_set(vstate *v, uint32_t idx)
{
    if (v->local_set[idx])
        return true;
    if (v->ninits == v->capinits) {
        uint32_t cap = v->capinits ? v->capinits * 2 : 16;
        uint32_t *p = realloc(v->inits, (size_t)cap * sizeof *p);
        if (!p)
            return nomem(v);
        v->inits = p;
        v->capinits = cap;
    }
    v->inits[v->ninits++] = idx;
    v->local_set[idx] = true;
    return true;
}

static bool check_local(vstate *v, uint8_t op)
{
    uint32_t idx;
    wx_valtype t = 0;
    if (!wxr_u32(&v->r, &idx))
        return read_failed(v);
    if (!local_type(v, idx, &t))
        return false;
    if (op == WXO_LOCAL_GET) {
        if (!v->local_set[idx])
            return vfail(v, WX_EINVALID,
                         "uninitialized local %u: local.get of a %s local "
                         "before any local.set or local.tee in its block",
                         idx, wx_valtype_name(t));
        return push(v, t);
    }
    if (!pop_types(v, &t, 1) || !note_local_set(v, idx))
        return false;
    return op == WXO_LOCAL_TEE ? push(v, t) : true;
}

static bool check_global(vstate *v, uint8_t op)
{
    const wx_module *m = v->m;
    uint32_t idx;
    if (!wxr_u32(&v->r, &idx))
        return read_failed(v);
    if (idx >= m->nglobals)
        return vfail(v, WX_EINVALID, "unknown global %u", idx);
    const wxm_global *g = &m->globals[idx];
    if (op == WXO_GLOBAL_GET)
        return push(v, g->type);
    if (!g->mutable_)
        return vfail(v, WX_EINVALID, "global is immutable: global %u", idx);
    return pop_types(v, &g->type, 1);
}

static bool check_table_access(vstate *v, uint8_t op)
{
    uint32_t t;
    if (!wxr_u32(&v->r, &t))
        return read_failed(v);
    if (!need_table(v, t))
        return false;
    wx_valtype et = v->m->tables[t].elem;
    if (op == WXO_TABLE_GET)
        return pop_types(v, table_addrs(v, t), 1) && push(v, et);
    wx_valtype want[2] = {wxm_table_addr(v->m, t), et};
    return pop_types(v, want, 2);
}

static bool check_ref_func(vstate *v)
{
    uint32_t idx;
    if (!wxr_u32(&v->r, &idx))
        return read_failed(v);
    if (idx >= v->m->nfuncs)
        return vfail(v, WX_EINVALID, "unknown function %u", idx);
    if (!v->m->func_declared || !v->m->func_declared[idx])
        return vfail(v, WX_EINVALID,
                     "undeclared function reference %u (ref.func in code "
                     "needs the function in an export, element segment or "
                     "global)",
                     idx);
    /* 3.0 types it precisely, (ref $t), a subtype of funcref. */
    if (v->m->wasm2)
        return push(v, WX_FUNCREF);
    return push(v, wx_ref_type(wx_heap_index(v->m->funcs[idx].type), false));
}

/* The 0xFC prefix: saturating truncations, bulk memory, tables. */
static bool check_prefix_fc(vstate *v)
{
    wxr_reader *r = &v->r;
    const wx_module *m = v->m;
    uint32_t sub, a, b, mem, mem2;
    bool wasm2 = m->wasm2;
    if (!wxr_u32(r, &sub))
        return read_failed(v);
    if (sub >= WXO_FC_COUNT_)
        return malformed(v, "illegal opcode");
    if (fc_class[sub] == WXO_UNARY)
        return check_simple(v, WXO_UNARY, fc_arg[sub], fc_res[sub], 0);
    switch (sub) {
    case WXO_FC_MEMORY_INIT:
        if (!wxr_u32(r, &a) || !read_memidx(r, wasm2, &mem))
            return read_failed(v);
        if (data_count_missing(m))
            return malformed(v, "data count section required");
        return need_memory(v, mem) && need_data(v, a) &&
               pop_init_operands(v, wxm_memory_addr(m, mem));
    case WXO_FC_DATA_DROP:
        if (!wxr_u32(r, &a))
            return read_failed(v);
        return need_data(v, a);
    case WXO_FC_MEMORY_COPY:
        /* destination memory, then source */
        if (!read_memidx(r, wasm2, &mem) || !read_memidx(r, wasm2, &mem2))
            return read_failed(v);
        return need_memory(v, mem) && need_memory(v, mem2) &&
               pop_copy_operands(v, wxm_memory_addr(m, mem),
                                 wxm_memory_addr(m, mem2));
    case WXO_FC_MEMORY_FILL:
        if (!read_memidx(r, wasm2, &mem))
            return read_failed(v);
        return need_memory(v, mem) &&
               pop_fill_operands(v, wxm_memory_addr(m, mem), WX_I32);
    case WXO_FC_TABLE_INIT: /* elem index, then table index */
        if (!wxr_u32(r, &a) || !wxr_u32(r, &b))
            return read_failed(v);
        if (!need_table(v, b) || !need_elem(v, a))
            return false;
        if (!wxm_valtype_sub(m, m->elems[a].type, m, m->tables[b].elem))
            return vfail(v, WX_EINVALID,
                         "type mismatch: table.init of %s elements into a "
                         "table of %s",
                         wx_valtype_name(m->elems[a].type),
                         wx_valtype_name(m->tables[b].elem));
        return pop_init_operands(v, wxm_table_addr(m, b));
    case WXO_FC_ELEM_DROP:
        if (!wxr_u32(r, &a))
            return read_failed(v);
        return need_elem(v, a);
    case WXO_FC_TABLE_COPY: /* destination, then source */
        if (!wxr_u32(r, &a) || !wxr_u32(r, &b))
            return read_failed(v);
        if (!need_table(v, a) || !need_table(v, b))
            return false;
        if (!wxm_valtype_sub(m, m->tables[b].elem, m, m->tables[a].elem))
            return vfail(v, WX_EINVALID,
                         "type mismatch: table.copy from a table of %s to "
                         "a table of %s",
                         wx_valtype_name(m->tables[b].elem),
                         wx_valtype_name(m->tables[a].elem));
        return pop_copy_operands(v, wxm_table_addr(m, a),
                                 wxm_table_addr(m, b));
    case WXO_FC_TABLE_GROW:
    case WXO_FC_TABLE_SIZE:
    case WXO_FC_TABLE_FILL: {
        if (!wxr_u32(r, &a))
            return read_failed(v);
        if (!need_table(v, a))
            return false;
        wx_valtype et = m->tables[a].elem, at = wxm_table_addr(m, a);
        if (sub == WXO_FC_TABLE_SIZE)
            return push(v, at);
        if (sub == WXO_FC_TABLE_GROW) {
            wx_valtype want[2] = {et, at};
            return pop_types(v, want, 2) && push(v, at);
        }
        return pop_fill_operands(v, at, et);
    }
    }
    return malformed(v, "illegal opcode");
}

/* A SIMD memarg: a memory below 65536 (the compiled op has 16 bits for
 * it), alignment at most 2^natural; *addr is the memory's address type
 * (i64 for a 64-bit memory, whose offsets may use all 64 bits). */
static bool check_simd_memarg(vstate *v, uint32_t natural, wx_valtype *addr)
{
    uint32_t align, mem;
    uint64_t offset;
    if (!read_memarg(&v->r, v->m->wasm2, &align, &mem, &offset))
        return read_failed(v);
    if (!need_memory(v, mem))
        return false;
    if (mem > 0xFFFF)
        return vfail(v, WX_EINVALID,
                     "SIMD access to memory %u is not supported yet "
                     "(only memories 0 to 65535)",
                     mem);
    if (align > natural)
        return vfail(v, WX_EINVALID,
                     "alignment must not be larger than natural "
                     "(2^%u for a %u-byte access)",
                     align, 1u << natural);
    *addr = wxm_memory_addr(v->m, mem);
    if (offset > UINT32_MAX && *addr != WX_I64)
        return vfail(v, WX_EINVALID, "offset out of range");
    return true;
}

/* A lane index immediate below `lanes`. */
static bool check_lane(vstate *v, uint32_t lanes)
{
    uint8_t lane;
    if (!wxr_u8(&v->r, &lane))
        return read_failed(v);
    if (lane >= lanes)
        return vfail(v, WX_EINVALID, "invalid lane index %u (below %u)",
                     lane, lanes);
    return true;
}

static bool check_prefix_fd(vstate *v)
{
    static const wx_valtype vv[3] = {WX_V128, WX_V128, WX_V128};
    uint32_t sub;
    if (!wxr_u32(&v->r, &sub))
        return read_failed(v);
    if (sub == WXO_FD_V128_CONST || sub == WXO_FD_I8X16_SHUFFLE) {
        if (v->r.end - v->r.p < 16)
            return malformed(v, "unexpected end");
        const uint8_t *b = v->r.p;
        v->r.p += 16;
        if (sub == WXO_FD_V128_CONST)
            return push(v, WX_V128);
        for (int i = 0; i < 16; i++)
            if (b[i] >= 32)
                return vfail(v, WX_EINVALID,
                             "invalid lane index %u (below 32)", b[i]);
        return pop_types(v, vv, 2) && push(v, WX_V128);
    }
    if (sub >= sizeof fd_ops / sizeof *fd_ops || !fd_ops[sub].kind ||
        (v->m->wasm2 && sub >= WXO_FD_RELAXED_FIRST))
        return malformed(v, "illegal opcode");
    wx_valtype t = (wx_valtype)fd_ops[sub].type;
    uint32_t p = fd_ops[sub].p;
    wx_valtype want[2] = {WX_I32, WX_V128};
    switch (fd_ops[sub].kind) {
    case SVK_LOAD:
        return check_simd_memarg(v, p, &want[0]) && pop_types(v, want, 1) &&
               push(v, WX_V128);
    case SVK_STORE:
        return check_simd_memarg(v, p, &want[0]) && pop_types(v, want, 2);
    case SVK_LOADLANE:
        return check_simd_memarg(v, p, &want[0]) && check_lane(v, 16u >> p) &&
               pop_types(v, want, 2) && push(v, WX_V128);
    case SVK_STORELANE:
        return check_simd_memarg(v, p, &want[0]) && check_lane(v, 16u >> p) &&
               pop_types(v, want, 2);
    case SVK_UN:
        return pop_types(v, vv, 1) && push(v, WX_V128);
    case SVK_BIN:
        return pop_types(v, vv, 2) && push(v, WX_V128);
    case SVK_TERN:
        return pop_types(v, vv, 3) && push(v, WX_V128);
    case SVK_TEST:
        return pop_types(v, vv, 1) && push(v, WX_I32);
    case SVK_SHIFT:
        want[0] = WX_V128;
        want[1] = WX_I32;
        return pop_types(v, want, 2) && push(v, WX_V128);
    case SVK_SPLAT:
        return pop_types(v, &t, 1) && push(v, WX_V128);
    case SVK_EXTRACT:
        return check_lane(v, p) && pop_types(v, vv, 1) && push(v, t);
    case SVK_REPLACE:
        want[0] = WX_V128;
        want[1] = t;
        return check_lane(v, p) && pop_types(v, want, 2) &&
               push(v, WX_V128);
    }
    return malformed(v, "illegal opcode");
}

/* The block type of block, loop, if, try_table and try, into *b: a
 * typed reference (anyref, (ref $t)...) as well as the others. */
static bool read_block(vstate *v, vblock *b)
{
    int64_t bt;
    const uint8_t *at = v->r.p;
    if (!read_blocktype(&v->r, &bt))
        return read_failed(v);
    if (bt == -(int64_t)0x63)
        return read_ref_blocktype(v, at, b);
    return resolve_blocktype(v, bt, b);
}

/* block, loop and if. */
static bool check_block(vstate *v, uint8_t op)
{
    vblock b;
    if (!read_block(v, &b))
        return false;
    if (op == WXO_IF && !pop_types(v, k_i32s, 1))
        return false;
    if (!pop_types(v, b.params, b.nparams))
        return false;
    return push_ctrl(v, op == WXO_BLOCK  ? CTRL_BLOCK
                        : op == WXO_LOOP ? CTRL_LOOP
                                         : CTRL_IF,
                     &b);
}

/* `end`: closes the innermost frame. *done is set at the function's end. */
static bool check_end(vstate *v, bool *done)
{
    vctrl *c = top(v);
    if (!check_frame_end(v))
        return false;
    /* An `if` without `else` has an empty else branch, which passes its
     * parameters through: they must equal its results. */
    if (c->kind == CTRL_IF &&
        !sub_types(v->m, c->params, c->nparams, c->results, c->nresults)) {
        v->nvals = c->height; /* the message shows the params as "got" */
        push_types(v, c->params, c->nparams);
        return type_mismatch(v, c->results, c->nresults, c->nparams);
    }
    const wx_valtype *res = c->results;
    uint32_t nres = c->nresults;
    if (c->kind >= CTRL_TRY)
        v->try_depth--;
    reset_inits(v, c);
    v->nctrls--;
    if (v->nctrls == 0) {
        *done = true;
        if (v->r.p != v->r.end)
            return malformed(v, "section size mismatch: bytes after the "
                                "function's final end");
        return true;
    }
    return push_types(v, res, nres);
}

static bool check_else(vstate *v)
{
    vctrl *c = top(v);
    /* The reference decoder reads `else` only as part of an `if`: anywhere
     * else the enclosing construct lacks its `end`. */
    if (c->kind != CTRL_IF)
        return malformed(v, "END opcode expected");
    if (!check_frame_end(v))
        return false;
    c->kind = CTRL_ELSE;
    c->unreachable = false;
    reset_inits(v, c);
    return push_types(v, c->params, c->nparams);
}

static bool check_branch(vstate *v, uint8_t op)
{
    uint32_t depth, n;
    const wx_valtype *types;
    if (!wxr_u32(&v->r, &depth))
        return read_failed(v);
    if (!label_types(v, depth, &types, &n))
        return false;
    if (op == WXO_BR) {
        if (!pop_types(v, types, n))
            return false;
        set_unreachable(v);
        return true;
    }
    return pop_types(v, k_i32s, 1) && pop_types(v, types, n) &&
           push_types(v, types, n);
}

/* The type of the function call and return_call name: reads the index,
 * checks it; NULL after a failure. */
static const wxm_functype *callee_type(vstate *v)
{
    uint32_t idx;
    if (!wxr_u32(&v->r, &idx)) {
        read_failed(v);
        return NULL;
    }
    if (idx >= v->m->nfuncs) {
        vfail(v, WX_EINVALID, "unknown function %u", idx);
        return NULL;
    }
    return wxm_func_type(v->m, idx);
}

static bool check_call(vstate *v)
{
    const wxm_functype *t = callee_type(v);
    return t && pop_types(v, t->params, t->nparams) &&
           push_types(v, t->results, t->nresults);
}

/* A tail call's callee must return exactly what the caller returns (the
 * spec's rule: its results replace the caller's). */
static bool check_tail_results(vstate *v, const wxm_functype *t)
{
    const wxm_functype *own = v->type;
    if (sub_types(v->m, t->results, t->nresults, own->results, own->nresults))
        return true;
    return vfail(v, WX_EINVALID,
                 "type mismatch: %s: the callee's results differ from "
                 "those of function %u",
                 instr_name(v), v->func);
}

/* return_call x (WebAssembly 3.0): call's operands, then like return. */
static bool check_return_call(vstate *v)
{
    if (v->m->wasm2)
        return malformed(v, "illegal opcode");
    const wxm_functype *t = callee_type(v);
    if (!t || !check_tail_results(v, t) ||
        !pop_types(v, t->params, t->nparams))
        return false;
    set_unreachable(v);
    return true;
}

/* return_call_indirect x y: call_indirect's checks, then like return. */
static bool check_return_call_indirect(vstate *v)
{
    if (v->m->wasm2)
        return malformed(v, "illegal opcode");
    const wx_valtype *at = indirect_addr(v);
    const wxm_functype *t = indirect_type(v, "return_call_indirect");
    if (!t || !check_tail_results(v, t) || !pop_types(v, at, 1) ||
        !pop_types(v, t->params, t->nparams))
        return false;
    set_unreachable(v);
    return true;
}

/* ------------------------------------------- exception handling (3.0) */

/* The type of tag x, or NULL after a failure ("unknown tag x"). */
static const wxm_functype *tag_type(vstate *v, uint32_t x)
{
    if (x >= v->m->ntags) {
        vfail(v, WX_EINVALID, "unknown tag %u", x);
        return NULL;
    }
    return &v->m->types[v->m->tags[x].type];
}

static const wx_valtype k_exnref[1] = {WX_EXNREF};

/* A try_table catch clause: the values it hands label l (the tag's
 * payload, then the exnref for the _ref kinds) must be the label's
 * types. Labels count from outside the try_table. */
static bool check_catch_clause(vstate *v)
{
    uint8_t kind;
    uint32_t x = 0, l;
    if (!wxr_u8(&v->r, &kind))
        return read_failed(v);
    if (kind > WXO_CATCH_ALL_REF)
        return malformed(v, "malformed catch clause");
    if (kind <= WXO_CATCH_TAG_REF && !wxr_u32(&v->r, &x))
        return read_failed(v);
    if (!wxr_u32(&v->r, &l))
        return read_failed(v);
    wx_valtype have[WXM_MAX_PARAMS + 1];
    uint32_t n = 0;
    if (kind <= WXO_CATCH_TAG_REF) {
        const wxm_functype *t = tag_type(v, x);
        if (!t)
            return false;
        memcpy(have, t->params, t->nparams * sizeof *have);
        n = t->nparams;
    }
    if (kind == WXO_CATCH_TAG_REF || kind == WXO_CATCH_ALL_REF)
        have[n++] = wx_ref_type(WX_HEAP_EXN, false); /* (ref exn) */
    const wx_valtype *want;
    uint32_t nwant;
    if (!label_types(v, l, &want, &nwant))
        return false;
    if (!sub_types(v->m, have, n, want, nwant))
        return vfail(v, WX_EINVALID,
                     "type mismatch: try_table's catch clause gives %u "
                     "value(s) that label %u does not take",
                     n, l);
    return true;
}

static bool check_try_table(vstate *v)
{
    vblock b;
    uint32_t n;
    if (!read_block(v, &b))
        return false;
    if (!wxr_u32(&v->r, &n))
        return read_failed(v);
    for (uint32_t i = 0; i < n; i++)
        if (!check_catch_clause(v))
            return false;
    if (!pop_types(v, b.params, b.nparams))
        return false;
    return push_ctrl(v, CTRL_BLOCK, &b);
}

/* catch x and catch_all of a legacy try: the end of the body (or of the
 * previous clause), then the clause's code with the payload. */
static bool check_legacy_catch(vstate *v, uint8_t op)
{
    vctrl *c = top(v);
    const wxm_functype *t = NULL;
    uint32_t x;
    if (c->kind != CTRL_TRY && c->kind != CTRL_CATCH)
        return malformed(v, "END opcode expected");
    if (op == WXO_CATCH) {
        if (!wxr_u32(&v->r, &x))
            return read_failed(v);
        if (!(t = tag_type(v, x)))
            return false;
    }
    if (!check_frame_end(v))
        return false;
    c->kind = op == WXO_CATCH ? CTRL_CATCH : CTRL_CATCH_ALL;
    c->unreachable = false;
    return !t || push_types(v, t->params, t->nparams);
}

/* try ... delegate l: ends the try, whose exceptions go to label l,
 * counted from outside the try. */
static bool check_delegate(vstate *v)
{
    vctrl *c = top(v);
    uint32_t l;
    if (c->kind != CTRL_TRY)
        return malformed(v, "END opcode expected");
    if (!wxr_u32(&v->r, &l))
        return read_failed(v);
    if (!check_frame_end(v))
        return false;
    const wx_valtype *res = c->results;
    uint32_t nres = c->nresults;
    v->try_depth--;
    v->nctrls--;
    if (l >= v->nctrls)
        return vfail(v, WX_EINVALID, "unknown label %u", l);
    return push_types(v, res, nres);
}

static bool check_exception_op(vstate *v, uint8_t op)
{
    uint32_t x;
    const wxm_functype *t;
    switch (op) {
    case WXO_THROW:
        if (!wxr_u32(&v->r, &x))
            return read_failed(v);
        if (!(t = tag_type(v, x)) || !pop_types(v, t->params, t->nparams))
            return false;
        set_unreachable(v);
        return true;
    case WXO_THROW_REF:
        if (!pop_types(v, k_exnref, 1))
            return false;
        set_unreachable(v);
        return true;
    case WXO_TRY_TABLE:
        return check_try_table(v);
    case WXO_TRY: {
        vblock b;
        if (!read_block(v, &b) || !pop_types(v, b.params, b.nparams))
            return false;
        if (++v->try_depth > v->max_try_depth)
            v->max_try_depth = v->try_depth;
        return push_ctrl(v, CTRL_TRY, &b);
    }
    case WXO_CATCH:
    case WXO_CATCH_ALL:
        return check_legacy_catch(v, op);
    case WXO_DELEGATE:
        return check_delegate(v);
    case WXO_RETHROW:
        if (!wxr_u32(&v->r, &x))
            return read_failed(v);
        if (x >= v->nctrls)
            return vfail(v, WX_EINVALID, "unknown label %u", x);
        if (v->ctrls[v->nctrls - 1 - x].kind != CTRL_CATCH &&
            v->ctrls[v->nctrls - 1 - x].kind != CTRL_CATCH_ALL)
            return vfail(v, WX_EINVALID, "invalid rethrow label %u", x);
        set_unreachable(v);
        return true;
    }
    return malformed(v, "illegal opcode");
}

/* ------------------------------------- typed function references (3.0) */

/* The function type call_ref and return_call_ref name; NULL after a
 * failure. */
static const wxm_functype *ref_callee_type(vstate *v)
{
    uint32_t ti;
    if (v->m->wasm2) {
        malformed(v, "illegal opcode");
        return NULL;
    }
    if (!wxr_u32(&v->r, &ti)) {
        read_failed(v);
        return NULL;
    }
    if (ti >= v->m->ntypes || v->m->types[ti].kind != WXM_TYPE_FUNC) {
        vfail(v, WX_EINVALID, "unknown type %u", ti);
        return NULL;
    }
    /* The callee operand: (ref null $t). */
    wx_valtype want = wx_ref_type(wx_heap_index(ti), true);
    if (!pop_types(v, &want, 1))
        return NULL;
    return &v->m->types[ti];
}

/* call_ref $t: [t1* (ref null $t)] -> [t2*]. */
static bool check_call_ref(vstate *v)
{
    const wxm_functype *t = ref_callee_type(v);
    return t && pop_types(v, t->params, t->nparams) &&
           push_types(v, t->results, t->nresults);
}

/* return_call_ref $t: call_ref's operands, then like return. */
static bool check_return_call_ref(vstate *v)
{
    const wxm_functype *t = ref_callee_type(v);
    if (!t || !check_tail_results(v, t) ||
        !pop_types(v, t->params, t->nparams))
        return false;
    set_unreachable(v);
    return true;
}

/* Pops a reference operand for `what`: *t is its type, or VT_ANY (the
 * bottom type) in unreachable code. */
static bool pop_ref(vstate *v, wx_valtype *t)
{
    if (!pop_any(v, t))
        return false;
    if (*t != VT_ANY && !wx_is_ref(*t))
        return vfail(v, WX_EINVALID,
                     "type mismatch: %s expects a reference but got %s",
                     instr_name(v), type_name(*t));
    return true;
}

/* The non-nullable version of reference type t (bottom stays bottom). */
static wx_valtype non_null(wx_valtype t)
{
    return t == VT_ANY ? VT_ANY : wx_ref_type(wx_ref_heap(t), false);
}

static bool check_ref_as_non_null(vstate *v)
{
    wx_valtype t;
    if (v->m->wasm2)
        return malformed(v, "illegal opcode");
    return pop_ref(v, &t) && push(v, non_null(t));
}

/* br_on_null l: [t* (ref null ht)] -> [t* (ref ht)], branching to l
 * (with t*) when the reference is null. */
static bool check_br_on_null(vstate *v)
{
    uint32_t depth, n;
    const wx_valtype *types;
    wx_valtype t;
    if (v->m->wasm2)
        return malformed(v, "illegal opcode");
    if (!wxr_u32(&v->r, &depth))
        return read_failed(v);
    if (!label_types(v, depth, &types, &n) || !pop_ref(v, &t))
        return false;
    return pop_types(v, types, n) && push_types(v, types, n) &&
           push(v, non_null(t));
}

/* br_on_non_null l: [t* (ref null ht)] -> [t*], branching to l with
 * t* (ref ht) when the reference is not null; l's last type must be a
 * reference. */
static bool check_br_on_non_null(vstate *v)
{
    uint32_t depth, n;
    const wx_valtype *types;
    wx_valtype t;
    if (v->m->wasm2)
        return malformed(v, "illegal opcode");
    if (!wxr_u32(&v->r, &depth))
        return read_failed(v);
    if (!label_types(v, depth, &types, &n))
        return false;
    if (n == 0 || !wx_is_ref(types[n - 1]))
        return vfail(v, WX_EINVALID,
                     "type mismatch: br_on_non_null to label %u, whose "
                     "last value is not a reference",
                     depth);
    if (!pop_ref(v, &t) || !push(v, non_null(t)) ||
        !pop_types(v, types, n))
        return false;
    return push_types(v, types, n - 1);
}

/* ref.null ht: 2.0's reference type byte, or (3.0) any heap type. */
static bool check_ref_null(vstate *v)
{
    uint8_t b;
    uint32_t heap;
    if (v->m->wasm2) {
        if (!wxr_u8(&v->r, &b))
            return read_failed(v);
        if (b != WX_FUNCREF && b != WX_EXTERNREF)
            return malformed(v, "malformed reference type");
        return push(v, (wx_valtype)b);
    }
    if (!wxm_read_heaptype(&v->r, &heap))
        return read_failed(v);
    wx_valtype t = wx_ref_type(heap, true);
    return need_type_ref(v, t) && push(v, t);
}

/* ----------------------------------------------- garbage collection (3.0) */

/* The value type a field of storage type t reads and writes: packed i8
 * and i16 travel as i32. */
static wx_valtype unpacked(wx_valtype t)
{
    return t == WXM_PACKED_I8 || t == WXM_PACKED_I16 ? WX_I32 : t;
}

static bool is_packed(wx_valtype t)
{
    return t == WXM_PACKED_I8 || t == WXM_PACKED_I16;
}

/* Defined type x of kind `kind` (struct or array), or NULL after a
 * failure naming the instruction. */
static const wxm_functype *gc_type(vstate *v, uint32_t x, wxm_typekind kind)
{
    if (x >= v->m->ntypes) {
        vfail(v, WX_EINVALID, "unknown type %u", x);
        return NULL;
    }
    const wxm_functype *t = &v->m->types[x];
    if (t->kind != kind) {
        vfail(v, WX_EINVALID, "type mismatch: %s needs %s type, type %u is "
              "not one", instr_name(v),
              kind == WXM_TYPE_STRUCT ? "a struct" : "an array", x);
        return NULL;
    }
    return t;
}

/* (ref null x) and (ref x). */
static wx_valtype ref_to(uint32_t x, bool nullable)
{
    return wx_ref_type(wx_heap_index(x), nullable);
}

/* A heap type of an instruction must name a type the module has. */
static bool need_heap(vstate *v, uint32_t heap)
{
    return need_type_ref(v, wx_ref_type(heap, true));
}

/* Struct field y of type x, or NULL after a failure. */
static const wxm_field *struct_field(vstate *v, const wxm_gc_imm *imm)
{
    const wxm_functype *t = gc_type(v, imm->x, WXM_TYPE_STRUCT);
    if (!t)
        return NULL;
    if (imm->y >= t->nfields) {
        vfail(v, WX_EINVALID, "unknown field %u of type %u", imm->y, imm->x);
        return NULL;
    }
    return &t->fields[imm->y];
}

/* get_s and get_u only of packed fields, get only of unpacked ones. */
static bool check_packing(vstate *v, const wxm_field *f, bool signed_or_u)
{
    if (is_packed(f->type) != signed_or_u)
        return vfail(v, WX_EINVALID,
                     "type mismatch: %s of a field of type %s (the _s and "
                     "_u forms are for packed fields, only they)",
                     instr_name(v), wx_valtype_name(f->type));
    return true;
}

static bool need_mutable(vstate *v, const wxm_field *f, const char *what)
{
    if (!f->mutable_)
        return vfail(v, WX_EINVALID, "%s: %s is immutable", instr_name(v),
                     what);
    return true;
}

static bool check_struct_new(vstate *v, const wxm_gc_imm *imm, bool dflt)
{
    const wxm_functype *t = gc_type(v, imm->x, WXM_TYPE_STRUCT);
    if (!t)
        return false;
    for (uint32_t k = t->nfields; k-- > 0;) {
        wx_valtype ft = unpacked(t->fields[k].type);
        if (dflt ? !wxm_defaultable(ft) : !pop_types(v, &ft, 1))
            return dflt ? vfail(v, WX_EINVALID,
                                "type mismatch: struct.new_default of type "
                                "%u, whose field %u has no default",
                                imm->x, k)
                        : false;
    }
    return push(v, ref_to(imm->x, false));
}

static bool check_struct_access(vstate *v, uint32_t sub,
                                const wxm_gc_imm *imm)
{
    const wxm_field *f = struct_field(v, imm);
    if (!f)
        return false;
    wx_valtype want[2] = {ref_to(imm->x, true), unpacked(f->type)};
    if (sub == WXO_FB_STRUCT_SET)
        return need_mutable(v, f, "immutable field") && pop_types(v, want, 2);
    return check_packing(v, f, sub != WXO_FB_STRUCT_GET) &&
           pop_types(v, want, 1) && push(v, want[1]);
}

/* The element of array type x, or NULL after a failure. */
static const wxm_field *array_elem(vstate *v, uint32_t x)
{
    const wxm_functype *t = gc_type(v, x, WXM_TYPE_ARRAY);
    return t ? &t->fields[0] : NULL;
}

/* array.new_data and array.init_data copy bytes: numbers and vectors
 * only, and a data segment that the data count section declared. */
static bool need_data_elem(vstate *v, const wxm_field *f, uint32_t data)
{
    if (wx_is_ref(f->type))
        return vfail(v, WX_EINVALID,
                     "array type is not numeric or vector: %s of %s",
                     instr_name(v), wx_valtype_name(f->type));
    return need_data(v, data);
}

/* array.new_elem and array.init_elem: the segment's elements must fit
 * the array's element type. */
static bool need_elem_elem(vstate *v, const wxm_field *f, uint32_t e)
{
    if (!need_elem(v, e))
        return false;
    if (!wxm_valtype_sub(v->m, v->m->elems[e].type, v->m, f->type))
        return vfail(v, WX_EINVALID,
                     "type mismatch: %s of %s elements into an array of %s",
                     instr_name(v), wx_valtype_name(v->m->elems[e].type),
                     wx_valtype_name(f->type));
    return true;
}

static bool check_array_new(vstate *v, uint32_t sub, const wxm_gc_imm *imm)
{
    const wxm_field *f = array_elem(v, imm->x);
    if (!f)
        return false;
    wx_valtype et = unpacked(f->type);
    wx_valtype init[2] = {et, WX_I32};
    bool ok;
    switch (sub) {
    case WXO_FB_ARRAY_NEW: ok = pop_types(v, init, 2); break;
    case WXO_FB_ARRAY_NEW_DEFAULT:
        if (!wxm_defaultable(et))
            return vfail(v, WX_EINVALID,
                         "type mismatch: array.new_default of type %u, "
                         "whose element has no default",
                         imm->x);
        ok = pop_types(v, k_i32s, 1);
        break;
    case WXO_FB_ARRAY_NEW_FIXED:
        ok = true;
        for (uint32_t k = 0; ok && k < imm->y; k++)
            ok = pop_types(v, &et, 1);
        break;
    case WXO_FB_ARRAY_NEW_DATA:
        ok = need_data_elem(v, f, imm->y) && pop_types(v, k_i32s, 2);
        break;
    default: /* WXO_FB_ARRAY_NEW_ELEM */
        ok = need_elem_elem(v, f, imm->y) && pop_types(v, k_i32s, 2);
        break;
    }
    return ok && push(v, ref_to(imm->x, false));
}

static bool check_array_access(vstate *v, uint32_t sub,
                               const wxm_gc_imm *imm)
{
    const wxm_field *f = array_elem(v, imm->x);
    if (!f)
        return false;
    wx_valtype want[4] = {ref_to(imm->x, true), WX_I32, unpacked(f->type),
                          WX_I32};
    switch (sub) {
    case WXO_FB_ARRAY_SET:
        return need_mutable(v, f, "immutable array") &&
               pop_types(v, want, 3);
    case WXO_FB_ARRAY_FILL:
        return need_mutable(v, f, "immutable array") &&
               pop_types(v, want, 4);
    case WXO_FB_ARRAY_INIT_DATA:
    case WXO_FB_ARRAY_INIT_ELEM:
        want[2] = WX_I32;
        if (!need_mutable(v, f, "immutable array") ||
            !(sub == WXO_FB_ARRAY_INIT_DATA ? need_data_elem(v, f, imm->y)
                                            : need_elem_elem(v, f, imm->y)))
            return false;
        return pop_types(v, want, 4);
    default: /* get, get_s, get_u */
        return check_packing(v, f, sub != WXO_FB_ARRAY_GET) &&
               pop_types(v, want, 2) && push(v, want[2]);
    }
}

/* array.copy x y: into a mutable array x from array y whose element
 * type is a subtype of x's (packed ones equal). */
static bool check_array_copy(vstate *v, const wxm_gc_imm *imm)
{
    const wxm_field *dst = array_elem(v, imm->x);
    const wxm_field *src = dst ? array_elem(v, imm->y) : NULL;
    if (!src || !need_mutable(v, dst, "immutable array"))
        return false;
    if (!wxm_valtype_sub(v->m, src->type, v->m, dst->type))
        return vfail(v, WX_EINVALID,
                     "array types do not match: array.copy from %s "
                     "elements to %s",
                     wx_valtype_name(src->type), wx_valtype_name(dst->type));
    wx_valtype want[5] = {ref_to(imm->x, true), WX_I32, ref_to(imm->y, true),
                          WX_I32, WX_I32};
    return pop_types(v, want, 5);
}

/* The top of heap type h's hierarchy, nullable: what ref.test, ref.cast
 * and br_on_cast take their operand as. */
static wx_valtype heap_top(vstate *v, uint32_t h)
{
    return wxm_ref_top(v->m, wx_ref_type(h, true));
}

/* ref.test and ref.cast: an operand of the target's hierarchy. */
static bool check_ref_test_cast(vstate *v, uint32_t sub,
                                const wxm_gc_imm *imm)
{
    if (!need_heap(v, imm->heap))
        return false;
    wx_valtype top = heap_top(v, imm->heap);
    if (!pop_types(v, &top, 1))
        return false;
    bool nullable = sub == WXO_FB_REF_TEST_NULL || sub == WXO_FB_REF_CAST_NULL;
    if (sub == WXO_FB_REF_TEST || sub == WXO_FB_REF_TEST_NULL)
        return push(v, WX_I32);
    return push(v, wx_ref_type(imm->heap, nullable));
}

/* br_on_cast l rt1 rt2 and br_on_cast_fail: rt2 must be below rt1; the
 * label's last type takes rt2 (the cast's success) or rt1 minus rt2 (its
 * failure: rt1, non-null when rt2 takes null); the other continues. */
static bool check_br_on_cast(vstate *v, uint32_t sub, const wxm_gc_imm *imm)
{
    const wx_valtype *types;
    uint32_t n;
    if (!need_heap(v, imm->heap) || !need_heap(v, imm->heap2) ||
        !label_types(v, imm->label, &types, &n))
        return false;
    wx_valtype rt1 = wx_ref_type(imm->heap, imm->flags & 1);
    wx_valtype rt2 = wx_ref_type(imm->heap2, (imm->flags & 2) != 0);
    wx_valtype diff = wx_ref_type(imm->heap, (imm->flags & 1) &&
                                                 !(imm->flags & 2));
    if (!wxm_valtype_sub(v->m, rt2, v->m, rt1))
        return vfail(v, WX_EINVALID,
                     "type mismatch: %s to %s, not a subtype of %s",
                     instr_name(v), wx_valtype_name(rt2),
                     wx_valtype_name(rt1));
    wx_valtype taken = sub == WXO_FB_BR_ON_CAST ? rt2 : diff;
    wx_valtype stays = sub == WXO_FB_BR_ON_CAST ? diff : rt2;
    if (n == 0 || !wxm_valtype_sub(v->m, taken, v->m, types[n - 1]))
        return vfail(v, WX_EINVALID,
                     "type mismatch: %s to label %u, whose last value "
                     "does not take %s",
                     instr_name(v), imm->label, wx_valtype_name(taken));
    return pop_types(v, &rt1, 1) && pop_types(v, types, n - 1) &&
           push_types(v, types, n - 1) && push(v, stays);
}

/* any.convert_extern and extern.convert_any: the other hierarchy's top,
 * keeping the operand's nullability. */
static bool check_convert(vstate *v, uint32_t from, uint32_t to)
{
    wx_valtype t, want = wx_ref_type(from, true);
    if (!pop_ref(v, &t))
        return false;
    if (t != VT_ANY && !wxm_valtype_sub(v->m, t, v->m, want))
        return vfail(v, WX_EINVALID, "type mismatch: %s of %s",
                     instr_name(v), type_name(t));
    return push(v, wx_ref_type(to, t != VT_ANY && wx_ref_nullable(t)));
}

/* The 0xFB prefix: GC's instructions (WXO_FB_LIST). */
static bool check_prefix_fb(vstate *v)
{
    uint32_t sub;
    wxm_gc_imm imm;
    static const wx_valtype i31ref = (wx_valtype)WX_HEAP_I31;
    static const wx_valtype arrayref = (wx_valtype)WX_HEAP_ARRAY;
    if (v->m->wasm2)
        return malformed(v, "illegal opcode");
    if (!wxr_u32(&v->r, &sub))
        return read_failed(v);
    if (sub >= WXO_FB_COUNT_)
        return malformed(v, "illegal opcode");
    if (!wxm_read_gc_imm(&v->r, sub, &imm))
        return read_failed(v);
    switch (sub) {
    case WXO_FB_STRUCT_NEW:
    case WXO_FB_STRUCT_NEW_DEFAULT:
        return check_struct_new(v, &imm, sub == WXO_FB_STRUCT_NEW_DEFAULT);
    case WXO_FB_STRUCT_GET:
    case WXO_FB_STRUCT_GET_S:
    case WXO_FB_STRUCT_GET_U:
    case WXO_FB_STRUCT_SET:
        return check_struct_access(v, sub, &imm);
    case WXO_FB_ARRAY_NEW:
    case WXO_FB_ARRAY_NEW_DEFAULT:
    case WXO_FB_ARRAY_NEW_FIXED:
    case WXO_FB_ARRAY_NEW_DATA:
    case WXO_FB_ARRAY_NEW_ELEM:
        return check_array_new(v, sub, &imm);
    case WXO_FB_ARRAY_LEN:
        return pop_types(v, &arrayref, 1) && push(v, WX_I32);
    case WXO_FB_ARRAY_COPY:
        return check_array_copy(v, &imm);
    case WXO_FB_REF_TEST:
    case WXO_FB_REF_TEST_NULL:
    case WXO_FB_REF_CAST:
    case WXO_FB_REF_CAST_NULL:
        return check_ref_test_cast(v, sub, &imm);
    case WXO_FB_BR_ON_CAST:
    case WXO_FB_BR_ON_CAST_FAIL:
        return check_br_on_cast(v, sub, &imm);
    case WXO_FB_ANY_CONVERT_EXTERN:
        return check_convert(v, WX_HEAP_EXTERN, WX_HEAP_ANY);
    case WXO_FB_EXTERN_CONVERT_ANY:
        return check_convert(v, WX_HEAP_ANY, WX_HEAP_EXTERN);
    case WXO_FB_REF_I31:
        return pop_types(v, k_i32s, 1) &&
               push(v, wx_ref_type(WX_HEAP_I31, false));
    case WXO_FB_I31_GET_S:
    case WXO_FB_I31_GET_U:
        return pop_types(v, &i31ref, 1) && push(v, WX_I32);
    default: /* the other array accesses */
        return check_array_access(v, sub, &imm);
    }
}

/* ref.eq: two references of the eq hierarchy. */
static bool check_ref_eq(vstate *v)
{
    static const wx_valtype eqrefs[2] = {(wx_valtype)WX_HEAP_EQ,
                                         (wx_valtype)WX_HEAP_EQ};
    if (v->m->wasm2)
        return malformed(v, "illegal opcode");
    return pop_types(v, eqrefs, 2) && push(v, WX_I32);
}

/* The instructions of the single-byte space that are not simple
 * operators. */
static bool check_special(vstate *v, uint8_t op, bool *done)
{
    wxr_reader *r = &v->r;
    wx_valtype t;
    switch (op) {
    case WXO_CALL_REF:
        return check_call_ref(v);
    case WXO_RETURN_CALL_REF:
        return check_return_call_ref(v);
    case WXO_REF_AS_NON_NULL:
        return check_ref_as_non_null(v);
    case WXO_BR_ON_NULL:
        return check_br_on_null(v);
    case WXO_BR_ON_NON_NULL:
        return check_br_on_non_null(v);
    case WXO_UNREACHABLE:
        set_unreachable(v);
        return true;
    case WXO_NOP:
        return true;
    case WXO_BLOCK:
    case WXO_LOOP:
    case WXO_IF:
        return check_block(v, op);
    case WXO_ELSE:
        return check_else(v);
    case WXO_END:
        return check_end(v, done);
    case WXO_BR:
    case WXO_BR_IF:
        return check_branch(v, op);
    case WXO_BR_TABLE:
        return check_br_table(v);
    case WXO_RETURN:
        if (!pop_types(v, v->ctrls[0].results, v->ctrls[0].nresults))
            return false;
        set_unreachable(v);
        return true;
    case WXO_CALL:
        return check_call(v);
    case WXO_CALL_INDIRECT:
        return check_call_indirect(v);
    case WXO_RETURN_CALL:
        return check_return_call(v);
    case WXO_RETURN_CALL_INDIRECT:
        return check_return_call_indirect(v);
    case WXO_DROP:
        return pop_any(v, &t);
    case WXO_SELECT:
        return check_select(v);
    case WXO_SELECT_T:
        return check_select_t(v);
    case WXO_LOCAL_GET:
    case WXO_LOCAL_SET:
    case WXO_LOCAL_TEE:
        return check_local(v, op);
    case WXO_GLOBAL_GET:
    case WXO_GLOBAL_SET:
        return check_global(v, op);
    case WXO_TABLE_GET:
    case WXO_TABLE_SET:
        return check_table_access(v, op);
    case WXO_MEMORY_SIZE:
    case WXO_MEMORY_GROW: {
        uint32_t mem;
        if (!read_memidx(r, v->m->wasm2, &mem))
            return read_failed(v);
        if (!need_memory(v, mem))
            return false;
        if (op == WXO_MEMORY_GROW && !pop_types(v, memory_addrs(v, mem), 1))
            return false;
        return push(v, wxm_memory_addr(v->m, mem));
    }
    case WXO_I32_CONST: {
        int32_t x;
        if (!wxr_s32(r, &x))
            return read_failed(v);
        return push(v, WX_I32);
    }
    case WXO_I64_CONST: {
        int64_t x;
        if (!wxr_s64(r, &x))
            return read_failed(v);
        return push(v, WX_I64);
    }
    case WXO_F32_CONST: {
        uint32_t x;
        if (!wxr_f32(r, &x))
            return read_failed(v);
        return push(v, WX_F32);
    }
    case WXO_F64_CONST: {
        uint64_t x;
        if (!wxr_f64(r, &x))
            return read_failed(v);
        return push(v, WX_F64);
    }
    case WXO_REF_NULL:
        return check_ref_null(v);
    case WXO_REF_IS_NULL:
        if (!pop_any(v, &t))
            return false;
        if (t != VT_ANY && !wxm_is_reftype(t))
            return vfail(v, WX_EINVALID,
                         "type mismatch: ref.is_null expects a reference "
                         "but got %s",
                         type_name(t));
        return push(v, WX_I32);
    case WXO_REF_FUNC:
        return check_ref_func(v);
    case WXO_FC_PREFIX:
        return check_prefix_fc(v);
    case WXO_FD_PREFIX:
        return check_prefix_fd(v);
    case WXO_FB_PREFIX:
        return check_prefix_fb(v);
    case WXO_REF_EQ:
        return check_ref_eq(v);
    }
    if (!v->m->wasm2)
        return check_exception_op(v, op);
    return malformed(v, "illegal opcode");
}

/* A u32 immediate, inline when it takes one byte. */
static inline bool quick_u32(wxr_reader *r, uint32_t *x)
{
    if (LIKELY(r->p < r->end && *r->p < 0x80)) {
        *x = *r->p++;
        return true;
    }
    return wxr_u32(r, x);
}

/* The type of local `idx`, or false (the slow path reports it). */
static inline bool quick_local(const vstate *v, uint32_t idx, wx_valtype *t)
{
    uint32_t np = v->type->nparams;
    if (idx < np) {
        *t = v->type->params[idx];
        return true;
    }
    if (idx - np < v->f->nlocals) {
        *t = v->f->locals[idx - np];
        /* A local without a default: check_local tracks its setting. */
        return wxm_defaultable(*t);
    }
    return false;
}

/* Marks the parameters and the locals with a default as set, the others
 * (non-nullable references) as not yet. */
static bool start_locals(vstate *v)
{
    uint32_t np = v->type->nparams, n = np + v->f->nlocals;
    if (n > v->nlocal_set) {
        bool *p = realloc(v->local_set, n * sizeof *p);
        if (!p)
            return nomem(v);
        v->local_set = p;
        v->nlocal_set = n;
    }
    for (uint32_t i = 0; i < n; i++)
        v->local_set[i] = i < np || wxm_defaultable(v->f->locals[i - np]);
    v->ninits = 0;
    return true;
}

/* Type-checks the body of defined function `fi`. The per-instruction path
 * handles the simple operators inline when their operands are plainly
 * there, and leaves everything else to the functions above. */
static bool check_body(vstate *v, uint32_t fi)
{
    wx_module *m = v->m;
    const wxm_func *f = &m->funcs[fi];
    wxr_reader *r = &v->r;
    vblock fb;
    bool done = false;

    v->func = fi;
    v->f = f;
    v->type = &m->types[f->type];
    v->nvals = 0;
    v->nctrls = 0;
    v->try_depth = v->max_try_depth = 0;
    wxr_init(r, m->bytes, m->bytes + f->body_offset, m->bytes + f->body_end);
    v->instr = r->p;
    if (!start_locals(v))
        return false;
    fb.params = NULL;
    fb.nparams = 0;
    fb.results = v->type->results;
    fb.nresults = v->type->nresults;
    if (!push_ctrl(v, CTRL_FUNC, &fb))
        return false;

    while (!done) {
        v->instr = r->p;
        if (UNLIKELY(r->p >= r->end))
            return malformed(v, v->nctrls == 1 ? "END opcode expected"
                                               : "unexpected end");
        uint8_t op = *r->p++;
        const vctrl *c = &v->ctrls[v->nctrls - 1];
        const uint8_t *save = r->p;
        wx_valtype *sp = v->vals + v->nvals;
        uint32_t idx, n;
        wx_valtype t, a;
        /* One dispatch for the frequent instructions, each with a quick
         * check for the common case that its operands are plainly there;
         * anything else goes the general way, below the switch. */
        switch (op) {
        case WXO_I32_EQZ ... WXO_I64_EXTEND32_S:
            /* The numeric operators: n operands of type a. */
            n = op_nargs[op];
            a = op_arg[op];
            if (LIKELY(n && v->nvals >= c->height + n && sp[-1] == a &&
                       sp[-(int)n] == a)) {
                sp[-(int)n] = op_res[op];
                v->nvals -= n - 1;
                continue;
            }
            break;
        case WXO_LOCAL_GET:
            if (!quick_u32(r, &idx) || !quick_local(v, idx, &t) ||
                UNLIKELY(v->nvals == v->capvals))
                break;
            *sp = t;
            v->nvals++;
            continue;
        case WXO_LOCAL_SET:
        case WXO_LOCAL_TEE:
            if (!quick_u32(r, &idx) || !quick_local(v, idx, &t) ||
                v->nvals <= c->height || sp[-1] != t)
                break;
            v->nvals -= op == WXO_LOCAL_SET;
            continue;
        case WXO_I32_CONST: {
            int32_t x;
            if (!wxr_s32(r, &x) || UNLIKELY(v->nvals == v->capvals))
                break;
            *sp = WX_I32;
            v->nvals++;
            continue;
        }
        }
        r->p = save;
        uint8_t cls = op_class[op];
        if (cls != WXO_SPECIAL) {
            if (!check_simple(v, cls, op_arg[op], op_res[op],
                              op >= 0x28 && op <= 0x3E
                                  ? natural_align[op - 0x28]
                                  : 0))
                return false;
            continue;
        }
        if (!check_special(v, op, &done))
            return false;
    }
    m->funcs[fi].try_depth = v->max_try_depth;
    return true;
}

/* The immediates of a SIMD instruction (binary-format errors only). */
static bool scan_fd(vstate *v, wxr_reader *r)
{
    uint32_t sub, align, mem;
    uint64_t offset;
    uint8_t lane;
    if (!wxr_u32(r, &sub))
        return read_failed(v);
    if (sub == WXO_FD_V128_CONST || sub == WXO_FD_I8X16_SHUFFLE) {
        if (r->end - r->p < 16)
            return malformed(v, "unexpected end");
        r->p += 16;
        return true;
    }
    if (sub >= sizeof fd_ops / sizeof *fd_ops || !fd_ops[sub].kind ||
        (v->m->wasm2 && sub >= WXO_FD_RELAXED_FIRST))
        return malformed(v, "illegal opcode");
    uint8_t k = fd_ops[sub].kind;
    if ((k == SVK_LOAD || k == SVK_STORE || k == SVK_LOADLANE ||
         k == SVK_STORELANE) &&
        !read_memarg(r, v->m->wasm2, &align, &mem, &offset))
        return read_failed(v);
    if ((k == SVK_LOADLANE || k == SVK_STORELANE || k == SVK_EXTRACT ||
         k == SVK_REPLACE) &&
        !wxr_u8(r, &lane))
        return read_failed(v);
    return true;
}

/* ---------------------------------------------------------- scanning */

/* Walks the body of function `fi` for binary-format errors only (see the
 * top of the file); returns false with a WX_EMALFORMED failure recorded in
 * `v`. Uses the operand scratch stack for the kinds of open blocks. */
/* A GC instruction after its 0xFB prefix, for scan_body: unknown by the
 * 2.0 rules; array.new_data and array.init_data need the data count
 * section, as memory.init does. */
static bool scan_fb(vstate *v, wxr_reader *r)
{
    uint32_t sub;
    wxm_gc_imm imm;
    if (v->m->wasm2)
        return malformed(v, "illegal opcode");
    if (!wxr_u32(r, &sub))
        return read_failed(v);
    if (sub >= WXO_FB_COUNT_)
        return malformed(v, "illegal opcode");
    if (!wxm_read_gc_imm(r, sub, &imm))
        return read_failed(v);
    if ((sub == WXO_FB_ARRAY_NEW_DATA || sub == WXO_FB_ARRAY_INIT_DATA) &&
        data_count_missing(v->m))
        return malformed(v, "data count section required");
    return true;
}

static bool scan_body(vstate *v, uint32_t fi)
{
    wx_module *m = v->m;
    const wxm_func *f = &m->funcs[fi];
    wxr_reader *r = &v->r;
    uint32_t depth = 0, n, x;
    int64_t s;
    uint8_t b;

    v->func = fi;
    v->nvals = 0;
    wxr_init(r, m->bytes, m->bytes + f->body_offset, m->bytes + f->body_end);
    if (!push(v, (wx_valtype)CTRL_FUNC))
        return false;
    depth = 1;
    while (depth > 0) {
        v->instr = r->p;
        if (r->p >= r->end)
            return malformed(v, depth == 1 ? "END opcode expected"
                                           : "unexpected end");
        uint8_t op = *r->p++;
        uint8_t cls = op_class[op];
        bool ok = true;
        if (cls == WXO_LOAD || cls == WXO_STORE) {
            uint32_t mem;
            uint64_t offset;
            ok = read_memarg(r, m->wasm2, &n, &mem, &offset);
        } else if (cls == WXO_SPECIAL) {
            switch (op) {
            case WXO_UNREACHABLE:
            case WXO_NOP:
            case WXO_RETURN:
            case WXO_DROP:
            case WXO_SELECT:
            case WXO_REF_IS_NULL:
                break;
            case WXO_BLOCK:
            case WXO_LOOP:
            case WXO_IF:
                ok = read_blocktype(r, &s);
                if (ok && s == -(int64_t)0x63 && m->wasm2)
                    return malformed(v, "malformed value type");
                if (ok && !push(v, (wx_valtype)(op == WXO_IF ? CTRL_IF : CTRL_BLOCK)))
                    return false;
                depth++;
                break;
            case WXO_ELSE:
                if (v->vals[v->nvals - 1] != (wx_valtype)CTRL_IF)
                    return malformed(v, "END opcode expected");
                v->vals[v->nvals - 1] = (wx_valtype)CTRL_ELSE;
                break;
            case WXO_END:
                v->nvals--;
                depth--;
                break;
            case WXO_RETURN_CALL:
            case WXO_RETURN_CALL_INDIRECT:
                if (m->wasm2)
                    return malformed(v, "illegal opcode");
                ok = wxr_u32(r, &x) &&
                     (op == WXO_RETURN_CALL || wxr_u32(r, &x));
                break;
            /* 3.0's typed references and exceptions: unknown by the
             * 2.0 rules; a u32 immediate, or none. */
            case WXO_CALL_REF:
            case WXO_RETURN_CALL_REF:
            case WXO_BR_ON_NULL:
            case WXO_BR_ON_NON_NULL:
            case WXO_CATCH:
            case WXO_THROW:
            case WXO_RETHROW:
                if (m->wasm2)
                    return malformed(v, "illegal opcode");
                ok = wxr_u32(r, &x);
                break;
            case WXO_REF_AS_NON_NULL:
            case WXO_CATCH_ALL:
            case WXO_THROW_REF:
            case WXO_REF_EQ:
                if (m->wasm2)
                    return malformed(v, "illegal opcode");
                break;
            case WXO_FB_PREFIX:
                if (!scan_fb(v, r))
                    return false;
                break;
            case WXO_BR:
            case WXO_BR_IF:
            case WXO_CALL:
            case WXO_LOCAL_GET:
            case WXO_LOCAL_SET:
            case WXO_LOCAL_TEE:
            case WXO_GLOBAL_GET:
            case WXO_GLOBAL_SET:
            case WXO_TABLE_GET:
            case WXO_TABLE_SET:
            case WXO_REF_FUNC:
                ok = wxr_u32(r, &x);
                break;
            case WXO_BR_TABLE:
                ok = wxr_u32(r, &n);
                for (uint32_t i = 0; ok && i <= n; i++)
                    ok = wxr_u32(r, &x);
                break;
            case WXO_CALL_INDIRECT:
                ok = wxr_u32(r, &x) && wxr_u32(r, &x);
                break;
            case WXO_SELECT_T:
                ok = wxr_u32(r, &n);
                for (uint32_t i = 0; ok && i < n; i++) {
                    wx_valtype t;
                    if (!wxm_read_valtype(r, m->wasm2, &t))
                        return malformed(v, "malformed value type");
                }
                break;
            case WXO_MEMORY_SIZE:
            case WXO_MEMORY_GROW:
                ok = read_memidx(r, m->wasm2, &x);
                break;
            case WXO_I32_CONST:
                ok = wxr_sleb(r, 32, &s);
                break;
            case WXO_I64_CONST:
                ok = wxr_s64(r, &s);
                break;
            case WXO_F32_CONST:
                ok = wxr_f32(r, &x);
                break;
            case WXO_F64_CONST: {
                uint64_t bits;
                ok = wxr_f64(r, &bits);
                break;
            }
            case WXO_REF_NULL:
                if (!m->wasm2) {
                    uint32_t heap;
                    ok = wxm_read_heaptype(r, &heap);
                    break;
                }
                ok = wxr_u8(r, &b);
                if (ok && b != WX_FUNCREF && b != WX_EXTERNREF)
                    return malformed(v, "malformed reference type");
                break;
            case WXO_TRY:
            case WXO_TRY_TABLE:
                if (m->wasm2)
                    return malformed(v, "illegal opcode");
                ok = read_blocktype(r, &s);
                n = 0;
                if (ok && op == WXO_TRY_TABLE)
                    ok = wxr_u32(r, &n);
                /* The catch clauses: kind, tag (catch, catch_ref), label. */
                for (uint32_t i = 0; ok && i < n; i++) {
                    ok = wxr_u8(r, &b);
                    if (ok && b > WXO_CATCH_ALL_REF)
                        return malformed(v, "malformed catch clause");
                    if (ok && b <= WXO_CATCH_TAG_REF)
                        ok = wxr_u32(r, &x);
                    if (ok)
                        ok = wxr_u32(r, &x);
                }
                if (ok && !push(v, (wx_valtype)CTRL_BLOCK))
                    return false;
                depth++;
                break;
            case WXO_DELEGATE:
                if (m->wasm2)
                    return malformed(v, "illegal opcode");
                ok = wxr_u32(r, &x);
                v->nvals--;
                depth--;
                break;
            case WXO_FC_PREFIX:
                ok = wxr_u32(r, &n);
                if (!ok)
                    break;
                switch (n) {
                case WXO_FC_MEMORY_INIT:
                    ok = wxr_u32(r, &x) && read_memidx(r, m->wasm2, &x);
                    if (ok && data_count_missing(m))
                        return malformed(v, "data count section required");
                    break;
                case WXO_FC_DATA_DROP:
                    ok = wxr_u32(r, &x);
                    if (ok && data_count_missing(m))
                        return malformed(v, "data count section required");
                    break;
                case WXO_FC_MEMORY_COPY:
                    ok = read_memidx(r, m->wasm2, &x) &&
                         read_memidx(r, m->wasm2, &x);
                    break;
                case WXO_FC_MEMORY_FILL:
                    ok = read_memidx(r, m->wasm2, &x);
                    break;
                case WXO_FC_TABLE_INIT:
                case WXO_FC_TABLE_COPY:
                    ok = wxr_u32(r, &x) && wxr_u32(r, &x);
                    break;
                case WXO_FC_ELEM_DROP:
                case WXO_FC_TABLE_GROW:
                case WXO_FC_TABLE_SIZE:
                case WXO_FC_TABLE_FILL:
                    ok = wxr_u32(r, &x);
                    break;
                default:
                    if (n >= WXO_FC_COUNT_)
                        return malformed(v, "illegal opcode");
                }
                break;
            case WXO_FD_PREFIX:
                if (!scan_fd(v, r))
                    return false;
                break;
            default:
                return malformed(v, "illegal opcode");
            }
        }
        if (!ok)
            return read_failed(v);
    }
    if (r->p != r->end)
        return malformed(v, "section size mismatch: bytes after the "
                            "function's final end");
    return true;
}

/* After a typing error: a format error in any body from `first` on takes
 * precedence (the module-level checks have no format errors left to find:
 * the decoder found those). Returns the final status. */
static wx_status scan_rest(vstate *v, uint32_t first)
{
    wx_error saved;
    wx_error *err = v->err;
    wx_status status = v->status;
    if (err)
        saved = *err;
    for (uint32_t fi = first; fi < v->m->nfuncs; fi++) {
        v->status = WX_OK;
        if (!scan_body(v, fi)) {
            if (v->status == WX_EMALFORMED || v->status == WX_ENOMEM)
                return v->status;
            break;
        }
    }
    if (err)
        *err = saved;
    v->status = status;
    return status;
}

/* ------------------------------------------------------ module level */

/* Records a module-level failure: "<where>: <message>". */
static wx_status mfail(vstate *v, uint32_t offset, const char *fmt, ...)
    __attribute__((format(printf, 3, 4)));
static wx_status mfail(vstate *v, uint32_t offset, const char *fmt, ...)
{
    char msg[256];
    va_list ap;
    v->status = WX_EINVALID;
    if (!v->err)
        return WX_EINVALID;
    va_start(ap, fmt);
    vsnprintf(msg, sizeof msg, fmt, ap);
    va_end(ap);
    wx_error_set(v->err, WX_EINVALID, "%s", msg);
    v->err->func_index = WX_NO_INDEX;
    v->err->offset = offset;
    return WX_EINVALID;
}

/* The type of a one-instruction constant expression `c` (or of one
 * instruction of a longer one) into *t. global.get may read the first
 * `nglobals` globals, when immutable. */
static wx_status const_type(vstate *v, const wxm_const *c, uint32_t nglobals,
                            const char *what, uint32_t index, wx_valtype *t)
{
    const wx_module *m = v->m;
    *t = c->type;
    switch (c->kind) {
    case WXM_CONST_I32: *t = WX_I32; break;
    case WXM_CONST_I64: *t = WX_I64; break;
    case WXM_CONST_F32: *t = WX_F32; break;
    case WXM_CONST_F64: *t = WX_F64; break;
    case WXM_CONST_V128: *t = WX_V128; break;
    case WXM_CONST_REF_NULL: break;
    case WXM_CONST_REF_FUNC:
        if (c->index >= m->nfuncs)
            return mfail(v, c->offset, "%s %u: unknown function %u", what,
                         index, c->index);
        /* 3.0: (ref $t), a subtype of funcref. */
        *t = m->wasm2 ? WX_FUNCREF
                      : wx_ref_type(wx_heap_index(m->funcs[c->index].type),
                                    false);
        break;
    case WXM_CONST_GLOBAL_GET:
        if (c->index >= nglobals)
            return mfail(v, c->offset,
                         "%s %u: unknown global %u (constant expressions "
                         "may only read %s)",
                         what, index, c->index,
                         m->wasm2 ? "imported globals"
                                  : "imported and earlier globals");
        if (m->globals[c->index].mutable_)
            return mfail(v, c->offset,
                         "%s %u: constant expression required (global %u "
                         "is mutable)",
                         what, index, c->index);
        *t = m->globals[c->index].type;
        break;
    default:
        /* The decoder puts operators only inside an expression. */
        return mfail(v, c->offset, "%s %u: constant expression required",
                     what, index);
    }
    return WX_OK;
}

/* A constant expression's operand stack of types, for const_expr_type
 * and the GC operators. */
typedef struct cstack {
    wx_valtype t[WXM_MAX_CONST_DEPTH];
    uint32_t n;
} cstack;

/* Pops one value of type `want` (or below it) off a constant expression's
 * stack; false when there is none that fits. */
static bool cpop(const wx_module *m, cstack *st, wx_valtype want)
{
    if (st->n == 0 || !wxm_valtype_sub(m, st->t[st->n - 1], m, want))
        return false;
    st->n--;
    return true;
}

/* A GC operator of a constant expression (3.0): its operands off `st`,
 * its result onto it. NULL if it fits, else what went wrong. */
static const char *const_gc_op(const wx_module *m, const wxm_const *op,
                               cstack *st)
{
    uint32_t x = op->index;
    const wxm_functype *t = x < m->ntypes ? &m->types[x] : NULL;
    wx_valtype result = wx_ref_type(wx_heap_index(x), false), top;
    switch (op->kind) {
    case WXM_CONST_STRUCT_NEW:
    case WXM_CONST_STRUCT_NEW_DEFAULT:
        if (!t || t->kind != WXM_TYPE_STRUCT)
            return "unknown type (struct.new needs a struct type)";
        for (uint32_t k = t->nfields; k-- > 0;) {
            wx_valtype ft = unpacked(t->fields[k].type);
            if (op->kind == WXM_CONST_STRUCT_NEW ? !cpop(m, st, ft)
                                                 : !wxm_defaultable(ft))
                return "type mismatch";
        }
        break;
    case WXM_CONST_ARRAY_NEW:
    case WXM_CONST_ARRAY_NEW_DEFAULT:
    case WXM_CONST_ARRAY_NEW_FIXED: {
        if (!t || t->kind != WXM_TYPE_ARRAY)
            return "unknown type (array.new needs an array type)";
        wx_valtype et = unpacked(t->fields[0].type);
        if (op->kind != WXM_CONST_ARRAY_NEW_FIXED && !cpop(m, st, WX_I32))
            return "type mismatch";
        if (op->kind == WXM_CONST_ARRAY_NEW_DEFAULT && !wxm_defaultable(et))
            return "type mismatch";
        uint64_t n = op->kind == WXM_CONST_ARRAY_NEW ? 1
                     : op->kind == WXM_CONST_ARRAY_NEW_FIXED ? op->bits
                                                             : 0;
        for (uint64_t k = 0; k < n; k++)
            if (!cpop(m, st, et))
                return "type mismatch";
        break;
    }
    case WXM_CONST_REF_I31:
        if (!cpop(m, st, WX_I32))
            return "type mismatch";
        result = wx_ref_type(WX_HEAP_I31, false);
        break;
    default: /* the two conversions */
        top = op->kind == WXM_CONST_ANY_CONVERT_EXTERN ? WX_EXTERNREF
                                                       : WX_HEAP_ANY;
        if (st->n == 0)
            return "type mismatch";
        result = wx_ref_type(op->kind == WXM_CONST_ANY_CONVERT_EXTERN
                                 ? WX_HEAP_ANY
                                 : WX_HEAP_EXTERN,
                             wx_ref_nullable(st->t[st->n - 1]));
        if (!cpop(m, st, top))
            return "type mismatch";
    }
    if (st->n == WXM_MAX_CONST_DEPTH)
        return "constant expression too deep";
    st->t[st->n++] = result;
    return NULL;
}

/* The type of an extended constant expression (WebAssembly 3.0), checked
 * on a stack of types as a function body would be. */
static wx_status const_expr_type(vstate *v, const wxm_const *c,
                                 uint32_t nglobals, const char *what,
                                 uint32_t index, wx_valtype *t)
{
    static const char *const op_names[] = {
        "i32.add", "i32.sub", "i32.mul", "i64.add", "i64.sub", "i64.mul"};
    cstack st;
    wx_status s;
    const char *bad;
    st.n = 0;
    for (uint32_t i = 0; i < c->nops; i++) {
        const wxm_const *op = &c->ops[i];
        if (op->kind >= WXM_CONST_STRUCT_NEW) {
            if ((bad = const_gc_op(v->m, op, &st)))
                return mfail(v, op->offset, "%s %u: %s", what, index, bad);
            continue;
        }
        if (op->kind < WXM_CONST_I32_ADD) {
            /* The decoder measured the depth: it cannot overflow. */
            if ((s = const_type(v, op, nglobals, what, index,
                                &st.t[st.n++])))
                return s;
            continue;
        }
        wx_valtype want = op->kind <= WXM_CONST_I32_MUL ? WX_I32 : WX_I64;
        if (st.n < 2 || st.t[st.n - 1] != want || st.t[st.n - 2] != want)
            return mfail(v, op->offset,
                         "%s %u: type mismatch: %s expects two %s operands",
                         what, index, op_names[op->kind - WXM_CONST_I32_ADD],
                         wx_valtype_name(want));
        st.n--;
    }
    if (st.n != 1)
        return mfail(v, c->offset,
                     "%s %u: type mismatch: the constant expression leaves "
                     "%u values",
                     what, index, st.n);
    *t = st.t[0];
    return WX_OK;
}

/* A constant expression of `what` (e.g. "global 3 initializer") must
 * produce a value of type `want`; global.get may read the first `nglobals`
 * globals (WebAssembly 2.0: the imported ones only). */
static wx_status check_const(vstate *v, const wxm_const *c, wx_valtype want,
                             uint32_t nglobals, const char *what,
                             uint32_t index)
{
    wx_valtype t;
    wx_status s;
    if (v->m->wasm2)
        nglobals = v->m->nglobal_imports;
    s = c->kind == WXM_CONST_EXPR
            ? const_expr_type(v, c, nglobals, what, index, &t)
            : const_type(v, c, nglobals, what, index, &t);
    if (s)
        return s;
    if (t != want && !wxm_valtype_sub(v->m, t, v->m, want))
        return mfail(v, c->offset,
                     "%s %u: type mismatch: expected %s but the constant "
                     "expression has type %s",
                     what, index, wx_valtype_name(want),
                     wx_valtype_name(t));
    return WX_OK;
}

static wx_status check_limits(vstate *v, const wx_limits *l, uint64_t range,
                              const char *what, uint32_t index,
                              const char *range_msg)
{
    if (l->min > range || (l->has_max && l->max > range))
        return mfail(v, 0, "%s %u: %s", what, index, range_msg);
    if (l->has_max && l->min > l->max)
        return mfail(v, 0,
                     "%s %u: size minimum must not be greater than maximum "
                     "(%llu > %llu)",
                     what, index, (unsigned long long)l->min,
                     (unsigned long long)l->max);
    return WX_OK;
}

/* The limits of 64-bit tables (any u64) and memories (2^48 pages, the
 * whole address space): only their order can be wrong for a table. */
static wx_status check_limits64(vstate *v)
{
    const wx_module *m = v->m;
    wx_status s;
    for (uint32_t i = 0; i < m->ntables; i++)
        if (m->tables[i].limits.addr64 &&
            (s = check_limits(v, &m->tables[i].limits, WXM_MAX_TABLE64,
                              "table", i, "table size out of range")))
            return s;
    for (uint32_t i = 0; i < m->nmemories; i++)
        if (m->memories[i].limits.addr64 &&
            (s = check_limits(v, &m->memories[i].limits, WXM_MAX_PAGES64,
                              "memory", i,
                              "memory size must be at most 2^48 pages of a "
                              "64-bit memory")))
            return s;
    return WX_OK;
}

/* ------------------------------------------------ GC type definitions */

/* Field a of a subtype matches field b of its supertype: the same
 * mutability; an immutable field may narrow (covariant), a mutable one
 * must keep its type (read and written, so both directions). Packed
 * types match only themselves (wxm_valtype_sub compares non-references
 * for equality). */
static bool field_matches(const wx_module *m, const wxm_field *a,
                          const wxm_field *b)
{
    if (a->mutable_ != b->mutable_)
        return false;
    return b->mutable_ ? wxm_valtype_equiv(m, a->type, m, b->type)
                       : wxm_valtype_sub(m, a->type, m, b->type);
}

static bool types_sub(const wx_module *m, const wx_valtype *a,
                      const wx_valtype *b, uint32_t n)
{
    for (uint32_t k = 0; k < n; k++)
        if (!wxm_valtype_sub(m, a[k], m, b[k]))
            return false;
    return true;
}

/* Whether composite type t matches its declared supertype s: functions
 * contravariant in their parameters and covariant in their results;
 * structs a prefix of fields, each matching; arrays the element. */
static bool comptype_matches(const wx_module *m, const wxm_functype *t,
                             const wxm_functype *s)
{
    if (t->kind != s->kind)
        return false;
    if (t->kind == WXM_TYPE_FUNC)
        return t->nparams == s->nparams && t->nresults == s->nresults &&
               types_sub(m, s->params, t->params, t->nparams) &&
               types_sub(m, t->results, s->results, t->nresults);
    if (t->nfields < s->nfields)
        return false;
    for (uint32_t k = 0; k < s->nfields; k++)
        if (!field_matches(m, &t->fields[k], &s->fields[k]))
            return false;
    return true;
}

/* Declared supertypes: not final, and matched by the subtype's
 * composite type. (The decoder refused supertypes that do not come
 * before their subtype and kept none for them.) */
static wx_status check_subtypes(vstate *v)
{
    const wx_module *m = v->m;
    for (uint32_t i = 0; i < m->ntypes; i++) {
        const wxm_functype *t = &m->types[i];
        if (t->super == WXM_NO_SUPER)
            continue;
        const wxm_functype *s = &m->types[t->super];
        if (s->final)
            return mfail(v, 0,
                         "type %u: sub type of final type %u (it cannot "
                         "have subtypes)",
                         i, t->super);
        if (!comptype_matches(m, t, s))
            return mfail(v, 0,
                         "type %u: sub type does not match its super type "
                         "%u",
                         i, t->super);
    }
    return WX_OK;
}

static wx_status check_types_and_limits(vstate *v)
{
    const wx_module *m = v->m;
    wx_status s;
    if ((s = check_subtypes(v)))
        return s;
    for (uint32_t i = 0; i < m->nfuncs; i++)
        if (m->funcs[i].type >= m->ntypes ||
            m->types[m->funcs[i].type].kind != WXM_TYPE_FUNC)
            return mfail(v, m->funcs[i].imported ? 0 : m->funcs[i].code_offset,
                         "function %u: unknown type %u", i,
                         m->funcs[i].type);
    for (uint32_t i = 0; i < m->ntables; i++)
        if (!m->tables[i].limits.addr64 &&
            (s = check_limits(v, &m->tables[i].limits, WXM_MAX_TABLE, "table",
                              i, "table size must be at most 2^32-1")))
            return s;
    for (uint32_t i = 0; i < m->nmemories; i++)
        if (!m->memories[i].limits.addr64 &&
            (s = check_limits(v, &m->memories[i].limits, WXM_MAX_PAGES,
                              "memory", i,
                              "memory size must be at most 65536 pages "
                              "(4GiB)")))
            return s;
    if ((s = check_limits64(v)))
        return s;
    /* Multiple memories are 3.0; by the 2.0 rules a module has one. */
    if (m->wasm2 && m->nmemories > 1)
        return mfail(v, 0, "multiple memories (%u)", m->nmemories);
    return WX_OK;
}

/* A tag's type must exist and return nothing (its params are the
 * payload). */
static wx_status check_tags(vstate *v)
{
    const wx_module *m = v->m;
    for (uint32_t i = 0; i < m->ntags; i++) {
        if (m->tags[i].type >= m->ntypes ||
            m->types[m->tags[i].type].kind != WXM_TYPE_FUNC)
            return mfail(v, 0, "tag %u: unknown type %u", i, m->tags[i].type);
        if (m->types[m->tags[i].type].nresults)
            return mfail(v, 0, "tag %u: non-empty tag result type", i);
    }
    return WX_OK;
}

/* A table of a type without a default (non-nullable references) needs an
 * initializer, whose value must fit the type (3.0). */
static wx_status check_tables(vstate *v)
{
    const wx_module *m = v->m;
    wx_status s;
    for (uint32_t i = m->ntable_imports; i < m->ntables; i++) {
        const wxm_table *t = &m->tables[i];
        if (t->has_init) {
            /* The table section precedes the globals: imported ones only. */
            if ((s = check_const(v, &t->init, t->elem, m->nglobal_imports,
                                 "table initializer", i)))
                return s;
        } else if (!wxm_defaultable(t->elem)) {
            return mfail(v, 0,
                         "table %u: type mismatch: a table of %s needs an "
                         "initializer expression",
                         i, wx_valtype_name(t->elem));
        }
    }
    return WX_OK;
}

static wx_status check_globals(vstate *v)
{
    const wx_module *m = v->m;
    wx_status s;
    for (uint32_t i = m->nglobal_imports; i < m->nglobals; i++)
        if ((s = check_const(v, &m->globals[i].init, m->globals[i].type,
                             i, "global", i)))
            return s;
    return WX_OK;
}

static wx_status check_elems(vstate *v)
{
    const wx_module *m = v->m;
    wx_status s;
    for (uint32_t i = 0; i < m->nelems; i++) {
        const wxm_elem *e = &m->elems[i];
        if (e->mode == WXM_SEG_ACTIVE) {
            if (e->table >= m->ntables)
                return mfail(v, e->offset.offset,
                             "element segment %u: unknown table %u", i,
                             e->table);
            if (!wxm_valtype_sub(m, e->type, m, m->tables[e->table].elem))
                return mfail(v, e->offset.offset,
                             "element segment %u: type mismatch: %s "
                             "elements for a table of %s",
                             i, wx_valtype_name(e->type),
                             wx_valtype_name(m->tables[e->table].elem));
            if ((s = check_const(v, &e->offset,
                                 wxm_table_addr(m, e->table), m->nglobals,
                                 "element segment offset", i)))
                return s;
        }
        for (uint32_t k = 0; k < e->count; k++)
            if ((s = check_const(v, &e->items[k], e->type, m->nglobals,
                                 "element segment", i)))
                return s;
    }
    return WX_OK;
}

static wx_status check_datas(vstate *v)
{
    const wx_module *m = v->m;
    wx_status s;
    for (uint32_t i = 0; i < m->ndatas; i++) {
        const wxm_data *d = &m->datas[i];
        if (d->mode != WXM_SEG_ACTIVE)
            continue;
        if (d->memory >= m->nmemories)
            return mfail(v, d->offset.offset,
                         "data segment %u: unknown memory %u", i, d->memory);
        if ((s = check_const(v, &d->offset, wxm_memory_addr(m, d->memory),
                             m->nglobals, "data segment offset", i)))
            return s;
    }
    return WX_OK;
}

/* An export name's length: name_len when the decoder recorded it (it is
 * the only way to tell "" from a name that starts with U+0000). */
static size_t export_name_len(const wxm_export *e)
{
    return e->name_len ? e->name_len : strlen(e->name);
}

static int cmp_export_names(const void *a, const void *b)
{
    const wxm_export *x = *(const wxm_export *const *)a;
    const wxm_export *y = *(const wxm_export *const *)b;
    size_t lx = export_name_len(x), ly = export_name_len(y);
    int c = memcmp(x->name, y->name, lx < ly ? lx : ly);
    return c ? c : (lx > ly) - (lx < ly);
}

static wx_status check_exports(vstate *v)
{
    const wx_module *m = v->m;
    for (uint32_t i = 0; i < m->nexports; i++) {
        const wxm_export *e = &m->exports[i];
        uint32_t n = e->kind == WX_EXTERN_FUNC     ? m->nfuncs
                     : e->kind == WX_EXTERN_TABLE  ? m->ntables
                     : e->kind == WX_EXTERN_MEMORY ? m->nmemories
                     : e->kind == WX_EXTERN_TAG    ? m->ntags
                                                   : m->nglobals;
        if (e->index >= n)
            return mfail(v, 0, "export \"%s\": unknown %s %u", e->name,
                         wx_externkind_name(e->kind), e->index);
    }
    if (m->nexports < 2)
        return WX_OK;
    /* Sorting pointers finds duplicates in n log n. */
    const wxm_export **sorted = malloc(m->nexports * sizeof *sorted);
    if (!sorted)
        return v->status = WX_ENOMEM;
    for (uint32_t i = 0; i < m->nexports; i++)
        sorted[i] = &m->exports[i];
    qsort(sorted, m->nexports, sizeof *sorted, cmp_export_names);
    wx_status s = WX_OK;
    for (uint32_t i = 1; i < m->nexports && !s; i++)
        if (!cmp_export_names(&sorted[i - 1], &sorted[i]))
            s = mfail(v, 0, "duplicate export name \"%s\"", sorted[i]->name);
    free(sorted);
    return s;
}

static wx_status check_start(vstate *v)
{
    const wx_module *m = v->m;
    if (!m->has_start)
        return WX_OK;
    if (m->start >= m->nfuncs)
        return mfail(v, 0, "start function: unknown function %u", m->start);
    const wxm_functype *t = wxm_func_type(m, m->start);
    if (t->nparams || t->nresults)
        return mfail(v, 0,
                     "start function %u must take and return nothing",
                     m->start);
    return WX_OK;
}

static wx_status check_module(vstate *v)
{
    wx_status s;
    if ((s = check_types_and_limits(v)) || (s = check_tags(v)) ||
        (s = check_globals(v)) || (s = check_tables(v)) ||
        (s = check_elems(v)) || (s = check_datas(v)) ||
        (s = check_exports(v)) || (s = check_start(v)))
        return s;
    /* m->func_declared (the spec's C.refs) was filled by the decoder. */
    return WX_OK;
}

/* ------------------------------------------------------------ entry */

wx_status wxm_validate(wx_module *m, wx_error *err)
{
    vstate v;
    wx_status s;
    memset(&v, 0, sizeof v);
    v.m = m;
    v.err = err;

    v.capvals = 256;
    if (!(v.vals = malloc(v.capvals * sizeof *v.vals)))
        return wx_error_set(err, WX_ENOMEM, "out of memory in validation");
    s = check_module(&v);
    if (s == WX_ENOMEM) {
        wx_error_set(err, WX_ENOMEM, "out of memory in validation");
    } else if (s != WX_OK) {
        s = scan_rest(&v, m->nfunc_imports);
    } else {
        for (uint32_t fi = m->nfunc_imports; fi < m->nfuncs; fi++) {
            if (!check_body(&v, fi)) {
                s = v.status;
                if (s == WX_EINVALID)
                    s = scan_rest(&v, fi);
                break;
            }
        }
    }
    free(v.vals);
    free(v.ctrls);
    free(v.local_set);
    free(v.inits);
    free(v.singles);
    return s;
}
