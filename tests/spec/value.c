/* Parsing, matching and printing the values of spec test scripts. */
#include "value.h"

#include <inttypes.h>
#include <stdio.h>
#include <string.h>

#define F32_SIGN 0x80000000u
#define F32_CANONICAL_NAN 0x7FC00000u
#define F64_SIGN 0x8000000000000000u
#define F64_CANONICAL_NAN 0x7FF8000000000000u

bool spec_parse_u64(const char *s, unsigned width, uint64_t *out)
{
    /* strtoull would accept signs, spaces and other bases, and the scripts
     * only ever hold plain digits, so anything else is a bad script. */
    uint64_t max = width >= 64 ? UINT64_MAX : (UINT64_C(1) << width) - 1;
    uint64_t v = 0;
    if (!s || !*s)
        return false;
    for (; *s; s++) {
        if (*s < '0' || *s > '9')
            return false;
        unsigned d = (unsigned)(*s - '0');
        if (v > (max - d) / 10)
            return false;
        v = v * 10 + d;
    }
    *out = v;
    return true;
}

bool spec_parse_type(const char *s, wx_valtype *out)
{
    static const struct {
        const char *name;
        wx_valtype type;
    } types[] = {
        {"i32", WX_I32},
        {"i64", WX_I64},
        {"f32", WX_F32},
        {"f64", WX_F64},
        {"v128", WX_V128},
        {"funcref", WX_FUNCREF},
        {"externref", WX_EXTERNREF},
        /* Typed references (3.0): values carry their family's top type at
         * the API, so a null of a bottom type is expected as that type;
         * wasm-tools' "refnull" is a null of any reference type. */
        {"anyref", (wx_valtype)WX_HEAP_ANY},
        {"eqref", (wx_valtype)WX_HEAP_ANY},
        {"i31ref", (wx_valtype)WX_HEAP_ANY},
        {"structref", (wx_valtype)WX_HEAP_ANY},
        {"arrayref", (wx_valtype)WX_HEAP_ANY},
        {"nullref", (wx_valtype)WX_HEAP_ANY},
        {"nullfuncref", WX_FUNCREF},
        {"nullexternref", WX_EXTERNREF},
        {"exnref", (wx_valtype)WX_HEAP_EXN},
        {"nullexnref", (wx_valtype)WX_HEAP_EXN},
        {"refnull", SPEC_ANY_REF},
    };
    for (size_t i = 0; s && i < sizeof types / sizeof types[0]; i++) {
        if (strcmp(s, types[i].name) == 0) {
            *out = types[i].type;
            return true;
        }
    }
    return false;
}

static unsigned type_width(wx_valtype t)
{
    return t == WX_I32 || t == WX_F32 ? 32 : 64;
}

bool spec_parse_int(const char *s, unsigned width, uint64_t *out)
{
    uint64_t mask = width >= 64 ? UINT64_MAX : (UINT64_C(1) << width) - 1;
    uint64_t magnitude;
    if (!s || *s != '-')
        return spec_parse_u64(s, width, out);
    /* The most negative value has the magnitude 2^(width-1); parsing it
     * as a width-bit unsigned number and negating gives its pattern. */
    if (!spec_parse_u64(s + 1, width, &magnitude) ||
        magnitude > (UINT64_C(1) << (width - 1)))
        return false;
    *out = (0 - magnitude) & mask;
    return true;
}

static bool parse_number(const char *s, spec_value *out, char *why,
                         size_t why_len)
{
    bool is_float = out->type == WX_F32 || out->type == WX_F64;
    if (is_float && s && strcmp(s, "nan:canonical") == 0) {
        out->match = SPEC_NAN_CANONICAL;
        return true;
    }
    if (is_float && s && strcmp(s, "nan:arithmetic") == 0) {
        out->match = SPEC_NAN_ARITHMETIC;
        return true;
    }
    out->match = SPEC_EXACT;
    /* Integers may be signed (wasm-tools writes them so); float bit
     * patterns are always unsigned. */
    if (!(is_float ? spec_parse_u64(s, type_width(out->type), &out->bits)
                   : spec_parse_int(s, type_width(out->type), &out->bits))) {
        snprintf(why, why_len, "bad %s value \"%s\"",
                 wx_valtype_name(out->type), s ? s : "(none)");
        return false;
    }
    return true;
}

static bool parse_ref(const char *s, spec_value *out, char *why,
                      size_t why_len)
{
    if (!s) {
        /* wast2json writes a bare (ref.func) result, which any function
         * satisfies, without a value. */
        out->match = SPEC_REF_NONNULL;
        return true;
    }
    if (strcmp(s, "null") == 0) {
        out->match = SPEC_REF_NULL;
        return true;
    }
    if (out->type == WX_EXTERNREF &&
        spec_parse_u64(s, 8 * sizeof(uintptr_t), &out->bits) &&
        out->bits < UINTPTR_MAX) {
        out->match = SPEC_REF_HOST;
        return true;
    }
    snprintf(why, why_len, "bad %s value \"%s\"", wx_valtype_name(out->type),
             s);
    return false;
}

/* A value of the `any` hierarchy (GC): null, a host value (anyref N), or
 * without a value any non-null reference of the named kind. */
static bool parse_anyref(const char *type, const char *s, spec_value *out,
                         char *why, size_t why_len)
{
    if (s && strcmp(s, "null") == 0) {
        out->match = SPEC_REF_NULL;
        return true;
    }
    if (s) {
        if (strcmp(type, "anyref") == 0 &&
            spec_parse_u64(s, 8 * sizeof(uintptr_t), &out->bits) &&
            out->bits < UINTPTR_MAX) {
            out->match = SPEC_REF_HOST;
            return true;
        }
        snprintf(why, why_len, "bad %s value \"%s\"", type, s);
        return false;
    }
    if (!strcmp(type, "i31ref"))
        out->match = SPEC_REF_I31;
    else if (!strcmp(type, "structref"))
        out->match = SPEC_REF_STRUCT;
    else if (!strcmp(type, "arrayref"))
        out->match = SPEC_REF_ARRAY;
    else if (!strcmp(type, "eqref"))
        out->match = SPEC_REF_EQ;
    else
        out->match = SPEC_REF_NONNULL;
    return true;
}

/* A v128: {"lane_type": "i8".."f64", "value": [one string per lane]}. */
static bool parse_v128(const json_t *obj, spec_value *out, char *why,
                       size_t why_len)
{
    static const struct {
        const char *name;
        wx_valtype type;
        unsigned bits;
    } shapes[] = {{"i8", WX_I32, 8},   {"i16", WX_I32, 16}, {"i32", WX_I32, 32},
                  {"i64", WX_I64, 64}, {"f32", WX_F32, 32}, {"f64", WX_F64, 64}};
    const char *lt = json_string_value(json_object_get(obj, "lane_type"));
    const json_t *lanes = json_object_get(obj, "value");
    size_t k = 0;
    while (k < sizeof shapes / sizeof *shapes &&
           !(lt && strcmp(lt, shapes[k].name) == 0))
        k++;
    unsigned n = k < sizeof shapes / sizeof *shapes ? 128 / shapes[k].bits : 0;
    if (!n || json_array_size(lanes) != n) {
        snprintf(why, why_len, "bad v128 value (lane type \"%s\")",
                 lt ? lt : "(none)");
        return false;
    }
    out->match = SPEC_EXACT;
    out->lane_bits = (uint8_t)shapes[k].bits;
    out->lane_float = shapes[k].type == WX_F32 || shapes[k].type == WX_F64;
    for (unsigned i = 0; i < n; i++) {
        spec_value lane;
        memset(&lane, 0, sizeof lane);
        lane.type = shapes[k].type;
        const char *s = json_string_value(json_array_get(lanes, i));
        if (lane.type == WX_I32 && shapes[k].bits < 32) {
            lane.match = SPEC_EXACT;
            if (!spec_parse_int(s, shapes[k].bits, &lane.bits)) {
                snprintf(why, why_len, "bad v128 lane \"%s\"", s ? s : "");
                return false;
            }
        } else if (!parse_number(s, &lane, why, why_len)) {
            return false;
        }
        if (out->lane_float)
            out->lanes[i] = lane.match;
        memcpy(out->v128 + i * (shapes[k].bits / 8), &lane.bits,
               shapes[k].bits / 8);
    }
    return true;
}

bool spec_parse_value(const json_t *obj, spec_value *out, char *why,
                      size_t why_len)
{
    const char *type = json_string_value(json_object_get(obj, "type"));
    const char *value = json_string_value(json_object_get(obj, "value"));
    memset(out, 0, sizeof *out);
    if (type && strcmp(type, "either") == 0) {
        /* The type is that of the first alternative, for the result
         * count and the messages; each must parse now. */
        const json_t *alts = json_object_get(obj, "values");
        for (size_t i = 0; i < json_array_size(alts); i++) {
            if (!spec_parse_value(json_array_get(alts, i), out, why,
                                  why_len))
                return false;
            if (i == 0 && json_array_size(alts) == 1)
                return true;
        }
        if (!json_array_size(alts)) {
            snprintf(why, why_len, "\"either\" without values");
            return false;
        }
        spec_parse_value(json_array_get(alts, 0), out, why, why_len);
        out->match = SPEC_EITHER;
        out->either = alts;
        return true;
    }
    if (!spec_parse_type(type, &out->type)) {
        snprintf(why, why_len, "unknown value type \"%s\"",
                 type ? type : "(none)");
        return false;
    }
    /* The bottom types and "refnull" hold only null, written without a
     * value. */
    if ((!strncmp(type, "null", 4) || !strcmp(type, "refnull")) &&
        (!value || !strcmp(value, "null"))) {
        out->match = SPEC_REF_NULL;
        return true;
    }
    if (out->type == (wx_valtype)WX_HEAP_ANY)
        return parse_anyref(type, value, out, why, why_len);
    switch (out->type) {
    case WX_I32:
    case WX_I64:
    case WX_F32:
    case WX_F64: return parse_number(value, out, why, why_len);
    case WX_FUNCREF:
    case WX_EXTERNREF: return parse_ref(value, out, why, why_len);
    case WX_V128: return parse_v128(obj, out, why, why_len);
    default:
        if (out->type == SPEC_ANY_REF || wx_is_ref(out->type)) {
            /* Only nulls: the engine makes no other values of these. */
            if (value && strcmp(value, "null") == 0) {
                out->match = SPEC_REF_NULL;
                return true;
            }
            snprintf(why, why_len, "%s values other than null are not "
                     "supported", type);
            return false;
        }
        break;
    }
    snprintf(why, why_len, "unknown value type");
    return false;
}

void *spec_extern_ptr(uint64_t n)
{
    return (void *)(uintptr_t)(n + 1);
}

bool spec_extern_number(const void *p, uint64_t *n)
{
    if (!p)
        return false;
    *n = (uint64_t)((uintptr_t)p - 1);
    return true;
}

bool spec_to_wx_val(const spec_value *v, wx_wasm_val *out, char *why,
                    size_t why_len)
{
    memset(out, 0, sizeof *out);
    out->type = v->type;
    /* Floats are copied as bits, never through a float variable, so that
     * signalling NaN arguments reach the engine unchanged. */
    uint32_t bits32 = (uint32_t)v->bits;
    switch (v->match) {
    case SPEC_EXACT:
        if (v->type == WX_V128) {
            for (unsigned i = 0; v->lane_float && i < 128u / v->lane_bits;
                 i++)
                if (v->lanes[i] != SPEC_EXACT)
                    goto pattern;
            memcpy(out->of.v128, v->v128, 16);
        } else if (v->type == WX_I32 || v->type == WX_F32)
            memcpy(&out->of, &bits32, sizeof bits32);
        else
            memcpy(&out->of, &v->bits, sizeof v->bits);
        return true;
    case SPEC_REF_NULL: return true;
    case SPEC_REF_HOST: out->of.ext = spec_extern_ptr(v->bits); return true;
    case SPEC_NAN_CANONICAL:
    case SPEC_NAN_ARITHMETIC:
    case SPEC_EITHER:
    case SPEC_REF_I31:
    case SPEC_REF_STRUCT:
    case SPEC_REF_ARRAY:
    case SPEC_REF_EQ:
    case SPEC_REF_NONNULL: break;
    }
pattern:
    snprintf(why, why_len, "a %s pattern cannot be an argument",
             wx_valtype_name(v->type));
    return false;
}

wx_status spec_internalize(const spec_value *v, wx_instance *inst,
                           wx_wasm_val *out, wx_error *err)
{
    if (v->type != (wx_valtype)WX_HEAP_ANY || v->match != SPEC_REF_HOST)
        return WX_OK;
    return wx_anyref_from_host(inst, spec_extern_ptr(v->bits), &out->of.ext,
                               err);
}

/* An anyref result against a GC expectation. */
static bool anyref_matches(const spec_value *want, const void *got)
{
    uint64_t n;
    wx_anyref_kind k = wx_anyref_kind_of(got);
    switch (want->match) {
    case SPEC_REF_I31: return k == WX_ANYREF_I31;
    case SPEC_REF_STRUCT: return k == WX_ANYREF_STRUCT;
    case SPEC_REF_ARRAY: return k == WX_ANYREF_ARRAY;
    case SPEC_REF_EQ:
        return k == WX_ANYREF_I31 || k == WX_ANYREF_STRUCT ||
               k == WX_ANYREF_ARRAY;
    case SPEC_REF_HOST:
        return k == WX_ANYREF_HOST &&
               spec_extern_number(wx_anyref_host(got), &n) && n == want->bits;
    default: return false;
    }
}

static uint64_t val_bits(const wx_wasm_val *v)
{
    uint32_t b32;
    uint64_t b64;
    if (v->type == WX_I32 || v->type == WX_F32) {
        memcpy(&b32, &v->of, sizeof b32);
        return b32;
    }
    memcpy(&b64, &v->of, sizeof b64);
    return b64;
}

static bool nan_matches(spec_match m, wx_valtype t, uint64_t bits)
{
    /* Canonical: only the quiet bit in the payload. Arithmetic: the quiet
     * bit is set, whatever the rest of the payload. The sign never
     * matters. */
    if (t == WX_F32) {
        if (m == SPEC_NAN_CANONICAL)
            return (bits & ~(uint64_t)F32_SIGN) == F32_CANONICAL_NAN;
        return (bits & F32_CANONICAL_NAN) == F32_CANONICAL_NAN;
    }
    if (m == SPEC_NAN_CANONICAL)
        return (bits & ~F64_SIGN) == F64_CANONICAL_NAN;
    return (bits & F64_CANONICAL_NAN) == F64_CANONICAL_NAN;
}

/* Lane by lane: exact bytes, or a NaN pattern for a float lane. */
static bool v128_matches(const spec_value *want, const wx_wasm_val *got)
{
    unsigned w = want->lane_bits / 8u;
    for (unsigned i = 0; i < 16u / w; i++) {
        uint64_t bits = 0;
        memcpy(&bits, got->of.v128 + i * w, w);
        if (want->lane_float && want->lanes[i] != SPEC_EXACT) {
            if (!nan_matches(want->lanes[i], w == 4 ? WX_F32 : WX_F64, bits))
                return false;
        } else if (memcmp(got->of.v128 + i * w, want->v128 + i * w, w) != 0) {
            return false;
        }
    }
    return true;
}

bool spec_value_matches(const spec_value *want, const wx_wasm_val *got)
{
    uint64_t n;
    if (want->type == SPEC_ANY_REF)
        return wx_is_ref(got->type) && want->match == SPEC_REF_NULL &&
               got->of.ext == NULL;
    if (got->type != want->type)
        return false;
    if (want->match == SPEC_EITHER) {
        char why[160];
        for (size_t i = 0; i < json_array_size(want->either); i++) {
            spec_value alt;
            if (spec_parse_value(json_array_get(want->either, i), &alt, why,
                                 sizeof why) &&
                spec_value_matches(&alt, got))
                return true;
        }
        return false;
    }
    if (want->type == WX_V128)
        return v128_matches(want, got);
    switch (want->match) {
    case SPEC_EXACT: return val_bits(got) == want->bits;
    case SPEC_NAN_CANONICAL:
    case SPEC_NAN_ARITHMETIC:
        return nan_matches(want->match, want->type, val_bits(got));
    case SPEC_REF_NULL:
        return want->type == WX_FUNCREF ? got->of.func == NULL
                                        : got->of.ext == NULL;
    case SPEC_REF_NONNULL:
        return want->type == WX_FUNCREF ? got->of.func != NULL
                                        : got->of.ext != NULL;
    case SPEC_REF_HOST:
        if (want->type == (wx_valtype)WX_HEAP_ANY)
            return anyref_matches(want, got->of.ext);
        return spec_extern_number(got->of.ext, &n) && n == want->bits;
    case SPEC_REF_I31:
    case SPEC_REF_STRUCT:
    case SPEC_REF_ARRAY:
    case SPEC_REF_EQ: return anyref_matches(want, got->of.ext);
    case SPEC_EITHER: break; /* above */
    }
    return false;
}

static void format_float(wx_valtype t, uint64_t bits, char *buf, size_t len)
{
    if (t == WX_F32) {
        uint32_t b = (uint32_t)bits;
        float f;
        memcpy(&f, &b, sizeof f);
        snprintf(buf, len, "f32:0x%08" PRIx32 " (%.9g)", b, (double)f);
    } else {
        double d;
        memcpy(&d, &bits, sizeof d);
        snprintf(buf, len, "f64:0x%016" PRIx64 " (%.17g)", bits, d);
    }
}

static void format_v128(const uint8_t *b, char *buf, size_t len)
{
    size_t o = (size_t)snprintf(buf, len, "v128:");
    for (int i = 0; i < 16 && o < len; i++)
        o += (size_t)snprintf(buf + o, len - o, "%02x%s", b[i],
                              i % 4 == 3 && i < 15 ? " " : "");
}

void spec_format_expected(const spec_value *v, char *buf, size_t len)
{
    const char *tn = wx_valtype_name(v->type);
    if (v->type == WX_V128 && v->match != SPEC_EITHER) {
        format_v128(v->v128, buf, len);
        return;
    }
    switch (v->match) {
    case SPEC_EXACT:
        if (v->type == WX_I32)
            snprintf(buf, len, "i32:%" PRIu64 " (%" PRId32 ")", v->bits,
                     (int32_t)(uint32_t)v->bits);
        else if (v->type == WX_I64)
            snprintf(buf, len, "i64:%" PRIu64 " (%" PRId64 ")", v->bits,
                     (int64_t)v->bits);
        else
            format_float(v->type, v->bits, buf, len);
        return;
    case SPEC_NAN_CANONICAL:
        snprintf(buf, len, "%s:nan:canonical", tn);
        return;
    case SPEC_NAN_ARITHMETIC:
        snprintf(buf, len, "%s:nan:arithmetic", tn);
        return;
    case SPEC_REF_NULL: snprintf(buf, len, "%s:null", tn); return;
    case SPEC_REF_NONNULL: snprintf(buf, len, "%s:non-null", tn); return;
    case SPEC_EITHER: snprintf(buf, len, "%s:either", tn); return;
    case SPEC_REF_HOST: snprintf(buf, len, "%s:%" PRIu64, tn, v->bits); return;
    case SPEC_REF_I31: snprintf(buf, len, "%s:i31", tn); return;
    case SPEC_REF_STRUCT: snprintf(buf, len, "%s:struct", tn); return;
    case SPEC_REF_ARRAY: snprintf(buf, len, "%s:array", tn); return;
    case SPEC_REF_EQ: snprintf(buf, len, "%s:eq", tn); return;
    }
    snprintf(buf, len, "?");
}

void spec_format_val(const wx_wasm_val *v, char *buf, size_t len)
{
    uint64_t n;
    switch (v->type) {
    case WX_I32:
        snprintf(buf, len, "i32:%" PRIu32 " (%" PRId32 ")",
                 (uint32_t)v->of.i32, v->of.i32);
        return;
    case WX_I64:
        snprintf(buf, len, "i64:%" PRIu64 " (%" PRId64 ")",
                 (uint64_t)v->of.i64, v->of.i64);
        return;
    case WX_F32:
    case WX_F64: format_float(v->type, val_bits(v), buf, len); return;
    case WX_FUNCREF:
        if (v->of.func)
            snprintf(buf, len, "funcref:%p", (void *)v->of.func);
        else
            snprintf(buf, len, "funcref:null");
        return;
    case WX_EXTERNREF:
        if (spec_extern_number(v->of.ext, &n))
            snprintf(buf, len, "externref:%" PRIu64, n);
        else
            snprintf(buf, len, "externref:null");
        return;
    case WX_EXNREF:
        snprintf(buf, len, v->of.ext ? "exnref:non-null" : "exnref:null");
        return;
    case WX_V128: format_v128(v->of.v128, buf, len); return;
    }
    if (v->type == (wx_valtype)WX_HEAP_ANY) {
        static const char *const kinds[] = {"null", "i31", "struct", "array",
                                            "host"};
        wx_anyref_kind k = wx_anyref_kind_of(v->of.ext);
        if (k == WX_ANYREF_I31)
            snprintf(buf, len, "anyref:i31 %" PRId32, wx_anyref_i31(v->of.ext));
        else if (k == WX_ANYREF_HOST &&
                 spec_extern_number(wx_anyref_host(v->of.ext), &n))
            snprintf(buf, len, "anyref:host %" PRIu64, n);
        else
            snprintf(buf, len, "anyref:%s", kinds[k]);
        return;
    }
    snprintf(buf, len, "(value of type 0x%02x)", (unsigned)v->type);
}

bool spec_trap_text_matches(const char *expected, const char *ours)
{
    if (!expected || !ours || !*expected || !*ours)
        return false;
    return strstr(expected, ours) != NULL || strstr(ours, expected) != NULL;
}
