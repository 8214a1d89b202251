/*
 * Hot update over REST: client threads call a plugin without pause while
 * the test replaces it again and again (PUT, version 1 <-> version 2).
 * No call may fail, every answer must come from one of the two versions,
 * and a call made after an update returned must see the new version.
 */
#include "check.h"
#include "harness.h"

#include <pthread.h>
#include <stdatomic.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#define CLIENTS 4
#define UPDATES 20
#define MAX_CALLS_PER_CLIENT 5000

static rt_daemon d;
static atomic_bool stop;

typedef struct client {
    int id;
    int calls, failures;
    int seen[3]; /* answers 1 and 2 */
    char first_failure[300];
} client;

static void note(client *c, const rt_resp *r, const char *path)
{
    c->calls++;
    json_int_t v = json_integer_value(
        json_array_get(json_object_get(r->json, "results"), 0));
    if (r->status == 200 && (v == 1 || v == 2)) {
        c->seen[v]++;
        return;
    }
    if (c->failures++ == 0)
        snprintf(c->first_failure, sizeof c->first_failure,
                 "%s: status %ld: %s", path, r->status,
                 r->body ? r->body : r->error);
}

static void *run_client(void *arg)
{
    client *c = arg;
    for (int i = 0; i < MAX_CALLS_PER_CLIENT && !atomic_load(&stop); i++) {
        const char *path = (i + c->id) % 2 ? "/functions/value"
                                           : "/plugins/hot/functions/work";
        rt_resp r = rt_req(&d, "POST", path,
                           path[1] == 'f' ? NULL : "{\"args\": [20000]}");
        note(c, &r, path);
        rt_free(&r);
    }
    rt_thread_done();
    return NULL;
}

static char *config_of(int version)
{
    char wasm[32];
    snprintf(wasm, sizeof wasm, "version%d.wasm", version);
    return rt_config("hot", rt_guest(wasm), "[\"value\", \"work\"]",
                     "\"instance_num\": 2");
}

static json_int_t value_now(void)
{
    rt_resp r = rt_req(&d, "POST", "/functions/value", NULL);
    CHECK_STATUS(r, 200);
    json_int_t v = json_integer_value(
        json_array_get(json_object_get(r.json, "results"), 0));
    rt_free(&r);
    return v;
}

int main(int argc, char **argv)
{
    rt_init(argc, argv);
    if (!rt_start(&d, rt_tmp("registry.db"), "--threads", "2",
                  (char *)NULL)) {
        CHECK_MSG(0, "the daemon did not start");
        return rt_finish(CHECK_DONE());
    }
    char *cfg = config_of(1);
    rt_resp r = rt_req(&d, "POST", "/plugins", cfg);
    CHECK_STATUS(r, 201);
    rt_free(&r);
    free(cfg);

    client clients[CLIENTS];
    pthread_t threads[CLIENTS];
    memset(clients, 0, sizeof clients);
    for (int i = 0; i < CLIENTS; i++) {
        clients[i].id = i;
        pthread_create(&threads[i], NULL, run_client, &clients[i]);
    }
    int stale = 0;
    for (int u = 0; u < UPDATES; u++) {
        int version = u % 2 ? 1 : 2;
        cfg = config_of(version);
        r = rt_req(&d, "PUT", "/plugins/hot", cfg);
        CHECK_STATUS(r, 200);
        CHECK(json_integer_value(json_object_get(r.json, "revision")) ==
              u + 2);
        rt_free(&r);
        free(cfg);
        if (value_now() != version)
            stale++;
        usleep(20000);
    }
    atomic_store(&stop, true);
    int calls = 0, failures = 0, seen1 = 0, seen2 = 0;
    for (int i = 0; i < CLIENTS; i++) {
        pthread_join(threads[i], NULL);
        calls += clients[i].calls;
        failures += clients[i].failures;
        seen1 += clients[i].seen[1];
        seen2 += clients[i].seen[2];
        if (clients[i].failures)
            fprintf(stderr, "client %d: %d failures, first: %s\n", i,
                    clients[i].failures, clients[i].first_failure);
    }
    printf("%d calls during %d updates: %d failed, %d answered 1, "
           "%d answered 2\n",
           calls, UPDATES, failures, seen1, seen2);
    CHECK(failures == 0);
    CHECK(calls >= CLIENTS * 10);
    CHECK(seen1 > 0 && seen2 > 0);
    CHECK_MSG(stale == 0, "%d calls after an update saw the old version",
              stale);

    /* The last update (version 1) holds. */
    CHECK(value_now() == 1);
    r = rt_req(&d, "GET", "/plugins/hot", NULL);
    CHECK(json_integer_value(json_object_get(r.json, "revision")) ==
          UPDATES + 1);
    rt_free(&r);
    CHECK(rt_stop(&d, SIGTERM, 20000) == 0);
    return rt_finish(CHECK_DONE());
}
