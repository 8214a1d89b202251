/*
 * Fuel (engine.h, wx_instance_set_fuel): a loop stops when its budget is
 * used and runs to the end with exactly enough; the default is unlimited;
 * calls, host calls, re-entrant calls and calls into another instance are
 * charged as documented; an instance out of fuel fails every call until it
 * gets a new budget; fuel and interrupts work together; the start function
 * draws on wx_instance_opts.fuel.
 *
 * The unit counts asserted here are the definition in engine.h: one unit
 * per call (the host's included) and per taken branch. The modules, built
 * with wat2wasm 1.0.32:
 *
 * (module
 *   (import "env" "host" (func $host (param i32) (result i32)))
 *   (import "env" "reenter" (func $reenter (param i32) (result i32)))
 *   ;; count(n), n >= 1: the call and n - 1 taken back-edges, n units.
 *   (func $count (export "count") (param $n i32) (result i32) (local $i i32)
 *     (loop $l
 *       (local.set $i (i32.add (local.get $i) (i32.const 1)))
 *       (br_if $l (i32.lt_u (local.get $i) (local.get $n))))
 *     (local.get $i))
 *   (func (export "spin") (loop (br 0)))
 *   (func $leaf (export "leaf") (result i32) (i32.const 7))
 *   ;; calls(n), n >= 1: 1 + n calls + (n - 1) back-edges, 2n units.
 *   (func (export "calls") (param $n i32) (result i32)
 *     (local $i i32) (local $s i32)
 *     (loop $l
 *       (local.set $s (i32.add (local.get $s) (call $leaf)))
 *       (local.set $i (i32.add (local.get $i) (i32.const 1)))
 *       (br_if $l (i32.lt_u (local.get $i) (local.get $n))))
 *     (local.get $s))
 *   ;; host_loop(n), n >= 1: the same with a host function, 2n units.
 *   (func (export "host_loop") (param $n i32) (result i32)
 *     (local $i i32) (local $s i32)
 *     (loop $l
 *       (local.set $s (i32.add (local.get $s) (call $host (local.get $i))))
 *       (local.set $i (i32.add (local.get $i) (i32.const 1)))
 *       (br_if $l (i32.lt_u (local.get $i) (local.get $n))))
 *     (local.get $s))
 *   ;; via_host(n): the host calls count(n) on this instance, n + 2 units.
 *   (func (export "via_host") (param $n i32) (result i32)
 *     (call $reenter (local.get $n))))
 *
 * (module (func $s (loop (br 0))) (start $s))
 *
 * (module
 *   (import "a" "count" (func $count (param i32) (result i32)))
 *   ;; run(n): 1 + the call + count's n - 1 back-edges, n + 1 units.
 *   (func (export "run") (param i32) (result i32)
 *     (call $count (local.get 0))))
 */
#include "check.h"
#include "load.h"
#include "wasmext/engine.h"

#include <pthread.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

static const uint8_t main_wasm[] = {
    0x00, 0x61, 0x73, 0x6d, 0x01, 0x00, 0x00, 0x00, 0x01, 0x0d, 0x03, 0x60,
    0x01, 0x7f, 0x01, 0x7f, 0x60, 0x00, 0x00, 0x60, 0x00, 0x01, 0x7f, 0x02,
    0x1a, 0x02, 0x03, 0x65, 0x6e, 0x76, 0x04, 0x68, 0x6f, 0x73, 0x74, 0x00,
    0x00, 0x03, 0x65, 0x6e, 0x76, 0x07, 0x72, 0x65, 0x65, 0x6e, 0x74, 0x65,
    0x72, 0x00, 0x00, 0x03, 0x07, 0x06, 0x00, 0x01, 0x02, 0x00, 0x00, 0x00,
    0x07, 0x36, 0x06, 0x05, 0x63, 0x6f, 0x75, 0x6e, 0x74, 0x00, 0x02, 0x04,
    0x73, 0x70, 0x69, 0x6e, 0x00, 0x03, 0x04, 0x6c, 0x65, 0x61, 0x66, 0x00,
    0x04, 0x05, 0x63, 0x61, 0x6c, 0x6c, 0x73, 0x00, 0x05, 0x09, 0x68, 0x6f,
    0x73, 0x74, 0x5f, 0x6c, 0x6f, 0x6f, 0x70, 0x00, 0x06, 0x08, 0x76, 0x69,
    0x61, 0x5f, 0x68, 0x6f, 0x73, 0x74, 0x00, 0x07, 0x0a, 0x6d, 0x06, 0x17,
    0x01, 0x01, 0x7f, 0x03, 0x40, 0x20, 0x01, 0x41, 0x01, 0x6a, 0x21, 0x01,
    0x20, 0x01, 0x20, 0x00, 0x49, 0x0d, 0x00, 0x0b, 0x20, 0x01, 0x0b, 0x07,
    0x00, 0x03, 0x40, 0x0c, 0x00, 0x0b, 0x0b, 0x04, 0x00, 0x41, 0x07, 0x0b,
    0x1e, 0x01, 0x02, 0x7f, 0x03, 0x40, 0x20, 0x02, 0x10, 0x04, 0x6a, 0x21,
    0x02, 0x20, 0x01, 0x41, 0x01, 0x6a, 0x21, 0x01, 0x20, 0x01, 0x20, 0x00,
    0x49, 0x0d, 0x00, 0x0b, 0x20, 0x02, 0x0b, 0x20, 0x01, 0x02, 0x7f, 0x03,
    0x40, 0x20, 0x02, 0x20, 0x01, 0x10, 0x00, 0x6a, 0x21, 0x02, 0x20, 0x01,
    0x41, 0x01, 0x6a, 0x21, 0x01, 0x20, 0x01, 0x20, 0x00, 0x49, 0x0d, 0x00,
    0x0b, 0x20, 0x02, 0x0b, 0x06, 0x00, 0x20, 0x00, 0x10, 0x01, 0x0b,
};

static const uint8_t start_wasm[] = {
    0x00, 0x61, 0x73, 0x6d, 0x01, 0x00, 0x00, 0x00, 0x01, 0x04, 0x01, 0x60,
    0x00, 0x00, 0x03, 0x02, 0x01, 0x00, 0x08, 0x01, 0x00, 0x0a, 0x09, 0x01,
    0x07, 0x00, 0x03, 0x40, 0x0c, 0x00, 0x0b, 0x0b,
};

static const uint8_t user_wasm[] = {
    0x00, 0x61, 0x73, 0x6d, 0x01, 0x00, 0x00, 0x00, 0x01, 0x06, 0x01, 0x60,
    0x01, 0x7f, 0x01, 0x7f, 0x02, 0x0b, 0x01, 0x01, 0x61, 0x05, 0x63, 0x6f,
    0x75, 0x6e, 0x74, 0x00, 0x00, 0x03, 0x02, 0x01, 0x00, 0x07, 0x07, 0x01,
    0x03, 0x72, 0x75, 0x6e, 0x00, 0x01, 0x0a, 0x08, 0x01, 0x06, 0x00, 0x20,
    0x00, 0x10, 0x00, 0x0b,
};

#define UNLIMITED UINT64_MAX

typedef struct host_env {
    wx_instance *inst; /* for reenter */
    int host_calls;
    uint64_t set_fuel; /* the next host call sets the caller's fuel */
} host_env;

static wx_status host_fn(wx_host_ctx *ctx, const wx_wasm_val *args,
                         wx_wasm_val *results, void *env)
{
    host_env *he = env;
    he->host_calls++;
    if (he->set_fuel)
        wx_instance_set_fuel(wx_host_instance(ctx), he->set_fuel);
    he->set_fuel = 0;
    results[0] = wx_wasm_i32(args[0].of.i32 + 1);
    return WX_OK;
}

/* Calls count(n) on the same instance, on the same stack. */
static wx_status host_reenter(wx_host_ctx *ctx, const wx_wasm_val *args,
                              wx_wasm_val *results, void *env)
{
    host_env *he = env;
    wx_wasm_func *count = wx_instance_func(he->inst, "count");
    wx_error *err = wx_host_error(ctx);
    return wx_call(count, args, 1, results, 1, err);
}

/* Calls export `name` with one i32 (or none if n < 0); the status, with
 * the result in *out. */
static wx_status call(wx_instance *inst, const char *name, int32_t n,
                      int32_t *out, wx_error *err)
{
    wx_wasm_func *f = wx_instance_func(inst, name);
    if (!f)
        return WX_ENOEXPORT;
    const wx_functype *t = wx_wasm_func_type(f);
    wx_wasm_val a = wx_wasm_i32(n), r = {0};
    wx_status s = wx_call(f, &a, t->nparams, &r, t->nresults, err);
    if (out)
        *out = r.of.i32;
    return s;
}

/* A call that must stop for want of fuel, leaving none. */
static void expect_out(wx_instance *inst, const char *name, int32_t n)
{
    wx_error err;
    wx_error_clear(&err);
    wx_status s = call(inst, name, n, NULL, &err);
    CHECK_MSG(s == WX_ELIMIT, "%s(%d): %s", name, n, wx_status_name(s));
    CHECK(err.trap == WX_TRAP_NONE);
    CHECK_MSG(strstr(err.message, "fuel exhausted") != NULL, "%s",
              err.message);
    CHECK(wx_instance_fuel_left(inst) == 0);
}

/* A call that must succeed with `want`, using exactly `units`. */
static void expect_uses(wx_instance *inst, const char *name, int32_t n,
                        int32_t want, uint64_t units)
{
    wx_error err;
    int32_t got = 0;
    uint64_t before = wx_instance_fuel_left(inst);
    wx_status s = call(inst, name, n, &got, &err);
    CHECK_MSG(s == WX_OK, "%s(%d): %s", name, n, err.message);
    CHECK_MSG(got == want, "%s(%d) = %d, want %d", name, n, got, want);
    uint64_t after = wx_instance_fuel_left(inst);
    CHECK_MSG(before - after == units, "%s(%d) used %llu units, want %llu",
              name, n, (unsigned long long)(before - after),
              (unsigned long long)units);
}

static void test_unlimited(wx_instance *inst)
{
    CHECK(wx_instance_fuel_left(inst) == UNLIMITED);
    int32_t got = 0;
    wx_error err;
    CHECK(call(inst, "count", 3000000, &got, &err) == WX_OK &&
          got == 3000000);
    CHECK(wx_instance_fuel_left(inst) == UNLIMITED);
}

static void test_loops(wx_instance *inst)
{
    /* Exactly enough, then nothing left: the next call fails at once,
     * even one without a loop, until a new budget. */
    wx_instance_set_fuel(inst, 1000);
    CHECK(wx_instance_fuel_left(inst) == 1000);
    expect_uses(inst, "count", 1000, 1000, 1000);
    CHECK(wx_instance_fuel_left(inst) == 0);
    expect_out(inst, "leaf", -1);
    expect_out(inst, "count", 1);

    /* One unit short: stopped inside the loop. */
    wx_instance_set_fuel(inst, 999);
    wx_error err;
    wx_error_clear(&err);
    CHECK(call(inst, "count", 1000, NULL, &err) == WX_ELIMIT);
    CHECK_MSG(strcmp(err.message, "fuel exhausted: all 999 units are used") ==
                  0,
              "%s", err.message);
    CHECK(err.func_index == 2); /* count, after the two imports */
    CHECK(err.offset > 0);
    expect_out(inst, "count", 1);

    /* Across many chunks, and budgets not a multiple of one. */
    wx_instance_set_fuel(inst, 10 * 1024 + 5);
    expect_uses(inst, "count", 10 * 1024 + 5, 10 * 1024 + 5, 10 * 1024 + 5);
    wx_instance_set_fuel(inst, 3000);
    expect_uses(inst, "count", 2000, 2000, 2000);
    expect_uses(inst, "leaf", -1, 7, 1);
    expect_uses(inst, "count", 999, 999, 999);
    CHECK(wx_instance_fuel_left(inst) == 0);
    expect_out(inst, "count", 1);

    /* An endless loop stops, the same way every time. */
    for (int i = 0; i < 2; i++) {
        wx_instance_set_fuel(inst, 5000000);
        expect_out(inst, "spin", -1);
    }

    /* Back to unlimited. */
    wx_instance_set_fuel(inst, 0);
    CHECK(wx_instance_fuel_left(inst) == UNLIMITED);
    expect_uses(inst, "count", 5000, 5000, 0);
}

static void test_calls(wx_instance *inst, host_env *he)
{
    wx_instance_set_fuel(inst, 200);
    expect_uses(inst, "calls", 100, 700, 200);
    expect_out(inst, "calls", 1);
    wx_instance_set_fuel(inst, 199);
    expect_out(inst, "calls", 100);

    /* A host call is a call; one without fuel does not happen. */
    he->host_calls = 0;
    wx_instance_set_fuel(inst, 20);
    expect_uses(inst, "host_loop", 10, 55, 20);
    CHECK(he->host_calls == 10);
    wx_instance_set_fuel(inst, 1);
    he->host_calls = 0;
    expect_out(inst, "host_loop", 1);
    CHECK(he->host_calls == 0);

    /* A host function may give its caller a new budget. */
    wx_instance_set_fuel(inst, 2);
    he->set_fuel = 100;
    wx_error err;
    int32_t got = 0;
    CHECK(call(inst, "host_loop", 3, &got, &err) == WX_OK && got == 6);
    /* After the first iteration's host call: 2 back-edges, 2 host calls. */
    CHECK(wx_instance_fuel_left(inst) == 96);

    /* Re-entering the guest from a host function draws on the same
     * budget; running out inside stops the outer call too. */
    wx_instance_set_fuel(inst, 52);
    expect_uses(inst, "via_host", 50, 50, 52);
    wx_instance_set_fuel(inst, 51);
    expect_out(inst, "via_host", 50);
}

static void test_cross_instance(wx_module *m_user, wx_instance *lib)
{
    wx_error err;
    wx_linker *l = wx_linker_new(&err);
    CHECK(wx_linker_define_instance(l, "a", lib, &err) == WX_OK);
    wx_instance *user = wx_instantiate(m_user, l, NULL, &err);
    CHECK_MSG(user != NULL, "%s", err.message);
    if (!user) {
        wx_linker_free(l);
        return;
    }
    /* The instance the host called pays, whoever's code runs. */
    wx_instance_set_fuel(lib, 5);
    wx_instance_set_fuel(user, 101);
    expect_uses(user, "run", 100, 100, 101);
    CHECK(wx_instance_fuel_left(lib) == 5);
    wx_instance_set_fuel(user, 100);
    expect_out(user, "run", 100);
    wx_instance_set_fuel(lib, 0);
    wx_instance_free(user);
    wx_linker_free(l);
}

static void *interrupt_soon(void *arg)
{
    struct timespec ts = {0, 20 * 1000 * 1000};
    nanosleep(&ts, NULL);
    wx_instance_interrupt(arg);
    return NULL;
}

static void test_interrupt(wx_instance *inst)
{
    wx_error err;
    /* Set before the call: it does not start, and costs nothing. */
    wx_instance_set_fuel(inst, 1000);
    wx_instance_interrupt(inst);
    CHECK(call(inst, "count", 10, NULL, &err) == WX_EINTERRUPTED);
    CHECK(wx_instance_fuel_left(inst) == 1000);
    wx_instance_clear_interrupt(inst);
    expect_uses(inst, "count", 10, 10, 10);

    /* While a metered loop runs: the interrupt stops it before the fuel
     * does, and what it used is counted exactly. */
    const uint64_t budget = UINT64_C(1) << 50;
    wx_instance_set_fuel(inst, budget);
    pthread_t t;
    CHECK(pthread_create(&t, NULL, interrupt_soon, inst) == 0);
    CHECK(call(inst, "spin", -1, NULL, &err) == WX_EINTERRUPTED);
    pthread_join(t, NULL);
    uint64_t left = wx_instance_fuel_left(inst);
    CHECK(left < budget && left > 0);
    wx_instance_clear_interrupt(inst);
    expect_uses(inst, "count", 10, 10, 10);

    /* Both at once: the interrupt is reported. */
    wx_instance_set_fuel(inst, 5);
    expect_out(inst, "spin", -1);
    wx_instance_interrupt(inst);
    CHECK(call(inst, "leaf", -1, NULL, &err) == WX_EINTERRUPTED);
    wx_instance_clear_interrupt(inst);
    expect_out(inst, "leaf", -1);
    wx_instance_set_fuel(inst, 0);
}

static void test_start(wx_module *m_start, wx_module *m_main,
                       wx_linker *l)
{
    /* The budget given at instantiation bounds the start function. */
    wx_error err;
    wx_instance_opts o = {0};
    o.fuel = 100000;
    wx_instance *inst = wx_instantiate(m_start, NULL, &o, &err);
    CHECK(inst == NULL && err.status == WX_ELIMIT);
    CHECK_MSG(strstr(err.message, "fuel exhausted") != NULL, "%s",
              err.message);
    wx_instance_free(inst);

    /* And the calls after it, until it is set again. */
    o.fuel = 30;
    inst = wx_instantiate(m_main, l, &o, &err);
    CHECK_MSG(inst != NULL, "%s", err.message);
    if (!inst)
        return;
    CHECK(wx_instance_fuel_left(inst) == 30);
    expect_uses(inst, "count", 30, 30, 30);
    expect_out(inst, "count", 1);
    wx_instance_free(inst);
}

int main(void)
{
    wx_error err;
    wx_module *m = load(main_wasm, sizeof main_wasm);
    wx_module *m_start = load(start_wasm, sizeof start_wasm);
    wx_module *m_user = load(user_wasm, sizeof user_wasm);
    wx_linker *l = wx_linker_new(&err);
    if (!m || !m_start || !m_user || !l)
        return CHECK_DONE();
    host_env he = {0};
    wx_valtype i32 = WX_I32;
    wx_functype t = {1, 1, &i32, &i32};
    CHECK(wx_linker_define_func(l, "env", "host", &t, host_fn, &he, &err) ==
          WX_OK);
    CHECK(wx_linker_define_func(l, "env", "reenter", &t, host_reenter, &he,
                                &err) == WX_OK);
    wx_instance *inst = wx_instantiate(m, l, NULL, &err);
    CHECK_MSG(inst != NULL, "%s", err.message);
    if (inst) {
        he.inst = inst;
        test_unlimited(inst);
        test_loops(inst);
        test_calls(inst, &he);
        test_cross_instance(m_user, inst);
        test_interrupt(inst);
        wx_instance_free(inst);
    }
    test_start(m_start, m, l);
    wx_linker_free(l);
    wx_module_free(m_user);
    wx_module_free(m_start);
    wx_module_free(m);
    return CHECK_DONE();
}
