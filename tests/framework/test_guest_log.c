/*
 * The guest log kept per plugin (wx_manager_guest_log): each line carries
 * the function whose call wrote it and its level, through WASI output
 * (logwasi.wat, numeric: the pool's direct path and batches) and through
 * Extism's log calls (logextism.wat); a line written while an instance is
 * made (`_initialize`, also when a call makes it after a trap) or freed
 * (an unfinished last line) has none. The log keeps the last
 * WX_GUEST_LOG_KEEP lines, numbered, and its JSON (wx_guest_log_to_json)
 * says the same. Two threads calling two functions at once each get
 * their own function on their lines. argv[1] names the guest directory.
 */
#include "fixture.h"

#include <pthread.h>

/* What one kept line should be. */
typedef struct want {
    const char *function; /* NULL: none */
    const char *level, *text;
} want;

/* Checks plugin `name`'s log holds exactly `n` lines from seq `first`,
 * as `w` says. */
static void expect_log(wx_manager *m, const char *name, uint64_t first,
                       const want *w, size_t n)
{
    wx_error err;
    wx_guest_log log;
    CHECK_MSG(wx_manager_guest_log(m, name, &log, &err) == WX_OK, "%s",
              err.message);
    CHECK_MSG(log.count == n, "%s: %zu lines, want %zu", name, log.count, n);
    CHECK(log.bound == WX_GUEST_LOG_KEEP);
    CHECK(log.logged == first + n - 1);
    int64_t t = 0;
    for (size_t i = 0; i < log.count && i < n; i++) {
        const wx_guest_line *l = &log.lines[i];
        CHECK_MSG(l->seq == first + i, "line %zu: seq %llu", i,
                  (unsigned long long)l->seq);
        CHECK_MSG(
            (l->function == NULL) == (w[i].function == NULL) &&
                (!l->function || strcmp(l->function, w[i].function) == 0),
            "line %zu (%s): function %s, want %s", i, l->text,
            l->function ? l->function : "NULL",
            w[i].function ? w[i].function : "NULL");
        CHECK_STR(l->level, w[i].level);
        CHECK_STR(l->text, w[i].text);
        CHECK(l->cut == 0);
        CHECK(l->time_ms > 0 && l->time_ms >= t);
        t = l->time_ms;
    }
    wx_guest_log_free(&log);
    wx_guest_log_free(&log); /* again: a no-op */
}

static void test_wasi(wx_manager *m)
{
    wx_error err;
    CHECK_MSG(fx_add(m, "logw", "logwasi.wasm", "[\"one\",\"two\",\"boom\"]",
                     "\"instance_num\": 1", &err) == WX_OK,
              "%s", err.message);
    /* The instance's _initialize ran when the plugin was added. */
    want w1[] = {{NULL, "stdout", "starting"}};
    expect_log(m, "logw", 1, w1, 1);

    CHECK_STR(fx_call(m, NULL, "one", "[1]"), "[2]");
    CHECK_STR(fx_call(m, NULL, "two", "[1]"), "[3]");
    /* A trap: the half line comes when the instance is freed, and the
     * new instance's _initialize line when it is made, both inside
     * calls but written by neither. */
    CHECK_HAS(fx_call(m, NULL, "boom", "[]"), "ERR:");
    CHECK_STR(fx_call(m, NULL, "one", "[5]"), "[6]");

    /* A batch of two rows of `two`: one line each. */
    wx_fn *two = wx_fn_get(m, "logw", "two", &err);
    CHECK_MSG(two != NULL, "%s", err.message);
    wx_value args[2] = {wx_value_i32(1), wx_value_i32(2)};
    wx_batch_result r;
    CHECK(wx_fn_call_batch(two, args, 2, 1, &r, &err) == WX_OK);
    CHECK(r.failed == 0);
    wx_batch_result_free(&r);
    wx_fn_free(two);

    want w[] = {
        {NULL, "stdout", "starting"},      {"one", "stdout", "one says hi"},
        {"two", "stderr", "two says bye"}, {NULL, "stdout", "half"},
        {NULL, "stdout", "starting"},      {"one", "stdout", "one says hi"},
        {"two", "stderr", "two says bye"}, {"two", "stderr", "two says bye"},
    };
    expect_log(m, "logw", 1, w, sizeof w / sizeof w[0]);

    /* The JSON says the same: a line without a function has null. */
    wx_guest_log log;
    CHECK(wx_manager_guest_log(m, "logw", &log, &err) == WX_OK);
    json_t *j = fx_json(wx_guest_log_to_json(&log, &err));
    wx_guest_log_free(&log);
    CHECK(j != NULL);
    json_t *lines = json_object_get(j, "lines");
    CHECK(json_array_size(lines) == 8);
    CHECK(json_is_null(fx_at(j, "lines", "#0", "function", NULL)));
    CHECK_STR(json_string_value(fx_at(j, "lines", "#2", "function", NULL)),
              "two");
    CHECK_STR(json_string_value(fx_at(j, "lines", "#2", "level", NULL)),
              "stderr");
    CHECK(json_integer_value(json_object_get(j, "logged")) == 8);
    CHECK(json_integer_value(json_object_get(j, "bound")) ==
          WX_GUEST_LOG_KEEP);
    json_decref(j);
}

static void test_extism(wx_manager *m)
{
    wx_error err;
    CHECK_MSG(fx_add(m, "logx", "logextism.wasm",
                     "[{\"name\":\"greet\",\"abi\":\"extism\",\"params\":[],"
                     "\"results\":[]},"
                     "{\"name\":\"shout\",\"abi\":\"extism\",\"params\":[],"
                     "\"results\":[]}]",
                     "", &err) == WX_OK,
              "%s", err.message);
    CHECK_STR(fx_call(m, "logx", "greet", "[]"), "[]");
    CHECK_STR(fx_call(m, "logx", "shout", "[]"), "[]");
    want w[] = {
        {"greet", "info", "greeting"},
        {"shout", "debug", "about to shout"},
        {"shout", "error", "SHOUTING"},
    };
    expect_log(m, "logx", 1, w, 3);
}

/* Past WX_GUEST_LOG_KEEP lines, the oldest go; the numbering goes on. */
static void test_bound(wx_manager *m)
{
    wx_error err;
    wx_fn *one = wx_fn_get(m, "logw", "one", &err);
    CHECK_MSG(one != NULL, "%s", err.message);
    size_t n = WX_GUEST_LOG_KEEP + 44;
    for (size_t i = 0; i < n; i++) {
        wx_wasm_val a = wx_wasm_i32(0), res;
        CHECK(wx_fn_call(one, &a, 1, &res, 1, &err) == WX_OK);
    }
    wx_fn_free(one);
    wx_guest_log log;
    CHECK(wx_manager_guest_log(m, "logw", &log, &err) == WX_OK);
    CHECK(log.count == WX_GUEST_LOG_KEEP);
    CHECK(log.logged == 8 + n);
    CHECK(log.lines[0].seq == log.logged - WX_GUEST_LOG_KEEP + 1);
    size_t right = 0;
    for (size_t i = 0; i < log.count; i++)
        right +=
            log.lines[i].function && strcmp(log.lines[i].function, "one") == 0;
    CHECK(right == WX_GUEST_LOG_KEEP);
    wx_guest_log_free(&log);

    /* A plugin that is not registered. */
    CHECK(wx_manager_guest_log(m, "nope", &log, &err) == WX_ENOPLUGIN);
    CHECK_HAS(err.message, "\"nope\" is not registered");
    CHECK(log.count == 0 && log.lines == NULL);
}

/* Two threads calling `one` and `two` of a plugin with two instances at
 * once: every line names the function that wrote it (the thread's call),
 * never the other thread's. */
typedef struct runner {
    wx_fn *fn;
    size_t calls, failed;
} runner;

static void *run_calls(void *ud)
{
    runner *r = ud;
    wx_error err;
    for (size_t i = 0; i < r->calls; i++) {
        wx_wasm_val a = wx_wasm_i32(0), res;
        r->failed += wx_fn_call(r->fn, &a, 1, &res, 1, &err) != WX_OK;
    }
    return NULL;
}

static void test_threads(wx_manager *m)
{
    wx_error err;
    /* Function names are unique across plugins: logw goes first. */
    CHECK(wx_manager_delete(m, "logw", &err) == WX_OK);
    CHECK_MSG(fx_add(m, "logt", "logwasi.wasm", "[\"one\",\"two\"]",
                     "\"instance_num\": 2", &err) == WX_OK,
              "%s", err.message);
    runner r[2] = {{wx_fn_get(m, "logt", "one", &err), 100, 0},
                   {wx_fn_get(m, "logt", "two", &err), 100, 0}};
    CHECK(r[0].fn && r[1].fn);
    if (!r[0].fn || !r[1].fn)
        return;
    pthread_t t[2];
    for (int i = 0; i < 2; i++)
        CHECK(pthread_create(&t[i], NULL, run_calls, &r[i]) == 0);
    for (int i = 0; i < 2; i++)
        pthread_join(t[i], NULL);
    CHECK(r[0].failed == 0 && r[1].failed == 0);
    wx_guest_log log;
    CHECK(wx_manager_guest_log(m, "logt", &log, &err) == WX_OK);
    /* Two _initialize lines, then 200 calls' lines. */
    CHECK_MSG(log.count == 202, "%zu lines", log.count);
    size_t right = 0, init = 0;
    for (size_t i = 0; i < log.count; i++) {
        const wx_guest_line *l = &log.lines[i];
        if (!l->function)
            init += strcmp(l->text, "starting") == 0;
        else if (strcmp(l->function, "one") == 0)
            right += strcmp(l->text, "one says hi") == 0 &&
                     strcmp(l->level, "stdout") == 0;
        else if (strcmp(l->function, "two") == 0)
            right += strcmp(l->text, "two says bye") == 0 &&
                     strcmp(l->level, "stderr") == 0;
    }
    CHECK_MSG(right == 200 && init == 2, "%zu right, %zu init", right, init);
    wx_guest_log_free(&log);
    wx_fn_free(r[0].fn);
    wx_fn_free(r[1].fn);
}

int main(int argc, char **argv)
{
    fx_setup(argc, argv);
    fx_copy_guest("logwasi", "logwasi.wasm");
    fx_copy_guest("logextism", "logextism.wasm");
    wx_error err;
    wx_manager_opts o = {0};
    o.guest_log_rate = 1u << 30; /* nothing dropped: the bound is the ring */
    wx_manager *m = wx_manager_open(fx_path("log.db"), &o, &err);
    CHECK_MSG(m != NULL, "%s", err.message);
    if (!m)
        return 1;
    test_wasi(m);
    test_extism(m);
    test_bound(m);
    test_threads(m);
    wx_manager_close(m);
    fx_teardown();
    return CHECK_DONE();
}
