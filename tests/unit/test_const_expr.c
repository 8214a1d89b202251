/*
 * Extended constant expressions (WebAssembly 3.0): i32/i64 add, sub and
 * mul in global initialisers and segment offsets, wrapping; global.get of
 * an imported and of an earlier defined immutable global; a non-constant
 * operator, a mutable global, a later global and wrong operand types are
 * refused; WX_LOAD_WASM2 refuses what only 3.0 allows; a one-instruction
 * expression is still stored inline; too deep an expression is refused.
 * Built with wat2wasm 1.0.32 --enable-extended-const --no-check (wabt's
 * own check knows only the 2.0 rule for global.get):
 *
 * (module
 *   (import "env" "base" (global $base i32))
 *   (import "env" "big" (global $big i64))
 *   (memory 1)
 *   (table 8 funcref)
 *   (global $k i32 (i32.const 100))
 *   ;; Every operator, on an imported and on a defined global.
 *   (global (export "i32_add") i32
 *     (i32.add (global.get $base) (global.get $k)))
 *   (global (export "i32_sub") i32 (i32.sub (global.get $base) (i32.const 7)))
 *   (global (export "i32_mul") i32 (i32.mul (global.get $k) (i32.const -3)))
 *   (global (export "i64_add") i64 (i64.add (global.get $big) (i64.const 5)))
 *   (global (export "i64_sub") i64 (i64.sub (global.get $big) (i64.const 9)))
 *   (global (export "i64_mul") i64 (i64.mul (global.get $big) (i64.const 3)))
 *   ;; Wrapping.
 *   (global (export "i32_add_wrap") i32
 *     (i32.add (i32.const 0x7fffffff) (i32.const 1)))
 *   (global (export "i32_sub_wrap") i32 (i32.sub (i32.const 0) (i32.const 1)))
 *   (global (export "i32_mul_wrap") i32
 *     (i32.mul (i32.const 0x10000) (i32.const 0x10001)))
 *   (global (export "i64_add_wrap") i64
 *     (i64.add (i64.const 0x7fffffffffffffff) (i64.const 1)))
 *   (global (export "i64_sub_wrap") i64
 *     (i64.sub (i64.const 0x8000000000000000) (i64.const 1)))
 *   (global (export "i64_mul_wrap") i64
 *     (i64.mul (i64.const 0x100000000) (i64.const 0x100000001)))
 *   ;; A deeper stack: (base * 2 + (k - 1)) * 3 - k.
 *   (global (export "nested") i32
 *     (i32.sub
 *       (i32.mul
 *         (i32.add (i32.mul (global.get $base) (i32.const 2))
 *                  (i32.sub (global.get $k) (i32.const 1)))
 *         (i32.const 3))
 *       (global.get $k)))
 *   ;; A data offset (base + 16) and an element offset (k - 97 = 3).
 *   (data (i32.add (global.get $base) (i32.const 16)) "\2a")
 *   (elem (i32.sub (global.get $k) (i32.const 97)) func $answer)
 *   (func $answer (result i32) (i32.const 42))
 *   (func (export "load8") (param i32) (result i32)
 *     (i32.load8_u (local.get 0)))
 *   (func (export "call_at") (param i32) (result i32)
 *     (call_indirect (result i32) (local.get 0))))
 *
 * Refused, in this order:
 *
 * (module (global i32 (i32.and (i32.const 1) (i32.const 2))))
 *
 * (module
 *   (global $m (mut i32) (i32.const 0))
 *   (global i32 (i32.add (global.get $m) (i32.const 1))))
 *
 * (module (global i32 (i32.add (i64.const 1) (i64.const 2))))
 *
 * (module
 *   (global i32 (i32.add (global.get 1) (i32.const 1)))
 *   (global i32 (i32.const 0)))
 *
 * (module (memory 1) (data (i64.add (i64.const 1) (i64.const 2)) "a"))
 *
 * (module
 *   (global $m (mut i32) (i32.const 0))
 *   (table 1 funcref)
 *   (elem (i32.add (global.get $m) (i32.const 0)) func $f)
 *   (func $f))
 *
 * Valid in 3.0 only:
 *
 * (module
 *   (global i32 (i32.const 5))
 *   (global (export "g") i32 (global.get 0)))
 */
#include "check.h"
#include "load.h"
#include "module.h"
#include "wasmext/engine.h"

#include <stdint.h>
#include <string.h>

static const uint8_t ce_wasm[] = {
    0x00, 0x61, 0x73, 0x6d, 0x01, 0x00, 0x00, 0x00, 0x01, 0x0a, 0x02, 0x60,
    0x00, 0x01, 0x7f, 0x60, 0x01, 0x7f, 0x01, 0x7f, 0x02, 0x18, 0x02, 0x03,
    0x65, 0x6e, 0x76, 0x04, 0x62, 0x61, 0x73, 0x65, 0x03, 0x7f, 0x00, 0x03,
    0x65, 0x6e, 0x76, 0x03, 0x62, 0x69, 0x67, 0x03, 0x7e, 0x00, 0x03, 0x04,
    0x03, 0x00, 0x01, 0x01, 0x04, 0x04, 0x01, 0x70, 0x00, 0x08, 0x05, 0x03,
    0x01, 0x00, 0x01, 0x06, 0x9d, 0x01, 0x0e, 0x7f, 0x00, 0x41, 0xe4, 0x00,
    0x0b, 0x7f, 0x00, 0x23, 0x00, 0x23, 0x02, 0x6a, 0x0b, 0x7f, 0x00, 0x23,
    0x00, 0x41, 0x07, 0x6b, 0x0b, 0x7f, 0x00, 0x23, 0x02, 0x41, 0x7d, 0x6c,
    0x0b, 0x7e, 0x00, 0x23, 0x01, 0x42, 0x05, 0x7c, 0x0b, 0x7e, 0x00, 0x23,
    0x01, 0x42, 0x09, 0x7d, 0x0b, 0x7e, 0x00, 0x23, 0x01, 0x42, 0x03, 0x7e,
    0x0b, 0x7f, 0x00, 0x41, 0xff, 0xff, 0xff, 0xff, 0x07, 0x41, 0x01, 0x6a,
    0x0b, 0x7f, 0x00, 0x41, 0x00, 0x41, 0x01, 0x6b, 0x0b, 0x7f, 0x00, 0x41,
    0x80, 0x80, 0x04, 0x41, 0x81, 0x80, 0x04, 0x6c, 0x0b, 0x7e, 0x00, 0x42,
    0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0x00, 0x42, 0x01,
    0x7c, 0x0b, 0x7e, 0x00, 0x42, 0x80, 0x80, 0x80, 0x80, 0x80, 0x80, 0x80,
    0x80, 0x80, 0x7f, 0x42, 0x01, 0x7d, 0x0b, 0x7e, 0x00, 0x42, 0x80, 0x80,
    0x80, 0x80, 0x10, 0x42, 0x81, 0x80, 0x80, 0x80, 0x10, 0x7e, 0x0b, 0x7f,
    0x00, 0x23, 0x00, 0x41, 0x02, 0x6c, 0x23, 0x02, 0x41, 0x01, 0x6b, 0x6a,
    0x41, 0x03, 0x6c, 0x23, 0x02, 0x6b, 0x0b, 0x07, 0xb2, 0x01, 0x0f, 0x07,
    0x69, 0x33, 0x32, 0x5f, 0x61, 0x64, 0x64, 0x03, 0x03, 0x07, 0x69, 0x33,
    0x32, 0x5f, 0x73, 0x75, 0x62, 0x03, 0x04, 0x07, 0x69, 0x33, 0x32, 0x5f,
    0x6d, 0x75, 0x6c, 0x03, 0x05, 0x07, 0x69, 0x36, 0x34, 0x5f, 0x61, 0x64,
    0x64, 0x03, 0x06, 0x07, 0x69, 0x36, 0x34, 0x5f, 0x73, 0x75, 0x62, 0x03,
    0x07, 0x07, 0x69, 0x36, 0x34, 0x5f, 0x6d, 0x75, 0x6c, 0x03, 0x08, 0x0c,
    0x69, 0x33, 0x32, 0x5f, 0x61, 0x64, 0x64, 0x5f, 0x77, 0x72, 0x61, 0x70,
    0x03, 0x09, 0x0c, 0x69, 0x33, 0x32, 0x5f, 0x73, 0x75, 0x62, 0x5f, 0x77,
    0x72, 0x61, 0x70, 0x03, 0x0a, 0x0c, 0x69, 0x33, 0x32, 0x5f, 0x6d, 0x75,
    0x6c, 0x5f, 0x77, 0x72, 0x61, 0x70, 0x03, 0x0b, 0x0c, 0x69, 0x36, 0x34,
    0x5f, 0x61, 0x64, 0x64, 0x5f, 0x77, 0x72, 0x61, 0x70, 0x03, 0x0c, 0x0c,
    0x69, 0x36, 0x34, 0x5f, 0x73, 0x75, 0x62, 0x5f, 0x77, 0x72, 0x61, 0x70,
    0x03, 0x0d, 0x0c, 0x69, 0x36, 0x34, 0x5f, 0x6d, 0x75, 0x6c, 0x5f, 0x77,
    0x72, 0x61, 0x70, 0x03, 0x0e, 0x06, 0x6e, 0x65, 0x73, 0x74, 0x65, 0x64,
    0x03, 0x0f, 0x05, 0x6c, 0x6f, 0x61, 0x64, 0x38, 0x00, 0x01, 0x07, 0x63,
    0x61, 0x6c, 0x6c, 0x5f, 0x61, 0x74, 0x00, 0x02, 0x09, 0x0b, 0x01, 0x00,
    0x23, 0x02, 0x41, 0xe1, 0x00, 0x6b, 0x0b, 0x01, 0x00, 0x0a, 0x16, 0x03,
    0x04, 0x00, 0x41, 0x2a, 0x0b, 0x07, 0x00, 0x20, 0x00, 0x2d, 0x00, 0x00,
    0x0b, 0x07, 0x00, 0x20, 0x00, 0x11, 0x00, 0x00, 0x0b, 0x0b, 0x0a, 0x01,
    0x00, 0x23, 0x00, 0x41, 0x10, 0x6a, 0x0b, 0x01, 0x2a,
};

static const uint8_t bad_op_wasm[] = {
    0x00, 0x61, 0x73, 0x6d, 0x01, 0x00, 0x00, 0x00, 0x06, 0x09,
    0x01, 0x7f, 0x00, 0x41, 0x01, 0x41, 0x02, 0x71, 0x0b,
};

static const uint8_t bad_mut_wasm[] = {
    0x00, 0x61, 0x73, 0x6d, 0x01, 0x00, 0x00, 0x00, 0x06, 0x0e, 0x02, 0x7f,
    0x01, 0x41, 0x00, 0x0b, 0x7f, 0x00, 0x23, 0x00, 0x41, 0x01, 0x6a, 0x0b,
};

static const uint8_t bad_type_wasm[] = {
    0x00, 0x61, 0x73, 0x6d, 0x01, 0x00, 0x00, 0x00, 0x06, 0x09,
    0x01, 0x7f, 0x00, 0x42, 0x01, 0x42, 0x02, 0x6a, 0x0b,
};

static const uint8_t bad_fwd_wasm[] = {
    0x00, 0x61, 0x73, 0x6d, 0x01, 0x00, 0x00, 0x00, 0x06, 0x0e, 0x02, 0x7f,
    0x00, 0x23, 0x01, 0x41, 0x01, 0x6a, 0x0b, 0x7f, 0x00, 0x41, 0x00, 0x0b,
};

static const uint8_t bad_data_wasm[] = {
    0x00, 0x61, 0x73, 0x6d, 0x01, 0x00, 0x00, 0x00, 0x05,
    0x03, 0x01, 0x00, 0x01, 0x0b, 0x0a, 0x01, 0x00, 0x42,
    0x01, 0x42, 0x02, 0x7c, 0x0b, 0x01, 0x61,
};

static const uint8_t bad_elem_mut_wasm[] = {
    0x00, 0x61, 0x73, 0x6d, 0x01, 0x00, 0x00, 0x00, 0x01, 0x04,
    0x01, 0x60, 0x00, 0x00, 0x03, 0x02, 0x01, 0x00, 0x04, 0x04,
    0x01, 0x70, 0x00, 0x01, 0x06, 0x06, 0x01, 0x7f, 0x01, 0x41,
    0x00, 0x0b, 0x09, 0x0a, 0x01, 0x00, 0x23, 0x00, 0x41, 0x00,
    0x6a, 0x0b, 0x01, 0x00, 0x0a, 0x04, 0x01, 0x02, 0x00, 0x0b,
};

static const uint8_t defined_wasm[] = {
    0x00, 0x61, 0x73, 0x6d, 0x01, 0x00, 0x00, 0x00, 0x06, 0x0b,
    0x02, 0x7f, 0x00, 0x41, 0x05, 0x0b, 0x7f, 0x00, 0x23, 0x00,
    0x0b, 0x07, 0x05, 0x01, 0x01, 0x67, 0x03, 0x01,
};

/* The imported globals' values, and what the module computes from them
 * (in unsigned types: wasm arithmetic wraps). */
static const uint32_t base = 1000;
static const uint64_t big = UINT64_C(0x123456789);
static const uint32_t k = 100;

static wx_wasm_val global_value(wx_instance *inst, const char *name)
{
    wx_extern e;
    wx_wasm_val v;
    memset(&v, 0, sizeof v);
    bool found =
        wx_instance_export(inst, name, &e) && e.kind == WX_EXTERN_GLOBAL;
    CHECK_MSG(found, "no global %s", name);
    return found ? wx_global_get(e.of.global) : v;
}

static uint32_t g32(wx_instance *inst, const char *name)
{
    return (uint32_t)global_value(inst, name).of.i32;
}

static uint64_t g64(wx_instance *inst, const char *name)
{
    return (uint64_t)global_value(inst, name).of.i64;
}

static int32_t call1(wx_instance *inst, const char *name, int32_t arg)
{
    wx_error err;
    wx_wasm_val a = wx_wasm_i32(arg), r = wx_wasm_i32(-1);
    wx_status s = wx_call(wx_instance_func(inst, name), &a, 1, &r, 1, &err);
    CHECK_MSG(s == WX_OK, "%s: %s", name, err.message);
    return r.of.i32;
}

static void test_values(wx_module *m)
{
    wx_error err;
    wx_linker *l = wx_linker_new(&err);
    if (!l)
        return;
    wx_extern gb = {.kind = WX_EXTERN_GLOBAL};
    wx_extern gg = {.kind = WX_EXTERN_GLOBAL};
    gb.of.global = wx_global_new(wx_wasm_i32((int32_t)base), false, &err);
    gg.of.global = wx_global_new(wx_wasm_i64((int64_t)big), false, &err);
    CHECK(wx_linker_define(l, "env", "base", gb, &err) == WX_OK);
    CHECK(wx_linker_define(l, "env", "big", gg, &err) == WX_OK);
    wx_instance *inst = wx_instantiate(m, l, NULL, &err);
    CHECK_MSG(inst != NULL, "%s", err.message);
    if (inst) {
        CHECK(g32(inst, "i32_add") == base + k);
        CHECK(g32(inst, "i32_sub") == base - 7);
        CHECK(g32(inst, "i32_mul") == k * (uint32_t)-3);
        CHECK(g64(inst, "i64_add") == big + 5);
        CHECK(g64(inst, "i64_sub") == big - 9);
        CHECK(g64(inst, "i64_mul") == big * 3);
        CHECK(g32(inst, "i32_add_wrap") == UINT32_C(0x7fffffff) + 1u);
        CHECK(g32(inst, "i32_sub_wrap") == UINT32_MAX);
        CHECK(g32(inst, "i32_mul_wrap") ==
              (uint32_t)(UINT32_C(0x10000) * UINT32_C(0x10001)));
        CHECK(g64(inst, "i64_add_wrap") == UINT64_C(0x8000000000000000));
        CHECK(g64(inst, "i64_sub_wrap") == UINT64_C(0x7fffffffffffffff));
        CHECK(g64(inst, "i64_mul_wrap") ==
              UINT64_C(0x100000000) * UINT64_C(0x100000001));
        CHECK(g32(inst, "nested") == (base * 2 + (k - 1)) * 3 - k);
        /* The data segment's byte and the element landed where their
         * offsets say, and nowhere else. */
        CHECK(call1(inst, "load8", (int32_t)(base + 16)) == 0x2a);
        CHECK(call1(inst, "load8", (int32_t)(base + 15)) == 0);
        CHECK(call1(inst, "call_at", (int32_t)(k - 97)) == 42);
        wx_wasm_val a = wx_wasm_i32((int32_t)(k - 98)), r;
        CHECK(wx_call(wx_instance_func(inst, "call_at"), &a, 1, &r, 1, &err) ==
                  WX_ETRAP &&
              err.trap == WX_TRAP_UNINITIALIZED_ELEMENT);
        wx_instance_free(inst);
    }
    wx_linker_free(l);
}

/* How the expressions are stored: one instruction inline, as before;
 * only a longer one has ops (white-box). */
static void test_layout(const wx_module *m)
{
    CHECK(m->globals[2].init.kind == WXM_CONST_I32);
    CHECK(m->globals[3].init.kind == WXM_CONST_EXPR &&
          m->globals[3].init.nops == 3 && m->globals[3].init.depth == 2);
    const wxm_const *nested = &m->globals[m->nglobals - 1].init;
    CHECK(nested->kind == WXM_CONST_EXPR && nested->nops == 11 &&
          nested->depth == 3);
    CHECK(m->datas[0].offset.kind == WXM_CONST_EXPR);
    CHECK(m->elems[0].offset.kind == WXM_CONST_EXPR);
    CHECK(m->elems[0].items[0].kind == WXM_CONST_REF_FUNC);
}

/* Loading must fail with `want`, the message naming `words`. */
static void refused(const uint8_t *bytes, size_t len, uint32_t flags,
                    wx_status want, const char *words)
{
    wx_error err;
    wx_load_opts o = {.flags = flags};
    wx_module *m = wx_module_load(bytes, len, &o, &err);
    CHECK_MSG(m == NULL && err.status == want, "%s: got %s: %s", words,
              wx_status_name(err.status), m ? "loaded" : err.message);
    CHECK_MSG(m || strstr(err.message, words), "want \"%s\": %s", words,
              err.message);
    wx_module_free(m);
}

static void test_refused(void)
{
    refused(bad_op_wasm, sizeof bad_op_wasm, 0, WX_EINVALID,
            "constant expression required");
    refused(bad_mut_wasm, sizeof bad_mut_wasm, 0, WX_EINVALID, "is mutable");
    refused(bad_type_wasm, sizeof bad_type_wasm, 0, WX_EINVALID,
            "i32.add expects two i32 operands");
    refused(bad_fwd_wasm, sizeof bad_fwd_wasm, 0, WX_EINVALID,
            "unknown global 1");
    refused(bad_data_wasm, sizeof bad_data_wasm, 0, WX_EINVALID,
            "expected i32 but the constant expression has type i64");
    refused(bad_elem_mut_wasm, sizeof bad_elem_mut_wasm, 0, WX_EINVALID,
            "is mutable");
    /* The 2.0 rules. */
    refused(ce_wasm, sizeof ce_wasm, WX_LOAD_WASM2, WX_EINVALID,
            "constant expression required");
    refused(defined_wasm, sizeof defined_wasm, WX_LOAD_WASM2, WX_EINVALID,
            "unknown global 0");
    wx_module *m = load(defined_wasm, sizeof defined_wasm);
    wx_error err;
    wx_instance *inst = m ? wx_instantiate(m, NULL, NULL, &err) : NULL;
    CHECK(inst != NULL && g32(inst, "g") == 5);
    wx_instance_free(inst);
    wx_module_free(m);
}

/* A module with one i32 global whose initialiser pushes `n` ones and adds
 * them up: its evaluation needs a stack n deep. Returns the length. */
static size_t deep_module(uint8_t *out, uint32_t n)
{
    size_t expr = 2 * (size_t)n + (n - 1) + 1; /* consts, adds, end */
    size_t body = 1 + 2 + expr;                /* count, type, expr */
    size_t len = 0;
    static const uint8_t header[] = {0, 'a', 's', 'm', 1, 0, 0, 0};
    memcpy(out, header, sizeof header);
    len += sizeof header;
    out[len++] = 6; /* global section, its size in LEB128 */
    for (size_t v = body;; v >>= 7) {
        out[len++] = (uint8_t)((v & 0x7f) | (v >= 0x80 ? 0x80 : 0));
        if (v < 0x80)
            break;
    }
    out[len++] = 1;
    out[len++] = 0x7f;
    out[len++] = 0;
    for (uint32_t i = 0; i < n; i++) {
        out[len++] = 0x41;
        out[len++] = 1;
    }
    for (uint32_t i = 1; i < n; i++)
        out[len++] = 0x6a;
    out[len++] = 0x0b;
    return len;
}

/* The evaluation stack is bounded (WXM_MAX_CONST_DEPTH): deeper
 * expressions are refused at load, not overrun at instantiation. */
static void test_depth(void)
{
    static uint8_t bytes[4096];
    size_t len = deep_module(bytes, WXM_MAX_CONST_DEPTH);
    wx_module *m = load(bytes, len);
    wx_error err;
    wx_instance *inst = m ? wx_instantiate(m, NULL, NULL, &err) : NULL;
    CHECK(inst != NULL);
    wx_instance_free(inst);
    wx_module_free(m);
    len = deep_module(bytes, WXM_MAX_CONST_DEPTH + 1);
    m = wx_module_load(bytes, len, NULL, &err);
    CHECK_MSG(m == NULL && err.status == WX_ELIMIT &&
                  strstr(err.message, "too deep"),
              "%s", m ? "loaded" : err.message);
    wx_module_free(m);
}

int main(void)
{
    wx_module *m = load(ce_wasm, sizeof ce_wasm);
    if (m) {
        test_layout(m);
        test_values(m);
        wx_module_free(m);
    }
    test_refused();
    test_depth();
    return CHECK_DONE();
}
