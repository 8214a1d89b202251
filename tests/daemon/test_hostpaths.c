/*
 * The host's files are the operator's (docs/security.md): a config that
 * comes over REST may name module files and preopened directories only
 * under an --allow-dir root, after symbolic links and ".." are resolved,
 * and a refusal does not tell a missing path from a forbidden one.
 * Without --allow-dir, no host path at all: modules come in packages.
 */
#include "check.h"
#include "harness.h"

#include <limits.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>
#include <zip.h>

static rt_daemon d;

/* A package of plugin `name` (calc.wasm's add) whose config has `more`
 * top-level keys (or NULL); malloc'd, *len bytes. */
static char *package(const char *name, const char *more, size_t *len)
{
    char cfg[1024];
    snprintf(cfg, sizeof cfg,
             "{\"name\": \"%s\", \"vm_config\": {\"path\": \"calc.wasm\"}, "
             "\"functions\": [\"add\"]%s%s}",
             name, more ? ", " : "", more ? more : "");
    size_t wlen;
    uint8_t *wasm = rt_slurp(rt_guest("calc.wasm"), &wlen);
    zip_error_t ze;
    zip_error_init(&ze);
    zip_source_t *buf = zip_source_buffer_create(NULL, 0, 0, &ze);
    zip_source_keep(buf);
    zip_t *za = zip_open_from_source(buf, ZIP_TRUNCATE, &ze);
    zip_source_t *s1 = za ? zip_source_buffer(za, cfg, strlen(cfg), 0) : NULL;
    zip_source_t *s2 = za ? zip_source_buffer(za, wasm, wlen, 0) : NULL;
    if (!s1 || !s2 || zip_file_add(za, "config.json", s1, 0) < 0 ||
        zip_file_add(za, "calc.wasm", s2, 0) < 0)
        exit(2);
    zip_stat_t st;
    if (zip_close(za) != 0 || zip_source_open(buf) != 0 ||
        zip_source_stat(buf, &st) != 0)
        exit(2);
    char *out = malloc(st.size);
    if (!out || zip_source_read(buf, out, st.size) != (zip_int64_t)st.size)
        exit(2);
    zip_source_close(buf);
    zip_source_free(buf);
    free(wasm);
    *len = st.size;
    return out;
}

static rt_resp post_config(const char *name, const char *wasm,
                           const char *more)
{
    char *cfg = rt_config(name, wasm, "[\"add\"]", more);
    rt_resp r = rt_req(&d, "POST", "/plugins", cfg);
    free(cfg);
    return r;
}

static rt_resp post_package(const char *name, const char *more)
{
    size_t len;
    char *z = package(name, more, &len);
    rt_resp r =
        rt_req_raw(&d, "POST", "/plugins", "application/zip", z, len, false);
    free(z);
    return r;
}

static char *preopen(const char *host)
{
    static char buf[PATH_MAX + 4096];
    snprintf(buf, sizeof buf,
             "\"wasi\": {\"preopens\": {\"/data\": \"%.4000s\"}}", host);
    return buf;
}

/* The error message with every occurrence of `path` cut out: the rest
 * must not depend on whether the path exists. */
static char *message_without(const rt_resp *r, const char *path)
{
    const char *m = json_string_value(
        json_object_get(json_object_get(r->json, "error"), "message"));
    char *out = strdup(m ? m : "");
    size_t n = strlen(path);
    for (char *p; n && (p = strstr(out, path));)
        memmove(p, p + n, strlen(p + n) + 1);
    return out;
}

/* A daemon started as `make run` starts it: no --allow-dir. */
static void test_default(void)
{
    CHECK(rt_start_bare(&d, rt_tmp("bare.db"), NULL));
    /* The module of a JSON config: no host file, however it exists. */
    rt_resp a = post_config("m1", rt_guest("calc.wasm"), NULL);
    rt_resp b = post_config("m2", "/nonexistent/calc.wasm", NULL);
    rt_resp c = post_config("m3", "/etc/passwd", NULL);
    CHECK_STATUS(a, 403);
    CHECK_STATUS(b, 403);
    CHECK_STATUS(c, 403);
    CHECK(strcmp(rt_code(&a), "forbidden") == 0);
    char *ma = message_without(&a, rt_guest("calc.wasm"));
    char *mb = message_without(&b, "/nonexistent/calc.wasm");
    char *mc = message_without(&c, "/etc/passwd");
    CHECK_MSG(strcmp(ma, mb) == 0 && strcmp(mb, mc) == 0,
              "messages differ:\n%s\n%s\n%s", ma, mb, mc);
    CHECK(strstr(ma, "zip package") != NULL);
    free(ma);
    free(mb);
    free(mc);
    rt_free(&a);
    rt_free(&b);
    rt_free(&c);

    /* A package: no host file needed, so it works... */
    rt_resp r = post_package("pk", NULL);
    CHECK_STATUS(r, 201);
    rt_free(&r);
    r = rt_req(&d, "POST", "/plugins/pk/functions/add", "{\"args\":[2,3]}");
    CHECK_STATUS(r, 200);
    rt_free(&r);
    /* ...but it may not preopen anything: "/host": "/" is the attack. */
    r = post_package("evil", "\"wasi\": {\"preopens\": {\"/host\": \"/\"}}");
    CHECK_STATUS(r, 403);
    CHECK(strstr(r.body, "wasi.preopens./host") != NULL);
    rt_free(&r);
    r = post_package("evil", preopen(rt_tmp_dir()));
    CHECK_STATUS(r, 403);
    rt_free(&r);
    /* Nor through an update of a plugin that is fine. */
    size_t len;
    char *z =
        package("pk", "\"wasi\": {\"preopens\": {\"/host\": \"/etc\"}}", &len);
    r = rt_req_raw(&d, "PUT", "/plugins/pk", "application/zip", z, len, false);
    CHECK_STATUS(r, 403);
    rt_free(&r);
    free(z);
    r = rt_req(&d, "GET", "/plugins/evil", NULL);
    CHECK_STATUS(r, 404);
    rt_free(&r);
    r = rt_req(&d, "GET", "/plugins/pk", NULL);
    CHECK_STATUS(r, 200);
    CHECK(strstr(r.body, "/etc") == NULL);
    rt_free(&r);
    CHECK(rt_stop(&d, SIGTERM, 20000) == 0);
}

/* With --allow-dir ROOT: what lies under ROOT after resolution. */
static void test_allowed(void)
{
    char root[PATH_MAX], outside[PATH_MAX], sub[PATH_MAX + 8];
    snprintf(root, sizeof root, "%s", rt_tmp("root"));
    snprintf(outside, sizeof outside, "%s", rt_tmp("outside"));
    snprintf(sub, sizeof sub, "%s/sub", root);
    CHECK(mkdir(root, 0755) == 0 && mkdir(outside, 0755) == 0 &&
          mkdir(sub, 0755) == 0);
    rt_copy(rt_guest("calc.wasm"), rt_tmp("root/calc.wasm"));
    rt_copy(rt_guest("calc.wasm"), rt_tmp("outside/calc.wasm"));
    /* Links from inside the root to the outside. */
    CHECK(symlink(rt_tmp("outside/calc.wasm"), rt_tmp("root/link.wasm")) == 0);
    CHECK(symlink(outside, rt_tmp("root/out")) == 0);
    CHECK(symlink("/", rt_tmp("root/slash")) == 0);
    /* A link inside the root to the inside is fine. */
    CHECK(symlink(rt_tmp("root/calc.wasm"), rt_tmp("root/in.wasm")) == 0);

    CHECK(rt_start_bare(&d, rt_tmp("allowed.db"), "--allow-dir", root, NULL));
    /* (One plugin at a time: they all provide "add".) */
    rt_resp r = post_config("ok", rt_tmp("root/calc.wasm"), NULL);
    CHECK_STATUS(r, 201);
    rt_free(&r);
    r = rt_req(&d, "POST", "/plugins/ok/functions/add", "{\"args\":[2,3]}");
    CHECK_STATUS(r, 200);
    rt_free(&r);
    r = rt_req(&d, "DELETE", "/plugins/ok", NULL);
    CHECK_STATUS(r, 200);
    rt_free(&r);
    r = post_config("viain", rt_tmp("root/in.wasm"), preopen(sub));
    CHECK_STATUS(r, 201);
    /* Stored resolved: the manager opens what was checked. */
    CHECK_MSG(r.body && strstr(r.body, "root/calc.wasm") &&
                  !strstr(r.body, "in.wasm"),
              "%s", r.body);
    rt_free(&r);
    r = rt_req(&d, "DELETE", "/plugins/viain", NULL);
    CHECK_STATUS(r, 200);
    rt_free(&r);

    char dotdot[PATH_MAX + 32], dotdot_dir[PATH_MAX + 32];
    snprintf(dotdot, sizeof dotdot, "%s/../outside/calc.wasm", root);
    snprintf(dotdot_dir, sizeof dotdot_dir, "%s/sub/../../outside", root);
    const char *bad_modules[] = {
        rt_tmp("outside/calc.wasm"),
        dotdot,
        rt_tmp("root/link.wasm"),
        rt_tmp("root/out/calc.wasm"),
        rt_tmp("root/missing.wasm"),
        rt_tmp("root/sub"), /* a directory, not a module */
        "/etc/passwd",
    };
    char *first = NULL;
    for (size_t i = 0; i < sizeof bad_modules / sizeof bad_modules[0]; i++) {
        r = post_config("bad", bad_modules[i], NULL);
        CHECK_MSG(r.status == 403, "%s: %ld %s", bad_modules[i], r.status,
                  r.body ? r.body : r.error);
        char *m = message_without(&r, bad_modules[i]);
        if (!first)
            first = m;
        else {
            CHECK_MSG(strcmp(first, m) == 0, "%s:\n%s\n%s", bad_modules[i],
                      first, m);
            free(m);
        }
        rt_free(&r);
    }
    free(first);
    const char *bad_dirs[] = {
        outside,
        dotdot_dir,
        rt_tmp("root/out"),
        rt_tmp("root/slash"),
        rt_tmp("root/slash/etc"),
        "/",
        rt_tmp("root/nothere"),
        rt_tmp("root/calc.wasm"), /* a file, not a directory */
    };
    for (size_t i = 0; i < sizeof bad_dirs / sizeof bad_dirs[0]; i++) {
        r = post_config("bad", rt_tmp("root/calc.wasm"), preopen(bad_dirs[i]));
        CHECK_MSG(r.status == 403, "%s: %ld %s", bad_dirs[i], r.status,
                  r.body ? r.body : r.error);
        rt_free(&r);
        r = post_package("badpk", preopen(bad_dirs[i]));
        CHECK_MSG(r.status == 403, "package %s: %ld %s", bad_dirs[i], r.status,
                  r.body ? r.body : r.error);
        rt_free(&r);
    }
    /* A relative path is a plain mistake: 400, as before; so is an
     * empty one, and a host path that is no string (the manager's). */
    r = post_config("rel", "root/calc.wasm", NULL);
    CHECK_STATUS(r, 400);
    rt_free(&r);
    r = post_config("rel", rt_tmp("root/calc.wasm"), preopen("sub"));
    CHECK_STATUS(r, 400);
    rt_free(&r);
    r = post_config("rel", rt_tmp("root/calc.wasm"), preopen(""));
    CHECK_STATUS(r, 400);
    rt_free(&r);
    r = post_config("rel", rt_tmp("root/calc.wasm"),
                    "\"wasi\": {\"preopens\": {\"/data\": 1}}");
    CHECK_STATUS(r, 400);
    rt_free(&r);

    /* Packages: preopens under the root by their real path only (the
     * manager reads the zip again, so they cannot be rewritten). */
    r = post_package("pk", preopen(sub));
    CHECK_STATUS(r, 201);
    rt_free(&r);
    char unresolved[PATH_MAX + 32];
    snprintf(unresolved, sizeof unresolved, "%s/./sub", root);
    r = post_package("pk2", preopen(unresolved));
    CHECK_STATUS(r, 403);
    rt_free(&r);
    r = rt_req(&d, "GET", "/plugins", NULL);
    CHECK_STATUS(r, 200);
    CHECK(r.body && !strstr(r.body, "\"bad") && !strstr(r.body, "pk2"));
    rt_free(&r);
    CHECK(rt_stop(&d, SIGTERM, 20000) == 0);

    /* An --allow-dir that is not a directory stops the start. */
    CHECK(!rt_start_bare(&d, rt_tmp("x.db"), "--allow-dir",
                         rt_tmp("root/calc.wasm"), NULL));
    CHECK(!rt_start_bare(&d, rt_tmp("x.db"), "--allow-dir", rt_tmp("nothere"),
                         NULL));
}

int main(int argc, char **argv)
{
    rt_init(argc, argv);
    test_default();
    test_allowed();
    return rt_finish(CHECK_DONE());
}
