/*
 * Linear memory, tables and globals on their own (no wasm module needed):
 * growth and its limits, zeroed pages, bounds-checked copies, a stable base
 * while growing, table growth and conversions, global mutability.
 */
#include "check.h"
#include "runtime.h"

#include <string.h>

static wx_limits lim(uint64_t min, bool has_max, uint64_t max)
{
    wx_limits l = {.min = min, .max = max, .has_max = has_max};
    return l;
}

static void test_memory_grow(void)
{
    wx_error err;
    wx_error_clear(&err);
    wx_memory *mem = wx_memory_new(lim(1, true, 3), &err);
    CHECK(mem != NULL);
    CHECK(wx_memory_pages(mem) == 1);
    CHECK(wx_memory_size(mem) == 65536);
    uint8_t *base = wx_memory_data(mem);
    base[65535] = 7;

    CHECK(wx_memory_grow(mem, 0) == 1);
    CHECK(wx_memory_grow(mem, 1) == 1);
    CHECK(wx_memory_pages(mem) == 2);
    CHECK(wx_memory_data(mem)[65535] == 7);
    /* New pages read as zero. */
    bool zero = true;
    for (uint32_t i = 65536; i < 2 * 65536; i++)
        zero = zero && wx_memory_data(mem)[i] == 0;
    CHECK(zero);
    /* Beyond the maximum: -1 and nothing changes. */
    CHECK(wx_memory_grow(mem, 2) == -1);
    CHECK(wx_memory_pages(mem) == 2);
    CHECK(wx_memory_grow(mem, UINT32_MAX) == -1);
    CHECK(wx_memory_grow(mem, 1) == 2);
    CHECK(wx_memory_grow(mem, 1) == -1);
    CHECK(wx_memory_pages(mem) == 3);
    CHECK(mem->size == 3u * 65536);
    /* With a reservation, growing never moves the base. */
    if (mem->reserved)
        CHECK(wx_memory_data(mem) == base);
    wx_memory_data(mem)[3 * 65536 - 1] = 1;
    wx_extern_free((wx_extern){.kind = WX_EXTERN_MEMORY, .of.memory = mem});
}

static void test_memory_unbounded(void)
{
    wx_memory *mem = wx_memory_new(lim(0, false, 0), NULL);
    CHECK(mem != NULL);
    CHECK(wx_memory_pages(mem) == 0);
    CHECK(mem->max_pages == 65536);
    CHECK(wx_memory_grow(mem, 65537) == -1);
    CHECK(wx_memory_grow(mem, 16) == 0);
    CHECK(wx_memory_grow(mem, 1024) == 16);
    CHECK(wx_memory_data(mem)[1040u * 65536 - 1] == 0);
    wx_extern_free((wx_extern){.kind = WX_EXTERN_MEMORY, .of.memory = mem});
}

static void test_memory_limits(void)
{
    wx_error err;
    wx_error_clear(&err);
    CHECK(wx_memory_new(lim(2, true, 1), &err) == NULL);
    CHECK(err.status == WX_EARG);
    CHECK(wx_memory_new(lim(65537, false, 0), &err) == NULL);
    CHECK(wx_memory_new(lim(0, true, 65537), &err) == NULL);

    /* An instance cap below the declared minimum is WX_ELIMIT. */
    wx_memory m;
    memset(&m, 0, sizeof m);
    CHECK(wxi_memory_init(&m, lim(4, false, 0), 2, NULL, &err) == WX_ELIMIT);
    CHECK(wxi_memory_init(&m, lim(1, false, 0), 2, NULL, &err) == WX_OK);
    CHECK(m.max_pages == 2);
    CHECK(wxi_memory_grow(&m, 1) == 1);
    CHECK(wxi_memory_grow(&m, 1) == -1);
    wxi_memory_release(&m);
}

static void test_memory_rw(void)
{
    wx_error err;
    wx_error_clear(&err);
    wx_memory *mem = wx_memory_new(lim(1, false, 0), &err);
    const char msg[] = "hello";
    CHECK(wx_memory_write(mem, 100, msg, sizeof msg, &err) == WX_OK);
    char buf[16] = {0};
    CHECK(wx_memory_read(mem, 100, buf, sizeof msg, &err) == WX_OK);
    CHECK(strcmp(buf, "hello") == 0);
    CHECK(wx_memory_write(mem, 65536 - 6, msg, 6, &err) == WX_OK);
    CHECK(wx_memory_write(mem, 65536 - 5, msg, 6, &err) == WX_EARG);
    CHECK(strstr(err.message, "outside") != NULL);
    CHECK(wx_memory_read(mem, 65536, buf, 1, &err) == WX_EARG);
    CHECK(wx_memory_read(mem, 65536, buf, 0, &err) == WX_OK);
    CHECK(wx_memory_read(mem, 65537, buf, 0, &err) == WX_EARG);
    CHECK(wx_memory_read(mem, UINT64_MAX, buf, 2, &err) == WX_EARG);
    CHECK(wx_memory_write(mem, 1, msg, SIZE_MAX, &err) == WX_EARG);
    wx_extern_free((wx_extern){.kind = WX_EXTERN_MEMORY, .of.memory = mem});
}

static wx_status nop_host(wx_host_ctx *ctx, const wx_wasm_val *args,
                          wx_wasm_val *results, void *env)
{
    (void)ctx;
    (void)args;
    (void)results;
    (void)env;
    return WX_OK;
}

static void test_table(void)
{
    wx_error err;
    wx_error_clear(&err);
    CHECK(wx_table_new(WX_I32, lim(1, false, 0), &err) == NULL);
    CHECK(wx_table_new(WX_FUNCREF, lim(3, true, 2), &err) == NULL);
    CHECK(wx_table_new(WX_FUNCREF, lim(20000000, false, 0), &err) == NULL);
    CHECK(err.status == WX_ELIMIT);

    wx_table *t = wx_table_new(WX_FUNCREF, lim(2, true, 5), &err);
    CHECK(t != NULL);
    CHECK(wx_table_size(t) == 2);
    CHECK(wx_table_elem_type(t) == WX_FUNCREF);
    wx_wasm_val v;
    CHECK(wx_table_get(t, 1, &v) && v.type == WX_FUNCREF && !v.of.func);
    CHECK(!wx_table_get(t, 2, &v));

    wx_functype ft = {0, 0, NULL, NULL};
    wx_wasm_func *f = wx_wasm_func_new_host(&ft, nop_host, NULL, &err);
    wx_wasm_val fv = {.type = WX_FUNCREF, .of.func = f};
    CHECK(wx_table_set(t, 0, fv));
    CHECK(!wx_table_set(t, 2, fv));
    CHECK(!wx_table_set(t, 0, wx_wasm_i32(1)));
    CHECK(wx_table_get(t, 0, &v) && v.of.func == f);

    CHECK(wxi_table_grow(t, 2, (wx_slot)(uintptr_t)f) == 2);
    CHECK(wx_table_size(t) == 4);
    CHECK(wx_table_get(t, 3, &v) && v.of.func == f);
    CHECK(wxi_table_grow(t, 2, 0) == -1);
    CHECK(wxi_table_grow(t, 1, 0) == 4);
    CHECK(wxi_table_grow(t, 0, 0) == 5);
    CHECK(wxi_table_grow(t, 1, 0) == -1);
    CHECK(wx_table_get(t, 4, &v) && v.of.func == NULL);
    wx_extern_free((wx_extern){.kind = WX_EXTERN_TABLE, .of.table = t});

    /* Growth many times in small steps; no max means the implementation
     * limit applies. */
    t = wx_table_new(WX_EXTERNREF, lim(0, false, 0), &err);
    bool ok = true;
    for (uint32_t i = 0; i < 1000; i++)
        ok = ok && wxi_table_grow(t, 3, (wx_slot)(i + 1)) == 3 * i;
    CHECK(ok);
    CHECK(wx_table_get(t, 2999, &v) && v.type == WX_EXTERNREF &&
          v.of.ext == (void *)(uintptr_t)1000);
    CHECK(wxi_table_grow(t, UINT32_MAX, 0) == -1);
    wx_extern_free((wx_extern){.kind = WX_EXTERN_TABLE, .of.table = t});
    wx_extern_free((wx_extern){.kind = WX_EXTERN_FUNC, .of.func = f});
}

static void test_global(void)
{
    wx_error err;
    wx_error_clear(&err);
    wx_global *g = wx_global_new(wx_wasm_f32(1.5f), true, &err);
    CHECK(g != NULL && wx_global_mutable(g));
    wx_wasm_val v = wx_global_get(g);
    CHECK(v.type == WX_F32 && v.of.f32 == 1.5f);
    CHECK(g->val == 0x3fc00000u);
    CHECK(wx_global_set(g, wx_wasm_f32(-2.0f), &err) == WX_OK);
    CHECK(wx_global_get(g).of.f32 == -2.0f);
    CHECK(wx_global_set(g, wx_wasm_f64(1.0), &err) == WX_EARG);
    CHECK(strstr(err.message, "f32") != NULL);
    wx_extern_free((wx_extern){.kind = WX_EXTERN_GLOBAL, .of.global = g});

    g = wx_global_new(wx_wasm_i32(-1), false, &err);
    CHECK(g->val == 0xffffffffu); /* i32 zero-extended in its slot */
    CHECK(wx_global_get(g).of.i32 == -1);
    CHECK(wx_global_set(g, wx_wasm_i32(3), &err) == WX_EARG);
    CHECK(wx_global_get(g).of.i32 == -1);
    wx_extern_free((wx_extern){.kind = WX_EXTERN_GLOBAL, .of.global = g});

    g = wx_global_new(wx_wasm_i64(INT64_MIN), true, &err);
    CHECK(wx_global_get(g).of.i64 == INT64_MIN);
    wx_extern_free((wx_extern){.kind = WX_EXTERN_GLOBAL, .of.global = g});
}

int main(void)
{
    test_memory_grow();
    test_memory_unbounded();
    test_memory_limits();
    test_memory_rw();
    test_table();
    test_global();
    return CHECK_DONE();
}
