/*
 * GET /plugins/{p}/recordings and POST /plugins/{p}/replay on the real
 * daemon: a plugin recording its failed calls (record.failed_calls 2)
 * keeps the last two, from single calls and batch rows, with the trap's
 * kind and place; a replay against the recorded revision reproduces them,
 * against the current one too (the same module); the body's options and
 * its refusals; a plugin without recording lists none.
 */
#include "check.h"
#include "harness.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

static rt_daemon d;

static void add_plugin(const char *name, const char *funcs, const char *more)
{
    char *cfg = rt_config(name, rt_guest("calc.wasm"), funcs, more);
    rt_resp r = rt_req(&d, "POST", "/plugins", cfg);
    CHECK_STATUS(r, 201);
    rt_free(&r);
    free(cfg);
}

static json_t *get(json_t *j, const char *key)
{
    return j ? json_object_get(j, key) : NULL;
}

static void test_recordings(void)
{
    for (int i = 1; i <= 3; i++) {
        char body[64];
        snprintf(body, sizeof body, "{\"args\": [%d, 0]}", i);
        rt_resp r = rt_req(&d, "POST", "/plugins/rec/functions/div", body);
        CHECK_MSG(r.status >= 400 && strcmp(rt_code(&r), "trap") == 0,
                  "%ld %s", r.status, r.body ? r.body : "");
        rt_free(&r);
    }
    rt_resp r = rt_req(&d, "POST", "/plugins/rec/functions/div/batch",
                       "{\"rows\": [[8, 2], [9, 0]]}");
    CHECK_STATUS(r, 200);
    rt_free(&r);
    r = rt_req(&d, "POST", "/plugins/rec/functions/add", "{\"args\":[1,2]}");
    CHECK_STATUS(r, 200);
    rt_free(&r);

    r = rt_req(&d, "GET", "/plugins/rec/recordings", NULL);
    CHECK_STATUS(r, 200);
    json_t *list = get(r.json, "recordings");
    CHECK_MSG(json_array_size(list) == 2 &&
                  json_integer_value(get(r.json, "bound")) == 2 &&
                  json_integer_value(get(r.json, "recorded")) == 4,
              "%s", r.body ? r.body : "");
    json_t *last = json_array_get(list, 1);
    json_t *err = get(last, "error");
    CHECK(json_integer_value(json_array_get(get(last, "args"), 0)) == 9);
    CHECK(strcmp(json_string_value(get(last, "function")) ?: "", "div") ==
          0);
    CHECK(strcmp(json_string_value(get(err, "code")) ?: "", "trap") == 0);
    CHECK(strcmp(json_string_value(get(err, "trap")) ?: "",
                 "div_by_zero") == 0);
    CHECK(json_is_integer(get(err, "function_index")) &&
          json_integer_value(get(err, "offset")) > 0);
    rt_free(&r);

    r = rt_req(&d, "GET", "/plugins/plain/recordings", NULL);
    CHECK_STATUS(r, 200);
    CHECK(json_array_size(get(r.json, "recordings")) == 0);
    rt_free(&r);
    r = rt_req(&d, "GET", "/plugins/nosuch/recordings", NULL);
    CHECK_STATUS(r, 404);
    rt_free(&r);
}

static void test_replay(void)
{
    rt_resp r = rt_req(&d, "POST", "/plugins/rec/replay", "");
    CHECK_STATUS(r, 200);
    CHECK_MSG(json_integer_value(get(r.json, "count")) == 2 &&
                  json_integer_value(get(r.json, "reproduced")) == 2,
              "%s", r.body ? r.body : "");
    json_t *o = json_array_get(get(r.json, "outcomes"), 0);
    CHECK(strcmp(json_string_value(get(o, "status")) ?: "", "trap") == 0);
    CHECK(json_is_true(get(o, "reproduced")));
    CHECK(strcmp(json_string_value(get(r.json, "against")) ?: "",
                 "recorded") == 0);
    rt_free(&r);

    r = rt_req(&d, "POST", "/plugins/rec/replay",
               "{\"function\": \"div\", \"last\": 1, \"against\": "
               "\"current\"}");
    CHECK_STATUS(r, 200);
    CHECK(json_integer_value(get(r.json, "count")) == 1 &&
          json_integer_value(get(r.json, "reproduced")) == 1);
    CHECK(strcmp(json_string_value(get(r.json, "against")) ?: "",
                 "current") == 0);
    rt_free(&r);

    r = rt_req(&d, "POST", "/plugins/rec/replay", "{\"against\": \"later\"}");
    CHECK_STATUS(r, 400);
    CHECK(r.body && strstr(r.body, "against"));
    rt_free(&r);
    r = rt_req(&d, "POST", "/plugins/nosuch/replay", "{}");
    CHECK_STATUS(r, 404);
    rt_free(&r);
}

int main(int argc, char **argv)
{
    rt_init(argc, argv);
    if (!rt_start(&d, rt_tmp("registry.db"), (char *)NULL)) {
        CHECK_MSG(0, "the daemon did not start");
        return rt_finish(CHECK_DONE());
    }
    add_plugin("rec", "[\"add\", \"div\"]",
               "\"record\": {\"failed_calls\": 2}");
    add_plugin("plain", "[\"fib\"]", NULL);
    test_recordings();
    test_replay();
    CHECK(rt_stop(&d, SIGTERM, 20000) == 0);
    return rt_finish(CHECK_DONE());
}
