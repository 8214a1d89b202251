/*
 * Function calls over real HTTP: numbers of every wasm type, multi-value,
 * strings, bytes and JSON through a bindgen guest, by plugin and by
 * function name; and every error status a call can get: 400 (bad body,
 * bad arguments), 404, 405, 413, 422 (trap, guest error), 503 (every
 * instance busy) and 504 (timeout).
 */
#include "check.h"
#include "harness.h"

#include <pthread.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

static rt_daemon d;

/* Calls `path` with `body`; checks 200 and that the results, dumped
 * compactly, are `want`. */
static void call_ok(const char *path, const char *body, const char *want)
{
    rt_resp r = rt_req(&d, "POST", path, body);
    CHECK_STATUS(r, 200);
    json_t *res = json_object_get(r.json, "results");
    char *got = res ? json_dumps(res, JSON_COMPACT | JSON_ENCODE_ANY) : NULL;
    CHECK_MSG(got && strcmp(got, want) == 0, "%s %s: got %s, want %s", path,
              body ? body : "", got ? got : "(none)", want);
    free(got);
    rt_free(&r);
}

/* Calls `path`; checks the status, the error code and a part of the
 * message. */
static void call_fails(const char *path, const char *body, int status,
                       const char *code, const char *msg)
{
    rt_resp r = rt_req(&d, "POST", path, body);
    CHECK_STATUS(r, status);
    CHECK_MSG(strcmp(rt_code(&r), code) == 0, "%s %s: code %s, want %s",
              path, body ? body : "", rt_code(&r), code);
    const char *m = json_string_value(json_object_get(
        json_object_get(r.json, "error"), "message"));
    CHECK_MSG(m && strstr(m, msg), "%s: message \"%s\" lacks \"%s\"", path,
              m ? m : "(none)", msg);
    rt_free(&r);
}

static void add_plugin(const char *cfg)
{
    rt_resp r = rt_req(&d, "POST", "/plugins", cfg);
    CHECK_STATUS(r, 201);
    rt_free(&r);
}

static void setup_plugins(void)
{
    char *cfg = rt_config("calc", rt_guest("calc.wasm"),
                          "[\"add\", \"fib\", \"mul64\", \"half\", "
                          "\"twice32\", \"div\", \"divmod\", \"spin\"]",
                          "\"instance_num\": 2, "
                          "\"limits\": {\"timeout_ms\": 200}");
    add_plugin(cfg);
    free(cfg);
    /* No call timeout: its slow call (about 1.5 s) may take longer than
     * the default on a loaded machine. */
    cfg = rt_config("lone", rt_guest("calc.wasm"), "[\"slow\"]",
                    "\"instance_num\": 1, \"limits\": {\"timeout_ms\": 0}");
    add_plugin(cfg);
    free(cfg);
    cfg = rt_config(
        "text", rt_guest("text.wasm"),
        "[{\"name\": \"echo_bytes\", \"abi\": \"bindgen\", "
        "\"params\": [\"bytes\"], \"results\": [\"bytes\"]}, "
        "{\"name\": \"echo_string\", \"abi\": \"bindgen\", "
        "\"params\": [\"string\"], \"results\": [\"string\"]}, "
        "{\"name\": \"echo_json\", \"abi\": \"bindgen\", "
        "\"params\": [\"json\"], \"results\": [\"json\"]}, "
        "{\"name\": \"refuse\", \"abi\": \"bindgen\", "
        "\"params\": [], \"results\": [\"i32\"]}]",
        NULL);
    add_plugin(cfg);
    free(cfg);
}

static void test_numbers(void)
{
    call_ok("/plugins/calc/functions/add", "{\"args\": [2, 3]}", "[5]");
    call_ok("/plugins/calc/functions/add", "{\"args\": [-7, 2]}", "[-5]");
    call_ok("/functions/fib", "{\"args\": [10]}", "[55]");
    call_ok("/functions/calc.fib", "{\"args\": [20]}", "[6765]");
    call_ok("/functions/mul64", "{\"args\": [3037000499, 3037000499]}",
            "[9223372030926249001]");
    call_ok("/functions/half", "{\"args\": [3.0]}", "[1.5]");
    call_ok("/functions/twice32", "{\"args\": [1.25]}", "[2.5]");
    call_ok("/functions/divmod", "{\"args\": [17, 5]}", "[3,2]");
    /* Keep-alive: many calls on one connection. */
    for (int i = 0; i < 50; i++)
        call_ok("/functions/add", "{\"args\": [1, 1]}", "[2]");
}

static void test_text(void)
{
    call_ok("/functions/echo_string", "{\"args\": [\"h\\u00e9llo\"]}",
            "[\"h\xc3\xa9llo\"]");
    /* bytes travel as base64. */
    call_ok("/functions/echo_bytes", "{\"args\": [\"AAEC/w==\"]}",
            "[\"AAEC/w==\"]");
    /* json: any JSON value in (the guest gets its text), parsed JSON
     * out. */
    call_ok("/functions/echo_json", "{\"args\": [{\"a\": [1, 2]}]}",
            "[{\"a\":[1,2]}]");
    call_ok("/functions/echo_json", "{\"args\": [\"text\"]}", "[\"text\"]");
    call_fails("/functions/refuse", NULL, 422, "guest", "no such thing");
}

static void test_bad_input(void)
{
    const char *add = "/plugins/calc/functions/add";
    call_fails(add, "{\"args\": [1, 2", 400, "arg", "invalid JSON");
    call_fails(add, "[1, 2]", 400, "arg", "must be an object");
    call_fails(add, "{\"argz\": [1, 2]}", 400, "arg", "unknown key");
    call_fails(add, "{\"args\": 5}", 400, "arg", "must be an array");
    call_fails(add, "{\"args\": [\"x\", 1]}", 400, "arg", "argument 1");
    call_fails(add, "{\"args\": [1, 2, 3]}", 400, "arg", "argument");
    call_fails(add, "{}", 400, "arg", "argument");
    call_fails(add, "{\"args\": [4294967296, 1]}", 400, "arg", "argument 1");
    call_fails("/functions/echo_bytes", "{\"args\": [\"not base64!\"]}", 400,
               "arg", "argument 1");
}

static void test_not_found(void)
{
    call_fails("/functions/nope", "{\"args\": []}", 404, "noplugin", "nope");
    call_fails("/plugins/nope/functions/add", "{\"args\": [1, 2]}", 404,
               "noplugin", "nope");
    call_fails("/plugins/calc/functions/nope", "{\"args\": []}", 404,
               "noplugin", "nope");
    /* The function is the other plugin's. */
    call_fails("/plugins/calc/functions/slow", "{\"args\": [1]}", 404,
               "noplugin", "slow");

    rt_resp r = rt_req(&d, "GET", "/plugins/calc/functions/add", NULL);
    CHECK_STATUS(r, 405);
    CHECK(strcmp(r.allow, "POST") == 0);
    rt_free(&r);
}

static void test_too_large(void)
{
    size_t n = 5000; /* --max-body is 4096 */
    char *big = malloc(n + 1);
    memset(big, ' ', n);
    memcpy(big, "{\"args\": [1, 2]}", 16);
    big[n] = '\0';
    rt_resp r = rt_req_raw(&d, "POST", "/functions/add", "application/json",
                           big, n, false);
    CHECK_STATUS(r, 413);
    CHECK(strcmp(rt_code(&r), "limit") == 0);
    rt_free(&r);
    rt_thread_done(); /* the daemon closed that connection */

    r = rt_req_raw(&d, "POST", "/functions/add", "application/json", big, n,
                   true);
    CHECK_STATUS(r, 413);
    CHECK(strcmp(rt_code(&r), "limit") == 0);
    rt_free(&r);
    rt_thread_done();

    /* Just under the limit is fine. */
    r = rt_req_raw(&d, "POST", "/functions/add", "application/json", big,
                   4000, true);
    CHECK_STATUS(r, 200);
    rt_free(&r);
    free(big);
}

static void test_guest_failures(void)
{
    rt_resp r = rt_req(&d, "POST", "/functions/div", "{\"args\": [1, 0]}");
    CHECK_STATUS(r, 422);
    CHECK(strcmp(rt_code(&r), "trap") == 0);
    json_t *e = json_object_get(r.json, "error");
    CHECK(strcmp(json_string_value(json_object_get(e, "trap")) ?: "",
                 "div_by_zero") == 0);
    rt_free(&r);

    call_fails("/functions/spin", NULL, 504, "timeout", "");

    /* The instance that trapped or timed out was replaced: calls go on. */
    call_ok("/functions/div", "{\"args\": [7, 2]}", "[3]");
    call_ok("/functions/add", "{\"args\": [1, 2]}", "[3]");
}

typedef struct slow_call {
    long long n;
    long status;
    char results[64];
} slow_call;

static void *run_slow(void *arg)
{
    slow_call *sc = arg;
    char body[64];
    snprintf(body, sizeof body, "{\"args\": [%lld]}", sc->n);
    rt_thread_done();
    rt_resp r = rt_req(&d, "POST", "/plugins/lone/functions/slow", body);
    sc->status = r.status;
    char *t = json_dumps(json_object_get(r.json, "results"), JSON_COMPACT);
    snprintf(sc->results, sizeof sc->results, "%s", t ? t : "");
    free(t);
    rt_free(&r);
    rt_thread_done();
    return NULL;
}

static void test_busy(void)
{
    slow_call sc = {rt_slow_n(&d, "/plugins/lone/functions/slow", 1500), 0,
                    ""};
    pthread_t t;
    pthread_create(&t, NULL, run_slow, &sc);
    usleep(300000);
    /* The one instance is taken: after --wait-ms (100) the call is
     * refused with 503 and Retry-After. A fresh connection, so that an
     * idle worker takes it. */
    rt_thread_done();
    /* 503 busy, not the slow call's 200: it did not wait for the
     * instance. */
    rt_resp r = rt_req(&d, "POST", "/plugins/lone/functions/slow",
                       "{\"args\": [1]}");
    CHECK_STATUS(r, 503);
    CHECK(strcmp(rt_code(&r), "busy") == 0);
    CHECK(strcmp(r.retry_after, "1") == 0);
    rt_free(&r);
    pthread_join(t, NULL);
    CHECK(sc.status == 200);
    CHECK(strcmp(sc.results, "[7]") == 0);
}

int main(int argc, char **argv)
{
    rt_init(argc, argv);
    if (!rt_start(&d, rt_tmp("registry.db"), "--max-body", "4096",
                  "--wait-ms", "100", "--threads", "2", (char *)NULL)) {
        CHECK_MSG(0, "the daemon did not start");
        return rt_finish(CHECK_DONE());
    }
    setup_plugins();
    test_numbers();
    test_text();
    test_bad_input();
    test_not_found();
    test_too_large();
    test_guest_failures();
    test_busy();
    CHECK(rt_stop(&d, SIGTERM, 20000) == 0);
    return rt_finish(CHECK_DONE());
}
