/*
 * The memory ABI through the manager's C API (include/wasmext.h): configs
 * with a "memory" object added to a real SQLite registry, calls through
 * function handles and the instance pool, hostile guests whose failures
 * leave the next call working, config errors that name the field, and
 * the canonical config read back after the registry is reopened.
 */
#include "fixture.h"

static wx_manager *mgr;

/* A JSON call: the results' JSON, or "ERR <status>: <message>". */
static const char *jcall(const char *func, const char *args)
{
    static char buf[600];
    char *out = NULL;
    wx_error err;
    wx_status s = call_json(mgr, NULL, func, args, &out, &err);
    if (s != WX_OK)
        snprintf(buf, sizeof buf, "ERR %s: %s", wx_status_name(s),
                 err.message);
    else
        snprintf(buf, sizeof buf, "%s", out);
    free(out);
    return buf;
}

/* Adds a plugin; "OK" or "ERR <status>: <message>". */
static const char *add(const char *name, const char *wasm,
                       const char *functions, const char *extra)
{
    static char buf[600];
    wx_error err;
    wx_status s = fx_add(mgr, name, wasm, functions, extra, &err);
    if (s == WX_OK)
        return "OK";
    snprintf(buf, sizeof buf, "ERR %s: %s", wx_status_name(s), err.message);
    return buf;
}

#define WAT_HELPERS                                                           \
    "\"alloc\":\"allocate(size)\",\"free\":\"deallocate(ptr, size)\""

static void test_wat(void)
{
    fx_copy_guest("memwat", "memwat.wasm");
    CHECK_STR(
        add("wat", "memwat.wasm",
            "[{\"name\":\"upper\",\"abi\":\"memory\",\"params\":[\"string\"],"
            "\"results\":[\"string\"],\"memory\":{" WAT_HELPERS
            ",\"result\":\"ptr_len\"}},"
            "{\"name\":\"stats\",\"abi\":\"memory\",\"params\":[\"string\"],"
            "\"results\":[\"bytes\"],\"memory\":{" WAT_HELPERS
            ",\"params\":[\"ptr_len\"],\"result\":\"fixed:8\"}},"
            "{\"name\":\"shout_into\",\"abi\":\"memory\","
            "\"params\":[\"string\"],\"results\":[\"string\"],"
            "\"memory\":{" WAT_HELPERS ",\"result\":\"out_buffer:16\"}},"
            "{\"name\":\"motto\",\"abi\":\"memory\",\"params\":[],"
            "\"results\":[\"string\"],\"memory\":{\"free\":\"none\","
            "\"result\":\"cstr\"}},"
            "{\"name\":\"trap_after\",\"abi\":\"memory\","
            "\"params\":[\"string\"],\"results\":[\"string\"],"
            "\"memory\":{" WAT_HELPERS ",\"result\":\"ptr_len\"}},"
            "{\"name\":\"past_end\",\"abi\":\"memory\","
            "\"params\":[\"string\"],\"results\":[\"string\"],"
            "\"memory\":{" WAT_HELPERS ",\"result\":\"ptr_len\"}}]",
            "\"instance_num\":1"),
        "OK");
    CHECK_STR(jcall("upper", "[\"hello\"]"), "[\"HELLO\"]");
    CHECK_STR(jcall("stats", "[\"ab\"]"), "[\"AgAAAMMAAAA=\"]");
    CHECK_STR(jcall("shout_into", "[\"abc\"]"), "[\"ABC\"]");
    CHECK_STR(jcall("shout_into", "[\"fail\"]"),
              "ERR guest: guest error: shout_into returned error code -7");
    CHECK_STR(jcall("motto", "[]"), "[\"static!\"]");
    /* One instance: each failure is followed by a call that works. */
    CHECK_STR(jcall("past_end", "[\"abc\"]"),
              "ERR abi: past_end returned (ptr 65530, len 100), outside "
              "memory (65536 bytes)");
    CHECK_STR(jcall("upper", "[\"next\"]"), "[\"NEXT\"]");
    const char *trap = jcall("trap_after", "[\"abc\"]");
    CHECK_MSG(strncmp(trap, "ERR trap: trap: unreachable", 27) == 0, "got %s",
              trap);
    CHECK_STR(jcall("upper", "[\"next\"]"), "[\"NEXT\"]");
    CHECK_STR(jcall("upper", "[1]"),
              "ERR arg: argument 1: expected a string for string, got 1");
}

static void test_free_trap(void)
{
    CHECK_STR(add("freetrap", "memwat.wasm",
                  "[{\"name\":\"greet\",\"abi\":\"memory\","
                  "\"params\":[\"string\"],\"results\":[\"string\"],"
                  "\"memory\":{\"alloc\":\"allocate(size)\","
                  "\"free\":\"free_trap(ptr, size)\",\"params\":[\"cstr\"],"
                  "\"result\":\"cstr\"}}]",
                  ""),
              "OK");
    const char *r = jcall("greet", "[\"you\"]");
    CHECK_MSG(
        strncmp(r, "ERR trap: greet: after the call: in free_trap(", 46) == 0,
        "got %s", r);
    CHECK_STR(jcall("upper", "[\"other plugins are fine\"]"),
              "[\"OTHER PLUGINS ARE FINE\"]");
}

static void test_c_and_rust(void)
{
    fx_copy_guest("memc", "memc.wasm");
    fx_copy_guest("memrust", "memrust.wasm");
    CHECK_STR(
        add("cmem", "memc.wasm",
            "[{\"name\":\"join\",\"abi\":\"memory\","
            "\"params\":[\"string\",\"string\"],\"results\":[\"string\"],"
            "\"memory\":{\"alloc\":\"alloc_buf(size)\","
            "\"free\":\"free_buf(ptr)\",\"params\":[\"cstr\",\"cstr\"],"
            "\"result\":\"cstr\"}},"
            "{\"name\":\"title\",\"abi\":\"memory\",\"params\":[\"string\"],"
            "\"results\":[\"string\"],\"memory\":{\"alloc\":"
            "\"alloc_buf(size)\",\"free\":\"free_buf(ptr)\","
            "\"result\":\"out_buffer:64\"}}]",
            ""),
        "OK");
    CHECK_STR(jcall("join", "[\"hello\",\"world\"]"), "[\"hello world\"]");
    CHECK_STR(jcall("title", "[\"memory abi\"]"), "[\"Memory Abi\"]");
    CHECK_STR(add("rmem", "memrust.wasm",
                  "[{\"name\":\"shout\",\"abi\":\"memory\","
                  "\"params\":[\"string\"],\"results\":[\"string\"],"
                  "\"memory\":{\"alloc\":\"mem_alloc(size, align)\","
                  "\"free\":\"mem_free(ptr, size, align)\",\"align\":1,"
                  "\"result\":\"ptr_len\"}},"
                  "{\"name\":\"field\",\"abi\":\"memory\","
                  "\"params\":[\"string\",\"u32\"],\"results\":[\"string\"],"
                  "\"memory\":{\"alloc\":\"mem_alloc(size, align)\","
                  "\"free\":\"mem_free(ptr, size, align)\","
                  "\"result\":\"out_buffer:32\"}},"
                  "{\"name\":\"panics\",\"abi\":\"memory\","
                  "\"params\":[\"string\"],\"results\":[\"string\"],"
                  "\"memory\":{\"alloc\":\"mem_alloc(size, align)\","
                  "\"free\":\"mem_free(ptr, size, align)\","
                  "\"result\":\"ptr_len\"}}]",
                  ""),
              "OK");
    CHECK_STR(jcall("shout", "[\"hey\"]"), "[\"HEY!\"]");
    CHECK_STR(jcall("field", "[\"a,bb,ccc\",2]"), "[\"ccc\"]");
    CHECK_STR(jcall("field", "[\"a,bb,ccc\",7]"),
              "ERR guest: guest error: field returned error code -1");
    const char *r = jcall("panics", "[\"x\"]");
    CHECK_MSG(strncmp(r, "ERR trap: ", 10) == 0, "got %s", r);
    CHECK_STR(jcall("shout", "[\"after\"]"), "[\"AFTER!\"]");
}

/* Config errors name the field; module errors name the function. */
static void test_errors(void)
{
#define FN(rest)                                                              \
    "[{\"name\":\"upper\",\"abi\":\"memory\",\"params\":[\"string\"],"        \
    "\"results\":[\"string\"]" rest "}]"
    CHECK_STR(add("e", "memwat.wasm", FN(""), ""),
              "ERR arg: functions[0].memory: required for abi memory (the "
              "allocator, free and each value's shape: docs/memory-abi.md)");
    CHECK_STR(add("e", "memwat.wasm",
                  "[{\"name\":\"upper\",\"abi\":\"cstring\","
                  "\"params\":[\"string\"],\"results\":[\"string\"],"
                  "\"memory\":{}}]",
                  ""),
              "ERR arg: functions[0].memory: only for abi memory (this "
              "function's abi is cstring)");
    CHECK_STR(add("e", "memwat.wasm",
                  FN(",\"memory\":{" WAT_HELPERS ",\"result\":\"ptrlen\"}"),
                  ""),
              "ERR arg: functions[0].memory.result: \"ptrlen\" is not a shape "
              "(choose value, ptr_len, len_ptr, cstr, len_prefixed, fixed:N, "
              "out_buffer:N)");
    CHECK_STR(add("e", "memwat.wasm",
                  FN(",\"memory\":{" WAT_HELPERS ",\"results\":\"cstr\"}"),
                  ""),
              "ERR arg: functions[0].memory.results: unknown key (keys: "
              "alloc, free, align, params, result, free_params, "
              "free_result)");
    CHECK_STR(add("e", "memwat.wasm",
                  FN(",\"memory\":{\"alloc\":\"allocate(size)\","
                     "\"result\":\"ptr_len\"}"),
                  ""),
              "ERR arg: functions[0].memory.free: required: name the guest's "
              "free, or \"none\" when the host is to free nothing");
    CHECK_STR(add("e", "memwat.wasm",
                  FN(",\"memory\":{\"alloc\":\"allocate(size)\","
                     "\"free\":\"none\",\"free_result\":true,"
                     "\"result\":\"ptr_len\"}"),
                  ""),
              "ERR arg: functions[0].memory.free_result: true needs a "
              "memory.free to call");
    CHECK_STR(add("e", "memwat.wasm",
                  FN(",\"memory\":{" WAT_HELPERS ",\"align\":8,"
                     "\"result\":\"ptr_len\"}"),
                  ""),
              "ERR arg: functions[0].memory.align: only for an alloc or free "
              "that takes align");
    CHECK_STR(add("e", "memwat.wasm",
                  FN(",\"memory\":{\"alloc\":\"allocate\","
                     "\"free\":\"none\",\"result\":\"ptr_len\"}"),
                  ""),
              "ERR arg: functions[0].memory.alloc: \"allocate\" is not "
              "\"NAME(size)\" or \"NAME(size, align)\"");
    CHECK_STR(add("e", "memwat.wasm",
                  FN(",\"memory\":{" WAT_HELPERS ",\"params\":[\"value\"],"
                     "\"result\":\"ptr_len\"}"),
                  ""),
              "ERR arg: functions[0].memory.params[0]: \"value\" cannot carry "
              "params[0], a string (it takes a number, bool or char)");
    CHECK_STR(add("e", "memwat.wasm",
                  FN(",\"memory\":{\"alloc\":\"allocate(size, align)\","
                     "\"free\":\"deallocate(ptr, size)\","
                     "\"result\":\"ptr_len\"}"),
                  ""),
              "ERR invalid: functions[0]: memory.alloc: \"allocate(size, "
              "align)\" needs the export \"allocate\" of type (i32, i32) -> "
              "i32, but it is (i32) -> i32");
    CHECK_STR(add("e", "memwat.wasm",
                  FN(",\"memory\":{" WAT_HELPERS ",\"result\":\"cstr\"}"), ""),
              "ERR invalid: functions[0]: memory: \"upper\" has type (i32, "
              "i32) -> (i32, i32), but its params, results and shapes need "
              "(i32, i32) -> i32");
#undef FN
}

/* The stored config is canonical (every setting written out) and loads
 * again when the registry is reopened. */
static void test_reopen(void)
{
    wx_plugin_list list;
    wx_error err;
    CHECK(wx_manager_plugins(mgr, "wat", WX_INFO_DETAIL, &list, &err) ==
          WX_OK);
    json_t *cfg = list.count && list.plugins[0].config
                      ? json_loads(list.plugins[0].config, 0, NULL)
                      : NULL;
    json_t *mem = fx_at(cfg, "functions", "#0", "memory", NULL);
    char *text = mem ? json_dumps(mem, JSON_COMPACT) : NULL;
    CHECK_STR(text ? text : "(null)",
              "{\"alloc\":\"allocate(size)\",\"free\":\"deallocate("
              "ptr, size)\",\"params\":[\"ptr_len\"],\"result\":"
              "\"ptr_len\",\"free_params\":true,\"free_result\":true}");
    free(text);
    json_decref(cfg);
    wx_plugin_list_free(&list);

    wx_manager_close(mgr);
    mgr = wx_manager_open(fx_path("r.db"), NULL, &err);
    CHECK(mgr != NULL);
    if (!mgr)
        return;
    CHECK_STR(jcall("upper", "[\"reopened\"]"), "[\"REOPENED\"]");
    CHECK_STR(jcall("motto", "[]"), "[\"static!\"]");
    CHECK_STR(jcall("field", "[\"x,y\",1]"), "[\"y\"]");
}

int main(int argc, char **argv)
{
    fx_setup(argc, argv);
    wx_error err;
    mgr = wx_manager_open(fx_path("r.db"), NULL, &err);
    if (!mgr) {
        fprintf(stderr, "open: %s\n", err.message);
        fx_teardown();
        return 1;
    }
    test_wat();
    test_free_trap();
    test_c_and_rust();
    test_errors();
    test_reopen();
    wx_manager_close(mgr);
    fx_teardown();
    return CHECK_DONE();
}
