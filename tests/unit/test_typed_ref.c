/*
 * Typed function references (WebAssembly 3.0): call_ref of a typed local,
 * call_ref of null traps "null function reference" naming the function
 * and the instruction, ten million return_call_ref in constant stack,
 * br_on_null and br_on_non_null both ways, a non-nullable local read
 * before it is set is refused at load, and import linking uses subtyping:
 * a global of type (ref $t) satisfies a funcref import, a funcref one
 * does not satisfy a (ref func) import. The modules were written with
 * wasm-tools 1.263.0 (json-from-wast, our spec converter) from:
 *
 * (module
 *   (type $ll_l (func (param i64 i64) (result i64)))
 *   (type $i_i (func (param i32) (result i32)))
 *   (func $double (export "double") (type $i_i) (i32.add (local.get 0) (local.get 0)))
 *   (elem declare func $tail_sum)
 *   ;; call_ref of a typed local: f(x) through (ref $i_i).
 *   (func (export "call_local") (param $x i32) (result i32)
 *     (local $f (ref null $i_i))
 *     (local.set $f (ref.func $double))
 *     (call_ref $i_i (local.get $x) (local.get $f)))
 *   ;; call_ref of a null reference traps.
 *   (func (export "call_null") (param $x i32) (result i32)
 *     (call_ref $i_i (local.get $x) (ref.null $i_i)))
 *   ;; tail_sum by return_call_ref.
 *   (func $tail_sum (export "tail_sum") (type $ll_l)
 *     (if (result i64) (i64.eqz (local.get 0))
 *       (then (local.get 1))
 *       (else (return_call_ref $ll_l
 *               (i64.sub (local.get 0) (i64.const 1))
 *               (i64.add (local.get 1) (local.get 0))
 *               (ref.func $tail_sum)))))
 *   ;; br_on_null: 1 for null (branch taken), else the callee's result.
 *   (func (export "on_null") (param $null i32) (result i32)
 *     (local $f (ref null $i_i))
 *     (if (i32.eqz (local.get $null)) (then (local.set $f (ref.func $double))))
 *     (block $l
 *       (return (call_ref $i_i (i32.const 21) (br_on_null $l (local.get $f)))))
 *     (i32.const -1))
 *   ;; br_on_non_null: the callee's result when not null (taken), else -1.
 *   (func (export "on_non_null") (param $null i32) (result i32)
 *     (local $f (ref null $i_i))
 *     (if (i32.eqz (local.get $null)) (then (local.set $f (ref.func $double))))
 *     (i32.const 21)
 *     (block $l (result (ref $i_i))
 *       (br_on_non_null $l (local.get $f))
 *       (return (i32.const -1)))
 *     (call_ref $i_i))
 *   (global (export "g") (ref $i_i) (ref.func $double))
 * )
 *
 * (module
 *   (type $i_i (func (param i32) (result i32)))
 *   (func (param i32) (result i32)
 *     (local $f (ref $i_i))
 *     (block (local.set $f (local.get $f)))
 *     (call_ref $i_i (local.get 0) (local.get $f))))
 *
 * (module (global (export "fg") funcref (ref.null func)))
 *
 * (module
 *   (type $i_i (func (param i32) (result i32)))
 *   (import "lib" "g" (global $g funcref)))
 *
 * (module
 *   (import "lib" "fg" (global $g (ref func))))
 */
#include "check.h"
#include "load.h"
#include "runtime.h"
#include "wasmext/engine.h"

#include <stdint.h>
#include <string.h>

static const uint8_t lib_wasm[] = {
    0x00, 0x61, 0x73, 0x6d, 0x01, 0x00, 0x00, 0x00, 0x01, 0x0c, 0x02, 0x60,
    0x02, 0x7e, 0x7e, 0x01, 0x7e, 0x60, 0x01, 0x7f, 0x01, 0x7f, 0x03, 0x07,
    0x06, 0x01, 0x01, 0x01, 0x00, 0x01, 0x01, 0x06, 0x07, 0x01, 0x64, 0x01,
    0x00, 0xd2, 0x00, 0x0b, 0x07, 0x4a, 0x07, 0x06, 0x64, 0x6f, 0x75, 0x62,
    0x6c, 0x65, 0x00, 0x00, 0x0a, 0x63, 0x61, 0x6c, 0x6c, 0x5f, 0x6c, 0x6f,
    0x63, 0x61, 0x6c, 0x00, 0x01, 0x09, 0x63, 0x61, 0x6c, 0x6c, 0x5f, 0x6e,
    0x75, 0x6c, 0x6c, 0x00, 0x02, 0x08, 0x74, 0x61, 0x69, 0x6c, 0x5f, 0x73,
    0x75, 0x6d, 0x00, 0x03, 0x07, 0x6f, 0x6e, 0x5f, 0x6e, 0x75, 0x6c, 0x6c,
    0x00, 0x04, 0x0b, 0x6f, 0x6e, 0x5f, 0x6e, 0x6f, 0x6e, 0x5f, 0x6e, 0x75,
    0x6c, 0x6c, 0x00, 0x05, 0x01, 0x67, 0x03, 0x00, 0x09, 0x05, 0x01, 0x03,
    0x00, 0x01, 0x03, 0x0a, 0x79, 0x06, 0x07, 0x00, 0x20, 0x00, 0x20, 0x00,
    0x6a, 0x0b, 0x0f, 0x01, 0x01, 0x63, 0x01, 0xd2, 0x00, 0x21, 0x01, 0x20,
    0x00, 0x20, 0x01, 0x14, 0x01, 0x0b, 0x08, 0x00, 0x20, 0x00, 0xd0, 0x01,
    0x14, 0x01, 0x0b, 0x19, 0x00, 0x20, 0x00, 0x50, 0x04, 0x7e, 0x20, 0x01,
    0x05, 0x20, 0x00, 0x42, 0x01, 0x7d, 0x20, 0x01, 0x20, 0x00, 0x7c, 0xd2,
    0x03, 0x15, 0x00, 0x0b, 0x0b, 0x1d, 0x01, 0x01, 0x63, 0x01, 0x20, 0x00,
    0x45, 0x04, 0x40, 0xd2, 0x00, 0x21, 0x01, 0x0b, 0x02, 0x40, 0x41, 0x15,
    0x20, 0x01, 0xd5, 0x00, 0x14, 0x01, 0x0f, 0x0b, 0x41, 0x7f, 0x0b, 0x1e,
    0x01, 0x01, 0x63, 0x01, 0x20, 0x00, 0x45, 0x04, 0x40, 0xd2, 0x00, 0x21,
    0x01, 0x0b, 0x41, 0x15, 0x02, 0x64, 0x01, 0x20, 0x01, 0xd6, 0x00, 0x41,
    0x7f, 0x0f, 0x0b, 0x14, 0x01, 0x0b, 0x00, 0x5b, 0x04, 0x6e, 0x61, 0x6d,
    0x65, 0x01, 0x13, 0x02, 0x00, 0x06, 0x64, 0x6f, 0x75, 0x62, 0x6c, 0x65,
    0x03, 0x08, 0x74, 0x61, 0x69, 0x6c, 0x5f, 0x73, 0x75, 0x6d, 0x02, 0x24,
    0x04, 0x01, 0x02, 0x00, 0x01, 0x78, 0x01, 0x01, 0x66, 0x02, 0x01, 0x00,
    0x01, 0x78, 0x04, 0x02, 0x00, 0x04, 0x6e, 0x75, 0x6c, 0x6c, 0x01, 0x01,
    0x66, 0x05, 0x02, 0x00, 0x04, 0x6e, 0x75, 0x6c, 0x6c, 0x01, 0x01, 0x66,
    0x03, 0x0b, 0x02, 0x04, 0x01, 0x01, 0x01, 0x6c, 0x05, 0x01, 0x01, 0x01,
    0x6c, 0x04, 0x0c, 0x02, 0x00, 0x04, 0x6c, 0x6c, 0x5f, 0x6c, 0x01, 0x03,
    0x69, 0x5f, 0x69,
};

static const uint8_t uninit_wasm[] = {
    0x00, 0x61, 0x73, 0x6d, 0x01, 0x00, 0x00, 0x00, 0x01, 0x06, 0x01, 0x60,
    0x01, 0x7f, 0x01, 0x7f, 0x03, 0x02, 0x01, 0x00, 0x0a, 0x14, 0x01, 0x12,
    0x01, 0x01, 0x64, 0x00, 0x02, 0x40, 0x20, 0x01, 0x21, 0x01, 0x0b, 0x20,
    0x00, 0x20, 0x01, 0x14, 0x00, 0x0b, 0x00, 0x15, 0x04, 0x6e, 0x61, 0x6d,
    0x65, 0x02, 0x06, 0x01, 0x00, 0x01, 0x01, 0x01, 0x66, 0x04, 0x06, 0x01,
    0x00, 0x03, 0x69, 0x5f, 0x69,
};

static const uint8_t imp_ok_wasm[] = {
    0x00, 0x61, 0x73, 0x6d, 0x01, 0x00, 0x00, 0x00, 0x01, 0x06, 0x01, 0x60,
    0x01, 0x7f, 0x01, 0x7f, 0x02, 0x0a, 0x01, 0x03, 0x6c, 0x69, 0x62, 0x01,
    0x67, 0x03, 0x70, 0x00, 0x00, 0x13, 0x04, 0x6e, 0x61, 0x6d, 0x65, 0x04,
    0x06, 0x01, 0x00, 0x03, 0x69, 0x5f, 0x69, 0x07, 0x04, 0x01, 0x00, 0x01,
    0x67,
};

static const uint8_t imp_bad_wasm[] = {
    0x00, 0x61, 0x73, 0x6d, 0x01, 0x00, 0x00, 0x00, 0x02, 0x0c, 0x01, 0x03,
    0x6c, 0x69, 0x62, 0x02, 0x66, 0x67, 0x03, 0x64, 0x70, 0x00, 0x00, 0x0b,
    0x04, 0x6e, 0x61, 0x6d, 0x65, 0x07, 0x04, 0x01, 0x00, 0x01, 0x67,
};

static const uint8_t fexp_wasm[] = {
    0x00, 0x61, 0x73, 0x6d, 0x01, 0x00, 0x00, 0x00, 0x06, 0x06, 0x01, 0x70,
    0x00, 0xd0, 0x70, 0x0b, 0x07, 0x06, 0x01, 0x02, 0x66, 0x67, 0x03, 0x00,
};


/* Ten million: far beyond any call depth limit. */
#define DEEP INT64_C(10000000)

static wx_status call1(wx_instance *inst, const char *name, wx_wasm_val arg,
                       wx_wasm_val *res, wx_error *err)
{
    wx_wasm_val a[1] = {arg};
    return call_export(inst, name, a, 1, res, 1, err);
}

static int32_t call_i(wx_instance *inst, const char *name, int32_t x)
{
    wx_error err;
    wx_wasm_val r = wx_wasm_i32(-99);
    CHECK_MSG(call1(inst, name, wx_wasm_i32(x), &r, &err) == WX_OK, "%s: %s",
              name, err.message);
    return r.of.i32;
}

static void test_call_ref(wx_instance *inst)
{
    CHECK(call_i(inst, "call_local", 21) == 42);
    CHECK(call_i(inst, "call_local", -4) == -8);
    /* Null: the trap names call_null and the call_ref instruction. */
    wx_error err;
    wx_wasm_val r;
    CHECK(call1(inst, "call_null", wx_wasm_i32(1), &r, &err) == WX_ETRAP);
    CHECK(err.trap == WX_TRAP_NULL_FUNC_REF);
    CHECK(err.func_index == wx_instance_func(inst, "call_null")->index);
    CHECK_MSG(strstr(err.message, "null function reference") != NULL, "%s",
              err.message);
    /* The offset is that of call_ref (0x14) in the binary. */
    CHECK(err.offset < sizeof lib_wasm && lib_wasm[err.offset] == 0x14);
}

static void test_return_call_ref(wx_instance *inst)
{
    wx_error err;
    wx_wasm_val args[2] = {wx_wasm_i64(DEEP), wx_wasm_i64(0)}, r;
    wx_wasm_func *f = wx_instance_func(inst, "tail_sum");
    CHECK_MSG(wx_call(f, args, 2, &r, 1, &err) == WX_OK, "%s", err.message);
    CHECK(r.of.i64 == DEEP * (DEEP + 1) / 2);
}

static void test_br_on(wx_instance *inst)
{
    /* br_on_null: taken for null (-1 after the block), else falls
     * through to call_ref with the non-null reference. */
    CHECK(call_i(inst, "on_null", 1) == -1);
    CHECK(call_i(inst, "on_null", 0) == 42);
    /* br_on_non_null: taken with the reference, else falls through. */
    CHECK(call_i(inst, "on_non_null", 0) == 42);
    CHECK(call_i(inst, "on_non_null", 1) == -1);
}

static void test_uninitialized_local(void)
{
    wx_error err;
    wx_module *m = wx_module_load(uninit_wasm, sizeof uninit_wasm, NULL, &err);
    CHECK(m == NULL && err.status == WX_EINVALID);
    CHECK_MSG(strstr(err.message, "uninitialized local 1") != NULL, "%s",
              err.message);
    wx_module_free(m);
}

/* A typed global export links to an import of a supertype; the other
 * way round is refused. */
static void test_link_subtyping(wx_instance *lib, wx_instance *fexp)
{
    wx_error err;
    wx_linker *l = wx_linker_new(&err);
    wx_module *ok = load(imp_ok_wasm, sizeof imp_ok_wasm);
    wx_module *bad = load(imp_bad_wasm, sizeof imp_bad_wasm);
    if (!l || !ok || !bad)
        goto out;
    CHECK(wx_linker_define_instance(l, "lib", lib, &err) == WX_OK);
    wx_instance *i1 = wx_instantiate(ok, l, NULL, &err);
    CHECK_MSG(i1 != NULL, "(ref $t) for funcref: %s", err.message);
    wx_instance_free(i1);
    wx_linker_free(l);
    l = wx_linker_new(&err);
    CHECK(wx_linker_define_instance(l, "lib", fexp, &err) == WX_OK);
    wx_instance *i2 = wx_instantiate(bad, l, NULL, &err);
    CHECK(i2 == NULL && err.status == WX_EUNLINKABLE);
    CHECK_MSG(strstr(err.message, "global types differ") != NULL, "%s",
              err.message);
    wx_instance_free(i2);
out:
    wx_linker_free(l);
    wx_module_free(ok);
    wx_module_free(bad);
}

/* By the 2.0 rules, a typed reference type is malformed. */
static void test_wasm2(void)
{
    wx_error err;
    wx_load_opts o = {.flags = WX_LOAD_WASM2};
    wx_module *m = wx_module_load(lib_wasm, sizeof lib_wasm, &o, &err);
    CHECK(m == NULL && err.status == WX_EMALFORMED);
    wx_module_free(m);
}

int main(void)
{
    wx_error err;
    wx_module *m = load(lib_wasm, sizeof lib_wasm);
    wx_module *mf = load(fexp_wasm, sizeof fexp_wasm);
    if (!m || !mf)
        return CHECK_DONE();
    wx_instance *inst = wx_instantiate(m, NULL, NULL, &err);
    CHECK_MSG(inst != NULL, "%s", err.message);
    wx_instance *fexp = wx_instantiate(mf, NULL, NULL, &err);
    CHECK_MSG(fexp != NULL, "%s", err.message);
    if (inst && fexp) {
        test_call_ref(inst);
        test_return_call_ref(inst);
        test_br_on(inst);
        test_link_subtyping(inst, fexp);
    }
    test_uninitialized_local();
    test_wasm2();
    wx_instance_free(fexp);
    wx_instance_free(inst);
    wx_module_free(mf);
    wx_module_free(m);
    return CHECK_DONE();
}
