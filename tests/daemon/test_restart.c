/*
 * Restart persistence: whatever the daemon acknowledged survives kill -9.
 * Plugins added, updated and deleted over REST are as they were when the
 * daemon starts again on the same --db, even with the .wasm files gone
 * (the registry keeps the modules), and they answer calls.
 */
#include "check.h"
#include "harness.h"

#include <stdlib.h>
#include <string.h>
#include <unistd.h>

static rt_daemon d;

static void call_is(const char *path, const char *body, const char *want)
{
    rt_resp r = rt_req(&d, "POST", path, body);
    CHECK_STATUS(r, 200);
    char *got = json_dumps(json_object_get(r.json, "results"), JSON_COMPACT);
    CHECK_MSG(got && strcmp(got, want) == 0, "%s: got %s, want %s", path,
              got ? got : "(none)", want);
    free(got);
    rt_free(&r);
}

static void request(const char *method, const char *path, const char *body,
                    int status)
{
    rt_resp r = rt_req(&d, method, path, body);
    CHECK_STATUS(r, status);
    rt_free(&r);
}

static bool start(const char *db)
{
    rt_thread_done(); /* the old connection died with the old daemon */
    bool ok = rt_start(&d, db, "--threads", "2", (char *)NULL);
    CHECK_MSG(ok, "the daemon did not start");
    return ok;
}

int main(int argc, char **argv)
{
    rt_init(argc, argv);
    const char *db = rt_tmp("registry.db");
    const char *wasm = rt_tmp("calc.wasm");
    rt_copy(rt_guest("calc.wasm"), wasm);
    if (!start(db))
        return rt_finish(CHECK_DONE());

    char *cfg = rt_config("calc", wasm, "[\"fib\"]", NULL);
    request("POST", "/plugins", cfg, 201);
    free(cfg);
    cfg = rt_config("other", wasm, "[\"add\"]", NULL);
    request("POST", "/plugins", cfg, 201);
    free(cfg);
    cfg = rt_config("gone", wasm, "[\"half\"]", NULL);
    request("POST", "/plugins", cfg, 201);
    free(cfg);
    call_is("/functions/fib", "{\"args\": [10]}", "[55]");
    /* Update calc (revision 2, one more function), delete gone. */
    cfg = rt_config("calc", wasm, "[\"fib\", \"mul64\"]", NULL);
    request("PUT", "/plugins/calc", cfg, 200);
    free(cfg);
    request("DELETE", "/plugins/gone", NULL, 200);

    CHECK(rt_stop(&d, SIGKILL, 10000) == 128 + SIGKILL);
    unlink(wasm); /* the registry holds the module */

    if (!start(db))
        return rt_finish(CHECK_DONE());
    rt_resp r = rt_req(&d, "GET", "/plugins", NULL);
    CHECK_STATUS(r, 200);
    json_t *list = json_object_get(r.json, "plugins");
    CHECK(json_array_size(list) == 2);
    json_t *calc = json_array_get(list, 0);
    CHECK(strcmp(json_string_value(json_object_get(calc, "name")) ?: "",
                 "calc") == 0);
    CHECK(json_integer_value(json_object_get(calc, "revision")) == 2);
    CHECK(strcmp(json_string_value(json_object_get(calc, "status")) ?: "",
                 "ok") == 0);
    rt_free(&r);
    call_is("/functions/fib", "{\"args\": [10]}", "[55]");
    call_is("/functions/mul64", "{\"args\": [6, 7]}", "[42]");
    call_is("/plugins/other/functions/add", "{\"args\": [2, 2]}", "[4]");
    request("POST", "/functions/half", "{\"args\": [1.0]}", 404);
    /* The check warns that the file is gone, but the plugin works. */
    r = rt_req(&d, "POST", "/plugins/calc/check", NULL);
    CHECK_STATUS(r, 200);
    CHECK(json_is_true(json_object_get(r.json, "ok")));
    CHECK(json_array_size(json_object_get(r.json, "warnings")) >= 1);
    rt_free(&r);

    /* Once more: a delete acknowledged just before kill -9 holds. */
    request("DELETE", "/plugins/other", NULL, 200);
    CHECK(rt_stop(&d, SIGKILL, 10000) == 128 + SIGKILL);
    if (!start(db))
        return rt_finish(CHECK_DONE());
    request("POST", "/functions/add", "{\"args\": [2, 2]}", 404);
    call_is("/functions/fib", "{\"args\": [12]}", "[144]");
    CHECK(rt_stop(&d, SIGTERM, 20000) == 0);
    return rt_finish(CHECK_DONE());
}
