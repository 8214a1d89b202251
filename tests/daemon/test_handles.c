/*
 * The call workers keep the function handles they resolved (call.c): the
 * cache must follow every change. Calls by each of the three spellings of
 * a name (function, plugin.function, plugin and function in the path) on
 * every worker, then a delete (404 "noplugin"), a re-add from another
 * module (its answer, never the old one), an update that drops the
 * function (404) and an add that gives the name to another plugin (that
 * plugin answers). The metrics count what each plugin answered, and
 * only while the manager lists it (a re-added plugin starts at 0). Also:
 * f64 results reach the client exactly.
 */
#include "check.h"
#include "harness.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

static rt_daemon d;

/* Enough calls per spelling that every call worker is likely to have
 * cached each one (the test holds whichever worker answers). */
#define ROUNDS 24

static const char *const spellings[] = {
    "/functions/value",
    "/functions/ver.value",
    "/plugins/ver/functions/value",
};
#define NSPELLINGS (sizeof spellings / sizeof spellings[0])

static void change(const char *method, const char *path, const char *body,
                   int status)
{
    rt_resp r = rt_req(&d, method, path, body);
    CHECK_STATUS(r, status);
    rt_free(&r);
}

/* Each spelling ROUNDS times: all answer `want`. */
static void calls_answer(json_int_t want)
{
    int wrong = 0;
    for (int i = 0; i < ROUNDS; i++) {
        for (size_t k = 0; k < NSPELLINGS; k++) {
            rt_resp r = rt_req(&d, "POST", spellings[k], NULL);
            json_int_t v = json_integer_value(
                json_array_get(json_object_get(r.json, "results"), 0));
            if ((r.status != 200 || v != want) && wrong++ < 3)
                CHECK_MSG(false, "%s: %ld %s, want %lld", spellings[k],
                          r.status, r.body ? r.body : r.error,
                          (long long)want);
            rt_free(&r);
        }
    }
    CHECK_MSG(wrong == 0, "%d calls answered wrong (want %lld)", wrong,
              (long long)want);
}

/* Each spelling: 404 "noplugin", naming what is missing (the function,
 * or the plugin when the path names one). */
static void calls_not_found(const char *spelled[], size_t n)
{
    for (size_t k = 0; k < n; k++) {
        rt_resp r = rt_req(&d, "POST", spelled[k], NULL);
        CHECK_STATUS(r, 404);
        CHECK_MSG(strcmp(rt_code(&r), "noplugin") == 0, "%s: code %s",
                  spelled[k], rt_code(&r));
        CHECK_MSG(r.body && (strstr(r.body, "value") ||
                             strstr(r.body, "\\\"ver\\\"")),
                  "%s: %s", spelled[k], r.body ? r.body : r.error);
        rt_free(&r);
    }
}

static char *ver_config(const char *wasm, const char *functions)
{
    return rt_config("ver", rt_guest(wasm), functions, "\"instance_num\": 2");
}

static void test_follows_changes(void)
{
    char *v1 = ver_config("version1.wasm", "[\"value\", \"work\"]");
    char *v2 = ver_config("version2.wasm", "[\"value\", \"work\"]");
    char *v2_work = ver_config("version2.wasm", "[\"work\"]");
    char *other = rt_config("other", rt_guest("version1.wasm"), "[\"value\"]",
                            NULL);

    change("POST", "/plugins", v1, 201);
    calls_answer(1);
    CHECK(rt_metric(&d, "wasmext_function_calls_total{plugin=\"ver\","
                        "function=\"value\"}") == ROUNDS * NSPELLINGS);

    /* Deleted: its series go (the scrape also retires its latency
     * record), and 404s are not counted. */
    change("DELETE", "/plugins/ver", NULL, 200);
    calls_not_found((const char **)spellings, NSPELLINGS);
    CHECK(rt_metric(&d, "wasmext_function_calls_total{plugin=\"ver\","
                        "function=\"value\"}") == -1);
    CHECK(rt_metric(&d, "wasmext_function_duration_seconds_count{"
                        "plugin=\"ver\",function=\"value\"}") == -1);

    /* The same name again, another module: new handles, never the old
     * plugin's (which would fail, or answer 1), counted from 0. */
    change("POST", "/plugins", v2, 201);
    calls_answer(2);
    CHECK(rt_metric(&d, "wasmext_function_calls_total{plugin=\"ver\","
                        "function=\"value\"}") == ROUNDS * NSPELLINGS);
    CHECK(rt_metric(&d, "wasmext_function_duration_seconds_count{"
                        "plugin=\"ver\",function=\"value\"}") ==
          ROUNDS * NSPELLINGS);

    /* An update that drops the function: the handles follow the plugin,
     * which no longer lists it. */
    change("PUT", "/plugins/ver", v2_work, 200);
    calls_not_found((const char **)spellings, NSPELLINGS);
    rt_resp r = rt_req(&d, "POST", "/plugins/ver/functions/work",
                       "{\"args\": [3]}");
    CHECK_STATUS(r, 200);
    rt_free(&r);

    /* The bare name now belongs to another plugin. */
    change("POST", "/plugins", other, 201);
    for (int i = 0; i < ROUNDS; i++) {
        r = rt_req(&d, "POST", "/functions/value", NULL);
        CHECK_STATUS(r, 200);
        CHECK(json_integer_value(json_array_get(
                  json_object_get(r.json, "results"), 0)) == 1);
        rt_free(&r);
    }

    /* Each plugin counts what it answered; the function the update
     * dropped is no longer listed, so its series are gone. */
    CHECK(rt_metric(&d, "wasmext_function_calls_total{plugin=\"ver\","
                        "function=\"value\"}") == -1);
    CHECK(rt_metric(&d, "wasmext_function_calls_total{plugin=\"other\","
                        "function=\"value\"}") == ROUNDS);
    CHECK(rt_metric(&d, "wasmext_function_calls_total{plugin=\"ver\","
                        "function=\"work\"}") == 1);
    free(v1);
    free(v2);
    free(v2_work);
    free(other);
}

/* A double the 12 digits of the daemon's other replies would round. */
static void test_exact_reals(void)
{
    char *cfg = rt_config("calc", rt_guest("calc.wasm"), "[\"half\"]", NULL);
    change("POST", "/plugins", cfg, 201);
    free(cfg);
    const double x = 2.0000000000000004; /* 2 + 2^-51 */
    char body[64];
    snprintf(body, sizeof body, "{\"args\": [%.17g]}", x);
    rt_resp r = rt_req(&d, "POST", "/functions/half", body);
    CHECK_STATUS(r, 200);
    double got = json_real_value(
        json_array_get(json_object_get(r.json, "results"), 0));
    CHECK_MSG(got == x / 2, "half(%.17g) = %.17g, want %.17g (%s)", x, got,
              x / 2, r.body ? r.body : r.error);
    rt_free(&r);
}

int main(int argc, char **argv)
{
    rt_init(argc, argv);
    if (!rt_start(&d, rt_tmp("registry.db"), (char *)NULL)) {
        CHECK_MSG(0, "the daemon did not start");
        return rt_finish(CHECK_DONE());
    }
    test_follows_changes();
    test_exact_reals();
    CHECK(rt_stop(&d, SIGTERM, 20000) == 0);
    return rt_finish(CHECK_DONE());
}
