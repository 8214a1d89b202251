/*
 * Guest code never runs on the HTTP threads: with more stuck calls than
 * HTTP threads, /healthz, /metrics, the plugin list and an add still
 * answer (counted, each probe bounded well below the calls' timeout). And
 * a client that disconnects mid-call cancels it: the guest is
 * interrupted, the cancel is counted in /metrics, and the plugin's only
 * instance serves the next call instead of staying stuck for the call's
 * 60 s timeout.
 */
#include "check.h"
#include "harness.h"

#include <pthread.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <unistd.h>

#define STUCK 6 /* calls, against --threads 2 */

static rt_daemon d;
static long stuck_status[STUCK];

static void add_plugin(const char *name, const char *funcs, const char *more)
{
    char *cfg = rt_config(name, rt_guest("calc.wasm"), funcs, more);
    rt_resp r = rt_req(&d, "POST", "/plugins", cfg);
    CHECK_STATUS(r, 201);
    rt_free(&r);
    free(cfg);
}

static void *stuck_call(void *arg)
{
    long *status = arg;
    rt_resp r = rt_req(&d, "POST", "/plugins/stuck/functions/spin", NULL);
    *status = r.status;
    rt_free(&r);
    rt_thread_done();
    return NULL;
}

/* Waits (bounded) until the series reads `want`; whether it did. */
static bool wait_metric(const char *name, double want, int timeout_ms)
{
    long end = rt_now_ms() + timeout_ms;
    while (rt_now_ms() < end) {
        if (rt_metric(&d, name) == want)
            return true;
        usleep(20000);
    }
    return false;
}

static void test_http_threads_stay_free(void)
{
    /* Six calls that loop until their 8 s timeout, on six instances. */
    add_plugin("stuck", "[\"spin\"]",
               "\"instance_num\": 6, \"limits\": {\"timeout_ms\": 8000}");
    pthread_t t[STUCK];
    for (int i = 0; i < STUCK; i++)
        CHECK(pthread_create(&t[i], NULL, stuck_call, &stuck_status[i]) == 0);
    CHECK_MSG(wait_metric("wasmext_plugin_instances{plugin=\"stuck\","
                          "state=\"busy\"}",
                          STUCK, 6000),
              "the stuck calls did not all start");

    /* Every probe gives up after 2 s, far below the calls' 8 s: a probe
     * that waited for an HTTP thread running a guest would fail. Fresh
     * connections, as a monitoring system's would be. */
    rt_set_timeout_ms(2000);
    int ok = 0, tries = 0;
    for (int i = 0; i < 5; i++, tries += 4) {
        rt_thread_done();
        rt_resp r = rt_req(&d, "GET", "/healthz", NULL);
        ok += r.status == 200;
        rt_free(&r);
        rt_thread_done();
        r = rt_req(&d, "GET", "/metrics", NULL);
        ok += r.status == 200;
        rt_free(&r);
        rt_thread_done();
        r = rt_req(&d, "GET", "/plugins", NULL);
        ok += r.status == 200;
        rt_free(&r);
        rt_thread_done();
        r = rt_req(&d, "GET", "/plugins/stuck", NULL);
        ok += r.status == 200;
        rt_free(&r);
    }
    /* An admin change, and a call to another plugin. */
    char *cfg = rt_config("quick", rt_guest("calc.wasm"), "[\"add\"]", NULL);
    rt_thread_done();
    rt_resp r = rt_req(&d, "POST", "/plugins", cfg);
    free(cfg);
    CHECK_STATUS(r, 201);
    ok += r.status == 201;
    tries++;
    rt_free(&r);
    rt_thread_done();
    r = rt_req(&d, "POST", "/plugins/quick/functions/add",
               "{\"args\": [2, 3]}");
    CHECK_STATUS(r, 200);
    ok += r.status == 200;
    tries++;
    rt_free(&r);
    CHECK_MSG(ok == tries, "%d of %d probes answered while %d calls were "
              "stuck", ok, tries, STUCK);
    /* And the stuck ones were still stuck: the probes did not just come
     * after them. */
    CHECK(rt_metric(&d, "wasmext_plugin_instances{plugin=\"stuck\","
                        "state=\"busy\"}") == STUCK);
    rt_set_timeout_ms(60000);

    for (int i = 0; i < STUCK; i++) {
        pthread_join(t[i], NULL);
        CHECK_MSG(stuck_status[i] == 504, "stuck call %d: %ld, want 504", i,
                  stuck_status[i]);
    }
    /* Function names are unique across plugins: make room for the next
     * test's. */
    rt_resp r2 = rt_req(&d, "DELETE", "/plugins/stuck", NULL);
    CHECK_STATUS(r2, 200);
    rt_free(&r2);
    r2 = rt_req(&d, "DELETE", "/plugins/quick", NULL);
    CHECK_STATUS(r2, 200);
    rt_free(&r2);
}

static void test_disconnect_cancels(void)
{
    /* One instance, and a timeout far beyond the test: only the cancel
     * can free it in time. */
    add_plugin("lone", "[\"spin\", \"add\"]",
               "\"instance_num\": 1, \"limits\": {\"timeout_ms\": 60000}");
    double before = rt_metric(&d, "wasmext_http_calls_cancelled_total");
    CHECK(before == 0);
    int fd = rt_connect(&d);
    CHECK(fd >= 0);
    char req[256];
    int n = snprintf(req, sizeof req,
                     "POST /plugins/lone/functions/spin HTTP/1.1\r\n"
                     "Host: 127.0.0.1:%d\r\nContent-Length: 0\r\n\r\n",
                     d.port);
    CHECK(send(fd, req, (size_t)n, MSG_NOSIGNAL) == n);
    CHECK_MSG(wait_metric("wasmext_plugin_instances{plugin=\"lone\","
                          "state=\"busy\"}",
                          1, 10000),
              "the call did not start");
    close(fd);
    CHECK_MSG(wait_metric("wasmext_http_calls_cancelled_total", 1, 10000),
              "the disconnect was not counted as a cancel");
    CHECK_MSG(wait_metric("wasmext_plugin_instances{plugin=\"lone\","
                          "state=\"busy\"}",
                          0, 10000),
              "the instance was not given back");
    /* The freed (replaced) instance serves the next call; with the
     * guest still looping, this would wait --wait-ms and get 503. */
    rt_resp r = rt_req(&d, "POST", "/plugins/lone/functions/add",
                       "{\"args\": [20, 22]}");
    CHECK_STATUS(r, 200);
    rt_free(&r);
    /* The cancelled call counts as an interrupted one. */
    CHECK(rt_metric(&d, "wasmext_function_errors_total{plugin=\"lone\","
                        "function=\"spin\",code=\"interrupted\"}") == 1);

    /* A call queued behind it is cancelled before it runs: a second
     * client disconnects while the first call holds the instance; the
     * first is then cancelled too. Nothing is left busy. */
    int a = rt_connect(&d), b = rt_connect(&d);
    CHECK(a >= 0 && b >= 0);
    CHECK(send(a, req, (size_t)n, MSG_NOSIGNAL) == n);
    CHECK(wait_metric("wasmext_plugin_instances{plugin=\"lone\","
                      "state=\"busy\"}",
                      1, 10000));
    CHECK(send(b, req, (size_t)n, MSG_NOSIGNAL) == n);
    usleep(100000);
    close(b);
    close(a);
    CHECK_MSG(wait_metric("wasmext_http_calls_cancelled_total", 3, 10000),
              "cancels: %g, want 3",
              rt_metric(&d, "wasmext_http_calls_cancelled_total"));
    CHECK(wait_metric("wasmext_plugin_instances{plugin=\"lone\","
                      "state=\"busy\"}",
                      0, 10000));
    r = rt_req(&d, "POST", "/plugins/lone/functions/add",
               "{\"args\": [1, 2]}");
    CHECK_STATUS(r, 200);
    rt_free(&r);
}

int main(int argc, char **argv)
{
    rt_init(argc, argv);
    CHECK(rt_start(&d, rt_tmp("reg.db"), "--threads", "2", "--wait-ms",
                   "3000", (char *)NULL));
    test_http_threads_stay_free();
    test_disconnect_cancels();
    CHECK(rt_stop(&d, SIGTERM, 20000) == 0);
    return rt_finish(CHECK_DONE());
}
