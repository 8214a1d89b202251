/*
 * WASI under the manager: a plugin's config grants a preopened directory,
 * environment and arguments ("wasi" object), and a C reactor guest
 * (wasi_probe.c, built by clang) reads them through the full WASI of
 * src/host, one context per pool instance.
 */
#include "fixture.h"

#include <sys/stat.h>

static wx_manager *open_db(const char *file)
{
    wx_error err;
    wx_manager *m = wx_manager_open(fx_path(file), NULL, &err);
    CHECK_MSG(m != NULL, "open: %s", err.message);
    if (!m)
        exit(1);
    return m;
}

/* The guest's absolute path, or exits when clang could not build it. */
static const char *probe_path(void)
{
    static char path[512];
    snprintf(path, sizeof path, "%s/wasi_probe.wasm", guest_dir);
    if (access(path, R_OK) != 0) {
        fprintf(stderr,
                "%s is missing: it is built by clang --target=wasm32-wasi "
                "(apt-get install clang lld wasi-libc)\n",
                path);
        exit(1);
    }
    return path;
}

static const char funcs[] = "[\"probe\",\"escape\",\"nargs\"]";

static void test_grants(void)
{
    const char *wasm = probe_path();
    if (mkdir(fx_path("data"), 0755) != 0) {
        perror("mkdir");
        exit(2);
    }
    fx_write_text(fx_path("data/value.txt"), "40");
    fx_write_text(fx_path("secret.txt"), "no");
    wx_manager *m = open_db("wasi.db");
    wx_error err;

    /* The grants of the brief: the file plus the greeting make 42, on
     * every instance of the pool. */
    char *extra = fx_fmt("\"instance_num\":2,\"wasi\":{\"preopens\":"
                         "{\"/data\":\"%s\"},\"env\":{\"GREETING\":\"hi\"},"
                         "\"args\":[\"-v\",\"x\"]}",
                         fx_path("data"));
    wx_status s = fx_add(m, "wasiplug", wasm, funcs, extra, &err);
    free(extra);
    CHECK_MSG(s == WX_OK, "%s", err.message);
    for (int i = 0; i < 4; i++)
        CHECK_STR(fx_call(m, NULL, "probe", "[]"), "[42]");
    /* Nothing above the directory; argv is the plugin name, then
     * wasi.args. */
    CHECK_STR(fx_call(m, NULL, "escape", "[]"), "[76]");
    CHECK_STR(fx_call(m, NULL, "nargs", "[]"), "[103]");

    /* Without the grants the guest sees neither file nor variable. */
    s = fx_update(m, "wasiplug", wasm, funcs, "", &err);
    CHECK_MSG(s == WX_OK, "%s", err.message);
    CHECK_STR(fx_call(m, NULL, "probe", "[]"), "[-1]");
    CHECK_STR(fx_call(m, NULL, "nargs", "[]"), "[101]");
    extra = fx_fmt("\"wasi\":{\"preopens\":{\"/data\":\"%s\"}}",
                   fx_path("data"));
    s = fx_update(m, "wasiplug", wasm, funcs, extra, &err);
    free(extra);
    CHECK_MSG(s == WX_OK, "%s", err.message);
    CHECK_STR(fx_call(m, NULL, "probe", "[]"), "[-2]");

    /* A preopen that does not exist is refused when the config is
     * loaded, naming it. */
    extra = fx_fmt("\"wasi\":{\"preopens\":{\"/data\":\"%s\"}}",
                   fx_path("missing"));
    s = fx_update(m, "wasiplug", wasm, funcs, extra, &err);
    free(extra);
    CHECK(s != WX_OK);
    CHECK_HAS(err.message, "wasi");
    CHECK_HAS(err.message, "missing");
    wx_manager_close(m);
}

int main(int argc, char **argv)
{
    fx_setup(argc, argv);
    test_grants();
    fx_teardown();
    return CHECK_DONE();
}
