/*
 * SIGTERM drains: a slow call in flight when the signal arrives completes
 * with 200 and its result; meanwhile the daemon accepts no new
 * connection, answers new requests on open connections with 503, then
 * closes the registry and exits 0. SIGINT does the same. A call that
 * never ends (timeout_ms 0) does not hold the stop past --drain-ms: the
 * daemon exits 1, and the registry is intact at the next start.
 *
 * Both plugins turn the call timeout off: the slow call is meant to take
 * about 1.5 s, and on a loaded machine it may take longer than the
 * default timeout, which is not what this test is about.
 */
#include "check.h"
#include "harness.h"

#include <pthread.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

static rt_daemon d;
static long long slow_n;

typedef struct slow_call {
    long status;
    char results[64];
} slow_call;

static void *run_slow(void *arg)
{
    slow_call *sc = arg;
    char body[64];
    snprintf(body, sizeof body, "{\"args\": [%lld]}", slow_n);
    rt_thread_done();
    rt_resp r = rt_req(&d, "POST", "/functions/slow", body);
    sc->status = r.status;
    char *t = json_dumps(json_object_get(r.json, "results"), JSON_COMPACT);
    snprintf(sc->results, sizeof sc->results, "%s", t ? t : "");
    free(t);
    rt_free(&r);
    rt_thread_done();
    return NULL;
}

static void drain_once(int sig)
{
    rt_thread_done();
    if (!rt_start(&d, rt_tmp("registry.db"), "--threads", "2",
                  (char *)NULL)) {
        CHECK_MSG(0, "the daemon did not start");
        return;
    }
    /* The plugin was registered by the first run. */
    rt_resp r = rt_req(&d, "GET", "/plugins/lone", NULL);
    if (r.status == 404) {
        char *cfg = rt_config("lone", rt_guest("calc.wasm"), "[\"slow\"]",
                              "\"limits\": {\"timeout_ms\": 0}");
        rt_free(&r);
        r = rt_req(&d, "POST", "/plugins", cfg);
        CHECK_STATUS(r, 201);
        free(cfg);
        slow_n = rt_slow_n(&d, "/functions/slow", 1500);
    }
    rt_free(&r);
    /* A kept-alive connection, open before the signal. */
    r = rt_req(&d, "GET", "/healthz", NULL);
    CHECK_STATUS(r, 200);
    rt_free(&r);

    slow_call sc = {0, ""};
    pthread_t t;
    pthread_create(&t, NULL, run_slow, &sc);
    usleep(300000);
    kill(d.pid, sig);
    usleep(100000);

    /* A request on the open connection is refused (503, or the
     * connection closed if its worker was the busy one and the daemon
     * stopped first); a new connection is not accepted. */
    r = rt_req(&d, "GET", "/healthz", NULL);
    CHECK_MSG(r.status == 503 || r.status == 0,
              "a request on an open connection during the drain got %ld",
              r.status);
    if (r.status == 503)
        CHECK(strcmp(rt_code(&r), "unavailable") == 0);
    rt_free(&r);
    rt_thread_done();
    r = rt_req(&d, "GET", "/healthz", NULL);
    CHECK_MSG(r.status == 0, "a new connection during the drain got %ld",
              r.status);
    rt_free(&r);

    pthread_join(t, NULL);
    CHECK_MSG(sc.status == 200, "the call in flight got %ld", sc.status);
    CHECK(strcmp(sc.results, "[7]") == 0);
    /* rt_stop's own bound catches a stop that hangs (its exit code). */
    int code = rt_stop(&d, 0, 20000);
    CHECK_MSG(code == 0, "exit code %d", code);
    char *log = rt_log(&d);
    CHECK(strstr(log, "stopping"));
    CHECK(strstr(log, "draining 1 request in flight"));
    CHECK(strstr(log, " stopped"));
    free(log);
}

static void *run_spin(void *arg)
{
    long *status = arg;
    rt_thread_done();
    rt_resp r = rt_req(&d, "POST", "/functions/spin", NULL);
    *status = r.status;
    rt_free(&r);
    rt_thread_done();
    return NULL;
}

static void endless_call(void)
{
    char db[600];
    snprintf(db, sizeof db, "%s", rt_tmp("endless.db"));
    rt_thread_done();
    if (!rt_start(&d, db, "--drain-ms", "300", (char *)NULL)) {
        CHECK_MSG(0, "the daemon did not start");
        return;
    }
    char *cfg = rt_config("forever", rt_guest("calc.wasm"), "[\"spin\"]",
                          "\"limits\": {\"timeout_ms\": 0}");
    rt_resp r = rt_req(&d, "POST", "/plugins", cfg);
    CHECK_STATUS(r, 201);
    rt_free(&r);
    free(cfg);

    long status = -1;
    pthread_t t;
    pthread_create(&t, NULL, run_spin, &status);
    usleep(300000);
    int code = rt_stop(&d, SIGTERM, 10000);
    CHECK_MSG(code == 1, "exit code %d", code);
    pthread_join(t, NULL);
    CHECK_MSG(status == 0, "the endless call got %ld", status);
    char *log = rt_log(&d);
    CHECK(strstr(log, "1 request still running after the drain"));
    free(log);

    /* The registry is fine. */
    rt_thread_done();
    if (!rt_start(&d, db, (char *)NULL)) {
        CHECK_MSG(0, "the daemon did not start again");
        return;
    }
    r = rt_req(&d, "GET", "/plugins/forever", NULL);
    CHECK_STATUS(r, 200);
    rt_free(&r);
    CHECK(rt_stop(&d, SIGTERM, 20000) == 0);
}

int main(int argc, char **argv)
{
    rt_init(argc, argv);
    drain_once(SIGTERM);
    drain_once(SIGINT);
    endless_call();
    return rt_finish(CHECK_DONE());
}
