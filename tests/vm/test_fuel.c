/*
 * Fuel in pools (pool.h, opts.instance.fuel): each lease gets the whole
 * budget afresh; a call that runs out fails with WX_ELIMIT and the
 * pool's message, its instance is replaced and the next call succeeds;
 * the start function and the init hook of a fresh instance are bounded
 * too; fuel and the timeout work side by side. The guests are
 * tests/vm/fuel.wat and fuel_start.wat, assembled at build time; argv[1]
 * names the directory holding them.
 */
#include "vm_test.h"
#include "check.h"
#include "pool.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

static const char *guest_dir = ".";

static wx_module *load_guest(const char *name)
{
    return vmt_load_guest(guest_dir, name);
}

static wx_module *guest;

static wxv_pool *new_pool(const wxv_pool_opts *o)
{
    wx_error err;
    wxv_pool *p = wxv_pool_new(guest, NULL, o, &err);
    if (!p) {
        fprintf(stderr, "wxv_pool_new: %s\n", err.message);
        exit(2);
    }
    return p;
}

/* count(n) or inc() through the pool: the result, or -1 with err set. */
static int32_t count(wxv_pool *p, int32_t n, wx_error *err)
{
    wx_wasm_val a = wx_wasm_i32(n), r = {0};
    if (wxv_pool_call(p, "count", &a, 1, &r, 1, err) != WX_OK)
        return -1;
    return r.of.i32;
}

static int32_t inc(wxv_pool *p, wx_error *err)
{
    wx_wasm_val r = {0};
    if (wxv_pool_call(p, "inc", NULL, 0, &r, 1, err) != WX_OK)
        return -1;
    return r.of.i32;
}

static void expect_fuel_error(const wx_error *err, const char *message)
{
    CHECK(err->status == WX_ELIMIT && err->trap == WX_TRAP_NONE);
    CHECK_MSG(strcmp(err->message, message) == 0, "%s", err->message);
}

static void test_budget_per_call(void)
{
    wxv_pool_opts o = {.instance_num = 1, .instance.fuel = 1000};
    wxv_pool *p = new_pool(&o);
    wx_error err;
    /* Exactly the budget, again and again: it is refilled for each. */
    for (int i = 0; i < 5; i++)
        CHECK(count(p, 1000, &err) == 1000);
    CHECK(inc(p, &err) == 1 && inc(p, &err) == 2);

    /* One unit too many: the call fails, its instance is replaced (the
     * counter starts again), and the next call has its full budget. */
    CHECK(count(p, 1001, &err) == -1);
    expect_fuel_error(&err, "fuel exhausted: the call used its 1000 units "
                            "(limits.fuel)");
    CHECK(inc(p, &err) == 1);
    CHECK(count(p, 1000, &err) == 1000);

    /* An endless loop is stopped the same way. */
    CHECK(wxv_pool_call(p, "spin", NULL, 0, NULL, 0, &err) == WX_ELIMIT);
    expect_fuel_error(&err, "fuel exhausted: the call used its 1000 units "
                            "(limits.fuel)");
    CHECK(inc(p, &err) == 1);

    wxv_pool_stats st;
    wxv_pool_stats_get(p, &st);
    CHECK(st.calls == 12 && st.ok == 10);
    CHECK(st.errors[WXV_ERR_OTHER] == 2 && st.errors[WXV_ERR_TRAP] == 0);
    CHECK(st.replaced == 2 && st.idle == 1);
    wxv_pool_release(p);
}

/* A lease is one call for the budget, whatever it runs on the instance. */
static void test_budget_per_lease(void)
{
    wxv_pool_opts o = {.instance_num = 1, .instance.fuel = 1000};
    wxv_pool *p = new_pool(&o);
    wx_error err;
    uint32_t ci;
    CHECK(wxv_pool_func_index(p, "count", &ci, &err) == WX_OK);

    wxv_lease lease;
    CHECK(wxv_pool_checkout(p, &lease, &err) == WX_OK);
    CHECK(wx_instance_fuel_left(lease.instance) == 1000);
    wx_wasm_val a = wx_wasm_i32(600), r = {0};
    wx_wasm_func *f = wxv_lease_func(&lease, p, ci);
    CHECK(wx_call(f, &a, 1, &r, 1, &err) == WX_OK && r.of.i32 == 600);
    CHECK(wx_instance_fuel_left(lease.instance) == 400);
    wx_status s = wx_call(f, &a, 1, &r, 1, &err);
    CHECK(s == WX_ELIMIT);
    CHECK(wxv_pool_return(p, &lease, s, &err) == WX_ELIMIT);
    expect_fuel_error(&err, "fuel exhausted: the call used its 1000 units "
                            "(limits.fuel)");

    /* The next lease, on the replacement, has all of it. */
    CHECK(wxv_pool_checkout(p, &lease, &err) == WX_OK);
    CHECK(wx_instance_fuel_left(lease.instance) == 1000);
    CHECK(wx_call(wxv_lease_func(&lease, p, ci), &a, 1, &r, 1, &err) ==
          WX_OK);
    CHECK(wxv_pool_return(p, &lease, WX_OK, &err) == WX_OK);

    /* Other errors named WX_ELIMIT keep their own message. */
    CHECK(wxv_pool_checkout(p, &lease, &err) == WX_OK);
    wx_error_set(&err, WX_ELIMIT, "argument 1: too large");
    CHECK(wxv_pool_return(p, &lease, WX_ELIMIT, &err) == WX_ELIMIT);
    CHECK(strcmp(err.message, "argument 1: too large") == 0);
    wxv_pool_release(p);
}

static int hook_calls;

/* The init hook runs count(1000) after the start function used 501. */
static wx_status hook(wx_instance *inst, void *ud, wx_error *err)
{
    (void)ud;
    hook_calls++;
    wx_wasm_val a = wx_wasm_i32(1000), r = {0};
    return wx_call(wx_instance_func(inst, "count"), &a, 1, &r, 1, err);
}

static void test_fresh_instances(void)
{
    /* Start (501 units) and hook (1000) each have a budget of 1000, and
     * so do the replacements. */
    wxv_pool_opts o = {.instance_num = 2, .instance.fuel = 1000,
                       .on_instance = hook};
    hook_calls = 0;
    wxv_pool *p = new_pool(&o);
    wx_error err;
    CHECK(hook_calls == 2);
    CHECK(count(p, 2000, &err) == -1 && err.status == WX_ELIMIT);
    CHECK(hook_calls == 3);
    CHECK(count(p, 1000, &err) == 1000);
    wxv_pool_release(p);

    /* With too little for the start function, the pool cannot be made,
     * and says where the fuel ran out. */
    o = (wxv_pool_opts){.instance.fuel = 500};
    wxv_pool *q = wxv_pool_new(guest, NULL, &o, &err);
    CHECK(q == NULL && err.status == WX_ELIMIT);
    CHECK_MSG(strcmp(err.message, "start function: fuel exhausted: used "
                                  "its 500 units (limits.fuel)") == 0,
              "%s", err.message);
    wxv_pool_release(q);

    /* A start function that never ends stops. */
    wx_module *endless = load_guest("fuel_start.wasm");
    o = (wxv_pool_opts){.instance.fuel = 100000};
    q = wxv_pool_new(endless, NULL, &o, &err);
    CHECK(q == NULL && err.status == WX_ELIMIT);
    wxv_pool_release(q);
    wx_module_free(endless);
}

/* The one that comes first wins; each keeps its own error. */
static void test_with_timeout(void)
{
    wx_error err;
    wxv_pool_opts o = {.instance_num = 1, .timeout_ms = 50,
                       .instance.fuel = UINT64_C(1) << 60};
    wxv_pool *p = new_pool(&o);
    CHECK(wxv_pool_call(p, "spin", NULL, 0, NULL, 0, &err) == WX_ETIMEOUT);
    CHECK(strcmp(err.message, "timeout: call exceeded 50 ms") == 0);
    CHECK(count(p, 100000, &err) == 100000);
    wxv_pool_release(p);

    o.timeout_ms = 60000;
    o.instance.fuel = 100000;
    p = new_pool(&o);
    CHECK(wxv_pool_call(p, "spin", NULL, 0, NULL, 0, &err) == WX_ELIMIT);
    expect_fuel_error(&err, "fuel exhausted: the call used its 100000 units "
                            "(limits.fuel)");
    CHECK(count(p, 100000, &err) == 100000);
    wxv_pool_stats st;
    wxv_pool_stats_get(p, &st);
    CHECK(st.errors[WXV_ERR_TIMEOUT] == 0 && st.replaced == 1);
    wxv_pool_release(p);
}

/* Without fuel nothing changes: the instances are unmetered. */
static void test_unlimited(void)
{
    wxv_pool_opts o = {.instance_num = 1};
    wxv_pool *p = new_pool(&o);
    wx_error err;
    CHECK(count(p, 5000000, &err) == 5000000);
    wxv_lease lease;
    CHECK(wxv_pool_checkout(p, &lease, &err) == WX_OK);
    CHECK(wx_instance_fuel_left(lease.instance) == UINT64_MAX);
    CHECK(wxv_pool_return(p, &lease, WX_OK, &err) == WX_OK);
    wxv_pool_release(p);
}

int main(int argc, char **argv)
{
    if (argc > 1)
        guest_dir = argv[1];
    guest = load_guest("fuel.wasm");
    test_budget_per_call();
    test_budget_per_lease();
    test_fresh_instances();
    test_with_timeout();
    test_unlimited();
    wx_module_free(guest);
    return CHECK_DONE();
}
