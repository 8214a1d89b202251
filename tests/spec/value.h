/*
 * Values of the spec test scripts, as wast2json (or wasm-tools
 * json-from-wast) writes them: a type name and a string. Numbers are decimal
 * bit patterns (integers may be signed); floats may instead be
 * the patterns "nan:canonical" or "nan:arithmetic"; references are "null" or
 * a host number (externref) or absent (any non-null funcref).
 */
#ifndef WX_SPEC_VALUE_H
#define WX_SPEC_VALUE_H

#include "wasmext/engine.h"

#include <jansson.h>
#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

/* The type of wasm-tools' "refnull": a null of any reference type (0x40
 * is no value type). */
#define SPEC_ANY_REF ((wx_valtype)0x40)

typedef enum spec_match {
    SPEC_EXACT,          /* numbers: `bits` is the exact bit pattern */
    SPEC_NAN_CANONICAL,  /* the canonical NaN, either sign */
    SPEC_NAN_ARITHMETIC, /* any NaN with the quiet bit set */
    SPEC_REF_NULL,       /* ref.null of `type` */
    SPEC_REF_HOST,       /* externref number `bits` */
    SPEC_REF_NONNULL,    /* any non-null reference (funcref results) */
    SPEC_EITHER,         /* any of the values in `either` (relaxed SIMD) */
    /* GC (3.0), of the `any` hierarchy: ref.i31, ref.struct, ref.array,
     * ref.eq (any of those three), ref.any (non-null); a host value as an
     * anyref is SPEC_REF_HOST of type anyref (ref.host N). */
    SPEC_REF_I31,
    SPEC_REF_STRUCT,
    SPEC_REF_ARRAY,
    SPEC_REF_EQ,
} spec_match;

typedef struct spec_value {
    wx_valtype type;
    spec_match match;
    uint64_t bits;
    /* v128 (match SPEC_EXACT): the lanes' bytes, the lane width in bits,
     * whether lanes are floats, and each float lane's pattern (a NaN
     * pattern ignores its lane's bytes). */
    uint8_t v128[16];
    uint8_t lane_bits;
    bool lane_float;
    spec_match lanes[4];
    /* SPEC_EITHER: the script's array of alternatives (the script outlives
     * the value), each parsed when matched. */
    const json_t *either;
} spec_value;

/* Parses an unsigned decimal number that must fit in `width` bits. */
bool spec_parse_u64(const char *s, unsigned width, uint64_t *out);

/* Parses a decimal integer of `width` bits: unsigned, as wast2json writes
 * it, or with a leading '-', as wasm-tools json-from-wast writes it, which
 * becomes its two's complement pattern ("-1" is 0xFFFFFFFF at width 32). */
bool spec_parse_int(const char *s, unsigned width, uint64_t *out);

/* Parses a type name ("i32", "externref", ...); false if unknown. */
bool spec_parse_type(const char *s, wx_valtype *out);

/* Parses one {"type": ..., "value": ...} object. On failure, writes the
 * reason into `why`. */
bool spec_parse_value(const json_t *obj, spec_value *out, char *why,
                      size_t why_len);

/* Turns an argument into an engine value; false (with `why`) for patterns
 * that cannot be arguments, such as "nan:canonical". A host value as an
 * anyref (ref.host N) becomes the externref N, which spec_internalize
 * makes an anyref of the instance to be called. */
bool spec_to_wx_val(const spec_value *v, wx_wasm_val *out, char *why,
                    size_t why_len);

/* Makes `out`, from spec_to_wx_val, an argument of `inst`: a ref.host N
 * as anyref is made an anyref of inst's heap (wx_anyref_from_host). */
wx_status spec_internalize(const spec_value *v, wx_instance *inst,
                           wx_wasm_val *out, wx_error *err);

/* The host pointer that stands for `externref N`, and back. Zero must not
 * become NULL, so N is shifted by one. */
void *spec_extern_ptr(uint64_t n);
bool spec_extern_number(const void *p, uint64_t *n);

/* Does the engine's result satisfy the expectation? */
bool spec_value_matches(const spec_value *want, const wx_wasm_val *got);

/* Human-readable forms for failure reports. */
void spec_format_expected(const spec_value *v, char *buf, size_t len);
void spec_format_val(const wx_wasm_val *v, char *buf, size_t len);

/* Does the engine's trap wording match the script's expected text? The
 * suite sometimes adds detail ("uninitialized element 2"), so a substring
 * in either direction matches. */
bool spec_trap_text_matches(const char *expected, const char *ours);

#endif
