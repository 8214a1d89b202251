/*
 * Bulk memory and table operations are metered and interruptible in
 * proportion to their size (src/engine/exec.c, WXE_BULK_*): repeated
 * fills of ten million table elements or 16 MiB stop at a pool's timeout
 * and at its fuel, and the chunked operations still do exactly what one
 * memmove or memset would, overlapping copies in both directions
 * included, and trap without writing when out of bounds. The guest is
 * tests/vm/bulk.wat; argv[1] names the directory holding it.
 */
#include "vm_test.h"
#include "check.h"
#include "pool.h"

#include <string.h>
#include <time.h>

#define CHECK_HAS(got, part)                                                  \
    CHECK_MSG(strstr((got), (part)) != NULL, "\"%s\" lacks \"%s\"", (got),    \
              (part))

static wx_module *guest;

static double now_s(void)
{
    struct timespec ts;
    clock_gettime(CLOCK_MONOTONIC, &ts);
    return (double)ts.tv_sec + (double)ts.tv_nsec / 1e9;
}

static wx_status call_reps(wxv_pool *p, const char *fn, int32_t reps,
                           wx_error *err)
{
    wx_wasm_val a = wx_wasm_i32(reps), r = {0};
    return wxv_pool_call(p, fn, &a, 1, &r, 1, err);
}

/* Before chunking, 2000 fills of 10 M elements ran 21 s past a 100 ms
 * timeout and through 1000 units of fuel. */
static void test_stops(void)
{
    const char *fns[] = {"tfill", "mfill"};
    for (int k = 0; k < 2; k++) {
        wx_error err;
        wxv_pool_opts o = {.timeout_ms = 100};
        wxv_pool *p = wxv_pool_new(guest, NULL, &o, &err);
        CHECK_MSG(p != NULL, "%s", err.message);
        if (!p)
            return;
        int timeouts = 0;
        double t0 = now_s();
        timeouts += call_reps(p, fns[k], 2000, &err) == WX_ETIMEOUT;
        CHECK_MSG(timeouts == 1, "%s: %s", fns[k], err.message);
        CHECK_MSG(now_s() - t0 < 10, "%s took %.1f s", fns[k], now_s() - t0);
        wxv_pool_release(p);

        o = (wxv_pool_opts){.instance.fuel = 1000};
        p = wxv_pool_new(guest, NULL, &o, &err);
        CHECK(p != NULL);
        if (!p)
            return;
        CHECK(call_reps(p, fns[k], 2000, &err) == WX_ELIMIT);
        CHECK_HAS(err.message, "fuel exhausted");
        /* Small runs fit: a fill of 16 MiB is 256 units, of 10 M table
         * elements 2441. */
        wxv_pool_release(p);
        o = (wxv_pool_opts){.instance.fuel = 100000};
        p = wxv_pool_new(guest, NULL, &o, &err);
        CHECK(p != NULL);
        if (!p)
            return;
        CHECK_MSG(call_reps(p, fns[k], 2, &err) == WX_OK, "%s", err.message);
        wxv_pool_release(p);
    }
}

static wx_status call3(wx_instance *in, const char *fn, uint32_t a, uint32_t b,
                       uint32_t c, wx_error *err)
{
    wx_wasm_val args[3] = {wx_wasm_i32((int32_t)a), wx_wasm_i32((int32_t)b),
                      wx_wasm_i32((int32_t)c)};
    return wx_call(wx_instance_func(in, fn), args, 3, NULL, 0, err);
}

#define MEM_N (300000u)

static void fill_pattern(uint8_t *p, size_t n)
{
    for (size_t i = 0; i < n; i++)
        p[i] = (uint8_t)(i * 7 + i / 251);
}

/* Chunked copies and fills against memmove and memset. */
static void test_memory_exact(void)
{
    wx_error err;
    wx_instance *in = wx_instantiate(guest, NULL, NULL, &err);
    CHECK_MSG(in != NULL, "%s", err.message);
    if (!in)
        return;
    wx_extern mem;
    CHECK(wx_instance_export(in, "mem", &mem));
    uint8_t *data = wx_memory_data(mem.of.memory);
    static uint8_t want[2 * MEM_N];
    struct {
        uint32_t d, s, n;
    } cases[] = {{1, 0, MEM_N},      {0, 1, MEM_N},      {65536, 0, 200000},
                 {0, 65536, 200000}, {100, 100, 150000}, {3, 70000, 65536}};
    for (size_t k = 0; k < sizeof cases / sizeof cases[0]; k++) {
        fill_pattern(data, sizeof want);
        memcpy(want, data, sizeof want);
        memmove(want + cases[k].d, want + cases[k].s, cases[k].n);
        CHECK(call3(in, "mcopy", cases[k].d, cases[k].s, cases[k].n, &err) ==
              WX_OK);
        CHECK_MSG(memcmp(data, want, sizeof want) == 0, "memory.copy case %zu",
                  k);
    }
    fill_pattern(data, sizeof want);
    memcpy(want, data, sizeof want);
    memset(want + 5, 0xab, 3 * 65536 + 17);
    CHECK(call3(in, "mfill1", 5, 0xab, 3 * 65536 + 17, &err) == WX_OK);
    CHECK(memcmp(data, want, sizeof want) == 0);
    /* Out of bounds: a trap, and nothing written. */
    memcpy(want, data, sizeof want);
    uint32_t size = (uint32_t)wx_memory_size(mem.of.memory);
    CHECK(call3(in, "mfill1", size - 65536 * 2, 0x11, 65536 * 3, &err) ==
          WX_ETRAP);
    CHECK(err.trap == WX_TRAP_MEMORY_OOB);
    CHECK(data[size - 1] != 0x11 && data[size - 65536 * 2] != 0x11);
    CHECK(call3(in, "mcopy", 0, size - 65536, 65536 * 2, &err) == WX_ETRAP);
    CHECK(memcmp(data, want, sizeof want) == 0);
    CHECK(call3(in, "minit", 7, 2, 5, &err) == WX_OK);
    CHECK(memcmp(data + 7, "23456", 5) == 0);
    CHECK(call3(in, "minit", 0, 2, 9, &err) == WX_ETRAP);
    wx_instance_free(in);
}

/* Chunked table copies against memmove of the same references. */
static void test_table_exact(void)
{
    wx_error err;
    wx_instance *in = wx_instantiate(guest, NULL, NULL, &err);
    CHECK_MSG(in != NULL, "%s", err.message);
    if (!in)
        return;
    wx_extern ext;
    CHECK(wx_instance_export(in, "ext", &ext));
    wx_table *t = ext.of.table;
    uint32_t n = wx_table_size(t);
    static uintptr_t want[300000];
    CHECK(n == 300000);
    struct {
        uint32_t d, s, n;
    } cases[] = {{1, 0, 200000},
                 {0, 1, 200000},
                 {5000, 0, 9000},
                 {0, 5000, 9000},
                 {10, 10, 100000}};
    for (size_t k = 0; k < sizeof cases / sizeof cases[0]; k++) {
        for (uint32_t i = 0; i < n; i++) {
            wx_wasm_val v = {.type = WX_EXTERNREF};
            v.of.ext = (void *)(uintptr_t)(i + 1);
            wx_table_set(t, i, v);
            want[i] = i + 1;
        }
        memmove(want + cases[k].d, want + cases[k].s,
                cases[k].n * sizeof want[0]);
        CHECK(call3(in, "tcopy", cases[k].d, cases[k].s, cases[k].n, &err) ==
              WX_OK);
        bool same = true;
        for (uint32_t i = 0; i < n && same; i++) {
            wx_wasm_val v;
            same = wx_table_get(t, i, &v) && (uintptr_t)v.of.ext == want[i];
        }
        CHECK_MSG(same, "table.copy case %zu", k);
    }
    /* Out of bounds: a trap, nothing written. */
    wx_wasm_val two[2] = {wx_wasm_i32(n - 4096), wx_wasm_i32(8192)};
    CHECK(wx_call(wx_instance_func(in, "tfill1"), two, 2, NULL, 0, &err) ==
          WX_ETRAP);
    wx_wasm_val v;
    CHECK(wx_table_get(t, n - 1, &v) && v.of.ext != NULL);
    two[0] = wx_wasm_i32(0);
    CHECK(wx_call(wx_instance_func(in, "tfill1"), two, 2, NULL, 0, &err) ==
          WX_OK);
    CHECK(wx_table_get(t, 8191, &v) && v.of.ext == NULL);
    CHECK(wx_table_get(t, 8192, &v) && v.of.ext != NULL);

    /* table.grow and table.init of the funcref table. */
    wx_wasm_val g = wx_wasm_i32(100000), r;
    CHECK(wx_call(wx_instance_func(in, "tgrow"), &g, 1, &r, 1, &err) ==
              WX_OK &&
          r.of.i32 == 0);
    CHECK(call3(in, "tinit", 99998, 0, 2, &err) == WX_OK);
    CHECK(call3(in, "tinit", 99999, 0, 2, &err) == WX_ETRAP);
    wx_instance_free(in);
}

/* table.grow costs fuel by its size only when it happens. */
static void test_grow_fuel(void)
{
    wx_error err;
    wx_instance_opts io = {.fuel = 100};
    wx_instance *in = wx_instantiate(guest, NULL, &io, &err);
    CHECK(in != NULL);
    if (!in)
        return;
    wx_wasm_val g = wx_wasm_i32(4096 * 50), r;
    CHECK(wx_call(wx_instance_func(in, "tgrow"), &g, 1, &r, 1, &err) == WX_OK);
    uint64_t left = wx_instance_fuel_left(in);
    CHECK_MSG(left <= 50 && left >= 45, "left %llu", (unsigned long long)left);
    g = wx_wasm_i32(-1); /* refused: free */
    CHECK(wx_call(wx_instance_func(in, "tgrow"), &g, 1, &r, 1, &err) ==
              WX_OK &&
          r.of.i32 == -1);
    CHECK(wx_instance_fuel_left(in) == left - 1);
    g = wx_wasm_i32(4096 * 100);
    CHECK(wx_call(wx_instance_func(in, "tgrow"), &g, 1, &r, 1, &err) ==
          WX_ELIMIT);
    wx_instance_free(in);
}

/* Tables count toward the memory cap: 8 bytes an element, so 256 pages
 * (the guest's memory) hold 2097152 elements in a table. */
static void test_table_cap(void)
{
    wx_error err;
    wx_instance_opts io = {.max_memory_pages = 256};
    wx_instance *in = wx_instantiate(guest, NULL, &io, &err);
    CHECK_MSG(in != NULL, "%s", err.message);
    if (!in)
        return;
    wx_wasm_val g = wx_wasm_i32(2097152 + 1), r;
    CHECK(wx_call(wx_instance_func(in, "tgrow"), &g, 1, &r, 1, &err) ==
              WX_OK &&
          r.of.i32 == -1);
    g = wx_wasm_i32(2097152);
    CHECK(wx_call(wx_instance_func(in, "tgrow"), &g, 1, &r, 1, &err) ==
              WX_OK &&
          r.of.i32 == 0);
    g = wx_wasm_i32(1);
    CHECK(wx_call(wx_instance_func(in, "tgrow"), &g, 1, &r, 1, &err) ==
              WX_OK &&
          r.of.i32 == -1);
    wx_instance_free(in);
}

int main(int argc, char **argv)
{
    guest = vmt_load_guest(argc > 1 ? argv[1] : ".", "bulk.wasm");
    test_memory_exact();
    test_table_exact();
    test_grow_fuel();
    test_table_cap();
    test_stops();
    wx_module_free(guest);
    return CHECK_DONE();
}
