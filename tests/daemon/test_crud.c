/*
 * The plugin endpoints over real HTTP: health, list, add, show, update,
 * check, delete, and their refusals (400, 404, 405, 409), each
 * asserted on status code and body.
 */
#include "check.h"
#include "harness.h"

#include <stdlib.h>
#include <string.h>

static rt_daemon d;

static const char *str_at(const json_t *j, const char *key)
{
    const char *s = json_string_value(json_object_get(j, key));
    return s ? s : "";
}

static void test_health_and_empty(void)
{
    rt_resp r = rt_req(&d, "GET", "/healthz", NULL);
    CHECK_STATUS(r, 200);
    CHECK(strcmp(str_at(r.json, "status"), "ok") == 0);
    CHECK(strncmp(r.content_type, "application/json", 16) == 0);
    rt_free(&r);

    r = rt_req(&d, "HEAD", "/healthz", NULL);
    CHECK_STATUS(r, 200);
    CHECK(r.len == 0);
    rt_free(&r);

    r = rt_req(&d, "GET", "/plugins", NULL);
    CHECK_STATUS(r, 200);
    CHECK(json_array_size(json_object_get(r.json, "plugins")) == 0);
    rt_free(&r);
}

static void test_add(void)
{
    char *cfg = rt_config("calc", rt_guest("calc.wasm"),
                          "[\"add\", \"fib\", \"div\"]",
                          "\"instance_num\": 2, \"version\": \"1.0\"");
    rt_resp r = rt_req(&d, "POST", "/plugins", cfg);
    CHECK_STATUS(r, 201);
    CHECK(strcmp(r.location, "/plugins/calc") == 0);
    CHECK(strcmp(str_at(r.json, "name"), "calc") == 0);
    CHECK(strcmp(str_at(r.json, "status"), "ok") == 0);
    CHECK(json_integer_value(json_object_get(r.json, "revision")) == 1);
    CHECK(json_array_size(json_object_get(r.json, "functions")) == 3);
    rt_free(&r);

    /* The same name again: 409. */
    r = rt_req(&d, "POST", "/plugins", cfg);
    CHECK_STATUS(r, 409);
    CHECK(strcmp(rt_code(&r), "exists") == 0);
    rt_free(&r);
    free(cfg);

    /* A second plugin claiming "fib": 409 too. */
    cfg = rt_config("calc2", rt_guest("calc.wasm"), "[\"fib\"]", NULL);
    r = rt_req(&d, "POST", "/plugins", cfg);
    CHECK_STATUS(r, 409);
    CHECK(strcmp(rt_code(&r), "exists") == 0);
    rt_free(&r);
    free(cfg);

    r = rt_req(&d, "GET", "/plugins", NULL);
    CHECK_STATUS(r, 200);
    json_t *list = json_object_get(r.json, "plugins");
    CHECK(json_array_size(list) == 1);
    CHECK(strcmp(str_at(json_array_get(list, 0), "name"), "calc") == 0);
    CHECK(strcmp(str_at(json_array_get(list, 0), "version"), "1.0") == 0);
    rt_free(&r);

    r = rt_req(&d, "GET", "/plugins/calc", NULL);
    CHECK_STATUS(r, 200);
    CHECK(strcmp(str_at(r.json, "name"), "calc") == 0);
    json_t *inst = json_object_get(r.json, "instances");
    CHECK(json_integer_value(json_object_get(inst, "total")) == 2);
    rt_free(&r);
}

static void test_bad_configs(void)
{
    struct {
        const char *body;
        const char *ctype;
        int status;
        const char *code;
        const char *msg; /* in the message */
    } cases[] = {
        {"{\"name\": ", "application/json", 400, "arg", "invalid JSON"},
        {"[1, 2]", "application/json", 400, "arg", "must be a JSON object"},
        {"{\"name\": \"rel\", \"vm_config\": {\"path\": \"calc.wasm\"}, "
         "\"functions\": [\"add\"]}",
         "application/json", 400, "arg", "relative"},
        {"{\"name\": \"gone\", \"vm_config\": {\"path\": \"/nonexistent/"
         "x.wasm\"}, \"functions\": [\"add\"]}",
         "application/json", 403, "forbidden", "or does not exist"},
        {"PK\x03\x04", "application/zip", 400, "package",
         "not a zip archive"},
    };
    for (size_t i = 0; i < sizeof cases / sizeof cases[0]; i++) {
        rt_resp r = rt_req_raw(&d, "POST", "/plugins", cases[i].ctype,
                               cases[i].body, strlen(cases[i].body), false);
        CHECK_STATUS(r, cases[i].status);
        CHECK_MSG(strcmp(rt_code(&r), cases[i].code) == 0, "case %zu: %s", i,
                  rt_code(&r));
        CHECK_MSG(r.body && strstr(r.body, cases[i].msg), "case %zu: %s", i,
                  r.body ? r.body : r.error);
        rt_free(&r);
    }

    /* The manager's own checks: a function the module does not export,
     * named in the error; a bad config (400), not a missing resource. */
    char *cfg = rt_config("calc3", rt_guest("calc.wasm"), "[\"nope\"]", NULL);
    rt_resp r = rt_req(&d, "POST", "/plugins", cfg);
    CHECK_STATUS(r, 400);
    CHECK(strcmp(rt_code(&r), "noexport") == 0);
    CHECK(r.body && strstr(r.body, "nope"));
    rt_free(&r);
    free(cfg);

    /* A name the manager refuses, named in the error. */
    cfg = rt_config("bad name", rt_guest("calc.wasm"), "[\"add\"]", NULL);
    r = rt_req(&d, "POST", "/plugins", cfg);
    CHECK_STATUS(r, 400);
    CHECK(r.body && strstr(r.body, "not a valid name"));
    rt_free(&r);
    free(cfg);

    /* A module that is not wasm: 400 (malformed). */
    rt_write(rt_tmp("junk.wasm"), "this is not wasm");
    cfg = rt_config("junk", rt_tmp("junk.wasm"), "[\"f\"]", NULL);
    r = rt_req(&d, "POST", "/plugins", cfg);
    CHECK_STATUS(r, 400);
    CHECK(strcmp(rt_code(&r), "malformed") == 0);
    rt_free(&r);
    free(cfg);
}

static void test_update(void)
{
    /* The name comes from the URL when the body has none. */
    char *cfg = rt_config("calc", rt_guest("calc.wasm"),
                          "[\"add\", \"fib\", \"div\", \"mul64\"]", NULL);
    char *noname = strstr(cfg, "\"vm_config\"");
    char body[1024];
    snprintf(body, sizeof body, "{%s", noname);
    rt_resp r = rt_req(&d, "PUT", "/plugins/calc", body);
    CHECK_STATUS(r, 200);
    CHECK(json_integer_value(json_object_get(r.json, "revision")) == 2);
    CHECK(json_array_size(json_object_get(r.json, "functions")) == 4);
    rt_free(&r);

    r = rt_req(&d, "PUT", "/plugins/other", cfg);
    CHECK_STATUS(r, 400);
    CHECK(r.body && strstr(r.body, "URL"));
    rt_free(&r);
    free(cfg);

    cfg = rt_config("ghost", rt_guest("calc.wasm"), "[\"add\"]", NULL);
    r = rt_req(&d, "PUT", "/plugins/ghost", cfg);
    CHECK_STATUS(r, 404);
    CHECK(strcmp(rt_code(&r), "noplugin") == 0);
    rt_free(&r);
    free(cfg);
}

static void test_check(void)
{
    rt_resp r = rt_req(&d, "POST", "/plugins/calc/check", NULL);
    CHECK_STATUS(r, 200);
    CHECK(json_is_true(json_object_get(r.json, "ok")));
    CHECK(strcmp(str_at(r.json, "name"), "calc") == 0);
    rt_free(&r);

    r = rt_req(&d, "POST", "/check", NULL);
    CHECK_STATUS(r, 200);
    CHECK(json_is_true(json_object_get(r.json, "ok")));
    CHECK(json_array_size(json_object_get(r.json, "plugins")) == 1);
    rt_free(&r);

    r = rt_req(&d, "POST", "/plugins/nope/check", NULL);
    CHECK_STATUS(r, 404);
    rt_free(&r);
}

static void test_routes(void)
{
    rt_resp r = rt_req(&d, "GET", "/nowhere", NULL);
    CHECK_STATUS(r, 404);
    CHECK(strcmp(rt_code(&r), "notfound") == 0);
    rt_free(&r);

    r = rt_req(&d, "GET", "/plugins/calc/functions/add/more", NULL);
    CHECK_STATUS(r, 404);
    rt_free(&r);

    r = rt_req(&d, "DELETE", "/plugins", NULL);
    CHECK_STATUS(r, 405);
    CHECK(strcmp(r.allow, "GET, HEAD, POST") == 0);
    CHECK(strcmp(rt_code(&r), "method") == 0);
    rt_free(&r);

    r = rt_req(&d, "POST", "/plugins/calc", "{}");
    CHECK_STATUS(r, 405);
    CHECK(strcmp(r.allow, "GET, HEAD, PUT, DELETE") == 0);
    rt_free(&r);

    r = rt_req(&d, "GET", "/functions/add", NULL);
    CHECK_STATUS(r, 405);
    CHECK(strcmp(r.allow, "POST") == 0);
    rt_free(&r);

    r = rt_req(&d, "GET", "/plugins/", NULL); /* trailing slash */
    CHECK_STATUS(r, 200);
    rt_free(&r);
}

static void test_delete(void)
{
    rt_resp r = rt_req(&d, "DELETE", "/plugins/calc", NULL);
    CHECK_STATUS(r, 200);
    CHECK(json_is_true(json_object_get(r.json, "deleted")));
    rt_free(&r);

    r = rt_req(&d, "DELETE", "/plugins/calc", NULL);
    CHECK_STATUS(r, 404);
    rt_free(&r);

    r = rt_req(&d, "GET", "/plugins/calc", NULL);
    CHECK_STATUS(r, 404);
    CHECK(strcmp(rt_code(&r), "noplugin") == 0);
    rt_free(&r);

    r = rt_req(&d, "POST", "/functions/add", "{\"args\": [1, 2]}");
    CHECK_STATUS(r, 404);
    rt_free(&r);

    r = rt_req(&d, "GET", "/plugins", NULL);
    CHECK(json_array_size(json_object_get(r.json, "plugins")) == 0);
    rt_free(&r);
}

int main(int argc, char **argv)
{
    rt_init(argc, argv);
    if (!rt_start(&d, rt_tmp("registry.db"), "--log-level", "debug",
                  (char *)NULL)) {
        CHECK_MSG(0, "the daemon did not start");
        return rt_finish(CHECK_DONE());
    }
    test_health_and_empty();
    test_add();
    test_bad_configs();
    test_update();
    test_check();
    test_routes();
    test_delete();
    CHECK(rt_stop(&d, SIGTERM, 20000) == 0);
    char *log = rt_log(&d);
    CHECK(strstr(log, "plugin calc added"));
    CHECK(strstr(log, "GET /healthz 200"));
    CHECK(strstr(log, " stopped"));
    free(log);
    return rt_finish(CHECK_DONE());
}
