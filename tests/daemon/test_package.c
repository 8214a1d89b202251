/*
 * Plugin packages over REST: zips built here with libzip from the guests
 * (version1.wasm, version2.wasm) are POSTed and PUT as request bodies;
 * the functions are called, a bad package is a 400 with code "package"
 * that leaves the plugin as it was, a body over --max-body is a 413, and
 * the plugin still runs after a restart (from the registry: nothing was
 * extracted anywhere).
 */
#include "check.h"
#include "harness.h"

#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <zip.h>

#define MAX_BODY 262144

static rt_daemon d;

typedef struct zent {
    const char *name;
    const void *data;
    size_t len;
    bool store;
} zent;

/* A zip of the entries, made in memory (malloc'd; *len bytes). */
static char *zip_make(const zent *e, size_t n, size_t *len)
{
    zip_error_t ze;
    zip_error_init(&ze);
    zip_source_t *buf = zip_source_buffer_create(NULL, 0, 0, &ze);
    zip_source_keep(buf);
    zip_t *za = zip_open_from_source(buf, ZIP_TRUNCATE, &ze);
    if (!za)
        exit(2);
    for (size_t i = 0; i < n; i++) {
        zip_source_t *s = zip_source_buffer(za, e[i].data, e[i].len, 0);
        zip_int64_t idx =
            s ? zip_file_add(za, e[i].name, s, ZIP_FL_ENC_UTF_8) : -1;
        if (idx < 0 ||
            (e[i].store && zip_set_file_compression(za, (zip_uint64_t)idx,
                                                    ZIP_CM_STORE, 0) != 0)) {
            fprintf(stderr, "zip: %s\n", zip_strerror(za));
            exit(2);
        }
    }
    zip_stat_t st;
    if (zip_close(za) != 0 || zip_source_open(buf) != 0 ||
        zip_source_stat(buf, &st) != 0)
        exit(2);
    char *out = malloc(st.size);
    if (!out || zip_source_read(buf, out, st.size) != (zip_int64_t)st.size)
        exit(2);
    zip_source_close(buf);
    zip_source_free(buf);
    *len = st.size;
    return out;
}

/* A package of plugin "pk" with the module `wasm` (a guest's name). */
static char *package(const char *name, const char *wasm_path,
                     const char *wasm_entry, const char *cfg_path,
                     size_t *len)
{
    char cfg[512];
    snprintf(cfg, sizeof cfg,
             "{\"name\": \"%s\", \"vm_config\": {\"path\": \"%s\"}, "
             "\"functions\": [\"value\", \"work\"]}",
             name, cfg_path);
    size_t wlen;
    uint8_t *wasm = rt_slurp(rt_guest(wasm_path), &wlen);
    zent e[] = {{"config.json", cfg, strlen(cfg), false},
                {wasm_entry, wasm, wlen, false}};
    char *z = zip_make(e, 2, len);
    free(wasm);
    return z;
}

static json_int_t value_now(const char *path)
{
    rt_resp r = rt_req(&d, "POST", path, NULL);
    CHECK_STATUS(r, 200);
    json_int_t v = json_integer_value(
        json_array_get(json_object_get(r.json, "results"), 0));
    rt_free(&r);
    return v;
}

static json_int_t revision(void)
{
    rt_resp r = rt_req(&d, "GET", "/plugins/pk", NULL);
    CHECK_STATUS(r, 200);
    json_int_t v = json_integer_value(json_object_get(r.json, "revision"));
    rt_free(&r);
    return v;
}

static const char *message(const rt_resp *r)
{
    const char *m = json_string_value(json_object_get(
        json_object_get(r->json, "error"), "message"));
    return m ? m : "";
}

static void test_add_call_update(void)
{
    size_t len;
    char *z = package("pk", "version1.wasm", "pk.wasm", "pk.wasm", &len);
    rt_resp r = rt_req_raw(&d, "POST", "/plugins", "application/zip", z, len,
                           false);
    CHECK_STATUS(r, 201);
    CHECK(strcmp(r.location, "/plugins/pk") == 0);
    CHECK(strcmp(json_string_value(json_object_get(r.json, "name")), "pk") ==
          0);
    const char *path = json_string_value(json_object_get(
        json_object_get(json_object_get(r.json, "config"), "vm_config"),
        "path"));
    CHECK_MSG(path && strcmp(path, "package:pk.wasm") == 0, "path %s",
              path ? path : "(none)");
    rt_free(&r);
    CHECK(value_now("/plugins/pk/functions/value") == 1);
    CHECK(value_now("/functions/value") == 1);

    /* Again: the name is taken. */
    r = rt_req_raw(&d, "POST", "/plugins", "application/zip", z, len, false);
    CHECK_STATUS(r, 409);
    CHECK(strcmp(rt_code(&r), "exists") == 0);
    rt_free(&r);
    free(z);

    /* Version 2, sent chunked and as application/json: the zip magic
     * makes it a package all the same. As application/octet-stream it is
     * refused: changes take JSON or zip bodies only (docs/security.md). */
    z = package("pk", "version2.wasm", "mod/v2.wasm", "mod/v2.wasm", &len);
    r = rt_req_raw(&d, "PUT", "/plugins/pk", "application/octet-stream", z,
                   len, true);
    CHECK_STATUS(r, 415);
    CHECK(strcmp(rt_code(&r), "media_type") == 0);
    rt_free(&r);
    r = rt_req_raw(&d, "PUT", "/plugins/pk", "application/json", z, len,
                   true);
    CHECK_STATUS(r, 200);
    CHECK(json_integer_value(json_object_get(r.json, "revision")) == 2);
    rt_free(&r);
    CHECK(value_now("/plugins/pk/functions/value") == 2);

    /* PUT under another plugin's URL. */
    r = rt_req_raw(&d, "PUT", "/plugins/other", "application/zip", z, len,
                   false);
    CHECK_STATUS(r, 400);
    CHECK(strcmp(rt_code(&r), "package") == 0);
    CHECK_MSG(strcmp(message(&r), "name: the package's config names \"pk\", "
                                  "not \"other\"") == 0,
              "%s", message(&r));
    rt_free(&r);
    free(z);

    /* PUT of a plugin that is not registered. */
    z = package("nothere", "version1.wasm", "pk.wasm", "pk.wasm", &len);
    r = rt_req_raw(&d, "PUT", "/plugins/nothere", "application/zip", z, len,
                   false);
    CHECK_STATUS(r, 404);
    CHECK(strcmp(rt_code(&r), "noplugin") == 0);
    rt_free(&r);
    free(z);
}

/* Each refusal is a 400 "package" with the exact message, and leaves pk
 * at revision 2 answering 2. */
static void refused(const char *what, const char *method, const char *body,
                    size_t len, const char *want)
{
    rt_resp r = rt_req_raw(&d, method,
                           method[1] == 'U' ? "/plugins/pk" : "/plugins",
                           "application/zip", body, len, false);
    CHECK_STATUS(r, 400);
    CHECK_MSG(strcmp(rt_code(&r), "package") == 0, "%s: code %s", what,
              rt_code(&r));
    CHECK_MSG(strcmp(message(&r), want) == 0,
              "%s:\n    got:  %s\n    want: %s", what, message(&r), want);
    rt_free(&r);
    CHECK(revision() == 2);
    CHECK(value_now("/plugins/pk/functions/value") == 2);
}

static void test_bad_packages(void)
{
    static const char junk[] = "PK\3\4 but nothing like a zip after that";
    refused("junk", "POST", junk, sizeof junk - 1,
            "package: not a zip archive");
    refused("junk update", "PUT", junk, sizeof junk - 1,
            "package: not a zip archive");

    size_t len;
    char *z = package("pk", "version1.wasm", "../pk.wasm", "../pk.wasm",
                      &len);
    refused("traversal", "PUT", z, len,
            "package entry \"../pk.wasm\": path leaves the package");
    free(z);

    z = package("pk", "version1.wasm", "pk.wasm", "other.wasm", &len);
    refused("missing module", "PUT", z, len,
            "package entry \"config.json\": vm_config.path: \"other.wasm\" "
            "is not in the package (entries: config.json, pk.wasm)");
    free(z);

    /* A JSON body is still a JSON body. */
    rt_resp r = rt_req_raw(&d, "POST", "/plugins", "application/json",
                           "{\"name\": ", 9, false);
    CHECK_STATUS(r, 400);
    CHECK(strcmp(rt_code(&r), "arg") == 0);
    rt_free(&r);
}

/* A body over --max-body is refused before anything reads it. */
static void test_too_large(void)
{
    size_t n = MAX_BODY + 4096;
    uint8_t *noise = malloc(n);
    uint64_t x = 88172645463325252ull;
    for (size_t i = 0; i < n; i++) {
        x ^= x << 13;
        x ^= x >> 7;
        x ^= x << 17;
        noise[i] = (uint8_t)x;
    }
    char cfg[] = "{\"name\": \"pk\", \"vm_config\": {\"path\": \"pk.wasm\"}, "
                 "\"functions\": [\"value\"]}";
    zent e[] = {{"config.json", cfg, strlen(cfg), false},
                {"pk.wasm", noise, n, true}};
    size_t len;
    char *z = zip_make(e, 2, &len);
    CHECK(len > MAX_BODY);
    rt_resp r =
        rt_req_raw(&d, "PUT", "/plugins/pk", "application/zip", z, len, false);
    CHECK_STATUS(r, 413);
    CHECK(strcmp(rt_code(&r), "limit") == 0);
    rt_free(&r);
    r = rt_req_raw(&d, "POST", "/plugins", "application/zip", z, len, true);
    CHECK_STATUS(r, 413);
    rt_free(&r);
    free(z);
    free(noise);
    CHECK(revision() == 2);
}

int main(int argc, char **argv)
{
    rt_init(argc, argv);
    char max[32];
    snprintf(max, sizeof max, "%d", MAX_BODY);
    if (!rt_start(&d, rt_tmp("registry.db"), "--max-body", max,
                  "--log-level", "debug", (char *)NULL)) {
        CHECK_MSG(0, "the daemon did not start");
        return rt_finish(CHECK_DONE());
    }
    test_add_call_update();
    test_bad_packages();
    test_too_large();
    CHECK(rt_stop(&d, SIGTERM, 20000) == 0);
    char *log = rt_log(&d);
    CHECK(strstr(log, "plugin pk added"));
    CHECK(strstr(log, "plugin pk updated"));
    CHECK(strstr(log, "plugin pk not updated: arg: package entry"));
    free(log);

    /* The registry holds the module: a new daemon runs it. */
    if (!rt_start(&d, rt_tmp("registry.db"), (char *)NULL)) {
        CHECK_MSG(0, "the daemon did not restart");
        return rt_finish(CHECK_DONE());
    }
    CHECK(value_now("/functions/value") == 2);
    CHECK(rt_stop(&d, SIGTERM, 20000) == 0);
    return rt_finish(CHECK_DONE());
}
