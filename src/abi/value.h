/*
 * The framework's typed values: the type contract of plugin configs, the
 * command line and REST (`i8 u8 i16 u16 i32 u32 i64 u64 f32 f64 bool char
 * string bytes json` and `vec<i8>` .. `vec<u64>`), and the conversions into
 * and out of them.
 *
 * The one rule for numbers, whatever they come from (JSON, the command
 * line, eKuiper SQL, another wxa_value): an integer type takes a number
 * only if its value fits exactly (25 and 25.0 fit i32; 3.5 and 2^40 do
 * not); f32/f64 take any integer they represent exactly and any decimal
 * fraction in range (rounded to nearest, as decimal text must be). A
 * refusal names the argument and the value: "argument 1: 3.5 does not fit
 * i32 exactly".
 *
 * Buffers: string, json and bytes hold `of.buf` (owned bytes plus a
 * trailing NUL that is not counted in `len`, so a string is also a C
 * string when it holds no NUL); vectors hold `of.vec` (an owned array of
 * the element type in host byte order, `count` elements). A json value is
 * JSON text. Free a value with wxa_value_free(); copying the struct does
 * not copy the buffer. Values this module makes own their buffers; the
 * arguments of the C API's typed calls borrow their caller's (nothing
 * here writes to or frees an argument: wxa_call only reads them).
 */
#ifndef WASMEXT_ABI_VALUE_H
#define WASMEXT_ABI_VALUE_H

#include "wasmext.h"

#include "dl_jansson.h"
#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

/*
 * The types and the value layout are the public ones of wasmext.h (the
 * framework's typed calls take and return them), so that a value crosses
 * from the C API to the ABIs without a conversion or a copy. The list
 * gives every type its enum value, config name and element size in bytes
 * for vectors (0 for the others); value.c's range checks rely on its
 * order.
 */
#define WXA_TYPE_LIST WX_TYPE_LIST
typedef wx_type wxa_type;
typedef wx_value wxa_value;

#define WXA_I8 WX_TYPE_I8
#define WXA_U8 WX_TYPE_U8
#define WXA_I16 WX_TYPE_I16
#define WXA_U16 WX_TYPE_U16
#define WXA_I32 WX_TYPE_I32
#define WXA_U32 WX_TYPE_U32
#define WXA_I64 WX_TYPE_I64
#define WXA_U64 WX_TYPE_U64
#define WXA_F32 WX_TYPE_F32
#define WXA_F64 WX_TYPE_F64
#define WXA_BOOL WX_TYPE_BOOL
#define WXA_CHAR WX_TYPE_CHAR
#define WXA_STRING WX_TYPE_STRING
#define WXA_BYTES WX_TYPE_BYTES
#define WXA_JSON WX_TYPE_JSON
#define WXA_VEC_I8 WX_TYPE_VEC_I8
#define WXA_VEC_U8 WX_TYPE_VEC_U8
#define WXA_VEC_I16 WX_TYPE_VEC_I16
#define WXA_VEC_U16 WX_TYPE_VEC_U16
#define WXA_VEC_I32 WX_TYPE_VEC_I32
#define WXA_VEC_U32 WX_TYPE_VEC_U32
#define WXA_VEC_I64 WX_TYPE_VEC_I64
#define WXA_VEC_U64 WX_TYPE_VEC_U64
#define WXA_TYPE_COUNT_ WX_TYPE_COUNT_

/* ------------------------------------------------------------- types */

/* "i32", "vec<u16>", ...; NULL for an out-of-range value. */
const char *wx_type_name(wxa_type t);
/* Parses a type name (exact spelling, as in configs); false if unknown. */
bool wx_type_parse(const char *name, wxa_type *out);
bool wxa_type_is_int(wxa_type t);   /* i8 .. u64 */
bool wxa_type_is_float(wxa_type t); /* f32, f64 */
bool wxa_type_is_buf(wxa_type t);   /* string, bytes, json */
bool wxa_type_is_vec(wxa_type t);   /* vec<i8> .. vec<u64> */
/* Element size of a vector type, 0 for the others. */
size_t wxa_type_elem_size(wxa_type t);
/* The element type of a vector type (vec<u16> -> u16). */
wxa_type wxa_type_elem(wxa_type t);

/* ------------------------------------------------------------ values */

void wxa_value_free(wxa_value *v);
void wxa_values_free(wxa_value *v, size_t n);
/* A deep copy. */
wx_status wxa_value_copy(wxa_value *dst, const wxa_value *src, wx_error *err);

/* Scalars (no allocation). wxa_value_int/uint take the value as given:
 * use them with a value of the type's range. Inline compound literals, so
 * that the value is built where it goes: building it elsewhere and copying
 * it makes the copy miss store forwarding, which costs more than the rest
 * of a numeric call. */
static inline wxa_value wxa_value_int(wxa_type t, int64_t v)
{
    return (wxa_value){.type = t, .of.i = v};
}
static inline wxa_value wxa_value_uint(wxa_type t, uint64_t v)
{
    return (wxa_value){.type = t, .of.u = v};
}
static inline wxa_value wxa_value_f32(float v)
{
    return (wxa_value){.type = WXA_F32, .of.f32 = v};
}
static inline wxa_value wxa_value_f64(double v)
{
    return (wxa_value){.type = WXA_F64, .of.f64 = v};
}
static inline wxa_value wxa_value_bool(bool v)
{
    return (wxa_value){.type = WXA_BOOL, .of.b = v};
}
static inline wxa_value wxa_value_char(uint32_t scalar)
{
    return (wxa_value){.type = WXA_CHAR, .of.ch = scalar};
}
/* A string, bytes or json value holding a copy of `len` bytes, or a vector
 * holding a copy of `len` elements of `data` (host order). */
wx_status wxa_value_set(wxa_value *out, wxa_type t, const void *data,
                        size_t len, wx_error *err);

/* Whether `v` is representable in `t` exactly, converting if so: numbers
 * follow the exact-fit rule; string, json and bytes convert into each
 * other (json must then be valid JSON); bytes and vec<u8>/vec<i8> convert
 * into each other; a vector converts element by element. `what` prefixes
 * the error message (e.g. "argument 2"; NULL for none). `out` is always a
 * fresh value the caller frees (nothing on failure). */
wx_status wxa_value_convert(const wxa_value *v, wxa_type t, const char *what,
                            wxa_value *out, wx_error *err);

/* --------------------------------------------------------------- JSON */

/*
 * From JSON: integer types take JSON numbers that fit exactly (and, for
 * i64/u64 whose range JSON numbers cannot always carry, decimal strings);
 * floats take numbers; bool takes true/false; char a one-character string
 * or a scalar value's number; string a JSON string; bytes a base64 string
 * (standard alphabet, padding optional); json any JSON value, stored
 * serialized (compact); vectors an array of integers.
 */
wx_status wxa_value_from_json(wxa_type t, const json_t *j, const char *what,
                              wxa_value *out, wx_error *err);
/* Converts a JSON array into `n` values of the given types; messages say
 * "argument N" (1-based). On failure nothing is left to free. */
wx_status wxa_values_from_json(const wxa_type *types, size_t n,
                               const json_t *array, wxa_value *out,
                               wx_error *err);
/*
 * To JSON (a new reference): integers as numbers (a u64 above INT64_MAX as
 * a decimal string), floats as numbers (NaN and infinities as the strings
 * "nan", "inf", "-inf"), bool, char as a one-character string, string as a
 * string (invalid UTF-8 replaced by U+FFFD), bytes as base64, json parsed
 * (WX_EARG if it is not valid JSON), vectors as arrays.
 */
json_t *wxa_value_to_json(const wxa_value *v, wx_error *err);

/* ------------------------------------------------------- command line */

/*
 * From command-line text: integers in decimal or 0x hex with an optional
 * sign (or any number that fits exactly, like 25.0); floats as strtod
 * reads them (inf and nan too); bool `true`/`false`; char one UTF-8
 * character; string verbatim; bytes `hex:0a0b..`, `base64:...` or `@path`
 * (the file's contents); json JSON text (checked, stored as given);
 * vectors `[1,2,3]` or `1,2,3`.
 */
wx_status wxa_value_from_text(wxa_type t, const char *text, const char *what,
                              wxa_value *out, wx_error *err);

/* wxa_value_to_text() flags: the public ones (WX_TEXT_BASE64). */
#define WXA_TEXT_BASE64 WX_TEXT_BASE64

/*
 * Text for the command line, one value per line (no newline added):
 * integers in decimal, floats in the shortest form that reads back the
 * same, bool `true`/`false`, char and string as UTF-8, bytes in lowercase
 * hex (or base64), json as its text, vectors as `[1,2,3]`. A malloc'd
 * string, or NULL when out of memory.
 */
char *wxa_value_to_text(const wxa_value *v, unsigned flags);

/* ------------------------------------------------------- eKuiper SQL */

/* eKuiper's SQL values are the public wx_sql_value (wasmext.h). */
typedef wx_sql_value wxa_sql_value;
typedef wx_sql_kind wxa_sql_kind;
#define WXA_SQL_INT WX_SQL_INT
#define WXA_SQL_FLOAT WX_SQL_FLOAT
#define WXA_SQL_STRING WX_SQL_STRING
#define WXA_SQL_BOOL WX_SQL_BOOL
#define WXA_SQL_BYTES WX_SQL_BYTES

/* From an eKuiper SQL value, with the exact-fit rule for numbers; strings
 * go to string, json (checked), char or bytes; bytes to bytes, vec<u8> or
 * string. */
wx_status wxa_value_from_sql(wxa_type t, const wxa_sql_value *v,
                             const char *what, wxa_value *out, wx_error *err);

#endif
