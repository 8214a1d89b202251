/*
 * The manager under concurrent load: hot updates while threads call in a
 * loop (every call succeeds and sees one of the two versions; after each
 * update returns, calls see the new one), a call in flight during an
 * update that finishes on the old version, deletes and re-adds under load
 * (calls succeed or fail with "not found", nothing else), and changes to
 * other plugins while calls look names up. Meant to run under ASan and
 * TSan too. argv[1] names the guest directory.
 */
#include "fixture.h"

#include <pthread.h>
#include <stdatomic.h>
#include <time.h>

#define CALLERS 3

static wx_manager *mgr;
static atomic_bool stop;

typedef struct caller {
    pthread_t thread;
    int id;
    bool allow_notfound; /* a delete test: "not found" is fine */
    wx_fn *fn;           /* the handle this caller uses, if any */
    long calls, ones, twos, notfound, failures;
    char last_error[400];
} caller;

static void sleep_ms(int ms)
{
    struct timespec ts = {ms / 1000, (long)(ms % 1000) * 1000000};
    nanosleep(&ts, NULL);
}

/* One call of "value" in the way this caller and iteration choose. */
static wx_status call_value(caller *c, long i, int32_t *got, wx_error *err)
{
    wx_wasm_val r[1];
    char *out = NULL;
    wx_status s;
    switch ((c->id + i) % 4) {
    case 0:
        s = call_json(mgr, NULL, "value", "[]", &out, err);
        *got = out ? atoi(out + 1) : -1;
        wx_free(out);
        return s;
    case 1: s = call_vals(mgr, "hot", "value", NULL, 0, r, 1, err); break;
    case 2:
        if (c->fn) {
            s = wx_fn_call(c->fn, NULL, 0, r, 1, err);
            break;
        }
        /* fall through */
    default:
        s = call_argv(mgr, NULL, "hot.value", 0, NULL, &out, err);
        *got = out ? atoi(out) : -1;
        wx_free(out);
        return s;
    }
    *got = s == WX_OK ? r[0].of.i32 : -1;
    return s;
}

static void *caller_main(void *arg)
{
    caller *c = arg;
    for (long i = 0; !atomic_load(&stop); i++) {
        wx_error err;
        int32_t got;
        wx_status s = call_value(c, i, &got, &err);
        c->calls++;
        if (s == WX_OK && got == 1) {
            c->ones++;
        } else if (s == WX_OK && got == 2) {
            c->twos++;
        } else if (c->allow_notfound && s == WX_ENOPLUGIN &&
                   strstr(err.message, "not found")) {
            c->notfound++;
        } else {
            c->failures++;
            snprintf(c->last_error, sizeof c->last_error, "%s (%d, got %d)",
                     err.message, (int)s, (int)got);
        }
    }
    return NULL;
}

static void start(caller *cs, bool allow_notfound, bool handles)
{
    atomic_store(&stop, false);
    for (int i = 0; i < CALLERS; i++) {
        memset(&cs[i], 0, sizeof cs[i]);
        cs[i].id = i;
        cs[i].allow_notfound = allow_notfound;
        if (handles)
            cs[i].fn = wx_fn_get(mgr, "hot", "value", NULL);
        pthread_create(&cs[i].thread, NULL, caller_main, &cs[i]);
    }
}

/* Stops the callers; returns the total failures (and reports them). */
static long finish(caller *cs, long *calls, long *notfound)
{
    atomic_store(&stop, true);
    long failures = 0;
    *calls = *notfound = 0;
    for (int i = 0; i < CALLERS; i++) {
        pthread_join(cs[i].thread, NULL);
        wx_fn_free(cs[i].fn);
        failures += cs[i].failures;
        *calls += cs[i].calls;
        *notfound += cs[i].notfound;
        if (cs[i].failures)
            fprintf(stderr, "caller %d: %ld failures, last: %s\n", i,
                    cs[i].failures, cs[i].last_error);
    }
    return failures;
}

static int32_t value_now(void)
{
    wx_wasm_val r;
    wx_error err;
    wx_status s = call_vals(mgr, NULL, "value", NULL, 0, &r, 1, &err);
    if (s != WX_OK) {
        if (s != WX_ENOPLUGIN)
            fprintf(stderr, "value: %s\n", err.message);
        return -1;
    }
    return r.of.i32;
}

static const char *hot_funcs = "[\"value\",\"slow\"]";

static void test_hot_update(void)
{
    wx_error err;
    CHECK(fx_add(mgr, "hot", "v1.wasm", hot_funcs, "\"instance_num\":2",
                 &err) == WX_OK);
    caller cs[CALLERS];
    start(cs, false, true);
    int updates = 40, stale = 0;
    for (int i = 0; i < updates; i++) {
        int want = i % 2 == 0 ? 2 : 1;
        wx_status s = fx_update(mgr, "hot", want == 2 ? "v2.wasm" : "v1.wasm",
                                hot_funcs, "\"instance_num\":2", &err);
        CHECK_MSG(s == WX_OK, "update %d: %s", i, err.message);
        stale += value_now() != want;
        sleep_ms(2);
    }
    long calls, notfound;
    long failures = finish(cs, &calls, &notfound);
    CHECK_MSG(failures == 0, "%ld of %ld calls failed", failures, calls);
    CHECK_MSG(stale == 0, "%d updates not seen by the next call", stale);
    long ones = 0, twos = 0;
    for (int i = 0; i < CALLERS; i++) {
        CHECK(cs[i].calls > 0);
        ones += cs[i].ones;
        twos += cs[i].twos;
    }
    CHECK(ones > 0 && twos > 0);
    printf("hot update: %d updates, %ld calls (%ld saw 1, %ld saw 2), %ld "
           "failed\n",
           updates, calls, ones, twos, failures);
    json_t *show = fx_json(manager_show(mgr, "hot", NULL));
    CHECK(json_integer_value(fx_at(show, "revision", NULL)) == updates + 1);
    json_int_t counted =
        json_integer_value(fx_at(show, "functions", "#0", "calls", NULL));
    /* Every call above and the main thread's are counted once. */
    CHECK_MSG(counted == calls + updates, "counted %lld of %ld",
              (long long)counted, calls + updates);
    json_decref(show);
}

/* A long call started on version 1 finishes there, while calls after
 * the update see version 2 at once. */
typedef struct slow_call {
    int32_t n, result;
    wx_status status;
    atomic_bool done;
} slow_call;

static void *slow_main(void *arg)
{
    slow_call *c = arg;
    wx_wasm_val a = wx_wasm_i32(c->n), r;
    wx_error err;
    c->status = call_vals(mgr, "hot", "slow", &a, 1, &r, 1, &err);
    c->result = c->status == WX_OK ? r.of.i32 : -1;
    atomic_store(&c->done, true);
    return NULL;
}

static int busy_instances(void)
{
    json_t *show = fx_json(manager_show(mgr, "hot", NULL));
    int busy = (int)json_integer_value(fx_at(show, "instances", "busy", NULL));
    json_decref(show);
    return busy;
}

static void test_in_flight(void)
{
    wx_error err;
    bool overlapped = false;
    for (int32_t n = 20000000; n > 0 && n <= 1280000000 && !overlapped;
         n *= 4) {
        CHECK(fx_update(mgr, "hot", "v1.wasm", hot_funcs, "", &err) == WX_OK);
        slow_call c = {.n = n};
        atomic_init(&c.done, false);
        pthread_t t;
        pthread_create(&t, NULL, slow_main, &c);
        while (busy_instances() == 0 && !atomic_load(&c.done))
            sleep_ms(1);
        CHECK(fx_update(mgr, "hot", "v2.wasm", hot_funcs, "", &err) == WX_OK);
        int32_t now = value_now();
        overlapped = !atomic_load(&c.done);
        pthread_join(t, NULL);
        CHECK(now == 2);
        CHECK_MSG(c.status == WX_OK && c.result == 1,
                  "slow call: status %d, result %d", (int)c.status,
                  (int)c.result);
    }
    CHECK_MSG(overlapped, "no slow call outlived an update");
}

static void test_delete_under_load(void)
{
    wx_error err;
    caller cs[CALLERS];
    long total_calls = 0, total_nf = 0;
    for (int round = 0; round < 10; round++) {
        start(cs, true, round % 2 == 0);
        sleep_ms(5);
        CHECK(wx_manager_delete(mgr, "hot", &err) == WX_OK);
        sleep_ms(5);
        CHECK(fx_add(mgr, "hot", round % 2 ? "v1.wasm" : "v2.wasm", hot_funcs,
                     "\"instance_num\":2", &err) == WX_OK);
        sleep_ms(5);
        long calls, notfound;
        long failures = finish(cs, &calls, &notfound);
        CHECK_MSG(failures == 0, "round %d: %ld of %ld calls failed", round,
                  failures, calls);
        total_calls += calls;
        total_nf += notfound;
    }
    /* The final delete: every call after it fails with "not found". */
    CHECK(wx_manager_delete(mgr, "hot", &err) == WX_OK);
    CHECK(value_now() == -1);
    CHECK(total_nf > 0);
    printf("delete under load: %ld calls, %ld not found\n", total_calls,
           total_nf);
}

/* Other plugins come and go while callers find "value" by its unique
 * name: the function index is rebuilt under them. */
static void test_churn(void)
{
    wx_error err;
    CHECK(fx_add(mgr, "hot", "v1.wasm", hot_funcs, "", &err) == WX_OK);
    caller cs[CALLERS];
    start(cs, false, true);
    static const char *const funcs[] = {"[\"add\"]", "[\"fib\"]",
                                        "[\"mul64\"]", "[\"half\"]"};
    for (int round = 0; round < 5; round++) {
        for (int i = 0; i < 4; i++) {
            char name[16];
            snprintf(name, sizeof name, "p%d", i);
            CHECK(fx_add(mgr, name, "math.wasm", funcs[i], "", &err) == WX_OK);
        }
        char *list = manager_list(mgr, NULL);
        CHECK(list != NULL);
        wx_free(list);
        CHECK_STR(fx_call(mgr, NULL, "fib", "[6]"), "[8]");
        for (int i = 0; i < 4; i++) {
            char name[16];
            snprintf(name, sizeof name, "p%d", i);
            CHECK(wx_manager_delete(mgr, name, &err) == WX_OK);
        }
    }
    long calls, notfound;
    CHECK(finish(cs, &calls, &notfound) == 0);
    printf("churn: %ld calls\n", calls);
}

int main(int argc, char **argv)
{
    fx_setup(argc, argv);
    fx_copy_guest("v1", "v1.wasm");
    fx_copy_guest("v2", "v2.wasm");
    fx_copy_guest("math", "math.wasm");
    wx_error err;
    mgr = wx_manager_open(fx_path("c.db"), NULL, &err);
    CHECK_MSG(mgr != NULL, "%s", err.message);
    if (!mgr)
        return 1;
    test_hot_update();
    test_in_flight();
    test_delete_under_load();
    test_churn();
    wx_manager_close(mgr);
    fx_teardown();
    return CHECK_DONE();
}
