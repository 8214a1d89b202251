/*
 * Seeing into calls on the real daemon, over HTTP:
 *
 * - GET /plugins/{p}/logs: the guest log lines each with the function
 *   whose call wrote it and its level, from WASI output (logwasi.wasm:
 *   single calls and a batch) and Extism log calls (logextism.wasm); the
 *   `_initialize` line has none; the daemon's own log prefixes each
 *   line with plugin.function; 404 for an unknown plugin.
 * - The fuel histogram in GET /plugins/{p}: per function of a plugin
 *   that sets limits.fuel, the same counts as /metrics' histogram (per
 *   bucket here, cumulative there); no "fuel" for a plugin without.
 * - With --token-file: the logs need a token (401 without, 200 with a
 *   call token).
 */
#include "check.h"
#include "harness.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>

#define CALL_TOKEN "ca11-t0ken-fedcba9876543210"

static rt_daemon d;

static void add(const char *cfg_text)
{
    rt_resp r = rt_req(&d, "POST", "/plugins", cfg_text);
    CHECK_STATUS(r, 201);
    rt_free(&r);
}

static void call(const char *path, const char *body, int want)
{
    rt_resp r = rt_req(&d, "POST", path, body);
    CHECK_STATUS(r, want);
    rt_free(&r);
}

static const char *s_at(json_t *o, const char *key)
{
    const char *s = json_string_value(json_object_get(o, key));
    return s ? s : "(null)";
}

/* Line i of a logs answer is (function or "(null)", level, text). */
static void line_is(json_t *lines, size_t i, const char *func,
                    const char *level, const char *text)
{
    json_t *l = json_array_get(lines, i);
    CHECK_MSG(strcmp(s_at(l, "function"), func) == 0 &&
                  strcmp(s_at(l, "level"), level) == 0 &&
                  strcmp(s_at(l, "text"), text) == 0 &&
                  json_integer_value(json_object_get(l, "seq")) ==
                      (json_int_t)i + 1,
              "line %zu: %s %s %s, want %s %s %s", i, s_at(l, "function"),
              s_at(l, "level"), s_at(l, "text"), func, level, text);
}

static void test_logs(void)
{
    char *cfg = rt_config("logw", rt_guest("logwasi.wasm"),
                          "[\"one\", \"two\"]", "\"instance_num\": 1");
    add(cfg);
    free(cfg);
    cfg = rt_config("logx", rt_guest("logextism.wasm"),
                    "[{\"name\": \"greet\", \"abi\": \"extism\", "
                    "\"params\": [], \"results\": []}, "
                    "{\"name\": \"shout\", \"abi\": \"extism\", "
                    "\"params\": [], \"results\": []}]",
                    NULL);
    add(cfg);
    free(cfg);

    call("/plugins/logw/functions/one", "{\"args\": [1]}", 200);
    call("/plugins/logw/functions/two", "{\"args\": [1]}", 200);
    call("/plugins/logw/functions/one/batch", "{\"rows\": [[1], [2]]}", 200);
    call("/functions/greet", "{\"args\": []}", 200);
    call("/functions/shout", "{\"args\": []}", 200);

    rt_resp r = rt_req(&d, "GET", "/plugins/logw/logs", NULL);
    CHECK_STATUS(r, 200);
    json_t *lines = json_object_get(r.json, "lines");
    CHECK_MSG(json_array_size(lines) == 5, "%s", r.body ? r.body : "");
    line_is(lines, 0, "(null)", "stdout", "starting");
    line_is(lines, 1, "one", "stdout", "one says hi");
    line_is(lines, 2, "two", "stderr", "two says bye");
    line_is(lines, 3, "one", "stdout", "one says hi");
    line_is(lines, 4, "one", "stdout", "one says hi");
    CHECK(json_is_null(json_object_get(json_array_get(lines, 0), "function")));
    CHECK(json_integer_value(json_object_get(r.json, "logged")) == 5);
    CHECK(json_integer_value(json_object_get(r.json, "bound")) == 256);
    rt_free(&r);

    r = rt_req(&d, "GET", "/plugins/logx/logs", NULL);
    CHECK_STATUS(r, 200);
    lines = json_object_get(r.json, "lines");
    CHECK_MSG(json_array_size(lines) == 3, "%s", r.body ? r.body : "");
    line_is(lines, 0, "greet", "info", "greeting");
    line_is(lines, 1, "shout", "debug", "about to shout");
    line_is(lines, 2, "shout", "error", "SHOUTING");
    rt_free(&r);

    r = rt_req(&d, "GET", "/plugins/nosuch/logs", NULL);
    CHECK_STATUS(r, 404);
    rt_free(&r);
}

/* The daemon's own log names the function too. */
static void check_daemon_log(void)
{
    char *log = rt_log(&d);
    CHECK_MSG(strstr(log, "[guest logw stdout] starting\n") &&
                  strstr(log, "[guest logw.one stdout] one says hi\n") &&
                  strstr(log, "[guest logw.two stderr] two says bye\n") &&
                  strstr(log, "[guest logx.shout error] SHOUTING\n"),
              "%s", log);
    free(log);
}

/* /metrics' cumulative count at bound `le` ("+Inf" or a number). */
static double metric_bucket(const char *m, const char *func, const char *le)
{
    char name[256];
    snprintf(name, sizeof name,
             "wasmext_function_fuel_units_bucket{plugin=\"fuelp\","
             "function=\"%s\",le=\"%s\"}",
             func, le);
    return rt_series(m, name);
}

static void test_fuel(void)
{
    char *cfg = rt_config("fuelp", rt_guest("calc.wasm"), "[\"fib\", \"add\"]",
                          "\"limits\": {\"fuel\": 100000000}");
    add(cfg);
    free(cfg);
    cfg = rt_config("nofuel", rt_guest("calc.wasm"), "[\"mul64\"]", NULL);
    add(cfg);
    free(cfg);
    const int ns[] = {1, 5, 10, 15};
    for (size_t i = 0; i < sizeof ns / sizeof ns[0]; i++) {
        char body[64];
        snprintf(body, sizeof body, "{\"args\": [%d]}", ns[i]);
        call("/plugins/fuelp/functions/fib", body, 200);
    }
    call("/plugins/fuelp/functions/add", "{\"args\": [1, 2]}", 200);

    rt_resp m = rt_req(&d, "GET", "/metrics", NULL);
    CHECK_STATUS(m, 200);
    rt_resp r = rt_req(&d, "GET", "/plugins/fuelp", NULL);
    CHECK_STATUS(r, 200);
    json_t *fns = json_object_get(r.json, "functions");
    size_t seen = 0;
    for (size_t i = 0; i < json_array_size(fns); i++) {
        json_t *f = json_array_get(fns, i);
        const char *name = s_at(f, "name");
        json_t *fuel = json_object_get(f, "fuel");
        CHECK_MSG(json_is_object(fuel), "%s has no fuel", name);
        CHECK(json_integer_value(json_object_get(fuel, "limit")) == 100000000);
        json_int_t calls = json_integer_value(json_object_get(fuel, "calls"));
        CHECK(calls == (strcmp(name, "fib") == 0 ? 4 : 1));
        char sum_name[200];
        snprintf(sum_name, sizeof sum_name,
                 "wasmext_function_fuel_units_sum{plugin=\"fuelp\","
                 "function=\"%s\"}",
                 name);
        CHECK((double)json_integer_value(json_object_get(fuel, "sum")) ==
              rt_series(m.body, sum_name));
        /* Each bucket's calls are the step of /metrics' cumulative
         * count at its bound, and the buckets add up to the calls. */
        json_t *buckets = json_object_get(fuel, "buckets");
        json_int_t total = 0;
        for (size_t b = 0; b < json_array_size(buckets); b++) {
            json_t *k = json_array_get(buckets, b);
            json_int_t gt = json_integer_value(json_object_get(k, "gt"));
            json_t *le = json_object_get(k, "le");
            json_int_t n = json_integer_value(json_object_get(k, "calls"));
            char hi[32], lo[32];
            if (json_is_null(le))
                snprintf(hi, sizeof hi, "+Inf");
            else
                snprintf(hi, sizeof hi, "%lld",
                         (long long)json_integer_value(le));
            snprintf(lo, sizeof lo, "%lld", (long long)gt);
            double below = gt ? metric_bucket(m.body, name, lo) : 0;
            CHECK_MSG(metric_bucket(m.body, name, hi) - below == (double)n,
                      "%s bucket (%s, %s]: %lld calls", name, lo, hi,
                      (long long)n);
            CHECK(n > 0);
            total += n;
        }
        CHECK(total == calls);
        seen++;
    }
    CHECK(seen == 2);
    /* fib of 1 and of 15 use different fuel: more than one bucket. */
    json_t *fib = json_array_get(fns, 0);
    CHECK_MSG(json_array_size(json_object_get(json_object_get(fib, "fuel"),
                                              "buckets")) >= 2,
              "%s", r.body);
    rt_free(&r);
    rt_free(&m);

    r = rt_req(&d, "GET", "/plugins/nofuel", NULL);
    CHECK_STATUS(r, 200);
    json_t *f = json_array_get(json_object_get(r.json, "functions"), 0);
    CHECK(json_object_get(f, "fuel") == NULL);
    rt_free(&r);
}

/* A daemon with tokens: the logs are for those who may call. */
static void test_token(void)
{
    rt_daemon t;
    const char *tf = rt_tmp("tokens");
    rt_write(tf, "call reader " CALL_TOKEN "\n");
    chmod(tf, 0600);
    if (!rt_start(&t, rt_tmp("tok.db"), "--token-file", tf, (char *)NULL)) {
        CHECK_MSG(0, "the daemon with tokens did not start");
        return;
    }
    rt_resp r = rt_req(&t, "GET", "/plugins/nosuch/logs", NULL);
    CHECK_STATUS(r, 401);
    rt_free(&r);
    t.token = CALL_TOKEN;
    r = rt_req(&t, "GET", "/plugins/nosuch/logs", NULL);
    CHECK_STATUS(r, 404);
    rt_free(&r);
    CHECK(rt_stop(&t, SIGTERM, 20000) == 0);
}

int main(int argc, char **argv)
{
    rt_init(argc, argv);
    if (!rt_start(&d, rt_tmp("registry.db"), (char *)NULL)) {
        CHECK_MSG(0, "the daemon did not start");
        return rt_finish(CHECK_DONE());
    }
    test_logs();
    test_fuel();
    CHECK(rt_stop(&d, SIGTERM, 20000) == 0);
    check_daemon_log();
    test_token();
    return rt_finish(CHECK_DONE());
}
