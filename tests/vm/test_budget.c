/*
 * Memory budgets (engine.h, "Memory budgets") under pools: every
 * instance's memory and tables are charged when it is made and on every
 * grow, and credited when it is freed; a grow past the budget gives -1
 * (the budget counts the refusal); an instance that does not fit is not
 * made, and a call that needed it fails with WX_ELIMIT naming the
 * budget; once room is back, the next call makes it. The idle trim
 * frees idle instances whose memory grew (never busy ones, never fresh
 * ones), crediting the budget, and the next call makes a fresh one. The
 * guest is tests/vm/budget.wat; argv[1] names its directory.
 */
#include "vm_test.h"
#include "check.h"
#include "pool.h"

#include <string.h>
#include <time.h>

#define MIB (1024u * 1024u)
/* budget.wat: 16 pages and 1024 table elements of 8 bytes. */
#define FRESH (16u * 65536u + 1024u * 8u)

static wx_module *guest;

static int32_t call_i32(wxv_pool *p, const char *name, const wx_wasm_val *args,
                        size_t nargs, wx_error *err)
{
    wx_wasm_val r = {0};
    if (wxv_pool_call(p, name, args, nargs, &r, 1, err) != WX_OK)
        return INT32_MIN;
    return r.of.i32;
}

static uint64_t used(const wx_budget *b)
{
    wx_budget_stats st;
    wx_budget_stats_get(b, &st);
    return st.used;
}

static uint64_t refused(const wx_budget *b)
{
    wx_budget_stats st;
    wx_budget_stats_get(b, &st);
    return st.refused;
}

/* The counter alone: charges within the limit pass, one past it is
 * refused whole and counted, credits give room back. */
static void test_counter(void)
{
    wx_error err;
    wx_budget *b = wx_budget_new(10, &err);
    CHECK(b != NULL);
    CHECK(wx_budget_charge(b, 6));
    CHECK(!wx_budget_charge(b, 5));
    CHECK(used(b) == 6 && refused(b) == 1);
    CHECK(wx_budget_charge(b, 4));
    wx_budget_credit(b, 10);
    CHECK(used(b) == 0);
    CHECK(!wx_budget_charge(b, UINT64_MAX));
    wx_budget_stats st;
    wx_budget_stats_get(b, &st);
    CHECK(st.peak == 10 && st.refused == 2 && st.limit == 10);
    CHECK(wx_budget_charge(NULL, 1)); /* no budget: anything goes */
    wx_budget_release(b);
}

/* Instances charge and credit; a grow past the budget is -1. */
static void test_pool_grow(void)
{
    wx_error err;
    wx_budget *b = wx_budget_new(4 * MIB, &err);
    wxv_pool_opts o = {0};
    o.instance_num = 2;
    o.instance.budget = b;
    wxv_pool *p = wxv_pool_new(guest, NULL, &o, &err);
    CHECK_MSG(p != NULL, "%s", err.message);
    CHECK(used(b) == 2 * FRESH);

    /* 4 MiB less two fresh instances (2 MiB and 16 KiB) leaves room for
     * 31 pages more, not 32: a grow by 32 is refused, memory unchanged. */
    wx_wasm_val a = wx_wasm_i32(32);
    CHECK(call_i32(p, "grow", &a, 1, &err) == -1);
    CHECK(refused(b) == 1);
    CHECK(used(b) == 2 * FRESH);
    a = wx_wasm_i32(31);
    CHECK(call_i32(p, "grow", &a, 1, &err) == 16);
    CHECK(used(b) == 2 * FRESH + 31u * 65536u);
    a = wx_wasm_i32(1);
    CHECK(call_i32(p, "grow", &a, 1, &err) == -1);
    CHECK(refused(b) == 2);

    /* The pool gone, everything is credited back; the budget lives on
     * (the instances held references of their own). */
    wxv_pool_release(p);
    CHECK(used(b) == 0);
    wx_budget_release(b);
}

/* An instance that does not fit is not made: at creation (the pool's
 * creation fails), and when a failed call's instance is replaced (the
 * next call fails with the budget's message, and succeeds once room is
 * back). */
static void test_pool_create(void)
{
    wx_error err;
    wx_budget *b = wx_budget_new(2 * FRESH + 10, &err);
    wxv_pool_opts o = {0};
    o.instance_num = 3;
    o.instance.budget = b;
    CHECK(wxv_pool_new(guest, NULL, &o, &err) == NULL);
    CHECK(err.status == WX_ELIMIT);
    CHECK_MSG(strstr(err.message, "memory budget") != NULL, "%s",
              err.message);
    CHECK(used(b) == 0);

    o.instance_num = 1;
    wxv_pool *p = wxv_pool_new(guest, NULL, &o, &err);
    CHECK_MSG(p != NULL, "%s", err.message);
    /* Someone else takes all but a few bytes: the trapped instance's
     * replacement does not fit. */
    CHECK(wx_budget_charge(b, FRESH));
    wx_budget_set_limit(b, 2 * FRESH - 1);
    wx_wasm_val r;
    CHECK(wxv_pool_call(p, "trap", NULL, 0, &r, 0, &err) == WX_ETRAP);
    CHECK(used(b) == FRESH);
    CHECK(call_i32(p, "size", NULL, 0, &err) == INT32_MIN);
    CHECK(err.status == WX_ELIMIT);
    CHECK_MSG(strstr(err.message, "memory budget: the memory needs") !=
                  NULL,
              "%s", err.message);
    wxv_pool_stats ps;
    wxv_pool_stats_get(p, &ps);
    CHECK(ps.create_failures == 2 && ps.empty == 1);
    /* Room again: the next call makes its instance. */
    wx_budget_set_limit(b, 2 * FRESH);
    CHECK(call_i32(p, "size", NULL, 0, &err) == 16);
    CHECK(used(b) == 2 * FRESH);
    wx_budget_credit(b, FRESH);
    wxv_pool_release(p);
    CHECK(used(b) == 0);
    wx_budget_release(b);
}

/* wxv_pool_trim by hand: what it frees, what it leaves. */
static void test_trim(void)
{
    wx_error err;
    wx_budget *b = wx_budget_new(64 * MIB, &err);
    wxv_pool_opts o = {0};
    o.instance_num = 2;
    o.instance.budget = b;
    wxv_pool *p = wxv_pool_new(guest, NULL, &o, &err);
    CHECK_MSG(p != NULL, "%s", err.message);
    /* Nothing grew: nothing to give back. */
    CHECK(wxv_pool_trim(p, 0) == 0);

    /* An instance grows by 8 MiB while checked out: busy, not trimmed. */
    wxv_lease lease;
    CHECK(wxv_pool_checkout(p, &lease, &err) == WX_OK);
    wx_wasm_val a = wx_wasm_i32(128), r;
    CHECK(wx_call(wx_instance_func(lease.instance, "grow"), &a, 1, &r, 1,
                  &err) == WX_OK &&
          r.of.i32 == 16);
    CHECK(wxv_pool_trim(p, 0) == 0);
    CHECK(wxv_pool_return(p, &lease, WX_OK, &err) == WX_OK);
    CHECK(used(b) == 2 * FRESH + 128u * 65536u);
    /* Used just now: not idle for 60 s. */
    CHECK(wxv_pool_trim(p, 60000) == 0);
    /* Idle now: freed, and the budget gets its memory back. */
    CHECK(wxv_pool_trim(p, 0) == 1);
    CHECK(used(b) == FRESH);
    wxv_pool_stats st;
    wxv_pool_stats_get(p, &st);
    CHECK(st.trimmed == 1 && st.empty == 1 && st.idle == 1);
    /* Calls go on; two at once need both instances, so the empty slot is
     * filled with a fresh one. */
    wxv_lease l1, l2;
    CHECK(wxv_pool_checkout(p, &l1, &err) == WX_OK);
    CHECK(wxv_pool_checkout(p, &l2, &err) == WX_OK);
    CHECK(wx_call(wx_instance_func(l1.instance, "size"), NULL, 0, &r, 1,
                  &err) == WX_OK &&
          r.of.i32 == 16);
    CHECK(wx_call(wx_instance_func(l2.instance, "size"), NULL, 0, &r, 1,
                  &err) == WX_OK &&
          r.of.i32 == 16);
    wxv_pool_return(p, &l1, WX_OK, &err);
    wxv_pool_return(p, &l2, WX_OK, &err);
    CHECK(used(b) == 2 * FRESH);
    wxv_pool_release(p);
    CHECK(used(b) == 0);
    wx_budget_release(b);
}

/* The watchdog trims by itself once an instance has been idle for
 * trim_idle_ms. The wait is bounded (10 s); what is checked is that the
 * trim happened, not when. */
static void test_trim_watchdog(void)
{
    wx_error err;
    wx_budget *b = wx_budget_new(64 * MIB, &err);
    wxv_pool_opts o = {0};
    o.instance_num = 1;
    o.instance.budget = b;
    o.trim_idle_ms = 50;
    wxv_pool *p = wxv_pool_new(guest, NULL, &o, &err);
    CHECK_MSG(p != NULL, "%s", err.message);
    wx_wasm_val a = wx_wasm_i32(64);
    CHECK(call_i32(p, "grow", &a, 1, &err) == 16);
    CHECK(call_i32(p, "touch", NULL, 0, &err) == 80);
    wxv_pool_stats st = {0};
    for (int i = 0; i < 1000 && st.trimmed == 0; i++) {
        struct timespec ts = {0, 10000000};
        nanosleep(&ts, NULL);
        wxv_pool_stats_get(p, &st);
    }
    CHECK(st.trimmed == 1);
    CHECK(used(b) == 0);
    /* The next call makes a fresh instance, at the initial size. */
    CHECK(call_i32(p, "size", NULL, 0, &err) == 16);
    CHECK(used(b) == FRESH);
    wxv_pool_release(p);
    wx_budget_release(b);
}

int main(int argc, char **argv)
{
    guest = vmt_load_guest(argc > 1 ? argv[1] : ".", "budget.wasm");
    test_counter();
    test_pool_grow();
    test_pool_create();
    test_trim();
    test_trim_watchdog();
    wx_module_free(guest);
    return CHECK_DONE();
}
