/*
 * The text parser (wasmext/wat.h): the messages of typical mistakes, with
 * their line and column; a few encodings checked byte by byte against the
 * binary format's definition; a text module that loads and runs; the
 * script reader's cutting of a .wast into commands; SIMD text (bytes,
 * errors, a module that runs); GC text (types, instructions, errors).
 * The whole 2.0 suite is compared with wast2json by spec/wat-compare
 * (tests/spec).
 */
#include "check.h"
#include "wasmext/engine.h"
#include "wasmext/wat.h"

#include <stdlib.h>
#include <string.h>

/* The text must be refused with a message that starts with `want`. */
static void refused(const char *text, const char *want)
{
    uint8_t *out = (uint8_t *)"untouched";
    size_t len = 7;
    wx_error err;
    wx_status s = wx_wat_to_wasm(text, strlen(text), &out, &len, &err);
    CHECK_MSG(s == WX_EMALFORMED, "%s: status %s", text, wx_status_name(s));
    CHECK_MSG(err.status == WX_EMALFORMED && out == NULL && len == 0,
              "%s: error not reported as malformed", text);
    CHECK_MSG(strncmp(err.message, want, strlen(want)) == 0,
              "%s: message \"%s\", want \"%s...\"", text, err.message, want);
    if (s == WX_OK)
        free(out);
}

static void error_messages(void)
{
    refused("(module (func i32.foo))", "1:15: unknown operator i32.foo");
    refused("(module\n  (func\n    (br $l)))", "3:9: undefined label $l");
    refused("(module (func (result i32) (i32.const 4294967296)))",
            "1:39: constant out of range: i32 4294967296");
    refused("(module (func (result i32) (i32.const 1x)))",
            "1:39: malformed number: expected an i32 constant");
    refused("(module (func (result f32) (f32.const 1e39)))",
            "1:39: constant out of range: f32 1e39");
    refused("(module (func (param i33)))", "1:22: unknown type \"i33\"");
    refused("(module (func (local.get $x)))", "1:26: unknown local $x");
    refused("(module (func (call $nowhere)))",
            "1:21: unknown function $nowhere");
    refused("(module (func $f) (func $f))", "1:25: duplicate function $f");
    refused("(module (func) (import \"m\" \"n\" (func)))",
            "1:17: import after function, table, memory or global");
    refused("(module (func block $a end $b))", "1:28: mismatching label $b");
    refused("(module (func (block)) (func", "1:29: unexpected end of text");
    refused("(module (func)) (func)",
            "1:17: unexpected token after the module");
    refused("(module (funk))", "1:10: unknown module field \"funk\"");
    refused("(module (memory 1) (func (i32.load align=3 (i32.const 0))))",
            "1:36: alignment must be a power of two");
    refused("(module (data \"\\q\"))", "1:15: unknown escape in string");
    refused("(module (export \"\\ff\" (func 0)) (func))",
            "1:17: malformed UTF-8 encoding in name");
    refused("(module (; never closed", "1:9: unclosed block comment");
    refused("(module (func nop\"x\"))", "1:15: unknown token");
    refused("(module\n  (func) \xC3(func))", "2:10: malformed UTF-8 encoding");
    refused("(module (@ x))", "1:9: empty annotation id");
    refused("(module (func $\"\"))", "1:15: empty identifier");
    refused("(module (type $t (func)) (func (type $t) (param i32)))",
            "1:38: inline function type does not match type 0");
}

/* "(func (block (block ... )))" with `n` blocks; malloc'd. */
static char *nested_blocks(size_t n)
{
    char *text = malloc(8 + 8 * n + 2);
    size_t len = 0;
    if (!text)
        return NULL;
    len += (size_t)sprintf(text, "(func ");
    for (size_t i = 0; i < n; i++)
        len += (size_t)sprintf(text + len, "(block ");
    for (size_t i = 0; i <= n; i++)
        text[len++] = ')';
    text[len] = 0;
    return text;
}

/* Nesting is bounded (the parser recurses): 5000 levels parse, one more
 * is refused where it starts, not with a crash. */
static void nesting(void)
{
    char *text = nested_blocks(5000);
    uint8_t *out = NULL;
    size_t len = 0;
    wx_error err;
    CHECK(text &&
          wx_wat_to_wasm(text, strlen(text), &out, &len, &err) == WX_OK);
    free(out);
    free(text);
    text = nested_blocks(5001);
    if (text)
        refused(text,
                "1:35008: instructions nested too deep (more than 5000)");
    free(text);
}

/* The text must give exactly `want`. */
static void encodes(const char *text, const uint8_t *want, size_t want_len)
{
    uint8_t *out = NULL;
    size_t len = 0;
    wx_error err;
    wx_status s = wx_wat_to_wasm(text, strlen(text), &out, &len, &err);
    CHECK_MSG(s == WX_OK, "%s: %s", text, err.message);
    CHECK_MSG(len == want_len && out && memcmp(out, want, len) == 0,
              "%s: %zu bytes, want %zu", text, len, want_len);
    free(out);
}

#define HEADER 0, 'a', 's', 'm', 1, 0, 0, 0

static void encodings(void)
{
    static const uint8_t empty[] = {HEADER};
    encodes("(module)", empty, sizeof empty);
    encodes("", empty, sizeof empty); /* no fields: an empty module */
    /* Annotations (3.0) are skipped wherever they are. */
    encodes("((@a x (y) \"z\") module (@b))", empty, sizeof empty);

    /* An implicit type, a folded add, an inline export. */
    static const uint8_t add[] = {
        HEADER, 1, 7, 1, 0x60, 2,    0x7F, 0x7F, 1, 0x7F,      /* type */
        3,      2, 1, 0,                                       /* func */
        7,      7, 1, 3, 'a',  'd',  'd',  0,    0,            /* export */
        10,     9, 1, 7, 0,    0x20, 0,    0x20, 1, 0x6A, 0x0B /* code */
    };
    encodes("(module (func (export \"add\") (param $a i32) (param i32)"
            " (result i32) (i32.add (local.get $a) (local.get 1))))",
            add, sizeof add);

    /* Numbers: -1 as i32, a hex float, nan:0x200000 as f32. */
    static const uint8_t consts[] = {
        HEADER, 1, 4,  1,    0x60, 0,  0, 3,    2,
        1,      0, 10, 20,   1,    18, 0, 0x41, 0x7F, /* i32.const -1 */
        0x44,   0, 0,  0,    0,    0,  0, 0xF8, 0x3F, /* f64.const 0x1.8p0 */
        0x43,   0, 0,  0xA0, 0x7F,                    /* f32.const nan:... */
        0x0B};
    encodes("(func i32.const 0xffff_ffff f64.const 0x1.8p0 "
            "f32.const nan:0x200000)",
            consts, sizeof consts);

    /* Labels by name and depth; br_table. */
    static const uint8_t
        labels[] = {HEADER, 1,    4,    1,    0x60, 0,    0,
                    3,      2,    1,    0,    10,   16,   1,
                    14,     0,    0x02, 0x40, 0x03, 0x40, /* block $out loop */
                    0x0C,   0x01,                         /* br $out */
                    0x0E,   0x01, 0x00, 0x01,             /* br_table 0 1 */
                    0x0B,   0x0B, 0x0B};
    encodes("(func block $out loop br $out br_table 0 $out end end)", labels,
            sizeof labels);

    /* (memory (data ...)): one page, its data at offset 0. */
    static const uint8_t mem[] = {HEADER, 5, 4,    1, 1,    1, 1,   11, 8,
                                  1,      0, 0x41, 0, 0x0B, 2, 'h', 'i'};
    encodes("(module (memory (data \"h\" \"\\69\")))", mem, sizeof mem);
}

/* A text module loads and runs like its binary. */
static void runs(void)
{
    const char *text =
        "(module\n"
        "  (func $fac (export \"fac\") (param i64) (result i64)\n"
        "    (if (result i64) (i64.eqz (local.get 0))\n"
        "      (then (i64.const 1))\n"
        "      (else (i64.mul (local.get 0)\n"
        "              (call $fac (i64.sub (local.get 0) (i64.const 1))))))))";
    uint8_t *bytes = NULL;
    size_t len = 0;
    wx_error err;
    CHECK(wx_wat_to_wasm(text, strlen(text), &bytes, &len, &err) == WX_OK);
    wx_module *m = bytes ? wx_module_load(bytes, len, NULL, &err) : NULL;
    CHECK_MSG(m != NULL, "load: %s", err.message);
    wx_instance *inst = m ? wx_instantiate(m, NULL, NULL, &err) : NULL;
    CHECK_MSG(inst != NULL, "instantiate: %s", err.message);
    wx_wasm_func *fac = inst ? wx_instance_func(inst, "fac") : NULL;
    CHECK(fac != NULL);
    if (fac) {
        wx_wasm_val arg = wx_wasm_i64(20), res;
        wx_status s = wx_call(fac, &arg, 1, &res, 1, &err);
        CHECK_MSG(s == WX_OK, "call: %s", err.message);
        CHECK(s == WX_OK && res.of.i64 == INT64_C(2432902008176640000));
    }
    wx_instance_free(inst);
    wx_module_free(m);
    free(bytes);
    CHECK(wx_wat_is_binary((const uint8_t *)"\0asm\1\0\0\0", 8));
    CHECK(!wx_wat_is_binary((const uint8_t *)"(module)", 8));
}

/* Exception handling and typed function references (3.0) in their text
 * forms, byte by byte: a tag, throw and a try_table with a catch; a
 * (ref $t) parameter and call_ref; legacy try/catch; a table with an
 * initializer expression. */
static void encodings_3(void)
{
    static const uint8_t exc[] = {
        HEADER, 1,    9,    2,    0x60, 1,    0x7F, 0, /* (i32) -> () */
        0x60,   0,    1,    0x7F,                      /* () -> i32 */
        3,      2,    1,    1,                         /* func: type 1 */
        13,     3,    1,    0,    0,                   /* tag $e: type 0 */
        10,     20,   1,    18,   0,    0x02, 0x7F,    /* block (i32) */
        0x1F,   0x40, 1,    0x00, 0,    0,             /* try_table, catch */
        0x41,   7,    0x08, 0,    0x0B,                /* throw $e */
        0x41,   0,    0x0B, 0x0B};
    encodes("(module (tag $e (param i32))"
            " (func (result i32) (block $h (result i32)"
            " (try_table (catch $e $h) (throw $e (i32.const 7)))"
            " (i32.const 0))))",
            exc, sizeof exc);

    static const uint8_t ref[] = {
        HEADER, 1, 11,   2,    0x60, 1,  0x7F, 1,   0x7F, /* $t */
        0x60,   1, 0x64, 0x00, 0,                         /* ((ref $t)) */
        3,      2, 1,    1,    10,   11, 1,    9,   0,
        0x41,   1, 0x20, 0,    0x14, 0,  0x1A, 0x0B}; /* call_ref $t */
    encodes("(module (type $t (func (param i32) (result i32)))"
            " (func (param $f (ref $t))"
            " (drop (call_ref $t (i32.const 1) (local.get $f)))))",
            ref, sizeof ref);

    static const uint8_t legacy[] = {
        HEADER, 1,  4,    1, 0x60, 0,    0, /* () -> () */
        3,      2,  1,    0, 13,   3,    1,    0,
        0,      10, 12,   1, 10,   0,    0x06, 0x40, /* try */
        0x08,   0,  0x07, 0, 0x19, 0x0B, 0x0B}; /* throw catch catch_all */
    encodes("(module (tag $e) (func try throw $e catch $e catch_all end))",
            legacy, sizeof legacy);

    static const uint8_t table[] = {
        HEADER, 1, 4,    1, 0x60, 0,    0,    3,    2, 1,
        0,      4, 10,   1, 0x40, 0x00, 0x64, 0x70, 0, 2, /* (ref func) 2 */
        0xD2,   0, 0x0B,                                  /* (ref.func $f) */
        10,     4, 1,    2, 0,    0x0B};
    encodes("(module (table 2 (ref func) (ref.func $f)) (func $f))", table,
            sizeof table);

    refused("(module (func (throw $nope)))", "1:22: unknown tag $nope");
    refused("(module (func (param (ref nofun))))",
            "1:27: unknown heap type \"nofun\"");
}

/* Loads a text module and calls its export "run" with no arguments: one
 * i32 result, or INT32_MIN when anything fails (reported as a check). */
static int32_t run_text(const char *text)
{
    uint8_t *bytes = NULL;
    size_t len = 0;
    wx_error err;
    int32_t got = INT32_MIN;
    wx_status s = wx_wat_to_wasm(text, strlen(text), &bytes, &len, &err);
    CHECK_MSG(s == WX_OK, "parse: %s", err.message);
    wx_module *m = s == WX_OK ? wx_module_load(bytes, len, NULL, &err) : NULL;
    CHECK_MSG(m != NULL, "load: %s", err.message);
    wx_instance *inst = m ? wx_instantiate(m, NULL, NULL, &err) : NULL;
    CHECK_MSG(inst != NULL, "instantiate: %s", err.message);
    wx_wasm_func *run = inst ? wx_instance_func(inst, "run") : NULL;
    CHECK(run != NULL);
    if (run) {
        wx_wasm_val res;
        s = wx_call(run, NULL, 0, &res, 1, &err);
        CHECK_MSG(s == WX_OK, "call: %s", err.message);
        if (s == WX_OK)
            got = res.of.i32;
    }
    wx_instance_free(inst);
    wx_module_free(m);
    free(bytes);
    return got;
}

/* The new forms load and run: a try_table catching a throw with its
 * payload, a legacy try/catch, a call_ref through a ref.func. */
static void runs_3(void)
{
    CHECK(run_text("(module (tag $e (param i32))\n"
                   "  (func (export \"run\") (result i32)\n"
                   "    (block $h (result i32)\n"
                   "      (try_table (result i32) (catch $e $h)\n"
                   "        (throw $e (i32.const 42))))))") == 42);
    CHECK(run_text("(module (tag $e (param i32))\n"
                   "  (func (export \"run\") (result i32)\n"
                   "    (try (result i32)\n"
                   "      (do (throw $e (i32.const 5)))\n"
                   "      (catch $e (i32.add (i32.const 1)))\n"
                   "      (catch_all (i32.const -1)))))") == 6);
    CHECK(run_text("(module (type $t (func (param i32) (result i32)))\n"
                   "  (func $sq (type $t) (i32.mul (local.get 0) "
                   "(local.get 0)))\n"
                   "  (elem declare func $sq)\n"
                   "  (func (export \"run\") (result i32)\n"
                   "    (local $f (ref null $t))\n"
                   "    (local.set $f (ref.func $sq))\n"
                   "    (call_ref $t (i32.const 9)\n"
                   "      (ref.as_non_null (local.get $f)))))") == 81);
}

/* SIMD text (wat_simd.c): the lane literals, the memory and lane
 * immediates, a relaxed op's two-byte sub-opcode, checked byte by byte. */
static void simd_encodings(void)
{
    /* One line per section or group of lanes. */
    /* clang-format off */
    static const uint8_t vconst[] = {
        HEADER, 1, 5, 1, 0x60, 0, 1, 0x7B,   /* type: () -> v128 */
        3, 2, 1, 0,                          /* func */
        10, 22, 1, 20, 0, 0xFD, 0x0C,        /* code: v128.const */
        1, 0, 0, 0, 2, 0, 0, 0, 3, 0, 0, 0,  /* lanes 1, 2, 3 */
        0xFF, 0xFF, 0xFF, 0xFF, 0x0B};       /* -1, end */
    /* nan, inf and a hex float as f32 lanes. */
    static const uint8_t fconst[] = {
        HEADER, 1, 5, 1, 0x60, 0, 1, 0x7B,   /* type: () -> v128 */
        3, 2, 1, 0,                          /* func */
        10, 22, 1, 20, 0, 0xFD, 0x0C,        /* code: v128.const */
        0, 0, 0xC0, 0x7F, 0, 0, 0x80, 0x7F,  /* nan, inf */
        0, 0, 0, 0xBF, 0, 0, 0x80, 0x3F,     /* -0.5, 1 */
        0x0B};
    /* v128.load16_lane offset=2 3: align 1 (natural), offset 2, lane 3. */
    static const uint8_t lane[] = {
        HEADER, 1, 6, 1, 0x60, 1, 0x7B, 1, 0x7B, /* type: v128 -> v128 */
        3, 2, 1, 0,                              /* func */
        5, 3, 1, 0, 1,                           /* memory */
        10, 13, 1, 11, 0, 0x41, 0, 0x20, 0,      /* code: the operands */
        0xFD, 0x55, 1, 2, 3, 0x0B};              /* align, offset, lane */
    /* i8x16.relaxed_swizzle is sub-opcode 0x100: LEB128 0x80 0x02. */
    static const uint8_t relaxed[] = {
        HEADER, 1, 7, 1, 0x60, 2, 0x7B, 0x7B, 1, 0x7B, /* type */
        3, 2, 1, 0,                                    /* func */
        10, 11, 1, 9, 0, 0x20, 0, 0x20, 1,             /* code */
        0xFD, 0x80, 0x02, 0x0B};
    /* clang-format on */
    encodes("(func (result v128) v128.const i32x4 1 2 0x3 -1)", vconst,
            sizeof vconst);
    encodes("(func (result v128) (v128.const f32x4 nan inf -0x1p-1 1))",
            fconst, sizeof fconst);
    encodes("(module (memory 1) (func (param v128) (result v128)"
            " (v128.load16_lane offset=2 3 (i32.const 0) (local.get 0))))",
            lane, sizeof lane);
    encodes("(func (param v128 v128) (result v128)"
            " local.get 0 local.get 1 i8x16.relaxed_swizzle)",
            relaxed, sizeof relaxed);
}

static void simd_errors(void)
{
    refused("(module (func (v128.const i32x4 1 2 3)))",
            "1:38: wrong number of lane literals: v128.const i32x4 takes 4, "
            "got 3");
    refused("(module (func (v128.const i32x4 1 2 3 4 5)))",
            "1:41: wrong number of lane literals");
    refused("(module (func (v128.const i9x16 0)))",
            "1:27: unexpected token i9x16, expected a v128.const shape");
    refused("(module (func (v128.const i8x16 0 0 0 0 0 0 0 0 0 0 0 0 0 0 0 "
            "256)))",
            "1:63: constant out of range: i8 256");
    refused("(module (func (i8x16.shuffle 0 1 2)))",
            "1:35: invalid lane length: i8x16.shuffle takes 16 lane "
            "indices, got 3");
    refused("(module (func (i8x16.extract_lane_s 256 (local.get 0))))",
            "1:37: malformed lane index 256");
    refused("(module (func (i32x4.replace_lane -1 (local.get 0))))",
            "1:35: malformed lane index -1");
    refused("(module (func i8x16.addd))", "1:15: unknown operator i8x16.addd");
}

/* Calls `name` of `inst` with v128 arguments; the v128 result in `out`. */
static bool call_v128(wx_instance *inst, const char *name,
                      const uint8_t (*args)[16], size_t nargs, uint8_t *out)
{
    wx_wasm_func *f = inst ? wx_instance_func(inst, name) : NULL;
    CHECK_MSG(f != NULL, "no export %s", name);
    if (!f)
        return false;
    wx_wasm_val a[2], res;
    for (size_t i = 0; i < nargs && i < 2; i++) {
        a[i].type = WX_V128;
        memcpy(a[i].of.v128, args[i], 16);
    }
    wx_error err;
    wx_status s = wx_call(f, a, nargs, &res, 1, &err);
    CHECK_MSG(s == WX_OK && res.type == WX_V128, "%s: %s", name,
              s == WX_OK ? "not a v128" : err.message);
    if (s != WX_OK)
        return false;
    memcpy(out, res.of.v128, 16);
    return true;
}

/* A SIMD text module loads and runs: i32x4.add lane by lane, a shuffle
 * that reverses the bytes, a lane taken out of a v128.const sum. */
static void simd_runs(void)
{
    const char *text =
        "(module\n"
        "  (func (export \"add\") (param v128 v128) (result v128)\n"
        "    (i32x4.add (local.get 0) (local.get 1)))\n"
        "  (func (export \"rev\") (param v128) (result v128)\n"
        "    (i8x16.shuffle 15 14 13 12 11 10 9 8 7 6 5 4 3 2 1 0\n"
        "      (local.get 0) (local.get 0)))\n"
        "  (func (export \"lane\") (result i32)\n"
        "    (i32x4.extract_lane 3 (i32x4.add (v128.const i32x4 1 2 3 4)\n"
        "      (v128.const i16x8 0 0 0 0 0 0 -1 0x7fff)))))";
    uint8_t *bytes = NULL;
    size_t len = 0;
    wx_error err;
    CHECK(wx_wat_to_wasm(text, strlen(text), &bytes, &len, &err) == WX_OK);
    wx_module *m = bytes ? wx_module_load(bytes, len, NULL, &err) : NULL;
    CHECK_MSG(m != NULL, "load: %s", err.message);
    wx_instance *inst = m ? wx_instantiate(m, NULL, NULL, &err) : NULL;
    CHECK_MSG(inst != NULL, "instantiate: %s", err.message);

    uint8_t args[2][16], out[16];
    int32_t x[4] = {1, -7, INT32_MAX, 100000}, y[4] = {2, 7, 1, -300000};
    memcpy(args[0], x, 16);
    memcpy(args[1], y, 16);
    if (inst && call_v128(inst, "add", args, 2, out)) {
        for (int i = 0; i < 4; i++) {
            int32_t got, want = (int32_t)((uint32_t)x[i] + (uint32_t)y[i]);
            memcpy(&got, out + 4 * i, 4);
            CHECK_MSG(got == want, "add lane %d: %d, want %d", i, got, want);
        }
    }
    for (int i = 0; i < 16; i++)
        args[0][i] = (uint8_t)(3 * i + 1);
    if (inst && call_v128(inst, "rev", args, 1, out))
        for (int i = 0; i < 16; i++)
            CHECK_MSG(out[i] == args[0][15 - i], "rev byte %d: %u", i, out[i]);

    /* Lane 3 of the i16x8 constant is the halves -1 (low) and 0x7fff. */
    wx_wasm_func *lanef = inst ? wx_instance_func(inst, "lane") : NULL;
    CHECK(lanef != NULL);
    if (lanef) {
        wx_wasm_val res;
        CHECK(wx_call(lanef, NULL, 0, &res, 1, &err) == WX_OK);
        CHECK_MSG(res.of.i32 == (int32_t)(4u + 0x7fffFFFFu), "lane: %d",
                  res.of.i32);
    }
    wx_instance_free(inst);
    wx_module_free(m);
    free(bytes);
}

/* The script reader: commands with their lines, comments skipped. */
/* Garbage collection (3.0) in the text format, byte by byte: rec groups,
 * subtypes and the bare form of a final type without supertype, struct
 * fields with their names and packed storage, the 0xFB instructions
 * with each kind of immediate, a GC constant expression, and
 * (module definition ...). */
static void gc_encodings(void)
{
    static const uint8_t fields[] = {HEADER, 1, 9,    1, 0x5F, 3,
                                     0x7F,   1, 0x78, 0, 0x77, 0};
    encodes("(type (struct (field $x (mut i32)) (field i8 i16)))", fields,
            sizeof fields);

    /* $a names $b before its definition, inside their rec group. */
    static const uint8_t rec[] = {
        HEADER, 1,    21,   2,    0x4E, 2,          /* rec of 2 */
        0x50,   0,    0x5F, 1,    0x63, 1,    0,    /* sub $a */
        0x4F,   1,    0,    0x5F, 1,    0x63, 1, 0, /* sub final $b */
        0x5E,   0x78, 1};                           /* array */
    encodes("(rec (type $a (sub (struct (field (ref null $b)))))"
            "     (type $b (sub final $a (struct (field (ref null $b))))))"
            "(type (array (mut i8)))",
            rec, sizeof rec);
    static const uint8_t bare[] = {HEADER, 1, 4, 1, 0x60, 0, 0};
    encodes("(type (sub final (func)))", bare, sizeof bare);

    /* A field by name, among its own type's fields. */
    static const uint8_t get[] = {
        HEADER, 1,    16,   3, 0x5F, 2,    0x7F, 0, 0x7E, 1, /* $s */
        0x5E,   0x78, 1,                                     /* $v */
        0x60,   1,    0x64, 0, 1,    0x7E,                   /* implicit */
        3,      2,    1,    2, 10,   10,   1,    8, 0,       /* code */
        0x20,   0,    0xFB, 2, 0,    1,    0x0B};
    encodes("(type $s (struct (field $x i32) (field $y (mut i64))))"
            "(type $v (array (mut i8)))"
            "(func (param (ref $s)) (result i64)"
            "  (struct.get $s $y (local.get 0)))",
            get, sizeof get);

    /* Casts: the target's nullability picks ref.test/ref.cast's opcode
     * and br_on_cast's flags. */
    static const uint8_t casts[] = {
        HEADER, 1,    8,    2,    0x5F, 0,    0x60, 1,    0x6E,
        1,      0x6E, 3,    2,    1,    1,    10,   30,   1,
        28,     0,    0x20, 0,    0xFB, 0x14, 0,    0x1A, /* ref.test */
        0x20,   0,    0xFB, 0x17, 0x6C, 0x1A,             /* ref.cast null */
        0x20,   0,    0xFB, 0x18, 1,    0,    0x6E, 0,    /* br_on_cast */
        0xFB,   0x19, 2,    0,    0x6E, 0,    0x0B};      /* ..._fail */
    encodes("(type $s (struct))"
            "(func (param anyref) (result anyref)"
            "  local.get 0 ref.test (ref $s) drop"
            "  local.get 0 ref.cast (ref null i31) drop"
            "  local.get 0 br_on_cast 0 anyref (ref $s)"
            "  br_on_cast_fail 0 (ref any) (ref null $s))",
            casts, sizeof casts);

    /* array.new_fixed's count, array.copy's two types, a data segment
     * by name (and so the data count section). */
    /* type; func; data count; code: new_fixed $a 3, copy $b $a,
     * new_data $b $d, drop; data. */
    static const uint8_t arrays[] = {
        HEADER, 1,  10, 3,    0x5E, 0x78, 0,  0x5E, 0x78, 1,  0x60,
        0,      0,  3,  2,    1,    2,    12, 1,    1,    10, 17,
        1,      15, 0,  0xFB, 8,    0,    3,  0xFB, 0x11, 1,  0,
        0xFB,   9,  1,  0,    0x1A, 0x0B, 11, 3,    1,    1,  0};
    encodes("(type $a (array i8)) (type $b (array (mut i8)))"
            "(func array.new_fixed $a 3 array.copy $b $a"
            "  array.new_data $b $d drop)"
            "(data $d \"\")",
            arrays, sizeof arrays);

    static const uint8_t global[] = {HEADER, 6,    9, 1,    0x64, 0x6C,
                                     0,      0x41, 5, 0xFB, 0x1C, 0x0B};
    encodes("(global (ref i31) (ref.i31 (i32.const 5)))", global,
            sizeof global);

    static const uint8_t def[] = {HEADER, 5, 3, 1, 0, 1};
    encodes("(module definition $M (memory 1))", def, sizeof def);
}

/* GC text errors, with their place. */
static void gc_errors(void)
{
    refused("(module (type $s (struct (field $x i32)))\n"
            "  (func (param (ref $s)) (result i32)\n"
            "    (struct.get $s $y (local.get 0))))",
            "3:20: unknown field $y of type 0");
    refused("(module (type (array i9)))", "1:22: unknown storage type \"i9\"");
    refused("(module (type (struct (field (i32)))))",
            "1:30: unexpected token, expected a storage type");
    refused("(module (type $a (sub (struct))) (type (sub $a $a (struct))))",
            "1:48: sub with more than one supertype");
    refused("(module (type (struct (field $x i32) (field $x i64))))",
            "1:45: duplicate field $x");
    refused("(module (rec (type (struct (field (ref $nope))))))",
            "1:40: unknown type $nope");
    refused("(module (type (sub (list i32))))",
            "1:21: unexpected token, expected func, struct or array");
    refused("(module (func ref.test (ref $t)))", "1:29: unknown type $t");
    refused("(module (func br_on_cast 0 anyref i32))",
            "1:35: unknown reference type \"i32\"");
    refused("(module instance $I $M)",
            "1:9: (module instance ...) is a script command");
}

static void script_reader(void)
{
    const char *wast = ";; a script\n"
                       "(module (func))\n"
                       "(; block\n comment ;)\n"
                       "(assert_return (invoke \"f\" (i32.const 1))\n"
                       "  (i32.const 2)) (register \"x\")\n"
                       "(module quote \")\")\n";
    size_t start, end;
    uint32_t line;
    wx_error err;
    wx_error_clear(&err);
    wx_wast_reader r;
    wx_wast_reader_init(&r, wast, strlen(wast));
    static const uint32_t lines[] = {2, 5, 6, 7};
    static const char *const heads[] = {"(module (func))", "(assert_return",
                                        "(register \"x\")", "(module quote"};
    unsigned n = 0;
    while (wx_wast_next(&r, &start, &end, &line, &err)) {
        CHECK(n < 4);
        if (n >= 4)
            break;
        CHECK_MSG(line == lines[n], "command %u: line %u", n, line);
        CHECK_MSG(strncmp(wast + start, heads[n], strlen(heads[n])) == 0,
                  "command %u: %.20s", n, wast + start);
        CHECK(wast[end - 1] == ')');
        n++;
    }
    CHECK(n == 4 && err.status == WX_OK);
    const char *bad = "(module (func)\n";
    wx_wast_reader_init(&r, bad, strlen(bad));
    CHECK(!wx_wast_next(&r, &start, &end, &line, &err));
    CHECK_MSG(err.status == WX_EMALFORMED &&
                  strstr(err.message, "unclosed \"(\"") != NULL,
              "%s", err.message);
}

int main(void)
{
    error_messages();
    nesting();
    encodings();
    runs();
    encodings_3();
    runs_3();
    simd_encodings();
    simd_errors();
    simd_runs();
    gc_encodings();
    gc_errors();
    script_reader();
    return CHECK_DONE();
}
