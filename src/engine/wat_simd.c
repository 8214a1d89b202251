/*
 * The text format's SIMD instructions (textfmt.h): every 0xFD instruction
 * by name, and the immediates only SIMD has (v128.const's lanes, the
 * shuffle's 16 lane indices, a lane index). The names come from the one
 * table of SIMD ops (ops.def WXC_SIMD_OPS): each op's semantics function
 * is named after its instruction (wxv_i8x16_extract_lane_s is
 * i8x16.extract_lane_s), so an op the engine learns is spelled once.
 * wat_instr.c writes the prefix, the sub-opcode and the memarg.
 */
#include "textfmt.h"

#include "opcodes.h"
#include "ops.def"

#include <string.h>

/* ops.def's kinds, as the immediates the text has after the name (a kind
 * ops.def gains must be added here: the table below does not compile
 * without it). */
#define WXT_SIMD_IMM_LOAD WXT_SIMD_MEMARG
#define WXT_SIMD_IMM_STORE WXT_SIMD_MEMARG
#define WXT_SIMD_IMM_LOADLANE WXT_SIMD_MEMARG_LANE
#define WXT_SIMD_IMM_STORELANE WXT_SIMD_MEMARG_LANE
#define WXT_SIMD_IMM_SHUFFLE WXT_SIMD_LANES16
#define WXT_SIMD_IMM_EXTRACT WXT_SIMD_LANE
#define WXT_SIMD_IMM_REPLACE WXT_SIMD_LANE
#define WXT_SIMD_IMM_UN WXT_SIMD_NONE
#define WXT_SIMD_IMM_BIN WXT_SIMD_NONE
#define WXT_SIMD_IMM_TERN WXT_SIMD_NONE
#define WXT_SIMD_IMM_TEST WXT_SIMD_NONE
#define WXT_SIMD_IMM_SHIFT WXT_SIMD_NONE
#define WXT_SIMD_IMM_SPLAT WXT_SIMD_NONE

/* The memory kinds' p is the access width's log2, which is the natural
 * alignment; the others' p is not an alignment and is not used. The
 * name is the semantics function's ("wxv_" and the shape's "_" to go). */
#define WXT_SIMD_(X, name, sub, kind, t, p, f)                                \
    {#f, sub, WXT_SIMD_IMM_##kind, p},

static const wxt_simd_op simd_ops[] = {
    WXC_SIMD_OPS(WXT_SIMD_, ~)
    /* The one SIMD op with no operation of its own (the compiler makes
     * it a constant). */
    {"wxv_v128_const", WXO_FD_V128_CONST, WXT_SIMD_CONST, 0},
};
#undef WXT_SIMD_

/* Whether `t` spells the instruction of semantics function `f`. */
static bool names_op(const wxt_tok *t, const char *f)
{
    const char *s = f + 4; /* "wxv_" */
    if (t->kind != WXT_KW || strlen(s) != t->len)
        return false;
    const char *shape_end = strchr(s, '_');
    for (uint32_t i = 0; i < t->len; i++) {
        char want = s + i == shape_end ? '.' : s[i];
        if (t->s[i] != want)
            return false;
    }
    return true;
}

const wxt_simd_op *wxt_simd_find(const wxt_tok *t)
{
    for (size_t i = 0; i < sizeof simd_ops / sizeof *simd_ops; i++)
        if (names_op(t, simd_ops[i].fname))
            return &simd_ops[i];
    return NULL;
}

/* Whether `t` is meant as a number (a lane literal or index, maybe a
 * malformed one), not as the next instruction: instruction names start
 * with a letter, and inf and nan are the only numbers that do. */
static bool numeric(const wxt_tok *t)
{
    if (t->kind != WXT_KW || !t->len)
        return false;
    char c = t->s[0];
    return c < 'a' || c > 'z' ||
           (t->len >= 3 &&
            (!memcmp(t->s, "inf", 3) || !memcmp(t->s, "nan", 3)));
}

/* How many numbers follow, up to `max` + 1. */
static uint32_t numbers_ahead(wxt_parser *p, uint32_t max)
{
    uint32_t n = 0;
    while (n <= max && numeric(wxt_peek(p, n)))
        n++;
    return n;
}

/* A lane index: a byte in the binary, whatever the shape (the validator
 * checks it against the lane count, as for a binary module). */
static void lane(wxt_parser *p, wxt_buf *out)
{
    const wxt_tok *t = wxt_next(p);
    if (!wxt_is_nat(t))
        wxt_fail(p, t, "malformed lane index %.*s: expected a natural number",
                 (int)t->len, t->s);
    uint64_t v = wxt_nat(p, t, UINT64_MAX);
    if (v > 255)
        wxt_fail(p, t, "malformed lane index %.*s: lanes are at most 255",
                 (int)t->len, t->s);
    wxt_byte(p, out, (uint8_t)v);
}

static void little_endian(wxt_parser *p, wxt_buf *out, uint64_t v,
                          unsigned bytes)
{
    for (unsigned i = 0; i < bytes; i++)
        wxt_byte(p, out, (uint8_t)(v >> (8 * i)));
}

/* v128.const shape lane*: 16 bytes, the lanes in order, little-endian.
 * The count is checked before the values, so that too few lanes are
 * named as such even when one of them is also out of range. */
static void v128_const(wxt_parser *p, wxt_buf *out)
{
    static const struct {
        const char *shape;
        unsigned lanes, bits;
        bool is_float;
    } shapes[] = {{"i8x16", 16, 8, false}, {"i16x8", 8, 16, false},
                  {"i32x4", 4, 32, false}, {"i64x2", 2, 64, false},
                  {"f32x4", 4, 32, true},  {"f64x2", 2, 64, true}};
    const wxt_tok *t = wxt_next(p);
    for (size_t i = 0; i < sizeof shapes / sizeof *shapes; i++) {
        unsigned lanes = shapes[i].lanes, bits = shapes[i].bits;
        if (!wxt_is_kw(t, shapes[i].shape))
            continue;
        uint32_t n = numbers_ahead(p, lanes);
        if (n != lanes)
            wxt_fail(p, wxt_peek(p, n < lanes ? n : lanes),
                     "wrong number of lane literals: v128.const %s takes "
                     "%u, got %s%u",
                     shapes[i].shape, lanes, n > lanes ? "more than " : "",
                     n > lanes ? lanes : n);
        for (unsigned l = 0; l < lanes; l++) {
            const wxt_tok *v = wxt_next(p);
            if (!shapes[i].is_float)
                little_endian(p, out, wxt_int(p, v, bits), bits / 8);
            else if (bits == 32)
                little_endian(p, out, wxt_f32(p, v), 4);
            else
                little_endian(p, out, wxt_f64(p, v), 8);
        }
        return;
    }
    wxt_fail(p, t,
             "unexpected token %.*s, expected a v128.const shape (i8x16, "
             "i16x8, i32x4, i64x2, f32x4 or f64x2)",
             (int)t->len, t->s);
}

/* i8x16.shuffle's 16 lane indices, exactly. */
static void shuffle_lanes(wxt_parser *p, wxt_buf *out)
{
    uint32_t n = numbers_ahead(p, 16);
    if (n != 16)
        wxt_fail(p, wxt_peek(p, n < 16 ? n : 16),
                 "invalid lane length: i8x16.shuffle takes 16 lane "
                 "indices, got %s%u",
                 n > 16 ? "more than " : "", n > 16 ? 16 : n);
    for (int i = 0; i < 16; i++)
        lane(p, out);
}

void wxt_simd_imm(wxt_parser *p, wxt_buf *out, const wxt_simd_op *op)
{
    switch (op->imm) {
    case WXT_SIMD_CONST: v128_const(p, out); break;
    case WXT_SIMD_LANES16: shuffle_lanes(p, out); break;
    case WXT_SIMD_LANE:
    case WXT_SIMD_MEMARG_LANE: lane(p, out); break;
    default: break;
    }
}
