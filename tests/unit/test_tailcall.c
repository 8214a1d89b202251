/*
 * Tail calls (WebAssembly 3.0: return_call, return_call_indirect): ten
 * million tail calls run with the default limits where the same recursion
 * with call exhausts the stack; they are charged fuel like calls, so fuel
 * and an interrupt stop an endless chain; a tail call of a host function
 * returns its results; return_call_indirect checks the table as
 * call_indirect does; a tail call into another instance goes on there and
 * its return restores the caller's instance; traps name the function and
 * the instruction. Built with wat2wasm 1.0.32 --enable-tail-call:
 *
 * (module
 *   (import "env" "host_add" (func $host_add (param i32 i32) (result i32)))
 *   (import "env" "started" (func $started))
 *   (type $ii_i (func (param i32 i32) (result i32)))
 *   (type $ll_l (func (param i64 i64) (result i64)))
 *   (table $t (export "table") 5 funcref)
 *   (elem (table $t) (i32.const 0) func $host_add $add $wrong)
 *   (elem (table $t) (i32.const 4) func $ind_sum)
 *   (global $g i64 (i64.const 1000))
 *   ;; tail_sum(n, acc) = acc + n + (n - 1) + ... + 1, by return_call.
 *   (func $tail_sum (export "tail_sum") (param $n i64) (param $acc i64)
 *     (result i64)
 *     (if (result i64) (i64.eqz (local.get $n))
 *       (then (local.get $acc))
 *       (else (return_call $tail_sum
 *               (i64.sub (local.get $n) (i64.const 1))
 *               (i64.add (local.get $acc) (local.get $n))))))
 *   ;; The same with call: one frame per step.
 *   (func $call_sum (export "call_sum") (param $n i64) (param $acc i64)
 *     (result i64)
 *     (if (result i64) (i64.eqz (local.get $n))
 *       (then (local.get $acc))
 *       (else (call $call_sum
 *               (i64.sub (local.get $n) (i64.const 1))
 *               (i64.add (local.get $acc) (local.get $n))))))
 *   ;; The same through the table (element 4 is $ind_sum).
 *   (func $ind_sum (export "ind_sum") (param $n i64) (param $acc i64)
 *     (result i64)
 *     (if (result i64) (i64.eqz (local.get $n))
 *       (then (local.get $acc))
 *       (else (return_call_indirect $t (type $ll_l)
 *               (i64.sub (local.get $n) (i64.const 1))
 *               (i64.add (local.get $acc) (local.get $n))
 *               (i32.const 4)))))
 *   ;; even/odd by mutual tail calls between frames of different sizes.
 *   (func $even (export "even") (param $n i64) (result i32)
 *     (local i64 i64 i64)
 *     (if (result i32) (i64.eqz (local.get $n))
 *       (then (i32.const 1))
 *       (else (return_call $odd (i64.sub (local.get $n) (i64.const 1))))))
 *   (func $odd (param $n i64) (result i32)
 *     (if (result i32) (i64.eqz (local.get $n))
 *       (then (i32.const 0))
 *       (else (return_call $even (i64.sub (local.get $n) (i64.const 1))))))
 *   ;; Never returns: only fuel or an interrupt ends it.
 *   (func $spin (export "spin") (param $n i64) (param $acc i64) (result i64)
 *     (return_call $spin (i64.add (local.get $n) (i64.const 1))
 *                        (local.get $acc)))
 *   ;; Tells the host it runs, then spins.
 *   (func (export "signal_spin") (result i64)
 *     (call $started)
 *     (return_call $spin (i64.const 0) (i64.const 0)))
 *   ;; A tail call of a host function, from the entry frame and from a
 *   ;; nested one.
 *   (func $to_host (export "to_host") (param i32 i32) (result i32)
 *     (return_call $host_add (local.get 0) (local.get 1)))
 *   (func (export "nested_host") (param i32 i32) (result i32)
 *     (i32.add (call $to_host (local.get 0) (local.get 1)) (i32.const 1)))
 *   ;; return_call_indirect: element i of the table with (a, b).
 *   (func (export "indirect") (param $i i32) (param $a i32) (param $b i32)
 *     (result i32)
 *     (return_call_indirect $t (type $ii_i)
 *       (local.get $a) (local.get $b) (local.get $i)))
 *   (func $add (param i32 i32) (result i32)
 *     (i32.add (local.get 0) (local.get 1)))
 *   (func $wrong (param i32) (result i32) (local.get 0))
 *   ;; A trap in the callee of a tail call names the callee.
 *   (func (export "to_trap") (param i32) (result i32)
 *     (return_call $trapper (local.get 0)))
 *   (func $trapper (param i32) (result i32) (unreachable))
 *   (func (export "lib_global") (result i64) (global.get $g)))
 *
 * (module
 *   (import "lib" "tail_sum" (func $tail_sum (param i64 i64) (result i64)))
 *   (import "lib" "table" (table $t 5 funcref))
 *   (type $ii_i (func (param i32 i32) (result i32)))
 *   (global $g i64 (i64.const 7))
 *   ;; A tail call into the other instance, which goes on there.
 *   (func $via (export "via") (param i64 i64) (result i64)
 *     (return_call $tail_sum (local.get 0) (local.get 1)))
 *   ;; After the other instance returns, this one's globals are back.
 *   (func (export "via_then_global") (param i64) (result i64)
 *     (i64.add (call $via (local.get 0) (i64.const 0)) (global.get $g)))
 *   ;; Through the other instance's table.
 *   (func (export "via_table") (param $i i32) (param $a i32) (param $b i32)
 *     (result i32)
 *     (return_call_indirect $t (type $ii_i)
 *       (local.get $a) (local.get $b) (local.get $i))))
 */
#include "check.h"
#include "load.h"
#include "runtime.h"
#include "wasmext/engine.h"

#include <pthread.h>
#include <stdbool.h>
#include <stdint.h>
#include <string.h>

static const uint8_t lib_wasm[] = {
    0x00, 0x61, 0x73, 0x6d, 0x01, 0x00, 0x00, 0x00, 0x01, 0x25, 0x07, 0x60,
    0x02, 0x7f, 0x7f, 0x01, 0x7f, 0x60, 0x02, 0x7e, 0x7e, 0x01, 0x7e, 0x60,
    0x00, 0x00, 0x60, 0x01, 0x7e, 0x01, 0x7f, 0x60, 0x00, 0x01, 0x7e, 0x60,
    0x03, 0x7f, 0x7f, 0x7f, 0x01, 0x7f, 0x60, 0x01, 0x7f, 0x01, 0x7f, 0x02,
    0x1e, 0x02, 0x03, 0x65, 0x6e, 0x76, 0x08, 0x68, 0x6f, 0x73, 0x74, 0x5f,
    0x61, 0x64, 0x64, 0x00, 0x00, 0x03, 0x65, 0x6e, 0x76, 0x07, 0x73, 0x74,
    0x61, 0x72, 0x74, 0x65, 0x64, 0x00, 0x02, 0x03, 0x10, 0x0f, 0x01, 0x01,
    0x01, 0x03, 0x03, 0x01, 0x04, 0x00, 0x00, 0x05, 0x00, 0x06, 0x06, 0x06,
    0x04, 0x04, 0x04, 0x01, 0x70, 0x00, 0x05, 0x06, 0x07, 0x01, 0x7e, 0x00,
    0x42, 0xe8, 0x07, 0x0b, 0x07, 0x7f, 0x0c, 0x05, 0x74, 0x61, 0x62, 0x6c,
    0x65, 0x01, 0x00, 0x08, 0x74, 0x61, 0x69, 0x6c, 0x5f, 0x73, 0x75, 0x6d,
    0x00, 0x02, 0x08, 0x63, 0x61, 0x6c, 0x6c, 0x5f, 0x73, 0x75, 0x6d, 0x00,
    0x03, 0x07, 0x69, 0x6e, 0x64, 0x5f, 0x73, 0x75, 0x6d, 0x00, 0x04, 0x04,
    0x65, 0x76, 0x65, 0x6e, 0x00, 0x05, 0x04, 0x73, 0x70, 0x69, 0x6e, 0x00,
    0x07, 0x0b, 0x73, 0x69, 0x67, 0x6e, 0x61, 0x6c, 0x5f, 0x73, 0x70, 0x69,
    0x6e, 0x00, 0x08, 0x07, 0x74, 0x6f, 0x5f, 0x68, 0x6f, 0x73, 0x74, 0x00,
    0x09, 0x0b, 0x6e, 0x65, 0x73, 0x74, 0x65, 0x64, 0x5f, 0x68, 0x6f, 0x73,
    0x74, 0x00, 0x0a, 0x08, 0x69, 0x6e, 0x64, 0x69, 0x72, 0x65, 0x63, 0x74,
    0x00, 0x0b, 0x07, 0x74, 0x6f, 0x5f, 0x74, 0x72, 0x61, 0x70, 0x00, 0x0e,
    0x0a, 0x6c, 0x69, 0x62, 0x5f, 0x67, 0x6c, 0x6f, 0x62, 0x61, 0x6c, 0x00,
    0x10, 0x09, 0x0f, 0x02, 0x00, 0x41, 0x00, 0x0b, 0x03, 0x00, 0x0c, 0x0d,
    0x00, 0x41, 0x04, 0x0b, 0x01, 0x04, 0x0a, 0xc9, 0x01, 0x0f, 0x17, 0x00,
    0x20, 0x00, 0x50, 0x04, 0x7e, 0x20, 0x01, 0x05, 0x20, 0x00, 0x42, 0x01,
    0x7d, 0x20, 0x01, 0x20, 0x00, 0x7c, 0x12, 0x02, 0x0b, 0x0b, 0x17, 0x00,
    0x20, 0x00, 0x50, 0x04, 0x7e, 0x20, 0x01, 0x05, 0x20, 0x00, 0x42, 0x01,
    0x7d, 0x20, 0x01, 0x20, 0x00, 0x7c, 0x10, 0x03, 0x0b, 0x0b, 0x1a, 0x00,
    0x20, 0x00, 0x50, 0x04, 0x7e, 0x20, 0x01, 0x05, 0x20, 0x00, 0x42, 0x01,
    0x7d, 0x20, 0x01, 0x20, 0x00, 0x7c, 0x41, 0x04, 0x13, 0x01, 0x00, 0x0b,
    0x0b, 0x14, 0x01, 0x03, 0x7e, 0x20, 0x00, 0x50, 0x04, 0x7f, 0x41, 0x01,
    0x05, 0x20, 0x00, 0x42, 0x01, 0x7d, 0x12, 0x06, 0x0b, 0x0b, 0x12, 0x00,
    0x20, 0x00, 0x50, 0x04, 0x7f, 0x41, 0x00, 0x05, 0x20, 0x00, 0x42, 0x01,
    0x7d, 0x12, 0x05, 0x0b, 0x0b, 0x0b, 0x00, 0x20, 0x00, 0x42, 0x01, 0x7c,
    0x20, 0x01, 0x12, 0x07, 0x0b, 0x0a, 0x00, 0x10, 0x01, 0x42, 0x00, 0x42,
    0x00, 0x12, 0x07, 0x0b, 0x08, 0x00, 0x20, 0x00, 0x20, 0x01, 0x12, 0x00,
    0x0b, 0x0b, 0x00, 0x20, 0x00, 0x20, 0x01, 0x10, 0x09, 0x41, 0x01, 0x6a,
    0x0b, 0x0b, 0x00, 0x20, 0x01, 0x20, 0x02, 0x20, 0x00, 0x13, 0x00, 0x00,
    0x0b, 0x07, 0x00, 0x20, 0x00, 0x20, 0x01, 0x6a, 0x0b, 0x04, 0x00, 0x20,
    0x00, 0x0b, 0x06, 0x00, 0x20, 0x00, 0x12, 0x0f, 0x0b, 0x03, 0x00, 0x00,
    0x0b, 0x04, 0x00, 0x23, 0x00, 0x0b,
};

static const uint8_t user_wasm[] = {
    0x00, 0x61, 0x73, 0x6d, 0x01, 0x00, 0x00, 0x00, 0x01, 0x19, 0x04, 0x60,
    0x02, 0x7f, 0x7f, 0x01, 0x7f, 0x60, 0x02, 0x7e, 0x7e, 0x01, 0x7e, 0x60,
    0x01, 0x7e, 0x01, 0x7e, 0x60, 0x03, 0x7f, 0x7f, 0x7f, 0x01, 0x7f, 0x02,
    0x1e, 0x02, 0x03, 0x6c, 0x69, 0x62, 0x08, 0x74, 0x61, 0x69, 0x6c, 0x5f,
    0x73, 0x75, 0x6d, 0x00, 0x01, 0x03, 0x6c, 0x69, 0x62, 0x05, 0x74, 0x61,
    0x62, 0x6c, 0x65, 0x01, 0x70, 0x00, 0x05, 0x03, 0x04, 0x03, 0x01, 0x02,
    0x03, 0x06, 0x06, 0x01, 0x7e, 0x00, 0x42, 0x07, 0x0b, 0x07, 0x25, 0x03,
    0x03, 0x76, 0x69, 0x61, 0x00, 0x01, 0x0f, 0x76, 0x69, 0x61, 0x5f, 0x74,
    0x68, 0x65, 0x6e, 0x5f, 0x67, 0x6c, 0x6f, 0x62, 0x61, 0x6c, 0x00, 0x02,
    0x09, 0x76, 0x69, 0x61, 0x5f, 0x74, 0x61, 0x62, 0x6c, 0x65, 0x00, 0x03,
    0x0a, 0x22, 0x03, 0x08, 0x00, 0x20, 0x00, 0x20, 0x01, 0x12, 0x00, 0x0b,
    0x0b, 0x00, 0x20, 0x00, 0x42, 0x00, 0x10, 0x01, 0x23, 0x00, 0x7c, 0x0b,
    0x0b, 0x00, 0x20, 0x01, 0x20, 0x02, 0x20, 0x00, 0x13, 0x00, 0x00, 0x0b,
};

/* Ten million: far beyond any call depth limit. */
#define DEEP INT64_C(10000000)

/* n + (n - 1) + ... + 1 */
static int64_t triangle(int64_t n)
{
    return n * (n + 1) / 2;
}

typedef struct host_env {
    int adds;     /* host_add calls */
    bool running; /* signal_spin reached its loop */
    pthread_mutex_t mu;
    pthread_cond_t cv;
} host_env;

static wx_status host_add(wx_host_ctx *ctx, const wx_wasm_val *args,
                          wx_wasm_val *results, void *env)
{
    (void)ctx;
    host_env *he = env;
    he->adds++;
    results[0] = wx_wasm_i32(args[0].of.i32 + args[1].of.i32);
    return WX_OK;
}

static wx_status host_started(wx_host_ctx *ctx, const wx_wasm_val *args,
                              wx_wasm_val *results, void *env)
{
    (void)ctx;
    (void)args;
    (void)results;
    host_env *he = env;
    pthread_mutex_lock(&he->mu);
    he->running = true;
    pthread_cond_signal(&he->cv);
    pthread_mutex_unlock(&he->mu);
    return WX_OK;
}

/* Calls export `name` with the arguments; the status, the first result in
 * *out (when not NULL). */
static wx_status call(wx_instance *inst, const char *name,
                      const wx_wasm_val *args, size_t nargs, wx_wasm_val *out,
                      wx_error *err)
{
    wx_wasm_func *f = wx_instance_func(inst, name);
    CHECK_MSG(f != NULL, "no export %s", name);
    if (!f)
        return WX_ENOEXPORT;
    wx_wasm_val r[1];
    memset(r, 0, sizeof r);
    wx_status s =
        wx_call(f, args, nargs, r, wx_wasm_func_type(f)->nresults, err);
    if (out)
        *out = r[0];
    return s;
}

static wx_status call_ll(wx_instance *inst, const char *name, int64_t a,
                         int64_t b, int64_t *out, wx_error *err)
{
    wx_wasm_val args[2] = {wx_wasm_i64(a), wx_wasm_i64(b)}, r;
    wx_status s = call(inst, name, args, 2, &r, err);
    *out = r.of.i64;
    return s;
}

static wx_status call_iii(wx_instance *inst, const char *name, int32_t a,
                          int32_t b, int32_t c, int32_t *out, wx_error *err)
{
    wx_wasm_val args[3] = {wx_wasm_i32(a), wx_wasm_i32(b), wx_wasm_i32(c)}, r;
    const wx_functype *t = wx_wasm_func_type(wx_instance_func(inst, name));
    wx_status s = call(inst, name, args, t->nparams, &r, err);
    *out = r.of.i32;
    return s;
}

/* The byte at a trap's offset is the trapping instruction's opcode. */
static bool trap_at(const wx_error *err, uint8_t opcode)
{
    return err->offset < sizeof lib_wasm && lib_wasm[err->offset] == opcode;
}

/* Function index of an export (white-box: the engine's own record). */
static uint32_t export_index(wx_instance *inst, const char *name)
{
    const wx_wasm_func *f = wx_instance_func(inst, name);
    return f ? f->index : WX_NO_INDEX;
}

static void test_deep(wx_instance *inst)
{
    wx_error err;
    int64_t r = -1;
    /* Constant space: ten million steps with the default limits. */
    CHECK_MSG(call_ll(inst, "tail_sum", DEEP, 0, &r, &err) == WX_OK, "%s",
              err.message);
    CHECK(r == triangle(DEEP));
    CHECK_MSG(call_ll(inst, "ind_sum", DEEP, 0, &r, &err) == WX_OK, "%s",
              err.message);
    CHECK(r == triangle(DEEP));
    wx_wasm_val n = wx_wasm_i64(DEEP + 1), v;
    CHECK_MSG(call(inst, "even", &n, 1, &v, &err) == WX_OK, "%s", err.message);
    CHECK(v.of.i32 == ((DEEP + 1) % 2 == 0));
    /* The same recursion with call needs a frame per step. */
    CHECK(call_ll(inst, "call_sum", DEEP, 0, &r, &err) == WX_ETRAP);
    CHECK(err.trap == WX_TRAP_STACK_EXHAUSTED);
    CHECK(err.func_index == export_index(inst, "call_sum"));
    /* And the instance works on afterwards. */
    CHECK(call_ll(inst, "call_sum", 100, 0, &r, &err) == WX_OK &&
          r == triangle(100));
}

static void test_host(wx_instance *inst, host_env *he)
{
    wx_error err;
    int32_t r = 0;
    int before = he->adds;
    /* From the entry frame: the results go back to the host. */
    CHECK_MSG(call_iii(inst, "to_host", 30, 12, 0, &r, &err) == WX_OK, "%s",
              err.message);
    CHECK(r == 30 + 12);
    /* From a nested frame: back to the caller, which adds one. */
    CHECK(call_iii(inst, "nested_host", 30, 12, 0, &r, &err) == WX_OK);
    CHECK(r == 30 + 12 + 1);
    /* Element 0 of the table is the host function. */
    CHECK(call_iii(inst, "indirect", 0, 5, 6, &r, &err) == WX_OK);
    CHECK(r == 5 + 6);
    CHECK(he->adds == before + 3);
}

static void test_indirect(wx_instance *inst)
{
    wx_error err;
    int32_t r = 0;
    uint32_t indirect = export_index(inst, "indirect");
    CHECK(call_iii(inst, "indirect", 1, 5, 6, &r, &err) == WX_OK);
    CHECK(r == 5 + 6);
    /* A function of another type. */
    CHECK(call_iii(inst, "indirect", 2, 5, 6, &r, &err) == WX_ETRAP);
    CHECK(err.trap == WX_TRAP_INDIRECT_TYPE);
    CHECK(err.func_index == indirect && trap_at(&err, 0x13));
    /* A null entry. */
    CHECK(call_iii(inst, "indirect", 3, 5, 6, &r, &err) == WX_ETRAP);
    CHECK(err.trap == WX_TRAP_UNINITIALIZED_ELEMENT);
    CHECK(err.func_index == indirect && trap_at(&err, 0x13));
    /* Past the end of the table (5 entries). */
    CHECK(call_iii(inst, "indirect", 5, 5, 6, &r, &err) == WX_ETRAP);
    CHECK(err.trap == WX_TRAP_UNDEFINED_ELEMENT);
    CHECK(err.func_index == indirect && trap_at(&err, 0x13));
    /* A trap in the callee is the callee's (unreachable, 0x00). */
    CHECK(call_iii(inst, "to_trap", 1, 0, 0, &r, &err) == WX_ETRAP);
    CHECK(err.trap == WX_TRAP_UNREACHABLE);
    CHECK(err.func_index != export_index(inst, "to_trap") &&
          err.func_index != WX_NO_INDEX && trap_at(&err, 0x00));
}

static void test_fuel(wx_instance *inst)
{
    wx_error err;
    int64_t r;
    /* A tail call is charged like a call: the units grow by at least one
     * per step, the same for every step. */
    uint64_t used[3];
    for (int k = 0; k < 3; k++) {
        wx_instance_set_fuel(inst, 1000000);
        CHECK(call_ll(inst, "tail_sum", 10 * (k + 1), 0, &r, &err) == WX_OK);
        used[k] = 1000000 - wx_instance_fuel_left(inst);
    }
    CHECK(used[1] - used[0] == used[2] - used[1]);
    CHECK(used[1] - used[0] >= 10);
    /* An endless chain ends when the fuel does. */
    int stopped = 0;
    for (int k = 0; k < 3; k++) {
        wx_instance_set_fuel(inst, 1000u << (4 * k));
        if (call_ll(inst, "spin", 0, 0, &r, &err) == WX_ELIMIT &&
            err.trap == WX_TRAP_NONE && wx_instance_fuel_left(inst) == 0)
            stopped++;
    }
    CHECK(stopped == 3);
    wx_instance_set_fuel(inst, 0);
    CHECK(call_ll(inst, "tail_sum", 10, 0, &r, &err) == WX_OK);
}

static void *interrupt_when_running(void *arg)
{
    void **a = arg;
    host_env *he = a[0];
    pthread_mutex_lock(&he->mu);
    while (!he->running)
        pthread_cond_wait(&he->cv, &he->mu);
    pthread_mutex_unlock(&he->mu);
    wx_instance_interrupt(a[1]);
    return NULL;
}

static void test_interrupt(wx_instance *inst, host_env *he)
{
    wx_error err;
    wx_wasm_val r;
    int interrupted = 0;
    for (int k = 0; k < 3; k++) {
        he->running = false;
        void *arg[2] = {he, inst};
        pthread_t t;
        CHECK(pthread_create(&t, NULL, interrupt_when_running, arg) == 0);
        if (call(inst, "signal_spin", NULL, 0, &r, &err) == WX_EINTERRUPTED)
            interrupted++;
        pthread_join(t, NULL);
        wx_instance_clear_interrupt(inst);
    }
    CHECK(interrupted == 3);
}

static void test_cross_instance(wx_module *m_user, wx_linker *l,
                                wx_instance *lib)
{
    wx_error err;
    CHECK(wx_linker_define_instance(l, "lib", lib, &err) == WX_OK);
    wx_instance *user = wx_instantiate(m_user, l, NULL, &err);
    CHECK_MSG(user != NULL, "%s", err.message);
    if (!user)
        return;
    int64_t r = 0;
    CHECK_MSG(call_ll(user, "via", DEEP, 0, &r, &err) == WX_OK, "%s",
              err.message);
    CHECK(r == triangle(DEEP));
    /* The caller's global (7), not the other instance's (1000). */
    wx_wasm_val n = wx_wasm_i64(100), v;
    CHECK(call(user, "via_then_global", &n, 1, &v, &err) == WX_OK);
    wx_wasm_val g;
    CHECK(call(lib, "lib_global", NULL, 0, &g, &err) == WX_OK);
    CHECK(v.of.i64 == triangle(100) + 7 && g.of.i64 != 7);
    int32_t s = 0;
    CHECK(call_iii(user, "via_table", 1, 20, 22, &s, &err) == WX_OK &&
          s == 20 + 22);
    CHECK(call_iii(user, "via_table", 3, 20, 22, &s, &err) == WX_ETRAP &&
          err.trap == WX_TRAP_UNINITIALIZED_ELEMENT);
    wx_instance_free(user);
}

/* WX_LOAD_WASM2 refuses the 3.0 opcodes as unknown. */
static void test_wasm2(void)
{
    wx_error err;
    wx_load_opts o = {.flags = WX_LOAD_WASM2};
    wx_module *m = wx_module_load(lib_wasm, sizeof lib_wasm, &o, &err);
    CHECK(m == NULL && err.status == WX_EMALFORMED);
    CHECK_MSG(strstr(err.message, "illegal opcode") != NULL, "%s",
              err.message);
    wx_module_free(m);
}

int main(void)
{
    wx_error err;
    host_env he = {0};
    pthread_mutex_init(&he.mu, NULL);
    pthread_cond_init(&he.cv, NULL);
    wx_module *m = load(lib_wasm, sizeof lib_wasm);
    wx_module *m_user = load(user_wasm, sizeof user_wasm);
    wx_linker *l = wx_linker_new(&err);
    if (!m || !m_user || !l)
        return CHECK_DONE();
    wx_valtype ii[2] = {WX_I32, WX_I32};
    wx_functype t_add = {2, 1, ii, ii};
    wx_functype t_void = {0, 0, NULL, NULL};
    CHECK(wx_linker_define_func(l, "env", "host_add", &t_add, host_add, &he,
                                &err) == WX_OK);
    CHECK(wx_linker_define_func(l, "env", "started", &t_void, host_started,
                                &he, &err) == WX_OK);
    wx_instance *inst = wx_instantiate(m, l, NULL, &err);
    CHECK_MSG(inst != NULL, "%s", err.message);
    if (inst) {
        test_deep(inst);
        test_host(inst, &he);
        test_indirect(inst);
        test_fuel(inst);
        test_interrupt(inst, &he);
        test_cross_instance(m_user, l, inst);
        wx_instance_free(inst);
    }
    test_wasm2();
    wx_linker_free(l);
    wx_module_free(m_user);
    wx_module_free(m);
    pthread_cond_destroy(&he.cv);
    pthread_mutex_destroy(&he.mu);
    return CHECK_DONE();
}
