/*
 * Plugin config tests: every error path with its exact message (the
 * messages are part of the user interface), the happy paths, path
 * resolution, and the canonical serialization round trip.
 */
#include "check.h"
#include "config.h"

#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

/* A valid config's body around one field under test. */
#define BASE_VM "\"vm_config\":{\"path\":\"/p/car.wasm\"}"
#define BASE_FN "\"functions\":[\"link\"]"
#define BASE "\"name\":\"car\"," BASE_VM "," BASE_FN

static wxg_config *parse(const char *json, wx_error *err)
{
    wx_error_clear(err);
    return wxg_config_parse(json, strlen(json), NULL, err);
}

/* Parses `json`, which must fail with WX_EARG and exactly `want`. */
static void expect_error_at(int line, const char *json, const char *want)
{
    wx_error err;
    wxg_config *cfg = parse(json, &err);
    CHECK_MSG(cfg == NULL, "line %d: parsed but should fail: %s", line, json);
    CHECK_MSG(err.status == WX_EARG, "line %d: status %s", line,
              wx_status_name(err.status));
    CHECK_MSG(strcmp(err.message, want) == 0,
              "line %d:\n  want: %s\n  got:  %s", line, want, err.message);
    wxg_config_free(cfg);
}

#define EXPECT_ERROR(json, want) expect_error_at(__LINE__, json, want)

static void test_json_errors(void)
{
    EXPECT_ERROR("", "line 1, column 0: '[' or '{' expected near end of file");
    EXPECT_ERROR("{\"name\":\"car\",}",
                 "line 1, column 15: string or '}' expected near '}'");
    EXPECT_ERROR("{\n  \"name\": \"car\",\n  \"instance_num\": 4x\n}",
                 "line 3, column 20: '}' expected near 'x'");
    /* Two values for one key: which one was meant? */
    EXPECT_ERROR("{\"name\":\"a\",\"name\":\"b\"}",
                 "line 1, column 18: duplicate object key near '\"name\"'");
    EXPECT_ERROR("[1,2]", "config: must be a JSON object, got an array");
    EXPECT_ERROR("[]", "config: must be a JSON object, got an empty array");
}

static void test_top_level_errors(void)
{
    EXPECT_ERROR("{\"nme\":\"car\"}",
                 "nme: unknown key (keys: name, instance_num, vm_config, "
                 "functions, limits, wasi, extism, description, version, "
                 "record)");
    EXPECT_ERROR("{" BASE_VM "," BASE_FN "}", "name: required");
    EXPECT_ERROR("{\"name\":3," BASE_VM "," BASE_FN "}",
                 "name: must be a string, got 3");
    EXPECT_ERROR("{\"name\":\"9car\"," BASE_VM "," BASE_FN "}",
                 "name: \"9car\" is not a valid name (letters, digits and "
                 "_, not starting with a digit, 1 to 64 characters)");
    EXPECT_ERROR("{\"name\":\"car-x\"," BASE_VM "," BASE_FN "}",
                 "name: \"car-x\" is not a valid name (letters, digits and "
                 "_, not starting with a digit, 1 to 64 characters)");
    EXPECT_ERROR("{\"name\":\"\"," BASE_VM "," BASE_FN "}",
                 "name: \"\" is not a valid name (letters, digits and _, "
                 "not starting with a digit, 1 to 64 characters)");
    EXPECT_ERROR("{" BASE ",\"instance_num\":0}",
                 "instance_num: must be an integer from 1 to 64, got 0");
    EXPECT_ERROR("{" BASE ",\"instance_num\":65}",
                 "instance_num: 65 is more than the maximum of 64 "
                 "instances per plugin (each holds a copy of the guest's "
                 "memory; calls beyond that many at once wait for a free "
                 "one)");
    EXPECT_ERROR("{" BASE ",\"instance_num\":\"4\"}",
                 "instance_num: must be an integer from 1 to 64, got \"4\"");
    EXPECT_ERROR("{" BASE ",\"instance_num\":2.5}",
                 "instance_num: must be an integer from 1 to 64, got 2.5");
    EXPECT_ERROR("{" BASE ",\"instance_num\":true}",
                 "instance_num: must be an integer from 1 to 64, got true");
    EXPECT_ERROR("{" BASE ",\"description\":1}",
                 "description: must be a string, got 1");
    EXPECT_ERROR("{" BASE ",\"version\":[]}",
                 "version: must be a string, got an empty array");
}

static void test_vm_config_errors(void)
{
    EXPECT_ERROR("{\"name\":\"car\"," BASE_FN "}",
                 "vm_config: required (it gives the .wasm path)");
    EXPECT_ERROR("{\"name\":\"car\",\"vm_config\":\"/p/car.wasm\"," BASE_FN
                 "}",
                 "vm_config: must be an object, got \"/p/car.wasm\"");
    EXPECT_ERROR("{\"name\":\"car\",\"vm_config\":{\"pth\":\"x\"}," BASE_FN
                 "}",
                 "vm_config.pth: unknown key (keys: engine, path)");
    EXPECT_ERROR("{\"name\":\"car\",\"vm_config\":{\"engine\":\"v8\","
                 "\"path\":\"x\"}," BASE_FN "}",
                 "vm_config.engine: \"v8\" is not a known engine (choose "
                 "interp, aot or wasmedge)");
    EXPECT_ERROR("{\"name\":\"car\",\"vm_config\":{\"engine\":1,"
                 "\"path\":\"x\"}," BASE_FN "}",
                 "vm_config.engine: must be a string, got 1");
    EXPECT_ERROR("{\"name\":\"car\",\"vm_config\":{}," BASE_FN "}",
                 "vm_config.path: required");
    EXPECT_ERROR("{\"name\":\"car\",\"vm_config\":{\"path\":\"\"}," BASE_FN
                 "}",
                 "vm_config.path: must not be empty");
    EXPECT_ERROR("{\"name\":\"car\",\"vm_config\":{\"path\":null}," BASE_FN
                 "}",
                 "vm_config.path: must be a string, got null");
}

#define FN(list) "{\"name\":\"car\"," BASE_VM ",\"functions\":" list "}"

static void test_function_errors(void)
{
    EXPECT_ERROR("{\"name\":\"car\"," BASE_VM "}",
                 "functions: required (the exports to expose)");
    EXPECT_ERROR(FN("\"link\""), "functions: must be an array, got \"link\"");
    EXPECT_ERROR(FN("[]"),
                 "functions: must not be empty (list the exports to expose)");
    EXPECT_ERROR(FN("[\"link\",3]"),
                 "functions[1]: must be an export name or an object, got 3");
    EXPECT_ERROR(FN("[\"\"]"),
                 "functions[0]: must not be empty (an export name)");
    EXPECT_ERROR(FN("[{\"abi\":\"numeric\"}]"), "functions[0].name: required");
    EXPECT_ERROR(FN("[{\"name\":\"\"}]"),
                 "functions[0].name: must not be empty (an export name)");
    EXPECT_ERROR(FN("[{\"name\":\"f\",\"param\":[]}]"),
                 "functions[0].param: unknown key (keys: name, abi, params, "
                 "results, memory)");
    EXPECT_ERROR(FN("[{\"name\":\"f\",\"abi\":\"wasi\"}]"),
                 "functions[0].abi: \"wasi\" is not a known abi (choose "
                 "numeric, bindgen, cstring, memory or extism)");
    EXPECT_ERROR(FN("[{\"name\":\"f\",\"abi\":2}]"),
                 "functions[0].abi: must be a string, got 2");
    EXPECT_ERROR(FN("[{\"name\":\"f\",\"params\":\"i32\"}]"),
                 "functions[0].params: must be an array of type names, got "
                 "\"i32\"");
    EXPECT_ERROR(FN("[\"a\",{\"name\":\"f\",\"params\":[\"int\"]}]"),
                 "functions[1].params[0]: \"int\" is not a type (types: i8 "
                 "u8 i16 u16 i32 u32 i64 u64 f32 f64 bool char string bytes "
                 "json, vec<T>)");
    EXPECT_ERROR(FN("[{\"name\":\"f\",\"params\":[\"i32\",7]}]"),
                 "functions[0].params[1]: must be a type name, got 7");
    EXPECT_ERROR(FN("[{\"name\":\"f\",\"abi\":\"bindgen\",\"params\":"
                    "[\"vec<f32>\"],\"results\":[]}]"),
                 "functions[0].params[0]: \"vec<f32>\" is not a type "
                 "(vec<T> takes an integer type: i8 u8 i16 u16 i32 u32 i64 "
                 "u64)");
    EXPECT_ERROR(FN("[{\"name\":\"f\",\"results\":[\"i32\",\"string\"]}]"),
                 "functions[0].results[1]: \"string\" needs abi bindgen or "
                 "cstring (abi numeric takes i8 u8 i16 u16 i32 u32 i64 u64 "
                 "f32 f64 bool char)");
    EXPECT_ERROR(FN("[{\"name\":\"f\",\"abi\":\"bindgen\","
                    "\"results\":[\"string\"]}]"),
                 "functions[0].params: required for abi bindgen");
    EXPECT_ERROR(FN("[{\"name\":\"f\",\"abi\":\"cstring\","
                    "\"params\":[\"string\"]}]"),
                 "functions[0].results: required for abi cstring");
    EXPECT_ERROR(FN("[\"link\",\"rank\",\"link\"]"),
                 "functions[2]: \"link\" is listed twice (also "
                 "functions[0])");
    EXPECT_ERROR(FN("[\"link\",{\"name\":\"link\",\"params\":[]}]"),
                 "functions[1]: \"link\" is listed twice (also "
                 "functions[0])");
}

static void test_limits_errors(void)
{
    EXPECT_ERROR("{" BASE ",\"limits\":5}",
                 "limits: must be an object, got 5");
    EXPECT_ERROR("{" BASE ",\"limits\":{\"memory\":1}}",
                 "limits.memory: unknown key (keys: memory_pages, "
                 "timeout_ms, fuel, stack)");
    EXPECT_ERROR("{" BASE ",\"limits\":{\"memory_pages\":-1}}",
                 "limits.memory_pages: must be an integer from 0 to 65536, "
                 "got -1");
    EXPECT_ERROR("{" BASE ",\"limits\":{\"memory_pages\":65537}}",
                 "limits.memory_pages: must be an integer from 0 to 65536, "
                 "got 65537");
    EXPECT_ERROR("{" BASE ",\"limits\":{\"timeout_ms\":-1}}",
                 "limits.timeout_ms: must be an integer from 0 to 3600000, "
                 "got -1");
    EXPECT_ERROR("{" BASE ",\"limits\":{\"timeout_ms\":3600001}}",
                 "limits.timeout_ms: must be an integer from 0 to 3600000, "
                 "got 3600001");
    EXPECT_ERROR("{" BASE ",\"limits\":{\"fuel\":-5}}",
                 "limits.fuel: must be a positive integer (0: unlimited), "
                 "got -5");
    EXPECT_ERROR("{" BASE ",\"limits\":{\"fuel\":1.5}}",
                 "limits.fuel: must be a positive integer (0: unlimited), "
                 "got 1.5");
    EXPECT_ERROR("{" BASE ",\"limits\":{\"stack\":15}}",
                 "limits.stack: must be an integer from 16 to 100000, got 15");
    EXPECT_ERROR("{" BASE ",\"limits\":{\"stack\":100001}}",
                 "limits.stack: must be an integer from 16 to 100000, got "
                 "100001");
}

static void test_wasi_errors(void)
{
    EXPECT_ERROR("{" BASE ",\"wasi\":[]}",
                 "wasi: must be an object, got an empty array");
    EXPECT_ERROR("{" BASE ",\"wasi\":{\"argv\":[]}}",
                 "wasi.argv: unknown key (keys: argv0, args, env, preopens, "
                 "stdin, stdout, stderr, init)");
    EXPECT_ERROR("{" BASE ",\"wasi\":{\"argv0\":[\"x\"]}}",
                 "wasi.argv0: must be a string, got an array");
    EXPECT_ERROR("{" BASE ",\"wasi\":{\"argv0\":\"\"}}",
                 "wasi.argv0: must not be empty");
    EXPECT_ERROR("{" BASE ",\"wasi\":{\"stdin\":\"log\"}}",
                 "wasi.stdin: \"log\" is not a known mode (choose empty or "
                 "inherit)");
    EXPECT_ERROR("{" BASE ",\"wasi\":{\"stdin\":true}}",
                 "wasi.stdin: must be a string, got true");
    EXPECT_ERROR("{" BASE ",\"wasi\":{\"args\":\"-v\"}}",
                 "wasi.args: must be an array of strings, got \"-v\"");
    EXPECT_ERROR("{" BASE ",\"wasi\":{\"args\":[\"a\",2]}}",
                 "wasi.args[1]: must be a string, got 2");
    EXPECT_ERROR("{" BASE ",\"wasi\":{\"env\":[\"A=1\"]}}",
                 "wasi.env: must be an object of strings, got an array");
    EXPECT_ERROR("{" BASE ",\"wasi\":{\"env\":{\"HOME\":1}}}",
                 "wasi.env.HOME: must be a string, got 1");
    EXPECT_ERROR("{" BASE ",\"wasi\":{\"env\":{\"A=B\":\"1\"}}}",
                 "wasi.env: \"A=B\" is not a valid variable name (it must "
                 "be non-empty and have no \"=\")");
    EXPECT_ERROR("{" BASE ",\"wasi\":{\"env\":{\"\":\"1\"}}}",
                 "wasi.env: \"\" is not a valid variable name (it must be "
                 "non-empty and have no \"=\")");
    EXPECT_ERROR("{" BASE ",\"wasi\":{\"preopens\":{\"/data\":false}}}",
                 "wasi.preopens./data: must be a string, got false");
    EXPECT_ERROR("{" BASE ",\"wasi\":{\"preopens\":{\"/data\":\"\"}}}",
                 "wasi.preopens./data: must not be empty (a host directory)");
    EXPECT_ERROR("{" BASE ",\"wasi\":{\"preopens\":{\"\":\"/srv\"}}}",
                 "wasi.preopens: \"\" is not a valid guest path (it must be "
                 "non-empty)");
    EXPECT_ERROR("{" BASE ",\"wasi\":{\"stdout\":\"file\"}}",
                 "wasi.stdout: \"file\" is not a known mode (choose log, "
                 "inherit or discard)");
    EXPECT_ERROR("{" BASE ",\"wasi\":{\"stderr\":1}}",
                 "wasi.stderr: must be a string, got 1");
    EXPECT_ERROR("{" BASE ",\"wasi\":{\"init\":\"main\"}}",
                 "wasi.init: \"main\" is not a known entry (choose "
                 "_initialize, _start or none)");
    EXPECT_ERROR("{" BASE ",\"wasi\":{\"init\":null}}",
                 "wasi.init: must be a string, got null");
}

/* The proposal's own example, unchanged. */
static void test_proposal_config(void)
{
    static const char json[] =
        "{\"name\":\"car\",\"instance_num\":4,"
        "\"vm_config\":{\"engine\":\"interp\",\"path\":\"/plugin/car.wasm\"},"
        "\"functions\":[\"link\",\"rank\"]}";
    wx_error err;
    wxg_config *cfg = parse(json, &err);
    CHECK_MSG(cfg != NULL, "%s", err.message);
    if (!cfg)
        return;
    CHECK(strcmp(cfg->name, "car") == 0);
    CHECK(cfg->instance_num == 4);
    CHECK(cfg->engine == WXG_ENGINE_INTERP && !cfg->engine_wasmedge);
    CHECK(strcmp(wxg_engine_label(cfg), "interp") == 0);
    CHECK(wxg_engine_available(cfg, &err));
    CHECK(strcmp(cfg->path, "/plugin/car.wasm") == 0);
    CHECK(cfg->nfuncs == 2);
    CHECK(strcmp(cfg->funcs[0].name, "link") == 0);
    CHECK(strcmp(cfg->funcs[1].name, "rank") == 0);
    CHECK(cfg->funcs[1].abi == WX_ABI_NUMERIC);
    CHECK(!cfg->funcs[1].has_params && !cfg->funcs[1].has_results);
    CHECK(wxg_config_function(cfg, "rank") == &cfg->funcs[1]);
    CHECK(wxg_config_function(cfg, "nope") == NULL);
    CHECK(!cfg->description && !cfg->version);
    CHECK(cfg->limits.memory_pages == 0 && cfg->limits.fuel == 0);
    CHECK(cfg->wasi.nargs == 0 && cfg->wasi.out == WX_OUTPUT_DEFAULT);

    /* The canonical form is the input itself: same key order, same
     * spelling. */
    char *dump = wxg_config_dump(cfg, 0);
    CHECK_MSG(dump && strcmp(dump, json) == 0, "%s", dump);
    free(dump);
    wxg_config_free(cfg);
}

/* Defaults are written out; a numeric function object without signature
 * becomes a plain name. */
static void test_defaults_canonical(void)
{
    wx_error err;
    wxg_config *cfg =
        parse("{\"functions\":[{\"name\":\"f\"},{\"name\":\"g\",\"abi\":"
              "\"numeric\"}],\"vm_config\":{\"path\":\"m.wasm\"},"
              "\"name\":\"_x9\",\"limits\":{},\"wasi\":{}}",
              &err);
    CHECK_MSG(cfg != NULL, "%s", err.message);
    if (!cfg)
        return;
    CHECK(cfg->instance_num == 1);
    CHECK(strcmp(cfg->path, "m.wasm") == 0); /* no base: as written */
    char *dump = wxg_config_dump(cfg, 0);
    const char *want = "{\"name\":\"_x9\",\"instance_num\":1,\"vm_config\":"
                       "{\"engine\":\"interp\",\"path\":\"m.wasm\"},"
                       "\"functions\":[\"f\",\"g\"]}";
    CHECK_MSG(dump && strcmp(dump, want) == 0, "%s", dump);
    free(dump);
    wxg_config_free(cfg);
}

static const char full_json[] =
    "{\n"
    "  \"version\": \"1.2.0\",\n"
    "  \"description\": \"cars, ranked\",\n"
    "  \"name\": \"car\",\n"
    "  \"instance_num\": 64,\n"
    "  \"vm_config\": {\"path\": \"lib/car.wasm\", \"engine\": "
    "\"wasmedge\"},\n"
    "  \"functions\": [\n"
    "    \"link\",\n"
    "    {\"name\": \"rank\", \"params\": [\"u8\", \"f64\", \"bool\"],\n"
    "     \"results\": [\"i64\"]},\n"
    "    {\"name\": \"create_line\", \"abi\": \"bindgen\",\n"
    "     \"params\": [\"string\", \"bytes\", \"vec<u16>\"],\n"
    "     \"results\": [\"json\", \"vec<i64>\"]},\n"
    "    {\"results\": [], \"params\": [], \"abi\": \"cstring\",\n"
    "     \"name\": \"noop\"}\n"
    "  ],\n"
    "  \"limits\": {\"stack\": 16, \"fuel\": 9223372036854775807,\n"
    "             \"timeout_ms\": 3600000, \"memory_pages\": 65536},\n"
    "  \"wasi\": {\n"
    "    \"init\": \"_initialize\", \"stderr\": \"discard\",\n"
    "    \"stdout\": \"inherit\",\n"
    "    \"preopens\": {\"/tmp\": \"/var/tmp\", \"/data\": \"data\"},\n"
    "    \"env\": {\"Z\": \"last\", \"A\": \"\", \"M\": \"x=y\"},\n"
    "    \"args\": [\"car\", \"-v\", \"\"]\n"
    "  }\n"
    "}\n";

static void check_full(const wxg_config *cfg, const char *base)
{
    char want[256];
    CHECK(strcmp(cfg->name, "car") == 0);
    CHECK(strcmp(cfg->version, "1.2.0") == 0);
    CHECK(strcmp(cfg->description, "cars, ranked") == 0);
    CHECK(cfg->instance_num == 64);
    CHECK(cfg->engine == WXG_ENGINE_INTERP && cfg->engine_wasmedge);
    CHECK(strcmp(wxg_engine_label(cfg), "wasmedge (synonym of interp)") == 0);
    snprintf(want, sizeof want, "%s%slib/car.wasm", base ? base : "",
             base ? "/" : "");
    CHECK_MSG(strcmp(cfg->path, want) == 0, "%s", cfg->path);
    CHECK(cfg->nfuncs == 4);
    const wxg_function *rank = wxg_config_function(cfg, "rank");
    CHECK(rank && rank->abi == WX_ABI_NUMERIC && rank->has_params &&
          rank->nparams == 3 && rank->params[0] == WX_TYPE_U8 &&
          rank->params[1] == WX_TYPE_F64 && rank->params[2] == WX_TYPE_BOOL &&
          rank->nresults == 1 && rank->results[0] == WX_TYPE_I64);
    const wxg_function *cl = wxg_config_function(cfg, "create_line");
    CHECK(cl && cl->abi == WX_ABI_BINDGEN && cl->nparams == 3 &&
          cl->params[0] == WX_TYPE_STRING && cl->params[1] == WX_TYPE_BYTES &&
          cl->params[2] == WX_TYPE_VEC_U16 && cl->nresults == 2 &&
          cl->results[0] == WX_TYPE_JSON && cl->results[1] == WX_TYPE_VEC_I64);
    const wxg_function *noop = wxg_config_function(cfg, "noop");
    CHECK(noop && noop->abi == WX_ABI_CSTRING && noop->has_params &&
          noop->has_results && noop->nparams == 0 && noop->nresults == 0);
    CHECK(cfg->limits.memory_pages == 65536);
    CHECK(cfg->limits.timeout_ms == 3600000);
    CHECK(cfg->limits.fuel == 9223372036854775807ull);
    CHECK(cfg->limits.stack == 16);
    const wxg_wasi *w = &cfg->wasi;
    CHECK(w->nargs == 3 && strcmp(w->args[1], "-v") == 0 &&
          strcmp(w->args[2], "") == 0);
    /* Sorted by key, whatever order was written. */
    CHECK(w->nenv == 3 && strcmp(w->env[0].key, "A") == 0 &&
          strcmp(w->env[0].value, "") == 0 &&
          strcmp(w->env[1].key, "M") == 0 &&
          strcmp(w->env[1].value, "x=y") == 0 &&
          strcmp(w->env[2].key, "Z") == 0);
    CHECK(w->npreopens == 2 && strcmp(w->preopens[0].key, "/data") == 0 &&
          strcmp(w->preopens[1].key, "/tmp") == 0 &&
          strcmp(w->preopens[1].value, "/var/tmp") == 0);
    snprintf(want, sizeof want, "%s%sdata", base ? base : "", base ? "/" : "");
    CHECK_MSG(w->npreopens == 2 && strcmp(w->preopens[0].value, want) == 0,
              "%s", w->preopens[0].value);
    CHECK(w->out == WX_OUTPUT_INHERIT && w->err == WX_OUTPUT_DISCARD);
    CHECK(w->init == WX_INIT_INITIALIZE);
}

static const char full_canonical[] =
    "{\"name\":\"car\",\"description\":\"cars, ranked\",\"version\":"
    "\"1.2.0\",\"instance_num\":64,\"vm_config\":{\"engine\":\"wasmedge\","
    "\"path\":\"lib/car.wasm\"},\"functions\":[\"link\",{\"name\":\"rank\","
    "\"abi\":\"numeric\",\"params\":[\"u8\",\"f64\",\"bool\"],\"results\":"
    "[\"i64\"]},{\"name\":\"create_line\",\"abi\":\"bindgen\",\"params\":"
    "[\"string\",\"bytes\",\"vec<u16>\"],\"results\":[\"json\","
    "\"vec<i64>\"]},{\"name\":\"noop\",\"abi\":\"cstring\",\"params\":[],"
    "\"results\":[]}],\"limits\":{\"memory_pages\":65536,\"timeout_ms\":"
    "3600000,\"fuel\":9223372036854775807,\"stack\":16},\"wasi\":{\"args\":"
    "[\"car\",\"-v\",\"\"],\"env\":{\"A\":\"\",\"M\":\"x=y\",\"Z\":\"last\"},"
    "\"preopens\":{\"/data\":\"data\",\"/tmp\":\"/var/tmp\"},\"stdout\":"
    "\"inherit\",\"stderr\":\"discard\",\"init\":\"_initialize\"}}";

static void test_full_config_round_trip(void)
{
    wx_error err;
    wxg_config *cfg = parse(full_json, &err);
    CHECK_MSG(cfg != NULL, "%s", err.message);
    if (!cfg)
        return;
    check_full(cfg, NULL);
    char *dump = wxg_config_dump(cfg, 0);
    CHECK_MSG(dump && strcmp(dump, full_canonical) == 0, "%s", dump);

    /* Parsing the canonical form gives an equal config, and so does
     * parsing the pretty form. */
    wxg_config *again = dump ? parse(dump, &err) : NULL;
    CHECK_MSG(again != NULL, "%s", err.message);
    if (again) {
        check_full(again, NULL);
        char *dump2 = wxg_config_dump(again, 0);
        CHECK(dump2 && strcmp(dump2, dump) == 0);
        free(dump2);
        wxg_config_free(again);
    }
    char *pretty = wxg_config_dump(cfg, WXG_DUMP_PRETTY);
    CHECK(pretty && strchr(pretty, '\n') != NULL);
    wxg_config *from_pretty = pretty ? parse(pretty, &err) : NULL;
    CHECK_MSG(from_pretty != NULL, "%s", err.message);
    if (from_pretty) {
        char *dump3 = wxg_config_dump(from_pretty, 0);
        CHECK(dump3 && dump && strcmp(dump3, dump) == 0);
        free(dump3);
        wxg_config_free(from_pretty);
    }

    /* The same from a json_t (what REST hands over). */
    json_t *root = wxg_config_to_json(cfg);
    wxg_config *from_json =
        root ? wxg_config_from_json(root, NULL, &err) : NULL;
    CHECK_MSG(from_json != NULL, "%s", err.message);
    if (from_json)
        check_full(from_json, NULL);
    wxg_config_free(from_json);
    json_decref(root);
    free(pretty);
    free(dump);
    wxg_config_free(cfg);
}

static void test_base_dir(void)
{
    wx_error err;
    wxg_config *cfg =
        wxg_config_parse(full_json, strlen(full_json), "/etc/wx", &err);
    CHECK_MSG(cfg != NULL, "%s", err.message);
    if (cfg) {
        check_full(cfg, "/etc/wx");
        wxg_config_free(cfg);
    }
    static const char dot[] = "{\"name\":\"a\",\"vm_config\":{\"path\":"
                              "\"././/sub/a.wasm\"},\"functions\":[\"f\"]}";
    cfg = wxg_config_parse(dot, strlen(dot), "/srv/", &err);
    CHECK(cfg && strcmp(cfg->path, "/srv/sub/a.wasm") == 0);
    wxg_config_free(cfg);
    static const char abs[] = "{\"name\":\"a\",\"vm_config\":{\"path\":"
                              "\"/opt/a.wasm\"},\"functions\":[\"f\"]}";
    cfg = wxg_config_parse(abs, strlen(abs), "/srv", &err);
    CHECK(cfg && strcmp(cfg->path, "/opt/a.wasm") == 0);
    wxg_config_free(cfg);
}

static void test_load_file(void)
{
    char dir[] = "/tmp/wx-config-XXXXXX";
    CHECK(mkdtemp(dir) != NULL);
    char sub[64], file[96], bad[96], missing[96], big[96];
    snprintf(sub, sizeof sub, "%s/conf", dir);
    CHECK(mkdir(sub, 0700) == 0);
    snprintf(file, sizeof file, "%s/car.json", sub);
    FILE *f = fopen(file, "w");
    CHECK(f != NULL);
    if (!f)
        return;
    fputs(full_json, f);
    fclose(f);

    wx_error err;
    wx_error_clear(&err);
    wxg_config *cfg = wxg_config_load(file, &err);
    CHECK_MSG(cfg != NULL, "%s", err.message);
    if (cfg) {
        check_full(cfg, sub);
        wxg_config_free(cfg);
    }

    /* A relative file name gives an absolute path all the same. */
    char cwd[512];
    CHECK(getcwd(cwd, sizeof cwd) != NULL);
    CHECK(chdir(dir) == 0);
    cfg = wxg_config_load("conf/car.json", &err);
    CHECK_MSG(cfg != NULL, "%s", err.message);
    if (cfg) {
        check_full(cfg, sub);
        wxg_config_free(cfg);
    }
    CHECK(chdir(cwd) == 0);

    /* Errors from a file start with its name. */
    snprintf(bad, sizeof bad, "%s/bad.json", dir);
    f = fopen(bad, "w");
    fputs("{\"name\":\"car\",\n \"vm_config\":{\"engine\":\"v8\"}}", f);
    fclose(f);
    cfg = wxg_config_load(bad, &err);
    CHECK(!cfg && err.status == WX_EARG);
    char want[320];
    snprintf(want, sizeof want,
             "%s: vm_config.engine: \"v8\" is not a known engine (choose "
             "interp, aot or wasmedge)",
             bad);
    CHECK_MSG(strcmp(err.message, want) == 0, "%s", err.message);
    f = fopen(bad, "w");
    fputs("{\"name\":\"car\",\n \"vm_config\":}", f);
    fclose(f);
    cfg = wxg_config_load(bad, &err);
    snprintf(want, sizeof want,
             "%s: line 2, column 14: unexpected token near '}'", bad);
    CHECK_MSG(!cfg && strcmp(err.message, want) == 0, "%s", err.message);

    snprintf(missing, sizeof missing, "%s/none.json", dir);
    cfg = wxg_config_load(missing, &err);
    snprintf(want, sizeof want, "%s: cannot open: No such file or directory",
             missing);
    CHECK(!cfg && err.status == WX_EIO);
    CHECK_MSG(strcmp(err.message, want) == 0, "%s", err.message);

    /* A file over 1 MiB is refused before parsing. */
    snprintf(big, sizeof big, "%s/big.json", dir);
    f = fopen(big, "w");
    for (int i = 0; i < (1 << 20) + 1; i++)
        fputc(' ', f);
    fclose(f);
    cfg = wxg_config_load(big, &err);
    snprintf(want, sizeof want,
             "%s: too large (a config is at most 1048576 bytes)", big);
    CHECK_MSG(!cfg && strcmp(err.message, want) == 0, "%s", err.message);

    unlink(file);
    unlink(bad);
    unlink(big);
    rmdir(sub);
    rmdir(dir);
}

static void test_engines(void)
{
    wx_error err;
    wxg_config *cfg =
        parse("{\"name\":\"a\",\"vm_config\":{\"engine\":\"aot\",\"path\":"
              "\"/a.wasm\"},\"functions\":[\"f\"]}",
              &err);
    CHECK_MSG(cfg != NULL, "%s", err.message); /* accepted... */
    if (!cfg)
        return;
    CHECK(cfg->engine == WXG_ENGINE_AOT);
    CHECK(strcmp(wxg_engine_label(cfg), "aot (not available yet)") == 0);
    wx_error_clear(&err);
    CHECK(!wxg_engine_available(cfg, &err)); /* ...but not runnable */
    CHECK(err.status == WX_EARG);
    CHECK_MSG(strcmp(err.message, "vm_config.engine: \"aot\" is not "
                                  "available yet (use interp)") == 0,
              "%s", err.message);
    char *dump = wxg_config_dump(cfg, 0);
    CHECK(dump && strstr(dump, "\"engine\":\"aot\""));
    free(dump);
    wxg_config_free(cfg);
}

static void test_names_and_types(void)
{
    CHECK(wxg_name_valid("a"));
    CHECK(wxg_name_valid("_"));
    CHECK(wxg_name_valid("Car_9"));
    CHECK(!wxg_name_valid("9"));
    CHECK(!wxg_name_valid("a b"));
    CHECK(!wxg_name_valid("é"));
    char name[66];
    memset(name, 'a', 64);
    name[64] = '\0';
    CHECK(wxg_name_valid(name));
    name[64] = 'a';
    name[65] = '\0';
    CHECK(!wxg_name_valid(name));

    for (unsigned i = 0; i < WX_TYPE_COUNT_; i++) {
        wx_type t;
        CHECK(wx_type_parse(wx_type_name((wx_type)i), &t) && t == i);
    }
    wx_type t;
    CHECK(!wx_type_parse("vec<f64>", &t));
    CHECK(!wx_type_parse("I32", &t));
    CHECK(wxg_type_is_scalar(WX_TYPE_CHAR) &&
          !wxg_type_is_scalar(WX_TYPE_STRING));
    /* The public names: NULL out of range (include/wasmext.h). */
    CHECK(wx_type_name(WX_TYPE_COUNT_) == NULL);
    CHECK(strcmp(wx_abi_name(WX_ABI_CSTRING), "cstring") == 0);
    CHECK(wx_abi_name(WX_ABI_COUNT_) == NULL);
    CHECK(wxg_output_name(WX_OUTPUT_DEFAULT) == NULL);
    CHECK(strcmp(wxg_init_name(WX_INIT_START), "_start") == 0);
}

/* Limits left out get the defaults of wasmext/defaults.h; an explicit 0
 * means "unlimited", survives the canonical form and is not the default. */
static void test_limit_defaults(void)
{
    wx_error err;
    wxg_config *cfg = parse("{" BASE "}", &err);
    CHECK_MSG(cfg != NULL, "%s", err.message);
    if (!cfg)
        return;
    CHECK(!cfg->limits.has_timeout_ms && !cfg->limits.has_memory_pages);
    wxg_limits eff = wxg_limits_effective(&cfg->limits);
    CHECK(eff.timeout_ms == WX_DEFAULT_TIMEOUT_MS);
    CHECK(eff.memory_pages == WX_DEFAULT_MEMORY_PAGES);
    CHECK(eff.stack == WX_DEFAULT_CALL_DEPTH);
    CHECK(eff.fuel == WX_DEFAULT_FUEL);
    wxg_config_free(cfg);

    const char *zero = "{" BASE ",\"limits\":{\"memory_pages\":0,"
                       "\"timeout_ms\":0,\"fuel\":0}}";
    cfg = parse(zero, &err);
    CHECK_MSG(cfg != NULL, "%s", err.message);
    if (!cfg)
        return;
    eff = wxg_limits_effective(&cfg->limits);
    CHECK(eff.timeout_ms == 0 && eff.memory_pages == 0 && eff.fuel == 0);
    CHECK(eff.stack == WX_DEFAULT_CALL_DEPTH);
    char *dump = wxg_config_dump(cfg, 0);
    CHECK_MSG(dump && strstr(dump, "\"limits\":{\"memory_pages\":0,"
                                   "\"timeout_ms\":0,\"fuel\":0}"),
              "%s", dump);
    wxg_config_free(cfg);
    cfg = dump ? parse(dump, &err) : NULL;
    CHECK(cfg && cfg->limits.has_timeout_ms && cfg->limits.timeout_ms == 0);
    free(dump);
    wxg_config_free(cfg);

    cfg = parse("{" BASE ",\"limits\":{\"timeout_ms\":250}}", &err);
    CHECK(cfg != NULL);
    if (cfg) {
        eff = wxg_limits_effective(&cfg->limits);
        CHECK(eff.timeout_ms == 250);
        CHECK(eff.memory_pages == WX_DEFAULT_MEMORY_PAGES);
    }
    wxg_config_free(cfg);
}

/* The keys `wasmext run` needs (a WASI command run in the foreground):
 * argv[0], this process's stdin, and no entry run at instance creation.
 * Left out they are "not set", and the canonical form leaves them out. */
static void test_wasi_run_keys(void)
{
    wx_error err;
    wxg_config *cfg = parse("{" BASE ",\"wasi\":{\"init\":\"none\","
                            "\"stdin\":\"inherit\",\"argv0\":\"./t.wasm\","
                            "\"args\":[\"-v\"]}}",
                            &err);
    CHECK_MSG(cfg != NULL, "%s", err.message);
    if (!cfg)
        return;
    const wxg_wasi *w = &cfg->wasi;
    CHECK(w->init == WX_INIT_NONE && w->in == WX_STDIN_INHERIT);
    CHECK(w->argv0 && strcmp(w->argv0, "./t.wasm") == 0);
    char *dump = wxg_config_dump(cfg, 0);
    CHECK_MSG(dump && strstr(dump, "\"wasi\":{\"argv0\":\"./t.wasm\","
                                   "\"args\":[\"-v\"],\"stdin\":"
                                   "\"inherit\",\"init\":\"none\"}"),
              "%s", dump);
    wxg_config_free(cfg);
    cfg = dump ? parse(dump, &err) : NULL;
    CHECK(cfg && cfg->wasi.init == WX_INIT_NONE &&
          cfg->wasi.in == WX_STDIN_INHERIT && cfg->wasi.argv0 &&
          strcmp(cfg->wasi.argv0, "./t.wasm") == 0);
    free(dump);
    wxg_config_free(cfg);

    cfg = parse("{" BASE ",\"wasi\":{\"stdin\":\"empty\"}}", &err);
    CHECK(cfg && cfg->wasi.in == WX_STDIN_EMPTY && !cfg->wasi.argv0 &&
          cfg->wasi.init == WX_INIT_AUTO);
    dump = cfg ? wxg_config_dump(cfg, 0) : NULL;
    CHECK_MSG(dump && strstr(dump, "\"wasi\":{\"stdin\":\"empty\"}"), "%s",
              dump);
    free(dump);
    wxg_config_free(cfg);

    cfg = parse("{" BASE "}", &err);
    CHECK(cfg && cfg->wasi.in == WX_STDIN_DEFAULT && !cfg->wasi.argv0);
    dump = cfg ? wxg_config_dump(cfg, 0) : NULL;
    CHECK_MSG(dump && !strstr(dump, "wasi"), "%s", dump);
    free(dump);
    wxg_config_free(cfg);

    CHECK(strcmp(wxg_init_name(WX_INIT_NONE), "none") == 0);
    CHECK(strcmp(wxg_input_name(WX_STDIN_INHERIT), "inherit") == 0);
    CHECK(wxg_input_name(WX_STDIN_DEFAULT) == NULL);
}

/* A NULL error object is allowed everywhere. */
static void test_null_error(void)
{
    CHECK(wxg_config_parse("{}", 2, NULL, NULL) == NULL);
    CHECK(wxg_config_parse("{", 1, NULL, NULL) == NULL);
    CHECK(wxg_config_load("/nonexistent/x.json", NULL) == NULL);
}

/* abi extism and the "extism" object: errors name the field, values of
 * extism.config are never quoted, and the canonical form round-trips. */
static void test_extism(void)
{
    EXPECT_ERROR(FN("[{\"name\":\"f\",\"abi\":\"extism\","
                    "\"params\":[\"i32\"]}]"),
                 "functions[0].params[0]: \"i32\" does not fit abi extism (an "
                 "Extism plugin's input and output are string, bytes or "
                 "json)");
    EXPECT_ERROR(FN("[{\"name\":\"f\",\"abi\":\"extism\","
                    "\"results\":[\"string\",\"json\"]}]"),
                 "functions[0].results: abi extism takes at most one type "
                 "(the plugin's output)");
    EXPECT_ERROR("{" BASE ",\"extism\":{\"confg\":{}}}",
                 "extism.confg: unknown key (keys: config, allowed_hosts, "
                 "max_var_bytes, max_http_response_bytes)");
    EXPECT_ERROR("{" BASE ",\"extism\":{\"config\":{\"token\":7}}}",
                 "extism.config.token: must be a string");
    EXPECT_ERROR("{" BASE ",\"extism\":{\"allowed_hosts\":[\"\"]}}",
                 "extism.allowed_hosts[0]: must be a non-empty host name, "
                 "got \"\"");
    EXPECT_ERROR("{" BASE ",\"extism\":{\"max_var_bytes\":-1}}",
                 "extism.max_var_bytes: must be an integer from 0 to "
                 "67108864, got -1");
    EXPECT_ERROR("{" BASE ",\"extism\":{\"max_http_response_bytes\":0}}",
                 "extism.max_http_response_bytes: must be an integer from 1 "
                 "to 67108864, got 0");

    const char *json =
        "{\"name\":\"x\",\"instance_num\":1,\"vm_config\":{\"engine\":"
        "\"interp\",\"path\":\"/p/x.wasm\"},\"functions\":[{\"name\":"
        "\"f\",\"abi\":\"extism\",\"params\":[\"string\"],\"results\":"
        "[\"json\"]},{\"name\":\"g\",\"abi\":\"extism\"}],\"extism\":{"
        "\"config\":{\"a\":\"1\",\"b\":\"2\"},\"allowed_hosts\":["
        "\"*.example.com\"],\"max_var_bytes\":0,"
        "\"max_http_response_bytes\":4096}}";
    wx_error err;
    wxg_config *cfg = parse(json, &err);
    CHECK_MSG(cfg != NULL, "%s", err.message);
    if (!cfg)
        return;
    CHECK(cfg->funcs[1].abi == WX_ABI_EXTISM && !cfg->funcs[1].has_params);
    CHECK(cfg->extism.nconfig == 2 && cfg->extism.nhosts == 1);
    CHECK(cfg->extism.has_max_var_bytes && cfg->extism.max_var_bytes == 0);
    CHECK(cfg->extism.max_http_response_bytes == 4096);
    char *dump = wxg_config_dump(cfg, 0);
    CHECK_MSG(dump && strcmp(dump, json) == 0, "\n  want: %s\n  got:  %s",
              json, dump ? dump : "(null)");
    free(dump);
    wxg_config_free(cfg);
}

int main(void)
{
    test_json_errors();
    test_top_level_errors();
    test_vm_config_errors();
    test_function_errors();
    test_limits_errors();
    test_wasi_errors();
    test_proposal_config();
    test_defaults_canonical();
    test_full_config_round_trip();
    test_base_dir();
    test_load_file();
    test_engines();
    test_names_and_types();
    test_limit_defaults();
    test_wasi_run_keys();
    test_null_error();
    test_extism();
    return CHECK_DONE();
}
