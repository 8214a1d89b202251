/*
 * GET /metrics after calls: the Prometheus text has the per-function
 * counters (calls, errors by code: the manager's, which the plugin
 * report shows too), the daemon's latency histogram, the plugin gauges
 * (instances busy/idle, also during a call) and the process ones, and
 * they advance with further calls. Arguments the daemon refuses are a
 * 400, not a call. A deleted plugin's series go with it.
 */
#include "check.h"
#include "harness.h"

#include <pthread.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

static rt_daemon d;

static char *scrape(void)
{
    rt_resp r = rt_req(&d, "GET", "/metrics", NULL);
    CHECK_STATUS(r, 200);
    CHECK(strncmp(r.content_type, "text/plain; version=0.0.4", 25) == 0);
    char *text = r.body ? strdup(r.body) : strdup("");
    rt_free(&r);
    return text;
}

static void call(const char *path, const char *body, int status)
{
    rt_resp r = rt_req(&d, "POST", path, body);
    CHECK_STATUS(r, status);
    rt_free(&r);
}

#define CHECK_VALUE(text, series, want)                                       \
    do {                                                                      \
        double v_ = rt_series(text, series);                                   \
        CHECK_MSG(v_ == (want), "%s = %g, want %g", series, v_,               \
                  (double)(want));                                            \
    } while (0)

static void test_after_calls(void)
{
    for (int i = 0; i < 5; i++)
        call("/plugins/calc/functions/fib", "{\"args\": [15]}", 200);
    call("/functions/div", "{\"args\": [1, 0]}", 422);
    call("/functions/calc.div", "{\"args\": [1, 0]}", 422);
    call("/functions/div", "{\"args\": [6, 3]}", 200);
    call("/functions/add", "{\"args\": [\"x\"]}", 400);
    call("/functions/nope", "{\"args\": []}", 404);

    char *m = scrape();
    CHECK_VALUE(m, "wasmext_plugins", 1);
    CHECK_VALUE(m, "wasmext_plugin_up{plugin=\"calc\"}", 1);
    CHECK_VALUE(m, "wasmext_plugin_revision{plugin=\"calc\"}", 1);
    CHECK_VALUE(m, "wasmext_plugin_instances{plugin=\"calc\",state=\"total\"}",
                2);
    CHECK_VALUE(m, "wasmext_plugin_instances{plugin=\"calc\",state=\"busy\"}",
                0);
    CHECK_VALUE(m, "wasmext_function_calls_total{plugin=\"calc\","
                   "function=\"fib\"}",
                5);
    CHECK_VALUE(m, "wasmext_function_calls_total{plugin=\"calc\","
                   "function=\"div\"}",
                3);
    CHECK_VALUE(m, "wasmext_function_errors_total{plugin=\"calc\","
                   "function=\"div\",code=\"trap\"}",
                2);
    /* Refused by the daemon's conversion: never a call of add, an HTTP
     * 400 instead. */
    CHECK(rt_series(m, "wasmext_function_errors_total{plugin=\"calc\","
                       "function=\"add\",code=\"arg\"}") <= 0);
    CHECK_VALUE(m, "wasmext_function_calls_total{plugin=\"calc\","
                   "function=\"add\"}",
                0);
    CHECK(rt_series(m, "wasmext_function_duration_seconds_count{"
                       "plugin=\"calc\",function=\"add\"}") <= 0);
    CHECK_VALUE(m, "wasmext_http_responses_total{code=\"400\"}", 1);
    /* No errors, no series. */
    CHECK_VALUE(m, "wasmext_function_errors_total{plugin=\"calc\","
                   "function=\"fib\",code=\"trap\"}",
                -1);
    CHECK_VALUE(m, "wasmext_function_duration_seconds_count{plugin=\"calc\","
                   "function=\"fib\"}",
                5);
    CHECK_VALUE(m, "wasmext_function_duration_seconds_bucket{plugin=\"calc\","
                   "function=\"fib\",le=\"+Inf\"}",
                5);
    CHECK_VALUE(m, "wasmext_function_duration_seconds_bucket{plugin=\"calc\","
                   "function=\"fib\",le=\"10\"}",
                5);
    CHECK(rt_series(m, "wasmext_function_duration_seconds_sum{plugin=\"calc\","
                      "function=\"fib\"}") > 0);
    CHECK(rt_series(m, "wasmext_uptime_seconds") > 0);
    CHECK(rt_series(m, "wasmext_http_responses_total{code=\"200\"}") >= 6);
    CHECK_VALUE(m, "wasmext_http_responses_total{code=\"422\"}", 2);
    CHECK_VALUE(m, "wasmext_http_responses_total{code=\"404\"}", 1);
    CHECK_VALUE(m, "wasmext_http_requests_in_flight", 1);
    CHECK(strstr(m, "# TYPE wasmext_function_duration_seconds histogram"));
    CHECK(strstr(m, "# TYPE wasmext_function_calls_total counter"));
    /* Unknown functions are not measured. */
    CHECK(!strstr(m, "function=\"nope\""));
    free(m);

    /* The counters advance. */
    call("/functions/fib", "{\"args\": [3]}", 200);
    m = scrape();
    CHECK_VALUE(m, "wasmext_function_calls_total{plugin=\"calc\","
                   "function=\"fib\"}",
                6);
    CHECK_VALUE(m, "wasmext_function_duration_seconds_count{plugin=\"calc\","
                   "function=\"fib\"}",
                6);
    free(m);

    /* The report shows the same counts, the errors by status. */
    rt_resp r = rt_req(&d, "GET", "/plugins/calc", NULL);
    CHECK_STATUS(r, 200);
    json_t *fns = json_object_get(r.json, "functions");
    bool seen = false;
    for (size_t i = 0; i < json_array_size(fns); i++) {
        json_t *f = json_array_get(fns, i);
        if (strcmp(json_string_value(json_object_get(f, "name")), "div"))
            continue;
        seen = true;
        json_t *by = json_object_get(f, "errors_by");
        CHECK(json_integer_value(json_object_get(f, "calls")) == 3);
        CHECK(json_integer_value(json_object_get(f, "errors")) == 2);
        CHECK(json_is_object(by) && json_object_size(by) == 1);
        CHECK(json_integer_value(json_object_get(by, "trap")) == 2);
    }
    CHECK_MSG(seen, "no div in %s", r.body ? r.body : r.error);
    rt_free(&r);
}

static long long slow_n;

static void *run_slow(void *arg)
{
    long *status = arg;
    char body[64];
    snprintf(body, sizeof body, "{\"args\": [%lld]}", slow_n);
    rt_thread_done();
    rt_resp r = rt_req(&d, "POST", "/functions/slow", body);
    *status = r.status;
    rt_free(&r);
    rt_thread_done();
    return NULL;
}

static void test_busy_gauge(void)
{
    /* No call timeout: the slow call (about 1.5 s) may take longer than
     * the default on a loaded machine. */
    char *cfg = rt_config("lone", rt_guest("calc.wasm"), "[\"slow\"]",
                          "\"instance_num\": 1, "
                          "\"limits\": {\"timeout_ms\": 0}");
    rt_resp r = rt_req(&d, "POST", "/plugins", cfg);
    CHECK_STATUS(r, 201);
    rt_free(&r);
    free(cfg);
    slow_n = rt_slow_n(&d, "/functions/slow", 1500);

    long status = 0;
    pthread_t t;
    pthread_create(&t, NULL, run_slow, &status);
    usleep(300000);
    rt_thread_done(); /* a fresh connection: an idle worker answers */
    char *m = scrape();
    CHECK_VALUE(m, "wasmext_plugins", 2);
    CHECK_VALUE(m, "wasmext_plugin_instances{plugin=\"lone\",state=\"busy\"}",
                1);
    CHECK_VALUE(m, "wasmext_plugin_instances{plugin=\"lone\",state=\"idle\"}",
                0);
    CHECK_VALUE(m, "wasmext_http_requests_in_flight", 2);
    free(m);
    pthread_join(t, NULL);
    CHECK(status == 200);

    m = scrape();
    CHECK_VALUE(m, "wasmext_plugin_instances{plugin=\"lone\",state=\"busy\"}",
                0);
    CHECK_VALUE(m, "wasmext_plugin_instances{plugin=\"lone\",state=\"idle\"}",
                1);
    free(m);
}

/* A deleted plugin's series go with it: the manager no longer lists
 * it. Added again, it starts from 0. */
static void test_deleted_drops_counters(void)
{
    rt_resp r = rt_req(&d, "DELETE", "/plugins/calc", NULL);
    CHECK_STATUS(r, 200);
    rt_free(&r);
    char *m = scrape();
    CHECK_VALUE(m, "wasmext_plugins", 1);
    CHECK_VALUE(m, "wasmext_plugin_up{plugin=\"calc\"}", -1);
    CHECK_VALUE(m, "wasmext_function_calls_total{plugin=\"calc\","
                   "function=\"fib\"}",
                -1);
    CHECK_VALUE(m, "wasmext_function_errors_total{plugin=\"calc\","
                   "function=\"div\",code=\"trap\"}",
                -1);
    CHECK_VALUE(m, "wasmext_function_duration_seconds_count{plugin=\"calc\","
                   "function=\"fib\"}",
                -1);
    CHECK(!strstr(m, "plugin=\"calc\""));
    free(m);

    char *cfg = rt_config("calc", rt_guest("calc.wasm"),
                          "[\"add\", \"fib\", \"div\"]",
                          "\"instance_num\": 2");
    r = rt_req(&d, "POST", "/plugins", cfg);
    CHECK_STATUS(r, 201);
    rt_free(&r);
    free(cfg);
    call("/functions/fib", "{\"args\": [3]}", 200);
    m = scrape();
    CHECK_VALUE(m, "wasmext_function_calls_total{plugin=\"calc\","
                   "function=\"fib\"}",
                1);
    CHECK_VALUE(m, "wasmext_function_calls_total{plugin=\"calc\","
                   "function=\"div\"}",
                0);
    CHECK_VALUE(m, "wasmext_function_errors_total{plugin=\"calc\","
                   "function=\"div\",code=\"trap\"}",
                -1);
    CHECK_VALUE(m, "wasmext_function_duration_seconds_count{plugin=\"calc\","
                   "function=\"fib\"}",
                1);
    free(m);
}

int main(int argc, char **argv)
{
    rt_init(argc, argv);
    if (!rt_start(&d, rt_tmp("registry.db"), "--threads", "2",
                  (char *)NULL)) {
        CHECK_MSG(0, "the daemon did not start");
        return rt_finish(CHECK_DONE());
    }
    char *cfg = rt_config("calc", rt_guest("calc.wasm"),
                          "[\"add\", \"fib\", \"div\"]",
                          "\"instance_num\": 2");
    rt_resp r = rt_req(&d, "POST", "/plugins", cfg);
    CHECK_STATUS(r, 201);
    rt_free(&r);
    free(cfg);
    test_after_calls();
    test_busy_gauge();
    test_deleted_drops_counters();
    CHECK(rt_stop(&d, SIGTERM, 20000) == 0);
    return rt_finish(CHECK_DONE());
}
