/*
 * The manager's memory budget (wx_manager_opts.memory_budget,
 * $WASMEXT_MEMORY_BUDGET, wasmext/defaults.h): all instances of all
 * plugins together. A plugin whose instance_num x memory cap exceeds the
 * budget is refused at add, naming both; an add whose instances do not
 * fit what is left fails naming the budget; a memory.grow past it gives
 * -1; a delete gives the room back; instance_num is at most 64. An idle
 * instance whose memory grew is freed after trim_idle_ms (the process's
 * resident memory drops, the budget is credited) and made again by the
 * next call. A module with two memories counts both at add, and a 64-bit
 * memory is capped and counted as any other. The guest
 * is budget.wat (16 pages to start, at most 256).
 * argv[1] names the guest directory.
 */
#include "fixture.h"

#include <time.h>

#define MIB (1024ull * 1024ull)
/* budget.wat: 16 pages and 1024 table elements of 8 bytes. */
#define FRESH (16ull * 65536ull + 1024ull * 8ull)
#define FUNCS "[\"grow\",\"touch\",\"size\",\"trap\"]"

static wx_budget_stats mem(wx_manager *m)
{
    wx_budget_stats st;
    wx_manager_memory(m, &st);
    return st;
}

static void test_parse(void)
{
    wx_error err;
    uint64_t b = 0;
    CHECK(wx_memory_budget_parse("512M", &b, &err) == WX_OK &&
          b == 512 * MIB);
    CHECK(wx_memory_budget_parse("2G", &b, &err) == WX_OK &&
          b == 2048 * MIB);
    CHECK(wx_memory_budget_parse("3MiB", &b, &err) == WX_OK && b == 3 * MIB);
    CHECK(wx_memory_budget_parse("1048576", &b, &err) == WX_OK && b == MIB);
    CHECK(wx_memory_budget_parse("1k", &b, &err) == WX_EARG);
    CHECK_HAS(err.message, "less than the minimum of 1M");
    CHECK(wx_memory_budget_parse("12X", &b, &err) == WX_EARG);
    CHECK_HAS(err.message, "memory budget \"12X\": expected a number");
    CHECK(wx_memory_budget_parse("", &b, &err) == WX_EARG);
    CHECK(wx_memory_budget_parse("99999999999T", &b, &err) == WX_EARG);
}

/* The environment sets the budget when the options do not. */
static void test_env(void)
{
    wx_error err;
    setenv("WASMEXT_MEMORY_BUDGET", "bogus", 1);
    CHECK(wx_manager_open(fx_path("env.db"), NULL, &err) == NULL);
    CHECK_HAS(err.message, "$WASMEXT_MEMORY_BUDGET: memory budget \"bogus\"");
    setenv("WASMEXT_MEMORY_BUDGET", "3M", 1);
    wx_manager *m = wx_manager_open(fx_path("env.db"), NULL, &err);
    CHECK_MSG(m != NULL, "%s", err.message);
    CHECK(m && mem(m).limit == 3 * MIB);
    wx_manager_close(m);
    wx_manager_opts o = {0};
    o.memory_budget = 5 * MIB;
    m = wx_manager_open(fx_path("env.db"), &o, &err);
    CHECK(m && mem(m).limit == 5 * MIB);
    wx_manager_close(m);
    unsetenv("WASMEXT_MEMORY_BUDGET");
    m = wx_manager_open(fx_path("env.db"), NULL, &err);
    CHECK(m && mem(m).limit <= WX_DEFAULT_MEMORY_BUDGET &&
          mem(m).limit >= WX_MIN_MEMORY_BUDGET);
    wx_manager_close(m);
    o.memory_budget = 1000;
    CHECK(wx_manager_open(fx_path("env.db"), &o, &err) == NULL);
    CHECK_HAS(err.message, "less than the minimum");
}

static void test_budget(void)
{
    wx_error err;
    fx_copy_guest("budget", "budget.wasm");
    wx_manager_opts o = {0};
    o.memory_budget = 8 * MIB;
    wx_manager *m = wx_manager_open(fx_path("budget.db"), &o, &err);
    CHECK_MSG(m != NULL, "%s", err.message);
    if (!m)
        return;
    CHECK(mem(m).limit == 8 * MIB && mem(m).used == 0);

    /* 4 x 2 MiB fits 8 MiB exactly. */
    wx_status s = fx_add(m, "a", "budget.wasm", FUNCS,
                         "\"instance_num\":4,"
                         "\"limits\":{\"memory_pages\":32}",
                         &err);
    CHECK_MSG(s == WX_OK, "%s", err.message);
    CHECK(mem(m).used == 4 * FRESH);

    /* 5 x 2 MiB never can: refused at add, whatever is free. */
    s = fx_add(m, "b", "budget.wasm", "[\"bsize\"]",
               "\"instance_num\":5,\"limits\":{\"memory_pages\":32}", &err);
    CHECK(s == WX_ELIMIT);
    CHECK_HAS(err.message, "instance_num 5 x 2 MiB of memory per instance "
                           "(limits.memory_pages 32) is 10 MiB, more than "
                           "the memory budget of 8 MiB");
    CHECK_HAS(err.message, "--memory-budget");
    /* Without a cap of its own, the module's maximum (256 pages, 16 MiB)
     * is what an instance may take. */
    s = fx_add(m, "b", "budget.wasm", "[\"bsize\"]",
               "\"limits\":{\"memory_pages\":0}", &err);
    CHECK(s == WX_ELIMIT);
    CHECK_HAS(err.message, "instance_num 1 x 16 MiB of memory per instance "
                           "(the module's declared maximum of 256 pages)");
    /* The default cap, 512 pages, is lowered to the module's 256 too. */
    s = fx_add(m, "b", "budget.wasm", "[\"bsize\"]", "", &err);
    CHECK(s == WX_ELIMIT);
    CHECK_HAS(err.message, "(the module's declared maximum of 256 pages)");
    s = fx_add(m, "b", "budget.wasm", "[\"bsize\"]",
               "\"instance_num\":9,\"limits\":{\"memory_pages\":16}", &err);
    CHECK(s == WX_ELIMIT);
    CHECK_HAS(err.message, "(limits.memory_pages 16)");
    s = fx_add(m, "b", "budget.wasm", "[\"bsize\"]", "\"instance_num\":65",
               &err);
    CHECK(s == WX_EARG);
    CHECK_HAS(err.message, "instance_num: 65 is more than the maximum of 64");
    CHECK(mem(m).used == 4 * FRESH);

    /* Growing: a's instance to its cap (1 MiB more). */
    CHECK_STR(fx_call(m, NULL, "a.grow", "[16]"), "[16]");
    CHECK_STR(fx_call(m, NULL, "a.grow", "[1]"), "[-1]"); /* its own cap */
    CHECK(mem(m).used == 4 * FRESH + MIB);
    /* c: 2 x 4 MiB fits the budget; its two fresh instances fit what is
     * left (8 MiB - 5 MiB - 64 KiB); a grow by 2 MiB does not: -1, and
     * the budget counts it. */
    s = fx_add(m, "c", "budget.wasm", "[\"cgrow\"]",
               "\"instance_num\":2,\"limits\":{\"memory_pages\":64}", &err);
    CHECK_MSG(s == WX_OK, "%s", err.message);
    uint64_t refused = mem(m).refused;
    CHECK_STR(fx_call(m, NULL, "c.cgrow", "[32]"), "[-1]");
    CHECK(mem(m).refused == refused + 1);
    CHECK(mem(m).used == 6 * FRESH + MIB);

    /* d's one instance (1 MiB) does not fit the 0.9 MiB left: the add
     * fails naming the budget, and nothing is charged. */
    s = fx_add(m, "d", "budget.wasm", "[\"dsize\"]",
               "\"limits\":{\"memory_pages\":16}", &err);
    CHECK(s == WX_ELIMIT);
    CHECK_HAS(err.message, "memory budget: the memory needs 1048576 bytes");
    CHECK_HAS(err.message, "--memory-budget");
    CHECK(mem(m).used == 6 * FRESH + MIB);

    /* A delete gives its instances' memory back; then d fits. */
    CHECK(wx_manager_delete(m, "c", &err) == WX_OK);
    CHECK(mem(m).used == 4 * FRESH + MIB);
    s = fx_add(m, "d", "budget.wasm", "[\"dsize\"]",
               "\"limits\":{\"memory_pages\":16}", &err);
    CHECK_MSG(s == WX_OK, "%s", err.message);
    CHECK(mem(m).peak <= 8 * MIB);
    wx_manager_close(m);
}

/* multi.wat (WebAssembly 3.0, wat2wasm --enable-multi-memory), written
 * out by the test:
 * (module
 *   (memory (export "memory") 1 256)
 *   (memory $m1 1 256)
 *   (func (export "grow1") (param i32) (result i32)
 *     (memory.grow $m1 (local.get 0))))
 */
static const unsigned char multi_wasm[] = {
    0x00, 0x61, 0x73, 0x6d, 0x01, 0x00, 0x00, 0x00, 0x01, 0x06, 0x01, 0x60,
    0x01, 0x7f, 0x01, 0x7f, 0x03, 0x02, 0x01, 0x00, 0x05, 0x09, 0x02, 0x01,
    0x01, 0x80, 0x02, 0x01, 0x01, 0x80, 0x02, 0x07, 0x12, 0x02, 0x06, 0x6d,
    0x65, 0x6d, 0x6f, 0x72, 0x79, 0x02, 0x00, 0x05, 0x67, 0x72, 0x6f, 0x77,
    0x31, 0x00, 0x00, 0x0a, 0x08, 0x01, 0x06, 0x00, 0x20, 0x00, 0x40, 0x01,
    0x0b,
};

/* A module with two memories: limits.memory_pages caps each, so an
 * instance may hold twice the cap, which the check at add counts; memory
 * 1 grows to the cap and no further, charged to the budget. */
static void test_multi_memory(void)
{
    wx_error err;
    fx_write(fx_path("multi.wasm"), multi_wasm, sizeof multi_wasm);
    wx_manager_opts o = {0};
    o.memory_budget = 8 * MIB;
    wx_manager *m = wx_manager_open(fx_path("multi.db"), &o, &err);
    CHECK_MSG(m != NULL, "%s", err.message);
    if (!m)
        return;
    /* 5 x (2 x 1 MiB) is more than 8 MiB. */
    wx_status s = fx_add(m, "mm", "multi.wasm", "[\"grow1\"]",
                         "\"instance_num\":5,"
                         "\"limits\":{\"memory_pages\":16}",
                         &err);
    CHECK(s == WX_ELIMIT);
    CHECK_HAS(err.message, "instance_num 5 x 2 MiB of memory per instance "
                           "(2 memories, 32 pages in all");
    /* 4 fit; each fresh instance holds one page in each memory. */
    s = fx_add(m, "mm", "multi.wasm", "[\"grow1\"]",
               "\"instance_num\":4,\"limits\":{\"memory_pages\":16}",
               &err);
    CHECK_MSG(s == WX_OK, "%s", err.message);
    CHECK(mem(m).used == 4 * 2 * 65536ull);
    CHECK_STR(fx_call(m, NULL, "mm.grow1", "[15]"), "[1]");
    CHECK_STR(fx_call(m, NULL, "mm.grow1", "[1]"), "[-1]");
    CHECK(mem(m).used == 4 * 2 * 65536ull + 15 * 65536ull);
    wx_manager_close(m);
}

/* mem64.wat (WebAssembly 3.0, memory64; wat2wasm --enable-memory64),
 * written out by the test:
 * (module
 *   (memory (export "memory") i64 1 0x10000_0000)
 *   (func (export "grow64") (param i64) (result i64)
 *     (memory.grow (local.get 0))))
 */
static const unsigned char mem64_wasm[] = {
    0x00, 0x61, 0x73, 0x6d, 0x01, 0x00, 0x00, 0x00, 0x01, 0x06, 0x01, 0x60,
    0x01, 0x7e, 0x01, 0x7e, 0x03, 0x02, 0x01, 0x00, 0x05, 0x08, 0x01, 0x05,
    0x01, 0x80, 0x80, 0x80, 0x80, 0x10, 0x07, 0x13, 0x02, 0x06, 0x6d, 0x65,
    0x6d, 0x6f, 0x72, 0x79, 0x02, 0x00, 0x06, 0x67, 0x72, 0x6f, 0x77, 0x36,
    0x34, 0x00, 0x00, 0x0a, 0x08, 0x01, 0x06, 0x00, 0x20, 0x00, 0x40, 0x00,
    0x0b,
};

/* A 64-bit memory (declared maximum 2^32 pages) is capped by
 * limits.memory_pages as any other: counted at add, and its memory.grow
 * (i64 delta and result) stops at the cap, charged to the budget. */
static void test_memory64(void)
{
    wx_error err;
    fx_write(fx_path("mem64.wasm"), mem64_wasm, sizeof mem64_wasm);
    wx_manager_opts o = {0};
    o.memory_budget = 8 * MIB;
    wx_manager *m = wx_manager_open(fx_path("mem64.db"), &o, &err);
    CHECK_MSG(m != NULL, "%s", err.message);
    if (!m)
        return;
    /* 9 x 1 MiB is more than 8 MiB. */
    wx_status s = fx_add(m, "m64", "mem64.wasm", "[\"grow64\"]",
                         "\"instance_num\":9,"
                         "\"limits\":{\"memory_pages\":16}",
                         &err);
    CHECK(s == WX_ELIMIT);
    CHECK_HAS(err.message, "instance_num 9 x 1 MiB of memory per instance "
                           "(limits.memory_pages 16)");
    s = fx_add(m, "m64", "mem64.wasm", "[\"grow64\"]",
               "\"instance_num\":2,\"limits\":{\"memory_pages\":16}",
               &err);
    CHECK_MSG(s == WX_OK, "%s", err.message);
    CHECK(mem(m).used == 2 * 65536ull);
    CHECK_STR(fx_call(m, NULL, "m64.grow64", "[15]"), "[1]");
    CHECK_STR(fx_call(m, NULL, "m64.grow64", "[1]"), "[-1]");
    CHECK_STR(fx_call(m, NULL, "m64.grow64", "[4294967296]"), "[-1]");
    CHECK(mem(m).used == 2 * 65536ull + 15 * 65536ull);
    wx_manager_close(m);
}

/* Resident memory of this process, in bytes (/proc/self/statm). */
static uint64_t rss(void)
{
    FILE *f = fopen("/proc/self/statm", "r");
    unsigned long size = 0, res = 0;
    if (!f || fscanf(f, "%lu %lu", &size, &res) != 2)
        res = 0;
    if (f)
        fclose(f);
    return (uint64_t)res * (uint64_t)sysconf(_SC_PAGE_SIZE);
}

static json_int_t trimmed(wx_manager *m, const char *name)
{
    json_t *show = fx_json(manager_show(m, name, NULL));
    json_int_t n =
        json_integer_value(fx_at(show, "instances", "trimmed", NULL));
    json_decref(show);
    return n;
}

/* A burst grows an instance by 12 MiB and touches every page; once idle,
 * it is freed and the memory goes back to the system. The thresholds are
 * generous (10 MiB up, 8 MiB down), and the wait bounded (10 s): what is
 * checked is that the trim happened. */
static void test_trim(void)
{
    wx_error err;
    fx_copy_guest("budget", "budget.wasm");
    wx_manager_opts o = {0};
    o.trim_idle_ms = 100;
    wx_manager *m = wx_manager_open(fx_path("trim.db"), &o, &err);
    CHECK_MSG(m != NULL, "%s", err.message);
    if (!m)
        return;
    CHECK(fx_add(m, "t", "budget.wasm", FUNCS, "", &err) == WX_OK);
    uint64_t used0 = mem(m).used;
    uint64_t before = rss();
    CHECK_STR(fx_call(m, NULL, "grow", "[192]"), "[16]");
    CHECK_STR(fx_call(m, NULL, "touch", "[]"), "[208]");
    uint64_t peak = rss();
    CHECK_MSG(peak >= before + 10 * MIB, "rss %llu -> %llu",
              (unsigned long long)before, (unsigned long long)peak);
    CHECK(mem(m).used == used0 + 192 * 65536ull);
    for (int i = 0; i < 1000 && trimmed(m, "t") == 0; i++) {
        struct timespec ts = {0, 10000000};
        nanosleep(&ts, NULL);
    }
    CHECK(trimmed(m, "t") == 1);
    uint64_t after = rss();
    CHECK_MSG(after + 8 * MIB <= peak, "rss %llu after the trim, %llu at "
                                       "the peak",
              (unsigned long long)after, (unsigned long long)peak);
    CHECK(mem(m).used == used0 - FRESH);
    /* The next call makes the instance again, fresh. */
    CHECK_STR(fx_call(m, NULL, "size", "[]"), "[16]");
    CHECK(mem(m).used == used0);

    /* trim_idle_ms UINT32_MAX: never. */
    wx_manager_close(m);
    o.trim_idle_ms = UINT32_MAX;
    m = wx_manager_open(fx_path("trim.db"), &o, &err);
    CHECK_STR(fx_call(m, NULL, "grow", "[16]"), "[16]");
    struct timespec ts = {0, 300000000};
    nanosleep(&ts, NULL);
    CHECK(trimmed(m, "t") == 0);
    wx_manager_close(m);
}

int main(int argc, char **argv)
{
    fx_setup(argc, argv);
    test_parse();
    test_env();
    test_budget();
    test_multi_memory();
    test_memory64();
    test_trim();
    fx_teardown();
    return CHECK_DONE();
}
