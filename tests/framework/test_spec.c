/*
 * Plugins described in C (wx_plugin_spec, wx_manager_add_spec): a spec
 * registers the same plugin its JSON config would (the canonical configs
 * compare equal), its bad fields get the JSON config's messages, word for
 * word where JSON can say the same thing, and a registry in memory, which
 * keeps no config text, still reports, records and detects a no-op update
 * with the manager's own.
 */
#include "fixture.h"

/* The plugin's canonical config from a detailed report (malloc'd). */
static char *stored_config(wx_manager *m, const char *name)
{
    wx_plugin_list list = {0};
    wx_error err;
    if (wx_manager_plugins(m, name, WX_INFO_DETAIL, &list, &err) != WX_OK ||
        list.count != 1 || !list.plugins[0].config) {
        fprintf(stderr, "no config for %s: %s\n", name, err.message);
        wx_plugin_list_free(&list);
        return NULL;
    }
    char *text = strdup(list.plugins[0].config);
    wx_plugin_list_free(&list);
    return text;
}

static int64_t revision_of(wx_manager *m, const char *name)
{
    wx_plugin_list list = {0};
    int64_t r = -1;
    if (wx_manager_plugins(m, name, 0, &list, NULL) == WX_OK &&
        list.count == 1)
        r = list.plugins[0].revision;
    wx_plugin_list_free(&list);
    return r;
}

static const wx_type two_i32[] = {WX_TYPE_I32, WX_TYPE_I32};
static const wx_type one_i32[] = {WX_TYPE_I32};
static const wx_type one_string[] = {WX_TYPE_STRING};

/* The spec every case starts from, and its JSON twin. */
static wx_function_spec base_fns[2];
static const char *const base_args[] = {"a", "b c"};
static const wx_kv base_env[] = {{"ZED", "2"}, {"ALPHA", "1"}};

static wx_plugin_spec base_spec(void)
{
    base_fns[0] = (wx_function_spec){.name = "add",
                                     .params = two_i32,
                                     .nparams = 2,
                                     .results = one_i32,
                                     .nresults = 1};
    base_fns[1] = (wx_function_spec){.name = "fib"};
    wx_plugin_spec s = {0};
    s.name = "mathc";
    s.path = "math.wasm";
    s.instance_num = 2;
    s.functions = base_fns;
    s.nfunctions = 2;
    s.limits.timeout_ms = 2500;
    s.limits.memory_pages = WX_UNLIMITED;
    s.limits.stack = 300;
    s.wasi.args = base_args;
    s.wasi.nargs = 2;
    s.wasi.env = base_env;
    s.wasi.nenv = 2;
    s.wasi.out = WX_OUTPUT_DISCARD;
    s.description = "math, described in C";
    s.version = "1.2.3";
    s.record_failed_calls = 4;
    return s;
}

static const char base_json[] =
    "{\"name\":\"mathc\",\"instance_num\":2,"
    "\"vm_config\":{\"path\":\"math.wasm\"},"
    "\"functions\":[{\"name\":\"add\",\"params\":[\"i32\",\"i32\"],"
    "\"results\":[\"i32\"]},\"fib\"],"
    "\"limits\":{\"timeout_ms\":2500,\"memory_pages\":0,\"stack\":300},"
    "\"wasi\":{\"args\":[\"a\",\"b c\"],"
    "\"env\":{\"ALPHA\":\"1\",\"ZED\":\"2\"},\"stdout\":\"discard\"},"
    "\"description\":\"math, described in C\",\"version\":\"1.2.3\","
    "\"record\":{\"failed_calls\":4}}";

/* The spec and its JSON twin register the same canonical config, in a
 * file registry and in memory, and the spec's plugin answers calls. */
static void test_same_as_json(void)
{
    wx_error err;
    CHECK(chdir(tmp_dir) == 0); /* the spec's relative path */
    wx_manager *file = wx_manager_open(fx_path("spec.db"), NULL, &err);
    wx_manager *mem = wx_manager_open(WX_REGISTRY_MEMORY, NULL, &err);
    wx_manager *json = wx_manager_open(WX_REGISTRY_MEMORY, NULL, &err);
    CHECK(file && mem && json);
    if (!file || !mem || !json)
        return;
    wx_plugin_spec s = base_spec();
    CHECK_MSG(wx_manager_add_spec(file, &s, &err) == WX_OK, "%s",
              err.message);
    CHECK_MSG(wx_manager_add_spec(mem, &s, &err) == WX_OK, "%s", err.message);
    CHECK_MSG(wx_manager_add(json, base_json, tmp_dir, &err) == WX_OK, "%s",
              err.message);

    char *a = stored_config(file, "mathc"), *b = stored_config(mem, "mathc"),
         *c = stored_config(json, "mathc");
    CHECK(a && b && c);
    if (a && b && c) {
        CHECK_MSG(strcmp(a, c) == 0, "spec %s\njson %s", a, c);
        CHECK_MSG(strcmp(b, c) == 0, "mem %s\njson %s", b, c);
        /* The path was resolved against the current directory. */
        CHECK(strstr(a, tmp_dir) != NULL);
    }
    free(a);
    free(b);
    free(c);

    char *out = NULL;
    CHECK(call_json(mem, NULL, "mathc.add", "[40, 2]", &out, &err) == WX_OK);
    CHECK(out && strcmp(out, "[42]") == 0);
    wx_free(out);

    /* The same spec again changes nothing (a no-op update): the memory
     * registry compares with the config the manager keeps. */
    CHECK(revision_of(mem, "mathc") == 1);
    CHECK_MSG(wx_manager_update_spec(mem, &s, &err) == WX_OK, "%s",
              err.message);
    CHECK(revision_of(mem, "mathc") == 1);
    CHECK_MSG(wx_manager_update_spec(file, &s, &err) == WX_OK, "%s",
              err.message);
    CHECK(revision_of(file, "mathc") == 1);
    /* A real change is a new revision, in both. */
    s.limits.timeout_ms = 2600;
    CHECK(wx_manager_update_spec(mem, &s, &err) == WX_OK);
    CHECK(wx_manager_update_spec(file, &s, &err) == WX_OK);
    CHECK(revision_of(mem, "mathc") == 2);
    CHECK(revision_of(file, "mathc") == 2);
    char *after = stored_config(mem, "mathc");
    CHECK(after && strstr(after, "\"timeout_ms\":2600") != NULL);
    free(after);

    /* Delete and add again: the memory registry takes the new config. */
    CHECK(wx_manager_delete(mem, "mathc", &err) == WX_OK);
    CHECK(revision_of(mem, "mathc") == -1);
    s.instance_num = 0; /* the default, 1 */
    CHECK(wx_manager_add_spec(mem, &s, &err) == WX_OK);
    after = stored_config(mem, "mathc");
    CHECK(after && strstr(after, "\"instance_num\":1") != NULL);
    free(after);

    wx_manager_close(file);
    wx_manager_close(mem);
    wx_manager_close(json);
}

/* One bad field: the spec and (json, when not NULL) the JSON config with
 * the same mistake fail with WX_EARG and the same message; `want` is a
 * part of it. */
static void expect_refused(const wx_plugin_spec *s, const char *json,
                           const char *want)
{
    wx_error e1, e2;
    wx_manager *m = wx_manager_open(WX_REGISTRY_MEMORY, NULL, &e1);
    if (!m) {
        CHECK(m != NULL);
        return;
    }
    wx_status st = wx_manager_add_spec(m, s, &e1);
    CHECK_MSG(st == WX_EARG, "%s: status %d, %s", want, st, e1.message);
    CHECK_MSG(strstr(e1.message, want) != NULL, "want \"%s\", got \"%s\"",
              want, e1.message);
    if (json) {
        CHECK(wx_manager_add(m, json, tmp_dir, &e2) == WX_EARG);
        CHECK_MSG(strcmp(e1.message, e2.message) == 0,
                  "spec \"%s\"\njson \"%s\"", e1.message, e2.message);
    }
    /* Nothing was registered. */
    wx_plugin_list list = {0};
    CHECK(wx_manager_plugins(m, NULL, 0, &list, NULL) == WX_OK &&
          list.count == 0);
    wx_plugin_list_free(&list);
    wx_manager_close(m);
}

#define CFG(fns, extra)                                                       \
    "{\"name\":\"mathc\",\"vm_config\":{\"path\":\"math.wasm\"},"            \
    "\"functions\":" fns extra "}"

static void test_refused(void)
{
    wx_plugin_spec s;
    wx_function_spec f[2];
    const wx_function_spec one[] = {{.name = "add"}};

    s = base_spec();
    s.name = "9lives";
    expect_refused(&s,
                   "{\"name\":\"9lives\",\"vm_config\":{\"path\":\"m.wasm\"},"
                   "\"functions\":[\"add\"]}",
                   "name: \"9lives\" is not a valid name");
    s = base_spec();
    s.name = NULL;
    expect_refused(&s, NULL, "name: required");
    s = base_spec();
    s.instance_num = 65;
    expect_refused(&s, CFG("[\"add\"]", ",\"instance_num\":65"),
                   "instance_num: 65 is more than the maximum of 64");
    s = base_spec();
    s.path = "";
    expect_refused(&s, NULL, "vm_config.path: must not be empty");

    s = base_spec();
    s.functions = NULL;
    s.nfunctions = 0;
    expect_refused(&s, CFG("[]", ""), "functions: must not be empty");
    s = base_spec();
    f[0] = (wx_function_spec){.name = ""};
    s.functions = f;
    s.nfunctions = 1;
    expect_refused(&s, CFG("[{\"name\":\"\"}]", ""),
                   "functions[0].name: must not be empty");
    f[0] = (wx_function_spec){.name = "add"};
    f[1] = (wx_function_spec){.name = "add"};
    s.nfunctions = 2;
    expect_refused(&s, CFG("[\"add\",\"add\"]", ""),
                   "functions[1]: \"add\" is listed twice (also "
                   "functions[0])");
    f[0] = (wx_function_spec){.name = "add", .abi = WX_ABI_NUMERIC,
                              .params = one_string, .nparams = 1};
    s.nfunctions = 1;
    expect_refused(&s, CFG("[{\"name\":\"add\",\"params\":[\"string\"]}]", ""),
                   "functions[0].params[0]: \"string\" needs abi bindgen");
    f[0] = (wx_function_spec){.name = "add", .abi = WX_ABI_BINDGEN};
    expect_refused(&s, CFG("[{\"name\":\"add\",\"abi\":\"bindgen\"}]", ""),
                   "functions[0].params: required for abi bindgen");
    f[0] = (wx_function_spec){.name = "add", .abi = WX_ABI_EXTISM,
                              .params = two_i32, .nparams = 2};
    expect_refused(&s,
                   CFG("[{\"name\":\"add\",\"abi\":\"extism\","
                       "\"params\":[\"i32\",\"i32\"]}]",
                       ""),
                   "functions[0].params: abi extism takes at most one type");
    f[0] = (wx_function_spec){.name = "add", .abi = WX_ABI_MEMORY};
    expect_refused(&s, NULL, "functions[0].abi: abi memory needs the config's");
    f[0] = (wx_function_spec){.name = "add", .abi = (wx_abi)99};
    expect_refused(&s, NULL, "functions[0].abi: 99 is not a wx_abi");

    s = base_spec();
    s.functions = one;
    s.nfunctions = 1;
    s.limits.timeout_ms = 5000000;
    expect_refused(&s, CFG("[\"add\"]", ",\"limits\":{\"timeout_ms\":5000000}"),
                   "limits.timeout_ms: must be an integer from 0 to 3600000, "
                   "got 5000000");
    s.limits.timeout_ms = 0;
    s.limits.stack = 5;
    expect_refused(&s, CFG("[\"add\"]", ",\"limits\":{\"stack\":5}"),
                   "limits.stack: must be an integer from 16 to 100000");
    s.limits.stack = WX_UNLIMITED;
    expect_refused(&s, NULL, "limits.stack: must be an integer from 16");
    s.limits.stack = 0;
    s.limits.memory_pages = 70000;
    expect_refused(&s,
                   CFG("[\"add\"]", ",\"limits\":{\"memory_pages\":70000}"),
                   "limits.memory_pages: must be an integer from 0 to 65536");

    s = base_spec();
    s.functions = one;
    s.nfunctions = 1;
    const wx_kv bad_env[] = {{"A=B", "1"}};
    s.wasi.env = bad_env;
    s.wasi.nenv = 1;
    expect_refused(&s, CFG("[\"add\"]", ",\"wasi\":{\"env\":{\"A=B\":\"1\"}}"),
                   "wasi.env: \"A=B\" is not a valid variable name");
    const wx_kv twice[] = {{"A", "1"}, {"A", "2"}};
    s.wasi.env = twice;
    s.wasi.nenv = 2;
    expect_refused(&s, NULL, "wasi.env: \"A\" is given twice");
    s.wasi.env = NULL;
    s.wasi.nenv = 0;
    const wx_kv empty_dir[] = {{"/data", ""}};
    s.wasi.preopens = empty_dir;
    s.wasi.npreopens = 1;
    expect_refused(&s,
                   CFG("[\"add\"]",
                       ",\"wasi\":{\"preopens\":{\"/data\":\"\"}}"),
                   "wasi.preopens./data: must not be empty (a host "
                   "directory)");
    s.wasi.preopens = NULL;
    s.wasi.npreopens = 0;
    const char *const bad_utf8[] = {"ok", "\xff\xfe"};
    s.wasi.args = bad_utf8;
    s.wasi.nargs = 2;
    expect_refused(&s, NULL, "wasi.args[1]: must be UTF-8 text");
    s.wasi.args = NULL;
    s.wasi.nargs = 0;
    s.wasi.argv0 = "";
    expect_refused(&s, CFG("[\"add\"]", ",\"wasi\":{\"argv0\":\"\"}"),
                   "wasi.argv0: must not be empty");
    s.wasi.argv0 = NULL;
    s.wasi.init = (wx_wasi_init)9;
    expect_refused(&s, NULL, "wasi: a stdin, stdout, stderr or init mode");
    s.wasi.init = WX_INIT_AUTO;
    s.record_failed_calls = 10001;
    expect_refused(&s,
                   CFG("[\"add\"]", ",\"record\":{\"failed_calls\":10001}"),
                   "record.failed_calls: must be an integer from 0 to 10000");
    expect_refused(NULL, NULL, "no plugin spec");
}

/* A module the spec's functions do not fit is refused as the JSON
 * config's would be (the checks after the config are shared anyway). */
static void test_module_checks(void)
{
    wx_error err;
    wx_manager *m = wx_manager_open(WX_REGISTRY_MEMORY, NULL, &err);
    if (!m) {
        CHECK(m != NULL);
        return;
    }
    const wx_function_spec missing[] = {{.name = "nope"}};
    wx_plugin_spec s = {.name = "mathc",
                        .path = fx_path("math.wasm"),
                        .functions = missing,
                        .nfunctions = 1};
    CHECK(wx_manager_add_spec(m, &s, &err) == WX_ENOEXPORT);
    CHECK_MSG(strstr(err.message, "\"nope\" is not exported") != NULL, "%s",
              err.message);
    s.path = fx_path("absent.wasm");
    CHECK(wx_manager_add_spec(m, &s, &err) == WX_EIO);

    /* The module's bytes in memory: the path only names it, and is not
     * read (there is no such file). */
    FILE *f = fopen(fx_path("math.wasm"), "rb");
    static unsigned char bytes[1 << 16];
    size_t n = f ? fread(bytes, 1, sizeof bytes, f) : 0;
    if (f)
        fclose(f);
    CHECK(n > 8);
    const wx_function_spec add[] = {{.name = "add"}};
    s.functions = add;
    s.wasm = bytes;
    s.wasm_len = n;
    CHECK_MSG(wx_manager_add_spec(m, &s, &err) == WX_OK, "%s", err.message);
    char *out = NULL;
    CHECK(call_json(m, NULL, "add", "[2, 3]", &out, &err) == WX_OK);
    CHECK(out && strcmp(out, "[5]") == 0);
    wx_free(out);
    char *cfg = stored_config(m, "mathc");
    CHECK(cfg && strstr(cfg, "absent.wasm") != NULL);
    free(cfg);
    /* Bytes that are no module are the module's error, named by path. */
    s.wasm = "\0asm\2\0\0\0";
    s.wasm_len = 8;
    CHECK(wx_manager_update_spec(m, &s, &err) == WX_EMALFORMED);
    CHECK_MSG(strstr(err.message, "absent.wasm") != NULL, "%s", err.message);
    wx_manager_close(m);
}

/* ------------------------------------------- bytes handed over */

/* The bytes handed over (wasm_free), each with its own count of frees. */
typedef struct given {
    unsigned char *bytes;
    int frees;
} given;
static given gifts[10];
static size_t ngifts;

static void count_free(void *p)
{
    /* The newest gift at p: malloc hands a freed address out again. */
    for (size_t i = ngifts; i-- > 0;)
        if (gifts[i].bytes == p && gifts[i].frees == 0) {
            gifts[i].frees++;
            free(p);
            return;
        }
    CHECK_MSG(false, "wasm_free of bytes never handed over: %p", p);
}

/* A malloc'd copy of math.wasm, to hand over; its index in gifts. */
static size_t gift(const unsigned char *wasm, size_t len)
{
    unsigned char *b = malloc(len);
    memcpy(b, wasm, len);
    gifts[ngifts] = (given){b, 0};
    return ngifts++;
}

/* wasm_free: a registry in memory keeps the bytes themselves until the
 * plugin lets them go, a file registry copies them and frees them at
 * once, and every failure frees them too, each exactly once. */
static void test_handed_over(void)
{
    FILE *f = fopen(fx_path("math.wasm"), "rb");
    static unsigned char bytes[1 << 16];
    size_t n = f ? fread(bytes, 1, sizeof bytes, f) : 0;
    if (f)
        fclose(f);
    CHECK(n > 8);
    wx_error err;
    wx_manager *mem = wx_manager_open(WX_REGISTRY_MEMORY, NULL, &err);
    wx_manager *file = wx_manager_open(fx_path("given.db"), NULL, &err);
    CHECK(mem && file);
    if (!mem || !file)
        return;
    const wx_function_spec add[] = {{.name = "add"}};
    wx_plugin_spec s = {.name = "mathc",
                        .path = fx_path("math.wasm"),
                        .functions = add,
                        .nfunctions = 1,
                        .wasm_len = n,
                        .wasm_free = count_free};

    size_t kept = gift(bytes, n);
    s.wasm = gifts[kept].bytes;
    CHECK_MSG(wx_manager_add_spec(mem, &s, &err) == WX_OK, "%s",
              err.message);
    CHECK(gifts[kept].frees == 0); /* the registry in memory has them */
    char *out = NULL;
    CHECK(call_json(mem, NULL, "add", "[2, 3]", &out, &err) == WX_OK);
    CHECK(out && strcmp(out, "[5]") == 0);
    wx_free(out);

    size_t copied = gift(bytes, n);
    s.wasm = gifts[copied].bytes;
    CHECK_MSG(wx_manager_add_spec(file, &s, &err) == WX_OK, "%s",
              err.message);
    CHECK(gifts[copied].frees == 1); /* stored in the file, then freed */

    /* Failures: a second add of the name, a module that is none, a spec
     * the config rules refuse. */
    size_t twice = gift(bytes, n);
    s.wasm = gifts[twice].bytes;
    CHECK(wx_manager_add_spec(mem, &s, &err) == WX_EEXIST);
    CHECK(gifts[twice].frees == 1);
    size_t bad = gift((const unsigned char *)"\0asm\2\0\0\0", 8);
    s.wasm = gifts[bad].bytes;
    s.wasm_len = 8;
    CHECK(wx_manager_update_spec(mem, &s, &err) == WX_EMALFORMED);
    CHECK(gifts[bad].frees == 1);
    size_t refused = gift(bytes, n);
    s.wasm = gifts[refused].bytes;
    s.wasm_len = n;
    s.instance_num = 100000;
    CHECK(wx_manager_update_spec(mem, &s, &err) == WX_EARG);
    CHECK(gifts[refused].frees == 1);
    s.instance_num = 0;

    /* An update that changes nothing keeps what it has and frees what it
     * was given. */
    size_t same = gift(bytes, n);
    s.wasm = gifts[same].bytes;
    CHECK(wx_manager_update_spec(mem, &s, &err) == WX_OK);
    CHECK(gifts[same].frees == 1);
    CHECK(gifts[kept].frees == 0);
    /* A real one replaces the kept bytes: the first ones go now, the new
     * ones stay until the plugin is deleted. */
    size_t next = gift(bytes, n);
    s.wasm = gifts[next].bytes;
    s.limits.timeout_ms = 2500;
    CHECK_MSG(wx_manager_update_spec(mem, &s, &err) == WX_OK, "%s",
              err.message);
    CHECK(gifts[kept].frees == 1);
    CHECK(gifts[next].frees == 0);
    CHECK(call_json(mem, NULL, "add", "[40, 2]", &out, &err) == WX_OK);
    CHECK(out && strcmp(out, "[42]") == 0);
    wx_free(out);
    CHECK(wx_manager_delete(mem, "mathc", &err) == WX_OK);
    CHECK(gifts[next].frees == 1);

    /* Closing the manager lets go of what it still keeps. */
    size_t last = gift(bytes, n);
    s.wasm = gifts[last].bytes;
    CHECK(wx_manager_add_spec(mem, &s, &err) == WX_OK);
    CHECK(gifts[last].frees == 0);
    wx_manager_close(mem);
    wx_manager_close(file);
    CHECK(gifts[last].frees == 1);
    for (size_t i = 0; i < ngifts; i++)
        CHECK_MSG(gifts[i].frees == 1, "gift %zu freed %d times", i,
                  gifts[i].frees);
}

int main(int argc, char **argv)
{
    fx_setup(argc, argv);
    fx_copy_guest("math", "math.wasm");
    test_same_as_json();
    test_refused();
    test_module_checks();
    test_handed_over();
    fx_teardown();
    return CHECK_DONE();
}
