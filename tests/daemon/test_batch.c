/*
 * POST /plugins/{p}/functions/{f}/batch (and /functions/{f}/batch) on the
 * real daemon: rows of numbers (the scanner's path) and rows with other
 * values (jansson's), results in row order with each failed row's error
 * object in its place (trap, bad arguments, a row that is not an array,
 * a guest error), whole-body refusals (400, 404, 413), the counters
 * counting each row, and the fuel histogram in /metrics for the plugin
 * that sets limits.fuel only.
 */
#include "check.h"
#include "harness.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

static rt_daemon d;

static void add_plugin(const char *cfg)
{
    rt_resp r = rt_req(&d, "POST", "/plugins", cfg);
    CHECK_STATUS(r, 201);
    rt_free(&r);
}

/* A batch whose answer must be exactly `want` (JSON, compared as
 * values). */
static void batch_is(const char *path, const char *body, const char *want)
{
    rt_resp r = rt_req(&d, "POST", path, body);
    CHECK_STATUS(r, 200);
    json_error_t je;
    json_t *w = json_loads(want, 0, &je);
    CHECK_MSG(w != NULL, "bad expectation: %s", je.text);
    CHECK_MSG(r.json && w && json_equal(r.json, w), "%s: got %s, want %s",
              body, r.body ? r.body : "", want);
    json_decref(w);
    rt_free(&r);
}

static void batch_fails(const char *path, const char *body, int status,
                        const char *code, const char *part)
{
    rt_resp r = rt_req(&d, "POST", path, body);
    CHECK_STATUS(r, status);
    CHECK_MSG(strcmp(rt_code(&r), code) == 0, "code %s, want %s",
              rt_code(&r), code);
    CHECK_MSG(r.body && strstr(r.body, part), "%s lacks %s",
              r.body ? r.body : "", part);
    rt_free(&r);
}

static void test_numbers(void)
{
    const char *add = "/plugins/calc/functions/add/batch";
    batch_is(add, "{\"rows\": [[1, 2], [3, 4], [-7, 2]]}",
             "{\"results\": [[3], [7], [-5]]}");
    batch_is(add, "{\"rows\": []}", "{\"results\": []}");
    batch_is("/functions/add/batch", " { \"rows\" : [ [ 2147483647 , 1 ] ,"
                                     "[25.0, 1e1] ] } ",
             "{\"results\": [[-2147483648], [35]]}");
    /* Bad rows fail alone and name their index. */
    batch_is(add,
             "{\"rows\": [[1, 2], [1], [2.5, 1], [5000000000, 1], [], "
             "[9, 9]]}",
             "{\"results\": [[3],"
             "{\"error\": {\"code\": \"arg\", \"message\": \"row 1: add: "
             "expected 2 arguments, got 1\"}},"
             "{\"error\": {\"code\": \"arg\", \"message\": \"row 2: "
             "argument 1: 2.5 does not fit i32 exactly\"}},"
             "{\"error\": {\"code\": \"arg\", \"message\": \"row 3: "
             "argument 1: 5000000000 does not fit i32 exactly\"}},"
             "{\"error\": {\"code\": \"arg\", \"message\": \"row 4: add: "
             "expected 2 arguments, got 0\"}},"
             "[18]]}");
    /* The same through jansson (a row that is not an array of numbers):
     * the same messages. */
    batch_is(add,
             "{\"rows\": [[1, 2], \"x\", [2.5, 1], [\"a\", 1], [4, 4]]}",
             "{\"results\": [[3],"
             "{\"error\": {\"code\": \"arg\", \"message\": \"row 1: "
             "arguments: must be a JSON array, e.g. [1, 2]\"}},"
             "{\"error\": {\"code\": \"arg\", \"message\": \"row 2: "
             "argument 1: 2.5 does not fit i32 exactly\"}},"
             "{\"error\": {\"code\": \"arg\", \"message\": \"row 3: "
             "argument 1: expected a number for i32, got a string\"}},"
             "[8]]}");
    /* A trap in the middle: the rows after it run (on a fresh
     * instance). */
    rt_resp r = rt_req(&d, "POST", "/functions/div/batch",
                       "{\"rows\": [[10, 2], [1, 0], [9, 3], [1, 0], [8, 8]]}");
    CHECK_STATUS(r, 200);
    json_t *res = json_object_get(r.json, "results");
    CHECK(json_array_size(res) == 5);
    static const int want[] = {5, -1, 3, -1, 1};
    for (size_t i = 0; i < 5; i++) {
        json_t *row = json_array_get(res, i);
        if (want[i] >= 0) {
            CHECK(json_integer_value(json_array_get(row, 0)) == want[i]);
            continue;
        }
        json_t *e = json_object_get(row, "error");
        char prefix[64];
        snprintf(prefix, sizeof prefix, "row %zu: trap: integer divide by "
                                        "zero",
                 i);
        const char *msg = json_string_value(json_object_get(e, "message"));
        CHECK_MSG(msg && strncmp(msg, prefix, strlen(prefix)) == 0, "%s",
                  msg ? msg : "(none)");
        CHECK(strcmp(json_string_value(json_object_get(e, "trap")),
                     "div_by_zero") == 0);
    }
    rt_free(&r);
    /* Results of every number type read as single calls' do. */
    batch_is("/functions/mul64/batch",
             "{\"rows\": [[3037000499, 3037000499], [-2, 3]]}",
             "{\"results\": [[9223372030926249001], [-6]]}");
    batch_is("/functions/half/batch", "{\"rows\": [[3.0], [1], [0.1]]}",
             "{\"results\": [[1.5], [0.5], [0.05]]}");
    batch_is("/functions/divmod/batch", "{\"rows\": [[17, 5], [4, 2]]}",
             "{\"results\": [[3, 2], [2, 0]]}");
}

static void test_text(void)
{
    batch_is("/functions/echo_string/batch",
             "{\"rows\": [[\"h\\u00e9llo\"], [\"\"], [3], [\"x\"]]}",
             "{\"results\": [[\"h\xc3\xa9llo\"], [\"\"],"
             "{\"error\": {\"code\": \"arg\", \"message\": \"row 2: "
             "argument 1: expected a string for string, got 3\"}},"
             "[\"x\"]]}");
    batch_is("/functions/echo_json/batch",
             "{\"rows\": [[{\"a\": [1, 2]}], [7]]}",
             "{\"results\": [[{\"a\": [1, 2]}], [7]]}");
    /* A guest error is the row's, and the rows after it run. */
    rt_resp r = rt_req(&d, "POST", "/functions/refuse/batch",
                       "{\"rows\": [[], []]}");
    CHECK_STATUS(r, 200);
    json_t *res = json_object_get(r.json, "results");
    CHECK(json_array_size(res) == 2);
    for (size_t i = 0; i < 2; i++) {
        json_t *e = json_object_get(json_array_get(res, i), "error");
        CHECK(strcmp(json_string_value(json_object_get(e, "code")),
                     "guest") == 0);
        const char *msg = json_string_value(json_object_get(e, "message"));
        CHECK(msg && strstr(msg, "no such thing") &&
              strncmp(msg, i ? "row 1: " : "row 0: ", 7) == 0);
    }
    rt_free(&r);
}

static void test_refusals(void)
{
    const char *add = "/plugins/calc/functions/add/batch";
    batch_fails(add, "{\"rows\": [[1, 2]", 400, "arg", "invalid JSON");
    batch_fails(add, "[[1, 2]]", 400, "arg", "must be an object");
    batch_fails(add, "{\"rows\": [[1, 2]], \"x\": 1}", 400, "arg",
                "one key");
    batch_fails(add, "{\"rows\": 5}", 400, "arg", "must be an array");
    batch_fails(add, "", 400, "arg", "invalid JSON");
    batch_fails(add, "{\"rows\": [[1, 99999999999999999999]]}", 400, "arg",
                "too big integer");
    batch_fails("/plugins/calc/functions/nope/batch", "{\"rows\": []}", 404,
                "noplugin", "no function \\\"nope\\\"");
    batch_fails("/functions/nope/batch", "{\"rows\": []}", 404, "noplugin",
                "nope");
    rt_resp r = rt_req(&d, "GET", add, NULL);
    CHECK_STATUS(r, 405);
    rt_free(&r);
    /* --max-body 65536: a bigger body is refused whole. */
    size_t n = 20000;
    char *big = malloc(n * 8 + 32);
    size_t len = (size_t)sprintf(big, "{\"rows\": [");
    for (size_t i = 0; i < n; i++)
        len += (size_t)sprintf(big + len, "%s[1, 2]", i ? "," : "");
    strcpy(big + len, "]}");
    r = rt_req(&d, "POST", add, big);
    CHECK_STATUS(r, 413);
    rt_free(&r);
    free(big);
}

/* Each row is a call in the counters; the fuel histogram is there for
 * the metered plugin only, and counts its rows. */
static void test_metrics(void)
{
    double before = rt_metric(
        &d, "wasmext_function_calls_total{plugin=\"calc\",function=\"add\"}");
    batch_is("/functions/add/batch", "{\"rows\": [[1, 1], [2, 2], [1]]}",
             "{\"results\": [[2], [4], {\"error\": {\"code\": \"arg\", "
             "\"message\": \"row 2: add: expected 2 arguments, got 1\"}}]}");
    double after = rt_metric(
        &d, "wasmext_function_calls_total{plugin=\"calc\",function=\"add\"}");
    /* The row the daemon could not read never reached the manager. */
    CHECK_MSG(after - before == 2, "%g calls counted", after - before);
    double traps = rt_metric(&d, "wasmext_function_errors_total{plugin="
                                 "\"calc\",function=\"div\",code=\"trap\"}");
    CHECK_MSG(traps == 2, "%g traps", traps);

    batch_is("/functions/metered.fib/batch",
             "{\"rows\": [[10], [10], [30], [2]]}",
             "{\"results\": [[55], [55], {\"error\": {\"code\": \"limit\", "
             "\"message\": \"row 2: fuel exhausted: the call used its "
             "100000 units (limits.fuel)\"}}, [1]]}");
    rt_resp r = rt_req(&d, "GET", "/metrics", NULL);
    CHECK_STATUS(r, 200);
    const char *m = r.body ? r.body : "";
    const char *fuel = "wasmext_function_fuel_units";
    CHECK(strstr(m, "# TYPE wasmext_function_fuel_units histogram"));
    double count = rt_series(m, "wasmext_function_fuel_units_count{plugin="
                                "\"metered\",function=\"fib\"}");
    CHECK_MSG(count == 4, "%g calls in the fuel histogram", count);
    /* fib(30) ran out: its 100000 units are in the le="262144" bucket
     * and not in le="65536"; the three others took less. */
    double le64k = rt_series(m, "wasmext_function_fuel_units_bucket{plugin="
                                "\"metered\",function=\"fib\",le=\"65536\"}");
    double le256k = rt_series(m, "wasmext_function_fuel_units_bucket{plugin="
                                 "\"metered\",function=\"fib\",le="
                                 "\"262144\"}");
    double inf = rt_series(m, "wasmext_function_fuel_units_bucket{plugin="
                              "\"metered\",function=\"fib\",le=\"+Inf\"}");
    CHECK_MSG(le64k == 3 && le256k == 4 && inf == 4, "%g %g %g", le64k,
              le256k, inf);
    double sum = rt_series(m, "wasmext_function_fuel_units_sum{plugin="
                              "\"metered\",function=\"fib\"}");
    CHECK(sum > 100000 && sum < 200000);
    /* No histogram for the plugins without limits.fuel. */
    char series[200];
    snprintf(series, sizeof series, "%s_count{plugin=\"calc\"", fuel);
    CHECK(strstr(m, series) == NULL);
    rt_free(&r);
}

int main(int argc, char **argv)
{
    rt_init(argc, argv);
    if (!rt_start(&d, rt_tmp("registry.db"), "--threads", "2", "--max-body",
                  "65536", (char *)NULL)) {
        CHECK_MSG(0, "the daemon did not start");
        return rt_finish(CHECK_DONE());
    }
    char *cfg = rt_config("calc", rt_guest("calc.wasm"),
                          "[\"add\", \"div\", \"mul64\", \"half\", "
                          "\"divmod\"]",
                          "\"instance_num\": 2");
    add_plugin(cfg);
    free(cfg);
    cfg = rt_config("metered", rt_guest("calc.wasm"), "[\"fib\"]",
                    "\"limits\": {\"fuel\": 100000}");
    add_plugin(cfg);
    free(cfg);
    cfg = rt_config(
        "text", rt_guest("text.wasm"),
        "[{\"name\": \"echo_string\", \"abi\": \"bindgen\", "
        "\"params\": [\"string\"], \"results\": [\"string\"]}, "
        "{\"name\": \"echo_json\", \"abi\": \"bindgen\", "
        "\"params\": [\"json\"], \"results\": [\"json\"]}, "
        "{\"name\": \"refuse\", \"abi\": \"bindgen\", "
        "\"params\": [], \"results\": [\"i32\"]}]",
        NULL);
    add_plugin(cfg);
    free(cfg);
    test_numbers();
    test_text();
    test_refusals();
    test_metrics();
    CHECK(rt_stop(&d, SIGTERM, 20000) == 0);
    return rt_finish(CHECK_DONE());
}
