/*
 * limits.fuel through the manager (include/wasmext.h): a plugin's endless
 * loop stops with the fuel message, a call within the budget works, every
 * call has the whole budget, the failed call's instance is replaced, and
 * `check` no longer warns about settings that are all enforced now.
 * argv[1] names the guest directory (math.wat: fib, count, spin).
 */
#include "fixture.h"

static void test_fuel(void)
{
    wx_error err;
    fx_copy_guest("math", "math.wasm");
    wx_manager *m = wx_manager_open(fx_path("fuel.db"), NULL, &err);
    CHECK_MSG(m != NULL, "open: %s", err.message);
    if (!m)
        return;
    /* fib(15) makes 1973 calls, fib(25) 242785: the budget lies between
     * (one unit per call and per taken branch, engine.h). */
    wx_status s = fx_add(m, "metered", "math.wasm",
                         "[\"fib\",\"count\",\"spin\"]",
                         "\"limits\":{\"fuel\":100000},"
                         "\"wasi\":{\"args\":[\"-v\"],\"env\":{\"A\":\"b\"}}",
                         &err);
    CHECK_MSG(s == WX_OK, "%s", err.message);

    CHECK_STR(fx_call(m, NULL, "count", "[]"), "[1]");
    CHECK_STR(fx_call(m, NULL, "count", "[]"), "[2]");
    /* Budgets do not add up across calls: each has all of it. */
    for (int i = 0; i < 3; i++)
        CHECK_STR(fx_call(m, NULL, "fib", "[15]"), "[610]");
    CHECK_STR(fx_call(m, NULL, "count", "[]"), "[3]");

    char *res = NULL;
    s = call_json(m, NULL, "spin", "[]", &res, &err);
    CHECK(s == WX_ELIMIT && res == NULL);
    CHECK_HAS(err.message, "fuel exhausted: the call used its 100000 units "
                           "(limits.fuel)");
    CHECK(call_json(m, "metered", "fib", "[25]", &res, &err) ==
          WX_ELIMIT);
    CHECK_HAS(err.message, "fuel exhausted");

    /* The instance was replaced (the counter starts again); the plugin
     * keeps working. */
    CHECK_STR(fx_call(m, NULL, "count", "[]"), "[1]");
    CHECK_STR(fx_call(m, NULL, "fib", "[15]"), "[610]");

    json_t *show = fx_json(manager_show(m, "metered", NULL));
    CHECK(json_integer_value(fx_at(show, "instances", "replaced", NULL)) == 2);
    CHECK(json_integer_value(fx_at(show, "config", "limits", "fuel", NULL)) ==
          100000);
    CHECK(json_integer_value(fx_at(show, "functions", "#2", "errors", NULL)) ==
          1);
    json_decref(show);

    /* Fuel, WASI args and env are all enforced: nothing to warn about. */
    json_t *check = fx_json(manager_check(m, "metered", NULL));
    CHECK(json_is_true(fx_at(check, "#0", "ok", NULL)));
    CHECK(json_array_size(fx_at(check, "#0", "warnings", NULL)) == 0);
    json_decref(check);
    wx_manager_close(m);
}

int main(int argc, char **argv)
{
    fx_setup(argc, argv);
    test_fuel();
    fx_teardown();
    return CHECK_DONE();
}
