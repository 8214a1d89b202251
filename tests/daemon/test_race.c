/*
 * An add racing a DELETE of the same name answers what happened: 201 with
 * the plugin it added (the report is made before the DELETE may run), or
 * 409 if the name was still taken; never 404 for an add that was
 * committed. Likewise an update answers 200 with what it stored, or 404
 * if the plugin was gone before it.
 */
#include "check.h"
#include "harness.h"

#include <pthread.h>
#include <stdatomic.h>
#include <stdlib.h>
#include <string.h>

#define ROUNDS 60

static rt_daemon d;
static atomic_bool adding_done;

static void *deleter(void *arg)
{
    (void)arg;
    while (!atomic_load(&adding_done)) {
        rt_resp r = rt_req(&d, "DELETE", "/plugins/racy", NULL);
        rt_free(&r);
    }
    rt_thread_done();
    return NULL;
}

int main(int argc, char **argv)
{
    rt_init(argc, argv);
    CHECK(rt_start(&d, rt_tmp("reg.db"), (char *)NULL));
    char *cfg = rt_config("racy", rt_guest("calc.wasm"), "[\"add\"]", NULL);
    pthread_t t;
    CHECK(pthread_create(&t, NULL, deleter, NULL) == 0);
    int created = 0, exists = 0, updated = 0, other = 0;
    for (int i = 0; i < ROUNDS; i++) {
        rt_resp r = rt_req(&d, "POST", "/plugins", cfg);
        if (r.status == 201) {
            const char *name =
                json_string_value(json_object_get(r.json, "name"));
            CHECK_MSG(name && strcmp(name, "racy") == 0, "201 without the "
                      "plugin: %s", r.body);
            created++;
        } else if (r.status == 409) {
            exists++;
        } else {
            other++;
            CHECK_MSG(false, "add answered %ld: %s", r.status,
                      r.body ? r.body : r.error);
        }
        rt_free(&r);
        r = rt_req(&d, "PUT", "/plugins/racy", cfg);
        if (r.status == 200) {
            const char *name =
                json_string_value(json_object_get(r.json, "name"));
            CHECK_MSG(name && strcmp(name, "racy") == 0, "200 without the "
                      "plugin: %s", r.body);
            updated++;
        } else {
            CHECK_MSG(r.status == 404 && strcmp(rt_code(&r), "noplugin") == 0,
                      "update answered %ld: %s", r.status,
                      r.body ? r.body : r.error);
        }
        rt_free(&r);
    }
    atomic_store(&adding_done, true);
    pthread_join(t, NULL);
    free(cfg);
    CHECK_MSG(created > 0, "no add got through the deletes (%d exists, "
              "%d other)", exists, other);
    (void)updated;
    CHECK(rt_stop(&d, SIGTERM, 20000) == 0);
    return rt_finish(CHECK_DONE());
}
